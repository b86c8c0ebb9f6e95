//! GLPK bound through `cdefs/glpk.h`: the library, its functions as typed jitffi calls, the
//! error and terminal hooks, and the guard that turns a GLPK error into a Rust error.
//!
//! # How a GLPK error becomes an `Err`
//!
//! GLPK reports invalid input through its error routine, which prints a message, calls the
//! hook set with `glp_error_hook` and then `abort()`s if the hook returns. The only way out is
//! the one GLPK documents: the hook jumps back to a point saved before the call, and the thread's
//! GLPK environment must then be freed with `glp_free_env`, which frees every problem object of
//! the thread. So every call into GLPK runs inside [`guarded`]: a few lines of assembly save the
//! callee-saved registers and the stack pointer, call the Rust closure that makes the GLPK calls,
//! and, when GLPK's error routine calls our hook, the hook restores them and makes the guard
//! return "escaped" instead. The guard then frees the environment and bumps this thread's
//! *generation*: problems made in an older generation refuse to be used
//! ([`LpError::EnvReset`]) and are not deleted twice.
//!
//! The frames skipped by the jump are GLPK's, the hook's and the closure's. The closures given to
//! [`guarded`] hold nothing with a destructor across a GLPK call (see its `# Safety`). The
//! modeler validates everything it passes to GLPK, so in practice the guard only catches what
//! the validation missed and calls made through [`Problem::with_raw`](super::Problem::with_raw).
//!
//! The guard is x86-64 only. On other targets GLPK errors still abort the process after the
//! message; the validation is the same.

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, CString, c_char, c_void};
use std::fmt;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use crate::ctype::ConstValue;
use crate::{Callback, Error, Ffi, Library, LoadOptions, TypedFunction};

use super::LpError;

/// `cdefs/glpk.h`: GLPK 5.0's whole public API as a cdef.
pub const GLPK_CDEF: &str = include_str!("../../cdefs/glpk.h");

/// The environment variable that overrides where GLPK is loaded from (a path or a library
/// name as [`Library::open`] takes it).
pub const GLPK_ENV: &str = "JITFFI_GLPK";

/// What [`Glpk::get`] opens when [`GLPK_ENV`] is not set.
pub const GLPK_DEFAULT: &str = "libglpk.so.40";

const INSTALL_HINT: &str = "install GLPK 5.0 (Debian/Ubuntu: `apt-get install libglpk40`, or \
     `libglpk-dev`), or set JITFFI_GLPK to the library's path";

/// A `glp_prob *`.
pub(crate) type Prob = *mut c_void;

macro_rules! glpk_functions {
    ($($name:ident : ($($arg:ty),*) -> $ret:ty;)*) => {
        /// GLPK's functions as typed calls (each checked once against `cdefs/glpk.h`).
        #[allow(missing_docs, reason = "each field is the GLPK function of its name with `glp_` prefixed")]
        pub(crate) struct Fns {
            $(pub(crate) $name: TypedFunction<($($arg,)*), $ret>,)*
        }

        impl Fns {
            fn load(ffi: &Ffi, lib: &Library) -> Result<Fns, Error> {
                Ok(Fns {
                    $($name: ffi
                        .function(lib, concat!("glp_", stringify!($name)))?
                        .typed::<($($arg,)*), $ret>()?,)*
                })
            }
        }
    };
}

type Str = *const c_char;
type VoidPtr = *const c_void;

