//! Integer constant expressions: an IR, C's arithmetic on it, literal parsing, and a parser for
//! `#define` bodies and `#if` conditions.
//!
//! Expressions reach this module two ways: lang-c parses those inside declarations (array sizes,
//! enumerator values, bit-field widths, `_Static_assert`) and `lower` converts them to [`Expr`];
//! `#define`/`#if` text is parsed here by [`parse_pp_expr`], because lang-c never sees directive
//! lines. Both are evaluated by [`eval`] with C semantics: literal types by suffix and base,
//! integer promotions, usual arithmetic conversions, wrap-around to the type's width, and errors
//! for division by zero and out-of-range shifts.
#![forbid(unsafe_code)]

use crate::ctype::Prim;
use crate::ctype::TypeId;

/// How an expression names a type: already resolved (from lang-c) or as text to resolve at
/// evaluation time (from a `#define` body).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TypeRef {
    Id(TypeId),
    Text(String),
}

#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum UnOp {
    Neg,
    Plus,
    Not,
    BitNot,
}

#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum BinOp {
    Mul,
    Div,
    Rem,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    And,
    Or,
}

/// A constant expression.
#[derive(Clone, Debug, PartialEq)]
#[allow(clippy::enum_variant_names, reason = "SizeofExpr is C's `sizeof expr`")]
pub(crate) enum Expr {
    Val(Val),
    Ident(String),
    /// `defined NAME` (only in `#if`).
    Defined(String),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    Cast(TypeRef, Box<Expr>),
    SizeofType(TypeRef),
    SizeofExpr(Box<Expr>),
    AlignofType(TypeRef),
    OffsetOf(TypeRef, String),
    Comma(Vec<Expr>),
    /// Something lang-c accepts but a constant expression cannot contain (a call, an
    /// assignment); evaluation reports it.
    Unsupported(&'static str),
}

/// The value of a constant expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Val {
    /// An integer of the given type; `v` is within the type's range (for `unsigned __int128`,
    /// the bit pattern).
    Int(i128, Prim),
    Float(f64, Prim),
    Str(Vec<u8>),
    /// An integer cast to a pointer type: the address and the type.
    Ptr(u64, TypeId),
}

/// What a cast converts to.
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum CastTarget {
    Int(Prim),
    Float(Prim),
    /// A pointer type: the value becomes an address of that type.
    Pointer(TypeId),
    Void,
}

/// The evaluation context: names, types and layouts.
pub(crate) trait Scope {
    /// The value of an identifier (enumerator or macro); `Ok(None)` if unknown.
    fn lookup(&mut self, name: &str, depth: u32) -> Result<Option<Val>, String>;
    /// True in `#if`: unknown identifiers are 0 and `defined` is allowed.
    fn in_directive(&self) -> bool;
    /// Whether a macro is defined (for `defined`).
    fn is_defined(&mut self, name: &str) -> bool;
    /// `(sizeof, _Alignof)` of a type.
    fn layout(&mut self, ty: &TypeRef) -> Result<(u64, u64), String>;
    /// `offsetof(ty, path)`.
    fn offsetof(&mut self, ty: &TypeRef, path: &str) -> Result<u64, String>;
    /// What a cast to `ty` converts to.
    fn cast_target(&mut self, ty: &TypeRef) -> Result<CastTarget, String>;
    /// Whether plain `char` is signed.
    fn char_signed(&self) -> bool;
}

/// The deepest expression nesting accepted (macro expansion included).
pub(crate) const MAX_DEPTH: u32 = 200;

// -- Integer types --

fn bits(p: Prim) -> u32 {
    match p {
        Prim::Bool => 1,
        Prim::Char | Prim::SChar | Prim::UChar => 8,
        Prim::Short | Prim::UShort => 16,
        Prim::Int | Prim::UInt => 32,
        Prim::Long | Prim::ULong | Prim::LongLong | Prim::ULongLong => 64,
        _ => 128,
    }
}

/// Wraps `v` into the range of integer type `p` (C conversion to that type).
pub(crate) fn wrap(v: i128, p: Prim, char_signed: bool) -> i128 {
    if p == Prim::Bool {
        return i128::from(v != 0);
    }
    let b = bits(p);
    if b >= 128 {
        return v;
    }
    let mask = (1i128 << b) - 1;
    let u = v & mask;
    if p.is_signed(char_signed) && u >> (b - 1) & 1 == 1 {
        u - (1i128 << b)
    } else {
        u
    }
}

