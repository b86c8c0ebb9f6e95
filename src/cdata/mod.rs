//! C data: memory that holds values of declared C types, owned by jitffi or borrowed, with
//! checked access to fields and elements (CFFI's `ffi.new`, LuaJIT's cdata, PyPy's ffistruct).
//!
//! A [`CData`] is a view of one object or of an array of objects at an address, together
//! with its C type and the byte range it may touch. Views made from an owned allocation
//! ([`Ffi::alloc`], [`CDataType::alloc`]) keep the allocation alive: the memory is freed when
//! the last view is dropped. Every access is checked against the view's range, its type and
//! the value's range, so the safe API cannot read or write outside memory it knows is valid.
//!
//! Access paths, from the most flexible to the fastest:
//! - [`CData::get`] / [`CData::set`] by member path (`"a.b[2].c"`), values as [`Value`],
//!   initializers as [`Init`];
//! - pre-resolved handles: [`Member`] (untyped, no name lookup), [`Accessor<T>`] (typed,
//!   checked once: a load or a store);
//! - [`CompiledField<T>`]: getters, setters and gather/scatter loops compiled by Cranelift
//!   for one (type, field), bit-fields and packed fields included.
//!
//! # Threads
//!
//! `CData` and its handles are neither `Send` nor `Sync`: views of one allocation alias, and
//! writes through `&self` (like `Cell`) would race across threads. Copy values out
//! ([`CData::to_bytes`], [`Value`]s) to hand them to another thread.
//!
//! # Keep-alive
//!
//! Storing a `CData` into a pointer member or element of owned memory (`set("next",
//! &other)`) keeps `other`'s memory alive for as long as the member still holds it, that is
//! until the member is written again through jitffi or its holder is freed. Writes by C, by
//! [`CData::write_bytes`] or [`CData::copy_from`] do not update this: the referent then
//! stays alive (conservatively) until the member is set again. Cycles of owned objects
//! pointing at each other are not collected (as with `Rc`).

mod access;
mod compiled;

use std::any::Any;
use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;

pub use access::{Accessor, Bound, FieldType, Member};
pub use compiled::{CompiledBound, CompiledField};

use crate::ctype::{CType as CTypeDef, Prim, TypeId, TypeTable};
use crate::ffi::Ffi;
use crate::layout::{self, PathError, PathTarget};
use crate::value::{self, Conv, ConvError, Pointer, StructValue, Value};

// -- Errors --

/// What went wrong with a C data access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CDataErrorKind {
    /// A NULL pointer where memory is needed.
    Null,
    /// An index, path or byte range outside the memory the view knows to be valid.
    OutOfBounds,
    /// A value or view of the wrong type.
    Type,
    /// An integer that does not fit the member (bit-fields included).
    Range,
    /// A member path that does not resolve.
    Path,
    /// A type without a size, or an operation the type does not support.
    Unsupported,
    /// Exclusive access asked for while other views of the memory exist.
    Shared,
}

/// A refused C data access: what and why, in C terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CDataError {
    kind: CDataErrorKind,
    message: String,
}

