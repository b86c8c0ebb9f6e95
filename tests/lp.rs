//! `jitffi::lp` against `glpsol` (GLPK's own command-line solver, reading the model we write)
//! and against known optima: the GLPK manual's example and its integer version, infeasible and
//! unbounded models, a knapsack MIP, min-cost flow instances (`glpsol --mincost` reads the same
//! DIMACS file), modifications and re-solves, file round trips, and the validation that keeps
//! GLPK from aborting the process.

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use jitffi::constraint;
use jitffi::lp::{
    Basis, Code, Expr, Interior, Kind, LpError, McfInstance, McfSpec, Method, Mip, MpsFormat,
    Outcome, Output, Problem, Row, Simplex, SolutionKind, Status, Term, Unsolved, Var, VarDef,
};

const GLPSOL_HINT: &str = "these tests need glpsol (GLPK's solver) as the oracle: `apt-get install glpk-utils` (or run `bash .ci/deps`)";

/// A raw solution as `glpsol -w` writes it (`glp_write_sol` / `glp_write_mip` format).
#[derive(Debug)]
struct GlpsolSolution {
    /// `(primal status, dual status)` letters for a basic solution; `("o"|"f"|"n"|"u", "")` for a
    /// MIP or an interior-point solution.
    status: (String, String),
    objective: f64,
    /// Per row: (value, dual); per column: (value, reduced cost). Duals are 0 for a MIP.
    rows: Vec<(f64, f64)>,
    cols: Vec<(f64, f64)>,
}

fn glpsol(args: &[&str], label: &str) -> GlpsolSolution {
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

fn read_raw_solution(path: &Path) -> GlpsolSolution {
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

fn scratch(name: &str) -> PathBuf {
    common::scratch_dir("lp").join(name)
}

#[track_caller]
fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-6 * (1.0 + b.abs()),
        "{what}: {a} vs {b}"
    );
}

/// The GLPK manual's example (section 1.3.1).
fn manual_example(integer: bool) -> (Problem, [Var; 3], [Row; 3]) {
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
fn check_against_glpsol(p: &mut Problem, label: &str) -> Status {
    check_against_glpsol_with(p, label, &Mip::default(), &[])
}

/// The status of a solve: its outcome's, or the one `LpError::NoSolution` reports, after
/// which every result refuses to answer, saying why.
#[track_caller]
fn solve_status(res: Result<Outcome, LpError>, p: &Problem) -> (Status, Option<Outcome>) {
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
fn check_against_glpsol_with(p: &mut Problem, label: &str, params: &Mip, extra: &[&str]) -> Status {
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

#[test]
fn manual_example_matches_the_manual_and_glpsol() {
    let (mut p, [x1, x2, x3], [r1, r2, r3]) = manual_example(false);
    let outcome = p.solve().unwrap();
    assert_eq!(outcome.status, Status::Optimal);
    assert_eq!(outcome.code, None);
    assert_eq!(outcome.kind, SolutionKind::Simplex);
    // The manual's figures: z = 733.33, x = (33.33, 66.67, 0).
    close(outcome.objective, 2200.0 / 3.0, "objective");
    close(p.value(x1).unwrap(), 100.0 / 3.0, "x1");
    close(p.value(x2).unwrap(), 200.0 / 3.0, "x2");
    close(p.value(x3).unwrap(), 0.0, "x3");
    assert_eq!(p.values(&[x1, x2, x3]).unwrap().len(), 3);
    close(p.dual(r1).unwrap(), 10.0 / 3.0, "dual p");
    close(p.dual(r2).unwrap(), 2.0 / 3.0, "dual q");
    close(p.dual(r3).unwrap(), 0.0, "dual r");
    close(p.reduced_cost(x3).unwrap(), -8.0 / 3.0, "d3");
    close(p.row_value(r3).unwrap(), 200.0, "activity r");
    assert_eq!(p.var_name(x2), Some("x2"));
    assert_eq!(p.row_name(r2), Some("q"));
    assert_eq!(p.var("x3"), Some(x3));
    assert_eq!(p.row("r"), Some(r3));
    assert_eq!(p.var("nope"), None);
    assert_eq!(check_against_glpsol(&mut p, "manual"), Status::Optimal);
}

#[test]
fn integer_manual_example_matches_glpsol() {
    let (mut p, [x1, x2, x3], _) = manual_example(true);
    let outcome = p.solve().unwrap();
    assert_eq!(outcome.kind, SolutionKind::Mip);
    assert_eq!(outcome.status, Status::Optimal);
    // The integer optimum is 732 (x = (33, 67, 0)), checked below against glpsol too.
    close(outcome.objective, 732.0, "objective");
    for v in [x1, x2, x3] {
        let x = p.value(v).unwrap();
        assert_eq!(x, x.round(), "integral");
    }
    let err = p.dual(p.rows()[0]).unwrap_err();
    assert!(matches!(err, LpError::NoDuals { what: "dual" }));
    assert_eq!(
        err.to_string(),
        "dual: a MIP solution has no duals or reduced costs"
    );
    assert_eq!(check_against_glpsol(&mut p, "manual_int"), Status::Optimal);
}

#[test]
fn no_solution_is_an_error_with_glpks_status_as_glpsol_reports_it() {
    // No feasible solution: an error, not an Ok with a meaningless objective.
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().name("x")).unwrap();
    let y = p.add_var(VarDef::continuous()).unwrap();
    p.maximize(x).unwrap();
    p.add_constraint(constraint!(x + y <= -1)).unwrap();
    let e = p.solve().unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                solver: "glp_simplex",
                status: Status::NoFeasible,
                code: None
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "glp_simplex: no solution: the problem has no feasible solution (GLP_NOFEAS)"
    );
    assert_eq!(
        p.value(x).unwrap_err().to_string(),
        "value: no solution: the last solve ended without one: the problem has no feasible \
         solution (GLP_NOFEAS)"
    );
    assert_eq!(
        check_against_glpsol(&mut p, "infeasible"),
        Status::NoFeasible
    );

    // Unbounded.
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous()).unwrap();
    let y = p.add_var(VarDef::continuous()).unwrap();
    p.maximize(x + 0.5 * y).unwrap();
    p.add_constraint(constraint!(x - y <= 1)).unwrap();
    let e = p.solve().unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                status: Status::Unbounded,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(check_against_glpsol(&mut p, "unbounded"), Status::Unbounded);

    // With the presolver, GLPK answers through the return code, the status undefined.
    let with_presolve = Simplex {
        presolve: true,
        ..Simplex::default()
    };
    let e = p.simplex(&with_presolve).unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                status: Status::Undefined,
                code: Some(Code::NoDualFeasible),
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "glp_simplex: no solution: the solver stopped before it had one (GLP_UNDEF), the \
         presolver found no dual feasible solution (GLP_ENODFS)"
    );

    // A MIP whose relaxation is infeasible, and one whose relaxation is feasible but that has
    // no integer solution: glpsol says "no feasible" for both.
    let mut p = Problem::new().unwrap();
    let b = p.add_var(VarDef::binary()).unwrap();
    p.add_constraint(constraint!(2.0 * b >= 3)).unwrap();
    p.minimize(b).unwrap();
    let e = p.solve().unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                solver: "glp_intopt (LP relaxation)",
                status: Status::NoFeasible,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        check_against_glpsol(&mut p, "mip_relax_infeasible"),
        Status::NoFeasible
    );
    let mut p = Problem::new().unwrap();
    let b = p.add_var(VarDef::integer().upper(5.0)).unwrap();
    p.add_constraint(constraint!(2.0 * b == 1)).unwrap();
    p.minimize(b).unwrap();
    let e = p.solve().unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                solver: "glp_intopt",
                status: Status::NoFeasible,
                code: None
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        check_against_glpsol(&mut p, "mip_infeasible"),
        Status::NoFeasible
    );
    // A solution found again after a change makes the results answer again.
    p.set_row_bounds(p.rows()[0], 2.0, 2.0).unwrap();
    assert_eq!(
        check_against_glpsol(&mut p, "mip_feasible_again"),
        Status::Optimal
    );
    assert_eq!(p.value(b).unwrap(), 1.0);
}

