//! Reference LAPACK's error handler, made to return.
//!
//! When a LAPACK routine finds an illegal argument it sets `INFO = -i` and calls `XERBLA`;
//! Reference LAPACK's `XERBLA` prints a line and executes `STOP`, which ends the process (with
//! status 0). OpenBLAS's returns. [`Library::call`](super::Library::call) checks what the
//! documentation states before calling, but the documentation cannot state everything.
//!
//! A program that defines its own `xerbla_` and exports it from the executable gets it called
//! instead, for libraries loaded at run time with `dlopen` (which is how jitffi loads them):
//! the executable's exported symbols come first in the lookup order. [`export_xerbla!`]
//! defines one that records the call (routine and argument, for [`last_xerbla`]) and returns,
//! so that the routine returns with its `INFO < 0`, which
//! [`Library::call`](super::Library::call) reports as an argument error. Export it from the
//! executable at link time: in the binary's `build.rs`,
//!
//! ```text
//! println!("cargo:rustc-link-arg=-Wl,--export-dynamic-symbol=xerbla_");
//! ```
//!
//! (or link with `-rdynamic`). Loading the library with `RTLD_DEEPBIND` would defeat it.
//!
//! [`export_xerbla!`]: crate::export_xerbla

use std::cell::RefCell;
use std::ffi::c_char;

thread_local! {
    static LAST: RefCell<Option<(String, i64)>> = const { RefCell::new(None) };
}

/// The last call of the exported `xerbla_` on this thread: the routine's name (as LAPACK
/// passes it, trimmed) and the position of the illegal argument; taken (the next call returns
/// `None` until XERBLA is called again).
pub fn last_xerbla() -> Option<(String, i64)> {
    LAST.with(|l| l.borrow_mut().take())
}

/// What [`export_xerbla!`](crate::export_xerbla)'s `xerbla_` does: records the call and
/// returns.
///
/// # Safety
///
/// `name` points to `len` readable bytes (or is NULL), `info` to a readable integer of 4
/// bytes (8 under ILP64; the low 4 bytes are read, which is the value for any legal position).
pub unsafe fn xerbla_handler(name: *const c_char, info: *const i32, len: usize) {
    let routine = if name.is_null() {
        String::new()
    } else {
        // SAFETY: the caller vouches for `len` bytes at `name`.
        let bytes = unsafe { std::slice::from_raw_parts(name.cast::<u8>(), len.min(64)) };
        String::from_utf8_lossy(bytes).trim().to_string()
    };
    let pos = if info.is_null() {
        0
    } else {
        // SAFETY: the caller vouches for a readable integer.
        i64::from(unsafe { info.read_unaligned() })
    };
    log::warn!("jitffi: XERBLA: {routine}: argument {pos} has an illegal value");
    LAST.with(|l| *l.borrow_mut() = Some((routine, pos)));
}

/// Defines `xerbla_` (LAPACK's error handler) in the crate that invokes it, calling
/// [`xerbla_handler`](crate::fortran::xerbla_handler): a routine given an illegal argument
/// then returns with `INFO < 0` (which [`Library::call`](crate::fortran::Library::call)
/// reports as an argument error) instead of ending the process, as Reference LAPACK's
/// `XERBLA` does with `STOP`.
///
/// Invoke it once, in the executable's crate, and export the symbol from the executable at
/// link time, so that libraries loaded with `dlopen` (as jitffi loads them) bind to it: in
/// the binary's `build.rs`,
///
/// ```text
/// println!("cargo:rustc-link-arg=-Wl,--export-dynamic-symbol=xerbla_");
/// ```
///
/// (or link with `-rdynamic`). [`last_xerbla`](crate::fortran::last_xerbla) then says which
/// routine and argument it was called for.
#[macro_export]
macro_rules! export_xerbla {
    () => {
        /// LAPACK's error handler, returning instead of stopping the process.
        ///
        /// # Safety
        ///
        /// Called by LAPACK with its routine name, the argument position and the name's length.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn xerbla_(
            name: *const ::std::ffi::c_char,
            info: *const i32,
            len: usize,
        ) {
            // SAFETY: LAPACK passes a name of `len` bytes and a pointer to the position.
            unsafe { $crate::fortran::xerbla_handler(name, info, len) }
        }
    };
}
