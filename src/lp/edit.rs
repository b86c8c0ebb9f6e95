//! Reading and changing a built problem: bounds, kinds, coefficients, rows, deletions.

use super::LpError;
use super::build::Kind;
use super::expr::Term;
use super::problem::{Dups, Problem};
use super::{Row, Var};

impl Problem {
    // -- Changing the problem --

    /// GLPK's bounds of a column or row, `-inf`/`+inf` where there is none.
    fn bounds_of(&self, k: i32, row: bool) -> Result<(f64, f64), LpError> {
        let c = *self.c();
        // SAFETY: `k` is a valid row/column number (from the maps); the closure holds Copy
        // values.
        let (ty, lb, ub) = unsafe {
            self.run("bounds", |g, prob| {
                if row {
                    let ty = g.get_row_type.call((prob, k));
                    (
                        ty,
                        g.get_row_lb.call((prob, k)),
                        g.get_row_ub.call((prob, k)),
                    )
                } else {
                    let ty = g.get_col_type.call((prob, k));
                    (
                        ty,
                        g.get_col_lb.call((prob, k)),
                        g.get_col_ub.call((prob, k)),
                    )
                }
            })
        }?;
        let lower = if ty == c.GLP_FR || ty == c.GLP_UP {
            f64::NEG_INFINITY
        } else {
            lb
        };
        let upper = if ty == c.GLP_FR || ty == c.GLP_LO {
            f64::INFINITY
        } else {
            ub
        };
        Ok((lower, upper))
    }

    /// A variable's bounds `(lower, upper)`, infinite where there is none.
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable.
    pub fn bounds(&self, v: Var) -> Result<(f64, f64), LpError> {
        let j = self.col(v, &|| "bounds".to_owned())?;
        self.bounds_of(j, false)
    }

    /// A row's bounds `(lower, upper)`, infinite where there is none.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row.
    pub fn row_bounds(&self, r: Row) -> Result<(f64, f64), LpError> {
        let i = self.row_num(r, &|| "row_bounds".to_owned())?;
        self.bounds_of(i, true)
    }

    /// A variable's kind (an integer variable with bounds `[0, 1]` is [`Kind::Binary`]).
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable.
    pub fn kind(&self, v: Var) -> Result<Kind, LpError> {
        let j = self.col(v, &|| "kind".to_owned())?;
        let c = *self.c();
        // SAFETY: `j` is a valid column; the closure holds Copy values.
        let k = unsafe { self.run("kind", |g, prob| g.get_col_kind.call((prob, j))) }?;
        Ok(match k {
            k if k == c.GLP_CV => Kind::Continuous,
            k if k == c.GLP_BV => Kind::Binary,
            _ => Kind::Integer,
        })
    }

    /// A variable's objective coefficient.
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable.
    pub fn obj_coef(&self, v: Var) -> Result<f64, LpError> {
        let j = self.col(v, &|| "obj_coef".to_owned())?;
        // SAFETY: `j` is a valid column; the closure holds Copy values.
        unsafe { self.run("obj_coef", |g, prob| g.get_obj_coef.call((prob, j))) }
    }

    /// Changes a variable's bounds.
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable, NaN or crossed bounds.
    pub fn set_bounds(&mut self, v: Var, lower: f64, upper: f64) -> Result<(), LpError> {
        let what = || format!("set_bounds: {}", self.var_desc(v));
        let j = self.col(v, &what)?;
        let (ty, lb, ub) = self.bound_type(lower, upper, &what)?;
        // SAFETY: `j` is a valid column; the closure holds only Copy values.
        unsafe {
            self.run("set_bounds", |g, prob| {
                g.set_col_bnds.call((prob, j, ty, lb, ub))
            })
        }?;
        self.changed("set_bounds");
        Ok(())
    }

    /// Changes a variable's kind ([`Kind::Binary`] also sets its bounds to `[0, 1]`).
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable.
    pub fn set_kind(&mut self, v: Var, kind: Kind) -> Result<(), LpError> {
        let j = self.col(v, &|| "set_kind".to_owned())?;
        let c = *self.c();
        let k = if kind == Kind::Continuous {
            c.GLP_CV
        } else {
            c.GLP_IV
        };
        // SAFETY: `j` is a valid column; the closure holds only Copy values.
        unsafe {
            self.run("set_kind", |g, prob| {
                g.set_col_kind.call((prob, j, k));
                if kind == Kind::Binary {
                    g.set_col_bnds.call((prob, j, c.GLP_DB, 0.0, 1.0));
                }
            })
        }?;
        self.changed("set_kind");
        Ok(())
    }

