//! Kinds and types: the kind parameters known by name ([`Kinds`]), the integer constant
//! expressions of kind selectors and `PARAMETER`s, and a declared or implicit type's
//! [`FType`].

use std::collections::HashMap;

use super::decl::{Base, Decls, TypeSpec};
use super::lex::split_top;
use crate::fortran::model::{CharLen, FType};

/// Kind parameters known by name: `wp`, `dp`, `c_double` … (values are kinds, i.e. bytes).
#[derive(Clone, Debug, Default)]
pub struct Kinds {
    /// Module name (upper case) → its integer parameters.
    pub modules: HashMap<String, HashMap<String, i64>>,
    /// Extra names the user maps (`KindMap`), upper case.
    pub user: HashMap<String, i64>,
}

impl Kinds {
    /// The parameters `USE name` brings: the intrinsic modules' kinds, or a module read before.
    pub(super) fn module(&self, name: &str) -> Option<HashMap<String, i64>> {
        let known: &[(&str, i64)] = match name {
            "ISO_C_BINDING" => &[
                ("C_INT", 4),
                ("C_SHORT", 2),
                ("C_LONG", 8),
                ("C_LONG_LONG", 8),
                ("C_SIGNED_CHAR", 1),
                ("C_SIZE_T", 8),
                ("C_INT8_T", 1),
                ("C_INT16_T", 2),
                ("C_INT32_T", 4),
                ("C_INT64_T", 8),
                ("C_INTPTR_T", 8),
                ("C_FLOAT", 4),
                ("C_DOUBLE", 8),
                ("C_LONG_DOUBLE", 10),
                ("C_FLOAT_COMPLEX", 4),
                ("C_DOUBLE_COMPLEX", 8),
                ("C_BOOL", 1),
                ("C_CHAR", 1),
            ],
            "ISO_FORTRAN_ENV" => &[
                ("INT8", 1),
                ("INT16", 2),
                ("INT32", 4),
                ("INT64", 8),
                ("REAL32", 4),
                ("REAL64", 8),
                ("REAL128", 16),
            ],
            _ => return self.modules.get(name).cloned(),
        };
        Some(known.iter().map(|&(k, v)| (k.to_string(), v)).collect())
    }
}

/// Integer constant expressions of kind selectors and parameters: literals, names,
/// `KIND(1.D0)`, `SELECTED_REAL_KIND(P[,R])`, `SELECTED_INT_KIND(R)`, `+ - * /`.
pub(super) fn eval_int(e: &str, params: &HashMap<String, i64>, kinds: &Kinds) -> Option<i64> {
    let e = e.trim();
    if let Ok(v) = e.parse::<i64>() {
        return Some(v);
    }
    if let Some(v) = params.get(e).or_else(|| kinds.user.get(e)) {
        return Some(*v);
    }
    // Binary + and - at the top level (left to right), then * and /.
    for op in ['+', '-', '*', '/'] {
        let parts = split_top(e, op);
        if parts.len() > 1 && !parts[0].is_empty() {
            let mut acc = eval_int(parts[0], params, kinds)?;
            for p in &parts[1..] {
                let v = eval_int(p, params, kinds)?;
                acc = match op {
                    '+' => acc.checked_add(v)?,
                    '-' => acc.checked_sub(v)?,
                    '*' => acc.checked_mul(v)?,
                    _ => acc.checked_div(v)?,
                };
            }
            return Some(acc);
        }
    }
    if let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        return eval_int(inner, params, kinds);
    }
    let call = |f: &str| -> Option<Vec<&str>> {
        let r = e.strip_prefix(f)?.strip_prefix('(')?.strip_suffix(')')?;
        Some(split_top(r, ','))
    };
    if let Some(args) = call("KIND") {
        let a = args.first()?.trim();
        return literal_kind(a);
    }
    if let Some(args) = call("SELECTED_REAL_KIND") {
        let mut p = 0;
        let mut r = 0;
        for (i, a) in args.iter().enumerate() {
            let (k, v) = match a.split_once('=') {
                Some((k, v)) => (k, v),
                None => (if i == 0 { "P" } else { "R" }, *a),
            };
            let v = eval_int(v, params, kinds)?;
            if k == "P" {
                p = v;
            } else if k == "R" {
                r = v;
            }
        }
        return Some(if p <= 6 && r <= 37 {
            4
        } else if p <= 15 && r <= 307 {
            8
        } else if p <= 18 && r <= 4931 {
            10
        } else if p <= 33 && r <= 4931 {
            16
        } else {
            -1
        });
    }
    if let Some(args) = call("SELECTED_INT_KIND") {
        let r = eval_int(args.first()?, params, kinds)?;
        return Some(match r {
            ..=2 => 1,
            3..=4 => 2,
            5..=9 => 4,
            10..=18 => 8,
            19..=38 => 16,
            _ => -1,
        });
    }
    None
}