glpk_functions! {
    create_prob: () -> Prob;
    delete_prob: (Prob) -> ();
    set_obj_dir: (Prob, i32) -> ();
    get_obj_dir: (Prob) -> i32;
    add_rows: (Prob, i32) -> i32;
    add_cols: (Prob, i32) -> i32;
    set_row_name: (Prob, i32, Str) -> ();
    set_col_name: (Prob, i32, Str) -> ();
    get_row_name: (Prob, i32) -> Str;
    get_col_name: (Prob, i32) -> Str;
    set_row_bnds: (Prob, i32, i32, f64, f64) -> ();
    set_col_bnds: (Prob, i32, i32, f64, f64) -> ();
    get_row_type: (Prob, i32) -> i32;
    get_row_lb: (Prob, i32) -> f64;
    get_row_ub: (Prob, i32) -> f64;
    get_col_type: (Prob, i32) -> i32;
    get_col_lb: (Prob, i32) -> f64;
    get_col_ub: (Prob, i32) -> f64;
    set_obj_coef: (Prob, i32, f64) -> ();
    get_obj_coef: (Prob, i32) -> f64;
    set_mat_row: (Prob, i32, i32, *const i32, *const f64) -> ();
    get_mat_row: (Prob, i32, *mut i32, *mut f64) -> i32;
    del_rows: (Prob, i32, *const i32) -> ();
    del_cols: (Prob, i32, *const i32) -> ();
    set_col_kind: (Prob, i32, i32) -> ();
    get_col_kind: (Prob, i32) -> i32;
    get_num_rows: (Prob) -> i32;
    get_num_cols: (Prob) -> i32;
    get_num_int: (Prob) -> i32;
    std_basis: (Prob) -> ();
    adv_basis: (Prob, i32) -> ();
    cpx_basis: (Prob) -> ();
    init_smcp: (VoidPtr) -> ();
    simplex: (Prob, VoidPtr) -> i32;
    init_iptcp: (VoidPtr) -> ();
    interior: (Prob, VoidPtr) -> i32;
    init_iocp: (VoidPtr) -> ();
    intopt: (Prob, VoidPtr) -> i32;
    get_status: (Prob) -> i32;
    get_obj_val: (Prob) -> f64;
    get_row_prim: (Prob, i32) -> f64;
    get_row_dual: (Prob, i32) -> f64;
    get_col_prim: (Prob, i32) -> f64;
    get_col_dual: (Prob, i32) -> f64;
    ipt_status: (Prob) -> i32;
    ipt_obj_val: (Prob) -> f64;
    ipt_row_prim: (Prob, i32) -> f64;
    ipt_row_dual: (Prob, i32) -> f64;
    ipt_col_prim: (Prob, i32) -> f64;
    ipt_col_dual: (Prob, i32) -> f64;
    mip_status: (Prob) -> i32;
    mip_obj_val: (Prob) -> f64;
    mip_row_val: (Prob, i32) -> f64;
    mip_col_val: (Prob, i32) -> f64;
    read_lp: (Prob, VoidPtr, Str) -> i32;
    write_lp: (Prob, VoidPtr, Str) -> i32;
    read_mps: (Prob, i32, VoidPtr, Str) -> i32;
    write_mps: (Prob, i32, VoidPtr, Str) -> i32;
    print_sol: (Prob, Str) -> i32;
    print_ipt: (Prob, Str) -> i32;
    print_mip: (Prob, Str) -> i32;
    write_sol: (Prob, Str) -> i32;
    write_ipt: (Prob, Str) -> i32;
    write_mip: (Prob, Str) -> i32;
    term_hook: (VoidPtr, VoidPtr) -> ();
    error_hook: (VoidPtr, VoidPtr) -> ();
    free_env: () -> i32;
}

macro_rules! glpk_constants {
    ($($name:ident),* $(,)?) => {
        /// The `GLP_*` constants the modeler uses, read from the cdef (never written twice).
        #[allow(non_snake_case, missing_docs, reason = "GLPK's own names")]
        #[derive(Clone, Copy, Debug)]
        pub(crate) struct Consts { $(pub(crate) $name: i32,)* }

        impl Consts {
            fn load(ffi: &Ffi) -> Result<Consts, LpError> {
                let types = ffi.types();
                let get = |name: &str| -> Result<i32, LpError> {
                    match types.constant(name).map(|c| &c.value) {
                        Some(ConstValue::Int { value, .. }) => i32::try_from(*value).map_err(|_| {
                            LpError::load(format!("cdefs/glpk.h: {name} = {value} is not an int"), None)
                        }),
                        _ => Err(LpError::load(format!("cdefs/glpk.h does not define {name}"), None)),
                    }
                };
                Ok(Consts { $($name: get(stringify!($name))?,)* })
            }
        }
    };
}

