//! f2py expressions (extents, defaults, checks) as Rust expressions over a wrapper's locals,
//! with the evaluator's semantics (`fortran::expr`): integers are `i64` and overflow is an
//! error (`wrap::add` …, each with `?`: the expressions live in methods returning
//! `Result`), comparisons give C truth values, characters compare case-insensitively,
//! division by zero gives 0 (see `wrap::div`).

use crate::fortran::expr::Expr;

/// What a name stands for in a wrapper.
#[derive(Clone, Debug)]
pub(super) enum Sym {
    /// An integer or logical scalar: a Rust expression of a type `i64::from` takes.
    Int(String),
    /// A `CHARACTER*1` scalar: a `u8` expression.
    Char(String),
    /// A `REAL` or `DOUBLE PRECISION` scalar: a Rust expression `f64::from` takes.
    Real(String),
    /// A vector slice (its length is its extent).
    Slice(String),
    /// A matrix view (`Mat`/`MatMut`): shape(x, 0) is its leading dimension, shape(x, 1) its
    /// columns.
    Mat(String),
    /// An array the wrapper allocates, with its extents in a local `[i64; rank]`.
    Alloc(String, usize),
}

/// The Rust type of a rendered expression.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    Bool,
    Char,
    /// `f64` (checks on real arguments: `check(vu>=vl)`; never an extent or an integer).
    Real,
}

/// Renders `e` as an `i64` expression; `look` says what a name is (`None`: not available).
pub(super) fn int(e: &Expr, look: &dyn Fn(&str) -> Option<Sym>) -> Result<String, String> {
    let (s, k) = render(e, look)?;
    coerce(s, k, Kind::Int)
}

/// Renders `e` as a `u8` expression (a `CHARACTER*1` value).
pub(super) fn chr(e: &Expr, look: &dyn Fn(&str) -> Option<Sym>) -> Result<String, String> {
    match render(e, look)? {
        (s, Kind::Char) => Ok(s),
        _ => Err("not a character".into()),
    }
}

/// Renders `e` as a `bool` expression (a condition).
pub(super) fn cond(e: &Expr, look: &dyn Fn(&str) -> Option<Sym>) -> Result<String, String> {
    let (s, k) = render(e, look)?;
    coerce(s, k, Kind::Bool)
}

fn coerce(s: String, from: Kind, to: Kind) -> Result<String, String> {
    Ok(match (from, to) {
        (a, b) if a == b => s,
        (Kind::Bool, Kind::Int) => format!("i64::from({s})"),
        (Kind::Int, Kind::Bool) => format!("({s}) != 0"),
        (Kind::Char, _) | (_, Kind::Char) => {
            return Err("a character where a number is needed".into());
        }
        // As C converts: an integer to double (exact below 2^53, as the evaluator's).
        (Kind::Int, Kind::Real) => format!("(({s}) as f64)"),
        (Kind::Bool, Kind::Real) => format!("f64::from(u8::from({s}))"),
        (Kind::Real, Kind::Bool) => format!("({s}) != 0.0"),
        (Kind::Real, Kind::Int) => return Err("a floating-point value".into()),
        _ => unreachable!(),
    })
}

fn render(e: &Expr, look: &dyn Fn(&str) -> Option<Sym>) -> Result<(String, Kind), String> {
    let sym =
        |n: &str| look(n).ok_or_else(|| format!("'{}' is not known here", n.to_ascii_lowercase()));
    Ok(match e {
        Expr::Int(i) => (format!("{i}_i64"), Kind::Int),
        Expr::Float(f) if f.is_finite() => (format!("{f:?}_f64"), Kind::Real),
        Expr::Float(_) => return Err("a floating-point value that is not finite".into()),
        Expr::Str(s) => {
            let mut b = s.bytes();
            match (b.next(), b.next()) {
                (Some(c), None) => (format!("b'{}'", c.escape_ascii()), Kind::Char),
                _ => return Err(format!("the string '{s}'")),
            }
        }
        Expr::Name(n) => match sym(n)? {
            Sym::Int(v) => (format!("i64::from({v})"), Kind::Int),
            Sym::Char(v) => (v, Kind::Char),
            Sym::Real(v) => (format!("f64::from({v})"), Kind::Real),
            _ => return Err(format!("the array '{}' as a value", n.to_ascii_lowercase())),
        },
        Expr::Unary(op, x) => {
            let (s, k) = render(x, look)?;
            match op {
                '-' if k == Kind::Real => (format!("-({s})"), Kind::Real),
                '+' if k == Kind::Real => (s, Kind::Real),
                '-' => (
                    format!("wrap::neg(R, {})?", coerce(s, k, Kind::Int)?),
                    Kind::Int,
                ),
                '+' => (coerce(s, k, Kind::Int)?, Kind::Int),
                _ => (format!("!({})", coerce(s, k, Kind::Bool)?), Kind::Bool),
            }
        }
        Expr::Binary(op, a, b) => {
            let (sa, ka) = render(a, look)?;
            let (sb, kb) = render(b, look)?;
            match *op {
                "&&" | "||" => (
                    format!(
                        "({}) {op} ({})",
                        coerce(sa, ka, Kind::Bool)?,
                        coerce(sb, kb, Kind::Bool)?
                    ),
                    Kind::Bool,
                ),
                "==" | "!=" if ka == Kind::Char || kb == Kind::Char => {
                    if ka != kb {
                        return Err("a character compared with a number".into());
                    }
                    let not = if *op == "!=" { "!" } else { "" };
                    (
                        format!("{not}({sa}).eq_ignore_ascii_case(&{sb})"),
                        Kind::Bool,
                    )
                }
                "<" | "<=" | ">" | ">=" | "==" | "!=" if ka == Kind::Real || kb == Kind::Real => (
                    format!(
                        "({}) {op} ({})",
                        coerce(sa, ka, Kind::Real)?,
                        coerce(sb, kb, Kind::Real)?
                    ),
                    Kind::Bool,
                ),
                "<" | "<=" | ">" | ">=" | "==" | "!=" => (
                    format!(
                        "({}) {op} ({})",
                        coerce(sa, ka, Kind::Int)?,
                        coerce(sb, kb, Kind::Int)?
                    ),
                    Kind::Bool,
                ),
                "+" | "-" | "*" | "/" if ka == Kind::Real || kb == Kind::Real => (
                    format!(
                        "({}) {op} ({})",
                        coerce(sa, ka, Kind::Real)?,
                        coerce(sb, kb, Kind::Real)?
                    ),
                    Kind::Real,
                ),
                "/" | "%" => {
                    let f = if *op == "/" { "div" } else { "rem" };
                    (
                        format!(
                            "wrap::{f}({}, {})",
                            coerce(sa, ka, Kind::Int)?,
                            coerce(sb, kb, Kind::Int)?
                        ),
                        Kind::Int,
                    )
                }
                "+" | "-" | "*" => {
                    // Checked: a wrapped extent could let a too-short slice through.
                    let f = match *op {
                        "+" => "add",
                        "-" => "sub",
                        _ => "mul",
                    };
                    (
                        format!(
                            "wrap::{f}(R, {}, {})?",
                            coerce(sa, ka, Kind::Int)?,
                            coerce(sb, kb, Kind::Int)?
                        ),
                        Kind::Int,
                    )
                }
                _ => return Err(format!("the operator {op}")),
            }
        }
        Expr::Cond(c, a, b) => {
            let (sc, kc) = render(c, look)?;
            let (sa, ka) = render(a, look)?;
            let (sb, kb) = render(b, look)?;
            // Characters on both sides stay characters (`lower ? "L" : "U"`).
            let k = if ka == Kind::Char && kb == Kind::Char {
                Kind::Char
            } else {
                Kind::Int
            };
            (
                format!(
                    "if {} {{ {} }} else {{ {} }}",
                    coerce(sc, kc, Kind::Bool)?,
                    coerce(sa, ka, k)?,
                    coerce(sb, kb, k)?
                ),
                k,
            )
        }
        Expr::Call(f, args) => (call(f, args, look)?, Kind::Int),
    })
}

