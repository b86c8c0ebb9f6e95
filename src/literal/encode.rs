//! Encoding: a [`Literal`] → the bytes of a declared C type, with C's conversions and range checks.
#![forbid(unsafe_code)]

use super::*;

/// A context for [`encode`] and [`decode`]: the type table and target.
#[derive(Clone, Copy)]
pub struct Types<'a> {
    /// The declarations.
    pub table: &'a TypeTable,
    /// Their target.
    pub target: &'a Target,
}

impl Types<'_> {
    pub(super) fn show(&self, ty: TypeId) -> String {
        self.table.display(ty)
    }

    pub(super) fn size(&self, ty: TypeId) -> Result<u64, LiteralError> {
        layout::layout_of(self.table, self.target, ty)
            .map(|l| l.size)
            .map_err(|e| LiteralError(e.to_string()))
    }

    /// The element type and length of an array or (as an array of its elements) a vector.
    pub(super) fn elements(&self, id: TypeId) -> Result<(TypeId, Option<u64>), LiteralError> {
        match self.table.raw_type(id) {
            CType::Array { elem, len } => Ok((*elem, *len)),
            CType::Vector { elem, size } => Ok((*elem, Some(size / self.size(*elem)?.max(1)))),
            _ => err(format!("'{}' is not an array", self.show(id))),
        }
    }

    pub(super) fn int_info(&self, ty: TypeId) -> Option<(u64, bool)> {
        let p = match self.table.raw_type(ty) {
            CType::Prim(p) if p.is_integer() => *p,
            CType::Enum(e) => e.body.as_ref()?.underlying,
            _ => return None,
        };
        let size = self.size(self.table.prim(p)).ok()?;
        Some((size, p.is_signed(self.target.char_signed)))
    }
}

/// The integer value of a literal for a parameter or member of C type `what`.
pub(super) fn int_value(cx: Types<'_>, lit: &Literal, what: &str) -> Result<i128, LiteralError> {
    match lit {
        Literal::Int { value, .. } => Ok(*value),
        Literal::Char(c) => Ok(if cx.target.char_signed {
            i128::from(*c as i8)
        } else {
            i128::from(*c)
        }),
        Literal::Bool(b) => Ok(i128::from(*b)),
        Literal::Name(n) => match cx.table.constant(n).map(|c| &c.value) {
            Some(ConstValue::Int { value, .. }) => Ok(*value),
            Some(_) => err(format!("'{n}' is not an integer constant")),
            None => err(format!("'{n}' is not a declared enumerator or constant")),
        },
        Literal::Cast { value, .. } => int_value(cx, value, what),
        Literal::WideUInt(v) => err(format!("{v} does not fit in '{what}'")),
        Literal::Float { .. } => err(format!("a floating constant where '{what}' is expected")),
        Literal::Str(_) => err(format!("a string where '{what}' is expected")),
        Literal::Null => err(format!("NULL where '{what}' is expected")),
        Literal::Init(_) => err(format!("an initializer where '{what}' is expected")),
    }
}

/// The floating value of a literal (integers convert, as in C).
pub(super) fn float_value(cx: Types<'_>, lit: &Literal, what: &str) -> Result<f64, LiteralError> {
    match lit {
        Literal::Float { value, .. } => Ok(*value),
        Literal::Name(n) => match cx.table.constant(n).map(|c| &c.value) {
            Some(ConstValue::Float { value, .. }) => Ok(*value),
            Some(ConstValue::Int { value, .. }) => Ok(*value as f64),
            _ => err(format!("'{n}' is not a declared numeric constant")),
        },
        Literal::Cast { value, .. } => float_value(cx, value, what),
        other => int_value(cx, other, what).map(|v| v as f64),
    }
}

/// A number as written: `Ok` for a floating literal or constant, `Err` with the integer
/// otherwise (so that a `long double` takes integers exactly).
pub(super) fn float_or_int(
    cx: Types<'_>,
    lit: &Literal,
    what: &str,
) -> Result<Result<f64, i128>, LiteralError> {
    match lit {
        Literal::Float { value, .. } => Ok(Ok(*value)),
        Literal::Name(n) => match cx.table.constant(n).map(|c| &c.value) {
            Some(ConstValue::Float { value, .. }) => Ok(Ok(*value)),
            Some(ConstValue::Int { value, .. }) => Ok(Err(*value)),
            _ => err(format!("'{n}' is not a declared numeric constant")),
        },
        Literal::Cast { value, .. } => float_or_int(cx, value, what),
        other => int_value(cx, other, what).map(Err),
    }
}

