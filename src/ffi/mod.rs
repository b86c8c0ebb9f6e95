//! The `Ffi` facade: one context holding the type table, with `cdef`, `cdef_header`, `type_of`
//! and the layout queries.
//!
//! The table lives behind an `Arc` in the context (`crate::context`): a `cdef` is a
//! transaction on it (journaled, rolled back on error), done in place unless a snapshot is
//! held (a [`Type`], a `types()` result), in which case the table is copied first, so every
//! snapshot keeps the version it was made from, valid because tables are append-only.

use std::fmt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use std::ffi::c_void;

use crate::call::{Backend, CallError, CallErrorKind, Function, Global};
use crate::cdef::{self, CdefOptions, Diagnostic, Mode};
use crate::context::Context;
use crate::ctype::{CType, ConstValue, Constant, Prim, TypeTable};
use crate::error::{Error, HeaderError};
use crate::layout::{self, Target};
use crate::library::{Library, LoadError};
use crate::ty::Type;
use crate::value::{self, Conv, Pointer, Value};

mod callbacks;
mod cdata;
mod namespace;
mod precompile;

pub use namespace::Namespace;
pub use precompile::{Precompile, PrecompileReport};

/// Options for [`Ffi::cdef_header`]: how to run the C preprocessor.
#[derive(Clone, Debug, Default)]
pub struct HeaderOptions {
    /// `-I` directories, searched in order.
    pub include_dirs: Vec<PathBuf>,
    /// `-D` definitions: `("NAME", None)` is `-DNAME`, `("NAME", Some("1"))` is `-DNAME=1`.
    pub defines: Vec<(String, Option<String>)>,
    /// Further arguments for the compiler (e.g. `-std=c99`).
    pub extra_args: Vec<String>,
    /// The compiler; `None` uses `$CC`, then `cc`.
    pub cc: Option<String>,
    /// Options for the declarations themselves.
    pub cdef: CdefOptions,
    /// Skip the declarations jitffi cannot read (each one whole: a struct with an unreadable
    /// member is not declared at all, nor what uses it) and declare the rest; each skipped one
    /// is listed in the [`HeaderReport`] with its location. Off: a header is all or nothing.
    pub skip_unreadable: bool,
    /// Declare only these functions, globals and constants of the header (types are declared
    /// as far as the header's declarations can be read); declarations of other names may be
    /// unreadable. Each name must end up declared: a name that is not, or is a function-like
    /// macro, is an error saying so.
    pub only: Option<Vec<String>>,
}

/// What [`Ffi::cdef_header`] left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeaderReport {
    /// The problem of each declaration that was skipped
    /// ([`HeaderOptions::skip_unreadable`], [`HeaderOptions::only`]), located in the header.
    pub skipped: Vec<Diagnostic>,
}

/// A jitffi context: the C declarations made so far and their layouts.
///
/// Cheap to clone (clones share the context); `Send + Sync`. Declarations accumulate: later
/// [`Ffi::cdef`] calls see the typedefs, structs and constants of earlier ones.
///
/// # Errors
///
/// Every fallible method returns [`Error`], whose variant is the stage that refused:
/// [`Error::Cdef`] for declarations and type names, [`Error::Load`] for libraries, symbols and
/// names not declared, [`Error::Layout`] / [`Error::Path`] for layout queries,
/// [`Error::CData`] for C data (a bad type name there is a `CDataError` of kind `Type`, naming
/// the type), [`Error::Callback`] for callbacks. Match on it to reach the stage's error and
/// its fields; its `Display` is the stage error's message.
///
/// # Examples
///
/// ```
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct point { double x, y; }; double norm(struct point);")?;
/// assert_eq!(ffi.sizeof("struct point")?, 16);
/// assert_eq!(ffi.offsetof("struct point", "y")?, 8);
/// assert_eq!(ffi.type_of("double (*)(struct point)")?.to_string(), "double (*)(struct point)");
/// # Ok::<(), jitffi::Error>(())
/// ```
#[derive(Clone)]
pub struct Ffi {
    pub(crate) cx: Context,
}

