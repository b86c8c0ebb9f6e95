//! Buffers and views of C memory (bounds and null checked), and initializers and their errors,
//! checked like call arguments.

use jitffi::cdata::Init;
use jitffi::{CDataErrorKind, Ffi, Value};

#[test]
fn buffers_and_views_check_bounds_and_null() {
    let ffi = Ffi::new();
    ffi.cdef("struct point { double x, y; }; struct vec { size_t n; double v[]; };")
        .unwrap();
    // from_buffer: a Rust buffer seen as C data.
    let mut raw = [0u64; 4];
    // SAFETY: u64s are 8 bytes each, no padding.
    let bytes = unsafe { std::slice::from_raw_parts_mut(raw.as_mut_ptr().cast::<u8>(), 32) };
    let pts = ffi.from_buffer("struct point[]", bytes).unwrap();
    assert_eq!(pts.len(), Some(2));
    pts.set("[1].y", 2.5).unwrap();
    assert_eq!(
        pts.get("[2].x").unwrap_err().kind(),
        CDataErrorKind::OutOfBounds
    );
    drop(pts);
    assert_eq!(raw[3], 2.5f64.to_bits());
    // A misaligned buffer is refused.
    let mut odd = [0u8; 40];
    let off = if (odd.as_ptr() as usize).is_multiple_of(8) {
        1
    } else {
        0
    };
    assert!(
        ffi.from_buffer("struct point", &mut odd[off..off + 16])
            .is_err()
    );
    // Flexible array members: bounds from the allocation.
    let v = ffi.type_of("struct vec").unwrap().alloc_flex(3).unwrap();
    v.set("v[2]", 1.0).unwrap();
    let e = v.set("v[3]", 1.0).unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::OutOfBounds, "{e}");
    assert_eq!(v.at("v").unwrap().len(), Some(3));
    // Pointer arithmetic stays inside the allocation.
    let arr = ffi.alloc_array("struct point", 3).unwrap();
    let p2 = arr.index(0).unwrap().offset(2).unwrap();
    p2.set("x", 9.0).unwrap();
    assert_eq!(arr.get("[2].x").unwrap(), Value::F64(9.0));
    assert!(p2.offset(1).is_err());
    assert!(p2.offset(-2).is_ok());
    assert!(p2.offset(-3).is_err());
    // NULL views are refused.
    // SAFETY: NULL is refused before any access.
    let e = unsafe { ffi.view(std::ptr::null_mut(), "struct point", None) }.unwrap_err();
    assert!(
        matches!(&e, jitffi::Error::CData(c) if c.kind() == CDataErrorKind::Null),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "cannot view NULL as 'struct point'");
    // Casts reinterpret within bounds.
    let as_bytes = arr.cast("unsigned char[]").unwrap();
    assert_eq!(as_bytes.len(), Some(48));
    assert!(arr.index(2).unwrap().cast("double[3]").is_err());
    // buffer() needs the only view.
    let mut one = ffi
        .alloc("int[4]", Init::list([1.into(), 2.into()]))
        .unwrap();
    let other = one.clone();
    assert_eq!(one.buffer().unwrap_err().kind(), CDataErrorKind::Shared);
    drop(other);
    one.buffer().unwrap()[8] = 7;
    assert_eq!(
        one.unpack("").unwrap(),
        vec![Value::I32(1), Value::I32(2), Value::I32(7), Value::I32(0)]
    );
    // memmove between views, overlapping.
    let a = ffi
        .alloc(
            "int[5]",
            Init::list((1..=5).map(Init::from).collect::<Vec<_>>()),
        )
        .unwrap();
    a.at("[1]").unwrap().copy_from(&a, 12).unwrap();
    assert_eq!(
        a.unpack("").unwrap(),
        [1, 1, 2, 3, 5].map(Value::I32).to_vec()
    );
    assert!(a.at("[3]").unwrap().copy_from(&a, 12).is_err());
}

