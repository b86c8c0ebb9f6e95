//! Min-cost flow with `jitffi::lp`: read a DIMACS file, build the LP with the symbolic API
//! (one variable per arc with its bounds and cost, one `eq` row per node: outflow − inflow =
//! supply), solve it with the dual simplex, print `key=value` lines.
//!
//! ```sh
//! cargo run --release --example mincost_flow -- gen FILE.min [--nodes N] [--arcs A] [--seed S]
//! cargo run --release --example mincost_flow -- FILE.min [--build-only] [--verbose] [--phases] [--balance]
//! ```
//!
//! `gen` writes a feasible instance (`McfInstance::generate`; the defaults are the benchmark's
//! size class, 154,072 nodes and 390,334 arcs, 20 sources and 20 sinks). Solving prints
//! `objective=`, `build_s=` (CPU seconds of the symbolic layer, up to and including the
//! hand-off to GLPK), `solve_s=`, and `peak_rss_mb=`. `.ci/bench-lp` runs this next to
//! `examples/c/mcf_floor.c`, the same model built by a plain C program.

use std::process::ExitCode;
use std::time::Instant;

use jitffi::lp::{Expr, McfInstance, McfSpec, Output, Problem, Term, VarDef};

fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The process's peak resident set (VmHWM), in MiB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// How the node rows are written.
#[derive(Clone, Copy, PartialEq)]
enum Rows {
    /// Each arc's cost set with its variable (`VarDef::obj`), and per node the sum over its
    /// arcs (from incidence lists of terms, built as the C program's `--rows` variant builds
    /// its rows): each row's expression is made and handed over at once.
    Incidence,
    /// `minimize(Σ cost·x)`, and one expression per node accumulated with `+=`/`-=` over the
    /// arcs, then all rows (`--balance`): every expression is alive at once.
    Balance,
}

/// The model, as the issue states it, with the symbolic API, and the CPU seconds of its
/// phases (variables, objective, expressions or incidence lists, constraints, hand-off to
/// GLPK).
fn build(inst: &McfInstance, rows: Rows) -> Result<(Problem, [f64; 5]), jitffi::lp::LpError> {
    let t0 = cpu_seconds();
    let mut p = Problem::new()?;
    let x;
    let t1;
    match rows {
        Rows::Incidence => {
            // Each arc's cost goes with its column (minimizing is the default direction).
            x = p.add_vars(inst.arcs.len(), |k| {
                let a = &inst.arcs[k];
                VarDef::continuous()
                    .bounds(a.low as f64, a.cap as f64)
                    .obj(a.cost as f64)
            })?;
            t1 = cpu_seconds();
        }
        Rows::Balance => {
            x = p.add_vars(inst.arcs.len(), |k| {
                let a = &inst.arcs[k];
                VarDef::continuous().bounds(a.low as f64, a.cap as f64)
            })?;
            t1 = cpu_seconds();
            p.minimize(
                inst.arcs
                    .iter()
                    .zip(&x)
                    .map(|(a, &v)| a.cost as f64 * v)
                    .sum::<Expr>(),
            )?;
        }
    }
    let t2 = cpu_seconds();
    let (t3, t4);
    match rows {
        Rows::Balance => {
            let mut balance = vec![Expr::new(); inst.nodes()];
            for (a, &v) in inst.arcs.iter().zip(&x) {
                balance[a.src as usize - 1] += v;
                balance[a.dst as usize - 1] -= v;
            }
            t3 = cpu_seconds();
            for (e, &b) in balance.into_iter().zip(&inst.supply) {
                p.add_constraint(e.eq(b as f64))?;
            }
            t4 = cpu_seconds();
        }
        Rows::Incidence => {
            // start[i]..start[i + 1]: node i's terms, +x for an arc leaving it, -x entering.
            let n = inst.nodes();
            let mut start = vec![0usize; n + 1];
            for a in &inst.arcs {
                start[a.src as usize] += 1;
                start[a.dst as usize] += 1;
            }
            for i in 0..n {
                start[i + 1] += start[i];
            }
            let mut fill = start.clone();
            let mut inc: Vec<Term> = Vec::new();
            if let Some(&x0) = x.first() {
                inc = vec![1.0 * x0; 2 * inst.arcs.len()];
            }
            for (a, &v) in inst.arcs.iter().zip(&x) {
                for (node, term) in [(a.src, 1.0 * v), (a.dst, -1.0 * v)] {
                    inc[fill[node as usize - 1]] = term;
                    fill[node as usize - 1] += 1;
                }
            }
            t3 = cpu_seconds();
            for (i, &b) in inst.supply.iter().enumerate() {
                let flow: Expr = inc[start[i]..start[i + 1]].iter().copied().sum();
                p.add_constraint(flow.eq(b as f64))?;
            }
            t4 = cpu_seconds();
        }
    }
    p.flush()?; // the hand-off to GLPK (solve would do it), timed with the build
    let t5 = cpu_seconds();
    Ok((p, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4]))
}

