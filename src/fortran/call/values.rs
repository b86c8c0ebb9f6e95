//! The values a call takes and gives: element types ([`Elem`], [`Element`] and the Rust types
//! that are Fortran elements, [`Complex32`], [`Complex64`]), arguments ([`Arg`],
//! [`ArrayArg`]) and results ([`Out`], [`OutArray`]).

use std::marker::PhantomData;

use crate::Callback;
use crate::fortran::abi::Abi;
use crate::fortran::model::FType;

/// The element type of a Fortran array.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Elem {
    /// `INTEGER` / `LOGICAL` of 4 bytes.
    I32,
    /// `INTEGER` / `LOGICAL` of 8 bytes (ILP64, `INTEGER*8`).
    I64,
    /// `REAL`.
    F32,
    /// `DOUBLE PRECISION`.
    F64,
    /// `COMPLEX`.
    C32,
    /// `COMPLEX*16`.
    C64,
    /// `CHARACTER`.
    U8,
}

impl Elem {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Elem::U8 => 1,
            Elem::I32 | Elem::F32 => 4,
            Elem::I64 | Elem::F64 | Elem::C32 => 8,
            Elem::C64 => 16,
        }
    }

    /// The Fortran type, for messages.
    pub fn fortran(self) -> &'static str {
        match self {
            Elem::I32 => "INTEGER(4)",
            Elem::I64 => "INTEGER(8)",
            Elem::F32 => "REAL",
            Elem::F64 => "DOUBLE PRECISION",
            Elem::C32 => "COMPLEX",
            Elem::C64 => "COMPLEX*16",
            Elem::U8 => "CHARACTER",
        }
    }

    pub(super) fn of(t: &FType, abi: &Abi) -> Option<Elem> {
        let int = |k: Option<u8>| match k.unwrap_or(if abi.ilp64 { 8 } else { 4 }) {
            4 => Some(Elem::I32),
            8 => Some(Elem::I64),
            _ => None,
        };
        match t {
            FType::Integer { kind } | FType::Logical { kind } => int(*kind),
            FType::Real { kind } => match kind.unwrap_or(4) {
                4 => Some(Elem::F32),
                8 => Some(Elem::F64),
                _ => None,
            },
            FType::Complex { kind } => match kind.unwrap_or(4) {
                4 => Some(Elem::C32),
                8 => Some(Elem::C64),
                _ => None,
            },
            FType::Character { .. } => Some(Elem::U8),
        }
    }
}

/// A Fortran `COMPLEX` element.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Complex32 {
    /// Real part.
    pub re: f32,
    /// Imaginary part.
    pub im: f32,
}

/// A Fortran `COMPLEX*16` element.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct Complex64 {
    /// Real part.
    pub re: f64,
    /// Imaginary part.
    pub im: f64,
}

macro_rules! complex_crepr {
    ($($t:ty => $shape:ident, $c:literal);*) => {$(
        // SAFETY: the shape is the `#[repr(C)]` definition's: two parts of the same float
        // type at their `offset_of!` offsets, the struct's size and alignment.
        unsafe impl crate::CRepr for $t {
            fn shape() -> crate::Shape {
                let part = |name, offset| crate::ShapeField {
                    name,
                    offset,
                    shape: crate::Shape::$shape,
                };
                crate::Shape::Record {
                    name: $c,
                    size: std::mem::size_of::<$t>(),
                    align: std::mem::align_of::<$t>(),
                    fields: vec![
                        part("re", std::mem::offset_of!($t, re)),
                        part("im", std::mem::offset_of!($t, im)),
                    ],
                }
            }
        }
    )*};
}
complex_crepr!(Complex32 => F32, "fortran_complex8"; Complex64 => F64, "fortran_complex16");

/// Rust types that are Fortran array elements.
pub trait Element: Copy + 'static + private::Sealed {
    /// Its element type.
    const ELEM: Elem;
}

mod private {
    pub trait Sealed {}
}

macro_rules! element {
    ($($t:ty => $e:ident),*) => {$(
        impl private::Sealed for $t {}
        impl Element for $t {
            const ELEM: Elem = Elem::$e;
        }
    )*};
}
element!(i32 => I32, i64 => I64, f32 => F32, f64 => F64, Complex32 => C32, Complex64 => C64, u8 => U8);

