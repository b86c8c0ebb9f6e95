//! Memory over time: code compiled for call stubs is returned when its context goes, and a
//! callback made and dropped again and again reuses its slot rather than growing memory.
//! Resident memory (`/proc/self/statm`) is read before and after; the bounds are generous
//! (allocators keep some memory), the point is that memory does not grow with the count.
//!
//! `JITFFI_MEMORY_SIGS` (default 3,000) distinct signatures are compiled, 1,000 per context,
//! each context dropped after its thousand; `JITFFI_MEMORY_CALLBACKS` (default 20,000)
//! callbacks are made and dropped. `.ci/selftest` runs 100,000 and 1,000,000.

mod common;

use std::ffi::c_void;

use jitffi::{Ffi, Value};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// Resident memory in KiB, after glibc's allocator has given back the free memory it keeps
/// (so that what is measured is what is held).
fn rss_kib() -> u64 {
    // SAFETY: malloc_trim has no preconditions.
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::malloc_trim(0);
    }
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as u64;
    pages * page / 1024
}

/// The `i`th distinct signature: up to 7 parameters of 6 types, and one of 5 results.
fn signature(mut i: u64) -> String {
    const TYPES: [&str; 6] = ["int", "long", "double", "float", "char *", "short"];
    const RETS: [&str; 5] = ["int", "double", "void", "long", "float"];
    let ret = RETS[(i % 5) as usize];
    i /= 5;
    let mut params = Vec::new();
    // Bijective base 6: every i gives a different parameter list.
    while i > 0 {
        i -= 1;
        params.push(TYPES[(i % 6) as usize]);
        i /= 6;
    }
    if params.is_empty() {
        params.push("void");
    }
    format!("{ret} (*)({})", params.join(", "))
}

/// One test, so that the two measurements do not run in parallel threads of one process.
#[test]
fn memory_does_not_grow_with_compiled_stubs_or_callbacks() {
    stub_code_goes_with_its_context();
    one_context_keeps_its_stubs();
    callbacks_made_and_dropped_reuse_their_slots();
}

/// Within one context, stubs are cached per signature for the context's life (a function of a
/// signature seen before costs a copy, not a compilation): memory grows by the stubs' size,
/// and is returned with the context.
fn one_context_keeps_its_stubs() {
    let n = env("JITFFI_MEMORY_SIGS", 3_000);
    let before = rss_kib();
    let grown = {
        let ffi = Ffi::new();
        for i in 0..n {
            // SAFETY: the function is compiled, never called.
            let f = unsafe { ffi.function_at(rss_kib as *const c_void, &signature(i)) }
                .expect("declared");
            f.compile().expect("compiled");
        }
        rss_kib()
    };
    let after = rss_kib();
    println!(
        "memory: {n} signatures in one context: resident {before} KiB before, {grown} KiB with \
         the context ({} bytes per signature), {after} KiB after it went",
        (grown.saturating_sub(before)) * 1024 / n.max(1)
    );
    assert!(
        grown < before + n * 8,
        "more than 8 KiB per compiled signature: {before} -> {grown} KiB"
    );
    assert!(
        after < before + 16 * 1024,
        "the context's memory was not returned: {before} -> {after} KiB"
    );
}

fn stub_code_goes_with_its_context() {
    let n = env("JITFFI_MEMORY_SIGS", 3_000);
    let per_context = 1_000;
    let compile_batch = |from: u64, to: u64| {
        let ffi = Ffi::new();
        for i in from..to {
            // SAFETY: the function is compiled, never called.
            let f = unsafe { ffi.function_at(rss_kib as *const c_void, &signature(i)) }
                .expect("declared");
            f.compile().expect("compiled");
        }
    };
    // The engine's own start, out of the measurement.
    compile_batch(0, 10);
    let before = rss_kib();
    let mut peak = before;
    let mut i = 10;
    while i < n {
        let to = (i + per_context).min(n);
        compile_batch(i, to);
        peak = peak.max(rss_kib());
        i = to;
    }
    let after = rss_kib();
    println!(
        "memory: {n} signatures compiled in contexts of {per_context}: resident {before} KiB \
         before, {peak} KiB at most, {after} KiB after"
    );
    // A context's thousand stubs are a few hundred KiB; what stays must not grow with n.
    assert!(
        after < before + 16 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}

fn callbacks_made_and_dropped_reuse_their_slots() {
    let n = env("JITFFI_MEMORY_CALLBACKS", 20_000);
    let (ffi, lib) = common::fixture();
    let apply = ffi.function(&lib, "fx_cb_ret_i32").expect("declared");
    let ty = ffi.callbacks("int32_t (*)(int32_t)").expect("type");
    let round = |k: u64| {
        let cb = if k.is_multiple_of(2) {
            ty.typed(move |x: i32| x + k as i32)
        } else {
            ty.untyped(move |a: &[Value<'_>]| {
                Value::I32(a[0].as_i64().unwrap_or(0) as i32 + k as i32)
            })
        }
        .expect("callback");
        // SAFETY: fx_cb_ret_i32 calls the callback once, during the call.
        let r = unsafe { apply.call(&[cb.value(), Value::I32(1)]) }.expect("call");
        assert_eq!(r, Value::I32(1 + k as i32));
    };
    for k in 0..1_000 {
        round(k);
    }
    let before = rss_kib();
    for k in 0..n {
        round(k);
    }
    let after = rss_kib();
    println!(
        "memory: {n} callbacks made, called and dropped: resident {before} KiB before, {after} KiB after"
    );
    assert!(
        after < before + 8 * 1024,
        "resident memory grew from {before} to {after} KiB"
    );
}
