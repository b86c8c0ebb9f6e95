//! Building a problem: variables ([`VarDef`]), constraints (rows buffered and handed to GLPK
//! in batches) and the objective.

use std::ffi::CString;

use super::LpError;
use super::expr::{Constraint, Expr, Term};
use super::problem::{Dups, PendingRow, Problem, SMALL_EXPR};
use super::{Row, Var};

/// A variable's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Real-valued (`GLP_CV`).
    Continuous,
    /// Integer (`GLP_IV`).
    Integer,
    /// Integer in [0, 1] (`GLP_IV` with those bounds).
    Binary,
}

/// How to make a variable: kind, bounds, name. Continuous and integer variables are `≥ 0`
/// unless bounded otherwise (as in the CPLEX LP format); [`VarDef::free`] lifts that.
#[derive(Clone, Debug)]
pub struct VarDef {
    kind: Kind,
    lower: f64,
    upper: f64,
    obj: f64,
    name: Option<String>,
}

impl VarDef {
    /// A continuous variable in `[0, +inf)`.
    pub fn continuous() -> VarDef {
        VarDef {
            kind: Kind::Continuous,
            lower: 0.0,
            upper: f64::INFINITY,
            obj: 0.0,
            name: None,
        }
    }

    /// An integer variable in `[0, +inf)`.
    pub fn integer() -> VarDef {
        VarDef {
            kind: Kind::Integer,
            ..VarDef::continuous()
        }
    }

    /// A binary variable: integer in `[0, 1]`.
    pub fn binary() -> VarDef {
        VarDef {
            kind: Kind::Binary,
            lower: 0.0,
            upper: 1.0,
            obj: 0.0,
            name: None,
        }
    }

    /// Bounds `[lower, upper]`; either may be infinite.
    pub fn bounds(mut self, lower: f64, upper: f64) -> VarDef {
        self.lower = lower;
        self.upper = upper;
        self
    }

    /// The lower bound (`-inf` for none).
    pub fn lower(mut self, lower: f64) -> VarDef {
        self.lower = lower;
        self
    }

    /// The upper bound (`+inf` for none).
    pub fn upper(mut self, upper: f64) -> VarDef {
        self.upper = upper;
        self
    }

    /// No bounds: `(-inf, +inf)`.
    pub fn free(self) -> VarDef {
        self.bounds(f64::NEG_INFINITY, f64::INFINITY)
    }

    /// The variable's coefficient in the objective (0 by default): the term `coef · x` is
    /// in the objective from the start, set with the column as C sets it, without building
    /// the objective as an expression. [`Problem::minimize`] and [`Problem::maximize`]
    /// replace the whole objective, these terms included; the direction is minimize until
    /// one of them is called.
    pub fn obj(mut self, coef: f64) -> VarDef {
        self.obj = coef;
        self
    }

    /// The column's name, as GLPK and LP/MPS files show it (at most 255 bytes, no control
    /// characters).
    pub fn name(mut self, name: impl Into<String>) -> VarDef {
        self.name = Some(name.into());
        self
    }
}

/// Rows buffered before they are handed to GLPK in one batch ([`Problem::flush`]).
const FLUSH_ROWS: usize = 4096;

/// Columns sent to GLPK per guarded batch by [`Problem::add_vars`].
const COL_BATCH: usize = 4096;

/// A column validated for GLPK.
struct ColDef {
    pub(super) ty: i32,
    pub(super) integer: bool,
    pub(super) lower: f64,
    pub(super) upper: f64,
    pub(super) obj: f64,
    pub(super) name: Option<CString>,
}

impl Problem {
    // -- Building --

