//! `TypeTable`: the arena of C types plus the named things a cdef declares.
//!
//! The table is append-only: a `TypeId` handed out stays valid, with the same meaning, in every
//! later version of the table. That is what lets `Ffi` keep a table behind an `Arc`, clone it for a
//! `cdef` (transactional: the clone is dropped on error) and publish the clone on success while
//! handles made from the old version keep working.
#![forbid(unsafe_code)]

use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use super::{CType, EnumType, FuncType, Prim, Quals, Record, RecordKind, TypeId, Typedef};

/// The value of a named constant: an enumerator or a `#define`.
#[derive(Clone, Debug, PartialEq)]
pub enum ConstValue {
    /// An integer constant and the C type it has.
    Int {
        /// The value (always representable in `ty`).
        value: i128,
        /// Its C type.
        ty: Prim,
    },
    /// A floating constant (`double` unless suffixed).
    Float {
        /// The value.
        value: f64,
        /// Its C type.
        ty: Prim,
    },
    /// A string literal (`#define NAME "text"`), without the terminating NUL.
    Str(Vec<u8>),
    /// An integer cast to a pointer type (`#define NULL ((void *)0)`).
    Pointer {
        /// The address.
        value: u64,
        /// The pointer type.
        ty: TypeId,
    },
}

/// A named constant.
#[derive(Clone, Debug, PartialEq)]
pub struct Constant {
    /// The name.
    pub name: String,
    /// The value.
    pub value: ConstValue,
    /// The enum the constant belongs to, `None` for a `#define`.
    pub enum_type: Option<TypeId>,
}

/// A declared function.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDecl {
    /// The C name.
    pub name: String,
    /// Its function type (`CType::Func`).
    pub ty: TypeId,
    /// Parameter names as declared (`None` where the declaration omits one).
    pub param_names: Vec<Option<String>>,
    /// The symbol to look up instead of `name` (`__asm__("name")`).
    pub asm_name: Option<String>,
}

impl FunctionDecl {
    /// The name to resolve in a shared library.
    pub fn symbol(&self) -> &str {
        self.asm_name.as_deref().unwrap_or(&self.name)
    }
}

/// A declared global variable (`extern int errno_like;`).
#[derive(Clone, Debug, PartialEq)]
pub struct GlobalDecl {
    /// The C name.
    pub name: String,
    /// Its type.
    pub ty: TypeId,
    /// The symbol to look up instead of `name` (`__asm__("name")`).
    pub asm_name: Option<String>,
}

impl GlobalDecl {
    /// The name to resolve in a shared library.
    pub fn symbol(&self) -> &str {
        self.asm_name.as_deref().unwrap_or(&self.name)
    }
}

/// A function-like macro of a real header (`#define deflateInit(strm, level) deflateInit_(…)`),
/// kept so that asking for it as a function can say what it is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FnMacro {
    /// The parameter list with its parentheses: `(strm, level)`.
    pub(crate) params: String,
    /// The replacement text.
    pub(crate) body: String,
    /// Where it is defined: `/usr/include/zlib.h:1797`.
    pub(crate) location: String,
}

/// Names in declaration order with O(1) lookup; removal leaves a tombstone.
///
/// During a transaction every change is journaled so [`TypeTable::rollback`] can undo it.
#[derive(Clone, Debug)]
pub(crate) struct NameMap<T> {
    items: Vec<Option<(String, T)>>,
    index: HashMap<String, usize>,
    journal: Option<NameJournal<T>>,
}

#[derive(Clone, Debug)]
struct NameJournal<T> {
    /// `items.len()` when the transaction began.
    len: usize,
    /// Overwritten or removed entries below `len`: `(position, old entry)`.
    saved: Vec<(usize, Option<(String, T)>)>,
}

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap {
            items: Vec::new(),
            index: HashMap::default(),
            journal: None,
        }
    }
}

impl<T: Clone> NameMap<T> {
    pub(crate) fn get(&self, name: &str) -> Option<&T> {
        self.index
            .get(name)
            .and_then(|&i| self.items[i].as_ref())
            .map(|(_, v)| v)
    }

