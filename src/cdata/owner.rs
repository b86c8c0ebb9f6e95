//! Ownership of C data: an [`Owner`] is a non-atomic count in a two-word header before the
//! object's bytes (or a header-only block for foreign memory); blocks come from malloc, small
//! ones from a per-thread cache of 16-byte classes.

use std::any::Any;
use std::cell::Cell;
use std::ptr::NonNull;

/// The header of an allocation made by jitffi (with the object's bytes after it), or of a
/// foreign block (no bytes: memory owned by C or by a borrowed buffer). Reference counted
/// by the views, not thread-safe (views are neither `Send` nor `Sync`). Two words, so that a
/// small object costs one malloc size class more than its bytes at most: what few blocks
/// need lives in `extra`, allocated on first use. Every header comes from `malloc` (or
/// `posix_memalign`), so one `free` releases any block without knowing its layout.
struct Header {
    rc: Cell<u32>,
    /// The block's size class in the thread's cache of small blocks ([`cache`]); 0 for a
    /// block that goes back to `free`.
    class: u32,
    /// Taken out while in use (never held across a call that could reach this header).
    extra: Cell<Option<Box<Extra>>>,
}

/// Small blocks kept for reuse by each thread: allocating and freeing one object at a time
/// (`new` in a loop) costs a list push and pop instead of a `malloc` and a `free`. Blocks
/// of up to `CLASSES * 16` bytes (with alignment up to malloc's) are made in 16-byte size
/// classes and, when their last view goes, kept in their class's list, `KEEP` at most;
/// the rest go back to `free`, and so does the whole cache when the thread ends. A block
/// freed on another thread than the one that made it (or while the thread's cache is being
/// destroyed) simply joins that thread's lists or goes to `free`: they all come from malloc.
mod cache {
    use std::cell::Cell;

    /// Size classes: 16, 32, … `CLASSES * 16` bytes.
    pub(super) const CLASSES: usize = 8;
    /// Blocks kept per class.
    const KEEP: u32 = 64;

    struct Cache {
        /// The first free block of each class; each free block starts with the next.
        heads: [Cell<*mut u8>; CLASSES],
        counts: [Cell<u32>; CLASSES],
    }

    impl Drop for Cache {
        fn drop(&mut self) {
            for head in &self.heads {
                let mut p = head.replace(std::ptr::null_mut());
                while !p.is_null() {
                    // SAFETY: every block in a list is a malloc'd block of at least a word,
                    // whose first word links the next (written by `give`).
                    unsafe {
                        let next = p.cast::<*mut u8>().read();
                        libc::free(p.cast());
                        p = next;
                    }
                }
            }
        }
    }

    thread_local! {
        static CACHE: Cache = const {
            Cache {
                heads: [const { Cell::new(std::ptr::null_mut()) }; CLASSES],
                counts: [const { Cell::new(0) }; CLASSES],
            }
        };
    }

    /// The class (1 ..= CLASSES) of a block of `bytes` bytes aligned to `align`, if cached.
    #[inline(always)]
    pub(super) fn class_of(bytes: usize, align: usize) -> Option<usize> {
        (align <= super::MALLOC_ALIGN && bytes <= CLASSES * 16).then(|| bytes.div_ceil(16).max(1))
    }

    /// A block of the class's size: a kept one or a new one from malloc (NULL if out of
    /// memory).
    #[inline(always)]
    pub(super) fn take(class: usize) -> *mut u8 {
        let kept = CACHE
            .try_with(|c| {
                let head = c.heads[class - 1].get();
                if !head.is_null() {
                    // SAFETY: a kept block starts with the link to the next (see `give`).
                    c.heads[class - 1].set(unsafe { head.cast::<*mut u8>().read() });
                    c.counts[class - 1].set(c.counts[class - 1].get() - 1);
                }
                head
            })
            .unwrap_or(std::ptr::null_mut());
        if kept.is_null() {
            // SAFETY: plain malloc; the caller checks the result.
            unsafe { libc::malloc(class * 16).cast() }
        } else {
            kept
        }
    }

    /// Keeps the block `p` (made by `take` for `class`) for reuse, or frees it.
    ///
    /// # Safety
    ///
    /// `p` is a block of `class` that nothing refers to any more.
    #[inline(always)]
    pub(super) unsafe fn give(class: usize, p: *mut u8) {
        let kept = CACHE
            .try_with(|c| {
                let n = c.counts[class - 1].get();
                if n >= KEEP {
                    return false;
                }
                // SAFETY: the block is unused and at least 16 bytes (vouched for).
                unsafe { p.cast::<*mut u8>().write(c.heads[class - 1].get()) };
                c.heads[class - 1].set(p);
                c.counts[class - 1].set(n + 1);
                true
            })
            .unwrap_or(false);
        if !kept {
            // SAFETY: the block came from malloc (vouched for).
            unsafe { libc::free(p.cast()) };
        }
    }
}

