//! Calls into the fixture library through the JIT, through libffi and through typed handles,
//! for every argument and result class; every result is checked against what the C side
//! computes or echoes.
//!
//! Modules: `scalars` (scalar classes at their extremes, long double, arguments past the
//! registers, variadic calls), `structs` (structs of every class by value), `typed` (typed
//! handles and the errors of calls and lookups), `globals` (strings, pointers, function
//! pointers, globals, errno), `compilation` (concurrent calls, one compiled stub per signature), `prepared` (prepared calls:
//! slots and typed setters).

#[path = "../common/mod.rs"]
mod common;

mod compilation;
mod globals;
mod prepared;
mod scalars;
mod structs;
mod typed;

use jitffi::{Backend, Ffi, Library, Value};

const BACKENDS: [Backend; 2] = [Backend::Jit, Backend::Libffi];

fn call(
    ffi: &Ffi,
    lib: &Library,
    name: &str,
    backend: Backend,
    args: &[Value<'_>],
) -> Value<'static> {
    let f = ffi
        .function(lib, name)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    // SAFETY: the fixture declarations match tests/c/fixture.c; arguments are plain values.
    unsafe { f.call_with(backend, args) }.unwrap_or_else(|e| panic!("{name} ({backend:?}): {e}"))
}
