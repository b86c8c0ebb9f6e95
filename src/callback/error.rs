//! [`CallbackError`]: why a callback cannot be made, or what went wrong in a call of it.

use std::fmt;

use crate::cdef::CdefError;

/// What went wrong in or around a callback.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackErrorKind {
    /// The closure panicked; C got the default result.
    Panic,
    /// An untyped closure returned a value that does not convert to the result type; C got
    /// the default result.
    Result,
    /// A thread-bound callback was called from another thread; the closure did not run and C
    /// got the default result.
    Thread,
    /// The callback cannot be made: not a function type, a type jitffi cannot pass, a typed
    /// closure whose Rust types differ from the declaration, a backend that cannot compile it.
    Unsupported,
    /// The callback's type name does not parse or names no declared type; the
    /// [`CdefError`] is the error's [`source`](std::error::Error::source).
    Type,
}

/// A callback failure: made when a callback cannot be created, and recorded on the handle
/// when a call fails ([`Callback::last_error`](super::Callback::last_error)). For a panic,
/// `message` is the panic's message (`"a panic with a non-string payload"` when it has none).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallbackError {
    /// What kind of failure.
    pub kind: CallbackErrorKind,
    /// The callback's C type, e.g. `int (*)(int)` (as the user wrote it, for
    /// [`CallbackErrorKind::Type`]).
    pub callback: String,
    /// What happened.
    pub message: String,
    /// Why the type name did not parse ([`CallbackErrorKind::Type`]).
    source: Option<Box<CdefError>>,
}

impl CallbackError {
    pub(crate) fn new(
        kind: CallbackErrorKind,
        callback: impl Into<String>,
        message: impl Into<String>,
    ) -> CallbackError {
        CallbackError {
            kind,
            callback: callback.into(),
            message: message.into(),
            source: None,
        }
    }

    /// A type name that does not parse.
    pub(crate) fn bad_type(ty: &str, e: CdefError) -> CallbackError {
        CallbackError {
            source: Some(Box::new(e)),
            ..CallbackError::new(CallbackErrorKind::Type, ty, "not a declared type")
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CallbackErrorKind::Panic => "panicked",
            CallbackErrorKind::Result => "returned a bad value",
            CallbackErrorKind::Thread => "called from another thread",
            CallbackErrorKind::Unsupported | CallbackErrorKind::Type => "cannot be made",
        };
        write!(f, "callback '{}' {what}: {}", self.callback, self.message)
    }
}

impl std::error::Error for CallbackError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}