/// An argument of [`Library::call`](crate::fortran::Library::call).
///
/// (Its layout is fixed, `repr(C, u8)`, because the compiled fast path of a call reads it.)
#[repr(C, u8)]
pub enum Arg<'a> {
    /// An `INTEGER` (range-checked for 4-byte integers).
    Int(i64),
    /// A `REAL` or `DOUBLE PRECISION` (an `Int` converts too).
    Real(f64),
    /// A `COMPLEX` or `COMPLEX*16`.
    Complex(f64, f64),
    /// A `LOGICAL`.
    Logical(bool),
    /// A `CHARACTER` argument (an option letter: `"N"`, `"T"`).
    Str(&'a str),
    /// An array (see [`Arg::vec`], [`Arg::matrix`], and the `_mut` forms).
    Array(ArrayArg<'a>),
    /// A dummy procedure: a jitffi callback of the dummy's function pointer type.
    Callback(&'a Callback<'a>),
    /// An optional argument left to its default (f2py's `None`).
    Default,
}

/// An array argument: borrowed read-only (copied if the routine writes it, as f2py does by
/// default) or mutably (updated in place, f2py's `overwrite_x=1`).
#[repr(C)]
pub struct ArrayArg<'a> {
    pub(super) ptr: *mut u8,
    pub(super) len: usize,
    /// The extents; those past `rank` are 1.
    pub(super) dims: [usize; 2],
    pub(super) rank: u8,
    pub(super) elem: Elem,
    pub(super) writable: bool,
    _life: PhantomData<&'a mut [u8]>,
}

impl<'a> ArrayArg<'a> {
    #[inline]
    fn new(ptr: *mut u8, len: usize, elem: Elem, shape: &[usize], writable: bool) -> Self {
        let mut dims = [1; 2];
        dims[..shape.len()].copy_from_slice(shape);
        ArrayArg {
            ptr,
            len,
            dims,
            rank: shape.len() as u8,
            elem,
            writable,
            _life: PhantomData,
        }
    }

    /// Its extents.
    pub(super) fn shape(&self) -> &[usize] {
        &self.dims[..usize::from(self.rank)]
    }

    /// Its first element.
    #[inline]
    pub fn as_ptr(&self) -> *const u8 {
        self.ptr
    }

    /// How many elements it has.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it has no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Panics unless `len` elements hold a `rows` × `cols` matrix.
fn check_matrix(rows: usize, cols: usize, len: usize) {
    assert!(
        rows.checked_mul(cols).is_some_and(|n| n <= len),
        "a {rows}x{cols} matrix needs {} elements, the slice has {len}",
        rows.saturating_mul(cols),
    );
}

impl<'a> Arg<'a> {
    /// The same argument, borrowed again (arrays keep pointing at the caller's data).
    pub(crate) fn reborrow<'b>(&'b self) -> Arg<'b> {
        match self {
            Arg::Int(i) => Arg::Int(*i),
            Arg::Real(x) => Arg::Real(*x),
            Arg::Complex(re, im) => Arg::Complex(*re, *im),
            Arg::Logical(l) => Arg::Logical(*l),
            Arg::Str(s) => Arg::Str(s),
            Arg::Array(a) => Arg::Array(ArrayArg::new(a.ptr, a.len, a.elem, a.shape(), a.writable)),
            Arg::Callback(c) => Arg::Callback(c),
            Arg::Default => Arg::Default,
        }
    }

    /// A vector.
    #[inline]
    pub fn vec<T: Element>(data: &'a [T]) -> Arg<'a> {
        let n = data.len();
        Arg::Array(ArrayArg::new(
            data.as_ptr() as *mut u8,
            n,
            T::ELEM,
            &[n],
            false,
        ))
    }

    /// A vector the routine updates in place.
    #[inline]
    pub fn vec_mut<T: Element>(data: &'a mut [T]) -> Arg<'a> {
        let n = data.len();
        Arg::Array(ArrayArg::new(
            data.as_mut_ptr().cast(),
            n,
            T::ELEM,
            &[n],
            true,
        ))
    }

    /// A column-major matrix of `rows` × `cols` (its leading dimension is `rows`).
    ///
    /// # Panics
    ///
    /// If `data` has fewer than `rows * cols` elements.
    #[inline]
    pub fn matrix<T: Element>(data: &'a [T], rows: usize, cols: usize) -> Arg<'a> {
        check_matrix(rows, cols, data.len());
        let (ptr, n) = (data.as_ptr() as *mut u8, data.len());
        Arg::Array(ArrayArg::new(ptr, n, T::ELEM, &[rows, cols], false))
    }

    /// A column-major matrix the routine updates in place.
    ///
    /// # Panics
    ///
    /// As [`Arg::matrix`].
    #[inline]
    pub fn matrix_mut<T: Element>(data: &'a mut [T], rows: usize, cols: usize) -> Arg<'a> {
        check_matrix(rows, cols, data.len());
        let n = data.len();
        Arg::Array(ArrayArg::new(
            data.as_mut_ptr().cast(),
            n,
            T::ELEM,
            &[rows, cols],
            true,
        ))
    }
}

/// A value a call returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    /// An `INTEGER` or `LOGICAL` (1 or 0) scalar.
    Int(i64),
    /// A `REAL` / `DOUBLE PRECISION` scalar.
    Real(f64),
    /// A `COMPLEX` scalar.
    Complex(f64, f64),
    /// A `CHARACTER` result or scalar, trailing blanks kept.
    Str(String),
    /// An array, column-major, with its shape (boxed: scalar results stay small).
    Array(Box<OutArray>),
}

/// An array a call returns.
#[derive(Clone, Debug, PartialEq)]
pub struct OutArray {
    /// Its element type.
    pub elem: Elem,
    /// Its extents.
    pub shape: Vec<usize>,
    /// The elements, in 16-byte-aligned storage.
    pub(super) buf: Vec<u128>,
    /// How many bytes of `buf` are elements.
    pub(super) bytes: usize,
}

impl OutArray {
    /// The elements as `T`, if `T` is the element type.
    pub fn as_slice<T: Element>(&self) -> Option<&[T]> {
        if T::ELEM != self.elem {
            return None;
        }
        let n = self.bytes / self.elem.size();
        // SAFETY: `buf` is aligned to 16 bytes (more than any element needs) and holds `n`
        // elements of `T` (its element type), all initialised.
        Some(unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<T>(), n) })
    }
}

