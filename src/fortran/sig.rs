//! f2py-style call signatures: which arguments a caller gives, which are computed
//! (dimensions from array shapes, workspace sizes from a query), which come back, and what is
//! checked before the call. [`Sig::of`] derives one from a routine the way f2py's crackfortran
//! does for plain Fortran, plus Reference LAPACK's conventions (doxygen dimensions, `LWORK =
//! -1` workspace queries, `INFO`).

use std::fmt;

use super::expr::{self, Expr};
use super::model::{Bound, FType, Intent, ProcSig, Routine};
use super::wrap::PivotRule;

/// How an argument takes part in a call.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgRole {
    /// Given by the caller (an input, or an array updated in place or copied).
    Given,
    /// Given by the caller or, when left out, computed from `init`.
    Optional(Expr),
    /// Computed from `init`, never given (f2py's `intent(hide)`).
    Hidden(Expr),
    /// A workspace array whose size comes from a workspace query (the `LWORK = -1` call),
    /// with the name of its size argument (or of the size the documentation names, when no
    /// argument gives it and the query reports it in the array's first element).
    Workspace(String),
    /// The size of a workspace array (set by the query).
    WorkSize(String),
    /// LAPACK's `INFO`: an error when negative (an illegal argument) or positive.
    Info,
    /// Allocated by the call and returned (`intent(out)` with computable dimensions).
    Out,
}

/// One argument of a signature.
#[derive(Clone, Debug, PartialEq)]
pub struct SigArg {
    /// The dummy's name, upper case.
    pub name: String,
    /// Its type (`None` for a dummy procedure).
    pub ty: Option<FType>,
    /// The extents of an array, outermost last (column-major); empty for a scalar.
    pub dims: Vec<Expr>,
    /// Direction.
    pub intent: Intent,
    /// How it takes part.
    pub role: ArgRole,
    /// A dummy procedure's interface.
    pub callback: Option<Option<ProcSig>>,
    /// The intent was stated (declared, documented or in a signature file), not assumed: an
    /// `intent(in)` array is then passed without a copy.
    pub intent_stated: bool,
    /// Conditions checked before the call, from the documentation (`LDA >= max(1,N)`,
    /// `N >= 0`, the option letters of a `CHARACTER*1`): what would otherwise reach XERBLA.
    pub checks: Vec<Check>,
    /// 0-based indices for the caller, 1-based for the routine: given values are passed plus
    /// one, returned ones come back minus one. A `.pyf`'s callstatement says so (scipy's
    /// `for(i=0;i<n;++piv[i++])` before the call, `--piv[i++]` or `hi--` after).
    pub zero_based: bool,
    /// Scratch space the routine documents as an output (`RWORK`, `IWORK`, `BWORK` … of a
    /// signature derived from sources): allocated by the call, not returned, by the run-time
    /// call and by generated code alike. A signature file's outputs are all returned, as f2py
    /// returns them (scipy's `work`, whose first element is the optimal workspace size).
    pub scratch: bool,
}

/// A condition on an argument, checked before the call.
#[derive(Clone, Debug, PartialEq)]
pub enum Check {
    /// `NAME >= expr`.
    AtLeast(Expr),
    /// `NAME <= expr` (an INTEGER's documented range: `0 <= K <= N`).
    AtMost(Expr),
    /// One of these letters (any case, as LAPACK's LSAME compares).
    OneOf(Vec<char>),
    /// Not zero (BLAS's increments: `INCX must not be zero`).
    NonZero,
    /// A condition that must be true (a `.pyf`'s `check(…)`), in f2py's expression language.
    Expr(Expr),
    /// A pivot array's contents, as the routine reads them ([`wrap::pivots`]): `rule` for a
    /// matrix of order `order`; with `fact`, only when that argument is `'F'` (the expert
    /// drivers read the pivots given only then, and otherwise return new ones).
    ///
    /// [`wrap::pivots`]: super::wrap::pivots
    Pivots {
        /// How the routine reads the pivots.
        rule: super::wrap::PivotRule,
        /// The matrix's order.
        order: Expr,
        /// The argument that says whether the factorization is given.
        fact: Option<String>,
    },
}

impl SigArg {
    /// Whether the call returns it: outputs and in,out arguments, not `INFO` nor workspace
    /// nor scratch space.
    pub fn returned(&self) -> bool {
        self.intent != Intent::In
            && !self.scratch
            && !matches!(
                self.role,
                ArgRole::Info | ArgRole::Workspace(_) | ArgRole::WorkSize(_)
            )
    }
}

/// A routine's call signature.
#[derive(Clone, Debug, PartialEq)]
pub struct Sig {
    /// The routine's name, upper case.
    pub name: String,
    /// Its arguments, in the routine's order.
    pub args: Vec<SigArg>,
    /// A function's result type.
    pub result: Option<FType>,
    /// The function's integer result is an index, 0-based for the caller (a `.pyf`'s
    /// `i?amax_return_value = (*f2py_func)(…) - 1`).
    pub result_zero_based: bool,
    /// Arguments no check can vouch for, with what their documentation says they are: an
    /// INTEGER input that no extent or check names, whose documentation states no bound and
    /// that the routine does not reject itself (no `INFO = -k` for it before XERBLA: LAPACK's
    /// auxiliary routines check none), such as CHESWAPR's row indices `I1` and `I2` ("Index
    /// of the first row to swap") or ?LAQZ2's `ILO` and `IHI`; in any routine, an INTEGER array of indices into other arrays (xSTEIN's
    /// `ISPLIT`, the divide-and-conquer helpers' `PERM`, `GIVCOL` …) and pivots whose
    /// structure has no rule here (SYTRS_AA_2STAGE, LASWP). A wrong value reads or writes
    /// outside the arrays, so the safe calls refuse such a routine:
    /// [`Prepared::call_unchecked`](super::Prepared::call_unchecked) and `unsafe` generated
    /// methods call it. (Pivots of the families with a rule are checked: [`Check::Pivots`].)
    pub unchecked: Vec<(String, String)>,
    /// What a signature file's callstatement does to the arrays after the call.
    pub after: Vec<After>,
}

/// An operation a signature file's callstatement runs on an array after the call.
#[derive(Clone, Debug, PartialEq)]
pub enum After {
    /// scipy's `?potrf` `if(clean){…}`: when `when` is not 0, the strict triangle of `array`
    /// the factor does not use is zeroed: the strictly upper one when `upper` is not 0, else
    /// the strictly lower one.
    ZeroTriangle {
        /// The array (upper case), a matrix.
        array: String,
        /// The condition (`clean`).
        when: Expr,
        /// Which triangle (`lower`: the factor is L, the upper triangle is zeroed).
        upper: Expr,
    },
}