#[derive(Default)]
pub(super) struct Extra {
    /// Objects kept alive by pointer members of this block.
    pub(super) keep: Vec<Kept>,
    /// A destructor attached with [`CData::gc`].
    pub(super) gc: Option<Box<dyn FnOnce()>>,
    /// Something the memory depends on (the `Library` of a global).
    pub(super) _hold: Option<Box<dyn Any>>,
}

/// A referent kept alive by a pointer member: the member's address, the referent's owner
/// and the bytes the stored view knew to be valid (`[start, end)`), which paths through the
/// member (`"next->v"`) are checked against.
#[derive(Clone)]
pub(super) struct Kept {
    pub(super) at: usize,
    pub(super) owner: Owner,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// A counted reference to a [`Header`].
pub(crate) struct Owner(NonNull<Header>);

/// The alignment `malloc` guarantees on the hosts jitffi runs on; blocks aligned more come
/// from `posix_memalign`.
pub(super) const MALLOC_ALIGN: usize = 16;

/// Where an object's bytes start after its header: the header's size, rounded up to the
/// object's alignment.
#[inline(always)]
fn data_offset(align: usize) -> usize {
    std::mem::size_of::<Header>().max(align)
}

/// The allocation failure handler of `std` (aborts with a message).
#[cold]
fn out_of_memory(size: usize, align: usize) -> ! {
    match std::alloc::Layout::from_size_align(size, align) {
        Ok(layout) => std::alloc::handle_alloc_error(layout),
        Err(_) => panic!("cannot allocate {size} bytes aligned to {align}"),
    }
}

/// Zeroes `words` words at `p`: small objects with a few stores of constant size (a loop
/// would become a `memset` call, which costs more than the allocation itself).
///
/// # Safety
///
/// `p` is valid for writes of `words` words and aligned for `u64`.
#[inline(always)]
unsafe fn zero_words(p: *mut u64, words: usize) {
    /// # Safety
    ///
    /// As `zero_words`, for `N` words.
    #[inline(always)]
    unsafe fn z<const N: usize>(p: *mut u64) {
        // SAFETY: vouched for by the caller.
        unsafe { p.cast::<[u64; N]>().write([0; N]) }
    }
    // SAFETY: each arm writes exactly `words` words (vouched for by the caller).
    unsafe {
        match words {
            0 => {}
            1 => z::<1>(p),
            2 => z::<2>(p),
            3 => z::<3>(p),
            4 => z::<4>(p),
            5 => z::<5>(p),
            6 => z::<6>(p),
            7 => z::<7>(p),
            8 => z::<8>(p),
            _ => std::ptr::write_bytes(p, 0, words),
        }
    }
}

impl Owner {
    fn header(&self) -> &Header {
        // SAFETY: the header lives while any `Owner` of it does (reference count).
        unsafe { self.0.as_ref() }
    }

    /// A block from `malloc` (or `posix_memalign` for alignments above malloc's) of
    /// `bytes` bytes, with a header written at its start; `None` when out of memory.
    #[inline(always)]
    fn block(bytes: usize, align: usize, extra: Option<Box<Extra>>) -> Option<NonNull<Header>> {
        let class = cache::class_of(bytes, align);
        let p = if let Some(class) = class {
            cache::take(class).cast()
        } else if align <= MALLOC_ALIGN {
            // SAFETY: plain malloc; the result is checked below.
            unsafe { libc::malloc(bytes) }
        } else {
            let mut p = std::ptr::null_mut();
            // SAFETY: `align` is a power of two (a C alignment) and a multiple of the
            // pointer size; the result is checked below.
            let rc = unsafe { libc::posix_memalign(&mut p, align, bytes) };
            if rc != 0 { std::ptr::null_mut() } else { p }
        };
        let nn = NonNull::new(p.cast::<Header>())?;
        // SAFETY: a fresh block of at least a header's size, aligned for it.
        unsafe {
            nn.as_ptr().write(Header {
                rc: Cell::new(1),
                class: class.unwrap_or(0) as u32,
                extra: Cell::new(extra),
            })
        };
        Some(nn)
    }