#[test]
fn stopped_solves_keep_glpks_distinction_between_feasible_and_no_solution() {
    // An LP stopped by the iteration limit at a primal feasible basis: a feasible solution,
    // usable, not optimal. The primal simplex from the slack basis of the manual's example
    // (the origin is feasible) stops after one iteration.
    let (mut p, x, rows) = manual_example(false);
    let limited = Simplex {
        method: Method::Primal,
        basis: Basis::Standard,
        iteration_limit: Some(1),
        ..Simplex::default()
    };
    let o = p.simplex(&limited).unwrap();
    assert_eq!(o.status, Status::Feasible);
    assert!(!o.is_optimal());
    assert_eq!(o.code, Some(Code::IterationLimit));
    assert!(o.objective < 2200.0 / 3.0 - 1.0, "{o:?}");
    let values = p.values(&x).unwrap();
    assert!(values.iter().all(|&v| v >= -1e-9), "{values:?}");
    for r in rows {
        let (lower, upper) = p.row_bounds(r).unwrap();
        let activity: f64 = p
            .row_coefs(r)
            .unwrap()
            .iter()
            .map(|&(v, a)| a * p.value(v).unwrap())
            .sum();
        close(p.row_value(r).unwrap(), activity, "row activity");
        assert!(activity >= lower - 1e-9 && activity <= upper + 1e-9);
    }
    close(
        p.objective().unwrap(),
        10.0 * values[0] + 6.0 * values[1] + 4.0 * values[2],
        "objective of the feasible point",
    );

    // The dual simplex from the slack basis of a model whose origin is infeasible stops at
    // an infeasible point: no solution, GLPK's own status (read back raw) is the one reported.
    let inst = McfInstance::generate(&McfSpec::small(300, 1200)).unwrap();
    let (mut p, _) = build_mcf(&inst, false);
    let e = p
        .simplex(&Simplex {
            basis: Basis::Standard,
            iteration_limit: Some(3),
            ..Simplex::default()
        })
        .unwrap_err();
    let LpError::NoSolution {
        status,
        code: Some(Code::IterationLimit),
        ..
    } = e
    else {
        panic!("{e:?}")
    };
    assert_eq!(status, Status::Infeasible);
    let get_status = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_get_status")
        .unwrap()
        .typed::<(*mut std::ffi::c_void,), i32>()
        .unwrap();
    // SAFETY: a declared GLPK function on this problem; the closure holds nothing.
    let raw = unsafe { p.with_raw(|_, prob| get_status.call((prob,))) }.unwrap();
    assert_eq!(raw, 3, "GLP_INFEAS in glpk.h");

    // A MIP whose relaxation stops at the limit: whether it has a solution is unknown.
    let (mut p, _, _) = manual_example(true);
    let e = p
        .intopt(&Mip {
            relaxation: limited.clone(),
            ..Mip::default()
        })
        .unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                solver: "glp_intopt (LP relaxation)",
                status: Status::Undefined,
                code: Some(Code::IterationLimit)
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        p.outcome(),
        Err(LpError::NotSolved {
            reason: Unsolved::NoSolution {
                status: Status::Undefined,
                ..
            },
            ..
        })
    ));
}

#[test]
fn knapsack_and_assignment_mips_match_glpsol() {
    // A 0/1 knapsack with 30 items.
    let mut rng = fastrand::Rng::with_seed(6);
    let mut p = Problem::new().unwrap();
    let items: Vec<(f64, f64)> = (0..30)
        .map(|_| (f64::from(rng.u32(5..60)), f64::from(rng.u32(3..40))))
        .collect();
    let x = p
        .add_vars(items.len(), |i| VarDef::binary().name(format!("x{i}")))
        .unwrap();
    p.maximize(
        items
            .iter()
            .zip(&x)
            .map(|(&(value, _), &v)| value * v)
            .sum::<Expr>(),
    )
    .unwrap();
    let weight: Expr = items.iter().zip(&x).map(|(&(_, w), &v)| w * v).sum();
    p.add_constraint(weight.le(200).name("capacity")).unwrap();
    assert_eq!(p.kind(x[0]).unwrap(), Kind::Binary);
    assert_eq!(check_against_glpsol(&mut p, "knapsack"), Status::Optimal);
    // Same optimum by dynamic programming over integer weights.
    let mut best = vec![0.0f64; 201];
    for &(value, w) in &items {
        for cap in (w as usize..=200).rev() {
            best[cap] = best[cap].max(best[cap - w as usize] + value);
        }
    }
    close(
        p.objective().unwrap(),
        best[200],
        "knapsack vs dynamic programming",
    );

    // A 6×6 assignment problem with keyed variables.
    let n = 6;
    let cost = |i: usize, j: usize| ((i * 7 + j * 13) % 11 + 1) as f64;
    let mut p = Problem::new().unwrap();
    let pairs: Vec<(usize, usize)> = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect();
    let x: HashMap<(usize, usize), Var> = p
        .add_vars_keyed(pairs.clone(), |&(i, j)| {
            VarDef::binary().name(format!("x_{i}_{j}"))
        })
        .unwrap();
    p.minimize(
        pairs
            .iter()
            .map(|&(i, j)| cost(i, j) * x[&(i, j)])
            .sum::<Expr>(),
    )
    .unwrap();
    for i in 0..n {
        p.add_constraint((0..n).map(|j| x[&(i, j)]).sum::<Expr>().eq(1))
            .unwrap();
        p.add_constraint((0..n).map(|j| x[&(j, i)]).sum::<Expr>().eq(1))
            .unwrap();
    }
    assert_eq!(check_against_glpsol(&mut p, "assignment"), Status::Optimal);
    // Brute force over the 720 permutations.
    let mut perm: Vec<usize> = (0..n).collect();
    let mut best = f64::INFINITY;
    permutations(&mut perm, 0, &mut |p| {
        best = best.min((0..n).map(|i| cost(i, p[i])).sum());
    });
    close(p.objective().unwrap(), best, "assignment vs brute force");
}

