//! `Value`: what untyped calls take and return, and the conversions between values and C.
//!
//! `Value` is `#[repr(C, u8)]`, so its layout is defined (RFC 2195): a one-byte tag at offset 0
//! and the payload at offset 8. JIT-compiled call stubs read arguments straight out of a
//! `&[Value]` and write the result into a `Value`, checking only the tag on the fast path; the
//! conversions here ([`c_from_value`]) are the slow path that accepts every legal argument and
//! explains every illegal one.

use std::ffi::{CStr, c_char, c_void};
use std::fmt;
use std::marker::PhantomData;

use crate::ctype::{CType, Prim, TypeId, TypeTable};

/// A C value for untyped calls: integers and floats of every width, pointers, strings and
/// struct/union values.
///
/// Arguments are converted to the parameter's C type with C's rules, checked: integers must fit
/// the parameter's range, floats are not silently truncated to integers, pointers must be of a
/// compatible type. Results come back in the canonical variant of their C type (`int` →
/// `I32`, `unsigned long` → `U64`, `double` → `F64`, any pointer → `Ptr`).
#[derive(Clone, Debug, PartialEq)]
#[repr(C, u8)]
#[non_exhaustive]
pub enum Value<'a> {
    /// No value (the result of a `void` function).
    Void = 0,
    /// `_Bool`.
    Bool(bool) = 1,
    /// `signed char`, `int8_t` (and `char` on targets where it is signed).
    I8(i8) = 2,
    /// `unsigned char`, `uint8_t`.
    U8(u8) = 3,
    /// `short`, `int16_t`.
    I16(i16) = 4,
    /// `unsigned short`, `uint16_t`.
    U16(u16) = 5,
    /// `int`, `int32_t`.
    I32(i32) = 6,
    /// `unsigned int`, `uint32_t`.
    U32(u32) = 7,
    /// `long`, `long long`, `int64_t`, `ssize_t`.
    I64(i64) = 8,
    /// `unsigned long`, `unsigned long long`, `uint64_t`, `size_t`.
    U64(u64) = 9,
    /// `float`.
    F32(f32) = 10,
    /// `double`.
    F64(f64) = 11,
    /// A pointer, optionally with the C type it points to (results carry their declared type,
    /// which later arguments are checked against).
    Ptr(Pointer) = 12,
    /// A NUL-terminated string, passed as `const char *` without copying.
    Str(CStrRef<'a>) = 13,
    /// A struct or union passed or returned by value.
    Struct(StructValue<'a>) = 14,
}

/// Tag values of [`Value`], as JIT stubs see them (byte at offset 0).
pub(crate) mod tag {
    pub const VOID: u8 = 0;
    pub const BOOL: u8 = 1;
    pub const I8: u8 = 2;
    pub const U8: u8 = 3;
    pub const I16: u8 = 4;
    pub const U16: u8 = 5;
    pub const I32: u8 = 6;
    pub const U32: u8 = 7;
    pub const I64: u8 = 8;
    pub const U64: u8 = 9;
    pub const F32: u8 = 10;
    pub const F64: u8 = 11;
    pub const PTR: u8 = 12;
    pub const STR: u8 = 13;
    pub const STRUCT: u8 = 14;
}

/// Offset of the payload in a [`Value`] (the tag is the byte at offset 0).
pub(crate) const PAYLOAD: i32 = 8;
/// Offset of a [`Pointer`]'s type id, from the start of the [`Value`].
pub(crate) const PTR_TYPE: i32 = PAYLOAD + 8;
/// Offset of a [`StructValue`]'s type id and data pointer, from the start of the [`Value`].
pub(crate) const STRUCT_TYPE: i32 = PAYLOAD;
pub(crate) const STRUCT_DATA: i32 = PAYLOAD + 8;

/// The type id a [`Pointer`] carries when its pointee type is unknown.
pub(crate) const UNTYPED: u32 = u32::MAX;

/// A raw pointer value, with the C type it was declared with when jitffi knows it.
#[derive(Copy, Clone, PartialEq, Eq)]
#[repr(C)]
pub struct Pointer {
    addr: *mut c_void,
    ty: u32,
}

impl Pointer {
    /// An untyped pointer (accepted for any pointer parameter).
    pub fn new(addr: *mut c_void) -> Pointer {
        Pointer { addr, ty: UNTYPED }
    }

    /// NULL.
    pub fn null() -> Pointer {
        Pointer::new(std::ptr::null_mut())
    }

    pub(crate) fn typed(addr: *mut c_void, ty: TypeId) -> Pointer {
        Pointer { addr, ty: ty.0 }
    }

    /// The address.
    pub fn addr(self) -> *mut c_void {
        self.addr
    }

    /// True for NULL.
    pub fn is_null(self) -> bool {
        self.addr.is_null()
    }

    /// The pointer type this value was declared with, if known (an id in the table of the
    /// `Ffi` that produced it).
    pub fn type_id(self) -> Option<TypeId> {
        (self.ty != UNTYPED).then_some(TypeId(self.ty))
    }
}

impl fmt::Debug for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:p}", self.addr)
    }
}

