//! Prepared calls (`Function::prepare`): argument slots set by typed setters, a stub that reads
//! them; every result checked against the fixture's C functions (identities, echoes, sums) and
//! against `Function::call` on the same arguments.

use jitffi::{CallErrorKind, StructValue, Value};

use crate::common::fixture;

#[test]
fn every_scalar_class_through_its_setter() {
    let (ffi, lib) = fixture();
    let f = |n: &str| ffi.function(&lib, n).expect(n);
    // SAFETY: the fixture's declarations match its definitions and the arguments are plain
    // values (every call in this block).
    unsafe {
        let mut c = f("fx_id_i8").prepare().expect("prepare");
        for v in [i8::MIN, -1, 0, 1, i8::MAX] {
            c.set_i8(0, v).expect("set");
            assert_eq!(c.call().expect("call"), Value::I8(v));
        }
        let mut c = f("fx_id_u8").prepare().expect("prepare");
        c.set_u8(0, 255).expect("set");
        assert_eq!(c.call().expect("call"), Value::U8(255));
        let mut c = f("fx_id_i16").prepare().expect("prepare");
        c.set_i16(0, i16::MIN).expect("set");
        assert_eq!(c.call().expect("call"), Value::I16(i16::MIN));
        let mut c = f("fx_id_u16").prepare().expect("prepare");
        c.set_u16(0, u16::MAX).expect("set");
        assert_eq!(c.call().expect("call"), Value::U16(u16::MAX));
        let mut c = f("fx_id_i32").prepare().expect("prepare");
        c.set_i32(0, i32::MIN).expect("set");
        assert_eq!(c.call().expect("call"), Value::I32(i32::MIN));
        let mut c = f("fx_id_u32").prepare().expect("prepare");
        c.set_u32(0, u32::MAX).expect("set");
        assert_eq!(c.call().expect("call"), Value::U32(u32::MAX));
        let mut c = f("fx_id_i64").prepare().expect("prepare");
        c.set_i64(0, i64::MIN).expect("set");
        assert_eq!(c.call().expect("call"), Value::I64(i64::MIN));
        let mut c = f("fx_id_u64").prepare().expect("prepare");
        c.set_u64(0, u64::MAX).expect("set");
        assert_eq!(c.call().expect("call"), Value::U64(u64::MAX));
        let mut c = f("fx_id_bool").prepare().expect("prepare");
        c.set_bool(0, true).expect("set");
        assert_eq!(c.call().expect("call"), Value::Bool(true));
        let mut c = f("fx_id_f32").prepare().expect("prepare");
        c.set_f32(0, -0.5).expect("set");
        assert_eq!(c.call().expect("call"), Value::F32(-0.5));
        let mut c = f("fx_id_f64").prepare().expect("prepare");
        c.set_f64(0, f64::MIN_POSITIVE).expect("set");
        assert_eq!(c.call().expect("call"), Value::F64(f64::MIN_POSITIVE));
        let mut c = f("fx_id_ptr").prepare().expect("prepare");
        let x = 7u8;
        c.set_ptr(0, (&raw const x).cast()).expect("set");
        assert_eq!(
            c.call().expect("call").as_ptr(),
            Some((&raw const x).cast_mut().cast())
        );
        // Narrow arguments are extended by the callee's rules: fx_widen_* return them widened.
        let mut c = f("fx_widen_i8").prepare().expect("prepare");
        c.set_i8(0, -2).expect("set");
        assert_eq!(c.call().expect("call"), Value::I64(-2));
        let mut c = f("fx_widen_u16").prepare().expect("prepare");
        c.set_u16(0, 0xfffe).expect("set");
        assert_eq!(c.call().expect("call"), Value::U64(0xfffe));
    }
}

#[test]
fn arguments_past_the_registers_and_mixed_classes() {
    let (ffi, lib) = fixture();
    let sum = ffi.function(&lib, "fx_sum_ints16").expect("fx_sum_ints16");
    let mix = ffi.function(&lib, "fx_mix16").expect("fx_mix16");
    let mut c = sum.prepare().expect("prepare");
    for i in 0..16 {
        c.set_i64(i, (i as i64 + 1) * 1000 - 7).expect("set");
    }
    let args: Vec<Value> = (0..16).map(|i| Value::I64((i + 1) * 1000 - 7)).collect();
    // SAFETY: as declared; plain values.
    unsafe { assert_eq!(c.call().expect("call"), sum.call(&args).expect("call")) };
    let mut c = mix.prepare().expect("prepare");
    let vals = [
        Value::I8(-1),
        Value::F64(2.5),
        Value::U16(3),
        Value::F32(4.5),
        Value::I32(-5),
        Value::F64(6.25),
        Value::I64(-7),
        Value::F32(8.5),
        Value::U8(9),
        Value::F64(10.5),
        Value::I16(-11),
        Value::F32(12.5),
        Value::U32(13),
        Value::F64(14.5),
        Value::U64(15),
        Value::F32(16.5),
    ];
    for (i, v) in vals.iter().enumerate() {
        c.set(i, v).expect("set");
    }
    // SAFETY: as declared; plain values.
    unsafe { assert_eq!(c.call().expect("call"), mix.call(&vals).expect("call")) };
}