    fn save(&mut self, i: usize) {
        if let Some(j) = &mut self.journal
            && i < j.len
            && !j.saved.iter().any(|(k, _)| *k == i)
        {
            j.saved.push((i, self.items[i].clone()));
        }
    }

    /// Inserts or replaces; a replaced entry keeps its position.
    pub(crate) fn insert(&mut self, name: String, value: T) {
        match self.index.get(&name) {
            Some(&i) => {
                self.save(i);
                self.items[i] = Some((name, value));
            }
            None => {
                self.index.insert(name.clone(), self.items.len());
                self.items.push(Some((name, value)));
            }
        }
    }

    pub(crate) fn remove(&mut self, name: &str) {
        if let Some(&i) = self.index.get(name) {
            self.save(i);
            self.index.remove(name);
            self.items[i] = None;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.items.iter().flatten().map(|(k, v)| (k.as_str(), v))
    }

    pub(crate) fn len(&self) -> usize {
        self.index.len()
    }

    fn begin(&mut self) {
        self.journal = Some(NameJournal {
            len: self.items.len(),
            saved: Vec::new(),
        });
    }

    fn commit(&mut self) {
        self.journal = None;
    }

    fn rollback(&mut self) {
        let Some(j) = self.journal.take() else { return };
        for entry in self.items.drain(j.len..).flatten() {
            self.index.remove(&entry.0);
        }
        for (i, old) in j.saved.into_iter().rev() {
            if let Some((name, _)) = &self.items[i] {
                self.index.remove(name);
            }
            if let Some((name, _)) = &old {
                self.index.insert(name.clone(), i);
            }
            self.items[i] = old;
        }
    }
}

/// Structural identity of derived types, for interning.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
enum InternKey {
    Pointer(TypeId),
    Array(TypeId, Option<u64>),
    Func(FuncType),
    Qualified(TypeId, Quals),
    Vector(TypeId, u64),
}

/// The arena of C types and the names declared into it.
///
/// Ids 0 (`void`) and 1.. (the primitives in [`Prim::ALL`] order) are fixed.
#[derive(Clone, Debug)]
pub struct TypeTable {
    types: Vec<CType>,
    interned: HashMap<InternKey, TypeId>,
    /// struct/union/enum tags share one namespace, as in C.
    tags: HashMap<String, TypeId>,
    pub(crate) typedefs: NameMap<TypeId>,
    pub(crate) functions: NameMap<FunctionDecl>,
    pub(crate) globals: NameMap<GlobalDecl>,
    pub(crate) constants: NameMap<Constant>,
    /// `#define NAME` without a value (visible to `#ifdef` in later cdefs).
    pub(crate) macro_flags: NameMap<()>,
    /// Function-like macros of headers read by `cdef_header` (never expanded).
    pub(crate) fn_macros: NameMap<FnMacro>,
    /// Builtin typedef names a later declaration may replace silently (a real header's
    /// `wchar_t` wins over jitffi's guess).
    pub(crate) weak_typedefs: FxHashSet<String>,
    /// Types with smaller ids are jitffi's builtins (`size_t`, `va_list`, …).
    builtin_count: usize,
    /// The undo log of the open transaction, if any.
    journal: Option<Box<Journal>>,
}

/// What a transaction changed outside the name maps, to undo it on rollback.
#[derive(Clone, Debug, Default)]
struct Journal {
    types_len: usize,
    /// Old values of types modified in place (forward declarations completed).
    edited: Vec<(TypeId, CType)>,
    interned: Vec<InternKey>,
    tags: Vec<(String, Option<TypeId>)>,
    weak_removed: Vec<String>,
}

impl Default for TypeTable {
    fn default() -> Self {
        Self::new()
    }
}

impl TypeTable {
    /// A table holding only `void` and the primitive types.
    pub fn new() -> TypeTable {
        let mut types = Vec::with_capacity(64);
        types.push(CType::Void);
        types.extend(Prim::ALL.iter().map(|&p| CType::Prim(p)));
        TypeTable {
            types,
            interned: HashMap::default(),
            tags: HashMap::default(),
            typedefs: NameMap::default(),
            functions: NameMap::default(),
            globals: NameMap::default(),
            constants: NameMap::default(),
            macro_flags: NameMap::default(),
            fn_macros: NameMap::default(),
            weak_typedefs: FxHashSet::default(),
            builtin_count: 0,
            journal: None,
        }
    }