glpk_constants! {
    GLP_MIN, GLP_MAX, GLP_CV, GLP_IV, GLP_BV, GLP_FR, GLP_LO, GLP_UP, GLP_DB, GLP_FX,
    GLP_FEAS, GLP_INFEAS, GLP_NOFEAS, GLP_OPT, GLP_UNBND,
    GLP_MSG_OFF, GLP_MSG_ERR, GLP_MSG_ON, GLP_MSG_ALL,
    GLP_PRIMAL, GLP_DUALP, GLP_DUAL, GLP_PT_STD, GLP_PT_PSE, GLP_RT_STD, GLP_RT_HAR, GLP_RT_FLIP,
    GLP_ON, GLP_OFF, GLP_ORD_NONE, GLP_ORD_QMD, GLP_ORD_AMD, GLP_ORD_SYMAMD,
    GLP_BR_FFV, GLP_BR_LFV, GLP_BR_MFV, GLP_BR_DTH, GLP_BR_PCH,
    GLP_MPS_DECK, GLP_MPS_FILE,
    GLP_EBADB, GLP_ESING, GLP_ECOND, GLP_EBOUND, GLP_EFAIL, GLP_EOBJLL, GLP_EOBJUL,
    GLP_EITLIM, GLP_ETMLIM, GLP_ENOPFS, GLP_ENODFS, GLP_EROOT, GLP_ESTOP, GLP_EMIPGAP,
    GLP_ENOFEAS, GLP_ENOCVG, GLP_EINSTAB,
}

/// GLPK, loaded and bound: the library, the cdef, the typed functions and the terminal hook.
///
/// One is loaded per process on first use ([`Glpk::get`]); [`Glpk::load_from`] loads another
/// copy (a different path), for problems made with
/// [`Problem::with_glpk`](super::Problem::with_glpk).
pub struct Glpk {
    ffi: Ffi,
    library: Library,
    version: String,
    pub(crate) fns: Fns,
    pub(crate) c: Consts,
    /// The `glp_term_hook` callback; its closure forwards to this thread's [`Output`].
    term: Callback<'static>,
}

impl fmt::Debug for Glpk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Glpk")
            .field("library", &self.library.path())
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

static DEFAULT: OnceLock<Result<Arc<Glpk>, LpError>> = OnceLock::new();

impl Glpk {
    /// The process's GLPK: loaded on first use from `$JITFFI_GLPK` if set, else from
    /// `libglpk.so.40` as the dynamic linker finds it.
    ///
    /// # Errors
    ///
    /// [`LpError::Load`] when the library cannot be loaded (every path tried is listed, with an
    /// install hint), is not GLPK 5, or lacks a declared function. The error is cached: later
    /// calls return it again.
    pub fn get() -> Result<Arc<Glpk>, LpError> {
        DEFAULT
            .get_or_init(|| {
                let name = std::env::var(GLPK_ENV).unwrap_or_else(|_| GLPK_DEFAULT.to_owned());
                Glpk::load_from(&name).map(Arc::new)
            })
            .clone()
    }

