//! What the C data methods of [`Ffi`](crate::Ffi) do (`alloc`, views of buffers and of C's
//! memory, casts, pointer arithmetic, strings), with `CDataError`s: the facade in `ffi/cdata.rs`
//! converts them into `jitffi::Error`.

use std::any::Any;
use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;

use super::owner::Owner;
use super::{CData, CDataError, CDataErrorKind, CDataType, Init, err};
use crate::context::Context;
use crate::ctype::{Prim, TypeId};
use crate::layout;
use crate::value::{self, Conv, Pointer, StructValue, Value};

/// A view of memory jitffi does not own.
///
/// # Safety
///
/// `count` (or one) objects of type `ty` are valid at `addr` while the view is used.
pub(crate) unsafe fn view_at(
    cx: &Context,
    addr: *mut u8,
    ty: TypeId,
    count: Option<usize>,
    hold: Option<Box<dyn Any>>,
) -> Result<CData<'static>, CDataError> {
    let ct = CDataType::of(cx, ty);
    let count = match (ct.array, count) {
        (Some(Some(n)), None) => Some(n),
        (Some(Some(n)), Some(k)) => Some(n * k),
        (_, c) => c,
    };
    if addr.is_null() {
        return err(
            CDataErrorKind::Null,
            format!("cannot view NULL as '{}'", cx.types().display(ty)),
        );
    }
    let size = ct
        .info
        .size
        .checked_mul(count.unwrap_or(1))
        .filter(|&s| s <= isize::MAX as usize && count.unwrap_or(1) <= isize::MAX as usize)
        .ok_or_else(|| CDataError::new(CDataErrorKind::Unsupported, "view too large"))?;
    Ok(CData {
        addr,
        info: ct.info,
        count,
        start: addr,
        end: addr.wrapping_add(size),
        owner: Owner::foreign(hold),
        _life: PhantomData,
    })
}

pub(super) fn ptr_type(p: &Value<'_>) -> Option<TypeId> {
    match p {
        Value::Ptr(x) => Pointer::type_id(*x),
        _ => None,
    }
}

pub(super) fn type_error(ty: &str, e: impl fmt::Display) -> CDataError {
    CDataError::new(CDataErrorKind::Type, format!("'{ty}': {e}"))
}

impl Context {
    /// The C data handle of a type name, with type errors as `CDataError`s.
    pub(crate) fn data_type(&self, ty: &str) -> Result<CDataType, CDataError> {
        let (_, id) = self.resolve(ty).map_err(|e| type_error(ty, e))?;
        Ok(CDataType::of(self, id))
    }
}

/// [`Ffi::alloc`](crate::Ffi::alloc) with its stage's error.
pub(crate) fn alloc<'i>(
    cx: &Context,
    ty: &str,
    init: impl Into<Init<'i>>,
) -> Result<CData<'static>, CDataError> {
    cx.data_type(ty)?.alloc(init)
}

/// [`Ffi::alloc_array`](crate::Ffi::alloc_array) with its stage's error.
pub(crate) fn alloc_array(cx: &Context, ty: &str, n: usize) -> Result<CData<'static>, CDataError> {
    cx.data_type(ty)?.alloc_array(n)
}

/// [`Ffi::from_value`](crate::Ffi::from_value) with its stage's error.
pub(crate) fn from_value(cx: &Context, v: &Value<'_>) -> Result<CData<'static>, CDataError> {
    let t = cx.types();
    let id = match v {
        Value::Struct(s) => s.type_id(),
        Value::Ptr(p) => Pointer::type_id(*p).unwrap_or_else(|| {
            let void = t.void();
            t.find_pointer(void).unwrap_or(void)
        }),
        Value::Bool(_) => t.prim(Prim::Bool),
        Value::I8(_) => t.prim(Prim::SChar),
        Value::U8(_) => t.prim(Prim::UChar),
        Value::I16(_) => t.prim(Prim::Short),
        Value::U16(_) => t.prim(Prim::UShort),
        Value::I32(_) => t.prim(Prim::Int),
        Value::U32(_) => t.prim(Prim::UInt),
        Value::I64(_) => t.prim(Prim::LongLong),
        Value::U64(_) => t.prim(Prim::ULongLong),
        Value::F32(_) => t.prim(Prim::Float),
        Value::F64(_) => t.prim(Prim::Double),
        other => {
            return err(
                CDataErrorKind::Type,
                format!("a {} has no C object type", other.kind()),
            );
        }
    };
    CDataType::of(cx, id).alloc(Init::Value(v.clone()))
}

/// [`Ffi::from_buffer`](crate::Ffi::from_buffer) with its stage's error.
pub(crate) fn from_buffer<'b>(
    cx: &Context,
    ty: &str,
    buf: &'b mut [u8],
) -> Result<CData<'b>, CDataError> {
    let ct = cx.data_type(ty)?;
    let (size, align) = (ct.info.size, ct.info.align);
    let addr = buf.as_mut_ptr();
    if !(addr as usize).is_multiple_of(align) {
        return err(
            CDataErrorKind::Type,
            format!("the buffer at {addr:p} is not aligned to {align} bytes for '{ty}'"),
        );
    }
    let count = ct.count_in(buf.len());
    let need = size * count.unwrap_or(1);
    if need > buf.len() || !ct.info.complete {
        return err(
            CDataErrorKind::OutOfBounds,
            format!("'{ty}' needs {need} bytes; the buffer has {}", buf.len()),
        );
    }
    Ok(CData {
        addr,
        info: ct.info,
        count,
        start: addr,
        end: addr.wrapping_add(buf.len()),
        owner: Owner::foreign(None),
        _life: PhantomData,
    })
}