    /// Validates the definition of the variable that will be `id`, the `i`-th of an
    /// `add_vars` call whose first is `first_id` (`single` for `add_var`), and names it.
    fn col_def(
        &mut self,
        def: VarDef,
        id: u32,
        first_id: u32,
        single: bool,
    ) -> Result<ColDef, LpError> {
        let i = id - first_id;
        let position = || {
            if single {
                "add_var".to_owned()
            } else {
                format!("variable {} of add_vars", u64::from(i) + 1)
            }
        };
        let what = || match (&def.name, single) {
            (Some(n), true) => format!("add_var: variable '{}'", n.escape_debug()),
            (Some(n), false) => format!("variable '{}' of add_vars", n.escape_debug()),
            (None, _) => position(),
        };
        let (ty, lower, upper) = self.bound_type(def.lower, def.upper, &what)?;
        if !def.obj.is_finite() {
            return Err(LpError::NotFinite(format!(
                "{}: objective coefficient is {}",
                what(),
                def.obj
            )));
        }
        let name = match def.name.as_deref() {
            None => None,
            Some(n) => {
                // Taken by a variable of this call: say which, by its place in the call.
                if let Some(k) = self.col_names.find(n).filter(|&k| k >= first_id) {
                    return Err(LpError::DuplicateName {
                        context: position(),
                        name: n.to_owned(),
                        first: format!("variable {} of add_vars", u64::from(k - first_id) + 1),
                    });
                }
                let c = self.check_name(&position, n, false)?;
                self.col_names.insert(id, n);
                Some(c)
            }
        };
        Ok(ColDef {
            ty,
            lower,
            upper,
            integer: def.kind != Kind::Continuous,
            obj: def.obj,
            name,
        })
    }

    /// Adds a variable.
    ///
    /// # Errors
    ///
    /// NaN bounds, `lower > upper`, a non-finite objective coefficient, a name GLPK refuses or
    /// one that already names a variable ([`LpError::DuplicateName`]); nothing is added then.
    pub fn add_var(&mut self, def: VarDef) -> Result<Var, LpError> {
        let mut def = Some(def);
        let vars = self.add_cols(1, |_| def.take().unwrap_or_else(VarDef::continuous), true)?;
        Ok(vars[0])
    }

    /// Adds `n` variables, the `i`-th made by `def(i)`.
    ///
    /// # Errors
    ///
    /// As [`Problem::add_var`], naming the variable (`variable 'x3' of add_vars`, or
    /// `variable 4 of add_vars` for `def(3)` unnamed), and a name given twice in the call;
    /// nothing is added then.
    pub fn add_vars(
        &mut self,
        n: usize,
        def: impl FnMut(usize) -> VarDef,
    ) -> Result<Vec<Var>, LpError> {
        self.add_cols(n, def, false)
    }

    /// [`Problem::add_vars`], or [`Problem::add_var`] if `single`.
    fn add_cols(
        &mut self,
        n: usize,
        mut def: impl FnMut(usize) -> VarDef,
        single: bool,
    ) -> Result<Vec<Var>, LpError> {
        let first_id = self.cols.made();
        let first_col = self.cols.len();
        if first_col + n > i32::MAX as usize / 2 {
            return Err(LpError::Invalid(format!(
                "add_vars: {n} variables is too many for GLPK"
            )));
        }
        let mut batch = Vec::with_capacity(n.min(COL_BATCH));
        let first = first_id as u32;
        for i in 0..n {
            match self.col_def(def(i), first + i as u32, first, single) {
                Ok(c) => batch.push(c),
                Err(e) => {
                    self.truncate_cols(first_id, first_col);
                    return Err(e);
                }
            }
            if batch.len() == COL_BATCH || i + 1 == n {
                if let Err(e) = self.push_cols(&batch) {
                    self.truncate_cols(first_id, first_col);
                    return Err(e);
                }
                batch.clear();
            }
        }
        if n > 0 {
            self.changed(if single { "add_var" } else { "add_vars" });
        }
        Ok((first_id..first_id + n)
            .map(|id| Var {
                model: self.id,
                id: id as u32,
            })
            .collect())
    }

    /// Adds variables keyed by `keys`, the variable for `k` made by `def(&k)`; the result
    /// indexes by key (`x[&k]`).
    ///
    /// # Errors
    ///
    /// As [`Problem::add_vars`].
    pub fn add_vars_keyed<K: std::hash::Hash + Eq>(
        &mut self,
        keys: impl IntoIterator<Item = K>,
        mut def: impl FnMut(&K) -> VarDef,
    ) -> Result<std::collections::HashMap<K, Var>, LpError> {
        let keys: Vec<K> = keys.into_iter().collect();
        let vars = self.add_vars(keys.len(), |i| def(&keys[i]))?;
        Ok(keys.into_iter().zip(vars).collect())
    }

