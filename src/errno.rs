//! The `errno` a captured call left (CFFI's `ffi.errno`): a per-thread slot that stubs and the
//! libffi path restore before and save after a call made with `Function::capture_errno`.

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
