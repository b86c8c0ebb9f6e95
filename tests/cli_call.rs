//! `jitffi call` end to end: the binary declares the fixture library's cdef, calls functions
//! with arguments written as C literals and prints the results as C and as JSON; the values
//! are what tests/c/fixture.c computes. Bad input exits non-zero with the message.

mod common;

use std::process::Command;

use common::fixture_lib;

const CDEF: &str = include_str!("../cdefs/fixture.h");

/// Runs `jitffi call [extra] --lib FIXTURE --cdef CDEF func args…`: (success, stdout, stderr).
fn call(extra: &[&str], func: &str, args: &[&str]) -> (bool, String, String) {
    let lib = fixture_lib();
    let out = Command::new(env!("CARGO_BIN_EXE_jitffi"))
        .arg("call")
        .args(extra)
        .arg("--lib")
        .arg(&lib)
        .args(["--cdef", CDEF, func])
        .args(args)
        .output()
        .expect("run jitffi");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim_end().to_string(),
        String::from_utf8_lossy(&out.stderr).trim_end().to_string(),
    )
}

/// The printed result of a successful call, with every backend (they must agree).
fn ok(json: bool, func: &str, args: &[&str]) -> String {
    let mut seen = Vec::new();
    for backend in ["auto", "jit", "libffi"] {
        let mut extra = vec!["--backend", backend];
        if json {
            extra.push("--json");
        }
        let (success, out, err) = call(&extra, func, args);
        assert!(success, "{func} {args:?} ({backend}) failed: {err}");
        seen.push(out);
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "{func}: backends disagree: {seen:?}"
    );
    seen.swap_remove(0)
}

fn fails(func: &str, args: &[&str]) -> String {
    let (success, out, err) = call(&[], func, args);
    assert!(!success, "{func} {args:?} succeeded: {out}");
    assert!(out.is_empty(), "{func}: printed {out}");
    err
}

#[test]
fn scalars_in_every_notation() {
    assert_eq!(ok(false, "fx_add_i32", &["2", "-3"]), "-1");
    assert_eq!(ok(true, "fx_add_i32", &["0x10", "010"]), "24");
    assert_eq!(
        ok(false, "fx_id_u64", &["18446744073709551615u"]),
        "18446744073709551615"
    );
    assert_eq!(ok(false, "fx_id_i8", &["-128"]), "-128");
    assert_eq!(ok(false, "fx_id_char", &["'a'"]), "97");
    assert_eq!(ok(false, "fx_id_bool", &["true"]), "true");
    assert_eq!(ok(true, "fx_id_bool", &["0"]), "false");
    assert_eq!(ok(false, "fx_id_f32", &["1.1f"]), "1.1");
    assert_eq!(ok(false, "fx_id_f64", &["0x1.8p3"]), "12.0");
    assert_eq!(ok(true, "fx_id_f64", &["-2.5e-3"]), "-0.0025");
    assert_eq!(ok(false, "fx_id_enum", &["FX_NEG"]), "-100");
    assert_eq!(ok(false, "fx_id_ptr", &["NULL"]), "NULL");
    assert_eq!(ok(true, "fx_id_ptr", &["(void *)0x1234"]), "\"0x1234\"");
    assert_eq!(ok(false, "fx_strlen", &["\"h\\u00e9llo\" \"!\""]), "7");
    // Text output shows a `char *` result as the string (read without trusting the pointer);
    // JSON keeps pointers as hex strings.
    assert_eq!(ok(false, "fx_name", &[]), "\"jitffi fixture\"");
    let (success, json, _) = call(&["--json"], "fx_name", &[]);
    assert!(success && json.starts_with("\"0x"), "{json}");
    assert_eq!(ok(false, "fx_nop", &[]), "");
    assert_eq!(ok(true, "fx_nop", &[]), "null");
}

