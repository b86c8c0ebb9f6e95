//! Scalar arguments and results: every class at its extremes, widening of narrow results,
//! long double (libffi only), arguments past the registers, variadic calls.

use std::ffi::CStr;

use crate::common::fixture;
use crate::structs::s16dl;
use crate::{BACKENDS, call};
use jitffi::{Backend, F80, StructValue, Value};

#[test]
fn scalars_at_their_extremes() {
    let (ffi, lib) = fixture();
    let cases: Vec<(&str, Vec<Value<'static>>)> = vec![
        (
            "fx_id_i8",
            vec![
                Value::I8(i8::MIN),
                Value::I8(i8::MAX),
                Value::I8(0),
                Value::I8(-1),
            ],
        ),
        (
            "fx_id_u8",
            vec![Value::U8(0), Value::U8(u8::MAX), Value::U8(0x80)],
        ),
        (
            "fx_id_i16",
            vec![Value::I16(i16::MIN), Value::I16(i16::MAX), Value::I16(-1)],
        ),
        ("fx_id_u16", vec![Value::U16(0), Value::U16(u16::MAX)]),
        (
            "fx_id_i32",
            vec![Value::I32(i32::MIN), Value::I32(i32::MAX), Value::I32(-1)],
        ),
        ("fx_id_u32", vec![Value::U32(0), Value::U32(u32::MAX)]),
        (
            "fx_id_i64",
            vec![Value::I64(i64::MIN), Value::I64(i64::MAX)],
        ),
        ("fx_id_u64", vec![Value::U64(0), Value::U64(u64::MAX)]),
        ("fx_id_bool", vec![Value::Bool(true), Value::Bool(false)]),
        ("fx_id_char", vec![Value::I8(-128), Value::I8(127)]),
        (
            "fx_id_f32",
            vec![
                Value::F32(f32::MIN_POSITIVE),
                Value::F32(-0.0),
                Value::F32(f32::MAX),
                Value::F32(f32::INFINITY),
            ],
        ),
        (
            "fx_id_f64",
            vec![
                Value::F64(f64::MIN_POSITIVE),
                Value::F64(-0.0),
                Value::F64(f64::MAX),
                Value::F64(5e-324),
            ],
        ),
        ("fx_id_enum", vec![Value::I32(-100), Value::I32(100)]),
    ];
    for (name, values) in cases {
        for v in values {
            for b in BACKENDS {
                let r = call(&ffi, &lib, name, b, std::slice::from_ref(&v));
                // Compare bit patterns for floats (-0.0 == 0.0 otherwise).
                match (&r, &v) {
                    (Value::F32(x), Value::F32(y)) => {
                        assert_eq!(x.to_bits(), y.to_bits(), "{name}({v:?}) via {b:?}")
                    }
                    (Value::F64(x), Value::F64(y)) => {
                        assert_eq!(x.to_bits(), y.to_bits(), "{name}({v:?}) via {b:?}")
                    }
                    _ => assert_eq!(r, v, "{name}({v:?}) via {b:?}"),
                }
            }
        }
    }
    // Widening on the C side sees correctly extended arguments.
    for b in BACKENDS {
        assert_eq!(
            call(&ffi, &lib, "fx_widen_i8", b, &[Value::I8(-5)]),
            Value::I64(-5)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_u8", b, &[Value::U8(250)]),
            Value::U64(250)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_i16", b, &[Value::I16(-30000)]),
            Value::I64(-30000)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_u16", b, &[Value::U16(65000)]),
            Value::U64(65000)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_i32", b, &[Value::I32(i32::MIN)]),
            Value::I64(i32::MIN.into())
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_u32", b, &[Value::U32(u32::MAX)]),
            Value::U64(u32::MAX.into())
        );
        assert_eq!(
            call(&ffi, &lib, "fx_widen_bool", b, &[Value::Bool(true)]),
            Value::I64(1)
        );
        // Conversions on the slow path: an i64 that fits an int8_t, a u8 into an int.
        assert_eq!(
            call(&ffi, &lib, "fx_widen_i8", b, &[Value::I64(-128)]),
            Value::I64(-128)
        );
        assert_eq!(
            call(
                &ffi,
                &lib,
                "fx_add_i32",
                b,
                &[Value::U8(200), Value::I64(-1)]
            ),
            Value::I32(199)
        );
    }
}

