//! Lowers the lang-c AST into the type table: declarators, specifiers, records, enums,
//! attributes, functions, globals and constants.
//!
//! One method per construct (a translator struct, as in cranelift-jit-demo). Errors carry the
//! byte offset of the culprit and are collected; a failed declaration is skipped and lowering
//! goes on, so one `cdef` call reports every problem it has. This is the only module besides
//! `cdef::parse` that sees `lang_c` types.
#![forbid(unsafe_code)]

use std::collections::{HashMap, HashSet};

use lang_c::ast::{
    self, AlignmentSpecifier, ArraySize, DeclarationSpecifier, Declarator, DeclaratorKind,
    DerivedDeclarator, Ellipsis, EnumType, Expression, Extension, ExternalDeclaration,
    FunctionDeclarator, SpecifierQualifier, StorageClassSpecifier, StructDeclaration, StructKind,
    StructType, TS18661FloatFormat, TypeName, TypeQualifier, TypeSpecifier,
};
use lang_c::span::Node;

use super::expr::{self, BinOp, CastTarget, Expr, Scope, TypeRef, UnOp, Val};
use super::pp::{MacroDef, MacroEvent, PpOutput};
use super::{CdefOptions, Mode};
use crate::ctype::{
    CType, ConstValue, Constant, EnumBody, Field, FieldAttrs, FuncType, FunctionDecl, GlobalDecl,
    Prim, Quals, RecordAttrs, RecordBody, RecordKind, TypeId, TypeTable,
};
use crate::layout::{self, Target};

/// An error at a byte offset of the parsed source.
pub(crate) type LErr = (usize, String);
type LResult<T> = Result<T, LErr>;

/// A GNU attribute, normalised (`__packed__` → `packed`).
#[derive(Clone, Debug)]
struct Attr {
    name: String,
    args: Vec<Expr>,
    offset: usize,
}

/// The declaration specifiers, sorted out.
struct Specs {
    ty: TypeId,
    storage: Option<StorageClassSpecifier>,
    /// Attributes for the declared entities (not for a struct defined in the specifiers).
    attrs: Vec<Attr>,
    /// `_Alignas` of the declaration, in bytes.
    align: Option<u64>,
    /// The specifiers define a struct/union/enum (so a declaration without declarators is fine).
    defines_tag: bool,
    /// The type is an anonymous struct/union (for transparent members).
    anonymous_record: bool,
}

/// The result of applying a declarator to a base type.
struct Declared {
    ty: TypeId,
    name: Option<(String, usize)>,
    attrs: Vec<Attr>,
    asm: Option<String>,
    /// Parameter names of the function declarator closest to the name.
    param_names: Option<Vec<Option<String>>>,
}

/// The lowering state for one `cdef` call (or one type name).
pub(crate) struct Lowerer<'a> {
    pub(crate) t: &'a mut TypeTable,
    pub(crate) target: &'a Target,
    pub(crate) opts: &'a CdefOptions,
    pub(crate) mode: Mode,
    /// Offset of the user text in the parsed source (after the prelude).
    pub(crate) base: usize,
    pub(crate) pp: &'a PpOutput,
    pub(crate) diags: Vec<LErr>,
    /// Macros of this cdef visible at the current declaration.
    macros: HashMap<String, MacroDef>,
    undefined: HashSet<String>,
    macro_cursor: usize,
    macro_cache: HashMap<String, Result<Expr, String>>,
    /// Values of macros, valid until the next `#define`/`#undef` (a value depends on the
    /// macros it mentions): without it, macros defined in terms of each other cost time
    /// exponential in their depth.
    value_cache: HashMap<String, Result<Val, String>>,
    expanding: Vec<String>,
    /// The offset of the declaration being lowered (in the parsed source).
    cur: usize,
    /// Typedef names whose definition failed (to avoid cascades of errors).
    poisoned: HashSet<String>,
    /// The name of the declaration being lowered, for messages recorded on the side.
    decl_name: Option<String>,
}

/// The largest array length accepted (sizes are checked again in `layout`).
const MAX_ARRAY_LEN: u64 = 1 << 48;

fn norm_attr(name: &str) -> String {
    name.trim_start_matches("__")
        .trim_end_matches("__")
        .to_string()
}

impl<'a> Lowerer<'a> {
    pub(crate) fn new(
        t: &'a mut TypeTable,
        target: &'a Target,
        opts: &'a CdefOptions,
        mode: Mode,
        base: usize,
        pp: &'a PpOutput,
    ) -> Self {
        Lowerer {
            t,
            target,
            opts,
            mode,
            base,
            pp,
            diags: Vec::new(),
            macros: HashMap::new(),
            undefined: HashSet::new(),
            macro_cursor: 0,
            macro_cache: HashMap::new(),
            value_cache: HashMap::new(),
            expanding: Vec::new(),
            cur: base,
            poisoned: HashSet::new(),
            decl_name: None,
        }
    }

    // -- Top level --

    /// Lowers every external declaration that starts in the user's text.
    pub(crate) fn unit(&mut self, unit: &ast::TranslationUnit) {
        for ext in &unit.0 {
            if ext.span.start < self.base {
                continue;
            }
            self.advance_macros(ext.span.start);
            self.cur = ext.span.start;
            let res = match &ext.node {
                ExternalDeclaration::Declaration(d) => self.declaration(d),
                ExternalDeclaration::StaticAssert(sa) => self.static_assert(sa),
                ExternalDeclaration::FunctionDefinition(fd) => self.function_definition(fd),
            };
            if let Err(e) = res {
                self.diags.push(e);
            }
        }
        self.advance_macros(usize::MAX);
    }

    /// Applies `#define`/`#undef` events that precede `offset`.
    fn advance_macros(&mut self, offset: usize) {
        while let Some(ev) = self.pp.macros.get(self.macro_cursor) {
            let at = match ev {
                MacroEvent::Define(d) => d.offset,
                MacroEvent::Undef { offset, .. } => *offset,
            };
            if at.saturating_add(self.base) >= offset {
                break;
            }
            match ev {
                MacroEvent::Define(d) => {
                    self.value_cache.clear();
                    self.undefined.remove(&d.name);
                    self.macro_cache.remove(&d.name);
                    self.macros.insert(d.name.clone(), d.clone());
                }
                MacroEvent::Undef { name, .. } => {
                    self.value_cache.clear();
                    self.macros.remove(name);
                    self.macro_cache.remove(name);
                    self.undefined.insert(name.clone());
                }
            }
            self.macro_cursor += 1;
        }
    }

