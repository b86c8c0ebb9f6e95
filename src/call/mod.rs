//! Calling C: [`Function`] (untyped, checked on every call) and, in `typed.rs`,
//! [`TypedFunction`] (checked once, then native).
//!
//! An untyped call goes through a JIT stub compiled lazily for the function: the stub checks the
//! tag of each [`Value`] and calls directly. When a tag does not match (an `i64` for an `int`, a
//! string for `const char *`, …) the stub calls nothing and returns; `check_args` then converts
//! every argument with C's rules or explains why it cannot, and the converted arguments take the
//! stub again. A signature the JIT cannot compile goes through libffi (`cif.rs`) instead, with
//! the same conversions: the backend changes speed, never behaviour.

mod direct;
mod error;
mod global;
mod prepared;
mod typed;

use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub use error::{CallError, CallErrorKind};
pub use global::Global;
pub use prepared::PreparedCall;
pub(crate) use typed::check_shape;
pub use typed::{CRepr, Shape, ShapeField, TypeMismatch, TypedArgs, TypedFunction};

use crate::cif::FfiCall;
use crate::ctype::{Prim, TypeId, TypeTable};
use crate::jit::{JitEngine, StubSpec, UntypedStub};
use crate::layout::{self, Target};
use crate::library::Library;
use crate::plan::{self, CallPlan};
use crate::value::{self, Conv, ConvError, Value, c_from_value, value_from_c};

/// Which machinery performs untyped calls.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Backend {
    /// The JIT stub, or libffi when the JIT cannot compile the signature (logged at `warn`).
    #[default]
    Auto,
    /// Only the JIT stub: a signature it cannot compile is an error.
    Jit,
    /// Only libffi.
    Libffi,
}

/// A variadic tail's promoted signature: `(canonical tag, type id)` per argument.
type TailKey = Vec<(u8, u32)>;

/// The JIT engine of an `Ffi`, made on first use and shared by its functions.
pub(crate) type SharedEngine = Arc<OnceLock<Result<Arc<JitEngine>, String>>>;

/// The engine of `cell`, made now if this is its first use (or why it cannot be made).
pub(crate) fn engine_of(cell: &SharedEngine) -> Result<Arc<JitEngine>, String> {
    cell.get_or_init(|| JitEngine::new().map(Arc::new).map_err(|e| e.to_string()))
        .clone()
}

/// The compiled or prepared machinery for one call signature.
struct Machine {
    plan: CallPlan,
    convs: Vec<Conv>,
    ret: Conv,
    jit: OnceLock<Result<UntypedStub, String>>,
    /// The untyped register trampoline (fixed signature only, when `FastRet::Direct`).
    tramp: OnceLock<Result<usize, String>>,
    /// The prepared-call entry (fixed signature only).
    prepared: OnceLock<Result<PreparedEntry, String>>,
    ffi: OnceLock<Result<FfiCall, String>>,
}

/// What a prepared call calls (`prepared.rs`).
#[derive(Copy, Clone, Debug)]
pub(crate) enum PreparedEntry {
    /// `(slots, ret, target) -> RawRet`, a Cranelift stub.
    Stub(UntypedStub),
    /// `(slots) -> the C result`, a register trampoline that jumps to the function.
    Trampoline(usize),
}

/// How the fast path of [`Function::call`] makes the result.
#[derive(Copy, Clone, Debug)]
enum FastRet {
    /// A scalar in registers: the tag of its `Value` variant and, for pointers, the type id.
    Scalar { tag: u8, ptr_ty: u32 },
    /// A struct of at most `StructValue::INLINE` bytes, kept inline.
    Struct { ty: TypeId, len: u8 },
    /// A register trampoline (`stub` holds it): called as the C function, the result of
    /// Rust type `d`, made into the scalar `tag`/`ptr_ty`.
    Direct {
        d: direct::ScalarRet,
        tag: u8,
        ptr_ty: u32,
    },
    /// A register trampoline whose C function returns a struct of `len` (≤ 16) bytes in
    /// registers of the classes `d` names.
    DirectStruct {
        d: direct::Direct,
        ty: TypeId,
        len: u8,
    },
    /// A register trampoline whose result is not on the inline fast path (a struct through
    /// the hidden pointer, `__int128`, `long double`): `call_with` runs it.
    Trampoline(TrampRet),
    /// No fast path (libffi-only results, large structs).
    None,
}

/// 64 bytes aligned for any C type a function returns through the hidden pointer (C may
/// store a 16-aligned struct with aligned vector stores).
#[derive(Copy, Clone)]
#[repr(C, align(64))]
pub(crate) struct RetChunk(pub(crate) [u8; 64]);

/// Runs `f` with a result buffer of at least `len` bytes, aligned to 64: on the stack up to 64
/// bytes, else on the heap.
#[inline]
pub(crate) fn with_result_buffer<T>(len: usize, f: impl FnOnce(&mut [u8]) -> T) -> T {
    let mut small = [RetChunk([0; 64])];
    let mut large = Vec::new();
    let chunks: &mut [RetChunk] = if len <= 64 {
        &mut small
    } else {
        large.resize(len.div_ceil(64), RetChunk([0; 64]));
        &mut large
    };
    // SAFETY: the chunks are contiguous plain bytes, at least `len` of them.
    let bytes = unsafe { std::slice::from_raw_parts_mut(chunks.as_mut_ptr().cast::<u8>(), len) };
    f(bytes)
}

/// A struct result from its bytes: inline up to 16 bytes, else owned.
fn struct_of(ty: TypeId, bytes: &[u8]) -> Value<'static> {
    if bytes.len() <= value::StructValue::INLINE {
        let mut inline = [0u8; value::StructValue::INLINE];
        inline[..bytes.len()].copy_from_slice(bytes);
        Value::Struct(value::StructValue::inline(ty, bytes.len(), inline))
    } else {
        Value::Struct(value::StructValue::owned_copy(ty, bytes))
    }
}

