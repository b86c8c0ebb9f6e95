//! jitffi: call C-ABI code declared at run time in C syntax.
//!
//! Declare C with [`Ffi::cdef`] (CFFI / LuaJIT style), get the compiler-exact layout of every
//! type, and (in later versions of this crate) call functions through Cranelift-compiled stubs.
//!
//! ```
//! use jitffi::Ffi;
//!
//! let ffi = Ffi::new();
//! ffi.cdef(r#"
//!     #define NAME_LEN 16
//!     struct point { double x, y; };
//!     struct item {
//!         char name[NAME_LEN];
//!         struct point at;
//!         unsigned flags : 3, kind : 5;
//!     };
//!     double norm(struct point);
//! "#)?;
//! assert_eq!(ffi.sizeof("struct item")?, 40);
//! assert_eq!(ffi.offsetof("struct item", "at.y")?, 24);
//! let kind = ffi.type_of("struct item")?.resolve("kind")?;
//! assert_eq!(kind.bitfield, Some((32 * 8 + 3, 5)));
//! # Ok::<(), jitffi::Error>(())
//! ```
//!
//! # Organization
//!
//! The crate is a pipeline, one module per stage (see `ARCHITECTURE.md`):
//! - [`cdef`] parses declarations (with lang-c) and lowers them into
//! - [`ctype`], the [`TypeTable`] of C types indexed by [`TypeId`], whose
//! - [`layout`] (sizes, alignments, offsets, bit-fields) reproduces the C compiler's for a
//!   [`Target`];
//! - [`Ffi`] is the facade over all of it; [`probe`] writes C programs that check our layouts
//!   against the C compiler.
#![doc(test(attr(deny(warnings))))]
#![deny(missing_docs)]

pub mod call;
pub mod cdef;
mod cif;
pub mod ctype;
pub mod dump;
pub mod error;
mod ffi;
mod jit;
pub mod layout;
pub mod library;
pub mod literal;
pub mod plan;
pub mod probe;
pub mod value;

pub use call::{
    Backend, CRepr, CallError, Function, Global, Shape, ShapeField, TypeMismatch, TypedArgs,
    TypedFunction,
};
pub use cdef::{CdefError, CdefOptions, Diagnostic};
pub use ctype::{CType, Prim, TypeId, TypeTable};
pub use error::{Error, HeaderError};
pub use ffi::{Ffi, HeaderOptions, Type, preprocess_header};
pub use jit::{JitStats, errno, set_errno};
pub use layout::{Layout, LayoutError, Target};
pub use library::{Library, LoadError, LoadOptions};
pub use value::{CStrRef, Pointer, StructValue, Value};
