//! The Cranelift JIT: one engine per `Ffi` context that compiles call stubs (and, later,
//! accessors and callback thunks) and owns their code.
//!
//! **Invariant:** code memory lives as long as the engine, and every handle that can run JIT
//! code holds an `Arc` to the engine; the memory is freed only when the last handle is gone.
//! **Invariant:** JIT failure is never a user-visible error: callers fall back to libffi and log.
//! Executable memory is never writable and executable at once (cranelift-jit maps pages
//! read-write while emitting and read-execute after `finalize_definitions`).

mod stub;

use std::fmt;
use std::sync::Mutex;

use cranelift_codegen::ir::types;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, ir};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};

pub(crate) use stub::{StubSpec, UntypedStub, variadic_thunk};

/// Why the JIT could not compile something (the caller falls back to libffi).
#[derive(Clone, Debug)]
pub struct JitError(pub String);

impl fmt::Display for JitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JIT compilation failed: {}", self.0)
    }
}

impl std::error::Error for JitError {}

struct EngineInner {
    module: Option<JITModule>,
    ctx: Context,
    fctx: FunctionBuilderContext,
    counter: u64,
}

/// The owner of all JIT state of one `Ffi`: the Cranelift module and reusable contexts.
pub(crate) struct JitEngine {
    inner: Mutex<EngineInner>,
    pointer_type: ir::Type,
    call_conv: cranelift_codegen::isa::CallConv,
}

impl JitEngine {
    /// A new engine for the host.
    pub(crate) fn new() -> Result<JitEngine, JitError> {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags.set(k, v).map_err(|e| JitError(e.to_string()))
        };
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        set(&mut flags, "opt_level", "speed")?;
        set(
            &mut flags,
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )?;
        let isa_builder = cranelift_native::builder().map_err(|e| JitError(e.to_string()))?;
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError(e.to_string()))?;
        let pointer_type = isa.pointer_type();
        let call_conv = isa.default_call_conv();
        let module = JITModule::new(JITBuilder::with_isa(
            isa,
            cranelift_module::default_libcall_names(),
        ));
        let ctx = module.make_context();
        Ok(JitEngine {
            inner: Mutex::new(EngineInner {
                module: Some(module),
                ctx,
                fctx: FunctionBuilderContext::new(),
                counter: 0,
            }),
            pointer_type,
            call_conv,
        })
    }

    pub(crate) fn pointer_type(&self) -> ir::Type {
        self.pointer_type
    }

    pub(crate) fn call_conv(&self) -> cranelift_codegen::isa::CallConv {
        self.call_conv
    }

    /// Compiles one function: `build` fills `ctx.func` (whose signature is `sig`) with a
    /// `FunctionBuilder`; returns the address of the finalized code.
    pub(crate) fn compile(
        &self,
        sig: ir::Signature,
        build: impl FnOnce(
            &mut ir::Function,
            &mut FunctionBuilderContext,
            cranelift_codegen::isa::TargetFrontendConfig,
        ) -> Result<(), JitError>,
    ) -> Result<*const u8, JitError> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let module = inner
            .module
            .as_mut()
            .ok_or_else(|| JitError("engine shut down".into()))?;
        module.clear_context(&mut inner.ctx);
        inner.ctx.func.signature = sig;
        let config = module.target_config();
        build(&mut inner.ctx.func, &mut inner.fctx, config)?;
        if log::log_enabled!(log::Level::Trace) {
            log::trace!("jitffi stub:\n{}", inner.ctx.func.display());
        }
        inner.counter += 1;
        let name = format!("jitffi_{}", inner.counter);
        let id = module
            .declare_function(&name, Linkage::Local, &inner.ctx.func.signature)
            .map_err(|e| JitError(e.to_string()))?;
        let res = module
            .define_function(id, &mut inner.ctx)
            .map_err(|e| JitError(format!("{e:?}")));
        module.clear_context(&mut inner.ctx);
        res?;
        module
            .finalize_definitions()
            .map_err(|e| JitError(e.to_string()))?;
        Ok(module.get_finalized_function(id))
    }

    /// Installs raw machine code (x86-64 thunks) and returns its address.
    pub(crate) fn install_bytes(&self, bytes: &[u8]) -> Result<*const u8, JitError> {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let inner = &mut *guard;
        let module = inner
            .module
            .as_mut()
            .ok_or_else(|| JitError("engine shut down".into()))?;
        inner.counter += 1;
        let name = format!("jitffi_raw_{}", inner.counter);
        let mut sig = module.make_signature();
        sig.params.push(ir::AbiParam::new(types::I64));
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| JitError(e.to_string()))?;
        module
            .define_function_bytes(id, 16, bytes, &[])
            .map_err(|e| JitError(e.to_string()))?;
        module
            .finalize_definitions()
            .map_err(|e| JitError(e.to_string()))?;
        Ok(module.get_finalized_function(id))
    }
}

impl Drop for JitEngine {
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(module) = inner.module.take() {
            // SAFETY: every handle that can run code of this engine holds an `Arc` to it
            // (module invariant), so no code of it runs or will run now that it is dropped.
            unsafe { module.free_memory() };
        }
    }
}

// -- errno --

thread_local! {
    static SAVED_ERRNO: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

/// Called by stubs (and the libffi path) right before a call to a function with errno capture:
/// C sees the errno the previous captured call left (CFFI semantics).
pub(crate) extern "C" fn restore_errno() {
    let e = errno();
    // SAFETY: `__errno_location` returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = e };
}

/// Called by stubs (and the libffi path) right after a call to a function with errno capture.
pub(crate) extern "C" fn save_errno() {
    // SAFETY: `__errno_location` returns the calling thread's errno slot, always valid.
    let e = unsafe { *libc::__errno_location() };
    SAVED_ERRNO.with(|c| c.set(e));
}

/// The `errno` saved by the last call, on this thread, to a function with errno capture
/// (`Function::capture_errno`): CFFI's `ffi.errno`.
pub fn errno() -> i32 {
    SAVED_ERRNO.with(std::cell::Cell::get)
}

/// Sets the saved `errno` of this thread (to clear it before a call, for instance).
pub fn set_errno(value: i32) {
    SAVED_ERRNO.with(|c| c.set(value));
}
