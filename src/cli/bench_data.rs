//! `jitffi bench data`: member access, gather/scatter and allocation, against the same loops
//! in native Rust over `#[repr(C)]` structs (the rows of ../shared/bench/peers).

use std::hint::black_box;

use jitffi::cdata::Accessor;
use jitffi::{CData, CompiledField, Ffi, Member, Value};

/// Elements of the array the field rows walk (as in the peers' benchmarks).
const ARR: usize = 1024;
/// Structs of the gather/scatter rows.
const BIG: usize = 1 << 20;

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct Point {
    x: f64,
    y: f64,
}

/// One row: ns per element (per struct for gather/scatter, per object for new_struct).
pub(super) struct DataRow {
    pub name: &'static str,
    pub what: &'static str,
    pub native: f64,
    pub typed: Option<f64>,
    pub jit: Option<f64>,
    pub untyped: Option<f64>,
}

#[inline(never)]
fn native_get(p: &[Point]) -> f64 {
    let mut s = 0.0;
    for q in p {
        s += q.x;
    }
    s
}

#[inline(never)]
fn native_set(p: &mut [Point]) {
    for (i, q) in p.iter_mut().enumerate() {
        q.y = i as f64;
    }
}

#[inline(never)]
fn typed_get(x: &Accessor<f64>, d: &CData<'_>) -> f64 {
    let Ok(v) = x.bind(d) else { return f64::NAN };
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v.get(i).unwrap_or(f64::NAN);
    }
    s
}

#[inline(never)]
fn typed_set(y: &Accessor<f64>, d: &CData<'_>) {
    let Ok(v) = y.bind(d) else { return };
    for i in 0..v.len() {
        let _ = v.set(i, i as f64);
    }
}

#[inline(never)]
fn jit_get(x: &CompiledField<f64>, d: &CData<'_>) -> f64 {
    let mut s = 0.0;
    for i in 0..ARR {
        s += x.get_in(d, i).unwrap_or(f64::NAN);
    }
    s
}

#[inline(never)]
fn jit_set(y: &CompiledField<f64>, d: &CData<'_>) {
    for i in 0..ARR {
        let _ = y.set_in(d, i, i as f64);
    }
}

#[inline(never)]
fn untyped_get(x: &Member, d: &CData<'_>) -> f64 {
    let mut s = 0.0;
    for i in 0..ARR {
        s += match x.get_in(d, i) {
            Ok(Value::F64(v)) => v,
            _ => f64::NAN,
        };
    }
    s
}

#[inline(never)]
fn untyped_set(y: &Member, d: &CData<'_>) {
    for i in 0..ARR {
        let _ = y.set_in(d, i, &Value::F64(i as f64));
    }
}

#[inline(never)]
fn native_gather(p: &[Point], out: &mut [f64]) {
    for (o, q) in out.iter_mut().zip(p) {
        *o = q.x;
    }
}

#[inline(never)]
fn native_scatter(p: &mut [Point], src: &[f64]) {
    for (q, s) in p.iter_mut().zip(src) {
        q.y = *s;
    }
}

