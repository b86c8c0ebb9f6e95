//! f2py-style calls (`fortran::Library::call`) of Reference LAPACK through its own sources:
//! dimensions from array shapes, outputs allocated, workspace queried, INFO checked, bad
//! arguments refused before they reach XERBLA (which ends the process in Reference LAPACK).
//! Results are checked by identities computed here (residuals, A v = λ v, P L U = A,
//! Z T Zᵀ = A), not by re-running LAPACK.

use std::sync::OnceLock;

use jitffi::fortran::{Arg, Library, OpenOptions, Out, Sources};

/// Reference LAPACK (`lapack/liblapack.so.3`, not the alternatives' OpenBLAS), with every
/// BLAS and LAPACK routine declared from the sources, over Reference BLAS: its `libblas.so.3`
/// is loaded first, so that LAPACK's dependency of that soname is it and not whichever BLAS
/// the system's alternatives name (OpenBLAS on Debian, whose kernels round differently).
pub(crate) fn lapack() -> &'static Library {
    static BLAS: OnceLock<jitffi::Library> = OnceLock::new();
    static LIB: OnceLock<Library> = OnceLock::new();
    BLAS.get_or_init(|| {
        // SAFETY: Reference BLAS has no initialisers.
        unsafe {
            jitffi::Library::open(
                "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3",
                &jitffi::LoadOptions {
                    global: true,
                    ..Default::default()
                },
            )
        }
        .unwrap_or_else(|e| panic!("{e} (`bash .ci/deps` installs libblas-dev)"))
    });
    LIB.get_or_init(|| whole_tree(OpenOptions::default()))
}

/// Debian's Reference LAPACK with the whole tree's sources, opened with `opts` (Reference
/// BLAS is loaded first by [`lapack`]).
pub(crate) fn whole_tree(opts: OpenOptions) -> Library {
    let src = super::lapack::lapack_source();
    let sources = Sources::new()
        .dir(src.join("BLAS/SRC"))
        .dir(src.join("SRC"));
    // SAFETY: the reference LAPACK built from these sources (3.11 lacks a few 3.12
    // routines, which are then missing symbols); its ABI is probed.
    unsafe {
        Library::open(
            "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
            &sources,
            &opts,
        )
    }
    .unwrap_or_else(|e| panic!("{e} (`bash .ci/deps` installs liblapack-dev)"))
}

/// `a` (n × n, column-major) times `x`.
fn matvec(a: &[f64], n: usize, x: &[f64]) -> Vec<f64> {
    (0..n)
        .map(|i| (0..n).map(|j| a[i + n * j] * x[j]).sum())
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn dgesv_infers_dimensions_and_returns_the_factors() {
    let lib = lapack();
    assert_eq!(
        lib.signature("dgesv").unwrap().to_string(),
        "a, ipiv, b = dgesv(a, b, [n, nrhs, lda, ldb])"
    );
    let a0 = [4.0, 2.0, 1.0, 1.0, 5.0, 2.0, 0.5, 1.0, 6.0];
    let b0 = [1.0, 2.0, 3.0, -1.0, 0.0, 4.0];
    let out = lib
        .call("dgesv", &[Arg::matrix(&a0, 3, 3), Arg::matrix(&b0, 3, 2)])
        .unwrap();
    let [lu, ipiv, x] = &out[..] else {
        panic!("{out:?}")
    };
    let (lu, ipiv, x) = (
        lu.array::<f64>().unwrap(),
        ipiv.array::<i32>().unwrap(),
        x.array::<f64>().unwrap(),
    );
    // Each column of X solves A x = b.
    for k in 0..2 {
        let ax = matvec(&a0, 3, &x[3 * k..3 * k + 3]);
        for i in 0..3 {
            close(ax[i], b0[3 * k + i], "A x");
        }
    }
    // P L U = A: apply the row interchanges to A and compare with L U.
    let mut pa = a0;
    for (i, &p) in ipiv.iter().enumerate() {
        let p = p as usize - 1;
        for j in 0..3 {
            pa.swap(i + 3 * j, p + 3 * j);
        }
    }
    for i in 0..3 {
        for j in 0..3 {
            let luij: f64 = (0..3)
                .map(|k| {
                    let l = if i == k {
                        1.0
                    } else if i > k {
                        lu[i + 3 * k]
                    } else {
                        0.0
                    };
                    let u = if k <= j { lu[k + 3 * j] } else { 0.0 };
                    l * u
                })
                .sum();
            close(luij, pa[i + 3 * j], "L U");
        }
    }
    // The caller's arrays were copied, not overwritten (f2py's default).
    assert_eq!(a0[0], 4.0);
    // In place: the caller's B becomes X.
    let mut a = a0;
    let mut b = b0;
    lib.call(
        "dgesv",
        &[Arg::matrix_mut(&mut a, 3, 3), Arg::matrix_mut(&mut b, 3, 2)],
    )
    .unwrap();
    assert_eq!(&b[..], x);
}

#[test]
fn dsyev_queries_its_workspace() {
    let lib = lapack();
    assert_eq!(
        lib.signature("dsyev").unwrap().to_string(),
        "a, w = dsyev(jobz, uplo, a, [n, lda])"
    );
    let n = 4;
    let a0: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            1.0 / (1 + i + j) as f64 + if i == j { 2.0 } else { 0.0 }
        })
        .collect();
    let out = lib
        .call(
            "dsyev",
            &[Arg::Str("V"), Arg::Str("U"), Arg::matrix(&a0, n, n)],
        )
        .unwrap();
    let (v, w) = (
        out[0].array::<f64>().unwrap(),
        out[1].array::<f64>().unwrap(),
    );
    assert!(w.windows(2).all(|p| p[0] <= p[1]), "ascending: {w:?}");
    for k in 0..n {
        let vk = &v[n * k..n * k + n];
        let av = matvec(&a0, n, vk);
        for i in 0..n {
            close(av[i], w[k] * vk[i], "A v = λ v");
        }
    }
}

/// DSYEVR's `Z` is documented `(LDZ, max(1,M))` with `M` an output (the eigenvalues found);
/// the call allocates the `N` columns `0 <= M <= N` allows, and returns `M`.
#[test]
fn dsyevr_allocates_z_for_every_eigenvalue_it_may_find() {
    let lib = lapack();
    assert_eq!(
        lib.signature("dsyevr").unwrap().to_string(),
        "a, m, w, z, isuppz = dsyevr(jobz, range, uplo, a, vl, vu, il, iu, abstol, ldz, [n, lda])"
    );
    let n = 5;
    let a0: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            1.0 / (1 + i + j) as f64 + if i == j { i as f64 } else { 0.0 }
        })
        .collect();
    let all = lib
        .call(
            "dsyev",
            &[Arg::Str("N"), Arg::Str("U"), Arg::matrix(&a0, n, n)],
        )
        .unwrap();
    let all = all[1].array::<f64>().unwrap().to_vec();
    for (range, il, iu, want) in [("A", 1, n, 0..n), ("I", 2, 3, 1..3)] {
        let out = lib
            .call(
                "dsyevr",
                &[
                    Arg::Str("V"),
                    Arg::Str(range),
                    Arg::Str("U"),
                    Arg::matrix(&a0, n, n),
                    Arg::Real(0.0),
                    Arg::Real(0.0),
                    Arg::Int(il as i64),
                    Arg::Int(iu as i64),
                    Arg::Real(0.0),
                    Arg::Int(n as i64),
                ],
            )
            .unwrap();
        let m = out[1].int().unwrap() as usize;
        assert_eq!(m, want.len(), "range {range}");
        let (w, z) = (
            out[2].array::<f64>().unwrap(),
            out[3].array::<f64>().unwrap(),
        );
        let Out::Array(za) = &out[3] else {
            panic!("{out:?}")
        };
        assert_eq!(za.shape, [n, n], "Z has the N columns M may reach");
        for (k, i) in want.enumerate() {
            close(w[k], all[i], "the eigenvalues DSYEV finds");
            let zk = &z[n * k..n * k + n];
            let az = matvec(&a0, n, zk);
            for r in 0..n {
                close(az[r], w[k] * zk[r], "A z = w z");
            }
        }
    }
}

