//! C initializers encoded by `jitffi::literal` against the C compiler: each case is compiled
//! as `static TYPE v = INIT;` by `cc`, whose bytes are the oracle; the decoded value, printed
//! as C, must read back to the same bytes.

mod common;

use jitffi::Ffi;
use jitffi::literal::{self, Types};

/// (declarations, type, initializer)
const CASES: &[(&str, &str, &str)] = &[
    (
        "struct a { char c; int i; short s; double d; };",
        "struct a",
        "{'x', -5, 300, 2.5}",
    ),
    (
        "struct a { char c; int i; short s; double d; };",
        "struct a",
        "{.d = 1e-3, .c = 65}",
    ),
    (
        "struct a { char c; int i; short s; double d; };",
        "struct a",
        "{.i = 9, -1, 7}",
    ),
    (
        "struct b { unsigned a:3; int b:5; unsigned :2; _Bool f:1; long long big:40; };",
        "struct b",
        "{5, -7, 1, -123456789}",
    ),
    (
        "struct b { unsigned a:3; int b:5; unsigned :2; _Bool f:1; long long big:40; };",
        "struct b",
        "{.big = 549755813887, .a = 7, .b = -16}",
    ),
    (
        "struct c { int v[4]; char name[8]; double m[2][2]; };",
        "struct c",
        "{{1, 2, 3}, \"hi\", {{1.5, 2.5}, {3.5}}}",
    ),
    (
        "struct c { int v[4]; char name[8]; double m[2][2]; };",
        "struct c",
        "{.v[2] = 9, .name = \"abcdefgh\", .m[1][1] = -0.0}",
    ),
    (
        "struct c { int v[4]; char name[8]; double m[2][2]; };",
        "struct c",
        "{.v = {[3] = 4, [1] = 2}}",
    ),
    (
        "union u { int i; float f; unsigned char b[8]; };",
        "union u",
        "{42}",
    ),
    (
        "union u { int i; float f; unsigned char b[8]; };",
        "union u",
        "{.f = 1.5f}",
    ),
    (
        "union u { int i; float f; unsigned char b[8]; };",
        "union u",
        "{.b = {1, 2, 3, 4, 5, 6, 7, 255}}",
    ),
    (
        "struct n { int kind; union { int i; double d; }; struct { short x, y; } pt; };",
        "struct n",
        "{1, {.d = 2.5}, {3, 4}}",
    ),
    (
        "struct n { int kind; union { int i; double d; }; struct { short x, y; } pt; };",
        "struct n",
        "{.kind = 2, .d = 0.5, .pt.y = 7}",
    ),
    (
        "enum color { RED, GREEN = 5, BLUE }; struct e { enum color c; unsigned char u; signed char s; };",
        "struct e",
        "{BLUE, 255, -128}",
    ),
    (
        "struct __attribute__((packed)) p { char c; int i; long long l; };",
        "struct p",
        "{1, 0x12345678, -1}",
    ),
    (
        "struct f { float f; double d; long double ld; };",
        "struct f",
        "{1.1f, 0x1.8p3, 2.5}",
    ),
    (
        "struct f { float f; double d; long double ld; };",
        "struct f",
        "{-0.0f, 1e308, -1e-300}",
    ),
    (
        "struct q { void *p; const char *s; int (*fn)(int); };",
        "struct q",
        "{(void *)0x1234, 0, NULL}",
    ),
    (
        "struct s { _Bool flags[3]; unsigned long long big; long neg; };",
        "struct s",
        "{{1, 0, true}, 18446744073709551615u, -9223372036854775807L}",
    ),
    (
        "struct t { unsigned short us; char c; };",
        "struct t",
        "{0xffff, '\\n'}",
    ),
    (
        "struct t { unsigned short us; char c; };",
        "struct t",
        "{0177777, '\\xff'}",
    ),
    (
        "typedef struct { int x, y; } pt_t; struct line { pt_t a, b; };",
        "struct line",
        "{{1, 2}, .b.y = 4}",
    ),
    ("struct m { char s[3]; };", "struct m", "{\"ab\"}"),
    ("struct m { char s[3]; };", "struct m", "{\"abc\"}"),
];

fn c_bytes(decls: &str, ty: &str, init: &str) -> Vec<u8> {
    let src = format!(
        "#include <stdio.h>\n#include <stdbool.h>\n#include <stddef.h>\n{decls}\nstatic {ty} v = {init};\n\
         int main(void) {{ for (size_t i = 0; i < sizeof v; i++) printf(\"%02x\", ((unsigned char *)&v)[i]); return 0; }}\n"
    );
    let hex = common::run_c(&src, "literal");
    (0..hex.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex.trim()[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn initializers_encode_as_the_c_compiler_lays_them_out() {
    for &(decls, ty, init) in CASES {
        let expect = c_bytes(decls, ty, init);
        let ffi = Ffi::new();
        ffi.cdef(decls).unwrap_or_else(|e| panic!("{decls}: {e}"));
        let t = ffi.type_of(ty).expect("type");
        let types = Types {
            table: t.table(),
            target: ffi.target(),
        };
        let lit = literal::parse(init).unwrap_or_else(|e| panic!("{init}: {e}"));
        let got =
            literal::encode(types, t.id(), &lit).unwrap_or_else(|e| panic!("{ty} = {init}: {e}"));
        // long double has 6 bytes of padding that gcc leaves as it likes in statics: compare
        // the 10 significant bytes only.
        let mask = |b: &[u8]| -> Vec<u8> {
            if ty == "struct f" {
                b.iter()
                    .enumerate()
                    .filter(|(i, _)| *i < 26)
                    .map(|(_, x)| *x)
                    .collect()
            } else {
                b.to_vec()
            }
        };
        assert_eq!(mask(&got), mask(&expect), "{decls}\n{ty} v = {init};");

        // Decoded and printed as C, the value reads back to the same bytes.
        let shown = literal::decode(types, t.id(), &got).expect("decode");
        let again = literal::parse(&shown.to_string()).unwrap_or_else(|e| panic!("{shown}: {e}"));
        let bytes =
            literal::encode(types, t.id(), &again).unwrap_or_else(|e| panic!("{shown}: {e}"));
        assert_eq!(
            mask(&bytes),
            mask(&got),
            "{ty} = {init}: printed as {shown}"
        );
        // And as JSON it is an object of its members.
        assert!(shown.to_json().is_object(), "{shown}");
    }
}
