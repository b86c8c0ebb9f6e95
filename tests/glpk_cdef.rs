//! `cdefs/glpk.h`, the GLPK 5.0 API written as a cdef, against the installed `glpk.h`
//! (Debian package libglpk-dev).
//!
//! Three oracles: `Ffi::cdef_header("glpk.h")` (the real header read through `cc -E`) for
//! completeness and for the declarations as jitffi reads them, and the C compiler, through the
//! layout probe, for struct layouts, constant values and types, and function types.

mod common;

use std::collections::BTreeSet;
use std::fmt::Write as _;

use jitffi::ctype::{CType, TypeTable};
use jitffi::probe::Probe;
use jitffi::{Ffi, HeaderOptions};

const CDEF: &str = include_str!("../cdefs/glpk.h");

const INSTALL_HINT: &str =
    "this test needs GLPK's header glpk.h (GLPK 5.0): `apt-get install libglpk-dev`";

/// `#define GLP_UNDOC 1`, which makes glpk.h (and the cdef) declare the cut generators.
const UNDOC: &str = "#define GLP_UNDOC 1\n";

/// The real header, read by jitffi through the C preprocessor.
fn header_ffi(undoc: bool) -> Ffi {
    common::require_cc();
    let ffi = Ffi::new();
    let mut opts = HeaderOptions::default();
    if undoc {
        opts.defines.push(("GLP_UNDOC".into(), Some("1".into())));
    }
    if let Err(e) = ffi.cdef_header("glpk.h", &opts) {
        let text = e.to_string();
        let shown: Vec<&str> = text.lines().take(20).collect();
        panic!(
            "{INSTALL_HINT}\ncdef_header(glpk.h) failed:\n{}",
            shown.join("\n")
        );
    }
    assert!(
        ffi.types().function("glp_create_prob").is_some(),
        "cdef_header(glpk.h) declared no glp_create_prob: is the installed glpk.h GLPK's? {INSTALL_HINT}"
    );
    ffi
}

/// The cdef, after `#define GLP_UNDOC 1` in an earlier cdef if `undoc`.
fn cdef_ffi(undoc: bool) -> Ffi {
    let ffi = Ffi::new();
    if undoc {
        ffi.cdef(UNDOC).expect("#define GLP_UNDOC 1");
    }
    if let Err(e) = ffi.cdef(CDEF) {
        let text = e.to_string();
        let shown: Vec<&str> = text.lines().take(30).collect();
        panic!("cdefs/glpk.h does not parse:\n{}", shown.join("\n"));
    }
    ffi
}

fn function_names(t: &TypeTable) -> BTreeSet<String> {
    t.functions()
        .map(|f| f.name.clone())
        .filter(|n| n.starts_with("glp_"))
        .collect()
}

/// The `GLP_*` constants, without `GLP_UNDOC`: that is the user's switch, not part of `glpk.h`.
fn constant_names(t: &TypeTable) -> BTreeSet<String> {
    t.constants()
        .map(|c| c.name.clone())
        .filter(|n| n.starts_with("GLP_") && n != "GLP_UNDOC")
        .collect()
}

fn typedef_names(t: &TypeTable) -> BTreeSet<String> {
    t.typedef_names()
        .filter(|n| n.starts_with("glp_"))
        .map(str::to_string)
        .collect()
}

/// Tags of the `glp_*` structs and unions, complete or not.
fn struct_tags(t: &TypeTable) -> BTreeSet<String> {
    t.ids()
        .filter_map(|id| match t.get(id) {
            CType::Record(r) => {
                let tag = r.tag.as_ref()?;
                (tag.starts_with("glp_") && t.tag(tag) == Some(id))
                    .then(|| format!("{} {tag}", r.kind.keyword()))
            }
            _ => None,
        })
        .collect()
}

/// The names only one side has, as a report line; `None` if the sets are equal.
fn name_diff(what: &str, cdef: &BTreeSet<String>, header: &BTreeSet<String>) -> Option<String> {
    let missing: Vec<&String> = header.difference(cdef).collect();
    let extra: Vec<&String> = cdef.difference(header).collect();
    (!missing.is_empty() || !extra.is_empty()).then(|| {
        format!(
            "{what}: {} in glpk.h: {} missing from the cdef: {missing:?}; {} only in the cdef: {extra:?}",
            header.len(),
            missing.len(),
            extra.len()
        )
    })
}

