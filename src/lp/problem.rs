//! [`Problem`]: a live GLPK problem object behind a checked, symbolic API; handles and the
//! validation every other part uses.

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

use super::LpError;
use super::expr::{Row, Term, Var};
use super::glpk::{self, Consts, Fns, Glpk, Output, Prob, c_string};
use super::numbering::Numbering;
use super::solve::SolutionKind;

static NEXT_MODEL: AtomicU32 = AtomicU32::new(1);

/// Expressions up to this many terms are merged by looking back instead of marking columns.
pub(super) const SMALL_EXPR: usize = 16;

/// Scratch space for merging like terms: per-column marks, and the merged row in GLPK's
/// 1-based `ind[]`/`val[]` form (element 0 unused).
#[derive(Default)]
pub(super) struct Merge {
    pub(super) mark: Vec<u32>,
    pub(super) pos: Vec<u32>,
    pub(super) stamp: u32,
    pub(super) ind: Vec<i32>,
    pub(super) val: Vec<f64>,
}

/// A validated row waiting for [`Problem::flush`]: its terms are `ind/val[start..start + len]`
/// of [`Pending`].
pub(super) struct PendingRow {
    pub(super) ty: i32,
    pub(super) lower: f64,
    pub(super) upper: f64,
    pub(super) start: usize,
    pub(super) len: i32,
    pub(super) name: Option<CString>,
}

/// Rows not yet in GLPK, with their terms in GLPK's `ind[]`/`val[]` form (element 0 unused).
#[derive(Default)]
pub(super) struct Pending {
    pub(super) rows: Vec<PendingRow>,
    pub(super) ind: Vec<i32>,
    pub(super) val: Vec<f64>,
}

/// How [`Problem::merge`] treats a variable that appears twice.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Dups {
    Merge,
    Reject,
}

/// A linear (or mixed-integer) program: a live GLPK problem object.
///
/// Variables ([`Var`]) and rows ([`Row`]) are `Copy` handles numbered in creation order; they
/// stay valid when others are deleted. Every method validates its input before GLPK sees it
/// (see the [module documentation](super)). Not `Send`: GLPK's environment is per thread.
pub struct Problem {
    pub(super) glpk: Arc<Glpk>,
    pub(super) prob: Prob,
    pub(super) env_gen: u64,
    pub(super) id: u32,
    pub(super) output: Output,
    /// Variable handles ↔ GLPK columns.
    pub(super) cols: Numbering,
    /// Row handles ↔ GLPK rows (including pending ones).
    pub(super) rows: Numbering,
    /// Variables given an objective coefficient by the last `minimize`/`maximize`.
    pub(super) obj_vars: Vec<u32>,
    pub(super) merge: Merge,
    /// Rows added but not yet handed to GLPK (see [`Problem::flush`]).
    pub(super) pending: RefCell<Pending>,
    pub(super) solved: Option<SolutionKind>,
    /// A problem belongs to its thread's GLPK environment.
    pub(super) _thread: PhantomData<*mut ()>,
}

impl fmt::Debug for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Problem")
            .field("id", &self.id)
            .field("vars", &self.cols.len())
            .field("rows", &self.rows.len())
            .field("solved", &self.solved)
            .finish_non_exhaustive()
    }
}

impl Drop for Problem {
    fn drop(&mut self) {
        if self.env_gen != glpk::generation() {
            return;
        }
        self.pending.take();
        let prob = self.prob;
        // SAFETY: the problem is live in this thread's environment (generation checked) and is
        // deleted once; the closure holds nothing. A failure cannot be reported from drop; it
        // is logged.
        let res = unsafe { self.run("drop", |g, _| g.delete_prob.call((prob,))) };
        if let Err(e) = res {
            log::error!(target: "jitffi::lp", "deleting a GLPK problem: {e}");
            return;
        }
        glpk::problem_dropped(&self.glpk, self.env_gen);
    }
}