fn fits(v: i128, p: Prim, char_signed: bool) -> bool {
    if p == Prim::UInt128 {
        return v >= 0;
    }
    wrap(v, p, char_signed) == v
}

fn promote(p: Prim) -> Prim {
    if p.int_rank() < Prim::Int.int_rank() {
        Prim::Int
    } else {
        p
    }
}

fn to_unsigned(p: Prim) -> Prim {
    match p {
        Prim::Int => Prim::UInt,
        Prim::Long => Prim::ULong,
        Prim::LongLong => Prim::ULongLong,
        Prim::Int128 => Prim::UInt128,
        other => other,
    }
}

/// The common type of two promoted integer types (C11 6.3.1.8).
fn common_int(a: Prim, b: Prim) -> Prim {
    let (a, b) = (promote(a), promote(b));
    if a == b {
        return a;
    }
    let (sa, sb) = (a.is_signed(true), b.is_signed(true));
    if sa == sb {
        return if a.int_rank() >= b.int_rank() { a } else { b };
    }
    let (s, u) = if sa { (a, b) } else { (b, a) };
    if u.int_rank() >= s.int_rank() {
        u
    } else if bits(s) > bits(u) {
        s
    } else {
        to_unsigned(s)
    }
}

fn float_rank(p: Prim) -> u8 {
    match p {
        Prim::Float => 0,
        Prim::Double => 1,
        _ => 2,
    }
}

// -- Literals --

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

// -- Evaluation --

impl Val {
    fn truthy(&self) -> Result<bool, String> {
        match self {
            Val::Int(v, _) => Ok(*v != 0),
            Val::Float(f, _) => Ok(*f != 0.0),
            Val::Str(_) => Ok(true),
            Val::Ptr(p, _) => Ok(*p != 0),
        }
    }

    /// The integer value, or an error naming what was expected.
    pub(crate) fn as_int(&self) -> Result<i128, String> {
        match self {
            Val::Int(v, _) => Ok(*v),
            Val::Float(..) => {
                Err("expression is not an integer constant (it has a floating type)".into())
            }
            Val::Str(_) => Err("expression is not an integer constant (it is a string)".into()),
            Val::Ptr(..) => Err("expression is not an integer constant (it is a pointer)".into()),
        }
    }
}

fn as_f64(v: &Val) -> Result<f64, String> {
    match v {
        Val::Int(i, p) => Ok(if *p == Prim::UInt128 {
            (*i as u128) as f64
        } else {
            *i as f64
        }),
        Val::Float(f, _) => Ok(*f),
        Val::Str(_) => Err("a string literal cannot be used in arithmetic".into()),
        Val::Ptr(..) => Err("pointer arithmetic is not supported in constant expressions".into()),
    }
}

