//! [`CallbackBuilder`]: a C function type resolved and planned once, and the machinery behind a
//! callback (a JIT trampoline slot or a libffi closure).

use std::ffi::c_void;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

use libffi::low::{self, ffi_closure};

use super::record::{ContextHeader, thread_token};
use super::untyped::{
    FastRet, UntypedCtx, UntypedFn, drop_untyped, untyped_entry, untyped_ffi_entry,
};
use super::{Callback, CallbackError, CallbackErrorKind, LocalCallback, TypedClosure, typed};
use crate::call::{Backend, SharedEngine, engine_of};
use crate::cif::FfiCall;
use crate::context::Context;
use crate::ctype::{CType, TypeId, TypeTable};
use crate::jit::{JitEngine, Slot, ThunkKind};
use crate::layout::Target;
use crate::plan::{self, CallPlan, RetClass};
use crate::value::{self, Conv, Value};

/// A libffi closure and the cif it was prepared with.
pub(super) struct FfiClosure {
    pub(super) closure: *mut ffi_closure,
    pub(super) _call: FfiCall,
}

impl Drop for FfiClosure {
    fn drop(&mut self) {
        // SAFETY: allocated by `closure_alloc`, freed once; the handle that could hand out
        // its code is being dropped.
        unsafe { low::closure_free(self.closure) };
    }
}

/// What runs a callback's code.
pub(super) enum Backing {
    /// A trampoline slot into JIT code (the engine keeps the code alive).
    Jit {
        _slot: Slot,
        _engine: Arc<JitEngine>,
    },
    /// A libffi closure.
    Ffi { _closure: FfiClosure },
}

/// Makes callbacks of one C function pointer type, planned once, with the options they share:
/// the result C gets when a closure fails ([`CallbackBuilder::on_error`]) and the machinery
/// ([`CallbackBuilder::backend`]).
///
/// Made by [`Type::callbacks`](crate::Type::callbacks); cheap to clone. See [`Callback`] for how callbacks behave.
#[derive(Clone)]
pub struct CallbackBuilder {
    pub(super) table: Arc<TypeTable>,
    pub(super) target: Target,
    /// The function type.
    pub(super) func: TypeId,
    /// How a pointer to the function is tagged in a `Value`.
    pub(super) ptr_tag: u32,
    pub(super) name: String,
    pub(super) plan: CallPlan,
    pub(super) convs: Vec<Conv>,
    pub(super) ret: Conv,
    pub(super) ret_ty: TypeId,
    pub(super) engine: SharedEngine,
    pub(super) backend: Backend,
    pub(super) default: Box<[u8]>,
}

impl fmt::Debug for CallbackBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallbackBuilder({})", self.name)
    }
}

impl CallbackBuilder {
    pub(crate) fn of(ffi: &Context, id: TypeId) -> Result<CallbackBuilder, CallbackError> {
        let table = ffi.types();
        let ty = table.display(id);
        let ty = ty.as_str();
        let unsupported = |name: &str, message: String| {
            CallbackError::new(CallbackErrorKind::Unsupported, name.to_string(), message)
        };
        let (func, ptr_tag) = match table.raw_type(id) {
            CType::Pointer(to) if table.as_func(*to).is_some() => (table.raw(*to), table.raw(id).0),
            CType::Func(_) => {
                let f = table.raw(id);
                (
                    f,
                    table.find_pointer(f).map_or(f.0 | value::POINTEE, |p| p.0),
                )
            }
            _ => {
                return Err(unsupported(
                    ty,
                    format!(
                        "'{}' is not a function or function pointer type",
                        table.display(id)
                    ),
                ));
            }
        };
        let name = match table.find_pointer(func) {
            Some(p) => table.display(p),
            None => table.display(func),
        };
        let target = ffi.target().clone();
        let ft = table
            .as_func(func)
            .ok_or_else(|| unsupported(&name, "not a function".into()))?;
        if ft.variadic {
            return Err(unsupported(
                &name,
                "a variadic function type: the closure could not know the types of the \
                 arguments C passes after the fixed ones; declare the callback with the types a \
                 caller passes, after C's promotions (`int (*)(const char *, int, double)` for \
                 `int (*)(const char *, ...)` called with an int and a double), which receives \
                 them the same way on x86-64 and AArch64 Linux, and cast it"
                    .into(),
            ));
        }
        let plan =
            plan::plan_call(&table, &target, func, &[]).map_err(|e| unsupported(&name, e.0))?;
        let (convs, ret) = crate::call::convs_of(&table, &target, &ft.params, ft.ret);
        for (i, (c, &p)) in convs.iter().zip(&ft.params).enumerate() {
            if matches!(c, Conv::Unsupported | Conv::Void) {
                return Err(unsupported(
                    &name,
                    format!(
                        "parameter {} of type '{}' cannot be passed by value",
                        i + 1,
                        table.display(p)
                    ),
                ));
            }
        }
        if ret == Conv::Unsupported {
            return Err(unsupported(
                &name,
                format!(
                    "result type '{}' cannot be returned by value",
                    table.display(ft.ret)
                ),
            ));
        }
        let default = vec![0u8; ret.size().max(16)].into_boxed_slice();
        Ok(CallbackBuilder {
            ptr_tag,
            name,
            plan,
            convs,
            ret,
            ret_ty: ft.ret,
            engine: ffi.shared_engine(),
            backend: ffi.default_backend(),
            default,
            table,
            target,
            func,
        })
    }