    /// The number of types in the table (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// Never true: `void` and the primitives are always present.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The type behind an id.
    ///
    /// # Panics
    ///
    /// Panics if `id` does not come from this table (or an earlier version of it).
    pub fn get(&self, id: TypeId) -> &CType {
        &self.types[id.index()]
    }

    pub(crate) fn get_mut(&mut self, id: TypeId) -> &mut CType {
        if let Some(j) = &mut self.journal
            && id.index() < j.types_len
            && !j.edited.iter().any(|(e, _)| *e == id)
        {
            j.edited.push((id, self.types[id.index()].clone()));
        }
        &mut self.types[id.index()]
    }

    // -- Transactions --

    /// Starts recording changes so [`TypeTable::rollback`] can undo them.
    pub(crate) fn begin(&mut self) {
        self.journal = Some(Box::new(Journal {
            types_len: self.types.len(),
            ..Journal::default()
        }));
        self.typedefs.begin();
        self.functions.begin();
        self.globals.begin();
        self.constants.begin();
        self.macro_flags.begin();
        self.fn_macros.begin();
    }

    /// Keeps the changes made since [`TypeTable::begin`].
    pub(crate) fn commit(&mut self) {
        self.journal = None;
        self.typedefs.commit();
        self.functions.commit();
        self.globals.commit();
        self.constants.commit();
        self.macro_flags.commit();
        self.fn_macros.commit();
    }

    /// Undoes every change made since [`TypeTable::begin`].
    pub(crate) fn rollback(&mut self) {
        self.typedefs.rollback();
        self.functions.rollback();
        self.globals.rollback();
        self.constants.rollback();
        self.macro_flags.rollback();
        self.fn_macros.rollback();
        let Some(j) = self.journal.take() else { return };
        for key in &j.interned {
            self.interned.remove(key);
        }
        for (tag, old) in j.tags.into_iter().rev() {
            match old {
                Some(id) => self.tags.insert(tag, id),
                None => self.tags.remove(&tag),
            };
        }
        for (id, old) in j.edited.into_iter().rev() {
            self.types[id.index()] = old;
        }
        self.types.truncate(j.types_len);
        self.weak_typedefs.extend(j.weak_removed);
    }

    /// Stops treating a builtin typedef name as replaceable.
    pub(crate) fn unweaken(&mut self, name: &str) {
        if self.weak_typedefs.remove(name)
            && let Some(j) = &mut self.journal
        {
            j.weak_removed.push(name.to_string());
        }
    }

    /// All ids, in creation order.
    pub fn ids(&self) -> impl Iterator<Item = TypeId> + '_ {
        (0..self.types.len()).map(|i| TypeId(u32::try_from(i).unwrap_or(u32::MAX)))
    }

    fn push(&mut self, ty: CType) -> TypeId {
        // The table holds at most u32::MAX types; cdef's size limits keep it far below that.
        let id = TypeId(u32::try_from(self.types.len()).expect("type table overflow"));
        self.types.push(ty);
        id
    }

    fn intern(&mut self, key: InternKey, ty: CType) -> TypeId {
        if let Some(&id) = self.interned.get(&key) {
            return id;
        }
        let id = self.push(ty);
        if let Some(j) = &mut self.journal {
            j.interned.push(key.clone());
        }
        self.interned.insert(key, id);
        id
    }

    /// Marks every type declared so far as builtin (done once, after the builtin cdef).
    pub(crate) fn mark_builtin(&mut self) {
        self.builtin_count = self.types.len();
    }

    /// True for `void`, the primitives and jitffi's builtin declarations (`size_t`, `FILE`,
    /// `va_list`, …), which no user cdef declared.
    pub fn is_builtin(&self, id: TypeId) -> bool {
        id.index() < self.builtin_count.max(Prim::ALL.len() + 1)
    }

    // -- Constructors --

    /// `void`.
    pub fn void(&self) -> TypeId {
        TypeId(0)
    }

