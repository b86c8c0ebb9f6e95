//! Callbacks: C (libc and the fixture library) calls Rust closures, typed and untyped, through
//! the JIT and through libffi; every argument class, results, threads, panics, errors.

mod common;

use std::ffi::c_void;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use jitffi::{
    Backend, Callback, CallbackErrorKind, Error, Ffi, Function, Library, StructValue, Value,
    c_struct,
};

c_struct! {
    #[derive(Debug, PartialEq)]
    struct S1 { a: i8 }
    #[derive(Debug, PartialEq)]
    struct S8m { a: f32, b: i32 }
    #[derive(Debug, PartialEq)]
    struct S16d { a: f64, b: f64 }
    #[derive(Debug, PartialEq)]
    struct S16dl { a: f64, b: i64 }
    #[derive(Debug, PartialEq)]
    struct S16l { a: i64, b: i64 }
    #[derive(Debug, PartialEq)]
    struct S24 { a: i64, b: i64, c: i64 }
    #[derive(Debug, PartialEq)]
    struct S64 { a: [u8; 64] }
    #[derive(Debug, PartialEq)]
    struct Point { x: f64, y: f64 }
}

const BACKENDS: [Backend; 2] = [Backend::Auto, Backend::Libffi];

/// Calls `f` (a fixture function) untyped.
fn call(f: &Function, args: &[Value<'_>]) -> Value<'static> {
    // SAFETY: every fixture function is declared as tests/c/fixture.c defines it, and the
    // callbacks passed outlive the call.
    unsafe { f.call(args) }.unwrap_or_else(|e| panic!("{e}"))
}

/// The callback error inside an error of `Ffi` (a `jitffi::Error`) or of a `CallbackBuilder`
/// (converted into one, which must keep it whole).
fn callback_error(e: impl Into<Error>) -> jitffi::CallbackError {
    match e.into() {
        Error::Callback(c) => c,
        other => panic!("expected a callback error, got {other}"),
    }
}

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
fn narrow_integers_and_floats_both_ways() {
    let (ffi, lib) = common::fixture();
    let f = |n: &str| ffi.function(&lib, n).unwrap();
    for backend in BACKENDS {
        let cb_ty = |t: &str| ffi.callbacks(t).unwrap().backend(backend);
        let narrow_ty = cb_ty(
            "int64_t (*)(int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, _Bool, char)",
        );
        let seen = Mutex::new(Vec::new());
        let untyped = narrow_ty
            .untyped(|args: &[Value<'_>]| {
                seen.lock()
                    .unwrap()
                    .extend(args.iter().map(|a| a.clone().into_owned()));
                Value::I64(-1234567890123)
            })
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_narrow"), &[untyped.value()]),
            Value::I64(-1234567890123)
        );
        assert_eq!(
            *seen.lock().unwrap(),
            [
                Value::I8(-128),
                Value::U8(255),
                Value::I16(-32768),
                Value::U16(65535),
                Value::I32(i32::MIN),
                Value::U32(u32::MAX),
                Value::Bool(true),
                Value::I8(b'z' as i8),
            ],
            "{backend:?}"
        );
        let typed = narrow_ty
            .typed(
                |a: i8, b: u8, c: i16, d: u16, e: i32, g: u32, h: bool, i: i8| -> i64 {
                    assert_eq!(
                        (a, b, c, d, e, g, h, i),
                        (
                            -128,
                            255,
                            -32768,
                            65535,
                            i32::MIN,
                            u32::MAX,
                            true,
                            b'z' as i8
                        )
                    );
                    i64::MAX
                },
            )
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_narrow"), &[typed.value()]),
            Value::I64(i64::MAX)
        );
        assert_eq!(typed.errors(), 0, "{:?}", typed.last_error());

        // Narrow results come back extended.
        let i8_cb = cb_ty("int8_t (*)(int32_t)")
            .untyped(|a: &[Value<'_>]| Value::I64(a[0].as_i64().unwrap() - 200))
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_ret_i8"), &[i8_cb.value(), Value::I32(72)]),
            Value::I32(-128)
        );
        let i8_typed = cb_ty("int8_t (*)(int32_t)")
            .typed(|x: i32| -> i8 { -(x as i8) })
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_ret_i8"), &[i8_typed.value(), Value::I32(5)]),
            Value::I32(-5)
        );
        let u16_cb = cb_ty("uint16_t (*)(int32_t)")
            .untyped(|_: &[Value<'_>]| Value::I32(65535))
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_ret_u16"), &[u16_cb.value(), Value::I32(0)]),
            Value::U32(65535)
        );
        let bool_cb = cb_ty("_Bool (*)(int32_t)").typed(|x: i32| x > 0).unwrap();
        assert_eq!(
            call(&f("fx_cb_ret_bool"), &[bool_cb.value(), Value::I32(3)]),
            Value::I32(1)
        );
        assert_eq!(
            call(&f("fx_cb_ret_bool"), &[bool_cb.value(), Value::I32(-3)]),
            Value::I32(0)
        );

        // Floats.
        let floats = cb_ty("double (*)(float, double, float, double)")
            .untyped(|a: &[Value<'_>]| {
                assert_eq!(
                    a,
                    [
                        Value::F32(1.25),
                        Value::F64(-3.5),
                        Value::F32(-1.25),
                        Value::F64(3.5)
                    ]
                );
                Value::F64(0.1)
            })
            .unwrap();
        assert_eq!(
            call(
                &f("fx_cb_floats"),
                &[floats.value(), Value::F32(1.25), Value::F64(-3.5)]
            ),
            Value::F64(0.1)
        );
        assert_eq!(floats.errors(), 0, "{:?}", floats.last_error());
        let f32_cb = cb_ty("float (*)(float)").typed(|x: f32| x * 2.0).unwrap();
        assert_eq!(
            call(&f("fx_cb_ret_f32"), &[f32_cb.value(), Value::F32(1.5)]),
            Value::F32(3.0)
        );
    }
}

/// For each struct class: Rust passes `v` to `fx_cb_T`, C calls the callback with (7, v, 2.5),
/// the callback checks them and returns `answer`, C returns that to Rust. Members compared
/// bit-exactly (padding is not a member).
#[test]
fn structs_of_every_class_by_value_both_ways() {
    let (ffi, lib) = common::fixture();
    let names = [
        "fx_s1", "fx_s3", "fx_s4f", "fx_s8m", "fx_s12f", "fx_s16d", "fx_s16dl", "fx_s16ld",
        "fx_s24", "fx_s64", "fx_arr", "fx_nest", "fx_p5", "fx_p10",
    ];
    let mut rng = fastrand::Rng::with_seed(99);
    for backend in BACKENDS {
        for name in names
            .iter()
            .map(|n| format!("struct {n}"))
            .chain(["union fx_u16".into()])
        {
            let ty = ffi.type_of(&name).unwrap();
            let ranges = common::member_ranges(&ty);
            let size = ty.size().unwrap() as usize;
            let random = |rng: &mut fastrand::Rng| {
                let mut b = vec![0u8; size];
                for &(at, len) in &ranges {
                    for x in &mut b[at..at + len] {
                        *x = rng.u8(..);
                    }
                }
                b
            };
            let (input, answer) = (random(&mut rng), random(&mut rng));
            let members = |b: &[u8]| -> Vec<u8> {
                ranges
                    .iter()
                    .flat_map(|&(at, len)| b[at..at + len].to_vec())
                    .collect()
            };
            let short = name.split(' ').nth(1).unwrap();
            let f = ffi
                .function(&lib, &format!("fx_cb_{}", &short[3..]))
                .unwrap();
            let cb_ty = format!("{name} (*)(int, {name}, double)");
            let got = Mutex::new(None);
            let cb = ffi
                .callbacks(&cb_ty)
                .unwrap()
                .backend(backend)
                .untyped(|args: &[Value<'_>]| {
                    let [Value::I32(7), Value::Struct(s), Value::F64(2.5)] = args else {
                        panic!("{args:?}")
                    };
                    *got.lock().unwrap() = Some(s.bytes().to_vec());
                    Value::Struct(StructValue::owned_copy(&ty, &answer))
                })
                .unwrap();
            let r = call(
                &f,
                &[
                    cb.value(),
                    Value::Struct(StructValue::borrowed(&ty, &input)),
                ],
            );
            let what = format!("{name} via {backend:?} ({:?})", cb.backend());
            assert_eq!(cb.errors(), 0, "{what}: {:?}", cb.last_error());
            let seen = got.lock().unwrap().take().expect("the callback ran");
            assert_eq!(members(&seen), members(&input), "{what}: argument");
            let Value::Struct(r) = r else {
                panic!("{what}: {r:?}")
            };
            assert_eq!(members(r.bytes()), members(&answer), "{what}: result");
        }

        // Typed closures over the same classes.
        let cb_of = |t: &str| ffi.callbacks(t).unwrap().backend(backend);
        let s1 = cb_of("struct fx_s1 (*)(int, struct fx_s1, double)")
            .typed(|i: i32, v: S1, d: f64| {
                assert_eq!((i, v, d), (7, S1 { a: -3 }, 2.5));
                S1 { a: 100 }
            })
            .unwrap();
        let r = call(
            &ffi.function(&lib, "fx_cb_s1").unwrap(),
            &[
                s1.value(),
                Value::Struct(StructValue::owned_copy(
                    &ffi.type_of("struct fx_s1").unwrap(),
                    &[0xfd],
                )),
            ],
        );
        let Value::Struct(r) = r else { panic!() };
        assert_eq!(r.bytes(), [100]);
        macro_rules! typed_echo {
            ($fx:literal, $cty:literal, $rust:ty, $in:expr, $out:expr) => {{
                let out = $out;
                let cb = cb_of(concat!(
                    "struct ",
                    $cty,
                    " (*)(int, struct ",
                    $cty,
                    ", double)"
                ))
                .typed(move |i: i32, v: $rust, d: f64| -> $rust {
                    assert_eq!((i, v, d), (7, $in, 2.5));
                    out
                })
                .unwrap();
                let input = $in;
                // SAFETY: the c_struct! types are plain data of their C size.
                let bytes = unsafe {
                    std::slice::from_raw_parts(
                        (&raw const input).cast::<u8>(),
                        std::mem::size_of::<$rust>(),
                    )
                };
                let ty = ffi.type_of(concat!("struct ", $cty)).unwrap();
                let r = call(
                    &ffi.function(&lib, $fx).unwrap(),
                    &[cb.value(), Value::Struct(StructValue::borrowed(&ty, bytes))],
                );
                let Value::Struct(r) = r else { panic!() };
                // SAFETY: `r` holds the C struct's bytes, which are a valid `$rust`.
                let back: $rust = unsafe { r.bytes().as_ptr().cast::<$rust>().read_unaligned() };
                assert_eq!(back, out, "{} via {backend:?}", $cty);
                assert_eq!(cb.errors(), 0, "{:?}", cb.last_error());
            }};
        }
        typed_echo!(
            "fx_cb_s8m",
            "fx_s8m",
            S8m,
            S8m { a: 1.5, b: -9 },
            S8m {
                a: -0.0,
                b: i32::MAX
            }
        );
        typed_echo!(
            "fx_cb_s16d",
            "fx_s16d",
            S16d,
            S16d { a: 1e300, b: -2.5 },
            S16d {
                a: 3.25,
                b: f64::MIN_POSITIVE
            }
        );
        typed_echo!(
            "fx_cb_s16dl",
            "fx_s16dl",
            S16dl,
            S16dl {
                a: 0.5,
                b: i64::MIN
            },
            S16dl { a: -7.0, b: 42 }
        );
        typed_echo!(
            "fx_cb_s24",
            "fx_s24",
            S24,
            S24 { a: 1, b: -2, c: 3 },
            S24 {
                a: i64::MAX,
                b: 0,
                c: -1
            }
        );
        typed_echo!(
            "fx_cb_s64",
            "fx_s64",
            S64,
            S64 { a: [9; 64] },
            S64 {
                a: std::array::from_fn(|i| i as u8)
            }
        );
    }
}

#[test]
fn many_arguments_past_the_registers() {
    let (ffi, lib) = common::fixture();
    let f = |n: &str| ffi.function(&lib, n).unwrap();
    let ints16 = format!("int64_t (*)({})", ["int64_t"; 16].join(", "));
    let mix16 = "double (*)(int8_t, double, uint16_t, float, int32_t, double, int64_t, float, uint8_t, double, int16_t, float, uint32_t, double, uint64_t, float)";
    let full = "double (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double, double, double, double, double, double, double, double, double)";
    let late = "uint64_t (*)(long, long, long, long, long, struct fx_s16l, long)";
    let mix_expect = [
        Value::I8(-1),
        Value::F64(2.5),
        Value::U16(65535),
        Value::F32(4.5),
        Value::I32(-5),
        Value::F64(6.5),
        Value::I64(-7),
        Value::F32(8.5),
        Value::U8(255),
        Value::F64(10.5),
        Value::I16(-11),
        Value::F32(12.5),
        Value::U32(4_000_000_000),
        Value::F64(14.5),
        Value::U64(18_000_000_000_000_000_000),
        Value::F32(16.5),
    ];
    for backend in BACKENDS {
        let ty = |t: &str| ffi.callbacks(t).unwrap().backend(backend);
        let untyped = ty(&ints16)
            .untyped(|a: &[Value<'_>]| {
                let v: Vec<i64> = a.iter().map(|x| x.as_i64().unwrap()).collect();
                assert_eq!(v, (1..=16).collect::<Vec<i64>>());
                Value::I64(v.iter().enumerate().map(|(i, x)| x << i).sum())
            })
            .unwrap();
        let expect: i64 = (1..=16i64).enumerate().map(|(i, x)| x << i).sum();
        assert_eq!(
            call(&f("fx_cb_ints16"), &[untyped.value()]),
            Value::I64(expect)
        );
        let typed = ty(&ints16)
            .typed(
                |a1: i64,
                 a2: i64,
                 a3: i64,
                 a4: i64,
                 a5: i64,
                 a6: i64,
                 a7: i64,
                 a8: i64,
                 a9: i64,
                 a10: i64,
                 a11: i64,
                 a12: i64,
                 a13: i64,
                 a14: i64,
                 a15: i64,
                 a16: i64| {
                    [
                        a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16,
                    ]
                    .iter()
                    .enumerate()
                    .map(|(i, x)| x << i)
                    .sum::<i64>()
                },
            )
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_ints16"), &[typed.value()]),
            Value::I64(expect)
        );

        let untyped = ty(mix16)
            .untyped(|a: &[Value<'_>]| {
                assert_eq!(a, mix_expect);
                Value::F64(-0.5)
            })
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_mix16"), &[untyped.value()]),
            Value::F64(-0.5)
        );
        assert_eq!(untyped.errors(), 0, "{:?}", untyped.last_error());
        let typed = ty(mix16)
            .typed(
                |a: i8,
                 b: f64,
                 c: u16,
                 d: f32,
                 e: i32,
                 g: f64,
                 h: i64,
                 i: f32,
                 j: u8,
                 k: f64,
                 l: i16,
                 m: f32,
                 n: u32,
                 o: f64,
                 p: u64,
                 q: f32| {
                    assert_eq!(
                        (a, b, c, d, e, g, h, i),
                        (-1, 2.5, 65535, 4.5, -5, 6.5, -7, 8.5)
                    );
                    assert_eq!(
                        (j, k, l, m, n, o, p, q),
                        (
                            255,
                            10.5,
                            -11,
                            12.5,
                            4_000_000_000,
                            14.5,
                            18_000_000_000_000_000_000,
                            16.5
                        )
                    );
                    1.0 / 3.0
                },
            )
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_mix16"), &[typed.value()]),
            Value::F64(1.0 / 3.0)
        );
        assert_eq!(typed.errors(), 0, "{:?}", typed.last_error());

        // Every argument register taken: libffi even under Auto.
        let untyped = ty(full)
            .untyped(|a: &[Value<'_>]| {
                let ints: Vec<i64> = a[..7].iter().map(|x| x.as_i64().unwrap()).collect();
                let fl: Vec<f64> = a[7..].iter().map(|x| x.as_f64().unwrap()).collect();
                assert_eq!(ints, [1, 2, 3, 4, 5, 6, 7]);
                assert_eq!(fl, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5]);
                Value::F64(fl.iter().sum::<f64>() + ints.iter().sum::<i64>() as f64)
            })
            .unwrap();
        assert_eq!(untyped.backend(), Some(Backend::Libffi));
        assert_eq!(call(&f("fx_cb_full"), &[untyped.value()]), Value::F64(68.5));
        let typed = ty(full)
            .typed(
                |a: i64,
                 b: i64,
                 c: i64,
                 d: i64,
                 e: i64,
                 g: i64,
                 h: i64,
                 i: f64,
                 j: f64,
                 k: f64,
                 l: f64,
                 m: f64,
                 n: f64,
                 o: f64,
                 p: f64,
                 q: f64| {
                    (a + b + c + d + e + g + h) as f64 + i + j + k + l + m + n + o + p + q
                },
            )
            .unwrap();
        assert_eq!(call(&f("fx_cb_full"), &[typed.value()]), Value::F64(68.5));

        let s16l = ffi.type_of("struct fx_s16l").unwrap();
        let input = S16l { a: -99, b: 1 << 40 };
        let bytes: Vec<u8> = [input.a, input.b]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        let untyped = ty(late)
            .untyped(|a: &[Value<'_>]| {
                let Value::Struct(s) = &a[5] else { panic!() };
                assert_eq!(s.bytes(), &bytes[..]);
                assert_eq!(
                    &a[..5],
                    [
                        Value::I64(1),
                        Value::I64(2),
                        Value::I64(3),
                        Value::I64(4),
                        Value::I64(5)
                    ]
                );
                assert_eq!(a[6], Value::I64(6));
                Value::U64(u64::MAX)
            })
            .unwrap();
        let arg = Value::Struct(StructValue::borrowed(&s16l, &bytes));
        assert_eq!(
            call(&f("fx_cb_late"), &[untyped.value(), arg.clone()]),
            Value::U64(u64::MAX)
        );
        assert_eq!(untyped.errors(), 0, "{:?}", untyped.last_error());
        let typed = ty(late)
            .typed(
                |a: i64, b: i64, c: i64, d: i64, e: i64, s: S16l, g: i64| -> u64 {
                    assert_eq!((a, b, c, d, e, g), (1, 2, 3, 4, 5, 6));
                    (s.a + s.b) as u64
                },
            )
            .unwrap();
        assert_eq!(
            call(&f("fx_cb_late"), &[typed.value(), arg]),
            Value::U64((-99i64 + (1 << 40)) as u64)
        );
        assert_eq!(typed.errors(), 0, "{:?}", typed.last_error());

        // long double: libffi, converted to and from f64.
        let ld = ty("long double (*)(long double, int)")
            .untyped(|a: &[Value<'_>]| {
                Value::F64(a[0].as_f64().unwrap() * f64::from(a[1].as_i64().unwrap() as i32))
            })
            .unwrap();
        assert_eq!(ld.backend(), Some(Backend::Libffi));
        assert_eq!(
            call(&f("fx_cb_ld"), &[ld.value(), Value::F64(1.5)]),
            Value::F64(4.5)
        );
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
fn panics_and_bad_results_return_the_default() {
    let (ffi, lib) = common::fixture();
    let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    for backend in BACKENDS {
        let ty = ffi
            .callbacks("int32_t (*)(int32_t)")
            .unwrap()
            .backend(backend);
        let with_default = ty.clone().on_error(Value::I32(-77)).unwrap();
        let typed = with_default
            .typed(|x: i32| {
                assert!(x != 3, "three is not allowed");
                x + 1
            })
            .unwrap();
        assert_eq!(call(&f, &[typed.value(), Value::I32(1)]), Value::I32(2));
        assert_eq!(call(&f, &[typed.value(), Value::I32(3)]), Value::I32(-77));
        assert_eq!(typed.errors(), 1);
        let e = typed.take_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Panic);
        assert_eq!(e.message, "three is not allowed");
        assert!(typed.last_error().is_none());
        // Still usable after a panic.
        assert_eq!(call(&f, &[typed.value(), Value::I32(4)]), Value::I32(5));

        let untyped = ty
            .untyped(|a: &[Value<'_>]| match a[0].as_i64() {
                Some(0) => panic!("zero: {}", 0),
                Some(1) => Value::F64(1.5),
                Some(2) => Value::I64(1 << 40),
                Some(3) => Value::Void,
                Some(x) => Value::I64(x),
                None => unreachable!(),
            })
            .unwrap();
        // No on_error: the default is zero.
        assert_eq!(call(&f, &[untyped.value(), Value::I32(0)]), Value::I32(0));
        assert_eq!(untyped.last_error().unwrap().message, "zero: 0");
        assert_eq!(call(&f, &[untyped.value(), Value::I32(1)]), Value::I32(0));
        let e = untyped.last_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Result);
        assert_eq!(e.message, "returned f64 where 'int32_t' is expected");
        assert_eq!(call(&f, &[untyped.value(), Value::I32(2)]), Value::I32(0));
        assert_eq!(
            untyped.last_error().unwrap().message,
            "returned 1099511627776, which does not fit in 'int32_t'"
        );
        assert_eq!(call(&f, &[untyped.value(), Value::I32(3)]), Value::I32(0));
        assert_eq!(call(&f, &[untyped.value(), Value::I32(-9)]), Value::I32(-9));
        assert_eq!(untyped.errors(), 4);

        // Struct results: the default is the struct on_error set.
        let pt = ffi.type_of("struct fx_s16d").unwrap();
        let bytes: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        let st = ffi
            .callbacks("struct fx_s16d (*)(int, struct fx_s16d, double)")
            .unwrap()
            .backend(backend)
            .on_error(Value::Struct(StructValue::owned_copy(&pt, &bytes)))
            .unwrap()
            .typed(|_: i32, _: S16d, _: f64| -> S16d { panic!("no") })
            .unwrap();
        let r = call(
            &ffi.function(&lib, "fx_cb_s16d").unwrap(),
            &[
                st.value(),
                Value::Struct(StructValue::borrowed(&pt, &bytes)),
            ],
        );
        let Value::Struct(r) = r else { panic!() };
        assert_eq!(r.bytes(), &bytes[..]);
        assert_eq!(st.errors(), 1);
    }
}