    fn push_cols(&mut self, batch: &[ColDef]) -> Result<(), LpError> {
        let c = *self.c();
        let n = batch.len() as i32;
        // SAFETY: the closure holds only `batch` (borrowed) and Copy values; every column
        // number passed is one glp_add_cols just made; names are NUL-terminated, checked.
        let first = unsafe {
            self.run("add_vars", |g, prob| {
                let first = g.add_cols.call((prob, n));
                for (k, d) in batch.iter().enumerate() {
                    let j = first + k as i32;
                    g.set_col_bnds.call((prob, j, d.ty, d.lower, d.upper));
                    if d.obj != 0.0 {
                        g.set_obj_coef.call((prob, j, d.obj));
                    }
                    if d.integer {
                        g.set_col_kind.call((prob, j, c.GLP_IV));
                    }
                    if let Some(name) = &d.name {
                        g.set_col_name.call((prob, j, name.as_ptr()));
                    }
                }
                first
            })
        }?;
        debug_assert_eq!(first as usize, self.cols.len() + 1);
        for d in batch {
            let id = self.cols.push();
            if d.obj != 0.0 {
                self.obj_vars.push(id);
            }
        }
        Ok(())
    }

    /// Removes the columns made since a failed `add_vars` started.
    fn truncate_cols(&mut self, first_id: usize, first_col: usize) {
        let n_new = self.cols.len() - first_col;
        if n_new > 0 {
            let num: Vec<i32> = std::iter::once(0)
                .chain((first_col + 1..=first_col + n_new).map(|j| j as i32))
                .collect();
            // SAFETY: `num` (borrowed) lists columns this call added, 1-based as GLPK reads it.
            let _ = unsafe {
                self.run("add_vars (undo)", |g, prob| {
                    g.del_cols.call((prob, n_new as i32, num.as_ptr()))
                })
            };
        }
        self.cols.truncate(first_id);
        self.col_names.truncate(first_id as u32);
        self.obj_vars.retain(|&id| (id as usize) < first_id);
    }

    /// Adds a constraint as one row: its terms merged, its bounds from the comparison.
    ///
    /// # Errors
    ///
    /// Foreign or deleted variables, NaN or infinite coefficients, NaN or crossed bounds, a
    /// name GLPK refuses or one that already names a row ([`LpError::DuplicateName`]); the
    /// problem is unchanged then.
    pub fn add_constraint(&mut self, c: Constraint) -> Result<Row, LpError> {
        let next = self.rows.made() as u64 + 1;
        let label = &c.name;
        let what = move || match label {
            Some(n) => format!("constraint '{}'", n.escape_debug()),
            None => format!("constraint {next}"),
        };
        let (ty, lower, upper) = self.bound_type(c.lower, c.upper, &what)?;
        let name = c
            .name
            .as_deref()
            .map(|n| self.check_name(&|| "add_constraint".to_owned(), n, true))
            .transpose()?;
        let len = self.merge(&c.expr.terms, Dups::Merge, &what)? as i32;
        let pending = self.pending.get_mut();
        if pending.ind.is_empty() {
            pending.ind.push(0);
            pending.val.push(0.0);
        }
        let start = pending.ind.len();
        pending.ind.extend_from_slice(&self.merge.ind[1..]);
        pending.val.extend_from_slice(&self.merge.val[1..]);
        pending.rows.push(PendingRow {
            ty,
            lower,
            upper,
            start,
            len,
            name,
        });
        let full = pending.rows.len() >= FLUSH_ROWS;
        // Rows are appended: this one will be GLPK's row number `rows so far + 1`.
        let id = self.rows.push();
        if let Some(n) = c.name.as_deref() {
            self.row_names.insert(id, n);
        }
        self.changed("add_constraint");
        if full {
            self.flush()?;
        }
        Ok(Row { model: self.id, id })
    }

    /// Hands the rows added since the last GLPK call to GLPK: `glp_add_rows` once, then per
    /// row its bounds and one `glp_set_mat_row`. Rows are buffered a few thousand at a time,
    /// and every other GLPK call flushes first, so this only matters for timing (the
    /// benchmark's build time includes it).
    ///
    /// # Errors
    ///
    /// [`LpError::EnvReset`], or a GLPK error (none expected: the rows were validated).
    pub fn flush(&self) -> Result<(), LpError> {
        if self.pending.borrow().rows.is_empty() {
            return Ok(());
        }
        let mut pending = self.pending.take();
        let n = pending.rows.len() as i32;
        let (rows, ind, val) = (&pending.rows, pending.ind.as_ptr(), pending.val.as_ptr());
        // SAFETY: the closure borrows `pending`, owned by this frame (outside the guard);
        // every row's `start..start + len` lies in `ind`/`val` (start ≥ 1), whose columns
        // merge checked and made distinct; GLPK reads `ind[1..=len]` of the pointer it gets,
        // so it gets `start - 1`.
        unsafe {
            self.run("add_constraint", |g, prob| {
                let first = g.add_rows.call((prob, n));
                for (k, r) in rows.iter().enumerate() {
                    let i = first + k as i32;
                    g.set_row_bnds.call((prob, i, r.ty, r.lower, r.upper));
                    if r.len > 0 {
                        g.set_mat_row.call((
                            prob,
                            i,
                            r.len,
                            ind.add(r.start - 1),
                            val.add(r.start - 1),
                        ));
                    }
                    if let Some(name) = &r.name {
                        g.set_row_name.call((prob, i, name.as_ptr()));
                    }
                }
            })
        }?;
        // Keep the (bounded) buffers for the next rows: no fresh memory per batch.
        pending.rows.clear();
        pending.ind.clear();
        pending.val.clear();
        *self.pending.borrow_mut() = pending;
        Ok(())
    }

