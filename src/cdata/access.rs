//! Pre-resolved member handles: [`Member`] (untyped) and [`Accessor<T>`] (typed).
//!
//! Both resolve the member path once, when made from a [`CDataType`], and check on each access
//! only that the view has the handle's type and that the element index is in bounds: two
//! compares that the compiler hoists out of loops over one view.

use std::marker::PhantomData;
use std::rc::Rc;

use super::{CData, CDataError, CDataErrorKind, CDataType, PlaceShape, err, read_bits, write_bits};
use crate::ctype::{CType as CTypeDef, TypeId};
use crate::layout;
use crate::value::{self, Conv, Value};

/// Where a member lives in its record, resolved once.
#[derive(Clone, Debug)]
pub(crate) struct FieldSpec {
    /// The record's raw type and context.
    pub(crate) record: TypeId,
    pub(crate) cx_key: usize,
    /// `sizeof` the record: the distance between elements of an array of it.
    pub(crate) stride: usize,
    pub(crate) offset: usize,
    /// `Some((shift, width))` for a bit-field.
    pub(crate) bits: Option<(u32, u32)>,
    pub(crate) ty: TypeId,
    pub(crate) conv: Conv,
    /// `struct point .x`, for messages.
    pub(crate) what: Rc<str>,
}

impl FieldSpec {
    pub(crate) fn resolve(ct: &CDataType, path: &str) -> Result<FieldSpec, CDataError> {
        let info = &ct.info;
        if ct.array.is_some() {
            return err(
                CDataErrorKind::Type,
                format!("member handles are made from the element type, not '{ct}'"),
            );
        }
        let what: Rc<str> =
            format!("{} .{}", info.show(info.id), path.trim_start_matches('.')).into();
        let t = layout::resolve_path(&info.table, info.cx.target(), info.id, path)
            .map_err(CDataError::from)?;
        if matches!(info.table.raw_type(t.ty), CTypeDef::Array { .. }) {
            return err(
                CDataErrorKind::Type,
                format!("{what}: an array member; make a handle for one element ('{path}[0]')"),
            );
        }
        let conv = info.conv(t.ty);
        if matches!(conv, Conv::Void | Conv::Unsupported) {
            return err(
                CDataErrorKind::Unsupported,
                format!("{what}: '{}' has no value", info.show(t.ty)),
            );
        }
        Ok(FieldSpec {
            record: info.raw,
            cx_key: info.cx_key,
            stride: info.size,
            offset: t.offset as usize,
            bits: t
                .bitfield
                .map(|(bit, width)| (super::bit_shift(bit, t.offset), width)),
            ty: t.ty,
            conv,
            what,
        })
    }

    /// The address of the member in element `i` of `d`, after checking `d`'s type.
    #[inline]
    pub(crate) fn addr(&self, d: &CData<'_>, i: usize) -> Result<*mut u8, CDataError> {
        self.check_type(d)?;
        match d.elem_addr(i) {
            Some(a) => Ok(a.wrapping_add(self.offset)),
            None => Err(self.out_of_bounds(d, i)),
        }
    }

    /// Checks that `d` is a view of the handle's record type (of the same context).
    #[inline]
    pub(crate) fn check_type(&self, d: &CData<'_>) -> Result<(), CDataError> {
        let info = d.info();
        if info.raw != self.record || info.cx_key != self.cx_key {
            return Err(self.wrong_type(d));
        }
        Ok(())
    }

    /// Checks a value for a bit-field against its width (any value passes for other members).
    #[inline]
    pub(crate) fn check_range(&self, x: i128) -> Result<(), CDataError> {
        if let Some((_, width)) = self.bits {
            let (lo, hi) = value::int_range(width, self.signed());
            if x < lo || x > hi {
                return Err(self.range_error(x));
            }
        }
        Ok(())
    }

    #[cold]
    fn wrong_type(&self, d: &CData<'_>) -> CDataError {
        CDataError::new(
            CDataErrorKind::Type,
            format!("{}: used on '{}'", self.what, d.type_name()),
        )
    }

    #[cold]
    pub(crate) fn out_of_bounds(&self, d: &CData<'_>, i: usize) -> CDataError {
        CDataError::new(
            CDataErrorKind::OutOfBounds,
            format!(
                "{}: index {i} is out of bounds for '{}'",
                self.what,
                d.type_name()
            ),
        )
    }

