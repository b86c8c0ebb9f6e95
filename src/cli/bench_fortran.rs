//! `jitffi bench fortran`: BLAS and LAPACK routines through `jitffi::fortran` against direct
//! calls of the same symbols from Rust, in the same run: `ddot` (n = 1, 10, 1000) and `dgesv`
//! (n = 4, 100), on Reference LAPACK over Reference BLAS. The generated column calls the
//! wrappers `jitffi f2rs -o` writes (the module tests/fortran checks against its oracle).

use std::hint::black_box;
use std::path::Path;

use jitffi::fortran::{Arg, Library, OpenOptions, Outs, Sources};

/// The wrappers `jitffi f2rs -o` generates for 142 BLAS and LAPACK routines (tests/fortran
/// regenerates and checks them).
#[path = "../../tests/fortran/generated_lapack.rs"]
mod generated_lapack;

use generated_lapack::MatMut;

/// One row: ns per call.
pub struct FortranRow {
    pub what: String,
    /// The routine's symbol called from Rust through a function pointer.
    pub native: f64,
    /// jitffi's typed handle of the derived prototype (`Function::typed`).
    pub typed: Option<f64>,
    /// jitffi's untyped call of the derived prototype (`Function::call` with pointers).
    pub untyped: Option<f64>,
    /// `fortran::Library::call`: dimensions inferred, arrays checked and copied, outputs
    /// allocated, INFO checked.
    pub call: f64,
    /// The same through a [`jitffi::fortran::Prepared`] handle (no name lookup): the compiled
    /// call.
    pub prepared: Option<f64>,
    /// [`jitffi::fortran::Prepared::call_into`]: the same, its outputs written into one
    /// `Outs` the loop keeps.
    pub into: Option<f64>,
    /// The generated safe wrapper: the same checks, written out as Rust, through a typed
    /// handle.
    pub generated: f64,
    /// The floors the ratios meet first (`ddot` rows): the direct call with its three
    /// scalars stored each call (as a wrapper that takes them by value must), and the five
    /// `Arg`s of `Library::call` built and read by an out-of-line function that then makes
    /// that call (no lookup, no check, no output).
    pub floors: Option<(f64, f64)>,
}

