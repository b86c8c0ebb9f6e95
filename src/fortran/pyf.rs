//! f2py signature files (`.pyf`) and their templates (`.pyf.src`): the subset scipy's
//! `fblas`/`flapack` signature files use, read into [`Routine`]s whose call signature is the
//! file's ([`Routine::pyf`]) instead of one derived by [`Sig::of`]'s heuristics.
//!
//! - Templates: `<name=a,b,c>` defines a list anywhere in the file (items may name other
//!   lists: `<ftype=<ftype2>,<ftype2c>>`); each `subroutine`/`function` block is repeated once
//!   per item of the lists it uses (`<prefix>`), all of one length; an inline `<a,b,\0,c>`
//!   picks the item of the copy (`\N` repeats item N, `\,` is a comma, `\<` a `<`).
//! - Structure: `python module`, `interface`, their `end`s; `subroutine` and `function`
//!   blocks, whose argument list must be the Fortran routine's. A `python module` whose name
//!   contains `__user__` declares call-back signatures, not routines (f2py's rule): a routine
//!   that `use`s it gives each `external` dummy of a function's name that signature, and its
//!   callstatement passes the caller's callback as `cb_NAME_in_MODULE`. An `external` dummy no
//!   used module declares makes the routine skipped.
//! - Declarations: a type, then `intent(in|out|inout|in,out|hide|copy|overwrite|cache|c|
//!   out=NAME)` (other intent words are ignored, as f2py ignores them), `dimension(…)`, `depend(…)`, `check(…)`, `optional`, `external`, and
//!   `:: name = init` (on an array, `optional` and `= init` make no default: the caller gives
//!   it, where f2py would allocate it). A `dimension(*)` array is passed as given, bounded by
//!   the file's `check(…)`s as in f2py (the generated method is then `unsafe`). Standalone `check(…) :: name`, `fortranname NAME`, `threadsafe`,
//!   `callprotoargument`, `usercode`, `pymethoddef` and `note` are accepted.
//! - `callstatement`, in the shapes scipy's `fblas`/`flapack` write ([`call_shape`]): the call
//!   `(*f2py_func)(…)` (in braces, its result assigned to `NAME_return_value`, a function's
//!   result first as `&name`) with arguments in any order, repeated (`&n` for a leading
//!   dimension), chosen characters (`(lower?"L":"U")`), integer locals declared with a value
//!   and passed (`F_INT i=2*kl+ku+1; … &i`) and offsets (`x+offx`: the caller
//!   passes the sub-slice, the offset stays 0); indices the statement makes 1-based before the
//!   call and 0-based after it (`lo++`, `for(i=0;i<n;++piv[i++])`, `hi--`) are 0-based for the
//!   caller ([`SigArg::zero_based`](super::sig::SigArg::zero_based)); `?potrf`'s clean-up
//!   after the call (`if(clean){…}` zeroing the triangle the factor does not use) is
//!   [`After::ZeroTriangle`]. Other C code makes the routine skipped, with the reason.

use std::collections::HashMap;

use super::expr::{self, Expr, is_ident};
use super::model::{FType, Intent, IntentSource, ProcSig, Routine, Skipped};
use super::parse;
use super::sig::{After, ArgRole, Check, Sig, SigArg, extents};
use super::source::{self, Form, Location, SourceError, Stmt};

/// Expands the templates of a `.pyf.src` text.
///
/// # Errors
///
/// An unknown list name, an unclosed `<`, or a block whose lists differ in length.
pub fn expand(text: &str, file: &str) -> Result<String, SourceError> {
    let err = |line: usize, message: String| SourceError {
        loc: Location {
            file: file.into(),
            line: line as u32,
            col: 1,
        },
        message,
    };
    // numpy's template reader predefines these; a file may redefine them.
    let mut lists: HashMap<String, Vec<String>> = [
        ("prefix", "s,d,c,z"),
        ("_c", "s,d,c,z"),
        ("ftype", "real,double precision,complex,double complex"),
        ("_t", "real,double precision,complex,double complex"),
        ("ctype", "float,double,complex_float,complex_double"),
        ("ftypereal", "real,double precision,real,double precision"),
        ("ctypereal", "float,double,float,double"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.split(',').map(str::to_string).collect()))
    .collect();
    // Definitions: in a comment, removed from the text; elsewhere (`subroutine
    // <prefix6=s,d,c,z,c,z>ger…`), replaced by a use of the list.
    let mut body = String::new();
    for (i, line) in text.lines().enumerate() {
        let mut out = String::new();
        let mut rest = line;
        while let Some((start, len)) = next_template(rest) {
            let inner = &rest[start + 1..start + len - 1];
            if let Some((name, items)) = inner.split_once('=')
                && is_ident(name.trim())
            {
                let mut expanded = Vec::new();
                for item in split_items(items) {
                    let t = item.trim();
                    match t
                        .strip_prefix('<')
                        .and_then(|x| x.strip_suffix('>'))
                        .filter(|x| is_ident(x))
                    {
                        Some(n) => expanded.extend(
                            lists
                                .get(n)
                                .ok_or_else(|| err(i + 1, format!("<{n}> is not defined")))?
                                .iter()
                                .cloned(),
                        ),
                        None => match t.strip_prefix('\\').and_then(|d| d.parse::<usize>().ok()) {
                            // `\N`: item N of this list again.
                            Some(j) => {
                                let again = expanded.get(j).cloned().ok_or_else(|| {
                                    err(i + 1, format!("<{}>: no item {j} before {t}", name.trim()))
                                })?;
                                expanded.push(again);
                            }
                            None => expanded.push(unescape(t)),
                        },
                    }
                }
                lists.insert(name.trim().to_string(), expanded);
                out.push_str(&rest[..start]);
                if !out.contains('!') {
                    out.push_str(&format!("<{}>", name.trim()));
                }
            } else {
                out.push_str(&rest[..start + len]);
                rest = &rest[start + len..];
                continue;
            }
            rest = &rest[start + len..];
        }
        out.push_str(rest);
        body.push_str(&out);
        body.push('\n');
    }
    // Blocks: from a `subroutine`/`function` line to its `end`.
    let mut result = String::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    let mut depth = 0;
    for (i, line) in body.lines().enumerate() {
        let head = header_word(line);
        if depth == 0 && head.is_none() {
            result.push_str(line);
            result.push('\n');
            continue;
        }
        if head.is_some() {
            depth += 1;
        }
        block.push((i + 1, line));
        if is_end_of_procedure(line) {
            depth -= 1;
            if depth == 0 {
                result.push_str(&replicate(&block, &lists, &err)?);
                block.clear();
            }
        }
    }
    for (_, l) in &block {
        result.push_str(l);
        result.push('\n');
    }
    Ok(result)
}

fn replicate(
    block: &[(usize, &str)],
    lists: &HashMap<String, Vec<String>>,
    err: &dyn Fn(usize, String) -> SourceError,
) -> Result<String, SourceError> {
    // How many copies: the length of the named lists the block uses. The `end` line's name
    // plays no part (f2py, too, only warns when its lists differ: scipy's
    // `end subroutine <prefix><sy,…>r2k` closes a `<prefix6>` block).
    let mut n: Option<(usize, String)> = None;
    for (line, l) in block {
        if is_end_of_procedure(l) {
            continue;
        }
        let mut rest = *l;
        while let Some((start, len)) = next_template(rest) {
            let inner = &rest[start + 1..start + len - 1];
            let count = if is_ident(inner) {
                lists
                    .get(inner)
                    .ok_or_else(|| err(*line, format!("<{inner}> is not defined")))?
                    .len()
            } else {
                split_items(inner).len()
            };
            match &n {
                Some((m, first)) if *m != count && is_ident(inner) => {
                    return Err(err(
                        *line,
                        format!("<{inner}> has {count} items, {first} has {m}"),
                    ));
                }
                None if is_ident(inner) => n = Some((count, format!("<{inner}>"))),
                _ => {}
            }
            rest = &rest[start + len..];
        }
    }
    let copies = n.as_ref().map_or(1, |(m, _)| *m);
    let mut out = String::new();
    for k in 0..copies {
        for (line, l) in block {
            let mut rest = *l;
            while let Some((start, len)) = next_template(rest) {
                out.push_str(&unescape_lt(&rest[..start]));
                let inner = &rest[start + 1..start + len - 1];
                let item = if is_ident(inner) {
                    match lists.get(inner) {
                        // f2py's rule for a list that does not match: its name.
                        Some(v) if v.len() != copies && is_end_of_procedure(l) => {
                            Some(inner.to_string())
                        }
                        v => v.and_then(|v| v.get(k)).cloned(),
                    }
                } else {
                    let items = split_items(inner);
                    pick(&items, k)
                };
                out.push_str(
                    &item.ok_or_else(|| err(*line, format!("<{inner}> has no item {}", k + 1)))?,
                );
                rest = &rest[start + len..];
            }
            out.push_str(&unescape_lt(rest));
            out.push('\n');
        }
    }
    Ok(out)
}