    #[cold]
    fn range_error(&self, x: i128) -> CDataError {
        let width = self.bits.map_or(0, |(_, w)| w);
        let (lo, hi) = value::int_range(width, self.signed());
        CDataError::new(
            CDataErrorKind::Range,
            format!(
                "{}: {x} does not fit in the {width}-bit field ({lo}..={hi})",
                self.what
            ),
        )
    }

    /// The signedness of a bit-field's type.
    pub(crate) fn signed(&self) -> bool {
        matches!(self.conv, Conv::Int { signed: true, .. })
    }
}

// -- Untyped --

/// A pre-resolved member of a struct or union type, read and written as [`Value`]s:
/// `CData::get`/`set` without the name lookup (a type compare, a bounds check, a load).
///
/// ```
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct point { double x, y; };")?;
/// let point = ffi.type_of("struct point")?;
/// let x = point.member("x")?;
/// let pts = point.alloc_array(3)?;
/// x.set_in(&pts, 2, &jitffi::Value::F64(1.5))?;
/// assert_eq!(x.get_in(&pts, 2)?, jitffi::Value::F64(1.5));
/// assert!(x.get_in(&pts, 3).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Member {
    spec: FieldSpec,
    /// The member's `conv.scalar_tag()` and its size in memory.
    tag: u8,
    ptr_ty: u32,
    size: usize,
    /// Read with one load and a `Value` built from the word: a scalar that is neither a
    /// bit-field nor `long double`.
    word_read: bool,
    /// Written with one store from a value of the canonical variant: as `word_read`, pointers
    /// excepted (their stores keep referents alive).
    word_write: bool,
}

impl CDataType {
    /// A pre-resolved untyped member handle (`"x"`, `"a.b[2].c"`).
    ///
    /// # Errors
    ///
    /// A path that does not resolve; array members (make a handle for an element).
    pub fn member(&self, path: &str) -> Result<Member, CDataError> {
        let spec = FieldSpec::resolve(self, path)?;
        let (tag, ptr_ty) = spec.conv.scalar_tag().unwrap_or((u8::MAX, 0));
        let word = spec.bits.is_none() && !matches!(spec.conv, Conv::LongDouble);
        Ok(Member {
            tag,
            ptr_ty,
            size: spec.conv.size(),
            word_read: word && tag <= value::tag::PTR,
            word_write: word && tag < value::tag::PTR,
            spec,
        })
    }

    /// A typed member handle, checked once against the member's C type.
    ///
    /// # Errors
    ///
    /// As [`CDataType::member`], and a Rust type that is not the member's (`f64` for `double`,
    /// `u32` for `unsigned int` and its bit-fields, raw pointers for pointers).
    pub fn accessor<T: FieldType>(&self, path: &str) -> Result<Accessor<T>, CDataError> {
        let spec = FieldSpec::resolve(self, path)?;
        check_field_type::<T>(&spec, &self.info.show(spec.ty))?;
        Ok(Accessor {
            spec,
            _t: PhantomData,
        })
    }
}

impl Member {
    /// Where the member lives (for `crate::emit`).
    pub(crate) fn spec(&self) -> &FieldSpec {
        &self.spec
    }

