//! [`CompiledField`]: member handles whose getter, setter and gather/scatter loops are
//! compiled by Cranelift for one (record type, member) (the IR is built in `jit/accessor.rs`),
//! so a dynamic member access costs what C's costs, bit-fields and packed members included.

use std::marker::PhantomData;
use std::sync::Arc;

use super::access::{FieldSpec, FieldType, Kind, check_field_type, loop_len};
use super::{CData, CDataError, CDataErrorKind, CDataType};
use crate::jit::{JitEngine, MemberSpec, Scalar};

type GetFn<T> = extern "C" fn(*const u8, usize) -> T;
type SetFn<T> = extern "C" fn(*mut u8, usize, T);
type GatherFn<T> = extern "C" fn(*const u8, usize, *mut T);
type ScatterFn<T> = extern "C" fn(*mut u8, usize, *const T);

/// A member of a record type with compiled code: a getter and a setter of one element, and
/// gather/scatter loops that move the member of `n` consecutive elements to or from a Rust
/// slice.
///
/// ```
/// let ffi = jitffi::Ffi::new();
/// ffi.cdef("struct flags { unsigned char tag; int level : 5; unsigned mode : 3; } __attribute__((packed));")?;
/// let flags = ffi.type_of("struct flags")?;
/// let level = flags.compiled::<i32>("level")?;
/// let arr = flags.alloc_array(4)?;
/// level.scatter(&arr, &[-16, -1, 0, 15])?;
/// assert_eq!(level.get_in(&arr, 1)?, -1);
/// let mut out = [0i32; 4];
/// level.gather(&arr, &mut out)?;
/// assert_eq!(out, [-16, -1, 0, 15]);
/// assert!(level.set_in(&arr, 0, 16).is_err()); // 5 bits: -16..=15
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CompiledField<T> {
    spec: FieldSpec,
    get: GetFn<T>,
    set: SetFn<T>,
    gather: GatherFn<T>,
    scatter: ScatterFn<T>,
    /// The code lives as long as the engine (see `jit`).
    _engine: Arc<JitEngine>,
    _t: PhantomData<*const T>,
}

impl<T> std::fmt::Debug for CompiledField<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompiledField({})", self.spec.what)
    }
}

impl CDataType {
    /// A member handle with compiled getter, setter, gather and scatter code (four small
    /// functions, compiled when the handle is made).
    ///
    /// # Errors
    ///
    /// As [`CDataType::accessor`]; [`CDataErrorKind::Unsupported`] if the JIT is not available
    /// (other architectures).
    pub fn compiled<T: FieldType>(&self, path: &str) -> Result<CompiledField<T>, CDataError> {
        let spec = FieldSpec::resolve(self, path)?;
        check_field_type::<T>(&spec, &self.info.show(spec.ty))?;
        let engine = self.info.cx.engine().map_err(|e| jit_error(&spec, &e))?;
        let member = MemberSpec {
            offset: spec.offset,
            stride: spec.stride,
            bits: spec.bits,
            signed: spec.signed(),
            scalar: match T::SHAPE {
                Kind::Int { bytes, .. } => Scalar::Int(bytes),
                Kind::Ptr => Scalar::Int(8),
                Kind::Bool => Scalar::Bool,
                Kind::F32 => Scalar::F32,
                Kind::F64 => Scalar::F64,
            },
        };
        let code = engine
            .member_accessors(&member)
            .map_err(|e| jit_error(&spec, &e.0))?;
        // SAFETY: each address is the entry of a function compiled with the matching
        // signature: (pointer, index) -> T's IR type, (pointer, index, T), (pointer, count,
        // pointer), and T's C ABI is that IR type's (the `FieldType` impls).
        unsafe {
            Ok(CompiledField {
                get: std::mem::transmute::<*const u8, GetFn<T>>(code.get),
                set: std::mem::transmute::<*const u8, SetFn<T>>(code.set),
                gather: std::mem::transmute::<*const u8, GatherFn<T>>(code.gather),
                scatter: std::mem::transmute::<*const u8, ScatterFn<T>>(code.scatter),
                spec,
                _engine: engine,
                _t: PhantomData,
            })
        }
    }
}

fn jit_error(spec: &FieldSpec, e: &str) -> CDataError {
    CDataError::new(
        CDataErrorKind::Unsupported,
        format!("{}: cannot compile an accessor: {e}", spec.what),
    )
}

impl<T: FieldType> CompiledField<T> {
    /// Reads the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type.
    #[inline]
    pub fn get(&self, d: &CData<'_>) -> Result<T, CDataError> {
        self.get_in(d, 0)
    }

    /// Reads the member of element `i` of `d` with the compiled getter.
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type, `i` is out of bounds.
    #[inline]
    pub fn get_in(&self, d: &CData<'_>, i: usize) -> Result<T, CDataError> {
        self.bind(d)?.get(i)
    }

    /// Writes the member of `d` (one object).
    ///
    /// # Errors
    ///
    /// As [`CompiledField::set_in`].
    #[inline]
    pub fn set(&self, d: &CData<'_>, v: T) -> Result<(), CDataError> {
        self.set_in(d, 0, v)
    }

