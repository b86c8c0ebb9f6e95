//! Parsing: literal text → [`Literal`], with the column of every error.
#![forbid(unsafe_code)]

use super::*;

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
