//! Guarded arrays for the random calls of `compiled` (`JITFFI_FUZZ_GUARD=1`): each array the
//! caller lends is copied to the very end of pages of its own, followed by an inaccessible
//! page, and an array lent read-only is made read-only. A routine that reads one element past
//! what the safe layer's checks vouched for, or writes an array it was lent read-only, then
//! faults at once instead of reading a neighbour's bytes; the fault handler names the argument
//! and which of the two it was before the process ends, and `bash .ci/fuzz-fortran` lists the
//! routine.

use std::sync::atomic::{AtomicUsize, Ordering};

/// The regions the fault handler can name: (start, end of the data, argument position + 1,
/// read-only); the guard page follows the data's end.
/// A fixed table of atomics: a signal handler may not lock.
const SLOTS: usize = 64;
static REGIONS: [[AtomicUsize; 4]; SLOTS] = [const { [const { AtomicUsize::new(0) }; 4] }; SLOTS];

/// A copy of an array at the end of its own mapping, an inaccessible page right after it.
pub(crate) struct Guarded {
    map: *mut u8,
    map_len: usize,
    at: *mut u8,
    bytes: usize,
    slot: Option<usize>,
}

fn page() -> usize {
    // SAFETY: sysconf has no preconditions.
    unsafe { libc::sysconf(libc::_SC_PAGESIZE) as usize }
}

/// A fresh mapping of `size` bytes' pages followed by an inaccessible page: (its start, its
/// length, the length of its data pages), or `None` when the system refuses.
fn map_guarded(size: usize) -> Option<(*mut u8, usize, usize)> {
    let page = PAGE.load(Ordering::Relaxed);
    let data_len = size.div_ceil(page) * page;
    let map_len = data_len + page;
    // SAFETY: an anonymous private mapping; the result is checked.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            map_len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return None;
    }
    let map = map.cast::<u8>();
    // SAFETY: the last page of this mapping.
    let guarded = unsafe { libc::mprotect(map.add(data_len).cast(), page, libc::PROT_NONE) };
    assert_eq!(guarded, 0, "mprotect of a guard page");
    Some((map, map_len, data_len))
}

impl Guarded {
    /// `src` copied to the end of fresh pages; argument `position` (0-based) of the call,
    /// read-only when `read_only`.
    pub(crate) fn new(src: &[u8], position: usize, read_only: bool) -> Guarded {
        let (map, map_len, data_len) =
            map_guarded(src.len()).unwrap_or_else(|| panic!("mmap of {} bytes", src.len()));
        // SAFETY: `src.len() <= data_len`, so `at` is within the mapping (or at its guard page).
        let at = unsafe { map.add(data_len - src.len()) };
        // SAFETY: `at` has `src.len()` writable bytes before the guard page.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), at, src.len()) };
        // SAFETY: the data pages are this mapping's.
        unsafe {
            if read_only && data_len > 0 {
                assert_eq!(libc::mprotect(map.cast(), data_len, libc::PROT_READ), 0);
            }
        }
        let slot = REGIONS.iter().position(|r| {
            r[0].compare_exchange(0, at as usize, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        if let Some(s) = slot {
            REGIONS[s][1].store(at as usize + src.len(), Ordering::SeqCst);
            REGIONS[s][2].store(position + 1, Ordering::SeqCst);
            REGIONS[s][3].store(usize::from(read_only), Ordering::SeqCst);
        }
        Guarded {
            map,
            map_len,
            at,
            bytes: src.len(),
            slot,
        }
    }

    /// The copy, as `len` elements of `T` (`len * size_of::<T>()` is the copied length).
    ///
    /// # Safety
    ///
    /// The copied bytes are `len` valid `T`s; the slice is not written when read-only.
    pub(crate) unsafe fn slice<T>(&mut self, len: usize) -> &mut [T] {
        assert_eq!(len * std::mem::size_of::<T>(), self.bytes);
        assert_eq!(self.at as usize % std::mem::align_of::<T>(), 0);
        // SAFETY: the caller's contract; `at` holds `bytes` bytes of this mapping.
        unsafe { std::slice::from_raw_parts_mut(self.at.cast::<T>(), len) }
    }

    /// The bytes as the call left them.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: `at` holds `bytes` readable bytes.
        unsafe { std::slice::from_raw_parts(self.at, self.bytes) }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(s) = self.slot {
            REGIONS[s][0].store(0, Ordering::SeqCst);
        }
        // SAFETY: the mapping is this value's, and nothing borrows it any more.
        unsafe { libc::munmap(self.map.cast(), self.map_len) };
    }
}

/// Installs (once) a SIGSEGV/SIGBUS handler that names the guarded argument a fault is in
/// (`GUARD: argument 3 written but lent read-only`, `GUARD: argument 2 read or written past
/// its end`) on stderr and ends the process with status 86.
pub(crate) fn install_handler() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        PAGE.store(page(), Ordering::Relaxed);
        // SAFETY: a handler that only reads atomics and calls async-signal-safe functions.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = handler as *const () as usize;
            sa.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(libc::SIGSEGV, &sa, std::ptr::null_mut());
            libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut());
        }
    });
}

