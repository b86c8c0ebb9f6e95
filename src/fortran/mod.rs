//! Fortran routines through jitffi: read Fortran sources, derive each routine's C-ABI
//! prototype, and declare them in a cdef (numpy's f2py and f2pypy are the models).
//!
//! - [`Sources`] names the files (`.f` fixed form, `.f90` free form, directories of them);
//!   [`read`] finds every `SUBROUTINE` and `FUNCTION` with its dummies' types, kinds, shapes
//!   and intents (declared `INTENT`, or the doxygen `\param[in,out]` lines Reference LAPACK
//!   documents every argument with), and lists what it cannot wrap with the reason
//!   ([`Skipped`]): assumed-shape, allocatable, pointer and derived-type dummies, alternate
//!   returns, `ENTRY`.
//! - [`Abi`] says how a library was compiled (gfortran or f2c result convention, LP64 or
//!   ILP64, symbol prefix and suffix); [`Signatures::cdef`] writes the C prototypes, hidden
//!   `CHARACTER` lengths included, for [`Ffi::cdef`](crate::Ffi::cdef).
//! - `jitffi f2rs SOURCES… --cdef OUT.h` does the same from the command line.
//!
//! # Examples
//!
//! ```
//! use jitffi::fortran::{Abi, Form, Signatures};
//!
//! let sigs = Signatures::from_text(
//!     "      SUBROUTINE DAXPY(N, DA, DX, INCX, DY, INCY)
//!       INTEGER N, INCX, INCY
//!       DOUBLE PRECISION DA, DX(*), DY(*)
//!       END
//! ",
//!     Form::Fixed,
//!     "daxpy.f",
//! )?;
//! let (cdef, skipped) = sigs.cdef(&Abi::default());
//! assert!(skipped.is_empty());
//! assert!(cdef.contains(
//!     "void daxpy_(int32_t *n, double *da, double *dx, int32_t *incx, double *dy, int32_t *incy);"
//! ));
//! jitffi::Ffi::new().cdef(&cdef)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod abi;
mod call;
mod doc;
pub mod expr;
mod library;
mod model;
mod parse;
mod pyf;
mod rustgen;
mod sig;
mod source;
pub mod wrap;
mod xerbla;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use abi::{Abi, COMPLEX_TYPEDEFS, CParam, Convention, ParamRole, Prototype};
pub use call::{Arg, ArrayArg, Complex32, Complex64, Elem, Element, Out, OutArray, Outs};
pub use library::{Library, OpenOptions, Prepared, probe_abi};
pub use model::{
    Bound, CharLen, Dim, Doc, Dummy, FType, Intent, IntentSource, ParamDoc, ProcSig, Routine,
    Skipped,
};
pub use rustgen::{Generated, RustOptions};
pub use sig::{After, ArgRole, Check, Sig, SigArg};
pub use source::{Form, Location, SourceError};
pub use xerbla::{hook_xerbla, last_xerbla, xerbla_handler};

/// The Fortran files to read.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
    include_dirs: Vec<PathBuf>,
    kinds: Vec<(String, i64)>,
    pyfs: Vec<PathBuf>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// A source file: fixed form for `.f`, `.for`, `.ftn`, `.f77`, free form otherwise; a
    /// `.pyf` or `.pyf.src` is a signature file ([`Sources::pyf`]).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Sources {
        let path = path.into();
        if is_pyf(&path) {
            self.pyfs.push(path);
        } else {
            self.files.push(path);
        }
        self
    }

    /// An f2py signature file (`.pyf`, or a `.pyf.src` template, expanded): its routines'
    /// call signatures are the file's, not derived from sources and documentation. A routine
    /// a signature file defines replaces the one of the same name in the sources.
    pub fn pyf(mut self, path: impl Into<PathBuf>) -> Sources {
        self.pyfs.push(path.into());
        self
    }

    /// Source files.
    pub fn files<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Sources {
        self.files.extend(paths.into_iter().map(Into::into));
        self
    }

    /// Every Fortran file in a directory (`.f`, `.for`, `.f77`, `.f90`, `.f95`, `.f03`,
    /// `.f08`, any case), in name order.
    pub fn dir(mut self, path: impl Into<PathBuf>) -> Sources {
        self.dirs.push(path.into());
        self
    }

    /// A directory searched for `INCLUDE` files (after the including file's own).
    pub fn include_dir(mut self, path: impl Into<PathBuf>) -> Sources {
        self.include_dirs.push(path.into());
        self
    }

    /// A kind parameter the sources use without defining it (`real(wp)` with `wp` from a
    /// module that is not among the sources): its value in bytes.
    pub fn kind(mut self, name: &str, bytes: i64) -> Sources {
        self.kinds.push((name.to_ascii_uppercase(), bytes));
        self
    }

    /// The files to read, directories expanded.
    ///
    /// # Errors
    ///
    /// A directory that cannot be listed.
    pub fn paths(&self) -> Result<Vec<PathBuf>, FortranError> {
        let mut out = self.files.clone();
        for d in &self.dirs {
            let entries = std::fs::read_dir(d).map_err(|e| FortranError::Dir {
                dir: d.clone(),
                message: e.to_string(),
            })?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_fortran(p))
                .collect();
            found.sort();
            out.extend(found);
        }
        Ok(out)
    }
}

