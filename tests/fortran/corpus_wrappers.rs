//! The gfortran corpus (`tests/f/corpus.f`, `corpus.f90`) through generated wrappers: for each
//! way `corpus` compiles it (gfortran, `-ff2c`, `-fdefault-integer-8`), the module `jitffi
//! f2rs -o` writes for that ABI (`corpus_wrappers/{gfortran,f2c,ilp64}.rs`, regenerated and
//! compared) calls the library and must print the Fortran driver's lines: CHARACTER*(*) and
//! CHARACTER*1 arguments with their hidden lengths, complex results by value or through the
//! f2c pointer, a LOGICAL result, a REAL result returned as double under f2c, a Rust EXTERNAL
//! callback, implicit typing, a module procedure, `bind(c)` with VALUE dummies. (The driver's
//! `greet` line is a CHARACTER function, which the wrappers skip with that reason.)

use std::path::Path;

use jitffi::fortran::{self, Complex32, Complex64, RustOptions, Sources};

use super::corpus::{CORPUS, Variant, build, variants};

#[path = "corpus_wrappers/f2c.rs"]
mod f2c;
#[path = "corpus_wrappers/gfortran.rs"]
mod gfortran;
#[path = "corpus_wrappers/ilp64.rs"]
mod ilp64;

fn generate(v: &Variant) -> fortran::Generated {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sigs = fortran::read(&Sources::new().files(CORPUS.iter().map(|f| root.join(f)))).unwrap();
    sigs.rust(
        &v.abi,
        &RustOptions {
            lib: None,
            source: format!(
                "corpus.f corpus.f90 as {} (tests/fortran/corpus_wrappers.rs)",
                v.name
            ),
            rustfmt: true,
        },
    )
}

#[test]
fn generated_modules_are_current() {
    for v in variants() {
        let g = generate(&v);
        assert_eq!(g.wrapped.len(), 12, "{}: {:?}", v.name, g.skipped);
        assert_eq!(g.skipped.len(), 1);
        assert!(g.skipped[0].reason.contains("CHARACTER function"));
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fortran/corpus_wrappers/{}.rs", v.name));
        if std::env::var_os("JITFFI_BLESS").is_some() {
            std::fs::write(&path, &g.code).unwrap();
            continue;
        }
        assert!(
            std::fs::read_to_string(&path).unwrap_or_default() == g.code,
            "{} is not what f2rs generates now; regenerate it with `JITFFI_BLESS=1 cargo test \
             --test fortran corpus_wrappers` and review the diff",
            path.display()
        );
    }
}

fn h64(x: f64) -> String {
    format!("{:016X}", x.to_bits())
}

fn h32(x: f32) -> String {
    format!("{:08X}", x.to_bits())
}

/// The driver's calls through module `$m`, as its lines.
macro_rules! driver_lines {
    ($m:ident, $lib:expr) => {{
        // SAFETY: the corpus library built from the sources the module was generated from.
        let l = unsafe { $m::Library::open(&$lib.to_string_lossy()) }.unwrap();
        let mut out = Vec::new();
        out.push(format!("chars {}", l.chars(7, "abcdef", b'Q', b'z').unwrap()));
        let z = l
            .zmul(
                Complex64 { re: 1.5, im: -2.0 },
                Complex64 { re: 0.25, im: 3.0 },
            )
            .unwrap();
        out.push(format!("zmul {} {}", h64(z.re), h64(z.im)));
        let c = l.crot(Complex32 { re: 1.25, im: 2.5 }).unwrap();
        out.push(format!("crot {} {}", h32(c.re), h32(c.im)));
        let t = |b: bool| if b { "T" } else { "F" };
        out.push(format!(
            "ispos {} {}",
            t(l.ispos(2.0).unwrap()),
            t(l.ispos(-1.0).unwrap())
        ));
        out.push(format!("shalf {}", h32(l.shalf(1.0).unwrap())));
        out.push(format!("isum {}", l.isum(&[3, -1, 4, 10]).unwrap()));
        let ffi = jitffi::Ffi::new();
        let sqp1 = ffi
            .callback_typed("double (*)(const double *)", |x: *const f64| {
                // SAFETY: APPLY passes a pointer to an element of X.
                let x = unsafe { *x };
                x * x + 1.0
            })
            .unwrap();
        let mut x = [0.5, -2.0, 3.0];
        let mut y = [0.0; 3];
        l.apply(&sqp1, &mut x, &mut y).unwrap();
        out.push(format!("apply {} {} {}", h64(y[0]), h64(y[1]), h64(y[2])));
        let mut xr = [1.0f32, 2.0, -0.5];
        l.la_scale(2.5, &mut xr).unwrap();
        out.push(format!("la_scale {} {} {}", h32(xr[0]), h32(xr[1]), h32(xr[2])));
        let z = l.cplx8(Complex64 { re: 1.0, im: 0.1 }).unwrap();
        out.push(format!("cplx8 {} {}", h64(z.re), h64(z.im)));
        let mut y = [1.0; 3];
        l.wp_axpy(0.1, &x, &mut y).unwrap();
        out.push(format!("wp_axpy {} {} {}", h64(y[0]), h64(y[1]), h64(y[2])));
        out.push(format!("msum {}", h64(l.msum(&x).unwrap())));
        out.push(format!("bindc {}", h64(l.bindc(3, 0.7).unwrap())));
        out
    }};
}

#[test]
fn the_generated_wrappers_print_the_drivers_lines() {
    for v in variants() {
        let (lib, expected) = build(&v);
        let expected: Vec<String> = expected
            .into_iter()
            .filter(|l| !l.starts_with("greet"))
            .collect();
        let got = match v.name {
            "gfortran" => driver_lines!(gfortran, lib),
            "f2c" => driver_lines!(f2c, lib),
            "ilp64" => driver_lines!(ilp64, lib),
            other => panic!("no module for the {other} build"),
        };
        assert_eq!(got, expected, "{}", v.name);
    }
}