extern "C" fn handler(_sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let mut msg = [0u8; 128];
    let mut n = 0;
    let mut put = |s: &[u8]| {
        for &b in s {
            if n < msg.len() {
                msg[n] = b;
                n += 1;
            }
        }
    };
    put(b"GUARD: ");
    let mut named = false;
    for r in &REGIONS {
        let start = r[0].load(Ordering::SeqCst);
        let end = r[1].load(Ordering::SeqCst);
        if start == 0 || addr < start || addr >= end + PAGE.load(Ordering::Relaxed) {
            continue;
        }
        let pos = r[2].load(Ordering::SeqCst);
        let read_only = r[3].load(Ordering::SeqCst) != 0;
        put(b"argument ");
        let digits = [b'0' + (pos / 10 % 10) as u8, b'0' + (pos % 10) as u8];
        put(if pos >= 10 { &digits } else { &digits[1..] });
        put(if addr >= end {
            b" read or written past its end\n"
        } else if read_only {
            b" written but lent read-only\n"
        } else {
            b" faulted\n"
        });
        named = true;
        break;
    }
    if !named {
        let used = USED.load(Ordering::SeqCst);
        let alloc = LIVE[..used].iter().any(|s| {
            let (map, len) = (s[1].load(Ordering::SeqCst), s[2].load(Ordering::SeqCst));
            s[0].load(Ordering::SeqCst) != 0 && addr >= map && addr < map + len
        });
        put(if alloc {
            b"an array the library allocated, read or written past its end\n"
        } else {
            b"a fault outside the guarded arguments\n"
        });
    }
    // Where: the function the faulting instruction is in (dladdr is not async-signal-safe,
    // but the process ends here anyway).
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: an SA_SIGINFO handler's third argument is its ucontext_t.
        let pc =
            unsafe { (*ctx.cast::<libc::ucontext_t>()).uc_mcontext.gregs[libc::REG_RIP as usize] };
        // SAFETY: dladdr writes `info`; the names it returns are NUL-terminated.
        unsafe {
            let mut info: libc::Dl_info = std::mem::zeroed();
            if libc::dladdr(pc as *const libc::c_void, &mut info) != 0 && !info.dli_sname.is_null()
            {
                if n > 0 && msg[n - 1] == b'\n' {
                    n -= 1;
                }
                let name = std::ffi::CStr::from_ptr(info.dli_sname).to_bytes();
                let mut tail = [0u8; 64];
                let mut k = 0;
                for &b in b" (in ".iter().chain(name).chain(b")\n") {
                    if k < tail.len() {
                        tail[k] = b;
                        k += 1;
                    }
                }
                libc::write(2, msg.as_ptr().cast(), n);
                libc::write(2, tail.as_ptr().cast(), k);
                libc::_exit(86);
            }
        }
    }
    // SAFETY: write(2) and _exit(2) are async-signal-safe.
    unsafe {
        libc::write(2, msg.as_ptr().cast(), n);
        libc::_exit(86);
    }
}

/// The page size, read before any fault (sysconf is not async-signal-safe).
static PAGE: AtomicUsize = AtomicUsize::new(4096);

