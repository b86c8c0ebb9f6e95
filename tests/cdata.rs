//! C data against the C compiler: every member kind written by jitffi and read by C, written
//! by C and read by jitffi, bit-exactly; random layouts from the foundation's generator;
//! ownership (drop, keep-alive, gc) with counters; views of C memory; CData in calls.

mod common;

use std::cell::Cell;
use std::rc::Rc;

use jitffi::cdata::Init;
use jitffi::ctype::{CType, Prim, TypeTable};
use jitffi::{CData, CDataErrorKind, Ffi, Library, Value};

/// What a member holds, for making values and comparing with C's raw bits.
#[derive(Clone, Copy, Debug, PartialEq)]
enum K {
    Int { bytes: u8, signed: bool },
    Bits { width: u32, signed: bool, bytes: u8 },
    Bool,
    F32,
    F64,
    Ptr,
}

/// Member k of `struct fx_data`, as `fx_data_get`/`fx_data_set` number them.
const FX_DATA_FIELDS: &[&str] = &[
    "i8",
    "u8",
    "i16",
    "u16",
    "i32",
    "u32",
    "i64",
    "u64",
    "f32",
    "f64",
    "b",
    "c",
    "p",
    "color",
    "bits.flag",
    "bits.mode",
    "bits.delta",
    "bits.big",
    "bits.on",
    "bits.low",
    "bits.wide",
    "bits.color",
    "packed[1].c",
    "packed[1].i",
    "packed[1].d",
    "val.i",
    "val.d",
    "val.bytes[5]",
    "val.pt.y",
    "tagged.kind",
    "tagged.d",
    "tagged.range.hi",
    "pts[2].x",
    "pts[1].y",
    "grid[1][2]",
    "pk.lo",
    "pk.hi",
    "pk.top",
    "next",
];

/// The kind of the member at `path` of `ty`, from the declarations (`None`: no `Value`).
fn kind_of(ffi: &Ffi, ty: &str, path: &str) -> Option<K> {
    let t = ffi.type_of(ty).unwrap();
    let target = t.resolve(path).unwrap();
    let table = t.table();
    let prim_kind = |table: &TypeTable, id| -> Option<(u8, bool, bool)> {
        // (bytes, signed, is_bool)
        match table.raw_type(id) {
            CType::Prim(Prim::Bool) => Some((1, false, true)),
            CType::Prim(p) if p.is_integer() && p.int_rank() <= 5 => {
                let bytes = jitffi::Target::host().prim(*p).0 as u8;
                Some((bytes, p.is_signed(true), false))
            }
            CType::Enum(e) => {
                let u = e.body.as_ref()?.underlying;
                Some((
                    jitffi::Target::host().prim(u).0 as u8,
                    u.is_signed(true),
                    false,
                ))
            }
            _ => None,
        }
    };
    if let Some((_, width)) = target.bitfield {
        let (bytes, signed, is_bool) = prim_kind(table, target.ty)?;
        return Some(if is_bool {
            K::Bool
        } else {
            K::Bits {
                width,
                signed,
                bytes,
            }
        });
    }
    Some(match table.raw_type(target.ty) {
        CType::Prim(Prim::Float) => K::F32,
        CType::Prim(Prim::Double) => K::F64,
        CType::Pointer(_) => K::Ptr,
        _ => {
            let (bytes, signed, is_bool) = prim_kind(table, target.ty)?;
            if is_bool {
                K::Bool
            } else {
                K::Int { bytes, signed }
            }
        }
    })
}

/// A random value of kind `k`: (the `Value`, C's raw bits of it).
fn random_value(rng: &mut fastrand::Rng, k: K) -> (Value<'static>, u64) {
    let sext = |v: u64, bits: u32| (((v << (64 - bits)) as i64) >> (64 - bits)) as u64;
    match k {
        K::Int { bytes, signed } => {
            let raw = rng.u64(..);
            let bits = u32::from(bytes) * 8;
            let v = if signed {
                sext(raw, bits)
            } else if bits == 64 {
                raw
            } else {
                raw & ((1 << bits) - 1)
            };
            let val = match (bytes, signed) {
                (1, true) => Value::I8(v as i8),
                (1, false) => Value::U8(v as u8),
                (2, true) => Value::I16(v as i16),
                (2, false) => Value::U16(v as u16),
                (4, true) => Value::I32(v as i32),
                (4, false) => Value::U32(v as u32),
                (_, true) => Value::I64(v as i64),
                (_, false) => Value::U64(v),
            };
            (val, v)
        }
        K::Bits {
            width,
            signed,
            bytes,
        } => {
            let raw = rng.u64(..);
            let v = if signed {
                sext(raw, width)
            } else if width == 64 {
                raw
            } else {
                raw & ((1 << width) - 1)
            };
            // Bit-field values travel as the declared type's variant.
            let val = match (bytes, signed) {
                (1, false) if width == 1 && rng.bool() => Value::Bool(v != 0),
                (_, true) if bytes <= 4 => Value::I32(v as i32),
                (_, true) => Value::I64(v as i64),
                (_, false) if bytes <= 4 => Value::U32(v as u32),
                (_, false) => Value::U64(v),
            };
            (val, v)
        }
        K::Bool => {
            let b = rng.bool();
            (Value::Bool(b), u64::from(b))
        }
        K::F32 => {
            let f = (rng.f32() - 0.5) * 1e6;
            (Value::F32(f), u64::from(f.to_bits()))
        }
        K::F64 => {
            let f = (rng.f64() - 0.5) * 1e12;
            (Value::F64(f), f.to_bits())
        }
        K::Ptr => {
            let a = rng.u64(..) & 0x7fff_ffff_fff8;
            (
                Value::Ptr(jitffi::Pointer::new(a as usize as *mut std::ffi::c_void)),
                a,
            )
        }
    }
}

/// C's raw bits of a value read back by jitffi.
fn bits_of(v: &Value<'_>) -> u64 {
    match *v {
        Value::F32(f) => u64::from(f.to_bits()),
        Value::F64(f) => f.to_bits(),
        Value::Ptr(p) => p.addr() as usize as u64,
        Value::Bool(b) => u64::from(b),
        _ => v.as_i64().map_or_else(|| v.as_u64().unwrap(), |x| x as u64),
    }
}

