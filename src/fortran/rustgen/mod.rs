//! `jitffi f2rs -o OUT.rs`: a Rust module of safe wrappers for the routines of
//! [`Signatures`], written from their f2py signatures ([`Sig`]). The module opens the library
//! at run time and calls each routine through a typed handle ([`crate::TypedFunction`]),
//! resolved on its first call; what the module is made of lives in [`super::wrap`].
//!
//! The module has a `Library` with one method per routine, a trait per s/d/c/z family whose
//! members take the same arguments (`Gesv`, implemented for `f32`, `f64`, `Complex32` and
//! `Complex64`, with a generic `Library::gesv::<T>`), and the routine's own documentation on
//! each method.

mod expr;
mod routine;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use super::abi::{Abi, Convention};
use super::model::{Routine, Skipped};
use super::sig::Sig;
use super::{ArgRole, Signatures};
use crate::fortran::call::{info_meaning, show};
use routine::{Wrapper, concrete, wrapper};

/// What to write into a generated module.
#[derive(Clone, Debug, Default)]
pub struct RustOptions {
    /// The library `Library::open_default` opens (a path, a soname or a short name); without
    /// it the module has no `open_default`.
    pub lib: Option<String>,
    /// Where the routines were read from, for the module's header (the command line).
    pub source: String,
    /// Run `rustfmt` over the result (when it is installed; [`Generated::formatted`] says
    /// whether it ran).
    pub rustfmt: bool,
}

/// A generated module.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The Rust source.
    pub code: String,
    /// The routines wrapped, lower case.
    pub wrapped: Vec<String>,
    /// The wrapped routines whose methods are `unsafe`: an array's extents the
    /// documentation does not give in terms of the arguments, or an index no check bounds
    /// ([`Sig::unchecked`](crate::fortran::Sig::unchecked)): the caller vouches for them.
    pub unchecked: Vec<String>,
    /// The routines not wrapped, with the reason.
    pub skipped: Vec<Skipped>,
    /// The generic families (trait names).
    pub families: Vec<String>,
    /// Whether `rustfmt` formatted the code; `Err` says why it did not when asked to.
    pub formatted: Result<bool, String>,
}

/// Names the module defines itself, which neither a method nor a trait may take.
const RESERVED: &[&str] = &[
    "open",
    "open_with",
    "open_default",
    "loaded",
    "Library",
    "Slots",
    "Int",
    "abi",
    "Mat",
    "MatMut",
    "Scalar",
    "Slot",
    "Loaded",
    "Abi",
    "Convention",
    "Complex32",
    "Complex64",
    "FortranError",
    "OpenOptions",
    "Callback",
    "wrap",
    // The prelude's names: a family trait must not shadow them.
    "Box",
    "Clone",
    "Copy",
    "Default",
    "Drop",
    "Eq",
    "Fn",
    "From",
    "Into",
    "Iterator",
    "Option",
    "Ord",
    "Result",
    "Send",
    "Sized",
    "String",
    "Sync",
    "Vec",
];

