//! Whole models against known optima and glpsol: the GLPK manual's example and its integer
//! version, knapsack and assignment MIPs, min-cost flow (`glpsol --mincost`), like terms and
//! constants in expressions, objective coefficients given with the variables.

use std::collections::HashMap;

use crate::oracle::{build_mcf, check_against_glpsol, close, glpsol, manual_example, scratch};
use jitffi::constraint;
use jitffi::lp::{
    Expr, Kind, LpError, McfInstance, McfSpec, Problem, SolutionKind, Status, Var, VarDef,
};

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
