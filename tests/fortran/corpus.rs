//! The corpus in `tests/f/` (fixed and free form: CHARACTER*(*) and CHARACTER*1 dummies,
//! complex, real, logical and character function results, `complex(8)`, `result(r)`, kind
//! parameters, EXTERNAL callbacks, module procedures, `bind(c)` with `value`, implicit typing)
//! compiled by gfortran three ways, each called through the prototypes jitffi derives and
//! compared with the Fortran driver's output.

use std::ffi::c_void;
use std::path::{Path, PathBuf};
use std::process::Command;

use jitffi::fortran::{self, Abi, Convention, Sources};
use jitffi::{Ffi, Library, Value};

use super::common;

pub(super) const CORPUS: [&str; 2] = ["tests/f/corpus.f", "tests/f/corpus.f90"];

pub(super) struct Variant {
    pub(super) name: &'static str,
    flags: &'static [&'static str],
    pub(super) abi: Abi,
}

pub(super) fn variants() -> Vec<Variant> {
    vec![
        Variant {
            name: "gfortran",
            flags: &[],
            abi: Abi::default(),
        },
        Variant {
            name: "f2c",
            flags: &["-ff2c"],
            abi: Abi {
                convention: Convention::F2c,
                second_underscore: true,
                ..Abi::default()
            },
        },
        Variant {
            name: "ilp64",
            flags: &["-fdefault-integer-8"],
            abi: Abi {
                ilp64: true,
                ..Abi::default()
            },
        },
    ]
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the corpus library and runs the driver: the library's path and the driver's lines.
pub(super) fn build(v: &Variant) -> (PathBuf, Vec<String>) {
    super::require_gfortran();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = common::scratch_dir(&format!("fortran-{}", v.name));
    let lib = dir.join("libcorpus.so");
    let sources: Vec<PathBuf> = CORPUS.iter().map(|f| root.join(f)).collect();
    run(
        Command::new("gfortran")
            .current_dir(&dir)
            .args(v.flags)
            .args(["-shared", "-fPIC", "-o"])
            .arg(&lib)
            .args(&sources),
        "gfortran (corpus)",
    );
    let driver = dir.join("driver");
    run(
        Command::new("gfortran")
            .current_dir(&dir)
            .args(v.flags)
            .arg("-o")
            .arg(&driver)
            .arg(root.join("tests/f/driver.f90"))
            .arg(&lib),
        "gfortran (driver)",
    );
    let out = run(
        Command::new(&driver).env("LD_LIBRARY_PATH", &dir),
        "the driver",
    );
    (lib, out.lines().map(str::to_string).collect())
}

/// An INTEGER of the variant's default kind.
#[derive(Clone, Copy)]
struct Ints {
    ilp64: bool,
}

impl Ints {
    fn buf(self, vals: &[i64]) -> Vec<u8> {
        vals.iter()
            .flat_map(|&v| {
                if self.ilp64 {
                    v.to_le_bytes().to_vec()
                } else {
                    (v as i32).to_le_bytes().to_vec()
                }
            })
            .collect()
    }

    fn read(self, b: &[u8]) -> i64 {
        if self.ilp64 {
            i64::from_le_bytes(b[..8].try_into().unwrap())
        } else {
            i64::from(i32::from_le_bytes(b[..4].try_into().unwrap()))
        }
    }

    fn value(self, v: &Value<'_>) -> i64 {
        match *v {
            Value::I32(x) => i64::from(x),
            Value::I64(x) => x,
            ref other => panic!("an INTEGER result expected, got {other:?}"),
        }
    }
}

fn p<T>(x: &mut [T]) -> Value<'static> {
    Value::ptr(x.as_mut_ptr().cast::<c_void>())
}

fn hex64(x: f64) -> String {
    format!("{:016X}", x.to_bits())
}

fn hex32(x: f32) -> String {
    format!("{:08X}", x.to_bits())
}

/// A complex result: returned as a struct (gfortran) or written through the hidden pointer.
fn complex(v: &Value<'_>, hidden: &[f64; 2]) -> [f64; 2] {
    match v {
        Value::Struct(s) => {
            let b = s.bytes();
            [
                f64::from_le_bytes(b[..8].try_into().unwrap()),
                f64::from_le_bytes(b[8..16].try_into().unwrap()),
            ]
        }
        Value::Void => *hidden,
        other => panic!("a complex result expected, got {other:?}"),
    }
}

fn complex8(v: &Value<'_>, hidden: &[f32; 2]) -> [f32; 2] {
    match v {
        Value::Struct(s) => {
            let b = s.bytes();
            [
                f32::from_le_bytes(b[..4].try_into().unwrap()),
                f32::from_le_bytes(b[4..8].try_into().unwrap()),
            ]
        }
        Value::Void => *hidden,
        other => panic!("a complex result expected, got {other:?}"),
    }
}

