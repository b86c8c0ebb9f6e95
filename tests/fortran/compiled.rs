//! The compiled calls of `fortran::Library` against its interpreter: the same routines called
//! with the same arguments through a library that compiles calls (the default) and one that
//! interprets every call (`OpenOptions::interpret`) must return the same values bit for bit,
//! leave arrays updated in place bit for bit the same, and fail with the same error messages
//! (the compiled code hands every doubtful call back to the interpreter before the routine
//! runs). The interpreter is itself checked against LAPACKE and identities in `numerics` and
//! `calls`.

use std::sync::OnceLock;

use jitffi::fortran::{Arg, Complex64, Library, OpenOptions, Outs, Sources};

/// Reference BLAS and a few LAPACK routines, compiled (`false`) or interpreted (`true`).
fn lib(interpret: bool) -> &'static Library {
    static LIBS: [OnceLock<Library>; 2] = [OnceLock::new(), OnceLock::new()];
    LIBS[usize::from(interpret)].get_or_init(|| {
        // Reference BLAS first, as `calls::lapack` explains.
        let _ = super::calls::lapack();
        let src = super::lapack::lapack_source();
        let mut sources = Sources::new().dir(src.join("BLAS/SRC"));
        for f in [
            "dpotrf", "zpotrf", "spotrf", "dgesv", "dsyev", "ssyev", "zheev", "dgels", "dgeev",
            "dtrtrs", "dgees", "dgesvx", "dlaqge", "dlanv2", "dlarmm", "dsyevr", "dgesvd",
            "dgelsd", "zgelsd",
        ] {
            sources = sources.file(src.join(format!("SRC/{f}.f")));
        }
        // SAFETY: the reference LAPACK these sources are of; its ABI is probed.
        unsafe {
            Library::open(
                "/usr/lib/x86_64-linux-gnu/lapack/liblapack.so.3",
                &sources,
                &OpenOptions {
                    interpret,
                    ..Default::default()
                },
            )
        }
        .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// Runs `case` on both libraries (each on fresh data: `case` builds its arguments) and
/// compares what they return and what they leave in the arrays they update.
fn same(name: &str, case: impl Fn(&Library) -> (Result<Outs, String>, Vec<u64>)) {
    same_via(name, true, case)
}

/// [`same`], where `fast` says whether the compiled code makes the call (or hands it to the
/// interpreter).
fn same_via(name: &str, fast: bool, case: impl Fn(&Library) -> (Result<Outs, String>, Vec<u64>)) {
    // (Every case here is a good call but the one that fails by INFO.)
    let routine = name.split(' ').next().unwrap_or(name);
    let p = lib(false).prepare(routine).unwrap();
    let before = p.fallbacks();
    let (compiled, interpreted) = (case(lib(false)), case(lib(true)));
    assert_eq!(
        p.is_compiled() && p.fallbacks() == before,
        fast,
        "{name}: the compiled call was {}taken",
        if fast { "not " } else { "" }
    );
    assert_eq!(
        format!("{:?}", compiled.0),
        format!("{:?}", interpreted.0),
        "{name}: results"
    );
    assert!(
        compiled.0.is_ok() || name.contains("indefinite"),
        "{name}: {:?}",
        compiled.0
    );
    assert_eq!(compiled.1, interpreted.1, "{name}: arrays updated in place");
}

fn bits(x: &[f64]) -> Vec<u64> {
    x.iter().map(|v| v.to_bits()).collect()
}

fn run(l: &Library, name: &str, args: &[Arg<'_>]) -> Result<Outs, String> {
    l.call(name, args).map_err(|e| e.to_string())
}

fn data(n: usize, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| (((i as u64 + 1) * 2_654_435_761 + seed * 40_503) % 1000) as f64 / 97.0 - 5.0)
        .collect()
}

/// A symmetric positive definite matrix (diagonally dominant), column-major.
fn spd(n: usize) -> Vec<f64> {
    let r = data(n * n, 9);
    let mut a = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            a[i + n * j] =
                (r[i + n * j] + r[j + n * i]) / 2.0 + if i == j { 4.0 * n as f64 } else { 0.0 };
        }
    }
    a
}

#[test]
fn routines_are_compiled() {
    let l = lib(false);
    let compiled = [
        "ddot", "sdot", "zdotc", "cdotu", "daxpy", "dscal", "idamax", "dnrm2", "dgemv", "dgemm",
        "dtrsv", "lsame", "drotg", "dpotrf", "zpotrf", "dtrtrs", "dgesv", "dsyev", "ssyev",
        "zheev", "dgels", "dgeev", "dgesvx", "dlaqge", "dlanv2", "dlarmm", "dsyevr", "dgesvd",
        "dgees",
    ];
    for name in compiled {
        let p = l.prepare(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            p.is_compiled(),
            "{name} ({}) is not compiled",
            p.signature()
        );
    }
    assert!(!lib(true).prepare("ddot").unwrap().is_compiled());
}

