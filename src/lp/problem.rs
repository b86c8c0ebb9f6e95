//! [`Problem`]: a live GLPK problem object behind a checked, symbolic API; handles and the
//! validation every other part uses.

use std::cell::RefCell;
use std::ffi::{CStr, CString};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};

use super::LpError;
use super::error::Unsolved;
use super::expr::{Row, Term, Var};
use super::glpk::{self, Consts, Fns, Glpk, Output, Prob, c_string};
use super::numbering::{Names, Numbering};
use super::solve::Outcome;

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
///
/// # Results and changes
///
/// The results (`objective`, `value`, `values`, `all_values`, `reduced_cost`, `row_value`,
/// `dual`, `outcome`, `write_report`, `write_solution`) read the current solution: the one
/// the last solve found, if it found one ([`LpError::NoSolution`] otherwise), and if the model
/// has not changed since. These methods change the model, and discard the current solution
/// when they succeed: `add_var`, `add_vars`, `add_vars_keyed`, `add_constraint`, `minimize`,
/// `maximize`, `set_bounds`, `set_kind`, `set_row_bounds`, `set_rhs`, `set_obj_coef`,
/// `set_row`, `set_coef`, `delete_vars`, `delete_rows`, and `with_raw` (the raw calls may
/// have changed anything). Reading the model (`bounds`, `row_coefs`, names, …), writing
/// files, [`Problem::flush`] and [`Problem::set_output`] change nothing. After a discard the
/// results are [`LpError::NotSolved`] with [`Unsolved::Changed`](super::Unsolved::Changed)
/// naming the first change; the next solve starts from the last basis.
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
    /// The variables' names.
    pub(super) col_names: Names,
    /// The rows' names.
    pub(super) row_names: Names,
    /// Variables given an objective coefficient by the last `minimize`/`maximize`.
    pub(super) obj_vars: Vec<u32>,
    pub(super) merge: Merge,
    /// Rows added but not yet handed to GLPK (see [`Problem::flush`]).
    pub(super) pending: RefCell<Pending>,
    /// The current solution's outcome, or why there is none.
    pub(super) solved: Result<Outcome, Unsolved>,
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
            col_names: Names::default(),
            row_names: Names::default(),
            obj_vars: Vec::new(),
            merge: Merge::default(),
            pending: RefCell::default(),
            solved: Err(Unsolved::NotYet),
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

    /// Discards the current solution: the model was changed by `by`.
    #[inline]
    pub(super) fn changed(&mut self, by: &'static str) {
        if self.solved.is_ok() {
            self.solved = Err(Unsolved::Changed(by));
        }
    }

    /// The outcome of the last solve, while its solution is current.
    ///
    /// # Errors
    ///
    /// [`LpError::NotSolved`] saying why there is no current solution.
    pub fn outcome(&self) -> Result<Outcome, LpError> {
        self.solved.map_err(|reason| LpError::NotSolved {
            what: "outcome",
            reason,
        })
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

    // -- Handles and names --

    /// The GLPK column of `v`, checked: this problem's, not deleted.
    pub(super) fn col(&self, v: Var, context: &dyn Fn() -> String) -> Result<i32, LpError> {
        if v.model != self.id {
            return Err(LpError::ForeignVar {
                var: self.var_desc(v),
                context: context(),
            });
        }
        match self.cols.num(v.id) {
            j if j > 0 => Ok(j),
            _ => Err(LpError::Deleted(format!(
                "{}: {}",
                context(),
                self.var_desc(v)
            ))),
        }
    }

    /// The GLPK row of `r`, checked: this problem's, not deleted.
    pub(super) fn row_num(&self, r: Row, context: &dyn Fn() -> String) -> Result<i32, LpError> {
        if r.model != self.id {
            return Err(LpError::ForeignRow {
                row: self.row_desc(r),
                context: context(),
            });
        }
        match self.rows.num(r.id) {
            i if i > 0 => Ok(i),
            _ => Err(LpError::Deleted(format!(
                "{}: {}",
                context(),
                self.row_desc(r)
            ))),
        }
    }

    /// `v` for messages: `variable 'x1'`, or by position counted from 1 (`variable 3` is
    /// the third made), with its problem's number if it is another problem's.
    pub(super) fn var_desc(&self, v: Var) -> String {
        if v.model != self.id {
            return format!("variable {} of problem {}", v.id as u64 + 1, v.model);
        }
        match self.col_names.get(v.id) {
            Some(name) => format!("variable '{}'", name.escape_debug()),
            None => format!("variable {}", v.id as u64 + 1),
        }
    }

    /// `r` for messages, as [`Problem::var_desc`]: `row 'cap'` or `row 2`.
    pub(super) fn row_desc(&self, r: Row) -> String {
        if r.model != self.id {
            return format!("row {} of problem {}", r.id as u64 + 1, r.model);
        }
        match self.row_names.get(r.id) {
            Some(name) => format!("row '{}'", name.escape_debug()),
            None => format!("row {}", r.id as u64 + 1),
        }
    }

    /// A variable's name: `None` if it has none or is another problem's (a deleted variable
    /// keeps the name it had).
    pub fn var_name(&self, v: Var) -> Option<&str> {
        if v.model != self.id {
            return None;
        }
        self.col_names.get(v.id)
    }

    /// A row's name, as [`Problem::var_name`].
    pub fn row_name(&self, r: Row) -> Option<&str> {
        if r.model != self.id {
            return None;
        }
        self.row_names.get(r.id)
    }

    /// The variable named `name`, if any.
    pub fn var(&self, name: &str) -> Option<Var> {
        self.col_names
            .find(name)
            .map(|id| Var { model: self.id, id })
    }

    /// The row named `name`, if any.
    pub fn row(&self, name: &str) -> Option<Row> {
        self.row_names
            .find(name)
            .map(|id| Row { model: self.id, id })
    }

    /// Reads every column's and row's name back from GLPK (after a file was read or raw calls
    /// ran). Names GLPK holds twice (only raw calls can do that) map to the first holder.
    pub(super) fn reload_names(&mut self) -> Result<(), LpError> {
        let (cols, rows) = (
            self.cols.ids().collect::<Vec<_>>(),
            self.rows.ids().collect::<Vec<_>>(),
        );
        let mut names: Vec<Option<String>> = Vec::with_capacity(cols.len() + rows.len());
        let out: *mut Vec<Option<String>> = &mut names;
        let (n_cols, n_rows) = (cols.len() as i32, rows.len() as i32);
        // SAFETY: every number is a valid column or row (the numberings match GLPK's counts,
        // adopt made them so). The closure holds a raw pointer to `names`, owned by this
        // frame, outside the guard; each string is made and pushed between GLPK calls, so
        // nothing with a destructor is live across one (GLPK returns NULL or a string that
        // lives until the name changes, copied at once).
        unsafe {
            self.run("names", |g, prob| {
                let get = |s: *const std::ffi::c_char| {
                    (!s.is_null()).then(|| CStr::from_ptr(s).to_string_lossy().into_owned())
                };
                for j in 1..=n_cols {
                    (*out).push(get(g.get_col_name.call((prob, j))));
                }
                for i in 1..=n_rows {
                    (*out).push(get(g.get_row_name.call((prob, i))));
                }
            })
        }?;
        self.col_names.clear();
        self.row_names.clear();
        let (col_names, row_names) = names.split_at(cols.len());
        for (&id, name) in cols.iter().zip(col_names) {
            if let Some(name) = name.as_deref().filter(|n| self.col_names.find(n).is_none()) {
                self.col_names.insert(id, name);
            }
        }
        for (&id, name) in rows.iter().zip(row_names) {
            if let Some(name) = name.as_deref().filter(|n| self.row_names.find(n).is_none()) {
                self.row_names.insert(id, name);
            }
        }
        Ok(())
    }

    /// Checks `name` for GLPK (1 to 255 bytes, no control characters, no NUL) and that no
    /// live variable (`row` false) or row has it.
    pub(super) fn check_name(
        &self,
        what: &dyn Fn() -> String,
        name: &str,
        row: bool,
    ) -> Result<CString, LpError> {
        let (names, noun) = if row {
            (&self.row_names, "row")
        } else {
            (&self.col_names, "variable")
        };
        if let Some(id) = names.find(name) {
            return Err(LpError::DuplicateName {
                context: what(),
                name: name.to_owned(),
                first: format!("{noun} {}", id as u64 + 1),
            });
        }
        if name.is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
            return Err(LpError::Invalid(format!(
                "{}: name '{}' is not a GLPK name (1 to 255 bytes, no control characters)",
                what(),
                name.escape_debug()
            )));
        }
        c_string(&what(), name)
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
                    let name = self.var_desc(t.var);
                    return Err(LpError::DuplicateTerm(format!(
                        "{}: {name} appears more than once",
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
                let (j, coef) = (m.ind[k + 1], m.val[k + 1]);
                let var = Var {
                    model: self.id,
                    id: self.cols.id(j),
                };
                return Err(LpError::NotFinite(format!(
                    "{}: merged coefficient of {} overflows to {coef}",
                    what(),
                    self.var_desc(var)
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
                    let name = self.var_desc(var);
                    return Err(LpError::DuplicateTerm(format!(
                        "{}: {name} appears more than once",
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
                var: self.var_desc(v),
                context: what(),
            });
        }
        let j = self.cols.num(v.id);
        if j == 0 {
            return Err(LpError::Deleted(format!(
                "{}: {}",
                what(),
                self.var_desc(v)
            )));
        }
        if !t.coef.is_finite() {
            let name = self.var_desc(v);
            return Err(LpError::NotFinite(format!(
                "{}: coefficient of {name} is {}",
                what(),
                t.coef
            )));
        }
        Ok(j)
    }
}
