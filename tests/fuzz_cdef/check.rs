//! Checking one call: the panic hook, the property on results and errors, each step on its
//! own thread under a watchdog, and minimizing, describing and saving a failing input.

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, mpsc};
use std::time::{Duration, Instant};

use crate::cases::{Api, Step};
use crate::common::property::{self, fingerprint};
use crate::{FAILURE_BEGIN, FAILURE_END};
use jitffi::{CdefError, Ffi};

/// Panic messages of cdef's and the workers' threads, recorded by the hook.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Record a backtrace with each panic (for the final report, not during minimization).
pub(crate) static BACKTRACES: AtomicBool = AtomicBool::new(false);

fn lock_panics() -> std::sync::MutexGuard<'static, Vec<String>> {
    PANICS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records panics of worker and parser threads instead of printing them; others (the test's
/// own assertions) go to the default hook.
pub(crate) fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name();
            let ours = matches!(name, None | Some("jitffi-cdef" | "fuzz-worker"));
            if !ours {
                default(info);
                return;
            }
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string payload>".into());
            let location = info
                .location()
                .map_or_else(|| "<unknown>".into(), ToString::to_string);
            let mut msg = format!(
                "thread '{}' panicked at {location}: {payload}",
                name.unwrap_or("<unnamed>")
            );
            if BACKTRACES.load(Ordering::Relaxed) {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                msg.push_str("\nbacktrace (jitffi and lang-c frames):\n");
                msg.push_str(&short_backtrace(&bt));
            }
            lock_panics().push(msg);
        }));
    });
}

/// The frames of a backtrace that are in jitffi or lang-c, with their locations.
fn short_backtrace(bt: &str) -> String {
    let lines: Vec<&str> = bt.lines().collect();
    let mut out = String::new();
    let mut n = 0;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("at ") {
            continue;
        }
        if (t.contains("jitffi::") || t.contains("lang_c::")) && !t.contains("fuzz_cdef::") {
            out.push_str(l);
            out.push('\n');
            if let Some(next) = lines
                .get(i + 1)
                .filter(|n| n.trim_start().starts_with("at "))
            {
                out.push_str(next);
                out.push('\n');
            }
            n += 1;
            if n >= 25 {
                out.push_str("      ...\n");
                break;
            }
        }
    }
    out
}

pub(crate) fn take_panics() -> String {
    let mut p = lock_panics();
    let s = p.join("\n");
    p.clear();
    s
}

/// Checks an error against the property; `Err` describes the violation. A panic cdef caught
/// and reported as an internal error is one too.
fn check_error(e: &CdefError) -> Result<(), String> {
    property::check_error(e)?;
    for d in &e.diagnostics {
        if d.message.starts_with("internal error") {
            return Err(format!(
                "cdef reported an internal error (a panic it caught): {d}\n{}",
                take_panics()
            ));
        }
    }
    Ok(())
}

/// Runs one step; `Ok(true)`: the call returned `Ok`, `Ok(false)`: a proper `Err`, `Err`: the
/// property is violated (the message says how).
pub(crate) fn check_step(ffi: &Ffi, step: &Step) -> Result<bool, String> {
    // No snapshot is kept across the call unless the step asks for one: holding one changes
    // how the table is updated (copy on write instead of in place with rollback).
    let before = fingerprint(&ffi.types());
    let snapshot = step.snapshot.then(|| ffi.types());
    let result = call_step(ffi, step);
    if let Some(s) = snapshot {
        let now = fingerprint(&s);
        if now != before {
            return Err(format!(
                "{}: a snapshot taken before the call changed ([types, typedefs, functions, globals, constants] {:?} -> {:?})",
                step.call(),
                before.0,
                now.0
            ));
        }
    }
    let ok = result?;
    if !ok {
        let after = fingerprint(&ffi.types());
        if after != before {
            return Err(format!(
                "{} failed but changed the table ([types, typedefs, functions, globals, constants] {:?} -> {:?})",
                step.call(),
                before.0,
                after.0
            ));
        }
    }
    Ok(ok)
}

/// Makes the call of `step`: `Ok(true)` for `Ok`, `Ok(false)` for a proper `Err`.
fn call_step(ffi: &Ffi, step: &Step) -> Result<bool, String> {
    let call = panic::catch_unwind(AssertUnwindSafe(|| match step.api {
        Api::Cdef => match &step.opts {
            None => ffi.cdef(&step.text),
            Some(o) => ffi.cdef_with(&step.text, o),
        }
        .map(|()| None),
        Api::TypeOf => ffi.type_of(&step.text).map(Some),
    }));
    let result = match call {
        Ok(r) => r,
        Err(_) => return Err(format!("{} panicked: {}", step.call(), take_panics())),
    };
    // A panic that cdef caught and turned into an error is a bug all the same.
    let panics = take_panics();
    if !panics.is_empty() {
        return Err(format!(
            "{}: the parser panicked (cdef caught it): {panics}",
            step.call()
        ));
    }
    match result {
        Ok(None) => Ok(true),
        Ok(Some(ty)) => {
            // Use the type: display and layout must not panic either.
            let used = panic::catch_unwind(AssertUnwindSafe(|| {
                let _ = ty.to_string();
                let _ = ty.declare("x");
                let _ = ty.layout();
                let _ = ty.fields().map(<[_]>::len);
            }));
            match used {
                Ok(()) => Ok(true),
                Err(_) => Err(format!(
                    "type_of returned Ok, then using the type panicked: {}",
                    take_panics()
                )),
            }
        }
        Err(jitffi::Error::Cdef(e)) => {
            check_error(&e).map_err(|m| format!("{}: {m}", step.call()))?;
            Ok(false)
        }
        Err(other) => Err(format!(
            "{}: a cdef error that is not a CdefError: {other:?}",
            step.call()
        )),
    }
}

