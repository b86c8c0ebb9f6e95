//! Bounded, deterministic fuzzing of [`Ffi::cdef`] and [`Ffi::type_of`].
//!
//! The property: for any input text, `cdef` and `type_of` return `Ok` or `Err`: they never
//! panic, hang, overflow the stack or abort. A failed call leaves the type table as it was
//! (everything the table shows is fingerprinted before and after), a snapshot taken before a
//! call never changes, every error displays as non-empty text, and every diagnostic has a
//! 1-based line and column and a message.
//!
//! Suites (one test each):
//! - `random`: seeded generated inputs: random bytes (made UTF-8 lossily), random C
//!   punctuation, soups of C tokens, valid struct/union definitions from the layout test's
//!   generator, token-level mutations (insert, delete, duplicate, swap, repeat, wrap in
//!   brackets, splice, directive lines, truncation) of a corpus (the snippets below plus every
//!   file in `cdefs/`), concatenations of snippets, and type names. Some run on a context that
//!   already holds the snippets, some with `cdef_with` options, half with a snapshot held.
//! - `pathological`: a fixed list: deep nesting, long operator and declarator chains, huge
//!   sizes, extreme constants, recursive macros, unterminated text, odd characters, huge inputs.
//! - `regressions`: inputs that once broke the property (some still do: see the comments).
//!
//! How failures are caught: each suite runs in a child process (this test binary, re-run on the
//! process mode `fuzz_child`, see `main`), so a stack overflow or an abort kills only the child; the parent
//! reads the input in flight from a file, reports it and restarts the child after it. Inside the
//! child every call runs on a thread of the default size (2 MiB, what `std::thread::spawn`
//! gives a user) under a watchdog: no result after [`HANG_TIMEOUT`] is a hang (the child
//! reports it and exits). Panics are recorded by a panic hook and caught with `catch_unwind`,
//! including those cdef catches itself and reports as an "internal error". Each kind of failure
//! is minimized once and saved with a report under `target/tmp/fuzz_cdef/findings/`.
//!
//! Environment:
//! - `JITFFI_FUZZ_ITERS`: number of generated inputs (default [`DEFAULT_ITERS`]);
//! - `JITFFI_FUZZ_SEED`: the seed (default [`DEFAULT_SEED`]);
//! - `JITFFI_FUZZ_FILE`: run one saved input (see `fuzz_child`).

use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once, mpsc};
use std::time::{Duration, Instant};

use common::property::{self, fingerprint};
use common::random::Gen;
use jitffi::{CdefError, CdefOptions, Ffi};

mod common;

/// Generated inputs per run unless `JITFFI_FUZZ_ITERS` says otherwise.
const DEFAULT_ITERS: usize = 2500;
/// The seed unless `JITFFI_FUZZ_SEED` says otherwise.
const DEFAULT_SEED: u64 = 0x5eed_cdef_2024;
/// A call without a result after this long is a hang.
const HANG_TIMEOUT: Duration = Duration::from_secs(10);
/// Exit code of a child that found a hang (it cannot stop the stuck thread, so it exits).
const HANG_EXIT: i32 = 3;
/// Restarts of a child after a hang or an abort, per suite.
const MAX_RESTARTS: usize = 20;
/// Generated inputs that run on one accumulating context before it is rebuilt.
const SHARED_REUSE: usize = 40;
/// Upper bound on the size of a mutated input.
const MAX_MUTANT: usize = 256 << 10;

const SUITE_ENV: &str = "JITFFI_FUZZ_SUITE";
const START_ENV: &str = "JITFFI_FUZZ_START";
const ITERS_ENV: &str = "JITFFI_FUZZ_ITERS";
const SEED_ENV: &str = "JITFFI_FUZZ_SEED";
const FILE_ENV: &str = "JITFFI_FUZZ_FILE";
const FAILURE_BEGIN: &str = "=== FUZZ FAILURE ===";
const FAILURE_END: &str = "=== END FAILURE ===";

// ---------------------------------------------------------------------------------------------
// Corpus
// ---------------------------------------------------------------------------------------------

