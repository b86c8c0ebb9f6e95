//! The cdef preprocessor: comments, line continuations, `#define`/`#undef`, conditionals,
//! `#pragma pack`, and the token fixups lang-c needs.
//!
//! The output has exactly the line structure of the input, and every token keeps its column:
//! removed text (comments, directive lines, inactive `#if` branches, fixed-up tokens) becomes
//! spaces, newlines stay, and trailing blanks are dropped at the end (so comment-only lines are
//! empty). So every line and column lang-c reports points where the user looks. Linemarkers (`# 12 "file.h"`, from `cc -E`)
//! pass through for lang-c.
//!
//! Fixups, for constructs lang-c 0.15 does not parse, recorded in side tables by offset so that
//! `lower` can apply them to the declaration they were in:
//! - `struct __attribute__((packed)) tag { ... }` (attributes between the keyword and the tag);
//! - `_Alignas(...)` in struct members;
//! - `unsigned __int128` / `signed __int128` (lang-c has no `__int128`; the prelude declares it
//!   as a type name and `__jfu128` for the unsigned one, which `lower` maps to the primitives).
#![forbid(unsafe_code)]

use std::collections::HashMap;

use super::expr::{self, Expr, Scope, Val};
use super::{Mode, NestCounter, Nesting};

/// A `#define` seen in the text.
#[derive(Clone, Debug)]
pub(crate) struct MacroDef {
    pub name: String,
    pub body: String,
    /// Offset of the directive line.
    pub offset: usize,
    pub function_like: bool,
}

/// A change to the macro table, in text order.
#[derive(Clone, Debug)]
pub(crate) enum MacroEvent {
    Define(MacroDef),
    Undef { name: String, offset: usize },
}

/// The preprocessed text and what was taken out of it.
#[derive(Debug, Default)]
pub(crate) struct PpOutput {
    pub text: String,
    /// `(offset, pack)`: from `offset` on, `#pragma pack` is `pack` (`None`: default).
    pub pack: Vec<(usize, Option<u64>)>,
    pub macros: Vec<MacroEvent>,
    /// `(offset of the struct/union/enum keyword, attribute list text)`.
    pub keyword_attrs: Vec<(usize, String)>,
    /// `(offset of _Alignas, argument text)`.
    pub alignas: Vec<(usize, String)>,
    /// `(offset, message)`.
    pub errors: Vec<(usize, String)>,
    /// Typedef names (of earlier cdefs) the text uses, for the prelude.
    pub used_typedefs: Vec<String>,
    /// How deep the text nests.
    pub nesting: Nesting,
    /// Set when the nesting exceeds the limits.
    pub nesting_error: Option<(usize, String)>,
}

/// What `#if` needs from outside the text: macros and constants of earlier cdefs.
pub(crate) trait PpContext {
    /// The value of a constant (enumerator or `#define`) declared by an earlier cdef.
    fn constant(&self, name: &str) -> Option<Val>;
    /// True if an earlier cdef defined this macro (with or without a value).
    fn defined(&self, name: &str) -> bool;
    /// True for type names (for casts in `#if`).
    fn is_type(&self, name: &str) -> bool;
    /// Whether plain `char` is signed.
    fn char_signed(&self) -> bool;
}

struct Cond {
    /// This branch is being emitted.
    active: bool,
    /// Some branch of this `#if` chain was taken.
    taken: bool,
    /// The enclosing region is active.
    parent: bool,
    seen_else: bool,
    offset: usize,
}

/// The deepest `#if` nesting accepted.
const MAX_IF_DEPTH: usize = 256;

