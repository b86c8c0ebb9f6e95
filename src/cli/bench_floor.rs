//! The floors of `jitffi bench calls`: what the untyped, prepared and callback APIs' contracts
//! cost by themselves, written in Rust around the same native C calls with no JIT and no
//! jitffi code at all, so that a row's ratio can be read against the least any
//! implementation of that API could reach on the machine.
//!
//! Each floor does only what the API's contract makes every implementation do, and less where
//! it can (the types are known at compile time, so each check is a compare with a constant;
//! there is no handle to load, no lookup, no panic guard):
//! - untyped (`Function::call(&[Value])`): the caller's `Value`s are in memory (the slice is
//!   opaque to the compiler), each tag is checked and each payload read, the C function is
//!   called and its result made a `Value` in a `Result`, which the caller matches;
//! - prepared (`PreparedCall`): each changing argument is stored in its slot after a check of
//!   the slot's kind byte, and the call reads every slot from memory (volatile reads: the
//!   compiler may not keep them in registers across calls, as no JIT code could);
//! - callback (an untyped closure `Fn(&[Value]) -> Value` called from C): C calls a Rust
//!   `extern "C" fn` that writes the argument's `Value`, calls the closure through a `dyn`
//!   pointer and checks the result's tag (no context passed, no panic caught).
//!
//! The untyped and prepared floors are measured twice: with the per-signature code inlined
//! into the calling loop (what only a caller compiled for the signature gets: a typed handle,
//! or `jitffi::emit` in a host's JIT), and out of line, called through a pointer as code
//! chosen at run time must be (a stub per signature, compiled by rustc's optimiser: one call
//! more than jitffi's trampolines, which jump to the C function).

use std::ffi::c_void;
use std::hint::black_box;

use jitffi::{Library, StructValue, Type, Value};

use super::measure::Bench;
use super::peerlib::{Point, native};

/// One row of the floors table: ns per call.
pub(super) struct FloorRow {
    /// The row's name in the calls table (whose untyped and prepared columns it is read with).
    pub(super) name: &'static str,
    pub(super) native: f64,
    /// The `&[Value]` contract, inlined into the calling loop: tags checked, payloads read,
    /// the call, a `Value` result.
    pub(super) untyped: f64,
    /// The same check-and-call code out of line, called through a pointer as code chosen at
    /// run time is (the shape of any run-time implementation: a stub per signature).
    pub(super) untyped_ptr: f64,
    /// The prepared contract, inlined: changing slots stored after a kind check, every slot
    /// read.
    pub(super) prepared: f64,
    /// The prepared read-and-call out of line, through a pointer.
    pub(super) prepared_ptr: f64,
}

/// Slots as a prepared call keeps them: a kind byte per argument (checked by the setter) and
/// a word per argument at a fixed offset.
struct Slots<const N: usize> {
    kinds: [u8; N],
    words: [u64; N],
}

impl<const N: usize> Slots<N> {
    fn new(kind: u8) -> Slots<N> {
        Slots {
            kinds: [kind; N],
            words: [0; N],
        }
    }

    /// The setter: the slot's kind checked, the word stored.
    #[inline(always)]
    fn set(&mut self, i: usize, kind: u8, w: u64) -> Result<(), ()> {
        // SAFETY: `i < N` (every caller passes a constant in range) and the kind byte is
        // initialised; a volatile read keeps the check a load and compare, as at run time.
        if unsafe { std::ptr::read_volatile(&raw const self.kinds[i]) } != kind {
            return Err(());
        }
        self.words[i] = w;
        Ok(())
    }

    /// The call's read of slot `i`, from memory.
    #[inline(always)]
    fn get(&self, i: usize) -> u64 {
        // SAFETY: `i < N` (constants in range), the word is initialised.
        unsafe { std::ptr::read_volatile(&raw const self.words[i]) }
    }
}

const KIND_I32: u8 = 1;
const KIND_I64: u8 = 2;
const KIND_F64: u8 = 3;
const KIND_STRUCT: u8 = 4;