#[test]
fn creation_errors_are_precise() {
    let (ffi, _lib) = common::fixture();
    let e = callback_error(
        ffi.callback("int", |_: &[Value<'_>]| Value::Void)
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Unsupported);
    assert_eq!(
        e.to_string(),
        "callback 'int' cannot be made: 'int' is not a function or function pointer type"
    );
    let e = callback_error(
        ffi.callback("int (*)(const char *, ...)", |_: &[Value<'_>]| {
            Value::I32(0)
        })
        .unwrap_err(),
    );
    assert!(e.message.contains("variadic"), "{e}");
    let e = callback_error(
        ffi.callback("int (*)(struct nope)", |_: &[Value<'_>]| Value::I32(0))
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Unsupported);
    assert!(e.message.contains("struct nope"), "{e}");
    // A type name that does not parse: the cdef error is the source.
    let e = callback_error(
        ffi.callback("int (*)(nope_t)", |_: &[Value<'_>]| Value::I32(0))
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Type);
    assert_eq!(
        e.to_string(),
        "callback 'int (*)(nope_t)' cannot be made: not a declared type"
    );
    let source = std::error::Error::source(&e)
        .expect("the cdef error")
        .to_string();
    assert!(source.contains("nope_t"), "{source}");
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: f64| x as i32)
            .unwrap_err(),
    );
    assert_eq!(
        e.to_string(),
        "callback 'int (*)(int)' cannot be made: argument 1: Rust type 'f64' does not match C type 'int' (different kinds of type)"
    );
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: i32| x as u32)
            .unwrap_err(),
    );
    assert_eq!(
        e.message,
        "result: Rust type 'u32' does not match C type 'int' (unsigned in Rust, signed in C)"
    );
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: i32, y: i32| x + y)
            .unwrap_err(),
    );
    assert_eq!(
        e.message,
        "the closure takes 2 arguments, the declaration 1"
    );
    let e = callback_error(
        ffi.callbacks("int (*)(int)")
            .unwrap()
            .on_error(Value::F64(0.5))
            .unwrap_err(),
    );
    assert_eq!(e.message, "on_error: returned f64 where 'int' is expected");
    let e = callback_error(
        ffi.callbacks("void (*)(int)")
            .unwrap()
            .on_error(Value::I32(1))
            .unwrap_err(),
    );
    assert!(e.message.contains("'void'"), "{e}");
    // A callback of the wrong type passed to an untyped call is refused with both types.
    let cb = ffi
        .callback_typed("double (*)(double)", |x: f64| x)
        .unwrap();
    let f = ffi.function(&_lib, "fx_cb_ret_i32").unwrap();
    // SAFETY: the call is refused before anything is called.
    let err = unsafe { f.call(&[cb.value(), Value::I32(1)]) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "fx_cb_ret_i32: argument 1: cannot pass 'double (*)(double)' where 'int32_t (*)(int32_t)' is expected"
    );
    // Function types and typedefs name the same callback type.
    let a = ffi.callbacks("int (int, void *)").unwrap();
    let b = ffi.callbacks("fx_callback").unwrap();
    assert_eq!(a.name(), "int (*)(int, void *)");
    assert_eq!(b.name(), a.name());
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

#[test]
fn quiet_panics_keep_contained_panics_from_the_hook_and_chain_to_it_for_others() {
    thread_local! {
        /// Panics the hook saw on this test's thread (the hook is global: the panics of other
        /// tests go to the hook before it).
        static SEEN: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
    }
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mine = SEEN.with(|s| {
            let mut s = s.borrow_mut();
            let Some(seen) = s.as_mut() else {
                return false;
            };
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            seen.push(msg);
            true
        });
        if !mine {
            before(info);
        }
    }));
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    let seen = || SEEN.with(|s| s.borrow_mut().replace(Vec::new()).unwrap_or_default());
    let (ffi, lib) = common::fixture();
    let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    for backend in BACKENDS {
        let ty = ffi
            .callbacks("int32_t (*)(int32_t)")
            .unwrap()
            .backend(backend);
        let typed = ty.typed(|x: i32| -> i32 { panic!("typed {x}") }).unwrap();
        let untyped = ty
            .untyped(|a: &[Value<'_>]| panic!("untyped {}", a[0].as_i64().unwrap()))
            .unwrap();

        // Quiet: the hook does not run for contained panics, and the message is kept.
        jitffi::quiet_panics(true);
        assert_eq!(call(&f, &[typed.value(), Value::I32(7)]), Value::I32(0));
        assert_eq!(call(&f, &[untyped.value(), Value::I32(8)]), Value::I32(0));
        assert_eq!(seen(), Vec::<String>::new());
        assert_eq!(typed.take_error().unwrap().message, "typed 7");
        let e = untyped.take_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Panic);
        assert_eq!(e.message, "untyped 8");
        assert_eq!(
            e.to_string(),
            "callback 'int32_t (*)(int32_t)' panicked: untyped 8"
        );
        // A panic that is not a callback's reaches the previous hook.
        let r = std::panic::catch_unwind(|| panic!("not a callback"));
        assert!(r.is_err());
        assert_eq!(seen(), ["not a callback"]);

        // Loud again: contained panics reach the hook as before.
        jitffi::quiet_panics(false);
        assert_eq!(call(&f, &[typed.value(), Value::I32(9)]), Value::I32(0));
        assert_eq!(seen(), ["typed 9"]);
        assert_eq!(typed.errors(), 2);
        assert_eq!(untyped.errors(), 1);
    }
    SEEN.with(|s| s.borrow_mut().take());
}
