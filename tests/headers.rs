//! Real system headers through `Ffi::cdef_header` (cc -E -dD), every struct checked against cc.

mod common;

use jitffi::{Ffi, HeaderOptions};

fn check_header(header: &str) {
    common::require_cc();
    let ffi = Ffi::new();
    if let Err(e) = ffi.cdef_header(header, &HeaderOptions::default()) {
        let text = e.to_string();
        let shown: Vec<&str> = text.lines().take(20).collect();
        panic!("cdef_header({header}) failed:\n{}", shown.join("\n"));
    }
    let prelude = format!("#include <{header}>\n");
    let m = common::probe(&ffi, &prelude, &header.replace(['/', '.'], "_"));
    common::assert_no_mismatch(&m, header);
}

#[test]
fn stdio() {
    check_header("stdio.h");
}
#[test]
fn time() {
    check_header("time.h");
}
#[test]
fn sys_stat() {
    check_header("sys/stat.h");
}
#[test]
fn pthread() {
    check_header("pthread.h");
}
#[test]
fn zlib() {
    check_header("zlib.h");
}
#[test]
fn sqlite3() {
    check_header("sqlite3.h");
}
#[test]
fn glpk() {
    check_header("glpk.h");
}
#[test]
fn cblas() {
    check_header("cblas.h");
}
#[test]
fn lapacke() {
    check_header("lapacke.h");
}
#[test]
fn libpng() {
    check_header("png.h");
}
#[test]
fn regex() {
    // glibc declares `regexec(..., regmatch_t __pmatch[_Restrict_arr_ _REGEX_NELTS (__nmatch)], ...)`:
    // a variable length array parameter.
    check_header("regex.h");
    let ffi = Ffi::new();
    ffi.cdef_header("regex.h", &HeaderOptions::default())
        .expect("regex.h");
    let f = ffi.types();
    let regexec = f.function("regexec").expect("regexec declared");
    assert_eq!(
        f.declare_function(regexec),
        "int regexec(const regex_t *__preg, const char *__String, size_t __nmatch, regmatch_t *__pmatch, int __eflags)"
    );
}
#[test]
fn stdatomic() {
    // `atomic_int` and friends are `_Atomic` typedefs; their sizes and alignments are checked.
    check_header("stdatomic.h");
    let ffi = Ffi::new();
    ffi.cdef_header("stdatomic.h", &HeaderOptions::default())
        .expect("stdatomic.h");
    let ty = ffi.type_of("atomic_llong").unwrap();
    let jitffi::ctype::CType::Typedef(td) = ty.kind() else {
        panic!("atomic_llong is not a typedef: {ty}");
    };
    assert_eq!(ty.table().display(td.target), "_Atomic long long");
}

#[test]
fn restrict_arr_in_cdef_text() {
    // The glibc spelling works in hand-written cdef text too (it stands for `restrict`).
    let ffi = Ffi::new();
    ffi.cdef("int regexec_like(unsigned long n, int m[_Restrict_arr_ n], double (*p)[n]);")
        .unwrap();
    let t = ffi.types();
    assert_eq!(
        t.declare_function(t.function("regexec_like").unwrap()),
        "int regexec_like(unsigned long n, int *m, double (*p)[])"
    );
}

#[test]
fn function_like_macro_is_named_as_such() {
    // zlib's `deflateInit` is a macro over `deflateInit_`: asking for it says so, with its
    // location in the header and the function to call instead.
    let ffi = Ffi::new();
    ffi.cdef_header("zlib.h", &HeaderOptions::default())
        .expect("zlib.h");
    // SAFETY: zlib's initialisers are sound to run.
    let lib = unsafe { jitffi::Library::open("z", &Default::default()) }.expect("libz");
    let e = ffi.function(&lib, "deflateInit").unwrap_err().to_string();
    assert!(
        e.starts_with(
            "'deflateInit' is declared as a function-like macro in /usr/include/zlib.h:18"
        ),
        "{e}"
    );
    assert!(
        e.contains("`#define deflateInit(strm,level) deflateInit_((strm), (level), ZLIB_VERSION, (int)sizeof(z_stream))`"),
        "{e}"
    );
    assert!(
        e.ends_with("; call 'deflateInit_', what it expands to), not as a function or variable"),
        "{e}"
    );
    ffi.function(&lib, "deflateInit_")
        .expect("the function it expands to");
    // A failed cdef keeps no macro: the table is transactional for them too.
    let other = Ffi::new();
    assert!(
        other
            .cdef_preprocessed(
                "#define twice(x) ((x) * 2)\nint broken(;",
                &Default::default()
            )
            .is_err()
    );
    let e = other.function(&lib, "twice").unwrap_err().to_string();
    assert!(e.contains("is not declared in any cdef"), "{e}");
}