impl fmt::Debug for Ffi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.types();
        f.debug_struct("Ffi")
            .field("target", &self.cx.shared.target.arch)
            .field("types", &t.len())
            .finish()
    }
}

impl Default for Ffi {
    fn default() -> Self {
        Ffi::new()
    }
}

fn builtin_table(target: &Target) -> TypeTable {
    let mut t = TypeTable::new();
    let text = layout::builtin_text(target);
    // The builtin text is fixed and tested; failing here is a bug in jitffi itself.
    if let Err(e) = cdef::run(
        &mut t,
        target,
        &text,
        &CdefOptions::default(),
        Mode::Cdef,
        "<builtin>",
    ) {
        panic!("jitffi builtin declarations do not parse: {e}");
    }
    let names: Vec<String> = t.typedef_names().map(str::to_string).collect();
    t.weak_typedefs.extend(names);
    t.mark_builtin();
    t
}

impl Ffi {
    /// A context for the host target with the builtin types (`int8_t` … `uint64_t`,
    /// `size_t`, `ssize_t`, `ptrdiff_t`, `intptr_t`, `uintptr_t`, `wchar_t`, `char16_t`,
    /// `char32_t`, `off_t`, `bool`, `FILE` (opaque), `va_list`) already declared.
    pub fn new() -> Ffi {
        // The builtin table is made once and shared; the first cdef copies it (copy on write).
        static HOST: OnceLock<Arc<TypeTable>> = OnceLock::new();
        let target = Target::host();
        let table = HOST
            .get_or_init(|| Arc::new(builtin_table(&target)))
            .clone();
        Ffi::from_parts(target, table)
    }

    /// A context for another target's data model (layouts only; calls need the host).
    pub fn with_target(target: Target) -> Ffi {
        let table = Arc::new(builtin_table(&target));
        Ffi::from_parts(target, table)
    }

    fn from_parts(target: Target, table: Arc<TypeTable>) -> Ffi {
        Ffi {
            cx: Context::new(target, table),
        }
    }

    /// The target whose data model this context uses.
    pub fn target(&self) -> &Target {
        self.cx.target()
    }

    /// A snapshot of the type table. Later declarations do not change it.
    pub fn types(&self) -> Arc<TypeTable> {
        self.cx.types()
    }

    /// Declares C types, functions, globals and constants.
    ///
    /// Accepts C declarations plus `#define NAME <constant>`, `#if`/`#ifdef`/…/`#endif`,
    /// `#undef`, `#pragma pack`, GNU attributes (`packed`, `aligned`, `mode`) and
    /// `_Static_assert`. See the crate documentation for the full list.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] with every problem found, each as `<cdef>:LINE:COL: message`. On error
    /// nothing is declared.
    ///
    /// # Examples
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// let err = ffi.cdef("struct s { int a; };\nstruct s { long a; };").unwrap_err();
    /// assert!(err.to_string().starts_with("<cdef>:2:1: redefinition of 'struct s'"));
    /// ```
    pub fn cdef(&self, src: &str) -> Result<(), Error> {
        self.cdef_with(src, &CdefOptions::default())
    }

    /// [`Ffi::cdef`] with options (redefinition, initial `#pragma pack`).
    ///
    /// # Errors
    ///
    /// As [`Ffi::cdef`].
    pub fn cdef_with(&self, src: &str, opts: &CdefOptions) -> Result<(), Error> {
        let target = &self.cx.shared.target;
        Ok(self
            .cx
            .transaction(|t| cdef::run(t, target, src, opts, Mode::Cdef, "<cdef>"))?)
    }