/// Representative cdef text. Every snippet is valid on its own and all of them together (each
/// in its own `cdef` call, in this order) on one context; `corpus_snippets_parse` checks that.
const SNIPPETS: &[&str] = &[
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
const TYPE_NAMES: &[&str] = &[
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
const ALPHABET: &[&str] = &[
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
const INTERESTING: &[&str] = &[
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
fn cdefs_files() -> Vec<(String, String)> {
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

// ---------------------------------------------------------------------------------------------
// Steps, cases, suites
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    Cdef,
    TypeOf,
}

/// One call on a context.
#[derive(Clone, Debug)]
struct Step {
    api: Api,
    /// `Some`: `cdef_with` these options instead of `cdef`.
    opts: Option<CdefOptions>,
    /// Hold a snapshot (`ffi.types()`) during the call, so the table is copied on write instead
    /// of changed in place; the snapshot must not change.
    snapshot: bool,
    text: String,
}

fn cdef(text: impl Into<String>) -> Step {
    Step {
        api: Api::Cdef,
        opts: None,
        snapshot: false,
        text: text.into(),
    }
}

fn type_of(text: impl Into<String>) -> Step {
    Step {
        api: Api::TypeOf,
        opts: None,
        snapshot: false,
        text: text.into(),
    }
}

impl Step {
    fn call(&self) -> String {
        let mut c = match (self.api, &self.opts) {
            (Api::Cdef, None) => "cdef".to_string(),
            (Api::Cdef, Some(o)) => format!("cdef_with({o:?})"),
            (Api::TypeOf, _) => "type_of".to_string(),
        };
        if self.snapshot {
            c.push_str(" [snapshot held]");
        }
        c
    }
}

/// Calls made one after the other on one context.
#[derive(Clone, Debug)]
struct Case {
    name: String,
    /// Run on the accumulating context of the suite (the snippets plus what succeeded since it
    /// was built) instead of a fresh `Ffi::new()`.
    shared: bool,
    steps: Vec<Step>,
    /// A step taking longer than this violates the property (for inputs that once took
    /// super-linear time); `None`: only [`HANG_TIMEOUT`] applies.
    limit: Option<Duration>,
}

fn case(name: impl Into<String>, steps: Vec<Step>) -> Case {
    Case {
        name: name.into(),
        shared: false,
        steps,
        limit: None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Suite {
    Random,
    Pathological,
    Regressions,
}

impl Suite {
    const ALL: [Suite; 3] = [Suite::Random, Suite::Pathological, Suite::Regressions];

    fn name(self) -> &'static str {
        match self {
            Suite::Random => "random",
            Suite::Pathological => "pathological",
            Suite::Regressions => "regressions",
        }
    }

    fn from_name(s: &str) -> Option<Suite> {
        Suite::ALL.into_iter().find(|x| x.name() == s)
    }

    fn cases(self) -> Box<dyn CaseSource> {
        match self {
            Suite::Random => Box::new(RandomCases::new()),
            Suite::Pathological => Box::new(pathological_cases()),
            Suite::Regressions => Box::new(regression_cases()),
        }
    }
}

trait CaseSource {
    fn len(&self) -> usize;
    fn get(&self, i: usize) -> Case;
}

impl CaseSource for Vec<Case> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, i: usize) -> Case {
        self[i].clone()
    }
}

fn env_usize(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

// ---------------------------------------------------------------------------------------------
// Generated inputs
// ---------------------------------------------------------------------------------------------

struct RandomCases {
    iters: usize,
    seed: u64,
    /// Snippets, then the `cdefs/` files.
    corpus: Vec<String>,
}

impl RandomCases {
    fn new() -> RandomCases {
        let seed = std::env::var(SEED_ENV)
            .ok()
            .and_then(|s| {
                let s = s.trim();
                s.strip_prefix("0x")
                    .map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
            })
            .unwrap_or(DEFAULT_SEED);
        let mut corpus: Vec<String> = SNIPPETS.iter().map(|s| (*s).to_string()).collect();
        corpus.extend(cdefs_files().into_iter().map(|(_, t)| t));
        RandomCases {
            iters: env_usize(ITERS_ENV).unwrap_or(DEFAULT_ITERS),
            seed,
            corpus,
        }
    }

    /// A piece of corpus entry `k`: a whole snippet, or a line-aligned window of a big file.
    fn corpus_text(&self, rng: &mut fastrand::Rng, k: usize) -> String {
        let t = &self.corpus[k];
        if t.len() <= 16 << 10 {
            return t.clone();
        }
        let mut from = rng.usize(..t.len() - (8 << 10));
        while !t.is_char_boundary(from) {
            from -= 1;
        }
        let from = t[..from].rfind('\n').map_or(0, |p| p + 1);
        let mut to = (from + (8 << 10)).min(t.len());
        while !t.is_char_boundary(to) {
            to -= 1;
        }
        t[from..to].to_string()
    }
}

impl CaseSource for RandomCases {
    fn len(&self) -> usize {
        self.iters
    }

    fn get(&self, i: usize) -> Case {
        // Every input has its own generator, so any one regenerates without the others.
        let mut rng =
            fastrand::Rng::with_seed(self.seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let shared = rng.u32(..100) < 30;
        let (kind, mut step) = match rng.u32(..100) {
            0..8 => ("bytes", cdef(random_bytes(&mut rng))),
            8..14 => ("chars", cdef(random_chars(&mut rng))),
            14..24 => ("soup", cdef(token_soup(&mut rng))),
            24..34 => {
                // Valid struct and union definitions (the layout test's generator), sometimes
                // mutated.
                let mut g = Gen::new(rng.u64(..));
                for _ in 0..1 + rng.usize(..6) {
                    g.record();
                }
                let n = rng.usize(..3);
                let text = if n == 0 {
                    g.text().to_string()
                } else {
                    mutate(&mut rng, g.text(), SNIPPETS[0], n)
                };
                ("records", cdef(text))
            }
            34..80 => {
                let k = rng.usize(..self.corpus.len());
                let base = self.corpus_text(&mut rng, k);
                let other = {
                    let k2 = rng.usize(..self.corpus.len());
                    self.corpus_text(&mut rng, k2)
                };
                let n = 1 + rng.usize(..4);
                ("mutant", cdef(mutate(&mut rng, &base, &other, n)))
            }
            80..88 => {
                let mut text = String::new();
                for _ in 0..1 + rng.usize(..3) {
                    let k = rng.usize(..self.corpus.len());
                    text.push_str(&self.corpus_text(&mut rng, k));
                    text.push('\n');
                }
                ("concat", cdef(text))
            }
            _ => {
                let base = TYPE_NAMES[rng.usize(..TYPE_NAMES.len())];
                let other = TYPE_NAMES[rng.usize(..TYPE_NAMES.len())];
                let n = 1 + rng.usize(..2);
                let text = if rng.bool() {
                    base.to_string()
                } else {
                    mutate(&mut rng, base, other, n)
                };
                ("type-name", type_of(text))
            }
        };
        if step.api == Api::Cdef {
            match rng.u32(..100) {
                0..8 => step.api = Api::TypeOf,
                8..18 => {
                    let pack = [None, Some(1), Some(2), Some(4), Some(8), Some(16)][rng.usize(..6)];
                    step.opts = Some(CdefOptions {
                        allow_redefinition: rng.bool(),
                        pack,
                    });
                }
                _ => {}
            }
        }
        step.snapshot = rng.bool();
        Case {
            name: format!("random#{i} ({kind})"),
            shared,
            steps: vec![step],
            limit: None,
        }
    }
}

fn random_bytes(rng: &mut fastrand::Rng) -> String {
    let n = rng.usize(..=160);
    let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Random characters from C's punctuation, a few letters and digits, and odd characters.
fn random_chars(rng: &mut fastrand::Rng) -> String {
    const CHARS: &[u8] = b"(){}[];,*&:?=+-~!<>.#\"'/\\%^| \n\tabstxi0189_";
    let n = rng.usize(..=300);
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        if rng.u32(..50) == 0 {
            s.push(['\0', 'é', '\u{FEFF}', '\r', '\u{1F600}', '\u{7f}'][rng.usize(..6)]);
        } else {
            s.push(char::from(CHARS[rng.usize(..CHARS.len())]));
        }
    }
    s
}

/// A sequence of C tokens, biased towards openers so the parser gets deep.
fn token_soup(rng: &mut fastrand::Rng) -> String {
    let n = 1 + rng.usize(..120);
    let sep = [" ", "", "\n"][rng.usize(..3)];
    let deep = rng.bool();
    let mut s = String::new();
    for _ in 0..n {
        let t = if deep && rng.u32(..3) == 0 {
            ["(", "[", "{", "(*", "-", "sizeof ", "(int)"][rng.usize(..7)]
        } else {
            ALPHABET[rng.usize(..ALPHABET.len())]
        };
        s.push_str(t);
        s.push_str(sep);
    }
    s
}

/// Splits C text into tokens (identifiers and numbers, whitespace runs, literals, single
/// characters), so mutations move whole tokens.
fn tokenize(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let st = i;
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            while !s.is_char_boundary(i) {
                i += 1;
            }
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
        out.push(s[st..i].to_string());
    }
    out
}

/// A random span `[from, to)` of `n` tokens (empty when `n` is 0).
fn span(rng: &mut fastrand::Rng, n: usize, max_len: usize) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    let from = rng.usize(..n);
    let to = (from + 1 + rng.usize(..max_len)).min(n);
    (from, to)
}

/// Applies `n` random token-level mutations to `base` (`other` is the splice partner).
fn mutate(rng: &mut fastrand::Rng, base: &str, other: &str, n: usize) -> String {
    let mut toks = tokenize(base);
    for _ in 0..n {
        let len = toks.len();
        match rng.u32(..12) {
            0 => {
                let t = match rng.u32(..3) {
                    0 => ALPHABET[rng.usize(..ALPHABET.len())].to_string(),
                    1 => INTERESTING[rng.usize(..INTERESTING.len())].to_string(),
                    _ if len > 0 => toks[rng.usize(..len)].clone(),
                    _ => ";".to_string(),
                };
                toks.insert(rng.usize(..=len), t);
            }
            1 => {
                let (a, b) = span(rng, len, 8);
                toks.drain(a..b);
            }
            2 => {
                let (a, b) = span(rng, len, 16);
                let copy: Vec<String> = toks[a..b].to_vec();
                toks.splice(b..b, copy);
            }
            3 if len >= 2 => {
                let (a, b) = span(rng, len - 1, 6);
                let c = b + rng.usize(..len - b);
                let d = (c + 1 + rng.usize(..6)).min(len);
                // Swap [a, b) and [c, d) (c >= b, so they do not overlap).
                let second: Vec<String> = toks[c..d].to_vec();
                let first: Vec<String> = toks[a..b].to_vec();
                toks.splice(c..d, first);
                toks.splice(a..b, second);
            }
            4 if len > 0 => {
                let i = rng.usize(..len);
                toks[i] = INTERESTING[rng.usize(..INTERESTING.len())].to_string();
            }
            5 => {
                // Repeat a short span many times: deep nesting and long chains.
                let (a, b) = span(rng, len, 3);
                let copy: Vec<String> = toks[a..b].to_vec();
                let times = 2 + rng.usize(..400);
                let mut rep = Vec::with_capacity(copy.len() * times);
                for _ in 0..times {
                    rep.extend(copy.iter().cloned());
                }
                toks.splice(b..b, rep);
            }
            6 => {
                let o = tokenize(other);
                let cut = rng.usize(..=len);
                let from = rng.usize(..=o.len());
                toks.truncate(cut);
                toks.extend(o[from..].iter().cloned());
            }
            7 => {
                let c = match rng.u32(..4) {
                    0 => char::from(rng.u8(..0x80)),
                    1 => {
                        ['\0', 'é', '\u{FEFF}', '\u{1F600}', '\u{301}', '\u{2028}'][rng.usize(..6)]
                    }
                    _ => char::from(b"(){}[];,*#\"'/\\:"[rng.usize(..15)]),
                };
                toks.insert(rng.usize(..=len), c.to_string());
            }
            8 => {
                let (a, b) = span(rng, len, 10);
                let (open, close) = [
                    ("(", ")"),
                    ("[", "]"),
                    ("{", "}"),
                    ("(*", ")"),
                    ("__attribute__((", "))"),
                ][rng.usize(..5)];
                let times = 1 + rng.usize(..60);
                for _ in 0..times {
                    toks.insert(b.min(toks.len()), close.to_string());
                    toks.insert(a, open.to_string());
                }
            }
            9 => {
                let nl = rng.bool();
                for t in &mut toks {
                    if t.trim().is_empty() {
                        *t = if nl { "\n".into() } else { " ".into() };
                    }
                }
            }
            10 => {
                const LINES: &[&str] = &[
                    "\n#define X 1\n",
                    "\n#define X\n",
                    "\n#define X X\n",
                    "\n#undef X\n",
                    "\n#if 0\n",
                    "\n#if X\n",
                    "\n#ifdef X\n",
                    "\n#else\n",
                    "\n#elif 1\n",
                    "\n#endif\n",
                    "\n#pragma pack(1)\n",
                    "\n#pragma pack(push, 2)\n",
                    "\n#pragma pack(pop)\n",
                    "\n# 7 \"other.h\"\n",
                    "\n#line 3\n",
                    "\n#include <stdio.h>\n",
                    "\n#error stop\n",
                    "\n#warning careful\n",
                    "\n#bogus\n",
                    "\\\n",
                ];
                toks.insert(
                    rng.usize(..=len),
                    LINES[rng.usize(..LINES.len())].to_string(),
                );
            }
            _ => {
                // Truncate: unterminated everything.
                toks.truncate(rng.usize(..=len));
            }
        }
    }
    let mut s: String = toks.concat();
    if s.len() > MAX_MUTANT {
        let mut cut = MAX_MUTANT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Pathological inputs
// ---------------------------------------------------------------------------------------------

fn rep(s: &str, n: usize) -> String {
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

fn pathological_cases() -> Vec<Case> {
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
fn macro_diamond(n: usize) -> String {
    let mut s = "#define D0 1\n".to_string();
    for i in 1..=n {
        let _ = writeln!(s, "#define D{i} (D{j} - D{j} + 1)", j = i - 1);
    }
    s
}

/// Inputs that broke the property once (found by this test or by `tests/fuzz`). They stay here
/// as regression cases; the comment says what they did. Those not marked "fixed since" still
/// failed when they were added, so `fuzz_regressions` fails (and, with the two hangs, takes
/// about 25 s) until they are fixed.
fn regression_cases() -> Vec<Case> {
    let mut v = vec![
        // Hangs (exponential time in lang-c's backtracking parser): nested parentheses of a
        // malformed declarator starting with a typedef name, and `__attribute__` nested in
        // attribute arguments; 28 levels took a second, 40 minutes. Found with
        // JITFFI_FUZZ_ITERS=200000; fixed by cdef::MAX_PAREN_NESTING.
        case(
            "malformed declarator: (opaque_t x60",
            vec![cdef(format!(
                "struct o;\ntypedef struct o opaque_t;\nvoid close_thing{}*) char *path);",
                rep("(opaque_t ", 60)
            ))],
        ),
        case(
            "__attribute__ nested x60 in attribute arguments",
            vec![cdef(format!(
                "typedef long a2_long {}aligned(2)));",
                rep("__attribute__((", 60)
            ))],
        ),
        case(
            "both at the limit (16 parentheses)",
            vec![cdef(format!(
                "typedef struct o opaque_t;\nvoid f{}*) int);\ntypedef long t {}aligned(2){};",
                rep("(opaque_t ", 16),
                rep("__attribute__((", 7),
                rep("))", 7)
            ))],
        ),
        // Panic in syntax_message (`src[off..].trim_start()[tok.len()..]` with tok = "end of
        // input"): a syntax error at the end of the text right after a word. Fixed since.
        case(
            "syntax error at end of input after 'union'",
            vec![cdef("union")],
        ),
        case(
            "syntax error at end of input after 'struct'",
            vec![cdef("struct")],
        ),
        case(
            "syntax error at end of input after a typedef name",
            vec![cdef("typedef struct e node_t;node_t*")],
        ),
        // A diagnostic at line 0 (`<cdef>:0:1`) after a `#line 0` linemarker. Fixed since.
        case("#line 0 then a syntax error", vec![cdef("#line 0\"\"\ny")]),
        case(
            "# 0 linemarker then a syntax error",
            vec![cdef("# 0 \"x\"\nint x y;")],
        ),
        // Panic in word_before (`&head[start..]` with `start = p + 1` after a multi-byte
        // character): a syntax error right after a linemarker line that ends in non-ASCII text.
        // Found by cargo-fuzz.
        case(
            "syntax error after a linemarker ending in a multi-byte char",
            vec![cdef("#1\u{e9}\n)")],
        ),
        case("same, with a file name", vec![cdef("# 1 \"x\" \u{e9}\n)")]),
        // Stack overflow (SIGSEGV on the 64 MiB stack cdef switches to): chains of prefix
        // operators interleaved with `sizeof`, or of casts, are neither brackets nor an operator
        // run for check_nesting, but lang-c recurses on each link (about 11 000 `- sizeof` or
        // 21 000 `(int)` overflow 64 MiB in a debug build).
        case(
            "cdef: - sizeof chain x20000",
            vec![cdef(format!("int a[{}1];", rep("- sizeof ", 20_000)))],
        ),
        case(
            "cdef: cast chain x50000",
            vec![cdef(format!("int a[{}1];", rep("(int)", 50_000)))],
        ),
        // The same on the caller's stack: type_of parses shallow-looking input on the caller's
        // stack (with_stack's red zone is 1 MiB), so ~900 `sizeof` or ~650 casts overflow a 2 MiB
        // thread.
        case(
            "type_of: sizeof chain x2000",
            vec![type_of(format!("int[{}1]", rep("sizeof ", 2000)))],
        ),
        case(
            "type_of: cast chain x2000",
            vec![type_of(format!("int[{}1]", rep("(int)", 2000)))],
        ),
        // Stack overflow in the recursive `Clone` of `expr::Expr` (the macro cache in lower):
        // a `#define` whose body is a long binary chain (~86 000 terms overflow 64 MiB).
        case(
            "#define + chain x200000",
            vec![cdef(format!(
                "#define BIG {}1\nint a[BIG];",
                rep("1+", 200_000)
            ))],
        ),
        // Hang: macro values are not memoized, so a chain of macros that each use the previous
        // one twice takes 2^64 evaluations (in lower's finish_macros / macro_value, and in the
        // preprocessor's #if evaluation). 20 such macros take 5 s in a debug build, 22 take 22 s.
        case(
            "macro diamond 64 (definitions only)",
            vec![cdef(macro_diamond(64))],
        ),
        case(
            "macro diamond 64 in #if",
            vec![cdef(format!("{}#if D64\n#endif\n", macro_diamond(64)))],
        ),
    ];
    // Quadratic time: each array dimension walks the whole element chain (is_incomplete), so
    // 20 000 dimensions take ~4.5 s in a debug build (and 40 000 ~18 s) instead of milliseconds.
    v.push(Case {
        limit: Some(Duration::from_secs(1)),
        ..case(
            "array declarator chain x20000 (time limit 1 s)",
            vec![cdef(format!("int a{};", rep("[1]", 20_000)))],
        )
    });
    v
}

// ---------------------------------------------------------------------------------------------
// Checking one call
// ---------------------------------------------------------------------------------------------

/// Panic messages of cdef's and the workers' threads, recorded by the hook.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Record a backtrace with each panic (for the final report, not during minimization).
static BACKTRACES: AtomicBool = AtomicBool::new(false);

fn lock_panics() -> std::sync::MutexGuard<'static, Vec<String>> {
    PANICS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records panics of worker and parser threads instead of printing them; others (the test's
/// own assertions) go to the default hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let thread = std::thread::current();
            let name = thread.name();
            let ours = matches!(name, None | Some("jitffi-cdef" | "fuzz-worker"));
            if !ours {
                default(info);
                return;
            }
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string payload>".into());
            let location = info
                .location()
                .map_or_else(|| "<unknown>".into(), ToString::to_string);
            let mut msg = format!(
                "thread '{}' panicked at {location}: {payload}",
                name.unwrap_or("<unnamed>")
            );
            if BACKTRACES.load(Ordering::Relaxed) {
                let bt = std::backtrace::Backtrace::force_capture().to_string();
                msg.push_str("\nbacktrace (jitffi and lang-c frames):\n");
                msg.push_str(&short_backtrace(&bt));
            }
            lock_panics().push(msg);
        }));
    });
}

/// The frames of a backtrace that are in jitffi or lang-c, with their locations.
fn short_backtrace(bt: &str) -> String {
    let lines: Vec<&str> = bt.lines().collect();
    let mut out = String::new();
    let mut n = 0;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("at ") {
            continue;
        }
        if (t.contains("jitffi::") || t.contains("lang_c::")) && !t.contains("fuzz_cdef::") {
            out.push_str(l);
            out.push('\n');
            if let Some(next) = lines
                .get(i + 1)
                .filter(|n| n.trim_start().starts_with("at "))
            {
                out.push_str(next);
                out.push('\n');
            }
            n += 1;
            if n >= 25 {
                out.push_str("      ...\n");
                break;
            }
        }
    }
    out
}

fn take_panics() -> String {
    let mut p = lock_panics();
    let s = p.join("\n");
    p.clear();
    s
}

/// Checks an error against the property; `Err` describes the violation. A panic cdef caught
/// and reported as an internal error is one too.
fn check_error(e: &CdefError) -> Result<(), String> {
    property::check_error(e)?;
    for d in &e.diagnostics {
        if d.message.starts_with("internal error") {
            return Err(format!(
                "cdef reported an internal error (a panic it caught): {d}\n{}",
                take_panics()
            ));
        }
    }
    Ok(())
}

/// Runs one step; `Ok(true)`: the call returned `Ok`, `Ok(false)`: a proper `Err`, `Err`: the
/// property is violated (the message says how).
fn check_step(ffi: &Ffi, step: &Step) -> Result<bool, String> {
    // No snapshot is kept across the call unless the step asks for one: holding one changes
    // how the table is updated (copy on write instead of in place with rollback).
    let before = fingerprint(&ffi.types());
    let snapshot = step.snapshot.then(|| ffi.types());
    let result = call_step(ffi, step);
    if let Some(s) = snapshot {
        let now = fingerprint(&s);
        if now != before {
            return Err(format!(
                "{}: a snapshot taken before the call changed ([types, typedefs, functions, globals, constants] {:?} -> {:?})",
                step.call(),
                before.0,
                now.0
            ));
        }
    }
    let ok = result?;
    if !ok {
        let after = fingerprint(&ffi.types());
        if after != before {
            return Err(format!(
                "{} failed but changed the table ([types, typedefs, functions, globals, constants] {:?} -> {:?})",
                step.call(),
                before.0,
                after.0
            ));
        }
    }
    Ok(ok)
}

/// Makes the call of `step`: `Ok(true)` for `Ok`, `Ok(false)` for a proper `Err`.
fn call_step(ffi: &Ffi, step: &Step) -> Result<bool, String> {
    let call = panic::catch_unwind(AssertUnwindSafe(|| match step.api {
        Api::Cdef => match &step.opts {
            None => ffi.cdef(&step.text),
            Some(o) => ffi.cdef_with(&step.text, o),
        }
        .map(|()| None),
        Api::TypeOf => ffi.type_of(&step.text).map(Some),
    }));
    let result = match call {
        Ok(r) => r,
        Err(_) => return Err(format!("{} panicked: {}", step.call(), take_panics())),
    };
    // A panic that cdef caught and turned into an error is a bug all the same.
    let panics = take_panics();
    if !panics.is_empty() {
        return Err(format!(
            "{}: the parser panicked (cdef caught it): {panics}",
            step.call()
        ));
    }
    match result {
        Ok(None) => Ok(true),
        Ok(Some(ty)) => {
            // Use the type: display and layout must not panic either.
            let used = panic::catch_unwind(AssertUnwindSafe(|| {
                let _ = ty.to_string();
                let _ = ty.declare("x");
                let _ = ty.layout();
                let _ = ty.fields().map(<[_]>::len);
            }));
            match used {
                Ok(()) => Ok(true),
                Err(_) => Err(format!(
                    "type_of returned Ok, then using the type panicked: {}",
                    take_panics()
                )),
            }
        }
        Err(jitffi::Error::Cdef(e)) => {
            check_error(&e).map_err(|m| format!("{}: {m}", step.call()))?;
            Ok(false)
        }
        Err(other) => Err(format!(
            "{}: a cdef error that is not a CdefError: {other:?}",
            step.call()
        )),
    }
}

enum Run {
    Done(Result<bool, String>),
    Hang,
}

/// [`check_step`] on a fresh thread, giving up after `timeout` (the thread is left running).
fn run_step(ffi: &Ffi, step: &Step, timeout: Duration) -> Run {
    let (tx, rx) = mpsc::channel();
    let (ffi2, step2) = (ffi.clone(), step.clone());
    // The default stack size (2 MiB unless RUST_MIN_STACK says otherwise), as any thread
    // spawned by a user of the crate gets: cdef must not need more from its caller.
    let spawned = std::thread::Builder::new()
        .name("fuzz-worker".into())
        .spawn(move || {
            let r = check_step(&ffi2, &step2);
            let _ = tx.send(r);
        });
    let handle = match spawned {
        Ok(h) => h,
        Err(e) => return Run::Done(Err(format!("cannot start a worker thread: {e}"))),
    };
    match rx.recv_timeout(timeout) {
        Ok(r) => {
            let _ = handle.join();
            Run::Done(r)
        }
        Err(mpsc::RecvTimeoutError::Timeout) => Run::Hang,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let _ = handle.join();
            Run::Done(Err(format!(
                "the worker thread died without a result: {}",
                take_panics()
            )))
        }
    }
}