type Sum10 = unsafe extern "C" fn(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> i64;

/// A signature's untyped check-and-call: the result's payload, `None` if an argument is not
/// of its parameter's variant. `target` is the C function.
type Untyped = fn(&[Value<'_>], *const c_void) -> Option<u64>;
/// A signature's prepared read-and-call.
type Prepared<const N: usize> = fn(&Slots<N>, *const c_void) -> u64;

// The four signatures' code. SAFETY (of each transmute and call below): `target` is the
// address of the peerlib.c function of the row, whose C signature is the Rust type it is
// transmuted to; the arguments are plain values (a struct's bytes read from its 16 bytes).

fn add_untyped(a: &[Value<'_>], target: *const c_void) -> Option<u64> {
    let [Value::I32(x), Value::I32(y)] = a else {
        return None;
    };
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(i32, i32) -> i32>(target) };
    Some(f(*x, *y) as u32 as u64)
}

fn add_prepared(s: &Slots<2>, target: *const c_void) -> u64 {
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(i32, i32) -> i32>(target) };
    f(s.get(0) as i32, s.get(1) as i32) as u32 as u64
}

fn addf_untyped(a: &[Value<'_>], target: *const c_void) -> Option<u64> {
    let [Value::F64(x), Value::F64(y)] = a else {
        return None;
    };
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(f64, f64) -> f64>(target) };
    Some(f(*x, *y).to_bits())
}

fn addf_prepared(s: &Slots<2>, target: *const c_void) -> u64 {
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(f64, f64) -> f64>(target) };
    f(f64::from_bits(s.get(0)), f64::from_bits(s.get(1))).to_bits()
}

fn sum_untyped(a: &[Value<'_>], target: *const c_void) -> Option<u64> {
    let [
        Value::I64(a0),
        Value::I64(a1),
        Value::I64(a2),
        Value::I64(a3),
        Value::I64(a4),
        Value::I64(a5),
        Value::I64(a6),
        Value::I64(a7),
        Value::I64(a8),
        Value::I64(a9),
    ] = a
    else {
        return None;
    };
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, Sum10>(target) };
    // SAFETY: see above.
    Some(unsafe { f(*a0, *a1, *a2, *a3, *a4, *a5, *a6, *a7, *a8, *a9) } as u64)
}

fn sum_prepared(s: &Slots<10>, target: *const c_void) -> u64 {
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, Sum10>(target) };
    let g = |k| s.get(k) as i64;
    // SAFETY: see above.
    (unsafe { f(g(0), g(1), g(2), g(3), g(4), g(5), g(6), g(7), g(8), g(9)) }) as u64
}

/// The type id point_norm2's argument must have (set once, before the rows run).
static POINT_TY: std::sync::OnceLock<jitffi::ctype::TypeId> = std::sync::OnceLock::new();

fn norm_untyped(a: &[Value<'_>], target: *const c_void) -> Option<u64> {
    // The struct's type and size checked, its two eightbytes read from its bytes.
    let [Value::Struct(s)] = a else {
        return None;
    };
    if POINT_TY.get() != Some(&s.type_id()) || s.bytes().len() != 16 {
        return None;
    }
    // SAFETY: 16 bytes, read unaligned.
    let p = unsafe { s.bytes().as_ptr().cast::<Point>().read_unaligned() };
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(Point) -> f64>(target) };
    Some(f(p).to_bits())
}

fn norm_prepared(s: &Slots<1>, target: *const c_void) -> u64 {
    // SAFETY: the slot holds the address of the point's 16 bytes.
    let p = unsafe { (s.get(0) as *const Point).read_unaligned() };
    // SAFETY: see above.
    let f = unsafe { std::mem::transmute::<*const c_void, extern "C" fn(Point) -> f64>(target) };
    f(p).to_bits()
}

