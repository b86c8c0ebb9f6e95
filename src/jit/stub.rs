//! Untyped call stubs: `extern "C" fn(args: *const Value, ret: *mut u8, target: *const c_void)
//! -> RawRet`, compiled from a function's [`CallPlan`].
//!
//! The stub checks each argument's tag (and, for pointers and structs, the type id) against the
//! parameter's canonical `Value` variant, loads the payloads into the registers and stack slots
//! the plan assigns, and calls the C function: its address is baked in, or comes from `target`
//! for calls through function pointers. It returns `RawRet { status: 0, bits }` with a scalar
//! result's bits, or writes a struct result to `ret`: through the hidden pointer for results in
//! memory (exactly `sizeof` bytes), as one 16-byte store for results in registers (`ret` must
//! have room for 16 bytes then; on AArch64, a store per part, and room for the struct rounded
//! up to 8 bytes). A status of 1 means some argument needs the slow path (a
//! conversion or an error message); nothing was called then.
//!
//! Cranelift compiles each call signature once (`StubKey`): other functions of the signature
//! get a copy of that code with their own address patched in, and function pointers of the
//! signature share one stub that takes the address as `target`.

use std::ffi::c_void;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, BlockArg, InstBuilder, MemFlagsData, Signature, Type, types,
};
use cranelift_frontend::FunctionBuilder;

use super::lower::{Arch, Form, fill_param, form_params, lower_args, part_type};
use super::{JitEngine, JitError};
use crate::errno::{restore_errno, save_errno};
use crate::plan::{ArgClass, CallPlan, RetClass};
use crate::value::{self, Conv, tag};

/// What to compile.
pub(crate) struct StubSpec<'a> {
    pub plan: &'a CallPlan,
    /// Conversion of each argument (fixed and variadic), in order.
    pub convs: &'a [Conv],
    /// Conversion of the result.
    pub ret: Conv,
    /// The function's address, baked into the code; `None` takes it from the `target` argument.
    pub target: Option<usize>,
    /// Restore `errno` before and save it after the call (`Function::capture_errno`).
    pub errno: bool,
    /// A prepared-call stub: argument `i` is the 8-byte slot `i` of the array the first
    /// parameter points to (a struct's slot holds the address of its bytes), already of its
    /// parameter's type: no tag checks, status always 0.
    pub prepared: bool,
}

/// What an untyped stub returns, in `rax:rdx` (a struct of two INTEGER eightbytes).
#[derive(Copy, Clone, Debug)]
#[repr(C)]
pub(crate) struct RawRet {
    /// 0, or 1 when an argument needs the slow path.
    pub status: u64,
    /// The result's bits.
    pub bits: u64,
}

/// The type of an untyped stub: `(args, result buffer for structs, callee) -> RawRet`.
pub(crate) type StubFn =
    unsafe extern "C" fn(*const value::Value<'_>, *mut u8, *const c_void) -> RawRet;

/// A compiled untyped stub.
#[derive(Copy, Clone, Debug)]
pub(crate) struct UntypedStub {
    pub f: StubFn,
}

// SAFETY: the stub is immutable code owned by the engine; calling it from any thread is fine.
unsafe impl Send for UntypedStub {}
// SAFETY: as for `Send`.
unsafe impl Sync for UntypedStub {}

/// Size of one `Value` in an argument array.
const VALUE_SIZE: i64 = std::mem::size_of::<value::Value<'static>>() as i64;

fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

fn unaligned() -> MemFlagsData {
    MemFlagsData::new().with_notrap()
}

/// Rounds up to a multiple of 8.
pub(super) fn round8(n: u32) -> u32 {
    n.div_ceil(8) * 8
}

/// The x86-64 thunk for variadic calls: `mov al, N; movabs r11, target; jmp r11`. The System V
/// ABI wants the number of vector registers used in `al`; Cranelift has no way to set it, and
/// the thunk leaves every argument register untouched.
pub(crate) fn variadic_thunk(vector_regs: u8, target: usize) -> Vec<u8> {
    let mut code = vec![0xb0, vector_regs.min(8)];
    code.extend_from_slice(&[0x49, 0xbb]);
    code.extend_from_slice(&(target as u64).to_le_bytes());
    code.extend_from_slice(&[0x41, 0xff, 0xe3]);
    code
}

/// Stands for the callee's address in a stub compiled as a template; patched per function.
/// Large enough that Cranelift materialises it as a 64-bit immediate (`movabs`), and checked
/// to occur exactly once in the code.
const CALLEE_PLACEHOLDER: u64 = 0x0000_6a17_f1f0_c0de;

/// What makes two stubs the same code, but for the callee's address.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StubKey {
    plan: CallPlan,
    convs: Vec<Conv>,
    ret: Conv,
    errno: bool,
    /// The callee comes from the `target` argument (calls through function pointers).
    indirect: bool,
    prepared: bool,
}