impl CDataError {
    pub(crate) fn new(kind: CDataErrorKind, message: impl Into<String>) -> CDataError {
        CDataError {
            kind,
            message: message.into(),
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> CDataErrorKind {
        self.kind
    }
}

impl fmt::Display for CDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CDataError {}

impl From<PathError> for CDataError {
    fn from(e: PathError) -> CDataError {
        let kind = match e {
            PathError::OutOfBounds { .. } => CDataErrorKind::OutOfBounds,
            _ => CDataErrorKind::Path,
        };
        CDataError::new(kind, e.to_string())
    }
}

fn err<T>(kind: CDataErrorKind, message: impl Into<String>) -> Result<T, CDataError> {
    Err(CDataError::new(kind, message))
}

// -- Type information --

/// How positional values of canonical variants are stored into a struct without a
/// conversion: each member's offset, size and the `Value` tag it takes.
struct FlatPlan {
    members: Box<[FlatMember]>,
    /// The members cover every byte (no padding): a full set of values leaves nothing to
    /// zero.
    dense: bool,
}

#[derive(Clone, Copy)]
struct FlatMember {
    off: usize,
    size: usize,
    /// The canonical tag; `u8::MAX` (no value has it) for pointers, which go through the
    /// checked path (their stores keep referents alive).
    tag: u8,
}

/// What a `CData` needs to know about its type, computed once per type and shared by views.
pub(crate) struct TypeInfo {
    pub(crate) ffi: Ffi,
    /// [`Ffi::identity`] of `ffi` (type ids are per context).
    pub(crate) ffi_key: usize,
    pub(crate) table: Arc<TypeTable>,
    /// The type as declared (for messages).
    pub(crate) id: TypeId,
    /// The type without typedefs and qualifiers (for comparisons).
    pub(crate) raw: TypeId,
    pub(crate) size: usize,
    pub(crate) align: usize,
    pub(crate) complete: bool,
    /// `id *` in the table, or `id | POINTEE` (for passing views as pointer arguments).
    pub(crate) ptr_ty: TypeId,
    /// Infos of member and element types, made on demand.
    children: RefCell<Vec<(TypeId, Rc<TypeInfo>)>>,
    /// Offsets and conversions of the members, when every member is a named scalar (the
    /// fast path of positional initializers).
    flat: OnceCell<Option<FlatPlan>>,
}

impl TypeInfo {
    pub(crate) fn new(ffi: &Ffi, id: TypeId) -> Rc<TypeInfo> {
        let table = ffi.types();
        // A pointer type the table has, or the pointee tagged (see `Pointer::to_object`):
        // CData never changes the table (functions hold older snapshots of it).
        let ptr_ty = table
            .find_pointer(id)
            .unwrap_or(TypeId(id.0 | value::POINTEE));
        let lay = layout::layout_of(&table, ffi.target(), id).ok();
        let raw = table.raw(id);
        let complete = lay.is_some() && !matches!(table.get(raw), CTypeDef::Func(_));
        Rc::new(TypeInfo {
            ffi: ffi.clone(),
            ffi_key: ffi.identity(),
            id,
            raw,
            size: lay.map_or(0, |l| l.size as usize),
            align: lay.map_or(1, |l| l.align.max(1) as usize),
            complete,
            ptr_ty,
            table,
            children: RefCell::new(Vec::new()),
            flat: OnceCell::new(),
        })
    }

    /// The info of a member or element type.
    fn child(self: &Rc<TypeInfo>, id: TypeId) -> Rc<TypeInfo> {
        if id == self.id {
            return self.clone();
        }
        if let Some((_, c)) = self.children.borrow().iter().find(|(k, _)| *k == id) {
            return c.clone();
        }
        let c = TypeInfo::new(&self.ffi, id);
        self.children.borrow_mut().push((id, c.clone()));
        c
    }

    pub(crate) fn show(&self, id: TypeId) -> String {
        self.table.display(id)
    }

    pub(crate) fn conv(&self, id: TypeId) -> Conv {
        let t = &*self.table;
        let target = self.ffi.target();
        Conv::of(
            t,
            |i| layout::layout_of(t, target, i).ok().map(|l| l.size),
            id,
            target.char_signed,
        )
    }

    fn size_of(&self, id: TypeId) -> Result<usize, CDataError> {
        layout::layout_of(&self.table, self.ffi.target(), id)
            .map(|l| l.size as usize)
            .map_err(|e| CDataError::new(CDataErrorKind::Unsupported, e.to_string()))
    }

    /// Positional fast-path plan: `Some` when every member is a named non-bit-field scalar.
    #[inline]
    fn flat(&self) -> Option<&FlatPlan> {
        match self.flat.get() {
            Some(plan) => plan.as_ref(),
            None => self.flat_init(),
        }
    }

    #[cold]
    fn flat_init(&self) -> Option<&FlatPlan> {
        self.flat
            .get_or_init(|| {
                let rec = self.table.as_record(self.raw)?;
                if rec.kind != crate::ctype::RecordKind::Struct {
                    return None;
                }
                let body = rec.body.as_ref()?;
                let mut members = Vec::with_capacity(body.fields.len());
                for f in &body.fields {
                    let conv = self.conv(f.ty);
                    let ok = f.name.is_some()
                        && !f.is_bitfield()
                        && matches!(
                            conv,
                            Conv::Bool
                                | Conv::Int { .. }
                                | Conv::F32
                                | Conv::F64
                                | Conv::Ptr { .. }
                        );
                    if !ok {
                        return None;
                    }
                    members.push(FlatMember {
                        off: f.offset as usize,
                        size: conv.size(),
                        tag: match conv {
                            Conv::Ptr { .. } => u8::MAX,
                            c => c.canonical_tag(),
                        },
                    });
                }
                let mut end = 0;
                let dense = members.iter().all(|m| {
                    let next = m.off == end;
                    end = m.off + m.size;
                    next
                }) && end == self.size;
                Some(FlatPlan {
                    members: members.into_boxed_slice(),
                    dense,
                })
            })
            .as_ref()
    }
}

// -- Ownership --

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
struct Extra {
    /// Objects kept alive by pointer members of this block: (address of the member, owner).
    keep: Vec<(usize, Owner)>,
    /// A destructor attached with [`CData::gc`].
    gc: Option<Box<dyn FnOnce()>>,
    /// Something the memory depends on (the `Library` of a global).
    _hold: Option<Box<dyn Any>>,
}

/// A counted reference to a [`Header`].
pub(crate) struct Owner(NonNull<Header>);

/// The alignment `malloc` guarantees on the hosts jitffi runs on; blocks aligned more come
/// from `posix_memalign`.
const MALLOC_ALIGN: usize = 16;

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
    fn alloc(size: usize, align: usize, zero: bool) -> Option<(Owner, *mut u8)> {
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
    fn foreign(hold: Option<Box<dyn Any>>) -> Owner {
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

    fn same(&self, other: &Owner) -> bool {
        self.0 == other.0
    }

    fn count(&self) -> usize {
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
    fn unkeep(&self, lo: usize, hi: usize) {
        if !self.keeps_any() {
            return;
        }
        let dropped: Vec<(usize, Owner)> = self.with_extra(|e| {
            let (gone, stay): (Vec<_>, Vec<_>) =
                e.keep.drain(..).partition(|(a, _)| *a >= lo && *a < hi);
            e.keep = stay;
            gone
        });
        // Dropped outside `with_extra`: freeing a referent may run its destructor.
        drop(dropped);
    }

    /// The referents kept for pointer members in `[lo, hi)`.
    fn kept(&self, lo: usize, hi: usize) -> Vec<(usize, Owner)> {
        if !self.keeps_any() {
            return Vec::new();
        }
        self.with_extra(|e| {
            e.keep
                .iter()
                .filter(|(a, _)| *a >= lo && *a < hi)
                .map(|(a, o)| (*a, o.clone()))
                .collect()
        })
    }

    fn keep(&self, at: usize, other: Owner) {
        self.with_extra(|e| e.keep.push((at, other)));
    }

    fn set_gc(&self, f: Box<dyn FnOnce()>) {
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

// -- Initializers --

/// How to fill C memory: a value, a list for arrays and structs (in member order), member
/// names (or paths) with values, or another `CData` (copied, or stored as a pointer).
/// What an initializer does not mention is zero, as in C.
///
/// ```
/// use jitffi::cdata::Init;
/// use jitffi::Value;
///
/// let _ = Init::from(2.5);
/// let _ = Init::fields([("x", 1.0.into()), ("y", Init::from(2))]);
/// let _ = Init::list([1.into(), 2.into(), 3.into()]);
/// let args = [Value::F64(1.0), Value::F64(2.0)];
/// let _ = Init::Values(&args); // positional, without allocating
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Init<'a> {
    /// All zero.
    Zero,
    /// One value, converted as a call argument would be (range-checked).
    Value(Value<'a>),
    /// Values for array elements or struct members, in order.
    Values(&'a [Value<'a>]),
    /// Initializers for array elements or struct members, in order.
    List(Vec<Init<'a>>),
    /// Initializers by member name or path (`"a.b[1]"`).
    Fields(Vec<(&'a str, Init<'a>)>),
    /// Another object: its bytes are copied into an object of the same type; stored into a
    /// pointer, its address is, and the object is kept alive (see the module documentation).
    Data(CData<'a>),
}

impl<'a> Init<'a> {
    /// [`Init::List`] from any iterator.
    pub fn list(items: impl IntoIterator<Item = Init<'a>>) -> Init<'a> {
        Init::List(items.into_iter().collect())
    }

    /// [`Init::Fields`] from any iterator.
    pub fn fields(items: impl IntoIterator<Item = (&'a str, Init<'a>)>) -> Init<'a> {
        Init::Fields(items.into_iter().collect())
    }
}

impl<'a> From<Value<'a>> for Init<'a> {
    fn from(v: Value<'a>) -> Init<'a> {
        Init::Value(v)
    }
}

impl<'a> From<&CData<'a>> for Init<'a> {
    fn from(d: &CData<'a>) -> Init<'a> {
        Init::Data(d.clone())
    }
}

impl<'a> From<Vec<Init<'a>>> for Init<'a> {
    fn from(v: Vec<Init<'a>>) -> Init<'a> {
        Init::List(v)
    }
}

macro_rules! init_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Init<'_> {
            fn from(x: $t) -> Self {
                Init::Value(Value::$v(x))
            }
        }
    )*};
}
init_from!(bool => Bool, i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32,
    i64 => I64, u64 => U64, f32 => F32, f64 => F64, Pointer => Ptr);

// -- Places --

/// Where a value lives inside a view.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place {
    pub(crate) addr: *mut u8,
    pub(crate) ty: TypeId,
    pub(crate) shape: Shape,
}

/// One object, a bit-field, or an array of objects of the place's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    One,
    /// Bit offset from `addr` (0..8) and width.
    Bits(u32, u32),
    Array(usize),
}

/// A bit-field's first bit counted from the byte that holds it (0..8), from its bit offset
/// and byte offset in the same object.
pub(crate) fn bit_shift(bit_offset: u64, byte_offset: u64) -> u32 {
    (bit_offset - byte_offset * 8) as u32
}

/// Reads a bit-field: `width` bits from bit `shift` of `addr`, sign-extended if `signed`.
///
/// # Safety
///
/// `(shift + width + 7) / 8` bytes at `addr` are readable.
pub(crate) unsafe fn read_bits(addr: *const u8, shift: u32, width: u32, signed: bool) -> u64 {
    let n = (shift + width).div_ceil(8) as usize;
    let mut buf = [0u8; 16];
    // SAFETY: the caller vouches for `n` (at most 9) readable bytes.
    unsafe { std::ptr::copy_nonoverlapping(addr, buf.as_mut_ptr(), n) };
    let v = (u128::from_le_bytes(buf) >> shift) as u64;
    let spare = 64 - width;
    if signed {
        (((v << spare) as i64) >> spare) as u64
    } else {
        (v << spare) >> spare
    }
}

/// Writes the low `width` bits of `v` at bit `shift` of `addr`, keeping the other bits.
///
/// # Safety
///
/// `(shift + width + 7) / 8` bytes at `addr` are readable and writable.
pub(crate) unsafe fn write_bits(addr: *mut u8, shift: u32, width: u32, v: u64) {
    let n = (shift + width).div_ceil(8) as usize;
    let mut buf = [0u8; 16];
    // SAFETY: the caller vouches for `n` (at most 9) readable and writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(addr, buf.as_mut_ptr(), n) };
    let old = u128::from_le_bytes(buf);
    let mask = ((1u128 << width) - 1) << shift;
    let new = (old & !mask) | ((u128::from(v) << shift) & mask);
    // SAFETY: as above.
    unsafe { std::ptr::copy_nonoverlapping(new.to_le_bytes().as_ptr(), addr, n) };
}

// -- CData --

/// A view of C memory: one object, or an array of objects, of a declared C type.
///
/// Made by [`Ffi::alloc`] / [`CDataType::alloc`] (owned, zeroed, freed with the last view),
/// [`Ffi::from_buffer`] (a Rust buffer, for `'a`), [`Ffi::view`] (memory C owns; unsafe) or
/// from another view ([`CData::at`], [`CData::index`], [`CData::offset`]). Cloning makes
/// another view of the same memory.
///
/// ```
/// use jitffi::cdata::Init;
///
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct point { double x, y; }; struct seg { struct point a, b; unsigned flags : 3; };")?;
/// let s = ffi.alloc("struct seg", Init::fields([("a.x", 1.5.into()), ("flags", 5.into())]))?;
/// assert_eq!(s.get("a.x")?.as_f64(), Some(1.5));
/// s.set("b", Init::list([3.0.into(), 4.0.into()]))?;
/// assert_eq!(s.get("b.y")?.as_f64(), Some(4.0));
/// assert_eq!(s.set("flags", 8).unwrap_err().to_string(),
///            "struct seg .flags: 8 does not fit in the 3-bit field 'unsigned int flags : 3' (0..=7)");
///
/// let pts = ffi.alloc_array("struct point", 4)?;
/// pts.set("[3].y", 2.0)?;
/// assert_eq!(pts.index(3)?.get("y")?.as_f64(), Some(2.0));
/// assert!(pts.get("[4].y").is_err()); // out of bounds
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CData<'a> {
    addr: *mut u8,
    info: Rc<TypeInfo>,
    /// `Some(n)`: an array of `n` objects of `info`'s type.
    count: Option<usize>,
    /// The bytes this view knows to be valid: `[start, end)`.
    start: *mut u8,
    end: *mut u8,
    owner: Owner,
    _life: PhantomData<&'a mut [u8]>,
}

impl Clone for CData<'_> {
    fn clone(&self) -> Self {
        CData {
            addr: self.addr,
            info: self.info.clone(),
            count: self.count,
            start: self.start,
            end: self.end,
            owner: self.owner.clone(),
            _life: PhantomData,
        }
    }
}

impl fmt::Debug for CData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CData('{}' at {:p})", self.type_name(), self.addr)
    }
}

/// A pre-resolved C type for making [`CData`] and accessors without parsing type names
/// again ([`Ffi::ctype`]).
#[derive(Clone)]
pub struct CDataType {
    pub(crate) info: Rc<TypeInfo>,
    /// For an array type: `Some(len)`, with `info` the element type.
    array: Option<Option<usize>>,
    /// The type as named.
    id: TypeId,
}

