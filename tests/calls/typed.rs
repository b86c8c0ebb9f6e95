//! Typed call handles (`TypedFunction`) and their mismatch errors, and the errors of untyped
//! calls and symbol lookups.

use crate::BACKENDS;
use crate::common::fixture;
use jitffi::{StructValue, Value};

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
