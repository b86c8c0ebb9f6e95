//! The parser of `#define` bodies and `#if` conditions: directive text → [`Expr`], because
//! lang-c never sees directive lines.
#![forbid(unsafe_code)]

use super::expr::{BinOp, Expr, MAX_DEPTH, TypeRef, UnOp, Val};
use super::lex::{char_literal, number_literal, string_literal};

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Number(String),
    Char(String),
    Str(String),
    Punct(&'static str),
}

const PUNCTS: [&str; 27] = [
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "->", "(", ")", "[", "]", "+", "-", "*", "/",
    "%", "<", ">", "&", "^", "|", "!", "~", "?", ":",
];

/// Splits directive text into tokens. Returns `Err` for characters no constant expression uses.
fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &s[st..i];
            // Prefixed character and string literals.
            if i < b.len()
                && (b[i] == b'\'' || b[i] == b'"')
                && matches!(word, "L" | "u" | "U" | "u8")
            {
                let (tok, end) = quoted(s, st, i)?;
                out.push(tok);
                i = end;
            } else {
                out.push(Tok::Ident(word.to_string()));
            }
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let st = i;
            while i < b.len() {
                let d = b[i];
                let exponent_sign =
                    (d == b'+' || d == b'-') && matches!(b[i - 1], b'e' | b'E' | b'p' | b'P');
                if d.is_ascii_alphanumeric()
                    || d == b'.'
                    || d == b'_'
                    || d == b'\''
                    || exponent_sign
                {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Number(s[st..i].to_string()));
        } else if c == b'\'' || c == b'"' {
            let (tok, end) = quoted(s, i, i)?;
            out.push(tok);
            i = end;
        } else if c == b',' {
            out.push(Tok::Punct(","));
            i += 1;
        } else if c == b'.' {
            out.push(Tok::Punct("."));
            i += 1;
        } else {
            let rest = &s[i..];
            let p = PUNCTS
                .iter()
                .find(|p| rest.starts_with(**p))
                .ok_or_else(|| {
                    let ch = rest.chars().next().unwrap_or('?');
                    format!("unexpected character '{ch}' in constant expression")
                })?;
            out.push(Tok::Punct(p));
            i += p.len();
        }
    }
    Ok(out)
}

fn quoted(s: &str, start: usize, quote_at: usize) -> Result<(Tok, usize), String> {
    let b = s.as_bytes();
    let q = b[quote_at];
    let mut i = quote_at + 1;
    while i < b.len() && b[i] != q {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    if i >= b.len() {
        return Err("unterminated literal in constant expression".into());
    }
    let text = s[start..=i].to_string();
    Ok((
        if q == b'\'' {
            Tok::Char(text)
        } else {
            Tok::Str(text)
        },
        i + 1,
    ))
}

const TYPE_WORDS: [&str; 24] = [
    "void",
    "char",
    "short",
    "int",
    "long",
    "float",
    "double",
    "signed",
    "unsigned",
    "_Bool",
    "struct",
    "union",
    "enum",
    "const",
    "volatile",
    "_Complex",
    "__int128",
    "__signed__",
    "__unsigned__",
    "restrict",
    "_Float128",
    "__float128",
    "__restrict",
    "__const",
];

struct PpParser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    src: &'a str,
    is_type: &'a dyn Fn(&str) -> bool,
    directive: bool,
    char_signed: bool,
}

/// Parses the text of a `#define` body or `#if` condition. `is_type` tells type names from
/// other identifiers (for casts and `sizeof`); `directive` enables `defined`.
pub(crate) fn parse_pp_expr(
    src: &str,
    is_type: &dyn Fn(&str) -> bool,
    directive: bool,
    char_signed: bool,
) -> Result<Expr, String> {
    let toks = tokenize(src)?;
    if toks.is_empty() {
        return Err("empty expression".into());
    }
    let mut p = PpParser {
        toks,
        pos: 0,
        src,
        is_type,
        directive,
        char_signed,
    };
    let e = p.comma(0)?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "unexpected '{}' in constant expression",
            p.describe(p.pos)
        ));
    }
    Ok(e)
}