/// Item `k` of an inline list, `\N` repeating item N.
fn pick(items: &[String], k: usize) -> Option<String> {
    let mut k = k;
    for _ in 0..items.len() {
        let t = items.get(k)?.trim();
        match t.strip_prefix('\\').and_then(|d| d.parse::<usize>().ok()) {
            Some(j) => k = j,
            None => return Some(unescape(t)),
        }
    }
    None
}

/// The next template group of `s`, as (start, length): a `<…>` holding a list name, a list
/// definition (`name=…`) or a list (a comma at its top level). Any other `<` is text (the
/// comparisons of a `check(…)`, C code in a `callstatement`).
fn next_template(s: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(i) = find_unescaped(&s[from..], '<') {
        let start = from + i;
        if let Some(len) = group_len(&s[start..]) {
            let inner = &s[start + 1..start + len - 1];
            let definition = inner
                .split_once('=')
                .is_some_and(|(n, _)| is_ident(n.trim()));
            if is_ident(inner) || definition || split_items(inner).len() > 1 {
                return Some((start, len));
            }
        }
        from = start + 1;
    }
    None
}

/// The first `ch` not escaped with a backslash; for `<`, one that can open a template (not
/// the comparisons `<=`, `< n`, `<<`).
fn find_unescaped(s: &str, ch: char) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| {
        b[i] == ch as u8
            && (i == 0 || b[i - 1] != b'\\')
            && (ch != '<'
                || b.get(i + 1)
                    .is_some_and(|&n| !n.is_ascii_whitespace() && n != b'=' && n != b'<'))
    })
}