impl Sig {
    /// The signature f2py would give `r`: integer scalars that are a bare extent of an array
    /// argument become optional (their value the array's shape), `LWORK`-style sizes of
    /// workspace arrays (documented with `= -1`) are queried, `INFO` is checked, and
    /// `intent(out)` arrays whose extents are known are allocated and returned. Extents come
    /// from the declarations or, where those say `*`, from the doxygen `dimension (…)` line.
    pub fn of(r: &Routine) -> Sig {
        if let Some(sig) = &r.pyf {
            return sig.clone();
        }
        let mut args: Vec<SigArg> = r
            .dummies
            .iter()
            .map(|d| {
                let doc = r.doc.params.get(&d.name);
                let doc_dims = doc.and_then(|p| p.dims.clone());
                let mut dims = extents(&d.dims, doc_dims.as_deref());
                // A size the documentation defines only in prose, as the largest the routine
                // uses: `dimension (MAX(1,LWORK)), where LWORK >= N when NORM = 'I';
                // otherwise, WORK is not referenced` (the norms): LWORK is N.
                if let Some(p) = doc {
                    for x in dims.iter().flat_map(Expr::names).collect::<Vec<_>>() {
                        if r.dummies.iter().any(|d| d.name == x) {
                            continue;
                        }
                        let pos = dims.iter().position(|e| *e == Expr::Name(x.clone()));
                        let bound = doc_where_bound(&x, &p.text)
                            .or_else(|| doc_alternatives_bound(&x, pos, dims.len(), &p.text))
                            .or_else(|| doc_definition(&x, &p.text))
                            .or_else(|| doc_option_definition(&x, &p.text))
                            .or_else(|| doc_option_definition(&x, &r.doc.purpose))
                            .or_else(|| {
                                doc_minimums_bound(&x, &p.text, |n| {
                                    r.dummies.iter().any(|d| d.name == n)
                                })
                            });
                        if let Some(b) = bound {
                            for e in &mut dims {
                                *e = e.substitute(&x, &b);
                            }
                        }
                    }
                }
                let intent = d.intent.map_or(Intent::In, |i| i.0);
                let mut checks =
                    doc.map_or_else(Vec::new, |p| doc_checks(&d.name, &p.text, d.ty.as_ref()));
                // An option whose letters only the routine's purpose lists (the norms' `NORM =
                // 'M' or 'm' …`, which they do not check: another letter leaves the result
                // unset).
                if matches!(d.ty, Some(FType::Character { .. }))
                    && !checks.iter().any(|c| matches!(c, Check::OneOf(_)))
                {
                    let letters = purpose_letters(&d.name, &r.doc.purpose);
                    if letters.len() >= 2 {
                        checks.push(Check::OneOf(letters));
                    }
                }
                // The letters the body tests, where the routine rejects the others itself:
                // DGEMQRT documents `TRANS = 'C'` and accepts only 'T' (its `INFO = -2`
                // for anything but 'N' and 'T').
                let position = r.dummies.iter().position(|x| x.name == d.name);
                if position.is_some_and(|k| r.checked.contains(&(k + 1))) {
                    for c in &mut checks {
                        if let Check::OneOf(letters) = c {
                            for (_, l) in r.letters.iter().filter(|(n, _)| *n == d.name) {
                                if !letters.contains(l) {
                                    letters.push(*l);
                                }
                            }
                        }
                    }
                }
                SigArg {
                    name: d.name.clone(),
                    ty: d.ty.clone(),
                    dims,
                    intent,
                    role: ArgRole::Given,
                    callback: d.external.clone(),
                    // An input the routine writes and restores is not read-only: it is
                    // copied, or given mutably (`restored`).
                    intent_stated: d.intent.is_some() && !restored(r, &d.name, doc),
                    checks,
                    zero_based: false,
                    scratch: false,
                }
            })
            .collect();
        // BLAS's strided vectors: X with INCX touches 1+(n-1)*|incx| elements, also where
        // the documentation says `dimension (N)` (the .f90 norms do).
        let incs: Vec<String> = args
            .iter()
            .filter(|a| a.dims.is_empty() && a.name.starts_with("INC"))
            .map(|a| a.name.clone())
            .collect();
        for a in &mut args {
            let Some(last) = a.name.chars().last() else {
                continue;
            };
            // X with INCX, SX with INCX, X1 with INCX1 (DORBDB6).
            let whole = format!("INC{}", a.name);
            let inc = if incs.contains(&whole) {
                whole
            } else if a.name.len() <= 2 {
                format!("INC{last}")
            } else {
                continue;
            };
            if a.dims.len() != 1 || !incs.contains(&inc) || a.dims[0] == Expr::Int(-1) {
                continue;
            }
            // Strided with another vector's increment (SDSDOT documents SY with INCX): its
            // own.
            let other = a.dims[0]
                .names()
                .into_iter()
                .find(|x| *x != inc && incs.contains(x));
            if let Some(other) = other {
                a.dims[0] = a.dims[0].substitute(&other, &Expr::Name(inc.clone()));
            }
            if a.dims[0].names().contains(&inc) {
                continue;
            }
            let n = a.dims[0].clone();
            a.dims[0] = Expr::Binary(
                "+",
                Box::new(Expr::Int(1)),
                Box::new(Expr::Binary(
                    "*",
                    Box::new(Expr::Binary("-", Box::new(n), Box::new(Expr::Int(1)))),
                    Box::new(Expr::Call("abs".into(), vec![Expr::Name(inc)])),
                )),
            );
        }
        // INFO.
        for a in &mut args {
            if a.name == "INFO"
                && a.dims.is_empty()
                && matches!(a.ty, Some(FType::Integer { .. }))
                && a.intent == Intent::Out
            {
                a.role = ArgRole::Info;
            }
        }
        // Workspace pairs: an array whose only extent is MAX(1,L) or L for an integer scalar
        // L documented with a `= -1` query.
        let n = args.len();
        for i in 0..n {
            let Some(size) = workspace_size(&args[i]) else {
                continue;
            };
            let Some(j) = args.iter().position(|a| a.name == size) else {
                continue;
            };
            let queried = r
                .doc
                .params
                .get(&size)
                .is_some_and(|p| p.text.contains("= -1") || p.text.contains("=-1"));
            if !queried || !args[j].dims.is_empty() {
                continue;
            }
            args[i].role = ArgRole::Workspace(size.clone());
            args[j].role = ArgRole::WorkSize(args[i].name.clone());
        }
        // A workspace whose size no argument gives, but which the query reports in its first
        // element (?GELSD's `IWORK is INTEGER array, dimension (MAX(1,LIWORK)) LIWORK >= max(1,
        // 3 * MINMN * NLVL + 11 * MINMN) … IWORK(1) returns the minimum LIWORK`, a size
        // through ILAENV's SMLSIZ): allocated at that size after the query, like the others.
        if args.iter().any(|a| matches!(a.role, ArgRole::Workspace(_))) {
            for a in &mut args {
                let Some(size) = workspace_size(a) else {
                    continue;
                };
                let reported = r.doc.params.get(&a.name).is_some_and(|p| {
                    let t = p.text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let t = t.to_ascii_uppercase();
                    ["MINIMUM", "MINIMAL"]
                        .iter()
                        .any(|m| t.contains(&format!("{}(1) RETURNS THE {m} {size}", a.name)))
                });
                if reported
                    && a.role == ArgRole::Given
                    && a.intent == Intent::Out
                    && !r.dummies.iter().any(|d| d.name == size)
                {
                    a.role = ArgRole::Workspace(size);
                }
            }
        }
        // Bare extents: N in A(LDA,N) is shape(a,1), LDA is shape(a,0).
        for j in 0..n {
            if args[j].role != ArgRole::Given
                || !args[j].dims.is_empty()
                || !matches!(args[j].ty, Some(FType::Integer { .. }))
                || args[j].intent != Intent::In
            {
                continue;
            }
            let name = args[j].name.clone();
            let source = args.iter().find_map(|a| {
                if a.intent == Intent::Out && !matches!(a.role, ArgRole::Given) {
                    return None;
                }
                if a.intent == Intent::Out {
                    return None;
                }
                a.dims.iter().enumerate().find_map(|(k, d)| {
                    (*d == Expr::Name(name.clone())).then(|| (a.name.clone(), k, a.dims.len()))
                })
            });
            if let Some((array, k, rank)) = source {
                let a = Expr::Name(array);
                let init = if rank == 1 {
                    Expr::Call("len".into(), vec![a])
                } else {
                    Expr::Call("shape".into(), vec![a, Expr::Int(k as i64)])
                };
                args[j].role = ArgRole::Optional(init);
            }
        }
        // An output array whose extent is another output, known only after the call (the
        // `Z(LDZ, max(1,M))` of the expert eigensolvers, M the number of eigenvalues found),
        // gets that output's documented upper bound (`0 <= M <= N`) instead: the columns the
        // routine may fill.
        let bounds: Vec<(String, Expr)> = args
            .iter()
            .filter(|a| {
                a.intent == Intent::Out
                    && a.dims.is_empty()
                    && matches!(a.ty, Some(FType::Integer { .. }))
            })
            .filter_map(|a| {
                let doc = r.doc.params.get(&a.name)?;
                Some((a.name.clone(), doc_upper_bound(&a.name, &doc.text)?))
            })
            .collect();
        if !bounds.is_empty() {
            for a in &mut args {
                if a.intent == Intent::Out && a.role == ArgRole::Given && !a.dims.is_empty() {
                    for d in &mut a.dims {
                        for (name, bound) in &bounds {
                            *d = d.substitute(name, bound);
                        }
                    }
                }
            }
        }
        // Outputs allocated by the call: intent(out) arrays and scalars whose extents only
        // name scalars that are given, optional or set by a query (not outputs: their value
        // is known only after the call).
        for i in 0..n {
            if args[i].intent != Intent::Out || args[i].role != ArgRole::Given {
                continue;
            }
            if args[i].callback.is_some() {
                continue;
            }
            let known = args[i].dims.iter().all(|d| {
                d.names().iter().all(|x| {
                    args.iter()
                        .any(|a| &a.name == x && a.dims.is_empty() && a.intent != Intent::Out)
                })
            });
            if known {
                args[i].role = ArgRole::Out;
                args[i].scratch = !args[i].dims.is_empty() && args[i].name.ends_with("WORK");
            }
        }
        // What the documentation leaves out.
        for (pattern, arg, cond) in UNDOCUMENTED {
            let matches = pattern.len() == r.name.len()
                && pattern
                    .chars()
                    .zip(r.name.chars())
                    .all(|(p, c)| p == c || (p == '?' && "SDCZ".contains(c)));
            if let (true, Some(a), Ok(e)) = (
                matches,
                args.iter_mut().find(|a| a.name == *arg),
                expr::parse(cond),
            ) {
                a.checks.push(Check::Expr(e));
            }
        }
        // An INTEGER option the routine does not check, documented by its values
        // (?LA_GERCOND's `CMODE =  1 …`, `CMODE =  0 …`, `CMODE = -1 …`): one of those.
        for a in &mut args {
            let own = rejects_itself(r, &a.name);
            if !a.dims.is_empty()
                || a.role != ArgRole::Given
                || a.intent == Intent::Out
                || !a.checks.is_empty()
                || own
                || !matches!(a.ty, Some(FType::Integer { .. }))
            {
                continue;
            }
            let values = r
                .doc
                .params
                .get(&a.name)
                .map(|p| documented_values(&a.name, &p.text))
                .unwrap_or_default();
            if values.len() >= 2 {
                let name = a.name.to_ascii_lowercase();
                let alternatives: Vec<String> =
                    values.iter().map(|v| format!("{name} == {v}")).collect();
                if let Ok(e) = expr::parse(&alternatives.join(" || ")) {
                    a.checks.push(Check::Expr(e));
                }
            }
        }
        // Pivot arrays given (a factorization's): the family's rule, where it is known.
        let (mut loose_pivots, mut loose_indices) = (Vec::new(), Vec::new());
        let mut loose_structures: Vec<String> = Vec::new();
        let mut loose_permutations: Vec<String> = Vec::new();
        let has = |x: &str| args.iter().any(|a| a.name == x && a.dims.is_empty());
        let (order, fact) = (has("N"), has("FACT").then(|| "FACT".to_string()));
        let family = r.name.get(1..).unwrap_or_default();
        for a in &mut args {
            let pivots = matches!(a.name.as_str(), "IPIV" | "IPIV2" | "JPIV")
                && !a.dims.is_empty()
                && a.intent != Intent::Out
                && matches!(a.ty, Some(FType::Integer { .. }));
            // Other INTEGER arrays given are indices into other arrays, or counts and
            // pointers of them (the divide-and-conquer helpers' PERM, GIVCOL, INDXQ …,
            // xSTEIN's ISPLIT, xLAPMT's K, xLACN2's ISAVE), but for seeds (ISEED, used in
            // arithmetic) and QR's column choices (JPVT, only compared with 0).
            let indices = !pivots
                && !a.dims.is_empty()
                && a.intent != Intent::Out
                && a.role == ArgRole::Given
                && matches!(a.ty, Some(FType::Integer { .. }))
                && !matches!(a.name.as_str(), "ISEED" | "JPVT")
                && !a.name.starts_with("IWORK")
                && r.doc.params.get(&a.name).is_some_and(|p| {
                    let t = p.text.to_ascii_lowercase();
                    INDEX_WORDS.iter().any(|w| t.contains(w))
                });
            if indices {
                loose_indices.push(a.name.clone());
            }
            // xGEMQR/xGEMLQ's T, "Part of the data structure to represent Q as returned by
            // DGEQR": its header (T(2), T(3)) holds the block sizes the routine indexes T
            // and A with.
            if a.name == "T"
                && !a.dims.is_empty()
                && a.intent != Intent::Out
                && a.role == ArgRole::Given
                && r.doc.params.get(&a.name).is_some_and(|p| {
                    p.text
                        .to_ascii_lowercase()
                        .contains("part of the data structure")
                })
            {
                loose_structures.push(a.name.clone());
            }
            // ?GEBAK's SCALE, ?GGBAK's LSCALE/RSCALE ("Details of the permutations and
            // scaling factors … as returned by ?GGBAL"): row indices stored as reals, which
            // the routine swaps rows by (K = INT(SCALE(I)); V(K,1)).
            if !a.dims.is_empty()
                && a.intent == Intent::In
                && a.role == ArgRole::Given
                && matches!(a.ty, Some(FType::Real { .. }))
                && r.doc.params.get(&a.name).is_some_and(|p| {
                    let t = p.text.to_ascii_lowercase();
                    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                    t.contains("permutation") && t.contains("as returned by")
                })
            {
                loose_permutations.push(a.name.clone());
            }
            if !pivots {
                continue;
            }
            match PIVOTS.iter().find(|(_, names)| names.contains(&family)) {
                Some((rule, _)) if order && r.name.starts_with(['S', 'D', 'C', 'Z']) => {
                    a.checks.push(Check::Pivots {
                        rule: *rule,
                        order: Expr::Name("N".into()),
                        fact: fact.clone(),
                    });
                }
                _ => loose_pivots.push(a.name.clone()),
            }
        }
        // (A routine without arrays cannot be made to index outside them: ILAENV's
        // problem sizes. XERBLA (and XERBLA_ARRAY, which calls it) is the hooked handler. An argument the
        // routine rejects with `INFO = -k` is checked by the routine: ?LAQZ2 calls XERBLA,
        // but only for LWORK, and indexes A with ILO, IHI and NW unchecked.)
        let unchecked = if matches!(r.name.as_str(), "XERBLA" | "XERBLA_ARRAY")
            || !args.iter().any(|a| !a.dims.is_empty())
        {
            Vec::new()
        } else {
            unbounded(&args)
                .filter(|a| !rejects_itself(r, &a.name))
                .map(|a| {
                    let text = r.doc.params.get(&a.name).map_or("", |p| p.text.as_str());
                    (a.name.clone(), what_it_is(&a.name, text))
                })
                .collect()
        };
        let mut unchecked = unchecked;
        let loose = loose_pivots
            .into_iter()
            .map(|p| {
                (
                    p,
                    "pivot indices from a factorization, whose structure nothing checks",
                )
            })
            .chain(loose_indices.into_iter().map(|p| {
                (
                    p,
                    "indices into other arrays (or counts of them), whose values nothing checks",
                )
            }))
            .chain(loose_structures.into_iter().map(|p| {
                (
                    p,
                    "a data structure another routine returned, whose header holds the block \
                     sizes this one indexes it with, and whose contents nothing checks",
                )
            }))
            .chain(loose_permutations.into_iter().map(|p| {
                (
                    p,
                    "row indices another routine stored as reals, which this one swaps rows \
                     by and nothing checks",
                )
            }));
        for (p, why) in loose {
            if !unchecked.iter().any(|(a, _)| *a == p) {
                unchecked.push((p, why.into()));
            }
        }
        // A dummy procedure whose interface the sources do not state (no INTERFACE block, no
        // documented `is a LOGICAL FUNCTION of …`): its C type is `void *`, so no callback's
        // type can be checked against what the routine calls.
        for a in &args {
            if a.callback == Some(None) && !unchecked.iter().any(|(n, _)| *n == a.name) {
                unchecked.push((
                    a.name.clone(),
                    "a procedure whose interface the sources do not state".into(),
                ));
            }
        }
        Sig {
            name: r.name.clone(),
            args,
            result: r.result.clone(),
            result_zero_based: false,
            after: Vec::new(),
            unchecked,
        }
    }