#[test]
fn structs_unions_and_arrays_as_initializers_and_objects() {
    assert_eq!(ok(false, "fx_point_norm2", &["{3, 4}"]), "25.0");
    assert_eq!(
        ok(false, "fx_make_point", &["1.5", "2"]),
        "{.x = 1.5, .y = 2.0}"
    );
    assert_eq!(
        ok(true, "fx_make_point", &["1.5", "2"]),
        r#"{"x":1.5,"y":2.0}"#
    );
    assert_eq!(
        ok(true, "fx_echo_arr", &["{{1, 2, 3}, 'x'}"]),
        r#"{"a":[1,2,3],"c":120}"#
    );
    assert_eq!(
        ok(true, "fx_echo_nest", &["{.in = {1.5, 2.5}, .d = -1}"]),
        r#"{"in":{"a":1.5,"b":2.5},"d":-1.0}"#
    );
    assert_eq!(
        ok(false, "fx_echo_p10", &["{1, 2.5, .e = 3}"]),
        "{.c = 1, .d = 2.5, .e = 3}"
    );
    assert_eq!(
        ok(true, "fx_echo_u16", &["{.l = {1, 2}}"]),
        r#"{"d":5e-324,"l":[1,2]}"#
    );
    let s64 = ok(true, "fx_echo_s64", &["{{[63] = 255, [0] = 'A'}}"]);
    let v: serde_json::Value = serde_json::from_str(&s64).expect("JSON");
    let a = v["a"].as_array().expect("array");
    assert_eq!(
        (a.len(), a[0].as_u64(), a[63].as_u64(), a[1].as_u64()),
        (64, Some(65), Some(255), Some(0))
    );
}

#[test]
fn variadic_tails_take_casts_and_default_promotions() {
    assert_eq!(
        ok(
            false,
            "fx_sum_var_double",
            &["3", "1.5", "2.5f", "(double)3"]
        ),
        "15.5"
    );
    // i: int, u: unsigned, l: long, d: double, s: struct fx_s16dl; weighted by position.
    assert_eq!(
        ok(
            false,
            "fx_sum_var_mixed",
            &[
                "\"iulds\"",
                "'a'",
                "4000000000",
                "(long)-5",
                "0.25",
                "(struct fx_s16dl){1.5, 7}"
            ]
        ),
        (97 + 2 * 4_000_000_000i64 - 3 * 5 + 4 * 250 + 5 * 1507).to_string()
    );
}

