//! System V x86-64 classification (AMD64 ABI 1.0, section 3.2.3), as gcc and clang implement it.
//!
//! - Integers, pointers, `_Bool` and enums: class INTEGER, in `rdi rsi rdx rcx r8 r9`, then on
//!   the stack. Callers extend `_Bool`, `char` and `short` to 32 bits (clang relies on it; gcc
//!   does not care), so the plan records size and signedness.
//! - `float` and `double`: class SSE, in `xmm0`–`xmm7`, then on the stack.
//! - Aggregates of at most 16 bytes are split into eightbytes, each classified by merging the
//!   classes of the scalars it holds (INTEGER wins over SSE); an aggregate with an unaligned
//!   member, a `long double` (X87) or more than 16 bytes is MEMORY: copied onto the stack.
//!   An aggregate goes into registers only if all of its eightbytes find a register, otherwise
//!   the whole of it goes on the stack and later arguments may still take registers.
//! - Results: INTEGER eightbytes in `rax`, `rdx`; SSE in `xmm0`, `xmm1`; MEMORY results are
//!   written through a hidden pointer passed in `rdi` (which then takes a register from the
//!   arguments) and returned in `rax`.
//! - Variadic calls pass the number of vector registers used in `al` (an upper bound is fine).
//! - `long double` (x87) and `__int128` are not planned here (`Unsupported`): untyped calls'
//!   trampolines (`jit/trampoline.rs`, `locations`) and libffi place them from their
//!   conversions.
#![forbid(unsafe_code)]
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

use super::{
    ArgClass, CallPlan, LeafKind, Part, RegClass, RetClass, leaves, ret_from_arg, scalar,
    scalar_arg,
};
use crate::ctype::{CType, Prim, TypeId, TypeTable};
use crate::layout::{self, Target};

/// Argument registers available for integers and for floating-point values.
const GPRS: usize = 6;
const XMMS: usize = 8;

/// The eightbyte classes of an aggregate.
#[derive(Clone, Debug, PartialEq)]
enum Agg {
    Regs(Vec<Part>),
    Memory,
    Unsupported(String),
}

/// An eightbyte's class while merging (System V 3.2.3).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Class {
    Int,
    Sse,
    X87,
    X87Up,
    Mem,
}

/// The merge of an eightbyte's class so far with a member's, by the ABI's rules in gcc's
/// order: equal stays; nothing takes the other; MEMORY wins; then INTEGER; then X87 or X87UP
/// on either side makes MEMORY; else SSE.
fn merge(a: Option<Class>, b: Class) -> Class {
    match (a, b) {
        (None, b) => b,
        (Some(a), b) if a == b => a,
        (Some(Class::Mem), _) | (_, Class::Mem) => Class::Mem,
        (Some(Class::Int), _) | (_, Class::Int) => Class::Int,
        (Some(Class::X87 | Class::X87Up), _) | (_, Class::X87 | Class::X87Up) => Class::Mem,
        _ => Class::Sse,
    }
}

