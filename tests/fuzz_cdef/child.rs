//! The child: runs the cases of a suite in this process on fresh or accumulating contexts,
//! writing the input in flight to a file and counting outcomes, and reports violations.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::cases::{Api, Step, Suite, cdef};
use crate::check::{
    BACKTRACES, Run, describe, install_panic_hook, minimize, reproduce, run_step, save_finding,
    signature, take_panics, work_dir,
};
use crate::corpus::SNIPPETS;
use crate::{HANG_EXIT, HANG_TIMEOUT, SHARED_REUSE};
use jitffi::Ffi;

#[derive(Default, Debug)]
pub(crate) struct Stats {
    pub(crate) cases: usize,
    pub(crate) cdef_ok: usize,
    pub(crate) cdef_err: usize,
    pub(crate) type_ok: usize,
    pub(crate) type_err: usize,
}

impl Stats {
    pub(crate) fn line(&self, suite: Suite, elapsed: Duration) -> String {
        format!(
            "STATS suite={} cases={} cdef_ok={} cdef_err={} type_ok={} type_err={} secs={:.2}",
            suite.name(),
            self.cases,
            self.cdef_ok,
            self.cdef_err,
            self.type_ok,
            self.type_err,
            elapsed.as_secs_f64()
        )
    }

    pub(crate) fn add_line(&mut self, line: &str) {
        for kv in line.split_whitespace() {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            let v: usize = v.parse().unwrap_or(0);
            match k {
                "cases" => self.cases += v,
                "cdef_ok" => self.cdef_ok += v,
                "cdef_err" => self.cdef_err += v,
                "type_ok" => self.type_ok += v,
                "type_err" => self.type_err += v,
                _ => {}
            }
        }
    }
}

/// The accumulating context of a suite and the calls that built it.
struct SharedCtx {
    ffi: Ffi,
    log: Vec<Step>,
    uses: usize,
}

fn shared_ctx() -> SharedCtx {
    let ffi = Ffi::new();
    let mut log = Vec::new();
    for s in SNIPPETS {
        if ffi.cdef(s).is_ok() {
            log.push(cdef(*s));
        }
    }
    SharedCtx { ffi, log, uses: 0 }
}

pub(crate) fn inflight_paths(suite: Suite) -> (PathBuf, PathBuf) {
    let d = work_dir();
    (
        d.join(format!("{}.inflight.meta", suite.name())),
        d.join(format!("{}.inflight.txt", suite.name())),
    )
}