    /// Minimizes `objective` (replacing the previous objective; its constant is kept).
    ///
    /// # Errors
    ///
    /// As [`Problem::add_constraint`] for the terms, and a NaN or infinite constant.
    pub fn minimize(&mut self, objective: impl Into<Expr>) -> Result<(), LpError> {
        let dir = self.c().GLP_MIN;
        self.set_objective(dir, objective.into())
    }

    /// Maximizes `objective`, as [`Problem::minimize`].
    ///
    /// # Errors
    ///
    /// As [`Problem::minimize`].
    pub fn maximize(&mut self, objective: impl Into<Expr>) -> Result<(), LpError> {
        let dir = self.c().GLP_MAX;
        self.set_objective(dir, objective.into())
    }

    /// Whether the objective is maximized (else minimized, the default).
    ///
    /// # Errors
    ///
    /// [`LpError::EnvReset`].
    pub fn is_maximize(&self) -> Result<bool, LpError> {
        let max = self.c().GLP_MAX;
        // SAFETY: the closure holds nothing.
        Ok(unsafe { self.run("is_maximize", |g, prob| g.get_obj_dir.call((prob,))) }? == max)
    }

    fn set_objective(&mut self, dir: i32, e: Expr) -> Result<(), LpError> {
        let what = || "objective".to_owned();
        if !e.constant.is_finite() {
            return Err(LpError::NotFinite(format!(
                "objective: constant term is {}",
                e.constant
            )));
        }
        let old: Vec<i32> = self
            .obj_vars
            .iter()
            .map(|&id| self.cols.num(id))
            .filter(|&j| j > 0)
            .collect();
        let constant = e.constant;
        // A long sum in column order (over variables made in order) has no like terms: its
        // terms go to GLPK as they are, without a merged copy.
        let direct = e.terms.len() > SMALL_EXPR && self.in_column_order(&e.terms, &what)?;
        let len = if direct {
            0
        } else {
            self.merge(&e.terms, Dups::Merge, &what)?
        };
        let (cols, terms, ind, val) = (&self.cols, &e.terms, &self.merge.ind, &self.merge.val);
        // SAFETY: the closure borrows `old`, the terms, the merged row and the numbering;
        // every column number is valid (checked by in_column_order or merge).
        unsafe {
            self.run("set objective", |g, prob| {
                for &j in &old {
                    g.set_obj_coef.call((prob, j, 0.0));
                }
                if direct {
                    for t in terms.iter() {
                        g.set_obj_coef.call((prob, cols.num(t.var.id), t.coef));
                    }
                } else {
                    for k in 1..=len {
                        g.set_obj_coef.call((prob, ind[k], val[k]));
                    }
                }
                g.set_obj_coef.call((prob, 0, constant));
                g.set_obj_dir.call((prob, dir));
            })
        }?;
        self.obj_vars = if direct {
            e.terms.iter().map(|t| t.var.id).collect()
        } else {
            self.merge.ind[1..]
                .iter()
                .map(|&j| self.cols.id(j))
                .collect()
        };
        let by = if dir == self.c().GLP_MAX {
            "maximize"
        } else {
            "minimize"
        };
        self.changed(by);
        Ok(())
    }

    /// Whether `terms` are valid (this problem's live variables, finite coefficients) and in
    /// strictly increasing column order.
    fn in_column_order(&self, terms: &[Term], what: &dyn Fn() -> String) -> Result<bool, LpError> {
        let mut last = 0;
        let mut sorted = true;
        for t in terms {
            let j = self.term_col(*t, what)?;
            sorted &= j > last;
            last = j;
        }
        Ok(sorted)
    }
}
