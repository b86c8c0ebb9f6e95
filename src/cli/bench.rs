//! `jitffi bench`: benchmarks, measured the way ../shared/bench/peers measures (CPU time,
//! calibrated loops, median of repetitions), reported as tables or JSON.
//!
//! Groups:
//! - `calls`: the call rows of ../shared/bench/peers (nop, add_i32, add_f64, sum10_i64, mix6,
//!   cos, point_norm2, point_make, ptr_id, strlen) against the same C library
//!   (`tests/c/peerlib.c`), each as a native Rust `extern "C"` pointer, a typed handle, an
//!   untyped call through the JIT stub and through libffi; plus stub compile time, and the
//!   `callback` row (`apply_cb(cb, i)`: a native Rust `extern "C" fn`, typed and untyped
//!   jitffi callbacks, a typed callback over libffi), and the floors of the untyped,
//!   prepared and callback rows (`bench_floor.rs`);
//! - `cdef`: parsing declarations: `cdefs/glpk.h` (hand-written cdef of the whole GLPK API)
//!   and `sqlite3.h` after `cc -E -dD` (preprocessing not timed), plus `Ffi::new`.

use std::hint::black_box;
use std::time::Instant;

use clap::Args;

use super::bench_floor::FloorRow;
use super::measure::{Bench, median, ns_per_op};
use super::peerlib::{Point, build_peerlib, native, peerlib_cdef};
use jitffi::{
    Backend, CdefOptions, Ffi, Function, HeaderOptions, Library, LoadOptions, PreparedCall,
    StructValue, Value, args,
};
use serde_json::json;

/// Arguments of `jitffi bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Repetitions of each row (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// CPU seconds of each timed run of the call rows.
    #[arg(long, default_value_t = 0.2)]
    target_s: f64,
    /// Groups to run (default: all). Known: calls, data, cdef.
    groups: Vec<String>,
}

/// CPU time of the whole process, in nanoseconds (cdef parses on a helper thread, so thread
/// CPU time of the caller would miss the work).
fn process_cpu_ns() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer; the clock id is a
    // constant the platform defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return 0;
    }
    u128::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000_000 + u128::try_from(ts.tv_nsec).unwrap_or(0)
}

/// `ns (ratio×)` for a table cell; `n/a` for a column a row does not have.
fn ratio_cell(v: Option<f64>, native: f64) -> String {
    v.map_or("n/a".to_string(), |v| {
        format!("{v:.2} ({:.2}×)", v / native)
    })
}

/// A benchmark result: median per-operation time over repetitions, in microseconds.
struct Row {
    name: &'static str,
    what: String,
    bytes: usize,
    cpu_us: f64,
    wall_us: f64,
    target_us: Option<f64>,
}

/// Runs `op` (with a fresh setup value each time) for about `budget_s` seconds per repetition
/// and returns the median CPU and wall time per operation, in microseconds.
fn time_op<S>(
    reps: usize,
    budget_s: f64,
    mut setup: impl FnMut() -> S,
    mut op: impl FnMut(S),
) -> (f64, f64) {
    // Calibrate: how many operations fill the budget.
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed().as_secs_f64() < budget_s / 4.0 || n < 3 {
        op(setup());
        n += 1;
    }
    let per = t0.elapsed().as_secs_f64() / n as f64;
    let iters = ((budget_s / per) as u64).clamp(3, 100_000);
    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    for _ in 0..reps.max(1) {
        let mut c = 0u128;
        let mut w = 0f64;
        for _ in 0..iters {
            let s = setup();
            let (c0, w0) = (process_cpu_ns(), Instant::now());
            op(s);
            w += w0.elapsed().as_secs_f64();
            c += process_cpu_ns() - c0;
        }
        cpu.push(c as f64 / iters as f64 / 1e3);
        wall.push(w / iters as f64 * 1e6);
    }
    (median(&mut cpu), median(&mut wall))
}