/// What identifies a failure when minimizing: the panic location, or the kind of violation.
fn signature(msg: &str) -> String {
    if let Some(p) = msg.find("panicked at ") {
        let loc: Vec<&str> = msg[p + 12..].splitn(3, ':').take(2).collect();
        return format!("panic at {}", loc.join(":"));
    }
    if msg.contains("too slow") {
        return "too slow".into();
    }
    if msg.contains("changed the table") {
        return "table changed".into();
    }
    if msg.contains("snapshot taken before the call changed") {
        return "snapshot changed".into();
    }
    msg.split(':')
        .nth(1)
        .unwrap_or(msg)
        .trim()
        .chars()
        .take(40)
        .collect()
}

/// Runs `setup` then `step` on a fresh context; the violation message if `step` violates the
/// property (`None` if it does not, or if anything hangs).
fn reproduce(setup: &[Step], step: &Step, timeout: Duration) -> Option<String> {
    let ffi = Ffi::new();
    for s in setup {
        match run_step(&ffi, s, timeout) {
            Run::Hang | Run::Done(Err(_)) => return None,
            Run::Done(Ok(_)) => {}
        }
    }
    match run_step(&ffi, step, timeout) {
        Run::Done(Err(m)) => Some(m),
        _ => None,
    }
}

/// Shrinks the text of `step` while it still fails with the same signature: removes chunks of
/// characters, halving the chunk size (bounded in attempts and time).
fn minimize(setup: &[Step], step: &Step, sig: &str) -> Step {
    let timeout = Duration::from_secs(2);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempts = 0;
    let mut cur: Vec<char> = step.text.chars().collect();
    let mut chunk = cur.len().div_ceil(2).max(1);
    let fails = |chars: &[char]| {
        let s = Step {
            text: chars.iter().collect(),
            ..step.clone()
        };
        reproduce(setup, &s, timeout).is_some_and(|m| signature(&m) == sig)
    };
    loop {
        let mut i = 0;
        while i < cur.len() {
            if attempts >= 3000 || Instant::now() > deadline {
                return Step {
                    text: cur.iter().collect(),
                    ..step.clone()
                };
            }
            attempts += 1;
            let end = (i + chunk).min(cur.len());
            let mut cand = cur[..i].to_vec();
            cand.extend_from_slice(&cur[end..]);
            if fails(&cand) {
                cur = cand;
            } else {
                i += chunk;
            }
        }
        if chunk == 1 {
            break;
        }
        chunk = chunk.div_ceil(2);
    }
    Step {
        text: cur.iter().collect(),
        ..step.clone()
    }
}

