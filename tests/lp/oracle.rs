//! glpsol as the oracle: running it on the model we write and reading its raw solution, and
//! comparing every status, objective, activity, dual, value and reduced cost with ours; the
//! models several tests share (the GLPK manual's example, the min-cost-flow LP); tolerances
//! and scratch files.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;
use jitffi::constraint;
use jitffi::lp::{
    Expr, Kind, LpError, McfInstance, Mip, MpsFormat, Outcome, Problem, Row, SolutionKind, Status,
    Term, Unsolved, Var, VarDef,
};

const GLPSOL_HINT: &str = "these tests need glpsol (GLPK's solver) as the oracle: `apt-get install glpk-utils` (or run `bash .ci/deps`)";

/// A raw solution as `glpsol -w` writes it (`glp_write_sol` / `glp_write_mip` format).
#[derive(Debug)]
pub(crate) struct GlpsolSolution {
    /// `(primal status, dual status)` letters for a basic solution; `("o"|"f"|"n"|"u", "")` for a
    /// MIP or an interior-point solution.
    pub(crate) status: (String, String),
    pub(crate) objective: f64,
    /// Per row: (value, dual); per column: (value, reduced cost). Duals are 0 for a MIP.
    pub(crate) rows: Vec<(f64, f64)>,
    pub(crate) cols: Vec<(f64, f64)>,
}

pub(crate) fn glpsol(args: &[&str], label: &str) -> GlpsolSolution {
    let dir = common::scratch_dir("lp");
    let sol = dir.join(format!("{label}.sol"));
    let out = Command::new("glpsol")
        .args(args)
        .arg("-w")
        .arg(&sol)
        .output()
        .unwrap_or_else(|e| panic!("cannot run glpsol: {e}\n{GLPSOL_HINT}"));
    assert!(
        out.status.success(),
        "glpsol {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    read_raw_solution(&sol)
}

pub(crate) fn read_raw_solution(path: &Path) -> GlpsolSolution {
    let text = std::fs::read_to_string(path).unwrap();
    let mut s = GlpsolSolution {
        status: (String::new(), String::new()),
        objective: f64::NAN,
        rows: Vec::new(),
        cols: Vec::new(),
    };
    let num = |t: &str| {
        t.parse::<f64>()
            .unwrap_or_else(|_| panic!("{path:?}: bad number {t}"))
    };
    let mut ipt = false;
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.first().copied() {
            Some("s") if f[1] == "bas" => {
                s.status = (f[4].into(), f[5].into());
                s.objective = num(f[6]);
            }
            // Interior point: `s ipt ROWS COLS STAT OBJ`, then `i ROW PRIM DUAL`.
            Some("s") if f[1] == "ipt" => {
                ipt = true;
                s.status = (f[4].into(), String::new());
                s.objective = num(f[5]);
            }
            Some(k @ ("i" | "j")) if ipt => {
                let entry = (num(f[2]), num(f[3]));
                if k == "i" { &mut s.rows } else { &mut s.cols }.push(entry);
            }
            Some("s") if f[1] == "mip" => {
                s.status = (f[4].into(), String::new());
                s.objective = num(f[5]);
            }
            // Basic: `i ROW STAT PRIM DUAL`; MIP: `i ROW VAL`.
            Some(k @ ("i" | "j")) => {
                let entry = if f.len() == 5 {
                    (num(f[3]), num(f[4]))
                } else {
                    (num(f[2]), 0.0)
                };
                if k == "i" { &mut s.rows } else { &mut s.cols }.push(entry);
            }
            _ => {}
        }
    }
    s
}

pub(crate) fn scratch(name: &str) -> PathBuf {
    common::scratch_dir("lp").join(name)
}

#[track_caller]
pub(crate) fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
        "{what}: {a} vs {b}"
    );
}