fn cdef_rows(reps: usize) -> Result<Vec<Row>, String> {
    let glpk = include_str!("../../cdefs/glpk.h");
    let sqlite = jitffi::preprocess_header("sqlite3.h", &HeaderOptions::default())
        .map_err(|e| format!("bench cdef needs sqlite3.h: {e}"))?;
    // Check once that both parse, so the timed loops measure successful declarations.
    Ffi::new()
        .cdef(glpk)
        .map_err(|e| format!("cdefs/glpk.h does not parse:\n{e}"))?;
    Ffi::new()
        .cdef_preprocessed(&sqlite, &CdefOptions::default())
        .map_err(|e| e.to_string())?;
    let small = "struct point { double x, y; }; double norm(struct point p);";
    let mut rows = Vec::new();
    let (c, w) = time_op(reps, 0.3, || (), |()| drop(Ffi::new()));
    rows.push(Row {
        name: "ffi_new",
        what: "Ffi::new() (shares the builtin table)".into(),
        bytes: 0,
        cpu_us: c,
        wall_us: w,
        target_us: None,
    });
    let (c, w) = time_op(reps, 0.3, Ffi::new, |ffi| {
        ffi.cdef(small).expect("small cdef")
    });
    rows.push(Row {
        name: "cdef_small",
        what: "one struct and one function".into(),
        bytes: small.len(),
        cpu_us: c,
        wall_us: w,
        target_us: None,
    });
    let (c, w) = time_op(reps, 0.5, Ffi::new, |ffi| {
        ffi.cdef(glpk).expect("glpk cdef")
    });
    rows.push(Row {
        name: "cdef_glpk_h",
        what: "cdefs/glpk.h (whole GLPK 5.0 API)".into(),
        bytes: glpk.len(),
        cpu_us: c,
        wall_us: w,
        target_us: Some(2000.0),
    });
    let (c, w) = time_op(reps, 0.5, Ffi::new, |ffi| {
        ffi.cdef_preprocessed(&sqlite, &CdefOptions::default())
            .expect("sqlite cdef");
    });
    rows.push(Row {
        name: "cdef_sqlite3_h",
        what: "sqlite3.h after cc -E -dD".into(),
        bytes: sqlite.len(),
        cpu_us: c,
        wall_us: w,
        target_us: Some(50_000.0),
    });
    Ok(rows)
}

// -- Calls --

/// One row of the calls table: ns per call, native and the three jitffi paths.
struct CallRow {
    name: &'static str,
    what: &'static str,
    native: f64,
    typed: f64,
    jit: f64,
    /// `Function::prepare`: slots set by typed setters, a stub that reads them.
    prepared: f64,
    libffi: f64,
}

/// The callback row: ns per `apply_cb(cb, i)` (C calls `cb` once), with `cb` a native Rust
/// `extern "C" fn`, a typed and an untyped jitffi callback, and a typed one over libffi.
struct CallbackRow {
    native: f64,
    typed: f64,
    untyped: f64,
    libffi: f64,
    /// The untyped callback's floor (`bench_floor`).
    floor: f64,
}

extern "C" fn cb_inc(x: i32) -> i32 {
    x.wrapping_add(1)
}

/// What the calls group measures.
#[derive(Default)]
struct CallsGroup {
    rows: Vec<CallRow>,
    compile: Option<CompileTimes>,
    callback: Option<CallbackRow>,
    names: Vec<NamespaceRow>,
    /// What the APIs' contracts cost by themselves (`bench_floor`).
    floors: Vec<FloorRow>,
}