/// The kind of a literal constant: `1.D0` → 8, `1.0` / `1.E0` → 4, `1` → 4, `1.0_8` → 8.
fn literal_kind(a: &str) -> Option<i64> {
    if let Some((_, k)) = a.rsplit_once('_') {
        return k.parse().ok();
    }
    if a.starts_with(".TRUE.") || a.starts_with(".FALSE.") {
        return Some(4);
    }
    if a.contains('D') {
        return Some(8);
    }
    if a.contains('.') || a.contains('E') {
        return Some(4);
    }
    if a.bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
    {
        return Some(4);
    }
    None
}

/// A type specifier's `FType`; `len` is an entity's own `*len`.
pub(super) fn ftype(
    spec: &TypeSpec,
    len: Option<&str>,
    params: &HashMap<String, i64>,
    kinds: &Kinds,
) -> Result<FType, String> {
    let kind_of = |sel: &str| -> Result<u8, String> {
        let k = sel.strip_prefix("KIND=").unwrap_or(sel);
        let v = eval_int(k, params, kinds)
            .ok_or_else(|| format!("unknown kind '{k}' (map it with a kind map)"))?;
        u8::try_from(v)
            .ok()
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("kind {k} = {v} has no size"))
    };
    let star = |s: &Option<String>| -> Result<Option<u8>, String> {
        match s {
            None => Ok(None),
            Some(s) => s
                .parse::<u8>()
                .map(Some)
                .map_err(|_| format!("bad size '*{s}'")),
        }
    };
    Ok(match spec.base {
        Base::Integer | Base::Real | Base::Logical => {
            let kind = match (&spec.selector, &spec.star) {
                (Some(sel), _) => Some(kind_of(sel)?),
                (None, s) => star(s)?,
            };
            match spec.base {
                Base::Integer => FType::Integer { kind },
                Base::Real => FType::Real { kind },
                _ => FType::Logical { kind },
            }
        }
        Base::DoublePrecision => FType::Real { kind: Some(8) },
        Base::DoubleComplex => FType::Complex { kind: Some(8) },
        Base::Complex => {
            // `COMPLEX*16` is 16 bytes in all (two 8-byte parts); `COMPLEX(8)` is kind 8.
            let kind = match (&spec.selector, &spec.star) {
                (Some(sel), _) => Some(kind_of(sel)?),
                (None, Some(s)) => Some(
                    s.parse::<u8>()
                        .ok()
                        .filter(|n| n % 2 == 0)
                        .map(|n| n / 2)
                        .ok_or_else(|| format!("bad size 'COMPLEX*{s}'"))?,
                ),
                (None, None) => None,
            };
            FType::Complex { kind }
        }
        Base::Character => {
            let sel_len = spec.selector.as_deref().and_then(|sel| {
                split_top(sel, ',').into_iter().find_map(|p| {
                    if let Some(l) = p.strip_prefix("LEN=") {
                        Some(l.to_string())
                    } else if p.starts_with("KIND=") {
                        None
                    } else {
                        Some(p.to_string())
                    }
                })
            });
            let l = len
                .map(str::to_string)
                .or_else(|| spec.star.clone())
                .or(sel_len);
            let len = match l.as_deref() {
                None => CharLen::Fixed(1),
                Some("*") | Some("(*)") => CharLen::Assumed,
                Some(x) => match eval_int(x, params, kinds) {
                    Some(n) if n >= 0 => CharLen::Fixed(n as u64),
                    _ => CharLen::Expr(x.to_string()),
                },
            };
            FType::Character { len }
        }
        Base::Derived => {
            return Err(format!(
                "has a derived type ({})",
                spec.selector.clone().unwrap_or_default()
            ));
        }
    })
}

/// The type of `name` in `d`: declared, or implicit (`Ok(None)` when neither).
pub(super) fn resolve_type(name: &str, d: &Decls, kinds: &Kinds) -> Result<Option<FType>, String> {
    if let Some((spec, len)) = d.types.get(name) {
        return ftype(spec, len.as_deref(), &d.params, kinds).map(Some);
    }
    let first = name.chars().next().unwrap_or('A');
    match d.implicit.as_ref().and_then(|imp| imp.get(&first)) {
        Some(spec) => ftype(spec, None, &d.params, kinds).map(Some),
        None => Ok(None),
    }
}
