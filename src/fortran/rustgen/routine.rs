//! One routine's safe wrapper: a method of the generated `Library` that takes the visible
//! arguments of its [`Sig`] as Rust values, slices and matrix views, computes the hidden ones,
//! checks what the routine's documentation says must hold and every array against the
//! extents the routine uses, allocates outputs, runs the workspace query, calls through the
//! routine's typed handle, and turns `INFO` into an error: what `fortran::Library::call` does
//! at run time, written out as straight-line Rust.

use std::collections::HashSet;
use std::fmt::Write as _;

use super::expr::{self as gexpr, Sym};
use crate::fortran::abi::{Abi, ParamRole, Prototype};
use crate::fortran::call::{info_meaning, show};
use crate::fortran::expr::Expr;
use crate::fortran::model::{CharLen, FType, Intent, Routine};
use crate::fortran::sig::{After, ArgRole, Check, Sig, SigArg, is_pivot};

/// A generated wrapper.
pub(super) struct Wrapper {
    /// Every array's length is checked (otherwise the method is `unsafe`).
    pub safe: bool,
    /// The method (and slot field) name.
    pub method: String,
    /// The slot field's type: `Slot<(…), R>`.
    pub slot: String,
    /// The method, documented, for `impl Library`.
    pub code: String,
    /// The visible parameters, `name: type`, with `{S}` for the routine's element type and
    /// `{R}` for its real type where it belongs to an s/d/c/z family.
    pub params: Vec<(String, String)>,
    /// The result type, with the same placeholders.
    pub ret: String,
    /// The family (the name without its precision letter) and the letter.
    pub family: Option<(String, char)>,
}

const RUST_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A Rust identifier for a Fortran name.
pub(super) fn ident(name: &str) -> String {
    let n = name.to_ascii_lowercase();
    if RUST_KEYWORDS.contains(&n.as_str()) {
        format!("{n}_")
    } else {
        n
    }
}

/// The precision letter of a family member and its element kind: (`4`|`8`, complex).
fn precision(name: &str) -> Option<(char, u8, bool)> {
    let c = name.chars().next()?.to_ascii_lowercase();
    match c {
        's' => Some((c, 4, false)),
        'd' => Some((c, 8, false)),
        'c' => Some((c, 4, true)),
        'z' => Some((c, 8, true)),
        _ => None,
    }
}

/// How a routine's types are spelled.
struct Types<'a> {
    abi: &'a Abi,
    /// The routine's precision: kind and complex.
    prec: Option<(u8, bool)>,
}

impl Types<'_> {
    /// The Rust type of an element of `t` (a scalar's C storage, an array's element).
    fn elem(&self, t: &FType) -> Result<String, String> {
        let int = |k: Option<u8>| -> Result<String, String> {
            Ok(match k {
                None => "Int".into(),
                Some(1) => "i8".into(),
                Some(2) => "i16".into(),
                Some(4) => "i32".into(),
                Some(8) => "i64".into(),
                Some(k) => return Err(format!("INTEGER(KIND={k})")),
            })
        };
        let _ = self.abi;
        Ok(match t {
            FType::Integer { kind } | FType::Logical { kind } => int(*kind)?,
            FType::Real { kind } => {
                let k = kind.unwrap_or(4);
                match (self.prec, k) {
                    (Some((p, false)), k) if p == k => "{S}".into(),
                    (Some((p, true)), k) if p == k => "{R}".into(),
                    (_, 4) => "f32".into(),
                    (_, 8) => "f64".into(),
                    _ => return Err(format!("REAL(KIND={k}) has no Rust type")),
                }
            }
            FType::Complex { kind } => {
                let k = kind.unwrap_or(4);
                match (self.prec, k) {
                    (Some((p, true)), k) if p == k => "{S}".into(),
                    (_, 4) => "Complex32".into(),
                    (_, 8) => "Complex64".into(),
                    _ => return Err(format!("COMPLEX(KIND={k}) has no Rust type")),
                }
            }
            FType::Character {
                len: CharLen::Fixed(1),
            } => "u8".into(),
            FType::Character { .. } => return Err("a CHARACTER longer than 1".into()),
        })
    }
}

/// Replaces the placeholders by the routine's own types.
pub(super) fn concrete(s: &str, family: Option<char>) -> String {
    let (e, r) = match family {
        Some('s') => ("f32", "f32"),
        Some('d') => ("f64", "f64"),
        Some('c') => ("Complex32", "f32"),
        Some('z') => ("Complex64", "f64"),
        _ => return s.to_string(),
    };
    s.replace("{S}", e).replace("{R}", r)
}

/// What a signature argument is in the wrapper.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Form {
    /// A scalar taken by value.
    Value,
    /// A scalar updated in place (`&mut T`).
    InOut,
    /// A `CHARACTER*(*)` string (`&str`).
    Str,
    /// A vector (`&[T]` / `&mut [T]`).
    Slice {
        write: bool,
    },
    /// A matrix (`Mat` / `MatMut`).
    Mat {
        write: bool,
    },
    /// A dummy procedure (`&Callback`).
    Proc,
    /// Computed here (optional or hidden): a local.
    Computed,
    /// Allocated here and returned.
    OutScalar,
    OutArray,
    /// A queried workspace and its size.
    Work,
    WorkSize,
    Info,
}

