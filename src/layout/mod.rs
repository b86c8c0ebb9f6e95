//! Sizes, alignments, member offsets and bit-field positions, exactly as gcc computes them.
//!
//! `layout` reads the [`TypeTable`] and a [`Target`]; it never sees `lang_c` types. Record
//! layouts are computed once, when `cdef` completes a struct or union, and stored in the table's
//! [`RecordBody`]; everything else is computed on demand from those. All size arithmetic is
//! checked: a type whose size does not fit in 64 bits is an error, never a wrap-around.
#![forbid(unsafe_code)]
#![warn(clippy::cast_possible_truncation, clippy::cast_sign_loss)]

mod target;

use std::fmt;

pub(crate) use target::builtin_text;
pub use target::{Arch, Target};

use crate::ctype::{CType, Field, Quals, RecordAttrs, RecordKind, TypeId, TypeTable};

/// `sizeof` and `_Alignof` of a type, in bytes.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct Layout {
    /// `sizeof`.
    pub size: u64,
    /// `_Alignof`.
    pub align: u64,
}

/// Why a type has no layout.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    /// The type is incomplete (`void`, an opaque struct, an array of unknown length).
    Incomplete {
        /// The type, in C syntax.
        ty: String,
    },
    /// A function type has no size.
    Function {
        /// The type, in C syntax.
        ty: String,
    },
    /// The size does not fit in 64 bits.
    Overflow {
        /// The type, in C syntax.
        ty: String,
    },
    /// The element of an array is smaller than its alignment (gcc rejects such arrays).
    ElementAlignment {
        /// The array element type, in C syntax.
        elem: String,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::Incomplete { ty } => write!(f, "'{ty}' is an incomplete type"),
            LayoutError::Function { ty } => write!(f, "function type '{ty}' has no size"),
            LayoutError::Overflow { ty } => write!(f, "size of '{ty}' overflows 64 bits"),
            LayoutError::ElementAlignment { elem } => {
                write!(
                    f,
                    "alignment of array elements of type '{elem}' is greater than their size"
                )
            }
        }
    }
}

impl std::error::Error for LayoutError {}

/// The size and alignment of any complete object type.
///
/// # Errors
///
/// [`LayoutError`] for incomplete and function types and for sizes that overflow.
pub fn layout_of(table: &TypeTable, target: &Target, id: TypeId) -> Result<Layout, LayoutError> {
    layout_depth(table, target, id, 0)
}

fn layout_depth(
    table: &TypeTable,
    target: &Target,
    id: TypeId,
    depth: u32,
) -> Result<Layout, LayoutError> {
    let incomplete = || LayoutError::Incomplete {
        ty: table.display(id),
    };
    if depth > 512 {
        return Err(LayoutError::Overflow {
            ty: table.display(id),
        });
    }
    match table.get(id) {
        CType::Void => Err(incomplete()),
        CType::Prim(p) => {
            let (size, align) = target.prim(*p);
            Ok(Layout { size, align })
        }
        CType::Pointer(_) => {
            let (size, align) = target.pointer();
            Ok(Layout { size, align })
        }
        CType::Array { elem, len } => {
            let n = len.ok_or_else(incomplete)?;
            let e = layout_depth(table, target, *elem, depth + 1)?;
            if n > 1 && e.size % e.align != 0 {
                return Err(LayoutError::ElementAlignment {
                    elem: table.display(*elem),
                });
            }
            let size = e.size.checked_mul(n).ok_or_else(|| LayoutError::Overflow {
                ty: table.display(id),
            })?;
            Ok(Layout {
                size,
                align: unqualified_align(table, target, *elem, e.align, depth + 1)?,
            })
        }
        CType::Vector { elem, size } => {
            let e = layout_depth(table, target, *elem, depth + 1)?;
            Ok(Layout {
                size: *size,
                align: vector_align(target, *size, e.align),
            })
        }
        CType::Func(_) => Err(LayoutError::Function {
            ty: table.display(id),
        }),
        CType::Qualified { base, quals } => {
            let l = layout_depth(table, target, *base, depth + 1)?;
            Ok(if quals.contains(Quals::ATOMIC) {
                atomic_layout(l)
            } else {
                l
            })
        }
        CType::Record(r) => match &r.body {
            Some(b) => Ok(Layout {
                size: b.size,
                align: b.align,
            }),
            None => Err(incomplete()),
        },
        CType::Enum(e) => match &e.body {
            Some(b) => {
                let (size, align) = target.prim(b.underlying);
                Ok(Layout { size, align })
            }
            None => Err(incomplete()),
        },
        CType::Typedef(t) => {
            let l = layout_depth(table, target, t.target, depth + 1)?;
            Ok(Layout {
                size: l.size,
                align: t.align.unwrap_or(l.align),
            })
        }
    }
}