fn permutations(p: &mut Vec<usize>, k: usize, f: &mut impl FnMut(&[usize])) {
    if k == p.len() {
        f(p);
        return;
    }
    for i in k..p.len() {
        p.swap(k, i);
        permutations(p, k + 1, f);
        p.swap(k, i);
    }
}

#[test]
fn like_terms_are_merged_and_constants_moved() {
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().upper(10.0)).unwrap();
    let y = p.add_var(VarDef::continuous().free()).unwrap();
    // 2x + 3y - x + 4 - y + 1 <= 20 + x  →  0x + 2y <= 15: x drops out (coefficient 0).
    let r = p
        .add_constraint(constraint!(2.0 * x + 3.0 * y - x + 4 - y + 1.0 <= 20 + x))
        .unwrap();
    assert_eq!(p.row_coefs(r).unwrap(), vec![(y, 2.0)]);
    assert_eq!(p.row_bounds(r).unwrap(), (f64::NEG_INFINITY, 15.0));
    let r = p.add_constraint(constraint!(1 <= x + x + x <= 7)).unwrap();
    assert_eq!(p.row_coefs(r).unwrap(), vec![(x, 3.0)]);
    assert_eq!(p.row_bounds(r).unwrap(), (1.0, 7.0));
    assert_eq!(p.bounds(x).unwrap(), (0.0, 10.0));
    assert_eq!(p.bounds(y).unwrap(), (f64::NEG_INFINITY, f64::INFINITY));
    p.maximize(x + y + x - 3.0).unwrap();
    assert_eq!(p.obj_coef(x).unwrap(), 2.0);
    let o = p.solve().unwrap();
    close(
        o.objective,
        2.0 * 7.0 / 3.0 + 7.5 - 3.0,
        "objective with constant",
    );
    assert_eq!(check_against_glpsol(&mut p, "merged"), Status::Optimal);
}

#[test]
fn bad_input_is_rejected_before_glpk_and_changes_nothing() {
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().name("x")).unwrap();
    let y = p.add_var(VarDef::continuous().name("y")).unwrap();
    let r = p.add_constraint(constraint!(x + y <= 4).name("c")).unwrap();
    let mut other = Problem::new().unwrap();
    let z = other.add_var(VarDef::continuous()).unwrap();
    let (rows, vars) = (p.num_rows(), p.num_vars());

    let check = |res: Result<Row, LpError>, want: &str| {
        assert_eq!(res.unwrap_err().to_string(), want);
    };
    check(
        p.add_constraint(constraint!(x + f64::NAN * y <= 1).name("nan")),
        "constraint 'nan': coefficient of variable 'y' is NaN",
    );
    check(
        p.add_constraint(constraint!(f64::INFINITY * x >= 1)),
        "constraint 2: coefficient of variable 'x' is inf",
    );
    check(
        p.add_constraint(Expr::from(x).between(3.0, 2.0)),
        "constraint 2: lower bound 3 is above upper bound 2",
    );
    check(
        p.add_constraint(Expr::from(x).le(f64::NAN)),
        "constraint 2: bound is NaN ([-inf, NaN])",
    );
    let foreign = p.add_constraint(constraint!(x + z <= 1)).unwrap_err();
    assert!(matches!(foreign, LpError::ForeignVar { .. }));
    assert!(
        foreign
            .to_string()
            .starts_with("constraint 2: variable 1 of problem "),
        "{foreign}"
    );
    check(
        p.add_constraint(constraint!(x <= 1).name("bad\nname")),
        "add_constraint: name 'bad\\nname' is not a GLPK name (1 to 255 bytes, no control characters)",
    );
    // GLPK aborts on duplicate indices in glp_set_mat_row; set_row refuses them.
    let dup = p.set_row(r, &[(x, 1.0), (y, 2.0), (x, 3.0)]).unwrap_err();
    assert_eq!(
        dup.to_string(),
        "set_row: row 'c': variable 'x' appears more than once"
    );
    assert!(matches!(dup, LpError::DuplicateTerm(_)));
    assert!(p.set_row(r, &[(z, 1.0)]).is_err());
    assert_eq!(
        p.add_var(VarDef::continuous().bounds(1.0, 0.0))
            .unwrap_err()
            .to_string(),
        "add_var: lower bound 1 is above upper bound 0"
    );
    // A failed batch adds nothing, even after its first columns went to GLPK.
    let err = p
        .add_vars(3000, |i| {
            if i == 2500 {
                VarDef::continuous().lower(f64::NAN)
            } else {
                VarDef::continuous()
            }
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "variable 2501 of add_vars: bound is NaN ([NaN, inf])"
    );
    assert!(p.set_bounds(z, 0.0, 1.0).is_err());
    assert!(p.minimize(x + z).is_err());
    assert!(p.value(x).is_err(), "not solved yet");
    assert_eq!(
        p.set_obj_coef(x, f64::NEG_INFINITY)
            .unwrap_err()
            .to_string(),
        "set_obj_coef: variable 'x': coefficient is -inf"
    );
    assert_eq!(
        p.set_rhs(r, f64::NAN).unwrap_err().to_string(),
        "set_rhs: row 'c': right-hand side is NaN"
    );
    assert_eq!(
        p.delete_vars(&[y, x, y]).unwrap_err().to_string(),
        "delete_vars: variable 'y' is listed twice"
    );
    let foreign = p.set_bounds(z, 0.0, 1.0).unwrap_err().to_string();
    assert!(
        foreign.starts_with("set_bounds: variable 1 of problem ")
            && foreign.ends_with(" belongs to another problem"),
        "{foreign}"
    );
    assert_eq!(
        (p.num_rows(), p.num_vars()),
        (rows, vars),
        "nothing was added"
    );
    assert_eq!(
        p.row_coefs(r).unwrap(),
        vec![(x, 1.0), (y, 1.0)],
        "the row is unchanged"
    );
    // The problem still works.
    p.maximize(x + 2.0 * y).unwrap();
    close(
        p.solve().unwrap().objective,
        8.0,
        "objective after the errors",
    );
}

