//! Helpers shared by the integration tests: the layout probe runner and the random generators.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the common module"
)]

pub mod random;

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