/// The alignment gcc gives a vector of `size` bytes: its size (`cdef` accepts vectors of at most
/// 16 bytes; wider ones are placed at their size's alignment by gcc but report `_Alignof` 16),
/// never below its element's.
fn vector_align(target: &Target, size: u64, elem_align: u64) -> u64 {
    size.min(target.biggest_align).max(elem_align)
}

/// The layout of `_Atomic T` from that of `T`: gcc gives an atomic type of 1, 2, 4, 8 or 16 bytes
/// the alignment of the integer of that size (`build_qualified_type` through
/// `find_atomic_core_type`), so `_Atomic struct { char c[2]; }` is 2-aligned and a 16-byte
/// struct 16-aligned; other sizes keep their alignment (`_Atomic struct { char c[3]; }` is
/// 1-aligned, `_Atomic long double _Complex` 16-aligned).
fn atomic_layout(l: Layout) -> Layout {
    if matches!(l.size, 1 | 2 | 4 | 8 | 16) {
        Layout {
            size: l.size,
            align: l.align.max(l.size),
        }
    } else {
        l
    }
}

/// The alignment gcc gives an array of `elem`: that of the element's unqualified type, so an
/// array of `_Atomic struct { char c[2]; }` is 1-aligned although each element is 2-aligned
/// (gcc lays arrays out from the main variant of the element type; checked by
/// `tests/data/cdef/ok/0018_atomic.h`). `elem_align` is the element's own alignment.
fn unqualified_align(
    table: &TypeTable,
    target: &Target,
    elem: TypeId,
    elem_align: u64,
    depth: u32,
) -> Result<u64, LayoutError> {
    let (mut id, quals) = (elem, table.quals(elem));
    if !quals.contains(Quals::ATOMIC) {
        return Ok(elem_align);
    }
    // Follow typedefs and qualifiers to the first alignment that does not come from `_Atomic`.
    loop {
        match table.get(id) {
            CType::Typedef(t) if t.align.is_some() => return Ok(t.align.unwrap_or(elem_align)),
            CType::Typedef(t) => id = t.target,
            CType::Qualified { base, .. } => id = *base,
            _ => return Ok(layout_depth(table, target, id, depth)?.align),
        }
    }
}

fn align_up(x: u64, a: u64) -> Option<u64> {
    debug_assert!(a.is_power_of_two());
    x.checked_add(a - 1).map(|v| v & !(a - 1))
}

/// gcc's `excess_unit_span`: would a bit-field of `width` bits at `bitpos` span more units of
/// its type's alignment than the type itself has?
fn excess_unit_span(bitpos: u64, width: u64, align_bits: u64, size_bits: u64) -> bool {
    let off = bitpos % align_bits;
    (off + width).div_ceil(align_bits) > size_bits / align_bits
}