    /// The id of a primitive type.
    pub fn prim(&self, p: Prim) -> TypeId {
        let i = Prim::ALL.iter().position(|&q| q == p).unwrap_or(0);
        TypeId(u32::try_from(i + 1).unwrap_or(0))
    }

    /// A pointer to `to`.
    pub(crate) fn pointer(&mut self, to: TypeId) -> TypeId {
        self.intern(InternKey::Pointer(to), CType::Pointer(to))
    }

    /// The pointer type to `to`, if the table has it already (no change to the table).
    pub fn find_pointer(&self, to: TypeId) -> Option<TypeId> {
        self.interned.get(&InternKey::Pointer(to)).copied()
    }

    /// An array of `len` elements (`None`: `elem[]`). Qualifiers on `elem` stay on the element.
    pub(crate) fn array(&mut self, elem: TypeId, len: Option<u64>) -> TypeId {
        self.intern(InternKey::Array(elem, len), CType::Array { elem, len })
    }

    /// A GCC vector of `size` bytes of `elem` (validated by `cdef`).
    pub(crate) fn vector(&mut self, elem: TypeId, size: u64) -> TypeId {
        self.intern(InternKey::Vector(elem, size), CType::Vector { elem, size })
    }

    /// A function type.
    pub(crate) fn func(&mut self, f: FuncType) -> TypeId {
        self.intern(InternKey::Func(f.clone()), CType::Func(f))
    }

    /// `base` with qualifiers added. Qualifying an array qualifies its elements (C11 6.7.3p9);
    /// qualifiers on function types are dropped; empty qualifier sets return `base`.
    pub(crate) fn qualified(&mut self, base: TypeId, quals: Quals) -> TypeId {
        if quals.is_empty() {
            return base;
        }
        match self.get(base).clone() {
            CType::Qualified {
                base: inner,
                quals: q,
            } => self.qualified(inner, q.union(quals)),
            CType::Array { elem, len } => {
                let e = self.qualified(elem, quals);
                self.array(e, len)
            }
            CType::Func(_) => base,
            _ => self.intern(
                InternKey::Qualified(base, quals),
                CType::Qualified { base, quals },
            ),
        }
    }

    /// A new incomplete struct or union (nominal: every call makes a distinct type).
    pub(crate) fn new_record(&mut self, kind: RecordKind, tag: Option<String>) -> TypeId {
        self.push(CType::Record(Record {
            kind,
            tag,
            body: None,
        }))
    }

    /// A new incomplete enum (nominal).
    pub(crate) fn new_enum(&mut self, tag: Option<String>) -> TypeId {
        self.push(CType::Enum(EnumType { tag, body: None }))
    }

    /// A new typedef node (nominal). It is not bound to its name; see [`TypeTable::bind_typedef`].
    pub(crate) fn new_typedef(
        &mut self,
        name: String,
        target: TypeId,
        align: Option<u64>,
    ) -> TypeId {
        self.push(CType::Typedef(Typedef {
            name,
            target,
            align,
        }))
    }

    // -- Names --

    /// The struct/union/enum with this tag.
    pub fn tag(&self, tag: &str) -> Option<TypeId> {
        self.tags.get(tag).copied()
    }

    pub(crate) fn bind_tag(&mut self, tag: String, id: TypeId) {
        let old = self.tags.insert(tag.clone(), id);
        if let Some(j) = &mut self.journal {
            j.tags.push((tag, old));
        }
    }

    /// The typedef node with this name.
    pub fn typedef(&self, name: &str) -> Option<TypeId> {
        self.typedefs.get(name).copied()
    }

    pub(crate) fn bind_typedef(&mut self, name: String, id: TypeId) {
        self.typedefs.insert(name, id);
    }

    /// Typedef names in declaration order.
    pub fn typedef_names(&self) -> impl Iterator<Item = &str> {
        self.typedefs.iter().map(|(k, _)| k)
    }

    /// The number of typedef names.
    pub fn typedef_count(&self) -> usize {
        self.typedefs.len()
    }

    /// A declared function.
    pub fn function(&self, name: &str) -> Option<&FunctionDecl> {
        self.functions.get(name)
    }