// SAFETY: a `Pointer` is an address and a type id; it is never dereferenced by jitffi except
// when passed to C in a call the caller vouches for (`unsafe fn call`).
unsafe impl Send for Pointer {}
// SAFETY: as for `Send`; shared references give no access to the pointee.
unsafe impl Sync for Pointer {}

/// A borrowed NUL-terminated string, as a thin pointer (so JIT stubs can load it).
#[derive(Copy, Clone)]
#[repr(transparent)]
pub struct CStrRef<'a> {
    ptr: *const c_char,
    _life: PhantomData<&'a CStr>,
}

impl<'a> CStrRef<'a> {
    /// Borrows a C string.
    pub fn new(s: &'a CStr) -> CStrRef<'a> {
        CStrRef {
            ptr: s.as_ptr(),
            _life: PhantomData,
        }
    }

    /// The string.
    pub fn as_cstr(&self) -> &'a CStr {
        // SAFETY: `ptr` came from a `&'a CStr` in `new`, which outlives `'a`.
        unsafe { CStr::from_ptr(self.ptr) }
    }

    /// The pointer passed to C.
    pub fn as_ptr(&self) -> *const c_char {
        self.ptr
    }
}

impl PartialEq for CStrRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_cstr() == other.as_cstr()
    }
}

impl fmt::Debug for CStrRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_cstr())
    }
}

// SAFETY: a `CStrRef` is a shared borrow of a `CStr`, which is `Send + Sync`.
unsafe impl Send for CStrRef<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for CStrRef<'_> {}

/// A struct or union value: its C type and its bytes (borrowed for arguments, owned for
/// results).
///
/// The bytes must be exactly the C layout of the type (`sizeof` bytes); the call checks the type
/// id and the length.
#[repr(C)]
pub struct StructValue<'a> {
    ty: u32,
    len: u32,
    data: *const u8,
    owned: Option<Box<[u8]>>,
    _life: PhantomData<&'a [u8]>,
}

impl<'a> StructValue<'a> {
    /// A struct value of type `ty` made of `bytes`, borrowed.
    ///
    /// # Panics
    ///
    /// Panics if `bytes` is longer than 4 GiB.
    pub fn borrowed(ty: TypeId, bytes: &'a [u8]) -> StructValue<'a> {
        StructValue {
            ty: ty.0,
            len: u32::try_from(bytes.len()).expect("struct values are smaller than 4 GiB"),
            data: bytes.as_ptr(),
            owned: None,
            _life: PhantomData,
        }
    }

    /// A struct value of type `ty` that owns its bytes.
    ///
    /// # Panics
    ///
    /// Panics if `bytes` is longer than 4 GiB.
    pub fn owned(ty: TypeId, bytes: Box<[u8]>) -> StructValue<'static> {
        StructValue {
            ty: ty.0,
            len: u32::try_from(bytes.len()).expect("struct values are smaller than 4 GiB"),
            data: bytes.as_ptr(),
            owned: Some(bytes),
            _life: PhantomData,
        }
    }

