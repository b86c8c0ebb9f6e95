//! Parsing: literal text → [`Literal`], with the column of every error.
#![forbid(unsafe_code)]

use super::*;
use crate::cdef::lex::{self, Dialect, Escape, LexError, Number};

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
        text,
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
    text: &'a str,
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn fail<T>(&self, msg: &str) -> Result<T, LiteralError> {
        err(format!("col {}: {msg}", self.i + 1))
    }

    /// Fails with the lexer's error, whose offset counts from `start`.
    fn lex_fail<T>(&mut self, start: usize, e: LexError) -> Result<T, LiteralError> {
        self.i = start + e.at;
        self.fail(&e.msg)
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
                    } => match if neg {
                        value.checked_neg()
                    } else {
                        Some(value)
                    } {
                        Some(value) => Ok(Literal::Int {
                            value,
                            decimal,
                            unsigned,
                            long,
                        }),
                        None => {
                            self.i = start;
                            self.fail("integer constant is too large for 128 bits")
                        }
                    },
                    // -2^127 is the one negative value whose magnitude is above i128::MAX.
                    Literal::WideUInt(u) if neg && u == 1 << 127 => Ok(Literal::Int {
                        value: i128::MIN,
                        decimal: true,
                        unsigned: false,
                        long: 0,
                    }),
                    Literal::WideUInt(u) if !neg => Ok(Literal::WideUInt(u)),
                    Literal::WideUInt(_) => {
                        self.i = start;
                        self.fail("integer constant is too large for 128 bits")
                    }
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

    /// The bytes of the escape sequence after a backslash.
    fn escape(&mut self) -> Result<Vec<u8>, LiteralError> {
        let start = self.i;
        let (escape, len) = match lex::escape(&self.text[start..], Dialect::Literal) {
            Ok(e) => e,
            Err(e) => return self.lex_fail(start, e),
        };
        self.i = start + len;
        Ok(match escape {
            // The literal dialect keeps octal and hex escapes to one byte.
            Escape::Unit(u) => vec![u8::try_from(u).unwrap_or(u8::MAX)],
            Escape::Char(c) => c.to_string().into_bytes(),
        })
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
        let (number, len) = match lex::number(&self.text[start..], Dialect::Literal) {
            Ok(n) => n,
            Err(e) => return self.lex_fail(start, e),
        };
        self.i = start + len;
        Ok(match number {
            Number::Int {
                value,
                radix,
                unsigned,
                longs,
            } => match i128::try_from(value) {
                Ok(value) => Literal::Int {
                    value,
                    decimal: radix == 10,
                    unsigned,
                    long: longs,
                },
                Err(_) => Literal::WideUInt(value),
            },
            Number::Float { value, ty } => Literal::Float {
                value,
                float: ty == Prim::Float,
            },
        })
    }
}
