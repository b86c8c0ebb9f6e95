//! [`Problem`]: a live GLPK problem object behind a checked, symbolic API.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_void};
use std::fmt;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering as AtomicOrdering};
use std::time::Duration;

use crate::{CData, Value};

use super::LpError;
use super::expr::{Constraint, Expr, Row, Term, Var};
use super::glpk::{self, Consts, Fns, Glpk, Output, Prob, c_string};

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

/// A solution's status (`glp_get_status`, `glp_ipt_status`, `glp_mip_status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Optimal (`GLP_OPT`).
    Optimal,
    /// Feasible, optimality not proven (`GLP_FEAS`), e.g. after a limit.
    Feasible,
    /// Infeasible, as the current basic solution is (`GLP_INFEAS`).
    Infeasible,
    /// The problem has no feasible solution (`GLP_NOFEAS`).
    NoFeasible,
    /// The problem is unbounded (`GLP_UNBND`).
    Unbounded,
    /// Undefined (`GLP_UNDEF`): the solver stopped before knowing.
    Undefined,
}

/// A solver's non-error return code: a limit reached, or what the presolver found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// `GLP_EOBJLL`: the objective reached its lower limit.
    ObjLowerLimit,
    /// `GLP_EOBJUL`: the objective reached its upper limit.
    ObjUpperLimit,
    /// `GLP_EITLIM`: the iteration limit.
    IterationLimit,
    /// `GLP_ETMLIM`: the time limit.
    TimeLimit,
    /// `GLP_ENOPFS`: no primal feasible solution (presolver).
    NoPrimalFeasible,
    /// `GLP_ENODFS`: no dual feasible solution (presolver).
    NoDualFeasible,
    /// `GLP_EMIPGAP`: the relative MIP gap tolerance was reached.
    MipGap,
    /// `GLP_ESTOP`: the search was stopped.
    Stopped,
    /// `GLP_ENOFEAS` (interior point): no feasible solution.
    NoFeasible,
    /// `GLP_ENOCVG` (interior point): very slow convergence or divergence.
    NoConvergence,
    /// `GLP_EINSTAB` (interior point): numerical instability.
    Instability,
}

impl Code {
    /// GLPK's name for the code.
    pub fn name(self) -> &'static str {
        match self {
            Code::ObjLowerLimit => "GLP_EOBJLL",
            Code::ObjUpperLimit => "GLP_EOBJUL",
            Code::IterationLimit => "GLP_EITLIM",
            Code::TimeLimit => "GLP_ETMLIM",
            Code::NoPrimalFeasible => "GLP_ENOPFS",
            Code::NoDualFeasible => "GLP_ENODFS",
            Code::MipGap => "GLP_EMIPGAP",
            Code::Stopped => "GLP_ESTOP",
            Code::NoFeasible => "GLP_ENOFEAS",
            Code::NoConvergence => "GLP_ENOCVG",
            Code::Instability => "GLP_EINSTAB",
        }
    }
}

/// Which solver produced the current solution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolutionKind {
    /// `glp_simplex`: basic solution, with duals.
    Simplex,
    /// `glp_interior`: interior-point solution, with duals.
    Interior,
    /// `glp_intopt`: integer solution, primal values only.
    Mip,
}

/// What a solve ended with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// The solution's status.
    pub status: Status,
    /// The solver's return code when it was not 0 and not an error: a limit, or what the
    /// presolver found.
    pub code: Option<Code>,
    /// The objective value of the solution (meaningful when `status` is optimal or feasible).
    pub objective: f64,
    /// Which solver ran last.
    pub kind: SolutionKind,
}

/// The simplex variant (`glp_smcp.meth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Primal simplex (`GLP_PRIMAL`, GLPK's default).
    Primal,
    /// Dual simplex (`GLP_DUAL`).
    Dual,
    /// Dual simplex, primal if it fails (`GLP_DUALP`): the modeler's default.
    DualPrimal,
}

/// Pricing (`glp_smcp.pricing`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    /// Dantzig's rule (`GLP_PT_STD`).
    Standard,
    /// Projected steepest edge (`GLP_PT_PSE`, the default).
    SteepestEdge,
}

/// Ratio test (`glp_smcp.r_test`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RatioTest {
    /// Textbook (`GLP_RT_STD`).
    Standard,
    /// Harris' two-pass test (`GLP_RT_HAR`, the default).
    Harris,
    /// Long-step, flip-flop (`GLP_RT_FLIP`).
    LongStep,
}

/// The starting basis of a simplex solve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// The current one (a new problem's is the standard basis; after a solve it is the last
    /// one, so a re-solve after changes starts from it). If GLPK finds it invalid (rows or
    /// columns deleted), the advanced basis is built and the solve retried. The default.
    Warm,
    /// The trivial basis: all rows basic (`glp_std_basis`).
    Standard,
    /// Bixby's advanced basis (`glp_adv_basis`).
    Advanced,
    /// Bixby's basis as CPLEX builds it (`glp_cpx_basis`).
    Cpx,
}

