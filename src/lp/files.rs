//! LP, MPS and solution files, and raw GLPK calls on a problem.

use std::ffi::{CString, c_void};
use std::path::Path;

use super::LpError;
use super::glpk::{self, Fns, Glpk, Prob, c_string};
use super::problem::Problem;
use super::solve::SolutionKind;

/// The MPS dialect (`glp_read_mps` / `glp_write_mps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpsFormat {
    /// Fixed (ancient) MPS (`GLP_MPS_DECK`).
    Fixed,
    /// Free MPS (`GLP_MPS_FILE`).
    Free,
}

impl Problem {
    // -- Files --

    fn path_c(path: &Path) -> Result<CString, LpError> {
        let s = path.to_str().ok_or_else(|| LpError::Io {
            path: path.display().to_string(),
            message: "the path is not UTF-8".into(),
            source: None,
        })?;
        c_string("path", s)
    }

    /// Runs a GLPK file function (0 = success) and turns a failure into [`LpError::Io`].
    fn file_op(
        &self,
        path: &Path,
        what: &str,
        f: impl Fn(&Fns, Prob, *const std::ffi::c_char) -> i32,
    ) -> Result<(), LpError> {
        let cpath = Self::path_c(path)?;
        let p = cpath.as_ptr();
        // SAFETY: `p` is a NUL-terminated path alive across the call; the closure holds it
        // as a raw pointer. The parameter-block arguments are NULL (GLPK's defaults).
        let ret = unsafe { self.run(what, |g, prob| f(g, prob, p)) }?;
        if ret == 0 {
            return Ok(());
        }
        Err(LpError::Io {
            path: path.display().to_string(),
            message: format!("{what} failed: {}", glpk::last_output()),
            source: None,
        })
    }

    /// Writes the problem in CPLEX LP format (`glp_write_lp`), as `glpsol --lp` reads it.
    ///
    /// # Errors
    ///
    /// [`LpError::Io`] with GLPK's message.
    pub fn write_lp(&self, path: impl AsRef<Path>) -> Result<(), LpError> {
        self.file_op(path.as_ref(), "glp_write_lp", |g, prob, p| {
            // SAFETY: glp_write_lp(P, NULL, fname) with a valid path.
            unsafe { g.write_lp.call((prob, std::ptr::null(), p)) }
        })
    }

    /// Writes the problem in MPS format (`glp_write_mps`).
    ///
    /// MPS has no objective sense, and GLPK leaves the objective row out when the problem has
    /// a free row (its reader would take the first free row as the objective); use
    /// [`Problem::write_lp`] for such problems. The LP format, for its part, cannot hold an
    /// objective constant and turns ranged rows into extra columns.
    ///
    /// # Errors
    ///
    /// As [`Problem::write_lp`].
    pub fn write_mps(&self, path: impl AsRef<Path>, format: MpsFormat) -> Result<(), LpError> {
        let fmt = self.mps_fmt(format);
        self.file_op(path.as_ref(), "glp_write_mps", |g, prob, p| {
            // SAFETY: glp_write_mps(P, fmt, NULL, fname) with a valid path.
            unsafe { g.write_mps.call((prob, fmt, std::ptr::null(), p)) }
        })
    }

    fn mps_fmt(&self, format: MpsFormat) -> i32 {
        match format {
            MpsFormat::Fixed => self.c().GLP_MPS_DECK,
            MpsFormat::Free => self.c().GLP_MPS_FILE,
        }
    }

    /// Writes the last solution as `glpsol -o` does (`glp_print_sol`, `glp_print_ipt` or
    /// `glp_print_mip`): a report for people.
    ///
    /// # Errors
    ///
    /// [`LpError::NoSolution`], [`LpError::Io`].
    pub fn write_report(&self, path: impl AsRef<Path>) -> Result<(), LpError> {
        let kind = self.solution("write_report")?;
        self.file_op(path.as_ref(), "glp_print_sol", |g, prob, p| {
            // SAFETY: the print function with a valid path.
            unsafe {
                match kind {
                    SolutionKind::Simplex => g.print_sol.call((prob, p)),
                    SolutionKind::Interior => g.print_ipt.call((prob, p)),
                    SolutionKind::Mip => g.print_mip.call((prob, p)),
                }
            }
        })
    }

