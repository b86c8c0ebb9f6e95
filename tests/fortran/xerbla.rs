//! Reference LAPACK's XERBLA ends the process (`STOP`) on an illegal argument; with
//! `jitffi::export_xerbla!()` in the test binary (exported by `build.rs`), it returns, the
//! routine returns `INFO < 0`, and `Library::call` reports the argument.

use jitffi::Value;
use jitffi::fortran::{Arg, last_xerbla};

#[test]
fn an_illegal_argument_is_an_error_and_the_process_survives() {
    let lib = super::calls::lapack();
    // A raw call the documented checks do not see: N = -1.
    let dgesv = lib.function("dgesv").unwrap();
    let (n, one) = (-1i32, 1i32);
    let (mut a, mut b, mut ipiv, mut info) = ([0f64; 1], [0f64; 1], [0i32; 1], 0i32);
    // SAFETY: DGESV's prototype; with N = -1 it checks its arguments and touches no array.
    unsafe {
        dgesv
            .call(&[
                Value::ptr(&n),
                Value::ptr(&one),
                Value::ptr(a.as_mut_ptr()),
                Value::ptr(&one),
                Value::ptr(ipiv.as_mut_ptr()),
                Value::ptr(b.as_mut_ptr()),
                Value::ptr(&one),
                Value::ptr(&raw mut info),
            ])
            .unwrap();
    }
    assert_eq!(info, -1);
    assert_eq!(last_xerbla(), Some(("DGESV".to_string(), 1)));
    // Opening the library pointed LAPACK's and BLAS's calls of xerbla_ at jitffi's handler.
    let hooked = jitffi::fortran::hook_xerbla("xerbla_");
    for lib in ["lapack/liblapack.so.3", "blas/libblas.so.3"] {
        assert!(hooked.iter().any(|h| h.ends_with(lib)), "{hooked:?}");
    }
    assert_eq!(last_xerbla(), None, "taken");

    // Through Library::call: DSYEVX documents "1 <= IL <= IU <= N, if N > 0; IL = 1 and
    // IU = 0 if N = 0" under RANGE = 'I', which the checks before the call do not read;
    // LAPACK finds it.
    let a = [2.0f64, 1.0, 1.0, 3.0];
    let e = lib
        .call_named(
            "dsyevx",
            &[
                ("jobz", Arg::Str("N")),
                ("range", Arg::Str("I")),
                ("uplo", Arg::Str("U")),
                ("a", Arg::matrix(&a, 2, 2)),
                ("vl", Arg::Real(0.0)),
                ("vu", Arg::Real(1.0)),
                ("il", Arg::Int(0)),
                ("iu", Arg::Int(1)),
                ("abstol", Arg::Real(0.0)),
                ("ldz", Arg::Int(1)),
            ],
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "dsyevx: argument il has an illegal value (INFO = -9)"
    );
    assert_eq!(last_xerbla(), Some(("DSYEVX".to_string(), 9)));
}

/// XERBLA called directly through `Library::call` (it is a routine of the tree like any
/// other) goes to the same handler: recorded, and the process lives on (Reference XERBLA
/// would print and `STOP`, exit status 0).
#[test]
fn calling_xerbla_itself_is_recorded_not_fatal() {
    let lib = super::calls::lapack();
    let _ = last_xerbla();
    let out = lib
        .call("xerbla", &[Arg::Str("DGEMM"), Arg::Int(3)])
        .unwrap();
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(last_xerbla(), Some(("DGEMM".to_string(), 3)));
}
