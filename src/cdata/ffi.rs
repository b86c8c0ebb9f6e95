//! The C data entry points of [`Ffi`]: `ctype`, `alloc`, views of buffers and of C's memory,
//! globals, casts, pointer arithmetic and strings.

use std::any::Any;
use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;

use super::owner::Owner;
use super::{CData, CDataError, CDataErrorKind, CDataType, Init, err};
use crate::ctype::{Prim, TypeId};
use crate::ffi::Ffi;
use crate::layout;
use crate::value::{self, Conv, Pointer, StructValue, Value};

/// A view of memory jitffi does not own.
///
/// # Safety
///
/// `count` (or one) objects of type `ty` are valid at `addr` while the view is used.
pub(super) unsafe fn view_at(
    ffi: &Ffi,
    addr: *mut u8,
    ty: TypeId,
    count: Option<usize>,
    hold: Option<Box<dyn Any>>,
) -> Result<CData<'static>, CDataError> {
    let ct = CDataType::of(ffi, ty);
    let count = match (ct.array, count) {
        (Some(Some(n)), None) => Some(n),
        (Some(Some(n)), Some(k)) => Some(n * k),
        (_, c) => c,
    };
    if addr.is_null() {
        return err(
            CDataErrorKind::Null,
            format!("cannot view NULL as '{}'", ffi.types().display(ty)),
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

impl Ffi {
    /// The C data handle of a type name, with type errors as `CDataError`s.
    pub(crate) fn data_type(&self, ty: &str) -> Result<crate::Type, CDataError> {
        self.parse_type(ty).map_err(|e| type_error(ty, e))
    }

    /// A new zeroed object of type `ty` filled from `init` (CFFI's `ffi.new`): `"struct
    /// point"`, `"int[4]"`, `"char[]"` with a string. Freed when the last view is dropped.
    ///
    /// # Errors
    ///
    /// As [`Ffi::type_of`] and [`Type::alloc`](crate::Type::alloc).
    pub fn alloc<'i>(
        &self,
        ty: &str,
        init: impl Into<Init<'i>>,
    ) -> Result<CData<'static>, crate::Error> {
        Ok(self.data_type(ty)?.alloc(init)?)
    }

    /// A new zeroed array of `n` objects: `alloc_array("double", n)` or
    /// `alloc_array("double[]", n)`.
    ///
    /// # Errors
    ///
    /// As [`Ffi::type_of`] and [`Type::alloc_array`](crate::Type::alloc_array).
    pub fn alloc_array(&self, ty: &str, n: usize) -> Result<CData<'static>, crate::Error> {
        Ok(self.data_type(ty)?.alloc_array(n)?)
    }

    /// A struct or scalar value (the result of a call) copied into new owned memory.
    ///
    /// # Errors
    ///
    /// Values without a C type of their own (`Value::Str`, `Value::Void`).
    pub fn from_value(&self, v: &Value<'_>) -> Result<CData<'static>, crate::Error> {
        let t = self.types();
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
        Ok(CDataType::of(self, id).alloc(Init::Value(v.clone()))?)
    }

    /// A view of a Rust buffer as `ty` (`"double[]"` covers as many elements as fit; `T`
    /// one object). The buffer is borrowed for the view's lifetime.
    ///
    /// # Errors
    ///
    /// A buffer too small or not aligned for the type.
    pub fn from_buffer<'b>(&self, ty: &str, buf: &'b mut [u8]) -> Result<CData<'b>, crate::Error> {
        let ct = CDataType::of(self, self.data_type(ty)?.id());
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

    /// A view of memory owned by C: `count` objects (`None`: one) of type `ty` at `addr`.
    ///
    /// # Errors
    ///
    /// NULL, a bad type name.
    ///
    /// # Safety
    ///
    /// The memory holds `count` (or one) valid objects of `ty` while the view and views made
    /// from it are used, and nothing accesses it in conflicting ways meanwhile.
    pub unsafe fn view(
        &self,
        addr: *mut c_void,
        ty: &str,
        count: Option<usize>,
    ) -> Result<CData<'static>, crate::Error> {
        let t = self.parse_type(ty).map_err(|e| type_error(ty, e))?;
        // SAFETY: vouched for by the caller.
        Ok(unsafe { view_at(self, addr.cast(), t.id(), count, None) }?)
    }

    /// A view of what a typed pointer (a call result) points to: `count` objects (`None`:
    /// one) of its pointee type.
    ///
    /// # Errors
    ///
    /// Not a pointer, an untyped pointer, NULL.
    ///
    /// # Safety
    ///
    /// As [`Ffi::view`].
    pub unsafe fn view_ptr(
        &self,
        p: &Value<'_>,
        count: Option<usize>,
    ) -> Result<CData<'static>, crate::Error> {
        let Value::Ptr(ptr) = p else {
            return err(
                CDataErrorKind::Type,
                format!("a {} is not a pointer", p.kind()),
            );
        };
        let t = self.types();
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
        Ok(unsafe { view_at(self, ptr.addr().cast(), to, count, None) }?)
    }

    /// A view of a global variable declared in a cdef (`extern struct config cfg;`). The
    /// view keeps the library loaded.
    ///
    /// # Errors
    ///
    /// As [`Ffi::global`].
    ///
    /// # Safety
    ///
    /// The declaration matches the definition, and nothing else (C code, other threads)
    /// accesses the variable in conflicting ways while the view is used.
    pub unsafe fn global_data(
        &self,
        library: &crate::Library,
        name: &str,
    ) -> Result<CData<'static>, crate::Error> {
        let g = self.global(library, name)?;
        let ty = g.type_id();
        // SAFETY: vouched for by the caller.
        Ok(unsafe {
            view_at(
                self,
                g.address().cast(),
                ty,
                None,
                Some(Box::new(library.clone())),
            )
        }?)
    }

    /// C's cast of a value to `ty`: integers wrap to the width of an integer type, pointers
    /// and integers convert to each other, pointers change type, floats convert (and to
    /// integers truncate, refused when out of range).
    ///
    /// # Errors
    ///
    /// Bad type names; conversions C does not have (a struct to an integer, a float to a
    /// pointer, …).
    pub fn cast(&self, ty: &str, v: &Value<'_>) -> Result<Value<'static>, crate::Error> {
        let t = self.parse_type(ty).map_err(|e| type_error(ty, e))?;
        let table = t.table();
        let conv = Conv::of(
            table,
            |i| {
                layout::layout_of(table, self.target(), i)
                    .ok()
                    .map(|l| l.size)
            },
            t.id(),
            self.target().char_signed,
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
                _ => return Err(bad().into()),
            }),
            Conv::Int { bytes, signed } => {
                let x = match (bits, v) {
                    (Some(b), _) => b,
                    (None, Value::F32(_) | Value::F64(_)) => {
                        let f = v.as_f64().unwrap_or(0.0).trunc();
                        let x = f as i128;
                        let (lo, hi) = value::int_range(u32::from(bytes) * 8, signed);
                        if !f.is_finite() || x < lo || x > hi {
                            return err(
                                CDataErrorKind::Range,
                                format!("{f} does not fit in '{ty}'"),
                            );
                        }
                        x
                    }
                    _ => return Err(bad().into()),
                };
                // Integers wrap to the width, as C's casts do.
                value::int_value(bytes, signed, x)
            }
            Conv::F32 => Value::F32(v.as_f64().ok_or_else(bad)? as f32),
            Conv::F64 | Conv::LongDouble => Value::F64(v.as_f64().ok_or_else(bad)?),
            Conv::Ptr { ty: pty, .. } => {
                let b = bits.ok_or_else(bad)?;
                Value::Ptr(Pointer::typed(b as usize as *mut c_void, pty))
            }
            Conv::Struct { .. } => match v {
                Value::Struct(s) if table.raw(s.type_id()) == table.raw(t.id()) => {
                    Value::Struct(StructValue::owned_copy_id(s.type_id(), s.bytes()))
                }
                _ => return Err(bad().into()),
            },
            Conv::Void | Conv::Unsupported => return Err(bad().into()),
        };
        Ok(out)
    }

    /// Pointer arithmetic on a typed pointer value: `p + n` in units of its pointee.
    ///
    /// # Errors
    ///
    /// Not a typed pointer, or a pointee without a size.
    pub fn ptr_add(&self, p: &Value<'_>, n: isize) -> Result<Value<'static>, crate::Error> {
        let t = self.types();
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
            .and_then(|to| layout::layout_of(&t, self.target(), to).ok())
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

    /// The bytes of a C string: up to its NUL (`len: None`), or exactly `len` bytes.
    ///
    /// # Errors
    ///
    /// Not a pointer; NULL.
    ///
    /// # Safety
    ///
    /// The pointer points to a NUL-terminated string (or to `len` readable bytes).
    pub unsafe fn string(
        &self,
        p: &Value<'_>,
        len: Option<usize>,
    ) -> Result<Vec<u8>, crate::Error> {
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
}
