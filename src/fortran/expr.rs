//! The expression language of f2py signatures (`check(lda>=MAX(1,n))`, `depend(a)`,
//! `dimension((n-1)*abs(incx)+1)`, `= shape(a,0)`): C syntax and C semantics (integer division
//! truncates, `?:`, `&&`, `||`, comparisons give 0 or 1), with f2py's functions `len`, `shape`,
//! `size`, `rank`, `abs`, `max`, `min`, and Fortran's `MAX`/`MIN`/`ABS`/`MOD`/`SIGN` spellings.
//! Names are case-insensitive (they name Fortran dummies).

use std::fmt;

use crate::cdef::lex::{Dialect, Number, number};

/// A parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// An integer literal.
    Int(i64),
    /// A floating literal.
    Float(f64),
    /// A character literal (`'N'`) or string.
    Str(String),
    /// A dummy, upper case.
    Name(String),
    /// A function call, the name in lower case.
    Call(String, Vec<Expr>),
    /// A unary operator: `-`, `!`, `+`.
    Unary(char, Box<Expr>),
    /// A binary operator: `*`, `/`, `%`, `+`, `-`, `<`, `<=`, `>`, `>=`, `==`, `!=`, `&&`,
    /// `||`.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `c ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
}

/// A value of an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// An integer (C `long`).
    Int(i64),
    /// A floating value.
    Float(f64),
    /// Characters.
    Str(String),
}

impl Val {
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
        }
    }

    /// The value as an integer (floats truncate, as a C cast does).
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => Some(*i),
            Val::Float(f) if f.is_finite() => Some(*f as i64),
            _ => None,
        }
    }
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::Int(i) => write!(f, "{i}"),
            Val::Float(x) => write!(f, "{x}"),
            Val::Str(s) => write!(f, "'{s}'"),
        }
    }
}

/// What names stand for when an expression is evaluated.
pub trait Env {
    /// A scalar dummy's value.
    fn value(&self, name: &str) -> Option<Val>;
    /// An array dummy's extent along `dim` (0-based), as f2py's `shape(a, dim)`.
    fn shape(&self, name: &str, dim: usize) -> Option<i64>;
    /// An array dummy's number of elements (`len`, `size`), or a string's length.
    fn size(&self, name: &str) -> Option<i64>;
    /// An array dummy's rank.
    fn rank(&self, name: &str) -> Option<i64>;
}

/// A parse or evaluation error, with the offset in the text for parse errors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset in the expression text (0 for evaluation errors).
    pub at: usize,
    /// What.
    pub message: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.at + 1, self.message)
    }
}

impl std::error::Error for ExprError {}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        at,
        message: message.into(),
    })
}

