//! Numerical checks against an independent oracle: 72 LAPACK and BLAS calls (18 routines in
//! four precisions: gesv, posv, potrf, syev/heev, gels, getrf, getri, geqrf, orgqr/ungqr, trtrs,
//! getrs, trtri, potrs, gelqf, gemm, gemv, axpy, scal) and the dot products and norms, made through
//! `fortran::Library::call`, print every output element's bits; `tests/f/lapacke_oracle.c`
//! makes the same calls on the same inputs through LAPACKE and hand-written BLAS prototypes,
//! linked against the same Reference LAPACK, and prints the same lines. They must be equal.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use jitffi::fortran::{Arg, Complex32, Complex64, Element, Library, Out};

use super::common;

pub(super) const N: usize = 4;
pub(super) const M: usize = 5;

fn v(i: usize, j: usize) -> f64 {
    ((i * 31 + j * 17) % 23) as f64 / 7.0 - 1.5
}

/// One precision's element type.
pub(super) trait Num: Element + Copy + Default {
    /// The LAPACK prefix.
    const P: &'static str;
    const COMPLEX: bool;
    fn mk(i: usize, j: usize, d: usize) -> Self;
    fn conj(self) -> Self;
    fn real_only(self) -> Self;
    fn scalar(self) -> Arg<'static>;
}

impl Num for f32 {
    const P: &'static str = "s";
    const COMPLEX: bool = false;
    fn mk(i: usize, j: usize, d: usize) -> f32 {
        (v(i, j) + d as f64) as f32
    }
    fn conj(self) -> f32 {
        self
    }
    fn real_only(self) -> f32 {
        self
    }
    fn scalar(self) -> Arg<'static> {
        Arg::Real(f64::from(self))
    }
}

impl Num for f64 {
    const P: &'static str = "d";
    const COMPLEX: bool = false;
    fn mk(i: usize, j: usize, d: usize) -> f64 {
        v(i, j) + d as f64
    }
    fn conj(self) -> f64 {
        self
    }
    fn real_only(self) -> f64 {
        self
    }
    fn scalar(self) -> Arg<'static> {
        Arg::Real(self)
    }
}

impl Num for Complex32 {
    const P: &'static str = "c";
    const COMPLEX: bool = true;
    fn mk(i: usize, j: usize, d: usize) -> Complex32 {
        Complex32 {
            re: (v(i, j) + d as f64) as f32,
            im: v(j, i + 1) as f32,
        }
    }
    fn conj(self) -> Complex32 {
        Complex32 {
            re: self.re,
            im: -self.im,
        }
    }
    fn real_only(self) -> Complex32 {
        Complex32 {
            re: self.re,
            im: 0.0,
        }
    }
    fn scalar(self) -> Arg<'static> {
        Arg::Complex(f64::from(self.re), f64::from(self.im))
    }
}

impl Num for Complex64 {
    const P: &'static str = "z";
    const COMPLEX: bool = true;
    fn mk(i: usize, j: usize, d: usize) -> Complex64 {
        Complex64 {
            re: v(i, j) + d as f64,
            im: v(j, i + 1),
        }
    }
    fn conj(self) -> Complex64 {
        Complex64 {
            re: self.re,
            im: -self.im,
        }
    }
    fn real_only(self) -> Complex64 {
        Complex64 {
            re: self.re,
            im: 0.0,
        }
    }
    fn scalar(self) -> Arg<'static> {
        Arg::Complex(self.re, self.im)
    }
}