/// Evaluates a constant expression.
pub(crate) fn eval(e: &Expr, scope: &mut dyn Scope, depth: u32) -> Result<Val, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "constant expression nested deeper than {MAX_DEPTH} levels"
        ));
    }
    let d = depth + 1;
    let cs = scope.char_signed();
    match e {
        Expr::Val(v) => Ok(v.clone()),
        Expr::Unsupported(what) => Err(format!("{what} is not allowed in a constant expression")),
        Expr::Ident(name) => match scope.lookup(name, d)? {
            Some(v) => Ok(v),
            None if scope.in_directive() => Ok(Val::Int(0, Prim::Int)),
            None => Err(format!(
                "'{name}' is not a constant (undeclared identifier)"
            )),
        },
        Expr::Defined(name) => Ok(Val::Int(i128::from(scope.is_defined(name)), Prim::Int)),
        Expr::Unary(op, x) => {
            let v = eval(x, scope, d)?;
            match (op, v) {
                (UnOp::Not, v) => Ok(Val::Int(i128::from(!v.truthy()?), Prim::Int)),
                (_, Val::Str(_)) => Err("a string literal cannot be used in arithmetic".into()),
                (_, Val::Ptr(..)) => {
                    Err("pointer arithmetic is not supported in constant expressions".into())
                }
                (UnOp::Plus, Val::Int(v, p)) => Ok(Val::Int(v, promote(p))),
                (UnOp::Neg, Val::Int(v, p)) => {
                    let p = promote(p);
                    Ok(Val::Int(wrap(v.wrapping_neg(), p, cs), p))
                }
                (UnOp::BitNot, Val::Int(v, p)) => {
                    let p = promote(p);
                    Ok(Val::Int(wrap(!v, p, cs), p))
                }
                (UnOp::Plus, f @ Val::Float(..)) => Ok(f),
                (UnOp::Neg, Val::Float(f, p)) => Ok(Val::Float(-f, p)),
                (UnOp::BitNot, Val::Float(..)) => Err("'~' applied to a floating value".into()),
            }
        }
        Expr::Binary(op, a, b) => {
            // && and || short-circuit, which matters for `defined(X) && X > 2`.
            if *op == BinOp::And {
                let l = eval(a, scope, d)?.truthy()?;
                return Ok(Val::Int(
                    i128::from(l && eval(b, scope, d)?.truthy()?),
                    Prim::Int,
                ));
            }
            if *op == BinOp::Or {
                let l = eval(a, scope, d)?.truthy()?;
                return Ok(Val::Int(
                    i128::from(l || eval(b, scope, d)?.truthy()?),
                    Prim::Int,
                ));
            }
            let l = eval(a, scope, d)?;
            let r = eval(b, scope, d)?;
            binary(*op, l, r, cs)
        }
        Expr::Cond(c, t, f) => {
            if eval(c, scope, d)?.truthy()? {
                eval(t, scope, d)
            } else {
                eval(f, scope, d)
            }
        }
        Expr::Comma(items) => {
            let mut last = Val::Int(0, Prim::Int);
            for i in items {
                last = eval(i, scope, d)?;
            }
            Ok(last)
        }
        Expr::Cast(ty, x) => {
            let target = scope.cast_target(ty)?;
            let v = eval(x, scope, d)?;
            cast(v, target, cs)
        }
        Expr::SizeofType(ty) => {
            let (size, _) = scope.layout(ty)?;
            Ok(Val::Int(i128::from(size), Prim::ULong))
        }
        Expr::AlignofType(ty) => {
            let (_, align) = scope.layout(ty)?;
            Ok(Val::Int(i128::from(align), Prim::ULong))
        }
        Expr::SizeofExpr(x) => {
            let size: u64 = match eval(x, scope, d)? {
                Val::Int(_, p) | Val::Float(_, p) => match p {
                    Prim::Bool | Prim::Char | Prim::SChar | Prim::UChar => 1,
                    Prim::Short | Prim::UShort => 2,
                    Prim::Int | Prim::UInt | Prim::Float => 4,
                    Prim::FloatComplex => 8,
                    Prim::Long | Prim::ULong | Prim::LongLong | Prim::ULongLong | Prim::Double => 8,
                    Prim::LongDoubleComplex => 32,
                    _ => 16,
                },
                Val::Str(s) => u64::try_from(s.len()).unwrap_or(u64::MAX).saturating_add(1),
                Val::Ptr(..) => 8,
            };
            Ok(Val::Int(i128::from(size), Prim::ULong))
        }
        Expr::OffsetOf(ty, path) => {
            let off = scope.offsetof(ty, path)?;
            Ok(Val::Int(i128::from(off), Prim::ULong))
        }
    }
}

fn cast(v: Val, target: CastTarget, cs: bool) -> Result<Val, String> {
    match (target, v) {
        (_, Val::Str(_)) => Err("a string literal cannot be cast in a constant expression".into()),
        (CastTarget::Void, _) => Err("a cast to void has no value".into()),
        (CastTarget::Int(p), Val::Int(i, _)) => Ok(Val::Int(wrap(i, p, cs), p)),
        (CastTarget::Int(p), Val::Float(f, _)) => {
            if !f.is_finite() {
                return Err("cannot convert a non-finite floating value to an integer".into());
            }
            let t = f.trunc();
            if !(-1.7e38..=3.4e38).contains(&t) {
                return Err("floating value out of range of the integer type".into());
            }
            let i = t as i128;
            if p != Prim::Bool && !fits(i, p, cs) {
                return Err(format!(
                    "floating value {f} out of range of '{}'",
                    p.c_name()
                ));
            }
            Ok(Val::Int(wrap(i, p, cs), p))
        }
        (CastTarget::Float(p), v @ (Val::Int(..) | Val::Float(..))) => {
            let f = as_f64(&v)?;
            Ok(Val::Float(
                if p == Prim::Float {
                    f64::from(f as f32)
                } else {
                    f
                },
                p,
            ))
        }
        (CastTarget::Pointer(ty), Val::Int(i, _)) => {
            Ok(Val::Ptr(wrap(i, Prim::ULong, cs) as u64, ty))
        }
        (CastTarget::Pointer(ty), Val::Ptr(p, _)) => Ok(Val::Ptr(p, ty)),
        (CastTarget::Pointer(_), Val::Float(..)) => {
            Err("cannot cast a floating value to a pointer".into())
        }
        (CastTarget::Int(p), Val::Ptr(v, _)) => Ok(Val::Int(wrap(i128::from(v), p, cs), p)),
        (CastTarget::Float(_), Val::Ptr(..)) => {
            Err("cannot cast a pointer to a floating type".into())
        }
    }
}

