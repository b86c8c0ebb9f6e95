//! Statements to routines: program units (`SUBROUTINE`, `FUNCTION`, `MODULE` procedures),
//! their specification part (type declarations with kinds and attributes, `DIMENSION`,
//! `EXTERNAL`, `INTENT`, `VALUE`, `OPTIONAL`, `IMPLICIT`, `PARAMETER`, `USE`), and what the
//! doxygen block before each says. Executable statements are skipped.
//!
//! Statements are matched on their *compressed* form: upper case and without blanks outside
//! strings, which is how fixed form defines them (blanks are insignificant) and is harmless for
//! the free-form statements a specification part has.

use std::collections::HashMap;

use super::doc;
use super::model::{
    Bound, CharLen, Dim, Doc, Dummy, FType, Intent, IntentSource, ProcSig, Routine, Skipped,
};
use super::source::{Location, Stmt};

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
    fn module(&self, name: &str) -> Option<HashMap<String, i64>> {
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

/// What reading one file's statements gave.
#[derive(Debug, Default)]
pub struct Unit {
    /// Routines whose signature could be read.
    pub routines: Vec<Routine>,
    /// Routines (or statements) that could not be, with the reason.
    pub skipped: Vec<Skipped>,
}

/// Compressed form: upper case, no blanks, outside strings.
pub(crate) fn compress(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c.is_whitespace() => {}
            None => out.push(c.to_ascii_uppercase()),
        }
    }
    out
}

/// Splits at top-level commas (outside parentheses and strings).
pub(crate) fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                c if c == sep && depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The index just after the parenthesised group starting at `open` (which is `(`).
fn close_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + i + 1);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// A top-level `=` (not inside parentheses or strings, not part of `==`, `<=`, `>=`, `/=`,
/// `=>`): an assignment, a `DO` loop, a statement function.
fn has_top_level_assign(s: &str) -> bool {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'=' if depth == 0 => {
                    let prev = if i > 0 { b[i - 1] } else { 0 };
                    let next = b.get(i + 1).copied().unwrap_or(0);
                    if !matches!(prev, b'=' | b'<' | b'>' | b'/') && next != b'=' && next != b'>' {
                        return true;
                    }
                }
                _ => {}
            },
        }
    }
    false
}

/// An identifier at the start of `s`: its length.
fn ident_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphanumeric() || c == '_' || (i > 0 && c == '$')))
        .map_or(s.len(), |(i, _)| i)
}