pub(super) fn check_range(
    v: i128,
    size: u64,
    signed: bool,
    what: &str,
) -> Result<(), LiteralError> {
    let bits = (size * 8).clamp(1, 128) as u32;
    let (lo, hi) = match (signed, bits) {
        (true, 128) => (i128::MIN, i128::MAX),
        (false, 128) => (0, i128::MAX),
        _ => crate::value::int_range(bits, signed),
    };
    if v < lo || v > hi {
        return err(format!("{v} does not fit in '{what}'"));
    }
    Ok(())
}

pub(super) fn put(out: &mut [u8], at: u64, bytes: &[u8]) -> Result<(), LiteralError> {
    let at = usize::try_from(at).map_err(|_| LiteralError("offset too large".into()))?;
    match out.get_mut(at..at + bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            Ok(())
        }
        None => err("internal: value outside its object"),
    }
}

/// The bytes of C type `ty` initialized by `lit`, with C's conversions and range checks.
/// Members an initializer does not mention are zero. A string for a pointer member stores the
/// address of the literal's own bytes: the result is valid while `lit` lives.
///
/// # Errors
///
/// A value that does not fit its type, an initializer that does not match the type's shape,
/// an unknown member name, a type with no size.
///
/// # Examples
///
/// ```
/// use jitffi::literal::{encode, parse, Types};
///
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct pt { short x; double y; };")?;
/// let ty = ffi.type_of("struct pt")?;
/// let types = Types { table: ty.table(), target: ffi.target() };
/// let bytes = encode(types, ty.id(), &parse("{.y = 2.5, .x = -1}")?)?;
/// assert_eq!(&bytes[..2], &(-1i16).to_le_bytes());
/// assert_eq!(&bytes[8..], &2.5f64.to_le_bytes());
/// let err = encode(types, ty.id(), &parse("{70000}")?).unwrap_err();
/// assert_eq!(err.to_string(), "struct pt .x: 70000 does not fit in 'short'");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode(cx: Types<'_>, ty: TypeId, lit: &Literal) -> Result<Vec<u8>, LiteralError> {
    let size = cx.size(ty)?;
    let mut out =
        vec![0u8; usize::try_from(size).map_err(|_| LiteralError("type too large".into()))?];
    encode_at(cx, ty, lit, &mut out, 0).map_err(|e| {
        // Member paths (`.pt.x: …`, `[2]: …`) are relative to the type encoded.
        if e.0.starts_with('.') || e.0.starts_with('[') {
            LiteralError(format!("{} {}", cx.show(ty), e.0))
        } else {
            e
        }
    })?;
    Ok(out)
}