#[test]
fn level_1_results_are_the_interpreters_bit_for_bit() {
    let (x, y) = (data(7, 1), data(7, 2));
    for (n, incx, incy) in [(7, 1, 1), (4, 2, -2), (3, -3, 3), (0, 1, 1), (1, 5, 5)] {
        same(&format!("ddot n={n} incx={incx} incy={incy}"), |l| {
            let args = [
                Arg::Int(n),
                Arg::vec(&x),
                Arg::Int(incx),
                Arg::vec(&y),
                Arg::Int(incy),
            ];
            (run(l, "ddot", &args), vec![])
        });
    }
    let (xs, ys): (Vec<f32>, Vec<f32>) = (
        x.iter().map(|&v| v as f32).collect(),
        y.iter().map(|&v| v as f32).collect(),
    );
    same("sdot", |l| {
        let args = [
            Arg::Int(5),
            Arg::vec(&xs),
            Arg::Int(1),
            Arg::vec(&ys),
            Arg::Int(1),
        ];
        (run(l, "sdot", &args), vec![])
    });
    let zx: Vec<Complex64> = (0..4).map(|i| Complex64 { re: x[i], im: y[i] }).collect();
    let zy: Vec<Complex64> = (0..4)
        .map(|i| Complex64 {
            re: y[i],
            im: -x[i],
        })
        .collect();
    same("zdotc", |l| {
        let args = [
            Arg::Int(4),
            Arg::vec(&zx),
            Arg::Int(1),
            Arg::vec(&zy),
            Arg::Int(1),
        ];
        (run(l, "zdotc", &args), vec![])
    });
    let cx: Vec<jitffi::fortran::Complex32> = zx
        .iter()
        .map(|z| jitffi::fortran::Complex32 {
            re: z.re as f32,
            im: z.im as f32,
        })
        .collect();
    same("cdotu", |l| {
        let args = [
            Arg::Int(4),
            Arg::vec(&cx),
            Arg::Int(1),
            Arg::vec(&cx),
            Arg::Int(1),
        ];
        (run(l, "cdotu", &args), vec![])
    });
    same("idamax", |l| {
        (
            run(l, "idamax", &[Arg::Int(7), Arg::vec(&x), Arg::Int(1)]),
            vec![],
        )
    });
    same("dnrm2", |l| {
        (
            run(l, "dnrm2", &[Arg::Int(7), Arg::vec(&x), Arg::Int(1)]),
            vec![],
        )
    });
    // In place (a mutable slice) and copied and returned (a read-only one).
    same("daxpy in place", |l| {
        let mut yy = y.clone();
        let args = [
            Arg::Int(7),
            Arg::Real(0.5),
            Arg::vec(&x),
            Arg::Int(1),
            Arg::vec_mut(&mut yy),
            Arg::Int(1),
        ];
        let r = run(l, "daxpy", &args);
        (r, bits(&yy))
    });
    same("daxpy copied", |l| {
        let args = [
            Arg::Int(7),
            Arg::Int(2),
            Arg::vec(&x),
            Arg::Int(1),
            Arg::vec(&y),
            Arg::Int(1),
        ];
        (run(l, "daxpy", &args), vec![])
    });
    same("dscal", |l| {
        let mut xx = x.clone();
        let r = run(
            l,
            "dscal",
            &[
                Arg::Int(3),
                Arg::Real(-1.5),
                Arg::vec_mut(&mut xx),
                Arg::Int(2),
            ],
        );
        (r, bits(&xx))
    });
    // CHARACTER arguments and a LOGICAL result; in,out and out scalars returned.
    for (a, b) in [("a", "A"), ("N", "t"), ("z", "Z")] {
        same(&format!("lsame {a} {b}"), |l| {
            (run(l, "lsame", &[Arg::Str(a), Arg::Str(b)]), vec![])
        });
    }
    same("drotg", |l| {
        (run(l, "drotg", &[Arg::Real(3.0), Arg::Real(4.0)]), vec![])
    });
}

#[test]
fn level_2_and_3_with_defaults_and_letters() {
    let n = 5;
    let (a, b) = (data(n * n, 3), data(n * n, 4));
    for (ta, tb) in [("N", "N"), ("t", "N"), ("C", "t")] {
        same(
            &format!("dgemm {ta}{tb} (lda, ldb, ldc left to their defaults)"),
            |l| {
                let mut c = data(n * n, 5);
                let args = [
                    Arg::Str(ta),
                    Arg::Str(tb),
                    Arg::Int(n as i64),
                    Arg::Int(n as i64),
                    Arg::Real(1.25),
                    Arg::matrix(&a, n, n),
                    Arg::matrix(&b, n, n),
                    Arg::Real(-0.5),
                    Arg::matrix_mut(&mut c, n, n),
                ];
                let r = run(l, "dgemm", &args);
                assert!(r.is_ok(), "{r:?}");
                (r, bits(&c))
            },
        );
    }
    same("dgemv with every optional given", |l| {
        let x = data(n, 6);
        let mut y = data(n, 7);
        let sig = l.prepare("dgemv").unwrap().signature().to_string();
        assert!(sig.ends_with("[n, lda])"), "{sig}");
        let args = [
            Arg::Str("T"),
            Arg::Int(n as i64),
            Arg::Real(2.0),
            Arg::matrix(&a, n, n),
            Arg::vec(&x),
            Arg::Int(1),
            Arg::Real(1.0),
            Arg::vec_mut(&mut y),
            Arg::Int(1),
            Arg::Int(n as i64),
            Arg::Int(n as i64),
        ];
        let r = run(l, "dgemv", &args);
        (r, bits(&y))
    });
    same("dtrsv", |l| {
        let mut x = data(n, 8);
        let t = spd(n);
        let args = [
            Arg::Str("U"),
            Arg::Str("N"),
            Arg::Str("N"),
            Arg::matrix(&t, n, n),
            Arg::vec_mut(&mut x),
            Arg::Int(1),
        ];
        let r = run(l, "dtrsv", &args);
        (r, bits(&x))
    });
}

#[test]
fn info_and_factorisations_in_place() {
    let n = 4;
    same("dpotrf of an SPD matrix", |l| {
        let mut a = spd(n);
        let r = run(l, "dpotrf", &[Arg::Str("L"), Arg::matrix_mut(&mut a, n, n)]);
        (r, bits(&a))
    });
    // INFO > 0 after the routine ran: the compiled call reports it, with the meaning.
    same("dpotrf of an indefinite matrix", |l| {
        let mut a = spd(n);
        a[2 + n * 2] = -100.0;
        let r = run(l, "dpotrf", &[Arg::Str("U"), Arg::matrix_mut(&mut a, n, n)]);
        assert!(r.as_ref().is_err_and(|e| e.contains("INFO = 3")), "{r:?}");
        (r, bits(&a))
    });
    // A read-only matrix is copied (and returned).
    same("dpotrf of a read-only matrix", |l| {
        let a = spd(n);
        (
            run(l, "dpotrf", &[Arg::Str("L"), Arg::matrix(&a, n, n)]),
            vec![],
        )
    });
    same("zpotrf", |l| {
        let re = spd(n);
        let mut z: Vec<Complex64> = re.iter().map(|&v| Complex64 { re: v, im: 0.0 }).collect();
        let r = run(l, "zpotrf", &[Arg::Str("U"), Arg::matrix_mut(&mut z, n, n)]);
        (
            r,
            z.iter()
                .flat_map(|c| [c.re.to_bits(), c.im.to_bits()])
                .collect(),
        )
    });
}

