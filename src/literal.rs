//! C literals and initializers as text, and C values shown as text or JSON: how `jitffi call`
//! reads its arguments and prints its result.
//!
//! [`parse`] reads one C constant expression of the simple kinds: integers in every C base
//! with their suffixes (`42`, `-0x1fu`, `0777`, `0b101`, `10ull`), floating constants
//! (`2.5`, `1e-3f`, `0x1.8p3`), character constants (`'a'`, `'\n'`), string literals
//! (`"text"`, adjacent ones concatenated), `NULL`, `true`, `false`, names of enumerators and
//! `#define` constants, casts (`(long)5`, `(double)1`) and initializers (`{1, 2.5}`,
//! `{.x = 1, .pt = {2, 3}, .v[2] = 7}`). [`encode`] turns a [`Literal`] into the bytes of a
//! declared C type, with C's rules and range checks; [`decode`] turns C bytes back into a
//! [`CValue`], which prints as a C initializer or as JSON.

use std::ffi::CStr;
use std::fmt;

use crate::ctype::{CType, ConstValue, Prim, RecordKind, TypeId, TypeTable};
use crate::layout::{self, Target};
use crate::value::{StructValue, Value};

/// A parsed literal.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// An integer constant (a leading `-` included in `value`).
    Int {
        /// The value.
        value: i128,
        /// Written in decimal (C gives decimal and other constants different types).
        decimal: bool,
        /// A `u`/`U` suffix.
        unsigned: bool,
        /// `l` (1) or `ll` (2) suffix.
        long: u8,
    },
    /// A floating constant.
    Float {
        /// The value.
        value: f64,
        /// An `f`/`F` suffix (`float`).
        float: bool,
    },
    /// A character constant: its one byte (type `int`, value of that `char`).
    Char(u8),
    /// A string literal: its bytes and a terminating NUL.
    Str(Vec<u8>),
    /// `NULL` or `nullptr`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An enumerator or `#define` constant name.
    Name(String),
    /// `{ … }`.
    Init(Vec<InitItem>),
    /// `(type) literal`.
    Cast {
        /// The type name as written.
        ty: String,
        /// The operand.
        value: Box<Literal>,
    },
}

/// One element of an initializer list.
#[derive(Clone, Debug, PartialEq)]
pub struct InitItem {
    /// `.name` and `[index]` designators, outermost first; empty for a positional element.
    pub designators: Vec<Designator>,
    /// The value.
    pub value: Literal,
}

/// A designator of an initializer element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Designator {
    /// `.name`.
    Field(String),
    /// `[index]`.
    Index(u64),
}

impl Literal {
    /// The text of a string literal without its NUL, if this is one.
    pub fn as_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Literal::Str(b) => b.split_last().map(|(_, s)| s),
            _ => None,
        }
    }
}

/// Why a literal does not parse or does not fit its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralError(pub String);

impl fmt::Display for LiteralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LiteralError {}

fn err<T>(msg: impl Into<String>) -> Result<T, LiteralError> {
    Err(LiteralError(msg.into()))
}

// -- Parsing --