/// [`Ffi::view`](crate::Ffi::view) with its stage's error.
///
/// # Safety
///
/// As [`Ffi::view`](crate::Ffi::view).
pub(crate) unsafe fn view(
    cx: &Context,
    addr: *mut c_void,
    ty: &str,
    count: Option<usize>,
) -> Result<CData<'static>, CDataError> {
    let (_, id) = cx.resolve(ty).map_err(|e| type_error(ty, e))?;
    // SAFETY: vouched for by the caller.
    unsafe { view_at(cx, addr.cast(), id, count, None) }
}

/// [`Ffi::view_ptr`](crate::Ffi::view_ptr) with its stage's error.
///
/// # Safety
///
/// As [`Ffi::view_ptr`](crate::Ffi::view_ptr).
pub(crate) unsafe fn view_ptr(
    cx: &Context,
    p: &Value<'_>,
    count: Option<usize>,
) -> Result<CData<'static>, CDataError> {
    let Value::Ptr(ptr) = p else {
        return err(
            CDataErrorKind::Type,
            format!("a {} is not a pointer", p.kind()),
        );
    };
    let t = cx.types();
    let tag = ptr.tag();
    let to = if tag != value::UNTYPED && tag & value::POINTEE != 0 {
        Some(TypeId(tag & !value::POINTEE)).filter(|id| id.index() < t.len())
    } else {
        Pointer::type_id(*ptr)
            .filter(|id| id.index() < t.len())
            .and_then(|id| t.pointee(id))
    };
    let Some(to) = to else {
        return err(
            CDataErrorKind::Type,
            "the pointer carries no type: use Ffi::view with a type name",
        );
    };
    // SAFETY: vouched for by the caller.
    unsafe { view_at(cx, ptr.addr().cast(), to, count, None) }
}

