//! Register trampolines: x86-64 machine code, emitted directly (no Cranelift), that loads each
//! argument into its System V register or stack slot and transfers to the C function, which
//! returns straight to the caller.
//!
//! Every trampoline is called as `extern "C" fn(a0, a1, ret, target) -> R`: `a0` the argument
//! slots (prepared calls) or `Value`s (untyped calls), `a1` the untyped call's refusal flag,
//! `ret` the hidden result pointer of a struct returned in memory, `target` the C function
//! (in `rcx`), and `R` the C function's own result type. The code depends on the signature
//! only, so one trampoline serves every function of a signature, function pointers included.
//! A signature whose arguments all travel in registers gets `mov r10, rdi`, `mov r11, rcx`,
//! one load per argument or struct part relative to `r10` (or to `rax`, loaded with the
//! struct's address; narrow integers sign- or zero-extended to 32 bits, as C callers do) and
//! `jmp r11`: the trampoline keeps no frame, so the C function's `ret` returns to the
//! trampoline's caller with the result in `rax`/`rdx`/`xmm0`/`xmm1`. Stack arguments get a
//! frame, an outgoing area and a `call` instead of the jump.

use crate::plan::{ArgClass, CallPlan, Part, RegClass, RetClass};
use crate::value::{self, Conv};

/// System V integer argument registers, by hardware number: rdi, rsi, rdx, rcx, r8, r9.
const INT_REGS: [u8; 6] = [7, 6, 2, 1, 8, 9];

/// The base register of a load: `r10` (the slots) or `rax` (a struct's bytes).
#[derive(Copy, Clone, PartialEq, Eq)]
enum Base {
    R10,
    Rax,
}

impl Base {
    /// REX.B for the base.
    fn rex_b(self) -> u8 {
        match self {
            Base::R10 => 0x01,
            Base::Rax => 0,
        }
    }
}

/// ModRM + disp32 for `[base + disp]` with register `reg` in the reg field (neither base
/// needs a SIB byte: only rsp/r12 do).
fn modrm(code: &mut Vec<u8>, reg: u8, base: Base, disp: i32) {
    let rm = match base {
        Base::R10 => 0b010,
        Base::Rax => 0b000,
    };
    code.push(0x80 | ((reg & 7) << 3) | rm);
    code.extend_from_slice(&disp.to_le_bytes());
}

/// Loads an integer of `bytes` bytes at `[base + disp]` into integer register `reg`,
/// sign- or zero-extended to 32 bits (64 for 8 bytes). `None` for other sizes.
fn load_int(
    code: &mut Vec<u8>,
    reg: u8,
    base: Base,
    disp: i32,
    bytes: u32,
    signed: bool,
) -> Option<()> {
    let rex_r = if reg >= 8 { 0x04 } else { 0 };
    let rex = 0x40 | rex_r | base.rex_b();
    match (bytes, signed) {
        (1 | 2, _) => {
            // movsx/movzx r32, byte/word [base + disp]
            let op = match (bytes, signed) {
                (1, true) => 0xbe,
                (1, false) => 0xb6,
                (_, true) => 0xbf,
                (_, false) => 0xb7,
            };
            if rex != 0x40 {
                code.push(rex);
            }
            code.extend_from_slice(&[0x0f, op]);
        }
        (4, _) => {
            // mov r32, [base + disp]
            if rex != 0x40 {
                code.push(rex);
            }
            code.push(0x8b);
        }
        (8, _) => {
            // mov r64, [base + disp]
            code.extend_from_slice(&[rex | 0x08, 0x8b]);
        }
        _ => return None,
    }
    modrm(code, reg, base, disp);
    Some(())
}

/// Loads a struct's integer eightbyte of `bytes` bytes (1 to 8) at `[base + disp]` into
/// integer register `reg`, zero-extended, reading no byte past the part: sizes other than 1, 2,
/// 4 and 8 are assembled in the register itself (load the high bytes, shift, then merge the low
/// ones with a 1- or 2-byte move, which keeps the register's other bits), so no scratch
/// register is needed.
fn load_part(code: &mut Vec<u8>, reg: u8, base: Base, disp: i32, bytes: u32) -> Option<()> {
    // (offset of the high load, its size, then (shift, low size, low offset) merges)
    let merges: &[(u8, u32, i32)] = match bytes {
        1 | 2 | 4 | 8 => return load_int(code, reg, base, disp, bytes, false),
        3 => &[(16, 2, 0)],
        5 => &[(8, 1, 0)],
        6 => &[(16, 2, 0)],
        7 => &[(8, 1, 2), (16, 2, 0)],
        _ => return None,
    };
    let high = match bytes {
        3 => (2, 1),
        5 => (1, 4),
        6 => (2, 4),
        _ => (3, 4),
    };
    load_int(code, reg, base, disp + high.0, high.1, false)?;
    let rex_r = if reg >= 8 { 0x04 } else { 0 };
    let rex_b = if reg >= 8 { 0x01 } else { 0 };
    for &(shift, size, off) in merges {
        // shl r64, imm8
        code.extend_from_slice(&[0x48 | rex_b, 0xc1, 0xe0 | (reg & 7), shift]);
        if size == 2 {
            // mov r16, word [base + disp + off]
            code.push(0x66);
            let rex = 0x40 | rex_r | base.rex_b();
            if rex != 0x40 {
                code.push(rex);
            }
            code.push(0x8b);
        } else {
            // mov r8, byte [base + disp + off] (a REX prefix always: sil/dil need one)
            code.extend_from_slice(&[0x40 | rex_r | base.rex_b(), 0x8a]);
        }
        modrm(code, reg, base, disp + off);
    }
    Some(())
}