    /// Declared functions in declaration order.
    pub fn functions(&self) -> impl Iterator<Item = &FunctionDecl> {
        self.functions.iter().map(|(_, v)| v)
    }

    /// A declared global variable.
    pub fn global(&self, name: &str) -> Option<&GlobalDecl> {
        self.globals.get(name)
    }

    /// Declared globals in declaration order.
    pub fn globals(&self) -> impl Iterator<Item = &GlobalDecl> {
        self.globals.iter().map(|(_, v)| v)
    }

    /// A named constant (enumerator or `#define`).
    pub fn constant(&self, name: &str) -> Option<&Constant> {
        self.constants.get(name)
    }

    /// What `name` is when it is a function-like macro of a header read by `cdef_header`: a
    /// sentence for messages, with the function to call instead when the macro expands to a
    /// call of a declared function (`'deflateInit_'`).
    pub(crate) fn describe_fn_macro(&self, name: &str) -> Option<String> {
        let m = self.fn_macros.get(name)?;
        let callee: String = m
            .body
            .trim_start_matches(['(', ' '])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let hint = if self.function(&callee).is_some() {
            format!("; call '{callee}', what it expands to")
        } else {
            String::new()
        };
        Some(format!(
            "a function-like macro in {} (`#define {name}{} {}`{hint})",
            m.location, m.params, m.body
        ))
    }

    /// Constants in declaration order.
    pub fn constants(&self) -> impl Iterator<Item = &Constant> {
        self.constants.iter().map(|(_, v)| v)
    }

    // -- Views --

    /// Follows typedefs and drops qualifiers (LuaJIT's `ctype_raw`).
    pub fn raw(&self, mut id: TypeId) -> TypeId {
        // Typedef and qualifier chains are finite: each link points to an older type.
        loop {
            match self.get(id) {
                CType::Typedef(t) => id = t.target,
                CType::Qualified { base, .. } => id = *base,
                _ => return id,
            }
        }
    }

    /// Follows typedefs only, collecting qualifiers on the way.
    pub fn strip_typedefs(&self, mut id: TypeId) -> (TypeId, Quals) {
        let mut quals = Quals::NONE;
        loop {
            match self.get(id) {
                CType::Typedef(t) => id = t.target,
                CType::Qualified { base, quals: q } => {
                    quals = quals.union(*q);
                    id = *base;
                }
                _ => return (id, quals),
            }
        }
    }

    /// The qualifiers directly on `id` (through typedefs).
    pub fn quals(&self, id: TypeId) -> Quals {
        self.strip_typedefs(id).1
    }

    /// The raw type behind `id`, by reference.
    pub fn raw_type(&self, id: TypeId) -> &CType {
        self.get(self.raw(id))
    }

    /// The primitive behind `id`, if it is one. Enums are not primitives.
    pub fn as_prim(&self, id: TypeId) -> Option<Prim> {
        match self.raw_type(id) {
            CType::Prim(p) => Some(*p),
            _ => None,
        }
    }

    /// The integer type that represents `id` as a value: primitives themselves, an enum's
    /// underlying type. `None` for other types and incomplete enums.
    pub fn as_integer(&self, id: TypeId) -> Option<Prim> {
        match self.raw_type(id) {
            CType::Prim(p) if p.is_integer() => Some(*p),
            CType::Enum(e) => e.body.as_ref().map(|b| b.underlying),
            _ => None,
        }
    }

    /// The record behind `id` (through typedefs and qualifiers).
    pub fn as_record(&self, id: TypeId) -> Option<&Record> {
        match self.raw_type(id) {
            CType::Record(r) => Some(r),
            _ => None,
        }
    }