    /// Declares everything a real header declares, by running the system C preprocessor
    /// (`cc -E -dD`) on `#include <header>` (or `"header"` for a path) and reading its output:
    /// types, functions, globals and the macros that are constants. Static inline functions and
    /// macros that are not constants are skipped. With [`HeaderOptions::skip_unreadable`] or
    /// [`HeaderOptions::only`], declarations jitffi cannot read are skipped and reported.
    ///
    /// # Errors
    ///
    /// [`Error::Header`] if the preprocessor cannot run or fails (with an install hint for
    /// well-known headers), [`Error::Cdef`] if the output has declarations jitffi rejects (or,
    /// with [`HeaderOptions::only`], a chosen name that is not declared); nothing is declared
    /// then.
    ///
    /// # Examples
    ///
    /// ```
    /// use jitffi::{Ffi, HeaderOptions};
    ///
    /// let ffi = Ffi::new();
    /// let opts = HeaderOptions { only: Some(vec!["strlen".into()]), ..Default::default() };
    /// let report = ffi.cdef_header("string.h", &opts)?;
    /// let types = ffi.types();
    /// assert!(types.function("strlen").is_some() && types.function("strcmp").is_none());
    /// assert!(report.skipped.is_empty());
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    pub fn cdef_header(&self, header: &str, opts: &HeaderOptions) -> Result<HeaderReport, Error> {
        let text = preprocess_header(header, opts)?;
        if !opts.skip_unreadable && opts.only.is_none() {
            self.cdef_preprocessed(&text, &opts.cdef)?;
            return Ok(HeaderReport::default());
        }
        let target = self.cx.target();
        let only = opts.only.as_deref();
        let skipped = self
            .cx
            .transaction(|t| cdef::skip::run(t, target, &text, &opts.cdef, "<header>", only))?;
        Ok(HeaderReport { skipped })
    }

    /// Declares the output of a C preprocessor run (`cc -E -dD header.h`) the way
    /// [`Ffi::cdef_header`] does, for callers that run the preprocessor themselves.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] if the declarations are rejected; nothing is declared then.
    pub fn cdef_preprocessed(&self, text: &str, opts: &CdefOptions) -> Result<(), Error> {
        let target = &self.cx.shared.target;
        Ok(self
            .cx
            .transaction(|t| cdef::run(t, target, text, opts, Mode::Header, "<header>"))?)
    }

    /// The type a C type name denotes: `"int"`, `"struct point *"`, `"int (*)(const char *, ...)"`.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] (file `<type>`) if the name does not parse or names an unknown type.
    pub fn type_of(&self, name: &str) -> Result<Type, Error> {
        let (table, id) = self.cx.resolve(name)?;
        Ok(Type::new(&self.cx, table, id))
    }

    /// What this context's JIT has done so far: register trampolines made, stubs compiled by
    /// Cranelift (one per call signature), stubs copied from one of the same signature,
    /// machine code installed.
    pub fn jit_stats(&self) -> crate::JitStats {
        match self.cx.shared.engine.get() {
            Some(Ok(engine)) => engine.stats(),
            _ => crate::JitStats::default(),
        }
    }

    /// Sets the backend untyped calls of functions resolved from now on use (default:
    /// [`Backend::Auto`]).
    pub fn set_backend(&self, backend: Backend) {
        *self
            .cx
            .shared
            .backend
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = backend;
        self.cx
            .shared
            .functions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The function `name` declared in a cdef, resolved in `library` (resolved once, then
    /// cached).
    ///
    /// # Errors
    ///
    /// [`Error::Load`] with [`LoadError::NotDeclared`] if no cdef declares a function `name`,
    /// or [`LoadError::Symbol`] if the library does not define its symbol (the `asm` name when
    /// the declaration has one); [`Error::Call`] if the function type cannot be planned.
    pub fn function(&self, library: &Library, name: &str) -> Result<Function, Error> {
        let key = (library.id(), name.to_string());
        if let Some(f) = self
            .cx
            .shared
            .functions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(f.clone());
        }
        let table = self.types();
        let Some(decl) = table.function(name) else {
            let instead = if table.typedef(name).is_some() {
                Some("a typedef".to_string())
            } else if table.global(name).is_some() {
                Some("a variable (use Ffi::global)".to_string())
            } else if table.constant(name).is_some() {
                Some("a constant".to_string())
            } else {
                table.describe_fn_macro(name)
            };
            return Err(LoadError::NotDeclared {
                name: name.into(),
                instead,
            }
            .into());
        };
        let addr = library.symbol(decl.symbol())?;
        let ty = decl.ty;
        let backend = self.cx.default_backend();
        let f = Function::new(
            name,
            ty,
            table,
            Arc::downgrade(&self.cx.shared),
            self.cx.shared.target.clone(),
            addr,
            Some(library.clone()),
            self.cx.shared.engine.clone(),
            backend,
            false,
        )?;
        self.cx
            .shared
            .functions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, f.clone());
        Ok(f)
    }

