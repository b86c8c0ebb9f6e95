//! The run-time ABI probe (`probe_abi`: a harmless `isamax_` for LP64/ILP64, a zeroed-buffer
//! `zdotc_` for gfortran/f2c results) against libraries whose build is known: Reference
//! BLAS's `isamax.f` and `zdotc.f` compiled by gfortran four ways, and the system's reference
//! LAPACK, OpenBLAS and OpenBLAS ILP64. Then a `fortran::Library` over the reference LAPACK
//! solves a system, checked against the residual.

use std::path::{Path, PathBuf};
use std::process::Command;

use jitffi::Value;
use jitffi::fortran::{self, Convention, Library, OpenOptions, Sources, probe_abi};

use super::common;

/// isamax.f and zdotc.f from Reference BLAS compiled with `flags` into a shared library.
fn blas_subset(label: &str, flags: &[&str]) -> PathBuf {
    super::require_gfortran();
    let src = super::lapack::lapack_source().join("BLAS/SRC");
    let dir = common::scratch_dir(&format!("probe-{label}"));
    let lib = dir.join("libprobe.so");
    let out = Command::new("gfortran")
        .args(flags)
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(src.join("isamax.f"))
        .arg(src.join("zdotc.f"))
        .output()
        .expect("gfortran runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lib
}

fn probe(path: &Path) -> (bool, Convention) {
    // SAFETY: the library is a BLAS (or its isamax/zdotc): no initialisers that matter.
    let lib = unsafe { jitffi::Library::open(path.to_str().unwrap(), &Default::default()) }
        .unwrap_or_else(|e| panic!("{e} (run `bash .ci/deps`)"));
    // SAFETY: isamax_ and zdotc_ are BLAS's.
    let abi = unsafe { probe_abi(&lib, "", "_") }.unwrap();
    (abi.ilp64, abi.convention)
}

#[test]
fn gfortran_builds_are_told_apart() {
    for (label, flags, expected) in [
        ("default", &[][..], (false, Convention::Gfortran)),
        ("f2c", &["-ff2c"][..], (false, Convention::F2c)),
        (
            "ilp64",
            &["-fdefault-integer-8"][..],
            (true, Convention::Gfortran),
        ),
        (
            "f2c-ilp64",
            &["-ff2c", "-fdefault-integer-8"][..],
            (true, Convention::F2c),
        ),
    ] {
        assert_eq!(probe(&blas_subset(label, flags)), expected, "{label}");
    }
}

#[test]
fn the_system_libraries() {
    let dir = Path::new("/usr/lib/x86_64-linux-gnu");
    for (lib, expected) in [
        ("lapack/liblapack.so.3", (false, Convention::Gfortran)),
        ("libopenblas.so.0", (false, Convention::Gfortran)),
        (
            "openblas64-pthread/libopenblas64.so.0",
            (true, Convention::Gfortran),
        ),
    ] {
        assert_eq!(probe(&dir.join(lib)), expected, "{lib}");
    }
}

#[test]
fn a_library_opened_with_its_sources_solves_a_system() {
    let src = super::lapack::lapack_source();
    let sources = Sources::new()
        .file(src.join("SRC/dgesv.f"))
        .file(src.join("SRC/dgetrf.f"));
    // SAFETY: the reference LAPACK; its ABI is probed.
    let lapack = unsafe {
        Library::open(
            "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
            &sources,
            &OpenOptions::default(),
        )
    }
    .unwrap();
    assert!(!lapack.abi().ilp64);
    let dgesv = lapack.function("dgesv").unwrap();
    // A x = b, column-major.
    let a0 = [4.0f64, 2.0, 1.0, 1.0, 5.0, 2.0, 0.5, 1.0, 6.0];
    let b0 = [1.0f64, 2.0, 3.0];
    let (mut a, mut b) = (a0, b0);
    let (n, nrhs, mut ipiv, mut info) = (3i32, 1i32, [0i32; 3], -7i32);
    // SAFETY: DGESV's prototype; A is 3x3 (lda 3), B 3x1 (ldb 3), IPIV 3.
    let r = unsafe {
        dgesv.call(&[
            Value::ptr(&n),
            Value::ptr(&nrhs),
            Value::ptr(a.as_mut_ptr()),
            Value::ptr(&n),
            Value::ptr(ipiv.as_mut_ptr()),
            Value::ptr(b.as_mut_ptr()),
            Value::ptr(&n),
            Value::ptr(&raw mut info),
        ])
    }
    .unwrap();
    assert_eq!((r, info), (Value::Void, 0));
    // The residual A0 x - b0, computed here independently.
    for i in 0..3 {
        let ax: f64 = (0..3).map(|j| a0[i + 3 * j] * b[j]).sum();
        assert!((ax - b0[i]).abs() < 1e-14, "row {i}: {ax} vs {}", b0[i]);
    }
    // Routines not in the sources, and unknown symbols, are errors that say so.
    let e = lapack.function("dposv").unwrap_err();
    assert_eq!(e.to_string(), "no routine 'dposv' in the sources");
    let sigs = fortran::Signatures::from_text(
        "      SUBROUTINE NOPE_NOT_THERE(N)\n      INTEGER N\n      END\n",
        fortran::Form::Fixed,
        "nope.f",
    )
    .unwrap();
    // SAFETY: as above.
    let lib = unsafe {
        Library::with_signatures(
            "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
            sigs,
            &OpenOptions::default(),
        )
    }
    .unwrap();
    let e = lib.function("nope_not_there").unwrap_err();
    assert_eq!(
        e.to_string(),
        "NOPE_NOT_THERE: the library has no symbol 'nope_not_there_'"
    );
}
