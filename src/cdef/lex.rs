//! The C lexer's literal rules, shared by the constant evaluator and `jitffi::literal`: number
//! tokens (C11 6.4.4.1-2, C23 digit separators), escape sequences (6.4.4.4), character
//! constants and string literals.
//!
//! [`number`] and [`escape`] are the lexer proper: they return a value and the number of bytes
//! lexed, or a [`LexError`] with the byte offset of the problem in the lexed text. The two users
//! differ in their rules for a few inputs and in their messages; [`Dialect`] selects them. The
//! rest of this module is cdef's side: values and types of constants ([`Val`]).
#![forbid(unsafe_code)]

use super::expr::{Val, fits, wrap};
use crate::ctype::Prim;

/// What is wrong with a literal, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    /// The byte offset of the problem in the text given to the lexer.
    pub(crate) at: usize,
    /// The message.
    pub(crate) msg: String,
}

impl LexError {
    fn new(at: usize, msg: impl Into<String>) -> Self {
        LexError {
            at,
            msg: msg.into(),
        }
    }
}

impl From<LexError> for String {
    fn from(e: LexError) -> String {
        e.msg
    }
}

/// Whose rules and messages the lexer follows where its two users differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// cdef's constant expressions (`#define`/`#if` text). A number's text is one whole
    /// pp-number token, so anything after the number is part of its (invalid) suffix; messages
    /// quote the token; a hexadecimal floating constant may omit its exponent (`0x1.8`); an
    /// octal or hex escape is a code unit up to `u32::MAX` (the caller truncates); `\u` and `\U`
    /// are unknown escapes.
    Cdef,
    /// `jitffi::literal`: a number ends where no letter, digit, `_` or `.` follows (such a
    /// character is an error); messages do not quote the text (the caller gives the column);
    /// `0x1.8` needs its `p` exponent; an octal or hex escape must fit one byte; `\u` and `\U`
    /// name a character.
    Literal,
}

impl Dialect {
    /// An error at `at` with this dialect's message.
    fn error(self, at: usize, literal: &str, cdef: &str) -> LexError {
        LexError::new(
            at,
            match self {
                Dialect::Cdef => cdef,
                Dialect::Literal => literal,
            },
        )
    }
}

/// A number literal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    /// An integer constant.
    Int {
        /// The value: at most `u64::MAX` in cdef's dialect (C's widest constant), at most
        /// `u128::MAX` in the literal dialect (`jitffi call` reads 128-bit arguments).
        value: u128,
        /// 10, 16, 2, or 8 (also for `0` alone, an octal constant in C).
        radix: u32,
        /// A `u` suffix.
        unsigned: bool,
        /// 1 for an `l` suffix, 2 for `ll`.
        longs: u8,
    },
    /// A floating constant: its value (not rounded to `float`) and type (from the suffix).
    Float {
        /// The value.
        value: f64,
        /// `Float` (`f` suffix), `Double` or `LongDouble` (`l` suffix).
        ty: Prim,
    },
}