    /// The functions declared in this context's cdefs, resolved in `library` and called by
    /// name: CFFI's `lib` object (`z.call("crc32", args![0u32, buf, 16u32])`). See
    /// [`Namespace`].
    pub fn bind(&self, library: &Library) -> Namespace {
        Namespace::new(self, library)
    }

    /// The value of the constant `name` (an enumerator or a `#define`d number or pointer) in
    /// the canonical [`Value`] variant of its C type: `Z_OK` → `Value::I32(0)`,
    /// `#define BIG 5000000000UL` → `Value::U64(…)`, `#define EPS 1e-9` → `Value::F64(…)`.
    ///
    /// # Errors
    ///
    /// [`LoadError::NotAConstant`] if no cdef defines the constant, or it is a string (see
    /// [`Ffi::constant_str`]) or an `__int128` (see [`Ffi::constant_i64`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// ffi.cdef("enum { Z_OK = 0, Z_STREAM_END = 1 };\n#define Z_NULL ((void *)0)\n#define LIMIT 5000000000UL\n#define NAME \"zlib\"")?;
    /// assert_eq!(ffi.constant("Z_STREAM_END")?, jitffi::Value::I32(1));
    /// assert_eq!(ffi.constant("LIMIT")?, jitffi::Value::U64(5_000_000_000));
    /// assert!(ffi.constant("Z_NULL")?.as_ptr().unwrap().is_null());
    /// assert_eq!(ffi.constant_i64("Z_OK")?, 0);
    /// assert_eq!(ffi.constant_str("NAME")?, "zlib");
    /// assert_eq!(
    ///     ffi.constant("NAME").unwrap_err().to_string(),
    ///     "'NAME' is declared as a string constant (use Ffi::constant_str), not as a number"
    /// );
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    pub fn constant(&self, name: &str) -> Result<Value<'static>, Error> {
        const WANTED: &str = "a number";
        let table = self.types();
        let c = constant_of(&table, name, WANTED)?;
        let target = &self.cx.shared.target;
        Ok(match &c.value {
            ConstValue::Int { value, ty } => {
                let conv = Conv::of(
                    &table,
                    |id| layout::layout_of(&table, target, id).ok().map(|l| l.size),
                    table.prim(*ty),
                    target.char_signed,
                );
                match conv {
                    Conv::Bool => Value::Bool(*value != 0),
                    Conv::Int { bytes, signed } => value::int_value(bytes, signed, *value),
                    _ => {
                        let is = format!(
                            "a constant of type '{}' (use Ffi::constant_i64)",
                            table.display(table.prim(*ty))
                        );
                        return Err(not_a_constant(name, Some(is), WANTED));
                    }
                }
            }
            ConstValue::Float {
                value,
                ty: Prim::Float,
            } => Value::F32(*value as f32),
            ConstValue::Float { value, .. } => Value::F64(*value),
            ConstValue::Pointer { value, ty } => {
                Value::Ptr(Pointer::typed(*value as usize as *mut c_void, *ty))
            }
            ConstValue::Str(_) => {
                let is = "a string constant (use Ffi::constant_str)".to_string();
                return Err(not_a_constant(name, Some(is), WANTED));
            }
        })
    }

    /// The integer constant `name` (an enumerator or a `#define`) as an `i64`.
    ///
    /// # Errors
    ///
    /// [`LoadError::NotAConstant`] if no cdef defines an integer constant `name` or its value
    /// does not fit an `i64`.
    pub fn constant_i64(&self, name: &str) -> Result<i64, Error> {
        const WANTED: &str = "an integer that fits an i64";
        let table = self.types();
        match constant_of(&table, name, WANTED)?.value {
            ConstValue::Int { value, .. } => i64::try_from(value)
                .map_err(|_| not_a_constant(name, Some(format!("the constant {value}")), WANTED)),
            _ => Err(not_a_constant(
                name,
                Some("a constant of another kind".into()),
                WANTED,
            )),
        }
    }

    /// The string constant `name` (`#define VERSION "1.2"`), invalid UTF-8 replaced by U+FFFD.
    ///
    /// # Errors
    ///
    /// [`LoadError::NotAConstant`] if no cdef defines a string constant `name`.
    pub fn constant_str(&self, name: &str) -> Result<String, Error> {
        const WANTED: &str = "a string";
        let table = self.types();
        match &constant_of(&table, name, WANTED)?.value {
            ConstValue::Str(bytes) => Ok(String::from_utf8_lossy(bytes).into_owned()),
            _ => Err(not_a_constant(
                name,
                Some("a constant of another kind".into()),
                WANTED,
            )),
        }
    }

    /// A function at a raw address, called as the declared function (pointer) type `ty`
    /// (`"int (*)(int, int)"` or `"int (int, int)"`). Stubs for such calls are compiled per
    /// address.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] if `ty` does not parse, [`Error::Call`] if it is not a function type.
    ///
    /// # Safety
    ///
    /// `addr` is a function of type `ty` that stays valid as long as the returned handle (and
    /// its clones) is used.
    pub unsafe fn function_at(&self, addr: *const c_void, ty: &str) -> Result<Function, Error> {
        let t = self.type_of(ty)?;
        let table = self.types();
        let func = match table.raw_type(t.id()) {
            CType::Pointer(to) if table.as_func(*to).is_some() => table.raw(*to),
            CType::Func(_) => t.id(),
            _ => {
                return Err(CallError::from(CallErrorKind::Unsupported {
                    function: format!("<{ty}>"),
                    reason: format!("'{ty}' is not a function or function pointer type"),
                })
                .into());
            }
        };
        let backend = self.cx.default_backend();
        Ok(Function::new(
            &format!("<{}>", table.display(t.id())),
            func,
            table,
            Arc::downgrade(&self.cx.shared),
            self.cx.shared.target.clone(),
            addr,
            None,
            self.cx.shared.engine.clone(),
            backend,
            true,
        )?)
    }

    /// The global variable `name` declared in a cdef (`extern int counter;`), resolved in
    /// `library`.
    ///
    /// # Errors
    ///
    /// As [`Ffi::function`], for variables.
    pub fn global(&self, library: &Library, name: &str) -> Result<Global, Error> {
        let table = self.types();
        let Some(decl) = table.global(name) else {
            let instead = table
                .function(name)
                .map(|_| "a function (use Ffi::function)".to_string());
            return Err(LoadError::NotDeclared {
                name: name.into(),
                instead,
            }
            .into());
        };
        let addr = library.symbol(decl.symbol())?;
        let ty = decl.ty;
        Ok(Global::new(
            name,
            ty,
            table.clone(),
            &self.cx.shared.target,
            addr,
            library.clone(),
        ))
    }

    /// `sizeof(ty)`.
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] for a bad type name, [`Error::Layout`] for incomplete and function types.
    pub fn sizeof(&self, ty: &str) -> Result<u64, Error> {
        Ok(self.type_of(ty)?.layout()?.size)
    }

    /// `_Alignof(ty)`.
    ///
    /// # Errors
    ///
    /// As [`Ffi::sizeof`].
    pub fn alignof(&self, ty: &str) -> Result<u64, Error> {
        Ok(self.type_of(ty)?.layout()?.align)
    }

    /// `offsetof(ty, path)` with a member path such as `"a.b[3].c"`. For a bit-field, the byte
    /// that holds its first bit (see [`Type::resolve`] for the bit position).
    ///
    /// # Errors
    ///
    /// [`Error::Cdef`] for a bad type name, [`Error::Path`] for a path that does not resolve.
    pub fn offsetof(&self, ty: &str, path: &str) -> Result<u64, Error> {
        Ok(self.type_of(ty)?.resolve(path)?.offset)
    }
}

