//! Calling a routine the f2py way: the caller gives the [`Sig`]'s visible arguments as
//! Rust values and slices; dimensions are computed from array shapes, every array is checked
//! to be long enough for the extents the routine will use, `intent(out)` arrays are allocated,
//! workspace sizes are queried (`LWORK = -1`), `INFO` becomes an error, and the outputs come
//! back as [`Out`] values.

use std::collections::HashMap;
use std::ffi::c_void;
use std::marker::PhantomData;

use super::FortranError;
use super::abi::{Abi, Role as CRole};
use super::expr::{Env, Expr, Val};
use super::model::{FType, Intent, Routine};
use super::sig::{Check, Role, Sig, SigArg};
use crate::{Callback, Function, Value};

/// The element type of a Fortran array.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Elem {
    /// `INTEGER` / `LOGICAL` of 4 bytes.
    I32,
    /// `INTEGER` / `LOGICAL` of 8 bytes (ILP64, `INTEGER*8`).
    I64,
    /// `REAL`.
    F32,
    /// `DOUBLE PRECISION`.
    F64,
    /// `COMPLEX`.
    C32,
    /// `COMPLEX*16`.
    C64,
    /// `CHARACTER`.
    U8,
}

impl Elem {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Elem::U8 => 1,
            Elem::I32 | Elem::F32 => 4,
            Elem::I64 | Elem::F64 | Elem::C32 => 8,
            Elem::C64 => 16,
        }
    }

    /// The Fortran type, for messages.
    pub fn fortran(self) -> &'static str {
        match self {
            Elem::I32 => "INTEGER(4)",
            Elem::I64 => "INTEGER(8)",
            Elem::F32 => "REAL",
            Elem::F64 => "DOUBLE PRECISION",
            Elem::C32 => "COMPLEX",
            Elem::C64 => "COMPLEX*16",
            Elem::U8 => "CHARACTER",
        }
    }

    fn of(t: &FType, abi: &Abi) -> Option<Elem> {
        let int = |k: Option<u8>| match k.unwrap_or(if abi.ilp64 { 8 } else { 4 }) {
            4 => Some(Elem::I32),
            8 => Some(Elem::I64),
            _ => None,
        };
        match t {
            FType::Integer { kind } | FType::Logical { kind } => int(*kind),
            FType::Real { kind } => match kind.unwrap_or(4) {
                4 => Some(Elem::F32),
                8 => Some(Elem::F64),
                _ => None,
            },
            FType::Complex { kind } => match kind.unwrap_or(4) {
                4 => Some(Elem::C32),
                8 => Some(Elem::C64),
                _ => None,
            },
            FType::Character { .. } => Some(Elem::U8),
        }
    }
}

/// A Fortran `COMPLEX` element.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Complex32 {
    /// Real part.
    pub re: f32,
    /// Imaginary part.
    pub im: f32,
}

/// A Fortran `COMPLEX*16` element.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Complex64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

/// Rust types that are Fortran array elements.
pub trait Element: Copy + 'static + private::Sealed {
    /// Its element type.
    const ELEM: Elem;
}

mod private {
    pub trait Sealed {}
}

macro_rules! element {
    ($($t:ty => $e:ident),*) => {$(
        impl private::Sealed for $t {}
        impl Element for $t {
            const ELEM: Elem = Elem::$e;
        }
    )*};
}
element!(i32 => I32, i64 => I64, f32 => F32, f64 => F64, Complex32 => C32, Complex64 => C64, u8 => U8);

/// An argument of [`Library::call`](super::Library::call).
pub enum Arg<'a> {
    /// An `INTEGER` (range-checked for 4-byte integers).
    Int(i64),
    /// A `REAL` or `DOUBLE PRECISION` (an `Int` converts too).
    Real(f64),
    /// A `COMPLEX` or `COMPLEX*16`.
    Complex(f64, f64),
    /// A `LOGICAL`.
    Logical(bool),
    /// A `CHARACTER` argument (an option letter: `"N"`, `"T"`).
    Str(&'a str),
    /// An array (see [`Arg::vec`], [`Arg::matrix`], and the `_mut` forms).
    Array(ArrayArg<'a>),
    /// A dummy procedure: a jitffi callback of the dummy's function pointer type.
    Callback(&'a Callback<'a>),
    /// An optional argument left to its default (f2py's `None`).
    Default,
}

/// An array argument: borrowed read-only (copied if the routine writes it, as f2py does by
/// default) or mutably (updated in place, f2py's `overwrite_x=1`).
pub struct ArrayArg<'a> {
    ptr: *mut u8,
    len: usize,
    elem: Elem,
    shape: Vec<usize>,
    writable: bool,
    _life: PhantomData<&'a mut [u8]>,
}