/// `long double` through the JIT's trampoline (16 bytes on the stack, the result stored from
/// x87's `st(0)`) and through libffi, bit for bit.
#[test]
fn long_double_exactly_through_the_jit_and_libffi() {
    let (ffi, lib) = fixture();
    let f = ffi.function(&lib, "fx_id_ld").expect("declared");
    let before = ffi.jit_stats();
    f.compile().expect("a trampoline");
    let after = ffi.jit_stats();
    assert_eq!(after.compiled, before.compiled, "no Cranelift: {after:?}");
    // 1 + LDBL_EPSILON (2^-63), LDBL_MAX, LDBL_TRUE_MIN, a NaN payload: what C returns is what
    // was passed, bit for bit (an f64 on the way would round the first to 1).
    let cases = [
        0x3FFF_8000_0000_0000_0001u128,
        0x7FFE_FFFF_FFFF_FFFF_FFFF,
        0x0000_0000_0000_0000_0001,
        0xFFFF_C000_0000_0000_1234,
    ];
    for b in BACKENDS {
        for bits in cases {
            let v = F80::from_bits(bits);
            // SAFETY: the declaration matches.
            let r = unsafe { f.call_with(b, &[Value::F80(v)]) }.expect("call");
            match r {
                Value::F80(x) => assert_eq!(x.to_bits(), bits, "{x:?} via {b:?}"),
                other => panic!("{other:?}"),
            }
        }
        // Doubles and integers convert exactly.
        for (arg, expect) in [
            (Value::F64(0.1), F80::from_f64(0.1)),
            (Value::U64(u64::MAX), F80::from(u64::MAX)),
            (Value::I32(-7), F80::from(-7i64)),
        ] {
            // SAFETY: as above.
            let r = unsafe { f.call_with(b, &[arg]) }.expect("call");
            assert_eq!(r, Value::F80(expect), "via {b:?}");
        }
        // Placement: three long doubles on 16-byte boundaries of the stack area, a double and
        // an int in registers between them.
        let pick = ffi.function(&lib, "fx_ld_pick").expect("declared");
        let [a, c, e] = [cases[0], cases[1], cases[3]].map(F80::from_bits);
        for (k, expect) in [(0, a), (1, c), (2, e), (3, F80::from_f64(2.5 + 40.0))] {
            let args = [
                Value::I32(k),
                Value::F80(a),
                Value::F64(2.5),
                Value::F80(c),
                Value::I32(40),
                Value::F80(e),
            ];
            // SAFETY: as above.
            let r = unsafe { pick.call_with(b, &args) }.expect("call");
            match r {
                Value::F80(x) => assert_eq!(x.to_bits(), expect.to_bits(), "k = {k} via {b:?}"),
                other => panic!("{other:?}"),
            }
            // And prepared, through the typed setters.
            let mut p = pick.prepare().expect("prepare");
            p.set_i32(0, k).expect("k");
            p.set_f80(1, a).expect("a");
            p.set_f64(2, 2.5).expect("b");
            p.set_f80(3, c).expect("c");
            p.set_i32(4, 40).expect("d");
            p.set_f80(5, e).expect("e");
            // SAFETY: as above.
            let r = unsafe { p.call() }.expect("call");
            assert!(
                matches!(r, Value::F80(x) if x.to_bits() == expect.to_bits()),
                "k = {k} prepared: {r:?}"
            );
        }
    }
}

