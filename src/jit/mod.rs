//! The Cranelift JIT: one engine per `Ffi` context that compiles call stubs, C data accessors
//! and callback thunks, and owns their code. All Cranelift IR of the crate is built here.
//!
//! **Invariant:** code memory lives as long as the engine, and every handle that can run JIT
//! code holds an `Arc` to the engine; the memory is freed only when the last handle is gone.
//! **Invariant:** machine code refers to other code by absolute address only (the callee, the
//! errno helpers, `memcpy`), with relocations applied before installation: its bytes run
//! anywhere, which lets one compiled stub serve as the template of every function of the same
//! signature.
//! **Invariant:** JIT failure is never a user-visible error: callers fall back to libffi and log.
//! Executable memory is never writable and executable through the same mapping (`memory.rs`:
//! double-mapped memfd chunks; elsewhere cranelift-jit's pages, read-write while emitting and
//! read-execute after `finalize_definitions`).

mod accessor;
mod callback;
pub(crate) mod cross;
pub(crate) mod host;
pub(crate) mod lower;
pub use host::{EmitError, EmitErrorKind};
mod memory;
mod stub;
mod trampoline;

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, ir};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{Linkage, Module};

pub(crate) use accessor::{MemberSpec, Scalar, load_member, scalar_type, store_member};
pub(crate) use callback::{Slot, ThunkKind};
pub(crate) use stub::{StubFn, StubSpec, UntypedStub, variadic_thunk};
pub(crate) use trampoline::untyped_trampoline as untyped_trampoline_code;

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
    /// Untyped stubs per call signature (see `stub.rs`).
    stubs: HashMap<stub::StubKey, stub::StubEntry>,
    /// Callback entries (adapters, thunks) per signature (see `callback.rs`).
    callbacks: HashMap<callback::EntryKey, usize>,
    /// Variadic thunks per (vector registers, callee).
    variadic: HashMap<(u8, usize), usize>,
    /// Register trampolines by their machine code (which depends on the signature only).
    trampolines: HashMap<Vec<u8>, usize>,
    stats: JitStats,
}

/// What a context's JIT has done so far ([`crate::Ffi::jit_stats`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct JitStats {
    /// Functions Cranelift compiled (one per call signature, plus any stub whose code could
    /// not serve as a template).
    pub compiled: u64,
    /// Stubs installed as a copy of the stub of a function with the same signature, with the
    /// function's address patched in.
    pub copied: u64,
    /// Calls through function pointers that found their signature's stub already compiled.
    pub shared: u64,
    /// Register trampolines installed: machine code emitted without Cranelift (about a
    /// microsecond) for a signature of untyped or prepared calls, which checks the arguments,
    /// loads them into their registers (and stack slots) and transfers to the function. One
    /// trampoline serves every function of its signature, function pointers included.
    pub trampolines: u64,
    /// Pieces of machine code installed (stubs, trampolines and variadic thunks).
    pub installed: u64,
    /// Bytes of machine code installed.
    pub code_bytes: u64,
}

/// How the JIT maps the memory its code lives in ([`set_code_memory`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CodeMemory {
    /// The default on x86-64 Linux: code is written through a read-write mapping of a memory
    /// file and runs from a second, read-execute mapping of it. No mapping is ever writable
    /// and executable, but the code has a writable alias; installing a stub is a copy (about
    /// a hundred nanoseconds, no system call). Elsewhere this is [`CodeMemory::Strict`].
    #[default]
    DualMapped,
    /// Strict W^X: no writable alias of executable code. Code is written into fresh pages
    /// that are then made read-execute with `mprotect` (cranelift-jit's own provider): each
    /// stub then costs a page of memory and two `mprotect` calls (several microseconds, and
    /// an interruption of every core running one of the process's threads).
    Strict,
}

/// 0: not set (the environment decides), 1: dual-mapped, 2: strict.
static CODE_MEMORY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

/// Chooses how JIT code memory is mapped for the engines created from now on (each `Ffi`
/// makes its engine on its first compilation). Without a call, `JITFFI_WX=strict` in the
/// environment selects [`CodeMemory::Strict`].
///
/// ```
/// jitffi::set_code_memory(jitffi::CodeMemory::Strict);
/// assert_eq!(jitffi::code_memory(), jitffi::CodeMemory::Strict);
/// jitffi::set_code_memory(jitffi::CodeMemory::DualMapped);
/// ```
pub fn set_code_memory(m: CodeMemory) {
    let v = match m {
        CodeMemory::DualMapped => 1,
        CodeMemory::Strict => 2,
    };
    CODE_MEMORY.store(v, std::sync::atomic::Ordering::Relaxed);
}

