//! Dumps of a type table: a stable JSON schema (`jitffi layout --json`) and a text form for
//! people and snapshot tests.
//!
//! # JSON schema
//!
//! ```text
//! {
//!   "target": "x86_64",
//!   "types": [                                   // declaration order
//!     { "kind": "struct" | "union",
//!       "name": "struct point",                  // C spelling
//!       "size": 16, "align": 8,                  // null while incomplete
//!       "fields": [                              // declaration order; null while incomplete
//!         { "name": "x" | null,                  // null for anonymous members
//!           "type": "double",                    // C spelling
//!           "offset": 0,                         // bytes, from the start of the enclosing aggregate
//!           "bit_offset": 3, "bit_width": 5,     // bit-fields only: bits from that start, width
//!           "fields": [ ... ] }                  // members of an anonymous struct/union type,
//!       ] },                                     //   offsets relative to this member
//!     { "kind": "enum", "name": "enum color", "size": 4, "align": 4,
//!       "underlying": "unsigned int",
//!       "values": [ { "name": "RED", "value": 0 } ] },
//!     { "kind": "typedef", "name": "point_t", "type": "struct point",
//!       "size": 16, "align": 8,
//!       "fields": [ ... ] }                      // when it names an anonymous struct/union
//!   ],
//!   "functions": [ { "name": "norm", "type": "double (struct point)",
//!                    "declaration": "double norm(struct point p)", "symbol": "norm" } ],
//!   "globals":   [ { "name": "counter", "type": "int", "symbol": "counter" } ],
//!   "constants": [ { "name": "N", "type": "int", "value": 4 } ]  // value: number, string,
//! }                                                                //   or "0x…" for pointers
//! ```
//!
//! jitffi's builtin typedefs (`size_t`, `int64_t`, …) are left out unless asked for.

use serde_json::{Map, Value, json};

use crate::ctype::{CType, ConstValue, Field, TypeId, TypeTable};
use crate::layout::{self, Arch, Target};

/// What to include in a dump.
#[derive(Clone, Copy, Debug, Default)]
pub struct DumpOptions {
    /// Include jitffi's builtin typedefs (`size_t`, `int8_t`, `FILE`, …).
    pub builtins: bool,
}

/// The types a dump lists, in declaration order: tagged records and enums (the current binding
/// of each tag), and typedefs (the current binding of each name).
fn listed_types(t: &TypeTable, opts: DumpOptions) -> Vec<TypeId> {
    t.ids()
        .filter(|&id| match t.get(id) {
            CType::Record(r) => match &r.tag {
                Some(tag) => {
                    t.tag(tag) == Some(id)
                        && !tag.starts_with("__va_list")
                        && (opts.builtins || !t.is_builtin(id) || r.body.is_some())
                }
                None => false,
            },
            CType::Enum(e) => e.tag.as_ref().is_some_and(|tag| t.tag(tag) == Some(id)),
            CType::Typedef(td) => {
                t.typedef(&td.name) == Some(id) && (opts.builtins || !t.is_builtin(id))
            }
            _ => false,
        })
        .collect()
}

fn is_anonymous_record(t: &TypeTable, id: TypeId) -> bool {
    matches!(t.get(t.raw(id)), CType::Record(r) if r.tag.is_none())
}

fn fields_json(t: &TypeTable, fields: &[Field], depth: u32) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                let mut m = Map::new();
                m.insert(
                    "name".into(),
                    f.name.clone().map_or(Value::Null, Value::String),
                );
                m.insert("type".into(), Value::String(t.display(f.ty)));
                m.insert("offset".into(), json!(f.offset));
                if let Some(w) = f.bit_width {
                    m.insert("bit_offset".into(), json!(f.bit_offset));
                    m.insert("bit_width".into(), json!(w));
                }
                if is_anonymous_record(t, f.ty)
                    && depth < 64
                    && let Some(body) = t.as_record(f.ty).and_then(|r| r.body.as_ref())
                {
                    m.insert("fields".into(), fields_json(t, &body.fields, depth + 1));
                }
                Value::Object(m)
            })
            .collect(),
    )
}