/// The length of the `<…>` group at the start of `s` (nested groups included).
fn group_len(s: &str) -> Option<usize> {
    let mut depth = 0;
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if i > 0 && b[i - 1] == b'\\' {
            continue;
        }
        match c {
            b'<' => depth += 1,
            b'>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits a declaration's attributes or a call's arguments at the commas outside parentheses
/// and quotes (`check(a >= (b+1)),depend(a)`: a `>` there is a comparison).
fn split_top(s: &str) -> Vec<String> {
    split_raw(s, ',')
}

/// Splits `s` at the `sep`s outside parentheses, brackets, braces and quotes, keeping every
/// piece as it is (empty ones too).
fn split_raw(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

/// Splits a template list at commas that are neither escaped nor inside `<…>` or `(…)`.
fn split_items(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '<' | '(' if prev != '\\' => depth += 1,
            '>' | ')' if prev != '\\' => depth -= 1,
            ',' if depth == 0 && prev != '\\' => {
                out.push(std::mem::take(&mut cur));
                prev = c;
                continue;
            }
            _ => {}
        }
        cur.push(c);
        prev = c;
    }
    out.push(cur);
    out
}

fn unescape(s: &str) -> String {
    s.replace("\\,", ",")
        .replace("\\<", "<")
        .replace("\\>", ">")
}

fn unescape_lt(s: &str) -> String {
    s.replace("\\<", "<").replace("\\>", ">")
}

/// `subroutine`/`function` opening a procedure (any case, with a type prefix).
fn header_word(line: &str) -> Option<()> {
    let l = line.trim_start().to_ascii_lowercase();
    let l = l.split('!').next().unwrap_or("");
    let words: Vec<&str> = l.split(|c: char| c.is_whitespace() || c == '(').collect();
    let first = words
        .iter()
        .position(|w| *w == "subroutine" || *w == "function")?;
    // `end subroutine`, or a word before it that is not a type or a prefix.
    (words[..first]
        .iter()
        .all(|w| !w.is_empty() && *w != "end" && !w.contains("::")))
    .then_some(())
}

fn is_end_of_procedure(line: &str) -> bool {
    let l = line.trim().to_ascii_lowercase();
    let l = l.split('!').next().unwrap_or("").trim().to_string();
    let c: String = l.chars().filter(|c| !c.is_whitespace()).collect();
    c.starts_with("endsubroutine") || c.starts_with("endfunction")
}

/// What a `.pyf` says about one argument beyond its Fortran declaration.
#[derive(Clone, Debug, Default)]
struct Attrs {
    hide: bool,
    optional: bool,
    cache: bool,
    inp: bool,
    out: bool,
    inout: bool,
    init: Option<Expr>,
    checks: Vec<Expr>,
}

impl Attrs {
    /// Adds what another declaration or attribute statement of the same name says.
    fn merge(&mut self, add: Attrs) {
        self.hide |= add.hide;
        self.optional |= add.optional;
        self.cache |= add.cache;
        self.inp |= add.inp;
        self.out |= add.out;
        self.inout |= add.inout;
        if add.init.is_some() {
            self.init = add.init;
        }
        self.checks.extend(add.checks);
    }
}

/// One routine being read.
#[derive(Default)]
struct Pending {
    stmts: Vec<Stmt>,
    attrs: HashMap<String, Attrs>,
    refused: Option<String>,
    fortranname: Option<String>,
    /// The `callstatement` text.
    call: Option<String>,
    /// The modules of its `use` statements (upper case): where its callbacks' signatures are.
    uses: Vec<String>,
}

/// The signatures of call-back functions a `python module NAME__user__routines` block
/// declares (f2py: a module whose name contains `__user__` describes call-backs, not routines
/// of the library), by module and function name (upper case). An `Err` says why the
/// function's signature cannot be a C function pointer type.
type UserRoutines = HashMap<String, HashMap<String, Result<ProcSig, String>>>;

/// Reads the routines of a `.pyf` text (templates already expanded).
pub fn read(text: &str, file: &str) -> (Vec<Routine>, Vec<Skipped>) {
    let (stmts, errors) = source::read_text(text, Form::Free, file);
    let mut skipped: Vec<Skipped> = errors
        .into_iter()
        .map(|e| Skipped {
            name: file.to_string(),
            loc: e.loc,
            reason: e.message,
        })
        .collect();
    let mut routines = Vec::new();
    let mut cur: Option<Pending> = None;
    // The line of the last callstatement: `;` splits a line into statements, and C code after
    // the call belongs to the callstatement.
    let mut call_line: Option<u32> = None;
    // The `__user__` module being read, and what those read declare.
    let mut user_module: Option<String> = None;
    let mut user = UserRoutines::new();
    // Per routine read (by its index in `routines`), the modules it uses.
    let mut uses: Vec<Vec<String>> = Vec::new();
    for st in stmts {
        if let (Some(line), Some(p)) = (call_line, &mut cur)
            && st.loc.line == line
            && let Some(call) = &mut p.call
        {
            call.push_str("; ");
            call.push_str(st.text.trim());
            continue;
        }
        call_line = None;
        let c = parse::compress(&st.text);
        if let Some(name) = c.strip_prefix("PYTHONMODULE") {
            user_module = name.contains("__USER__").then(|| name.to_string());
            continue;
        }
        if c.starts_with("ENDPYTHONMODULE") {
            user_module = None;
            continue;
        }
        if c == "INTERFACE" || c.starts_with("ENDINTERFACE") {
            continue;
        }
        let Some(p) = &mut cur else {
            if header_word(&st.text).is_some() {
                cur = Some(Pending {
                    stmts: vec![st],
                    ..Pending::default()
                });
            }
            continue;
        };
        let lower = st.text.trim().to_ascii_lowercase();
        let word = lower.split([' ', '(', '\t']).next().unwrap_or("");
        match word {
            "callstatement" => {
                p.call = Some(st.text.trim()["callstatement".len()..].trim().to_string());
                call_line = Some(st.loc.line);
                continue;
            }
            "use" => {
                p.uses.push(parse::compress(&st.text["use".len()..]));
                continue;
            }
            "callprotoargument" | "threadsafe" | "usercode" | "pymethoddef" | "note" => {
                continue;
            }
            "fortranname" => {
                let name = st.text.trim()[11..].trim();
                // `F_FUNC(name,NAME)`: f2py's macro for the symbol of `name`.
                let name = name
                    .strip_prefix("F_FUNC(")
                    .and_then(|x| x.strip_suffix(')'))
                    .and_then(|x| x.split(',').next())
                    .unwrap_or(name);
                p.fortranname = Some(name.trim().to_string());
                continue;
            }
            "check" => {
                // `check(cond) :: name`.
                if let Some((attr, names)) = st.text.split_once("::") {
                    let cond = attr.trim()[5..].trim();
                    let cond = cond
                        .strip_prefix('(')
                        .and_then(|x| x.strip_suffix(')'))
                        .unwrap_or(cond);
                    match expr::parse(cond) {
                        Ok(e) => {
                            for n in names.split(',') {
                                p.attrs
                                    .entry(n.trim().to_ascii_uppercase())
                                    .or_default()
                                    .checks
                                    .push(e.clone());
                            }
                        }
                        Err(e) => p.refused = Some(format!("check({cond}): {}", e.message)),
                    }
                }
                continue;
            }
            _ => {}
        }
        if is_end_of_procedure(&st.text) {
            p.stmts.push(st);
            let done = cur.take().unwrap_or_default();
            match &user_module {
                Some(m) => {
                    let unit = parse::read_units(&done.stmts, &mut parse::Kinds::default());
                    let procs = user.entry(m.clone()).or_default();
                    for r in unit.routines {
                        procs.insert(r.name.clone(), proc_sig(&r));
                    }
                    for s in unit.skipped {
                        procs.insert(s.name, Err(s.reason));
                    }
                }
                None => {
                    let first = routines.len();
                    let used = done.uses.clone();
                    finish(done, &mut routines, &mut skipped);
                    uses.resize(first, Vec::new());
                    uses.resize(routines.len(), used);
                }
            }
            continue;
        }
        match declaration(&st.text, p) {
            Ok(Some(text)) if text.is_empty() => {}
            Ok(Some(text)) => p.stmts.push(Stmt { text, ..st }),
            Ok(None) => p.stmts.push(st),
            Err(e) => p.refused = Some(e),
        }
    }
    uses.resize(routines.len(), Vec::new());
    let mut kept = Vec::new();
    for (mut r, used) in routines.into_iter().zip(uses) {
        match with_callbacks(&mut r, &used, &user) {
            Ok(()) => kept.push(r),
            Err(reason) => skipped.push(Skipped {
                name: r.name.clone(),
                loc: r.loc.clone(),
                reason,
            }),
        }
    }
    (kept, skipped)
}

/// A call-back function of a `__user__` module as a dummy procedure's interface: scalars and
/// arrays by reference, as the C function pointer type passes them.
fn proc_sig(r: &Routine) -> Result<ProcSig, String> {
    let mut args = Vec::new();
    for d in &r.dummies {
        match &d.ty {
            Some(FType::Character { .. }) => {
                return Err(format!(
                    "its argument {} is CHARACTER (a call-back's hidden lengths are not \
                     supported)",
                    d.name.to_ascii_lowercase()
                ));
            }
            _ if d.external.is_some() => {
                return Err(format!(
                    "its argument {} is a procedure",
                    d.name.to_ascii_lowercase()
                ));
            }
            Some(t) => args.push(t.clone()),
            None => {
                return Err(format!(
                    "its argument {} has no type",
                    d.name.to_ascii_lowercase()
                ));
            }
        }
    }
    Ok(ProcSig {
        result: r.result.clone(),
        args,
    })
}

/// Gives each `external` dummy of `r` the signature of the call-back function of its name in
/// a module `r` uses, as f2py does; a dummy procedure no used module declares is an error (its
/// C type would be a guess).
fn with_callbacks(r: &mut Routine, used: &[String], user: &UserRoutines) -> Result<(), String> {
    for d in &mut r.dummies {
        if d.external != Some(None) {
            continue;
        }
        let found = used
            .iter()
            .find_map(|m| user.get(m).and_then(|procs| procs.get(&d.name)));
        let sig = match found {
            Some(Ok(sig)) => sig.clone(),
            Some(Err(why)) => {
                return Err(format!(
                    "its call-back {}'s signature cannot be passed: {why}",
                    d.name.to_ascii_lowercase()
                ));
            }
            None => {
                return Err(format!(
                    "its call-back {} has no signature (no `use`d `__user__` python module \
                     declares a function or subroutine {0})",
                    d.name.to_ascii_lowercase()
                ));
            }
        };
        d.external = Some(Some(sig.clone()));
        if let Some(pyf) = &mut r.pyf {
            for a in &mut pyf.args {
                if a.name == d.name {
                    a.callback = Some(Some(sig.clone()));
                }
            }
        }
    }
    Ok(())
}

/// A declaration with its f2py attributes taken out (into `p.attrs`); `None` when there are
/// none.
fn declaration(text: &str, p: &mut Pending) -> Result<Option<String>, String> {
    let Some((spec, names)) = text.split_once("::") else {
        return attribute_statement(text, p);
    };
    // `integer intent(hide),depend(a)`: the first attribute may follow the type without a
    // comma.
    let mut parts = split_top(spec);
    if let Some(first) = parts.first().cloned() {
        let lower = first.to_ascii_lowercase();
        let at = [
            "intent",
            "depend",
            "check",
            "optional",
            "dimension",
            "external",
        ]
        .iter()
        .filter_map(|w| {
            lower.match_indices(w).map(|(i, _)| i).find(|&i| {
                i > 0
                    && lower[..i].ends_with(|c: char| c.is_whitespace() || c == ')')
                    && !lower[i + w.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
            })
        })
        .min();
        if let Some(i) = at {
            parts[0] = first[..i].trim().to_string();
            parts.insert(1, first[i..].trim().to_string());
        }
    }
    let mut kept: Vec<String> = Vec::new();
    let mut a = Attrs::default();
    let mut fortran_intent: Vec<&str> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let t = part.trim();
        let lower = t.to_ascii_lowercase();
        let (word, args) = match lower.split_once('(') {
            Some((w, r)) => (w.trim().to_string(), r.trim_end_matches(')').to_string()),
            None => (lower.clone(), String::new()),
        };
        if i == 0 && !matches!(word.as_str(), "intent" | "depend" | "check" | "optional") {
            kept.push(t.to_string());
            continue;
        }
        match word.as_str() {
            "intent" => {
                for it in args.split(',').map(str::trim) {
                    match it {
                        "in" => a.inp = true,
                        "out" => a.out = true,
                        "inout" | "inplace" => a.inout = true,
                        "hide" => a.hide = true,
                        "optional" => a.optional = true,
                        "cache" => a.cache = true,
                        "copy" | "overwrite" | "c" | "aligned4" | "aligned8" | "aligned16" => {}
                        o if o.starts_with("out=") => a.out = true,
                        // f2py keeps only the intents it knows (crackfortran's
                        // `true_intent_list`): scipy's `intent(F_INT)` on ?trttp's `uplo`
                        // leaves it an input.
                        _ => {}
                    }
                }
                fortran_intent.clear();
                fortran_intent.push(match (a.inp || a.hide, a.out, a.inout) {
                    (_, _, true) | (true, true, _) => "inout",
                    (false, true, _) => "out",
                    _ => "in",
                });
            }
            "depend" => {}
            "optional" => a.optional = true,
            "check" => {
                let inner = &t[t.find('(').unwrap_or(0) + 1..];
                let cond = inner.strip_suffix(')').unwrap_or(inner);
                a.checks
                    .push(expr::parse(cond).map_err(|e| format!("check({cond}): {}", e.message))?);
            }
            _ => kept.push(t.to_string()),
        }
    }
    if let Some(i) = fortran_intent.first() {
        kept.push(format!("intent({i})"));
    }
    let mut out_names = Vec::new();
    for n in split_top(names) {
        let (name, init) = match n.split_once('=') {
            Some((x, e)) => (x.trim().to_string(), Some(e.trim().to_string())),
            None => (n.trim().to_string(), None),
        };
        let mut attrs = a.clone();
        if let Some(e) = init {
            attrs.init = Some(expr::parse(&e).map_err(|x| format!("{name} = {e}: {}", x.message))?);
        }
        // A name declared again (scipy does) keeps what the first declaration said.
        p.attrs
            .entry(name.to_ascii_uppercase())
            .or_default()
            .merge(attrs);
        out_names.push(name);
    }
    Ok(Some(format!(
        "{} :: {}",
        kept.join(", "),
        out_names.join(", ")
    )))
}

/// `intent(in,out,copy,out=x) b` or `optional lwork` without `::`: attributes added to
/// declared arguments (merged, not replacing what their declarations said); the Fortran
/// intent goes on to the Fortran reader.
fn attribute_statement(text: &str, p: &mut Pending) -> Result<Option<String>, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let (attr, names) = if lower.starts_with("intent") || lower.starts_with("depend") {
        let Some(end) = t.find(')') else {
            return Ok(None);
        };
        (&t[..end + 1], &t[end + 1..])
    } else if lower.starts_with("optional") {
        (&t[..8], &t[8..])
    } else {
        return Ok(None);
    };
    let names: Vec<String> = split_top(names)
        .iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() || !names.iter().all(|n| is_ident(n)) {
        return Ok(None);
    }
    // The attribute's effect, read as a declaration of its own, merged into each name's.
    let mut scratch = Pending::default();
    let rebuilt = declaration(
        &format!("integer, {attr} :: {}", names.join(", ")),
        &mut scratch,
    )?;
    for n in &names {
        let key = n.to_ascii_uppercase();
        let add = scratch.attrs.remove(&key).unwrap_or_default();
        p.attrs.entry(key).or_default().merge(add);
    }
    // Only an intent reaches the Fortran reader (`INTENT(INOUT) :: B`).
    if !lower.starts_with("intent") {
        return Ok(Some(String::new()));
    }
    Ok(rebuilt.map(|r| {
        let spec = r.split_once("::").map_or("", |x| x.0);
        let intent = spec
            .split(',')
            .map(str::trim)
            .find(|x| x.to_ascii_lowercase().starts_with("intent"))
            .unwrap_or("intent(in)");
        format!("{intent} :: {}", names.join(", "))
    }))
}