/// How a register trampoline's result becomes a `Value` (`call_trampoline`).
#[derive(Copy, Clone, Debug)]
enum TrampRet {
    Scalar {
        d: direct::ScalarRet,
        tag: u8,
        ptr_ty: u32,
    },
    Struct {
        d: direct::Direct,
        ty: TypeId,
        len: u8,
    },
    /// A struct returned through the hidden pointer, `size` bytes.
    Memory { ty: TypeId, size: u32 },
    /// An `__int128` in `rax:rdx`.
    Wide { signed: bool },
    /// A `long double`, stored by the trampoline at the result pointer (10 bytes).
    X87,
}

impl TrampRet {
    /// The trampoline result of machine `m`, if its signature has a trampoline.
    fn of(m: &Machine) -> Option<TrampRet> {
        crate::jit::untyped_trampoline_code(&m.plan, &m.convs, m.ret)?;
        // A struct through the hidden pointer, or one holding a long double, which the
        // trampoline stores from st(0) through the same pointer.
        if let (
            crate::plan::RetClass::Sret { .. } | crate::plan::RetClass::X87 { .. },
            Conv::Struct { ty, size },
        ) = (&m.plan.ret, m.ret)
        {
            return Some(TrampRet::Memory { ty, size });
        }
        match (m.ret, m.ret.scalar_tag()) {
            (Conv::LongDouble, _) => Some(TrampRet::X87),
            (Conv::Int128 { signed }, _) => Some(TrampRet::Wide { signed }),
            (Conv::Struct { ty, size }, None) if size as usize <= value::StructValue::INLINE => {
                match direct::Direct::of_struct(&m.plan)? {
                    d @ direct::Direct::Struct(..) => Some(TrampRet::Struct {
                        d,
                        ty,
                        len: size as u8,
                    }),
                    direct::Direct::Scalar(_) => None,
                }
            }
            (c, Some((tag, ptr_ty))) => match direct::Direct::of(c)? {
                direct::Direct::Scalar(d) => Some(TrampRet::Scalar { d, tag, ptr_ty }),
                direct::Direct::Struct(..) => None,
            },
            _ => None,
        }
    }
}

/// What every untyped call reads, together at the start of `FunctionInner`.
#[repr(C)]
struct Hot {
    /// The fixed signature's stub once compiled, if calls may take the fast path; 0 before.
    stub: AtomicUsize,
    /// The address called.
    addr: usize,
    /// The number of fixed parameters.
    nargs: usize,
    /// For the two commonest trampoline results, tested first: `KIND_WORD` (the integer
    /// register as it is: 64-bit integers, pointers, `void`) or `KIND_F64`, with the result's
    /// tag and pointer type; `KIND_OTHER` for everything else (`ret` says).
    kind: u8,
    tag: u8,
    ptr_ty: u32,
    ret: FastRet,
}

const KIND_OTHER: u8 = 0;
const KIND_WORD: u8 = 1;
const KIND_F64: u8 = 2;

#[repr(C)]
pub(crate) struct FunctionInner {
    hot: Hot,
    name: String,
    /// The function's declared type (a `CType::Func`).
    ty: TypeId,
    table: Arc<TypeTable>,
    /// The context's newest types, for messages that name a type declared after the
    /// function (a callback made later); weak: the context holds its functions.
    live: std::sync::Weak<crate::context::Shared>,
    target: Target,
    addr: usize,
    /// Keeps the library loaded while the function exists.
    _library: Option<Library>,
    engine: SharedEngine,
    fixed: Machine,
    /// Plans and stubs per promoted signature of the variadic tail.
    tails: Mutex<HashMap<TailKey, Arc<Machine>>>,
    errno: bool,
    backend: Backend,
    /// True when the address comes from a function pointer (the stub takes it as an argument).
    indirect: bool,
    /// Calls go through the Cranelift stub, never a register trampoline
    /// ([`Function::with_cranelift_stub`]).
    stub_only: bool,
}

/// A C function declared in a cdef and resolved in a library (or a function pointer cast to a
/// declared type). Cheap to clone; `Send + Sync`.
///
/// # To `call` or to `typed().call()`
///
/// [`Function::call`] takes `&[Value]` and checks, on every call, the number of arguments and
/// each argument against its parameter's C type (integer range, pointer type, struct type),
/// converting where C would (an `i64` that fits into an `int`, a string into `const char *`).
/// It suits code that only knows at run time what it calls: interpreters, command lines,
/// generic bindings. The JIT entry (a register trampoline, or a Cranelift stub) makes the
/// common case (arguments already of the canonical variant) cost a few instructions over a
/// native call.
///
/// [`Function::typed`] checks once that Rust types match the declaration (sizes, signedness,
/// struct layouts) and returns a [`TypedFunction`] whose calls are native calls: no check, no
/// conversion, no stub. Use it when the signature is known when the Rust code is written.
#[derive(Clone)]
pub struct Function {
    pub(crate) inner: Arc<FunctionInner>,
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Function({})", self.declaration())
    }
}

fn size_of_in(t: &TypeTable, target: &Target) -> impl Fn(TypeId) -> Option<u64> {
    move |ty| layout::layout_of(t, target, ty).ok().map(|l| l.size)
}

/// The conversions of arguments of types `params` and of a result of type `ret` on `target`
/// (calls, callbacks and `jitffi::cross` alike).
pub(crate) fn convs_of(
    t: &TypeTable,
    target: &Target,
    params: &[TypeId],
    ret: TypeId,
) -> (Vec<Conv>, Conv) {
    let conv = |ty| Conv::of(t, size_of_in(t, target), ty, target.char_signed);
    (params.iter().map(|&p| conv(p)).collect(), conv(ret))
}

impl Machine {
    fn new(
        t: &TypeTable,
        target: &Target,
        func: TypeId,
        tail_types: &[TypeId],
        tail_convs: &[Conv],
    ) -> Result<Machine, String> {
        let plan = plan::plan_call(t, target, func, tail_types).map_err(|e| e.0)?;
        let f = t.as_func(func).ok_or("not a function type")?;
        let (mut convs, ret) = convs_of(t, target, &f.params, f.ret);
        convs.extend_from_slice(tail_convs);
        Ok(Machine {
            plan,
            convs,
            ret,
            jit: OnceLock::new(),
            tramp: OnceLock::new(),
            prepared: OnceLock::new(),
            ffi: OnceLock::new(),
        })
    }
}

