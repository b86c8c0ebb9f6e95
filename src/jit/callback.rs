//! Machine code behind callbacks: trampoline slots, context adapters and Cranelift thunks.
//!
//! A C function pointer has no room for a context, so every callback needs an address of its
//! own that knows its closure. jitffi never writes code per callback. Each callback gets a
//! *slot*: 16 bytes of code in a page of identical slots, made once and then read-execute only.
//! The slot's twin 16 bytes in the data page that follows hold two words, the callback's
//! context and the address to go to:
//!
//! ```text
//! slot:  mov r10, [rip + 4089]    ; context  (data page, same offset)
//!        jmp [rip + 4091]         ; entry    (data page, same offset + 8)
//! ```
//!
//! A slot is handed out by writing its two data words and taken back by pointing it at
//! `dead_callback` (which says so and aborts), so callbacks are cheap to make and to drop, and
//! no page is ever writable and executable at the same time, not even through two mappings.
//!
//! The entry is an *adapter* per signature: it moves the context from `r10` into the first
//! argument register the signature leaves free, an integer register if there is one, else a
//! vector register, and jumps on (`mov rdx, r10; movabs r11, X; jmp r11`). `X` is:
//! - for typed closures, a Rust `extern "C" fn(args…, ctx) -> R` (monomorphised per closure
//!   type): the C arguments stay in place and the context arrives as the last argument;
//! - for untyped closures, and typed ones whose integer registers are full (the Rust function
//!   then takes the context on the stack), a Cranelift *thunk* compiled once per signature
//!   from the same [`CallPlan`] as call stubs. The untyped thunk writes each argument as a
//!   `Value` in its frame (scalars with their tag and extended payload, structs as borrowed
//!   `StructValue`s pointing at their bytes), calls the dispatcher with `(ctx, values, result
//!   buffer)` and loads the result into the return registers; the forwarding thunk calls the
//!   typed function with the context appended.
//!
//! Signatures with every integer and every vector argument register taken have no free
//! register for the context; they use libffi closures.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind, Type, types,
};
use cranelift_frontend::FunctionBuilder;

use super::lower::{Arch, Form, lower_args, part_type};
use super::stub::round8;
use super::{JitEngine, JitError};
use crate::plan::{ArgClass, CallPlan, RegClass, RetClass};
use crate::value::{self, Conv, tag};

/// Integer and vector argument registers of System V x86-64.
const INT_REGS: usize = 6;
const FLOAT_REGS: usize = 8;

/// Bytes per trampoline slot, and the page size the slot code assumes.
const SLOT: usize = 16;
const PAGE: usize = 4096;

/// The argument register that carries a callback's context into its code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum CtxReg {
    /// The `n`-th integer argument register (`rdi`, `rsi`, `rdx`, `rcx`, `r8`, `r9`).
    Int(u8),
    /// The `n`-th vector argument register (`xmm0` … `xmm7`), as the bits of a `double`.
    Float(u8),
}

/// The first argument register `plan` leaves free, or `None` when all are taken.
pub(crate) fn ctx_reg(plan: &CallPlan) -> Option<CtxReg> {
    let (mut ints, mut floats) = (usize::from(matches!(plan.ret, RetClass::Sret { .. })), 0);
    for a in &plan.args {
        match a {
            ArgClass::Int { .. } | ArgClass::Ptr => ints += 1,
            ArgClass::F32 | ArgClass::F64 => floats += 1,
            ArgClass::StructRegs { parts, .. } => {
                for p in parts {
                    match p.class {
                        RegClass::Int => ints += 1,
                        RegClass::Float => floats += 1,
                    }
                }
            }
            ArgClass::StructStack { .. } | ArgClass::StructRef { .. } => {}
            ArgClass::Unsupported(_) => return None,
        }
    }
    if ints < INT_REGS {
        u8::try_from(ints).ok().map(CtxReg::Int)
    } else if floats < FLOAT_REGS {
        u8::try_from(floats).ok().map(CtxReg::Float)
    } else {
        None
    }
}

/// `mov <reg>, r10; movabs r11, target; jmp r11`.
fn adapter_code(reg: CtxReg, target: usize) -> Vec<u8> {
    let mut code = ctx_move(reg);
    code.extend_from_slice(&[0x49, 0xbb]);
    code.extend_from_slice(&(target as u64).to_le_bytes());
    code.extend_from_slice(&[0x41, 0xff, 0xe3]);
    code
}

