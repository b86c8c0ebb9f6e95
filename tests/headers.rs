//! Real system headers through `Ffi::cdef_header` (cc -E -dD), every struct checked against cc.

mod common;

use jitffi::{Ffi, HeaderOptions};

fn check_header(header: &str) {
    common::require_cc();
    let ffi = Ffi::new();
    if let Err(e) = ffi.cdef_header(header, &HeaderOptions::default()) {
        let text = e.to_string();
        let shown: Vec<&str> = text.lines().take(20).collect();
        panic!("cdef_header({header}) failed:\n{}", shown.join("\n"));
    }
    let prelude = format!("#include <{header}>\n");
    let m = common::probe(&ffi, &prelude, &header.replace(['/', '.'], "_"));
    common::assert_no_mismatch(&m, header);
}

#[test]
fn stdio() {
    check_header("stdio.h");
}
#[test]
fn time() {
    check_header("time.h");
}
#[test]
fn sys_stat() {
    check_header("sys/stat.h");
}
#[test]
fn pthread() {
    check_header("pthread.h");
}
#[test]
fn zlib() {
    check_header("zlib.h");
}
#[test]
fn sqlite3() {
    check_header("sqlite3.h");
}
#[test]
fn glpk() {
    check_header("glpk.h");
}
#[test]
fn cblas() {
    check_header("cblas.h");
}
#[test]
fn lapacke() {
    check_header("lapacke.h");
}
#[test]
fn libpng() {
    check_header("png.h");
}
