//! Callbacks: Rust closures as C function pointers.
//!
//! [`Ffi::callback`] (untyped: the closure takes `&[Value]` and returns a [`Value`]) and
//! [`Ffi::callback_typed`] (typed: `|a: i32, b: i32| -> i32`, checked once against the
//! declaration) return a [`Callback`] that owns the closure and hands out a C function pointer
//! ([`Callback::ptr`], or [`Callback::value`] to pass it to an untyped call). [`CallbackType`]
//! resolves a function pointer type once, sets the result returned when the closure fails
//! ([`CallbackType::on_error`]) and makes any number of callbacks of it.
//!
//! # How a call arrives
//!
//! C calls a 16-byte trampoline slot that loads the callback's context and jumps to code
//! compiled once per signature (see `jit/callback.rs`). A typed closure is then one direct
//! call away: its arguments are still in the registers C put them in, and the context arrives
//! as one more argument of a Rust `extern "C"` function monomorphised for the closure. An
//! untyped closure goes through a Cranelift thunk built from the signature's [`CallPlan`]
//! (the same plan as calls, read in the other direction) that spills the arguments and calls
//! the dispatcher, which makes the `Value`s, calls the closure and converts its result with
//! the same checks as call arguments. libffi closures take what the JIT does not handle
//! (`long double`, every argument register taken, other architectures), or everything with
//! [`Backend::Libffi`].
//!
//! # Errors inside the callback
//!
//! A panic never unwinds into C. It is caught, logged (`log::error!`) and recorded on the
//! handle ([`Callback::errors`], [`Callback::last_error`]), and C gets the default result: all
//! zero bytes, or what [`CallbackType::on_error`] set (CFFI's `onerror`). An untyped closure
//! returning a value that does not convert to the result type, and a thread-bound callback
//! called from another thread, are handled the same way. (With `panic = "abort"` a panic
//! aborts before anything can catch it.)
//!
//! # Threads
//!
//! [`Ffi::callback`] and [`Ffi::callback_typed`] take `Send + Sync` closures: C may call them
//! from any thread, its own threads included, and concurrently (the closure takes `&self`:
//! use atomics or a `Mutex` for state). Closures that are not `Send + Sync` (an `Rc`, a
//! `RefCell`, a non-`Send` [`CData`](crate::CData)) go through [`CallbackType::untyped_local`]
//! or [`CallbackType::typed_local`]: the [`LocalCallback`] handle stays on the thread that made
//! it, and a call from any other thread runs nothing and returns the default result
//! (recorded as [`CallbackErrorKind::Thread`]).
//!
//! # Lifetime
//!
//! The function pointer is valid while the handle lives. A closure may borrow (`Callback<'f>`
//! lives at most as long as what it borrows). Dropping the handle while C may still call the
//! pointer is the caller's responsibility: handing the pointer to C happens in an `unsafe`
//! call, whose caller vouches that C stops using it before the handle is dropped (as for any
//! pointer passed to C). A dropped callback's slot, until it is reused, aborts the process
//! with a message instead of running freed memory. [`Callback::leak`] keeps a `'static`
//! callback forever.
//!
//! # Examples
//!
//! ```
//! use jitffi::{Ffi, Library, Value};
//! use std::ffi::c_void;
//!
//! let ffi = Ffi::new();
//! ffi.cdef("void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));")?;
//! let qsort = ffi.function(&Library::process(), "qsort")?;
//!
//! // Typed: checked once against the declaration, no conversion per call.
//! let cmp = ffi.callback_typed(
//!     "int (*)(const void *, const void *)",
//!     |a: *const c_void, b: *const c_void| {
//!         // SAFETY: qsort passes pointers to two elements of the i32 array below.
//!         let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
//!         a.cmp(&b) as i32
//!     },
//! )?;
//! let mut v = [5i32, -1, 3, 0];
//! // SAFETY: `v` has 4 elements of 4 bytes; `cmp` outlives the call.
//! unsafe { qsort.call(&[Value::ptr(v.as_mut_ptr()), Value::U64(4), Value::U64(4), cmp.value()])? };
//! assert_eq!(v, [-1, 0, 3, 5]);
//!
//! // Untyped: `Value`s in, a `Value` out, converted with the checks of call arguments.
//! let cb = ffi.callback("int (*)(int)", |args: &[Value]| match args {
//!     [Value::I32(x)] => Value::I32(x + 1),
//!     _ => unreachable!("the declaration says one int"),
//! })?;
//! let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(cb.ptr()) };
//! assert_eq!(f(41), 42);
//! # Ok::<(), jitffi::Error>(())
//! ```

mod typed;

use std::any::Any;
use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use libffi::low::{self, ffi_cif, ffi_closure};

