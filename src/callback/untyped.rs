//! Untyped callbacks: the context, the dispatcher that makes `Value`s of C's arguments, calls
//! the closure and converts its result (`untyped_entry` for JIT thunks, `untyped_ffi_entry`
//! for libffi closures).

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use libffi::low::ffi_cif;

use super::CallbackErrorKind;
use super::panic::Contained;
use super::record::{ContextHeader, panic_message};
use crate::F80;
use crate::ctype::{TypeId, TypeTable};
use crate::value::{self, Conv, ConvError, StructValue, Value, c_from_value};

/// A scalar result's canonical variant: what the fast path of `write_fast` checks and reads.
#[derive(Copy, Clone, Debug)]
pub(super) struct FastRet {
    pub(super) tag: u8,
    /// The payload's bytes.
    size: u8,
    /// How the payload word is extended to the 64 bits written: shifted left and back by
    /// `spare` bits (arithmetically if `signed`), `_Bool` normalised: plain data, tested with
    /// compares (a `match` on the conversion was a jump table on every call).
    spare: u8,
    signed: bool,
    boolean: bool,
    pub(super) ptr_ty: u32,
}

impl FastRet {
    pub(super) fn of(conv: Conv) -> Option<FastRet> {
        let (tag, ptr_ty) = match conv {
            Conv::LongDouble | Conv::Void => return None,
            c => c.scalar_tag()?,
        };
        let (spare, signed, boolean) = match conv {
            Conv::Int { bytes, signed } if bytes < 8 => (64 - 8 * bytes, signed, false),
            Conv::Bool => (0, false, true),
            _ => (0, false, false),
        };
        Some(FastRet {
            tag,
            size: u8::try_from(conv.size()).ok()?,
            spare,
            signed,
            boolean,
            ptr_ty,
        })
    }

    /// The payload word `w` extended as [`extend`] does for the conversion.
    #[inline(always)]
    fn extend(self, w: u64) -> u64 {
        let s = u32::from(self.spare);
        let w = if s == 0 {
            w
        } else if self.signed {
            (((w << s) as i64) >> s) as u64
        } else {
            (w << s) >> s
        };
        if self.boolean {
            u64::from(w & 1 != 0)
        } else {
            w
        }
    }
}

/// An untyped closure, its type erased.
pub(super) type UntypedFn<'f> = Box<dyn Fn(&[Value<'_>]) -> Value<'static> + 'f>;

/// The context of an untyped callback.
#[repr(C)]
pub(crate) struct UntypedCtx<'f> {
    pub(super) record: ContextHeader,
    pub(super) table: Arc<TypeTable>,
    /// Per argument: its conversion, and the tag and pointer type of its `Value`.
    pub(super) args: Vec<(Conv, u8, u32)>,
    pub(super) ret: Conv,
    /// The declared result type (for messages).
    pub(super) ret_ty: TypeId,
    /// How a scalar result of the canonical variant is written (`None` for void, structs
    /// and `long double`).
    pub(super) fast_ret: Option<FastRet>,
    pub(super) f: UntypedFn<'f>,
}

/// An argument as a `Value`: scalars read from their bytes, structs borrowed in place.
///
/// # Safety
///
/// `p` points to a C value of conversion `conv` that outlives `'a`.
#[inline(always)]
pub(super) unsafe fn read_arg<'a>(conv: Conv, tag: u8, ptr_ty: u32, p: *const u8) -> Value<'a> {
    // SAFETY: the caller's contract: `p` holds a value of `conv`, of `conv.size()` bytes.
    unsafe {
        match conv {
            Conv::Struct { ty, size } => Value::Struct(StructValue::borrowed_id(
                ty,
                std::slice::from_raw_parts(p, size as usize),
            )),
            Conv::LongDouble => {
                Value::F80(F80::from_le_bytes(p.cast::<[u8; 10]>().read_unaligned()))
            }
            Conv::Int128 { .. } => value::value_from_c(conv, std::slice::from_raw_parts(p, 16)),
            _ => value::scalar_from_word(conv, tag, ptr_ty, value::read_word(p, conv.size())),
        }
    }
}