    /// The arguments a caller gives, in order: the required ones in the routine's order, then
    /// the optional ones (as f2py orders them).
    pub fn given(&self) -> impl Iterator<Item = &SigArg> {
        let req = self.args.iter().filter(|a| a.role == ArgRole::Given);
        let opt = self
            .args
            .iter()
            .filter(|a| matches!(a.role, ArgRole::Optional(_)));
        req.chain(opt)
    }

    /// The values a call returns, in order: the function result (named after the routine),
    /// then outputs and updated arrays.
    pub fn returns(&self) -> impl Iterator<Item = &SigArg> {
        self.args.iter().filter(|a| a.returned())
    }
}

/// Whether `a` holds LU pivot indices: an INTEGER vector that `r`'s documentation describes
/// as "row i was interchanged with row IPIV(i)" (the `IPIV` of `getrf`, `getrs`, `gesv` …),
/// which callers may ask to be 0-based.
/// Whether `a`'s values are shifted between 0-based and 1-based around the call: always for a
/// `.pyf`'s [`SigArg::zero_based`], for LU pivots ([`is_pivot`]) when the caller asked for
/// 0-based pivots.
pub(crate) fn shifted(r: &Routine, a: &SigArg, zero_based_pivots: bool) -> bool {
    a.zero_based || (zero_based_pivots && is_pivot(r, a))
}

pub(crate) fn is_pivot(r: &Routine, a: &SigArg) -> bool {
    a.dims.len() == 1
        && matches!(a.ty, Some(FType::Integer { .. }))
        && r.doc.params.get(&a.name).is_some_and(|p| {
            p.text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_ascii_lowercase()
                .contains("interchanged with row")
        })
}

impl fmt::Display for Sig {
    /// f2py's docstring line: `ipiv, info = dgesv(a, b, [n, nrhs, lda, ldb])` (optional
    /// arguments in brackets, `INFO` becomes an error).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lower = |s: &str| s.to_ascii_lowercase();
        let mut outs: Vec<String> = Vec::new();
        if self.result.is_some() {
            outs.push(lower(&self.name));
        }
        outs.extend(self.returns().map(|a| lower(&a.name)));
        let req: Vec<String> = self
            .args
            .iter()
            .filter(|a| a.role == ArgRole::Given)
            .map(|a| lower(&a.name))
            .collect();
        let opt: Vec<String> = self
            .args
            .iter()
            .filter(|a| matches!(a.role, ArgRole::Optional(_)))
            .map(|a| lower(&a.name))
            .collect();
        if !outs.is_empty() {
            write!(f, "{} = ", outs.join(", "))?;
        }
        write!(f, "{}({}", lower(&self.name), req.join(", "))?;
        if !opt.is_empty() {
            if !req.is_empty() {
                f.write_str(", ")?;
            }
            write!(f, "[{}]", opt.join(", "))?;
        }
        f.write_str(")")
    }
}