fn binary(op: BinOp, l: Val, r: Val, cs: bool) -> Result<Val, String> {
    if matches!(l, Val::Str(_)) || matches!(r, Val::Str(_)) {
        return Err("a string literal cannot be used in arithmetic".into());
    }
    if let (Val::Ptr(a, _), Val::Ptr(b, _)) = (&l, &r) {
        return match op {
            BinOp::Eq => Ok(Val::Int(i128::from(a == b), Prim::Int)),
            BinOp::Ne => Ok(Val::Int(i128::from(a != b), Prim::Int)),
            _ => Err("pointer arithmetic is not supported in constant expressions".into()),
        };
    }
    if let (Val::Int(a, pa), Val::Int(b, pb)) = (&l, &r) {
        return int_binary(op, *a, *pa, *b, *pb, cs);
    }
    let fa = as_f64(&l)?;
    let fb = as_f64(&r)?;
    let ty = match (&l, &r) {
        (Val::Float(_, p), Val::Float(_, q)) => {
            if float_rank(*p) >= float_rank(*q) {
                *p
            } else {
                *q
            }
        }
        (Val::Float(_, p), _) | (_, Val::Float(_, p)) => *p,
        _ => Prim::Double,
    };
    let cmp = |b: bool| Ok(Val::Int(i128::from(b), Prim::Int));
    let v = match op {
        BinOp::Add => fa + fb,
        BinOp::Sub => fa - fb,
        BinOp::Mul => fa * fb,
        BinOp::Div => fa / fb,
        BinOp::Lt => return cmp(fa < fb),
        BinOp::Gt => return cmp(fa > fb),
        BinOp::Le => return cmp(fa <= fb),
        BinOp::Ge => return cmp(fa >= fb),
        BinOp::Eq => return cmp(fa == fb),
        BinOp::Ne => return cmp(fa != fb),
        _ => return Err("invalid operands of floating type to an integer operator".into()),
    };
    Ok(Val::Float(
        if ty == Prim::Float {
            f64::from(v as f32)
        } else {
            v
        },
        ty,
    ))
}

fn int_binary(op: BinOp, a: i128, pa: Prim, b: i128, pb: Prim, cs: bool) -> Result<Val, String> {
    let cmp = |x: bool| Ok(Val::Int(i128::from(x), Prim::Int));
    if matches!(op, BinOp::Shl | BinOp::Shr) {
        // Shifts: the result has the promoted type of the left operand.
        let p = promote(pa);
        let n = bits(p);
        if b < 0 || b >= i128::from(n) {
            return Err(format!(
                "shift count {b} is out of range for '{}'",
                p.c_name()
            ));
        }
        let sh = u32::try_from(b).unwrap_or(0);
        let v = if op == BinOp::Shl {
            a.wrapping_shl(sh)
        } else if p.is_signed(cs) {
            a >> sh
        } else {
            ((a as u128) >> sh) as i128
        };
        return Ok(Val::Int(wrap(v, p, cs), p));
    }
    let p = common_int(pa, pb);
    let (a, b) = (wrap(a, p, cs), wrap(b, p, cs));
    let unsigned = !p.is_signed(cs);
    let (ua, ub) = (a as u128, b as u128);
    let v = match op {
        BinOp::Add => a.wrapping_add(b),
        BinOp::Sub => a.wrapping_sub(b),
        BinOp::Mul => a.wrapping_mul(b),
        BinOp::Div | BinOp::Rem => {
            if b == 0 {
                return Err("division by zero in a constant expression".into());
            }
            match (op, unsigned) {
                (BinOp::Div, true) => (ua / ub) as i128,
                (_, true) => (ua % ub) as i128,
                (BinOp::Div, false) => a.wrapping_div(b),
                _ => a.wrapping_rem(b),
            }
        }
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        BinOp::Lt => return cmp(if unsigned { ua < ub } else { a < b }),
        BinOp::Gt => return cmp(if unsigned { ua > ub } else { a > b }),
        BinOp::Le => return cmp(if unsigned { ua <= ub } else { a <= b }),
        BinOp::Ge => return cmp(if unsigned { ua >= ub } else { a >= b }),
        BinOp::Eq => return cmp(a == b),
        BinOp::Ne => return cmp(a != b),
        BinOp::Shl | BinOp::Shr | BinOp::And | BinOp::Or => unreachable!("handled above"),
    };
    Ok(Val::Int(wrap(v, p, cs), p))
}