impl UntypedCtx<'_> {
    /// Writes a scalar result of the canonical variant (the common case) to `ret`; false if
    /// `v` is anything else.
    ///
    /// # Safety
    ///
    /// `ret` is writable for a word.
    #[inline(always)]
    pub(super) unsafe fn write_fast(&self, v: &Value<'_>, ret: *mut u8) -> bool {
        // Its payload as a word, read in place with the width the closure stored it with (a
        // copy of the `Value` would load across the closure's narrower stores and stall).
        if let Some(fast) = self.fast_ret
            && v.tag() == fast.tag
            && (fast.tag != value::tag::PTR
                || matches!(v, Value::Ptr(p) if p.tag() == fast.ptr_ty || p.tag() == value::UNTYPED))
        {
            // SAFETY: `Value` is `repr(C, u64)` with the payload at `PAYLOAD`; the variant
            // `fast.tag` has a payload of `fast.size` bytes there.
            let w = unsafe {
                value::read_word(
                    std::ptr::from_ref(v)
                        .cast::<u8>()
                        .add(value::PAYLOAD as usize),
                    usize::from(fast.size),
                )
            };
            let w = fast.extend(w);
            // SAFETY: `ret` is writable for a word (caller's contract).
            unsafe { ret.cast::<u64>().write_unaligned(w) };
            return true;
        }
        false
    }

    /// Converts the closure's result and writes its C bytes to `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (16 bytes for `long double`, a word at least
    /// for scalars).
    #[inline(never)]
    pub(super) unsafe fn write_result(&self, v: &Value<'_>, ret: *mut u8) -> Result<(), String> {
        let t = &self.table;
        let c = || t.display(self.ret_ty);
        if self.ret == Conv::Void {
            return match v {
                Value::Void => Ok(()),
                other => Err(format!(
                    "returned {} from a callback whose result is 'void' (return Value::Void)",
                    other.kind()
                )),
            };
        }
        // Already the result type's canonical value: no conversion.
        if value::is_canonical(t, self.ret, v) {
            // SAFETY: `ret` is writable for the result's size (caller's contract).
            unsafe { Self::store(v, self.ret, ret) };
            return Ok(());
        }
        let v = c_from_value(t, self.ret, v).map_err(|e| match e {
            ConvError::Type => format!("returned {} where '{}' is expected", v.kind(), c()),
            ConvError::Range(n) => format!("returned {n}, which does not fit in '{}'", c()),
            ConvError::PointerType(from) => format!(
                "returned '{}' where '{}' is expected",
                value::pointer_type_name(t, from),
                c()
            ),
            ConvError::StructType(from) => format!(
                "returned a value of type '{}' where '{}' is expected",
                if from.index() < t.len() {
                    t.display(from)
                } else {
                    format!("struct type #{}", from.0)
                },
                c()
            ),
            ConvError::StructSize(n) => {
                format!("returned a struct of {n} bytes where '{}' is expected", c())
            }
        })?;
        // SAFETY: `ret` is writable for the result's size (caller's contract).
        unsafe { Self::store(&v, self.ret, ret) };
        Ok(())
    }

    /// Writes the C bytes of `v`, a canonical value of `conv`, to `ret`: scalars as a word
    /// extended by their signedness, `long double` as x87 extended precision.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result's size (16 bytes for `long double`, a word at least
    /// for scalars).
    #[inline]
    pub(super) unsafe fn store(v: &Value<'_>, conv: Conv, ret: *mut u8) {
        // SAFETY: the caller's contract.
        unsafe {
            match (v, conv) {
                (Value::Struct(s), _) => {
                    std::ptr::copy_nonoverlapping(s.bytes().as_ptr(), ret, s.bytes().len());
                }
                (Value::F80(_) | Value::I128(_) | Value::U128(_), conv) => {
                    value::write_scalar(ret, conv.size(), v);
                }
                (v, conv) => ret
                    .cast::<u64>()
                    .write_unaligned(extend(conv, value::payload_word(v))),
            }
        }
    }

    /// Runs the closure for one call with `args` and writes its result (or the default) to
    /// `ret`.
    ///
    /// # Safety
    ///
    /// `ret` is writable for the result (see `write_result`).
    #[inline]
    pub(super) unsafe fn call(&self, args: &[Value<'_>], ret: *mut u8) {
        let failure = if self.record.admits() {
            let contained = Contained::enter();
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let v = (self.f)(args);
                // SAFETY: `ret` is writable for the result (caller's contract).
                unsafe {
                    if self.write_fast(&v, ret) {
                        Ok(())
                    } else {
                        self.write_result(&v, ret)
                    }
                }
            }));
            drop(contained);
            match outcome {
                Ok(Ok(())) => return,
                Ok(Err(m)) => Some((CallbackErrorKind::Result, m)),
                Err(p) => Some((CallbackErrorKind::Panic, panic_message(&*p))),
            }
        } else {
            None
        };
        if let Some((kind, message)) = failure {
            self.record.fail(kind, message);
        }
        // SAFETY: as above.
        unsafe { self.record.write_default(ret) };
    }

    /// Runs the closure for one call from libffi: `argp[i]` points to argument `i`, the
    /// result goes to `ret`.
    ///
    /// # Safety
    ///
    /// `argp` has one pointer per argument, each to a value of its conversion; `ret` is
    /// writable for the result (see `write_result`).
    pub(super) unsafe fn run(&self, argp: *const *const u8, ret: *mut u8) {
        // The arguments own nothing (scalars, and structs borrowed in place): no drop needed.
        let args: Vec<Value<'_>> = self
            .args
            .iter()
            .enumerate()
            .map(|(i, &(conv, tag, ptr_ty))| {
                // SAFETY: `argp[i]` points to argument `i`, of conversion `conv` (caller's
                // contract); the values do not outlive this call.
                unsafe { read_arg(conv, tag, ptr_ty, *argp.add(i)) }
            })
            .collect();
        // SAFETY: the caller's contract.
        unsafe { self.call(&args, ret) };
    }
}

