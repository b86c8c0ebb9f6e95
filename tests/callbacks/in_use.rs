//! Callbacks in use: libc's `qsort` and `bsearch` with Rust comparators, callbacks from
//! threads C creates, closures that borrow and handles that reuse their code, and code memory
//! that is never writable and executable at once.

use std::ffi::c_void;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common;
use crate::{BACKENDS, Point, call};
use jitffi::{Backend, Callback, CallbackErrorKind, Ffi, Library, Value};

#[test]
fn qsort_and_bsearch_with_rust_comparators() {
    let ffi = Ffi::new();
    ffi.cdef(
        "void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
         void *bsearch(const void *key, const void *base, size_t n, size_t size,
                       int (*cmp)(const void *, const void *));
         struct point { double x, y; };",
    )
    .unwrap();
    let libc = Library::process();
    let qsort = ffi.function(&libc, "qsort").unwrap();
    let bsearch = ffi.function(&libc, "bsearch").unwrap();
    let cmp_ty = "int (*)(const void *, const void *)";
    for backend in BACKENDS {
        let ty = ffi.callbacks(cmp_ty).unwrap().backend(backend);
        // Integers, typed comparator.
        let calls = AtomicU64::new(0);
        let by_int = ty
            .typed(|a: *const c_void, b: *const c_void| {
                calls.fetch_add(1, Ordering::Relaxed);
                // SAFETY: qsort and bsearch pass pointers to i32 elements (and the key).
                let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
                a.cmp(&b) as i32
            })
            .unwrap();
        let mut rng = fastrand::Rng::with_seed(7);
        let mut v: Vec<i32> = (0..1000).map(|_| rng.i32(..)).collect();
        let mut expect = v.clone();
        expect.sort_unstable();
        call(
            &qsort,
            &[
                Value::ptr(v.as_mut_ptr()),
                Value::U64(v.len() as u64),
                Value::U64(4),
                by_int.value(),
            ],
        );
        assert_eq!(v, expect, "{backend:?}");
        assert!(calls.load(Ordering::Relaxed) >= 999);
        let key = expect[617];
        let found = call(
            &bsearch,
            &[
                Value::ptr(&raw const key),
                Value::ptr(v.as_ptr()),
                Value::U64(v.len() as u64),
                Value::U64(4),
                by_int.value(),
            ],
        );
        assert_eq!(
            found.as_ptr(),
            Some(v.as_ptr().wrapping_add(617).cast_mut().cast())
        );
        let missing = i32::MIN;
        assert!(!v.contains(&missing) || v[0] == missing);
        // Structs, untyped comparator: by y, then x.
        let point = ffi.type_of("struct point").unwrap();
        let by_y = ty
            .untyped(|args: &[Value<'_>]| {
                let [Value::Ptr(a), Value::Ptr(b)] = args else {
                    panic!("{args:?}")
                };
                // SAFETY: qsort passes pointers to Point elements.
                let (a, b) = unsafe { (&*a.addr().cast::<Point>(), &*b.addr().cast::<Point>()) };
                Value::I32(a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)) as i32)
            })
            .unwrap();
        let mut pts: Vec<Point> = (0..500)
            .map(|_| Point {
                x: rng.f64(),
                y: f64::from(rng.u8(..10)),
            })
            .collect();
        let mut expect = pts.clone();
        expect.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
        call(
            &qsort,
            &[
                Value::ptr(pts.as_mut_ptr()),
                Value::U64(pts.len() as u64),
                Value::U64(point.size().unwrap()),
                by_y.value(),
            ],
        );
        assert_eq!(pts, expect, "{backend:?}");
        let key = expect[123];
        let found = call(
            &bsearch,
            &[
                Value::ptr(&raw const key),
                Value::ptr(pts.as_ptr()),
                Value::U64(pts.len() as u64),
                Value::U64(16),
                by_y.value(),
            ],
        );
        assert_eq!(
            found.as_ptr(),
            Some(pts.as_ptr().wrapping_add(123).cast_mut().cast())
        );
        assert_eq!(by_y.errors(), 0);
        let want = if backend == Backend::Libffi {
            Backend::Libffi
        } else {
            Backend::Jit
        };
        assert_eq!(by_int.backend(), Some(want));
        assert_eq!(by_y.backend(), Some(want));
    }
}