/// `dgesv`: an `intent(out)` array allocated (IPIV), and `A`, `B` copied and returned when
/// read-only, updated in place when lent mutably, in every mix.
#[test]
fn allocated_and_copied_arrays_are_the_interpreters() {
    for n in [1, 4, 9] {
        let a0 = spd(n);
        // An unsymmetric, still nonsingular A: pivoting happens.
        let a0: Vec<f64> = a0
            .iter()
            .enumerate()
            .map(|(k, v)| {
                v + if k % n.max(1) < k / n.max(1) {
                    3.0
                } else {
                    0.0
                }
            })
            .collect();
        let b0 = data(2 * n, 3);
        for (a_mut, b_mut) in [(false, false), (true, false), (false, true), (true, true)] {
            same(&format!("dgesv n={n} a_mut={a_mut} b_mut={b_mut}"), |l| {
                let (mut a, mut b) = (a0.clone(), b0.clone());
                let args = [
                    if a_mut {
                        Arg::matrix_mut(&mut a, n, n)
                    } else {
                        Arg::matrix(&a, n, n)
                    },
                    if b_mut {
                        Arg::matrix_mut(&mut b, n, 2)
                    } else {
                        Arg::matrix(&b, n, 2)
                    },
                ];
                let r = run(l, "dgesv", &args);
                (r, [bits(&a), bits(&b)].concat())
            });
        }
    }
    // Empty: LDA = 0 fails DGESV's own `LDA >= max(1,N)`, so the interpreter reports it.
    same_via("dgesv n=0 (indefinite)", false, |l| {
        let r = run(
            l,
            "dgesv",
            &[Arg::matrix::<f64>(&[], 0, 0), Arg::vec::<f64>(&[])],
        );
        assert!(r.as_ref().is_err_and(|e| e.contains("lda")), "{r:?}");
        (r, vec![])
    });
    // A singular matrix: INFO > 0 after the routine ran (the copies are dropped).
    same("dgesv of a singular matrix (indefinite)", |l| {
        let a = vec![1.0, 2.0, 2.0, 4.0];
        let r = run(l, "dgesv", &[Arg::matrix(&a, 2, 2), Arg::vec(&[1.0, 1.0])]);
        assert!(r.as_ref().is_err_and(|e| e.contains("INFO = 2")), "{r:?}");
        (r, vec![])
    });
}

/// Workspace queries (`LWORK = -1`, then the workspace allocated at the size `WORK(1)` asks
/// for): real, single precision (its size read from a `REAL`), complex with a second,
/// fixed-size workspace, least squares, and an eigenproblem of an unsymmetric matrix.
#[test]
fn workspace_queries_are_the_interpreters() {
    // ?GELSD: IWORK (and ZGELSD's RWORK) sized by what the query leaves in its first
    // element, no size argument; B updated in place.
    for (m, n) in [(1, 1), (7, 3), (3, 7)] {
        same(&format!("dgelsd {m}x{n}"), |l| {
            let a = data(m * n, 2);
            let mut b = data(m.max(n) * 2, 3);
            let r = run(
                l,
                "dgelsd",
                &[
                    Arg::Int(m as i64),
                    Arg::matrix(&a, m, n),
                    Arg::matrix_mut(&mut b, m.max(n), 2),
                    Arg::Real(-1.0),
                ],
            );
            (r, bits(&b))
        });
        same(&format!("zgelsd {m}x{n}"), |l| {
            let a: Vec<Complex64> = data(2 * m * n, 4)
                .chunks(2)
                .map(|c| Complex64 { re: c[0], im: c[1] })
                .collect();
            let b: Vec<Complex64> = data(2 * m.max(n), 5)
                .chunks(2)
                .map(|c| Complex64 { re: c[0], im: c[1] })
                .collect();
            let r = run(
                l,
                "zgelsd",
                &[
                    Arg::Int(m as i64),
                    Arg::matrix(&a, m, n),
                    Arg::matrix(&b, m.max(n), 1),
                    Arg::Real(1e-3),
                ],
            );
            (r, vec![])
        });
    }
    for n in [1, 4, 9] {
        for (jobz, uplo) in [("V", "L"), ("N", "U")] {
            same(&format!("dsyev n={n} {jobz}{uplo}"), |l| {
                let mut a = spd(n);
                let r = run(
                    l,
                    "dsyev",
                    &[
                        Arg::Str(jobz),
                        Arg::Str(uplo),
                        Arg::matrix_mut(&mut a, n, n),
                    ],
                );
                (r, bits(&a))
            });
        }
        same(&format!("dsyev n={n} read-only"), |l| {
            let a = spd(n);
            let r = run(
                l,
                "dsyev",
                &[Arg::Str("V"), Arg::Str("U"), Arg::matrix(&a, n, n)],
            );
            (r, vec![])
        });
        same(&format!("ssyev n={n}"), |l| {
            let a: Vec<f32> = spd(n).iter().map(|&v| v as f32).collect();
            let r = run(
                l,
                "ssyev",
                &[Arg::Str("V"), Arg::Str("L"), Arg::matrix(&a, n, n)],
            );
            (r, vec![])
        });
        same(&format!("zheev n={n}"), |l| {
            let re = spd(n);
            let z: Vec<Complex64> = re
                .iter()
                .enumerate()
                .map(|(k, &v)| {
                    let (i, j) = (k % n, k / n);
                    let im = if i == j {
                        0.0
                    } else {
                        (i as f64 - j as f64) / 8.0
                    };
                    Complex64 { re: v, im }
                })
                .collect();
            let r = run(
                l,
                "zheev",
                &[Arg::Str("V"), Arg::Str("L"), Arg::matrix(&z, n, n)],
            );
            (r, vec![])
        });
        same(&format!("dgeev n={n}"), |l| {
            let a = data(n * n, 5);
            let r = run(
                l,
                "dgeev",
                &[
                    Arg::Str("N"),
                    Arg::Str("V"),
                    Arg::matrix(&a, n, n),
                    Arg::Int(1),
                    Arg::Int(n as i64),
                ],
            );
            (r, vec![])
        });
        // Two workspaces queried at once (WORK and IWORK), Z and ISUPPZ sized by M's bound.
        for (range, il, iu) in [("A", 1, n), ("I", 1, n.div_ceil(2))] {
            same(&format!("dsyevr n={n} range={range}"), |l| {
                let a = spd(n);
                let args = [
                    Arg::Str("V"),
                    Arg::Str(range),
                    Arg::Str("L"),
                    Arg::matrix(&a, n, n),
                    Arg::Real(0.0),
                    Arg::Real(0.0),
                    Arg::Int(il as i64),
                    Arg::Int(iu as i64),
                    Arg::Real(0.0),
                    Arg::Int(n as i64),
                ];
                (run(l, "dsyevr", &args), vec![])
            });
        }
        // U sized by the larger of its documented alternatives.
        for job in ["A", "S", "N"] {
            same(&format!("dgesvd n={n} job={job}"), |l| {
                let a = data(2 * n * n, 8);
                let args = [
                    Arg::Str(job),
                    Arg::Str(job),
                    Arg::Int(2 * n as i64),
                    Arg::matrix(&a, 2 * n, n),
                    Arg::Int(2 * n as i64),
                    Arg::Int(n as i64),
                ];
                (run(l, "dgesvd", &args), vec![])
            });
        }
        same(&format!("dgels n={n}"), |l| {
            let (a, b) = (data(2 * n * n, 6), data(2 * n, 7));
            let r = run(
                l,
                "dgels",
                &[
                    Arg::Str("N"),
                    Arg::Int(2 * n as i64),
                    Arg::matrix(&a, 2 * n, n),
                    Arg::vec(&b),
                ],
            );
            (r, vec![])
        });
    }
    // A bad option letter: the interpreter's error, before any query.
    let a = spd(3);
    let p = lib(false).prepare("dsyev").unwrap();
    let before = p.fallbacks();
    let args = [Arg::Str("X"), Arg::Str("L"), Arg::matrix(&a, 3, 3)];
    let (c, i) = (
        run(lib(false), "dsyev", &args),
        run(lib(true), "dsyev", &args),
    );
    assert_eq!(p.fallbacks(), before + 1);
    assert_eq!(format!("{c:?}"), format!("{i:?}"));
    assert!(c.is_err(), "{c:?}");
}

