//! The specification part: type specifiers ([`TypeSpec`], [`Base`]), the per-unit
//! declaration state ([`Decls`]), and the statements that fill it (type declarations with
//! their attributes, `IMPLICIT`, `USE`, `PARAMETER`, `EXTERNAL`, `INTENT`, `VALUE`,
//! `OPTIONAL`, `DIMENSION`) with their array specs.

use std::collections::HashMap;

use super::kinds::{Kinds, eval_int};
use super::lex::{close_paren, has_top_level_assign, ident_len, split_top};
use crate::fortran::model::{Bound, Dim, Intent, ProcSig};

/// A type specifier at the start of a compressed statement.
#[derive(Clone, Debug)]
pub(super) struct TypeSpec {
    pub(super) base: Base,
    /// `*N`, `(N)`, `(KIND=N)` or `(LEN=…)`: the selector text.
    pub(super) selector: Option<String>,
    /// A `*` length or kind written as `*N` / `*(*)` (kept apart: for `CHARACTER` it is a
    /// length, for the others a size in bytes).
    pub(super) star: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(super) enum Base {
    Integer,
    Real,
    DoublePrecision,
    Complex,
    DoubleComplex,
    Logical,
    Character,
    /// `TYPE(…)` / `CLASS(…)`: a derived type.
    Derived,
}

/// Reads a type specifier at the start of `s`; returns it and the rest.
pub(super) fn type_spec(s: &str) -> Option<(TypeSpec, &str)> {
    let words: [(&str, Base); 8] = [
        ("DOUBLEPRECISION", Base::DoublePrecision),
        ("DOUBLECOMPLEX", Base::DoubleComplex),
        ("INTEGER", Base::Integer),
        ("REAL", Base::Real),
        ("COMPLEX", Base::Complex),
        ("LOGICAL", Base::Logical),
        ("CHARACTER", Base::Character),
        ("TYPE(", Base::Derived),
    ];
    let (word, base) = words.iter().find(|(w, _)| s.starts_with(w))?;
    let mut rest = &s[word.len()..];
    if *base == Base::Derived {
        let close = close_paren(s, word.len() - 1)?;
        return Some((
            TypeSpec {
                base: Base::Derived,
                selector: Some(s[word.len()..close - 1].to_string()),
                star: None,
            },
            &s[close..],
        ));
    }
    let mut spec = TypeSpec {
        base: *base,
        selector: None,
        star: None,
    };
    if let Some(r) = rest.strip_prefix('*') {
        if r.starts_with('(') {
            let close = close_paren(r, 0)?;
            spec.star = Some(r[1..close - 1].to_string());
            rest = &r[close..];
        } else {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            spec.star = Some(r[..n].to_string());
            rest = &r[n..];
        }
    } else if rest.starts_with('(') {
        let close = close_paren(rest, 0)?;
        spec.selector = Some(rest[1..close - 1].to_string());
        rest = &rest[close..];
    }
    Some((spec, rest))
}

/// The per-unit state of declarations.
#[derive(Default)]
pub(super) struct Decls {
    /// Name → type (as declared).
    pub(super) types: HashMap<String, (TypeSpec, Option<String>)>,
    pub(super) dims: HashMap<String, Vec<Dim>>,
    pub(super) intents: HashMap<String, Intent>,
    pub(super) values: Vec<String>,
    pub(super) optionals: Vec<String>,
    pub(super) externals: Vec<String>,
    pub(super) refused: HashMap<String, String>,
    /// Letter → type, from `IMPLICIT`; `None` after `IMPLICIT NONE`.
    pub(super) implicit: Option<HashMap<char, TypeSpec>>,
    pub(super) params: HashMap<String, i64>,
    /// Dummy procedure interfaces from `INTERFACE` blocks.
    pub(super) interfaces: HashMap<String, ProcSig>,
}

impl Decls {
    pub(super) fn new() -> Decls {
        let mut d = Decls::default();
        let mut imp = HashMap::new();
        for c in 'A'..='Z' {
            let base = if ('I'..='N').contains(&c) {
                Base::Integer
            } else {
                Base::Real
            };
            imp.insert(
                c,
                TypeSpec {
                    base,
                    selector: None,
                    star: None,
                },
            );
        }
        d.implicit = Some(imp);
        d
    }
}

/// Applies one specification statement to `d`; anything else is ignored.
pub(super) fn declaration(
    c: &str,
    d: &mut Decls,
    kinds: &Kinds,
    module_params: Option<&HashMap<String, i64>>,
) {
    let _ = module_params;
    if let Some(r) = c.strip_prefix("IMPLICIT") {
        if r == "NONE" {
            d.implicit = None;
            return;
        }
        implicit(r, d);
        return;
    }
    if let Some(r) = c.strip_prefix("USE") {
        // `USE M`, `USE M, ONLY: A, B`, `USE, INTRINSIC :: ISO_C_BINDING`.
        let r = r.trim_start_matches(',');
        let r = r
            .strip_prefix("INTRINSIC::")
            .or_else(|| r.strip_prefix("NON_INTRINSIC::"))
            .or_else(|| r.strip_prefix("::"))
            .unwrap_or(r);
        let n = ident_len(r);
        let name = &r[..n];
        if let Some(params) = kinds.module(name) {
            let only: Option<Vec<(String, String)>> = r[n..].strip_prefix(",ONLY:").map(|l| {
                split_top(l, ',')
                    .into_iter()
                    .map(|x| match x.split_once("=>") {
                        Some((local, remote)) => (local.to_string(), remote.to_string()),
                        None => (x.to_string(), x.to_string()),
                    })
                    .collect()
            });
            match only {
                Some(list) => {
                    for (local, remote) in list {
                        if let Some(v) = params.get(&remote) {
                            d.params.insert(local, *v);
                        }
                    }
                }
                None => d.params.extend(params),
            }
        }
        return;
    }
    if let Some(r) = c.strip_prefix("PARAMETER(")
        && r.ends_with(')')
    {
        for item in split_top(&r[..r.len() - 1], ',') {
            if let Some((name, value)) = item.split_once('=')
                && let Some(v) = eval_int(value, &d.params, kinds)
            {
                d.params.insert(name.to_string(), v);
            }
        }
        return;
    }
    if let Some(r) = c.strip_prefix("EXTERNAL") {
        let r = r.strip_prefix("::").unwrap_or(r);
        d.externals
            .extend(split_top(r, ',').into_iter().map(str::to_string));
        return;
    }
    for (kw, intent) in [
        ("INTENT(INOUT)", Intent::InOut),
        ("INTENT(IN,OUT)", Intent::InOut),
        ("INTENT(IN)", Intent::In),
        ("INTENT(OUT)", Intent::Out),
    ] {
        if let Some(r) = c.strip_prefix(kw) {
            let r = r.strip_prefix("::").unwrap_or(r);
            for n in split_top(r, ',') {
                d.intents.insert(n.to_string(), intent);
            }
            return;
        }
    }
    for (kw, list) in [("VALUE", 0), ("OPTIONAL", 1)] {
        if let Some(r) = c.strip_prefix(kw)
            && (r.starts_with("::") || ident_len(r) > 0)
        {
            let r = r.strip_prefix("::").unwrap_or(r);
            let names = split_top(r, ',').into_iter().map(str::to_string);
            if list == 0 {
                d.values.extend(names);
            } else {
                d.optionals.extend(names);
            }
            return;
        }
    }
    if let Some(r) = c.strip_prefix("DIMENSION")
        && !r.starts_with('=')
    {
        let r = r.strip_prefix("::").unwrap_or(r);
        for e in split_top(r, ',') {
            let n = ident_len(e);
            if e[n..].starts_with('(') {
                d.dims
                    .insert(e[..n].to_string(), dims(&e[n + 1..e.len() - 1]));
            }
        }
        return;
    }
    if has_top_level_assign(c) && !c.contains("::") {
        return;
    }
    // A type declaration: `TYPE[, attr…][::] entity, …`.
    let Some((spec, rest)) = type_spec(c) else {
        return;
    };
    if rest.starts_with("FUNCTION") {
        return;
    }
    let (attrs, entities) = match rest.find("::") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => ("", rest.strip_prefix(',').unwrap_or(rest)),
    };
    let mut a_dims = None;
    let mut a_intent = None;
    let mut is_param = false;
    let mut a_value = false;
    let mut a_optional = false;
    let mut a_external = false;
    let mut a_refused = None;
    for a in split_top(attrs, ',').into_iter().filter(|a| !a.is_empty()) {
        match a {
            "PARAMETER" => is_param = true,
            "VALUE" => a_value = true,
            "OPTIONAL" => a_optional = true,
            "EXTERNAL" => a_external = true,
            "ALLOCATABLE" | "POINTER" => {
                a_refused = Some(format!("is {}", a.to_ascii_lowercase()));
            }
            "INTENT(IN)" => a_intent = Some(Intent::In),
            "INTENT(OUT)" => a_intent = Some(Intent::Out),
            "INTENT(INOUT)" | "INTENT(IN,OUT)" => a_intent = Some(Intent::InOut),
            a if a.starts_with("DIMENSION(") => a_dims = Some(dims(&a[10..a.len() - 1])),
            _ => {}
        }
    }
    for e in split_top(entities, ',') {
        if e.is_empty() {
            continue;
        }
        let n = ident_len(e);
        let name = e[..n].to_string();
        let mut r = &e[n..];
        let mut ent_dims = None;
        if r.starts_with('(')
            && let Some(close) = close_paren(r, 0)
        {
            ent_dims = Some(dims(&r[1..close - 1]));
            r = &r[close..];
        }
        let mut len = None;
        if let Some(x) = r.strip_prefix('*') {
            if x.starts_with('(') {
                if let Some(close) = close_paren(x, 0) {
                    len = Some(x[1..close - 1].to_string());
                    r = &x[close..];
                }
            } else {
                let k = x.bytes().take_while(u8::is_ascii_digit).count();
                len = Some(x[..k].to_string());
                r = &x[k..];
            }
        }
        if is_param {
            if let Some(v) = r.strip_prefix('=')
                && let Some(v) = eval_int(v, &d.params, kinds)
            {
                d.params.insert(name, v);
            }
            continue;
        }
        d.types.insert(name.clone(), (spec.clone(), len));
        if let Some(dm) = ent_dims.or_else(|| a_dims.clone()) {
            d.dims.insert(name.clone(), dm);
        }
        if let Some(i) = a_intent {
            d.intents.insert(name.clone(), i);
        }
        if a_value {
            d.values.push(name.clone());
        }
        if a_optional {
            d.optionals.push(name.clone());
        }
        if a_external {
            d.externals.push(name.clone());
        }
        if let Some(why) = &a_refused {
            d.refused.insert(name.clone(), why.clone());
        }
        if spec.base == Base::Derived {
            d.refused.insert(
                name,
                format!(
                    "has a derived type ({})",
                    spec.selector.clone().unwrap_or_default()
                ),
            );
        }
    }
}