/// Lays out the members of a struct or union the way gcc does on the target, storing each
/// member's `offset` and `bit_offset`, and returns the record's size and alignment.
///
/// The rules, from gcc's `stor-layout.cc` (`place_field`, `update_alignment_for_field`,
/// `layout_decl`) with `PCC_BITFIELD_TYPE_MATTERS`:
/// - an ordinary member is aligned to its type's alignment, lowered to 1 by `packed` (on the
///   record or the member), raised by an `aligned` attribute on the member (which `packed` does
///   not lower), and capped by `#pragma pack(N)`;
/// - a bit-field is placed at the next free bit unless it would span more alignment units of its
///   declared type than the type has, in which case it moves to the next unit; `packed` and
///   `#pragma pack` disable that rule, so packed bit-fields straddle freely;
/// - a named bit-field raises the record's alignment to its type's alignment (capped by
///   `#pragma pack`, lowered to 1 by `packed`); unnamed ones do not, except on AArch64
///   (gcc's `TARGET_ALIGN_ANON_BITFIELD`, as AAPCS64 asks: [`Target::anon_bitfields_align`]);
/// - a zero-width bit-field aligns the next member to its type's alignment, ignoring `packed`
///   and `#pragma pack`, and does not change the record's alignment, except on AArch64, where
///   it raises it to that alignment (`packed` and `#pragma pack` notwithstanding);
/// - a flexible array member adds no size but its element's alignment;
/// - the size is rounded up to the alignment, which an `aligned` attribute on the type raises.
///
/// # Errors
///
/// [`LayoutError`] if a member's type has no layout or the size overflows.
pub fn layout_record(
    table: &TypeTable,
    target: &Target,
    kind: RecordKind,
    fields: &mut [Field],
    attrs: RecordAttrs,
    name: &str,
) -> Result<Layout, LayoutError> {
    let overflow = || LayoutError::Overflow {
        ty: name.to_string(),
    };
    let union = kind == RecordKind::Union;
    let mut bitpos: u64 = 0;
    let mut end_max: u64 = 0;
    let mut rec_align: u64 = 1;
    let n_fields = fields.len();
    for (idx, f) in fields.iter_mut().enumerate() {
        let is_flexible =
            idx + 1 == n_fields && matches!(table.raw_type(f.ty), CType::Array { len: None, .. });
        let fl = if is_flexible {
            let elem = match table.raw_type(f.ty) {
                CType::Array { elem, .. } => *elem,
                _ => f.ty,
            };
            let e = layout_of(table, target, elem)?;
            Layout {
                size: 0,
                align: e.align,
            }
        } else {
            layout_of(table, target, f.ty)?
        };
        let packed = attrs.packed || f.attrs.packed;
        let start = if union { 0 } else { bitpos };
        let end;
        match f.bit_width {
            None => {
                let mut a = if packed { 1 } else { fl.align };
                if let Some(user) = f.attrs.align {
                    a = if packed { user } else { a.max(user) };
                }
                if let Some(p) = attrs.pack {
                    a = a.min(p);
                }
                let at = align_up(start, a * 8).ok_or_else(overflow)?;
                f.bit_offset = at;
                f.offset = at / 8;
                end = at
                    .checked_add(fl.size.checked_mul(8).ok_or_else(overflow)?)
                    .ok_or_else(overflow)?;
                rec_align = rec_align.max(a);
            }
            Some(0) => {
                let at = if union {
                    0
                } else {
                    align_up(start, fl.align * 8).ok_or_else(overflow)?
                };
                f.bit_offset = at;
                f.offset = at / 8;
                end = at;
                if target.anon_bitfields_align() {
                    rec_align = rec_align.max(fl.align);
                }
            }
            Some(w) => {
                let width = u64::from(w);
                let mut at = start;
                if let Some(user) = f.attrs.align {
                    let a = attrs.pack.map_or(user, |p| user.min(p));
                    at = align_up(at, a * 8).ok_or_else(overflow)?;
                }
                if !packed
                    && attrs.pack.is_none()
                    && excess_unit_span(at, width, fl.align * 8, fl.size * 8)
                {
                    at = align_up(at, fl.align * 8).ok_or_else(overflow)?;
                }
                f.bit_offset = at;
                f.offset = at / 8;
                end = at.checked_add(width).ok_or_else(overflow)?;
                if f.name.is_some() || target.anon_bitfields_align() {
                    let mut a = fl.align;
                    if let Some(p) = attrs.pack {
                        a = a.min(p);
                    } else if packed {
                        a = 1;
                    }
                    if let Some(user) = f.attrs.align {
                        a = a.max(attrs.pack.map_or(user, |p| user.min(p)));
                    }
                    rec_align = rec_align.max(a);
                }
            }
        }
        if union {
            end_max = end_max.max(end);
        } else {
            bitpos = end;
        }
    }
    let mut align = rec_align;
    if let Some(user) = attrs.align {
        align = align.max(user);
    }
    let bits = if union { end_max } else { bitpos };
    let bytes = align_up(bits, 8).ok_or_else(overflow)? / 8;
    let size = align_up(bytes, align).ok_or_else(overflow)?;
    Ok(Layout { size, align })
}

/// Where a member path (`"a.b[3].c"`) leads inside a type.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct PathTarget {
    /// The member's type.
    pub ty: TypeId,
    /// Byte offset from the start of the outer object (for a bit-field: the byte holding its
    /// first bit).
    pub offset: u64,
    /// For a bit-field: bit offset of its first bit from the start of the outer object, and
    /// its width.
    pub bitfield: Option<(u64, u32)>,
}