    /// Reads the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type.
    #[inline]
    pub fn get(&self, d: &CData<'_>) -> Result<Value<'static>, CDataError> {
        self.get_in(d, 0)
    }

    /// Reads the member of element `i` of the array view `d`.
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type, `i` is out of bounds.
    #[inline]
    pub fn get_in(&self, d: &CData<'_>, i: usize) -> Result<Value<'static>, CDataError> {
        let a = self.spec.addr(d, i)?;
        if self.word_read {
            // SAFETY: `size` (1 to 8) bytes of the member are inside element `i`.
            let raw = unsafe { value::read_word(a, self.size) };
            return Ok(value::scalar_from_word(
                self.spec.conv,
                self.tag,
                self.ptr_ty,
                raw,
            ));
        }
        self.get_other(d, a)
    }

    /// `get_in` of bit-fields, `long double` and aggregates (out of line: a call in the loop
    /// of the common case would have the compiler keep the caller's accumulators in memory).
    #[inline(never)]
    fn get_other(&self, d: &CData<'_>, a: *mut u8) -> Result<Value<'static>, CDataError> {
        let s = &self.spec;
        if let Some((shift, width)) = s.bits {
            // SAFETY: the member's covering bytes are inside the element, which is inside
            // the view's memory (`addr` checked the index).
            let b = unsafe { read_bits(a, shift, width, s.signed()) };
            return Ok(value::value_from_c(s.conv, &b.to_le_bytes()));
        }
        d.read(
            &super::Place {
                addr: a,
                ty: s.ty,
                shape: PlaceShape::One,
            },
            "",
        )
    }

    /// Writes the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// As [`Member::set_in`].
    #[inline]
    pub fn set(&self, d: &CData<'_>, v: &Value<'_>) -> Result<(), CDataError> {
        self.set_in(d, 0, v)
    }

    /// Writes the member of element `i` of `d`, converting `v` as a call argument would be.
    ///
    /// # Errors
    ///
    /// `d` not of the handle's type, `i` out of bounds, a value that does not convert or
    /// fit.
    #[inline]
    pub fn set_in(&self, d: &CData<'_>, i: usize, v: &Value<'_>) -> Result<(), CDataError> {
        let a = self.spec.addr(d, i)?;
        if self.word_write && v.tag() == self.tag {
            // SAFETY: the value has the member's canonical variant, whose C representation has
            // the member's `size` bytes, inside element `i` (checked).
            unsafe { value::write_word(a, self.size, value::payload_word(v)) };
            return Ok(());
        }
        self.set_other(d, a, v)
    }

    /// `set_in` with a conversion, or of a pointer, bit-field or aggregate.
    #[inline(never)]
    #[cold]
    fn set_other(&self, d: &CData<'_>, a: *mut u8, v: &Value<'_>) -> Result<(), CDataError> {
        let s = &self.spec;
        let place = super::Place {
            addr: a,
            ty: s.ty,
            shape: match s.bits {
                Some((sh, w)) => PlaceShape::Bits(sh, w),
                None => PlaceShape::One,
            },
        };
        d.write_at(place, &super::Init::Value(v.clone()))
            .map_err(|e| CDataError::new(e.kind(), format!("{}: {e}", s.what)))
    }
}

// -- Typed --

/// A Rust type that can stand for a C scalar member: the integer types, `f32`, `f64`,
/// `bool` and raw pointers.
pub trait FieldType: Copy + 'static + sealed::Sealed {
    /// The conversion the member's C type must have.
    #[doc(hidden)]
    const SHAPE: Kind;
    /// From the low bits of a (sign-extended) word.
    #[doc(hidden)]
    fn from_word(w: u64) -> Self;
    /// To a word (integers sign- or zero-extended).
    #[doc(hidden)]
    fn to_word(self) -> u64;
    /// The value as an integer, for bit-field range checks.
    #[doc(hidden)]
    fn to_i128(self) -> i128;
}

/// What C scalar a [`FieldType`] is.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Int { bytes: u8, signed: bool },
    Bool,
    F32,
    F64,
    Ptr,
}

mod sealed {
    pub trait Sealed {}
}

macro_rules! field_int {
    ($($t:ty => $bytes:expr, $signed:expr);*) => {$(
        impl sealed::Sealed for $t {}
        impl FieldType for $t {
            const SHAPE: Kind = Kind::Int { bytes: $bytes, signed: $signed };
            #[inline]
            fn from_word(w: u64) -> Self { w as $t }
            #[inline]
            fn to_word(self) -> u64 { self as u64 }
            #[inline]
            fn to_i128(self) -> i128 { self as i128 }
        }
    )*};
}
field_int!(i8 => 1, true; u8 => 1, false; i16 => 2, true; u16 => 2, false; i32 => 4, true;
    u32 => 4, false; i64 => 8, true; u64 => 8, false; isize => 8, true; usize => 8, false);

impl sealed::Sealed for bool {}
impl FieldType for bool {
    const SHAPE: Kind = Kind::Bool;
    #[inline]
    fn from_word(w: u64) -> Self {
        w & 1 != 0
    }
    #[inline]
    fn to_word(self) -> u64 {
        u64::from(self)
    }
    #[inline]
    fn to_i128(self) -> i128 {
        i128::from(self)
    }
}

impl sealed::Sealed for f32 {}
impl FieldType for f32 {
    const SHAPE: Kind = Kind::F32;
    #[inline]
    fn from_word(w: u64) -> Self {
        f32::from_bits(w as u32)
    }
    #[inline]
    fn to_word(self) -> u64 {
        u64::from(self.to_bits())
    }
    fn to_i128(self) -> i128 {
        0
    }
}

impl sealed::Sealed for f64 {}
impl FieldType for f64 {
    const SHAPE: Kind = Kind::F64;
    #[inline]
    fn from_word(w: u64) -> Self {
        f64::from_bits(w)
    }
    #[inline]
    fn to_word(self) -> u64 {
        self.to_bits()
    }
    fn to_i128(self) -> i128 {
        0
    }
}

macro_rules! field_ptr {
    ($($p:ty),*) => {$(
        impl<T: 'static> sealed::Sealed for $p {}
        impl<T: 'static> FieldType for $p {
            const SHAPE: Kind = Kind::Ptr;
            #[inline]
            fn from_word(w: u64) -> Self {
                w as usize as $p
            }
            #[inline]
            fn to_word(self) -> u64 {
                self as usize as u64
            }
            fn to_i128(self) -> i128 {
                self as usize as i128
            }
        }
    )*};
}
field_ptr!(*mut T, *const T);

