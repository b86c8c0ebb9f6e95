//! Calling a register trampoline (`jit/trampoline.rs`) as the C function it jumps to: the
//! trampoline returns whatever the C function returns, in its registers, so Rust calls it as
//! an `extern "C" fn(*const u8, *mut u8, *mut u8, target) -> R` with `R` the Rust type of the
//! C result.

use std::ffi::c_void;

use crate::ctype::TypeId;
use crate::plan::{CallPlan, Part, RegClass, RetClass};
use crate::value::{Conv, StructValue, Value};

/// How a register trampoline is called: the register class of the C result (an integer
/// register read whole and extended here, `xmm0` as a `float` or a `double`), or a struct's.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Direct {
    /// A scalar (or `void`) result.
    Scalar(ScalarRet),
    /// A struct in registers: the class of each eightbyte (`true`: a vector register).
    Struct(bool, Option<bool>),
}

/// Where a scalar result is and how it is extended: plain data, so the caller tests it with
/// compares rather than a jump table.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScalarRet {
    reg: Reg,
    /// 64 minus the integer's width (0 for 64-bit integers, pointers and `void`).
    spare: u8,
    signed: bool,
    /// `_Bool`: normalised to 0 or 1.
    boolean: bool,
}

impl ScalarRet {
    /// An integer register's contents extended as C defines the result (integers sign- or
    /// zero-extended from their width, `_Bool` normalised to 0 or 1).
    #[inline(always)]
    pub(crate) fn extend(self, r: u64) -> u64 {
        let spare = u32::from(self.spare);
        let r = if self.signed {
            (((r << spare) as i64) >> spare) as u64
        } else {
            (r << spare) >> spare
        };
        if self.boolean { u64::from(r != 0) } else { r }
    }

    /// Whether the result is a `double` in xmm0.
    pub(crate) fn is_f64(self) -> bool {
        self.reg == Reg::F64
    }

    /// Whether an integer register's contents are the result as they are (64-bit integers,
    /// pointers, `void`).
    pub(crate) fn is_word(self) -> bool {
        self.reg == Reg::Int && self.spare == 0 && !self.boolean
    }

    /// How [`call_pick`] reads the result: every scalar but `_Bool` (whose normalisation
    /// stays a compare).
    pub(crate) fn pick(self) -> Option<Pick> {
        (!self.boolean).then_some(Pick {
            float: self.reg != Reg::Int,
            // A `float` is the low half of xmm0, zero-extended.
            spare: if self.reg == Reg::F32 { 32 } else { self.spare },
            signed: self.signed,
        })
    }

    /// A `void` result (the integer register, ignored).
    pub(crate) const VOID: ScalarRet = ScalarRet {
        reg: Reg::Int,
        spare: 0,
        signed: false,
        boolean: false,
    };
}

/// A scalar result as [`call_pick`] reads it from both result registers: plain data tested
/// with predictable branches, no dispatch on the result's kind.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Pick {
    /// The result is in xmm0 (else the integer register).
    float: bool,
    /// 64 minus the result's width: shifted out and back.
    spare: u8,
    /// The integer is sign-extended.
    signed: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Reg {
    Int,
    F32,
    F64,
}

/// A trampoline called as the C function it transfers to, returning `R`.
type Tramp<R> = unsafe extern "C" fn(*const u8, *mut u8, *mut u8, *const c_void) -> R;

/// Both scalar result registers at once: System V returns this pair in rax and xmm0, so a
/// trampoline called as returning it hands back the C result wherever it is (the other
/// register holds whatever the C function left there).
#[repr(C)]
struct Both(u64, f64);