/// A cached stub signature.
pub(crate) enum StubEntry {
    /// Machine code whose callee is [`CALLEE_PLACEHOLDER`] at `patch`: each function gets a
    /// copy with its address written there.
    Template { code: Vec<u8>, patch: usize },
    /// Code that cannot be patched (the placeholder did not appear exactly once): each
    /// function compiles its own stub.
    Unpatchable,
    /// An installed stub that takes the callee as an argument, shared by every function
    /// pointer of the signature.
    Shared(UntypedStub),
}

impl JitEngine {
    /// The untyped stub for `spec`. Cranelift compiles each call signature once: a function
    /// whose signature was seen gets a copy of that code with its own address patched in
    /// (about a microsecond, against tens for Cranelift); calls through function pointers
    /// share one stub per signature.
    pub(crate) fn compile_untyped(&self, spec: &StubSpec<'_>) -> Result<UntypedStub, JitError> {
        if cfg!(not(any(
            all(target_arch = "x86_64", not(windows)),
            all(target_arch = "aarch64", target_os = "linux")
        ))) {
            return Err(JitError(
                "call stubs are implemented for x86-64 System V and AArch64 Linux only".into(),
            ));
        }
        if let Some(why) = spec.plan.unsupported() {
            return Err(JitError(why));
        }
        let arch = self.arch();
        lower_args(spec.plan, arch)?;
        let callee = match (spec.plan.variadic, spec.target) {
            (false, t) => t,
            // AAPCS64 (Linux) passes variadic arguments as fixed ones: no `%al` to set.
            (true, t) if arch == Arch::Aarch64 => t,
            (true, Some(t)) => Some(self.variadic_entry(spec.plan.vector_regs, t)?),
            (true, None) => {
                return Err(JitError("variadic calls through function pointers".into()));
            }
        };
        let key = StubKey {
            plan: spec.plan.clone(),
            convs: spec.convs.to_vec(),
            ret: spec.ret,
            errno: spec.errno,
            indirect: callee.is_none(),
            prepared: spec.prepared,
        };
        let cached = {
            let mut engine = self.lock();
            let cached = match engine.stubs.get(&key) {
                Some(StubEntry::Shared(stub)) => {
                    let stub = *stub;
                    engine.stats.shared += 1;
                    return Ok(stub);
                }
                Some(StubEntry::Template { code, patch }) => Some(Some((code.clone(), *patch))),
                Some(StubEntry::Unpatchable) => Some(None),
                None => None,
            };
            if let Some(Some(_)) = cached {
                engine.stats.copied += 1;
            }
            cached
        };
        let Some(callee) = callee else {
            let code = self.codegen_stub(spec, None)?;
            let stub = self.install_stub(&code)?;
            self.lock().stubs.insert(key, StubEntry::Shared(stub));
            return Ok(stub);
        };
        let template = match cached {
            Some(t) => t,
            None => {
                let code = self.codegen_stub(spec, Some(CALLEE_PLACEHOLDER as usize))?;
                let needle = CALLEE_PLACEHOLDER.to_le_bytes();
                let mut at = code.windows(8).enumerate().filter(|(_, w)| *w == needle);
                let entry = match (at.next(), at.next()) {
                    (Some((patch, _)), None) => StubEntry::Template { code, patch },
                    _ => StubEntry::Unpatchable,
                };
                let t = match &entry {
                    StubEntry::Template { code, patch } => Some((code.clone(), *patch)),
                    _ => None,
                };
                self.lock().stubs.insert(key, entry);
                t
            }
        };
        let code = match template {
            Some((mut code, patch)) => {
                code[patch..patch + 8].copy_from_slice(&(callee as u64).to_le_bytes());
                code
            }
            None => self.codegen_stub(spec, Some(callee))?,
        };
        self.install_stub(&code)
    }