/// Lexes the number at the start of `text` (a digit or `.` first): `0x1Fu`, `0777`, `0b101`,
/// `1'000`, `1.5e3f`, `0x1.8p3L`. Returns it and its length in bytes.
pub(crate) fn number(text: &str, dialect: Dialect) -> Result<(Number, usize), LexError> {
    let b = text.as_bytes();
    let lower = |k: usize| b.get(k).map(u8::to_ascii_lowercase);
    let (radix, digits_at) = match (b.first(), lower(1)) {
        (Some(b'0'), Some(b'x')) => (16, 2),
        (Some(b'0'), Some(b'b')) => (2, 2),
        _ => (10, 0),
    };
    let digit = |k: usize| b.get(k).is_some_and(|&c| char::from(c).is_digit(radix));
    let mut j = digits_at;
    while digit(j) || b.get(j) == Some(&b'\'') {
        j += 1;
    }
    let int_end = j;
    let mut is_float = false;
    if radix != 2 && b.get(j) == Some(&b'.') {
        is_float = true;
        j += 1;
        while digit(j) {
            j += 1;
        }
    }
    let quoted_float = || format!("invalid floating constant '{text}'");
    let mut has_exponent = false;
    if radix != 2 && lower(j) == Some(if radix == 16 { b'p' } else { b'e' }) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        if !b.get(k).is_some_and(u8::is_ascii_digit) {
            return Err(dialect.error(k, "exponent has no digits", &quoted_float()));
        }
        (is_float, has_exponent, j) = (true, true, k);
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
    }
    if radix == 16 && is_float && !has_exponent && dialect == Dialect::Literal {
        return Err(LexError::new(
            j,
            "hexadecimal floating constant requires an exponent ('p')",
        ));
    }
    let body_end = j;
    while b.get(j).is_some_and(u8::is_ascii_alphabetic) {
        j += 1;
    }
    let end = match dialect {
        Dialect::Cdef => text.len(),
        Dialect::Literal => {
            if let Some(c) = b
                .get(j)
                .filter(|c| c.is_ascii_alphanumeric() || b"_.".contains(c))
            {
                let c = char::from(*c);
                return Err(LexError::new(
                    j,
                    format!("invalid character '{c}' in the number"),
                ));
            }
            j
        }
    };
    let suffix = text[body_end..end].to_ascii_lowercase();
    if is_float {
        let ty = match suffix.as_str() {
            "" => Prim::Double,
            "f" => Prim::Float,
            "l" => Prim::LongDouble,
            _ => {
                let msg = format!("invalid suffix '{suffix}' on a floating constant");
                return Err(dialect.error(body_end, &msg, &quoted_float()));
            }
        };
        let body = text[..body_end].replace('\'', "");
        let value = if radix == 16 {
            hex_float(&body[2..].to_ascii_lowercase())
        } else {
            body.parse::<f64>().ok()
        };
        let value =
            value.ok_or_else(|| dialect.error(0, "invalid floating constant", &quoted_float()))?;
        return Ok((Number::Float { value, ty }, end));
    }
    let (unsigned, longs) = match suffix.as_str() {
        "" => (false, 0),
        "u" => (true, 0),
        "l" => (false, 1),
        "ul" | "lu" => (true, 1),
        "ll" => (false, 2),
        "ull" | "llu" => (true, 2),
        _ => {
            let msg = format!("invalid suffix '{suffix}' on an integer constant");
            let cdef = format!("invalid suffix on integer constant '{text}'");
            return Err(dialect.error(body_end, &msg, &cdef));
        }
    };
    let mut digits = &text[digits_at..int_end];
    let (mut radix, mut digits_at) = (radix, digits_at);
    if radix == 10 && digits.starts_with('0') {
        (radix, digits_at, digits) = (8, digits_at + 1, &digits[1..]);
    }
    let widest = match dialect {
        Dialect::Cdef => u128::from(u64::MAX),
        Dialect::Literal => u128::MAX,
    };
    let value = match digits_value(digits, radix).and_then(|v| {
        if v > widest {
            Err(DigitsError::TooLarge)
        } else {
            Ok(v)
        }
    }) {
        Ok(v) => v,
        Err(DigitsError::Empty) if radix == 8 => 0,
        Err(DigitsError::Empty) => {
            let cdef = format!("invalid integer constant '{text}'");
            return Err(dialect.error(0, "a number needs digits", &cdef));
        }
        Err(e) => {
            let (at, literal) = match e {
                DigitsError::Digit(i) => {
                    let d = &digits[i..=i];
                    (
                        digits_at + i,
                        format!("invalid digit '{d}' in an octal constant"),
                    )
                }
                _ => (
                    0,
                    "integer constant is too large for 128 bits (the widest integer read)".into(),
                ),
            };
            let cdef = digits_message(&e, &digits.to_ascii_lowercase());
            return Err(dialect.error(at, &literal, &cdef));
        }
    };
    let number = Number::Int {
        value,
        radix,
        unsigned,
        longs,
    };
    Ok((number, end))
}

