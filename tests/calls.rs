//! Calls into the fixture library through the JIT, through libffi and through typed handles,
//! for every argument and result class; every result is checked against what the C side
//! computes or echoes.

mod common;

use std::ffi::{CStr, c_void};

use common::{fixture, member_ranges, mix};
use jitffi::{Backend, Ffi, Library, StructValue, Value};

const BACKENDS: [Backend; 2] = [Backend::Jit, Backend::Libffi];

fn call(
    ffi: &Ffi,
    lib: &Library,
    name: &str,
    backend: Backend,
    args: &[Value<'_>],
) -> Value<'static> {
    let f = ffi
        .function(lib, name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // SAFETY: the fixture declarations match tests/c/fixture.c; arguments are plain values.
    unsafe { f.call_with(backend, args) }.unwrap_or_else(|e| panic!("{name} ({backend:?}): {e}"))
}

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

#[test]
fn long_double_goes_through_libffi() {
    let (ffi, lib) = fixture();
    let f = ffi.function(&lib, "fx_id_ld").expect("declared");
    assert!(f.compile().is_err(), "the JIT does not do long double");
    for v in [1.5, -2.25e300, 0.1] {
        // SAFETY: the declaration matches; Auto falls back to libffi.
        let r = unsafe { f.call(&[Value::F64(v)]) };
        assert_eq!(r.expect("call"), Value::F64(v));
    }
    // SAFETY: as above.
    let err = unsafe { f.call_with(Backend::Jit, &[Value::F64(1.0)]) }.unwrap_err();
    assert!(
        err.to_string().starts_with("fx_id_ld: cannot be called: "),
        "{err}"
    );
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

/// Struct bytes with every member set to a distinct pattern.
fn pattern(ffi: &Ffi, ty: &str, seed: u8) -> (jitffi::Type, Vec<u8>) {
    let t = ffi.type_of(ty).expect("type");
    let size = t.size().expect("size") as usize;
    let mut bytes = vec![0u8; size];
    for (i, (off, len)) in member_ranges(&t).into_iter().enumerate() {
        for k in 0..len {
            bytes[off + k] = seed.wrapping_mul(31).wrapping_add((i * 7 + k) as u8) | 1;
        }
    }
    // Floats must be real floats for echo through xmm registers to be bit-exact; the pattern
    // bytes make normal floats (exponent bits set) in practice, NaNs are avoided by `| 1`.
    (t, bytes)
}

#[test]
fn structs_of_every_class_echo_back() {
    let (ffi, lib) = fixture();
    let kinds = [
        "s1", "s3", "s4f", "s8i", "s8f", "s8m", "s12i", "s12f", "s16l", "s16d", "s16dl", "s16ld",
        "s16f", "s24", "s32d", "s64", "arr", "nest", "p5", "p10", "u8", "u16",
    ];
    for k in kinds {
        let ty = if k.starts_with('u') {
            format!("union fx_{k}")
        } else {
            format!("struct fx_{k}")
        };
        for seed in [1u8, 77, 200] {
            let (t, bytes) = pattern(&ffi, &ty, seed);
            let v = Value::Struct(StructValue::borrowed(&t, &bytes));
            for b in BACKENDS {
                let f = ffi
                    .function(&lib, &format!("fx_echo_{k}"))
                    .expect("declared");
                // SAFETY: the declaration matches tests/c/fixture.c.
                let r = match unsafe { f.call_with(b, std::slice::from_ref(&v)) } {
                    Ok(r) => r,
                    Err(e) => panic!("fx_echo_{k} via {b:?}: {e}"),
                };
                let Value::Struct(s) = r else {
                    panic!("fx_echo_{k} returned {r:?}")
                };
                assert_eq!(s.type_id(), t.id());
                for (off, len) in member_ranges(&t) {
                    assert_eq!(
                        &s.bytes()[off..off + len],
                        &bytes[off..off + len],
                        "{ty} member at {off} via {b:?}"
                    );
                }
            }
        }
    }
}

fn s16dl(ffi: &Ffi, a: f64, b: i64) -> Vec<u8> {
    let t = ffi.type_of("struct fx_s16dl").expect("type");
    assert_eq!(t.size().expect("size"), 16);
    let mut v = a.to_le_bytes().to_vec();
    v.extend_from_slice(&b.to_le_bytes());
    v
}

#[test]
fn struct_arguments_arrive_between_scalars() {
    let (ffi, lib) = fixture();
    let dbits = |d: f64| d.to_bits();
    let fbits = |f: f32| u64::from(f.to_bits());
    for b in BACKENDS {
        // Mixed SSE + INTEGER eightbytes.
        let bytes = s16dl(&ffi, 2.5, -9);
        let ty = ffi.type_of("struct fx_s16dl").expect("type");
        let r = call(
            &ffi,
            &lib,
            "fx_hash_s16dl",
            b,
            &[
                Value::I32(-3),
                Value::Struct(StructValue::borrowed(&ty, &bytes)),
                Value::F64(0.5),
            ],
        );
        let expect = mix(
            mix(mix(mix(0, -3i64 as u64), dbits(2.5)), -9i64 as u64),
            dbits(0.5),
        );
        assert_eq!(r, Value::U64(expect), "fx_hash_s16dl via {b:?}");
        // Float + int in one eightbyte (INTEGER class).
        let ty = ffi.type_of("struct fx_s8m").expect("type");
        let mut bytes = 1.75f32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&(-42i32).to_le_bytes());
        let r = call(
            &ffi,
            &lib,
            "fx_hash_s8m",
            b,
            &[
                Value::I32(9),
                Value::Struct(StructValue::borrowed(&ty, &bytes)),
                Value::F64(-1.0),
            ],
        );
        let expect = mix(mix(mix(mix(0, 9), fbits(1.75)), -42i64 as u64), dbits(-1.0));
        assert_eq!(r, Value::U64(expect), "fx_hash_s8m via {b:?}");
        // Three floats: SSE, SSE (the second eightbyte holds 4 bytes).
        let ty = ffi.type_of("struct fx_s12f").expect("type");
        let bytes: Vec<u8> = [1.0f32, -2.0, 3.5]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let r = call(
            &ffi,
            &lib,
            "fx_hash_s12f",
            b,
            &[
                Value::I32(1),
                Value::Struct(StructValue::borrowed(&ty, &bytes)),
                Value::F64(2.0),
            ],
        );
        let expect = mix(
            mix(mix(mix(mix(0, 1), fbits(1.0)), fbits(-2.0)), fbits(3.5)),
            dbits(2.0),
        );
        assert_eq!(r, Value::U64(expect), "fx_hash_s12f via {b:?}");
        // MEMORY class (24 bytes) on the stack.
        let ty = ffi.type_of("struct fx_s24").expect("type");
        let bytes: Vec<u8> = [5i64, -6, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        let r = call(
            &ffi,
            &lib,
            "fx_hash_s24",
            b,
            &[
                Value::I32(4),
                Value::Struct(StructValue::borrowed(&ty, &bytes)),
                Value::F64(8.0),
            ],
        );
        let expect = mix(mix(mix(mix(mix(0, 4), 5), -6i64 as u64), 7), dbits(8.0));
        assert_eq!(r, Value::U64(expect), "fx_hash_s24 via {b:?}");
        // A two-eightbyte integer struct after five integers no longer fits r9 alone: it goes on
        // the stack, and the long after it still takes r9.
        let ty = ffi.type_of("struct fx_s16l").expect("type");
        let bytes: Vec<u8> = [100i64, 200].iter().flat_map(|v| v.to_le_bytes()).collect();
        let args: Vec<Value> = [1i64, 2, 3, 4, 5]
            .iter()
            .map(|&v| Value::I64(v))
            .chain([
                Value::Struct(StructValue::borrowed(&ty, &bytes)),
                Value::I64(6),
            ])
            .collect();
        let expect = [1u64, 2, 3, 4, 5, 100, 200, 6]
            .iter()
            .fold(0, |h, &v| mix(h, v));
        assert_eq!(
            call(&ffi, &lib, "fx_hash_late", b, &args),
            Value::U64(expect),
            "fx_hash_late via {b:?}"
        );
        // The same with SSE registers: seven doubles leave one xmm, a two-double struct needs two.
        let ty = ffi.type_of("struct fx_s16d").expect("type");
        let bytes: Vec<u8> = [0.25f64, 0.75]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let mut args: Vec<Value> = (1..=7).map(|i| Value::F64(f64::from(i))).collect();
        args.push(Value::Struct(StructValue::borrowed(&ty, &bytes)));
        args.push(Value::F64(8.5));
        let expect = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 0.25, 0.75, 8.5]
            .iter()
            .fold(0, |h, &v: &f64| mix(h, v.to_bits()));
        assert_eq!(
            call(&ffi, &lib, "fx_hash_late_sse", b, &args),
            Value::U64(expect),
            "fx_hash_late_sse via {b:?}"
        );
    }
    // A packed struct (MEMORY class because of an unaligned member) through the JIT.
    let ty = ffi.type_of("struct fx_p5").expect("type");
    let mut bytes = vec![b'x'];
    bytes.extend_from_slice(&(-77i32).to_le_bytes());
    let r = call(
        &ffi,
        &lib,
        "fx_hash_p5",
        Backend::Jit,
        &[
            Value::I32(2),
            Value::Struct(StructValue::borrowed(&ty, &bytes)),
            Value::F64(1.0),
        ],
    );
    assert_eq!(
        r,
        Value::U64(mix(
            mix(mix(mix(0, 2), u64::from(b'x')), -77i64 as u64),
            1f64.to_bits()
        ))
    );
}

jitffi::c_struct! {
    #[derive(Debug, PartialEq)]
    struct Point { x: f64, y: f64 }
    #[derive(Debug, PartialEq)]
    struct S16dl { a: f64, b: i64 }
    #[derive(Debug, PartialEq)]
    struct S24 { a: i64, b: i64, c: i64 }
    #[derive(Debug, PartialEq)]
    struct S12f { a: f32, b: f32, c: f32 }
    #[derive(Debug, PartialEq)]
    struct Arr { a: [i32; 3], c: i8 }
    struct Wrong { x: f32, y: f32 }
}

#[test]
fn typed_calls() {
    let (ffi, lib) = fixture();
    let f = |name: &str| ffi.function(&lib, name).expect("declared");
    let add = f("fx_add_i32").typed::<(i32, i32), i32>().expect("typed");
    let norm = f("fx_norm2").typed::<(Point,), f64>().expect("typed");
    let make = f("fx_make_point")
        .typed::<(f64, f64), Point>()
        .expect("typed");
    let echo_dl = f("fx_echo_s16dl")
        .typed::<(S16dl,), S16dl>()
        .expect("typed");
    let echo_24 = f("fx_echo_s24").typed::<(S24,), S24>().expect("typed");
    let echo_12f = f("fx_echo_s12f").typed::<(S12f,), S12f>().expect("typed");
    let echo_arr = f("fx_echo_arr").typed::<(Arr,), Arr>().expect("typed");
    let sum16 = f("fx_sum_ints16")
        .typed::<(
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
            i64,
        ), i64>()
        .expect("typed");
    let sum_var = f("fx_sum_var")
        .typed::<(i32, i32, i32, i32), i32>()
        .expect("typed variadic");
    let var_d = f("fx_sum_var_double")
        .typed::<(i32, f64, f64), f64>()
        .expect("typed variadic");
    // SAFETY: the declarations match tests/c/fixture.c.
    unsafe {
        assert_eq!(add.call((40, 2)), 42);
        assert_eq!(norm.call((Point { x: 3.0, y: 4.0 },)), 25.0);
        assert_eq!(make.call((1.5, -2.5)), Point { x: 1.5, y: -2.5 });
        assert_eq!(
            echo_dl.call((S16dl { a: 0.5, b: -5 },)),
            S16dl { a: 0.5, b: -5 }
        );
        assert_eq!(
            echo_24.call((S24 { a: 1, b: 2, c: 3 },)),
            S24 { a: 1, b: 2, c: 3 }
        );
        assert_eq!(
            echo_12f.call((S12f {
                a: 1.0,
                b: 2.0,
                c: 3.0
            },)),
            S12f {
                a: 1.0,
                b: 2.0,
                c: 3.0
            }
        );
        assert_eq!(
            echo_arr.call((Arr {
                a: [1, -2, 3],
                c: 9
            },)),
            Arr {
                a: [1, -2, 3],
                c: 9
            }
        );
        assert_eq!(
            sum16.call((1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)),
            (1..=16).sum::<i64>()
        );
        assert_eq!(sum_var.call((3, 10, 20, 30)), 60);
        assert_eq!(var_d.call((2, 1.5, 2.0)), 1.5 + 2.0 * 2.0);
    }
    assert_eq!(add.function().name(), "fx_add_i32");
}

#[test]
fn typed_mismatches_are_precise() {
    let (ffi, lib) = fixture();
    let f = |name: &str| ffi.function(&lib, name).expect("declared");
    let e = f("fx_add_i32").typed::<(i32,), i32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_add_i32: arity: Rust type '1 arguments' does not match C type 'int (int, int)' (the declaration takes 2)"
    );
    let e = f("fx_add_i32").typed::<(i32, u32), i32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_add_i32: argument 2: Rust type 'u32' does not match C type 'int' (unsigned in Rust, signed in C)"
    );
    let e = f("fx_add_i32").typed::<(i32, i64), i32>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_add_i32: argument 2: Rust type 'i64' does not match C type 'int' (8 bytes in Rust, 4 in C)"
    );
    let e = f("fx_norm2").typed::<(Wrong,), f64>().unwrap_err();
    assert!(e.to_string().starts_with("fx_norm2: argument 1: Rust type 'Wrong' does not match C type 'struct fx_point' (size/alignment 8/4 in Rust, 16/8 in C)"), "{e}");
    let e = f("fx_make_point").typed::<(f64, f64), S16dl>().unwrap_err();
    assert!(e.to_string().contains("result: Rust type 'S16dl' does not match C type 'struct fx_point' (field 'b': different kinds of type)"), "{e}");
    let e = f("fx_sum_var").typed::<(i32, f32), i32>().unwrap_err();
    assert!(e.to_string().contains("argument 2: Rust type 'f32' does not match C type '...' (variadic arguments must be promoted"), "{e}");
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

