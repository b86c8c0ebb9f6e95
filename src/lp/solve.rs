//! Solving: [`Problem::solve`], the three GLPK solvers, and what a solve ends with.

use std::sync::Arc;
use std::time::Duration;

use crate::{CData, Value};

use super::error::{LpError, Unsolved};
use super::glpk;
use super::params::{
    Basis, Branching, Interior, Method, Mip, MsgLevel, Ordering, Pricing, RatioTest, Simplex,
};
use super::problem::Problem;

/// A solution's status (`glp_get_status`, `glp_ipt_status`, `glp_mip_status`), as GLPK
/// distinguishes them. A solve that ends [`Optimal`](Status::Optimal) or
/// [`Feasible`](Status::Feasible) has a solution ([`Outcome`]); any other status is
/// [`LpError::NoSolution`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

impl Status {
    /// GLPK's name for the status, e.g. `GLP_NOFEAS`.
    pub fn name(self) -> &'static str {
        match self {
            Status::Optimal => "GLP_OPT",
            Status::Feasible => "GLP_FEAS",
            Status::Infeasible => "GLP_INFEAS",
            Status::NoFeasible => "GLP_NOFEAS",
            Status::Unbounded => "GLP_UNBND",
            Status::Undefined => "GLP_UNDEF",
        }
    }

    /// Whether a solution with this status has values to read (optimal or feasible).
    pub fn has_solution(self) -> bool {
        matches!(self, Status::Optimal | Status::Feasible)
    }

    /// What the status means, for messages.
    pub(super) fn meaning(self) -> &'static str {
        match self {
            Status::Optimal => "optimal (GLP_OPT)",
            Status::Feasible => "feasible, optimality not proven (GLP_FEAS)",
            Status::Infeasible => "the solver stopped at an infeasible point (GLP_INFEAS)",
            Status::NoFeasible => "the problem has no feasible solution (GLP_NOFEAS)",
            Status::Unbounded => "the problem is unbounded (GLP_UNBND)",
            Status::Undefined => "the solver stopped before it had one (GLP_UNDEF)",
        }
    }
}

/// A solver's non-error return code: a limit reached, or what the presolver found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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

    /// What the code means, for messages.
    pub(super) fn meaning(self) -> &'static str {
        match self {
            Code::ObjLowerLimit => "the objective reached its lower limit (GLP_EOBJLL)",
            Code::ObjUpperLimit => "the objective reached its upper limit (GLP_EOBJUL)",
            Code::IterationLimit => "after the iteration limit (GLP_EITLIM)",
            Code::TimeLimit => "after the time limit (GLP_ETMLIM)",
            Code::NoPrimalFeasible => {
                "the presolver found no primal feasible solution (GLP_ENOPFS)"
            }
            Code::NoDualFeasible => "the presolver found no dual feasible solution (GLP_ENODFS)",
            Code::MipGap => "the MIP gap tolerance was reached (GLP_EMIPGAP)",
            Code::Stopped => "the search was stopped (GLP_ESTOP)",
            Code::NoFeasible => "no feasible solution (GLP_ENOFEAS)",
            Code::NoConvergence => "very slow convergence or divergence (GLP_ENOCVG)",
            Code::Instability => "numerical instability (GLP_EINSTAB)",
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

/// A solution a solve found: it exists only when there is one (the status is optimal or
/// feasible); a solve without one is [`LpError::NoSolution`].
///
/// A feasible solution is one GLPK did not prove optimal: a MIP stopped by a limit or by the
/// gap tolerance with an integer solution in hand, or an LP stopped by a limit at a primal
/// feasible basis. Its values can be read like an optimal one's; [`Outcome::code`] says why
/// the solver stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct Outcome {
    /// [`Status::Optimal`] or [`Status::Feasible`], never another.
    pub status: Status,
    /// The solver's return code when it was not 0 and not an error: a limit, or the gap.
    pub code: Option<Code>,
    /// The objective value of the solution.
    pub objective: f64,
    /// Which solver found it.
    pub kind: SolutionKind,
}

impl Outcome {
    /// Whether the solution is proven optimal.
    pub fn is_optimal(&self) -> bool {
        self.status == Status::Optimal
    }
}

impl Problem {
    // -- Solving --

