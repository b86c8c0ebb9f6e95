//! Reference LAPACK called from Rust through its own Fortran sources, with no link step:
//! `bash .ci/lapack-src && cargo run --example fortran_tour`.
//!
//! Reads the BLAS and LAPACK sources (the `netlib-src` crate's, unpacked by `.ci/lapack-src`),
//! opens the system's reference LAPACK, probes its ABI, and makes f2py-style calls: a linear
//! system, a symmetric eigenproblem with its workspace query, a refused argument.

use jitffi::fortran::{Arg, Library, OpenOptions, Sources};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/netlib-src/source");
    if !src.join("SRC/dgesv.f").exists() {
        return Err(format!(
            "no LAPACK sources at {}: run `bash .ci/lapack-src` first",
            src.display()
        )
        .into());
    }
    let sources = Sources::new()
        .dir(src.join("BLAS/SRC"))
        .dir(src.join("SRC"));
    let t = std::time::Instant::now();
    // SAFETY: these are the sources of the reference LAPACK this opens (Debian's 3.11 lacks a
    // few 3.12 routines, which then have no symbol).
    let lapack = unsafe {
        Library::open(
            "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
            &sources,
            &OpenOptions::default(),
        )?
    };
    println!(
        "{} routines declared in {:.2} s; ABI probed: {:?}",
        lapack.signatures().routines.len(),
        t.elapsed().as_secs_f64(),
        lapack.abi()
    );

    // A x = b.
    println!("{}", lapack.signature("dgesv")?);
    let a = [4.0, 2.0, 1.0, 1.0, 5.0, 2.0, 0.5, 1.0, 6.0]; // column-major 3 x 3
    let b = [1.0, 2.0, 3.0];
    let out = lapack.call("dgesv", &[Arg::matrix(&a, 3, 3), Arg::vec(&b)])?;
    let x = out[2].array::<f64>().ok_or("x")?;
    println!("x = {x:?}");

    // Eigenvalues of a symmetric matrix (DSYEV asks for its workspace size first).
    println!("{}", lapack.signature("dsyev")?);
    let s = [2.0, -1.0, 0.0, -1.0, 2.0, -1.0, 0.0, -1.0, 2.0];
    let out = lapack.call(
        "dsyev",
        &[Arg::Str("N"), Arg::Str("U"), Arg::matrix(&s, 3, 3)],
    )?;
    println!("eigenvalues = {:?}", out[1].array::<f64>().ok_or("w")?);

    // What Reference LAPACK's XERBLA would end the process for is an error here.
    let e = lapack
        .call(
            "dsyev",
            &[Arg::Str("Q"), Arg::Str("U"), Arg::matrix(&s, 3, 3)],
        )
        .unwrap_err();
    println!("refused: {e}");
    Ok(())
}