    /// The struct's C type.
    pub fn type_id(&self) -> TypeId {
        TypeId(self.ty)
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `data` points to `len` bytes borrowed for `'a` or owned by `self.owned`
        // (a boxed slice does not move when `self` moves).
        unsafe { std::slice::from_raw_parts(self.data, self.len as usize) }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> StructValue<'static> {
        StructValue::owned(self.type_id(), self.bytes().into())
    }
}

impl Clone for StructValue<'_> {
    fn clone(&self) -> Self {
        match &self.owned {
            Some(b) => {
                let b = b.clone();
                StructValue {
                    ty: self.ty,
                    len: self.len,
                    data: b.as_ptr(),
                    owned: Some(b),
                    _life: PhantomData,
                }
            }
            None => StructValue {
                ty: self.ty,
                len: self.len,
                data: self.data,
                owned: None,
                _life: PhantomData,
            },
        }
    }
}

impl PartialEq for StructValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.ty == other.ty && self.bytes() == other.bytes()
    }
}

impl fmt::Debug for StructValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StructValue(type #{}, {:02x?})", self.ty, self.bytes())
    }
}

// SAFETY: the bytes are either a shared borrow (`&'a [u8]` is Send + Sync) or owned.
unsafe impl Send for StructValue<'_> {}
// SAFETY: as for `Send`.
unsafe impl Sync for StructValue<'_> {}

const _: () = {
    // JIT stubs rely on these offsets (see `tag`, `PAYLOAD`, `PTR_TYPE`, `STRUCT_DATA`).
    assert!(std::mem::offset_of!(Pointer, addr) == 0);
    assert!(std::mem::offset_of!(Pointer, ty) == 8);
    assert!(std::mem::offset_of!(StructValue<'static>, ty) == 0);
    assert!(std::mem::offset_of!(StructValue<'static>, data) == 8);
    assert!(std::mem::align_of::<Value<'static>>() == 8);
};

impl Value<'_> {
    /// NULL.
    pub const NULL: Value<'static> = Value::Ptr(Pointer {
        addr: std::ptr::null_mut(),
        ty: UNTYPED,
    });

    /// A string argument.
    pub fn str(s: &CStr) -> Value<'_> {
        Value::Str(CStrRef::new(s))
    }

    /// An untyped pointer argument.
    pub fn ptr<T>(p: *const T) -> Value<'static> {
        Value::Ptr(Pointer::new(p as *mut c_void))
    }

    /// The Rust name of the variant's type, for messages (`i64`, `f64`, `pointer`).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Void => "void",
            Value::Bool(_) => "bool",
            Value::I8(_) => "i8",
            Value::U8(_) => "u8",
            Value::I16(_) => "i16",
            Value::U16(_) => "u16",
            Value::I32(_) => "i32",
            Value::U32(_) => "u32",
            Value::I64(_) => "i64",
            Value::U64(_) => "u64",
            Value::F32(_) => "f32",
            Value::F64(_) => "f64",
            Value::Ptr(_) => "pointer",
            Value::Str(_) => "string",
            Value::Struct(_) => "struct value",
        }
    }

    /// The value as a signed integer, if it is an integer (or bool) that fits.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_i128().and_then(|v| i64::try_from(v).ok())
    }

    /// The value as an unsigned integer, if it is a non-negative integer (or bool) that fits.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_i128().and_then(|v| u64::try_from(v).ok())
    }

    pub(crate) fn as_i128(&self) -> Option<i128> {
        Some(match *self {
            Value::Bool(b) => i128::from(b),
            Value::I8(v) => v.into(),
            Value::U8(v) => v.into(),
            Value::I16(v) => v.into(),
            Value::U16(v) => v.into(),
            Value::I32(v) => v.into(),
            Value::U32(v) => v.into(),
            Value::I64(v) => v.into(),
            Value::U64(v) => v.into(),
            _ => return None,
        })
    }

    /// The value as a float, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v.into()),
            Value::F64(v) => Some(v),
            _ => self.as_i128().map(|v| v as f64),
        }
    }

    /// The pointer, if the value is a pointer or a string.
    pub fn as_ptr(&self) -> Option<*mut c_void> {
        match self {
            Value::Ptr(p) => Some(p.addr()),
            Value::Str(s) => Some(s.as_ptr() as *mut c_void),
            _ => None,
        }
    }

    /// The value with every borrow copied, so it may outlive its arguments.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Void => Value::Void,
            Value::Bool(v) => Value::Bool(v),
            Value::I8(v) => Value::I8(v),
            Value::U8(v) => Value::U8(v),
            Value::I16(v) => Value::I16(v),
            Value::U16(v) => Value::U16(v),
            Value::I32(v) => Value::I32(v),
            Value::U32(v) => Value::U32(v),
            Value::I64(v) => Value::I64(v),
            Value::U64(v) => Value::U64(v),
            Value::F32(v) => Value::F32(v),
            Value::F64(v) => Value::F64(v),
            Value::Ptr(p) => Value::Ptr(p),
            Value::Str(s) => Value::Ptr(Pointer::new(s.as_ptr() as *mut c_void)),
            Value::Struct(s) => Value::Struct(s.to_owned()),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl From<$t> for Value<'static> {
            fn from(x: $t) -> Self {
                Value::$v(x)
            }
        }
    )*};
}
value_from!(bool => Bool, i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32, i64 => I64,
    u64 => U64, f32 => F32, f64 => F64);

