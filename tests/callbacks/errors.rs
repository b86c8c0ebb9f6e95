//! What goes wrong: panics and bad results (the default comes back), precise creation errors,
//! and quiet panics (contained ones kept from the panic hook, others chained to it).

use crate::common;
use crate::{BACKENDS, S16d, call, callback_error};
use jitffi::{CallbackErrorKind, StructValue, Value};

#[test]
fn panics_and_bad_results_return_the_default() {
    let (ffi, lib) = common::fixture();
    let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    for backend in BACKENDS {
        let ty = ffi
            .callbacks("int32_t (*)(int32_t)")
            .unwrap()
            .backend(backend);
        let with_default = ty.clone().on_error(Value::I32(-77)).unwrap();
        let typed = with_default
            .typed(|x: i32| {
                assert!(x != 3, "three is not allowed");
                x + 1
            })
            .unwrap();
        assert_eq!(call(&f, &[typed.value(), Value::I32(1)]), Value::I32(2));
        assert_eq!(call(&f, &[typed.value(), Value::I32(3)]), Value::I32(-77));
        assert_eq!(typed.errors(), 1);
        let e = typed.take_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Panic);
        assert_eq!(e.message, "three is not allowed");
        assert!(typed.last_error().is_none());
        // Still usable after a panic.
        assert_eq!(call(&f, &[typed.value(), Value::I32(4)]), Value::I32(5));

        let untyped = ty
            .untyped(|a: &[Value<'_>]| match a[0].as_i64() {
                Some(0) => panic!("zero: {}", 0),
                Some(1) => Value::F64(1.5),
                Some(2) => Value::I64(1 << 40),
                Some(3) => Value::Void,
                Some(x) => Value::I64(x),
                None => unreachable!(),
            })
            .unwrap();
        // No on_error: the default is zero.
        assert_eq!(call(&f, &[untyped.value(), Value::I32(0)]), Value::I32(0));
        assert_eq!(untyped.last_error().unwrap().message, "zero: 0");
        assert_eq!(call(&f, &[untyped.value(), Value::I32(1)]), Value::I32(0));
        let e = untyped.last_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Result);
        assert_eq!(e.message, "returned f64 where 'int32_t' is expected");
        assert_eq!(call(&f, &[untyped.value(), Value::I32(2)]), Value::I32(0));
        assert_eq!(
            untyped.last_error().unwrap().message,
            "returned 1099511627776, which does not fit in 'int32_t'"
        );
        assert_eq!(call(&f, &[untyped.value(), Value::I32(3)]), Value::I32(0));
        assert_eq!(call(&f, &[untyped.value(), Value::I32(-9)]), Value::I32(-9));
        assert_eq!(untyped.errors(), 4);

        // Struct results: the default is the struct on_error set.
        let pt = ffi.type_of("struct fx_s16d").unwrap();
        let bytes: Vec<u8> = [1.0f64, 2.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        let st = ffi
            .callbacks("struct fx_s16d (*)(int, struct fx_s16d, double)")
            .unwrap()
            .backend(backend)
            .on_error(Value::Struct(StructValue::owned_copy(&pt, &bytes)))
            .unwrap()
            .typed(|_: i32, _: S16d, _: f64| -> S16d { panic!("no") })
            .unwrap();
        let r = call(
            &ffi.function(&lib, "fx_cb_s16d").unwrap(),
            &[
                st.value(),
                Value::Struct(StructValue::borrowed(&pt, &bytes)),
            ],
        );
        let Value::Struct(r) = r else { panic!() };
        assert_eq!(r.bytes(), &bytes[..]);
        assert_eq!(st.errors(), 1);
    }
}

