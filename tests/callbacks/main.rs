//! Callbacks: C (libc and the fixture library) calls Rust closures, typed and untyped, through
//! the JIT and through libffi; every argument class, results, threads, panics, errors.
//!
//! Modules: `values` (narrow integers and floats, arguments past the registers), `structs`
//! (structs of every class by value both ways), `in_use` (libc's qsort and bsearch, threads C
//! creates, borrowing closures, handle reuse, W^X code memory), `errors` (panics, bad results,
//! creation errors, quiet panics).

#[path = "../common/mod.rs"]
mod common;

mod errors;
mod in_use;
mod structs;
mod values;

use jitffi::{Backend, Error, Function, Value, c_struct};

c_struct! {
    #[derive(Debug, PartialEq)]
    struct S1 { a: i8 }
    #[derive(Debug, PartialEq)]
    struct S8m { a: f32, b: i32 }
    #[derive(Debug, PartialEq)]
    struct S16d { a: f64, b: f64 }
    #[derive(Debug, PartialEq)]
    struct S16dl { a: f64, b: i64 }
    #[derive(Debug, PartialEq)]
    struct S16l { a: i64, b: i64 }
    #[derive(Debug, PartialEq)]
    struct S24 { a: i64, b: i64, c: i64 }
    #[derive(Debug, PartialEq)]
    struct S64 { a: [u8; 64] }
    #[derive(Debug, PartialEq)]
    struct Point { x: f64, y: f64 }
}

const BACKENDS: [Backend; 2] = [Backend::Auto, Backend::Libffi];

/// Calls `f` (a fixture function) untyped.
fn call(f: &Function, args: &[Value<'_>]) -> Value<'static> {
    // SAFETY: every fixture function is declared as tests/c/fixture.c defines it, and the
    // callbacks passed outlive the call.
    unsafe { f.call(args) }.unwrap_or_else(|e| panic!("{e}"))
}

/// The callback error inside an error of `Ffi` (a `jitffi::Error`) or of a `CallbackBuilder`
/// (converted into one, which must keep it whole).
fn callback_error(e: impl Into<Error>) -> jitffi::CallbackError {
    match e.into() {
        Error::Callback(c) => c,
        other => panic!("expected a callback error, got {other}"),
    }
}