/// An output's elements as the oracle prints them.
fn show(o: &Out, single: bool, out: &mut String) {
    let f = |x: f64, out: &mut String| {
        if single {
            out.push_str(&format!(" {:08X}", (x as f32).to_bits()));
        } else {
            out.push_str(&format!(" {:016X}", x.to_bits()));
        }
    };
    match o {
        Out::Int(i) => out.push_str(&format!(" {i}")),
        Out::Real(x) => f(*x, out),
        Out::Complex(re, im) => {
            f(*re, out);
            f(*im, out);
        }
        Out::Array(_) => {
            if let Some(a) = o.array::<f32>() {
                a.iter()
                    .for_each(|x| out.push_str(&format!(" {:08X}", x.to_bits())));
            } else if let Some(a) = o.array::<f64>() {
                a.iter()
                    .for_each(|x| out.push_str(&format!(" {:016X}", x.to_bits())));
            } else if let Some(a) = o.array::<Complex32>() {
                a.iter().for_each(|x| {
                    out.push_str(&format!(" {:08X} {:08X}", x.re.to_bits(), x.im.to_bits()))
                });
            } else if let Some(a) = o.array::<Complex64>() {
                a.iter().for_each(|x| {
                    out.push_str(&format!(" {:016X} {:016X}", x.re.to_bits(), x.im.to_bits()))
                });
            } else if let Some(a) = o.array::<i32>() {
                a.iter().for_each(|x| out.push_str(&format!(" {x}")));
            }
        }
        Out::Str(s) => out.push_str(s),
    }
}