fn classify_aggregate(t: &TypeTable, target: &Target, ty: TypeId) -> Agg {
    let Ok(l) = layout::layout_of(t, target, ty) else {
        return Agg::Unsupported(format!("'{}' has no layout", t.display(ty)));
    };
    if l.size == 0 {
        return Agg::Unsupported(format!(
            "empty aggregate '{}' cannot be passed by value",
            t.display(ty)
        ));
    }
    if l.size > 16 {
        return Agg::Memory;
    }
    let n = usize::try_from(l.size.div_ceil(8)).unwrap_or(2);
    let mut classes: Vec<Option<Class>> = vec![None; n];
    let mut memory = false;
    let mut unsupported: Option<String> = None;
    leaves(t, target, ty, 0, &mut |leaf| {
        if leaf.unaligned {
            memory = true;
            return;
        }
        match leaf.kind {
            // X87 and X87UP, merged with what shares the eightbytes: an INTEGER member over
            // them wins (gcc's merge_classes rule 4 before rule 5), anything else makes the
            // aggregate MEMORY.
            LeafKind::LongDouble => {
                let first = usize::try_from(leaf.offset / 8).unwrap_or(0);
                for (k, c) in [Class::X87, Class::X87Up].into_iter().enumerate() {
                    if let Some(slot) = classes.get_mut(first + k) {
                        *slot = Some(merge(*slot, c));
                    }
                }
            }
            LeafKind::Vector => {
                unsupported = Some(format!(
                    "'{}' has a vector member, which jitffi's call plans cannot pass (System V vector classes)",
                    t.display(ty)
                ));
            }
            LeafKind::Wide => {
                unsupported = Some("a 16-byte scalar member ('__int128' or '_Float128')".into())
            }
            LeafKind::Int | LeafKind::Float => {
                let first = usize::try_from(leaf.offset / 8).unwrap_or(0);
                let last = usize::try_from((leaf.offset + leaf.size.max(1) - 1) / 8).unwrap_or(0);
                let class = if leaf.kind == LeafKind::Int {
                    Class::Int
                } else {
                    Class::Sse
                };
                for c in classes.iter_mut().take(last + 1).skip(first) {
                    *c = Some(merge(*c, class));
                }
            }
        }
    });
    if let Some(u) = unsupported {
        return Agg::Unsupported(u);
    }
    // Post-merger: a MEMORY eightbyte, or an X87/X87UP one no INTEGER member overrode (an
    // argument of X87 class goes in memory; a result of a lone long double is `one_long_double`).
    if memory
        || classes
            .iter()
            .any(|c| matches!(c, Some(Class::Mem | Class::X87 | Class::X87Up)))
    {
        return Agg::Memory;
    }
    let classes: Vec<Option<RegClass>> = classes
        .iter()
        .map(|c| {
            c.map(|c| match c {
                Class::Sse => RegClass::Float,
                _ => RegClass::Int,
            })
        })
        .collect();
    let size = u32::try_from(l.size).unwrap_or(16);
    // A padding-only last eightbyte (NO_CLASS: `{ _Alignas(16) short a; }` is 16 bytes, 8 of
    // them padding) takes no register: gcc passes that struct in one and the next argument
    // in the register after it. (The first eightbyte always holds the member at offset 0.)
    let used = classes
        .iter()
        .rposition(Option::is_some)
        .map_or(0, |i| i + 1);
    let parts = classes[..used]
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let offset = u32::try_from(i * 8).unwrap_or(0);
            Part {
                class: c.unwrap_or(RegClass::Int),
                offset,
                size: (size - offset).min(8),
            }
        })
        .collect();
    Agg::Regs(parts)
}

/// Whether the aggregate `ty` is 16 bytes holding one aligned `long double` at offset 0 (a
/// struct, a union, an array of one, nested): classes X87 and X87UP, which a result is
/// returned by in `st(0)` (an argument of it goes to memory, as every X87 class does).
fn one_long_double(t: &TypeTable, target: &Target, ty: TypeId) -> bool {
    if !layout::layout_of(t, target, ty).is_ok_and(|l| l.size == 16) {
        return false;
    }
    let mut leaves_seen = Vec::new();
    leaves(t, target, ty, 0, &mut |leaf| leaves_seen.push(leaf));
    matches!(
        leaves_seen.as_slice(),
        [leaf] if leaf.kind == LeafKind::LongDouble && leaf.offset == 0 && !leaf.unaligned
    )
}

