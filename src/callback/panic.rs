//! Contained panics: [`quiet_panics`] keeps the panic hook from printing (message and
//! backtrace) for panics that a callback entry catches; the message stays on the handle.

use std::cell::Cell;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether panics inside callbacks are kept from the panic hook.
static QUIET: AtomicBool = AtomicBool::new(false);
/// The filtering hook is installed once, over the hook in place at the first
/// `quiet_panics(true)`.
static INSTALL: Once = Once::new();

thread_local! {
    /// How many callback closures this thread is running with quiet panics on (callbacks
    /// nest when a closure calls C that calls another callback).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Keeps panics inside callback closures (which jitffi catches: C gets the default result)
/// from reaching the panic hook when `quiet` is true, so they print no message and no
/// backtrace; the message is still recorded on the handle
/// ([`Callback::last_error`](super::Callback::last_error)) and logged with `log::error!`.
/// `false` restores the hook's output. Applies to every callback of the process.
///
/// The first `quiet_panics(true)` installs a panic hook that runs the hook in place before
/// it for every panic outside a callback closure (or all panics, while quiet is off). Set
/// your own hook before calling this: a hook set afterwards replaces the filter. A panic
/// that a closure catches itself, inside the closure, is kept from the hook too.
///
/// ```
/// let ffi = jitffi::Ffi::new();
/// jitffi::quiet_panics(true);
/// let cb = ffi.callback_typed("int (*)(int)", |x: i32| -> i32 {
///     assert!(x >= 0, "negative: {x}");
///     x
/// })?;
/// // SAFETY: the callback has this signature and outlives `f`'s use.
/// let f: extern "C" fn(i32) -> i32 = unsafe { std::mem::transmute(cb.ptr()) };
/// assert_eq!(f(-1), 0); // the default result, and nothing printed
/// assert_eq!(cb.last_error().unwrap().message, "negative: -1");
/// jitffi::quiet_panics(false);
/// # Ok::<(), jitffi::Error>(())
/// ```
pub fn quiet_panics(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    if quiet {
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                if QUIET.load(Ordering::Relaxed) && DEPTH.with(Cell::get) > 0 {
                    return;
                }
                previous(info);
            }));
        });
    }
}

/// Marks the thread as running a callback closure for as long as it lives, when quiet panics
/// are on (one relaxed load otherwise).
pub(super) struct Contained(bool);

impl Contained {
    #[inline(always)]
    pub(super) fn enter() -> Contained {
        if !QUIET.load(Ordering::Relaxed) {
            return Contained(false);
        }
        DEPTH.with(|d| d.set(d.get() + 1));
        Contained(true)
    }
}

impl Drop for Contained {
    #[inline(always)]
    fn drop(&mut self) {
        if self.0 {
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
}
