//! [`CDataType`]: a C type resolved once, from which objects, arrays and member handles are
//! made; allocation and the positional fast path of `alloc_values`.

use std::fmt;
use std::marker::PhantomData;

use super::owner::Owner;
use super::{CData, CDataError, CDataErrorKind, Init, TypeInfo, err};
use crate::context::Context;
use crate::ctype::{CType as CTypeDef, Prim, TypeId, TypeTable};
use crate::value::{self, Value};

/// What C data needs of a C type, resolved once: the [`TypeInfo`] views share and, for an
/// array type, its length. Cached in a [`Type`](crate::Type), whose methods are the public face.
#[derive(Clone)]
pub struct CDataType {
    pub(crate) info: std::sync::Arc<TypeInfo>,
    /// For an array type: `Some(len)`, with `info` the element type.
    pub(super) array: Option<Option<usize>>,
    /// The type as named.
    pub(super) id: TypeId,
}

impl fmt::Debug for CDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CDataType('{self}')")
    }
}

impl fmt::Display for CDataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elem = self.info.show(self.info.id);
        match self.array {
            None => f.write_str(&elem),
            Some(None) => write!(f, "{elem}[]"),
            Some(Some(n)) => write!(f, "{elem}[{n}]"),
        }
    }
}

impl CDataType {
    /// A new zeroed object (or array, for an array type of known length) filled from `init`.
    /// For `T[]`, the length comes from the initializer (`Init::List`, `Init::Values`, or a
    /// string for `char[]`, whose NUL is counted).
    ///
    /// # Errors
    ///
    /// Incomplete types, values that do not convert or fit (see [`CData::set`]).
    pub fn alloc<'i>(&self, init: impl Into<Init<'i>>) -> Result<CData<'static>, CDataError> {
        let init = init.into();
        let count = match self.array {
            None => None,
            Some(Some(n)) => Some(n),
            Some(None) => Some(match &init {
                Init::List(v) => v.len(),
                Init::Values(v) => v.len(),
                Init::Value(Value::Str(s)) => s.as_cstr().to_bytes_with_nul().len(),
                _ => {
                    return err(
                        CDataErrorKind::Unsupported,
                        format!(
                            "'{self}' needs a length: use alloc_array, or a list or string initializer"
                        ),
                    );
                }
            }),
        };
        let d = self.alloc_raw(count, 0)?;
        if !matches!(init, Init::Zero) {
            d.write(d.root(), &init, false)?;
        }
        Ok(d)
    }

    /// A new zeroed object; [`CDataType::alloc`] without an initializer.
    ///
    /// # Errors
    ///
    /// Incomplete types.
    pub fn alloc_zeroed(&self) -> Result<CData<'static>, CDataError> {
        self.alloc_raw(self.array.flatten(), 0)
    }

    /// A new zeroed array of `n` objects of this type (of its element type, for `T[]`).
    ///
    /// # Errors
    ///
    /// Incomplete types, sizes that overflow.
    pub fn alloc_array(&self, n: usize) -> Result<CData<'static>, CDataError> {
        if self.array.is_some_and(|len| len.is_some()) {
            // `T[k]` elements: the array type itself is the element.
            let whole = CDataType {
                info: TypeInfo::new(&self.info.cx, self.id),
                array: None,
                id: self.id,
            };
            return whole.alloc_raw(Some(n), 0);
        }
        self.alloc_raw(Some(n), 0)
    }

    /// A new zeroed struct whose flexible array member has room for `n` elements; accesses
    /// to it are bounds-checked against `n`.
    ///
    /// # Errors
    ///
    /// A type that is not a struct ending in a flexible array member.
    pub fn alloc_flex(&self, n: usize) -> Result<CData<'static>, CDataError> {
        let info = &self.info;
        let flex = info
            .table
            .as_record(info.raw)
            .and_then(|r| r.body.as_ref())
            .and_then(|b| b.fields.last())
            .and_then(|f| match info.table.raw_type(f.ty) {
                CTypeDef::Array { elem, len: None } => Some((f.offset as usize, *elem)),
                _ => None,
            });
        let Some((off, elem)) = flex else {
            return err(
                CDataErrorKind::Unsupported,
                format!("'{self}' has no flexible array member"),
            );
        };
        let esize = info.size_of(elem)?;
        let extra = esize
            .checked_mul(n)
            .and_then(|b| b.checked_add(off))
            .map(|b| b.saturating_sub(info.size))
            .ok_or_else(|| {
                CDataError::new(CDataErrorKind::Unsupported, "flexible array too large")
            })?;
        self.alloc_raw(None, extra)
    }

    #[inline]
    pub(super) fn alloc_raw(
        &self,
        count: Option<usize>,
        extra: usize,
    ) -> Result<CData<'static>, CDataError> {
        let info = &self.info;
        if !info.complete {
            return err(
                CDataErrorKind::Unsupported,
                format!("cannot allocate '{self}': incomplete type"),
            );
        }
        let size = info
            .size
            .checked_mul(count.unwrap_or(1))
            .and_then(|s| s.checked_add(extra))
            .ok_or_else(|| CDataError::new(CDataErrorKind::Unsupported, "array too large"))?;
        let Some((owner, addr)) = Owner::alloc(size, info.align, true) else {
            return err(
                CDataErrorKind::Unsupported,
                format!("cannot allocate {size} bytes aligned to {}", info.align),
            );
        };
        Ok(CData {
            addr,
            info: info.clone(),
            count,
            start: addr,
            // SAFETY: `addr` has `size` bytes.
            end: unsafe { addr.add(size) },
            owner,
            _life: PhantomData,
        })
    }

    /// `new` for the benchmarks and hot loops: [`CDataType::alloc`] with positional values,
    /// converted with the checks of calls, without building an [`Init`].
    ///
    /// # Errors
    ///
    /// As [`CDataType::alloc`].
    #[inline(always)]
    pub fn alloc_values(&self, values: &[Value<'_>]) -> Result<CData<'static>, CDataError> {
        // Inlined into the caller, with the view built once at the end from scalars (the
        // slow path's view is taken apart into them): a view merged through memory from two
        // paths costs store-forwarding stalls worth a third of the allocation.
        let info = &self.info;
        let flat = match (self.array, info.flat()) {
            (None, Some(flat))
                if info.complete
                    && values.len() <= flat.members.len()
                    && values
                        .iter()
                        .zip(&flat.members)
                        .all(|(v, m)| v.tag() == m.tag) =>
            {
                Some(flat)
            }
            _ => None,
        };
        // A full set of values for a struct without padding writes every byte.
        let zero = !flat.is_some_and(|f| f.dense && values.len() == f.members.len());
        let block = flat.and_then(|flat| Some((flat, Owner::alloc(info.size, info.align, zero)?)));
        let (addr, info, count, end, owner) = match block {
            Some((flat, (owner, addr))) => {
                for (v, m) in values.iter().zip(&flat.members) {
                    // SAFETY: the member's `size` bytes at `off` lie inside the new object,
                    // and the value has the member's canonical variant.
                    unsafe { value::write_scalar(addr.add(m.off), m.size, v) };
                }
                // SAFETY: `addr` has the object's size.
                (
                    addr,
                    info.clone(),
                    None,
                    unsafe { addr.add(info.size) },
                    owner,
                )
            }
            None => {
                let d = self.alloc_raw_values(values)?;
                let d = std::mem::ManuallyDrop::new(d);
                // SAFETY: `d` is never used or dropped again: its type and owner move out
                // once.
                unsafe {
                    let (info, owner) = (std::ptr::read(&d.info), std::ptr::read(&d.owner));
                    (d.addr, info, d.count, d.end, owner)
                }
            }
        };
        Ok(CData {
            addr,
            info,
            count,
            start: addr,
            end,
            owner,
            _life: PhantomData,
        })
    }

    /// `alloc_values` with every check and conversion: arrays, incomplete types, values that
    /// are not of their member's canonical variant, pointers, and the error messages.
    #[inline(never)]
    pub(super) fn alloc_raw_values(
        &self,
        values: &[Value<'_>],
    ) -> Result<CData<'static>, CDataError> {
        let d = self.alloc_raw(self.array.flatten(), 0)?;
        d.write(d.root(), &Init::Values(values), false)?;
        Ok(d)
    }

    /// The element count of a view of this type over `bytes` bytes: `None` for one object,
    /// the length of `T[n]`, or as many elements as fit for `T[]`.
    pub(super) fn count_in(&self, bytes: usize) -> Option<usize> {
        match self.array {
            None => None,
            Some(Some(n)) => Some(n),
            Some(None) => Some(bytes / self.info.size.max(1)),
        }
    }

    pub(crate) fn of(cx: &Context, id: TypeId) -> CDataType {
        let table = cx.types();
        if let CTypeDef::Array { elem, len } = table.raw_type(id) {
            let (elem, len) = (*elem, *len);
            return CDataType {
                info: TypeInfo::new(cx, elem),
                array: Some(len.map(|n| n as usize)),
                id,
            };
        }
        CDataType {
            info: TypeInfo::new(cx, id),
            array: None,
            id,
        }
    }
}

/// `char`, `signed char` or `unsigned char` (through typedefs and qualifiers).
pub(super) fn is_char_type(t: &TypeTable, ty: TypeId) -> bool {
    matches!(
        t.raw_type(ty),
        CTypeDef::Prim(Prim::Char | Prim::SChar | Prim::UChar)
    )
}