impl<'a> Arg<'a> {
    /// A vector.
    pub fn vec<T: Element>(data: &'a [T]) -> Arg<'a> {
        Arg::Array(ArrayArg {
            ptr: data.as_ptr() as *mut u8,
            len: data.len(),
            elem: T::ELEM,
            shape: vec![data.len()],
            writable: false,
            _life: PhantomData,
        })
    }

    /// A vector the routine updates in place.
    pub fn vec_mut<T: Element>(data: &'a mut [T]) -> Arg<'a> {
        Arg::Array(ArrayArg {
            ptr: data.as_mut_ptr().cast(),
            len: data.len(),
            elem: T::ELEM,
            shape: vec![data.len()],
            writable: true,
            _life: PhantomData,
        })
    }

    /// A column-major matrix of `rows` × `cols` (its leading dimension is `rows`).
    ///
    /// # Panics
    ///
    /// If `data` has fewer than `rows * cols` elements.
    pub fn matrix<T: Element>(data: &'a [T], rows: usize, cols: usize) -> Arg<'a> {
        assert!(
            rows.checked_mul(cols).is_some_and(|n| n <= data.len()),
            "a {rows}x{cols} matrix needs {} elements, the slice has {}",
            rows.saturating_mul(cols),
            data.len()
        );
        Arg::Array(ArrayArg {
            ptr: data.as_ptr() as *mut u8,
            len: data.len(),
            elem: T::ELEM,
            shape: vec![rows, cols],
            writable: false,
            _life: PhantomData,
        })
    }

    /// A column-major matrix the routine updates in place.
    ///
    /// # Panics
    ///
    /// As [`Arg::matrix`].
    pub fn matrix_mut<T: Element>(data: &'a mut [T], rows: usize, cols: usize) -> Arg<'a> {
        assert!(
            rows.checked_mul(cols).is_some_and(|n| n <= data.len()),
            "a {rows}x{cols} matrix needs {} elements, the slice has {}",
            rows.saturating_mul(cols),
            data.len()
        );
        Arg::Array(ArrayArg {
            ptr: data.as_mut_ptr().cast(),
            len: data.len(),
            elem: T::ELEM,
            shape: vec![rows, cols],
            writable: true,
            _life: PhantomData,
        })
    }
}

/// A value a call returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// An `INTEGER` or `LOGICAL` (1 or 0) scalar.
    Int(i64),
    /// A `REAL` / `DOUBLE PRECISION` scalar.
    Real(f64),
    /// A `COMPLEX` scalar.
    Complex(f64, f64),
    /// A `CHARACTER` result or scalar, trailing blanks kept.
    Str(String),
    /// An array, column-major, with its shape.
    Array(OutArray),
}

/// An array a call returns.
#[derive(Clone, Debug, PartialEq)]
pub struct OutArray {
    /// Its element type.
    pub elem: Elem,
    /// Its extents.
    pub shape: Vec<usize>,
    /// The elements, in 16-byte-aligned storage.
    buf: Vec<u128>,
    /// How many bytes of `buf` are elements.
    bytes: usize,
}

impl OutArray {
    /// The elements as `T`, if `T` is the element type.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        if T::ELEM != self.elem {
            return None;
        }
        let n = self.bytes / self.elem.size();
        // SAFETY: `buf` is aligned to 16 bytes (more than any element needs) and holds `n`
        // elements of `T` (its element type), all initialised.
        Some(unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<T>(), n) })
    }
}

impl Out {
    /// An array's elements as `T`.
    pub fn array<T: Element>(&self) -> Option<&[T]> {
        match self {
            Out::Array(a) => a.as_slice(),
            _ => None,
        }
    }

    /// An integer scalar.
    pub fn int(&self) -> Option<i64> {
        match self {
            Out::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// A real scalar.
    pub fn real(&self) -> Option<f64> {
        match self {
            Out::Real(x) => Some(*x),
            _ => None,
        }
    }
}

/// Storage of one argument during a call, 16-byte aligned.
struct Slot {
    buf: Vec<u128>,
    bytes: usize,
}

impl Slot {
    fn zeroed(bytes: usize) -> Slot {
        Slot {
            buf: vec![0u128; bytes.div_ceil(16).max(1)],
            bytes,
        }
    }

    fn ptr(&mut self) -> *mut u8 {
        self.buf.as_mut_ptr().cast()
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `buf` holds at least `bytes` bytes.
        unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.bytes) }
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().cast::<u8>(), self.bytes) }
    }
}

