//! Lowers the lang-c AST into the type table: declarators, specifiers, records, enums,
//! attributes, functions, globals and constants.
//!
//! One method per construct (a translator struct, as in cranelift-jit-demo). Errors carry the
//! byte offset of the culprit and are collected; a failed declaration is skipped and lowering
//! goes on, so one `cdef` call reports every problem it has. This is the only module besides
//! `cdef::parse` that sees `lang_c` types.
#![forbid(unsafe_code)]

mod declarator;
mod expressions;
mod record;
mod specifiers;

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
    /// Above 0 while a parameter's declarator is lowered: array sizes may then be run-time
    /// values (`double a[n]`, C99 6.7.6.2), because the array decays to a pointer.
    in_params: u32,
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
            in_params: 0,
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
                "vector_size" => {
                    return Err((
                        a.offset,
                        format!("vector_size cannot be applied to '{}'", self.t.display(ty)),
                    ));
                }
                "ext_vector_type" => {
                    return Err((
                        a.offset,
                        "clang's ext_vector_type is not supported (use vector_size)".into(),
                    ));
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