/// ns per untyped call of `f` (a function item: inlined; a pointer: called through it) with the `Value`s
/// `args(i)` written by the caller each iteration; the payload is made a `Value` by `wrap`,
/// which the caller matches with `take` (as the calls table's loops match the result).
fn untyped_floor<const N: usize>(
    bench: &Bench<'_>,
    f: impl Fn(&[Value<'_>], *const c_void) -> Option<u64>,
    target: *const c_void,
    args: impl Fn(u64) -> [Value<'static>; N],
    wrap: impl Fn(u64) -> Value<'static>,
    take: impl Fn(&Value<'_>) -> Option<u64>,
) -> f64 {
    bench(&mut |n| {
        for i in 0..n {
            let a = args(i);
            let r = match f(black_box(&a[..]), target) {
                Some(bits) => Ok(wrap(bits)),
                None => Err(()),
            };
            if let Ok(v) = r
                && let Some(w) = take(&v)
            {
                black_box(w);
            }
        }
    })
}

/// ns per prepared call of `f` (a function item: inlined; a pointer: called through it): slot 0 set to
/// `first(i)` each iteration, the others once to `rest`.
#[allow(clippy::too_many_arguments, reason = "one measured shape, spelled out")]
fn prepared_floor<const N: usize>(
    bench: &Bench<'_>,
    f: impl Fn(&Slots<N>, *const c_void) -> u64,
    target: *const c_void,
    kind: u8,
    first: impl Fn(u64) -> u64,
    rest: u64,
    wrap: impl Fn(u64) -> Value<'static>,
    take: impl Fn(&Value<'_>) -> Option<u64>,
) -> f64 {
    bench(&mut |n| {
        let mut slots = Slots::<N>::new(kind);
        let s = black_box(&mut slots);
        for k in 1..N {
            let _ = s.set(k, kind, rest);
        }
        for i in 0..n {
            let _ = s.set(0, kind, first(i));
            let r: Result<Value<'_>, ()> = Ok(wrap(f(s, target)));
            if let Ok(v) = r
                && let Some(w) = take(&v)
            {
                black_box(w);
            }
        }
    })
}

/// The untyped and prepared floors of add_i32, add_f64, sum10_i64 and point_norm2, each
/// beside its native call. (No point_make: the public way to make a struct `Value`,
/// `StructValue::owned_copy`, costs more here than jitffi's own result path, so a floor
/// written with it would bound nothing.)
pub(super) fn floor_rows(
    lib: &Library,
    point: &Type,
    bench: &Bench<'_>,
) -> Result<Vec<FloorRow>, String> {
    // SAFETY: peerlib.c defines these functions with these C signatures.
    let (add_n, addf_n, sum_n, norm_n) = unsafe {
        (
            native::<unsafe extern "C" fn(i32, i32) -> i32>(lib, "add_i32")?,
            native::<unsafe extern "C" fn(f64, f64) -> f64>(lib, "add_f64")?,
            native::<Sum10>(lib, "sum10_i64")?,
            native::<unsafe extern "C" fn(Point) -> f64>(lib, "point_norm2")?,
        )
    };
    // The same functions as the addresses the floors are handed at run time.
    let (add, addf, sum, norm) = (
        add_n as *const c_void,
        addf_n as *const c_void,
        sum_n as *const c_void,
        norm_n as *const c_void,
    );
    let i32v = |b: u64| Value::I32(b as i32);
    let i64v = |b: u64| Value::I64(b as i64);
    let f64v = |b: u64| Value::F64(f64::from_bits(b));
    let i32t = |v: &Value<'_>| {
        if let Value::I32(r) = v {
            Some(*r as u64)
        } else {
            None
        }
    };
    let i64t = |v: &Value<'_>| {
        if let Value::I64(r) = v {
            Some(*r as u64)
        } else {
            None
        }
    };
    let f64t = |v: &Value<'_>| {
        if let Value::F64(r) = v {
            Some(r.to_bits())
        } else {
            None
        }
    };
    // A row: the native call, then each floor inlined (the function item) and through a
    // pointer to it.
    macro_rules! floor_row {
        ($name:expr, $native:expr, $u:ident, $p:ident, $n:literal, $target:expr, $args:expr,
         $kind:expr, $first:expr, $rest:expr, $wrap:expr, $take:expr) => {
            FloorRow {
                name: $name,
                native: $native,
                untyped: untyped_floor::<$n>(bench, $u, $target, $args, $wrap, $take),
                untyped_ptr: untyped_floor::<$n>(
                    bench,
                    black_box($u as Untyped),
                    $target,
                    $args,
                    $wrap,
                    $take,
                ),
                prepared: prepared_floor::<$n>(
                    bench, $p, $target, $kind, $first, $rest, $wrap, $take,
                ),
                prepared_ptr: prepared_floor::<$n>(
                    bench,
                    black_box($p as Prepared<$n>),
                    $target,
                    $kind,
                    $first,
                    $rest,
                    $wrap,
                    $take,
                ),
            }
        };
    }
    let mut rows = Vec::new();

    let add_args = |i: u64| [Value::I32(i as i32), Value::I32(1)];
    let add_first = |i: u64| u64::from(i as i32 as u32);
    rows.push(floor_row!(
        "add_i32",
        bench(&mut |n| {
            for i in 0..n {
                // SAFETY: see floor_rows' SAFETY note.
                black_box(unsafe { add_n(i as i32, 1) });
            }
        }),
        add_untyped,
        add_prepared,
        2,
        add,
        add_args,
        KIND_I32,
        add_first,
        1,
        i32v,
        i32t
    ));

    let addf_args = |_| [Value::F64(black_box(1.5)), Value::F64(2.5)];
    let addf_first = |_| black_box(1.5f64).to_bits();
    let rest = 2.5f64.to_bits();
    rows.push(floor_row!(
        "add_f64",
        bench(&mut |n| {
            for _ in 0..n {
                // SAFETY: as above.
                black_box(unsafe { addf_n(black_box(1.5), 2.5) });
            }
        }),
        addf_untyped,
        addf_prepared,
        2,
        addf,
        addf_args,
        KIND_F64,
        addf_first,
        rest,
        f64v,
        f64t
    ));

    // The constant arguments are 1..9 in the untyped call; the prepared slots 1..9 all hold 1
    // (the sum's cost does not depend on the values).
    let sum_args = |i: u64| {
        let mut a = [const { Value::I64(0) }; 10];
        for (k, v) in a.iter_mut().enumerate() {
            *v = Value::I64(if k == 0 { i as i64 } else { k as i64 });
        }
        a
    };
    rows.push(floor_row!(
        "sum10_i64",
        bench(&mut |n| {
            for i in 0..n {
                // SAFETY: as above.
                black_box(unsafe { sum_n(i as i64, 1, 2, 3, 4, 5, 6, 7, 8, 9) });
            }
        }),
        sum_untyped,
        sum_prepared,
        10,
        sum,
        sum_args,
        KIND_I64,
        |i| i,
        1,
        i64v,
        i64t
    ));

    let pt = Point { x: 3.0, y: 4.0 };
    let pt_bytes: Vec<u8> = [3.0f64, 4.0].iter().flat_map(|v| v.to_le_bytes()).collect();
    let _ = POINT_TY.set(point.id());
    // The struct value borrows bytes that outlive every measurement (leaked: a few bytes once
    // per bench run).
    let bytes: &'static [u8] = Box::leak(pt_bytes.into_boxed_slice());
    let ty = point.id();
    let norm_args = move |_| [Value::Struct(StructValue::borrowed(ty, bytes))];
    let at = |_| black_box(bytes.as_ptr()) as u64;
    rows.push(floor_row!(
        "point_norm2",
        bench(&mut |n| {
            let p = black_box(&pt);
            for _ in 0..n {
                // SAFETY: as above.
                black_box(unsafe { norm_n(*black_box(p)) });
            }
        }),
        norm_untyped,
        norm_prepared,
        1,
        norm,
        norm_args,
        KIND_STRUCT,
        at,
        0,
        f64v,
        f64t
    ));
    Ok(rows)
}

/// The closure the callback floor calls (the bench's untyped closure), behind a `dyn` pointer
/// as a context would hold it.
type UntypedClosure = dyn Fn(&[Value<'_>]) -> Value<'static> + Send + Sync;

static FLOOR_CLOSURE: std::sync::OnceLock<Box<UntypedClosure>> = std::sync::OnceLock::new();

/// The callback floor's entry: the `Value` of the argument, the closure, the result's tag.
extern "C" fn floor_entry(x: i32) -> i32 {
    let Some(f) = FLOOR_CLOSURE.get() else {
        return 0;
    };
    let a = [Value::I32(x)];
    match f(black_box(&a[..])) {
        Value::I32(r) => r,
        _ => 0,
    }
}

/// ns per `apply_cb(floor_entry, i)`: the untyped callback's floor (module docs).
pub(super) fn callback_floor(
    apply: unsafe extern "C" fn(*const c_void, i32) -> i32,
    closure: fn(&[Value<'_>]) -> Value<'static>,
    bench: &Bench<'_>,
) -> Result<f64, String> {
    let _ = FLOOR_CLOSURE.set(Box::new(closure));
    let entry = floor_entry as *const () as *const c_void;
    // SAFETY: `floor_entry` is an `int32_t (int32_t)` function, as `apply_cb` expects.
    if unsafe { apply(entry, 41) } != 42 {
        return Err("the callback floor returned a wrong result".into());
    }
    Ok(bench(&mut |n| {
        for i in 0..n {
            // SAFETY: as above.
            black_box(unsafe { apply(black_box(entry), i as i32) });
        }
    }))
}

/// A row of the calls table, the columns the floors are read with.
pub(super) struct JitColumns {
    pub(super) name: &'static str,
    /// The row as the calls table writes it.
    pub(super) what: &'static str,
    pub(super) native: f64,
    pub(super) untyped: f64,
    pub(super) prepared: f64,
}

/// Prints the floors beside the calls table's untyped and prepared columns (each ratio to the
/// native call of its own measurement).
pub(super) fn print(floors: &[FloorRow], calls: &[JitColumns]) {
    println!(
        "floors: what each API's contract costs by itself, in Rust around the same C call (no JIT, types known at compile time; src/cli/bench_floor.rs): inlined into the loop, and out of line through a pointer (as code chosen at run time is called); beside jitffi's columns of the table above"
    );
    println!(
        "| row | native | untyped floor, inlined | untyped floor, through a pointer | untyped (JIT) | prepared floor, inlined | prepared floor, through a pointer | prepared |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for f in floors {
        let cell = |v: f64, native: f64| format!("{v:.2} ({:.2}×)", v / native);
        let call = calls.iter().find(|c| c.name == f.name);
        let (jit, prepared) = call.map_or(("n/a".into(), "n/a".into()), |c| {
            (cell(c.untyped, c.native), cell(c.prepared, c.native))
        });
        println!(
            "| {} | {:.2} | {} | {} | {jit} | {} | {} | {prepared} |",
            call.map_or(f.name, |c| c.what),
            f.native,
            cell(f.untyped, f.native),
            cell(f.untyped_ptr, f.native),
            cell(f.prepared, f.native),
            cell(f.prepared_ptr, f.native),
        );
    }
    println!();
}