/// Loads a `float` (`single`) or `double` at `[base + disp]` into `xmm{reg}` (0 to 7).
fn load_float(code: &mut Vec<u8>, reg: u8, base: Base, disp: i32, single: bool) {
    code.push(if single { 0xf3 } else { 0xf2 });
    if base.rex_b() != 0 {
        code.push(0x40 | base.rex_b());
    }
    code.extend_from_slice(&[0x0f, 0x10]);
    modrm(code, reg, base, disp);
}

/// Where an argument goes: an integer register, a vector register, an 8-byte stack slot of
/// the outgoing area, or (a struct in registers) each part's register.
enum Loc {
    Int(u8),
    Xmm(u8),
    Stack(i32),
    Struct(Vec<(Part, u8)>),
    /// A struct copied into the outgoing area at 8-byte slot `slot`, `size` bytes.
    StackStruct {
        slot: i32,
        size: u32,
    },
}

/// System V's assignment of `plan`'s arguments, with the number of stack slots; `None` if an
/// argument is not one a trampoline passes. `wide` (untyped trampolines) gives the conversion
/// of each argument, for the two the plan leaves `Unsupported` (no other user of plans lowers
/// them): a `long double` (X87 class) is 16 bytes of memory on a 16-byte boundary of the
/// stack area; an `__int128` is two INTEGER eightbytes, in two registers if two are left,
/// else 16 bytes on a 16-byte boundary of the stack (and later arguments still take the
/// registers left).
fn locations(plan: &CallPlan, wide: Option<&[Conv]>) -> Option<(Vec<Loc>, i32)> {
    // A result in memory takes the first integer register for its hidden pointer.
    let sret = matches!(plan.ret, RetClass::Sret { .. });
    let (mut ints, mut floats, mut stack) = (usize::from(sret), 0u8, 0i32);
    let mut out = Vec::with_capacity(plan.args.len());
    let on_stack_16 = |stack: &mut i32| {
        if *stack % 2 == 1 {
            *stack += 1;
        }
        *stack += 2;
        Loc::StackStruct {
            slot: *stack - 2,
            size: 16,
        }
    };
    for (i, a) in plan.args.iter().enumerate() {
        let conv = wide.and_then(|c| c.get(i)).copied();
        out.push(match (a, conv) {
            (ArgClass::Unsupported(_), Some(Conv::LongDouble)) => on_stack_16(&mut stack),
            (ArgClass::Unsupported(_), Some(Conv::Int128 { .. })) => {
                if ints + 2 <= INT_REGS.len() {
                    let part = |offset| Part {
                        class: RegClass::Int,
                        offset,
                        size: 8,
                    };
                    ints += 2;
                    Loc::Struct(vec![
                        (part(0), INT_REGS[ints - 2]),
                        (part(8), INT_REGS[ints - 1]),
                    ])
                } else {
                    on_stack_16(&mut stack)
                }
            }
            (a, _) => match a {
                ArgClass::Int { .. } | ArgClass::Ptr => match INT_REGS.get(ints) {
                    Some(&r) => {
                        ints += 1;
                        Loc::Int(r)
                    }
                    None => {
                        stack += 1;
                        Loc::Stack(stack - 1)
                    }
                },
                ArgClass::F32 | ArgClass::F64 => {
                    if floats < 8 {
                        floats += 1;
                        Loc::Xmm(floats - 1)
                    } else {
                        stack += 1;
                        Loc::Stack(stack - 1)
                    }
                }
                ArgClass::StructRegs { parts, .. } => {
                    let mut regs = Vec::with_capacity(parts.len());
                    for p in parts {
                        match p.class {
                            RegClass::Int => {
                                regs.push((*p, *INT_REGS.get(ints)?));
                                ints += 1;
                            }
                            RegClass::Float => {
                                if floats >= 8 {
                                    return None;
                                }
                                regs.push((*p, floats));
                                floats += 1;
                            }
                        }
                    }
                    Loc::Struct(regs)
                }
                ArgClass::StructStack { size, align, .. } => {
                    if *align > 64 {
                        return None;
                    }
                    // System V (as gcc does it) puts a struct aligned to more than 8 on a
                    // boundary of its alignment in the area: 16, 32 or 64 bytes (the area
                    // itself is then aligned to it: `realign`).
                    let step = i32::try_from((*align / 8).max(1)).ok()?;
                    stack = (stack + step - 1) / step * step;
                    let slot = stack;
                    stack += i32::try_from(size.div_ceil(8)).ok()?;
                    Loc::StackStruct { slot, size: *size }
                }
                _ => return None,
            },
        });
    }
    Some((out, stack))
}