/// Calls trampoline `t` whose C function returns a scalar other than `_Bool`, and returns its
/// bits extended as C defines them: one call site serves integers, pointers, `float` and
/// `double` (a call site per register made a jump table of the caller).
///
/// # Safety
///
/// As [`scalar_bits`]; `p` is the [`ScalarRet::pick`] of the C result.
#[inline(always)]
pub(crate) unsafe fn call_pick(
    t: usize,
    p: Pick,
    a0: *const u8,
    a1: *mut u8,
    target: *const c_void,
) -> u64 {
    // SAFETY: the C result is in rax or xmm0, both of which `Both` reads; forwarded.
    let Both(i, f) = unsafe { call_as::<Both>(t, a0, a1, target) };
    // Branches, not masks: they are predicted, and keep the result's latency that of a
    // move (a mask on the path made `p = ptr_id(p)` and `cos` slower).
    let x = if p.float { f.to_bits() } else { i };
    if p.spare == 0 {
        return x;
    }
    let s = u32::from(p.spare);
    if p.signed {
        (((x << s) as i64) >> s) as u64
    } else {
        (x << s) >> s
    }
}

/// Struct results as the C function returns them: Rust's `extern "C"` classifies these
/// `repr(C)` pairs exactly as System V classifies the C struct's eightbytes.
#[repr(C)]
struct I1(u64);
#[repr(C)]
struct F1(f64);
#[repr(C)]
struct II(u64, u64);
#[repr(C)]
struct FF(f64, f64);
#[repr(C)]
struct IF(u64, f64);
#[repr(C)]
struct FI(f64, u64);

impl Direct {
    /// The direct form of a struct result in registers.
    pub(crate) fn of_struct(plan: &CallPlan) -> Option<Direct> {
        let RetClass::StructRegs { parts, .. } = &plan.ret else {
            return None;
        };
        let float = |p: &Part| p.class == RegClass::Float;
        match parts.as_slice() {
            [a] if a.offset == 0 => Some(Direct::Struct(float(a), None)),
            [a, b] if a.offset == 0 && b.offset == 8 => {
                Some(Direct::Struct(float(a), Some(float(b))))
            }
            _ => None,
        }
    }

    pub(crate) fn of(c: Conv) -> Option<Direct> {
        let int = |bytes: u8, signed: bool| ScalarRet {
            reg: Reg::Int,
            spare: 64 - bytes * 8,
            signed,
            boolean: false,
        };
        Some(Direct::Scalar(match c {
            Conv::Void => int(8, false),
            Conv::Bool => ScalarRet {
                boolean: true,
                ..int(1, false)
            },
            Conv::Int { bytes, signed } => int(bytes, signed),
            Conv::Ptr { .. } => int(8, false),
            Conv::F32 => ScalarRet {
                reg: Reg::F32,
                ..int(8, false)
            },
            Conv::F64 => ScalarRet {
                reg: Reg::F64,
                ..int(8, false)
            },
            _ => return None,
        }))
    }
}

/// Calls trampoline `t` whose C function returns the scalar `d` (not a struct), and returns
/// the result's bits as the stub would (integers extended, `_Bool` 0 or 1, floats' bits).
///
/// # Safety
///
/// `t` is a trampoline of the signature, `a0`/`a1` what it takes, `target` a C function of
/// the signature, and the C function's own contract holds.
#[inline(always)]
pub(crate) unsafe fn scalar_bits(
    t: usize,
    s: ScalarRet,
    a0: *const u8,
    a1: *mut u8,
    target: *const c_void,
) -> u64 {
    // Three call sites (integer register, `float`, `double`), so the caller stays small.
    if s.reg == Reg::Int {
        // SAFETY: the result is in the integer register; forwarded.
        let r = unsafe { call_as::<u64>(t, a0, a1, target) };
        if s.is_word() { r } else { s.extend(r) }
    } else if s.reg == Reg::F64 {
        // SAFETY: the result is a `double` in xmm0; forwarded.
        unsafe { call_as::<f64>(t, a0, a1, target) }.to_bits()
    } else {
        // SAFETY: the result is a `float` in xmm0; forwarded.
        u64::from(unsafe { call_as::<f32>(t, a0, a1, target) }.to_bits())
    }
}

/// Calls trampoline `t` whose C function returns an `R` in its register (`u64` for any
/// integer or pointer: the register whole, to be extended by [`ScalarRet::extend`]).
///
/// # Safety
///
/// As [`scalar_bits`], and `R` is returned in the C result's register.
#[inline(always)]
pub(crate) unsafe fn call_as<R>(t: usize, a0: *const u8, a1: *mut u8, target: *const c_void) -> R {
    // SAFETY: the trampoline transfers to the C function, which returns an `R` in its
    // register (or, having refused the arguments, returns with `a1` set).
    let f = unsafe { std::mem::transmute::<usize, Tramp<R>>(t) };
    // SAFETY: as above; the caller's contract covers the C function itself.
    unsafe { f(a0, a1, std::ptr::null_mut(), target) }
}