pub use typed::TypedClosure;

use crate::call::{Backend, SharedEngine, engine_of};
use crate::cif::FfiCall;
use crate::ctype::{CType, TypeId, TypeTable};
use crate::error::Error;
use crate::ffi::Ffi;
use crate::jit::{JitEngine, Slot, ThunkKind};
use crate::layout::{self, Target};
use crate::plan::{self, CallPlan, RetClass};
use crate::value::{self, Conv, ConvError, Pointer, StructValue, Value, c_from_value};
use crate::x87::{f64_to_x87, x87_to_f64};

/// What went wrong in or around a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackErrorKind {
    /// The closure panicked; C got the default result.
    Panic,
    /// An untyped closure returned a value that does not convert to the result type; C got
    /// the default result.
    Result,
    /// A thread-bound callback was called from another thread; the closure did not run and C
    /// got the default result.
    Thread,
    /// The callback cannot be made: not a function type, a type jitffi cannot pass, a typed
    /// closure whose Rust types differ from the declaration, a backend that cannot compile it.
    Unsupported,
}

/// A callback failure: made when a callback cannot be created, and recorded on the handle
/// when a call fails ([`Callback::last_error`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackError {
    /// What kind of failure.
    pub kind: CallbackErrorKind,
    /// The callback's C type, e.g. `int (*)(int)`.
    pub callback: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CallbackErrorKind::Panic => "panicked",
            CallbackErrorKind::Result => "returned a bad value",
            CallbackErrorKind::Thread => "called from another thread",
            CallbackErrorKind::Unsupported => "cannot be made",
        };
        write!(f, "callback '{}' {what}: {}", self.callback, self.message)
    }
}

impl std::error::Error for CallbackError {}

impl From<CallbackError> for Error {
    fn from(e: CallbackError) -> Error {
        Error::Callback(e)
    }
}

/// A token for the calling thread, unique among live threads (the address of a thread-local).
#[inline]
fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// The message of a panic payload.
fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-string payload".into())
}

/// The bookkeeping every callback context starts with (`#[repr(C)]` contexts put it first).
pub(crate) struct Record {
    name: String,
    /// 0, or the token of the only thread allowed to run the closure.
    owner: usize,
    /// The default result's C bytes (at least 8; scalars extended to a word).
    default: Box<[u8]>,
    /// The result goes through the hidden pointer (libffi entries need to know).
    sret: bool,
    /// A scalar integer result: its width and signedness (libffi wants it extended).
    ret_int: Option<(u8, bool)>,
    errors: AtomicU64,
    last: Mutex<Option<CallbackError>>,
}

impl Record {
    /// Records and logs a failure.
    #[cold]
    fn fail(&self, kind: CallbackErrorKind, message: String) {
        let e = CallbackError {
            kind,
            callback: self.name.clone(),
            message,
        };
        log::error!("jitffi: {e}; C gets the default result");
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }

    /// Whether the closure may run on this thread; records the failure if not.
    #[inline(always)]
    fn admits(&self) -> bool {
        self.owner == 0 || self.admits_bound()
    }

    #[cold]
    fn admits_bound(&self) -> bool {
        if self.owner == thread_token() {
            return true;
        }
        self.fail(
            CallbackErrorKind::Thread,
            "this callback is bound to the thread that made it".into(),
        );
        false
    }

    /// The default result as `R`.
    ///
    /// # Safety
    ///
    /// `R` is the callback's result type, checked against the C result (same size, and every
    /// C value of it a valid `R`).
    unsafe fn default<R>(&self) -> R {
        debug_assert!(self.default.len() >= std::mem::size_of::<R>());
        // SAFETY: the default holds at least `size_of::<R>()` bytes of a C value of the
        // result type (`CallbackType::on_error` converted it), which the caller vouches is a
        // valid `R`.
        unsafe { self.default.as_ptr().cast::<R>().read_unaligned() }
    }

    /// Writes the default result's bytes to `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (at least a word for scalars).
    unsafe fn write_default(&self, ret: *mut u8) {
        // SAFETY: the caller's contract; `default` is as long as the result (at least 8).
        unsafe { std::ptr::copy_nonoverlapping(self.default.as_ptr(), ret, self.default.len()) };
    }
}

/// A scalar result's canonical variant: what the fast path of `write_fast` checks and reads.
#[derive(Copy, Clone, Debug)]
struct FastRet {
    conv: Conv,
    tag: u8,
    ptr_ty: u32,
}

impl FastRet {
    fn of(conv: Conv) -> Option<FastRet> {
        let (tag, ptr_ty) = match conv {
            Conv::LongDouble | Conv::Void => return None,
            c => c.scalar_tag()?,
        };
        Some(FastRet { conv, tag, ptr_ty })
    }
}

