//! f2py signature files: `tests/f/lapack_subset.pyf.src` (a scipy-style `.pyf.src` template
//! for `?gesv`, `?scal` and `?posv`, the last through a `callstatement`) read at run time by `fortran::Library` and by the generator
//! (`generated_pyf.rs`, what `jitffi f2rs --pyf … -o` writes for it, regenerated and compared
//! like `generated_lapack.rs`), both called on Reference LAPACK: the file's semantics (hidden
//! dimensions, `check(…)`, optional arguments with defaults), not the derived ones.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jitffi::fortran::{
    Abi, Arg, Complex64, FType, Library, OpenOptions, ProcSig, RustOptions, Signatures, Sources,
};

use super::generated_pyf as gp;

fn pyf_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/f/lapack_subset.pyf.src")
}

fn lib() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    let _ = super::calls::lapack(); // Reference BLAS first.
    LIB.get_or_init(|| {
        // SAFETY: the signature file states the reference LAPACK's routines.
        unsafe {
            Library::open(
                "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
                &Sources::new().pyf(pyf_path()),
                &OpenOptions::default(),
            )
        }
        .unwrap()
    })
}

#[test]
fn the_template_expands_and_the_signatures_are_the_files() {
    let lib = lib();
    let names: Vec<&str> = lib
        .signatures()
        .routines
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "SGESV", "DGESV", "CGESV", "ZGESV", "SSCAL", "DSCAL", "SPOSV", "DPOSV", "CPOSV",
            "ZPOSV", "SGETRF", "DGETRF", "SGETRS", "DGETRS", "DGEBAL", "DGEHRD", "DLAMCH", "DDOT",
            "IDAMAX", "ZAXPY", "SGEES", "DGEES", "DTRTTP", "DGBSV", "DPOTRF", "ZPOTRF", "DGEMV"
        ]
    );
    let skipped = &lib.signatures().skipped;
    assert!(skipped.is_empty(), "{skipped:?}");
    // scipy's callstatement shapes: the result first (`&ddot`), offsets left to the caller's
    // sub-slices (`x+offx`: offx stays 0 and is not an argument), indices 0-based.
    assert_eq!(
        lib.signature("ddot").unwrap().to_string(),
        "ddot = ddot(x, y, [n, incx, incy])"
    );
    assert_eq!(
        lib.signature("dgetrf").unwrap().to_string(),
        "a, piv = dgetrf(a)"
    );
    assert_eq!(
        lib.signature("dgebal").unwrap().to_string(),
        "a, lo, hi, pivscale = dgebal(a, [scale, permute])"
    );
    // An optional array is required (f2py would allocate Y; jitffi never makes an array
    // from a scalar's default).
    assert_eq!(
        lib.signature("zaxpy").unwrap().to_string(),
        "y = zaxpy(x, y, [n, a, incx, incy])"
    );
    // The callstatement's arguments are the routine's: UPLO a letter from `lower`, N again
    // for LDA and LDB; `lower` is the file's and is not passed.
    assert_eq!(
        lib.signature("dposv").unwrap().to_string(),
        "a, b = dposv(a, b, [lower])"
    );
    assert_eq!(
        lib.signature("zgesv").unwrap().to_string(),
        "a, ipiv, b = zgesv(a, b)"
    );
    assert_eq!(
        lib.signature("dscal").unwrap().to_string(),
        "x = dscal(a, x, [n, incx])"
    );
    // A call-back argument whose signature is the `__user__` module's (whose functions are
    // not routines: no DSELECT above); SDIM, `intent(out)` with an initial value, is returned.
    assert_eq!(
        lib.signature("dgees").unwrap().to_string(),
        "a, sdim, wr, wi, vs, work = dgees(dselect, a, [lwork, compute_v, sort_t])"
    );
    let dgees = lib.routine("dgees").unwrap();
    let select = dgees.dummy("dselect").unwrap();
    assert_eq!(
        select.external,
        Some(Some(ProcSig {
            result: Some(FType::Logical { kind: None }),
            args: vec![FType::Real { kind: Some(8) }; 2],
        }))
    );
    let decl = lib.abi().prototype(dgees).unwrap().decl;
    assert!(
        decl.contains("int32_t (*dselect)(const double *, const double *)"),
        "{decl}"
    );
    // LDAB from the callstatement's `F_INT i=2*kl+ku+1`, passed as `&i`: computed.
    assert_eq!(
        lib.signature("dgbsv").unwrap().to_string(),
        "ab, piv, b = dgbsv(kl, ku, ab, b)"
    );
    // scipy's `intent(F_INT)`, no intent f2py knows, is ignored as f2py ignores it.
    assert_eq!(
        lib.signature("dtrttp").unwrap().to_string(),
        "ap = dtrttp(a, [uplo])"
    );
}

/// A 4 × 4 matrix with eigenvalues 3, -1, 2, -4, and its Schur form's call-back: the
/// eigenvalues with a positive real part first.
const SCHUR_A: [f64; 16] = [
    3.0, 0.5, 0.0, 0.0, 0.0, -1.0, 0.3, 0.0, 0.0, 0.0, 2.0, 0.2, 0.1, 0.0, 0.0, -4.0,
];