fn is_char1(t: Option<&FType>) -> bool {
    matches!(
        t,
        Some(FType::Character {
            len: CharLen::Fixed(1)
        })
    )
}

/// The wrapper of `r`, or why there is none.
pub(super) fn wrapper(r: &Routine, abi: &Abi) -> Result<Wrapper, String> {
    let sig = Sig::of(r);
    let proto: Prototype = abi.prototype(r)?;
    let lower = r.name.to_ascii_lowercase();
    let method = ident(&lower);
    let fam = precision(&lower);
    let types = Types {
        abi,
        prec: fam.map(|(_, k, c)| (k, c)),
    };
    if matches!(r.result, Some(FType::Character { .. })) {
        return Err("a CHARACTER function (its result is not wrapped)".into());
    }
    if r.module.is_some() || r.bind_c.is_some() {
        // Fine: the prototype says how; nothing else differs.
    }
    // Forms; an optional whose default cannot be written in Rust becomes required.
    let mut forms: Vec<Form> = Vec::with_capacity(sig.args.len());
    for (i, a) in sig.args.iter().enumerate() {
        // A signature file's Python-level argument that the call does not pass has no dummy.
        let by_value = r.dummies.get(i).is_some_and(|d| d.value);
        let f = if a.callback.is_some() {
            Form::Proc
        } else {
            match &a.role {
                ArgRole::Info => Form::Info,
                ArgRole::Workspace(_) => Form::Work,
                ArgRole::WorkSize(_) => Form::WorkSize,
                ArgRole::Out if a.dims.is_empty() => Form::OutScalar,
                ArgRole::Out => Form::OutArray,
                ArgRole::Optional(_) | ArgRole::Hidden(_) => Form::Computed,
                ArgRole::Given if a.dims.is_empty() => {
                    if by_value {
                        Form::Value
                    } else if matches!(a.ty, Some(FType::Character { .. }))
                        && !is_char1(a.ty.as_ref())
                    {
                        if a.intent != Intent::In {
                            return Err(format!(
                                "{} is a CHARACTER string the routine writes",
                                a.name
                            ));
                        }
                        Form::Str
                    } else if a.intent == Intent::In {
                        Form::Value
                    } else {
                        Form::InOut
                    }
                }
                ArgRole::Given => {
                    if matches!(a.ty, Some(FType::Character { .. })) {
                        return Err(format!("{} is a CHARACTER array", a.name));
                    }
                    let write = !(a.intent == Intent::In && a.intent_stated);
                    if a.dims.len() == 2 {
                        Form::Mat { write }
                    } else {
                        Form::Slice { write }
                    }
                }
            }
        };
        if matches!(
            f,
            Form::Work
                | Form::WorkSize
                | Form::Computed
                | Form::OutScalar
                | Form::OutArray
                | Form::Info
        ) && by_value
        {
            return Err(format!(
                "{} is a VALUE dummy the wrapper would compute",
                a.name
            ));
        }
        forms.push(f);
    }
    // Local names: the argument's identifier; `{x}_c` a scalar's C value, `{x}_e` an
    // allocated array's extents. Names must not collide.
    let names: Vec<String> = sig.args.iter().map(|a| ident(&a.name)).collect();
    let mut seen = HashSet::new();
    for n in &names {
        for v in [n.clone(), format!("{n}_c"), format!("{n}_e")] {
            if !seen.insert(v.clone()) || ["func_", "result_"].contains(&v.as_str()) {
                return Err(format!(
                    "the argument name '{n}' collides with a generated local"
                ));
            }
        }
    }
    let idx = |n: &str| sig.args.iter().position(|a| a.name == n);
    // What a name is, for expressions; `allocs` says whether allocated arrays count yet.
    let sym = |n: &str, allocs: bool, forms: &[Form]| -> Option<Sym> {
        let i = idx(n)?;
        let a = &sig.args[i];
        let v = &names[i];
        Some(match forms[i] {
            // Outputs, INFO and workspace sizes are declared after the checks.
            Form::WorkSize | Form::OutScalar | Form::Info if !allocs => return None,
            Form::Value | Form::Computed | Form::WorkSize | Form::OutScalar | Form::Info => {
                if is_char1(a.ty.as_ref()) {
                    Sym::Char(format!("{v}_c"))
                } else if matches!(a.ty, Some(FType::Integer { .. } | FType::Logical { .. })) {
                    Sym::Int(format!("{v}_c"))
                } else if matches!(a.ty, Some(FType::Real { .. })) {
                    Sym::Real(format!("{v}_c"))
                } else {
                    return None;
                }
            }
            Form::InOut => {
                if matches!(a.ty, Some(FType::Integer { .. } | FType::Logical { .. })) {
                    Sym::Int(format!("*{v}"))
                } else if is_char1(a.ty.as_ref()) {
                    Sym::Char(format!("*{v}"))
                } else {
                    return None;
                }
            }
            Form::Slice { .. } => Sym::Slice(v.clone()),
            Form::Mat { .. } => Sym::Mat(v.clone()),
            Form::OutArray if allocs => Sym::Alloc(format!("{v}_e"), a.dims.len()),
            _ => return None,
        })
    };
    // Computed scalars in dependency order; those that cannot be written become required.
    let mut computed: Vec<(usize, String)> = Vec::new();
    let mut done: HashSet<usize> = HashSet::new();
    loop {
        let mut progress = false;
        for i in 0..sig.args.len() {
            if forms[i] != Form::Computed || done.contains(&i) {
                continue;
            }
            let (ArgRole::Optional(init) | ArgRole::Hidden(init)) = &sig.args[i].role else {
                continue;
            };
            // `shape(z,0)` of an array the call allocates is its extent's expression.
            let init = &shape_of_outputs(init, &sig);
            let pending = init
                .names()
                .iter()
                .any(|n| idx(n).is_some_and(|j| forms[j] == Form::Computed && !done.contains(&j)));
            if pending {
                continue;
            }
            let f2 = forms.clone();
            let look_now = |n: &str| sym(n, false, &f2);
            // The local's value: a character, an integer (range-checked), a real constant
            // (`vl = 0.0`).
            let rendered = if is_char1(sig.args[i].ty.as_ref()) {
                gexpr::chr(init, &look_now).ok()
            } else if matches!(
                sig.args[i].ty,
                Some(FType::Integer { .. } | FType::Logical { .. })
            ) {
                gexpr::int(init, &look_now)
                    .ok()
                    .map(|e| format!("wrap::int(R, {:?}, {e})?", names[i]))
            } else if matches!(sig.args[i].ty, Some(FType::Real { .. })) {
                match init {
                    Expr::Float(f) => Some(format!("{f:?}")),
                    Expr::Int(n) => Some(format!("{n}.0")),
                    _ => None,
                }
            } else if let Some(t @ FType::Complex { .. }) = &sig.args[i].ty {
                // A real constant (a `.pyf`'s `(1.0,0.0)`, read as its real part).
                let re = match init {
                    Expr::Float(f) => Some(format!("{f:?}")),
                    Expr::Int(n) => Some(format!("{n}.0")),
                    _ => None,
                };
                re.zip(types.elem(t).ok())
                    .map(|(re, ty)| format!("{ty} {{ re: {re}, im: 0.0 }}"))
            } else {
                None
            };
            match rendered {
                Some(s) => computed.push((i, s)),
                _ => {
                    if matches!(sig.args[i].role, ArgRole::Hidden(_)) {
                        return Err(format!(
                            "the value of hidden {} cannot be written in Rust",
                            sig.args[i].name
                        ));
                    }
                    forms[i] = Form::Value;
                }
            }
            done.insert(i);
            progress = true;
        }
        if !progress {
            break;
        }
    }
    if let Some(i) = (0..sig.args.len()).find(|&i| forms[i] == Form::Computed && !done.contains(&i))
    {
        return Err(format!(
            "the defaults of {} depend on each other",
            sig.args[i].name
        ));
    }
    // An output whose extents cannot be computed is given by the caller instead.
    for i in 0..sig.args.len() {
        if forms[i] != Form::OutArray {
            continue;
        }
        let f2 = forms.clone();
        let ok = sig.args[i]
            .dims
            .iter()
            .all(|d| *d != Expr::Int(-1) && gexpr::int(d, &|n| sym(n, true, &f2)).is_ok());
        if !ok {
            forms[i] = if sig.args[i].dims.len() == 2 {
                Form::Mat { write: true }
            } else {
                Form::Slice { write: true }
            };
        }
    }
    // A `.pyf`'s optional arguments may be given (`Some`), a derived signature's optional
    // extents are always taken from the arrays.
    let overridable = |i: usize| {
        r.pyf.is_some()
            && matches!(sig.args[i].role, ArgRole::Optional(_))
            && forms[i] == Form::Computed
    };
    let look = |allocs: bool| {
        let f = forms.clone();
        move |n: &str| sym(n, allocs, &f)
    };
    let ty_of = |a: &SigArg| -> Result<String, String> {
        types
            .elem(
                a.ty.as_ref()
                    .ok_or_else(|| format!("{} has no type", a.name))?,
            )
            .map_err(|e| format!("{}: {e}", a.name))
    };

    // LU pivot indices (`row i was interchanged with row IPIV(i)`), which
    // `Library::zero_based_pivots` converts, and a `.pyf`'s indices, 0-based always.
    let pivot: Vec<bool> = sig
        .args
        .iter()
        .map(|a| a.zero_based || is_pivot(r, a))
        .collect();
    // The condition of the conversion in the generated code (`None`: always).
    let when = |i: usize| (!sig.args[i].zero_based).then_some("self.zero_based");

    // The signature.
    let mut params: Vec<(String, String)> = Vec::new();
    for (i, a) in sig.args.iter().enumerate() {
        let v = &names[i];
        let t = match forms[i] {
            Form::Value => {
                if matches!(a.ty, Some(FType::Logical { .. }))
                    && !r.dummies.get(i).is_some_and(|d| d.value)
                {
                    "bool".to_string()
                } else {
                    ty_of(a)?
                }
            }
            Form::InOut => format!("&mut {}", ty_of(a)?),
            Form::Str => "&str".into(),
            Form::Slice { write: false } => format!("&[{}]", ty_of(a)?),
            Form::Slice { write: true } => format!("&mut [{}]", ty_of(a)?),
            Form::Mat { write: false } => format!("Mat<'_, {}>", ty_of(a)?),
            Form::Mat { write: true } => format!("MatMut<'_, {}>", ty_of(a)?),
            Form::Proc => "&jitffi::Callback<'_>".into(),
            // A signature file's optional argument: given, or its default.
            Form::Computed if overridable(i) => format!("Option<{}>", ty_of(a)?),
            _ => continue,
        };
        params.push((v.clone(), t));
    }
    let mut rets: Vec<String> = Vec::new();
    let mut ret_doc: Vec<String> = Vec::new();
    if let Some(t) = &r.result {
        rets.push(if matches!(t, FType::Logical { .. }) {
            "bool".into()
        } else {
            types.elem(t).map_err(|e| format!("the result: {e}"))?
        });
        ret_doc.push(format!("the value of {}", r.name));
    }
    for (i, a) in sig.args.iter().enumerate() {
        match forms[i] {
            Form::OutScalar => {
                rets.push(if matches!(a.ty, Some(FType::Logical { .. })) {
                    "bool".into()
                } else {
                    ty_of(a)?
                });
                ret_doc.push(format!("`{}`", names[i]));
            }
            // Scratch space the routine documents as an output (RWORK, IWORK, BWORK of a
            // derived signature, `SigArg::scratch`) and cache arrays are allocated, not
            // returned (`SigArg::returned`, as at run time).
            Form::OutArray if !a.returned() => {}
            Form::OutArray => {
                rets.push(format!("Vec<{}>", ty_of(a)?));
                let dims: Vec<String> = a.dims.iter().map(show).collect();
                ret_doc.push(format!("`{}` ({})", names[i], dims.join(" × ")));
            }
            _ => {}
        }
    }
    let ret = match rets.len() {
        0 => "()".to_string(),
        1 => rets[0].clone(),
        _ => format!("({})", rets.join(", ")),
    };

    // The C arguments and their Rust types.
    let mut c_args: Vec<String> = Vec::new();
    let mut c_types: Vec<String> = Vec::new();
    let mut f2c_result = false;
    for p in &proto.params {
        let constant = p.ty.starts_with("const ");
        let ptr = |t: &str| {
            if constant {
                format!("*const {t}")
            } else {
                format!("*mut {t}")
            }
        };
        match p.role {
            ParamRole::Dummy(i) => {
                let a = &sig.args[i];
                let v = &names[i];
                let (arg, ty) = match forms[i] {
                    // (A `void *` procedure: the method is `unsafe`, `Sig::unchecked`.)
                    Form::Proc if p.ty.trim() == "void *" => {
                        (format!("{v}.ptr()"), "*const std::ffi::c_void".to_string())
                    }
                    Form::Proc => (
                        format!(
                            "wrap::callback(R, {:?}, {v}, {:?})?",
                            v.trim_start_matches("r#"),
                            p.ty
                        ),
                        "*const std::ffi::c_void".to_string(),
                    ),
                    Form::Value if r.dummies.get(i).is_some_and(|d| d.value) => {
                        (format!("{v}_c"), ty_of(a)?)
                    }
                    Form::Str => (format!("{v}.as_ptr()"), ptr("u8")),
                    Form::InOut => (format!("{v} as *mut _"), ptr(&ty_of(a)?)),
                    Form::Slice { write: false } if pivot[i] => (format!("{v}_p"), ptr(&ty_of(a)?)),
                    Form::Slice { write: false } => (format!("{v}.as_ptr()"), ptr(&ty_of(a)?)),
                    Form::Slice { write: true } | Form::OutArray | Form::Work => {
                        (format!("{v}.as_mut_ptr()"), ptr(&ty_of(a)?))
                    }
                    Form::Mat { write: false } => (format!("{v}.data().as_ptr()"), ptr(&ty_of(a)?)),
                    Form::Mat { write: true } => (format!("{v}.raw().0"), ptr(&ty_of(a)?)),
                    Form::OutScalar | Form::Info => (format!("&mut {v}_c"), ptr(&ty_of(a)?)),
                    _ if constant => (format!("&{v}_c"), ptr(&ty_of(a)?)),
                    _ => (format!("&mut {v}_c"), ptr(&ty_of(a)?)),
                };
                c_args.push(arg);
                c_types.push(ty);
            }
            ParamRole::Length(i) => {
                c_args.push(if forms[i] == Form::Str {
                    format!("{}.len()", names[i])
                } else {
                    "1".into()
                });
                c_types.push("usize".into());
            }
            ParamRole::Result => {
                f2c_result = true;
                let t = types.elem(
                    r.result
                        .as_ref()
                        .ok_or("a hidden result without a result")?,
                )?;
                c_args.push("&mut result_".into());
                c_types.push(format!("*mut {t}"));
            }
            ParamRole::ResultLength => return Err("a CHARACTER result".into()),
        }
    }
    let c_ret = match (&r.result, proto.ret.as_str()) {
        (_, "void") => "()".to_string(),
        (Some(FType::Real { kind }), "double") if kind.unwrap_or(4) == 4 => "f64".into(),
        (Some(t), _) => types.elem(t)?,
        (None, _) => return Err("a C result for a subroutine".into()),
    };
    let slot = format!("Slot<({},), {c_ret}>", c_types.join(", ")).replace(",,", ",");
    let slot = if c_types.is_empty() {
        format!("Slot<(), {c_ret}>")
    } else {
        slot
    };

    // Scalars passed by reference to a parameter without `const` need a mutable local.
    let mutable: HashSet<usize> = proto
        .params
        .iter()
        .filter_map(|p| match p.role {
            ParamRole::Dummy(i) if !p.ty.starts_with("const ") && !r.dummies[i].value => Some(i),
            _ => None,
        })
        .collect();
    let m = |i: usize| if mutable.contains(&i) { "mut " } else { "" };

    // The body.
    let mut b = String::new();
    let w = &mut b;
    let _ = writeln!(w, "const R: &str = {:?};", lower);
    // Values of given scalars.
    for (i, a) in sig.args.iter().enumerate() {
        let v = &names[i];
        match forms[i] {
            Form::Value
                if matches!(a.ty, Some(FType::Logical { .. }))
                    && !r.dummies.get(i).is_some_and(|d| d.value) =>
            {
                let _ = writeln!(w, "let {}{v}_c: {} = {v}.into();", m(i), ty_of(a)?);
            }
            Form::Value => {
                let _ = writeln!(w, "let {}{v}_c = {v};", m(i));
            }
            _ => {}
        }
    }
    for (i, value) in &computed {
        let v = &names[*i];
        let value = if overridable(*i) {
            format!("match {v} {{ Some(v) => v, None => {value} }}")
        } else {
            value.clone()
        };
        let _ = writeln!(
            w,
            "let {}{v}_c: {} = {value};",
            m(*i),
            ty_of(&sig.args[*i])?
        );
    }
    // What the documentation says must hold.
    let before = look(false);
    for (i, a) in sig.args.iter().enumerate() {
        if !matches!(forms[i], Form::Value | Form::Computed | Form::InOut) {
            continue;
        }
        let v = &names[i];
        for c in &a.checks {
            match c {
                Check::AtLeast(e) | Check::AtMost(e) => {
                    let Some(Sym::Int(x)) = before(&a.name) else {
                        continue;
                    };
                    let Ok(bound) = gexpr::int(e, &before) else {
                        continue;
                    };
                    let f = match c {
                        Check::AtMost(_) => "at_most",
                        _ => "at_least",
                    };
                    let _ = writeln!(
                        w,
                        "wrap::{f}(R, {v:?}, i64::from({x}), {bound}, {:?})?;",
                        show(e)
                    );
                }
                Check::Expr(_) | Check::Pivots { .. } => {}
                Check::NonZero => {
                    let Some(Sym::Int(x)) = before(&a.name) else {
                        continue;
                    };
                    let _ = writeln!(w, "wrap::non_zero(R, {v:?}, i64::from({x}))?;");
                }
                Check::OneOf(letters) => {
                    let Some(Sym::Char(x)) = before(&a.name) else {
                        continue;
                    };
                    let l: String = letters.iter().collect();
                    let _ = writeln!(w, "wrap::one_of(R, {v:?}, {x}, b{l:?})?;");
                }
            }
        }
    }
    // A `.pyf`'s conditions, and the documentation's conditional ones (those naming what
    // is known only later, a queried LWORK, are not checked, as at run time).
    for (i, a) in sig.args.iter().enumerate() {
        for c in &a.checks {
            let Check::Expr(e) = c else { continue };
            let cond = match gexpr::cond(e, &before) {
                Ok(c) => c,
                Err(_) if r.pyf.is_none() => continue,
                Err(x) => return Err(format!("check({}) of {}: {x}", show(e), a.name)),
            };
            let _ = writeln!(w, "wrap::check(R, {:?}, {cond}, {:?})?;", names[i], show(e));
        }
    }
    // Arrays against the extents the routine uses; where those cannot be computed (the
    // documentation names something that is not an argument), the caller vouches for them.
    let mut unchecked: Vec<(usize, String)> = Vec::new();
    for (i, a) in sig.args.iter().enumerate() {
        let v = &names[i];
        let len = match forms[i] {
            Form::Slice { .. } => format!("{v}.len()"),
            Form::Mat { .. } => format!("{v}.data_len()"),
            _ => continue,
        };
        let mut ext = Vec::new();
        let mut why = None;
        for d in &a.dims {
            if *d == Expr::Int(-1) {
                why = Some("its extents are neither declared nor documented".to_string());
                break;
            }
            match gexpr::int(d, &before) {
                Ok(e) => ext.push(e),
                Err(e) => {
                    why = Some(format!(
                        "its extent {} cannot be computed here ({e})",
                        show(d)
                    ));
                    break;
                }
            }
        }
        if let Some(why) = why {
            // The caller vouches for the length: the method becomes `unsafe`.
            unchecked.push((i, why));
            continue;
        }
        let shown: Vec<String> = a.dims.iter().map(|d| format!("{:?}", show(d))).collect();
        let _ = writeln!(
            w,
            "wrap::need(R, {v:?}, {len}, &[{}], &[{}])?;",
            ext.join(", "),
            shown.join(", ")
        );
    }
    // Outputs, INFO, workspace.
    let after = look(true);
    for (i, a) in sig.args.iter().enumerate() {
        let v = &names[i];
        match forms[i] {
            Form::OutScalar => {
                let _ = writeln!(w, "let mut {v}_c: {} = Default::default();", ty_of(a)?);
            }
            Form::OutArray => {
                let mut ext = Vec::new();
                for d in &a.dims {
                    ext.push(
                        gexpr::int(d, &after)
                            .map_err(|e| format!("the extent {} of {}: {e}", show(d), a.name))?,
                    );
                }
                let _ = writeln!(w, "let {v}_e: [i64; {}] = [{}];", ext.len(), ext.join(", "));
                let _ = writeln!(
                    w,
                    "let mut {v}: Vec<{}> = vec![Default::default(); wrap::count(R, {v:?}, &{v}_e)?];",
                    ty_of(a)?
                );
            }
            Form::Info => {
                let _ = writeln!(w, "let mut {v}_c: {} = 0;", ty_of(a)?);
            }
            Form::Work => {
                let _ = writeln!(
                    w,
                    "let mut {v}: Vec<{}> = vec![Default::default(); 1];",
                    ty_of(a)?
                );
            }
            Form::WorkSize => {
                let _ = writeln!(w, "let mut {v}_c: {} = -1;", ty_of(a)?);
            }
            _ => {}
        }
    }
    if f2c_result {
        let t = types.elem(r.result.as_ref().ok_or("no result")?)?;
        let _ = writeln!(w, "let mut result_: {t} = Default::default();");
    }
    let symbol = &proto.symbol;
    let _ = writeln!(
        w,
        "let func_ = self.s.{method}.get(&self.lib, R, {:?}, {symbol:?})?;",
        proto.decl
    );
    // Pivot arrays as the routine will read them.
    for (i, a) in sig.args.iter().enumerate() {
        for c in &a.checks {
            let Check::Pivots { rule, order, fact } = c else {
                continue;
            };
            let (Form::Slice { .. }, Some(n)) = (forms[i], a.dims.first()) else {
                return Err(format!("the pivots {} are not a vector", a.name));
            };
            let n = gexpr::int(n, &before).map_err(|e| format!("{}: {e}", a.name))?;
            let order = gexpr::int(order, &before).map_err(|e| format!("{}: {e}", a.name))?;
            let given = match fact.as_deref().map(&before) {
                None => None,
                Some(Some(Sym::Char(x))) => Some(format!("({x}).eq_ignore_ascii_case(&b'F')")),
                Some(_) => return Err(format!("the pivots {}: no FACT", a.name)),
            };
            let zero = match (pivot[i], when(i)) {
                (false, _) => "false",
                (true, Some(c)) => c,
                (true, None) => "true",
            };
            let v = &names[i];
            let check = format!(
                "wrap::pivots(R, {:?}, {v}, {n}, ({order}, wrap::PivotRule::{rule:?}), {zero})?;",
                v.trim_start_matches("r#")
            );
            let _ = match given {
                None => writeln!(w, "{check}"),
                Some(g) => writeln!(w, "if {g} {{ {check} }}"),
            };
        }
    }
    // Pivots given 0-based are passed 1-based.
    for i in 0..sig.args.len() {
        if !pivot[i] {
            continue;
        }
        let v = &names[i];
        // The argument's name in error messages.
        let arg = v.trim_start_matches("r#");
        let t = ty_of(&sig.args[i])?;
        match (forms[i], when(i)) {
            (Form::Slice { write: false }, Some(c)) => {
                let _ = writeln!(
                    w,
                    "let {v}_b: Vec<{t}>;\nlet {v}_p: *const {t} = if {c} {{ {v}_b = wrap::one_based({v}); {v}_b.as_ptr() }} else {{ {v}.as_ptr() }};"
                );
            }
            (Form::Slice { write: false }, None) => {
                let _ = writeln!(
                    w,
                    "let {v}_b: Vec<{t}> = wrap::one_based({v});\nlet {v}_p: *const {t} = {v}_b.as_ptr();"
                );
            }
            (Form::Slice { write: true }, Some(c)) => {
                let _ = writeln!(w, "if {c} {{ wrap::shift({v}, 1); }}");
            }
            (Form::Slice { write: true }, None) => {
                let _ = writeln!(w, "wrap::shift({v}, 1);");
            }
            (Form::Value | Form::Computed, None) => {
                let _ = writeln!(
                    w,
                    "let {}{v}_c: {t} = wrap::int(R, {:?}, wrap::add(R, i64::from({v}_c), 1)?)?;",
                    m(i),
                    arg
                );
            }
            (Form::InOut, None) => {
                let _ = writeln!(
                    w,
                    "*{v} = wrap::int(R, {:?}, wrap::add(R, i64::from(*{v}), 1)?)?;",
                    arg
                );
            }
            _ => {}
        }
    }
    let info = (0..sig.args.len()).find(|&i| forms[i] == Form::Info);
    let dummies: Vec<String> = r
        .dummies
        .iter()
        .map(|d| format!("{:?}", d.name.to_ascii_lowercase()))
        .collect();
    let info_check = info.map(|i| {
        let meaning = info_meaning(r, &sig.args[i].name);
        format!(
            "wrap::info(R, i64::from({}_c), &[{}], {meaning:?})?;\n",
            names[i],
            dummies.join(", ")
        )
    });
    let call = match c_args.len() {
        0 => "func_.call(())".to_string(),
        1 => format!("func_.call(({},))", c_args[0]),
        _ => format!("func_.call(({}))", c_args.join(", ")),
    };
    let safety = if !sig.unchecked.is_empty() {
        "// SAFETY: the prototype is the routine's (its Rust types were checked against \
         it when resolved); every array holds the extents the routine uses (checked \
         above, or vouched for by the caller), the unchecked indices are vouched for by \
         the caller, and every scalar is a live local."
    } else if unchecked.is_empty() {
        "// SAFETY: the prototype is the routine's (its Rust types were checked against \
         it when resolved); every array holds the extents the routine uses (checked \
         above) and every scalar is a live local."
    } else {
        "// SAFETY: the prototype is the routine's (its Rust types were checked against \
         it when resolved); every array holds the extents the routine uses (checked \
         above, or vouched for by the caller) and every scalar is a live local."
    };
    let works: Vec<usize> = (0..sig.args.len())
        .filter(|&i| forms[i] == Form::Work)
        .collect();
    if !works.is_empty() {
        let _ = writeln!(w, "// The workspace query (LWORK = -1).");
        let _ = writeln!(w, "{safety}");
        let _ = writeln!(w, "unsafe {{ {call} }};");
        if let Some(c) = &info_check {
            w.push_str(c);
        }
        for &i in &works {
            let a = &sig.args[i];
            let v = &names[i];
            let ArgRole::Workspace(size) = &a.role else {
                continue;
            };
            let n = if matches!(a.ty, Some(FType::Integer { .. } | FType::Logical { .. })) {
                format!("wrap::iwork_size(R, {v:?}, i64::from({v}[0]))?")
            } else {
                format!("wrap::work_size(R, {v:?}, {v}[0])?")
            };
            let _ = writeln!(w, "let {v}_n = {n};");
            let _ = writeln!(w, "{v} = vec![Default::default(); {v}_n];");
            // (No size to store when the query reports one no argument gives.)
            if let Some(j) = idx(size) {
                let s = &names[j];
                let _ = writeln!(w, "{s}_c = wrap::int(R, {s:?}, wrap::len({v}_n))?;");
            }
        }
    }
    let _ = writeln!(w, "{safety}");
    let res = if r.result.is_some() && !f2c_result {
        "let result_ = "
    } else {
        ""
    };
    let _ = writeln!(w, "{res}unsafe {{ {call} }};");
    if sig.result_zero_based && !res.is_empty() {
        // A 0-based index (a `.pyf`'s `… - 1`).
        let _ = writeln!(
            w,
            "let result_ = wrap::int(R, \"\", wrap::sub(R, i64::from(result_), 1)?)?;"
        );
    }
    // Pivots back to 0-based.
    for i in 0..sig.args.len() {
        if !pivot[i] {
            continue;
        }
        let v = &names[i];
        let arg = v.trim_start_matches("r#");
        match (forms[i], when(i)) {
            (Form::Slice { write: true } | Form::OutArray, c) => {
                let r = if forms[i] == Form::OutArray {
                    "&mut "
                } else {
                    ""
                };
                let _ = match c {
                    Some(c) => writeln!(w, "if {c} {{ wrap::shift({r}{v}, -1); }}"),
                    None => writeln!(w, "wrap::shift({r}{v}, -1);"),
                };
            }
            (Form::OutScalar, None) => {
                let _ = writeln!(
                    w,
                    "let {v}_c: {} = wrap::int(R, {:?}, wrap::sub(R, i64::from({v}_c), 1)?)?;",
                    ty_of(&sig.args[i])?,
                    arg
                );
            }
            (Form::InOut, None) => {
                let _ = writeln!(
                    w,
                    "*{v} = wrap::int(R, {:?}, wrap::sub(R, i64::from(*{v}), 1)?)?;",
                    arg
                );
            }
            _ => {}
        }
    }
    // A signature file's operations after the call (before INFO, as its C code runs them).
    for after in &sig.after {
        let After::ZeroTriangle { array, when, upper } = after;
        let i = sig
            .args
            .iter()
            .position(|a| &a.name == array)
            .ok_or_else(|| format!("zeroes a triangle of {array}, not an argument"))?;
        if forms[i] != (Form::Mat { write: true }) {
            return Err(format!(
                "zeroes a triangle of {}, which is not a matrix updated in place",
                array.to_ascii_lowercase()
            ));
        }
        let when = gexpr::cond(when, &before)?;
        let upper = gexpr::cond(upper, &before)?;
        let _ = writeln!(
            w,
            "if {when} {{ wrap::zero_triangle(&mut {}, {upper}); }}",
            names[i]
        );
    }
    if let Some(c) = &info_check {
        w.push_str(c);
    } else if r.calls_xerbla {
        let _ = writeln!(w, "wrap::xerbla(R, &[{}])?;", dummies.join(", "));
    }
    let mut outs: Vec<String> = Vec::new();
    if let Some(t) = &r.result {
        outs.push(match t {
            FType::Logical { .. } => "result_ != 0".into(),
            FType::Real { kind } if kind.unwrap_or(4) == 4 && c_ret == "f64" => {
                "result_ as f32".into()
            }
            _ => "result_".into(),
        });
    }
    for (i, a) in sig.args.iter().enumerate() {
        match forms[i] {
            Form::OutScalar if matches!(a.ty, Some(FType::Logical { .. })) => {
                outs.push(format!("{}_c != 0", names[i]));
            }
            Form::OutScalar => outs.push(format!("{}_c", names[i])),
            Form::OutArray if !a.returned() => {}
            Form::OutArray => outs.push(names[i].clone()),
            _ => {}
        }
    }
    let _ = match outs.len() {
        0 => writeln!(w, "Ok(())"),
        1 => writeln!(w, "Ok({})", outs[0]),
        _ => writeln!(w, "Ok(({}))", outs.join(", ")),
    };

    // Documentation and the method.
    let mut code = String::new();
    code.push_str(&super::doc_comment(
        r,
        &sig,
        &names,
        &forms_doc(&forms),
        &ret_doc,
    ));
    if !unchecked.is_empty() || !sig.unchecked.is_empty() {
        code.push_str(
            "///\n/// # Safety\n///\n/// The caller vouches for what this wrapper cannot check:\n",
        );
        for (arg, what) in &sig.unchecked {
            let Some(i) = sig.args.iter().position(|a| &a.name == arg) else {
                continue;
            };
            let _ = writeln!(
                code,
                "/// - `{}` is what the routine expects ({}): no documented bound, and the \
                 routine does not check it.",
                names[i],
                super::escape(what)
            );
        }
        for (i, why) in &unchecked {
            let dims: Vec<String> = sig.args[*i].dims.iter().map(show).collect();
            let _ = writeln!(
                code,
                "/// - `{}`{} holds the elements the routine uses: {}.",
                names[*i],
                if sig.args[*i].dims.contains(&Expr::Int(-1)) {
                    String::new()
                } else {
                    format!(" ({})", dims.join(", "))
                },
                super::escape(why)
            );
        }
    }
    let unsafe_kw = if unchecked.is_empty() && sig.unchecked.is_empty() {
        ""
    } else {
        "unsafe "
    };
    let plist: Vec<String> = params
        .iter()
        .map(|(n, t)| {
            let m = if t.starts_with("MatMut") { "mut " } else { "" };
            format!("{m}{n}: {}", concrete(t, fam.map(|f| f.0)))
        })
        .collect();
    let _ = writeln!(
        code,
        "#[inline]\npub {unsafe_kw}fn {method}(&self, {}) -> Result<{}, FortranError> {{\n{b}}}",
        plist.join(", "),
        concrete(&ret, fam.map(|f| f.0)),
        b = concrete(&b, fam.map(|f| f.0)),
    );
    let family = fam.map(|(c, ..)| (lower[1..].to_string(), c));
    Ok(Wrapper {
        safe: unchecked.is_empty() && sig.unchecked.is_empty(),
        method,
        slot: concrete(&slot, fam.map(|f| f.0)),
        code,
        params,
        ret,
        family,
    })
}

