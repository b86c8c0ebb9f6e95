//! Error types of every stage, re-exported in one place, and the crate-level [`enum@Error`].
//!
//! Each stage has its own error enum named after the failing operation; `Error` wraps them so a
//! caller that does not care which stage failed can use `?` throughout.

use std::fmt;

use crate::call::{CallError, TypeMismatch};
use crate::cdata::CDataError;
use crate::cdef::CdefError;
use crate::layout::{LayoutError, PathError};
use crate::library::LoadError;

/// Running the C preprocessor on a real header failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The C compiler could not be started.
    NoCompiler {
        /// The command that was tried.
        command: String,
        /// What the operating system said.
        reason: String,
    },
    /// The C preprocessor failed (header not found, `#error`, bad option).
    Preprocessor {
        /// The header asked for.
        header: String,
        /// The command line that ran.
        command: String,
        /// What the compiler printed.
        stderr: String,
        /// A hint naming the package to install, when the header is a known one.
        hint: Option<String>,
    },
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::NoCompiler { command, reason } => write!(
                f,
                "cannot run the C compiler '{command}': {reason} (install one, e.g. `apt-get install gcc`, or set CC)"
            ),
            HeaderError::Preprocessor {
                header,
                command,
                stderr,
                hint,
            } => {
                write!(
                    f,
                    "preprocessing '{header}' failed (`{command}`): {}",
                    stderr.trim()
                )?;
                if let Some(h) = hint {
                    write!(f, " ({h})")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for HeaderError {}

/// Any jitffi error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Declarations or a type name did not parse or did not make sense.
    Cdef(CdefError),
    /// A type has no size (incomplete, function) or its size overflows.
    Layout(LayoutError),
    /// A member path did not resolve.
    Path(PathError),
    /// A real header could not be preprocessed.
    Header(HeaderError),
    /// A library or symbol could not be loaded, or a name is not declared.
    Load(LoadError),
    /// A call was refused (arity, argument type) or cannot be made.
    Call(CallError),
    /// Rust types do not match a declaration.
    TypeMismatch(TypeMismatch),
    /// A C data access was refused (NULL, out of bounds, wrong type, out of range).
    CData(CDataError),
    /// A callback cannot be made (or, recorded on its handle, a call of it failed).
    Callback(crate::callback::CallbackError),
    /// An FFI operation could not be emitted into a host's Cranelift function
    /// ([`crate::emit`]).
    Emit(crate::jit::EmitError),
    /// The LP modeler refused a model or GLPK failed ([`crate::lp`]).
    Lp(crate::lp::LpError),
    /// Fortran sources cannot be read or a Fortran library used ([`crate::fortran`]).
    Fortran(crate::fortran::FortranError),
    /// A C literal did not parse or does not fit its type ([`crate::literal`], with the
    /// `cli` feature).
    #[cfg(feature = "cli")]
    Literal(crate::literal::LiteralError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cdef(e) => e.fmt(f),
            Error::Layout(e) => e.fmt(f),
            Error::Path(e) => e.fmt(f),
            Error::Header(e) => e.fmt(f),
            Error::Load(e) => e.fmt(f),
            Error::Call(e) => e.fmt(f),
            Error::TypeMismatch(e) => e.fmt(f),
            Error::CData(e) => e.fmt(f),
            Error::Callback(e) => e.fmt(f),
            Error::Emit(e) => e.fmt(f),
            Error::Lp(e) => e.fmt(f),
            Error::Fortran(e) => e.fmt(f),
            #[cfg(feature = "cli")]
            Error::Literal(e) => e.fmt(f),
        }
    }
}

/// Transparent: `Display` is the stage error's own message and `source()` is that error's
/// source, so an error-chain printer shows each message once.
impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let inner: &(dyn std::error::Error + 'static) = match self {
            Error::Cdef(e) => e,
            Error::Layout(e) => e,
            Error::Path(e) => e,
            Error::Header(e) => e,
            Error::Load(e) => e,
            Error::Call(e) => e,
            Error::TypeMismatch(e) => e,
            Error::CData(e) => e,
            Error::Callback(e) => e,
            Error::Emit(e) => e,
            Error::Lp(e) => e,
            Error::Fortran(e) => e,
            #[cfg(feature = "cli")]
            Error::Literal(e) => e,
        };
        inner.source()
    }
}

impl From<CdefError> for Error {
    fn from(e: CdefError) -> Self {
        Error::Cdef(e)
    }
}
impl From<LayoutError> for Error {
    fn from(e: LayoutError) -> Self {
        Error::Layout(e)
    }
}
impl From<PathError> for Error {
    fn from(e: PathError) -> Self {
        Error::Path(e)
    }
}
impl From<HeaderError> for Error {
    fn from(e: HeaderError) -> Self {
        Error::Header(e)
    }
}
impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Load(e)
    }
}
impl From<CallError> for Error {
    fn from(e: CallError) -> Self {
        Error::Call(e)
    }
}
impl From<TypeMismatch> for Error {
    fn from(e: TypeMismatch) -> Self {
        Error::TypeMismatch(e)
    }
}
impl From<CDataError> for Error {
    fn from(e: CDataError) -> Self {
        Error::CData(e)
    }
}
impl From<crate::jit::EmitError> for Error {
    fn from(e: crate::jit::EmitError) -> Self {
        Error::Emit(e)
    }
}
impl From<crate::lp::LpError> for Error {
    fn from(e: crate::lp::LpError) -> Self {
        Error::Lp(e)
    }
}
#[cfg(feature = "cli")]
impl From<crate::literal::LiteralError> for Error {
    fn from(e: crate::literal::LiteralError) -> Self {
        Error::Literal(e)
    }
}
impl From<crate::fortran::FortranError> for Error {
    fn from(e: crate::fortran::FortranError) -> Self {
        Error::Fortran(e)
    }
}
impl From<crate::callback::CallbackError> for Error {
    fn from(e: crate::callback::CallbackError) -> Self {
        Error::Callback(e)
    }
}