/// Parses one routine's Fortran part and attaches its signature.
fn finish(p: Pending, routines: &mut Vec<Routine>, skipped: &mut Vec<Skipped>) {
    let unit = parse::read_units(&p.stmts, &mut parse::Kinds::default());
    skipped.extend(unit.skipped);
    for mut r in unit.routines {
        if let Some(why) = &p.refused {
            skipped.push(Skipped {
                name: r.name.clone(),
                loc: r.loc.clone(),
                reason: why.clone(),
            });
            continue;
        }
        if let Some(f) = &p.fortranname {
            r.fortran_name = Some(f.to_ascii_uppercase());
        }
        for d in &mut r.dummies {
            match &mut d.intent {
                Some((_, src)) => *src = IntentSource::Pyf,
                // f2py's default is `intent(in)` (and the C prototype must say `const` as the
                // signature does: scipy's `intnet(in)` typo in ?gtsvx leaves one unstated).
                None if d.external.is_none() => d.intent = Some((Intent::In, IntentSource::Pyf)),
                None => {}
            }
            if p.attrs.get(&d.name).is_some_and(|a| a.optional) {
                // f2py's optional is a default, not Fortran's OPTIONAL.
                d.optional = false;
            }
        }
        let sig = signature(&r, &p.attrs).and_then(|sig| match &p.call {
            Some(call) => with_call(&mut r, sig, call),
            None => Ok(sig),
        });
        match sig {
            Ok(sig) => {
                r.pyf = Some(sig);
                routines.push(r);
            }
            Err(reason) => skipped.push(Skipped {
                name: r.name.clone(),
                loc: r.loc.clone(),
                reason,
            }),
        }
    }
}

/// What a `callstatement` does: the argument list of its call of `(*f2py_func)`, and the
/// indices it turns 1-based before the call and 0-based after it.
#[derive(Debug, Default, PartialEq)]
struct CallShape {
    /// The text between the call's parentheses.
    args: String,
    /// Names incremented before the call (`lo++`, `for(…;++piv[i++])`), lower case.
    before: Vec<String>,
    /// Names decremented after it (`hi--`, `for(…;--piv[i++])`), lower case.
    after: Vec<String>,
    /// The function's result is assigned minus one (`i?amax`: a 0-based index).
    result_minus_one: bool,
    /// Integer locals declared with a value (`F_INT i=2*kl+ku+1`: ?gbsv's LDAB), lower case.
    locals: Vec<(String, Expr)>,
    /// `if(clean){…}` after the call ([`zero_triangle`]): the condition, the choice of
    /// triangle, the array, and whether the choice's true branch zeroes the upper triangle.
    zero: Option<(String, String, String, bool)>,
}

/// scipy's `?potrf` statement after the call, in its two shapes (real and complex elements):
/// `if(FLAG){Py_ssize_t i,j;if(COND){LOOP}else{LOOP}}`, each `LOOP` zeroing the strict upper
/// (`*(a+j*n+i)=0.0`) or lower (`*(a+i*n+j)=0.0`) triangle of `a`. Returns FLAG, COND, the
/// array and whether COND's branch zeroes the upper triangle.
fn zero_triangle(stmt: &str) -> Option<(String, String, String, bool)> {
    let s: String = stmt.chars().filter(|c| !c.is_whitespace()).collect();
    let s = s.replace("\\<", "<");
    // `(…)` at the start of `t`: its inside and what follows.
    let parens = |t: &str| -> Option<(String, String)> {
        let end = paren_end(t)?;
        Some((t[1..end - 1].to_string(), t[end..].to_string()))
    };
    let (flag, rest) = parens(s.strip_prefix("if")?)?;
    let body = rest.strip_prefix('{')?.strip_suffix('}')?;
    let body = body
        .strip_prefix("Py_ssize_ti,j,k;")
        .or_else(|| body.strip_prefix("Py_ssize_ti,j;"))?;
    let (cond, rest) = parens(body.strip_prefix("if")?)?;
    let (yes, no) = rest
        .strip_prefix('{')?
        .strip_suffix('}')?
        .split_once("}else{")?;
    let zero_loop = |t: &str| -> Option<(String, bool)> {
        let t = t.strip_prefix("for(i=0;i<")?;
        let (n, t) = t.split_once(';')?;
        let t = t.strip_prefix(&format!("++i)for(j=i+1;j<{n};++j)"))?;
        let (index, array) = if let Some(b) = t.strip_prefix("{k=") {
            let (index, b) = b.split_once(';')?;
            let array = b.strip_prefix('(')?.split_once("+k)->r=(")?.0.to_string();
            let tail = format!("{array}+k)->i=0.0;}}");
            b.ends_with(&tail).then_some(())?;
            (index.to_string(), array)
        } else {
            let b = t.strip_prefix("*(")?;
            let (inner, b) = b.split_once(')')?;
            (b == "=0.0;").then_some(())?;
            let (array, index) = inner.split_once('+')?;
            (index.to_string(), array.to_string())
        };
        let upper = if index == format!("j*{n}+i") {
            true
        } else if index == format!("i*{n}+j") {
            false
        } else {
            return None;
        };
        is_ident(&array).then_some((array, upper))
    };
    let (a, yes_upper) = zero_loop(yes)?;
    let (b, no_upper) = zero_loop(no)?;
    (a == b && yes_upper != no_upper && is_ident(&flag) && is_ident(&cond))
        .then_some((flag, cond, a, yes_upper))
}