pub(super) fn encode_at(
    cx: Types<'_>,
    ty: TypeId,
    lit: &Literal,
    out: &mut [u8],
    at: u64,
) -> Result<(), LiteralError> {
    let t = cx.table;
    let what = cx.show(ty);
    let raw = t.raw(ty);
    // A cast to the same kind of type: encode the operand (the type was checked by the
    // caller's resolution, or is a plain `(int)` in an initializer).
    if let Literal::Cast { value, .. } = lit
        && !matches!(t.get(raw), CType::Pointer(_))
    {
        return encode_at(cx, ty, value, out, at);
    }
    match t.get(raw) {
        CType::Prim(Prim::Bool) => {
            let v = int_value(cx, lit, &what)?;
            if v != 0 && v != 1 {
                return err(format!("{v} is not a '_Bool' (0, 1, true or false)"));
            }
            put(out, at, &[v as u8])
        }
        CType::Prim(p) if p.is_integer() => encode_int(cx, raw, lit, &what, out, at),
        CType::Enum(_) => encode_int(cx, raw, lit, &what, out, at),
        CType::Prim(Prim::Float) => {
            let v = float_value(cx, lit, &what)?;
            let f = v as f32;
            if v.is_finite() && f.is_infinite() {
                return err(format!("{v} is out of range for 'float'"));
            }
            put(out, at, &f.to_le_bytes())
        }
        CType::Prim(Prim::Double) => put(out, at, &float_value(cx, lit, &what)?.to_le_bytes()),
        CType::Prim(Prim::LongDouble) if cx.target.arch == layout::Arch::X86_64 => {
            let v = match super::args::argument(cx, raw, lit)? {
                Value::F80(v) => v,
                other => crate::F80::from_f64(other.as_f64().unwrap_or(0.0)),
            };
            put(out, at, &v.to_le_bytes())
        }
        CType::Prim(Prim::FloatComplex | Prim::DoubleComplex) => {
            let Literal::Init(items) = lit else {
                return err(format!("'{what}' takes an initializer {{real, imaginary}}"));
            };
            let single = matches!(t.get(raw), CType::Prim(Prim::FloatComplex));
            if items.len() > 2 || items.iter().any(|i| !i.designators.is_empty()) {
                return err(format!("'{what}' takes {{real, imaginary}}"));
            }
            for (k, item) in items.iter().enumerate() {
                let v = float_value(cx, &item.value, &what)?;
                if single {
                    put(out, at + 4 * k as u64, &(v as f32).to_le_bytes())?;
                } else {
                    put(out, at + 8 * k as u64, &v.to_le_bytes())?;
                }
            }
            Ok(())
        }
        CType::Prim(_) => err(format!(
            "values of type '{what}' cannot be written from text"
        )),
        CType::Pointer(_) => {
            let addr: u64 = match lit {
                Literal::Null => 0,
                Literal::Str(b) => b.as_ptr() as u64,
                Literal::Int { value: 0, .. } => 0,
                Literal::Cast { value, .. } => match value.as_ref() {
                    Literal::Int { value, .. } => u64::try_from(*value)
                        .or_else(|_| i64::try_from(*value).map(|v| v as u64))
                        .map_err(|_| LiteralError(format!("{value} is not an address")))?,
                    Literal::Null => 0,
                    Literal::Str(b) => b.as_ptr() as u64,
                    _ => return err(format!("cannot cast that to '{what}'")),
                },
                Literal::Name(n) => match t.constant(n).map(|c| &c.value) {
                    Some(ConstValue::Pointer { value, .. }) => *value,
                    _ => return err(format!("'{n}' is not a pointer constant")),
                },
                Literal::Int { .. } => {
                    return err(format!(
                        "an integer where '{what}' is expected (write a cast: ({what})0x1000)"
                    ));
                }
                _ => return err(format!("expected NULL, a string or a cast for '{what}'")),
            };
            let size = cx.target.pointer_size as usize;
            put(out, at, &addr.to_le_bytes()[..size])
        }
        CType::Array { .. } | CType::Vector { .. } => {
            let (elem, len) = cx.elements(raw)?;
            let Some(len) = len else {
                return err(format!("'{what}' has no length"));
            };
            let elem_size = cx.size(elem)?;
            let is_char = matches!(
                t.raw_type(elem),
                CType::Prim(Prim::Char | Prim::SChar | Prim::UChar)
            );
            match lit {
                Literal::Str(b) if is_char => {
                    let text = &b[..b.len() - 1];
                    if text.len() as u64 > len {
                        return err(format!(
                            "a string of {} bytes does not fit in '{what}'",
                            text.len()
                        ));
                    }
                    let n = (b.len() as u64).min(len) as usize;
                    put(out, at, &b[..n])
                }
                Literal::Init(items) => {
                    let mut next = 0u64;
                    for item in items {
                        let (index, rest) = match item.designators.split_first() {
                            Some((Designator::Index(i), rest)) => (*i, rest),
                            Some((Designator::Field(f), _)) => {
                                return err(format!(
                                    "'.{f}' designates a member, but '{what}' is an array"
                                ));
                            }
                            None => (next, &[][..]),
                        };
                        if index >= len {
                            return err(format!("index {index} is out of bounds of '{what}'"));
                        }
                        let sub = InitItem {
                            designators: rest.to_vec(),
                            value: item.value.clone(),
                        };
                        encode_designated(cx, elem, &sub, out, at + index * elem_size)
                            .map_err(|e| LiteralError(format!("[{index}]{}", prefix_path(&e.0))))?;
                        next = index + 1;
                    }
                    Ok(())
                }
                _ => err(format!("expected an initializer {{…}} for '{what}'")),
            }
        }
        CType::Record(rec) => {
            let Some(body) = &rec.body else {
                return err(format!("'{what}' is incomplete"));
            };
            let Literal::Init(items) = lit else {
                return err(format!("expected an initializer {{…}} for '{what}'"));
            };
            let positional: Vec<usize> = body
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.name.is_some() || !f.is_bitfield())
                .map(|(i, _)| i)
                .collect();
            let mut next = 0usize;
            for item in items {
                let (path, rest) = match item.designators.split_first() {
                    Some((Designator::Field(name), rest)) => {
                        let Some(path) = t.find_field(raw, name) else {
                            return err(format!("'{what}' has no member named '{name}'"));
                        };
                        (path, rest)
                    }
                    Some((Designator::Index(i), _)) => {
                        return err(format!(
                            "'[{i}]' designates an element, but '{what}' is a struct"
                        ));
                    }
                    None => {
                        if rec.kind == RecordKind::Union && next > 0 {
                            return err(format!("excess elements in the initializer of '{what}'"));
                        }
                        let Some(&k) = positional.get(next) else {
                            return err(format!("excess elements in the initializer of '{what}'"));
                        };
                        (vec![k], &[][..])
                    }
                };
                // Walk the path (through anonymous members) to the member.
                let (mut rty, mut base, mut parent, mut field) = (raw, at, at, None);
                for &k in &path {
                    let Some(b) = t.as_record(rty).and_then(|r| r.body.as_ref()) else {
                        return err("internal: member path outside a record");
                    };
                    let f = &b.fields[k];
                    parent = base;
                    base += f.offset;
                    field = Some(f);
                    rty = t.raw(f.ty);
                }
                let Some(f) = field else {
                    return err("internal: empty member path");
                };
                let name = f.name.clone().unwrap_or_else(|| "<anonymous>".into());
                let sub = InitItem {
                    designators: rest.to_vec(),
                    value: item.value.clone(),
                };
                let res = match f.bit_width {
                    Some(width) if rest.is_empty() => {
                        encode_bits(cx, f.ty, &item.value, width, f.bit_offset, out, parent)
                    }
                    _ => encode_designated(cx, f.ty, &sub, out, base),
                };
                res.map_err(|e| LiteralError(format!(".{name}{}", prefix_path(&e.0))))?;
                if item.designators.len() <= 1 {
                    // The next positional member follows the one just initialized (C11 6.7.9).
                    next = positional
                        .iter()
                        .position(|&k| k == path[0])
                        .map_or(next + 1, |p| p + 1);
                }
            }
            Ok(())
        }
        CType::Void | CType::Func(_) => err(format!("'{what}' has no values")),
        CType::Typedef(_) | CType::Qualified { .. } => err("internal: unresolved typedef"),
    }
}

