//! Pointer members in paths: `"next->v"`, `"items->[3].x"`, `"p->q->r"`. A step through a
//! pointer is checked when jitffi knows the memory it lands in (the view's own memory, or
//! the view a member was set to and keeps alive, an array included); other pointers are
//! followed only by the `unsafe` `*_unchecked` methods, which trust them.

use std::marker::PhantomData;

use super::{CData, CDataError, CDataErrorKind, Init, PlaceShape};
use crate::value::Value;

/// How a `->` step into memory jitffi does not know is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Trust {
    /// Refused ([`CDataErrorKind::Untracked`]).
    Checked,
    /// Trusted to point to enough valid objects for the path (one, or `k + 1` before `[k]`).
    Pointers,
}

/// Why a `->` step failed: an error of the member path before it, or of the pointer itself
/// (said of the step: `'next->next' is NULL`).
enum StepError {
    Path(CDataError),
    Pointer(CDataErrorKind, String),
}

impl From<CDataError> for StepError {
    fn from(e: CDataError) -> StepError {
        StepError::Path(e)
    }
}

impl<'a> CData<'a> {
    /// Runs `f` on the view the last `->` of `path` leads to, with the rest of the path after
    /// it; on `self` with the whole path when it has no `->` (the common case: one scan).
    #[inline]
    pub(super) fn via<R>(
        &self,
        path: &str,
        trust: Trust,
        f: impl FnOnce(&CData<'a>, &str) -> Result<R, CDataError>,
    ) -> Result<R, CDataError> {
        if !path.contains("->") {
            return f(self, path);
        }
        self.via_pointers(path, trust, f)
    }

    #[inline(never)]
    fn via_pointers<R>(
        &self,
        path: &str,
        trust: Trust,
        f: impl FnOnce(&CData<'a>, &str) -> Result<R, CDataError>,
    ) -> Result<R, CDataError> {
        let whole = || self.at_path(path);
        let mut cur = self.clone();
        let mut from = 0;
        while let Some(i) = path[from..].find("->") {
            let arrow = from + i;
            let step = path[..arrow].trim();
            cur = cur
                .follow(&path[from..arrow], path[arrow + 2..].trim_start(), trust)
                .map_err(|e| match e {
                    StepError::Path(e) => {
                        CDataError::new(e.kind, format!("{}: {}", whole(), e.message))
                    }
                    StepError::Pointer(kind, m) => {
                        let step = if step.is_empty() { "the pointer" } else { step };
                        CDataError::new(kind, format!("{}: '{step}' {m}", whole()))
                    }
                })?;
            from = arrow + 2;
        }
        f(&cur, path[from..].trim())
            .map_err(|e| CDataError::new(e.kind, format!("{}: {}", whole(), e.message)))
    }

    /// The view of what the pointer at `seg` points to: one object, or (when the path goes on
    /// with `[k]`) the array of objects from there to the end of the memory known to hold it.
    fn follow(&self, seg: &str, next: &str, trust: Trust) -> Result<CData<'a>, StepError> {
        let p = self.place(seg)?;
        let table = &self.info.table;
        let (PlaceShape::One, Some(to)) = (p.shape, table.pointee(p.ty)) else {
            return Err(StepError::Pointer(
                CDataErrorKind::Type,
                format!("is not a pointer ('{}')", self.info.show(p.ty)),
            ));
        };
        let Value::Ptr(ptr) = self.read(&p, seg)? else {
            return Err(StepError::Pointer(
                CDataErrorKind::Type,
                format!("is not a pointer ('{}')", self.info.show(p.ty)),
            ));
        };
        let addr = ptr.addr().cast::<u8>();
        if addr.is_null() {
            return Err(StepError::Pointer(CDataErrorKind::Null, "is NULL".into()));
        }
        let info = self.info.child(to);
        if !info.complete || info.size == 0 {
            return Err(StepError::Pointer(
                CDataErrorKind::Unsupported,
                format!("points to '{}', which has no size", info.show(to)),
            ));
        }
        let a = addr as usize;
        // The first index after the step (`items->[3]`), for the extent a trusted pointer has.
        let index = next
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, _)| i.trim().parse::<usize>().ok());
        let (start, end, owner) = if a >= self.start as usize && a < self.end as usize {
            (self.start, self.end, self.owner.clone())
        } else if let Some(k) = self
            .owner
            .kept_at(p.addr as usize)
            .filter(|k| a >= k.start && a < k.end)
        {
            (k.start as *mut u8, k.end as *mut u8, k.owner)
        } else if trust == Trust::Pointers {
            let n = index.map_or(Some(1), |i| i.checked_add(1));
            let Some(bytes) = n.and_then(|n| n.checked_mul(info.size)) else {
                return Err(StepError::Pointer(
                    CDataErrorKind::OutOfBounds,
                    "is indexed past the address space".into(),
                ));
            };
            (addr, addr.wrapping_add(bytes), self.owner.clone())
        } else {
            return Err(StepError::Pointer(
                CDataErrorKind::Untracked,
                "points to memory jitffi did not allocate or was not given, so its extent is \
                 unknown (set the member to a CData, or trust the pointer with the unsafe \
                 get_unchecked/set_unchecked/at_unchecked)"
                    .into(),
            ));
        };
        let count = next
            .starts_with('[')
            .then(|| (end as usize - a) / info.size);
        let d = CData {
            addr,
            info,
            count,
            start,
            end,
            owner,
            _life: PhantomData,
        };
        if count.is_none() {
            d.check(addr, d.info.size, &|| format!("'{}'", d.type_name()))
                .map_err(|e| {
                    StepError::Pointer(
                        e.kind,
                        format!(
                            "points outside the memory it is known to point into ({})",
                            e.message
                        ),
                    )
                })?;
        }
        Ok(d)
    }

    /// [`CData::get`], trusting every pointer of the path that leads outside the memory
    /// jitffi knows (a pointer C set, to memory C allocated) to point to valid objects: one,
    /// or `k + 1` before an index `[k]`. NULL is still refused, and steps into known memory
    /// are still checked.
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// ffi.cdef("struct node { int v; struct node *next; };")?;
    /// let mut tail = [0u8; 16];
    /// let t = ffi.from_buffer("struct node", &mut tail)?;
    /// t.set("v", 7)?;
    /// let head = ffi.alloc("struct node", jitffi::cdata::Init::Zero)?;
    /// head.set("next", ffi.cast("struct node *", &jitffi::Value::U64(t.addr() as u64))?)?;
    /// assert!(head.get("next->v").is_err()); // the extent of a raw pointer is unknown
    /// // SAFETY: `next` points to the node in `tail`, alive and not written meanwhile.
    /// assert_eq!(unsafe { head.get_unchecked("next->v") }?.as_i64(), Some(7));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`CData::get`], and NULL pointers on the path.
    ///
    /// # Safety
    ///
    /// Every pointer of the path that leads outside the memory jitffi knows points to as many
    /// valid objects of its pointee type as the path uses, which nothing accesses in
    /// conflicting ways during the call.
    pub unsafe fn get_unchecked(&self, path: &str) -> Result<Value<'static>, CDataError> {
        self.via(path, Trust::Pointers, |d, rest| d.get_here(rest))
    }

    /// [`CData::set`] through pointers trusted as [`CData::get_unchecked`] trusts them.
    ///
    /// # Errors
    ///
    /// As [`CData::set`], and NULL pointers on the path.
    ///
    /// # Safety
    ///
    /// As [`CData::get_unchecked`], for writes.
    pub unsafe fn set_unchecked<'i>(
        &self,
        path: &str,
        init: impl Into<Init<'i>>,
    ) -> Result<(), CDataError> {
        let init = init.into();
        self.via(path, Trust::Pointers, |d, rest| d.set_here(rest, init))
    }

    /// [`CData::at`] through pointers trusted as [`CData::get_unchecked`] trusts them. The
    /// view covers what the path's last pointer was trusted to point to, and keeps this
    /// view's memory alive (not the pointee's, which jitffi does not own).
    ///
    /// # Errors
    ///
    /// As [`CData::at`], and NULL pointers on the path.
    ///
    /// # Safety
    ///
    /// As [`CData::get_unchecked`], for as long as the view (and views made from it) is
    /// used.
    pub unsafe fn at_unchecked(&self, path: &str) -> Result<CData<'a>, CDataError> {
        self.via(path, Trust::Pointers, |d, rest| d.at_here(rest))
    }
}