/// The non-empty pieces of `s` between `sep`s outside parentheses, brackets, braces and
/// quotes, trimmed.
fn split_outside(s: &str, sep: char) -> Vec<String> {
    split_raw(s, sep)
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The names a statement around the call increments (`by` = `"++"`) or decrements (`"--"`):
/// `x++`, `++x`, or a loop over a whole array, `for(INIT;COND;++a[i++])` (several arrays:
/// `++a[i],++b[i++]`). `None` for any other statement.
fn index_shift(stmt: &str, by: &str) -> Option<Vec<String>> {
    let s: String = stmt.chars().filter(|c| !c.is_whitespace()).collect();
    let ident = |x: &str| is_ident(x).then(|| x.to_ascii_lowercase());
    if let Some(x) = s.strip_suffix(by).or_else(|| s.strip_prefix(by)) {
        return ident(x).map(|x| vec![x]);
    }
    let body = s.strip_prefix("for(")?.strip_suffix(')')?;
    let parts: Vec<&str> = body.splitn(3, ';').collect();
    let [_, _, ops] = parts[..] else { return None };
    ops.split(',')
        .map(|op| {
            let elem = op.strip_prefix(by)?;
            let (name, index) = elem.split_once('[')?;
            matches!(index, "i]" | "i++]").then_some(())?;
            ident(name)
        })
        .collect()
}

/// Reads a `callstatement` of the shapes scipy writes: a call `(*f2py_func)(…)`, its result
/// assigned to `NAME_return_value` for a function, in braces or not; before it, declarations
/// of loop variables (`F_INT i`) and increments of indices; after it, their decrements.
fn call_shape(call: &str) -> Result<CallShape, String> {
    let unsupported = |what: &str| format!("its callstatement {what} (not supported)");
    let mut text = call.trim().trim_end_matches(';').trim();
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        text = inner;
    }
    let stmts = split_outside(text, ';');
    let at = stmts
        .iter()
        .position(|s| s.contains("(*f2py_func)"))
        .ok_or_else(|| unsupported("does not call (*f2py_func)"))?;
    let mut shape = CallShape::default();
    for s in &stmts[..at] {
        if let Some(vars) = ["F_INT ", "int ", "Py_ssize_t "]
            .iter()
            .find_map(|t| s.strip_prefix(t))
        {
            // Declarations, each with a value or not: `F_INT i`, `F_INT i=2*kl+ku+1`.
            let mut locals = Vec::new();
            let all = split_top(vars).iter().all(|v| match v.split_once('=') {
                None => is_ident(v.trim()),
                Some((name, init)) => {
                    let e = expr::parse(init.trim());
                    let ok = is_ident(name.trim()) && e.is_ok();
                    if let Ok(e) = e {
                        locals.push((name.trim().to_ascii_lowercase(), e));
                    }
                    ok
                }
            });
            if all {
                shape.locals.extend(locals);
                continue;
            }
        }
        match index_shift(s, "++") {
            Some(names) => shape.before.extend(names),
            None => return Err(unsupported(&format!("runs C code before the call ({s})"))),
        }
    }
    for s in &stmts[at + 1..] {
        if shape.zero.is_none()
            && let Some(z) = zero_triangle(s)
        {
            shape.zero = Some(z);
            continue;
        }
        match index_shift(s, "--") {
            Some(names) => shape.after.extend(names),
            None => return Err(unsupported(&format!("runs C code after the call ({s})"))),
        }
    }
    // `NAME_return_value = (*f2py_func)(…)`, possibly `- 1`.
    let mut c = stmts[at].as_str();
    let mut assigned = false;
    if let Some((lhs, rhs)) = c.split_once('=')
        && lhs.trim().ends_with("_return_value")
        && is_ident(lhs.trim())
    {
        c = rhs.trim();
        assigned = true;
    }
    let rest = c
        .strip_prefix("(*f2py_func)")
        .ok_or_else(|| unsupported("is not a plain (*f2py_func)(…) call"))?
        .trim_start();
    if !rest.starts_with('(') {
        return Err(unsupported("is not a plain (*f2py_func)(…) call"));
    }
    let end = paren_end(rest).ok_or_else(|| unsupported("has unbalanced parentheses"))?;
    let tail: String = rest[end..].chars().filter(|c| !c.is_whitespace()).collect();
    match tail.as_str() {
        "" => {}
        "-1" if assigned => shape.result_minus_one = true,
        _ => return Err(unsupported("runs C code after the call")),
    }
    shape.args = rest[1..end - 1].to_string();
    Ok(shape)
}