    /// Compiles a stub that calls `callee` (or the `target` argument) to machine code.
    fn codegen_stub(
        &self,
        spec: &StubSpec<'_>,
        callee: Option<usize>,
    ) -> Result<Vec<u8>, JitError> {
        let ptr = self.pointer_type();
        let mut sig = Signature::new(self.call_conv());
        sig.params
            .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
        sig.returns.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I64));
        let callee_sig = self.callee_signature(spec.plan)?;
        let arch = self.arch();
        self.codegen(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let mut sb = StubBuilder {
                b: &mut b,
                ptr,
                arch,
            };
            sb.build(spec, callee, callee_sig)?;
            b.finalize(config);
            Ok(())
        })
    }

    fn install_stub(&self, code: &[u8]) -> Result<UntypedStub, JitError> {
        let addr = self.install(code)?;
        // SAFETY: `addr` is the entry of a function compiled with exactly this signature.
        let f = unsafe { std::mem::transmute::<*const u8, StubFn>(addr) };
        Ok(UntypedStub { f })
    }

    /// The Cranelift signature of the C function as the plan lays it out.
    pub(crate) fn callee_signature(&self, plan: &CallPlan) -> Result<Signature, JitError> {
        signature_of(plan, self.call_conv(), self.pointer_type(), self.arch())
    }
}

/// The Cranelift signature of a C function as `plan` lays it out on `arch`, in `call_conv`
/// (the target's C convention) with pointers of type `ptr`: stubs, callback thunks and host
/// code emitted by `crate::emit` all call through it.
///
/// # Errors
///
/// An argument the JIT does not lower ([`lower_args`]).
pub(crate) fn signature_of(
    plan: &CallPlan,
    call_conv: cranelift_codegen::isa::CallConv,
    ptr: Type,
    arch: Arch,
) -> Result<Signature, JitError> {
    let mut sig = Signature::new(call_conv);
    if let RetClass::Sret { .. } = plan.ret {
        sig.params
            .push(AbiParam::special(ptr, ArgumentPurpose::StructReturn));
    }
    for l in lower_args(plan, arch)? {
        sig.params
            .extend(l.fill.iter().map(|f| fill_param(*f, ptr)));
        form_params(&l.form, ptr, &mut sig.params);
    }
    match &plan.ret {
        RetClass::Void
        | RetClass::Sret { .. }
        | RetClass::Unsupported(_)
        | RetClass::X87 { .. } => {}
        RetClass::Int { bytes, .. } => sig.returns.push(AbiParam::new(int_type(*bytes))),
        RetClass::F32 => sig.returns.push(AbiParam::new(types::F32)),
        RetClass::F64 => sig.returns.push(AbiParam::new(types::F64)),
        RetClass::Ptr => sig.returns.push(AbiParam::new(ptr)),
        RetClass::StructRegs { parts, .. } => {
            for p in parts {
                sig.returns.push(AbiParam::new(part_type(*p)));
            }
        }
    }
    Ok(sig)
}

pub(super) fn int_type(bytes: u8) -> Type {
    match bytes {
        1 => types::I8,
        2 => types::I16,
        4 => types::I32,
        _ => types::I64,
    }
}

/// Builds one stub (a translator struct, as in cranelift-jit-demo).
pub(super) struct StubBuilder<'a, 'b> {
    pub b: &'a mut FunctionBuilder<'b>,
    pub ptr: Type,
    pub arch: Arch,
}