/// `": message"` or `".y: message"` for nested paths: keeps nested member paths readable.
pub(super) fn prefix_path(inner: &str) -> String {
    if inner.starts_with('.') || inner.starts_with('[') {
        inner.to_string()
    } else {
        format!(": {inner}")
    }
}

pub(super) fn encode_designated(
    cx: Types<'_>,
    ty: TypeId,
    item: &InitItem,
    out: &mut [u8],
    at: u64,
) -> Result<(), LiteralError> {
    if item.designators.is_empty() {
        encode_at(cx, ty, &item.value, out, at)
    } else {
        // `.a.b = v` is `.a = {.b = v}` for the rest of the path.
        let nested = Literal::Init(vec![item.clone()]);
        encode_at(cx, ty, &nested, out, at)
    }
}

pub(super) fn encode_int(
    cx: Types<'_>,
    ty: TypeId,
    lit: &Literal,
    what: &str,
    out: &mut [u8],
    at: u64,
) -> Result<(), LiteralError> {
    let Some((size, signed)) = cx.int_info(ty) else {
        return err(format!("'{what}' is incomplete"));
    };
    if let (Literal::WideUInt(u), 16, false) = (lit, size, signed) {
        return put(out, at, &u.to_le_bytes());
    }
    let v = int_value(cx, lit, what)?;
    check_range(v, size, signed, what)?;
    put(out, at, &v.to_le_bytes()[..size as usize])
}

pub(super) fn encode_bits(
    cx: Types<'_>,
    ty: TypeId,
    lit: &Literal,
    width: u32,
    bit_offset: u64,
    out: &mut [u8],
    record_at: u64,
) -> Result<(), LiteralError> {
    let what = format!("{} : {width}", cx.show(ty));
    let signed = cx.int_info(ty).is_some_and(|(_, s)| s)
        && !matches!(cx.table.raw_type(ty), CType::Prim(Prim::Bool));
    let v = int_value(cx, lit, &what)?;
    if width == 0 {
        return Ok(());
    }
    let fits = if signed {
        width >= 128 || (v >= -(1i128 << (width - 1)) && v < (1i128 << (width - 1)))
    } else {
        v >= 0 && (width >= 127 || v < (1i128 << width))
    };
    if !fits {
        return err(format!("{v} does not fit in '{what}'"));
    }
    let bits = v as u128;
    for k in 0..u64::from(width) {
        let bit = record_at * 8 + bit_offset + k;
        let byte = usize::try_from(bit / 8).map_err(|_| LiteralError("offset too large".into()))?;
        let Some(b) = out.get_mut(byte) else {
            return err("internal: bit-field outside its object");
        };
        let mask = 1u8 << (bit % 8);
        if (bits >> k) & 1 == 1 {
            *b |= mask;
        } else {
            *b &= !mask;
        }
    }
    Ok(())
}