/// The code memory new engines get ([`set_code_memory`], else the environment).
pub fn code_memory() -> CodeMemory {
    match CODE_MEMORY.load(std::sync::atomic::Ordering::Relaxed) {
        1 => CodeMemory::DualMapped,
        2 => CodeMemory::Strict,
        _ => match std::env::var("JITFFI_WX") {
            Ok(v) if v.eq_ignore_ascii_case("strict") => CodeMemory::Strict,
            _ => CodeMemory::DualMapped,
        },
    }
}

/// The owner of all JIT state of one `Ffi`: the Cranelift module and reusable contexts.
pub(crate) struct JitEngine {
    inner: Mutex<EngineInner>,
    isa: OwnedTargetIsa,
    /// For leaf code (member accessors and their loops): optimised (a shift for a power-of-two
    /// stride), and frame pointers not required, so a backend that can drop the frame of a
    /// leaf function does (Cranelift's x86-64 backend still sets one up: a one-store setter
    /// is three instructions plus four of frame).
    leaf_isa: OwnedTargetIsa,
    /// Optimised, with frame pointers: larger functions that call out (compiled Fortran
    /// calls), where the optimiser pays for itself.
    opt_isa: OwnedTargetIsa,
    /// Writable-to-executable addresses when code lives in double-mapped memory.
    map: Option<memory::AddressMap>,
}

/// Applies one relocation to `bytes`. Stubs refer to nothing but the C library's `memcpy`,
/// which Cranelift calls to copy struct arguments to the stack, by absolute address.
fn resolve_relocation(
    bytes: &mut [u8],
    r: &cranelift_codegen::FinalizedMachReloc,
) -> Result<(), JitError> {
    use cranelift_codegen::binemit::Reloc;
    use cranelift_codegen::ir::{ExternalName, LibCall};
    let target = match &r.target {
        cranelift_codegen::FinalizedRelocTarget::ExternalName(ExternalName::LibCall(lc)) => {
            match lc {
                LibCall::Memcpy => libc::memcpy as *const () as usize,
                LibCall::Memmove => libc::memmove as *const () as usize,
                LibCall::Memset => libc::memset as *const () as usize,
                other => return Err(JitError(format!("the code calls {other:?}"))),
            }
        }
        other => return Err(JitError(format!("the code refers to {other:?}"))),
    };
    let at = r.offset as usize;
    match r.kind {
        Reloc::Abs8 if at + 8 <= bytes.len() => {
            let value = (target as i64).wrapping_add(r.addend);
            bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
            Ok(())
        }
        kind => Err(JitError(format!("unsupported relocation {kind:?}"))),
    }
}

/// Starts a function's body: its entry block, with the function's parameters, current and
/// sealed; returns the parameters.
pub(crate) fn enter(b: &mut cranelift_frontend::FunctionBuilder<'_>) -> Vec<ir::Value> {
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    b.block_params(entry).to_vec()
}

/// What fills a function for [`JitEngine::codegen`]: its IR, through a `FunctionBuilder` made
/// from the context, for the target's frontend configuration.
pub(crate) trait BuildFn:
    FnOnce(
    &mut ir::Function,
    &mut FunctionBuilderContext,
    cranelift_codegen::isa::TargetFrontendConfig,
) -> Result<(), JitError>
{
}