    /// Loads GLPK from `name`: a path, a soname or a short name, searched as
    /// [`Library::open`] does.
    ///
    /// Loading runs the library's initialisers; GLPK's are trivial. The library must be GLPK
    /// 5.x (checked with `glp_version`), whose API `cdefs/glpk.h` declares.
    ///
    /// # Errors
    ///
    /// As [`Glpk::get`].
    pub fn load_from(name: &str) -> Result<Glpk, LpError> {
        // SAFETY: the library is GLPK (checked below through glp_version before anything else
        // is called); GLPK's initialisers only set up its thread-local storage.
        let library = unsafe { Library::open(name, &LoadOptions::default()) }.map_err(|e| {
            LpError::load(
                format!("cannot open '{name}'\n  hint: {INSTALL_HINT}"),
                Some(e.into()),
            )
        })?;
        let ffi = Ffi::new();
        ffi.cdef(GLPK_CDEF)
            .map_err(|e| LpError::load("cdefs/glpk.h does not parse".into(), Some(e)))?;
        let version_fn = ffi
            .function(&library, "glp_version")
            .and_then(|f| f.typed::<(), Str>().map_err(Error::from))
            .map_err(|e| {
                LpError::load(
                    format!("{name} is not GLPK (no glp_version)\n  hint: {INSTALL_HINT}"),
                    Some(e),
                )
            })?;
        // SAFETY: glp_version takes nothing and returns a static string.
        let version = unsafe { CStr::from_ptr(version_fn.call(())) }
            .to_string_lossy()
            .into_owned();
        if !version.starts_with("5.") {
            return Err(LpError::load(
                format!(
                    "{name} is GLPK {version}; jitffi::lp needs GLPK 5.x (the API of cdefs/glpk.h)\n  hint: {INSTALL_HINT}"
                ),
                None,
            ));
        }
        let fns = Fns::load(&ffi, &library).map_err(|e| {
            LpError::load(
                format!("{name} lacks a function cdefs/glpk.h declares"),
                Some(e),
            )
        })?;
        let c = Consts::load(&ffi)?;
        let term = ffi
            .callback_typed(
                "int (*)(void *info, const char *s)",
                |_info: *mut c_void, s: *const c_char| -> i32 {
                    if !s.is_null() {
                        // SAFETY: GLPK passes a NUL-terminated string that lives for the call.
                        let text = unsafe { CStr::from_ptr(s) }.to_string_lossy();
                        terminal_text(&text);
                    }
                    1 // GLPK prints nothing itself
                },
            )
            .map_err(|e| LpError::load("cannot make the glp_term_hook callback".into(), Some(e)))?;
        Ok(Glpk {
            ffi,
            library,
            version,
            fns,
            c,
            term,
        })
    }

    /// GLPK's version (`glp_version()`), e.g. `"5.0"`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The jitffi context holding `cdefs/glpk.h`, for calls the modeler does not wrap (see
    /// [`Problem::with_raw`](super::Problem::with_raw)).
    pub fn ffi(&self) -> &Ffi {
        &self.ffi
    }

    /// The loaded library.
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// Installs the hooks on this thread's GLPK environment if it is new.
    fn ensure_hooks(&self) {
        let key = (self as *const Glpk as usize, GENERATION.get());
        if HOOKED.get() == key {
            return;
        }
        // SAFETY: both hooks have the types GLPK declares: the callback was made from
        // `int (*)(void *, const char *)` and `error_hook` is `extern "C" fn(*mut c_void)`.
        // They stay valid: `self.term` lives as long as `self`, which outlives every problem
        // using it; `error_hook` is a function.
        unsafe {
            self.fns.term_hook.call((self.term.ptr(), std::ptr::null()));
            self.fns
                .error_hook
                .call((error_hook as *const c_void, std::ptr::null()));
        }
        HOOKED.set(key);
    }
}

// -- Terminal output --

/// Where GLPK's terminal output goes (`glp_term_hook`): set per problem with
/// [`Problem::set_output`](super::Problem::set_output).
#[derive(Clone, Default)]
pub enum Output {
    /// Dropped (the default). GLPK's error messages still reach [`LpError::Glpk`].
    #[default]
    Silent,
    /// Printed to standard output, as GLPK itself does.
    Stdout,
    /// Printed to standard error.
    Stderr,
    /// Logged with `log::info!`, one record per line.
    Log,
    /// Given to a closure, a chunk at a time (GLPK's own pieces; lines end with `\n`).
    Closure(Rc<dyn Fn(&str)>),
}