/// Reads every argument's tag and payload (an array's pointer and length), as the compiled
/// call does first, then calls `ddot_` with the scalars stored: the floor of a call taking
/// `&[Arg]`, before any lookup, check or output.
#[inline(never)]
fn read_args_and_call(ddot: Ddot, args: &[Arg<'_>]) -> f64 {
    // Straight-line, at fixed positions, as code compiled for the signature reads them: each
    // tag checked, then its payload (a pointer and a length read apart: one wide load of
    // both, which the caller stored separately just before, would stall on forwarding).
    let [
        Arg::Int(n),
        Arg::Array(x),
        Arg::Int(incx),
        Arg::Array(y),
        Arg::Int(incy),
    ] = args
    else {
        return f64::NAN;
    };
    let (n, incx, incy) = (*n as i32, *incx as i32, *incy as i32);
    black_box(x.len() + y.len());
    // SAFETY: the benchmark passes n = the arrays' length and unit strides.
    unsafe { ddot(&n, x.as_ptr().cast(), &incx, y.as_ptr().cast(), &incy) }
}

const LIB: &str = "/usr/lib/x86_64-linux-gnu";

type Ddot = unsafe extern "C" fn(*const i32, *const f64, *const i32, *const f64, *const i32) -> f64;
type Dgesv = unsafe extern "C" fn(
    *const i32,
    *const i32,
    *mut f64,
    *const i32,
    *mut i32,
    *mut f64,
    *const i32,
    *mut i32,
);

pub fn fortran_rows(
    reps: usize,
    target_s: f64,
    ns_per_op: impl Fn(usize, f64, &mut dyn FnMut(u64)) -> f64,
) -> Result<Vec<FortranRow>, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/netlib-src/source");
    if !src.join("SRC/dgesv.f").exists() {
        return Err(format!(
            "bench fortran reads Reference LAPACK's sources from {}: run `bash .ci/lapack-src`",
            src.display()
        ));
    }
    let fe = |e: jitffi::fortran::FortranError| e.to_string();
    // SAFETY: Reference BLAS, loaded first so that LAPACK's libblas.so.3 is it.
    let _blas = unsafe {
        jitffi::Library::open(
            &format!("{LIB}/blas/libblas.so.3"),
            &jitffi::LoadOptions {
                global: true,
                ..Default::default()
            },
        )
    }
    .map_err(|e| format!("{e} (`bash .ci/deps` installs libblas-dev)"))?;
    let path = format!("{LIB}/lapack/liblapack.so.3");
    let sources = Sources::new()
        .file(src.join("BLAS/SRC/ddot.f"))
        .file(src.join("SRC/dgesv.f"));
    // SAFETY: the sources are the reference LAPACK's; its ABI is probed.
    let lapack = unsafe { Library::open(&path, &sources, &OpenOptions::default()) }.map_err(fe)?;
    // SAFETY: the same library, for its raw symbols.
    let raw =
        unsafe { jitffi::Library::open(&path, &Default::default()) }.map_err(|e| e.to_string())?;
    let sym = |s: &str| raw.symbol(s).map_err(|e| e.to_string());
    // SAFETY: ddot_ and dgesv_ have these C prototypes (the gfortran ABI, LP64).
    let (ddot, dgesv): (Ddot, Dgesv) = unsafe {
        (
            std::mem::transmute::<*mut std::ffi::c_void, Ddot>(sym("ddot_")?),
            std::mem::transmute::<*mut std::ffi::c_void, Dgesv>(sym("dgesv_")?),
        )
    };
    // SAFETY: the reference LAPACK the module was generated from.
    let generated = unsafe { generated_lapack::Library::open(&path) }.map_err(fe)?;
    let untyped_ddot = lapack.function("ddot").map_err(fe)?;
    let ddot_prepared = lapack.prepare("ddot").map_err(fe)?;
    if !ddot_prepared.is_compiled() {
        return Err("ddot's call was not compiled (RUST_LOG=debug says why)".into());
    }
    let typed_ddot = lapack
        .function("ddot")
        .map_err(fe)?
        .typed::<(*const i32, *const f64, *const i32, *const f64, *const i32), f64>()
        .map_err(|e| e.to_string())?;
    let dgesv_prepared = lapack.prepare("dgesv").map_err(fe)?;
    if !dgesv_prepared.is_compiled() {
        return Err("dgesv's call was not compiled (RUST_LOG=debug says why)".into());
    }
    let mut rows = Vec::new();
    for n in [1usize, 10, 1000] {
        let x: Vec<f64> = (0..n).map(|i| 1.0 + i as f64 * 0.5).collect();
        let y: Vec<f64> = (0..n).map(|i| 2.0 - i as f64 * 0.25).collect();
        let (nn, one) = (n as i32, 1i32);
        let native = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                // SAFETY: x and y have n elements.
                black_box(unsafe { ddot(&nn, x.as_ptr(), &one, y.as_ptr(), &one) });
            }
        });
        let typed = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                // SAFETY: as above.
                black_box(unsafe { typed_ddot.call((&nn, x.as_ptr(), &one, y.as_ptr(), &one)) });
            }
        });
        let untyped = ns_per_op(reps, target_s, &mut |iters| {
            let args = [
                jitffi::Value::ptr(&nn),
                jitffi::Value::ptr(x.as_ptr()),
                jitffi::Value::ptr(&one),
                jitffi::Value::ptr(y.as_ptr()),
                jitffi::Value::ptr(&one),
            ];
            for _ in 0..iters {
                // SAFETY: as above.
                black_box(unsafe { untyped_ddot.call(black_box(&args)) }.ok());
            }
        });
        // The arguments are made in the loop, as a caller of the run-time API makes them.
        let ddot_args = || {
            [
                Arg::Int(n as i64),
                Arg::vec(&x),
                Arg::Int(1),
                Arg::vec(&y),
                Arg::Int(1),
            ]
        };
        let call = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                black_box(lapack.call(black_box("ddot"), &ddot_args()).ok());
            }
        });
        let prepared = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                black_box(ddot_prepared.call(&ddot_args()).ok());
            }
        });
        let into = ns_per_op(reps, target_s, &mut |iters| {
            let mut outs = Outs::default();
            for _ in 0..iters {
                if ddot_prepared.call_into(&ddot_args(), &mut outs).is_ok() {
                    black_box(outs[0].real());
                }
            }
        });
        let wrapped = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                black_box(generated.ddot(black_box(nn), &x, 1, &y, 1).ok());
            }
        });
        let stored = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                let (n, incx, incy) = (black_box(nn), 1i32, 1i32);
                // SAFETY: as above.
                black_box(unsafe { ddot(&n, x.as_ptr(), &incx, y.as_ptr(), &incy) });
            }
        });
        let args_floor = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                let args = [
                    Arg::Int(n as i64),
                    Arg::vec(&x),
                    Arg::Int(1),
                    Arg::vec(&y),
                    Arg::Int(1),
                ];
                black_box(read_args_and_call(ddot, black_box(&args)));
            }
        });
        rows.push(FortranRow {
            what: format!("ddot, n = {n}"),
            native,
            typed: Some(typed),
            untyped: Some(untyped),
            call,
            prepared: Some(prepared),
            into: Some(into),
            generated: wrapped,
            floors: Some((stored, args_floor)),
        });
    }
    for n in [4usize, 100] {
        let a: Vec<f64> = (0..n * n)
            .map(|k| {
                let (i, j) = (k % n, k / n);
                ((i * 31 + j * 17) % 23) as f64 / 7.0 + if i == j { n as f64 } else { 0.0 }
            })
            .collect();
        let b: Vec<f64> = (0..n).map(|i| i as f64 + 1.0).collect();
        let (mut wa, mut wb, mut ipiv) = (a.clone(), b.clone(), vec![0i32; n]);
        let (nn, one) = (n as i32, 1i32);
        // Both sides copy A and B each call: DGESV overwrites them.
        let native = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                wa.copy_from_slice(&a);
                wb.copy_from_slice(&b);
                let mut info = 0i32;
                // SAFETY: A is n x n, B n x 1, IPIV n.
                unsafe {
                    dgesv(
                        &nn,
                        &one,
                        wa.as_mut_ptr(),
                        &nn,
                        ipiv.as_mut_ptr(),
                        wb.as_mut_ptr(),
                        &nn,
                        &mut info,
                    );
                }
                black_box(info);
            }
        });
        let call = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                let r = lapack.call("dgesv", &[Arg::matrix(&a, n, n), Arg::vec(&b)]);
                black_box(r.ok());
            }
        });
        let prepared = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                let r = dgesv_prepared.call(&[Arg::matrix(&a, n, n), Arg::vec(&b)]);
                black_box(r.ok());
            }
        });
        let into = ns_per_op(reps, target_s, &mut |iters| {
            let mut outs = Outs::default();
            for _ in 0..iters {
                let args = [Arg::matrix(&a, n, n), Arg::vec(&b)];
                if dgesv_prepared.call_into(&args, &mut outs).is_ok() {
                    black_box(outs.len());
                }
            }
        });
        let wrapped = ns_per_op(reps, target_s, &mut |iters| {
            for _ in 0..iters {
                wa.copy_from_slice(&a);
                wb.copy_from_slice(&b);
                let r = match (MatMut::new(&mut wa, n, n), MatMut::new(&mut wb, n, 1)) {
                    (Ok(ma), Ok(mb)) => generated.dgesv(ma, mb).ok(),
                    _ => None,
                };
                black_box(r);
            }
        });
        rows.push(FortranRow {
            what: format!("dgesv, n = {n}"),
            native,
            typed: None,
            untyped: None,
            call,
            prepared: Some(prepared),
            into: Some(into),
            generated: wrapped,
            floors: None,
        });
    }
    Ok(rows)
}