/// The routine families (names without the precision letter) whose pivot arrays keep each
/// rule: what Reference LAPACK's code reads (traced through the routines it calls: GETRS's
/// DLASWP, SYTRS's two scans in opposite directions …). Input pivots of other routines
/// (SYTRS_AA_2STAGE's IPIV2, LASWP's `K1..K2` slice) are [`Sig::unchecked`].
const PIVOTS: &[(PivotRule, &[&str])] = &[
    (
        PivotRule::Rows,
        &[
            "GETRS",
            "GERFS",
            "GESVX",
            "GESVXX",
            "GERFSX",
            "GETRI",
            "GBTRS",
            "GBRFS",
            "GBCON",
            "GBSVX",
            "GBSVXX",
            "GBRFSX",
            "GESC2",
            "LATDF",
            "SYTRS_AA",
            "HETRS_AA",
            "LA_GERCOND",
            "LA_GERCOND_C",
            "LA_GERCOND_X",
            "LA_GERFSX_EXTENDED",
            "LA_GBRCOND",
            "LA_GBRCOND_C",
            "LA_GBRCOND_X",
            "LA_GBRFSX_EXTENDED",
        ],
    ),
    (
        PivotRule::Tridiagonal,
        &["GTTS2", "GTTRS", "GTCON", "GTRFS", "GTSVX"],
    ),
    (
        PivotRule::Symmetric,
        &[
            "SYTRS",
            "SYCON",
            "SYRFS",
            "SYSVX",
            "SYRFSX",
            "SYSVXX",
            "SYTRI",
            "SYTRS_ROOK",
            "SYCON_ROOK",
            "SYTRI_ROOK",
            "SYTRS_3",
            "SYCON_3",
            "SYTRI_3",
            "SYTRI_3X",
            "SYTRS2",
            "SYTRI2",
            "SYTRI2X",
            "SYCONV",
            "SYCONVF",
            "SYCONVF_ROOK",
            "HETRS",
            "HECON",
            "HERFS",
            "HESVX",
            "HERFSX",
            "HESVXX",
            "HETRI",
            "HETRS_ROOK",
            "HECON_ROOK",
            "HETRI_ROOK",
            "HETRS_3",
            "HECON_3",
            "HETRI_3",
            "HETRI_3X",
            "HETRS2",
            "HETRI2",
            "HETRI2X",
            "SPTRS",
            "SPCON",
            "SPRFS",
            "SPSVX",
            "SPTRI",
            "HPTRS",
            "HPCON",
            "HPRFS",
            "HPSVX",
            "HPTRI",
            "LA_SYRCOND",
            "LA_SYRCOND_C",
            "LA_SYRCOND_X",
            "LA_SYRFSX_EXTENDED",
            "LA_SYRPVGRW",
            "LA_HERCOND_C",
            "LA_HERCOND_X",
            "LA_HERFSX_EXTENDED",
            "LA_HERPVGRW",
        ],
    ),
];

/// Words that make an INTEGER array's documentation say it holds indices, or counts or
/// pointers of them (every such array of Reference LAPACK 3.12 has one, but ?LALSA's `K`,
/// whose routine's `PERM` has).
const INDEX_WORDS: &[&str] = &[
    "index",
    "indices",
    "permut",
    "pointer",
    "split",
    "block",
    "position",
    "location",
    "deflat",
    "rotation",
    "save",
    "sort",
    "number of",
    "as returned",
    "details of",
];

/// Conditions routines rely on that their documentation does not state, found by the random
/// calls of `.ci/fuzz-fortran` (a routine pattern, `?` for the precision letter, the argument
/// and the condition, in f2py's expression language): ILA?LR reads `A(M,1)` and `A(M,N)`
/// whenever `M > 0`, also when `N = 0` (before the array); ILA?LC reads `A(1,N)` and `A(M,N)`
/// whenever `N > 0`, also when `M = 0`; ?LATDF's work arrays are local, of 8 elements;
/// ?LAQGB's `LDAB` is documented under another name; ?GEQRT3 (?GELQT3: `M`), ?LAEIN, ?GESC2 and the `_RK`
/// panel factorizations need `N >= 1` where they document `N >= 0`; ?LABRD reduces `NB <=
/// min(M,N)` rows and columns; ?SYTRI2X loops forever with a block size of 0; ?TGSJA writes
/// `ALPHA(K+1:K+L)` of N elements; ?GELSS of LAPACK 3.11 and older touches column 1 of B
/// with `NRHS = 0`; ?LAQZ0 documents `REC` as 0 on the first call.
const UNDOCUMENTED: &[(&str, &str, &str)] = &[
    ("ILA?LR", "N", "m == 0 || n >= 1"),
    ("ILA?LC", "M", "n == 0 || m >= 1"),
    // Its local arrays (XM(8) …) hold 8 elements.
    ("?LATDF", "N", "n <= 8"),
    // Documented as `LDA >= KL+KU+1`, a name the routine does not have.
    ("?LAQGB", "LDAB", "ldab >= kl + ku + 1"),
    // Documented `LDAB >= max(1,M)`; they check LDAB < KL+KU+1 in 32-bit arithmetic, which a
    // KU near 2^31 wraps past (a read far outside AB: .ci/fuzz-fortran with seed 12).
    ("?GBEQUB", "LDAB", "ldab >= kl + ku + 1"),
    ("?LA_GBAMV", "LDAB", "ldab >= kl + ku + 1"),
    // Documented N >= 0; N = 0 recurses forever (N1 = N/2 = 0): a stack overflow.
    ("?GEQRT3", "N", "n >= 1"),
    ("?GELQT3", "M", "m >= 1"),
    // Documented N >= 0; with N = 0 it scales by V(I?AMAX(0,…)), V(0).
    ("?LAEIN", "N", "n >= 1"),
    // "REC indicates the current recursion level. Should be set to 0 on first call."
    ("?LAQZ0", "REC", "rec >= 0"),
    // Documented with no bound; with N = 0 it compares RHS(I?AMAX(0,…)) = RHS(0) with A(0,0),
    // both before the arrays, and the SCALE returned depends on them (found by
    // .ci/fuzz-fortran's guarded arrays).
    ("?GESC2", "N", "n >= 1"),
    // LAPACK 3.11 and older (Debian 12's) read and write B(1..N, 1) when NRHS = 0 (an ELSE
    // that 3.12 made `ELSE IF (NRHS.EQ.1)`): B may then hold no element (guarded fuzz, seed 5).
    ("?GELSS", "NRHS", "nrhs >= 1"),
    // The leading rows and columns it reduces: A(I,I) up to I = NB.
    ("?LABRD", "NB", "nb <= min(m, n)"),
    // Documented N >= 0; they set E(N) (lower) or E(1) (upper) first: E(0) when N = 0.
    ("?SYTF2_RK", "N", "n >= 1"),
    ("?HETF2_RK", "N", "n >= 1"),
    ("?LASYF_RK", "N", "n >= 1"),
    ("?LAHEF_RK", "N", "n >= 1"),
    // The subblocks it writes: ALPHA(K+1:K+L) and BETA(K+1:K+L), of N elements.
    ("?TGSJA", "L", "k >= 0 && l >= 0 && k + l <= n"),
    // A block size of 0 never advances its blocked loop.
    ("?SYTRI2X", "NB", "nb >= 1"),
    ("?HETRI2X", "NB", "nb >= 1"),
    // The same in the _3X variants (NNB = 0 never lowers CUT: a hang found by
    // .ci/fuzz-fortran with seed 17).
    ("?SYTRI_3X", "NB", "nb >= 1"),
    ("?HETRI_3X", "NB", "nb >= 1"),
];

/// Whether the routine rejects its argument `name` itself: it calls XERBLA, and its body sets
/// `INFO = -k` for that argument's position ([`Routine::checked`]).
fn rejects_itself(r: &Routine, name: &str) -> bool {
    r.calls_xerbla
        && r.dummies
            .iter()
            .position(|d| d.name == name)
            .is_some_and(|i| r.checked.contains(&(i + 1)))
}

/// The values an INTEGER option's documentation lists (`CMODE =  1    op2(C) = C`, `CMODE =
/// -1 …`; `PP=0 for ping, PP=1 for pong`), each once, in order.
fn documented_values(name: &str, text: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for rest in after_equals(text, name) {
        let end = rest
            .char_indices()
            .find(|&(k, c)| !(c.is_ascii_digit() || (k == 0 && c == '-')))
            .map_or(rest.len(), |(k, _)| k);
        if let Ok(v) = rest[..end].parse::<i64>()
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// What follows each `NAME =` in `text` (the whole word `name`, blanks allowed around the
/// `=`), from its first non-blank.
fn after_equals<'t>(text: &'t str, name: &'t str) -> impl Iterator<Item = &'t str> {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(i) = text[from..].find(name).map(|i| i + from) {
            from = i + name.len();
            if !word_starts(text, i) {
                continue;
            }
            if let Some(rest) = text[from..].trim_start().strip_prefix('=') {
                return Some(rest.trim_start());
            }
        }
        None
    })
}