struct FxData {
    ffi: Ffi,
    get: jitffi::TypedFunction<(*const u8, i32), u64>,
    set: jitffi::TypedFunction<(*mut u8, i32, u64), ()>,
    _lib: jitffi::Library,
}

fn fx_data() -> FxData {
    let (ffi, lib) = common::fixture();
    let get = ffi
        .function(&lib, "fx_data_get")
        .unwrap()
        .typed::<(*const u8, i32), u64>()
        .unwrap();
    let set = ffi
        .function(&lib, "fx_data_set")
        .unwrap()
        .typed::<(*mut u8, i32, u64), ()>()
        .unwrap();
    FxData {
        ffi,
        get,
        set,
        _lib: lib,
    }
}

impl FxData {
    fn c_get(&self, d: &CData<'_>, k: usize) -> u64 {
        // SAFETY: `d` is a `struct fx_data` and `k` one of its member numbers.
        unsafe { self.get.call((d.addr().cast(), k as i32)) }
    }

    fn c_set(&self, d: &CData<'_>, k: usize, bits: u64) {
        // SAFETY: as above.
        unsafe { self.set.call((d.addr().cast(), k as i32, bits)) }
    }
}

/// Runs `$m!(T, from_bits, to_bits)` with the Rust type `T` of member `path` of kind `$k`
/// (as the typed handles take it) and the conversions from and to the member's bits
/// (`random_value`'s and `bits_of`'s form).
macro_rules! with_rust_type {
    ($k:expr, $ct:expr, $path:expr, $m:ident) => {
        match $k {
            K::Int {
                bytes: 1,
                signed: true,
            }
            | K::Bits {
                bytes: 1,
                signed: true,
                ..
            } => {
                $m!(i8, |b: u64| b as i8, |v: i8| v as i64 as u64)
            }
            K::Int {
                bytes: 1,
                signed: false,
            }
            | K::Bits {
                bytes: 1,
                signed: false,
                width: 2..,
            } => {
                $m!(u8, |b: u64| b as u8, u64::from)
            }
            K::Int {
                bytes: 2,
                signed: true,
            }
            | K::Bits {
                bytes: 2,
                signed: true,
                ..
            } => {
                $m!(i16, |b: u64| b as i16, |v: i16| v as i64 as u64)
            }
            K::Int {
                bytes: 2,
                signed: false,
            }
            | K::Bits {
                bytes: 2,
                signed: false,
                ..
            } => {
                $m!(u16, |b: u64| b as u16, u64::from)
            }
            K::Int {
                bytes: 4,
                signed: true,
            }
            | K::Bits {
                bytes: 4,
                signed: true,
                ..
            } => {
                $m!(i32, |b: u64| b as i32, |v: i32| v as i64 as u64)
            }
            K::Int {
                bytes: 4,
                signed: false,
            }
            | K::Bits {
                bytes: 4,
                signed: false,
                ..
            } => {
                $m!(u32, |b: u64| b as u32, u64::from)
            }
            K::Int { signed: true, .. } | K::Bits { signed: true, .. } => {
                $m!(i64, |b: u64| b as i64, |v: i64| v as u64)
            }
            K::Int { signed: false, .. } => $m!(u64, |b: u64| b, |v: u64| v),
            K::Bits {
                bytes: 1, width: 1, ..
            }
            | K::Bool => {
                // `_Bool` (and `_Bool x : 1`) read as bool; `unsigned char x : 1` as u8.
                match $ct.accessor::<bool>($path) {
                    Ok(_) => $m!(bool, |b: u64| b != 0, u64::from),
                    Err(_) => $m!(u8, |b: u64| b as u8, u64::from),
                }
            }
            K::Bits { .. } => $m!(u64, |b: u64| b, |v: u64| v),
            K::F32 => $m!(f32, |b: u64| f32::from_bits(b as u32), |v: f32| u64::from(
                v.to_bits()
            )),
            K::F64 => $m!(f64, f64::from_bits, f64::to_bits),
            K::Ptr => $m!(
                *mut u8,
                |b: u64| b as usize as *mut u8,
                |v: *mut u8| v as usize as u64
            ),
        }
    };
}

/// Reads member `path` of `d` through the typed accessor, compiled accessor and untyped
/// member handle of the kind's Rust type, and checks they all agree with `want` (C's bits).
fn check_handles(ct: &jitffi::Type, d: &CData<'_>, path: &str, k: K, want: u64) {
    let m = ct.member(path).unwrap();
    assert_eq!(bits_of(&m.get(d).unwrap()), want, "{path}: Member");
    macro_rules! typed {
        ($t:ty, $from:expr, $to:expr) => {{
            let a = ct.accessor::<$t>(path).unwrap();
            let c = ct.compiled::<$t>(path).unwrap();
            let got_a = a.get(d).unwrap();
            let got_c = c.get(d).unwrap();
            assert_eq!(
                $to(got_a),
                $to(a.bind(d).unwrap().get(0).unwrap()),
                "{path}: bound accessor"
            );
            assert_eq!(
                $to(got_a),
                $to(got_c),
                "{path}: accessor and compiled accessor differ"
            );
            $to(got_a)
        }};
    }
    let got = with_rust_type!(k, ct, path, typed);
    assert_eq!(got, want, "{path}: typed accessors");
}