impl PpParser<'_> {
    fn describe(&self, i: usize) -> String {
        match &self.toks[i] {
            Tok::Ident(s) | Tok::Number(s) | Tok::Char(s) | Tok::Str(s) => s.clone(),
            Tok::Punct(p) => (*p).to_string(),
        }
    }

    fn peek_punct(&self, p: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        if self.peek_punct(p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.eat(p) {
            Ok(())
        } else if self.pos < self.toks.len() {
            Err(format!(
                "expected '{p}' before '{}' in constant expression",
                self.describe(self.pos)
            ))
        } else {
            Err(format!("expected '{p}' at end of constant expression"))
        }
    }

    fn comma(&mut self, depth: u32) -> Result<Expr, String> {
        let first = self.cond(depth)?;
        if !self.peek_punct(",") {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(",") {
            items.push(self.cond(depth)?);
        }
        Ok(Expr::Comma(items))
    }

    fn cond(&mut self, depth: u32) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "constant expression nested deeper than {MAX_DEPTH} levels"
            ));
        }
        let c = self.binary(0, depth + 1)?;
        if self.eat("?") {
            let t = self.comma(depth + 1)?;
            self.expect(":")?;
            let f = self.cond(depth + 1)?;
            return Ok(Expr::Cond(Box::new(c), Box::new(t), Box::new(f)));
        }
        Ok(c)
    }

    fn binop(&self) -> Option<(BinOp, u8)> {
        let p = match self.toks.get(self.pos) {
            Some(Tok::Punct(p)) => *p,
            _ => return None,
        };
        Some(match p {
            "||" => (BinOp::Or, 1),
            "&&" => (BinOp::And, 2),
            "|" => (BinOp::BitOr, 3),
            "^" => (BinOp::BitXor, 4),
            "&" => (BinOp::BitAnd, 5),
            "==" => (BinOp::Eq, 6),
            "!=" => (BinOp::Ne, 6),
            "<" => (BinOp::Lt, 7),
            ">" => (BinOp::Gt, 7),
            "<=" => (BinOp::Le, 7),
            ">=" => (BinOp::Ge, 7),
            "<<" => (BinOp::Shl, 8),
            ">>" => (BinOp::Shr, 8),
            "+" => (BinOp::Add, 9),
            "-" => (BinOp::Sub, 9),
            "*" => (BinOp::Mul, 10),
            "/" => (BinOp::Div, 10),
            "%" => (BinOp::Rem, 10),
            _ => return None,
        })
    }

    fn binary(&mut self, min_prec: u8, depth: u32) -> Result<Expr, String> {
        let mut lhs = self.unary(depth)?;
        // A chain of operators builds a tree as deep as it is long: refuse what evaluation
        // would refuse anyway, before the tree gets deep enough to overflow a stack.
        let mut chain = depth;
        while let Some((op, prec)) = self.binop() {
            if prec < min_prec.max(1) {
                break;
            }
            chain += 1;
            if chain > MAX_DEPTH {
                return Err(format!(
                    "constant expression nested deeper than {MAX_DEPTH} levels"
                ));
            }
            self.pos += 1;
            let rhs = self.binary(prec + 1, depth + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn starts_type(&self, i: usize) -> bool {
        match self.toks.get(i) {
            Some(Tok::Ident(w)) => TYPE_WORDS.contains(&w.as_str()) || (self.is_type)(w),
            _ => false,
        }
    }

    /// Consumes tokens up to the `)` matching an already consumed `(` and returns their text.
    fn type_text(&mut self) -> Result<String, String> {
        let mut level = 0usize;
        let mut words = Vec::new();
        while let Some(t) = self.toks.get(self.pos) {
            match t {
                Tok::Punct("(") => level += 1,
                Tok::Punct(")") if level == 0 => {
                    self.pos += 1;
                    return Ok(words.join(" "));
                }
                Tok::Punct(")") => level -= 1,
                _ => {}
            }
            words.push(self.describe(self.pos));
            self.pos += 1;
        }
        Err(format!("unbalanced parentheses in '{}'", self.src))
    }

    fn unary(&mut self, depth: u32) -> Result<Expr, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "constant expression nested deeper than {MAX_DEPTH} levels"
            ));
        }
        let d = depth + 1;
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .ok_or("unexpected end of constant expression")?;
        self.pos += 1;
        match tok {
            Tok::Punct("-") => Ok(Expr::Unary(UnOp::Neg, Box::new(self.unary(d)?))),
            Tok::Punct("+") => Ok(Expr::Unary(UnOp::Plus, Box::new(self.unary(d)?))),
            Tok::Punct("!") => Ok(Expr::Unary(UnOp::Not, Box::new(self.unary(d)?))),
            Tok::Punct("~") => Ok(Expr::Unary(UnOp::BitNot, Box::new(self.unary(d)?))),
            Tok::Punct("(") => {
                if self.starts_type(self.pos) {
                    let ty = self.type_text()?;
                    let x = self.unary(d)?;
                    return Ok(Expr::Cast(TypeRef::Text(ty), Box::new(x)));
                }
                let e = self.comma(d)?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Number(n) => Ok(Expr::Val(number_literal(&n)?)),
            Tok::Char(c) => Ok(Expr::Val(char_literal(&c, self.char_signed)?)),
            Tok::Str(s) => {
                let mut pieces = vec![s];
                while let Some(Tok::Str(next)) = self.toks.get(self.pos) {
                    pieces.push(next.clone());
                    self.pos += 1;
                }
                Ok(Expr::Val(Val::Str(string_literal(&pieces)?)))
            }
            Tok::Ident(w) if w == "defined" && self.directive => {
                let paren = self.eat("(");
                let name = match self.toks.get(self.pos) {
                    Some(Tok::Ident(n)) => n.clone(),
                    _ => return Err("'defined' must be followed by a macro name".into()),
                };
                self.pos += 1;
                if paren {
                    self.expect(")")?;
                }
                Ok(Expr::Defined(name))
            }
            Tok::Ident(w) if w == "sizeof" || w == "_Alignof" || w == "__alignof__" => {
                let is_size = w == "sizeof";
                if self.peek_punct("(") && self.starts_type(self.pos + 1) {
                    self.pos += 1;
                    let ty = TypeRef::Text(self.type_text()?);
                    return Ok(if is_size {
                        Expr::SizeofType(ty)
                    } else {
                        Expr::AlignofType(ty)
                    });
                }
                if !is_size {
                    return Err("_Alignof requires a parenthesised type name".into());
                }
                Ok(Expr::SizeofExpr(Box::new(self.unary(d)?)))
            }
            Tok::Ident(w) if w == "__builtin_offsetof" || w == "offsetof" => {
                self.expect("(")?;
                let mut level = 0usize;
                let mut ty_words = Vec::new();
                loop {
                    match self.toks.get(self.pos) {
                        None => return Err("unterminated offsetof".into()),
                        Some(Tok::Punct(",")) if level == 0 => break,
                        Some(Tok::Punct("(")) => level += 1,
                        Some(Tok::Punct(")")) => level = level.saturating_sub(1),
                        _ => {}
                    }
                    ty_words.push(self.describe(self.pos));
                    self.pos += 1;
                }
                self.pos += 1;
                let path = self.type_text()?.replace(' ', "");
                Ok(Expr::OffsetOf(TypeRef::Text(ty_words.join(" ")), path))
            }
            Tok::Ident(w) => {
                if self.peek_punct("(") {
                    return Err(format!(
                        "function-like macro or call '{w}(...)' in constant expression"
                    ));
                }
                Ok(Expr::Ident(w))
            }
            Tok::Punct(p) => Err(format!("unexpected '{p}' in constant expression")),
        }
    }
}