    /// An allocation of `size` bytes aligned to `align` (zeroed if `zero`), and the address
    /// of its bytes; `None` if the size is too large for the address space.
    #[inline(always)]
    pub(super) fn alloc(size: usize, align: usize, zero: bool) -> Option<(Owner, *mut u8)> {
        let at = data_offset(align);
        // The bytes are zeroed (and allocated) in whole words.
        let words = size.div_ceil(8);
        let total = words
            .checked_mul(8)
            .and_then(|b| b.checked_add(at))
            .filter(|&t| t <= isize::MAX as usize)?;
        let Some(nn) = Owner::block(total, align, None) else {
            out_of_memory(total, align);
        };
        // SAFETY: the block has `total` bytes: the header, then `words` words at `at` (a
        // multiple of 8), which we may zero.
        unsafe {
            let bytes = nn.as_ptr().cast::<u8>().add(at);
            if zero {
                zero_words(bytes.cast(), words);
            }
            Some((Owner(nn), bytes))
        }
    }

    /// A block for memory jitffi does not own.
    pub(super) fn foreign(hold: Option<Box<dyn Any>>) -> Owner {
        let extra = hold.map(|h| {
            Box::new(Extra {
                _hold: Some(h),
                ..Extra::default()
            })
        });
        let size = std::mem::size_of::<Header>();
        let Some(nn) = Owner::block(size, std::mem::align_of::<Header>(), extra) else {
            out_of_memory(size, std::mem::align_of::<Header>());
        };
        Owner(nn)
    }

    pub(super) fn same(&self, other: &Owner) -> bool {
        self.0 == other.0
    }

    pub(super) fn count(&self) -> usize {
        self.header().rc.get() as usize
    }

    /// Runs `f` on the block's extra part (created if missing). `f` must not reach this
    /// block's header (it sees the part taken out).
    fn with_extra<R>(&self, f: impl FnOnce(&mut Extra) -> R) -> R {
        let cell = &self.header().extra;
        let mut e = cell.take().unwrap_or_default();
        let r = f(&mut e);
        cell.set(Some(e));
        r
    }

    /// Whether any pointer member of the block keeps a referent alive.
    #[inline]
    fn keeps_any(&self) -> bool {
        let cell = &self.header().extra;
        let e = cell.take();
        let any = e.as_ref().is_some_and(|e| !e.keep.is_empty());
        cell.set(e);
        any
    }

    /// Forgets the referents of pointer members in `[lo, hi)`.
    #[inline]
    pub(super) fn unkeep(&self, lo: usize, hi: usize) {
        if !self.keeps_any() {
            return;
        }
        let dropped: Vec<Kept> = self.with_extra(|e| {
            let (gone, stay): (Vec<_>, Vec<_>) =
                e.keep.drain(..).partition(|k| k.at >= lo && k.at < hi);
            e.keep = stay;
            gone
        });
        // Dropped outside `with_extra`: freeing a referent may run its destructor.
        drop(dropped);
    }

    /// The referents kept for pointer members in `[lo, hi)`.
    pub(super) fn kept(&self, lo: usize, hi: usize) -> Vec<Kept> {
        if !self.keeps_any() {
            return Vec::new();
        }
        self.with_extra(|e| {
            e.keep
                .iter()
                .filter(|k| k.at >= lo && k.at < hi)
                .cloned()
                .collect()
        })
    }

    /// The referent kept for the pointer member at `at`, if any.
    pub(super) fn kept_at(&self, at: usize) -> Option<Kept> {
        self.kept(at, at + 1).pop()
    }

    pub(super) fn keep(&self, kept: Kept) {
        self.with_extra(|e| e.keep.push(kept));
    }

    pub(super) fn set_gc(&self, f: Box<dyn FnOnce()>) {
        let old = self.with_extra(|e| e.gc.replace(f));
        drop(old);
    }
}

impl Clone for Owner {
    fn clone(&self) -> Owner {
        let h = self.header();
        // As `Rc`: more views than a u32 counts can only come from leaking them.
        let Some(n) = h.rc.get().checked_add(1) else {
            std::process::abort();
        };
        h.rc.set(n);
        Owner(self.0)
    }
}

impl Drop for Owner {
    #[inline]
    fn drop(&mut self) {
        let h = self.header();
        let n = h.rc.get() - 1;
        h.rc.set(n);
        if n != 0 {
            return;
        }
        // The destructor runs first, while the memory and what it keeps are alive; the kept
        // referents go next (with the header no longer reachable through `extra`).
        if let Some(mut e) = h.extra.take() {
            if let Some(gc) = e.gc.take() {
                gc();
            }
            drop(e);
        }
        // SAFETY: the count reached zero: this was the last reference. The header (now
        // without drop glue: `extra` is empty) came from the cache of its class, malloc or
        // posix_memalign.
        unsafe {
            match h.class {
                0 => libc::free(self.0.as_ptr().cast()),
                class => cache::give(class as usize, self.0.as_ptr().cast()),
            }
        }
    }
}