/// The GLPK manual's example (section 1.3.1).
pub(crate) fn manual_example(integer: bool) -> (Problem, [Var; 3], [Row; 3]) {
    let mut p = Problem::new().expect("GLPK loads (apt-get install libglpk40)");
    let def = |name: &str| {
        if integer {
            VarDef::integer()
        } else {
            VarDef::continuous()
        }
        .name(name)
    };
    let x1 = p.add_var(def("x1")).unwrap();
    let x2 = p.add_var(def("x2")).unwrap();
    let x3 = p.add_var(def("x3")).unwrap();
    p.maximize(10.0 * x1 + 6.0 * x2 + 4.0 * x3).unwrap();
    let r1 = p
        .add_constraint(constraint!(x1 + x2 + x3 <= 100).name("p"))
        .unwrap();
    let r2 = p
        .add_constraint(constraint!(10.0 * x1 + 4.0 * x2 + 5.0 * x3 <= 600).name("q"))
        .unwrap();
    let r3 = p
        .add_constraint(constraint!(2.0 * x1 + 2.0 * x2 + 6.0 * x3 <= 300).name("r"))
        .unwrap();
    (p, [x1, x2, x3], [r1, r2, r3])
}

/// Solves `p`, writes it as a free MPS file (the LP format cannot hold an objective constant,
/// and GLPK writes ranged rows to it with an extra column), solves that with glpsol, and
/// compares status, objective, every row's activity and dual and every column's value and
/// reduced cost.
#[track_caller]
pub(crate) fn check_against_glpsol(p: &mut Problem, label: &str) -> Status {
    check_against_glpsol_with(p, label, &Mip::default(), &[])
}

/// The status of a solve: its outcome's, or the one `LpError::NoSolution` reports, after
/// which every result refuses to answer, saying why.
#[track_caller]
pub(crate) fn solve_status(
    res: Result<Outcome, LpError>,
    p: &Problem,
) -> (Status, Option<Outcome>) {
    match res {
        Ok(o) => {
            assert!(o.status.has_solution(), "{o:?}");
            assert_eq!(p.outcome().unwrap(), o);
            (o.status, Some(o))
        }
        Err(LpError::NoSolution { status, code, .. }) => {
            assert!(!status.has_solution(), "{status:?}");
            let want = Unsolved::NoSolution { status, code };
            for e in [
                p.objective().unwrap_err(),
                p.outcome().unwrap_err(),
                p.all_values().unwrap_err(),
            ] {
                assert!(
                    matches!(e, LpError::NotSolved { reason, .. } if reason == want),
                    "{e:?}"
                );
            }
            if let Some(&v) = p.vars().first() {
                assert!(matches!(p.value(v), Err(LpError::NotSolved { .. })));
            }
            if let Some(&r) = p.rows().first() {
                assert!(matches!(p.dual(r), Err(LpError::NotSolved { .. })));
                assert!(matches!(p.row_value(r), Err(LpError::NotSolved { .. })));
            }
            (status, None)
        }
        Err(e) => panic!("solve failed: {e}"),
    }
}

