//! C data: memory that holds values of declared C types, owned by jitffi or borrowed, with
//! checked access to fields and elements (CFFI's `ffi.new`, LuaJIT's cdata, PyPy's ffistruct).
//!
//! A [`CData`] is a view of one object or of an array of objects at an address, together
//! with its C type and the byte range it may touch. Views made from an owned allocation
//! ([`Ffi::alloc`](crate::Ffi::alloc), [`Type::alloc`](crate::Type::alloc)) keep the allocation alive: the
//! memory is freed when the last view is dropped. Every access is checked against the view's
//! range, its type and the value's range, so the safe API cannot read or write outside memory
//! it knows is valid.
//!
//! Access paths, from the most flexible to the fastest:
//! - [`CData::get`] / [`CData::set`] by member path (`"a.b[2].c"`), values as [`Value`](crate::Value),
//!   initializers as [`Init`];
//! - pre-resolved handles: [`Member`] (untyped, no name lookup), [`Accessor<T>`] (typed,
//!   checked once: a load or a store);
//! - [`CompiledField<T>`]: getters, setters and gather/scatter loops compiled by Cranelift
//!   for one (type, field), bit-fields and packed fields included.
//!
//! # Paths through pointers
//!
//! A path may follow pointer members with `->`, as C does: `"next->v"`, `"items->[3].x"`,
//! `"p->q->r"`. A step is checked when jitffi knows the memory the pointer lands in: the
//! view's own memory (a list inside one allocation), or the view the member was set to
//! (`set("next", &node)`, `set("items", &array)`: an array's elements are bounds-checked
//! against its length). A NULL pointer is refused naming the step (`'next->next' is NULL`),
//! and so ([`CDataErrorKind::Untracked`]) is a pointer into memory jitffi was never given (set
//! by C, to memory C allocated): [`CData::get_unchecked`], [`CData::set_unchecked`] and
//! [`CData::at_unchecked`] follow those, trusting them (`unsafe`).
//!
//! # Index convention
//!
//! Messages count ordinals from 1, as C compilers do (`member 2: …`, `argument 1: …`), and
//! show subscripts as written in C, counted from 0 (`[3]: …`, `index 3 is out of bounds for
//! 'int[3]'`).
//!
//! # Threads
//!
//! `CData` and its handles are neither `Send` nor `Sync`: views of one allocation alias, and
//! writes through `&self` (like `Cell`) would race across threads. Copy values out
//! ([`CData::to_bytes`], [`Value`](crate::Value)s) to hand them to another thread.
//!
//! # Keep-alive
//!
//! Storing a `CData` into a pointer member or element of owned memory (`set("next",
//! &other)`) keeps `other`'s memory alive for as long as the member still holds it, that is
//! until the member is written again through jitffi or its holder is freed. Writes by C, by
//! [`CData::write_bytes`] or [`CData::copy_from`] do not update this: the referent then
//! stays alive (conservatively) until the member is set again. Cycles of owned objects
//! pointing at each other are not collected (as with `Rc`).

mod access;
mod compiled;
mod data_type;
pub(crate) mod entry;
pub(crate) mod error;
mod info;
mod init;
mod owner;
mod place;
mod pointer;
mod show;

pub(crate) mod view;

pub use access::{Accessor, Bound, FieldType, Member};
pub use compiled::{CompiledBound, CompiledField};
pub(crate) use data_type::CDataType;
pub use init::Init;

use data_type::is_char_type;
use entry::view_at;
use error::err;
pub(crate) use error::{CDataError, CDataErrorKind};
pub(crate) use info::TypeInfo;
use owner::Owner;
pub(crate) use place::{Place, PlaceShape, bit_shift, read_bits, write_bits};
use pointer::Trust;
pub(crate) use view::CData;
