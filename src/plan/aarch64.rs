//! AAPCS64 classification (Arm "Procedure Call Standard for the Arm 64-bit Architecture",
//! section 6.8, Linux flavour). Proven against gcc under qemu: `tests/aarch64_qemu.rs` runs
//! the stubs and thunks `jitffi::cross` compiles from these plans for random signatures
//! (`jit/lower.rs` turns a plan into Cranelift parameters), both directions, against the cross
//! gcc's own calls.
//!
//! - Integers and pointers: `x0`–`x7` (NGRN), then 8-byte stack slots. The callee extends
//!   narrow integers (Apple's variant makes the caller extend them to 32 bits).
//! - `float`/`double`: `v0`–`v7` (NSRN), then the stack.
//! - Homogeneous floating-point aggregates (1 to 4 members of one floating type and no padding:
//!   gcc's rule): in consecutive `v` registers if all fit, else on the stack (and no more `v`
//!   registers).
//! - Other aggregates: larger than 16 bytes → passed as a pointer to a caller-made copy (the
//!   pointer takes an `x` register); else in `ceil(size/8)` consecutive `x` registers (an even
//!   register first if aligned to 16 or more) if all fit, else on the stack (and no more `x`
//!   registers), on a 16-byte boundary if aligned to 16 or more.
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

/// The members of a homogeneous floating-point aggregate, `(offset, size)` each, in order: one
/// to four members of one floating type and nothing else, not even padding (GCC's rule: a
/// 16-aligned struct of three floats is not an HFA; its size is 16, not 12).
fn hfa(t: &TypeTable, target: &Target, ty: TypeId, size: u32) -> Option<Vec<(u64, u64)>> {
    let mut members = Vec::new();
    let mut ok = true;
    leaves(t, target, ty, 0, &mut |l| {
        if l.kind == LeafKind::Float {
            members.push((l.offset, l.size));
        } else {
            ok = false;
        }
    });
    let first = members.first()?.1;
    let unpadded = u64::from(size) == first * members.len() as u64;
    (ok && unpadded && members.len() <= 4 && members.iter().all(|m| m.1 == first))
        .then_some(members)
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
        if let Some(members) = hfa(t, target, ty, size) {
            let parts = members
                .into_iter()
                .map(|(offset, each)| Part {
                    class: RegClass::Float,
                    offset: u32::try_from(offset).unwrap_or(0),
                    size: u32::try_from(each).unwrap_or(8),
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
                // On the stack, a composite is aligned to 8, or to 16 if it is aligned to 16
                // or more (C.14); in registers, one aligned to 16 or more starts at an even
                // register (C.12).
                Ok((parts, size, align)) if parts.iter().all(|p| p.class == RegClass::Float) => {
                    let align = u32::try_from(align.clamp(8, 16)).unwrap_or(8);
                    if nsrn + parts.len() <= VREGS {
                        nsrn += parts.len();
                        ArgClass::StructRegs { parts, size, align }
                    } else {
                        nsrn = VREGS;
                        ArgClass::StructStack { size, align, parts }
                    }
                }
                Ok((_, size, _)) if size > 16 => {
                    // The address of the caller's copy takes an `x` register like a pointer.
                    ngrn += 1;
                    ArgClass::StructRef { size }
                }
                Ok((parts, size, align)) => {
                    let align = u32::try_from(align.clamp(8, 16)).unwrap_or(8);
                    if align == 16 && ngrn % 2 == 1 {
                        ngrn += 1;
                    }
                    if ngrn + parts.len() <= XREGS {
                        ngrn += parts.len();
                        ArgClass::StructRegs { parts, size, align }
                    } else {
                        ngrn = XREGS;
                        ArgClass::StructStack { size, align, parts }
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

    /// Found by tests/aarch64_qemu.rs: three floats padded to 16 bytes by `_Alignas` are no
    /// HFA for gcc; they go in an even pair of x registers (x2, x3 after an int in x0).
    #[test]
    fn a_padded_struct_of_floats_is_not_an_hfa() {
        let p = plan("struct p { _Alignas(16) float a; float b, c; }; void f(int, struct p);");
        assert_eq!(
            p.args[1],
            ArgClass::StructRegs {
                parts: vec![
                    Part {
                        class: RegClass::Int,
                        offset: 0,
                        size: 8
                    },
                    Part {
                        class: RegClass::Int,
                        offset: 8,
                        size: 8
                    },
                ],
                size: 16,
                align: 16,
            }
        );
    }

    /// Found by tests/aarch64_qemu.rs: the address of a large struct's copy takes an x
    /// register, so seven more longs leave the last one on the stack.
    #[test]
    fn a_struct_by_reference_takes_a_register() {
        let p = plan(
            "struct big { long a, b, c; }; struct two { long a, b; }; \
             void f(struct big, long, long, long, long, long, long, struct two);",
        );
        assert_eq!(p.args[0], ArgClass::StructRef { size: 24 });
        // x0 (the copy), x1-x6: the 16-byte struct no longer fits in registers.
        assert!(matches!(p.args[7], ArgClass::StructStack { size: 16, .. }));
    }
}
