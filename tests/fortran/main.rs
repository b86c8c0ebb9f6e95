//! `jitffi::fortran` against its oracles: gfortran compiles a corpus of tricky Fortran (and a
//! driver that calls it and prints every result bit for bit), jitffi reads the same sources,
//! declares their prototypes for each ABI (gfortran, `-ff2c`, `-fdefault-integer-8`) and calls
//! the compiled library; the results must be the driver's. The Reference LAPACK tree is read
//! whole and its prototypes resolved in the system's libraries.
//!
//! Modules: `corpus` (the gfortran corpus in `tests/f/`), `lapack` (Reference LAPACK 3.12's
//! sources, from the `netlib-src` crate: `bash .ci/lapack-src`), `probe` (LP64/ILP64 and
//! gfortran/f2c told apart at run time, against gfortran builds and the system's libraries).

#[path = "../common/mod.rs"]
mod common;

mod calls;
mod compiled;
mod corpus;
mod corpus_wrappers;
mod generated_lapack;
mod generated_pyf;
mod guard;
mod lapack;
mod numerics;
mod probe;
mod pyf;
mod wrappers;
mod xerbla;

// The system allocator, but allocations inside `guard::with_guarded_allocations` (the
// guarded random calls) end at an inaccessible page.
#[global_allocator]
static ALLOC: guard::GuardAlloc = guard::GuardAlloc;

// Reference LAPACK's illegal-argument handler returns instead of ending the process (the
// symbol is exported from this binary by build.rs).
jitffi::export_xerbla!();

/// The library `numerics` checks: Reference LAPACK over Reference BLAS, and the directories
/// that make the C oracle load the same.
pub(crate) fn stack() -> (&'static jitffi::fortran::Library, String) {
    let lib = "/usr/lib/x86_64-linux-gnu";
    (calls::lapack(), format!("{lib}/lapack:{lib}/blas"))
}

/// gfortran, or a failure that says how to install it.
pub(crate) fn require_gfortran() {
    let ok = std::process::Command::new("gfortran")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "these tests compile Fortran with gfortran, the oracle of the Fortran ABI: \
         `apt-get install gfortran` (or run `bash .ci/deps`)"
    );
}