impl<'a> From<&'a CStr> for Value<'a> {
    fn from(s: &'a CStr) -> Self {
        Value::str(s)
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Void => write!(f, "void"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::I8(v) => write!(f, "{v}"),
            Value::U8(v) => write!(f, "{v}"),
            Value::I16(v) => write!(f, "{v}"),
            Value::U16(v) => write!(f, "{v}"),
            Value::I32(v) => write!(f, "{v}"),
            Value::U32(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::F32(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Ptr(p) => write!(f, "{:p}", p.addr()),
            Value::Str(s) => write!(f, "{:?}", s.as_cstr()),
            Value::Struct(s) => write!(f, "{s:?}"),
        }
    }
}

// -- Conversions --

/// How a C type travels as a value: what `Value` variant is canonical for it and how it is
/// stored in memory. Computed once per parameter (see `call`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    /// `void` (results only).
    Void,
    /// `_Bool`.
    Bool,
    /// An integer of `bytes` bytes (1, 2, 4, 8), signed or not (enums included).
    Int { bytes: u8, signed: bool },
    /// `float`.
    F32,
    /// `double`.
    F64,
    /// `long double`, carried as `f64` (the libffi backend converts).
    LongDouble,
    /// A pointer; `ty` is the pointer type (for compatibility checks and typed results);
    /// `chars` is true for `char *`/`void *`-like parameters that accept strings.
    Ptr { ty: TypeId, chars: bool },
    /// A struct or union of `size` bytes passed by value.
    Struct { ty: TypeId, size: u32 },
    /// A type jitffi cannot pass (yet): `long double`, `__int128`, …
    Unsupported,
}