/// How much the solvers print (to the problem's [`Output`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgLevel {
    /// Nothing (`GLP_MSG_OFF`).
    Off,
    /// Warnings and errors (`GLP_MSG_ERR`).
    Errors,
    /// Normal output (`GLP_MSG_ON`), the default.
    Normal,
    /// Everything (`GLP_MSG_ALL`).
    All,
}

/// Simplex parameters (`glp_smcp`). The defaults are the modeler's, not GLPK's: dual simplex
/// with primal fallback, no presolve, warm start. On large network LPs GLPK's defaults (primal
/// simplex) take an order of magnitude longer, and its presolver longer still.
#[derive(Clone, Debug)]
pub struct Simplex {
    /// Primal, dual, or dual then primal.
    pub method: Method,
    /// Run GLPK's LP presolver first (then the basis is always built from scratch, and duals
    /// come from the recovered solution).
    pub presolve: bool,
    /// Pricing rule.
    pub pricing: Pricing,
    /// Ratio test.
    pub ratio_test: RatioTest,
    /// At most this many iterations.
    pub iteration_limit: Option<u32>,
    /// At most this long (GLPK counts milliseconds).
    pub time_limit: Option<Duration>,
    /// The starting basis.
    pub basis: Basis,
    /// Output level.
    pub messages: MsgLevel,
}

impl Default for Simplex {
    fn default() -> Simplex {
        Simplex {
            method: Method::DualPrimal,
            presolve: false,
            pricing: Pricing::SteepestEdge,
            ratio_test: RatioTest::Harris,
            iteration_limit: None,
            time_limit: None,
            basis: Basis::Warm,
            messages: MsgLevel::Normal,
        }
    }
}

/// Interior-point parameters (`glp_iptcp`).
#[derive(Clone, Debug)]
pub struct Interior {
    /// Ordering for the Cholesky factorization: `GLP_ORD_*`, see [`Interior::ordering`].
    pub ordering: Ordering,
    /// Output level.
    pub messages: MsgLevel,
}

/// Ordering algorithm of the interior-point method (`glp_iptcp.ord_alg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ordering {
    /// Natural order (`GLP_ORD_NONE`).
    Natural,
    /// Quotient minimum degree (`GLP_ORD_QMD`).
    Qmd,
    /// Approximate minimum degree (`GLP_ORD_AMD`, the default).
    Amd,
    /// Approximate minimum degree, SYMAMD (`GLP_ORD_SYMAMD`).
    Symamd,
}

impl Default for Interior {
    fn default() -> Interior {
        Interior {
            ordering: Ordering::Amd,
            messages: MsgLevel::Normal,
        }
    }
}

/// Branching rule of the MIP solver (`glp_iocp.br_tech`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Branching {
    /// First fractional variable (`GLP_BR_FFV`).
    FirstFractional,
    /// Last fractional variable (`GLP_BR_LFV`).
    LastFractional,
    /// Most fractional variable (`GLP_BR_MFV`).
    MostFractional,
    /// Driebeck and Tomlin's heuristic (`GLP_BR_DTH`, the default).
    DriebeckTomlin,
    /// Hybrid pseudocost (`GLP_BR_PCH`).
    Pseudocost,
}

/// MIP parameters (`glp_iocp`), and the simplex ones for the LP relaxation solved first.
#[derive(Clone, Debug)]
pub struct Mip {
    /// Relative gap at which to stop (`mip_gap`, 0 = prove optimality).
    pub gap: f64,
    /// At most this long.
    pub time_limit: Option<Duration>,
    /// Branching rule.
    pub branching: Branching,
    /// Gomory's mixed-integer cuts.
    pub gomory_cuts: bool,
    /// Mixed-integer rounding cuts.
    pub mir_cuts: bool,
    /// Mixed cover cuts.
    pub cover_cuts: bool,
    /// Clique cuts.
    pub clique_cuts: bool,
    /// GLPK's MIP presolver (then the relaxation is not solved first by the simplex).
    pub presolve: bool,
    /// Output level.
    pub messages: MsgLevel,
    /// Parameters of the simplex solve of the LP relaxation (without MIP presolve).
    pub relaxation: Simplex,
}

impl Default for Mip {
    fn default() -> Mip {
        Mip {
            gap: 0.0,
            time_limit: None,
            branching: Branching::DriebeckTomlin,
            gomory_cuts: false,
            mir_cuts: false,
            cover_cuts: false,
            clique_cuts: false,
            presolve: false,
            messages: MsgLevel::Normal,
            relaxation: Simplex::default(),
        }
    }
}

/// The MPS dialect (`glp_read_mps` / `glp_write_mps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpsFormat {
    /// Fixed (ancient) MPS (`GLP_MPS_DECK`).
    Fixed,
    /// Free MPS (`GLP_MPS_FILE`).
    Free,
}