#[test]
fn errno_is_captured_per_thread() {
    let (ffi, lib) = fixture();
    let f = ffi
        .function(&lib, "fx_set_errno")
        .expect("declared")
        .capture_errno();
    for b in BACKENDS {
        // SAFETY: the declaration matches.
        unsafe { f.call_with(b, &[Value::I32(34)]) }.expect("call");
        assert_eq!(jitffi::errno(), 34, "via {b:?}");
        let f2 = f.clone();
        let other = std::thread::spawn(move || {
            // SAFETY: as above.
            unsafe { f2.call_with(b, &[Value::I32(5)]) }.expect("call");
            jitffi::errno()
        })
        .join()
        .expect("thread");
        assert_eq!(other, 5);
        assert_eq!(jitffi::errno(), 34, "another thread's errno is its own");
    }
}

#[test]
fn strings_pointers_function_pointers_and_globals() {
    let (ffi, lib) = fixture();
    for b in BACKENDS {
        assert_eq!(
            call(&ffi, &lib, "fx_strlen", b, &[Value::str(c"hello, world")]),
            Value::U64(12)
        );
        let name = call(&ffi, &lib, "fx_name", b, &[]);
        let Value::Ptr(p) = name else {
            panic!("{name:?}")
        };
        // SAFETY: fx_name returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p.addr().cast()) };
        assert_eq!(s, c"jitffi fixture");
        assert_eq!(
            p.type_id().map(|t| ffi.types().display(t)),
            Some("const char *".into())
        );
        // A typed pointer result passed back where another pointer type is expected.
        // SAFETY: refused before the call.
        let err = unsafe {
            ffi.function(&lib, "fx_dot")
                .expect("declared")
                .call_with(b, &[name.clone(), name.clone()])
        }
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "fx_dot: argument 1: cannot pass 'const char *' where 'const struct fx_point *' is expected"
        );
        let x = 7u8;
        assert_eq!(
            call(&ffi, &lib, "fx_id_ptr", b, &[Value::ptr(&x)]).as_ptr(),
            Some((&raw const x).cast_mut().cast::<c_void>())
        );
        // A function pointer returned by C, called through its declared type.
        let fp = call(&ffi, &lib, "fx_get_add3", b, &[]);
        // SAFETY: fx_get_add3 returns fx_add3, which has this type and lives as long as the library.
        let add3 =
            unsafe { ffi.function_at(fp.as_ptr().expect("pointer"), "int (*)(int, int, int)") }
                .expect("cast");
        // SAFETY: as above.
        let r = unsafe { add3.call_with(b, &[Value::I32(1), Value::I32(2), Value::I32(3)]) };
        assert_eq!(r.expect("call"), Value::I32(321));
    }
    let counter = ffi.global(&lib, "fx_counter").expect("global");
    // SAFETY: fx_counter is an int no other thread touches.
    unsafe {
        assert_eq!(counter.get().expect("get"), Value::I32(7));
        counter.set(&Value::I64(-99)).expect("set");
        assert_eq!(counter.get().expect("get"), Value::I32(-99));
        assert!(counter.set(&Value::I64(1 << 40)).is_err());
    }
    let greeting = ffi.global(&lib, "fx_greeting").expect("global");
    // SAFETY: an array global reads as a pointer to its first element.
    let p = unsafe { greeting.get() }
        .expect("get")
        .as_ptr()
        .expect("pointer");
    // SAFETY: fx_greeting is a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(p.cast()) };
    assert_eq!(s, c"hello from the fixture");
}

