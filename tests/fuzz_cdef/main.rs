//! Bounded, deterministic fuzzing of [`Ffi::cdef`] and [`Ffi::type_of`].
//!
//! The property: for any input text, `cdef` and `type_of` return `Ok` or `Err`: they never
//! panic, hang, overflow the stack or abort. A failed call leaves the type table as it was
//! (everything the table shows is fingerprinted before and after), a snapshot taken before a
//! call never changes, every error displays as non-empty text, and every diagnostic has a
//! 1-based line and column and a message.
//!
//! Suites (one test each):
//! - `random`: seeded generated inputs: random bytes (made UTF-8 lossily), random C
//!   punctuation, soups of C tokens, valid struct/union definitions from the layout test's
//!   generator, token-level mutations (insert, delete, duplicate, swap, repeat, wrap in
//!   brackets, splice, directive lines, truncation) of a corpus (the snippets below plus every
//!   file in `cdefs/`), concatenations of snippets, and type names. Some run on a context that
//!   already holds the snippets, some with `cdef_with` options, half with a snapshot held.
//! - `pathological`: a fixed list: deep nesting, long operator and declarator chains, huge
//!   sizes, extreme constants, recursive macros, unterminated text, odd characters, huge inputs.
//! - `regressions`: inputs that once broke the property (some still do: see the comments).
//!
//! How failures are caught: each suite runs in a child process (this test binary, re-run on the
//! process mode `fuzz_child`, see `main`), so a stack overflow or an abort kills only the child; the parent
//! reads the input in flight from a file, reports it and restarts the child after it. Inside the
//! child every call runs on a thread of the default size (2 MiB, what `std::thread::spawn`
//! gives a user) under a watchdog: no result after [`HANG_TIMEOUT`] is a hang (the child
//! reports it and exits). Panics are recorded by a panic hook and caught with `catch_unwind`,
//! including those cdef catches itself and reports as an "internal error". Each kind of failure
//! is minimized once and saved with a report under `target/tmp/fuzz_cdef/findings/`.
//!
//! Environment:
//! - `JITFFI_FUZZ_ITERS`: number of generated inputs (default [`DEFAULT_ITERS`]);
//! - `JITFFI_FUZZ_SEED`: the seed (default [`DEFAULT_SEED`]);
//! - `JITFFI_FUZZ_FILE`: run one saved input (see `fuzz_child`).
//!
//! Modules: `corpus` (snippets, type names, token alphabets, the `cdefs/` files), `cases`
//! (steps, cases, suites), `generate` (the random suite's inputs and mutations),
//! `pathological` and `regressions` (the fixed suites), `check` (checking one call under a
//! watchdog, minimizing and saving failures), `child` (runs a suite in this process),
//! `parent` (runs a suite in child processes, restarting them after hangs and aborts).

use std::panic;
use std::time::{Duration, Instant};

use cases::{Api, Suite, cdef, env_usize, type_of};
use check::{check_step, describe};
use child::run_suite_here;
use corpus::{SNIPPETS, TYPE_NAMES};
use jitffi::Ffi;
use parent::run_suite_isolated;

#[path = "../common/mod.rs"]
mod common;

mod cases;
mod check;
mod child;
mod corpus;
mod generate;
mod parent;
mod pathological;
mod regressions;

/// Generated inputs per run unless `JITFFI_FUZZ_ITERS` says otherwise.
const DEFAULT_ITERS: usize = 2500;
/// The seed unless `JITFFI_FUZZ_SEED` says otherwise.
const DEFAULT_SEED: u64 = 0x5eed_cdef_2024;
/// A call without a result after this long is a hang.
const HANG_TIMEOUT: Duration = Duration::from_secs(10);
/// Exit code of a child that found a hang (it cannot stop the stuck thread, so it exits).
const HANG_EXIT: i32 = 3;
/// Restarts of a child after a hang or an abort, per suite.
const MAX_RESTARTS: usize = 20;
/// Generated inputs that run on one accumulating context before it is rebuilt.
const SHARED_REUSE: usize = 40;
/// Upper bound on the size of a mutated input.
const MAX_MUTANT: usize = 256 << 10;

const SUITE_ENV: &str = "JITFFI_FUZZ_SUITE";
const START_ENV: &str = "JITFFI_FUZZ_START";
const ITERS_ENV: &str = "JITFFI_FUZZ_ITERS";
const SEED_ENV: &str = "JITFFI_FUZZ_SEED";
const FILE_ENV: &str = "JITFFI_FUZZ_FILE";
const FAILURE_BEGIN: &str = "=== FUZZ FAILURE ===";
const FAILURE_END: &str = "=== END FAILURE ===";

