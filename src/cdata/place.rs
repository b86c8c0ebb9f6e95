//! Places: where a member path (`"a.b[2].c"`, `"[3].x"`) leads in a view, as an address, a
//! type and a shape (one object, a bit-field, an array); bit-field reads and writes that touch
//! exactly their covering bytes.

use super::{CData, CDataError, CDataErrorKind, err};
use crate::ctype::{CType as CTypeDef, TypeId};
use crate::layout::{self, PathTarget};

/// Where a value lives inside a view.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Place {
    pub(crate) addr: *mut u8,
    pub(crate) ty: TypeId,
    pub(crate) shape: PlaceShape,
}

/// One object, a bit-field, or an array of objects of the place's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PlaceShape {
    One,
    /// Bit offset from `addr` (0..8) and width.
    Bits(u32, u32),
    Array(usize),
}

/// A bit-field's first bit counted from the byte that holds it (0..8), from its bit offset
/// and byte offset in the same object.
pub(crate) fn bit_shift(bit_offset: u64, byte_offset: u64) -> u32 {
    (bit_offset - byte_offset * 8) as u32
}

/// Reads a bit-field: `width` bits from bit `shift` of `addr`, sign-extended if `signed`.
///
/// # Safety
///
/// `(shift + width + 7) / 8` bytes at `addr` are readable.
pub(crate) unsafe fn read_bits(addr: *const u8, shift: u32, width: u32, signed: bool) -> u64 {
    let n = (shift + width).div_ceil(8) as usize;
    let mut buf = [0u8; 16];
    // SAFETY: the caller vouches for `n` (at most 9) readable bytes.
    unsafe { std::ptr::copy_nonoverlapping(addr, buf.as_mut_ptr(), n) };
    let v = (u128::from_le_bytes(buf) >> shift) as u64;
    let spare = 64 - width;
    if signed {
        (((v << spare) as i64) >> spare) as u64
    } else {
        (v << spare) >> spare
    }
}

/// Writes the low `width` bits of `v` at bit `shift` of `addr`, keeping the other bits.
///
/// # Safety
///
/// `(shift + width + 7) / 8` bytes at `addr` are readable and writable.
pub(crate) unsafe fn write_bits(addr: *mut u8, shift: u32, width: u32, v: u64) {
    let n = (shift + width).div_ceil(8) as usize;
    let mut buf = [0u8; 16];
    // SAFETY: the caller vouches for `n` (at most 9) readable and writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(addr, buf.as_mut_ptr(), n) };
    let old = u128::from_le_bytes(buf);
    let mask = ((1u128 << width) - 1) << shift;
    let new = (old & !mask) | ((u128::from(v) << shift) & mask);
    // SAFETY: as above.
    unsafe { std::ptr::copy_nonoverlapping(new.to_le_bytes().as_ptr(), addr, n) };
}

impl CData<'_> {
    /// Resolves a member path (`"a.b[2].c"`, `"[3].x"` for arrays, `""` for the view itself).
    pub(crate) fn place(&self, path: &str) -> Result<Place, CDataError> {
        let path = path.trim();
        if path.is_empty() {
            return Ok(self.root());
        }
        let info = &self.info;
        let (base, ty, rest) = match self.count {
            Some(n) => {
                let Some(close) = path.strip_prefix('[').and_then(|p| p.find(']')) else {
                    return err(
                        CDataErrorKind::Path,
                        format!(
                            "'{}' is an array: a path starts with an index ('[0]'), not '{path}'",
                            self.whole()
                        ),
                    );
                };
                let i: usize = path[1..close + 1].trim().parse().map_err(|_| {
                    CDataError::new(CDataErrorKind::Path, format!("bad index in '{path}'"))
                })?;
                if i >= n {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!("index {i} is out of bounds for '{}'", self.whole()),
                    );
                }
                (
                    self.addr.wrapping_add(i * info.size),
                    info.id,
                    &path[close + 2..],
                )
            }
            None => (self.addr, info.id, path),
        };
        if rest.is_empty() {
            return Ok(self.normalize(base, ty));
        }
        let t = layout::resolve_path(&info.table, info.cx.target(), ty, rest)?;
        Ok(self.member_place(base, &t))
    }

    /// The place a resolved member path leads to from `base`.
    pub(super) fn member_place(&self, base: *mut u8, t: &PathTarget) -> Place {
        let addr = base.wrapping_add(t.offset as usize);
        match t.bitfield {
            Some((bit, width)) => Place {
                addr,
                ty: t.ty,
                shape: PlaceShape::Bits(bit_shift(bit, t.offset), width),
            },
            None => self.normalize(addr, t.ty),
        }
    }

    /// A place of type `ty` at `addr`, with arrays as element type and count (a flexible
    /// array's count is what fits before the end of the view's memory).
    pub(super) fn normalize(&self, addr: *mut u8, ty: TypeId) -> Place {
        let t = &self.info.table;
        if let CTypeDef::Array { elem, len } = t.raw_type(ty) {
            let esize = self.info.size_of(*elem).unwrap_or(0);
            let n = match len {
                Some(n) => *n as usize,
                None if esize == 0 => 0,
                None => (self.end as usize).saturating_sub(addr as usize) / esize,
            };
            return Place {
                addr,
                ty: *elem,
                shape: PlaceShape::Array(n),
            };
        }
        Place {
            addr,
            ty,
            shape: PlaceShape::One,
        }
    }

    pub(super) fn place_size(&self, p: &Place) -> Result<usize, CDataError> {
        Ok(match p.shape {
            PlaceShape::Bits(shift, width) => (shift + width).div_ceil(8) as usize,
            PlaceShape::One => self.info.size_of(p.ty)?,
            PlaceShape::Array(n) => self.info.size_of(p.ty)? * n,
        })
    }

    pub(super) fn describe(&self, p: &Place) -> String {
        let off = p.addr as isize - self.addr as isize;
        let ty = self.info.show(p.ty);
        match p.shape {
            PlaceShape::Array(n) => format!("{}: '{ty}[{n}]' at offset {off}", self.whole()),
            _ => format!("{}: '{ty}' at offset {off}", self.whole()),
        }
    }
}