/// Checks a sorted real Schur factorization of [`SCHUR_A`]: two eigenvalues selected and
/// first, Z T Zᵀ = A.
fn check_schur(sdim: i64, wr: &[f64], t: &[f64], z: &[f64]) {
    let n = 4;
    assert_eq!(sdim, 2, "two eigenvalues with a positive real part");
    assert!(
        wr[0] > 0.0 && wr[1] > 0.0 && wr[2] < 0.0 && wr[3] < 0.0,
        "{wr:?}"
    );
    for i in 0..n {
        for j in 0..n {
            let v: f64 = (0..n)
                .flat_map(|k| (0..n).map(move |l| (k, l)))
                .map(|(k, l)| z[i + n * k] * t[k + n * l] * z[j + n * l])
                .sum();
            assert!(
                (v - SCHUR_A[i + n * j]).abs() < 1e-12,
                "Z T Zᵀ ({i}, {j}): {v}"
            );
        }
    }
}

#[test]
fn call_backs_of_a_user_module_at_run_time() {
    let lib = lib();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let select = lib
        .ffi()
        .callback_typed(
            "int32_t (*)(const double *, const double *)",
            |wr: *const f64, _wi: *const f64| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // SAFETY: DGEES passes pointers to an element of WR and of WI.
                i32::from(unsafe { *wr } > 0.0)
            },
        )
        .unwrap();
    let sig = lib.signature("dgees").unwrap();
    let out = lib
        .call_named(
            "dgees",
            &[
                ("dselect", Arg::Callback(&select)),
                ("a", Arg::matrix(&SCHUR_A, 4, 4)),
                ("sort_t", Arg::Int(1)),
            ],
        )
        .unwrap();
    let get = |name: &str| &out[sig.returns().position(|a| a.name == name).unwrap()];
    check_schur(
        get("SDIM").int().unwrap(),
        get("WR").array::<f64>().unwrap(),
        get("A").array::<f64>().unwrap(),
        get("VS").array::<f64>().unwrap(),
    );
    assert!(
        calls.load(std::sync::atomic::Ordering::Relaxed) >= 4,
        "SELECT is called per eigenvalue"
    );
    // A call-back of another type is refused before the call.
    let wrong = lib
        .ffi()
        .callback_typed("int32_t (*)(const double *)", |_: *const f64| 0i32)
        .unwrap();
    let e = lib
        .call(
            "dgees",
            &[Arg::Callback(&wrong), Arg::matrix(&SCHUR_A, 4, 4)],
        )
        .unwrap_err();
    // (A callback made after the routine's prototype was declared: its type is named from
    // the context's newest types.)
    assert_eq!(
        e.to_string(),
        "dgees: dgees_: argument 3: cannot pass 'int32_t (*)(const double *)' where 'int32_t \
         (*)(const double *, const double *)' is expected"
    );
    // A call-back made after the routine's first call, of the right type, is accepted.
    let later = lib
        .ffi()
        .callback_typed(
            "int32_t (*)(const double *, const double *)",
            |wr: *const f64, _wi: *const f64| {
                // SAFETY: as above.
                i32::from(unsafe { *wr } > 0.0)
            },
        )
        .unwrap();
    let out = lib
        .call_named(
            "dgees",
            &[
                ("dselect", Arg::Callback(&later)),
                ("a", Arg::matrix(&SCHUR_A, 4, 4)),
                ("sort_t", Arg::Int(1)),
            ],
        )
        .unwrap();
    assert_eq!(out[1].int(), Some(2));
    // trttp (its `uplo` under an unknown intent): the upper triangle, packed by columns.
    let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let out = lib.call("dtrttp", &[Arg::matrix(&a, 3, 3)]).unwrap();
    assert_eq!(
        out[0].array::<f64>().unwrap(),
        [1.0, 4.0, 5.0, 7.0, 8.0, 9.0]
    );
    let out = lib
        .call("dtrttp", &[Arg::matrix(&a, 3, 3), Arg::Str("L")])
        .unwrap();
    assert_eq!(
        out[0].array::<f64>().unwrap(),
        [1.0, 2.0, 3.0, 5.0, 6.0, 9.0]
    );
}