/// A type as text: its C spelling, layout and members (names, types, offsets, bit-fields).
fn describe(ffi: &Ffi, name: &str) -> String {
    let ty = match ffi.type_of(name) {
        Ok(ty) => ty,
        Err(e) => return format!("<not declared: {e}>"),
    };
    let t = ty.table();
    let mut s = match ty.kind() {
        CType::Typedef(td) => format!("typedef {}", t.display(td.target)),
        _ => ty.to_string(),
    };
    // Writing to a String cannot fail.
    let _ = match ty.layout() {
        Ok(l) => write!(s, "; size {} align {}", l.size, l.align),
        Err(_) => write!(s, "; incomplete"),
    };
    for f in ty.fields().unwrap_or_default() {
        let field = t.declare(f.ty, f.name.as_deref().unwrap_or(""));
        let _ = write!(s, "; {field} @{}", f.offset);
        if let Some(w) = f.bit_width {
            let _ = write!(s, ":{w}@bit{}", f.bit_offset);
        }
    }
    s
}

/// Every `glp_*`/`GLP_*` name of the header: declared by the cdef, with the same names, and with the
/// same declaration as jitffi reads it from the header.
fn assert_same_declarations(cdef: &Ffi, header: &Ffi) {
    let (ct, ht) = (cdef.types(), header.types());
    let names: Vec<String> = [
        name_diff(
            "glp_* functions",
            &function_names(&ct),
            &function_names(&ht),
        ),
        name_diff(
            "GLP_* constants",
            &constant_names(&ct),
            &constant_names(&ht),
        ),
        name_diff("glp_* typedefs", &typedef_names(&ct), &typedef_names(&ht)),
        name_diff("glp_* struct tags", &struct_tags(&ct), &struct_tags(&ht)),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        names.is_empty(),
        "cdefs/glpk.h does not declare what glpk.h declares:\n{}",
        names.join("\n")
    );

    let mut diffs: Vec<String> = Vec::new();
    for name in function_names(&ht) {
        let (Some(ours), Some(theirs)) = (ct.function(&name), ht.function(&name)) else {
            continue;
        };
        let (ours, theirs) = (ct.declare_function(ours), ht.declare_function(theirs));
        if ours != theirs {
            diffs.push(format!(
                "function {name}:\n    cdef:   {ours}\n    header: {theirs}"
            ));
        }
    }
    for name in constant_names(&ht) {
        let (Some(ours), Some(theirs)) = (ct.constant(&name), ht.constant(&name)) else {
            continue;
        };
        if ours.value != theirs.value {
            diffs.push(format!(
                "constant {name}:\n    cdef:   {:?}\n    header: {:?}",
                ours.value, theirs.value
            ));
        }
    }
    let types: BTreeSet<String> = typedef_names(&ht)
        .into_iter()
        .chain(struct_tags(&ht))
        .collect();
    for name in types {
        let (ours, theirs) = (describe(cdef, &name), describe(header, &name));
        if ours != theirs {
            diffs.push(format!("{name}:\n    cdef:   {ours}\n    header: {theirs}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} declarations of cdefs/glpk.h differ from glpk.h's:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The probe for `ffi` covers every function, constant and type `header` declares: a check that
/// it really compares the whole API, not a part that happened to be declared.
fn assert_probe_covers(ffi: &Ffi, header: &Ffi, prelude: &str) {
    let (ct, ht) = (ffi.types(), header.types());
    let n_functions = function_names(&ht).len();
    assert!(
        ct.functions().count() >= n_functions,
        "the cdef declares {} functions, glpk.h declares {n_functions} glp_* functions",
        ct.functions().count()
    );
    let probe = Probe::new(&ct, ffi.target(), prelude);
    let keys: BTreeSet<&str> = probe.expected.iter().map(|(k, _)| k.as_str()).collect();
    let mut unchecked: Vec<String> = Vec::new();
    for name in function_names(&ht) {
        if !keys.contains(format!("function {name}").as_str()) {
            unchecked.push(format!("function {name}"));
        }
    }
    for name in constant_names(&ht) {
        for key in [format!("const {name}"), format!("type {name}")] {
            if !keys.contains(key.as_str()) {
                unchecked.push(key);
            }
        }
    }
    for name in typedef_names(&ht).into_iter().chain(struct_tags(&ht)) {
        if header.type_of(&name).is_ok_and(|t| t.layout().is_ok())
            && !keys.contains(format!("size {name}").as_str())
        {
            unchecked.push(format!("size {name}"));
        }
    }
    assert!(
        unchecked.is_empty(),
        "the probe does not check {} items: {unchecked:?}",
        unchecked.len()
    );
}

fn check_against_glpk_h(undoc: bool) {
    let header = header_ffi(undoc);
    let ffi = cdef_ffi(undoc);
    assert_same_declarations(&ffi, &header);

    // The C compiler compares jitffi's reading of the cdef with the real header. The cdef has
    // glpk.h's include guard, so after `#include <glpk.h>` the compiler skips it and every name
    // the probe prints about (struct, typedef, macro, function) is the real header's.
    let define = if undoc { UNDOC } else { "" };
    let prelude = format!("{define}#include <glpk.h>\n{CDEF}");
    assert_probe_covers(&ffi, &header, &prelude);
    let label = if undoc {
        "glpk_cdef_undoc"
    } else {
        "glpk_cdef"
    };
    let m = common::probe(&ffi, &prelude, label);
    common::assert_no_mismatch(&m, "cdefs/glpk.h against <glpk.h>");
}

#[test]
fn glpk_cdef_matches_glpk_h() {
    check_against_glpk_h(false);
}

/// With `GLP_UNDOC` defined (in an earlier cdef), the undocumented cut generators too.
#[test]
fn glpk_cdef_matches_glpk_h_with_undoc() {
    check_against_glpk_h(true);
}

/// The cdef alone is valid C (strict C99, no warnings), which the C compiler lays out as
/// jitffi does.
#[test]
fn glpk_cdef_is_c() {
    common::require_cc();
    let dir = common::scratch_dir("glpk_cdef_strict");
    let file = dir.join("glpk_cdef.c");
    std::fs::write(
        &file,
        format!("#include <stdarg.h>\n#include <stddef.h>\n{UNDOC}{CDEF}"),
    )
    .expect("write C file");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = std::process::Command::new(&cc)
        .args([
            "-std=c99",
            "-pedantic",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
        ])
        .arg(&file)
        .output()
        .expect("run the C compiler");
    assert!(
        out.status.success(),
        "{cc} -std=c99 -pedantic -Wall -Wextra -Werror rejects cdefs/glpk.h:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for undoc in [false, true] {
        let ffi = cdef_ffi(undoc);
        let define = if undoc { UNDOC } else { "" };
        let m = common::probe(&ffi, &format!("{define}{CDEF}"), "glpk_cdef_alone");
        common::assert_no_mismatch(&m, "cdefs/glpk.h compiled on its own");
    }
}

/// The include guard: a second cdef, or one after the real header, declares nothing new.
#[test]
fn glpk_cdef_twice() {
    let ffi = cdef_ffi(false);
    let before = ffi.types().len();
    ffi.cdef(CDEF).expect("cdefs/glpk.h a second time");
    assert_eq!(
        ffi.types().len(),
        before,
        "a second cdef of cdefs/glpk.h declared something"
    );

    let header = header_ffi(false);
    let before = header.types().len();
    header
        .cdef(CDEF)
        .expect("cdefs/glpk.h after cdef_header(glpk.h)");
    assert_eq!(
        header.types().len(),
        before,
        "cdefs/glpk.h after cdef_header(glpk.h) declared something"
    );
}

/// What the cdef declares, counted (GLPK 5.0), without and with `GLP_UNDOC`; needs no `glpk.h`.
#[test]
fn glpk_cdef_counts() {
    let structs = "glp_arc glp_attr glp_bfcp glp_cpxcp glp_graph glp_iocp glp_iptcp glp_mpscp glp_smcp glp_vertex";
    let undoc_opaque = "glp_cfg glp_cov glp_mir glp_prep glp_prob glp_tran glp_tree";
    for (undoc, functions, opaque) in [
        (false, 229, "glp_prep glp_prob glp_tran glp_tree"),
        (true, 240, undoc_opaque),
    ] {
        let ffi = cdef_ffi(undoc);
        let t = ffi.types();
        let typedefs = typedef_names(&t);
        let with_body: Vec<&str> = typedefs
            .iter()
            .map(String::as_str)
            .filter(|n| ffi.type_of(n).is_ok_and(|ty| ty.fields().is_some()))
            .collect();
        let without_body: Vec<&str> = typedefs
            .iter()
            .map(String::as_str)
            .filter(|n| ffi.type_of(n).is_ok_and(|ty| ty.layout().is_err()))
            .collect();
        println!(
            "cdefs/glpk.h, GLP_UNDOC {}: {} glp_* functions, {} GLP_* constants, {} glp_* typedefs: \
             structs {}; opaque structs {}; {}",
            if undoc { "defined" } else { "not defined" },
            function_names(&t).len(),
            constant_names(&t).len(),
            typedefs.len(),
            with_body.join(" "),
            without_body.join(" "),
            describe(&ffi, "glp_errfunc"),
        );
        assert_eq!(function_names(&t).len(), functions, "glp_* functions");
        assert_eq!(constant_names(&t).len(), 115, "GLP_* constants");
        assert_eq!(
            with_body.join(" "),
            structs,
            "typedefs of structs with a body"
        );
        assert_eq!(without_body.join(" "), opaque, "typedefs of opaque structs");
        // The one typedef left: glp_errfunc.
        assert_eq!(
            typedefs.len(),
            with_body.len() + without_body.len() + 1,
            "glp_* typedefs: {typedefs:?}"
        );
    }
}
