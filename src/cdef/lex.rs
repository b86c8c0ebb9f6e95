//! The C lexer's literal rules, shared by the constant evaluator and `jitffi::literal`: number
//! tokens (C11 6.4.4.1-2), escape sequences, character constants and string literals.
#![forbid(unsafe_code)]

use super::expr::{Val, fits, wrap};
use crate::ctype::Prim;

/// The value and type of an integer literal (C11 6.4.4.1).
pub(crate) fn int_literal(
    digits: &str,
    radix: u32,
    unsigned: bool,
    longs: u8,
) -> Result<Val, String> {
    let clean: String = digits.chars().filter(|&c| c != '\'').collect();
    let v = u128::from_str_radix(&clean, radix)
        .map_err(|_| format!("invalid integer constant '{digits}'"))?;
    if v > u128::from(u64::MAX) {
        return Err(format!(
            "integer constant '{digits}' is too large for any integer type"
        ));
    }
    let v = i128::try_from(v).unwrap_or(i128::MAX);
    let decimal = radix == 10;
    let candidates: &[Prim] = match (unsigned, longs, decimal) {
        (false, 0, true) => &[Prim::Int, Prim::Long, Prim::LongLong],
        (false, 0, false) => &[
            Prim::Int,
            Prim::UInt,
            Prim::Long,
            Prim::ULong,
            Prim::LongLong,
            Prim::ULongLong,
        ],
        (false, 1, true) => &[Prim::Long, Prim::LongLong],
        (false, 1, false) => &[Prim::Long, Prim::ULong, Prim::LongLong, Prim::ULongLong],
        (false, _, true) => &[Prim::LongLong],
        (false, _, false) => &[Prim::LongLong, Prim::ULongLong],
        (true, 0, _) => &[Prim::UInt, Prim::ULong, Prim::ULongLong],
        (true, 1, _) => &[Prim::ULong, Prim::ULongLong],
        (true, _, _) => &[Prim::ULongLong],
    };
    for &p in candidates {
        if fits(v, p, true) {
            return Ok(Val::Int(v, p));
        }
    }
    // gcc gives a decimal literal too large for long long the type unsigned long long (with a
    // warning); do the same.
    Ok(Val::Int(v, Prim::ULongLong))
}

