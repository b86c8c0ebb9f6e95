//! cdef: C declarations as text → lang-c AST → the type table.
//!
//! The stages of one [`run`]:
//! 1. `pp` preprocesses the text (comments, `#define`, `#if`, `#pragma pack`, lang-c fixups),
//!    keeping every byte where it was;
//! 2. a prelude declares every typedef name the table already knows (`typedef int NAME;`, which
//!    lang-c needs to tell type names from identifiers) followed by a `# 1 "<cdef>"` linemarker so
//!    positions still point into the user's text;
//! 3. lang-c parses, on a thread with a large stack after a nesting-depth check, so no input can
//!    overflow the stack; a syntax error is reported and the failing declaration blanked out so
//!    parsing resumes and finds the next error;
//! 4. `lower` walks the AST into the table, collecting every error;
//! 5. on any error the caller's transaction (`Context::transaction`) rolls the table back:
//!    `cdef` is transactional.
#![forbid(unsafe_code)]

mod expr;
pub(crate) mod lex;
mod lower;
mod nesting;
mod pp;
mod pp_expr;
mod recover;
pub(crate) mod skip;
mod source_map;

use nesting::check_nesting;
pub(crate) use nesting::{NestCounter, Nesting};
use recover::{SyntaxError, blank_range, classify_syntax_error, recovery_span, token_at};
use source_map::finish;

use std::fmt;

use lang_c::ast::{Declaration, ExternalDeclaration};
use lang_c::driver::{Config, Flavor, parse_preprocessed};

use crate::ctype::{self, ConstValue, TypeId, TypeTable};
use crate::layout::Target;

/// Options for [`crate::Ffi::cdef_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CdefOptions {
    /// Replace conflicting earlier definitions (of structs, typedefs, functions, constants)
    /// instead of reporting them. Identical redefinitions are always accepted.
    pub allow_redefinition: bool,
    /// The `#pragma pack` value in effect at the start of the text (`None`: natural alignment).
    pub pack: Option<u64>,
}

/// One problem found in a cdef, located in the user's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// `<cdef>` for cdef text, `<type>` for a type name, else the header file name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (in characters).
    pub column: u32,
    /// The message: the declaration, what is wrong, and the culprit in C syntax.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every problem of one `cdef` call. The type table was left unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CdefError {
    /// The problems, in text order.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for CdefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CdefError {}

/// What kind of text is being declared.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Hand-written cdef text: strict, every problem is an error.
    Cdef,
    /// The output of `cc -E -dD` on a real header: non-constant macros, static inline functions
    /// and static variables are skipped silently.
    Header,
}

/// The largest cdef text accepted.
pub const MAX_INPUT_BYTES: usize = 64 << 20;
/// The deepest nesting of `(`, `[` and `{` accepted.
pub const MAX_NESTING: usize = 256;
/// The deepest nesting of parentheses accepted. lang-c's parser backtracks through the
/// alternatives of every `(` in a declarator or attribute (parameter list, abstract declarator,
/// cast, expression), which takes time exponential in the depth: about 1.6× per level on
/// malformed declarators, 4 ms at 16 levels and seconds past 28 (`tests/fuzz_cdef/` found it).
/// Real headers nest at most 4 (the 150 headers of `/usr/include` on Debian 12, after `cc -E`).
pub const MAX_PAREN_NESTING: usize = 16;
/// The most tokens that make the parser recurse (unary-capable operators, `sizeof` and
/// `_Alignof`, opening brackets, which covers casts and array dimensions) accepted in one
/// declaration or expression, i.e. between `;`, `,`, `{` and `}`.
pub const MAX_LINKS: usize = 1000;
/// The most `+` and `-` characters accepted in a row. lang-c's parser tries `++`/`--` and
/// `+`/`-` at each, which takes time exponential in the run: 1.6× per character, 90 ms at 28
/// and hours at 280 (the cdef fuzzer's million-input run found it). Real code has at most 3
/// (`a---b`); spaces between them cost nothing.
pub const MAX_SIGN_RUN: usize = 16;
/// The most syntax errors reported (and recovered from) in one call.
const MAX_SYNTAX_ERRORS: usize = 50;
/// Stack for parsing deep input: lang-c's parser recurses per nesting level (a debug build
/// needs about 16 KiB per level of parentheses).
const PARSE_STACK: usize = 64 << 20;
/// Input at most this deep is parsed on the caller's stack when [`SHALLOW_RED_ZONE`] is free.
const SHALLOW_NESTING: usize = 24;
const SHALLOW_LINKS: usize = 48;
const SHALLOW_RED_ZONE: usize = 1 << 20;
/// Stack a whole cdef run needs besides the lang-c parse of deep input (debug builds).
const RUN_RED_ZONE: usize = 4 << 20;

