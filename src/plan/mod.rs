//! Call plans: how every argument and the result of a C function type travel, per ABI.
//!
//! A [`CallPlan`] is computed once per function type (and, for variadic functions, per promoted
//! call signature) and consumed by both backends: the JIT lowers each [`ArgClass`] to Cranelift
//! parameters, the libffi fallback to `ffi_type`s. Classification is per ABI, one file each,
//! over the common [`Leaf`] walk of a record's scalar members:
//! - `sysv_x64.rs`: System V x86-64 (Linux, BSD, macOS) — implemented and tested;
//! - `aarch64.rs`: AAPCS64 (Linux) — implemented and proven against gcc under qemu
//!   (`tests/aarch64_qemu.rs`, through `jitffi::cross`);
//! - `win64.rs`: Windows x64 — implemented from the specification, not yet exercised.
#![forbid(unsafe_code)]
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

pub(crate) mod aarch64;
pub(crate) mod sysv_x64;
// Written from Microsoft's documentation and unit-tested, but not reachable from `plan_call`:
// no Windows data model is a `Target`, and nothing here can run Windows code to prove the plans
// against a compiler (issue 17 keeps it out of the public API until that is done).
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "unit-tested; reachable once a Windows target is proven"
    )
)]
pub(crate) mod win64;

use std::fmt;

use crate::ctype::{CType, Prim, TypeId, TypeTable};
use crate::layout::{self, Target};

/// The register class of a part of an aggregate passed in registers.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegClass {
    /// A general-purpose register.
    Int,
    /// A floating-point / vector register.
    Float,
}

/// One register-sized part of a struct passed or returned in registers: `size` bytes at
/// `offset`, in a register of class `class` (for `Float`, a `size` of 4 is a `float` and 8 a
/// `double` or two packed `float`s).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Part {
    /// Register class.
    pub class: RegClass,
    /// Byte offset in the struct.
    pub offset: u32,
    /// Bytes covered (1 to 8).
    pub size: u32,
}

/// How one argument is passed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ArgClass {
    /// An integer (or `_Bool`, enum) of `bytes` bytes, extended to the register by the caller
    /// (sign- or zero-extended to 32 bits at least, as clang expects on x86-64).
    Int {
        /// Size in bytes: 1, 2, 4 or 8.
        bytes: u8,
        /// Signed or not.
        signed: bool,
    },
    /// `float`.
    F32,
    /// `double`.
    F64,
    /// A pointer.
    Ptr,
    /// A struct or union split into register parts.
    StructRegs {
        /// The parts, in order.
        parts: Vec<Part>,
        /// The struct's size.
        size: u32,
        /// Its alignment (AAPCS64 starts a 16-aligned one at an even register).
        align: u32,
    },
    /// A struct or union copied onto the stack (SysV MEMORY class, or no registers left).
    StructStack {
        /// The struct's size.
        size: u32,
        /// Its alignment.
        align: u32,
        /// The register parts it would have had if registers were left (empty for MEMORY
        /// class).
        parts: Vec<Part>,
    },
    /// A struct or union passed as a pointer to a caller-made copy (Win64 and AArch64 for
    /// large aggregates).
    StructRef {
        /// The struct's size.
        size: u32,
    },
    /// Something the plan cannot pass (`long double`, `__int128`, …), with the reason.
    Unsupported(String),
}

/// How the result comes back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RetClass {
    /// `void`.
    Void,
    /// An integer (or `_Bool`, enum): only the low `bytes` bytes of the register are meaningful.
    Int {
        /// Size in bytes: 1, 2, 4 or 8.
        bytes: u8,
        /// Signed or not.
        signed: bool,
    },
    /// `float`.
    F32,
    /// `double`.
    F64,
    /// A pointer.
    Ptr,
    /// A struct or union returned in registers.
    StructRegs {
        /// The parts, in order.
        parts: Vec<Part>,
        /// The struct's size.
        size: u32,
    },
    /// A struct or union returned through a hidden pointer the caller passes (`Sret`).
    Sret {
        /// The struct's size.
        size: u32,
    },
    /// A struct whose one member is a `long double` (System V classes X87 and X87UP):
    /// returned in x87's `st(0)`, as the `long double` itself is. Only trampolines and libffi
    /// return it (stubs, thunks and host IR refuse it: [`CallPlan::unsupported`]).
    X87 {
        /// The struct's size (16).
        size: u32,
    },
    /// Something the plan cannot return, with the reason.
    Unsupported(String),
}

