//! Call arguments and results of `jitffi call`: literals → `Value`s of the declared parameter types, results → `CValue`s.
#![forbid(unsafe_code)]

use super::*;

/// The argument of an untyped call for a parameter of C type `ty` written as `lit`: integers
/// as `I64`/`U64` (the call checks their range against the parameter), floating values as
/// `F32`/`F64`, `NULL`, strings (borrowed from `lit`), casts to pointers, struct and union
/// initializers as owned struct values.
///
/// # Errors
///
/// A literal of the wrong kind for the parameter (a string for an `int`, an initializer for a
/// pointer…), an initializer that does not fit the struct.
pub fn argument<'a>(
    cx: Types<'_>,
    ty: TypeId,
    lit: &'a Literal,
) -> Result<Value<'a>, LiteralError> {
    let t = cx.table;
    let raw = t.raw(ty);
    let what = cx.show(ty);
    Ok(match t.get(raw) {
        CType::Prim(Prim::Bool) => {
            let v = int_value(cx, lit, &what)?;
            if v != 0 && v != 1 {
                return err(format!("{v} is not a '_Bool' (0, 1, true or false)"));
            }
            Value::Bool(v == 1)
        }
        // 128-bit integers: the literal's full value (the call range-checks the sign).
        CType::Prim(Prim::Int128) => Value::from(int_value(cx, lit, &what)?),
        CType::Prim(Prim::UInt128) => match lit {
            Literal::WideUInt(u) => Value::from(*u),
            _ => match u128::try_from(int_value(cx, lit, &what)?) {
                Ok(u) => Value::from(u),
                Err(_) => return err(format!("a negative value for '{what}'")),
            },
        },
        CType::Prim(p) if p.is_integer() => int_arg(int_value(cx, lit, &what)?, &what)?,
        CType::Enum(_) => int_arg(int_value(cx, lit, &what)?, &what)?,
        CType::Prim(Prim::Float) => Value::F32(float_value(cx, lit, &what)? as f32),
        CType::Prim(Prim::Double) => Value::F64(float_value(cx, lit, &what)?),
        // Integers exactly; decimal literals as the nearest double (the parser keeps no more).
        CType::Prim(Prim::LongDouble) => Value::F80(match float_or_int(cx, lit, &what)? {
            Ok(f) => crate::F80::from_f64(f),
            Err(i) => match (i64::try_from(i), u64::try_from(i)) {
                (Ok(v), _) => crate::F80::from(v),
                (_, Ok(u)) => crate::F80::from(u),
                _ => crate::F80::from_f64(i as f64),
            },
        }),
        CType::Pointer(_) => pointer_arg(cx, lit, &what)?,
        CType::Record(_) => Value::Struct(StructValue::owned_id(raw, encode(cx, raw, lit)?.into())),
        _ => {
            return err(format!(
                "parameters of type '{what}' cannot be written from text"
            ));
        }
    })
}

pub(super) fn int_arg(v: i128, what: &str) -> Result<Value<'static>, LiteralError> {
    match (i64::try_from(v), u64::try_from(v)) {
        (Ok(i), _) => Ok(Value::I64(i)),
        (_, Ok(u)) => Ok(Value::U64(u)),
        _ => err(format!("{v} does not fit in '{what}'")),
    }
}

pub(super) fn str_arg(b: &[u8]) -> Value<'_> {
    // A string literal ends with its NUL; an embedded "\0" ends it earlier, as in C.
    match CStr::from_bytes_until_nul(b) {
        Ok(s) => Value::str(s),
        Err(_) => Value::NULL,
    }
}

pub(super) fn pointer_arg<'a>(
    cx: Types<'_>,
    lit: &'a Literal,
    what: &str,
) -> Result<Value<'a>, LiteralError> {
    Ok(match lit {
        Literal::Null | Literal::Int { value: 0, .. } => Value::NULL,
        Literal::Str(b) => str_arg(b),
        Literal::Cast { value, .. } => match value.as_ref() {
            Literal::Int { value, .. } => {
                let addr = u64::try_from(*value)
                    .or_else(|_| i64::try_from(*value).map(|v| v as u64))
                    .map_err(|_| LiteralError(format!("{value} is not an address")))?;
                Value::ptr(addr as usize as *const u8)
            }
            other => return pointer_arg(cx, other, what),
        },
        Literal::Name(n) => match cx.table.constant(n).map(|c| &c.value) {
            Some(ConstValue::Pointer { value, .. }) => Value::ptr(*value as usize as *const u8),
            _ => return err(format!("'{n}' is not a pointer constant")),
        },
        Literal::Int { .. } => {
            return err(format!(
                "an integer where '{what}' is expected (write a cast: ({what})0x1000)"
            ));
        }
        _ => return err(format!("expected NULL, a string or a cast for '{what}'")),
    })
}