impl Hot {
    fn new(fixed: &Machine, addr: usize, backend: Backend, stub_only: bool) -> Hot {
        // A register trampoline when the signature allows one (checked by encoding it once:
        // a few hundred nanoseconds).
        let direct = (backend != Backend::Libffi && !stub_only)
            .then(|| TrampRet::of(fixed))
            .flatten();
        let ret = match (fixed.ret, fixed.ret.scalar_tag()) {
            _ if backend == Backend::Libffi => FastRet::None,
            _ if let Some(TrampRet::Scalar { d, tag, ptr_ty }) = direct => {
                FastRet::Direct { d, tag, ptr_ty }
            }
            _ if let Some(TrampRet::Struct { d, ty, len }) = direct => {
                FastRet::DirectStruct { d, ty, len }
            }
            _ if let Some(r) = direct => FastRet::Trampoline(r),
            (Conv::LongDouble, _) => FastRet::None,
            (_, Some((tag, ptr_ty))) => FastRet::Scalar { tag, ptr_ty },
            (Conv::Struct { ty, size }, None) if size as usize <= value::StructValue::INLINE => {
                FastRet::Struct {
                    ty,
                    len: size as u8,
                }
            }
            _ => FastRet::None,
        };
        let (kind, tag, ptr_ty) = match ret {
            FastRet::Direct { d, tag, ptr_ty } if d.is_word() => (KIND_WORD, tag, ptr_ty),
            FastRet::Direct { d, tag, ptr_ty } if d.is_f64() => (KIND_F64, tag, ptr_ty),
            _ => (KIND_OTHER, 0, 0),
        };
        Hot {
            stub: AtomicUsize::new(0),
            addr,
            nargs: fixed.convs.len(),
            kind,
            tag,
            ptr_ty,
            ret,
        }
    }
}

