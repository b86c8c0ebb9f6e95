//! How a [`CallPlan`]'s arguments become Cranelift parameters, per architecture: the one place
//! that knows where Cranelift's own argument assignment and the C ABI part ways, and what
//! dummy parameters make them agree. Call stubs, host calls (`crate::emit`) and callback
//! thunks all build their C signature and move their arguments through [`lower_args`].
//!
//! - **x86-64 System V**: Cranelift assigns registers as the ABI does (the plan has already sent
//!   what does not fit to the stack), and copies a `StructArgument` parameter's bytes into the
//!   argument area. It lays stack arguments out in 8-byte steps, where a 16-aligned struct must
//!   start on a 16-byte boundary: an 8-byte `StructArgument` pad goes before it then.
//! - **AArch64 (AAPCS64)**: Cranelift has no `StructArgument` there. A struct passed on the
//!   stack travels as its memory image in 8-byte words, after dummy parameters that use up the
//!   registers C leaves unused (a struct that does not fit takes no register, and no later
//!   argument of its class takes one either: NGRN or NSRN becomes 8); words of an HFA are
//!   floating-point values, so that they skip the `x` registers an integer argument may still
//!   use. A 16-aligned struct starts at an even `x` register, and on a 16-byte boundary of the
//!   stack: an `i64` dummy fills the gap. Structs larger than 16 bytes (not HFAs) are passed as
//!   a pointer to a copy.

use cranelift_codegen::ir::{AbiParam, ArgumentPurpose, Type, types};

use super::JitError;
use crate::plan::{ArgClass, CallPlan, Part, RegClass, RetClass};

/// The architecture code is generated for (the C ABI's rules differ in the places above).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Arch {
    /// x86-64, System V.
    X64,
    /// AArch64, AAPCS64 as on Linux.
    Aarch64,
}

impl Arch {
    /// The architecture of `isa`.
    pub(crate) fn of(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Arch {
        if isa.name() == "aarch64" {
            Arch::Aarch64
        } else {
            Arch::X64
        }
    }
}

/// A parameter that is there only to place the next one where C expects it. A caller passes
/// any value of its type; a callee ignores it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// x86-64: 8 bytes of the stack (`StructArgument(8)`; the caller passes the address of 8
    /// bytes to copy).
    StackPad,
    /// AArch64: an `i64` (an unused `x` register, or 8 bytes of the stack once they are gone).
    Int,
    /// AArch64: an `f64` (an unused `v` register).
    Float,
}

/// How one argument's value travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// One parameter of this type (narrow integers extended to 32 bits by the caller).
    Scalar(Type),
    /// Parameters loaded from the struct's bytes, one per part: registers, or, on AArch64, the
    /// words of its image on the stack.
    Parts(Vec<Part>),
    /// x86-64: a `StructArgument` of `round8(size)` bytes (the address of the bytes, which
    /// Cranelift copies onto the stack).
    StackCopy(u32),
    /// AArch64: the address of a copy of the struct's `size` bytes that the caller makes.
    ByRef(u32),
}

/// One argument as Cranelift parameters: the fills before it, then its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Lowered {
    pub fill: Vec<Fill>,
    pub form: Form,
}

/// The Cranelift parameters of each argument of `plan` on `arch`, in order.
///
/// # Errors
///
/// An argument the JIT does not lower (`ArgClass::Unsupported`; on x86-64 a struct aligned to
/// more than 16 bytes on the stack, or by reference, which System V never does).
pub(crate) fn lower_args(plan: &CallPlan, arch: Arch) -> Result<Vec<Lowered>, JitError> {
    match arch {
        Arch::X64 => lower_x64(plan),
        Arch::Aarch64 => lower_aarch64(plan),
    }
}

fn scalar_form(class: &ArgClass, i: usize) -> Result<Form, JitError> {
    Ok(Form::Scalar(match class {
        ArgClass::Int { bytes, .. } if *bytes <= 4 => types::I32,
        ArgClass::Int { .. } | ArgClass::Ptr => types::I64,
        ArgClass::F32 => types::F32,
        ArgClass::F64 => types::F64,
        ArgClass::Unsupported(why) => return Err(JitError(why.clone())),
        _ => return Err(JitError(format!("argument {} is not a scalar", i + 1))),
    }))
}