impl Out {
    /// An array's elements as `T`.
    pub fn array<T: Element>(&self) -> Option<&[T]> {
        match self {
            Out::Array(a) => a.as_slice(),
            _ => None,
        }
    }

    /// An integer scalar.
    pub fn int(&self) -> Option<i64> {
        match self {
            Out::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// A real scalar.
    pub fn real(&self) -> Option<f64> {
        match self {
            Out::Real(x) => Some(*x),
            _ => None,
        }
    }
}

/// What a call returns: the function result (if any), then the outputs, in the order of the
/// signature ([`Sig`](crate::fortran::Sig)'s display lists them). A slice of [`Out`] (two are
/// kept inline, so scalar results cost no allocation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outs(pub(super) smallvec::SmallVec<[Out; 2]>);

impl Outs {
    /// Drops the values (keeping the storage, if any was allocated).
    #[inline]
    pub fn clear(&mut self) {
        if self
            .0
            .iter()
            .all(|o| matches!(o, Out::Int(_) | Out::Real(_) | Out::Complex(..)))
        {
            // SAFETY: scalars own nothing: forgetting them drops nothing.
            unsafe { self.0.set_len(0) };
        } else {
            self.0.clear();
        }
    }

    /// The values as a vector.
    pub fn into_vec(self) -> Vec<Out> {
        self.0.into_vec()
    }
}

impl std::ops::Deref for Outs {
    type Target = [Out];
    fn deref(&self) -> &[Out] {
        &self.0
    }
}

impl IntoIterator for Outs {
    type Item = Out;
    type IntoIter = smallvec::IntoIter<[Out; 2]>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Outs {
    type Item = &'a Out;
    type IntoIter = std::slice::Iter<'a, Out>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<const N: usize> PartialEq<[Out; N]> for Outs {
    fn eq(&self, other: &[Out; N]) -> bool {
        self.0[..] == other[..]
    }
}

impl PartialEq<[Out]> for Outs {
    fn eq(&self, other: &[Out]) -> bool {
        self.0[..] == *other
    }
}

impl PartialEq<Vec<Out>> for Outs {
    fn eq(&self, other: &Vec<Out>) -> bool {
        self.0[..] == other[..]
    }
}

/// How a scalar the routine stored becomes an [`Out`]: from its two words (the bytes in
/// memory, little-endian), a `LOGICAL` as 1 or 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum OutKind {
    Int32,
    Int64,
    /// A `LOGICAL`: 1 or 0, whatever non-zero value the routine stored.
    Logical32,
    Logical64,
    Real32,
    Real64,
    Complex32,
    Complex64,
}

impl OutKind {
    pub(super) fn of(elem: Elem, t: Option<&FType>) -> Result<OutKind, String> {
        let logical = matches!(t, Some(FType::Logical { .. }));
        Ok(match (elem, logical) {
            (Elem::I32, false) => OutKind::Int32,
            (Elem::I64, false) => OutKind::Int64,
            (Elem::I32, true) => OutKind::Logical32,
            (Elem::I64, true) => OutKind::Logical64,
            (Elem::F32, _) => OutKind::Real32,
            (Elem::F64, _) => OutKind::Real64,
            (Elem::C32, _) => OutKind::Complex32,
            (Elem::C64, _) => OutKind::Complex64,
            (Elem::U8, _) => return Err("a CHARACTER output".into()),
        })
    }

    #[inline]
    pub(super) fn read(self, lo: u64, hi: u64) -> Out {
        let f32_at = |bits: u64| f64::from(f32::from_bits(bits as u32));
        match self {
            OutKind::Int32 => Out::Int(i64::from(lo as u32 as i32)),
            OutKind::Int64 => Out::Int(lo as i64),
            OutKind::Logical32 => Out::Int(i64::from(lo as u32 != 0)),
            OutKind::Logical64 => Out::Int(i64::from(lo != 0)),
            OutKind::Real32 => Out::Real(f32_at(lo)),
            OutKind::Real64 => Out::Real(f64::from_bits(lo)),
            OutKind::Complex32 => Out::Complex(f32_at(lo), f32_at(lo >> 32)),
            OutKind::Complex64 => Out::Complex(f64::from_bits(lo), f64::from_bits(hi)),
        }
    }
}