#[test]
fn bad_input_exits_non_zero_with_the_reason() {
    assert_eq!(
        fails("fx_add_i32", &["1", "2", "3"]),
        "jitffi: fx_add_i32: expected 2 arguments, got 3"
    );
    assert_eq!(
        fails("fx_add_i32", &["1"]),
        "jitffi: fx_add_i32: expected 2 arguments, got 1"
    );
    assert_eq!(
        fails("fx_id_u8", &["256"]),
        "jitffi: fx_id_u8: argument 1: integer 256 does not fit in 'uint8_t'"
    );
    assert_eq!(
        fails("fx_add_i32", &["\"2\"", "1"]),
        "jitffi: fx_add_i32: argument 1 (\"2\"): a string where 'int' is expected"
    );
    assert_eq!(
        fails("fx_add_i32", &["2..5", "1"]),
        "jitffi: fx_add_i32: argument 1 (2..5): col 3: invalid character '.' in the number"
    );
    assert_eq!(
        fails("fx_echo_arr", &["{{1, 2, 3, 4}}"]),
        "jitffi: fx_echo_arr: argument 1 ({{1, 2, 3, 4}}): struct fx_arr .a: index 3 is out of bounds of 'int[3]'"
    );
    assert_eq!(
        fails("fx_sum_var_double", &["1", "{1}"]),
        "jitffi: fx_sum_var_double: argument 2 ({1}): an initializer in a variadic argument needs a cast: (struct name){…}"
    );
    assert!(
        fails("fx_missing", &[]).starts_with("jitffi: 'fx_missing' is not declared in any cdef")
    );
    let (success, _, err) = Command::new(env!("CARGO_BIN_EXE_jitffi"))
        .args([
            "call",
            "--lib",
            "jitffi_no_such_lib",
            "--cdef",
            "int f(void);",
            "f",
        ])
        .output()
        .map(|o| {
            (
                o.status.success(),
                (),
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .expect("run jitffi");
    assert!(!success);
    assert!(
        err.starts_with("jitffi: cannot load library 'jitffi_no_such_lib'; tried:"),
        "{err}"
    );
}

/// A `long double` cast in a variadic tail reaches C as one (it used to be passed as a double,
/// and printf read garbage), and a `long double` result prints exactly, as `%.21Lg` does.
#[test]
fn long_double_is_exact_and_stays_long_double_in_variadic_tails() {
    let run = |lib: &str, cdef: &str, args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_jitffi"))
            .args(["call", "--lib", lib, "--cdef", cdef])
            .args(args)
            .output()
            .expect("run jitffi");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    };
    let printf = "int printf(const char *, ...);";
    assert_eq!(
        run(
            "libc.so.6",
            printf,
            &[
                "printf",
                "\"%.1Lf|%La|%d\\n\"",
                "(long double)7",
                "(long double)-3",
                "5"
            ]
        ),
        "7.0|-0xcp-2|5\n14"
    );
    // nextafterl(1, 2) = 1 + LDBL_EPSILON: a double would print 1.
    let next = "long double nextafterl(long double, long double);";
    assert_eq!(
        run("libm.so.6", next, &["nextafterl", "1", "2"]),
        "1.00000000000000000011"
    );
    assert_eq!(
        run("libm.so.6", next, &["--json", "nextafterl", "1", "2"]),
        "\"1.00000000000000000011\""
    );
}

/// 128-bit arguments and results, through every backend (the JIT's trampoline passes them).
/// Literals beyond 64 bits are read for them (C has no such constants; gcc truncates them):
/// up to `u128::MAX` unsigned, down to `-2^127`; in a variadic tail such a constant is an
/// `__int128` (`unsigned __int128` above `i128::MAX`).
#[test]
fn int128_arguments_and_results() {
    assert_eq!(
        ok(
            false,
            "fx_id_i128",
            &["170141183460469231731687303715884105727"]
        ),
        i128::MAX.to_string()
    );
    assert_eq!(
        ok(
            false,
            "fx_id_i128",
            &["-170141183460469231731687303715884105728"]
        ),
        i128::MIN.to_string()
    );
    assert_eq!(
        ok(false, "fx_id_i128", &["-0x1'0000'0000'0000'0000"]),
        (-(1i128 << 64)).to_string()
    );
    assert_eq!(
        ok(
            false,
            "fx_mul_u128",
            &["0xffffffffffffffffffffffffffffffff", "1"]
        ),
        u128::MAX.to_string()
    );
    // A value above i128::MAX for a signed parameter, or any beyond 64 bits for a narrower
    // one, is refused naming the type.
    let err = fails("fx_id_i128", &["0x80000000000000000000000000000000"]);
    assert!(err.contains("does not fit in '__int128'"), "{err}");
    let err = fails("fx_add_i32", &["18446744073709551616", "1"]);
    assert!(err.contains("argument 1"), "{err}");
    let err = fails("fx_id_i128", &["340282366920938463463374607431768211456"]);
    assert!(err.contains("too large for 128 bits"), "{err}");
    // A variadic tail: 3 values folded as s = s * 3 + v by fx_sum_var_i128.
    let tail = [5i128, -(1 << 70), (1 << 100) + 7];
    let expect = tail
        .iter()
        .fold(0i128, |s, &v| s.wrapping_mul(3).wrapping_add(v));
    let args: Vec<String> = ["3".to_string()]
        .into_iter()
        .chain([
            "(__int128)5".to_string(),
            (-(1i128 << 70)).to_string(),
            ((1i128 << 100) + 7).to_string(),
        ])
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(ok(false, "fx_sum_var_i128", &args), expect.to_string());
    let (success, out, err) = call(
        &[],
        "fx_mul_u128",
        &["1099511627776", "18446744073709551615"],
    );
    assert!(success, "{err}");
    assert_eq!(out, ((1u128 << 40) * u128::from(u64::MAX)).to_string());
    let (success, out, err) = call(&[], "fx_id_i128", &["-9223372036854775808"]);
    assert!(success, "{err}");
    assert_eq!(out, i64::MIN.to_string());
    let (success, out, _) = call(&["--json"], "fx_mul_u128", &["4294967296", "4294967296"]);
    assert!(success);
    // Beyond 64 bits, JSON gets a string (a number that large loses digits in most parsers).
    assert_eq!(out, "\"18446744073709551616\"");
    let (success, _, err) = call(&[], "fx_mul_u128", &["-1", "1"]);
    assert!(!success);
    assert!(err.contains("negative"), "{err}");
}