fn const_json(t: &TypeTable, v: &ConstValue) -> (Value, String) {
    match v {
        ConstValue::Int { value, ty } => {
            let n = if let Ok(i) = i64::try_from(*value) {
                json!(i)
            } else if let Ok(u) = u64::try_from(*value) {
                json!(u)
            } else {
                Value::String(value.to_string())
            };
            (n, ty.c_name().to_string())
        }
        ConstValue::Float { value, ty } => (
            serde_json::Number::from_f64(*value)
                .map_or(Value::String(value.to_string()), Value::Number),
            ty.c_name().into(),
        ),
        ConstValue::Str(s) => (
            Value::String(String::from_utf8_lossy(s).into_owned()),
            "const char *".into(),
        ),
        ConstValue::Pointer { value, ty } => (Value::String(format!("{value:#x}")), t.display(*ty)),
    }
}

/// The JSON dump of a table (schema in the module documentation).
pub fn to_json(t: &TypeTable, target: &Target, opts: DumpOptions) -> Value {
    let mut types = Vec::new();
    for id in listed_types(t, opts) {
        let mut m = Map::new();
        let lay = layout::layout_of(t, target, id).ok();
        let (size, align) = lay.map_or((Value::Null, Value::Null), |l| {
            (json!(l.size), json!(l.align))
        });
        match t.get(id) {
            CType::Record(r) => {
                m.insert("kind".into(), json!(r.kind.keyword()));
                m.insert("name".into(), json!(t.display(id)));
                m.insert("size".into(), size);
                m.insert("align".into(), align);
                m.insert(
                    "fields".into(),
                    r.body
                        .as_ref()
                        .map_or(Value::Null, |b| fields_json(t, &b.fields, 0)),
                );
            }
            CType::Enum(e) => {
                m.insert("kind".into(), json!("enum"));
                m.insert("name".into(), json!(t.display(id)));
                m.insert("size".into(), size);
                m.insert("align".into(), align);
                if let Some(b) = &e.body {
                    m.insert("underlying".into(), json!(b.underlying.c_name()));
                    let vals: Vec<Value> = b
                        .values
                        .iter()
                        .map(|(n, v)| {
                            let v = i64::try_from(*v).map_or_else(
                                |_| json!(u64::try_from(*v).unwrap_or(0)),
                                |i| json!(i),
                            );
                            json!({ "name": n, "value": v })
                        })
                        .collect();
                    m.insert("values".into(), Value::Array(vals));
                } else {
                    m.insert("values".into(), Value::Null);
                }
            }
            CType::Typedef(td) => {
                m.insert("kind".into(), json!("typedef"));
                m.insert("name".into(), json!(td.name));
                m.insert("type".into(), json!(t.display(td.target)));
                m.insert("size".into(), size);
                m.insert("align".into(), align);
                if is_anonymous_record(t, td.target)
                    && let Some(body) = t.as_record(td.target).and_then(|r| r.body.as_ref())
                {
                    m.insert("fields".into(), fields_json(t, &body.fields, 0));
                }
            }
            _ => continue,
        }
        types.push(Value::Object(m));
    }
    let functions: Vec<Value> = t
        .functions()
        .map(|f| {
            json!({
                "name": f.name,
                "type": t.display(f.ty),
                "declaration": t.declare_function(f),
                "symbol": f.symbol(),
            })
        })
        .collect();
    let globals: Vec<Value> = t
        .globals()
        .map(|g| json!({ "name": g.name, "type": t.display(g.ty), "symbol": g.symbol() }))
        .collect();
    let constants: Vec<Value> = t
        .constants()
        .map(|c| {
            let (value, ty) = const_json(t, &c.value);
            json!({ "name": c.name, "type": ty, "value": value })
        })
        .collect();
    let arch = match target.arch {
        Arch::X86_64 => "x86_64",
        Arch::Aarch64 => "aarch64",
    };
    json!({ "target": arch, "types": types, "functions": functions, "globals": globals, "constants": constants })
}

