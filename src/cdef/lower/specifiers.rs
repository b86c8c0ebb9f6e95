//! Declaration specifiers: base type keywords, typedef names, `typeof`, qualifiers, `_Alignas`, GNU attributes and machine modes.
#![forbid(unsafe_code)]

use super::*;

impl Lowerer<'_> {
    // -- Specifiers --

    pub(super) fn decl_specifiers(
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

    pub(super) fn field_specifiers(
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

    pub(super) fn specifiers(&mut self, items: &[SpecItem<'_>], at: usize) -> LResult<Specs> {
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
                    TypeQualifier::Atomic => quals = quals.union(Quals::ATOMIC),
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
                        TypeSpecifier::Atomic(tn) => {
                            let inner = self.type_name(tn)?;
                            let id = self.atomic(inner, start, true)?;
                            self.set_named(&mut named, id, start)?;
                            continue;
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
                                (format, width) => {
                                    let name = match format {
                                        TS18661FloatFormat::BinaryInterchange => {
                                            format!("_Float{width}")
                                        }
                                        TS18661FloatFormat::BinaryExtended => {
                                            format!("_Float{width}x")
                                        }
                                        TS18661FloatFormat::DecimalInterchange => {
                                            format!("_Decimal{width}")
                                        }
                                        TS18661FloatFormat::DecimalExtended => {
                                            format!("_Decimal{width}x")
                                        }
                                    };
                                    return Err((
                                        start,
                                        format!("floating type {name} is not supported"),
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
        // `__attribute__((vector_size(N))) float`, `float __attribute__((vector_size(N)))`.
        let mut ty = ty;
        if !defines_tag {
            for a in attrs.iter().filter(|a| a.name == "vector_size") {
                let size = match a.args.first() {
                    Some(e) => expr::eval(e, self, 0)
                        .and_then(|v| v.as_int())
                        .map_err(|m| (a.offset, format!("vector_size: {m}")))?,
                    None => return Err((a.offset, "vector_size needs a size in bytes".into())),
                };
                ty = self.vector(ty, size, a.offset)?;
            }
            attrs.retain(|a| a.name != "vector_size");
        }
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
        let ty = if quals.contains(Quals::ATOMIC) {
            let ty = self.atomic(ty, at, false)?;
            self.t.qualified(ty, quals.without(Quals::ATOMIC))
        } else {
            self.t.qualified(ty, quals)
        };
        Ok(Specs {
            ty,
            storage: None,
            attrs: decl_attrs,
            align,
            defines_tag,
            anonymous_record,
        })
    }

    /// `_Atomic T`, for the qualifier and (`specifier`) the `_Atomic(T)` spelling: refused for
    /// arrays and functions (C11 6.7.3p3), and in the specifier form for qualified types
    /// (6.7.2.4p3). Incomplete types may be atomic (`_Atomic struct s *p`).
    pub(super) fn atomic(&mut self, ty: TypeId, at: usize, specifier: bool) -> LResult<TypeId> {
        let what = match self.t.raw_type(ty) {
            CType::Array { .. } => Some("an array type"),
            CType::Func(_) => Some("a function type"),
            _ if specifier && !self.t.quals(ty).is_empty() => Some("a qualified type"),
            _ => None,
        };
        if let Some(what) = what {
            return Err((
                at,
                format!(
                    "_Atomic cannot be applied to {what} ('{}')",
                    self.t.display(ty)
                ),
            ));
        }
        Ok(self.t.qualified(ty, Quals::ATOMIC))
    }

    /// `elem __attribute__((vector_size(size)))`, checked as gcc does: an integer or real
    /// floating element type, a size that is a multiple of the element's and a power-of-two
    /// number of elements. Qualifiers of `elem` stay outside the vector.
    pub(super) fn vector(&mut self, elem: TypeId, size: i128, at: usize) -> LResult<TypeId> {
        let quals = self.t.quals(elem);
        let (base, _) = self.t.strip_typedefs(elem);
        let elem = match self.t.get(elem) {
            CType::Qualified { base, .. } => *base,
            _ => elem,
        };
        let scalar = match self.t.get(base) {
            CType::Prim(p) => !p.is_complex() && *p != Prim::Bool,
            _ => false,
        };
        if !scalar {
            return Err((
                at,
                format!(
                    "vector_size cannot be applied to '{}' (only to integer and floating types)",
                    self.t.display(elem)
                ),
            ));
        }
        let elem_size = layout::layout_of(self.t, self.target, elem)
            .map_err(|e| (at, e.to_string()))?
            .size;
        let size = u64::try_from(size)
            .ok()
            .filter(|&s| s > 0 && s <= 1 << 20)
            .ok_or_else(|| {
                (
                    at,
                    format!("vector_size({size}) is not a valid vector size"),
                )
            })?;
        if size % elem_size != 0 {
            return Err((
                at,
                format!(
                    "vector_size({size}) is not a multiple of the size of '{}' ({elem_size} bytes)",
                    self.t.display(elem)
                ),
            ));
        }
        if size > 16 {
            // gcc places such a vector at an offset aligned to its size and rounds records
            // holding it to that, but reports `_Alignof` 16 (x86-64 without AVX): one `Layout`
            // cannot say both, so refuse rather than get one of them wrong.
            return Err((
                at,
                format!("vector_size({size}): vectors wider than 16 bytes are not supported"),
            ));
        }
        let n = size / elem_size;
        if !n.is_power_of_two() {
            return Err((
                at,
                format!("vector_size({size}): the number of elements ({n}) is not a power of two"),
            ));
        }
        let v = self.t.vector(elem, size);
        Ok(self.t.qualified(v, quals))
    }

    pub(super) fn set_named(
        &self,
        named: &mut Option<(TypeId, usize)>,
        id: TypeId,
        at: usize,
    ) -> LResult<()> {
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
    pub(super) fn trailing_attrs(&mut self, rest: &[SpecItem<'_>]) -> LResult<Vec<Attr>> {
        let mut out = Vec::new();
        for item in rest {
            if let SpecItem::Ext(exts) = item {
                out.append(&mut self.extensions(exts)?.0);
            }
        }
        Ok(out)
    }

    /// Maps the multiset of base type keywords to a primitive (C11 6.7.2p2).
    pub(super) fn base_type(
        &mut self,
        words: &[(&'static str, usize)],
        at: usize,
    ) -> LResult<TypeId> {
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

    pub(super) fn typedef_name(&mut self, name: &str, at: usize) -> LResult<TypeId> {
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

    pub(super) fn typeof_expr(&mut self, e: &Node<Expression>) -> LResult<TypeId> {
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

    pub(super) fn alignas(&mut self, a: &Node<AlignmentSpecifier>) -> LResult<u64> {
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
    pub(super) fn alignas_in(
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

    pub(super) fn text_starts_type(&self, text: &str) -> bool {
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
    pub(super) fn extensions(
        &mut self,
        exts: &[Node<Extension>],
    ) -> LResult<(Vec<Attr>, Option<String>)> {
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
    pub(super) fn keyword_attrs(&mut self, keyword_at: usize) -> LResult<Vec<Attr>> {
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

    pub(super) fn attr_align(&mut self, a: &Attr) -> LResult<u64> {
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
    pub(super) fn apply_mode(&mut self, ty: TypeId, a: &Attr) -> LResult<TypeId> {
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
}