#[test]
fn a_glpk_error_becomes_an_err_and_the_process_lives() {
    let (mut survivor, _, _) = manual_example(false);
    let mut p = Problem::new().unwrap();
    p.add_var(VarDef::continuous()).unwrap();
    let lines = Rc::new(RefCell::new(String::new()));
    let sink = lines.clone();
    p.set_output(Output::Closure(Rc::new(move |s: &str| {
        sink.borrow_mut().push_str(s)
    })));
    // Column 999 does not exist: GLPK's error routine runs, and would abort without the hook.
    let set_col_bnds = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_set_col_bnds")
        .unwrap()
        .typed::<(*mut std::ffi::c_void, i32, i32, f64, f64), ()>()
        .unwrap();
    // SAFETY: a declared GLPK function on this problem; the closure holds nothing with a
    // destructor across the call.
    let err =
        unsafe { p.with_raw(|_, prob| set_col_bnds.call((prob, 999, 1, 0.0, 0.0))) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "with_raw: GLPK error: glp_set_col_bnds: j = 999; column number out of range \
         (api/prob1.c:646) (this thread's GLPK problems were freed)"
            .replace("(api/prob1.c:646)", &format!("({})", glpk_location(&err))),
    );
    assert!(
        lines.borrow().contains("column number out of range"),
        "the sink saw GLPK's message"
    );
    // Every problem of the thread is gone, and says so.
    assert!(matches!(
        p.add_var(VarDef::continuous()).unwrap_err(),
        LpError::EnvReset
    ));
    assert!(matches!(survivor.solve().unwrap_err(), LpError::EnvReset));
    drop(p);
    drop(survivor);
    // New problems work.
    let (mut fresh, _, _) = manual_example(false);
    close(
        fresh.solve().unwrap().objective,
        2200.0 / 3.0,
        "after the reset",
    );
}

/// The `file:line` GLPK reported (it depends on GLPK's build).
fn glpk_location(e: &LpError) -> String {
    let LpError::Glpk { message, .. } = e else {
        panic!("not a GLPK error: {e:?}")
    };
    let start = message.rfind('(').unwrap();
    message[start + 1..message.len() - 1].to_owned()
}

#[test]
fn modify_and_resolve_matches_glpsol_on_each_version() {
    let (mut p, [x1, x2, x3], [r1, r2, r3]) = manual_example(false);
    check_against_glpsol(&mut p, "mod0");
    p.set_rhs(r1, 90.0).unwrap();
    assert_eq!(p.row_bounds(r1).unwrap(), (f64::NEG_INFINITY, 90.0));
    check_against_glpsol(&mut p, "mod1");
    p.set_bounds(x2, 0.0, 40.0).unwrap();
    check_against_glpsol(&mut p, "mod2");
    p.set_coef(r2, x3, 2.0).unwrap();
    assert_eq!(
        p.row_coefs(r2).unwrap(),
        vec![(x1, 10.0), (x2, 4.0), (x3, 2.0)]
    );
    check_against_glpsol(&mut p, "mod3");
    p.set_obj_coef(x3, 9.0).unwrap();
    check_against_glpsol(&mut p, "mod4");
    p.maximize(10.0 * x1 + 6.0 * x2 + 4.0 * x3 + 0.5 * x1)
        .unwrap();
    assert_eq!(p.obj_coef(x3).unwrap(), 4.0);
    check_against_glpsol(&mut p, "mod5");
    let x4 = p
        .add_var(VarDef::continuous().upper(30.0).name("x4"))
        .unwrap();
    p.set_obj_coef(x4, 12.0).unwrap();
    let r4 = p
        .add_constraint(constraint!(x1 + x4 <= 50).name("s"))
        .unwrap();
    p.set_coef(r1, x4, 1.0).unwrap();
    check_against_glpsol(&mut p, "mod6");
    // Deleting keeps the other handles valid; the warm basis is rebuilt when invalid.
    p.delete_rows(&[r3]).unwrap();
    p.delete_vars(&[x2]).unwrap();
    let e = p.value(x1).unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NotSolved {
                what: "value",
                reason: Unsolved::Changed("delete_rows")
            }
        ),
        "{e:?}"
    );
    assert!(matches!(
        p.set_bounds(x2, 0.0, 1.0),
        Err(LpError::Deleted(_))
    ));
    assert_eq!(p.row_coefs(r4).unwrap(), vec![(x1, 1.0), (x4, 1.0)]);
    check_against_glpsol(&mut p, "mod7");
    assert_eq!(p.vars(), vec![x1, x3, x4]);
    assert_eq!(p.rows(), vec![r1, r2, r4]);
    let values = p.all_values().unwrap();
    assert!(values[x2.index()].is_nan());
    // Kind changes: x1 integer, solved as a MIP.
    p.set_kind(x1, Kind::Integer).unwrap();
    p.set_rhs(r4, 50.5).unwrap();
    assert_eq!(check_against_glpsol(&mut p, "mod8"), Status::Optimal);
    let v = p.value(x1).unwrap();
    assert_eq!(v, v.round());
}

#[test]
fn warm_and_cold_starts_agree() {
    let inst = McfInstance::generate(&McfSpec::small(300, 1200)).unwrap();
    let (mut p, x) = build_mcf(&inst, false);
    let first = p.solve().unwrap();
    assert_eq!(first.status, Status::Optimal);
    // Make the used arcs dearer and re-solve from the previous basis, then from scratch.
    let used: Vec<Var> = x
        .iter()
        .copied()
        .filter(|&v| p.value(v).unwrap() > 1.0)
        .collect();
    for &v in used.iter().step_by(3) {
        p.set_obj_coef(v, 150.0).unwrap();
    }
    let warm = p.simplex(&Simplex::default()).unwrap();
    assert_eq!(warm.status, Status::Optimal);
    for (basis, method) in [
        (Basis::Standard, Method::Primal),
        (Basis::Advanced, Method::Dual),
        (Basis::Cpx, Method::DualPrimal),
    ] {
        let cold = p
            .simplex(&Simplex {
                basis,
                method,
                ..Simplex::default()
            })
            .unwrap();
        assert_eq!(cold.status, warm.status);
        close(
            cold.objective,
            warm.objective,
            &format!("{basis:?} {method:?}"),
        );
    }
    assert!(warm.objective >= first.objective - 1e-9);
    // An iteration limit that stops the dual simplex at an infeasible point is no solution,
    // with the limit as its code.
    let limited = p
        .simplex(&Simplex {
            basis: Basis::Standard,
            iteration_limit: Some(3),
            ..Simplex::default()
        })
        .unwrap_err();
    assert!(
        matches!(
            limited,
            LpError::NoSolution {
                code: Some(Code::IterationLimit),
                ..
            }
        ),
        "{limited:?}"
    );
}