/// An untyped closure, its type erased.
type UntypedFn<'f> = Box<dyn Fn(&[Value<'_>]) -> Value<'static> + 'f>;

/// The context of an untyped callback.
#[repr(C)]
pub(crate) struct UntypedCtx<'f> {
    record: Record,
    table: Arc<TypeTable>,
    /// Per argument: its conversion, and the tag and pointer type of its `Value`.
    args: Vec<(Conv, u8, u32)>,
    ret: Conv,
    /// The declared result type (for messages).
    ret_ty: TypeId,
    /// How a scalar result of the canonical variant is written (`None` for void, structs
    /// and `long double`).
    fast_ret: Option<FastRet>,
    f: UntypedFn<'f>,
}

/// An argument as a `Value`: scalars read from their bytes, structs borrowed in place.
///
/// # Safety
///
/// `p` points to a C value of conversion `conv` that outlives `'a`.
#[inline(always)]
unsafe fn read_arg<'a>(conv: Conv, tag: u8, ptr_ty: u32, p: *const u8) -> Value<'a> {
    // SAFETY: the caller's contract: `p` holds a value of `conv`, of `conv.size()` bytes.
    unsafe {
        match conv {
            Conv::Struct { ty, size } => Value::Struct(StructValue::borrowed(
                ty,
                std::slice::from_raw_parts(p, size as usize),
            )),
            Conv::LongDouble => Value::F64(x87_to_f64(&p.cast::<[u8; 16]>().read_unaligned())),
            _ => value::scalar_from_word(conv, tag, ptr_ty, value::read_word(p, conv.size())),
        }
    }
}

impl UntypedCtx<'_> {
    /// Writes a scalar result of the canonical variant (the common case) to `ret`; false if
    /// `v` is anything else.
    ///
    /// # Safety
    ///
    /// `ret` is writable for a word.
    #[inline(always)]
    unsafe fn write_fast(&self, v: &Value<'_>, ret: *mut u8) -> bool {
        // Its payload as a word, read in place with the width the closure stored it with (a
        // copy of the `Value` would load across the closure's narrower stores and stall).
        if let Some(fast) = self.fast_ret
            && v.tag() == fast.tag
            && (fast.tag != value::tag::PTR
                || matches!(v, Value::Ptr(p) if p.tag() == fast.ptr_ty || p.tag() == value::UNTYPED))
        {
            // SAFETY: `Value` is `repr(C, u64)` with the payload at `PAYLOAD`; the variant
            // `fast.tag` has a payload of `fast.conv.size()` bytes there.
            let w = unsafe {
                value::read_word(
                    std::ptr::from_ref(v)
                        .cast::<u8>()
                        .add(value::PAYLOAD as usize),
                    fast.conv.size(),
                )
            };
            let w = extend(fast.conv, w);
            // SAFETY: `ret` is writable for a word (caller's contract).
            unsafe { ret.cast::<u64>().write_unaligned(w) };
            return true;
        }
        false
    }

    /// Converts the closure's result and writes its C bytes to `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (16 bytes for `long double`, a word at least
    /// for scalars).
    #[inline(never)]
    unsafe fn write_result(&self, v: &Value<'_>, ret: *mut u8) -> Result<(), String> {
        let t = &self.table;
        let c = || t.display(self.ret_ty);
        if self.ret == Conv::Void {
            return match v {
                Value::Void => Ok(()),
                other => Err(format!(
                    "returned {} from a callback whose result is 'void' (return Value::Void)",
                    other.kind()
                )),
            };
        }
        // Already the result type's canonical value: no conversion.
        if value::is_canonical(t, self.ret, v) {
            // SAFETY: `ret` is writable for the result's size (caller's contract).
            unsafe { Self::store(v, self.ret, ret) };
            return Ok(());
        }
        let v = c_from_value(t, self.ret, v).map_err(|e| match e {
            ConvError::Type => format!("returned {} where '{}' is expected", v.kind(), c()),
            ConvError::Range(n) => format!("returned {n}, which does not fit in '{}'", c()),
            ConvError::PointerType(from) => format!(
                "returned '{}' where '{}' is expected",
                value::pointer_type_name(t, from),
                c()
            ),
            ConvError::StructType(from) => format!(
                "returned a value of type '{}' where '{}' is expected",
                if from.index() < t.len() {
                    t.display(from)
                } else {
                    format!("struct type #{}", from.0)
                },
                c()
            ),
            ConvError::StructSize(n) => {
                format!("returned a struct of {n} bytes where '{}' is expected", c())
            }
        })?;
        // SAFETY: `ret` is writable for the result's size (caller's contract).
        unsafe { Self::store(&v, self.ret, ret) };
        Ok(())
    }

    /// Writes the C bytes of `v`, a canonical value of `conv`, to `ret`: scalars as a word
    /// extended by their signedness, `long double` as x87 extended precision.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (16 bytes for `long double`, a word at least
    /// for scalars).
    #[inline]
    unsafe fn store(v: &Value<'_>, conv: Conv, ret: *mut u8) {
        // SAFETY: the caller's contract.
        unsafe {
            match (v, conv) {
                (Value::Struct(s), _) => {
                    std::ptr::copy_nonoverlapping(s.bytes().as_ptr(), ret, s.bytes().len());
                }
                (Value::F64(x), Conv::LongDouble) => {
                    std::ptr::copy_nonoverlapping(f64_to_x87(*x).as_ptr(), ret, 16);
                }
                (v, conv) => ret
                    .cast::<u64>()
                    .write_unaligned(extend(conv, value::payload_word(v))),
            }
        }
    }

    /// Runs the closure for one call with `args` and writes its result (or the default) to
    /// `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result (see `write_result`).
    #[inline]
    unsafe fn call(&self, args: &[Value<'_>], ret: *mut u8) {
        let failure = if self.record.admits() {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let v = (self.f)(args);
                // SAFETY: `ret` is writable for the result (caller's contract).
                unsafe {
                    if self.write_fast(&v, ret) {
                        Ok(())
                    } else {
                        self.write_result(&v, ret)
                    }
                }
            }));
            match outcome {
                Ok(Ok(())) => return,
                Ok(Err(m)) => Some((CallbackErrorKind::Result, m)),
                Err(p) => Some((CallbackErrorKind::Panic, panic_message(&*p))),
            }
        } else {
            None
        };
        if let Some((kind, message)) = failure {
            self.record.fail(kind, message);
        }
        // SAFETY: as above.
        unsafe { self.record.write_default(ret) };
    }

    /// Runs the closure for one call from libffi: `argp[i]` points to argument `i`, the
    /// result goes to `ret`.
    ///
    /// # Safety
    ///
    /// `argp` has one pointer per argument, each to a value of its conversion; `ret` is
    /// writable for the result (see `write_result`).
    unsafe fn run(&self, argp: *const *const u8, ret: *mut u8) {
        // The arguments own nothing (scalars, and structs borrowed in place): no drop needed.
        let args: Vec<Value<'_>> = self
            .args
            .iter()
            .enumerate()
            .map(|(i, &(conv, tag, ptr_ty))| {
                // SAFETY: `argp[i]` points to argument `i`, of conversion `conv` (caller's
                // contract); the values do not outlive this call.
                unsafe { read_arg(conv, tag, ptr_ty, *argp.add(i)) }
            })
            .collect();
        // SAFETY: the caller's contract.
        unsafe { self.call(&args, ret) };
    }
}