impl fmt::Debug for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Silent => "Silent",
            Output::Stdout => "Stdout",
            Output::Stderr => "Stderr",
            Output::Log => "Log",
            Output::Closure(_) => "Closure(..)",
        })
    }
}

/// How much of GLPK's recent output is kept for error messages.
const TAIL_MAX: usize = 4096;

thread_local! {
    /// This thread's GLPK environment generation: bumped when a GLPK error frees it.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// (Glpk address, generation) whose hooks are installed on this thread's environment.
    static HOOKED: Cell<(usize, u64)> = const { Cell::new((0, u64::MAX)) };
    /// Live problems of this thread's current generation; the environment is freed at zero.
    static LIVE: Cell<usize> = const { Cell::new(0) };
    /// The output sink of the guarded call in progress.
    static SINK: RefCell<Output> = const { RefCell::new(Output::Silent) };
    /// GLPK's output since the outermost guard started (its tail), for error messages.
    static TAIL: RefCell<String> = const { RefCell::new(String::new()) };
    /// Where the error hook jumps: the innermost guard's register save area.
    static JUMP: Cell<*mut JumpBuf> = const { Cell::new(std::ptr::null_mut()) };
}

fn terminal_text(text: &str) {
    TAIL.with_borrow_mut(|tail| {
        if tail.len() + text.len() > TAIL_MAX {
            let cut = (tail.len() + text.len())
                .saturating_sub(TAIL_MAX)
                .min(tail.len());
            let cut = (cut..=tail.len())
                .find(|&i| tail.is_char_boundary(i))
                .unwrap_or(tail.len());
            tail.drain(..cut);
        }
        tail.push_str(text);
    });
    // A closure sink may itself print; it must not call into GLPK (it would find SINK borrowed
    // only if it replaced the sink, which the API does not allow during a call).
    let sink = SINK.with_borrow(Output::clone);
    match sink {
        Output::Silent => {}
        Output::Stdout => print!("{text}"),
        Output::Stderr => eprint!("{text}"),
        Output::Log => {
            for line in text.lines() {
                log::info!(target: "jitffi::lp::glpk", "{line}");
            }
        }
        Output::Closure(f) => f(text),
    }
}

/// This thread's GLPK environment generation.
pub(crate) fn generation() -> u64 {
    GENERATION.get()
}

/// Counts a problem made in the current generation.
pub(crate) fn problem_created() {
    LIVE.set(LIVE.get() + 1);
}

/// Uncounts a problem of generation `env_gen`; frees the environment when the last one of the
/// current generation goes, so threads do not leak GLPK's per-thread state.
pub(crate) fn problem_dropped(glpk: &Glpk, env_gen: u64) {
    if env_gen != GENERATION.get() {
        return;
    }
    let live = LIVE.get().saturating_sub(1);
    LIVE.set(live);
    if live == 0 && JUMP.get().is_null() {
        // SAFETY: no problem of this thread's environment is left, so freeing it frees
        // nothing in use; outside any guard (checked above), nothing of GLPK is on the stack.
        unsafe { glpk.fns.free_env.call(()) };
        GENERATION.set(GENERATION.get() + 1);
    }
}

// -- The guard --

/// Callee-saved registers, stack pointer and return address of a [`guarded`] call.
#[repr(C)]
struct JumpBuf([u64; 8]);

