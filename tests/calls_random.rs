//! Differential calls: random signatures (seeded; `JITFFI_RANDOM_SIGS` for more, default 500,
//! `JITFFI_SEED` to vary) written as C functions that hash all their arguments into the result,
//! called through the JIT (register trampolines where the signature allows, else Cranelift
//! stubs), through Cranelift stubs forced (an `errno`-capturing handle), through libffi, through
//! prepared calls and from host IR (`jitffi::emit`); each must equal the value computed on the
//! Rust side.
//! The same signatures also run the other way, C calling Rust: a C forwarder calls an untyped
//! callback of the signature, which calls the hashing function through jitffi.

mod common;

use std::ffi::CString;

use common::sigs::{GFunc, GType, GVal, SigGen, fold, tail_code};
use jitffi::cranelift::codegen::ir::{self, InstBuilder, MemFlagsData};
use jitffi::{Backend, Ffi, Library, StructValue, Type, Value, emit};

fn count() -> usize {
    std::env::var("JITFFI_RANDOM_SIGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

/// Writes a random value of every member of record `rec` into `bytes` at `base`, appending the
/// hash words in the order the C side folds them.
fn fill(
    g: &mut SigGen,
    ffi: &Ffi,
    rec: usize,
    base: usize,
    bytes: &mut [u8],
    words: &mut Vec<u64>,
) {
    let t = ffi.type_of(&format!("rs_t{rec}")).expect("record type");
    let fields: Vec<(String, GType, Option<usize>)> = g.recs[rec].fields.clone();
    let union = g.recs[rec].union;
    let c_fields = t.fields().expect("complete").to_vec();
    for (name, ty, arr) in fields.iter().take(if union { 1 } else { fields.len() }) {
        let f = c_fields
            .iter()
            .find(|f| f.name.as_deref() == Some(name))
            .expect("member");
        let n = arr.unwrap_or(1);
        let elem_size = match ty {
            GType::Rec(j) => ffi.sizeof(&format!("rs_t{j}")).expect("size") as usize,
            t => t.size(),
        };
        for k in 0..n {
            let at = base + f.offset as usize + k * elem_size;
            match ty {
                GType::Rec(j) => fill(g, ffi, *j, at, bytes, words),
                t => {
                    let v = g.value(*t);
                    words.push(t.hash_word(&v));
                    let raw: Vec<u8> = match v {
                        GVal::Int(i) => (i as u64).to_le_bytes()[..t.size()].to_vec(),
                        GVal::F32(f) => f.to_le_bytes().to_vec(),
                        GVal::F64(f) => f.to_le_bytes().to_vec(),
                        GVal::F80(b) => b.to_le_bytes()[..10].to_vec(),
                    };
                    bytes[at..at + raw.len()].copy_from_slice(&raw);
                }
            }
        }
    }
}

/// Checks every member of a returned record against the values the C side derives from `h`.
#[allow(
    clippy::too_many_arguments,
    reason = "a recursive walk with its context"
)]
fn check_rec(
    g: &SigGen,
    ffi: &Ffi,
    rec: usize,
    base: usize,
    bytes: &[u8],
    h: u64,
    counter: &mut u64,
    what: &str,
) {
    let t: Type = ffi.type_of(&format!("rs_t{rec}")).expect("record type");
    let r = &g.recs[rec];
    let c_fields = t.fields().expect("complete").to_vec();
    for (name, ty, arr) in r
        .fields
        .iter()
        .take(if r.union { 1 } else { r.fields.len() })
    {
        let f = c_fields
            .iter()
            .find(|f| f.name.as_deref() == Some(name))
            .expect("member");
        let elem_size = match ty {
            GType::Rec(j) => ffi.sizeof(&format!("rs_t{j}")).expect("size") as usize,
            t => t.size(),
        };
        for k in 0..arr.unwrap_or(1) {
            let at = base + f.offset as usize + k * elem_size;
            match ty {
                GType::Rec(j) => check_rec(g, ffi, *j, at, bytes, h, counter, what),
                t => {
                    *counter += 1;
                    let expect = t.value_from_word(common::mix(h, *counter));
                    let raw: Vec<u8> = match expect {
                        GVal::Int(i) => (i as u64).to_le_bytes()[..t.size()].to_vec(),
                        GVal::F32(f) => f.to_le_bytes().to_vec(),
                        GVal::F64(f) => f.to_le_bytes().to_vec(),
                        GVal::F80(b) => b.to_le_bytes()[..10].to_vec(),
                    };
                    assert_eq!(
                        &bytes[at..at + raw.len()],
                        &raw[..],
                        "{what}: member {name}[{k}] of rs_t{rec}"
                    );
                }
            }
        }
    }
}