/// The bench's untyped callback closure: `x + 1` of an `int32_t`.
fn untyped_inc(a: &[Value<'_>]) -> Value<'static> {
    match a {
        [Value::I32(x)] => Value::I32(x.wrapping_add(1)),
        _ => Value::I32(0),
    }
}

/// Measures the callback row against peerlib's `apply_cb`.
fn callback_row(ffi: &Ffi, lib: &Library, bench: &Bench<'_>) -> Result<CallbackRow, String> {
    type Apply = unsafe extern "C" fn(*const std::ffi::c_void, i32) -> i32;
    // SAFETY: peerlib defines `int32_t apply_cb(int32_t (*cb)(int32_t), int32_t x)`.
    let apply: Apply = unsafe { native(lib, "apply_cb")? };
    let ty = ffi
        .type_of("int32_t (*)(int32_t)")
        .map_err(|e| e.to_string())?
        .callbacks()
        .map_err(|e| e.to_string())?;
    let typed = ty
        .clone()
        .backend(Backend::Jit)
        .typed(|x: i32| x.wrapping_add(1))
        .map_err(|e| e.to_string())?;
    let untyped = ty
        .clone()
        .backend(Backend::Jit)
        .untyped(untyped_inc)
        .map_err(|e| e.to_string())?;
    let libffi = ty
        .backend(Backend::Libffi)
        .typed(|x: i32| x.wrapping_add(1))
        .map_err(|e| e.to_string())?;
    let native_ptr = cb_inc as *const () as *const std::ffi::c_void;
    let run = |cb: *const std::ffi::c_void| {
        move |n: u64| {
            for i in 0..n {
                // SAFETY: every pointer is a function `int32_t (int32_t)` that outlives the
                // loop.
                black_box(unsafe { apply(black_box(cb), i as i32) });
            }
        }
    };
    for cb in [native_ptr, typed.ptr(), untyped.ptr(), libffi.ptr()] {
        // SAFETY: as above.
        if unsafe { apply(cb, 41) } != 42 {
            return Err("a callback returned a wrong result".into());
        }
    }
    Ok(CallbackRow {
        native: bench(&mut run(native_ptr)),
        typed: bench(&mut run(typed.ptr())),
        untyped: bench(&mut run(untyped.ptr())),
        libffi: bench(&mut run(libffi.ptr())),
        floor: super::bench_floor::callback_floor(apply, untyped_inc, bench)?,
    })
}

#[allow(
    clippy::too_many_lines,
    reason = "one block per benchmark row, as in the peers"
)]
fn call_rows(reps: usize, target_s: f64) -> Result<CallsGroup, String> {
    let so = build_peerlib()?;
    let ffi = Ffi::new();
    ffi.cdef(&peerlib_cdef()).map_err(|e| e.to_string())?;
    // SAFETY: the benchmark library and libm have no initialisers that matter.
    let lib = unsafe { Library::open(&so.to_string_lossy(), &LoadOptions::default()) }
        .map_err(|e| e.to_string())?;
    // SAFETY: as above.
    let libm = unsafe { Library::open("m", &LoadOptions::default()) }.map_err(|e| e.to_string())?;
    let f = |l: &Library, n: &str| ffi.function(l, n).map_err(|e| e.to_string());
    let jit = |l: &Library, n: &str| f(l, n).map(|f| f.with_backend(Backend::Jit));
    let lffi = |l: &Library, n: &str| f(l, n).map(|f| f.with_backend(Backend::Libffi));
    let bench = |g: &mut dyn FnMut(u64)| ns_per_op(reps, target_s, g);
    let mut rows = Vec::new();
    macro_rules! row {
        ($name:expr, $what:expr, native: $n:expr, typed: $t:expr, untyped: $u:expr, prepared: $p:expr, $lib:expr, $sym:expr) => {{
            let (j, l) = (jit($lib, $sym)?, lffi($lib, $sym)?);
            // Compile and warm every path before timing.
            j.compile().map_err(|e| e.to_string())?;
            let mut prep = j.prepare().map_err(|e| e.to_string())?;
            let native = bench(&mut $n);
            let typed = bench(&mut $t);
            let jit_ns = bench(&mut |n| $u(&j, n));
            let prepared = bench(&mut |n| $p(&mut prep, n));
            let libffi_ns = bench(&mut |n| $u(&l, n));
            rows.push(CallRow {
                name: $name,
                what: $what,
                native,
                typed,
                jit: jit_ns,
                prepared,
                libffi: libffi_ns,
            });
        }};
    }

    // `struct point`, for point_norm2's row and its floor.
    let pt_ty = ffi.type_of("struct point").map_err(|e| e.to_string())?;
    // SAFETY: for every row, the cdef above declares each function as peerlib.c and libm
    // define it; the arguments are plain values (a valid pointer or string where one is
    // expected).
    unsafe {
        let nop_n: unsafe extern "C" fn() = native(&lib, "nop")?;
        let nop_t = f(&lib, "nop")?
            .typed::<(), ()>()
            .map_err(|e| e.to_string())?;
        row!("nop", "nop()",
            native: |n| for _ in 0..n { nop_n() },
            typed: |n| for _ in 0..n { nop_t.call(()) },
            untyped: |f: &Function, n| for _ in 0..n { if let Ok(Value::Void) = f.call(&[]) { black_box(()); } },
            prepared: |c: &mut PreparedCall<'_>, n| for _ in 0..n { if let Ok(Value::Void) = c.call() { black_box(()); } },
            &lib, "nop");

        let add_n: unsafe extern "C" fn(i32, i32) -> i32 = native(&lib, "add_i32")?;
        let add_t = f(&lib, "add_i32")?
            .typed::<(i32, i32), i32>()
            .map_err(|e| e.to_string())?;
        row!("add_i32", "add_i32(i, 1)",
            native: |n| for i in 0..n { black_box(add_n(i as i32, 1)); },
            typed: |n| for i in 0..n { black_box(add_t.call((i as i32, 1))); },
            untyped: |f: &Function, n| for i in 0..n { if let Ok(Value::I32(r)) = f.call(&[Value::I32(i as i32), Value::I32(1)]) { black_box(r); } },
            prepared: |c: &mut PreparedCall<'_>, n| { let _ = c.set_i32(1, 1); for i in 0..n { let _ = c.set_i32(0, i as i32); if let Ok(Value::I32(r)) = c.call() { black_box(r); } } },
            &lib, "add_i32");

        let addf_n: unsafe extern "C" fn(f64, f64) -> f64 = native(&lib, "add_f64")?;
        let addf_t = f(&lib, "add_f64")?
            .typed::<(f64, f64), f64>()
            .map_err(|e| e.to_string())?;
        row!("add_f64", "add_f64(1.5, 2.5)",
            native: |n| for _ in 0..n { black_box(addf_n(black_box(1.5), 2.5)); },
            typed: |n| for _ in 0..n { black_box(addf_t.call((black_box(1.5), 2.5))); },
            untyped: |f: &Function, n| for _ in 0..n { if let Ok(Value::F64(r)) = f.call(&[Value::F64(black_box(1.5)), Value::F64(2.5)]) { black_box(r); } },
            prepared: |c: &mut PreparedCall<'_>, n| { let _ = c.set_f64(1, 2.5); for _ in 0..n { let _ = c.set_f64(0, black_box(1.5)); if let Ok(Value::F64(r)) = c.call() { black_box(r); } } },
            &lib, "add_f64");

        type Sum10 = unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64;
        let sum_n: Sum10 = native(&lib, "sum10_i64")?;
        let sum_t = f(&lib, "sum10_i64")?
            .typed::<(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64), i64>()
            .map_err(|e| e.to_string())?;
        row!("sum10_i64", "sum10_i64(i, 1, ..., 9): 4 args on the stack",
            native: |n| for i in 0..n { black_box(sum_n(i as i64, 1, 2, 3, 4, 5, 6, 7, 8, 9)); },
            typed: |n| for i in 0..n { black_box(sum_t.call((i as i64, 1, 2, 3, 4, 5, 6, 7, 8, 9))); },
            untyped: |f: &Function, n| for i in 0..n {
                let a = [Value::I64(i as i64), Value::I64(1), Value::I64(2), Value::I64(3), Value::I64(4),
                    Value::I64(5), Value::I64(6), Value::I64(7), Value::I64(8), Value::I64(9)];
                if let Ok(Value::I64(r)) = f.call(&a) { black_box(r); }
            },
            prepared: |c: &mut PreparedCall<'_>, n| {
                for k in 1..10 { let _ = c.set_i64(k, k as i64); }
                for i in 0..n { let _ = c.set_i64(0, i as i64); if let Ok(Value::I64(r)) = c.call() { black_box(r); } }
            },
            &lib, "sum10_i64");

        let mix_n: unsafe extern "C" fn(i32, f64, i64, f32, u8, f64) -> f64 = native(&lib, "mix6")?;
        let mix_t = f(&lib, "mix6")?
            .typed::<(i32, f64, i64, f32, u8, f64), f64>()
            .map_err(|e| e.to_string())?;
        row!("mix6", "mix6(i, 1.5, i, 2.5f, 3, 4.5)",
            native: |n| for i in 0..n { black_box(mix_n(i as i32, 1.5, i as i64, 2.5, 3, 4.5)); },
            typed: |n| for i in 0..n { black_box(mix_t.call((i as i32, 1.5, i as i64, 2.5, 3, 4.5))); },
            untyped: |f: &Function, n| for i in 0..n {
                let a = [Value::I32(i as i32), Value::F64(1.5), Value::I64(i as i64), Value::F32(2.5), Value::U8(3), Value::F64(4.5)];
                if let Ok(Value::F64(r)) = f.call(&a) { black_box(r); }
            },
            prepared: |c: &mut PreparedCall<'_>, n| {
                let _ = (c.set_f64(1, 1.5), c.set_f32(3, 2.5), c.set_u8(4, 3), c.set_f64(5, 4.5));
                for i in 0..n {
                    let _ = (c.set_i32(0, i as i32), c.set_i64(2, i as i64));
                    if let Ok(Value::F64(r)) = c.call() { black_box(r); }
                }
            },
            &lib, "mix6");

        let cos_n: unsafe extern "C" fn(f64) -> f64 = native(&libm, "cos")?;
        let cos_t = f(&libm, "cos")?
            .typed::<(f64,), f64>()
            .map_err(|e| e.to_string())?;
        row!("cos", "libm cos(0.5)",
            native: |n| for _ in 0..n { black_box(cos_n(black_box(0.5))); },
            typed: |n| for _ in 0..n { black_box(cos_t.call((black_box(0.5),))); },
            untyped: |f: &Function, n| for _ in 0..n { if let Ok(Value::F64(r)) = f.call(&[Value::F64(black_box(0.5))]) { black_box(r); } },
            prepared: |c: &mut PreparedCall<'_>, n| for _ in 0..n { let _ = c.set_f64(0, black_box(0.5)); if let Ok(Value::F64(r)) = c.call() { black_box(r); } },
            &libm, "cos");

        let pt = Point { x: 3.0, y: 4.0 };
        let pt_bytes: Vec<u8> = [3.0f64, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let norm_n: unsafe extern "C" fn(Point) -> f64 = native(&lib, "point_norm2")?;
        let norm_t = f(&lib, "point_norm2")?
            .typed::<(Point,), f64>()
            .map_err(|e| e.to_string())?;
        row!("point_norm2", "point_norm2(p): 16-byte struct by value",
            native: |n| { let p = black_box(&pt); for _ in 0..n { black_box(norm_n(*black_box(p))); } },
            typed: |n| { let p = black_box(&pt); for _ in 0..n { black_box(norm_t.call((*black_box(p),))); } },
            untyped: |f: &Function, n| {
                let a = [Value::Struct(StructValue::borrowed(&pt_ty, &pt_bytes))];
                for _ in 0..n { if let Ok(Value::F64(r)) = f.call(black_box(&a)) { black_box(r); } }
            },
            prepared: |c: &mut PreparedCall<'_>, n| for _ in 0..n { let _ = c.set_struct_ptr(0, black_box(pt_bytes.as_ptr()).cast()); if let Ok(Value::F64(r)) = c.call() { black_box(r); } },
            &lib, "point_norm2");

        let make_n: unsafe extern "C" fn(f64, f64) -> Point = native(&lib, "point_make")?;
        let make_t = f(&lib, "point_make")?
            .typed::<(f64, f64), Point>()
            .map_err(|e| e.to_string())?;
        row!("point_make", "point_make(i, 2.0): struct returned by value",
            native: |n| for i in 0..n { black_box(make_n(i as f64, 2.0)); },
            typed: |n| for i in 0..n { black_box(make_t.call((i as f64, 2.0))); },
            untyped: |f: &Function, n| for i in 0..n { if let Ok(Value::Struct(r)) = f.call(&[Value::F64(i as f64), Value::F64(2.0)]) { black_box(r.bytes()[0]); } },
            prepared: |c: &mut PreparedCall<'_>, n| { let _ = c.set_f64(1, 2.0); for i in 0..n { let _ = c.set_f64(0, i as f64); if let Ok(Value::Struct(r)) = c.call() { black_box(r.bytes()[0]); } } },
            &lib, "point_make");

        let id_n: unsafe extern "C" fn(*mut u8) -> *mut u8 = native(&lib, "ptr_id")?;
        let id_t = f(&lib, "ptr_id")?
            .typed::<(*mut u8,), *mut u8>()
            .map_err(|e| e.to_string())?;
        let mut cell = 0u8;
        let start: *mut u8 = &raw mut cell;
        row!("ptr_id", "p = ptr_id(p)",
            native: |n| { let mut p = start; for _ in 0..n { p = id_n(p); } black_box(p); },
            typed: |n| { let mut p = start; for _ in 0..n { p = id_t.call((p,)); } black_box(p); },
            untyped: |f: &Function, n| {
                let mut p = Value::ptr(start);
                for _ in 0..n { p = f.call(std::slice::from_ref(&p)).unwrap_or(Value::NULL); }
                black_box(p);
            },
            prepared: |c: &mut PreparedCall<'_>, n| {
                let mut p = start.cast::<std::ffi::c_void>().cast_const();
                for _ in 0..n { let _ = c.set_ptr(0, p); p = c.call().ok().and_then(|v| v.as_ptr()).unwrap_or(std::ptr::null_mut()); }
                black_box(p);
            },
            &lib, "ptr_id");

        let len_n: unsafe extern "C" fn(*const std::ffi::c_char) -> usize =
            native(&lib, "c_strlen")?;
        let len_t = f(&lib, "c_strlen")?
            .typed::<(*const std::ffi::c_char,), usize>()
            .map_err(|e| e.to_string())?;
        let s = c"hello, world";
        row!("strlen", "c_strlen(\"hello, world\")",
            native: |n| for _ in 0..n { black_box(len_n(black_box(s.as_ptr()))); },
            typed: |n| for _ in 0..n { black_box(len_t.call((black_box(s.as_ptr()),))); },
            untyped: |f: &Function, n| for _ in 0..n { if let Ok(Value::U64(r)) = f.call(&[Value::str(black_box(s))]) { black_box(r); } },
            prepared: |c: &mut PreparedCall<'_>, n| for _ in 0..n { let _ = c.set_ptr(0, black_box(s.as_ptr()).cast()); if let Ok(Value::U64(r)) = c.call() { black_box(r); } },
            &lib, "c_strlen");
    }

    let names = namespace_rows(&ffi, &lib, &libm, &bench)?;
    let callback = callback_row(&ffi, &lib, &|g: &mut dyn FnMut(u64)| {
        ns_per_op(reps, target_s, g)
    })?;
    let floors = super::bench_floor::floor_rows(&lib, &pt_ty, &bench)?;
    let compile = compile_times(&lib)?;
    let _ = std::fs::remove_dir_all(so.parent().unwrap_or(&so));
    Ok(CallsGroup {
        rows,
        compile: Some(compile),
        callback: Some(callback),
        names,
        floors,
    })
}