fn fields_text(t: &TypeTable, fields: &[Field], indent: usize, out: &mut String, depth: u32) {
    let pad = " ".repeat(indent);
    for f in fields {
        let pos = match f.bit_width {
            Some(_) => format!("{}:{}", f.offset, f.bit_offset - f.offset * 8),
            None => f.offset.to_string(),
        };
        let mut decl = t.declare(f.ty, f.name.as_deref().unwrap_or(""));
        if let Some(w) = f.bit_width {
            decl = format!("{decl} : {w}");
        }
        let mut attrs = Vec::new();
        if f.attrs.packed {
            attrs.push("packed".to_string());
        }
        if let Some(a) = f.attrs.align {
            attrs.push(format!("aligned({a})"));
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!("  [{}]", attrs.join(", "))
        };
        out.push_str(&format!("{pad}{pos:<8}{decl}{attrs}\n"));
        if is_anonymous_record(t, f.ty)
            && depth < 64
            && let Some(body) = t.as_record(f.ty).and_then(|r| r.body.as_ref())
        {
            fields_text(t, &body.fields, indent + 4, out, depth + 1);
        }
    }
}

/// The text dump of a table: one block per type, then functions, globals and constants.
pub fn to_text(t: &TypeTable, target: &Target, opts: DumpOptions) -> String {
    let mut out = String::new();
    for id in listed_types(t, opts) {
        let lay = match layout::layout_of(t, target, id) {
            Ok(l) => format!("size {} align {}", l.size, l.align),
            Err(layout::LayoutError::Function { .. }) => "function type".to_string(),
            Err(_) => "incomplete".to_string(),
        };
        match t.get(id) {
            CType::Record(r) => {
                let mut attrs = Vec::new();
                if let Some(b) = &r.body {
                    if b.attrs.packed {
                        attrs.push("packed".to_string());
                    }
                    if let Some(a) = b.attrs.align {
                        attrs.push(format!("aligned({a})"));
                    }
                    if let Some(p) = b.attrs.pack {
                        attrs.push(format!("pack({p})"));
                    }
                }
                let attrs = if attrs.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", attrs.join(", "))
                };
                out.push_str(&format!("{}{attrs}: {lay}\n", t.display(id)));
                if let Some(b) = &r.body {
                    fields_text(t, &b.fields, 4, &mut out, 0);
                }
            }
            CType::Enum(e) => {
                let under = e
                    .body
                    .as_ref()
                    .map(|b| format!(" : {}", b.underlying.c_name()))
                    .unwrap_or_default();
                out.push_str(&format!("{}{under}: {lay}\n", t.display(id)));
                if let Some(b) = &e.body {
                    for (n, v) in &b.values {
                        out.push_str(&format!("    {n} = {v}\n"));
                    }
                }
            }
            CType::Typedef(td) => {
                let align = td
                    .align
                    .map(|a| format!(" [aligned({a})]"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "typedef {}{align}: {lay}\n",
                    t.declare(td.target, &td.name)
                ));
                if is_anonymous_record(t, td.target)
                    && let Some(body) = t.as_record(td.target).and_then(|r| r.body.as_ref())
                {
                    fields_text(t, &body.fields, 4, &mut out, 0);
                }
            }
            _ => {}
        }
    }
    for f in t.functions() {
        let sym = if f.asm_name.is_some() {
            format!(" = symbol \"{}\"", f.symbol())
        } else {
            String::new()
        };
        out.push_str(&format!("function {}{sym}\n", t.declare_function(f)));
    }
    for g in t.globals() {
        let sym = if g.asm_name.is_some() {
            format!(" = symbol \"{}\"", g.symbol())
        } else {
            String::new()
        };
        out.push_str(&format!("global {}{sym}\n", t.declare(g.ty, &g.name)));
    }
    for c in t.constants() {
        let (v, ty) = const_json(t, &c.value);
        let origin = match c.enum_type {
            Some(e) => format!(", {}", t.display(e)),
            None => String::new(),
        };
        out.push_str(&format!("const {} = {v} ({ty}{origin})\n", c.name));
    }
    out
}