/// Declares `src` into `table`. On error, `table` may be partly modified: callers run this in a
/// transaction ([`TypeTable::rollback`] on error). A panic inside (a bug) becomes an error too.
pub(crate) fn run(
    table: &mut TypeTable,
    target: &Target,
    src: &str,
    opts: &CdefOptions,
    mode: Mode,
    file: &str,
) -> Result<(), CdefError> {
    guarded(file, || run_inner(table, target, src, opts, mode, file))
}

/// Runs a whole cdef run `f` with stack to spare (the preprocessor's expression parser and the
/// lowering recurse too, bounded by `expr::MAX_DEPTH` and `MAX_NESTING`), a panic in it
/// reported as an internal error.
fn guarded<T>(file: &str, f: impl FnOnce() -> Result<T, CdefError>) -> Result<T, CdefError> {
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        stacker::maybe_grow(RUN_RED_ZONE, PARSE_STACK, f)
    }));
    res.unwrap_or_else(|_| Err(internal_error(file)))
}

/// `what` (`cdef text`, `header text`) over the size limit, as the run's error.
fn too_large(src: &str, what: &str, file: &str) -> Option<CdefError> {
    (src.len() > MAX_INPUT_BYTES).then(|| CdefError {
        diagnostics: vec![Diagnostic {
            file: file.into(),
            line: 1,
            column: 1,
            message: format!(
                "{what} is {} bytes, more than the limit of {MAX_INPUT_BYTES}",
                src.len()
            ),
        }],
    })
}

/// The error of a text nested too deeply to parse: `diags` (relative to the preprocessed
/// text) located in it.
fn nesting_failure(pp_out: &pp::PpOutput, file: &str, diags: Vec<(usize, String)>) -> CdefError {
    let source = prelude(pp_out.used_typedefs.iter().map(String::as_str), file) + &pp_out.text;
    let base = source.len() - pp_out.text.len();
    finish(&source, file, base, diags)
}

fn internal_error(file: &str) -> CdefError {
    CdefError {
        diagnostics: vec![Diagnostic {
            file: file.into(),
            line: 1,
            column: 1,
            message: "internal error: the cdef parser panicked (please report this input)".into(),
        }],
    }
}

/// Runs `f` on a stack big enough for input nested `depth` deep: lang-c's parser recurses per
/// nesting level. Shallow input runs on the caller's stack when enough of it is left.
fn with_stack<R>(depth: Nesting, f: impl FnOnce() -> R) -> R {
    if depth.brackets > SHALLOW_NESTING || depth.links > SHALLOW_LINKS {
        stacker::grow(PARSE_STACK, f)
    } else {
        stacker::maybe_grow(SHALLOW_RED_ZONE, PARSE_STACK, f)
    }
}

struct TablePp<'a> {
    t: &'a TypeTable,
    target: &'a Target,
}

impl pp::PpContext for TablePp<'_> {
    fn constant(&self, name: &str) -> Option<expr::Val> {
        self.t.constant(name).map(|c| match &c.value {
            ConstValue::Int { value, ty } => expr::Val::Int(*value, *ty),
            ConstValue::Float { value, ty } => expr::Val::Float(*value, *ty),
            ConstValue::Str(s) => expr::Val::Str(s.clone()),
            ConstValue::Pointer { value, ty } => expr::Val::Ptr(*value, *ty),
        })
    }
    fn defined(&self, name: &str) -> bool {
        self.t.constant(name).is_some_and(|c| c.enum_type.is_none())
            || self.t.macro_flags.get(name).is_some()
    }
    fn is_type(&self, name: &str) -> bool {
        self.t.typedef(name).is_some()
    }
    fn char_signed(&self) -> bool {
        self.target.char_signed
    }
}

