//! libFuzzer target: `Ffi::cdef` and `Ffi::type_of` on arbitrary text never panic, hang, overflow
//! the stack or abort, and a failed call leaves the type table unchanged.
//!
//! cdef catches panics of its own and reports them as an "internal error" diagnostic, but
//! libfuzzer-sys installs a panic hook that aborts the process first, so libFuzzer records any
//! panic inside cdef as a crash.
#![no_main]

use jitffi::{CdefError, Ffi};
use libfuzzer_sys::fuzz_target;

#[path = "../../common/property.rs"]
mod property;

use property::{check_error, fingerprint};

/// Fails the run when `e` breaks the property.
fn check(what: &str, text: &str, e: &CdefError) {
    if let Err(m) = check_error(e) {
        panic!("{what}({text:?}): {m}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ffi = Ffi::new();

    let before = fingerprint(&ffi.types());
    match ffi.cdef(&text) {
        Ok(()) => {}
        Err(e) => {
            check("cdef", &text, &e);
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
            check("type_of", &text, &e);
            assert_eq!(
                fingerprint(&ffi.types()),
                before,
                "type_of({text:?}) failed but changed the table"
            );
        }
    }
});
