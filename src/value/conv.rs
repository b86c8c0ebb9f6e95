//! Conversions between `Value`s and C bytes: the canonical variant of each C type (`Conv`),
//! the checked argument conversion (`c_from_value`) and the result conversion (`value_from_c`).

use super::{Bits128, F80, PAYLOAD, POINTEE, PTR_TYPE, Pointer, StructValue, UNTYPED, Value, tag};
use crate::ctype::{CType, Prim, TypeId, TypeTable};

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
    /// `long double`, as [`F80`] (libffi passes it).
    LongDouble,
    /// `__int128` / `unsigned __int128`, as [`Bits128`] (libffi passes it).
    Int128 { signed: bool },
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
            CType::Prim(Prim::Int128) => Conv::Int128 { signed: true },
            CType::Prim(Prim::UInt128) => Conv::Int128 { signed: false },
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
            // `_Complex`: a value of two parts, passed as a struct of them (every ABI here).
            CType::Prim(Prim::FloatComplex | Prim::DoubleComplex) => match size_of(ty) {
                Some(size) => Conv::Struct {
                    ty: t.raw(ty),
                    size: u32::try_from(size).unwrap_or(u32::MAX),
                },
                None => Conv::Unsupported,
            },
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
            // Not a word: `value_from_c` reads its 10 bytes.
            Conv::Struct { .. } | Conv::Unsupported | Conv::LongDouble | Conv::Int128 { .. } => {
                None
            }
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
            Conv::LongDouble | Conv::Int128 { .. } => 16,
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
            Conv::F64 => tag::F64,
            Conv::LongDouble => tag::F80,
            Conv::Int128 { signed: true } => tag::I128,
            Conv::Int128 { signed: false } => tag::U128,
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
    // Widest first, as `write_word`.
    unsafe {
        if size >= 8 {
            a.cast::<u64>().read_unaligned()
        } else if size == 4 {
            u64::from(a.cast::<u32>().read_unaligned())
        } else if size == 2 {
            u64::from(a.cast::<u16>().read_unaligned())
        } else {
            u64::from(a.read())
        }
    }
}

