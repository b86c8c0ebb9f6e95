//! Solver parameters: [`Simplex`], [`Interior`] and [`Mip`], with GLPK's enumerations.

use std::time::Duration;

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

/// How much the solvers print (to the problem's [`Output`](super::Output)).
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