/// `IMPLICIT DOUBLE PRECISION (A-H, O-Z), INTEGER (I-N)`.
fn implicit(r: &str, d: &mut Decls) {
    let mut rest = r;
    while !rest.is_empty() {
        let Some((spec, after)) = type_spec(rest) else {
            return;
        };
        // The letter list is the last parenthesised group (a kind selector may precede it).
        let (spec, after) =
            if spec.selector.is_some() && spec.star.is_none() && !after.starts_with('(') {
                // `REAL(A-H)`: what looked like a kind was the letter list.
                let letters = spec.selector.clone().unwrap_or_default();
                let spec = TypeSpec {
                    selector: None,
                    ..spec
                };
                apply_letters(&letters, &spec, d);
                (None, after)
            } else {
                (Some(spec), after)
            };
        let mut after = after;
        if let Some(spec) = spec {
            if !after.starts_with('(') {
                return;
            }
            let Some(close) = close_paren(after, 0) else {
                return;
            };
            apply_letters(&after[1..close - 1], &spec, d);
            after = &after[close..];
        }
        rest = after.strip_prefix(',').unwrap_or(after);
        if rest.len() == after.len() && !rest.is_empty() {
            return;
        }
    }
}

fn apply_letters(list: &str, spec: &TypeSpec, d: &mut Decls) {
    let imp = d.implicit.get_or_insert_with(HashMap::new);
    for range in split_top(list, ',') {
        let b = range.as_bytes();
        let (from, to) = match b {
            [a] => (*a, *a),
            [a, b'-', z] => (*a, *z),
            _ => continue,
        };
        for c in from..=to {
            imp.insert(c as char, spec.clone());
        }
    }
}

/// An array spec's dimensions: `LDA,*`, `0:N`, `:`.
fn dims(spec: &str) -> Vec<Dim> {
    split_top(spec, ',')
        .into_iter()
        .map(|d| {
            let parts = split_top(d, ':');
            match parts.as_slice() {
                [u] => Dim {
                    lower: None,
                    upper: bound(u),
                },
                [l, u] if l.is_empty() && u.is_empty() => Dim {
                    lower: None,
                    upper: Bound::Colon,
                },
                [l, u] => Dim {
                    lower: (!l.is_empty() && *l != "1").then(|| l.to_string()),
                    upper: if u.is_empty() { Bound::Colon } else { bound(u) },
                },
                _ => Dim {
                    lower: None,
                    upper: Bound::Expr(d.to_string()),
                },
            }
        })
        .collect()
}

fn bound(u: &str) -> Bound {
    if u == "*" {
        Bound::Star
    } else {
        Bound::Expr(u.to_string())
    }
}
