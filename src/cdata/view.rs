//! [`CData`] itself: a typed, bounds-checked view of C memory, and its reads and writes by
//! path.

use std::ffi::c_void;
use std::marker::PhantomData;

use super::{
    CDataError, CDataErrorKind, Init, Owner, Place, PlaceShape, Trust, TypeInfo, err, is_char_type,
    read_bits, view_at,
};
use crate::ctype::TypeId;
use crate::value::{self, Conv, Pointer, Value};

/// A view of C memory: one object, or an array of objects, of a declared C type.
///
/// Made by [`Ffi::alloc`](crate::Ffi::alloc) / [`Type::alloc`](crate::Type::alloc) (owned, zeroed, freed
/// with the last view), [`Ffi::from_buffer`](crate::Ffi::from_buffer) (a Rust buffer, for
/// `'a`), [`Ffi::view`](crate::Ffi::view) (memory C owns; unsafe) or from another view
/// ([`CData::at`], [`CData::index`], [`CData::offset`]). Cloning makes another view of the
/// same memory.
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
    pub(super) addr: *mut u8,
    pub(super) info: std::sync::Arc<TypeInfo>,
    /// `Some(n)`: an array of `n` objects of `info`'s type.
    pub(super) count: Option<usize>,
    /// The bytes this view knows to be valid: `[start, end)`.
    pub(super) start: *mut u8,
    pub(super) end: *mut u8,
    pub(super) owner: Owner,
    pub(super) _life: PhantomData<&'a mut [u8]>,
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

    pub(super) fn root(&self) -> Place {
        Place {
            addr: self.addr,
            ty: self.info.id,
            shape: self.count.map_or(PlaceShape::One, PlaceShape::Array),
        }
    }

    pub(super) fn whole(&self) -> String {
        self.type_name()
    }

    /// `struct seg .a.x`, `double[4] [2]`: a path for messages.
    pub(super) fn at_path(&self, path: &str) -> String {
        match path.trim() {
            "" => self.whole(),
            p if p.starts_with(['.', '[']) => format!("{} {p}", self.whole()),
            p => format!("{} .{p}", self.whole()),
        }
    }

    /// Checks that `n` bytes at `addr` are inside the view's memory.
    pub(super) fn check(
        &self,
        addr: *mut u8,
        n: usize,
        what: &dyn Fn() -> String,
    ) -> Result<(), CDataError> {
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

    /// A view of a member or element (`"b"`, `"pts[2]"`, `"[5]"` of an array view), sharing
    /// this view's memory and keeping it alive.
    ///
    /// # Errors
    ///
    /// A path that does not resolve or leaves the memory; bit-fields (they have no address).
    pub fn at(&self, path: &str) -> Result<CData<'a>, CDataError> {
        self.via(path, Trust::Checked, |d, rest| d.at_here(rest))
    }

    pub(super) fn at_here(&self, path: &str) -> Result<CData<'a>, CDataError> {
        let p = self.place(path)?;
        if let PlaceShape::Bits(..) = p.shape {
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
                PlaceShape::Array(n) => Some(n),
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
    /// (an owned allocation, a buffer, or the extent given to
    /// [`Ffi::view`](crate::Ffi::view)).
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
            self.info.cx.data_type(ty).map_err(|e| {
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
        self.via(path, Trust::Checked, |d, rest| d.get_here(rest))
    }

    pub(super) fn get_here(&self, path: &str) -> Result<Value<'static>, CDataError> {
        let p = self.place(path)?;
        self.read(&p, path)
    }

    pub(crate) fn read(&self, p: &Place, path: &str) -> Result<Value<'static>, CDataError> {
        let what = || self.at_path(path);
        let n = self.place_size(p)?;
        self.check(p.addr, n, &what)?;
        let conv = self.info.conv(p.ty);
        match (p.shape, conv) {
            (PlaceShape::Array(_), _) => err(
                CDataErrorKind::Type,
                format!("{}: an array has no value; use at() or unpack()", what()),
            ),
            (PlaceShape::Bits(shift, width), Conv::Bool | Conv::Int { .. }) => {
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
                let mut b = [0u8; 10];
                // SAFETY: `n` (16) bytes are inside the view (checked above).
                unsafe { std::ptr::copy_nonoverlapping(p.addr, b.as_mut_ptr(), 10) };
                Ok(Value::F80(crate::F80::from_le_bytes(b)))
            }
            (_, conv) => {
                // SAFETY: `n` bytes are inside the view (checked above), and no `&mut` to
                // them exists while `&self` does (`buffer` takes `&mut` of the only view).
                let bytes = unsafe { std::slice::from_raw_parts(p.addr, n) };
                Ok(value::value_from_c(conv, bytes))
            }
        }
    }

    /// The elements of an array view (of an array member, with a path) as values.
    ///
    /// # Errors
    ///
    /// Not an array; elements without a value.
    pub fn unpack(&self, path: &str) -> Result<Vec<Value<'static>>, CDataError> {
        self.via(path, Trust::Checked, |d, rest| d.unpack_here(rest))
    }

    fn unpack_here(&self, path: &str) -> Result<Vec<Value<'static>>, CDataError> {
        let p = self.place(path)?;
        let PlaceShape::Array(count) = p.shape else {
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
        self.via(path, Trust::Checked, |d, rest| d.string_here(rest))
    }

    fn string_here(&self, path: &str) -> Result<Vec<u8>, CDataError> {
        let p = self.place(path)?;
        let t = &*self.info.table;
        let is_char = is_char_type(t, p.ty);
        let count = match p.shape {
            PlaceShape::Array(n) if is_char => n,
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
        // SAFETY: vouched for by the caller, for the pointer the whole path leads to.
        self.via(path, Trust::Checked, |d, rest| unsafe {
            d.deref_here(rest, count)
        })
    }

    /// [`CData::deref`] of a path without `->`.
    ///
    /// # Safety
    ///
    /// As [`CData::deref`].
    unsafe fn deref_here(&self, path: &str, count: Option<usize>) -> Result<CData<'a>, CDataError> {
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
        let d = unsafe { view_at(&self.info.cx, ptr.addr().cast(), to, count, None)? };
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

    pub(crate) fn info(&self) -> &std::sync::Arc<TypeInfo> {
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
