//! Decoding: C bytes → a [`CValue`], printed as a C initializer or as JSON.
#![forbid(unsafe_code)]

use super::*;

/// A C value read from memory, for display.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CValue {
    /// `void` (no value).
    Void,
    /// `_Bool`.
    Bool(bool),
    /// Any integer or enum.
    Int(i128),
    /// `float`, `double`.
    Float(f64),
    /// `long double`, exactly (printed as C's `%.21Lg`).
    LongDouble(crate::F80),
    /// An `unsigned __int128` above `i128::MAX`.
    UInt(u128),
    /// A pointer.
    Pointer(u64),
    /// A struct or union: members by name (anonymous members' members in place).
    Record(Vec<(String, CValue)>),
    /// An array, or a complex number as `[real, imaginary]`.
    Array(Vec<CValue>),
}

/// Reads a value of C type `ty` from `bytes`.
///
/// # Errors
///
/// A type with no size or no readable values (functions, `__int128` bit-fields), or `bytes`
/// shorter than the type.
pub fn decode(cx: Types<'_>, ty: TypeId, bytes: &[u8]) -> Result<CValue, LiteralError> {
    let size = cx.size(ty)?;
    if (bytes.len() as u64) < size {
        return err(format!(
            "{} bytes for a '{}' of {size}",
            bytes.len(),
            cx.show(ty)
        ));
    }
    decode_at(cx, ty, bytes, 0)
}

pub(super) fn read_uint(bytes: &[u8], at: u64, size: u64) -> Result<u128, LiteralError> {
    let at = usize::try_from(at).map_err(|_| LiteralError("offset too large".into()))?;
    let b = bytes
        .get(at..at + size as usize)
        .ok_or_else(|| LiteralError("internal: read outside the object".into()))?;
    let mut w = [0u8; 16];
    w[..b.len()].copy_from_slice(b);
    Ok(u128::from_le_bytes(w))
}

pub(super) fn decode_at(
    cx: Types<'_>,
    ty: TypeId,
    bytes: &[u8],
    at: u64,
) -> Result<CValue, LiteralError> {
    let t = cx.table;
    let raw = t.raw(ty);
    Ok(match t.get(raw) {
        CType::Void => CValue::Void,
        CType::Prim(Prim::Bool) => CValue::Bool(read_uint(bytes, at, 1)? != 0),
        CType::Prim(p) if p.is_integer() => int_at(cx, raw, bytes, at)?,
        CType::Enum(_) => int_at(cx, raw, bytes, at)?,
        CType::Prim(Prim::Float) => CValue::Float(f32_shortest(f32::from_bits(read_uint(
            bytes, at, 4,
        )? as u32))),
        CType::Prim(Prim::Double) => CValue::Float(f64::from_bits(read_uint(bytes, at, 8)? as u64)),
        CType::Prim(Prim::LongDouble) if cx.target.arch == layout::Arch::X86_64 => {
            let v = read_uint(bytes, at, 16)?.to_le_bytes();
            let mut b = [0u8; 10];
            b.copy_from_slice(&v[..10]);
            CValue::LongDouble(crate::F80::from_le_bytes(b))
        }
        CType::Prim(Prim::FloatComplex) => CValue::Array(vec![
            CValue::Float(f32_shortest(
                f32::from_bits(read_uint(bytes, at, 4)? as u32),
            )),
            CValue::Float(f32_shortest(f32::from_bits(
                read_uint(bytes, at + 4, 4)? as u32
            ))),
        ]),
        CType::Prim(Prim::DoubleComplex) => CValue::Array(vec![
            CValue::Float(f64::from_bits(read_uint(bytes, at, 8)? as u64)),
            CValue::Float(f64::from_bits(read_uint(bytes, at + 8, 8)? as u64)),
        ]),
        CType::Prim(p) => return err(format!("values of type '{}' cannot be shown", p.c_name())),
        CType::Pointer(_) => CValue::Pointer(read_uint(bytes, at, cx.target.pointer_size)? as u64),
        CType::Array { .. } | CType::Vector { .. } => {
            let (elem, len) = cx.elements(raw)?;
            let elem = &elem;
            let len = len.unwrap_or(0);
            let es = cx.size(*elem)?;
            let mut v = Vec::with_capacity(usize::try_from(len).unwrap_or(0).min(1 << 16));
            for i in 0..len {
                v.push(decode_at(cx, *elem, bytes, at + i * es)?);
            }
            CValue::Array(v)
        }
        CType::Record(rec) => {
            let Some(body) = &rec.body else {
                return err(format!("'{}' is incomplete", cx.show(ty)));
            };
            let mut members = Vec::new();
            for f in &body.fields {
                match (&f.name, f.bit_width) {
                    (None, Some(_)) => {} // unnamed bit-field: padding
                    (Some(name), Some(width)) => {
                        let (_, signed) = cx.int_info(f.ty).unwrap_or((4, false));
                        let signed = signed && !matches!(t.raw_type(f.ty), CType::Prim(Prim::Bool));
                        let mut v: u128 = 0;
                        for k in 0..u64::from(width) {
                            let bit = at * 8 + f.bit_offset + k;
                            let byte = *bytes
                                .get(usize::try_from(bit / 8).unwrap_or(usize::MAX))
                                .ok_or_else(|| {
                                LiteralError("internal: bit-field outside the object".into())
                            })?;
                            v |= u128::from((byte >> (bit % 8)) & 1) << k;
                        }
                        let value =
                            if signed && width > 0 && width < 128 && (v >> (width - 1)) & 1 == 1 {
                                (v as i128) - (1i128 << width)
                            } else {
                                v as i128
                            };
                        let value = if matches!(t.raw_type(f.ty), CType::Prim(Prim::Bool)) {
                            CValue::Bool(value != 0)
                        } else {
                            CValue::Int(value)
                        };
                        members.push((name.clone(), value));
                    }
                    (Some(name), None) => {
                        members.push((name.clone(), decode_at(cx, f.ty, bytes, at + f.offset)?));
                    }
                    (None, None) => {
                        // An anonymous struct or union: its members belong to this one.
                        if let CValue::Record(inner) = decode_at(cx, f.ty, bytes, at + f.offset)? {
                            members.extend(inner);
                        }
                    }
                }
            }
            CValue::Record(members)
        }
        CType::Func(_) => return err(format!("'{}' is a function type", cx.show(ty))),
        CType::Typedef(_) | CType::Qualified { .. } => return err("internal: unresolved typedef"),
    })
}