/// A call by name through a [`jitffi::Namespace`] next to the same call through the
/// [`Function`] handle, both untyped with the default backend: what the lookup by name costs.
struct NamespaceRow {
    what: &'static str,
    function: f64,
    /// The name opaque to the compiler (as an interpreter's would be).
    namespace: f64,
    /// The name a literal in the calling code (as CFFI's `lib.f(…)` names it).
    literal: f64,
}

fn namespace_rows(
    ffi: &Ffi,
    lib: &Library,
    libm: &Library,
    bench: &Bench<'_>,
) -> Result<Vec<NamespaceRow>, String> {
    let (peer, m) = (ffi.bind(lib), ffi.bind(libm));
    let add = ffi.function(lib, "add_i32").map_err(|e| e.to_string())?;
    let cos = ffi.function(libm, "cos").map_err(|e| e.to_string())?;
    // SAFETY: the cdef declares add_i32 and cos as peerlib.c and libm define them.
    unsafe {
        // The first call resolves the name and compiles the stub: outside the timings.
        let warm = (peer.call("add_i32", args![1, 2]), m.call("cos", args![0.0]));
        if warm != (Ok(Value::I32(3)), Ok(Value::F64(1.0))) {
            return Err(format!("namespace calls returned {warm:?}"));
        }
        Ok(vec![
            NamespaceRow {
                what: "add_i32(i, 1)",
                function: bench(&mut |n| {
                    for i in 0..n {
                        if let Ok(Value::I32(r)) = add.call(args![i as i32, 1]) {
                            black_box(r);
                        }
                    }
                }),
                namespace: bench(&mut |n| {
                    for i in 0..n {
                        if let Ok(Value::I32(r)) =
                            peer.call(black_box("add_i32"), args![i as i32, 1])
                        {
                            black_box(r);
                        }
                    }
                }),
                literal: bench(&mut |n| {
                    for i in 0..n {
                        if let Ok(Value::I32(r)) = peer.call("add_i32", args![i as i32, 1]) {
                            black_box(r);
                        }
                    }
                }),
            },
            NamespaceRow {
                what: "libm cos(0.5)",
                function: bench(&mut |n| {
                    for _ in 0..n {
                        if let Ok(Value::F64(r)) = cos.call(args![black_box(0.5)]) {
                            black_box(r);
                        }
                    }
                }),
                namespace: bench(&mut |n| {
                    for _ in 0..n {
                        if let Ok(Value::F64(r)) = m.call(black_box("cos"), args![black_box(0.5)]) {
                            black_box(r);
                        }
                    }
                }),
                literal: bench(&mut |n| {
                    for _ in 0..n {
                        if let Ok(Value::F64(r)) = m.call("cos", args![black_box(0.5)]) {
                            black_box(r);
                        }
                    }
                }),
            },
        ])
    }
}