/// Emits the argument moves: for argument `i`, its payload is at `[r10 + payload(i)]`; a
/// struct's bytes are found by `struct_ptr`, which leaves their address in `rax`. Stack
/// arguments go through `r11` to `[rsp + 8 * slot]`.
fn emit_loads(
    code: &mut Vec<u8>,
    plan: &CallPlan,
    locs: &[Loc],
    payload: &dyn Fn(usize) -> Option<i32>,
    struct_ptr: &dyn Fn(&mut Vec<u8>, usize) -> Option<()>,
) -> Option<()> {
    for (i, (a, loc)) in plan.args.iter().zip(locs).enumerate() {
        let (bytes, signed) = match a {
            ArgClass::Int { bytes, signed } => (u32::from(*bytes), *signed),
            ArgClass::F32 => (4, false),
            _ => (8, false),
        };
        match loc {
            Loc::Int(r) => load_int(code, *r, Base::R10, payload(i)?, bytes, signed)?,
            Loc::Xmm(x) => load_float(code, *x, Base::R10, payload(i)?, matches!(a, ArgClass::F32)),
            Loc::Stack(slot) => {
                // mov r11, [r10 + d] (extended as in a register); mov [rsp + 8 * slot], r11
                load_int(code, 11, Base::R10, payload(i)?, bytes, signed)?;
                code.extend_from_slice(&[0x4c, 0x89, 0x9c, 0x24]);
                code.extend_from_slice(&(slot * 8).to_le_bytes());
            }
            Loc::StackStruct { slot, size } => {
                // Exactly `size` bytes from the struct to `[rsp + 8 * slot]`, through r11.
                struct_ptr(code, i)?;
                let mut at = 0u32;
                for step in [8u32, 4, 2, 1] {
                    while size - at >= step {
                        let off = i32::try_from(at).ok()?;
                        load_int(code, 11, Base::Rax, off, step, false)?;
                        // mov [rsp + d], r11 / r11d / r11w / r11b
                        match step {
                            8 => code.extend_from_slice(&[0x4c, 0x89]),
                            4 => code.extend_from_slice(&[0x44, 0x89]),
                            2 => code.extend_from_slice(&[0x66, 0x44, 0x89]),
                            _ => code.extend_from_slice(&[0x44, 0x88]),
                        }
                        code.extend_from_slice(&[0x9c, 0x24]);
                        code.extend_from_slice(&(slot * 8 + off).to_le_bytes());
                        at += step;
                    }
                }
            }
            Loc::Struct(parts) => {
                struct_ptr(code, i)?;
                for (p, r) in parts {
                    let off = i32::try_from(p.offset).ok()?;
                    match p.class {
                        RegClass::Int => load_part(code, *r, Base::Rax, off, p.size)?,
                        RegClass::Float => load_float(code, *r, Base::Rax, off, p.size == 4),
                    }
                }
            }
        }
    }
    Some(())
}

/// `push rbp; mov rbp, rsp`: a frame, for trampolines that pass stack arguments (they call the
/// function instead of jumping to it).
const PROLOGUE: [u8; 4] = [0x55, 0x48, 0x89, 0xe5];

/// `sub rsp, 16 * ceil(slots / 2 + 1)`: the outgoing argument area, 16-aligned at the call,
/// with 16 bytes above it for the saved target (`[rbp - 8]`), then `mov [rbp - 8], rcx`.
fn reserve(code: &mut Vec<u8>, slots: i32) {
    let bytes = (slots * 8 + 15) / 16 * 16 + 16;
    code.extend_from_slice(&[0x48, 0x81, 0xec]);
    code.extend_from_slice(&bytes.to_le_bytes());
    code.extend_from_slice(&[0x48, 0x89, 0x4d, 0xf8]);
}

/// `and rsp, -align` after `reserve` when a struct on the stack is aligned to more than 16
/// (32 or 64): the outgoing area starts on a boundary of that alignment, as the callee may
/// read the struct with aligned vector loads.
fn realign(code: &mut Vec<u8>, plan: &CallPlan) {
    let align = plan
        .args
        .iter()
        .filter_map(|a| match a {
            ArgClass::StructStack { align, .. } => Some(*align),
            _ => None,
        })
        .max()
        .unwrap_or(8);
    if align > 16 {
        // and rsp, imm8 (sign-extended): -32 or -64
        code.extend_from_slice(&[0x48, 0x83, 0xe4, (align.wrapping_neg() & 0xff) as u8]);
    }
}

/// `mov r11, rcx`: a trampoline without stack arguments keeps the target in `r11` (no
/// argument register, and none of its loads uses it).
const TARGET_TO_R11: [u8; 3] = [0x49, 0x89, 0xcb];

/// The transfer to the target: `jmp r11` without a frame, `call [rbp - 8]; leave; ret` with
/// one (the result stays in its registers either way); for a variadic call, `mov al, N` first
/// (System V passes the number of vector registers used in `al`). (Writing stack arguments
/// into slots the Rust caller reserves, then jumping, measured no faster than the frame for
/// sum10's four.)
fn transfer(code: &mut Vec<u8>, plan: &CallPlan, frame: bool) {
    if plan.variadic {
        code.extend_from_slice(&[0xb0, plan.vector_regs.min(8)]);
    }
    if frame {
        code.extend_from_slice(&[0xff, 0x55, 0xf8, 0xc9, 0xc3]);
    } else {
        code.extend_from_slice(&[0x41, 0xff, 0xe3]);
    }
}

/// Whether a trampoline can make this call: x86-64 System V and a result that comes back in
/// registers, or in memory through the hidden pointer (the arguments are checked by
/// [`locations`]).
fn supported(plan: &CallPlan) -> bool {
    cfg!(all(target_arch = "x86_64", not(windows)))
        && matches!(
            plan.ret,
            RetClass::Void
                | RetClass::Int { .. }
                | RetClass::F32
                | RetClass::F64
                | RetClass::Ptr
                | RetClass::StructRegs { .. }
                | RetClass::Sret { .. }
        )
}