pub(super) fn data_rows(
    reps: usize,
    target_s: f64,
    ns_per_op: fn(usize, f64, &mut dyn FnMut(u64)) -> f64,
) -> Result<Vec<DataRow>, String> {
    let ffi = Ffi::new();
    ffi.cdef("struct point { double x, y; };")
        .map_err(|e| e.to_string())?;
    let point = ffi.ctype("struct point").map_err(|e| e.to_string())?;
    let e = |e: jitffi::CDataError| e.to_string();
    let (ax, ay) = (
        point.accessor::<f64>("x").map_err(e)?,
        point.accessor::<f64>("y").map_err(e)?,
    );
    let (cx, cy) = (
        point.compiled::<f64>("x").map_err(e)?,
        point.compiled::<f64>("y").map_err(e)?,
    );
    let (mx, my) = (point.member("x").map_err(e)?, point.member("y").map_err(e)?);
    let mut native: Vec<Point> = (0..ARR)
        .map(|i| Point {
            x: i as f64,
            y: 0.0,
        })
        .collect();
    let arr = point.alloc_array(ARR).map_err(e)?;
    for i in 0..ARR {
        ax.set_in(&arr, i, i as f64).map_err(e)?;
    }
    let bench = |f: &mut dyn FnMut(u64)| ns_per_op(reps, target_s, f);
    let passes = |n: u64| (n as usize).div_ceil(ARR);
    let mut rows = Vec::new();

    let native_ns = bench(&mut |n| {
        for _ in 0..passes(n) {
            black_box(native_get(black_box(&native)));
        }
    });
    let typed = bench(&mut |n| {
        for _ in 0..passes(n) {
            black_box(typed_get(&ax, black_box(&arr)));
        }
    });
    let jit = bench(&mut |n| {
        for _ in 0..passes(n) {
            black_box(jit_get(&cx, black_box(&arr)));
        }
    });
    let untyped = bench(&mut |n| {
        for _ in 0..passes(n) {
            black_box(untyped_get(&mx, black_box(&arr)));
        }
    });
    rows.push(DataRow {
        name: "field_get",
        what: "field get: s += p[i].x",
        native: native_ns,
        typed: Some(typed),
        jit: Some(jit),
        untyped: Some(untyped),
    });

    let native_ns = bench(&mut |n| {
        for _ in 0..passes(n) {
            native_set(black_box(&mut native));
        }
    });
    let typed = bench(&mut |n| {
        for _ in 0..passes(n) {
            typed_set(&ay, black_box(&arr));
        }
    });
    let jit = bench(&mut |n| {
        for _ in 0..passes(n) {
            jit_set(&cy, black_box(&arr));
        }
    });
    let untyped = bench(&mut |n| {
        for _ in 0..passes(n) {
            untyped_set(&my, black_box(&arr));
        }
    });
    rows.push(DataRow {
        name: "field_set",
        what: "field set: p[i].y = i",
        native: native_ns,
        typed: Some(typed),
        jit: Some(jit),
        untyped: Some(untyped),
    });

    // Gather and scatter over 1M structs: one pass per BIG operations.
    let mut big_native = vec![Point { x: 1.0, y: 2.0 }; BIG];
    let big = point.alloc_array(BIG).map_err(e)?;
    cx.scatter(&big, &vec![1.0; BIG]).map_err(e)?;
    let mut out = vec![0.0f64; BIG];
    let big_passes = |n: u64| (n as usize).div_ceil(BIG);
    let native_ns = bench(&mut |n| {
        for _ in 0..big_passes(n) {
            native_gather(black_box(&big_native), black_box(&mut out));
        }
    });
    let jit = bench(&mut |n| {
        for _ in 0..big_passes(n) {
            let _ = cx.gather(black_box(&big), black_box(&mut out));
        }
    });
    rows.push(DataRow {
        name: "gather",
        what: "gather p[i].x over 1M structs",
        native: native_ns,
        typed: None,
        jit: Some(jit),
        untyped: None,
    });
    let native_ns = bench(&mut |n| {
        for _ in 0..big_passes(n) {
            native_scatter(black_box(&mut big_native), black_box(&out));
        }
    });
    let jit = bench(&mut |n| {
        for _ in 0..big_passes(n) {
            let _ = cy.scatter(black_box(&big), black_box(&out));
        }
    });
    rows.push(DataRow {
        name: "scatter",
        what: "scatter into p[i].y over 1M structs",
        native: native_ns,
        typed: None,
        jit: Some(jit),
        untyped: None,
    });
    drop(big);

    // New struct: one escaping, initialised object per operation, kept in a ring of ARR
    // slots (the one it replaces is freed), as the peers do.
    let mut ring: Vec<*mut Point> = vec![std::ptr::null_mut(); ARR];
    let native_ns = bench(&mut |n| {
        for i in 0..n as usize {
            // SAFETY: malloc of a `Point`'s size; the pointer is written once and freed
            // once (here, or after the loop).
            unsafe {
                let q = libc::malloc(std::mem::size_of::<Point>()).cast::<Point>();
                q.write(Point {
                    x: i as f64,
                    y: 1.0,
                });
                libc::free(ring[i & (ARR - 1)].cast());
                ring[i & (ARR - 1)] = black_box(q);
            }
        }
    });
    for q in ring.drain(..) {
        // SAFETY: each slot holds a malloc'd pointer or NULL.
        unsafe { libc::free(q.cast()) };
    }
    let mut cring: Vec<Option<CData<'static>>> = (0..ARR).map(|_| None).collect();
    let untyped = bench(&mut |n| {
        for i in 0..n as usize {
            let d = point
                .alloc_values(&[Value::F64(i as f64), Value::F64(1.0)])
                .ok();
            cring[i & (ARR - 1)] = black_box(d);
        }
    });
    drop(cring);
    rows.push(DataRow {
        name: "new_struct",
        what: "new struct point (escaping)",
        native: native_ns,
        typed: None,
        jit: None,
        untyped: Some(untyped),
    });
    Ok(rows)
}
