//! C literals and initializers as text, and C values shown as text or JSON: how `jitffi call`
//! reads its arguments and prints its result.
//!
//! [`parse`] reads one C constant expression of the simple kinds: integers in every C base
//! with their suffixes (`42`, `-0x1fu`, `0777`, `0b101`, `10ull`), floating constants
//! (`2.5`, `1e-3f`, `0x1.8p3`), character constants (`'a'`, `'\n'`), string literals
//! (`"text"`, adjacent ones concatenated), `NULL`, `true`, `false`, names of enumerators and
//! `#define` constants, casts (`(long)5`, `(double)1`) and initializers (`{1, 2.5}`,
//! `{.x = 1, .pt = {2, 3}, .v[2] = 7}`). [`encode`] turns a [`Literal`] into the bytes of a
//! declared C type, with C's rules and range checks; [`decode`] turns C bytes back into a
//! [`CValue`], which prints as a C initializer or as JSON.

mod args;
mod decode;
mod encode;
mod parse;
#[cfg(test)]
mod tests;

pub use args::{argument, promoted_argument, result};
use decode::*;
pub use decode::{CValue, decode};
use encode::*;
pub use encode::{Types, encode};
pub use parse::parse;

use std::ffi::CStr;
use std::fmt;

use crate::ctype::{CType, ConstValue, Prim, RecordKind, TypeId, TypeTable};
use crate::layout::{self, Target};
use crate::value::{StructValue, Value};

/// A parsed literal.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Literal {
    /// An integer constant (a leading `-` included in `value`).
    Int {
        /// The value.
        value: i128,
        /// Written in decimal (C gives decimal and other constants different types).
        decimal: bool,
        /// A `u`/`U` suffix.
        unsigned: bool,
        /// `l` (1) or `ll` (2) suffix.
        long: u8,
    },
    /// An integer constant above `i128::MAX` (up to `u128::MAX`), which only an
    /// `unsigned __int128` holds. C has no 128-bit constants (gcc truncates them with a
    /// warning); `jitffi call` reads them for 128-bit parameters and variadic arguments.
    WideUInt(u128),
    /// A floating constant.
    Float {
        /// The value.
        value: f64,
        /// An `f`/`F` suffix (`float`).
        float: bool,
    },
    /// A character constant: its one byte (type `int`, value of that `char`).
    Char(u8),
    /// A string literal: its bytes and a terminating NUL.
    Str(Vec<u8>),
    /// `NULL` or `nullptr`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An enumerator or `#define` constant name.
    Name(String),
    /// `{ … }`.
    Init(Vec<InitItem>),
    /// `(type) literal`.
    Cast {
        /// The type name as written.
        ty: String,
        /// The operand.
        value: Box<Literal>,
    },
}

/// One element of an initializer list.
#[derive(Clone, Debug, PartialEq)]
pub struct InitItem {
    /// `.name` and `[index]` designators, outermost first; empty for a positional element.
    pub designators: Vec<Designator>,
    /// The value.
    pub value: Literal,
}

/// A designator of an initializer element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Designator {
    /// `.name`.
    Field(String),
    /// `[index]`.
    Index(u64),
}

impl Literal {
    /// The text of a string literal without its NUL, if this is one.
    pub fn as_str_bytes(&self) -> Option<&[u8]> {
        match self {
            Literal::Str(b) => b.split_last().map(|(_, s)| s),
            _ => None,
        }
    }
}

/// Why a literal does not parse or does not fit its type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteralError(pub String);

impl fmt::Display for LiteralError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LiteralError {}

fn err<T>(msg: impl Into<String>) -> Result<T, LiteralError> {
    Err(LiteralError(msg.into()))
}