    /// The function pointer type, in C syntax.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the result C gets when the closure panics, returns a bad value or runs on the wrong
    /// thread (default: zero, `NULL`, all-zero struct). Checked against the result type like
    /// a call argument.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if `value` does not convert to the result type (a
    /// `void` callback takes only [`Value::Void`]; strings are refused: they would dangle).
    pub fn on_error(mut self, value: Value<'static>) -> Result<CallbackBuilder, CallbackError> {
        let probe = UntypedCtx {
            record: self.record(0),
            table: self.table.clone(),
            args: Vec::new(),
            ret: self.ret,
            ret_ty: self.ret_ty,
            fast_ret: FastRet::of(self.ret),
            f: Box::new(|_| Value::Void),
        };
        let mut bytes = vec![0u8; self.ret.size().max(16)];
        // SAFETY: `bytes` has room for the result (at least 16 bytes).
        unsafe { probe.write_result(&value, bytes.as_mut_ptr()) }.map_err(|m| {
            CallbackError::new(
                CallbackErrorKind::Unsupported,
                self.name.clone(),
                format!("on_error: {m}"),
            )
        })?;
        self.default = bytes.into_boxed_slice();
        Ok(self)
    }

    /// Chooses the machinery: [`Backend::Auto`] (the JIT, libffi for what it cannot compile,
    /// logged), [`Backend::Jit`] (an error instead of the fallback) or [`Backend::Libffi`].
    /// The default is the context's ([`Ffi::set_backend`](crate::Ffi::set_backend)).
    pub fn backend(mut self, backend: Backend) -> CallbackBuilder {
        self.backend = backend;
        self
    }

    pub(super) fn record(&self, owner: usize) -> ContextHeader {
        ContextHeader {
            name: self.name.clone(),
            owner,
            default: self.default.clone(),
            // As `FfiCall` describes it: an explicit first argument on x86-64 only (on AArch64
            // libffi hands the x8 buffer over as the result buffer).
            sret: matches!(self.plan.ret, RetClass::Sret { .. }) && cfg!(target_arch = "x86_64"),
            ret_int: match self.ret {
                Conv::Int { bytes, signed } => Some((bytes, signed)),
                Conv::Bool => Some((1, false)),
                _ => None,
            },
            errors: AtomicU64::new(0),
            last: Mutex::new(None),
        }
    }

    pub(super) fn error(&self, message: String) -> CallbackError {
        CallbackError::new(CallbackErrorKind::Unsupported, self.name.clone(), message)
    }