/// The entry of a compiled thunk: the context moved from `r10` into `reg`, padded with one
/// long `nop` to 16 bytes, then the thunk's own code follows in the same piece of memory (the
/// thunk's code refers to nothing by relative address outside itself, and stays 16-aligned).
/// One jump fewer than an adapter to a separately installed thunk.
fn entry_prefix(reg: CtxReg) -> Vec<u8> {
    let mut code = ctx_move(reg);
    // nopw 0(rax, rax, 1) with as many 0x66 prefixes as fill 16 bytes (5 to 8 bytes of nop
    // here: the move is 3 or 5 bytes; `nopw` takes up to four prefixes on every x86-64).
    let fill = 16 - code.len();
    let nop9 = [0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00];
    let nop4 = [0x0f, 0x1f, 0x40, 0x00];
    match fill {
        13 => {
            code.extend_from_slice(&nop9);
            code.extend_from_slice(&nop4);
        }
        _ => {
            // 11: a 9-byte nop and a 2-byte one.
            code.extend_from_slice(&nop9);
            code.extend_from_slice(&[0x66, 0x90]);
        }
    }
    debug_assert_eq!(code.len(), 16);
    code
}

/// `mov reg, r10` (or `movq xmm, r10`): the context where the thunk or typed entry takes it.
fn ctx_move(reg: CtxReg) -> Vec<u8> {
    match reg {
        // mov r/m64, r64 (89 /r): REX.W, REX.R for the source r10, REX.B for r8/r9.
        CtxReg::Int(k) => {
            let (rex, rm) = [
                (0x4c, 7),
                (0x4c, 6),
                (0x4c, 2),
                (0x4c, 1),
                (0x4d, 0),
                (0x4d, 1),
            ][usize::from(k).min(INT_REGS - 1)];
            vec![rex, 0x89, 0xd0 | rm]
        }
        // movq xmm, r/m64 (66 REX.W 0F 6E /r), REX.B for r10.
        CtxReg::Float(k) => vec![0x66, 0x49, 0x0f, 0x6e, 0xc2 | ((k & 7) << 3)],
    }
}

/// What a Cranelift callback thunk does after taking its arguments.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ThunkKind {
    /// Make the arguments `Value`s and call `dispatch(ctx, values, ret)` at this address.
    Values(usize),
    /// Call the typed function at this address with the arguments and the context appended.
    Forward(usize),
}

/// What makes two callback entries the same code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct EntryKey {
    plan: CallPlan,
    /// The arguments' conversions (the `Value`s an untyped thunk makes depend on them).
    convs: Vec<Conv>,
    kind: ThunkKind,
    direct: bool,
}

impl JitEngine {
    /// The address a callback slot of signature `plan` jumps to, with the context in
    /// `ctx_reg(plan)`: for `Forward(f)` with a free integer register, an adapter straight to
    /// `f`; otherwise an adapter to a thunk compiled for `plan`. Cached per engine.
    pub(crate) fn callback_entry(
        &self,
        plan: &CallPlan,
        convs: &[Conv],
        kind: ThunkKind,
    ) -> Result<usize, JitError> {
        if cfg!(not(all(target_arch = "x86_64", target_os = "linux"))) {
            return Err(JitError(
                "callback thunks are implemented for x86-64 Linux only".into(),
            ));
        }
        if let Some(why) = plan.unsupported() {
            return Err(JitError(why));
        }
        if plan.variadic {
            return Err(JitError("variadic callbacks".into()));
        }
        lower_args(plan, self.arch())?;
        let reg = ctx_reg(plan).ok_or_else(|| {
            JitError("every argument register is taken: no room for the context".into())
        })?;
        let direct = matches!((kind, reg), (ThunkKind::Forward(_), CtxReg::Int(_)));
        let key = EntryKey {
            plan: plan.clone(),
            convs: match kind {
                ThunkKind::Values(_) => convs.to_vec(),
                ThunkKind::Forward(_) => Vec::new(),
            },
            kind,
            direct,
        };
        if let Some(&entry) = self.lock().callbacks.get(&key) {
            return Ok(entry);
        }
        let entry = match kind {
            ThunkKind::Forward(f) if direct => self.install(&adapter_code(reg, f))? as usize,
            _ => {
                let mut code = entry_prefix(reg);
                code.extend(self.codegen_thunk(plan, convs, kind, reg)?);
                self.install(&code)? as usize
            }
        };
        self.lock().callbacks.insert(key, entry);
        Ok(entry)
    }

