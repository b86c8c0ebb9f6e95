//! Everything at once, from many threads: calls through shared functions, new contexts whose
//! stubs are compiled and whose engines are dropped, callbacks made, handed to C threads that C
//! creates (`pthread_create` in `fx_cb_threads`) and dropped, C data allocated, written, passed
//! to C and freed. Every result is checked; the run is seeded and timed.
//!
//! `JITFFI_STRESS_THREADS` (default 16) threads run for `JITFFI_STRESS_SECS` seconds (default
//! 2, the CI run; `.ci/selftest` runs a minute, and once more built with ThreadSanitizer).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use jitffi::cdata::Init;
use jitffi::{Ffi, Library, Value};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// A small xorshift generator (each thread its own, seeded by its index).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[derive(Default)]
struct Counts {
    calls: AtomicU64,
    contexts: AtomicU64,
    callbacks: AtomicU64,
    callback_entries: AtomicU64,
    data: AtomicU64,
}

/// One operation of the mix.
fn step(ffi: &Ffi, lib: &Library, rng: &mut Rng, counts: &Counts) {
    match rng.next() % 4 {
        // Calls through functions every thread shares (stubs compiled on first use, raced).
        0 => {
            let (a, b) = ((rng.next() % 1000) as i32, (rng.next() % 1000) as i32);
            let add = ffi.function(lib, "fx_add_i32").expect("declared");
            // SAFETY: the declaration is the fixture's.
            let r = unsafe { add.call(&[Value::I32(a), Value::I32(b)]) }.expect("call");
            assert_eq!(r, Value::I32(a + b));
            let make = ffi.function(lib, "fx_make_point").expect("declared");
            // SAFETY: as above.
            let p =
                unsafe { make.call(&[Value::F64(f64::from(a)), Value::F64(0.5)]) }.expect("call");
            let norm2 = ffi.function(lib, "fx_norm2").expect("declared");
            // SAFETY: as above; `p` is the struct fx_norm2 takes.
            let n = unsafe { norm2.call(&[p]) }.expect("call");
            assert_eq!(n, Value::F64(f64::from(a) * f64::from(a) + 0.25));
            counts.calls.fetch_add(3, Ordering::Relaxed);
        }
        // A new context: its engine compiles its stubs, then everything is dropped.
        1 => {
            let own = Ffi::new();
            let k = rng.next() % 3;
            own.cdef(&format!(
                "int64_t fx_sum_ints16(int64_t a1, int64_t a2, int64_t a3, int64_t a4, \
                 int64_t a5, int64_t a6, int64_t a7, int64_t a8, int64_t a9, int64_t a10, \
                 int64_t a11, int64_t a12, int64_t a13, int64_t a14, int64_t a15, int64_t a16);\n\
                 typedef int unused_{k};"
            ))
            .expect("cdef");
            let f = own.function(lib, "fx_sum_ints16").expect("declared");
            let args: Vec<Value> = (1..=16).map(|i| Value::I64(i * (k as i64 + 1))).collect();
            // SAFETY: the fixture's declaration.
            let r = unsafe { f.call(&args) }.expect("call");
            let expect: i64 = (1..=16).map(|i: i64| i * i * (k as i64 + 1)).sum();
            assert_eq!(
                r,
                Value::I64(expect),
                "fx_sum_ints16 weights argument i by i"
            );
            counts.contexts.fetch_add(1, Ordering::Relaxed);
        }
        // A callback, entered from 4 threads C creates, then dropped.
        2 => {
            let threads = ffi.function(lib, "fx_cb_threads").expect("declared");
            let ty = ffi.callbacks("int32_t (*)(int32_t)").expect("type");
            let entries = AtomicU64::new(0);
            let by = (rng.next() % 5) as i32 + 1;
            let cb = if rng.next().is_multiple_of(2) {
                ty.typed(|x: i32| {
                    entries.fetch_add(1, Ordering::Relaxed);
                    x * by
                })
            } else {
                ty.untyped(|a: &[Value<'_>]| {
                    entries.fetch_add(1, Ordering::Relaxed);
                    Value::I32(a[0].as_i64().unwrap_or(0) as i32 * by)
                })
            }
            .expect("callback");
            // SAFETY: fx_cb_threads calls the callback from 4 threads, 50 times each, and joins
            // them before returning; the callback outlives the call.
            let r = unsafe {
                threads.call(&[cb.value(), Value::I32(3), Value::I32(4), Value::I32(50)])
            }
            .expect("call");
            let expect: i64 = (0..4).map(|i| i64::from((3 + i) * by) * 50).sum();
            assert_eq!(r, Value::I64(expect));
            assert_eq!(entries.load(Ordering::Relaxed), 200);
            assert_eq!(cb.errors(), 0, "{:?}", cb.last_error());
            counts.callbacks.fetch_add(1, Ordering::Relaxed);
            counts.callback_entries.fetch_add(200, Ordering::Relaxed);
        }
        // C data: allocated, written, read by C, freed.
        _ => {
            let n = (rng.next() % 8) as usize + 1;
            let point = ffi.type_of("struct fx_point").expect("type");
            let pts = point.alloc_array(n).expect("alloc");
            let x = point.accessor::<f64>("x").expect("accessor");
            for i in 0..n {
                x.set_in(&pts, i, i as f64).expect("set");
            }
            let sum_x = ffi.function(lib, "fx_sum_x").expect("declared");
            // SAFETY: fx_sum_x reads `n` points.
            let s = unsafe { sum_x.call(&[(&pts).into(), Value::U64(n as u64)]) }.expect("call");
            assert_eq!(s, Value::F64((n * (n - 1) / 2) as f64));
            let one = ffi.alloc("struct fx_point", Init::Zero).expect("alloc");
            one.set("y", 2.5).expect("set");
            assert_eq!(one.get("y").expect("get"), Value::F64(2.5));
            counts.data.fetch_add(2, Ordering::Relaxed);
        }
    }
}

#[test]
fn threads_call_compile_make_callbacks_and_allocate_at_once() {
    let threads = env("JITFFI_STRESS_THREADS", 16);
    let secs = env("JITFFI_STRESS_SECS", 2);
    let (ffi, lib) = common::fixture();
    let counts = Counts::default();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(secs);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (ffi, lib, counts) = (&ffi, &lib, &counts);
            s.spawn(move || {
                let mut rng =
                    Rng(0x9E37_79B9_7F4A_7C15 ^ (t + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
                // At least a few rounds each, however slow the machine (or valgrind).
                let mut rounds = 0;
                while rounds < 8 || Instant::now() < deadline {
                    step(ffi, lib, &mut rng, counts);
                    rounds += 1;
                }
            });
        }
    });
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "stress: {threads} threads, {:.1} s: {} calls, {} contexts compiled and dropped, \
         {} callbacks made and dropped ({} entries from C threads), {} C objects",
        start.elapsed().as_secs_f64(),
        get(&counts.calls),
        get(&counts.contexts),
        get(&counts.callbacks),
        get(&counts.callback_entries),
        get(&counts.data),
    );
    assert!(get(&counts.calls) > 0 && get(&counts.contexts) > 0);
    assert!(get(&counts.callbacks) > 0 && get(&counts.data) > 0);
}