impl Problem {
    /// A new empty problem (minimization, no rows or columns), with the process's GLPK
    /// ([`Glpk::get`]).
    ///
    /// # Errors
    ///
    /// [`LpError::Load`] if GLPK cannot be loaded.
    pub fn new() -> Result<Problem, LpError> {
        Problem::with_glpk(&Glpk::get()?)
    }

    /// A new empty problem of the given GLPK.
    ///
    /// # Errors
    ///
    /// A GLPK error while creating it (none expected).
    pub fn with_glpk(glpk: &Arc<Glpk>) -> Result<Problem, LpError> {
        let mut p = Problem {
            glpk: glpk.clone(),
            prob: std::ptr::null_mut(),
            env_gen: glpk::generation(),
            id: NEXT_MODEL.fetch_add(1, AtomicOrdering::Relaxed),
            output: Output::Silent,
            cols: Numbering::default(),
            rows: Numbering::default(),
            obj_vars: Vec::new(),
            merge: Merge::default(),
            pending: RefCell::default(),
            solved: None,
            _thread: PhantomData,
        };
        // SAFETY: the closure holds nothing; glp_create_prob takes no arguments.
        p.prob = unsafe { p.run("Problem::new", |g, _| g.create_prob.call(())) }?;
        p.env_gen = glpk::generation();
        glpk::problem_created();
        Ok(p)
    }

    /// Runs GLPK calls for this problem, guarded (see [`glpk::guarded`]).
    ///
    /// # Safety
    ///
    /// As [`glpk::guarded`]: `f` holds nothing with a destructor across a GLPK call.
    pub(super) unsafe fn run<R>(
        &self,
        what: &str,
        f: impl FnOnce(&Fns, Prob) -> R,
    ) -> Result<R, LpError> {
        if self.env_gen != glpk::generation() {
            return Err(LpError::EnvReset);
        }
        self.flush()?;
        let g = &*self.glpk;
        let prob = self.prob;
        // SAFETY: the caller's contract.
        unsafe { glpk::guarded(g, &self.output, what, || f(&g.fns, prob)) }
    }

    pub(super) fn c(&self) -> &Consts {
        &self.glpk.c
    }

    /// The GLPK this problem uses.
    pub fn glpk(&self) -> &Arc<Glpk> {
        &self.glpk
    }

    /// Where GLPK's terminal output for this problem goes (default [`Output::Silent`]).
    pub fn set_output(&mut self, output: Output) {
        self.output = output;
    }

    /// The number of variables (columns) in the problem.
    pub fn num_vars(&self) -> usize {
        self.cols.len()
    }

    /// The number of rows (constraints) in the problem.
    pub fn num_rows(&self) -> usize {
        self.rows.len()
    }

    /// The problem's variables, in column order.
    pub fn vars(&self) -> Vec<Var> {
        self.cols
            .ids()
            .map(|id| Var { model: self.id, id })
            .collect()
    }

    /// The problem's rows, in row order.
    pub fn rows(&self) -> Vec<Row> {
        self.rows
            .ids()
            .map(|id| Row { model: self.id, id })
            .collect()
    }

    // -- Handles --

    pub(super) fn col(&self, v: Var, context: &dyn Fn() -> String) -> Result<i32, LpError> {
        if v.model != self.id {
            return Err(LpError::ForeignVar {
                var: format!("#{} of problem {}", v.id, v.model),
                context: context(),
            });
        }
        match self.cols.num(v.id) {
            j if j > 0 => Ok(j),
            _ => Err(LpError::Deleted(format!(
                "{}: variable #{}",
                context(),
                v.id
            ))),
        }
    }

    pub(super) fn row_num(&self, r: Row, context: &dyn Fn() -> String) -> Result<i32, LpError> {
        if r.model != self.id {
            return Err(LpError::ForeignRow {
                row: format!("#{} of problem {}", r.id, r.model),
                context: context(),
            });
        }
        match self.rows.num(r.id) {
            i if i > 0 => Ok(i),
            _ => Err(LpError::Deleted(format!("{}: row #{}", context(), r.id))),
        }
    }