/// The corpus is valid: every snippet declares cleanly, alone and all on one context.
fn corpus_snippets_parse() {
    let all = Ffi::new();
    for (i, s) in SNIPPETS.iter().enumerate() {
        if let Err(e) = Ffi::new().cdef(s) {
            panic!("snippet {i} does not parse alone:\n{s}\n{e}");
        }
        if let Err(e) = all.cdef(s) {
            panic!("snippet {i} does not parse after the earlier ones:\n{s}\n{e}");
        }
    }
    let ok = TYPE_NAMES.iter().filter(|t| all.type_of(t).is_ok()).count();
    assert!(
        ok * 2 > TYPE_NAMES.len(),
        "most type names should resolve after the snippets ({ok} did)"
    );
}

/// Generated inputs: random bytes, token soups, corpus mutations, type names.
fn fuzz_random_inputs() {
    let s = run_suite_isolated(Suite::Random);
    // Not vacuous: the generator reaches both outcomes of both calls.
    assert!(
        s.cdef_ok > s.cases / 20 && s.cdef_err > s.cases / 20,
        "cdef outcomes too one-sided: {s:?}"
    );
    assert!(
        s.type_ok > 0 && s.type_err > 0,
        "type_of outcomes too one-sided: {s:?}"
    );
}

/// Deep nesting, long chains, huge sizes, recursive macros, unterminated text, odd characters.
fn fuzz_pathological_inputs() {
    let s = run_suite_isolated(Suite::Pathological);
    assert!(s.cdef_ok > 0 && s.cdef_err > 0, "{s:?}");
}

/// Inputs that once broke the property.
fn fuzz_regressions() {
    run_suite_isolated(Suite::Regressions);
}

/// The worker of the tests above, run by them in a child process (this binary with the suite in
/// `JITFFI_FUZZ_SUITE`).
///
/// To rerun one saved input: `JITFFI_FUZZ_FILE=path [JITFFI_FUZZ_API=type_of] cargo test --test
/// fuzz_cdef` (prints the result and the time it took).
fn fuzz_child() {
    if let Ok(path) = std::env::var(FILE_ENV) {
        let bytes = std::fs::read(&path).expect("read JITFFI_FUZZ_FILE");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let step = if std::env::var("JITFFI_FUZZ_API").is_ok_and(|a| a == "type_of") {
            type_of(text)
        } else {
            cdef(text)
        };
        let t = Instant::now();
        let r = check_step(&Ffi::new(), &step);
        println!(
            "{}({path}): {r:?} in {:.3} s",
            step.call(),
            t.elapsed().as_secs_f64()
        );
        if r.is_ok() {
            let e = match step.api {
                Api::Cdef => Ffi::new().cdef(&step.text).err(),
                Api::TypeOf => Ffi::new().type_of(&step.text).err(),
            };
            if let Some(e) = e {
                println!("error: {}", describe(&e.to_string()));
            }
        }
        return;
    }
    match std::env::var(SUITE_ENV)
        .ok()
        .as_deref()
        .and_then(Suite::from_name)
    {
        Some(suite) => run_suite_here(suite, env_usize(START_ENV).unwrap_or(0)),
        None => {
            for suite in Suite::ALL {
                run_suite_here(suite, 0);
            }
        }
    }
}

/// This test target has its own harness (`harness = false` in Cargo.toml): the parent runs the
/// suites, each in child processes of this same binary, which `main` recognises by the
/// environment the parent sets. Arguments that are not flags filter the tests by name, as
/// libtest's do.
fn main() {
    if std::env::var_os(SUITE_ENV).is_some() || std::env::var_os(FILE_ENV).is_some() {
        fuzz_child();
        return;
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tests: [(&str, fn()); 4] = [
        ("corpus_snippets_parse", corpus_snippets_parse),
        ("fuzz_random_inputs", fuzz_random_inputs),
        ("fuzz_pathological_inputs", fuzz_pathological_inputs),
        ("fuzz_regressions", fuzz_regressions),
    ];
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let t = Instant::now();
        let res = panic::catch_unwind(test);
        let status = if res.is_ok() { "ok" } else { "FAILED" };
        println!(
            "test {name} ... {status} ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
        if res.is_err() {
            failed.push(name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
