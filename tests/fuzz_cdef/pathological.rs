//! The `pathological` suite: deep nesting, long operator and declarator chains, huge sizes,
//! extreme constants, recursive macros, unterminated text, odd characters, huge inputs.

use std::fmt::Write as _;

use crate::cases::{Case, Step, case, cdef, type_of};
use crate::corpus::{SNIPPETS, cdefs_files};
use jitffi::CdefOptions;

pub(crate) fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// Unterminated and stray constructs.
#[rustfmt::skip]
const STRAY: &[&str] = &[
    "", " ", "\n", ";", "/*", "/* abc", "*/", "\"abc", "'a", "'", "\"", "L\"", "u8\"", "'\\",
    "\"\\", "/", "\\", "#", "# 1", "# 1 \"", "#line", "#line 0", "#line 0 \"x\"\nint x y;",
    "#if 1\nint x;", "#if 0\nint x;", "#if", "#else\n#else\n", "#endif", "#endif\n#endif",
    "struct s {", "struct s { int x;", "int f(", "int f(int", "#define", "#define A(",
    "#define 1 2", "#pragma pack(", "__attribute__((", "_Alignas(", "_Static_assert(",
    "_Static_assert(0, \"fails\");", "_Static_assert(1/0, \"x\");", "enum {", "typedef", "typedef;",
    "struct;", "union { int x; };", "enum e;", "int;", "int int;", "int x = ;", "int x = 1",
    "int a[", "int a[1", "int a[];", "void v;", "void f(void, int);", "int f(...);",
    "int f() { return 0; }", "static inline int g(void) { return 1; }", "int x; }",
    "struct s { struct s inner; };", "struct s { int x; int x; };",
    "struct s { int x; };\nstruct s { long x; };", "enum e { A };\nenum e { B };",
    "int f(int);\nint f(long);", "typedef int t;\ntypedef long t;", "#include <stdio.h>",
    "#error boom", "#nonsense", "#define X 1\n#define X 2", "#undef", "#ifdef", "#ifndef\n#endif",
    "`", "@", "$x", "int $x;", "int x@;", "int x;\r\nint y z;\r\n", "\r", "\r\r\r int x y;",
    "int x;\u{b}\u{c}int y z;",
];

