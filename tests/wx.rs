//! JIT code memory: strict W^X (`CodeMemory::Strict`, `JITFFI_WX=strict`) leaves no writable
//! alias of executable code; the default maps a memory file twice, read-write and
//! read-execute. In both, no mapping is ever writable and executable at once
//! (`/proc/self/maps`). A test binary of its own: the choice is process-wide.

mod common;

use jitffi::{CodeMemory, Value};

/// The process's mappings: (permissions, what is mapped).
fn maps() -> Vec<(String, String)> {
    std::fs::read_to_string("/proc/self/maps")
        .expect("/proc/self/maps")
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (
                f[1].to_string(),
                f.get(5..).map(|r| r.join(" ")).unwrap_or_default(),
            )
        })
        .collect()
}

/// Compiles and runs code of every kind the JIT makes: call stubs (a fixed signature, a
/// struct by value, a variadic call), callbacks (typed and untyped), compiled accessors; then
/// runs `check` while all of it is alive (the code memory goes with its context).
fn exercise(check: impl Fn()) {
    let (ffi, lib) = common::fixture();
    let add = ffi.function(&lib, "fx_add_i32").unwrap();
    add.compile().unwrap();
    // SAFETY: the fixture's declarations.
    unsafe {
        assert_eq!(
            add.call(&[Value::I32(2), Value::I32(3)]).unwrap(),
            Value::I32(5)
        );
        let make = ffi.function(&lib, "fx_make_point").unwrap();
        let p = make.call(&[Value::F64(3.0), Value::F64(4.0)]).unwrap();
        let norm2 = ffi.function(&lib, "fx_norm2").unwrap();
        assert_eq!(norm2.call(&[p]).unwrap(), Value::F64(25.0));
        let var = ffi.function(&lib, "fx_sum_var").unwrap();
        let r = var
            .call(&[Value::I32(2), Value::I32(5), Value::I32(6)])
            .unwrap();
        assert_eq!(r, Value::I32(11));
    }
    let apply = ffi.function(&lib, "fx_cb_ret_i32").unwrap();
    let ty = ffi.callbacks("int32_t (*)(int32_t)").unwrap();
    let typed = ty.typed(|x: i32| x * 3).unwrap();
    let untyped = ty
        .untyped(|a: &[Value<'_>]| Value::I32(a[0].as_i64().unwrap_or(0) as i32 + 1))
        .unwrap();
    // SAFETY: fx_cb_ret_i32 calls the callback once, during the call.
    unsafe {
        assert_eq!(
            apply.call(&[typed.value(), Value::I32(7)]).unwrap(),
            Value::I32(21)
        );
        assert_eq!(
            apply.call(&[untyped.value(), Value::I32(7)]).unwrap(),
            Value::I32(8)
        );
    }
    let point = ffi.type_of("struct fx_point").unwrap();
    let pts = point.alloc_array(3).unwrap();
    let x = point.accessor::<f64>("x").unwrap();
    x.set_in(&pts, 2, 1.5).unwrap();
    assert_eq!(x.get_in(&pts, 2).unwrap(), 1.5);
    assert!(ffi.jit_stats().installed > 0, "{:?}", ffi.jit_stats());
    check();
}

#[test]
fn strict_wx_leaves_no_writable_alias_of_code() {
    let no_wx = |m: &[(String, String)]| {
        for (perms, what) in m {
            assert!(
                !(perms.contains('w') && perms.contains('x')),
                "a writable and executable mapping: {perms} {what}"
            );
        }
    };
    jitffi::set_code_memory(CodeMemory::Strict);
    exercise(|| {
        let m = maps();
        no_wx(&m);
        for (perms, what) in &m {
            assert!(
                !what.contains("jitffi-code"),
                "a double mapping: {perms} {what}"
            );
        }
    });
    // The default, for comparison: the memory file mapped read-write and read-execute.
    jitffi::set_code_memory(CodeMemory::DualMapped);
    exercise(|| {
        let m = maps();
        no_wx(&m);
        let code: Vec<_> = m
            .iter()
            .filter(|(_, w)| w.contains("jitffi-code"))
            .collect();
        assert!(code.iter().any(|(p, _)| p.starts_with("r-x")), "{code:?}");
        assert!(code.iter().any(|(p, _)| p.starts_with("rw-")), "{code:?}");
    });
}