/// [`Ffi::cast`](crate::Ffi::cast) with its stage's error.
pub(crate) fn cast(cx: &Context, ty: &str, v: &Value<'_>) -> Result<Value<'static>, CDataError> {
    let (table, id) = cx.resolve(ty).map_err(|e| type_error(ty, e))?;
    let table = &*table;
    let conv = Conv::of(
        table,
        |i| {
            layout::layout_of(table, cx.target(), i)
                .ok()
                .map(|l| l.size)
        },
        id,
        cx.target().char_signed,
    );
    let bits: Option<i128> = match v {
        Value::Ptr(p) => Some(p.addr() as usize as i128),
        Value::Str(s) => Some(s.as_ptr() as usize as i128),
        other => other.as_i128(),
    };
    let bad = || {
        CDataError::new(
            CDataErrorKind::Type,
            format!("cannot cast {} to '{ty}'", v.kind()),
        )
    };
    let out = match conv {
        Conv::Bool => Value::Bool(match (bits, v.as_f64()) {
            (Some(b), _) => b != 0,
            (None, Some(f)) => f != 0.0,
            _ => return Err(bad()),
        }),
        Conv::Int { bytes, signed } => {
            let x = match (bits, v) {
                (Some(b), _) => b,
                (None, Value::F32(_) | Value::F64(_)) => {
                    let f = v.as_f64().unwrap_or(0.0).trunc();
                    let x = f as i128;
                    let (lo, hi) = value::int_range(u32::from(bytes) * 8, signed);
                    if !f.is_finite() || x < lo || x > hi {
                        return err(CDataErrorKind::Range, format!("{f} does not fit in '{ty}'"));
                    }
                    x
                }
                _ => return Err(bad()),
            };
            // Integers wrap to the width, as C's casts do.
            value::int_value(bytes, signed, x)
        }
        Conv::F32 => Value::F32(v.as_f64().ok_or_else(bad)? as f32),
        Conv::F64 => Value::F64(v.as_f64().ok_or_else(bad)?),
        Conv::LongDouble => Value::F80(value::f80_of(v).ok_or_else(bad)?),
        Conv::Int128 { signed } => {
            // The bits, wrapped as C's casts do; a float truncated (and range-checked).
            let b = match (v, bits) {
                (Value::I128(b) | Value::U128(b), _) => *b,
                (_, Some(i)) => crate::Bits128::from(i),
                (Value::F32(_) | Value::F64(_) | Value::F80(_), None) => {
                    let f = v.as_f64().unwrap_or(0.0).trunc();
                    let in_range = if signed {
                        (-1.7e38..1.7e38).contains(&f)
                    } else {
                        (0.0..3.4e38).contains(&f)
                    };
                    if !f.is_finite() || !in_range {
                        return err(CDataErrorKind::Range, format!("{f} does not fit in '{ty}'"));
                    }
                    if signed {
                        crate::Bits128::from(f as i128)
                    } else {
                        crate::Bits128::from(f as u128)
                    }
                }
                _ => return Err(bad()),
            };
            if signed {
                Value::I128(b)
            } else {
                Value::U128(b)
            }
        }
        Conv::Ptr { ty: pty, .. } => {
            let b = bits.ok_or_else(bad)?;
            Value::Ptr(Pointer::typed(b as usize as *mut c_void, pty))
        }
        Conv::Struct { .. } => match v {
            Value::Struct(s) if table.raw(s.type_id()) == table.raw(id) => {
                Value::Struct(StructValue::owned_copy_id(s.type_id(), s.bytes()))
            }
            _ => return Err(bad()),
        },
        Conv::Void | Conv::Unsupported => return Err(bad()),
    };
    Ok(out)
}

/// [`Ffi::ptr_add`](crate::Ffi::ptr_add) with its stage's error.
pub(crate) fn ptr_add(cx: &Context, p: &Value<'_>, n: isize) -> Result<Value<'static>, CDataError> {
    let t = cx.types();
    let (Value::Ptr(ptr), Some(pty)) = (p, p.as_ptr().and(ptr_type(p))) else {
        return err(
            CDataErrorKind::Type,
            format!(
                "pointer arithmetic needs a typed pointer, not a {}",
                p.kind()
            ),
        );
    };
    let size = t
        .pointee(pty)
        .and_then(|to| layout::layout_of(&t, cx.target(), to).ok())
        .map(|l| l.size as isize)
        .ok_or_else(|| {
            CDataError::new(
                CDataErrorKind::Unsupported,
                format!("arithmetic on '{}': pointee has no size", t.display(pty)),
            )
        })?;
    let addr = (ptr.addr() as isize).wrapping_add(n.wrapping_mul(size));
    Ok(Value::Ptr(Pointer::typed(addr as *mut c_void, pty)))
}

/// [`Ffi::string`](crate::Ffi::string) with its stage's error.
///
/// # Safety
///
/// As [`Ffi::string`](crate::Ffi::string).
pub(crate) unsafe fn string(p: &Value<'_>, len: Option<usize>) -> Result<Vec<u8>, CDataError> {
    let addr = match p {
        Value::Ptr(x) => x.addr().cast::<u8>(),
        Value::Str(s) => s.as_ptr().cast::<u8>().cast_mut(),
        other => {
            return err(
                CDataErrorKind::Type,
                format!("a {} is not a string pointer", other.kind()),
            );
        }
    };
    if addr.is_null() {
        return err(CDataErrorKind::Null, "string(): NULL pointer");
    }
    Ok(match len {
        // SAFETY: the caller vouches for `n` readable bytes.
        Some(n) => unsafe { std::slice::from_raw_parts(addr, n) }.to_vec(),
        // SAFETY: the caller vouches for a NUL-terminated string.
        None => unsafe { std::ffi::CStr::from_ptr(addr.cast()) }
            .to_bytes()
            .to_vec(),
    })
}
