//! Typed calls: Rust types checked once against the C declaration, then native calls.
//!
//! [`CRepr`] describes how a Rust type is laid out in C terms ([`Shape`]): integers with their
//! size and signedness, floats, pointers, `#[repr(C)]` structs with every field's offset (from
//! `std::mem::offset_of!`, see [`c_struct!`](crate::c_struct)). [`Function::typed`] compares the
//! shapes with the declaration once. A call then transmutes the symbol's address to
//! `unsafe extern "C" fn(A, B) -> R` and calls it: Rust's `extern "C"` is the platform's C ABI,
//! structs by value included, so the call is exactly what a C compiler would emit. Variadic
//! functions are called through a tiny thunk that sets `%al` (the x86-64 variadic convention)
//! and jumps to the function with every argument register untouched.

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::{Function, FunctionInner};
use crate::ctype::{CType, Prim, TypeId, TypeTable};
use crate::layout::{self, Target};

/// How a Rust type looks in C: what [`CRepr`] reports and [`Function::typed`] checks.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Shape {
    /// `()`: C's `void` (results only).
    Void,
    /// `bool`: C's `_Bool`.
    Bool,
    /// An integer of `bytes` bytes.
    Int {
        /// Size in bytes.
        bytes: u8,
        /// Signed or not.
        signed: bool,
    },
    /// `f32`: `float`.
    F32,
    /// `f64`: `double`.
    F64,
    /// A raw pointer; `pointee` is the shape of what it points to, `None` for `c_void` (and
    /// `u8`/`i8`, which stand for any object bytes).
    Ptr {
        /// The pointee's shape, when it is checked.
        pointee: Option<Box<Shape>>,
    },
    /// A `#[repr(C)]` struct.
    Record {
        /// The Rust type's name.
        name: &'static str,
        /// `size_of`.
        size: usize,
        /// `align_of`.
        align: usize,
        /// Fields in order.
        fields: Vec<ShapeField>,
    },
    /// An array `[T; N]` (inside structs).
    Array {
        /// The element's shape.
        elem: Box<Shape>,
        /// The length.
        len: usize,
    },
}

/// A field of a [`Shape::Record`].
#[derive(Clone, Debug, PartialEq)]
pub struct ShapeField {
    /// The field's name.
    pub name: &'static str,
    /// Its offset (`offset_of!`).
    pub offset: usize,
    /// Its shape.
    pub shape: Shape,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Void => write!(f, "()"),
            Shape::Bool => write!(f, "bool"),
            Shape::Int { bytes, signed } => write!(
                f,
                "{}{}",
                if *signed { "i" } else { "u" },
                u32::from(*bytes) * 8
            ),
            Shape::F32 => write!(f, "f32"),
            Shape::F64 => write!(f, "f64"),
            Shape::Ptr { pointee: None } => write!(f, "*mut c_void"),
            Shape::Ptr { pointee: Some(p) } => write!(f, "*mut {p}"),
            Shape::Record { name, .. } => write!(f, "{name}"),
            Shape::Array { elem, len } => write!(f, "[{elem}; {len}]"),
        }
    }
}

/// A Rust type with a C layout, usable in [`TypedFunction`] signatures.
///
/// Implemented for `()`, `bool`, the integer and float primitives, raw pointers, arrays, and
/// structs declared with [`c_struct!`](crate::c_struct).
///
/// # Safety
///
/// [`CRepr::shape`] must describe the type's actual layout exactly: a wrong shape makes typed
/// calls pass garbage. Implement it through [`c_struct!`](crate::c_struct), which derives the
/// shape from the definition; hand-written implementations are unsupported.
pub unsafe trait CRepr: Copy + 'static {
    /// The type's C shape.
    #[doc(hidden)]
    fn shape() -> Shape;
}

macro_rules! crepr_prim {
    ($($t:ty => $shape:expr),* $(,)?) => {$(
        // SAFETY: the shape states the primitive's size, signedness and kind.
        unsafe impl CRepr for $t {
            fn shape() -> Shape {
                $shape
            }
        }
    )*};
}