impl fmt::Debug for CDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CDataType('{self}')")
    }
}

impl fmt::Display for CDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elem = self.info.show(self.info.id);
        match self.array {
            None => f.write_str(&elem),
            Some(None) => write!(f, "{elem}[]"),
            Some(Some(n)) => write!(f, "{elem}[{n}]"),
        }
    }
}

impl CDataType {
    /// A new zeroed object (or array, for an array type of known length) filled from `init`.
    /// For `T[]`, the length comes from the initializer (`Init::List`, `Init::Values`, or a
    /// string for `char[]`, whose NUL is counted).
    ///
    /// # Errors
    ///
    /// Incomplete types, values that do not convert or fit (see [`CData::set`]).
    pub fn alloc<'i>(&self, init: impl Into<Init<'i>>) -> Result<CData<'static>, CDataError> {
        let init = init.into();
        let count = match self.array {
            None => None,
            Some(Some(n)) => Some(n),
            Some(None) => Some(match &init {
                Init::List(v) => v.len(),
                Init::Values(v) => v.len(),
                Init::Value(Value::Str(s)) => s.as_cstr().to_bytes_with_nul().len(),
                _ => {
                    return err(
                        CDataErrorKind::Unsupported,
                        format!(
                            "'{self}' needs a length: use alloc_array, or a list or string initializer"
                        ),
                    );
                }
            }),
        };
        let d = self.alloc_raw(count, 0)?;
        if !matches!(init, Init::Zero) {
            d.write(d.root(), &init, false)?;
        }
        Ok(d)
    }

    /// A new zeroed object; [`CDataType::alloc`] without an initializer.
    ///
    /// # Errors
    ///
    /// Incomplete types.
    pub fn alloc_zeroed(&self) -> Result<CData<'static>, CDataError> {
        self.alloc_raw(self.array.flatten(), 0)
    }

    /// A new zeroed array of `n` objects of this type (of its element type, for `T[]`).
    ///
    /// # Errors
    ///
    /// Incomplete types, sizes that overflow.
    pub fn alloc_array(&self, n: usize) -> Result<CData<'static>, CDataError> {
        if self.array.is_some_and(|len| len.is_some()) {
            // `T[k]` elements: the array type itself is the element.
            let whole = CDataType {
                info: TypeInfo::new(&self.info.ffi, self.id),
                array: None,
                id: self.id,
            };
            return whole.alloc_raw(Some(n), 0);
        }
        self.alloc_raw(Some(n), 0)
    }

    /// A new zeroed struct whose flexible array member has room for `n` elements; accesses
    /// to it are bounds-checked against `n`.
    ///
    /// # Errors
    ///
    /// A type that is not a struct ending in a flexible array member.
    pub fn alloc_flex(&self, n: usize) -> Result<CData<'static>, CDataError> {
        let info = &self.info;
        let flex = info
            .table
            .as_record(info.raw)
            .and_then(|r| r.body.as_ref())
            .and_then(|b| b.fields.last())
            .and_then(|f| match info.table.raw_type(f.ty) {
                CTypeDef::Array { elem, len: None } => Some((f.offset as usize, *elem)),
                _ => None,
            });
        let Some((off, elem)) = flex else {
            return err(
                CDataErrorKind::Unsupported,
                format!("'{self}' has no flexible array member"),
            );
        };
        let esize = info.size_of(elem)?;
        let extra = esize
            .checked_mul(n)
            .and_then(|b| b.checked_add(off))
            .map(|b| b.saturating_sub(info.size))
            .ok_or_else(|| {
                CDataError::new(CDataErrorKind::Unsupported, "flexible array too large")
            })?;
        self.alloc_raw(None, extra)
    }

    #[inline]
    fn alloc_raw(&self, count: Option<usize>, extra: usize) -> Result<CData<'static>, CDataError> {
        let info = &self.info;
        if !info.complete {
            return err(
                CDataErrorKind::Unsupported,
                format!("cannot allocate '{self}': incomplete type"),
            );
        }
        let size = info
            .size
            .checked_mul(count.unwrap_or(1))
            .and_then(|s| s.checked_add(extra))
            .ok_or_else(|| CDataError::new(CDataErrorKind::Unsupported, "array too large"))?;
        let Some((owner, addr)) = Owner::alloc(size, info.align, true) else {
            return err(
                CDataErrorKind::Unsupported,
                format!("cannot allocate {size} bytes aligned to {}", info.align),
            );
        };
        Ok(CData {
            addr,
            info: info.clone(),
            count,
            start: addr,
            // SAFETY: `addr` has `size` bytes.
            end: unsafe { addr.add(size) },
            owner,
            _life: PhantomData,
        })
    }

    /// `new` for the benchmarks and hot loops: [`CDataType::alloc`] with positional values,
    /// converted with the checks of calls, without building an [`Init`].
    ///
    /// # Errors
    ///
    /// As [`CDataType::alloc`].
    #[inline(always)]
    pub fn alloc_values(&self, values: &[Value<'_>]) -> Result<CData<'static>, CDataError> {
        // Inlined into the caller, with the view built once at the end from scalars (the
        // slow path's view is taken apart into them): a view merged through memory from two
        // paths costs store-forwarding stalls worth a third of the allocation.
        let info = &self.info;
        let flat = match (self.array, info.flat()) {
            (None, Some(flat))
                if info.complete
                    && values.len() <= flat.members.len()
                    && values
                        .iter()
                        .zip(&flat.members)
                        .all(|(v, m)| v.tag() == m.tag) =>
            {
                Some(flat)
            }
            _ => None,
        };
        // A full set of values for a struct without padding writes every byte.
        let zero = !flat.is_some_and(|f| f.dense && values.len() == f.members.len());
        let block = flat.and_then(|flat| Some((flat, Owner::alloc(info.size, info.align, zero)?)));
        let (addr, info, count, end, owner) = match block {
            Some((flat, (owner, addr))) => {
                for (v, m) in values.iter().zip(&flat.members) {
                    // SAFETY: the member's `size` bytes at `off` lie inside the new object,
                    // and the value has the member's canonical variant.
                    unsafe { value::write_word(addr.add(m.off), m.size, value::payload_word(v)) };
                }
                // SAFETY: `addr` has the object's size.
                (
                    addr,
                    info.clone(),
                    None,
                    unsafe { addr.add(info.size) },
                    owner,
                )
            }
            None => {
                let d = self.alloc_raw_values(values)?;
                let d = std::mem::ManuallyDrop::new(d);
                // SAFETY: `d` is never used or dropped again: its type and owner move out
                // once.
                unsafe {
                    let (info, owner) = (std::ptr::read(&d.info), std::ptr::read(&d.owner));
                    (d.addr, info, d.count, d.end, owner)
                }
            }
        };
        Ok(CData {
            addr,
            info,
            count,
            start: addr,
            end,
            owner,
            _life: PhantomData,
        })
    }

    /// `alloc_values` with every check and conversion: arrays, incomplete types, values that
    /// are not of their member's canonical variant, pointers, and the error messages.
    #[inline(never)]
    fn alloc_raw_values(&self, values: &[Value<'_>]) -> Result<CData<'static>, CDataError> {
        let d = self.alloc_raw(self.array.flatten(), 0)?;
        d.write(d.root(), &Init::Values(values), false)?;
        Ok(d)
    }

    /// The element count of a view of this type over `bytes` bytes: `None` for one object,
    /// the length of `T[n]`, or as many elements as fit for `T[]`.
    fn count_in(&self, bytes: usize) -> Option<usize> {
        match self.array {
            None => None,
            Some(Some(n)) => Some(n),
            Some(None) => Some(bytes / self.info.size.max(1)),
        }
    }

    /// The type, for [`Ffi`] queries.
    pub fn type_id(&self) -> TypeId {
        self.id
    }

    /// `sizeof` (of the element, for `T[]`).
    pub fn size(&self) -> usize {
        self.info.size * self.array.flatten().unwrap_or(1)
    }

    pub(crate) fn of(ffi: &Ffi, id: TypeId) -> CDataType {
        let table = ffi.types();
        if let CTypeDef::Array { elem, len } = table.raw_type(id) {
            let (elem, len) = (*elem, *len);
            return CDataType {
                info: TypeInfo::new(ffi, elem),
                array: Some(len.map(|n| n as usize)),
                id,
            };
        }
        CDataType {
            info: TypeInfo::new(ffi, id),
            array: None,
            id,
        }
    }
}

/// `char`, `signed char` or `unsigned char` (through typedefs and qualifiers).
fn is_char_type(t: &TypeTable, ty: TypeId) -> bool {
    matches!(
        t.raw_type(ty),
        CTypeDef::Prim(Prim::Char | Prim::SChar | Prim::UChar)
    )
}

impl<'a> CData<'a> {
    /// The C type of the view, in C syntax (`struct point`, `double[8]`).
    pub fn type_name(&self) -> String {
        let elem = self.info.show(self.info.id);
        match self.count {
            Some(n) => format!("{elem}[{n}]"),
            None => elem,
        }
    }

    /// The object's (or first element's) type.
    pub fn type_id(&self) -> TypeId {
        self.info.id
    }

    /// The address of the object (of the first element of an array).
    pub fn addr(&self) -> *mut c_void {
        self.addr.cast()
    }

    /// The number of elements of an array view; `None` for one object.
    pub fn len(&self) -> Option<usize> {
        self.count
    }

    /// True for an array view of no elements.
    pub fn is_empty(&self) -> bool {
        self.count == Some(0)
    }

    /// The size of the object or array in bytes.
    pub fn size(&self) -> usize {
        self.info.size * self.count.unwrap_or(1)
    }

    /// A pointer to the object (to the first element of an array) with its C type, for
    /// passing to a call: `T *` is accepted where `T *`, `const T *` or `void *` is expected.
    pub fn ptr(&self) -> Value<'a> {
        Value::Ptr(Pointer::typed(self.addr.cast(), self.info.ptr_ty))
    }

    /// The address of a member or element (`&s.a.b[2]`), as [`CData::ptr`] of [`CData::at`].
    ///
    /// # Errors
    ///
    /// As [`CData::at`].
    pub fn addressof(&self, path: &str) -> Result<Value<'a>, CDataError> {
        Ok(self.at(path)?.ptr())
    }

    fn root(&self) -> Place {
        Place {
            addr: self.addr,
            ty: self.info.id,
            shape: self.count.map_or(Shape::One, Shape::Array),
        }
    }

    fn whole(&self) -> String {
        self.type_name()
    }

    /// `struct seg .a.x`, `double[4] [2]`: a path for messages.
    fn at_path(&self, path: &str) -> String {
        match path.trim() {
            "" => self.whole(),
            p if p.starts_with(['.', '[']) => format!("{} {p}", self.whole()),
            p => format!("{} .{p}", self.whole()),
        }
    }

    /// Checks that `n` bytes at `addr` are inside the view's memory.
    fn check(&self, addr: *mut u8, n: usize, what: &dyn Fn() -> String) -> Result<(), CDataError> {
        let (a, s, e) = (addr as usize, self.start as usize, self.end as usize);
        if self.addr.is_null() {
            return err(CDataErrorKind::Null, format!("{}: NULL pointer", what()));
        }
        if a < s || a.checked_add(n).is_none_or(|x| x > e) {
            return err(
                CDataErrorKind::OutOfBounds,
                format!(
                    "{}: {n} bytes at offset {} are outside the {} bytes of this memory",
                    what(),
                    a as isize - s as isize,
                    e - s
                ),
            );
        }
        Ok(())
    }

    /// Resolves a member path (`"a.b[2].c"`, `"[3].x"` for arrays, `""` for the view itself).
    pub(crate) fn place(&self, path: &str) -> Result<Place, CDataError> {
        let path = path.trim();
        if path.is_empty() {
            return Ok(self.root());
        }
        let info = &self.info;
        let (base, ty, rest) = match self.count {
            Some(n) => {
                let Some(close) = path.strip_prefix('[').and_then(|p| p.find(']')) else {
                    return err(
                        CDataErrorKind::Path,
                        format!(
                            "'{}' is an array: a path starts with an index ('[0]'), not '{path}'",
                            self.whole()
                        ),
                    );
                };
                let i: usize = path[1..close + 1].trim().parse().map_err(|_| {
                    CDataError::new(CDataErrorKind::Path, format!("bad index in '{path}'"))
                })?;
                if i >= n {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!("index {i} is out of bounds for '{}'", self.whole()),
                    );
                }
                (
                    self.addr.wrapping_add(i * info.size),
                    info.id,
                    &path[close + 2..],
                )
            }
            None => (self.addr, info.id, path),
        };
        if rest.is_empty() {
            return Ok(self.normalize(base, ty));
        }
        let t = layout::resolve_path(&info.table, info.ffi.target(), ty, rest)?;
        Ok(self.member_place(base, &t))
    }

    /// The place a resolved member path leads to from `base`.
    fn member_place(&self, base: *mut u8, t: &PathTarget) -> Place {
        let addr = base.wrapping_add(t.offset as usize);
        match t.bitfield {
            Some((bit, width)) => Place {
                addr,
                ty: t.ty,
                shape: Shape::Bits(bit_shift(bit, t.offset), width),
            },
            None => self.normalize(addr, t.ty),
        }
    }

    /// A place of type `ty` at `addr`, with arrays as element type and count (a flexible
    /// array's count is what fits before the end of the view's memory).
    fn normalize(&self, addr: *mut u8, ty: TypeId) -> Place {
        let t = &self.info.table;
        if let CTypeDef::Array { elem, len } = t.raw_type(ty) {
            let esize = self.info.size_of(*elem).unwrap_or(0);
            let n = match len {
                Some(n) => *n as usize,
                None if esize == 0 => 0,
                None => (self.end as usize).saturating_sub(addr as usize) / esize,
            };
            return Place {
                addr,
                ty: *elem,
                shape: Shape::Array(n),
            };
        }
        Place {
            addr,
            ty,
            shape: Shape::One,
        }
    }

    fn place_size(&self, p: &Place) -> Result<usize, CDataError> {
        Ok(match p.shape {
            Shape::Bits(shift, width) => (shift + width).div_ceil(8) as usize,
            Shape::One => self.info.size_of(p.ty)?,
            Shape::Array(n) => self.info.size_of(p.ty)? * n,
        })
    }

    fn describe(&self, p: &Place) -> String {
        let off = p.addr as isize - self.addr as isize;
        let ty = self.info.show(p.ty);
        match p.shape {
            Shape::Array(n) => format!("{}: '{ty}[{n}]' at offset {off}", self.whole()),
            _ => format!("{}: '{ty}' at offset {off}", self.whole()),
        }
    }

    /// A view of a member or element (`"b"`, `"pts[2]"`, `"[5]"` of an array view), sharing
    /// this view's memory and keeping it alive.
    ///
    /// # Errors
    ///
    /// A path that does not resolve or leaves the memory; bit-fields (they have no address).
    pub fn at(&self, path: &str) -> Result<CData<'a>, CDataError> {
        let p = self.place(path)?;
        if let Shape::Bits(..) = p.shape {
            return err(
                CDataErrorKind::Type,
                format!(
                    "{} .{path}: cannot take the address of a bit-field",
                    self.whole()
                ),
            );
        }
        let n = self.place_size(&p)?;
        self.check(p.addr, n, &|| self.at_path(path))?;
        Ok(CData {
            addr: p.addr,
            info: self.info.child(p.ty),
            count: match p.shape {
                Shape::Array(n) => Some(n),
                _ => None,
            },
            start: self.start,
            end: self.end,
            owner: self.owner.clone(),
            _life: PhantomData,
        })
    }

    /// Element `i` of an array view.
    ///
    /// # Errors
    ///
    /// Not an array, or `i` out of bounds.
    pub fn index(&self, i: usize) -> Result<CData<'a>, CDataError> {
        if self.count.is_none() {
            return err(
                CDataErrorKind::Type,
                format!("'{}' is not an array", self.whole()),
            );
        }
        self.at(&format!("[{i}]"))
    }

    /// Pointer arithmetic: the object `n` objects after this one (`p + n`), as a view of one
    /// object.
    ///
    /// # Errors
    ///
    /// [`CDataErrorKind::OutOfBounds`] if the object is not inside the memory this view knows
    /// (an owned allocation, a buffer, or the extent given to [`Ffi::view`]).
    pub fn offset(&self, n: isize) -> Result<CData<'a>, CDataError> {
        let size = self.info.size as isize;
        let addr = (self.addr as isize).wrapping_add(n.wrapping_mul(size)) as *mut u8;
        self.check(addr, self.info.size, &|| {
            format!("'{} *' + {n}", self.info.show(self.info.id))
        })?;
        Ok(CData {
            addr,
            count: None,
            ..self.clone()
        })
    }

    /// The same memory seen as another type (`(T *)p`): a reinterpreting view, checked to fit
    /// inside the memory. `T[]` covers as many elements as fit.
    ///
    /// # Errors
    ///
    /// A bad type name, an incomplete type, a type that does not fit.
    pub fn cast(&self, ty: &str) -> Result<CData<'a>, CDataError> {
        let ct =
            self.info.ffi.ctype(ty).map_err(|e| {
                CDataError::new(CDataErrorKind::Type, format!("cast to '{ty}': {e}"))
            })?;
        let count = ct.count_in(self.end as usize - self.addr as usize);
        let d = CData {
            addr: self.addr,
            info: ct.info,
            count,
            ..self.clone()
        };
        d.check(d.addr, d.size(), &|| format!("cast to '{ty}'"))?;
        Ok(d)
    }

    /// Reads a member, element or the whole object (`""`) as a [`Value`]: integers, floats
    /// and pointers in their canonical variant, structs and unions as copies of their bytes,
    /// bit-fields sign-extended for signed types.
    ///
    /// # Errors
    ///
    /// A path that does not resolve, memory out of bounds, arrays (use [`CData::at`] and
    /// [`CData::unpack`]), types without a value (`void`, functions, incomplete types).
    pub fn get(&self, path: &str) -> Result<Value<'static>, CDataError> {
        let p = self.place(path)?;
        self.read(&p, path)
    }

    pub(crate) fn read(&self, p: &Place, path: &str) -> Result<Value<'static>, CDataError> {
        let what = || self.at_path(path);
        let n = self.place_size(p)?;
        self.check(p.addr, n, &what)?;
        let conv = self.info.conv(p.ty);
        match (p.shape, conv) {
            (Shape::Array(_), _) => err(
                CDataErrorKind::Type,
                format!("{}: an array has no value; use at() or unpack()", what()),
            ),
            (Shape::Bits(shift, width), Conv::Bool | Conv::Int { .. }) => {
                let signed = matches!(conv, Conv::Int { signed: true, .. });
                // SAFETY: the covering bytes are inside the view (checked above).
                let bits = unsafe { read_bits(p.addr, shift, width, signed) };
                Ok(value::value_from_c(conv, &bits.to_le_bytes()))
            }
            (_, Conv::Void | Conv::Unsupported) => err(
                CDataErrorKind::Unsupported,
                format!("{}: '{}' has no value", what(), self.info.show(p.ty)),
            ),
            (_, Conv::LongDouble) => {
                let mut b = [0u8; 16];
                // SAFETY: `n` (16) bytes are inside the view (checked above).
                unsafe { std::ptr::copy_nonoverlapping(p.addr, b.as_mut_ptr(), 10) };
                Ok(Value::F64(crate::x87::x87_to_f64(&b)))
            }
            (_, conv) => {
                // SAFETY: `n` bytes are inside the view (checked above), and no `&mut` to
                // them exists while `&self` does (`buffer` takes `&mut` of the only view).
                let bytes = unsafe { std::slice::from_raw_parts(p.addr, n) };
                Ok(value::value_from_c(conv, bytes))
            }
        }
    }

    /// Writes a member, element or the whole object (`""`): values are converted as call
    /// arguments are (integers range-checked, bit-fields against their width, pointers of
    /// compatible types), lists and member maps fill arrays and structs (the rest is zeroed),
    /// a `CData` is copied or, into a pointer, stored by address and kept alive.
    ///
    /// # Errors
    ///
    /// As [`CData::get`], plus values that do not convert or fit. Nothing changes then: an
    /// aggregate that fails halfway gets its bytes (and kept referents) back.
    pub fn set<'i>(&self, path: &str, init: impl Into<Init<'i>>) -> Result<(), CDataError> {
        let p = self.place(path)?;
        let init = init.into();
        // An aggregate is written member by member: keep what to restore if one fails.
        let saved = match init {
            Init::List(_) | Init::Values(_) | Init::Fields(_) => {
                let n = self.place_size(&p)?;
                self.check(p.addr, n, &|| self.at_path(path))?;
                // SAFETY: `n` bytes inside the view (checked).
                let bytes = unsafe { std::slice::from_raw_parts(p.addr, n) }.to_vec();
                Some((bytes, self.owner.kept(p.addr as usize, p.addr as usize + n)))
            }
            _ => None,
        };
        let r = self.write(p, &init, true);
        if let (Err(_), Some((bytes, kept))) = (&r, saved) {
            // SAFETY: the same bytes as read above.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.addr, bytes.len()) };
            let lo = p.addr as usize;
            self.owner.unkeep(lo, lo + bytes.len());
            for (at, o) in kept {
                self.owner.keep(at, o);
            }
        }
        r.map_err(|e| {
            if path.is_empty() || e.message.starts_with(&self.whole()) {
                e
            } else {
                CDataError::new(e.kind, format!("{}: {}", self.at_path(path), e.message))
            }
        })
    }

    fn write(&self, p: Place, init: &Init<'_>, zero: bool) -> Result<(), CDataError> {
        let n = self.place_size(&p)?;
        self.check(p.addr, n, &|| self.describe(&p))?;
        let t = &*self.info.table;
        let lo = p.addr as usize;
        let is_ptr = matches!(t.raw_type(p.ty), CTypeDef::Pointer(_)) && p.shape == Shape::One;
        if is_ptr || !matches!(p.shape, Shape::Bits(..)) {
            self.owner.unkeep(lo, lo + n);
        }
        match init {
            Init::Zero => {
                if let Shape::Bits(shift, width) = p.shape {
                    // SAFETY: the covering bytes are inside the view (checked above).
                    unsafe { write_bits(p.addr, shift, width, 0) };
                } else {
                    // SAFETY: as above.
                    unsafe { std::ptr::write_bytes(p.addr, 0, n) };
                }
                Ok(())
            }
            Init::Value(v) => self.write_value(&p, v, n),
            Init::Data(d) => self.write_data(&p, d, n),
            Init::Values(vs) => {
                let items: Vec<Init<'_>> = vs.iter().cloned().map(Init::Value).collect();
                self.write_list(&p, &items, n, zero)
            }
            Init::List(items) => self.write_list(&p, items, n, zero),
            Init::Fields(items) => {
                if p.shape != Shape::One || t.as_record(p.ty).is_none() {
                    return err(
                        CDataErrorKind::Type,
                        format!("a member map cannot initialize '{}'", self.info.show(p.ty)),
                    );
                }
                if zero {
                    // SAFETY: inside the view (checked above).
                    unsafe { std::ptr::write_bytes(p.addr, 0, n) };
                }
                for (name, init) in items {
                    let t2 = layout::resolve_path(t, self.info.ffi.target(), p.ty, name).map_err(
                        |e| {
                            CDataError::new(
                                CDataErrorKind::Path,
                                format!("{}: {e}", self.info.show(p.ty)),
                            )
                        },
                    )?;
                    let q = self.member_place(p.addr, &t2);
                    self.write(q, init, false).map_err(|e| {
                        CDataError::new(
                            e.kind,
                            format!("{} .{name}: {}", self.info.show(p.ty), e.message),
                        )
                    })?;
                }
                Ok(())
            }
        }
    }

    fn write_list(
        &self,
        p: &Place,
        items: &[Init<'_>],
        n: usize,
        zero: bool,
    ) -> Result<(), CDataError> {
        let t = &*self.info.table;
        // The places the items go to, in order.
        let slots: Vec<Place> = match p.shape {
            Shape::Array(count) => {
                if items.len() > count {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "{} initializers for '{}[{count}]'",
                            items.len(),
                            self.info.show(p.ty)
                        ),
                    );
                }
                let esize = self.info.size_of(p.ty)?;
                (0..items.len())
                    .map(|i| self.normalize(p.addr.wrapping_add(i * esize), p.ty))
                    .collect()
            }
            Shape::One if t.as_record(p.ty).is_some() => {
                let body = t
                    .as_record(p.ty)
                    .and_then(|r| r.body.as_ref())
                    .ok_or_else(|| {
                        CDataError::new(CDataErrorKind::Unsupported, "incomplete type")
                    })?;
                let is_union = t
                    .as_record(p.ty)
                    .is_some_and(|r| r.kind == crate::ctype::RecordKind::Union);
                let fields: Vec<&crate::ctype::Field> = body
                    .fields
                    .iter()
                    .filter(|f| f.name.is_some() || !f.is_bitfield())
                    .take(if is_union { 1 } else { usize::MAX })
                    .collect();
                if items.len() > fields.len() {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "{} initializers for '{}', which has {} members",
                            items.len(),
                            self.info.show(p.ty),
                            fields.len()
                        ),
                    );
                }
                fields
                    .iter()
                    .take(items.len())
                    .map(|f| {
                        let addr = p.addr.wrapping_add(f.offset as usize);
                        match f.bit_width {
                            Some(w) => Place {
                                addr,
                                ty: f.ty,
                                shape: Shape::Bits(bit_shift(f.bit_offset, f.offset), w),
                            },
                            None => self.normalize(addr, f.ty),
                        }
                    })
                    .collect()
            }
            _ => {
                // A scalar: a one-element list is its value (`int x = {1};`).
                if let [one] = items {
                    return self.write(*p, one, zero);
                }
                return err(
                    CDataErrorKind::Type,
                    format!("a list cannot initialize '{}'", self.info.show(p.ty)),
                );
            }
        };
        if zero {
            // SAFETY: inside the view (checked by the caller).
            unsafe { std::ptr::write_bytes(p.addr, 0, n) };
        }
        for (i, (slot, item)) in slots.into_iter().zip(items).enumerate() {
            self.write(slot, item, false).map_err(|e| {
                let at = match p.shape {
                    Shape::Array(_) => format!("[{i}]"),
                    _ => format!("member {}", i + 1),
                };
                CDataError::new(e.kind, format!("{at}: {}", e.message))
            })?;
        }
        Ok(())
    }

    fn write_value(&self, p: &Place, v: &Value<'_>, n: usize) -> Result<(), CDataError> {
        let t = &*self.info.table;
        let ty_name = || self.info.show(p.ty);
        if let Shape::Array(count) = p.shape {
            // `char buf[N] = "…"`: the string and its NUL, if they fit.
            let is_char = is_char_type(t, p.ty);
            if let (true, Value::Str(s)) = (is_char, v) {
                let bytes = s.as_cstr().to_bytes_with_nul();
                let len = if bytes.len() == count + 1 {
                    count // C allows dropping the NUL exactly when it does not fit.
                } else {
                    bytes.len()
                };
                if len > count {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "a string of {} bytes does not fit in '{}[{count}]'",
                            bytes.len(),
                            ty_name()
                        ),
                    );
                }
                // SAFETY: `count` bytes are inside the view (checked by the caller).
                unsafe {
                    std::ptr::write_bytes(p.addr, 0, n);
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.addr, len);
                }
                return Ok(());
            }
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot assign {} to the array '{}[{count}]'",
                    v.kind(),
                    ty_name()
                ),
            );
        }
        let conv = self.info.conv(p.ty);
        if let (Conv::Ptr { .. }, Value::Str(_)) = (conv, v) {
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot store a Rust string in '{}': it would dangle; allocate it with \
                     ffi.alloc(\"char[]\", …) and store that CData (it is kept alive)",
                    ty_name()
                ),
            );
        }
        let c = value::c_from_value(t, conv, v).map_err(|e| self.conv_error(p.ty, v, e))?;
        if let Shape::Bits(shift, width) = p.shape {
            let signed = matches!(conv, Conv::Int { signed: true, .. });
            let x = c.as_i128().unwrap_or(0);
            let (lo, hi) = value::int_range(width, signed);
            if x < lo || x > hi {
                return err(
                    CDataErrorKind::Range,
                    format!(
                        "{x} does not fit in the {width}-bit field '{}' ({lo}..={hi})",
                        self.bitfield_decl(p)
                    ),
                );
            }
            // SAFETY: the covering bytes are inside the view (checked by the caller).
            unsafe { write_bits(p.addr, shift, width, x as u64) };
            return Ok(());
        }
        match (&c, conv) {
            (Value::Struct(s), _) => {
                let b = s.bytes();
                // SAFETY: the struct value has the type's size (checked by the conversion),
                // which is inside the view (checked by the caller).
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p.addr, b.len().min(n)) };
            }
            (other, Conv::LongDouble) => {
                let b = crate::x87::f64_to_x87(other.as_f64().unwrap_or(0.0));
                // SAFETY: `long double` has 16 bytes, inside the view.
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p.addr, n.min(16)) };
            }
            (other, conv) => {
                // SAFETY: a canonical scalar `Value` has `conv.size()` bytes of C
                // representation, which are inside the view (checked by the caller).
                unsafe { value::write_word(p.addr, conv.size(), value::payload_word(other)) };
            }
        }
        Ok(())
    }

    fn bitfield_decl(&self, p: &Place) -> String {
        let t = &*self.info.table;
        // Find the member's name for the message (the place keeps only its position).
        let name = self
            .find_member_name(p)
            .unwrap_or_else(|| "<bit-field>".into());
        let w = match p.shape {
            Shape::Bits(_, w) => w,
            _ => 0,
        };
        format!("{} : {w}", t.declare(p.ty, &name))
    }

    fn find_member_name(&self, p: &Place) -> Option<String> {
        fn walk(t: &TypeTable, ty: TypeId, base: usize, want: usize, shift: u32) -> Option<String> {
            let body = t.as_record(ty)?.body.as_ref()?;
            for f in &body.fields {
                let at = base + f.offset as usize;
                if f.is_bitfield()
                    && at == want
                    && bit_shift(f.bit_offset, f.offset) == shift
                    && let Some(n) = &f.name
                {
                    return Some(n.clone());
                }
                if !f.is_bitfield()
                    && let Some(n) = walk(t, f.ty, at, want, shift)
                {
                    return Some(n);
                }
            }
            None
        }
        let Shape::Bits(shift, _) = p.shape else {
            return None;
        };
        let t = &*self.info.table;
        let off = p.addr as usize - self.addr as usize;
        let (base, off) = match self.count {
            Some(_) if self.info.size > 0 => (0, off % self.info.size),
            _ => (0, off),
        };
        walk(t, self.info.id, base, off, shift)
    }

    fn conv_error(&self, ty: TypeId, v: &Value<'_>, e: ConvError) -> CDataError {
        let c = self.info.show(ty);
        let t = &*self.info.table;
        match e {
            ConvError::Range(n) => CDataError::new(
                CDataErrorKind::Range,
                format!("integer {n} does not fit in '{c}'"),
            ),
            ConvError::PointerType(from) => CDataError::new(
                CDataErrorKind::Type,
                format!(
                    "cannot convert a pointer of type '{}' to '{c}'",
                    value::pointer_type_name(t, from)
                ),
            ),
            ConvError::StructType(from) => CDataError::new(
                CDataErrorKind::Type,
                format!("cannot convert '{}' to '{c}'", t.display(from)),
            ),
            ConvError::StructSize(n) => CDataError::new(
                CDataErrorKind::Type,
                format!("a struct value of {n} bytes for '{c}'"),
            ),
            ConvError::Type => CDataError::new(
                CDataErrorKind::Type,
                format!("cannot convert {} to '{c}'", v.kind()),
            ),
        }
    }

    fn write_data(&self, p: &Place, d: &CData<'_>, n: usize) -> Result<(), CDataError> {
        let t = &*self.info.table;
        if p.shape == Shape::One
            && let Some(to) = t.pointee(p.ty)
        {
            let _ = to;
            let ptr_ty = t.raw(p.ty);
            let from = d.info.ptr_ty;
            if !value::pointer_compatible(t, from, ptr_ty) {
                return Err(self.conv_error(p.ty, &d.ptr(), ConvError::PointerType(from)));
            }
            let addr = d.addr as usize as u64;
            // SAFETY: a pointer member has 8 bytes, inside the view (checked by the caller).
            unsafe { std::ptr::copy_nonoverlapping(addr.to_le_bytes().as_ptr(), p.addr, 8) };
            if !d.owner.same(&self.owner) {
                self.owner.keep(p.addr as usize, d.owner.clone());
            }
            return Ok(());
        }
        // A copy of an object of the same type.
        let same = t.raw(p.ty) == d.info.raw
            && match p.shape {
                Shape::Array(k) => d.count == Some(k),
                Shape::One => d.count.is_none(),
                Shape::Bits(..) => false,
            };
        if !same {
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot assign '{}' to '{}'",
                    d.type_name(),
                    match p.shape {
                        Shape::Array(k) => format!("{}[{k}]", self.info.show(p.ty)),
                        _ => self.info.show(p.ty),
                    }
                ),
            );
        }
        d.check(d.addr, n, &|| d.type_name())?;
        // SAFETY: both ranges are inside their views (checked); they may overlap.
        unsafe { std::ptr::copy(d.addr, p.addr, n) };
        Ok(())
    }

    /// The elements of an array view (of an array member, with a path) as values.
    ///
    /// # Errors
    ///
    /// Not an array; elements without a value.
    pub fn unpack(&self, path: &str) -> Result<Vec<Value<'static>>, CDataError> {
        let p = self.place(path)?;
        let Shape::Array(count) = p.shape else {
            return err(
                CDataErrorKind::Type,
                format!("{}: not an array", self.at_path(path)),
            );
        };
        let esize = self.info.size_of(p.ty)?;
        (0..count)
            .map(|i| {
                let q = self.normalize(p.addr.wrapping_add(i * esize), p.ty);
                self.read(&q, path)
            })
            .collect()
    }

    /// The bytes of a `char` array (member, with a path) up to its first NUL, or all of
    /// them if it has none.
    ///
    /// # Errors
    ///
    /// Not an array of a character type.
    pub fn string(&self, path: &str) -> Result<Vec<u8>, CDataError> {
        let p = self.place(path)?;
        let t = &*self.info.table;
        let is_char = is_char_type(t, p.ty);
        let count = match p.shape {
            Shape::Array(n) if is_char => n,
            _ => {
                return err(
                    CDataErrorKind::Type,
                    format!(
                        "{}: '{}' is not an array of characters",
                        self.at_path(path),
                        self.info.show(p.ty)
                    ),
                );
            }
        };
        self.check(p.addr, count, &|| self.whole())?;
        // SAFETY: `count` bytes inside the view (checked).
        let b = unsafe { std::slice::from_raw_parts(p.addr, count) };
        Ok(b.iter().take_while(|&&c| c != 0).copied().collect())
    }

    /// A copy of the view's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        if self.check(self.addr, self.size(), &String::new).is_err() {
            return Vec::new();
        }
        // SAFETY: the view's bytes are inside its memory (checked).
        unsafe { std::slice::from_raw_parts(self.addr, self.size()) }.to_vec()
    }

    /// The view's bytes for reading and writing in place, when this is the only view of the
    /// memory (so nothing else can read or write them while the slice lives).
    ///
    /// # Errors
    ///
    /// [`CDataErrorKind::Shared`] while other views (clones, members, keep-alive holders)
    /// of the memory exist.
    pub fn buffer(&mut self) -> Result<&mut [u8], CDataError> {
        if self.owner.count() != 1 {
            return err(
                CDataErrorKind::Shared,
                format!(
                    "{}: {} other views of this memory exist; use to_bytes or write_bytes",
                    self.whole(),
                    self.owner.count() - 1
                ),
            );
        }
        let n = self.size();
        self.check(self.addr, n, &|| self.whole())?;
        // SAFETY: the bytes are inside the memory (checked), and this is its only view,
        // borrowed mutably for the slice's lifetime.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.addr, n) })
    }

    /// The view's bytes, without the uniqueness check of [`CData::buffer`].
    ///
    /// # Safety
    ///
    /// Nothing (another view, C code, another thread) writes the bytes while the slice lives,
    /// and nothing reads or writes them if the slice is written.
    #[allow(
        clippy::mut_from_ref,
        reason = "the caller vouches for exclusive access"
    )]
    pub unsafe fn buffer_unchecked(&self) -> &mut [u8] {
        let n = if self.check(self.addr, self.size(), &String::new).is_ok() {
            self.size()
        } else {
            0
        };
        // SAFETY: the bytes are inside the memory (checked); exclusivity is vouched for.
        unsafe { std::slice::from_raw_parts_mut(self.addr, n) }
    }

    /// Copies `bytes` to `offset` bytes into the view (`memcpy` into the object).
    ///
    /// # Errors
    ///
    /// The range leaves the view's memory.
    pub fn write_bytes(&self, offset: usize, bytes: &[u8]) -> Result<(), CDataError> {
        let at = self.addr.wrapping_add(offset);
        self.check(at, bytes.len(), &|| self.whole())?;
        self.owner.unkeep(at as usize, at as usize + bytes.len());
        // SAFETY: inside the memory (checked); `bytes` is a Rust slice, which cannot overlap
        // memory only reachable through views.
        unsafe { std::ptr::copy(bytes.as_ptr(), at, bytes.len()) };
        Ok(())
    }

    /// `memmove(this, src, n)`: copies `n` bytes from `src`'s address to this view's
    /// address; the ranges may overlap.
    ///
    /// # Errors
    ///
    /// Either range leaves its view's memory.
    pub fn copy_from(&self, src: &CData<'_>, n: usize) -> Result<(), CDataError> {
        self.check(self.addr, n, &|| format!("memmove into {}", self.whole()))?;
        src.check(src.addr, n, &|| format!("memmove from {}", src.whole()))?;
        // SAFETY: both ranges are inside their memory (checked); `copy` allows overlap.
        unsafe { std::ptr::copy(src.addr, self.addr, n) };
        Ok(())
    }

    /// Attaches a destructor to the memory: `f` runs once, when the last view of it is
    /// dropped (CFFI's `ffi.gc`), e.g. `glp_delete_prob` for a problem object C allocated.
    /// Replaces a destructor attached before.
    pub fn gc(self, f: impl FnOnce() + 'static) -> CData<'a> {
        self.owner.set_gc(Box::new(f));
        self
    }

    /// Follows a pointer member (or this pointer object, with `""`) to a view of `count`
    /// objects (`None`: one) of the pointee type.
    ///
    /// # Errors
    ///
    /// Not a pointer; NULL; a pointee without a size.
    ///
    /// # Safety
    ///
    /// The pointer points to `count` valid objects of its pointee type that stay valid, and
    /// are not accessed by anything else in conflicting ways, while the view is used.
    pub unsafe fn deref(&self, path: &str, count: Option<usize>) -> Result<CData<'a>, CDataError> {
        let p = self.place(path)?;
        let v = self.read(&p, path)?;
        let Value::Ptr(ptr) = v else {
            return err(
                CDataErrorKind::Type,
                format!(
                    "{}: '{}' is not a pointer",
                    self.at_path(path),
                    self.info.show(p.ty)
                ),
            );
        };
        let Some(to) = self.info.table.pointee(p.ty) else {
            return err(CDataErrorKind::Type, "not a pointer");
        };
        // SAFETY: vouched for by the caller.
        let d = unsafe { view_at(&self.info.ffi, ptr.addr().cast(), to, count, None)? };
        Ok(CData {
            owner: self.owner.clone(),
            ..d
        })
    }

    /// The `Value` of the whole object (a struct by value, for calls).
    ///
    /// # Errors
    ///
    /// As [`CData::get`].
    pub fn value(&self) -> Result<Value<'static>, CDataError> {
        self.get("")
    }

    pub(crate) fn info(&self) -> &Rc<TypeInfo> {
        &self.info
    }

    /// The bounds check of the accessors: element `i` of this array view (or the object,
    /// `i == 0`, of a one-object view) and its address.
    #[inline]
    pub(crate) fn elem_addr(&self, i: usize) -> Option<*mut u8> {
        let n = self.count.unwrap_or(1);
        (i < n).then(|| self.addr.wrapping_add(i * self.info.size))
    }

    pub(crate) fn write_at(&self, p: Place, init: &Init<'_>) -> Result<(), CDataError> {
        self.write(p, init, true)
    }

    /// Forgets what the pointer member at `at` kept alive (it is about to be overwritten).
    #[inline]
    pub(crate) fn forget_referent(&self, at: *mut u8) {
        self.owner.unkeep(at as usize, at as usize + 1);
    }

    pub(crate) fn raw_parts(&self) -> (*mut u8, usize) {
        (self.addr, self.count.unwrap_or(1))
    }
}