fn scalar_value(t: GType, v: &GVal) -> Value<'static> {
    match (t, v) {
        (GType::Char, GVal::Int(i)) if !common::sigs::CHAR_SIGNED => Value::U8(*i as u8),
        (GType::I8 | GType::Char, GVal::Int(i)) => Value::I8(*i as i8),
        (GType::U8, GVal::Int(i)) => Value::U8(*i as u8),
        (GType::I16, GVal::Int(i)) => Value::I16(*i as i16),
        (GType::U16, GVal::Int(i)) => Value::U16(*i as u16),
        (GType::I32 | GType::Enum, GVal::Int(i)) => Value::I32(*i as i32),
        (GType::U32, GVal::Int(i)) => Value::U32(*i as u32),
        (GType::I64, GVal::Int(i)) => Value::I64(*i as i64),
        (GType::U64, GVal::Int(i)) => Value::U64(*i as u64),
        (GType::Bool, GVal::Int(i)) => Value::Bool(*i != 0),
        (GType::Ptr, GVal::Int(i)) => Value::ptr(*i as u64 as usize as *const u8),
        (GType::F32, GVal::F32(f)) => Value::F32(*f),
        (GType::F64, GVal::F64(f)) => Value::F64(*f),
        (GType::LongDouble, GVal::F80(b)) => Value::F80(jitffi::F80::from_bits(*b)),
        (GType::I128, GVal::Int(i)) => Value::from(*i),
        (GType::U128, GVal::Int(i)) => Value::from(*i as u128),
        _ => panic!("{t:?} {v:?}"),
    }
}

fn same_scalar(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::F32(x), Value::F32(y)) => x.to_bits() == y.to_bits(),
        (Value::F64(x), Value::F64(y)) => x.to_bits() == y.to_bits(),
        (Value::F80(x), Value::F80(y)) => x.to_bits() == y.to_bits(),
        (Value::Ptr(x), Value::Ptr(y)) => x.addr() == y.addr(),
        _ => a == b,
    }
}

/// Compiles generated C into a shared library in a scratch directory named `label`.
fn compile(c: &str, label: &str) -> std::path::PathBuf {
    let dir = common::scratch_dir(label);
    let c_file = dir.join("sigs.c");
    std::fs::write(&c_file, c).expect("write C");
    let so = dir.join("libsigs.so");
    common::require_cc();
    let status = std::process::Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-O1", "-shared", "-fPIC", "-w", "-o"])
        .arg(&so)
        .arg(&c_file)
        .status()
        .expect("run cc");
    assert!(status.success(), "compiling {} failed", c_file.display());
    so
}

/// Compiles the generated C `c` in scratch directory `label`, declares `decls` in a fresh
/// context and loads the library.
fn load(c: &str, decls: &str, label: &str) -> (Ffi, Library) {
    let so = compile(c, label);
    let ffi = Ffi::new();
    ffi.cdef(decls).expect("declarations parse");
    // SAFETY: the generated library has no initialisers.
    let lib = unsafe { Library::open(&so.to_string_lossy(), &Default::default()) }.expect("load");
    (ffi, lib)
}

/// The arguments of one call: scalars as values, records as bytes (in `owned`, in order).
struct Args {
    variadic: bool,
    types: Vec<GType>,
    scalars: Vec<Option<Value<'static>>>,
}

