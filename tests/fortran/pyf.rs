//! f2py signature files: `tests/f/lapack_subset.pyf.src` (a scipy-style `.pyf.src` template
//! for `?gesv`, `?scal` and `?posv`, the last through a `callstatement`) read at run time by `fortran::Library` and by the generator
//! (`generated_pyf.rs`, what `jitffi f2rs --pyf … -o` writes for it, regenerated and compared
//! like `generated_lapack.rs`), both called on Reference LAPACK: the file's semantics (hidden
//! dimensions, `check(…)`, optional arguments with defaults), not the derived ones.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jitffi::fortran::{Abi, Arg, Library, OpenOptions, RustOptions, Signatures, Sources};

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
            "ZPOSV"
        ]
    );
    let skipped = &lib.signatures().skipped;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert!(
        skipped[0]
            .to_string()
            .contains("DSCAL_OFFSET: its callstatement passes x+offx (not supported)"),
        "{skipped:?}"
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
    assert_eq!(g.wrapped.len(), 10, "{:?}", g.skipped);
    assert!(g.unchecked.is_empty(), "{:?}", g.unchecked);
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
}