    pub(super) fn make_untyped<'f>(
        &self,
        owner: usize,
        f: UntypedFn<'f>,
    ) -> Result<Callback<'f>, CallbackError> {
        let args = self
            .convs
            .iter()
            .map(|&c| {
                let (tag, ptr_ty) = c.scalar_tag().unwrap_or((value::tag::STRUCT, 0));
                (c, tag, ptr_ty)
            })
            .collect();
        let ctx = Box::new(UntypedCtx {
            record: self.record(owner),
            table: self.table.clone(),
            args,
            ret: self.ret,
            ret_ty: self.ret_ty,
            fast_ret: FastRet::of(self.ret),
            f,
        });
        let ctx = Box::into_raw(ctx);
        let drop_ctx: unsafe fn(*mut c_void) = drop_untyped;
        let has_long_double =
            self.convs.contains(&Conv::LongDouble) || self.ret == Conv::LongDouble;
        self.finish(
            ctx.cast(),
            drop_ctx,
            ThunkKind::Values(untyped_entry as *const () as usize),
            untyped_ffi_entry,
            has_long_double,
        )
    }

    /// Hands the context to a slot (or a libffi closure) and wraps it in a handle; frees the
    /// context on failure.
    pub(super) fn finish<'f>(
        &self,
        ctx: *mut c_void,
        drop_ctx: unsafe fn(*mut c_void),
        kind: ThunkKind,
        ffi_entry: low::RawCallback,
        needs_libffi: bool,
    ) -> Result<Callback<'f>, CallbackError> {
        let result = self.backing(ctx, kind, ffi_entry, needs_libffi);
        match result {
            Ok((code, backing)) => Ok(Callback {
                code,
                ctx,
                drop_ctx,
                backing: Some(backing),
                ptr_tag: self.ptr_tag,
                _closure: PhantomData,
            }),
            Err(e) => {
                // SAFETY: `ctx` is the context made for this callback, not handed out.
                unsafe { drop_ctx(ctx) };
                Err(e)
            }
        }
    }

    pub(super) fn backing(
        &self,
        ctx: *mut c_void,
        kind: ThunkKind,
        ffi_entry: low::RawCallback,
        needs_libffi: bool,
    ) -> Result<(usize, Backing), CallbackError> {
        let jit = || -> Result<(usize, Backing), String> {
            if needs_libffi {
                return Err("'long double' is handled by libffi".into());
            }
            let engine = engine_of(&self.engine)?;
            let entry = engine
                .callback_entry(&self.plan, &self.convs, kind)
                .map_err(|e| e.to_string())?;
            let slot = Slot::new().map_err(|e| e.to_string())?;
            slot.set(ctx as usize, entry);
            Ok((
                slot.code(),
                Backing::Jit {
                    _slot: slot,
                    _engine: engine,
                },
            ))
        };
        match self.backend {
            Backend::Libffi => {}
            Backend::Jit => return jit().map_err(|m| self.error(m)),
            Backend::Auto => match jit() {
                Ok(b) => return Ok(b),
                Err(why) => log::warn!("jitffi: callback '{}' uses libffi: {why}", self.name),
            },
        }
        let call = FfiCall::new(&self.plan, &self.convs, self.ret).map_err(|m| self.error(m))?;
        if call.has_pads() {
            return Err(self.error(
                "a 16-aligned struct after an odd number of integer registers: libffi's \
                 AArch64 closures do not skip to the even register C expects"
                    .into(),
            ));
        }
        let (closure, code) = low::try_closure_alloc()
            .ok_or_else(|| self.error("libffi cannot allocate a closure".into()))?;
        // SAFETY: `closure` was just allocated with its code address; the cif lives in `call`,
        // which the returned `FfiClosure` keeps as long as the closure; `ctx` outlives the
        // closure (the handle frees the closure first).
        let status = unsafe {
            libffi::raw::ffi_prep_closure_loc(
                closure,
                call.cif(),
                Some(ffi_entry),
                ctx,
                code.as_mut_ptr(),
            )
        };
        let closure = FfiClosure {
            closure,
            _call: call,
        };
        if status != libffi::raw::ffi_status_FFI_OK {
            return Err(self.error(format!(
                "libffi cannot prepare the closure (status {status})"
            )));
        }
        Ok((code.as_ptr() as usize, Backing::Ffi { _closure: closure }))
    }

    /// An untyped callback: `f` gets the arguments as `Value`s (structs borrowed in place) and
    /// returns the result, converted with the checks of call arguments.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if no backend can make it (see [`Self::backend`]).
    pub fn untyped<'f, F>(&self, f: F) -> Result<Callback<'f>, CallbackError>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + Send + Sync + 'f,
    {
        self.make_untyped(0, Box::new(f))
    }

    /// A typed callback: the closure's Rust types are checked once against the declaration
    /// (as [`Function::typed`](crate::Function::typed) checks them), and C calls it with no
    /// conversion.
    ///
    /// # Errors
    ///
    /// [`CallbackErrorKind::Unsupported`] if a type differs from the declaration (with both
    /// types) or no backend can make it.
    pub fn typed<'f, Args, R, F>(&self, f: F) -> Result<Callback<'f>, CallbackError>
    where
        F: TypedClosure<Args, R> + Send + Sync + 'f,
    {
        typed::make(self, 0, f)
    }

    /// An untyped callback bound to this thread: `f` need not be `Send` or `Sync`, and a call
    /// from another thread returns the default result without running it.
    ///
    /// # Errors
    ///
    /// As [`Self::untyped`].
    pub fn untyped_local<'f, F>(&self, f: F) -> Result<LocalCallback<'f>, CallbackError>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + 'f,
    {
        Ok(LocalCallback {
            inner: self.make_untyped(thread_token(), Box::new(f))?,
            _not_send: PhantomData,
        })
    }

    /// A typed callback bound to this thread (see [`Self::untyped_local`]).
    ///
    /// # Errors
    ///
    /// As [`Self::typed`].
    pub fn typed_local<'f, Args, R, F>(&self, f: F) -> Result<LocalCallback<'f>, CallbackError>
    where
        F: TypedClosure<Args, R> + 'f,
    {
        Ok(LocalCallback {
            inner: typed::make(self, thread_token(), f)?,
            _not_send: PhantomData,
        })
    }
}