impl Args {
    fn to_values<'a>(&self, ffi: &Ffi, owned: &'a [Vec<u8>], tail: &'a CString) -> Vec<Value<'a>> {
        let mut args: Vec<Value<'_>> = Vec::new();
        if self.variadic {
            args.push(Value::str(tail));
        }
        let mut rec_iter = owned.iter();
        for (t, s) in self.types.iter().zip(&self.scalars) {
            match (t, s) {
                (GType::Rec(j), None) => {
                    let ty = ffi.type_of(&format!("rs_t{j}")).expect("type");
                    args.push(Value::Struct(StructValue::borrowed(
                        &ty,
                        rec_iter.next().expect("bytes"),
                    )));
                }
                (_, Some(v)) => args.push(v.clone()),
                _ => unreachable!(),
            }
        }
        args
    }
}

/// Random arguments for `f` (and a random variadic tail): the values, the records' bytes, the
/// tail's type string and the words the C side hashes.
fn arguments(g: &mut SigGen, ffi: &Ffi, f: &GFunc) -> (Args, Vec<Vec<u8>>, CString, Vec<u64>) {
    let mut words = Vec::new();
    let mut owned: Vec<Vec<u8>> = Vec::new();
    let mut scalars: Vec<Option<Value<'static>>> = Vec::new();
    let mut tail: Vec<GType> = Vec::new();
    if f.variadic {
        for _ in 0..g.rng().usize(0..4) {
            tail.push(g.tail_type());
        }
    }
    for t in f.params.iter().chain(&tail) {
        match t {
            GType::Rec(j) => {
                let size = ffi.sizeof(&format!("rs_t{j}")).expect("size") as usize;
                let mut bytes: Vec<u8> = (0..size).map(|_| g.rng().u8(..)).collect();
                fill(g, ffi, *j, 0, &mut bytes, &mut words);
                owned.push(bytes);
                scalars.push(None);
            }
            t => {
                let v = g.value(*t);
                words.push(t.hash_word(&v));
                scalars.push(Some(scalar_value(*t, &v)));
            }
        }
    }
    let tail_str =
        CString::new(tail.iter().map(|t| tail_code(*t)).collect::<String>()).expect("cstring");
    let types = f.params.iter().chain(&tail).copied().collect();
    (
        Args {
            variadic: f.variadic,
            types,
            scalars,
        },
        owned,
        tail_str,
        words,
    )
}

/// Checks a result against the hash `h` the C function computes from its arguments.
fn check_result(g: &SigGen, ffi: &Ffi, f: &GFunc, r: &Value<'_>, h: u64, what: &str) {
    match f.ret {
        None => assert_eq!(*r, Value::Void, "{what}"),
        Some(GType::Rec(j)) => {
            let Value::Struct(s) = r else {
                panic!("{what}: {r:?}")
            };
            let mut counter = 0;
            check_rec(g, ffi, j, 0, s.bytes(), h, &mut counter, what);
        }
        Some(t) => {
            let expect = scalar_value(t, &t.value_from_word(h));
            assert!(
                same_scalar(r, &expect),
                "{what}: got {r:?}, expected {expect:?}"
            );
        }
    }
}

#[test]
fn random_signatures_jit_and_libffi_agree_with_c() {
    let seed = seed();
    let n = count();
    let mut g = SigGen::new(seed, 24, n);
    let (ffi, lib) = load(&g.definitions(), &g.declarations(), "random-sigs");
    let funcs: Vec<GFunc> = g.funcs.clone();
    let mut calls = 0;
    let mut jit_compiled = 0;
    for f in &funcs {
        let func = ffi.function(&lib, &f.name).expect("declared");
        let before = ffi.jit_stats().compiled;
        if func.compile().is_ok() {
            jit_compiled += 1;
        }
        // On x86-64 System V every signature the JIT handles gets a register trampoline:
        // Cranelift compiles only for the forced stub tier.
        if cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            assert_eq!(
                ffi.jit_stats().compiled,
                before,
                "{} got no trampoline: {}",
                f.name,
                func.declaration()
            );
        }
        // The same function forced to the Cranelift stub tier, and through the trampoline with
        // errno saved and restored around the call.
        let stub_tier = func.with_cranelift_stub();
        let errno = func.capture_errno();
        for _round in 0..2 {
            let (args, owned, tail_str, words) = arguments(&mut g, &ffi, f);
            let args = args.to_values(&ffi, &owned, &tail_str);
            let h = fold(f.seed, &words);
            calls += call_tiers(
                &g,
                &ffi,
                f,
                seed,
                &args,
                h,
                &[
                    ("JIT", &func, Backend::Jit),
                    ("Cranelift stub", &stub_tier, Backend::Jit),
                    ("JIT with errno capture", &errno, Backend::Jit),
                    ("libffi", &func, Backend::Libffi),
                ],
            );
        }
    }
    assert_eq!(calls, 8 * n);
    // Every generated signature is one the JIT handles (no long double in the generator;
    // 16-aligned records, on the stack too, are), so the JIT column really was the JIT.
    assert_eq!(jit_compiled, n, "some signatures fell back to libffi");
}