#[test]
fn structs_of_every_class_by_value_and_as_results() {
    let (ffi, lib) = fixture();
    for name in [
        "s1", "s3", "s4f", "s8i", "s8f", "s8m", "s12i", "s12f", "s16l", "s16d", "s16dl", "s16ld",
        "s16f", "s24", "s32d", "s64", "arr", "nest", "p5", "p10", "u8", "u16",
    ] {
        let echo = ffi
            .function(&lib, &format!("fx_echo_{name}"))
            .expect("echo");
        let ty = ffi
            .type_of(&format!(
                "{} fx_{name}",
                if name.starts_with('u') {
                    "union"
                } else {
                    "struct"
                }
            ))
            .expect("type");
        let size = ty.size().expect("size") as usize;
        let bytes: Vec<u8> = (0..size).map(|i| (i * 37 + 11) as u8).collect();
        let mut c = echo.prepare().expect("prepare");
        c.set_struct(0, &bytes).expect("set");
        // SAFETY: as declared; the struct's bytes are the handle's copy.
        let r = unsafe { c.call() }.expect("call");
        let Value::Struct(s) = &r else {
            panic!("{name}: {r:?}")
        };
        // Unions return their first member's bytes at least; compare with Function::call.
        // SAFETY: as above.
        let direct = unsafe { echo.call(&[Value::Struct(StructValue::borrowed(&ty, &bytes))]) }
            .expect("call");
        assert_eq!(r, direct, "fx_echo_{name}");
        if !name.starts_with('u') {
            assert_eq!(s.bytes(), &bytes[..], "fx_echo_{name}");
        }
        // The bytes are the handle's copy: a later change of the source changes nothing.
        let mut source = bytes.clone();
        c.set_struct(0, &source).expect("set");
        source.iter_mut().for_each(|b| *b = !*b);
        assert_eq!(
            // SAFETY: as above.
            unsafe { c.call() }.expect("call"),
            direct,
            "fx_echo_{name}: a copy"
        );
        // Without a copy: the bytes where they are, read at the call.
        c.set_struct_ptr(0, source.as_ptr().cast()).expect("set");
        let flipped: Vec<u8> = source.clone();
        // SAFETY: as above; `source` holds `sizeof` bytes and outlives the call.
        let r = unsafe { c.call() }.expect("call");
        // SAFETY: as above.
        let want = unsafe { echo.call(&[Value::Struct(StructValue::borrowed(&ty, &flipped))]) }
            .expect("call");
        assert_eq!(r, want, "fx_echo_{name}: by pointer");
        // Exactly `sizeof` bytes.
        assert_eq!(
            c.set_struct(0, &source[..size - 1]).unwrap_err().kind(),
            &CallErrorKind::Argument {
                function: format!("fx_echo_{name}"),
                position: 1,
                message: format!("{} bytes for '{ty}' of {size} bytes", size - 1),
            }
        );
    }
}

#[test]
fn set_converts_and_refusals_name_the_function_the_argument_and_both_types() {
    let (ffi, lib) = fixture();
    let add = ffi.function(&lib, "fx_add_i32").expect("fx_add_i32");
    let mut c = add.prepare().expect("prepare");
    c.set(0, &Value::I64(40))
        .expect("an i64 that fits converts");
    assert_eq!(
        c.set(1, &Value::I64(1 << 40)).unwrap_err().to_string(),
        "fx_add_i32: argument 2: integer 1099511627776 does not fit in 'int'"
    );
    assert_eq!(
        c.set_f64(1, 2.0).unwrap_err().to_string(),
        "fx_add_i32: argument 2: set_f64 on a parameter of type 'int' (use set_i32, or set to convert)"
    );
    assert_eq!(
        c.set_i32(2, 1).unwrap_err().to_string(),
        "fx_add_i32: expected 2 arguments, got 3"
    );
    // SAFETY: nothing is called: argument 2 was never set.
    let e = unsafe { c.call() }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_add_i32: argument 2: never set ('int'); set every argument before the first call"
    );
    c.set_i32(1, 2).expect("set");
    // SAFETY: as declared.
    assert_eq!(unsafe { c.call() }.expect("call"), Value::I32(42));
    // Values persist: only what changes is set again.
    c.set_i32(1, -40).expect("set");
    // SAFETY: as declared.
    assert_eq!(unsafe { c.call() }.expect("call"), Value::I32(0));

    // Strings for `const char *`, borrowed for the handle's lifetime.
    ffi.cdef("size_t strlen(const char *);").expect("cdef");
    let strlen = ffi
        .function(&jitffi::Library::process(), "strlen")
        .expect("strlen");
    let s = c"twelve chars";
    let mut c = strlen.prepare().expect("prepare");
    c.set(0, &Value::str(s)).expect("set");
    // SAFETY: `s` is NUL-terminated and outlives the call.
    assert_eq!(unsafe { c.call() }.expect("call"), Value::U64(12));

    // What cannot be prepared says why.
    let var = ffi.function(&lib, "fx_sum_var").expect("fx_sum_var");
    assert!(matches!(
        var.prepare().unwrap_err().kind(),
        CallErrorKind::Unsupported { .. }
    ));
    // (A long double is prepared now: set from any value of it, returned exactly.)
    let ld = ffi.function(&lib, "fx_id_ld").expect("fx_id_ld");
    let mut p = ld.prepare().expect("long double");
    p.set(0, &Value::F64(0.1)).expect("converts");
    // SAFETY: the declaration matches.
    let r = unsafe { p.call() }.expect("call");
    assert_eq!(r, Value::F80(jitffi::F80::from_f64(0.1)));
    let forced = add.with_backend(jitffi::Backend::Libffi);
    assert!(forced.prepare().is_err());
}
