//! The one-line surface a CFFI or LuaJIT user reaches for, on real libraries: calls by name
//! through a `Namespace` with `args!`, constants in one hop, `char *` results as strings.
//! Oracles: zlib's documented CRC-32 check value, the C compiler's view of zlib.h's macros, and
//! the library's own answers.

mod common;

use jitffi::{
    CallErrorKind, Error, Ffi, HeaderOptions, Library, LoadError, LoadOptions, Value, args,
};

fn zlib() -> (Ffi, Library) {
    let ffi = Ffi::new();
    ffi.cdef_header("zlib.h", &HeaderOptions::default())
        .expect("zlib.h (apt-get install zlib1g-dev)");
    // SAFETY: zlib's initialisers are benign.
    let lib = unsafe { Library::open("z", &LoadOptions::default()) }
        .expect("libz (apt-get install zlib1g-dev)");
    (ffi, lib)
}

#[test]
fn namespace_calls_zlib_by_name() {
    let (ffi, lib) = zlib();
    let z = ffi.bind(&lib);
    let data = b"123456789";
    // SAFETY: the declarations come from zlib.h; the buffer has the length passed.
    let crc = unsafe { z.call("crc32", args![0u64, data.as_ptr(), data.len() as u32]) }.unwrap();
    // The CRC-32 check value of "123456789" (ITU-T V.42, zlib's `crc32` documentation).
    assert_eq!(crc, Value::U64(0xCBF4_3926));
    // The cached handle is the same function as `Ffi::function`.
    let f = z.func("crc32").unwrap();
    assert_eq!(f.address(), ffi.function(&lib, "crc32").unwrap().address());
    // SAFETY: as above.
    let again = unsafe { f.call(args![0u64, data.as_ptr(), 9u32]) }.unwrap();
    assert_eq!(again, crc);

    // A function-like macro is not a function, and an undeclared name says so.
    // SAFETY: nothing is called: the lookups fail.
    let err = unsafe { z.call("no_such_function", args![]) }.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            CallErrorKind::Lookup {
                source: LoadError::NotDeclared { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "'no_such_function' is not declared in any cdef (declare its prototype with Ffi::cdef first)"
    );
    // Wrong arguments name the function and the position, as `Function::call` does.
    // SAFETY: refused before the call.
    let err = unsafe { z.call("crc32", args![0u64, 1.5, 9u32]) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "crc32: argument 2: cannot convert f64 to 'const Bytef *'"
    );
}

#[test]
fn names_declared_after_bind_resolve_too() {
    let ffi = Ffi::new();
    ffi.cdef("int abs(int);").unwrap();
    let libc = ffi.bind(&Library::process());
    ffi.cdef("long labs(long);").unwrap();
    // SAFETY: both are libc's functions as declared.
    unsafe {
        assert_eq!(libc.call("abs", args![-7]).unwrap(), Value::I32(7));
        assert_eq!(libc.call("labs", args![-7i64]).unwrap(), Value::I64(7));
        assert_eq!(libc.call("labs", args![-8i64]).unwrap(), Value::I64(8));
    }
    // A namespace is shared across threads.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let libc = libc.clone();
            std::thread::spawn(move || {
                // SAFETY: as above.
                unsafe { libc.call("abs", args![-i]) }.unwrap()
            })
        })
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        assert_eq!(h.join().unwrap(), Value::I32(i as i32));
    }
}

#[test]
fn constants_match_the_c_compiler_and_the_library() {
    let (ffi, lib) = zlib();
    // The C compiler's values of the same macros.
    let out = common::run_c(
        "#include <stdio.h>\n#include <zlib.h>\nint main(void) { printf(\"%d %d %d %s\\n\", \
         Z_OK, Z_BUF_ERROR, Z_DEFLATED, ZLIB_VERSION); return 0; }\n",
        "sugar_constants",
    );
    let cc: Vec<&str> = out.split_whitespace().collect();
    assert_eq!(
        ffi.constant("Z_OK").unwrap(),
        Value::I32(cc[0].parse().unwrap())
    );
    assert_eq!(
        ffi.constant_i64("Z_BUF_ERROR").unwrap(),
        cc[1].parse::<i64>().unwrap()
    );
    assert_eq!(
        ffi.constant_i64("Z_DEFLATED").unwrap(),
        cc[2].parse::<i64>().unwrap()
    );
    assert_eq!(ffi.constant_str("ZLIB_VERSION").unwrap(), cc[3]);
    // `zlibVersion()` returns the library's version string: a `char *` result read in one call.
    let z = ffi.bind(&lib);
    // SAFETY: zlibVersion returns a static string.
    let version = unsafe { z.call("zlibVersion", args![]).unwrap().to_string_lossy() };
    assert_eq!(version.as_deref().map(|v| &v[..2]), Some(&cc[3][..2]));

    let err = ffi.constant("crc32").unwrap_err();
    assert!(
        matches!(err, Error::Load(LoadError::NotAConstant { .. })),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "'crc32' is declared as a function, not as a number"
    );
    assert_eq!(
        ffi.constant_str("Z_OK").unwrap_err().to_string(),
        "'Z_OK' is declared as a constant of another kind, not as a string"
    );
    assert_eq!(
        ffi.constant("NOT_THERE").unwrap_err().to_string(),
        "'NOT_THERE' is not declared in any cdef (define it with Ffi::cdef first)"
    );
}

#[test]
fn char_pointer_results_and_null() {
    let ffi = Ffi::new();
    ffi.cdef("char *getenv(const char *); char *strerror(int);")
        .unwrap();
    let libc = ffi.bind(&Library::process());
    // SAFETY: getenv's result is valid until the environment changes, which this test does
    // not do; strerror's until the next call on this thread.
    unsafe {
        let missing = libc
            .call("getenv", args![c"JITFFI_SURELY_UNSET_VARIABLE"])
            .unwrap();
        assert_eq!(missing.as_c_str(), None);
        assert_eq!(missing.to_string_lossy(), None);
        let path = libc.call("getenv", args![c"PATH"]).unwrap();
        assert_eq!(path.to_string_lossy(), std::env::var("PATH").ok());
        let msg = libc.call("strerror", args![libc::ENOENT]).unwrap();
        assert_eq!(
            msg.to_string_lossy().as_deref(),
            Some("No such file or directory")
        );
        // Not a pointer: no string.
        assert_eq!(Value::I32(3).as_c_str(), None);
    }
}