/// Calls `routine` and returns its outputs by (upper-case) name.
fn call(lib: &Library, routine: &str, args: &[Arg<'_>]) -> HashMap<String, Out> {
    let sig = lib.signature(routine).unwrap();
    let outs = lib
        .call(routine, args)
        .unwrap_or_else(|e| panic!("{e} (signature: {sig})"));
    let mut names: Vec<String> = Vec::new();
    if sig.result.is_some() {
        names.push(sig.name.clone());
    }
    names.extend(sig.returns().map(|a| a.name.clone()));
    names.into_iter().zip(outs).collect()
}

/// A line: the case's name, then the named outputs in order.
fn line(case: &str, outs: &HashMap<String, Out>, names: &[&str], single: bool) -> String {
    let mut s = case.to_string();
    for n in names {
        let o = outs
            .get(*n)
            .unwrap_or_else(|| panic!("{case}: no output {n}: {:?}", outs.keys()));
        show(o, single, &mut s);
    }
    s
}

fn array<T: Element>(o: &Out) -> Vec<T> {
    o.array::<T>()
        .expect("an array of the element type")
        .to_vec()
}

fn cases<T: Num>(lib: &Library, lines: &mut Vec<String>) {
    let p = T::P;
    let single = p == "s" || p == "c";
    let name = |r: &str| format!("{p}{r}");
    let gen_sq = || -> Vec<T> {
        (0..N * N)
            .map(|k| T::mk(k % N, k / N, if k % N == k / N { N } else { 0 }))
            .collect()
    };
    // gesv.
    let a = gen_sq();
    let b: Vec<T> = (0..2 * N).map(|k| T::mk(k / N, k % N, 0)).collect();
    let o = call(
        lib,
        &name("gesv"),
        &[Arg::matrix(&a, N, N), Arg::matrix(&b, N, 2)],
    );
    lines.push(line(&name("gesv"), &o, &["A", "IPIV", "B"], single));
    // posv on a symmetric (Hermitian) diagonally dominant matrix.
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
    let b: Vec<T> = (0..N).map(|k| T::mk(k, 1, 0)).collect();
    let o = call(
        lib,
        &name("posv"),
        &[Arg::Str("U"), Arg::matrix(&w2, N, N), Arg::matrix(&b, N, 1)],
    );
    lines.push(line(&name("posv"), &o, &["A", "B"], single));
    let o = call(
        lib,
        &name("potrf"),
        &[Arg::Str("L"), Arg::matrix(&w2, N, N)],
    );
    lines.push(line(&name("potrf"), &o, &["A"], single));
    let chol = array::<T>(&o["A"]);
    let sy = if T::COMPLEX { "heev" } else { "syev" };
    let o = call(
        lib,
        &name(sy),
        &[Arg::Str("V"), Arg::Str("U"), Arg::matrix(&w2, N, N)],
    );
    lines.push(line(&name(sy), &o, &["A", "W"], single));
    // gels, 5 x 3.
    let a: Vec<T> = (0..M * 3)
        .map(|k| T::mk(k % M, k / M, if k % M == k / M { 3 } else { 0 }))
        .collect();
    let b: Vec<T> = (0..M).map(|k| T::mk(k, 2, 0)).collect();
    let o = call(
        lib,
        &name("gels"),
        &[
            Arg::Str("N"),
            Arg::Int(M as i64),
            Arg::matrix(&a, M, 3),
            Arg::matrix(&b, M, 1),
        ],
    );
    lines.push(line(&name("gels"), &o, &["A", "B"], single));
    // getrf, getri.
    let a = gen_sq();
    let o = call(
        lib,
        &name("getrf"),
        &[Arg::Int(N as i64), Arg::matrix(&a, N, N)],
    );
    lines.push(line(&name("getrf"), &o, &["A", "IPIV"], single));
    let (lu, ipiv) = (array::<T>(&o["A"]), array::<i32>(&o["IPIV"]));
    let o = call(
        lib,
        &name("getri"),
        &[Arg::matrix(&lu, N, N), Arg::vec(&ipiv)],
    );
    lines.push(line(&name("getri"), &o, &["A"], single));
    // geqrf, orgqr/ungqr on 5 x 3.
    let a: Vec<T> = (0..M * 3).map(|k| T::mk(k % M, k / M, 0)).collect();
    let o = call(
        lib,
        &name("geqrf"),
        &[Arg::Int(M as i64), Arg::matrix(&a, M, 3)],
    );
    lines.push(line(&name("geqrf"), &o, &["A", "TAU"], single));
    let (qr, tau) = (array::<T>(&o["A"]), array::<T>(&o["TAU"]));
    let or = if T::COMPLEX { "ungqr" } else { "orgqr" };
    let o = call(
        lib,
        &name(or),
        &[Arg::Int(M as i64), Arg::matrix(&qr, M, 3), Arg::vec(&tau)],
    );
    lines.push(line(&name(or), &o, &["A"], single));
    // trtrs: upper, transposed, non-unit.
    let a = gen_sq();
    let b: Vec<T> = (0..N).map(|k| T::mk(k, 3, 0)).collect();
    let o = call(
        lib,
        &name("trtrs"),
        &[
            Arg::Str("U"),
            Arg::Str("T"),
            Arg::Str("N"),
            Arg::matrix(&a, N, N),
            Arg::matrix(&b, N, 1),
        ],
    );
    lines.push(line(&name("trtrs"), &o, &["B"], single));
    // getrs with the LU above; trtri; potrs with the Cholesky factor above.
    let b: Vec<T> = (0..N).map(|k| T::mk(2, k, 0)).collect();
    let o = call(
        lib,
        &name("getrs"),
        &[
            Arg::Str("N"),
            Arg::matrix(&lu, N, N),
            Arg::vec(&ipiv),
            Arg::matrix(&b, N, 1),
        ],
    );
    lines.push(line(&name("getrs"), &o, &["B"], single));
    let o = call(
        lib,
        &name("trtri"),
        &[Arg::Str("U"), Arg::Str("N"), Arg::matrix(&a, N, N)],
    );
    lines.push(line(&name("trtri"), &o, &["A"], single));
    let b: Vec<T> = (0..N).map(|k| T::mk(k, 2, 0)).collect();
    let o = call(
        lib,
        &name("potrs"),
        &[
            Arg::Str("L"),
            Arg::matrix(&chol, N, N),
            Arg::matrix(&b, N, 1),
        ],
    );
    lines.push(line(&name("potrs"), &o, &["B"], single));
    // gelqf on 3 x 5.
    let a: Vec<T> = (0..3 * M).map(|k| T::mk(k % 3, k / 3, 0)).collect();
    let o = call(lib, &name("gelqf"), &[Arg::Int(3), Arg::matrix(&a, 3, M)]);
    lines.push(line(&name("gelqf"), &o, &["A", "TAU"], single));
    // gemm (A B^T, by the conditional extents of BLAS's documentation), gemv (transposed).
    let (alpha, beta) = (T::mk(1, 2, 0), T::mk(2, 1, 0));
    let a: Vec<T> = (0..N * N).map(|k| T::mk(k % N, k / N, 0)).collect();
    let b: Vec<T> = (0..2 * N).map(|k| T::mk(k % 2, k / 2 + 1, 0)).collect();
    let c: Vec<T> = (0..2 * N).map(|k| T::mk(k / N, k % N, 0)).collect();
    let o = lib
        .call_named(
            &name("gemm"),
            &[
                ("transa", Arg::Str("N")),
                ("transb", Arg::Str("T")),
                ("m", Arg::Int(N as i64)),
                ("k", Arg::Int(N as i64)),
                ("alpha", alpha.scalar()),
                ("a", Arg::matrix(&a, N, N)),
                ("b", Arg::matrix(&b, 2, N)),
                ("beta", beta.scalar()),
                ("c", Arg::matrix(&c, N, 2)),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}: {}", lib.signature(&name("gemm")).unwrap()));
    let mut s = name("gemm");
    show(&o[0], single, &mut s);
    lines.push(s);
    let x: Vec<T> = (0..N).map(|k| T::mk(k, 0, 0)).collect();
    let y: Vec<T> = (0..N).map(|k| T::mk(0, k, 0)).collect();
    let o = lib
        .call_named(
            &name("gemv"),
            &[
                ("trans", Arg::Str("T")),
                ("m", Arg::Int(N as i64)),
                ("alpha", alpha.scalar()),
                ("a", Arg::matrix(&a, N, N)),
                ("x", Arg::vec(&x)),
                ("incx", Arg::Int(1)),
                ("beta", beta.scalar()),
                ("y", Arg::vec(&y)),
                ("incy", Arg::Int(1)),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}: {}", lib.signature(&name("gemv")).unwrap()));
    let mut s = name("gemv");
    show(&o[0], single, &mut s);
    lines.push(s);
    // axpy with strides, then scal.
    let x: Vec<T> = (0..N).map(|k| T::mk(k, 0, 0)).collect();
    let y: Vec<T> = (0..N).map(|k| T::mk(0, k, 0)).collect();
    let (xn, yn) = if T::COMPLEX {
        ("ZX", "ZY")
    } else {
        ("DX", "DY")
    };
    let (xn, yn) = if single {
        (
            xn.replace('D', "S").replace('Z', "C"),
            yn.replace('D', "S").replace('Z', "C"),
        )
    } else {
        (xn.to_string(), yn.to_string())
    };
    let o = call(
        lib,
        &name("axpy"),
        &[
            Arg::Int(2),
            alpha.scalar(),
            Arg::vec(&x),
            Arg::Int(2),
            Arg::vec(&y),
            Arg::Int(2),
        ],
    );
    lines.push(line(&name("axpy"), &o, &[&yn], single));
    let y2 = array::<T>(&o[&yn]);
    let o = call(
        lib,
        &name("scal"),
        &[
            Arg::Int(N as i64),
            beta.scalar(),
            Arg::vec(&y2),
            Arg::Int(1),
        ],
    );
    lines.push(line(&name("scal"), &o, &[&xn], single));
}

fn dots(lib: &Library, lines: &mut Vec<String>) {
    fn xy<T: Num>() -> (Vec<T>, Vec<T>) {
        (
            (0..N).map(|k| T::mk(k, 0, 0)).collect(),
            (0..N).map(|k| T::mk(0, k, 0)).collect(),
        )
    }
    let one = |lib: &Library,
               r: &str,
               args: &[(&str, Arg<'_>)],
               single: bool,
               lines: &mut Vec<String>| {
        let o = lib.call_named(r, args).unwrap();
        let mut s = r.to_string();
        show(&o[0], single, &mut s);
        lines.push(s);
    };
    let (xs, ys) = xy::<f32>();
    let (xd, yd) = xy::<f64>();
    let (xc, yc) = xy::<Complex32>();
    let (xz, yz) = xy::<Complex64>();
    // By name: the four dot products name their vectors SX/DX/CX/ZX, and whether N is
    // required or taken from X depends on each routine's documentation.
    let n = || ("n", Arg::Int(N as i64));
    let i1 = |name| (name, Arg::Int(1));
    one(
        lib,
        "sdot",
        &[
            n(),
            ("sx", Arg::vec(&xs)),
            i1("incx"),
            ("sy", Arg::vec(&ys)),
            i1("incy"),
        ],
        true,
        lines,
    );
    one(
        lib,
        "ddot",
        &[
            n(),
            ("dx", Arg::vec(&xd)),
            i1("incx"),
            ("dy", Arg::vec(&yd)),
            i1("incy"),
        ],
        false,
        lines,
    );
    one(
        lib,
        "cdotc",
        &[
            n(),
            ("cx", Arg::vec(&xc)),
            i1("incx"),
            ("cy", Arg::vec(&yc)),
            i1("incy"),
        ],
        true,
        lines,
    );
    one(
        lib,
        "zdotc",
        &[
            n(),
            ("zx", Arg::vec(&xz)),
            i1("incx"),
            ("zy", Arg::vec(&yz)),
            i1("incy"),
        ],
        false,
        lines,
    );
    one(
        lib,
        "snrm2",
        &[n(), ("x", Arg::vec(&xs)), i1("incx")],
        true,
        lines,
    );
    one(
        lib,
        "dnrm2",
        &[n(), ("x", Arg::vec(&xd)), i1("incx")],
        false,
        lines,
    );
    one(
        lib,
        "scnrm2",
        &[n(), ("x", Arg::vec(&xc)), i1("incx")],
        true,
        lines,
    );
    one(
        lib,
        "dznrm2",
        &[n(), ("x", Arg::vec(&xz)), i1("incx")],
        false,
        lines,
    );
}

/// The oracle's lines, run over the LAPACK and BLAS of `stack` (directories searched first for
/// `liblapack.so.3` and `libblas.so.3`).
pub(super) fn oracle(stack: &str) -> Vec<String> {
    oracle_of("lapacke_oracle", stack)
}

/// The lines of the C oracle `tests/f/{name}.c`, run over the LAPACK and BLAS of `stack`.
pub(super) fn oracle_of(name: &str, stack: &str) -> Vec<String> {
    common::require_cc();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::scratch_dir(name);
    let exe = dir.join("oracle");
    let lib = "/usr/lib/x86_64-linux-gnu";
    let out = Command::new("cc")
        .args(["-O0", "-ffp-contract=off", "-o"])
        .arg(&exe)
        .arg(root.join(format!("tests/f/{name}.c")))
        .arg(format!("-L{lib}/lapack"))
        .arg(format!("-L{lib}/blas"))
        .args(["-llapacke", "-l:liblapack.so.3", "-l:libblas.so.3", "-lm"])
        .output()
        .expect("cc runs");
    assert!(
        out.status.success(),
        "the LAPACKE oracle does not build (`apt-get install liblapacke-dev liblapack-dev`, or \
         `bash .ci/deps`):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The libraries under test, not whichever the system's alternatives name.
    let run = Command::new(&exe)
        .env("LD_LIBRARY_PATH", stack)
        .env("OPENBLAS_NUM_THREADS", "1")
        .output()
        .expect("the oracle runs");
    assert!(run.status.success());
    String::from_utf8_lossy(&run.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn seventy_two_lapack_and_blas_calls_match_lapacke_bit_for_bit() {
    // The test crate that includes this file says which LAPACK: Reference LAPACK over
    // Reference BLAS (tests/fortran) or OpenBLAS (tests/fortran_openblas).
    let (lib, stack) = super::stack();
    let mut lines = Vec::new();
    cases::<f32>(lib, &mut lines);
    cases::<f64>(lib, &mut lines);
    cases::<Complex32>(lib, &mut lines);
    cases::<Complex64>(lib, &mut lines);
    dots(lib, &mut lines);
    let expected = oracle(&stack);
    assert_eq!(lines.len(), 80);
    for (got, want) in lines.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(lines.len(), expected.len());
}
