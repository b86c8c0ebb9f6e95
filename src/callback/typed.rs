//! Typed callbacks: closures whose Rust signature is checked once against the declaration.
//!
//! For each arity, [`TypedClosure`] provides two entries monomorphised for the closure type:
//! a Rust `extern "C" fn(args…, ctx) -> R` that C reaches with its arguments still in their
//! registers (the adapter puts the context after them), and a libffi closure entry that reads
//! the arguments from libffi's pointer array.

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};

use libffi::low::{RawCallback, ffi_cif};

use super::panic::Contained;
use super::record::{ContextHeader, panic_message};
use super::untyped::extend;
use super::{Callback, CallbackBuilder, CallbackError, CallbackErrorKind};
use crate::call::{CRepr, Shape, check_shape};
use crate::jit::ThunkKind;

/// The context of a typed callback.
#[repr(C)]
pub(crate) struct TypedCtx<F> {
    record: ContextHeader,
    f: F,
}

impl<F> TypedCtx<F> {
    /// Runs `call` unless the thread is refused; a panic or a refusal gives the default.
    #[inline(always)]
    fn invoke<R: CRepr>(&self, call: impl FnOnce(&F) -> R) -> R {
        if !self.record.admits() {
            // SAFETY: `R` was checked against the C result when the callback was made.
            return unsafe { self.record.default() };
        }
        let _contained = Contained::enter();
        match catch_unwind(AssertUnwindSafe(|| call(&self.f))) {
            Ok(r) => r,
            Err(p) => {
                self.record
                    .fail(CallbackErrorKind::Panic, panic_message(&*p));
                // SAFETY: as above.
                unsafe { self.record.default() }
            }
        }
    }

    /// Writes a result for libffi: through the hidden pointer, or into `result` extended to
    /// a word for integers.
    ///
    /// # Safety
    ///
    /// `result` and `args` are what libffi passed to the closure of this callback's cif.
    unsafe fn ffi_result<R: CRepr>(&self, r: R, result: *mut c_void, args: *mut *mut c_void) {
        // SAFETY: libffi's result buffer holds at least a word (or the cif's struct); with a
        // hidden result pointer it is the cif's first argument (see `FfiCall`).
        unsafe {
            if self.record.sret {
                let hidden = (*args).cast::<*mut R>().read();
                hidden.write_unaligned(r);
                result.cast::<*mut R>().write(hidden);
                return;
            }
            if let Some((bytes, signed)) = self.record.ret_int {
                let w = crate::value::read_word(std::ptr::from_ref(&r).cast(), usize::from(bytes));
                let w = extend(crate::value::Conv::Int { bytes, signed }, w);
                result.cast::<u64>().write_unaligned(w);
            } else if std::mem::size_of::<R>() > 0 {
                result.cast::<R>().write_unaligned(r);
            }
        }
    }
}

/// A closure that can be a typed callback: `Fn(A1, …, An) -> R` for up to 16 [`CRepr`]
/// arguments and a `CRepr` result (`()` for `void`).
///
/// # Safety
///
/// Implemented by jitffi for closures only; other implementations are unsupported.
pub unsafe trait TypedClosure<Args, R>: Sized {
    /// The shapes of the arguments.
    #[doc(hidden)]
    fn arg_shapes() -> Vec<Shape>;
    /// The shape of the result.
    #[doc(hidden)]
    fn ret_shape() -> Shape;
    /// `extern "C" fn(args…, ctx: *const TypedCtx<Self>) -> R`, as an address.
    #[doc(hidden)]
    fn entry() -> usize;
    /// The libffi closure entry.
    #[doc(hidden)]
    fn ffi_entry() -> RawCallback;
}