impl<'a> From<&CData<'a>> for Value<'a> {
    /// A pointer to the object ([`CData::ptr`]).
    fn from(d: &CData<'a>) -> Value<'a> {
        d.ptr()
    }
}

/// A view of memory jitffi does not own.
///
/// # Safety
///
/// `count` (or one) objects of type `ty` are valid at `addr` while the view is used.
unsafe fn view_at(
    ffi: &Ffi,
    addr: *mut u8,
    ty: TypeId,
    count: Option<usize>,
    hold: Option<Box<dyn Any>>,
) -> Result<CData<'static>, CDataError> {
    let ct = CDataType::of(ffi, ty);
    let count = match (ct.array, count) {
        (Some(Some(n)), None) => Some(n),
        (Some(Some(n)), Some(k)) => Some(n * k),
        (_, c) => c,
    };
    if addr.is_null() {
        return err(
            CDataErrorKind::Null,
            format!("cannot view NULL as '{}'", ffi.types().display(ty)),
        );
    }
    let size = ct
        .info
        .size
        .checked_mul(count.unwrap_or(1))
        .filter(|&s| s <= isize::MAX as usize && count.unwrap_or(1) <= isize::MAX as usize)
        .ok_or_else(|| CDataError::new(CDataErrorKind::Unsupported, "view too large"))?;
    Ok(CData {
        addr,
        info: ct.info,
        count,
        start: addr,
        end: addr.wrapping_add(size),
        owner: Owner::foreign(hold),
        _life: PhantomData,
    })
}

