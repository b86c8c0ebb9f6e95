//! C data in calls: passed to the fixture's functions and returned by them, and pointers to it
//! through variadic tails.

use crate::common;
use jitffi::cdata::Init;
use jitffi::{CDataErrorKind, Ffi, Library, Value};

#[test]
fn cdata_goes_to_calls_and_comes_back() {
    let (ffi, lib) = common::fixture();
    let point = ffi.type_of("struct fx_point").unwrap();
    let pts = point.alloc_array(4).unwrap();
    let x = point.accessor::<f64>("x").unwrap();
    for i in 0..4 {
        x.set_in(&pts, i, i as f64 + 0.5).unwrap();
    }
    let sum_x = ffi.function(&lib, "fx_sum_x").unwrap();
    // SAFETY: fx_sum_x reads `n` points.
    let s = unsafe { sum_x.call(&[(&pts).into(), Value::U64(4)]) }.unwrap();
    assert_eq!(s, Value::F64(8.0));
    // A pointer of the wrong type is refused, naming both types.
    let ints = ffi.alloc("int[4]", Init::Zero).unwrap();
    // SAFETY: refused before the call.
    let e = unsafe { sum_x.call(&[(&ints).into(), Value::U64(4)]) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_sum_x: argument 1: cannot pass 'int *' where 'const struct fx_point *' is expected"
    );
    // Struct by value from a CData, struct results into a CData.
    let norm2 = ffi.function(&lib, "fx_norm2").unwrap();
    let p = pts.index(3).unwrap();
    // SAFETY: fx_norm2 takes a struct by value.
    let n = unsafe { norm2.call(&[p.value().unwrap()]) }.unwrap();
    assert_eq!(n, Value::F64(3.5 * 3.5));
    let make = ffi.function(&lib, "fx_make_point").unwrap();
    // SAFETY: fx_make_point returns a struct.
    let r = unsafe { make.call(&[Value::F64(1.0), Value::F64(2.0)]) }.unwrap();
    let made = ffi.from_value(&r).unwrap();
    assert_eq!(made.type_name(), "struct fx_point");
    assert_eq!(made.get("y").unwrap(), Value::F64(2.0));
    // Flexible arrays written by C.
    let buf = ffi
        .type_of("struct fx_buffer")
        .unwrap()
        .alloc_flex(5)
        .unwrap();
    buf.set("len", 5u64).unwrap();
    let fill = ffi.function(&lib, "fx_fill_buffer").unwrap();
    // SAFETY: the buffer has room for `len` bytes.
    unsafe { fill.call(&[(&buf).into()]) }.unwrap();
    assert_eq!(
        buf.unpack("data").unwrap(),
        (0..5u8).map(Value::U8).collect::<Vec<_>>()
    );
    // Memory C owns: a static list walked through pointers.
    let list = ffi.function(&lib, "fx_static_list").unwrap();
    // SAFETY: returns a pointer to a static list.
    let head = unsafe { list.call(&[]) }.unwrap();
    // SAFETY: the list is static and valid.
    let mut node = unsafe { ffi.view_ptr(&head, None) }.unwrap();
    let mut values = vec![];
    loop {
        values.push(node.get("value").unwrap());
        if node.get("next").unwrap().as_ptr().unwrap().is_null() {
            // SAFETY: NULL is refused before any access.
            let e = unsafe { node.deref("next", None) }.unwrap_err();
            assert_eq!(e.kind(), CDataErrorKind::Null);
            break;
        }
        // SAFETY: the static list's links are valid.
        node = unsafe { node.deref("next", None) }.unwrap();
    }
    assert_eq!(values, [1, 20, 300].map(Value::I32).to_vec());
    // Globals are views.
    // SAFETY: fx_origin is a `struct fx_point` nothing else touches during the test.
    let origin = unsafe { ffi.global_data(&lib, "fx_origin") }.unwrap();
    assert_eq!(origin.get("y").unwrap(), Value::F64(-2.5));
    origin.set("x", 4.0).unwrap();
    let g = ffi.global(&lib, "fx_origin").unwrap();
    // SAFETY: as above.
    let v = unsafe { g.get() }.unwrap();
    assert_eq!(
        ffi.from_value(&v).unwrap().get("x").unwrap(),
        Value::F64(4.0)
    );
    origin.set("x", 1.25).unwrap();
    // Casts of values.
    assert_eq!(
        ffi.cast("uint8_t", &Value::I32(-1)).unwrap(),
        Value::U8(255)
    );
    assert_eq!(ffi.cast("int", &Value::F64(-3.9)).unwrap(), Value::I32(-3));
    let pv = ffi.cast("struct fx_point *", &Value::U64(0x1000)).unwrap();
    assert_eq!(
        ffi.ptr_add(&pv, 2).unwrap().as_ptr().unwrap() as usize,
        0x1020
    );
    assert!(ffi.cast("struct fx_point", &Value::I32(1)).is_err());
}

#[test]
fn cdata_pointers_go_through_variadic_tails() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct point { double x, y; }; int snprintf(char *s, size_t n, const char *fmt, ...);",
    )
    .unwrap();
    let p = ffi.alloc("struct point", Init::Zero).unwrap();
    let buf = ffi.alloc_array("char", 32).unwrap();
    let f = ffi.function(&Library::process(), "snprintf").unwrap();
    // SAFETY: snprintf writes at most 32 bytes; %p reads one pointer.
    let n = unsafe {
        f.call(&[
            (&buf).into(),
            Value::U64(32),
            Value::str(c"%p"),
            (&p).into(),
        ])
    }
    .unwrap();
    let s = String::from_utf8(buf.string("").unwrap()).unwrap();
    assert_eq!(n, Value::I32(s.len() as i32));
    assert_eq!(s, format!("{:p}", p.addr()));
}