/// Writes `bits` into member `path` through one of the four write paths (chosen by `how`).
fn write_with(ct: &jitffi::Type, d: &CData<'_>, path: &str, k: K, v: &Value<'_>, how: u8) {
    if how == 0 {
        return d.set(path, v.clone()).unwrap();
    }
    if how == 1 {
        return ct.member(path).unwrap().set(d, v).unwrap();
    }
    let compiled = how == 3;
    macro_rules! typed {
        ($t:ty, $x:expr) => {{
            if compiled {
                ct.compiled::<$t>(path).unwrap().set(d, $x).unwrap()
            } else {
                ct.accessor::<$t>(path).unwrap().set(d, $x).unwrap()
            }
        }};
    }
    let b = bits_of(v);
    match (k, v) {
        (_, Value::Bool(x)) => match ct.accessor::<bool>(path) {
            Ok(_) => typed!(bool, *x),
            Err(_) => typed!(u8, u8::from(*x)),
        },
        (_, Value::I8(x)) => typed!(i8, *x),
        (_, Value::U8(x)) => typed!(u8, *x),
        (_, Value::I16(x)) => typed!(i16, *x),
        (_, Value::U16(x)) => typed!(u16, *x),
        (
            K::Bits {
                bytes: 1,
                signed: true,
                ..
            },
            Value::I32(x),
        ) => typed!(i8, *x as i8),
        (
            K::Bits {
                bytes: 2,
                signed: true,
                ..
            },
            Value::I32(x),
        ) => typed!(i16, *x as i16),
        (
            K::Bits {
                bytes: 1,
                signed: false,
                ..
            },
            Value::U32(x),
        ) => typed!(u8, *x as u8),
        (
            K::Bits {
                bytes: 2,
                signed: false,
                ..
            },
            Value::U32(x),
        ) => typed!(u16, *x as u16),
        (_, Value::I32(x)) => typed!(i32, *x),
        (_, Value::U32(x)) => typed!(u32, *x),
        (_, Value::I64(x)) => typed!(i64, *x),
        (_, Value::U64(x)) => typed!(u64, *x),
        (_, Value::F32(x)) => typed!(f32, *x),
        (_, Value::F64(x)) => typed!(f64, *x),
        (_, Value::Ptr(_)) => typed!(*mut u8, b as usize as *mut u8),
        other => panic!("no typed write for {other:?}"),
    }
}

#[test]
fn every_member_kind_agrees_with_c_bit_for_bit() {
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let mut rng = fastrand::Rng::with_seed(41);
    for (k, path) in FX_DATA_FIELDS.iter().enumerate() {
        let kind = kind_of(&fx.ffi, "struct fx_data", path).expect(path);
        for round in 0..16u8 {
            // jitffi writes, C reads; the bytes equal those C writes for the same value.
            let (v, bits) = random_value(&mut rng, kind);
            let ours = ct.alloc_zeroed().unwrap();
            let theirs = ct.alloc_zeroed().unwrap();
            write_with(&ct, &ours, path, kind, &v, round % 4);
            fx.c_set(&theirs, k, bits);
            assert_eq!(
                fx.c_get(&ours, k),
                bits,
                "{path}: C reads what jitffi wrote ({v:?})"
            );
            assert_eq!(
                ours.to_bytes(),
                theirs.to_bytes(),
                "{path}: jitffi and C wrote {v:?} differently"
            );
            // C writes, jitffi reads (every access path).
            let (v2, bits2) = random_value(&mut rng, kind);
            fx.c_set(&ours, k, bits2);
            assert_eq!(
                bits_of(&ours.get(path).unwrap()),
                bits2,
                "{path}: get after C wrote {v2:?}"
            );
            check_handles(&ct, &ours, path, kind, bits2);
        }
    }
}

#[test]
fn interleaved_writes_from_both_sides_leave_the_same_bytes() {
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let kinds: Vec<K> = FX_DATA_FIELDS
        .iter()
        .map(|p| kind_of(&fx.ffi, "struct fx_data", p).unwrap())
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..50 {
        let mixed = ct.alloc_zeroed().unwrap();
        let c_only = ct.alloc_zeroed().unwrap();
        for _ in 0..60 {
            let k = rng.usize(..FX_DATA_FIELDS.len());
            let (v, bits) = random_value(&mut rng, kinds[k]);
            match rng.u8(..5) {
                4 => fx.c_set(&mixed, k, bits),
                how => write_with(&ct, &mixed, FX_DATA_FIELDS[k], kinds[k], &v, how),
            }
            fx.c_set(&c_only, k, bits);
        }
        assert_eq!(mixed.to_bytes(), c_only.to_bytes());
    }
}

// -- Random layouts --

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

// -- Ownership --

#[test]
fn memory_is_freed_with_the_last_view_and_gc_runs_once() {
    let ffi = Ffi::new();
    ffi.cdef("struct node { int v; struct node *next; };")
        .unwrap();
    let count = Rc::new(Cell::new(0));
    let n = ffi
        .alloc("struct node", Init::fields([("v", 1.into())]))
        .unwrap();
    let c2 = count.clone();
    let n = n.gc(move || c2.set(c2.get() + 1));
    let field = n.at("v").unwrap();
    drop(n);
    assert_eq!(count.get(), 0, "a member view keeps the object alive");
    assert_eq!(field.get("").unwrap(), Value::I32(1));
    drop(field);
    assert_eq!(count.get(), 1, "the destructor ran when the last view went");
}

