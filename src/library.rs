//! Loading shared libraries and resolving symbols.
//!
//! [`Library::open`] accepts a path, a soname (`libm.so.6`) or a short name (`m`, `glpk`) and
//! resolves it the way the dynamic linker and `ld -l` would: `libNAME.so` through the loader's
//! own search, GNU ld scripts (Debian's `libc.so` and `libm.so` are text files naming the real
//! objects) followed, and when no development symlink exists, the highest `libNAME.so.N` in the
//! library directories (`LD_LIBRARY_PATH`, `/etc/ld.so.conf`, the Debian multiarch directories).
//! Symbols are resolved on first use and cached.

use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use libloading::os::unix::{Library as RawLibrary, RTLD_GLOBAL, RTLD_LAZY, RTLD_LOCAL, RTLD_NOW};

/// How to load a library.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `RTLD_GLOBAL`: make the library's symbols available to libraries loaded later.
    pub global: bool,
    /// `RTLD_LAZY`: resolve the library's own undefined symbols on first use instead of at load
    /// time (`RTLD_NOW`).
    pub lazy: bool,
    /// Directories searched (before the system's) for short names.
    pub search_dirs: Vec<PathBuf>,
}

/// Why a library or symbol could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// No candidate for the name could be loaded.
    Library {
        /// The name asked for.
        name: String,
        /// Every candidate tried, with what `dlopen` (or the search) said.
        tried: Vec<(String, String)>,
    },
    /// The symbol is declared but the library does not define it.
    Symbol {
        /// The symbol looked up (the `asm` name if the declaration has one).
        symbol: String,
        /// The library searched.
        library: String,
        /// What `dlsym` said.
        reason: String,
    },
    /// No cdef declares a function or global of that name.
    NotDeclared {
        /// The name asked for.
        name: String,
        /// What the name is declared as instead, if anything (`a typedef`).
        instead: Option<String>,
    },
    /// A constant was asked for ([`Ffi::constant`](crate::Ffi::constant) and its typed
    /// variants), but the name is not one of that kind.
    NotAConstant {
        /// The name asked for.
        name: String,
        /// What the name is instead (`a string constant (use Ffi::constant_str)`), or `None`
        /// if no cdef declares it.
        is: Option<String>,
        /// What was asked for (`a number`, `a string`, `an integer that fits an i64`).
        wanted: &'static str,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Library { name, tried } => {
                write!(f, "cannot load library '{name}'")?;
                if tried.is_empty() {
                    return Ok(());
                }
                write!(f, "; tried:")?;
                for (cand, why) in tried {
                    write!(f, "\n  {cand}: {why}")?;
                }
                Ok(())
            }
            LoadError::Symbol {
                symbol,
                library,
                reason,
            } => {
                write!(
                    f,
                    "'{symbol}' is declared but not found in library '{library}' ({reason})"
                )
            }
            LoadError::NotDeclared {
                name,
                instead: None,
            } => {
                write!(
                    f,
                    "'{name}' is not declared in any cdef (declare its prototype with Ffi::cdef first)"
                )
            }
            LoadError::NotAConstant { name, is: None, .. } => write!(
                f,
                "'{name}' is not declared in any cdef (define it with Ffi::cdef first)"
            ),
            LoadError::NotAConstant {
                name,
                is: Some(is),
                wanted,
            } => write!(f, "'{name}' is declared as {is}, not as {wanted}"),
            LoadError::NotDeclared {
                name,
                instead: Some(what),
            } => {
                write!(
                    f,
                    "'{name}' is declared as {what}, not as a function or variable"
                )
            }
        }
    }
}

impl std::error::Error for LoadError {}

struct Inner {
    /// The name the library was opened with (for messages).
    name: String,
    /// The file actually loaded, when known.
    path: Option<PathBuf>,
    handle: RawLibrary,
    symbols: Mutex<HashMap<String, usize>>,
}

/// A loaded shared library (or the running process). Cheap to clone; `Send + Sync`. The
/// library stays loaded as long as any clone, or any function resolved from it, exists.
#[derive(Clone)]
pub struct Library {
    inner: Arc<Inner>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Library")
            .field("name", &self.inner.name)
            .field("path", &self.inner.path)
            .finish()
    }
}

/// The directories the dynamic linker searches, in order: `LD_LIBRARY_PATH`, `/etc/ld.so.conf`
/// (with its `include`s), then the built-in defaults including Debian's multiarch directories.
pub fn system_library_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(p) = std::env::var("LD_LIBRARY_PATH") {
        dirs.extend(p.split(':').filter(|s| !s.is_empty()).map(PathBuf::from));
    }
    read_ld_so_conf(Path::new("/etc/ld.so.conf"), &mut dirs, 0);
    let multiarch = if cfg!(target_arch = "aarch64") {
        "aarch64-linux-gnu"
    } else {
        "x86_64-linux-gnu"
    };
    for d in [
        format!("/lib/{multiarch}"),
        format!("/usr/lib/{multiarch}"),
        "/lib64".to_string(),
        "/usr/lib64".to_string(),
        "/lib".to_string(),
        "/usr/lib".to_string(),
        "/usr/local/lib".to_string(),
    ] {
        dirs.push(PathBuf::from(d));
    }
    let mut seen = std::collections::HashSet::new();
    dirs.retain(|d| seen.insert(d.clone()));
    dirs
}

