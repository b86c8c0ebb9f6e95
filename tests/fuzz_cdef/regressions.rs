//! The `regressions` suite: inputs that once broke the property.

use std::time::Duration;

use crate::cases::{Case, case, cdef, type_of};
use crate::pathological::{macro_diamond, rep};

/// Inputs that broke the property once (found by this test or by `tests/fuzz`). They stay here
/// as regression cases; the comment says what they did. Those not marked "fixed since" still
/// failed when they were added, so `fuzz_regressions` fails (and, with the two hangs, takes
/// about 25 s) until they are fixed.
pub(crate) fn regression_cases() -> Vec<Case> {
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
        // Hangs found by the million-input run (`.ci/selftest`): runs of adjacent `+`/`-`,
        // which lang-c parses in time exponential in the run (`++`/`--` or `+`/`-` at each).
        // Fixed since: cdef::MAX_SIGN_RUN.
        case(
            "type name after 280 '+'",
            vec![type_of(format!("{}int", rep("+", 280)))],
        ),
        case(
            "enumerator of 91 '-' then a stray ')'",
            vec![cdef(format!(
                "enum color {{ RED, GREEN = 5, BLUE, ALPHA = {}) * 3];",
                rep("-", 91)
            ))],
        ),
        case(
            "enumerator of 250 '-'",
            vec![cdef(format!("enum e_neg {{ EN_A = {}1 }};", rep("-", 250)))],
        ),
        // A diagnostic at line 0 after `#0""` (a linemarker without a space). Fixed since:
        // markers of line 0 are ignored.
        case("#0\"\" then an unknown type", vec![cdef("#0\"\"\nu m;")]),
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
