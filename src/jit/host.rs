//! IR emitted into a host's own Cranelift function (`crate::emit`): a C call lowered by its
//! [`CallPlan`] at the call site, with no stub in between, and member loads and stores.
//!
//! The host's values are C values in their natural IR types (`int` is `i32`, `char` is `i8`,
//! `double` is `f64`, a pointer is the pointer type); a struct or union passed or returned by
//! value is the address of its bytes. The lowering does what a C compiler's call site does:
//! narrow integers are extended to 32 bits, structs in registers are loaded eightbyte by
//! eightbyte straight from their bytes, structs on the stack are copied to a stack slot of the
//! host's frame that Cranelift copies into the outgoing arguments, a result in memory gets a
//! stack slot passed as the hidden pointer, and a result in registers is stored to a slot
//! whose address is the result. Nothing here allocates or calls into Rust unless `errno` is
//! captured.

use std::fmt;

use cranelift_codegen::ir::{
    InstBuilder, MemFlagsData, StackSlot, StackSlotData, StackSlotKind, Type, Value as IrValue,
    types,
};
use cranelift_frontend::FunctionBuilder;

use super::JitError;
use super::lower::{Arch, Fill, Form, lower_args, part_type};
use super::stub::{int_type, round8, signature_of};
use crate::errno::{restore_errno, save_errno};
use crate::plan::{ArgClass, CallPlan, Part, RegClass, RetClass};

/// What kind of problem an [`EmitError`] is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitErrorKind {
    /// The number of arguments does not match the declaration.
    Arity,
    /// An IR value's type is not the one its C type travels as, or a type is not one the
    /// operation applies to (a struct member loaded as a scalar, a non-function type called).
    Type,
    /// The operation exists but jitffi cannot lower it here (`long double` arguments,
    /// variadic calls through function pointers, another architecture).
    Unsupported,
    /// Handles of two different [`Ffi`](crate::Ffi) contexts were mixed.
    Context,
    /// Cranelift refused the host's function ([`crate::emit::compile`]): its IR does not verify.
    Compile,
    /// The host's own code generation failed ([`EmitError::host`]).
    Host,
}

/// Why an FFI operation could not be emitted. Nothing was emitted then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError {
    kind: EmitErrorKind,
    message: String,
}

impl EmitError {
    pub(crate) fn new(kind: EmitErrorKind, message: impl Into<String>) -> EmitError {
        EmitError {
            kind,
            message: message.into(),
        }
    }

    /// An error of the host's own code generation, for a [`crate::emit::compile`] closure to return
    /// (kind [`EmitErrorKind::Host`]).
    pub fn host(message: impl Into<String>) -> EmitError {
        EmitError::new(EmitErrorKind::Host, message)
    }

    /// What kind of problem it is.
    pub fn kind(&self) -> EmitErrorKind {
        self.kind
    }
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EmitError {}

/// What a host call calls.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Callee {
    /// A known address, materialised as a constant.
    Addr(usize),
    /// An address computed by the host (a function pointer).
    Value(IrValue),
}

/// The host's IR type of an argument of class `class` (`None`: not passable).
pub(crate) fn host_arg_type(class: &ArgClass, ptr: Type) -> Option<Type> {
    match class {
        ArgClass::Int { bytes, .. } => Some(int_type(*bytes)),
        ArgClass::F32 => Some(types::F32),
        ArgClass::F64 => Some(types::F64),
        ArgClass::Ptr
        | ArgClass::StructRegs { .. }
        | ArgClass::StructStack { .. }
        | ArgClass::StructRef { .. } => Some(ptr),
        ArgClass::Unsupported(_) => None,
    }
}

/// Host memory: may be unaligned (packed records), may trap (the host's pointers).
fn host_flags() -> MemFlagsData {
    MemFlagsData::new()
}

/// A stack slot of the host's frame: `size` bytes rounded up to 8, 16-aligned.
fn slot(b: &mut FunctionBuilder<'_>, size: u32) -> StackSlot {
    b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        round8(size).max(8),
        4,
    ))
}

/// Copies `size` bytes from `src` to `dst` with loads and stores of 8, 4, 2, 1 bytes, never
/// touching a byte past `size` on either side (stubs and host calls alike).
pub(super) fn copy(
    b: &mut FunctionBuilder<'_>,
    dst: IrValue,
    src: IrValue,
    size: u32,
    flags: MemFlagsData,
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
            let v = b.ins().load(ty, flags, src, o);
            b.ins().store(flags, v, dst, o);
            off += step;
        }
    }
}

/// One register part of a struct, read straight from its bytes at `src`: exactly the part's
/// bytes (a 4-byte tail is one 32-bit load, a 3-byte tail a 16- and an 8-bit load), so that
/// nothing past the struct's end is read.
pub(super) fn load_part(b: &mut FunctionBuilder<'_>, src: IrValue, p: Part) -> IrValue {
    let off = i32::try_from(p.offset).unwrap_or(0);
    match (p.class, p.size) {
        (RegClass::Float, 4) => b.ins().load(types::F32, host_flags(), src, off),
        (RegClass::Float, _) => b.ins().load(types::F64, host_flags(), src, off),
        (RegClass::Int, 8) => b.ins().load(types::I64, host_flags(), src, off),
        // Exactly the part's bytes, zero-extended (as a bit-field's bytes are read).
        (RegClass::Int, n) => super::accessor::load_bytes(b, src, off, n, host_flags()),
    }
}

fn call_helper(b: &mut FunctionBuilder<'_>, ptr: Type, f: extern "C" fn()) {
    let sig = cranelift_codegen::ir::Signature::new(call_conv());
    let sig = b.import_signature(sig);
    let addr = b.ins().iconst(ptr, f as usize as i64);
    b.ins().call_indirect(sig, addr, &[]);
}