impl Function {
    #[allow(
        clippy::too_many_arguments,
        reason = "internal constructor with two call sites in ffi.rs"
    )]
    pub(crate) fn new(
        name: &str,
        ty: TypeId,
        table: Arc<TypeTable>,
        live: std::sync::Weak<crate::context::Shared>,
        target: Target,
        addr: *const c_void,
        library: Option<Library>,
        engine: SharedEngine,
        backend: Backend,
        indirect: bool,
    ) -> Result<Function, CallError> {
        let fixed = Machine::new(&table, &target, ty, &[], &[]).map_err(|reason| {
            CallError::from(CallErrorKind::Unsupported {
                function: name.to_string(),
                reason,
            })
        })?;
        let hot = Hot::new(&fixed, addr as usize, backend, false);
        Ok(Function {
            inner: Arc::new(FunctionInner {
                hot,
                name: name.to_string(),
                ty,
                table,
                live,
                target,
                addr: addr as usize,
                _library: library,
                engine,
                fixed,
                tails: Mutex::new(HashMap::new()),
                errno: false,
                backend,
                indirect,
                stub_only: false,
            }),
        })
    }

    /// The function's name (as declared).
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The declaration in C syntax: `int add_i32(int, int)`.
    pub fn declaration(&self) -> String {
        self.inner.table.declare(self.inner.ty, &self.inner.name)
    }

    /// The address called.
    pub fn address(&self) -> *const c_void {
        self.inner.addr as *const c_void
    }

    /// The function's C type.
    pub fn type_id(&self) -> TypeId {
        self.inner.ty
    }

    /// The type table version the function was declared in.
    pub fn table(&self) -> &TypeTable {
        &self.inner.table
    }

    /// A handle to the same function whose calls save `errno` right after the call (and restore
    /// the saved value right before it), readable with [`crate::errno`]: CFFI's `ffi.errno`.
    /// Untyped and prepared calls capture errno (typed calls are plain native calls and do
    /// not); with a register trampoline, the restore and the save run in Rust right around it,
    /// with nothing in between that could touch `errno`.
    pub fn capture_errno(&self) -> Function {
        self.rebuild(true, self.inner.backend, self.inner.stub_only)
    }

    /// A handle to the same function that uses `backend` for untyped calls.
    pub fn with_backend(&self, backend: Backend) -> Function {
        self.rebuild(self.inner.errno, backend, self.inner.stub_only)
    }

    /// A handle to the same function whose untyped and prepared calls go through the
    /// signature's Cranelift-compiled stub instead of its register trampoline: the JIT's
    /// portable tier, the one it uses where it makes no trampolines (targets other than x86-64
    /// System V). Calls behave the same either way; this exists to test and compare the two.
    ///
    /// ```
    /// use jitffi::{Ffi, Library, Value};
    ///
    /// let ffi = Ffi::new();
    /// ffi.cdef("long labs(long);")?;
    /// let labs = ffi.function(&Library::process(), "labs")?;
    /// let stub = labs.with_cranelift_stub();
    /// // SAFETY: labs is declared as libc defines it.
    /// let (a, b) = unsafe { (labs.call(&[Value::I64(-3)])?, stub.call(&[Value::I64(-3)])?) };
    /// assert_eq!((a, b), (Value::I64(3), Value::I64(3)));
    /// let stats = ffi.jit_stats();
    /// assert_eq!((stats.trampolines, stats.compiled), (1, 1));
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    pub fn with_cranelift_stub(&self) -> Function {
        self.rebuild(self.inner.errno, self.inner.backend, true)
    }

    fn rebuild(&self, errno: bool, backend: Backend, stub_only: bool) -> Function {
        let i = &self.inner;
        let fixed = Machine::new(&i.table, &i.target, i.ty, &[], &[]).unwrap_or_else(|_| Machine {
            plan: i.fixed.plan.clone(),
            convs: i.fixed.convs.clone(),
            ret: i.fixed.ret,
            jit: OnceLock::new(),
            tramp: OnceLock::new(),
            prepared: OnceLock::new(),
            ffi: OnceLock::new(),
        });
        Function {
            inner: Arc::new(FunctionInner {
                hot: Hot::new(&fixed, i.addr, backend, stub_only),
                name: i.name.clone(),
                ty: i.ty,
                table: i.table.clone(),
                live: i.live.clone(),
                target: i.target.clone(),
                addr: i.addr,
                _library: i._library.clone(),
                engine: i.engine.clone(),
                fixed,
                tails: Mutex::new(HashMap::new()),
                errno,
                backend,
                indirect: i.indirect,
                stub_only,
            }),
        }
    }

    /// Whether calls capture `errno` ([`Function::capture_errno`]).
    pub(crate) fn captures_errno(&self) -> bool {
        self.inner.errno
    }

    /// The engine cell of the function's context.
    pub(crate) fn engine_cell(&self) -> &SharedEngine {
        &self.inner.engine
    }

    /// The number of declared (fixed) parameters.
    pub fn param_count(&self) -> usize {
        self.inner.fixed.convs.len()
    }

    /// Whether the function takes a variadic tail (`...`).
    pub fn is_variadic(&self) -> bool {
        self.inner.fixed.plan.variadic
    }

    /// Makes the JIT entry of the fixed signature now instead of on the first call (its
    /// register trampoline, or where none is made its Cranelift stub), and reports whether it
    /// could (otherwise calls go through libffi).
    ///
    /// # Errors
    ///
    /// [`CallErrorKind::Unsupported`] with the reason the JIT cannot compile this signature
    /// (calls still work: they go through libffi unless [`Backend::Jit`] is forced).
    pub fn compile(&self) -> Result<(), CallError> {
        let res = match self.inner.hot.ret {
            FastRet::Direct { .. } | FastRet::DirectStruct { .. } | FastRet::Trampoline(_) => {
                self.trampoline().map(|_| ())
            }
            _ => self.jit_stub(&self.inner.fixed).map(|_| ()),
        };
        res.map_err(|reason| {
            CallError::from(CallErrorKind::Unsupported {
                function: self.inner.name.clone(),
                reason,
            })
        })
    }

    fn jit_stub<'m>(&self, m: &'m Machine) -> Result<&'m UntypedStub, String> {
        let stub = self.compiled_stub(m);
        if let Ok(s) = stub
            && std::ptr::eq(m, &self.inner.fixed)
            && matches!(
                self.inner.hot.ret,
                FastRet::Scalar { .. } | FastRet::Struct { .. }
            )
        {
            // Idempotent: every thread stores the same address.
            self.inner.hot.stub.store(s.f as usize, Ordering::Release);
        }
        stub
    }

    /// The untyped register trampoline of the fixed signature, installed once and published
    /// for the fast path of [`Function::call`] (only for `FastRet::Direct*`, and not with
    /// `errno` capture, which `call_trampoline` does around the call).
    fn trampoline(&self) -> Result<usize, String> {
        let t = self.machine_trampoline(&self.inner.fixed)?;
        if !self.inner.errno {
            // Idempotent: every thread stores the same address.
            self.inner.hot.stub.store(t, Ordering::Release);
        }
        Ok(t)
    }

    /// The register trampoline of machine `m` (the fixed signature, or a variadic call's
    /// promoted one), installed once.
    fn machine_trampoline(&self, m: &Machine) -> Result<usize, String> {
        m.tramp
            .get_or_init(|| {
                let engine = engine_of(&self.inner.engine)?;
                match engine.untyped_trampoline(&m.plan, &m.convs, m.ret) {
                    Ok(Some(t)) => Ok(t as usize),
                    Ok(None) => Err("not a register-only signature".into()),
                    Err(e) => Err(e.to_string()),
                }
            })
            .clone()
    }

    /// What the Cranelift stub of machine `m` is compiled from (`prepared`: reading slots).
    fn stub_spec<'m>(&self, m: &'m Machine, prepared: bool) -> StubSpec<'m> {
        StubSpec {
            plan: &m.plan,
            convs: &m.convs,
            ret: m.ret,
            target: (!self.inner.indirect).then_some(self.inner.addr),
            errno: self.inner.errno,
            prepared,
        }
    }

    fn compiled_stub<'m>(&self, m: &'m Machine) -> Result<&'m UntypedStub, String> {
        m.jit
            .get_or_init(|| {
                let engine = engine_of(&self.inner.engine)?;
                let res = engine
                    .compile_untyped(&self.stub_spec(m, false))
                    .map_err(|e| e.to_string());
                if let Err(e) = &res
                    && self.inner.backend == Backend::Auto
                {
                    log::warn!("jitffi: {}: {e}; calling through libffi", self.inner.name);
                }
                res
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The prepared-call entry of the fixed signature (`prepared.rs`), made once: a register
    /// trampoline for the signatures it takes, else a Cranelift stub that reads the slots.
    pub(crate) fn prepared_entry(&self) -> Result<PreparedEntry, String> {
        let m = &self.inner.fixed;
        m.prepared
            .get_or_init(|| {
                let engine = engine_of(&self.inner.engine)?;
                if !self.inner.stub_only
                    && let Some(t) = engine
                        .prepared_trampoline(&m.plan, &m.convs, m.ret)
                        .map_err(|e| e.to_string())?
                {
                    return Ok(PreparedEntry::Trampoline(t as usize));
                }
                engine
                    .compile_untyped(&self.stub_spec(m, true))
                    .map(PreparedEntry::Stub)
                    .map_err(|e| e.to_string())
            })
            .clone()
    }

    /// The conversion classes of the fixed parameters and of the result.
    pub(crate) fn convs(&self) -> (&[Conv], Conv) {
        (&self.inner.fixed.convs, self.inner.fixed.ret)
    }

    fn ffi_call<'m>(&self, m: &'m Machine) -> Result<&'m FfiCall, String> {
        m.ffi
            .get_or_init(|| FfiCall::new(&m.plan, &m.convs, m.ret))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Calls the function with untyped arguments, checking their number and each one's type.
    ///
    /// # Errors
    ///
    /// [`CallError`] naming the function, the argument position and both types; nothing is
    /// called then.
    ///
    /// # Safety
    ///
    /// - the declaration matches the function's definition in the library;
    /// - the arguments satisfy the function's own preconditions (valid pointers, buffer sizes,
    ///   whatever the C documentation demands);
    /// - the function does not unwind or `longjmp` across this call.
    ///
    /// # Examples
    ///
    /// ```
    /// use jitffi::{Ffi, Library, Value};
    ///
    /// let ffi = Ffi::new();
    /// ffi.cdef("size_t strlen(const char *s); double cos(double);")?;
    /// let libc = Library::process();
    /// let strlen = ffi.function(&libc, "strlen")?;
    /// // SAFETY: strlen's declaration is right and the argument is a NUL-terminated string.
    /// let n = unsafe { strlen.call(&[Value::str(c"hello")])? };
    /// assert_eq!(n, Value::U64(5));
    /// let err = unsafe { strlen.call(&[Value::I64(7)]) }.unwrap_err();
    /// assert_eq!(err.to_string(), "strlen: argument 1: cannot convert i64 to 'const char *'");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline(always)]
    pub unsafe fn call(&self, args: &[Value<'_>]) -> Result<Value<'static>, CallError> {
        // The fast path: a compiled stub, arguments of the canonical variants, a result in
        // registers or a small struct. Everything else (first call, conversions, errors,
        // libffi, variadic tails, large struct results) takes `call_with`.
        let hot = &self.inner.hot;
        let stub = hot.stub.load(Ordering::Acquire);
        if stub != 0 && args.len() == hot.nargs {
            let target = hot.addr as *const c_void;
            if hot.kind != KIND_OTHER {
                let (a0, mut slow) = (args.as_ptr().cast(), 0u8);
                let bits = if hot.kind == KIND_WORD {
                    // SAFETY: as for `Direct` below, of a result in the integer register
                    // taken whole.
                    unsafe { direct::call_as::<u64>(stub, a0, &raw mut slow, target) }
                } else {
                    // SAFETY: as for `Direct` below, of a `double` in xmm0.
                    unsafe { direct::call_as::<f64>(stub, a0, &raw mut slow, target) }.to_bits()
                };
                if slow == 0 {
                    // SAFETY: `tag` is the canonical scalar tag of the result type and `bits`
                    // its payload.
                    return Ok(unsafe { value::scalar_from_raw(hot.tag, hot.ptr_ty, bits) });
                }
            }
            // Tested as an `if let` chain, not a `match`: compares, no jump table.
            else if let FastRet::Direct { d, tag, ptr_ty } = hot.ret {
                let mut slow = 0u8;
                // SAFETY: a non-zero `stub` of a `Direct` function is its register trampoline
                // (stored by `trampoline`), which checks every argument's tag before reading
                // its payload and calls nothing otherwise (setting `slow`); the rest is
                // forwarded from this function's contract.
                let bits = unsafe {
                    direct::scalar_bits(stub, d, args.as_ptr().cast(), &raw mut slow, target)
                };
                if slow == 0 {
                    // SAFETY: `tag` is the canonical scalar tag of the result type and `bits`
                    // its payload, extended as the stub would.
                    return Ok(unsafe { value::scalar_from_raw(tag, ptr_ty, bits) });
                }
            } else if let FastRet::DirectStruct { d, ty, len } = hot.ret {
                let mut slow = 0u8;
                // SAFETY: as for `Direct`, for a struct result in registers.
                let words = unsafe {
                    direct::struct_words(stub, d, args.as_ptr().cast(), &raw mut slow, target)
                };
                if slow == 0 {
                    return Ok(direct::struct_value(ty, len.into(), words));
                }
            } else {
                // SAFETY: a non-zero `stub` of any other function is its untyped stub (stored
                // by `jit_stub`), whose type is `StubFn`.
                let f = unsafe { std::mem::transmute::<usize, crate::jit::StubFn>(stub) };
                if let FastRet::Scalar { tag, ptr_ty } = hot.ret {
                    // SAFETY: forwarded from this function's contract; the stub checks each
                    // argument's tag before reading its payload and calls nothing otherwise.
                    let r = unsafe { f(args.as_ptr(), std::ptr::null_mut(), target) };
                    if r.status == 0 {
                        // SAFETY: `tag` is the canonical scalar tag of the result type and the
                        // stub returns its payload (normalised `_Bool`, extended integers).
                        return Ok(unsafe { value::scalar_from_raw(tag, ptr_ty, r.bits) });
                    }
                } else if let FastRet::Struct { ty, len } = hot.ret {
                    let mut bytes = [0u8; value::StructValue::INLINE];
                    // SAFETY: as above; the stub writes the `len` ≤ INLINE bytes of the result.
                    let r = unsafe { f(args.as_ptr(), bytes.as_mut_ptr(), target) };
                    if r.status == 0 {
                        return Ok(Value::Struct(value::StructValue::inline(
                            ty,
                            len.into(),
                            bytes,
                        )));
                    }
                }
            }
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { self.call_with(self.inner.backend, args) }
    }

    /// [`Function::call`] with a backend chosen for this call.
    ///
    /// # Errors
    ///
    /// As [`Function::call`]; also [`CallErrorKind::Unsupported`] if the forced backend cannot call
    /// the signature.
    ///
    /// # Safety
    ///
    /// As [`Function::call`].
    pub unsafe fn call_with(
        &self,
        backend: Backend,
        args: &[Value<'_>],
    ) -> Result<Value<'static>, CallError> {
        let inner = &*self.inner;
        let n_fixed = inner.fixed.convs.len();
        let variadic = inner.fixed.plan.variadic;
        if args.len() != n_fixed && !(variadic && args.len() > n_fixed) {
            return Err(CallError::from(CallErrorKind::Arity {
                function: inner.name.clone(),
                expected: n_fixed,
                got: args.len(),
                variadic,
            }));
        }
        if args.len() == n_fixed {
            let direct = match inner.hot.ret {
                FastRet::Direct { d, tag, ptr_ty } => Some(TrampRet::Scalar { d, tag, ptr_ty }),
                FastRet::DirectStruct { d, ty, len } => Some(TrampRet::Struct { d, ty, len }),
                FastRet::Trampoline(r) => Some(r),
                _ => None,
            };
            if let Some(r) = direct
                && backend != Backend::Libffi
            {
                match self.trampoline() {
                    Ok(t) => {
                        // SAFETY: forwarded from this function's contract.
                        return unsafe { self.call_trampoline(&inner.fixed, t, r, args) };
                    }
                    Err(reason) if backend == Backend::Jit => {
                        return Err(CallError::from(CallErrorKind::Unsupported {
                            function: inner.name.clone(),
                            reason,
                        }));
                    }
                    Err(_) => {}
                }
            }
            // SAFETY: forwarded from this function's contract.
            return unsafe { self.call_machine(&inner.fixed, backend, args) };
        }
        let m = self.tail_machine(&args[n_fixed..])?;
        // A tail of register arguments: the promoted signature's register trampoline (with
        // `%al` set), made once per tail signature.
        if backend != Backend::Libffi
            && !inner.stub_only
            && let Some(r) = TrampRet::of(&m)
            && let Ok(t) = self.machine_trampoline(&m)
        {
            // SAFETY: forwarded from this function's contract.
            return unsafe { self.call_trampoline(&m, t, r, args) };
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { self.call_machine(&m, backend, args) }
    }

    /// A call through the register trampoline `t`: the arguments as given if the trampoline
    /// takes them, else converted (or the conversion's error). With `errno` capture, the saved
    /// errno is restored right before the trampoline and saved right after the C function
    /// returns, before anything else runs.
    ///
    /// # Safety
    ///
    /// As [`Function::call`]; `t` is the trampoline of machine `m`, `r` its result.
    unsafe fn call_trampoline(
        &self,
        m: &Machine,
        t: usize,
        r: TrampRet,
        args: &[Value<'_>],
    ) -> Result<Value<'static>, CallError> {
        let target = self.inner.addr as *const c_void;
        let errno = self.inner.errno;
        let run = |args: &[Value<'_>]| -> Option<Value<'static>> {
            let mut slow = 0u8;
            let a0 = args.as_ptr().cast();
            // Right before the call, and right after it (a refused call called nothing, so
            // saves nothing).
            let before = || {
                if errno {
                    crate::errno::restore_errno();
                }
            };
            let after = |slow: u8| {
                if errno && slow == 0 {
                    crate::errno::save_errno();
                }
                slow == 0
            };
            match r {
                TrampRet::Scalar { d, tag, ptr_ty } => {
                    before();
                    // SAFETY: the trampoline checks every tag before reading a payload;
                    // forwarded from this function's contract.
                    let bits = unsafe { direct::scalar_bits(t, d, a0, &raw mut slow, target) };
                    // SAFETY: `tag` is the canonical scalar tag of the result, `bits` its payload.
                    after(slow).then(|| unsafe { value::scalar_from_raw(tag, ptr_ty, bits) })
                }
                TrampRet::Struct { d, ty, len } => {
                    before();
                    // SAFETY: as above, for a struct result in registers.
                    let words = unsafe { direct::struct_words(t, d, a0, &raw mut slow, target) };
                    after(slow).then(|| direct::struct_value(ty, len.into(), words))
                }
                TrampRet::Memory { ty, size } => {
                    let size = size as usize;
                    with_result_buffer(size, |bytes| {
                        before();
                        // SAFETY: as above; `bytes` is the struct's `size` bytes, aligned.
                        unsafe {
                            direct::memory_call(t, a0, &raw mut slow, bytes.as_mut_ptr(), target);
                        }
                        after(slow).then(|| struct_of(ty, bytes))
                    })
                }
                TrampRet::Wide { signed } => {
                    before();
                    let pair = direct::Direct::Struct(false, Some(false));
                    // SAFETY: as above; the C function returns the two eightbytes in rax:rdx.
                    let words = unsafe { direct::struct_words(t, pair, a0, &raw mut slow, target) };
                    after(slow).then(|| direct::wide_value(signed, words))
                }
                TrampRet::X87 => {
                    let mut ten = [0u8; 16];
                    before();
                    // SAFETY: as above; the trampoline stores st(0) as 10 bytes at `ten`.
                    unsafe {
                        direct::memory_call(t, a0, &raw mut slow, ten.as_mut_ptr(), target);
                    }
                    after(slow).then(|| direct::x87_value(&ten))
                }
            }
        };
        if let Some(v) = run(args) {
            return Ok(v);
        }
        let converted = self.check_args(m, args)?;
        run(&converted).ok_or_else(|| {
            CallError::from(CallErrorKind::Unsupported {
                function: self.inner.name.clone(),
                reason: "internal: the trampoline refused converted arguments".into(),
            })
        })
    }

    /// The machine for a variadic call whose tail is `tail`, after default promotions.
    fn tail_machine(&self, tail: &[Value<'_>]) -> Result<Arc<Machine>, CallError> {
        let inner = &*self.inner;
        let t = &inner.table;
        let mut key = Vec::with_capacity(tail.len());
        let mut types = Vec::with_capacity(tail.len());
        let mut convs = Vec::with_capacity(tail.len());
        for (i, v) in tail.iter().enumerate() {
            let position = inner.fixed.convs.len() + i + 1;
            let (ty, conv) = match v {
                Value::Bool(_)
                | Value::I8(_)
                | Value::U8(_)
                | Value::I16(_)
                | Value::U16(_)
                | Value::I32(_) => (
                    t.prim(Prim::Int),
                    Conv::Int {
                        bytes: 4,
                        signed: true,
                    },
                ),
                Value::U32(_) => (
                    t.prim(Prim::UInt),
                    Conv::Int {
                        bytes: 4,
                        signed: false,
                    },
                ),
                Value::I64(_) => (
                    t.prim(Prim::Long),
                    Conv::Int {
                        bytes: 8,
                        signed: true,
                    },
                ),
                Value::U64(_) => (
                    t.prim(Prim::ULong),
                    Conv::Int {
                        bytes: 8,
                        signed: false,
                    },
                ),
                Value::F32(_) | Value::F64(_) => (t.prim(Prim::Double), Conv::F64),
                // Promotions keep a long double a long double (libffi passes it).
                Value::F80(_) => (t.prim(Prim::LongDouble), Conv::LongDouble),
                Value::I128(_) => (t.prim(Prim::Int128), Conv::Int128 { signed: true }),
                Value::U128(_) => (t.prim(Prim::UInt128), Conv::Int128 { signed: false }),
                // Every pointer classifies like an unsigned long; the conversion keeps the
                // value's own type so the stub's check passes.
                Value::Ptr(p) => (
                    t.prim(Prim::ULong),
                    Conv::Ptr {
                        ty: TypeId(p.tag()),
                        chars: true,
                    },
                ),
                Value::Str(_) => (
                    t.prim(Prim::ULong),
                    Conv::Ptr {
                        ty: TypeId(value::UNTYPED),
                        chars: true,
                    },
                ),
                Value::Struct(s) => {
                    let ty = s.type_id();
                    if ty.index() >= t.len() || !crate::plan::is_aggregate(t, ty) {
                        return Err(CallError::from(CallErrorKind::Argument {
                            function: inner.name.clone(),
                            position,
                            message:
                                "struct value of a type unknown to this function's declarations"
                                    .into(),
                        }));
                    }
                    let ty = t.raw(ty);
                    let size = u32::try_from(s.bytes().len()).unwrap_or(u32::MAX);
                    (ty, Conv::Struct { ty, size })
                }
                Value::Void => {
                    return Err(CallError::from(CallErrorKind::Argument {
                        function: inner.name.clone(),
                        position,
                        message: "cannot pass void as a variadic argument".into(),
                    }));
                }
            };
            let tag = conv.canonical_tag();
            let id = match conv {
                Conv::Ptr { ty, .. } | Conv::Struct { ty, .. } => ty.0,
                _ => 0,
            };
            key.push((tag, id));
            types.push(ty);
            convs.push(conv);
        }
        let mut cache = inner.tails.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = cache.get(&key) {
            return Ok(m.clone());
        }
        let m = Machine::new(t, &inner.target, inner.ty, &types, &convs).map_err(|reason| {
            CallError::from(CallErrorKind::Unsupported {
                function: inner.name.clone(),
                reason,
            })
        })?;
        let m = Arc::new(m);
        cache.insert(key, m.clone());
        Ok(m)
    }

    /// Converts every argument to its parameter's canonical value, or explains why not.
    fn check_args<'a>(&self, m: &Machine, args: &[Value<'a>]) -> Result<Vec<Value<'a>>, CallError> {
        let t = &self.inner.table;
        args.iter()
            .zip(&m.convs)
            .enumerate()
            .map(|(i, (v, conv))| c_from_value(t, *conv, v).map_err(|e| self.arg_error(m, i, v, e)))
            .collect()
    }

    /// The C type of fixed parameter `i`, for messages.
    pub(crate) fn param_type_name(&self, i: usize) -> String {
        self.param_c_type(&self.inner.fixed, i)
    }

    /// The error of fixed argument `i` (value `v`) failing to convert.
    pub(crate) fn fixed_arg_error(&self, i: usize, v: &Value<'_>, e: ConvError) -> CallError {
        self.arg_error(&self.inner.fixed, i, v, e)
    }

    fn param_c_type(&self, m: &Machine, i: usize) -> String {
        let t = &self.inner.table;
        match t.as_func(self.inner.ty).and_then(|f| f.params.get(i)) {
            Some(&p) => t.display(p),
            None => match m.convs.get(i) {
                Some(Conv::Int {
                    bytes: 4,
                    signed: true,
                }) => "int".into(),
                Some(Conv::Int {
                    bytes: 4,
                    signed: false,
                }) => "unsigned int".into(),
                Some(Conv::Int { signed: true, .. }) => "long".into(),
                Some(Conv::Int { signed: false, .. }) => "unsigned long".into(),
                Some(Conv::F64) => "double".into(),
                Some(Conv::Ptr { .. }) => "void *".into(),
                _ => "variadic argument".into(),
            },
        }
    }

    fn arg_error(&self, m: &Machine, i: usize, v: &Value<'_>, e: ConvError) -> CallError {
        let t = &self.inner.table;
        let c = self.param_c_type(m, i);
        let message = match e {
            ConvError::Type => match m.convs[i] {
                Conv::Unsupported => format!("parameter type '{c}' cannot be passed by value yet"),
                _ => format!("cannot convert {} to '{c}'", v.kind()),
            },
            ConvError::Range(n) => format!("integer {n} does not fit in '{c}'"),
            ConvError::PointerType(from) => {
                // A type newer than the function's table (a callback made after it) is
                // named from the context's newest table.
                let newest = self.inner.live.upgrade().map(|s| {
                    s.table
                        .read()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .clone()
                });
                let from = value::pointer_type_name(newest.as_deref().unwrap_or(t), from);
                format!("cannot pass '{from}' where '{c}' is expected")
            }
            ConvError::StructType(from) => {
                let from = if from.index() < t.len() {
                    t.display(from)
                } else {
                    format!("struct type #{}", from.0)
                };
                format!("cannot pass a value of type '{from}' where '{c}' is expected")
            }
            ConvError::StructSize(n) => {
                format!(
                    "struct value has {n} bytes but '{c}' has {}",
                    size_of_in(t, &self.inner.target)(t.raw(self.param_ty(i))).unwrap_or(0)
                )
            }
        };
        CallError::from(CallErrorKind::Argument {
            function: self.inner.name.clone(),
            position: i + 1,
            message,
        })
    }

    fn param_ty(&self, i: usize) -> TypeId {
        let t = &self.inner.table;
        t.as_func(self.inner.ty)
            .and_then(|f| f.params.get(i).copied())
            .unwrap_or(t.void())
    }

    /// Runs a call on one machine with the chosen backend.
    ///
    /// # Safety
    ///
    /// As [`Function::call`]; `args.len()` equals the machine's number of arguments.
    unsafe fn call_machine(
        &self,
        m: &Machine,
        backend: Backend,
        args: &[Value<'_>],
    ) -> Result<Value<'static>, CallError> {
        let unsupported = |reason: String| {
            CallError::from(CallErrorKind::Unsupported {
                function: self.inner.name.clone(),
                reason,
            })
        };
        let use_jit = match backend {
            Backend::Libffi => false,
            Backend::Jit => {
                self.jit_stub(m).map_err(unsupported)?;
                true
            }
            Backend::Auto => self.jit_stub(m).is_ok(),
        };
        if use_jit {
            let stub = self.jit_stub(m).map_err(unsupported)?;
            // SAFETY: forwarded from this function's contract; the stub checks each argument's
            // tag before reading its payload.
            let first = unsafe { self.run_stub(stub, m, args) };
            if let Some(v) = first {
                return Ok(v);
            }
            let converted = self.check_args(m, args)?;
            // SAFETY: as above, with canonical arguments the stub accepts.
            return unsafe { self.run_stub(stub, m, &converted) }.ok_or_else(|| {
                unsupported("internal: the stub refused converted arguments".into())
            });
        }
        let ffi = self.ffi_call(m).map_err(|e| {
            let jit = self.jit_stub(m).err().unwrap_or_default();
            unsupported(if jit.is_empty() {
                e
            } else {
                format!("{e} (and the JIT: {jit})")
            })
        })?;
        let t = &self.inner.table;
        let converted;
        let args = if args
            .iter()
            .zip(&m.convs)
            .all(|(v, c)| value::is_canonical(t, *c, v))
        {
            args
        } else {
            converted = self.check_args(m, args)?;
            &converted[..]
        };
        let len = ffi.ret_len().max(m.plan_ret_size());
        Ok(with_result_buffer(len, |buf| {
            // SAFETY: forwarded from this function's contract; `args` are canonical values
            // for the prepared signature; `buf` is at least `ret_len()` bytes, aligned.
            unsafe { ffi.call(self.address(), args, buf.as_mut_ptr(), self.inner.errno) };
            value_from_c(m.ret, buf)
        }))
    }

    /// Runs the stub; `None` if it refused an argument (nothing was called).
    ///
    /// # Safety
    ///
    /// As [`Function::call`]; `args.len()` equals the machine's number of arguments.
    unsafe fn run_stub(
        &self,
        stub: &UntypedStub,
        m: &Machine,
        args: &[Value<'_>],
    ) -> Option<Value<'static>> {
        let target = self.address();
        if let Conv::Struct { ty, size } = m.ret {
            if size as usize <= value::StructValue::INLINE {
                let mut bytes = [0u8; value::StructValue::INLINE];
                // SAFETY: `args` has one `Value` per parameter, `bytes` holds the whole result.
                let r = unsafe { (stub.f)(args.as_ptr(), bytes.as_mut_ptr(), target) };
                return (r.status == 0)
                    .then(|| Value::Struct(value::StructValue::inline(ty, size as usize, bytes)));
            }
            return with_result_buffer(size as usize, |bytes| {
                // SAFETY: `args` has one `Value` per parameter, `bytes` holds the whole
                // result, aligned for it.
                let r = unsafe { (stub.f)(args.as_ptr(), bytes.as_mut_ptr(), target) };
                (r.status == 0).then(|| Value::Struct(value::StructValue::owned_copy(ty, bytes)))
            });
        }
        // SAFETY: `args` has one `Value` per parameter; scalar results come back in registers.
        let r = unsafe { (stub.f)(args.as_ptr(), std::ptr::null_mut(), target) };
        let (tag, ptr_ty) = m.ret.scalar_tag()?;
        // SAFETY: the tag of a scalar result and the payload the stub returns for it
        // (normalised `_Bool`, extended integers).
        (r.status == 0).then(|| unsafe { value::scalar_from_raw(tag, ptr_ty, r.bits) })
    }

    /// Checks that `Args` and `Ret` match the declaration and returns a handle whose calls are
    /// native calls.
    ///
    /// # Errors
    ///
    /// [`TypeMismatch`] naming the argument (or the result), the Rust type, the C type and
    /// what differs.
    ///
    /// # Examples
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// ffi.cdef("double cos(double);")?;
    /// let libm = unsafe { jitffi::Library::open("m", &Default::default())? };
    /// let cos = ffi.function(&libm, "cos")?.typed::<(f64,), f64>()?;
    /// // SAFETY: cos is defined as declared.
    /// assert_eq!(unsafe { cos.call((0.0,)) }, 1.0);
    /// assert!(ffi.function(&libm, "cos")?.typed::<(f32,), f64>().is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn typed<Args: TypedArgs, Ret: CRepr>(
        &self,
    ) -> Result<TypedFunction<Args, Ret>, TypeMismatch> {
        TypedFunction::new(self)
    }

    pub(crate) fn engine(&self) -> Result<Arc<JitEngine>, String> {
        engine_of(&self.inner.engine)
    }

    /// How the fixed parameters and the result are passed.
    pub(crate) fn call_plan(&self) -> &CallPlan {
        &self.inner.fixed.plan
    }

    pub(crate) fn target(&self) -> &Target {
        &self.inner.target
    }
}

impl Machine {
    fn plan_ret_size(&self) -> usize {
        match self.ret {
            Conv::Struct { size, .. } => size as usize,
            _ => 16,
        }
    }
}

const _: () = {
    // The fast path returns a `Value` in place: an error must not need a discriminant of its own.
    assert!(
        std::mem::size_of::<Result<Value<'static>, CallError>>()
            == std::mem::size_of::<Value<'static>>()
    );
};
