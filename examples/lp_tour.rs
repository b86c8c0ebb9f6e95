//! A tour of `jitffi::lp`: the GLPK manual's example (values, duals, reduced costs), its
//! integer version, a change and a re-solve, a model with no solution, what happens to bad
//! input, and a mid-size min-cost-flow model built and solved with timings.
//!
//! ```sh
//! cargo run --release --example lp_tour
//! ```

use std::time::Instant;

use jitffi::constraint;
use jitffi::lp::{Expr, Kind, LpError, McfInstance, McfSpec, Problem, Status, VarDef};

fn main() -> Result<(), LpError> {
    let glpk = jitffi::lp::Glpk::get()?;
    println!(
        "GLPK {} from {} (bound through cdefs/glpk.h, no link step)",
        glpk.version(),
        glpk.library().path().map_or_else(
            || glpk.library().name().to_owned(),
            |p| p.display().to_string()
        )
    );

    // The manual's example: maximize 10x1 + 6x2 + 4x3.
    let mut p = Problem::new()?;
    let x1 = p.add_var(VarDef::continuous().name("x1"))?;
    let x2 = p.add_var(VarDef::continuous().name("x2"))?;
    let x3 = p.add_var(VarDef::continuous().name("x3"))?;
    p.maximize(10.0 * x1 + 6.0 * x2 + 4.0 * x3)?;
    let rows = [
        p.add_constraint(constraint!(x1 + x2 + x3 <= 100).name("p"))?,
        p.add_constraint(constraint!(10.0 * x1 + 4.0 * x2 + 5.0 * x3 <= 600).name("q"))?,
        p.add_constraint(constraint!(2.0 * x1 + 2.0 * x2 + 6.0 * x3 <= 300).name("r"))?,
    ];
    let outcome = p.solve()?;
    println!(
        "\nmanual example: {:?}, z = {:.4}",
        outcome.status, outcome.objective
    );
    for v in [x1, x2, x3] {
        println!(
            "  {} = {:8.4}   reduced cost {:8.4}",
            p.var_name(v).unwrap_or("?"),
            p.value(v)?,
            p.reduced_cost(v)?
        );
    }
    for r in rows {
        println!(
            "  row {} = {:8.4}   dual {:8.4}",
            p.row_name(r).unwrap_or("?"),
            p.row_value(r)?,
            p.dual(r)?
        );
    }

    // Change a right-hand side: the solution is no longer current until the re-solve (from
    // the last basis).
    p.set_rhs(rows[0], 90.0)?;
    println!(
        "after set_rhs, before solving: {}",
        p.value(x1).unwrap_err()
    );
    println!("with p ≤ 90: z = {:.4}", p.solve()?.objective);

    // Integer variables: solve() runs glp_intopt after the LP relaxation.
    for v in [x1, x2, x3] {
        p.set_kind(v, Kind::Integer)?;
    }
    p.set_rhs(rows[0], 100.0)?;
    let o = p.solve()?;
    println!(
        "integer version: {:?}, z = {}, x = ({}, {}, {})",
        o.status,
        o.objective,
        p.value(x1)?,
        p.value(x2)?,
        p.value(x3)?
    );

    // No solution is an error, with GLPK's status; the results refuse to answer.
    let mut q = Problem::new()?;
    let a = q.add_var(VarDef::continuous().name("a"))?;
    q.maximize(a)?;
    q.add_constraint(constraint!(a <= -1).name("neg"))?;
    match q.solve() {
        Err(LpError::NoSolution { status, .. }) => {
            assert_eq!(status, Status::NoFeasible);
            println!("\nno solution: {}", q.solve().unwrap_err());
            println!("  then: {}", q.value(a).unwrap_err());
        }
        other => panic!("an infeasible model solved: {other:?}"),
    }

    // Bad input never reaches GLPK (which would abort the process).
    let e = p
        .add_constraint(constraint!(x1 + f64::NAN * x2 <= 1))
        .unwrap_err();
    println!("\nrefused: {e}");
    let mut other = Problem::new()?;
    let y = other.add_var(VarDef::continuous())?;
    println!("refused: {}", p.minimize(x1 + y).unwrap_err());
    let e = p.set_row(rows[1], &[(x1, 1.0), (x1, 2.0)]).unwrap_err();
    println!("refused: {e}");
    let e = p.add_var(VarDef::continuous().name("x2")).unwrap_err();
    println!("refused: {e}");

    // A mid-size min-cost flow, built with the symbolic API.
    let spec = McfSpec::small(15_000, 38_000);
    let inst = McfInstance::generate(&spec)?;
    let t = Instant::now();
    let mut p = Problem::new()?;
    let x = p.add_vars(inst.arcs.len(), |k| {
        let a = &inst.arcs[k];
        VarDef::continuous().bounds(a.low as f64, a.cap as f64)
    })?;
    p.minimize(
        inst.arcs
            .iter()
            .zip(&x)
            .map(|(a, &v)| a.cost as f64 * v)
            .sum::<Expr>(),
    )?;
    let mut balance = vec![Expr::new(); inst.nodes()];
    for (a, &v) in inst.arcs.iter().zip(&x) {
        balance[a.src as usize - 1] += v;
        balance[a.dst as usize - 1] -= v;
    }
    for (e, &b) in balance.into_iter().zip(&inst.supply) {
        p.add_constraint(e.eq(b as f64))?;
    }
    p.flush()?;
    let build = t.elapsed();
    let t = Instant::now();
    let o = p.solve()?;
    println!(
        "\nmin-cost flow, {} nodes, {} arcs: built in {:.1} ms, solved in {:.2} s (dual simplex, no presolve): {:?}, cost {}",
        inst.nodes(),
        inst.arcs.len(),
        build.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64(),
        o.status,
        o.objective
    );
    Ok(())
}