#[test]
fn run_time_calls_follow_the_file() {
    let lib = lib();
    let a = [4.0, 1.0, 2.0, 3.0];
    let b = [1.0, 2.0];
    let out = lib
        .call("dgesv", &[Arg::matrix(&a, 2, 2), Arg::matrix(&b, 2, 1)])
        .unwrap();
    let x = out[2].array::<f64>().unwrap();
    assert!(
        (x[0] + 0.1).abs() < 1e-12 && (x[1] - 0.7).abs() < 1e-12,
        "{x:?}"
    );
    // The file's check, before the call.
    let e = lib
        .call(
            "dgesv",
            &[Arg::matrix(&[0.0; 6], 2, 3), Arg::matrix(&b, 2, 1)],
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("argument a fails check(shape(a,0)==shape(a,1))"),
        "{e}"
    );
    // posv through its callstatement, upper (the default) and lower: the same solution of
    // a symmetric positive definite system, whichever triangle is read.
    let spd = [4.0, 1.0, 1.0, 3.0];
    let rhs = [1.0, 2.0];
    for lower in [None, Some(1)] {
        let mut args = vec![Arg::matrix(&spd, 2, 2), Arg::matrix(&rhs, 2, 1)];
        if let Some(l) = lower {
            args.push(Arg::Int(l));
        }
        let out = lib.call("dposv", &args).unwrap();
        let x = out[1].array::<f64>().unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-14, "{lower:?}: {x:?}");
        assert!((x[0] + 3.0 * x[1] - 2.0).abs() < 1e-14, "{lower:?}: {x:?}");
    }
    let e = lib
        .call(
            "dposv",
            &[
                Arg::matrix(&spd, 2, 2),
                Arg::matrix(&rhs, 2, 1),
                Arg::Int(2),
            ],
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("fails check(lower==0||lower==1)"),
        "{e}"
    );
    // Defaults: n from x, incx = 1; and a given incx.
    let out = lib
        .call("dscal", &[Arg::Real(2.0), Arg::vec(&[1.0, 2.0, 3.0])])
        .unwrap();
    assert_eq!(out[0].array::<f64>().unwrap(), [2.0, 4.0, 6.0]);
    let e = lib
        .call_named(
            "dscal",
            &[
                ("a", Arg::Real(2.0)),
                ("x", Arg::vec(&[1.0, 2.0, 3.0])),
                ("incx", Arg::Int(-1)),
            ],
        )
        .unwrap_err();
    assert!(e.to_string().contains("fails check(incx>0)"), "{e}");
    let e = lib
        .call("dscal", &[Arg::Real(f64::NAN), Arg::vec(&[1.0])])
        .unwrap_err();
    assert!(e.to_string().contains("fails check(a==a)"), "{e}");
}

/// `A` (n × n, column-major) with its rows swapped as 0-based LU pivots say, in order.
fn permuted(a: &[f64], n: usize, piv: &[i32]) -> Vec<f64> {
    let mut p = a.to_vec();
    for (i, &k) in piv.iter().enumerate() {
        let k = usize::try_from(k).expect("0-based pivot");
        for c in 0..n {
            p.swap(c * n + i, c * n + k);
        }
    }
    p
}

/// `L * U` from LAPACK's packed LU factors (n × n, column-major).
fn l_times_u(lu: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for r in 0..n {
        for c in 0..n {
            let mut s = 0.0;
            for k in 0..=r.min(c) {
                let l = if k == r { 1.0 } else { lu[k * n + r] };
                s += l * lu[c * n + k];
            }
            out[c * n + r] = s;
        }
    }
    out
}