/// A short, escaped rendering of an input for reports.
fn describe(text: &str) -> String {
    if text.len() <= 600 {
        return format!("{text:?}");
    }
    let head: String = text.chars().take(300).collect();
    let tail: String = {
        let t: Vec<char> = text.chars().rev().take(120).collect();
        t.into_iter().rev().collect()
    };
    format!("{head:?} ... ({} bytes in all) ... {tail:?}", text.len())
}

fn work_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz_cdef");
    let _ = std::fs::create_dir_all(d.join("findings"));
    d
}

fn file_tag(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect()
}

/// Saves a failing input (raw text, plus a report with the calls before it) and returns the
/// report block printed for the parent.
fn save_finding(tag: &str, setup: &[Step], step: &Step, symptom: &str) -> String {
    let dir = work_dir().join("findings");
    let base = file_tag(tag);
    let input_path = dir.join(format!("{base}.txt"));
    let _ = std::fs::write(&input_path, &step.text);
    let mut report = format!(
        "{FAILURE_BEGIN}\ncase: {tag}\ncall: {}\nsymptom: {symptom}\n",
        step.call()
    );
    if !setup.is_empty() {
        let _ = writeln!(report, "after these calls on one Ffi::new() context:");
        for s in setup {
            let _ = writeln!(report, "  {}({})", s.call(), describe(&s.text));
        }
    }
    let _ = write!(
        report,
        "input: {}\nsaved: {}\n{FAILURE_END}\n",
        describe(&step.text),
        input_path.display()
    );
    let _ = std::fs::write(dir.join(format!("{base}.report.txt")), &report);
    report
}

