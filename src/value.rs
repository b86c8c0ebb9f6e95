//! `Value`: what untyped calls take and return, and the conversions between values and C.
//!
//! `Value` is `#[repr(C, u64)]`, so its layout is defined (RFC 2195): an 8-byte tag at offset 0
//! and the payload at offset 8. JIT-compiled call stubs read arguments straight out of a
//! `&[Value]` and the result is made without a branch, checking only the tag on the fast path;
//! the conversions here ([`c_from_value`]) are the slow path that accepts every legal argument
//! and explains every illegal one. (A one-byte tag would leave 7 bytes of padding, which Rust
//! copies with loads that straddle the tag and the payload: those defeat store-to-load
//! forwarding and cost more than the whole call stub.)

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
#[repr(C, u64)]
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
/// Offset of a [`StructValue`]'s inline bytes (valid when the data pointer is null).
pub(crate) const STRUCT_INLINE: i32 = PAYLOAD + 16;

/// The type id a [`Pointer`] carries when its pointee type is unknown.
pub(crate) const UNTYPED: u32 = u32::MAX;
/// Set in a [`Pointer`]'s type id when it holds the *pointee* type (a pointer to a `CData`
/// whose pointer type the table does not have: tables are snapshots, and a function's may
/// predate it; the pointee is known to both). Also [`Pointer::type_id`] is `None` for these.
pub(crate) const POINTEE: u32 = 1 << 31;

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

    /// The raw type tag (a pointer type id, a pointee id with [`POINTEE`], or [`UNTYPED`]).
    pub(crate) fn tag(self) -> u32 {
        self.ty
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
        (self.ty != UNTYPED && self.ty & POINTEE == 0).then_some(TypeId(self.ty))
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
/// id and the length. Owned values of up to [`StructValue::INLINE`] bytes keep their bytes
/// inline (no allocation: struct results of small structs cost what scalars cost).
#[repr(C)]
pub struct StructValue<'a> {
    ty: u32,
    len: u32,
    /// The bytes when they are borrowed or on the heap; null when they are inline.
    data: *const u8,
    store: Store,
    _life: PhantomData<&'a [u8]>,
}

/// See [`StructValue::INLINE`].
const INLINE_BYTES: usize = 16;

/// Where an owned struct value keeps its bytes. `data` says which field is valid: null means
/// `inline`; otherwise `heap`, which is `None` for borrowed bytes.
#[repr(C)]
union Store {
    heap: std::mem::ManuallyDrop<Option<Box<[u8]>>>,
    inline: [u8; INLINE_BYTES],
}

impl<'a> StructValue<'a> {
    /// The largest struct kept inline by [`StructValue::owned_copy`] and call results.
    pub const INLINE: usize = INLINE_BYTES;

    /// A struct value of type `ty` made of `bytes`, borrowed.
    ///
    /// # Panics
    ///
    /// Panics if `bytes` is longer than 4 GiB.
    pub fn borrowed(ty: TypeId, bytes: &'a [u8]) -> StructValue<'a> {
        StructValue {
            ty: ty.0,
            len: u32::try_from(bytes.len()).expect("struct values are smaller than 4 GiB"),
            // A dangling but non-null pointer for empty slices keeps "null means inline".
            data: bytes.as_ptr(),
            store: Store {
                heap: std::mem::ManuallyDrop::new(None),
            },
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
            store: Store {
                heap: std::mem::ManuallyDrop::new(Some(bytes)),
            },
            _life: PhantomData,
        }
    }

    /// A struct value of type `ty` that owns a copy of `bytes`: inline up to
    /// [`StructValue::INLINE`] bytes, on the heap beyond.
    ///
    /// # Panics
    ///
    /// Panics if `bytes` is longer than 4 GiB.
    pub fn owned_copy(ty: TypeId, bytes: &[u8]) -> StructValue<'static> {
        if bytes.len() <= Self::INLINE {
            let mut inline = [0u8; Self::INLINE];
            inline[..bytes.len()].copy_from_slice(bytes);
            Self::inline(ty, bytes.len(), inline)
        } else {
            Self::owned(ty, bytes.into())
        }
    }