fn read_ld_so_conf(path: &Path, out: &mut Vec<PathBuf>, depth: u32) {
    if depth > 8 {
        return;
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return;
    };
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(pattern) = line.strip_prefix("include ") {
            let pattern = pattern.trim();
            // Only `dir/*.conf` globs occur in practice.
            if let Some((dir, suffix)) = pattern.rsplit_once("/*") {
                if let Ok(entries) = std::fs::read_dir(dir) {
                    let mut files: Vec<PathBuf> = entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.to_string_lossy().ends_with(suffix))
                        .collect();
                    files.sort();
                    for f in files {
                        read_ld_so_conf(&f, out, depth + 1);
                    }
                }
            } else {
                read_ld_so_conf(Path::new(pattern), out, depth + 1);
            }
        } else if line.starts_with('/') {
            out.push(PathBuf::from(line));
        }
    }
}

/// The files a GNU ld script names (`GROUP ( /lib/.../libc.so.6 ... )`), in order.
fn ld_script_inputs(path: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() > 64 * 1024 || bytes.starts_with(b"\x7fELF") {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    let start = text.find("GROUP").or_else(|| text.find("INPUT"))?;
    let body = &text[start..];
    let open = body.find('(')?;
    let mut out = Vec::new();
    let mut in_as_needed = false;
    for tok in body[open + 1..].split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        match tok {
            "" => {}
            "AS_NEEDED" => in_as_needed = true,
            _ if tok.starts_with("/*") => {}
            _ => {
                // AS_NEEDED inputs (the dynamic linker itself for libc.so) are not what a
                // program asking for the library wants.
                if !in_as_needed {
                    out.push(tok.to_string());
                }
            }
        }
    }
    Some(out)
}

fn version_key(name: &str, stem: &str) -> Vec<u64> {
    name.strip_prefix(stem)
        .unwrap_or("")
        .split('.')
        .filter_map(|p| p.parse().ok())
        .collect()
}

impl Library {
    /// Loads a shared library by path, soname or short name (`"m"`, `"libm.so.6"`,
    /// `"/usr/lib/x86_64-linux-gnu/libglpk.so.40"`).
    ///
    /// # Errors
    ///
    /// [`LoadError::Library`] listing every file tried and what `dlopen` said.
    ///
    /// # Safety
    ///
    /// Loading a library runs its initialisers (and, at unload, its finalisers), which can do
    /// anything: the caller vouches that the library is safe to load in this process.
    ///
    /// # Examples
    ///
    /// ```
    /// // SAFETY: libm's initialisers are benign.
    /// let libm = unsafe { jitffi::Library::open("m", &Default::default())? };
    /// assert!(!libm.symbol("cos")?.is_null());
    /// # Ok::<(), jitffi::LoadError>(())
    /// ```
    pub unsafe fn open(name: &str, opts: &LoadOptions) -> Result<Library, LoadError> {
        let flags = (if opts.lazy { RTLD_LAZY } else { RTLD_NOW })
            | (if opts.global { RTLD_GLOBAL } else { RTLD_LOCAL });
        let mut tried: Vec<(String, String)> = Vec::new();
        let mut dirs = opts.search_dirs.clone();
        dirs.extend(system_library_dirs());
        let try_open = |cand: &str, tried: &mut Vec<(String, String)>| -> Option<RawLibrary> {
            // SAFETY: the caller vouches for the library's initialisers (this function's contract).
            match unsafe { RawLibrary::open(Some(cand), flags) } {
                Ok(h) => Some(h),
                Err(e) => {
                    tried.push((cand.to_string(), e.to_string()));
                    None
                }
            }
        };
        // Follows a GNU ld script at `path`, if it is one.
        let via_script =
            |path: &Path, tried: &mut Vec<(String, String)>| -> Option<(RawLibrary, PathBuf)> {
                let inputs = ld_script_inputs(path)?;
                for input in inputs {
                    let p = if input.starts_with('/') {
                        PathBuf::from(&input)
                    } else {
                        path.with_file_name(&input)
                    };
                    if let Some(h) = try_open(&p.to_string_lossy(), tried) {
                        return Some((h, p));
                    }
                }
                None
            };
        let done = |handle: RawLibrary, path: Option<PathBuf>| Library {
            inner: Arc::new(Inner {
                name: name.to_string(),
                path,
                handle,
                symbols: Mutex::new(HashMap::new()),
            }),
        };

        if name.contains('/') {
            if let Some(h) = try_open(name, &mut tried) {
                return Ok(done(h, Some(PathBuf::from(name))));
            }
            if let Some((h, p)) = via_script(Path::new(name), &mut tried) {
                return Ok(done(h, Some(p)));
            }
            return Err(LoadError::Library {
                name: name.to_string(),
                tried,
            });
        }
        let file = if name.starts_with("lib") && name.contains(".so") {
            name.to_string()
        } else {
            format!("lib{name}.so")
        };
        // 1. The loader's own search (soname or development symlink).
        if let Some(h) = try_open(&file, &mut tried) {
            return Ok(done(h, None));
        }
        // 2. The name in the library directories: an ld script, or a versioned file.
        for dir in &dirs {
            let p = dir.join(&file);
            if p.exists()
                && let Some((h, real)) = via_script(&p, &mut tried)
            {
                return Ok(done(h, Some(real)));
            }
        }
        if !file.contains(".so.") {
            let stem = format!("{file}.");
            for dir in &dirs {
                let Ok(entries) = std::fs::read_dir(dir) else {
                    continue;
                };
                let mut versions: Vec<(Vec<u64>, PathBuf)> = entries
                    .flatten()
                    .filter_map(|e| {
                        let n = e.file_name().to_string_lossy().into_owned();
                        n.starts_with(&stem)
                            .then(|| (version_key(&n, &stem), e.path()))
                    })
                    .collect();
                versions.sort();
                if let Some((_, p)) = versions.pop()
                    && let Some(h) = try_open(&p.to_string_lossy(), &mut tried)
                {
                    return Ok(done(h, Some(p)));
                }
            }
        }
        if tried.len() == 1 {
            tried.push((
                format!("{file}.* in {} directories", dirs.len()),
                "no such file".into(),
            ));
        }
        Err(LoadError::Library {
            name: name.to_string(),
            tried,
        })
    }

