//! Random layouts from the foundation's generator against C: each record's scalar leaves
//! written and read from both sides.

use crate::common;
use crate::kinds::{K, bits_of, check_handles, kind_of, random_value, write_with};
use jitffi::Ffi;
use jitffi::ctype::{CType, TypeTable};

/// A scalar leaf of a random record: jitffi path, C expression, kind.
fn leaves(ffi: &Ffi, record: &str) -> Vec<(String, String, K)> {
    fn walk(
        ffi: &Ffi,
        table: &TypeTable,
        record: &str,
        ty: jitffi::ctype::TypeId,
        path: &str,
        cexpr: &str,
        out: &mut Vec<(String, String, K)>,
    ) {
        match table.raw_type(ty) {
            CType::Record(r) => {
                for f in &r.body.as_ref().unwrap().fields {
                    match &f.name {
                        Some(n) => {
                            let p = if path.is_empty() {
                                n.clone()
                            } else {
                                format!("{path}.{n}")
                            };
                            if f.is_bitfield() {
                                if let Some(k) = kind_of(ffi, record, &p) {
                                    out.push((p, format!("{cexpr}.{n}"), k));
                                }
                            } else {
                                walk(ffi, table, record, f.ty, &p, &format!("{cexpr}.{n}"), out);
                            }
                        }
                        None if !f.is_bitfield() => {
                            walk(ffi, table, record, f.ty, path, cexpr, out)
                        }
                        None => {}
                    }
                }
            }
            CType::Array { elem, len: Some(n) } => {
                for i in [0, n.saturating_sub(1)] {
                    if i < *n {
                        walk(
                            ffi,
                            table,
                            record,
                            *elem,
                            &format!("{path}[{i}]"),
                            &format!("{cexpr}[{i}]"),
                            out,
                        );
                    }
                    if *n == 1 {
                        break;
                    }
                }
            }
            CType::Array { .. } => {}
            _ => {
                if let Some(k) = kind_of(ffi, record, path) {
                    out.push((path.to_string(), cexpr.to_string(), k));
                }
            }
        }
    }
    let t = ffi.type_of(record).unwrap();
    let mut out = Vec::new();
    walk(ffi, t.table(), record, t.id(), "", "(*p)", &mut out);
    out
}

/// C code for `get_N`/`set_N` of every leaf of record N, as in `fx_data_access`.
fn c_accessors(idx: usize, record: &str, leaves: &[(String, String, K)]) -> String {
    let mut get = String::new();
    let mut set = String::new();
    for (k, (_, e, kind)) in leaves.iter().enumerate() {
        let (g, s) = match kind {
            K::F32 => (
                format!("{{ float f = {e}; uint32_t u; memcpy(&u, &f, 4); return u; }}"),
                format!("{{ uint32_t u = (uint32_t)v; float f; memcpy(&f, &u, 4); {e} = f; }}"),
            ),
            K::F64 => (
                format!("{{ double f = {e}; uint64_t u; memcpy(&u, &f, 8); return u; }}"),
                format!("{{ double f; memcpy(&f, &v, 8); {e} = f; }}"),
            ),
            K::Ptr => (
                format!("return (uintptr_t){e};"),
                format!("{e} = (void *)(uintptr_t)v;"),
            ),
            K::Bool => (format!("return {e};"), format!("{e} = v != 0;")),
            K::Int { signed: true, .. } | K::Bits { signed: true, .. } => (
                format!("return (uint64_t)(int64_t)({e});"),
                format!("{e} = (int64_t)v;"),
            ),
            _ => (format!("return (uint64_t)({e});"), format!("{e} = v;")),
        };
        get.push_str(&format!("    case {k}: {g}\n"));
        set.push_str(&format!("    case {k}: {s} break;\n"));
    }
    format!(
        "uint64_t get_{idx}({record} *p, int k) {{\n  switch (k) {{\n{get}  }}\n  abort();\n}}\n\
         void set_{idx}({record} *p, int k, uint64_t v) {{\n  switch (k) {{\n{set}  }}\n}}\n"
    )
}

#[test]
fn random_layouts_agree_with_c() {
    common::require_cc();
    let seed: u64 = std::env::var("JITFFI_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(11);
    let n: usize = std::env::var("JITFFI_RANDOM_STRUCTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let mut g = common::random::Gen::new(seed);
    let names: Vec<String> = (0..n).map(|_| g.record()).collect();
    let text = g.text().to_string();
    let ffi = Ffi::new();
    ffi.cdef(&text).unwrap();
    let mut c = format!("#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n{text}\n");
    let mut all = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let ls = leaves(&ffi, name);
        c.push_str(&c_accessors(i, name, &ls));
        let decl =
            format!("uint64_t get_{i}(void *p, int k); void set_{i}(void *p, int k, uint64_t v);");
        ffi.cdef(&decl).unwrap();
        all.push(ls);
    }
    let dir = common::scratch_dir("cdata_random");
    let src = dir.join("acc.c");
    let so = dir.join("libacc.so");
    std::fs::write(&src, &c).unwrap();
    let st = std::process::Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-O1", "-shared", "-fPIC", "-w", "-o"])
        .arg(&so)
        .arg(&src)
        .status()
        .unwrap();
    assert!(st.success(), "compiling {} failed", src.display());
    // SAFETY: the library has no initialisers.
    let lib = unsafe { jitffi::Library::open(&so.to_string_lossy(), &Default::default()) }.unwrap();
    let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed);
    let mut checked = 0;
    for (i, (name, ls)) in names.iter().zip(&all).enumerate() {
        if ls.is_empty() {
            continue;
        }
        let ct = ffi.type_of(name).unwrap();
        let get = ffi
            .function(&lib, &format!("get_{i}"))
            .unwrap()
            .typed::<(*mut u8, i32), u64>()
            .unwrap();
        let set = ffi
            .function(&lib, &format!("set_{i}"))
            .unwrap()
            .typed::<(*mut u8, i32, u64), ()>()
            .unwrap();
        let mixed = ct.alloc_zeroed().unwrap();
        let c_only = ct.alloc_zeroed().unwrap();
        for _ in 0..(4 * ls.len()).min(80) {
            let k = rng.usize(..ls.len());
            let (path, _, kind) = &ls[k];
            let (v, bits) = random_value(&mut rng, *kind);
            match rng.u8(..5) {
                // SAFETY: `set_i` stores member k of record i.
                4 => unsafe { set.call((mixed.addr().cast(), k as i32, bits)) },
                how => write_with(&ct, &mixed, path, *kind, &v, how),
            }
            // SAFETY: as above.
            unsafe { set.call((c_only.addr().cast(), k as i32, bits)) };
            // SAFETY: `get_i` reads member k of record i.
            let c_sees = unsafe { get.call((mixed.addr().cast(), k as i32)) };
            assert_eq!(
                c_sees, bits,
                "{name} .{path}: C reads {c_sees:#x} after writing {v:?}\n{text}"
            );
            if checked % 4 == 0 {
                check_handles(&ct, &mixed, path, *kind, bits);
            } else {
                assert_eq!(bits_of(&mixed.get(path).unwrap()), bits, "{name} .{path}");
            }
            checked += 1;
        }
        assert_eq!(
            mixed.to_bytes(),
            c_only.to_bytes(),
            "{name}: bytes differ\n{text}"
        );
    }
    assert!(checked > n, "only {checked} member writes checked");
}
