//! `jitffi bench`: benchmarks, measured the way ../shared/bench/peers measures (CPU time,
//! calibrated loops, median of repetitions), reported as tables or JSON.
//!
//! Groups:
//! - `cdef`: parsing declarations: `cdefs/glpk.h` (hand-written cdef of the whole GLPK API)
//!   and `sqlite3.h` after `cc -E -dD` (preprocessing not timed), plus `Ffi::new`.

use std::time::Instant;

use clap::Args;
use jitffi::{CdefOptions, Ffi, HeaderOptions};
use serde_json::json;

/// Arguments of `jitffi bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Repetitions of each row (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Groups to run (default: all). Known: cdef.
    groups: Vec<String>,
}

/// CPU time of the whole process, in nanoseconds (cdef parses on a helper thread, so thread
/// CPU time of the caller would miss the work).
fn process_cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; the clock id is a
    // constant the platform defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    u128::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u128::try_from(ts.tv_nsec).unwrap_or(0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// A benchmark result: median per-operation time over repetitions, in microseconds.
struct Row {
    name: &'static str,
    what: String,
    bytes: usize,
    cpu_us: f64,
    wall_us: f64,
    target_us: Option<f64>,
}

/// Runs `op` (with a fresh setup value each time) for about `budget_s` seconds per repetition
/// and returns the median CPU and wall time per operation, in microseconds.
fn time_op<S>(
    reps: usize,
    budget_s: f64,
    mut setup: impl FnMut() -> S,
    mut op: impl FnMut(S),
) -> (f64, f64) {
    // Calibrate: how many operations fill the budget.
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < budget_s / 4.0 || n < 3 {
        op(setup());
        n += 1;
    }
    let per = t0.elapsed().as_secs_f64() / n as f64;
    let iters = ((budget_s / per) as u64).clamp(3, 100_000);
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..reps.max(1) {
        let mut c = 0u128;
        let mut w = 0f64;
        for _ in 0..iters {
            let s = setup();
            let (c0, w0) = (process_cpu_ns(), Instant::now());
            op(s);
            w += w0.elapsed().as_secs_f64();
            c += process_cpu_ns() - c0;
        }
        cpu.push(c as f64 / iters as f64 / 1e3);
        wall.push(w / iters as f64 * 1e6);
    }
    (median(&mut cpu), median(&mut wall))
}

fn cdef_rows(reps: usize) -> Result<Vec<Row>, String> {
    let glpk = include_str!("../../cdefs/glpk.h");
    let sqlite = jitffi::preprocess_header("sqlite3.h", &HeaderOptions::default())
        .map_err(|e| format!("bench cdef needs sqlite3.h: {e}"))?;
    // Check once that both parse, so the timed loops measure successful declarations.
    Ffi::new()
        .cdef(glpk)
        .map_err(|e| format!("cdefs/glpk.h does not parse:\n{e}"))?;
    Ffi::new()
        .cdef_preprocessed(&sqlite, &CdefOptions::default())
        .map_err(|e| e.to_string())?;
    let small = "struct point { double x, y; }; double norm(struct point p);";
    let mut rows = Vec::new();
    let (c, w) = time_op(reps, 0.3, || (), |()| drop(Ffi::new()));
    rows.push(Row {
        name: "ffi_new",
        what: "Ffi::new() (shares the builtin table)".into(),
        bytes: 0,
        cpu_us: c,
        wall_us: w,
        target_us: None,
    });
    let (c, w) = time_op(reps, 0.3, Ffi::new, |ffi| {
        ffi.cdef(small).expect("small cdef")
    });
    rows.push(Row {
        name: "cdef_small",
        what: "one struct and one function".into(),
        bytes: small.len(),
        cpu_us: c,
        wall_us: w,
        target_us: None,
    });
    let (c, w) = time_op(reps, 0.5, Ffi::new, |ffi| {
        ffi.cdef(glpk).expect("glpk cdef")
    });
    rows.push(Row {
        name: "cdef_glpk_h",
        what: "cdefs/glpk.h (whole GLPK 5.0 API)".into(),
        bytes: glpk.len(),
        cpu_us: c,
        wall_us: w,
        target_us: Some(2000.0),
    });
    let (c, w) = time_op(reps, 0.5, Ffi::new, |ffi| {
        ffi.cdef_preprocessed(&sqlite, &CdefOptions::default())
            .expect("sqlite cdef");
    });
    rows.push(Row {
        name: "cdef_sqlite3_h",
        what: "sqlite3.h after cc -E -dD".into(),
        bytes: sqlite.len(),
        cpu_us: c,
        wall_us: w,
        target_us: Some(50_000.0),
    });
    Ok(rows)
}

/// Runs the benchmarks.
pub fn run(a: &BenchArgs) -> Result<(), String> {
    let all = a.groups.is_empty();
    for g in &a.groups {
        if g != "cdef" {
            return Err(format!("unknown benchmark group '{g}' (known: cdef)"));
        }
    }
    let mut cdef = Vec::new();
    if all || a.groups.iter().any(|g| g == "cdef") {
        cdef = cdef_rows(a.reps)?;
    }
    if a.json {
        let rows: Vec<_> = cdef
            .iter()
            .map(|r| json!({ "name": r.name, "bytes": r.bytes, "cpu_us": r.cpu_us, "wall_us": r.wall_us, "target_us": r.target_us }))
            .collect();
        println!("{}", json!({ "cdef": rows }));
        return Ok(());
    }
    if !cdef.is_empty() {
        println!(
            "cdef parsing (median of {} repetitions; CPU time of the process, wall time)",
            a.reps
        );
        println!("| row | input | bytes | CPU µs | wall µs | target |");
        println!("|---|---|---|---|---|---|");
        for r in &cdef {
            let target = r.target_us.map_or(String::new(), |t| {
                let ok = if r.cpu_us <= t { "met" } else { "MISSED" };
                format!("< {} ms ({ok})", t / 1000.0)
            });
            println!(
                "| {} | {} | {} | {:.1} | {:.1} | {target} |",
                r.name, r.what, r.bytes, r.cpu_us, r.wall_us
            );
        }
    }
    Ok(())
}
