//! Measuring: the median of repetitions and the calibrated per-operation loop that
//! ../shared/bench/peers uses, shared by every `jitffi bench` group.

/// The median of `v` (sorted in place); 0 for an empty slice.
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

/// CPU time of this thread, in seconds (the peers' clock: time spent descheduled on the shared
/// machine does not count).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// ns per operation of `f(n)` (which runs `n` operations): calibrated until a run takes 0.1 s,
/// two warm-up runs, then a timed run of about `target_s`, like ../shared/bench/peers; the
/// median of `reps` such measurements.
pub fn ns_per_op(reps: usize, target_s: f64, mut f: impl FnMut(u64)) -> f64 {
    let mut n: u64 = 1024;
    let mut t;
    loop {
        let t0 = thread_cpu();
        f(n);
        t = thread_cpu() - t0;
        if t >= 0.1 {
            break;
        }
        n *= if t < 0.1 / 16.0 { 8 } else { 2 };
    }
    for _ in 0..2 {
        let t0 = thread_cpu();
        f(n);
        t = thread_cpu() - t0;
    }
    let big = ((n as f64 * target_s / t) as u64).max(1024);
    let mut v = Vec::new();
    for _ in 0..reps.max(1) {
        let t0 = thread_cpu();
        f(big);
        v.push((thread_cpu() - t0) * 1e9 / big as f64);
    }
    median(&mut v)
}

/// Times a loop of `n` operations (`ns_per_op` with the run's settings): ns per operation.
pub(super) type Bench<'a> = dyn Fn(&mut dyn FnMut(u64)) -> f64 + 'a;