#[test]
fn scipy_callstatements_at_run_time() {
    let lib = lib();
    let n = 4;
    let a = [
        2.0, -1.0, 4.0, 0.5, 1.0, 3.0, -2.0, 1.0, 0.0, 5.0, 1.0, -3.0, 7.0, 1.0, 2.0, 0.25,
    ];
    // getrf: PIV comes back 0-based (`--piv[i++]` after the call). Oracle: P A = L U with the
    // swaps applied in order, and every pivot an index of a row.
    let out = lib.call("dgetrf", &[Arg::matrix(&a, n, n)]).unwrap();
    let lu = out[0].array::<f64>().unwrap().to_vec();
    let piv = out[1].array::<i32>().unwrap().to_vec();
    assert!(piv.iter().all(|&k| (0..n as i32).contains(&k)), "{piv:?}");
    assert!(piv.contains(&0) || piv[0] != 0, "{piv:?}");
    let (pa, l_u) = (permuted(&a, n, &piv), l_times_u(&lu, n));
    for (x, y) in pa.iter().zip(&l_u) {
        assert!((x - y).abs() < 1e-12, "P A = {pa:?}, L U = {l_u:?}");
    }
    // getrs takes those 0-based pivots (made 1-based for the call, restored after): A x = b.
    let b = [1.0, 2.0, 3.0, 4.0];
    let out = lib
        .call(
            "dgetrs",
            &[
                Arg::matrix(&lu, n, n),
                Arg::vec(&piv),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    let x = out[0].array::<f64>().unwrap();
    for r in 0..n {
        let ax: f64 = (0..n).map(|c| a[c * n + r] * x[c]).sum();
        assert!((ax - b[r]).abs() < 1e-12, "row {r}: {ax} != {}", b[r]);
    }
    // gebal: LO and HI come back 0-based (`hi--; lo--;`). Oracle: the same routine through
    // the signature derived from Reference LAPACK's documentation, whose ILO and IHI are
    // 1-based. A lower triangular matrix: permuting isolates its eigenvalues.
    let t = [1.0, 2.0, 4.0, 0.0, 3.0, 5.0, 0.0, 0.0, 6.0];
    let out = lib
        .call_named(
            "dgebal",
            &[("a", Arg::matrix(&t, 3, 3)), ("permute", Arg::Int(1))],
        )
        .unwrap();
    let (lo, hi) = (out[1].int().unwrap(), out[2].int().unwrap());
    let derived = super::calls::lapack()
        .call("dgebal", &[Arg::Str("P"), Arg::matrix(&t, 3, 3)])
        .unwrap();
    let (ilo, ihi) = (derived[1].int().unwrap(), derived[2].int().unwrap());
    assert_eq!((lo, hi), (ilo - 1, ihi - 1), "{out:?} / {derived:?}");
    assert_eq!(out[0].array::<f64>(), derived[0].array::<f64>());
    // gehrd: LO and HI given 0-based (`hi++; lo++;` before the call); the defaults are the
    // whole matrix. Oracle: the derived signature with ILO = 1, IHI = n.
    let out = lib.call("dgehrd", &[Arg::matrix(&a, n, n)]).unwrap();
    let derived = super::calls::lapack()
        .call_named(
            "dgehrd",
            &[
                ("ilo", Arg::Int(1)),
                ("ihi", Arg::Int(4)),
                ("a", Arg::matrix(&a, n, n)),
            ],
        )
        .unwrap();
    assert_eq!(out[0].array::<f64>(), derived[0].array::<f64>());
    let given = lib
        .call_named(
            "dgehrd",
            &[
                ("a", Arg::matrix(&a, n, n)),
                ("lo", Arg::Int(0)),
                ("hi", Arg::Int(3)),
            ],
        )
        .unwrap();
    assert_eq!(given[0].array::<f64>(), out[0].array::<f64>());
    // A function whose result the statement assigns: LAPACK's machine constants are IEEE
    // double's (eps = 2^-53 with rounding, precision = eps * base = 2^-52).
    let e = lib.call("dlamch", &[Arg::Str("E")]).unwrap();
    assert_eq!(e[0].real(), Some(f64::EPSILON / 2.0));
    let p = lib.call("dlamch", &[Arg::Str("P")]).unwrap();
    assert_eq!(p[0].real(), Some(f64::EPSILON));
    // ddot with the result first in the statement; an offset is a sub-slice.
    let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]);
    let d = lib.call("ddot", &[Arg::vec(&x), Arg::vec(&y)]).unwrap();
    assert_eq!(d[0].real(), Some(550.0));
    let d = lib
        .call("ddot", &[Arg::vec(&x[2..]), Arg::vec(&y[1..])])
        .unwrap();
    assert_eq!(d[0].real(), Some(3.0 * 20.0 + 4.0 * 30.0 + 5.0 * 40.0));
    // A result made 0-based (`… - 1`). Oracle: the first largest |x(i)|, as BLAS picks it.
    let v = [1.0, -5.0, 3.0, 5.0, -0.5];
    let first_max = |v: &[f64]| {
        (0..v.len())
            .rev()
            .max_by(|&i, &j| v[i].abs().total_cmp(&v[j].abs()))
            .unwrap()
    };
    let k = lib.call("idamax", &[Arg::vec(&v)]).unwrap();
    assert_eq!(k[0].int(), Some(first_max(&v) as i64));
    assert_eq!(k[0].int(), Some(1));
    let k = lib.call("idamax", &[Arg::vec(&v[2..])]).unwrap();
    assert_eq!(k[0].int(), Some(first_max(&v[2..]) as i64));
    // A complex default, (1.0,0.0): y + x; then a = (2, 0) given.
    let c = |re, im| Complex64 { re, im };
    let zx = [c(1.0, 2.0), c(3.0, -1.0)];
    let zy = [c(10.0, 0.0), c(0.0, 10.0)];
    let out = lib
        .call_named("zaxpy", &[("x", Arg::vec(&zx)), ("y", Arg::vec(&zy))])
        .unwrap();
    assert_eq!(
        out[0].array::<Complex64>().unwrap(),
        [c(11.0, 2.0), c(3.0, 9.0)]
    );
    let out = lib
        .call_named(
            "zaxpy",
            &[
                ("x", Arg::vec(&zx)),
                ("y", Arg::vec(&zy)),
                ("a", Arg::Complex(2.0, 0.0)),
            ],
        )
        .unwrap();
    assert_eq!(
        out[0].array::<Complex64>().unwrap(),
        [c(12.0, 4.0), c(6.0, 8.0)]
    );
    let e = lib
        .call_named("zaxpy", &[("x", Arg::vec(&zx))])
        .unwrap_err();
    assert!(e.to_string().contains("argument y is required"), "{e}");
}

#[test]
fn generated_module_is_current() {
    let text = std::fs::read_to_string(pyf_path()).unwrap();
    let sigs = Signatures::from_pyf(&text, "lapack_subset.pyf.src").unwrap();
    let g = sigs.rust(
        &Abi::default(),
        &RustOptions {
            lib: Some("lapack".into()),
            source: "lapack_subset.pyf.src (tests/fortran/pyf.rs)".into(),
            rustfmt: true,
        },
    );
    assert_eq!(g.formatted, Ok(true));
    assert_eq!(g.wrapped.len(), 27, "{:?}", g.skipped);
    // `dimension(*)` arrays, bounded only by the file's checks: `unsafe` methods.
    assert_eq!(g.unchecked, ["ddot", "idamax", "zaxpy", "dgemv"]);
    assert!(g.families.iter().any(|f| f == "Gesv"), "{:?}", g.families);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fortran/generated_pyf.rs");
    if std::env::var_os("JITFFI_BLESS").is_some() {
        std::fs::write(&path, &g.code).unwrap();
        return;
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        old == g.code,
        "{} is not what f2rs generates now; regenerate it with `JITFFI_BLESS=1 cargo test \
         --test fortran pyf` and review the diff",
        path.display()
    );
}