    /// The running process: its executable and every library already loaded (`dlopen(NULL)`),
    /// including libc.
    pub fn process() -> Library {
        let handle = RawLibrary::this();
        Library {
            inner: Arc::new(Inner {
                name: "<process>".into(),
                path: None,
                handle,
                symbols: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The name the library was opened with.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The file that was loaded, when it was found by path (`None` when the dynamic linker
    /// searched for it).
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The address of a symbol, resolved on first use and cached.
    ///
    /// # Errors
    ///
    /// [`LoadError::Symbol`] naming the symbol, the library and what `dlsym` said.
    pub fn symbol(&self, symbol: &str) -> Result<*mut c_void, LoadError> {
        let mut cache = self.inner.symbols.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&addr) = cache.get(symbol) {
            return Ok(addr as *mut c_void);
        }
        // SAFETY: looking up a symbol's address does not call it; the pointer is only used by
        // calls the caller vouches for.
        let res = unsafe { self.inner.handle.get::<*mut c_void>(symbol.as_bytes()) };
        match res {
            Ok(sym) => {
                let addr = *sym;
                cache.insert(symbol.to_string(), addr as usize);
                Ok(addr)
            }
            Err(e) => Err(LoadError::Symbol {
                symbol: symbol.into(),
                library: self.inner.name.clone(),
                reason: e.to_string(),
            }),
        }
    }

    /// A number identifying this loaded library (clones share it).
    pub(crate) fn id(&self) -> usize {
        Arc::as_ptr(&self.inner) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_sonames_and_ld_scripts() {
        // SAFETY: libc and libm are already loaded in every Rust program on Linux.
        let libm = unsafe { Library::open("m", &LoadOptions::default()) }.expect("libm");
        assert!(!libm.symbol("cos").expect("cos").is_null());
        // SAFETY: as above.
        let libc = unsafe { Library::open("c", &LoadOptions::default()) }
            .expect("libc through its ld script");
        assert!(!libc.symbol("strlen").expect("strlen").is_null());
        // SAFETY: as above.
        let soname =
            unsafe { Library::open("libm.so.6", &LoadOptions::default()) }.expect("soname");
        assert!(soname.symbol("sin").is_ok());
        let err = soname.symbol("no_such_symbol_xyz").unwrap_err();
        assert!(
            err.to_string()
                .contains("'no_such_symbol_xyz' is declared but not found in library 'libm.so.6'")
        );
        // SAFETY: the library does not exist, nothing is loaded.
        let err =
            unsafe { Library::open("no_such_library_xyz", &LoadOptions::default()) }.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("cannot load library 'no_such_library_xyz'")
                && msg.contains("libno_such_library_xyz.so"),
            "{msg}"
        );
        assert!(Library::process().symbol("malloc").is_ok());
    }
}
