//! `tests/fortran/numerics.rs` again, over Debian's OpenBLAS (LP64, its own optimised BLAS and
//! LAPACK) in a process of its own: the same 80 calls through `fortran::Library::call` against
//! the LAPACKE oracle linked to the same OpenBLAS, bit for bit; and an f2py-style `dgesv`
//! through OpenBLAS's ILP64 build (8-byte INTEGERs, probed), checked by its residual.
//! Generated wrappers pick their library at run time: the LP64 module of `tests/fortran`
//! calls OpenBLAS; an ILP64 module (`generated_ilp64.rs`, `jitffi f2rs --ilp64 -o`) calls
//! `libopenblas64`; each refuses the other's library.

#[path = "../common/mod.rs"]
mod common;
/// ILP64 wrappers of `dgesv`, `ddot` and `dgemv` (regenerated and compared below).
mod generated_ilp64;
/// The LP64 wrappers `tests/fortran` checks against Reference LAPACK.
#[path = "../fortran/generated_lapack.rs"]
mod generated_lapack;
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

/// The sources of `generated_ilp64.rs`.
fn ilp64_module() -> jitffi::fortran::Generated {
    let src = lapack_source();
    let sources = Sources::new()
        .file(src.join("SRC/dgesv.f"))
        .file(src.join("BLAS/SRC/ddot.f"))
        .file(src.join("BLAS/SRC/dgemv.f"));
    jitffi::fortran::read(&sources).unwrap().rust(
        &jitffi::fortran::Abi {
            ilp64: true,
            ..Default::default()
        },
        &jitffi::fortran::RustOptions {
            lib: Some("openblas64".into()),
            source: "dgesv.f ddot.f dgemv.f --ilp64 (tests/fortran_openblas)".into(),
            rustfmt: true,
        },
    )
}

#[test]
fn the_ilp64_module_is_current() {
    let g = ilp64_module();
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fortran_openblas/generated_ilp64.rs");
    if std::env::var_os("JITFFI_BLESS").is_some() {
        std::fs::write(&path, &g.code).unwrap();
        return;
    }
    assert!(
        std::fs::read_to_string(&path).unwrap_or_default() == g.code,
        "{} is not what f2rs generates now; regenerate it with `JITFFI_BLESS=1 cargo test \
         --test fortran_openblas` and review the diff",
        path.display()
    );
}

#[test]
fn generated_wrappers_pick_their_library_at_run_time() {
    single_threaded();
    let lp64 = format!("{DIR}/openblas-pthread/libopenblas.so.0");
    let ilp64 = format!("{DIR}/openblas64-pthread/libopenblas64.so.0");
    let a = [4.0f64, 2.0, 1.0, 1.0, 5.0, 2.0, 0.5, 1.0, 6.0];
    let b = [1.0f64, 2.0, 3.0];
    let residual = |x: &[f64]| {
        (0..3)
            .map(|i| ((0..3).map(|j| a[i + 3 * j] * x[j]).sum::<f64>() - b[i]).abs())
            .fold(0.0, f64::max)
    };
    // LP64 wrappers on the LP64 OpenBLAS: 4-byte pivots.
    // SAFETY: OpenBLAS implements the routines the module was generated from.
    let l = unsafe { generated_lapack::Library::open(&lp64) }.unwrap();
    let (mut wa, mut x) = (a.to_vec(), b.to_vec());
    let ipiv: Vec<i32> = l
        .gesv::<f64>(
            generated_lapack::MatMut::new(&mut wa, 3, 3).unwrap(),
            generated_lapack::MatMut::new(&mut x, 3, 1).unwrap(),
        )
        .unwrap();
    assert!(ipiv.iter().all(|&p| (1..=3).contains(&p)), "{ipiv:?}");
    assert!(residual(&x) < 1e-14, "{x:?}");
    // ILP64 wrappers on libopenblas64: 8-byte pivots.
    // SAFETY: as above.
    let l64 = unsafe { generated_ilp64::Library::open(&ilp64) }.unwrap();
    let (mut wa, mut x) = (a.to_vec(), b.to_vec());
    let ipiv: Vec<i64> = l64
        .dgesv(
            generated_ilp64::MatMut::new(&mut wa, 3, 3).unwrap(),
            generated_ilp64::MatMut::new(&mut x, 3, 1).unwrap(),
        )
        .unwrap();
    assert!(ipiv.iter().all(|&p| (1..=3).contains(&p)), "{ipiv:?}");
    assert!(residual(&x) < 1e-14, "{x:?}");
    assert_eq!(l64.ddot(3, &b, 1, &b, 1).unwrap(), 14.0);
    // 1+(n-1)*|incx| past i64: an error, not a wrapped (small) extent that lets three
    // elements pass for 2^62.
    for (n, inc) in [(1i64 << 62, 4i64), (2, i64::MIN), (i64::MIN, 1)] {
        let r = l64.ddot(n, &b, inc, &b, 1);
        assert!(
            n < 0 && r.is_ok()
                || r.as_ref()
                    .is_err_and(|e| e.to_string().contains("overflows")),
            "n = {n}, incx = {inc}: {r:?}"
        );
    }
    // Each refuses the other's library: its probed ABI is not the module's.
    // SAFETY: as above (refused before any routine is called).
    let e = unsafe { generated_lapack::Library::open(&ilp64) }.unwrap_err();
    assert!(
        e.to_string().contains("regenerate them with --ilp64"),
        "{e}"
    );
    // SAFETY: as above.
    let e = unsafe { generated_ilp64::Library::open(&lp64) }.unwrap_err();
    assert!(
        e.to_string().contains("regenerate them without --ilp64"),
        "{e}"
    );
}