#[test]
fn bad_calls_fail_as_the_interpreter_says() {
    let x = data(6, 1);
    let a = spd(3);
    let cases: Vec<(&str, Vec<Arg<'_>>)> = vec![
        // Too short for n and the increment.
        (
            "ddot",
            vec![
                Arg::Int(4),
                Arg::vec(&x),
                Arg::Int(2),
                Arg::vec(&x),
                Arg::Int(1),
            ],
        ),
        // A real with a fraction where an integer goes, a missing argument, one too many.
        (
            "ddot",
            vec![
                Arg::Real(4.5),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&x),
                Arg::Int(1),
            ],
        ),
        ("ddot", vec![Arg::Int(4), Arg::vec(&x)]),
        (
            "idamax",
            vec![Arg::Int(1), Arg::vec(&x), Arg::Int(1), Arg::Int(1)],
        ),
        // Beyond a 4-byte INTEGER.
        (
            "ddot",
            vec![
                Arg::Int(1 << 40),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&x),
                Arg::Int(1),
            ],
        ),
        // Extremes of a 4-byte INTEGER in the extents (1+(n-1)*abs(incx) near 2^62: the
        // compiled code's ranges prove it needs no overflow check; the array is short).
        (
            "ddot",
            vec![
                Arg::Int(i64::from(i32::MAX)),
                Arg::vec(&x),
                Arg::Int(i64::from(i32::MIN)),
                Arg::vec(&x),
                Arg::Int(i64::from(i32::MIN)),
            ],
        ),
        (
            "dgemv",
            vec![
                Arg::Str("N"),
                Arg::Int(i64::from(i32::MAX)),
                Arg::Int(i64::from(i32::MAX)),
                Arg::Real(1.0),
                Arg::matrix(&a, 3, 3),
                Arg::vec(&x),
                Arg::Int(i64::from(i32::MIN)),
                Arg::Real(0.0),
                Arg::vec(&x),
                Arg::Int(i64::from(i32::MAX)),
            ],
        ),
        // An array of the wrong element type, a scalar for an array.
        (
            "idamax",
            vec![Arg::Int(2), Arg::vec(&[1.0f32, 2.0]), Arg::Int(1)],
        ),
        ("idamax", vec![Arg::Int(2), Arg::Int(3), Arg::Int(1)]),
        // A bad option letter, an empty one, a negative dimension, a short leading dimension.
        ("dpotrf", vec![Arg::Str("X"), Arg::matrix(&a, 3, 3)]),
        ("dpotrf", vec![Arg::Str(""), Arg::matrix(&a, 3, 3)]),
        (
            "dtrsv",
            vec![
                Arg::Str("U"),
                Arg::Str("N"),
                Arg::Str("N"),
                Arg::matrix(&a, 3, 3),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::Int(-1),
            ],
        ),
        (
            "dpotrf",
            vec![
                Arg::Str("L"),
                Arg::matrix(&a, 3, 3),
                Arg::Int(3),
                Arg::Int(2),
            ],
        ),
        // An increment of zero.
        (
            "dscal",
            vec![Arg::Int(2), Arg::Real(1.0), Arg::vec(&x), Arg::Int(0)],
        ),
    ];
    for (name, args) in &cases {
        let p = lib(false).prepare(name).unwrap();
        let before = p.fallbacks();
        let (c, i) = (run(lib(false), name, args), run(lib(true), name, args));
        // (A real for an integer is truncated, as C converts: 4.5 is 4. DSCAL does nothing
        // for an increment of zero.)
        let fine = *name == "dscal" || matches!(args[0], Arg::Real(_));
        // Every bad call is the interpreter's to report (and so is the real for an integer,
        // fine only in its eyes).
        assert_eq!(
            p.fallbacks(),
            before + u64::from(*name != "dscal"),
            "{name}: not handed to the interpreter"
        );
        assert_eq!(format!("{c:?}"), format!("{i:?}"), "{name}");
        assert!(c.is_err() != fine, "{name}: {c:?}");
    }
}
/// `CHARACTER` outputs (DLAQGE's `EQUED`) and a `CHARACTER` argument the routine may write
/// (DGESVX's `EQUED`, copied and returned), ten scalar outputs (DLANV2), checks on `REAL`
/// arguments (DLARMM's `ANORM >= 0`, truncated as the interpreter compares).
#[test]
fn characters_many_outputs_and_real_checks_are_the_interpreters() {
    for n in [1, 3, 6] {
        // Rows scaled far apart: DLAQGE equilibrates (EQUED = 'R', 'C' or 'B').
        let a: Vec<f64> = spd(n)
            .iter()
            .enumerate()
            .map(|(k, v)| v * if k % n == 0 { 1e6 } else { 1.0 })
            .collect();
        let r: Vec<f64> = (0..n).map(|i| if i == 0 { 1e-6 } else { 1.0 }).collect();
        let c = vec![1.0; n];
        for (rowcnd, amax) in [(1e-6, 1e6), (1.0, 1.0)] {
            same(&format!("dlaqge n={n} rowcnd={rowcnd}"), |l| {
                let mut m = a.clone();
                let args = [
                    Arg::matrix_mut(&mut m, n, n),
                    Arg::vec(&r),
                    Arg::vec(&c),
                    Arg::Real(rowcnd),
                    Arg::Real(1.0),
                    Arg::Real(amax),
                ];
                let out = run(l, "dlaqge", &args);
                (out, bits(&m))
            });
        }
        for fact in ["N", "E"] {
            same(&format!("dgesvx n={n} fact={fact}"), |l| {
                let (af, ipiv) = (vec![0.0; n * n], vec![0i32; n]);
                let (r, c, b) = (vec![0.0; n], vec![0.0; n], data(n, 4));
                let args = [
                    Arg::Str(fact),
                    Arg::Str("N"),
                    Arg::matrix(&a, n, n),
                    Arg::matrix(&af, n, n),
                    Arg::vec(&ipiv),
                    Arg::Str("N"),
                    Arg::vec(&r),
                    Arg::vec(&c),
                    Arg::matrix(&b, n, 1),
                    Arg::Int(n as i64),
                ];
                (run(l, "dgesvx", &args), vec![])
            });
        }
    }
    for (a, b, c, d) in [
        (1.0, 2.0, -3.0, 4.0),
        (4.0, 0.0, 0.0, -1.5),
        (0.5, 7.0, 2.0, 0.5),
    ] {
        same(&format!("dlanv2 {a} {b} {c} {d}"), |l| {
            let args = [Arg::Real(a), Arg::Real(b), Arg::Real(c), Arg::Real(d)];
            (run(l, "dlanv2", &args), vec![])
        });
    }
    for anorm in [3.0, 0.5, 0.0] {
        same(&format!("dlarmm {anorm}"), |l| {
            let args = [Arg::Real(anorm), Arg::Real(2.0), Arg::Real(1.0)];
            (run(l, "dlarmm", &args), vec![])
        });
    }
    // A negative norm fails the check: the interpreter's error.
    let p = lib(false).prepare("dlarmm").unwrap();
    let before = p.fallbacks();
    let args = [Arg::Real(-1.0), Arg::Real(2.0), Arg::Real(1.0)];
    let (c, i) = (
        run(lib(false), "dlarmm", &args),
        run(lib(true), "dlarmm", &args),
    );
    assert_eq!(p.fallbacks(), before + 1);
    assert_eq!(format!("{c:?}"), format!("{i:?}"));
    assert!(c.is_err(), "{c:?}");
}

