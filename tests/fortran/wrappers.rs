//! The wrappers `jitffi f2rs -o` generates, for 40 BLAS and LAPACK families in their four
//! precisions: the module in `generated_lapack.rs` is what the generator writes today for
//! these sources (regenerate it with `JITFFI_BLESS=1 cargo test --test fortran wrappers`), it
//! compiles here as part of this test crate, and its methods and generic families are called
//! on the inputs of `numerics` and must print the C oracles' lines bit for bit: the 80 of
//! `tests/f/lapacke_oracle.c` (18 LAPACK and BLAS routines in four precisions, dot products,
//! norms) and the 56 of `tests/f/wrappers_oracle.c` (BLAS levels 1-3: copy, swap, asum, iamax,
//! rot, ger/gerc, trsv, symv, hemv, trsm, syrk, herk; the drivers gesvd, geev and gees with a
//! Rust SELECT callback). Bad arguments are clear errors and the process lives on.

use std::path::Path;

use jitffi::fortran::{self, Abi, Complex32, Complex64, FortranError, RustOptions, Sources};

use super::generated_lapack as g;
use super::generated_lapack::{Mat, MatMut};
use super::numerics::Num;

/// The families: every precision of each that Reference LAPACK has.
const STEMS: &[&str] = &[
    "axpy", "scal", "copy", "swap", "dot", "dotc", "dotu", "nrm2", "asum", "amax", "rot", "gemv",
    "ger", "gerc", "trsv", "symv", "hemv", "gemm", "trsm", "syrk", "herk", "gesv", "getrf",
    "getri", "getrs", "potrf", "potrs", "posv", "gels", "geqrf", "orgqr", "ungqr", "trtrs",
    "trtri", "gelqf", "syev", "heev", "gesvd", "geev", "gees",
];

/// The source files of [`STEMS`], relative to the LAPACK tree.
fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for stem in STEMS {
        for p in [
            "s", "d", "c", "z", "sc", "dz", "cs", "zd", "is", "id", "ic", "iz",
        ] {
            for dir in ["BLAS/SRC", "SRC"] {
                for ext in ["f", "f90"] {
                    let f = format!("{dir}/{p}{stem}.{ext}");
                    if root.join(&f).exists() {
                        out.push(f);
                    }
                }
            }
        }
    }
    out
}

fn generate() -> fortran::Generated {
    let root = super::lapack::lapack_source();
    let mut sources = Sources::new();
    let files = files(&root);
    for f in &files {
        sources = sources.file(root.join(f));
    }
    let sigs = fortran::read(&sources).expect("the sources read");
    assert!(sigs.skipped.is_empty(), "{:?}", sigs.skipped);
    sigs.rust(
        &Abi::default(),
        &RustOptions {
            lib: Some("lapack".into()),
            source: format!(
                "{} files of Reference LAPACK 3.12 (tests/fortran/wrappers.rs)",
                files.len()
            ),
            rustfmt: true,
        },
    )
}

