//! Initializers ([`Init`]) and writes: values converted as call arguments are, lists and
//! member maps for aggregates, another `CData` copied or stored by address (and kept alive).

use super::owner::Kept;
use super::place::{bit_shift, write_bits};
use super::pointer::Trust;
use super::{CData, CDataError, CDataErrorKind, Place, PlaceShape, err, is_char_type};
use crate::ctype::{CType as CTypeDef, TypeId, TypeTable};
use crate::layout;
use crate::value::{self, Conv, ConvError, Pointer, Value};

/// How to fill C memory: a value, a list for arrays and structs (in member order), member
/// names (or paths) with values, or another `CData` (copied, or stored as a pointer).
/// What an initializer does not mention is zero, as in C.
///
/// ```
/// use jitffi::cdata::Init;
/// use jitffi::Value;
///
/// let _ = Init::from(2.5);
/// let _ = Init::fields([("x", 1.0.into()), ("y", Init::from(2))]);
/// let _ = Init::list([1.into(), 2.into(), 3.into()]);
/// let args = [Value::F64(1.0), Value::F64(2.0)];
/// let _ = Init::Values(&args); // positional, without allocating
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Init<'a> {
    /// All zero.
    Zero,
    /// One value, converted as a call argument would be (range-checked).
    Value(Value<'a>),
    /// Values for array elements or struct members, in order.
    Values(&'a [Value<'a>]),
    /// Initializers for array elements or struct members, in order.
    List(Vec<Init<'a>>),
    /// Initializers by member name or path (`"a.b[1]"`).
    Fields(Vec<(&'a str, Init<'a>)>),
    /// Another object: its bytes are copied into an object of the same type; stored into a
    /// pointer, its address is, and the object is kept alive (see the module documentation).
    Data(CData<'a>),
}

impl<'a> Init<'a> {
    /// [`Init::List`] from any iterator.
    pub fn list(items: impl IntoIterator<Item = Init<'a>>) -> Init<'a> {
        Init::List(items.into_iter().collect())
    }

    /// [`Init::Fields`] from any iterator.
    pub fn fields(items: impl IntoIterator<Item = (&'a str, Init<'a>)>) -> Init<'a> {
        Init::Fields(items.into_iter().collect())
    }
}

impl<'a> From<Value<'a>> for Init<'a> {
    fn from(v: Value<'a>) -> Init<'a> {
        Init::Value(v)
    }
}

impl<'a> From<&CData<'a>> for Init<'a> {
    fn from(d: &CData<'a>) -> Init<'a> {
        Init::Data(d.clone())
    }
}

impl<'a> From<Vec<Init<'a>>> for Init<'a> {
    fn from(v: Vec<Init<'a>>) -> Init<'a> {
        Init::List(v)
    }
}

macro_rules! init_from {
    ($($t:ty => $v:ident),*) => {$(
        impl From<$t> for Init<'_> {
            fn from(x: $t) -> Self {
                Init::Value(Value::$v(x))
            }
        }
    )*};
}
init_from!(bool => Bool, i8 => I8, u8 => U8, i16 => I16, u16 => U16, i32 => I32, u32 => U32,
    i64 => I64, u64 => U64, f32 => F32, f64 => F64, Pointer => Ptr);

