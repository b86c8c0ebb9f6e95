//! Calling a register trampoline (`jit/trampoline.rs`) as the C function it jumps to: the
//! trampoline returns whatever the C function returns, in its registers, so Rust calls it as
//! an `extern "C" fn(*const u8, *mut u8) -> R` with `R` the Rust type of the C result.

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

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Reg {
    Int,
    F32,
    F64,
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
/// `t` is a trampoline of the signature, `a0`/`a1` what it takes, and the C function's own
/// contract holds.
#[inline(always)]
pub(crate) unsafe fn scalar_bits(t: usize, s: ScalarRet, a0: *const u8, a1: *mut u8) -> u64 {
    macro_rules! go {
        ($t:ty) => {{
            // SAFETY: the trampoline jumps to the C function, which returns a `$t` in its
            // register (or, having refused the arguments, returns with `a1` set).
            let f = unsafe {
                std::mem::transmute::<usize, unsafe extern "C" fn(*const u8, *mut u8) -> $t>(t)
            };
            // SAFETY: as above; the caller's contract covers the C function itself.
            unsafe { f(a0, a1) }
        }};
    }
    // Three call sites (integer register, `float`, `double`), so the caller stays small.
    if s.reg == Reg::Int {
        let r = go!(u64);
        let spare = u32::from(s.spare);
        let r = if s.signed {
            (((r << spare) as i64) >> spare) as u64
        } else {
            (r << spare) >> spare
        };
        if s.boolean { u64::from(r != 0) } else { r }
    } else if s.reg == Reg::F64 {
        go!(f64).to_bits()
    } else {
        u64::from(go!(f32).to_bits())
    }
}

/// Calls trampoline `t` whose C function returns a struct in registers of the classes `d`
/// names, and returns its two eightbytes.
///
/// # Safety
///
/// As [`scalar_bits`].
#[inline(always)]
pub(crate) unsafe fn struct_words(t: usize, d: Direct, a0: *const u8, a1: *mut u8) -> [u64; 2] {
    macro_rules! go {
        ($t:ty) => {{
            // SAFETY: the trampoline jumps to the C function, which returns the struct in the
            // registers the pair `$t` is returned in.
            let f = unsafe {
                std::mem::transmute::<usize, unsafe extern "C" fn(*const u8, *mut u8) -> $t>(t)
            };
            // SAFETY: as above; the caller's contract covers the C function itself.
            unsafe { f(a0, a1) }
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

/// Calls trampoline `t` whose C function returns a struct in memory: `ret` is the hidden
/// pointer (with room for the struct), filled by the function.
///
/// # Safety
///
/// As [`scalar_bits`]; `ret` is writable for the struct's size.
#[inline]
pub(crate) unsafe fn memory_call(t: usize, a0: *const u8, a1: *mut u8, ret: *mut u8) {
    // SAFETY: the trampoline passes `ret` as the hidden pointer and jumps to the C function,
    // which returns it in rax (or, having refused the arguments, returns with `a1` set).
    let f = unsafe {
        std::mem::transmute::<usize, unsafe extern "C" fn(*const u8, *mut u8, *mut u8) -> *mut u8>(
            t,
        )
    };
    // SAFETY: as above; the caller's contract covers the C function itself.
    unsafe { f(a0, a1, ret) };
}
