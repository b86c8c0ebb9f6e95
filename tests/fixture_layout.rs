//! The fixture header and its cdef twin: every layout, constant and function type agrees with
//! the C compiler, and both ways of declaring it (cdef text, `cdef_header` through `cc -E`)
//! give the same declarations.

mod common;

use jitffi::dump::{self, DumpOptions};
use jitffi::{Ffi, HeaderOptions};

const FIXTURE_CDEF: &str = include_str!("../cdefs/fixture.h");

fn header_path() -> String {
    format!("{}/include/fixture.h", env!("CARGO_MANIFEST_DIR"))
}

/// The lines of a text dump that are about the fixture's own declarations.
fn fixture_lines(ffi: &Ffi) -> Vec<String> {
    let text = dump::to_text(&ffi.types(), ffi.target(), DumpOptions::default());
    let mut keep = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if !line.starts_with(' ') {
            // A new block: keep it (and its indented members) if it is the fixture's.
            keep = line.to_ascii_lowercase().contains("fx_");
        }
        if keep {
            out.push(line.to_string());
        }
    }
    out
}

#[test]
fn cdef_twin_matches_the_c_compiler() {
    let ffi = Ffi::new();
    ffi.cdef(FIXTURE_CDEF)
        .unwrap_or_else(|e| panic!("cdefs/fixture.h:\n{e}"));
    let prelude = format!("#include \"{}\"\n", header_path());
    let m = common::probe(&ffi, &prelude, "fixture-twin");
    common::assert_no_mismatch(&m, "cdefs/fixture.h against include/fixture.h");
    let t = ffi.types();
    assert!(t.functions().count() >= 6, "fixture functions missing");
    assert!(t.tag("fx_bits").is_some() && t.typedef("fx_callback").is_some());
}

#[test]
fn header_and_twin_declare_the_same() {
    let from_cdef = Ffi::new();
    from_cdef.cdef(FIXTURE_CDEF).expect("cdef twin");
    let from_header = Ffi::new();
    from_header
        .cdef_header(&header_path(), &HeaderOptions::default())
        .expect("cdef_header");
    let a = fixture_lines(&from_cdef);
    let b = fixture_lines(&from_header);
    assert!(a.len() > 50, "dump too short: {a:?}");
    assert_eq!(
        a, b,
        "cdefs/fixture.h and include/fixture.h declare different things"
    );
    let m = common::probe(
        &from_header,
        &format!("#include \"{}\"\n", header_path()),
        "fixture-header",
    );
    common::assert_no_mismatch(&m, "include/fixture.h through cdef_header");
}