/// Where an argument's data is during a call.
enum Place<'a> {
    /// Owned by the call (scalars, copies, outputs).
    Owned(Slot),
    /// The caller's array, updated in place.
    Borrowed(*mut u8, PhantomData<&'a mut [u8]>),
    /// A callback's code.
    Code(Value<'static>),
}

/// What the expression environment knows during a call.
struct CallEnv<'s> {
    sig: &'s Sig,
    scalars: HashMap<String, Val>,
    shapes: HashMap<String, Vec<usize>>,
}

impl Env for CallEnv<'_> {
    fn value(&self, n: &str) -> Option<Val> {
        self.scalars.get(n).cloned()
    }
    fn shape(&self, n: &str, d: usize) -> Option<i64> {
        // Past an array's rank its extents are 1: a vector is an n × 1 matrix.
        let s = self.shapes.get(n)?;
        Some(s.get(d).map_or(1, |&x| x as i64))
    }
    fn size(&self, n: &str) -> Option<i64> {
        Some(self.shapes.get(n)?.iter().product::<usize>() as i64)
    }
    fn rank(&self, n: &str) -> Option<i64> {
        let _ = self.sig;
        Some(self.shapes.get(n)?.len() as i64)
    }
}

fn arg_err(routine: &str, argument: &str, message: impl Into<String>) -> FortranError {
    FortranError::Argument {
        routine: routine.to_string(),
        argument: argument.to_ascii_lowercase(),
        message: message.into(),
    }
}

/// The extents of an array argument, evaluated.
fn extents(a: &SigArg, env: &CallEnv<'_>, routine: &str) -> Result<Vec<i64>, FortranError> {
    a.dims
        .iter()
        .map(|d| {
            let v = d
                .eval(env)
                .map_err(|e| arg_err(routine, &a.name, format!("its extent: {}", e.message)))?;
            v.as_int()
                .ok_or_else(|| arg_err(routine, &a.name, format!("its extent is {v}")))
        })
        .collect()
}

/// Elements a column-major array with these extents spans (the last extent counts fully).
fn span(ext: &[i64]) -> Option<usize> {
    ext.iter().try_fold(1usize, |acc, &e| {
        if e < 0 {
            None
        } else {
            acc.checked_mul(e as usize)
        }
    })
}

