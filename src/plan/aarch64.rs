//! AAPCS64 classification (Arm "Procedure Call Standard for the Arm 64-bit Architecture",
//! section 6.8, Linux flavour). Implemented from the specification; not yet exercised against a
//! compiler (jitffi's tested target is x86-64).
//!
//! - Integers and pointers: `x0`–`x7` (NGRN), then 8-byte stack slots. The callee extends
//!   narrow integers (Apple's variant makes the caller extend them to 32 bits).
//! - `float`/`double`: `v0`–`v7` (NSRN), then the stack.
//! - Homogeneous floating-point aggregates (1 to 4 members of one floating type): in
//!   consecutive `v` registers if all fit, else on the stack (and no more `v` registers).
//! - Other aggregates: larger than 16 bytes → passed as a pointer to a caller-made copy; else in
//!   `ceil(size/8)` consecutive `x` registers (an even register first if 16-byte aligned) if all
//!   fit, else on the stack (and no more `x` registers).
//! - Results: scalars in `x0`/`v0`; HFAs in `v0`–`v3`; aggregates of at most 16 bytes in
//!   `x0`/`x1`; larger ones through the indirect result register `x8` (not a regular argument).
//! - Variadic calls follow the same rules on Linux (Apple puts every variadic argument on the
//!   stack). `long double` is IEEE binary128 in `v` registers: not planned (`Unsupported`).
#![forbid(unsafe_code)]
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::{
    ArgClass, CallPlan, LeafKind, Part, RegClass, RetClass, leaves, record_size, ret_from_arg,
    scalar, scalar_arg,
};
use crate::ctype::{CType, TypeId, TypeTable};
use crate::layout::Target;

const XREGS: usize = 8;
const VREGS: usize = 8;

/// The members of a homogeneous floating-point aggregate: `(count, member size)`.
fn hfa(t: &TypeTable, target: &Target, ty: TypeId) -> Option<(usize, u64)> {
    let mut sizes = Vec::new();
    let mut ok = true;
    leaves(t, target, ty, 0, &mut |l| {
        if l.kind == LeafKind::Float {
            sizes.push((l.offset, l.size));
        } else {
            ok = false;
        }
    });
    let first = sizes.first()?.1;
    (ok && sizes.len() <= 4 && sizes.iter().all(|s| s.1 == first)).then_some((sizes.len(), first))
}

/// Classifies a call on AArch64: `all` are the C types of every argument.
pub fn classify(
    t: &TypeTable,
    target: &Target,
    all: &[TypeId],
    ret: TypeId,
    n_fixed: usize,
    variadic: bool,
) -> CallPlan {
    let (mut ngrn, mut nsrn) = (0usize, 0usize);
    // The register parts of an aggregate, its size and its alignment.
    let aggregate_parts = |ty: TypeId| -> Result<(Vec<Part>, u32, u64), String> {
        let (size, align) = record_size(t, target, ty)?;
        let mut vector = false;
        leaves(t, target, ty, 0, &mut |l| {
            vector |= l.kind == LeafKind::Vector
        });
        if vector {
            return Err(format!(
                "'{}' has a vector member (not planned on AArch64)",
                t.display(ty)
            ));
        }
        if let Some((n, each)) = hfa(t, target, ty) {
            let each = u32::try_from(each).unwrap_or(8);
            let parts = (0..n)
                .map(|i| Part {
                    class: RegClass::Float,
                    offset: u32::try_from(i).unwrap_or(0) * each,
                    size: each,
                })
                .collect();
            return Ok((parts, size, align));
        }
        let parts = (0..size.div_ceil(8))
            .map(|i| Part {
                class: RegClass::Int,
                offset: i * 8,
                size: (size - i * 8).min(8),
            })
            .collect();
        Ok((parts, size, align))
    };
    let ret_class = match t.raw_type(ret) {
        CType::Void => RetClass::Void,
        _ if super::is_aggregate(t, ret) => match aggregate_parts(ret) {
            Ok((parts, size, _))
                if size <= 16 || parts.iter().all(|p| p.class == RegClass::Float) =>
            {
                RetClass::StructRegs { parts, size }
            }
            Ok((_, size, _)) => RetClass::Sret { size },
            Err(e) => RetClass::Unsupported(e),
        },
        _ => scalar(t, target, ret).map_or_else(
            || RetClass::Unsupported(format!("cannot return '{}'", t.display(ret))),
            ret_from_arg,
        ),
    };
    let mut args = Vec::with_capacity(all.len());
    for &ty in all {
        let class = match t.raw_type(ty) {
            _ if super::is_aggregate(t, ty) => match aggregate_parts(ty) {
                Err(e) => ArgClass::Unsupported(e),
                Ok((parts, size, _)) if parts.iter().all(|p| p.class == RegClass::Float) => {
                    if nsrn + parts.len() <= VREGS {
                        nsrn += parts.len();
                        ArgClass::StructRegs { parts, size }
                    } else {
                        nsrn = VREGS;
                        ArgClass::StructStack {
                            size,
                            align: 8,
                            parts,
                        }
                    }
                }
                Ok((_, size, _)) if size > 16 => ArgClass::StructRef { size },
                Ok((parts, size, align)) => {
                    if align == 16 && ngrn % 2 == 1 {
                        ngrn += 1;
                    }
                    if ngrn + parts.len() <= XREGS {
                        ngrn += parts.len();
                        ArgClass::StructRegs { parts, size }
                    } else {
                        ngrn = XREGS;
                        ArgClass::StructStack {
                            size,
                            align: u32::try_from(align).unwrap_or(8),
                            parts,
                        }
                    }
                }
            },
            _ => scalar_arg(t, target, ty, &mut ngrn, &mut nsrn),
        };
        args.push(class);
    }
    CallPlan {
        args,
        ret: ret_class,
        n_fixed,
        variadic,
        vector_regs: u8::try_from(nsrn.min(VREGS)).unwrap_or(8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;

    fn plan(decls: &str) -> CallPlan {
        let ffi = Ffi::with_target(Target::aarch64_linux());
        ffi.cdef(decls).expect("cdef");
        let t = ffi.types();
        let f = t.function("f").expect("f").clone();
        let params = t.as_func(f.ty).expect("function").params.clone();
        let ret = t.as_func(f.ty).expect("function").ret;
        classify(&t, ffi.target(), &params, ret, params.len(), false)
    }

    #[test]
    fn aapcs64_examples() {
        // An HFA of three floats goes in three v registers; of four doubles, returned in v0-v3.
        let p = plan(
            "struct hfa { float a, b, c; }; struct d4 { double a, b, c, d; }; struct d4 f(struct hfa);",
        );
        assert!(matches!(&p.args[0], ArgClass::StructRegs { parts, .. } if parts.len() == 3));
        assert!(matches!(&p.ret, RetClass::StructRegs { parts, .. } if parts.len() == 4));
        // 24 bytes of integers: by reference; returned through x8.
        let p = plan("struct big { long a, b, c; }; struct big f(struct big);");
        assert_eq!(p.args[0], ArgClass::StructRef { size: 24 });
        assert_eq!(p.ret, RetClass::Sret { size: 24 });
        // A mixed 16-byte struct is not an HFA: two x registers.
        let p = plan("struct mix { double d; long l; }; void f(struct mix);");
        assert!(
            matches!(&p.args[0], ArgClass::StructRegs { parts, .. } if parts.iter().all(|p| p.class == RegClass::Int))
        );
    }
}
