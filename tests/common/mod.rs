//! Helpers shared by the integration tests: the layout probe runner and the random generators.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the common module"
)]

pub mod property;
pub mod random;
pub mod sigs;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use jitffi::Ffi;
use jitffi::probe::{Mismatch, Probe};

/// A fresh directory under cargo's per-test-target temp dir.
pub fn scratch_dir(label: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("{label}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Fails the test with an install hint when the C compiler is missing.
pub fn require_cc() {
    let ok = std::process::Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "these tests need a C compiler as `cc` (install one: `apt-get install gcc`, or set CC)"
    );
}

/// Runs the layout probe for everything `ffi` declared and returns the mismatches.
pub fn probe(ffi: &Ffi, prelude: &str, label: &str) -> Vec<Mismatch> {
    require_cc();
    let p = Probe::new(&ffi.types(), ffi.target(), prelude);
    let dir = scratch_dir(label);
    match p.check(&dir, &[]) {
        Ok(m) => m,
        Err(e) => panic!("probe {label} failed: {e}\n(source in {})", dir.display()),
    }
}

/// Asserts an empty mismatch list, printing the first few.
#[track_caller]
pub fn assert_no_mismatch(m: &[Mismatch], what: &str) {
    if !m.is_empty() {
        let shown: Vec<String> = m.iter().take(25).map(ToString::to_string).collect();
        panic!(
            "{} layout mismatches against the C compiler for {what}:\n{}",
            m.len(),
            shown.join("\n")
        );
    }
}

/// Builds the fixture library (`tests/c/fixture.c`) once per test binary and returns its path.
pub fn fixture_lib() -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    LIB.get_or_init(|| {
        require_cc();
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let out = scratch_dir("fixture").join("libjitffi_fixture.so");
        let status =
            std::process::Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
                .args([
                    "-O2", "-shared", "-fPIC", "-pthread", "-Wall", "-Werror", "-o",
                ])
                .arg(&out)
                .arg("-I")
                .arg(root.join("include"))
                .arg(root.join("tests/c/fixture.c"))
                .status()
                .expect("run cc");
        assert!(status.success(), "building the fixture library failed");
        out
    })
    .clone()
}

/// A context with `cdefs/fixture.h` declared and the fixture library loaded.
pub fn fixture() -> (Ffi, jitffi::Library) {
    let ffi = Ffi::new();
    ffi.cdef(include_str!("../../cdefs/fixture.h"))
        .expect("cdefs/fixture.h");
    // SAFETY: the fixture library has no initialisers.
    let lib =
        unsafe { jitffi::Library::open(&fixture_lib().to_string_lossy(), &Default::default()) }
            .expect("load fixture");
    (ffi, lib)
}

/// The hash `tests/c/fixture.c` computes (`mix`).
pub fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0x100000001b3).wrapping_add(h >> 29)
}

/// The byte ranges of the scalar members of a struct type (padding excluded), for comparing
/// struct values member by member.
pub fn member_ranges(ty: &jitffi::Type) -> Vec<(usize, usize)> {
    fn walk(
        t: &jitffi::ctype::TypeTable,
        id: jitffi::ctype::TypeId,
        base: u64,
        out: &mut Vec<(usize, usize)>,
    ) {
        match t.raw_type(id) {
            jitffi::ctype::CType::Record(r) => {
                let body = r.body.as_ref().expect("complete");
                // A union: its first member.
                let fields = if r.kind == jitffi::ctype::RecordKind::Union {
                    &body.fields[..1]
                } else {
                    &body.fields[..]
                };
                for f in fields {
                    walk(t, f.ty, base + f.offset, out);
                }
            }
            jitffi::ctype::CType::Array { elem, len: Some(n) } => {
                let size = match t.raw_type(*elem) {
                    jitffi::ctype::CType::Prim(p) => jitffi::Target::host().prim(*p).0,
                    _ => panic!("arrays of aggregates not used here"),
                };
                for i in 0..*n {
                    walk(t, *elem, base + i * size, out);
                }
            }
            jitffi::ctype::CType::Prim(p) => {
                out.push((base as usize, jitffi::Target::host().prim(*p).0 as usize));
            }
            _ => out.push((base as usize, 8)),
        }
    }
    let mut out = Vec::new();
    walk(ty.table(), ty.id(), 0, &mut out);
    out
}

/// Compiles and runs a C program; returns its standard output.
pub fn run_c(src: &str, label: &str) -> String {
    require_cc();
    let dir = scratch_dir(label);
    let c = dir.join("main.c");
    let exe = dir.join("main");
    std::fs::write(&c, src).expect("write C source");
    let out = std::process::Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=gnu11", "-w", "-o"])
        .arg(&exe)
        .arg(&c)
        .output()
        .expect("run cc");
    assert!(
        out.status.success(),
        "cc failed on {}:\n{}",
        c.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = std::process::Command::new(&exe)
        .output()
        .expect("run the program");
    assert!(run.status.success(), "{} failed", exe.display());
    String::from_utf8(run.stdout).expect("UTF-8 output")
}