/// The whole of Reference LAPACK 3.12 (as far as Debian's 3.11 build has the symbols): every
/// routine's call compiles but DGEJSV/SGEJSV (whose `LWORK` is a function of the options),
/// CHLA_TRANSTYPE (a `CHARACTER` function) and those whose documented extents name something
/// no caller gives (prose such as DGESVDX's `UCOL >= NS`: the interpreter cannot make those
/// calls either).
#[test]
fn the_lapack_tree_compiles() {
    let l = super::calls::lapack();
    let (mut prepared, mut compiled) = (0, 0);
    for r in &l.signatures().routines {
        // (A routine 3.11 lacks.)
        let Ok(p) = l.prepare(&r.name) else { continue };
        prepared += 1;
        let Some(why) = p.why_interpreted() else {
            compiled += 1;
            continue;
        };
        let expected = why.contains("depends on something unknown before the call")
            || matches!(r.name.as_str(), "DGEJSV" | "SGEJSV" | "CHLA_TRANSTYPE");
        assert!(expected, "{}: {why}", r.name);
    }
    eprintln!("{compiled} of {prepared} routines compiled");
    assert!(
        prepared > 2000 && compiled >= 1952,
        "{compiled} of {prepared}"
    );
}

/// DGEES with a Rust `SELECT` callback (its type checked by the compiled code as the
/// interpreter's call checks it), and with a callback of another type: the interpreter's
/// error.
#[test]
fn callbacks_are_the_interpreters() {
    for (sort, n) in [("S", 4), ("N", 4), ("S", 1)] {
        same(&format!("dgees sort={sort} n={n}"), |l| {
            let select = l
                .ffi()
                .callback_typed(
                    "int32_t (*)(const double *, const double *)",
                    |wr: *const f64, _wi: *const f64| {
                        // SAFETY: DGEES passes pointers to an element of WR and of WI.
                        i32::from(unsafe { *wr } > 0.0)
                    },
                )
                .unwrap();
            let a = data(n * n, 11);
            let args = [
                Arg::Str("V"),
                Arg::Str(sort),
                Arg::Callback(&select),
                Arg::matrix(&a, n, n),
                Arg::Int(n as i64),
            ];
            (run(l, "dgees", &args), vec![])
        });
    }
    let p = lib(false).prepare("dgees").unwrap();
    let before = p.fallbacks();
    let errs: Vec<String> = [lib(false), lib(true)]
        .iter()
        .map(|l| {
            let wrong = l
                .ffi()
                .callback_typed("double (*)(double)", |x: f64| x)
                .unwrap();
            let a = data(9, 3);
            let args = [
                Arg::Str("V"),
                Arg::Str("S"),
                Arg::Callback(&wrong),
                Arg::matrix(&a, 3, 3),
                Arg::Int(3),
            ];
            run(l, "dgees", &args).unwrap_err()
        })
        .collect();
    assert_eq!(p.fallbacks(), before + 1);
    assert_eq!(errs[0], errs[1]);
    assert!(errs[0].contains("argument 3"), "{}", errs[0]);
}

/// Typed storage for one random array argument.
enum Buf {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I32(Vec<i32>),
    C32(Vec<jitffi::fortran::Complex32>),
    C64(Vec<Complex64>),
}

impl Buf {
    fn bits(&self) -> Vec<u64> {
        match self {
            Buf::F32(v) => v.iter().map(|x| u64::from(x.to_bits())).collect(),
            Buf::F64(v) => bits(v),
            Buf::I32(v) => v.iter().map(|&x| x as u64).collect(),
            Buf::C32(v) => v
                .iter()
                .flat_map(|c| [u64::from(c.re.to_bits()), u64::from(c.im.to_bits())])
                .collect(),
            Buf::C64(v) => v
                .iter()
                .flat_map(|c| [c.re.to_bits(), c.im.to_bits()])
                .collect(),
        }
    }

    /// Its elements' bytes.
    fn bytes(&self) -> &[u8] {
        fn of<T>(v: &[T]) -> &[u8] {
            // SAFETY: the element types here are plain numbers, with no padding.
            unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
        }
        match self {
            Buf::F32(v) => of(v),
            Buf::F64(v) => of(v),
            Buf::I32(v) => of(v),
            Buf::C32(v) => of(v),
            Buf::C64(v) => of(v),
        }
    }