#[test]
fn storing_owned_data_into_a_pointer_member_keeps_it_alive() {
    let ffi = Ffi::new();
    ffi.cdef("struct node { int v; struct node *next; };")
        .unwrap();
    let freed = Rc::new(Cell::new(0));
    let tail = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::fields([("v", 2.into())]))
            .unwrap()
            .gc(move || f.set(f.get() + 1))
    };
    let head = ffi
        .alloc(
            "struct node",
            Init::fields([("v", 1.into()), ("next", (&tail).into())]),
        )
        .unwrap();
    drop(tail);
    assert_eq!(freed.get(), 0, "head.next keeps tail alive");
    // SAFETY: head.next points to the node stored above, kept alive by head.
    let next = unsafe { head.deref("next", None) }.unwrap();
    assert_eq!(next.get("v").unwrap(), Value::I32(2));
    drop(next);
    assert_eq!(freed.get(), 0);
    // Overwriting the member releases it.
    head.set("next", Value::Ptr(jitffi::Pointer::null()))
        .unwrap();
    assert_eq!(freed.get(), 1, "setting next to NULL released tail");
    // A typed accessor store releases too; dropping the holder releases what it holds.
    let other = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::Zero)
            .unwrap()
            .gc(move || f.set(f.get() + 10))
    };
    head.set("next", &other).unwrap();
    drop(other);
    let node = ffi.type_of("struct node").unwrap();
    node.accessor::<*mut u8>("next")
        .unwrap()
        .set(&head, std::ptr::null_mut())
        .unwrap();
    assert_eq!(freed.get(), 11);
    let again = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::Zero)
            .unwrap()
            .gc(move || f.set(f.get() + 100))
    };
    head.set("next", &again).unwrap();
    drop(again);
    drop(head);
    assert_eq!(freed.get(), 111, "dropping head released what it held");
    // Pointers must be compatible.
    let ints = ffi.alloc("int[2]", Init::Zero).unwrap();
    let h2 = ffi.alloc("struct node", Init::Zero).unwrap();
    let e = h2.set("next", &ints).unwrap_err();
    assert_eq!(
        e.to_string(),
        "struct node .next: cannot convert a pointer of type 'int *' to 'struct node *'"
    );
    // Arrays of pointers keep their elements' referents too.
    let strs = ffi.alloc("char *[2]", Init::Zero).unwrap();
    let hello = ffi.alloc("char[]", Value::str(c"hello")).unwrap();
    strs.set("[1]", &hello).unwrap();
    drop(hello);
    // SAFETY: strs[1] points to the string stored above, kept alive by strs.
    let s = unsafe { ffi.string(&strs.get("[1]").unwrap(), None) }.unwrap();
    assert_eq!(s, b"hello");
}

#[test]
fn buffers_and_views_check_bounds_and_null() {
    let ffi = Ffi::new();
    ffi.cdef("struct point { double x, y; }; struct vec { size_t n; double v[]; };")
        .unwrap();
    // from_buffer: a Rust buffer seen as C data.
    let mut raw = [0u64; 4];
    // SAFETY: u64s are 8 bytes each, no padding.
    let bytes = unsafe { std::slice::from_raw_parts_mut(raw.as_mut_ptr().cast::<u8>(), 32) };
    let pts = ffi.from_buffer("struct point[]", bytes).unwrap();
    assert_eq!(pts.len(), Some(2));
    pts.set("[1].y", 2.5).unwrap();
    assert_eq!(
        pts.get("[2].x").unwrap_err().kind(),
        CDataErrorKind::OutOfBounds
    );
    drop(pts);
    assert_eq!(raw[3], 2.5f64.to_bits());
    // A misaligned buffer is refused.
    let mut odd = [0u8; 40];
    let off = if (odd.as_ptr() as usize).is_multiple_of(8) {
        1
    } else {
        0
    };
    assert!(
        ffi.from_buffer("struct point", &mut odd[off..off + 16])
            .is_err()
    );
    // Flexible array members: bounds from the allocation.
    let v = ffi.type_of("struct vec").unwrap().alloc_flex(3).unwrap();
    v.set("v[2]", 1.0).unwrap();
    let e = v.set("v[3]", 1.0).unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::OutOfBounds, "{e}");
    assert_eq!(v.at("v").unwrap().len(), Some(3));
    // Pointer arithmetic stays inside the allocation.
    let arr = ffi.alloc_array("struct point", 3).unwrap();
    let p2 = arr.index(0).unwrap().offset(2).unwrap();
    p2.set("x", 9.0).unwrap();
    assert_eq!(arr.get("[2].x").unwrap(), Value::F64(9.0));
    assert!(p2.offset(1).is_err());
    assert!(p2.offset(-2).is_ok());
    assert!(p2.offset(-3).is_err());
    // NULL views are refused.
    // SAFETY: NULL is refused before any access.
    let e = unsafe { ffi.view(std::ptr::null_mut(), "struct point", None) }.unwrap_err();
    assert!(
        matches!(&e, jitffi::Error::CData(c) if c.kind() == CDataErrorKind::Null),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "cannot view NULL as 'struct point'");
    // Casts reinterpret within bounds.
    let as_bytes = arr.cast("unsigned char[]").unwrap();
    assert_eq!(as_bytes.len(), Some(48));
    assert!(arr.index(2).unwrap().cast("double[3]").is_err());
    // buffer() needs the only view.
    let mut one = ffi
        .alloc("int[4]", Init::list([1.into(), 2.into()]))
        .unwrap();
    let other = one.clone();
    assert_eq!(one.buffer().unwrap_err().kind(), CDataErrorKind::Shared);
    drop(other);
    one.buffer().unwrap()[8] = 7;
    assert_eq!(
        one.unpack("").unwrap(),
        vec![Value::I32(1), Value::I32(2), Value::I32(7), Value::I32(0)]
    );
    // memmove between views, overlapping.
    let a = ffi
        .alloc(
            "int[5]",
            Init::list((1..=5).map(Init::from).collect::<Vec<_>>()),
        )
        .unwrap();
    a.at("[1]").unwrap().copy_from(&a, 12).unwrap();
    assert_eq!(
        a.unpack("").unwrap(),
        [1, 1, 2, 3, 5].map(Value::I32).to_vec()
    );
    assert!(a.at("[3]").unwrap().copy_from(&a, 12).is_err());
}