#[test]
fn generated_calls_follow_the_file() {
    let _ = super::calls::lapack(); // Reference BLAS first.
    // SAFETY: the reference LAPACK whose routines the signature file states.
    let l =
        unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let mut a = vec![4.0, 1.0, 2.0, 3.0];
    let mut b = vec![1.0, 2.0];
    l.gesv::<f64>(
        gp::MatMut::new(&mut a, 2, 2).unwrap(),
        gp::MatMut::new(&mut b, 2, 1).unwrap(),
    )
    .unwrap();
    assert!(
        (b[0] + 0.1).abs() < 1e-12 && (b[1] - 0.7).abs() < 1e-12,
        "{b:?}"
    );
    let mut r = vec![0.0; 6];
    let e = l
        .dgesv(
            gp::MatMut::new(&mut r, 2, 3).unwrap(),
            gp::MatMut::new(&mut b, 2, 1).unwrap(),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "dgesv: argument a fails check(shape(a,0)==shape(a,1))"
    );
    // posv's callstatement: `lower` chooses the letter; N is passed for LDA and LDB.
    for lower in [None, Some(0), Some(1)] {
        let (mut spd, mut x) = (vec![4.0, 1.0, 1.0, 3.0], vec![1.0, 2.0]);
        l.posv::<f64>(
            gp::MatMut::new(&mut spd, 2, 2).unwrap(),
            gp::MatMut::new(&mut x, 2, 1).unwrap(),
            lower,
        )
        .unwrap();
        assert!((4.0 * x[0] + x[1] - 1.0).abs() < 1e-14, "{lower:?}: {x:?}");
        assert!((x[0] + 3.0 * x[1] - 2.0).abs() < 1e-14, "{lower:?}: {x:?}");
    }
    // Optional arguments: the file's defaults (n from x, incx = 1), or given.
    let mut x = vec![1.0f32, 2.0, 3.0];
    l.sscal(None, 2.0, &mut x, None).unwrap();
    assert_eq!(x, [2.0, 4.0, 6.0]);
    l.sscal(Some(2), 0.5, &mut x, Some(2)).unwrap();
    assert_eq!(x, [1.0, 4.0, 3.0]);
    let e = l.sscal(Some(3), 0.5, &mut x, Some(2)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "sscal: argument n fails check(len(x)>=1+(n-1)*incx)"
    );
    let e = l.sscal(None, 0.5, &mut x, Some(0)).unwrap_err();
    assert_eq!(e.to_string(), "sscal: argument incx fails check(incx>0)");
    // A check on a real argument (a is not NaN), in f64 as the evaluator compares.
    let e = l.sscal(None, f32::NAN, &mut x, None).unwrap_err();
    assert_eq!(e.to_string(), "sscal: argument a fails check(a==a)");
}