    /// Changes a row's bounds.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row, NaN or crossed bounds.
    pub fn set_row_bounds(&mut self, r: Row, lower: f64, upper: f64) -> Result<(), LpError> {
        self.change_row_bounds(r, lower, upper, "set_row_bounds")
    }

    fn change_row_bounds(
        &mut self,
        r: Row,
        lower: f64,
        upper: f64,
        by: &'static str,
    ) -> Result<(), LpError> {
        let what = || format!("{by}: {}", self.row_desc(r));
        let i = self.row_num(r, &what)?;
        let (ty, lb, ub) = self.bound_type(lower, upper, &what)?;
        // SAFETY: `i` is a valid row; the closure holds only Copy values.
        unsafe { self.run(by, |g, prob| g.set_row_bnds.call((prob, i, ty, lb, ub))) }?;
        self.changed(by);
        Ok(())
    }

    /// Changes the right-hand side of a `≤`, `≥` or `=` row, keeping its sense.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row, a non-finite `rhs`, or a ranged or free row (use
    /// [`Problem::set_row_bounds`]).
    pub fn set_rhs(&mut self, r: Row, rhs: f64) -> Result<(), LpError> {
        let what = || format!("set_rhs: {}", self.row_desc(r));
        let i = self.row_num(r, &what)?;
        if !rhs.is_finite() {
            return Err(LpError::NotFinite(format!(
                "{}: right-hand side is {rhs}",
                what()
            )));
        }
        let c = *self.c();
        // SAFETY: `i` is a valid row; the closure holds only Copy values.
        let ty = unsafe { self.run("set_rhs", |g, prob| g.get_row_type.call((prob, i))) }?;
        let (lower, upper) = match ty {
            t if t == c.GLP_UP => (f64::NEG_INFINITY, rhs),
            t if t == c.GLP_LO => (rhs, f64::INFINITY),
            t if t == c.GLP_FX => (rhs, rhs),
            _ => {
                return Err(LpError::Invalid(format!(
                    "{}: the row is ranged or free; it has no single right-hand side",
                    what()
                )));
            }
        };
        self.change_row_bounds(r, lower, upper, "set_rhs")
    }

    /// Sets a variable's objective coefficient.
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable, a non-finite coefficient.
    pub fn set_obj_coef(&mut self, v: Var, coef: f64) -> Result<(), LpError> {
        let what = || format!("set_obj_coef: {}", self.var_desc(v));
        let j = self.col(v, &what)?;
        if !coef.is_finite() {
            return Err(LpError::NotFinite(format!(
                "{}: coefficient is {coef}",
                what()
            )));
        }
        // SAFETY: `j` is a valid column; the closure holds only Copy values.
        unsafe {
            self.run("set_obj_coef", |g, prob| {
                g.set_obj_coef.call((prob, j, coef))
            })
        }?;
        if coef != 0.0 {
            self.obj_vars.push(v.id);
        }
        self.changed("set_obj_coef");
        Ok(())
    }

    /// Replaces a row's coefficients by `terms`, each variable at most once.
    ///
    /// # Errors
    ///
    /// A variable given twice ([`LpError::DuplicateTerm`]; GLPK would abort), foreign or
    /// deleted handles, non-finite coefficients.
    pub fn set_row(&mut self, r: Row, terms: &[(Var, f64)]) -> Result<(), LpError> {
        self.change_row(r, terms, "set_row")
    }

    fn change_row(
        &mut self,
        r: Row,
        terms: &[(Var, f64)],
        by: &'static str,
    ) -> Result<(), LpError> {
        let label = format!("{by}: {}", self.row_desc(r));
        let what = || label.clone();
        let i = self.row_num(r, &what)?;
        let terms: Vec<Term> = terms
            .iter()
            .map(|&(var, coef)| Term { var, coef })
            .collect();
        let len = self.merge(&terms, Dups::Reject, &what)? as i32;
        let (ind, val) = (&self.merge.ind, &self.merge.val);
        // SAFETY: as in add_constraint.
        unsafe {
            self.run(by, |g, prob| {
                g.set_mat_row
                    .call((prob, i, len, ind.as_ptr(), val.as_ptr()))
            })
        }?;
        self.changed(by);
        Ok(())
    }

