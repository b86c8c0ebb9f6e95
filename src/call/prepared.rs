//! [`PreparedCall`]: an untyped call whose arguments live in slots of a buffer the handle owns,
//! set by typed setters, for interpreters that call the same function many times.
//!
//! Argument `i` is the 8-byte slot `i`; a setter checks the slot index and that the
//! parameter's class is the setter's (an index compare and a byte compare against a table made
//! once per handle) and stores the value. The call is one indirect call of a stub compiled for
//! the signature that loads every slot straight into its register or stack place: no `Value`
//! array, no tag checks. Struct arguments are copied into storage the handle owns, whose
//! address sits in the slot.

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;

use super::direct::{self, Direct};
use super::{CallError, CallErrorKind, Function, PreparedEntry};
use crate::ctype::TypeId;
use crate::jit::StubFn;
use crate::value::{self, Conv, Value, c_from_value};

/// How the result comes back from the prepared stub.
#[derive(Copy, Clone, Debug)]
enum Ret {
    Scalar {
        tag: u8,
        ptr_ty: u32,
    },
    Struct {
        ty: TypeId,
        size: usize,
    },
    /// An `__int128` in `rax:rdx`.
    Wide {
        signed: bool,
    },
    /// A `long double`, stored from `st(0)` into `ret_buf` by the trampoline.
    X87,
}

/// What [`PreparedCall::call`] reads first, together: the kind of call it can make at once
/// (`FAST_*`), and what that call needs.
#[derive(Copy, Clone, Debug)]
struct Fast {
    /// A `FAST_*` kind once every slot is set (and without `errno` capture), else
    /// `FAST_NONE`: the general path.
    kind: u8,
    /// A scalar result's tag and pointer type.
    tag: u8,
    ptr_ty: u32,
    /// A struct result's type and size.
    ty: TypeId,
    size: u32,
    /// How a scalar result comes back: `pick` for `FAST_PICK`, `scalar` for `FAST_BOOL`
    /// (`FAST_WORD` needs neither).
    pick: direct::Pick,
    scalar: direct::ScalarRet,
    /// How a struct result comes back.
    pair: Direct,
    /// The register trampoline.
    t: usize,
    target: *const c_void,
}

const FAST_NONE: u8 = 0;
/// A scalar other than `_Bool` and words, read by [`direct::call_pick`]; a `_Bool`
/// (normalised); a struct in registers; a word (64-bit integers, pointers, `void`: the integer
/// register whole, its own call site: sum10 4.8 → 4.4 ns, strlen 4.2 → 3.8 over `call_pick`).
const FAST_PICK: u8 = 1;
const FAST_BOOL: u8 = 2;
const FAST_STRUCT: u8 = 3;
const FAST_WORD: u8 = 4;

/// What [`PreparedCall::call`] calls.
#[derive(Copy, Clone, Debug)]
enum Entry {
    /// The Cranelift stub: `(slots, ret, target) -> RawRet`.
    Stub(StubFn),
    /// A register trampoline, called as the C function with `R` the C result's Rust type
    /// (`direct.rs`).
    Direct(usize, Direct),
    /// A register trampoline of a function returning a struct through the hidden pointer,
    /// which is `ret_buf`.
    Memory(usize),
}

