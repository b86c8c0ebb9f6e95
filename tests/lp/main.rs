//! `jitffi::lp` against `glpsol` (GLPK's own command-line solver, reading the model we write)
//! and against known optima: the GLPK manual's example and its integer version, infeasible and
//! unbounded models, a knapsack MIP, min-cost flow instances (`glpsol --mincost` reads the same
//! DIMACS file), modifications and re-solves, file round trips, and the validation that keeps
//! GLPK from aborting the process.
//!
//! Modules: `oracle` (glpsol as the oracle, the manual's example: the helpers), `models`
//! (whole models against known optima and glpsol), `status` (no solution, stopped solves,
//! interior point), `changes` (modifications, re-solves, warm starts, parameters), `errors`
//! (validation before GLPK, GLPK's errors, loading, duplicate names, I/O errors), `boundaries`
//! (files, output sinks, threads, and the crate's public API as lp's only way in).

#[path = "../common/mod.rs"]
mod common;

mod oracle;

mod boundaries;
mod changes;
mod errors;
mod models;
mod status;
