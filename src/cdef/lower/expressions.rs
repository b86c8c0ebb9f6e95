//! Constant expressions: lang-c expressions converted for `expr::eval`, macro values and the `Scope` the evaluator asks.
#![forbid(unsafe_code)]

use super::*;

impl Lowerer<'_> {
    /// True if an array size names something only known at run time: an identifier that is no
    /// constant (an earlier parameter, `double a[n]`), a call, a member access or an assignment.
    /// Such a size is fine in a parameter (C99 6.7.6.2: the array decays to a pointer).
    pub(super) fn is_run_time(&mut self, e: &Node<Expression>) -> LResult<bool> {
        let x = self.convert(e, 0)?;
        Ok(self.mentions_run_time(&x, 0))
    }

    fn mentions_run_time(&mut self, e: &Expr, depth: u32) -> bool {
        if depth > expr::MAX_DEPTH {
            return false;
        }
        let d = depth + 1;
        match e {
            Expr::Ident(name) => matches!(self.lookup(name, d), Ok(None)),
            Expr::Unsupported(_) => true,
            Expr::Unary(_, a) | Expr::Cast(_, a) | Expr::SizeofExpr(a) => {
                self.mentions_run_time(a, d)
            }
            Expr::Binary(_, a, b) => self.mentions_run_time(a, d) || self.mentions_run_time(b, d),
            Expr::Cond(a, b, c) => {
                self.mentions_run_time(a, d)
                    || self.mentions_run_time(b, d)
                    || self.mentions_run_time(c, d)
            }
            Expr::Comma(items) => items.iter().any(|x| self.mentions_run_time(x, d)),
            Expr::Val(_)
            | Expr::Defined(_)
            | Expr::SizeofType(_)
            | Expr::AlignofType(_)
            | Expr::OffsetOf(..) => false,
        }
    }

    // -- Expressions --

    pub(super) fn eval(&mut self, e: &Node<Expression>) -> LResult<Val> {
        let x = self.convert(e, 0)?;
        expr::eval(&x, self, 0).map_err(|m| (e.span.start, m))
    }

    pub(super) fn eval_int(&mut self, e: &Node<Expression>, what: &str) -> LResult<i128> {
        let v = self.eval(e)?;
        v.as_int()
            .map_err(|m| (e.span.start, format!("{what}: {m}")))
    }

    /// Converts a lang-c expression into the constant-expression IR.
    pub(super) fn convert(&mut self, e: &Node<Expression>, depth: u32) -> LResult<Expr> {
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

    pub(super) fn parse_text_expr(&self, text: &str) -> Result<Expr, String> {
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
        crate::cdef::parse_type_name_with(self, text)
    }

    /// The value of a macro of this cdef, evaluated at the point of use.
    pub(super) fn macro_value(&mut self, name: &str, depth: u32) -> Result<Option<Val>, String> {
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
    pub(super) fn resolve(&mut self, ty: &TypeRef) -> Result<TypeId, String> {
        match ty {
            TypeRef::Id(id) => Ok(*id),
            TypeRef::Text(t) => self.type_from_text(t),
        }
    }
}