impl StubBuilder<'_, '_> {
    pub(super) fn build(
        &mut self,
        spec: &StubSpec<'_>,
        callee: Option<usize>,
        callee_sig: Signature,
    ) -> Result<(), JitError> {
        let params = super::enter(self.b);
        let (args, ret, target) = (params[0], params[1], params[2]);

        // 1. Check every argument's tag; any mismatch leaves through one cold block.
        let mut all_ok = None;
        let checked = if spec.prepared { &[][..] } else { spec.convs };
        for (i, conv) in checked.iter().enumerate() {
            let ok = self.arg_ok(args, i, *conv)?;
            all_ok = Some(match all_ok {
                Some(acc) => self.b.ins().band(acc, ok),
                None => ok,
            });
        }
        if let Some(ok) = all_ok {
            self.require(ok);
        }

        // 2. Load the arguments as the plan lays them out.
        let mut call_args = Vec::new();
        if let RetClass::Sret { .. } = spec.plan.ret {
            call_args.push(ret);
        }
        let lowered = lower_args(spec.plan, self.arch)?;
        for (i, (class, l)) in spec.plan.args.iter().zip(&lowered).enumerate() {
            super::host::push_fills(self.b, &l.fill, self.ptr, &mut call_args);
            if spec.prepared {
                self.lower_slot(args, i, class, &l.form, &mut call_args)?;
            } else {
                self.lower_arg(args, i, class, &l.form, &mut call_args)?;
            }
        }

        // 3. Call.
        let results = self.emit_call(callee, target, callee_sig, &call_args, spec.errno);

        // 4. Return the result.
        let bits = self.lift_result(spec, ret, &results)?;
        let zero = self.b.ins().iconst(types::I64, 0);
        self.b.ins().return_(&[zero, bits]);
        Ok(())
    }

    fn field(
        &mut self,
        ty: Type,
        args: cranelift_codegen::ir::Value,
        i: usize,
        offset: i32,
    ) -> cranelift_codegen::ir::Value {
        let off = i64::try_from(i).unwrap_or(0) * VALUE_SIZE + i64::from(offset);
        self.b
            .ins()
            .load(ty, trusted(), args, i32::try_from(off).unwrap_or(i32::MAX))
    }