/// `typedef int NAME;` for every known typedef name the text uses (lang-c must know which
/// identifiers are type names), then a linemarker that restarts line numbering for the user's
/// text. Only names that occur in the text are declared: parsing the prelude is lang-c work
/// paid on every call.
fn prelude<'a>(names: impl Iterator<Item = &'a str>, file: &str) -> String {
    let mut p = String::from("typedef int __int128; typedef int __jfu128;\n");
    for name in names {
        if name != "__builtin_va_list" {
            p.push_str("typedef int ");
            p.push_str(name);
            p.push_str(";\n");
        }
    }
    p.push_str(&format!("# 1 \"{file}\"\n"));
    p
}

/// The known typedef names among the identifiers of `text`.
fn typedefs_used<'a>(table: &TypeTable, text: &'a str) -> Vec<&'a str> {
    let mut seen = rustc_hash::FxHashSet::default();
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| {
            !w.is_empty()
                && !w.as_bytes()[0].is_ascii_digit()
                && table.typedef(w).is_some()
                && seen.insert(*w)
        })
        .collect()
}

fn lang_c_config() -> Config {
    Config {
        flavor: Flavor::GnuC11,
        ..Config::default()
    }
}

fn run_inner(
    table: &mut TypeTable,
    target: &Target,
    src: &str,
    opts: &CdefOptions,
    mode: Mode,
    file: &str,
) -> Result<(), CdefError> {
    if let Some(e) = too_large(src, "cdef text", file) {
        return Err(e);
    }
    let pp_out = pp::preprocess(src, mode, &TablePp { t: table, target }, opts.pack);
    // Offsets below are relative to the preprocessed text until `finish` adds the prelude.
    let mut diags: Vec<(usize, String)> = pp_out.errors.clone();
    if let Some(err) = &pp_out.nesting_error {
        diags.push(err.clone());
        return Err(nesting_failure(&pp_out, file, diags));
    }
    let (source, base) = with_stack(pp_out.nesting, || {
        parse_and_lower(table, target, opts, mode, file, &pp_out, &mut diags)
    });
    diags.retain(|(_, m)| !m.is_empty());
    if diags.is_empty() {
        return Ok(());
    }
    Err(finish(&source, file, base, diags))
}

/// Parses the preprocessed text and lowers it into `table`, recovering from syntax errors:
/// an unknown type name is declared as a placeholder type name and the text parsed again (so
/// the declaration is still checked and each use reported by `lower`); any other syntax error
/// is reported and its declaration blanked out. Returns the source that was parsed last and the
/// length of its prelude.
fn parse_and_lower(
    table: &mut TypeTable,
    target: &Target,
    opts: &CdefOptions,
    mode: Mode,
    file: &str,
    pp_out: &pp::PpOutput,
    diags: &mut Vec<(usize, String)>,
) -> (String, usize) {
    let mut text = pp_out.text.clone();
    let mut assumed: Vec<String> = Vec::new();
    // Where each assumed name was met, in the preprocessed text.
    let mut assumed_at: Vec<usize> = Vec::new();
    let mut n_syntax = 0;
    loop {
        let names = pp_out
            .used_typedefs
            .iter()
            .chain(&assumed)
            .map(String::as_str);
        let source = prelude(names, file) + &text;
        let base = source.len() - text.len();
        let err = match parse_preprocessed(&lang_c_config(), source.clone()) {
            Ok(p) => {
                let mut lw = lower::Lowerer::new(table, target, opts, mode, base, pp_out);
                lw.unit(&p.unit);
                lw.finish_macros();
                diags.extend(
                    lw.diags
                        .into_iter()
                        .map(|(o, m)| (o.saturating_sub(base), m)),
                );
                if mode == Mode::Header {
                    record_fn_macros(table, pp_out, &source, base, file);
                }
                return (source, base);
            }
            Err(e) => e,
        };
        n_syntax += 1;
        if n_syntax >= MAX_SYNTAX_ERRORS {
            return (source, base);
        }
        if err.offset < base
            && let Some((name, at)) = assumed.pop().zip(assumed_at.pop())
        {
            // The prelude itself no longer parses: the word taken for an unknown type name
            // cannot be one (a keyword lang-c reserves but does not parse). Report it there.
            diags.push((at, format!("'{name}' is not supported here")));
            match recovery_span(&text, at, 0) {
                Some((from, to)) => blank_range(&mut text, from, to),
                None => return (source, base),
            }
            continue;
        }
        let off = err.offset.saturating_sub(base);
        match classify_syntax_error(&source, err.offset, &err.expected, table, &assumed) {
            SyntaxError::UnknownType(name) => {
                assumed.push(name);
                assumed_at.push(off);
            }
            SyntaxError::Other(message) => {
                diags.push((off, message));
                match recovery_span(&text, off, 0) {
                    Some((from, to)) => blank_range(&mut text, from, to),
                    None => return (source, base),
                }
            }
        }
    }
}