#[test]
fn initializers_and_errors_are_checked_like_calls() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct point { double x, y; };
         struct shape { unsigned char kind; struct point pts[2]; char name[8]; int flags : 4; };",
    )
    .unwrap();
    let s = ffi
        .alloc(
            "struct shape",
            Init::list([
                3.into(),
                Init::list([
                    Init::list([1.0.into(), 2.0.into()]),
                    Init::fields([("y", 4.0.into())]),
                ]),
                Value::str(c"tri").into(),
                (-8).into(),
            ]),
        )
        .unwrap();
    assert_eq!(s.get("pts[1].y").unwrap(), Value::F64(4.0));
    assert_eq!(s.get("pts[1].x").unwrap(), Value::F64(0.0));
    assert_eq!(s.string("name").unwrap(), b"tri");
    assert_eq!(s.get("flags").unwrap(), Value::I32(-8));
    let e = |r: Result<(), jitffi::CDataError>| r.unwrap_err().to_string();
    assert_eq!(
        e(s.set("kind", 256)),
        "struct shape .kind: integer 256 does not fit in 'unsigned char'"
    );
    assert_eq!(
        e(s.set("kind", 1.5)),
        "struct shape .kind: cannot convert f64 to 'unsigned char'"
    );
    assert_eq!(
        e(s.set("flags", 8)),
        "struct shape .flags: 8 does not fit in the 4-bit field 'int flags : 4' (-8..=7)"
    );
    assert_eq!(
        e(s.set("nope", 1)),
        "'struct shape' has no member named 'nope'"
    );
    assert_eq!(
        e(s.set("name", Value::str(c"too long!"))),
        "struct shape .name: a string of 10 bytes does not fit in 'char[8]'"
    );
    assert_eq!(
        e(s.set("pts", Init::list([Init::Zero, Init::Zero, Init::Zero]))),
        "struct shape .pts: 3 initializers for 'struct point[2]'"
    );
    // The crate's index convention: ordinals count from 1 ("member 2"), subscripts are C's
    // ("[1]", counted from 0 as the user writes them).
    assert_eq!(
        e(s.set(
            "pts",
            Init::list([
                Init::Zero,
                Init::list([1.0.into(), Value::str(c"y").into()])
            ])
        )),
        "struct shape .pts: [1]: member 2: cannot convert string to 'double'"
    );
    assert_eq!(
        e(s.set("", Init::Values(&[Value::U8(1), Value::I64(1)]))),
        "struct shape: member 2: cannot assign i64 to the array 'struct point[2]'"
    );
    assert_eq!(
        e(s.set("", Init::fields([("pts[1].z", 1.0.into())]))),
        "struct shape: 'struct point' has no member named 'z'"
    );
    let ptrs = ffi.alloc("char *[1]", Init::Zero).unwrap();
    assert!(e(ptrs.set("[0]", Value::str(c"x"))).contains("it would dangle"));
    // Nothing was written by the failed scalar sets.
    assert_eq!(s.get("kind").unwrap(), Value::U8(3));
    // Errors of handles name the member; handles refuse other types.
    let point = ffi.type_of("struct point").unwrap();
    let x = point.accessor::<f64>("x").unwrap();
    assert_eq!(
        x.get(&s).unwrap_err().to_string(),
        "struct point .x: used on 'struct shape'"
    );
    assert_eq!(
        point.accessor::<i64>("x").unwrap_err().to_string(),
        "struct point .x: 'double' is not i64"
    );
    let shape = ffi.type_of("struct shape").unwrap();
    assert!(shape.accessor::<i32>("flags").is_ok());
    assert!(shape.accessor::<u32>("flags").is_err());
}

#[test]
fn cdata_goes_to_calls_and_comes_back() {
    let (ffi, lib) = common::fixture();
    let point = ffi.type_of("struct fx_point").unwrap();
    let pts = point.alloc_array(4).unwrap();
    let x = point.accessor::<f64>("x").unwrap();
    for i in 0..4 {
        x.set_in(&pts, i, i as f64 + 0.5).unwrap();
    }
    let sum_x = ffi.function(&lib, "fx_sum_x").unwrap();
    // SAFETY: fx_sum_x reads `n` points.
    let s = unsafe { sum_x.call(&[(&pts).into(), Value::U64(4)]) }.unwrap();
    assert_eq!(s, Value::F64(8.0));
    // A pointer of the wrong type is refused, naming both types.
    let ints = ffi.alloc("int[4]", Init::Zero).unwrap();
    // SAFETY: refused before the call.
    let e = unsafe { sum_x.call(&[(&ints).into(), Value::U64(4)]) }.unwrap_err();
    assert_eq!(
        e.to_string(),
        "fx_sum_x: argument 1: cannot pass 'int *' where 'const struct fx_point *' is expected"
    );
    // Struct by value from a CData, struct results into a CData.
    let norm2 = ffi.function(&lib, "fx_norm2").unwrap();
    let p = pts.index(3).unwrap();
    // SAFETY: fx_norm2 takes a struct by value.
    let n = unsafe { norm2.call(&[p.value().unwrap()]) }.unwrap();
    assert_eq!(n, Value::F64(3.5 * 3.5));
    let make = ffi.function(&lib, "fx_make_point").unwrap();
    // SAFETY: fx_make_point returns a struct.
    let r = unsafe { make.call(&[Value::F64(1.0), Value::F64(2.0)]) }.unwrap();
    let made = ffi.from_value(&r).unwrap();
    assert_eq!(made.type_name(), "struct fx_point");
    assert_eq!(made.get("y").unwrap(), Value::F64(2.0));
    // Flexible arrays written by C.
    let buf = ffi
        .type_of("struct fx_buffer")
        .unwrap()
        .alloc_flex(5)
        .unwrap();
    buf.set("len", 5u64).unwrap();
    let fill = ffi.function(&lib, "fx_fill_buffer").unwrap();
    // SAFETY: the buffer has room for `len` bytes.
    unsafe { fill.call(&[(&buf).into()]) }.unwrap();
    assert_eq!(
        buf.unpack("data").unwrap(),
        (0..5u8).map(Value::U8).collect::<Vec<_>>()
    );
    // Memory C owns: a static list walked through pointers.
    let list = ffi.function(&lib, "fx_static_list").unwrap();
    // SAFETY: returns a pointer to a static list.
    let head = unsafe { list.call(&[]) }.unwrap();
    // SAFETY: the list is static and valid.
    let mut node = unsafe { ffi.view_ptr(&head, None) }.unwrap();
    let mut values = vec![];
    loop {
        values.push(node.get("value").unwrap());
        if node.get("next").unwrap().as_ptr().unwrap().is_null() {
            // SAFETY: NULL is refused before any access.
            let e = unsafe { node.deref("next", None) }.unwrap_err();
            assert_eq!(e.kind(), CDataErrorKind::Null);
            break;
        }
        // SAFETY: the static list's links are valid.
        node = unsafe { node.deref("next", None) }.unwrap();
    }
    assert_eq!(values, [1, 20, 300].map(Value::I32).to_vec());
    // Globals are views.
    // SAFETY: fx_origin is a `struct fx_point` nothing else touches during the test.
    let origin = unsafe { ffi.global_data(&lib, "fx_origin") }.unwrap();
    assert_eq!(origin.get("y").unwrap(), Value::F64(-2.5));
    origin.set("x", 4.0).unwrap();
    let g = ffi.global(&lib, "fx_origin").unwrap();
    // SAFETY: as above.
    let v = unsafe { g.get() }.unwrap();
    assert_eq!(
        ffi.from_value(&v).unwrap().get("x").unwrap(),
        Value::F64(4.0)
    );
    origin.set("x", 1.25).unwrap();
    // Casts of values.
    assert_eq!(
        ffi.cast("uint8_t", &Value::I32(-1)).unwrap(),
        Value::U8(255)
    );
    assert_eq!(ffi.cast("int", &Value::F64(-3.9)).unwrap(), Value::I32(-3));
    let pv = ffi.cast("struct fx_point *", &Value::U64(0x1000)).unwrap();
    assert_eq!(
        ffi.ptr_add(&pv, 2).unwrap().as_ptr().unwrap() as usize,
        0x1020
    );
    assert!(ffi.cast("struct fx_point", &Value::I32(1)).is_err());
}