/// Runs one f2py-style call. `f` is the routine's function of `abi`'s prototype.
pub(crate) fn call(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    f: &Function,
    args: &[Arg<'_>],
) -> Result<Vec<Out>, FortranError> {
    let routine = r.name.to_ascii_lowercase();
    let routine = routine.as_str();
    let given: Vec<&SigArg> = sig.given().collect();
    if args.len() > given.len() {
        return Err(arg_err(
            routine,
            "",
            format!(
                "takes at most {} arguments ({}), got {}",
                given.len(),
                sig,
                args.len()
            ),
        ));
    }
    let mut env = CallEnv {
        sig,
        scalars: HashMap::new(),
        shapes: HashMap::new(),
    };
    let mut places: HashMap<String, Place<'_>> = HashMap::new();
    let mut lens: HashMap<String, usize> = HashMap::new();
    // The caller's arguments.
    for (i, a) in given.iter().enumerate() {
        let arg = args.get(i).unwrap_or(&Arg::Default);
        if matches!(arg, Arg::Default) {
            if a.role == Role::Given {
                return Err(arg_err(routine, &a.name, format!("is required ({sig})")));
            }
            continue;
        }
        let place = given_place(routine, a, arg, abi, &mut env, &mut lens)?;
        places.insert(a.name.clone(), place);
    }
    // Optional and hidden scalars, in dependency order.
    let mut pending: Vec<&SigArg> = sig
        .args
        .iter()
        .filter(|a| {
            matches!(a.role, Role::Optional(_) | Role::Hidden(_)) && !places.contains_key(&a.name)
        })
        .collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for a in pending {
            let (Role::Optional(init) | Role::Hidden(init)) = &a.role else {
                continue;
            };
            match init.eval(&env) {
                Ok(v) => {
                    let slot = scalar_slot(routine, a, &v, abi)?;
                    env.scalars.insert(a.name.clone(), v);
                    places.insert(a.name.clone(), Place::Owned(slot));
                }
                Err(_) => rest.push(a),
            }
        }
        if rest.len() == before {
            let a = rest[0];
            let (Role::Optional(init) | Role::Hidden(init)) = &a.role else {
                unreachable!()
            };
            let e = init.eval(&env).err().map(|e| e.message).unwrap_or_default();
            return Err(arg_err(
                routine,
                &a.name,
                format!("cannot be computed: {e}"),
            ));
        }
        pending = rest;
    }
    // What the documentation says must hold (what would otherwise reach XERBLA, which ends
    // the process in Reference LAPACK).
    for a in &sig.args {
        if !matches!(a.role, Role::Given | Role::Optional(_) | Role::Hidden(_)) {
            continue;
        }
        let Some(v) = env.scalars.get(&a.name).cloned() else {
            continue;
        };
        for c in &a.checks {
            match c {
                Check::AtLeast(e) => {
                    // A bound naming something unknown here is not checked.
                    let Ok(b) = e.eval(&env) else { continue };
                    if let (Some(x), Some(y)) = (v.as_int(), b.as_int())
                        && x < y
                    {
                        return Err(arg_err(
                            routine,
                            &a.name,
                            format!("is {x}; it must be >= {} = {y}", show(e)),
                        ));
                    }
                }
                Check::OneOf(letters) => {
                    let Val::Str(s) = &v else { continue };
                    let c = s.chars().next().map(|c| c.to_ascii_uppercase());
                    if !c.is_some_and(|c| letters.contains(&c)) {
                        let list: Vec<String> = letters.iter().map(|l| format!("'{l}'")).collect();
                        return Err(arg_err(
                            routine,
                            &a.name,
                            format!("is '{s}'; it must be one of {}", list.join(", ")),
                        ));
                    }
                }
            }
        }
    }
    // Check given arrays against the extents the routine uses; allocate outputs.
    let ty_elem = |a: &SigArg| a.ty.as_ref().and_then(|t| Elem::of(t, abi));
    for a in &sig.args {
        match &a.role {
            Role::Given | Role::Optional(_) if !a.dims.is_empty() => {
                if !places.contains_key(&a.name) {
                    continue;
                }
                let ext = extents(a, &env, routine)?;
                let need = span(&ext).ok_or_else(|| {
                    arg_err(
                        routine,
                        &a.name,
                        format!("its extents {ext:?} are negative"),
                    )
                })?;
                let have = env.shapes.get(&a.name).map_or(0, |s| s.iter().product());
                if have < need {
                    let dims: Vec<String> = a
                        .dims
                        .iter()
                        .zip(&ext)
                        .map(|(d, e)| format!("{} = {e}", show(d)))
                        .collect();
                    return Err(arg_err(
                        routine,
                        &a.name,
                        format!(
                            "has {have} elements; the routine uses {need} ({})",
                            dims.join(", ")
                        ),
                    ));
                }
            }
            Role::Out => {
                let elem = ty_elem(a)
                    .ok_or_else(|| arg_err(routine, &a.name, "has a type with no element here"))?;
                let ext = extents(a, &env, routine)?;
                let n = span(&ext).ok_or_else(|| {
                    arg_err(
                        routine,
                        &a.name,
                        format!("its extents {ext:?} are negative"),
                    )
                })?;
                let bytes = n
                    .checked_mul(elem.size())
                    .ok_or_else(|| arg_err(routine, &a.name, "is too large to allocate"))?;
                env.shapes
                    .insert(a.name.clone(), ext.iter().map(|&e| e as usize).collect());
                places.insert(a.name.clone(), Place::Owned(Slot::zeroed(bytes)));
            }
            Role::Info => {
                let elem = ty_elem(a).unwrap_or(Elem::I32);
                places.insert(a.name.clone(), Place::Owned(Slot::zeroed(elem.size())));
            }
            _ => {}
        }
    }
    // Workspace: query the optimal sizes, then allocate.
    let work: Vec<(&SigArg, &SigArg)> = sig
        .args
        .iter()
        .filter_map(|a| match &a.role {
            Role::Workspace(size) => sig.args.iter().find(|s| &s.name == size).map(|s| (a, s)),
            _ => None,
        })
        .collect();
    if !work.is_empty() {
        for (w, s) in &work {
            let elem = ty_elem(w).unwrap_or(Elem::F64);
            places.insert(w.name.clone(), Place::Owned(Slot::zeroed(elem.size())));
            let slot = scalar_slot(routine, s, &Val::Int(-1), abi)?;
            places.insert(s.name.clone(), Place::Owned(slot));
        }
        raw_call(r, sig, abi, f, &mut places, &lens, routine)?;
        check_info(r, sig, abi, &places, routine)?;
        for (w, s) in &work {
            let elem = ty_elem(w).unwrap_or(Elem::F64);
            let Some(Place::Owned(q)) = places.get(&w.name) else {
                continue;
            };
            let optimal = match elem {
                Elem::F32 | Elem::C32 => f64::from(f32::from_le_bytes(
                    q.bytes()[..4].try_into().unwrap_or_default(),
                )),
                Elem::F64 | Elem::C64 => {
                    f64::from_le_bytes(q.bytes()[..8].try_into().unwrap_or_default())
                }
                Elem::I32 => f64::from(i32::from_le_bytes(
                    q.bytes()[..4].try_into().unwrap_or_default(),
                )),
                Elem::I64 => {
                    i64::from_le_bytes(q.bytes()[..8].try_into().unwrap_or_default()) as f64
                }
                Elem::U8 => 1.0,
            };
            // Single-precision sizes round down above 2^24: take one more, as LAPACK's
            // SROUNDUP_LWORK intends.
            let n = (optimal.ceil().max(1.0) as usize)
                .saturating_add(usize::from(matches!(elem, Elem::F32 | Elem::C32)));
            let bytes = n.checked_mul(elem.size()).ok_or_else(|| {
                arg_err(routine, &w.name, "the workspace query asked for too much")
            })?;
            places.insert(w.name.clone(), Place::Owned(Slot::zeroed(bytes)));
            let slot = scalar_slot(routine, s, &Val::Int(n as i64), abi)?;
            places.insert(s.name.clone(), Place::Owned(slot));
        }
    }
    let result = raw_call(r, sig, abi, f, &mut places, &lens, routine)?;
    check_info(r, sig, abi, &places, routine)?;
    // Outputs: the function result, then returned arguments.
    let mut outs = Vec::new();
    if let Some(v) = result {
        outs.push(v);
    }
    for a in sig.returns() {
        let Some(elem) = ty_elem(a) else { continue };
        match places.remove(&a.name) {
            Some(Place::Owned(slot)) => {
                if a.dims.is_empty() {
                    outs.push(scalar_out(elem, slot.bytes(), a));
                } else {
                    let shape = env.shapes.get(&a.name).cloned().unwrap_or_default();
                    let n: usize = shape.iter().product();
                    let bytes = (n * elem.size()).min(slot.bytes);
                    outs.push(Out::Array(OutArray {
                        elem,
                        shape,
                        buf: slot.buf,
                        bytes,
                    }));
                }
            }
            Some(Place::Borrowed(..)) | Some(Place::Code(_)) | None => {}
        }
    }
    Ok(outs)
}

