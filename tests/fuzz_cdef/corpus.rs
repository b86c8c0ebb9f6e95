//! The corpus: representative cdef snippets, type names for `type_of`, the token alphabet of
//! soups and insertions, replacement tokens that stress constant evaluation and layout, and
//! the files in `cdefs/`.

use std::path::Path;

/// Representative cdef text. Every snippet is valid on its own and all of them together (each
/// in its own `cdef` call, in this order) on one context; `corpus_snippets_parse` checks that.
pub(crate) const SNIPPETS: &[&str] = &[
    // structs and functions
    "struct point { double x, y; };\ndouble norm(struct point p);\nstruct point *make_points(int n);",
    // unions
    "union value { int i; double d; char bytes[8]; void *p; };\nunion value pick(union value a, int which);",
    // bit-fields
    "struct flags {\n  unsigned a : 3, b : 5;\n  int c : 1;\n  unsigned : 0;\n  unsigned long long d : 40;\n  _Bool e : 1;\n  unsigned char f : 7;\n};",
    // enums
    "enum color { RED, GREEN = 5, BLUE, ALPHA = -1 };\nenum wide_enum { WIDE_BIG = 0x100000000, WIDE_NEXT };\nenum color paint(enum color c);",
    // typedefs, self-reference
    "typedef unsigned int uint;\ntypedef uint *uint_ptr;\ntypedef struct node node_t;\nstruct node { node_t *next; uint value; };\nnode_t *list_push(node_t *head, uint v);",
    // function pointers
    "typedef int (*cmp_fn)(const void *, const void *);\nvoid sort_things(void *base, size_t n, size_t size, cmp_fn cmp);\nvoid (*set_handler(int sig, void (*handler)(int)))(int);",
    // object-like macros
    "#define BUF_LEN 64\n#define FLAG_A (1 << 3)\n#define FLAG_B (FLAG_A | 0x10u)\n#define LIB_NAME \"jitffi\"\n#define PI_ISH 3.14159\nstruct buffer { char data[BUF_LEN]; int flags; };",
    // conditionals
    "#define API_VERSION 3\n#if API_VERSION >= 2 && defined(API_VERSION)\nstruct api_v2 { int a, b; };\n#elif API_VERSION == 1\nstruct api_v1 { int a; };\n#else\n#error unsupported\n#endif\n#ifdef NOT_DEFINED_ANYWHERE\nint never_declared;\n#endif\n#ifndef ALSO_NOT_DEFINED\nint always_declared(void);\n#endif",
    // #pragma pack
    "#pragma pack(push, 1)\nstruct packed_one { char c; int i; short s; };\n#pragma pack(pop)\n#pragma pack(2)\nstruct packed_two { char c; double d; };\n#pragma pack()\nstruct unpacked { char c; double d; };",
    // __attribute__
    "struct __attribute__((packed)) attr_packed { char c; long l; };\nstruct attr_aligned { int x; } __attribute__((aligned(16)));\ntypedef int int_al8 __attribute__((aligned(8)));\nstruct attr_member { char c; int i __attribute__((packed)); };",
    // _Static_assert
    "struct sa_s { int a; char b; };\n_Static_assert(sizeof(struct sa_s) == 8, \"size\");\n_Static_assert(_Alignof(struct sa_s) == 4, \"align\");",
    // _Alignas
    "struct alignas_s { char c; _Alignas(16) int x; _Alignas(double) char d; };",
    // arrays with constant expressions
    "#define ARR_N 4\nstruct arrays {\n  int a[ARR_N * 2 + 1];\n  char b[sizeof(int) * 3];\n  double m[2][ARR_N];\n  char c[(1 << 4) - 1];\n  int flex_len;\n  char flex[];\n};",
    // variadics and globals
    "int log_printf(const char *fmt, ...);\nextern int last_error_code;\nextern const char *const level_names[3];",
    // anonymous members
    "struct outer {\n  int kind;\n  union { int i; float f; struct { short lo, hi; } parts; };\n  struct { int x; } named;\n};",
    // offsetof in a constant expression
    "struct ofs_s { char a; int b; double c; };\nenum { OFS_B = __builtin_offsetof(struct ofs_s, b), OFS_C = __builtin_offsetof(struct ofs_s, c) };",
    // qualifiers
    "void copy_bytes(char *restrict dst, const char *restrict src, size_t n);\nextern volatile int *volatile_reg;\nextern const volatile unsigned long long *const cv_ptr;",
    // wide scalar types
    "struct wide_scalars { long double ld; double _Complex z; __int128 big; unsigned __int128 ubig; float _Complex fz; };",
    // typedef'd anonymous enum
    "typedef enum { MODE_A, MODE_B = 10, MODE_C } mode_kind;\nstruct with_enum { mode_kind m; enum { INNER_X, INNER_Y } inner; };",
    // builtin typedefs
    "struct fixed_width { int8_t a; uint16_t b; int32_t c; uint64_t d; size_t e; intptr_t f; ptrdiff_t g; bool h; };",
    // opaque types
    "struct opaque_thing;\ntypedef struct opaque_thing opaque_t;\nopaque_t *open_thing(const char *path);\nvoid close_thing(opaque_t *);",
    // structs by value, arrays of function pointers
    "struct pair { long a, b; };\nstruct pair make_pair(long, long);\nextern int (*handler_table[4])(int, char **);",
    // character and string constants
    "#define CH_A 'A'\n#define CH_NL '\\n'\n#define STR_TAB \"a\\tb\" \"c\"\nenum { E_CH = 'z', E_HEX = '\\x7f', E_OCT = '\\101' };",
    // casts in constants
    "#define MASK_BYTE ((unsigned char)0x1ff)\n#define NEG_ONE (-(long)1)\n#define ULONG_ALL (~0UL)\nenum { CAST_E = (int)3.9, CAST_SZ = (int)sizeof(long double) };",
    // #undef and redefinition
    "#define TMP_VALUE 1\n#undef TMP_VALUE\n#define TMP_VALUE 2\nextern int tmp_array[TMP_VALUE];",
    // comments and continuations
    "/* a block\n   comment */ struct commented { int a; // trailing\n  int b; /* inner */ };\n#define LONG_MACRO 1 + \\\n  2",
    // __extension__ and typeof
    "__extension__ typedef long long ext_ll;\ntypedef __typeof__(int *) int_ptr_t;\ntypedef __typeof__(unsigned long) ul_t;",
    // parameter forms
    "int no_params(void);\nint unspecified_params();\nvoid takes_array(int a[10]);\nvoid takes_fn(int f(int));\nvoid takes_matrix(int m[][4], int rows);",
    // nested struct definition
    "struct list { struct list_node { struct list_node *next; int v; } *head; unsigned long count; };\nstruct list_node *list_first(struct list *l);",
    // attribute mode
    "typedef int di_int __attribute__((mode(DI)));\ntypedef unsigned int qi_uint __attribute__((mode(QI)));",
    // linemarkers
    "# 10 \"fake.h\"\nstruct marked { int m; };\n# 1 \"<cdef>\"\nint after_marker;",
    // enumerators in expressions
    "enum expr_enum { EX_A = 1, EX_B = EX_A << 2, EX_C = sizeof(long) * EX_B, EX_D = EX_C > 10 ? -EX_C : EX_C };",
    // packed + aligned attributes on a typedef'd struct
    "typedef struct __attribute__((packed, aligned(4))) { char c; int i; } pa_struct;\n_Static_assert(sizeof(pa_struct) == 8, \"pa\");",
];