#[test]
fn cdata_pointers_go_through_variadic_tails() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct point { double x, y; }; int snprintf(char *s, size_t n, const char *fmt, ...);",
    )
    .unwrap();
    let p = ffi.alloc("struct point", Init::Zero).unwrap();
    let buf = ffi.alloc_array("char", 32).unwrap();
    let f = ffi.function(&Library::process(), "snprintf").unwrap();
    // SAFETY: snprintf writes at most 32 bytes; %p reads one pointer.
    let n = unsafe {
        f.call(&[
            (&buf).into(),
            Value::U64(32),
            Value::str(c"%p"),
            (&p).into(),
        ])
    }
    .unwrap();
    let s = String::from_utf8(buf.string("").unwrap()).unwrap();
    assert_eq!(n, Value::I32(s.len() as i32));
    assert_eq!(s, format!("{:p}", p.addr()));
}

#[test]
fn allocations_are_aligned_zeroed_and_fall_back_to_checked_initialization() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct wide { char c; double d; } __attribute__((aligned(64)));
         struct odd { char a[3]; };
         struct point { double x, y; };
         struct fwd;",
    )
    .unwrap();
    // Over-aligned objects and arrays (posix_memalign), alive together.
    let mut wides: Vec<CData<'static>> = (0..50)
        .map(|i| {
            let w = ffi.alloc("struct wide", Init::Zero).unwrap();
            w.set("d", f64::from(i)).unwrap();
            w
        })
        .collect();
    for (i, w) in wides.iter_mut().enumerate() {
        let at = w.addr() as usize;
        assert_eq!(at % 64, 0, "struct wide #{i} at {at:#x}");
        assert_eq!(w.get("d").unwrap(), Value::F64(i as f64));
        assert_eq!(w.buffer().unwrap().len(), 64);
    }
    let mut arr = ffi.alloc_array("struct wide", 3).unwrap();
    assert_eq!(arr.addr() as usize % 64, 0);
    assert!(arr.buffer().unwrap().iter().all(|&b| b == 0));
    // Sizes that are not a multiple of a word, and empty arrays.
    let mut odd = ffi.alloc("struct odd", Init::Zero).unwrap();
    assert_eq!(odd.buffer().unwrap(), &[0, 0, 0]);
    let none = ffi.alloc_array("int", 0).unwrap();
    assert_eq!(none.len(), Some(0));
    assert!(none.get("[0]").is_err());
    let mut big = ffi.alloc_array("double", 1000).unwrap();
    assert!(big.buffer().unwrap().iter().all(|&b| b == 0));

    // `alloc_values`: the positional fast path, and the checked path for the rest.
    let point = ffi.type_of("struct point").unwrap();
    let p = point
        .alloc_values(&[Value::F64(1.5), Value::F64(2.5)])
        .unwrap();
    assert_eq!(
        (p.get("x").unwrap(), p.get("y").unwrap()),
        (Value::F64(1.5), Value::F64(2.5))
    );
    let p = point.alloc_values(&[Value::F64(1.5)]).unwrap();
    assert_eq!(
        p.get("y").unwrap(),
        Value::F64(0.0),
        "missing members are zero"
    );
    let p = point
        .alloc_values(&[Value::I32(3), Value::F64(2.5)])
        .unwrap();
    assert_eq!(
        p.get("x").unwrap(),
        Value::F64(3.0),
        "converted as a call would"
    );
    let e = |r: Result<CData<'static>, jitffi::CDataError>| r.unwrap_err().to_string();
    assert_eq!(
        e(point.alloc_values(&[Value::F64(1.0), Value::F64(2.0), Value::F64(3.0)])),
        "3 initializers for 'struct point', which has 2 members"
    );
    assert_eq!(
        e(point.alloc_values(&[Value::str(c"x")])),
        "member 1: cannot convert string to 'double'"
    );
    assert_eq!(
        e(ffi.type_of("struct fwd").unwrap().alloc_values(&[])),
        "cannot allocate 'struct fwd': incomplete type"
    );
    let wide = ffi.type_of("struct wide").unwrap();
    let w = wide.alloc_values(&[Value::I8(7), Value::F64(0.5)]).unwrap();
    assert_eq!(w.addr() as usize % 64, 0);
    assert_eq!(w.get("c").unwrap(), Value::I8(7));

    // A compiled member bound to a view: the index is checked, the type once.
    let y = point.compiled::<f64>("y").unwrap();
    let pts = point.alloc_array(4).unwrap();
    let ys = y.bind(&pts).unwrap();
    for i in 0..ys.len() {
        ys.set(i, i as f64 * 2.0).unwrap();
    }
    assert_eq!(pts.get("[3].y").unwrap(), Value::F64(6.0));
    assert_eq!(ys.get(2).unwrap(), 4.0);
    assert_eq!(
        ys.get(4).unwrap_err().to_string(),
        "struct point .y: index 4 is out of bounds for 'struct point[4]'"
    );
    assert_eq!(
        y.bind(&w).unwrap_err().to_string(),
        "struct point .y: used on 'struct wide'"
    );
}

