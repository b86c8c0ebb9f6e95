//! Unit tests of literal parsing, encoding and argument conversion.

use super::*;

fn int(value: i128, decimal: bool, unsigned: bool, long: u8) -> Literal {
    Literal::Int {
        value,
        decimal,
        unsigned,
        long,
    }
}

#[test]
fn numbers_in_every_c_form() {
    let cases: &[(&str, Literal)] = &[
        ("0", int(0, false, false, 0)),
        ("00", int(0, false, false, 0)),
        ("42", int(42, true, false, 0)),
        ("-42", int(-42, true, false, 0)),
        ("+7", int(7, true, false, 0)),
        ("0x1F", int(31, false, false, 0)),
        ("0777", int(511, false, false, 0)),
        ("0b101", int(5, false, false, 0)),
        ("10u", int(10, true, true, 0)),
        ("10UL", int(10, true, true, 1)),
        ("10llu", int(10, true, true, 2)),
        ("1'000'000", int(1_000_000, true, false, 0)),
        ("18446744073709551615u", int(u64::MAX.into(), true, true, 0)),
        ("'a'", Literal::Char(b'a')),
        ("'\\n'", Literal::Char(b'\n')),
        ("'\\x41'", Literal::Char(b'A')),
        ("'\\0'", Literal::Char(0)),
        ("'\\''", Literal::Char(b'\'')),
        ("NULL", Literal::Null),
        ("nullptr", Literal::Null),
        ("true", Literal::Bool(true)),
        ("FOO_BAR", Literal::Name("FOO_BAR".into())),
    ];
    for (text, expect) in cases {
        assert_eq!(
            &parse(text).unwrap_or_else(|e| panic!("{text}: {e}")),
            expect,
            "{text}"
        );
    }
    let float = |text: &str| match parse(text) {
        Ok(Literal::Float { value, float }) => (value, float),
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(float("2.5"), (2.5, false));
    assert_eq!(float("-1e-3f"), (-1e-3, true));
    assert_eq!(float(".5"), (0.5, false));
    assert_eq!(float("1."), (1.0, false));
    assert_eq!(float("0x1.8p3"), (12.0, false));
    assert_eq!(float("0x10p-4L"), (1.0, false));
    assert_eq!(float("1E+2"), (100.0, false));
    assert!(float("NAN").0.is_nan());
    assert_eq!(float("-INFINITY").0, f64::NEG_INFINITY);
}

#[test]
fn strings_initializers_and_casts() {
    assert_eq!(
        parse("\"a\\tb\" \"c\"").unwrap(),
        Literal::Str(b"a\tbc\0".to_vec())
    );
    assert_eq!(
        parse("\"\\u00e9\"").unwrap().as_str_bytes(),
        Some("é".as_bytes())
    );
    assert_eq!(
        parse("\"\\101\\x42\"").unwrap().as_str_bytes(),
        Some(&b"AB"[..])
    );
    let Literal::Init(items) = parse("{ 1, .y = {2, [3] = 4}, .a.b[1] = 'c', }").unwrap() else {
        panic!("not an initializer");
    };
    assert_eq!(items.len(), 3);
    assert!(items[0].designators.is_empty());
    assert_eq!(items[1].designators, [Designator::Field("y".into())]);
    assert_eq!(
        items[2].designators,
        [
            Designator::Field("a".into()),
            Designator::Field("b".into()),
            Designator::Index(1)
        ]
    );
    assert_eq!(parse("{}").unwrap(), Literal::Init(vec![]));
    assert_eq!(
        parse("(unsigned long) 5").unwrap(),
        Literal::Cast {
            ty: "unsigned long".into(),
            value: Box::new(int(5, true, false, 0)),
        }
    );
    assert!(matches!(
        parse("(int (*)(int))0x10").unwrap(),
        Literal::Cast { ty, .. } if ty == "int (*)(int)"
    ));
}

#[test]
fn malformed_literals_are_explained() {
    let cases = [
        ("", "col 1: expected a literal, found the end of the text"),
        ("0x", "col 1: a number needs digits"),
        (
            "12abc",
            "col 3: invalid suffix 'abc' on an integer constant",
        ),
        ("1.5x", "col 4: invalid suffix 'x' on a floating constant"),
        (
            "0x1.8",
            "col 6: hexadecimal floating constant requires an exponent ('p')",
        ),
        ("1e", "col 3: exponent has no digits"),
        (
            "999999999999999999999999999999999999999",
            "col 1: integer constant is too large for 128 bits (the widest integer read)",
        ),
        (
            "--170141183460469231731687303715884105728",
            "col 2: integer constant is too large for 128 bits",
        ),
        (
            "-340282366920938463463374607431768211455",
            "col 2: integer constant is too large for 128 bits",
        ),
        ("\"abc", "col 5: unterminated string literal"),
        (
            "'ab'",
            "col 3: expected ''' (multi-character constants are not supported)",
        ),
        ("''", "col 2: empty character constant"),
        ("'\\q'", "col 3: unknown escape sequence '\\q'"),
        ("\"\\x\"", "col 4: \\x used with no following hex digits"),
        ("{1 2}", "col 4: expected ',' or '}', found '2'"),
        ("{.x 1}", "col 5: expected '=' after the designator"),
        ("{[-1] = 2}", "col 3: expected a non-negative index"),
        (
            "(int 5",
            "col 7: unbalanced '(': expected ')' after the type name",
        ),
        (
            "() 5",
            "col 3: expected a type name between the parentheses",
        ),
        ("-\"s\"", "col 2: a sign applies to a number only"),
        ("1 2", "col 3: unexpected '2' after the literal"),
        ("@", "col 1: expected a literal, found '@'"),
    ];
    for (text, expect) in cases {
        assert_eq!(parse(text).unwrap_err().to_string(), expect, "{text:?}");
    }
}

fn cx_for(decls: &str) -> (crate::Ffi, std::sync::Arc<TypeTable>) {
    let ffi = crate::Ffi::new();
    ffi.cdef(decls).expect("cdef");
    let t = ffi.types();
    (ffi, t)
}

#[test]
fn values_that_do_not_fit_are_refused_with_the_member_and_both_sides() {
    let (ffi, t) = cx_for(
        "struct s { unsigned char u; int b : 3; char name[4]; struct { short x; } in; int *p; };\
         union v { int i; double d; };",
    );
    let cx = Types {
        table: &t,
        target: ffi.target(),
    };
    let s = ffi.type_of("struct s").expect("type").id();
    let u = ffi.type_of("union v").expect("type").id();
    let cases = [
        (
            s,
            "{256}",
            "struct s .u: 256 does not fit in 'unsigned char'",
        ),
        (s, "{-1}", "struct s .u: -1 does not fit in 'unsigned char'"),
        (s, "{.b = 4}", "struct s .b: 4 does not fit in 'int : 3'"),
        (
            s,
            "{.name = \"hello\"}",
            "struct s .name: a string of 5 bytes does not fit in 'char[4]'",
        ),
        (
            s,
            "{.name = {[4] = 1}}",
            "struct s .name: index 4 is out of bounds of 'char[4]'",
        ),
        (
            s,
            "{.in.x = 1.5}",
            "struct s .in.x: a floating constant where 'short' is expected",
        ),
        (s, "{.nope = 1}", "'struct s' has no member named 'nope'"),
        (
            s,
            "{1, 2, \"abc\", {3}, NULL, 6}",
            "excess elements in the initializer of 'struct s'",
        ),
        (
            s,
            "{.p = 12}",
            "struct s .p: an integer where 'int *' is expected (write a cast: (int *)0x1000)",
        ),
        (s, "5", "expected an initializer {…} for 'struct s'"),
        (
            u,
            "{1, 2}",
            "excess elements in the initializer of 'union v'",
        ),
        (
            s,
            "{.u = NOPE}",
            "struct s .u: 'NOPE' is not a declared enumerator or constant",
        ),
    ];
    for (ty, text, expect) in cases {
        let lit = parse(text).expect(text);
        assert_eq!(
            encode(cx, ty, &lit).unwrap_err().to_string(),
            expect,
            "{text}"
        );
    }
}

#[test]
fn variadic_arguments_take_the_type_c_gives_their_constant() {
    let (ffi, t) = cx_for("enum { SMALL = 3 };\n#define BIG 5000000000\n#define HALF 0.5\n");
    let cx = Types {
        table: &t,
        target: ffi.target(),
    };
    let cases: [(&str, Value<'_>); 12] = [
        ("1", Value::I32(1)),
        ("-2147483648", Value::I32(i32::MIN)),
        ("2147483648", Value::I64(2_147_483_648)),
        ("0x80000000", Value::U32(0x8000_0000)),
        ("5u", Value::U32(5)),
        ("5l", Value::I64(5)),
        ("0xffffffffffffffff", Value::U64(u64::MAX)),
        ("'a'", Value::I32(97)),
        ("2.5f", Value::F64(2.5)),
        ("SMALL", Value::I32(3)),
        ("BIG", Value::I64(5_000_000_000)),
        ("HALF", Value::F64(0.5)),
    ];
    for (text, expect) in cases {
        let lit = parse(text).expect(text);
        assert_eq!(promoted_argument(cx, &lit).expect(text), expect, "{text}");
    }
    let init = parse("{1}").unwrap();
    assert_eq!(
        promoted_argument(cx, &init).unwrap_err().to_string(),
        "an initializer in a variadic argument needs a cast: (struct name){…}"
    );
}
