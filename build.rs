//! Exports `xerbla_` from jitffi's own test binaries: `tests/fortran` defines it with
//! `jitffi::export_xerbla!()` so that Reference LAPACK's illegal-argument handler returns
//! instead of ending the process (see `jitffi::export_xerbla`).
fn main() {
    println!("cargo:rustc-link-arg-tests=-Wl,--export-dynamic-symbol=xerbla_");
    println!("cargo:rerun-if-changed=build.rs");
}