/// A struct holding one long double is returned in st(0), as the long double itself (gcc's
/// classes X87 and X87UP), and passed in memory. Every backend took the result for a struct
/// returned through the hidden pointer: zeros came back, and st(0) stayed on the x87 stack.
/// The trampolines read it now (untyped and prepared); libffi, which has no form for it,
/// refuses it; twenty calls in a row leave the x87 stack as it was (an unpopped st(0) each
/// time would overflow it after eight and turn later long double results into NaNs).
#[test]
fn a_struct_of_one_long_double_comes_back_in_st0() {
    let (ffi, lib) = fixture();
    let make = ffi.function(&lib, "fx_ld1_make").expect("declared");
    let get = ffi.function(&lib, "fx_ld1_get").expect("declared");
    let id = ffi.function(&lib, "fx_id_ld").expect("declared");
    let v = F80::from_bits(0x3FFF_8000_0000_0000_0001);
    for b in [Backend::Auto, Backend::Jit] {
        for _ in 0..20 {
            // SAFETY: the fixture declarations match tests/c/fixture.c.
            let r = unsafe { make.call_with(b, &[Value::I32(0), Value::F80(v)]) }.expect("call");
            let Value::Struct(s) = &r else {
                panic!("{r:?}")
            };
            assert_eq!(&s.bytes()[..10], &v.to_le_bytes(), "via {b:?}");
            // And back as an argument (in memory).
            // SAFETY: as above.
            let x = unsafe { get.call_with(b, &[r.clone(), Value::I32(0)]) }.expect("call");
            assert!(
                matches!(x, Value::F80(x) if x.to_bits() == v.to_bits()),
                "{x:?}"
            );
        }
        // SAFETY: as above.
        let x = unsafe { id.call_with(b, &[Value::F80(v)]) }.expect("call");
        assert!(
            matches!(x, Value::F80(x) if x.to_bits() == v.to_bits()),
            "{x:?}"
        );
    }
    let mut p = make.prepare().expect("prepare");
    p.set_i32(0, 7).expect("k");
    p.set_f80(1, v).expect("v");
    // SAFETY: as above.
    let r = unsafe { p.call() }.expect("call");
    let Value::Struct(s) = &r else {
        panic!("{r:?}")
    };
    assert_eq!(&s.bytes()[..10], &F80::from(7u64).to_le_bytes(), "prepared");
    // SAFETY: refused before the call.
    let e = unsafe { make.call_with(Backend::Libffi, &[Value::I32(0), Value::F80(v)]) }
        .unwrap_err()
        .to_string();
    assert!(e.contains("st(0)"), "{e}");
}

/// C's printf is the oracle: a long double in a variadic tail must arrive as one (it was
/// passed as a double, and `%Lf` read garbage), and `F80` prints as `%La` and `%.21Lg` do.
#[test]
fn long_double_in_a_variadic_tail_stays_a_long_double() {
    let (ffi, lib) = fixture();
    let values = [
        F80::from(7u64),
        F80::from_bits(0x3FFF_8000_0000_0000_0001),
        F80::from_f64(0.1),
        F80::from_f64(-2.25e300),
        F80::from_bits(0x7FFE_FFFF_FFFF_FFFF_FFFF),
        F80::from_bits(0x0000_0000_0000_0000_0001),
        F80::from_bits(0x0000_2AAA_AAAA_AAAA_AAAB),
        F80::from_bits(0x3FF1_D1B7_1758_E219_652C),
        F80::from_bits(0x4044_D8D7_26B7_177A_8000),
        F80::from_bits(0x3FFD_AAAA_AAAA_AAAA_AAAB),
        F80::from_bits(0x3FF1_D1B6_8DE8_82D8_2E77),
        F80::from(123_456_789u64),
        F80::from_f64(1e-5),
        F80::from_f64(f64::INFINITY),
        F80::from_f64(-0.0),
        F80::ZERO,
        F80::from_bits(0x7FFF_C000_0000_0000_0000),
        F80::from_bits(0xFFFF_C000_0000_0000_0000),
        F80::from_bits(0x8000_0000_0000_0000_0003),
        F80::from_bits(0x3FFF_FFFF_FFFF_FFFF_FFFF),
    ];
    for (v, b) in values
        .into_iter()
        .flat_map(|v| BACKENDS.map(move |b| (v, b)))
    {
        // (`%.1Lf` of LDBL_MAX has 4,933 digits.)
        let mut buf = vec![0u8; 8192];
        let n = call(
            &ffi,
            &lib,
            "fx_format",
            b,
            &[
                Value::ptr(buf.as_mut_ptr()),
                Value::U64(8192),
                Value::str(c"%.1Lf|%La|%.21Lg|%.3Lg|%Lg"),
                Value::F80(v),
                Value::F80(v),
                Value::F80(v),
                Value::F80(v),
                Value::F80(v),
            ],
        );
        let c = CStr::from_bytes_until_nul(&buf)
            .expect("NUL")
            .to_str()
            .expect("utf-8");
        assert_eq!(n, Value::I32(c.len() as i32));
        let fields: Vec<&str> = c.split('|').collect();
        if v == F80::from(7u64) {
            assert_eq!(fields[0], "7.0", "the regression: {c}");
        }
        assert_eq!(fields[1], v.to_hex(), "%La of {v:?}");
        assert_eq!(fields[2], v.to_string(), "%.21Lg of {v:?}");
        assert_eq!(fields[3], v.to_string_g(3), "%.3Lg of {v:?}");
        assert_eq!(fields[4], v.to_string_g(6), "%Lg of {v:?}");
    }
}

