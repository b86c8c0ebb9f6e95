//! The C library the call rows run against: `tests/c/peerlib.c` (the functions of
//! ../shared/bench/peers), built with `cc -O2` into a temporary directory, its declarations as
//! a cdef, and native Rust pointers to its functions.

use jitffi::Library;

const PEERLIB_C: &str = include_str!("../../tests/c/peerlib.c");
const PEERLIB_H: &str = include_str!("../../include/peerlib.h");

/// The declarations of peerlib as a cdef: include/peerlib.h without its `#include` lines (the
/// builtin types cover `<stdint.h>` and `<stddef.h>`), and libm's `cos`.
pub(super) fn peerlib_cdef() -> String {
    let mut cdef: String = PEERLIB_H
        .lines()
        .filter(|l| !l.trim_start().starts_with("#include"))
        .flat_map(|l| [l, "\n"])
        .collect();
    cdef.push_str("double cos(double);\n");
    cdef
}

jitffi::c_struct! {
    /// `struct point` of peerlib.h.
    pub(super) struct Point { pub(super) x: f64, pub(super) y: f64 }
}

/// Builds peerlib with `$CC` (default `cc`) into a fresh temporary directory; returns the
/// shared object's path.
pub(super) fn build_peerlib() -> Result<std::path::PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("jitffi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("peerlib.c"), PEERLIB_C).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("peerlib.h"), PEERLIB_H).map_err(|e| e.to_string())?;
    let so = dir.join("libpeerlib.so");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let status = std::process::Command::new(&cc)
        .args(["-O2", "-fPIC", "-shared", "-o"])
        .arg(&so)
        .arg(dir.join("peerlib.c"))
        .status()
        .map_err(|e| {
            format!("cannot run {cc} to build the benchmark library: {e} (apt-get install gcc)")
        })?;
    if !status.success() {
        return Err("building the benchmark library failed".into());
    }
    Ok(so)
}

/// Loads a function's address as a native Rust function pointer type.
///
/// # Safety
///
/// `F` is the function pointer type of the symbol's definition.
pub(super) unsafe fn native<F: Copy>(lib: &Library, name: &str) -> Result<F, String> {
    let p = lib.symbol(name).map_err(|e| e.to_string())?;
    assert_eq!(
        std::mem::size_of::<F>(),
        std::mem::size_of::<*mut std::ffi::c_void>()
    );
    // SAFETY: the caller vouches for `F`; a function address and a fn pointer have one size.
    Ok(unsafe { std::mem::transmute_copy::<*mut std::ffi::c_void, F>(&p) })
}