pub(crate) fn pathological_cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    let mut add = |name: &str, text: String| v.push(case(name, vec![cdef(text)]));

    // Deep nesting, at and beyond MAX_NESTING.
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        add(&format!("open {open} x5000"), rep(open, 5000));
        add(
            &format!("balanced {open}{close} x5000"),
            format!("{}{}", rep(open, 5000), rep(close, 5000)),
        );
    }
    add("mixed openers x6000", rep("([{", 2000));
    for n in [255, 256, 3000] {
        add(
            &format!("array size in {n} parens"),
            format!("int a[{}1{}];", rep("(", n), rep(")", n)),
        );
    }
    add(
        "254 nested parenthesized declarator",
        format!("int {}x{};", rep("(", 254), rep(")", 254)),
    );
    add("250 nested struct definitions", {
        let mut s = String::new();
        for i in 0..250 {
            let _ = write!(s, "struct s{i} {{ int f{i}; ");
        }
        for i in (0..250).rev() {
            let _ = write!(s, "}} m{i}; ");
        }
        s.push(';');
        s.replace("} m0; ;", "};")
    });
    add(
        "120 nested function pointer declarators",
        format!("int {}f{};", rep("(*", 120), rep(")(int)", 120)),
    );
    add(
        "parameter lists nested 120 deep",
        format!("void f({}int{});", rep("void (*)(", 120), rep(")", 120)),
    );
    add("unbalanced closers", rep(")]}", 5000));

    // Long operator runs, at and beyond MAX_OPERATOR_RUN.
    for op in ["-", "!", "~", "+", "&", "*"] {
        add(
            &format!("{op} x1000 in array size"),
            format!("int a[{}1];", rep(op, 1000)),
        );
        add(
            &format!("{op} x1001 in array size"),
            format!("int a[{}1];", rep(op, 1001)),
        );
    }
    add("- - spaced x1000", format!("int a[{}1];", rep("- ", 1000)));
    add("999 pointer declarator", format!("int {}p;", rep("*", 999)));
    add(
        "1001 pointer declarator",
        format!("int {}p;", rep("*", 1001)),
    );

    // Chains the nesting check does not count (depth returns to 0 or no brackets at all).
    let n = 5000;
    add("sizeof chain", format!("int a[{}1];", rep("sizeof ", n)));
    add(
        "_Alignof chain",
        format!("int a[{}int{}];", rep("_Alignof(", 200), rep(")", 200)),
    );
    add("cast chain", format!("int a[{}1];", rep("(int)", n)));
    add(
        "cast chain to pointer",
        format!("int a[{}0];", rep("(char*)", n)),
    );
    add(
        "pointer-const declarator chain",
        format!("int {}p;", rep("* const ", n)),
    );
    add(
        "array declarator chain",
        format!("int a{};", rep("[1]", 3000)),
    );
    add("binary + chain", format!("int a[{}1];", rep("1+", n)));
    add(
        "binary + chain 50k",
        format!("int a[{}1];", rep("1+", 50_000)),
    );
    add("binary * chain", format!("int a[{}1];", rep("1*", n)));
    add("conditional chain", format!("int a[{}1];", rep("1?1:", n)));
    add("comma chain", format!("int a[{}1];", rep("1,", n)));
    add("postfix index chain", format!("int a[x{}];", rep("[0]", n)));
    add("call chain", format!("int a[f{}];", rep("()", n)));
    add("member chain", format!("int a[x{}];", rep(".y", n)));
    add(
        "__extension__ chain",
        format!("{}int x;", rep("__extension__ ", n)),
    );
    add("const chain", format!("{}int x;", rep("const ", n)));
    add(
        "attribute chain",
        format!("int x{};", rep(" __attribute__((aligned(8)))", 5000)),
    );
    add("initializer chain", format!("int x = {}1;", rep("1+", n)));
    add(
        "enum value chain",
        format!("enum {{ E = {}1 }};", rep("1+", n)),
    );
    add("enumerator reference chain", {
        let mut s = "enum { E0 = 1".to_string();
        for i in 1..5000 {
            let _ = write!(s, ", E{i} = E{} + 1", i - 1);
        }
        s + " };"
    });
    add(
        "typeof chain",
        format!("{}int{} x;", rep("__typeof__(", 250), rep(")", 250)),
    );
    add(
        "static assert chain",
        format!("_Static_assert({}1, \"x\");", rep("1&&", n)),
    );

    // Preprocessor expressions: directive lines are not seen by the nesting check.
    add(
        "#if 100000 parens",
        format!("#if {}1{}\n#endif\n", rep("(", 100_000), rep(")", 100_000)),
    );
    add(
        "#if + chain 200k",
        format!("#if {}1\n#endif\n", rep("1+", 200_000)),
    );
    add(
        "#if - run 200k",
        format!("#if {}1\n#endif\n", rep("-", 200_000)),
    );
    add(
        "#if ! run 200k",
        format!("#if {}1\n#endif\n", rep("!", 200_000)),
    );
    add(
        "#if ?: chain",
        format!("#if {}1\n#endif\n", rep("1?1:", 100_000)),
    );
    add(
        "#define + chain 20k",
        format!("#define BIG {}1\nint a[BIG];", rep("1+", 20_000)),
    );
    add(
        "#define 100000 parens",
        format!(
            "#define BIG {}1{}\nint a[BIG];",
            rep("(", 100_000),
            rep(")", 100_000)
        ),
    );
    add(
        "#define - run",
        format!("#define BIG {}1\n", rep("-", 200_000)),
    );
    add(
        "#if nested 300 deep",
        format!("{}int x;\n{}", rep("#if 1\n", 300), rep("#endif\n", 300)),
    );
    add(
        "#if continuation lines",
        format!("#if 1 \\\n{}\n#endif\n", rep("+ 1 \\\n", 20_000)),
    );
    add("macro chain 1000", {
        let mut s = "#define M0 1\n".to_string();
        for i in 1..1000 {
            let _ = writeln!(s, "#define M{i} M{}", i - 1);
        }
        s + "int a[M999];"
    });
    add(
        "macro diamond 8",
        macro_diamond(8) + "int a[D8];\n#if D8\n#endif\n",
    );

    // Recursive macros.
    add(
        "#define A B / B A",
        "#define A B\n#define B A\nint a[A];".into(),
    );
    add("#define A A", "#define A A\nenum { E = A };".into());
    add(
        "recursive in #if",
        "#define A B + 1\n#define B A + 1\n#if A\n#endif\n".into(),
    );
    add(
        "recursive 3-cycle",
        "#define A (C)\n#define B (A)\n#define C (B)\nint a[C];".into(),
    );
    add("recursive empty", "#define A\n#if A\n#endif\n".into());
    add(
        "#define function-like",
        "#define F(x) x\nint a[F(1)];".into(),
    );

    // Huge sizes.
    for s in [
        "char a[281474976710656];",
        "char a[281474976710657];",
        "char a[0xffffffffffffffff];",
        "char a[99999999999999999999999999999999999999999];",
        "char a[-1];",
        "char a[0];",
        "char a[1ULL << 47][1ULL << 47];",
        "long double a[1ULL << 44][1 << 30];",
        "struct huge { char a[1ULL << 47]; char b[1ULL << 47]; char c[1ULL << 47]; };",
        "struct huge { char a[1ULL << 48][1ULL << 48]; };",
        "typedef char big_t[1ULL << 47];\nstruct s2 { big_t a[1ULL << 47]; };\nenum { Z = sizeof(struct s2) };",
        "typedef char big_t[1ULL << 47];\nunion u2 { big_t a[1 << 20]; };\n_Static_assert(sizeof(union u2) > 0, \"x\");",
        "struct fl { int n; char d[]; };\nstruct fl arr[1ULL << 47];",
        "enum { S = sizeof(char[1ULL << 47][1ULL << 47]) };",
        "char a[sizeof(char[1ULL<<40][1ULL<<40])];",
        "int x : 1;",
        "struct b { int x : 33; };",
        "struct b { int x : -1; };",
        "struct b { int x : 0x100000000000; };",
        "struct b { unsigned long long x : 65; };",
        "struct b { int : 0x7fffffffffffffff; };",
        "struct b { _Bool x : 2; };",
        "struct b { int x : 0; };",
        "struct b { float x : 3; };",
        "struct b { struct { int y; } x : 3; };",
    ] {
        add(&format!("sizes: {s}"), s.into());
    }

    // Integer and float extremes in constants.
    for s in [
        "enum { A = 0x7fffffffffffffff, B };",
        "enum { A = 0xffffffffffffffff, B };",
        "enum { A = 18446744073709551615ULL, B };",
        "enum { A = -9223372036854775807 - 1, B = A - 1 };",
        "enum { A = 340282366920938463463374607431768211455 };",
        "enum { A = 0xffffffffffffffffffffffffffffffff };",
        "enum { A = 1 << 63 };",
        "enum { A = 1ULL << 64 };",
        "enum { A = 1 << -1 };",
        "enum { A = -1 >> 64 };",
        "enum { A = 1 << 0x7fffffffffffffff };",
        "enum { A = (-9223372036854775807LL - 1) / -1 };",
        "enum { A = (-9223372036854775807LL - 1) % -1 };",
        "enum { A = 1 / 0 };",
        "enum { A = 1 % 0 };",
        "enum { A = (int)(1.0 / 0) };",
        "enum { A = (int)(0.0 / 0.0) };",
        "enum { A = (int)1e300 };",
        "enum { A = (long long)-1e300 };",
        "enum { A = (unsigned long long)1e20 };",
        "enum { A = (unsigned __int128)-1 };",
        "enum { A = (__int128)1 << 127 };",
        "enum { A = -(__int128)1 << 127 };",
        "enum { A = 1e99999 };",
        "enum { A = 0x1p99999 };",
        "enum { A = 0x.p1 };",
        "enum { A = 08 };",
        "enum { A = 1u + -1ll };",
        "enum { A = 'abcdefghijklmnopq' };",
        "enum { A = '\\xfffffffffffffffffffff' };",
        "enum { A = '\\777777' };",
        "enum { A = u8'a' + U'b' + L'c' + u'd' };",
        "enum { A = '' };",
        "enum { A = sizeof(\"abc\" \"\\x\") };",
        "#define F (1.0/0.0)\n#define N (0.0/0.0)\n#define S \"\\xfffff\"",
        "#if 18446744073709551616\n#endif",
        "#if 1 / 0\n#endif",
        "#if (-9223372036854775807 - 1) / -1\n#endif",
        "#if 1 << 99999\n#endif",
        "#if 1.5\n#endif",
        "#if \"s\"\n#endif",
        "#if defined\n#endif",
        "#if defined(\n#endif",
        "#if sizeof(int)\n#endif",
        "#if (int)1\n#endif",
        "#if\n#endif",
        "#elif\n",
        "#if 1\n#elif 1 / 0\n#endif",
    ] {
        add(&format!("consts: {s}"), s.into());
    }

    // Alignment and packing.
    for s in [
        "struct s { _Alignas(0) int x; };",
        "struct s { _Alignas(3) int x; };",
        "struct s { _Alignas(1ULL << 62) char x; };",
        "struct s { _Alignas(-1) char x; };",
        "struct s { _Alignas(struct nope) char x; };",
        "struct s { _Alignas(void) char x; };",
        "struct s { _Alignas( char x; };",
        "struct s { int x; } __attribute__((aligned(1ULL << 62)));",
        "struct s { int x; } __attribute__((aligned(0x8000000000000000)));",
        "struct s { int x; } __attribute__((aligned(-1)));",
        "struct s { int x; } __attribute__((aligned(0)));",
        "struct s { int x; } __attribute__((aligned(3)));",
        "struct s { int x; } __attribute__((aligned));",
        "struct s { int x; } __attribute__((aligned(1, 2)));",
        "struct __attribute__((aligned(1ULL << 40))) s { char c; };\nstruct t { struct s a[1ULL << 30]; };",
        "struct __attribute__((aligned(((((((((((((((((16)))))))))))))))))) s { char c; };",
        "typedef int a_t __attribute__((aligned(1ULL << 40)));\nstruct s { char c; a_t x; };",
        "typedef char v_t __attribute__((vector_size(1ULL << 62)));",
        "typedef char v_t __attribute__((vector_size(0)));",
        "typedef char v_t __attribute__((vector_size(3)));",
        "typedef int m_t __attribute__((mode(XX)));",
        "typedef int m_t __attribute__((mode()));",
        "typedef float m_t __attribute__((mode(DI)));",
        "struct s { int x; } __attribute__((packed(1)));",
        "#pragma pack(push, 99999999999999999999999)\n",
        "#pragma pack(pop)\n",
        "#pragma pack(push,)\n",
        "#pragma pack(,)\n",
        "#pragma pack(push, a, b, c)\n",
        "#pragma pack(push, -1)\n",
        "#pragma pack(3)\n",
        "#pragma pack\n",
        "#pragma pack(\n",
        "#pragma pack())\n",
        "#pragma pack(push, 1)\nstruct unclosed { char c; int x; };",
    ] {
        add(&format!("align: {s}"), s.into());
    }

    // Unterminated and stray constructs.
    for s in STRAY {
        add(&format!("stray: {s:?}"), (*s).into());
    }

    // Linemarkers and line numbers.
    for s in [
        "# 0 \"x\"\nint x y;",
        "# 0 \"x\"\n\n\nint x y;",
        "# 4294967295 \"x\"\n\nint x y;",
        "# 4294967296 \"x\"\nint x y;",
        "# 99999999999999999999 \"x\"\nint x y;",
        "# 1 \"\"\nint x y;",
        "# 1 \"a\\\"b\"\nint x y;",
        "# 1 x\nint x y;",
        "# 1 \"x\" 1 2 3 4\nint x y;",
        "# 1 \"x\" ((((((((\nint x y;",
        "#line 5 \"y\"\nint x y;",
        "int a;\n# 3 \"z\"\n#if 0\n# 9 \"w\"\n#endif\nint x y;",
    ] {
        add(&format!("linemarker: {s:?}"), s.into());
    }
    add(
        "long linemarker file name",
        format!("# 1 \"{}\"\nint x y;", rep("a", 100_000)),
    );

    // NUL bytes and odd characters.
    for s in [
        "\0",
        "int\0x;",
        "int x;\0",
        "#define A\0 1",
        "#if \0\n#endif",
        "struct s { int a\0; };",
        "\"\0\"",
        "/*\0*/",
        "'\0'",
        "int a[\"\0\"];",
        "int é;",
        "\u{FEFF}int x;",
        "int x; /* é */ int y z;",
        "int a[\"é\"];",
        "é",
        "int x\u{301} y;",
        "\u{1F600}\u{1F600} int x y;",
        "int x; \u{2028} int y z;",
        "struct é { int ü; };",
        "#define É 1",
        "#if É\n#endif",
        "enum { A = 'é' };",
        "enum { A = L'\u{1F600}' };",
        "int a['(((('];",
        "int a[\"((((\"];",
        "int a[1]; // ((((((((((((\nint b y;",
        "int a[1]; /* ]]]] */ int b y;",
    ] {
        add(&format!("chars: {s:?}"), s.into());
    }

    // Sizes of the input itself.
    add(
        "very long identifier",
        format!("int {};", rep("a", 1_000_000)),
    );
    add(
        "very long unknown type name",
        format!("{} x;", rep("t", 200_000)),
    );
    add(
        "very long string",
        format!("#define S \"{}\"", rep("x", 1_000_000)),
    );
    add("very long number", format!("int a[{}];", rep("9", 100_000)));
    add(
        "very long comment",
        format!("/*{}*/ int x;", rep("*", 1_000_000)),
    );
    add(
        "very long line of spaces",
        format!("int{}x;", rep(" ", 1_000_000)),
    );
    add("many lines", format!("{}int x y;", rep("\n", 500_000)));
    add(
        "many functions",
        (0..10_000)
            .map(|i| format!("int f{i}(int, char *);\n"))
            .collect(),
    );
    add(
        "many fields",
        format!(
            "struct many {{ {} }};",
            (0..5000).map(|i| format!("int f{i};")).collect::<String>()
        ),
    );
    add(
        "many enumerators",
        format!(
            "enum {{ {} }};",
            (0..5000).map(|i| format!("E{i},")).collect::<String>()
        ),
    );
    add(
        "many parameters",
        format!("void f({}int);", rep("int, ", 5000)),
    );
    add(
        "many macros",
        (0..5000).map(|i| format!("#define MAC{i} {i}\n")).collect(),
    );
    add("many syntax errors", rep("int x y;\n", 200));
    add(
        "many syntax errors in a long text",
        format!("{}{}", rep("int ok_decl;\n", 2000), rep("int @;\n", 100)),
    );
    add(
        "many semantic errors",
        rep("struct s { int x; };\nstruct s { long x; };\n", 300),
    );
    add("cdef text over the limit", rep(" ", (64 << 20) + 1));

    // Multi-step cases: declare, then use.
    v.push(case(
        "long typedef name then use",
        vec![
            cdef(format!("typedef int {};", rep("T", 100_000))),
            cdef(format!("{} x;", rep("T", 100_000))),
        ],
    ));
    v.push(case(
        "5000 typedefs then more cdefs",
        vec![
            cdef(
                (0..5000)
                    .map(|i| format!("typedef int td{i};\n"))
                    .collect::<String>(),
            ),
            cdef("td4999 x; int y z;"),
            type_of("td17 *"),
        ],
    ));
    for name in [
        "__int128",
        "__jfu128",
        "__builtin_va_list",
        "__jitffi_type_of",
        "int8_t",
        "FILE",
    ] {
        v.push(case(
            format!("typedef named {name}"),
            vec![
                cdef(format!("typedef long {name};")),
                cdef(format!("{name} v; int x y;")),
                type_of(format!("{name} *")),
            ],
        ));
    }
    v.push(case(
        "macro defined then used in later #if",
        vec![
            cdef("#define LATER 3"),
            cdef("#if LATER == 3\nint later_ok;\n#endif"),
            cdef("#undef LATER\n#if LATER\n#endif"),
        ],
    ));
    v.push(case(
        "enum constant then redefined",
        vec![
            cdef("enum { K = 1 };"),
            cdef("#define K 2"),
            cdef("enum { K = 3 };"),
        ],
    ));
    v.push(case(
        "pack option",
        vec![Step {
            opts: Some(CdefOptions {
                allow_redefinition: true,
                pack: Some(1),
            }),
            ..cdef("#pragma pack(pop)\nstruct p { char c; int i; };\nstruct p { char c; int i; };")
        }],
    ));

    // type_of.
    for s in [
        "",
        " ",
        "int;",
        "{",
        "}",
        "{}",
        "struct {}",
        "enum { A }",
        "enum { TO_A = 1 << 70 }",
        "int)",
        "int) x; extern __typeof__(int",
        "int\n# 1 \"y\"\n",
        "int\n#define X 1\n",
        "int\n#if 0\n",
        "(",
        ")",
        "int[",
        "int[-1]",
        "int[1ULL << 63]",
        "char[1ULL << 47][1ULL << 47]",
        "int(*)(",
        "void (*)(void)",
        "struct undefined_tag",
        "enum nope",
        "union",
        "int ((((((x))))))",
        "__typeof__(int)",
        "__typeof__(1)",
        "__typeof__(1 + 1.0)",
        "__typeof__(\"s\")",
        "typeof(int)",
        "int __attribute__((aligned(3)))",
        "int __attribute__((vector_size(1ULL << 62)))",
        "struct { int x : 99; }",
        "\0",
        "é",
        "int /* unterminated",
        "int // comment",
        "\"",
        "'",
    ] {
        v.push(case(format!("type_of: {s:?}"), vec![type_of(s)]));
    }
    for (name, text) in [
        ("type_of 999 pointers", format!("int {}", rep("*", 999))),
        ("type_of 1001 pointers", format!("int {}", rep("*", 1001))),
        (
            "type_of 20000 const pointers",
            format!("int {}", rep("* const ", 20_000)),
        ),
        (
            "type_of 3000 array dims",
            format!("int {}", rep("[2]", 3000)),
        ),
        (
            "type_of 250 nested pointer-to-function",
            format!("int {}{}", rep("(*", 250), rep(")(int)", 250)),
        ),
        (
            "type_of 300 parens",
            format!("int {}*{}", rep("(", 300), rep(")", 300)),
        ),
        (
            "type_of sizeof chain in array",
            format!("int[{}1]", rep("sizeof ", 200)),
        ),
        (
            "type_of cast chain in array",
            format!("int[{}1]", rep("(int)", 200)),
        ),
        (
            "type_of typeof chain",
            format!("{}int{}", rep("__typeof__(", 250), rep(")", 250)),
        ),
        ("type_of long name", rep("t", 1_000_000)),
    ] {
        v.push(case(name, vec![type_of(text)]));
    }

    // The corpus itself, unmodified.
    for (i, s) in SNIPPETS.iter().enumerate() {
        v.push(case(format!("snippet {i}"), vec![cdef(*s), type_of(*s)]));
    }
    for (name, text) in cdefs_files() {
        v.push(case(format!("cdefs/{name}"), vec![cdef(text)]));
    }
    // Half of the calls run with a snapshot held (copy on write), half in place (rollback).
    for (i, c) in v.iter_mut().enumerate() {
        for (j, s) in c.steps.iter_mut().enumerate() {
            s.snapshot = (i + j) % 2 == 1;
        }
    }
    v
}

/// `#define D0 1` and `n` macros that each use the previous one twice: evaluating `Dn` naively
/// takes 2^n steps.
pub(crate) fn macro_diamond(n: usize) -> String {
    let mut s = "#define D0 1\n".to_string();
    for i in 1..=n {
        let _ = writeln!(s, "#define D{i} (D{j} - D{j} + 1)", j = i - 1);
    }
    s
}