/// Records the function-like macros of a header (`cc -E -dD` output) with their location.
fn record_fn_macros(
    table: &mut TypeTable,
    pp_out: &pp::PpOutput,
    source: &str,
    base: usize,
    file: &str,
) {
    let mut map = None;
    for ev in &pp_out.macros {
        let pp::MacroEvent::Define(d) = ev else {
            continue;
        };
        if !d.function_like {
            continue;
        }
        let Some(close) = d.body.find(')') else {
            continue;
        };
        let map = map.get_or_insert_with(|| source_map::SourceMap::new(source, file));
        let (f, line, _) = map.locate(d.offset + base);
        table.fn_macros.insert(
            d.name.clone(),
            ctype::FnMacro {
                params: d.body[..=close].to_string(),
                body: d.body[close + 1..].trim().to_string(),
                location: format!("{f}:{line}"),
            },
        );
    }
}

/// Resolves a type name such as `struct point *` or `int (*)(int)` in the table (adding the
/// derived types it needs).
pub(crate) fn parse_type_name(
    table: &mut TypeTable,
    target: &Target,
    text: &str,
) -> Result<TypeId, CdefError> {
    let opts = CdefOptions::default();
    let pp_out = pp::PpOutput::default();
    let error = |message: String| CdefError {
        diagnostics: vec![Diagnostic {
            file: "<type>".into(),
            line: 1,
            column: 1,
            message,
        }],
    };
    let depth = check_nesting(text, 0).map_err(|(_, m)| error(m))?;
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        with_stack(depth, || {
            let mut lw = lower::Lowerer::new(table, target, &opts, Mode::Cdef, 0, &pp_out);
            parse_type_name_with(&mut lw, text)
        })
    }));
    match res {
        Ok(r) => r.map_err(error),
        Err(_) => Err(internal_error("<type>")),
    }
}

/// Parses `text` as a type name through lang-c (`int x = sizeof(TEXT);`) and lowers it.
///
/// `sizeof`, not `__typeof__`: lang-c 0.15 tries an expression first inside `__typeof__(…)`
/// and then fails on a typedef name followed by a declarator (`int32_t *`,
/// `int32_t (*)(int)`), while its `sizeof` rule reads those as type names.
fn parse_type_name_with(lw: &mut lower::Lowerer<'_>, text: &str) -> Result<TypeId, String> {
    use lang_c::ast::{Expression, Initializer};
    if text.contains(';') || text.contains('{') && !text.contains('}') {
        return Err(format!("'{text}' is not a type name"));
    }
    if let Err((_, m)) = check_nesting(text, 0) {
        return Err(m);
    }
    let pre = prelude(typedefs_used(lw.t, text).into_iter(), "<type>");
    let mut src = pre;
    src.push_str("int __jitffi_type_of = sizeof(\n# 1 \"<type>\"\n");
    let text_at = src.len();
    // What the preprocessor does to `unsigned __int128` in cdef text (type names skip it).
    src.push_str(&pp::int128_words(text));
    src.push_str("\n);\n");
    let unit = match parse_preprocessed(&lang_c_config(), src.clone()) {
        Ok(p) => p.unit,
        Err(e) => {
            let col = e.offset.saturating_sub(text_at) + 1;
            let near = token_at(&src, e.offset);
            return Err(if e.offset >= text_at + text.len() {
                format!("'{text}' is not a complete type name")
            } else {
                format!("column {col}: syntax error near '{near}' in type name '{text}'")
            });
        }
    };
    let decl: Option<&Declaration> = unit.0.iter().rev().find_map(|e| match &e.node {
        ExternalDeclaration::Declaration(d) if d.span.start >= text_at.saturating_sub(60) => {
            Some(&d.node)
        }
        _ => None,
    });
    let tn = decl
        .and_then(|d| d.declarators.first())
        .and_then(|d| d.node.initializer.as_ref())
        .and_then(|i| match &i.node {
            Initializer::Expression(e) => match &e.node {
                Expression::SizeOfTy(s) => Some(s.node.0.clone()),
                _ => None,
            },
            Initializer::List(_) => None,
        });
    let tn = tn.ok_or_else(|| format!("'{text}' is not a type name"))?;
    lw.type_name(&tn).map_err(|(_, m)| m)
}