    /// A struct value whose first `len` (at most [`StructValue::INLINE`]) bytes of `inline`
    /// are its bytes.
    #[inline]
    pub(crate) fn inline(
        ty: TypeId,
        len: usize,
        inline: [u8; INLINE_BYTES],
    ) -> StructValue<'static> {
        debug_assert!(len <= Self::INLINE);
        StructValue {
            ty: ty.0,
            len: len.min(Self::INLINE) as u32,
            data: std::ptr::null(),
            store: Store { inline },
            _life: PhantomData,
        }
    }

    /// The struct's C type.
    pub fn type_id(&self) -> TypeId {
        TypeId(self.ty)
    }

    /// The bytes.
    #[inline]
    pub fn bytes(&self) -> &[u8] {
        if self.data.is_null() {
            // SAFETY: a null `data` means `inline` is the valid field, with `len` ≤ INLINE.
            unsafe { &self.store.inline[..self.len as usize] }
        } else {
            // SAFETY: `data` points to `len` bytes borrowed for `'a` or owned by `store.heap`
            // (a boxed slice does not move when `self` moves).
            unsafe { std::slice::from_raw_parts(self.data, self.len as usize) }
        }
    }

    /// An owned copy.
    pub fn to_owned(&self) -> StructValue<'static> {
        StructValue::owned_copy(self.type_id(), self.bytes())
    }
}

impl Drop for StructValue<'_> {
    #[inline]
    fn drop(&mut self) {
        if !self.data.is_null() {
            // SAFETY: a non-null `data` means `heap` is the valid field; it is dropped once.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.store.heap) };
        }
    }
}

