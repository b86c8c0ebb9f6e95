//! The property the cdef fuzzers check, shared by `tests/fuzz_cdef/` (through `common`) and
//! the cargo-fuzz target `tests/fuzz/fuzz_targets/cdef.rs` (through `#[path]`): what a failed
//! call must leave unchanged, and what every error must say.

use std::fmt::Write as _;

use jitffi::CdefError;
use jitffi::ctype::TypeTable;

/// What a table holds: types, typedefs, functions, globals, constants.
pub fn counts(t: &TypeTable) -> [usize; 5] {
    [
        t.len(),
        t.typedef_count(),
        t.functions().count(),
        t.globals().count(),
        t.constants().count(),
    ]
}

/// The counts and a hash of everything a table shows: every type, typedef, function, global
/// and constant.
pub fn fingerprint(t: &TypeTable) -> ([usize; 5], u64) {
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
    (counts(t), h.0.finish())
}

/// Checks that an error says something: diagnostics, each with a 1-based line and column and a
/// message, and a non-empty display. `Err` describes the violation.
pub fn check_error(e: &CdefError) -> Result<(), String> {
    if e.diagnostics.is_empty() {
        return Err("error without diagnostics".into());
    }
    if e.to_string().trim().is_empty() {
        return Err("error whose Display is empty".into());
    }
    for d in &e.diagnostics {
        if d.line == 0 || d.column == 0 {
            return Err(format!("diagnostic with line or column 0: {d}"));
        }
        if d.message.trim().is_empty() {
            return Err(format!("diagnostic without a message: {d:?}"));
        }
    }
    Ok(())
}