    /// The Cranelift signature of a C function of `plan` as its *callee* sees it: like the
    /// caller's, but integer results narrower than 32 bits are returned extended to 32 (the
    /// callers clang compiles rely on that).
    fn thunk_signature(&self, plan: &CallPlan) -> Result<Signature, JitError> {
        thunk_signature(plan, self.call_conv(), self.pointer_type(), self.arch())
    }

    fn codegen_thunk(
        &self,
        plan: &CallPlan,
        convs: &[Conv],
        kind: ThunkKind,
        reg: CtxReg,
    ) -> Result<Vec<u8>, JitError> {
        let ptr = self.pointer_type();
        let c_sig = self.thunk_signature(plan)?;
        let arch = self.arch();
        let mut sig = c_sig.clone();
        sig.params.push(AbiParam::new(match reg {
            CtxReg::Int(_) => ptr,
            CtxReg::Float(_) => types::F64,
        }));
        let call_conv = self.call_conv();
        self.codegen(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let params = super::enter(&mut b);
            let (c_params, ctx) = params.split_at(params.len() - 1);
            let ctx = match reg {
                CtxReg::Int(_) => ctx[0],
                CtxReg::Float(_) => b.ins().bitcast(ptr, MemFlagsData::new(), ctx[0]),
            };
            match kind {
                ThunkKind::Forward(f) => {
                    let mut callee = c_sig.clone();
                    callee.params.push(AbiParam::new(ptr));
                    let callee = b.import_signature(callee);
                    let mut args = c_params.to_vec();
                    args.push(ctx);
                    let addr = b.ins().iconst(ptr, f as i64);
                    let call = b.ins().call_indirect(callee, addr, &args);
                    let results = b.inst_results(call).to_vec();
                    b.ins().return_(&results);
                }
                ThunkKind::Values(dispatch) => {
                    let t = Thunk {
                        ptr,
                        call_conv,
                        arch,
                        plan,
                        convs,
                    };
                    let dispatch = b.ins().iconst(ptr, dispatch as i64);
                    t.values_and_dispatch(&mut b, c_params, ctx, dispatch)?;
                }
            }
            b.finalize(config);
            Ok(())
        })
    }
}

/// The Cranelift signature of a C function of `plan` as its *callee* sees it: like the
/// caller's ([`super::stub::signature_of`]), but integer results narrower than 32 bits are
/// returned extended to 32 (the callers clang compiles rely on that).
pub(super) fn thunk_signature(
    plan: &CallPlan,
    call_conv: cranelift_codegen::isa::CallConv,
    ptr: Type,
    arch: Arch,
) -> Result<Signature, JitError> {
    let mut sig = super::stub::signature_of(plan, call_conv, ptr, arch)?;
    if let RetClass::Int { bytes, .. } = plan.ret
        && bytes < 4
        && let Some(r) = sig.returns.first_mut()
    {
        *r = AbiParam::new(types::I32);
    }
    Ok(sig)
}

/// What an untyped thunk is built from.
pub(super) struct Thunk<'a> {
    pub ptr: Type,
    pub call_conv: cranelift_codegen::isa::CallConv,
    pub arch: Arch,
    pub plan: &'a CallPlan,
    pub convs: &'a [Conv],
}