/// Frees an untyped context.
///
/// # Safety
///
/// `p` came from `Box::into_raw` of an `UntypedCtx` and is not used afterwards.
unsafe fn drop_untyped(p: *mut c_void) {
    // SAFETY: the caller's contract.
    drop(unsafe { Box::from_raw(p.cast::<UntypedCtx<'_>>()) });
}

/// A scalar's payload word extended to 64 bits by its conversion's signedness.
#[inline]
fn extend(conv: Conv, w: u64) -> u64 {
    match conv {
        Conv::Int {
            bytes,
            signed: true,
        } if bytes < 8 => {
            let shift = 64 - 8 * u32::from(bytes);
            (((w << shift) as i64) >> shift) as u64
        }
        Conv::Int { bytes, .. } if bytes < 8 => w & ((1u64 << (8 * u32::from(bytes))) - 1),
        Conv::Bool => u64::from(w & 1 != 0),
        _ => w,
    }
}

/// The entry of untyped thunks: `dispatch(ctx, values, ret)`.
unsafe extern "C" fn untyped_entry(
    ctx: *const UntypedCtx<'_>,
    values: *const Value<'_>,
    ret: *mut u8,
) {
    // SAFETY: the thunk passes the context its slot holds (alive while the slot points here),
    // one `Value` per argument built in its frame (scalars, borrowed structs: nothing to
    // drop) and a result buffer of 16 bytes or the hidden result pointer.
    unsafe {
        let ctx = &*ctx;
        let args = std::slice::from_raw_parts(values, ctx.args.len());
        ctx.call(args, ret);
    }
}

/// The libffi entry of untyped callbacks.
unsafe extern "C" fn untyped_ffi_entry(
    _cif: *mut ffi_cif,
    result: *mut c_void,
    args: *mut *mut c_void,
    ctx: *mut c_void,
) {
    // SAFETY: libffi passes the closure's user data (the context, alive while the closure
    // is), one pointer per argument of the cif (`FfiCall` puts the hidden result pointer
    // first when the result is in memory) and a result buffer for the cif's result type.
    unsafe {
        let ctx = &*ctx.cast::<UntypedCtx<'_>>();
        if ctx.record.sret {
            let hidden = (*args).cast::<*mut u8>().read();
            ctx.run(args.add(1).cast(), hidden);
            result.cast::<*mut u8>().write(hidden);
        } else {
            ctx.run(args.cast(), result.cast());
        }
    }
}

/// A libffi closure and the cif it was prepared with.
struct FfiClosure {
    closure: *mut ffi_closure,
    _call: FfiCall,
}

impl Drop for FfiClosure {
    fn drop(&mut self) {
        // SAFETY: allocated by `closure_alloc`, freed once; the handle that could hand out
        // its code is being dropped.
        unsafe { low::closure_free(self.closure) };
    }
}

/// What runs a callback's code.
enum Backing {
    /// A trampoline slot into JIT code (the engine keeps the code alive).
    Jit {
        _slot: Slot,
        _engine: Arc<JitEngine>,
    },
    /// A libffi closure.
    Ffi { _closure: FfiClosure },
}

/// A C function type resolved once, from which callbacks are made.
///
/// Made by [`Ffi::callback_type`]; cheap to clone. See the [module documentation](self).
#[derive(Clone)]
pub struct CallbackType {
    table: Arc<TypeTable>,
    target: Target,
    /// The function type.
    func: TypeId,
    /// How a pointer to the function is tagged in a `Value`.
    ptr_tag: u32,
    name: String,
    plan: CallPlan,
    convs: Vec<Conv>,
    ret: Conv,
    ret_ty: TypeId,
    engine: SharedEngine,
    backend: Backend,
    default: Box<[u8]>,
}

impl fmt::Debug for CallbackType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallbackType({})", self.name)
    }
}

impl CallbackType {
    pub(crate) fn new(ffi: &Ffi, ty: &str) -> Result<CallbackType, Error> {
        let t = ffi.type_of(ty)?;
        let table = ffi.types();
        let unsupported = |name: &str, message: String| {
            Error::from(CallbackError {
                kind: CallbackErrorKind::Unsupported,
                callback: name.to_string(),
                message,
            })
        };
        let (func, ptr_tag) = match table.raw_type(t.id()) {
            CType::Pointer(to) if table.as_func(*to).is_some() => {
                (table.raw(*to), table.raw(t.id()).0)
            }
            CType::Func(_) => {
                let f = table.raw(t.id());
                (
                    f,
                    table.find_pointer(f).map_or(f.0 | value::POINTEE, |p| p.0),
                )
            }
            _ => {
                return Err(unsupported(
                    ty,
                    format!(
                        "'{}' is not a function or function pointer type",
                        table.display(t.id())
                    ),
                ));
            }
        };
        let name = match table.find_pointer(func) {
            Some(p) => table.display(p),
            None => table.display(func),
        };
        let target = ffi.target().clone();
        let ft = table
            .as_func(func)
            .ok_or_else(|| unsupported(&name, "not a function".into()))?;
        if ft.variadic {
            return Err(unsupported(
                &name,
                "a variadic function type: a Rust closure cannot read C's variadic arguments"
                    .into(),
            ));
        }
        let plan =
            plan::plan_call(&table, &target, func, &[]).map_err(|e| unsupported(&name, e.0))?;
        let size_of = |ty| layout::layout_of(&table, &target, ty).ok().map(|l| l.size);
        let conv = |ty| Conv::of(&table, size_of, ty, target.char_signed);
        let convs: Vec<Conv> = ft.params.iter().map(|&p| conv(p)).collect();
        let ret = conv(ft.ret);
        for (i, (c, &p)) in convs.iter().zip(&ft.params).enumerate() {
            if matches!(c, Conv::Unsupported | Conv::Void) {
                return Err(unsupported(
                    &name,
                    format!(
                        "parameter {} of type '{}' cannot be passed by value",
                        i + 1,
                        table.display(p)
                    ),
                ));
            }
        }
        if ret == Conv::Unsupported {
            return Err(unsupported(
                &name,
                format!(
                    "result type '{}' cannot be returned by value",
                    table.display(ft.ret)
                ),
            ));
        }
        let default = vec![0u8; ret.size().max(16)].into_boxed_slice();
        Ok(CallbackType {
            ptr_tag,
            name,
            plan,
            convs,
            ret,
            ret_ty: ft.ret,
            engine: ffi.shared_engine(),
            backend: ffi.default_backend(),
            default,
            table,
            target,
            func,
        })
    }

    /// The function pointer type, in C syntax.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The call plan C uses to call callbacks of this type.
    pub fn plan(&self) -> &CallPlan {
        &self.plan
    }

    /// Sets the result C gets when the closure panics, returns a bad value or runs on the wrong
    /// thread (default: zero, `NULL`, all-zero struct). Checked against the result type like
    /// a call argument.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if `value` does not convert to the result type (a
    /// `void` callback takes only [`Value::Void`]; strings are refused: they would dangle).
    pub fn on_error(mut self, value: Value<'static>) -> Result<CallbackType, Error> {
        let probe = UntypedCtx {
            record: self.record(0),
            table: self.table.clone(),
            args: Vec::new(),
            ret: self.ret,
            ret_ty: self.ret_ty,
            fast_ret: FastRet::of(self.ret),
            f: Box::new(|_| Value::Void),
        };
        let mut bytes = vec![0u8; self.ret.size().max(16)];
        // SAFETY: `bytes` has room for the result (at least 16 bytes).
        unsafe { probe.write_result(&value, bytes.as_mut_ptr()) }.map_err(|m| CallbackError {
            kind: CallbackErrorKind::Unsupported,
            callback: self.name.clone(),
            message: format!("on_error: {m}"),
        })?;
        self.default = bytes.into_boxed_slice();
        Ok(self)
    }

    /// Chooses the machinery: [`Backend::Auto`] (the JIT, libffi for what it cannot compile,
    /// logged), [`Backend::Jit`] (an error instead of the fallback) or [`Backend::Libffi`].
    /// The default is the context's ([`Ffi::set_backend`]).
    pub fn backend(mut self, backend: Backend) -> CallbackType {
        self.backend = backend;
        self
    }

    fn record(&self, owner: usize) -> Record {
        Record {
            name: self.name.clone(),
            owner,
            default: self.default.clone(),
            sret: matches!(self.plan.ret, RetClass::Sret { .. }),
            ret_int: match self.ret {
                Conv::Int { bytes, signed } => Some((bytes, signed)),
                Conv::Bool => Some((1, false)),
                _ => None,
            },
            errors: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    fn error(&self, message: String) -> Error {
        Error::from(CallbackError {
            kind: CallbackErrorKind::Unsupported,
            callback: self.name.clone(),
            message,
        })
    }

    fn make_untyped<'f>(&self, owner: usize, f: UntypedFn<'f>) -> Result<Callback<'f>, Error> {
        let args = self
            .convs
            .iter()
            .map(|&c| {
                let (tag, ptr_ty) = c.scalar_tag().unwrap_or((value::tag::STRUCT, 0));
                (c, tag, ptr_ty)
            })
            .collect();
        let ctx = Box::new(UntypedCtx {
            record: self.record(owner),
            table: self.table.clone(),
            args,
            ret: self.ret,
            ret_ty: self.ret_ty,
            fast_ret: FastRet::of(self.ret),
            f,
        });
        let ctx = Box::into_raw(ctx);
        let drop_ctx: unsafe fn(*mut c_void) = drop_untyped;
        let has_long_double =
            self.convs.contains(&Conv::LongDouble) || self.ret == Conv::LongDouble;
        self.finish(
            ctx.cast(),
            drop_ctx,
            ThunkKind::Values(untyped_entry as *const () as usize),
            untyped_ffi_entry,
            has_long_double,
        )
    }

    /// Hands the context to a slot (or a libffi closure) and wraps it in a handle; frees the
    /// context on failure.
    fn finish<'f>(
        &self,
        ctx: *mut c_void,
        drop_ctx: unsafe fn(*mut c_void),
        kind: ThunkKind,
        ffi_entry: low::RawCallback,
        needs_libffi: bool,
    ) -> Result<Callback<'f>, Error> {
        let result = self.backing(ctx, kind, ffi_entry, needs_libffi);
        match result {
            Ok((code, backing)) => Ok(Callback {
                code,
                ctx,
                drop_ctx,
                backing: Some(backing),
                ptr_tag: self.ptr_tag,
                _closure: PhantomData,
            }),
            Err(e) => {
                // SAFETY: `ctx` is the context made for this callback, not handed out.
                unsafe { drop_ctx(ctx) };
                Err(e)
            }
        }
    }

    fn backing(
        &self,
        ctx: *mut c_void,
        kind: ThunkKind,
        ffi_entry: low::RawCallback,
        needs_libffi: bool,
    ) -> Result<(usize, Backing), Error> {
        let jit = || -> Result<(usize, Backing), String> {
            if needs_libffi {
                return Err("'long double' is handled by libffi".into());
            }
            let engine = engine_of(&self.engine)?;
            let entry = engine
                .callback_entry(&self.plan, &self.convs, kind)
                .map_err(|e| e.to_string())?;
            let slot = Slot::new().map_err(|e| e.to_string())?;
            slot.set(ctx as usize, entry);
            Ok((
                slot.code(),
                Backing::Jit {
                    _slot: slot,
                    _engine: engine,
                },
            ))
        };
        match self.backend {
            Backend::Libffi => {}
            Backend::Jit => return jit().map_err(|m| self.error(m)),
            Backend::Auto => match jit() {
                Ok(b) => return Ok(b),
                Err(why) => log::warn!("jitffi: callback '{}' uses libffi: {why}", self.name),
            },
        }
        let call = FfiCall::new(&self.plan, &self.convs, self.ret).map_err(|m| self.error(m))?;
        let (closure, code) = low::try_closure_alloc()
            .ok_or_else(|| self.error("libffi cannot allocate a closure".into()))?;
        // SAFETY: `closure` was just allocated with its code address; the cif lives in `call`,
        // which the returned `FfiClosure` keeps as long as the closure; `ctx` outlives the
        // closure (the handle frees the closure first).
        let status = unsafe {
            libffi::raw::ffi_prep_closure_loc(
                closure,
                call.cif(),
                Some(ffi_entry),
                ctx,
                code.as_mut_ptr(),
            )
        };
        let closure = FfiClosure {
            closure,
            _call: call,
        };
        if status != libffi::raw::ffi_status_FFI_OK {
            return Err(self.error(format!(
                "libffi cannot prepare the closure (status {status})"
            )));
        }
        Ok((code.as_ptr() as usize, Backing::Ffi { _closure: closure }))
    }

    /// An untyped callback: `f` gets the arguments as `Value`s (structs borrowed in place) and
    /// returns the result, converted with the checks of call arguments.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if no backend can make it (see [`Self::backend`]).
    pub fn untyped<'f, F>(&self, f: F) -> Result<Callback<'f>, Error>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + Send + Sync + 'f,
    {
        self.make_untyped(0, Box::new(f))
    }

    /// A typed callback: the closure's Rust types are checked once against the declaration
    /// (as [`Function::typed`](crate::Function::typed) checks them), and C calls it with no
    /// conversion.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if a type differs from the declaration (with both
    /// types) or no backend can make it.
    pub fn typed<'f, Args, R, F>(&self, f: F) -> Result<Callback<'f>, Error>
    where
        F: TypedClosure<Args, R> + Send + Sync + 'f,
    {
        typed::make(self, 0, f)
    }

    /// An untyped callback bound to this thread: `f` need not be `Send` or `Sync`, and a call
    /// from another thread returns the default result without running it.
    ///
    /// # Errors
    ///
    /// As [`Self::untyped`].
    pub fn untyped_local<'f, F>(&self, f: F) -> Result<LocalCallback<'f>, Error>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + 'f,
    {
        Ok(LocalCallback {
            inner: self.make_untyped(thread_token(), Box::new(f))?,
            _not_send: PhantomData,
        })
    }

    /// A typed callback bound to this thread (see [`Self::untyped_local`]).
    ///
    /// # Errors
    ///
    /// As [`Self::typed`].
    pub fn typed_local<'f, Args, R, F>(&self, f: F) -> Result<LocalCallback<'f>, Error>
    where
        F: TypedClosure<Args, R> + 'f,
    {
        Ok(LocalCallback {
            inner: typed::make(self, thread_token(), f)?,
            _not_send: PhantomData,
        })
    }
}