fn lower_x64(plan: &CallPlan) -> Result<Vec<Lowered>, JitError> {
    let (mut gprs, mut xmms, mut stack) = (
        usize::from(matches!(plan.ret, RetClass::Sret { .. })),
        0usize,
        0u32,
    );
    let mut out = Vec::with_capacity(plan.args.len());
    for (i, a) in plan.args.iter().enumerate() {
        let mut fill = Vec::new();
        let form = match a {
            ArgClass::Int { .. } | ArgClass::Ptr => {
                if gprs < 6 {
                    gprs += 1;
                } else {
                    stack += 8;
                }
                scalar_form(a, i)?
            }
            ArgClass::F32 | ArgClass::F64 => {
                if xmms < 8 {
                    xmms += 1;
                } else {
                    stack += 8;
                }
                scalar_form(a, i)?
            }
            ArgClass::StructRegs { parts, .. } => {
                for p in parts {
                    match p.class {
                        RegClass::Int => gprs += 1,
                        RegClass::Float => xmms += 1,
                    }
                }
                Form::Parts(parts.clone())
            }
            ArgClass::StructStack { align, .. } if *align > 16 => {
                return Err(JitError(
                    "a struct aligned to more than 16 bytes passed on the stack".into(),
                ));
            }
            ArgClass::StructStack { size, align, .. } => {
                if *align > 8 && stack % 16 != 0 {
                    fill.push(Fill::StackPad);
                    stack += 8;
                }
                stack += super::stub::round8(*size);
                Form::StackCopy(*size)
            }
            ArgClass::StructRef { .. } => {
                return Err(JitError(
                    "structs passed by reference (not a System V case)".into(),
                ));
            }
            ArgClass::Unsupported(why) => return Err(JitError(why.clone())),
        };
        out.push(Lowered { fill, form });
    }
    Ok(out)
}

/// The 8-byte words of a struct's image of `size` bytes (a 4-byte tail of an HFA of floats
/// is an `f32`), of class `class`.
fn words(size: u32, class: RegClass) -> Vec<Part> {
    (0..size.div_ceil(8))
        .map(|w| Part {
            class,
            offset: w * 8,
            size: (size - w * 8).min(8),
        })
        .collect()
}

fn lower_aarch64(plan: &CallPlan) -> Result<Vec<Lowered>, JitError> {
    const REGS: u32 = 8;
    // The next `x` and `v` register and stack offset, as Cranelift assigns them (the
    // indirect result pointer travels in x8, outside the count).
    let (mut x, mut v, mut stack) = (0u32, 0u32, 0u32);
    let mut out = Vec::with_capacity(plan.args.len());
    for (i, a) in plan.args.iter().enumerate() {
        let mut fill = Vec::new();
        let form = match a {
            ArgClass::Int { .. } | ArgClass::Ptr | ArgClass::StructRef { .. } => {
                if x < REGS {
                    x += 1;
                } else {
                    stack += 8;
                }
                match a {
                    ArgClass::StructRef { size } => Form::ByRef(*size),
                    _ => scalar_form(a, i)?,
                }
            }
            ArgClass::F32 | ArgClass::F64 => {
                if v < REGS {
                    v += 1;
                } else {
                    stack += 8;
                }
                scalar_form(a, i)?
            }
            ArgClass::StructRegs { parts, align, .. } => {
                let n = u32::try_from(parts.len()).unwrap_or(u32::MAX);
                if parts.iter().all(|p| p.class == RegClass::Float) {
                    v += n;
                } else {
                    if *align >= 16 && x % 2 == 1 {
                        fill.push(Fill::Int);
                        x += 1;
                    }
                    x += n;
                }
                if x > REGS || v > REGS {
                    return Err(JitError(format!(
                        "internal: argument {} planned in registers that are not left",
                        i + 1
                    )));
                }
                Form::Parts(parts.clone())
            }
            ArgClass::StructStack { size, align, parts } => {
                let hfa = !parts.is_empty() && parts.iter().all(|p| p.class == RegClass::Float);
                let (class, used, dummy) = if hfa {
                    (RegClass::Float, &mut v, Fill::Float)
                } else {
                    (RegClass::Int, &mut x, Fill::Int)
                };
                while *used < REGS {
                    fill.push(dummy);
                    *used += 1;
                }
                if *align >= 16 && stack % 16 != 0 {
                    // Both classes have no register left now: any dummy lands on the stack.
                    fill.push(dummy);
                    stack += 8;
                }
                let w = words(*size, class);
                stack += 8 * u32::try_from(w.len()).unwrap_or(0);
                Form::Parts(w)
            }
            ArgClass::Unsupported(why) => return Err(JitError(why.clone())),
        };
        out.push(Lowered { fill, form });
    }
    Ok(out)
}