/// The constant `name`, or an error saying what the name is instead.
fn constant_of<'t>(
    table: &'t TypeTable,
    name: &str,
    wanted: &'static str,
) -> Result<&'t Constant, Error> {
    table.constant(name).ok_or_else(|| {
        let is = if table.function(name).is_some() {
            Some("a function".to_string())
        } else if table.global(name).is_some() {
            Some("a variable".to_string())
        } else if table.typedef(name).is_some() {
            Some("a typedef".to_string())
        } else {
            None
        };
        not_a_constant(name, is, wanted)
    })
}

fn not_a_constant(name: &str, is: Option<String>, wanted: &'static str) -> Error {
    LoadError::NotAConstant {
        name: name.into(),
        is,
        wanted,
    }
    .into()
}

/// A package that provides a well-known header, for install hints.
fn header_package(header: &str) -> Option<&'static str> {
    let base = header.rsplit('/').next().unwrap_or(header);
    Some(match base {
        "zlib.h" | "zconf.h" => "zlib1g-dev",
        "sqlite3.h" => "libsqlite3-dev",
        "glpk.h" => "libglpk-dev",
        "png.h" => "libpng-dev",
        "cblas.h" => "libopenblas-dev",
        "lapacke.h" => "liblapacke-dev",
        "ffi.h" => "libffi-dev",
        "stdio.h" | "time.h" | "pthread.h" | "stdlib.h" | "string.h" => "libc6-dev",
        _ => return None,
    })
}