/// Whether `t` is a record of exactly one `long double` (through nested records and arrays of
/// one): 16 bytes of classes X87 and X87UP, returned in st(0).
fn one_long_double(g: &SigGen, t: GType) -> bool {
    match t {
        GType::LongDouble => true,
        GType::Rec(j) => {
            // (Packed or not: the one member is at offset 0, and a long double is 16 bytes.)
            matches!(g.recs[j].fields.as_slice(), [(_, ty, arr)] if arr.is_none_or(|n| n == 1)
                && one_long_double(g, *ty))
        }
        _ => false,
    }
}

/// Calls `f` with `args` through each `(tier, handle, backend)` and checks every result against
/// the hash `h` C computes; the number of calls made.
#[allow(
    clippy::too_many_arguments,
    reason = "the call and its context, as the two corpus tests hold them"
)]
fn call_tiers(
    g: &SigGen,
    ffi: &Ffi,
    f: &GFunc,
    seed: u64,
    args: &[Value<'_>],
    h: u64,
    tiers: &[(&str, &jitffi::Function, Backend)],
) -> usize {
    for &(tier, handle, b) in tiers {
        let what = format!(
            "{} via {tier} (seed {seed:#x}): {}",
            f.name,
            handle.declaration()
        );
        // SAFETY: the declarations are the generated definitions' prototypes.
        let r = match unsafe { handle.call_with(b, args) } {
            Ok(r) => r,
            Err(e) => panic!("{what}: {e}"),
        };
        check_result(g, ffi, f, &r, h, &what);
    }
    tiers.len()
}

/// `long double`, `__int128` and `unsigned __int128` among the parameters, results and
/// variadic tails (about one type in four), with records and everything else as above:
/// through the untyped trampoline (which places them itself: the plan leaves them to it),
/// with errno capture, and through libffi; each result equals C's.
#[test]
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "x87 long double and __int128 through trampolines: x86-64 only"
)]
fn random_wide_signatures_through_trampolines_and_libffi() {
    let seed = seed() ^ 0x80;
    let n = count();
    let mut g = SigGen::wide(seed, 24, n);
    let (ffi, lib) = load(&g.definitions(), &g.declarations(), "random-wide-sigs");
    let funcs: Vec<GFunc> = g.funcs.clone();
    let (mut calls, mut wide, mut prepared, mut x87_returns) = (0, 0, 0, 0);
    for f in &funcs {
        let func = ffi.function(&lib, &f.name).expect("declared");
        let before = ffi.jit_stats().compiled;
        func.compile()
            .unwrap_or_else(|e| panic!("{}: {e}", func.declaration()));
        assert_eq!(ffi.jit_stats().compiled, before, "{}", func.declaration());
        let errno = func.capture_errno();
        for _round in 0..2 {
            let (args, owned, tail_str, words) = arguments(&mut g, &ffi, f);
            let args = args.to_values(&ffi, &owned, &tail_str);
            if args
                .iter()
                .any(|a| matches!(a, Value::F80(_) | Value::I128(_) | Value::U128(_)))
            {
                wide += 1;
            }
            let h = fold(f.seed, &words);
            // libffi has no form for a struct of one long double returned in st(0): it
            // refuses, saying so.
            let st0 = f
                .ret
                .is_some_and(|t| matches!(t, GType::Rec(_)) && one_long_double(&g, t));
            let libffi: &[(&str, &jitffi::Function, Backend)] = if st0 {
                // SAFETY: refused before any call.
                let e = unsafe { func.call_with(Backend::Libffi, &args) }.unwrap_err();
                assert!(
                    e.to_string().contains("st(0)"),
                    "{}: {e}",
                    func.declaration()
                );
                x87_returns += 1;
                &[]
            } else {
                &[("libffi", &func, Backend::Libffi)]
            };
            calls += call_tiers(
                &g,
                &ffi,
                f,
                seed,
                &args,
                h,
                &[
                    ("JIT", &func, Backend::Jit),
                    ("JIT with errno capture", &errno, Backend::Jit),
                ],
            ) + call_tiers(&g, &ffi, f, seed, &args, h, libffi);
            // A prepared call (fixed parameters only), every argument through `set`.
            if !f.variadic {
                let mut p = func
                    .prepare()
                    .unwrap_or_else(|e| panic!("{}: {e}", func.declaration()));
                for (i, v) in args.iter().enumerate() {
                    p.set(i, v).expect("set");
                }
                let what = format!(
                    "{} prepared (seed {seed:#x}): {}",
                    f.name,
                    func.declaration()
                );
                // SAFETY: as above.
                let r = unsafe { p.call() }.unwrap_or_else(|e| panic!("{what}: {e}"));
                check_result(&g, &ffi, f, &r, h, &what);
                prepared += 1;
            }
        }
    }
    assert_eq!(calls + x87_returns, 6 * n);
    assert!(prepared > n, "{prepared} prepared calls");
    // Most calls pass a wide value somewhere (a call without one still checks the rest).
    assert!(wide > n, "{wide} calls of {} with wide arguments", 2 * n);
}