/// Classifies a call for System V x86-64: `all` are the C types of every argument (fixed and promoted variadic).
pub fn classify(
    t: &TypeTable,
    target: &Target,
    all: &[TypeId],
    ret: TypeId,
    n_fixed: usize,
    variadic: bool,
) -> CallPlan {
    let mut gprs = 0usize;
    let mut xmms = 0usize;
    let ret_class = match t.raw_type(ret) {
        CType::Void => RetClass::Void,
        _ if super::is_aggregate(t, ret) && one_long_double(t, target, ret) => {
            RetClass::X87 { size: 16 }
        }
        _ if super::is_aggregate(t, ret) => match classify_aggregate(t, target, ret) {
            Agg::Regs(parts) => {
                let size = layout::layout_of(t, target, ret)
                    .map(|l| l.size)
                    .unwrap_or(0);
                RetClass::StructRegs {
                    parts,
                    size: u32::try_from(size).unwrap_or(0),
                }
            }
            Agg::Memory => {
                gprs += 1; // the hidden pointer takes rdi
                let size = layout::layout_of(t, target, ret)
                    .map(|l| l.size)
                    .unwrap_or(0);
                RetClass::Sret {
                    size: u32::try_from(size).unwrap_or(0),
                }
            }
            Agg::Unsupported(w) => RetClass::Unsupported(w),
        },
        _ => match scalar(t, target, ret) {
            Some(a) => ret_from_arg(a),
            None => RetClass::Unsupported(format!("cannot return '{}'", t.display(ret))),
        },
    };
    let mut args = Vec::with_capacity(all.len());
    for &ty in all {
        let class = match t.raw_type(ty) {
            _ if super::is_aggregate(t, ty) => {
                let l = layout::layout_of(t, target, ty);
                let (size, align) = l.map(|l| (l.size, l.align)).unwrap_or((0, 1));
                let (size, align) = (
                    u32::try_from(size).unwrap_or(u32::MAX),
                    u32::try_from(align).unwrap_or(8),
                );
                match classify_aggregate(t, target, ty) {
                    Agg::Regs(parts) => {
                        let need_int = parts.iter().filter(|p| p.class == RegClass::Int).count();
                        let need_sse = parts.len() - need_int;
                        // Only the classes the struct uses must have registers left (integer
                        // arguments past the sixth do not stop a float struct from using xmm).
                        let ints_fit = need_int == 0 || gprs + need_int <= GPRS;
                        let sses_fit = need_sse == 0 || xmms + need_sse <= XMMS;
                        if ints_fit && sses_fit {
                            gprs += need_int;
                            xmms += need_sse;
                            ArgClass::StructRegs { parts, size, align }
                        } else {
                            ArgClass::StructStack { size, align, parts }
                        }
                    }
                    Agg::Memory => ArgClass::StructStack {
                        size,
                        align,
                        parts: Vec::new(),
                    },
                    Agg::Unsupported(w) => ArgClass::Unsupported(w),
                }
            }
            // An `__int128` stays `Unsupported` here (no stub lowers it; the untyped trampoline
            // places it from its conversion), but it takes a pair of integer registers when
            // two are left, which the arguments after it must not be given.
            CType::Prim(Prim::Int128 | Prim::UInt128) => {
                if gprs + 2 <= GPRS {
                    gprs += 2;
                }
                scalar_arg(t, target, ty, &mut gprs, &mut xmms)
            }
            _ => scalar_arg(t, target, ty, &mut gprs, &mut xmms),
        };
        args.push(class);
    }
    CallPlan {
        args,
        ret: ret_class,
        n_fixed,
        variadic,
        vector_regs: u8::try_from(xmms.min(XMMS)).unwrap_or(8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;

    fn plan(decls: &str, f: &str) -> CallPlan {
        let ffi = Ffi::with_target(Target::x86_64_sysv());
        ffi.cdef(decls).expect("cdef");
        let t = ffi.types();
        let func = t.function(f).expect("declared").ty;
        crate::plan::plan_call(&t, ffi.target(), func, &[]).expect("plan")
    }

    fn parts(p: &[(RegClass, u32, u32)]) -> Vec<Part> {
        p.iter()
            .map(|&(class, offset, size)| Part {
                class,
                offset,
                size,
            })
            .collect()
    }

    #[test]
    fn a_packed_record_at_an_odd_offset_makes_the_aggregate_memory() {
        // gcc 12 passes both on the stack: `short s` lies at byte 1 of the outer record (its
        // own record, packed, has alignment 1 and sits at offset 1, so no member is misplaced
        // relative to its record; gcc checks the offset from the outermost aggregate).
        for decls in [
            "struct in { short s; short t; int i; } __attribute__((packed)); \
             struct out { char c; struct in v; char pad[7]; }; void f(struct out);",
            "typedef struct { short a, b; float f; char c; } __attribute__((packed)) t2; \
             typedef struct { t2 m; _Bool b; } t6; \
             struct out { char c; t6 m; float f; }; void f(struct out);",
        ] {
            let p = plan(decls, "f");
            assert!(
                matches!(p.args[0], ArgClass::StructStack { .. }),
                "{decls}: {:?}",
                p.args[0]
            );
        }
        // A complex float at offset 4 is two floats, each aligned: registers (gcc >= 4.4).
        let p = plan(
            "struct cz { float a; float _Complex z; }; void f(struct cz);",
            "f",
        );
        assert!(
            matches!(p.args[0], ArgClass::StructRegs { .. }),
            "{:?}",
            p.args[0]
        );
    }

    #[test]
    fn a_struct_of_one_long_double_is_returned_in_st0_and_passed_in_memory() {
        // gcc 12: `fldt 8(%rsp); fadd; ret` for `struct ld1 mk(long double)`.
        for decls in [
            "struct s { long double x; }; struct s f(struct s);",
            "union s { long double x; }; union s f(union s);",
            "struct s { long double x[1]; }; struct s f(struct s);",
        ] {
            let p = plan(decls, "f");
            assert_eq!(p.ret, RetClass::X87 { size: 16 }, "{decls}");
            assert!(
                matches!(p.args[0], ArgClass::StructStack { size: 16, .. }),
                "{decls}"
            );
        }
        let p = plan("struct s { long double x; int k; }; struct s f(void);", "f");
        assert_eq!(p.ret, RetClass::Sret { size: 32 });
    }

    #[test]
    fn an_integer_member_over_a_long_double_wins_its_eightbytes() {
        // gcc's merge_classes: INTEGER (rule 4) before X87 -> MEMORY (rule 5). This union went
        // to memory on every backend while gcc passes it in two registers (found by the wide
        // random corpus, seed 2).
        let p = plan(
            "union u { int a[2]; long double x[1]; struct { void *p; unsigned long q; } s; }; \
             void f(union u);",
            "f",
        );
        assert!(
            matches!(p.args[0], ArgClass::StructRegs { .. }),
            "{:?}",
            p.args[0]
        );
        // Only one eightbyte overridden: X87UP alone, MEMORY.
        let p = plan("union u { long x; long double y; }; void f(union u);", "f");
        assert!(
            matches!(p.args[0], ArgClass::StructStack { .. }),
            "{:?}",
            p.args[0]
        );
        // A float over a long double: MEMORY (rule 5).
        let p = plan(
            "union u { double d[2]; long double y; }; void f(union u);",
            "f",
        );
        assert!(
            matches!(p.args[0], ArgClass::StructStack { .. }),
            "{:?}",
            p.args[0]
        );
    }

    #[test]
    fn an_int128_takes_a_register_pair_from_what_follows() {
        // rdi, then rsi:rdx, rcx:r8 for the two __int128s: the struct's two integer eightbytes
        // no longer fit (r9 alone) and go to the stack, as gcc passes them.
        let p = plan(
            "struct s { long a, b; }; void f(int, __int128, unsigned __int128, struct s);",
            "f",
        );
        assert!(
            matches!(p.args[3], ArgClass::StructStack { size: 16, .. }),
            "{:?}",
            p.args[3]
        );
        // With one register left, an __int128 takes none: the struct still fits.
        let p = plan(
            "struct s { long a; }; void f(long, long, long, long, long, __int128, struct s);",
            "f",
        );
        assert!(
            matches!(p.args[6], ArgClass::StructRegs { .. }),
            "{:?}",
            p.args[6]
        );
    }

    #[test]
    fn mixed_eightbytes() {
        let p = plan("struct s { double d; long l; }; void f(struct s);", "f");
        assert_eq!(
            p.args[0],
            ArgClass::StructRegs {
                parts: parts(&[(RegClass::Float, 0, 8), (RegClass::Int, 8, 8)]),
                size: 16,
                align: 8
            }
        );
        let p = plan("struct s { float a, b; int c; }; void f(struct s);", "f");
        assert_eq!(
            p.args[0],
            ArgClass::StructRegs {
                parts: parts(&[(RegClass::Float, 0, 8), (RegClass::Int, 8, 4)]),
                size: 12,
                align: 4
            }
        );
        let p = plan("struct s { float a; int b; }; void f(struct s);", "f");
        assert_eq!(
            p.args[0],
            ArgClass::StructRegs {
                parts: parts(&[(RegClass::Int, 0, 8)]),
                size: 8,
                align: 4
            }
        );
    }

    #[test]
    fn memory_cases() {
        let p = plan(
            "struct big { long a, b, c; }; struct big f(struct big);",
            "f",
        );
        assert_eq!(p.ret, RetClass::Sret { size: 24 });
        assert_eq!(
            p.args[0],
            ArgClass::StructStack {
                size: 24,
                align: 8,
                parts: vec![]
            }
        );
        let p = plan(
            "struct __attribute__((packed)) pk { char c; int i; }; void f(struct pk);",
            "f",
        );
        assert_eq!(
            p.args[0],
            ArgClass::StructStack {
                size: 5,
                align: 1,
                parts: vec![]
            }
        );
        let p = plan("struct ld { long double x; }; void f(struct ld);", "f");
        assert_eq!(
            p.args[0],
            ArgClass::StructStack {
                size: 16,
                align: 16,
                parts: vec![]
            }
        );
    }

    #[test]
    fn registers_run_out_for_whole_structs() {
        // Five integers take rdi..r8; a two-eightbyte integer struct no longer fits in r9 alone,
        // so it goes on the stack, and the int after it still takes r9.
        let p = plan(
            "struct two { long a, b; }; void f(int, int, int, int, int, struct two, int);",
            "f",
        );
        assert_eq!(
            p.args[5],
            ArgClass::StructStack {
                size: 16,
                align: 8,
                parts: parts(&[(RegClass::Int, 0, 8), (RegClass::Int, 8, 8)])
            }
        );
        assert_eq!(
            p.args[6],
            ArgClass::Int {
                bytes: 4,
                signed: true
            }
        );
    }

    #[test]
    fn a_float_struct_after_the_integer_registers_run_out() {
        // Found by the differential test: seven integers exhaust the GPRs, a one-float struct
        // still takes xmm0.
        let p = plan(
            "struct f { float x; }; void f(int, int, int, int, int, int, int, struct f);",
            "f",
        );
        assert_eq!(
            p.args[7],
            ArgClass::StructRegs {
                parts: parts(&[(RegClass::Float, 0, 4)]),
                size: 4,
                align: 4
            }
        );
    }

    #[test]
    fn scalars_and_results() {
        let p = plan(
            "unsigned char f(signed char, _Bool, double, float, void *);",
            "f",
        );
        assert_eq!(
            p.ret,
            RetClass::Int {
                bytes: 1,
                signed: false
            }
        );
        assert_eq!(
            p.args[0],
            ArgClass::Int {
                bytes: 1,
                signed: true
            }
        );
        assert_eq!(
            p.args[1],
            ArgClass::Int {
                bytes: 1,
                signed: false
            }
        );
        assert_eq!(p.args[2], ArgClass::F64);
        assert_eq!(p.args[3], ArgClass::F32);
        assert_eq!(p.args[4], ArgClass::Ptr);
        assert_eq!(p.vector_regs, 2);
        let p = plan("long double f(long double);", "f");
        assert!(p.unsupported().is_some());
    }
}