#[cfg(all(target_arch = "x86_64", not(windows)))]
std::arch::global_asm!(
    // jitffi_lp_guard_call(buf: *mut JumpBuf, f: extern "C" fn(*mut c_void), data: *mut c_void) -> i32
    // Returns 0 when f returns, 1 when jitffi_lp_guard_escape(buf) is called under f.
    ".text",
    ".globl jitffi_lp_guard_call",
    ".hidden jitffi_lp_guard_call",
    ".type jitffi_lp_guard_call,@function",
    "jitffi_lp_guard_call:",
    ".cfi_startproc",
    "mov [rdi], rbx",
    "mov [rdi + 8], rbp",
    "mov [rdi + 16], r12",
    "mov [rdi + 24], r13",
    "mov [rdi + 32], r14",
    "mov [rdi + 40], r15",
    "lea rax, [rsp + 8]",
    "mov [rdi + 48], rax",
    "mov rax, [rsp]",
    "mov [rdi + 56], rax",
    "sub rsp, 8",
    ".cfi_adjust_cfa_offset 8",
    "mov rdi, rdx",
    "call rsi",
    "add rsp, 8",
    ".cfi_adjust_cfa_offset -8",
    "xor eax, eax",
    "ret",
    ".cfi_endproc",
    ".size jitffi_lp_guard_call, . - jitffi_lp_guard_call",
    // jitffi_lp_guard_escape(buf: *mut JumpBuf) -> !
    ".globl jitffi_lp_guard_escape",
    ".hidden jitffi_lp_guard_escape",
    ".type jitffi_lp_guard_escape,@function",
    "jitffi_lp_guard_escape:",
    "mov rbx, [rdi]",
    "mov rbp, [rdi + 8]",
    "mov r12, [rdi + 16]",
    "mov r13, [rdi + 24]",
    "mov r14, [rdi + 32]",
    "mov r15, [rdi + 40]",
    "mov rsp, [rdi + 48]",
    "mov eax, 1",
    "jmp qword ptr [rdi + 56]",
    ".size jitffi_lp_guard_escape, . - jitffi_lp_guard_escape",
);

#[cfg(all(target_arch = "x86_64", not(windows)))]
unsafe extern "C" {
    fn jitffi_lp_guard_call(
        buf: *mut JumpBuf,
        f: unsafe extern "C" fn(*mut c_void),
        data: *mut c_void,
    ) -> i32;
    fn jitffi_lp_guard_escape(buf: *mut JumpBuf) -> !;
}

/// The `glp_error_hook`: jumps back to the innermost guard. Outside a guard it returns, and
/// GLPK aborts the process after its message, as it would without a hook.
extern "C" fn error_hook(_info: *mut c_void) {
    let buf = JUMP.get();
    if buf.is_null() {
        eprintln!("jitffi::lp: GLPK error outside a guarded call; GLPK aborts the process");
        return;
    }
    #[cfg(all(target_arch = "x86_64", not(windows)))]
    // SAFETY: `buf` is the save area of a guard whose frame is live (JUMP is reset before the
    // guard returns). Every frame between it and here is GLPK's, this function's (nothing to
    // drop) or a guarded closure's, which holds nothing with a destructor across GLPK calls
    // (the `guarded` contract). GLPK documents leaving its error routine by a long jump.
    unsafe {
        jitffi_lp_guard_escape(buf)
    }
}

struct Pending<F, R> {
    f: Option<F>,
    result: Option<std::thread::Result<R>>,
}

unsafe extern "C" fn run_pending<F: FnOnce() -> R, R>(data: *mut c_void) {
    // SAFETY: `data` is the `Pending<F, R>` that `guarded` passed, alive in its frame.
    let pending = unsafe { &mut *data.cast::<Pending<F, R>>() };
    if let Some(f) = pending.f.take() {
        pending.result = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)));
    }
}

