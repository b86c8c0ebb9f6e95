//! Reference LAPACK 3.12 (155 BLAS and 2,061 LAPACK files, from the `netlib-src` crate, fetched
//! by `bash .ci/lapack-src`): every routine read or skipped with a reason, the prototypes of
//! the whole tree through jitffi's cdef parser for each ABI, and every symbol that the system's
//! BLAS/LAPACK defines resolved through jitffi.

use std::path::PathBuf;

use jitffi::fortran::{self, Abi, ArgRole, Intent, Sig, Sources};
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

/// No array a call allocates is sized by an output (known only after the call: allocated
/// from it before the call, it would be too short for what the routine writes). The expert
/// eigensolvers' `Z(LDZ, max(1,M))` takes `M`'s documented bound `0 <= M <= N` instead;
/// DLAQPS's `TAU(KB)` (KB an output, no bound documented) stays the caller's to give.
#[test]
fn no_allocated_array_is_sized_by_an_output() {
    let src = lapack_source();
    let lapack = fortran::read(&Sources::new().dir(src.join("SRC"))).unwrap();
    let mut bounded = 0;
    for r in &lapack.routines {
        let sig = Sig::of(r);
        for a in sig.args.iter().filter(|a| a.role == ArgRole::Out) {
            for d in &a.dims {
                for n in d.names() {
                    let x = sig.args.iter().find(|x| x.name == n);
                    assert!(
                        x.is_some_and(|x| x.intent != Intent::Out),
                        "{}: {} is allocated with extent {d:?}, {n} is an output",
                        r.name,
                        a.name
                    );
                }
            }
        }
        let doc_m = r.doc.params.get("Z").and_then(|p| p.dims.as_ref());
        if doc_m.is_some_and(|d| d.iter().any(|x| x.ends_with(",M)")))
            && sig
                .args
                .iter()
                .any(|a| a.name == "Z" && a.role == ArgRole::Out)
        {
            bounded += 1;
        }
    }
    // The ?syevx/?heevr/?stemr … family: Z allocated with N columns.
    assert!(bounded >= 40, "{bounded}");
    let dsyevr = lapack.routines.iter().find(|r| r.name == "DSYEVR").unwrap();
    let z = Sig::of(dsyevr);
    let z = z.args.iter().find(|a| a.name == "Z").unwrap();
    assert_eq!(
        format!("{:?}", z.dims),
        r#"[Name("LDZ"), Call("max", [Int(1), Name("N")])]"#
    );
}
