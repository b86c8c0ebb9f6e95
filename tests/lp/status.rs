//! Solves without an optimum: no solution (GLPK's status, as glpsol reports it), stopped solves
//! (feasible or no solution, a MIP stopped by the gap), and interior-point solutions and their
//! absence (`glpsol --interior`).

use crate::oracle::{
    build_mcf, check_against_glpsol, check_against_glpsol_with, close, glpsol, manual_example,
    scratch, solve_status,
};
use jitffi::constraint;
use jitffi::lp::{
    Basis, Code, Expr, Interior, LpError, McfInstance, McfSpec, Method, Mip, MpsFormat, Problem,
    Simplex, SolutionKind, Status, Unsolved, VarDef,
};

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