/// Runs `cc -E -dD` on `#include <header>` (or `"header"` for a path) and returns the output.
///
/// # Errors
///
/// [`HeaderError`] if the compiler cannot run or fails.
pub fn preprocess_header(header: &str, opts: &HeaderOptions) -> Result<String, HeaderError> {
    let cc = opts
        .cc
        .clone()
        .or_else(|| std::env::var("CC").ok())
        .unwrap_or_else(|| "cc".to_string());
    let mut cmd = Command::new(&cc);
    cmd.arg("-E").arg("-dD");
    for d in &opts.include_dirs {
        cmd.arg("-I").arg(d);
    }
    for (k, v) in &opts.defines {
        match v {
            Some(v) => cmd.arg(format!("-D{k}={v}")),
            None => cmd.arg(format!("-D{k}")),
        };
    }
    cmd.args(&opts.extra_args);
    cmd.args(["-x", "c", "-"]);
    let include = if header.contains('/') || std::path::Path::new(header).is_file() {
        format!("#include \"{header}\"\n")
    } else {
        format!("#include <{header}>\n")
    };
    let command = format!("{cc} -E -dD ... -x c - <<< '{}'", include.trim());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| HeaderError::NoCompiler {
            command: cc.clone(),
            reason: e.to_string(),
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        // A failed write shows up as a preprocessor failure below.
        let _ = stdin.write_all(include.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| HeaderError::NoCompiler {
            command: cc.clone(),
            reason: e.to_string(),
        })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let hint = header_package(header)
            .filter(|_| stderr.contains("No such file"))
            .map(|p| {
                format!("the header comes with the Debian package {p}: `apt-get install {p}`")
            });
        return Err(HeaderError::Preprocessor {
            header: header.into(),
            command,
            stderr,
            hint,
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