/// [`check_against_glpsol`] with MIP parameters (`glpsol` gets `extra` for them) for a MIP.
#[track_caller]
pub(crate) fn check_against_glpsol_with(
    p: &mut Problem,
    label: &str,
    params: &Mip,
    extra: &[&str],
) -> Status {
    let mip = p
        .vars()
        .iter()
        .any(|&v| p.kind(v).unwrap() != Kind::Continuous);
    let res = if mip { p.intopt(params) } else { p.solve() };
    let (status, outcome) = solve_status(res, p);
    if let Some(o) = &outcome {
        assert_eq!(o.kind == SolutionKind::Mip, mip, "{label}: solution kind");
    }
    let mps = scratch(&format!("{label}.mps"));
    p.write_mps(&mps, MpsFormat::Free).unwrap();
    p.write_lp(scratch(&format!("{label}.lp"))).unwrap();
    let mut args = vec!["--freemps", mps.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(if p.is_maximize().unwrap() {
        "--max"
    } else {
        "--min"
    });
    if !mip {
        args.push("--nopresol");
    }
    let oracle = glpsol(&args, label);
    let want = match (oracle.status.0.as_str(), oracle.status.1.as_str(), mip) {
        ("f", "f", false) | ("o", _, true) => Status::Optimal,
        ("f", "n", false) => Status::Unbounded,
        ("n", _, _) => Status::NoFeasible,
        ("f", _, true) => Status::Feasible,
        other => panic!("{label}: unexpected glpsol status {other:?}"),
    };
    // glpsol runs the primal simplex, which says GLP_NOFEAS where the dual simplex may stop
    // at an infeasible point.
    let got = if status == Status::Infeasible {
        Status::NoFeasible
    } else {
        status
    };
    assert_eq!(got, want, "{label}: status");
    let Some(outcome) = outcome else {
        return want;
    };
    if want == Status::Feasible {
        // Stopped early (the gap): GLPK's own search, not necessarily glpsol's incumbent.
        return want;
    }
    close(
        outcome.objective,
        oracle.objective,
        &format!("{label}: objective"),
    );
    close(
        p.objective().unwrap(),
        oracle.objective,
        &format!("{label}: objective()"),
    );
    assert_eq!(p.num_rows(), oracle.rows.len(), "{label}: rows");
    assert_eq!(p.num_vars(), oracle.cols.len(), "{label}: columns");
    for (k, r) in p.rows().into_iter().enumerate() {
        close(
            p.row_value(r).unwrap(),
            oracle.rows[k].0,
            &format!("{label}: row {k} activity"),
        );
        if !mip {
            close(
                p.dual(r).unwrap(),
                oracle.rows[k].1,
                &format!("{label}: row {k} dual"),
            );
        }
    }
    let values = p.all_values().unwrap();
    for (k, v) in p.vars().into_iter().enumerate() {
        close(
            p.value(v).unwrap(),
            oracle.cols[k].0,
            &format!("{label}: column {k} value"),
        );
        close(
            values[v.index()],
            oracle.cols[k].0,
            &format!("{label}: all_values[{k}]"),
        );
        if !mip {
            close(
                p.reduced_cost(v).unwrap(),
                oracle.cols[k].1,
                &format!("{label}: column {k} reduced cost"),
            );
        }
    }
    want
}

/// The benchmark's model, as examples/mincost_flow.rs builds it.
/// The min-cost-flow LP, as examples/mincost_flow.rs builds it: costs with the variables and
/// rows summed from incidence lists (`incidence`), or `minimize(Σ cost·x)` and one expression
/// per node accumulated with `+=`.
pub(crate) fn build_mcf(inst: &McfInstance, incidence: bool) -> (Problem, Vec<Var>) {
    let mut p = Problem::new().unwrap();
    let x = p
        .add_vars(inst.arcs.len(), |k| {
            let a = inst.arcs[k];
            let def = VarDef::continuous().bounds(a.low as f64, a.cap as f64);
            if incidence {
                def.obj(a.cost as f64)
            } else {
                def
            }
        })
        .unwrap();
    if incidence {
        let mut rows: Vec<Vec<Term>> = vec![Vec::new(); inst.nodes()];
        for (a, &v) in inst.arcs.iter().zip(&x) {
            rows[a.src as usize - 1].push(1.0 * v);
            rows[a.dst as usize - 1].push(-1.0 * v);
        }
        for (terms, &b) in rows.into_iter().zip(&inst.supply) {
            let e: Expr = terms.into_iter().sum();
            p.add_constraint(e.eq(b as f64)).unwrap();
        }
        return (p, x);
    }
    p.minimize(
        inst.arcs
            .iter()
            .zip(&x)
            .map(|(a, &v)| a.cost as f64 * v)
            .sum::<Expr>(),
    )
    .unwrap();
    let mut balance = vec![Expr::new(); inst.nodes()];
    for (a, &v) in inst.arcs.iter().zip(&x) {
        balance[a.src as usize - 1] += v;
        balance[a.dst as usize - 1] -= v;
    }
    for (e, &b) in balance.into_iter().zip(&inst.supply) {
        p.add_constraint(e.eq(b as f64)).unwrap();
    }
    (p, x)
}