/// Whether the result is a `long double` (x87 `st(0)`) or an `__int128` (`rax:rdx`), which
/// the plan leaves `Unsupported` and trampolines return from the result's conversion `ret`.
fn wide_ret(plan: &CallPlan, ret: Conv) -> (bool, bool) {
    let x86 = cfg!(all(target_arch = "x86_64", not(windows)));
    match (&plan.ret, ret) {
        (RetClass::Unsupported(_), Conv::LongDouble) | (RetClass::X87 { .. }, _) => (x86, false),
        (RetClass::Unsupported(_), Conv::Int128 { .. }) => (false, x86),
        _ => (false, false),
    }
}

/// After the loads of a trampoline returning a `long double`: `call [rbp - 8]` (after `mov al,
/// N` for a variadic call), then `mov rax, [rbp - 16]; fstp tbyte [rax]; leave; ret`: `st(0)`
/// stored through the result pointer saved at `[rbp - 16]`, and popped.
fn x87_transfer(code: &mut Vec<u8>, plan: &CallPlan) {
    if plan.variadic {
        code.extend_from_slice(&[0xb0, plan.vector_regs.min(8)]);
    }
    code.extend_from_slice(&[
        0xff, 0x55, 0xf8, 0x48, 0x8b, 0x45, 0xf0, 0xdb, 0x38, 0xc9, 0xc3,
    ]);
}

/// `mov [rbp - 16], rdx`: the result pointer of a `long double` result, kept for after the call.
const SAVE_RET: [u8; 4] = [0x48, 0x89, 0x55, 0xf0];

/// The prepared-call trampoline for `plan` with parameters converted by `convs` and the result
/// by `ret`, or `None` if the signature is not one it handles (see [`locations`]): argument
/// `i` is the 8-byte slot `i` of `a0`, holding the scalar, or the address of a struct's bytes
/// or of a `long double`'s or an `__int128`'s 16 bytes.
pub(crate) fn register_trampoline(plan: &CallPlan, convs: &[Conv], ret: Conv) -> Option<Vec<u8>> {
    let (ret_x87, ret_pair) = wide_ret(plan, ret);
    if !(supported(plan) || ret_x87 || ret_pair) || convs.len() != plan.args.len() {
        return None;
    }
    let (locs, slots) = locations(plan, Some(convs))?;
    let frame = slots > 0 || ret_x87;
    let mut code = Vec::new();
    if frame {
        code.extend_from_slice(&PROLOGUE);
        reserve(&mut code, slots);
        realign(&mut code, plan);
        if ret_x87 {
            code.extend_from_slice(&SAVE_RET);
        }
    } else {
        code.extend_from_slice(&TARGET_TO_R11);
    }
    // mov r10, rdi
    code.extend_from_slice(&[0x49, 0x89, 0xfa]);
    if let RetClass::Sret { .. } = plan.ret {
        // mov rdi, rdx: the caller's result buffer is the hidden pointer.
        code.extend_from_slice(&[0x48, 0x89, 0xd7]);
    }
    let slot = |i: usize| i32::try_from(i * 8).ok();
    emit_loads(&mut code, plan, &locs, &slot, &|code, i| {
        load_int(code, 0, Base::R10, slot(i)?, 8, false)
    })?;
    if ret_x87 {
        x87_transfer(&mut code, plan);
    } else {
        transfer(&mut code, plan, frame);
    }
    Some(code)
}