crepr_prim! {
    () => Shape::Void,
    bool => Shape::Bool,
    i8 => Shape::Int { bytes: 1, signed: true },
    u8 => Shape::Int { bytes: 1, signed: false },
    i16 => Shape::Int { bytes: 2, signed: true },
    u16 => Shape::Int { bytes: 2, signed: false },
    i32 => Shape::Int { bytes: 4, signed: true },
    u32 => Shape::Int { bytes: 4, signed: false },
    i64 => Shape::Int { bytes: 8, signed: true },
    u64 => Shape::Int { bytes: 8, signed: false },
    isize => Shape::Int { bytes: std::mem::size_of::<isize>() as u8, signed: true },
    usize => Shape::Int { bytes: std::mem::size_of::<usize>() as u8, signed: false },
    f32 => Shape::F32,
    f64 => Shape::F64,
}

// Pointers are checked as pointers: C's pointee types are too loose (`void *`, `char *` for
// bytes, incomplete structs) for Rust's pointee types to be compared usefully.

// SAFETY: raw pointers to sized or unsized `T` used here are one pointer-sized word: thin
// pointers only (`T: Sized` or `c_void`), which is what C pointers are.
unsafe impl<T: 'static> CRepr for *const T {
    fn shape() -> Shape {
        Shape::Ptr { pointee: None }
    }
}

// SAFETY: as for `*const T`.
unsafe impl<T: 'static> CRepr for *mut T {
    fn shape() -> Shape {
        Shape::Ptr { pointee: None }
    }
}

// SAFETY: Rust arrays are laid out like C arrays.
unsafe impl<T: CRepr, const N: usize> CRepr for [T; N] {
    fn shape() -> Shape {
        Shape::Array {
            elem: Box::new(T::shape()),
            len: N,
        }
    }
}

// SAFETY: `Option<extern "C" fn>` is one nullable code pointer, like a C function pointer.
unsafe impl CRepr for Option<unsafe extern "C" fn()> {
    fn shape() -> Shape {
        Shape::Ptr { pointee: None }
    }
}

