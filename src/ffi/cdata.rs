//! The C data methods of [`Ffi`]: `alloc`, views of buffers and of C's memory, globals,
//! casts, pointer arithmetic and strings. The work is in `cdata::entry`; these convert its
//! `CDataError`s into [`Error`](crate::Error), as every method of `Ffi` does.

use std::ffi::c_void;

use super::Ffi;
use crate::cdata::Init;
use crate::{CData, Value};

impl Ffi {
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
        Ok(crate::cdata::entry::alloc(&self.cx, ty, init)?)
    }

    /// A new zeroed array of `n` objects: `alloc_array("double", n)` or
    /// `alloc_array("double[]", n)`.
    ///
    /// # Errors
    ///
    /// As [`Ffi::type_of`] and [`Type::alloc_array`](crate::Type::alloc_array).
    pub fn alloc_array(&self, ty: &str, n: usize) -> Result<CData<'static>, crate::Error> {
        Ok(crate::cdata::entry::alloc_array(&self.cx, ty, n)?)
    }

    /// A struct or scalar value (the result of a call) copied into new owned memory.
    ///
    /// # Errors
    ///
    /// Values without a C type of their own (`Value::Str`, `Value::Void`).
    pub fn from_value(&self, v: &Value<'_>) -> Result<CData<'static>, crate::Error> {
        Ok(crate::cdata::entry::from_value(&self.cx, v)?)
    }

    /// A view of a Rust buffer as `ty` (`"double[]"` covers as many elements as fit; `T`
    /// one object). The buffer is borrowed for the view's lifetime.
    ///
    /// # Errors
    ///
    /// A buffer too small or not aligned for the type.
    pub fn from_buffer<'b>(&self, ty: &str, buf: &'b mut [u8]) -> Result<CData<'b>, crate::Error> {
        Ok(crate::cdata::entry::from_buffer(&self.cx, ty, buf)?)
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
        // SAFETY: the caller vouches for this function's contract, which is the one of
        // the function called.
        Ok(unsafe { crate::cdata::entry::view(&self.cx, addr, ty, count) }?)
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
        // SAFETY: the caller vouches for this function's contract, which is the one of
        // the function called.
        Ok(unsafe { crate::cdata::entry::view_ptr(&self.cx, p, count) }?)
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
            crate::cdata::entry::view_at(
                &self.cx,
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
        Ok(crate::cdata::entry::cast(&self.cx, ty, v)?)
    }

    /// Pointer arithmetic on a typed pointer value: `p + n` in units of its pointee.
    ///
    /// # Errors
    ///
    /// Not a typed pointer, or a pointee without a size.
    pub fn ptr_add(&self, p: &Value<'_>, n: isize) -> Result<Value<'static>, crate::Error> {
        Ok(crate::cdata::entry::ptr_add(&self.cx, p, n)?)
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
        // SAFETY: the caller vouches for this function's contract, which is the one of
        // the function called.
        Ok(unsafe { crate::cdata::entry::string(p, len) }?)
    }
}