/// A `callstatement` of the shape scipy writes ([`call_shape`]), `(*f2py_func)(ARG, …)` with
/// each `ARG` an argument (`&x` or `x`), possibly again (`&n` for a leading dimension), or a
/// character chosen by a condition (`(lower?"L":"U")`): the routine's dummies become the
/// call's arguments in its order, the file's other arguments stay in the signature without
/// being passed (`lower`), and the rest are computed. Indices it increments before the call
/// and decrements after are 0-based for the caller ([`SigArg::zero_based`]).
fn with_call(r: &mut Routine, sig: Sig, call: &str) -> Result<Sig, String> {
    let unsupported = |what: &str| format!("its callstatement {what} (not supported)");
    let shape = call_shape(call)?;
    let inner = shape.args.as_str();
    let mut used = vec![false; r.dummies.len()];
    let mut dummies = Vec::new();
    let mut args = Vec::new();
    // Offsets (`x+offx`): the caller passes the sub-slice; the offset stays at 0.
    let mut offsets: Vec<String> = Vec::new();
    for (pos, a) in split_top(inner).iter().enumerate() {
        let a = a.trim();
        // A function's result first (`&ddot`): f2py's wrapper subroutine stores it there;
        // jitffi calls the function itself.
        if pos == 0
            && r.result.is_some()
            && a.strip_prefix('&')
                .is_some_and(|n| n.trim().eq_ignore_ascii_case(&r.name))
        {
            continue;
        }
        let a = match a.split_once('+') {
            Some((array, off))
                if is_ident(array.trim())
                    && is_ident(off.trim())
                    && r.dummies.iter().any(|d| {
                        d.name.eq_ignore_ascii_case(array.trim()) && !d.dims.is_empty()
                    }) =>
            {
                offsets.push(off.trim().to_ascii_uppercase());
                array.trim()
            }
            _ => a,
        };
        let mut name = a.strip_prefix('&').unwrap_or(a).trim().to_ascii_uppercase();
        // f2py's C function of a call-back argument: `cb_NAME_in_MODULE__user__routines`.
        if let Some(cb) = name
            .strip_prefix("CB_")
            .and_then(|x| x.split_once("_IN_"))
            .map(|(n, _)| n)
            && let Some(d) = r.dummies.iter().find(|d| d.name == cb)
            && d.external.is_some()
        {
            name = d.name.clone();
        }
        if let Some(j) = r.dummies.iter().position(|d| d.name == name) {
            if !used[j] {
                used[j] = true;
                dummies.push(r.dummies[j].clone());
                args.push(sig.args[j].clone());
                continue;
            }
            if !r.dummies[j].dims.is_empty() {
                return Err(unsupported(&format!("passes the array {a} twice")));
            }
            // The same scalar again (`&n` for LDA): a copy.
            let mut d = r.dummies[j].clone();
            d.name = format!("{name}_{}", pos + 1);
            d.intent = Some((Intent::In, IntentSource::Pyf));
            let mut s = sig.args[j].clone();
            s.name = d.name.clone();
            s.role = ArgRole::Hidden(Expr::Name(name));
            s.intent = Intent::In;
            s.checks.clear();
            dummies.push(d);
            args.push(s);
            continue;
        }
        // A local declared with a value (`&i` for `F_INT i=2*kl+ku+1`): an integer computed
        // from the file's arguments.
        let local = a.strip_prefix('&').and_then(|n| {
            shape
                .locals
                .iter()
                .find(|(l, _)| *l == n.trim().to_ascii_lowercase())
        });
        if let Some((_, init)) = local {
            let (d, arg) = computed(pos, FType::Integer { kind: None }, init.clone());
            args.push(arg);
            dummies.push(d);
            continue;
        }
        // A character chosen by a condition.
        let e = expr::parse(a).map_err(|_| unsupported(&format!("passes {a}")))?;
        if !strings_only(&e) {
            return Err(unsupported(&format!("passes {a}")));
        }
        let ty = FType::Character {
            len: super::model::CharLen::Fixed(1),
        };
        let (d, arg) = computed(pos, ty, e);
        args.push(arg);
        dummies.push(d);
    }
    // The file's arguments the call does not pass: inputs that the others' values use.
    for (j, a) in sig.args.iter().enumerate() {
        if used[j] {
            continue;
        }
        if !a.dims.is_empty()
            || matches!(a.role, ArgRole::Out | ArgRole::Info)
            || a.callback.is_some()
        {
            return Err(unsupported(&format!(
                "does not pass {}, which is not a scalar input",
                a.name.to_ascii_lowercase()
            )));
        }
        let mut a = a.clone();
        a.intent = Intent::In;
        if offsets.contains(&a.name) {
            a.role = ArgRole::Hidden(Expr::Int(0));
        }
        args.push(a);
    }
    // Indices 0-based for the caller: incremented before the call if given, decremented after
    // it if returned (an input decremented after is restored; an output incremented before is
    // garbage made other garbage).
    let mut names: Vec<&String> = shape.before.iter().chain(&shape.after).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (before, after) = (shape.before.contains(name), shape.after.contains(name));
        let a = args
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| unsupported(&format!("shifts {name}, which is not an argument")))?;
        let integer = matches!(a.ty, Some(FType::Integer { .. })) && a.dims.len() <= 1;
        let consistent = match a.intent {
            Intent::In => before,
            Intent::Out => after,
            Intent::InOut => before && after,
        };
        if !integer || !consistent {
            return Err(unsupported(&format!(
                "shifts {name} one way only, or {name} is not an integer scalar or vector"
            )));
        }
        a.zero_based = true;
    }
    // The triangle zeroed after the call: of a matrix argument, chosen by arguments.
    let mut after = Vec::new();
    if let Some((flag, cond, array, yes_upper)) = &shape.zero {
        let array = array.to_ascii_uppercase();
        // (A matrix the call writes: an input is the caller's, read-only, array.)
        if !args
            .iter()
            .any(|a| a.name == array && a.dims.len() == 2 && a.intent != Intent::In)
        {
            return Err(unsupported(&format!(
                "zeroes a triangle of {}, which is not a matrix the call writes",
                array.to_ascii_lowercase()
            )));
        }
        let e = |x: &str| expr::parse(x).map_err(|e| unsupported(&e.message));
        let cond = e(cond)?;
        after.push(After::ZeroTriangle {
            array,
            when: e(flag)?,
            upper: if *yes_upper {
                cond
            } else {
                Expr::Unary('!', Box::new(cond))
            },
        });
    }
    r.dummies = dummies;
    let integer_result = matches!(sig.result, Some(FType::Integer { .. }));
    if shape.result_minus_one && !integer_result {
        return Err(unsupported(
            "subtracts one from a result that is not an integer",
        ));
    }
    Ok(Sig {
        name: r.name.clone(),
        args,
        result: sig.result,
        result_zero_based: shape.result_minus_one,
        after,
        // (A signature file's checks are its author's word.)
        unchecked: Vec::new(),
    })
}

/// An argument the callstatement computes, at position `pos` of its call: a dummy `ARGn` of
/// type `ty` and its signature's hidden input, of value `init`.
fn computed(pos: usize, ty: FType, init: Expr) -> (super::model::Dummy, SigArg) {
    let d = super::model::Dummy {
        name: format!("ARG{}", pos + 1),
        ty: Some(ty),
        dims: Vec::new(),
        intent: Some((Intent::In, IntentSource::Pyf)),
        value: false,
        optional: false,
        external: None,
        implicit: false,
        refused: None,
    };
    let arg = SigArg {
        name: d.name.clone(),
        ty: d.ty.clone(),
        dims: Vec::new(),
        intent: Intent::In,
        role: ArgRole::Hidden(init),
        callback: None,
        intent_stated: true,
        checks: Vec::new(),
        zero_based: false,
        scratch: false,
    };
    (d, arg)
}

/// Whether every value `e` can take is a string (`c ? "L" : "U"`, nested).
fn strings_only(e: &Expr) -> bool {
    match e {
        Expr::Str(s) => s.len() == 1,
        Expr::Cond(_, a, b) => strings_only(a) && strings_only(b),
        _ => false,
    }
}

/// The length of the parenthesised group at the start of `s`.
fn paren_end(s: &str) -> Option<usize> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The call signature a `.pyf` states.
fn signature(r: &Routine, attrs: &HashMap<String, Attrs>) -> Result<Sig, String> {
    let none = Attrs::default();
    let mut args = Vec::new();
    // The arrays, which the caller always gives here: f2py's `y_capi==Py_None` (was `y`
    // left out?) is false.
    let arrays: Vec<&str> = r
        .dummies
        .iter()
        .filter(|d| !d.dims.is_empty())
        .map(|d| d.name.as_str())
        .collect();
    for d in &r.dummies {
        let a = attrs.get(&d.name).unwrap_or(&none);
        let given;
        let a = if a.init.as_ref().is_some_and(mentions_capi) || a.checks.iter().any(mentions_capi)
        {
            given = Attrs {
                init: a.init.as_ref().map(|e| given_capi(e, &arrays)),
                checks: a.checks.iter().map(|e| given_capi(e, &arrays)).collect(),
                ..a.clone()
            };
            &given
        } else {
            a
        };
        let dims = extents(&d.dims, None);
        let intent = match (a.inp || (!a.out && !a.inout), a.out, a.inout) {
            (_, _, true) | (true, true, _) => Intent::InOut,
            (false, true, _) => Intent::Out,
            _ => Intent::In,
        };
        let info = d.name == "INFO"
            && dims.is_empty()
            && matches!(d.ty, Some(FType::Integer { .. }))
            && intent == Intent::Out;
        let role = if info {
            ArgRole::Info
        } else if a.hide && a.init.is_some() && dims.is_empty() {
            ArgRole::Hidden(a.init.clone().unwrap_or(Expr::Int(0)))
        } else if (a.hide || intent == Intent::Out) && (!dims.is_empty() || a.init.is_none()) {
            ArgRole::Out
        } else if intent == Intent::Out && !a.optional {
            // `integer intent(out) :: sdim=0` (scipy's ?gees): an output, not an argument,
            // whose initial value f2py sets; outputs start at zero here.
            if a.init != Some(Expr::Int(0)) {
                return Err(format!(
                    "the output {} starts at a value other than 0",
                    d.name.to_ascii_lowercase()
                ));
            }
            ArgRole::Out
        } else if (a.optional || a.init.is_some()) && !dims.is_empty() {
            // f2py allocates an optional array the caller leaves out (zeros, or its `= init`);
            // here the caller gives it: an array is never made from a scalar's default.
            ArgRole::Given
        } else if a.optional || a.init.is_some() {
            ArgRole::Optional(
                a.init
                    .clone()
                    .ok_or_else(|| format!("{} is optional without a value", d.name))?,
            )
        } else {
            ArgRole::Given
        };
        if matches!(role, ArgRole::Out) && dims.contains(&Expr::Int(-1)) {
            return Err(format!(
                "{} is allocated by the call but its dimension is '*'",
                d.name
            ));
        }
        args.push(SigArg {
            name: d.name.clone(),
            ty: d.ty.clone(),
            dims,
            // A cache array is scratch space: allocated, not returned.
            intent: if a.cache { Intent::In } else { intent },
            role,
            callback: d.external.clone(),
            intent_stated: true,
            checks: a.checks.iter().cloned().map(Check::Expr).collect(),
            zero_based: false,
            scratch: false,
        });
    }
    Ok(Sig {
        name: r.name.clone(),
        args,
        result: r.result.clone(),
        result_zero_based: false,
        unchecked: Vec::new(),
        after: Vec::new(),
    })
}