macro_rules! typed_closure {
    ($($a:ident: $A:ident),*) => {
        // SAFETY: the entries call the closure with the arguments in order, and the shapes are
        // the argument and result types' own.
        unsafe impl<Func, Ret: CRepr, $($A: CRepr),*> TypedClosure<($($A,)*), Ret> for Func
        where
            Func: Fn($($A),*) -> Ret,
        {
            fn arg_shapes() -> Vec<Shape> {
                vec![$(<$A as CRepr>::shape()),*]
            }
            fn ret_shape() -> Shape {
                Ret::shape()
            }
            fn entry() -> usize {
                unsafe extern "C" fn tramp<Func: Fn($($A),*) -> Ret, Ret: CRepr, $($A: CRepr),*>(
                    $($a: $A,)* ctx: *const TypedCtx<Func>,
                ) -> Ret {
                    // SAFETY: the adapter (or forwarding thunk) passes the context its slot
                    // holds, alive while the slot points here.
                    let ctx = unsafe { &*ctx };
                    ctx.invoke(|f| f($($a),*))
                }
                tramp::<Func, Ret, $($A),*> as *const () as usize
            }
            fn ffi_entry() -> RawCallback {
                #[allow(unused_assignments, reason = "the last argument's index step")]
                unsafe extern "C" fn ffi<Func: Fn($($A),*) -> Ret, Ret: CRepr, $($A: CRepr),*>(
                    _cif: *mut ffi_cif,
                    result: *mut c_void,
                    args: *mut *mut c_void,
                    ctx: *mut c_void,
                ) {
                    // SAFETY: libffi passes the closure's user data (the context), one pointer
                    // per argument of the cif, which `make` checked against these types (after
                    // the hidden result pointer when there is one), and the result buffer.
                    unsafe {
                        let ctx = &*ctx.cast::<TypedCtx<Func>>();
                        #[allow(unused_variables, reason = "arity 0")]
                        let first = usize::from(ctx.record.sret);
                        #[allow(unused_mut, unused_variables, reason = "arity 0")]
                        let mut i = first;
                        $(
                            let $a = (*args.add(i)).cast::<$A>().read_unaligned();
                            i += 1;
                        )*
                        let r = ctx.invoke(|f| f($($a),*));
                        ctx.ffi_result(r, result, args);
                    }
                }
                ffi::<Func, Ret, $($A),*>
            }
        }
    };
}

typed_closure!();
typed_closure!(a1: A1);
typed_closure!(a1: A1, a2: A2);
typed_closure!(a1: A1, a2: A2, a3: A3);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11, a12: A12);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11, a12: A12, a13: A13);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11, a12: A12, a13: A13, a14: A14);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11, a12: A12, a13: A13, a14: A14, a15: A15);
typed_closure!(a1: A1, a2: A2, a3: A3, a4: A4, a5: A5, a6: A6, a7: A7, a8: A8, a9: A9, a10: A10, a11: A11, a12: A12, a13: A13, a14: A14, a15: A15, a16: A16);

/// Checks `F`'s types against the callback type and makes the callback.
pub(super) fn make<'f, Args, R, F: TypedClosure<Args, R> + 'f>(
    ty: &CallbackBuilder,
    owner: usize,
    f: F,
) -> Result<Callback<'f>, CallbackError> {
    let t = &ty.table;
    let ft = t
        .as_func(ty.func)
        .ok_or_else(|| ty.error("not a function type".into()))?;
    let mismatch = |what: String, rust: &Shape, c: String, reason: String| {
        CallbackError::new(
            CallbackErrorKind::Unsupported,
            ty.name.clone(),
            format!("{what}: Rust type '{rust}' does not match C type '{c}' ({reason})"),
        )
    };
    let shapes = F::arg_shapes();
    if shapes.len() != ft.params.len() {
        return Err(ty.error(format!(
            "the closure takes {} arguments, the declaration {}",
            shapes.len(),
            ft.params.len()
        )));
    }
    for (i, (s, &p)) in shapes.iter().zip(&ft.params).enumerate() {
        check_shape(t, &ty.target, s, p, 0)
            .map_err(|r| mismatch(format!("argument {}", i + 1), s, t.display(p), r))?;
    }
    let rs = F::ret_shape();
    check_shape(t, &ty.target, &rs, ft.ret, 0)
        .map_err(|r| mismatch("result".into(), &rs, t.display(ft.ret), r))?;
    let ctx = Box::into_raw(Box::new(TypedCtx {
        record: ty.record(owner),
        f,
    }));
    let drop_ctx: unsafe fn(*mut c_void) = drop_typed::<F>;
    ty.finish(
        ctx.cast(),
        drop_ctx,
        ThunkKind::Forward(F::entry()),
        F::ffi_entry(),
        false,
    )
}

/// Frees a typed context.
///
/// # Safety
///
/// `p` came from `Box::into_raw` of a `TypedCtx<F>` and is not used afterwards.
unsafe fn drop_typed<F>(p: *mut c_void) {
    // SAFETY: the caller's contract.
    drop(unsafe { Box::from_raw(p.cast::<TypedCtx<F>>()) });
}