    fn declaration(&mut self, d: &Node<ast::Declaration>) -> LResult<()> {
        let first_name = d
            .node
            .declarators
            .first()
            .and_then(|id| declarator_name(&id.node.declarator.node));
        let specs = self
            .decl_specifiers(&d.node.specifiers, d.span.start)
            .map_err(|(at, m)| match &first_name {
                Some(n)
                    if !m.is_empty()
                        && !m.starts_with("struct ")
                        && !m.starts_with("union ")
                        && !m.starts_with("enum ") =>
                {
                    (at, format!("{n}: {m}"))
                }
                _ => (at, m),
            })?;
        if d.node.declarators.is_empty() {
            if !specs.defines_tag
                && self.mode == Mode::Cdef
                && !matches!(self.t.get(specs.ty), CType::Record(_) | CType::Enum(_))
            {
                return Err((d.span.start, "declaration does not declare anything".into()));
            }
            return Ok(());
        }
        let mut first_err = None;
        for id in &d.node.declarators {
            let res = self.init_declarator(&specs, id);
            if let Err(e) = res {
                if first_err.is_none() {
                    first_err = Some(e);
                } else {
                    self.diags.push(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn init_declarator(&mut self, specs: &Specs, id: &Node<ast::InitDeclarator>) -> LResult<()> {
        let name = declarator_name(&id.node.declarator.node);
        let is_typedef = specs.storage == Some(StorageClassSpecifier::Typedef);
        let what = name.as_ref().map(|n| {
            if is_typedef {
                format!("typedef {n}")
            } else {
                n.clone()
            }
        });
        self.decl_name = what.clone();
        let res = self.init_declarator_inner(specs, id);
        self.decl_name = None;
        res.map_err(|(at, m)| match &what {
            // Errors already naming their context keep it.
            Some(w)
                if !m.is_empty()
                    && !m.starts_with(&format!("'{}'", name.as_deref().unwrap_or(""))) =>
            {
                (at, format!("{w}: {m}"))
            }
            _ => (at, m),
        })
    }

    fn init_declarator_inner(
        &mut self,
        specs: &Specs,
        id: &Node<ast::InitDeclarator>,
    ) -> LResult<()> {
        let decl = &id.node.declarator;
        let res = self.declarator(specs.ty, decl);
        let is_typedef = specs.storage == Some(StorageClassSpecifier::Typedef);
        let mut dd = match res {
            Ok(dd) => dd,
            Err(e) => {
                if is_typedef && let Some(n) = declarator_name(&decl.node) {
                    self.poisoned.insert(n);
                }
                return Err(e);
            }
        };
        let (name, name_at) = dd
            .name
            .clone()
            .ok_or((decl.span.start, "declaration needs a name".to_string()))?;
        let mut attrs = specs.attrs.clone();
        attrs.append(&mut dd.attrs);
        let is_func = matches!(self.t.get(self.t.raw(dd.ty)), CType::Func(_)) && !is_typedef;

        if is_typedef {
            if id.node.initializer.is_some() {
                return Err((id.span.start, "a typedef cannot be initialized".into()));
            }
            let res = self.typedef(&name, name_at, dd.ty, &attrs, specs.align);
            if res.is_err() {
                self.poisoned.insert(name.clone());
            }
            return res;
        }
        if specs.storage == Some(StorageClassSpecifier::Static) {
            if self.mode == Mode::Header && id.node.initializer.is_none() {
                return Ok(());
            }
            if !is_func {
                return self.static_const(&name, name_at, dd.ty, id);
            }
            if self.mode == Mode::Header {
                return Ok(());
            }
        }
        if id.node.initializer.is_some() {
            if self.mode == Mode::Header {
                return Ok(());
            }
            return Err((
                id.span.start,
                "initializers are only supported for 'static const' integer constants".into(),
            ));
        }
        if is_func {
            let f = FunctionDecl {
                name: name.clone(),
                ty: self.t.raw(dd.ty),
                param_names: dd.param_names.unwrap_or_default(),
                asm_name: dd.asm,
            };
            self.function(f, name_at)
        } else {
            if self.t.is_incomplete(dd.ty) && !matches!(self.t.raw_type(dd.ty), CType::Array { .. })
            {
                if self.mode == Mode::Header {
                    return Ok(());
                }
                return Err((
                    name_at,
                    format!("variable has incomplete type '{}'", self.t.display(dd.ty)),
                ));
            }
            let g = GlobalDecl {
                name: name.clone(),
                ty: dd.ty,
                asm_name: dd.asm,
            };
            self.global(g, name_at)
        }
    }

    /// `static const int NAME = expr;`: a named integer constant.
    fn static_const(
        &mut self,
        name: &str,
        at: usize,
        ty: TypeId,
        id: &Node<ast::InitDeclarator>,
    ) -> LResult<()> {
        let init = match &id.node.initializer {
            Some(Node {
                node: ast::Initializer::Expression(e),
                ..
            }) => e,
            _ => {
                return Err((at, "'static' variable needs a constant initializer (only 'static const' integer constants are supported)".into()));
            }
        };
        let p = self.t.as_integer(ty).ok_or_else(|| {
            (
                at,
                format!(
                    "static constant must have an integer type, not '{}'",
                    self.t.display(ty)
                ),
            )
        })?;
        let v = self.eval_int(init, "initializer")?;
        let v = expr::wrap(v, p, self.target.char_signed);
        self.constant(
            Constant {
                name: name.into(),
                value: ConstValue::Int { value: v, ty: p },
                enum_type: None,
            },
            at,
        )
    }

    fn function_definition(&mut self, fd: &Node<ast::FunctionDefinition>) -> LResult<()> {
        let specs = self.decl_specifiers(&fd.node.specifiers, fd.span.start)?;
        if specs.storage == Some(StorageClassSpecifier::Static) {
            return Ok(());
        }
        let dd = self.declarator(specs.ty, &fd.node.declarator)?;
        let Some((name, at)) = dd.name else {
            return Ok(());
        };
        let f = FunctionDecl {
            name,
            ty: self.t.raw(dd.ty),
            param_names: dd.param_names.unwrap_or_default(),
            asm_name: dd.asm,
        };
        if self.t.as_func(f.ty).is_none() {
            return Ok(());
        }
        self.function(f, at)
    }

    fn static_assert(&mut self, sa: &Node<ast::StaticAssert>) -> LResult<()> {
        let v = self.eval_int(&sa.node.expression, "_Static_assert")?;
        if v == 0 {
            let msg = expr::string_literal(&sa.node.message.node).unwrap_or_default();
            return Err((
                sa.span.start,
                format!(
                    "static assertion failed: \"{}\"",
                    String::from_utf8_lossy(&msg)
                ),
            ));
        }
        Ok(())
    }

    // -- Names --

    /// Checks that `name` is free in C's ordinary namespace for an entity of kind `kind`.
    fn check_ordinary(&self, name: &str, at: usize, kind: &str) -> LResult<()> {
        let existing = if self.t.typedef(name).is_some() && kind != "typedef" {
            Some("a typedef")
        } else if self.t.function(name).is_some() && kind != "function" {
            Some("a function")
        } else if self.t.global(name).is_some() && kind != "variable" {
            Some("a variable")
        } else if self.t.constant(name).is_some() && kind != "constant" {
            Some("a constant")
        } else {
            None
        };
        match existing {
            Some(what) if !self.t.weak_typedefs.contains(name) => Err((
                at,
                format!("'{name}' redeclared as a {kind}; it is already declared as {what}"),
            )),
            _ => Ok(()),
        }
    }

    fn redefinition(&self, at: usize, what: &str, old: &str, new: &str) -> LErr {
        (
            at,
            format!(
                "conflicting redefinition of {what}: was '{old}', now '{new}' (pass `CdefOptions {{ allow_redefinition: true, .. }}` to replace it)"
            ),
        )
    }

    fn typedef(
        &mut self,
        name: &str,
        at: usize,
        ty: TypeId,
        attrs: &[Attr],
        align: Option<u64>,
    ) -> LResult<()> {
        let mut ty = ty;
        let mut td_align = align;
        for a in attrs {
            match a.name.as_str() {
                "aligned" => td_align = Some(self.attr_align(a)?),
                "mode" => ty = self.apply_mode(ty, a)?,
                "vector_size" | "ext_vector_type" => {
                    return Err((a.offset, "vector types are not supported".into()));
                }
                _ => {}
            }
        }
        if let Some(old) = self.t.typedef(name) {
            let same = match self.t.get(old) {
                CType::Typedef(td) => td.align == td_align && self.t.same_type(td.target, ty, None),
                _ => false,
            };
            if same {
                return Ok(());
            }
            let weak = self.t.weak_typedefs.contains(name);
            if !weak && !self.opts.allow_redefinition {
                let old_target = match self.t.get(old) {
                    CType::Typedef(td) => td.target,
                    _ => old,
                };
                return Err(self.redefinition(
                    at,
                    &format!("typedef '{name}'"),
                    &self.t.display(old_target),
                    &self.t.display(ty),
                ));
            }
        } else {
            self.check_ordinary(name, at, "typedef")?;
        }
        self.t.unweaken(name);
        let id = self.t.new_typedef(name.to_string(), ty, td_align);
        self.t.bind_typedef(name.to_string(), id);
        Ok(())
    }

    fn function(&mut self, f: FunctionDecl, at: usize) -> LResult<()> {
        if let Some(old) = self.t.function(&f.name) {
            if self.t.same_type(old.ty, f.ty, None) {
                // A redeclaration may add an asm label (glibc's `fscanf` → `__isoc99_fscanf`);
                // the latest label wins, as in gcc.
                if f.asm_name.is_some() && old.asm_name != f.asm_name {
                    let mut updated = old.clone();
                    updated.asm_name = f.asm_name;
                    self.t.functions.insert(updated.name.clone(), updated);
                }
                return Ok(());
            }
            if !self.opts.allow_redefinition {
                let what = format!("function '{}'", f.name);
                return Err(self.redefinition(
                    at,
                    &what,
                    &self.t.declare(old.ty, &f.name),
                    &self.t.declare(f.ty, &f.name),
                ));
            }
        } else {
            self.check_ordinary(&f.name, at, "function")?;
        }
        self.t.functions.insert(f.name.clone(), f);
        Ok(())
    }

    fn global(&mut self, g: GlobalDecl, at: usize) -> LResult<()> {
        if let Some(old) = self.t.global(&g.name) {
            if self.t.same_type(old.ty, g.ty, None) {
                return Ok(());
            }
            // `extern int a[];` followed by `int a[10];` completes the array.
            let completes = match (self.t.raw_type(old.ty), self.t.raw_type(g.ty)) {
                (
                    CType::Array {
                        elem: e1,
                        len: None,
                    },
                    CType::Array { elem: e2, .. },
                ) => self.t.same_type(*e1, *e2, None),
                _ => false,
            };
            if !completes && !self.opts.allow_redefinition {
                let what = format!("variable '{}'", g.name);
                return Err(self.redefinition(
                    at,
                    &what,
                    &self.t.display(old.ty),
                    &self.t.display(g.ty),
                ));
            }
        } else {
            self.check_ordinary(&g.name, at, "variable")?;
        }
        self.t.globals.insert(g.name.clone(), g);
        Ok(())
    }

    fn constant(&mut self, c: Constant, at: usize) -> LResult<()> {
        if let Some(old) = self.t.constant(&c.name) {
            if old.value == c.value {
                // Keep the old entry (it may record the enum it came from).
                return Ok(());
            }
            if !self.opts.allow_redefinition {
                let what = format!("constant '{}'", c.name);
                return Err(self.redefinition(
                    at,
                    &what,
                    &const_text(&old.value),
                    &const_text(&c.value),
                ));
            }
        } else {
            self.check_ordinary(&c.name, at, "constant")?;
        }
        self.t.constants.insert(c.name.clone(), c);
        Ok(())
    }

    // -- Specifiers --

    fn decl_specifiers(
        &mut self,
        specs: &[Node<DeclarationSpecifier>],
        at: usize,
    ) -> LResult<Specs> {
        let mut items: Vec<SpecItem<'_>> = Vec::with_capacity(specs.len());
        let mut storage = None;
        for s in specs {
            match &s.node {
                DeclarationSpecifier::StorageClass(sc) => {
                    if storage.is_some() && sc.node != StorageClassSpecifier::ThreadLocal {
                        return Err((
                            sc.span.start,
                            "multiple storage classes in one declaration".into(),
                        ));
                    }
                    if sc.node != StorageClassSpecifier::ThreadLocal {
                        storage = Some(sc.node.clone());
                    }
                }
                DeclarationSpecifier::TypeSpecifier(ts) => items.push(SpecItem::Type(ts)),
                DeclarationSpecifier::TypeQualifier(q) => items.push(SpecItem::Qual(q)),
                DeclarationSpecifier::Function(_) => {}
                DeclarationSpecifier::Alignment(a) => items.push(SpecItem::Align(a)),
                DeclarationSpecifier::Extension(e) => items.push(SpecItem::Ext(e)),
            }
        }
        let mut s = self.specifiers(&items, at)?;
        s.storage = storage;
        Ok(s)
    }

    fn field_specifiers(
        &mut self,
        specs: &[Node<SpecifierQualifier>],
        at: usize,
    ) -> LResult<Specs> {
        let items: Vec<SpecItem<'_>> = specs
            .iter()
            .map(|s| match &s.node {
                SpecifierQualifier::TypeSpecifier(ts) => SpecItem::Type(ts),
                SpecifierQualifier::TypeQualifier(q) => SpecItem::Qual(q),
                SpecifierQualifier::Extension(e) => SpecItem::Ext(e),
            })
            .collect();
        self.specifiers(&items, at)
    }

    fn specifiers(&mut self, items: &[SpecItem<'_>], at: usize) -> LResult<Specs> {
        let mut words: Vec<(&'static str, usize)> = Vec::new();
        let mut named: Option<(TypeId, usize)> = None;
        let mut quals = Quals::NONE;
        let mut attrs = Vec::new();
        let mut align = None;
        let mut defines_tag = false;
        let mut anonymous_record = false;
        for (idx, item) in items.iter().enumerate() {
            match item {
                SpecItem::Qual(q) => match q.node {
                    TypeQualifier::Const => quals = quals.union(Quals::CONST),
                    TypeQualifier::Volatile => quals = quals.union(Quals::VOLATILE),
                    TypeQualifier::Restrict => quals = quals.union(Quals::RESTRICT),
                    TypeQualifier::Atomic => {
                        return Err((q.span.start, "_Atomic types are not supported".into()));
                    }
                    _ => {}
                },
                SpecItem::Align(a) => {
                    let v = self.alignas(a)?;
                    align = Some(align.map_or(v, |x: u64| x.max(v)));
                }
                SpecItem::Ext(exts) => {
                    let (mut a, _) = self.extensions(exts)?;
                    attrs.append(&mut a);
                }
                SpecItem::Type(ts) => {
                    let start = ts.span.start;
                    let word = match &ts.node {
                        TypeSpecifier::Void => "void",
                        TypeSpecifier::Char => "char",
                        TypeSpecifier::Short => "short",
                        TypeSpecifier::Int => "int",
                        TypeSpecifier::Long => "long",
                        TypeSpecifier::Float => "float",
                        TypeSpecifier::Double => "double",
                        TypeSpecifier::Signed => "signed",
                        TypeSpecifier::Unsigned => "unsigned",
                        TypeSpecifier::Bool => "_Bool",
                        TypeSpecifier::Complex => "_Complex",
                        TypeSpecifier::Atomic(_) => {
                            return Err((start, "_Atomic types are not supported".into()));
                        }
                        TypeSpecifier::Struct(st) => {
                            let trailing = self.trailing_attrs(&items[idx + 1..])?;
                            let id = self.record(st, &trailing)?;
                            if st.node.declarations.is_some() {
                                defines_tag = true;
                                anonymous_record = st.node.identifier.is_none();
                            } else if st.node.identifier.is_some() {
                                defines_tag = true;
                            }
                            self.set_named(&mut named, id, start)?;
                            continue;
                        }
                        TypeSpecifier::Enum(et) => {
                            let trailing = self.trailing_attrs(&items[idx + 1..])?;
                            let id = self.enumeration(et, &trailing)?;
                            defines_tag = true;
                            self.set_named(&mut named, id, start)?;
                            continue;
                        }
                        TypeSpecifier::TypedefName(ident) => {
                            let id = self.typedef_name(&ident.node.name, start)?;
                            self.set_named(&mut named, id, start)?;
                            continue;
                        }
                        TypeSpecifier::TypeOf(to) => {
                            let id = match &to.node {
                                ast::TypeOf::Type(tn) => self.type_name(tn)?,
                                ast::TypeOf::Expression(e) => self.typeof_expr(e)?,
                            };
                            self.set_named(&mut named, id, start)?;
                            continue;
                        }
                        TypeSpecifier::TS18661Float(f) => {
                            let p = match (&f.format, f.width) {
                                (TS18661FloatFormat::BinaryInterchange, 32) => Prim::Float,
                                (TS18661FloatFormat::BinaryInterchange, 64) => Prim::Double,
                                (TS18661FloatFormat::BinaryExtended, 32) => Prim::Double,
                                (TS18661FloatFormat::BinaryInterchange, 128) => Prim::Float128,
                                (TS18661FloatFormat::BinaryExtended, 64) => Prim::LongDouble,
                                _ => {
                                    return Err((
                                        start,
                                        format!("floating type _Float{} is not supported", f.width),
                                    ));
                                }
                            };
                            let id = self.t.prim(p);
                            self.set_named(&mut named, id, start)?;
                            continue;
                        }
                    };
                    words.push((word, start));
                }
            }
        }
        let ty = match (named, words.is_empty()) {
            (Some((id, _)), true) => id,
            (Some((_, _)), false) => {
                let culprit = words.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
                return Err((
                    words[0].1,
                    format!("'{culprit}' cannot be combined with a type name"),
                ));
            }
            (None, _) => self.base_type(&words, at)?,
        };
        // Attributes that followed a struct/enum definition were consumed by it; what remains
        // applies to the declared entities.
        let decl_attrs = if defines_tag {
            let mut seen_def = false;
            let mut out = Vec::new();
            for item in items {
                match item {
                    SpecItem::Type(ts)
                        if matches!(ts.node, TypeSpecifier::Struct(_) | TypeSpecifier::Enum(_)) =>
                    {
                        seen_def = true;
                    }
                    SpecItem::Ext(exts) if !seen_def => out.append(&mut self.extensions(exts)?.0),
                    _ => {}
                }
            }
            out
        } else {
            attrs
        };
        let ty = self.t.qualified(ty, quals);
        Ok(Specs {
            ty,
            storage: None,
            attrs: decl_attrs,
            align,
            defines_tag,
            anonymous_record,
        })
    }

    fn set_named(&self, named: &mut Option<(TypeId, usize)>, id: TypeId, at: usize) -> LResult<()> {
        if named.is_some() {
            return Err((
                at,
                "two or more data types in declaration specifiers".into(),
            ));
        }
        *named = Some((id, at));
        Ok(())
    }

    /// Attributes among the specifiers that follow a struct/enum specifier.
    fn trailing_attrs(&mut self, rest: &[SpecItem<'_>]) -> LResult<Vec<Attr>> {
        let mut out = Vec::new();
        for item in rest {
            if let SpecItem::Ext(exts) = item {
                out.append(&mut self.extensions(exts)?.0);
            }
        }
        Ok(out)
    }

    /// Maps the multiset of base type keywords to a primitive (C11 6.7.2p2).
    fn base_type(&mut self, words: &[(&'static str, usize)], at: usize) -> LResult<TypeId> {
        let count = |w: &str| words.iter().filter(|x| x.0 == w).count();
        let at = words.first().map_or(at, |w| w.1);
        let (longs, shorts) = (count("long"), count("short"));
        let (signed, unsigned) = (count("signed"), count("unsigned"));
        let (chars, ints, floats, doubles) =
            (count("char"), count("int"), count("float"), count("double"));
        let (bools, voids, complexes) = (count("_Bool"), count("void"), count("_Complex"));
        let spelled = words.iter().map(|w| w.0).collect::<Vec<_>>().join(" ");
        let bad = || {
            (
                at,
                format!("invalid combination of type specifiers '{spelled}'"),
            )
        };
        if words.is_empty() {
            return Err((
                at,
                "missing type specifier (implicit int is not supported)".into(),
            ));
        }
        if signed + unsigned > 1
            || longs > 2
            || shorts > 1
            || chars > 1
            || ints > 1
            || complexes > 1
        {
            return Err(bad());
        }
        let sign = signed + unsigned > 0;
        let p = if voids > 0 {
            if words.len() > 1 {
                return Err(bad());
            }
            return Ok(self.t.void());
        } else if bools > 0 {
            if words.len() > 1 {
                return Err(bad());
            }
            Prim::Bool
        } else if floats > 0 || doubles > 0 || (complexes > 0 && words.len() == 1) {
            if sign || shorts > 0 || chars > 0 || ints > 0 || floats + doubles > 1 {
                return Err(bad());
            }
            let c = complexes > 0;
            match (floats > 0, longs) {
                (true, 0) => {
                    if c {
                        Prim::FloatComplex
                    } else {
                        Prim::Float
                    }
                }
                (false, 0) => {
                    if c {
                        Prim::DoubleComplex
                    } else {
                        Prim::Double
                    }
                }
                (false, 1) => {
                    if c {
                        Prim::LongDoubleComplex
                    } else {
                        Prim::LongDouble
                    }
                }
                _ => return Err(bad()),
            }
        } else if complexes > 0 {
            return Err((
                at,
                format!("complex integer types are not supported ('{spelled}')"),
            ));
        } else if chars > 0 {
            if shorts > 0 || longs > 0 || ints > 0 {
                return Err(bad());
            }
            if signed > 0 {
                Prim::SChar
            } else if unsigned > 0 {
                Prim::UChar
            } else {
                Prim::Char
            }
        } else if shorts > 0 {
            if longs > 0 {
                return Err(bad());
            }
            if unsigned > 0 {
                Prim::UShort
            } else {
                Prim::Short
            }
        } else if longs == 2 {
            if unsigned > 0 {
                Prim::ULongLong
            } else {
                Prim::LongLong
            }
        } else if longs == 1 {
            if unsigned > 0 {
                Prim::ULong
            } else {
                Prim::Long
            }
        } else if unsigned > 0 {
            Prim::UInt
        } else {
            Prim::Int
        };
        Ok(self.t.prim(p))
    }

    fn typedef_name(&mut self, name: &str, at: usize) -> LResult<TypeId> {
        match name {
            "__int128" => return Ok(self.t.prim(Prim::Int128)),
            "__jfu128" => return Ok(self.t.prim(Prim::UInt128)),
            _ => {}
        }
        if self.poisoned.contains(name) {
            return Err((at, String::new()));
        }
        self.t
            .typedef(name)
            .ok_or_else(|| (at, format!("unknown type name '{name}'")))
    }

    fn typeof_expr(&mut self, e: &Node<Expression>) -> LResult<TypeId> {
        if let Expression::Identifier(id) = &e.node {
            let n = &id.node.name;
            if let Some(g) = self.t.global(n) {
                return Ok(g.ty);
            }
            if let Some(f) = self.t.function(n) {
                return Ok(f.ty);
            }
        }
        let v = self.eval(e)?;
        Ok(match v {
            Val::Int(_, p) | Val::Float(_, p) => self.t.prim(p),
            Val::Str(s) => {
                let c = self.t.prim(Prim::Char);
                self.t.array(c, Some(s.len() as u64 + 1))
            }
            Val::Ptr(_, ty) => ty,
        })
    }

    fn alignas(&mut self, a: &Node<AlignmentSpecifier>) -> LResult<u64> {
        match &a.node {
            AlignmentSpecifier::Type(tn) => {
                let ty = self.type_name(tn)?;
                let l = layout::layout_of(self.t, self.target, ty)
                    .map_err(|e| (a.span.start, e.to_string()))?;
                Ok(l.align)
            }
            AlignmentSpecifier::Constant(e) => {
                let v = self.eval_int(e, "_Alignas")?;
                check_align(v).map_err(|m| (a.span.start, format!("_Alignas: {m}")))
            }
        }
    }

    /// `_Alignas` blanked out by the preprocessor within `[from, to)` of the parsed source.
    fn alignas_in(
        &mut self,
        from: usize,
        to: usize,
        exclude: &[(usize, usize)],
    ) -> LResult<Option<u64>> {
        let mut out = None;
        let base = self.base;
        let texts: Vec<(usize, String)> = self
            .pp
            .alignas
            .iter()
            .filter(|(o, _)| {
                let at = o + base;
                at >= from && at < to && !exclude.iter().any(|&(a, b)| at >= a && at < b)
            })
            .cloned()
            .collect();
        for (o, text) in texts {
            let at = o + self.base;
            let looks_like_type = self.text_starts_type(&text);
            let v = if looks_like_type {
                let ty = self
                    .type_from_text(&text)
                    .map_err(|m| (at, format!("_Alignas: {m}")))?;
                layout::layout_of(self.t, self.target, ty)
                    .map_err(|e| (at, e.to_string()))?
                    .align
            } else {
                let e = self
                    .parse_text_expr(&text)
                    .map_err(|m| (at, format!("_Alignas: {m}")))?;
                let v = expr::eval(&e, self, 0)
                    .and_then(|v| v.as_int())
                    .map_err(|m| (at, format!("_Alignas: {m}")))?;
                check_align(v).map_err(|m| (at, format!("_Alignas: {m}")))?
            };
            out = Some(out.map_or(v, |x: u64| x.max(v)));
        }
        Ok(out)
    }

    fn text_starts_type(&self, text: &str) -> bool {
        let first = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty());
        first.is_some_and(|w| {
            matches!(
                w,
                "void"
                    | "char"
                    | "short"
                    | "int"
                    | "long"
                    | "float"
                    | "double"
                    | "signed"
                    | "unsigned"
                    | "_Bool"
                    | "struct"
                    | "union"
                    | "enum"
                    | "const"
                    | "volatile"
                    | "_Complex"
                    | "__int128"
            ) || self.t.typedef(w).is_some()
        })
    }

    /// GNU attributes and asm labels from an extension list.
    fn extensions(&mut self, exts: &[Node<Extension>]) -> LResult<(Vec<Attr>, Option<String>)> {
        let mut attrs = Vec::new();
        let mut asm = None;
        for e in exts {
            match &e.node {
                Extension::Attribute(a) => {
                    let mut args = Vec::new();
                    for arg in &a.arguments {
                        args.push(self.convert(arg, 0)?);
                    }
                    attrs.push(Attr {
                        name: norm_attr(&a.name.node),
                        args,
                        offset: e.span.start,
                    });
                }
                Extension::AsmLabel(s) => {
                    let bytes = expr::string_literal(&s.node).map_err(|m| (s.span.start, m))?;
                    asm = Some(String::from_utf8_lossy(&bytes).into_owned());
                }
                Extension::AvailabilityAttribute(_) => {}
            }
        }
        Ok((attrs, asm))
    }

    /// Attributes the preprocessor lifted from between `struct`/`union`/`enum` and the tag.
    fn keyword_attrs(&mut self, keyword_at: usize) -> LResult<Vec<Attr>> {
        let texts: Vec<String> = self
            .pp
            .keyword_attrs
            .iter()
            .filter(|(o, _)| o + self.base == keyword_at)
            .map(|(_, t)| t.clone())
            .collect();
        let mut out = Vec::new();
        for text in texts {
            for item in split_top_level(&text) {
                let item = item.trim();
                if item.is_empty() {
                    continue;
                }
                let (name, args) = match item.find('(') {
                    Some(p) => (
                        &item[..p],
                        Some(item[p + 1..].trim_end().trim_end_matches(')')),
                    ),
                    None => (item, None),
                };
                let mut parsed = Vec::new();
                if let Some(args) = args {
                    for a in split_top_level(args) {
                        if a.trim().is_empty() {
                            continue;
                        }
                        parsed.push(
                            self.parse_text_expr(a)
                                .map_err(|m| (keyword_at, format!("attribute '{name}': {m}")))?,
                        );
                    }
                }
                out.push(Attr {
                    name: norm_attr(name.trim()),
                    args: parsed,
                    offset: keyword_at,
                });
            }
        }
        Ok(out)
    }

    fn attr_align(&mut self, a: &Attr) -> LResult<u64> {
        match a.args.first() {
            None => Ok(self.target.biggest_align),
            Some(e) => {
                let v = expr::eval(e, self, 0)
                    .and_then(|v| v.as_int())
                    .map_err(|m| (a.offset, format!("aligned: {m}")))?;
                check_align(v).map_err(|m| (a.offset, format!("aligned: {m}")))
            }
        }
    }

    /// `__attribute__((mode(QI|HI|SI|DI|TI|word|pointer|byte|SF|DF|XF|TF)))`.
    fn apply_mode(&mut self, ty: TypeId, a: &Attr) -> LResult<TypeId> {
        let mode = match a.args.first() {
            Some(Expr::Ident(m)) => m
                .trim_start_matches("__")
                .trim_end_matches("__")
                .to_string(),
            _ => return Err((a.offset, "mode attribute needs a machine mode name".into())),
        };
        let p = self.t.as_integer(ty).or_else(|| self.t.as_prim(ty));
        let Some(p) = p else {
            return Err((
                a.offset,
                format!(
                    "mode attribute applied to non-scalar type '{}'",
                    self.t.display(ty)
                ),
            ));
        };
        let signed = p.is_signed(self.target.char_signed);
        let np = match (mode.as_str(), signed) {
            ("QI" | "byte", true) => Prim::SChar,
            ("QI" | "byte", false) => Prim::UChar,
            ("HI", true) => Prim::Short,
            ("HI", false) => Prim::UShort,
            ("SI", true) => Prim::Int,
            ("SI", false) => Prim::UInt,
            ("DI" | "word" | "pointer", true) => Prim::Long,
            ("DI" | "word" | "pointer", false) => Prim::ULong,
            ("TI", true) => Prim::Int128,
            ("TI", false) => Prim::UInt128,
            ("SF", _) => Prim::Float,
            ("DF", _) => Prim::Double,
            ("XF", _) => Prim::LongDouble,
            ("TF", _) => Prim::Float128,
            _ => return Err((a.offset, format!("unsupported machine mode '{mode}'"))),
        };
        let quals = self.t.quals(ty);
        let id = self.t.prim(np);
        Ok(self.t.qualified(id, quals))
    }

    // -- Declarators --

    fn declarator(&mut self, base: TypeId, d: &Node<Declarator>) -> LResult<Declared> {
        let mut ty = base;
        let mut param_names = None;
        for dd in &d.node.derived {
            if let DerivedDeclarator::Pointer(quals) = &dd.node {
                ty = self.t.pointer(ty);
                let mut q = Quals::NONE;
                for pq in quals {
                    if let ast::PointerQualifier::TypeQualifier(tq) = &pq.node {
                        match tq.node {
                            TypeQualifier::Const => q = q.union(Quals::CONST),
                            TypeQualifier::Volatile => q = q.union(Quals::VOLATILE),
                            TypeQualifier::Restrict => q = q.union(Quals::RESTRICT),
                            TypeQualifier::Atomic => {
                                return Err((
                                    tq.span.start,
                                    "_Atomic types are not supported".into(),
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                ty = self.t.qualified(ty, q);
            }
        }
        for dd in d.node.derived.iter().rev() {
            match &dd.node {
                DerivedDeclarator::Pointer(_) => {}
                DerivedDeclarator::Array(a) => {
                    let len = match &a.node.size {
                        ArraySize::Unknown => None,
                        ArraySize::VariableExpression(e) | ArraySize::StaticExpression(e) => {
                            let v = self.eval_int(e, "array size")?;
                            if v < 0 {
                                return Err((
                                    e.span.start,
                                    format!("array size is negative ({v})"),
                                ));
                            }
                            let n = u64::try_from(v).unwrap_or(u64::MAX);
                            if n > MAX_ARRAY_LEN {
                                return Err((e.span.start, format!("array size {n} is too large")));
                            }
                            Some(n)
                        }
                        ArraySize::VariableUnknown => {
                            return Err((
                                dd.span.start,
                                "variable length arrays are not supported".into(),
                            ));
                        }
                    };
                    match self.t.raw_type(ty) {
                        CType::Func(_) => {
                            return Err((
                                dd.span.start,
                                format!(
                                    "declaration of an array of functions ('{}')",
                                    self.t.display(ty)
                                ),
                            ));
                        }
                        _ if self.t.is_incomplete(ty) => {
                            return Err((
                                dd.span.start,
                                format!(
                                    "array has incomplete element type '{}'",
                                    self.t.display(ty)
                                ),
                            ));
                        }
                        _ => {}
                    }
                    ty = self.t.array(ty, len);
                }
                DerivedDeclarator::Function(f) => {
                    if matches!(self.t.raw_type(ty), CType::Func(_) | CType::Array { .. }) {
                        return Err((
                            dd.span.start,
                            format!("function cannot return '{}'", self.t.display(ty)),
                        ));
                    }
                    let (params, names, variadic) = self.params(&f.node)?;
                    ty = self.t.func(FuncType {
                        ret: ty,
                        params,
                        variadic,
                    });
                    param_names = Some(names);
                }
                DerivedDeclarator::KRFunction(ids) => {
                    if !ids.is_empty() {
                        return Err((
                            dd.span.start,
                            "K&R-style parameter lists are not supported".into(),
                        ));
                    }
                    // `f()` is taken as `f(void)`, as CFFI and LuaJIT do.
                    ty = self.t.func(FuncType {
                        ret: ty,
                        params: Vec::new(),
                        variadic: false,
                    });
                    param_names = Some(Vec::new());
                }
                DerivedDeclarator::Block(_) => {
                    return Err((dd.span.start, "block pointers (^) are not supported".into()));
                }
            }
        }
        let (mut attrs, asm) = self.extensions(&d.node.extensions)?;
        match &d.node.kind.node {
            DeclaratorKind::Abstract => Ok(Declared {
                ty,
                name: None,
                attrs,
                asm,
                param_names,
            }),
            DeclaratorKind::Identifier(id) => Ok(Declared {
                ty,
                name: Some((id.node.name.clone(), id.span.start)),
                attrs,
                asm,
                param_names,
            }),
            DeclaratorKind::Declarator(inner) => {
                let mut res = self.declarator(ty, inner)?;
                res.attrs.append(&mut attrs);
                if res.asm.is_none() {
                    res.asm = asm;
                }
                if res.param_names.is_none() {
                    res.param_names = param_names;
                }
                Ok(res)
            }
        }
    }

    fn params(
        &mut self,
        f: &FunctionDeclarator,
    ) -> LResult<(Vec<TypeId>, Vec<Option<String>>, bool)> {
        let variadic = f.ellipsis == Ellipsis::Some;
        let mut types = Vec::with_capacity(f.parameters.len());
        let mut names = Vec::with_capacity(f.parameters.len());
        let mut errors: Vec<LErr> = Vec::new();
        for (i, p) in f.parameters.iter().enumerate() {
            let param = |(at, m): LErr| (at, format!("parameter {}: {m}", i + 1));
            // Every bad parameter is reported, not just the first.
            let specs = match self.decl_specifiers(&p.node.specifiers, p.span.start) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(param(e));
                    continue;
                }
            };
            let (ty, name) = match &p.node.declarator {
                Some(d) => match self.declarator(specs.ty, d) {
                    Ok(dd) => (dd.ty, dd.name.map(|n| n.0)),
                    Err(e) => {
                        errors.push(param(e));
                        continue;
                    }
                },
                None => (specs.ty, None),
            };
            if matches!(self.t.get(ty), CType::Void) {
                if f.parameters.len() == 1 && name.is_none() && !variadic {
                    return Ok((Vec::new(), Vec::new(), false));
                }
                return Err((p.span.start, format!("parameter {} has type 'void'", i + 1)));
            }
            // Array and function parameters are adjusted to pointers (C11 6.7.6.3p7-8), and
            // top-level qualifiers are not part of the function type (6.7.6.3p15).
            let ty = match self.t.raw_type(ty).clone() {
                CType::Array { elem, .. } => self.t.pointer(elem),
                CType::Func(_) => self.t.pointer(ty),
                _ => match self.t.get(ty) {
                    CType::Qualified { base, .. } => *base,
                    _ => ty,
                },
            };
            types.push(ty);
            names.push(name);
        }
        if !errors.is_empty() {
            let first = errors.remove(0);
            let prefix = self.decl_name.clone();
            self.diags
                .extend(errors.into_iter().map(|(at, m)| match &prefix {
                    Some(p) => (at, format!("{p}: {m}")),
                    None => (at, m),
                }));
            return Err(first);
        }
        Ok((types, names, variadic))
    }

    /// A type name (abstract declarator): `sizeof(struct s *)`, casts, `type_of`.
    pub(crate) fn type_name(&mut self, tn: &Node<TypeName>) -> LResult<TypeId> {
        let specs = self.field_specifiers(&tn.node.specifiers, tn.span.start)?;
        match &tn.node.declarator {
            Some(d) => Ok(self.declarator(specs.ty, d)?.ty),
            None => Ok(specs.ty),
        }
    }

    // -- Records --

    fn record(&mut self, st: &Node<StructType>, trailing: &[Attr]) -> LResult<TypeId> {
        let kind = match st.node.kind.node {
            StructKind::Struct => RecordKind::Struct,
            StructKind::Union => RecordKind::Union,
        };
        let at = st.span.start;
        let tag = st.node.identifier.as_ref().map(|i| i.node.name.clone());
        let Some(decls) = &st.node.declarations else {
            // A reference: `struct s` (declares an incomplete type if new).
            let tag = tag.ok_or((at, "anonymous struct without a body".to_string()))?;
            return self.tag_ref(&tag, kind, at);
        };
        let mut attrs_list = self.keyword_attrs(at)?;
        attrs_list.extend_from_slice(trailing);
        let mut attrs = RecordAttrs::default();
        for a in &attrs_list {
            match a.name.as_str() {
                "packed" => attrs.packed = true,
                "aligned" => {
                    let v = self.attr_align(a)?;
                    attrs.align = Some(attrs.align.map_or(v, |x| x.max(v)));
                }
                "ms_struct" => return Err((a.offset, "ms_struct layout is not supported".into())),
                _ => {}
            }
        }
        attrs.pack = self.pack_at(at);
        let name_for = |tag: &Option<String>| match tag {
            Some(t) => format!("{} {}", kind.keyword(), t),
            None => format!("{} <anonymous>", kind.keyword()),
        };
        let display = name_for(&tag);

        // Decide which record the body defines.
        let (id, old) = match &tag {
            None => (self.t.new_record(kind, None), None),
            Some(t) => match self.t.tag(t) {
                Some(old) => {
                    self.check_tag_kind(old, t, kind, at)?;
                    let complete = !self.t.is_incomplete(old);
                    if complete {
                        let new = self.t.new_record(kind, tag.clone());
                        self.t.bind_tag(t.clone(), new);
                        (new, Some(old))
                    } else {
                        (old, None)
                    }
                }
                None => {
                    let id = self.t.new_record(kind, tag.clone());
                    self.t.bind_tag(t.clone(), id);
                    (id, None)
                }
            },
        };

        let fields = self.record_fields(decls, at, &display);
        let mut fields = match fields {
            Ok(f) => f,
            Err(e) => {
                if let (Some(t), Some(old)) = (&tag, old) {
                    self.t.bind_tag(t.clone(), old);
                }
                return Err(e);
            }
        };
        let lay = layout::layout_record(self.t, self.target, kind, &mut fields, attrs, &display)
            .map_err(|e| (at, format!("{display}: {e}")));
        let lay = match lay {
            Ok(l) => l,
            Err(e) => {
                if let (Some(t), Some(old)) = (&tag, old) {
                    self.t.bind_tag(t.clone(), old);
                }
                return Err(e);
            }
        };
        if let CType::Record(r) = self.t.get_mut(id) {
            r.body = Some(RecordBody {
                fields,
                attrs,
                size: lay.size,
                align: lay.align,
            });
        }
        if let (Some(t), Some(old)) = (&tag, old) {
            let same = match (self.t.get(old), self.t.get(id)) {
                (CType::Record(a), CType::Record(b)) => {
                    self.t.same_record_body(a, b, Some((old, id)), 0)
                }
                _ => false,
            };
            if same {
                self.t.bind_tag(t.clone(), old);
                return Ok(old);
            }
            if !self.opts.allow_redefinition {
                self.t.bind_tag(t.clone(), old);
                return Err((
                    at,
                    format!(
                        "redefinition of '{display}' with different members (pass `CdefOptions {{ allow_redefinition: true, .. }}` to replace it)"
                    ),
                ));
            }
        }
        Ok(id)
    }

    fn check_tag_kind(&self, old: TypeId, tag: &str, kind: RecordKind, at: usize) -> LResult<()> {
        let old_kw = match self.t.get(old) {
            CType::Record(r) => r.kind.keyword(),
            CType::Enum(_) => "enum",
            _ => "?",
        };
        if old_kw != kind.keyword() {
            return Err((
                at,
                format!(
                    "'{} {tag}' was declared as '{old_kw} {tag}' (struct, union and enum tags share one namespace)",
                    kind.keyword()
                ),
            ));
        }
        Ok(())
    }

    fn tag_ref(&mut self, tag: &str, kind: RecordKind, at: usize) -> LResult<TypeId> {
        match self.t.tag(tag) {
            Some(old) => {
                self.check_tag_kind(old, tag, kind, at)?;
                Ok(old)
            }
            None => {
                let id = self.t.new_record(kind, Some(tag.to_string()));
                self.t.bind_tag(tag.to_string(), id);
                Ok(id)
            }
        }
    }

    fn pack_at(&self, at: usize) -> Option<u64> {
        let mut cur = None;
        for &(o, p) in &self.pp.pack {
            if o + self.base <= at {
                cur = p;
            } else {
                break;
            }
        }
        cur
    }

    fn record_fields(
        &mut self,
        decls: &[Node<StructDeclaration>],
        from: usize,
        display: &str,
    ) -> LResult<Vec<Field>> {
        let mut fields: Vec<Field> = Vec::new();
        let mut names: HashSet<String> = HashSet::new();
        let mut first_err: Option<LErr> = None;
        let n_decls = decls.len();
        // `_Alignas` was blanked out before the member's own span starts: search from the end of
        // the previous member.
        let mut prev_end = from;
        for (di, sd) in decls.iter().enumerate() {
            let res = match &sd.node {
                StructDeclaration::StaticAssert(sa) => self.static_assert(sa),
                StructDeclaration::Field(f) => self
                    .struct_field(
                        f,
                        prev_end,
                        display,
                        &mut fields,
                        &mut names,
                        di + 1 == n_decls,
                    )
                    .map_err(|(at, m)| {
                        if m.is_empty() || m.starts_with(display) {
                            (at, m)
                        } else {
                            (at, format!("{display}: {m}"))
                        }
                    }),
            };
            prev_end = sd.span.end;
            if let Err(e) = res {
                if first_err.is_none() {
                    first_err = Some(e);
                } else {
                    self.diags.push(e);
                }
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(fields),
        }
    }

    fn struct_field(
        &mut self,
        f: &Node<ast::StructField>,
        from: usize,
        display: &str,
        fields: &mut Vec<Field>,
        names: &mut HashSet<String>,
        last_decl: bool,
    ) -> LResult<()> {
        let specs = self.field_specifiers(&f.node.specifiers, f.span.start)?;
        // `_Alignas` of this member sits between the previous member and the first declarator,
        // outside the bodies of structs defined in the specifiers (those belong to their members).
        let spec_end = f
            .node
            .declarators
            .first()
            .map_or(f.span.end, |d| d.span.start);
        let nested: Vec<(usize, usize)> = f
            .node
            .specifiers
            .iter()
            .filter_map(|s| match &s.node {
                SpecifierQualifier::TypeSpecifier(ts) => match &ts.node {
                    TypeSpecifier::Struct(st) if st.node.declarations.is_some() => {
                        Some((st.span.start, st.span.end))
                    }
                    TypeSpecifier::Enum(et) => Some((et.span.start, et.span.end)),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        let align_as = self.alignas_in(from, spec_end, &nested)?;
        if f.node.declarators.is_empty() {
            // An anonymous struct/union member, or a nested tag declaration.
            if specs.anonymous_record {
                let ty = specs.ty;
                self.add_anonymous_names(ty, names, f.span.start, display)?;
                let mut attrs = FieldAttrs::default();
                self.field_attrs(&specs.attrs, &mut attrs, align_as)?;
                fields.push(Field {
                    name: None,
                    ty,
                    bit_width: None,
                    attrs,
                    offset: 0,
                    bit_offset: 0,
                });
            }
            return Ok(());
        }
        let n = f.node.declarators.len();
        for (i, sd) in f.node.declarators.iter().enumerate() {
            let (ty, name, mut extra_attrs, at) = match &sd.node.declarator {
                Some(d) => {
                    let dd = self.declarator(specs.ty, d)?;
                    let at = dd.name.as_ref().map_or(d.span.start, |n| n.1);
                    (dd.ty, dd.name.map(|n| n.0), dd.attrs, at)
                }
                None => (specs.ty, None, Vec::new(), sd.span.start),
            };
            let mut all_attrs = specs.attrs.clone();
            all_attrs.append(&mut extra_attrs);
            let mut ty = ty;
            for a in &all_attrs {
                if a.name == "mode" {
                    ty = self.apply_mode(ty, a)?;
                }
            }
            let member = match &name {
                Some(n) => format!("{display}: member '{n}'"),
                None => format!("{display}: unnamed member"),
            };
            let bit_width = match &sd.node.bit_width {
                Some(w) => {
                    let p = self.t.as_integer(ty).ok_or_else(|| {
                        (
                            at,
                            format!(
                                "{member}: bit-field has non-integer type '{}'",
                                self.t.display(ty)
                            ),
                        )
                    })?;
                    let v = self.eval_int(w, "bit-field width")?;
                    let max = layout::layout_of(self.t, self.target, ty)
                        .map_err(|e| (at, e.to_string()))?
                        .size
                        * 8;
                    let max = if p == Prim::Bool { 1 } else { max };
                    if v < 0 {
                        return Err((
                            w.span.start,
                            format!("{member}: negative bit-field width {v}"),
                        ));
                    }
                    if v > i128::from(max) {
                        return Err((
                            w.span.start,
                            format!(
                                "{member}: width {v} exceeds the width of its type '{}' ({max} bit{})",
                                self.t.display(ty),
                                if max == 1 { "" } else { "s" }
                            ),
                        ));
                    }
                    if v == 0 && name.is_some() {
                        return Err((
                            w.span.start,
                            format!("{member}: named bit-field has zero width"),
                        ));
                    }
                    Some(u32::try_from(v).unwrap_or(0))
                }
                None => None,
            };
            if bit_width.is_none() {
                if name.is_none() {
                    return Err((at, format!("{display}: member declaration needs a name")));
                }
                let raw = self.t.raw_type(ty).clone();
                match raw {
                    CType::Func(_) => {
                        return Err((
                            at,
                            format!(
                                "{member}: has function type '{}' (use a function pointer)",
                                self.t.display(ty)
                            ),
                        ));
                    }
                    CType::Array { len: None, elem } => {
                        let is_last = last_decl && i + 1 == n;
                        if !is_last {
                            return Err((
                                at,
                                format!(
                                    "{member}: flexible array member is not at the end of the struct"
                                ),
                            ));
                        }
                        if display.starts_with("union") {
                            return Err((
                                at,
                                format!("{member}: flexible array member in a union"),
                            ));
                        }
                        if names.is_empty() {
                            return Err((
                                at,
                                format!(
                                    "{member}: flexible array member in a struct with no named members"
                                ),
                            ));
                        }
                        if self.t.is_incomplete(elem) {
                            return Err((
                                at,
                                format!(
                                    "{member}: array has incomplete element type '{}'",
                                    self.t.display(elem)
                                ),
                            ));
                        }
                    }
                    _ if self.t.is_incomplete(ty) => {
                        return Err((
                            at,
                            format!("{member}: has incomplete type '{}'", self.t.display(ty)),
                        ));
                    }
                    _ => {}
                }
            }
            if let Some(nm) = &name
                && !names.insert(nm.clone())
            {
                return Err((at, format!("{display}: duplicate member '{nm}'")));
            }
            let mut attrs = FieldAttrs::default();
            self.field_attrs(&all_attrs, &mut attrs, align_as)?;
            fields.push(Field {
                name,
                ty,
                bit_width,
                attrs,
                offset: 0,
                bit_offset: 0,
            });
        }
        Ok(())
    }

    fn field_attrs(
        &mut self,
        list: &[Attr],
        attrs: &mut FieldAttrs,
        align_as: Option<u64>,
    ) -> LResult<()> {
        for a in list {
            match a.name.as_str() {
                "packed" => attrs.packed = true,
                "aligned" => {
                    let v = self.attr_align(a)?;
                    attrs.align = Some(attrs.align.map_or(v, |x| x.max(v)));
                }
                _ => {}
            }
        }
        if let Some(v) = align_as {
            attrs.align = Some(attrs.align.map_or(v, |x| x.max(v)));
        }
        Ok(())
    }

    fn add_anonymous_names(
        &self,
        ty: TypeId,
        names: &mut HashSet<String>,
        at: usize,
        display: &str,
    ) -> LResult<()> {
        let Some(body) = self.t.as_record(ty).and_then(|r| r.body.as_ref()) else {
            return Ok(());
        };
        for f in &body.fields {
            match &f.name {
                Some(n) => {
                    if !names.insert(n.clone()) {
                        return Err((
                            at,
                            format!("{display}: duplicate member '{n}' (from an anonymous member)"),
                        ));
                    }
                }
                None => self.add_anonymous_names(f.ty, names, at, display)?,
            }
        }
        Ok(())
    }

    // -- Enums --

    fn enumeration(&mut self, et: &Node<EnumType>, trailing: &[Attr]) -> LResult<TypeId> {
        let at = et.span.start;
        let tag = et.node.identifier.as_ref().map(|i| i.node.name.clone());
        if et.node.enumerators.is_empty() {
            let tag = tag.ok_or((at, "anonymous enum without enumerators".to_string()))?;
            return match self.t.tag(&tag) {
                Some(old) => {
                    if !matches!(self.t.get(old), CType::Enum(_)) {
                        let kw = match self.t.get(old) {
                            CType::Record(r) => r.kind.keyword(),
                            _ => "?",
                        };
                        return Err((
                            at,
                            format!(
                                "'enum {tag}' was declared as '{kw} {tag}' (struct, union and enum tags share one namespace)"
                            ),
                        ));
                    }
                    Ok(old)
                }
                None => {
                    let id = self.t.new_enum(Some(tag.clone()));
                    self.t.bind_tag(tag, id);
                    Ok(id)
                }
            };
        }
        let mut attrs_list = self.keyword_attrs(at)?;
        attrs_list.extend_from_slice(trailing);
        let packed = attrs_list.iter().any(|a| a.name == "packed");
        let display = match &tag {
            Some(t) => format!("enum {t}"),
            None => "enum <anonymous>".to_string(),
        };
        let old = match &tag {
            Some(t) => match self.t.tag(t) {
                Some(old) => match self.t.get(old) {
                    CType::Enum(e) => Some((old, e.body.is_some())),
                    CType::Record(r) => {
                        let kw = r.kind.keyword();
                        return Err((
                            at,
                            format!(
                                "'enum {t}' was declared as '{kw} {t}' (struct, union and enum tags share one namespace)"
                            ),
                        ));
                    }
                    _ => None,
                },
                None => None,
            },
            None => None,
        };
        let id = match old {
            Some((old_id, false)) => old_id,
            _ => self.t.new_enum(tag.clone()),
        };
        // Evaluate the enumerators; each is visible to the following ones.
        let mut values: Vec<(String, i128)> = Vec::new();
        let mut next: i128 = 0;
        let mut first_err = None;
        for en in &et.node.enumerators {
            let name = en.node.identifier.node.name.clone();
            let eat = en.node.identifier.span.start;
            let v = match &en.node.expression {
                Some(e) => match self.eval_int(e, &format!("{display}: value of '{name}'")) {
                    Ok(v) => v,
                    Err(err) => {
                        if first_err.is_none() {
                            first_err = Some(err);
                        } else {
                            self.diags.push(err);
                        }
                        next
                    }
                },
                None => next,
            };
            if !(i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(&v) {
                return Err((
                    eat,
                    format!("{display}: value {v} of '{name}' does not fit in any integer type"),
                ));
            }
            next = v + 1;
            let ty = if (i128::from(i32::MIN)..=i128::from(i32::MAX)).contains(&v) {
                Prim::Int
            } else if v > i128::from(i64::MAX) {
                Prim::ULong
            } else if v > i128::from(u32::MAX) || v < i128::from(i32::MIN) {
                Prim::Long
            } else {
                Prim::UInt
            };
            let replacing_same_enum = old.is_some_and(|(o, _)| {
                self.t
                    .constant(&name)
                    .is_some_and(|c| c.enum_type == Some(o))
            });
            if !replacing_same_enum {
                let c = Constant {
                    name: name.clone(),
                    value: ConstValue::Int { value: v, ty },
                    enum_type: Some(id),
                };
                if let Err(e) = self.constant(c, eat) {
                    if first_err.is_none() {
                        first_err = Some(e);
                    } else {
                        self.diags.push(e);
                    }
                }
            }
            values.push((name, v));
        }
        if let Some(e) = first_err {
            return Err(e);
        }
        let underlying = enum_underlying(&values, packed);
        let body = EnumBody {
            values,
            underlying,
            packed,
        };
        if let Some((old_id, true)) = old {
            let same =
                matches!(self.t.get(old_id), CType::Enum(e) if e.body.as_ref() == Some(&body));
            if same {
                return Ok(old_id);
            }
            if !self.opts.allow_redefinition {
                return Err((
                    at,
                    format!(
                        "redefinition of '{display}' with different enumerators (pass `CdefOptions {{ allow_redefinition: true, .. }}` to replace it)"
                    ),
                ));
            }
            for (n, v) in &body.values {
                let ty = if i32::try_from(*v).is_ok() {
                    Prim::Int
                } else {
                    underlying
                };
                self.t.constants.insert(
                    n.clone(),
                    Constant {
                        name: n.clone(),
                        value: ConstValue::Int { value: *v, ty },
                        enum_type: Some(id),
                    },
                );
            }
        }
        if let CType::Enum(e) = self.t.get_mut(id) {
            e.body = Some(body);
        }
        if let Some(t) = tag {
            self.t.bind_tag(t, id);
        }
        Ok(id)
    }

    // -- Expressions --

    fn eval(&mut self, e: &Node<Expression>) -> LResult<Val> {
        let x = self.convert(e, 0)?;
        expr::eval(&x, self, 0).map_err(|m| (e.span.start, m))
    }

    fn eval_int(&mut self, e: &Node<Expression>, what: &str) -> LResult<i128> {
        let v = self.eval(e)?;
        v.as_int()
            .map_err(|m| (e.span.start, format!("{what}: {m}")))
    }

    /// Converts a lang-c expression into the constant-expression IR.
    fn convert(&mut self, e: &Node<Expression>, depth: u32) -> LResult<Expr> {
        if depth > expr::MAX_DEPTH {
            return Err((
                e.span.start,
                format!("expression nested deeper than {} levels", expr::MAX_DEPTH),
            ));
        }
        let d = depth + 1;
        let at = e.span.start;
        let cs = self.target.char_signed;
        Ok(match &e.node {
            Expression::Identifier(id) => Expr::Ident(id.node.name.clone()),
            Expression::Constant(c) => Expr::Val(match &c.node {
                ast::Constant::Integer(i) => {
                    if i.suffix.imaginary {
                        return Err((at, "imaginary constants are not supported".into()));
                    }
                    let radix = match i.base {
                        ast::IntegerBase::Decimal => 10,
                        ast::IntegerBase::Octal => 8,
                        ast::IntegerBase::Hexadecimal => 16,
                        ast::IntegerBase::Binary => 2,
                    };
                    let longs = match i.suffix.size {
                        ast::IntegerSize::Int => 0,
                        ast::IntegerSize::Long => 1,
                        ast::IntegerSize::LongLong => 2,
                    };
                    expr::int_literal(&i.number, radix, i.suffix.unsigned, longs)
                        .map_err(|m| (at, m))?
                }
                ast::Constant::Float(f) => {
                    let ty = match f.suffix.format {
                        ast::FloatFormat::Float => Prim::Float,
                        ast::FloatFormat::Double => Prim::Double,
                        ast::FloatFormat::LongDouble => Prim::LongDouble,
                        ast::FloatFormat::TS18661Format(_) => Prim::Double,
                    };
                    let v = match f.base {
                        ast::FloatBase::Decimal => f.number.parse::<f64>().ok(),
                        ast::FloatBase::Hexadecimal => {
                            expr::hex_float(&f.number.to_ascii_lowercase())
                        }
                    };
                    let v = v.ok_or((at, format!("invalid floating constant '{}'", f.number)))?;
                    Val::Float(
                        if ty == Prim::Float {
                            f64::from(v as f32)
                        } else {
                            v
                        },
                        ty,
                    )
                }
                ast::Constant::Character(ch) => expr::char_literal(ch, cs).map_err(|m| (at, m))?,
            }),
            Expression::StringLiteral(s) => Expr::Val(Val::Str(
                expr::string_literal(&s.node).map_err(|m| (at, m))?,
            )),
            Expression::SizeOfTy(s) => Expr::SizeofType(TypeRef::Id(self.type_name(&s.node.0)?)),
            Expression::SizeOfVal(s) => {
                if let Expression::Identifier(id) = &s.node.0.node
                    && let Some(g) = self.t.global(&id.node.name)
                {
                    return Ok(Expr::SizeofType(TypeRef::Id(g.ty)));
                }
                Expr::SizeofExpr(Box::new(self.convert(&s.node.0, d)?))
            }
            Expression::AlignOf(a) => Expr::AlignofType(TypeRef::Id(self.type_name(&a.node.0)?)),
            Expression::UnaryOperator(u) => {
                let op = match u.node.operator.node {
                    ast::UnaryOperator::Minus => UnOp::Neg,
                    ast::UnaryOperator::Plus => UnOp::Plus,
                    ast::UnaryOperator::Negate => UnOp::Not,
                    ast::UnaryOperator::Complement => UnOp::BitNot,
                    _ => return Ok(Expr::Unsupported("this unary operator")),
                };
                Expr::Unary(op, Box::new(self.convert(&u.node.operand, d)?))
            }
            Expression::Cast(c) => {
                let ty = self.type_name(&c.node.type_name)?;
                Expr::Cast(
                    TypeRef::Id(ty),
                    Box::new(self.convert(&c.node.expression, d)?),
                )
            }
            Expression::BinaryOperator(b) => {
                use ast::BinaryOperator as B;
                let op = match b.node.operator.node {
                    B::Multiply => BinOp::Mul,
                    B::Divide => BinOp::Div,
                    B::Modulo => BinOp::Rem,
                    B::Plus => BinOp::Add,
                    B::Minus => BinOp::Sub,
                    B::ShiftLeft => BinOp::Shl,
                    B::ShiftRight => BinOp::Shr,
                    B::Less => BinOp::Lt,
                    B::Greater => BinOp::Gt,
                    B::LessOrEqual => BinOp::Le,
                    B::GreaterOrEqual => BinOp::Ge,
                    B::Equals => BinOp::Eq,
                    B::NotEquals => BinOp::Ne,
                    B::BitwiseAnd => BinOp::BitAnd,
                    B::BitwiseXor => BinOp::BitXor,
                    B::BitwiseOr => BinOp::BitOr,
                    B::LogicalAnd => BinOp::And,
                    B::LogicalOr => BinOp::Or,
                    B::Index => return Ok(Expr::Unsupported("array subscripting")),
                    _ => return Ok(Expr::Unsupported("an assignment")),
                };
                let l = self.convert(&b.node.lhs, d)?;
                let r = self.convert(&b.node.rhs, d)?;
                Expr::Binary(op, Box::new(l), Box::new(r))
            }
            Expression::Conditional(c) => Expr::Cond(
                Box::new(self.convert(&c.node.condition, d)?),
                Box::new(self.convert(&c.node.then_expression, d)?),
                Box::new(self.convert(&c.node.else_expression, d)?),
            ),
            Expression::Comma(items) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items.iter() {
                    v.push(self.convert(i, d)?);
                }
                Expr::Comma(v)
            }
            Expression::OffsetOf(o) => {
                let ty = self.type_name(&o.node.type_name)?;
                let mut path = o.node.designator.node.base.node.name.clone();
                for m in &o.node.designator.node.members {
                    match &m.node {
                        ast::OffsetMember::Member(id) => {
                            path.push('.');
                            path.push_str(&id.node.name);
                        }
                        ast::OffsetMember::Index(ix) => {
                            let v = self.eval_int(ix, "offsetof index")?;
                            path.push_str(&format!("[{v}]"));
                        }
                        ast::OffsetMember::IndirectMember(_) => {
                            return Ok(Expr::Unsupported("'->' in offsetof"));
                        }
                    }
                }
                Expr::OffsetOf(TypeRef::Id(ty), path)
            }
            Expression::Call(_) => Expr::Unsupported("a function call"),
            Expression::Member(_) => Expr::Unsupported("member access"),
            Expression::CompoundLiteral(_) => Expr::Unsupported("a compound literal"),
            Expression::GenericSelection(_) => Expr::Unsupported("_Generic"),
            Expression::VaArg(_) => Expr::Unsupported("va_arg"),
            Expression::Statement(_) => Expr::Unsupported("a statement expression"),
        })
    }

    fn parse_text_expr(&self, text: &str) -> Result<Expr, String> {
        let t = &*self.t;
        expr::parse_pp_expr(
            text,
            &|n| t.typedef(n).is_some(),
            false,
            self.target.char_signed,
        )
    }

    /// Resolves a type written as text (in a `#define` body or `_Alignas`): a fast path for
    /// base types, typedef names and tags, then a full parse.
    pub(crate) fn type_from_text(&mut self, text: &str) -> Result<TypeId, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let simple = !text.contains(['(', '[', '*']);
        if simple
            && words.len() == 1
            && let Some(id) = self.t.typedef(words[0])
        {
            return Ok(id);
        }
        if simple
            && words.len() == 2
            && matches!(words[0], "struct" | "union" | "enum")
            && let Some(id) = self.t.tag(words[1])
        {
            return Ok(id);
        }
        super::parse_type_name_with(self, text)
    }

    /// The value of a macro of this cdef, evaluated at the point of use.
    fn macro_value(&mut self, name: &str, depth: u32) -> Result<Option<Val>, String> {
        let Some(def) = self.macros.get(name) else {
            return Ok(None);
        };
        if def.function_like {
            return Err(format!(
                "function-like macro '{name}' cannot be used as a constant"
            ));
        }
        if def.body.is_empty() {
            return Err(format!("macro '{name}' has no value"));
        }
        if self.expanding.iter().any(|n| n == name) {
            return Err(format!("macro '{name}' refers to itself"));
        }
        if let Some(v) = self.value_cache.get(name) {
            return v.clone().map(Some);
        }
        let parsed = match self.macro_cache.get(name) {
            Some(p) => p.clone(),
            None => {
                let body = def.body.clone();
                let p = self.parse_text_expr(&body);
                self.macro_cache.insert(name.to_string(), p.clone());
                p
            }
        };
        let e = parsed?;
        self.expanding.push(name.to_string());
        let v = expr::eval(&e, self, depth);
        self.expanding.pop();
        self.value_cache.insert(name.to_string(), v.clone());
        v.map(Some)
    }

    /// Turns the macros of this cdef into constants (after all declarations, so they may refer
    /// to anything the cdef declared). In a header, macros that are not constants are skipped.
    pub(crate) fn finish_macros(&mut self) {
        let defs: Vec<MacroDef> = {
            let mut order: Vec<MacroDef> = Vec::new();
            for ev in &self.pp.macros {
                match ev {
                    MacroEvent::Define(d) => {
                        order.retain(|o| o.name != d.name);
                        order.push(d.clone());
                    }
                    MacroEvent::Undef { name, .. } => order.retain(|o| &o.name != name),
                }
            }
            order
        };
        for name in self.undefined.clone() {
            if !self.macros.contains_key(&name) {
                self.t.constants.remove(&name);
                self.t.macro_flags.remove(&name);
            }
        }
        for d in defs {
            if d.function_like {
                continue;
            }
            let at = d.offset + self.base;
            if d.body.is_empty() {
                self.t.macro_flags.insert(d.name.clone(), ());
                continue;
            }
            let res = self.macro_value(&d.name, 0);
            let v = match res {
                Ok(Some(v)) => v,
                Ok(None) => continue,
                Err(m) => {
                    if self.mode == Mode::Cdef {
                        self.diags.push((at, format!("#define {}: {m}", d.name)));
                    }
                    continue;
                }
            };
            let value = match v {
                Val::Int(value, ty) => ConstValue::Int { value, ty },
                Val::Float(value, ty) => ConstValue::Float { value, ty },
                Val::Str(s) => ConstValue::Str(s),
                Val::Ptr(value, ty) => ConstValue::Pointer { value, ty },
            };
            let c = Constant {
                name: d.name.clone(),
                value,
                enum_type: None,
            };
            if let Err(e) = self.constant(c, at)
                && self.mode == Mode::Cdef
            {
                self.diags
                    .push((e.0, format!("#define {}: {}", d.name, e.1)));
            }
        }
    }
}

impl Scope for Lowerer<'_> {
    fn lookup(&mut self, name: &str, depth: u32) -> Result<Option<Val>, String> {
        if self.macros.contains_key(name) {
            return self.macro_value(name, depth);
        }
        if let Some(c) = self.t.constant(name) {
            return Ok(Some(match &c.value {
                ConstValue::Int { value, ty } => Val::Int(*value, *ty),
                ConstValue::Float { value, ty } => Val::Float(*value, *ty),
                ConstValue::Str(s) => Val::Str(s.clone()),
                ConstValue::Pointer { value, ty } => Val::Ptr(*value, *ty),
            }));
        }
        Ok(None)
    }
    fn in_directive(&self) -> bool {
        false
    }
    fn is_defined(&mut self, name: &str) -> bool {
        self.macros.contains_key(name)
    }
    fn layout(&mut self, ty: &TypeRef) -> Result<(u64, u64), String> {
        let id = self.resolve(ty)?;
        let l = layout::layout_of(self.t, self.target, id).map_err(|e| e.to_string())?;
        Ok((l.size, l.align))
    }
    fn offsetof(&mut self, ty: &TypeRef, path: &str) -> Result<u64, String> {
        let id = self.resolve(ty)?;
        let p = layout::resolve_path(self.t, self.target, id, path).map_err(|e| e.to_string())?;
        if p.bitfield.is_some() {
            return Err(format!("cannot take offsetof bit-field '{path}'"));
        }
        Ok(p.offset)
    }
    fn cast_target(&mut self, ty: &TypeRef) -> Result<CastTarget, String> {
        let id = self.resolve(ty)?;
        match self.t.raw_type(id) {
            CType::Void => Ok(CastTarget::Void),
            CType::Pointer(_) => Ok(CastTarget::Pointer(id)),
            CType::Prim(p) if p.is_floating() => Ok(CastTarget::Float(*p)),
            CType::Prim(p) => Ok(CastTarget::Int(*p)),
            CType::Enum(e) => e
                .body
                .as_ref()
                .map(|b| CastTarget::Int(b.underlying))
                .ok_or_else(|| "cast to an incomplete enum".to_string()),
            _ => Err(format!(
                "cannot cast to '{}' in a constant expression",
                self.t.display(id)
            )),
        }
    }
    fn char_signed(&self) -> bool {
        self.target.char_signed
    }
}

impl Lowerer<'_> {
    fn resolve(&mut self, ty: &TypeRef) -> Result<TypeId, String> {
        match ty {
            TypeRef::Id(id) => Ok(*id),
            TypeRef::Text(t) => self.type_from_text(t),
        }
    }
}

enum SpecItem<'a> {
    Type(&'a Node<TypeSpecifier>),
    Qual(&'a Node<TypeQualifier>),
    Align(&'a Node<AlignmentSpecifier>),
    Ext(&'a Vec<Node<Extension>>),
}

fn declarator_name(d: &Declarator) -> Option<String> {
    match &d.kind.node {
        DeclaratorKind::Identifier(i) => Some(i.node.name.clone()),
        DeclaratorKind::Declarator(inner) => declarator_name(&inner.node),
        DeclaratorKind::Abstract => None,
    }
}

fn check_align(v: i128) -> Result<u64, String> {
    let u =
        u64::try_from(v).map_err(|_| format!("alignment {v} is not a positive power of two"))?;
    if u == 0 || !u.is_power_of_two() || u > (1 << 28) {
        return Err(format!("alignment {v} is not a positive power of two"));
    }
    Ok(u)
}

fn split_top_level(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// The integer type gcc gives an enum: `unsigned int` without negative values, `int` with
/// them, widened to 64 bits when a value does not fit; the smallest type when packed.
fn enum_underlying(values: &[(String, i128)], packed: bool) -> Prim {
    let min = values.iter().map(|v| v.1).min().unwrap_or(0);
    let max = values.iter().map(|v| v.1).max().unwrap_or(0);
    let candidates: &[(Prim, Prim)] = if packed {
        &[
            (Prim::SChar, Prim::UChar),
            (Prim::Short, Prim::UShort),
            (Prim::Int, Prim::UInt),
            (Prim::Long, Prim::ULong),
        ]
    } else {
        &[(Prim::Int, Prim::UInt), (Prim::Long, Prim::ULong)]
    };
    for &(s, u) in candidates {
        if min >= 0 {
            if expr::wrap(max, u, true) == max {
                return u;
            }
        } else if expr::wrap(min, s, true) == min && expr::wrap(max, s, true) == max {
            return s;
        }
    }
    if min >= 0 { Prim::ULong } else { Prim::Long }
}

fn const_text(v: &ConstValue) -> String {
    match v {
        ConstValue::Int { value, .. } => value.to_string(),
        ConstValue::Float { value, .. } => value.to_string(),
        ConstValue::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
        ConstValue::Pointer { value, .. } => format!("{value:#x}"),
    }
}
