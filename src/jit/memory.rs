//! Code memory for the JIT: a file in memory (`memfd`) mapped twice, once read-write (where
//! Cranelift writes code) and once read-execute (where the code runs).
//!
//! cranelift-jit's own providers seal the page of every finalized function: the next function
//! needs a fresh page, two `mprotect` calls and a page fault, about 7 µs and 4 KiB per stub,
//! and each `mprotect` of a multi-threaded process interrupts every core that runs one of its
//! threads. Here a stub costs a bump of a pointer and a copy of its bytes (about a hundred).
//! No page is ever writable and executable through the same mapping.
//!
//! Every allocation starts on a fresh cache line, so bytes are never written to a line that
//! holds code that already ran. The engine publishes a stub's address to other threads through
//! a release store (`OnceLock`), after the bytes are written; x86-64 keeps instruction fetch
//! coherent with those writes. Other architectures and systems without `memfd` use
//! cranelift-jit's `SystemMemoryProvider` (see `JitEngine::new`).

use std::io;
use std::sync::{Arc, Mutex};

use cranelift_jit::{BranchProtection, JITMemoryKind, JITMemoryProvider};
use cranelift_module::ModuleResult;

/// Bytes mapped at a time (more when one function is larger).
const CHUNK: usize = 256 << 10;

/// Every function starts on its own cache line.
const LINE: usize = 64;

/// One memfd and its two views.
#[derive(Copy, Clone, Debug)]
struct Chunk {
    rw: usize,
    rx: usize,
    len: usize,
}

/// The writable-to-executable address map, shared between the provider (inside the
/// `JITModule`) and the engine, which translates the addresses cranelift-jit reports.
#[derive(Clone, Debug, Default)]
pub(crate) struct AddressMap(Arc<Mutex<Vec<Chunk>>>);

impl AddressMap {
    /// The executable address of code written at `rw`, or `None` if `rw` is not ours.
    pub(crate) fn executable(&self, rw: *const u8) -> Option<*const u8> {
        let rw = rw as usize;
        let chunks = self.0.lock().unwrap_or_else(|e| e.into_inner());
        chunks
            .iter()
            .find(|c| rw >= c.rw && rw < c.rw + c.len)
            .map(|c| (c.rx + (rw - c.rw)) as *const u8)
    }
}

/// A [`JITMemoryProvider`] over double-mapped memfd chunks (executable memory only).
pub(crate) struct DualMapped {
    map: AddressMap,
    /// The chunk being filled: write address, bytes used, length.
    current: Option<(usize, usize, usize)>,
}

impl DualMapped {
    /// A provider with its first chunk mapped, or the reason the system refuses (no memfd,
    /// executable shared mappings forbidden, …).
    pub(crate) fn new() -> io::Result<(DualMapped, AddressMap)> {
        let map = AddressMap::default();
        let mut p = DualMapped {
            map: map.clone(),
            current: None,
        };
        p.new_chunk(CHUNK)?;
        Ok((p, map))
    }

    fn new_chunk(&mut self, len: usize) -> io::Result<()> {
        // SAFETY: memfd_create with a NUL-terminated name; the result is checked.
        let fd = unsafe { libc::memfd_create(c"jitffi-code".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let result = map_twice(fd, len);
        // SAFETY: `fd` is ours; the mappings keep the memory alive after it is closed.
        unsafe { libc::close(fd) };
        let (rw, rx) = result?;
        self.map
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Chunk { rw, rx, len });
        self.current = Some((rw, 0, len));
        Ok(())
    }
}

/// Maps `len` bytes of `fd` read-write and read-execute; returns both addresses.
fn map_twice(fd: libc::c_int, len: usize) -> io::Result<(usize, usize)> {
    let size = libc::off_t::try_from(len).map_err(|_| io::Error::other("chunk too large"))?;
    // SAFETY: plain syscalls on a descriptor we own; every result is checked, and a failed
    // second mapping unmaps the first.
    unsafe {
        if libc::ftruncate(fd, size) != 0 {
            return Err(io::Error::last_os_error());
        }
        let map = |prot| {
            let p = libc::mmap(std::ptr::null_mut(), len, prot, libc::MAP_SHARED, fd, 0);
            if p == libc::MAP_FAILED {
                Err(io::Error::last_os_error())
            } else {
                Ok(p)
            }
        };
        let rw = map(libc::PROT_READ | libc::PROT_WRITE)?;
        match map(libc::PROT_READ | libc::PROT_EXEC) {
            Ok(rx) => Ok((rw as usize, rx as usize)),
            Err(e) => {
                libc::munmap(rw, len);
                Err(e)
            }
        }
    }
}

impl JITMemoryProvider for DualMapped {
    fn allocate(&mut self, size: usize, align: u64, kind: JITMemoryKind) -> io::Result<*mut u8> {
        if !matches!(kind, JITMemoryKind::Executable) {
            return Err(io::Error::other(
                "jitffi's code memory holds code only (no data objects)",
            ));
        }
        let align = usize::try_from(align).unwrap_or(LINE).max(LINE);
        let fits = |&(rw, used, len): &(usize, usize, usize)| {
            let start = (rw + used).next_multiple_of(align);
            (start + size <= rw + len).then_some(start)
        };
        let start = match self.current.as_ref().and_then(fits) {
            Some(s) => s,
            None => {
                self.new_chunk((size + align).next_multiple_of(CHUNK))?;
                self.current
                    .as_ref()
                    .and_then(fits)
                    .ok_or_else(|| io::Error::other("code chunk too small"))?
            }
        };
        if let Some((rw, used, _)) = self.current.as_mut() {
            *used = start + size - *rw;
        }
        Ok(start as *mut u8)
    }

    unsafe fn free_memory(&mut self) {
        let mut chunks = self.map.0.lock().unwrap_or_else(|e| e.into_inner());
        for c in chunks.drain(..) {
            // SAFETY: the caller guarantees no code of this provider runs any more; both
            // views were mapped by `map_twice` with this length.
            unsafe {
                libc::munmap(c.rw as *mut libc::c_void, c.len);
                libc::munmap(c.rx as *mut libc::c_void, c.len);
            }
        }
        self.current = None;
    }

    fn finalize(&mut self, _branch_protection: BranchProtection) -> ModuleResult<()> {
        // Nothing to protect: the executable view never was writable. Order the code bytes
        // before the caller publishes the address (it does so with a release store as well).
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_line_aligned_and_mapped_twice() {
        let (mut p, map) = DualMapped::new().expect("memfd");
        let a = p.allocate(10, 16, JITMemoryKind::Executable).unwrap();
        let b = p.allocate(100, 16, JITMemoryKind::Executable).unwrap();
        assert_eq!(a as usize % LINE, 0);
        assert_eq!(b as usize % LINE, 0);
        assert!(b as usize >= a as usize + 10);
        // A write through the writable view shows through the executable one.
        // SAFETY: `a` points to 10 writable bytes; its executable twin to 10 readable ones.
        unsafe {
            a.write(0xc3);
            let x = map.executable(a).unwrap();
            assert_ne!(x, a.cast_const());
            assert_eq!(x.read(), 0xc3);
        }
        // A function larger than a chunk gets a chunk of its own.
        let big = p
            .allocate(CHUNK + 1, 16, JITMemoryKind::Executable)
            .unwrap();
        assert!(map.executable(big).is_some());
        assert!(p.allocate(8, 8, JITMemoryKind::ReadOnly).is_err());
        // SAFETY: no code of this provider ever ran.
        unsafe { p.free_memory() };
        assert!(map.executable(a).is_none());
    }
}