#[test]
fn generated_module_is_current() {
    let g = generate();
    assert_eq!(g.formatted, Ok(true), "rustfmt formats the module");
    assert!(g.skipped.is_empty(), "{:?}", g.skipped);
    // 40 stems: 142 routines, every one wrapped and safe (the SVD's U, `(LDU,UCOL)` with
    // `(LDU,M) if JOBU = 'A' or (LDU,min(M,N)) if JOBU = 'S'`, is allocated with the larger).
    assert_eq!(g.wrapped.len(), 142, "{:?}", g.wrapped);
    assert!(g.unchecked.is_empty(), "{:?}", g.unchecked);
    for f in [
        "Gesv", "Gemm", "Axpy", "Posv", "Getrf", "Geqrf", "Trtrs", "Nrm2",
    ] {
        assert!(g.families.iter().any(|x| x == f), "{f}: {:?}", g.families);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fortran/generated_lapack.rs");
    if std::env::var_os("JITFFI_BLESS").is_some() {
        std::fs::write(&path, &g.code).unwrap();
        return;
    }
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old != g.code {
        let at = old
            .lines()
            .zip(g.code.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(old.lines().count().min(g.code.lines().count()));
        panic!(
            "{} is not what f2rs generates now (first difference at line {}); regenerate it \
             with `JITFFI_BLESS=1 cargo test --test fortran wrappers` and review the diff",
            path.display(),
            at + 1
        );
    }
}

/// Reference LAPACK over Reference BLAS, through the generated module.
fn lib() -> &'static g::Library {
    static LIB: std::sync::OnceLock<g::Library> = std::sync::OnceLock::new();
    // Reference BLAS first (loaded globally by the run-time library's test setup).
    let _ = super::calls::lapack();
    LIB.get_or_init(|| {
        // SAFETY: the reference LAPACK built from the sources the module was generated from.
        unsafe { g::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }
            .unwrap_or_else(|e| panic!("{e} (`bash .ci/deps` installs liblapack-dev)"))
    })
}

#[test]
fn bad_arguments_are_errors_and_the_process_lives_on() {
    let l = lib();
    let mut a = vec![1.0f64; 16];
    let mut b = [1.0f64; 4];
    // A view that does not fit its slice.
    let e = MatMut::new(&mut a[..15], 4, 4).unwrap_err().to_string();
    assert!(e.contains("needs 16 elements, the slice has 15"), "{e}");
    // A right-hand side shorter than the matrix: ldb < n.
    let e = l
        .dgesv(
            MatMut::new(&mut a, 4, 4).unwrap(),
            MatMut::new(&mut b[..3], 3, 1).unwrap(),
        )
        .unwrap_err()
        .to_string();
    assert_eq!(e, "dgesv: argument ldb is 3; it must be >= max(1,n) = 4");
    // A bad option letter never reaches XERBLA.
    let x = vec![1.0f64; 4];
    let mut y = vec![0.0f64; 4];
    let e = l
        .dgemv(
            b'X',
            4,
            1.0,
            Mat::new(&a, 4, 4).unwrap(),
            &x,
            1,
            0.0,
            &mut y,
            1,
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("dgemv: argument trans is 'X'; it must be one of 'N', 'T', 'C'"),
        "{e}"
    );
    // A vector too short for n and its increment.
    let e = l.ddot(4, &x, 2, &y, 1).unwrap_err().to_string();
    assert_eq!(
        e,
        "ddot: argument dx has 4 elements; the routine uses 7 (1+(n-1)*abs(incx) = 7)"
    );
    // A zero increment, which dgemv would hand to XERBLA (level 1 routines accept it).
    let e = l
        .dgemv(
            b'N',
            4,
            1.0,
            Mat::new(&a, 4, 4).unwrap(),
            &x,
            0,
            0.0,
            &mut y,
            1,
        )
        .unwrap_err()
        .to_string();
    assert_eq!(e, "dgemv: argument incx is 0; it must not be zero");
    assert!(l.daxpy(4, 1.0, &x, 0, &mut y, 1).is_ok());
    // A singular matrix: INFO > 0 with the documentation's meaning.
    let mut z = vec![0.0f64; 4];
    let mut r = vec![1.0f64; 2];
    match l.dgesv(
        MatMut::new(&mut z, 2, 2).unwrap(),
        MatMut::new(&mut r, 2, 1).unwrap(),
    ) {
        Err(FortranError::Failed {
            routine,
            info,
            meaning,
        }) => {
            assert_eq!((routine.as_str(), info), ("dgesv", 1));
            assert!(meaning.contains("exactly zero"), "{meaning}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        l.dgesv(
            MatMut::new(&mut z, 2, 2).unwrap(),
            MatMut::new(&mut r, 2, 1).unwrap(),
        )
        .unwrap_err()
        .failure(),
        Some((fortran::Failure::Singular, 1))
    );
    // Not positive definite: the order of the failing minor.
    let mut npd = vec![1.0, 2.0, 2.0, 1.0];
    let e = l
        .dpotrf(b'U', MatMut::new(&mut npd, 2, 2).unwrap())
        .unwrap_err();
    assert_eq!(
        e.failure(),
        Some((fortran::Failure::NotPositiveDefinite, 2)),
        "{e}"
    );
    // A negative increment walks the vector backwards (1+(n-1)*|incx| elements).
    let v = [1.0, 2.0, 3.0];
    assert_eq!(l.ddot(3, &v, -1, &v, 1).unwrap(), 3.0 + 4.0 + 3.0);
    assert!(l.ddot(3, &v[..2], -1, &v, 1).is_err());
    // Offsets are sub-slices: every other element from the second.
    let w = [9.0, 1.0, 9.0, 2.0, 9.0, 3.0];
    assert_eq!(l.ddot(3, &w[1..], 2, &v, 1).unwrap(), 14.0);
    // Empty inputs are fine.
    assert_eq!(l.ddot(0, &[], 1, &[], 1).unwrap(), 0.0);
    let mut e0: Vec<f64> = Vec::new();
    let mut e1: Vec<f64> = Vec::new();
    assert!(
        l.dgesv(
            MatMut::new(&mut e0, 0, 0).unwrap(),
            MatMut::new(&mut e1, 0, 0).unwrap()
        )
        .unwrap()
        .is_empty()
    );
    let _ = (Complex32::default(), Complex64::default());
}

/// An element as the oracle prints it.
trait Bits: Copy {
    fn bits(self, out: &mut String);
}

impl Bits for f32 {
    fn bits(self, out: &mut String) {
        out.push_str(&format!(" {:08X}", self.to_bits()));
    }
}

impl Bits for f64 {
    fn bits(self, out: &mut String) {
        out.push_str(&format!(" {:016X}", self.to_bits()));
    }
}

impl Bits for Complex32 {
    fn bits(self, out: &mut String) {
        self.re.bits(out);
        self.im.bits(out);
    }
}

impl Bits for Complex64 {
    fn bits(self, out: &mut String) {
        self.re.bits(out);
        self.im.bits(out);
    }
}

impl Bits for i32 {
    fn bits(self, out: &mut String) {
        out.push_str(&format!(" {self}"));
    }
}

fn push<E: Bits>(s: &mut String, v: &[E]) {
    v.iter().for_each(|x| x.bits(s));
}

/// What differs between the real and the complex members of the families below: the
/// symmetric (Hermitian) eigensolver and the Q of a QR factorization.
trait Sym: Num + Bits + g::Scalar<Real: Bits> {
    fn eig(l: &g::Library, a: MatMut<'_, Self>) -> Result<Vec<Self::Real>, FortranError>;
    fn q(l: &g::Library, m: g::Int, a: MatMut<'_, Self>, tau: &[Self]) -> Result<(), FortranError>;
}

impl Sym for f32 {
    fn eig(l: &g::Library, a: MatMut<'_, f32>) -> Result<Vec<f32>, FortranError> {
        l.ssyev(b'V', b'U', a)
    }
    fn q(l: &g::Library, m: g::Int, a: MatMut<'_, f32>, tau: &[f32]) -> Result<(), FortranError> {
        l.sorgqr(m, a, tau)
    }
}

impl Sym for f64 {
    fn eig(l: &g::Library, a: MatMut<'_, f64>) -> Result<Vec<f64>, FortranError> {
        l.syev::<f64>(b'V', b'U', a)
    }
    fn q(l: &g::Library, m: g::Int, a: MatMut<'_, f64>, tau: &[f64]) -> Result<(), FortranError> {
        l.orgqr::<f64>(m, a, tau)
    }
}

impl Sym for Complex32 {
    fn eig(l: &g::Library, a: MatMut<'_, Complex32>) -> Result<Vec<f32>, FortranError> {
        l.cheev(b'V', b'U', a)
    }
    fn q(
        l: &g::Library,
        m: g::Int,
        a: MatMut<'_, Complex32>,
        tau: &[Complex32],
    ) -> Result<(), FortranError> {
        l.ungqr::<Complex32>(m, a, tau)
    }
}

impl Sym for Complex64 {
    fn eig(l: &g::Library, a: MatMut<'_, Complex64>) -> Result<Vec<f64>, FortranError> {
        l.heev::<Complex64>(b'V', b'U', a)
    }
    fn q(
        l: &g::Library,
        m: g::Int,
        a: MatMut<'_, Complex64>,
        tau: &[Complex64],
    ) -> Result<(), FortranError> {
        l.zungqr(m, a, tau)
    }
}

/// `numerics`' 18 cases of one precision, through the generated generic methods, as lines.
fn cases<T>(l: &g::Library, lines: &mut Vec<String>)
where
    T: Sym
        + g::Gesv
        + g::Posv
        + g::Potrf
        + g::Gels
        + g::Getrf
        + g::Getri
        + g::Geqrf
        + g::Trtrs
        + g::Getrs
        + g::Trtri
        + g::Potrs
        + g::Gelqf
        + g::Gemm
        + g::Gemv
        + g::Axpy
        + g::Scal,
{
    use super::numerics::{M, N};
    let name = |r: &str| format!("{}{r}", T::P);
    let mut line = |case: String, parts: &[&dyn Fn(&mut String)]| {
        let mut s = case;
        for p in parts {
            p(&mut s);
        }
        lines.push(s);
    };
    fn m<T: Num>(v: &mut [T], r: usize, c: usize) -> MatMut<'_, T> {
        MatMut::new(v, r, c).unwrap()
    }
    let gen_sq = || -> Vec<T> {
        (0..N * N)
            .map(|k| T::mk(k % N, k / N, if k % N == k / N { N } else { 0 }))
            .collect()
    };
    // gesv.
    let mut a = gen_sq();
    let mut b: Vec<T> = (0..2 * N).map(|k| T::mk(k / N, k % N, 0)).collect();
    let ipiv = l.gesv::<T>(m(&mut a, N, N), m(&mut b, N, 2)).unwrap();
    line(
        name("gesv"),
        &[&|s| push(s, &a), &|s| push(s, &ipiv), &|s| push(s, &b)],
    );
    // posv, potrf, syev/heev on a symmetric (Hermitian) diagonally dominant matrix.
    let w2: Vec<T> = (0..N * N)
        .map(|k| {
            let (i, j) = (k % N, k / N);
            let x = T::mk(i.min(j), i.max(j), if i == j { 2 * N } else { 0 });
            if T::COMPLEX && i > j {
                x.conj()
            } else if T::COMPLEX && i == j {
                x.real_only()
            } else {
                x
            }
        })
        .collect();
    let (mut a, mut b) = (
        w2.clone(),
        (0..N).map(|k| T::mk(k, 1, 0)).collect::<Vec<T>>(),
    );
    l.posv::<T>(b'U', m(&mut a, N, N), m(&mut b, N, 1)).unwrap();
    line(name("posv"), &[&|s| push(s, &a), &|s| push(s, &b)]);
    let mut chol = w2.clone();
    l.potrf::<T>(b'L', m(&mut chol, N, N)).unwrap();
    line(name("potrf"), &[&|s| push(s, &chol)]);
    let mut a = w2.clone();
    let w = T::eig(l, m(&mut a, N, N)).unwrap();
    let sy = if T::COMPLEX { "heev" } else { "syev" };
    line(name(sy), &[&|s| push(s, &a), &|s| push(s, &w)]);
    // gels, 5 x 3.
    let mut a: Vec<T> = (0..M * 3)
        .map(|k| T::mk(k % M, k / M, if k % M == k / M { 3 } else { 0 }))
        .collect();
    let mut b: Vec<T> = (0..M).map(|k| T::mk(k, 2, 0)).collect();
    l.gels::<T>(b'N', M as g::Int, m(&mut a, M, 3), m(&mut b, M, 1))
        .unwrap();
    line(name("gels"), &[&|s| push(s, &a), &|s| push(s, &b)]);
    // getrf, getri.
    let mut lu = gen_sq();
    let ipiv = l.getrf::<T>(N as g::Int, m(&mut lu, N, N)).unwrap();
    line(name("getrf"), &[&|s| push(s, &lu), &|s| push(s, &ipiv)]);
    let mut inv = lu.clone();
    l.getri::<T>(m(&mut inv, N, N), &ipiv).unwrap();
    line(name("getri"), &[&|s| push(s, &inv)]);
    // geqrf, orgqr/ungqr on 5 x 3.
    let mut qr: Vec<T> = (0..M * 3).map(|k| T::mk(k % M, k / M, 0)).collect();
    let tau = l.geqrf::<T>(M as g::Int, m(&mut qr, M, 3)).unwrap();
    line(name("geqrf"), &[&|s| push(s, &qr), &|s| push(s, &tau)]);
    T::q(l, M as g::Int, m(&mut qr, M, 3), &tau).unwrap();
    let or = if T::COMPLEX { "ungqr" } else { "orgqr" };
    line(name(or), &[&|s| push(s, &qr)]);
    // trtrs: upper, transposed, non-unit.
    let a = gen_sq();
    let mut b: Vec<T> = (0..N).map(|k| T::mk(k, 3, 0)).collect();
    l.trtrs::<T>(
        b'U',
        b'T',
        b'N',
        Mat::new(&a, N, N).unwrap(),
        m(&mut b, N, 1),
    )
    .unwrap();
    line(name("trtrs"), &[&|s| push(s, &b)]);
    // getrs with the LU above; trtri; potrs with the Cholesky factor above.
    let mut b: Vec<T> = (0..N).map(|k| T::mk(2, k, 0)).collect();
    l.getrs::<T>(b'N', Mat::new(&lu, N, N).unwrap(), &ipiv, m(&mut b, N, 1))
        .unwrap();
    line(name("getrs"), &[&|s| push(s, &b)]);
    let mut t = a.clone();
    l.trtri::<T>(b'U', b'N', m(&mut t, N, N)).unwrap();
    line(name("trtri"), &[&|s| push(s, &t)]);
    let mut b: Vec<T> = (0..N).map(|k| T::mk(k, 2, 0)).collect();
    l.potrs::<T>(b'L', Mat::new(&chol, N, N).unwrap(), m(&mut b, N, 1))
        .unwrap();
    line(name("potrs"), &[&|s| push(s, &b)]);
    // gelqf on 3 x 5.
    let mut a: Vec<T> = (0..3 * M).map(|k| T::mk(k % 3, k / 3, 0)).collect();
    let tau = l.gelqf::<T>(3, m(&mut a, 3, M)).unwrap();
    line(name("gelqf"), &[&|s| push(s, &a), &|s| push(s, &tau)]);
    // gemm (A B^T), gemv (transposed).
    let (alpha, beta) = (T::mk(1, 2, 0), T::mk(2, 1, 0));
    let a: Vec<T> = (0..N * N).map(|k| T::mk(k % N, k / N, 0)).collect();
    let b: Vec<T> = (0..2 * N).map(|k| T::mk(k % 2, k / 2 + 1, 0)).collect();
    let mut c: Vec<T> = (0..2 * N).map(|k| T::mk(k / N, k % N, 0)).collect();
    l.gemm::<T>(
        b'N',
        b'T',
        N as g::Int,
        N as g::Int,
        alpha,
        Mat::new(&a, N, N).unwrap(),
        Mat::new(&b, 2, N).unwrap(),
        beta,
        m(&mut c, N, 2),
    )
    .unwrap();
    line(name("gemm"), &[&|s| push(s, &c)]);
    let x: Vec<T> = (0..N).map(|k| T::mk(k, 0, 0)).collect();
    let mut y: Vec<T> = (0..N).map(|k| T::mk(0, k, 0)).collect();
    l.gemv::<T>(
        b'T',
        N as g::Int,
        alpha,
        Mat::new(&a, N, N).unwrap(),
        &x,
        1,
        beta,
        &mut y,
        1,
    )
    .unwrap();
    line(name("gemv"), &[&|s| push(s, &y)]);
    // axpy with strides, then scal.
    let mut y: Vec<T> = (0..N).map(|k| T::mk(0, k, 0)).collect();
    l.axpy::<T>(2, alpha, &x, 2, &mut y, 2).unwrap();
    line(name("axpy"), &[&|s| push(s, &y)]);
    l.scal::<T>(N as g::Int, beta, &mut y, 1).unwrap();
    line(name("scal"), &[&|s| push(s, &y)]);
}

#[test]
fn generated_wrappers_match_lapacke_bit_for_bit() {
    let l = lib();
    let mut lines = Vec::new();
    cases::<f32>(l, &mut lines);
    cases::<f64>(l, &mut lines);
    cases::<Complex32>(l, &mut lines);
    cases::<Complex64>(l, &mut lines);
    // The dot products and norms, by their concrete methods.
    let xy = |i: usize| -> (usize, usize) { (i, 0) };
    let _ = xy;
    {
        fn v<T: Num>(row: bool) -> Vec<T> {
            (0..super::numerics::N)
                .map(|k| if row { T::mk(k, 0, 0) } else { T::mk(0, k, 0) })
                .collect()
        }
        let n = super::numerics::N as g::Int;
        let mut s = "sdot".to_string();
        push(
            &mut s,
            &[l.sdot(n, &v::<f32>(true), 1, &v::<f32>(false), 1).unwrap()],
        );
        lines.push(s);
        let mut s = "ddot".to_string();
        push(
            &mut s,
            &[l.dot::<f64>(n, &v(true), 1, &v(false), 1).unwrap()],
        );
        lines.push(s);
        let mut s = "cdotc".to_string();
        push(&mut s, &[l.cdotc(n, &v(true), 1, &v(false), 1).unwrap()]);
        lines.push(s);
        let mut s = "zdotc".to_string();
        push(
            &mut s,
            &[l.dotc::<Complex64>(n, &v(true), 1, &v(false), 1).unwrap()],
        );
        lines.push(s);
        let mut s = "snrm2".to_string();
        push(&mut s, &[l.snrm2(n, &v(true), 1).unwrap()]);
        lines.push(s);
        let mut s = "dnrm2".to_string();
        push(&mut s, &[l.dnrm2(n, &v(true), 1).unwrap()]);
        lines.push(s);
        let mut s = "scnrm2".to_string();
        push(&mut s, &[l.scnrm2(n, &v(true), 1).unwrap()]);
        lines.push(s);
        let mut s = "dznrm2".to_string();
        push(&mut s, &[l.dznrm2(n, &v(true), 1).unwrap()]);
        lines.push(s);
    }
    let (_, stack) = super::stack();
    let expected = super::numerics::oracle(&stack);
    assert_eq!(lines.len(), 80);
    assert_eq!(lines.len(), expected.len());
    for (got, want) in lines.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

/// BLAS levels 1-3 of one precision, by the concrete methods (`?copy` has no family trait:
/// `Copy` is the prelude's), in the order of `tests/f/wrappers_oracle.c`.
macro_rules! blas_cases {
    ($l:expr, $lines:expr, $T:ty, $R:ty, $p:literal, $copy:ident, $swap:ident, $asum:ident,
     $iamax:ident, $rot:ident, $ger:ident, $trsv:ident, $symv:ident, $trsm:ident,
     $syrk:ident) => {{
        use super::numerics::N;
        let l: &g::Library = $l;
        let lines: &mut Vec<String> = $lines;
        let mk = <$T as Num>::mk;
        let n = N as g::Int;
        let (alpha, beta) = (mk(1, 2, 0), mk(2, 1, 0));
        let mut x: Vec<$T> = (0..N).map(|k| mk(k, 0, 0)).collect();
        let mut y: Vec<$T> = (0..N).map(|k| mk(0, k, 0)).collect();
        let mut s = format!("{}copy", $p);
        push(&mut s, &l.$copy(n, &x, 1, 2).unwrap());
        lines.push(s);
        l.$swap(n, &mut x, 1, &mut y, 1).unwrap();
        let mut s = format!("{}swap", $p);
        push(&mut s, &x);
        push(&mut s, &y);
        lines.push(s);
        let mut s = stringify!($asum).to_string();
        push(&mut s, &[l.$asum(n, &mut x, 1).unwrap()]);
        lines.push(s);
        let mut s = stringify!($iamax).to_string();
        push(&mut s, &[l.$iamax(n, &x, 1).unwrap()]);
        lines.push(s);
        l.$rot(n, &mut x, 1, &mut y, 1, 0.6 as $R, 0.8 as $R)
            .unwrap();
        let mut s = stringify!($rot).to_string();
        push(&mut s, &x);
        push(&mut s, &y);
        lines.push(s);
        let mut a: Vec<$T> = (0..N * N).map(|k| mk(k % N, k / N, 0)).collect();
        l.$ger(n, alpha, &x, 1, &y, 1, MatMut::new(&mut a, N, N).unwrap())
            .unwrap();
        let mut s = stringify!($ger).to_string();
        push(&mut s, &a);
        lines.push(s);
        let a: Vec<$T> = (0..N * N)
            .map(|k| mk(k % N, k / N, if k % N == k / N { N } else { 0 }))
            .collect();
        let mut x: Vec<$T> = (0..N).map(|k| mk(k, 0, 0)).collect();
        l.$trsv(b'L', b'N', b'N', Mat::new(&a, N, N).unwrap(), &mut x, 1)
            .unwrap();
        let mut s = format!("{}trsv", $p);
        push(&mut s, &x);
        lines.push(s);
        let x: Vec<$T> = (0..N).map(|k| mk(k, 0, 0)).collect();
        let mut y: Vec<$T> = (0..N).map(|k| mk(0, k, 0)).collect();
        l.$symv(
            b'U',
            alpha,
            Mat::new(&a, N, N).unwrap(),
            &x,
            1,
            beta,
            &mut y,
            1,
        )
        .unwrap();
        let mut s = format!("{}symv", $p);
        push(&mut s, &y);
        lines.push(s);
        let mut b: Vec<$T> = (0..2 * N).map(|k| mk(k % N, k / N + 1, 0)).collect();
        l.$trsm(
            b'L',
            b'U',
            b'N',
            b'U',
            n,
            alpha,
            Mat::new(&a, N, N).unwrap(),
            MatMut::new(&mut b, N, 2).unwrap(),
        )
        .unwrap();
        let mut s = format!("{}trsm", $p);
        push(&mut s, &b);
        lines.push(s);
        let b: Vec<$T> = (0..2 * N).map(|k| mk(k % N, k / N + 1, 0)).collect();
        let mut c: Vec<$T> = (0..N * N).map(|k| mk(k / N, k % N, 0)).collect();
        l.$syrk(
            b'L',
            b'N',
            2,
            alpha,
            Mat::new(&b, N, 2).unwrap(),
            beta,
            MatMut::new(&mut c, N, N).unwrap(),
        )
        .unwrap();
        let mut s = format!("{}syrk", $p);
        push(&mut s, &c);
        lines.push(s);
    }};
}

/// `?hemv` and `?herk` (complex only).
macro_rules! hermitian_cases {
    ($l:expr, $lines:expr, $T:ty, $R:ty, $p:literal, $hemv:ident, $herk:ident) => {{
        use super::numerics::N;
        let l: &g::Library = $l;
        let lines: &mut Vec<String> = $lines;
        let mk = <$T as Num>::mk;
        let (alpha, beta) = (mk(1, 2, 0), mk(2, 1, 0));
        let a: Vec<$T> = (0..N * N)
            .map(|k| mk(k % N, k / N, if k % N == k / N { N } else { 0 }))
            .collect();
        let x: Vec<$T> = (0..N).map(|k| mk(k, 0, 0)).collect();
        let mut y: Vec<$T> = (0..N).map(|k| mk(0, k, 0)).collect();
        l.$hemv(
            b'U',
            alpha,
            Mat::new(&a, N, N).unwrap(),
            &x,
            1,
            beta,
            &mut y,
            1,
        )
        .unwrap();
        let mut s = format!("{}hemv", $p);
        push(&mut s, &y);
        lines.push(s);
        let b: Vec<$T> = (0..2 * N).map(|k| mk(k % N, k / N + 1, 0)).collect();
        let mut c: Vec<$T> = (0..N * N).map(|k| mk(k / N, k % N, 0)).collect();
        l.$herk(
            b'L',
            b'N',
            2,
            1.5 as $R,
            Mat::new(&b, N, 2).unwrap(),
            0.5 as $R,
            MatMut::new(&mut c, N, N).unwrap(),
        )
        .unwrap();
        let mut s = format!("{}herk", $p);
        push(&mut s, &c);
        lines.push(s);
    }};
}

/// The SVD (an `unsafe` method: U's extent is stated in prose), the eigenvalue driver and the
/// Schur factorization with a Rust SELECT callback, of one precision.
macro_rules! driver_cases {
    ($l:expr, $lines:expr, $T:ty, $p:literal, $gesvd:ident, $geev:ident, $gees:ident,
     $select:literal, $sel:expr, real: $real:tt) => {{
        use super::numerics::{M, N};
        let l: &g::Library = $l;
        let lines: &mut Vec<String> = $lines;
        let mk = <$T as Num>::mk;
        let mut a: Vec<$T> = (0..M * 3)
            .map(|k| mk(k % M, k / M, if k % M == k / M { 3 } else { 0 }))
            .collect();
        // JOBU = 'A': U is allocated M x M (LDU = M).
        let (sv, u, vt) = l
            .$gesvd(
                b'A',
                b'A',
                M as g::Int,
                MatMut::new(&mut a, M, 3).unwrap(),
                M as g::Int,
                3,
            )
            .unwrap();
        let mut s = format!("{}gesvd", $p);
        push(&mut s, &sv);
        push(&mut s, &u);
        push(&mut s, &vt);
        lines.push(s);
        let sq = || -> Vec<$T> {
            (0..N * N)
                .map(|k| mk(k % N, k / N, if k % N == k / N { N } else { 0 }))
                .collect()
        };
        let mut ge = sq();
        let ev = l
            .$geev(b'N', b'V', MatMut::new(&mut ge, N, N).unwrap(), 1, N as g::Int)
            .unwrap();
        let mut s = format!("{}geev", $p);
        driver_cases!(@geev s, ev, $real);
        lines.push(s);
        let ffi = jitffi::Ffi::new();
        let select = ffi.callback_typed($select, $sel).unwrap();
        let mut t = sq();
        let sc = l
            .$gees(b'V', b'S', &select, MatMut::new(&mut t, N, N).unwrap(), N as g::Int)
            .unwrap();
        let mut s = format!("{}gees", $p);
        push(&mut s, &[sc.0]);
        push(&mut s, &t);
        driver_cases!(@gees s, sc, $real);
        lines.push(s);
    }};
    (@geev $s:ident, $ev:ident, true) => {{
        push(&mut $s, &$ev.0);
        push(&mut $s, &$ev.1);
        push(&mut $s, &$ev.3);
    }};
    (@geev $s:ident, $ev:ident, false) => {{
        push(&mut $s, &$ev.0);
        push(&mut $s, &$ev.2);
    }};
    (@gees $s:ident, $sc:ident, true) => {{
        push(&mut $s, &$sc.1);
        push(&mut $s, &$sc.2);
        push(&mut $s, &$sc.3);
    }};
    (@gees $s:ident, $sc:ident, false) => {{
        push(&mut $s, &$sc.1);
        push(&mut $s, &$sc.2);
    }};
}

#[test]
fn blas_and_drivers_through_the_wrappers_match_c_bit_for_bit() {
    let l = lib();
    let mut lines = Vec::new();
    blas_cases!(
        l, &mut lines, f32, f32, "s", scopy, sswap, sasum, isamax, srot, sger, strsv, ssymv, strsm,
        ssyrk
    );
    blas_cases!(
        l, &mut lines, f64, f64, "d", dcopy, dswap, dasum, idamax, drot, dger, dtrsv, dsymv, dtrsm,
        dsyrk
    );
    blas_cases!(
        l, &mut lines, Complex32, f32, "c", ccopy, cswap, scasum, icamax, csrot, cgerc, ctrsv,
        csymv, ctrsm, csyrk
    );
    blas_cases!(
        l, &mut lines, Complex64, f64, "z", zcopy, zswap, dzasum, izamax, zdrot, zgerc, ztrsv,
        zsymv, ztrsm, zsyrk
    );
    hermitian_cases!(l, &mut lines, Complex32, f32, "c", chemv, cherk);
    hermitian_cases!(l, &mut lines, Complex64, f64, "z", zhemv, zherk);
    // SELECT: eigenvalues with a real part above N (= 4) first.
    driver_cases!(l, &mut lines, f32, "s", sgesvd, sgeev, sgees,
        "int32_t (*)(const float *, const float *)",
        |re: *const f32, _im: *const f32| {
            // SAFETY: SGEES passes pointers to an element of WR and of WI.
            i32::from(unsafe { *re } > 4.0)
        }, real: true);
    driver_cases!(l, &mut lines, f64, "d", dgesvd, dgeev, dgees,
        "int32_t (*)(const double *, const double *)",
        |re: *const f64, _im: *const f64| {
            // SAFETY: DGEES passes pointers to an element of WR and of WI.
            i32::from(unsafe { *re } > 4.0)
        }, real: true);
    driver_cases!(l, &mut lines, Complex32, "c", cgesvd, cgeev, cgees,
        "int32_t (*)(const void *)",
        |w: *const std::ffi::c_void| {
            // SAFETY: CGEES passes a pointer to an element of W.
            i32::from(unsafe { *w.cast::<Complex32>() }.re > 4.0)
        }, real: false);
    driver_cases!(l, &mut lines, Complex64, "z", zgesvd, zgeev, zgees,
        "int32_t (*)(const void *)",
        |w: *const std::ffi::c_void| {
            // SAFETY: ZGEES passes a pointer to an element of W.
            i32::from(unsafe { *w.cast::<Complex64>() }.re > 4.0)
        }, real: false);
    let (_, stack) = super::stack();
    let expected = super::numerics::oracle_of("wrappers_oracle", &stack);
    assert_eq!(lines.len(), 56);
    for (got, want) in lines.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(lines.len(), expected.len());
}

#[test]
fn pivots_can_be_zero_based() {
    let l1 = lib();
    // SAFETY: as `lib`.
    let l0 = unsafe { g::Library::open("/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3") }
        .unwrap()
        .zero_based_pivots(true);
    // Rows [1 2 3], [4 5 6], [7 8 10]: the first pivot is the third row.
    let a = [1.0, 4.0, 7.0, 2.0, 5.0, 8.0, 3.0, 6.0, 10.0];
    let (mut lu1, mut lu0) = (a.to_vec(), a.to_vec());
    let p1 = l1.dgetrf(3, MatMut::new(&mut lu1, 3, 3).unwrap()).unwrap();
    let p0 = l0.dgetrf(3, MatMut::new(&mut lu0, 3, 3).unwrap()).unwrap();
    assert_eq!(p1[0], 3);
    assert_eq!(p0, p1.iter().map(|p| p - 1).collect::<Vec<_>>());
    assert_eq!(lu0, lu1);
    // The 0-based pivots go back in: the same solution.
    let (mut b1, mut b0) = (vec![1.0, 2.0, 3.0], vec![1.0, 2.0, 3.0]);
    l1.dgetrs(
        b'N',
        Mat::new(&lu1, 3, 3).unwrap(),
        &p1,
        MatMut::new(&mut b1, 3, 1).unwrap(),
    )
    .unwrap();
    l0.dgetrs(
        b'N',
        Mat::new(&lu0, 3, 3).unwrap(),
        &p0,
        MatMut::new(&mut b0, 3, 1).unwrap(),
    )
    .unwrap();
    assert_eq!(b0, b1);
    for i in 0..3 {
        let ax: f64 = (0..3).map(|j| a[i + 3 * j] * b1[j]).sum();
        assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
    }
    // getri (a workspace query and a call, both with the converted pivots) and gesv.
    l0.dgetri(MatMut::new(&mut lu0, 3, 3).unwrap(), &p0)
        .unwrap();
    l1.dgetri(MatMut::new(&mut lu1, 3, 3).unwrap(), &p1)
        .unwrap();
    assert_eq!(lu0, lu1);
    let (mut s, mut x) = (a.to_vec(), vec![1.0, 2.0, 3.0]);
    let p = l0
        .gesv::<f64>(
            MatMut::new(&mut s, 3, 3).unwrap(),
            MatMut::new(&mut x, 3, 1).unwrap(),
        )
        .unwrap();
    assert_eq!(p, p0);
}