/// The deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// Parses an expression.
///
/// # Errors
///
/// A syntax error, with its column.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
        end: text.len(),
    };
    let e = p.cond()?;
    match p.toks.get(p.pos) {
        None => Ok(e),
        Some((at, t)) => err(*at, format!("unexpected '{t}'")),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Int(i64),
    Float(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Int(i) => write!(f, "{i}"),
            Tok::Float(x) => write!(f, "{x}"),
            Tok::Str(s) => write!(f, "'{s}'"),
            Tok::Ident(s) => f.write_str(s),
            Tok::Op(o) => f.write_str(o),
        }
    }
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, ExprError> {
    const OPS: [&str; 25] = [
        "&&", "||", "<=", ">=", "==", "!=", "/=", "**", "(", ")", ",", "?", ":", "*", "/", "%",
        "+", "-", "<", ">", "!", "=", ".", "[", "]",
    ];
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            // Fortran's double-precision exponent (`1.0d-3`), then C's numbers through the
            // crate's one C lexer.
            if let Some((v, len)) = fortran_double(&s[i..]) {
                out.push((start, Tok::Float(v)));
                i += len;
                continue;
            }
            let (n, len) = number(&s[i..], Dialect::Literal).map_err(|e| ExprError {
                at: start + e.at,
                message: e.msg,
            })?;
            out.push((
                start,
                match n {
                    Number::Int { value, .. } => {
                        Tok::Int(i64::try_from(value).map_err(|_| ExprError {
                            at: start,
                            message: format!("'{}' is too large", &s[i..i + len]),
                        })?)
                    }
                    Number::Float { value, .. } => Tok::Float(value),
                },
            ));
            i += len;
            continue;
        }
        if c == b'\'' || c == b'"' {
            let close = s[i + 1..].find(c as char).ok_or_else(|| ExprError {
                at: start,
                message: "unterminated character literal".into(),
            })?;
            out.push((start, Tok::Str(s[i + 1..i + 1 + close].to_string())));
            i += close + 2;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((start, Tok::Ident(s[start..i].to_string())));
            continue;
        }
        // Fortran's .and. .or. .not. .eq. … inside f2py expressions.
        if c == b'.' {
            let rest = s[i..].to_ascii_lowercase();
            let dotted = [
                (".and.", "&&"),
                (".or.", "||"),
                (".not.", "!"),
                (".eq.", "=="),
                (".ne.", "!="),
                (".lt.", "<"),
                (".le.", "<="),
                (".gt.", ">"),
                (".ge.", ">="),
            ];
            if let Some((w, op)) = dotted.iter().find(|(w, _)| rest.starts_with(w)) {
                out.push((start, Tok::Op(op)));
                i += w.len();
                continue;
            }
        }
        match OPS.iter().find(|op| s[i..].starts_with(**op)) {
            Some(&"/=") => {
                out.push((start, Tok::Op("!=")));
                i += 2;
            }
            Some(&"=") | Some(&".") | None => {
                return err(start, format!("unexpected '{}'", c as char));
            }
            Some(op) => {
                out.push((start, Tok::Op(op)));
                i += op.len();
            }
        }
    }
    Ok(out)
}

/// `1.5d3`, `2.d-1`, `3d0`: a Fortran double-precision literal and its length.
fn fortran_double(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mant = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    if !matches!(b.get(mant), Some(b'd' | b'D')) {
        return None;
    }
    let mut end = mant + 1;
    if matches!(b.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = b[end..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    end += digits;
    let text = format!("{}e{}", &s[..mant], &s[mant + 1..end]);
    text.parse().ok().map(|v| (v, end))
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
    end: usize,
}

impl Parser {
    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.0)
    }

    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.toks.get(self.pos), Some((_, Tok::Op(o))) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), ExprError> {
        if self.eat(op) {
            Ok(())
        } else {
            err(self.at(), format!("expected '{op}'"))
        }
    }

    fn cond(&mut self) -> Result<Expr, ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(self.at(), "expression nested too deeply");
        }
        let c = self.binary(0)?;
        let r = if self.eat("?") {
            let a = self.cond()?;
            self.expect(":")?;
            let b = self.cond()?;
            Expr::Cond(Box::new(c), Box::new(a), Box::new(b))
        } else {
            c
        };
        self.depth -= 1;
        Ok(r)
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ExprError> {
        const LEVELS: [&[&str]; 6] = [
            &["||"],
            &["&&"],
            &["==", "!="],
            &["<", "<=", ">", ">="],
            &["+", "-"],
            &["*", "/", "%"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut lhs = self.binary(level + 1)?;
        loop {
            let op = match self.toks.get(self.pos) {
                Some((_, Tok::Op(o))) if LEVELS[level].contains(o) => *o,
                _ => return Ok(lhs),
            };
            self.pos += 1;
            let rhs = self.binary(level + 1)?;
            lhs = Expr::Binary(op, Box::new(lhs), Box::new(rhs));
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        // C's `*uplo` in a signature file: the first character of a character argument,
        // which is what a character value is here.
        if self.eat("*") {
            return self.unary();
        }
        for op in ['-', '!', '+'] {
            if self.eat(&op.to_string()) {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return err(self.at(), "expression nested too deeply");
                }
                let e = self.unary()?;
                self.depth -= 1;
                return Ok(Expr::Unary(op, Box::new(e)));
            }
        }
        self.power()
    }

    /// Fortran's `N**2` (the documentation's `dimension (3*M**2+2*M)`; it binds tighter than
    /// `*` and unary `-`), as the product it is: only small literal exponents, the sizes the
    /// documentation writes. (Two `*` apart are C's product and dereference.)
    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.primary()?;
        if !self.eat("**") {
            return Ok(base);
        }
        let at = self.at();
        let k = match self.toks.get(self.pos) {
            Some((_, Tok::Int(k))) if (0..=8).contains(k) => *k,
            _ => {
                return err(
                    at,
                    "only a literal power from 0 to 8 is understood after '**'",
                );
            }
        };
        self.pos += 1;
        Ok(match k {
            0 => Expr::Int(1),
            _ => (1..k).fold(base.clone(), |p, _| {
                Expr::Binary("*", Box::new(p), Box::new(base.clone()))
            }),
        })
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let at = self.at();
        let Some((_, t)) = self.toks.get(self.pos).cloned() else {
            return err(at, "expected an expression");
        };
        self.pos += 1;
        match t {
            Tok::Int(i) => Ok(Expr::Int(i)),
            Tok::Float(f) => Ok(Expr::Float(f)),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::Op("(") => {
                let e = self.cond()?;
                if self.eat(",") {
                    // A complex constant `(re, im)`: with a zero imaginary part, the real
                    // value (which converts to a complex one).
                    let at = self.at();
                    let im = self.cond()?;
                    self.expect(")")?;
                    return match im {
                        Expr::Int(0) => Ok(e),
                        Expr::Float(0.0) => Ok(e),
                        _ => err(
                            at,
                            "a complex constant with an imaginary part is not supported",
                        ),
                    };
                }
                self.expect(")")?;
                Ok(e)
            }
            Tok::Ident(name) => {
                if self.eat("(") {
                    let mut args = Vec::new();
                    if !self.eat(")") {
                        loop {
                            args.push(self.cond()?);
                            if self.eat(")") {
                                break;
                            }
                            self.expect(",")?;
                        }
                    }
                    Ok(Expr::Call(name.to_ascii_lowercase(), args))
                } else if self.eat("[") {
                    // C's `side[0]`: the first character, as `*side`.
                    let at = self.at();
                    if !matches!(self.cond()?, Expr::Int(0)) {
                        return err(at, "only [0] (the first character) can be indexed");
                    }
                    self.expect("]")?;
                    Ok(Expr::Name(name.to_ascii_uppercase()))
                } else {
                    Ok(Expr::Name(name.to_ascii_uppercase()))
                }
            }
            Tok::Op(o) => err(at, format!("unexpected '{o}'")),
        }
    }
}