#[test]
fn callbacks_from_threads_c_creates() {
    let (ffi, lib) = common::fixture();
    let threads = ffi.function(&lib, "fx_cb_threads").unwrap();
    for backend in BACKENDS {
        let ty = ffi
            .callbacks("int32_t (*)(int32_t)")
            .unwrap()
            .backend(backend);
        let count = AtomicU64::new(0);
        let typed = ty
            .typed(|x: i32| {
                count.fetch_add(1, Ordering::Relaxed);
                x * 2
            })
            .unwrap();
        // 8 threads, thread i calls cb(10 + i) 1000 times.
        let args =
            |cb: &Callback<'_>| [cb.value(), Value::I32(10), Value::I32(8), Value::I32(1000)];
        let expect: i64 = (0..8).map(|i| (10 + i) * 2 * 1000).sum();
        assert_eq!(call(&threads, &args(&typed)), Value::I64(expect));
        assert_eq!(count.load(Ordering::Relaxed), 8000);
        let untyped = ty
            .untyped(|a: &[Value<'_>]| {
                count.fetch_add(1, Ordering::Relaxed);
                Value::I64(a[0].as_i64().unwrap() * 2)
            })
            .unwrap();
        assert_eq!(call(&threads, &args(&untyped)), Value::I64(expect));
        assert_eq!(count.load(Ordering::Relaxed), 16000);

        // A thread-bound callback runs on its thread only; other threads get the default.
        let cell = std::cell::Cell::new(0);
        let local = ty
            .clone()
            .on_error(Value::I32(-1))
            .unwrap()
            .typed_local(|x: i32| {
                cell.set(cell.get() + 1);
                x
            })
            .unwrap();
        let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
        assert_eq!(call(&f, &[local.value(), Value::I32(5)]), Value::I32(5));
        assert_eq!(
            call(
                &threads,
                &[local.value(), Value::I32(10), Value::I32(4), Value::I32(10)]
            ),
            Value::I64(-40)
        );
        assert_eq!(cell.get(), 1);
        assert_eq!(local.errors(), 40);
        let e = local.last_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Thread);
        assert_eq!(
            e.to_string(),
            "callback 'int32_t (*)(int32_t)' called from another thread: this callback is bound to the thread that made it"
        );
    }
}

#[test]
fn closures_may_borrow_and_handles_reuse_their_code() {
    let (ffi, lib) = common::fixture();
    let each = ffi.function(&lib, "fx_cb_each").unwrap();
    let weights = [3i32, 1, 4, 1, 5, 9, 2, 6];
    let ty = ffi.callbacks("int (*)(int, void *)").unwrap();
    each.compile().unwrap();
    let (compiled, installed) = (ffi.jit_stats().compiled, ffi.jit_stats().installed);
    let mut addrs = std::collections::HashSet::new();
    for round in 0..2000 {
        // Borrows `weights`; the context pointer comes back as the second argument.
        let cb = ty
            .typed(|i: i32, ctx: *mut c_void| weights[i as usize] * (ctx as usize as i32))
            .unwrap();
        addrs.insert(cb.ptr() as usize);
        let r = call(
            &each,
            &[cb.value(), Value::ptr(2usize as *const u8), Value::I32(8)],
        );
        assert_eq!(r, Value::I64(2 * 31), "round {round}");
    }
    // One adapter for the signature and nothing compiled per callback; slots are reused (other
    // tests of this binary take and free slots concurrently, hence not exactly one address).
    let stats = ffi.jit_stats();
    assert_eq!(stats.compiled, compiled);
    assert_eq!(stats.installed - installed, 1);
    assert!(addrs.len() < 100, "{} distinct addresses", addrs.len());
    // fx_apply (the fixture's void-returning caller) with an untyped callback.
    let hits = AtomicU64::new(0);
    let cb = ffi
        .callback("fx_callback", |a: &[Value<'_>]| {
            hits.fetch_add(a[0].as_i64().unwrap() as u64, Ordering::Relaxed);
            Value::I32(0)
        })
        .unwrap();
    call(
        &ffi.function(&lib, "fx_apply").unwrap(),
        &[cb.value(), Value::NULL],
    );
    assert!(hits.load(Ordering::Relaxed) > 0);
}

#[test]
fn code_memory_is_never_writable_and_executable() {
    let (ffi, lib) = common::fixture();
    let cbs: Vec<Callback<'static>> = (0..300)
        .map(|i| {
            ffi.callback("int32_t (*)(int32_t)", move |a: &[Value<'_>]| {
                Value::I32(a[0].as_i64().unwrap() as i32 + i)
            })
            .unwrap()
        })
        .collect();
    let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    assert_eq!(
        call(&f, &[cbs[299].value(), Value::I32(1)]),
        Value::I32(300)
    );
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    for line in maps.lines() {
        let perms = line.split_whitespace().nth(1).unwrap();
        assert!(
            !(perms.contains('w') && perms.contains('x')),
            "writable and executable: {line}"
        );
    }
}