// ---------------------------------------------------------------------------------------------
// The child: runs a suite
// ---------------------------------------------------------------------------------------------

#[derive(Default, Debug)]
struct Stats {
    cases: usize,
    cdef_ok: usize,
    cdef_err: usize,
    type_ok: usize,
    type_err: usize,
}

impl Stats {
    fn line(&self, suite: Suite, elapsed: Duration) -> String {
        format!(
            "STATS suite={} cases={} cdef_ok={} cdef_err={} type_ok={} type_err={} secs={:.2}",
            suite.name(),
            self.cases,
            self.cdef_ok,
            self.cdef_err,
            self.type_ok,
            self.type_err,
            elapsed.as_secs_f64()
        )
    }

    fn add_line(&mut self, line: &str) {
        for kv in line.split_whitespace() {
            let Some((k, v)) = kv.split_once('=') else {
                continue;
            };
            let v: usize = v.parse().unwrap_or(0);
            match k {
                "cases" => self.cases += v,
                "cdef_ok" => self.cdef_ok += v,
                "cdef_err" => self.cdef_err += v,
                "type_ok" => self.type_ok += v,
                "type_err" => self.type_err += v,
                _ => {}
            }
        }
    }
}

/// The accumulating context of a suite and the calls that built it.
struct SharedCtx {
    ffi: Ffi,
    log: Vec<Step>,
    uses: usize,
}