    /// Its elements set from `b` (as many bytes as [`Buf::bytes`]).
    fn set_bytes(&mut self, b: &[u8]) {
        fn of<T>(v: &mut [T], b: &[u8]) {
            assert_eq!(std::mem::size_of_val(v), b.len());
            // SAFETY: as many bytes as the elements hold; any bits are a valid number here.
            unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), v.as_mut_ptr().cast(), b.len()) }
        }
        match self {
            Buf::F32(v) => of(v, b),
            Buf::F64(v) => of(v, b),
            Buf::I32(v) => of(v, b),
            Buf::C32(v) => of(v, b),
            Buf::C64(v) => of(v, b),
        }
    }

    /// [`Buf::arg`] of a guarded copy `g` of this buffer's bytes.
    fn guarded_arg<'g>(
        &self,
        g: &'g mut super::guard::Guarded,
        shape: Option<(usize, usize)>,
        writable: bool,
    ) -> Arg<'g> {
        macro_rules! mk {
            ($v:expr, $t:ty) => {{
                // SAFETY: `g` holds a copy of `$v`'s elements; a read-only copy is lent
                // read-only.
                let s: &'g mut [$t] = unsafe { g.slice::<$t>($v.len()) };
                match (shape, writable) {
                    (Some((r, c)), true) => Arg::matrix_mut(s, r, c),
                    (Some((r, c)), false) => Arg::matrix(s, r, c),
                    (None, true) => Arg::vec_mut(s),
                    (None, false) => Arg::vec(s),
                }
            }};
        }
        match self {
            Buf::F32(v) => mk!(v, f32),
            Buf::F64(v) => mk!(v, f64),
            Buf::I32(v) => mk!(v, i32),
            Buf::C32(v) => mk!(v, jitffi::fortran::Complex32),
            Buf::C64(v) => mk!(v, Complex64),
        }
    }

    fn arg(&mut self, shape: Option<(usize, usize)>, writable: bool) -> Arg<'_> {
        macro_rules! mk {
            ($v:expr) => {
                match (shape, writable) {
                    (Some((r, c)), true) => Arg::matrix_mut($v, r, c),
                    (Some((r, c)), false) => Arg::matrix($v, r, c),
                    (None, true) => Arg::vec_mut($v),
                    (None, false) => Arg::vec($v),
                }
            };
        }
        match self {
            Buf::F32(v) => mk!(v),
            Buf::F64(v) => mk!(v),
            Buf::I32(v) => mk!(v),
            Buf::C32(v) => mk!(v),
            Buf::C64(v) => mk!(v),
        }
    }
}

/// A random array's matrix shape (`None`: a vector).
type Shape = Option<(usize, usize)>;