fn is_pyf(p: &Path) -> bool {
    let n = p.to_string_lossy().to_ascii_lowercase();
    n.ends_with(".pyf") || n.ends_with(".pyf.src")
}

fn is_fortran(p: &Path) -> bool {
    p.is_file()
        && p.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .is_some_and(|e| {
                matches!(
                    e.as_str(),
                    "f" | "for" | "f77" | "ftn" | "f90" | "f95" | "f03" | "f08"
                )
            })
}

/// Why Fortran sources cannot be read or a Fortran library cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum FortranError {
    /// A file (or an `INCLUDE`) that cannot be read.
    Source(SourceError),
    /// A directory that cannot be listed.
    Dir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        message: String,
    },
    /// The shared library cannot be loaded.
    Load(crate::LoadError),
    /// The derived declarations do not parse (a bug: please report it with the sources).
    Cdef(Box<crate::Error>),
    /// No routine of that name in the sources.
    NoRoutine(String),
    /// A routine whose types have no C counterpart.
    Unsupported {
        /// The routine.
        routine: String,
        /// Why.
        reason: String,
    },
    /// The library does not define a routine's symbol.
    Symbol {
        /// The routine.
        routine: String,
        /// The symbol looked up.
        symbol: String,
        /// What the lookup said.
        source: Box<crate::Error>,
    },
    /// The ABI probe could not tell how the library was built.
    Probe(String),
    /// An argument of a call is missing, of the wrong type or too short for the extents the
    /// routine uses, or the routine said it was illegal (`INFO < 0`).
    Argument {
        /// The routine, lower case.
        routine: String,
        /// The argument, lower case (empty for the call as a whole).
        argument: String,
        /// What is wrong.
        message: String,
    },
    /// The routine ran and failed (`INFO > 0`): a singular matrix, no convergence.
    Failed {
        /// The routine, lower case.
        routine: String,
        /// `INFO`.
        info: i64,
        /// What the routine's documentation says `INFO > 0` means.
        meaning: String,
    },
}

/// What kind of failure a routine's `INFO > 0` reports, read from its documentation's meaning
/// of `INFO > 0` ([`FortranError::failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// A singular matrix (`U(i,i) is exactly zero`, "singular").
    Singular,
    /// Not positive definite (`the leading principal minor of order i is not positive`).
    NotPositiveDefinite,
    /// An iteration did not converge (eigenvalue and singular value drivers).
    NoConvergence,
    /// Another meaning (see the error's text).
    Other,
}

impl FortranError {
    /// For [`FortranError::Failed`]: the kind of failure and `INFO` (1-based, as the routine
    /// reports it: the order of the minor, the index of the zero pivot, the number of values
    /// that did not converge).
    pub fn failure(&self) -> Option<(Failure, i64)> {
        let FortranError::Failed { info, meaning, .. } = self else {
            return None;
        };
        let m = meaning.to_ascii_lowercase();
        let kind = if m.contains("not positive") {
            Failure::NotPositiveDefinite
        } else if m.contains("converge") {
            Failure::NoConvergence
        } else if m.contains("singular") || m.contains("exactly zero") {
            Failure::Singular
        } else {
            Failure::Other
        };
        Some((kind, *info))
    }
}

impl fmt::Display for FortranError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FortranError::Source(e) => e.fmt(f),
            FortranError::Dir { dir, message } => {
                write!(f, "cannot list {}: {message}", dir.display())
            }
            FortranError::Load(e) => e.fmt(f),
            FortranError::Cdef(e) => write!(f, "the derived declarations do not parse: {e}"),
            FortranError::NoRoutine(n) => write!(f, "no routine '{n}' in the sources"),
            FortranError::Unsupported { routine, reason } => {
                write!(f, "{routine} cannot be called: {reason}")
            }
            FortranError::Symbol {
                routine, symbol, ..
            } => write!(f, "{routine}: the library has no symbol '{symbol}'"),
            FortranError::Probe(m) => write!(f, "ABI probe: {m}"),
            FortranError::Argument {
                routine,
                argument,
                message,
            } => {
                if argument.is_empty() {
                    write!(f, "{routine}: {message}")
                } else {
                    write!(f, "{routine}: argument {argument} {message}")
                }
            }
            FortranError::Failed {
                routine,
                info,
                meaning,
            } => {
                if meaning.is_empty() {
                    write!(f, "{routine} failed: INFO = {info}")
                } else {
                    write!(f, "{routine} failed: INFO = {info}: {meaning}")
                }
            }
        }
    }
}