/// A prepared call of a [`Function`]: a buffer of argument slots owned by the handle, typed
/// setters, and a call through a stub that reads the slots ([`Function::prepare`]).
///
/// Set every argument once (values persist between calls, so an interpreter sets only what
/// changed), then [`PreparedCall::call`]. The typed setters accept exactly the parameter's C
/// class (`set_i32` for `int`, `int32_t` and 4-byte signed enums; `set_f64` for `double`;
/// `set_ptr` for any pointer; `set_f80`, `set_i128`, `set_u128` for `long double` and the
/// 128-bit integers, whose 16 bytes the handle keeps, their slot pointing there);
/// [`PreparedCall::set`] takes any [`Value`] and converts it as
/// [`Function::call`] does. A setter refused leaves the slot as it was.
///
/// ```
/// use jitffi::{Ffi, Library, Value};
///
/// let ffi = Ffi::new();
/// ffi.cdef("long labs(long); double ldexp(double, int);")?;
/// let ldexp = ffi.function(&Library::process(), "ldexp")?;
/// let mut call = ldexp.prepare()?;
/// call.set_f64(0, 1.5)?;
/// for e in 0..4 {
///     call.set_i32(1, e)?;
///     // SAFETY: ldexp is declared as libm defines it.
///     assert_eq!(unsafe { call.call()? }, Value::F64(1.5 * f64::from(1 << e)));
/// }
/// assert_eq!(
///     call.set_i64(1, 3).unwrap_err().to_string(),
///     "ldexp: argument 2: set_i64 on a parameter of type 'int' (use set_i32, or set to convert)"
/// );
/// # Ok::<(), jitffi::Error>(())
/// ```
pub struct PreparedCall<'a> {
    fast: Fast,
    /// The kind `fast` takes once every slot is set.
    fast_kind: u8,
    f: Function,
    entry: Entry,
    target: *const c_void,
    /// Restore and save `errno` around a trampoline call ([`Function::capture_errno`]; the
    /// Cranelift stub does it itself).
    errno: bool,
    slots: Box<[u64]>,
    convs: Box<[Conv]>,
    /// The code of the setter each slot takes ([`Setter::code`]; [`STRUCT_CODE`] for a struct
    /// or union), one per slot.
    setters: Box<[u8]>,
    /// Storage of struct arguments (empty for other parameters); slot `i` points into it.
    structs: Box<[Box<[u64]>]>,
    /// Which slots were set at least once, and how many were not.
    set: Box<[bool]>,
    unset: usize,
    ret: Ret,
    /// Where a struct result is written (16 bytes at least: the stub stores register pairs
    /// as one 16-byte store), aligned to 64 (C may store a 16-aligned struct with aligned
    /// vector stores).
    ret_buf: Box<[super::RetChunk]>,
    /// Strings and pointers given to [`PreparedCall::set`] are borrowed for `'a`.
    _borrow: PhantomData<&'a [u8]>,
}

impl fmt::Debug for PreparedCall<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedCall")
            .field("function", &self.f.name())
            .field("unset", &self.unset)
            .finish()
    }
}

