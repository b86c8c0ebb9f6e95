//! Layouts cross-checked against the C compiler: random structs and unions (seeded).

mod common;

use common::random::Gen;
use jitffi::Ffi;

fn random_count() -> usize {
    std::env::var("JITFFI_RANDOM_STRUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

#[test]
fn random_records_match_gcc() {
    let seed: u64 = std::env::var("JITFFI_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_1a70);
    let mut g = Gen::new(seed);
    for _ in 0..random_count() {
        g.record();
    }
    let text = g.text().to_string();
    let ffi = Ffi::new();
    if let Err(e) = ffi.cdef(&text) {
        let dir = common::scratch_dir("random-cdef");
        std::fs::write(dir.join("random.h"), &text).unwrap();
        panic!(
            "cdef of random records failed (text in {}):\n{e}",
            dir.display()
        );
    }
    let m = common::probe(&ffi, &text, "random");
    if !m.is_empty() {
        let dir = common::scratch_dir("random-mismatch");
        std::fs::write(dir.join("random.h"), &text).unwrap();
        eprintln!("random cdef text in {}", dir.display());
    }
    common::assert_no_mismatch(
        &m,
        &format!("random records (seed {seed:#x}, JITFFI_SEED to reproduce)"),
    );
}