/// Type names for `type_of` (some only resolve after the snippets are declared).
pub(crate) const TYPE_NAMES: &[&str] = &[
    "int",
    "unsigned long long",
    "const char *",
    "const char *const *",
    "char *[4]",
    "int[3][4]",
    "int (*)[10]",
    "int (*)(int)",
    "int (*)(int, ...)",
    "void (*(*)(int))(void)",
    "double (*)(struct point)",
    "struct point",
    "struct point *",
    "union value",
    "enum color",
    "size_t",
    "int8_t *",
    "long double _Complex",
    "unsigned __int128",
    "__typeof__(int *)",
    "void",
    "void *",
    "_Bool",
    "struct undeclared_tag *",
    "struct opaque_thing",
    "node_t",
    "cmp_fn",
    "mode_kind[2]",
    "int __attribute__((aligned(16)))",
    "struct { int x; }",
    "enum { TYPE_ENUM_A = 7 }",
    "float _Complex *volatile",
    "struct flags[2]",
];

/// Tokens for soups and insertions: punctuation, keywords, names, numbers, directives.
#[rustfmt::skip]
pub(crate) const ALPHABET: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ";", ",", "*", "&", ":", "?", "=", "+", "-", "~", "!", "<", ">",
    "<<", ">>", ".", "->", "...", "#", "##", "\"", "'", "/", "%", "^", "|", "&&", "||", "==", "!=",
    "\\", "/*", "*/", "//", "struct", "union", "enum", "typedef", "int", "char", "long", "unsigned",
    "signed", "short", "float", "double", "void", "const", "volatile", "restrict", "_Bool",
    "_Complex", "__int128", "sizeof", "_Alignof", "_Alignas", "_Static_assert", "__attribute__",
    "packed", "aligned", "mode", "__extension__", "__typeof__", "extern", "static", "inline",
    "__builtin_offsetof", "a", "b", "x", "s", "t", "size_t", "int8_t", "point", "node_t", "0", "1",
    "8", "-1", "0x7fffffff", "4294967296", "1ULL", "1e308", "0x1p3", "077", "'a'", "\"s\"", "\n",
    "\n#define ", "\n#if ", "\n#ifdef ", "\n#else\n", "\n#elif ", "\n#endif\n", "\n#undef ",
    "\n#pragma pack(", "defined", "\n# 1 \"f.h\"\n", " ",
];

/// Replacement tokens that stress constant evaluation and layout.
pub(crate) const INTERESTING: &[&str] = &[
    "0",
    "-1",
    "1",
    "255",
    "256",
    "65536",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "0xffffffffffffffff",
    "18446744073709551615ULL",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "(-9223372036854775807LL - 1)",
    "281474976710656",
    "1ULL << 63",
    "1 << 64",
    "1 / 0",
    "1 % 0",
    "1.0 / 0.0",
    "1e400",
    "-0.0",
    "0x1p-1074",
    "'\\xff'",
    "'\\777'",
    "'abcdefghi'",
    "L'x'",
    "\"\\x\"",
    "sizeof(struct point)",
    "_Alignof(long double)",
    "(char)-1",
    "(unsigned long long)-1",
    "__builtin_offsetof(struct point, y)",
    "int",
    "void",
    "struct point",
    "__int128",
    "__attribute__((packed))",
    "__attribute__((aligned(1ULL << 40)))",
    "_Alignas(0)",
    "_Alignas(3)",
    "\u{0}",
    "é",
    "\u{1F600}",
    "\u{FEFF}",
    "\r",
    "\t",
];

/// Everything in `cdefs/` (file name, text); an absent or empty directory gives nothing.
pub(crate) fn cdefs_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cdefs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .filter_map(|e| {
            let bytes = std::fs::read(e.path()).ok()?;
            Some((
                e.file_name().to_string_lossy().into_owned(),
                String::from_utf8_lossy(&bytes).into_owned(),
            ))
        })
        .collect();
    files.sort();
    files
}