fn shared_ctx() -> SharedCtx {
    let ffi = Ffi::new();
    let mut log = Vec::new();
    for s in SNIPPETS {
        if ffi.cdef(s).is_ok() {
            log.push(cdef(*s));
        }
    }
    SharedCtx { ffi, log, uses: 0 }
}

fn inflight_paths(suite: Suite) -> (PathBuf, PathBuf) {
    let d = work_dir();
    (
        d.join(format!("{}.inflight.meta", suite.name())),
        d.join(format!("{}.inflight.txt", suite.name())),
    )
}

/// Runs the cases of `suite` from `start` on; panics at the end if any failed. A hang makes
/// the process exit with [`HANG_EXIT`] (the stuck thread cannot be stopped).
fn run_suite_here(suite: Suite, start: usize) {
    install_panic_hook();
    let source = suite.cases();
    let t0 = Instant::now();
    let mut stats = Stats::default();
    let mut reports: Vec<String> = Vec::new();
    let mut shared: Option<SharedCtx> = None;
    let mut slowest = (Duration::ZERO, String::new());
    let mut repeats: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    let (meta_path, text_path) = inflight_paths(suite);
    for i in start..source.len() {
        let case = source.get(i);
        let (ffi, mut setup) = if case.shared {
            let ctx = match &mut shared {
                Some(c) if c.uses < SHARED_REUSE => c,
                _ => shared.insert(shared_ctx()),
            };
            ctx.uses += 1;
            (ctx.ffi.clone(), ctx.log.clone())
        } else {
            (Ffi::new(), Vec::new())
        };
        stats.cases += 1;
        for (j, step) in case.steps.iter().enumerate() {
            let _ = std::fs::write(&text_path, &step.text);
            let _ = std::fs::write(
                &meta_path,
                format!(
                    "{i}\n{}\nstep {j}: {}\nafter {} earlier calls on the context\n",
                    case.name,
                    step.call(),
                    setup.len()
                ),
            );
            let _ = take_panics();
            let t = Instant::now();
            let mut run = run_step(&ffi, step, HANG_TIMEOUT);
            let dt = t.elapsed();
            if let (Some(limit), Run::Done(Ok(_))) = (case.limit, &run)
                && dt > limit
            {
                run = Run::Done(Err(format!(
                    "{}: too slow: took {:.2} s, the limit for this input is {:.2} s",
                    step.call(),
                    dt.as_secs_f64(),
                    limit.as_secs_f64()
                )));
            }
            if dt > Duration::from_secs(1) || std::env::var_os("JITFFI_FUZZ_TIMES").is_some() {
                println!("slow: {:.2} s for {} step {j}", dt.as_secs_f64(), case.name);
            }
            if dt > slowest.0 {
                slowest = (dt, case.name.clone());
            }
            match run {
                Run::Done(Ok(ok)) => {
                    match (step.api, ok) {
                        (Api::Cdef, true) => stats.cdef_ok += 1,
                        (Api::Cdef, false) => stats.cdef_err += 1,
                        (Api::TypeOf, true) => stats.type_ok += 1,
                        (Api::TypeOf, false) => stats.type_err += 1,
                    }
                    if ok {
                        setup.push(step.clone());
                        if case.shared
                            && let Some(c) = &mut shared
                        {
                            c.log.push(step.clone());
                        }
                    }
                }
                Run::Done(Err(msg)) => {
                    // Report each kind of failure once (minimized); count the repeats.
                    let sig = signature(&msg);
                    let seen = repeats.entry(sig).or_insert(0);
                    *seen += 1;
                    if *seen == 1 {
                        let report = report_violation(
                            &format!("{}-{}", suite.name(), case.name),
                            &setup,
                            step,
                            &msg,
                        );
                        eprint!("{report}");
                        reports.push(report);
                    }
                    break;
                }
                Run::Hang => {
                    let symptom = format!("hang: no result after {} s", HANG_TIMEOUT.as_secs());
                    let report = save_finding(
                        &format!("{}-{}-hang", suite.name(), case.name),
                        &setup,
                        step,
                        &symptom,
                    );
                    eprint!("{report}");
                    println!("{}", stats.line(suite, t0.elapsed()));
                    std::process::exit(HANG_EXIT);
                }
            }
        }
    }
    let _ = std::fs::remove_file(&meta_path);
    let _ = std::fs::remove_file(&text_path);
    println!("{}", stats.line(suite, t0.elapsed()));
    println!(
        "slowest case: {:.2} s ({})",
        slowest.0.as_secs_f64(),
        slowest.1
    );
    for (sig, n) in repeats.iter().filter(|(_, n)| **n > 1) {
        println!("failure '{sig}' hit by {n} inputs");
    }
    assert!(
        reports.is_empty(),
        "{} inputs violate the property (reports above and in {})",
        reports.len(),
        work_dir().display()
    );
}

