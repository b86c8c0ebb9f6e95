//! Renders types back to C syntax: `int (*)(const char *, ...)`, `char *const argv[]`.
//!
//! One renderer serves error messages, dumps and generated C (layout probes), so every place
//! that names a type names it the same way.
#![forbid(unsafe_code)]

use super::{CType, FunctionDecl, Quals, TypeId, TypeTable};

impl Quals {
    /// The qualifier keywords, space separated, in the order `const volatile restrict _Atomic`
    /// (gcc's).
    pub fn words(self) -> String {
        let mut w = Vec::new();
        if self.contains(Quals::CONST) {
            w.push("const");
        }
        if self.contains(Quals::VOLATILE) {
            w.push("volatile");
        }
        if self.contains(Quals::RESTRICT) {
            w.push("restrict");
        }
        if self.contains(Quals::ATOMIC) {
            w.push("_Atomic");
        }
        w.join(" ")
    }
}

/// What the declarator text built so far starts with, which decides the spacing after the base
/// type: `int x`, `char *`, but `int[3]` and `int(void)`.
#[derive(Clone, Copy, PartialEq)]
enum Inner {
    Empty,
    Suffix,
    Other,
}

impl TypeTable {
    /// The C spelling of a type as a type name: `const char *`, `int[3]`, `int (*)(int, ...)`.
    pub fn display(&self, id: TypeId) -> String {
        self.declare(id, "")
    }

    /// The C declaration of `name` with this type: `char *argv[]`, `double (*fp)(double)`.
    /// An empty `name` gives the type name.
    pub fn declare(&self, id: TypeId, name: &str) -> String {
        let kind = if name.is_empty() {
            Inner::Empty
        } else {
            Inner::Other
        };
        self.render(id, name.to_string(), kind, 0)
    }

    /// A function declaration with its parameter names: `double norm(struct point p)`.
    pub fn declare_function(&self, f: &FunctionDecl) -> String {
        let Some(ft) = self.as_func(f.ty) else {
            return self.declare(f.ty, &f.name);
        };
        let mut params: Vec<String> = ft
            .params
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let name = f.param_names.get(i).cloned().flatten().unwrap_or_default();
                self.declare(p, &name)
            })
            .collect();
        if ft.variadic {
            params.push("...".into());
        }
        if params.is_empty() {
            params.push("void".into());
        }
        self.render(
            ft.ret,
            format!("{}({})", f.name, params.join(", ")),
            Inner::Other,
            0,
        )
    }

    /// The name of a nominal or base type without declarator: `struct point`, `size_t`.
    pub fn base_name(&self, id: TypeId) -> String {
        match self.get(id) {
            CType::Void => "void".into(),
            CType::Prim(p) => p.c_name().into(),
            CType::Record(r) => match &r.tag {
                Some(t) => format!("{} {}", r.kind.keyword(), t),
                None => format!("{} <anonymous>", r.kind.keyword()),
            },
            CType::Enum(e) => match &e.tag {
                Some(t) => format!("enum {t}"),
                None => "enum <anonymous>".into(),
            },
            CType::Typedef(t) => t.name.clone(),
            CType::Vector { elem, size } => format!(
                "{} __attribute__((vector_size({size})))",
                self.base_name(*elem)
            ),
            _ => self.display(id),
        }
    }

    fn render(&self, id: TypeId, inner: String, kind: Inner, depth: u32) -> String {
        if depth > 256 {
            return "...".into();
        }
        let d = depth + 1;
        match self.get(id) {
            CType::Qualified { base, quals } => match self.get(*base) {
                CType::Pointer(to) => self.render_pointer(*to, *quals, inner, kind, d),
                _ => {
                    let words = quals.words();
                    let rest = self.render(*base, inner, kind, d);
                    format!("{words} {rest}")
                }
            },
            CType::Pointer(to) => self.render_pointer(*to, Quals::NONE, inner, kind, d),
            CType::Array { elem, len } => {
                let n = len.map(|n| n.to_string()).unwrap_or_default();
                let inner = format!("{inner}[{n}]");
                let kind = if kind == Inner::Other {
                    Inner::Other
                } else {
                    Inner::Suffix
                };
                self.render(*elem, inner, kind, d)
            }
            CType::Func(f) => {
                let mut params: Vec<String> = f
                    .params
                    .iter()
                    .map(|&p| self.render(p, String::new(), Inner::Empty, d))
                    .collect();
                if f.variadic {
                    params.push("...".into());
                }
                if params.is_empty() {
                    params.push("void".into());
                }
                let inner = format!("{inner}({})", params.join(", "));
                // `int (int)` as a type name, like `int (*)(int)`; arrays stay `int[3]`.
                self.render(f.ret, inner, Inner::Other, d)
            }
            _ => {
                let base = self.base_name(id);
                match kind {
                    Inner::Empty | Inner::Suffix => format!("{base}{inner}"),
                    Inner::Other => format!("{base} {inner}"),
                }
            }
        }
    }

    fn render_pointer(
        &self,
        to: TypeId,
        quals: Quals,
        inner: String,
        kind: Inner,
        d: u32,
    ) -> String {
        let mut s = String::from("*");
        if !quals.is_empty() {
            s.push_str(&quals.words());
            if kind != Inner::Empty {
                s.push(' ');
            }
        }
        s.push_str(&inner);
        if matches!(self.get(to), CType::Array { .. } | CType::Func(_)) {
            s = format!("({s})");
        }
        self.render(to, s, Inner::Other, d)
    }
}
