//! The callback methods of [`Ffi`]: a callback from a type name in one call. The work is in
//! `callback` and [`Type`](crate::Type); these convert its `CallbackError`s into
//! [`Error`](crate::Error), as every method of `Ffi` does.

use super::Ffi;
use crate::callback::{Callback, CallbackBuilder, CallbackError, TypedClosure};
use crate::value::Value;

impl Ffi {
    /// An untyped callback of type `ty` (see [`CallbackBuilder::untyped`]).
    ///
    /// # Errors
    ///
    /// [`Error::Callback`](crate::Error::Callback): of kind [`CallbackErrorKind::Type`](crate::CallbackErrorKind::Type) if `ty`
    /// does not parse (the `CdefError` is the source); as
    /// [`Type::callbacks`](crate::Type::callbacks) and [`CallbackBuilder::untyped`].
    pub fn callback<'f, F>(&self, ty: &str, f: F) -> Result<Callback<'f>, crate::Error>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + Send + Sync + 'f,
    {
        Ok(self.callback_type(ty)?.callback(f)?)
    }

    /// A typed callback of type `ty` (see [`CallbackBuilder::typed`]).
    ///
    /// # Errors
    ///
    /// [`Error::Callback`](crate::Error::Callback): of kind [`CallbackErrorKind::Type`](crate::CallbackErrorKind::Type) if `ty`
    /// does not parse (the `CdefError` is the source); as
    /// [`Type::callbacks`](crate::Type::callbacks) and [`CallbackBuilder::typed`].
    pub fn callback_typed<'f, Args, R, F>(
        &self,
        ty: &str,
        f: F,
    ) -> Result<Callback<'f>, crate::Error>
    where
        F: TypedClosure<Args, R> + Send + Sync + 'f,
    {
        Ok(self.callback_type(ty)?.callback_typed(f)?)
    }

    /// The callback factory of the function pointer type named `ty`: [`Ffi::type_of`] and
    /// [`Type::callbacks`](crate::Type::callbacks) in one step, for setting options
    /// ([`CallbackBuilder::on_error`], [`CallbackBuilder::backend`]) or making thread-bound
    /// callbacks ([`CallbackBuilder::typed_local`]).
    ///
    /// # Errors
    ///
    /// [`Error::Callback`](crate::Error::Callback): of kind [`CallbackErrorKind::Type`](crate::CallbackErrorKind::Type) if `ty`
    /// does not parse (the `CdefError` is the source); as
    /// [`Type::callbacks`](crate::Type::callbacks).
    pub fn callbacks(&self, ty: &str) -> Result<CallbackBuilder, crate::Error> {
        Ok(self.callback_type(ty)?.callbacks()?)
    }

    fn callback_type(&self, ty: &str) -> Result<crate::Type, CallbackError> {
        self.cx
            .resolve(ty)
            .map(|(table, id)| crate::Type::new(&self.cx, table, id))
            .map_err(|e| CallbackError::bad_type(ty, e))
    }
}
