//! Integer constant expressions: an IR and C's arithmetic on it (literals are lexed in `lex`,
//! directive text is parsed in `pp_expr`).
//!
//! Expressions reach this module two ways: lang-c parses those inside declarations (array sizes,
//! enumerator values, bit-field widths, `_Static_assert`) and `lower` converts them to [`Expr`];
//! `#define`/`#if` text is parsed by [`parse_pp_expr`] (in `pp_expr`), because lang-c never sees directive
//! lines. Both are evaluated by [`eval`] with C semantics: literal types by suffix and base,
//! integer promotions, usual arithmetic conversions, wrap-around to the type's width, and errors
//! for division by zero and out-of-range shifts.
#![forbid(unsafe_code)]

pub(crate) use super::lex::{char_literal, hex_float, int_literal, string_literal};
pub(crate) use super::pp_expr::parse_pp_expr;
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

pub(super) fn fits(v: i128, p: Prim, char_signed: bool) -> bool {
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
