//! [`Type`]: the one handle on a C type of an [`Ffi`](crate::Ffi) context. Layout queries, C data
//! (allocation, member handles, compiled accessors) and callbacks all start from it, and what
//! each of them derives from the type (its layout, the view information of C data, the call
//! plan of a function pointer type) is computed on first use and kept in the handle, as CFFI
//! keeps its `get_cached_btype`.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::callback::{Callback, CallbackBuilder, CallbackError, TypedClosure};
use crate::cdata::{
    Accessor, CData, CDataError, CDataType, CompiledField, FieldType, Init, Member,
};
use crate::context::Context;
use crate::ctype::{CType, Field, TypeId, TypeTable};
use crate::layout::{self, Layout, LayoutError, PathError, PathTarget};
use crate::value::Value;

/// A C type of an [`Ffi`](crate::Ffi) context, made by [`Ffi::type_of`](crate::Ffi::type_of): `int`, `struct point`,
/// `double[4]`, `int (*)(const void *, const void *)`.
///
/// Cheap to clone (clones share one handle and its caches), `Send + Sync`. Displays as its C
/// spelling. What a handle derives from its type is computed once, on first use, and shared
/// by its clones: the layout ([`Type::layout`]), what C data views of it need
/// ([`Type::alloc`], [`Type::member`], [`Type::compiled`]) and, for a function pointer type,
/// the call plan of its callbacks ([`Type::callback`]). Keep the handle to keep that work.
///
/// # Examples
///
/// ```
/// use jitffi::{Ffi, Value};
///
/// let ffi = Ffi::new();
/// ffi.cdef("struct point { double x, y; };")?;
/// let point = ffi.type_of("struct point")?;
/// assert_eq!((point.size()?, point.align()?), (16, 8));
/// assert_eq!(point.resolve("y")?.offset, 8);
///
/// let p = point.alloc_values(&[Value::F64(3.0), Value::F64(4.0)])?;
/// let y = point.accessor::<f64>("y")?;
/// assert_eq!(y.get(&p)?, 4.0);
/// # Ok::<(), jitffi::Error>(())
/// ```
#[derive(Clone)]
pub struct Type(Arc<Inner>);

struct Inner {
    /// The table version the type was made in (append-only: it stays valid).
    table: Arc<TypeTable>,
    cx: Context,
    id: TypeId,
    layout: OnceLock<Result<Layout, LayoutError>>,
    data: OnceLock<CDataType>,
    callbacks: OnceLock<CallbackBuilder>,
}

impl Type {
    pub(crate) fn new(cx: &Context, table: Arc<TypeTable>, id: TypeId) -> Type {
        Type(Arc::new(Inner {
            table,
            cx: cx.clone(),
            id,
            layout: OnceLock::new(),
            data: OnceLock::new(),
            callbacks: OnceLock::new(),
        }))
    }

    /// The context the type belongs to.
    pub(crate) fn context(&self) -> &Context {
        &self.0.cx
    }

    /// The index of the type in its context's [`TypeTable`]: for introspection through
    /// [`Type::table`] and the `ctype` module (and for `StructValue`s), valid only in this
    /// context.
    pub fn id(&self) -> TypeId {
        self.0.id
    }

    /// The table (version) the type belongs to: the read-only model of every C type the
    /// context knows, for tools that walk declarations.
    pub fn table(&self) -> &TypeTable {
        &self.0.table
    }

    /// What kind of type this is (struct, pointer, typedef …), as the table models it.
    pub fn kind(&self) -> &CType {
        self.0.table.get(self.0.id)
    }

    /// The type with typedefs and qualifiers removed.
    pub fn raw(&self) -> Type {
        let raw = self.0.table.raw(self.0.id);
        if raw == self.0.id {
            return self.clone();
        }
        Type::new(&self.0.cx, self.0.table.clone(), raw)
    }

    /// `sizeof` and `_Alignof`, computed once.
    ///
    /// # Errors
    ///
    /// [`LayoutError`] for incomplete and function types.
    pub fn layout(&self) -> Result<Layout, LayoutError> {
        self.0
            .layout
            .get_or_init(|| layout::layout_of(&self.0.table, self.0.cx.target(), self.0.id))
            .clone()
    }