/// The classification of a whole call.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallPlan {
    /// Every argument, fixed and variadic, in order.
    pub args: Vec<ArgClass>,
    /// The result.
    pub ret: RetClass,
    /// The number of fixed (declared) parameters; the rest are a variadic tail.
    pub n_fixed: usize,
    /// True if the function is variadic (even if this call passes no variadic argument).
    pub variadic: bool,
    /// Number of vector registers the call uses for arguments (x86-64 variadic calls pass it
    /// in `%al`).
    pub vector_regs: u8,
}

impl CallPlan {
    /// The first reason the plan cannot be executed by a backend that follows it exactly, if
    /// any (an unsupported argument or result).
    pub fn unsupported(&self) -> Option<String> {
        self.args
            .iter()
            .enumerate()
            .find_map(|(i, a)| match a {
                ArgClass::Unsupported(why) => Some(format!("argument {}: {why}", i + 1)),
                _ => None,
            })
            .or_else(|| match &self.ret {
                RetClass::Unsupported(why) => Some(format!("result: {why}")),
                RetClass::X87 { .. } => Some(
                    "result: a struct holding a long double is returned in st(0), which only \
                     trampolines and libffi read"
                        .into(),
                ),
                _ => None,
            })
    }
}

/// Why a plan cannot be made at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanError(pub String);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlanError {}

/// A scalar member of a (possibly nested) aggregate, at a byte offset.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) struct Leaf {
    pub offset: u64,
    pub size: u64,
    pub kind: LeafKind,
    /// The member is not aligned (packed): it, or a record holding it, sits at an offset that
    /// is not a multiple of its type's alignment, or its offset from the start of the
    /// outermost aggregate is not a multiple of its own size (at most 16). The second is gcc's
    /// rule on x86-64 (`classify_argument`: a scalar whose bit offset is not a multiple of its
    /// mode's size makes the aggregate MEMORY): a packed record at an odd offset of an
    /// unpacked one makes its `short` unaligned though the record's alignment is 1.
    pub unaligned: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum LeafKind {
    Int,
    Float,
    /// `long double` (x87 on x86-64).
    LongDouble,
    /// `_Float128`, `__int128`: 16-byte scalars.
    Wide,
    /// A GCC vector (`__attribute__((vector_size(N)))`), of `size` bytes.
    Vector,
}

/// Walks the scalar members of `ty` at `base`, calling `f` for each.
pub(crate) fn leaves(
    t: &TypeTable,
    target: &Target,
    ty: TypeId,
    base: u64,
    f: &mut dyn FnMut(Leaf),
) {
    leaves_depth(t, target, ty, base, false, f, 0);
}

fn leaves_depth(
    t: &TypeTable,
    target: &Target,
    ty: TypeId,
    base: u64,
    unaligned: bool,
    f: &mut dyn FnMut(Leaf),
    depth: u32,
) {
    if depth > 64 {
        return;
    }
    let Ok(l) = layout::layout_of(t, target, ty) else {
        return;
    };
    // A scalar of `size` bytes at `offset` (from the outermost aggregate) is unaligned if the
    // offset is not a multiple of its size (at most 16), as gcc classifies.
    let un =
        |offset: u64, size: u64| unaligned || (size > 0 && !offset.is_multiple_of(size.min(16)));
    match t.raw_type(ty) {
        CType::Record(r) => {
            let Some(body) = &r.body else { return };
            for fld in &body.fields {
                match fld.bit_width {
                    Some(0) => {}
                    Some(w) => {
                        // A bit-field: integer class over the bytes it covers.
                        let first = fld.bit_offset / 8;
                        let last = (fld.bit_offset + u64::from(w) - 1) / 8;
                        f(Leaf {
                            offset: base + first,
                            size: last - first + 1,
                            kind: LeafKind::Int,
                            unaligned: false,
                        });
                    }
                    None => {
                        let fa = layout::layout_of(t, target, fld.ty)
                            .map(|l| l.align)
                            .unwrap_or(1);
                        let un = unaligned || (fa > 0 && fld.offset % fa != 0);
                        leaves_depth(t, target, fld.ty, base + fld.offset, un, f, depth + 1);
                    }
                }
            }
        }
        CType::Array { elem, len: Some(n) } => {
            let es = layout::layout_of(t, target, *elem)
                .map(|l| l.size)
                .unwrap_or(0);
            for i in 0..*n {
                leaves_depth(t, target, *elem, base + i * es, unaligned, f, depth + 1);
            }
        }
        CType::Array { len: None, .. } => {}
        CType::Vector { .. } => f(Leaf {
            offset: base,
            size: l.size,
            kind: LeafKind::Vector,
            unaligned: un(base, l.size),
        }),
        CType::Prim(p) => {
            let kind = match p {
                Prim::Float | Prim::Double => LeafKind::Float,
                Prim::FloatComplex | Prim::DoubleComplex => {
                    // Two floating parts.
                    let half = l.size / 2;
                    f(Leaf {
                        offset: base,
                        size: half,
                        kind: LeafKind::Float,
                        unaligned: un(base, half),
                    });
                    f(Leaf {
                        offset: base + half,
                        size: half,
                        kind: LeafKind::Float,
                        unaligned: un(base + half, half),
                    });
                    return;
                }
                Prim::LongDouble | Prim::LongDoubleComplex => LeafKind::LongDouble,
                Prim::Int128 | Prim::UInt128 | Prim::Float128 => LeafKind::Wide,
                _ => LeafKind::Int,
            };
            f(Leaf {
                offset: base,
                size: l.size,
                kind,
                unaligned: un(base, l.size),
            });
        }
        CType::Enum(_) | CType::Pointer(_) => f(Leaf {
            offset: base,
            size: l.size,
            kind: LeafKind::Int,
            unaligned: un(base, l.size),
        }),
        _ => {}
    }
}