impl Thunk<'_> {
    /// The body of an untyped thunk: every argument written as a `Value` (40 bytes each) in
    /// the frame, a call of `dispatch(ctx, values, ret)`, and the result loaded from `ret` (the
    /// hidden pointer for results in memory, a 16-byte buffer otherwise).
    ///
    /// Scalars get their tag, their payload extended to 64 bits (`_Bool` normalised) and, for
    /// pointers, the pointer type; structs become borrowed `StructValue`s whose bytes are the
    /// register parts stored to the frame, or the caller's copy on the stack. Every store is
    /// 8 bytes wide, so the closure's loads of tags and payloads forward from them.
    pub(super) fn values_and_dispatch(
        &self,
        b: &mut FunctionBuilder<'_>,
        c_params: &[cranelift_codegen::ir::Value],
        ctx: cranelift_codegen::ir::Value,
        dispatch: cranelift_codegen::ir::Value,
    ) -> Result<(), JitError> {
        let (ptr, plan) = (self.ptr, self.plan);
        let n = plan.args.len();
        if self.convs.len() != n {
            return Err(JitError(
                "internal: conversions do not match the plan".into(),
            ));
        }
        let slot = |b: &mut FunctionBuilder<'_>, size: usize| -> Result<_, JitError> {
            let size = u32::try_from(size).map_err(|_| JitError("too many arguments".into()))?;
            Ok(b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                size.max(8),
                4,
            )))
        };
        let lowered = lower_args(plan, self.arch)?;
        // Room for the parameters of each struct received in parts (every part stored as a
        // whole register, so each ends on an 8-byte boundary of its struct's room).
        let room = |l: &super::lower::Lowered| match &l.form {
            Form::Parts(parts) => parts.iter().map(|p| p.offset + 8).max().unwrap_or(0),
            _ => 0,
        };
        let bytes_len: usize = lowered.iter().map(|l| room(l) as usize).sum();
        let values = slot(b, n * VALUE_SIZE)?;
        let bytes = slot(b, bytes_len)?;
        let result = slot(
            b,
            match plan.ret {
                RetClass::StructRegs { size, .. } => round8(size).max(16) as usize,
                _ => 16,
            },
        )?;
        let mut params = c_params.iter().copied();
        let sret = match plan.ret {
            RetClass::Sret { .. } => params.next(),
            _ => None,
        };
        let mut next = || {
            params
                .next()
                .ok_or_else(|| JitError("internal: thunk parameters do not match the plan".into()))
        };
        let mut bytes_at = 0i32;
        for (i, ((a, conv), l)) in plan.args.iter().zip(self.convs).zip(&lowered).enumerate() {
            for _ in &l.fill {
                // A pad or dummy register (`lower_args`): nothing to receive.
                next()?;
            }
            let at =
                i32::try_from(i * VALUE_SIZE).map_err(|_| JitError("too many arguments".into()))?;
            let word = |b: &mut FunctionBuilder<'_>, v: cranelift_codegen::ir::Value, off: i32| {
                b.ins().stack_store(ptr, v, values, at + off);
            };
            let konst = |b: &mut FunctionBuilder<'_>, k: i64, off: i32| {
                let v = b.ins().iconst(types::I64, k);
                b.ins().stack_store(ptr, v, values, at + off);
            };
            let data = match (a, &l.form) {
                (ArgClass::Unsupported(_), _) => {
                    return Err(JitError(format!("argument {} cannot be received", i + 1)));
                }
                // The caller's copy (on the stack, or by reference).
                (_, Form::StackCopy(_) | Form::ByRef(_)) => Some(next()?),
                (_, Form::Parts(parts)) => {
                    for p in parts {
                        let v = next()?;
                        let o = bytes_at + i32::try_from(p.offset).unwrap_or(0);
                        b.ins().stack_store(ptr, v, bytes, o);
                    }
                    let addr = b.ins().stack_addr(ptr, bytes, bytes_at);
                    bytes_at += i32::try_from(room(l)).unwrap_or(0);
                    Some(addr)
                }
                (_, Form::Scalar(_)) => None,
            };
            if let Some(data) = data {
                let Conv::Struct { ty, size } = *conv else {
                    return Err(JitError(format!(
                        "argument {}: a struct class without a struct type",
                        i + 1
                    )));
                };
                konst(b, i64::from(tag::STRUCT), 0);
                konst(
                    b,
                    i64::from(ty.0) | (i64::from(size) << 32),
                    value::STRUCT_TYPE,
                );
                word(b, data, value::STRUCT_DATA);
                // `Store::heap` = None: the bytes are borrowed.
                konst(b, 0, value::STRUCT_INLINE);
                continue;
            }
            let v = next()?;
            let (t, payload) = match (a, *conv) {
                (ArgClass::Int { .. }, Conv::Bool) => {
                    let low = b.ins().ireduce(types::I8, v);
                    let nz = b.ins().icmp_imm_s(IntCC::NotEqual, low, 0);
                    (tag::BOOL, b.ins().uextend(types::I64, nz))
                }
                (ArgClass::Int { bytes, signed }, c) => {
                    let narrow = match bytes {
                        1 => Some(types::I8),
                        2 => Some(types::I16),
                        _ => None,
                    };
                    let v = match narrow {
                        Some(ty) => b.ins().ireduce(ty, v),
                        None => v,
                    };
                    let v = match (*bytes, *signed) {
                        (8, _) => v,
                        (_, true) => b.ins().sextend(types::I64, v),
                        (_, false) => b.ins().uextend(types::I64, v),
                    };
                    (c.canonical_tag(), v)
                }
                (ArgClass::F32, _) => {
                    let i = b.ins().bitcast(types::I32, MemFlagsData::new(), v);
                    (tag::F32, b.ins().uextend(types::I64, i))
                }
                (ArgClass::F64, _) => (
                    tag::F64,
                    b.ins().bitcast(types::I64, MemFlagsData::new(), v),
                ),
                (ArgClass::Ptr, _) => (tag::PTR, v),
                _ => return Err(JitError(format!("argument {} cannot be received", i + 1))),
            };
            konst(b, i64::from(t), 0);
            word(b, payload, value::PAYLOAD);
            if let Conv::Ptr { ty, .. } = *conv {
                konst(b, i64::from(ty.0), value::PTR_TYPE);
            }
        }
        let values_addr = b.ins().stack_addr(ptr, values, 0);
        let ret_addr = match sret {
            Some(p) => p,
            None => b.ins().stack_addr(ptr, result, 0),
        };
        let mut dsig = Signature::new(self.call_conv);
        dsig.params
            .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
        let dsig = b.import_signature(dsig);
        b.ins()
            .call_indirect(dsig, dispatch, &[ctx, values_addr, ret_addr]);
        let flags = MemFlagsData::trusted();
        let load = |b: &mut FunctionBuilder<'_>, ty: Type, off: u32| {
            b.ins()
                .load(ty, flags, ret_addr, i32::try_from(off).unwrap_or(0))
        };
        let results: Vec<_> = match &plan.ret {
            RetClass::Void | RetClass::Sret { .. } => Vec::new(),
            RetClass::Int { bytes: 8, .. } => vec![load(b, types::I64, 0)],
            RetClass::Int { .. } => vec![load(b, types::I32, 0)],
            RetClass::F32 => vec![load(b, types::F32, 0)],
            RetClass::F64 => vec![load(b, types::F64, 0)],
            RetClass::Ptr => vec![load(b, ptr, 0)],
            RetClass::StructRegs { parts, .. } => parts
                .iter()
                .map(|p| load(b, part_type(*p), p.offset))
                .collect(),
            RetClass::Unsupported(why) => return Err(JitError(why.clone())),
            RetClass::X87 { .. } => {
                return Err(JitError(
                    "a struct holding a long double is returned in st(0)".into(),
                ));
            }
        };
        b.ins().return_(&results);
        Ok(())
    }
}