#[test]
fn initializers_and_errors_are_checked_like_calls() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct point { double x, y; };
         struct shape { unsigned char kind; struct point pts[2]; char name[8]; int flags : 4; };",
    )
    .unwrap();
    let s = ffi
        .alloc(
            "struct shape",
            Init::list([
                3.into(),
                Init::list([
                    Init::list([1.0.into(), 2.0.into()]),
                    Init::fields([("y", 4.0.into())]),
                ]),
                Value::str(c"tri").into(),
                (-8).into(),
            ]),
        )
        .unwrap();
    assert_eq!(s.get("pts[1].y").unwrap(), Value::F64(4.0));
    assert_eq!(s.get("pts[1].x").unwrap(), Value::F64(0.0));
    assert_eq!(s.string("name").unwrap(), b"tri");
    assert_eq!(s.get("flags").unwrap(), Value::I32(-8));
    let e = |r: Result<(), jitffi::CDataError>| r.unwrap_err().to_string();
    assert_eq!(
        e(s.set("kind", 256)),
        "struct shape .kind: integer 256 does not fit in 'unsigned char'"
    );
    assert_eq!(
        e(s.set("kind", 1.5)),
        "struct shape .kind: cannot convert f64 to 'unsigned char'"
    );
    assert_eq!(
        e(s.set("flags", 8)),
        "struct shape .flags: 8 does not fit in the 4-bit field 'int flags : 4' (-8..=7)"
    );
    assert_eq!(
        e(s.set("nope", 1)),
        "'struct shape' has no member named 'nope'"
    );
    assert_eq!(
        e(s.set("name", Value::str(c"too long!"))),
        "struct shape .name: a string of 10 bytes does not fit in 'char[8]'"
    );
    assert_eq!(
        e(s.set("pts", Init::list([Init::Zero, Init::Zero, Init::Zero]))),
        "struct shape .pts: 3 initializers for 'struct point[2]'"
    );
    // The crate's index convention: ordinals count from 1 ("member 2"), subscripts are C's
    // ("[1]", counted from 0 as the user writes them).
    assert_eq!(
        e(s.set(
            "pts",
            Init::list([
                Init::Zero,
                Init::list([1.0.into(), Value::str(c"y").into()])
            ])
        )),
        "struct shape .pts: [1]: member 2: cannot convert string to 'double'"
    );
    assert_eq!(
        e(s.set("", Init::Values(&[Value::U8(1), Value::I64(1)]))),
        "struct shape: member 2: cannot assign i64 to the array 'struct point[2]'"
    );
    assert_eq!(
        e(s.set("", Init::fields([("pts[1].z", 1.0.into())]))),
        "struct shape: 'struct point' has no member named 'z'"
    );
    let ptrs = ffi.alloc("char *[1]", Init::Zero).unwrap();
    assert!(e(ptrs.set("[0]", Value::str(c"x"))).contains("it would dangle"));
    // Nothing was written by the failed scalar sets.
    assert_eq!(s.get("kind").unwrap(), Value::U8(3));
    // Errors of handles name the member; handles refuse other types.
    let point = ffi.type_of("struct point").unwrap();
    let x = point.accessor::<f64>("x").unwrap();
    assert_eq!(
        x.get(&s).unwrap_err().to_string(),
        "struct point .x: used on 'struct shape'"
    );
    assert_eq!(
        point.accessor::<i64>("x").unwrap_err().to_string(),
        "struct point .x: 'double' is not i64"
    );
    let shape = ffi.type_of("struct shape").unwrap();
    assert!(shape.accessor::<i32>("flags").is_ok());
    assert!(shape.accessor::<u32>("flags").is_err());
}

#[test]
fn values_become_readable_objects_and_debug_shows_contents() {
    let ffi = Ffi::new();
    ffi.cdef(
        "typedef struct { int quot, rem; } div_t;
         typedef struct { long quot, rem; } ldiv_t;
         div_t div(int, int);
         ldiv_t ldiv(long, long);
         struct inner { unsigned char tag; double xs[3]; };
         struct outer { struct inner in; int flags : 3; void *next; union { int i; float f; } u; };",
    )
    .unwrap();
    let libc = ffi.bind(&jitffi::Library::process());
    // SAFETY: the declarations match the C library.
    let (d, l) = unsafe {
        (
            libc.call("div", jitffi::args![17, 5]).unwrap(),
            libc.call("ldiv", jitffi::args![-17i64, 5i64]).unwrap(),
        )
    };
    // C computed these; the struct values read back through a Type.
    let div = ffi.type_of("div_t").unwrap().from_value(&d).unwrap();
    assert_eq!(div.get("quot").unwrap(), Value::I32(3));
    assert_eq!(format!("{div:?}"), "div_t {quot: 3, rem: 2}");
    let ldiv = ffi.type_of("ldiv_t").unwrap().from_value(&l).unwrap();
    assert_eq!(format!("{ldiv:?}"), "ldiv_t {quot: -3, rem: -2}");
    // A struct value of another type is refused, naming both.
    let e = ffi.type_of("ldiv_t").unwrap().from_value(&d).unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Type, "{e}");
    assert!(e.to_string().contains("div_t"), "{e}");

    // Nested records, arrays, bit-fields, NULL pointers and unions.
    let o = ffi
        .alloc(
            "struct outer",
            Init::fields([
                ("in.tag", 7.into()),
                ("in.xs[1]", 2.5.into()),
                ("flags", (-2).into()),
                ("u.i", 1.into()),
            ]),
        )
        .unwrap();
    assert_eq!(
        format!("{o:?}"),
        "struct outer {in: {tag: 7, xs: [0.0, 2.5, 0.0]}, flags: -2, next: NULL, u: {i: 1, f: 1e-45}}"
    );
    let arr = ffi.alloc_array("int", 20).unwrap();
    assert_eq!(
        format!("{arr:?}"),
        "int[20] [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, … (20 elements)]"
    );
}
