//! A tour of calling C declared at run time: libraries, untyped and typed calls, structs by
//! value, variadic functions, function pointers, errno, errors, and what the JIT compiled.
//!
//! `cargo run --example call_tour`

use jitffi::{Backend, Ffi, Library, LoadOptions, Value, c_struct};

c_struct! {
    /// `div_t` as Rust sees it.
    #[derive(Debug, PartialEq)]
    pub struct Div {
        /// The quotient.
        pub quot: i32,
        /// The remainder.
        pub rem: i32,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ffi = Ffi::new();
    ffi.cdef(
        r#"
        typedef struct { int quot, rem; } div_t;
        div_t div(int numer, int denom);
        double cos(double);
        double frexp(double x, int *exp);
        long strtol(const char *s, char **end, int base);
        int snprintf(char *buf, size_t size, const char *fmt, ...);
        size_t strlen(const char *s);
        int no_such_function(void);
        "#,
    )?;
    // SAFETY: libm's initialisers are harmless.
    let libm = unsafe { Library::open("m", &LoadOptions::default())? };
    let libc = Library::process();
    println!("libm: {:?}", libm.path());

    // Untyped calls: any number of `Value`s, checked against the declaration on every call.
    let cos = ffi.function(&libm, "cos")?;
    // SAFETY: here and below, the declarations match glibc's, and pointer arguments point to
    // live buffers of the sizes the functions expect.
    println!("cos(0.5) = {:?}", unsafe { cos.call(&[Value::F64(0.5)])? });

    // Structs by value, through the JIT: `div_t div(int, int)`.
    let div = ffi.function(&libc, "div")?;
    // SAFETY: as above.
    let q = unsafe { div.call(&[Value::I32(17), Value::I32(5)])? };
    if let Value::Struct(s) = &q {
        println!("div(17, 5) = {:?} (bytes {:?})", q, s.bytes());
    }

    // Pointers to Rust memory: `double frexp(double, int *)`.
    let frexp = ffi.function(&libm, "frexp")?;
    let mut exp = 0i32;
    // SAFETY: as above.
    let m = unsafe { frexp.call(&[Value::F64(48.0), Value::ptr(&mut exp as *mut i32)])? };
    println!("frexp(48) = {m:?} * 2^{exp}");

    // Variadic: each call's tail gets its own plan (after C's default promotions).
    let snprintf = ffi.function(&libc, "snprintf")?;
    let mut buf = [0u8; 64];
    // SAFETY: as above.
    let n = unsafe {
        snprintf.call(&[
            Value::ptr(buf.as_mut_ptr()),
            Value::U64(buf.len() as u64),
            Value::str(c"%s has %d args, %.2f avg"),
            Value::str(c"snprintf"),
            Value::I32(5),
            Value::F64(2.5),
        ])?
    };
    let text = std::ffi::CStr::from_bytes_until_nul(&buf)?;
    println!("snprintf -> {n:?}: {text:?}");

    // errno, captured right after the call (CFFI's ffi.errno).
    let strtol = ffi.function(&libc, "strtol")?.capture_errno();
    // SAFETY: as above.
    let big = unsafe {
        strtol.call(&[
            Value::str(c"99999999999999999999"),
            Value::NULL,
            Value::I32(10),
        ])?
    };
    println!(
        "strtol(overflow) = {big:?}, errno = {} (ERANGE = {})",
        jitffi::errno(),
        libc::ERANGE
    );

    // Typed: checked once, then native calls.
    let div_t = div.typed::<(i32, i32), Div>()?;
    // SAFETY: as above.
    println!("typed div(-7, 2) = {:?}", unsafe { div_t.call((-7, 2)) });
    match ffi.function(&libc, "strlen")?.typed::<(i64,), usize>() {
        Ok(_) => unreachable!("strlen takes a pointer"),
        Err(e) => println!("typed strlen as (i64,) -> usize: {e}"),
    }

    // A function pointer cast to a declared type.
    let ptr = cos.address();
    // SAFETY: `ptr` is cos, whose type this is.
    let via_ptr = unsafe { ffi.function_at(ptr, "double (*)(double)")? };
    // SAFETY: as above.
    println!("(*cos)(0) = {:?}", unsafe {
        via_ptr.call(&[Value::F64(0.0)])?
    });

    // Errors name the function, the argument and both types; nothing is called.
    for args in [
        vec![Value::I32(1)],
        vec![Value::str(c"x"), Value::I32(2)],
        vec![Value::I64(1 << 40), Value::I32(1)],
    ] {
        // SAFETY: as above.
        println!("div{:?}: {}", args, unsafe { div.call(&args) }.unwrap_err());
    }
    println!(
        "declared, not in the library: {}",
        ffi.function(&libc, "no_such_function").unwrap_err()
    );
    println!("not declared: {}", ffi.function(&libc, "puts").unwrap_err());

    // Both backends give the same results.
    for b in [Backend::Jit, Backend::Libffi] {
        // SAFETY: as above.
        let r = unsafe { div.call_with(b, &[Value::I32(100), Value::I32(7)])? };
        println!("div(100, 7) via {b:?}: {r:?}");
    }
    println!("JIT: {:?}", ffi.jit_stats());
    Ok(())
}
