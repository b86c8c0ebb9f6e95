//! Changes to a solved problem: modify and re-solve (against glpsol on each version), warm and
//! cold starts, MIP parameters, and which changes discard the solution.

use crate::oracle::{build_mcf, check_against_glpsol, close, manual_example, scratch};
use jitffi::constraint;
use jitffi::lp::{
    Basis, Code, Kind, LpError, McfInstance, McfSpec, Method, Mip, Problem, Row, Simplex, Status,
    Unsolved, Var, VarDef,
};

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