    /// Solves with the defaults: [`Problem::intopt`] with [`Mip::default`] if the problem has
    /// integer variables, else [`Problem::simplex`] with [`Simplex::default`].
    ///
    /// # Errors
    ///
    /// As [`Problem::simplex`] and [`Problem::intopt`]: [`LpError::NoSolution`] when the
    /// problem has no feasible solution, is unbounded, or the solver stopped without one.
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
            .type_of(ty)
            .and_then(|t| Ok(t.alloc_zeroed()?))
            .map_err(|e| LpError::Binding {
                what: ty.to_owned(),
                source: Arc::new(e),
            })?;
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
    /// objective. The solution, or its absence, becomes the problem's current one.
    fn finish(
        &mut self,
        kind: SolutionKind,
        solver: &'static str,
        ret: i32,
    ) -> Result<Outcome, LpError> {
        let code = self.code(solver, ret).inspect_err(|_| {
            self.solved = Err(Unsolved::SolverFailed(solver));
        })?;
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
        if !status.has_solution() {
            return Err(self.no_solution(solver, status, code));
        }
        let outcome = Outcome {
            status,
            code,
            objective,
            kind,
        };
        self.solved = Ok(outcome);
        Ok(outcome)
    }

    /// Records that the last solve found no solution, and says so.
    fn no_solution(&mut self, solver: &'static str, status: Status, code: Option<Code>) -> LpError {
        self.solved = Err(Unsolved::NoSolution { status, code });
        LpError::NoSolution {
            solver,
            status,
            code,
        }
    }

    fn set_param(data: &CData<'_>, field: &str, v: i32) -> Result<(), LpError> {
        data.set(field, v)
            .map_err(|e| Self::param_error(data, field, e.into()))
    }

    fn set_param_f64(data: &CData<'_>, field: &str, v: f64) -> Result<(), LpError> {
        data.set(field, Value::F64(v))
            .map_err(|e| Self::param_error(data, field, e.into()))
    }

    fn param_error(data: &CData<'_>, field: &str, e: crate::Error) -> LpError {
        LpError::Binding {
            what: format!("{}.{field}", data.type_name()),
            source: Arc::new(e),
        }
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
    /// [`LpError::NoSolution`] when the LP has no feasible solution or is unbounded, or a limit
    /// stopped the solver at an infeasible point (a limit that stops it at a feasible one is
    /// an [`Outcome`] with status [`Status::Feasible`] and its [`Outcome::code`]).
    /// [`LpError::Solver`] when GLPK cannot start or finish (`GLP_EBADB` after the basis was
    /// rebuilt, `GLP_ESING`, `GLP_ECOND`, `GLP_EBOUND`, `GLP_EFAIL`).
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
    /// [`LpError::NoSolution`] when the interior-point method finds none,
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
    /// relaxation is solved first with [`Mip::relaxation`]; if it has no optimum, neither
    /// has the MIP (solver `glp_intopt (LP relaxation)`: no feasible solution, unbounded, or,
    /// after a limit, undefined).
    ///
    /// A limit or the gap tolerance that stops the search with an integer solution in hand
    /// gives an [`Outcome`] with status [`Status::Feasible`] and the [`Outcome::code`].
    ///
    /// # Errors
    ///
    /// [`LpError::NoSolution`] when there is no integer feasible solution (or none was found
    /// before a limit: [`Status::Undefined`]), or the relaxation has no optimum;
    /// [`LpError::Solver`] as for [`Problem::simplex`], and for `glp_intopt`'s `GLP_EBOUND`,
    /// `GLP_EROOT`, `GLP_EFAIL`; [`LpError::Invalid`] for a bad [`Mip::gap`].
    pub fn intopt(&mut self, params: &Mip) -> Result<Outcome, LpError> {
        let c = *self.c();
        if !params.gap.is_finite() || params.gap < 0.0 {
            return Err(LpError::Invalid(format!(
                "Mip::gap must be finite and ≥ 0, not {}",
                params.gap
            )));
        }
        if !params.presolve {
            const RELAXATION: &str = "glp_intopt (LP relaxation)";
            let (status, code) = match self.simplex(&params.relaxation) {
                Ok(relaxed) if relaxed.is_optimal() => (Status::Optimal, None),
                // Stopped by a limit: whether there is an integer solution is unknown.
                Ok(relaxed) => (Status::Undefined, relaxed.code),
                Err(LpError::NoSolution { status, code, .. }) => (
                    match status {
                        Status::Unbounded => Status::Unbounded,
                        Status::Infeasible | Status::NoFeasible => Status::NoFeasible,
                        _ => Status::Undefined,
                    },
                    code,
                ),
                Err(e) => return Err(e),
            };
            if status != Status::Optimal {
                return Err(self.no_solution(RELAXATION, status, code));
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
}