/// The untyped trampoline of a signature `plan` whose fixed arguments convert by `convs`:
/// `extern "C" fn(args: *const Value, slow: *mut u8, ret: *mut u8, target) -> R`, `R` the C
/// result (for a result in memory, `ret` is the hidden pointer, with room for it).
/// It checks every argument's tag (and a pointer's type id) exactly as the Cranelift stub does
/// (`stub.rs`, `arg_ok`); on a mismatch it stores 1 at `slow` and returns without calling
/// anything, else it loads each payload into its register and jumps to the C function, which
/// returns straight to the caller. A struct argument's value must have the parameter's type id
/// and size; its bytes are read from its data pointer, or inline when that is NULL, into
/// registers or, for a struct in memory, copied into the outgoing area. `None` for signatures
/// it cannot make (see [`locations`]).
///
/// `long double` and `__int128` (`ret` the result's conversion): their 16 bytes are the
/// value's payload; an `__int128` result comes back in `rax:rdx` (the caller reads a pair of
/// integer eightbytes), a `long double` in x87's `st(0)`, which the trampoline (with a frame
/// then) stores as 10 bytes at `ret` and pops, so the caller sees no result.
pub(crate) fn untyped_trampoline(plan: &CallPlan, convs: &[Conv], ret: Conv) -> Option<Vec<u8>> {
    let (ret_x87, ret_pair) = wide_ret(plan, ret);
    if !(supported(plan) || ret_x87 || ret_pair) || convs.len() != plan.args.len() {
        return None;
    }
    let value_size = std::mem::size_of::<value::Value<'static>>();
    let disp = |i: usize, off: i32| i32::try_from(i * value_size).ok().map(|d| d + off);
    let (locs, slots) = locations(plan, Some(convs))?;
    let frame = slots > 0 || ret_x87;
    let mut code = Vec::new();
    if frame {
        code.extend_from_slice(&PROLOGUE);
    }
    // mov r10, rdi; mov rax, rsi (the slow flag)
    code.extend_from_slice(&[0x49, 0x89, 0xfa, 0x48, 0x89, 0xf0]);
    // Offsets of rel32 fields that jump to the slow exit.
    let mut to_slow: Vec<usize> = Vec::new();
    let jcc = |code: &mut Vec<u8>, cc: u8| -> usize {
        code.extend_from_slice(&[0x0f, cc, 0, 0, 0, 0]);
        code.len() - 4
    };
    // cmp qword [r10 + d], imm8
    let cmp_tag = |code: &mut Vec<u8>, d: i32, t: u8| {
        code.extend_from_slice(&[0x49, 0x83, 0xba]);
        code.extend_from_slice(&d.to_le_bytes());
        code.push(t);
    };
    const JE: u8 = 0x84;
    const JNE: u8 = 0x85;
    // 1. Checks, with every argument register still free.
    for (i, conv) in convs.iter().enumerate() {
        let d0 = disp(i, 0)?;
        match *conv {
            Conv::Ptr { ty, chars } => {
                // tag == PTR && (type == UNTYPED || type == ty), or chars && tag == STR.
                let mut to_ok = Vec::new();
                if chars {
                    cmp_tag(&mut code, d0, value::tag::STR);
                    to_ok.push(jcc(&mut code, JE));
                }
                cmp_tag(&mut code, d0, value::tag::PTR);
                to_slow.push(jcc(&mut code, JNE));
                // mov r11d, [r10 + d + PTR_TYPE]
                code.extend_from_slice(&[0x45, 0x8b, 0x9a]);
                code.extend_from_slice(&disp(i, value::PTR_TYPE)?.to_le_bytes());
                // cmp r11d, imm32 (UNTYPED); je ok; cmp r11d, imm32 (ty); jne slow
                code.extend_from_slice(&[0x41, 0x81, 0xfb]);
                code.extend_from_slice(&value::UNTYPED.to_le_bytes());
                to_ok.push(jcc(&mut code, JE));
                code.extend_from_slice(&[0x41, 0x81, 0xfb]);
                code.extend_from_slice(&ty.0.to_le_bytes());
                to_slow.push(jcc(&mut code, JNE));
                let ok = code.len();
                for at in to_ok {
                    let rel = i32::try_from(ok - (at + 4)).ok()?;
                    code[at..at + 4].copy_from_slice(&rel.to_le_bytes());
                }
            }
            Conv::Bool
            | Conv::Int { .. }
            | Conv::F32
            | Conv::F64
            | Conv::LongDouble
            | Conv::Int128 { .. } => {
                cmp_tag(&mut code, d0, conv.canonical_tag());
                to_slow.push(jcc(&mut code, JNE));
            }
            Conv::Struct { ty, size } => {
                // tag == STRUCT && type id == ty && byte length == size
                cmp_tag(&mut code, d0, value::tag::STRUCT);
                to_slow.push(jcc(&mut code, JNE));
                for (off, imm) in [(value::STRUCT_TYPE, ty.0), (value::STRUCT_TYPE + 4, size)] {
                    // cmp dword [r10 + d], imm32
                    code.extend_from_slice(&[0x41, 0x81, 0xba]);
                    code.extend_from_slice(&disp(i, off)?.to_le_bytes());
                    code.extend_from_slice(&imm.to_le_bytes());
                    to_slow.push(jcc(&mut code, JNE));
                }
            }
            _ => return None,
        }
    }
    // 2. Loads, as the register trampoline does but from each value's payload; a struct's
    // bytes are its data pointer, or its inline bytes when that is NULL (rax is free now:
    // every check has passed): mov rax, [r10 + STRUCT_DATA]; test rax, rax; jnz +7;
    // lea rax, [r10 + STRUCT_INLINE].
    if frame {
        reserve(&mut code, slots);
        realign(&mut code, plan);
    } else {
        code.extend_from_slice(&TARGET_TO_R11);
    }
    if ret_x87 {
        code.extend_from_slice(&SAVE_RET);
    }
    if let RetClass::Sret { .. } = plan.ret {
        // mov rdi, rdx: the caller's result buffer is the hidden pointer (rdx is loaded with
        // an argument only below).
        code.extend_from_slice(&[0x48, 0x89, 0xd7]);
    }
    emit_loads(
        &mut code,
        plan,
        &locs,
        &|i| disp(i, value::PAYLOAD),
        &|code, i| {
            if let Some(Conv::LongDouble | Conv::Int128 { .. }) = convs.get(i) {
                // lea rax, [r10 + PAYLOAD]: the 16 bytes are the value's payload.
                code.extend_from_slice(&[0x49, 0x8d, 0x82]);
                code.extend_from_slice(&disp(i, value::PAYLOAD)?.to_le_bytes());
                return Some(());
            }
            load_int(code, 0, Base::R10, disp(i, value::STRUCT_DATA)?, 8, false)?;
            code.extend_from_slice(&[0x48, 0x85, 0xc0, 0x75, 0x07, 0x49, 0x8d, 0x82]);
            code.extend_from_slice(&disp(i, value::STRUCT_INLINE)?.to_le_bytes());
            Some(())
        },
    )?;
    if ret_x87 {
        x87_transfer(&mut code, plan);
    } else {
        transfer(&mut code, plan, frame);
    }
    // slow: mov byte [rax], 1; (leave;) ret
    let slow = code.len();
    code.extend_from_slice(&[0xc6, 0x00, 0x01]);
    if frame {
        code.push(0xc9);
    }
    code.push(0xc3);
    for at in to_slow {
        let rel = i32::try_from(slow - (at + 4)).ok()?;
        code[at..at + 4].copy_from_slice(&rel.to_le_bytes());
    }
    Some(code)
}

