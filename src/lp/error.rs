//! [`LpError`], the error of every `jitffi::lp` operation, and [`Unsolved`], why there is no
//! current solution to read.

use std::fmt;
use std::sync::Arc;

use super::solve::{Code, Status};

/// Why a modeling or solving step failed. Nothing reached GLPK, except for
/// [`LpError::Glpk`], [`LpError::Solver`], [`LpError::NoSolution`] and [`LpError::Io`].
///
/// Variables and rows are named in messages by their names (`variable 'x1'`, `row 'cap'`),
/// or by their position when they have none, counted from 1 (`variable 3` is the third
/// variable made, [`Var::index`](super::Var::index) 2). A variant that wraps another error
/// keeps it as its [`source`](std::error::Error::source), and its `Display` does not repeat
/// it (print the chain, as `anyhow` or `{:#}`-style reporters do, to see both).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LpError {
    /// GLPK could not be loaded or bound. The jitffi error that stopped it, if any (the
    /// library not found, with every path tried; a missing function), is the `source`.
    Load {
        /// What failed, with an install hint where one helps.
        message: String,
        /// The jitffi error behind it.
        source: Option<Arc<crate::Error>>,
    },
    /// A jitffi operation on GLPK's cdef failed after loading (a parameter block could not be
    /// made or set): `cdefs/glpk.h` and the modeler disagree, a bug.
    Binding {
        /// The operation, e.g. `glp_smcp.meth`.
        what: String,
        /// The jitffi error.
        source: Arc<crate::Error>,
    },
    /// A variable of another problem.
    ForeignVar {
        /// The variable, by position and its problem's number.
        var: String,
        /// What it was used for.
        context: String,
    },
    /// A row of another problem.
    ForeignRow {
        /// The row, by position and its problem's number.
        row: String,
        /// What it was used for.
        context: String,
    },
    /// A variable or row deleted from the problem.
    Deleted(String),
    /// A NaN or infinite coefficient, or a NaN bound.
    NotFinite(String),
    /// Bounds with `lower > upper`.
    Bounds(String),
    /// The same variable twice where GLPK takes each once ([`Problem::set_row`]), or the same
    /// variable or row twice in a deletion.
    ///
    /// [`Problem::set_row`]: super::Problem::set_row
    DuplicateTerm(String),
    /// A name that already names another variable (or row) of the problem: LP and MPS files
    /// could not tell them apart.
    DuplicateName {
        /// What was being named.
        context: String,
        /// The name.
        name: String,
        /// The variable or row that has it, by position.
        first: String,
    },
    /// Anything else the modeler refused (names, arguments), with the reason.
    Invalid(String),
    /// GLPK reported an error (its message, from its error routine), caught by the error hook.
    /// This thread's GLPK environment was freed: every problem of the thread is gone.
    Glpk {
        /// The modeler operation that called GLPK.
        what: String,
        /// GLPK's message, with its source location.
        message: String,
    },
    /// The problem belonged to a GLPK environment that a GLPK error (in any problem of the
    /// thread) freed; it can only be dropped.
    EnvReset,
    /// A solver failed to start or to finish (`GLP_EBADB`, `GLP_ESING`, `GLP_EFAIL`, …).
    Solver {
        /// `glp_simplex`, `glp_interior` or `glp_intopt`.
        solver: &'static str,
        /// GLPK's return code, e.g. `GLP_ESING`.
        code: &'static str,
        /// What the code means, and GLPK's last message.
        message: String,
    },
    /// A solver ran and ended without a solution: the problem has no feasible solution, is
    /// unbounded, or the solver stopped (a limit) before it had one. An optimal or feasible
    /// solution is never this error; see [`Outcome`](super::Outcome).
    NoSolution {
        /// `glp_simplex`, `glp_interior`, `glp_intopt`, or `glp_intopt (LP relaxation)` when
        /// the relaxation solved before the branch and cut had no optimum.
        solver: &'static str,
        /// What GLPK (or its presolver) found: never [`Status::Optimal`] or
        /// [`Status::Feasible`].
        status: Status,
        /// The solver's return code, if it was not 0: a limit, or what the presolver found.
        code: Option<Code>,
    },
    /// A result was asked for and there is no current solution.
    NotSolved {
        /// The method asked, e.g. `value`.
        what: &'static str,
        /// Why there is none.
        reason: Unsolved,
    },
    /// Duals or reduced costs of a MIP solution, which has primal values only.
    NoDuals {
        /// The method asked, e.g. `dual`.
        what: &'static str,
    },
    /// Reading or writing a file failed. For GLPK's readers and writers, `message` is what
    /// GLPK said; for files jitffi reads itself, the I/O error is the `source`.
    Io {
        /// The file.
        path: String,
        /// What failed.
        message: String,
        /// The operating system's error, when jitffi made the call.
        source: Option<Arc<std::io::Error>>,
    },
    /// A DIMACS file could not be read (`path:line: message`).
    Dimacs(String),
}

