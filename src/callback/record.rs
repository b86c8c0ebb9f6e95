//! The [`ContextHeader`] every callback context starts with: name, owner thread, default result and
//! the errors of its calls.

use std::any::Any;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{CallbackError, CallbackErrorKind};

/// A token for the calling thread, unique among live threads (the address of a thread-local).
#[inline]
pub(super) fn thread_token() -> usize {
    thread_local! {
        static TOKEN: u8 = const { 0 };
    }
    TOKEN.with(|t| std::ptr::from_ref(t) as usize)
}

/// The message of a panic payload.
pub(super) fn panic_message(p: &(dyn Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with a non-string payload".into())
}

/// The bookkeeping every callback context starts with (`#[repr(C)]` contexts put it first).
pub(crate) struct ContextHeader {
    pub(super) name: String,
    /// 0, or the token of the only thread allowed to run the closure.
    pub(super) owner: usize,
    /// The default result's C bytes (at least 8; scalars extended to a word).
    pub(super) default: Box<[u8]>,
    /// The result goes through the hidden pointer that libffi passes as the first argument
    /// (x86-64; libffi entries need to know).
    pub(super) sret: bool,
    /// A scalar integer result: its width and signedness (libffi wants it extended).
    pub(super) ret_int: Option<(u8, bool)>,
    pub(super) errors: AtomicU64,
    pub(super) last: Mutex<Option<CallbackError>>,
}

impl ContextHeader {
    /// Records and logs a failure.
    #[cold]
    pub(super) fn fail(&self, kind: CallbackErrorKind, message: String) {
        let e = CallbackError::new(kind, self.name.clone(), message);
        log::error!("jitffi: {e}; C gets the default result");
        self.errors.fetch_add(1, Ordering::Relaxed);
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
    }

    /// Whether the closure may run on this thread; records the failure if not.
    #[inline(always)]
    pub(super) fn admits(&self) -> bool {
        self.owner == 0 || self.admits_bound()
    }

    #[cold]
    pub(super) fn admits_bound(&self) -> bool {
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
    pub(super) unsafe fn default<R>(&self) -> R {
        debug_assert!(self.default.len() >= std::mem::size_of::<R>());
        // SAFETY: the default holds at least `size_of::<R>()` bytes of a C value of the
        // result type (`CallbackBuilder::on_error` converted it), which the caller vouches is a
        // valid `R`.
        unsafe { self.default.as_ptr().cast::<R>().read_unaligned() }
    }

    /// Writes the default result's bytes to `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (at least a word for scalars).
    pub(super) unsafe fn write_default(&self, ret: *mut u8) {
        // SAFETY: the caller's contract; `default` is as long as the result (at least 8).
        unsafe { std::ptr::copy_nonoverlapping(self.default.as_ptr(), ret, self.default.len()) };
    }
}