// x86-64 code, made on x86-64 hosts only (`untyped_trampoline` and `register_trampoline` say
// `None` elsewhere).
#[cfg(all(test, target_arch = "x86_64", not(windows)))]
mod tests {
    use super::*;

    /// binutils' disassembly of `code` (instructions only).
    fn objdump(code: &[u8]) -> Vec<String> {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let file =
            std::env::temp_dir().join(format!("jitffi-tramp-{}-{n}.bin", std::process::id()));
        std::fs::write(&file, code).expect("write");
        let out = std::process::Command::new("objdump")
            .args([
                "-D",
                "-b",
                "binary",
                "-m",
                "i386:x86-64",
                "--no-show-raw-insn",
            ])
            .arg(&file)
            .output()
            .expect("objdump (binutils) is needed: apt-get install binutils");
        std::fs::remove_file(&file).ok();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                l.split_once(":\t")
                    .map(|(_, i)| i.split_whitespace().collect::<Vec<_>>().join(" "))
            })
            .collect()
    }

    /// Each instruction starts with the expected text (jump targets left out).
    fn assert_prefixes(asm: &[String], expect: &[&str]) {
        assert_eq!(asm.len(), expect.len(), "{asm:#?}");
        for (got, want) in asm.iter().zip(expect) {
            assert!(got.starts_with(want), "{got} is not {want}: {asm:#?}");
        }
    }

    /// The prepared trampoline of `p`, with conversions of its arguments' classes.
    fn reg(p: &CallPlan) -> Option<Vec<u8>> {
        let convs: Vec<Conv> = p
            .args
            .iter()
            .map(|a| match a {
                ArgClass::Int { bytes, signed } => Conv::Int {
                    bytes: *bytes,
                    signed: *signed,
                },
                ArgClass::F32 => Conv::F32,
                ArgClass::F64 => Conv::F64,
                ArgClass::StructRegs { size, .. } | ArgClass::StructStack { size, .. } => {
                    Conv::Struct {
                        ty: crate::ctype::TypeId(1),
                        size: *size,
                    }
                }
                _ => Conv::Ptr {
                    ty: crate::ctype::TypeId(1),
                    chars: false,
                },
            })
            .collect();
        register_trampoline(p, &convs, Conv::Void)
    }

    fn plan(args: Vec<ArgClass>, ret: RetClass) -> CallPlan {
        CallPlan {
            n_fixed: args.len(),
            args,
            ret,
            variadic: false,
            vector_regs: 0,
        }
    }

    #[test]
    fn every_load_form_disassembles_as_intended() {
        let int = |bytes, signed| ArgClass::Int { bytes, signed };
        let p = plan(
            vec![
                int(1, true),
                int(2, false),
                int(4, true),
                ArgClass::Ptr,
                ArgClass::F32,
                ArgClass::F64,
                ArgClass::StructRegs {
                    parts: vec![
                        Part {
                            class: RegClass::Int,
                            offset: 0,
                            size: 8,
                        },
                        Part {
                            class: RegClass::Float,
                            offset: 8,
                            size: 4,
                        },
                    ],
                    size: 12,
                    align: 8,
                },
                int(8, true),
            ],
            RetClass::F64,
        );
        let code = reg(&p).expect("register-only");
        assert_eq!(
            objdump(&code),
            [
                "mov %rcx,%r11",
                "mov %rdi,%r10",
                "movsbl 0x0(%r10),%edi",
                "movzwl 0x8(%r10),%esi",
                "mov 0x10(%r10),%edx",
                "mov 0x18(%r10),%rcx",
                "movss 0x20(%r10),%xmm0",
                "movsd 0x28(%r10),%xmm1",
                "mov 0x30(%r10),%rax",
                "mov 0x0(%rax),%r8",
                "movss 0x8(%rax),%xmm2",
                "mov 0x38(%r10),%r9",
                "jmp *%r11",
            ]
        );
    }

    #[test]
    fn the_untyped_trampoline_checks_tags_then_loads_payloads() {
        use crate::ctype::TypeId;
        let p = plan(
            vec![
                ArgClass::Int {
                    bytes: 4,
                    signed: true,
                },
                ArgClass::Ptr,
                ArgClass::F64,
            ],
            RetClass::Int {
                bytes: 4,
                signed: true,
            },
        );
        let convs = [
            Conv::Int {
                bytes: 4,
                signed: true,
            },
            Conv::Ptr {
                ty: TypeId(7),
                chars: true,
            },
            Conv::F64,
        ];
        let ret = Conv::Int {
            bytes: 4,
            signed: true,
        };
        let code = untyped_trampoline(&p, &convs, ret).expect("register-only");
        let asm = objdump(&code);
        let expect = [
            "mov %rdi,%r10",
            "mov %rsi,%rax",
            // argument 1: tag I32 (6)
            "cmpq $0x6,0x0(%r10)",
            "jne",
            // argument 2: a string (13) goes; else a pointer (12) untyped or of type 7
            "cmpq $0xd,0x28(%r10)",
            "je",
            "cmpq $0xc,0x28(%r10)",
            "jne",
            "mov 0x38(%r10),%r11d",
            "cmp $0xffffffff,%r11d",
            "je",
            "cmp $0x7,%r11d",
            "jne",
            // argument 3: tag F64 (11)
            "cmpq $0xb,0x50(%r10)",
            "jne",
            // the target, then the payloads at offset 8 of each 40-byte value
            "mov %rcx,%r11",
            "mov 0x8(%r10),%edi",
            "mov 0x30(%r10),%rsi",
            "movsd 0x58(%r10),%xmm0",
            "jmp *%r11",
            // the slow exit
            "movb $0x1,(%rax)",
            "ret",
        ];
        assert_prefixes(&asm, &expect);
        // Every conditional jump to the slow exit lands on it.
        let slow = code.len() - 4;
        let mut at = 0;
        while let Some(k) = code[at..].windows(2).position(|w| w == [0x0f, 0x85]) {
            let k = at + k;
            let rel = i32::from_le_bytes(code[k + 2..k + 6].try_into().expect("rel32"));
            assert_eq!(k as i64 + 6 + i64::from(rel), slow as i64);
            at = k + 6;
        }
    }

    #[test]
    fn untyped_struct_arguments_check_type_and_size_and_find_their_bytes() {
        use crate::ctype::TypeId;
        let parts = vec![
            Part {
                class: RegClass::Float,
                offset: 0,
                size: 8,
            },
            Part {
                class: RegClass::Int,
                offset: 8,
                size: 4,
            },
        ];
        let p = plan(
            vec![ArgClass::StructRegs {
                parts,
                size: 12,
                align: 4,
            }],
            RetClass::Void,
        );
        let convs = [Conv::Struct {
            ty: TypeId(5),
            size: 12,
        }];
        let code = untyped_trampoline(&p, &convs, Conv::Void).expect("register-only");
        let asm = objdump(&code);
        let expect = [
            "mov %rdi,%r10",
            "mov %rsi,%rax",
            "cmpq $0xe,0x0(%r10)",
            "jne",
            "cmpl $0x5,0x8(%r10)",
            "jne",
            "cmpl $0xc,0xc(%r10)",
            "jne",
            "mov %rcx,%r11",
            "mov 0x10(%r10),%rax",
            "test %rax,%rax",
            "jne",
            "lea 0x18(%r10),%rax",
            "movsd 0x0(%rax),%xmm0",
            "mov 0x8(%rax),%edi",
            "jmp *%r11",
            "movb $0x1,(%rax)",
            "ret",
        ];
        assert_prefixes(&asm, &expect);
        // The `jne` after `test` skips exactly the `lea`.
        let at = code
            .windows(3)
            .position(|w| w == [0x48, 0x85, 0xc0])
            .expect("test")
            + 3;
        assert_eq!(code[at], 0x75);
        assert_eq!(
            &code[at + 2 + usize::from(code[at + 1])..][..2],
            &[0xf2, 0x0f]
        );
    }

    #[test]
    fn stack_arguments_get_a_frame_and_a_call() {
        // Eleven pointers: five past the registers.
        let many = plan(vec![ArgClass::Ptr; 11], RetClass::Ptr);
        // Seven pointers and a struct result in registers.
        let parts = vec![Part {
            class: RegClass::Int,
            offset: 0,
            size: 8,
        }];
        let pair = plan(
            vec![ArgClass::Ptr; 7],
            RetClass::StructRegs { parts, size: 8 },
        );
        for (p, area) in [(&many, "sub $0x40,%rsp"), (&pair, "sub $0x20,%rsp")] {
            let asm = objdump(&reg(p).expect("scalars"));
            assert_eq!(
                &asm[..5],
                [
                    "push %rbp",
                    "mov %rsp,%rbp",
                    area,
                    "mov %rcx,-0x8(%rbp)",
                    "mov %rdi,%r10"
                ]
            );
            assert!(asm.contains(&"mov 0x30(%r10),%r11".to_string()), "{asm:#?}");
            assert!(asm.contains(&"mov %r11,0x0(%rsp)".to_string()), "{asm:#?}");
            assert_eq!(&asm[asm.len() - 3..], ["call *-0x8(%rbp)", "leave", "ret"]);
        }
    }

    #[test]
    fn variadic_calls_set_al() {
        let mut p = plan(
            vec![ArgClass::Ptr, ArgClass::F64, ArgClass::F64],
            RetClass::Void,
        );
        p.variadic = true;
        p.vector_regs = 2;
        let asm = objdump(&reg(&p).expect("registers"));
        assert_eq!(&asm[asm.len() - 2..], ["mov $0x2,%al", "jmp *%r11"]);
    }

    #[test]
    fn results_in_memory_take_the_hidden_pointer() {
        let sret = plan(vec![ArgClass::Ptr], RetClass::Sret { size: 32 });
        assert_eq!(
            objdump(&reg(&sret).expect("sret")),
            [
                "mov %rcx,%r11",
                "mov %rdi,%r10",
                "mov %rdx,%rdi",
                "mov 0x0(%r10),%rsi",
                "jmp *%r11",
            ]
        );
    }

    #[test]
    fn odd_sized_struct_parts_are_assembled_without_reading_past_them() {
        let part = |size| Part {
            class: RegClass::Int,
            offset: 0,
            size,
        };
        let asm = |size| {
            let p = plan(
                vec![ArgClass::StructRegs {
                    parts: vec![part(size)],
                    size,
                    align: 1,
                }],
                RetClass::Void,
            );
            let asm = objdump(&reg(&p).expect("registers"));
            // Past `mov r11, rcx; mov r10, rdi; mov rax, [r10]`, before `jmp r11`.
            asm[3..asm.len() - 1].to_vec()
        };
        assert_eq!(
            asm(3),
            [
                "movzbl 0x2(%rax),%edi",
                "shl $0x10,%rdi",
                "mov 0x0(%rax),%di"
            ]
        );
        assert_eq!(
            asm(5),
            ["mov 0x1(%rax),%edi", "shl $0x8,%rdi", "mov 0x0(%rax),%dil"]
        );
        assert_eq!(
            asm(6),
            ["mov 0x2(%rax),%edi", "shl $0x10,%rdi", "mov 0x0(%rax),%di"]
        );
        assert_eq!(
            asm(7),
            [
                "mov 0x3(%rax),%edi",
                "shl $0x8,%rdi",
                "mov 0x2(%rax),%dil",
                "shl $0x10,%rdi",
                "mov 0x0(%rax),%di"
            ]
        );
    }

    #[test]
    fn long_double_and_int128_take_16_aligned_stack_bytes_and_register_pairs() {
        let no = || ArgClass::Unsupported("wide".into());
        // long double f(int, long double, __int128, __int128): the int in edi, the long double
        // in stack slots 0-1, the first __int128 in rsi:rdx, the second in rcx:r8; the result
        // stored from st(0) through the pointer saved at [rbp - 16].
        let p = plan(
            vec![
                ArgClass::Int {
                    bytes: 4,
                    signed: true,
                },
                no(),
                no(),
                no(),
            ],
            RetClass::Unsupported("long double".into()),
        );
        let convs = [
            Conv::Int {
                bytes: 4,
                signed: true,
            },
            Conv::LongDouble,
            Conv::Int128 { signed: true },
            Conv::Int128 { signed: false },
        ];
        let asm = objdump(&untyped_trampoline(&p, &convs, Conv::LongDouble).expect("wide"));
        let has = |i: &str| assert!(asm.iter().any(|a| a == i), "{i}: {asm:#?}");
        // Tags F80 (15), I128 (16), U128 (17).
        has("cmpq $0xf,0x28(%r10)");
        has("cmpq $0x10,0x50(%r10)");
        has("cmpq $0x11,0x78(%r10)");
        has("mov %rdx,-0x10(%rbp)");
        // The long double's 16 payload bytes to slots 0 and 1.
        has("lea 0x30(%r10),%rax");
        has("mov %r11,0x0(%rsp)");
        has("mov %r11,0x8(%rsp)");
        has("lea 0x58(%r10),%rax");
        has("mov 0x0(%rax),%rsi");
        has("mov 0x8(%rax),%rdx");
        has("lea 0x80(%r10),%rax");
        has("mov 0x0(%rax),%rcx");
        has("mov 0x8(%rax),%r8");
        let tail = asm.len() - 8;
        assert_eq!(
            &asm[tail..tail + 5],
            [
                "call *-0x8(%rbp)",
                "mov -0x10(%rbp),%rax",
                "fstpt (%rax)",
                "leave",
                "ret"
            ]
        );
        // Five integer registers taken: an __int128 goes to the stack, 16-aligned.
        let mut args = vec![ArgClass::Ptr; 5];
        args.push(no());
        let p = plan(args, RetClass::Unsupported("__int128".into()));
        let mut convs = vec![
            Conv::Ptr {
                ty: crate::ctype::TypeId(1),
                chars: false
            };
            5
        ];
        convs.push(Conv::Int128 { signed: true });
        let asm = objdump(&untyped_trampoline(&p, &convs, convs[5]).expect("wide"));
        assert!(asm.contains(&"mov %r11,0x8(%rsp)".to_string()), "{asm:#?}");
        assert!(!asm.iter().any(|a| a.contains("%r9")), "{asm:#?}");
    }

    #[test]
    fn over_aligned_stack_structs_get_their_boundary_and_an_aligned_area() {
        // Seven pointers (one on the stack, slot 0), then a 32-aligned struct: slots 4-7, the
        // area aligned to 32 (gcc 12 reads such a struct at 40(%rsp) in the callee).
        let mut args = vec![ArgClass::Ptr; 7];
        args.push(ArgClass::StructStack {
            size: 32,
            align: 32,
            parts: vec![],
        });
        let asm = objdump(&reg(&plan(args, RetClass::Void)).expect("32-aligned"));
        assert!(
            asm.contains(&"and $0xffffffffffffffe0,%rsp".to_string()),
            "{asm:#?}"
        );
        assert!(asm.contains(&"mov %r11,0x20(%rsp)".to_string()), "{asm:#?}");
        assert!(asm.contains(&"mov %r11,0x38(%rsp)".to_string()), "{asm:#?}");
        let over = plan(
            vec![ArgClass::StructStack {
                size: 128,
                align: 128,
                parts: vec![],
            }],
            RetClass::Void,
        );
        assert!(
            reg(&over).is_none(),
            "alignments above 64 are left to libffi"
        );
    }
}
