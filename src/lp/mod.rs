//! `jitffi::lp`: a symbolic linear-programming modeler over GLPK, which it loads at run time
//! through a cdef (`cdefs/glpk.h`): no `-sys` crate, no link step.
//!
//! ```
//! use jitffi::constraint;
//! use jitffi::lp::{Problem, Status, VarDef};
//!
//! // The GLPK manual's example: maximize 10x1 + 6x2 + 4x3.
//! let mut p = Problem::new()?;
//! let x1 = p.add_var(VarDef::continuous().name("x1"))?;   // x ≥ 0 unless bounded otherwise
//! let x2 = p.add_var(VarDef::continuous().name("x2"))?;
//! let x3 = p.add_var(VarDef::continuous().name("x3"))?;
//! p.maximize(10.0 * x1 + 6.0 * x2 + 4.0 * x3)?;
//! let cap = p.add_constraint(constraint!(x1 + x2 + x3 <= 100).name("p"))?;
//! p.add_constraint(constraint!(10.0 * x1 + 4.0 * x2 + 5.0 * x3 <= 600).name("q"))?;
//! p.add_constraint(constraint!(2.0 * x1 + 2.0 * x2 + 6.0 * x3 <= 300).name("r"))?;
//!
//! let outcome = p.solve()?;                                  // dual simplex, no presolve
//! assert_eq!(outcome.status, Status::Optimal);
//! assert!((outcome.objective - 733.333333).abs() < 1e-5);
//! assert!((p.value(x1)? - 33.333333).abs() < 1e-5);
//! assert!((p.dual(cap)? - 3.333333).abs() < 1e-5);          // shadow price of p
//! # Ok::<(), jitffi::lp::LpError>(())
//! ```
//!
//! # How it maps to GLPK
//!
//! A [`Problem`] is a live `glp_prob`: each [`Problem::add_var`] / [`Problem::add_vars`] adds
//! columns and sets their bounds and kinds at once, each [`Problem::add_constraint`] adds a
//! row and hands GLPK its coefficients with one `glp_set_mat_row`, so a model costs the GLPK
//! calls a C program building it would make (see the README's benchmark). The calls are typed
//! jitffi calls, checked once against the cdef when GLPK is loaded ([`Glpk`]).
//!
//! # Validation, and GLPK errors
//!
//! GLPK `abort()`s the process on invalid input. The modeler checks everything before GLPK sees
//! it: like terms are merged, NaN or infinite coefficients, NaN bounds, a lower bound above the
//! upper one, variables or rows of another problem or deleted ones, duplicate terms in
//! [`Problem::set_row`], and names GLPK would refuse are errors that leave the problem as it
//! was. What slips through anyway (or a raw call, [`Problem::with_raw`]) is caught: jitffi
//! installs `glp_error_hook`, and a GLPK error becomes [`LpError::Glpk`] with GLPK's message.
//! GLPK then requires its per-thread environment to be freed, which ends every problem of
//! the thread: they answer [`LpError::EnvReset`] from then on. The process lives.
//!
//! # Threads
//!
//! GLPK keeps a per-thread environment, and a problem belongs to the environment of the
//! thread that made it, so [`Problem`] is not `Send`. Problems on different threads are
//! independent. The environment is freed when the thread's last problem is dropped.
//!
//! # Defaults
//!
//! [`Problem::solve`] runs the dual simplex (falling back to the primal one if it fails), from
//! the current basis, without presolve, then `glp_intopt` when there are integer variables.
//! GLPK's own defaults (primal simplex) and its presolver are much slower on network models:
//! the README's 154,072-node min-cost-flow model takes about 17 s with these settings and minutes
//! with GLPK's (the issue tracker's measurements; see [`Simplex`]). Terminal output is dropped
//! unless [`Problem::set_output`] chooses a sink.

mod build;
mod dimacs;
mod edit;
mod error;
mod expr;
mod files;
mod glpk;
mod numbering;
mod params;
mod problem;
mod results;
mod solve;

pub use build::{Kind, VarDef};
pub use dimacs::{Arc as DimacsArc, McfInstance, McfSpec};
pub use error::{LpError, Unsolved};
pub use expr::{Constraint, Expr, Linear, Row, Term, Var};
pub use files::MpsFormat;
pub use glpk::{GLPK_CDEF, GLPK_DEFAULT, GLPK_ENV, Glpk, Output};
pub use params::{
    Basis, Branching, Interior, Method, Mip, MsgLevel, Ordering, Pricing, RatioTest, Simplex,
};
pub use problem::Problem;
pub use solve::{Code, Outcome, SolutionKind, Status};