/// Runs `f`, which calls GLPK for `glpk`, with GLPK's terminal output going to `output` and a
/// GLPK error turned into [`LpError::Glpk`] (naming `what`). After such an error this thread's
/// GLPK environment is freed and its generation bumped.
///
/// # Safety
///
/// If GLPK reports an error, `f`'s frames are abandoned without running destructors, so `f`
/// must not hold anything with a destructor (owned allocations, guards, `RefCell` borrows)
/// across a call into GLPK; values created and dropped between calls are fine. `f` must not
/// call `guarded` itself for another thread's problem (problems are `!Send`).
pub(crate) unsafe fn guarded<R, F: FnOnce() -> R>(
    glpk: &Glpk,
    output: &Output,
    what: &str,
    f: F,
) -> Result<R, LpError> {
    glpk.ensure_hooks();
    if !JUMP.get().is_null() {
        // Inside another guard (a raw closure calling the modeler): that guard catches.
        return Ok(f());
    }
    let previous_sink = SINK.replace(output.clone());
    TAIL.with_borrow_mut(String::clear);
    let mut pending = Pending {
        f: Some(f),
        result: None,
    };
    let mut buf = JumpBuf([0; 8]);
    JUMP.set(&mut buf);
    #[cfg(all(target_arch = "x86_64", not(windows)))]
    // SAFETY: `run_pending::<F, R>` matches `pending`'s type; `buf` lives across the call. An
    // escape only skips frames the caller's contract allows skipping.
    let escaped = unsafe {
        jitffi_lp_guard_call(
            &mut buf,
            run_pending::<F, R>,
            (&mut pending as *mut Pending<F, R>).cast(),
        )
    } != 0;
    #[cfg(not(all(target_arch = "x86_64", not(windows))))]
    // SAFETY: as above, without a way out: a GLPK error aborts.
    let escaped = {
        unsafe { run_pending::<F, R>((&mut pending as *mut Pending<F, R>).cast()) };
        false
    };
    JUMP.set(std::ptr::null_mut());
    SINK.set(previous_sink);
    if escaped {
        // The closure's frames are gone; forget what it held (nothing with a destructor).
        std::mem::forget(pending.f.take());
        // SAFETY: GLPK requires freeing the environment after leaving its error routine by a
        // jump; every problem of the generation is abandoned (the GENERATION bump).
        unsafe { glpk.fns.free_env.call(()) };
        GENERATION.set(GENERATION.get() + 1);
        LIVE.set(0);
        return Err(LpError::Glpk {
            what: what.to_owned(),
            message: TAIL.with_borrow(|t| error_message(t)),
        });
    }
    match pending.result.take() {
        Some(Ok(r)) => Ok(r),
        Some(Err(panic)) => std::panic::resume_unwind(panic),
        None => unreachable!("the guarded closure neither ran nor escaped"),
    }
}

/// GLPK's output during the last guarded call on this thread, trimmed (for messages).
pub(crate) fn last_output() -> String {
    TAIL.with_borrow(|t| t.trim().to_owned())
}

/// GLPK's error message out of its recent output: the lines before "Error detected in file
/// F at line N", which is appended as "(F:N)".
fn error_message(tail: &str) -> String {
    let lines: Vec<&str> = tail
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect();
    let Some(at) = lines
        .iter()
        .rposition(|l| l.starts_with("Error detected in file"))
    else {
        return lines
            .last()
            .map_or_else(|| "(no message)".to_owned(), |l| (*l).to_owned());
    };
    let location = lines[at]
        .trim_start_matches("Error detected in file ")
        .replace(" at line ", ":");
    match at.checked_sub(1).map(|i| lines[i]) {
        Some(message) => format!("{message} ({location})"),
        None => format!("error in {location}"),
    }
}

/// A NUL-terminated copy of `s` for GLPK, refusing interior NULs.
pub(crate) fn c_string(what: &str, s: &str) -> Result<CString, LpError> {
    CString::new(s)
        .map_err(|_| LpError::Invalid(format!("{what} '{}' contains a NUL byte", s.escape_debug())))
}

impl LpError {
    /// A [`LpError::Load`] with `message`, keeping the jitffi error behind it.
    fn load(message: String, source: Option<Error>) -> LpError {
        LpError::Load {
            message,
            source: source.map(Arc::new),
        }
    }
}