/// Whether a name found at byte `i` of `text` begins there (is not the end of a longer name).
fn word_starts(text: &str, i: usize) -> bool {
    !text[..i]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The INTEGER inputs (or in,out scalars) a caller gives that bound nothing the call checks
/// and that nothing bounds: no extent or check of any argument names them, and they have no
/// check of their own.
fn unbounded(args: &[SigArg]) -> impl Iterator<Item = &SigArg> {
    let named = |x: &str| {
        args.iter().any(|b| {
            b.dims.iter().any(|d| d.names().iter().any(|n| n == x))
                || b.checks.iter().any(|c| match c {
                    Check::AtLeast(e)
                    | Check::AtMost(e)
                    | Check::Expr(e)
                    | Check::Pivots { order: e, .. } => e.names().iter().any(|n| n == x),
                    Check::NonZero | Check::OneOf(_) => false,
                })
        })
    };
    args.iter().filter(move |a| {
        a.dims.is_empty()
            && a.role == ArgRole::Given
            && a.intent != Intent::Out
            && matches!(a.ty, Some(FType::Integer { .. }))
            && a.checks.is_empty()
            && !named(&a.name)
    })
}

/// The first sentence of an argument's documentation after its `NAME is TYPE` line.
fn what_it_is(name: &str, text: &str) -> String {
    let flat: Vec<&str> = text.split_whitespace().collect();
    let mut words = flat.as_slice();
    if words.first().is_some_and(|w| w.eq_ignore_ascii_case(name))
        && words.get(1).is_some_and(|w| *w == "is")
    {
        words = &words[words.len().min(3)..];
    }
    let joined = words.join(" ");
    let end = joined.find(". ").map_or(joined.len(), |i| i + 1);
    let s = joined[..end].trim_end_matches('.').to_string();
    if s.is_empty() {
        "undocumented".into()
    } else {
        s
    }
}

/// The option letters a routine's purpose gives `name`: every quoted letter after `NAME =` on
/// the lines that say `NAME = '…'` (upper case, each once).
fn purpose_letters(name: &str, purpose: &str) -> Vec<char> {
    let head = format!("{} = '", name.to_ascii_uppercase());
    let mut out = Vec::new();
    for l in purpose.lines() {
        let upper = l.to_ascii_uppercase();
        let Some(i) = upper.find(&head) else {
            continue;
        };
        if !word_starts(&upper, i) {
            continue;
        }
        let rest = &upper[i + head.len() - 1..];
        let mut parts = rest.split('\'');
        parts.next();
        // Every other part is quoted: `'M' or 'm'` splits as ["", "M", " or ", "M", ""].
        for (k, q) in parts.enumerate() {
            let mut cs = q.chars();
            if k % 2 == 0
                && let (Some(c), None) = (cs.next(), cs.next())
                && !out.contains(&c)
            {
                out.push(c);
            }
        }
    }
    out
}

/// A size an array's documentation defines after its extents: `dimension (0:nt-1);
/// nt=N*(N+1)/2.` (the RFP routines) gives `N*(N+1)/2` for `NT`.
fn doc_definition(name: &str, text: &str) -> Option<Expr> {
    let upper = text.to_ascii_uppercase();
    for rest in after_equals(&upper, name) {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ';' || c == ',')
            .unwrap_or(rest.len());
        let e = rest[..end].trim_end_matches('.');
        if let Some(e) = expr::parse(e).ok().filter(integral) {
            return Some(e);
        }
    }
    None
}

/// Whether the routine writes an argument documented as an input and restores it before
/// returning: its documentation says so (`A is modified by the routine but restored on exit`,
/// the unblocked ?ORM2R/?ORML2 … and ?LARZT, ?TREVC, ?HEGS2), or it is the reflectors (`A`,
/// `AP`) of a routine that applies Q through those (the ?ORM*/?UNM* and ?OPMTR/?UPMTR
/// families, whose own documentation does not say it), or ?HETRS2's A (converted in place by
/// ?SYCONV and back), or the body assigns to it ([`Routine::assigned`]: ?BDSVDX's `D` and
/// `E`, ?LAED9's `W`), or LAPACK 3.11 did (?LAED3/?LAED9's `DLAMBDA`, ?LASD3/?LASD8's
/// `DSIGMA`: a library older than the sources).
/// Passed read-only, such an array is written through a shared borrow (a crash for a
/// constant in read-only memory).
fn restored(r: &Routine, name: &str, doc: Option<&super::model::ParamDoc>) -> bool {
    let said = doc.is_some_and(|p| {
        let t = p.text.to_ascii_lowercase();
        t.contains("modified") && t.contains("restored")
    });
    let family = ["ORM", "UNM", "OPM", "UPM"]
        .iter()
        .any(|f| r.name.get(1..4) == Some(*f))
        && matches!(name, "A" | "AP");
    // ?HETRS2 converts A in place with ?SYCONV and back (?SYTRS2 documents A as in,out
    // for that reason; found by .ci/fuzz-fortran's read-only inputs). `propagate_writes`
    // sees it when ?SYCONV's source is read too; this holds when ?HETRS2 is read alone.
    let converted = r.name.get(1..) == Some("HETRS2") && name == "A";
    // LAPACK 3.11 and older (Debian 12's) round these in place (`DLAMBDA(I) =
    // DLAMC3(DLAMBDA(I), DLAMBDA(I)) - DLAMBDA(I)`); 3.12 documents them as inputs.
    let older = match r.name.get(1..) {
        Some("LAED3" | "LAED9") => name == "DLAMBDA",
        Some("LASD3" | "LASD8") => name == "DSIGMA",
        _ => false,
    };
    said || family || converted || older || r.assigned.iter().any(|a| a == name)
}

/// A name the documentation defines by an option: `Let nq = m if SIDE = 'L' and nq = n if
/// SIDE = 'R'` (xORMBR's purpose) gives `SIDE=='L' ? M : N` (the option's letters are
/// checked, so the other one is the second).
fn doc_option_definition(name: &str, text: &str) -> Option<Expr> {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let upper = flat.to_ascii_uppercase();
    let head = format!("{name} = ");
    let mut from = 0;
    while let Some(i) = upper[from..].find(&head).map(|i| i + from) {
        from = i + head.len();
        if !word_starts(&upper, i) {
            continue;
        }
        // `A if OPT = 'X' and NAME = B if OPT = 'Y'`.
        let rest = &upper[from..];
        let Some((a, rest)) = rest.split_once(" IF ") else {
            continue;
        };
        let Some((opt, rest)) = rest.split_once(" = '") else {
            continue;
        };
        let Some((x, rest)) = rest.split_once('\'') else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(&format!("AND {head}")) else {
            continue;
        };
        let Some((b, rest)) = rest.split_once(" IF ") else {
            continue;
        };
        let same_option = rest
            .trim_start()
            .strip_prefix(opt.trim())
            .is_some_and(|r| r.trim_start().starts_with('='));
        if !same_option || x.len() != 1 || !expr::is_ident(opt.trim()) {
            continue;
        }
        let (Ok(a), Ok(b)) = (expr::parse(a.trim()), expr::parse(b.trim())) else {
            continue;
        };
        if !integral(&a) || !integral(&b) {
            continue;
        }
        return Some(Expr::Cond(
            Box::new(Expr::Binary(
                "==",
                Box::new(Expr::Name(opt.trim().to_string())),
                Box::new(Expr::Str(x.to_string())),
            )),
            Box::new(a),
            Box::new(b),
        ));
    }
    None
}

/// What an array's documentation says a size it names (and no argument is) must be at least:
/// `where LWORK >= N when …` gives `N`.
fn doc_where_bound(name: &str, text: &str) -> Option<Expr> {
    let flat = text.replace('\n', " ");
    let upper = flat.to_ascii_uppercase();
    let head = format!("WHERE {} >= ", name.to_ascii_uppercase());
    let i = upper.find(&head)? + head.len();
    let rest = &flat[i..];
    let end = [" when", " WHEN", ";", ","]
        .iter()
        .filter_map(|t| rest.find(t))
        .min()
        .unwrap_or(rest.len());
    expr::parse(rest[..end].trim()).ok()
}

/// The largest of the minimums an array's documentation states for a size it names (and no
/// argument is), each under whatever condition it holds, with the names the text defines
/// (`Let mx = max(M,N) and mn = min(M,N).`) replaced: ZGESDD's `If JOBZ = 'N', LRWORK >=
/// 5*mn; else if mx >> mn, LRWORK >= 5*mn*mn + 5*mn; else LRWORK >= max( 5*mn*mn + 5*mn,
/// 2*mx*mn + 2*mn*mn + mn ).` gives the largest of the three, enough for every option.
/// `None` unless every minimum stated parses and names only arguments (`known`): one the
/// text gives through `ILAENV` or in words leaves the size unknown.
fn doc_minimums_bound(name: &str, text: &str, known: impl Fn(&str) -> bool) -> Option<Expr> {
    let flat = text.replace('\n', " ").to_ascii_uppercase();
    // `Let mx = max(M,N) and mn = min(M,N).`
    let mut defs: Vec<(String, Expr)> = Vec::new();
    for (i, _) in flat.match_indices("LET ") {
        if !word_starts(&flat, i) {
            continue;
        }
        // (A sentence that is not such definitions defines nothing.)
        let parts: Option<Vec<(String, Expr)>> = minimum_text(&flat[i + 4..], false)
            .split(" AND ")
            .map(|part| {
                let (n, e) = part.split_once('=')?;
                let n = n.trim();
                let ident =
                    !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                ident.then(|| Some((n.to_string(), expr::parse(e.trim()).ok()?)))?
            })
            .collect();
        defs.extend(parts.unwrap_or_default());
    }
    // Every mention of the size is a minimum read here or in the extent itself
    // (`MAX(1,LRWORK)`): one in another form (`LRWORK must be at least …`, `LRWORK = …`)
    // could be the largest, and is not read.
    let upper_name = name.to_ascii_uppercase();
    let other_form = flat.match_indices(&upper_name).any(|(i, _)| {
        let after = flat[i + upper_name.len()..].trim_start();
        let word_end = !flat[i + upper_name.len()..]
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        word_starts(&flat, i)
            && word_end
            && ![">=", ")", ",", "MUST BE AT LEAST"]
                .iter()
                .any(|f| after.starts_with(f))
    });
    // `lwork must be at least max(1,6*N) when JOB = 'S' or 'B', and at least 1 when …`
    // (?GGBAL): every `at least` of the text is one of these, else some other size's may be.
    let heads = [
        format!("{upper_name} >="),
        format!("{upper_name} MUST BE AT LEAST"),
        "AND AT LEAST".to_string(),
    ];
    let starts: Vec<(usize, usize)> = heads
        .iter()
        .enumerate()
        .flat_map(|(k, h)| {
            flat.match_indices(h.as_str())
                .filter(|&(i, _)| word_starts(&flat, i))
                .map(move |(i, _)| (k, i + h.len()))
        })
        .collect();
    let at_least = starts.iter().filter(|(k, _)| *k > 0).count();
    if other_form || flat.matches("AT LEAST").count() != at_least {
        return None;
    }
    let mut values = Vec::new();
    for &(_, at) in &starts {
        let mut e = expr::parse(minimum_text(&flat[at..], true)).ok()?;
        for (n, d) in &defs {
            e = e.substitute(n, d);
        }
        if !e.names().iter().all(|n| known(n)) || !integral(&e) {
            return None;
        }
        values.push(e);
    }
    match values.len() {
        0 => None,
        1 => values.pop(),
        _ => Some(Expr::Call("max".into(), values)),
    }
}

