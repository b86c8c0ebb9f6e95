//! [`TypeInfo`]: what a view needs to know about its C type (size, alignment, pointer type,
//! conversions), computed once per type and shared by views; the positional fast path.

use std::sync::{Arc, Mutex, OnceLock};

use super::{CDataError, CDataErrorKind};
use crate::context::Context;
use crate::ctype::{CType as CTypeDef, TypeId, TypeTable};
use crate::layout;
use crate::value::{self, Conv};

/// How positional values of canonical variants are stored into a struct without a
/// conversion: each member's offset, size and the `Value` tag it takes.
pub(super) struct FlatPlan {
    pub(super) members: Box<[FlatMember]>,
    /// The members cover every byte (no padding): a full set of values leaves nothing to
    /// zero.
    pub(super) dense: bool,
}

#[derive(Clone, Copy)]
pub(super) struct FlatMember {
    pub(super) off: usize,
    pub(super) size: usize,
    /// The canonical tag; `u8::MAX` (no value has it) for pointers, which go through the
    /// checked path (their stores keep referents alive).
    pub(super) tag: u8,
}

/// What a `CData` needs to know about its type, computed once per type and shared by views.
pub(crate) struct TypeInfo {
    pub(crate) cx: Context,
    /// `Ffi::identity` of `ffi` (type ids are per context).
    pub(crate) cx_key: usize,
    pub(crate) table: Arc<TypeTable>,
    /// The type as declared (for messages).
    pub(crate) id: TypeId,
    /// The type without typedefs and qualifiers (for comparisons).
    pub(crate) raw: TypeId,
    pub(crate) size: usize,
    pub(crate) align: usize,
    pub(crate) complete: bool,
    /// `id *` in the table, or `id | POINTEE` (for passing views as pointer arguments).
    pub(crate) ptr_ty: TypeId,
    /// Infos of member and element types, made on demand.
    children: Mutex<Vec<(TypeId, Arc<TypeInfo>)>>,
    /// Offsets and conversions of the members, when every member is a named scalar (the
    /// fast path of positional initializers).
    flat: OnceLock<Option<FlatPlan>>,
}

impl TypeInfo {
    pub(crate) fn new(cx: &Context, id: TypeId) -> Arc<TypeInfo> {
        let table = cx.types();
        // A pointer type the table has, or the pointee tagged (see `Pointer::to_object`):
        // CData never changes the table (functions hold older snapshots of it).
        let ptr_ty = table
            .find_pointer(id)
            .unwrap_or(TypeId(id.0 | value::POINTEE));
        let lay = layout::layout_of(&table, cx.target(), id).ok();
        let raw = table.raw(id);
        let complete = lay.is_some() && !matches!(table.get(raw), CTypeDef::Func(_));
        Arc::new(TypeInfo {
            cx: cx.clone(),
            cx_key: cx.identity(),
            id,
            raw,
            size: lay.map_or(0, |l| l.size as usize),
            align: lay.map_or(1, |l| l.align.max(1) as usize),
            complete,
            ptr_ty,
            table,
            children: Mutex::new(Vec::new()),
            flat: OnceLock::new(),
        })
    }

    /// The info of a member or element type.
    pub(super) fn child(self: &Arc<TypeInfo>, id: TypeId) -> Arc<TypeInfo> {
        if id == self.id {
            return self.clone();
        }
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, c)) = children.iter().find(|(k, _)| *k == id) {
            return c.clone();
        }
        let c = TypeInfo::new(&self.cx, id);
        children.push((id, c.clone()));
        c
    }

    pub(crate) fn show(&self, id: TypeId) -> String {
        self.table.display(id)
    }

    pub(crate) fn conv(&self, id: TypeId) -> Conv {
        let t = &*self.table;
        let target = self.cx.target();
        Conv::of(
            t,
            |i| layout::layout_of(t, target, i).ok().map(|l| l.size),
            id,
            target.char_signed,
        )
    }

    pub(super) fn size_of(&self, id: TypeId) -> Result<usize, CDataError> {
        layout::layout_of(&self.table, self.cx.target(), id)
            .map(|l| l.size as usize)
            .map_err(|e| CDataError::new(CDataErrorKind::Unsupported, e.to_string()))
    }

    /// Positional fast-path plan: `Some` when every member is a named non-bit-field scalar.
    #[inline]
    pub(super) fn flat(&self) -> Option<&FlatPlan> {
        match self.flat.get() {
            Some(plan) => plan.as_ref(),
            None => self.flat_init(),
        }
    }

    #[cold]
    fn flat_init(&self) -> Option<&FlatPlan> {
        self.flat
            .get_or_init(|| {
                let rec = self.table.as_record(self.raw)?;
                if rec.kind != crate::ctype::RecordKind::Struct {
                    return None;
                }
                let body = rec.body.as_ref()?;
                let mut members = Vec::with_capacity(body.fields.len());
                for f in &body.fields {
                    let conv = self.conv(f.ty);
                    let ok = f.name.is_some()
                        && !f.is_bitfield()
                        && matches!(
                            conv,
                            Conv::Bool
                                | Conv::Int { .. }
                                | Conv::F32
                                | Conv::F64
                                | Conv::Ptr { .. }
                        );
                    if !ok {
                        return None;
                    }
                    members.push(FlatMember {
                        off: f.offset as usize,
                        size: conv.size(),
                        tag: match conv {
                            Conv::Ptr { .. } => u8::MAX,
                            c => c.canonical_tag(),
                        },
                    });
                }
                let mut end = 0;
                let dense = members.iter().all(|m| {
                    let next = m.off == end;
                    end = m.off + m.size;
                    next
                }) && end == self.size;
                Some(FlatPlan {
                    members: members.into_boxed_slice(),
                    dense,
                })
            })
            .as_ref()
    }
}