fn run(args: &[String]) -> Result<(), String> {
    let flag = |name: &str| args.iter().any(|a| a == name);
    let value = |name: &str| -> Result<Option<u64>, String> {
        match args.iter().position(|a| a == name) {
            Some(i) => args
                .get(i + 1)
                .and_then(|v| v.parse().ok())
                .map(Some)
                .ok_or_else(|| format!("{name} needs a number")),
            None => Ok(None),
        }
    };
    if args.first().map(String::as_str) == Some("gen") {
        let file = args
            .get(1)
            .ok_or("usage: mincost_flow gen FILE.min [--nodes N] [--arcs A] [--seed S]")?;
        let mut spec = McfSpec::benchmark();
        spec.nodes = value("--nodes")?.map_or(spec.nodes, |n| n as usize);
        spec.arcs = value("--arcs")?.map_or(spec.arcs, |n| n as usize);
        spec.seed = value("--seed")?.unwrap_or(spec.seed);
        let inst = McfInstance::generate(&spec).map_err(|e| e.to_string())?;
        inst.write(file).map_err(|e| e.to_string())?;
        println!(
            "nodes={} arcs={} file={file}",
            inst.nodes(),
            inst.arcs.len()
        );
        return Ok(());
    }
    let file = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .ok_or("usage: mincost_flow FILE.min [--build-only] [--verbose] [--phases] [--balance]  |  mincost_flow gen FILE.min")?;
    let t = Instant::now();
    let inst = McfInstance::read(file).map_err(|e| e.to_string())?;
    println!("nodes={}", inst.nodes());
    println!("arcs={}", inst.arcs.len());
    println!("read_s={:.3}", t.elapsed().as_secs_f64());

    let (cpu, wall) = (cpu_seconds(), Instant::now());
    let rows = if flag("--balance") {
        Rows::Balance
    } else {
        Rows::Incidence
    };
    let (mut p, phases) = build(&inst, rows).map_err(|e| e.to_string())?;
    println!("build_s={:.4}", cpu_seconds() - cpu);
    if flag("--phases") {
        let prep = match rows {
            Rows::Incidence => "incidence",
            Rows::Balance => "exprs",
        };
        for (name, t) in ["vars", "objective", prep, "constraints", "flush"]
            .iter()
            .zip(phases)
        {
            println!("phase_{name}_s={t:.4}");
        }
    }
    println!("build_wall_s={:.4}", wall.elapsed().as_secs_f64());
    println!("build_peak_rss_mb={:.1}", peak_rss_mb());
    if !flag("--build-only") {
        if flag("--verbose") {
            p.set_output(Output::Stdout);
        }
        let t = Instant::now();
        // No solution (infeasible supplies, a limit) is an error of its own, with GLPK's status.
        let outcome = p.solve().map_err(|e| e.to_string())?;
        println!("solve_s={:.3}", t.elapsed().as_secs_f64());
        if !outcome.is_optimal() {
            return Err(format!("feasible, not proven optimal: {:?}", outcome.code));
        }
        println!("objective={}", outcome.objective);
    }
    println!("peak_rss_mb={:.1}", peak_rss_mb());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mincost_flow: {e}");
            ExitCode::FAILURE
        }
    }
}