/// Whether `s` is a C or Fortran identifier (a letter or `_`, then letters, digits, `_`).
pub(crate) fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

impl Expr {
    /// The expression with every `name` replaced by `by`.
    pub fn substitute(&self, name: &str, by: &Expr) -> Expr {
        let sub = |x: &Expr| Box::new(x.substitute(name, by));
        match self {
            Expr::Name(n) if n == name => by.clone(),
            Expr::Call(f, args) => Expr::Call(
                f.clone(),
                args.iter().map(|a| a.substitute(name, by)).collect(),
            ),
            Expr::Unary(op, x) => Expr::Unary(*op, sub(x)),
            Expr::Binary(op, x, y) => Expr::Binary(op, sub(x), sub(y)),
            Expr::Cond(c, x, y) => Expr::Cond(sub(c), sub(x), sub(y)),
            e => e.clone(),
        }
    }

    /// The dummies the expression reads (upper case, each once, in order of appearance).
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect(&self, out: &mut Vec<String>) {
        match self {
            Expr::Name(n) => {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.collect(out)),
            Expr::Unary(_, e) => e.collect(out),
            Expr::Binary(_, a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expr::Cond(c, a, b) => {
                c.collect(out);
                a.collect(out);
                b.collect(out);
            }
            Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => {}
        }
    }

    /// Evaluates with C semantics.
    ///
    /// # Errors
    ///
    /// An unknown name or function, a division by zero, an overflow, operands of the wrong
    /// kind.
    pub fn eval(&self, env: &dyn Env) -> Result<Val, ExprError> {
        let ev = |e: &Expr| e.eval(env);
        Ok(match self {
            Expr::Int(i) => Val::Int(*i),
            Expr::Float(f) => Val::Float(*f),
            Expr::Str(s) => Val::Str(s.clone()),
            Expr::Name(n) => env.value(n).ok_or_else(|| ExprError {
                at: 0,
                message: format!("'{}' has no value", n.to_ascii_lowercase()),
            })?,
            Expr::Unary(op, e) => {
                let v = ev(e)?;
                match (op, v) {
                    ('-', Val::Int(i)) => Val::Int(i.checked_neg().ok_or_else(overflow)?),
                    ('-', Val::Float(f)) => Val::Float(-f),
                    ('+', v @ (Val::Int(_) | Val::Float(_))) => v,
                    ('!', v) => Val::Int(i64::from(!v.truthy())),
                    (op, v) => return err(0, format!("'{op}' cannot apply to {v}")),
                }
            }
            Expr::Binary(op, a, b) => {
                // && and || short-circuit, as in C.
                if *op == "&&" {
                    return Ok(Val::Int(i64::from(ev(a)?.truthy() && ev(b)?.truthy())));
                }
                if *op == "||" {
                    return Ok(Val::Int(i64::from(ev(a)?.truthy() || ev(b)?.truthy())));
                }
                binary(op, ev(a)?, ev(b)?)?
            }
            Expr::Cond(c, a, b) => {
                if ev(c)?.truthy() {
                    ev(a)?
                } else {
                    ev(b)?
                }
            }
            Expr::Call(f, args) => call(f, args, env)?,
        })
    }
}

fn overflow() -> ExprError {
    ExprError {
        at: 0,
        message: "integer overflow".into(),
    }
}

fn binary(op: &str, a: Val, b: Val) -> Result<Val, ExprError> {
    use Val::{Float, Int, Str};
    let cmp = |o: std::cmp::Ordering| -> bool {
        match op {
            "<" => o.is_lt(),
            "<=" => o.is_le(),
            ">" => o.is_gt(),
            ">=" => o.is_ge(),
            "==" => o.is_eq(),
            _ => o.is_ne(),
        }
    };
    Ok(match (a, b) {
        (Int(x), Int(y)) => match op {
            "+" => Int(x.checked_add(y).ok_or_else(overflow)?),
            "-" => Int(x.checked_sub(y).ok_or_else(overflow)?),
            "*" => Int(x.checked_mul(y).ok_or_else(overflow)?),
            "/" | "%" if y == 0 => return err(0, "division by zero"),
            "/" => Int(x.checked_div(y).ok_or_else(overflow)?),
            "%" => Int(x.checked_rem(y).ok_or_else(overflow)?),
            _ => Int(i64::from(cmp(x.cmp(&y)))),
        },
        (Str(x), Str(y)) if matches!(op, "<" | "<=" | ">" | ">=" | "==" | "!=") => {
            // Characters compare case-insensitively, as LAPACK's LSAME does.
            Int(i64::from(cmp(x
                .to_ascii_uppercase()
                .cmp(&y.to_ascii_uppercase()))))
        }
        (x @ (Int(_) | Float(_)), y @ (Int(_) | Float(_))) => {
            let f = |v: Val| match v {
                Int(i) => i as f64,
                Float(f) => f,
                Str(_) => f64::NAN,
            };
            let (x, y) = (f(x), f(y));
            match op {
                "+" => Float(x + y),
                "-" => Float(x - y),
                "*" => Float(x * y),
                "/" => Float(x / y),
                "%" => Float(x % y),
                _ => Int(i64::from(
                    x.partial_cmp(&y).is_some_and(cmp) || (op == "!=" && x.is_nan()),
                )),
            }
        }
        (x, y) => return err(0, format!("'{op}' cannot apply to {x} and {y}")),
    })
}

fn call(f: &str, args: &[Expr], env: &dyn Env) -> Result<Val, ExprError> {
    let name_arg = |i: usize| -> Result<String, ExprError> {
        match args.get(i) {
            Some(Expr::Name(n)) => Ok(n.clone()),
            _ => err(0, format!("{f}() takes the name of an argument")),
        }
    };
    let int_arg = |i: usize| -> Result<i64, ExprError> {
        args.get(i)
            .ok_or_else(|| ExprError {
                at: 0,
                message: format!("{f}() needs {} arguments", i + 1),
            })?
            .eval(env)?
            .as_int()
            .ok_or_else(|| ExprError {
                at: 0,
                message: format!("{f}(): argument {} is not a number", i + 1),
            })
    };
    let unknown = |n: &str| ExprError {
        at: 0,
        message: format!("'{}' is not an array or string", n.to_ascii_lowercase()),
    };
    Ok(match f {
        "len" | "size" => {
            let n = name_arg(0)?;
            if args.len() == 2 && f == "size" {
                let d = int_arg(1)?;
                // Fortran's size(a, dim) counts dimensions from 1.
                Val::Int(
                    env.shape(&n, (d - 1).max(0) as usize)
                        .ok_or_else(|| unknown(&n))?,
                )
            } else {
                Val::Int(env.size(&n).ok_or_else(|| unknown(&n))?)
            }
        }
        "shape" => {
            let n = name_arg(0)?;
            let d = int_arg(1)?;
            if d < 0 {
                return err(0, "shape(): negative dimension");
            }
            Val::Int(env.shape(&n, d as usize).ok_or_else(|| unknown(&n))?)
        }
        "rank" => {
            let n = name_arg(0)?;
            Val::Int(env.rank(&n).ok_or_else(|| unknown(&n))?)
        }
        "abs" => match args.first().map(|a| a.eval(env)).transpose()? {
            Some(Val::Int(i)) => Val::Int(i.checked_abs().ok_or_else(overflow)?),
            Some(Val::Float(x)) => Val::Float(x.abs()),
            _ => return err(0, "abs() takes one number"),
        },
        "max" | "min" => {
            if args.is_empty() {
                return err(0, format!("{f}() needs arguments"));
            }
            let mut best = args[0].eval(env)?;
            for a in &args[1..] {
                let v = a.eval(env)?;
                let better = binary(if f == "max" { ">" } else { "<" }, v.clone(), best.clone())?;
                if better.truthy() {
                    best = v;
                }
            }
            best
        }
        "mod" => {
            let (a, b) = (int_arg(0)?, int_arg(1)?);
            if b == 0 {
                return err(0, "mod(): division by zero");
            }
            Val::Int(a.checked_rem(b).ok_or_else(overflow)?)
        }
        "sign" => {
            let (a, b) = (int_arg(0)?, int_arg(1)?);
            let m = a.checked_abs().ok_or_else(overflow)?;
            Val::Int(if b >= 0 { m } else { -m })
        }
        "int" => Val::Int(int_arg(0)?),
        _ => return err(0, format!("unknown function {f}()")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct E {
        vals: HashMap<String, Val>,
        shapes: HashMap<String, Vec<i64>>,
    }

    impl Env for E {
        fn value(&self, n: &str) -> Option<Val> {
            self.vals.get(n).cloned()
        }
        fn shape(&self, n: &str, d: usize) -> Option<i64> {
            self.shapes.get(n)?.get(d).copied()
        }
        fn size(&self, n: &str) -> Option<i64> {
            Some(self.shapes.get(n)?.iter().product())
        }
        fn rank(&self, n: &str) -> Option<i64> {
            Some(self.shapes.get(n)?.len() as i64)
        }
    }

    fn env() -> E {
        E {
            vals: [
                ("N".to_string(), Val::Int(5)),
                ("INCX".to_string(), Val::Int(-2)),
                ("TRANS".to_string(), Val::Str("t".into())),
                ("ALPHA".to_string(), Val::Float(0.5)),
            ]
            .into(),
            shapes: [("A".to_string(), vec![4, 3])].into(),
        }
    }

    fn ev(s: &str) -> Result<Val, ExprError> {
        parse(s)?.eval(&env())
    }

    #[test]
    fn c_semantics() {
        assert_eq!(ev("(n-1)*abs(incx)+1").unwrap(), Val::Int(9));
        assert_eq!(ev("7/2").unwrap(), Val::Int(3));
        assert_eq!(ev("-7/2").unwrap(), Val::Int(-3), "truncates toward zero");
        assert_eq!(ev("-7%2").unwrap(), Val::Int(-1));
        assert_eq!(ev("n>3 ? shape(a,0) : 0").unwrap(), Val::Int(4));
        assert_eq!(ev("MAX(1,shape(a,1),n)").unwrap(), Val::Int(5));
        assert_eq!(ev("min(n, len(a))").unwrap(), Val::Int(5));
        assert_eq!(ev("size(a)").unwrap(), Val::Int(12));
        assert_eq!(ev("size(a,2)").unwrap(), Val::Int(3));
        assert_eq!(ev("rank(a)").unwrap(), Val::Int(2));
        assert_eq!(
            ev("trans=='N'||trans=='T'||trans=='C'").unwrap(),
            Val::Int(1)
        );
        assert_eq!(ev("n .ge. 1 .and. .not. (n .eq. 3)").unwrap(), Val::Int(1));
        assert_eq!(ev("alpha*2").unwrap(), Val::Float(1.0));
        assert_eq!(ev("0 && 1/0").unwrap(), Val::Int(0), "short circuit");
        assert_eq!(ev("mod(7,3)+sign(2,-1)").unwrap(), Val::Int(-1));
    }

    #[test]
    fn errors_say_where_and_what() {
        let e = |s: &str| ev(s).unwrap_err().to_string();
        assert_eq!(e("n+"), "column 3: expected an expression");
        assert_eq!(e("(n"), "column 3: expected ')'");
        assert_eq!(e("n $ 2"), "column 3: unexpected '$'");
        assert_eq!(e("lda"), "column 1: 'lda' has no value");
        assert_eq!(e("n/0"), "column 1: division by zero");
        assert_eq!(e("shape(n,0)"), "column 1: 'n' is not an array or string");
        assert_eq!(e("foo(1)"), "column 1: unknown function foo()");
        assert_eq!(e("9223372036854775807+1"), "column 1: integer overflow");
        // Overflow in the functions too, never a panic.
        assert_eq!(
            e("mod(-9223372036854775807-1,-1)"),
            "column 1: integer overflow"
        );
        assert_eq!(
            e("sign(-9223372036854775807-1,1)"),
            "column 1: integer overflow"
        );
        let deep = "(".repeat(100) + "1" + &")".repeat(100);
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "expression nested too deeply"
        );
    }

    #[test]
    fn numbers_through_the_c_lexer_and_fortran_exponents() {
        assert_eq!(ev("1.5d3").unwrap(), Val::Float(1500.0));
        assert_eq!(ev("2.D-1").unwrap(), Val::Float(0.2));
        assert_eq!(ev(".5+0x10").unwrap(), Val::Float(16.5));
        assert_eq!(ev("10L").unwrap(), Val::Int(10));
        assert_eq!(
            ev("99999999999999999999").unwrap_err().to_string(),
            "column 1: '99999999999999999999' is too large"
        );
    }

    #[test]
    fn fortran_powers_are_products() {
        // The documentation's sizes: `3*M**2+2*M`, `(N**2+1)`. (A C lexer read `n**2` as
        // `n * *2`, the dereference of 2: 2n, an extent too small for the routine.)
        assert_eq!(ev("3*n**2+2*n").unwrap(), Val::Int(85));
        assert_eq!(ev("(n**2+1)").unwrap(), Val::Int(26));
        assert_eq!(
            ev("-n**2").unwrap(),
            Val::Int(-25),
            "binds tighter than unary minus"
        );
        assert!(ev("2**3**1").is_err(), "a power of a power is not a size");
        assert_eq!(ev("n**0 + n**1").unwrap(), Val::Int(6));
        assert_eq!(
            ev("n**incx").unwrap_err().to_string(),
            "column 4: only a literal power from 0 to 8 is understood after '**'"
        );
        // Apart, C's product by a dereferenced character (`*trans` is its first letter).
        assert_eq!(ev("2 * *n").unwrap(), Val::Int(10));
    }

    #[test]
    fn names_in_order() {
        assert_eq!(
            parse("lda>=MAX(1,n) && shape(a,0)==lda").unwrap().names(),
            ["LDA", "N", "A"]
        );
    }
}