/// What one random argument is: a scalar, or an array with its shape and whether it is lent
/// mutably.
enum Rand {
    Scalar(Arg<'static>),
    Array(Buf, Shape, bool),
}

/// `len` elements of an array of type `ty` for the random calls (integers `1..=top`), or
/// `None` for a type they do not make.
fn filled(ty: Option<&jitffi::fortran::FType>, len: usize, top: usize) -> Option<Buf> {
    use jitffi::fortran::FType;
    let fill = |k: usize| ((k * 7 + 3) % 11) as f64 / 4.0 - 1.0;
    Some(match ty? {
        FType::Real { kind: Some(8) } => Buf::F64((0..len).map(fill).collect()),
        FType::Real { .. } => Buf::F32((0..len).map(|k| fill(k) as f32).collect()),
        FType::Complex { kind: Some(8) } => Buf::C64(
            (0..len)
                .map(|k| Complex64 {
                    re: fill(k),
                    im: fill(k + 1),
                })
                .collect(),
        ),
        FType::Complex { .. } => Buf::C32(
            (0..len)
                .map(|k| jitffi::fortran::Complex32 {
                    re: fill(k) as f32,
                    im: fill(k + 1) as f32,
                })
                .collect(),
        ),
        FType::Integer { .. } | FType::Logical { .. } => {
            Buf::I32((0..len).map(|k| (k % top) as i32 + 1).collect())
        }
        _ => return None,
    })
}

/// A consistent argument of the random calls: integers `n` (1 for increments), arrays of
/// `(n + 2)²` elements shaped `n × n` with room to spare, a documented option letter. When
/// `tight`, arrays have no room: `n × n` matrices of `n²` elements, vectors of `n`, `2n`,
/// `3n` or `n²` elements (so that a call the checks let through with less than the routine
/// touches reads past the end).
fn consistent_arg(
    a: &jitffi::fortran::SigArg,
    n: usize,
    tight: bool,
    next: &mut impl FnMut(u64) -> u64,
) -> Rand {
    use jitffi::fortran::{ArgRole, Check, FType};
    if matches!(a.role, ArgRole::Optional(_)) {
        return Rand::Scalar(Arg::Default);
    }
    if a.dims.is_empty() {
        let v = match &a.ty {
            Some(FType::Character { .. }) => {
                let letters: Vec<char> = a
                    .checks
                    .iter()
                    .find_map(|c| match c {
                        Check::OneOf(l) => Some(l.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| vec!['N']);
                let c = letters[next(letters.len() as u64) as usize];
                Arg::Str(Box::leak(c.to_string().into_boxed_str()))
            }
            Some(FType::Real { .. }) => Arg::Real([0.5, 1.0, -2.5][next(3) as usize]),
            Some(FType::Complex { .. }) => Arg::Complex(1.0, -0.5),
            Some(FType::Logical { .. }) => Arg::Logical(next(2) == 0),
            _ if a.name.starts_with("INC") => Arg::Int(1),
            _ => Arg::Int(n as i64),
        };
        return Rand::Scalar(v);
    }
    let len = match (tight, a.dims.len()) {
        (false, _) => (n + 2) * (n + 2),
        (true, 2) => n * n,
        (true, _) => [n, 2 * n, 3 * n, n * n][next(4) as usize],
    };
    // (Integers 1..=n: valid pivots of the LU families.)
    let Some(buf) = filled(a.ty.as_ref(), len, n) else {
        return Rand::Scalar(Arg::Int(1));
    };
    let shape = (a.dims.len() == 2).then_some((n, n));
    Rand::Array(buf, shape, false)
}

/// Random arguments, mostly wrong (negative or huge integers, short arrays, bad letters,
/// empty strings, a value of another kind, arguments left out), for every compiled routine of
/// the tree: the compiled code must hand every call it cannot make exactly as the interpreter
/// makes it to the interpreter, so both libraries must answer the same, value for value and
/// error for error, and leave the same bits in the arrays they update.
///
/// Not in `cargo test`: it also finds routines the safe API cannot yet make safe, whose calls
/// then crash the process or read memory they were not given (indices such as CHESWAPR's
/// `I1`/`I2` that no documented check bounds, reverse-communication state such as DLACON's
/// `KASE`, DLARUV's `N <= 128` in prose). `bash .ci/fuzz-fortran` runs it, restarting past
/// each routine that crashes, and lists them (`JITFFI_SEED`, `JITFFI_FUZZ_ROUNDS`,
/// `JITFFI_FUZZ_FROM`, `JITFFI_FUZZ_TO`; `JITFFI_FUZZ_TRACE=1` names each routine before its calls,
/// `JITFFI_FUZZ_TRACE2=1` each call's arguments).
#[test]
#[ignore = "finds the routines the safe API cannot make safe yet (some crash): bash .ci/fuzz-fortran"]
fn random_calls_across_the_tree_agree_with_the_interpreter() {
    use jitffi::fortran::{ArgRole, FType, Intent};
    // The whole tree, both ways (Reference BLAS is loaded first by `calls::lapack`).
    let _ = super::calls::lapack();
    let open = |interpret: bool| {
        super::calls::whole_tree(OpenOptions {
            interpret,
            ..Default::default()
        })
    };
    let (fast, slow) = (open(false), open(true));
    let number = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let seed = number("JITFFI_SEED", 1);
    let rounds = number("JITFFI_FUZZ_ROUNDS", 3);
    let from = number("JITFFI_FUZZ_FROM", 0) as usize;
    let to = number("JITFFI_FUZZ_TO", u64::MAX) as usize;
    let (mut calls, mut ran) = (0usize, 0usize);
    let trace = std::env::var_os("JITFFI_FUZZ_TRACE").is_some();
    let trace_args = std::env::var_os("JITFFI_FUZZ_TRACE2").is_some();
    // Guarded arrays (`super::guard`): tight, an inaccessible page after each, read-only when
    // lent read-only; then routines whose calls are interpreted are called too.
    let guard = std::env::var_os("JITFFI_FUZZ_GUARD").is_some();
    if guard {
        super::guard::install_handler();
    }
    for (ri, r) in fast.signatures().routines.iter().enumerate() {
        if ri < from || ri >= to {
            continue;
        }
        if trace {
            eprintln!("START {ri} {}", r.name);
        }
        let Ok(p) = fast.prepare(&r.name) else {
            continue;
        };
        // (Callbacks: `callbacks_are_the_interpreters`.)
        // (And routines whose calls the safe API refuses: `Sig::unchecked`.)
        if !(p.is_compiled() || guard)
            || p.signature().args.iter().any(|a| a.callback.is_some())
            || !p.signature().unchecked.is_empty()
        {
            continue;
        }
        let sig = p.signature();
        // Each routine's own stream, so that JITFFI_FUZZ_FROM repeats a routine's calls.
        let mut state = (seed ^ (ri as u64) << 32).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: u64| -> u64 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n.max(1)
        };
        for _ in 0..rounds {
            let mut rand: Vec<Rand> = Vec::new();
            let given: Vec<_> = sig.given().collect();
            // Half the calls are consistent, so that they pass the checks and reach the
            // routine: one order n for every size, square arrays of n × n (more than any
            // extent of n needs), extents left to the shapes, documented letters.
            let consistent = next(2) == 0;
            let n = 1 + next(4) as usize;
            let count = if !consistent && next(10) == 0 {
                next(given.len() as u64 + 2) as usize
            } else {
                given.len()
            };
            for a in given.iter().take(count) {
                if consistent {
                    rand.push(consistent_arg(a, n, guard, &mut next));
                    continue;
                }
                if matches!(a.role, ArgRole::Optional(_)) && next(2) == 0 {
                    rand.push(Rand::Scalar(Arg::Default));
                    continue;
                }
                let small = [0i64, 1, 1, 2, 2, 3, 4, -1, i64::from(i32::MAX), 1 << 40];
                if next(20) == 0 {
                    // A value of another kind.
                    rand.push(Rand::Scalar(Arg::Real(1.5)));
                    continue;
                }
                if a.dims.is_empty() {
                    let v = match &a.ty {
                        Some(FType::Character { .. }) => {
                            let letters: Vec<char> = a
                                .checks
                                .iter()
                                .find_map(|c| match c {
                                    jitffi::fortran::Check::OneOf(l) => Some(l.clone()),
                                    _ => None,
                                })
                                .unwrap_or_default();
                            let pick = ["N", "T", "C", "U", "L", "V", "A", "X", "", "n"];
                            let s: &'static str = match letters.get(next(6) as usize) {
                                Some(c) if next(4) != 0 => {
                                    Box::leak(c.to_string().into_boxed_str())
                                }
                                _ => pick[next(pick.len() as u64) as usize],
                            };
                            Arg::Str(s)
                        }
                        Some(FType::Real { .. }) => {
                            Arg::Real([0.0, 1.0, -2.5, 1e300][next(4) as usize])
                        }
                        Some(FType::Complex { .. }) => Arg::Complex(1.0, -0.5),
                        Some(FType::Logical { .. }) => Arg::Logical(next(2) == 0),
                        _ => Arg::Int(small[next(small.len() as u64) as usize]),
                    };
                    rand.push(Rand::Scalar(v));
                    continue;
                }
                let (rows, cols) = (next(4) as usize, next(4) as usize);
                let shape = (a.dims.len() == 2 && next(4) != 0).then_some((rows, cols));
                let len = shape.map_or(next(7) as usize, |(r, c)| r * c + next(2) as usize);
                let Some(buf) = filled(a.ty.as_ref(), len, 3) else {
                    rand.push(Rand::Scalar(Arg::Int(1)));
                    continue;
                };
                rand.push(Rand::Array(
                    buf,
                    shape,
                    a.intent != Intent::In && next(2) == 0,
                ));
            }
            // The same arguments for both libraries, on copies of the arrays.
            let run = |l: &Library, rand: &[Rand]| -> (String, Vec<u64>) {
                let mut bufs: Vec<(Buf, Shape, bool)> = rand
                    .iter()
                    .filter_map(|x| match x {
                        Rand::Array(b, s, w) => Some((
                            match b {
                                Buf::F32(v) => Buf::F32(v.clone()),
                                Buf::F64(v) => Buf::F64(v.clone()),
                                Buf::I32(v) => Buf::I32(v.clone()),
                                Buf::C32(v) => Buf::C32(v.clone()),
                                Buf::C64(v) => Buf::C64(v.clone()),
                            },
                            *s,
                            *w,
                        )),
                        Rand::Scalar(_) => None,
                    })
                    .collect();
                // (Guarded copies of the arrays, by position, when guarding.)
                let mut guards: Vec<super::guard::Guarded> = Vec::new();
                if guard {
                    for (i, x) in rand.iter().enumerate() {
                        if let Rand::Array(b, _, w) = x {
                            guards.push(super::guard::Guarded::new(b.bytes(), i, !*w));
                        }
                    }
                }
                let out = {
                    let mut guarded = guards.iter_mut();
                    let mut arrays = bufs.iter_mut();
                    let args: Vec<Arg<'_>> = rand
                        .iter()
                        .map(|x| match x {
                            Rand::Scalar(a) => match a {
                                Arg::Int(i) => Arg::Int(*i),
                                Arg::Real(v) => Arg::Real(*v),
                                Arg::Complex(re, im) => Arg::Complex(*re, *im),
                                Arg::Logical(b) => Arg::Logical(*b),
                                Arg::Str(s) => Arg::Str(s),
                                _ => Arg::Default,
                            },
                            Rand::Array(..) => {
                                let (b, s, w) = arrays.next().unwrap();
                                match guarded.next() {
                                    Some(g) => b.guarded_arg(g, *s, *w),
                                    None => b.arg(*s, *w),
                                }
                            }
                        })
                        .collect();
                    let res = if guard {
                        super::guard::with_guarded_allocations(|| l.call(&r.name, &args))
                    } else {
                        l.call(&r.name, &args)
                    };
                    format!("{res:?}")
                };
                for ((b, ..), g) in bufs.iter_mut().zip(&guards) {
                    b.set_bytes(g.bytes());
                }
                (out, bufs.iter().flat_map(|(b, ..)| b.bits()).collect())
            };
            let before = p.fallbacks();
            if trace_args {
                let shown: Vec<String> = rand
                    .iter()
                    .map(|x| match x {
                        Rand::Scalar(Arg::Int(i)) => format!("{i}"),
                        Rand::Scalar(Arg::Real(v)) => format!("{v:?}"),
                        Rand::Scalar(Arg::Str(t)) => format!("{t:?}"),
                        Rand::Scalar(Arg::Default) => "default".into(),
                        Rand::Scalar(_) => "scalar".into(),
                        Rand::Array(b, s, w) => format!(
                            "array of {} {s:?}{}",
                            b.bits().len(),
                            if *w { " mut" } else { "" }
                        ),
                    })
                    .collect();
                eprintln!("{} {shown:?}", r.name);
            }
            let (c, i) = (run(&fast, &rand), run(&slow, &rand));
            calls += 1;
            ran += usize::from(p.fallbacks() == before);
            assert_eq!(
                c.0,
                i.0,
                "{} with {} arguments: results",
                r.name,
                rand.len()
            );
            assert_eq!(c.1, i.1, "{}: arrays", r.name);
        }
    }
    eprintln!("{calls} random calls, {ran} made by the compiled code, agree with the interpreter");
    if from == 0 && to == usize::MAX {
        assert!(
            calls > 5000 && ran > 250,
            "too few calls made: {calls} calls, {ran} compiled"
        );
    }
}

/// `call_into` (one `Outs` reused across calls, as a loop keeps it) returns what `call`
/// returns, compiled or interpreted: scalars, arrays (dropped by the next call), an `INFO`
/// error, an argument error, a call the compiled code hands to the interpreter; and leaves
/// `outs` empty after an error.
#[test]
fn outputs_into_a_reused_outs_are_the_calls() {
    let n = 4;
    let (x, a, b) = (data(n, 3), data(n * n, 4), data(n, 5));
    let mut indefinite = spd(n);
    indefinite[2 + n * 2] = -100.0;
    let cases: Vec<(&str, Vec<Arg<'_>>)> = vec![
        (
            "ddot",
            vec![
                Arg::Int(n as i64),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&b),
                Arg::Int(1),
            ],
        ),
        // IPIV allocated, A and B copied: three arrays the next call drops.
        ("dgesv", vec![Arg::matrix(&a, n, n), Arg::vec(&b)]),
        ("dnrm2", vec![Arg::Int(n as i64), Arg::vec(&x), Arg::Int(1)]),
        // INFO = 3 after the routine ran.
        (
            "dpotrf",
            vec![Arg::Str("L"), Arg::matrix(&indefinite, n, n)],
        ),
        ("dgesv", vec![Arg::matrix(&a, n, n), Arg::vec(&b)]),
        // Too short for n: an argument error before the routine runs.
        (
            "ddot",
            vec![
                Arg::Int(9),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&b),
                Arg::Int(1),
            ],
        ),
        // A bad option letter: handed to the interpreter, which refuses it.
        (
            "dsyev",
            vec![Arg::Str("X"), Arg::Str("L"), Arg::matrix(&a, n, n)],
        ),
        // A whole real where an integer goes: handed to the interpreter, which takes it.
        (
            "ddot",
            vec![
                Arg::Real(n as f64),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&b),
                Arg::Int(1),
            ],
        ),
    ];
    for interpret in [false, true] {
        let l = lib(interpret);
        let mut outs = Outs::default();
        let mut by_name = Outs::default();
        for (name, args) in &cases {
            let expected = l.call(name, args).map_err(|e| e.to_string());
            let p = l.prepare(name).unwrap();
            let got = p.call_into(args, &mut outs).map_err(|e| e.to_string());
            let got_by_name = l
                .call_into(name, args, &mut by_name)
                .map_err(|e| e.to_string());
            let what = format!("{name} (interpret: {interpret})");
            match &expected {
                Ok(v) => {
                    assert_eq!(got, Ok(()), "{what}");
                    assert_eq!(got_by_name, Ok(()), "{what}");
                    assert_eq!(format!("{:?}", &*outs), format!("{:?}", &**v), "{what}");
                    assert_eq!(format!("{:?}", &*by_name), format!("{:?}", &**v), "{what}");
                }
                Err(e) => {
                    assert_eq!(got.as_ref().unwrap_err(), e, "{what}");
                    assert_eq!(got_by_name.as_ref().unwrap_err(), e, "{what}");
                    assert!(outs.is_empty() && by_name.is_empty(), "{what}: {outs:?}");
                }
            }
        }
        // The outcomes above are the ones meant: two errors before the call, one INFO.
        let errors = cases
            .iter()
            .filter(|(name, args)| l.call(name, args).is_err())
            .count();
        assert_eq!(errors, 3);
    }
    // An unknown routine by name: the lookup's error, `outs` emptied.
    let mut outs = lib(false)
        .call("dnrm2", &[Arg::Int(1), Arg::vec(&x), Arg::Int(1)])
        .unwrap();
    let e = lib(false)
        .call_into("nosuch", &[], &mut outs)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nosuch"), "{e}");
    assert!(outs.is_empty());
}