/// Why a problem has no current solution ([`LpError::NotSolved`]).
///
/// Each solve replaces the current solution, with its own or with none. Every change to the
/// model discards it (see [`Problem`](super::Problem#results-and-changes) for the list).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unsolved {
    /// No solver has run since the problem was made or read.
    NotYet,
    /// The last solve ended without a solution ([`LpError::NoSolution`]).
    NoSolution {
        /// What it found.
        status: Status,
        /// Its return code, if not 0.
        code: Option<Code>,
    },
    /// The last solve failed ([`LpError::Solver`]), naming the solver.
    SolverFailed(&'static str),
    /// The problem was changed after the last solve, first by this method.
    Changed(&'static str),
}

impl fmt::Display for Unsolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsolved::NotYet => f.write_str("the problem has not been solved"),
            Unsolved::NoSolution { status, code } => {
                write!(f, "the last solve ended without one: {}", status.meaning())?;
                if let Some(code) = code {
                    write!(f, ", {}", code.meaning())?;
                }
                Ok(())
            }
            Unsolved::SolverFailed(solver) => write!(f, "the last solve failed ({solver})"),
            Unsolved::Changed(by) => write!(
                f,
                "the problem was changed by {by} after the last solve (solve it again)"
            ),
        }
    }
}

impl fmt::Display for LpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LpError::Load { message, .. } => write!(f, "cannot load GLPK: {message}"),
            LpError::Binding { what, .. } => {
                write!(f, "{what}: jitffi refused a call on GLPK's cdef (a bug)")
            }
            LpError::ForeignVar { var, context } => {
                write!(f, "{context}: {var} belongs to another problem")
            }
            LpError::ForeignRow { row, context } => {
                write!(f, "{context}: {row} belongs to another problem")
            }
            LpError::Deleted(m) => write!(f, "{m} was deleted"),
            LpError::NotFinite(m) | LpError::Bounds(m) | LpError::Invalid(m) => f.write_str(m),
            LpError::DuplicateTerm(m) => f.write_str(m),
            LpError::DuplicateName {
                context,
                name,
                first,
            } => write!(
                f,
                "{context}: name '{}' already names {first}",
                name.escape_debug()
            ),
            LpError::Glpk { what, message } => write!(
                f,
                "{what}: GLPK error: {message} (this thread's GLPK problems were freed)"
            ),
            LpError::EnvReset => f.write_str(
                "this problem was freed with its thread's GLPK environment after a GLPK error",
            ),
            LpError::Solver {
                solver,
                code,
                message,
            } => write!(f, "{solver} failed: {code}: {message}"),
            LpError::NoSolution {
                solver,
                status,
                code,
            } => {
                write!(f, "{solver}: no solution: {}", status.meaning())?;
                if let Some(code) = code {
                    write!(f, ", {}", code.meaning())?;
                }
                Ok(())
            }
            LpError::NotSolved { what, reason } => write!(f, "{what}: no solution: {reason}"),
            LpError::NoDuals { what } => {
                write!(f, "{what}: a MIP solution has no duals or reduced costs")
            }
            LpError::Io { path, message, .. } => write!(f, "{path}: {message}"),
            LpError::Dimacs(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for LpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LpError::Load {
                source: Some(e), ..
            } => Some(&**e),
            LpError::Binding { source, .. } => Some(&**source),
            LpError::Io {
                source: Some(e), ..
            } => Some(&**e),
            _ => None,
        }
    }
}