/// `init` with `shape(x, k)` of an array the call allocates replaced by its `k`-th extent
/// (f2py computes those extents first: `ldz = max(1,shape(z,0))`).
fn shape_of_outputs(init: &Expr, sig: &Sig) -> Expr {
    match init {
        Expr::Call(f, args) if f == "shape" && args.len() == 2 => {
            if let (Expr::Name(x), Expr::Int(k)) = (&args[0], &args[1])
                && let Some(a) = sig.args.iter().find(|a| &a.name == x)
                && a.role == ArgRole::Out
                && let Some(d) = a.dims.get(*k as usize)
                && *d != Expr::Int(-1)
            {
                return d.clone();
            }
            init.clone()
        }
        Expr::Call(f, args) => Expr::Call(
            f.clone(),
            args.iter().map(|a| shape_of_outputs(a, sig)).collect(),
        ),
        Expr::Unary(op, x) => Expr::Unary(*op, Box::new(shape_of_outputs(x, sig))),
        Expr::Binary(op, a, b) => Expr::Binary(
            op,
            Box::new(shape_of_outputs(a, sig)),
            Box::new(shape_of_outputs(b, sig)),
        ),
        Expr::Cond(c, a, b) => Expr::Cond(
            Box::new(shape_of_outputs(c, sig)),
            Box::new(shape_of_outputs(a, sig)),
            Box::new(shape_of_outputs(b, sig)),
        ),
        _ => init.clone(),
    }
}

/// Which arguments are visible, for the documentation.
fn forms_doc(forms: &[Form]) -> Vec<bool> {
    forms
        .iter()
        .map(|f| {
            matches!(
                f,
                Form::Value
                    | Form::InOut
                    | Form::Str
                    | Form::Slice { .. }
                    | Form::Mat { .. }
                    | Form::Proc
            )
        })
        .collect()
}