thread_local! {
    /// Whether this thread's allocations are guarded now (`with_guarded_allocations`).
    static GUARDING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The guarded allocations alive: (start of the data, start of the mapping, mapping length),
/// `[0, 0, 0]` when free. Slots below `USED` are the only ones ever taken.
const ALLOCS: usize = 4096;
static LIVE: [[AtomicUsize; 3]; ALLOCS] = [const { [const { AtomicUsize::new(0) }; 3] }; ALLOCS];
static USED: AtomicUsize = AtomicUsize::new(0);
/// How many guarded allocations are alive (0: a free needs no lookup).
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// The test binary's allocator: the system's, but while a thread runs
/// [`with_guarded_allocations`] its allocations end where an inaccessible page begins (as
/// Electric Fence places them), so that the arrays the library allocates for a call (copies,
/// `intent(out)` arrays, workspaces) fault when the routine touches an element past the
/// extents the library computed.
pub(crate) struct GuardAlloc;

// SAFETY: every allocation is either the system allocator's or a fresh mapping of at least
// `size` bytes aligned to `align`, and each is freed by the one that made it (the live
// guarded ones are listed).
unsafe impl std::alloc::GlobalAlloc for GuardAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !GUARDING.with(|g| g.get()) || layout.align() > 4096 {
            // SAFETY: the caller's layout, passed on.
            return unsafe { std::alloc::System.alloc(layout) };
        }
        let size = layout.size().max(1);
        let Some((map, map_len, data_len)) = map_guarded(size) else {
            return std::ptr::null_mut();
        };
        // The data's end as close to the guard page as its alignment allows.
        let at = (map as usize + data_len - size) & !(layout.align() - 1);
        let slot = LIVE.iter().position(|s| {
            s[0].compare_exchange(0, at, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        });
        let Some(slot) = slot else {
            // SAFETY: the mapping made above; the system allocator takes over.
            unsafe {
                libc::munmap(map.cast(), map_len);
                return std::alloc::System.alloc(layout);
            }
        };
        LIVE[slot][1].store(map as usize, Ordering::SeqCst);
        LIVE[slot][2].store(map_len, Ordering::SeqCst);
        USED.fetch_max(slot + 1, Ordering::SeqCst);
        ALIVE.fetch_add(1, Ordering::SeqCst);
        at as *mut u8
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if !GUARDING.with(|g| g.get()) || layout.align() > 4096 {
            // SAFETY: the caller's layout, passed on.
            return unsafe { std::alloc::System.alloc_zeroed(layout) };
        }
        // (A fresh anonymous mapping is zeroed, and pages not touched cost nothing.)
        // SAFETY: as `alloc`; its system fallback is zeroed too, below.
        let p = unsafe { self.alloc(layout) };
        if !p.is_null()
            && !LIVE
                .iter()
                .any(|s| s[0].load(Ordering::SeqCst) == p as usize)
        {
            // SAFETY: the system allocation of `layout.size()` bytes just made.
            unsafe { std::ptr::write_bytes(p, 0, layout.size()) };
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        if ALIVE.load(Ordering::SeqCst) > 0 {
            let used = USED.load(Ordering::SeqCst);
            if let Some(s) = LIVE[..used]
                .iter()
                .find(|s| s[0].load(Ordering::SeqCst) == ptr as usize)
            {
                let (map, len) = (s[1].load(Ordering::SeqCst), s[2].load(Ordering::SeqCst));
                s[0].store(0, Ordering::SeqCst);
                ALIVE.fetch_sub(1, Ordering::SeqCst);
                // SAFETY: the mapping this allocation was made in, no longer used.
                unsafe { libc::munmap(map as *mut libc::c_void, len) };
                return;
            }
        }
        // SAFETY: not a guarded allocation: the system allocator's.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

/// Runs `f` with this thread's allocations guarded (see [`GuardAlloc`]).
pub(crate) fn with_guarded_allocations<T>(f: impl FnOnce() -> T) -> T {
    GUARDING.with(|g| g.set(true));
    let out = f();
    GUARDING.with(|g| g.set(false));
    out
}

/// The guards catch what they are for: the test runs itself in child processes
/// (`JITFFI_GUARD_SELFTEST`), each of which faults on purpose, and checks that each child
/// ended with the handler's status and the right message (a broken guard would let the
/// fuzzing runs find nothing).
#[test]
fn self_test() {
    if let Ok(mode) = std::env::var("JITFFI_GUARD_SELFTEST") {
        install_handler();
        let data: Vec<u8> = (0..64).collect();
        let mut g = Guarded::new(&data, 2, mode != "past");
        // SAFETY: none: each arm faults on purpose, in a child process that the handler ends.
        unsafe {
            let p = g.slice::<u8>(64).as_mut_ptr();
            match mode.as_str() {
                "write" => std::ptr::write_volatile(p, 1),
                "past" => {
                    std::ptr::read_volatile(p.add(64));
                }
                _ => {
                    let v: Vec<u64> = with_guarded_allocations(|| vec![7u64; 3]);
                    std::ptr::read_volatile(v.as_ptr().add(3));
                }
            }
        }
        unreachable!("no fault");
    }
    let exe = std::env::current_exe().unwrap();
    for (mode, want) in [
        ("write", "argument 3 written but lent read-only"),
        ("past", "argument 3 read or written past its end"),
        (
            "alloc",
            "an array the library allocated, read or written past its end",
        ),
    ] {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "guard::self_test",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("JITFFI_GUARD_SELFTEST", mode)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(86), "{mode}: {err}");
        assert!(err.contains(want), "{mode}: {err}");
    }
}