/// An expression as the sources wrote it (lower case, parenthesised where precedence needs
/// it).
fn show(e: &Expr) -> String {
    fn prec(e: &Expr) -> u8 {
        match e {
            Expr::Cond(..) => 0,
            Expr::Binary(op, ..) => match *op {
                "||" => 1,
                "&&" => 2,
                "==" | "!=" => 3,
                "<" | "<=" | ">" | ">=" => 4,
                "+" | "-" => 5,
                _ => 6,
            },
            Expr::Unary(..) => 7,
            _ => 8,
        }
    }
    let wrap = |x: &Expr, min: u8| {
        if prec(x) < min {
            format!("({})", show(x))
        } else {
            show(x)
        }
    };
    match e {
        Expr::Int(i) => i.to_string(),
        Expr::Float(f) => f.to_string(),
        Expr::Str(s) => format!("'{s}'"),
        Expr::Name(n) => n.to_ascii_lowercase(),
        Expr::Call(f, args) => format!(
            "{f}({})",
            args.iter().map(show).collect::<Vec<_>>().join(",")
        ),
        Expr::Unary(op, x) => format!("{op}{}", wrap(x, 7)),
        Expr::Binary(op, a, b) => {
            let p = prec(e);
            // Left-associative: the right operand needs parentheses at equal precedence.
            format!("{}{op}{}", wrap(a, p), wrap(b, p + 1))
        }
        Expr::Cond(c, a, b) => format!("{}?{}:{}", wrap(c, 1), show(a), show(b)),
    }
}