/// The plan for calling a function of type `func` (a `CType::Func`, possibly behind typedefs)
/// with `tail` as the C types of the variadic arguments (already promoted), for `target`.
///
/// # Errors
///
/// [`PlanError`] if `func` is not a function type or a type has no layout. Arguments that
/// cannot be passed are planned as [`ArgClass::Unsupported`], not errors.
pub fn plan_call(
    t: &TypeTable,
    target: &Target,
    func: TypeId,
    tail: &[TypeId],
) -> Result<CallPlan, PlanError> {
    let f = t
        .as_func(func)
        .ok_or_else(|| PlanError(format!("'{}' is not a function type", t.display(func))))?;
    if !f.variadic && !tail.is_empty() {
        return Err(PlanError(
            "variadic arguments given to a non-variadic function".into(),
        ));
    }
    let mut all: Vec<TypeId> = f.params.clone();
    all.extend_from_slice(tail);
    match target.arch {
        layout::Arch::X86_64 => Ok(sysv_x64::classify(
            t,
            target,
            &all,
            f.ret,
            f.params.len(),
            f.variadic,
        )),
        layout::Arch::Aarch64 => Ok(aarch64::classify(
            t,
            target,
            &all,
            f.ret,
            f.params.len(),
            f.variadic,
        )),
    }
}

/// The class of a scalar argument (`Unsupported` for what cannot be passed by value), counting
/// the integer or floating-point register it takes (the callers cap the counts).
pub(crate) fn scalar_arg(
    t: &TypeTable,
    target: &Target,
    ty: TypeId,
    ints: &mut usize,
    floats: &mut usize,
) -> ArgClass {
    match scalar(t, target, ty) {
        Some(a) => {
            match a {
                ArgClass::F32 | ArgClass::F64 => *floats += 1,
                ArgClass::Int { .. } | ArgClass::Ptr => *ints += 1,
                _ => {}
            }
            a
        }
        None => ArgClass::Unsupported(format!("cannot pass '{}' by value", t.display(ty))),
    }
}

