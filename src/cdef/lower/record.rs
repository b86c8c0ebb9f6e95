//! Records and enums: struct/union definitions, members, bit-fields, anonymous members and enumerators.
#![forbid(unsafe_code)]

use super::*;

impl Lowerer<'_> {
    // -- Records --

    pub(super) fn record(&mut self, st: &Node<StructType>, trailing: &[Attr]) -> LResult<TypeId> {
        // Members are never parameters, even in a struct defined inside a parameter list.
        let in_params = std::mem::replace(&mut self.in_params, 0);
        let res = self.record_inner(st, trailing);
        self.in_params = in_params;
        res
    }

    fn record_inner(&mut self, st: &Node<StructType>, trailing: &[Attr]) -> LResult<TypeId> {
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

    pub(super) fn check_tag_kind(
        &self,
        old: TypeId,
        tag: &str,
        kind: RecordKind,
        at: usize,
    ) -> LResult<()> {
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

    pub(super) fn tag_ref(&mut self, tag: &str, kind: RecordKind, at: usize) -> LResult<TypeId> {
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

    pub(super) fn pack_at(&self, at: usize) -> Option<u64> {
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

    pub(super) fn record_fields(
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

    pub(super) fn struct_field(
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
                Some(_) if self.t.quals(ty).contains(Quals::ATOMIC) => {
                    return Err((
                        at,
                        format!(
                            "{member}: bit-field has atomic type '{}'",
                            self.t.display(ty)
                        ),
                    ));
                }
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

    pub(super) fn field_attrs(
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

    pub(super) fn add_anonymous_names(
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

    pub(super) fn enumeration(
        &mut self,
        et: &Node<EnumType>,
        trailing: &[Attr],
    ) -> LResult<TypeId> {
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
}