impl Function {
    /// A [`PreparedCall`] of this function: argument slots owned by the handle, typed setters,
    /// and a stub compiled for the signature that reads them (compiled once per function and
    /// shared by its prepared calls).
    ///
    /// # Errors
    ///
    /// [`CallErrorKind::Unsupported`] for signatures the JIT does not compile (`long double
    /// _Complex`, structs aligned to more than 16 on the stack: use [`Function::call`], which
    /// passes them through libffi), for variadic functions
    /// (prepared calls pass the fixed parameters only) and for a handle forced to
    /// [`crate::Backend::Libffi`].
    pub fn prepare(&self) -> Result<PreparedCall<'static>, CallError> {
        let unsupported = |reason: String| {
            CallError::from(CallErrorKind::Unsupported {
                function: self.name().to_string(),
                reason,
            })
        };
        if self.is_variadic() {
            return Err(unsupported(
                "a prepared call passes fixed parameters only; call variadic functions with \
                 Function::call"
                    .into(),
            ));
        }
        if self.inner.backend == crate::Backend::Libffi {
            return Err(unsupported(
                "the handle is forced to libffi; prepared calls run JIT stubs".into(),
            ));
        }
        let entry = self.prepared_entry().map_err(unsupported)?;
        let (convs, ret_conv) = self.convs();
        let ret = ret_conv;
        let ret = match (ret, ret.scalar_tag()) {
            (Conv::Struct { ty, size }, _) => Ret::Struct {
                ty,
                size: size as usize,
            },
            (Conv::LongDouble, _) => Ret::X87,
            (Conv::Int128 { signed }, _) => Ret::Wide { signed },
            (_, Some((tag, ptr_ty))) => Ret::Scalar { tag, ptr_ty },
            _ => return Err(unsupported("the result has no prepared form".into())),
        };
        let mut structs: Vec<Box<[u64]>> = Vec::with_capacity(convs.len());
        let mut slots = vec![0u64; convs.len()].into_boxed_slice();
        for (i, c) in convs.iter().enumerate() {
            match c {
                Conv::Struct { size, .. } => {
                    let storage = vec![0u64; (*size as usize).div_ceil(8)].into_boxed_slice();
                    slots[i] = storage.as_ptr() as u64;
                    structs.push(storage);
                }
                // 16 bytes the trampoline reads through the slot's pointer.
                Conv::LongDouble | Conv::Int128 { .. } => {
                    let storage = vec![0u64; 2].into_boxed_slice();
                    slots[i] = storage.as_ptr() as u64;
                    structs.push(storage);
                }
                _ => structs.push(Box::new([])),
            }
        }
        let ret_words = match ret {
            Ret::Struct { size, .. } => size.div_ceil(8).max(2),
            Ret::Scalar { .. } | Ret::Wide { .. } | Ret::X87 => 2,
        };
        let entry = match entry {
            PreparedEntry::Stub(s) => Entry::Stub(s.f),
            PreparedEntry::Trampoline(t) if matches!(ret, Ret::X87) => Entry::Memory(t),
            PreparedEntry::Trampoline(t) if matches!(ret, Ret::Wide { .. }) => {
                Entry::Direct(t, Direct::Struct(false, Some(false)))
            }
            PreparedEntry::Trampoline(t)
                if matches!(
                    self.call_plan().ret,
                    crate::plan::RetClass::Sret { .. } | crate::plan::RetClass::X87 { .. }
                ) =>
            {
                Entry::Memory(t)
            }
            PreparedEntry::Trampoline(t) => {
                let d = match ret_conv {
                    Conv::Struct { .. } => Direct::of_struct(self.call_plan()),
                    c => Direct::of(c),
                };
                match d {
                    Some(d) => Entry::Direct(t, d),
                    None => return Err(unsupported("no direct form of the result".into())),
                }
            }
        };
        let errno = self.captures_errno() && !matches!(entry, Entry::Stub(..));
        let void = direct::ScalarRet::VOID;
        let (fast_kind, t, scalar, pair, tag, ptr_ty) = match (entry, ret) {
            _ if errno => (FAST_NONE, 0, void, None, 0, 0),
            (Entry::Direct(t, Direct::Scalar(d)), Ret::Scalar { tag, ptr_ty }) => {
                let kind = if d.is_word() {
                    FAST_WORD
                } else if d.pick().is_some() {
                    FAST_PICK
                } else {
                    FAST_BOOL
                };
                (kind, t, d, None, tag, ptr_ty)
            }
            (Entry::Direct(t, d @ Direct::Struct(..)), Ret::Struct { .. }) => {
                (FAST_STRUCT, t, void, Some(d), 0, 0)
            }
            _ => (FAST_NONE, 0, void, None, 0, 0),
        };
        let (ty, size) = match ret {
            Ret::Struct { ty, size } => (ty, size),
            Ret::Scalar { .. } | Ret::Wide { .. } | Ret::X87 => (TypeId(0), 0),
        };
        Ok(PreparedCall {
            fast: Fast {
                // Until every slot is set.
                kind: if convs.is_empty() {
                    fast_kind
                } else {
                    FAST_NONE
                },
                tag,
                ptr_ty,
                ty,
                size: u32::try_from(size).unwrap_or(0),
                pick: scalar.pick().unwrap_or_default(),
                scalar,
                pair: pair.unwrap_or(Direct::Struct(false, None)),
                t,
                target: self.address(),
            },
            fast_kind,
            f: self.clone(),
            errno,
            entry,
            target: self.address(),
            slots,
            convs: convs.into(),
            setters: convs
                .iter()
                .map(|&c| match c {
                    Conv::Struct { .. } => STRUCT_CODE,
                    c => Setter::of(c).map_or(0, Setter::code),
                })
                .collect(),
            structs: structs.into_boxed_slice(),
            set: vec![false; convs.len()].into_boxed_slice(),
            unset: convs.len(),
            ret,
            ret_buf: vec![super::RetChunk([0; 64]); ret_words.div_ceil(8)].into_boxed_slice(),
            _borrow: PhantomData,
        })
    }
}

/// Runs `call` (the C call), with `errno` restored right before and saved right after when
/// `ERRNO`.
#[inline(always)]
fn around_errno<const ERRNO: bool, R>(call: impl FnOnce() -> R) -> R {
    if ERRNO {
        crate::errno::restore_errno();
    }
    let r = call();
    if ERRNO {
        crate::errno::save_errno();
    }
    r
}