    /// A variable's name, or `#N` if it has none.
    pub fn var_name(&self, v: Var) -> String {
        let name = self
            .col(v, &String::new)
            .ok()
            .and_then(|j| self.name_of(j, false));
        name.unwrap_or_else(|| format!("#{}", v.id))
    }

    /// A row's name, or `#N` if it has none.
    pub fn row_name(&self, r: Row) -> String {
        let name = self
            .row_num(r, &String::new)
            .ok()
            .and_then(|i| self.name_of(i, true));
        name.unwrap_or_else(|| format!("#{}", r.id))
    }

    fn name_of(&self, k: i32, row: bool) -> Option<String> {
        // SAFETY: `k` is a valid row/column number (from the maps); the closure holds nothing;
        // GLPK returns NULL or a string that lives until the name changes, copied at once.
        unsafe {
            self.run("name", |g, prob| {
                let s = if row {
                    g.get_row_name.call((prob, k))
                } else {
                    g.get_col_name.call((prob, k))
                };
                (!s.is_null()).then(|| CStr::from_ptr(s).to_string_lossy().into_owned())
            })
        }
        .ok()
        .flatten()
    }

    /// The variable named `name`, if any (a linear search).
    pub fn var(&self, name: &str) -> Option<Var> {
        (1..=self.cols.len() as i32)
            .find(|&j| self.name_of(j, false).as_deref() == Some(name))
            .map(|j| Var {
                model: self.id,
                id: self.cols.id(j),
            })
    }

    /// The row named `name`, if any (a linear search).
    pub fn row(&self, name: &str) -> Option<Row> {
        (1..=self.rows.len() as i32)
            .find(|&i| self.name_of(i, true).as_deref() == Some(name))
            .map(|i| Row {
                model: self.id,
                id: self.rows.id(i),
            })
    }

    // -- Validation --

    /// GLPK's bound type and bounds for `[lower, upper]`.
    pub(super) fn bound_type(
        &self,
        lower: f64,
        upper: f64,
        what: &dyn Fn() -> String,
    ) -> Result<(i32, f64, f64), LpError> {
        let c = self.c();
        if lower.is_nan() || upper.is_nan() {
            return Err(LpError::NotFinite(format!(
                "{}: bound is NaN ([{lower}, {upper}])",
                what()
            )));
        }
        if lower > upper || lower == f64::INFINITY || upper == f64::NEG_INFINITY {
            return Err(LpError::Bounds(format!(
                "{}: lower bound {lower} is above upper bound {upper}",
                what()
            )));
        }
        Ok(match (lower.is_finite(), upper.is_finite()) {
            (false, false) => (c.GLP_FR, 0.0, 0.0),
            (true, false) => (c.GLP_LO, lower, 0.0),
            (false, true) => (c.GLP_UP, 0.0, upper),
            (true, true) if lower == upper => (c.GLP_FX, lower, upper),
            (true, true) => (c.GLP_DB, lower, upper),
        })
    }