/// The expression `text` begins with: up to the end of its clause (`;`, a sentence's `.`, a
/// top-level `,` when `comma` ends it, a condition: ` IF `, ` WHEN `, ` OR `, ` WHERE `) or
/// a parenthesised remark after it (`5*MN (LAPACK <= 3.6 NEEDS 7*MN)`).
fn minimum_text(text: &str, comma: bool) -> &str {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        let rest = &text[i..];
        match c {
            '(' if depth == 0
                && text[..i].ends_with(' ')
                && text[..i]
                    .trim_end()
                    .ends_with(|c: char| c.is_ascii_alphanumeric() || c == ')') =>
            {
                return text[..i].trim();
            }
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth > 0 => {}
            ';' => return text[..i].trim(),
            ',' if comma => return text[..i].trim(),
            '.' if rest[1..].starts_with(char::is_whitespace) || rest.len() == 1 => {
                return text[..i].trim();
            }
            ' ' if [" IF ", " WHEN ", " OR ", " WHERE ", " OTHERWISE"]
                .iter()
                .any(|w| rest.starts_with(w)) =>
            {
                return text[..i].trim();
            }
            _ => {}
        }
    }
    text.trim()
}

/// The largest of the values an array's documentation gives a size it names in
/// alternatives: `UCOL = M if JOBZ = 'A' …; UCOL = min(M,N) if JOBZ = 'S'`, or whole
/// extents `(LDU,M) if JOBU = 'A' or (LDU,min(M,N)) if JOBU = 'S'` (`name` at position `pos`
/// of `rank` extents): `max(M,min(M,N))`. The array is then never shorter than the option
/// given needs (where no option needs it, the routine does not reference it).
fn doc_alternatives_bound(name: &str, pos: Option<usize>, rank: usize, text: &str) -> Option<Expr> {
    let flat = text.replace('\n', " ");
    let upper = flat.to_ascii_uppercase();
    let mut values = Vec::new();
    // `UCOL = M if …`.
    let head = format!("{} = ", name.to_ascii_uppercase());
    let mut from = 0;
    while let Some(i) = upper[from..].find(&head) {
        let at = from + i;
        from = at + head.len();
        if !word_starts(&upper, at) {
            continue;
        }
        let rest = &flat[from..];
        let end = rest.to_ascii_uppercase().find(" IF ")?;
        values.push(expr::parse(rest[..end].trim()).ok()?);
    }
    // `(LDU,M) if … or (LDU,min(M,N)) if …`.
    if values.is_empty()
        && let Some(pos) = pos
    {
        // Each parenthesised group followed by `if`, up to the sentence's end.
        let sentence = flat.split(". ").find(|x| x.contains(") if "))?;
        let mut rest = sentence;
        while let Some(open) = rest.find('(') {
            let close = group_close(&rest[open..])? + open;
            let inner = &rest[open + 1..close];
            rest = &rest[close + 1..];
            if !rest.to_ascii_lowercase().starts_with(" if ") {
                continue;
            }
            let parts = split_top(inner);
            if parts.len() != rank {
                return None;
            }
            values.push(expr::parse(parts[pos].trim()).ok()?);
        }
    }
    match values.len() {
        0 => None,
        1 => values.pop(),
        _ => Some(Expr::Call("max".into(), values)),
    }
}

/// The index of the `)` that closes the `(` `text` begins with.
fn group_close(text: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` split at its top-level commas.
fn split_top(text: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0i32, 0, Vec::new());
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// The upper bound a routine's documentation gives an output: `0 <= M <= N` (a clause of its
/// own, not under a condition).
fn doc_upper_bound(name: &str, text: &str) -> Option<Expr> {
    let flat = text.replace('\n', " ");
    let head = format!("0 <= {} <= ", name.to_ascii_uppercase());
    for clause in flat.split(['.', ';']) {
        let upper = clause.to_ascii_uppercase();
        let lower = clause.to_ascii_lowercase();
        if lower.contains("if ") || lower.contains("when ") {
            continue;
        }
        let Some(i) = upper.find(&head) else {
            continue;
        };
        let rest = clause[i + head.len()..].trim();
        if let Ok(e) = expr::parse(rest) {
            return Some(e);
        }
    }
    None
}

/// What an argument's documentation says must hold: `NAME >= expr` in a clause without an
/// "if" (`LDA >= max(1,N).`; not `if JOBZ = 'V', LDZ >= N`), and the option letters
/// (`= 'N':`) of a `CHARACTER*1`.
fn doc_checks(name: &str, text: &str, ty: Option<&FType>) -> Vec<Check> {
    let mut out = Vec::new();
    let flat = text.replace('\n', " ");
    for clause in flat.split(['.', ';']) {
        let lower = clause.to_ascii_lowercase();
        if lower.contains("if ") || lower.contains("when ") || lower.contains("otherwise") {
            continue;
        }
        let upper = clause.to_ascii_uppercase();
        // `LDA >= max(1,N)` (LAPACK) or `LDA must be at least max( 1, m )` (BLAS), `NB
        // should be at least 2` (ZLASYF), `N must be less than or equal to 128` (DLARUV).
        let Some((i, head)) = [
            format!("{name} >="),
            format!("{name} MUST BE AT LEAST"),
            format!("{name} SHOULD BE AT LEAST"),
            format!("{name} MUST BE LESS THAN OR EQUAL TO"),
            // DLALN2's `LDA … It must be at least NA.` (its own documentation's subject).
            "IT MUST BE AT LEAST".to_string(),
        ]
        .into_iter()
        .find_map(|h| upper.find(&h).map(|i| (i, h))) else {
            continue;
        };
        let at_most = head.ends_with("EQUAL TO");
        // The name stands alone (not the end of a longer name).
        if !word_starts(&upper, i) {
            continue;
        }
        let rest = clause[i + head.len()..].trim();
        let rest = rest.split(" and ").next().unwrap_or(rest).trim();
        // (`NB should be at least 2 to allow for 2-by-2 pivot blocks`: the first word.)
        let rest = match head.contains("SHOULD") {
            true => rest.split(' ').next().unwrap_or(rest),
            false => rest,
        };
        // (Not `N >= M >= 0` read as `N >= (M >= 0)`: the chains below take those.)
        let comparison = |e: &Expr| matches!(e, Expr::Binary(op, ..) if matches!(*op, "<" | "<=" | ">" | ">=" | "==" | "!="));
        if let Some(e) = expr::parse(rest).ok().filter(|e| !comparison(e)) {
            out.push(if at_most {
                Check::AtMost(e)
            } else {
                Check::AtLeast(e)
            });
        }
    }
    if matches!(ty, Some(FType::Integer { .. })) {
        for clause in flat.split(['.', ';']) {
            let lower = clause.to_ascii_lowercase();
            if let Some(c) = conditional_ranges(name, clause) {
                out.push(c);
                continue;
            }
            if lower.contains("if ") || lower.contains("when ") || lower.contains("otherwise") {
                continue;
            }
            for c in range_checks(name, clause) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        let upper = flat.to_ascii_uppercase();
        let needle = format!("{name} MUST NOT BE ZERO");
        if upper
            .find(&needle)
            .is_some_and(|i| strip_word(&upper[i..], name).is_some())
        {
            out.push(Check::NonZero);
        }
    }
    if matches!(ty, Some(FType::Character { .. })) {
        let mut letters = Vec::new();
        for l in text.lines() {
            let t = l.trim_start();
            // `= 'N':  No transpose` (LAPACK) or `TRANS = 'N' or 'n'   y := …` (BLAS).
            let t = match strip_word(t, name) {
                Some(r) => r.trim_start(),
                None => t,
            };
            if let Some(r) = t.strip_prefix("= '") {
                let mut cs = r.chars();
                if let (Some(c), Some('\'')) = (cs.next(), cs.next())
                    && c.is_ascii_alphanumeric()
                    && !letters.contains(&c.to_ascii_uppercase())
                {
                    letters.push(c.to_ascii_uppercase());
                }
            }
        }
        // `Otherwise:  All of the matrix A` (DLACPY, DLASET): any other letter is an option.
        let otherwise = text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("Otherwise:") || l.starts_with("otherwise:")
        });
        if letters.len() >= 2 && !otherwise {
            out.push(Check::OneOf(letters));
        }
    }
    out
}

