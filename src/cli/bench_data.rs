//! `jitffi bench data`: member access, gather/scatter and allocation, against the same loops
//! in native Rust over `#[repr(C)]` structs (the rows of ../shared/bench/peers).

use std::hint::black_box;

use jitffi::cdata::Accessor;
use jitffi::cdata::{CompiledField, Member};
use jitffi::{CData, Ffi, Value};

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
    /// The floor of any out-of-line accessor: the same loop calling a native Rust getter or
    /// setter (not inlined, through a pointer, as the compiled code is called).
    pub native_call: Option<f64>,
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

/// A native getter and setter with the signatures of the compiled ones.
type NativeGet = extern "C" fn(*const u8, usize) -> f64;
type NativeSet = extern "C" fn(*mut u8, usize, f64);

#[inline(never)]
extern "C" fn native_getter(base: *const u8, i: usize) -> f64 {
    // SAFETY: called by `call_get` with the base of `ARR` `Point`s and `i < ARR`.
    unsafe { (*base.cast::<Point>().add(i)).x }
}

#[inline(never)]
extern "C" fn native_setter(base: *mut u8, i: usize, v: f64) {
    // SAFETY: as in `native_getter`.
    unsafe { (*base.cast::<Point>().add(i)).y = v }
}

#[inline(never)]
fn call_get(get: NativeGet, p: &[Point]) -> f64 {
    let mut s = 0.0;
    for i in 0..p.len() {
        s += get(p.as_ptr().cast(), i);
    }
    s
}

#[inline(never)]
fn call_set(set: NativeSet, p: &mut [Point]) {
    for i in 0..p.len() {
        set(p.as_mut_ptr().cast(), i, i as f64);
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
    let Ok(v) = x.bind(d) else { return f64::NAN };
    let mut s = 0.0;
    for i in 0..v.len() {
        s += v.get(i).unwrap_or(f64::NAN);
    }
    s
}

#[inline(never)]
fn jit_set(y: &CompiledField<f64>, d: &CData<'_>) {
    let Ok(v) = y.bind(d) else { return };
    for i in 0..v.len() {
        let _ = v.set(i, i as f64);
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
    let point = ffi.type_of("struct point").map_err(|e| e.to_string())?;
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
    // The columns of a row are measured in turn, `reps` rounds, and each column's median is
    // taken: on a shared machine the load changes between rounds, and alternating lets a
    // ratio compare runs made under the same conditions.
    let row = |fs: &mut [&mut dyn FnMut(u64)]| -> Vec<f64> {
        let mut times = vec![Vec::new(); fs.len()];
        for _ in 0..reps.max(1) {
            for (f, t) in fs.iter_mut().zip(&mut times) {
                t.push(ns_per_op(1, target_s, &mut **f));
            }
        }
        times
            .iter_mut()
            .map(|t| super::measure::median(t))
            .collect()
    };
    let passes = |n: u64| (n as usize).div_ceil(ARR);
    let mut rows = Vec::new();

    let t = row(&mut [
        &mut |n| {
            for _ in 0..passes(n) {
                black_box(native_get(black_box(&native)));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                black_box(call_get(
                    black_box(native_getter as NativeGet),
                    black_box(&native),
                ));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                black_box(typed_get(&ax, black_box(&arr)));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                black_box(jit_get(&cx, black_box(&arr)));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                black_box(untyped_get(&mx, black_box(&arr)));
            }
        },
    ]);
    rows.push(DataRow {
        name: "field_get",
        what: "field get: s += p[i].x",
        native: t[0],
        native_call: Some(t[1]),
        typed: Some(t[2]),
        jit: Some(t[3]),
        untyped: Some(t[4]),
    });

    let mut native_b = native.clone();
    let t = row(&mut [
        &mut |n| {
            for _ in 0..passes(n) {
                native_set(black_box(&mut native));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                call_set(
                    black_box(native_setter as NativeSet),
                    black_box(&mut native_b),
                );
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                typed_set(&ay, black_box(&arr));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                jit_set(&cy, black_box(&arr));
            }
        },
        &mut |n| {
            for _ in 0..passes(n) {
                untyped_set(&my, black_box(&arr));
            }
        },
    ]);
    rows.push(DataRow {
        name: "field_set",
        what: "field set: p[i].y = i",
        native: t[0],
        native_call: Some(t[1]),
        typed: Some(t[2]),
        jit: Some(t[3]),
        untyped: Some(t[4]),
    });

    // Gather and scatter over 1M structs: one pass per BIG operations.
    let mut big_native = vec![Point { x: 1.0, y: 2.0 }; BIG];
    let big = point.alloc_array(BIG).map_err(e)?;
    cx.scatter(&big, &vec![1.0; BIG]).map_err(e)?;
    let (mut out, mut out_b) = (vec![0.0f64; BIG], vec![0.0f64; BIG]);
    let big_passes = |n: u64| (n as usize).div_ceil(BIG);
    let t = row(&mut [
        &mut |n| {
            for _ in 0..big_passes(n) {
                native_gather(black_box(&big_native), black_box(&mut out));
            }
        },
        &mut |n| {
            for _ in 0..big_passes(n) {
                let _ = cx.gather(black_box(&big), black_box(&mut out_b));
            }
        },
    ]);
    rows.push(DataRow {
        name: "gather",
        what: "gather p[i].x over 1M structs",
        native: t[0],
        native_call: None,
        typed: None,
        jit: Some(t[1]),
        untyped: None,
    });
    let t = row(&mut [
        &mut |n| {
            for _ in 0..big_passes(n) {
                native_scatter(black_box(&mut big_native), black_box(&out));
            }
        },
        &mut |n| {
            for _ in 0..big_passes(n) {
                let _ = cy.scatter(black_box(&big), black_box(&out));
            }
        },
    ]);
    rows.push(DataRow {
        name: "scatter",
        what: "scatter into p[i].y over 1M structs",
        native: t[0],
        native_call: None,
        typed: None,
        jit: Some(t[1]),
        untyped: None,
    });
    drop(big);

    // New struct: one escaping, initialised object per operation, kept in a ring of ARR
    // slots (the one it replaces is freed), as the peers do.
    let mut ring: Vec<*mut Point> = vec![std::ptr::null_mut(); ARR];
    let mut cring: Vec<Option<CData<'static>>> = (0..ARR).map(|_| None).collect();
    let t = row(&mut [
        &mut |n| {
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
        },
        &mut |n| {
            for i in 0..n as usize {
                // The ring escapes the view (it is dropped after the loop), as `black_box`
                // does for the native pointer.
                let d = point
                    .alloc_values(&[Value::F64(i as f64), Value::F64(1.0)])
                    .expect("a struct point of two doubles");
                cring[i & (ARR - 1)] = Some(d);
            }
        },
    ]);
    for q in ring.drain(..) {
        // SAFETY: each slot holds a malloc'd pointer or NULL.
        unsafe { libc::free(q.cast()) };
    }
    drop(cring);
    rows.push(DataRow {
        name: "new_struct",
        what: "new struct point (escaping)",
        native: t[0],
        native_call: None,
        typed: None,
        jit: None,
        untyped: Some(t[1]),
    });
    Ok(rows)
}