/// Minimizes a violating input, reruns it with backtraces, saves it; returns the report.
fn report_violation(tag: &str, setup: &[Step], step: &Step, msg: &str) -> String {
    let sig = signature(msg);
    let setup: Vec<Step> = if !setup.is_empty()
        && sig != "too slow"
        && reproduce(&[], step, HANG_TIMEOUT).is_some_and(|m| signature(&m) == sig)
    {
        Vec::new()
    } else {
        setup.to_vec()
    };
    // A time limit is not checked by `reproduce`, so such inputs are reported as they are.
    let timing = sig == "too slow";
    let small = if setup.len() <= 4 && !timing {
        minimize(&setup, step, &sig)
    } else {
        step.clone()
    };
    BACKTRACES.store(true, Ordering::Relaxed);
    let _ = take_panics();
    let detail = if timing {
        None
    } else {
        reproduce(&setup, &small, HANG_TIMEOUT)
    };
    let detail = detail.unwrap_or_else(|| msg.to_string());
    BACKTRACES.store(false, Ordering::Relaxed);
    let kind = if sig.starts_with("panic") {
        "panic"
    } else {
        "violation"
    };
    let mut report = save_finding(&format!("{tag}-{kind}"), &setup, &small, &detail);
    if small.text != step.text {
        let _ = writeln!(report, "(minimized from {})", describe(&step.text));
    }
    report
}

// ---------------------------------------------------------------------------------------------
// The parent: runs a suite in a child process
// ---------------------------------------------------------------------------------------------