#[test]
fn atomic_scalar_parameters_are_passed_as_the_scalar() {
    // gcc keeps `_Atomic` in a parameter's type, and passes the value as the plain scalar: libc's
    // functions declared with atomic parameters are called like the plain declarations.
    let ffi = Ffi::new();
    ffi.cdef("int abs(_Atomic int x); double difftime(_Atomic long t1, _Atomic(long) t0); long labs(const _Atomic long x);")
        .unwrap();
    let libc = jitffi::Library::process();
    let abs = ffi.function(&libc, "abs").unwrap();
    let difftime = ffi.function(&libc, "difftime").unwrap();
    let labs = ffi.function(&libc, "labs").unwrap();
    // SAFETY: the declarations match libc's functions, up to `_Atomic`, which the ABI ignores.
    unsafe {
        assert_eq!(
            abs.call(&[jitffi::Value::I32(-7)]).unwrap(),
            jitffi::Value::I32(7)
        );
        assert_eq!(
            difftime
                .call(&[jitffi::Value::I64(7), jitffi::Value::I64(2)])
                .unwrap(),
            jitffi::Value::F64(5.0)
        );
        assert_eq!(
            labs.call(&[jitffi::Value::I64(-1 << 40)]).unwrap(),
            jitffi::Value::I64(1 << 40)
        );
    }
    let t = ffi.types();
    assert_eq!(
        t.declare_function(t.function("labs").unwrap()),
        "long labs(_Atomic long x)"
    );
}

fn unreadable_opts() -> HeaderOptions {
    HeaderOptions {
        include_dirs: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/include").into()],
        ..HeaderOptions::default()
    }
}

#[test]
fn a_header_with_unreadable_declarations_is_all_or_nothing_by_default() {
    let ffi = Ffi::new();
    let err = ffi
        .cdef_header("unreadable.h", &unreadable_opts())
        .unwrap_err();
    let shown = err.to_string();
    assert!(shown.contains("unreadable.h:8:"), "{shown}");
    assert!(shown.contains("_Decimal64"), "{shown}");
    // Nothing was declared.
    assert!(ffi.sizeof("struct pair").is_err());
}

#[test]
fn skip_unreadable_declares_the_rest_and_reports_each_skipped_declaration() {
    let ffi = Ffi::new();
    let opts = HeaderOptions {
        skip_unreadable: true,
        ..unreadable_opts()
    };
    let report = ffi.cdef_header("unreadable.h", &opts).unwrap();
    let lines: Vec<u32> = report.skipped.iter().map(|d| d.line).collect();
    // dec_scale, struct money, rate: each whole, with its line in the header.
    assert_eq!(lines, [8, 9, 11], "{:#?}", report.skipped);
    assert!(
        report
            .skipped
            .iter()
            .all(|d| d.file.ends_with("unreadable.h")),
        "{:#?}",
        report.skipped
    );
    assert_eq!(
        report.skipped[0].message,
        "dec_scale: floating type _Decimal64 is not supported"
    );
    assert!(
        report.skipped[2].message.contains("_Decimal32"),
        "{}",
        report.skipped[2]
    );
    // The rest is declared, with the compiler's layout.
    assert_eq!(ffi.sizeof("struct pair").unwrap(), 16);
    assert_eq!(ffi.sizeof("pair_t").unwrap(), 16);
    assert_eq!(ffi.constant_i64("PAIR_MAX").unwrap(), 16);
    let t = ffi.types();
    assert!(t.function("pair_sum").is_some());
    assert!(t.function("dec_scale").is_none());
    assert!(t.global("rate").is_none());
    // GCC's `__thread` is C11's `_Thread_local`: declared.
    assert!(t.global("last_error").is_some());
    // A skipped struct leaves no partial definition: `struct money` is only the incomplete
    // type that money_cmp's parameters name, as in C.
    assert!(t.function("money_cmp").is_some());
    assert!(ffi.sizeof("struct money").is_err());
}

#[test]
fn only_declares_the_chosen_names_and_says_why_one_is_missing() {
    let ffi = Ffi::new();
    ffi.cdef("int earlier(int);").unwrap();
    let opts = HeaderOptions {
        only: Some(vec!["pair_sum".into(), "PAIR_MAX".into()]),
        ..unreadable_opts()
    };
    let report = ffi.cdef_header("unreadable.h", &opts).unwrap();
    assert_eq!(report.skipped.len(), 3, "{:#?}", report.skipped);
    let t = ffi.types();
    assert!(t.function("pair_sum").is_some());
    assert!(t.function("money_cmp").is_none());
    assert!(
        t.function("earlier").is_some(),
        "declarations of earlier cdefs stay"
    );
    assert_eq!(ffi.constant_i64("PAIR_MAX").unwrap(), 16);
    // Types come along as far as they could be read.
    assert_eq!(ffi.offsetof("struct pair", "b").unwrap(), 8);

    let fails = |name: &str| {
        let ffi = Ffi::new();
        let opts = HeaderOptions {
            only: Some(vec![name.into()]),
            ..unreadable_opts()
        };
        let err = ffi.cdef_header("unreadable.h", &opts).unwrap_err();
        assert!(ffi.sizeof("struct pair").is_err(), "nothing declared");
        err.to_string()
    };
    let e = fails("dec_scale");
    assert!(
        e.contains("'dec_scale' was skipped: ") && e.contains("_Decimal64"),
        "{e}"
    );
    let e = fails("pair_first");
    assert!(
        e.contains("'pair_first' is a function-like macro (") && e.contains("unreadable.h:16)"),
        "{e}"
    );
    let e = fails("nope");
    assert_eq!(e, "<header>:1:1: 'nope' is not declared in the header");
}