    /// `sizeof`.
    ///
    /// # Errors
    ///
    /// As [`Type::layout`].
    pub fn size(&self) -> Result<u64, LayoutError> {
        Ok(self.layout()?.size)
    }

    /// `_Alignof`.
    ///
    /// # Errors
    ///
    /// As [`Type::layout`].
    pub fn align(&self) -> Result<u64, LayoutError> {
        Ok(self.layout()?.align)
    }

    /// The members of a struct or union (through typedefs), in declaration order, with their
    /// offsets; `None` for other and incomplete types.
    pub fn fields(&self) -> Option<&[Field]> {
        self.0
            .table
            .as_record(self.0.id)?
            .body
            .as_ref()
            .map(|b| b.fields.as_slice())
    }

    /// Where a member path (`"a.b[3].c"`) leads: its type, byte offset and bit-field position.
    ///
    /// # Errors
    ///
    /// [`PathError`] naming the step that does not resolve.
    pub fn resolve(&self, path: &str) -> Result<PathTarget, PathError> {
        layout::resolve_path(&self.0.table, self.0.cx.target(), self.0.id, path)
    }

    /// The C declaration of `name` with this type (`char *argv[]`).
    pub fn declare(&self, name: &str) -> String {
        self.0.table.declare(self.0.id, name)
    }

    // --- C data -------------------------------------------------------------------------

    /// What C data views of this type need, made once.
    fn data(&self) -> &CDataType {
        self.0
            .data
            .get_or_init(|| CDataType::of(&self.0.cx, self.0.id))
    }

