//! Member getters, setters and gather/scatter loops compiled by Cranelift for one
//! (record type, member): the load or store with the member's offset, width and bit
//! position as constants, so a dynamic member access costs what C's costs.
//!
//! Bit-fields are read from and written to exactly the bytes that hold them (never a wider
//! word that could cross the end of the memory), with the shifts and masks of the compiler.

use std::marker::PhantomData;
use std::sync::Arc;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, InstBuilder, MemFlagsData, Signature, Type, Value as IrValue, types,
};
use cranelift_frontend::FunctionBuilder;

use super::access::{FieldSpec, FieldType, Kind, check_field_type, loop_len};
use super::{CData, CDataError, CDataErrorKind, CDataType};
use crate::jit::{JitEngine, JitError};

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
/// let flags = ffi.ctype("struct flags")?;
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
        let engine = self.info.ffi.engine().map_err(|e| jit_error(&spec, &e))?;
        let code = Code::new(&engine, &spec, T::SHAPE);
        let jit = |bytes: Result<Vec<u8>, JitError>| {
            bytes
                .and_then(|b| engine.install(&b))
                .map_err(|e| jit_error(&spec, &e.0))
        };
        let (g, s, ga, sc) = (
            jit(code.getter())?,
            jit(code.setter())?,
            jit(code.batch(false))?,
            jit(code.batch(true))?,
        );
        // SAFETY: each address is the entry of a function compiled with the matching
        // signature: (pointer, index) -> T's IR type, (pointer, index, T), (pointer, count,
        // pointer), and T's C ABI is that IR type's (the `FieldType` impls).
        unsafe {
            Ok(CompiledField {
                get: std::mem::transmute::<*const u8, GetFn<T>>(g),
                set: std::mem::transmute::<*const u8, SetFn<T>>(s),
                gather: std::mem::transmute::<*const u8, GatherFn<T>>(ga),
                scatter: std::mem::transmute::<*const u8, ScatterFn<T>>(sc),
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
    /// let point = ffi.ctype("struct point")?;
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

// -- Code generation --

struct Code<'e> {
    engine: &'e JitEngine,
    spec: &'e FieldSpec,
    kind: Kind,
}

fn flags() -> MemFlagsData {
    // Members of packed records may be unaligned; memory is checked before the call.
    MemFlagsData::new().with_notrap()
}

/// The pieces `n` bytes are loaded and stored in: (offset, IR type), widest first.
fn pieces(n: u32) -> Vec<(i32, Type)> {
    let mut out = Vec::new();
    let mut at = 0;
    for (w, ty) in [
        (8, types::I64),
        (4, types::I32),
        (2, types::I16),
        (1, types::I8),
    ] {
        while n - at >= w {
            out.push((at as i32, ty));
            at += w;
        }
    }
    out
}

impl<'e> Code<'e> {
    fn new(engine: &'e JitEngine, spec: &'e FieldSpec, kind: Kind) -> Code<'e> {
        Code { engine, spec, kind }
    }

    /// The IR type of `T`.
    fn ty(&self) -> Type {
        match self.kind {
            Kind::Int { bytes: 1, .. } | Kind::Bool => types::I8,
            Kind::Int { bytes: 2, .. } => types::I16,
            Kind::Int { bytes: 4, .. } => types::I32,
            Kind::Int { .. } | Kind::Ptr => types::I64,
            Kind::F32 => types::F32,
            Kind::F64 => types::F64,
        }
    }

    fn sig(&self, params: &[Type], ret: Option<Type>) -> Signature {
        let mut sig = Signature::new(self.engine.call_conv());
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.extend(ret.map(AbiParam::new));
        sig
    }

    /// The member of the element at `elem` (the element's address).
    fn load(&self, b: &mut FunctionBuilder<'_>, elem: IrValue) -> IrValue {
        let off = self.spec.offset as i32;
        let ty = self.ty();
        let Some((shift, width)) = self.spec.bits else {
            let v = b.ins().load(ty, flags(), elem, off);
            return if self.kind == Kind::Bool {
                // `_Bool` memory holds 0 or 1; normalise anyway, as C compilers read it.
                b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)
            } else {
                v
            };
        };
        let n = (shift + width).div_ceil(8);
        let word = if n <= 8 {
            let w = self.load_bytes(b, elem, off, n);
            b.ins().ushr_imm_s(w, i64::from(shift))
        } else {
            // Nine bytes: a 64-bit field that starts `shift` (> 0) bits into its byte.
            let lo = b.ins().load(types::I64, flags(), elem, off);
            let hi = b.ins().uload8(types::I64, flags(), elem, off + 8);
            let lo = b.ins().ushr_imm_s(lo, i64::from(shift));
            let hi = b.ins().ishl_imm_s(hi, i64::from(64 - shift));
            b.ins().bor(lo, hi)
        };
        let spare = i64::from(64 - width);
        let up = b.ins().ishl_imm_s(word, spare);
        let v = if self.spec.signed() {
            b.ins().sshr_imm_s(up, spare)
        } else {
            b.ins().ushr_imm_s(up, spare)
        };
        if ty == types::I64 {
            v
        } else {
            b.ins().ireduce(ty, v)
        }
    }

    /// `n` (≤ 8) bytes at `elem + off`, little-endian, zero-extended to 64 bits.
    fn load_bytes(&self, b: &mut FunctionBuilder<'_>, elem: IrValue, off: i32, n: u32) -> IrValue {
        let mut acc: Option<IrValue> = None;
        for (at, ty) in pieces(n) {
            let v = match ty {
                types::I64 => b.ins().load(types::I64, flags(), elem, off + at),
                types::I32 => b.ins().uload32(flags(), elem, off + at),
                types::I16 => b.ins().uload16(types::I64, flags(), elem, off + at),
                _ => b.ins().uload8(types::I64, flags(), elem, off + at),
            };
            let v = if at == 0 {
                v
            } else {
                b.ins().ishl_imm_s(v, i64::from(at * 8))
            };
            acc = Some(match acc {
                None => v,
                Some(a) => b.ins().bor(a, v),
            });
        }
        acc.unwrap_or_else(|| b.ins().iconst(types::I64, 0))
    }

    /// Stores the low `n` (≤ 8) bytes of `w` at `elem + off`.
    fn store_bytes(
        &self,
        b: &mut FunctionBuilder<'_>,
        elem: IrValue,
        off: i32,
        n: u32,
        w: IrValue,
    ) {
        for (at, ty) in pieces(n) {
            let v = if at == 0 {
                w
            } else {
                b.ins().ushr_imm_s(w, i64::from(at * 8))
            };
            match ty {
                types::I64 => {
                    b.ins().store(flags(), v, elem, off + at);
                }
                types::I32 => {
                    b.ins().istore32(flags(), v, elem, off + at);
                }
                types::I16 => {
                    b.ins().istore16(flags(), v, elem, off + at);
                }
                _ => {
                    b.ins().istore8(flags(), v, elem, off + at);
                }
            }
        }
    }

    /// Stores `v` (of `T`'s IR type) into the member of the element at `elem`.
    fn store(&self, b: &mut FunctionBuilder<'_>, elem: IrValue, v: IrValue) {
        let off = self.spec.offset as i32;
        let Some((shift, width)) = self.spec.bits else {
            b.ins().store(flags(), v, elem, off);
            return;
        };
        let v = if self.ty() == types::I64 {
            v
        } else {
            b.ins().uextend(types::I64, v)
        };
        let n = (shift + width).div_ceil(8);
        let mask: u128 = ((1u128 << width) - 1) << shift;
        let shifted = b.ins().ishl_imm_s(v, i64::from(shift));
        if n <= 8 {
            let old = self.load_bytes(b, elem, off, n);
            let keep = b.ins().band_imm_s(old, !(mask as u64) as i64);
            let new = b.ins().band_imm_s(shifted, mask as u64 as i64);
            let w = b.ins().bor(keep, new);
            self.store_bytes(b, elem, off, n, w);
        } else {
            let (mlo, mhi) = (mask as u64, (mask >> 64) as u64);
            let lo = b.ins().load(types::I64, flags(), elem, off);
            let keep = b.ins().band_imm_s(lo, !mlo as i64);
            let new = b.ins().band_imm_s(shifted, mlo as i64);
            let lo = b.ins().bor(keep, new);
            b.ins().store(flags(), lo, elem, off);
            let hi = b.ins().uload8(types::I64, flags(), elem, off + 8);
            let keep = b.ins().band_imm_s(hi, !mhi as i64);
            let top = b.ins().ushr_imm_s(v, i64::from(64 - shift));
            let new = b.ins().band_imm_s(top, mhi as i64);
            let hi = b.ins().bor(keep, new);
            b.ins().istore8(flags(), hi, elem, off + 8);
        }
    }

    fn elem(&self, b: &mut FunctionBuilder<'_>, base: IrValue, i: IrValue) -> IrValue {
        let off = b.ins().imul_imm_s(i, self.spec.stride as i64);
        b.ins().iadd(base, off)
    }

    fn getter(&self) -> Result<Vec<u8>, JitError> {
        let p = self.engine.pointer_type();
        let sig = self.sig(&[p, p], Some(self.ty()));
        self.engine.codegen_leaf(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let (base, i) = (b.block_params(entry)[0], b.block_params(entry)[1]);
            let e = self.elem(&mut b, base, i);
            let v = self.load(&mut b, e);
            b.ins().return_(&[v]);
            b.seal_all_blocks();
            b.finalize(config);
            Ok(())
        })
    }

    fn setter(&self) -> Result<Vec<u8>, JitError> {
        let p = self.engine.pointer_type();
        let sig = self.sig(&[p, p, self.ty()], None);
        self.engine.codegen_leaf(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let entry = b.create_block();
            b.append_block_params_for_function_params(entry);
            b.switch_to_block(entry);
            let ps = b.block_params(entry).to_vec();
            let e = self.elem(&mut b, ps[0], ps[1]);
            self.store(&mut b, e, ps[2]);
            b.ins().return_(&[]);
            b.seal_all_blocks();
            b.finalize(config);
            Ok(())
        })
    }

    /// `for k in 0..n { out[k] = elem[k].member }` or the reverse (`scatter`): four elements
    /// per iteration while four are left, then one at a time.
    fn batch(&self, scatter: bool) -> Result<Vec<u8>, JitError> {
        const UNROLL: i64 = 4;
        let p = self.engine.pointer_type();
        let sig = self.sig(&[p, p, p], None);
        let ty = self.ty();
        let size = i64::from(ty.bytes());
        let stride = self.spec.stride as i64;
        self.engine.codegen_leaf(sig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let entry = b.create_block();
            let wide = b.create_block();
            let rest = b.create_block();
            let one = b.create_block();
            let exit = b.create_block();
            b.append_block_params_for_function_params(entry);
            for block in [wide, rest, one] {
                for _ in 0..3 {
                    b.append_block_param(block, p);
                }
            }
            let args = |v: [IrValue; 3]| v.map(BlockArg::Value);
            // Moves the member of the element at `elem + k * stride`.
            let step = |b: &mut FunctionBuilder<'_>, elem: IrValue, at: IrValue, k: i64| {
                let e = if k == 0 {
                    elem
                } else {
                    b.ins().iadd_imm_s(elem, k * stride)
                };
                let off = (k * size) as i32;
                if scatter {
                    let v = b.ins().load(ty, MemFlagsData::trusted(), at, off);
                    self.store(b, e, v);
                } else {
                    let v = self.load(b, e);
                    b.ins().store(MemFlagsData::trusted(), v, at, off);
                }
            };
            b.switch_to_block(entry);
            let ps = b.block_params(entry).to_vec();
            let (base, n, slice) = (ps[0], ps[1], ps[2]);
            let many = b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, n, UNROLL);
            let a = args([base, slice, n]);
            b.ins().brif(many, wide, &a, rest, &a);

            b.switch_to_block(wide);
            let bp = b.block_params(wide).to_vec();
            let (elem, at, left) = (bp[0], bp[1], bp[2]);
            for k in 0..UNROLL {
                step(&mut b, elem, at, k);
            }
            let elem = b.ins().iadd_imm_s(elem, UNROLL * stride);
            let at = b.ins().iadd_imm_s(at, UNROLL * size);
            let left = b.ins().iadd_imm_s(left, -UNROLL);
            let many = b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThanOrEqual, left, UNROLL);
            let a = args([elem, at, left]);
            b.ins().brif(many, wide, &a, rest, &a);

            b.switch_to_block(rest);
            let bp = b.block_params(rest).to_vec();
            b.ins().brif(
                bp[2],
                one,
                &args([bp[0], bp[1], bp[2]]),
                exit,
                &[] as &[BlockArg],
            );

            b.switch_to_block(one);
            let bp = b.block_params(one).to_vec();
            let (elem, at, left) = (bp[0], bp[1], bp[2]);
            step(&mut b, elem, at, 0);
            let elem = b.ins().iadd_imm_s(elem, stride);
            let at = b.ins().iadd_imm_s(at, size);
            let left = b.ins().iadd_imm_s(left, -1);
            b.ins()
                .brif(left, one, &args([elem, at, left]), exit, &[] as &[BlockArg]);

            b.switch_to_block(exit);
            b.ins().return_(&[]);
            b.seal_all_blocks();
            b.finalize(config);
            Ok(())
        })
    }
}
