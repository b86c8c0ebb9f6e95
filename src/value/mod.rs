//! `Value`: what untyped calls take and return, and the conversions between values and C.
//!
//! `Value` is `#[repr(C, u64)]`, so its layout is defined (RFC 2195): an 8-byte tag at offset 0
//! and the payload at offset 8. JIT-compiled call stubs read arguments straight out of a
//! `&[Value]` and the result is made without a branch, checking only the tag on the fast path;
//! the conversions here (`c_from_value`) are the slow path that accepts every legal argument
//! and explains every illegal one. (A one-byte tag would leave 7 bytes of padding, which Rust
//! copies with loads that straddle the tag and the payload: those defeat store-to-load
//! forwarding and cost more than the whole call stub.)

use std::ffi::{CStr, c_char, c_void};
use std::fmt;
use std::marker::PhantomData;

use crate::ctype::TypeId;

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
    /// `long double` (x86-64's x87 extended format), exactly: what calls return for it, and
    /// what keeps a variadic argument a `long double`.
    F80(F80) = 15,
    /// `__int128`, `int128_t` (libffi passes it).
    I128(Bits128) = 16,
    /// `unsigned __int128`.
    U128(Bits128) = 17,
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
    pub const F80: u8 = 15;
    pub const I128: u8 = 16;
    pub const U128: u8 = 17;
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

    /// A struct value of type `ty` (a `&Type`) made of `bytes`, borrowed.
    ///
    /// # Panics
    ///
    /// Panics if `bytes` is longer than 4 GiB.
    pub fn borrowed(ty: impl Into<TypeId>, bytes: &'a [u8]) -> StructValue<'a> {
        Self::borrowed_id(ty.into(), bytes)
    }

    /// [`StructValue::borrowed`] by type id.
    pub(crate) fn borrowed_id(ty: TypeId, bytes: &'a [u8]) -> StructValue<'a> {
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
    pub fn owned(ty: impl Into<TypeId>, bytes: Box<[u8]>) -> StructValue<'static> {
        Self::owned_id(ty.into(), bytes)
    }

    /// [`StructValue::owned`] by type id.
    pub(crate) fn owned_id(ty: TypeId, bytes: Box<[u8]>) -> StructValue<'static> {
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
    pub fn owned_copy(ty: impl Into<TypeId>, bytes: &[u8]) -> StructValue<'static> {
        Self::owned_copy_id(ty.into(), bytes)
    }

    /// [`StructValue::owned_copy`] by type id.
    pub(crate) fn owned_copy_id(ty: TypeId, bytes: &[u8]) -> StructValue<'static> {
        if bytes.len() <= Self::INLINE {
            let mut inline = [0u8; Self::INLINE];
            inline[..bytes.len()].copy_from_slice(bytes);
            Self::inline(ty, bytes.len(), inline)
        } else {
            Self::owned_id(ty, bytes.into())
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

    /// The struct's C type, as [`Type::id`](crate::Type::id) names it.
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
        StructValue::owned_copy_id(self.type_id(), self.bytes())
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
            Value::F80(_) => "F80",
            Value::I128(_) => "i128",
            Value::U128(_) => "u128",
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
            Value::I128(v) => v.as_i128(),
            Value::U128(v) => i128::try_from(v.as_u128()).ok()?,
            _ => return None,
        })
    }

    /// The value as a float, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::F32(v) => Some(v.into()),
            Value::F64(v) => Some(v),
            Value::F80(v) => Some(v.to_f64()),
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

    /// The NUL-terminated string a `char *` result (or any pointer value) points to; `None`
    /// for NULL and for values that are not pointers.
    ///
    /// # Safety
    ///
    /// A non-null pointer points to a NUL-terminated string that stays valid and unchanged for
    /// `'s` (C's documentation of the function says for how long: `getenv`'s until the next
    /// `setenv`, `strerror`'s until the next call, a library's version string forever).
    ///
    /// # Examples
    ///
    /// ```
    /// use jitffi::{Ffi, Library, args};
    ///
    /// let ffi = Ffi::new();
    /// ffi.cdef("char *strchr(const char *s, int c);")?;
    /// let libc = ffi.bind(&Library::process());
    /// let s = c"key=value";
    /// // SAFETY: strchr is declared right; its result points into `s` or is NULL.
    /// unsafe {
    ///     let r = libc.call("strchr", args![s, '=' as i32])?;
    ///     assert_eq!(r.as_c_str().map(|c| c.to_str().unwrap()), Some("=value"));
    ///     assert_eq!(libc.call("strchr", args![s, '#' as i32])?.as_c_str(), None);
    /// }
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    pub unsafe fn as_c_str<'s>(&self) -> Option<&'s CStr> {
        let p = self.as_ptr()?;
        if p.is_null() {
            return None;
        }
        // SAFETY: non-null, and NUL-terminated and valid for `'s` (the caller's contract).
        Some(unsafe { CStr::from_ptr(p.cast::<c_char>()) })
    }

    /// [`Value::as_c_str`] copied into a `String` (invalid UTF-8 replaced by U+FFFD).
    ///
    /// # Safety
    ///
    /// As [`Value::as_c_str`], for the duration of the call.
    pub unsafe fn to_string_lossy(&self) -> Option<String> {
        // SAFETY: forwarded from this function's contract; the string is copied before return.
        unsafe { self.as_c_str() }.map(|c| c.to_string_lossy().into_owned())
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
            Value::F80(v) => Value::F80(v),
            Value::I128(v) => Value::I128(v),
            Value::U128(v) => Value::U128(v),
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

impl From<i128> for Value<'static> {
    fn from(x: i128) -> Self {
        Value::I128(Bits128::from(x))
    }
}

impl From<u128> for Value<'static> {
    fn from(x: u128) -> Self {
        Value::U128(Bits128::from(x))
    }
}

impl From<F80> for Value<'static> {
    fn from(x: F80) -> Self {
        Value::F80(x)
    }
}

impl<'a> From<&'a CStr> for Value<'a> {
    fn from(s: &'a CStr) -> Self {
        Value::str(s)
    }
}

impl<'a> From<Option<&'a CStr>> for Value<'a> {
    /// `None` is NULL.
    fn from(s: Option<&'a CStr>) -> Self {
        s.map_or(Value::NULL, Value::str)
    }
}

impl From<usize> for Value<'static> {
    fn from(x: usize) -> Self {
        Value::U64(x as u64)
    }
}

impl From<isize> for Value<'static> {
    fn from(x: isize) -> Self {
        Value::I64(x as i64)
    }
}

impl<T> From<*const T> for Value<'static> {
    /// An untyped pointer: it converts to any pointer parameter.
    fn from(p: *const T) -> Self {
        Value::ptr(p)
    }
}

impl<T> From<*mut T> for Value<'static> {
    /// An untyped pointer: it converts to any pointer parameter.
    fn from(p: *mut T) -> Self {
        Value::ptr(p)
    }
}

impl From<Pointer> for Value<'static> {
    fn from(p: Pointer) -> Self {
        Value::Ptr(p)
    }
}

impl<'a> From<StructValue<'a>> for Value<'a> {
    fn from(s: StructValue<'a>) -> Self {
        Value::Struct(s)
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
            Value::F80(v) => write!(f, "{v}"),
            Value::I128(v) => write!(f, "{}", v.as_i128()),
            Value::U128(v) => write!(f, "{}", v.as_u128()),
        }
    }
}

mod conv;
mod f80;
mod wide;

pub(crate) use conv::*;
pub use f80::F80;
pub use wide::Bits128;