/// Bytes of one `Value`.
const VALUE_SIZE: usize = std::mem::size_of::<value::Value<'static>>();

// -- Trampoline slots --

/// `mov r10, [rip + PAGE - 7]; jmp [rip + PAGE - 5]; int3 × 3`: the same 16 bytes in every
/// slot, reading the two words at the same offset one page further.
const SLOT_CODE: [u8; SLOT] = [
    0x4c, 0x8b, 0x15, 0xf9, 0x0f, 0x00, 0x00, // mov r10, [rip + 0xff9]
    0xff, 0x25, 0xfb, 0x0f, 0x00, 0x00, // jmp [rip + 0xffb]
    0xcc, 0xcc, 0xcc,
];

/// Free slots (executable addresses), process-wide; pages are never unmapped.
static FREE_SLOTS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Where a dropped callback's slot goes until it is reused: C calling a callback whose handle
/// was dropped is a bug in the program, stopped here rather than running freed memory.
extern "C" fn dead_callback() {
    eprintln!(
        "jitffi: C called a callback after its handle was dropped (the program keeps the \
         Callback alive as long as C may call it); aborting"
    );
    std::process::abort();
}

/// One trampoline slot: a code address C can call, whose context and entry jitffi sets.
#[derive(Debug)]
pub(crate) struct Slot {
    code: usize,
}

impl Slot {
    /// A free slot, mapping a new page of slots when none is left.
    pub(crate) fn new() -> Result<Slot, JitError> {
        if cfg!(not(all(target_arch = "x86_64", target_os = "linux"))) {
            return Err(JitError(
                "callback slots are implemented for x86-64 Linux only".into(),
            ));
        }
        let mut free = FREE_SLOTS.lock().unwrap_or_else(|e| e.into_inner());
        if free.is_empty() {
            let page = map_slot_page()
                .map_err(|e| JitError(format!("cannot map callback trampolines: {e}")))?;
            free.extend((0..PAGE / SLOT).rev().map(|i| page + i * SLOT));
        }
        let code = free
            .pop()
            .ok_or_else(|| JitError("no callback slot".into()))?;
        Ok(Slot { code })
    }