/// Prints the table.
pub fn print(rows: &[FortranRow], reps: usize) {
    println!(
        "fortran: ns per call, thread CPU time, median of {reps} runs (ratio to the direct call in the same run)"
    );
    println!(
        "| row | direct call | generated wrapper (f2rs -o) | typed (jitffi) | untyped (jitffi) | fortran::Library::call | Prepared::call | Prepared::call_into |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let cell = |v: Option<f64>, base: f64| match v {
        Some(v) => format!("{v:.1} ({:.2}×)", v / base),
        None => "n/a".into(),
    };
    for r in rows {
        println!(
            "| {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            r.what,
            r.native,
            cell(Some(r.generated), r.native),
            cell(r.typed, r.native),
            cell(r.untyped, r.native),
            cell(Some(r.call), r.native),
            cell(r.prepared, r.native),
            cell(r.into, r.native)
        );
    }
    println!();
    println!(
        "floors (same run): the direct call with its scalars stored each call (a by-value \
         wrapper must), and Library::call's five Args built and read, then that call"
    );
    println!("| row | direct call | scalars stored per call | five Args read, then the call |");
    println!("|---|---|---|---|");
    for r in rows {
        if let Some((stored, args)) = r.floors {
            println!(
                "| {} | {:.1} | {} | {} |",
                r.what,
                r.native,
                cell(Some(stored), r.native),
                cell(Some(args), r.native)
            );
        }
    }
}