    pub(super) fn check_name(what: &dyn Fn() -> String, name: &str) -> Result<CString, LpError> {
        if name.is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
            return Err(LpError::Invalid(format!(
                "{}: name '{}' is not a GLPK name (1 to 255 bytes, no control characters)",
                what(),
                name.escape_debug()
            )));
        }
        c_string(&what(), name)
    }

    /// Merges `terms` into `self.merge.ind/val` (1-based, length returned): like terms
    /// summed (or rejected), zeros dropped, every variable and coefficient checked.
    pub(super) fn merge(
        &mut self,
        terms: &[Term],
        dups: Dups,
        what: &dyn Fn() -> String,
    ) -> Result<usize, LpError> {
        let m = &mut self.merge;
        m.ind.clear();
        m.val.clear();
        m.ind.push(0);
        m.val.push(0.0);
        // Short rows (the common case) look for repeats among the terms merged so far. Long
        // ones are copied first; if their columns are not increasing (as a sum over variables
        // made in order is), columns are marked, so merging stays linear.
        let small = terms.len() <= SMALL_EXPR;
        let mut sorted = true;
        let mut last = 0;
        for t in terms {
            let j = self.term_col(*t, what)?;
            let m = &mut self.merge;
            if !small {
                sorted &= j > last;
                last = j;
                m.ind.push(j);
                m.val.push(t.coef);
                continue;
            }
            match m.ind[1..].iter().position(|&k| k == j) {
                None => {
                    m.ind.push(j);
                    m.val.push(t.coef);
                }
                Some(_) if dups == Dups::Reject => {
                    let name = self.var_name(t.var);
                    return Err(LpError::DuplicateTerm(format!(
                        "{}: variable {name} appears more than once",
                        what()
                    )));
                }
                Some(k) => m.val[k + 1] += t.coef,
            }
        }
        if !sorted {
            self.merge_marked(dups, what)?;
        }
        let m = &mut self.merge;
        if m.val[1..].iter().any(|&v| v == 0.0 || !v.is_finite()) {
            if let Some(k) = m.val[1..].iter().position(|v| !v.is_finite()) {
                return Err(LpError::NotFinite(format!(
                    "{}: merged coefficient of column {} overflows to {}",
                    what(),
                    m.ind[k + 1],
                    m.val[k + 1]
                )));
            }
            let mut w = 1;
            for r in 1..m.ind.len() {
                if m.val[r] != 0.0 {
                    m.ind[w] = m.ind[r];
                    m.val[w] = m.val[r];
                    w += 1;
                }
            }
            m.ind.truncate(w);
            m.val.truncate(w);
        }
        Ok(m.ind.len() - 1)
    }

    /// Merges repeated columns of `self.merge.ind/val` in place, marking columns.
    fn merge_marked(&mut self, dups: Dups, what: &dyn Fn() -> String) -> Result<(), LpError> {
        let n_cols = self.cols.len();
        let m = &mut self.merge;
        if m.mark.len() < n_cols + 1 {
            m.mark.resize(n_cols + 1, 0);
            m.pos.resize(n_cols + 1, 0);
        }
        m.stamp = m.stamp.wrapping_add(1);
        if m.stamp == 0 {
            m.mark.fill(0);
            m.stamp = 1;
        }
        let mut w = 1;
        for r in 1..m.ind.len() {
            let j = m.ind[r];
            let ju = j as usize;
            if m.mark[ju] == m.stamp {
                if dups == Dups::Reject {
                    let var = Var {
                        model: self.id,
                        id: self.cols.id(j),
                    };
                    let name = self.var_name(var);
                    return Err(LpError::DuplicateTerm(format!(
                        "{}: variable {name} appears more than once",
                        what()
                    )));
                }
                let k = m.pos[ju] as usize;
                m.val[k] += m.val[r];
            } else {
                m.mark[ju] = m.stamp;
                m.pos[ju] = w as u32;
                m.ind[w] = j;
                m.val[w] = m.val[r];
                w += 1;
            }
        }
        m.ind.truncate(w);
        m.val.truncate(w);
        Ok(())
    }

    /// The GLPK column of a term's variable, checked (this problem's, not deleted), and its
    /// coefficient checked (finite).
    #[inline]
    pub(super) fn term_col(&self, t: Term, what: &dyn Fn() -> String) -> Result<i32, LpError> {
        let v = t.var;
        if v.model != self.id {
            return Err(LpError::ForeignVar {
                var: format!("#{} of problem {}", v.id, v.model),
                context: what(),
            });
        }
        let j = self.cols.num(v.id);
        if j == 0 {
            return Err(LpError::Deleted(format!("{}: variable #{}", what(), v.id)));
        }
        if !t.coef.is_finite() {
            let name = self.var_name(v);
            return Err(LpError::NotFinite(format!(
                "{}: coefficient of {name} is {}",
                what(),
                t.coef
            )));
        }
        Ok(j)
    }
}