/// Why integer digits have no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DigitsError {
    /// There are no digits (separators only, or nothing).
    Empty,
    /// The byte at this offset is not a digit of the radix.
    Digit(usize),
    /// The value is above `u128::MAX` (or, in cdef's dialect, above `u64::MAX`, the largest
    /// of any C integer constant's type).
    TooLarge,
}

/// The value of the digits of an integer constant, without prefix or suffix; `'` separators
/// are skipped. An invalid digit anywhere takes precedence over the value being too large.
fn digits_value(digits: &str, radix: u32) -> Result<u128, DigitsError> {
    let mut v = Some(0u128);
    let mut any = false;
    for (i, c) in digits.char_indices().filter(|&(_, c)| c != '\'') {
        let d = c.to_digit(radix).ok_or(DigitsError::Digit(i))?;
        v = v.and_then(|v| v.checked_mul(u128::from(radix))?.checked_add(u128::from(d)));
        any = true;
    }
    match v {
        _ if !any => Err(DigitsError::Empty),
        Some(v) => Ok(v),
        None => Err(DigitsError::TooLarge),
    }
}

/// cdef's message for digits without a value, quoting them.
fn digits_message(e: &DigitsError, digits: &str) -> String {
    match e {
        DigitsError::TooLarge => {
            format!("integer constant '{digits}' is too large for any integer type")
        }
        _ => format!("invalid integer constant '{digits}'"),
    }
}

/// The value of an integer constant, typed by C11 6.4.4.1 (from base and suffix).
fn int_value(v: u64, decimal: bool, unsigned: bool, longs: u8) -> Val {
    let v = i128::from(v);
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
            return Val::Int(v, p);
        }
    }
    // gcc gives a decimal literal too large for long long the type unsigned long long (with a
    // warning); do the same.
    Val::Int(v, Prim::ULongLong)
}

/// The value and type of an integer literal from lang-c: digits without prefix or suffix.
pub(crate) fn int_literal(
    digits: &str,
    radix: u32,
    unsigned: bool,
    longs: u8,
) -> Result<Val, String> {
    let v = digits_value(digits, radix)
        .and_then(|v| u64::try_from(v).map_err(|_| DigitsError::TooLarge))
        .map_err(|e| digits_message(&e, digits))?;
    Ok(int_value(v, radix == 10, unsigned, longs))
}

/// Parses a pp-number token (`0x1Fu`, `1.5e3f`, `017L`, `0b101`) into a value.
pub(crate) fn number_literal(tok: &str) -> Result<Val, String> {
    Ok(match number(tok, Dialect::Cdef)?.0 {
        Number::Int {
            value,
            radix,
            unsigned,
            longs,
        } => int_value(
            // The cdef dialect stops at `u64::MAX`.
            u64::try_from(value).unwrap_or(u64::MAX),
            radix == 10,
            unsigned,
            longs,
        ),
        Number::Float { value, ty } => {
            let value = if ty == Prim::Float {
                f64::from(value as f32)
            } else {
                value
            };
            Val::Float(value, ty)
        }
    })
}

/// Parses the digits of a hexadecimal float after `0x`, in lower case: `1.8p3`.
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

/// The value of an escape sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Escape {
    /// A simple, octal or hexadecimal escape: one code unit.
    Unit(u32),
    /// `\u` or `\U` (a universal character name; [`Dialect::Literal`] only): a character.
    Char(char),
}