// -- Ffi entry points --

fn ptr_type(p: &Value<'_>) -> Option<TypeId> {
    match p {
        Value::Ptr(x) => Pointer::type_id(*x),
        _ => None,
    }
}

fn type_error(ty: &str, e: impl fmt::Display) -> CDataError {
    CDataError::new(CDataErrorKind::Type, format!("'{ty}': {e}"))
}

impl Ffi {
    /// A pre-resolved type for [`CDataType::alloc`], [`CDataType::member`], [`CDataType::accessor`] and
    /// [`CDataType::compiled`].
    ///
    /// # Errors
    ///
    /// A type name that does not parse or is not declared.
    pub fn ctype(&self, ty: &str) -> Result<CDataType, CDataError> {
        let t = self.type_of(ty).map_err(|e| type_error(ty, e))?;
        Ok(CDataType::of(self, t.id()))
    }

    /// A new zeroed object of type `ty` filled from `init` (CFFI's `ffi.new`): `"struct
    /// point"`, `"int[4]"`, `"char[]"` with a string. Freed when the last view is dropped.
    ///
    /// # Errors
    ///
    /// As [`Ffi::ctype`] and [`CDataType::alloc`].
    pub fn alloc<'i>(
        &self,
        ty: &str,
        init: impl Into<Init<'i>>,
    ) -> Result<CData<'static>, CDataError> {
        self.ctype(ty)?.alloc(init)
    }

    /// A new zeroed array of `n` objects: `alloc_array("double", n)` or
    /// `alloc_array("double[]", n)`.
    ///
    /// # Errors
    ///
    /// As [`Ffi::ctype`] and [`CDataType::alloc_array`].
    pub fn alloc_array(&self, ty: &str, n: usize) -> Result<CData<'static>, CDataError> {
        self.ctype(ty)?.alloc_array(n)
    }

    /// A struct or scalar value (the result of a call) copied into new owned memory.
    ///
    /// # Errors
    ///
    /// Values without a C type of their own (`Value::Str`, `Value::Void`).
    pub fn from_value(&self, v: &Value<'_>) -> Result<CData<'static>, CDataError> {
        let t = self.types();
        let id = match v {
            Value::Struct(s) => s.type_id(),
            Value::Ptr(p) => Pointer::type_id(*p).unwrap_or_else(|| {
                let void = t.void();
                t.find_pointer(void).unwrap_or(void)
            }),
            Value::Bool(_) => t.prim(Prim::Bool),
            Value::I8(_) => t.prim(Prim::SChar),
            Value::U8(_) => t.prim(Prim::UChar),
            Value::I16(_) => t.prim(Prim::Short),
            Value::U16(_) => t.prim(Prim::UShort),
            Value::I32(_) => t.prim(Prim::Int),
            Value::U32(_) => t.prim(Prim::UInt),
            Value::I64(_) => t.prim(Prim::LongLong),
            Value::U64(_) => t.prim(Prim::ULongLong),
            Value::F32(_) => t.prim(Prim::Float),
            Value::F64(_) => t.prim(Prim::Double),
            other => {
                return err(
                    CDataErrorKind::Type,
                    format!("a {} has no C object type", other.kind()),
                );
            }
        };
        CDataType::of(self, id).alloc(Init::Value(v.clone()))
    }

    /// A view of a Rust buffer as `ty` (`"double[]"` covers as many elements as fit; `T`
    /// one object). The buffer is borrowed for the view's lifetime.
    ///
    /// # Errors
    ///
    /// A buffer too small or not aligned for the type.
    pub fn from_buffer<'b>(&self, ty: &str, buf: &'b mut [u8]) -> Result<CData<'b>, CDataError> {
        let ct = self.ctype(ty)?;
        let (size, align) = (ct.info.size, ct.info.align);
        let addr = buf.as_mut_ptr();
        if !(addr as usize).is_multiple_of(align) {
            return err(
                CDataErrorKind::Type,
                format!("the buffer at {addr:p} is not aligned to {align} bytes for '{ty}'"),
            );
        }
        let count = ct.count_in(buf.len());
        let need = size * count.unwrap_or(1);
        if need > buf.len() || !ct.info.complete {
            return err(
                CDataErrorKind::OutOfBounds,
                format!("'{ty}' needs {need} bytes; the buffer has {}", buf.len()),
            );
        }
        Ok(CData {
            addr,
            info: ct.info,
            count,
            start: addr,
            end: addr.wrapping_add(buf.len()),
            owner: Owner::foreign(None),
            _life: PhantomData,
        })
    }

    /// A view of memory owned by C: `count` objects (`None`: one) of type `ty` at `addr`.
    ///
    /// # Errors
    ///
    /// NULL, a bad type name.
    ///
    /// # Safety
    ///
    /// The memory holds `count` (or one) valid objects of `ty` while the view and views made
    /// from it are used, and nothing accesses it in conflicting ways meanwhile.
    pub unsafe fn view(
        &self,
        addr: *mut c_void,
        ty: &str,
        count: Option<usize>,
    ) -> Result<CData<'static>, CDataError> {
        let t = self.type_of(ty).map_err(|e| type_error(ty, e))?;
        // SAFETY: vouched for by the caller.
        unsafe { view_at(self, addr.cast(), t.id(), count, None) }
    }

    /// A view of what a typed pointer (a call result) points to: `count` objects (`None`:
    /// one) of its pointee type.
    ///
    /// # Errors
    ///
    /// Not a pointer, an untyped pointer, NULL.
    ///
    /// # Safety
    ///
    /// As [`Ffi::view`].
    pub unsafe fn view_ptr(
        &self,
        p: &Value<'_>,
        count: Option<usize>,
    ) -> Result<CData<'static>, CDataError> {
        let Value::Ptr(ptr) = p else {
            return err(
                CDataErrorKind::Type,
                format!("a {} is not a pointer", p.kind()),
            );
        };
        let t = self.types();
        let tag = ptr.tag();
        let to = if tag != value::UNTYPED && tag & value::POINTEE != 0 {
            Some(TypeId(tag & !value::POINTEE)).filter(|id| id.index() < t.len())
        } else {
            Pointer::type_id(*ptr)
                .filter(|id| id.index() < t.len())
                .and_then(|id| t.pointee(id))
        };
        let Some(to) = to else {
            return err(
                CDataErrorKind::Type,
                "the pointer carries no type: use Ffi::view with a type name",
            );
        };
        // SAFETY: vouched for by the caller.
        unsafe { view_at(self, ptr.addr().cast(), to, count, None) }
    }

    /// A view of a global variable declared in a cdef (`extern struct config cfg;`). The
    /// view keeps the library loaded.
    ///
    /// # Errors
    ///
    /// As [`Ffi::global`].
    ///
    /// # Safety
    ///
    /// The declaration matches the definition, and nothing else (C code, other threads)
    /// accesses the variable in conflicting ways while the view is used.
    pub unsafe fn global_data(
        &self,
        library: &crate::Library,
        name: &str,
    ) -> Result<CData<'static>, crate::Error> {
        let g = self.global(library, name)?;
        let ty = g.type_id();
        // SAFETY: vouched for by the caller.
        Ok(unsafe {
            view_at(
                self,
                g.address().cast(),
                ty,
                None,
                Some(Box::new(library.clone())),
            )
        }?)
    }

    /// C's cast of a value to `ty`: integers wrap to the width of an integer type, pointers
    /// and integers convert to each other, pointers change type, floats convert (and to
    /// integers truncate, refused when out of range).
    ///
    /// # Errors
    ///
    /// Bad type names; conversions C does not have (a struct to an integer, a float to a
    /// pointer, …).
    pub fn cast(&self, ty: &str, v: &Value<'_>) -> Result<Value<'static>, CDataError> {
        let t = self.type_of(ty).map_err(|e| type_error(ty, e))?;
        let table = t.table();
        let conv = Conv::of(
            table,
            |i| {
                layout::layout_of(table, self.target(), i)
                    .ok()
                    .map(|l| l.size)
            },
            t.id(),
            self.target().char_signed,
        );
        let bits: Option<i128> = match v {
            Value::Ptr(p) => Some(p.addr() as usize as i128),
            Value::Str(s) => Some(s.as_ptr() as usize as i128),
            other => other.as_i128(),
        };
        let bad = || {
            CDataError::new(
                CDataErrorKind::Type,
                format!("cannot cast {} to '{ty}'", v.kind()),
            )
        };
        let out = match conv {
            Conv::Bool => Value::Bool(match (bits, v.as_f64()) {
                (Some(b), _) => b != 0,
                (None, Some(f)) => f != 0.0,
                _ => return Err(bad()),
            }),
            Conv::Int { bytes, signed } => {
                let x = match (bits, v) {
                    (Some(b), _) => b,
                    (None, Value::F32(_) | Value::F64(_)) => {
                        let f = v.as_f64().unwrap_or(0.0).trunc();
                        let x = f as i128;
                        let (lo, hi) = value::int_range(u32::from(bytes) * 8, signed);
                        if !f.is_finite() || x < lo || x > hi {
                            return err(
                                CDataErrorKind::Range,
                                format!("{f} does not fit in '{ty}'"),
                            );
                        }
                        x
                    }
                    _ => return Err(bad()),
                };
                // Integers wrap to the width, as C's casts do.
                value::int_value(bytes, signed, x)
            }
            Conv::F32 => Value::F32(v.as_f64().ok_or_else(bad)? as f32),
            Conv::F64 | Conv::LongDouble => Value::F64(v.as_f64().ok_or_else(bad)?),
            Conv::Ptr { ty: pty, .. } => {
                let b = bits.ok_or_else(bad)?;
                Value::Ptr(Pointer::typed(b as usize as *mut c_void, pty))
            }
            Conv::Struct { .. } => match v {
                Value::Struct(s) if table.raw(s.type_id()) == table.raw(t.id()) => {
                    Value::Struct(StructValue::owned_copy(s.type_id(), s.bytes()))
                }
                _ => return Err(bad()),
            },
            Conv::Void | Conv::Unsupported => return Err(bad()),
        };
        Ok(out)
    }

    /// Pointer arithmetic on a typed pointer value: `p + n` in units of its pointee.
    ///
    /// # Errors
    ///
    /// Not a typed pointer, or a pointee without a size.
    pub fn ptr_add(&self, p: &Value<'_>, n: isize) -> Result<Value<'static>, CDataError> {
        let t = self.types();
        let (Value::Ptr(ptr), Some(pty)) = (p, p.as_ptr().and(ptr_type(p))) else {
            return err(
                CDataErrorKind::Type,
                format!(
                    "pointer arithmetic needs a typed pointer, not a {}",
                    p.kind()
                ),
            );
        };
        let size = t
            .pointee(pty)
            .and_then(|to| layout::layout_of(&t, self.target(), to).ok())
            .map(|l| l.size as isize)
            .ok_or_else(|| {
                CDataError::new(
                    CDataErrorKind::Unsupported,
                    format!("arithmetic on '{}': pointee has no size", t.display(pty)),
                )
            })?;
        let addr = (ptr.addr() as isize).wrapping_add(n.wrapping_mul(size));
        Ok(Value::Ptr(Pointer::typed(addr as *mut c_void, pty)))
    }

    /// The bytes of a C string: up to its NUL (`len: None`), or exactly `len` bytes.
    ///
    /// # Errors
    ///
    /// Not a pointer; NULL.
    ///
    /// # Safety
    ///
    /// The pointer points to a NUL-terminated string (or to `len` readable bytes).
    pub unsafe fn string(&self, p: &Value<'_>, len: Option<usize>) -> Result<Vec<u8>, CDataError> {
        let addr = match p {
            Value::Ptr(x) => x.addr().cast::<u8>(),
            Value::Str(s) => s.as_ptr().cast::<u8>().cast_mut(),
            other => {
                return err(
                    CDataErrorKind::Type,
                    format!("a {} is not a string pointer", other.kind()),
                );
            }
        };
        if addr.is_null() {
            return err(CDataErrorKind::Null, "string(): NULL pointer");
        }
        Ok(match len {
            // SAFETY: the caller vouches for `n` readable bytes.
            Some(n) => unsafe { std::slice::from_raw_parts(addr, n) }.to_vec(),
            // SAFETY: the caller vouches for a NUL-terminated string.
            None => unsafe { std::ffi::CStr::from_ptr(addr.cast()) }
                .to_bytes()
                .to_vec(),
        })
    }
}
