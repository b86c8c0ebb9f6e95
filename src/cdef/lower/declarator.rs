//! Declarators: pointers, arrays and functions applied to a base type, parameter lists and type names.
#![forbid(unsafe_code)]

use super::*;

impl Lowerer<'_> {
    // -- Declarators --

    /// Applies a declarator to `base`. A `vector_size` attribute anywhere on the declarator
    /// applies to the base type, as in gcc (`float *p __attribute__((vector_size(8)))` is a
    /// pointer to a vector).
    pub(super) fn declarator(&mut self, base: TypeId, d: &Node<Declarator>) -> LResult<Declared> {
        let mut found = Vec::new();
        vector_attrs(d, &mut found);
        let mut base = base;
        for (arg, at) in found {
            let size = match arg {
                Some(e) => self.eval_int(e, "vector_size")?,
                None => return Err((at, "vector_size needs a size in bytes".into())),
            };
            base = self.vector(base, size, at)?;
        }
        let mut res = self.declarator_inner(base, d)?;
        res.attrs.retain(|a| a.name != "vector_size");
        Ok(res)
    }

    fn declarator_inner(&mut self, base: TypeId, d: &Node<Declarator>) -> LResult<Declared> {
        let mut ty = base;
        let mut param_names = None;
        // A variable length array dimension seen (parameters only): every array around it has
        // an unknown length too, since `T[n]` has no size; the outermost decays to a pointer.
        let mut variable = false;
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
                            TypeQualifier::Atomic => q = q.union(Quals::ATOMIC),
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
                        ArraySize::VariableExpression(e) | ArraySize::StaticExpression(e)
                            if self.in_params > 0 && self.is_run_time(e)? =>
                        {
                            variable = true;
                            None
                        }
                        ArraySize::VariableUnknown if self.in_params > 0 => {
                            variable = true;
                            None
                        }
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
                        _ if variable => {}
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
                    ty = self.t.array(ty, if variable { None } else { len });
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
                let mut res = self.declarator_inner(ty, inner)?;
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

    pub(super) fn params(
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
            self.in_params += 1;
            let res = p
                .node
                .declarator
                .as_ref()
                .map(|d| self.declarator(specs.ty, d));
            self.in_params -= 1;
            let (ty, name) = match res {
                Some(res) => match res {
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
                // gcc keeps `_Atomic` in the type of a parameter (`void f(_Atomic int)` is not
                // compatible with `void f(int)`); it is passed as its unqualified type.
                _ => match self.t.get(ty).clone() {
                    CType::Qualified { base, quals } => {
                        let atomic = quals.contains(Quals::ATOMIC);
                        self.t
                            .qualified(base, if atomic { Quals::ATOMIC } else { Quals::NONE })
                    }
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
}

/// The `vector_size` attributes on a declarator and the declarators nested in it: the argument
/// (if any) and the attribute's offset.
fn vector_attrs<'d>(d: &'d Node<Declarator>, out: &mut Vec<(Option<&'d Node<Expression>>, usize)>) {
    for e in &d.node.extensions {
        if let Extension::Attribute(a) = &e.node
            && norm_attr(&a.name.node) == "vector_size"
        {
            out.push((a.arguments.first(), e.span.start));
        }
    }
    if let DeclaratorKind::Declarator(inner) = &d.node.kind.node {
        vector_attrs(inner, out);
    }
}