impl Conv {
    /// The conversion for values of C type `ty`.
    pub(crate) fn of(
        t: &TypeTable,
        size_of: impl Fn(TypeId) -> Option<u64>,
        ty: TypeId,
        char_signed: bool,
    ) -> Conv {
        match t.raw_type(ty) {
            CType::Void => Conv::Void,
            CType::Prim(Prim::Bool) => Conv::Bool,
            CType::Prim(Prim::Float) => Conv::F32,
            CType::Prim(Prim::Double) => Conv::F64,
            CType::Prim(Prim::LongDouble) => Conv::LongDouble,
            CType::Prim(p) if p.is_integer() && p.int_rank() <= 5 => {
                let bytes = match p.int_rank() {
                    1 => 1,
                    2 => 2,
                    3 => 4,
                    _ => 8,
                };
                Conv::Int {
                    bytes,
                    signed: p.is_signed(char_signed),
                }
            }
            CType::Enum(e) => match &e.body {
                Some(b) => {
                    let bytes = if b.underlying.int_rank() <= 1 {
                        1
                    } else if b.underlying.int_rank() == 2 {
                        2
                    } else if b.underlying.int_rank() == 3 {
                        4
                    } else {
                        8
                    };
                    Conv::Int {
                        bytes,
                        signed: b.underlying.is_signed(char_signed),
                    }
                }
                None => Conv::Unsupported,
            },
            CType::Pointer(to) => {
                let chars = matches!(
                    t.raw_type(*to),
                    CType::Void | CType::Prim(Prim::Char | Prim::SChar | Prim::UChar)
                );
                Conv::Ptr {
                    ty: t.raw(ty),
                    chars,
                }
            }
            // Arrays and functions appear only after adjustment (parameters) or are errors.
            CType::Record(r) if r.body.is_some() => match size_of(ty) {
                Some(size) => Conv::Struct {
                    ty: t.raw(ty),
                    size: u32::try_from(size).unwrap_or(u32::MAX),
                },
                None => Conv::Unsupported,
            },
            _ => Conv::Unsupported,
        }
    }

    /// The `Value` tag a stub accepts without conversion.
    pub(crate) fn canonical_tag(self) -> u8 {
        match self {
            Conv::Void => tag::VOID,
            Conv::Bool => tag::BOOL,
            Conv::Int {
                bytes: 1,
                signed: true,
            } => tag::I8,
            Conv::Int {
                bytes: 1,
                signed: false,
            } => tag::U8,
            Conv::Int {
                bytes: 2,
                signed: true,
            } => tag::I16,
            Conv::Int {
                bytes: 2,
                signed: false,
            } => tag::U16,
            Conv::Int {
                bytes: 4,
                signed: true,
            } => tag::I32,
            Conv::Int {
                bytes: 4,
                signed: false,
            } => tag::U32,
            Conv::Int { signed: true, .. } => tag::I64,
            Conv::Int { signed: false, .. } => tag::U64,
            Conv::F32 => tag::F32,
            Conv::F64 | Conv::LongDouble => tag::F64,
            Conv::Ptr { .. } => tag::PTR,
            Conv::Struct { .. } => tag::STRUCT,
            Conv::Unsupported => u8::MAX,
        }
    }
}

/// Why a value cannot be passed as a C type. The caller adds the function and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ConvError {
    /// The value's kind cannot become the C type at all.
    Type,
    /// An integer outside the C type's range.
    Range(i128),
    /// A pointer of an incompatible type.
    PointerType(TypeId),
    /// A struct of another type.
    StructType(TypeId),
    /// A struct value whose byte length differs from the type's size.
    StructSize(usize),
}

/// Whether `from` (a pointer type of an argument) may be passed where `to` is expected:
/// the same type, qualifiers added, or either side `void *`.
pub(crate) fn pointer_compatible(t: &TypeTable, from: TypeId, to: TypeId) -> bool {
    if from == to {
        return true;
    }
    let (Some(pf), Some(pt)) = (t.pointee(from), t.pointee(to)) else {
        return false;
    };
    let (rf, rt) = (t.raw(pf), t.raw(pt));
    if matches!(t.get(rf), CType::Void) || matches!(t.get(rt), CType::Void) {
        return true;
    }
    // Qualifiers may be added, not dropped (`char *` → `const char *`).
    if !t.quals(pt).contains(t.quals(pf)) {
        return false;
    }
    if rf == rt {
        return true;
    }
    match (t.get(rf), t.get(rt)) {
        (CType::Pointer(_), CType::Pointer(_)) => pointer_compatible(t, rf, rt),
        _ => false,
    }
}

