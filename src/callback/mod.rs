//! Callbacks: Rust closures as C function pointers ([`Callback`], whose documentation is the
//! guide), made from a function pointer [`Type`](crate::Type) or through [`Ffi`](crate::Ffi).

mod callback_type;
mod error;
mod panic;
mod record;
mod typed;
mod untyped;

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::Ordering;

pub use callback_type::CallbackBuilder;
pub use error::{CallbackError, CallbackErrorKind};
pub use panic::quiet_panics;
pub use typed::TypedClosure;

use callback_type::Backing;
use record::ContextHeader;

use crate::call::Backend;
use crate::ctype::TypeId;
use crate::value::{Pointer, Value};

/// A Rust closure callable from C through a function pointer.
///
/// Owns the closure and the code C calls. `Send + Sync` (its closure is). Made by
/// [`Ffi::callback`](crate::Ffi::callback), [`Ffi::callback_typed`](crate::Ffi::callback_typed), [`Type::callback`](crate::Type::callback),
/// [`Type::callback_typed`](crate::Type::callback_typed) or a [`CallbackBuilder`].
///
/// [`Ffi::callback`](crate::Ffi::callback) (untyped: the closure takes `&[Value]` and returns a [`Value`]) and
/// [`Ffi::callback_typed`](crate::Ffi::callback_typed) (typed: `|a: i32, b: i32| -> i32`, checked once against the
/// declaration) return a [`Callback`] that owns the closure and hands out a C function pointer
/// ([`Callback::ptr`], or [`Callback::value`] to pass it to an untyped call). [`CallbackBuilder`]
/// resolves a function pointer type once, sets the result returned when the closure fails
/// ([`CallbackBuilder::on_error`]) and makes any number of callbacks of it.
///
/// # How a call arrives
///
/// C calls a 16-byte trampoline slot that loads the callback's context and jumps to code
/// compiled once per signature (see `jit/callback.rs`). A typed closure is then one direct
/// call away: its arguments are still in the registers C put them in, and the context arrives
/// as one more argument of a Rust `extern "C"` function monomorphised for the closure. An
/// untyped closure goes through a Cranelift thunk built from the signature's `CallPlan`
/// (the same plan as calls, read in the other direction) that spills the arguments and calls
/// the dispatcher, which makes the `Value`s, calls the closure and converts its result with
/// the same checks as call arguments. libffi closures take what the JIT does not handle
/// (`long double`, every argument register taken, other architectures), or everything with
/// [`Backend::Libffi`].
///
/// # Errors inside the callback
///
/// A panic never unwinds into C. It is caught, logged (`log::error!`) and recorded on the
/// handle with its message ([`Callback::errors`], [`Callback::last_error`]; the panic hook
/// still prints it unless [`quiet_panics`] is on), and C gets the default result: all
/// zero bytes, or what [`CallbackBuilder::on_error`] set (CFFI's `onerror`). An untyped closure
/// returning a value that does not convert to the result type, and a thread-bound callback
/// called from another thread, are handled the same way. (With `panic = "abort"` a panic
/// aborts before anything can catch it.)
///
/// # Threads
///
/// [`Ffi::callback`](crate::Ffi::callback) and [`Ffi::callback_typed`](crate::Ffi::callback_typed) take `Send + Sync` closures: C may call them
/// from any thread, its own threads included, and concurrently (the closure takes `&self`:
/// use atomics or a `Mutex` for state). Closures that are not `Send + Sync` (an `Rc`, a
/// `RefCell`, a non-`Send` [`CData`](crate::CData)) go through [`CallbackBuilder::untyped_local`]
/// or [`CallbackBuilder::typed_local`]: the [`LocalCallback`] handle stays on the thread that made
/// it, and a call from any other thread runs nothing and returns the default result
/// (recorded as [`CallbackErrorKind::Thread`]).
///
/// # Lifetime
///
/// The function pointer is valid while the handle lives. A closure may borrow (`Callback<'f>`
/// lives at most as long as what it borrows). Dropping the handle while C may still call the
/// pointer is the caller's responsibility: handing the pointer to C happens in an `unsafe`
/// call, whose caller vouches that C stops using it before the handle is dropped (as for any
/// pointer passed to C). A dropped callback's slot, until it is reused, aborts the process
/// with a message instead of running freed memory. [`Callback::leak`] keeps a `'static`
/// callback forever.
///
/// # Examples
///
/// ```
/// use jitffi::{Ffi, Library, Value};
/// use std::ffi::c_void;
///
/// let ffi = Ffi::new();
/// ffi.cdef("void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));")?;
/// let qsort = ffi.function(&Library::process(), "qsort")?;
///
/// // Typed: checked once against the declaration, no conversion per call.
/// let cmp = ffi.callback_typed(
///     "int (*)(const void *, const void *)",
///     |a: *const c_void, b: *const c_void| {
///         // SAFETY: qsort passes pointers to two elements of the i32 array below.
///         let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
///         a.cmp(&b) as i32
///     },
/// )?;
/// let mut v = [5i32, -1, 3, 0];
/// // SAFETY: `v` has 4 elements of 4 bytes; `cmp` outlives the call.
/// unsafe { qsort.call(&[Value::ptr(v.as_mut_ptr()), Value::U64(4), Value::U64(4), cmp.value()])? };
/// assert_eq!(v, [-1, 0, 3, 5]);
///
/// // Untyped: `Value`s in, a `Value` out, converted with the checks of call arguments.
/// let cb = ffi.callback("int (*)(int)", |args: &[Value]| match args {
///     [Value::I32(x)] => Value::I32(x + 1),
///     _ => unreachable!("the declaration says one int"),
/// })?;
/// let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(cb.ptr()) };
/// assert_eq!(f(41), 42);
/// # Ok::<(), jitffi::Error>(())
/// ```
///
/// # Safety
///
/// [`Callback::ptr`] is valid while the handle lives. Whoever hands it to C (an `unsafe`
/// call) vouches that C does not call it after the handle is dropped.
pub struct Callback<'f> {
    code: usize,
    /// The context (`UntypedCtx` or `TypedCtx<F>`, both starting with a `ContextHeader`).
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
    fn record(&self) -> &ContextHeader {
        // SAFETY: both context types are `#[repr(C)]` with the `ContextHeader` first; the context
        // lives as long as the handle.
        unsafe { &*self.ctx.cast::<ContextHeader>() }
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