    /// The coefficients of a row, as `(variable, coefficient)` in column order.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row.
    pub fn row_coefs(&self, r: Row) -> Result<Vec<(Var, f64)>, LpError> {
        let i = self.row_num(r, &|| "row_coefs".to_owned())?;
        let n = self.cols.len() + 1;
        let (mut ind, mut val) = (vec![0i32; n], vec![0f64; n]);
        let (pi, pv) = (ind.as_mut_ptr(), val.as_mut_ptr());
        // SAFETY: `i` is a valid row; the buffers hold n_cols + 1 entries, the most a row
        // can have (GLPK writes from index 1); the closure holds raw pointers only.
        let len =
            unsafe { self.run("row_coefs", |g, prob| g.get_mat_row.call((prob, i, pi, pv))) }?;
        let mut order: Vec<usize> = (1..=len as usize).collect();
        order.sort_unstable_by_key(|&k| ind[k]);
        Ok(order
            .into_iter()
            .map(|k| {
                let var = Var {
                    model: self.id,
                    id: self.cols.id(ind[k]),
                };
                (var, val[k])
            })
            .collect())
    }

    /// Sets one coefficient of the matrix (0 removes it).
    ///
    /// # Errors
    ///
    /// Foreign or deleted handles, a non-finite coefficient.
    pub fn set_coef(&mut self, r: Row, v: Var, coef: f64) -> Result<(), LpError> {
        let what = || format!("set_coef: {}, {}", self.row_desc(r), self.var_desc(v));
        self.col(v, &what)?;
        if !coef.is_finite() {
            return Err(LpError::NotFinite(format!(
                "{}: coefficient is {coef}",
                what()
            )));
        }
        let mut terms = self.row_coefs(r)?;
        match terms.iter_mut().find(|(w, _)| *w == v) {
            Some(t) => t.1 = coef,
            None => terms.push((v, coef)),
        }
        terms.retain(|&(_, a)| a != 0.0);
        self.change_row(r, &terms, "set_coef")
    }

    /// Deletes variables (their handles become invalid; others keep theirs).
    ///
    /// # Errors
    ///
    /// Foreign, deleted or repeated variables; nothing is deleted then.
    pub fn delete_vars(&mut self, vars: &[Var]) -> Result<(), LpError> {
        let nums = vars
            .iter()
            .map(|&v| self.col(v, &|| "delete_vars".to_owned()))
            .collect::<Result<Vec<i32>, LpError>>()?;
        let ids: Vec<u32> = vars.iter().map(|v| v.id).collect();
        self.delete(&ids, nums, false)?;
        self.cols.delete(vars.iter().map(|v| v.id));
        Ok(())
    }

    /// Deletes rows, as [`Problem::delete_vars`].
    ///
    /// # Errors
    ///
    /// As [`Problem::delete_vars`].
    pub fn delete_rows(&mut self, rows: &[Row]) -> Result<(), LpError> {
        let nums = rows
            .iter()
            .map(|&r| self.row_num(r, &|| "delete_rows".to_owned()))
            .collect::<Result<Vec<i32>, LpError>>()?;
        let ids: Vec<u32> = rows.iter().map(|r| r.id).collect();
        self.delete(&ids, nums, true)?;
        self.rows.delete(rows.iter().map(|r| r.id));
        Ok(())
    }

    /// Deletes GLPK rows or columns `nums` (valid numbers, of the handles `ids`), refusing
    /// repeats.
    fn delete(&mut self, ids: &[u32], mut nums: Vec<i32>, rows: bool) -> Result<(), LpError> {
        let what = if rows { "delete_rows" } else { "delete_vars" };
        let mut order: Vec<usize> = (0..nums.len()).collect();
        order.sort_unstable_by_key(|&k| nums[k]);
        if let Some(w) = order.windows(2).find(|w| nums[w[0]] == nums[w[1]]) {
            let id = ids[w[0]];
            let item = if rows {
                self.row_desc(Row { model: self.id, id })
            } else {
                self.var_desc(Var { model: self.id, id })
            };
            return Err(LpError::DuplicateTerm(format!(
                "{what}: {item} is listed twice"
            )));
        }
        if nums.is_empty() {
            return Ok(());
        }
        nums.sort_unstable();
        nums.insert(0, 0); // GLPK reads num[1..=n]
        let n = nums.len() as i32 - 1;
        // SAFETY: `nums` (borrowed) holds distinct valid numbers from index 1.
        unsafe {
            self.run(what, |g, prob| {
                if rows {
                    g.del_rows.call((prob, n, nums.as_ptr()));
                } else {
                    g.del_cols.call((prob, n, nums.as_ptr()));
                }
            })
        }?;
        if rows {
            self.row_names.release(ids);
        } else {
            self.col_names.release(ids);
        }
        self.changed(what);
        Ok(())
    }
}
