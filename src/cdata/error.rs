//! The error of C data accesses: [`CDataError`], a kind and a message in C terms.

use std::fmt;

use crate::layout::PathError;

/// What went wrong with a C data access.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CDataErrorKind {
    /// A NULL pointer where memory is needed.
    Null,
    /// An index, path or byte range outside the memory the view knows to be valid.
    OutOfBounds,
    /// A value or view of the wrong type.
    Type,
    /// An integer that does not fit the member (bit-fields included).
    Range,
    /// A member path that does not resolve.
    Path,
    /// A type without a size, or an operation the type does not support.
    Unsupported,
    /// Exclusive access asked for while other views of the memory exist.
    Shared,
    /// A pointer on a member path (`"next->v"`) leads to memory whose extent jitffi does not
    /// know: neither the view's own memory nor a view the member was set to. The `unsafe`
    /// `*_unchecked` methods ([`CData::get_unchecked`](super::CData::get_unchecked)) trust it.
    Untracked,
}

/// A refused C data access: what and why, in C terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CDataError {
    pub(super) kind: CDataErrorKind,
    pub(super) message: String,
}

impl CDataError {
    pub(crate) fn new(kind: CDataErrorKind, message: impl Into<String>) -> CDataError {
        CDataError {
            kind,
            message: message.into(),
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> CDataErrorKind {
        self.kind
    }
}

impl fmt::Display for CDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CDataError {}

impl From<PathError> for CDataError {
    fn from(e: PathError) -> CDataError {
        let kind = match e {
            PathError::OutOfBounds { .. } => CDataErrorKind::OutOfBounds,
            _ => CDataErrorKind::Path,
        };
        let mut message = e.to_string();
        if let PathError::NotARecord { ty, member } = &e
            && ty.ends_with('*')
        {
            // `next.v` on a pointer member: C writes `next->v`, and so do paths.
            message.push_str(&format!(" (follow the pointer with '->{member}')"));
        }
        CDataError::new(kind, message)
    }
}

pub(super) fn err<T, E: From<CDataError>>(
    kind: CDataErrorKind,
    message: impl Into<String>,
) -> Result<T, E> {
    Err(CDataError::new(kind, message).into())
}
