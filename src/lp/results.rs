//! The current solution: objective, values, activities, duals and reduced costs.

use super::LpError;
use super::problem::Problem;
use super::solve::SolutionKind;
use super::{Row, Var};

impl Problem {
    /// The kind of the current solution.
    pub(super) fn solution(&self, what: &'static str) -> Result<SolutionKind, LpError> {
        match self.solved {
            Ok(outcome) => Ok(outcome.kind),
            Err(reason) => Err(LpError::NotSolved { what, reason }),
        }
    }

    /// The objective value of the current solution (the same as [`Outcome::objective`]).
    ///
    /// [`Outcome::objective`]: super::Outcome::objective
    ///
    /// # Errors
    ///
    /// [`LpError::NotSolved`] when there is no current solution.
    pub fn objective(&self) -> Result<f64, LpError> {
        let kind = self.solution("objective")?;
        // SAFETY: the closure holds nothing.
        unsafe {
            self.run("objective", |g, prob| match kind {
                SolutionKind::Simplex => g.get_obj_val.call((prob,)),
                SolutionKind::Interior => g.ipt_obj_val.call((prob,)),
                SolutionKind::Mip => g.mip_obj_val.call((prob,)),
            })
        }
    }

    /// A variable's value in the last solution (primal; for a MIP, the integer solution).
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable, [`LpError::NotSolved`].
    pub fn value(&self, v: Var) -> Result<f64, LpError> {
        Ok(self.values_for("value", &[v])?[0])
    }

    /// The values of `vars` (one guarded pass over GLPK).
    ///
    /// # Errors
    ///
    /// As [`Problem::value`].
    pub fn values(&self, vars: &[Var]) -> Result<Vec<f64>, LpError> {
        self.values_for("values", vars)
    }

    fn values_for(&self, what: &'static str, vars: &[Var]) -> Result<Vec<f64>, LpError> {
        let kind = self.solution(what)?;
        let cols = vars
            .iter()
            .map(|&v| self.col(v, &|| what.to_owned()))
            .collect::<Result<Vec<i32>, LpError>>()?;
        self.col_results(kind, &cols, false)
    }

    /// Every variable's value, indexed by [`Var::index`] (NaN for deleted variables).
    ///
    /// # Errors
    ///
    /// [`LpError::NotSolved`].
    pub fn all_values(&self) -> Result<Vec<f64>, LpError> {
        let kind = self.solution("all_values")?;
        let by_col = self.col_results(
            kind,
            &(1..=self.cols.len() as i32).collect::<Vec<_>>(),
            false,
        )?;
        let mut out = vec![f64::NAN; self.cols.made()];
        for (k, id) in self.cols.ids().enumerate() {
            out[id as usize] = by_col[k];
        }
        Ok(out)
    }

    /// A variable's reduced cost (dual value of its column) in the last LP solution.
    ///
    /// # Errors
    ///
    /// As [`Problem::value`], and [`LpError::NoDuals`] after a MIP solve.
    pub fn reduced_cost(&self, v: Var) -> Result<f64, LpError> {
        let kind = self.solution("reduced_cost")?;
        let j = self.col(v, &|| "reduced_cost".to_owned())?;
        Ok(self.col_results(kind, &[j], true)?[0])
    }

    fn col_results(
        &self,
        kind: SolutionKind,
        cols: &[i32],
        dual: bool,
    ) -> Result<Vec<f64>, LpError> {
        if dual && kind == SolutionKind::Mip {
            return Err(LpError::NoDuals {
                what: "reduced_cost",
            });
        }
        let mut out = vec![0.0; cols.len()];
        let dst = out.as_mut_ptr();
        // SAFETY: every column number is valid; `dst` has `cols.len()` slots; the closure
        // holds borrows and raw pointers only.
        unsafe {
            self.run("values", |g, prob| {
                let f = match (kind, dual) {
                    (SolutionKind::Simplex, false) => &g.get_col_prim,
                    (SolutionKind::Simplex, true) => &g.get_col_dual,
                    (SolutionKind::Interior, false) => &g.ipt_col_prim,
                    (SolutionKind::Interior, true) => &g.ipt_col_dual,
                    (SolutionKind::Mip, _) => &g.mip_col_val,
                };
                for (k, &j) in cols.iter().enumerate() {
                    *dst.add(k) = f.call((prob, j));
                }
            })
        }?;
        Ok(out)
    }

    fn row_result(&self, r: Row, dual: bool, what: &'static str) -> Result<f64, LpError> {
        let kind = self.solution(what)?;
        let i = self.row_num(r, &|| what.to_owned())?;
        if dual && kind == SolutionKind::Mip {
            return Err(LpError::NoDuals { what });
        }
        // SAFETY: `i` is a valid row; the closure holds Copy values.
        unsafe {
            self.run(what, |g, prob| {
                let f = match (kind, dual) {
                    (SolutionKind::Simplex, false) => &g.get_row_prim,
                    (SolutionKind::Simplex, true) => &g.get_row_dual,
                    (SolutionKind::Interior, false) => &g.ipt_row_prim,
                    (SolutionKind::Interior, true) => &g.ipt_row_dual,
                    (SolutionKind::Mip, _) => &g.mip_row_val,
                };
                f.call((prob, i))
            })
        }
    }

    /// A row's activity (the value of its expression) in the last solution.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row, [`LpError::NotSolved`].
    pub fn row_value(&self, r: Row) -> Result<f64, LpError> {
        self.row_result(r, false, "row_value")
    }

    /// A row's dual value (shadow price) in the last LP solution.
    ///
    /// # Errors
    ///
    /// As [`Problem::row_value`], and [`LpError::NoDuals`] after a MIP solve.
    pub fn dual(&self, r: Row) -> Result<f64, LpError> {
        self.row_result(r, true, "dual")
    }
}