static NEXT_MODEL: AtomicU32 = AtomicU32::new(1);

/// Expressions up to this many terms are merged by looking back instead of marking columns.
const SMALL_EXPR: usize = 16;

/// Rows buffered before they are handed to GLPK in one batch ([`Problem::flush`]).
const FLUSH_ROWS: usize = 4096;

/// Columns sent to GLPK per guarded batch by [`Problem::add_vars`].
const COL_BATCH: usize = 4096;

/// A column validated for GLPK.
struct ColDef {
    ty: i32,
    integer: bool,
    lower: f64,
    upper: f64,
    obj: f64,
    name: Option<CString>,
}

/// Scratch space for merging like terms: per-column marks, and the merged row in GLPK's
/// 1-based `ind[]`/`val[]` form (element 0 unused).
#[derive(Default)]
struct Merge {
    mark: Vec<u32>,
    pos: Vec<u32>,
    stamp: u32,
    ind: Vec<i32>,
    val: Vec<f64>,
}

/// A validated row waiting for [`Problem::flush`]: its terms are `ind/val[start..start + len]`
/// of [`Pending`].
struct PendingRow {
    ty: i32,
    lower: f64,
    upper: f64,
    start: usize,
    len: i32,
    name: Option<CString>,
}

/// Rows not yet in GLPK, with their terms in GLPK's `ind[]`/`val[]` form (element 0 unused).
#[derive(Default)]
struct Pending {
    rows: Vec<PendingRow>,
    ind: Vec<i32>,
    val: Vec<f64>,
}

/// How [`Problem::merge`] treats a variable that appears twice.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dups {
    Merge,
    Reject,
}

/// A linear (or mixed-integer) program: a live GLPK problem object.
///
/// Variables ([`Var`]) and rows ([`Row`]) are `Copy` handles numbered in creation order; they
/// stay valid when others are deleted. Every method validates its input before GLPK sees it
/// (see the [module documentation](super)). Not `Send`: GLPK's environment is per thread.
pub struct Problem {
    glpk: Arc<Glpk>,
    prob: Prob,
    env_gen: u64,
    id: u32,
    output: Output,
    /// Variable handles ↔ GLPK columns.
    cols: Numbering,
    /// Row handles ↔ GLPK rows (including pending ones).
    rows: Numbering,
    /// Variables given an objective coefficient by the last `minimize`/`maximize`.
    obj_vars: Vec<u32>,
    merge: Merge,
    /// Rows added but not yet handed to GLPK (see [`Problem::flush`]).
    pending: RefCell<Pending>,
    solved: Option<SolutionKind>,
    /// A problem belongs to its thread's GLPK environment.
    _thread: PhantomData<*mut ()>,
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
    unsafe fn run<R>(&self, what: &str, f: impl FnOnce(&Fns, Prob) -> R) -> Result<R, LpError> {
        if self.env_gen != glpk::generation() {
            return Err(LpError::EnvReset);
        }
        self.flush()?;
        let g = &*self.glpk;
        let prob = self.prob;
        // SAFETY: the caller's contract.
        unsafe { glpk::guarded(g, &self.output, what, || f(&g.fns, prob)) }
    }