/// Writes the C representation of `v`, a canonical value of a scalar of `size` bytes (1 to 8,
/// or 16 for `__int128`; a `long double`'s 10 significant bytes).
///
/// # Safety
///
/// `size` bytes at `a` are writable (16 for a `long double`).
#[inline]
pub(crate) unsafe fn write_scalar(a: *mut u8, size: usize, v: &Value<'_>) {
    // SAFETY: the caller vouches for the bytes.
    unsafe {
        match v {
            Value::F80(x) => std::ptr::copy_nonoverlapping(x.to_le_bytes().as_ptr(), a, 10),
            Value::I128(b) | Value::U128(b) => {
                std::ptr::copy_nonoverlapping(b.to_le_bytes().as_ptr(), a, 16);
            }
            other => write_word(a, size, payload_word(other)),
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
    // SAFETY: the caller vouches for `size` writable bytes. Tested widest first: 8-byte members
    // (`double`, `long`, pointers) then take one compare.
    unsafe {
        if size >= 8 {
            a.cast::<u64>().write_unaligned(w);
        } else if size == 4 {
            a.cast::<u32>().write_unaligned(w as u32);
        } else if size == 2 {
            a.cast::<u16>().write_unaligned(w as u16);
        } else {
            a.write(w as u8);
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

/// An integer as a 128-bit one of the given signedness, range-checked.
fn int128_of<'a>(v: &Value<'_>, signed: bool) -> Result<Value<'a>, ConvError> {
    match (v, signed) {
        (Value::I128(b), true) => Ok(Value::I128(*b)),
        (Value::U128(b), false) => Ok(Value::U128(*b)),
        (Value::U128(b), true) => i128::try_from(b.as_u128())
            .map(|_| Value::I128(*b))
            .map_err(|_| ConvError::Type),
        (_, true) => Ok(Value::I128(Bits128::from(
            v.as_i128().ok_or(ConvError::Type)?,
        ))),
        (_, false) => {
            let i = v.as_i128().ok_or(ConvError::Type)?;
            u128::try_from(i)
                .map(|u| Value::U128(Bits128::from(u)))
                .map_err(|_| ConvError::Range(i))
        }
    }
}

/// A number as a `long double`: exactly from an `F80`, a float or an integer of up to 64
/// bits (wider integers are rounded).
pub(crate) fn f80_of(v: &Value<'_>) -> Option<F80> {
    Some(match *v {
        Value::F80(x) => x,
        Value::F32(x) => F80::from_f64(x.into()),
        Value::F64(x) => F80::from_f64(x),
        _ => match v.as_i128()? {
            i if i < 0 => i64::try_from(i).map_or_else(|_| F80::from_f64(i as f64), F80::from),
            i => u64::try_from(i).map_or_else(|_| F80::from_f64(i as f64), F80::from),
        },
    })
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
        Conv::F64 => v.as_f64().map(Value::F64).ok_or(ConvError::Type),
        // Exact from an F80, an f64, an f32 or an integer of up to 64 bits.
        Conv::LongDouble => f80_of(v).map(Value::F80).ok_or(ConvError::Type),
        Conv::Int128 { signed } => int128_of(v, signed),
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
/// All 40 bytes are written, as five words (the tag, the bits as the payload, `ptr_ty` where a
/// [`Pointer`] keeps its type, zeros). Measured with `jitffi bench calls` against the earlier
/// two 16-byte vector stores (which take the bits through a vector register first): equal or
/// faster on every row, prepared calls by up to 0.8 ns. Writing only the three fields a scalar
/// variant has made a `Value` moved right after the call (`p = ptr_id(p)`) 2.7 ns slower: the
/// move's loads then span stores and unwritten bytes and cannot be forwarded.
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
        #[cfg(target_endian = "little")]
        {
            const { assert!(PAYLOAD == 8 && PTR_TYPE == 16) };
            // Word stores: a caller that reads the payload back (`as_ptr`, a match) gets it
            // forwarded from a store of its own width, and the compiler may keep it in a
            // register.
            let w = p.cast::<u64>();
            w.write(u64::from(tag));
            w.add(1).write_unaligned(bits);
            w.add(2).write_unaligned(u64::from(ptr_ty));
            w.add(3).write_unaligned(0);
            w.add(4).write_unaligned(0);
        }
        #[cfg(not(target_endian = "little"))]
        {
            // The word stores above assume the payload's low bytes come first.
            v.write(value_from_bits_tagged(tag, ptr_ty, bits));
        }
        v.assume_init()
    }
}

/// [`scalar_from_raw`] one variant at a time.
#[cfg(not(target_endian = "little"))]
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
            addr: bits as usize as *mut std::ffi::c_void,
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
        Conv::F64 | Conv::Ptr { .. } => word(8),
        Conv::LongDouble => {
            let mut b = [0u8; 10];
            b.copy_from_slice(&bytes[..10]);
            return Value::F80(F80::from_le_bytes(b));
        }
        Conv::Int128 { signed } => {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[..16]);
            let v = Bits128::from_le_bytes(b);
            return if signed {
                Value::I128(v)
            } else {
                Value::U128(v)
            };
        }
        Conv::Struct { ty, size } => {
            return Value::Struct(StructValue::owned_copy_id(ty, &bytes[..size as usize]));
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
    use std::ffi::c_void;

    use super::*;

    #[test]
    fn struct_values_keep_small_bytes_inline_and_large_ones_on_the_heap() {
        let ty = TypeId(7);
        let small: Vec<u8> = (1..=16).collect();
        let large: Vec<u8> = (1..=17).collect();
        let inline = StructValue::owned_copy_id(ty, &small);
        let heap = StructValue::owned_copy_id(ty, &large);
        let borrowed = StructValue::borrowed_id(ty, &large);
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
        assert_eq!(StructValue::owned_copy_id(ty, &[]).bytes(), &[] as &[u8]);
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