impl Clone for StructValue<'_> {
    fn clone(&self) -> Self {
        if self.data.is_null() {
            // SAFETY: `inline` is the valid field (see `bytes`).
            let inline = unsafe { self.store.inline };
            return StructValue {
                ty: self.ty,
                len: self.len,
                data: std::ptr::null(),
                store: Store { inline },
                _life: PhantomData,
            };
        }
        // SAFETY: `heap` is the valid field (see `bytes`).
        match unsafe { &*self.store.heap } {
            Some(b) => {
                let b = b.clone();
                StructValue {
                    ty: self.ty,
                    len: self.len,
                    data: b.as_ptr(),
                    store: Store {
                        heap: std::mem::ManuallyDrop::new(Some(b)),
                    },
                    _life: PhantomData,
                }
            }
            None => StructValue {
                ty: self.ty,
                len: self.len,
                data: self.data,
                store: Store {
                    heap: std::mem::ManuallyDrop::new(None),
                },
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
    assert!(std::mem::offset_of!(StructValue<'static>, store) == 16);
    assert!(std::mem::size_of::<Value<'static>>() == 40);
    assert!(std::mem::align_of::<Value<'static>>() == 8);
};

impl Value<'_> {
    /// The variant's tag (see the `tag` module).
    #[inline]
    pub(crate) fn tag(&self) -> u8 {
        // SAFETY: `Value` is `repr(C, u64)`: its first 8 bytes are the tag, always initialised.
        let t = unsafe { std::ptr::from_ref(self).cast::<u64>().read() };
        t as u8
    }

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
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
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

    /// How a result of this conversion that comes back in a register becomes a `Value` (see
    /// [`scalar_from_raw`]): its tag and, for pointers, the type id; `None` for structs and
    /// what cannot be called.
    pub(crate) fn scalar_tag(self) -> Option<(u8, u32)> {
        match self {
            Conv::Ptr { ty, .. } => Some((tag::PTR, ty.0)),
            Conv::Struct { .. } | Conv::Unsupported => None,
            c => Some((c.canonical_tag(), UNTYPED)),
        }
    }

    /// The bytes of a value of this conversion in memory (0 for `void` and what jitffi
    /// cannot pass).
    pub(crate) fn size(self) -> usize {
        match self {
            Conv::Bool => 1,
            Conv::Int { bytes, .. } => usize::from(bytes),
            Conv::F32 => 4,
            Conv::LongDouble => 16,
            Conv::Struct { size, .. } => size as usize,
            Conv::Void | Conv::Unsupported => 0,
            Conv::F64 | Conv::Ptr { .. } => 8,
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
    if from == to || to.0 == UNTYPED {
        return true;
    }
    if from.0 != UNTYPED && from.0 & POINTEE != 0 {
        let pf = TypeId(from.0 & !POINTEE);
        if pf.index() >= t.len() {
            return t
                .pointee(to)
                .is_some_and(|p| matches!(t.raw_type(p), CType::Void));
        }
        return match t.find_pointer(pf) {
            Some(p) => pointer_compatible(t, p, to),
            None => t
                .pointee(to)
                .is_some_and(|pt| pointee_compatible(t, pf, pt)),
        };
    }
    // A pointer type made after this table's snapshot (a later cdef, a new `CData` type):
    // only `void *` is known to accept it.
    if from.index() >= t.len() {
        return t
            .pointee(to)
            .is_some_and(|p| matches!(t.raw_type(p), CType::Void));
    }
    let (Some(pf), Some(pt)) = (t.pointee(from), t.pointee(to)) else {
        return false;
    };
    pointee_compatible(t, pf, pt)
}

/// The C name of a pointer type tag (see [`Pointer::to_object`]) for messages.
pub(crate) fn pointer_type_name(t: &TypeTable, from: TypeId) -> String {
    let (id, star) = if from.0 & POINTEE != 0 {
        (TypeId(from.0 & !POINTEE), true)
    } else {
        (from, false)
    };
    match (id.index() < t.len(), star) {
        (true, false) => t.display(id),
        (true, true) => t.display(id) + " *",
        (false, _) => "a pointer to a type declared later".into(),
    }
}

/// Whether a pointer to `pf` may be passed as a pointer to `pt`.
fn pointee_compatible(t: &TypeTable, pf: TypeId, pt: TypeId) -> bool {
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

/// The range of a `bits`-bit integer (1 to 127 bits), signed or not.
pub(crate) fn int_range(bits: u32, signed: bool) -> (i128, i128) {
    if signed {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    } else {
        (0, (1i128 << bits) - 1)
    }
}

/// `x` as the canonical `Value` of a `bytes`-byte integer, wrapping as C's conversions to
/// integer types do (exact when `x` is in [`int_range`]).
pub(crate) fn int_value(bytes: u8, signed: bool, x: i128) -> Value<'static> {
    match (bytes, signed) {
        (1, true) => Value::I8(x as i8),
        (1, false) => Value::U8(x as u8),
        (2, true) => Value::I16(x as i16),
        (2, false) => Value::U16(x as u16),
        (4, true) => Value::I32(x as i32),
        (4, false) => Value::U32(x as u32),
        (_, true) => Value::I64(x as i64),
        (_, false) => Value::U64(x as u64),
    }
}

/// Reads a little-endian scalar of `size` (1, 2, 4 or 8) bytes, zero-extended.
///
/// # Safety
///
/// `size` bytes at `a` are readable.
#[inline]
pub(crate) unsafe fn read_word(a: *const u8, size: usize) -> u64 {
    // SAFETY: the caller vouches for `size` readable bytes; fixed-size unaligned loads (a
    // copy of a variable length would be a call to memcpy).
    unsafe {
        match size {
            1 => u64::from(a.read()),
            2 => u64::from(a.cast::<u16>().read_unaligned()),
            4 => u64::from(a.cast::<u32>().read_unaligned()),
            _ => a.cast::<u64>().read_unaligned(),
        }
    }
}

/// Writes the low `size` (1, 2, 4 or 8) bytes of `w`.
///
/// # Safety
///
/// `size` bytes at `a` are writable.
#[inline]
pub(crate) unsafe fn write_word(a: *mut u8, size: usize, w: u64) {
    // SAFETY: the caller vouches for `size` writable bytes.
    unsafe {
        match size {
            1 => a.write(w as u8),
            2 => a.cast::<u16>().write_unaligned(w as u16),
            4 => a.cast::<u32>().write_unaligned(w as u32),
            _ => a.cast::<u64>().write_unaligned(w),
        }
    }
}

/// The payload of a scalar `Value` as a word (its low bytes are the C representation).
#[inline]
pub(crate) fn payload_word(v: &Value<'_>) -> u64 {
    match *v {
        Value::Bool(b) => u64::from(b),
        Value::I8(x) => x as u8 as u64,
        Value::U8(x) => u64::from(x),
        Value::I16(x) => x as u16 as u64,
        Value::U16(x) => u64::from(x),
        Value::I32(x) => x as u32 as u64,
        Value::U32(x) => u64::from(x),
        Value::I64(x) => x as u64,
        Value::U64(x) => x,
        Value::F32(x) => u64::from(x.to_bits()),
        Value::F64(x) => x.to_bits(),
        Value::Ptr(p) => p.addr() as usize as u64,
        Value::Str(s) => s.as_ptr() as usize as u64,
        _ => 0,
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
            let (lo, hi) = int_range(u32::from(bytes) * 8, signed);
            if i < lo || i > hi {
                return Err(ConvError::Range(i));
            }
            // The range check makes the narrowing exact.
            Ok(int_value(bytes, signed, i))
        }
        Conv::F32 => v
            .as_f64()
            .map(|f| Value::F32(f as f32))
            .ok_or(ConvError::Type),
        Conv::F64 | Conv::LongDouble => v.as_f64().map(Value::F64).ok_or(ConvError::Type),
        Conv::Ptr { ty, chars } => match v {
            Value::Ptr(p) => match p.tag() {
                UNTYPED => Ok(Value::Ptr(Pointer::typed(p.addr(), ty))),
                from if !pointer_compatible(t, TypeId(from), ty) => {
                    Err(ConvError::PointerType(TypeId(from)))
                }
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

/// Whether `v` is already the canonical value of conversion `conv` (what `c_from_value` would
/// return unchanged): the checks the JIT stubs make, for the libffi path.
#[inline]
pub(crate) fn is_canonical(t: &TypeTable, conv: Conv, v: &Value<'_>) -> bool {
    match (conv, v) {
        (Conv::Ptr { ty, .. }, Value::Ptr(p)) => p.ty == UNTYPED || p.ty == ty.0,
        (Conv::Ptr { chars, .. }, Value::Str(_)) => chars,
        (Conv::Struct { ty, size }, Value::Struct(s)) => {
            s.len == size
                && s.type_id().index() < t.len()
                && t.raw(s.type_id()) == ty
                && s.ty == ty.0
        }
        (Conv::Void | Conv::Unsupported | Conv::Ptr { .. } | Conv::Struct { .. }, _) => false,
        (c, v) => v.tag() == c.canonical_tag(),
    }
}

/// A scalar result built from its tag and the 64 bits a stub returns, without a branch.
///
/// All 40 bytes are written in the pieces Rust moves a `Value` in: 16 bytes (the tag, the bits
/// as the payload), 16 bytes (`ptr_ty` where a [`Pointer`] keeps its type, unused bytes for
/// the other variants), 8 bytes. Written field by field, each load of a move would straddle
/// several stores and wait for them to reach the cache instead of being forwarded from them
/// (a dozen cycles, more than the rest of the call).
///
/// # Safety
///
/// `tag` is one of `tag::VOID ..= tag::PTR` and the low bytes of `bits` are a valid payload of
/// that variant (0 or 1 for `BOOL`).
#[inline]
pub(crate) unsafe fn scalar_from_raw(tag: u8, ptr_ty: u32, bits: u64) -> Value<'static> {
    debug_assert!(tag <= tag::PTR);
    let mut v = std::mem::MaybeUninit::<Value<'static>>::uninit();
    let p = v.as_mut_ptr().cast::<u8>();
    // SAFETY: `Value` is `repr(C, u64)`: an 8-byte tag, then a union of the variants' fields at
    // PAYLOAD (checked by the assertions after `StructValue`); the writes stay inside its 40
    // bytes and make the variant `tag` names valid (caller's contract).
    unsafe {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{__m128i, _mm_set_epi64x, _mm_storeu_si128};
            const { assert!(PAYLOAD == 8 && PTR_TYPE == 16) };
            _mm_storeu_si128(
                p.cast::<__m128i>(),
                _mm_set_epi64x(bits as i64, i64::from(tag)),
            );
            _mm_storeu_si128(
                p.add(16).cast::<__m128i>(),
                _mm_set_epi64x(0, i64::from(ptr_ty)),
            );
            p.add(32).cast::<u64>().write_unaligned(0);
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // Stubs exist on x86-64 only; this keeps the function whole elsewhere.
            v.write(value_from_bits_tagged(tag, ptr_ty, bits));
        }
        v.assume_init()
    }
}

/// [`scalar_from_raw`] one variant at a time.
#[cfg(not(target_arch = "x86_64"))]
fn value_from_bits_tagged(t: u8, ptr_ty: u32, bits: u64) -> Value<'static> {
    match t {
        tag::BOOL => Value::Bool(bits != 0),
        tag::I8 => Value::I8(bits as i8),
        tag::U8 => Value::U8(bits as u8),
        tag::I16 => Value::I16(bits as i16),
        tag::U16 => Value::U16(bits as u16),
        tag::I32 => Value::I32(bits as i32),
        tag::U32 => Value::U32(bits as u32),
        tag::I64 => Value::I64(bits as i64),
        tag::U64 => Value::U64(bits),
        tag::F32 => Value::F32(f32::from_bits(bits as u32)),
        tag::F64 => Value::F64(f64::from_bits(bits)),
        tag::PTR => Value::Ptr(Pointer {
            addr: bits as usize as *mut c_void,
            ty: ptr_ty,
        }),
        _ => Value::Void,
    }
}

/// Reads a C value of conversion `conv` from `bytes` (a result or memory) as a `Value`.
pub(crate) fn value_from_c(conv: Conv, bytes: &[u8]) -> Value<'static> {
    // Fixed-size loads (a copy of a variable length into a zeroed word would make the load
    // of the word wait for the copy's stores).
    let word = |n: usize| {
        let at = |k: usize| bytes.get(..k).unwrap_or(&[]);
        match n {
            1 => at(1).first().map_or(0, |b| u64::from(*b)),
            2 => at(2)
                .try_into()
                .map_or(0, |b| u64::from(u16::from_le_bytes(b))),
            4 => at(4)
                .try_into()
                .map_or(0, |b| u64::from(u32::from_le_bytes(b))),
            _ => at(8).try_into().map_or(0, u64::from_le_bytes),
        }
    };
    let raw = match conv {
        Conv::Void | Conv::Unsupported => 0,
        Conv::Bool => u64::from(bytes[0]),
        Conv::Int { bytes: n, .. } => word(usize::from(n.clamp(1, 8))),
        Conv::F32 => word(4),
        Conv::F64 | Conv::LongDouble | Conv::Ptr { .. } => word(8),
        Conv::Struct { ty, size } => {
            return Value::Struct(StructValue::owned_copy(ty, &bytes[..size as usize]));
        }
    };
    let (tag, ptr_ty) = conv.scalar_tag().unwrap_or((tag::VOID, UNTYPED));
    scalar_from_word(conv, tag, ptr_ty, raw)
}

/// The `Value` of a scalar of conversion `conv` whose bytes, zero-extended, are `raw`: signed
/// integers sign-extended, `_Bool` normalised to 0 or 1. `tag` and `ptr_ty` are
/// `conv.scalar_tag()` (callers on a hot path compute them once).
#[inline]
pub(crate) fn scalar_from_word(conv: Conv, tag: u8, ptr_ty: u32, raw: u64) -> Value<'static> {
    let bits = match conv {
        Conv::Bool => u64::from(raw != 0),
        Conv::Int {
            bytes,
            signed: true,
        } => {
            let shift = 64 - 8 * u32::from(bytes.clamp(1, 8));
            (((raw << shift) as i64) >> shift) as u64
        }
        _ => raw,
    };
    debug_assert_eq!(conv.scalar_tag(), Some((tag, ptr_ty)));
    // SAFETY: `tag` is the canonical scalar tag of `conv` and `bits` its payload, extended
    // (`_Bool` normalised to 0 or 1).
    unsafe { scalar_from_raw(tag, ptr_ty, bits) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_values_keep_small_bytes_inline_and_large_ones_on_the_heap() {
        let ty = TypeId(7);
        let small: Vec<u8> = (1..=16).collect();
        let large: Vec<u8> = (1..=17).collect();
        let inline = StructValue::owned_copy(ty, &small);
        let heap = StructValue::owned_copy(ty, &large);
        let borrowed = StructValue::borrowed(ty, &large);
        assert!(inline.data.is_null());
        assert!(!heap.data.is_null() && heap.data != large.as_ptr());
        assert_eq!(borrowed.data, large.as_ptr());
        for (v, bytes) in [(&inline, &small), (&heap, &large), (&borrowed, &large)] {
            assert_eq!(v.bytes(), &bytes[..]);
            assert_eq!(v.type_id(), ty);
            // Clones and moves keep the bytes (inline bytes move with the value).
            let c = v.clone();
            let moved = [c];
            assert_eq!(moved[0].bytes(), &bytes[..]);
            assert_eq!(&moved[0], v);
            assert_eq!(v.to_owned().bytes(), &bytes[..]);
        }
        assert_eq!(StructValue::owned_copy(ty, &[]).bytes(), &[] as &[u8]);
    }

    #[test]
    fn scalars_from_raw_bits_are_the_variants_rust_makes() {
        let cases: [(u8, u64, Value<'static>); 8] = [
            (tag::VOID, 0, Value::Void),
            (tag::BOOL, 1, Value::Bool(true)),
            (tag::I8, (-5i64) as u64, Value::I8(-5)),
            (tag::U16, 65535, Value::U16(65535)),
            (tag::I32, (-7i64) as u64, Value::I32(-7)),
            (tag::U64, u64::MAX, Value::U64(u64::MAX)),
            (tag::F32, u64::from(2.5f32.to_bits()), Value::F32(2.5)),
            (tag::F64, (-0.25f64).to_bits(), Value::F64(-0.25)),
        ];
        for (t, bits, expect) in cases {
            // SAFETY: each tag is a scalar tag and `bits` a valid payload for it.
            let v = unsafe { scalar_from_raw(t, UNTYPED, bits) };
            assert_eq!(v, expect);
            assert_eq!(v.tag(), t);
        }
        // SAFETY: as above, a pointer with its type.
        let p = unsafe { scalar_from_raw(tag::PTR, 42, 0x1000) };
        assert_eq!(
            p,
            Value::Ptr(Pointer::typed(0x1000 as *mut c_void, TypeId(42)))
        );
    }
}