/// Parses one literal.
///
/// # Errors
///
/// What is wrong and where (`col N`), for text that is not one of the literal forms.
///
/// # Examples
///
/// ```
/// use jitffi::literal::{parse, Literal};
///
/// assert_eq!(parse("-0x10").unwrap(), Literal::Int { value: -16, decimal: false, unsigned: false, long: 0 });
/// assert!(matches!(parse("{.x = 1, .y = 2.5}").unwrap(), Literal::Init(items) if items.len() == 2));
/// assert_eq!(parse("1 2").unwrap_err().to_string(), "col 3: unexpected '2' after the literal");
/// ```
pub fn parse(text: &str) -> Result<Literal, LiteralError> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let lit = p.value()?;
    p.ws();
    if p.i < p.s.len() {
        return p.fail(&format!("unexpected {} after the literal", p.here()));
    }
    Ok(lit)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn fail<T>(&self, msg: &str) -> Result<T, LiteralError> {
        err(format!("col {}: {msg}", self.i + 1))
    }

    fn here(&self) -> String {
        match std::str::from_utf8(&self.s[self.i..])
            .ok()
            .and_then(|r| r.chars().next())
        {
            Some(c) => format!("'{c}'"),
            None if self.i < self.s.len() => format!("byte 0x{:02x}", self.s[self.i]),
            None => "end of text".into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<String> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.i += 1;
        }
        (self.i > start).then(|| String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn value(&mut self) -> Result<Literal, LiteralError> {
        self.ws();
        match self.peek() {
            None => self.fail("expected a literal, found the end of the text"),
            Some(b'{') => self.init(),
            Some(b'(') => self.cast(),
            Some(b'"') => self.strings(),
            Some(b'\'') => self.char_const(),
            Some(b'-' | b'+') => {
                let neg = self.peek() == Some(b'-');
                self.i += 1;
                self.ws();
                let start = self.i;
                match self.value()? {
                    Literal::Int {
                        value,
                        decimal,
                        unsigned,
                        long,
                    } => Ok(Literal::Int {
                        value: if neg { -value } else { value },
                        decimal,
                        unsigned,
                        long,
                    }),
                    Literal::Float { value, float } => Ok(Literal::Float {
                        value: if neg { -value } else { value },
                        float,
                    }),
                    Literal::Char(c) if !neg => Ok(Literal::Char(c)),
                    Literal::Char(c) => Ok(Literal::Int {
                        value: -i128::from(c),
                        decimal: true,
                        unsigned: false,
                        long: 0,
                    }),
                    Literal::Name(n) if !neg => Ok(Literal::Name(n)),
                    _ => {
                        self.i = start;
                        self.fail("a sign applies to a number only")
                    }
                }
            }
            Some(c) if c.is_ascii_digit() || c == b'.' => self.number(),
            Some(c) if c.is_ascii_alphabetic() || c == b'_' => {
                let start = self.i;
                let name = self.ident().unwrap_or_default();
                // A string with an encoding prefix (u8"…") is just a string here.
                if name == "u8" && self.peek() == Some(b'"') {
                    return self.strings();
                }
                Ok(match name.as_str() {
                    "NULL" | "nullptr" => Literal::Null,
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    "INFINITY" => Literal::Float {
                        value: f64::INFINITY,
                        float: true,
                    },
                    "NAN" => Literal::Float {
                        value: f64::NAN,
                        float: true,
                    },
                    _ if name.as_bytes()[0].is_ascii_digit() => {
                        self.i = start;
                        return self.fail("expected a literal");
                    }
                    _ => Literal::Name(name),
                })
            }
            Some(_) => self.fail(&format!("expected a literal, found {}", self.here())),
        }
    }

    fn init(&mut self) -> Result<Literal, LiteralError> {
        self.i += 1; // '{'
        let mut items = Vec::new();
        loop {
            if self.eat(b'}') {
                return Ok(Literal::Init(items));
            }
            let mut designators = Vec::new();
            loop {
                self.ws();
                match self.peek() {
                    Some(b'.') => {
                        self.i += 1;
                        self.ws();
                        match self.ident() {
                            Some(n) => designators.push(Designator::Field(n)),
                            None => return self.fail("expected a member name after '.'"),
                        }
                    }
                    Some(b'[') => {
                        self.i += 1;
                        let at = self.i;
                        let idx = match self.value()? {
                            Literal::Int { value, .. } if value >= 0 => {
                                u64::try_from(value).unwrap_or(u64::MAX)
                            }
                            _ => {
                                self.i = at;
                                return self.fail("expected a non-negative index");
                            }
                        };
                        if !self.eat(b']') {
                            return self.fail("expected ']'");
                        }
                        designators.push(Designator::Index(idx));
                    }
                    _ => break,
                }
            }
            if !designators.is_empty() && !self.eat(b'=') {
                return self.fail("expected '=' after the designator");
            }
            let value = self.value()?;
            items.push(InitItem { designators, value });
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return Ok(Literal::Init(items));
            }
            self.ws();
            return self.fail(&format!("expected ',' or '}}', found {}", self.here()));
        }
    }

    fn cast(&mut self) -> Result<Literal, LiteralError> {
        self.i += 1; // '('
        let start = self.i;
        let mut depth = 1;
        while let Some(c) = self.peek() {
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        if depth != 0 {
            return self.fail("unbalanced '(': expected ')' after the type name");
        }
        let ty = String::from_utf8_lossy(&self.s[start..self.i])
            .trim()
            .to_string();
        self.i += 1; // ')'
        if ty.is_empty() {
            return self.fail("expected a type name between the parentheses");
        }
        let value = self.value()?;
        Ok(Literal::Cast {
            ty,
            value: Box::new(value),
        })
    }

    fn escape(&mut self) -> Result<Vec<u8>, LiteralError> {
        // After the backslash.
        let c = match self.peek() {
            Some(c) => c,
            None => return self.fail("unfinished escape sequence"),
        };
        self.i += 1;
        let byte = match c {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'v' => 0x0b,
            b'e' => 0x1b,
            b'\\' | b'\'' | b'"' | b'?' => c,
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            self.i += 1;
                        }
                        _ => break,
                    }
                }
                match u8::try_from(v) {
                    Ok(b) => b,
                    Err(_) => return self.fail("octal escape sequence out of range"),
                }
            }
            b'x' => {
                let start = self.i;
                let mut v: u32 = 0;
                while let Some(d) = self.peek().and_then(|d| (d as char).to_digit(16)) {
                    v = v.saturating_mul(16).saturating_add(d);
                    self.i += 1;
                }
                if self.i == start {
                    return self.fail("\\x used with no following hex digits");
                }
                match u8::try_from(v) {
                    Ok(b) => b,
                    Err(_) => return self.fail("hex escape sequence out of range"),
                }
            }
            b'u' | b'U' => {
                let n = if c == b'u' { 4 } else { 8 };
                let digits = self.s.get(self.i..self.i + n).unwrap_or_default();
                let v = std::str::from_utf8(digits)
                    .ok()
                    .filter(|d| d.len() == n)
                    .and_then(|d| u32::from_str_radix(d, 16).ok())
                    .and_then(char::from_u32);
                let Some(ch) = v else {
                    return self.fail(&format!(
                        "\\{} needs {n} hex digits of a character",
                        c as char
                    ));
                };
                self.i += n;
                return Ok(ch.to_string().into_bytes());
            }
            _ => {
                self.i -= 1;
                return self.fail(&format!("unknown escape sequence '\\{}'", c as char));
            }
        };
        Ok(vec![byte])
    }

    fn strings(&mut self) -> Result<Literal, LiteralError> {
        let mut out = Vec::new();
        loop {
            // At '"'.
            self.i += 1;
            loop {
                match self.peek() {
                    None => return self.fail("unterminated string literal"),
                    Some(b'"') => {
                        self.i += 1;
                        break;
                    }
                    Some(b'\\') => {
                        self.i += 1;
                        out.extend(self.escape()?);
                    }
                    Some(c) => {
                        out.push(c);
                        self.i += 1;
                    }
                }
            }
            self.ws();
            if self.peek() != Some(b'"') {
                break;
            }
        }
        out.push(0);
        Ok(Literal::Str(out))
    }

    fn char_const(&mut self) -> Result<Literal, LiteralError> {
        self.i += 1; // '\''
        let bytes = match self.peek() {
            None => return self.fail("unterminated character constant"),
            Some(b'\'') => return self.fail("empty character constant"),
            Some(b'\\') => {
                self.i += 1;
                self.escape()?
            }
            Some(c) => {
                self.i += 1;
                vec![c]
            }
        };
        if self.peek() != Some(b'\'') {
            return self.fail("expected ''' (multi-character constants are not supported)");
        }
        self.i += 1;
        match bytes.as_slice() {
            [b] => Ok(Literal::Char(*b)),
            _ => self.fail("a character constant holds one byte (use a string for UTF-8)"),
        }
    }

    fn number(&mut self) -> Result<Literal, LiteralError> {
        let start = self.i;
        let s = self.s;
        let rest = &s[start..];
        let lower = |k: usize| rest.get(k).map(u8::to_ascii_lowercase);
        let (radix, digits_at) = match (rest.first(), lower(1)) {
            (Some(b'0'), Some(b'x')) => (16, 2),
            (Some(b'0'), Some(b'b')) => (2, 2),
            _ => (10, 0),
        };
        let mut j = digits_at;
        let is_digit = |c: u8| match radix {
            16 => c.is_ascii_hexdigit(),
            2 => c == b'0' || c == b'1',
            _ => c.is_ascii_digit(),
        };
        while rest.get(j).is_some_and(|&c| is_digit(c) || c == b'\'') {
            j += 1;
        }
        let int_end = j;
        let mut is_float = false;
        if radix != 2 && rest.get(j) == Some(&b'.') {
            is_float = true;
            j += 1;
            while rest.get(j).is_some_and(|&c| is_digit(c)) {
                j += 1;
            }
        }
        let exp = if radix == 16 { b'p' } else { b'e' };
        if radix != 2 && lower(j) == Some(exp) {
            let mut k = j + 1;
            if matches!(rest.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            if rest.get(k).is_some_and(u8::is_ascii_digit) {
                is_float = true;
                j = k;
                while rest.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
            } else {
                self.i = start + k;
                return self.fail("exponent has no digits");
            }
        }
        if radix == 16 && is_float && !rest[..j].iter().any(|c| c.eq_ignore_ascii_case(&b'p')) {
            self.i = start + j;
            return self.fail("hexadecimal floating constant requires an exponent ('p')");
        }
        let body: String = String::from_utf8_lossy(&rest[..j]).replace('\'', "");
        let suffix_start = j;
        while rest.get(j).is_some_and(u8::is_ascii_alphabetic) {
            j += 1;
        }
        let suffix = String::from_utf8_lossy(&rest[suffix_start..j]).to_ascii_lowercase();
        self.i = start + j;
        if rest
            .get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.')
        {
            return self.fail(&format!("invalid character {} in the number", self.here()));
        }
        if is_float {
            let float = match suffix.as_str() {
                "" | "l" => false,
                "f" => true,
                _ => {
                    self.i = start + suffix_start;
                    return self.fail(&format!("invalid suffix '{suffix}' on a floating constant"));
                }
            };
            let value = if radix == 16 {
                crate::cdef::hex_float(&body[2..].to_ascii_lowercase())
            } else {
                body.parse::<f64>().ok()
            };
            let Some(value) = value else {
                self.i = start;
                return self.fail("invalid floating constant");
            };
            return Ok(Literal::Float { value, float });
        }
        let (unsigned, long) = match suffix.as_str() {
            "" => (false, 0),
            "u" => (true, 0),
            "l" => (false, 1),
            "ul" | "lu" => (true, 1),
            "ll" => (false, 2),
            "ull" | "llu" => (true, 2),
            _ => {
                self.i = start + suffix_start;
                return self.fail(&format!("invalid suffix '{suffix}' on an integer constant"));
            }
        };
        let digits = &body[digits_at..int_end.min(body.len())];
        let (radix, digits) = if radix == 10 && digits.starts_with('0') {
            (8, &digits[1..])
        } else {
            (radix, digits)
        };
        if digits.is_empty() && radix != 8 {
            self.i = start;
            return self.fail("a number needs digits");
        }
        let value = if digits.is_empty() {
            Some(0)
        } else {
            u128::from_str_radix(digits, radix)
                .ok()
                .and_then(|v| i128::try_from(v).ok())
        };
        let Some(value) = value.filter(|v| *v <= i128::from(u64::MAX)) else {
            self.i = start;
            return self.fail("integer constant is too large for any C integer type");
        };
        Ok(Literal::Int {
            value,
            decimal: radix == 10,
            unsigned,
            long,
        })
    }
}

