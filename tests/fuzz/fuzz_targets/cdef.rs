//! libFuzzer target: `Ffi::cdef` and `Ffi::type_of` on arbitrary text never panic, hang, overflow
//! the stack or abort, and a failed call leaves the type table unchanged.
//!
//! cdef catches panics of its own and reports them as an "internal error" diagnostic, but
//! libfuzzer-sys installs a panic hook that aborts the process first, so libFuzzer records any
//! panic inside cdef as a crash.
#![no_main]

use jitffi::{CdefError, Ffi, TypeTable};
use libfuzzer_sys::fuzz_target;

/// Everything a table shows (types, typedefs, functions, globals, constants), hashed.
fn fingerprint(t: &TypeTable) -> u64 {
    use std::fmt::Write as _;
    use std::hash::Hasher;
    struct H(std::collections::hash_map::DefaultHasher);
    impl std::fmt::Write for H {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut h = H(std::collections::hash_map::DefaultHasher::new());
    for id in t.ids() {
        let _ = write!(h, "{:?};", t.get(id));
    }
    for name in t.typedef_names() {
        let _ = write!(h, "typedef {name} {:?};", t.typedef(name));
    }
    for f in t.functions() {
        let _ = write!(h, "{f:?};");
    }
    for g in t.globals() {
        let _ = write!(h, "{g:?};");
    }
    for c in t.constants() {
        let _ = write!(h, "{c:?};");
    }
    h.0.finish()
}

fn check_error(what: &str, text: &str, e: &CdefError) {
    assert!(
        !e.diagnostics.is_empty(),
        "{what}({text:?}): error without diagnostics"
    );
    assert!(
        !e.to_string().trim().is_empty(),
        "{what}({text:?}): empty error text"
    );
    for d in &e.diagnostics {
        assert!(
            d.line >= 1 && d.column >= 1,
            "{what}({text:?}): diagnostic at line or column 0: {d}"
        );
        assert!(
            !d.message.trim().is_empty(),
            "{what}({text:?}): diagnostic without a message"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ffi = Ffi::new();

    let before = fingerprint(&ffi.types());
    match ffi.cdef(&text) {
        Ok(()) => {}
        Err(e) => {
            check_error("cdef", &text, &e);
            assert_eq!(
                fingerprint(&ffi.types()),
                before,
                "cdef({text:?}) failed but changed the table"
            );
        }
    }

    // The same text as a type name, on a context that now holds whatever the cdef declared.
    let before = fingerprint(&ffi.types());
    match ffi.type_of(&text) {
        Ok(ty) => {
            let _ = ty.to_string();
            let _ = ty.layout();
        }
        Err(e) => {
            check_error("type_of", &text, &e);
            assert_eq!(
                fingerprint(&ffi.types()),
                before,
                "type_of({text:?}) failed but changed the table"
            );
        }
    }
});