#[test]
fn argument_and_lookup_errors_name_everything() {
    let (ffi, lib) = fixture();
    let f = |name: &str| ffi.function(&lib, name).expect("declared");
    let cases: Vec<(&str, Vec<Value<'static>>, &str)> = vec![
        (
            "fx_add_i32",
            vec![Value::I32(1)],
            "fx_add_i32: expected 2 arguments, got 1",
        ),
        (
            "fx_sum_var",
            vec![],
            "fx_sum_var: expected at least 1 argument, got 0",
        ),
        (
            "fx_id_i8",
            vec![Value::I32(200)],
            "fx_id_i8: argument 1: integer 200 does not fit in 'int8_t'",
        ),
        (
            "fx_id_u32",
            vec![Value::I32(-1)],
            "fx_id_u32: argument 1: integer -1 does not fit in 'uint32_t'",
        ),
        (
            "fx_id_i32",
            vec![Value::F64(1.0)],
            "fx_id_i32: argument 1: cannot convert f64 to 'int32_t'",
        ),
        (
            "fx_strlen",
            vec![Value::I64(5)],
            "fx_strlen: argument 1: cannot convert i64 to 'const char *'",
        ),
        (
            "fx_dot",
            vec![Value::str(c"x"), Value::NULL],
            "fx_dot: argument 1: cannot convert string to 'const struct fx_point *'",
        ),
        (
            "fx_id_bool",
            vec![Value::I32(2)],
            "fx_id_bool: argument 1: integer 2 does not fit in '_Bool'",
        ),
    ];
    for (name, args, msg) in cases {
        for b in BACKENDS {
            // SAFETY: nothing is called: every case is refused.
            let err = unsafe { f(name).call_with(b, &args) }.unwrap_err();
            assert_eq!(err.to_string(), msg, "via {b:?}");
        }
    }
    let pt = ffi.type_of("struct fx_s16l").expect("type");
    let bytes = [0u8; 16];
    // SAFETY: refused before the call.
    let err = unsafe { f("fx_norm2").call(&[Value::Struct(StructValue::borrowed(&pt, &bytes))]) }
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "fx_norm2: argument 1: cannot pass a value of type 'struct fx_s16l' where 'struct fx_point' is expected"
    );
    let err = ffi.function(&lib, "fx_nope").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("'fx_nope' is not declared in any cdef"),
        "{err}"
    );
    ffi.cdef("int fx_declared_but_missing(int);").expect("cdef");
    let err = ffi.function(&lib, "fx_declared_but_missing").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("'fx_declared_but_missing' is declared but not found in library '"),
        "{err}"
    );
    let err = ffi.function(&lib, "fx_callback").unwrap_err();
    assert_eq!(
        err.to_string(),
        "'fx_callback' is declared as a typedef, not as a function or variable"
    );
}