/// Why a member path does not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathError {
    /// The path is not `name`, `.name` or `[index]` steps.
    Syntax {
        /// The path.
        path: String,
    },
    /// `.name` applied to a type that is not a struct or union.
    NotARecord {
        /// The type, in C syntax.
        ty: String,
        /// The member asked for.
        member: String,
    },
    /// The struct or union has no such member.
    NoMember {
        /// The type, in C syntax.
        ty: String,
        /// The member asked for.
        member: String,
    },
    /// `[index]` applied to a type that is not an array.
    NotAnArray {
        /// The type, in C syntax.
        ty: String,
    },
    /// The index is past the end of the array.
    OutOfBounds {
        /// The array type, in C syntax.
        ty: String,
        /// The index asked for.
        index: u64,
    },
    /// A step after a bit-field (bit-fields have no members or elements).
    AfterBitfield {
        /// The bit-field's name.
        member: String,
    },
    /// A type on the path has no layout.
    Layout(LayoutError),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Syntax { path } => {
                write!(
                    f,
                    "malformed member path '{path}' (expected steps like 'a.b[3].c')"
                )
            }
            PathError::NotARecord { ty, member } => {
                write!(
                    f,
                    "cannot take member '{member}' of '{ty}', which is not a struct or union"
                )
            }
            PathError::NoMember { ty, member } => {
                write!(f, "'{ty}' has no member named '{member}'")
            }
            PathError::NotAnArray { ty } => write!(f, "cannot index '{ty}', which is not an array"),
            PathError::OutOfBounds { ty, index } => {
                write!(f, "index {index} is out of bounds for '{ty}'")
            }
            PathError::AfterBitfield { member } => {
                write!(f, "bit-field '{member}' has no members or elements")
            }
            PathError::Layout(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for PathError {}

impl From<LayoutError> for PathError {
    fn from(e: LayoutError) -> Self {
        PathError::Layout(e)
    }
}

/// Resolves a member path such as `a.b[3].c` (the `offsetof` designator syntax) in `ty`.
///
/// # Errors
///
/// [`PathError`] naming the step that does not resolve.
pub fn resolve_path(
    table: &TypeTable,
    target: &Target,
    ty: TypeId,
    path: &str,
) -> Result<PathTarget, PathError> {
    let syntax = || PathError::Syntax {
        path: path.to_string(),
    };
    let mut cur = PathTarget {
        ty,
        offset: 0,
        bitfield: None,
    };
    let mut bits: u64 = 0;
    let bytes = path.as_bytes();
    let mut i = 0;
    let mut first = true;
    let mut last_member = String::new();
    while i < bytes.len() {
        if cur.bitfield.is_some() {
            return Err(PathError::AfterBitfield {
                member: last_member,
            });
        }
        let c = bytes[i];
        if c == b'[' {
            let close = path[i..].find(']').ok_or_else(syntax)? + i;
            let index: u64 = path[i + 1..close].trim().parse().map_err(|_| syntax())?;
            let (elem, len) = match table.raw_type(cur.ty) {
                CType::Array { elem, len } => (*elem, *len),
                _ => {
                    return Err(PathError::NotAnArray {
                        ty: table.display(cur.ty),
                    });
                }
            };
            if len.is_some_and(|n| index >= n) {
                return Err(PathError::OutOfBounds {
                    ty: table.display(cur.ty),
                    index,
                });
            }
            let e = layout_of(table, target, elem)?;
            let step = e
                .size
                .checked_mul(index)
                .and_then(|s| s.checked_mul(8))
                .ok_or_else(syntax)?;
            bits = bits.checked_add(step).ok_or_else(syntax)?;
            cur.ty = elem;
            i = close + 1;
        } else {
            if c == b'.' {
                i += 1;
            } else if !first {
                return Err(syntax());
            }
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let member = &path[start..i];
            if member.is_empty() || member.as_bytes()[0].is_ascii_digit() {
                return Err(syntax());
            }
            if table.as_record(cur.ty).is_none() {
                return Err(PathError::NotARecord {
                    ty: table.display(cur.ty),
                    member: member.into(),
                });
            }
            let steps = table
                .find_field(cur.ty, member)
                .ok_or_else(|| PathError::NoMember {
                    ty: table.display(cur.ty),
                    member: member.into(),
                })?;
            let mut rec = cur.ty;
            let mut field: Option<&Field> = None;
            for s in steps {
                let body = table
                    .as_record(rec)
                    .and_then(|r| r.body.as_ref())
                    .ok_or_else(syntax)?;
                let f = &body.fields[s];
                bits = bits.checked_add(f.bit_offset).ok_or_else(syntax)?;
                rec = f.ty;
                field = Some(f);
            }
            let f = field.ok_or_else(syntax)?;
            cur.ty = f.ty;
            if let Some(w) = f.bit_width {
                cur.bitfield = Some((bits, w));
            }
            last_member = member.to_string();
        }
        first = false;
        cur.offset = bits / 8;
    }
    if first {
        return Err(syntax());
    }
    Ok(cur)
}