#[test]
fn creation_errors_are_precise() {
    let (ffi, _lib) = common::fixture();
    let e = callback_error(
        ffi.callback("int", |_: &[Value<'_>]| Value::Void)
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Unsupported);
    assert_eq!(
        e.to_string(),
        "callback 'int' cannot be made: 'int' is not a function or function pointer type"
    );
    let e = callback_error(
        ffi.callback("int (*)(const char *, ...)", |_: &[Value<'_>]| {
            Value::I32(0)
        })
        .unwrap_err(),
    );
    assert!(e.message.contains("variadic"), "{e}");
    let e = callback_error(
        ffi.callback("int (*)(struct nope)", |_: &[Value<'_>]| Value::I32(0))
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Unsupported);
    assert!(e.message.contains("struct nope"), "{e}");
    // A type name that does not parse: the cdef error is the source.
    let e = callback_error(
        ffi.callback("int (*)(nope_t)", |_: &[Value<'_>]| Value::I32(0))
            .unwrap_err(),
    );
    assert_eq!(e.kind, CallbackErrorKind::Type);
    assert_eq!(
        e.to_string(),
        "callback 'int (*)(nope_t)' cannot be made: not a declared type"
    );
    let source = std::error::Error::source(&e)
        .expect("the cdef error")
        .to_string();
    assert!(source.contains("nope_t"), "{source}");
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: f64| x as i32)
            .unwrap_err(),
    );
    assert_eq!(
        e.to_string(),
        "callback 'int (*)(int)' cannot be made: argument 1: Rust type 'f64' does not match C type 'int' (different kinds of type)"
    );
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: i32| x as u32)
            .unwrap_err(),
    );
    assert_eq!(
        e.message,
        "result: Rust type 'u32' does not match C type 'int' (unsigned in Rust, signed in C)"
    );
    let e = callback_error(
        ffi.callback_typed("int (*)(int)", |x: i32, y: i32| x + y)
            .unwrap_err(),
    );
    assert_eq!(
        e.message,
        "the closure takes 2 arguments, the declaration 1"
    );
    let e = callback_error(
        ffi.callbacks("int (*)(int)")
            .unwrap()
            .on_error(Value::F64(0.5))
            .unwrap_err(),
    );
    assert_eq!(e.message, "on_error: returned f64 where 'int' is expected");
    let e = callback_error(
        ffi.callbacks("void (*)(int)")
            .unwrap()
            .on_error(Value::I32(1))
            .unwrap_err(),
    );
    assert!(e.message.contains("'void'"), "{e}");
    // A callback of the wrong type passed to an untyped call is refused with both types.
    let cb = ffi
        .callback_typed("double (*)(double)", |x: f64| x)
        .unwrap();
    let f = ffi.function(&_lib, "fx_cb_ret_i32").unwrap();
    // SAFETY: the call is refused before anything is called.
    let err = unsafe { f.call(&[cb.value(), Value::I32(1)]) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "fx_cb_ret_i32: argument 1: cannot pass 'double (*)(double)' where 'int32_t (*)(int32_t)' is expected"
    );
    // The same with a callback type first declared after the function was resolved: named
    // from the context's newest types, not "a type declared later".
    let later = ffi
        .callback_typed("float (*)(float, float)", |x: f32, _: f32| x)
        .unwrap();
    // SAFETY: as above.
    let err = unsafe { f.call(&[later.value(), Value::I32(1)]) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "fx_cb_ret_i32: argument 1: cannot pass 'float (*)(float, float)' where 'int32_t (*)(int32_t)' is expected"
    );
    // Function types and typedefs name the same callback type.
    let a = ffi.callbacks("int (int, void *)").unwrap();
    let b = ffi.callbacks("fx_callback").unwrap();
    assert_eq!(a.name(), "int (*)(int, void *)");
    assert_eq!(b.name(), a.name());
}

#[test]
fn quiet_panics_keep_contained_panics_from_the_hook_and_chain_to_it_for_others() {
    thread_local! {
        /// Panics the hook saw on this test's thread (the hook is global: the panics of other
        /// tests go to the hook before it).
        static SEEN: std::cell::RefCell<Option<Vec<String>>> = const { std::cell::RefCell::new(None) };
    }
    let before = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let mine = SEEN.with(|s| {
            let mut s = s.borrow_mut();
            let Some(seen) = s.as_mut() else {
                return false;
            };
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            seen.push(msg);
            true
        });
        if !mine {
            before(info);
        }
    }));
    SEEN.with(|s| *s.borrow_mut() = Some(Vec::new()));
    let seen = || SEEN.with(|s| s.borrow_mut().replace(Vec::new()).unwrap_or_default());
    let (ffi, lib) = common::fixture();
    let f = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    for backend in BACKENDS {
        let ty = ffi
            .callbacks("int32_t (*)(int32_t)")
            .unwrap()
            .backend(backend);
        let typed = ty.typed(|x: i32| -> i32 { panic!("typed {x}") }).unwrap();
        let untyped = ty
            .untyped(|a: &[Value<'_>]| panic!("untyped {}", a[0].as_i64().unwrap()))
            .unwrap();

        // Quiet: the hook does not run for contained panics, and the message is kept.
        jitffi::quiet_panics(true);
        assert_eq!(call(&f, &[typed.value(), Value::I32(7)]), Value::I32(0));
        assert_eq!(call(&f, &[untyped.value(), Value::I32(8)]), Value::I32(0));
        assert_eq!(seen(), Vec::<String>::new());
        assert_eq!(typed.take_error().unwrap().message, "typed 7");
        let e = untyped.take_error().unwrap();
        assert_eq!(e.kind, CallbackErrorKind::Panic);
        assert_eq!(e.message, "untyped 8");
        assert_eq!(
            e.to_string(),
            "callback 'int32_t (*)(int32_t)' panicked: untyped 8"
        );
        // A panic that is not a callback's reaches the previous hook.
        let r = std::panic::catch_unwind(|| panic!("not a callback"));
        assert!(r.is_err());
        assert_eq!(seen(), ["not a callback"]);

        // Loud again: contained panics reach the hook as before.
        jitffi::quiet_panics(false);
        assert_eq!(call(&f, &[typed.value(), Value::I32(9)]), Value::I32(0));
        assert_eq!(seen(), ["typed 9"]);
        assert_eq!(typed.errors(), 2);
        assert_eq!(untyped.errors(), 1);
    }
    SEEN.with(|s| s.borrow_mut().take());
}