/// Lexes the escape sequence whose backslash precedes `text`: `n`, `x41`, `101`, `u00e9`.
/// Returns its value and its length in bytes (the backslash not included).
pub(crate) fn escape(text: &str, dialect: Dialect) -> Result<(Escape, usize), LexError> {
    let b = text.as_bytes();
    let Some(c) = text.chars().next() else {
        let (literal, cdef) = ("unfinished escape sequence", "incomplete escape sequence");
        return Err(dialect.error(0, literal, cdef));
    };
    let max = match dialect {
        Dialect::Cdef => u32::MAX,
        Dialect::Literal => 0xff,
    };
    let unit = match c {
        'n' => 10,
        't' => 9,
        'r' => 13,
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'v' => 11,
        'e' | 'E' => 27,
        '\\' | '\'' | '"' | '?' => u32::from(c),
        '0'..='7' => {
            let n = 1 + b[1..]
                .iter()
                .take(2)
                .take_while(|d| (b'0'..=b'7').contains(d))
                .count();
            let v = b[..n].iter().fold(0, |v, d| v * 8 + u32::from(d - b'0'));
            if v > max {
                return Err(LexError::new(n, "octal escape sequence out of range"));
            }
            return Ok((Escape::Unit(v), n));
        }
        'x' => {
            let n = 1 + b[1..].iter().take_while(|d| d.is_ascii_hexdigit()).count();
            if n == 1 {
                return Err(LexError::new(1, "\\x used with no following hex digits"));
            }
            let v = b[1..n]
                .iter()
                .try_fold(0u32, |v, &d| {
                    v.checked_mul(16)?.checked_add(char::from(d).to_digit(16)?)
                })
                .filter(|&v| v <= max);
            let (literal, cdef) = (
                "hex escape sequence out of range",
                "hex escape out of range",
            );
            let v = v.ok_or_else(|| dialect.error(n, literal, cdef))?;
            return Ok((Escape::Unit(v), n));
        }
        'u' | 'U' if dialect == Dialect::Literal => {
            let n = if c == 'u' { 4 } else { 8 };
            let ch = text
                .get(1..=n)
                .filter(|d| d.bytes().all(|d| d.is_ascii_hexdigit()))
                .and_then(|d| u32::from_str_radix(d, 16).ok())
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    LexError::new(1, format!("\\{c} needs {n} hex digits of a character"))
                })?;
            return Ok((Escape::Char(ch), 1 + n));
        }
        _ => return Err(LexError::new(0, format!("unknown escape sequence '\\{c}'"))),
    };
    Ok((Escape::Unit(unit), 1))
}

