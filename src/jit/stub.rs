//! Untyped call stubs: `extern "C" fn(args: *const Value, ret: *mut u8, target: *const c_void)
//! -> u32`, compiled per function from its [`CallPlan`].
//!
//! The stub checks each argument's tag (and, for pointers and structs, the type id) against the
//! parameter's canonical `Value` variant, loads the payloads into the registers and stack slots
//! the plan assigns, calls the C function (address baked in, or `target` for calls through
//! function pointers), and writes the result into `ret`: a `Value` for scalar results, the
//! struct's bytes for struct results. It returns 0, or `1 + i` if argument `i` needs the slow
//! path (conversion or an error message), in which case nothing was called.

use std::ffi::c_void;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, BlockArg, InstBuilder, MemFlagsData, Signature, StackSlotData,
    StackSlotKind, Type, types,
};
use cranelift_frontend::FunctionBuilder;

use super::{JitEngine, JitError, restore_errno, save_errno};
use crate::plan::{ArgClass, CallPlan, Part, RegClass, RetClass};
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
}

/// A compiled untyped stub.
#[derive(Copy, Clone, Debug)]
pub(crate) struct UntypedStub {
    pub f: unsafe extern "C" fn(*const value::Value<'_>, *mut u8, *const c_void) -> u32,
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
fn round8(n: u32) -> u32 {
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

impl JitEngine {
    /// Compiles an untyped call stub.
    pub(crate) fn compile_untyped(&self, spec: &StubSpec<'_>) -> Result<UntypedStub, JitError> {
        if cfg!(not(target_arch = "x86_64")) {
            return Err(JitError(
                "call stubs are implemented for x86-64 only".into(),
            ));
        }
        if let Some(why) = spec.plan.unsupported() {
            return Err(JitError(why));
        }
        for a in &spec.plan.args {
            match a {
                ArgClass::StructStack { align, .. } if *align > 8 => {
                    return Err(JitError(
                        "a struct aligned to more than 8 bytes passed on the stack".into(),
                    ));
                }
                ArgClass::StructRef { .. } => {
                    return Err(JitError(
                        "structs passed by reference (not a System V case)".into(),
                    ));
                }
                _ => {}
            }
        }
        let callee = match (spec.plan.variadic, spec.target) {
            (false, t) => t,
            (true, Some(t)) => {
                Some(self.install_bytes(&variadic_thunk(spec.plan.vector_regs, t))? as usize)
            }
            (true, None) => {
                return Err(JitError("variadic calls through function pointers".into()));
            }
        };
        let ptr = self.pointer_type();
        let mut sig = Signature::new(self.call_conv());
        sig.params
            .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
        sig.returns.push(AbiParam::new(types::I32));
        let callee_sig = self.callee_signature(spec.plan);
        let addr = self.compile(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let mut sb = StubBuilder { b: &mut b, ptr };
            sb.build(spec, callee, callee_sig)?;
            b.finalize(config);
            Ok(())
        })?;
        // SAFETY: `addr` is the entry of a function compiled with exactly this signature.
        let f = unsafe {
            std::mem::transmute::<
                *const u8,
                unsafe extern "C" fn(*const value::Value<'_>, *mut u8, *const c_void) -> u32,
            >(addr)
        };
        Ok(UntypedStub { f })
    }

    /// The Cranelift signature of the C function as the plan lays it out.
    fn callee_signature(&self, plan: &CallPlan) -> Signature {
        let mut sig = Signature::new(self.call_conv());
        if let RetClass::Sret { .. } = plan.ret {
            sig.params.push(AbiParam::special(
                self.pointer_type(),
                ArgumentPurpose::StructReturn,
            ));
        }
        for a in &plan.args {
            match a {
                ArgClass::Int { bytes, .. } => sig.params.push(AbiParam::new(if *bytes <= 4 {
                    types::I32
                } else {
                    types::I64
                })),
                ArgClass::F32 => sig.params.push(AbiParam::new(types::F32)),
                ArgClass::F64 => sig.params.push(AbiParam::new(types::F64)),
                ArgClass::Ptr => sig.params.push(AbiParam::new(self.pointer_type())),
                ArgClass::StructRegs { parts, .. } => {
                    for p in parts {
                        sig.params.push(AbiParam::new(part_type(*p)));
                    }
                }
                ArgClass::StructStack { size, .. } => {
                    sig.params.push(AbiParam::special(
                        self.pointer_type(),
                        ArgumentPurpose::StructArgument(round8(*size)),
                    ));
                }
                ArgClass::StructRef { .. } | ArgClass::Unsupported(_) => {}
            }
        }
        match &plan.ret {
            RetClass::Void | RetClass::Sret { .. } | RetClass::Unsupported(_) => {}
            RetClass::Int { bytes, .. } => sig.returns.push(AbiParam::new(int_type(*bytes))),
            RetClass::F32 => sig.returns.push(AbiParam::new(types::F32)),
            RetClass::F64 => sig.returns.push(AbiParam::new(types::F64)),
            RetClass::Ptr => sig.returns.push(AbiParam::new(self.pointer_type())),
            RetClass::StructRegs { parts, .. } => {
                for p in parts {
                    sig.returns.push(AbiParam::new(part_type(*p)));
                }
            }
        }
        sig
    }
}

fn int_type(bytes: u8) -> Type {
    match bytes {
        1 => types::I8,
        2 => types::I16,
        4 => types::I32,
        _ => types::I64,
    }
}

/// The register type of one part of a struct in registers.
fn part_type(p: Part) -> Type {
    match (p.class, p.size) {
        (RegClass::Float, 4) => types::F32,
        (RegClass::Float, _) => types::F64,
        (RegClass::Int, _) => types::I64,
    }
}

/// Builds one stub (a translator struct, as in cranelift-jit-demo).
struct StubBuilder<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    ptr: Type,
}

impl StubBuilder<'_, '_> {
    fn build(
        &mut self,
        spec: &StubSpec<'_>,
        callee: Option<usize>,
        callee_sig: Signature,
    ) -> Result<(), JitError> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        let (args, ret, target) = (params[0], params[1], params[2]);

        // 1. Check every argument's tag; any mismatch leaves through a cold block.
        for (i, conv) in spec.convs.iter().enumerate() {
            self.check_arg(args, i, *conv)?;
        }

        // 2. Load the arguments as the plan lays them out.
        let mut call_args = Vec::new();
        if let RetClass::Sret { .. } = spec.plan.ret {
            call_args.push(ret);
        }
        for (i, class) in spec.plan.args.iter().enumerate() {
            self.lower_arg(args, i, class, &mut call_args)?;
        }

        // 3. Call.
        let results = self.emit_call(callee, target, callee_sig, &call_args, spec.errno);

        // 4. Write the result.
        self.lift_result(spec, ret, &results)?;
        let zero = self.b.ins().iconst(types::I32, 0);
        self.b.ins().return_(&[zero]);
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

    /// Emits `if !cond { return 1 + i }` and continues in a fresh block.
    fn require(&mut self, cond: cranelift_codegen::ir::Value, i: usize) {
        let ok = self.b.create_block();
        let fail = self.b.create_block();
        self.b
            .ins()
            .brif(cond, ok, &[] as &[BlockArg], fail, &[] as &[BlockArg]);
        self.b.switch_to_block(fail);
        self.b.seal_block(fail);
        self.b.set_cold_block(fail);
        let code = self
            .b
            .ins()
            .iconst(types::I32, i64::try_from(i + 1).unwrap_or(i64::MAX));
        self.b.ins().return_(&[code]);
        self.b.switch_to_block(ok);
        self.b.seal_block(ok);
    }

    fn check_arg(
        &mut self,
        args: cranelift_codegen::ir::Value,
        i: usize,
        conv: Conv,
    ) -> Result<(), JitError> {
        let off = i64::try_from(i).unwrap_or(0) * VALUE_SIZE;
        let off = i32::try_from(off).map_err(|_| JitError("too many arguments".into()))?;
        let t = self.b.ins().uload8(types::I32, trusted(), args, off);
        match conv {
            Conv::Ptr { ty, chars } => {
                // A typed pointer must be of the parameter's type (or untyped); others and
                // strings for non-char pointers go to the slow path.
                let is_ptr = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(tag::PTR));
                let check_ty = self.b.create_block();
                let other = self.b.create_block();
                let done = self.b.create_block();
                self.b.ins().brif(
                    is_ptr,
                    check_ty,
                    &[] as &[BlockArg],
                    other,
                    &[] as &[BlockArg],
                );

                self.b.switch_to_block(check_ty);
                self.b.seal_block(check_ty);
                let pty = self.field(types::I32, args, i, value::PTR_TYPE);
                let untyped =
                    self.b
                        .ins()
                        .icmp_imm_s(IntCC::Equal, pty, i64::from(value::UNTYPED as i32));
                let same = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, pty, i64::from(ty.0 as i32));
                let ok = self.b.ins().bor(untyped, same);
                self.require(ok, i);
                self.b.ins().jump(done, &[] as &[BlockArg]);

                self.b.switch_to_block(other);
                self.b.seal_block(other);
                if chars {
                    let is_str = self
                        .b
                        .ins()
                        .icmp_imm_s(IntCC::Equal, t, i64::from(tag::STR));
                    self.require(is_str, i);
                } else {
                    let no = self.b.ins().iconst(types::I8, 0);
                    self.require(no, i);
                }
                self.b.ins().jump(done, &[] as &[BlockArg]);
                self.b.switch_to_block(done);
                self.b.seal_block(done);
            }
            Conv::Struct { ty, size } => {
                let is_struct = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(tag::STRUCT));
                self.require(is_struct, i);
                let sty = self.field(types::I32, args, i, value::STRUCT_TYPE);
                let slen = self.field(types::I32, args, i, value::STRUCT_TYPE + 4);
                let same_ty = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, sty, i64::from(ty.0 as i32));
                let same_len = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, slen, i64::from(size as i32));
                let ok = self.b.ins().band(same_ty, same_len);
                self.require(ok, i);
            }
            Conv::Void | Conv::Unsupported => {
                return Err(JitError(format!("argument {} cannot be passed", i + 1)));
            }
            other => {
                let ok = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, t, i64::from(other.canonical_tag()));
                self.require(ok, i);
            }
        }
        Ok(())
    }

    /// Copies `size` bytes from `src` to `dst` with unaligned loads and stores of 8, 4, 2, 1
    /// bytes, never touching a byte past `size` on either side.
    fn copy(
        &mut self,
        dst: cranelift_codegen::ir::Value,
        src: cranelift_codegen::ir::Value,
        size: u32,
    ) {
        let mut off = 0u32;
        for (step, ty) in [
            (8u32, types::I64),
            (4, types::I32),
            (2, types::I16),
            (1, types::I8),
        ] {
            while size - off >= step {
                let o = i32::try_from(off).unwrap_or(0);
                let v = self.b.ins().load(ty, unaligned(), src, o);
                self.b.ins().store(unaligned(), v, dst, o);
                off += step;
            }
        }
    }

    fn slot(&mut self, size: u32) -> cranelift_codegen::ir::StackSlot {
        self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            round8(size).max(8),
            3,
        ))
    }

    fn lower_arg(
        &mut self,
        args: cranelift_codegen::ir::Value,
        i: usize,
        class: &ArgClass,
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
            ArgClass::StructRegs { parts, size } => {
                let data = self
                    .b
                    .ins()
                    .load(self.ptr, trusted(), args, base + value::STRUCT_DATA);
                let slot = self.slot(*size);
                let slot_addr = self.b.ins().stack_addr(self.ptr, slot, 0);
                self.copy(slot_addr, data, *size);
                for p in parts {
                    let o = i32::try_from(p.offset).unwrap_or(0);
                    out.push(self.b.ins().stack_load(self.ptr, part_type(*p), slot, o));
                }
            }
            ArgClass::StructStack { size, .. } => {
                let data = self
                    .b
                    .ins()
                    .load(self.ptr, trusted(), args, base + value::STRUCT_DATA);
                let slot = self.slot(*size);
                let slot_addr = self.b.ins().stack_addr(self.ptr, slot, 0);
                self.copy(slot_addr, data, *size);
                out.push(slot_addr);
            }
            ArgClass::StructRef { .. } | ArgClass::Unsupported(_) => {
                return Err(JitError(format!(
                    "argument {} cannot be passed by this backend",
                    i + 1
                )));
            }
        }
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

    fn lift_result(
        &mut self,
        spec: &StubSpec<'_>,
        ret: cranelift_codegen::ir::Value,
        results: &[cranelift_codegen::ir::Value],
    ) -> Result<(), JitError> {
        let store_tag = |sb: &mut Self, t: u8| {
            let v = sb.b.ins().iconst(types::I8, i64::from(t));
            sb.b.ins().store(trusted(), v, ret, 0);
        };
        match &spec.plan.ret {
            RetClass::Void => store_tag(self, tag::VOID),
            RetClass::Int { .. } | RetClass::F32 | RetClass::F64 => {
                store_tag(self, spec.ret.canonical_tag());
                self.b
                    .ins()
                    .store(trusted(), results[0], ret, value::PAYLOAD);
            }
            RetClass::Ptr => {
                store_tag(self, tag::PTR);
                self.b
                    .ins()
                    .store(trusted(), results[0], ret, value::PAYLOAD);
                let ty = match spec.ret {
                    Conv::Ptr { ty, .. } => ty.0,
                    _ => value::UNTYPED,
                };
                let tv = self.b.ins().iconst(types::I32, i64::from(ty as i32));
                self.b.ins().store(trusted(), tv, ret, value::PTR_TYPE);
            }
            RetClass::StructRegs { parts, size } => {
                // The registers hold whole eightbytes; write them to a slot and copy exactly
                // `size` bytes to the caller's buffer.
                let slot = self.slot(16);
                for (p, v) in parts.iter().zip(results) {
                    self.b.ins().stack_store(
                        self.ptr,
                        *v,
                        slot,
                        i32::try_from(p.offset).unwrap_or(0),
                    );
                }
                let slot_addr = self.b.ins().stack_addr(self.ptr, slot, 0);
                self.copy(ret, slot_addr, *size);
            }
            RetClass::Sret { .. } => {}
            RetClass::Unsupported(why) => return Err(JitError(why.clone())),
        }
        Ok(())
    }
}