    /// The function type behind `id` (through typedefs and qualifiers).
    pub fn as_func(&self, id: TypeId) -> Option<&FuncType> {
        match self.raw_type(id) {
            CType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The pointee of a pointer type (through typedefs and qualifiers).
    pub fn pointee(&self, id: TypeId) -> Option<TypeId> {
        match self.raw_type(id) {
            CType::Pointer(p) => Some(*p),
            _ => None,
        }
    }

    /// True for a struct/union without a body, an enum without enumerators, `void` and arrays
    /// of unknown length: types without a size.
    pub fn is_incomplete(&self, id: TypeId) -> bool {
        match self.raw_type(id) {
            CType::Void => true,
            CType::Record(r) => r.body.is_none(),
            CType::Enum(e) => e.body.is_none(),
            CType::Array { len: None, .. } => true,
            // `cdef` creates arrays of known length only over complete elements, and types
            // never become incomplete again; not walking the element chain keeps arrays of
            // many dimensions linear.
            CType::Array { .. } => false,
            _ => false,
        }
    }

    /// Looks up a member by name, searching anonymous members transparently. Returns the path
    /// of field indexes from `record` down to the member.
    pub fn find_field(&self, record: TypeId, name: &str) -> Option<Vec<usize>> {
        let body = self.as_record(record)?.body.as_ref()?;
        for (i, f) in body.fields.iter().enumerate() {
            match &f.name {
                Some(n) if n == name => return Some(vec![i]),
                None if self.as_record(f.ty).is_some() => {
                    if let Some(mut rest) = self.find_field(f.ty, name) {
                        rest.insert(0, i);
                        return Some(rest);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Structural equality, used to accept identical redefinitions: named records, enums and
    /// typedefs compare by identity, anonymous ones by content. `same` maps one type to another
    /// that must be considered equal to it (a record being redefined and its old definition).
    pub fn same_type(&self, a: TypeId, b: TypeId, same: Option<(TypeId, TypeId)>) -> bool {
        self.same_type_depth(a, b, same, 0)
    }

    fn same_type_depth(
        &self,
        a: TypeId,
        b: TypeId,
        same: Option<(TypeId, TypeId)>,
        depth: u32,
    ) -> bool {
        if a == b || same == Some((a, b)) || same == Some((b, a)) {
            return true;
        }
        if depth > 64 {
            return false;
        }
        let d = depth + 1;
        match (self.get(a), self.get(b)) {
            (CType::Pointer(x), CType::Pointer(y)) => self.same_type_depth(*x, *y, same, d),
            (CType::Array { elem: x, len: n }, CType::Array { elem: y, len: m }) => {
                n == m && self.same_type_depth(*x, *y, same, d)
            }
            (CType::Vector { elem: x, size: n }, CType::Vector { elem: y, size: m }) => {
                n == m && self.same_type_depth(*x, *y, same, d)
            }
            (CType::Qualified { base: x, quals: q }, CType::Qualified { base: y, quals: r }) => {
                q == r && self.same_type_depth(*x, *y, same, d)
            }
            (CType::Func(f), CType::Func(g)) => {
                f.variadic == g.variadic
                    && f.params.len() == g.params.len()
                    && self.same_type_depth(f.ret, g.ret, same, d)
                    && f.params
                        .iter()
                        .zip(&g.params)
                        .all(|(x, y)| self.same_type_depth(*x, *y, same, d))
            }
            (CType::Typedef(x), CType::Typedef(y)) => {
                x.name == y.name
                    && x.align == y.align
                    && self.same_type_depth(x.target, y.target, same, d)
            }
            (CType::Record(x), CType::Record(y)) if x.tag.is_none() && y.tag.is_none() => {
                x.kind == y.kind && self.same_record_body(x, y, same, d)
            }
            (CType::Enum(x), CType::Enum(y)) if x.tag.is_none() && y.tag.is_none() => {
                x.body == y.body
            }
            _ => false,
        }
    }

    /// Compares two record definitions member by member (layouts are implied by the members).
    pub fn same_record_body(
        &self,
        x: &Record,
        y: &Record,
        same: Option<(TypeId, TypeId)>,
        depth: u32,
    ) -> bool {
        match (&x.body, &y.body) {
            (None, None) => true,
            (Some(p), Some(q)) => {
                p.attrs == q.attrs
                    && p.fields.len() == q.fields.len()
                    && p.fields.iter().zip(&q.fields).all(|(f, g)| {
                        f.name == g.name
                            && f.bit_width == g.bit_width
                            && f.attrs == g.attrs
                            && self.same_type_depth(f.ty, g.ty, same, depth + 1)
                    })
            }
            _ => false,
        }
    }
}