/// A type specifier at the start of a compressed statement.
#[derive(Clone, Debug)]
struct TypeSpec {
    base: Base,
    /// `*N`, `(N)`, `(KIND=N)` or `(LEN=…)`: the selector text.
    selector: Option<String>,
    /// A `*` length or kind written as `*N` / `*(*)` (kept apart: for `CHARACTER` it is a
    /// length, for the others a size in bytes).
    star: Option<String>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Base {
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
fn type_spec(s: &str) -> Option<(TypeSpec, &str)> {
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
struct Decls {
    /// Name → type (as declared).
    types: HashMap<String, (TypeSpec, Option<String>)>,
    dims: HashMap<String, Vec<Dim>>,
    intents: HashMap<String, Intent>,
    values: Vec<String>,
    optionals: Vec<String>,
    externals: Vec<String>,
    refused: HashMap<String, String>,
    /// Letter → type, from `IMPLICIT`; `None` after `IMPLICIT NONE`.
    implicit: Option<HashMap<char, TypeSpec>>,
    params: HashMap<String, i64>,
    /// Dummy procedure interfaces from `INTERFACE` blocks.
    interfaces: HashMap<String, ProcSig>,
}

impl Decls {
    fn new() -> Decls {
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
        for w in [
            "RECURSIVE",
            "PURE",
            "ELEMENTAL",
            "IMPURE",
            "NON_RECURSIVE",
            "MODULE",
        ] {
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

fn starts_with_prefix_word(r: &str) -> bool {
    [
        "RECURSIVE",
        "PURE",
        "ELEMENTAL",
        "IMPURE",
        "NON_RECURSIVE",
        "MODULE",
        "SUBROUTINE",
        "FUNCTION",
    ]
    .iter()
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

/// Applies one specification statement to `d`; anything else is ignored.
fn declaration(
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

/// Integer constant expressions of kind selectors and parameters: literals, names,
/// `KIND(1.D0)`, `SELECTED_REAL_KIND(P[,R])`, `SELECTED_INT_KIND(R)`, `+ - * /`.
fn eval_int(e: &str, params: &HashMap<String, i64>, kinds: &Kinds) -> Option<i64> {
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
fn ftype(
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
fn resolve_type(name: &str, d: &Decls, kinds: &Kinds) -> Result<Option<FType>, String> {
    if let Some((spec, len)) = d.types.get(name) {
        return ftype(spec, len.as_deref(), &d.params, kinds).map(Some);
    }
    let first = name.chars().next().unwrap_or('A');
    match d.implicit.as_ref().and_then(|imp| imp.get(&first)) {
        Some(spec) => ftype(spec, None, &d.params, kinds).map(Some),
        None => Ok(None),
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
    unit.routines.push(Routine {
        name: o.name.clone(),
        module: module.map(|m| m.0.clone()),
        bind_c: o.bind_c.clone(),
        result,
        dummies,
        loc: o.loc.clone(),
        doc: o.doc.clone(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fortran::source::{Form, read_text};

    fn read(src: &str, form: Form) -> Unit {
        let (stmts, errors) = read_text(src, form, "t.f");
        assert!(errors.is_empty(), "{errors:?}");
        read_units(&stmts, &mut Kinds::default())
    }

    #[test]
    fn a_lapack_style_subroutine() {
        let u = read(
            "\
*> \\param[in] N
*> \\param[in,out] A
*>          A is DOUBLE PRECISION array, dimension (LDA,N)
*> \\param[out] INFO
      SUBROUTINE DGESV( N, NRHS, A, LDA, IPIV, B, LDB, INFO )
      INTEGER            INFO, LDA, LDB, N, NRHS
      INTEGER            IPIV( * )
      DOUBLE PRECISION   A( LDA, * ), B( LDB, * )
      EXTERNAL           DGETRF, XERBLA
      IF( N.LT.0 ) THEN
         INFO = -1
      END IF
      RETURN
      END
",
            Form::Fixed,
        );
        assert!(u.skipped.is_empty(), "{:?}", u.skipped);
        let r = &u.routines[0];
        assert_eq!(r.name, "DGESV");
        assert_eq!(r.result, None);
        let names: Vec<&str> = r.dummies.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["N", "NRHS", "A", "LDA", "IPIV", "B", "LDB", "INFO"]);
        let a = r.dummy("A").unwrap();
        assert_eq!(a.ty, Some(FType::Real { kind: Some(8) }));
        assert_eq!(
            a.dims,
            [
                Dim {
                    lower: None,
                    upper: Bound::Expr("LDA".into())
                },
                Dim {
                    lower: None,
                    upper: Bound::Star
                }
            ]
        );
        assert_eq!(a.intent, Some((Intent::InOut, IntentSource::Doc)));
        assert_eq!(r.dummy("INFO").unwrap().intent.unwrap().0, Intent::Out);
        assert_eq!(r.dummy("NRHS").unwrap().intent, None);
        assert_eq!(
            r.dummy("N").unwrap().ty,
            Some(FType::Integer { kind: None })
        );
    }

    #[test]
    fn functions_kinds_and_implicit_types() {
        let u = read(
            "\
C     functions of every result type
      DOUBLE COMPLEX FUNCTION ZDOTC(N, ZX, INCX, ZY, INCY)
      INTEGER INCX,INCY,N
      COMPLEX*16 ZX(*),ZY(*)
      END
      COMPLEX*8 FUNCTION F1(X)
      END
      COMPLEX(8) FUNCTION F2(X)
      END
      LOGICAL FUNCTION LSAME(CA, CB)
      CHARACTER CA, CB
      END
      FUNCTION IMPL(I, X)
      END
      INTEGER*8 FUNCTION F3(S)
      CHARACTER*(*) S
      END
",
            Form::Fixed,
        );
        assert!(u.skipped.is_empty(), "{:?}", u.skipped);
        let res: Vec<(String, Option<FType>)> = u
            .routines
            .iter()
            .map(|r| (r.name.clone(), r.result.clone()))
            .collect();
        assert_eq!(
            res,
            [
                ("ZDOTC".into(), Some(FType::Complex { kind: Some(8) })),
                ("F1".into(), Some(FType::Complex { kind: Some(4) })),
                ("F2".into(), Some(FType::Complex { kind: Some(8) })),
                ("LSAME".into(), Some(FType::Logical { kind: None })),
                ("IMPL".into(), Some(FType::Integer { kind: None })),
                ("F3".into(), Some(FType::Integer { kind: Some(8) })),
            ]
        );
        assert_eq!(
            u.routines[4].dummy("I").unwrap().ty,
            Some(FType::Integer { kind: None })
        );
        assert_eq!(
            u.routines[4].dummy("X").unwrap().ty,
            Some(FType::Real { kind: None })
        );
        assert!(u.routines[4].dummy("X").unwrap().implicit);
        assert_eq!(
            u.routines[5].dummy("S").unwrap().ty,
            Some(FType::Character {
                len: CharLen::Assumed
            })
        );
        assert_eq!(
            u.routines[3].dummy("CA").unwrap().ty,
            Some(FType::Character {
                len: CharLen::Fixed(1)
            })
        );
    }

    #[test]
    fn free_form_modules_kinds_bind_c_and_refusals() {
        let mut kinds = Kinds::default();
        let (stmts, _) = read_text(
            "\
module la_constants
   integer, parameter :: sp = kind(1.e0)
   integer, parameter :: dp = selected_real_kind(15, 307)
end module
",
            Form::Free,
            "c.f90",
        );
        read_units(&stmts, &mut kinds);
        let (stmts, _) = read_text(
            "\
subroutine dlartg( f, g, c, s, r )
   use la_constants, only: wp=>dp
   real(wp) :: c, f, g, r, s
end subroutine
subroutine cb(x, n) bind(c, name='cb_c')
   use, intrinsic :: iso_c_binding
   integer(c_int), value :: n
   real(c_double), intent(inout) :: x(n)
end subroutine
subroutine shaped(a)
   real :: a(:)
end subroutine
recursive subroutine rec(a, n)
   integer, intent(in) :: n
   real, allocatable :: a(:)
end subroutine rec
subroutine alt(a, *)
end
module m
contains
   subroutine inner(k)
      integer(8) :: k
   contains
      subroutine helper()
      end subroutine
   end subroutine
end module m
",
            Form::Free,
            "t.f90",
        );
        let u = read_units(&stmts, &mut kinds);
        let names: Vec<&str> = u.routines.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["DLARTG", "CB", "INNER"]);
        assert_eq!(
            u.routines[0].dummy("C").unwrap().ty,
            Some(FType::Real { kind: Some(8) })
        );
        let cb = &u.routines[1];
        assert_eq!(cb.bind_c, Some(Some("cb_c".into())));
        assert!(cb.dummy("N").unwrap().value);
        assert_eq!(
            cb.dummy("X").unwrap().intent,
            Some((Intent::InOut, IntentSource::Declared))
        );
        assert_eq!(u.routines[2].module.as_deref(), Some("M"));
        let skipped: Vec<String> = u.skipped.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            skipped,
            [
                "t.f90:10:1: SHAPED: dummy A is an assumed-shape array (it needs a descriptor)",
                "t.f90:13:1: REC: dummy A is allocatable",
                "t.f90:17:1: ALT: has an alternate return dummy (*)",
            ]
        );
    }

    #[test]
    fn external_dummies_take_their_signature_from_the_doc_or_an_interface() {
        let u = read(
            "\
*> \\param[in] SELECT
*>          SELECT is a LOGICAL FUNCTION of two DOUBLE PRECISION arguments
      SUBROUTINE DGEES( JOBVS, SELECT, N )
      CHARACTER          JOBVS
      LOGICAL            SELECT
      EXTERNAL           SELECT
      INTEGER N
      END
      SUBROUTINE USEF(F, X)
      INTERFACE
         DOUBLE PRECISION FUNCTION F(T, K)
         DOUBLE PRECISION T
         INTEGER K
         END FUNCTION
      END INTERFACE
      DOUBLE PRECISION X
      END
",
            Form::Fixed,
        );
        assert!(u.skipped.is_empty(), "{:?}", u.skipped);
        let sel = u.routines[0].dummy("SELECT").unwrap();
        assert_eq!(
            sel.external,
            Some(Some(ProcSig {
                result: Some(FType::Logical { kind: None }),
                args: vec![FType::Real { kind: Some(8) }; 2],
            }))
        );
        let f = u.routines[1].dummy("F").unwrap();
        assert_eq!(
            f.external,
            Some(Some(ProcSig {
                result: Some(FType::Real { kind: Some(8) }),
                args: vec![FType::Real { kind: Some(8) }, FType::Integer { kind: None }],
            }))
        );
    }
}
