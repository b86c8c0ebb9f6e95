//! Structs of every class by value: echoed back byte for byte, and struct arguments between
//! scalars, in registers and on the stack.

use crate::common::{fixture, member_ranges, mix};
use crate::{BACKENDS, call};
use jitffi::{Backend, Ffi, StructValue, Value};

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

pub(crate) fn s16dl(ffi: &Ffi, a: f64, b: i64) -> Vec<u8> {
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

/// Structs aligned to 16 passed on the stack after one stack word: System V puts them on a
/// 16-byte boundary (8 bytes of padding), which the JIT's stubs and callback thunks reproduce
/// with a stack-only pad; C's weighted sums say every word arrived where it belongs.
#[test]
fn sixteen_aligned_structs_on_the_stack() {
    let (ffi, lib) = fixture();
    let words = |w: &[i64], size: usize| {
        let mut b: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
        b.resize(size, 0);
        b
    };
    let a16 = ffi.type_of("struct fx_a16").expect("type");
    let big = ffi.type_of("struct fx_a16big").expect("type");
    assert_eq!((a16.align().unwrap(), big.size().unwrap()), (16, 32));
    let regs = (1..=6).map(Value::I64);
    let v = words(&[800, 900], 16);
    let vb = words(&[800, 900, 1000], 32);
    for b in BACKENDS {
        let mut args: Vec<Value> = regs.clone().collect();
        args.extend([
            Value::I64(7),
            Value::Struct(StructValue::borrowed(&a16, &v)),
            Value::I64(10),
        ]);
        let expect = 1 + 4 + 9 + 16 + 25 + 36 + 49 + 11 * 800 + 13 * 900 + 170;
        assert_eq!(
            call(&ffi, &lib, "fx_a16_late", b, &args),
            Value::I64(expect),
            "{b:?}"
        );
        args[7] = Value::Struct(StructValue::borrowed(&big, &vb));
        assert_eq!(
            call(&ffi, &lib, "fx_a16big_late", b, &args),
            Value::I64(expect + 19 * 1000),
            "{b:?}"
        );
    }
    // C calling Rust with the same layout.
    for backend in BACKENDS {
        let cb = ffi
            .callbacks(
                "int64_t (*)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, \
                 struct fx_a16, int64_t)",
            )
            .expect("type")
            .backend(backend)
            .untyped(|a: &[Value<'_>]| {
                let Value::Struct(s) = &a[7] else {
                    return Value::I64(-1);
                };
                let w = |i: usize| i64::from_le_bytes(s.bytes()[i..i + 8].try_into().unwrap());
                let ints: i64 = (0..7)
                    .map(|i| a[i].as_i64().unwrap_or(0) * (i as i64 + 1))
                    .sum();
                Value::I64(ints + 11 * w(0) + 13 * w(8) + 17 * a[8].as_i64().unwrap_or(0))
            })
            .expect("callback");
        let r = call(&ffi, &lib, "fx_cb_a16", Backend::Auto, &[cb.value()]);
        assert_eq!(
            r,
            Value::I64(1 + 4 + 9 + 16 + 25 + 36 + 49 + 11 * 800 + 13 * 900 + 170)
        );
        assert_eq!(cb.errors(), 0, "{:?}", cb.last_error());
    }
}

/// A 16-byte struct whose second eightbyte is all padding travels in one register (System V's
/// NO_CLASS takes none), both ways: the plan once gave it two, and libffi's closures take two
/// for it unless told the struct is 8 bytes (its calls take one).
#[test]
fn a_padding_only_eightbyte_takes_no_register() {
    let (ffi, lib) = fixture();
    let t = ffi.type_of("struct fx_pad16").expect("type");
    assert_eq!(t.size().unwrap(), 16);
    let mut v = vec![0u8; 16];
    v[0] = 7;
    for b in BACKENDS {
        let r = call(
            &ffi,
            &lib,
            "fx_pad16",
            b,
            &[Value::Struct(StructValue::borrowed(&t, &v)), Value::I64(3)],
        );
        assert_eq!(r, Value::I64(73), "{b:?}");
        let cb = ffi
            .callbacks("int64_t (*)(struct fx_pad16, int64_t)")
            .expect("type")
            .backend(b)
            .untyped(|a: &[Value<'_>]| match &a[0] {
                Value::Struct(s) => {
                    Value::I64(i64::from(s.bytes()[0]) * 10 + a[1].as_i64().unwrap_or(-1000))
                }
                _ => Value::I64(-1),
            })
            .expect("callback");
        let r = call(&ffi, &lib, "fx_cb_pad16", Backend::Auto, &[cb.value()]);
        assert_eq!(r, Value::I64(73), "callback via {b:?}");
    }
}

/// A 16-aligned struct returned through the hidden pointer, which C stores with `movaps`: the
/// A 16-byte struct whose packed member record sits at an odd offset is MEMORY class (gcc
/// checks each scalar's offset from the start of the whole argument): through every path, the
/// C function must see it, and the arguments around it, as given. The plan put it in two
/// registers until the random corpus found it (`rs_t10` of seed 0xca195).
#[test]
fn a_packed_record_at_an_odd_offset_goes_in_memory() {
    let (ffi, lib) = fixture();
    let f = ffi.function(&lib, "fx_odd_sum").expect("declared");
    let ty = ffi.type_of("struct fx_odd").expect("type");
    assert_eq!(ty.size(), Ok(16));
    let mut bytes = [0u8; 16];
    bytes[0] = 2; // c
    bytes[1..3].copy_from_slice(&(-300i16).to_le_bytes()); // v.s
    bytes[3..5].copy_from_slice(&(21i16).to_le_bytes()); // v.t
    bytes[5..9].copy_from_slice(&70_000i32.to_le_bytes()); // v.i
    bytes[9] = 9; // pad[0]
    bytes[15] = 4; // pad[6]
    let expect = 100 + 3 * 2 + 5 * -300 + 7 * 70_000 + 11 * 9 + 13 * 4 - 17 + 19 * 21;
    let args = [
        Value::I64(100),
        Value::Struct(StructValue::borrowed(&ty, &bytes)),
        Value::I64(-1),
    ];
    for (what, h, b) in [
        ("trampoline", f.clone(), Backend::Jit),
        ("Cranelift stub", f.with_cranelift_stub(), Backend::Jit),
        ("libffi", f.clone(), Backend::Libffi),
    ] {
        // SAFETY: the fixture declarations match tests/c/fixture.c.
        let r = unsafe { h.call_with(b, &args) }.expect("call");
        assert_eq!(r, Value::I64(expect), "{what}");
    }
    let mut p = f.prepare().expect("prepare");
    for (i, v) in args.iter().enumerate() {
        p.set(i, v).expect("set");
    }
    // SAFETY: as above.
    let r = unsafe { p.call() }.expect("call");
    assert_eq!(r, Value::I64(expect), "prepared");
}

/// Structs aligned to 32 and 64 on the stack: each on a boundary of its alignment in the
/// argument area (gcc's placement), through the trampoline (no Cranelift, which refuses
/// them) and a prepared call; libffi refuses them (it misplaces them); C computes the results.
#[test]
fn structs_aligned_to_32_and_64_on_the_stack() {
    let (ffi, lib) = fixture();
    let a32 = ffi.type_of("struct fx_a32").expect("type");
    let a64 = ffi.type_of("struct fx_a64").expect("type");
    assert_eq!((a32.size(), a64.size()), (Ok(32), Ok(64)));
    let words = |w: &[i64], size: usize| {
        let mut b = vec![0u8; size];
        for (i, v) in w.iter().enumerate() {
            b[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        b
    };
    let (s32, s64) = (words(&[1000, -77], 32), words(&[123_456], 64));
    let late: Vec<Value<'_>> = (1..=7)
        .map(Value::I64)
        .chain([
            Value::Struct(StructValue::borrowed(&a32, &s32)),
            Value::I64(5),
        ])
        .collect();
    let late_expect = (1..=7).map(|i| i * i).sum::<i64>() + 11 * 1000 + 13 * -77 + 17 * 5;
    let sum = [
        Value::I64(-9),
        Value::Struct(StructValue::borrowed(&a64, &s64)),
        Value::Struct(StructValue::borrowed(&a32, &s32)),
        Value::I32(4),
    ];
    let sum_expect = -9 + 3 * 123_456 + 5 * 1000 + 7 * -77 + 11 * 4;
    for (name, args, expect) in [
        ("fx_a32_late", &late[..], late_expect),
        ("fx_a64_sum", &sum[..], sum_expect),
    ] {
        let f = ffi.function(&lib, name).expect("declared");
        let before = ffi.jit_stats();
        f.compile().expect("a trampoline");
        assert_eq!(
            ffi.jit_stats().compiled,
            before.compiled,
            "{name}: no Cranelift"
        );
        for b in [Backend::Auto, Backend::Jit] {
            // SAFETY: the fixture declarations match tests/c/fixture.c.
            let r = unsafe { f.call_with(b, args) }.expect("call");
            assert_eq!(r, Value::I64(expect), "{name} via {b:?}");
        }
        // libffi misplaces them (it aligns the address, not the offset: fx_a64_sum returned
        // 47): refused, saying why.
        // SAFETY: refused before any call.
        let e = unsafe { f.call_with(Backend::Libffi, args) }.unwrap_err();
        assert!(e.to_string().contains("wrong offset"), "{e}");
        let mut p = f.prepare().expect("prepare");
        for (i, v) in args.iter().enumerate() {
            p.set(i, v).expect("set");
        }
        // SAFETY: as above.
        let r = unsafe { p.call() }.expect("call");
        assert_eq!(r, Value::I64(expect), "{name} prepared");
    }
}

/// result buffer of every path must be 16-aligned (a misaligned one faults; found by the
/// random corpus, whose `rs_f1` returns such a struct).
#[test]
fn aligned_results_in_memory_get_aligned_buffers() {
    let (ffi, lib) = crate::common::fixture();
    let make = ffi
        .function(&lib, "fx_make_a16big")
        .expect("fx_make_a16big");
    let args = [Value::I64(1), Value::I64(-2), Value::I64(3)];
    let expect: Vec<u8> = [1i64, -2, 3].iter().flat_map(|v| v.to_le_bytes()).collect();
    let check = |what: &str, r: Value<'_>| match r {
        Value::Struct(s) => assert_eq!(&s.bytes()[..24], &expect[..], "{what}"),
        other => panic!("{what}: {other:?}"),
    };
    for _ in 0..3 {
        // SAFETY: the fixture declarations match tests/c/fixture.c (every call below).
        unsafe {
            check("trampoline", make.call(&args).expect("call"));
            check(
                "libffi",
                make.call_with(Backend::Libffi, &args).expect("call"),
            );
            check(
                "Cranelift stub",
                make.with_cranelift_stub().call(&args).expect("call"),
            );
            let mut p = make.prepare().expect("prepare");
            for (i, v) in args.iter().enumerate() {
                p.set(i, v).expect("set");
            }
            check("prepared", p.call().expect("call"));
        }
    }
}