/// A Rust closure callable from C through a function pointer.
///
/// Owns the closure and the code C calls. `Send + Sync` (its closure is). Made by
/// [`Ffi::callback`], [`Ffi::callback_typed`] or a [`CallbackType`].
///
/// # Safety
///
/// [`Callback::ptr`] is valid while the handle lives. Whoever hands it to C (an `unsafe`
/// call) vouches that C does not call it after the handle is dropped.
pub struct Callback<'f> {
    code: usize,
    /// The context (`UntypedCtx` or `TypedCtx<F>`, both starting with a `Record`).
    ctx: *mut c_void,
    drop_ctx: unsafe fn(*mut c_void),
    /// `None` only while dropping.
    backing: Option<Backing>,
    ptr_tag: u32,
    _closure: PhantomData<&'f ()>,
}

// SAFETY: the contexts of `Callback`s hold `Send + Sync` closures (the constructors require
// it; thread-bound closures are wrapped in the non-`Send` `LocalCallback`); the record is
// synchronised (atomics, a mutex); the code is immutable.
unsafe impl Send for Callback<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for Callback<'_> {}

impl fmt::Debug for Callback<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Callback({} at {:#x}, {})",
            self.record().name,
            self.code,
            self.backend().map_or("dropped", |b| match b {
                Backend::Libffi => "libffi",
                _ => "JIT",
            })
        )
    }
}

