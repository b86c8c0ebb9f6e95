//! Scalar arguments and results both ways: narrow integers and floats, and arguments past the
//! registers (on the stack) for C calling Rust.

use std::sync::Mutex;

use crate::common;
use crate::{BACKENDS, S16l, call};
use jitffi::{Backend, F80, StructValue, Value};

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

        // long double: libffi. The closure gets an F80 and may answer with an f64 …
        let ld = ty("long double (*)(long double, int)")
            .untyped(|a: &[Value<'_>]| {
                Value::F64(a[0].as_f64().unwrap() * f64::from(a[1].as_i64().unwrap() as i32))
            })
            .unwrap();
        assert_eq!(ld.backend(), Some(Backend::Libffi));
        assert_eq!(
            call(&f("fx_cb_ld"), &[ld.value(), Value::F64(1.5)]),
            Value::F80(F80::from_f64(4.5))
        );
        // … or an F80, both ways bit for bit (1 + 2^-63 is not a double).
        let same = ty("long double (*)(long double, int)")
            .untyped(|a: &[Value<'_>]| match a[0] {
                Value::F80(x) => Value::F80(x),
                _ => Value::Void,
            })
            .unwrap();
        let v = F80::from_bits(0x3FFF_8000_0000_0000_0001);
        match call(&f("fx_cb_ld"), &[same.value(), Value::F80(v)]) {
            Value::F80(x) => assert_eq!(x.to_bits(), v.to_bits()),
            other => panic!("{other:?}"),
        }
        assert_eq!(same.errors(), 0, "{:?}", same.last_error());
    }
}
