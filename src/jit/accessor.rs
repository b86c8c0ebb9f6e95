//! Member getters, setters and gather/scatter loops for C data, compiled for one (record
//! type, member): the load or store with the member's offset, width and bit position as
//! constants, so a dynamic member access costs what C's costs. `cdata::CompiledField` holds
//! the four entries; this file builds their IR.
//!
//! Bit-fields are read from and written to exactly the bytes that hold them (never a wider
//! word that could cross the end of the memory), with the shifts and masks of the compiler.
//! The code is leaf code ([`JitEngine::codegen_leaf`]): optimised, no frame pointer required.

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    AbiParam, BlockArg, InstBuilder, MemFlagsData, Signature, Type, Value as IrValue, types,
};
use cranelift_frontend::FunctionBuilder;

use super::{JitEngine, JitError};

/// The Rust value an accessor moves, by its machine representation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar {
    /// An integer (or pointer) of 1, 2, 4 or 8 bytes.
    Int(u8),
    /// `bool`: a `_Bool` byte, read as C reads it (non-zero is true).
    Bool,
    F32,
    F64,
}

/// Where a member lives in an element of an array of its record, and what it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MemberSpec {
    /// Byte offset of the member (of the byte holding a bit-field's first bit).
    pub(crate) offset: usize,
    /// `sizeof` the record: the distance between elements.
    pub(crate) stride: usize,
    /// `Some((shift, width))` for a bit-field.
    pub(crate) bits: Option<(u32, u32)>,
    /// A bit-field's type is signed (it is sign-extended when read).
    pub(crate) signed: bool,
    pub(crate) scalar: Scalar,
}

/// The entries of one member's accessors: `get(base, i) -> T`, `set(base, i, T)`,
/// `gather(base, n, out)` and `scatter(base, n, src)`, with `T` of the spec's [`Scalar`] in
/// the host's C calling convention.
pub(crate) struct AccessorCode {
    pub(crate) get: *const u8,
    pub(crate) set: *const u8,
    pub(crate) gather: *const u8,
    pub(crate) scatter: *const u8,
}

impl JitEngine {
    /// Compiles and installs the four accessors of a member. The code lives as long as the
    /// engine.
    pub(crate) fn member_accessors(&self, spec: &MemberSpec) -> Result<AccessorCode, JitError> {
        let code = Code { engine: self, spec };
        let jit = |bytes: Result<Vec<u8>, JitError>| bytes.and_then(|b| self.install(&b));
        Ok(AccessorCode {
            get: jit(code.getter())?,
            set: jit(code.setter())?,
            gather: jit(code.batch(false))?,
            scatter: jit(code.batch(true))?,
        })
    }
}

struct Code<'e> {
    engine: &'e JitEngine,
    spec: &'e MemberSpec,
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

/// The IR type of a [`Scalar`].
pub(crate) fn scalar_type(s: Scalar) -> Type {
    match s {
        Scalar::Int(1) | Scalar::Bool => types::I8,
        Scalar::Int(2) => types::I16,
        Scalar::Int(4) => types::I32,
        Scalar::Int(_) => types::I64,
        Scalar::F32 => types::F32,
        Scalar::F64 => types::F64,
    }
}

