//! `Debug` for [`CData`]: the type and the contents, as a debugger shows them
//! (`div_t {quot: 3, rem: 2}`, `double[3] [1.0, 2.5, 0.0]`).

use std::fmt;

use super::CData;
use crate::ctype::CType;
use crate::value::Value;

/// Elements of an array shown before `…`.
const MAX_ELEMS: usize = 16;
/// Nesting shown before `{…}`.
const MAX_DEPTH: usize = 8;

impl fmt::Debug for CData<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.type_name())?;
        contents(self, f, 0)
    }
}

/// The contents of a view: an array's elements, a struct's or union's members, or a value.
fn contents(d: &CData<'_>, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
    if depth > MAX_DEPTH {
        return f.write_str("{…}");
    }
    if let Some(n) = d.len() {
        f.write_str("[")?;
        for i in 0..n.min(MAX_ELEMS) {
            if i > 0 {
                f.write_str(", ")?;
            }
            match d.index(i) {
                Ok(e) => contents(&e, f, depth + 1)?,
                Err(_) => f.write_str("?")?,
            }
        }
        if n > MAX_ELEMS {
            write!(f, ", … ({n} elements)")?;
        }
        return f.write_str("]");
    }
    let table = &d.info.table;
    let fields = match table.raw_type(d.info.id) {
        CType::Record(r) => r.body.as_ref().map(|b| b.fields.as_slice()),
        _ => None,
    };
    let Some(fields) = fields else {
        return match d.get("") {
            Ok(v) => scalar(&v, f),
            Err(_) => f.write_str("?"),
        };
    };
    f.write_str("{")?;
    let mut first = true;
    for field in fields {
        let Some(name) = &field.name else { continue };
        if !first {
            f.write_str(", ")?;
        }
        first = false;
        write!(f, "{name}: ")?;
        let aggregate = field.bit_width.is_none()
            && matches!(
                table.raw_type(field.ty),
                CType::Record(_) | CType::Array { .. }
            );
        let shown = if aggregate {
            d.at(name).map(|m| contents(&m, f, depth + 1))
        } else {
            d.get(name).map(|v| scalar(&v, f))
        };
        match shown {
            Ok(r) => r?,
            Err(_) => f.write_str("?")?,
        }
    }
    f.write_str("}")
}

/// A scalar as C shows it: numbers, `true`/`false`, addresses or `NULL`.
fn scalar(v: &Value<'_>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match v {
        Value::Bool(b) => write!(f, "{b}"),
        Value::I8(x) => write!(f, "{x}"),
        Value::U8(x) => write!(f, "{x}"),
        Value::I16(x) => write!(f, "{x}"),
        Value::U16(x) => write!(f, "{x}"),
        Value::I32(x) => write!(f, "{x}"),
        Value::U32(x) => write!(f, "{x}"),
        Value::I64(x) => write!(f, "{x}"),
        Value::U64(x) => write!(f, "{x}"),
        Value::F32(x) => write!(f, "{x:?}"),
        Value::F64(x) => write!(f, "{x:?}"),
        Value::Ptr(p) if p.addr().is_null() => f.write_str("NULL"),
        Value::Ptr(p) => write!(f, "{:p}", p.addr()),
        other => write!(f, "{other:?}"),
    }
}