impl Signatures {
    /// A Rust module of safe wrappers for these routines, for a library built as `abi`:
    /// a `Library` with one method per routine (arrays as slices and [`wrap::Mat`] /
    /// [`wrap::MatMut`] views checked against the extents the routine uses, dimensions taken
    /// from them, `intent(out)` values returned, workspaces queried, `INFO` an error), and a
    /// trait per s/d/c/z family whose members take the same arguments (`Gesv`, with a
    /// generic `Library::gesv::<T>`). Routines that cannot be wrapped are listed in
    /// [`Generated::skipped`] with the reason; the others are documented from their sources.
    ///
    /// [`wrap::Mat`]: super::wrap::Mat
    /// [`wrap::MatMut`]: super::wrap::MatMut
    pub fn rust(&self, abi: &Abi, opts: &RustOptions) -> Generated {
        let mut skipped: Vec<Skipped> = Vec::new();
        let mut wrappers: Vec<(&Routine, Wrapper)> = Vec::new();
        let mut taken: HashSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
        for r in &self.routines {
            match wrapper(r, abi) {
                Ok(w) if taken.contains(&w.method) => skipped.push(Skipped {
                    name: r.name.clone(),
                    loc: r.loc.clone(),
                    reason: format!("its method name '{}' is taken", w.method),
                }),
                Ok(w) => {
                    taken.insert(w.method.clone());
                    wrappers.push((r, w));
                }
                Err(reason) => skipped.push(Skipped {
                    name: r.name.clone(),
                    loc: r.loc.clone(),
                    reason,
                }),
            }
        }
        let families = families(&wrappers, &mut taken);

        let mut out = String::new();
        header(&mut out, abi, opts, wrappers.len(), families.len());
        // The handles.
        out.push_str(
            "/// The routines' typed handles, each resolved on its first call.\n\
             #[derive(Default)]\nstruct Slots {\n",
        );
        for (_, w) in &wrappers {
            let _ = writeln!(out, "    {}: {},", w.method, w.slot);
        }
        out.push_str("}\n\n");
        // The methods.
        out.push_str("impl Library {\n");
        for (_, w) in &wrappers {
            out.push_str(&w.code);
            out.push('\n');
        }
        out.push_str("}\n");
        // The families.
        for f in &families {
            out.push('\n');
            out.push_str(&f.code);
        }
        let mut generated = Generated {
            code: out,
            wrapped: wrappers.iter().map(|(_, w)| w.method.clone()).collect(),
            unchecked: wrappers
                .iter()
                .filter(|(_, w)| !w.safe)
                .map(|(_, w)| w.method.clone())
                .collect(),
            skipped,
            families: families.iter().map(|f| f.name.clone()).collect(),
            formatted: Ok(false),
        };
        if opts.rustfmt {
            match rustfmt(&generated.code) {
                Ok(code) => {
                    generated.code = code;
                    generated.formatted = Ok(true);
                }
                Err(e) => generated.formatted = Err(e),
            }
        }
        generated
    }
}