/// Parses a pp-number token (`0x1Fu`, `1.5e3f`, `017L`, `0b101`) into a value.
pub(crate) fn number_literal(tok: &str) -> Result<Val, String> {
    let lower = tok.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    let is_float = if is_hex {
        lower.contains('.') || lower.contains('p')
    } else {
        lower.contains('.') || lower.contains('e')
    };
    if is_float {
        let (body, ty) = if let Some(b) = lower.strip_suffix('f') {
            (b, Prim::Float)
        } else if let Some(b) = lower.strip_suffix('l') {
            (b, Prim::LongDouble)
        } else {
            (lower.as_str(), Prim::Double)
        };
        let v = if is_hex {
            hex_float(&body[2..])
        } else {
            body.parse::<f64>().ok()
        };
        let v = v.ok_or_else(|| format!("invalid floating constant '{tok}'"))?;
        let v = if ty == Prim::Float {
            f64::from(v as f32)
        } else {
            v
        };
        return Ok(Val::Float(v, ty));
    }
    let mut body = lower.as_str();
    let mut unsigned = false;
    let mut longs = 0u8;
    loop {
        if let Some(b) = body.strip_suffix('u') {
            if unsigned {
                return Err(format!("invalid suffix on integer constant '{tok}'"));
            }
            unsigned = true;
            body = b;
        } else if let Some(b) = body.strip_suffix("ll") {
            if longs > 0 {
                return Err(format!("invalid suffix on integer constant '{tok}'"));
            }
            longs = 2;
            body = b;
        } else if let Some(b) = body.strip_suffix('l') {
            if longs > 0 {
                return Err(format!("invalid suffix on integer constant '{tok}'"));
            }
            longs = 1;
            body = b;
        } else {
            break;
        }
    }
    let (digits, radix) = if let Some(d) = body.strip_prefix("0x") {
        (d, 16)
    } else if let Some(d) = body.strip_prefix("0b") {
        (d, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() {
        return Err(format!("invalid integer constant '{tok}'"));
    }
    int_literal(digits, radix, unsigned, longs)
}

/// Parses the digits of a hexadecimal float after `0x`: `1.8p3`.
pub(crate) fn hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = match s.find('p') {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = match mant.find('.') {
        Some(i) => (&mant[..i], &mant[i + 1..]),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}

/// Decodes the escape sequences of a character or string literal body into code units.
fn unescape(body: &str) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(u32::from(c));
            continue;
        }
        let e = chars.next().ok_or("incomplete escape sequence")?;
        let v = match e {
            'n' => 10,
            't' => 9,
            'r' => 13,
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'v' => 11,
            'e' | 'E' => 27,
            '\\' | '\'' | '"' | '?' => u32::from(e),
            'x' => {
                let mut v: u32 = 0;
                let mut n = 0;
                while let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) {
                    v = v
                        .checked_mul(16)
                        .and_then(|v| v.checked_add(d))
                        .ok_or("hex escape out of range")?;
                    chars.next();
                    n += 1;
                }
                if n == 0 {
                    return Err("\\x used with no following hex digits".into());
                }
                v
            }
            '0'..='7' => {
                let mut v = e.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match chars.peek().and_then(|c| c.to_digit(8)) {
                        Some(d) => {
                            v = v * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                v
            }
            other => return Err(format!("unknown escape sequence '\\{other}'")),
        };
        out.push(v);
    }
    Ok(out)
}

/// The value of a character constant, raw text with quotes and prefix: `'a'`, `L'\n'`.
pub(crate) fn char_literal(raw: &str, char_signed: bool) -> Result<Val, String> {
    let q = raw.find('\'').ok_or("malformed character constant")?;
    let prefix = &raw[..q];
    let body = raw[q + 1..]
        .strip_suffix('\'')
        .ok_or("malformed character constant")?;
    let units = unescape(body)?;
    if units.is_empty() {
        return Err("empty character constant".into());
    }
    match prefix {
        "" => {
            // Multi-character constants: gcc packs the bytes big-endian into an int.
            let mut v: i128 = 0;
            for &u in &units {
                let byte = if u > 0x7f && u < 0x100 { u } else { u & 0xff };
                v = (v << 8) | i128::from(byte);
            }
            if units.len() == 1 {
                let c = wrap(v, Prim::Char, char_signed);
                Ok(Val::Int(c, Prim::Int))
            } else {
                Ok(Val::Int(wrap(v, Prim::Int, char_signed), Prim::Int))
            }
        }
        "L" => Ok(Val::Int(i128::from(units[units.len() - 1]), Prim::Int)),
        "u" => Ok(Val::Int(
            i128::from(units[units.len() - 1] & 0xffff),
            Prim::UShort,
        )),
        "U" | "u8" => Ok(Val::Int(i128::from(units[units.len() - 1]), Prim::UInt)),
        _ => Err(format!("unknown character constant prefix '{prefix}'")),
    }
}

/// The bytes of a (possibly concatenated) narrow string literal; pieces are raw text with
/// quotes: `["\"ab\"", "\"c\\n\""]`.
pub(crate) fn string_literal(pieces: &[String]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for p in pieces {
        let q = p.find('"').ok_or("malformed string literal")?;
        let prefix = &p[..q];
        if !(prefix.is_empty() || prefix == "u8") {
            return Err(format!(
                "wide string literals ({prefix}\"...\") are not supported as constants"
            ));
        }
        let body = p[q + 1..]
            .strip_suffix('"')
            .ok_or("malformed string literal")?;
        for u in unescape(body)? {
            if u < 0x80 {
                out.push(u8::try_from(u).unwrap_or(b'?'));
            } else if u < 0x100 && !body.is_ascii() {
                // A literal non-ASCII character: encode it as UTF-8.
                let mut buf = [0u8; 4];
                out.extend_from_slice(
                    char::from_u32(u)
                        .unwrap_or('?')
                        .encode_utf8(&mut buf)
                        .as_bytes(),
                );
            } else if u < 0x100 {
                out.push(u8::try_from(u).unwrap_or(b'?'));
            } else {
                let mut buf = [0u8; 4];
                out.extend_from_slice(
                    char::from_u32(u)
                        .unwrap_or('?')
                        .encode_utf8(&mut buf)
                        .as_bytes(),
                );
            }
        }
    }
    Ok(out)
}
