//! Data-driven cdef tests: `tests/data/cdef/{ok,err}/NNNN_name.h` with the expected output in
//! `NNNN_name.txt` next to it. `UPDATE_EXPECT=1 cargo test --test cdef_data` rewrites them.
//!
//! A case may hold several `cdef` calls, separated by lines starting with `//- cdef`; a line
//! `//- options: allow_redefinition` (or `pack=N`) before a call sets its options. The expected
//! output lists each call's result (`ok` or its diagnostics) and then the text dump of the final
//! table (builtins left out), so transactional behaviour shows in the snapshot.
//! `ok` cases must have no error in any call and are also compiled by `cc` and checked by the
//! layout probe; `err` cases must have at least one error.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use jitffi::dump::{self, DumpOptions};
use jitffi::{CdefOptions, Ffi};

struct Outcome {
    text: String,
    any_error: bool,
    ffi: Ffi,
    c_text: String,
}

fn run_case(src: &str) -> Outcome {
    let ffi = Ffi::new();
    let mut text = String::new();
    let mut any_error = false;
    let mut chunks: Vec<(CdefOptions, String)> = vec![(CdefOptions::default(), String::new())];
    for line in src.split_inclusive('\n') {
        if line.starts_with("//- cdef") {
            chunks.push((CdefOptions::default(), String::new()));
            // Keep line numbers of later chunks meaningful: each chunk starts at its own line 1.
            continue;
        }
        if let Some(opts) = line.strip_prefix("//- options:") {
            let o = &mut chunks.last_mut().expect("one chunk").0;
            for w in opts.split_whitespace() {
                if w == "allow_redefinition" {
                    o.allow_redefinition = true;
                } else if let Some(n) = w.strip_prefix("pack=") {
                    o.pack = Some(n.parse().expect("pack=N"));
                } else {
                    panic!("unknown option {w}");
                }
            }
            chunks.last_mut().expect("one chunk").1.push('\n');
            continue;
        }
        chunks.last_mut().expect("one chunk").1.push_str(line);
    }
    for (i, (opts, chunk)) in chunks.iter().enumerate() {
        let res = ffi.cdef_with(chunk, opts);
        let _ = writeln!(text, "== cdef {}", i + 1);
        match res {
            Ok(()) => text.push_str("ok\n"),
            Err(e) => {
                any_error = true;
                let _ = writeln!(text, "{e}");
            }
        }
    }
    text.push_str("== table\n");
    text.push_str(&dump::to_text(
        &ffi.types(),
        ffi.target(),
        DumpOptions::default(),
    ));
    let c_text = chunks
        .into_iter()
        .map(|c| c.1)
        .collect::<Vec<_>>()
        .join("\n");
    Outcome {
        text,
        any_error,
        ffi,
        c_text,
    }
}

fn cases(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cdef")
        .join(kind);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "h"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no cases in {}", dir.display());
    v
}

/// Compares `actual` with the `.txt` next to `case`, or rewrites it under `UPDATE_EXPECT=1`.
/// Returns a failure description.
fn check(case: &Path, actual: &str) -> Option<String> {
    let expect_path = case.with_extension("txt");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expect_path, actual).expect("write expectation");
        return None;
    }
    let expected = std::fs::read_to_string(&expect_path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    Some(format!(
        "{} differs from {} (UPDATE_EXPECT=1 to rewrite):\n--- expected\n{expected}\n--- actual\n{actual}",
        case.display(),
        expect_path.display()
    ))
}

#[test]
fn ok_cases() {
    let mut failures = Vec::new();
    let mut c_texts = Vec::new();
    for case in cases("ok") {
        let src = std::fs::read_to_string(&case).expect("read case");
        let out = run_case(&src);
        if out.any_error {
            failures.push(format!(
                "{}: ok case has errors:\n{}",
                case.display(),
                out.text
            ));
            continue;
        }
        if let Some(f) = check(&case, &out.text) {
            failures.push(f);
        }
        c_texts.push((case, out.ffi, out.c_text));
    }
    // Every ok case is C: the compiler checks jitffi's layouts of it.
    for (case, ffi, c_text) in c_texts {
        if c_text.contains("//- no-probe") {
            continue;
        }
        let label = case
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let m = common::probe(&ffi, &c_text, &label);
        if !m.is_empty() {
            let shown: Vec<String> = m.iter().take(10).map(ToString::to_string).collect();
            failures.push(format!(
                "{}: layout differs from cc:\n{}",
                case.display(),
                shown.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn err_cases() {
    let mut failures = Vec::new();
    for case in cases("err") {
        let src = std::fs::read_to_string(&case).expect("read case");
        let out = run_case(&src);
        if !out.any_error {
            failures.push(format!(
                "{}: err case has no error:\n{}",
                case.display(),
                out.text
            ));
            continue;
        }
        if let Some(f) = check(&case, &out.text) {
            failures.push(f);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