fn header(out: &mut String, abi: &Abi, opts: &RustOptions, routines: usize, families: usize) {
    let _ = writeln!(
        out,
        "//! Safe wrappers of {routines} Fortran routines ({families} generic families), \
         generated by `jitffi f2rs` {} from {}. Do not edit: regenerate.",
        env!("CARGO_PKG_VERSION"),
        if opts.source.is_empty() {
            "Fortran sources"
        } else {
            &opts.source
        },
    );
    out.push_str(
        "//!\n\
         //! Open the library with [`Library::open`] and call its routines as methods: arrays \
         are slices and column-major matrix views ([`Mat`], [`MatMut`]) whose lengths are \
         checked against the extents each routine uses, dimensions are taken from them, \
         `intent(out)` values are returned, workspaces are queried and allocated, and `INFO` \
         becomes a [`FortranError`].\n\n",
    );
    out.push_str(
        "#![allow(clippy::too_many_arguments, clippy::type_complexity, clippy::possible_missing_comma, clippy::identity_op, clippy::useless_conversion, clippy::manual_unwrap_or)]\n\
         #![allow(dead_code, unused_imports, non_camel_case_types, non_snake_case)]\n\n\
         pub use jitffi::fortran::wrap::{Mat, MatMut, Scalar};\n\
         pub use jitffi::fortran::{Complex32, Complex64, FortranError, OpenOptions};\n\
         use jitffi::fortran::wrap::{self, Loaded, Slot};\n\
         use jitffi::fortran::{Abi, Convention};\n\n",
    );
    let _ = writeln!(
        out,
        "/// The library's default `INTEGER` (and `LOGICAL`): {}.\npub type Int = {};\n",
        if abi.ilp64 { "ILP64" } else { "LP64" },
        if abi.ilp64 { "i64" } else { "i32" }
    );
    let _ = writeln!(
        out,
        "/// How the library the wrappers call was built.\npub fn abi() -> Abi {{\n    Abi {{\n        \
         ilp64: {},\n        convention: Convention::{:?},\n        prefix: {:?}.into(),\n        \
         suffix: {:?}.into(),\n        second_underscore: {},\n    }}\n}}\n",
        abi.ilp64, abi.convention, abi.prefix, abi.suffix, abi.second_underscore
    );
    debug_assert!(matches!(
        abi.convention,
        Convention::Gfortran | Convention::F2c
    ));
    out.push_str(
        "/// The library, opened.\n#[derive(Debug)]\npub struct Library {\n    lib: Loaded,\n    \
         s: Slots,\n    zero_based: bool,\n}\n\n\
         impl std::fmt::Debug for Slots {\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) \
         -> std::fmt::Result {\n        f.write_str(\"Slots\")\n    }\n}\n\n\
         impl Library {\n    \
         /// Opens `name` (a path, a soname, or a short name such as `lapack`), probing its ABI \
         where it is a BLAS and refusing one that is not [`abi`]'s.\n    \
         ///\n    /// # Errors\n    ///\n    /// The library cannot be loaded, or is built for \
         another ABI.\n    ///\n    /// # Safety\n    ///\n    /// Loading runs the library's \
         initialisers; its routines must be the ones these wrappers were generated from.\n    \
         pub unsafe fn open(name: &str) -> Result<Library, FortranError> {\n        \
         // SAFETY: forwarded from this function's contract.\n        \
         unsafe { Library::open_with(name, &OpenOptions::default()) }\n    }\n\n    \
         /// As [`Library::open`], with options (how to load it; an ABI that replaces the probe).\n    \
         ///\n    /// # Errors\n    ///\n    /// As [`Library::open`].\n    ///\n    \
         /// # Safety\n    ///\n    /// As [`Library::open`].\n    \
         pub unsafe fn open_with(name: &str, opts: &OpenOptions) -> Result<Library, FortranError> {\n        \
         // SAFETY: forwarded from this function's contract.\n        \
         let lib = unsafe { Loaded::open(name, opts, abi()) }?;\n        \
         Ok(Library { lib, s: Slots::default(), zero_based: false })\n    }\n\n    \
         /// LU pivot indices (the `IPIV` of `getrf`, `getrs`, `gesv`, …: \"row i was \
         interchanged with row IPIV(i)\") 0-based, as Rust indexes, in what the methods take \
         and return, instead of LAPACK's 1-based ones.\n    \
         pub fn zero_based_pivots(mut self, yes: bool) -> Library {\n        \
         self.zero_based = yes;\n        self\n    }\n\n",
    );
    if let Some(lib) = &opts.lib {
        let _ = writeln!(
            out,
            "    /// Opens `{lib}`, the library these wrappers were generated for.\n    ///\n    \
             /// # Errors\n    ///\n    /// As [`Library::open`].\n    ///\n    /// # Safety\n    \
             ///\n    /// As [`Library::open`].\n    \
             pub unsafe fn open_default() -> Result<Library, FortranError> {{\n        \
             // SAFETY: forwarded from this function's contract.\n        \
             unsafe {{ Library::open({lib:?}) }}\n    }}\n"
        );
    }
    out.push_str(
        "    /// The opened library (its ABI, its `jitffi::Library`).\n    \
         pub fn loaded(&self) -> &Loaded {\n        &self.lib\n    }\n}\n\n",
    );
}