/// Declares `#[repr(C)]` structs usable in typed calls: the struct itself, `Copy`/`Clone`, and
/// its [`CRepr`] shape with every field's offset from `std::mem::offset_of!`.
///
/// # Examples
///
/// ```
/// jitffi::c_struct! {
///     /// A point.
///     #[derive(Debug, PartialEq)]
///     pub struct Point { pub x: f64, pub y: f64 }
/// }
/// let p = Point { x: 1.0, y: 2.0 };
/// assert_eq!(p, Point { x: 1.0, y: 2.0 });
/// ```
#[macro_export]
macro_rules! c_struct {
    ($(
        $(#[$attr:meta])*
        $vis:vis struct $name:ident { $($(#[$fattr:meta])* $fvis:vis $field:ident : $fty:ty),* $(,)? }
    )*) => {$(
        $(#[$attr])*
        #[repr(C)]
        #[derive(Copy, Clone)]
        $vis struct $name { $($(#[$fattr])* $fvis $field: $fty),* }

        // SAFETY: the shape is derived from the `#[repr(C)]` definition above: its size,
        // alignment, and every field's offset and type.
        unsafe impl $crate::CRepr for $name {
            fn shape() -> $crate::Shape {
                $crate::Shape::Record {
                    name: stringify!($name),
                    size: ::std::mem::size_of::<$name>(),
                    align: ::std::mem::align_of::<$name>(),
                    fields: ::std::vec![$(
                        $crate::ShapeField {
                            name: stringify!($field),
                            offset: ::std::mem::offset_of!($name, $field),
                            shape: <$fty as $crate::CRepr>::shape(),
                        }
                    ),*],
                }
            }
        }
    )*};
}

/// Rust types do not match a C declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeMismatch {
    /// The function.
    pub function: String,
    /// What was compared: `argument 2`, `result`, `arity`.
    pub what: String,
    /// The Rust type.
    pub rust: String,
    /// The C type.
    pub c: String,
    /// What differs.
    pub reason: String,
}

impl fmt::Display for TypeMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: Rust type '{}' does not match C type '{}' ({})",
            self.function, self.what, self.rust, self.c, self.reason
        )
    }
}

impl std::error::Error for TypeMismatch {}

/// Compares a Rust shape with a C type; `Err` says what differs.
pub(crate) fn check_shape(
    t: &TypeTable,
    target: &Target,
    shape: &Shape,
    ty: TypeId,
    depth: u32,
) -> Result<(), String> {
    if depth > 32 {
        return Err("types nested too deeply".into());
    }
    let size = |ty| {
        layout::layout_of(t, target, ty)
            .map(|l| l.size)
            .map_err(|e| e.to_string())
    };
    match (shape, t.raw_type(ty)) {
        (Shape::Void, CType::Void) => Ok(()),
        (Shape::Bool, CType::Prim(Prim::Bool)) => Ok(()),
        (Shape::F32, CType::Prim(Prim::Float)) | (Shape::F64, CType::Prim(Prim::Double)) => Ok(()),
        (Shape::Int { bytes, signed }, CType::Prim(p)) if p.is_integer() && *p != Prim::Bool => {
            let c_bytes = size(ty)?;
            if c_bytes != u64::from(*bytes) {
                return Err(format!("{} bytes in Rust, {c_bytes} in C", bytes));
            }
            let c_signed = p.is_signed(target.char_signed);
            if *signed != c_signed {
                return Err(format!(
                    "{} in Rust, {} in C",
                    sign(*signed),
                    sign(c_signed)
                ));
            }
            Ok(())
        }
        (Shape::Int { bytes, signed }, CType::Enum(e)) => match &e.body {
            Some(b) => {
                let c_bytes = target.prim(b.underlying).0;
                let c_signed = b.underlying.is_signed(target.char_signed);
                if c_bytes == u64::from(*bytes) && c_signed == *signed {
                    Ok(())
                } else {
                    Err(format!(
                        "the enum is represented as '{}'",
                        b.underlying.c_name()
                    ))
                }
            }
            None => Err("incomplete enum".into()),
        },
        (Shape::Ptr { pointee }, CType::Pointer(to)) => match pointee {
            None => Ok(()),
            Some(p) => {
                if matches!(t.raw_type(*to), CType::Void) || t.is_incomplete(*to) {
                    return Ok(());
                }
                check_shape(t, target, p, *to, depth + 1).map_err(|e| format!("pointee: {e}"))
            }
        },
        (
            Shape::Record {
                size: rs,
                align: ra,
                fields,
                ..
            },
            CType::Record(r),
        ) => {
            let body = r.body.as_ref().ok_or("the C struct is incomplete")?;
            if *rs as u64 != body.size || *ra as u64 != body.align {
                return Err(format!(
                    "size/alignment {rs}/{ra} in Rust, {}/{} in C",
                    body.size, body.align
                ));
            }
            let c_fields = flatten_fields(t, ty);
            if c_fields.len() != fields.len() {
                return Err(format!(
                    "{} fields in Rust, {} members in C",
                    fields.len(),
                    c_fields.len()
                ));
            }
            for (rf, (cname, coff, cty, bitfield)) in fields.iter().zip(&c_fields) {
                if *bitfield {
                    return Err(format!("C member '{cname}' is a bit-field"));
                }
                if rf.offset as u64 != *coff {
                    return Err(format!(
                        "field '{}' at offset {} in Rust, member '{cname}' at {coff} in C",
                        rf.name, rf.offset
                    ));
                }
                check_shape(t, target, &rf.shape, *cty, depth + 1)
                    .map_err(|e| format!("field '{}': {e}", rf.name))?;
            }
            Ok(())
        }
        (
            Shape::Array { elem, len },
            CType::Array {
                elem: ce,
                len: Some(cl),
            },
        ) => {
            if *len as u64 != *cl {
                return Err(format!("{len} elements in Rust, {cl} in C"));
            }
            check_shape(t, target, elem, *ce, depth + 1)
        }
        _ => Err("different kinds of type".into()),
    }
}

fn sign(s: bool) -> &'static str {
    if s { "signed" } else { "unsigned" }
}

/// The members of a C record in order, anonymous members flattened, with absolute offsets.
fn flatten_fields(t: &TypeTable, ty: TypeId) -> Vec<(String, u64, TypeId, bool)> {
    let mut out = Vec::new();
    fn walk(
        t: &TypeTable,
        ty: TypeId,
        base: u64,
        out: &mut Vec<(String, u64, TypeId, bool)>,
        depth: u32,
    ) {
        let Some(body) = t.as_record(ty).and_then(|r| r.body.as_ref()) else {
            return;
        };
        for f in &body.fields {
            match &f.name {
                Some(n) => out.push((n.clone(), base + f.offset, f.ty, f.bit_width.is_some())),
                None if f.bit_width.is_some() => {}
                None if depth < 16 => walk(t, f.ty, base + f.offset, out, depth + 1),
                None => {}
            }
        }
    }
    walk(t, ty, 0, &mut out, 0);
    out
}

/// Argument tuples of typed calls: `()`, `(A,)`, `(A, B)`, … up to 48 elements, each a [`CRepr`].
///
/// # Safety
///
/// Implemented by jitffi for tuples only; other implementations are unsupported.
pub unsafe trait TypedArgs: Sized {
    /// The shapes of the elements.
    #[doc(hidden)]
    fn shapes() -> Vec<Shape>;
    /// Calls `f` with these arguments.
    ///
    /// # Safety
    ///
    /// `f` is a function with exactly these parameter types and result `R`.
    #[doc(hidden)]
    unsafe fn call<R: CRepr>(self, f: *const c_void) -> R;
}

macro_rules! typed_args {
    ($($n:ident),*) => {
        // SAFETY: the shapes are the elements' shapes; the call passes the elements in order.
        unsafe impl<$($n: CRepr),*> TypedArgs for ($($n,)*) {
            fn shapes() -> Vec<Shape> {
                vec![$(<$n as CRepr>::shape()),*]
            }
            #[allow(non_snake_case, reason = "the type parameters name the values")]
            unsafe fn call<R: CRepr>(self, f: *const c_void) -> R {
                let ($($n,)*) = self;
                // SAFETY: the caller guarantees `f`'s signature (trait contract).
                unsafe {
                    let f = std::mem::transmute::<*const c_void, unsafe extern "C" fn($($n),*) -> R>(f);
                    f($($n),*)
                }
            }
        }
    };
}

// Every arity up to 48 (LAPACK's longest prototypes take 41 arguments, hidden lengths
// included): each tuple's type parameters are named from its length down.
macro_rules! typed_args_upto {
    () => {
        typed_args!();
    };
    ($head:ident $(, $tail:ident)*) => {
        typed_args_upto!($($tail),*);
        typed_args!($head $(, $tail)*);
    };
}

typed_args_upto!(
    A48, A47, A46, A45, A44, A43, A42, A41, A40, A39, A38, A37, A36, A35, A34, A33, A32, A31, A30,
    A29, A28, A27, A26, A25, A24, A23, A22, A21, A20, A19, A18, A17, A16, A15, A14, A13, A12, A11,
    A10, A9, A8, A7, A6, A5, A4, A3, A2, A1
);

/// A function whose Rust signature was checked against its declaration: calls are native.
pub struct TypedFunction<Args, Ret> {
    /// What is called: the function, or the `%al` thunk of a variadic one.
    entry: *const c_void,
    /// Keeps the library and any thunk alive.
    inner: Arc<FunctionInner>,
    _keep: Option<Arc<crate::jit::JitEngine>>,
    _sig: PhantomData<fn(Args) -> Ret>,
}

impl<Args, Ret> Clone for TypedFunction<Args, Ret> {
    fn clone(&self) -> Self {
        TypedFunction {
            entry: self.entry,
            inner: self.inner.clone(),
            _keep: self._keep.clone(),
            _sig: PhantomData,
        }
    }
}

impl<Args, Ret> fmt::Debug for TypedFunction<Args, Ret> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TypedFunction({})", self.inner.name)
    }
}

// SAFETY: the entry point is immutable code; the handle owns what keeps it alive.
unsafe impl<Args, Ret> Send for TypedFunction<Args, Ret> {}
// SAFETY: as for `Send`.
unsafe impl<Args, Ret> Sync for TypedFunction<Args, Ret> {}

impl<Args: TypedArgs, Ret: CRepr> TypedFunction<Args, Ret> {
    pub(crate) fn new(f: &Function) -> Result<Self, TypeMismatch> {
        let inner = &f.inner;
        let t = &inner.table;
        let target = f.target();
        let ft = t.as_func(inner.ty).expect("a Function has a function type");
        let shapes = Args::shapes();
        let mismatch = |what: String, rust: String, c: String, reason: String| TypeMismatch {
            function: inner.name.clone(),
            what,
            rust,
            c,
            reason,
        };
        let arity_ok = if ft.variadic {
            shapes.len() >= ft.params.len()
        } else {
            shapes.len() == ft.params.len()
        };
        if !arity_ok {
            let least = if ft.variadic { "at least " } else { "" };
            return Err(mismatch(
                "arity".into(),
                format!("{} arguments", shapes.len()),
                t.display(inner.ty),
                format!("the declaration takes {least}{}", ft.params.len()),
            ));
        }
        for (i, s) in shapes.iter().enumerate() {
            let what = format!("argument {}", i + 1);
            match ft.params.get(i) {
                Some(&p) => check_shape(t, target, s, p, 0)
                    .map_err(|r| mismatch(what, s.to_string(), t.display(p), r))?,
                None => {
                    // A variadic argument: only types that survive the default promotions.
                    let ok = matches!(
                        s,
                        Shape::Int { bytes: 4 | 8, .. }
                            | Shape::F64
                            | Shape::Ptr { .. }
                            | Shape::Record { .. }
                    );
                    if !ok {
                        return Err(mismatch(
                            what,
                            s.to_string(),
                            "...".into(),
                            "variadic arguments must be promoted: use i32/u32/i64/u64, f64, pointers or structs".into(),
                        ));
                    }
                }
            }
        }
        let rs = Ret::shape();
        check_shape(t, target, &rs, ft.ret, 0)
            .map_err(|r| mismatch("result".into(), rs.to_string(), t.display(ft.ret), r))?;
        let (entry, keep) = if ft.variadic {
            // A native variadic call needs `%al` set; Rust cannot set it through a non-variadic
            // function pointer, so a 16-byte thunk does. It is the only JIT code a typed handle
            // needs, and without executable memory there is no typed variadic call to offer.
            let no_thunk = |e: String| {
                let rust = shapes.iter().map(ToString::to_string).collect::<Vec<_>>();
                mismatch(
                    "call".into(),
                    format!("({})", rust.join(", ")),
                    t.declare(inner.ty, &inner.name),
                    format!(
                        "a typed variadic call needs a 16-byte thunk that sets %al, and no executable memory could be mapped for it ({e}); Function::call makes the call through libffi"
                    ),
                )
            };
            let engine = f.engine().map_err(no_thunk)?;
            // `%al` is an upper bound of the vector registers used: 8 is always right.
            let thunk = engine
                .install(&crate::jit::variadic_thunk(8, inner.addr))
                .map_err(|e| no_thunk(e.to_string()))?;
            (thunk.cast::<c_void>(), Some(engine))
        } else {
            (f.address(), None)
        };
        Ok(TypedFunction {
            entry,
            inner: inner.clone(),
            _keep: keep,
            _sig: PhantomData,
        })
    }

    /// Calls the function natively.
    ///
    /// # Safety
    ///
    /// As [`Function::call`]: the declaration matches the definition and the arguments satisfy
    /// the function's preconditions.
    pub unsafe fn call(&self, args: Args) -> Ret {
        // SAFETY: `new` checked that `Args`/`Ret` match the declaration, which the caller
        // vouches matches the definition.
        unsafe { args.call::<Ret>(self.entry) }
    }

    /// The untyped handle of the same function.
    pub fn function(&self) -> Function {
        Function {
            inner: self.inner.clone(),
        }
    }
}