#[cfg(test)]
mod tests {
    use crate::Ffi;

    #[test]
    fn type_names_starting_with_a_typedef_name_parse() {
        // lang-c's `__typeof__(…)` reads these as expressions and fails; `sizeof` does not.
        let ffi = Ffi::new();
        for (text, shown) in [
            ("int32_t *", "int32_t *"),
            ("int32_t (*)(int32_t)", "int32_t (*)(int32_t)"),
            ("size_t[4]", "size_t[4]"),
            ("int (*)(int32_t)", "int (*)(int32_t)"),
            ("int (int)", "int (int)"),
        ] {
            assert_eq!(ffi.type_of(text).unwrap().to_string(), shown, "{text}");
        }
        for (text, message) in [
            ("foo", "'foo' is not a type name"),
            (
                "int x",
                "column 5: syntax error near 'x' in type name 'int x'",
            ),
        ] {
            let e = ffi.cx.resolve(text).unwrap_err();
            assert_eq!(e.diagnostics[0].message, message, "{text}");
        }
    }

    #[test]
    fn int128_words_in_type_names_are_the_types_cdef_makes() {
        // A type name is not preprocessed: `unsigned __int128` in a parameter list was read as
        // an `unsigned int` parameter named `__int128`, a type other than the one cdef makes
        // for the same declaration (a callback of it could not be passed to a function
        // declared with it; found by the wide random corpus of callbacks).
        let ffi = Ffi::new();
        ffi.cdef("double drv(double (*cb)(unsigned __int128, __int128, int));")
            .unwrap();
        let declared = {
            let t = ffi.types();
            let f = t.function("drv").unwrap().ty;
            t.as_func(f).unwrap().params[0]
        };
        for text in [
            "double (*)(unsigned __int128, __int128, int)",
            "double (*)(__int128 unsigned, signed __int128, int)",
            "double (*)(unsigned  __int128, __int128 signed, int)",
        ] {
            assert_eq!(ffi.type_of(text).unwrap().id(), declared, "{text}");
        }
        assert_eq!(
            ffi.type_of("unsigned __int128 *").unwrap().to_string(),
            "unsigned __int128 *"
        );
    }

    #[test]
    fn gnu_keywords_lang_c_reserves_but_does_not_parse() {
        // `__thread` is GCC's `_Thread_local`: the variable is declared.
        let ffi = Ffi::new();
        ffi.cdef("extern __thread int last_error;\nint after(void);")
            .unwrap();
        let t = ffi.types();
        assert!(t.global("last_error").is_some() && t.function("after").is_some());
        // Others are reported at their declaration (not taken for type names, which would
        // break the parser's prelude), and the rest of the text is still checked.
        let Err(crate::Error::Cdef(e)) = ffi.cdef("int a;\nint f(__null x);\nint g(nope_t x);")
        else {
            panic!("a cdef error expected");
        };
        let shown: Vec<String> = e.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            shown,
            [
                "<cdef>:2:13: '__null' is not supported here",
                "<cdef>:3:7: g: parameter 1: unknown type name 'nope_t'",
            ]
        );
    }
}