/// The setter code of a struct or union parameter (set by `set_struct`, `set_struct_ptr`).
const STRUCT_CODE: u8 = 30;

/// The class a typed setter writes.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Setter {
    Int { bytes: u8, signed: bool },
    Bool,
    F32,
    F64,
    Ptr,
    F80,
    I128,
    U128,
}

impl Setter {
    fn name(self) -> &'static str {
        match self {
            Setter::Int {
                bytes: 1,
                signed: true,
            } => "set_i8",
            Setter::Int { bytes: 1, .. } => "set_u8",
            Setter::Int {
                bytes: 2,
                signed: true,
            } => "set_i16",
            Setter::Int { bytes: 2, .. } => "set_u16",
            Setter::Int {
                bytes: 4,
                signed: true,
            } => "set_i32",
            Setter::Int { bytes: 4, .. } => "set_u32",
            Setter::Int { signed: true, .. } => "set_i64",
            Setter::Int { .. } => "set_u64",
            Setter::Bool => "set_bool",
            Setter::F32 => "set_f32",
            Setter::F64 => "set_f64",
            Setter::Ptr => "set_ptr",
            Setter::F80 => "set_f80",
            Setter::I128 => "set_i128",
            Setter::U128 => "set_u128",
        }
    }

    /// A byte naming the setter (never 0).
    const fn code(self) -> u8 {
        match self {
            Setter::Int { bytes, signed } => bytes * 2 + signed as u8,
            Setter::Bool => 20,
            Setter::F32 => 21,
            Setter::F64 => 22,
            Setter::Ptr => 23,
            Setter::F80 => 24,
            Setter::I128 => 25,
            Setter::U128 => 26,
        }
    }

    fn of(c: Conv) -> Option<Setter> {
        Some(match c {
            Conv::Int { bytes, signed } => Setter::Int { bytes, signed },
            Conv::Bool => Setter::Bool,
            Conv::F32 => Setter::F32,
            Conv::F64 => Setter::F64,
            Conv::Ptr { .. } => Setter::Ptr,
            Conv::LongDouble => Setter::F80,
            Conv::Int128 { signed: true } => Setter::I128,
            Conv::Int128 { signed: false } => Setter::U128,
            _ => return None,
        })
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident($t:ty) => $setter:expr, |$v:ident| $bits:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// # Errors
        ///
        /// [`CallErrorKind::Arity`] for a slot past the last parameter,
        /// [`CallErrorKind::Argument`] for a parameter of another class (naming its C type).
        #[inline]
        pub fn $name(&mut self, i: usize, $v: $t) -> Result<(), CallError> {
            const CODE: u8 = $setter.code();
            if self.setters.get(i) != Some(&CODE) {
                return Err(self.refused(i, $setter));
            }
            // SAFETY: `setters` has one entry per slot, so `i` is a slot.
            unsafe { *self.slots.get_unchecked_mut(i) = $bits };
            if self.unset != 0 {
                self.mark(i);
            }
            Ok(())
        }
    )*};
}

impl<'a> PreparedCall<'a> {
    /// The function called.
    pub fn function(&self) -> &Function {
        &self.f
    }