// -- Directive expressions --

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

#[cfg(test)]
mod tests {
    use super::*;

    struct NoScope;
    impl Scope for NoScope {
        fn lookup(&mut self, _: &str, _: u32) -> Result<Option<Val>, String> {
            Ok(None)
        }
        fn in_directive(&self) -> bool {
            true
        }
        fn is_defined(&mut self, name: &str) -> bool {
            name == "YES"
        }
        fn layout(&mut self, _: &TypeRef) -> Result<(u64, u64), String> {
            Ok((4, 4))
        }
        fn offsetof(&mut self, _: &TypeRef, _: &str) -> Result<u64, String> {
            Ok(0)
        }
        fn cast_target(&mut self, ty: &TypeRef) -> Result<CastTarget, String> {
            match ty {
                TypeRef::Text(t) if t == "unsigned char" => Ok(CastTarget::Int(Prim::UChar)),
                TypeRef::Text(t) if t == "double" => Ok(CastTarget::Float(Prim::Double)),
                _ => Ok(CastTarget::Int(Prim::Long)),
            }
        }
        fn char_signed(&self) -> bool {
            true
        }
    }

    fn ev(s: &str) -> Result<Val, String> {
        let e = parse_pp_expr(s, &|_| false, true, true)?;
        eval(&e, &mut NoScope, 0)
    }

    #[test]
    fn c_integer_semantics() {
        assert_eq!(ev("-1u").unwrap(), Val::Int(4294967295, Prim::UInt));
        assert_eq!(ev("~0").unwrap(), Val::Int(-1, Prim::Int));
        assert_eq!(ev("~0UL").unwrap(), Val::Int(u64::MAX.into(), Prim::ULong));
        assert_eq!(ev("0x80000000").unwrap(), Val::Int(0x8000_0000, Prim::UInt));
        assert_eq!(ev("2147483648").unwrap(), Val::Int(2147483648, Prim::Long));
        assert_eq!(ev("-1 < 0u").unwrap(), Val::Int(0, Prim::Int));
        assert_eq!(ev("(1 << 4) | 3").unwrap(), Val::Int(19, Prim::Int));
        assert_eq!(ev("7 / -2").unwrap(), Val::Int(-3, Prim::Int));
        assert_eq!(ev("7 % -2").unwrap(), Val::Int(1, Prim::Int));
        assert_eq!(ev("(unsigned char)300").unwrap(), Val::Int(44, Prim::UChar));
        assert_eq!(ev("'\\xff'").unwrap(), Val::Int(-1, Prim::Int));
        assert_eq!(ev("'ab'").unwrap(), Val::Int(0x6162, Prim::Int));
        assert_eq!(ev("1 ? 2 : 3").unwrap(), Val::Int(2, Prim::Int));
        assert_eq!(
            ev("defined(YES) && !defined NO").unwrap(),
            Val::Int(1, Prim::Int)
        );
        assert_eq!(ev("UNKNOWN + 1").unwrap(), Val::Int(1, Prim::Int));
        assert_eq!(ev("0x1.8p3").unwrap(), Val::Float(12.0, Prim::Double));
        assert_eq!(ev("1.5f * 2").unwrap(), Val::Float(3.0, Prim::Float));
        assert_eq!(ev("\"a\" \"b\\n\"").unwrap(), Val::Str(b"ab\n".to_vec()));
        assert!(ev("1 / 0").unwrap_err().contains("division by zero"));
        assert!(ev("1 << 32").unwrap_err().contains("out of range"));
        assert!(ev("1 << 31").is_ok());
        assert!(
            ev("99999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
        assert!(ev("f(1)").unwrap_err().contains("function-like"));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(ev(&deep).unwrap_err().contains("nested deeper"));
        let neg = format!("{}1", "-".repeat(5000));
        assert!(ev(&neg).unwrap_err().contains("nested deeper"));
    }
}