pub(crate) fn check_field_type<T: FieldType>(spec: &FieldSpec, c: &str) -> Result<(), CDataError> {
    let ok = match (T::SHAPE, spec.conv) {
        (
            Kind::Int { bytes, signed },
            Conv::Int {
                bytes: b,
                signed: s,
            },
        ) => bytes == b && signed == s,
        (Kind::Bool, Conv::Bool) | (Kind::F32, Conv::F32) | (Kind::F64, Conv::F64) => true,
        (Kind::Ptr, Conv::Ptr { .. }) => spec.bits.is_none(),
        _ => false,
    };
    if !ok {
        return err(
            CDataErrorKind::Type,
            format!("{}: '{c}' is not {}", spec.what, std::any::type_name::<T>()),
        );
    }
    Ok(())
}

/// A typed handle of a scalar member (bit-fields included), checked once against the
/// declaration: a get is a type compare, a bounds check and a load (plus the shifts of a
/// bit-field); a set is the same with a store.
///
/// ```
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct point { double x, y; };")?;
/// let point = ffi.type_of("struct point")?;
/// let x = point.accessor::<f64>("x")?;
/// let pts = point.alloc_array(1000)?;
/// for i in 0..1000 {
///     x.set_in(&pts, i, i as f64)?;
/// }
/// let mut s = 0.0;
/// for i in 0..1000 {
///     s += x.get_in(&pts, i)?;
/// }
/// assert_eq!(s, 499500.0);
/// // Bound to one view, the type is checked once and each access checks the index only.
/// let xs = x.bind(&pts)?;
/// assert_eq!(xs.get(999)?, 999.0);
/// assert!(xs.get(1000).is_err());
/// assert!(point.accessor::<f32>("x").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Accessor<T> {
    spec: FieldSpec,
    _t: PhantomData<*const T>,
}

impl<T: FieldType> Accessor<T> {
    /// Reads the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type.
    #[inline]
    pub fn get(&self, d: &CData<'_>) -> Result<T, CDataError> {
        self.get_in(d, 0)
    }

    /// Reads the member of element `i` of `d`.
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type, `i` is out of bounds.
    #[inline]
    pub fn get_in(&self, d: &CData<'_>, i: usize) -> Result<T, CDataError> {
        let a = self.spec.addr(d, i)?;
        // SAFETY: `addr` checked the type and the index.
        Ok(unsafe { self.load(a) })
    }

    /// Writes the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// As [`Accessor::set_in`].
    #[inline]
    pub fn set(&self, d: &CData<'_>, v: T) -> Result<(), CDataError> {
        self.set_in(d, 0, v)
    }

    /// Writes the member of element `i` of `d`.
    ///
    /// # Errors
    ///
    /// `d` not of the handle's type, `i` out of bounds, a value outside a bit-field's range.
    #[inline]
    pub fn set_in(&self, d: &CData<'_>, i: usize, v: T) -> Result<(), CDataError> {
        let a = self.spec.addr(d, i)?;
        // SAFETY: `addr` checked the type and the index.
        unsafe { self.store(d, a, v) }
    }