/// The Cranelift parameter of a fill.
pub(crate) fn fill_param(f: Fill, ptr: Type) -> AbiParam {
    match f {
        Fill::StackPad => AbiParam::special(ptr, ArgumentPurpose::StructArgument(8)),
        Fill::Int => AbiParam::new(types::I64),
        Fill::Float => AbiParam::new(types::F64),
    }
}

/// The Cranelift parameters of an argument's value.
pub(crate) fn form_params(form: &Form, ptr: Type, out: &mut Vec<AbiParam>) {
    match form {
        Form::Scalar(t) => out.push(AbiParam::new(*t)),
        Form::Parts(parts) => out.extend(parts.iter().map(|p| AbiParam::new(part_type(*p)))),
        Form::StackCopy(size) => out.push(AbiParam::special(
            ptr,
            ArgumentPurpose::StructArgument(super::stub::round8(*size)),
        )),
        Form::ByRef(_) => out.push(AbiParam::new(ptr)),
    }
}

/// The register type of one part of a struct in registers (or word of its image).
pub(crate) fn part_type(p: Part) -> Type {
    match (p.class, p.size) {
        (RegClass::Float, 4) => types::F32,
        (RegClass::Float, _) => types::F64,
        (RegClass::Int, _) => types::I64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;
    use crate::layout::Target;

    fn lowered(decls: &str) -> Vec<Lowered> {
        let ffi = Ffi::with_target(Target::aarch64_linux());
        ffi.cdef(decls).expect("cdef");
        let t = ffi.types();
        let f = t.function("f").expect("f").ty;
        let plan = crate::plan::plan_call(&t, ffi.target(), f, &[]).expect("plan");
        lower_args(&plan, Arch::Aarch64).expect("lowered")
    }

    #[test]
    fn aarch64_fills() {
        // A 16-byte struct with only x7 left goes to the stack and takes x7 with it.
        let l = lowered(
            "struct s { long a, b; }; void f(long, long, long, long, long, long, long, struct s, long);",
        );
        assert_eq!(l[7].fill, vec![Fill::Int]);
        assert_eq!(l[7].form, Form::Parts(words(16, RegClass::Int)));
        assert!(l[8].fill.is_empty());
        // A 16-aligned struct after one x register starts at x2.
        let l = lowered("struct s { _Alignas(16) long a; long b; }; void f(int, struct s);");
        assert_eq!(l[1].fill, vec![Fill::Int]);
        // An HFA of three floats with six v registers used goes to the stack, as 12 bytes in
        // an f64 and an f32, after dummies for v6 and v7; an int after it still gets x0.
        let l = lowered(
            "struct h { float a, b, c; }; void f(double, double, double, double, double, double, struct h, int);",
        );
        assert_eq!(l[6].fill, vec![Fill::Float, Fill::Float]);
        assert_eq!(l[6].form, Form::Parts(words(12, RegClass::Float)));
        assert_eq!(l[7].form, Form::Scalar(types::I32));
        // More than 16 bytes, not an HFA: by reference.
        let l = lowered("struct b { long a, b, c; }; void f(struct b);");
        assert_eq!(l[0].form, Form::ByRef(24));
    }
}