    /// Writes the last solution in GLPK's plain-text solution format, as `glpsol -w` does
    /// (`glp_write_sol`, `glp_write_ipt` or `glp_write_mip`).
    ///
    /// # Errors
    ///
    /// [`LpError::NoSolution`], [`LpError::Io`].
    pub fn write_solution(&self, path: impl AsRef<Path>) -> Result<(), LpError> {
        let kind = self.solution("write_solution")?;
        self.file_op(path.as_ref(), "glp_write_sol", |g, prob, p| {
            // SAFETY: the write function with a valid path.
            unsafe {
                match kind {
                    SolutionKind::Simplex => g.write_sol.call((prob, p)),
                    SolutionKind::Interior => g.write_ipt.call((prob, p)),
                    SolutionKind::Mip => g.write_mip.call((prob, p)),
                }
            }
        })
    }

    /// Reads a problem in CPLEX LP format (`glp_read_lp`). Its columns and rows become
    /// [`Problem::vars`] and [`Problem::rows`]; find them by name with [`Problem::var`].
    ///
    /// # Errors
    ///
    /// [`LpError::Load`], [`LpError::Io`] with GLPK's message (file and line).
    pub fn read_lp(path: impl AsRef<Path>) -> Result<Problem, LpError> {
        let mut p = Problem::new()?;
        p.file_op(path.as_ref(), "glp_read_lp", |g, prob, f| {
            // SAFETY: glp_read_lp(P, NULL, fname) on an empty problem.
            unsafe { g.read_lp.call((prob, std::ptr::null(), f)) }
        })?;
        p.adopt()?;
        Ok(p)
    }

    /// Reads a problem in MPS format (`glp_read_mps`), as [`Problem::read_lp`].
    ///
    /// # Errors
    ///
    /// As [`Problem::read_lp`].
    pub fn read_mps(path: impl AsRef<Path>, format: MpsFormat) -> Result<Problem, LpError> {
        let mut p = Problem::new()?;
        let fmt = p.mps_fmt(format);
        p.file_op(path.as_ref(), "glp_read_mps", |g, prob, f| {
            // SAFETY: glp_read_mps(P, fmt, NULL, fname) on an empty problem.
            unsafe { g.read_mps.call((prob, fmt, std::ptr::null(), f)) }
        })?;
        p.adopt()?;
        Ok(p)
    }

    /// Gives handles to the rows and columns GLPK holds beyond the ones the modeler made.
    fn adopt(&mut self) -> Result<(), LpError> {
        // SAFETY: the closure holds nothing.
        let (m, n) = unsafe {
            self.run("adopt", |g, prob| {
                (g.get_num_rows.call((prob,)), g.get_num_cols.call((prob,)))
            })
        }?;
        for _ in self.cols.len() as i32 + 1..=n {
            self.cols.push();
        }
        for _ in self.rows.len() as i32 + 1..=m {
            self.rows.push();
        }
        // The objective is GLPK's now: reset every column on the next minimize/maximize.
        self.obj_vars = self.cols.ids().collect();
        self.reload_names()
    }

    /// Calls GLPK directly on this problem's `glp_prob *`, guarded: a GLPK error becomes
    /// [`LpError::Glpk`]. For what the modeler does not wrap; [`Glpk::ffi`] has every GLPK
    /// function declared. Rows or columns the closure adds get handles afterwards, and the
    /// names of all of them are read back from GLPK (a name the closure gives twice is found
    /// by [`Problem::var`] or [`Problem::row`] as its first holder). The current solution is
    /// discarded: the closure may have changed anything.
    ///
    /// # Safety
    ///
    /// - The calls must be valid GLPK calls on this problem (the declarations match GLPK).
    /// - The closure must not delete rows or columns (the handles would point at others).
    /// - If GLPK reports an error, the closure's frames are abandoned without running
    ///   destructors: hold nothing with a destructor (owned buffers, `Value`s with owned
    ///   data, guards) across a GLPK call; make such values before the first call, outside
    ///   the closure, and borrow them.
    pub unsafe fn with_raw<R>(
        &mut self,
        f: impl FnOnce(&Glpk, *mut c_void) -> R,
    ) -> Result<R, LpError> {
        let glpk = self.glpk.clone();
        // SAFETY: the caller's contract.
        let r = unsafe { self.run("with_raw", |_, prob| f(&glpk, prob)) }?;
        self.changed("with_raw");
        self.adopt()?;
        Ok(r)
    }
}