    /// A new zeroed object (or array, for an array type of known length) filled from `init`
    /// (CFFI's `ffi.new`), freed when its last view is dropped. For `T[]`, the length comes
    /// from the initializer (a list, values, or a string for `char[]`, whose NUL is
    /// counted).
    ///
    /// # Errors
    ///
    /// [`CDataError`] for incomplete types and values that do not convert or fit (see
    /// [`CData::set`]).
    pub fn alloc<'i>(&self, init: impl Into<Init<'i>>) -> Result<CData<'static>, CDataError> {
        self.data().alloc(init)
    }

    /// A value a call returned (a struct by value, a scalar) copied into a new object of this
    /// type, to read its members (`get("quot")`) or print it (`Debug` shows the contents:
    /// `div_t {quot: 3, rem: 2}`).
    ///
    /// # Errors
    ///
    /// [`CDataError`] if the value is not of this type (a struct of another type, a value
    /// that does not convert).
    ///
    /// # Examples
    ///
    /// ```
    /// use jitffi::{Ffi, Library, Value, args};
    ///
    /// let ffi = Ffi::new();
    /// ffi.cdef("typedef struct { int quot, rem; } div_t; div_t div(int, int);")?;
    /// let libc = ffi.bind(&Library::process());
    /// // SAFETY: the declaration matches the C library's `div`.
    /// let v = unsafe { libc.call("div", args![17, 5])? };
    /// let d = ffi.type_of("div_t")?.from_value(&v)?;
    /// assert_eq!(d.get("quot")?, Value::I32(3));
    /// assert_eq!(format!("{d:?}"), "div_t {quot: 3, rem: 2}");
    /// # Ok::<(), jitffi::Error>(())
    /// ```
    pub fn from_value(&self, v: &Value<'_>) -> Result<CData<'static>, CDataError> {
        self.data().alloc(Init::Value(v.clone()))
    }

    /// A new zeroed object: [`Type::alloc`] without an initializer.
    ///
    /// # Errors
    ///
    /// [`CDataError`] for incomplete types.
    pub fn alloc_zeroed(&self) -> Result<CData<'static>, CDataError> {
        self.data().alloc_zeroed()
    }

    /// A new zeroed array of `n` objects of this type (of its element type, for `T[]`).
    ///
    /// # Errors
    ///
    /// [`CDataError`] for incomplete types and sizes that overflow.
    pub fn alloc_array(&self, n: usize) -> Result<CData<'static>, CDataError> {
        self.data().alloc_array(n)
    }

    /// A new zeroed struct whose flexible array member has room for `n` elements; accesses
    /// to it are bounds-checked against `n`.
    ///
    /// # Errors
    ///
    /// [`CDataError`] for a type that is not a struct ending in a flexible array member.
    pub fn alloc_flex(&self, n: usize) -> Result<CData<'static>, CDataError> {
        self.data().alloc_flex(n)
    }

    /// [`Type::alloc`] with positional values, converted with the checks of calls, without
    /// building an [`Init`]: the allocation of hot loops.
    ///
    /// # Errors
    ///
    /// As [`Type::alloc`].
    #[inline(always)]
    pub fn alloc_values(&self, values: &[Value<'_>]) -> Result<CData<'static>, CDataError> {
        self.data().alloc_values(values)
    }

    /// An untyped handle on the member at `path` (`"a.b[2].c"`), resolved once: no name
    /// lookup on access.
    ///
    /// # Errors
    ///
    /// [`CDataError`] for a path that does not resolve.
    pub fn member(&self, path: &str) -> Result<Member, CDataError> {
        self.data().member(path)
    }

    /// A typed handle on the member at `path`, checked once against the member's C type: each
    /// access is a load or a store.
    ///
    /// # Errors
    ///
    /// As [`Type::member`], and a Rust type that is not the member's (`f64` for `double`,
    /// `i32` for `int` …).
    pub fn accessor<T: FieldType>(&self, path: &str) -> Result<Accessor<T>, CDataError> {
        self.data().accessor(path)
    }

    /// A getter, a setter and gather/scatter loops for the member at `path`, compiled by
    /// Cranelift (bit-fields and packed members included).
    ///
    /// # Errors
    ///
    /// As [`Type::accessor`]; [`CDataError`] of kind `Unsupported` if the JIT is not
    /// available on this machine.
    pub fn compiled<T: FieldType>(&self, path: &str) -> Result<CompiledField<T>, CDataError> {
        self.data().compiled(path)
    }

    // --- callbacks ----------------------------------------------------------------------

    /// The callback factory of a function or function pointer type, planned once: set the
    /// result returned on failure ([`CallbackBuilder::on_error`]) or the backend, or make
    /// callbacks bound to this thread ([`CallbackBuilder::untyped_local`]).
    ///
    /// # Errors
    ///
    /// [`CallbackError`] of kind `Unsupported` if the type is not a function type, is
    /// variadic, or has a parameter or result jitffi cannot pass.
    pub fn callbacks(&self) -> Result<CallbackBuilder, CallbackError> {
        Ok(self.planned()?.clone())
    }

    fn planned(&self) -> Result<&CallbackBuilder, CallbackError> {
        if let Some(b) = self.0.callbacks.get() {
            return Ok(b);
        }
        let b = CallbackBuilder::of(&self.0.cx, self.0.id)?;
        Ok(self.0.callbacks.get_or_init(|| b))
    }

    /// An untyped callback of this function pointer type: `f` gets the arguments as `Value`s
    /// and returns the result, converted with the checks of call arguments.
    ///
    /// # Errors
    ///
    /// As [`Type::callbacks`] and [`CallbackBuilder::untyped`].
    pub fn callback<'f, F>(&self, f: F) -> Result<Callback<'f>, CallbackError>
    where
        F: Fn(&[Value<'_>]) -> Value<'static> + Send + Sync + 'f,
    {
        self.planned()?.untyped(f)
    }

    /// A typed callback of this function pointer type: the closure's Rust types are checked
    /// once against the declaration, and C calls it with no conversion.
    ///
    /// # Errors
    ///
    /// As [`Type::callbacks`] and [`CallbackBuilder::typed`].
    pub fn callback_typed<'f, Args, R, F>(&self, f: F) -> Result<Callback<'f>, CallbackError>
    where
        F: TypedClosure<Args, R> + Send + Sync + 'f,
    {
        self.planned()?.typed(f)
    }
}

/// A struct value names its type by id: `StructValue::borrowed(&ty, bytes)`.
impl From<&Type> for TypeId {
    fn from(t: &Type) -> TypeId {
        t.0.id
    }
}

impl PartialEq for Type {
    /// The same type of the same context (typedef names count: `size_t` is not
    /// `unsigned long`; compare [`Type::raw`]s to see through them).
    fn eq(&self, other: &Type) -> bool {
        self.0.id == other.0.id && self.0.cx.identity() == other.0.cx.identity()
    }
}

impl Eq for Type {}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.table.display(self.0.id))
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Type('{}')", self.0.table.display(self.0.id))
    }
}