/// The scalar class of a non-aggregate type, shared by every ABI.
pub(crate) fn scalar(t: &TypeTable, target: &Target, ty: TypeId) -> Option<ArgClass> {
    Some(match t.raw_type(ty) {
        CType::Prim(Prim::Bool) => ArgClass::Int {
            bytes: 1,
            signed: false,
        },
        CType::Prim(Prim::Float) => ArgClass::F32,
        CType::Prim(Prim::Double) => ArgClass::F64,
        CType::Prim(p @ Prim::LongDouble) => ArgClass::Unsupported(format!(
            "'{}' is passed by register trampolines and libffi only (no Cranelift lowering)",
            p.c_name()
        )),
        CType::Prim(p @ Prim::LongDoubleComplex) => {
            ArgClass::Unsupported(format!("'{}' is passed by libffi only", p.c_name()))
        }
        CType::Prim(p @ (Prim::Int128 | Prim::UInt128)) => ArgClass::Unsupported(format!(
            "'{}' is passed by register trampolines and libffi only (no Cranelift lowering)",
            p.c_name()
        )),
        CType::Prim(p @ Prim::Float128) => ArgClass::Unsupported(format!(
            "'{}' values are sized but not callable yet",
            p.c_name()
        )),
        CType::Prim(p) if p.is_integer() => {
            let size = target.prim(*p).0;
            ArgClass::Int {
                bytes: u8::try_from(size).unwrap_or(8),
                signed: p.is_signed(target.char_signed),
            }
        }
        CType::Enum(e) => match &e.body {
            Some(b) => ArgClass::Int {
                bytes: u8::try_from(target.prim(b.underlying).0).unwrap_or(8),
                signed: b.underlying.is_signed(target.char_signed),
            },
            None => ArgClass::Unsupported(format!("'{}' is an incomplete enum", t.display(ty))),
        },
        CType::Pointer(_) => ArgClass::Ptr,
        CType::Vector { .. } => ArgClass::Unsupported(vector_not_callable(t, ty)),
        _ => return None,
    })
}

/// Why a vector cannot be passed: System V x86-64 passes 16- and 32-byte vectors whole in one
/// vector register (classes SSE + SSEUP), which a plan of 8-byte parts cannot express, and
/// smaller ones by rules gcc does not apply uniformly (a 4-byte `float` vector goes on the
/// stack, a 4-byte `char` vector in a general register); `Value` has no vector payload yet.
pub(crate) fn vector_not_callable(t: &TypeTable, ty: TypeId) -> String {
    format!(
        "vector type '{}' is not callable: jitffi's call plans cannot express vector registers (System V class SSEUP)",
        t.display(ty)
    )
}

/// A record's size (as the plan stores it) and alignment, or why it cannot be planned.
/// Whether `ty` is passed as an aggregate: a struct or union, or `float _Complex` / `double
/// _Complex`, which every ABI here classifies as a struct of its two parts.
pub(crate) fn is_aggregate(t: &TypeTable, ty: TypeId) -> bool {
    matches!(
        t.raw_type(ty),
        CType::Record(_) | CType::Prim(Prim::FloatComplex | Prim::DoubleComplex)
    )
}

pub(crate) fn record_size(
    t: &TypeTable,
    target: &Target,
    ty: TypeId,
) -> Result<(u32, u64), String> {
    let l = layout::layout_of(t, target, ty).map_err(|e| e.to_string())?;
    let size = u32::try_from(l.size).map_err(|_| "aggregate too large".to_string())?;
    Ok((size, l.align))
}

pub(crate) fn ret_from_arg(a: ArgClass) -> RetClass {
    match a {
        ArgClass::Int { bytes, signed } => RetClass::Int { bytes, signed },
        ArgClass::F32 => RetClass::F32,
        ArgClass::F64 => RetClass::F64,
        ArgClass::Ptr => RetClass::Ptr,
        ArgClass::Unsupported(w) => RetClass::Unsupported(w),
        other => RetClass::Unsupported(format!("internal: {other:?} as a result")),
    }
}

#[cfg(test)]
mod vector_tests {
    use super::{ArgClass, RetClass, plan_call};
    use crate::Ffi;

    #[test]
    fn vectors_are_refused_with_the_type_and_the_reason() {
        let ffi = Ffi::with_target(crate::Target::x86_64_sysv());
        ffi.cdef(
            "typedef float v4sf __attribute__((vector_size(16)));
             typedef float v2sf __attribute__((vector_size(8)));
             struct wrap { v2sf v; };
             v4sf scale(v4sf x, float k);
             struct wrap wrapped(struct wrap w);",
        )
        .unwrap();
        let t = ffi.types();
        let target = ffi.target();
        let scale = plan_call(&t, target, t.function("scale").unwrap().ty, &[]).unwrap();
        let why = "vector type 'v4sf' is not callable: jitffi's call plans cannot express vector registers (System V class SSEUP)";
        assert_eq!(scale.args[0], ArgClass::Unsupported(why.into()));
        assert_eq!(scale.ret, RetClass::Unsupported(why.into()));
        assert_eq!(scale.args[1], ArgClass::F32);
        let wrapped = plan_call(&t, target, t.function("wrapped").unwrap().ty, &[]).unwrap();
        assert!(
            wrapped
                .unsupported()
                .is_some_and(|w| w.contains("vector member") && w.contains("'struct wrap'")),
            "{wrapped:?}"
        );
    }
}
