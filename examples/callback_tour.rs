//! Callbacks: Rust closures as C function pointers, called by libc.
//!
//! `cargo run --example callback_tour`. Sorts with `qsort` through a typed and an untyped
//! comparator, searches with `bsearch`, walks a directory tree with `nftw` (a callback that
//! receives a struct pointer and C strings), shows a panic contained and turned into the
//! default result, and a thread-bound callback.

use std::ffi::{CStr, c_char, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

use jitffi::{Ffi, Library, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ffi = Ffi::new();
    ffi.cdef(
        "void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
         void *bsearch(const void *key, const void *base, size_t n, size_t size,
                       int (*cmp)(const void *, const void *));
         struct FTW { int base; int level; };
         struct stat;
         int nftw(const char *dir,
                  int (*fn)(const char *path, const struct stat *sb, int flag, struct FTW *ftw),
                  int fds, int flags);",
    )?;
    let libc = Library::process();
    let qsort = ffi.function(&libc, "qsort")?;
    let bsearch = ffi.function(&libc, "bsearch")?;

    // A typed comparator: checked once against the declaration, called with no conversion.
    let calls = AtomicU64::new(0);
    let cmp = ffi.callback_typed(
        "int (*)(const void *, const void *)",
        |a: *const c_void, b: *const c_void| {
            calls.fetch_add(1, Ordering::Relaxed);
            // SAFETY: qsort and bsearch pass pointers to elements of the i64 array below.
            let (a, b) = unsafe { (*a.cast::<i64>(), *b.cast::<i64>()) };
            a.cmp(&b) as i32
        },
    )?;
    let mut v: Vec<i64> = (0..20).map(|i| (i * 7919) % 101 - 50).collect();
    println!("before:  {v:?}");
    // SAFETY: `v` holds 20 elements of 8 bytes; `cmp` outlives the call.
    unsafe {
        qsort.call(&[
            Value::ptr(v.as_mut_ptr()),
            Value::U64(20),
            Value::U64(8),
            cmp.value(),
        ])?
    };
    println!(
        "after:   {v:?} ({} comparisons, through {:?})",
        calls.load(Ordering::Relaxed),
        cmp.backend().unwrap_or_default()
    );
    let key = v[13];
    // SAFETY: as above; `key` is an i64.
    let found = unsafe {
        bsearch.call(&[
            Value::ptr(&raw const key),
            Value::ptr(v.as_ptr()),
            Value::U64(20),
            Value::U64(8),
            cmp.value(),
        ])?
    };
    let index = (found.as_ptr().unwrap_or_default() as usize - v.as_ptr() as usize) / 8;
    println!("bsearch: {key} is at index {index}");

    // An untyped comparator: Values in, a Value out, converted with the checks of calls.
    let desc = ffi.callback(
        "int (*)(const void *, const void *)",
        |args: &[Value<'_>]| {
            let [Value::Ptr(a), Value::Ptr(b)] = args else {
                unreachable!("the declaration says two pointers")
            };
            // SAFETY: qsort passes pointers to elements of `v`.
            let (a, b) = unsafe { (*a.addr().cast::<i64>(), *b.addr().cast::<i64>()) };
            Value::I32(b.cmp(&a) as i32)
        },
    )?;
    // SAFETY: as above.
    unsafe {
        qsort.call(&[
            Value::ptr(v.as_mut_ptr()),
            Value::U64(20),
            Value::U64(8),
            desc.value(),
        ])?
    };
    println!("descending (untyped comparator): {v:?}");

    // nftw: C strings and a struct pointer in, an int out; the closure borrows a local.
    let count = std::cell::Cell::new(0u64);
    let visit = ffi
        .callbacks("int (*)(const char *, const struct stat *, int, struct FTW *)")?
        .typed_local(
            |path: *const c_char, _sb: *const c_void, flag: i32, ftw: *mut [i32; 2]| {
                // SAFETY: nftw passes a NUL-terminated path and its struct FTW.
                let (path, level) = unsafe { (CStr::from_ptr(path), (*ftw)[1]) };
                if flag == 0 && level <= 1 {
                    println!("  nftw: {} (level {level})", path.to_string_lossy());
                }
                count.set(count.get() + 1);
                0
            },
        )?;
    let nftw = ffi.function(&libc, "nftw")?;
    let dir = c"examples";
    // SAFETY: `visit` has nftw's callback type and outlives the call.
    unsafe { nftw.call(&[Value::str(dir), visit.value(), Value::I32(8), Value::I32(0)])? };
    println!("nftw visited {} entries under examples/", count.get());

    // A panic never unwinds into C: it is caught and logged, and C gets the default result.
    // `quiet_panics` keeps the panic hook from printing each one (with its backtrace); the
    // message stays on the handle.
    jitffi::quiet_panics(true);
    let strict = ffi
        .callbacks("int (*)(const void *, const void *)")?
        .on_error(Value::I32(0))?
        .typed(|a: *const c_void, _b: *const c_void| -> i32 {
            // SAFETY: as above.
            let a = unsafe { *a.cast::<i64>() };
            assert!(a != 0, "zero is not allowed here");
            0
        })?;
    // SAFETY: as above.
    unsafe {
        qsort.call(&[
            Value::ptr(v.as_mut_ptr()),
            Value::U64(20),
            Value::U64(8),
            strict.value(),
        ])?
    };
    println!(
        "a panicking comparator: {} panics caught, last: {}",
        strict.errors(),
        strict.last_error().map_or("none".into(), |e| e.to_string())
    );
    Ok(())
}