#[test]
fn compiled_gather_and_scatter_agree_with_the_checked_accessors() {
    // Every member kind of the fixture, over arrays of lengths around the compiled loops'
    // unrolling (four elements per iteration, then one at a time), filled with random bytes.
    // The typed accessors are checked against C above; the batch loops must read what they
    // read and write exactly the bytes a loop of their `set_in` writes, neighbours included.
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let mut rng = fastrand::Rng::with_seed(5);
    for path in FX_DATA_FIELDS {
        let kind = kind_of(&fx.ffi, "struct fx_data", path).expect(path);
        for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 13] {
            let mut arr = ct.alloc_array(n).unwrap();
            arr.buffer()
                .unwrap()
                .iter_mut()
                .for_each(|b| *b = rng.u8(..));
            let mut twin = ct.alloc_array(n).unwrap();
            let bytes = arr.to_bytes();
            twin.buffer().unwrap().copy_from_slice(&bytes);
            let values: Vec<u64> = (0..n).map(|_| random_value(&mut rng, kind).1).collect();
            macro_rules! batch {
                ($t:ty, $from:expr, $key:expr) => {{
                    let a = ct.accessor::<$t>(path).unwrap();
                    let c = ct.compiled::<$t>(path).unwrap();
                    let mut got: Vec<$t> = (0..n).map(|_| $from(0)).collect();
                    c.gather(&arr, &mut got).unwrap();
                    for (i, g) in got.iter().enumerate() {
                        assert_eq!(
                            $key(*g),
                            $key(a.get_in(&arr, i).unwrap()),
                            "{path}[{i}] of {n}: gather"
                        );
                    }
                    let src: Vec<$t> = values.iter().map(|&b| $from(b)).collect();
                    c.scatter(&arr, &src).unwrap();
                    for (i, &v) in src.iter().enumerate() {
                        a.set_in(&twin, i, v).unwrap();
                    }
                    assert_eq!(arr.to_bytes(), twin.to_bytes(), "{path} of {n}: scatter");
                    if n > 0 {
                        assert!(c.gather(&arr, &mut vec![$from(0); n + 1]).is_err());
                    }
                }};
            }
            with_rust_type!(kind, ct, path, batch);
        }
    }
}

#[test]
fn reused_small_blocks_come_back_zeroed_and_threads_free_their_cache() {
    // Small objects are made from blocks the thread keeps after their last view goes. A block
    // must come back as new memory: zeroed, or fully written by the values given.
    let ffi = Ffi::new();
    ffi.cdef("struct point { double x, y; }; struct pad { char c; double d; };")
        .unwrap();
    let point = ffi.type_of("struct point").unwrap();
    let pad = ffi.type_of("struct pad").unwrap();
    for round in 0..200 {
        let full = point
            .alloc_values(&[Value::F64(f64::from(round)), Value::F64(-1.0)])
            .unwrap();
        assert_eq!(full.get("y").unwrap(), Value::F64(-1.0));
        drop(full);
        let mut bytes = ffi.alloc_array("char", 16).unwrap();
        assert!(
            bytes.buffer().unwrap().iter().all(|&b| b == 0),
            "round {round}"
        );
        bytes.buffer().unwrap().fill(0xAB);
        drop(bytes);
        let half = point.alloc_values(&[Value::F64(1.0)]).unwrap();
        assert_eq!(half.get("y").unwrap(), Value::F64(0.0), "round {round}");
        // Padding is zeroed too (the values do not cover it).
        let mut p = pad.alloc_values(&[Value::I8(1), Value::F64(2.0)]).unwrap();
        assert_eq!(&p.buffer().unwrap()[1..8], &[0; 7], "round {round}");
        // Every size class, several alive at once.
        let many: Vec<CData<'static>> = (1..=130)
            .map(|n| ffi.alloc_array("char", n).unwrap())
            .collect();
        for mut m in many {
            assert!(m.buffer().unwrap().iter().all(|&b| b == 0));
            m.buffer().unwrap().fill(0xCD);
        }
    }
    // A thread that fills its cache and ends frees it (valgrind checks this in CI).
    std::thread::spawn(|| {
        let ffi = Ffi::new();
        ffi.cdef("struct point { double x, y; };").unwrap();
        let point = ffi.type_of("struct point").unwrap();
        let keep: Vec<CData<'static>> = (0..500)
            .map(|i| point.alloc_values(&[Value::F64(f64::from(i))]).unwrap())
            .collect();
        assert_eq!(keep[499].get("x").unwrap(), Value::F64(499.0));
    })
    .join()
    .unwrap();
}