/// The bounds an INTEGER's range in one clause of its documentation gives it: the neighbours
/// of `name` in a chain of comparisons (`0 <= K <= N`, `N >= K >= 1`, `1 <= ILOZ <= IHIZ <=
/// N`, `INCX > 0`, `INCX <> 0`), or a list of values (`N1 = 0, 1 or 2`).
fn range_checks(name: &str, clause: &str) -> Vec<Check> {
    let mut out = Vec::new();
    // The clause as terms between comparison operators.
    let (mut terms, mut ops) = (vec![String::new()], Vec::new());
    let b = clause.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let two = clause.get(i..i + 2);
        let op = match two {
            Some("<=" | ">=" | "<>" | "=>" | "=<") => Some(two.unwrap_or_default()),
            _ if b[i] == b'<' || b[i] == b'>' => Some(&clause[i..=i]),
            _ => None,
        };
        if let Some(op) = op {
            ops.push(match op {
                "=>" => ">=",
                "=<" => "<=",
                o => o,
            });
            terms.push(String::new());
            i += op.len();
        } else {
            let c = clause[i..].chars().next().unwrap_or(' ');
            terms.last_mut().expect("one term").push(c);
            i += c.len_utf8();
        }
    }
    // A term that ends with the name relates it to the next term, one that starts with it
    // to the previous term (`…, KD >= 0`; `0 <= K <= N`).
    let word = |w: Option<&str>| w.is_some_and(|w| w.eq_ignore_ascii_case(name));
    for (k, t) in terms.iter().enumerate() {
        let t = t.trim();
        if k > 0
            && word(t.split([' ', ',']).next())
            && let Some(e) = parse_tail(&terms[k - 1])
        {
            match ops[k - 1] {
                "<=" => out.push(Check::AtLeast(e)),
                "<" => out.push(Check::AtLeast(plus(e, 1))),
                ">=" => out.push(Check::AtMost(e)),
                ">" => out.push(Check::AtMost(plus(e, -1))),
                _ => {}
            }
        }
        if k + 1 < terms.len()
            && word(t.rsplit([' ', ',']).next())
            && let Some(e) = parse_head(&terms[k + 1])
        {
            match ops[k] {
                ">=" => out.push(Check::AtLeast(e)),
                ">" => out.push(Check::AtLeast(plus(e, 1))),
                "<=" => out.push(Check::AtMost(e)),
                "<" => out.push(Check::AtMost(plus(e, -1))),
                "<>" if e == Expr::Int(0) => out.push(Check::NonZero),
                _ => {}
            }
        }
    }
    // `N1 = 0, 1 or 2`; `NA … It may (only) be 1 or 2` (the name is the sentence's
    // subject: the clause is the argument's own documentation).
    if ops.is_empty() {
        let t = clause.trim();
        let upper = t.to_ascii_uppercase();
        let prose = ["IT MAY (ONLY) BE ", "IT MAY ONLY BE "]
            .iter()
            .find_map(|h| upper.strip_prefix(h).map(|_| &t[h.len()..]));
        if let Some(rest) = strip_word(t, name)
            .and_then(|r| r.trim_start().strip_prefix('='))
            .or(prose)
        {
            let values: Vec<&str> = rest
                .split([','])
                .flat_map(|x| x.split(" or "))
                .map(str::trim)
                .collect();
            if values.len() >= 2 && values.iter().all(|v| v.parse::<i64>().is_ok()) {
                let var = Expr::Name(name.to_ascii_uppercase());
                let cond = values
                    .iter()
                    .map(|v| {
                        Expr::Binary(
                            "==",
                            Box::new(var.clone()),
                            Box::new(Expr::Int(v.parse().unwrap_or_default())),
                        )
                    })
                    .reduce(|a, b| Expr::Binary("||", Box::new(a), Box::new(b)));
                out.extend(cond.map(Check::Expr));
            }
        }
    }
    out
}

/// Ranges that hold under an option, the whole clause made of them: xLARZ's `L` documented
/// as `If SIDE = 'L', M >= L >= 0, if SIDE = 'R', N >= L >= 0` is the [`Check::Expr`]
/// `(SIDE != 'L' || M >= L && L >= 0) && (SIDE != 'R' || …)`.
fn conditional_ranges(name: &str, clause: &str) -> Option<Check> {
    // The structure read in upper case, the ranges from the text as written (byte offsets
    // agree: ASCII case changes no length).
    let orig = clause.trim();
    let upper = orig.to_ascii_uppercase();
    let var = || Box::new(Expr::Name(name.to_ascii_uppercase()));
    let mut parts = Vec::new();
    let mut at = 0;
    while at < upper.len() {
        let r = upper[at..].strip_prefix("IF ")?;
        let start = upper.len() - r.len();
        // `X = 'c',` then the ranges up to the next `, if` or the end.
        let (x, _) = r.split_once('=')?;
        let x = x.trim();
        if x.is_empty() || !x.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        let eq = start + r.find('=')? + 1;
        let r = upper[eq..].trim_start().strip_prefix('\'')?;
        let (letter, r) = r.split_once('\'')?;
        let r = r.trim_start().strip_prefix(',')?;
        let from = upper.len() - r.len();
        let to = r.find(", IF ").map_or(upper.len(), |i| from + i);
        let checks = range_checks(name, &orig[from..to]);
        if checks.is_empty() || letter.chars().count() != 1 {
            return None;
        }
        let holds = checks
            .into_iter()
            .map(|c| match c {
                Check::AtLeast(e) => Some(Expr::Binary(">=", var(), Box::new(e))),
                Check::AtMost(e) => Some(Expr::Binary("<=", var(), Box::new(e))),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .reduce(|a, b| Expr::Binary("&&", Box::new(a), Box::new(b)))?;
        let off = Expr::Binary(
            "!=",
            Box::new(Expr::Name(x.to_string())),
            Box::new(Expr::Str(letter.to_string())),
        );
        parts.push(Expr::Binary("||", Box::new(off), Box::new(holds)));
        at = if to < upper.len() { to + 2 } else { to };
    }
    parts
        .into_iter()
        .reduce(|a, b| Expr::Binary("&&", Box::new(a), Box::new(b)))
        .map(Check::Expr)
}

/// `e + d`: a strict bound of an integer as an inclusive one.
fn plus(e: Expr, d: i64) -> Expr {
    match e {
        Expr::Int(v) => Expr::Int(v.saturating_add(d)),
        e if d < 0 => Expr::Binary("-", Box::new(e), Box::new(Expr::Int(-d))),
        e => Expr::Binary("+", Box::new(e), Box::new(Expr::Int(d))),
    }
}

/// The longest tail of `text`, starting after a space or comma, that is an expression of
/// upper-case names (`N`, `MIN(M,N)`; not prose such as `dimension of the array V, 1`).
fn parse_tail(text: &str) -> Option<Expr> {
    let t = text.trim_end();
    let starts = std::iter::once(0).chain(
        t.char_indices()
            .filter(|(_, c)| *c == ' ' || *c == ',')
            .map(|(i, _)| i + 1),
    );
    starts.filter_map(|i| doc_expr(&t[i..])).next()
}

/// The longest head of `text`, ending before a space or comma, that is an expression as
/// [`parse_tail`] takes it.
fn parse_head(text: &str) -> Option<Expr> {
    let t = text.trim_start();
    let ends = std::iter::once(t.len()).chain(
        t.char_indices()
            .rev()
            .filter(|(_, c)| *c == ' ' || *c == ',')
            .map(|(i, _)| i),
    );
    ends.filter_map(|i| doc_expr(&t[..i])).next()
}

/// `text` as a bound: an expression whose words are all names in upper case or `min`/`max`
/// in any case.
fn doc_expr(text: &str) -> Option<Expr> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let words_ok = t
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_alphabetic()))
        .all(|w| {
            w.chars().all(|c| !c.is_ascii_lowercase())
                || w.eq_ignore_ascii_case("min")
                || w.eq_ignore_ascii_case("max")
        });
    if !words_ok {
        return None;
    }
    expr::parse(t).ok().filter(integral)
}

/// Integer arithmetic on arguments (not `1/SLAMCH('E')`, a machine constant, nor `CEIL(…)`,
/// nor a comparison).
fn integral(e: &Expr) -> bool {
    match e {
        Expr::Int(_) | Expr::Name(_) => true,
        Expr::Call(f, args) => (f == "min" || f == "max") && args.iter().all(integral),
        Expr::Unary('-' | '+', x) => integral(x),
        Expr::Binary("+" | "-" | "*" | "/", a, b) => integral(a) && integral(b),
        _ => false,
    }
}

/// `s` without a leading `name` (any case) that is followed by a non-identifier character.
fn strip_word<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    let head = s.get(..name.len())?;
    let rest = &s[name.len()..];
    (head.eq_ignore_ascii_case(name)
        && !rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(rest)
}

/// The extents of a dummy: the declared bounds, with `*` replaced by the documented extent
/// when the doc gives one of the same rank; lower bounds make `u - l + 1`.
pub(super) fn extents(dims: &[super::model::Dim], doc: Option<&[String]>) -> Vec<Expr> {
    dims.iter()
        .enumerate()
        .map(|(k, d)| {
            let (upper, lower) = match &d.upper {
                Bound::Expr(e) => (expr::parse(e).ok(), d.lower.clone()),
                // The documentation's extent, with its own lower bound (`(0:nt-1)`).
                Bound::Star | Bound::Colon => {
                    let doc = doc.filter(|doc| doc.len() == dims.len()).map(|doc| &doc[k]);
                    // (A `:` of `c ? a : b` is not a bound's.)
                    match doc.map(|x| x.split_once(':').filter(|_| !x.contains('?'))) {
                        Some(Some((l, u))) => (expr::parse(u).ok(), Some(l.to_string())),
                        // (Without one, it is the number of elements: DPFTRF's `A(0:*)` is
                        // `dimension ( N*(N+1)/2 )`.)
                        Some(None) => (doc.and_then(|x| expr::parse(x).ok()), None),
                        None => (None, d.lower.clone()),
                    }
                }
            };
            // (Unknown stays unknown: no arithmetic on the marker.)
            let Some(upper) = upper else {
                return Expr::Int(-1);
            };
            match lower.as_deref().and_then(|l| expr::parse(l).ok()) {
                Some(l) => Expr::Binary(
                    "+",
                    Box::new(Expr::Binary("-", Box::new(upper), Box::new(l))),
                    Box::new(Expr::Int(1)),
                ),
                None => upper,
            }
        })
        .collect()
}