fn seed() -> u64 {
    std::env::var("JITFFI_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x000c_a115)
}

/// C calls Rust: for every non-variadic random signature, a C forwarder
/// `rs_drvN(cb, args…) { return cb(args…); }` calls an untyped callback of the signature, which
/// passes the `Value`s it receives to the hashing function `rs_fN` through jitffi and returns
/// its result. The forwarder's result must be the hash of the arguments Rust gave the
/// forwarder: an argument that reaches the closure wrong, or a result that reaches C wrong,
/// changes it. Through the JIT thunks and through libffi closures.
#[test]
fn random_signatures_called_back_from_c() {
    let seed = seed() ^ 0xcb;
    let (calls, through_jit, n) =
        called_back_from_c(SigGen::new(seed, 24, count() / 2), seed, "random-callbacks");
    assert_eq!(calls, 2 * n);
    if cfg!(target_arch = "x86_64") {
        // Only signatures with every argument register taken leave the JIT.
        assert!(
            through_jit * 10 >= n * 9,
            "{through_jit} of {n} callbacks through the JIT"
        );
    } else {
        // Callback slots and adapters are x86-64 code: libffi's closures elsewhere.
        assert_eq!(through_jit, 0);
    }
}

/// The same with `long double`, `__int128` and `unsigned __int128` among the parameter and
/// result types ([`SigGen::wide`]): the JIT's thunks leave such signatures to libffi's
/// closures, which must receive and return them bit for bit.
#[test]
#[cfg_attr(
    not(target_arch = "x86_64"),
    ignore = "x87 long double and __int128 through libffi: x86-64 only"
)]
fn random_wide_signatures_called_back_from_c() {
    let seed = seed() ^ 0xcc;
    let (calls, _, n) = called_back_from_c(
        SigGen::wide(seed, 24, count() / 2),
        seed,
        "random-wide-callbacks",
    );
    assert_eq!(calls, 2 * n);
}