    fn c(&self) -> &Consts {
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

    fn col(&self, v: Var, context: &dyn Fn() -> String) -> Result<i32, LpError> {
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

    fn row_num(&self, r: Row, context: &dyn Fn() -> String) -> Result<i32, LpError> {
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
    fn bound_type(
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

    fn check_name(what: &dyn Fn() -> String, name: &str) -> Result<CString, LpError> {
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
    fn merge(
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
    fn term_col(&self, t: Term, what: &dyn Fn() -> String) -> Result<i32, LpError> {
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

    // -- Building --

    fn col_def(&self, def: VarDef, what: &dyn Fn() -> String) -> Result<ColDef, LpError> {
        let (ty, lower, upper) = self.bound_type(def.lower, def.upper, what)?;
        if !def.obj.is_finite() {
            return Err(LpError::NotFinite(format!(
                "{}: objective coefficient is {}",
                what(),
                def.obj
            )));
        }
        let name = def
            .name
            .as_deref()
            .map(|n| Self::check_name(what, n))
            .transpose()?;
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
    /// NaN bounds, `lower > upper`, a name GLPK refuses; nothing is added then.
    pub fn add_var(&mut self, def: VarDef) -> Result<Var, LpError> {
        let mut def = Some(def);
        let vars = self.add_vars(1, |_| def.take().unwrap_or_else(VarDef::continuous))?;
        Ok(vars[0])
    }

    /// Adds `n` variables, the `i`-th made by `def(i)`.
    ///
    /// # Errors
    ///
    /// As [`Problem::add_var`], naming the index; nothing is added then.
    pub fn add_vars(
        &mut self,
        n: usize,
        mut def: impl FnMut(usize) -> VarDef,
    ) -> Result<Vec<Var>, LpError> {
        let first_id = self.cols.made();
        let first_col = self.cols.len();
        if first_col + n > i32::MAX as usize / 2 {
            return Err(LpError::Invalid(format!(
                "add_vars: {n} variables is too many for GLPK"
            )));
        }
        let mut batch = Vec::with_capacity(n.min(COL_BATCH));
        for i in 0..n {
            let what = || format!("add_vars: variable {i}");
            match self.col_def(def(i), &what) {
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
        self.obj_vars.retain(|&id| (id as usize) < first_id);
    }

    /// Adds a constraint as one row: its terms merged, its bounds from the comparison.
    ///
    /// # Errors
    ///
    /// Foreign or deleted variables, NaN or infinite coefficients, NaN or crossed bounds, a
    /// name GLPK refuses; the problem is unchanged then.
    pub fn add_constraint(&mut self, c: Constraint) -> Result<Row, LpError> {
        let next = self.rows.made();
        let label = &c.name;
        let what = move || match label {
            Some(n) => format!("constraint '{n}'"),
            None => format!("constraint #{next}"),
        };
        let (ty, lower, upper) = self.bound_type(c.lower, c.upper, &what)?;
        let name = c
            .name
            .as_deref()
            .map(|n| Self::check_name(&what, n))
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
        let what = || format!("set_bounds({})", self.var_name(v));
        let j = self.col(v, &what)?;
        let (ty, lb, ub) = self.bound_type(lower, upper, &what)?;
        // SAFETY: `j` is a valid column; the closure holds only Copy values.
        unsafe {
            self.run("set_bounds", |g, prob| {
                g.set_col_bnds.call((prob, j, ty, lb, ub))
            })
        }
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
        }
    }

    /// Changes a row's bounds.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row, NaN or crossed bounds.
    pub fn set_row_bounds(&mut self, r: Row, lower: f64, upper: f64) -> Result<(), LpError> {
        let what = || format!("set_row_bounds({})", self.row_name(r));
        let i = self.row_num(r, &what)?;
        let (ty, lb, ub) = self.bound_type(lower, upper, &what)?;
        // SAFETY: `i` is a valid row; the closure holds only Copy values.
        unsafe {
            self.run("set_row_bounds", |g, prob| {
                g.set_row_bnds.call((prob, i, ty, lb, ub))
            })
        }
    }

    /// Changes the right-hand side of a `≤`, `≥` or `=` row, keeping its sense.
    ///
    /// # Errors
    ///
    /// A foreign or deleted row, a non-finite `rhs`, or a ranged or free row (use
    /// [`Problem::set_row_bounds`]).
    pub fn set_rhs(&mut self, r: Row, rhs: f64) -> Result<(), LpError> {
        let what = || format!("set_rhs({})", self.row_name(r));
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
        self.set_row_bounds(r, lower, upper)
    }

    /// Sets a variable's objective coefficient.
    ///
    /// # Errors
    ///
    /// A foreign or deleted variable, a non-finite coefficient.
    pub fn set_obj_coef(&mut self, v: Var, coef: f64) -> Result<(), LpError> {
        let what = || format!("set_obj_coef({})", self.var_name(v));
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
        Ok(())
    }

    /// Replaces a row's coefficients by `terms`, each variable at most once.
    ///
    /// # Errors
    ///
    /// A variable given twice ([`LpError::DuplicateTerm`]; GLPK would abort), foreign or
    /// deleted handles, non-finite coefficients.
    pub fn set_row(&mut self, r: Row, terms: &[(Var, f64)]) -> Result<(), LpError> {
        let label = format!("set_row({})", self.row_name(r));
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
            self.run("set_row", |g, prob| {
                g.set_mat_row
                    .call((prob, i, len, ind.as_ptr(), val.as_ptr()))
            })
        }
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
        let what = || format!("set_coef({}, {})", self.row_name(r), self.var_name(v));
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
        self.set_row(r, &terms)
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
        self.delete(nums, false)?;
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
        self.delete(nums, true)?;
        self.rows.delete(rows.iter().map(|r| r.id));
        Ok(())
    }

    /// Deletes GLPK rows or columns `nums` (valid numbers), refusing repeats.
    fn delete(&mut self, mut nums: Vec<i32>, rows: bool) -> Result<(), LpError> {
        nums.sort_unstable();
        if nums.windows(2).any(|w| w[0] == w[1]) {
            let what = if rows {
                "delete_rows: a row"
            } else {
                "delete_vars: a variable"
            };
            return Err(LpError::DuplicateTerm(format!("{what} is listed twice")));
        }
        if nums.is_empty() {
            return Ok(());
        }
        nums.insert(0, 0); // GLPK reads num[1..=n]
        let n = nums.len() as i32 - 1;
        // SAFETY: `nums` (borrowed) holds distinct valid numbers from index 1.
        unsafe {
            self.run(
                if rows { "delete_rows" } else { "delete_vars" },
                |g, prob| {
                    if rows {
                        g.del_rows.call((prob, n, nums.as_ptr()));
                    } else {
                        g.del_cols.call((prob, n, nums.as_ptr()));
                    }
                },
            )
        }?;
        self.solved = None;
        Ok(())
    }

    // -- Solving --

    /// Solves with the defaults: [`Problem::intopt`] with [`Mip::default`] if the problem has
    /// integer variables, else [`Problem::simplex`] with [`Simplex::default`].
    ///
    /// # Errors
    ///
    /// As [`Problem::simplex`] and [`Problem::intopt`].
    pub fn solve(&mut self) -> Result<Outcome, LpError> {
        // SAFETY: the closure holds nothing.
        let n_int = unsafe { self.run("solve", |g, prob| g.get_num_int.call((prob,))) }?;
        if n_int > 0 {
            self.intopt(&Mip::default())
        } else {
            self.simplex(&Simplex::default())
        }
    }

    /// A parameter block for `kind`'s solver (`glp_smcp`, `glp_iptcp` or `glp_iocp`), as C
    /// data, initialised by GLPK (`glp_init_*`) to its defaults.
    fn params(&self, kind: SolutionKind) -> Result<CData<'static>, LpError> {
        let ty = match kind {
            SolutionKind::Simplex => "glp_smcp",
            SolutionKind::Interior => "glp_iptcp",
            SolutionKind::Mip => "glp_iocp",
        };
        let data = self
            .glpk
            .ffi()
            .ctype(ty)
            .and_then(|t| t.alloc_zeroed())
            .map_err(|e| LpError::Invalid(format!("{ty}: {e}")))?;
        let addr = data.addr().cast_const();
        // SAFETY: `addr` is a block of the type the init function takes, owned by `data`.
        unsafe {
            self.run(ty, |g, _| match kind {
                SolutionKind::Simplex => g.init_smcp.call((addr,)),
                SolutionKind::Interior => g.init_iptcp.call((addr,)),
                SolutionKind::Mip => g.init_iocp.call((addr,)),
            })
        }?;
        Ok(data)
    }

    /// The outcome of a solver that returned `ret`: its code, then the solution's status and
    /// objective, which become the problem's current solution.
    fn finish(
        &mut self,
        kind: SolutionKind,
        solver: &'static str,
        ret: i32,
    ) -> Result<Outcome, LpError> {
        let code = self.code(solver, ret)?;
        self.solved = Some(kind);
        // SAFETY: the closure holds nothing.
        let (st, objective) = unsafe {
            self.run(solver, |g, prob| match kind {
                SolutionKind::Simplex => (g.get_status.call((prob,)), g.get_obj_val.call((prob,))),
                SolutionKind::Interior => (g.ipt_status.call((prob,)), g.ipt_obj_val.call((prob,))),
                SolutionKind::Mip => (g.mip_status.call((prob,)), g.mip_obj_val.call((prob,))),
            })
        }?;
        let status = match code {
            // What the presolver (or the interior-point method) found; GLPK leaves the status
            // undefined.
            Some(Code::NoPrimalFeasible | Code::NoFeasible) => Status::NoFeasible,
            _ => self.status(st),
        };
        Ok(Outcome {
            status,
            code,
            objective,
            kind,
        })
    }

    fn set_param(data: &CData<'_>, field: &str, v: i32) -> Result<(), LpError> {
        data.set(field, v)
            .map_err(|e| LpError::Invalid(format!("{}.{field}: {e}", data.type_name())))
    }

    fn set_param_f64(data: &CData<'_>, field: &str, v: f64) -> Result<(), LpError> {
        data.set(field, Value::F64(v))
            .map_err(|e| LpError::Invalid(format!("{}.{field}: {e}", data.type_name())))
    }

    fn msg_lev(&self, m: MsgLevel) -> i32 {
        let c = self.c();
        match m {
            MsgLevel::Off => c.GLP_MSG_OFF,
            MsgLevel::Errors => c.GLP_MSG_ERR,
            MsgLevel::Normal => c.GLP_MSG_ON,
            MsgLevel::All => c.GLP_MSG_ALL,
        }
    }

    fn millis(d: Option<Duration>) -> i32 {
        d.map_or(i32::MAX, |d| {
            i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
        })
    }

    /// Solves the LP (integer restrictions ignored) with `glp_simplex`.
    ///
    /// # Errors
    ///
    /// [`LpError::Solver`] when GLPK cannot start or finish (`GLP_EBADB` after the basis was
    /// rebuilt, `GLP_ESING`, `GLP_ECOND`, `GLP_EBOUND`, `GLP_EFAIL`); limits are not errors but
    /// [`Outcome::code`].
    pub fn simplex(&mut self, params: &Simplex) -> Result<Outcome, LpError> {
        let c = *self.c();
        let smcp = self.params(SolutionKind::Simplex)?;
        let addr = smcp.addr().cast_const();
        let meth = match params.method {
            Method::Primal => c.GLP_PRIMAL,
            Method::Dual => c.GLP_DUAL,
            Method::DualPrimal => c.GLP_DUALP,
        };
        let pricing = match params.pricing {
            Pricing::Standard => c.GLP_PT_STD,
            Pricing::SteepestEdge => c.GLP_PT_PSE,
        };
        let r_test = match params.ratio_test {
            RatioTest::Standard => c.GLP_RT_STD,
            RatioTest::Harris => c.GLP_RT_HAR,
            RatioTest::LongStep => c.GLP_RT_FLIP,
        };
        Self::set_param(&smcp, "msg_lev", self.msg_lev(params.messages))?;
        Self::set_param(&smcp, "meth", meth)?;
        Self::set_param(&smcp, "pricing", pricing)?;
        Self::set_param(&smcp, "r_test", r_test)?;
        Self::set_param(
            &smcp,
            "presolve",
            if params.presolve { c.GLP_ON } else { c.GLP_OFF },
        )?;
        let it_lim = params
            .iteration_limit
            .map_or(i32::MAX, |n| i32::try_from(n).unwrap_or(i32::MAX));
        Self::set_param(&smcp, "it_lim", it_lim)?;
        Self::set_param(&smcp, "tm_lim", Self::millis(params.time_limit))?;
        let basis = params.basis;
        let mut rebuilt = false;
        loop {
            // SAFETY: the closure holds Copy values and `addr` (alive in `smcp`).
            let ret = unsafe {
                self.run("simplex", |g, prob| {
                    match basis {
                        Basis::Warm => {}
                        Basis::Standard => g.std_basis.call((prob,)),
                        Basis::Advanced => g.adv_basis.call((prob, 0)),
                        Basis::Cpx => g.cpx_basis.call((prob,)),
                    }
                    g.simplex.call((prob, addr))
                })
            }?;
            if ret == c.GLP_EBADB && basis == Basis::Warm && !rebuilt {
                rebuilt = true;
                // SAFETY: the closure holds nothing.
                unsafe { self.run("simplex", |g, prob| g.adv_basis.call((prob, 0))) }?;
                continue;
            }
            return self.finish(SolutionKind::Simplex, "glp_simplex", ret);
        }
    }

    /// Solves the LP with the interior-point method (`glp_interior`).
    ///
    /// # Errors
    ///
    /// [`LpError::Solver`] for `GLP_EFAIL` (e.g. an empty problem).
    pub fn interior(&mut self, params: &Interior) -> Result<Outcome, LpError> {
        let c = *self.c();
        let iptcp = self.params(SolutionKind::Interior)?;
        let addr = iptcp.addr().cast_const();
        let ord = match params.ordering {
            Ordering::Natural => c.GLP_ORD_NONE,
            Ordering::Qmd => c.GLP_ORD_QMD,
            Ordering::Amd => c.GLP_ORD_AMD,
            Ordering::Symamd => c.GLP_ORD_SYMAMD,
        };
        Self::set_param(&iptcp, "msg_lev", self.msg_lev(params.messages))?;
        Self::set_param(&iptcp, "ord_alg", ord)?;
        // SAFETY: `addr` is the glp_iptcp owned by `iptcp`, alive for the call.
        let ret = unsafe { self.run("interior", |g, prob| g.interior.call((prob, addr))) }?;
        self.finish(SolutionKind::Interior, "glp_interior", ret)
    }

    /// Solves the MIP with `glp_intopt` (branch and cut). Without MIP presolve, the LP
    /// relaxation is solved first with [`Mip::relaxation`]; if it is not optimal, that outcome
    /// is returned (no feasible or unbounded relaxation).
    ///
    /// # Errors
    ///
    /// As [`Problem::simplex`], and [`LpError::Solver`] for `glp_intopt`'s `GLP_EBOUND`,
    /// `GLP_EROOT`, `GLP_EFAIL`.
    pub fn intopt(&mut self, params: &Mip) -> Result<Outcome, LpError> {
        let c = *self.c();
        if !params.presolve {
            let relaxed = self.simplex(&params.relaxation)?;
            if relaxed.status != Status::Optimal {
                let status = match relaxed.status {
                    Status::Unbounded => Status::Unbounded,
                    Status::Infeasible | Status::NoFeasible => Status::NoFeasible,
                    other => other,
                };
                return Ok(Outcome { status, ..relaxed });
            }
        }
        let iocp = self.params(SolutionKind::Mip)?;
        let addr = iocp.addr().cast_const();
        let br = match params.branching {
            Branching::FirstFractional => c.GLP_BR_FFV,
            Branching::LastFractional => c.GLP_BR_LFV,
            Branching::MostFractional => c.GLP_BR_MFV,
            Branching::DriebeckTomlin => c.GLP_BR_DTH,
            Branching::Pseudocost => c.GLP_BR_PCH,
        };
        let on = |b: bool| if b { c.GLP_ON } else { c.GLP_OFF };
        if !params.gap.is_finite() || params.gap < 0.0 {
            return Err(LpError::Invalid(format!(
                "Mip::gap must be finite and ≥ 0, not {}",
                params.gap
            )));
        }
        Self::set_param(&iocp, "msg_lev", self.msg_lev(params.messages))?;
        Self::set_param(&iocp, "br_tech", br)?;
        Self::set_param(&iocp, "tm_lim", Self::millis(params.time_limit))?;
        Self::set_param_f64(&iocp, "mip_gap", params.gap)?;
        Self::set_param(&iocp, "gmi_cuts", on(params.gomory_cuts))?;
        Self::set_param(&iocp, "mir_cuts", on(params.mir_cuts))?;
        Self::set_param(&iocp, "cov_cuts", on(params.cover_cuts))?;
        Self::set_param(&iocp, "clq_cuts", on(params.clique_cuts))?;
        Self::set_param(&iocp, "presolve", on(params.presolve))?;
        // SAFETY: `addr` is the glp_iocp owned by `iocp`, alive for the call.
        let ret = unsafe { self.run("intopt", |g, prob| g.intopt.call((prob, addr))) }?;
        self.finish(SolutionKind::Mip, "glp_intopt", ret)
    }

    fn status(&self, st: i32) -> Status {
        let c = self.c();
        match st {
            s if s == c.GLP_OPT => Status::Optimal,
            s if s == c.GLP_FEAS => Status::Feasible,
            s if s == c.GLP_INFEAS => Status::Infeasible,
            s if s == c.GLP_NOFEAS => Status::NoFeasible,
            s if s == c.GLP_UNBND => Status::Unbounded,
            _ => Status::Undefined,
        }
    }

    /// A solver's return code: `None` for 0, `Some` for limits and presolver findings, an
    /// error for failures.
    fn code(&self, solver: &'static str, ret: i32) -> Result<Option<Code>, LpError> {
        let c = self.c();
        if ret == 0 {
            return Ok(None);
        }
        let ok = [
            (c.GLP_EOBJLL, Code::ObjLowerLimit),
            (c.GLP_EOBJUL, Code::ObjUpperLimit),
            (c.GLP_EITLIM, Code::IterationLimit),
            (c.GLP_ETMLIM, Code::TimeLimit),
            (c.GLP_ENOPFS, Code::NoPrimalFeasible),
            (c.GLP_ENODFS, Code::NoDualFeasible),
            (c.GLP_EMIPGAP, Code::MipGap),
            (c.GLP_ESTOP, Code::Stopped),
            (c.GLP_ENOFEAS, Code::NoFeasible),
            (c.GLP_ENOCVG, Code::NoConvergence),
            (c.GLP_EINSTAB, Code::Instability),
        ];
        if let Some(&(_, code)) = ok.iter().find(|(r, _)| *r == ret) {
            return Ok(Some(code));
        }
        let errors = [
            (c.GLP_EBADB, "GLP_EBADB", "the initial basis is invalid"),
            (c.GLP_ESING, "GLP_ESING", "the basis matrix is singular"),
            (
                c.GLP_ECOND,
                "GLP_ECOND",
                "the basis matrix is ill-conditioned",
            ),
            (
                c.GLP_EBOUND,
                "GLP_EBOUND",
                "a double-bounded variable has incorrect bounds",
            ),
            (
                c.GLP_EFAIL,
                "GLP_EFAIL",
                "the solver failed (empty problem or numerical trouble)",
            ),
            (
                c.GLP_EROOT,
                "GLP_EROOT",
                "no optimal basis of the LP relaxation",
            ),
        ];
        let (name, meaning) = errors
            .iter()
            .find(|(r, _, _)| *r == ret)
            .map_or(("unknown", "unknown return code"), |&(_, n, m)| (n, m));
        let said = glpk::last_output();
        let message = if said.is_empty() {
            format!("{meaning} (return code {ret})")
        } else {
            format!("{meaning} (return code {ret}); GLPK said: {said}")
        };
        Err(LpError::Solver {
            solver,
            code: name,
            message,
        })
    }

    // -- Results --

    fn solution(&self, what: &str) -> Result<SolutionKind, LpError> {
        self.solved
            .ok_or_else(|| LpError::NoSolution(format!("{what}: the problem has not been solved since it was made or rows/columns were deleted")))
    }

    /// The objective value of the last solution.
    ///
    /// # Errors
    ///
    /// [`LpError::NoSolution`] before a solve.
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
    /// A foreign or deleted variable, [`LpError::NoSolution`].
    pub fn value(&self, v: Var) -> Result<f64, LpError> {
        Ok(self.values(&[v])?[0])
    }

    /// The values of `vars` (one guarded pass over GLPK).
    ///
    /// # Errors
    ///
    /// As [`Problem::value`].
    pub fn values(&self, vars: &[Var]) -> Result<Vec<f64>, LpError> {
        let kind = self.solution("values")?;
        let cols = vars
            .iter()
            .map(|&v| self.col(v, &|| "value".to_owned()))
            .collect::<Result<Vec<i32>, LpError>>()?;
        self.col_results(kind, &cols, false)
    }

    /// Every variable's value, indexed by [`Var::index`] (NaN for deleted variables).
    ///
    /// # Errors
    ///
    /// [`LpError::NoSolution`].
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
    /// As [`Problem::value`], and [`LpError::NoSolution`] after a MIP solve (no duals).
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
            return Err(LpError::NoSolution(
                "a MIP solution has no duals or reduced costs".into(),
            ));
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

    fn row_result(&self, r: Row, dual: bool, what: &str) -> Result<f64, LpError> {
        let kind = self.solution(what)?;
        let i = self.row_num(r, &|| what.to_owned())?;
        if dual && kind == SolutionKind::Mip {
            return Err(LpError::NoSolution("a MIP solution has no duals".into()));
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
    /// A foreign or deleted row, [`LpError::NoSolution`].
    pub fn row_value(&self, r: Row) -> Result<f64, LpError> {
        self.row_result(r, false, "row_value")
    }

    /// A row's dual value (shadow price) in the last LP solution.
    ///
    /// # Errors
    ///
    /// As [`Problem::row_value`], and [`LpError::NoSolution`] after a MIP solve.
    pub fn dual(&self, r: Row) -> Result<f64, LpError> {
        self.row_result(r, true, "dual")
    }

    // -- Files --

    fn path_c(path: &Path) -> Result<CString, LpError> {
        let s = path.to_str().ok_or_else(|| LpError::Io {
            path: path.display().to_string(),
            message: "the path is not UTF-8".into(),
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
        Ok(())
    }

    /// Calls GLPK directly on this problem's `glp_prob *`, guarded: a GLPK error becomes
    /// [`LpError::Glpk`]. For what the modeler does not wrap; [`Glpk::ffi`] has every GLPK
    /// function declared. Rows or columns the closure adds get handles afterwards.
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
        self.adopt()?;
        Ok(r)
    }
}

/// Handles ↔ GLPK numbers (1-based) of columns or rows. Until the first deletion, handle `k`
/// is number `k + 1` and no table is kept; GLPK keeps the survivors of a deletion in order.
#[derive(Default)]
struct Numbering {
    /// Handles made so far (ids `0..made`).
    made: usize,
    /// After a deletion: id → number (0 once deleted), and number - 1 → id.
    map: Option<(Vec<i32>, Vec<u32>)>,
}

impl Numbering {
    /// How many are in the problem.
    fn len(&self) -> usize {
        self.map.as_ref().map_or(self.made, |(_, ids)| ids.len())
    }

    /// How many handles were made (deleted ones included).
    fn made(&self) -> usize {
        self.made
    }

    /// The number of handle `id`, 0 if it was deleted (or never made).
    #[inline]
    fn num(&self, id: u32) -> i32 {
        match &self.map {
            None if (id as usize) < self.made => id as i32 + 1,
            None => 0,
            Some((nums, _)) => nums.get(id as usize).copied().unwrap_or(0),
        }
    }

    /// The handle of number `num` (1-based, in range).
    fn id(&self, num: i32) -> u32 {
        match &self.map {
            None => num as u32 - 1,
            Some((_, ids)) => ids[num as usize - 1],
        }
    }

    /// The handles, in number order.
    fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (1..=self.len() as i32).map(|k| self.id(k))
    }

    /// A new handle, numbered after the last.
    fn push(&mut self) -> u32 {
        let id = self.made as u32;
        self.made += 1;
        if let Some((nums, ids)) = &mut self.map {
            ids.push(id);
            nums.push(ids.len() as i32);
        }
        id
    }

    /// Forgets the handles from `made` on (the last ones made; none deleted since).
    fn truncate(&mut self, made: usize) {
        let dropped = self.made - made;
        self.made = made;
        if let Some((nums, ids)) = &mut self.map {
            nums.truncate(made);
            ids.truncate(ids.len() - dropped);
        }
    }

    /// Marks `deleted` as deleted and renumbers the rest in order.
    fn delete(&mut self, deleted: impl Iterator<Item = u32>) {
        let (nums, ids) = self.map.get_or_insert_with(|| {
            let nums = (1..=self.made as i32).collect();
            let ids = (0..self.made as u32).collect();
            (nums, ids)
        });
        for id in deleted {
            nums[id as usize] = 0;
        }
        ids.retain(|&id| nums[id as usize] != 0);
        for (k, &id) in ids.iter().enumerate() {
            nums[id as usize] = k as i32 + 1;
        }
    }
}
