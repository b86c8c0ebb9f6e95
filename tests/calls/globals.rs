//! Strings, pointers, function pointers and globals through calls, and errno captured per
//! thread.

use std::ffi::{CStr, c_void};

use crate::common::fixture;
use crate::{BACKENDS, call};
use jitffi::Value;

#[test]
fn errno_is_captured_per_thread() {
    let (ffi, lib) = fixture();
    let f = ffi
        .function(&lib, "fx_set_errno")
        .expect("declared")
        .capture_errno();
    for b in BACKENDS {
        // SAFETY: the declaration matches.
        unsafe { f.call_with(b, &[Value::I32(34)]) }.expect("call");
        assert_eq!(jitffi::errno(), 34, "via {b:?}");
        let f2 = f.clone();
        let other = std::thread::spawn(move || {
            // SAFETY: as above.
            unsafe { f2.call_with(b, &[Value::I32(5)]) }.expect("call");
            jitffi::errno()
        })
        .join()
        .expect("thread");
        assert_eq!(other, 5);
        assert_eq!(jitffi::errno(), 34, "another thread's errno is its own");
    }
}

/// Every path of a call with errno capture: the function sees the errno the last captured call
/// left (restored right before it), and the errno it leaves is saved right after it. A refused
/// call saves nothing.
#[test]
fn errno_is_restored_before_and_saved_after_every_kind_of_call() {
    let (ffi, lib) = fixture();
    let f = ffi.function(&lib, "fx_swap_errno").expect("declared");
    // SAFETY: the pointer is fx_swap_errno, of this type; the library stays loaded.
    let pointer = unsafe { ffi.function_at(f.address(), "int (*)(int)") }.expect("cast");
    let handles = [
        ("trampoline", f.capture_errno(), jitffi::Backend::Jit),
        (
            "Cranelift stub",
            f.with_cranelift_stub().capture_errno(),
            jitffi::Backend::Jit,
        ),
        ("libffi", f.capture_errno(), jitffi::Backend::Libffi),
        (
            "function pointer",
            pointer.capture_errno(),
            jitffi::Backend::Jit,
        ),
    ];
    for (what, h, b) in &handles {
        jitffi::set_errno(7);
        // SAFETY: the declaration matches.
        let old = unsafe { h.call_with(*b, &[Value::I32(34)]) }.expect("call");
        assert_eq!((old, jitffi::errno()), (Value::I32(7), 34), "{what}");
        // SAFETY: refused before the call (a string for an int).
        unsafe { h.call_with(*b, &[Value::str(c"x")]) }.expect_err("refused");
        assert_eq!(jitffi::errno(), 34, "{what}: a refused call saves nothing");
        if *b == jitffi::Backend::Jit {
            let mut p = h.prepare().expect("prepare");
            p.set_i32(0, 9).expect("set");
            jitffi::set_errno(8);
            // SAFETY: as above.
            let old = unsafe { p.call() }.expect("call");
            assert_eq!(
                (old, jitffi::errno()),
                (Value::I32(8), 9),
                "{what}, prepared"
            );
        }
    }
    // Without capture, the errno saved is untouched.
    jitffi::set_errno(1);
    // SAFETY: as above.
    unsafe { f.call(&[Value::I32(2)]) }.expect("call");
    assert_eq!(jitffi::errno(), 1);
}

#[test]
fn strings_pointers_function_pointers_and_globals() {
    let (ffi, lib) = fixture();
    for b in BACKENDS {
        assert_eq!(
            call(&ffi, &lib, "fx_strlen", b, &[Value::str(c"hello, world")]),
            Value::U64(12)
        );
        let name = call(&ffi, &lib, "fx_name", b, &[]);
        let Value::Ptr(p) = name else {
            panic!("{name:?}")
        };
        // SAFETY: fx_name returns a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p.addr().cast()) };
        assert_eq!(s, c"jitffi fixture");
        assert_eq!(
            p.type_id().map(|t| ffi.types().display(t)),
            Some("const char *".into())
        );
        // A typed pointer result passed back where another pointer type is expected.
        // SAFETY: refused before the call.
        let err = unsafe {
            ffi.function(&lib, "fx_dot")
                .expect("declared")
                .call_with(b, &[name.clone(), name.clone()])
        }
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "fx_dot: argument 1: cannot pass 'const char *' where 'const struct fx_point *' is expected"
        );
        let x = 7u8;
        assert_eq!(
            call(&ffi, &lib, "fx_id_ptr", b, &[Value::ptr(&x)]).as_ptr(),
            Some((&raw const x).cast_mut().cast::<c_void>())
        );
        // A function pointer returned by C, called through its declared type.
        let fp = call(&ffi, &lib, "fx_get_add3", b, &[]);
        // SAFETY: fx_get_add3 returns fx_add3, which has this type and lives as long as the library.
        let add3 =
            unsafe { ffi.function_at(fp.as_ptr().expect("pointer"), "int (*)(int, int, int)") }
                .expect("cast");
        // SAFETY: as above.
        let r = unsafe { add3.call_with(b, &[Value::I32(1), Value::I32(2), Value::I32(3)]) };
        assert_eq!(r.expect("call"), Value::I32(321));
    }
    let counter = ffi.global(&lib, "fx_counter").expect("global");
    // SAFETY: fx_counter is an int no other thread touches.
    unsafe {
        assert_eq!(counter.get().expect("get"), Value::I32(7));
        counter.set(&Value::I64(-99)).expect("set");
        assert_eq!(counter.get().expect("get"), Value::I32(-99));
        assert!(counter.set(&Value::I64(1 << 40)).is_err());
    }
    let greeting = ffi.global(&lib, "fx_greeting").expect("global");
    // SAFETY: an array global reads as a pointer to its first element.
    let p = unsafe { greeting.get() }
        .expect("get")
        .as_ptr()
        .expect("pointer");
    // SAFETY: fx_greeting is a NUL-terminated string.
    let s = unsafe { CStr::from_ptr(p.cast()) };
    assert_eq!(s, c"hello from the fixture");
}
