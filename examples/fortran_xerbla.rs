//! Reference LAPACK's XERBLA does not end a jitffi program: `cargo run --example
//! fortran_xerbla` (after `bash .ci/lapack-src`).
//!
//! Netlib's XERBLA prints a line and executes `STOP` when a routine is given an illegal
//! argument, which ends the process with status 0 (Debian's build prints and returns). This
//! program does not export an `xerbla_` of its own (`jitffi::export_xerbla!` is for programs
//! that want to); opening the library points the GOT slots through which LAPACK and BLAS call
//! `xerbla_` at jitffi's handler (`fortran::hook_xerbla`), so a raw call with `N = -1` returns
//! `INFO = -1` and the handler records which routine and argument (with
//! `JITFFI_KEEP_XERBLA=1` the library's own XERBLA runs instead: nothing is recorded). The
//! safe call checks before calling. First, netlib's own `xerbla.f` (with its `STOP`) is built
//! with gfortran into a library with `dgemv.f` and given an illegal argument: with the hook
//! the program goes on; with `JITFFI_KEEP_XERBLA=1` it ends there, after XERBLA's message.
//! `.ci/test` runs it and checks what it prints.

use jitffi::Value;
use jitffi::fortran::{Arg, Library, OpenOptions, Sources, hook_xerbla, last_xerbla};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/netlib-src/source");
    if !src.join("SRC/dgesv.f").exists() {
        return Err(format!(
            "no LAPACK sources at {}: run `bash .ci/lapack-src` first",
            src.display()
        )
        .into());
    }
    // Netlib's own XERBLA, which executes STOP: built with gfortran into a library with
    // DGEMV, opened first (before any BLAS whose xerbla_ would come first in the lookup), and
    // given an illegal argument: LDA < M.
    let tmp = std::env::temp_dir().join(format!("jitffi-xerbla-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let so = tmp.join("libnetlib_dgemv.so");
    let blas = src.join("BLAS/SRC");
    let built = std::process::Command::new("gfortran")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&so)
        .args(["xerbla.f", "lsame.f", "dgemv.f"].map(|f| blas.join(f)))
        .status()
        .map_err(|e| format!("gfortran: {e} (`apt-get install gfortran`, or `bash .ci/deps`)"))?;
    if !built.success() {
        return Err("gfortran could not build netlib's xerbla.f, lsame.f and dgemv.f".into());
    }
    // SAFETY: the library was just built from these sources.
    let netlib = unsafe {
        Library::open(
            &so.to_string_lossy(),
            &Sources::new().file(blas.join("dgemv.f")),
            &OpenOptions {
                abi: Some(Default::default()),
                ..Default::default()
            },
        )?
    };
    illegal_dgemv(&netlib.function("dgemv")?)?;
    println!(
        "netlib's XERBLA (STOP) from {}: XERBLA said {:?}",
        so.display(),
        last_xerbla()
    );
    let _ = std::fs::remove_dir_all(&tmp);

    let dir = "/usr/lib/x86_64-linux-gnu";
    // SAFETY: Reference BLAS (LAPACK's libblas.so.3), loaded first and globally so that it is
    // the BLAS LAPACK binds to.
    let _blas = unsafe {
        jitffi::Library::open(
            &format!("{dir}/blas/libblas.so.3"),
            &jitffi::LoadOptions {
                global: true,
                ..Default::default()
            },
        )?
    };
    let sources = Sources::new()
        .file(src.join("SRC/dgesv.f"))
        .file(src.join("BLAS/SRC/dgemv.f"));
    // SAFETY: the sources of the reference LAPACK this opens; its ABI is probed.
    let lapack = unsafe {
        Library::open(
            &format!("{dir}/lapack/liblapack.so.3"),
            &sources,
            &OpenOptions::default(),
        )?
    };
    println!("xerbla_ hooked in: {:?}", hook_xerbla("xerbla_"));

    // A raw call that no check sees: DGESV with N = -1.
    let dgesv = lapack.function("dgesv")?;
    let (n, one) = (-1i32, 1i32);
    let (mut a, mut b, mut ipiv, mut info) = ([0f64; 1], [0f64; 1], [0i32; 1], 0i32);
    // SAFETY: DGESV's prototype; with N = -1 it checks its arguments and touches no array.
    unsafe {
        dgesv.call(&[
            Value::ptr(&n),
            Value::ptr(&one),
            Value::ptr(a.as_mut_ptr()),
            Value::ptr(&one),
            Value::ptr(ipiv.as_mut_ptr()),
            Value::ptr(b.as_mut_ptr()),
            Value::ptr(&one),
            Value::ptr(&raw mut info),
        ])?;
    }
    println!(
        "dgesv with N = -1 returned INFO = {info}; XERBLA said {:?}",
        last_xerbla()
    );
    if info != -1 {
        return Err("DGESV did not report its first argument".into());
    }
    // BLAS has no INFO: DGEMV with LDA < M calls XERBLA and returns.
    illegal_dgemv(&lapack.function("dgemv")?)?;
    println!("dgemv with LDA < M: XERBLA said {:?}", last_xerbla());
    // The safe call checks before calling.
    let e = lapack
        .call(
            "dgesv",
            &[Arg::matrix(&[1.0, 2.0, 3.0, 4.0], 2, 2), Arg::vec(&[1.0])],
        )
        .unwrap_err();
    println!("the safe call: {e}");
    println!("the process lives on");
    Ok(())
}

/// DGEMV with LDA < M (an illegal argument 6), which returns before touching an array.
fn illegal_dgemv(dgemv: &jitffi::Function) -> Result<(), Box<dyn std::error::Error>> {
    let (m, lda, one, a, x, mut y) = (3i32, 1i32, 1i32, [0f64; 1], [1f64; 3], [0f64; 3]);
    // SAFETY: DGEMV's prototype (gfortran: the hidden length of TRANS last); it checks LDA
    // against M first.
    unsafe {
        dgemv.call(&[
            Value::ptr(c"N".as_ptr()),
            Value::ptr(&m),
            Value::ptr(&m),
            Value::ptr(&1.0f64),
            Value::ptr(a.as_ptr()),
            Value::ptr(&lda),
            Value::ptr(x.as_ptr()),
            Value::ptr(&one),
            Value::ptr(&0.0f64),
            Value::ptr(y.as_mut_ptr()),
            Value::ptr(&one),
            Value::U64(1),
        ])
    }?;
    Ok(())
}