#[test]
fn many_arguments_past_the_registers() {
    let (ffi, lib) = fixture();
    let ints: Vec<Value> = (1..=16).map(|i| Value::I64(i * 1000 + i)).collect();
    let expect_i: i64 = (1..=16).map(|i: i64| i * (i * 1000 + i)).sum();
    let doubles: Vec<Value> = (1..=16).map(|i| Value::F64(f64::from(i) * 0.5)).collect();
    let expect_d: f64 = (1..=16).map(|i| f64::from(i) * f64::from(i) * 0.5).sum();
    let mixed = vec![
        Value::I8(-3),
        Value::F64(1.25),
        Value::U16(60000),
        Value::F32(2.5),
        Value::I32(-70000),
        Value::F64(-3.5),
        Value::I64(1 << 40),
        Value::F32(0.75),
        Value::U8(200),
        Value::F64(9.0),
        Value::I16(-12345),
        Value::F32(-1.5),
        Value::U32(4_000_000_000),
        Value::F64(0.125),
        Value::U64(1 << 50),
        Value::F32(6.0),
    ];
    let expect_m = -3.0
        + 2.0 * 1.25
        + 3.0 * 60000.0
        + 4.0 * 2.5
        + 5.0 * -70000.0
        + 6.0 * -3.5
        + 7.0 * (1u64 << 40) as f64
        + 8.0 * 0.75
        + 9.0 * 200.0
        + 10.0 * 9.0
        + 11.0 * -12345.0
        + 12.0 * -1.5
        + 13.0 * 4e9
        + 14.0 * 0.125
        + 15.0 * (1u64 << 50) as f64
        + 16.0 * 6.0;
    for b in BACKENDS {
        assert_eq!(
            call(&ffi, &lib, "fx_sum_ints16", b, &ints),
            Value::I64(expect_i)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_sum_doubles16", b, &doubles),
            Value::F64(expect_d)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_mix16", b, &mixed),
            Value::F64(expect_m)
        );
        assert_eq!(call(&ffi, &lib, "fx_nop", b, &[]), Value::Void);
    }
}

#[test]
fn variadic_calls() {
    let (ffi, lib) = fixture();
    for b in BACKENDS {
        assert_eq!(
            call(
                &ffi,
                &lib,
                "fx_sum_var",
                b,
                &[
                    Value::I32(4),
                    Value::I32(1),
                    Value::I8(2),
                    Value::U16(3),
                    Value::Bool(true)
                ]
            ),
            Value::I32(7)
        );
        assert_eq!(
            call(&ffi, &lib, "fx_sum_var", b, &[Value::I32(0)]),
            Value::I32(0)
        );
        // Floats are promoted to double.
        assert_eq!(
            call(
                &ffi,
                &lib,
                "fx_sum_var_double",
                b,
                &[
                    Value::I32(3),
                    Value::F32(1.5),
                    Value::F64(2.0),
                    Value::F64(-1.0)
                ]
            ),
            Value::F64(1.5 + 4.0 - 3.0)
        );
        // Every promoted class, a struct by value and a pointer in the tail.
        let byte = [42u8];
        let ty = ffi.type_of("struct fx_s16dl").expect("type");
        let s = s16dl(&ffi, 1.5, 7);
        let r = call(
            &ffi,
            &lib,
            "fx_sum_var_mixed",
            b,
            &[
                Value::str(c"iuldps"),
                Value::I32(-1),
                Value::U32(2),
                Value::I64(-3),
                Value::F64(0.25),
                Value::ptr(byte.as_ptr()),
                Value::Struct(StructValue::borrowed(&ty, &s)),
            ],
        );
        assert_eq!(
            r,
            Value::I64(-1 + 2 * 2 + 3 * -3 + 4 * 250 + 5 * 42 + 6 * (1500 + 7)),
            "via {b:?}"
        );
        // printf-like formatting into a buffer.
        let mut buf = [0u8; 64];
        let n = call(
            &ffi,
            &lib,
            "fx_format",
            b,
            &[
                Value::ptr(buf.as_mut_ptr()),
                Value::U64(64),
                Value::str(c"%d|%s|%.3f|%lu|%c"),
                Value::I32(-12),
                Value::str(c"str"),
                Value::F64(2.5),
                Value::U64(u64::MAX),
                Value::I32(i32::from(b'Z')),
            ],
        );
        let text = format!("-12|str|2.500|{}|Z", u64::MAX);
        assert_eq!(n, Value::I32(text.len() as i32));
        assert_eq!(
            CStr::from_bytes_until_nul(&buf)
                .expect("nul")
                .to_str()
                .expect("utf8"),
            text,
            "via {b:?}"
        );
    }
}

