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
//! # A solution, or an error that says why there is none
//!
//! [`Problem::solve`] (and [`Problem::simplex`], [`Problem::interior`],
//! [`Problem::intopt`]) returns an [`Outcome`] only when the solver found a solution: optimal,
//! or feasible without a proof of optimality (a MIP stopped by a limit or the gap tolerance
//! with an integer solution in hand, an LP stopped by a limit at a feasible basis;
//! [`Outcome::code`] says which). Otherwise it is [`LpError::NoSolution`], with GLPK's
//! [`Status`] (no feasible solution, unbounded, infeasible point, undefined) and return
//! [`Code`], so `?` cannot carry a meaningless objective into a program, and a program that
//! wants to tell the cases apart matches on the status:
//!
//! ```
//! use jitffi::constraint;
//! use jitffi::lp::{LpError, Problem, Status, Unsolved, VarDef};
//!
//! let mut p = Problem::new()?;
//! let x = p.add_var(VarDef::continuous().name("x"))?;
//! p.maximize(x)?;
//! p.add_constraint(constraint!(x <= -1))?;                   // x ≥ 0: no feasible point
//! match p.solve() {
//!     Err(LpError::NoSolution { status: Status::NoFeasible, .. }) => {}
//!     other => panic!("{other:?}"),
//! }
//! // The results refuse to answer, and say why.
//! let e = p.value(x).unwrap_err();
//! assert!(matches!(e, LpError::NotSolved {
//!     reason: Unsolved::NoSolution { status: Status::NoFeasible, .. }, ..
//! }));
//! # Ok::<(), LpError>(())
//! ```
//!
//! Results ([`Problem::objective`], [`Problem::value`], [`Problem::dual`], …) read the
//! *current* solution: the last solve's, as long as the model has not changed since. A
//! change discards it ([`Problem`] lists the methods that change the model), and the results
//! answer [`LpError::NotSolved`] with [`Unsolved::Changed`] naming the first change until the
//! next solve, which starts from the last basis (a warm start costs nothing more). A change
//! the modeler refuses changes nothing and keeps the solution.
//!
//! # How it maps to GLPK
//!
//! A [`Problem`] is a live `glp_prob`: each [`Problem::add_var`] / [`Problem::add_vars`] adds
//! columns and sets their bounds and kinds at once, each [`Problem::add_constraint`] adds a
//! row and hands GLPK its coefficients with one `glp_set_mat_row`, so a model costs the GLPK
//! calls a C program building it would make (see the README's benchmark). The calls are typed
//! jitffi calls, checked once against the cdef when GLPK is loaded ([`Glpk`]).
//!
//! # Messages
//!
//! Errors name variables and rows by their names, `variable 'x1'`, `row 'cap'`; an unnamed
//! one is named by its position. Positions in messages are ordinal words and count from 1,
//! as C compilers count arguments (and as the rest of jitffi does): `variable 3` is the third
//! variable made ([`Var::index`] 2; deleted ones keep their numbers), `constraint 2` the
//! second row, `variable 4 of add_vars` the fourth of that call. A subscript written in code
//! syntax (`x[0]`) is a subscript and counts from 0. Names are unique: a name already given to
//! a live variable (or row) of the problem is refused where it is given
//! ([`LpError::DuplicateName`]), since LP and MPS files could not tell the two apart.
//!
//! An [`LpError`] that wraps another error (a jitffi error behind [`LpError::Load`] or
//! [`LpError::Binding`], an I/O error behind [`LpError::Io`]) keeps it as its
//! [`source`](std::error::Error::source), and its `Display` does not repeat the source's text
//! (libloading's rule): report the chain to show both.
//!
//! # Validation, and GLPK errors
//!
//! GLPK `abort()`s the process on invalid input. The modeler checks everything before GLPK sees
//! it: like terms are merged, NaN or infinite coefficients, NaN bounds, a lower bound above the
//! upper one, variables or rows of another problem or deleted ones, duplicate terms in
//! [`Problem::set_row`], duplicate names, and names GLPK would refuse are errors that leave
//! the problem as it was. What slips through anyway (or a raw call, [`Problem::with_raw`]) is caught: jitffi
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