/// DLANGE's WORK is `dimension (MAX(1,LWORK)), where LWORK >= M when NORM = 'I'`: sized from
/// that prose, allocated by the call; the norms against ones computed here.
#[test]
fn dlange_sizes_its_work_from_the_documentation() {
    let lib = lapack();
    let sig = lib.signature("dlange").unwrap();
    // WORK is scratch space: allocated with max(1, M) elements, not returned (as in generated
    // code).
    assert_eq!(sig.to_string(), "dlange = dlange(norm, m, a, [n, lda])");
    let work = sig.args.iter().find(|a| a.name == "WORK").unwrap();
    assert!(work.scratch && !work.returned());
    assert_eq!(
        work.dims,
        [jitffi::fortran::expr::parse("max(1,m)").unwrap()]
    );
    let (m, n) = (3, 4);
    let a: Vec<f64> = (0..m * n).map(|k| (k as f64 - 5.5) * 1.25).collect();
    let at = |i: usize, j: usize| a[i + m * j];
    let max_abs = a.iter().fold(0.0f64, |x, v| x.max(v.abs()));
    let one = (0..n)
        .map(|j| (0..m).map(|i| at(i, j).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let inf = (0..m)
        .map(|i| (0..n).map(|j| at(i, j).abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let fro = a.iter().map(|v| v * v).sum::<f64>().sqrt();
    for (norm, want) in [("M", max_abs), ("1", one), ("I", inf), ("F", fro)] {
        let out = lib
            .call(
                "dlange",
                &[Arg::Str(norm), Arg::Int(m as i64), Arg::matrix(&a, m, n)],
            )
            .unwrap();
        close(out[0].real().unwrap(), want, norm);
        assert_eq!(out.len(), 1);
    }
}

/// DGESVD's `U` is `(LDU,UCOL)`, `(LDU,M) if JOBU = 'A' or (LDU,min(M,N)) if JOBU = 'S'`: the
/// call allocates the larger, M columns. A = U Σ Vᵀ and UᵀU = I on what the options fill.
#[test]
fn dgesvd_allocates_u_from_its_alternatives() {
    let lib = lapack();
    assert_eq!(
        lib.signature("dgesvd").unwrap().to_string(),
        "a, s, u, vt = dgesvd(jobu, jobvt, m, a, ldu, ldvt, [n, lda])"
    );
    let (m, n) = (5, 3);
    let a0: Vec<f64> = (0..m * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 / 3.0 - 1.5)
        .collect();
    for job in ["A", "S"] {
        let out = lib
            .call(
                "dgesvd",
                &[
                    Arg::Str(job),
                    Arg::Str(job),
                    Arg::Int(m as i64),
                    Arg::matrix(&a0, m, n),
                    Arg::Int(m as i64),
                    Arg::Int(n as i64),
                ],
            )
            .unwrap();
        let (sv, u, vt) = (
            out[1].array::<f64>().unwrap(),
            out[2].array::<f64>().unwrap(),
            out[3].array::<f64>().unwrap(),
        );
        let Out::Array(ua) = &out[2] else {
            panic!("{out:?}")
        };
        assert_eq!(ua.shape, [m, m], "U has the M columns JOBU = 'A' needs");
        assert!(sv.windows(2).all(|p| p[0] >= p[1]), "descending: {sv:?}");
        // A = U(:, 1:n) diag(s) VT.
        for i in 0..m {
            for j in 0..n {
                let usv: f64 = (0..n).map(|k| u[i + m * k] * sv[k] * vt[k + n * j]).sum();
                close(usv, a0[i + m * j], "A = U S VT");
            }
        }
        // The columns JOBU fills are orthonormal.
        let cols = if job == "A" { m } else { n };
        for p in 0..cols {
            for q in 0..cols {
                let d: f64 = (0..m).map(|i| u[i + m * p] * u[i + m * q]).sum();
                let want = if p == q { 1.0 } else { 0.0 };
                assert!((d - want).abs() < 1e-12, "UtU[{p},{q}] = {d} ({job})");
            }
        }
    }
}

#[test]
fn dgees_calls_a_rust_select_callback() {
    let lib = lapack();
    let n = 4;
    // Eigenvalues 3, -1, 2, -4 (a similarity transform of a diagonal matrix).
    let a0 = [
        3.0, 0.5, 0.0, 0.0, 0.0, -1.0, 0.3, 0.0, 0.0, 0.0, 2.0, 0.2, 0.1, 0.0, 0.0, -4.0,
    ];
    let select = lib
        .ffi()
        .callback_typed(
            "int32_t (*)(const double *, const double *)",
            |wr: *const f64, _wi: *const f64| {
                // SAFETY: DGEES passes pointers to an element of WR and of WI.
                i32::from(unsafe { *wr } > 0.0)
            },
        )
        .unwrap();
    let sig = lib.signature("dgees").unwrap();
    assert_eq!(
        sig.to_string(),
        "a, sdim, wr, wi, vs = dgees(jobvs, sort, select, a, ldvs, [n, lda])"
    );
    let out = lib
        .call(
            "dgees",
            &[
                Arg::Str("V"),
                Arg::Str("S"),
                Arg::Callback(&select),
                Arg::matrix(&a0, n, n),
                Arg::Int(n as i64),
            ],
        )
        .unwrap();
    assert_eq!(out.len(), sig.returns().count(), "{sig}");
    let get = |name: &str| {
        let i = sig.returns().position(|a| a.name == name).unwrap();
        &out[i]
    };
    let t = get("A").array::<f64>().unwrap();
    let sdim = get("SDIM").int().unwrap();
    let wr = get("WR").array::<f64>().unwrap();
    let z = get("VS").array::<f64>().unwrap();
    assert_eq!(
        sdim, 2,
        "two eigenvalues with a positive real part, sorted first"
    );
    assert!(
        wr[0] > 0.0 && wr[1] > 0.0 && wr[2] < 0.0 && wr[3] < 0.0,
        "{wr:?}"
    );
    // Z T Zᵀ = A.
    for i in 0..n {
        for j in 0..n {
            let v: f64 = (0..n)
                .flat_map(|k| (0..n).map(move |l| (k, l)))
                .map(|(k, l)| z[i + n * k] * t[k + n * l] * z[j + n * l])
                .sum();
            close(v, a0[i + n * j], "Z T Zᵀ");
        }
    }
}

#[test]
fn blas_functions_and_scalars() {
    let lib = lapack();
    let (x, y) = ([1.0f64, 2.0, 3.0], [4.0f64, -5.0, 6.0]);
    let out = lib
        .call(
            "ddot",
            &[
                Arg::Int(3),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&y),
                Arg::Int(1),
            ],
        )
        .unwrap();
    assert_eq!(out, [Out::Real(12.0)]);
    // A strided view: every other element.
    let out = lib
        .call(
            "ddot",
            &[
                Arg::Int(2),
                Arg::vec(&x),
                Arg::Int(2),
                Arg::vec(&y),
                Arg::Int(2),
            ],
        )
        .unwrap();
    assert_eq!(out, [Out::Real(1.0 * 4.0 + 3.0 * 6.0)]);
    // A complex function result.
    let z = [
        jitffi::fortran::Complex64 { re: 1.0, im: 2.0 },
        jitffi::fortran::Complex64 { re: 3.0, im: 4.0 },
    ];
    let out = lib
        .call(
            "zdotc",
            &[
                Arg::Int(2),
                Arg::vec(&z),
                Arg::Int(1),
                Arg::vec(&z),
                Arg::Int(1),
            ],
        )
        .unwrap();
    assert_eq!(out, [Out::Complex(30.0, 0.0)]);
}

#[test]
fn bad_arguments_are_refused_before_the_call() {
    let lib = lapack();
    let a = [1.0f64; 9];
    let e = |name: &str, args: &[Arg<'_>]| lib.call(name, args).unwrap_err().to_string();
    // A vector is an n x 1 matrix, and LAPACK's documented LDB >= max(1,N) is checked here
    // (Reference XERBLA would end the process).
    assert_eq!(
        e("dgesv", &[Arg::matrix(&a, 3, 3), Arg::vec(&[1.0, 2.0])]),
        "dgesv: argument ldb is 2; it must be >= max(1,n) = 3"
    );
    // A range the documentation states (`INCX > 0`: DLARTV checks none of its arguments).
    let v = [1.0f64; 4];
    assert_eq!(
        e(
            "dlartv",
            &[
                Arg::Int(2),
                Arg::vec(&v),
                Arg::Int(0),
                Arg::vec(&v),
                Arg::Int(1),
                Arg::vec(&v),
                Arg::vec(&v),
                Arg::Int(1)
            ]
        ),
        "dlartv: argument incx is 0; it must be >= 1 = 1"
    );
    // A double too large for a REAL (it would be infinity, on which SRSCL loops forever),
    // compiled or not.
    let x = [1.0f32; 2];
    let srscl = lib.prepare("srscl").unwrap();
    assert!(srscl.is_compiled());
    let before = srscl.fallbacks();
    assert_eq!(
        srscl
            .call(&[Arg::Int(2), Arg::Real(1e300), Arg::vec(&x), Arg::Int(1)])
            .unwrap_err()
            .to_string(),
        "srscl: argument sa 1e300 does not fit a single-precision REAL"
    );
    assert_eq!(srscl.fallbacks(), before + 1);
    // Conditions the documentation leaves out (sig.rs's UNDOCUMENTED): DSYTF2_RK documents
    // N >= 0, but sets E(N) first, E(0) for N = 0 (a write before E: heap corruption).
    let empty: [f64; 0] = [];
    assert_eq!(
        e("dsytf2_rk", &[Arg::Str("L"), Arg::matrix(&empty, 1, 0)]),
        "dsytf2_rk: argument n fails check(n>=1)"
    );
    // DSYTRI_3X documents NB as "Block size" only; with NB = 0 its blocked loop never advances
    // (a hang, found by .ci/fuzz-fortran with seed 17 in ZHETRI_3X).
    let ipiv = [1i32, 2];
    assert_eq!(
        lib.call_named(
            "dsytri_3x",
            &[
                ("uplo", Arg::Str("U")),
                ("a", Arg::matrix(&[4.0, 0.0, 1.0, 3.0], 2, 2)),
                ("e", Arg::vec(&[0.0, 0.0])),
                ("ipiv", Arg::vec(&ipiv)),
                ("nb", Arg::Int(0)),
            ],
        )
        .unwrap_err()
        .to_string(),
        "dsytri_3x: argument nb fails check(nb>=1)"
    );
    // DGBEQUB documents LDAB >= max(1,M) but checks LDAB < KL+KU+1 in 32-bit arithmetic: a KU
    // near 2^31 wraps past its check, and it read far outside AB (found by .ci/fuzz-fortran).
    let ab = [1.0f64; 6];
    assert_eq!(
        e(
            "dgbequb",
            &[
                Arg::Int(2),
                Arg::Int(1),
                Arg::Int(i64::from(i32::MAX)),
                Arg::matrix(&ab, 3, 2)
            ]
        ),
        "dgbequb: argument ldab fails check(ldab>=kl+ku+1)"
    );
    // An output the allocator refuses (A is LDA x N, LDA chosen by the caller: 16 PB, more
    // than x86-64's address space): an error, not an abort.
    let huge = lib
        .call_named(
            "dlaset",
            &[
                ("uplo", Arg::Str("A")),
                ("m", Arg::Int(1)),
                ("n", Arg::Int(1 << 20)),
                ("alpha", Arg::Real(0.0)),
                ("beta", Arg::Real(1.0)),
                ("lda", Arg::Int(i64::from(i32::MAX))),
            ],
        )
        .unwrap_err()
        .to_string();
    assert_eq!(
        huge,
        "dlaset: argument a needs 18014398501093376 bytes, which cannot be allocated"
    );
    // Arrays too short for the extents the routine uses.
    let x = [1.0f64, 2.0, 3.0];
    assert_eq!(
        e(
            "ddot",
            &[
                Arg::Int(4),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&x),
                Arg::Int(1)
            ]
        ),
        "ddot: argument dx has 3 elements; the routine uses 4 (1+(n-1)*abs(incx) = 4)"
    );
    assert_eq!(
        e(
            "ddot",
            &[
                Arg::Int(2),
                Arg::vec(&x),
                Arg::Int(-3),
                Arg::vec(&x),
                Arg::Int(1)
            ]
        ),
        "ddot: argument dx has 3 elements; the routine uses 4 (1+(n-1)*abs(incx) = 4)"
    );
    // Option letters from the documentation.
    let s = [2.0f64, 0.0, 0.0, 2.0];
    assert_eq!(
        e(
            "dsyev",
            &[Arg::Str("X"), Arg::Str("U"), Arg::matrix(&s, 2, 2)]
        ),
        "dsyev: argument jobz is 'X'; it must be one of 'N', 'V'"
    );
    // Types, arity, missing arguments.
    let f = [1.0f32; 9];
    assert_eq!(
        e("dgesv", &[Arg::matrix(&f, 3, 3), Arg::vec(&x)]),
        "dgesv: argument a is an array of DOUBLE PRECISION, got one of REAL"
    );
    assert_eq!(
        e("dgesv", &[Arg::matrix(&a, 3, 3)]),
        "dgesv: argument b is required (a, ipiv, b = dgesv(a, b, [n, nrhs, lda, ldb]))"
    );
    assert_eq!(
        e("dgesv", &[Arg::Int(3), Arg::vec(&x)]),
        "dgesv: argument a is an array of DOUBLE PRECISION, got the integer 3"
    );
    assert_eq!(
        e("ddot", &[Arg::Int(1 << 40), Arg::vec(&x)]),
        "ddot: argument n 1099511627776 does not fit a 4-byte INTEGER"
    );
    // INFO > 0: a singular matrix, with what LAPACK's documentation says.
    let singular = [1.0f64, 2.0, 2.0, 4.0];
    let msg = e(
        "dgesv",
        &[Arg::matrix(&singular, 2, 2), Arg::vec(&[1.0, 1.0])],
    );
    assert!(
        msg.starts_with("dgesv failed: INFO = 2: if INFO = i, U(i,i) is exactly zero."),
        "{msg}"
    );
}

/// `OpenOptions::zero_based_pivots`: LU pivots come back 0-based and are taken 0-based, the
/// same factorisation as the 1-based library's (which `lapack()` is).
#[test]
fn pivots_can_be_zero_based() {
    let _ = lapack();
    let src = super::lapack::lapack_source();
    let sources = Sources::new()
        .file(src.join("SRC/dgetrf.f"))
        .file(src.join("SRC/dgetrs.f"))
        .file(src.join("SRC/dgesv.f"));
    // SAFETY: as `lapack()`.
    let zero = unsafe {
        Library::open(
            "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
            &sources,
            &OpenOptions {
                zero_based_pivots: true,
                ..Default::default()
            },
        )
    }
    .unwrap();
    let n = 4;
    let a: Vec<f64> = (0..n * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 - 5.0 + if k % (n + 1) == 0 { 0.5 } else { 0.0 })
        .collect();
    let b: Vec<f64> = (0..n).map(|i| i as f64 - 1.5).collect();
    let one = lapack()
        .call("dgetrf", &[Arg::Int(n as i64), Arg::matrix(&a, n, n)])
        .unwrap();
    let zer = zero
        .call("dgetrf", &[Arg::Int(n as i64), Arg::matrix(&a, n, n)])
        .unwrap();
    // Outputs: the factors, then the pivots.
    assert_eq!(one[0], zer[0]);
    let (p1, p0) = (
        one[1].array::<i32>().unwrap(),
        zer[1].array::<i32>().unwrap(),
    );
    assert_eq!(
        p1.iter().map(|p| p - 1).collect::<Vec<_>>(),
        p0,
        "{p1:?} {p0:?}"
    );
    assert!(p0.iter().all(|&p| (0..n as i32).contains(&p)), "{p0:?}");
    // The 0-based pivots solve with the factors; the caller's pivots are left as given.
    let lu = one[0].array::<f64>().unwrap();
    let p0 = p0.to_vec();
    let x0 = zero
        .call(
            "dgetrs",
            &[
                Arg::Str("N"),
                Arg::matrix(lu, n, n),
                Arg::vec(&p0),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    let x1 = lapack()
        .call(
            "dgetrs",
            &[
                Arg::Str("N"),
                Arg::matrix(lu, n, n),
                Arg::vec(p1),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    assert_eq!(x0, x1);
    assert_eq!(p0, p1.iter().map(|p| p - 1).collect::<Vec<_>>());
    // Lent mutably, the caller's pivots are as they were after the call.
    let mut piv = p0.clone();
    let x2 = zero
        .call(
            "dgetrs",
            &[
                Arg::Str("N"),
                Arg::matrix(lu, n, n),
                Arg::vec_mut(&mut piv),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    assert_eq!((x2, piv), (x1, p0.clone()));
    // dgesv: its IPIV output 0-based too.
    let s = zero
        .call("dgesv", &[Arg::matrix(&a, n, n), Arg::matrix(&b, n, 1)])
        .unwrap();
    assert_eq!(s[1].array::<i32>().unwrap(), p0.as_slice());
}

/// DLAEXC (an auxiliary routine: it checks none of its arguments) takes the row `J1` of
/// the blocks it swaps, which no documented check bounds: the safe call refuses it,
/// `call_unchecked` makes it. The oracle is the similarity it documents: T' = Qᵀ T Q with Q
/// orthogonal, and the two 1 × 1 blocks exchanged on the diagonal.
#[test]
fn indices_no_check_bounds_need_call_unchecked() {
    let lib = lapack();
    let p = lib.prepare("dlaexc").unwrap();
    let unchecked: Vec<&str> = p
        .signature()
        .unchecked
        .iter()
        .map(|(a, _)| a.as_str())
        .collect();
    assert_eq!(unchecked, ["J1"]);
    // Arrays of indices into other arrays, in a routine that checks its other arguments.
    let stein = lib.signature("dstein").unwrap();
    let unchecked: Vec<&str> = stein.unchecked.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(unchecked, ["IBLOCK", "ISPLIT"]);
    let n = 3;
    // Upper triangular (a Schur form of 1 x 1 blocks), column-major.
    let t = [2.0f64, 0.0, 0.0, 1.5, -1.0, 0.0, 0.25, 3.0, 4.0];
    let q0 = [1.0f64, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    let (mut t1, mut q) = (t, q0);
    let mut args = vec![
        Arg::Logical(true),
        Arg::matrix_mut(&mut t1, n, n),
        Arg::matrix_mut(&mut q, n, n),
        Arg::Int(2),
        Arg::Int(1),
        Arg::Int(1),
    ];
    let err = p.call(&args).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "dlaexc: argument j1 is what no check can vouch for (\"The index of the first row \
             of the first block T11\""
        ),
        "{err}"
    );
    assert_eq!(lib.call("dlaexc", &args).unwrap_err().to_string(), err);
    // A documented range is still checked on the unchecked path.
    args[4] = Arg::Int(3);
    // SAFETY: J1 = 2 is the row of the first block of a 3 x 3 T.
    let e = unsafe { p.call_unchecked(&args) }.unwrap_err().to_string();
    assert_eq!(e, "dlaexc: argument n1 fails check(n1==0||n1==1||n1==2)");
    args[4] = Arg::Int(1);
    // SAFETY: as above.
    unsafe { p.call_unchecked(&args) }.unwrap();
    drop(args);
    let at = |m: &[f64], i: usize, j: usize| m[i + n * j];
    // The diagonal blocks exchanged.
    assert!((at(&t1, 1, 1) - 4.0).abs() < 1e-12 && (at(&t1, 2, 2) + 1.0).abs() < 1e-12);
    for i in 0..n {
        for j in 0..n {
            // QᵀQ = I and Qᵀ T Q = T'.
            let qtq: f64 = (0..n).map(|k| at(&q, k, i) * at(&q, k, j)).sum();
            assert!((qtq - f64::from(u8::from(i == j))).abs() < 1e-12);
            let qtq_t: f64 = (0..n)
                .flat_map(|k| (0..n).map(move |l| (k, l)))
                .map(|(k, l)| at(&q, k, i) * at(&t, k, l) * at(&q, l, j))
                .sum();
            assert!((qtq_t - at(&t1, i, j)).abs() < 1e-12, "({i}, {j})");
        }
    }
}

/// Pivot arrays given back to a routine are checked as the routine reads them (the family's
/// rule in `wrap::PivotRule`): what the factorizations return passes (the residual of each
/// solve is the oracle), a pivot out of range or a 2 x 2 block with one half is an error
/// before the call, on the compiled path as on the interpreted one.
#[test]
fn pivots_are_checked_as_the_routines_read_them() {
    let lib = lapack();
    let n = 6;
    // Symmetric and indefinite, zero diagonal: Bunch-Kaufman takes 2 x 2 blocks.
    let a: Vec<f64> = (0..n * n)
        .map(|k| {
            let (i, j) = (k % n, k / n);
            if i == j {
                0.0
            } else {
                ((i * j * 7 + i + j) % 5) as f64 - 1.5
            }
        })
        .collect();
    let b: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
    let residual = |x: &[f64]| {
        (0..n)
            .map(|i| ((0..n).map(|j| a[i + n * j] * x[j]).sum::<f64>() - b[i]).abs())
            .fold(0.0, f64::max)
    };
    let mut negative = 0;
    for uplo in ["U", "L"] {
        for (trf, trs) in [("dsytrf", "dsytrs"), ("dsytrf_rook", "dsytrs_rook")] {
            let f = lib
                .call(trf, &[Arg::Str(uplo), Arg::matrix(&a, n, n)])
                .unwrap();
            let (lu, ipiv) = (f[0].array::<f64>().unwrap(), f[1].array::<i32>().unwrap());
            negative += ipiv.iter().filter(|&&p| p < 0).count();
            let solve = |ipiv: &[i32]| {
                lib.call(
                    trs,
                    &[
                        Arg::Str(uplo),
                        Arg::matrix(lu, n, n),
                        Arg::vec(ipiv),
                        Arg::matrix(&b, n, 1),
                    ],
                )
            };
            let x = solve(ipiv).unwrap();
            assert!(
                residual(x[0].array::<f64>().unwrap()) < 1e-9,
                "{trf} {uplo}"
            );
            // A pivot out of range, and a lone half of a 2 x 2 block at either end.
            let mut bad = ipiv.to_vec();
            bad[2] = 7;
            assert_eq!(
                solve(&bad).unwrap_err().to_string(),
                format!(
                    "{trs}: argument ipiv has the pivot 7 at 3; a pivot of a matrix of order 6 \
                     is in 1..=6"
                )
            );
            for at in [0, n - 1] {
                let mut bad = vec![1, 2, 3, 4, 5, 6];
                bad[at] = -1;
                let e = solve(&bad).unwrap_err().to_string();
                assert!(e.contains("negative pivots"), "{e}");
            }
            // Compiled or interpreted, the same error.
            let p = lib.prepare(trs).unwrap();
            assert!(p.is_compiled(), "{trs}: {:?}", p.why_interpreted());
            let before = p.fallbacks();
            let e = p
                .call(&[
                    Arg::Str(uplo),
                    Arg::matrix(lu, n, n),
                    Arg::vec(&bad),
                    Arg::matrix(&b, n, 1),
                ])
                .unwrap_err();
            assert_eq!(p.fallbacks(), before + 1, "{e}");
        }
    }
    assert!(negative > 0, "no 2 x 2 block: the test does not test them");
    // Packed storage: the same rule.
    let ap: Vec<f64> = (0..n)
        .flat_map(|j| (0..=j).map(move |i| (i, j)))
        .map(|(i, j)| a[i + n * j])
        .collect();
    let f = lib
        .call(
            "dsptrf",
            &[Arg::Str("U"), Arg::Int(n as i64), Arg::vec(&ap)],
        )
        .unwrap();
    let (fp, ipiv) = (f[0].array::<f64>().unwrap(), f[1].array::<i32>().unwrap());
    let x = lib
        .call(
            "dsptrs",
            &[
                Arg::Str("U"),
                Arg::vec(fp),
                Arg::vec(ipiv),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    assert!(residual(x[0].array::<f64>().unwrap()) < 1e-9);
    // General LU: 1..=N.
    let g: Vec<f64> = (0..n * n).map(|k| ((k * 5 + 1) % 7) as f64 - 3.0).collect();
    let f = lib
        .call("dgetrf", &[Arg::Int(n as i64), Arg::matrix(&g, n, n)])
        .unwrap();
    let (lu, ipiv) = (f[0].array::<f64>().unwrap(), f[1].array::<i32>().unwrap());
    let mut bad = ipiv.to_vec();
    bad[5] = 0;
    assert_eq!(
        lib.call(
            "dgetrs",
            &[
                Arg::Str("N"),
                Arg::matrix(lu, n, n),
                Arg::vec(&bad),
                Arg::matrix(&b, n, 1)
            ]
        )
        .unwrap_err()
        .to_string(),
        "dgetrs: argument ipiv has the pivot 0 at 6; a pivot of a matrix of order 6 is in 1..=6"
    );
    // Tridiagonal LU: pivot i is i or i + 1.
    let (dl, d, du) = (vec![1.0f64; n - 1], vec![0.5f64; n], vec![-2.0f64; n - 1]);
    let f = lib
        .call("dgttrf", &[Arg::vec(&dl), Arg::vec(&d), Arg::vec(&du)])
        .unwrap();
    let arr = |k: usize| f[k].array::<f64>().unwrap();
    let ipiv = f[4].array::<i32>().unwrap();
    let gt = |ipiv: &[i32]| {
        lib.call(
            "dgttrs",
            &[
                Arg::Str("N"),
                Arg::vec(arr(0)),
                Arg::vec(arr(1)),
                Arg::vec(arr(2)),
                Arg::vec(arr(3)),
                Arg::vec(ipiv),
                Arg::matrix(&b, n, 1),
            ],
        )
    };
    let x = gt(ipiv).unwrap();
    let x = x[0].array::<f64>().unwrap();
    for i in 0..n {
        let mut ax = d[i] * x[i];
        if i > 0 {
            ax += dl[i - 1] * x[i - 1];
        }
        if i + 1 < n {
            ax += du[i] * x[i + 1];
        }
        assert!((ax - b[i]).abs() < 1e-9, "row {i}");
    }
    let mut bad = ipiv.to_vec();
    bad[0] = 3;
    assert_eq!(
        gt(&bad).unwrap_err().to_string(),
        "dgttrs: argument ipiv has the pivot 3 at 1; the tridiagonal LU's pivot 1 is 1 or 2"
    );
}

/// Extents the documentation gives in shapes the reader learned from the random calls:
/// `(N) if SIDE = 'L' or (M) if SIDE = 'R'` (DLARZ's WORK: M elements for 'R', where N were
/// allocated before), and the RFP routines' `A(0:*)` with `dimension (0:nt-1); nt=N*(N+1)/2`
/// (an extent of 0 before: nothing checked) or `dimension ( N*(N+1)/2 )` (one element too
/// many demanded before).
#[test]
fn extents_by_option_and_by_definition() {
    let lib = lapack();
    assert_eq!(
        dims(lib, "dlarz", "WORK"),
        "[Cond(Binary(\"==\", Name(\"SIDE\"), Str(\"L\")), Name(\"N\"), Name(\"M\"))]"
    );
    // A 3 x 3 SPD matrix in RFP format: 6 elements. DPFTRF factors it, DTFTRI needs all 6.
    let n = 3;
    let full = [4.0f64, 1.0, 0.5, 1.0, 3.0, 0.25, 0.5, 0.25, 2.0];
    let rfp = lib
        .call(
            "dtrttf",
            &[
                Arg::Str("N"),
                Arg::Str("L"),
                Arg::matrix(&full, n, n),
                Arg::Int(n as i64),
            ],
        )
        .unwrap();
    let arf = rfp[0].array::<f64>().unwrap().to_vec();
    assert_eq!(arf.len(), 6);
    let f = lib
        .call(
            "dpftrf",
            &[Arg::Str("N"), Arg::Str("L"), Arg::Int(3), Arg::vec(&arf)],
        )
        .unwrap();
    let l = f[0].array::<f64>().unwrap();
    assert!((l[0] - 2.0).abs() < 1e-15, "{l:?}");
    let e = lib
        .call(
            "dtftri",
            &[
                Arg::Str("N"),
                Arg::Str("L"),
                Arg::Str("N"),
                Arg::Int(3),
                Arg::vec(&arf[..5]),
            ],
        )
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "dtftri: argument a has 5 elements; the routine uses 6 (n*(n+1)/2-1-0+1 = 6)"
    );
}

/// The TSQR family documents its workspaces as `(workspace) DOUBLE PRECISION array, dimension
/// (MAX(1,LWORK))` (no `WORK is`): read, they are queried like any other, and DGETSLS, DGEQR
/// and DGELQ are safe calls. DGETSLS's least-squares solution satisfies the normal equations
/// Aᵀ(Ax − b) = 0; DGEMQR, which indexes with the block sizes in T's header, is refused.
#[test]
fn tall_skinny_least_squares_and_the_data_structure_it_trusts() {
    let lib = lapack();
    let (m, n) = (6, 2);
    let a: Vec<f64> = (0..m * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 - 4.0)
        .collect();
    let b: Vec<f64> = (0..m).map(|i| 1.0 + i as f64 * 0.5).collect();
    assert_eq!(
        lib.signature("dgetsls").unwrap().to_string(),
        "a, b = dgetsls(trans, m, a, b, [n, nrhs, lda, ldb])"
    );
    let out = lib
        .call(
            "dgetsls",
            &[
                Arg::Str("N"),
                Arg::Int(m as i64),
                Arg::matrix(&a, m, n),
                Arg::matrix(&b, m, 1),
            ],
        )
        .unwrap();
    let x = &out[1].array::<f64>().unwrap()[..n];
    let r: Vec<f64> = (0..m)
        .map(|i| (0..n).map(|j| a[i + m * j] * x[j]).sum::<f64>() - b[i])
        .collect();
    for j in 0..n {
        let g: f64 = (0..m).map(|i| a[i + m * j] * r[i]).sum();
        assert!(g.abs() < 1e-12, "Aᵀ(Ax - b)[{j}] = {g}");
    }
    // DGEQR's T is an output (its header written by the routine): a safe call.
    let out = lib
        .call(
            "dgeqr",
            &[Arg::Int(m as i64), Arg::matrix(&a, m, n), Arg::Int(-1)],
        )
        .unwrap();
    let t = out[1].array::<f64>().unwrap();
    assert!(t[0] >= 5.0, "the T size a query asks for: {t:?}");
    let e = lib
        .call_named(
            "dgemqr",
            &[
                ("side", Arg::Str("L")),
                ("trans", Arg::Str("T")),
                ("m", Arg::Int(m as i64)),
                ("a", Arg::matrix(&a, m, n)),
                ("t", Arg::vec(&[1e9; 8])),
                ("tsize", Arg::Int(8)),
                ("c", Arg::matrix(&b, m, 1)),
            ],
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("dgemqr: argument t is what no check can vouch for"),
        "{e}"
    );
}

/// Extents documented as alternatives on separate lines, `(LDA,M) if SIDE = 'L'` then
/// `(LDA,N) if SIDE = 'R'` (the xORMLQ/xORMTR/xORMHR/xORGBR/xLASR … families): both are read.
/// Only the first was, so a right-side call with N > M was checked against M columns of A
/// and the routine read (and, restoring A, wrote) columns past them.
#[test]
fn extents_by_option_on_separate_lines() {
    let lib = lapack();
    let (m, n, k) = (2usize, 5usize, 2usize);
    // A is K x NQ (LDA = K): N columns when SIDE = 'R'. Given only M = 2 columns.
    let a = [1.0f64; 4];
    let tau = [0.5f64; 2];
    // DORML2 on a C of M x `cols`.
    let call = |side: &'static str, cols: usize| {
        let c = vec![1.0f64; m * cols];
        lib.call_named(
            "dorml2",
            &[
                ("side", Arg::Str(side)),
                ("trans", Arg::Str("N")),
                ("m", Arg::Int(m as i64)),
                ("n", Arg::Int(cols as i64)),
                ("k", Arg::Int(k as i64)),
                ("a", Arg::matrix(&a, k, m)),
                ("tau", Arg::vec(&tau)),
                ("c", Arg::matrix(&c, m, cols)),
            ],
        )
    };
    let e = call("R", n).unwrap_err();
    assert_eq!(
        e.to_string(),
        "dorml2: argument a has 4 elements; the routine uses 10 (lda = 2, side=='L'?m:n = 5)"
    );
    // The same A is enough on the left (M columns).
    call("L", m).unwrap();
}

/// DORMBR's extents name `nq`, which its purpose defines by an option: `Let nq = m if SIDE =
/// 'L' and nq = n if SIDE = 'R'`; with its A documented as `(LDA,min(nq,K)) if VECT = 'Q'`
/// then `(LDA,nq) if VECT = 'P'`, both read, it is a checked call (it was `unsafe`).
#[test]
fn extents_by_a_definition_under_an_option() {
    let lib = lapack();
    let (m, n, k) = (2usize, 4usize, 2usize);
    let tau = [0.0f64; 4];
    let c = vec![1.0f64; m * n];
    let call = |a: &[f64], cols: usize| {
        lib.call_named(
            "dormbr",
            &[
                ("vect", Arg::Str("P")),
                ("side", Arg::Str("R")),
                ("trans", Arg::Str("N")),
                ("m", Arg::Int(m as i64)),
                ("n", Arg::Int(n as i64)),
                ("k", Arg::Int(k as i64)),
                ("a", Arg::matrix(a, k, cols)),
                ("tau", Arg::vec(&tau)),
                ("c", Arg::matrix(&c, m, n)),
            ],
        )
    };
    // SIDE = 'R': nq = N = 4 columns of A for VECT = 'P'.
    let e = call(&[0.0; 4], 2).unwrap_err().to_string();
    assert!(
        e.starts_with("dormbr: argument a has 4 elements; the routine uses 8"),
        "{e}"
    );
    // With TAU = 0 every reflector is the identity: C comes back as it was.
    let out = call(&[0.0; 8], 4).unwrap();
    assert_eq!(out[0].array::<f64>().unwrap(), c);
}

/// The unblocked Q appliers write the reflectors' diagonal and restore it ("A is modified by
/// the routine but restored on exit"), and the blocked ones (DORMQR …) call them: an `A` lent
/// read-only (here a constant, in read-only memory, where the write was a SIGSEGV) is copied.
#[test]
fn inputs_written_and_restored_are_not_passed_read_only() {
    static A: [f64; 6] = [1.0, 0.5, 0.25, 0.0, 1.0, 0.5];
    let lib = lapack();
    for name in ["dorm2r", "dormqr"] {
        let sig = lib.signature(name).unwrap();
        let a = sig.args.iter().find(|x| x.name == "A").unwrap();
        assert!(!a.intent_stated, "{name}: A is written (and restored)");
        let c = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let out = lib
            .call_named(
                name,
                &[
                    ("side", Arg::Str("L")),
                    ("trans", Arg::Str("N")),
                    ("m", Arg::Int(3)),
                    ("k", Arg::Int(2)),
                    ("a", Arg::matrix(&A, 3, 2)),
                    ("tau", Arg::vec(&[0.0, 0.0])),
                    ("c", Arg::matrix(&c, 3, 2)),
                ],
            )
            .unwrap();
        // TAU = 0: Q is the identity.
        assert_eq!(out[0].array::<f64>().unwrap(), c, "{name}");
    }
    assert_eq!(A, [1.0, 0.5, 0.25, 0.0, 1.0, 0.5]);
}

/// Inputs the routine writes without saying so, found by `.ci/fuzz-fortran`'s guarded arrays
/// (read-only pages): DBDSVDX sets negligible entries of `E` to zero in place, ?HETRS2
/// converts `A` with ?SYCONV and back, DLAED9 writes `W` (and LAPACK 3.11, the system's,
/// rounds `DLAMBDA` in place): none is lent to the routine read-only, so constants in
/// read-only memory (here statics) survive and keep their values.
#[test]
fn inputs_the_routine_writes_are_not_passed_read_only() {
    static D: [f64; 3] = [3.0, 2.0, 1.0];
    static E: [f64; 2] = [1e-300, 0.5];
    let lib = lapack();
    for (name, args) in [
        ("dbdsvdx", &["D", "E"][..]),
        ("zhetrs2", &["A"][..]),
        ("chetrs2", &["A"][..]),
        ("dlaed9", &["W", "DLAMBDA"][..]),
        ("slaed9", &["W", "DLAMBDA"][..]),
        ("dlasd8", &["DSIGMA"][..]),
    ] {
        let sig = lib.signature(name).unwrap();
        for x in args {
            let a = sig.args.iter().find(|a| a.name == *x).unwrap();
            assert!(!a.intent_stated, "{name}: {x} is written");
        }
    }
    let out = lib
        .call_named(
            "dbdsvdx",
            &[
                ("uplo", Arg::Str("U")),
                ("jobz", Arg::Str("N")),
                ("range", Arg::Str("A")),
                ("d", Arg::vec(&D)),
                ("e", Arg::vec(&E)),
                ("vl", Arg::Real(0.0)),
                ("vu", Arg::Real(0.0)),
                ("il", Arg::Int(1)),
                ("iu", Arg::Int(3)),
                ("ldz", Arg::Int(1)),
            ],
        )
        .unwrap();
    // E(1) is negligible: the singular values are 3 and those of [[2, 0.5], [0, 1]].
    let s = out[1].array::<f64>().unwrap();
    let (t, p) = (4.0 + 0.25 + 1.0, 2.0f64);
    let big = ((t + (t * t - 4.0 * p * p).sqrt()) / 2.0).sqrt();
    let want = [3.0, big, p / big];
    for (got, want) in s.iter().zip(want) {
        assert!((got - want).abs() < 1e-12, "{s:?} against {want}");
    }
    assert_eq!((D, E), ([3.0, 2.0, 1.0], [1e-300, 0.5]));
}

/// An INTEGER option the routine does not check, documented by its values (DLAED5's `I = 1
/// or I = 2`), takes only those; an argument the routine rejects itself (`INFO = -k` before
/// XERBLA) is left to it, one it does not is refused (?LAQZ2's `ILO`, `IHI`).
#[test]
fn documented_values_and_what_the_routine_checks_itself() {
    let lib = lapack();
    let call = |i: i64| {
        lib.call(
            "dlaed5",
            &[
                Arg::Int(i),
                Arg::vec(&[1.0f64, 2.0]),
                Arg::vec(&[0.6f64, 0.8]),
                Arg::Real(1.0),
            ],
        )
    };
    for i in [1, 2] {
        let out = call(i).unwrap();
        // The eigenvalues of diag(1, 2) + z z^T: 1 + 0.36 + … both above their pole.
        let dlam = out[1].real().unwrap();
        assert!(dlam > [1.0, 2.0][i as usize - 1], "{dlam}");
    }
    let e = call(3).unwrap_err().to_string();
    assert!(e.contains("i==1||i==2"), "{e}");
    for name in ["dlaqz3", "zlaqz2"] {
        let sig = lib.signature(name).unwrap();
        let names: Vec<&str> = sig.unchecked.iter().map(|(a, _)| a.as_str()).collect();
        assert!(names.starts_with(&["ILO", "IHI"]), "{name}: {names:?}");
    }
    // DGEQRF checks M (INFO = -1): not refused.
    assert!(lib.signature("dgeqrf").unwrap().unchecked.is_empty());
    // DGESC2 with N = 0 read RHS(0) and A(0,0).
    let e = lib
        .call(
            "dgesc2",
            &[
                Arg::matrix::<f64>(&[], 0, 0),
                Arg::vec_mut::<f64>(&mut []),
                Arg::vec::<i32>(&[]),
                Arg::vec::<i32>(&[]),
            ],
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("n >= 1") || e.contains("n>=1"), "{e}");
}

/// What a routine writes through the routines it calls: CLARZB conjugates its input `V` in
/// place (and back) with CLACGV, whose `X` is `in,out`; read from the `CALL`s of the tree.
#[test]
fn inputs_written_by_a_called_routine() {
    let lib = lapack();
    for name in ["clarzb", "zlarzb"] {
        let sig = lib.signature(name).unwrap();
        let v = sig.args.iter().find(|a| a.name == "V").unwrap();
        assert!(!v.intent_stated, "{name}: V is written by CLACGV");
    }
    // The real variant conjugates nothing: its V stays read-only.
    let sig = lib.signature("dlarzb").unwrap();
    assert!(
        sig.args
            .iter()
            .find(|a| a.name == "V")
            .unwrap()
            .intent_stated
    );
}

/// The extents of `routine`'s argument `arg` in its signature, as `Debug` shows them.
fn dims(lib: &Library, routine: &str, arg: &str) -> String {
    let sig = lib.signature(routine).unwrap();
    format!(
        "{:?}",
        sig.args.iter().find(|a| a.name == arg).unwrap().dims
    )
}

/// The singular values of the `m` x `n` matrix `a` by `?gesvd` (no vectors).
fn singular_values<T: jitffi::fortran::Element>(
    lib: &Library,
    gesvd: &str,
    a: &[T],
    m: usize,
    n: usize,
) -> Vec<f64> {
    let (m, none) = (m as i64, Arg::Str("N"));
    let args = [
        none,
        Arg::Str("N"),
        Arg::Int(m),
        Arg::matrix(a, m as usize, n),
        Arg::Int(1),
        Arg::Int(1),
    ];
    lib.call(gesvd, &args).unwrap()[1]
        .array::<f64>()
        .unwrap()
        .to_vec()
}

/// Sizes the documentation states only as minimums, one per option: ZGESDD's `RWORK` (`Let mx
/// = max(M,N) and mn = min(M,N). If JOBZ = 'N', LRWORK >= 5*mn …; else if mx >> mn, LRWORK >=
/// 5*mn*mn + 5*mn; else LRWORK >= max( 5*mn*mn + 5*mn, 2*mx*mn + 2*mn*mn + mn ).`) is
/// allocated at the largest, so ZGESDD is a safe call; DGESVDX's `U` (`(LDU,UCOL)`, `The user
/// must ensure that UCOL >= NS`) gets NS's documented bound. Oracles: A = U Σ Vᴴ, and the
/// singular values of ZGESVD and DGESVD (other algorithms). And Fortran's `N**2` in extents
/// is N·N (it was read as C's `N * *2`: 2N, too few elements for DLAED1's workspace).
#[test]
fn extents_from_stated_minimums_and_powers() {
    use jitffi::fortran::Complex64;
    let lib = lapack();
    assert_eq!(
        lib.signature("zgesdd").unwrap().to_string(),
        "a, s, u, vt = zgesdd(jobz, m, a, ldu, ldvt, [n, lda])"
    );
    let (m, n) = (5usize, 3usize);
    let a: Vec<Complex64> = (0..m * n)
        .map(|k| Complex64 {
            re: ((k * 7 + 3) % 11) as f64 / 3.0 - 1.5,
            im: ((k * 5 + 1) % 7) as f64 / 4.0 - 0.75,
        })
        .collect();
    let sv_ref = singular_values(lib, "zgesvd", &a, m, n);
    for (job, ucols) in [("N", 0), ("S", n), ("A", m)] {
        let ldu = if job == "N" { 1 } else { m };
        let ldvt = if job == "N" { 1 } else { n };
        let out = lib
            .call(
                "zgesdd",
                &[
                    Arg::Str(job),
                    Arg::Int(m as i64),
                    Arg::matrix(&a, m, n),
                    Arg::Int(ldu as i64),
                    Arg::Int(ldvt as i64),
                ],
            )
            .unwrap();
        let sv = out[1].array::<f64>().unwrap();
        for (s, r) in sv.iter().zip(&sv_ref) {
            close(*s, *r, "ZGESDD's singular values are ZGESVD's");
        }
        if ucols == 0 {
            continue;
        }
        let (u, vt) = (
            out[2].array::<Complex64>().unwrap(),
            out[3].array::<Complex64>().unwrap(),
        );
        // A = U(:, 1:n) diag(s) VT.
        for i in 0..m {
            for j in 0..n {
                let (mut re, mut im) = (0.0, 0.0);
                for k in 0..n {
                    let (x, y) = (u[i + m * k], vt[k + n * j]);
                    re += sv[k] * (x.re * y.re - x.im * y.im);
                    im += sv[k] * (x.re * y.im + x.im * y.re);
                }
                close(re, a[i + m * j].re, "A = U S VH (real)");
                close(im, a[i + m * j].im, "A = U S VH (imaginary)");
            }
        }
        // (U is allocated for the larger option, M columns: JOBZ = 'S' fills the first N.)
        assert_eq!(u.len(), m * m, "JOBZ = '{job}' ({ucols} columns filled)");
    }
    // DGESVDX: every singular value (RANGE = 'A'); U has min(M,N) columns, NS's bound.
    assert_eq!(
        lib.signature("dgesvdx").unwrap().to_string(),
        "a, ns, s, u, vt = dgesvdx(jobu, jobvt, range, m, a, vl, vu, il, iu, ldu, ldvt, [n, lda])"
    );
    let ar: Vec<f64> = a.iter().map(|c| c.re).collect();

    let out = lib
        .call(
            "dgesvdx",
            &[
                Arg::Str("V"),
                Arg::Str("V"),
                Arg::Str("A"),
                Arg::Int(m as i64),
                Arg::matrix(&ar, m, n),
                Arg::Real(0.0),
                Arg::Real(0.0),
                Arg::Int(0),
                Arg::Int(0),
                Arg::Int(m as i64),
                Arg::Int(n as i64),
            ],
        )
        .unwrap();
    assert_eq!(out[1].int(), Some(n as i64), "NS: every singular value");
    let (sv, u, vt) = (
        out[2].array::<f64>().unwrap(),
        out[3].array::<f64>().unwrap(),
        out[4].array::<f64>().unwrap(),
    );
    for (s, r) in sv.iter().zip(singular_values(lib, "dgesvd", &ar, m, n)) {
        close(*s, r, "DGESVDX's singular values are DGESVD's");
    }
    let Out::Array(ua) = &out[3] else {
        panic!("{out:?}")
    };
    assert_eq!(ua.shape, [m, n], "U: LDU x min(M,N)");
    for i in 0..m {
        for j in 0..n {
            let usv: f64 = (0..n).map(|k| u[i + m * k] * sv[k] * vt[k + n * j]).sum();
            close(usv, ar[i + m * j], "A = U S VT");
        }
    }
    // `4*N + N**2`, not `4*N + N*2`.
    assert_eq!(
        dims(lib, "dlaed1", "WORK"),
        "[Binary(\"+\", Binary(\"*\", Int(4), Name(\"N\")), Binary(\"*\", Name(\"N\"), Name(\"N\")))]"
    );
}

/// ?GELSD's `IWORK` (and the complex ones' `RWORK`) is sized by a formula through ILAENV's
/// SMLSIZ, `LIWORK >= max(1, 3 * MINMN * NLVL + 11 * MINMN)`, which no argument gives; the
/// documentation says the query reports it (`IWORK(1) returns the minimum LIWORK`), so the
/// call allocates it after the query as it does `WORK`: ?GELSD (numpy's `lstsq`) is a safe
/// call. Oracles: the normal equations Aᴴ(Ax − b) = 0, and ?GELS's solution (QR, not SVD).
#[test]
fn workspaces_the_query_sizes_without_a_size_argument() {
    use jitffi::fortran::Complex64;
    let lib = lapack();
    for p in ["s", "d", "c", "z"] {
        assert_eq!(
            lib.signature(&format!("{p}gelsd")).unwrap().to_string(),
            format!("a, b, s, rank = {p}gelsd(m, a, b, rcond, [n, nrhs, lda, ldb])")
        );
    }
    let (m, n) = (7usize, 3usize);
    let a: Vec<f64> = (0..m * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 - 4.0)
        .collect();
    let b: Vec<f64> = (0..m).map(|i| 1.0 + i as f64 * 0.5).collect();
    // ?GELSD of `rcond`, or ?GELS (`TRANS` first, no `RCOND`) with `None`, of m, A and B.
    let least_squares = |name: &str, a: Arg<'_>, b: Arg<'_>, rcond: Option<f64>| {
        let mut args: Vec<Arg<'_>> = rcond.map_or_else(|| vec![Arg::Str("N")], |_| vec![]);
        args.extend([Arg::Int(m as i64), a, b]);
        args.extend(rcond.map(Arg::Real));
        lib.call(name, &args).unwrap()
    };
    let solve = |name: &str, rcond| {
        least_squares(name, Arg::matrix(&a, m, n), Arg::matrix(&b, m, 1), rcond)
    };
    let out = solve("dgelsd", Some(-1.0));
    assert_eq!(out[3].int(), Some(n as i64), "full rank");
    let x = &out[1].array::<f64>().unwrap()[..n];
    let qr = solve("dgels", None);
    for (u, v) in x.iter().zip(&qr[1].array::<f64>().unwrap()[..n]) {
        close(*u, *v, "DGELSD's solution is DGELS's");
    }
    let r: Vec<f64> = (0..m)
        .map(|i| (0..n).map(|j| a[i + m * j] * x[j]).sum::<f64>() - b[i])
        .collect();
    for j in 0..n {
        let g: f64 = (0..m).map(|i| a[i + m * j] * r[i]).sum();
        assert!(g.abs() < 1e-11, "Aᵀ(Ax - b)[{j}] = {g}");
    }
    // ZGELSD on a complex matrix, against ZGELS.
    let za: Vec<Complex64> = a
        .iter()
        .enumerate()
        .map(|(k, &re)| Complex64 {
            re,
            im: (k % 5) as f64 - 2.0,
        })
        .collect();
    let zb: Vec<Complex64> = b
        .iter()
        .map(|&re| Complex64 { re, im: -re / 2.0 })
        .collect();
    let zsolve = |name: &str, rcond| {
        least_squares(name, Arg::matrix(&za, m, n), Arg::matrix(&zb, m, 1), rcond)
    };
    let out = zsolve("zgelsd", Some(-1.0));
    assert_eq!(out[3].int(), Some(n as i64));
    let qr = zsolve("zgels", None);
    let (x, y) = (
        out[1].array::<Complex64>().unwrap(),
        qr[1].array::<Complex64>().unwrap(),
    );
    for k in 0..n {
        close(x[k].re, y[k].re, "ZGELSD's solution is ZGELS's (real)");
        close(x[k].im, y[k].im, "ZGELSD's solution is ZGELS's (imaginary)");
    }
}

/// `WORK is DOUBLE PRECISION array. The dimension of WORK is N*NB if SIDE = 'L', or M*NB if
/// SIDE = 'R'.` (?GEMQRT, ?GEMLQT, ?TPMQRT, ?TPMLQT; it was read as the extent `of`, unknown):
/// the larger is allocated, and the methods are safe. Oracles: Qᵀ A = R from DGEQRT's own
/// factors, and Q Qᵀ C = C from either side. DGEMQRT documents `TRANS = 'C'` but accepts
/// only 'T' (`INFO = -2` otherwise): the letters its body tests count too.
#[test]
fn extents_named_by_the_dimension_sentence() {
    let lib = lapack();
    assert_eq!(
        dims(lib, "dgemqrt", "WORK"),
        "[Call(\"max\", [Binary(\"*\", Name(\"N\"), Name(\"NB\")), Binary(\"*\", Name(\"M\"), Name(\"NB\"))])]"
    );
    let (m, n, nb) = (6usize, 4usize, 2i64);
    let a: Vec<f64> = (0..m * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 - 4.0)
        .collect();
    let qr = lib
        .call(
            "dgeqrt",
            &[
                Arg::Int(m as i64),
                Arg::Int(nb),
                Arg::matrix(&a, m, n),
                Arg::Int(nb),
            ],
        )
        .unwrap();
    let (vr, t) = (qr[0].array::<f64>().unwrap(), qr[1].array::<f64>().unwrap());
    let apply = |side: &str, trans: &str, rows: usize, cols: usize, c: &[f64]| {
        let out = lib
            .call(
                "dgemqrt",
                &[
                    Arg::Str(side),
                    Arg::Str(trans),
                    Arg::Int(rows as i64),
                    Arg::Int(nb),
                    Arg::matrix(vr, m, n),
                    Arg::matrix(t, nb as usize, n),
                    Arg::matrix(c, rows, cols),
                ],
            )
            .unwrap();
        out[0].array::<f64>().unwrap().to_vec()
    };
    // Qᵀ A: R above the diagonal (DGEQRT's), zero below.
    let r = apply("L", "T", m, n, &a);
    for j in 0..n {
        for i in 0..m {
            let want = if i <= j { vr[i + m * j] } else { 0.0 };
            assert!(
                (r[i + m * j] - want).abs() < 1e-12,
                "QtA[{i},{j}] = {}",
                r[i + m * j]
            );
        }
    }
    // Q (Qᵀ C) = C with C of m rows (WORK = N*NB), and (C Q) Qᵀ = C with C of m columns
    // (WORK = M*NB, here 3*NB).
    let c: Vec<f64> = (0..m * 3).map(|k| (k % 7) as f64 - 3.0).collect();
    let back = apply("L", "N", m, 3, &apply("L", "T", m, 3, &c));
    let c_t: Vec<f64> = (0..3 * m).map(|k| (k % 5) as f64 - 2.0).collect();
    let back_t = apply("R", "T", 3, m, &apply("R", "N", 3, m, &c_t));
    for (x, y) in back.iter().zip(&c).chain(back_t.iter().zip(&c_t)) {
        close(*x, *y, "Q Qt C = C");
    }
    let routine = &lib.routine("dgemqrt").unwrap();
    assert!(routine.letters.contains(&("TRANS".to_string(), 'T')));
    let e = lib
        .call(
            "dgemqrt",
            &[
                Arg::Str("L"),
                Arg::Str("C"),
                Arg::Int(m as i64),
                Arg::Int(nb),
                Arg::matrix(vr, m, n),
                Arg::matrix(t, nb as usize, n),
                Arg::matrix(&a, m, n),
            ],
        )
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("dgemqrt: argument trans"), "{e}");
}

/// Whether two lists of complex numbers (re, im) are the same values in some order, each
/// within 1e-9 relatively.
fn same_eigenvalues(a: &[(f64, f64)], b: &[(f64, f64)]) {
    let near = |p: &(f64, f64), q: &(f64, f64)| {
        (p.0 - q.0).abs() <= 1e-9 * (1.0 + p.0.abs())
            && (p.1 - q.1).abs() <= 1e-9 * (1.0 + p.1.abs())
    };
    assert_eq!(a.len(), b.len());
    let mut unused = b.to_vec();
    for p in a {
        let k = unused.iter().position(|q| near(p, q));
        assert!(k.is_some(), "{p:?} is not among {b:?}");
        unused.remove(k.unwrap_or_default());
    }
}

/// `lwork must be at least max(1,6*N) when JOB = 'S' or 'B', and at least 1 when JOB = 'N' or
/// 'P'.` (?GGBAL; ?GGEVX's `lrwork … and at least max(1,2*N) otherwise`): the larger is
/// allocated and the methods are safe. Oracle: balancing keeps a pencil's generalized
/// eigenvalues (DGGEV of the pair before and after DGGBAL; ZGGEVX against ZGGEV).
#[test]
fn sizes_stated_as_must_be_at_least() {
    use jitffi::fortran::Complex64;
    let lib = lapack();
    let n = 4;
    let a: Vec<f64> = (0..n * n)
        .map(|k| ((k * 7 + 3) % 11) as f64 * [1.0, 100.0, 0.01, 1.0][k % 4])
        .collect();
    let b: Vec<f64> = (0..n * n)
        .map(|k| {
            if k % (n + 1) == 0 {
                2.0 + k as f64
            } else {
                ((k * 3) % 5) as f64 / 10.0
            }
        })
        .collect();
    // The eigenvalues alpha/beta.
    let eig = |a: &[f64], b: &[f64]| {
        let o = lib
            .call(
                "dggev",
                &[
                    Arg::Str("N"),
                    Arg::Str("N"),
                    Arg::matrix(a, n, n),
                    Arg::matrix(b, n, n),
                    Arg::Int(1),
                    Arg::Int(1),
                ],
            )
            .unwrap();
        let (re, im, be) = (
            o[2].array::<f64>().unwrap(),
            o[3].array::<f64>().unwrap(),
            o[4].array::<f64>().unwrap(),
        );
        (0..n)
            .map(|i| (re[i] / be[i], im[i] / be[i]))
            .collect::<Vec<_>>()
    };
    let bal = lib
        .call(
            "dggbal",
            &[Arg::Str("B"), Arg::matrix(&a, n, n), Arg::matrix(&b, n, n)],
        )
        .unwrap();
    let (ab, bb) = (
        bal[0].array::<f64>().unwrap(),
        bal[1].array::<f64>().unwrap(),
    );
    same_eigenvalues(&eig(&a, &b), &eig(ab, bb));
    let za: Vec<Complex64> = a
        .iter()
        .enumerate()
        .map(|(k, &re)| Complex64 {
            re,
            im: (k % 3) as f64,
        })
        .collect();
    let zb: Vec<Complex64> = b.iter().map(|&re| Complex64 { re, im: 0.0 }).collect();
    let ratios = |o: &jitffi::fortran::Outs| {
        let (al, be) = (
            o[2].array::<Complex64>().unwrap(),
            o[3].array::<Complex64>().unwrap(),
        );
        (0..n)
            .map(|i| {
                let d = be[i].re * be[i].re + be[i].im * be[i].im;
                (
                    (al[i].re * be[i].re + al[i].im * be[i].im) / d,
                    (al[i].im * be[i].re - al[i].re * be[i].im) / d,
                )
            })
            .collect::<Vec<_>>()
    };
    let plain = lib
        .call(
            "zggev",
            &[
                Arg::Str("N"),
                Arg::Str("N"),
                Arg::matrix(&za, n, n),
                Arg::matrix(&zb, n, n),
                Arg::Int(1),
                Arg::Int(1),
            ],
        )
        .unwrap();
    let expert = lib
        .call(
            "zggevx",
            &[
                Arg::Str("B"),
                Arg::Str("N"),
                Arg::Str("N"),
                Arg::Str("N"),
                Arg::matrix(&za, n, n),
                Arg::matrix(&zb, n, n),
                Arg::Int(1),
                Arg::Int(1),
            ],
        )
        .unwrap();
    same_eigenvalues(&ratios(&plain), &ratios(&expert));
}