/// The benchmark's model, as examples/mincost_flow.rs builds it.
/// The min-cost-flow LP, as examples/mincost_flow.rs builds it: costs with the variables and
/// rows summed from incidence lists (`incidence`), or `minimize(Σ cost·x)` and one expression
/// per node accumulated with `+=`.
fn build_mcf(inst: &McfInstance, incidence: bool) -> (Problem, Vec<Var>) {
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

#[test]
fn min_cost_flow_matches_glpsol_mincost() {
    for (nodes, arcs, seed) in [(50, 200, 1), (400, 1500, 2), (2000, 6000, 3)] {
        let inst = McfInstance::generate(&McfSpec {
            seed,
            ..McfSpec::small(nodes, arcs)
        })
        .unwrap();
        let file = scratch(&format!("mcf{nodes}.min"));
        inst.write(&file).unwrap();
        assert_eq!(McfInstance::read(&file).unwrap(), inst);
        let oracle = glpsol(
            &["--mincost", file.to_str().unwrap(), "--nopresol"],
            &format!("mcf{nodes}"),
        );
        for incidence in [false, true] {
            let (mut p, x) = build_mcf(&inst, incidence);
            let o = p.solve().unwrap();
            assert_eq!(o.status, Status::Optimal, "{nodes} nodes");
            close(
                o.objective,
                oracle.objective,
                &format!("{nodes} nodes: objective vs glpsol --mincost"),
            );
            // The flow is integral (network matrix) and conserves supply at every node.
            let flow = p.all_values().unwrap();
            let mut net = inst
                .supply
                .iter()
                .map(|&s| -(s as f64))
                .collect::<Vec<f64>>();
            for (k, a) in inst.arcs.iter().enumerate() {
                let f = flow[x[k].index()];
                assert!(f >= a.low as f64 - 1e-9 && f <= a.cap as f64 + 1e-9);
                net[a.src as usize - 1] += f;
                net[a.dst as usize - 1] -= f;
            }
            assert!(net.iter().all(|n| n.abs() < 1e-6), "flow conservation");
        }
    }
}

#[test]
fn objective_coefficients_set_with_the_variables() {
    // The manual's example as a minimization of the negated profits, each coefficient given
    // with its variable: the same optimum, negated.
    let mut p = Problem::new().unwrap();
    let profit = [10.0, 6.0, 4.0];
    let x = p
        .add_vars(3, |i| VarDef::continuous().obj(-profit[i]))
        .unwrap();
    p.add_constraint(constraint!(x[0] + x[1] + x[2] <= 100.0))
        .unwrap();
    p.add_constraint(constraint!(10.0 * x[0] + 4.0 * x[1] + 5.0 * x[2] <= 600.0))
        .unwrap();
    p.add_constraint(constraint!(2.0 * x[0] + 2.0 * x[1] + 6.0 * x[2] <= 300.0))
        .unwrap();
    assert!(!p.is_maximize().unwrap());
    for (v, c) in x.iter().zip(profit) {
        assert_eq!(p.obj_coef(*v).unwrap(), -c);
    }
    close(p.solve().unwrap().objective, -2200.0 / 3.0, "objective");
    assert_eq!(
        check_against_glpsol(&mut p, "obj_with_vars"),
        Status::Optimal
    );
    // A refused coefficient adds nothing, and leaves no trace in the objective.
    let err = p
        .add_vars(2, |i| {
            VarDef::continuous().obj(if i == 1 { f64::NAN } else { 1.0 })
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "variable 2 of add_vars: objective coefficient is NaN"
    );
    assert_eq!(p.vars().len(), 3);
    // `maximize` replaces the whole objective, the coefficients given with the variables
    // included.
    p.maximize(profit[0] * x[0] + profit[1] * x[1]).unwrap();
    assert_eq!(p.obj_coef(x[2]).unwrap(), 0.0);
    assert_eq!(p.obj_coef(x[0]).unwrap(), 10.0);
    let y = p.add_var(VarDef::continuous().upper(5.0).obj(1.0)).unwrap();
    assert_eq!(p.obj_coef(y).unwrap(), 1.0);
    let o = p.solve().unwrap();
    assert_eq!(o.status, Status::Optimal);
    assert_eq!(
        check_against_glpsol(&mut p, "obj_with_vars_max"),
        Status::Optimal
    );
}

#[test]
fn files_round_trip_through_lp_and_mps() {
    let (mut p, _, _) = manual_example(true);
    let want = p.solve().unwrap().objective;
    let lp = scratch("rt.lp");
    p.write_lp(&lp).unwrap();
    let mut q = Problem::read_lp(&lp).unwrap();
    assert_eq!((q.num_rows(), q.num_vars()), (3, 3));
    let x2 = q.var("x2").unwrap();
    assert_eq!(q.kind(x2).unwrap(), Kind::Integer);
    close(q.solve().unwrap().objective, want, "read_lp");
    for (format, name) in [
        (MpsFormat::Free, "rt.mps"),
        (MpsFormat::Fixed, "rt_fixed.mps"),
    ] {
        let mps = scratch(name);
        q.write_mps(&mps, format).unwrap();
        let mut r = Problem::read_mps(&mps, format).unwrap();
        // MPS has no objective sense: GLPK reads it as minimization of the same row.
        r.maximize(
            10.0 * r.var("x1").unwrap() + 6.0 * r.var("x2").unwrap() + 4.0 * r.var("x3").unwrap(),
        )
        .unwrap();
        close(r.solve().unwrap().objective, want, name);
    }
    let report = scratch("rt.txt");
    q.write_report(&report).unwrap();
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("INTEGER OPTIMAL")
    );
    let raw = scratch("rt.sol");
    q.write_solution(&raw).unwrap();
    let s = read_raw_solution(&raw);
    close(s.objective, want, "raw solution");

    let missing = Problem::read_lp("/nonexistent/dir/x.lp").unwrap_err();
    assert!(matches!(missing, LpError::Io { .. }));
    assert!(
        missing
            .to_string()
            .starts_with("/nonexistent/dir/x.lp: glp_read_lp failed: "),
        "{missing}"
    );
    assert!(missing.to_string().contains("No such file"), "{missing}");
    let bad = scratch("bad.lp");
    std::fs::write(&bad, "Maximize\n obj: x +\nSubject To\n c: x <= 1 1\nEnd\n").unwrap();
    let e = Problem::read_lp(&bad).unwrap_err();
    assert!(
        e.to_string().contains("bad.lp:3: missing variable name"),
        "GLPK's file:line in {e}"
    );
    assert!(p.write_lp("/nonexistent/dir/y.lp").is_err());
}

#[test]
fn output_goes_to_the_chosen_sink() {
    let (mut p, _, _) = manual_example(false);
    p.solve().unwrap();
    let seen = Rc::new(RefCell::new(String::new()));
    let sink = seen.clone();
    p.set_output(Output::Closure(Rc::new(move |s: &str| {
        sink.borrow_mut().push_str(s)
    })));
    p.simplex(&Simplex {
        basis: Basis::Standard,
        ..Simplex::default()
    })
    .unwrap();
    let text = seen.borrow().clone();
    assert!(text.contains("obj =   7.333333333e+02"), "{text}");
    seen.borrow_mut().clear();
    p.set_output(Output::Silent);
    p.solve().unwrap();
    assert!(seen.borrow().is_empty());
}

#[test]
fn problems_on_threads_are_independent() {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for k in 0..5 {
                    let inst = McfInstance::generate(&McfSpec {
                        seed: 100 + t * 10 + k,
                        ..McfSpec::small(200, 800)
                    })
                    .unwrap();
                    let (mut p, _) = build_mcf(&inst, false);
                    assert_eq!(p.solve().unwrap().status, Status::Optimal);
                }
                // A GLPK error on this thread does not touch the others.
                let (mut p, _, _) = manual_example(false);
                let f = p
                    .glpk()
                    .ffi()
                    .function(p.glpk().library(), "glp_set_row_bnds")
                    .unwrap()
                    .typed::<(*mut std::ffi::c_void, i32, i32, f64, f64), ()>()
                    .unwrap();
                // SAFETY: as in a_glpk_error_becomes_an_err_and_the_process_lives.
                let e = unsafe { p.with_raw(|_, prob| f.call((prob, 0, 1, 0.0, 0.0))) };
                assert!(matches!(e, Err(LpError::Glpk { .. })));
            })
        })
        .collect();
    let (mut mine, _, _) = manual_example(false);
    for h in handles {
        h.join().unwrap();
    }
    close(
        mine.solve().unwrap().objective,
        2200.0 / 3.0,
        "main thread's problem",
    );
}