impl<F> BuildFn for F where
    F: FnOnce(
        &mut ir::Function,
        &mut FunctionBuilderContext,
        cranelift_codegen::isa::TargetFrontendConfig,
    ) -> Result<(), JitError>
{
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
        // Stubs are straight-line loads around one call: the optimiser finds nothing to do
        // and costs a third of the compile time. (The single-pass register allocator would
        // save a little more but spills the argument pointer around every check.)
        set(&mut flags, "opt_level", "none")?;
        // cranelift-jit registers no unwind tables; nothing unwinds through a stub (C code
        // does not, and callbacks catch panics). Frame pointers keep stubs walkable.
        set(&mut flags, "unwind_info", "false")?;
        set(&mut flags, "preserve_frame_pointers", "true")?;
        set(
            &mut flags,
            "enable_verifier",
            if cfg!(debug_assertions) {
                "true"
            } else {
                "false"
            },
        )?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError(e.to_string()))?
            .finish(settings::Flags::new(flags.clone()))
            .map_err(|e| JitError(e.to_string()))?;
        set(&mut flags, "opt_level", "speed")?;
        let opt_isa = cranelift_native::builder()
            .map_err(|e| JitError(e.to_string()))?
            .finish(settings::Flags::new(flags.clone()))
            .map_err(|e| JitError(e.to_string()))?;
        // Leaf code calls nothing, so a profiler or debugger finds its caller at the top of
        // the stack without a frame pointer.
        set(&mut flags, "preserve_frame_pointers", "false")?;
        let leaf_isa = cranelift_native::builder()
            .map_err(|e| JitError(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError(e.to_string()))?;
        let mut builder =
            JITBuilder::with_isa(isa.clone(), cranelift_module::default_libcall_names());
        let mut map = None;
        if cfg!(all(target_os = "linux", target_arch = "x86_64"))
            && code_memory() == CodeMemory::DualMapped
        {
            match memory::DualMapped::new() {
                Ok((provider, m)) => {
                    builder.memory_provider(Box::new(provider));
                    map = Some(m);
                }
                Err(e) => log::debug!("jitffi: no double-mapped code memory ({e}); using mprotect"),
            }
        }
        let module = JITModule::new(builder);
        let ctx = module.make_context();
        Ok(JitEngine {
            inner: Mutex::new(EngineInner {
                module: Some(module),
                ctx,
                fctx: FunctionBuilderContext::new(),
                counter: 0,
                stubs: HashMap::new(),
                callbacks: HashMap::new(),
                variadic: HashMap::new(),
                trampolines: HashMap::new(),
                stats: JitStats::default(),
            }),
            isa,
            leaf_isa,
            opt_isa,
            map,
        })
    }

    pub(crate) fn pointer_type(&self) -> ir::Type {
        self.isa.pointer_type()
    }

    pub(crate) fn call_conv(&self) -> cranelift_codegen::isa::CallConv {
        self.isa.default_call_conv()
    }

    /// The architecture the engine compiles for (the host's).
    pub(crate) fn arch(&self) -> lower::Arch {
        lower::Arch::of(&*self.isa)
    }

    /// What the engine has done so far.
    pub(crate) fn stats(&self) -> JitStats {
        self.lock().stats
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EngineInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Compiles one function to machine code: `build` fills a function whose signature is
    /// `sig` with a `FunctionBuilder`. Returns the code with its relocations applied, not yet
    /// installed (see [`JitEngine::install`]); it refers to other code by absolute address
    /// only, so it may be copied anywhere.
    pub(crate) fn codegen(
        &self,
        sig: ir::Signature,
        build: impl BuildFn,
    ) -> Result<Vec<u8>, JitError> {
        self.codegen_with(&*self.isa, sig, build)
    }

    /// [`JitEngine::codegen`] for a function that calls nothing (optimised, frame pointer not
    /// required).
    pub(crate) fn codegen_leaf(
        &self,
        sig: ir::Signature,
        build: impl BuildFn,
    ) -> Result<Vec<u8>, JitError> {
        self.codegen_with(&*self.leaf_isa, sig, build)
    }

    /// [`JitEngine::codegen`], optimised (for functions with branches and arithmetic, not
    /// straight-line stubs).
    pub(crate) fn codegen_optimized(
        &self,
        sig: ir::Signature,
        build: impl BuildFn,
    ) -> Result<Vec<u8>, JitError> {
        self.codegen_with(&*self.opt_isa, sig, build)
    }

    fn codegen_with(
        &self,
        isa: &dyn cranelift_codegen::isa::TargetIsa,
        sig: ir::Signature,
        build: impl BuildFn,
    ) -> Result<Vec<u8>, JitError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        inner.ctx.clear();
        inner.ctx.func.signature = sig;
        build(&mut inner.ctx.func, &mut inner.fctx, isa.frontend_config())?;
        let trace = log::log_enabled!(log::Level::Trace);
        if trace {
            log::trace!("jitffi stub:\n{}", inner.ctx.func.display());
            inner.ctx.set_disasm(true);
        }
        inner.stats.compiled += 1;
        let code = inner
            .ctx
            .compile(isa, &mut Default::default())
            .map_err(|e| JitError(format!("{:?}", e.inner)))?;
        if trace && let Some(d) = code.vcode.as_ref() {
            log::trace!("jitffi stub machine code:\n{d}");
        }
        let mut bytes = code.code_buffer().to_vec();
        let resolved = code
            .buffer
            .relocs()
            .iter()
            .try_for_each(|r| resolve_relocation(&mut bytes, r));
        inner.ctx.clear();
        resolved?;
        Ok(bytes)
    }

    /// The entry that calls the variadic function at `target` with `vector_regs` in `%al`
    /// ([`variadic_thunk`]), installed once per pair.
    pub(crate) fn variadic_entry(&self, vector_regs: u8, target: usize) -> Result<usize, JitError> {
        if let Some(&e) = self.lock().variadic.get(&(vector_regs, target)) {
            return Ok(e);
        }
        let e = self.install(&variadic_thunk(vector_regs, target))? as usize;
        self.lock().variadic.insert((vector_regs, target), e);
        Ok(e)
    }

    /// The register trampoline of prepared calls by `plan`, with parameters converted by
    /// `convs` and the result by `ret` (`trampoline.rs`), installed once per signature;
    /// `Ok(None)` when the signature is not one a trampoline makes.
    pub(crate) fn prepared_trampoline(
        &self,
        plan: &crate::plan::CallPlan,
        convs: &[crate::value::Conv],
        ret: crate::value::Conv,
    ) -> Result<Option<*const u8>, JitError> {
        trampoline::register_trampoline(plan, convs, ret)
            .map_or(Ok(None), |code| self.trampoline(code).map(Some))
    }

    /// The untyped register trampoline of `plan` with parameters converted by `convs` and
    /// the result by `ret` (`trampoline.rs`), installed once per signature; `Ok(None)` when the
    /// signature is not one a trampoline makes.
    pub(crate) fn untyped_trampoline(
        &self,
        plan: &crate::plan::CallPlan,
        convs: &[crate::value::Conv],
        ret: crate::value::Conv,
    ) -> Result<Option<*const u8>, JitError> {
        trampoline::untyped_trampoline(plan, convs, ret)
            .map_or(Ok(None), |code| self.trampoline(code).map(Some))
    }

    /// The installed trampoline of machine code `code`: the one already installed with the
    /// same bytes, else a new one.
    fn trampoline(&self, code: Vec<u8>) -> Result<*const u8, JitError> {
        if let Some(&t) = self.lock().trampolines.get(&code) {
            return Ok(t as *const u8);
        }
        let t = self.install(&code)?;
        let inner = &mut *self.lock();
        // Two threads may have installed the same code: keep the first, which is the one
        // every later caller finds (the other's bytes stay unused until the engine drops).
        let t = *inner.trampolines.entry(code).or_insert_with(|| {
            inner.stats.trampolines += 1;
            t as usize
        });
        Ok(t as *const u8)
    }

    /// Compiles and installs a host's function (`crate::emit::compile`): optimised, with frame
    /// pointers, the IR verified first (a host's IR error is a message, not a crash). The
    /// engine is not locked while `build` runs, so it may emit variadic calls (which install
    /// their entries in this engine).
    pub(crate) fn compile_host(
        &self,
        sig: ir::Signature,
        build: impl FnOnce(&mut cranelift_frontend::FunctionBuilder<'_>) -> Result<(), JitError>,
    ) -> Result<HostCode, JitError> {
        let isa = &*self.opt_isa;
        let mut func = ir::Function::with_name_signature(ir::UserFuncName::default(), sig);
        let mut fctx = FunctionBuilderContext::new();
        {
            let mut b = cranelift_frontend::FunctionBuilder::new(&mut func, &mut fctx);
            build(&mut b)?;
            b.seal_all_blocks();
            b.finalize(isa.frontend_config());
        }
        cranelift_codegen::verify_function(&func, isa)
            .map_err(|e| JitError(format!("the host's IR does not verify: {e}")))?;
        let clif = func.display().to_string();
        let mut ctx = Context::for_function(func);
        let code = ctx
            .compile(isa, &mut Default::default())
            .map_err(|e| JitError(format!("{:?}", e.inner)))?;
        let mut bytes = code.code_buffer().to_vec();
        for r in code.buffer.relocs() {
            resolve_relocation(&mut bytes, r)?;
        }
        self.lock().stats.compiled += 1;
        let addr = self.install(&bytes)?;
        Ok(HostCode { addr, bytes, clif })
    }

    /// Installs machine code without relocations and returns its executable address.
    pub(crate) fn install(&self, bytes: &[u8]) -> Result<*const u8, JitError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let module = inner
            .module
            .as_mut()
            .ok_or_else(|| JitError("engine shut down".into()))?;
        inner.counter += 1;
        inner.stats.installed += 1;
        inner.stats.code_bytes += bytes.len() as u64;
        let name = format!("jitffi_{}", inner.counter);
        // The declared signature is never used to call the code: cranelift-jit only records it.
        let sig = module.make_signature();
        let id = module
            .declare_function(&name, Linkage::Local, &sig)
            .map_err(|e| JitError(e.to_string()))?;
        module
            .define_function_bytes(id, 16, bytes, &[])
            .map_err(|e| JitError(e.to_string()))?;
        module
            .finalize_definitions()
            .map_err(|e| JitError(e.to_string()))?;
        let written = module.get_finalized_function(id);
        Ok(match &self.map {
            Some(map) => map
                .executable(written)
                .ok_or_else(|| JitError("code outside the code memory".into()))?,
            None => written,
        })
    }
}

/// A host function compiled by [`JitEngine::compile_host`].
pub(crate) struct HostCode {
    pub(crate) addr: *const u8,
    pub(crate) bytes: Vec<u8>,
    pub(crate) clif: String,
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