    /// Writes the member of element `i` of `d` with the compiled setter.
    ///
    /// # Errors
    ///
    /// `d` not of the handle's type, `i` out of bounds, a value outside a bit-field's range.
    #[inline]
    pub fn set_in(&self, d: &CData<'_>, i: usize, v: T) -> Result<(), CDataError> {
        self.bind(d)?.set(i, v)
    }

    /// Copies the member of the first `out.len()` elements of `d` into `out` (one compiled
    /// loop).
    ///
    /// # Errors
    ///
    /// `d` not of the handle's type, or shorter than `out`.
    pub fn gather(&self, d: &CData<'_>, out: &mut [T]) -> Result<(), CDataError> {
        let base = self.check_first(d, out.len())?;
        (self.gather)(base, out.len(), out.as_mut_ptr());
        Ok(())
    }

    /// Stores `src[i]` into the member of element `i` of `d` (one compiled loop).
    ///
    /// # Errors
    ///
    /// `d` not of the handle's type or shorter than `src`; for a bit-field, a value out of
    /// its range (then nothing is written).
    pub fn scatter(&self, d: &CData<'_>, src: &[T]) -> Result<(), CDataError> {
        let base = self.check_first(d, src.len())?;
        if self.spec.bits.is_some() {
            src.iter().try_for_each(|&v| self.check_value(v))?;
        }
        if T::SHAPE == Kind::Ptr {
            let first = base.wrapping_add(self.spec.offset);
            for i in 0..src.len() {
                d.forget_referent(first.wrapping_add(i * self.spec.stride));
            }
        }
        (self.scatter)(base, src.len(), src.as_ptr());
        Ok(())
    }

    /// The member over the elements of `d`, with the type checked once: a view whose `get`
    /// and `set` check only the index before calling the compiled code (the form for loops).
    ///
    /// ```
    /// let ffi = jitffi::Ffi::new();
    /// ffi.cdef("struct point { double x, y; };")?;
    /// let point = ffi.type_of("struct point")?;
    /// let y = point.compiled::<f64>("y")?;
    /// let pts = point.alloc_array(100)?;
    /// let ys = y.bind(&pts)?;
    /// for i in 0..ys.len() {
    ///     ys.set(i, i as f64)?;
    /// }
    /// assert_eq!(ys.get(99)?, 99.0);
    /// assert!(ys.get(100).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// `d` is not of the handle's type.
    #[inline]
    pub fn bind<'v>(&'v self, d: &'v CData<'_>) -> Result<CompiledBound<'v, T>, CDataError> {
        self.spec.check_type(d)?;
        let (base, count) = d.raw_parts();
        Ok(CompiledBound {
            field: self,
            data: d,
            base,
            count,
            get: self.get,
            set: self.set,
        })
    }

    /// Checks `d`'s type and that its first `n` elements exist; returns the base address.
    #[inline]
    fn check_first(&self, d: &CData<'_>, n: usize) -> Result<*mut u8, CDataError> {
        self.spec.check_type(d)?;
        let (base, count) = d.raw_parts();
        if n > count {
            return Err(self.spec.out_of_bounds(d, count));
        }
        Ok(base)
    }

    #[inline]
    fn check_value(&self, v: T) -> Result<(), CDataError> {
        self.spec.check_range(v.to_i128())
    }
}

/// A [`CompiledField`] bound to one view ([`CompiledField::bind`]).
#[derive(Clone, Copy, Debug)]
pub struct CompiledBound<'v, T> {
    field: &'v CompiledField<T>,
    data: &'v CData<'v>,
    /// Element 0.
    base: *mut u8,
    count: usize,
    // Copies of the entry points, so that a loop keeps them in registers.
    get: GetFn<T>,
    set: SetFn<T>,
}

impl<T: FieldType> CompiledBound<'_, T> {
    /// The number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        loop_len(self.count)
    }

    /// True for no elements.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The member of element `i`, read by the compiled getter.
    ///
    /// # Errors
    ///
    /// `i` out of bounds.
    #[inline]
    pub fn get(&self, i: usize) -> Result<T, CDataError> {
        if i >= self.count {
            return Err(self.field.spec.out_of_bounds(self.data, i));
        }
        Ok((self.get)(self.base, i))
    }

    /// Writes the member of element `i` with the compiled setter.
    ///
    /// # Errors
    ///
    /// `i` out of bounds, a value outside a bit-field's range.
    #[inline]
    pub fn set(&self, i: usize, v: T) -> Result<(), CDataError> {
        if i >= self.count {
            return Err(self.field.spec.out_of_bounds(self.data, i));
        }
        self.field.check_value(v)?;
        if T::SHAPE == Kind::Ptr {
            let spec = &self.field.spec;
            self.data
                .forget_referent(self.base.wrapping_add(i * spec.stride + spec.offset));
        }
        (self.set)(self.base, i, v);
        Ok(())
    }
}