/// Converts an argument to the canonical `Value` of its parameter's C type, checking range and
/// type (the slow path of untyped calls, and the only path of the libffi backend).
pub(crate) fn c_from_value<'a>(
    t: &TypeTable,
    conv: Conv,
    v: &Value<'a>,
) -> Result<Value<'a>, ConvError> {
    match conv {
        Conv::Void | Conv::Unsupported => Err(ConvError::Type),
        Conv::Bool => match v {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            _ => match v.as_i128() {
                Some(0) => Ok(Value::Bool(false)),
                Some(1) => Ok(Value::Bool(true)),
                Some(i) => Err(ConvError::Range(i)),
                None => Err(ConvError::Type),
            },
        },
        Conv::Int { bytes, signed } => {
            let i = v.as_i128().ok_or(ConvError::Type)?;
            let bits = u32::from(bytes) * 8;
            let (lo, hi) = if signed {
                (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
            } else {
                (0, (1i128 << bits) - 1)
            };
            if i < lo || i > hi {
                return Err(ConvError::Range(i));
            }
            // The range check makes each narrowing exact.
            Ok(match (bytes, signed) {
                (1, true) => Value::I8(i as i8),
                (1, false) => Value::U8(i as u8),
                (2, true) => Value::I16(i as i16),
                (2, false) => Value::U16(i as u16),
                (4, true) => Value::I32(i as i32),
                (4, false) => Value::U32(i as u32),
                (_, true) => Value::I64(i as i64),
                (_, false) => Value::U64(i as u64),
            })
        }
        Conv::F32 => v
            .as_f64()
            .map(|f| Value::F32(f as f32))
            .ok_or(ConvError::Type),
        Conv::F64 | Conv::LongDouble => v.as_f64().map(Value::F64).ok_or(ConvError::Type),
        Conv::Ptr { ty, chars } => match v {
            Value::Ptr(p) => match p.type_id() {
                Some(from) if !pointer_compatible(t, from, ty) => Err(ConvError::PointerType(from)),
                _ => Ok(Value::Ptr(Pointer::typed(p.addr(), ty))),
            },
            Value::Str(s) if chars => Ok(Value::Str(*s)),
            _ => Err(ConvError::Type),
        },
        Conv::Struct { ty, size } => match v {
            // A value named through a typedef is the same struct.
            Value::Struct(s) if s.type_id().index() >= t.len() || t.raw(s.type_id()) != ty => {
                Err(ConvError::StructType(s.type_id()))
            }
            Value::Struct(s) if s.len != size => Err(ConvError::StructSize(s.len as usize)),
            Value::Struct(s) => {
                let mut s = s.clone();
                s.ty = ty.0;
                Ok(Value::Struct(s))
            }
            _ => Err(ConvError::Type),
        },
    }
}

/// Reads a C value of conversion `conv` from `bytes` (a result or memory) as a `Value`.
pub(crate) fn value_from_c(conv: Conv, bytes: &[u8]) -> Value<'static> {
    let word = |n: usize| {
        let mut b = [0u8; 8];
        b[..n].copy_from_slice(&bytes[..n]);
        u64::from_le_bytes(b)
    };
    match conv {
        Conv::Void | Conv::Unsupported => Value::Void,
        Conv::Bool => Value::Bool(bytes[0] != 0),
        Conv::Int { bytes: n, signed } => {
            let n = n as usize;
            let raw = word(n);
            let shift = 64 - 8 * n as u32;
            if signed {
                let v = ((raw << shift) as i64) >> shift;
                match n {
                    1 => Value::I8(v as i8),
                    2 => Value::I16(v as i16),
                    4 => Value::I32(v as i32),
                    _ => Value::I64(v),
                }
            } else {
                match n {
                    1 => Value::U8(raw as u8),
                    2 => Value::U16(raw as u16),
                    4 => Value::U32(raw as u32),
                    _ => Value::U64(raw),
                }
            }
        }
        Conv::F32 => Value::F32(f32::from_bits(word(4) as u32)),
        Conv::F64 | Conv::LongDouble => Value::F64(f64::from_bits(word(8))),
        Conv::Ptr { ty, .. } => Value::Ptr(Pointer::typed(word(8) as usize as *mut c_void, ty)),
        Conv::Struct { ty, size } => {
            Value::Struct(StructValue::owned(ty, bytes[..size as usize].into()))
        }
    }
}