#[test]
fn mip_parameters_reach_glpk() {
    let (mut p, _, _) = manual_example(true);
    let o = p
        .intopt(&Mip {
            gap: 0.5,
            gomory_cuts: true,
            mir_cuts: true,
            cover_cuts: true,
            clique_cuts: true,
            presolve: true,
            ..Mip::default()
        })
        .unwrap();
    assert!(matches!(o.status, Status::Optimal | Status::Feasible));
    assert!(o.objective <= 2200.0 / 3.0 + 1e-9);
    let e = p
        .intopt(&Mip {
            gap: f64::NAN,
            ..Mip::default()
        })
        .unwrap_err();
    assert_eq!(e.to_string(), "Mip::gap must be finite and ≥ 0, not NaN");
}

/// `lp` uses only the crate's public API (DESIGN: frontends sit on top): every `crate::` path
/// in src/lp names a root re-export or a public item of a public module.
#[test]
fn lp_uses_only_the_public_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let own_macros = std::fs::read_to_string(root.join("src/lp/expr.rs")).unwrap();
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(root.join("src/lp")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            if line.trim_start().starts_with("//") {
                continue;
            }
            while let Some(at) = rest.find("crate::") {
                if rest[..at].ends_with('$') {
                    rest = &rest[at + 7..];
                    continue;
                }
                let path_text: String = rest[at + 7..]
                    .chars()
                    .take_while(|c| {
                        c.is_alphanumeric()
                            || *c == '_'
                            || *c == ':'
                            || *c == '{'
                            || *c == ','
                            || *c == ' '
                            || *c == '}'
                    })
                    .collect();
                rest = &rest[at + 7..];
                let names: Vec<&str> = path_text
                    .split(['{', '}', ',', ' '])
                    .filter(|s| !s.is_empty())
                    .collect();
                for name in names {
                    let segs: Vec<&str> = name.split("::").filter(|s| !s.is_empty()).collect();
                    let ok = match segs.as_slice() {
                        [item] => {
                            lib.contains(&format!("{item},"))
                                || lib.contains(&format!("{item}}}"))
                                || lib.contains(&format!(" {item};"))
                                || lib.contains(&format!("::{item};"))
                                || own_macros.contains(&format!("macro_rules! {item} "))
                        }
                        [module, ..] => lib.contains(&format!("pub mod {module};")),
                        [] => true,
                    };
                    if !ok {
                        bad.push(format!("{}:{}: crate::{name}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "src/lp reaches past the public API:\n{}",
        bad.join("\n")
    );
}

#[test]
fn glpk_is_found_or_the_error_says_what_was_tried() {
    let glpk = jitffi::lp::Glpk::get().unwrap();
    assert!(glpk.version().starts_with("5."), "{}", glpk.version());
    let missing = jitffi::lp::Glpk::load_from("/nonexistent/libglpk.so.40").unwrap_err();
    let text = missing.to_string();
    assert!(
        text.starts_with("cannot load GLPK: cannot open '/nonexistent/libglpk.so.40'"),
        "{text}"
    );
    assert!(text.contains("hint: install GLPK 5.0"), "{text}");
    // The jitffi error is the source, with what was tried; Display does not repeat it.
    let source = std::error::Error::source(&missing).expect("the load error is the source");
    assert!(
        source.downcast_ref::<jitffi::Error>().is_some(),
        "{source:?}"
    );
    let why = source.to_string();
    assert!(
        why.starts_with("cannot load library '/nonexistent/libglpk.so.40'"),
        "{why}"
    );
    assert!(!text.contains(&why), "{text}");
    let not_glpk = jitffi::lp::Glpk::load_from("libm.so.6")
        .unwrap_err()
        .to_string();
    assert!(not_glpk.contains("libm.so.6 is not GLPK"), "{not_glpk}");
    // A second copy of the binding (another path, same library) makes working problems.
    let path = glpk.library().path().map(|p| p.display().to_string());
    let other = std::sync::Arc::new(
        jitffi::lp::Glpk::load_from(path.as_deref().unwrap_or("libglpk.so.40")).unwrap(),
    );
    let mut p = Problem::with_glpk(&other).unwrap();
    let x = p.add_var(VarDef::continuous().upper(2.0)).unwrap();
    p.maximize(3.0 * x).unwrap();
    close(p.solve().unwrap().objective, 6.0, "second binding");
}

#[test]
fn raw_calls_may_use_the_modeler_and_errors_inside_still_come_back() {
    let (mut p, [x1, _, _], _) = manual_example(false);
    let mut q = Problem::new().unwrap();
    let get_num_cols = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_get_num_cols")
        .unwrap()
        .typed::<(*mut std::ffi::c_void,), i32>()
        .unwrap();
    // SAFETY: a declared GLPK function on this problem; the closure holds only borrows
    // across GLPK calls (q's methods run inside the outer guard).
    let n = unsafe {
        p.with_raw(|_, prob| {
            let y = q.add_var(VarDef::continuous().upper(3.0)).unwrap();
            q.maximize(y).unwrap();
            get_num_cols.call((prob,))
        })
    }
    .unwrap();
    assert_eq!(n, 3);
    close(
        q.solve().unwrap().objective,
        3.0,
        "problem made inside a raw closure",
    );
    // Rows added by raw calls get handles; the problem stays consistent.
    let add_rows = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_add_rows")
        .unwrap()
        .typed::<(*mut std::ffi::c_void, i32), i32>()
        .unwrap();
    // SAFETY: as above.
    unsafe { p.with_raw(|_, prob| add_rows.call((prob, 1))) }.unwrap();
    assert_eq!(p.num_rows(), 4);
    let r = p.rows()[3];
    p.set_row(r, &[(x1, 1.0)]).unwrap();
    p.set_row_bounds(r, f64::NEG_INFINITY, 10.0).unwrap();
    // x1 = 10, x2 = 90: 100 + 540.
    close(p.solve().unwrap().objective, 640.0, "x1 ≤ 10");
    assert_eq!(check_against_glpsol(&mut p, "raw_rows"), Status::Optimal);
}

#[test]
fn duplicate_names_are_refused_where_they_are_given() {
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().name("x")).unwrap();
    let _unnamed = p.add_vars(2, |_| VarDef::continuous()).unwrap();
    let e = p.add_var(VarDef::continuous().name("x")).unwrap_err();
    assert!(
        matches!(&e, LpError::DuplicateName { name, .. } if name == "x"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "add_var: name 'x' already names variable 1");
    // Within one call, the first holder is named by its place in the call; nothing is added.
    let e = p
        .add_vars(4, |i| VarDef::continuous().name(["a", "b", "c", "b"][i]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "variable 4 of add_vars: name 'b' already names variable 2 of add_vars"
    );
    assert_eq!(p.num_vars(), 3);
    assert_eq!(p.var("b"), None, "the failed call's names are forgotten");
    let [a, b] = p
        .add_vars(2, |i| VarDef::continuous().upper(1.0).name(["a", "b"][i]))
        .unwrap()[..]
    else {
        unreachable!()
    };
    assert_eq!(p.var("b"), Some(b));
    let c1 = p
        .add_constraint(constraint!(x + a <= 4).name("cap"))
        .unwrap();
    let e = p
        .add_constraint(constraint!(x + b <= 3).name("cap"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "add_constraint: name 'cap' already names row 1"
    );
    assert_eq!(p.num_rows(), 1);
    // A variable and a row may share a name (LP files keep them apart); unnamed items any
    // number of times.
    p.add_constraint(constraint!(x - a >= -2).name("x"))
        .unwrap();
    p.add_constraint(constraint!(x + b <= 5)).unwrap();
    p.add_constraint(constraint!(a + b <= 5)).unwrap();
    // What write_lp writes, read_lp reads, names and all (glpsol agrees on the optimum).
    p.maximize(x + a + b).unwrap();
    let lp = scratch("names.lp");
    p.write_lp(&lp).unwrap();
    let mut q = Problem::read_lp(&lp).unwrap();
    assert_eq!((q.num_vars(), q.num_rows()), (p.num_vars(), p.num_rows()));
    let (qx, qcap) = (q.var("x").unwrap(), q.row("cap").unwrap());
    assert_eq!(q.var_name(qx), Some("x"));
    assert_eq!(q.row_name(qcap), Some("cap"));
    // A name read from a file is taken too.
    let e = q.add_var(VarDef::continuous().name("a")).unwrap_err();
    assert_eq!(e.to_string(), "add_var: name 'a' already names variable 4");
    assert_eq!(check_against_glpsol(&mut p, "names"), Status::Optimal);
    close(
        q.solve().unwrap().objective,
        p.objective().unwrap(),
        "read back",
    );
    // A deleted variable's name is free again; messages still name the deleted one.
    p.delete_vars(&[a]).unwrap();
    let e = p.bounds(a).unwrap_err();
    assert!(matches!(e, LpError::Deleted(_)), "{e:?}");
    assert_eq!(e.to_string(), "bounds: variable 'a' was deleted");
    let a2 = p.add_var(VarDef::continuous().name("a")).unwrap();
    assert_eq!(p.var("a"), Some(a2));
    assert_eq!(p.row("cap"), Some(c1));
    // Unnamed ones are described by position, counted from 1.
    let e = p.set_obj_coef(_unnamed[1], f64::NAN).unwrap_err();
    assert_eq!(
        e.to_string(),
        "set_obj_coef: variable 3: coefficient is NaN"
    );
    let r = p.rows()[2];
    assert_eq!(p.row_name(r), None);
    let e = p.set_row(r, &[(x, 1.0), (x, 1.0)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "set_row: row 3: variable 'x' appears more than once"
    );
}

#[test]
fn every_change_discards_the_solution_and_a_refused_one_keeps_it() {
    type Change = fn(&mut Problem, &[Var; 3], &[Row; 3]) -> Result<(), LpError>;
    let changes: [(&str, Change); 15] = [
        ("add_var", |p, _, _| {
            p.add_var(VarDef::continuous()).map(drop)
        }),
        ("add_vars", |p, _, _| {
            p.add_vars(2, |_| VarDef::continuous()).map(drop)
        }),
        ("add_constraint", |p, x, _| {
            p.add_constraint(constraint!(x[0] <= 50)).map(drop)
        }),
        ("minimize", |p, x, _| p.minimize(x[0])),
        ("maximize", |p, x, _| p.maximize(x[1])),
        ("set_bounds", |p, x, _| p.set_bounds(x[0], 0.0, 10.0)),
        ("set_kind", |p, x, _| p.set_kind(x[0], Kind::Integer)),
        ("set_row_bounds", |p, _, r| {
            p.set_row_bounds(r[0], 0.0, 90.0)
        }),
        ("set_rhs", |p, _, r| p.set_rhs(r[0], 90.0)),
        ("set_obj_coef", |p, x, _| p.set_obj_coef(x[2], 1.0)),
        ("set_row", |p, x, r| p.set_row(r[0], &[(x[0], 1.0)])),
        ("set_coef", |p, x, r| p.set_coef(r[0], x[2], 2.0)),
        ("delete_vars", |p, x, _| p.delete_vars(&[x[2]])),
        ("delete_rows", |p, _, r| p.delete_rows(&[r[2]])),
        ("with_raw", |p, _, _| {
            // SAFETY: the closure calls nothing.
            unsafe { p.with_raw(|_, _| ()) }
        }),
    ];
    for (name, change) in changes {
        let (mut p, x, r) = manual_example(false);
        let o = p.solve().unwrap();
        // A refused change changes nothing, so the solution stays.
        assert!(p.set_bounds(x[0], 2.0, 1.0).is_err());
        assert!(p.add_var(VarDef::continuous().name("x1")).is_err());
        assert_eq!(p.outcome().unwrap(), o);
        change(&mut p, &x, &r).unwrap();
        let e = p.objective().unwrap_err();
        assert!(
            matches!(
                e,
                LpError::NotSolved {
                    what: "objective",
                    reason: Unsolved::Changed(by)
                } if by == name
            ),
            "{name}: {e:?}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "objective: no solution: the problem was changed by {name} after the last solve (solve it again)"
            )
        );
        // Reading does not change the model.
        p.bounds(x[0]).unwrap();
        p.row_coefs(r[0]).unwrap();
        p.write_lp(scratch("change.lp")).unwrap();
        p.solve().unwrap();
        p.objective().unwrap();
    }
    // Before any solve, and after a solver failure, the reason says so.
    let (p, x, _) = manual_example(false);
    assert_eq!(
        p.value(x[0]).unwrap_err().to_string(),
        "value: no solution: the problem has not been solved"
    );
    let mut empty = Problem::new().unwrap();
    let e = empty.interior(&Default::default()).unwrap_err();
    assert!(matches!(e, LpError::Solver { .. }), "{e:?}");
    assert!(matches!(
        empty.outcome().unwrap_err(),
        LpError::NotSolved {
            reason: Unsolved::SolverFailed("glp_interior"),
            ..
        }
    ));
}

#[test]
fn a_mip_stopped_by_the_gap_has_a_feasible_solution_as_glpsol_says() {
    // A knapsack whose relaxation is fractional: with a 50% gap tolerance GLPK stops at the
    // first integer solution good enough, status GLP_FEAS, as glpsol does with --mipgap.
    let mut rng = fastrand::Rng::with_seed(11);
    let items: Vec<(f64, f64)> = (0..40)
        .map(|_| (f64::from(rng.u32(5..60)), f64::from(rng.u32(3..40))))
        .collect();
    let build = || {
        let mut p = Problem::new().unwrap();
        let x = p.add_vars(items.len(), |_| VarDef::binary()).unwrap();
        p.maximize(
            items
                .iter()
                .zip(&x)
                .map(|(&(v, _), &b)| v * b)
                .sum::<Expr>(),
        )
        .unwrap();
        let weight: Expr = items.iter().zip(&x).map(|(&(_, w), &b)| w * b).sum();
        p.add_constraint(weight.le(311)).unwrap();
        (p, x)
    };
    let mut best = vec![0.0f64; 312];
    for &(value, w) in &items {
        for cap in (w as usize..=311).rev() {
            best[cap] = best[cap].max(best[cap - w as usize] + value);
        }
    }
    let (mut p, x) = build();
    let gap = Mip {
        gap: 0.5,
        ..Mip::default()
    };
    assert_eq!(
        check_against_glpsol_with(&mut p, "gap", &gap, &["--mipgap", "0.5"]),
        Status::Feasible
    );
    let o = p.outcome().unwrap();
    assert_eq!(o.code, Some(Code::MipGap));
    assert!(!o.is_optimal());
    // The solution is usable: integral, within capacity, its objective its value, within
    // the gap of the optimum (by dynamic programming).
    let values = p.values(&x).unwrap();
    assert!(values.iter().all(|&v| v == 0.0 || v == 1.0), "{values:?}");
    let weight: f64 = items.iter().zip(&values).map(|(&(_, w), v)| w * v).sum();
    assert!(weight <= 311.0);
    let value: f64 = items.iter().zip(&values).map(|(&(v, _), b)| v * b).sum();
    close(o.objective, value, "objective of the solution");
    assert!(
        value >= 0.5 * best[311] && value <= best[311],
        "{value} vs {}",
        best[311]
    );
    // Without the tolerance the same model is solved to optimality.
    let (mut p, _) = build();
    assert_eq!(check_against_glpsol(&mut p, "gap_none"), Status::Optimal);
    close(p.objective().unwrap(), best[311], "optimum");
}

#[test]
fn interior_point_solutions_and_their_absence_match_glpsol_interior() {
    let (mut p, x, rows) = manual_example(false);
    let o = p.interior(&Interior::default()).unwrap();
    assert_eq!(
        (o.status, o.kind),
        (Status::Optimal, SolutionKind::Interior)
    );
    let mps = scratch("ipt.mps");
    p.write_mps(&mps, MpsFormat::Free).unwrap();
    let oracle = glpsol(
        &["--freemps", mps.to_str().unwrap(), "--max", "--interior"],
        "ipt",
    );
    assert_eq!(oracle.status.0, "o");
    let near = |a: f64, b: f64, what: &str| {
        assert!(
            (a - b).abs() <= 1e-5 * (1.0 + b.abs()),
            "{what}: {a} vs {b}"
        )
    };
    near(o.objective, oracle.objective, "objective");
    for (k, &v) in x.iter().enumerate() {
        near(p.value(v).unwrap(), oracle.cols[k].0, "value");
        near(p.reduced_cost(v).unwrap(), oracle.cols[k].1, "reduced cost");
    }
    for (k, &r) in rows.iter().enumerate() {
        near(p.row_value(r).unwrap(), oracle.rows[k].0, "activity");
        near(p.dual(r).unwrap(), oracle.rows[k].1, "dual");
    }

    // No feasible solution: glpsol says "n"; glp_interior returns 0, its status GLP_NOFEAS.
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous()).unwrap();
    let y = p.add_var(VarDef::continuous()).unwrap();
    p.maximize(x).unwrap();
    p.add_constraint(constraint!(x + y <= -1)).unwrap();
    let res = p.interior(&Interior::default());
    let (status, _) = solve_status(res, &p);
    assert_eq!(status, Status::NoFeasible);
    let e = p.interior(&Interior::default()).unwrap_err();
    assert!(
        matches!(
            e,
            LpError::NoSolution {
                solver: "glp_interior",
                status: Status::NoFeasible,
                code: None
            }
        ),
        "{e:?}"
    );
    let mps = scratch("ipt_inf.mps");
    p.write_mps(&mps, MpsFormat::Free).unwrap();
    let oracle = glpsol(
        &["--freemps", mps.to_str().unwrap(), "--max", "--interior"],
        "ipt_inf",
    );
    assert_eq!(oracle.status.0, "n");
}

#[test]
fn io_errors_keep_their_source() {
    let e = McfInstance::read("/nonexistent/dir/x.min").unwrap_err();
    assert!(matches!(e, LpError::Io { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "/nonexistent/dir/x.min: cannot read the file"
    );
    let source = std::error::Error::source(&e).expect("the io::Error is the source");
    let io = source.downcast_ref::<std::io::Error>().unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // GLPK's own readers: GLPK's message, no source.
    let e = Problem::read_lp("/nonexistent/dir/x.lp").unwrap_err();
    assert!(std::error::Error::source(&e).is_none());
}