pub(super) fn int_at(
    cx: Types<'_>,
    ty: TypeId,
    bytes: &[u8],
    at: u64,
) -> Result<CValue, LiteralError> {
    let Some((size, signed)) = cx.int_info(ty) else {
        return err(format!("'{}' is incomplete", cx.show(ty)));
    };
    let v = read_uint(bytes, at, size)?;
    let bits = (size * 8) as u32;
    let v = if signed && bits < 128 && (v >> (bits - 1)) & 1 == 1 {
        (v as i128) - (1i128 << bits)
    } else {
        v as i128
    };
    Ok(CValue::Int(v))
}

impl CValue {
    /// The value as JSON: numbers, `true`/`false`, records as objects by member name, arrays
    /// as arrays, pointers as hex strings (`"0x7f…"`), `void` as `null`; integers beyond 64
    /// bits and non-finite floats (`"nan"`, `"inf"`, `"-inf"`) as strings.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            CValue::Void => J::Null,
            CValue::Bool(b) => J::Bool(*b),
            CValue::Int(v) => match (i64::try_from(*v), u64::try_from(*v)) {
                (Ok(i), _) => J::from(i),
                (_, Ok(u)) => J::from(u),
                _ => J::String(v.to_string()),
            },
            CValue::Float(f) if f.is_finite() => J::from(*f),
            CValue::Float(f) if f.is_nan() => J::String("nan".into()),
            CValue::Float(f) => J::String(if *f > 0.0 { "inf" } else { "-inf" }.into()),
            // 21 significant digits tell any two long doubles apart; a JSON number holds them
            // as written only as text, so it is a string.
            CValue::LongDouble(v) => J::String(v.to_string()),
            CValue::UInt(v) => J::String(v.to_string()),
            CValue::Pointer(p) => J::String(format!("{p:#x}")),
            CValue::Record(m) => {
                J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            CValue::Array(v) => J::Array(v.iter().map(CValue::to_json).collect()),
        }
    }
}

/// The `double` nearest to the shortest decimal that reads back as `f`: a `float` shown as
/// `1.4142135`, not `1.4142135381698608`.
pub(super) fn f32_shortest(f: f32) -> f64 {
    f.to_string().parse().unwrap_or(f64::from(f))
}

pub(super) fn float_text(f: f64) -> String {
    if f.is_nan() {
        "NAN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "INFINITY".into()
        } else {
            "-INFINITY".into()
        }
    } else {
        // Shortest round trip, with a point or an exponent (`2.0`, `1e300`): it reads back as
        // a floating constant.
        format!("{f:?}")
    }
}

/// C syntax that [`parse`] and [`encode`] read back: numbers, `true`/`false`, `NULL` and
/// `(void *)0x…` for pointers, records and arrays as initializers (`{.x = 1.5, .y = 2.0}`,
/// `{1, 2, 3}`).
impl fmt::Display for CValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CValue::Void => f.write_str("void"),
            CValue::Bool(b) => write!(f, "{b}"),
            CValue::Int(v) => write!(f, "{v}"),
            CValue::Float(v) => f.write_str(&float_text(*v)),
            CValue::LongDouble(v) => write!(f, "{v}"),
            CValue::UInt(v) => write!(f, "{v}"),
            CValue::Pointer(0) => f.write_str("NULL"),
            CValue::Pointer(p) => write!(f, "(void *){p:#x}"),
            CValue::Record(m) => {
                f.write_str("{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}.{k} = {v}")?;
                }
                f.write_str("}")
            }
            CValue::Array(v) => {
                f.write_str("{")?;
                for (i, e) in v.iter().enumerate() {
                    let sep = if i == 0 { "" } else { ", " };
                    write!(f, "{sep}{e}")?;
                }
                f.write_str("}")
            }
        }
    }
}