/// Replaces comments by spaces and backslash-newline by space-newline, keeping length.
fn strip_comments(src: &str) -> Vec<u8> {
    let b = src.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    while i < b.len() {
        // Jump to the next byte that can start a comment or a literal.
        match b[i..]
            .iter()
            .position(|&c| matches!(c, b'/' | b'"' | b'\''))
        {
            Some(p) => i += p,
            None => break,
        }
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = src[i..].find('\n').map_or(b.len(), |p| i + p);
                out[i..end].fill(b' ');
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = src[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
                for c in &mut out[i..end] {
                    if *c != b'\n' {
                        *c = b' ';
                    }
                }
                i = end;
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q && b[i] != b'\n' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Runs the preprocessor over cdef text (`Mode::Cdef`) or `cc -E -dD` output (`Mode::Header`).
pub(crate) fn preprocess(
    src: &str,
    mode: Mode,
    ctx: &dyn PpContext,
    initial_pack: Option<u64>,
) -> PpOutput {
    let mut buf = strip_comments(src);
    let mut out = PpOutput::default();
    if initial_pack.is_some() {
        out.pack.push((0, initial_pack));
    }
    let mut pack = initial_pack;
    let mut pack_stack: Vec<Option<u64>> = Vec::new();
    let mut conds: Vec<Cond> = Vec::new();
    let mut defined: HashMap<String, MacroDef> = HashMap::new();
    let mut undefined: Vec<String> = Vec::new();
    // In header mode, macros of the compiler itself (`<built-in>`, `<command-line>`) are skipped.
    let mut builtin_file = false;

    let mut line_start = 0;
    while line_start < buf.len() {
        let mut line_end = buf[line_start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(buf.len(), |p| line_start + p);
        let active = conds.last().is_none_or(|c| c.active);
        let first = buf[line_start..line_end]
            .iter()
            .position(|c| !c.is_ascii_whitespace());
        let is_directive = first.is_some_and(|p| buf[line_start + p] == b'#');
        if !is_directive {
            if !active {
                blank(&mut buf, line_start, line_end);
            } else if line_end > line_start && buf[line_end - 1] == b'\\' {
                buf[line_end - 1] = b' ';
            }
            line_start = line_end + 1;
            continue;
        }
        // Join continuation lines into one logical directive.
        let mut text = String::new();
        loop {
            let piece = String::from_utf8_lossy(&buf[line_start..line_end]).into_owned();
            if let Some(p) = piece.strip_suffix('\\') {
                text.push_str(p);
                text.push(' ');
                if line_end >= buf.len() {
                    break;
                }
                blank(&mut buf, line_start, line_end);
                line_start = line_end + 1;
                line_end = buf[line_start..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(buf.len(), |p| line_start + p);
            } else {
                text.push_str(&piece);
                break;
            }
        }
        let offset = line_start;
        let body = text.trim_start().trim_start_matches('#').trim_start();
        let (word, rest) = split_word(body);

        // Linemarkers pass through (lang-c reads them for locations).
        if word.chars().next().is_some_and(|c| c.is_ascii_digit()) || word == "line" {
            if mode == Mode::Header {
                builtin_file =
                    rest.contains("\"<built-in>\"") || rest.contains("\"<command-line>\"");
            }
            if !active {
                blank(&mut buf, line_start, line_end);
            }
            line_start = line_end + 1;
            continue;
        }
        blank(&mut buf, line_start, line_end);
        line_start = line_end + 1;

        match word {
            "if" | "ifdef" | "ifndef" => {
                if conds.len() >= MAX_IF_DEPTH {
                    out.errors.push((offset, format!("#if nested deeper than {MAX_IF_DEPTH} levels")));
                    continue;
                }
                let value = if !active {
                    false
                } else if word == "if" {
                    eval_if(rest, &defined, &undefined, ctx).unwrap_or_else(|e| {
                        out.errors.push((offset, format!("#if: {e}")));
                        false
                    })
                } else {
                    let name = rest.split_whitespace().next().unwrap_or("");
                    if name.is_empty() {
                        out.errors.push((offset, format!("#{word} without a macro name")));
                    }
                    let d = is_defined(name, &defined, &undefined, ctx);
                    if word == "ifdef" { d } else { !d }
                };
                conds.push(Cond { active: active && value, taken: value, parent: active, seen_else: false, offset });
            }
            "elif" => match conds.last_mut() {
                None => out.errors.push((offset, "#elif without #if".into())),
                Some(c) if c.seen_else => out.errors.push((offset, "#elif after #else".into())),
                Some(c) => {
                    if c.taken || !c.parent {
                        c.active = false;
                    } else {
                        let parent_ok = c.parent;
                        let v = eval_if(rest, &defined, &undefined, ctx).unwrap_or_else(|e| {
                            out.errors.push((offset, format!("#elif: {e}")));
                            false
                        });
                        let c = conds.last_mut().expect("checked above");
                        c.active = parent_ok && v;
                        c.taken = v;
                    }
                }
            },
            "else" => match conds.last_mut() {
                None => out.errors.push((offset, "#else without #if".into())),
                Some(c) if c.seen_else => out.errors.push((offset, "#else after #else".into())),
                Some(c) => {
                    c.seen_else = true;
                    c.active = c.parent && !c.taken;
                    c.taken = true;
                }
            },
            "endif" => {
                if conds.pop().is_none() {
                    out.errors.push((offset, "#endif without #if".into()));
                }
            }
            _ if !active => {}
            "define" => {
                let (name, after) = split_ident(rest);
                if name.is_empty() {
                    out.errors.push((offset, "#define without a macro name".into()));
                    continue;
                }
                if builtin_file {
                    continue;
                }
                let function_like = after.starts_with('(');
                if function_like && mode == Mode::Cdef {
                    out.errors.push((
                        offset,
                        format!("#define {name}: function-like macros are not supported in cdef text"),
                    ));
                    continue;
                }
                let def = MacroDef { name: name.to_string(), body: after.trim().to_string(), offset, function_like };
                undefined.retain(|n| n != name);
                defined.insert(name.to_string(), def.clone());
                out.macros.push(MacroEvent::Define(def));
            }
            "undef" => {
                let (name, _) = split_ident(rest);
                defined.remove(name);
                undefined.push(name.to_string());
                out.macros.push(MacroEvent::Undef { name: name.to_string(), offset });
            }
            "pragma" => {
                let (what, args) = split_word(rest);
                if what == "pack" {
                    match parse_pack(args, &mut pack, &mut pack_stack) {
                        Ok(()) => out.pack.push((offset, pack)),
                        Err(e) => out.errors.push((offset, e)),
                    }
                }
            }
            "include" | "include_next" | "import" => out.errors.push((
                offset,
                format!(
                    "#{word} is not supported in cdef text (use Ffi::cdef_header to read a real header through the C preprocessor)"
                ),
            )),
            "error" => out.errors.push((offset, format!("#error {}", rest.trim()))),
            "warning" | "ident" | "sccs" | "assert" | "unassert" | "" => {}
            other => out.errors.push((offset, format!("unknown preprocessor directive '#{other}'"))),
        }
    }
    for c in &conds {
        out.errors
            .push((c.offset, "unterminated #if (missing #endif)".into()));
    }
    fixups(&mut buf, &mut out, ctx);
    let buf = compact(buf, &mut out);
    // Only ASCII bytes were replaced by ASCII spaces, so the text is still valid UTF-8.
    out.text = String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    out
}

/// Drops trailing blanks of every line (so comment-only and directive lines become empty)
/// and moves every recorded offset accordingly. Lines and the columns of every token stay what
/// they were; lang-c, which skips blanks one character at a time, gets far less text (cdefs/glpk.h:
/// 46 KB → 16 KB).
fn compact(buf: Vec<u8>, out: &mut PpOutput) -> Vec<u8> {
    // (old line start, new line start, kept length) per line.
    let mut lines: Vec<(usize, usize, usize)> = Vec::new();
    let mut text = Vec::with_capacity(buf.len() / 2);
    let mut start = 0;
    while start <= buf.len() {
        let end = buf[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(buf.len(), |p| start + p);
        let line = &buf[start..end];
        let kept = line
            .iter()
            .rposition(|c| !c.is_ascii_whitespace())
            .map_or(0, |p| p + 1);
        lines.push((start, text.len(), kept));
        text.extend_from_slice(&line[..kept]);
        if end < buf.len() {
            text.push(b'\n');
        }
        start = end + 1;
    }
    let map = |off: usize| -> usize {
        let i = match lines.binary_search_by_key(&off, |l| l.0) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let (old, new, kept) = lines[i];
        new + (off - old).min(kept)
    };
    for p in &mut out.pack {
        p.0 = map(p.0);
    }
    for ev in &mut out.macros {
        match ev {
            MacroEvent::Define(d) => d.offset = map(d.offset),
            MacroEvent::Undef { offset, .. } => *offset = map(*offset),
        }
    }
    for a in &mut out.keyword_attrs {
        a.0 = map(a.0);
    }
    for a in &mut out.alignas {
        a.0 = map(a.0);
    }
    for e in &mut out.errors {
        e.0 = map(e.0);
    }
    if let Some(e) = &mut out.nesting_error {
        e.0 = map(e.0);
    }
    text
}

/// `unsigned __int128`, `signed __int128` and `__int128 unsigned|signed` in a type name (the
/// text of `Ffi::type_of`, which is not preprocessed), rewritten as the preprocessor rewrites
/// them in cdef text: `__jfu128` / `__int128`, the words the prelude declares (lang-c has no
/// `__int128`). Same length, so error columns stay.
pub(crate) fn int128_words(text: &str) -> String {
    let mut buf = text.as_bytes().to_vec();
    let mut i = 0;
    while i < buf.len() {
        if !(buf[i].is_ascii_alphabetic() || buf[i] == b'_') {
            i += 1;
            continue;
        }
        let end = ident_at(&buf, i);
        let j = skip_ws(&buf, end);
        let k = ident_at(&buf, j);
        match (&buf[i..end], &buf[j..k]) {
            (b"unsigned" | b"signed" | b"__signed__" | b"__signed", b"__int128") => {
                let unsigned = buf[i] == b'u';
                blank(&mut buf, i, end);
                if unsigned {
                    buf[j..k].copy_from_slice(b"__jfu128");
                }
                i = k;
            }
            (b"__int128", b"unsigned" | b"__unsigned__") => {
                buf[i..end].copy_from_slice(b"__jfu128");
                blank(&mut buf, j, k);
                i = k;
            }
            (b"__int128", b"signed" | b"__signed__" | b"__signed") => {
                blank(&mut buf, j, k);
                i = k;
            }
            _ => i = end,
        }
    }
    String::from_utf8(buf).unwrap_or_else(|_| text.to_string())
}

fn blank(buf: &mut [u8], from: usize, to: usize) {
    for c in &mut buf[from..to] {
        if *c != b'\n' {
            *c = b' ';
        }
    }
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn split_ident(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    if s.as_bytes().first().is_some_and(|c| c.is_ascii_digit()) {
        return ("", s);
    }
    (&s[..end], &s[end..])
}

fn parse_pack(
    args: &str,
    pack: &mut Option<u64>,
    stack: &mut Vec<Option<u64>>,
) -> Result<(), String> {
    let inner = args
        .trim()
        .strip_prefix('(')
        .and_then(|a| a.trim_end().strip_suffix(')'));
    let inner = inner.ok_or_else(|| {
        format!("malformed '#pragma pack{args}' (expected pack(N), pack(push, N) or pack(pop))")
    })?;
    let parts: Vec<&str> = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let value = |s: &str| -> Result<Option<u64>, String> {
        let n: u64 = s
            .parse()
            .map_err(|_| format!("#pragma pack: '{s}' is not a number"))?;
        match n {
            0 => Ok(None),
            1 | 2 | 4 | 8 | 16 => Ok(Some(n)),
            _ => Err(format!(
                "#pragma pack: alignment must be 1, 2, 4, 8 or 16, not {n}"
            )),
        }
    };
    match parts.as_slice() {
        [] => *pack = None,
        ["push"] => stack.push(*pack),
        ["push", rest @ ..] => {
            stack.push(*pack);
            if let Some(n) = rest.iter().rev().find(|p| p.as_bytes()[0].is_ascii_digit()) {
                *pack = value(n)?;
            }
        }
        ["pop", ..] => {
            *pack = stack
                .pop()
                .ok_or("#pragma pack(pop) without a matching push")?;
        }
        [n] => *pack = value(n)?,
        _ => return Err(format!("malformed '#pragma pack({inner})'")),
    }
    Ok(())
}

fn is_defined(
    name: &str,
    defined: &HashMap<String, MacroDef>,
    undefined: &[String],
    ctx: &dyn PpContext,
) -> bool {
    defined.contains_key(name) || (!undefined.iter().any(|n| n == name) && ctx.defined(name))
}

struct IfScope<'a> {
    defined: &'a HashMap<String, MacroDef>,
    undefined: &'a [String],
    ctx: &'a dyn PpContext,
    expanding: Vec<String>,
    /// Values of the macros evaluated for this condition (macros defined in terms of each
    /// other would otherwise cost time exponential in their depth).
    memo: HashMap<String, Val>,
}

impl Scope for IfScope<'_> {
    fn lookup(&mut self, name: &str, depth: u32) -> Result<Option<Val>, String> {
        if let Some(def) = self.defined.get(name) {
            if self.expanding.iter().any(|n| n == name) {
                return Ok(None);
            }
            if let Some(v) = self.memo.get(name) {
                return Ok(Some(v.clone()));
            }
            if def.body.is_empty() {
                return Err(format!("macro '{name}' has no value"));
            }
            let ctx = self.ctx;
            let e = expr::parse_pp_expr(&def.body, &|n| ctx.is_type(n), true, ctx.char_signed())?;
            self.expanding.push(name.to_string());
            let v = expr::eval(&e, self, depth);
            self.expanding.pop();
            let v = v?;
            self.memo.insert(name.to_string(), v.clone());
            return Ok(Some(v));
        }
        if self.undefined.iter().any(|n| n == name) {
            return Ok(None);
        }
        Ok(self.ctx.constant(name))
    }
    fn in_directive(&self) -> bool {
        true
    }
    fn is_defined(&mut self, name: &str) -> bool {
        is_defined(name, self.defined, self.undefined, self.ctx)
    }
    fn layout(&mut self, _: &expr::TypeRef) -> Result<(u64, u64), String> {
        Err("sizeof is not allowed in #if".into())
    }
    fn offsetof(&mut self, _: &expr::TypeRef, _: &str) -> Result<u64, String> {
        Err("offsetof is not allowed in #if".into())
    }
    fn cast_target(&mut self, _: &expr::TypeRef) -> Result<expr::CastTarget, String> {
        Err("casts are not allowed in #if".into())
    }
    fn char_signed(&self) -> bool {
        self.ctx.char_signed()
    }
}

fn eval_if(
    text: &str,
    defined: &HashMap<String, MacroDef>,
    undefined: &[String],
    ctx: &dyn PpContext,
) -> Result<bool, String> {
    let e: Expr = expr::parse_pp_expr(text, &|_| false, true, ctx.char_signed())?;
    let mut scope = IfScope {
        defined,
        undefined,
        ctx,
        expanding: Vec::new(),
        memo: HashMap::new(),
    };
    match expr::eval(&e, &mut scope, 0)? {
        Val::Int(v, _) => Ok(v != 0),
        Val::Float(..) => Err("floating constant in preprocessor expression".into()),
        Val::Str(_) => Err("string literal in preprocessor expression".into()),
        Val::Ptr(..) => Err("pointer in preprocessor expression".into()),
    }
}

// -- Token fixups --

fn ident_at(buf: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < buf.len() && (buf[j].is_ascii_alphanumeric() || buf[j] == b'_') {
        j += 1;
    }
    j
}

fn skip_ws(buf: &[u8], mut i: usize) -> usize {
    while i < buf.len() && buf[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The index just past the parenthesised group starting at `open` (which holds `(`).
fn paren_group(buf: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < buf.len() {
        match buf[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < buf.len() && buf[i] != q {
                    if buf[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// One pass over the active text: the lang-c fixups, the typedef names the text uses (for the
/// prelude), and how deep it nests (checked against the limits before lang-c recurses).
fn fixups(buf: &mut [u8], out: &mut PpOutput, ctx: &dyn PpContext) {
    let mut seen_types: rustc_hash::FxHashSet<Vec<u8>> = rustc_hash::FxHashSet::default();
    let mut nest = NestCounter::default();
    let mut i = 0;
    let mut at_line_start = true;
    while i < buf.len() {
        let c = buf[i];
        if c == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if c == b' ' || c.is_ascii_whitespace() {
            i += 1;
            while i < buf.len() && buf[i] == b' ' {
                i += 1;
            }
            continue;
        }
        if c == b'#' && at_line_start {
            // A linemarker: skip the line.
            i = buf[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(buf.len(), |p| i + p);
            continue;
        }
        at_line_start = false;
        if !(c.is_ascii_alphanumeric() || c == b'_' || c == b'"' || c == b'\'') {
            nest.punct(c, i);
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' {
            i += 1;
            while i < buf.len() && buf[i] != c && buf[i] != b'\n' {
                if buf[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            // A number (with its suffix): not identifiers.
            while i < buf.len()
                && (buf[i].is_ascii_alphanumeric() || buf[i] == b'_' || buf[i] == b'.')
            {
                i += 1;
            }
            continue;
        }
        if !(c.is_ascii_alphabetic() || c == b'_') {
            i += 1;
            continue;
        }
        let end = ident_at(buf, i);
        nest.word(&buf[i..end], i);
        match &buf[i..end] {
            b"struct" | b"union" | b"enum" => {
                let kw = i;
                let mut j = skip_ws(buf, end);
                loop {
                    let a_end = ident_at(buf, j);
                    let word = &buf[j..a_end];
                    if word != b"__attribute__" && word != b"__attribute" {
                        break;
                    }
                    let open = skip_ws(buf, a_end);
                    let Some(close) = (buf.get(open) == Some(&b'('))
                        .then(|| paren_group(buf, open))
                        .flatten()
                    else {
                        break;
                    };
                    // The text between the outer parentheses: `(packed, aligned(4))`.
                    let inner = String::from_utf8_lossy(&buf[open + 1..close - 1]).into_owned();
                    let inner = inner
                        .trim()
                        .strip_prefix('(')
                        .and_then(|s| s.strip_suffix(')'))
                        .unwrap_or(&inner)
                        .to_string();
                    out.keyword_attrs.push((kw, inner));
                    blank(buf, j, close);
                    j = skip_ws(buf, close);
                }
                i = end;
            }
            b"_Alignas" | b"alignas" => {
                let open = skip_ws(buf, end);
                if buf.get(open) == Some(&b'(')
                    && let Some(close) = paren_group(buf, open)
                {
                    let arg = String::from_utf8_lossy(&buf[open + 1..close - 1]).into_owned();
                    out.alignas.push((i, arg));
                    blank(buf, i, close);
                    i = close;
                    continue;
                }
                i = end;
            }
            b"unsigned" | b"signed" | b"__signed__" | b"__signed" => {
                let unsigned = buf[i] == b'u';
                let j = skip_ws(buf, end);
                let k = ident_at(buf, j);
                if &buf[j..k] == b"__int128" {
                    blank(buf, i, end);
                    if unsigned {
                        buf[j..k].copy_from_slice(b"__jfu128");
                    }
                    i = k;
                } else {
                    i = end;
                }
            }
            b"__thread" => {
                // GCC's thread-local storage class. lang-c reserves the word but parses only
                // C11's `_Thread_local`, which `lower` treats like `extern` (a symbol lookup
                // finds the calling thread's instance): the same without the word.
                blank(buf, i, end);
                i = end;
            }
            b"_Restrict_arr_" => {
                // glibc's macro for `restrict` in array parameters (`char *s[_Restrict_arr_ n]`),
                // which `cc -E` expands; in cdef text it stands for the keyword.
                buf[i..end].copy_from_slice(b"__restrict    ");
                i = end;
            }
            b"__int128" => {
                // `__int128 unsigned` (specifiers in any order).
                let j = skip_ws(buf, end);
                let k = ident_at(buf, j);
                match &buf[j..k] {
                    b"unsigned" | b"__unsigned__" => {
                        buf[i..end].copy_from_slice(b"__jfu128");
                        blank(buf, j, k);
                        i = k;
                    }
                    b"signed" | b"__signed__" | b"__signed" => {
                        blank(buf, j, k);
                        i = k;
                    }
                    _ => i = end,
                }
            }
            word => {
                if !seen_types.contains(word) {
                    if let Ok(w) = std::str::from_utf8(word)
                        && ctx.is_type(w)
                    {
                        out.used_typedefs.push(w.to_string());
                    }
                    seen_types.insert(word.to_vec());
                }
                i = end;
            }
        }
    }
    out.nesting = nest.seen;
    out.nesting_error = nest.error;
}