/// Frees an untyped context.
///
/// # Safety
///
/// `p` came from `Box::into_raw` of an `UntypedCtx` and is not used afterwards.
pub(super) unsafe fn drop_untyped(p: *mut c_void) {
    // SAFETY: the caller's contract.
    drop(unsafe { Box::from_raw(p.cast::<UntypedCtx<'_>>()) });
}

/// A scalar's payload word extended to 64 bits by its conversion's signedness.
#[inline]
pub(super) fn extend(conv: Conv, w: u64) -> u64 {
    match conv {
        Conv::Int {
            bytes,
            signed: true,
        } if bytes < 8 => {
            let shift = 64 - 8 * u32::from(bytes);
            (((w << shift) as i64) >> shift) as u64
        }
        Conv::Int { bytes, .. } if bytes < 8 => w & ((1u64 << (8 * u32::from(bytes))) - 1),
        Conv::Bool => u64::from(w & 1 != 0),
        _ => w,
    }
}

/// The entry of untyped thunks: `dispatch(ctx, values, ret)`.
pub(super) unsafe extern "C" fn untyped_entry(
    ctx: *const UntypedCtx<'_>,
    values: *const Value<'_>,
    ret: *mut u8,
) {
    // SAFETY: the thunk passes the context its slot holds (alive while the slot points here),
    // one `Value` per argument built in its frame (scalars, borrowed structs: nothing to
    // drop) and a result buffer of 16 bytes or the hidden result pointer.
    unsafe {
        let ctx = &*ctx;
        let args = std::slice::from_raw_parts(values, ctx.args.len());
        ctx.call(args, ret);
    }
}

/// The libffi entry of untyped callbacks.
pub(super) unsafe extern "C" fn untyped_ffi_entry(
    _cif: *mut ffi_cif,
    result: *mut c_void,
    args: *mut *mut c_void,
    ctx: *mut c_void,
) {
    // SAFETY: libffi passes the closure's user data (the context, alive while the closure
    // is), one pointer per argument of the cif (`FfiCall` puts the hidden result pointer
    // first when the result is in memory) and a result buffer for the cif's result type.
    unsafe {
        let ctx = &*ctx.cast::<UntypedCtx<'_>>();
        if ctx.record.sret {
            let hidden = (*args).cast::<*mut u8>().read();
            ctx.run(args.add(1).cast(), hidden);
            result.cast::<*mut u8>().write(hidden);
        } else {
            ctx.run(args.cast(), result.cast());
        }
    }
}
