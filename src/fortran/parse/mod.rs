//! Statements to routines: program units (`SUBROUTINE`, `FUNCTION`, `MODULE` procedures),
//! their specification part (type declarations with kinds and attributes, `DIMENSION`,
//! `EXTERNAL`, `INTENT`, `VALUE`, `OPTIONAL`, `IMPLICIT`, `PARAMETER`, `USE`), and what the
//! doxygen block before each says. Executable statements are skipped.
//!
//! Statements are matched on their *compressed* form: upper case and without blanks outside
//! strings, which is how fixed form defines them (blanks are insignificant) and is harmless for
//! the free-form statements a specification part has.
//!
//! This module holds the program-unit state machine ([`read_units`]), unit headers and ends,
//! `INTERFACE` bodies and the routine built when a unit ends; [`decl`] reads the
//! specification statements, [`kinds`] evaluates kinds and resolves types, [`lex`] has the
//! compressed-statement helpers.

mod decl;
mod kinds;
mod lex;
/// The `LSAME( NAME, 'X' )` comparisons of a statement (`c`: upper case, blanks removed).
fn lsame_letters(c: &str, out: &mut Vec<(String, char)>) {
    for (i, _) in c.match_indices("LSAME(") {
        let rest = &c[i + "LSAME(".len()..];
        let Some((name, rest)) = rest.split_once(',') else {
            continue;
        };
        let b = rest.as_bytes();
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            || b.len() < 4
            || b[0] != b'\''
            || b[2] != b'\''
            || b[3] != b')'
        {
            continue;
        }
        let entry = (name.to_string(), char::from(b[1]).to_ascii_uppercase());
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
}

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use super::doc;
use super::model::{Bound, Doc, Dummy, IntentSource, ProcSig, Routine, Skipped};
use super::source::{Location, Stmt};
use decl::{Decls, TypeSpec, declaration, type_spec};
pub use kinds::Kinds;
use kinds::{ftype, resolve_type};
use lex::{assignment, call_statement, has_top_level_assign, ident_len};
pub(crate) use lex::{close_paren, compress, split_top};

/// What reading one file's statements gave.
#[derive(Debug, Default)]
pub struct Unit {
    /// Routines whose signature could be read.
    pub routines: Vec<Routine>,
    /// Routines (or statements) that could not be, with the reason.
    pub skipped: Vec<Skipped>,
}

/// An interface body being read: a dummy procedure's header and declarations.
struct IfaceBody {
    name: String,
    is_function: bool,
    prefix: Option<TypeSpec>,
    args: Vec<String>,
    decls: Decls,
}

/// A unit being read.
struct Open {
    name: String,
    is_function: bool,
    prefix_type: Option<TypeSpec>,
    result_name: Option<String>,
    args: Vec<String>,
    bind_c: Option<Option<String>>,
    loc: Location,
    doc: Doc,
    decls: Decls,
    /// Why the whole routine is refused (an alternate return, `ENTRY`).
    refused: Option<String>,
    /// Depth of nested `INTERFACE` blocks inside it.
    interface_depth: usize,
    /// The interface body being read (a dummy procedure's signature).
    iface: Option<IfaceBody>,
    /// Internal procedures follow (`CONTAINS`): their ends are not this unit's.
    nested: usize,
    /// A `CALL XERBLA` was seen in its body.
    calls_xerbla: bool,
    /// The names its body assigns to (`lex::assignment`).
    assigned: Vec<String>,
    /// The `CALL`s in its body (`lex::call_statement`).
    calls: Vec<(String, Vec<Option<String>>)>,
    /// The value of each `INFO = -k` (or `INFO = k`) in its body.
    info_codes: Vec<i64>,
    /// It calls XERBLA with `-INFO`: its argument codes are negative (else positive, as
    /// `CALL XERBLA('DLA_SYAMV', INFO)`).
    negative_codes: bool,
    /// The letters its body compares each name with (`LSAME( TRANS, 'T' )`).
    letters: Vec<(String, char)>,
}

/// Reads the routines of one file's statements. `kinds` gains the parameters of the modules
/// the file defines (for later files that `USE` them).
pub fn read_units(stmts: &[Stmt], kinds: &mut Kinds) -> Unit {
    let mut unit = Unit::default();
    let mut module: Option<(String, HashMap<String, i64>)> = None;
    let mut open: Option<Open> = None;
    // Inside a module, before `CONTAINS`: its specification part (parameters).
    let mut module_decls = Decls::new();
    // Program units that are not procedures (PROGRAM, BLOCK DATA): skipped to their END.
    let mut skipping_unit = false;
    for st in stmts {
        if st.f2py {
            // f2py directives (`!f2py intent(out) x`) in the sources: applied to the routine.
            if let Some(o) = &mut open {
                let c = compress(&st.text);
                declaration(&c, &mut o.decls, kinds, module.as_ref().map(|m| &m.1));
            }
            continue;
        }
        let c = compress(&st.text);
        if skipping_unit {
            if is_end(&c).is_some() {
                skipping_unit = false;
            }
            continue;
        }
        if let Some(o) = &mut open {
            // Interface blocks: dummy procedure signatures.
            if c.starts_with("INTERFACE") || c.starts_with("ABSTRACTINTERFACE") {
                o.interface_depth += 1;
                continue;
            }
            if c.starts_with("ENDINTERFACE") {
                o.interface_depth = o.interface_depth.saturating_sub(1);
                continue;
            }
            if o.interface_depth > 0 {
                interface_stmt(o, &c, kinds);
                continue;
            }
            if c == "CONTAINS" {
                o.nested += 1;
                continue;
            }
            if o.nested > 0 {
                // Internal procedures: count their headers and ends.
                if header(&c).is_some() {
                    o.nested += 1;
                } else if let Some(kind) = is_end(&c)
                    && kind != EndKind::Module
                {
                    o.nested -= 1;
                    if o.nested == 0 {
                        // That END closed the host itself (its internal procedures ended with
                        // theirs before).
                        let done = open.take().expect("open unit");
                        finish(done, &mut unit, kinds, module.as_ref());
                    }
                }
                continue;
            }
            if is_end(&c).is_some() {
                let done = open.take().expect("open unit");
                finish(done, &mut unit, kinds, module.as_ref());
                continue;
            }
            if c.starts_with("ENTRY") && !has_top_level_assign(&c) {
                o.refused = Some("has an ENTRY statement (several entry points)".into());
                continue;
            }
            lsame_letters(&c, &mut o.letters);
            if c.contains("CALLXERBLA(") {
                o.calls_xerbla = true;
                // `CALL XERBLA('DLA_SYAMV', INFO)`: its codes are positive (DLAQZ0 calls it
                // both ways: INFO = -19 is set before the second).
                if c.ends_with(",-INFO)") {
                    o.negative_codes = true;
                }
                continue;
            }
            if let Some((callee, actuals)) = call_statement(&c) {
                o.calls.push((
                    callee.to_string(),
                    actuals.into_iter().map(|a| a.map(str::to_string)).collect(),
                ));
            }
            if let Some((name, value)) = assignment(&c) {
                if !o.assigned.iter().any(|a| a == name) {
                    o.assigned.push(name.to_string());
                }
                // `INFO = -4`: the routine checks its fourth argument.
                if name == "INFO"
                    && let Ok(k) = value.parse::<i64>()
                    && !o.info_codes.contains(&k)
                {
                    o.info_codes.push(k);
                }
            }
            declaration(&c, &mut o.decls, kinds, module.as_ref().map(|m| &m.1));
            continue;
        }
        // Between units.
        if let Some(h) = header(&c) {
            let doc = doc::parse(&st.comments);
            let mut decls = Decls::new();
            if let Some((_, params)) = &module {
                decls.params.extend(params.clone());
                if let Some(imp) = &module_decls.implicit {
                    decls.implicit = Some(imp.clone());
                } else {
                    decls.implicit = None;
                }
            }
            open = Some(Open {
                name: h.name,
                is_function: h.is_function,
                prefix_type: h.prefix_type,
                result_name: h.result,
                args: h.args,
                bind_c: h.bind_c,
                loc: st.loc.clone(),
                doc,
                decls,
                refused: h.refused,
                interface_depth: 0,
                iface: None,
                nested: 0,
                calls_xerbla: false,
                letters: Vec::new(),
                assigned: Vec::new(),
                info_codes: Vec::new(),
                negative_codes: false,
                calls: Vec::new(),
            });
            continue;
        }
        if let Some(name) = c.strip_prefix("MODULE")
            && !name.starts_with("PROCEDURE")
            && !name.is_empty()
            && ident_len(name) == name.len()
        {
            module = Some((name.to_string(), HashMap::new()));
            module_decls = Decls::new();
            continue;
        }
        if c.starts_with("PROGRAM") || c.starts_with("BLOCKDATA") {
            skipping_unit = true;
            continue;
        }
        if let Some(kind) = is_end(&c) {
            if kind == EndKind::Module
                && let Some((name, params)) = module.take()
            {
                kinds.modules.insert(name, params);
            }
            continue;
        }
        if module.is_some() {
            if c == "CONTAINS" {
                continue;
            }
            let params_before = module_decls.params.len();
            declaration(&c, &mut module_decls, kinds, module.as_ref().map(|m| &m.1));
            if module_decls.params.len() != params_before
                && let Some((_, params)) = &mut module
            {
                params.extend(module_decls.params.clone());
            }
        }
    }
    if let Some(o) = open {
        unit.skipped.push(Skipped {
            name: o.name.clone(),
            loc: o.loc.clone(),
            reason: format!("the file ends before the END of {}", o.name),
        });
    }
    unit
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum EndKind {
    Procedure,
    Module,
    Other,
}

/// `END`, `END SUBROUTINE [name]`, `END FUNCTION`, `END MODULE`, `END PROGRAM`, … (not
/// `END DO`, `END IF`, `ENDFILE` …).
fn is_end(c: &str) -> Option<EndKind> {
    let rest = c.strip_prefix("END")?;
    if rest.is_empty() {
        return Some(EndKind::Procedure);
    }
    for (w, k) in [
        ("SUBROUTINE", EndKind::Procedure),
        ("FUNCTION", EndKind::Procedure),
        ("MODULE", EndKind::Module),
        ("PROGRAM", EndKind::Other),
        ("BLOCKDATA", EndKind::Other),
    ] {
        if let Some(r) = rest.strip_prefix(w)
            && ident_len(r) == r.len()
        {
            return Some(k);
        }
    }
    None
}

/// A `SUBROUTINE` or `FUNCTION` statement.
struct Header {
    name: String,
    is_function: bool,
    prefix_type: Option<TypeSpec>,
    result: Option<String>,
    args: Vec<String>,
    bind_c: Option<Option<String>>,
    refused: Option<String>,
}

fn header(c: &str) -> Option<Header> {
    if has_top_level_assign(c) {
        return None;
    }
    let mut rest = c;
    let mut prefix_type = None;
    loop {
        let mut progressed = false;
        for w in PREFIX_WORDS {
            if let Some(r) = rest.strip_prefix(w)
                && (r.starts_with("SUBROUTINE")
                    || r.starts_with("FUNCTION")
                    || starts_with_prefix_word(r))
            {
                rest = r;
                progressed = true;
            }
        }
        if prefix_type.is_none()
            && let Some((spec, r)) = type_spec(rest)
            && (r.starts_with("FUNCTION") || starts_with_prefix_word(r))
        {
            prefix_type = Some(spec);
            rest = r;
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    let (is_function, r) = if let Some(r) = rest.strip_prefix("SUBROUTINE") {
        (false, r)
    } else if let Some(r) = rest.strip_prefix("FUNCTION") {
        (true, r)
    } else {
        return None;
    };
    let n = ident_len(r);
    if n == 0 {
        return None;
    }
    let name = r[..n].to_string();
    let mut r = &r[n..];
    let mut args = Vec::new();
    let mut refused = None;
    if r.starts_with('(') {
        let close = close_paren(r, 0)?;
        for a in split_top(&r[1..close - 1], ',') {
            if a.is_empty() {
                continue;
            }
            if a == "*" {
                refused = Some("has an alternate return dummy (*)".to_string());
                continue;
            }
            if ident_len(a) != a.len() {
                return None;
            }
            args.push(a.to_string());
        }
        r = &r[close..];
    } else if is_function {
        return None;
    }
    let mut result = None;
    let mut bind_c = None;
    while !r.is_empty() {
        if r.starts_with("RESULT(") {
            let close = close_paren(r, 6)?;
            result = Some(r[7..close - 1].to_string());
            r = &r[close..];
        } else if r.starts_with("BIND(") {
            let close = close_paren(r, 4)?;
            let inner = &r[5..close - 1];
            let name = split_top(inner, ',').into_iter().find_map(|p| {
                p.strip_prefix("NAME=")
                    .map(|q| q.trim_matches(|c| c == '\'' || c == '"').to_string())
            });
            bind_c = Some(name);
            r = &r[close..];
        } else {
            return None;
        }
    }
    Some(Header {
        name,
        is_function,
        prefix_type,
        result,
        args,
        bind_c,
        refused,
    })
}

/// The words that may stand before `SUBROUTINE` or `FUNCTION` (besides a type).
const PREFIX_WORDS: [&str; 6] = [
    "RECURSIVE",
    "PURE",
    "ELEMENTAL",
    "IMPURE",
    "NON_RECURSIVE",
    "MODULE",
];

fn starts_with_prefix_word(r: &str) -> bool {
    PREFIX_WORDS
        .iter()
        .chain(&["SUBROUTINE", "FUNCTION"])
        .any(|w| r.starts_with(w))
        || type_spec(r).is_some_and(|(_, rest)| rest.starts_with("FUNCTION"))
}

/// A statement inside an `INTERFACE` block: a dummy procedure's header, declarations, end.
fn interface_stmt(o: &mut Open, c: &str, kinds: &Kinds) {
    if let Some(h) = header(c) {
        o.iface = Some(IfaceBody {
            name: h.name,
            is_function: h.is_function,
            prefix: h.prefix_type,
            args: h.args,
            decls: Decls::new(),
        });
        return;
    }
    if is_end(c).is_some() {
        if let Some(IfaceBody {
            name,
            is_function,
            prefix,
            args,
            decls,
        }) = o.iface.take()
        {
            let arg_types = args
                .iter()
                .filter_map(|a| resolve_type(a, &decls, kinds).ok().flatten())
                .collect();
            let result = if is_function {
                prefix
                    .map(|p| ftype(&p, None, &decls.params, kinds))
                    .and_then(Result::ok)
                    .or_else(|| resolve_type(&name, &decls, kinds).ok().flatten())
            } else {
                None
            };
            o.decls.interfaces.insert(
                name,
                ProcSig {
                    result,
                    args: arg_types,
                },
            );
        }
        return;
    }
    if let Some(IfaceBody { decls, .. }) = &mut o.iface {
        declaration(c, decls, kinds, None);
    }
}

/// Builds the routine of a unit that ended.
fn finish(
    o: Open,
    unit: &mut Unit,
    kinds: &Kinds,
    module: Option<&(String, HashMap<String, i64>)>,
) {
    let skip = |reason: String, unit: &mut Unit| {
        unit.skipped.push(Skipped {
            name: o.name.clone(),
            loc: o.loc.clone(),
            reason,
        });
    };
    if let Some(why) = &o.refused {
        skip(why.clone(), unit);
        return;
    }
    let d = &o.decls;
    let mut dummies = Vec::new();
    for a in &o.args {
        let external = d.externals.contains(a) || d.interfaces.contains_key(a);
        let declared = d.types.contains_key(a);
        let ty = if external && !declared {
            None
        } else {
            match resolve_type(a, d, kinds) {
                Ok(Some(t)) => Some(t),
                Ok(None) => {
                    skip(
                        format!("dummy {a} has no type (IMPLICIT NONE and no declaration)"),
                        unit,
                    );
                    return;
                }
                Err(why) => {
                    skip(format!("dummy {a} {why}"), unit);
                    return;
                }
            }
        };
        let dims = d.dims.get(a).cloned().unwrap_or_default();
        let mut refused = d.refused.get(a).cloned();
        if refused.is_none() && dims.iter().any(|x| x.upper == Bound::Colon) {
            refused = Some("is an assumed-shape array (it needs a descriptor)".to_string());
        }
        let doc_intent = o.doc.params.get(a).and_then(|p| p.intent);
        let intent = d
            .intents
            .get(a)
            .map(|&i| (i, IntentSource::Declared))
            .or_else(|| doc_intent.map(|i| (i, IntentSource::Doc)));
        let sig = if external {
            Some(d.interfaces.get(a).cloned().or_else(|| {
                o.doc
                    .params
                    .get(a)
                    .and_then(|p| doc::proc_sig(&p.is, ty.as_ref()))
            }))
        } else {
            None
        };
        if let Some(why) = refused {
            skip(format!("dummy {a} {why}"), unit);
            return;
        }
        dummies.push(Dummy {
            name: a.clone(),
            ty,
            dims,
            intent,
            value: d.values.contains(a),
            optional: d.optionals.contains(a),
            external: sig,
            implicit: !declared && !external,
            refused: None,
        });
    }
    let result = if o.is_function {
        let res_name = o.result_name.clone().unwrap_or_else(|| o.name.clone());
        let t = match &o.prefix_type {
            Some(p) => ftype(p, None, &d.params, kinds).map(Some),
            None => resolve_type(&res_name, d, kinds),
        };
        match t {
            Ok(Some(t)) => Some(t),
            Ok(None) => {
                skip("the function result has no type".into(), unit);
                return;
            }
            Err(why) => {
                skip(format!("the function result {why}"), unit);
                return;
            }
        }
    } else {
        None
    };
    if let Some(n) = o
        .result_name
        .as_ref()
        .or(Some(&o.name))
        .filter(|_| o.is_function)
        && d.dims.contains_key(n)
    {
        skip("returns an array".into(), unit);
        return;
    }
    let assigned = o
        .assigned
        .iter()
        .filter(|n| dummies.iter().any(|d: &Dummy| d.name == **n))
        .cloned()
        .collect();
    let letters = o
        .letters
        .iter()
        .filter(|(n, _)| dummies.iter().any(|d: &Dummy| d.name == *n))
        .cloned()
        .collect();
    unit.routines.push(Routine {
        name: o.name.clone(),
        module: module.map(|m| m.0.clone()),
        bind_c: o.bind_c.clone(),
        result,
        dummies,
        loc: o.loc.clone(),
        doc: o.doc.clone(),
        calls_xerbla: o.calls_xerbla,
        letters,
        assigned,
        calls: o.calls.clone(),
        checked: o
            .info_codes
            .iter()
            .filter_map(|&k| usize::try_from(if o.negative_codes { -k } else { k }).ok())
            .filter(|&k| k > 0)
            .collect(),
        fortran_name: None,
        pyf: None,
    });
}