/// Calls a fixture function whose arguments are C data the test owns.
fn c_call(f: &jitffi::Function, args: &[Value<'_>]) -> Value<'static> {
    // SAFETY: every fixture function is declared as tests/c/fixture.c defines it, and the
    // C data passed is alive and large enough for what the function touches.
    unsafe { f.call(args) }.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn pointer_members_in_paths_agree_with_c_both_ways() {
    let (ffi, lib) = common::fixture();
    let f = |name: &str| ffi.function(&lib, name).unwrap();
    let (sum, set) = (f("fx_node_sum"), f("fx_node_set"));

    // A list of three owned nodes linked through `next` (each kept alive by its member).
    let nodes: Vec<CData<'static>> = (0..3)
        .map(|i| {
            ffi.alloc("struct fx_node", Init::fields([("v", Init::from(i + 1))]))
                .unwrap()
        })
        .collect();
    nodes[0].set("next", &nodes[1]).unwrap();
    nodes[1].set("next", &nodes[2]).unwrap();
    let head = nodes[0].clone();
    drop(nodes);
    // Written by C, read through the path.
    c_call(&set, &[head.ptr(), Value::I32(2), Value::I32(42)]);
    assert_eq!(head.get("next->next->v").unwrap(), Value::I32(42));
    assert_eq!(head.get("next -> v").unwrap(), Value::I32(2));
    // Written through the path, read by C.
    head.set("next->v", 20).unwrap();
    head.set("next->next->v", Init::from(300)).unwrap();
    assert_eq!(c_call(&sum, &[head.ptr()]), Value::I64(1 + 20 + 300));
    // A path ending in a pointer member is that member (`head->next->next`, a pointer), and
    // the address of a member through it is the pointee's.
    let link = head.at("next->next").unwrap();
    assert_eq!(link.type_name(), "struct fx_node *");
    assert_eq!(
        head.addressof("next->next->v").unwrap().as_ptr(),
        link.get("").unwrap().as_ptr()
    );
    // NULL names the step.
    let e = head.get("next->next->next->v").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Null);
    assert_eq!(
        e.to_string(),
        "struct fx_node .next->next->next->v: 'next->next->next' is NULL"
    );
    let e = head.get("v->x").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Type);
    assert_eq!(
        e.to_string(),
        "struct fx_node .v->x: 'v' is not a pointer ('int32_t')"
    );
    assert_eq!(
        head.get("next.v").unwrap_err().to_string(),
        "cannot take member 'v' of 'struct fx_node *', which is not a struct or union \
         (follow the pointer with '->v')"
    );
    let e = head.get("next->w").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Path);
    assert!(
        e.to_string().starts_with("struct fx_node .next->w: "),
        "{e}"
    );
    // A node pointing into its own allocation (an array of nodes) is checked against it.
    let ring = ffi.alloc_array("struct fx_node", 2).unwrap();
    ring.set("[0].next", &ring.index(1).unwrap()).unwrap();
    ring.set("[1].next", &ring.index(0).unwrap()).unwrap();
    ring.set("[1].v", 5).unwrap();
    assert_eq!(ring.get("[0].next->next->next->v").unwrap(), Value::I32(5));

    // Counted arrays: items points to an owned array of 4, n says how many.
    let list = ffi.alloc("struct fx_bag", Init::Zero).unwrap();
    let items = ffi.alloc_array("struct fx_item", 4).unwrap();
    list.set("n", 4).unwrap();
    list.set("items", &items).unwrap();
    drop(items);
    for i in 0..4 {
        list.set(&format!("items->[{i}].w"), 0.5 * f64::from(i))
            .unwrap();
        c_call(
            &f("fx_bag_set_x"),
            &[list.ptr(), Value::I32(i), Value::I32(10 + i)],
        );
    }
    assert_eq!(list.get("items->[3].x").unwrap(), Value::I32(13));
    assert_eq!(list.get("items->x").unwrap(), Value::I32(10));
    let dot: f64 = (0..4).map(|i| f64::from(10 + i) * 0.5 * f64::from(i)).sum();
    assert_eq!(c_call(&f("fx_bag_dot"), &[list.ptr()]), Value::F64(dot));
    assert_eq!(list.at("items->[0]").unwrap().type_name(), "struct fx_item");
    let e = list.get("items->[4].x").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::OutOfBounds);
    assert_eq!(
        e.to_string(),
        "struct fx_bag .items->[4].x: index 4 is out of bounds for 'struct fx_item[4]'"
    );
    // Pointing at element 2: two elements are left.
    list.set("items", &list.at("items->[2]").unwrap()).unwrap();
    assert_eq!(list.get("items->[1].x").unwrap(), Value::I32(13));
    assert_eq!(
        list.get("items->[2].x").unwrap_err().kind(),
        CDataErrorKind::OutOfBounds
    );

    // p->q->r over three owned objects, both ways.
    let (p, q, r) = (
        ffi.alloc("struct fx_p", Init::Zero).unwrap(),
        ffi.alloc("struct fx_q", Init::Zero).unwrap(),
        ffi.alloc("struct fx_r", Init::Zero).unwrap(),
    );
    q.set("r", &r).unwrap();
    p.set("q", &q).unwrap();
    c_call(&f("fx_pqr_set"), &[p.ptr(), Value::I64(-1 << 40)]);
    assert_eq!(p.get("q->r->r").unwrap(), Value::I64(-1 << 40));
    p.set("q->r->r", 77i64).unwrap();
    assert_eq!(c_call(&f("fx_pqr_get"), &[p.ptr()]), Value::I64(77));
    assert_eq!(r.get("r").unwrap(), Value::I64(77));
    q.set("r", Value::Ptr(jitffi::Pointer::null())).unwrap();
    assert_eq!(
        p.get("q->r->r").unwrap_err().to_string(),
        "struct fx_p .q->r->r: 'q->r' is NULL"
    );

    // Memory C allocated: the extent is unknown, so only the unsafe methods follow it.
    let new = f("fx_node_new");
    let c_tail = c_call(&new, &[Value::I32(9), Value::Ptr(jitffi::Pointer::null())]);
    let c_head = c_call(&new, &[Value::I32(8), c_tail.clone()]);
    let owned = ffi.alloc("struct fx_node", Init::Zero).unwrap();
    owned.set("next", c_head.clone()).unwrap();
    let e = owned.get("next->v").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Untracked);
    assert!(
        e.to_string().starts_with(
            "struct fx_node .next->v: 'next' points to memory jitffi did not allocate"
        ),
        "{e}"
    );
    // SAFETY: `next` and `next->next` point to nodes fx_node_new made, freed below.
    unsafe {
        assert_eq!(owned.get_unchecked("next->v").unwrap(), Value::I32(8));
        assert_eq!(owned.get_unchecked("next->next->v").unwrap(), Value::I32(9));
        owned.set_unchecked("next->next->v", 90).unwrap();
        assert_eq!(
            owned.at_unchecked("next->v").unwrap().get("").unwrap(),
            Value::I32(8)
        );
        assert_eq!(
            owned
                .get_unchecked("next->next->next->v")
                .unwrap_err()
                .kind(),
            CDataErrorKind::Null
        );
    }
    assert_eq!(
        c_call(&sum, std::slice::from_ref(&c_head)),
        Value::I64(8 + 90)
    );
    owned
        .set("next", Value::Ptr(jitffi::Pointer::null()))
        .unwrap();
    c_call(&f("fx_node_free"), &[c_head]);
    c_call(&f("fx_node_free"), &[c_tail]);
}
