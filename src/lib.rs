//! jitffi: call C-ABI code declared at run time in C syntax.
//!
//! Declare C with [`Ffi::cdef`] (CFFI / LuaJIT style) and get the compiler-exact layout of
//! every type; load a [`Library`] and call its functions through stubs that Cranelift compiles
//! for the exact signature, with libffi as the fallback.
//!
//! ```
//! use jitffi::{Ffi, Library, Value, c_struct};
//!
//! let ffi = Ffi::new();
//! ffi.cdef(r#"
//!     typedef struct { int quot, rem; } div_t;
//!     div_t div(int numer, int denom);
//!     double ldexp(double x, int exp);
//!     size_t strlen(const char *s);
//! "#)?;
//! let libc = Library::process();                           // or Library::open("m", …)
//!
//! // Untyped: arguments checked on every call, results as `Value`s.
//! let ldexp = ffi.function(&libc, "ldexp")?;
//! // SAFETY: the declaration matches the C library's `ldexp`.
//! assert_eq!(unsafe { ldexp.call(&[Value::F64(1.5), Value::I32(3)])? }, Value::F64(12.0));
//! let err = unsafe { ldexp.call(&[Value::F64(1.5), Value::F64(3.0)]) }.unwrap_err();
//! assert_eq!(err.to_string(), "ldexp: argument 2: cannot convert f64 to 'int'");
//!
//! // Typed: checked once against the declaration, then each call is a native call.
//! c_struct! { #[derive(Debug, PartialEq)] pub struct Div { pub quot: i32, pub rem: i32 } }
//! let div = ffi.function(&libc, "div")?.typed::<(i32, i32), Div>()?;
//! // SAFETY: as above.
//! assert_eq!(unsafe { div.call((17, 5)) }, Div { quot: 3, rem: 2 });
//! assert!(ffi.function(&libc, "strlen")?.typed::<(i32,), usize>().is_err());
//!
//! // Layouts, as the C compiler computes them.
//! assert_eq!(ffi.sizeof("div_t")?, 8);
//! assert_eq!(ffi.offsetof("div_t", "rem")?, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # To `call` or to `typed().call()`
//!
//! [`Function::call`] takes `&[Value]` and checks, on every call, the number of arguments and
//! each one against its parameter's C type (integer range, pointer type, struct type),
//! converting where C would. It suits code that learns at run time what it calls:
//! interpreters, command lines, generic bindings. Its fast path (arguments already of the
//! canonical [`Value`] variant) costs a few nanoseconds over a native call; see the README's
//! benchmark table. [`Function::typed`] checks Rust types against the declaration once
//! (sizes, signedness, struct layouts through [`c_struct!`]) and returns a [`TypedFunction`]
//! whose calls are native calls. Between the two, [`Function::prepare`] gives a
//! [`PreparedCall`]: argument slots set by typed setters (checked against the parameter's
//! class), for interpreters that call one function many times.
//!
//! # Backends
//!
//! Untyped calls go through JIT code made for the call signature (the planner classifies every
//! argument and the result by the System V x86-64 rules): a register trampoline emitted as
//! machine code, or a stub compiled by Cranelift; for what the JIT does not compile (`long
//! double _Complex`, other architectures), through
//! libffi. Both
//! accept and refuse the same arguments; [`Backend`] forces one per [`Ffi`]
//! ([`Ffi::set_backend`]), per function ([`Function::with_backend`]) or per call
//! ([`Function::call_with`]). [`Ffi::jit_stats`] says what the JIT compiled.
//!
//! # Inside a host's own JIT
//!
//! Programs that compile their own code with Cranelift can have the FFI operations emitted
//! into it: [`emit::call`] lowers a C call at the call site (no stub), [`emit::load`] and
//! [`emit::store`] make a member access one instruction, with the Cranelift jitffi uses
//! re-exported as [`cranelift`]. See the [`emit`] module.
//!
//! # Safety
//!
//! Calling C is `unsafe`: jitffi checks arguments against the declaration, but only the caller
//! can vouch that the declaration matches the library and that the arguments satisfy the C
//! function's own contract (valid pointers, buffer sizes). Loading a library runs its
//! initialisers, so [`Library::open`] is `unsafe` too. Everything else (cdef, layouts, type
//! queries, literal parsing) is safe.
//!
//! # One handle per thing
//!
//! - [`Ffi`]: a context, the C declarations made so far ([`Ffi::cdef`], [`Ffi::cdef_header`]).
//! - [`Type`]: a C type of a context ([`Ffi::type_of`]): its layout, C data of it
//!   ([`Type::alloc`], [`Type::accessor`], [`Type::compiled`]) and, for a function pointer
//!   type, callbacks ([`Type::callback_typed`]); what it derives is computed once and kept.
//! - [`Library`]: a loaded shared object; [`Function`] / [`TypedFunction`] / [`Global`]: its
//!   symbols as declared; [`Namespace`] ([`Ffi::bind`]): calls by name, CFFI's `lib.f(…)`.
//! - [`Value`]: a C value of an untyped call; [`CData`]: C memory with checked access;
//!   [`Callback`]: a Rust closure as a C function pointer.
//! - [`Error`]: every error of the crate, each stage's error ([`CdefError`], [`CallError`],
//!   [`CDataError`], [`CallbackError`], [`LoadError`], [`lp::LpError`] …) converting into it
//!   with its source kept.
//!
//! The public modules are [`cdata`] (handles on C data), [`ctype`] (the read-only model of the
//! type table, for tools that walk declarations) and [`lp`] (a linear programming modeler over
//! GLPK, loaded at run time). Inside, the crate is a pipeline, one private module per stage:
//! `cdef` → `ctype` → `layout` → `plan` → `jit` | `cif` → `call` (see `ARCHITECTURE.md`).
#![doc(test(attr(deny(warnings))))]
#![deny(missing_docs)]

