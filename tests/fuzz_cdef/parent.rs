//! The parent: runs a suite in child processes of this binary, restarting them after hangs and
//! aborts, and fails with every failure they report.

use std::process::Command;
use std::time::Instant;

use crate::cases::{Suite, cdef, type_of};
use crate::check::save_finding;
use crate::child::{Stats, inflight_paths};
use crate::{FAILURE_BEGIN, FAILURE_END, HANG_EXIT, MAX_RESTARTS, START_ENV, SUITE_ENV};

/// The failure blocks a child printed.
fn failure_blocks(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = stderr;
    while let Some(b) = rest.find(FAILURE_BEGIN) {
        let after = &rest[b..];
        let end = after
            .find(FAILURE_END)
            .map_or(after.len(), |e| e + FAILURE_END.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

pub(crate) fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Runs `suite` in child processes (restarting after hangs and aborts) and fails the test
/// with every failure found.
pub(crate) fn run_suite_isolated(suite: Suite) -> Stats {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut start = 0;
    let mut failures: Vec<String> = Vec::new();
    let mut stats = Stats::default();
    let t0 = Instant::now();
    for _ in 0..=MAX_RESTARTS {
        let (meta_path, text_path) = inflight_paths(suite);
        let _ = std::fs::remove_file(&meta_path);
        let out = Command::new(&exe)
            .env(SUITE_ENV, suite.name())
            .env(START_ENV, start.to_string())
            .output()
            .expect("run the fuzz child process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "child for suite {} from case {start}: {}",
            suite.name(),
            out.status
        );
        for l in stdout.lines() {
            let Some(p) = ["STATS ", "slow", "failure '"]
                .iter()
                .filter_map(|m| l.find(m))
                .min()
            else {
                continue;
            };
            let l = &l[p..];
            println!("{l}");
            if l.starts_with("STATS ") {
                stats.add_line(l);
            }
        }
        failures.extend(failure_blocks(&stderr));
        let code = out.status.code();
        if out.status.success() || code == Some(101) {
            if code == Some(101) && failure_blocks(&stderr).is_empty() {
                failures.push(format!(
                    "the child failed:\n{}\n{}",
                    tail(&stdout, 20),
                    tail(&stderr, 40)
                ));
            }
            break;
        }
        // A hang (reported by the child) or a crash: continue after the input in flight.
        let meta = std::fs::read_to_string(&meta_path).unwrap_or_default();
        let Some(index) = meta.lines().next().and_then(|l| l.parse::<usize>().ok()) else {
            failures.push(format!(
                "the child died ({}) with no input in flight:\n{}",
                out.status,
                tail(&stderr, 40)
            ));
            break;
        };
        if code != Some(HANG_EXIT) {
            let text = std::fs::read_to_string(&text_path).unwrap_or_default();
            let name = meta.lines().nth(1).unwrap_or("?");
            let step = if meta.contains("type_of") {
                type_of(text)
            } else {
                cdef(text)
            };
            let what = meta.lines().skip(1).collect::<Vec<_>>().join(", ");
            let hint = if stderr.contains("overflowed its stack") {
                "a stack overflow"
            } else if out.status.to_string().contains("SIGSEGV") {
                "SIGSEGV: most likely a stack overflow on a stack the crate allocated (no guard-page message)"
            } else {
                "an abort"
            };
            let symptom = format!(
                "the process died ({}; {hint}) during case {index} ({what}); its stderr ends with:\n{}",
                out.status,
                tail(&stderr, 6)
            );
            failures.push(save_finding(
                &format!("{}-{name}-abort", suite.name()),
                &[],
                &step,
                &symptom,
            ));
        }
        start = index + 1;
    }
    println!(
        "suite {} took {:.2} s",
        suite.name(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures in suite {}:\n{}",
        failures.len(),
        suite.name(),
        failures.join("\n")
    );
    stats
}