/// The architecture host code runs on.
fn host_arch() -> Arch {
    if cfg!(target_arch = "aarch64") {
        Arch::Aarch64
    } else {
        Arch::X64
    }
}

/// The C calling convention of the host.
pub(crate) fn call_conv() -> cranelift_codegen::isa::CallConv {
    cranelift_codegen::isa::CallConv::SystemV
}

/// Emits a call of `callee` as `plan` lays it out, with the host's `args` (already checked to
/// be of [`host_arg_type`]), and returns the result as the host sees it (none for `void`, the
/// scalar, or the address of a stack slot holding a struct result).
pub(crate) fn emit_call(
    b: &mut FunctionBuilder<'_>,
    plan: &CallPlan,
    callee: Callee,
    args: &[IrValue],
    errno: bool,
) -> Result<Option<IrValue>, JitError> {
    if cfg!(not(any(
        all(target_arch = "x86_64", not(windows)),
        all(target_arch = "aarch64", target_os = "linux")
    ))) {
        return Err(JitError(
            "host calls are lowered for x86-64 System V and AArch64 Linux only".into(),
        ));
    }
    if let Some(why) = plan.unsupported() {
        return Err(JitError(why));
    }
    let arch = host_arch();
    let lowered = lower_args(plan, arch)?;
    if args.len() != plan.args.len() {
        return Err(JitError(format!(
            "{} arguments for a plan of {}",
            args.len(),
            plan.args.len()
        )));
    }
    let ptr = types::I64;
    let mut call_args = Vec::with_capacity(args.len() + 2);
    let ret_slot = match &plan.ret {
        RetClass::Sret { size } | RetClass::StructRegs { size, .. } => Some(slot(b, *size)),
        _ => None,
    };
    if let (RetClass::Sret { .. }, Some(s)) = (&plan.ret, ret_slot) {
        call_args.push(b.ins().stack_addr(ptr, s, 0));
    }
    for ((class, &v), l) in plan.args.iter().zip(args).zip(&lowered) {
        push_fills(b, &l.fill, ptr, &mut call_args);
        match class {
            ArgClass::Int { bytes, signed } if *bytes < 4 => {
                call_args.push(if *signed {
                    b.ins().sextend(types::I32, v)
                } else {
                    b.ins().uextend(types::I32, v)
                });
            }
            ArgClass::Int { .. } | ArgClass::F32 | ArgClass::F64 | ArgClass::Ptr => {
                call_args.push(v);
            }
            ArgClass::StructRegs { .. }
            | ArgClass::StructStack { .. }
            | ArgClass::StructRef { .. } => {
                push_struct(b, &l.form, v, ptr, host_flags(), &mut call_args);
            }
            ArgClass::Unsupported(_) => {
                return Err(JitError("argument cannot be passed".into()));
            }
        }
    }
    if errno {
        call_helper(b, ptr, restore_errno);
    }
    let sig = signature_of(plan, call_conv(), ptr, arch)?;
    let sig = b.import_signature(sig);
    let addr = match callee {
        Callee::Addr(a) => b.ins().iconst(ptr, a as i64),
        Callee::Value(v) => v,
    };
    let call = b.ins().call_indirect(sig, addr, &call_args);
    let results = b.inst_results(call).to_vec();
    if errno {
        call_helper(b, ptr, save_errno);
    }
    Ok(match (&plan.ret, ret_slot) {
        (RetClass::Void, _) => None,
        (RetClass::StructRegs { parts, .. }, Some(s)) => {
            for (p, v) in parts.iter().zip(&results) {
                let o = i32::try_from(p.offset).unwrap_or(0);
                b.ins().stack_store(ptr, *v, s, o);
            }
            debug_assert!(parts.iter().all(|p| part_type(*p).bytes() <= 8));
            Some(b.ins().stack_addr(ptr, s, 0))
        }
        (RetClass::Sret { .. }, Some(s)) => Some(b.ins().stack_addr(ptr, s, 0)),
        _ => results.first().copied(),
    })
}

/// The values of `fills` ([`Fill`]): the address of 8 bytes for a pad (copied to the stack;
/// their value does not matter), zeros for dummy registers.
pub(super) fn push_fills(
    b: &mut FunctionBuilder<'_>,
    fills: &[Fill],
    ptr: Type,
    out: &mut Vec<IrValue>,
) {
    for f in fills {
        out.push(match f {
            Fill::StackPad => {
                let s = slot(b, 8);
                b.ins().stack_addr(ptr, s, 0)
            }
            Fill::Int => b.ins().iconst(types::I64, 0),
            Fill::Float => b.ins().f64const(0.0),
        });
    }
}

/// The parameters of a struct argument whose bytes are at `data`, as `form` passes it: its
/// parts loaded straight from the bytes, or the address of a copy in a stack slot of the
/// caller's frame (Cranelift copies a `StructArgument` on into the argument area; a struct
/// by reference is passed as that address).
pub(super) fn push_struct(
    b: &mut FunctionBuilder<'_>,
    form: &Form,
    data: IrValue,
    ptr: Type,
    flags: MemFlagsData,
    out: &mut Vec<IrValue>,
) {
    match form {
        Form::Parts(parts) => out.extend(parts.iter().map(|p| load_part(b, data, *p))),
        Form::StackCopy(size) | Form::ByRef(size) => {
            // Cranelift copies `round8(size)` bytes into the argument area; the struct may
            // end at `size`, so the bytes go through a slot of that size.
            let s = slot(b, *size);
            let dst = b.ins().stack_addr(ptr, s, 0);
            copy(b, dst, data, *size, flags);
            out.push(dst);
        }
        Form::Scalar(_) => {
            debug_assert!(false, "a struct argument lowered as a scalar");
        }
    }
}