/// Decodes the escape sequences of a character or string literal body into code units.
fn unescape(body: &str) -> Result<Vec<u32>, LexError> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = body[i..].chars().next() {
        i += c.len_utf8();
        if c != '\\' {
            out.push(u32::from(c));
            continue;
        }
        let (e, n) =
            escape(&body[i..], Dialect::Cdef).map_err(|e| LexError { at: i + e.at, ..e })?;
        i += n;
        out.push(match e {
            Escape::Unit(u) => u,
            Escape::Char(c) => u32::from(c),
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::{Cdef, Literal};

    fn int(value: u64, radix: u32, unsigned: bool, longs: u8) -> Number {
        Number::Int {
            value: value.into(),
            radix,
            unsigned,
            longs,
        }
    }

    fn err(at: usize, msg: &str) -> LexError {
        LexError::new(at, msg)
    }

    #[test]
    fn integers_in_every_base_with_every_suffix() {
        #[rustfmt::skip]
        let cases = [
            ("0", int(0, 8, false, 0)), ("42", int(42, 10, false, 0)),
            ("0x1F", int(31, 16, false, 0)), ("0XaB", int(171, 16, false, 0)),
            ("0777", int(511, 8, false, 0)), ("0b101", int(5, 2, false, 0)),
            ("0B11", int(3, 2, false, 0)), ("1'000'000", int(1_000_000, 10, false, 0)),
            ("0x'ff", int(255, 16, false, 0)), ("7u", int(7, 10, true, 0)),
            ("7U", int(7, 10, true, 0)), ("7l", int(7, 10, false, 1)),
            ("7L", int(7, 10, false, 1)), ("7ul", int(7, 10, true, 1)),
            ("7LU", int(7, 10, true, 1)), ("7ll", int(7, 10, false, 2)),
            ("7LL", int(7, 10, false, 2)), ("7ull", int(7, 10, true, 2)),
            ("7llU", int(7, 10, true, 2)), ("0xfful", int(255, 16, true, 1)),
            ("18446744073709551615u", int(u64::MAX, 10, true, 0)),
            ("0xffffffffffffffff", int(u64::MAX, 16, false, 0)),
            ("01777777777777777777777", int(u64::MAX, 8, false, 0)),
        ];
        for (text, want) in cases {
            for dialect in [Cdef, Literal] {
                assert_eq!(number(text, dialect), Ok((want, text.len())), "{text}");
            }
        }
        // The literal dialect stops at a character that cannot continue a number.
        assert_eq!(number("12u, 3", Literal), Ok((int(12, 10, true, 0), 3)));
        assert_eq!(number("0x10}", Literal), Ok((int(16, 16, false, 0), 4)));
    }

    #[test]
    fn floats_with_every_suffix() {
        let (f, d, ld) = (Prim::Float, Prim::Double, Prim::LongDouble);
        #[rustfmt::skip]
        let cases = [
            ("1.5", 1.5, d), ("1.", 1.0, d), (".25", 0.25, d), ("1e3", 1000.0, d),
            ("1.5E-2", 0.015, d), ("2e+1", 20.0, d), ("1.5f", 1.5, f), ("1e-5F", 1e-5, f),
            ("2.5l", 2.5, ld), ("2.5L", 2.5, ld), ("1'000.5", 1000.5, d), ("0x1.8p3", 12.0, d),
            ("0X.8P1", 1.0, d), ("0x1p-3f", 0.125, f), ("0xfp1L", 30.0, ld),
            ("1e999", f64::INFINITY, d),
        ];
        for (text, value, ty) in cases {
            for dialect in [Cdef, Literal] {
                let want = Ok((Number::Float { value, ty }, text.len()));
                assert_eq!(number(text, dialect), want, "{text}");
            }
        }
        // Only cdef takes a hexadecimal float without its exponent.
        let want = Number::Float { value: 1.5, ty: d };
        assert_eq!(number("0x1.8", Cdef), Ok((want, 5)));
        let msg = "hexadecimal floating constant requires an exponent ('p')";
        assert_eq!(number("0x1.8", Literal), Err(err(5, msg)));
    }

    #[test]
    fn number_errors_have_offsets_and_each_dialects_message() {
        let too_large = "integer constant is too large for 128 bits (the widest integer read)";
        #[rustfmt::skip]
        let cases = [
            // (text, offset, literal message, cdef message)
            ("1e", 2, "exponent has no digits", "invalid floating constant '1e'"),
            ("0x1p+", 5, "exponent has no digits", "invalid floating constant '0x1p+'"),
            ("1.5x", 3, "invalid suffix 'x' on a floating constant", "invalid floating constant '1.5x'"),
            ("1.5FL", 3, "invalid suffix 'fl' on a floating constant", "invalid floating constant '1.5FL'"),
            (".", 0, "invalid floating constant", "invalid floating constant '.'"),
            ("12abc", 2, "invalid suffix 'abc' on an integer constant", "invalid suffix on integer constant '12abc'"),
            ("1uu", 1, "invalid suffix 'uu' on an integer constant", "invalid suffix on integer constant '1uu'"),
            ("1lul", 1, "invalid suffix 'lul' on an integer constant", "invalid suffix on integer constant '1lul'"),
            ("0x", 0, "a number needs digits", "invalid integer constant '0x'"),
            ("0bu", 0, "a number needs digits", "invalid integer constant '0bu'"),
            ("0128", 3, "invalid digit '8' in an octal constant", "invalid integer constant '128'"),
            ("99999999999999999999999999999999999999999", 0, too_large,
                "integer constant '99999999999999999999999999999999999999999' is too large for any integer type"),
            ("0x1'0000'0000'0000'0000'0000'0000'0000'0000", 0, too_large,
                "integer constant '1'0000'0000'0000'0000'0000'0000'0000'0000' is too large for any integer type"),
        ];
        for (text, at, literal, cdef) in cases {
            assert_eq!(number(text, Literal), Err(err(at, literal)), "{text}");
            assert_eq!(number(text, Cdef), Err(err(at, cdef)), "{text}");
        }
        // Above u64::MAX: cdef's dialect stops (no C constant is wider); the literal dialect
        // reads up to u128::MAX (`jitffi call`'s 128-bit arguments).
        for (text, value) in [
            ("18446744073709551616", 1u128 << 64),
            ("0x1'0000'0000'0000'0000", 1 << 64),
            ("0xffff'ffff'ffff'ffff'ffff'ffff'ffff'ffff", u128::MAX),
        ] {
            let digits = text.trim_start_matches("0x");
            let cdef = format!("integer constant '{digits}' is too large for any integer type");
            assert_eq!(number(text, Cdef), Err(err(0, &cdef)), "{text}");
            match number(text, Literal) {
                Ok((Number::Int { value: v, .. }, _)) => assert_eq!(v, value, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // What follows a number: an error in the literal dialect, part of the suffix in cdef's.
        #[rustfmt::skip]
        let cases = [
            ("1.2.3", Literal, 3, "invalid character '.' in the number"),
            ("1_000", Literal, 1, "invalid character '_' in the number"),
            ("1_000", Cdef, 1, "invalid suffix on integer constant '1_000'"),
            ("1.2.3", Cdef, 3, "invalid floating constant '1.2.3'"),
        ];
        for (text, dialect, at, msg) in cases {
            assert_eq!(number(text, dialect), Err(err(at, msg)), "{text}");
        }
    }

    #[test]
    fn cdef_values_are_typed_by_base_and_suffix() {
        #[rustfmt::skip]
        let cases = [
            ("0", Val::Int(0, Prim::Int)), ("2147483648", Val::Int(2147483648, Prim::Long)),
            ("0x80000000", Val::Int(0x8000_0000, Prim::UInt)), ("1ul", Val::Int(1, Prim::ULong)),
            ("1ll", Val::Int(1, Prim::LongLong)),
            ("18446744073709551615", Val::Int(u64::MAX.into(), Prim::ULongLong)),
            ("0.1f", Val::Float(f64::from(0.1f32), Prim::Float)),
            ("0.1", Val::Float(0.1, Prim::Double)),
        ];
        for (text, want) in cases {
            assert_eq!(number_literal(text), Ok(want), "{text}");
        }
        assert_eq!(
            int_literal("ff", 16, true, 0),
            Ok(Val::Int(255, Prim::UInt))
        );
        assert_eq!(int_literal("17", 8, false, 1), Ok(Val::Int(15, Prim::Long)));
        #[rustfmt::skip]
        let cases = [
            ("8", 8, "invalid integer constant '8'"),
            ("", 10, "invalid integer constant ''"),
            ("10000000000000000", 16,
                "integer constant '10000000000000000' is too large for any integer type"),
        ];
        for (digits, radix, msg) in cases {
            assert_eq!(int_literal(digits, radix, false, 0), Err(msg.to_string()));
        }
    }

    #[test]
    fn every_escape() {
        #[rustfmt::skip]
        let cases = [
            // (text after the backslash, code unit, length)
            ("n", 10, 1), ("t", 9, 1), ("r", 13, 1), ("a", 7, 1), ("b", 8, 1), ("f", 12, 1),
            ("v", 11, 1), ("e", 27, 1), ("E", 27, 1), ("\\", 92, 1), ("'", 39, 1),
            ("\"", 34, 1), ("?", 63, 1), ("0", 0, 1), ("7", 7, 1), ("101", 65, 3),
            ("377", 255, 3), ("1234", 0o123, 3), ("08", 0, 1), ("x41", 0x41, 3),
            ("xFf", 255, 3), ("x0000000041", 0x41, 11), ("x4g", 4, 2),
        ];
        for (text, unit, len) in cases {
            for dialect in [Cdef, Literal] {
                assert_eq!(
                    escape(text, dialect),
                    Ok((Escape::Unit(unit), len)),
                    "{text}"
                );
            }
        }
        assert_eq!(escape("u00e9", Literal), Ok((Escape::Char('é'), 5)));
        assert_eq!(escape("U0001F600x", Literal), Ok((Escape::Char('😀'), 9)));
        // cdef's code units go past a byte (its callers truncate).
        assert_eq!(escape("777", Cdef), Ok((Escape::Unit(511), 3)));
        assert_eq!(escape("x100", Cdef), Ok((Escape::Unit(256), 4)));
        assert_eq!(escape("xffffffff", Cdef), Ok((Escape::Unit(u32::MAX), 9)));
    }

    #[test]
    fn escape_errors_have_offsets_and_each_dialects_message() {
        for (text, at, msg) in [
            ("q", 0, "unknown escape sequence '\\q'"),
            ("8", 0, "unknown escape sequence '\\8'"),
            ("é", 0, "unknown escape sequence '\\é'"),
            ("x", 1, "\\x used with no following hex digits"),
            ("xg", 1, "\\x used with no following hex digits"),
        ] {
            for dialect in [Cdef, Literal] {
                assert_eq!(escape(text, dialect), Err(err(at, msg)), "{text}");
            }
        }
        #[rustfmt::skip]
        let cases = [
            ("", Literal, 0, "unfinished escape sequence"),
            ("400", Literal, 3, "octal escape sequence out of range"),
            ("x100", Literal, 4, "hex escape sequence out of range"),
            ("x1000000000", Literal, 11, "hex escape sequence out of range"),
            ("u12", Literal, 1, "\\u needs 4 hex digits of a character"),
            ("u+123", Literal, 1, "\\u needs 4 hex digits of a character"),
            ("ud800", Literal, 1, "\\u needs 4 hex digits of a character"),
            ("U00110000", Literal, 1, "\\U needs 8 hex digits of a character"),
            ("", Cdef, 0, "incomplete escape sequence"),
            ("x100000000", Cdef, 10, "hex escape out of range"),
            ("u0041", Cdef, 0, "unknown escape sequence '\\u'"),
            ("U00000041", Cdef, 0, "unknown escape sequence '\\U'"),
        ];
        for (text, dialect, at, msg) in cases {
            assert_eq!(escape(text, dialect), Err(err(at, msg)), "{text}");
        }
        // A body's error counts from the start of the body.
        assert_eq!(
            unescape("ab\\q"),
            Err(err(3, "unknown escape sequence '\\q'"))
        );
        assert_eq!(unescape("é\\x41\\101"), Ok(vec![0xe9, 0x41, 0o101]));
    }

    #[test]
    fn cdef_character_constants_and_strings() {
        assert_eq!(char_literal("'\\xff'", true), Ok(Val::Int(-1, Prim::Int)));
        assert_eq!(char_literal("'\\xff'", false), Ok(Val::Int(255, Prim::Int)));
        assert_eq!(char_literal("'ab'", true), Ok(Val::Int(0x6162, Prim::Int)));
        let wide = Val::Int(0xffff, Prim::UShort);
        assert_eq!(char_literal("u'\\xffff'", true), Ok(wide));
        let empty = "empty character constant".to_string();
        assert_eq!(char_literal("''", true), Err(empty));
        let pieces = ["\"a\\tb\"".to_string(), "u8\"\\101\\0\"".to_string()];
        assert_eq!(string_literal(&pieces), Ok(b"a\tbA\0".to_vec()));
        let msg = "\\x used with no following hex digits".to_string();
        assert_eq!(string_literal(&["\"\\xq\"".to_string()]), Err(msg));
    }
}