fn call(f: &str, args: &[Expr], look: &dyn Fn(&str) -> Option<Sym>) -> Result<String, String> {
    let array = |i: usize| -> Result<Sym, String> {
        match args.get(i) {
            Some(Expr::Name(n)) => {
                look(n).ok_or_else(|| format!("'{}' is not known here", n.to_ascii_lowercase()))
            }
            _ => Err(format!("{f}() takes the name of an argument")),
        }
    };
    let lit = |i: usize| -> Result<i64, String> {
        match args.get(i) {
            Some(Expr::Int(k)) => Ok(*k),
            _ => Err(format!("{f}() with a dimension that is not a number")),
        }
    };
    let ints = || -> Result<Vec<String>, String> { args.iter().map(|a| int(a, look)).collect() };
    // The extent `d` (from 0) of an array; past its rank, 1 (a vector is an n x 1 matrix).
    let extent = |s: Sym, d: i64| -> Result<String, String> {
        Ok(match (s, d) {
            (_, d) if d < 0 => return Err(format!("{f}(): negative dimension")),
            (Sym::Slice(v), 0) => format!("wrap::len({v}.len())"),
            (Sym::Mat(v), 0) => format!("wrap::len({v}.ld())"),
            (Sym::Mat(v), 1) => format!("wrap::len({v}.cols())"),
            (Sym::Alloc(v, rank), d) if (d as usize) < rank => format!("{v}[{d}]"),
            (Sym::Slice(_) | Sym::Mat(_) | Sym::Alloc(..), _) => "1_i64".into(),
            _ => return Err(format!("{f}() of a scalar")),
        })
    };
    let size = |s: Sym| -> Result<String, String> {
        Ok(match s {
            Sym::Slice(v) => format!("wrap::len({v}.len())"),
            Sym::Mat(v) => format!("wrap::len({v}.rows() * {v}.cols())"),
            Sym::Alloc(v, _) => format!("{v}.iter().product::<i64>()"),
            _ => return Err(format!("{f}() of a scalar")),
        })
    };
    Ok(match f {
        "len" | "size" if args.len() == 2 && f == "size" => extent(array(0)?, lit(1)? - 1)?,
        "len" | "size" => size(array(0)?)?,
        "shape" => extent(array(0)?, lit(1)?)?,
        "rank" => match array(0)? {
            Sym::Slice(_) => "1_i64".into(),
            Sym::Mat(_) => "2_i64".into(),
            Sym::Alloc(_, r) => format!("{r}_i64"),
            _ => return Err("rank() of a scalar".into()),
        },
        "abs" if args.len() == 1 => format!("wrap::abs(R, {})?", int(&args[0], look)?),
        "max" | "min" if !args.is_empty() => {
            let v = ints()?;
            let mut s = v[0].clone();
            for x in &v[1..] {
                s = format!("({s}).{f}({x})");
            }
            s
        }
        "mod" if args.len() == 2 => {
            let v = ints()?;
            format!("wrap::rem({}, {})", v[0], v[1])
        }
        "sign" if args.len() == 2 => {
            let v = ints()?;
            format!(
                "if ({}) >= 0 {{ wrap::abs(R, {a})? }} else {{ -wrap::abs(R, {a})? }}",
                v[1],
                a = v[0]
            )
        }
        "int" if args.len() == 1 => int(&args[0], look)?,
        _ => return Err(format!("{f}() is not supported in generated code")),
    })
}