#[test]
fn concurrent_calls_and_compilation() {
    let (ffi, lib) = fixture();
    let names = [
        "fx_add_i32",
        "fx_add3",
        "fx_widen_i16",
        "fx_sum_ints16",
        "fx_hash_s24",
        "fx_sum_var",
    ];
    std::thread::scope(|s| {
        for t in 0..8i64 {
            let (ffi, lib) = (&ffi, &lib);
            s.spawn(move || {
                for i in 0..200i64 {
                    let f = ffi
                        .function(lib, names[(t as usize + i as usize) % 2])
                        .expect("declared");
                    let args = [Value::I32(t as i32), Value::I32(i as i32), Value::I32(1)];
                    // SAFETY: the declarations match.
                    let r = unsafe { f.call(&args[..f.param_count()]) }.expect("call");
                    let expect = if f.name() == "fx_add_i32" {
                        t + i
                    } else {
                        t + 10 * i + 100
                    };
                    assert_eq!(r, Value::I32(expect as i32));
                }
            });
        }
        // Compilation of new stubs races with calls.
        for n in names {
            let (ffi, lib) = (&ffi, &lib);
            s.spawn(move || {
                let _ = ffi.function(lib, n).expect("declared").compile();
            });
        }
    });
}

#[test]
fn one_signature_is_compiled_once_and_each_function_calls_its_own_address() {
    let (ffi, lib) = fixture();
    let jit = |n: &str| {
        ffi.function(&lib, n)
            .unwrap_or_else(|e| panic!("{n}: {e}"))
            .with_backend(Backend::Jit)
    };
    let before = ffi.jit_stats();
    for (name, expect) in [("fx_add_i32", 9), ("fx_sub_i32", 3), ("fx_mul_i32", 18)] {
        // SAFETY: the fixture declarations match tests/c/fixture.c.
        let r = unsafe { jit(name).call(&[Value::I32(6), Value::I32(3)]) };
        assert_eq!(r.expect(name), Value::I32(expect), "{name}");
    }
    let after = ffi.jit_stats();
    assert_eq!(after.compiled - before.compiled, 1, "{after:?}");
    assert_eq!(after.copied - before.copied, 2, "{after:?}");

    // Struct arguments and results in registers, same signature.
    let pt = ffi.type_of("struct fx_point").expect("type");
    let bytes: Vec<u8> = [1.5f64, -4.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let point = |v: &Value<'_>| match v {
        Value::Struct(s) => {
            let b = s.bytes();
            let f = |i: usize| f64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
            (f(0), f(8))
        }
        other => panic!("{other:?}"),
    };
    for (name, expect) in [
        ("fx_swap_point", (-4.0, 1.5)),
        ("fx_scale_point", (3.0, -12.0)),
    ] {
        let arg = [Value::Struct(StructValue::borrowed(&pt, &bytes))];
        // SAFETY: as above.
        let r = unsafe { jit(name).call(&arg) }.expect(name);
        assert_eq!(point(&r), expect, "{name}");
        // A result fed back as an argument (inline bytes, not a borrowed pointer).
        // SAFETY: as above.
        let again = unsafe { jit(name).call(std::slice::from_ref(&r)) }.expect(name);
        let twice = if name == "fx_swap_point" {
            (1.5, -4.0)
        } else {
            (6.0, -36.0)
        };
        assert_eq!(point(&again), twice, "{name} twice");
    }

    // Function pointers of one type share one stub that takes the address.
    let before = ffi.jit_stats();
    for (name, expect) in [("fx_add_i32", 9), ("fx_sub_i32", 3), ("fx_mul_i32", 18)] {
        let addr = jit(name).address();
        // SAFETY: `addr` is the function `name`, of this type; the library stays loaded.
        let f = unsafe { ffi.function_at(addr, "int (*)(int, int)") }.expect("cast");
        // SAFETY: as above.
        let r = unsafe { f.call_with(Backend::Jit, &[Value::I32(6), Value::I32(3)]) };
        assert_eq!(
            r.expect(name),
            Value::I32(expect),
            "{name} through a pointer"
        );
    }
    let after = ffi.jit_stats();
    assert_eq!(after.compiled - before.compiled, 1, "{after:?}");
    assert_eq!(after.shared - before.shared, 2, "{after:?}");
}