/// The member `spec` of the element at `elem` (the element's address), loaded with `flags`:
/// one load with the offset as its immediate, or for a bit-field the bytes that hold it, a
/// shift and a sign or zero extension.
pub(crate) fn load_member(
    b: &mut FunctionBuilder<'_>,
    spec: &MemberSpec,
    elem: IrValue,
    flags: MemFlagsData,
) -> IrValue {
    let off = spec.offset as i32;
    let ty = scalar_type(spec.scalar);
    let Some((shift, width)) = spec.bits else {
        let v = b.ins().load(ty, flags, elem, off);
        return if spec.scalar == Scalar::Bool {
            // `_Bool` memory holds 0 or 1; normalise anyway, as C compilers read it.
            b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)
        } else {
            v
        };
    };
    let n = (shift + width).div_ceil(8);
    let word = if n <= 8 {
        let w = load_bytes(b, elem, off, n, flags);
        b.ins().ushr_imm_s(w, i64::from(shift))
    } else {
        // Nine bytes: a 64-bit field that starts `shift` (> 0) bits into its byte.
        let lo = b.ins().load(types::I64, flags, elem, off);
        let hi = b.ins().uload8(types::I64, flags, elem, off + 8);
        let lo = b.ins().ushr_imm_s(lo, i64::from(shift));
        let hi = b.ins().ishl_imm_s(hi, i64::from(64 - shift));
        b.ins().bor(lo, hi)
    };
    let spare = i64::from(64 - width);
    let up = b.ins().ishl_imm_s(word, spare);
    let v = if spec.signed {
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
pub(super) fn load_bytes(
    b: &mut FunctionBuilder<'_>,
    elem: IrValue,
    off: i32,
    n: u32,
    flags: MemFlagsData,
) -> IrValue {
    let mut acc: Option<IrValue> = None;
    for (at, ty) in pieces(n) {
        let v = match ty {
            types::I64 => b.ins().load(types::I64, flags, elem, off + at),
            types::I32 => b.ins().uload32(flags, elem, off + at),
            types::I16 => b.ins().uload16(types::I64, flags, elem, off + at),
            _ => b.ins().uload8(types::I64, flags, elem, off + at),
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
    b: &mut FunctionBuilder<'_>,
    elem: IrValue,
    off: i32,
    n: u32,
    w: IrValue,
    flags: MemFlagsData,
) {
    for (at, ty) in pieces(n) {
        let v = if at == 0 {
            w
        } else {
            b.ins().ushr_imm_s(w, i64::from(at * 8))
        };
        match ty {
            types::I64 => {
                b.ins().store(flags, v, elem, off + at);
            }
            types::I32 => {
                b.ins().istore32(flags, v, elem, off + at);
            }
            types::I16 => {
                b.ins().istore16(flags, v, elem, off + at);
            }
            _ => {
                b.ins().istore8(flags, v, elem, off + at);
            }
        }
    }
}

/// Stores `v` (of the spec's scalar IR type) into the member `spec` of the element at `elem`:
/// one store, or for a bit-field a read-modify-write of exactly the bytes that hold it.
pub(crate) fn store_member(
    b: &mut FunctionBuilder<'_>,
    spec: &MemberSpec,
    elem: IrValue,
    v: IrValue,
    flags: MemFlagsData,
) {
    let off = spec.offset as i32;
    let Some((shift, width)) = spec.bits else {
        b.ins().store(flags, v, elem, off);
        return;
    };
    let v = if scalar_type(spec.scalar) == types::I64 {
        v
    } else {
        b.ins().uextend(types::I64, v)
    };
    let n = (shift + width).div_ceil(8);
    let mask: u128 = ((1u128 << width) - 1) << shift;
    let shifted = b.ins().ishl_imm_s(v, i64::from(shift));
    if n <= 8 {
        let old = load_bytes(b, elem, off, n, flags);
        let keep = b.ins().band_imm_s(old, !(mask as u64) as i64);
        let new = b.ins().band_imm_s(shifted, mask as u64 as i64);
        let w = b.ins().bor(keep, new);
        store_bytes(b, elem, off, n, w, flags);
    } else {
        let (mlo, mhi) = (mask as u64, (mask >> 64) as u64);
        let lo = b.ins().load(types::I64, flags, elem, off);
        let keep = b.ins().band_imm_s(lo, !mlo as i64);
        let new = b.ins().band_imm_s(shifted, mlo as i64);
        let lo = b.ins().bor(keep, new);
        b.ins().store(flags, lo, elem, off);
        let hi = b.ins().uload8(types::I64, flags, elem, off + 8);
        let keep = b.ins().band_imm_s(hi, !mhi as i64);
        let top = b.ins().ushr_imm_s(v, i64::from(64 - shift));
        let new = b.ins().band_imm_s(top, mhi as i64);
        let hi = b.ins().bor(keep, new);
        b.ins().istore8(flags, hi, elem, off + 8);
    }
}

impl<'e> Code<'e> {
    /// The IR type of the Rust value.
    fn ty(&self) -> Type {
        scalar_type(self.spec.scalar)
    }

    fn sig(&self, params: &[Type], ret: Option<Type>) -> Signature {
        let mut sig = Signature::new(self.engine.call_conv());
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.extend(ret.map(AbiParam::new));
        sig
    }

    fn load(&self, b: &mut FunctionBuilder<'_>, elem: IrValue) -> IrValue {
        load_member(b, self.spec, elem, flags())
    }

    fn store(&self, b: &mut FunctionBuilder<'_>, elem: IrValue, v: IrValue) {
        store_member(b, self.spec, elem, v, flags());
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