/// The documentation of a routine's method: its brief, its purpose and the documentation
/// of the arguments a caller gives, from the sources; what is computed and returned.
pub(super) fn doc_comment(
    r: &Routine,
    sig: &Sig,
    names: &[String],
    visible: &[bool],
    ret_doc: &[String],
) -> String {
    let mut d = String::new();
    let line = |d: &mut String, s: &str| {
        if s.is_empty() {
            d.push_str("///\n");
        } else {
            let _ = writeln!(d, "/// {s}");
        }
    };
    let brief = r.doc.brief.split_whitespace().collect::<Vec<_>>().join(" ");
    // The file's name, not the machine's path: the module is the same wherever it is made.
    let name = std::path::Path::new(&*r.loc.file).file_name().map_or_else(
        || r.loc.file.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let file = format!("{name}:{}", r.loc.line);
    if brief.is_empty() {
        line(&mut d, &format!("`{}`.", r.name));
    } else {
        line(&mut d, &format!("`{}`: {}", r.name, escape(&brief)));
    }
    line(&mut d, "");
    line(&mut d, &format!("From `{}`.", file.replace('`', "'")));
    if !r.doc.purpose.trim().is_empty() {
        line(&mut d, "");
        line(&mut d, "```text");
        for l in text_lines(&r.doc.purpose) {
            line(&mut d, &l);
        }
        line(&mut d, "```");
    }
    let given: Vec<usize> = (0..sig.args.len()).filter(|&i| visible[i]).collect();
    if !given.is_empty() {
        line(&mut d, "");
        line(&mut d, "# Arguments");
        line(&mut d, "");
        line(&mut d, "```text");
        for &i in &given {
            let a = &sig.args[i];
            let text = r
                .doc
                .params
                .get(&a.name)
                .map(|p| p.text.clone())
                .unwrap_or_default();
            line(&mut d, &format!("{} ({}):", names[i], intent_word(a)));
            for l in text_lines(&text) {
                line(&mut d, &format!("    {l}"));
            }
        }
        line(&mut d, "```");
    }
    let computed: Vec<String> = sig
        .args
        .iter()
        .enumerate()
        .filter_map(|(i, a)| match &a.role {
            _ if visible[i] => None,
            ArgRole::Optional(e) if r.pyf.is_some() => Some(format!(
                "`{}` = `{}` unless given (`Some`)",
                names[i],
                show(e)
            )),
            ArgRole::Optional(e) | ArgRole::Hidden(e) => {
                Some(format!("`{}` = `{}`", names[i], show(e)))
            }
            ArgRole::WorkSize(w) => Some(
                format!("`{}` by a workspace query", names[i].replace('`', ""))
                    + &format!(" (for `{}`)", w.to_ascii_lowercase()),
            ),
            ArgRole::Workspace(_) => Some(format!("`{}` (allocated)", names[i])),
            ArgRole::Info => Some(format!("`{}` (an error when not 0)", names[i])),
            _ => None,
        })
        .collect();
    if !computed.is_empty() {
        line(&mut d, "");
        line(&mut d, &format!("Computed here: {}.", computed.join(", ")));
    }
    if !ret_doc.is_empty() {
        line(&mut d, "");
        line(&mut d, &format!("Returns {}.", ret_doc.join(", ")));
    }
    line(&mut d, "");
    line(&mut d, "# Errors");
    line(&mut d, "");
    line(
        &mut d,
        "An argument too short for the extents the routine uses, or against what its \
         documentation requires; the library has no such symbol.",
    );
    if let Some(info) = sig.args.iter().find(|a| a.role == ArgRole::Info) {
        let meaning = info_meaning(r, &info.name);
        line(
            &mut d,
            &format!(
                "`INFO < 0` is an argument error; `INFO > 0` is [`FortranError::Failed`]{}",
                if meaning.is_empty() {
                    ".".to_string()
                } else {
                    format!(": {}", escape(&meaning))
                }
            ),
        );
    }
    d
}

fn intent_word(a: &super::SigArg) -> &'static str {
    match a.intent {
        super::Intent::In => "in",
        super::Intent::Out => "out",
        super::Intent::InOut => "in,out",
    }
}

/// Text for a ```` ```text ```` block: trailing blanks and fences removed.
fn text_lines(s: &str) -> Vec<String> {
    let mut lines: Vec<String> = s
        .lines()
        .map(|l| l.trim_end().replace("```", "'''"))
        .collect();
    while lines.first().is_some_and(|l| l.is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

/// Markdown-inert prose.
pub(super) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '[' | ']' | '*' | '_' | '#' => {
                o.push('\\');
                o.push(c);
            }
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '`' => o.push('\''),
            c => o.push(c),
        }
    }
    o
}

/// A generic family.
struct Family {
    name: String,
    code: String,
}

