//! Machine code for AArch64 Linux, compiled on any host by the builders the host's engine
//! uses (`stub.rs`'s [`StubBuilder`], `callback.rs`'s [`Thunk`], both over `lower.rs`), for
//! [`crate::cross`]. The code refers to nothing by address: the callee and the dispatcher
//! arrive as arguments, so the bytes run wherever they are put.

use cranelift_codegen::Context;
use cranelift_codegen::ir::{self, AbiParam, InstBuilder, MemFlagsData, Signature, types};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

use super::JitError;
use super::callback::{Thunk, thunk_signature};
use super::lower::Arch;
use super::stub::{StubBuilder, StubSpec, signature_of};
use crate::plan::CallPlan;
use crate::value::Conv;

/// A compiler of AArch64 Linux code.
pub(crate) struct Aarch64 {
    isa: OwnedTargetIsa,
}

impl Aarch64 {
    /// The AArch64 backend with the engine's settings (no optimisation, frame pointers kept,
    /// the verifier on: this code is for proofs, not for speed).
    pub(crate) fn new() -> Result<Aarch64, JitError> {
        let mut flags = settings::builder();
        for (k, v) in [
            ("opt_level", "none"),
            ("unwind_info", "false"),
            ("preserve_frame_pointers", "true"),
            ("enable_verifier", "true"),
        ] {
            flags.set(k, v).map_err(|e| JitError(e.to_string()))?;
        }
        let isa = cranelift_codegen::isa::lookup_by_name("aarch64-unknown-linux-gnu")
            .map_err(|e| JitError(format!("no AArch64 backend: {e}")))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError(e.to_string()))?;
        Ok(Aarch64 { isa })
    }

    fn ptr(&self) -> ir::Type {
        self.isa.pointer_type()
    }

    fn compile(
        &self,
        sig: Signature,
        build: impl FnOnce(&mut FunctionBuilder<'_>) -> Result<(), JitError>,
    ) -> Result<Vec<u8>, JitError> {
        let mut ctx = Context::new();
        ctx.func.signature = sig;
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
            build(&mut b)?;
            b.finalize(self.isa.frontend_config());
        }
        let code = ctx
            .compile(&*self.isa, &mut Default::default())
            .map_err(|e| JitError(format!("{:?}", e.inner)))?;
        if let Some(r) = code.buffer.relocs().first() {
            return Err(JitError(format!(
                "the code refers to {:?}: not position-independent",
                r.target
            )));
        }
        Ok(code.code_buffer().to_vec())
    }

    /// A prepared-call stub (`stub.rs`, `prepared`, callee from the third argument):
    /// `struct { uint64_t status, bits; } stub(const uint64_t *slots, void *ret, void *fn)`.
    pub(crate) fn prepared_stub(
        &self,
        plan: &CallPlan,
        convs: &[Conv],
        ret: Conv,
    ) -> Result<Vec<u8>, JitError> {
        self.stub(plan, convs, ret, true)
    }

    fn stub(
        &self,
        plan: &CallPlan,
        convs: &[Conv],
        ret: Conv,
        prepared: bool,
    ) -> Result<Vec<u8>, JitError> {
        if let Some(why) = plan.unsupported() {
            return Err(JitError(why));
        }
        let ptr = self.ptr();
        let call_conv = self.isa.default_call_conv();
        let callee_sig = signature_of(plan, call_conv, ptr, Arch::Aarch64)?;
        let mut sig = Signature::new(call_conv);
        sig.params
            .extend([AbiParam::new(ptr), AbiParam::new(ptr), AbiParam::new(ptr)]);
        sig.returns
            .extend([AbiParam::new(types::I64), AbiParam::new(types::I64)]);
        let spec = StubSpec {
            plan,
            convs,
            ret,
            target: None,
            errno: false,
            prepared,
        };
        self.compile(sig, |b| {
            StubBuilder {
                b,
                ptr,
                arch: Arch::Aarch64,
            }
            .build(&spec, None, callee_sig)
        })
    }

    /// An untyped callback thunk (`callback.rs`): a C function of `plan` with one more
    /// parameter, `void **ctx`, that writes its arguments as `Value`s and calls
    /// `((void (*)(void **, Value *, void *))ctx[0])(ctx, values, ret)`, then returns what
    /// the dispatcher left in `ret`.
    pub(crate) fn callback_thunk(
        &self,
        plan: &CallPlan,
        convs: &[Conv],
    ) -> Result<Vec<u8>, JitError> {
        if let Some(why) = plan.unsupported() {
            return Err(JitError(why));
        }
        if plan.variadic {
            return Err(JitError("variadic callbacks".into()));
        }
        let ptr = self.ptr();
        let call_conv = self.isa.default_call_conv();
        let mut sig = thunk_signature(plan, call_conv, ptr, Arch::Aarch64)?;
        sig.params.push(AbiParam::new(ptr));
        self.compile(sig, |b| {
            let params = super::enter(b);
            let (c_params, ctx) = params.split_at(params.len() - 1);
            let ctx = ctx[0];
            let dispatch = b.ins().load(ptr, MemFlagsData::trusted(), ctx, 0);
            Thunk {
                ptr,
                call_conv,
                arch: Arch::Aarch64,
                plan,
                convs,
            }
            .values_and_dispatch(b, c_params, ctx, dispatch)
        })
    }
}