// The pipeline, in flow order (see ARCHITECTURE.md). Modules are private unless they are one
// of the purposeful public ones (`ctype`, `cdata`, `lp`, and with the `cli` feature `dump`,
// `literal`, `probe`); everything else is re-exported here, each item by one path.
mod call;
mod callback;
pub mod cdata;
mod cdef;
mod cif;
mod context;
pub mod cross;
pub mod ctype;
#[cfg(feature = "cli")]
pub mod dump;
pub mod emit;
mod errno;
mod error;
mod ffi;
pub mod fortran;
mod jit;
mod layout;
mod library;
#[cfg(feature = "cli")]
pub mod literal;
pub mod lp;
mod plan;
#[cfg(feature = "cli")]
pub mod probe;
mod ty;
mod value;

/// The Cranelift crates jitffi is built with, for hosts that emit FFI operations into their own
/// functions ([`emit`]): use these paths and the host's IR, builder and module are of the same
/// version as jitffi's.
pub mod cranelift {
    pub use cranelift_codegen as codegen;
    pub use cranelift_frontend as frontend;
    pub use cranelift_jit as jit;
    pub use cranelift_module as module;
    pub use cranelift_native as native;
}

pub use call::{
    Backend, CRepr, CallError, CallErrorKind, Function, Global, PreparedCall, Shape, ShapeField,
    TypeMismatch, TypedArgs, TypedFunction,
};
pub use callback::{
    Callback, CallbackBuilder, CallbackError, CallbackErrorKind, LocalCallback, TypedClosure,
    quiet_panics,
};
pub use cdata::error::{CDataError, CDataErrorKind};
pub use cdata::view::CData;
pub use cdef::{CdefError, CdefOptions, Diagnostic};
pub use errno::{errno, set_errno};
pub use error::{Error, HeaderError};
pub use ffi::{
    Ffi, HeaderOptions, HeaderReport, Namespace, Precompile, PrecompileReport, preprocess_header,
};
pub use jit::{CodeMemory, JitStats, code_memory, set_code_memory};
pub use jit::{EmitError, EmitErrorKind};
pub use layout::{Layout, LayoutError, PathError, PathTarget, Target};
pub use library::{Library, LoadError, LoadOptions};
pub use ty::Type;
pub use value::{Bits128, CStrRef, F80, Pointer, StructValue, Value};

/// What ARCHITECTURE.md promises about threads, as compile-time facts: the context, libraries,
/// functions and their typed handles, namespaces, callbacks and the GLPK binding may be shared
/// across threads; C data views and LP problems (GLPK's environment is per thread) may not.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Ffi>();
    send_sync::<Library>();
    send_sync::<Function>();
    send_sync::<TypedFunction<(i32, f64), f64>>();
    send_sync::<Namespace>();
    send_sync::<Global>();
    send_sync::<Type>();
    send_sync::<Callback<'static>>();
    send_sync::<CallbackBuilder>();
    send_sync::<lp::Glpk>();
    send_sync::<fortran::Library>();
    send_sync::<Error>();

    /// `NotSend::<T>::check` is ambiguous (does not compile) exactly when `T: Send`: the
    /// blanket impl and the `Send` impl then both apply.
    trait NotSend<A> {
        const CHECK: () = ();
    }
    impl<T: ?Sized> NotSend<()> for T {}
    impl<T: ?Sized + Send> NotSend<u8> for T {}
    let () = <CData<'static> as NotSend<_>>::CHECK;
    let () = <LocalCallback<'static> as NotSend<_>>::CHECK;
    let () = <lp::Problem as NotSend<_>>::CHECK;
};

/// The README's Rust snippets, run as doc tests so that each one works as written.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
