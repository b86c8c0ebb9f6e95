//! [`Ffi::precompile`]: every declared function of a library made ready to call on a
//! background thread, for programs that want no first-call latency.

use std::thread::JoinHandle;

use super::Ffi;
use crate::library::Library;

/// What [`Ffi::precompile`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PrecompileReport {
    /// Functions whose JIT entry (register trampoline or Cranelift stub) is ready: their first
    /// untyped call through [`Ffi::function`]'s handle takes the fast path.
    pub ready: Vec<String>,
    /// Declared functions the library does not have, with what the lookup said.
    pub missing: Vec<(String, String)>,
    /// Functions the JIT cannot compile, with why (they are called through libffi).
    pub unsupported: Vec<(String, String)>,
}

/// A precompilation running on its own thread ([`Ffi::precompile`]).
#[derive(Debug)]
pub struct Precompile {
    thread: JoinHandle<PrecompileReport>,
}

impl Precompile {
    /// Whether the thread has finished.
    pub fn is_finished(&self) -> bool {
        self.thread.is_finished()
    }

    /// Waits for the thread and returns what it did.
    ///
    /// # Panics
    ///
    /// If the precompiling thread panicked (a bug in jitffi; compilation failures are
    /// reported, not panics).
    pub fn join(self) -> PrecompileReport {
        match self.thread.join() {
            Ok(r) => r,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

impl Ffi {
    /// Makes every function declared so far ready to call, on a background thread: each is
    /// resolved in `library` (the handles go into the cache [`Ffi::function`] returns from)
    /// and gets its JIT entry, a register trampoline (about a microsecond) or a Cranelift stub
    /// (tens of microseconds for the first function of a call signature, a patched copy for
    /// the others). Calls made meanwhile are correct: a handle not yet compiled compiles on
    /// its first call, as always.
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// ffi.cdef("double cos(double); double sin(double); int no_such_function(void);")?;
    /// // SAFETY: libm's initialisers are benign.
    /// let libm = unsafe { jitffi::Library::open("m", &Default::default())? };
    /// let report = ffi.precompile(&libm).join();
    /// assert!(report.ready.contains(&"cos".to_string()));
    /// assert_eq!(report.missing[0].0, "no_such_function");
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    ///
    /// # Panics
    ///
    /// If the operating system cannot start a thread.
    pub fn precompile(&self, library: &Library) -> Precompile {
        let ffi = self.clone();
        let library = library.clone();
        let names: Vec<String> = self.types().functions().map(|d| d.name.clone()).collect();
        let thread = std::thread::Builder::new()
            .name("jitffi-precompile".into())
            .spawn(move || {
                let mut report = PrecompileReport::default();
                for name in names {
                    match ffi.function(&library, &name) {
                        Ok(f) => match f.compile() {
                            Ok(()) => report.ready.push(name),
                            Err(e) => report.unsupported.push((name, e.to_string())),
                        },
                        Err(e) => report.missing.push((name, e.to_string())),
                    }
                }
                report
            })
            .expect("spawn the precompiling thread");
        Precompile { thread }
    }
}