    /// Emits `if !cond { return 1 }` and continues in a fresh block.
    fn require(&mut self, cond: cranelift_codegen::ir::Value) {
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b
            .ins()
            .brif(cond, ok, &[] as &[BlockArg], fail, &[] as &[BlockArg]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        self.b.set_cold_block(fail);
        let code = self.b.ins().iconst(types::I64, 1);
        let none = self.b.ins().iconst(types::I64, 0);
        self.b.ins().return_(&[code, none]);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }

    /// Whether argument `i` is of its parameter's canonical variant (and, for pointers and
    /// structs, type): a flag computed without branches, so that all arguments take one.
    /// A load of a payload field the value's variant does not have reads other bytes of its
    /// 40, and is masked by the tag test.
    fn arg_ok(
        &mut self,
        args: cranelift_codegen::ir::Value,
        i: usize,
        conv: Conv,
    ) -> Result<cranelift_codegen::ir::Value, JitError> {
        let off = i64::try_from(i).unwrap_or(0) * VALUE_SIZE;
        let off = i32::try_from(off).map_err(|_| JitError("too many arguments".into()))?;
        let t = self.b.ins().load(types::I64, trusted(), args, off);
        let eq =
            |b: &mut FunctionBuilder<'_>, v, imm: i64| b.ins().icmp_imm_s(IntCC::Equal, v, imm);
        Ok(match conv {
            Conv::Ptr { ty, chars } => {
                // A pointer of the parameter's type or untyped; a string for `char *`-like
                // parameters.
                let is_ptr = eq(self.b, t, i64::from(tag::PTR));
                let pty = self.field(types::I32, args, i, value::PTR_TYPE);
                let untyped = eq(self.b, pty, i64::from(value::UNTYPED as i32));
                let same = eq(self.b, pty, i64::from(ty.0 as i32));
                let typed_ok = self.b.ins().bor(untyped, same);
                let ptr_ok = self.b.ins().band(is_ptr, typed_ok);
                if chars {
                    let is_str = eq(self.b, t, i64::from(tag::STR));
                    self.b.ins().bor(ptr_ok, is_str)
                } else {
                    ptr_ok
                }
            }
            Conv::Struct { ty, size } => {
                let is_struct = eq(self.b, t, i64::from(tag::STRUCT));
                let sty = self.field(types::I32, args, i, value::STRUCT_TYPE);
                let slen = self.field(types::I32, args, i, value::STRUCT_TYPE + 4);
                let same_ty = eq(self.b, sty, i64::from(ty.0 as i32));
                let same_len = eq(self.b, slen, i64::from(size as i32));
                let same = self.b.ins().band(same_ty, same_len);
                self.b.ins().band(is_struct, same)
            }
            Conv::Void | Conv::Unsupported => {
                return Err(JitError(format!("argument {} cannot be passed", i + 1)));
            }
            other => eq(self.b, t, i64::from(other.canonical_tag())),
        })
    }

    /// The address of the bytes of the struct value at `base`: its data pointer, or its inline
    /// bytes when that pointer is null.
    fn struct_bytes(
        &mut self,
        args: cranelift_codegen::ir::Value,
        base: i32,
    ) -> cranelift_codegen::ir::Value {
        let data = self
            .b
            .ins()
            .load(self.ptr, trusted(), args, base + value::STRUCT_DATA);
        let inline = self
            .b
            .ins()
            .iadd_imm_s(args, i64::from(base + value::STRUCT_INLINE));
        self.b.ins().select(data, data, inline)
    }

    fn lower_arg(
        &mut self,
        args: cranelift_codegen::ir::Value,
        i: usize,
        class: &ArgClass,
        form: &Form,
        out: &mut Vec<cranelift_codegen::ir::Value>,
    ) -> Result<(), JitError> {
        let base = i32::try_from(i64::try_from(i).unwrap_or(0) * VALUE_SIZE)
            .map_err(|_| JitError("too many arguments".into()))?;
        let payload = base + value::PAYLOAD;
        match class {
            ArgClass::Int { bytes, signed } => {
                let v = match (bytes, signed) {
                    (1, true) => self.b.ins().sload8(types::I32, trusted(), args, payload),
                    (1, false) => self.b.ins().uload8(types::I32, trusted(), args, payload),
                    (2, true) => self.b.ins().sload16(types::I32, trusted(), args, payload),
                    (2, false) => self.b.ins().uload16(types::I32, trusted(), args, payload),
                    (4, _) => self.b.ins().load(types::I32, trusted(), args, payload),
                    _ => self.b.ins().load(types::I64, trusted(), args, payload),
                };
                out.push(v);
            }
            ArgClass::F32 => out.push(self.b.ins().load(types::F32, trusted(), args, payload)),
            ArgClass::F64 => out.push(self.b.ins().load(types::F64, trusted(), args, payload)),
            ArgClass::Ptr => out.push(self.b.ins().load(self.ptr, trusted(), args, payload)),
            ArgClass::StructRegs { .. }
            | ArgClass::StructStack { .. }
            | ArgClass::StructRef { .. } => {
                // Parts straight from the struct's bytes, reading exactly its bytes (no copy
                // to a stack slot and back, which stalls on store forwarding), or a copy.
                let data = self.struct_bytes(args, base);
                super::host::push_struct(self.b, form, data, self.ptr, unaligned(), out);
            }
            ArgClass::Unsupported(_) => {
                return Err(JitError(format!(
                    "argument {} cannot be passed by this backend",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    /// Argument `i` of a prepared call, from slot `i` (8 bytes at `8 * i`).
    fn lower_slot(
        &mut self,
        slots: cranelift_codegen::ir::Value,
        i: usize,
        class: &ArgClass,
        form: &Form,
        out: &mut Vec<cranelift_codegen::ir::Value>,
    ) -> Result<(), JitError> {
        let at = i32::try_from(i * 8).map_err(|_| JitError("too many arguments".into()))?;
        let f = trusted();
        let v = match class {
            ArgClass::Int { bytes, signed } => match (bytes, signed) {
                (1, true) => self.b.ins().sload8(types::I32, f, slots, at),
                (1, false) => self.b.ins().uload8(types::I32, f, slots, at),
                (2, true) => self.b.ins().sload16(types::I32, f, slots, at),
                (2, false) => self.b.ins().uload16(types::I32, f, slots, at),
                (4, _) => self.b.ins().load(types::I32, f, slots, at),
                _ => self.b.ins().load(types::I64, f, slots, at),
            },
            ArgClass::F32 => self.b.ins().load(types::F32, f, slots, at),
            ArgClass::F64 => self.b.ins().load(types::F64, f, slots, at),
            ArgClass::Ptr => self.b.ins().load(self.ptr, f, slots, at),
            ArgClass::StructRegs { .. }
            | ArgClass::StructStack { .. }
            | ArgClass::StructRef { .. } => {
                let data = self.b.ins().load(self.ptr, f, slots, at);
                super::host::push_struct(self.b, form, data, self.ptr, unaligned(), out);
                return Ok(());
            }
            ArgClass::Unsupported(_) => {
                return Err(JitError(format!(
                    "argument {} cannot be passed by this backend",
                    i + 1
                )));
            }
        };
        out.push(v);
        Ok(())
    }

    fn call_helper(&mut self, f: extern "C" fn()) {
        let sig = Signature::new(self.b.func.signature.call_conv);
        let sig = self.b.import_signature(sig);
        let addr = self.b.ins().iconst(self.ptr, f as usize as i64);
        self.b.ins().call_indirect(sig, addr, &[]);
    }

    fn emit_call(
        &mut self,
        callee: Option<usize>,
        target: cranelift_codegen::ir::Value,
        sig: Signature,
        args: &[cranelift_codegen::ir::Value],
        errno: bool,
    ) -> Vec<cranelift_codegen::ir::Value> {
        if errno {
            self.call_helper(restore_errno);
        }
        let sig = self.b.import_signature(sig);
        let addr = match callee {
            Some(a) => self.b.ins().iconst(self.ptr, a as i64),
            None => target,
        };
        let call = self.b.ins().call_indirect(sig, addr, args);
        let results = self.b.inst_results(call).to_vec();
        if errno {
            self.call_helper(save_errno);
        }
        results
    }

    /// The result as 64 bits for the `bits` register (struct results are written to `ret`).
    fn lift_result(
        &mut self,
        spec: &StubSpec<'_>,
        ret: cranelift_codegen::ir::Value,
        results: &[cranelift_codegen::ir::Value],
    ) -> Result<cranelift_codegen::ir::Value, JitError> {
        Ok(match &spec.plan.ret {
            RetClass::Void | RetClass::Sret { .. } => self.b.ins().iconst(types::I64, 0),
            RetClass::Int { bytes, signed } => {
                let v = results[0];
                if spec.ret == Conv::Bool {
                    // C's _Bool is 0 or 1; normalise anyway before Rust reads a `bool`.
                    let t = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                    self.b.ins().uextend(types::I64, t)
                } else if *bytes == 8 {
                    v
                } else if *signed {
                    self.b.ins().sextend(types::I64, v)
                } else {
                    self.b.ins().uextend(types::I64, v)
                }
            }
            RetClass::F32 => {
                let i = self
                    .b
                    .ins()
                    .bitcast(types::I32, MemFlagsData::new(), results[0]);
                self.b.ins().uextend(types::I64, i)
            }
            RetClass::F64 => self
                .b
                .ins()
                .bitcast(types::I64, MemFlagsData::new(), results[0]),
            RetClass::Ptr => results[0],
            RetClass::StructRegs { parts, .. } if self.arch == Arch::Aarch64 => {
                // Up to four parts (an HFA of doubles is 32 bytes): each stored at its offset;
                // `ret` has room for the struct rounded up to 8 bytes.
                for (p, v) in parts.iter().zip(results) {
                    let off = i32::try_from(p.offset).unwrap_or(0);
                    self.b.ins().store(unaligned(), *v, ret, off);
                }
                self.b.ins().iconst(types::I64, 0)
            }
            RetClass::StructRegs { parts, .. } => {
                // `ret` has room for 16 bytes (see the module documentation): both eightbytes
                // go there in one 16-byte store, which the caller's 16-byte load of the bytes
                // can forward from (two 8-byte stores would stall that load).
                let zero = self.b.ins().iconst(types::I64, 0);
                let mut words = [zero, zero];
                for (p, v) in parts.iter().zip(results) {
                    let w = match part_type(*p) {
                        t if t == types::F32 => {
                            let i = self.b.ins().bitcast(types::I32, MemFlagsData::new(), *v);
                            self.b.ins().uextend(types::I64, i)
                        }
                        t if t == types::F64 => {
                            self.b.ins().bitcast(types::I64, MemFlagsData::new(), *v)
                        }
                        _ => *v,
                    };
                    words[usize::from(p.offset >= 8)] = w;
                }
                let v = self.b.ins().scalar_to_vector(types::I64X2, words[0]);
                let v = self.b.ins().insertlane(v, words[1], 1);
                self.b.ins().store(unaligned(), v, ret, 0);
                self.b.ins().iconst(types::I64, 0)
            }
            RetClass::Unsupported(why) => return Err(JitError(why.clone())),
            RetClass::X87 { .. } => {
                return Err(JitError(
                    "a struct holding a long double is returned in st(0)".into(),
                ));
            }
        })
    }
}