fn scalar_out(elem: Elem, b: &[u8], a: &SigArg) -> Out {
    let logical = matches!(a.ty, Some(FType::Logical { .. }));
    let o = match elem {
        Elem::I32 => Out::Int(i64::from(i32::from_le_bytes(
            b[..4].try_into().unwrap_or_default(),
        ))),
        Elem::I64 => Out::Int(i64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Elem::F32 => Out::Real(f64::from(f32::from_le_bytes(
            b[..4].try_into().unwrap_or_default(),
        ))),
        Elem::F64 => Out::Real(f64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Elem::C32 => Out::Complex(
            f64::from(f32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
            f64::from(f32::from_le_bytes(b[4..8].try_into().unwrap_or_default())),
        ),
        Elem::C64 => Out::Complex(
            f64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
            f64::from_le_bytes(b[8..16].try_into().unwrap_or_default()),
        ),
        Elem::U8 => Out::Str(String::from_utf8_lossy(b).into_owned()),
    };
    match (logical, o) {
        (true, Out::Int(i)) => Out::Int(i64::from(i != 0)),
        (_, o) => o,
    }
}

/// A scalar argument's storage from a value.
fn scalar_slot(routine: &str, a: &SigArg, v: &Val, abi: &Abi) -> Result<Slot, FortranError> {
    let t =
        a.ty.as_ref()
            .ok_or_else(|| arg_err(routine, &a.name, "is a procedure, not a value"))?;
    let elem = Elem::of(t, abi).ok_or_else(|| {
        arg_err(
            routine,
            &a.name,
            format!("{} is not supported", t.fortran()),
        )
    })?;
    let mut s = Slot::zeroed(elem.size().max(1));
    let b = s.bytes_mut();
    let int = || {
        v.as_int()
            .ok_or_else(|| arg_err(routine, &a.name, format!("{v} is not an integer")))
    };
    let real = || match v {
        Val::Int(i) => Ok(*i as f64),
        Val::Float(f) => Ok(*f),
        Val::Str(_) => Err(arg_err(routine, &a.name, format!("{v} is not a number"))),
    };
    match elem {
        Elem::I32 => {
            let i = int()?;
            let x = i32::try_from(i).map_err(|_| {
                arg_err(
                    routine,
                    &a.name,
                    format!("{i} does not fit a 4-byte INTEGER"),
                )
            })?;
            b.copy_from_slice(&x.to_le_bytes());
        }
        Elem::I64 => b.copy_from_slice(&int()?.to_le_bytes()),
        Elem::F32 => b.copy_from_slice(&(real()? as f32).to_le_bytes()),
        Elem::F64 => b.copy_from_slice(&real()?.to_le_bytes()),
        Elem::C32 => b[..4].copy_from_slice(&(real()? as f32).to_le_bytes()),
        Elem::C64 => b[..8].copy_from_slice(&real()?.to_le_bytes()),
        Elem::U8 => match v {
            Val::Str(s) if !s.is_empty() => b[0] = s.as_bytes()[0],
            _ => return Err(arg_err(routine, &a.name, format!("{v} is not a character"))),
        },
    }
    Ok(s)
}

/// A given argument's storage, its value or shape recorded in `env`.
fn given_place<'a>(
    routine: &str,
    a: &SigArg,
    arg: &Arg<'a>,
    abi: &Abi,
    env: &mut CallEnv<'_>,
    lens: &mut HashMap<String, usize>,
) -> Result<Place<'a>, FortranError> {
    if a.callback.is_some() {
        return match arg {
            Arg::Callback(cb) => Ok(Place::Code(cb.value())),
            _ => Err(arg_err(
                routine,
                &a.name,
                "is a procedure: pass Arg::Callback",
            )),
        };
    }
    let t =
        a.ty.as_ref()
            .ok_or_else(|| arg_err(routine, &a.name, "has no type"))?;
    let elem = Elem::of(t, abi).ok_or_else(|| {
        arg_err(
            routine,
            &a.name,
            format!("{} is not supported", t.fortran()),
        )
    })?;
    if !a.dims.is_empty() {
        let Arg::Array(arr) = arg else {
            return Err(arg_err(
                routine,
                &a.name,
                format!("is an array of {}", elem.fortran()),
            ));
        };
        if arr.elem != elem {
            return Err(arg_err(
                routine,
                &a.name,
                format!(
                    "is an array of {}, got one of {}",
                    elem.fortran(),
                    arr.elem.fortran()
                ),
            ));
        }
        env.shapes.insert(a.name.clone(), arr.shape.clone());
        let bytes = arr.len * elem.size();
        if arr.writable {
            return Ok(Place::Borrowed(arr.ptr, PhantomData));
        }
        // A copy: read-only input the routine may write (f2py's default copy).
        let mut s = Slot::zeroed(bytes);
        // SAFETY: `arr.ptr` points to `arr.len` elements borrowed for 'a.
        let src = unsafe { std::slice::from_raw_parts(arr.ptr, bytes) };
        s.bytes_mut().copy_from_slice(src);
        return Ok(Place::Owned(s));
    }
    let v = match (arg, t) {
        (Arg::Int(i), _) => Val::Int(*i),
        (Arg::Real(x), _) => Val::Float(*x),
        (Arg::Logical(l), FType::Logical { .. }) => Val::Int(i64::from(*l)),
        (Arg::Str(s), FType::Character { .. }) => {
            lens.insert(a.name.clone(), s.len());
            env.scalars.insert(a.name.clone(), Val::Str(s.to_string()));
            let mut slot = Slot::zeroed(s.len().max(1));
            slot.bytes_mut()[..s.len()].copy_from_slice(s.as_bytes());
            return Ok(Place::Owned(slot));
        }
        (Arg::Complex(re, im), FType::Complex { .. }) => {
            let mut slot = Slot::zeroed(elem.size());
            let b = slot.bytes_mut();
            if elem == Elem::C32 {
                b[..4].copy_from_slice(&(*re as f32).to_le_bytes());
                b[4..8].copy_from_slice(&(*im as f32).to_le_bytes());
            } else {
                b[..8].copy_from_slice(&re.to_le_bytes());
                b[8..16].copy_from_slice(&im.to_le_bytes());
            }
            return Ok(Place::Owned(slot));
        }
        _ => {
            return Err(arg_err(
                routine,
                &a.name,
                format!("is a {} scalar", t.fortran()),
            ));
        }
    };
    let slot = scalar_slot(routine, a, &v, abi)?;
    env.scalars.insert(a.name.clone(), v);
    Ok(Place::Owned(slot))
}

/// Calls the routine with the arguments in `places`; the function result.
fn raw_call(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    f: &Function,
    places: &mut HashMap<String, Place<'_>>,
    lens: &HashMap<String, usize>,
    routine: &str,
) -> Result<Option<Out>, FortranError> {
    let proto = abi
        .prototype(r)
        .map_err(|reason| FortranError::Unsupported {
            routine: r.name.clone(),
            reason,
        })?;
    let mut result = r.result.as_ref().map(|t| {
        let bytes = match t {
            FType::Character {
                len: super::model::CharLen::Fixed(n),
            } => *n as usize,
            FType::Character { .. } => 256,
            t => Elem::of(t, abi).map_or(16, Elem::size),
        };
        Slot::zeroed(bytes.max(16))
    });
    let mut values = Vec::with_capacity(proto.params.len());
    for p in &proto.params {
        let v = match &p.role {
            CRole::Dummy(i) => {
                let a = &sig.args[*i];
                let d = &r.dummies[*i];
                match places.get_mut(&a.name) {
                    Some(Place::Owned(s)) if d.value => by_value(s, a, abi),
                    Some(Place::Owned(s)) => Value::ptr(s.ptr().cast::<c_void>()),
                    Some(Place::Borrowed(p, _)) => Value::ptr(p.cast::<c_void>()),
                    Some(Place::Code(v)) => v.clone(),
                    None => {
                        return Err(arg_err(routine, &a.name, format!("is required ({sig})")));
                    }
                }
            }
            CRole::Length(i) => {
                let a = &sig.args[*i];
                Value::U64(lens.get(&a.name).copied().unwrap_or(1) as u64)
            }
            CRole::Result => Value::ptr(
                result
                    .as_mut()
                    .map_or(std::ptr::null_mut(), Slot::ptr)
                    .cast::<c_void>(),
            ),
            CRole::ResultLength => Value::U64(result.as_ref().map_or(0, |s| s.bytes) as u64),
        };
        values.push(v);
    }
    // SAFETY: `Library::open`'s caller vouched that the sources are the library's; every
    // array holds at least the elements its extents span (checked above), every scalar and
    // output has storage of its type, hidden lengths are the buffers' lengths.
    let v = unsafe { f.call(&values) }.map_err(|e| arg_err(routine, "", e.to_string()))?;
    let Some(t) = &r.result else {
        return Ok(None);
    };
    let hidden = proto.params.iter().any(|p| p.role == CRole::Result);
    if hidden {
        let s = result.as_ref().map(Slot::bytes).unwrap_or_default();
        return Ok(Some(match t {
            FType::Character { .. } => Out::Str(String::from_utf8_lossy(s).into_owned()),
            _ => scalar_out(
                Elem::of(t, abi).unwrap_or(Elem::F64),
                s,
                &SigArg {
                    name: r.name.clone(),
                    ty: Some(t.clone()),
                    dims: Vec::new(),
                    intent: Intent::Out,
                    role: Role::Out,
                    callback: None,
                    returned: true,
                    checks: Vec::new(),
                },
            ),
        }));
    }
    Ok(Some(match v {
        Value::I32(i) => Out::Int(if matches!(t, FType::Logical { .. }) {
            i64::from(i != 0)
        } else {
            i64::from(i)
        }),
        Value::I64(i) => Out::Int(if matches!(t, FType::Logical { .. }) {
            i64::from(i != 0)
        } else {
            i
        }),
        Value::F32(x) => Out::Real(f64::from(x)),
        Value::F64(x) => Out::Real(x),
        Value::Struct(s) => {
            let b = s.bytes();
            if b.len() == 8 {
                Out::Complex(
                    f64::from(f32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
                    f64::from(f32::from_le_bytes(b[4..8].try_into().unwrap_or_default())),
                )
            } else {
                Out::Complex(
                    f64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
                    f64::from_le_bytes(b[8..16].try_into().unwrap_or_default()),
                )
            }
        }
        other => {
            return Err(arg_err(
                routine,
                "",
                format!("returned {other:?}, not a {}", t.fortran()),
            ));
        }
    }))
}

/// A `VALUE` dummy's value.
fn by_value(s: &Slot, a: &SigArg, abi: &Abi) -> Value<'static> {
    let b = s.bytes();
    match a.ty.as_ref().and_then(|t| Elem::of(t, abi)) {
        Some(Elem::I32) => Value::I32(i32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
        Some(Elem::I64) => Value::I64(i64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Some(Elem::F32) => Value::F32(f32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
        Some(Elem::F64) => Value::F64(f64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Some(Elem::U8) => Value::I8(b[0] as i8),
        _ => Value::Void,
    }
}

/// `INFO < 0`: the argument at that position was illegal; `INFO > 0`: the routine's failure.
fn check_info(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    places: &HashMap<String, Place<'_>>,
    routine: &str,
) -> Result<(), FortranError> {
    let Some(info) = sig.args.iter().find(|a| a.role == Role::Info) else {
        return Ok(());
    };
    let Some(Place::Owned(s)) = places.get(&info.name) else {
        return Ok(());
    };
    let v = match info.ty.as_ref().and_then(|t| Elem::of(t, abi)) {
        Some(Elem::I64) => i64::from_le_bytes(s.bytes()[..8].try_into().unwrap_or_default()),
        _ => i64::from(i32::from_le_bytes(
            s.bytes()[..4].try_into().unwrap_or_default(),
        )),
    };
    if v < 0 {
        let pos = (-v) as usize;
        let name = r
            .dummies
            .get(pos - 1)
            .map_or_else(|| format!("#{pos}"), |d| d.name.to_ascii_lowercase());
        return Err(FortranError::Argument {
            routine: routine.to_string(),
            argument: name,
            message: format!("has an illegal value (INFO = {v})"),
        });
    }
    if v > 0 {
        let meaning = r
            .doc
            .params
            .get(&info.name)
            .map(|p| info_meaning(&p.text))
            .unwrap_or_default();
        return Err(FortranError::Failed {
            routine: routine.to_string(),
            info: v,
            meaning,
        });
    }
    Ok(())
}

/// What LAPACK's doc says `INFO > 0` means (the lines after `> 0:`).
fn info_meaning(text: &str) -> String {
    let mut out = Vec::new();
    let mut on = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("> 0") || t.starts_with(">0") {
            on = true;
            let rest = t.trim_start_matches(['>', ' ', '0', ':']).trim();
            if !rest.is_empty() {
                out.push(rest.to_string());
            }
            continue;
        }
        if on {
            if t.starts_with('<') || t.starts_with('=') || t.is_empty() {
                break;
            }
            out.push(t.to_string());
        }
    }
    out.join(" ")
}