impl Callback<'_> {
    fn record(&self) -> &Record {
        // SAFETY: both context types are `#[repr(C)]` with the `Record` first; the context
        // lives as long as the handle.
        unsafe { &*self.ctx.cast::<Record>() }
    }

    /// The C function pointer.
    pub fn ptr(&self) -> *const c_void {
        self.code as *const c_void
    }

    /// The function pointer as a `Value`, typed with the callback's function pointer type so
    /// untyped calls check it against their parameter.
    pub fn value(&self) -> Value<'static> {
        Value::Ptr(Pointer::typed(
            self.code as *mut c_void,
            TypeId(self.ptr_tag),
        ))
    }

    /// The callback's C type.
    pub fn type_name(&self) -> &str {
        &self.record().name
    }

    /// Which machinery runs it: [`Backend::Jit`] or [`Backend::Libffi`].
    pub fn backend(&self) -> Option<Backend> {
        self.backing.as_ref().map(|b| match b {
            Backing::Jit { .. } => Backend::Jit,
            Backing::Ffi { .. } => Backend::Libffi,
        })
    }

    /// How many calls failed (panicked, returned a bad value, came from the wrong thread).
    pub fn errors(&self) -> u64 {
        self.record().errors.load(Ordering::Relaxed)
    }

    /// The last failure, if any.
    pub fn last_error(&self) -> Option<CallbackError> {
        self.record()
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Takes the last failure, if any (the count stays).
    pub fn take_error(&self) -> Option<CallbackError> {
        self.record()
            .last
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

impl Callback<'static> {
    /// Keeps the callback (closure and code) for the rest of the program and returns its
    /// function pointer: for C that keeps it forever (hooks set once).
    pub fn leak(self) -> *const c_void {
        let p = self.ptr();
        std::mem::forget(self);
        p
    }
}

impl Drop for Callback<'_> {
    fn drop(&mut self) {
        // The slot (or closure) first: it stops pointing at the context before it is freed.
        drop(self.backing.take());
        // SAFETY: the context was made for this handle and nothing refers to it any more.
        unsafe { (self.drop_ctx)(self.ctx) };
    }
}

