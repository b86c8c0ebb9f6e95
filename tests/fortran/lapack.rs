//! Reference LAPACK 3.12 (155 BLAS and 2,061 LAPACK files, from the `netlib-src` crate, fetched
//! by `bash .ci/lapack-src`): every routine read or skipped with a reason, the prototypes of
//! the whole tree through jitffi's cdef parser for each ABI, and every symbol that the system's
//! BLAS/LAPACK defines resolved through jitffi.

use std::path::PathBuf;

use jitffi::fortran::{self, Abi, Sources};
use jitffi::{Ffi, Library};

/// The `source/` directory of the netlib-src crate.
pub(crate) fn lapack_source() -> PathBuf {
    let dir = std::env::var_os("JITFFI_LAPACK_SRC").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/netlib-src/source"),
        PathBuf::from,
    );
    assert!(
        dir.join("SRC/dgesv.f").exists(),
        "Reference LAPACK's sources are not at {} (set JITFFI_LAPACK_SRC, or run \
         `bash .ci/lapack-src`, which unpacks the netlib-src crate there without building it)",
        dir.display()
    );
    dir
}

#[test]
fn every_blas_and_lapack_routine_is_read_and_declared() {
    let src = lapack_source();
    let blas = fortran::read(&Sources::new().dir(src.join("BLAS/SRC"))).unwrap();
    let lapack = fortran::read(&Sources::new().dir(src.join("SRC"))).unwrap();
    assert_eq!(blas.files, 155);
    assert_eq!(lapack.files, 2061);
    // 100% of both. BLAS: one routine per file. LAPACK: 2,063 external routines (dladiv.f and
    // sladiv.f define three each, la_constants.f90 none) and la_xisnan.F90's two module
    // procedures (`__la_xisnan_MOD_disnan`; their internal functions are not callable).
    assert_eq!(
        (blas.routines.len(), blas.skipped.len()),
        (155, 0),
        "{:#?}",
        blas.skipped
    );
    assert!(lapack.skipped.is_empty(), "{:#?}", lapack.skipped);
    assert_eq!(lapack.routines.len(), 2065);
    let modules = lapack
        .routines
        .iter()
        .filter(|r| r.module.is_some())
        .count();
    assert_eq!(modules, 2);
    for abi in [
        Abi::default(),
        Abi {
            ilp64: true,
            ..Abi::default()
        },
    ] {
        let ffi = Ffi::new();
        for sigs in [&blas, &lapack] {
            let (cdef, unmapped) = sigs.cdef(&abi);
            assert!(unmapped.is_empty(), "{unmapped:#?}");
            ffi.cdef(&cdef).unwrap();
        }
        assert!(ffi.types().function("dgesv_").is_some());
    }
    // Intents from the doxygen blocks: DGESV's A is in,out, INFO out.
    let dgesv = lapack.routine("DGESV").unwrap();
    let intent = |n: &str| dgesv.dummy(n).unwrap().intent.map(|i| i.0.as_str());
    assert_eq!(
        (intent("N"), intent("A"), intent("INFO")),
        (Some("in"), Some("inout"), Some("out"))
    );
    let documented = lapack
        .routines
        .iter()
        .flat_map(|r| &r.dummies)
        .filter(|d| d.intent.is_some())
        .count();
    let all = lapack
        .routines
        .iter()
        .map(|r| r.dummies.len())
        .sum::<usize>();
    assert!(
        documented * 100 >= all * 99,
        "{documented} of {all} dummies have an intent"
    );
}

#[test]
fn declared_symbols_resolve_in_the_system_lapack() {
    let src = lapack_source();
    let sigs = fortran::read(
        &Sources::new()
            .dir(src.join("BLAS/SRC"))
            .dir(src.join("SRC")),
    )
    .unwrap();
    let abi = Abi::default();
    // Debian's reference build and OpenBLAS (liblapack.so.3 is whichever the alternatives
    // point to).
    for name in [
        "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
        "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    ] {
        // SAFETY: loading BLAS/LAPACK runs no initialisers that matter here.
        let lib = unsafe { Library::open(name, &Default::default()) }.unwrap_or_else(|e| {
            panic!("{e} (`apt-get install liblapack-dev libopenblas-dev`, or `bash .ci/deps`)")
        });
        let mut missing = Vec::new();
        for r in &sigs.routines {
            let sym = abi.symbol(r);
            if lib.symbol(&sym).is_err() {
                missing.push(sym);
            }
        }
        // What a 3.11 build lacks: 3.12's new routines and the extra-precise (XBLAS)
        // refinement routines Debian does not build. Everything else resolves.
        for core in [
            "dgesv_", "zgees_", "dsyev_", "dgemm_", "zdotc_", "xerbla_", "dlartg_",
        ] {
            assert!(!missing.iter().any(|m| m == core), "{name} lacks {core}");
        }
        assert!(
            missing.len() < 200,
            "{name}: {} of {} symbols missing: {missing:?}",
            missing.len(),
            sigs.routines.len()
        );
    }
}
