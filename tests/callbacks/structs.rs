//! Structs of every class by value both ways: C passes them to the callback and gets them back.

use std::sync::Mutex;

use crate::common;
use crate::{BACKENDS, S1, S8m, S16d, S16dl, S24, S64, call};
use jitffi::{StructValue, Value};

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