/// Calls every corpus routine through jitffi as the driver does; the same lines.
fn call_all(v: &Variant, lib_path: &Path) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sigs = fortran::read(&Sources::new().files(CORPUS.iter().map(|f| root.join(f)))).unwrap();
    assert!(sigs.skipped.is_empty(), "{:#?}", sigs.skipped);
    let (cdef, unmapped) = sigs.cdef(&v.abi);
    assert!(unmapped.is_empty(), "{unmapped:#?}");
    let ffi = Ffi::new();
    ffi.cdef(&cdef)
        .unwrap_or_else(|e| panic!("{e}\n--- cdef ---\n{cdef}"));
    // SAFETY: the corpus library has no initialisers beyond libgfortran's.
    let lib = unsafe { Library::open(lib_path.to_str().unwrap(), &Default::default()) }.unwrap();
    let sym = |name: &str| v.abi.symbol(sigs.routine(name).unwrap());
    let f = |name: &str| {
        ffi.function(&lib, &sym(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let f2c = v.abi.convention == Convention::F2c;
    let ints = Ints { ilp64: v.abi.ilp64 };
    let mut lines = Vec::new();
    // An EXTERNAL callback for APPLY: `double (*)(const double *)`.
    let sq = ffi
        .callback_typed("double (*)(const double *)", |x: *const f64| {
            // SAFETY: APPLY passes a pointer to an element of X.
            let x = unsafe { *x };
            x * x + 1.0
        })
        .unwrap();
    // SAFETY: the prototypes are the ones jitffi derived from the sources the library was
    // compiled from; every pointer is to a live buffer of the dummy's type and extent, hidden
    // lengths are the buffers' lengths, and `sq` outlives the calls.
    unsafe {
        // CHARACTER*(*), CHARACTER and CHARACTER*1 dummies: one hidden size_t length each.
        let (mut k, mut out) = (ints.buf(&[7]), ints.buf(&[0]));
        let (mut s, mut t, mut u) = (*b"abcdef", *b"Q", *b"z");
        f("CHARS")
            .call(&[
                p(&mut k),
                p(&mut s),
                p(&mut t),
                p(&mut u),
                p(&mut out),
                Value::U64(6),
                Value::U64(1),
                Value::U64(1),
            ])
            .unwrap();
        lines.push(format!("chars {}", ints.read(&out)));

        // DOUBLE COMPLEX result (a struct in xmm0:xmm1, or the hidden first pointer).
        let (mut a, mut b) = ([1.5f64, -2.0], [0.25f64, 3.0]);
        let mut hidden = [0f64; 2];
        let mut args = vec![p(&mut a), p(&mut b)];
        if f2c {
            args.insert(0, p(&mut hidden));
        }
        let r = f("ZMUL").call(&args).unwrap();
        let z = complex(&r, &hidden);
        lines.push(format!("zmul {} {}", hex64(z[0]), hex64(z[1])));

        // COMPLEX result.
        let mut x = [1.25f32, 2.5];
        let mut hidden8 = [0f32; 2];
        let mut args = vec![p(&mut x)];
        if f2c {
            args.insert(0, p(&mut hidden8));
        }
        let r = f("CROT").call(&args).unwrap();
        let c = complex8(&r, &hidden8);
        lines.push(format!("crot {} {}", hex32(c[0]), hex32(c[1])));

        // LOGICAL result: 1 or 0, in an INTEGER-sized register.
        let l = |x: f64| {
            let mut xs = [x];
            let v = f("ISPOS").call(&[p(&mut xs)]).unwrap();
            if ints.value(&v) == 1 { "T" } else { "F" }
        };
        lines.push(format!("ispos {} {}", l(2.0), l(-1.0)));

        // REAL result: float (gfortran) or double (f2c).
        let mut one = [1.0f32];
        let r = match f("SHALF").call(&[p(&mut one)]).unwrap() {
            Value::F32(x) => x,
            Value::F64(x) if f2c => x as f32,
            other => panic!("SHALF returned {other:?}"),
        };
        lines.push(format!("shalf {}", hex32(r)));

        // INTEGER result, an assumed-size INTEGER array.
        let (mut n, mut xs) = (ints.buf(&[4]), ints.buf(&[3, -1, 4, 10]));
        let v = f("ISUM").call(&[p(&mut n), p(&mut xs)]).unwrap();
        lines.push(format!("isum {}", ints.value(&v)));

        // The EXTERNAL callback.
        let (mut n, mut x, mut y) = (ints.buf(&[3]), [0.5f64, -2.0, 3.0], [0f64; 3]);
        f("APPLY")
            .call(&[sq.value(), p(&mut n), p(&mut x), p(&mut y)])
            .unwrap();
        lines.push(format!(
            "apply {} {} {}",
            hex64(y[0]),
            hex64(y[1]),
            hex64(y[2])
        ));

        // CHARACTER*(*) result: hidden result pointer and length first.
        let (mut buf, mut k) = ([0u8; 8], ints.buf(&[2]));
        f("GREET")
            .call(&[p(&mut buf), Value::U64(8), p(&mut k)])
            .unwrap();
        lines.push(format!("greet [{}]", String::from_utf8_lossy(&buf)));

        // Implicit typing; an underscore in the name (f2c: a second one in the symbol).
        let (mut n, mut a, mut xr) = (ints.buf(&[3]), [2.5f32], [1.0f32, 2.0, -0.5]);
        f("LA_SCALE")
            .call(&[p(&mut n), p(&mut a), p(&mut xr)])
            .unwrap();
        lines.push(format!(
            "la_scale {} {} {}",
            hex32(xr[0]),
            hex32(xr[1]),
            hex32(xr[2])
        ));

        // complex(8) function with result(r): 16 bytes.
        let mut x = [1.0f64, 0.1];
        let mut hidden = [0f64; 2];
        let mut args = vec![p(&mut x)];
        if f2c {
            args.insert(0, p(&mut hidden));
        }
        let r = f("CPLX8").call(&args).unwrap();
        let z = complex(&r, &hidden);
        lines.push(format!("cplx8 {} {}", hex64(z[0]), hex64(z[1])));

        // real(wp) with wp = kind(1.d0).
        let (mut n, mut a) = (ints.buf(&[3]), [0.1f64]);
        let (mut x, mut y) = ([0.5f64, -2.0, 3.0], [1.0f64; 3]);
        f("WP_AXPY")
            .call(&[p(&mut n), p(&mut a), p(&mut x), p(&mut y)])
            .unwrap();
        lines.push(format!(
            "wp_axpy {} {} {}",
            hex64(y[0]),
            hex64(y[1]),
            hex64(y[2])
        ));

        // A module procedure (selected_real_kind in the module).
        let (mut n, mut s) = (ints.buf(&[3]), [0f64]);
        f("MSUM").call(&[p(&mut n), p(&mut x), p(&mut s)]).unwrap();
        lines.push(format!("msum {}", hex64(s[0])));

        // bind(c, name=...) with value dummies.
        let mut total = [0f64];
        f("BINDC")
            .call(&[Value::I32(3), Value::F64(0.7), p(&mut total)])
            .unwrap();
        lines.push(format!("bindc {}", hex64(total[0])));
    }
    lines
}

#[test]
fn the_corpus_as_gfortran_compiles_it_three_ways() {
    for v in variants() {
        let (lib, expected) = build(&v);
        let got = call_all(&v, &lib);
        assert_eq!(got, expected, "variant {}", v.name);
    }
}

#[test]
fn symbols_and_prototypes_per_abi() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sigs = fortran::read(&Sources::new().files(CORPUS.iter().map(|f| root.join(f)))).unwrap();
    let decl = |abi: &Abi, name: &str| abi.prototype(sigs.routine(name).unwrap()).unwrap().decl;
    let [gf, f2c, ilp] = [0, 1, 2].map(|i| variants().swap_remove(i).abi);
    assert_eq!(
        decl(&gf, "CHARS"),
        "void chars_(int32_t *k, const char *s, const char *t, char *u, int32_t *out, \
         size_t s_len, size_t t_len, size_t u_len);"
    );
    assert_eq!(
        decl(&gf, "CPLX8"),
        "fortran_complex16 cplx8_(const fortran_complex16 *x);"
    );
    assert_eq!(
        decl(&f2c, "CPLX8"),
        "void cplx8_(fortran_complex16 *ret, const fortran_complex16 *x);"
    );
    assert_eq!(decl(&f2c, "SHALF"), "double shalf_(float *x);");
    assert_eq!(
        decl(&f2c, "LA_SCALE"),
        "void la_scale__(int32_t *n, float *a, float *x);"
    );
    assert_eq!(
        decl(&ilp, "ISUM"),
        "int64_t isum_(const int64_t *n, const int64_t *x);"
    );
    assert_eq!(
        decl(&gf, "APPLY"),
        "void apply_(double (*f)(const double *), int32_t *n, double *x, double *y);"
    );
    assert_eq!(
        decl(&gf, "MSUM"),
        "void __corpus_mod_MOD_msum(const int32_t *n, const double *x, double *s);"
    );
    assert_eq!(
        decl(&ilp, "BINDC"),
        "void corpus_bindc(int32_t n, double x, double *total);"
    );
    assert_eq!(
        decl(&gf, "GREET"),
        "void greet_(char *ret, size_t ret_len, int32_t *k);"
    );
}