impl From<&Callback<'_>> for Value<'static> {
    fn from(cb: &Callback<'_>) -> Value<'static> {
        cb.value()
    }
}

/// A callback bound to the thread that made it: its closure need not be `Send` or `Sync`,
/// and the handle stays on that thread. A call from another thread runs nothing and returns
/// the default result ([`CallbackErrorKind::Thread`]). Dereferences to [`Callback`].
pub struct LocalCallback<'f> {
    inner: Callback<'f>,
    _not_send: PhantomData<*const ()>,
}

impl<'f> std::ops::Deref for LocalCallback<'f> {
    type Target = Callback<'f>;
    fn deref(&self) -> &Callback<'f> {
        &self.inner
    }
}

impl fmt::Debug for LocalCallback<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Local{:?}", self.inner)
    }
}

impl From<&LocalCallback<'_>> for Value<'static> {
    fn from(cb: &LocalCallback<'_>) -> Value<'static> {
        cb.value()
    }
}

impl Ffi {
    /// A callback type for `ty`: a function pointer type (`"int (*)(int)"`), a function type
    /// (`"int (int)"`) or a typedef of either, resolved and planned once.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] if `ty` does not parse; [`CallbackErrorKind::Unsupported`] if it is not
    /// a function type, is variadic, or has a parameter or result jitffi cannot pass.
    pub fn callback_type(&self, ty: &str) -> Result<CallbackType, Error> {
        CallbackType::new(self, ty)
    }

    /// An untyped callback of type `ty` (see [`CallbackType::untyped`]).
    ///
    /// # Errors
    ///
    /// As [`Ffi::callback_type`] and [`CallbackType::untyped`].
    pub fn callback<'f, F>(&self, ty: &str, f: F) -> Result<Callback<'f>, Error>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + Send + Sync + 'f,
    {
        self.callback_type(ty)?.untyped(f)
    }

    /// A typed callback of type `ty` (see [`CallbackType::typed`]).
    ///
    /// # Errors
    ///
    /// As [`Ffi::callback_type`] and [`CallbackType::typed`].
    pub fn callback_typed<'f, Args, R, F>(&self, ty: &str, f: F) -> Result<Callback<'f>, Error>
    where
        F: TypedClosure<Args, R> + Send + Sync + 'f,
    {
        self.callback_type(ty)?.typed(f)
    }
}