/// The generated methods of scipy's callstatement shapes agree with the run-time calls
/// (checked against their oracles above) and with the identities.
#[test]
fn generated_scipy_callstatements() {
    let _ = super::calls::lapack(); // Reference BLAS first.
    // SAFETY: the reference LAPACK whose routines the signature file states.
    let l =
        unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let n = 4;
    let a = [
        2.0, -1.0, 4.0, 0.5, 1.0, 3.0, -2.0, 1.0, 0.0, 5.0, 1.0, -3.0, 7.0, 1.0, 2.0, 0.25,
    ];
    // getrf: 0-based pivots always (the library's `zero_based_pivots` is for the derived
    // signatures' LU pivots; a .pyf's are 0-based whatever it says).
    let mut lu = a.to_vec();
    let piv = l.dgetrf(gp::MatMut::new(&mut lu, n, n).unwrap()).unwrap();
    let run = lib().call("dgetrf", &[Arg::matrix(&a, n, n)]).unwrap();
    assert_eq!(piv, run[1].array::<i32>().unwrap());
    assert_eq!(lu, run[0].array::<f64>().unwrap());
    let (pa, l_u) = (permuted(&a, n, &piv), l_times_u(&lu, n));
    for (x, y) in pa.iter().zip(&l_u) {
        assert!((x - y).abs() < 1e-12, "P A = {pa:?}, L U = {l_u:?}");
    }
    // getrs with them; the caller's pivots stay 0-based.
    let mut b = vec![1.0, 2.0, 3.0, 4.0];
    l.dgetrs(
        gp::Mat::new(&lu, n, n).unwrap(),
        &piv,
        gp::MatMut::new(&mut b, n, 1).unwrap(),
        None,
    )
    .unwrap();
    for r in 0..n {
        let ax: f64 = (0..n).map(|c| a[c * n + r] * b[c]).sum();
        assert!((ax - [1.0, 2.0, 3.0, 4.0][r]).abs() < 1e-12, "row {r}");
    }
    assert_eq!(piv, run[1].array::<i32>().unwrap());
    // gebal's LO and HI, 0-based; gehrd's, given 0-based (the defaults: the whole matrix).
    let t = [1.0, 2.0, 4.0, 0.0, 3.0, 5.0, 0.0, 0.0, 6.0];
    let mut bt = t.to_vec();
    let (lo, hi, scale) = l
        .dgebal(gp::MatMut::new(&mut bt, 3, 3).unwrap(), None, Some(1))
        .unwrap();
    let run = lib()
        .call_named(
            "dgebal",
            &[("a", Arg::matrix(&t, 3, 3)), ("permute", Arg::Int(1))],
        )
        .unwrap();
    assert_eq!(
        (i64::from(lo), i64::from(hi)),
        (run[1].int().unwrap(), run[2].int().unwrap())
    );
    assert_eq!(scale, run[3].array::<f64>().unwrap());
    assert!(lo <= hi && hi < 3, "{lo} {hi}");
    let mut h = a.to_vec();
    let tau = l
        .dgehrd(None, None, gp::MatMut::new(&mut h, n, n).unwrap(), None)
        .unwrap();
    let run = lib().call("dgehrd", &[Arg::matrix(&a, n, n)]).unwrap();
    assert_eq!(h, run[0].array::<f64>().unwrap());
    assert_eq!(tau, run[1].array::<f64>().unwrap());
    let mut h2 = a.to_vec();
    l.dgehrd(
        Some(0),
        Some(3),
        gp::MatMut::new(&mut h2, n, n).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(h2, h);
    let e = l
        .dgehrd(
            Some(0),
            Some(i32::MAX),
            gp::MatMut::new(&mut h2, n, n).unwrap(),
            None,
        )
        .unwrap_err();
    assert!(e.to_string().starts_with("dgehrd: argument hi"), "{e}");
    // The assigned function result.
    assert_eq!(l.dlamch(b'E').unwrap(), f64::EPSILON / 2.0);
    // The result first, offsets as sub-slices; `dimension(*)`: unsafe methods.
    let (x, y) = ([1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]);
    // SAFETY: the file's checks bound the extents ddot uses (n from the lengths).
    let d = unsafe { l.ddot(None, &x[2..], None, &y[1..], None) }.unwrap();
    assert_eq!(d, 3.0 * 20.0 + 4.0 * 30.0 + 5.0 * 40.0);
    // SAFETY: as above.
    let e = unsafe { l.ddot(Some(5), &x[2..], None, &y, None) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "ddot: argument n fails check(len(x)-offx>(n-1)*abs(incx))"
    );
    // SAFETY: as above.
    let k = unsafe { l.idamax(None, &[1.0, -5.0, 3.0, 5.0], None) }.unwrap();
    assert_eq!(k, 1);
    // The complex default (1, 0).
    let c = |re, im| Complex64 { re, im };
    let mut zy = [c(10.0, 0.0), c(0.0, 10.0)];
    // SAFETY: as above (n = len(x), and Y is checked against it).
    unsafe {
        l.zaxpy(
            None,
            None,
            &[c(1.0, 2.0), c(3.0, -1.0)],
            None,
            &mut zy,
            None,
        )
    }
    .unwrap();
    assert_eq!(zy, [c(11.0, 2.0), c(3.0, 9.0)]);
}

/// Generated methods with a call-back, from the signature file (`gees`, generic) and from
/// Reference LAPACK's sources (`dgees`): the callback is called, and one of another C type
/// is refused before the call (its thunk would read an argument the routine does not pass).
#[test]
fn generated_call_backs_are_typed() {
    let _ = super::calls::lapack(); // Reference BLAS first.
    // SAFETY: the reference LAPACK whose routines the signature file states.
    let l =
        unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let ffi = jitffi::Ffi::new();
    let positive = |wr: *const f64, _wi: *const f64| {
        // SAFETY: DGEES passes pointers to an element of WR and of WI.
        i32::from(unsafe { *wr } > 0.0)
    };
    let select = ffi
        .callback_typed("int32_t (*)(const double *, const double *)", positive)
        .unwrap();
    let mut t = SCHUR_A.to_vec();
    let (sdim, wr, _wi, vs, work) = l
        .gees::<f64>(
            &select,
            gp::MatMut::new(&mut t, 4, 4).unwrap(),
            None,
            None,
            Some(1),
        )
        .unwrap();
    check_schur(i64::from(sdim), &wr, &t, &vs);
    // The file's `work` is an output (scipy returns it: WORK(1) is the optimal LWORK), here
    // as at run time; LWORK defaulted to max(3n, 1).
    assert_eq!(work.len(), 12);
    assert!(work[0] >= 12.0, "{work:?}");
    let three = ffi
        .callback_typed(
            "int32_t (*)(const double *, const double *, const double *)",
            |_: *const f64, _: *const f64, _: *const f64| 0i32,
        )
        .unwrap();
    let mut t = SCHUR_A.to_vec();
    let e = l
        .dgees(
            &three,
            gp::MatMut::new(&mut t, 4, 4).unwrap(),
            None,
            None,
            Some(1),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "dgees: argument dselect is a callback of type 'int32_t (*)(const double *, const \
         double *, const double *)'; the routine calls a 'int32_t (*)(const double *, const \
         double *)'"
    );
    // The module generated from the sources: SELECT as LAPACK documents it.
    use super::generated_lapack as g;
    // SAFETY: the reference LAPACK the module was generated from.
    let l = unsafe { g::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let mut t = SCHUR_A.to_vec();
    let (sdim, wr, _wi, vs) = l
        .dgees(
            b'V',
            b'S',
            &select,
            g::MatMut::new(&mut t, 4, 4).unwrap(),
            4,
        )
        .unwrap();
    check_schur(i64::from(sdim), &wr, &t, &vs);
    let mut t = SCHUR_A.to_vec();
    let e = l
        .dgees(b'V', b'S', &three, g::MatMut::new(&mut t, 4, 4).unwrap(), 4)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("dgees: argument select is a callback of type"),
        "{e}"
    );
}

/// A tridiagonal system (KL = KU = 1) in LAPACK's band storage: 2·KL+KU+1 = 4 rows, A(i, j)
/// at row KL+KU+i-j of column j (0-based), the first KL rows room for the factors' fill-in.
fn band(n: usize) -> (Vec<f64>, Vec<f64>) {
    let (kl, ku) = (1usize, 1usize);
    let ldab = 2 * kl + ku + 1;
    let mut dense = vec![0.0; n * n];
    let mut ab = vec![0.0; ldab * n];
    for j in 0..n {
        for i in j.saturating_sub(ku)..n.min(j + kl + 1) {
            // Diagonally weak, so that partial pivoting swaps rows.
            let v = if i == j {
                1.0 + j as f64
            } else {
                3.0 - (i + 2 * j) as f64 * 0.5
            };
            dense[i + n * j] = v;
            ab[(kl + ku + i - j) + ldab * j] = v;
        }
    }
    (dense, ab)
}

/// ?gbsv through its callstatement (LDAB a local with a value), at run time and generated:
/// A x = b against the dense matrix, pivots 0-based and the same both ways.
#[test]
fn banded_solve_through_a_callstatement_local() {
    let n = 5;
    let (dense, ab) = band(n);
    let b: Vec<f64> = (0..n).map(|i| 1.0 + i as f64).collect();
    let out = lib()
        .call(
            "dgbsv",
            &[
                Arg::Int(1),
                Arg::Int(1),
                Arg::matrix(&ab, 4, n),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap();
    let piv = out[1].array::<i32>().unwrap().to_vec();
    let x = out[2].array::<f64>().unwrap().to_vec();
    for i in 0..n {
        let ax: f64 = (0..n).map(|j| dense[i + n * j] * x[j]).sum();
        assert!((ax - b[i]).abs() < 1e-12, "row {i}: {ax} vs {}", b[i]);
    }
    assert!(piv.iter().all(|&p| (0..n as i32).contains(&p)), "{piv:?}");
    assert!(
        piv.iter().enumerate().any(|(i, &p)| p != i as i32),
        "a row swapped: {piv:?}"
    );
    // A band matrix of the wrong height fails the file's check.
    let e = lib()
        .call(
            "dgbsv",
            &[
                Arg::Int(2),
                Arg::Int(1),
                Arg::matrix(&ab, 4, n),
                Arg::matrix(&b, n, 1),
            ],
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("fails check(2*kl+ku+1==shape(ab,0))"),
        "{e}"
    );
    let _ = super::calls::lapack(); // Reference BLAS first.
    // SAFETY: the reference LAPACK whose routines the signature file states.
    let l =
        unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let (mut ab2, mut x2) = (ab.clone(), b.clone());
    let piv2 = l
        .dgbsv(
            1,
            1,
            gp::MatMut::new(&mut ab2, 4, n).unwrap(),
            gp::MatMut::new(&mut x2, n, 1).unwrap(),
        )
        .unwrap();
    assert_eq!(piv2, piv);
    assert_eq!(x2, x);
    assert_eq!(ab2, out[0].array::<f64>().unwrap());
}

/// A symmetric positive definite 3 × 3 matrix (column-major).
const SPD: [f64; 9] = [4.0, 2.0, -2.0, 2.0, 10.0, 5.0, -2.0, 5.0, 9.0];

/// `C` (n × n) times its transpose, in the order a Cholesky factor of `lower` multiplies.
fn cholesky_product(c: &[f64], n: usize, lower: bool) -> Vec<f64> {
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            p[i + n * j] = (0..n)
                .map(|k| {
                    if lower {
                        c[i + n * k] * c[j + n * k]
                    } else {
                        c[k + n * i] * c[k + n * j]
                    }
                })
                .sum();
        }
    }
    p
}

/// scipy's `?potrf` callstatement: after the call, `clean` zeroes the triangle the factor
/// does not use (the strict lower one of U, the strict upper one of L); with `clean = 0` it
/// keeps A's entries. At run time and generated, real and complex.
#[test]
fn potrf_cleans_the_other_triangle_after_the_call() {
    let n = 3;
    for lower in [0i64, 1] {
        for clean in [1i64, 0] {
            let out = lib()
                .call_named(
                    "dpotrf",
                    &[
                        ("a", Arg::matrix(&SPD, n, n)),
                        ("lower", Arg::Int(lower)),
                        ("clean", Arg::Int(clean)),
                    ],
                )
                .unwrap();
            let c = out[0].array::<f64>().unwrap().to_vec();
            for j in 0..n {
                for i in 0..n {
                    let unused = if lower == 1 { i < j } else { i > j };
                    let want = if !unused {
                        None
                    } else if clean == 1 {
                        Some(0.0)
                    } else {
                        Some(SPD[i + n * j])
                    };
                    if let Some(w) = want {
                        assert_eq!(c[i + n * j], w, "lower={lower} clean={clean} ({i},{j})");
                    }
                }
            }
            if clean == 1 {
                let p = cholesky_product(&c, n, lower == 1);
                for k in 0..n * n {
                    assert!((p[k] - SPD[k]).abs() < 1e-12, "lower={lower}: {p:?}");
                }
            }
            // The generated method, in place: the same bits.
            let _ = super::calls::lapack(); // Reference BLAS first.
            // SAFETY: the reference LAPACK whose routines the signature file states.
            let l = unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }
                .unwrap();
            let mut a = SPD.to_vec();
            l.dpotrf(
                gp::MatMut::new(&mut a, n, n).unwrap(),
                Some(lower as i32),
                Some(clean as i32),
            )
            .unwrap();
            assert_eq!(a, c, "lower={lower} clean={clean}");
        }
    }
    // Complex elements (a Hermitian matrix with an imaginary part): both parts zeroed.
    let h = [
        Complex64 { re: 4.0, im: 0.0 },
        Complex64 { re: 1.0, im: 1.0 },
        Complex64 { re: 1.0, im: -1.0 },
        Complex64 { re: 5.0, im: 0.0 },
    ];
    let out = lib().call("zpotrf", &[Arg::matrix(&h, 2, 2)]).unwrap();
    let u = out[0].array::<Complex64>().unwrap();
    assert_eq!(u[1], Complex64 { re: 0.0, im: 0.0 }, "{u:?}");
    assert!((u[0].re - 2.0).abs() < 1e-15 && u[2].im != 0.0, "{u:?}");
    let out = lib()
        .call_named(
            "zpotrf",
            &[("a", Arg::matrix(&h, 2, 2)), ("lower", Arg::Int(1))],
        )
        .unwrap();
    let l = out[0].array::<Complex64>().unwrap();
    assert_eq!(l[2], Complex64 { re: 0.0, im: 0.0 }, "{l:?}");
    assert!(l[1].im != 0.0, "{l:?}");
}