/// Runs the cases of `suite` from `start` on; panics at the end if any failed. A hang makes
/// the process exit with [`HANG_EXIT`] (the stuck thread cannot be stopped).
pub(crate) fn run_suite_here(suite: Suite, start: usize) {
    install_panic_hook();
    let source = suite.cases();
    let t0 = Instant::now();
    let mut stats = Stats::default();
    let mut reports: Vec<String> = Vec::new();
    let mut shared: Option<SharedCtx> = None;
    let mut slowest = (Duration::ZERO, String::new());
    let mut repeats: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let (meta_path, text_path) = inflight_paths(suite);
    for i in start..source.len() {
        let case = source.get(i);
        let (ffi, mut setup) = if case.shared {
            let ctx = match &mut shared {
                Some(c) if c.uses < SHARED_REUSE => c,
                _ => shared.insert(shared_ctx()),
            };
            ctx.uses += 1;
            (ctx.ffi.clone(), ctx.log.clone())
        } else {
            (Ffi::new(), Vec::new())
        };
        stats.cases += 1;
        for (j, step) in case.steps.iter().enumerate() {
            let _ = std::fs::write(&text_path, &step.text);
            let _ = std::fs::write(
                &meta_path,
                format!(
                    "{i}\n{}\nstep {j}: {}\nafter {} earlier calls on the context\n",
                    case.name,
                    step.call(),
                    setup.len()
                ),
            );
            let _ = take_panics();
            let t = Instant::now();
            let mut run = run_step(&ffi, step, HANG_TIMEOUT);
            let dt = t.elapsed();
            if let (Some(limit), Run::Done(Ok(_))) = (case.limit, &run)
                && dt > limit
            {
                run = Run::Done(Err(format!(
                    "{}: too slow: took {:.2} s, the limit for this input is {:.2} s",
                    step.call(),
                    dt.as_secs_f64(),
                    limit.as_secs_f64()
                )));
            }
            if dt > Duration::from_secs(1) || std::env::var_os("JITFFI_FUZZ_TIMES").is_some() {
                println!("slow: {:.2} s for {} step {j}", dt.as_secs_f64(), case.name);
            }
            if dt > slowest.0 {
                slowest = (dt, case.name.clone());
            }
            match run {
                Run::Done(Ok(ok)) => {
                    match (step.api, ok) {
                        (Api::Cdef, true) => stats.cdef_ok += 1,
                        (Api::Cdef, false) => stats.cdef_err += 1,
                        (Api::TypeOf, true) => stats.type_ok += 1,
                        (Api::TypeOf, false) => stats.type_err += 1,
                    }
                    if ok {
                        setup.push(step.clone());
                        if case.shared
                            && let Some(c) = &mut shared
                        {
                            c.log.push(step.clone());
                        }
                    }
                }
                Run::Done(Err(msg)) => {
                    // Report each kind of failure once (minimized); count the repeats.
                    let sig = signature(&msg);
                    let seen = repeats.entry(sig).or_insert(0);
                    *seen += 1;
                    if *seen == 1 {
                        let report = report_violation(
                            &format!("{}-{}", suite.name(), case.name),
                            &setup,
                            step,
                            &msg,
                        );
                        eprint!("{report}");
                        reports.push(report);
                    }
                    break;
                }
                Run::Hang => {
                    let symptom = format!("hang: no result after {} s", HANG_TIMEOUT.as_secs());
                    let report = save_finding(
                        &format!("{}-{}-hang", suite.name(), case.name),
                        &setup,
                        step,
                        &symptom,
                    );
                    eprint!("{report}");
                    println!("{}", stats.line(suite, t0.elapsed()));
                    std::process::exit(HANG_EXIT);
                }
            }
        }
    }
    let _ = std::fs::remove_file(&meta_path);
    let _ = std::fs::remove_file(&text_path);
    println!("{}", stats.line(suite, t0.elapsed()));
    println!(
        "slowest case: {:.2} s ({})",
        slowest.0.as_secs_f64(),
        slowest.1
    );
    for (sig, n) in repeats.iter().filter(|(_, n)| **n > 1) {
        println!("failure '{sig}' hit by {n} inputs");
    }
    assert!(
        reports.is_empty(),
        "{} inputs violate the property (reports above and in {})",
        reports.len(),
        work_dir().display()
    );
}

/// Minimizes a violating input, reruns it with backtraces, saves it; returns the report.
fn report_violation(tag: &str, setup: &[Step], step: &Step, msg: &str) -> String {
    let sig = signature(msg);
    let setup: Vec<Step> = if !setup.is_empty()
        && sig != "too slow"
        && reproduce(&[], step, HANG_TIMEOUT).is_some_and(|m| signature(&m) == sig)
    {
        Vec::new()
    } else {
        setup.to_vec()
    };
    // A time limit is not checked by `reproduce`, so such inputs are reported as they are.
    let timing = sig == "too slow";
    let small = if setup.len() <= 4 && !timing {
        minimize(&setup, step, &sig)
    } else {
        step.clone()
    };
    BACKTRACES.store(true, Ordering::Relaxed);
    let _ = take_panics();
    let detail = if timing {
        None
    } else {
        reproduce(&setup, &small, HANG_TIMEOUT)
    };
    let detail = detail.unwrap_or_else(|| msg.to_string());
    BACKTRACES.store(false, Ordering::Relaxed);
    let kind = if sig.starts_with("panic") {
        "panic"
    } else {
        "violation"
    };
    let mut report = save_finding(&format!("{tag}-{kind}"), &setup, &small, &detail);
    if small.text != step.text {
        let _ = writeln!(report, "(minimized from {})", describe(&step.text));
    }
    report
}