impl std::error::Error for FortranError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FortranError::Load(e) => Some(e),
            FortranError::Cdef(e) => Some(&**e),
            FortranError::Symbol { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// Every routine the sources define, and what could not be wrapped.
#[derive(Clone, Debug, Default)]
pub struct Signatures {
    /// The routines, in file order (a name defined twice keeps its first definition).
    pub routines: Vec<Routine>,
    /// What could not be wrapped, with the reason (and files that could not be read, named
    /// by their path).
    pub skipped: Vec<Skipped>,
    /// How many files were read.
    pub files: usize,
}

/// Reads every routine of `sources`. One bad routine or file never stops the rest: it is
/// listed in [`Signatures::skipped`].
///
/// # Errors
///
/// Only a directory that cannot be listed.
pub fn read(sources: &Sources) -> Result<Signatures, FortranError> {
    read_with_progress(sources, &mut |_, _| {})
}

/// [`read`], calling `progress(done, total)` after each file.
///
/// # Errors
///
/// As [`read`].
pub fn read_with_progress(
    sources: &Sources,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Signatures, FortranError> {
    let paths = sources.paths()?;
    let mut kinds = parse::Kinds::default();
    kinds.user.extend(sources.kinds.iter().cloned());
    let mut sigs = Signatures::default();
    let mut stmts = Vec::with_capacity(paths.len());
    for p in &paths {
        match source::read_file(p, &sources.include_dirs) {
            Ok(s) => stmts.push(Some(s)),
            Err(e) => {
                sigs.skipped.push(Skipped {
                    name: p.display().to_string(),
                    loc: e.loc.clone(),
                    reason: e.message,
                });
                stmts.push(None);
            }
        }
    }
    // Modules first, so that files using their kind parameters find them.
    for s in stmts.iter().flatten() {
        if s.iter().any(|st| {
            let c = parse::compress(&st.text);
            c.starts_with("MODULE") && !c.starts_with("MODULEPROCEDURE")
        }) {
            parse::read_units(s, &mut kinds);
        }
    }
    let mut seen: HashMap<String, Location> = HashMap::new();
    let total = stmts.len();
    for (i, s) in stmts.iter().enumerate() {
        if let Some(s) = s {
            let unit = parse::read_units(s, &mut kinds);
            for r in unit.routines {
                let key = match &r.module {
                    Some(m) => format!("{m}::{}", r.name),
                    None => r.name.clone(),
                };
                if let Some(first) = seen.get(&key) {
                    sigs.skipped.push(Skipped {
                        name: r.name.clone(),
                        loc: r.loc.clone(),
                        reason: format!("defined again (first at {first})"),
                    });
                    continue;
                }
                seen.insert(key, r.loc.clone());
                sigs.routines.push(r);
            }
            sigs.skipped.extend(unit.skipped);
        }
        sigs.files += 1;
        progress(i + 1, total);
    }
    propagate_writes(&mut sigs.routines);
    // Signature files: their routines replace the sources' of the same name.
    for p in &sources.pyfs {
        sigs.files += 1;
        let file = p.display().to_string();
        let read = pyf_text(p, 0).and_then(|text| pyf_routines(&text, &file));
        let (routines, skipped) = match read {
            Ok(x) => x,
            Err(e) => {
                sigs.skipped.push(Skipped {
                    name: file,
                    loc: e.loc,
                    reason: e.message,
                });
                continue;
            }
        };
        sigs.skipped.extend(skipped);
        for r in routines {
            sigs.routines
                .retain(|x| x.name != r.name || x.module.is_some());
            sigs.routines.push(r);
        }
    }
    Ok(sigs)
}

/// Adds to each routine's [`Routine::assigned`] the array dummies it passes to a routine of
/// `routines` that writes that argument (declared or documented `out` / `in,out`, or assigned
/// by it, in turn), until nothing changes: ?HETRS2 converts its input `A` in place with
/// ?SYCONV, CLARZB conjugates its input `V` with CLACGV.
fn propagate_writes(routines: &mut [Routine]) {
    let index: HashMap<String, usize> = routines
        .iter()
        .enumerate()
        .filter(|(_, r)| r.module.is_none())
        .map(|(i, r)| (r.name.clone(), i))
        .collect();
    let writes = |r: &Routine, k: usize| {
        r.dummies.get(k).is_some_and(|d| {
            matches!(d.intent, Some((Intent::Out | Intent::InOut, _)))
                || r.assigned.contains(&d.name)
        })
    };
    loop {
        let mut found: Vec<(usize, String)> = Vec::new();
        for (i, r) in routines.iter().enumerate() {
            for (callee, actuals) in &r.calls {
                let Some(&j) = index.get(callee) else {
                    continue;
                };
                for (k, a) in actuals.iter().enumerate() {
                    let Some(a) = a else { continue };
                    let array = r.dummy(a).is_some_and(|d| !d.dims.is_empty());
                    if array
                        && !r.assigned.contains(a)
                        && writes(&routines[j], k)
                        && !found.iter().any(|(x, n)| *x == i && n == a)
                    {
                        found.push((i, a.clone()));
                    }
                }
            }
        }
        if found.is_empty() {
            return;
        }
        for (i, a) in found {
            routines[i].assigned.push(a);
        }
    }
}

/// A signature file's text with its `include 'file'` lines replaced by the files (relative to
/// the including one), as scipy's `flapack.pyf.src` includes its parts.
fn pyf_text(path: &Path, depth: usize) -> Result<String, SourceError> {
    let file = path.display().to_string();
    let err = |line: usize, message: String| SourceError {
        loc: Location {
            file: file.as_str().into(),
            line: line as u32,
            col: 1,
        },
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(0, format!("cannot be read: {e}")))?;
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let named = t
            .get(..7)
            .filter(|w| w.eq_ignore_ascii_case("include"))
            .map(|_| t[7..].trim())
            .and_then(|r| {
                let q = r.chars().next().filter(|c| *c == '\'' || *c == '"')?;
                r[1..].split(q).next()
            });
        match named {
            Some(name) if depth < 8 => {
                let inc = path.parent().unwrap_or(Path::new(".")).join(name);
                out.push_str(
                    &pyf_text(&inc, depth + 1)
                        .map_err(|e| err(i + 1, format!("include '{name}': {}", e.message)))?,
                );
            }
            Some(_) => return Err(err(i + 1, "includes nested more than 8 deep".into())),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    Ok(out)
}

/// The routines of a signature file's text (a template when `file` ends with `.src`).
fn pyf_routines(text: &str, file: &str) -> Result<(Vec<Routine>, Vec<Skipped>), SourceError> {
    let expanded;
    let text = if file.to_ascii_lowercase().ends_with(".src") {
        expanded = pyf::expand(text, file)?;
        &expanded
    } else {
        text
    };
    Ok(pyf::read(text, file))
}

impl Signatures {
    /// The routines of one source text.
    ///
    /// # Errors
    ///
    /// An `INCLUDE` line (there is no file to resolve it against).
    pub fn from_text(text: &str, form: Form, file: &str) -> Result<Signatures, FortranError> {
        let (stmts, errors) = source::read_text(text, form, file);
        if let Some(e) = errors.into_iter().next() {
            return Err(FortranError::Source(e));
        }
        let mut unit = parse::read_units(&stmts, &mut parse::Kinds::default());
        propagate_writes(&mut unit.routines);
        Ok(Signatures {
            routines: unit.routines,
            skipped: unit.skipped,
            files: 1,
        })
    }

    /// The routines of an f2py signature file's text (`file` ending in `.src`: a template,
    /// expanded first); see [`Sources::pyf`].
    ///
    /// # Errors
    ///
    /// A template that cannot be expanded.
    pub fn from_pyf(text: &str, file: &str) -> Result<Signatures, FortranError> {
        let (routines, skipped) = pyf_routines(text, file).map_err(FortranError::Source)?;
        Ok(Signatures {
            routines,
            skipped,
            files: 1,
        })
    }

    /// The routine named `name` (any case).
    pub fn routine(&self, name: &str) -> Option<&Routine> {
        self.routines
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(name))
    }

    /// The C declarations of every routine for `abi`, each after a comment with its brief
    /// description and location; and the routines whose types have no C counterpart.
    pub fn cdef(&self, abi: &Abi) -> (String, Vec<Skipped>) {
        let mut out = String::from(COMPLEX_TYPEDEFS);
        let mut skipped = Vec::new();
        let mut declared = std::collections::HashSet::new();
        for r in &self.routines {
            match abi.prototype(r) {
                // A symbol two routines share (a signature file's `fortranname`) is declared
                // once, by the first.
                Ok(p) if !declared.insert(p.symbol.clone()) => {
                    out.push_str(&format!("/* {} calls {} too */\n", r.name, p.symbol));
                }
                Ok(p) => {
                    let brief = r.doc.brief.replace("*/", "* /");
                    if brief.is_empty() {
                        out.push_str(&format!("/* {} ({}) */\n", r.name, r.loc));
                    } else {
                        out.push_str(&format!("/* {} ({}) */\n", brief, r.loc));
                    }
                    out.push_str(&p.decl);
                    out.push('\n');
                }
                Err(reason) => skipped.push(Skipped {
                    name: r.name.clone(),
                    loc: r.loc.clone(),
                    reason,
                }),
            }
        }
        (out, skipped)
    }
}
