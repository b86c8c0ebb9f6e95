//! [`CallError`]: why an untyped call was refused.

use std::fmt;

use crate::library::LoadError;

/// Why an untyped call was refused. Nothing was called.
///
/// One pointer wide: `Result<Value, CallError>` is no larger than a [`Value`](crate::Value), which keeps the
/// fast path of [`Function::call`](crate::Function::call) free of an extra discriminant. [`CallError::kind`] says what
/// went wrong.
#[derive(Clone, PartialEq, Eq)]
pub struct CallError(Box<CallErrorKind>);

/// What a [`CallError`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallErrorKind {
    /// The wrong number of arguments.
    Arity {
        /// The function.
        function: String,
        /// Parameters declared.
        expected: usize,
        /// Arguments given.
        got: usize,
        /// The function takes a variadic tail (so `expected` is a minimum).
        variadic: bool,
    },
    /// An argument cannot be converted to its parameter's type.
    Argument {
        /// The function.
        function: String,
        /// 1-based position.
        position: usize,
        /// What was wrong, with both types.
        message: String,
    },
    /// The function could not be resolved by name ([`Namespace::call`](crate::Namespace::call)).
    Lookup {
        /// The name called.
        function: String,
        /// Why: not declared, or not in the library.
        source: LoadError,
    },
    /// No backend can call this signature (or not the one forced).
    Unsupported {
        /// The function.
        function: String,
        /// Why.
        reason: String,
    },
}

impl CallError {
    /// What went wrong.
    pub fn kind(&self) -> &CallErrorKind {
        &self.0
    }
}

impl From<CallErrorKind> for CallError {
    fn from(kind: CallErrorKind) -> CallError {
        CallError(Box::new(kind))
    }
}

impl fmt::Debug for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            CallErrorKind::Arity {
                function,
                expected,
                got,
                variadic,
            } => {
                let s = if *expected == 1 { "" } else { "s" };
                let least = if *variadic { "at least " } else { "" };
                write!(
                    f,
                    "{function}: expected {least}{expected} argument{s}, got {got}"
                )
            }
            CallErrorKind::Argument {
                function,
                position,
                message,
            } => write!(f, "{function}: argument {position}: {message}"),
            CallErrorKind::Lookup { source, .. } => source.fmt(f),
            CallErrorKind::Unsupported { function, reason } => {
                write!(f, "{function}: cannot be called: {reason}")
            }
        }
    }
}

// `Display` of a `Lookup` is the load error's own message, so no `source()` repeats it.
impl std::error::Error for CallError {}