/// The size argument of a workspace-looking array: `WORK(MAX(1,LWORK))` or `WORK(LWORK)`.
fn workspace_size(a: &SigArg) -> Option<String> {
    if a.dims.len() != 1 || a.intent == Intent::In {
        return None;
    }
    match &a.dims[0] {
        Expr::Name(n) => Some(n.clone()),
        Expr::Call(f, args) if f == "max" && args.len() == 2 => match (&args[0], &args[1]) {
            (Expr::Int(1), Expr::Name(n)) | (Expr::Name(n), Expr::Int(1)) => Some(n.clone()),
            _ => None,
        },
        _ => None,
    }
    .filter(|n| n.starts_with('L') && n.contains("WORK"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(name: &str, text: &str) -> Vec<String> {
        doc_checks(name, text, Some(&FType::Integer { kind: None }))
            .iter()
            .map(|c| match c {
                Check::AtLeast(e) => format!(">= {}", crate::fortran::call::show(e)),
                Check::AtMost(e) => format!("<= {}", crate::fortran::call::show(e)),
                Check::NonZero => "!= 0".into(),
                Check::Expr(e) => crate::fortran::call::show(e),
                Check::OneOf(_) => "letters".into(),
                Check::Pivots { .. } => "pivots".into(),
            })
            .collect()
    }

    #[test]
    fn a_procedure_of_no_stated_interface_is_unchecked() {
        let text = [
            "      SUBROUTINE APPLYU( F, N, X, Y )",
            "      INTEGER            N, I",
            "      DOUBLE PRECISION   F, X( N ), Y( N )",
            "      EXTERNAL           F",
            "      DO 20 I = 1, N",
            "         Y( I ) = F( X( I ) )",
            "   20 CONTINUE",
            "      END",
        ]
        .join("\n");
        let sigs =
            super::super::Signatures::from_text(&text, super::super::Form::Fixed, "u.f").unwrap();
        let r = sigs
            .routine("applyu")
            .unwrap_or_else(|| panic!("{:?}", sigs.skipped));
        assert_eq!(r.dummy("F").unwrap().external, Some(None));
        let sig = Sig::of(r);
        assert_eq!(
            sig.unchecked,
            [(
                "F".to_string(),
                "a procedure whose interface the sources do not state".to_string()
            )]
        );
        // Generated code: an `unsafe` method that says why, passing the callback as given.
        let g = sigs.rust(
            &super::super::Abi::default(),
            &super::super::RustOptions {
                lib: Some("u".into()),
                source: "u.f".into(),
                rustfmt: false,
            },
        );
        assert_eq!(g.unchecked, ["applyu"]);
        assert!(g.code.contains("f.ptr()"), "{}", g.code);
        assert!(!g.code.contains("wrap::callback("), "{}", g.code);
    }

    #[test]
    fn sizes_from_the_minimums_stated_per_option() {
        let known = |n: &str| ["M", "N", "JOBZ", "NRHS"].contains(&n);
        let show = |e: Option<Expr>| e.map(|e| crate::fortran::call::show(&e));
        // ZGESDD's RWORK, with its definitions and a remark in parentheses.
        let zgesdd = "RWORK is DOUBLE PRECISION array, dimension (MAX(1,LRWORK))
            Let mx = max(M,N) and mn = min(M,N).
            If JOBZ = 'N',    LRWORK >= 5*mn (LAPACK <= 3.6 needs 7*mn);
            else if mx >> mn, LRWORK >= 5*mn*mn + 5*mn;
            else              LRWORK >= max( 5*mn*mn + 5*mn,
                                             2*mx*mn + 2*mn*mn + mn ).";
        assert_eq!(
            show(doc_minimums_bound("LRWORK", zgesdd, known)).as_deref(),
            Some(
                "max(5*min(m,n),5*min(m,n)*min(m,n)+5*min(m,n),max(5*min(m,n)*min(m,n)+5*min(m,n),\
                 2*max(m,n)*min(m,n)+2*min(m,n)*min(m,n)+min(m,n)))"
            )
        );
        // DBDSDC's WORK: one per option, with a power.
        let dbdsdc = "If COMPQ = 'N' then LWORK >= (4 * N).
            If COMPQ = 'P' then LWORK >= (6 * N).
            If COMPQ = 'I' then LWORK >= (3 * N**2 + 4 * N).";
        assert_eq!(
            show(doc_minimums_bound("LWORK", dbdsdc, known)).as_deref(),
            Some("max(4*n,6*n,3*(n*n)+4*n)")
        );
        // A minimum through ILAENV's SMLSIZ, or in words: the size stays unknown.
        let zgelsd = "LRWORK >= 10*N + 2*N*SMLSIZ + 8*N*NLVL if M is greater than or equal to N";
        assert_eq!(show(doc_minimums_bound("LRWORK", zgelsd, known)), None);
        let words = "LWORK >= N; LWORK >= the number of eigenvalues found.";
        assert_eq!(show(doc_minimums_bound("LWORK", words, known)), None);
        // Another name's minimum is not this one's.
        assert_eq!(
            show(doc_minimums_bound("LWORK", "XLWORK >= N.", known)),
            None
        );
        // `must be at least`, continued by `and at least` (?GGBAL, ?GGEVX).
        let ggevx = "lrwork must be at least max(1,6*N) if BALANC = 'S' or 'B',
            and at least max(1,2*N) otherwise.";
        assert_eq!(
            show(doc_minimums_bound("LRWORK", ggevx, known)).as_deref(),
            Some("max(max(1,6*n),max(1,2*n))")
        );
        let other = "LWORK must be at least N, and LIWORK must be at least 1.";
        assert_eq!(show(doc_minimums_bound("LWORK", other, known)), None);
        // A minimum in another form might be the largest: nothing is taken.
        let mixed = "If JOBZ = 'N', LWORK >= N; otherwise LWORK is at least N*N.";
        assert_eq!(show(doc_minimums_bound("LWORK", mixed, known)), None);
        let extent = "dimension (MAX(1,LWORK)) LWORK >= 2*N.";
        assert_eq!(
            show(doc_minimums_bound("LWORK", extent, known)).as_deref(),
            Some("2*n")
        );
    }

    #[test]
    fn ranges_of_integers_from_their_documentation() {
        assert_eq!(
            checks("K", "The number of reflectors. N >= K >= 0."),
            [">= 0", "<= n"]
        );
        assert_eq!(
            checks("Q", "0 <= Q <= MIN(P,M-P,M-Q)."),
            [">= 0", "<= min(p,m-p,m-q)"]
        );
        assert_eq!(checks("INCX", "The increment. INCX > 0."), [">= 1"]);
        assert_eq!(checks("J1", "1 <= J1 < N."), [">= 1", "<= n-1"]);
        assert_eq!(
            checks("IHIZ", "1 <= ILOZ <= IHIZ <= N."),
            [">= iloz", "<= n"]
        );
        assert_eq!(checks("INCV", "The increment. INCV <> 0."), ["!= 0"]);
        assert_eq!(
            checks("LDV", "The leading dimension of the array V, LDV >= 1."),
            [">= 1"]
        );
        assert_eq!(
            checks("N1", "The order of the first block. N1 = 0, 1 or 2."),
            ["n1==0||n1==1||n1==2"]
        );
        // Conditional or prose: nothing.
        assert!(
            checks(
                "ILO",
                "1 <= ILO <= IHI <= N, if N > 0; ILO=1 and IHI=0, if N=0."
            )
            .is_empty()
        );
        assert!(checks("NB", "For optimum performance LWORK >= N*NB.").is_empty());
        assert!(checks("I1", "Index of the first row to swap").is_empty());
        assert_eq!(
            checks(
                "L",
                "The number of entries. If SIDE = 'L', M >= L >= 0, if SIDE = 'R', N >= L >= 0."
            ),
            ["(side!='L'||l<=m&&l>=0)&&(side!='R'||l<=n&&l>=0)"]
        );
        assert_eq!(
            checks("NA", "The size of the matrix A.  It may (only) be 1 or 2."),
            ["na==1||na==2"]
        );
        assert_eq!(
            checks(
                "NW",
                "1 if \"w\" is real, 2 if \"w\" is complex.  It may only be 1\nor 2."
            ),
            ["nw==1||nw==2"]
        );
        assert_eq!(
            checks(
                "NB",
                "NB should be at least 2 to allow for 2-by-2 pivot blocks."
            ),
            [">= 2"]
        );
        assert_eq!(
            checks("N", "N must be less than or equal to 128."),
            ["<= 128"]
        );
        assert_eq!(
            checks(
                "LDA",
                "The leading dimension of A.  It must be at least NA."
            ),
            [">= na"]
        );
    }
}