    fn words(&self) -> [&AtomicUsize; 2] {
        let data = self.code + PAGE;
        // SAFETY: `data` is the slot's pair of words in the read-write page after its code
        // page (`map_slot_page`), 16-byte aligned, never unmapped; all access is atomic.
        unsafe {
            [
                AtomicUsize::from_ptr(data as *mut usize),
                AtomicUsize::from_ptr((data + 8) as *mut usize),
            ]
        }
    }

    /// Points the slot at `entry` with context `ctx` (`r10` when `entry` runs).
    pub(crate) fn set(&self, ctx: usize, entry: usize) {
        let [c, e] = self.words();
        c.store(ctx, Ordering::Release);
        e.store(entry, Ordering::Release);
    }

    /// The address C calls.
    pub(crate) fn code(&self) -> usize {
        self.code
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.set(0, dead_callback as *const () as usize);
        FREE_SLOTS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(self.code);
    }
}

/// Maps a page of slot code followed by its data page; returns the code page's address. The
/// code is written while the page is read-write and not executable, then the page becomes
/// read-execute for good.
fn map_slot_page() -> io::Result<usize> {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if page != PAGE as libc::c_long {
        return Err(io::Error::other(format!(
            "the slot code assumes {PAGE}-byte pages, the system has {page}"
        )));
    }
    // SAFETY: an anonymous private mapping of two pages; the result is checked, the code is
    // written inside the first page, and mprotect covers exactly that page.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            2 * PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base = p.cast::<u8>();
        for i in 0..PAGE / SLOT {
            std::ptr::copy_nonoverlapping(SLOT_CODE.as_ptr(), base.add(i * SLOT), SLOT);
            let data = base.add(PAGE + i * SLOT).cast::<usize>();
            data.write(0);
            data.add(1).write(dead_callback as *const () as usize);
        }
        if libc::mprotect(p, PAGE, libc::PROT_READ | libc::PROT_EXEC) != 0 {
            let e = io::Error::last_os_error();
            libc::munmap(p, 2 * PAGE);
            return Err(e);
        }
        Ok(p as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adapters_encode_the_register_moves() {
        // mov rdi, r10 / mov r9, r10 / movq xmm3, r10, then movabs r11 and jmp r11.
        assert_eq!(&adapter_code(CtxReg::Int(0), 0)[..3], &[0x4c, 0x89, 0xd7]);
        assert_eq!(&adapter_code(CtxReg::Int(5), 0)[..3], &[0x4d, 0x89, 0xd1]);
        assert_eq!(
            &adapter_code(CtxReg::Float(3), 0)[..5],
            &[0x66, 0x49, 0x0f, 0x6e, 0xda]
        );
        let code = adapter_code(CtxReg::Int(2), 0x1122_3344_5566_7788);
        assert_eq!(&code[3..5], &[0x49, 0xbb]);
        assert_eq!(&code[5..13], &0x1122_3344_5566_7788u64.to_le_bytes());
        assert_eq!(&code[13..], &[0x41, 0xff, 0xe3]);
    }

    #[test]
    fn thunk_entries_move_the_context_then_fall_through_16_bytes_on() {
        // mov rsi, r10, then a 9- and a 4-byte nop; movq xmm7, r10, then a 9- and a 2-byte nop.
        assert_eq!(
            entry_prefix(CtxReg::Int(1)),
            [
                0x4c, 0x89, 0xd6, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x1f,
                0x40, 0x00
            ]
        );
        assert_eq!(
            entry_prefix(CtxReg::Float(7)),
            [
                0x66, 0x49, 0x0f, 0x6e, 0xfa, 0x66, 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
                0x66, 0x90
            ]
        );
    }

    #[test]
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    fn slots_are_reused_and_never_writable_code() {
        let a = Slot::new().unwrap();
        let code = a.code();
        assert_eq!(code % SLOT, 0);
        drop(a);
        // The slot just freed is the next one handed out.
        let b = Slot::new().unwrap();
        assert_eq!(b.code(), code);
        let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
        for line in maps.lines() {
            let mut f = line.split_whitespace();
            let (range, perms) = (f.next().unwrap(), f.next().unwrap());
            let (lo, hi) = range.split_once('-').unwrap();
            let (lo, hi) = (
                usize::from_str_radix(lo, 16).unwrap(),
                usize::from_str_radix(hi, 16).unwrap(),
            );
            if (lo..hi).contains(&code) {
                assert_eq!(perms, "r-xp", "{line}");
            }
            if (lo..hi).contains(&(code + PAGE)) {
                assert!(perms.starts_with("rw-"), "{line}");
            }
        }
    }
}