impl CData<'_> {
    /// Writes a member, element or the whole object (`""`): values are converted as call
    /// arguments are (integers range-checked, bit-fields against their width, pointers of
    /// compatible types), lists and member maps fill arrays and structs (the rest is zeroed),
    /// a `CData` is copied or, into a pointer, stored by address and kept alive.
    ///
    /// # Errors
    ///
    /// As [`CData::get`], plus values that do not convert or fit. Nothing changes then: an
    /// aggregate that fails halfway gets its bytes (and kept referents) back.
    pub fn set<'i>(&self, path: &str, init: impl Into<Init<'i>>) -> Result<(), CDataError> {
        let init = init.into();
        self.via(path, Trust::Checked, |d, rest| d.set_here(rest, init))
    }

    pub(super) fn set_here(&self, path: &str, init: Init<'_>) -> Result<(), CDataError> {
        let p = self.place(path)?;
        // An aggregate is written member by member: keep what to restore if one fails.
        let saved = match init {
            Init::List(_) | Init::Values(_) | Init::Fields(_) => {
                let n = self.place_size(&p)?;
                self.check(p.addr, n, &|| self.at_path(path))?;
                // SAFETY: `n` bytes inside the view (checked).
                let bytes = unsafe { std::slice::from_raw_parts(p.addr, n) }.to_vec();
                Some((bytes, self.owner.kept(p.addr as usize, p.addr as usize + n)))
            }
            _ => None,
        };
        let r = self.write(p, &init, true);
        if let (Err(_), Some((bytes, kept))) = (&r, saved) {
            // SAFETY: the same bytes as read above.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.addr, bytes.len()) };
            let lo = p.addr as usize;
            self.owner.unkeep(lo, lo + bytes.len());
            for k in kept {
                self.owner.keep(k);
            }
        }
        r.map_err(|e| {
            if e.message.starts_with(&self.whole()) {
                e
            } else {
                CDataError::new(e.kind, format!("{}: {}", self.at_path(path), e.message))
            }
        })
    }

    pub(super) fn write(&self, p: Place, init: &Init<'_>, zero: bool) -> Result<(), CDataError> {
        let n = self.place_size(&p)?;
        self.check(p.addr, n, &|| self.describe(&p))?;
        let t = &*self.info.table;
        let lo = p.addr as usize;
        let is_ptr = matches!(t.raw_type(p.ty), CTypeDef::Pointer(_)) && p.shape == PlaceShape::One;
        if is_ptr || !matches!(p.shape, PlaceShape::Bits(..)) {
            self.owner.unkeep(lo, lo + n);
        }
        match init {
            Init::Zero => {
                if let PlaceShape::Bits(shift, width) = p.shape {
                    // SAFETY: the covering bytes are inside the view (checked above).
                    unsafe { write_bits(p.addr, shift, width, 0) };
                } else {
                    // SAFETY: as above.
                    unsafe { std::ptr::write_bytes(p.addr, 0, n) };
                }
                Ok(())
            }
            Init::Value(v) => self.write_value(&p, v, n),
            Init::Data(d) => self.write_data(&p, d, n),
            Init::Values(vs) => {
                let items: Vec<Init<'_>> = vs.iter().cloned().map(Init::Value).collect();
                self.write_list(&p, &items, n, zero)
            }
            Init::List(items) => self.write_list(&p, items, n, zero),
            Init::Fields(items) => {
                if p.shape != PlaceShape::One || t.as_record(p.ty).is_none() {
                    return err(
                        CDataErrorKind::Type,
                        format!("a member map cannot initialize '{}'", self.info.show(p.ty)),
                    );
                }
                if zero {
                    // SAFETY: inside the view (checked above).
                    unsafe { std::ptr::write_bytes(p.addr, 0, n) };
                }
                for (name, init) in items {
                    let t2 = layout::resolve_path(t, self.info.cx.target(), p.ty, name).map_err(
                        |e| {
                            CDataError::new(
                                CDataErrorKind::Path,
                                format!("{}: {e}", self.info.show(p.ty)),
                            )
                        },
                    )?;
                    let q = self.member_place(p.addr, &t2);
                    self.write(q, init, false).map_err(|e| {
                        CDataError::new(
                            e.kind,
                            format!("{} .{name}: {}", self.info.show(p.ty), e.message),
                        )
                    })?;
                }
                Ok(())
            }
        }
    }

    pub(super) fn write_list(
        &self,
        p: &Place,
        items: &[Init<'_>],
        n: usize,
        zero: bool,
    ) -> Result<(), CDataError> {
        let t = &*self.info.table;
        // The places the items go to, in order.
        let slots: Vec<Place> = match p.shape {
            PlaceShape::Array(count) => {
                if items.len() > count {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "{} initializers for '{}[{count}]'",
                            items.len(),
                            self.info.show(p.ty)
                        ),
                    );
                }
                let esize = self.info.size_of(p.ty)?;
                (0..items.len())
                    .map(|i| self.normalize(p.addr.wrapping_add(i * esize), p.ty))
                    .collect()
            }
            PlaceShape::One if t.as_record(p.ty).is_some() => {
                let body = t
                    .as_record(p.ty)
                    .and_then(|r| r.body.as_ref())
                    .ok_or_else(|| {
                        CDataError::new(CDataErrorKind::Unsupported, "incomplete type")
                    })?;
                let is_union = t
                    .as_record(p.ty)
                    .is_some_and(|r| r.kind == crate::ctype::RecordKind::Union);
                let fields: Vec<&crate::ctype::Field> = body
                    .fields
                    .iter()
                    .filter(|f| f.name.is_some() || !f.is_bitfield())
                    .take(if is_union { 1 } else { usize::MAX })
                    .collect();
                if items.len() > fields.len() {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "{} initializers for '{}', which has {} members",
                            items.len(),
                            self.info.show(p.ty),
                            fields.len()
                        ),
                    );
                }
                fields
                    .iter()
                    .take(items.len())
                    .map(|f| {
                        let addr = p.addr.wrapping_add(f.offset as usize);
                        match f.bit_width {
                            Some(w) => Place {
                                addr,
                                ty: f.ty,
                                shape: PlaceShape::Bits(bit_shift(f.bit_offset, f.offset), w),
                            },
                            None => self.normalize(addr, f.ty),
                        }
                    })
                    .collect()
            }
            _ => {
                // A scalar: a one-element list is its value (`int x = {1};`).
                if let [one] = items {
                    return self.write(*p, one, zero);
                }
                return err(
                    CDataErrorKind::Type,
                    format!("a list cannot initialize '{}'", self.info.show(p.ty)),
                );
            }
        };
        if zero {
            // SAFETY: inside the view (checked by the caller).
            unsafe { std::ptr::write_bytes(p.addr, 0, n) };
        }
        for (i, (slot, item)) in slots.into_iter().zip(items).enumerate() {
            self.write(slot, item, false).map_err(|e| {
                let at = match p.shape {
                    PlaceShape::Array(_) => format!("[{i}]"),
                    _ => format!("member {}", i + 1),
                };
                CDataError::new(e.kind, format!("{at}: {}", e.message))
            })?;
        }
        Ok(())
    }

    pub(super) fn write_value(&self, p: &Place, v: &Value<'_>, n: usize) -> Result<(), CDataError> {
        let t = &*self.info.table;
        let ty_name = || self.info.show(p.ty);
        if let PlaceShape::Array(count) = p.shape {
            // `char buf[N] = "…"`: the string and its NUL, if they fit.
            let is_char = is_char_type(t, p.ty);
            if let (true, Value::Str(s)) = (is_char, v) {
                let bytes = s.as_cstr().to_bytes_with_nul();
                let len = if bytes.len() == count + 1 {
                    count // C allows dropping the NUL exactly when it does not fit.
                } else {
                    bytes.len()
                };
                if len > count {
                    return err(
                        CDataErrorKind::OutOfBounds,
                        format!(
                            "a string of {} bytes does not fit in '{}[{count}]'",
                            bytes.len(),
                            ty_name()
                        ),
                    );
                }
                // SAFETY: `count` bytes are inside the view (checked by the caller).
                unsafe {
                    std::ptr::write_bytes(p.addr, 0, n);
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.addr, len);
                }
                return Ok(());
            }
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot assign {} to the array '{}[{count}]'",
                    v.kind(),
                    ty_name()
                ),
            );
        }
        let conv = self.info.conv(p.ty);
        if let (Conv::Ptr { .. }, Value::Str(_)) = (conv, v) {
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot store a Rust string in '{}': it would dangle; allocate it with \
                     ffi.alloc(\"char[]\", …) and store that CData (it is kept alive)",
                    ty_name()
                ),
            );
        }
        let c = value::c_from_value(t, conv, v).map_err(|e| self.conv_error(p.ty, v, e))?;
        if let PlaceShape::Bits(shift, width) = p.shape {
            let signed = matches!(conv, Conv::Int { signed: true, .. });
            let x = c.as_i128().unwrap_or(0);
            let (lo, hi) = value::int_range(width, signed);
            if x < lo || x > hi {
                return err(
                    CDataErrorKind::Range,
                    format!(
                        "{x} does not fit in the {width}-bit field '{}' ({lo}..={hi})",
                        self.bitfield_decl(p)
                    ),
                );
            }
            // SAFETY: the covering bytes are inside the view (checked by the caller).
            unsafe { write_bits(p.addr, shift, width, x as u64) };
            return Ok(());
        }
        match (&c, conv) {
            (Value::Struct(s), _) => {
                let b = s.bytes();
                // SAFETY: the struct value has the type's size (checked by the conversion),
                // which is inside the view (checked by the caller).
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p.addr, b.len().min(n)) };
            }
            (other, Conv::LongDouble) => {
                let x = value::f80_of(other).unwrap_or_default();
                let mut b = [0u8; 16];
                b[..10].copy_from_slice(&x.to_le_bytes());
                // SAFETY: `long double` has 16 bytes, inside the view.
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), p.addr, n.min(16)) };
            }
            (other, conv) => {
                // SAFETY: a canonical scalar `Value` has `conv.size()` bytes of C
                // representation, which are inside the view (checked by the caller).
                unsafe { value::write_scalar(p.addr, conv.size(), other) };
            }
        }
        Ok(())
    }

    pub(super) fn bitfield_decl(&self, p: &Place) -> String {
        let t = &*self.info.table;
        // Find the member's name for the message (the place keeps only its position).
        let name = self
            .find_member_name(p)
            .unwrap_or_else(|| "<bit-field>".into());
        let w = match p.shape {
            PlaceShape::Bits(_, w) => w,
            _ => 0,
        };
        format!("{} : {w}", t.declare(p.ty, &name))
    }

    pub(super) fn find_member_name(&self, p: &Place) -> Option<String> {
        fn walk(t: &TypeTable, ty: TypeId, base: usize, want: usize, shift: u32) -> Option<String> {
            let body = t.as_record(ty)?.body.as_ref()?;
            for f in &body.fields {
                let at = base + f.offset as usize;
                if f.is_bitfield()
                    && at == want
                    && bit_shift(f.bit_offset, f.offset) == shift
                    && let Some(n) = &f.name
                {
                    return Some(n.clone());
                }
                if !f.is_bitfield()
                    && let Some(n) = walk(t, f.ty, at, want, shift)
                {
                    return Some(n);
                }
            }
            None
        }
        let PlaceShape::Bits(shift, _) = p.shape else {
            return None;
        };
        let t = &*self.info.table;
        let off = p.addr as usize - self.addr as usize;
        let (base, off) = match self.count {
            Some(_) if self.info.size > 0 => (0, off % self.info.size),
            _ => (0, off),
        };
        walk(t, self.info.id, base, off, shift)
    }

    pub(super) fn conv_error(&self, ty: TypeId, v: &Value<'_>, e: ConvError) -> CDataError {
        let c = self.info.show(ty);
        let t = &*self.info.table;
        match e {
            ConvError::Range(n) => CDataError::new(
                CDataErrorKind::Range,
                format!("integer {n} does not fit in '{c}'"),
            ),
            ConvError::PointerType(from) => CDataError::new(
                CDataErrorKind::Type,
                format!(
                    "cannot convert a pointer of type '{}' to '{c}'",
                    value::pointer_type_name(t, from)
                ),
            ),
            ConvError::StructType(from) => CDataError::new(
                CDataErrorKind::Type,
                format!("cannot convert '{}' to '{c}'", t.display(from)),
            ),
            ConvError::StructSize(n) => CDataError::new(
                CDataErrorKind::Type,
                format!("a struct value of {n} bytes for '{c}'"),
            ),
            ConvError::Type => CDataError::new(
                CDataErrorKind::Type,
                format!("cannot convert {} to '{c}'", v.kind()),
            ),
        }
    }

    pub(super) fn write_data(&self, p: &Place, d: &CData<'_>, n: usize) -> Result<(), CDataError> {
        let t = &*self.info.table;
        if p.shape == PlaceShape::One
            && let Some(to) = t.pointee(p.ty)
        {
            let _ = to;
            let ptr_ty = t.raw(p.ty);
            let from = d.info.ptr_ty;
            if !value::pointer_compatible(t, from, ptr_ty) {
                return Err(self.conv_error(p.ty, &d.ptr(), ConvError::PointerType(from)));
            }
            let addr = d.addr as usize as u64;
            // SAFETY: a pointer member has 8 bytes, inside the view (checked by the caller).
            unsafe { std::ptr::copy_nonoverlapping(addr.to_le_bytes().as_ptr(), p.addr, 8) };
            if !d.owner.same(&self.owner) {
                self.owner.keep(Kept {
                    at: p.addr as usize,
                    owner: d.owner.clone(),
                    start: d.start as usize,
                    end: d.end as usize,
                });
            }
            return Ok(());
        }
        // A copy of an object of the same type.
        let same = t.raw(p.ty) == d.info.raw
            && match p.shape {
                PlaceShape::Array(k) => d.count == Some(k),
                PlaceShape::One => d.count.is_none(),
                PlaceShape::Bits(..) => false,
            };
        if !same {
            return err(
                CDataErrorKind::Type,
                format!(
                    "cannot assign '{}' to '{}'",
                    d.type_name(),
                    match p.shape {
                        PlaceShape::Array(k) => format!("{}[{k}]", self.info.show(p.ty)),
                        _ => self.info.show(p.ty),
                    }
                ),
            );
        }
        d.check(d.addr, n, &|| d.type_name())?;
        // SAFETY: both ranges are inside their views (checked); they may overlap.
        unsafe { std::ptr::copy(d.addr, p.addr, n) };
        Ok(())
    }
}