/// scipy's `gemv` (fblas_l2): `ly`'s value tests `y_capi==Py_None`, which is false here (an
/// array is always given), so y is the caller's, bounded by the file's checks. y = αAx + βy
/// against sums computed here, plain and transposed, at run time and generated.
#[test]
fn gemv_with_a_python_c_api_default() {
    let (m, n) = (3, 2);
    let a = [1.0, 2.0, 3.0, -1.0, 0.5, 4.0];
    let at = |i: usize, j: usize| a[i + m * j];
    let x3 = [1.0, -2.0, 0.5];
    let x2 = [2.0, 1.0];
    let y0 = [1.0, 1.0, 1.0];
    let out = lib()
        .call_named(
            "dgemv",
            &[
                ("alpha", Arg::Real(2.0)),
                ("a", Arg::matrix(&a, m, n)),
                ("x", Arg::vec(&x2)),
                ("beta", Arg::Real(0.5)),
                ("y", Arg::vec(&y0)),
            ],
        )
        .unwrap();
    let want: Vec<f64> = (0..m)
        .map(|i| 2.0 * (at(i, 0) * x2[0] + at(i, 1) * x2[1]) + 0.5 * y0[i])
        .collect();
    assert_eq!(out[0].array::<f64>().unwrap(), want);
    let y2 = [3.0, -1.0];
    let out = lib()
        .call_named(
            "dgemv",
            &[
                ("alpha", Arg::Real(1.0)),
                ("a", Arg::matrix(&a, m, n)),
                ("x", Arg::vec(&x3)),
                ("y", Arg::vec(&y2)),
                ("trans", Arg::Int(1)),
            ],
        )
        .unwrap();
    let want_t: Vec<f64> = (0..n)
        .map(|j| (0..m).map(|i| at(i, j) * x3[i]).sum())
        .collect();
    assert_eq!(out[0].array::<f64>().unwrap(), want_t);
    // A y too short for A: the file's check.
    let e = lib()
        .call_named(
            "dgemv",
            &[
                ("alpha", Arg::Real(1.0)),
                ("a", Arg::matrix(&a, m, n)),
                ("x", Arg::vec(&x2)),
                ("y", Arg::vec(&[0.0, 0.0])),
            ],
        )
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("fails check(len(y)>offy+(rows-1)*abs(incy))"),
        "{e}"
    );
    let _ = super::calls::lapack(); // Reference BLAS first.
    // SAFETY: the reference LAPACK whose routines the signature file states.
    let l =
        unsafe { gp::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }.unwrap();
    let mut y = y0.to_vec();
    let am = gp::Mat::new(&a, m, n).unwrap();
    // SAFETY: x holds cols = 2 elements and y rows = 3, as the file's checks also verify.
    unsafe { l.dgemv(2.0, am, &x2, None, Some(0.5), &mut y, None, None) }.unwrap();
    assert_eq!(y, want);
}