    /// The member at `a`.
    ///
    /// # Safety
    ///
    /// `a` is the member's address in an element of a view of the handle's type.
    #[inline]
    unsafe fn load(&self, a: *mut u8) -> T {
        match self.spec.bits {
            // Memory may hold any byte in a `_Bool` (written by C or through `buffer`): it
            // is read as C reads it, non-zero as true, never as a Rust `bool` (which would
            // be undefined behaviour for 2).
            // SAFETY: the member's byte is inside an element (vouched for).
            None if T::SHAPE == Kind::Bool => T::from_word(u64::from(unsafe { a.read() } != 0)),
            // SAFETY: the member is inside an element (vouched for), and its C type has
            // `T`'s size and kind (checked when the accessor was made); members of packed
            // records may be unaligned.
            None => unsafe { a.cast::<T>().read_unaligned() },
            Some((shift, width)) => {
                // SAFETY: the covering bytes are inside the element (vouched for).
                T::from_word(unsafe { read_bits(a, shift, width, self.spec.signed()) })
            }
        }
    }

    /// Stores `v` into the member at `a` of `d`.
    ///
    /// # Safety
    ///
    /// As [`Accessor::load`], with `d` the view holding `a`.
    #[inline]
    unsafe fn store(&self, d: &CData<'_>, a: *mut u8, v: T) -> Result<(), CDataError> {
        match self.spec.bits {
            None => {
                if T::SHAPE == Kind::Ptr {
                    d.forget_referent(a);
                }
                // SAFETY: as in `load`.
                unsafe { a.cast::<T>().write_unaligned(v) };
            }
            Some((shift, width)) => {
                self.spec.check_range(v.to_i128())?;
                // SAFETY: as in `load`.
                unsafe { write_bits(a, shift, width, v.to_word()) };
            }
        }
        Ok(())
    }

    /// The member over the elements of `d`, with the type checked once: a view whose `get`
    /// and `set` check only the index (the form for loops).
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type.
    #[inline]
    pub fn bind<'v>(&'v self, d: &'v CData<'_>) -> Result<Bound<'v, T>, CDataError> {
        self.spec.check_type(d)?;
        let (base, count) = d.raw_parts();
        Ok(Bound {
            acc: self,
            data: d,
            base: base.wrapping_add(self.spec.offset),
            count,
        })
    }

    /// The member's byte offset in its record.
    pub fn offset(&self) -> usize {
        self.spec.offset
    }
}

/// The element count of a bound view, as its `len` returns it. Views never hold more than
/// `isize::MAX` elements; saying so lets the compiler treat indices below `len()` as
/// non-negative `isize`s (a signed conversion of `i as f64` instead of the unsigned
/// sequence, for one).
#[inline]
pub(super) fn loop_len(count: usize) -> usize {
    count.min(isize::MAX as usize)
}

/// An [`Accessor`] bound to one view ([`Accessor::bind`]).
#[derive(Clone, Copy, Debug)]
pub struct Bound<'v, T> {
    acc: &'v Accessor<T>,
    data: &'v CData<'v>,
    /// The member of element 0.
    base: *mut u8,
    count: usize,
}

impl<T: FieldType> Bound<'_, T> {
    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        loop_len(self.count)
    }

    /// True for no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The member of element `i`.
    ///
    /// # Errors
    ///
    /// `i` out of bounds.
    #[inline]
    pub fn get(&self, i: usize) -> Result<T, CDataError> {
        let a = self.addr(i)?;
        // SAFETY: the type was checked by `bind`, the index by `addr`.
        Ok(unsafe { self.acc.load(a) })
    }

    /// Writes the member of element `i`.
    ///
    /// # Errors
    ///
    /// `i` out of bounds, a value outside a bit-field's range.
    #[inline]
    pub fn set(&self, i: usize, v: T) -> Result<(), CDataError> {
        let a = self.addr(i)?;
        // SAFETY: as in `get`.
        unsafe { self.acc.store(self.data, a, v) }
    }

    #[inline]
    fn addr(&self, i: usize) -> Result<*mut u8, CDataError> {
        if i >= self.count {
            return Err(self.acc.spec.out_of_bounds(self.data, i));
        }
        Ok(self.base.wrapping_add(i * self.acc.spec.stride))
    }
}
