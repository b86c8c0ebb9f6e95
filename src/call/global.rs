//! [`Global`]: a global variable declared in a cdef, read and written as a [`Value`].

use std::ffi::c_void;
use std::fmt;
use std::sync::Arc;

use super::{CallError, CallErrorKind, size_of_in};
use crate::ctype::{CType, TypeId, TypeTable};
use crate::layout::Target;
use crate::library::Library;
use crate::value::{self, Conv, Value, c_from_value, value_from_c};

/// A global variable declared in a cdef and resolved in a library.
#[derive(Clone)]
pub struct Global {
    name: String,
    ty: TypeId,
    table: Arc<TypeTable>,
    addr: usize,
    conv: Conv,
    _library: Option<Library>,
}

impl fmt::Debug for Global {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Global({})", self.table.declare(self.ty, &self.name))
    }
}

impl Global {
    pub(crate) fn new(
        name: &str,
        ty: TypeId,
        table: Arc<TypeTable>,
        target: &Target,
        addr: *mut c_void,
        library: Library,
    ) -> Global {
        let conv = match table.raw_type(ty) {
            // An array global is used through a pointer to its first element (C's decay).
            CType::Array { .. } => Conv::Ptr {
                ty: TypeId(value::UNTYPED),
                chars: true,
            },
            _ => Conv::of(&table, size_of_in(&table, target), ty, target.char_signed),
        };
        Global {
            name: name.to_string(),
            ty,
            table,
            addr: addr as usize,
            conv,
            _library: Some(library),
        }
    }

    /// The variable's address.
    pub fn address(&self) -> *mut c_void {
        self.addr as *mut c_void
    }

    /// The variable's C type.
    pub fn type_id(&self) -> TypeId {
        self.ty
    }

    /// The variable's declaration in C syntax.
    pub fn declaration(&self) -> String {
        self.table.declare(self.ty, &self.name)
    }

    /// Reads the variable. An array reads as a pointer to its first element.
    ///
    /// # Errors
    ///
    /// [`CallErrorKind::Unsupported`] for a type that has no `Value` (`long double`).
    ///
    /// # Safety
    ///
    /// The declaration matches the definition, and no other thread writes the variable
    /// concurrently.
    pub unsafe fn get(&self) -> Result<Value<'static>, CallError> {
        match self.conv {
            Conv::Ptr { .. } if matches!(self.table.raw_type(self.ty), CType::Array { .. }) => {
                Ok(Value::Ptr(value::Pointer::new(self.address())))
            }
            Conv::Void | Conv::Unsupported => Err(CallError::from(CallErrorKind::Unsupported {
                function: self.name.clone(),
                reason: format!(
                    "cannot read a value of type '{}'",
                    self.table.display(self.ty)
                ),
            })),
            conv => {
                let size = conv.size();
                let mut buf = vec![0u8; size.max(8)];
                // SAFETY: the declaration says `size` bytes live at the address.
                unsafe {
                    std::ptr::copy_nonoverlapping(self.addr as *const u8, buf.as_mut_ptr(), size)
                };
                Ok(value_from_c(conv, &buf))
            }
        }
    }

    /// Writes the variable, converting `v` as an argument of its type would be.
    ///
    /// # Errors
    ///
    /// [`CallErrorKind::Argument`] if `v` cannot be converted; [`CallErrorKind::Unsupported`] for
    /// arrays and types without a `Value`.
    ///
    /// # Safety
    ///
    /// The declaration matches the definition, the variable is writable, and no other thread
    /// accesses it concurrently.
    pub unsafe fn set(&self, v: &Value<'_>) -> Result<(), CallError> {
        if matches!(self.table.raw_type(self.ty), CType::Array { .. }) {
            return Err(CallError::from(CallErrorKind::Unsupported {
                function: self.name.clone(),
                reason: "cannot assign to an array".into(),
            }));
        }
        let c = c_from_value(&self.table, self.conv, v).map_err(|_| {
            CallError::from(CallErrorKind::Argument {
                function: self.name.clone(),
                position: 1,
                message: format!(
                    "cannot convert {} to '{}'",
                    v.kind(),
                    self.table.display(self.ty)
                ),
            })
        })?;
        match &c {
            Value::F80(x) => {
                let b = x.to_le_bytes();
                // SAFETY: the declaration says a long double (10 significant bytes) lives,
                // writable, at the address (caller).
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), self.addr as *mut u8, 10) };
            }
            Value::Struct(s) => {
                let b = s.bytes();
                // SAFETY: the declaration says the struct's bytes live, writable, at the
                // address (caller).
                unsafe { std::ptr::copy_nonoverlapping(b.as_ptr(), self.addr as *mut u8, b.len()) };
            }
            // SAFETY: as above, for the scalar's `conv.size()` bytes.
            other => unsafe { value::write_scalar(self.addr as *mut u8, self.conv.size(), other) },
        }
        Ok(())
    }
}