/// The s/d/c/z families whose members take the same arguments (a real member's `{S}` is
/// its complex sibling's `{S}` or `{R}`): a trait each, with a generic method.
fn families(wrappers: &[(&Routine, Wrapper)], taken: &mut HashSet<String>) -> Vec<Family> {
    let mut by: BTreeMap<String, Vec<&Wrapper>> = BTreeMap::new();
    for (_, w) in wrappers {
        if !w.safe {
            continue;
        }
        if let Some((f, _)) = &w.family {
            by.entry(f.clone()).or_default().push(w);
        }
    }
    let mut out = Vec::new();
    for (fam, members) in by {
        if members.len() < 2 {
            continue;
        }
        let trait_name = camel(&fam);
        let method = routine::ident(&fam);
        if taken.contains(&trait_name) || taken.contains(&method) {
            continue;
        }
        // Unify: types with the real placeholder folded into the element one.
        let norm = |w: &Wrapper| -> Vec<String> {
            w.params
                .iter()
                .map(|(_, t)| t.replace("{R}", "{S}"))
                .chain([w.ret.replace("{R}", "{S}")])
                .collect()
        };
        let first = norm(members[0]);
        if members.iter().any(|w| norm(w) != first) {
            continue;
        }
        // A complex member spells the types the trait needs; names from the d member.
        let spell = members
            .iter()
            .find(|w| matches!(w.family, Some((_, 'c' | 'z'))))
            .unwrap_or(&members[0]);
        let named = members
            .iter()
            .find(|w| matches!(w.family, Some((_, 'd'))))
            .unwrap_or(&members[0]);
        let names: Vec<String> = named.params.iter().map(|(n, _)| n.clone()).collect();
        let generic = |t: &str| t.replace("{S}", "Self").replace("{R}", "Self::Real");
        let decl: Vec<String> = names
            .iter()
            .zip(&spell.params)
            .map(|(n, (_, t))| format!("{n}: {}", generic(t)))
            .collect();
        let ret = generic(&spell.ret);
        let list: Vec<String> = members
            .iter()
            .map(|w| format!("[`Library::{}`]", w.method))
            .collect();
        let mut code = String::new();
        let _ = writeln!(
            code,
            "/// The `?{fam}` family, generic over its precisions: {}.\npub trait {trait_name}: Scalar {{",
            list.join(", ")
        );
        let _ = writeln!(
            code,
            "    /// Calls the routine of this precision.\n    ///\n    /// # Errors\n    ///\n    \
             /// As the routine's method.\n    fn {method}(lib: &Library, {}) -> Result<{ret}, FortranError>;\n}}\n",
            decl.join(", ")
        );
        for w in &members {
            let letter = w.family.as_ref().map(|f| f.1);
            let ty = concrete("{S}", letter);
            let params: Vec<String> = names
                .iter()
                .zip(&w.params)
                .map(|(n, (_, t))| {
                    let m = if t.starts_with("MatMut") { "mut " } else { "" };
                    format!("{m}{n}: {}", concrete(t, letter))
                })
                .collect();
            let args: Vec<String> = names
                .iter()
                .zip(&w.params)
                .map(|(n, (_, t))| {
                    if t.starts_with("MatMut") {
                        format!("{n}.reborrow()")
                    } else {
                        n.clone()
                    }
                })
                .collect();
            let _ = writeln!(
                code,
                "impl {trait_name} for {ty} {{\n    fn {method}(lib: &Library, {}) -> Result<{}, FortranError> {{\n        \
                 lib.{}({})\n    }}\n}}\n",
                params.join(", "),
                concrete(&w.ret, letter),
                w.method,
                args.join(", ")
            );
        }
        let gparams: Vec<String> = names
            .iter()
            .zip(&spell.params)
            .map(|(n, (_, t))| format!("{n}: {}", t.replace("{S}", "T").replace("{R}", "T::Real")))
            .collect();
        let _ = writeln!(
            code,
            "impl Library {{\n    /// `?{fam}` for any of its precisions ([`{trait_name}`]).\n    ///\n    \
             /// # Errors\n    ///\n    /// As the routine's method.\n    \
             pub fn {method}<T: {trait_name}>(&self, {}) -> Result<{}, FortranError> {{\n        \
             T::{method}(self, {})\n    }}\n}}",
            gparams.join(", "),
            spell.ret.replace("{S}", "T").replace("{R}", "T::Real"),
            names.join(", ")
        );
        taken.insert(trait_name.clone());
        taken.insert(method);
        out.push(Family {
            name: trait_name,
            code,
        });
    }
    out
}

/// `gesv` → `Gesv`, `la_gbamv` → `LaGbamv`.
fn camel(s: &str) -> String {
    s.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Formats `code` with `rustfmt` (edition 2024).
fn rustfmt(code: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("rustfmt: {e} (install it with `rustup component add rustfmt`)"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt: no stdin")?;
    let text = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "rustfmt failed (a bug in f2rs: please report it): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt: {e}"))
}
