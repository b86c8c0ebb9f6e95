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
//! Without that, [`hook_xerbla`] does the same from inside the process: it points the GOT
//! slots through which the loaded libraries call `xerbla_` at jitffi's handler.
//! [`Library::open`](super::Library::open) and generated wrappers run it when they open a
//! library, so neither needs a link flag.
//!
//! [`export_xerbla!`]: crate::export_xerbla

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_void};

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

/// What [`hook_xerbla`] points the libraries' `xerbla_` imports at.
extern "C" fn hooked_xerbla(name: *const c_char, info: *const i32, len: usize) {
    // SAFETY: LAPACK and BLAS pass their routine's name, its length and a readable INTEGER.
    unsafe { xerbla_handler(name, info, len) }
}

/// The address of the `xerbla_` [`hook_xerbla`] installs, for a direct call of XERBLA.
pub(crate) fn handler_address() -> *const std::ffi::c_void {
    hooked_xerbla as *const std::ffi::c_void
}

/// The ELF structures the hook reads (64-bit).
#[repr(C)]
struct Dyn {
    tag: i64,
    val: u64,
}

#[repr(C)]
struct Sym {
    name: u32,
    info: u8,
    other: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

#[repr(C)]
struct Rela {
    offset: u64,
    info: u64,
    addend: i64,
}

/// The relocation types of a call through the GOT: `JUMP_SLOT` and `GLOB_DAT`.
#[cfg(target_arch = "x86_64")]
const GOT_RELOCS: [u32; 2] = [7, 6];
#[cfg(target_arch = "aarch64")]
const GOT_RELOCS: [u32; 2] = [1026, 1025];
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const GOT_RELOCS: [u32; 0] = [];

struct Hook<'a> {
    symbol: &'a [u8],
    target: u64,
    patched: Vec<String>,
}

/// Points every loaded object's import of `symbol` (`xerbla_`, with the library's prefix and
/// suffix) at jitffi's handler, which records the call for [`last_xerbla`] and returns: the
/// routine then returns with `INFO < 0`, or, for BLAS, without doing anything, instead of
/// Reference XERBLA's `STOP` ending the process. This is what makes the safe calls safe when
/// the executable does not export its own `xerbla_` ([`crate::export_xerbla!`]): calls
/// inside a shared library to its own exported `xerbla_` go through its GOT (Reference
/// LAPACK's and BLAS's do), and the GOT slot is rewritten, read-only RELRO pages included
/// (made writable for the store and read-only again).
///
/// [`Library::open`](super::Library::open) and the generated wrappers' `Library::open` run it
/// after loading (set `JITFFI_KEEP_XERBLA=1` in the environment to keep the libraries' own
/// handler). Idempotent; run it again after loading more libraries yourself. Returns the
/// objects that import `symbol` (their slots now point at the handler). On targets other than
/// x86-64 and AArch64 it does nothing.
pub fn hook_xerbla(symbol: &str) -> Vec<String> {
    if GOT_RELOCS.is_empty() || std::env::var_os("JITFFI_KEEP_XERBLA").is_some() {
        return Vec::new();
    }
    // One hook at a time: two threads flipping the same RELRO page's protection could leave
    // it read-only under the other's store.
    static HOOKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = HOOKING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut hook = Hook {
        symbol: symbol.as_bytes(),
        target: hooked_xerbla as *const () as u64,
        patched: Vec::new(),
    };
    // SAFETY: the callback reads the loader's own descriptions of the loaded objects, which
    // stay valid during the iteration (the loader's lock is held).
    unsafe {
        libc::dl_iterate_phdr(Some(visit), (&raw mut hook).cast());
    }
    hook.patched
}

unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _size: usize, data: *mut c_void) -> i32 {
    // SAFETY: dl_iterate_phdr passes a valid description and our `Hook`.
    let (info, hook) = unsafe { (&*info, &mut *data.cast::<Hook<'_>>()) };
    // SAFETY: as above; the object stays loaded during the iteration.
    if let Some(name) = unsafe { patch_object(info, hook) } {
        hook.patched.push(name);
    }
    0
}

/// Rewrites `info`'s GOT slots of `hook.symbol`; the object's name when it has one.
///
/// # Safety
///
/// `info` describes a loaded object, which stays loaded.
unsafe fn patch_object(info: &libc::dl_phdr_info, hook: &Hook<'_>) -> Option<String> {
    let base = info.dlpi_addr;
    if info.dlpi_phdr.is_null() {
        return None;
    }
    // SAFETY: the loader's program headers of the object.
    let phdrs = unsafe { std::slice::from_raw_parts(info.dlpi_phdr, usize::from(info.dlpi_phnum)) };
    let dynamic = phdrs.iter().find(|p| p.p_type == libc::PT_DYNAMIC)?;
    let relro = phdrs
        .iter()
        .find(|p| p.p_type == libc::PT_GNU_RELRO)
        .map(|p| (base + p.p_vaddr, base + p.p_vaddr + p.p_memsz));
    let (mut symtab, mut strtab, mut rela, mut relasz, mut jmprel, mut pltrelsz) =
        (0, 0, 0, 0, 0, 0);
    let mut d = (base + dynamic.p_vaddr) as *const Dyn;
    // glibc relocates the address entries of the dynamic section; other loaders may not.
    let addr = |v: u64| if v < base { v + base } else { v };
    loop {
        // SAFETY: the dynamic section ends with DT_NULL.
        let e = unsafe { &*d };
        match e.tag {
            0 => break,
            2 => pltrelsz = e.val,
            5 => strtab = addr(e.val),
            6 => symtab = addr(e.val),
            7 => rela = addr(e.val),
            8 => relasz = e.val,
            23 => jmprel = addr(e.val),
            _ => {}
        }
        // SAFETY: still inside the section (DT_NULL not reached).
        d = unsafe { d.add(1) };
    }
    if symtab == 0 || strtab == 0 {
        return None;
    }
    let mut hit = false;
    for (table, bytes) in [(jmprel, pltrelsz), (rela, relasz)] {
        if table == 0 || bytes == 0 {
            continue;
        }
        let n = bytes as usize / std::mem::size_of::<Rela>();
        // SAFETY: the object's relocation table, of `bytes` bytes.
        let relas = unsafe { std::slice::from_raw_parts(table as *const Rela, n) };
        for r in relas {
            if !GOT_RELOCS.contains(&((r.info & 0xffff_ffff) as u32)) {
                continue;
            }
            let sym_index = (r.info >> 32) as usize;
            // SAFETY: a relocation's symbol index is inside the dynamic symbol table.
            let sym = unsafe { &*(symtab as *const Sym).add(sym_index) };
            // SAFETY: symbol names are NUL-terminated strings of the string table.
            let name = unsafe { CStr::from_ptr((strtab + u64::from(sym.name)) as *const c_char) };
            if name.to_bytes() != hook.symbol {
                continue;
            }
            let slot = (base + r.offset) as *mut u64;
            // SAFETY: the slot is the object's GOT entry for the symbol, 8 bytes, aligned.
            unsafe { write_slot(slot, hook.target, relro) };
            hit = true;
        }
    }
    if !hit {
        return None;
    }
    // SAFETY: the loader's name of the object, NUL-terminated (empty for the executable).
    let name = unsafe { CStr::from_ptr(info.dlpi_name) };
    Some(name.to_string_lossy().into_owned())
}

/// Stores `target` in a GOT slot, making a read-only (RELRO) page writable for the store.
///
/// # Safety
///
/// `slot` is a GOT entry of a loaded object.
unsafe fn write_slot(slot: *mut u64, target: u64, relro: Option<(u64, u64)>) {
    // SAFETY: the caller's slot, readable.
    if unsafe { slot.read_volatile() } == target {
        return;
    }
    let protected = relro.is_some_and(|(lo, hi)| (lo..hi).contains(&(slot as u64)));
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as usize;
    let start = (slot as usize) & !(page - 1);
    if protected {
        // SAFETY: the page holds the object's relocated data; it is made writable for one
        // aligned store and read-only again.
        unsafe {
            if libc::mprotect(
                start as *mut c_void,
                page,
                libc::PROT_READ | libc::PROT_WRITE,
            ) != 0
            {
                return;
            }
        }
    }
    // SAFETY: an aligned 8-byte store to the slot (atomic on the targets above).
    unsafe { slot.write_volatile(target) };
    if protected {
        // SAFETY: as above.
        unsafe {
            libc::mprotect(start as *mut c_void, page, libc::PROT_READ);
        }
    }
}
