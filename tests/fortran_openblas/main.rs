//! `tests/fortran/numerics.rs` again, over Debian's OpenBLAS (LP64, its own optimised BLAS and
//! LAPACK) in a process of its own: the same 80 calls through `fortran::Library::call` against
//! the LAPACKE oracle linked to the same OpenBLAS, bit for bit; and an f2py-style `dgesv`
//! through OpenBLAS's ILP64 build (8-byte INTEGERs, probed), checked by its residual.

#[path = "../common/mod.rs"]
mod common;
#[path = "../fortran/numerics.rs"]
mod numerics;

use std::path::PathBuf;
use std::sync::OnceLock;

use jitffi::fortran::{Arg, Library, OpenOptions, Sources};

const DIR: &str = "/usr/lib/x86_64-linux-gnu";

fn lapack_source() -> PathBuf {
    let dir = std::env::var_os("JITFFI_LAPACK_SRC").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/netlib-src/source"),
        PathBuf::from,
    );
    assert!(
        dir.join("SRC/dgesv.f").exists(),
        "Reference LAPACK's sources are not at {} (run `bash .ci/lapack-src`)",
        dir.display()
    );
    dir
}

/// One OpenBLAS thread (small calls are deterministic anyway; this keeps them so), set once
/// before any library of this process is loaded.
fn single_threaded() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: every test of this binary calls this first, before loading anything; the
        // Once makes the others wait, so no thread reads the environment meanwhile.
        unsafe { std::env::set_var("OPENBLAS_NUM_THREADS", "1") };
    });
}

fn open(path: &str) -> Library {
    single_threaded();
    let src = lapack_source();
    let sources = Sources::new()
        .dir(src.join("BLAS/SRC"))
        .dir(src.join("SRC"));
    // SAFETY: OpenBLAS implements Reference LAPACK's routines with their interfaces; its ABI
    // is probed.
    unsafe { Library::open(path, &sources, &OpenOptions::default()) }.unwrap_or_else(|e| {
        panic!("{e} (`bash .ci/deps` installs libopenblas-dev and libopenblas64-pthread-dev)")
    })
}

/// OpenBLAS's LP64 LAPACK (`openblas-pthread/liblapack.so.3`, which is OpenBLAS itself), and
/// the directory that makes the C oracle load it.
pub(crate) fn stack() -> (&'static Library, String) {
    static LIB: OnceLock<Library> = OnceLock::new();
    let lib = LIB.get_or_init(|| open(&format!("{DIR}/openblas-pthread/liblapack.so.3")));
    (lib, format!("{DIR}/openblas-pthread"))
}

#[test]
fn ilp64_openblas_solves_a_system() {
    // Loaded in this process next to the LP64 OpenBLAS: RTLD_LOCAL keeps their unsuffixed
    // symbols apart.
    let lib = open(&format!("{DIR}/openblas64-pthread/libopenblas64.so.0"));
    assert!(lib.abi().ilp64, "{:?}", lib.abi());
    let a = [4.0f64, 2.0, 1.0, 1.0, 5.0, 2.0, 0.5, 1.0, 6.0];
    let b = [1.0f64, 2.0, 3.0];
    let out = lib
        .call("dgesv", &[Arg::matrix(&a, 3, 3), Arg::vec(&b)])
        .unwrap();
    // IPIV comes back as 8-byte integers.
    let ipiv = out[1].array::<i64>().expect("INTEGER(8) pivots");
    assert!(ipiv.iter().all(|&p| (1..=3).contains(&p)), "{ipiv:?}");
    let x = out[2].array::<f64>().unwrap();
    for i in 0..3 {
        let ax: f64 = (0..3).map(|j| a[i + 3 * j] * x[j]).sum();
        assert!((ax - b[i]).abs() < 1e-14, "row {i}");
    }
}
