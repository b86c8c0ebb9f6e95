//! Windows x64 classification (Microsoft "x64 calling convention"). Implemented from the
//! documentation; not yet exercised against a compiler (jitffi's tested target is x86-64 System V,
//! and no Windows data model is a `Target` yet).
//!
//! - Four argument slots, by position: `rcx`/`xmm0`, `rdx`/`xmm1`, `r8`/`xmm2`, `r9`/`xmm3`; an
//!   integer uses the GPR of its slot, a `float`/`double` the XMM of its slot; the rest go on the
//!   stack above 32 bytes of shadow space the caller reserves.
//! - Aggregates of 1, 2, 4 or 8 bytes are passed as integers of that size; any other aggregate
//!   is passed as a pointer to a copy the caller makes.
//! - Variadic floating-point arguments are passed in both the XMM and the GPR of their slot.
//! - Results: integers, pointers and aggregates of 1, 2, 4 or 8 bytes in `rax`; `float`/`double`
//!   in `xmm0`; other aggregates through a hidden pointer in `rcx` (the first slot), returned in
//!   `rax`.
//! - `long double` is `double` under MSVC (80-bit under mingw-gcc): not planned here.
#![forbid(unsafe_code)]
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::{ArgClass, CallPlan, Part, RegClass, RetClass, record_size, ret_from_arg, scalar};
use crate::ctype::{CType, TypeId, TypeTable};
use crate::layout::Target;

/// Classifies a call for Windows x64: `all` are the C types of every argument.
pub fn classify(
    t: &TypeTable,
    target: &Target,
    all: &[TypeId],
    ret: TypeId,
    n_fixed: usize,
    variadic: bool,
) -> CallPlan {
    let small = |ty: TypeId| -> Result<(bool, u32), String> {
        let (size, _) = record_size(t, target, ty)?;
        Ok((matches!(size, 1 | 2 | 4 | 8), size))
    };
    let ret_class = match t.raw_type(ret) {
        CType::Void => RetClass::Void,
        CType::Record(_) => match small(ret) {
            Ok((true, size)) => RetClass::StructRegs {
                parts: vec![Part {
                    class: RegClass::Int,
                    offset: 0,
                    size,
                }],
                size,
            },
            Ok((false, size)) => RetClass::Sret { size },
            Err(e) => RetClass::Unsupported(e),
        },
        _ => scalar(t, target, ret).map_or_else(
            || RetClass::Unsupported(format!("cannot return '{}'", t.display(ret))),
            ret_from_arg,
        ),
    };
    let args = all
        .iter()
        .map(|&ty| match t.raw_type(ty) {
            CType::Record(_) => match small(ty) {
                Ok((true, size)) => ArgClass::StructRegs {
                    parts: vec![Part {
                        class: RegClass::Int,
                        offset: 0,
                        size,
                    }],
                    size,
                    // Win64 passes no aggregate in a register pair; the alignment plays no part.
                    align: size,
                },
                Ok((false, size)) => ArgClass::StructRef { size },
                Err(e) => ArgClass::Unsupported(e),
            },
            _ => scalar(t, target, ty).unwrap_or_else(|| {
                ArgClass::Unsupported(format!("cannot pass '{}' by value", t.display(ty)))
            }),
        })
        .collect();
    // Windows has no `al` convention; report the XMM slots used anyway.
    let vector_regs = u8::try_from(
        all.iter()
            .take(4)
            .filter(|&&ty| matches!(scalar(t, target, ty), Some(ArgClass::F32 | ArgClass::F64)))
            .count(),
    )
    .unwrap_or(4);
    CallPlan {
        args,
        ret: ret_class,
        n_fixed,
        variadic,
        vector_regs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;

    #[test]
    fn win64_examples() {
        let ffi = Ffi::with_target(crate::Target::x86_64_sysv());
        ffi.cdef("struct s8 { int a, b; }; struct s12 { int a, b, c; }; struct s12 f(struct s8, struct s12, double);")
            .expect("cdef");
        let t = ffi.types();
        let ft = t.function("f").expect("f").ty;
        let func = t.as_func(ft).expect("function").clone();
        let p = classify(&t, ffi.target(), &func.params, func.ret, 3, false);
        assert_eq!(
            p.args[0],
            ArgClass::StructRegs {
                parts: vec![Part {
                    class: RegClass::Int,
                    offset: 0,
                    size: 8
                }],
                size: 8,
                align: 8
            }
        );
        assert_eq!(p.args[1], ArgClass::StructRef { size: 12 });
        assert_eq!(p.args[2], ArgClass::F64);
        assert_eq!(p.ret, RetClass::Sret { size: 12 });
    }
}