/// Whether `e` names f2py's C-API objects (`y_capi`, `Py_None`).
fn mentions_capi(e: &Expr) -> bool {
    e.names()
        .iter()
        .any(|n| n == "PY_NONE" || n.ends_with("_CAPI"))
}

/// `e` with f2py's test of a left-out array, `NAME_capi==Py_None` (`!=`), made false (true)
/// for each of `arrays`, which a caller always gives here (scipy's `fblas`: `ly =
/// (y_capi==Py_None ? 1+offy+(n-1)*abs(incy) : -1)`, the length of a `y` f2py would
/// allocate; -1, any length, for a given one). Other mentions stay, and fail as names no
/// argument has.
fn given_capi(e: &Expr, arrays: &[&str]) -> Expr {
    let rec = |x: &Expr| Box::new(given_capi(x, arrays));
    match e {
        Expr::Binary(op @ ("==" | "!="), x, y) => {
            let is_given = |a: &Expr, b: &Expr| {
                matches!((a, b), (Expr::Name(c), Expr::Name(n))
                    if n == "PY_NONE"
                        && c.strip_suffix("_CAPI").is_some_and(|arr| arrays.contains(&arr)))
            };
            if is_given(x, y) || is_given(y, x) {
                Expr::Int(i64::from(*op == "!="))
            } else {
                Expr::Binary(op, rec(x), rec(y))
            }
        }
        Expr::Binary(op, x, y) => Expr::Binary(op, rec(x), rec(y)),
        Expr::Unary(op, x) => Expr::Unary(*op, rec(x)),
        // The test decided: its branch.
        Expr::Cond(c, x, y) => match *rec(c) {
            Expr::Int(k) => given_capi(if k != 0 { x } else { y }, arrays),
            c => Expr::Cond(Box::new(c), rec(x), rec(y)),
        },
        Expr::Call(f, xs) => Expr::Call(
            f.clone(),
            xs.iter().map(|x| given_capi(x, arrays)).collect(),
        ),
        e => e.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_left_out_array_is_never_the_case_here() {
        let e = expr::parse("(y_capi==Py_None?1+offy+(n-1)*abs(incy):-1)").unwrap();
        let given = given_capi(&e, &["Y"]);
        assert!(!mentions_capi(&given));
        assert_eq!(given, Expr::Unary('-', Box::new(Expr::Int(1))));
        let ne = given_capi(&expr::parse("Py_None!=y_capi").unwrap(), &["Y"]);
        assert_eq!(ne, Expr::Int(1));
        // Another name's C-API object stays, and fails later as a name no argument has.
        let other = given_capi(&e, &["X"]);
        assert!(mentions_capi(&other));
    }

    #[test]
    fn user_modules_declare_call_backs_not_routines() {
        let text = "\
python module cb__user__routines
  interface
    function sel(x)
      double precision :: x
      logical :: sel
    end function sel
    subroutine named(s)
      character*(*) :: s
    end subroutine named
  end interface
end python module cb__user__routines
python module m
  interface
    subroutine uses(sel, n)
      use cb__user__routines
      external sel
      integer intent(out) :: n = 0
    end subroutine uses
    subroutine nouse(sel)
      external sel
    end subroutine nouse
    subroutine strcb(named)
      use cb__user__routines
      external named
    end subroutine strcb
    subroutine start(n)
      integer intent(out) :: n = 1
    end subroutine start
  end interface
end python module m
";
        let (routines, skipped) = read(text, "t.pyf");
        let names: Vec<&str> = routines.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["USES"], "{skipped:?}");
        let sel = &routines[0].dummies[0];
        assert_eq!(
            sel.external,
            Some(Some(ProcSig {
                result: Some(FType::Logical { kind: None }),
                args: vec![FType::Real { kind: Some(8) }],
            }))
        );
        let sig = routines[0].pyf.as_ref().unwrap();
        assert_eq!(sig.to_string(), "n = uses(sel)");
        assert_eq!(sig.args[0].callback, sel.external);
        let why: Vec<(&str, &str)> = skipped
            .iter()
            .map(|s| (s.name.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                ("START", "the output n starts at a value other than 0"),
                (
                    "NOUSE",
                    "its call-back sel has no signature (no `use`d `__user__` python module \
                     declares a function or subroutine sel)"
                ),
                (
                    "STRCB",
                    "its call-back named's signature cannot be passed: its argument s is \
                     CHARACTER (a call-back's hidden lengths are not supported)"
                ),
            ]
        );
    }

    #[test]
    fn templates_expand_per_precision() {
        let src = "\
<prefix=s,d,c,z> <ftype=real,double precision,complex,double complex>
<rtype=real,double precision,\\0,\\1>
subroutine <prefix>scal(n,a,x,incx)
  <ftype> :: a
  <ftype> dimension(*), intent(in,out) :: x
  integer :: n, incx
  <rtype> :: r ! <1.0,\\0,(1.0\\,0.0),\\2>
end subroutine <prefix>scal
";
        let out = expand(src, "t.pyf.src").unwrap();
        assert!(out.contains("subroutine sscal(n,a,x,incx)"), "{out}");
        assert!(out.contains("subroutine zscal(n,a,x,incx)"));
        assert!(out.contains("double complex :: a"));
        assert!(out.contains("double precision :: r ! 1.0"), "{out}");
        assert!(out.contains("real :: r ! (1.0,0.0)"), "{out}");
        assert_eq!(out.matches("end subroutine").count(), 4);
        let e = expand("subroutine <p>x()\nend subroutine\n", "t").unwrap_err();
        assert!(e.message.contains("<p> is not defined"), "{e:?}");
    }

    #[test]
    fn scipy_idioms() {
        // Comparisons are not templates; `*uplo` and `side[0]` are the first character;
        // `intent(…) b` without `::` and a second declaration add to the first.
        let src = "\
<prefix=s,d> <ftype=real,double precision>
subroutine <prefix>trsv(uplo,n,a,b,k)
  character optional,intent(in),check(*uplo=='U'||uplo[0]=='L') :: uplo = 'U'
  integer intent(hide),depend(a) :: n = shape(a,0)
  <ftype> dimension(n,n),check(shape(a,0)<=n && n>0) :: a
  <ftype> dimension(n) :: b
  intent(in,out) b
  integer optional,check(k<n) :: k = 0
  integer intent(hide) :: k
end subroutine <prefix>trsv
";
        let text = expand(src, "t.pyf.src").unwrap();
        assert!(text.contains("check(shape(a,0)<=n && n>0)"), "{text}");
        let (rs, skipped) = read(&text, "t.pyf");
        assert!(skipped.is_empty(), "{skipped:?}");
        assert_eq!(rs.len(), 2);
        let sig = Sig::of(&rs[1]);
        assert_eq!(sig.to_string(), "b = dtrsv(a, b, [uplo])", "{:?}", sig.args);
        assert_eq!(sig.args[0].checks.len(), 1);
        assert_eq!(sig.args[3].intent, Intent::InOut);
        assert!(
            matches!(sig.args[4].role, ArgRole::Hidden(_)),
            "{:?}",
            sig.args[4]
        );
    }

    #[test]
    fn declarations_give_the_signature() {
        let src = "\
python module m
interface
subroutine dgesv(n,nrhs,a,lda,ipiv,b,ldb,info)
  threadsafe
  integer depend(a),intent(hide):: n = shape(a,0)
  integer depend(b),intent(hide):: nrhs = shape(b,1)
  double precision dimension(n,n),check(shape(a,0)==shape(a,1)),intent(in,out,copy) :: a
  integer intent(hide),depend(a) :: lda = max(shape(a,0),1)
  integer dimension(n),depend(n),intent(out) :: ipiv
  double precision dimension(ldb,nrhs),intent(in,out,copy,out=x) :: b
  integer intent(hide),depend(b) :: ldb = max(shape(b,0),1)
  check(shape(b,0)==n) :: b
  integer intent(out) :: info
end subroutine dgesv
subroutine zskip(n)
  callstatement (*f2py_func)(&n); n++
  integer :: n
end subroutine zskip
end interface
end python module m
";
        let (rs, skipped) = read(src, "t.pyf");
        assert_eq!(rs.len(), 1, "{skipped:?}");
        assert_eq!(skipped.len(), 1);
        assert!(skipped[0].reason.contains("callstatement"));
        let sig = Sig::of(&rs[0]);
        assert_eq!(
            sig.to_string(),
            "a, ipiv, b = dgesv(a, b)",
            "{:?}",
            sig.args
        );
        let a = &sig.args[2];
        assert_eq!(a.checks.len(), 1);
        assert_eq!(sig.args[5].checks.len(), 1, "the standalone check");
    }

    #[test]
    fn callstatement_shapes() {
        let shape = |c: &str| call_shape(c);
        // Braces, declarations, index shifts before and after.
        let s = shape(
            "{F_INT i;for(i=0;i<n;++piv[i++]);(*f2py_func)(&n,lu,&n,piv,&info);for(i=0;i<n;--piv[i++]);}",
        )
        .unwrap();
        assert_eq!(s.args, "&n,lu,&n,piv,&info");
        assert_eq!(
            (s.before, s.after),
            (vec!["piv".into()], vec!["piv".into()])
        );
        let s = shape("{ hi++; lo++; (*f2py_func)(&n,&lo,&hi,a); }").unwrap();
        assert_eq!(s.before, ["hi", "lo"]);
        let s = shape("{ (*f2py_func)(&n,a,&lo,&hi); hi--; --lo; }").unwrap();
        assert_eq!(s.after, ["hi", "lo"]);
        // Two arrays in one loop, a loop whose bound is computed.
        let s = shape(
            "{F_INT i;(*f2py_func)(&n,a,ipiv,jpiv);for(i=0,n=MIN(m,n);i<n;--ipiv[i],--jpiv[i++]);}",
        )
        .unwrap();
        assert_eq!(s.after, ["ipiv", "jpiv"]);
        // A function's result assigned.
        let s = shape("dlange_return_value = (*f2py_func)(norm,&m,&n,a,&lda,work)").unwrap();
        assert_eq!(s.args, "norm,&m,&n,a,&lda,work");
        // Anything else is refused, saying what.
        let e = shape("{m=len(piv);(*f2py_func)(&n,ab,&i);}").unwrap_err();
        assert!(
            e.contains("runs C code before the call (m=len(piv))"),
            "{e}"
        );
        let e = shape("(*f2py_func)(&n,a); if(clean){a[0]=0;}").unwrap_err();
        assert!(e.contains("runs C code after the call"), "{e}");
        let e = shape("(*f2py_func)(&n,x) - 1").unwrap_err();
        assert!(e.contains("runs C code after the call"), "{e}");
        // A local with a value (?gbsv's LDAB); one whose value is not an expression is C code.
        let s = shape("{F_INT i=2*kl+ku+1;(*f2py_func)(&n,ab,&i,piv);for(i=0;i<n;--piv[i++]);}")
            .unwrap();
        assert_eq!(
            s.locals,
            [("i".to_string(), expr::parse("2*kl+ku+1").unwrap())]
        );
        assert_eq!(s.after, ["piv"]);
        let e = shape("{F_INT i=kl+;(*f2py_func)(&i);}").unwrap_err();
        assert!(e.contains("runs C code before the call"), "{e}");
        // scipy's ?potrf clean-up, real and complex; any other loop is C code.
        let real = "(*f2py_func)(&n,a); if(clean){Py_ssize_t i,j;if(lower){for(i=0;i<n;++i) \
                    for(j=i+1;j<n;++j) *(a+j*n+i)=0.0;} else {for(i=0;i<n;++i) for(j=i+1;j<n;++j) \
                    *(a+i*n+j)=0.0;}}";
        let z = (
            "clean".to_string(),
            "lower".to_string(),
            "a".to_string(),
            true,
        );
        assert_eq!(shape(real).unwrap().zero, Some(z.clone()));
        let complex = "(*f2py_func)(&n,a); if(clean){Py_ssize_t i,j,k;if(lower){for(i=0;i\\<n;++i) \
                       for(j=i+1;j\\<n;++j) {k=j*n+i;(a+k)->r=(a+k)->i=0.0;}} else {for(i=0;i\\<n;++i) \
                       for(j=i+1;j\\<n;++j) {k=i*n+j;(a+k)->r=(a+k)->i=0.0;}}}";
        assert_eq!(shape(complex).unwrap().zero, Some(z));
        let both_upper = real.replace("*(a+i*n+j)", "*(a+j*n+i)");
        assert!(shape(&both_upper).is_err());
        let diagonal = real.replace("j=i+1", "j=i");
        assert!(shape(&diagonal).is_err());
        // Of an input array (the caller's, lent read-only): refused.
        let call = real.replace("(&n,a)", "((lower?\"L\":\"U\"),&n,a,&n,&info)");
        let text = format!(
            "subroutine dpotrf(n,a,info,lower,clean)\n  callstatement {call}\n  \
             integer optional,intent(in) :: lower = 0\n  \
             integer optional,intent(in) :: clean = 1\n  \
             integer depend(a),intent(hide) :: n = shape(a,0)\n  \
             double precision dimension(n,n),intent(in) :: a\n  \
             integer intent(out) :: info\nend subroutine dpotrf\n"
        );
        let (routines, skipped) = read(&text, "t.pyf");
        assert!(routines.is_empty());
        assert!(
            skipped[0]
                .reason
                .contains("zeroes a triangle of a, which is not a matrix the call writes"),
            "{skipped:?}"
        );
        let e = shape("{ n++; }").unwrap_err();
        assert!(e.contains("does not call (*f2py_func)"), "{e}");
    }

    #[test]
    fn lists_are_predefined_and_defined_where_used() {
        // numpy's <prefix> without a definition; a list defined in a header line; an end
        // line naming a list of another length (f2py warns, and so it is read).
        let text = "subroutine <prefix>scal(n)\n  integer :: n\nend subroutine <prefix>scal\n\
                    subroutine <p2=s,d>ger(m)\n  integer :: m\nend subroutine <prefix>ger\n";
        let out = expand(text, "t.pyf.src").unwrap();
        for name in ["sscal", "dscal", "cscal", "zscal", "sger", "dger"] {
            assert!(
                out.contains(&format!("subroutine {name}(")),
                "{name}: {out}"
            );
        }
        assert!(out.contains("end subroutine prefixger"), "{out}");
    }
}