/// The failure blocks a child printed.
fn failure_blocks(stderr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = stderr;
    while let Some(b) = rest.find(FAILURE_BEGIN) {
        let after = &rest[b..];
        let end = after
            .find(FAILURE_END)
            .map_or(after.len(), |e| e + FAILURE_END.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

fn tail(s: &str, lines: usize) -> String {
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..].join("\n")
}

/// Runs `suite` in child processes (restarting after hangs and aborts) and fails the test
/// with every failure found.
fn run_suite_isolated(suite: Suite) -> Stats {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut start = 0;
    let mut failures: Vec<String> = Vec::new();
    let mut stats = Stats::default();
    let t0 = Instant::now();
    for _ in 0..=MAX_RESTARTS {
        let (meta_path, text_path) = inflight_paths(suite);
        let _ = std::fs::remove_file(&meta_path);
        let out = Command::new(&exe)
            .env(SUITE_ENV, suite.name())
            .env(START_ENV, start.to_string())
            .output()
            .expect("run the fuzz child process");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        println!(
            "child for suite {} from case {start}: {}",
            suite.name(),
            out.status
        );
        for l in stdout.lines() {
            let Some(p) = ["STATS ", "slow", "failure '"]
                .iter()
                .filter_map(|m| l.find(m))
                .min()
            else {
                continue;
            };
            let l = &l[p..];
            println!("{l}");
            if l.starts_with("STATS ") {
                stats.add_line(l);
            }
        }
        failures.extend(failure_blocks(&stderr));
        let code = out.status.code();
        if out.status.success() || code == Some(101) {
            if code == Some(101) && failure_blocks(&stderr).is_empty() {
                failures.push(format!(
                    "the child failed:\n{}\n{}",
                    tail(&stdout, 20),
                    tail(&stderr, 40)
                ));
            }
            break;
        }
        // A hang (reported by the child) or a crash: continue after the input in flight.
        let meta = std::fs::read_to_string(&meta_path).unwrap_or_default();
        let Some(index) = meta.lines().next().and_then(|l| l.parse::<usize>().ok()) else {
            failures.push(format!(
                "the child died ({}) with no input in flight:\n{}",
                out.status,
                tail(&stderr, 40)
            ));
            break;
        };
        if code != Some(HANG_EXIT) {
            let text = std::fs::read_to_string(&text_path).unwrap_or_default();
            let name = meta.lines().nth(1).unwrap_or("?");
            let step = if meta.contains("type_of") {
                type_of(text)
            } else {
                cdef(text)
            };
            let what = meta.lines().skip(1).collect::<Vec<_>>().join(", ");
            let hint = if stderr.contains("overflowed its stack") {
                "a stack overflow"
            } else if out.status.to_string().contains("SIGSEGV") {
                "SIGSEGV: most likely a stack overflow on a stack the crate allocated (no guard-page message)"
            } else {
                "an abort"
            };
            let symptom = format!(
                "the process died ({}; {hint}) during case {index} ({what}); its stderr ends with:\n{}",
                out.status,
                tail(&stderr, 6)
            );
            failures.push(save_finding(
                &format!("{}-{name}-abort", suite.name()),
                &[],
                &step,
                &symptom,
            ));
        }
        start = index + 1;
    }
    println!(
        "suite {} took {:.2} s",
        suite.name(),
        t0.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures in suite {}:\n{}",
        failures.len(),
        suite.name(),
        failures.join("\n")
    );
    stats
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// The corpus is valid: every snippet declares cleanly, alone and all on one context.
fn corpus_snippets_parse() {
    let all = Ffi::new();
    for (i, s) in SNIPPETS.iter().enumerate() {
        if let Err(e) = Ffi::new().cdef(s) {
            panic!("snippet {i} does not parse alone:\n{s}\n{e}");
        }
        if let Err(e) = all.cdef(s) {
            panic!("snippet {i} does not parse after the earlier ones:\n{s}\n{e}");
        }
    }
    let ok = TYPE_NAMES.iter().filter(|t| all.type_of(t).is_ok()).count();
    assert!(
        ok * 2 > TYPE_NAMES.len(),
        "most type names should resolve after the snippets ({ok} did)"
    );
}

/// Generated inputs: random bytes, token soups, corpus mutations, type names.
fn fuzz_random_inputs() {
    let s = run_suite_isolated(Suite::Random);
    // Not vacuous: the generator reaches both outcomes of both calls.
    assert!(
        s.cdef_ok > s.cases / 20 && s.cdef_err > s.cases / 20,
        "cdef outcomes too one-sided: {s:?}"
    );
    assert!(
        s.type_ok > 0 && s.type_err > 0,
        "type_of outcomes too one-sided: {s:?}"
    );
}

/// Deep nesting, long chains, huge sizes, recursive macros, unterminated text, odd characters.
fn fuzz_pathological_inputs() {
    let s = run_suite_isolated(Suite::Pathological);
    assert!(s.cdef_ok > 0 && s.cdef_err > 0, "{s:?}");
}

/// Inputs that once broke the property.
fn fuzz_regressions() {
    run_suite_isolated(Suite::Regressions);
}

/// The worker of the tests above, run by them in a child process (this binary with the suite in
/// `JITFFI_FUZZ_SUITE`).
///
/// To rerun one saved input: `JITFFI_FUZZ_FILE=path [JITFFI_FUZZ_API=type_of] cargo test --test
/// fuzz_cdef` (prints the result and the time it took).
fn fuzz_child() {
    if let Ok(path) = std::env::var(FILE_ENV) {
        let bytes = std::fs::read(&path).expect("read JITFFI_FUZZ_FILE");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let step = if std::env::var("JITFFI_FUZZ_API").is_ok_and(|a| a == "type_of") {
            type_of(text)
        } else {
            cdef(text)
        };
        let t = Instant::now();
        let r = check_step(&Ffi::new(), &step);
        println!(
            "{}({path}): {r:?} in {:.3} s",
            step.call(),
            t.elapsed().as_secs_f64()
        );
        if r.is_ok() {
            let e = match step.api {
                Api::Cdef => Ffi::new().cdef(&step.text).err(),
                Api::TypeOf => Ffi::new().type_of(&step.text).err(),
            };
            if let Some(e) = e {
                println!("error: {}", describe(&e.to_string()));
            }
        }
        return;
    }
    match std::env::var(SUITE_ENV)
        .ok()
        .as_deref()
        .and_then(Suite::from_name)
    {
        Some(suite) => run_suite_here(suite, env_usize(START_ENV).unwrap_or(0)),
        None => {
            for suite in Suite::ALL {
                run_suite_here(suite, 0);
            }
        }
    }
}

/// This test target has its own harness (`harness = false` in Cargo.toml): the parent runs the
/// suites, each in child processes of this same binary, which `main` recognises by the
/// environment the parent sets. Arguments that are not flags filter the tests by name, as
/// libtest's do.
fn main() {
    if std::env::var_os(SUITE_ENV).is_some() || std::env::var_os(FILE_ENV).is_some() {
        fuzz_child();
        return;
    }
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let tests: [(&str, fn()); 4] = [
        ("corpus_snippets_parse", corpus_snippets_parse),
        ("fuzz_random_inputs", fuzz_random_inputs),
        ("fuzz_pathological_inputs", fuzz_pathological_inputs),
        ("fuzz_regressions", fuzz_regressions),
    ];
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        ran += 1;
        let t = Instant::now();
        let res = panic::catch_unwind(test);
        let status = if res.is_ok() { "ok" } else { "FAILED" };
        println!(
            "test {name} ... {status} ({:.1} s)",
            t.elapsed().as_secs_f64()
        );
        if res.is_err() {
            failed.push(name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed",
        if failed.is_empty() { "ok" } else { "FAILED" },
        ran - failed.len(),
        failed.len()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}