/// JIT entry times, µs per function, mean over 20 fresh contexts.
struct CompileTimes {
    /// The first compile in a fresh context: the JIT engine starts (once per `Ffi`).
    first_in_context: f64,
    /// A function whose register trampoline is new code: emitted and installed.
    tramp_new: f64,
    /// A function whose trampoline's code is installed already (another function of the
    /// signature, or of one with the same machine code): emitted and found.
    tramp_same: f64,
    /// The first function of a signature forced to the Cranelift stub tier.
    stub_new: f64,
    /// Another function of a signature Cranelift has compiled: a patched copy of that stub.
    stub_same: f64,
}

/// Makes the JIT entries of the rows' functions (nine signatures) and of five more (structs in
/// memory, results through the hidden pointer, a variadic declaration), first as register
/// trampolines, then forced to the Cranelift stub tier, in fresh contexts; then those of fresh
/// handles to the same functions (same signatures).
fn compile_times(lib: &Library) -> Result<CompileTimes, String> {
    let names = [
        "nop",
        "add_i32",
        "add_f64",
        "sum10_i64",
        "mix6",
        "point_norm2",
        "point_make",
        "ptr_id",
        "c_strlen",
        "jitffi_cl1",
        "jitffi_cl2",
        "jitffi_cl3",
        "jitffi_cl4",
        "jitffi_cl5",
    ];
    let mut first = 0.0;
    // (trampoline, stub) × (new, same): total seconds and count.
    let mut sums = [[(0.0, 0u32); 2]; 2];
    for _ in 0..20 {
        let ffi = Ffi::new();
        ffi.cdef(&peerlib_cdef()).map_err(|e| e.to_string())?;
        // A signature of no row: creates the context's JIT engine outside the timings. The
        // five further signatures are declared on `nop` and never called.
        ffi.cdef(
            "int jitffi_bench_warmup(int) __asm__(\"nop\");
             struct jitffi_big { long a, b, c; };
             struct jitffi_big jitffi_cl1(struct jitffi_big) __asm__(\"nop\");
             struct jitffi_big jitffi_cl2(int, double) __asm__(\"nop\");
             long jitffi_cl3(struct jitffi_big, struct jitffi_big) __asm__(\"nop\");
             double jitffi_cl4(int, struct jitffi_big, double) __asm__(\"nop\");
             int jitffi_cl5(const char *, ...) __asm__(\"nop\");",
        )
        .map_err(|e| e.to_string())?;
        let f = |n: &str| {
            ffi.function(lib, n)
                .map(|f| f.with_backend(Backend::Jit))
                .map_err(|e| e.to_string())
        };
        let warmup = f("jitffi_bench_warmup")?;
        let t0 = Instant::now();
        warmup.compile().map_err(|e| e.to_string())?;
        first += t0.elapsed().as_secs_f64();
        for (tier, stub) in [false, true].into_iter().enumerate() {
            for (pass, what) in ["first", "second"].into_iter().enumerate() {
                for n in names {
                    let h = f(n)?;
                    let h = if stub { h.with_cranelift_stub() } else { h };
                    let before = ffi.jit_stats();
                    let t0 = Instant::now();
                    h.compile()
                        .map_err(|e| format!("{n} ({what} handle): {e}"))?;
                    let t = t0.elapsed().as_secs_f64();
                    let after = ffi.jit_stats();
                    let made = if stub {
                        after.compiled > before.compiled
                    } else {
                        after.trampolines > before.trampolines
                    };
                    // By what happened: two signatures may share machine code (add_f64's
                    // trampoline serves point_make: both load two doubles and jump).
                    let at = &mut sums[tier][usize::from(!made)];
                    at.0 += t;
                    at.1 += 1;
                    if pass == 1 && made {
                        return Err(format!("{n}: the {what} handle made new code"));
                    }
                }
            }
        }
    }
    let us = |(t, n): (f64, u32)| t / f64::from(n.max(1)) * 1e6;
    Ok(CompileTimes {
        first_in_context: first / 20.0 * 1e6,
        tramp_new: us(sums[0][0]),
        tramp_same: us(sums[0][1]),
        stub_new: us(sums[1][0]),
        stub_same: us(sums[1][1]),
    })
}

/// Runs the benchmarks.
pub fn run(a: &BenchArgs) -> Result<(), String> {
    let all = a.groups.is_empty();
    for g in &a.groups {
        if g != "cdef" && g != "calls" && g != "data" && g != "fortran" {
            return Err(format!(
                "unknown benchmark group '{g}' (known: calls, data, cdef, fortran)"
            ));
        }
    }
    let wants = |g: &str| all || a.groups.iter().any(|x| x == g);
    let CallsGroup {
        rows: calls,
        compile,
        callback,
        names,
        floors,
    } = if wants("calls") {
        call_rows(a.reps, a.target_s)?
    } else {
        CallsGroup::default()
    };
    let data = if wants("data") {
        super::bench_data::data_rows(a.reps, a.target_s, |r, t, f| ns_per_op(r, t, f))?
    } else {
        Vec::new()
    };
    let cdef = if wants("cdef") {
        cdef_rows(a.reps)?
    } else {
        Vec::new()
    };
    let fortran = if wants("fortran") {
        super::bench_fortran::fortran_rows(a.reps, a.target_s, |r, t, f| ns_per_op(r, t, f))?
    } else {
        Vec::new()
    };
    if a.json {
        let mut rows: Vec<_> = calls
            .iter()
            .map(|r| json!({ "name": r.name, "native_ns": r.native, "typed_ns": r.typed, "jit_ns": r.jit, "prepared_ns": r.prepared, "libffi_ns": r.libffi }))
            .collect();
        if let Some(c) = &callback {
            rows.push(json!({ "name": "callback", "native_ns": c.native, "typed_ns": c.typed, "untyped_ns": c.untyped, "libffi_ns": c.libffi, "untyped_floor_ns": c.floor }));
        }
        for f in &floors {
            rows.push(json!({ "name": format!("floor {}", f.name), "native_ns": f.native, "untyped_floor_ns": f.untyped, "untyped_floor_through_pointer_ns": f.untyped_ptr, "prepared_floor_ns": f.prepared, "prepared_floor_through_pointer_ns": f.prepared_ptr }));
        }
        for r in &data {
            let mut o = serde_json::Map::new();
            o.insert("name".into(), json!(r.name));
            o.insert("native_ns".into(), json!(r.native));
            for (k, v) in [
                ("native_call_ns", r.native_call),
                ("typed_ns", r.typed),
                ("jit_ns", r.jit),
                ("untyped_ns", r.untyped),
            ] {
                if let Some(v) = v {
                    o.insert(k.into(), json!(v));
                }
            }
            rows.push(serde_json::Value::Object(o));
        }
        let cdef_rows: Vec<_> = cdef
            .iter()
            .map(|r| json!({ "name": r.name, "bytes": r.bytes, "cpu_us": r.cpu_us, "wall_us": r.wall_us, "target_us": r.target_us }))
            .collect();
        let mut doc = serde_json::Map::new();
        if wants("calls") || wants("data") {
            doc.insert("rows".into(), json!(rows));
            for r in &names {
                rows.push(json!({ "name": format!("namespace {}", r.what), "function_call_ns": r.function, "namespace_call_ns": r.namespace, "namespace_literal_call_ns": r.literal }));
            }
            if let Some(c) = &compile {
                doc.insert(
                    "engine_start_and_first_stub_us".into(),
                    json!(c.first_in_context),
                );
                doc.insert("trampoline_us".into(), json!(c.tramp_new));
                doc.insert("trampoline_same_signature_us".into(), json!(c.tramp_same));
                doc.insert("compile_us".into(), json!(c.stub_new));
                doc.insert("compile_same_signature_us".into(), json!(c.stub_same));
            }
        }
        if wants("cdef") {
            doc.insert("cdef".into(), json!(cdef_rows));
        }
        if wants("fortran") {
            let f: Vec<_> = fortran
                .iter()
                .map(|r| json!({ "name": r.what, "native_ns": r.native, "typed_ns": r.typed, "untyped_ns": r.untyped, "call_ns": r.call, "generated_ns": r.generated }))
                .collect();
            doc.insert("fortran".into(), json!(f));
        }
        println!("{}", serde_json::Value::Object(doc));
        return Ok(());
    }
    if !calls.is_empty() {
        println!(
            "calls: ns per call, thread CPU time, median of {} runs of ~{} s (ratio to native in the same run)",
            a.reps, a.target_s
        );
        println!("| row | native | typed | untyped (JIT) | prepared | libffi |");
        println!("|---|---|---|---|---|---|");
        for r in &calls {
            let cell = |v: f64| ratio_cell(Some(v), r.native);
            println!(
                "| {} | {:.2} | {} | {} | {} | {} |",
                r.what,
                r.native,
                cell(r.typed),
                cell(r.jit),
                cell(r.prepared),
                cell(r.libffi)
            );
        }
        if let Some(c) = &compile {
            println!(
                "JIT entries: {:.1} µs for the first function of a fresh Ffi (the JIT engine starts, once per context); register trampolines (no Cranelift): {:.1} µs for a function whose trampoline is new code, {:.1} µs for one whose code is installed (another function of its signature); forced to the Cranelift stub tier: {:.1} µs for the first function of a signature, {:.1} µs for another (patched copy)\n",
                c.first_in_context, c.tramp_new, c.tramp_same, c.stub_new, c.stub_same
            );
        }
        if !names.is_empty() {
            println!(
                "calls by name: ns per untyped call, Namespace::call(\"name\", args![…]) beside Function::call(args![…]) (default backend)"
            );
            println!(
                "| row | Function::call | Namespace::call, literal name | difference | Namespace::call, opaque name | difference |"
            );
            println!("|---|---|---|---|---|---|");
            for r in &names {
                println!(
                    "| {} | {:.2} | {:.2} | {:+.2} ns | {:.2} | {:+.2} ns |",
                    r.what,
                    r.function,
                    r.literal,
                    r.literal - r.function,
                    r.namespace,
                    r.namespace - r.function
                );
            }
            println!();
        }
        if !floors.is_empty() {
            let columns: Vec<_> = calls
                .iter()
                .map(|c| super::bench_floor::JitColumns {
                    name: c.name,
                    what: c.what,
                    native: c.native,
                    untyped: c.jit,
                    prepared: c.prepared,
                })
                .collect();
            super::bench_floor::print(&floors, &columns);
        }
    }
    if let Some(c) = &callback {
        let cell = |v: f64| ratio_cell(Some(v), c.native);
        println!("callbacks: ns per apply_cb(cb, i) round trip (C calls cb once), as above");
        println!(
            "| row | native (Rust extern \"C\" fn) | typed | untyped (JIT) | libffi closure (typed) | floor of untyped: a Rust extern \"C\" fn makes the Value, calls the dyn closure, checks its result |"
        );
        println!("|---|---|---|---|---|---|");
        println!(
            "| apply_cb(cb, i): callback round trip | {:.2} | {} | {} | {} | {} |\n",
            c.native,
            cell(c.typed),
            cell(c.untyped),
            cell(c.libffi),
            cell(c.floor)
        );
    }
    if !data.is_empty() {
        println!(
            "C data: ns per element (per struct for gather/scatter, per object for new), median of {} runs (ratio to native in the same run)",
            a.reps
        );
        println!(
            "| row | native | native, out-of-line call | typed Accessor | compiled (JIT) | untyped Member |"
        );
        println!("|---|---|---|---|---|---|");
        for r in &data {
            let cell = |v: Option<f64>| ratio_cell(v, r.native);
            println!(
                "| {} | {:.2} | {} | {} | {} | {} |",
                r.what,
                r.native,
                cell(r.native_call),
                cell(r.typed),
                cell(r.jit),
                cell(r.untyped)
            );
        }
        println!();
    }
    if !cdef.is_empty() {
        println!(
            "cdef parsing (median of {} repetitions; CPU time of the process, wall time)",
            a.reps
        );
        println!("| row | input | bytes | CPU µs | wall µs | target |");
        println!("|---|---|---|---|---|---|");
        for r in &cdef {
            let target = r.target_us.map_or(String::new(), |t| {
                let ok = if r.cpu_us <= t { "met" } else { "MISSED" };
                format!("< {} ms ({ok})", t / 1000.0)
            });
            println!(
                "| {} | {} | {} | {:.1} | {:.1} | {target} |",
                r.name, r.what, r.bytes, r.cpu_us, r.wall_us
            );
        }
    }
    if !fortran.is_empty() {
        println!();
        super::bench_fortran::print(&fortran, a.reps);
    }
    Ok(())
}