/// `__int128` through the JIT's trampoline and through libffi (a pair of integer
/// eightbytes, or 16 bytes on a 16-byte boundary of the stack when no pair of registers is
/// left, which is how System V passes it): the C fixture computes, jitffi must agree with the
/// same arithmetic in Rust.
#[test]
fn int128_through_the_jit_and_libffi() {
    for b in BACKENDS {
        int128_via(b);
    }
}

fn int128_via(via: Backend) {
    let (ffi, lib) = fixture();
    let f = |name: &str| ffi.function(&lib, name).expect("declared");
    let call = |name: &str, args: &[Value<'_>]| {
        // SAFETY: the declarations are the fixture's; the arguments are values.
        unsafe { f(name).call_with(via, args) }
    };
    for v in [
        0i128,
        1,
        -1,
        i128::MIN,
        i128::MAX,
        1 << 100,
        -(7 << 90) + 12345,
    ] {
        assert_eq!(
            call("fx_id_i128", &[Value::from(v)]).unwrap(),
            Value::from(v)
        );
    }
    let (a, b) = ((1u128 << 64) + 3, (1u128 << 63) + 5);
    assert_eq!(
        call("fx_mul_u128", &[Value::from(a), Value::from(b)]).unwrap(),
        Value::from(a.wrapping_mul(b))
    );
    // Five longs leave one register: the __int128 goes to the stack (16-aligned) and the
    // long after it takes the sixth register.
    let x: i128 = (1 << 90) - 77;
    let r = call(
        "fx_i128_late",
        &[1, 2, 3, 4, 5]
            .map(Value::I64)
            .into_iter()
            .chain([Value::from(x), Value::I64(9)])
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert_eq!(r, Value::from(1 + 4 + 9 + 16 + 25 + 7 * x + 99));
    // A variadic tail keeps them 128-bit.
    let tail = [5i128, -(1 << 70), 1 << 100];
    let mut args = vec![Value::I32(3)];
    args.extend(tail.map(Value::from));
    let expect = tail
        .iter()
        .fold(0i128, |s, &v| s.wrapping_mul(3).wrapping_add(v));
    assert_eq!(call("fx_sum_var_i128", &args).unwrap(), Value::from(expect));
    // Conversions: smaller integers widen; out of range is an error, not a wrap.
    assert_eq!(
        call("fx_id_i128", &[Value::I8(-3)]).unwrap(),
        Value::from(-3i128)
    );
    let e = call("fx_id_i128", &[Value::from(u128::MAX)]).unwrap_err();
    assert!(e.to_string().contains("argument 1"), "{e}");
    let e = call("fx_mul_u128", &[Value::I32(-1), Value::I32(1)]).unwrap_err();
    assert!(e.to_string().contains("argument 1"), "{e}");
    // Placement: a, c in register pairs, d past them on the stack, e after it.
    let (a, c, d) = (i128::MIN + 5, (1i128 << 99) - 1, -(1i128 << 77) - 3);
    for (k, expect) in [(0, a), (1, c), (2, d), (3, 17 + 3 * -9)] {
        let args = [
            Value::I32(k),
            Value::from(a),
            Value::I64(17),
            Value::from(c),
            Value::from(d),
            Value::I64(-9),
        ];
        assert_eq!(
            call("fx_i128_pick", &args).unwrap(),
            Value::from(expect),
            "k = {k} via {via:?}"
        );
    }
    if via == Backend::Jit {
        let before = ffi.jit_stats();
        f("fx_i128_pick").compile().expect("a trampoline");
        assert_eq!(ffi.jit_stats().compiled, before.compiled, "no Cranelift");
        // Prepared calls take them too (their 16 bytes in storage the handle owns).
        let mut p = f("fx_i128_pick").prepare().expect("prepare");
        p.set_i32(0, 2).expect("k");
        p.set_i128(1, a).expect("a");
        p.set_i64(2, 17).expect("b");
        p.set_i128(3, c).expect("c");
        p.set_i128(4, d).expect("d");
        p.set_i64(5, -9).expect("e");
        // SAFETY: as above.
        assert_eq!(unsafe { p.call() }.unwrap(), Value::from(d));
        let e = p.set_i64(1, 5).unwrap_err().to_string();
        assert!(e.contains("use set_i128"), "{e}");
        let mut m = f("fx_mul_u128").prepare().expect("prepare");
        m.set_u128(0, u128::MAX).expect("a");
        m.set_u128(1, 3).expect("b");
        // SAFETY: as above.
        let r = unsafe { m.call() }.unwrap();
        assert_eq!(r, Value::from(u128::MAX.wrapping_mul(3)));
    }
    // C calling Rust: the closure gets and returns 128-bit values.
    let cb = ffi
        .callbacks("__int128 (*)(__int128, int)")
        .expect("type")
        .untyped(|a: &[Value<'_>]| match (&a[0], &a[1]) {
            (Value::I128(x), Value::I32(k)) => {
                Value::from(x.as_i128().wrapping_mul(i128::from(*k)))
            }
            _ => Value::Void,
        })
        .expect("callback");
    let x: i128 = -(1 << 101) + 3;
    let r = call("fx_cb_i128", &[cb.value(), Value::from(x)]).unwrap();
    assert_eq!(r, Value::from(x.wrapping_mul(5) + 1));
    assert_eq!(cb.errors(), 0, "{:?}", cb.last_error());
}

/// `float _Complex` and `double _Complex`, values of their C type's `StructValue` (the parts
/// in order), through both backends: System V passes them as structs of two SSE parts.
#[test]
fn complex_numbers_go_through_both_backends() {
    let (ffi, lib) = fixture();
    let dc = ffi.type_of("double _Complex").expect("type");
    let fc = ffi.type_of("float _Complex").expect("type");
    let z = |re: f64, im: f64| -> Value<'static> {
        let mut b = re.to_le_bytes().to_vec();
        b.extend(im.to_le_bytes());
        Value::Struct(StructValue::owned(&dc, b.into()))
    };
    let zf = |re: f32, im: f32| -> Value<'static> {
        let mut b = re.to_le_bytes().to_vec();
        b.extend(im.to_le_bytes());
        Value::Struct(StructValue::owned(&fc, b.into()))
    };
    let parts = |v: &Value<'_>| -> (f64, f64) {
        let Value::Struct(s) = v else { panic!("{v:?}") };
        let b = s.bytes();
        if b.len() == 8 {
            let f = |i: usize| f64::from(f32::from_le_bytes(b[i..i + 4].try_into().unwrap()));
            (f(0), f(4))
        } else {
            let f = |i: usize| f64::from_le_bytes(b[i..i + 8].try_into().unwrap());
            (f(0), f(8))
        }
    };
    for b in BACKENDS {
        let r = call(&ffi, &lib, "fx_cswap", b, &[z(1.5, -0.25)]);
        assert_eq!(parts(&r), (-0.25, 1.5), "{b:?}");
        let r = call(&ffi, &lib, "fx_caddf", b, &[zf(0.1, 2.0), zf(0.2, -3.5)]);
        assert_eq!(parts(&r), (f64::from(0.1f32 + 0.2f32), -1.5), "{b:?}");
        // Seven doubles leave one vector register: the complex goes to the stack whole, and
        // the long after it to rdi.
        let mut args: Vec<Value> = (1..=7).map(|i| Value::F64(f64::from(i) * 0.5)).collect();
        args.push(z(10.0, 3.0));
        args.push(Value::I64(-4));
        let r = call(&ffi, &lib, "fx_cmix", b, &args);
        let re = 10.0
            + (1..=7)
                .map(|i| f64::from(i) * f64::from(i) * 0.5)
                .sum::<f64>();
        assert_eq!(parts(&r), (re, -12.0), "{b:?}");
    }
    // A value of another type is refused, naming it.
    // SAFETY: refused before the call.
    let e = unsafe {
        ffi.function(&lib, "fx_cswap")
            .unwrap()
            .call(&[zf(1.0, 2.0)])
    }
    .unwrap_err();
    assert!(e.to_string().contains("float _Complex"), "{e}");
    // C calling Rust with complex values.
    let cb = ffi
        .callbacks("double _Complex (*)(double _Complex, int)")
        .expect("type")
        .untyped(move |a: &[Value<'_>]| {
            let (re, im) = parts(&a[0]);
            let k = a[1].as_f64().unwrap_or(0.0);
            z(re * k, im * k)
        })
        .expect("callback");
    let r = call(
        &ffi,
        &lib,
        "fx_cb_cplx",
        Backend::Auto,
        &[cb.value(), z(3.0, -1.0)],
    );
    assert_eq!(parts(&r), (7.0, -2.0));
    assert_eq!(cb.errors(), 0, "{:?}", cb.last_error());
}