// -- Encoding --

/// A context for [`encode`] and [`decode`]: the type table and target.
#[derive(Clone, Copy)]
pub struct Types<'a> {
    /// The declarations.
    pub table: &'a TypeTable,
    /// Their target.
    pub target: &'a Target,
}

impl Types<'_> {
    fn show(&self, ty: TypeId) -> String {
        self.table.display(ty)
    }

    fn size(&self, ty: TypeId) -> Result<u64, LiteralError> {
        layout::layout_of(self.table, self.target, ty)
            .map(|l| l.size)
            .map_err(|e| LiteralError(e.to_string()))
    }

    fn int_info(&self, ty: TypeId) -> Option<(u64, bool)> {
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
fn int_value(cx: Types<'_>, lit: &Literal, what: &str) -> Result<i128, LiteralError> {
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
        Literal::Float { .. } => err(format!("a floating constant where '{what}' is expected")),
        Literal::Str(_) => err(format!("a string where '{what}' is expected")),
        Literal::Null => err(format!("NULL where '{what}' is expected")),
        Literal::Init(_) => err(format!("an initializer where '{what}' is expected")),
    }
}

/// The floating value of a literal (integers convert, as in C).
fn float_value(cx: Types<'_>, lit: &Literal, what: &str) -> Result<f64, LiteralError> {
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

fn check_range(v: i128, size: u64, signed: bool, what: &str) -> Result<(), LiteralError> {
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

fn put(out: &mut [u8], at: u64, bytes: &[u8]) -> Result<(), LiteralError> {
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

fn encode_at(
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
        CType::Prim(Prim::LongDouble) if cx.target.arch == layout::Arch::X86_64 => put(
            out,
            at,
            &crate::cif::f64_to_x87(float_value(cx, lit, &what)?)[..10],
        ),
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
        CType::Array { elem, len } => {
            let Some(len) = *len else {
                return err(format!("'{what}' has no length"));
            };
            let elem_size = cx.size(*elem)?;
            let is_char = matches!(
                t.raw_type(*elem),
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
                        encode_designated(cx, *elem, &sub, out, at + index * elem_size)
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
fn prefix_path(inner: &str) -> String {
    if inner.starts_with('.') || inner.starts_with('[') {
        inner.to_string()
    } else {
        format!(": {inner}")
    }
}

fn encode_designated(
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

fn encode_int(
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
    let v = int_value(cx, lit, what)?;
    check_range(v, size, signed, what)?;
    put(out, at, &v.to_le_bytes()[..size as usize])
}

fn encode_bits(
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

// -- Decoding --

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
    /// `float`, `double`, `long double` (as the nearest `double`).
    Float(f64),
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

fn read_uint(bytes: &[u8], at: u64, size: u64) -> Result<u128, LiteralError> {
    let at = usize::try_from(at).map_err(|_| LiteralError("offset too large".into()))?;
    let b = bytes
        .get(at..at + size as usize)
        .ok_or_else(|| LiteralError("internal: read outside the object".into()))?;
    let mut w = [0u8; 16];
    w[..b.len()].copy_from_slice(b);
    Ok(u128::from_le_bytes(w))
}

fn decode_at(cx: Types<'_>, ty: TypeId, bytes: &[u8], at: u64) -> Result<CValue, LiteralError> {
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
            let v = read_uint(bytes, at, 16)?;
            CValue::Float(crate::cif::x87_to_f64(&v.to_le_bytes()))
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
        CType::Array { elem, len } => {
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

fn int_at(cx: Types<'_>, ty: TypeId, bytes: &[u8], at: u64) -> Result<CValue, LiteralError> {
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
fn f32_shortest(f: f32) -> f64 {
    f.to_string().parse().unwrap_or(f64::from(f))
}

fn float_text(f: f64) -> String {
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

// -- Call arguments and results --

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
        CType::Prim(p) if p.is_integer() => int_arg(int_value(cx, lit, &what)?, &what)?,
        CType::Enum(_) => int_arg(int_value(cx, lit, &what)?, &what)?,
        CType::Prim(Prim::Float) => Value::F32(float_value(cx, lit, &what)? as f32),
        CType::Prim(Prim::Double | Prim::LongDouble) => Value::F64(float_value(cx, lit, &what)?),
        CType::Pointer(_) => pointer_arg(cx, lit, &what)?,
        CType::Record(_) => Value::Struct(StructValue::owned(raw, encode(cx, raw, lit)?.into())),
        _ => {
            return err(format!(
                "parameters of type '{what}' cannot be written from text"
            ));
        }
    })
}

fn int_arg(v: i128, what: &str) -> Result<Value<'static>, LiteralError> {
    match (i64::try_from(v), u64::try_from(v)) {
        (Ok(i), _) => Ok(Value::I64(i)),
        (_, Ok(u)) => Ok(Value::U64(u)),
        _ => err(format!("{v} does not fit in '{what}'")),
    }
}

fn str_arg(b: &[u8]) -> Value<'_> {
    // A string literal ends with its NUL; an embedded "\0" ends it earlier, as in C.
    match CStr::from_bytes_until_nul(b) {
        Ok(s) => Value::str(s),
        Err(_) => Value::NULL,
    }
}

fn pointer_arg<'a>(cx: Types<'_>, lit: &'a Literal, what: &str) -> Result<Value<'a>, LiteralError> {
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
/// `l` suffixes; octal and hexadecimal constants may be unsigned), a character constant is an
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
        Value::Ptr(p) => CValue::Pointer(p.addr() as u64),
        Value::Str(s) => CValue::Pointer(s.as_ptr() as u64),
        Value::Struct(s) => decode(cx, ty, s.bytes())?,
        other => match other.as_i128() {
            Some(i) => CValue::Int(i),
            None => return err(format!("cannot show a {} result", other.kind())),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(value: i128, decimal: bool, unsigned: bool, long: u8) -> Literal {
        Literal::Int {
            value,
            decimal,
            unsigned,
            long,
        }
    }

    #[test]
    fn numbers_in_every_c_form() {
        let cases: &[(&str, Literal)] = &[
            ("0", int(0, false, false, 0)),
            ("00", int(0, false, false, 0)),
            ("42", int(42, true, false, 0)),
            ("-42", int(-42, true, false, 0)),
            ("+7", int(7, true, false, 0)),
            ("0x1F", int(31, false, false, 0)),
            ("0777", int(511, false, false, 0)),
            ("0b101", int(5, false, false, 0)),
            ("10u", int(10, true, true, 0)),
            ("10UL", int(10, true, true, 1)),
            ("10llu", int(10, true, true, 2)),
            ("1'000'000", int(1_000_000, true, false, 0)),
            ("18446744073709551615u", int(u64::MAX.into(), true, true, 0)),
            ("'a'", Literal::Char(b'a')),
            ("'\\n'", Literal::Char(b'\n')),
            ("'\\x41'", Literal::Char(b'A')),
            ("'\\0'", Literal::Char(0)),
            ("'\\''", Literal::Char(b'\'')),
            ("NULL", Literal::Null),
            ("nullptr", Literal::Null),
            ("true", Literal::Bool(true)),
            ("FOO_BAR", Literal::Name("FOO_BAR".into())),
        ];
        for (text, expect) in cases {
            assert_eq!(
                &parse(text).unwrap_or_else(|e| panic!("{text}: {e}")),
                expect,
                "{text}"
            );
        }
        let float = |text: &str| match parse(text) {
            Ok(Literal::Float { value, float }) => (value, float),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(float("2.5"), (2.5, false));
        assert_eq!(float("-1e-3f"), (-1e-3, true));
        assert_eq!(float(".5"), (0.5, false));
        assert_eq!(float("1."), (1.0, false));
        assert_eq!(float("0x1.8p3"), (12.0, false));
        assert_eq!(float("0x10p-4L"), (1.0, false));
        assert_eq!(float("1E+2"), (100.0, false));
        assert!(float("NAN").0.is_nan());
        assert_eq!(float("-INFINITY").0, f64::NEG_INFINITY);
    }

    #[test]
    fn strings_initializers_and_casts() {
        assert_eq!(
            parse("\"a\\tb\" \"c\"").unwrap(),
            Literal::Str(b"a\tbc\0".to_vec())
        );
        assert_eq!(
            parse("\"\\u00e9\"").unwrap().as_str_bytes(),
            Some("é".as_bytes())
        );
        assert_eq!(
            parse("\"\\101\\x42\"").unwrap().as_str_bytes(),
            Some(&b"AB"[..])
        );
        let Literal::Init(items) = parse("{ 1, .y = {2, [3] = 4}, .a.b[1] = 'c', }").unwrap()
        else {
            panic!("not an initializer");
        };
        assert_eq!(items.len(), 3);
        assert!(items[0].designators.is_empty());
        assert_eq!(items[1].designators, [Designator::Field("y".into())]);
        assert_eq!(
            items[2].designators,
            [
                Designator::Field("a".into()),
                Designator::Field("b".into()),
                Designator::Index(1)
            ]
        );
        assert_eq!(parse("{}").unwrap(), Literal::Init(vec![]));
        assert_eq!(
            parse("(unsigned long) 5").unwrap(),
            Literal::Cast {
                ty: "unsigned long".into(),
                value: Box::new(int(5, true, false, 0)),
            }
        );
        assert!(matches!(
            parse("(int (*)(int))0x10").unwrap(),
            Literal::Cast { ty, .. } if ty == "int (*)(int)"
        ));
    }

    #[test]
    fn malformed_literals_are_explained() {
        let cases = [
            ("", "col 1: expected a literal, found the end of the text"),
            ("0x", "col 1: a number needs digits"),
            (
                "12abc",
                "col 3: invalid suffix 'abc' on an integer constant",
            ),
            ("1.5x", "col 4: invalid suffix 'x' on a floating constant"),
            (
                "0x1.8",
                "col 6: hexadecimal floating constant requires an exponent ('p')",
            ),
            ("1e", "col 3: exponent has no digits"),
            (
                "99999999999999999999999",
                "col 1: integer constant is too large for any C integer type",
            ),
            ("\"abc", "col 5: unterminated string literal"),
            (
                "'ab'",
                "col 3: expected ''' (multi-character constants are not supported)",
            ),
            ("''", "col 2: empty character constant"),
            ("'\\q'", "col 3: unknown escape sequence '\\q'"),
            ("\"\\x\"", "col 4: \\x used with no following hex digits"),
            ("{1 2}", "col 4: expected ',' or '}', found '2'"),
            ("{.x 1}", "col 5: expected '=' after the designator"),
            ("{[-1] = 2}", "col 3: expected a non-negative index"),
            (
                "(int 5",
                "col 7: unbalanced '(': expected ')' after the type name",
            ),
            (
                "() 5",
                "col 3: expected a type name between the parentheses",
            ),
            ("-\"s\"", "col 2: a sign applies to a number only"),
            ("1 2", "col 3: unexpected '2' after the literal"),
            ("@", "col 1: expected a literal, found '@'"),
        ];
        for (text, expect) in cases {
            assert_eq!(parse(text).unwrap_err().to_string(), expect, "{text:?}");
        }
    }

    fn cx_for(decls: &str) -> (crate::Ffi, std::sync::Arc<TypeTable>) {
        let ffi = crate::Ffi::new();
        ffi.cdef(decls).expect("cdef");
        let t = ffi.types();
        (ffi, t)
    }

    #[test]
    fn values_that_do_not_fit_are_refused_with_the_member_and_both_sides() {
        let (ffi, t) = cx_for(
            "struct s { unsigned char u; int b : 3; char name[4]; struct { short x; } in; int *p; };\
             union v { int i; double d; };",
        );
        let cx = Types {
            table: &t,
            target: ffi.target(),
        };
        let s = ffi.type_of("struct s").expect("type").id();
        let u = ffi.type_of("union v").expect("type").id();
        let cases = [
            (
                s,
                "{256}",
                "struct s .u: 256 does not fit in 'unsigned char'",
            ),
            (s, "{-1}", "struct s .u: -1 does not fit in 'unsigned char'"),
            (s, "{.b = 4}", "struct s .b: 4 does not fit in 'int : 3'"),
            (
                s,
                "{.name = \"hello\"}",
                "struct s .name: a string of 5 bytes does not fit in 'char[4]'",
            ),
            (
                s,
                "{.name = {[4] = 1}}",
                "struct s .name: index 4 is out of bounds of 'char[4]'",
            ),
            (
                s,
                "{.in.x = 1.5}",
                "struct s .in.x: a floating constant where 'short' is expected",
            ),
            (s, "{.nope = 1}", "'struct s' has no member named 'nope'"),
            (
                s,
                "{1, 2, \"abc\", {3}, NULL, 6}",
                "excess elements in the initializer of 'struct s'",
            ),
            (
                s,
                "{.p = 12}",
                "struct s .p: an integer where 'int *' is expected (write a cast: (int *)0x1000)",
            ),
            (s, "5", "expected an initializer {…} for 'struct s'"),
            (
                u,
                "{1, 2}",
                "excess elements in the initializer of 'union v'",
            ),
            (
                s,
                "{.u = NOPE}",
                "struct s .u: 'NOPE' is not a declared enumerator or constant",
            ),
        ];
        for (ty, text, expect) in cases {
            let lit = parse(text).expect(text);
            assert_eq!(
                encode(cx, ty, &lit).unwrap_err().to_string(),
                expect,
                "{text}"
            );
        }
    }

    #[test]
    fn variadic_arguments_take_the_type_c_gives_their_constant() {
        let (ffi, t) = cx_for("enum { SMALL = 3 };\n#define BIG 5000000000\n#define HALF 0.5\n");
        let cx = Types {
            table: &t,
            target: ffi.target(),
        };
        let cases: [(&str, Value<'_>); 12] = [
            ("1", Value::I32(1)),
            ("-2147483648", Value::I32(i32::MIN)),
            ("2147483648", Value::I64(2_147_483_648)),
            ("0x80000000", Value::U32(0x8000_0000)),
            ("5u", Value::U32(5)),
            ("5l", Value::I64(5)),
            ("0xffffffffffffffff", Value::U64(u64::MAX)),
            ("'a'", Value::I32(97)),
            ("2.5f", Value::F64(2.5)),
            ("SMALL", Value::I32(3)),
            ("BIG", Value::I64(5_000_000_000)),
            ("HALF", Value::F64(0.5)),
        ];
        for (text, expect) in cases {
            let lit = parse(text).expect(text);
            assert_eq!(promoted_argument(cx, &lit).expect(text), expect, "{text}");
        }
        let init = parse("{1}").unwrap();
        assert_eq!(
            promoted_argument(cx, &init).unwrap_err().to_string(),
            "an initializer in a variadic argument needs a cast: (struct name){…}"
        );
    }
}