/// The argument of an untyped call for a variadic argument written as `lit`, which has no
/// declared type: an integer constant has the type C gives it (`int`, then `long`…; `u` and
/// `l` suffixes; octal and hexadecimal constants may be unsigned; one beyond 64 bits, which C
/// does not have, an `__int128`, or `unsigned __int128` above `i128::MAX`), a character constant is an
/// `int`, a floating constant a `double`, a string a `char *`; the call then applies the
/// default argument promotions. A cast (`(long)5`, `(struct pt){1, 2}`) is resolved by the
/// caller with [`crate::Ffi::type_of`] and passed to [`argument`] instead.
///
/// # Errors
///
/// An initializer without a cast, a name that is not a constant.
pub fn promoted_argument<'a>(cx: Types<'_>, lit: &'a Literal) -> Result<Value<'a>, LiteralError> {
    Ok(match lit {
        Literal::Int {
            value,
            decimal,
            unsigned,
            long,
        } => {
            let v = *value;
            if i64::try_from(v).is_err() && u64::try_from(v).is_err() {
                // Beyond every C constant's type: an `__int128` (C has no such constants;
                // gcc truncates them).
                return Ok(Value::from(v));
            }
            let fits_i32 = i32::try_from(v).is_ok();
            let fits_u32 = u32::try_from(v).is_ok();
            let fits_i64 = i64::try_from(v).is_ok();
            match (*unsigned, *long, *decimal) {
                (false, 0, _) if fits_i32 => Value::I32(v as i32),
                (false, 0, false) if fits_u32 => Value::U32(v as u32),
                (true, 0, _) if fits_u32 => Value::U32(v as u32),
                (false, _, _) if fits_i64 => Value::I64(v as i64),
                (false, _, true) => return err(format!("{v} is too large for 'long'")),
                _ => match u64::try_from(v) {
                    Ok(u) => Value::U64(u),
                    Err(_) => return err(format!("{v} does not fit in 'unsigned long'")),
                },
            }
        }
        Literal::WideUInt(u) => Value::from(*u),
        Literal::Char(c) => Value::I32(int_value(cx, &Literal::Char(*c), "int")? as i32),
        Literal::Bool(b) => Value::I32(i32::from(*b)),
        Literal::Float { value, .. } => Value::F64(*value),
        Literal::Str(b) => str_arg(b),
        Literal::Null => Value::NULL,
        Literal::Name(n) => match cx.table.constant(n).map(|c| &c.value) {
            Some(ConstValue::Int { value, ty }) => {
                let size = cx.size(cx.table.prim(*ty))?;
                let signed = ty.is_signed(cx.target.char_signed);
                match (size <= 4, signed) {
                    (true, _) if i32::try_from(*value).is_ok() => Value::I32(*value as i32),
                    (true, false) => Value::U32(*value as u32),
                    (_, true) => Value::I64(*value as i64),
                    (_, false) => Value::U64(*value as u64),
                }
            }
            Some(ConstValue::Float { value, .. }) => Value::F64(*value),
            Some(ConstValue::Pointer { value, .. }) => Value::ptr(*value as usize as *const u8),
            Some(ConstValue::Str(_)) => {
                return err(format!("string constant '{n}': write the string itself"));
            }
            None => return err(format!("'{n}' is not a declared enumerator or constant")),
        },
        Literal::Init(_) => {
            return err("an initializer in a variadic argument needs a cast: (struct name){…}");
        }
        Literal::Cast { ty, .. } => {
            return err(format!(
                "internal: the cast to '{ty}' must be resolved by the caller"
            ));
        }
    })
}

/// A call result of C type `ty` as a [`CValue`] (struct results decoded member by member).
///
/// # Errors
///
/// A struct result whose type cannot be shown (see [`decode`]).
pub fn result(cx: Types<'_>, ty: TypeId, v: &Value<'_>) -> Result<CValue, LiteralError> {
    Ok(match v {
        Value::Void => CValue::Void,
        Value::Bool(b) => CValue::Bool(*b),
        Value::F32(f) => CValue::Float(f32_shortest(*f)),
        Value::F64(f) => CValue::Float(*f),
        Value::F80(v) => CValue::LongDouble(*v),
        Value::U128(v) if i128::try_from(v.as_u128()).is_err() => CValue::UInt(v.as_u128()),
        Value::Ptr(p) => CValue::Pointer(p.addr() as u64),
        Value::Str(s) => CValue::Pointer(s.as_ptr() as u64),
        Value::Struct(s) => decode(cx, ty, s.bytes())?,
        other => match other.as_i128() {
            Some(i) => CValue::Int(i),
            None => return err(format!("cannot show a {} result", other.kind())),
        },
    })
}