/// Runs every non-variadic function of `g` as a callback called from a C forwarder, through
/// `Backend::Auto` and `Backend::Libffi`: (calls, callbacks the JIT made, functions).
fn called_back_from_c(mut g: SigGen, seed: u64, label: &str) -> (usize, usize, usize) {
    let mut c = g.definitions();
    let mut decls = g.declarations();
    let funcs: Vec<GFunc> = g.funcs.iter().filter(|f| !f.variadic).cloned().collect();
    for f in &funcs {
        let ret = f.ret.map_or("void".into(), GType::c);
        let params: Vec<String> = f.params.iter().map(|t| t.c()).collect();
        let list = if params.is_empty() {
            "void".to_string()
        } else {
            params.join(", ")
        };
        let named: Vec<String> = params
            .iter()
            .enumerate()
            .map(|(i, p)| format!(", {p} a{i}"))
            .collect();
        let pass: Vec<String> = (0..params.len()).map(|i| format!("a{i}")).collect();
        let proto = format!(
            "{ret} rs_drv_{}({ret} (*cb)({list}){})",
            f.name,
            named.concat()
        );
        let ret_kw = if f.ret.is_some() { "return " } else { "" };
        c.push_str(&format!("{proto} {{ {ret_kw}cb({}); }}\n", pass.join(", ")));
        decls.push_str(&format!("{proto};\n"));
    }
    let (ffi, lib) = load(&c, &decls, label);
    let (mut calls, mut through_jit, mut refused) = (0, 0, 0);
    for f in &funcs {
        let target = ffi.function(&lib, &f.name).expect("declared");
        let driver = ffi
            .function(&lib, &format!("rs_drv_{}", f.name))
            .expect("declared");
        let cb_type = format!(
            "{} (*)({})",
            f.ret.map_or("void".into(), GType::c),
            if f.params.is_empty() {
                "void".to_string()
            } else {
                f.params
                    .iter()
                    .map(|t| t.c())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        );
        for backend in [Backend::Auto, Backend::Libffi] {
            let t = target.clone();
            let made = ffi
                .callbacks(&cb_type)
                .expect("callback type")
                .backend(backend)
                .untyped(move |args: &[Value<'_>]| {
                    // SAFETY: `rs_fN` is declared as generated; the arguments are what C passed.
                    match unsafe { t.call(args) } {
                        Ok(r) => r.into_owned(),
                        Err(e) => panic!("forwarding to {}: {e}", t.name()),
                    }
                });
            // A struct of one long double returned in st(0): neither thunks nor libffi's
            // closures return it; refused, saying so.
            let cb = match made {
                Ok(cb) => cb,
                Err(e)
                    if f.ret
                        .is_some_and(|t| matches!(t, GType::Rec(_)) && one_long_double(&g, t)) =>
                {
                    assert!(e.to_string().contains("st(0)"), "{e}");
                    refused += 1;
                    continue;
                }
                // libffi's AArch64 closures misplace a 16-aligned struct after an odd number
                // of integer registers; refused, saying so (cif.rs).
                Err(e)
                    if cfg!(target_arch = "aarch64") && e.to_string().contains("even register") =>
                {
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("{cb_type}: {e}"),
            };
            if cb.backend() == Some(Backend::Jit) {
                through_jit += 1;
            }
            let (args, owned, tail, words) = arguments(&mut g, &ffi, f);
            let mut values = vec![cb.value()];
            values.extend(args.to_values(&ffi, &owned, &tail));
            let h = fold(f.seed, &words);
            let what = format!(
                "{} called back via {:?} (seed {seed:#x}): {cb_type}",
                f.name,
                cb.backend()
            );
            // SAFETY: the forwarder is declared as generated; `cb` outlives the call.
            let r = match unsafe { driver.call(&values) } {
                Ok(r) => r,
                Err(e) => panic!("{what}: {e}"),
            };
            assert_eq!(cb.errors(), 0, "{what}: {:?}", cb.last_error());
            check_result(&g, &ffi, f, &r, h, &what);
            calls += 1;
        }
    }
    (calls + refused, through_jit, funcs.len())
}

/// The C type of a generated type, as a handle.
fn type_of(ffi: &Ffi, t: GType) -> Type {
    ffi.type_of(&t.c()).expect("type")
}

/// Compiles, for function `f` with tail `tail`, a host function
/// `void h(const uint64_t *slots, uint8_t *ret)` whose IR loads argument `i` from `slots[i]`
/// (a struct's address for a struct), calls `f` through `jitffi::emit`, and stores the result
/// (a struct's bytes) at `ret`.
fn host_caller(ffi: &Ffi, func: &jitffi::Function, f: &GFunc, tail: &[GType]) -> emit::Code {
    let mut types: Vec<Type> = Vec::new();
    if f.variadic {
        types.push(ffi.type_of("const char *").expect("type"));
    }
    types.extend(f.params.iter().map(|t| type_of(ffi, *t)));
    let tail_types: Vec<Type> = tail.iter().map(|t| type_of(ffi, *t)).collect();
    let all: Vec<Type> = types.iter().chain(&tail_types).cloned().collect();
    let ret = f.ret.map(|t| (type_of(ffi, t), t));
    let mut code = emit::compile(ffi, &[ir::types::I64, ir::types::I64], &[], |b, p| {
        let (slots, out) = (p[0], p[1]);
        let mut args = Vec::new();
        for (i, t) in all.iter().enumerate() {
            let ty = emit::arg_type(t)?;
            args.push(b.ins().load(ty, MemFlagsData::new(), slots, 8 * i as i32));
        }
        let r = if f.variadic {
            emit::call_variadic(b, func, &args, &tail_types)?
        } else {
            emit::call(b, func, &args)?
        };
        match (&ret, r) {
            (None, None) => {}
            (Some((_, GType::Rec(_))), Some(addr)) => {
                let size = ret.as_ref().expect("ret").0.size().expect("size") as i32;
                for at in 0..size {
                    let byte = b
                        .ins()
                        .uload8(ir::types::I32, MemFlagsData::new(), addr, at);
                    b.ins().istore8(MemFlagsData::new(), byte, out, at);
                }
            }
            (Some(_), Some(v)) => {
                b.ins().store(MemFlagsData::new(), v, out, 0);
            }
            other => panic!("{}: result {other:?}", f.name),
        }
        b.ins().return_(&[]);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{}: {e}", func.declaration()));
    code.keep(func.clone());
    code
}

/// A scalar result read from the bytes host code stored.
fn scalar_from_bytes(t: GType, b: &[u8]) -> Value<'static> {
    let w = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    match t {
        GType::Char if !common::sigs::CHAR_SIGNED => Value::U8(w as u8),
        GType::I8 | GType::Char => Value::I8(w as i8),
        GType::U8 => Value::U8(w as u8),
        GType::Bool => {
            assert!(b[0] <= 1, "a _Bool result of {}", b[0]);
            Value::Bool(b[0] == 1)
        }
        GType::I16 => Value::I16(w as i16),
        GType::U16 => Value::U16(w as u16),
        GType::I32 | GType::Enum => Value::I32(w as i32),
        GType::U32 => Value::U32(w as u32),
        GType::I64 => Value::I64(w as i64),
        GType::U64 => Value::U64(w),
        GType::F32 => Value::F32(f32::from_bits(w as u32)),
        GType::F64 => Value::F64(f64::from_bits(w)),
        GType::Ptr => Value::ptr(w as usize as *const u8),
        GType::Rec(_) | GType::LongDouble | GType::I128 | GType::U128 => {
            unreachable!("host IR calls have no {t:?}")
        }
    }
}

/// The same random signatures, called from a host's own Cranelift IR through `jitffi::emit`
/// (no stub: the call is lowered at the call site by the same plan): every result must equal
/// the hash the C function computes.
#[test]
fn random_signatures_called_from_host_ir() {
    let seed = seed() ^ 0xe1;
    let n = count();
    let mut g = SigGen::new(seed, 24, n);
    let (ffi, lib) = load(&g.definitions(), &g.declarations(), "random-emit");
    let funcs: Vec<GFunc> = g.funcs.clone();
    let mut calls = 0;
    for f in &funcs {
        let func = ffi.function(&lib, &f.name).expect("declared");
        let (args, owned, tail_str, words) = arguments(&mut g, &ffi, f);
        let tail: Vec<GType> = args.types[f.params.len()..].to_vec();
        let code = host_caller(&ffi, &func, f, &tail);
        // One 8-byte slot per argument: the scalar's bits, or the struct's address.
        let mut slots: Vec<u64> = Vec::new();
        if f.variadic {
            slots.push(tail_str.as_ptr() as u64);
        }
        let mut recs = owned.iter();
        for s in &args.scalars {
            slots.push(match s {
                None => recs.next().expect("bytes").as_ptr() as u64,
                Some(Value::Bool(b)) => u64::from(*b),
                Some(Value::I8(v)) => *v as u8 as u64,
                Some(Value::U8(v)) => u64::from(*v),
                Some(Value::I16(v)) => *v as u16 as u64,
                Some(Value::U16(v)) => u64::from(*v),
                Some(Value::I32(v)) => *v as u32 as u64,
                Some(Value::U32(v)) => u64::from(*v),
                Some(Value::I64(v)) => *v as u64,
                Some(Value::U64(v)) => *v,
                Some(Value::F32(v)) => u64::from(v.to_bits()),
                Some(Value::F64(v)) => v.to_bits(),
                Some(Value::Ptr(p)) => p.addr() as u64,
                Some(other) => panic!("{other:?}"),
            });
        }
        let mut out = vec![0u8; 4096];
        // SAFETY: the code was compiled for `(const u64 *, u8 *)`; every slot holds what its
        // parameter's IR load expects, struct slots point to `sizeof` bytes, and `out` has
        // room for any generated result.
        unsafe {
            let h =
                std::mem::transmute::<*const u8, extern "C" fn(*const u64, *mut u8)>(code.as_ptr());
            h(slots.as_ptr(), out.as_mut_ptr());
        }
        let h = fold(f.seed, &words);
        let what = format!(
            "{} from host IR (seed {seed:#x}): {} with tail {tail:?}",
            f.name,
            func.declaration()
        );
        match f.ret {
            None => {}
            Some(GType::Rec(j)) => {
                let mut counter = 0;
                check_rec(&g, &ffi, j, 0, &out, h, &mut counter, &what);
            }
            Some(t) => {
                let got = scalar_from_bytes(t, &out);
                let expect = scalar_value(t, &t.value_from_word(h));
                assert!(
                    same_scalar(&got, &expect),
                    "{what}: got {got:?}, expected {expect:?}"
                );
            }
        }
        calls += 1;
    }
    assert_eq!(calls, n);
}

/// The same random signatures through prepared calls (`Function::prepare`, arguments set with
/// `PreparedCall::set`, which converts as `Function::call` does): every non-variadic result
/// must equal the hash the C function computes.
#[test]
fn random_signatures_through_prepared_calls() {
    let seed = seed() ^ 0x9e;
    let n = count();
    let mut g = SigGen::new(seed, 24, n);
    let (ffi, lib) = load(&g.definitions(), &g.declarations(), "random-prepared");
    let funcs: Vec<GFunc> = g.funcs.iter().filter(|f| !f.variadic).cloned().collect();
    for f in &funcs {
        let func = ffi.function(&lib, &f.name).expect("declared");
        for _round in 0..2 {
            let (args, owned, tail_str, words) = arguments(&mut g, &ffi, f);
            let values = args.to_values(&ffi, &owned, &tail_str);
            // A handle per round: it borrows the round's strings and struct bytes (the stub
            // is compiled once per function).
            let mut call = func
                .prepare()
                .unwrap_or_else(|e| panic!("{}: {e}", func.declaration()));
            for (i, v) in values.iter().enumerate() {
                call.set(i, v)
                    .unwrap_or_else(|e| panic!("{}: {e}", func.declaration()));
            }
            // SAFETY: the declarations are the generated definitions' prototypes.
            let r = unsafe { call.call() }.unwrap_or_else(|e| panic!("{e}"));
            let what = format!(
                "{} prepared (seed {seed:#x}): {}",
                f.name,
                func.declaration()
            );
            check_result(&g, &ffi, f, &r, fold(f.seed, &words), &what);
        }
    }
}