    #[inline]
    fn store(&mut self, i: usize, bits: u64) {
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = bits;
        }
        if self.unset != 0 {
            self.mark(i);
        }
    }

    /// Records that slot `i` was set (until every slot has been, which opens the fast path).
    #[cold]
    fn mark(&mut self, i: usize) {
        if let Some(s) = self.set.get_mut(i)
            && !*s
        {
            *s = true;
            self.unset -= 1;
            if self.unset == 0 {
                self.fast.kind = self.fast_kind;
            }
        }
    }

    #[cold]
    fn refused(&self, i: usize, s: Setter) -> CallError {
        let n = self.convs.len();
        if i >= n {
            return CallError::from(CallErrorKind::Arity {
                function: self.f.name().to_string(),
                expected: n,
                got: i + 1,
                variadic: false,
            });
        }
        let want = Setter::of(self.convs[i]).map_or("set", Setter::name);
        CallError::from(CallErrorKind::Argument {
            function: self.f.name().to_string(),
            position: i + 1,
            message: format!(
                "{} on a parameter of type '{}' (use {want}, or set to convert)",
                s.name(),
                self.f.param_type_name(i)
            ),
        })
    }

    setters! {
        /// Sets an `int8_t`/`signed char` (or `char` where it is signed) argument.
        set_i8(i8) => Setter::Int { bytes: 1, signed: true }, |v| v as u8 as u64;
        /// Sets a `uint8_t`/`unsigned char` argument.
        set_u8(u8) => Setter::Int { bytes: 1, signed: false }, |v| u64::from(v);
        /// Sets a `short` argument.
        set_i16(i16) => Setter::Int { bytes: 2, signed: true }, |v| v as u16 as u64;
        /// Sets an `unsigned short` argument.
        set_u16(u16) => Setter::Int { bytes: 2, signed: false }, |v| u64::from(v);
        /// Sets an `int` argument (or a 4-byte signed enum).
        set_i32(i32) => Setter::Int { bytes: 4, signed: true }, |v| v as u32 as u64;
        /// Sets an `unsigned int` argument.
        set_u32(u32) => Setter::Int { bytes: 4, signed: false }, |v| u64::from(v);
        /// Sets a `long`/`long long`/`int64_t` argument.
        set_i64(i64) => Setter::Int { bytes: 8, signed: true }, |v| v as u64;
        /// Sets an `unsigned long`/`size_t`/`uint64_t` argument.
        set_u64(u64) => Setter::Int { bytes: 8, signed: false }, |v| v;
        /// Sets a `_Bool` argument.
        set_bool(bool) => Setter::Bool, |v| u64::from(v);
        /// Sets a `float` argument.
        set_f32(f32) => Setter::F32, |v| u64::from(v.to_bits());
        /// Sets a `double` argument.
        set_f64(f64) => Setter::F64, |v| v.to_bits();
        /// Sets a pointer argument of any pointer type (the address only: the caller of the
        /// `unsafe` [`PreparedCall::call`] vouches that it points where the function expects).
        set_ptr(*const c_void) => Setter::Ptr, |v| v as u64;
    }

    /// Sets a `long double` argument (its 80 bits exactly).
    ///
    /// # Errors
    ///
    /// As the typed setters.
    pub fn set_f80(&mut self, i: usize, v: crate::F80) -> Result<(), CallError> {
        let mut bytes = [0u8; 16];
        bytes[..10].copy_from_slice(&v.to_le_bytes());
        self.set_wide(i, Setter::F80, bytes)
    }

    /// Sets an `__int128` argument.
    ///
    /// # Errors
    ///
    /// As the typed setters.
    pub fn set_i128(&mut self, i: usize, v: i128) -> Result<(), CallError> {
        self.set_wide(i, Setter::I128, v.to_le_bytes())
    }

    /// Sets an `unsigned __int128` argument.
    ///
    /// # Errors
    ///
    /// As the typed setters.
    pub fn set_u128(&mut self, i: usize, v: u128) -> Result<(), CallError> {
        self.set_wide(i, Setter::U128, v.to_le_bytes())
    }

    /// Copies a 16-byte argument into the storage slot `i` points to.
    fn set_wide(&mut self, i: usize, s: Setter, bytes: [u8; 16]) -> Result<(), CallError> {
        if self.setters.get(i) != Some(&s.code()) {
            return Err(self.refused(i, s));
        }
        let dst = &mut self.structs[i];
        if let [w0, w1] = &mut dst[..] {
            let (lo, hi) = bytes.split_at(8);
            *w0 = u64::from_le_bytes(lo.try_into().unwrap_or_default());
            *w1 = u64::from_le_bytes(hi.try_into().unwrap_or_default());
        }
        let at = dst.as_ptr() as u64;
        self.store(i, at);
        Ok(())
    }

    /// Sets a struct or union argument from its bytes (exactly `sizeof` the type), copied into
    /// storage the handle owns.
    ///
    /// # Errors
    ///
    /// As the typed setters, and a byte count other than the struct's size.
    pub fn set_struct(&mut self, i: usize, bytes: &[u8]) -> Result<(), CallError> {
        match self.convs.get(i) {
            Some(&Conv::Struct { size, .. }) if size as usize == bytes.len() => {
                let dst = &mut self.structs[i];
                if let (Ok(b), [w0, w1]) = (<&[u8; 16]>::try_from(bytes), &mut dst[..]) {
                    // The common 16-byte struct: two word moves, no memcpy call.
                    let (lo, hi) = b.split_at(8);
                    *w0 = u64::from_le_bytes(lo.try_into().unwrap_or_default());
                    *w1 = u64::from_le_bytes(hi.try_into().unwrap_or_default());
                } else if let (Ok(b), [w0]) = (<&[u8; 8]>::try_from(bytes), &mut dst[..]) {
                    *w0 = u64::from_le_bytes(*b);
                } else {
                    // SAFETY: the storage holds `size.div_ceil(8)` words, at least `size`
                    // bytes, and does not overlap `bytes` (the handle owns it).
                    unsafe {
                        std::ptr::copy_nonoverlapping(
                            bytes.as_ptr(),
                            dst.as_mut_ptr().cast::<u8>(),
                            bytes.len(),
                        );
                    }
                }
                let at = dst.as_ptr() as u64;
                self.store(i, at);
                Ok(())
            }
            Some(&Conv::Struct { size, .. }) => Err(CallError::from(CallErrorKind::Argument {
                function: self.f.name().to_string(),
                position: i + 1,
                message: format!(
                    "{} bytes for '{}' of {size} bytes",
                    bytes.len(),
                    self.f.param_type_name(i)
                ),
            })),
            _ => Err(self.refused_struct(i)),
        }
    }

    /// Sets a struct or union argument to the `sizeof` bytes at `p`, read when the call runs
    /// (no copy: for interpreters whose struct values live in C memory). The caller of the
    /// `unsafe` [`PreparedCall::call`] vouches that `p` then points to a value of the type.
    ///
    /// # Errors
    ///
    /// As [`PreparedCall::set_struct`], but no size (the bytes are not seen here).
    #[inline]
    pub fn set_struct_ptr(&mut self, i: usize, p: *const c_void) -> Result<(), CallError> {
        if self.setters.get(i) != Some(&STRUCT_CODE) {
            return Err(self.refused_struct(i));
        }
        self.store(i, p as u64);
        Ok(())
    }

    #[cold]
    fn refused_struct(&self, i: usize) -> CallError {
        if i >= self.convs.len() {
            return self.refused(i, Setter::Ptr);
        }
        let want = Setter::of(self.convs[i]).map_or("set", Setter::name);
        CallError::from(CallErrorKind::Argument {
            function: self.f.name().to_string(),
            position: i + 1,
            message: format!(
                "set_struct on a parameter of type '{}' (use {want}, or set to convert)",
                self.f.param_type_name(i)
            ),
        })
    }

    /// Sets argument `i` from any value, converted as [`Function::call`] converts it (range
    /// checks, pointer compatibility, strings for `char *`, structs of the parameter's type).
    /// Strings and borrowed struct bytes are borrowed for the handle's lifetime `'a`.
    ///
    /// # Errors
    ///
    /// As [`Function::call`] for this argument.
    pub fn set(&mut self, i: usize, v: &Value<'a>) -> Result<(), CallError> {
        let Some(&conv) = self.convs.get(i) else {
            return Err(self.refused(i, Setter::Ptr));
        };
        let c =
            c_from_value(self.f.table(), conv, v).map_err(|e| self.f.fixed_arg_error(i, v, e))?;
        if let Value::Struct(s) = &c {
            return self.set_struct(i, s.bytes());
        }
        if let Value::F80(_) | Value::I128(_) | Value::U128(_) = c {
            let mut bytes = [0u8; 16];
            // SAFETY: 16 writable bytes; `write_scalar` writes at most 16 of a wide value.
            unsafe { value::write_scalar(bytes.as_mut_ptr(), 16, &c) };
            return self.set_wide(i, Setter::of(conv).unwrap_or(Setter::F80), bytes);
        }
        let slot = std::ptr::from_mut(&mut self.slots[i]).cast::<u8>();
        // SAFETY: `c` is the canonical scalar of the parameter's class, of `conv.size()` ≤ 8
        // bytes (the JIT compiles no wider scalar), written into the slot's 8 bytes.
        unsafe { value::write_scalar(slot, conv.size().min(8), &c) };
        self.store(i, self.slots[i]);
        Ok(())
    }

    /// Calls the function with the arguments set.
    ///
    /// # Errors
    ///
    /// [`CallErrorKind::Arity`] naming the first argument never set; nothing is called then.
    ///
    /// # Safety
    ///
    /// As [`Function::call`]: the declaration matches the library's function, pointer
    /// arguments point where the function expects, and the function does not unwind.
    #[inline(always)]
    pub unsafe fn call(&mut self) -> Result<Value<'static>, CallError> {
        let f = self.fast;
        let a0 = self.slots.as_ptr().cast();
        let null = std::ptr::null_mut();
        // Each kind: `FAST_*` is set once every slot is (by a setter of its parameter's
        // class), for the register trampoline `t` of this signature, which returns the C
        // function's own result in the register the kind names.
        let bits = if f.kind == FAST_WORD {
            // SAFETY: as above, of a result in the integer register taken whole.
            unsafe { direct::call_as::<u64>(f.t, a0, null, f.target) }
        } else if f.kind == FAST_PICK {
            // SAFETY: as above, `pick` being the result's; the rest is forwarded.
            unsafe { direct::call_pick(f.t, f.pick, a0, null, f.target) }
        } else if f.kind == FAST_BOOL {
            // SAFETY: as above, of a `_Bool` in the integer register.
            let r = unsafe { direct::call_as::<u64>(f.t, a0, null, f.target) };
            f.scalar.extend(r)
        } else {
            // SAFETY: forwarded.
            return unsafe { self.call_struct_or_general() };
        };
        // SAFETY: `tag` is the canonical scalar tag of the result type and `bits` its payload,
        // extended as C defines it.
        Ok(unsafe { value::scalar_from_raw(f.tag, f.ptr_ty, bits) })
    }

    /// [`PreparedCall::call`] of a struct result in registers, else the general path.
    ///
    /// # Safety
    ///
    /// As [`PreparedCall::call`].
    #[inline(always)]
    unsafe fn call_struct_or_general(&mut self) -> Result<Value<'static>, CallError> {
        let f = self.fast;
        if f.kind == FAST_STRUCT {
            // SAFETY: as above, for a struct result in registers (at most 16 bytes).
            let words = unsafe {
                direct::struct_words(
                    f.t,
                    f.pair,
                    self.slots.as_ptr().cast(),
                    std::ptr::null_mut(),
                    f.target,
                )
            };
            return Ok(direct::struct_value(f.ty, f.size as usize, words));
        }
        // SAFETY: forwarded.
        unsafe { self.call_general() }
    }

    /// [`PreparedCall::call`] off the fast path: an argument never set, `errno` capture, a
    /// result through the hidden pointer, the Cranelift stub.
    ///
    /// # Safety
    ///
    /// As [`PreparedCall::call`].
    #[inline(never)]
    unsafe fn call_general(&mut self) -> Result<Value<'static>, CallError> {
        if self.unset != 0 {
            return Err(self.missing());
        }
        if self.errno {
            // SAFETY: forwarded.
            return unsafe { self.call_capturing() };
        }
        // SAFETY: forwarded.
        unsafe { self.call_set::<false>() }
    }

    /// [`PreparedCall::call`] with `errno` restored before and saved after the trampoline.
    ///
    /// # Safety
    ///
    /// As [`PreparedCall::call`].
    #[inline(never)]
    unsafe fn call_capturing(&mut self) -> Result<Value<'static>, CallError> {
        // SAFETY: forwarded.
        unsafe { self.call_set::<true>() }
    }

    /// The call, every argument set; `ERRNO`: restore and save `errno` around a trampoline.
    ///
    /// # Safety
    ///
    /// As [`PreparedCall::call`].
    #[inline(always)]
    unsafe fn call_set<const ERRNO: bool>(&mut self) -> Result<Value<'static>, CallError> {
        let (a0, target, null) = (
            self.slots.as_ptr().cast(),
            self.target,
            std::ptr::null_mut(),
        );
        // Each trampoline arm: `t` is the register trampoline of this signature, which returns
        // the C function's own result in the form the result's variant names (the prepared
        // trampoline ignores its second argument); the rest is forwarded.
        let stub = match (self.entry, self.ret) {
            (Entry::Direct(t, Direct::Scalar(d)), Ret::Scalar { tag, ptr_ty }) => {
                // SAFETY: as above, a scalar of the Rust type `d` names.
                let bits = around_errno::<ERRNO, _>(|| unsafe {
                    direct::scalar_bits(t, d, a0, null, target)
                });
                // SAFETY: `tag` is the canonical scalar tag of the result type and `bits` its
                // payload, extended as the stub would.
                return Ok(unsafe { value::scalar_from_raw(tag, ptr_ty, bits) });
            }
            (Entry::Direct(t, d), Ret::Struct { .. } | Ret::Wide { .. }) => {
                // SAFETY: as above, two eightbytes in the registers of the classes `d` names
                // (a struct of at most 16 bytes, or an __int128 in rax:rdx).
                let words = around_errno::<ERRNO, _>(|| unsafe {
                    direct::struct_words(t, d, a0, null, target)
                });
                return Ok(match self.ret {
                    Ret::Wide { signed } => direct::wide_value(signed, words),
                    Ret::Struct { ty, size } => direct::struct_value(ty, size, words),
                    Ret::Scalar { .. } | Ret::X87 => unreachable!("matched above"),
                });
            }
            (Entry::Memory(t), Ret::Struct { ty, size }) => {
                let buf = self.ret_buf.as_mut_ptr().cast();
                // SAFETY: as above; the hidden pointer is `ret_buf` (at least `size` bytes,
                // 64-aligned).
                around_errno::<ERRNO, _>(|| unsafe {
                    direct::memory_call(t, a0, null, buf, target)
                });
                // SAFETY: `ret_buf` holds at least `size` bytes, written by the function.
                let bytes =
                    unsafe { std::slice::from_raw_parts(self.ret_buf.as_ptr().cast::<u8>(), size) };
                return Ok(super::struct_of(ty, bytes));
            }
            (Entry::Memory(t), Ret::X87) => {
                let mut ten = [0u8; 16];
                let buf = ten.as_mut_ptr();
                // SAFETY: as above; the trampoline stores st(0)'s 10 bytes at `buf`.
                around_errno::<ERRNO, _>(|| unsafe {
                    direct::memory_call(t, a0, null, buf, target)
                });
                return Ok(direct::x87_value(&ten));
            }
            (Entry::Stub(f), _) => f,
            (Entry::Direct(..) | Entry::Memory(_), _) => {
                unreachable!("every result has the form of its entry (prepare)")
            }
        };
        // SAFETY: `stub` is the prepared stub of this function's signature: it reads one
        // slot per parameter, each set by a setter of the parameter's class (struct slots
        // point to the handle's storage of `sizeof` bytes), and writes at most the result's
        // size (16 bytes at least) to `ret_buf`; the rest is the caller's contract.
        let r = unsafe {
            stub(
                self.slots.as_ptr().cast(),
                self.ret_buf.as_mut_ptr().cast(),
                self.target,
            )
        };
        Ok(match self.ret {
            // SAFETY: `tag` is the canonical scalar tag of the result type, and the stub
            // returns its payload (normalised `_Bool`, extended integers).
            Ret::Scalar { tag, ptr_ty } => unsafe { value::scalar_from_raw(tag, ptr_ty, r.bits) },
            Ret::Struct { ty, size } => {
                // SAFETY: `ret_buf` holds at least `size` bytes, written by the stub.
                let bytes =
                    unsafe { std::slice::from_raw_parts(self.ret_buf.as_ptr().cast::<u8>(), size) };
                super::struct_of(ty, bytes)
            }
            Ret::Wide { .. } | Ret::X87 => {
                unreachable!("no Cranelift stub returns a long double or an __int128")
            }
        })
    }

    #[cold]
    fn missing(&self) -> CallError {
        let first = self.set.iter().position(|s| !s).unwrap_or(0);
        CallError::from(CallErrorKind::Argument {
            function: self.f.name().to_string(),
            position: first + 1,
            message: format!(
                "never set ('{}'); set every argument before the first call",
                self.f.param_type_name(first)
            ),
        })
    }
}