/// Calls trampoline `t` whose C function returns a struct in registers of the classes `d`
/// names, and returns its two eightbytes.
///
/// # Safety
///
/// As [`scalar_bits`].
#[inline(always)]
pub(crate) unsafe fn struct_words(
    t: usize,
    d: Direct,
    a0: *const u8,
    a1: *mut u8,
    target: *const c_void,
) -> [u64; 2] {
    macro_rules! go {
        ($t:ty) => {{
            // SAFETY: the trampoline jumps to the C function, which returns the struct in the
            // registers the pair `$t` is returned in.
            let f = unsafe { std::mem::transmute::<usize, Tramp<$t>>(t) };
            // SAFETY: as above; the caller's contract covers the C function itself.
            unsafe { f(a0, a1, std::ptr::null_mut(), target) }
        }};
    }
    match d {
        Direct::Struct(false, None) => [go!(I1).0, 0],
        Direct::Struct(true, None) => [go!(F1).0.to_bits(), 0],
        Direct::Struct(false, Some(false)) => {
            let r = go!(II);
            [r.0, r.1]
        }
        Direct::Struct(true, Some(true)) => {
            let r = go!(FF);
            [r.0.to_bits(), r.1.to_bits()]
        }
        Direct::Struct(false, Some(true)) => {
            let r = go!(IF);
            [r.0, r.1.to_bits()]
        }
        Direct::Struct(true, Some(false)) => {
            let r = go!(FI);
            [r.0.to_bits(), r.1]
        }
        _ => unreachable!("scalar results take scalar_bits"),
    }
}

/// A struct result of `size` (≤ 16) bytes from its eightbytes, kept inline; bytes past the
/// size are zero, as the stub path leaves them.
#[inline(always)]
pub(crate) fn struct_value(ty: TypeId, size: usize, words: [u64; 2]) -> Value<'static> {
    let mut v = u128::from(words[0]) | (u128::from(words[1]) << 64);
    if size < 16 {
        v &= (1u128 << (size * 8)) - 1;
    }
    Value::Struct(StructValue::inline(ty, size, v.to_le_bytes()))
}

/// An `__int128` result from the two eightbytes the C function returned in `rax:rdx`.
pub(crate) fn wide_value(signed: bool, [lo, hi]: [u64; 2]) -> Value<'static> {
    let bits = crate::value::Bits128::from(u128::from(lo) | (u128::from(hi) << 64));
    if signed {
        Value::I128(bits)
    } else {
        Value::U128(bits)
    }
}

/// A `long double` result from the buffer its trampoline stored `st(0)` into (10 bytes; the
/// rest is not the value's).
pub(crate) fn x87_value(stored: &[u8; 16]) -> Value<'static> {
    let mut bits = [0u8; 16];
    bits[..10].copy_from_slice(&stored[..10]);
    Value::F80(crate::F80::from_bits(u128::from_le_bytes(bits)))
}

/// Calls trampoline `t` whose C function returns a struct in memory: `ret` is the hidden
/// pointer (with room for the struct), filled by the function.
///
/// # Safety
///
/// As [`scalar_bits`]; `ret` is writable for the struct's size.
#[inline]
pub(crate) unsafe fn memory_call(
    t: usize,
    a0: *const u8,
    a1: *mut u8,
    ret: *mut u8,
    target: *const c_void,
) {
    // SAFETY: the trampoline passes `ret` as the hidden pointer and transfers to the C
    // function, which returns it in rax (or, having refused the arguments, returns with `a1`
    // set).
    let f = unsafe { std::mem::transmute::<usize, Tramp<*mut u8>>(t) };
    // SAFETY: as above; the caller's contract covers the C function itself.
    unsafe { f(a0, a1, ret, target) };
}