pub(crate) enum Run {
    Done(Result<bool, String>),
    Hang,
}

/// [`check_step`] on a fresh thread, giving up after `timeout` (the thread is left running).
pub(crate) fn run_step(ffi: &Ffi, step: &Step, timeout: Duration) -> Run {
    let (tx, rx) = mpsc::channel();
    let (ffi2, step2) = (ffi.clone(), step.clone());
    // The default stack size (2 MiB unless RUST_MIN_STACK says otherwise), as any thread
    // spawned by a user of the crate gets: cdef must not need more from its caller.
    let spawned = std::thread::Builder::new()
        .name("fuzz-worker".into())
        .spawn(move || {
            let r = check_step(&ffi2, &step2);
            let _ = tx.send(r);
        });
    let handle = match spawned {
        Ok(h) => h,
        Err(e) => return Run::Done(Err(format!("cannot start a worker thread: {e}"))),
    };
    match rx.recv_timeout(timeout) {
        Ok(r) => {
            let _ = handle.join();
            Run::Done(r)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Run::Hang,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let _ = handle.join();
            Run::Done(Err(format!(
                "the worker thread died without a result: {}",
                take_panics()
            )))
        }
    }
}

/// What identifies a failure when minimizing: the panic location, or the kind of violation.
pub(crate) fn signature(msg: &str) -> String {
    if let Some(p) = msg.find("panicked at ") {
        let loc: Vec<&str> = msg[p + 12..].splitn(3, ':').take(2).collect();
        return format!("panic at {}", loc.join(":"));
    }
    if msg.contains("too slow") {
        return "too slow".into();
    }
    if msg.contains("changed the table") {
        return "table changed".into();
    }
    if msg.contains("snapshot taken before the call changed") {
        return "snapshot changed".into();
    }
    msg.split(':')
        .nth(1)
        .unwrap_or(msg)
        .trim()
        .chars()
        .take(40)
        .collect()
}

/// Runs `setup` then `step` on a fresh context; the violation message if `step` violates the
/// property (`None` if it does not, or if anything hangs).
pub(crate) fn reproduce(setup: &[Step], step: &Step, timeout: Duration) -> Option<String> {
    let ffi = Ffi::new();
    for s in setup {
        match run_step(&ffi, s, timeout) {
            Run::Hang | Run::Done(Err(_)) => return None,
            Run::Done(Ok(_)) => {}
        }
    }
    match run_step(&ffi, step, timeout) {
        Run::Done(Err(m)) => Some(m),
        _ => None,
    }
}

/// Shrinks the text of `step` while it still fails with the same signature: removes chunks of
/// characters, halving the chunk size (bounded in attempts and time).
pub(crate) fn minimize(setup: &[Step], step: &Step, sig: &str) -> Step {
    let timeout = Duration::from_secs(2);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempts = 0;
    let mut cur: Vec<char> = step.text.chars().collect();
    let mut chunk = cur.len().div_ceil(2).max(1);
    let fails = |chars: &[char]| {
        let s = Step {
            text: chars.iter().collect(),
            ..step.clone()
        };
        reproduce(setup, &s, timeout).is_some_and(|m| signature(&m) == sig)
    };
    loop {
        let mut i = 0;
        while i < cur.len() {
            if attempts >= 3000 || Instant::now() > deadline {
                return Step {
                    text: cur.iter().collect(),
                    ..step.clone()
                };
            }
            attempts += 1;
            let end = (i + chunk).min(cur.len());
            let mut cand = cur[..i].to_vec();
            cand.extend_from_slice(&cur[end..]);
            if fails(&cand) {
                cur = cand;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    Step {
        text: cur.iter().collect(),
        ..step.clone()
    }
}

/// A short, escaped rendering of an input for reports.
pub(crate) fn describe(text: &str) -> String {
    if text.len() <= 600 {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(300).collect();
    let tail: String = {
        let t: Vec<char> = text.chars().rev().take(120).collect();
        t.into_iter().rev().collect()
    };
    format!("{head:?} ... ({} bytes in all) ... {tail:?}", text.len())
}

pub(crate) fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz_cdef");
    let _ = std::fs::create_dir_all(d.join("findings"));
    d
}

fn file_tag(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect()
}

/// Saves a failing input (raw text, plus a report with the calls before it) and returns the
/// report block printed for the parent.
pub(crate) fn save_finding(tag: &str, setup: &[Step], step: &Step, symptom: &str) -> String {
    let dir = work_dir().join("findings");
    let base = file_tag(tag);
    let input_path = dir.join(format!("{base}.txt"));
    let _ = std::fs::write(&input_path, &step.text);
    let mut report = format!(
        "{FAILURE_BEGIN}\ncase: {tag}\ncall: {}\nsymptom: {symptom}\n",
        step.call()
    );
    if !setup.is_empty() {
        let _ = writeln!(report, "after these calls on one Ffi::new() context:");
        for s in setup {
            let _ = writeln!(report, "  {}({})", s.call(), describe(&s.text));
        }
    }
    let _ = write!(
        report,
        "input: {}\nsaved: {}\n{FAILURE_END}\n",
        describe(&step.text),
        input_path.display()
    );
    let _ = std::fs::write(dir.join(format!("{base}.report.txt")), &report);
    report
}
