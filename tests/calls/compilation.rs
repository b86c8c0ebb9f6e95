//! Compilation of call stubs: concurrent calls and compilation, one stub per signature with
//! each function calling its own address.

use crate::common::fixture;
use jitffi::{Backend, StructValue, Value};

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
fn each_function_calls_its_own_address_through_shared_trampolines_and_copied_stubs() {
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
    // The three functions of one signature share its register trampoline (machine code
    // emitted without Cranelift, taking the function's address): nothing compiled.
    let after = ffi.jit_stats();
    assert_eq!(after.compiled - before.compiled, 0, "{after:?}");
    assert_eq!(after.trampolines - before.trampolines, 1, "{after:?}");

    // Struct arguments and results in registers: a trampoline too, one for the signature of
    // the two functions (two handles each here).
    let before = ffi.jit_stats();
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
    let after = ffi.jit_stats();
    assert_eq!(after.compiled - before.compiled, 0, "{after:?}");
    assert_eq!(after.trampolines - before.trampolines, 1, "{after:?}");

    // Forced to the Cranelift stub tier, a struct in memory (24 bytes, on the stack and
    // returned through the hidden pointer): Cranelift compiles the signature's stub once, the
    // other handles get patched copies.
    let before = ffi.jit_stats();
    let s24 = ffi.type_of("struct fx_s24").expect("type");
    let bytes: Vec<u8> = (0..24u8).collect();
    for _ in 0..3 {
        let arg = [Value::Struct(StructValue::borrowed(&s24, &bytes))];
        // SAFETY: as above.
        let r =
            unsafe { jit("fx_echo_s24").with_cranelift_stub().call(&arg) }.expect("fx_echo_s24");
        let Value::Struct(r) = r else { panic!("{r:?}") };
        assert_eq!(r.bytes(), &bytes[..]);
    }
    let after = ffi.jit_stats();
    assert_eq!(after.compiled - before.compiled, 1, "{after:?}");
    assert_eq!(after.copied - before.copied, 2, "{after:?}");

    // Function pointers take their signature's trampoline (the one made above), or forced to
    // the Cranelift tier, one stub of the signature that takes the address.
    let before = ffi.jit_stats();
    for (name, expect) in [("fx_add_i32", 9), ("fx_sub_i32", 3), ("fx_mul_i32", 18)] {
        let addr = jit(name).address();
        // SAFETY: `addr` is the function `name`, of this type; the library stays loaded.
        let f = unsafe { ffi.function_at(addr, "int (*)(int, int)") }.expect("cast");
        for f in [f.clone(), f.with_cranelift_stub()] {
            // SAFETY: as above.
            let r = unsafe { f.call_with(Backend::Jit, &[Value::I32(6), Value::I32(3)]) };
            assert_eq!(
                r.expect(name),
                Value::I32(expect),
                "{name} through a pointer"
            );
        }
    }
    let after = ffi.jit_stats();
    assert_eq!(after.trampolines - before.trampolines, 0, "{after:?}");
    assert_eq!(after.compiled - before.compiled, 1, "{after:?}");
    assert_eq!(after.shared - before.shared, 2, "{after:?}");
}

/// `Ffi::precompile`: every declared function made ready on a background thread; the handles
/// `Ffi::function` returns afterwards call without compiling anything.
#[test]
fn precompile_makes_first_calls_compile_nothing() {
    let (ffi, lib) = fixture();
    ffi.cdef("int jitffi_not_in_the_fixture(int);")
        .expect("cdef");
    let report = ffi.precompile(&lib).join();
    for name in [
        "fx_add_i32",
        "fx_norm2",
        "fx_echo_s24",
        "fx_sum_ints16",
        "fx_sum_var",
    ] {
        assert!(report.ready.iter().any(|n| n == name), "{name}: {report:?}");
    }
    // `long double` and `__int128` get trampolines too.
    for name in ["fx_id_ld", "fx_ld_pick", "fx_id_i128", "fx_i128_pick"] {
        assert!(report.ready.iter().any(|n| n == name), "{name}: {report:?}");
    }
    assert_eq!(report.missing.len(), 1, "{:?}", report.missing);
    assert_eq!(report.missing[0].0, "jitffi_not_in_the_fixture");
    assert!(
        report.missing[0].1.contains("jitffi_not_in_the_fixture"),
        "{:?}",
        report.missing
    );
    let before = ffi.jit_stats();
    for (name, args, expect) in [
        (
            "fx_add_i32",
            vec![Value::I32(2), Value::I32(3)],
            Value::I32(5),
        ),
        ("fx_id_f64", vec![Value::F64(0.5)], Value::F64(0.5)),
    ] {
        let f = ffi.function(&lib, name).expect(name);
        // SAFETY: the fixture declarations match tests/c/fixture.c.
        assert_eq!(unsafe { f.call(&args) }.expect(name), expect);
    }
    let s24 = ffi.type_of("struct fx_s24").expect("type");
    let bytes: Vec<u8> = (0..24u8).collect();
    let echo = ffi.function(&lib, "fx_echo_s24").expect("fx_echo_s24");
    // SAFETY: as above.
    let r = unsafe { echo.call(&[Value::Struct(StructValue::borrowed(&s24, &bytes))]) };
    assert!(matches!(r, Ok(Value::Struct(_))), "{r:?}");
    assert_eq!(
        ffi.jit_stats(),
        before,
        "nothing compiled or installed after precompile"
    );
}

/// Variadic tails of register arguments go through the promoted signature's register
/// trampoline (with `%al` set), made once per tail signature.
#[test]
fn variadic_tails_get_trampolines_per_promoted_signature() {
    let (ffi, lib) = fixture();
    let sum = ffi
        .function(&lib, "fx_sum_var_double")
        .expect("fx_sum_var_double");
    let before = ffi.jit_stats();
    for (tail, expect) in [
        (vec![Value::F64(1.0), Value::F64(2.0)], 5.0),
        (vec![Value::F64(4.0), Value::F64(0.5)], 5.0),
        (vec![Value::F64(1.0), Value::F64(1.0), Value::F64(1.0)], 6.0),
    ] {
        let mut args = vec![Value::I32(tail.len() as i32)];
        args.extend(tail);
        // SAFETY: the fixture declarations match tests/c/fixture.c; the tail is doubles.
        let r = unsafe { sum.call(&args) }.expect("call");
        assert_eq!(r, Value::F64(expect));
    }
    let after = ffi.jit_stats();
    assert_eq!(after.trampolines - before.trampolines, 2, "{after:?}");
    assert_eq!(after.compiled - before.compiled, 0, "{after:?}");
}
