//! The AArch64 call plans proven end to end: jitffi's AArch64 prepared-call stubs and callback
//! thunks ([`jitffi::cross`]) for random signatures, linked with a C harness compiled by
//! `aarch64-linux-gnu-gcc` and run under `qemu-aarch64`, against the same calls compiled by
//! gcc.
//!
//! For each random function (`tests/common/sigs.rs`: it folds every argument bit-exactly into a
//! hash, leaves the hash in `rs_sink` and returns a value derived from it), the harness
//! 1. calls it directly (gcc lays the call out),
//! 2. calls it through the jitffi stub with the same arguments in slots (jitffi lays the call
//!    out, the AArch64 plan and `jit/lower.rs`), and
//! 3. for functions that are not variadic, calls the jitffi callback thunk of its type as gcc
//!    calls any function; the thunk writes the arguments as `Value`s (the AArch64 plan, read
//!    from the callee's side) for a C dispatcher that calls the function with them and returns
//!    its result through the thunk;
//!
//! and checks that the hash and the result of 2 and 3 equal those of 1. Every failure is
//! printed with the signature. `JITFFI_A64_SIGS` (default 400) and `JITFFI_A64_SEED` (default
//! 1) choose the corpus; `.ci/selftest` runs a larger one.

mod common;

use std::fmt::Write as _;
use std::process::Command;

use common::sigs::{GType, SigGen, tail_code};
use jitffi::{Ffi, Target, cross};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Fails with an install hint when a tool is missing.
fn require(tool: &str, package: &str) {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "tests/aarch64_qemu.rs needs `{tool}`: install {package} (`apt-get install {package}`, \
         or `bash .ci/deps` as root)"
    );
}

/// C statements giving `name` (of type `t`) a value derived from `seed` and `k`.
fn init(g: &SigGen, out: &mut String, t: GType, name: &str, seed: u64, k: usize) {
    let _ = writeln!(out, "    {} {name};", t.c());
    match t {
        GType::Rec(j) => {
            let _ = writeln!(
                out,
                "    memset(&{name}, 0, sizeof {name});\n    {{ uint64_t h = {seed}u + {k}u;"
            );
            let mut counter = 0;
            g.fill_rec(out, j, name, &mut counter);
            out.push_str("    }\n");
        }
        t => {
            let _ = writeln!(
                out,
                "    {name} = {};",
                t.c_from_word(&format!("rs_mix({seed}u, {k}u)"))
            );
        }
    }
}

/// The C expression comparing results `a` and `b` of type `t` (0 when equal).
fn differ(t: Option<GType>, a: &str, b: &str) -> String {
    match t {
        None => "0".into(),
        Some(GType::Rec(j)) => format!("(rs_hash_t{j}({a}) != rs_hash_t{j}({b}))"),
        Some(_) => format!("memcmp(&{a}, &{b}, sizeof {a})"),
    }
}

struct Harness {
    c: String,
    asm: Vec<(String, Vec<u8>)>,
    stubs: usize,
    thunks: usize,
}

fn harness(g: &mut SigGen, ffi: &Ffi, a64: &cross::Aarch64) -> Harness {
    let mut c = g.definitions();
    let _ = writeln!(
        c,
        "#include <stdio.h>\n#define VS {}\n#define PAYLOAD {}\n#define SDATA {}\n\
         typedef struct {{ uint64_t status, bits; }} rr_t;\nstatic int failures;",
        cross::VALUE_SIZE,
        cross::VALUE_PAYLOAD,
        cross::VALUE_STRUCT_DATA
    );
    for j in 0..g.recs.len() {
        let _ = writeln!(
            c,
            "static uint64_t rs_hash_t{j}(rs_t{j} v) {{ uint64_t h = 0;"
        );
        g.hash_rec(&mut c, j, "v");
        c.push_str("    return h; }\n");
    }
    let mut asm = Vec::new();
    let (mut stubs, mut thunks) = (0, 0);
    // Unbuffered, so that what was printed before a crash is seen.
    let mut main = String::from("int main(void) {\n    setvbuf(stdout, NULL, _IONBF, 0);\n");
    for fi in 0..g.funcs.len() {
        let f = g.funcs[fi].clone();
        let tail: Vec<GType> = if f.variadic {
            (0..g.rng().usize(0..5)).map(|_| g.tail_type()).collect()
        } else {
            Vec::new()
        };
        let tail_types: Vec<jitffi::Type> = tail
            .iter()
            .map(|t| ffi.type_of(&t.c()).expect("tail type"))
            .collect();
        let name = &f.name;
        let stub = a64
            .prepared_stub(ffi, name, &tail_types)
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", g.prototype(&f)));
        asm.push((format!("{name}_stub"), stub));
        stubs += 1;
        let thunk = (!f.variadic).then(|| {
            a64.callback_thunk(ffi, name)
                .unwrap_or_else(|e| panic!("{name} thunk: {e}\n{}", g.prototype(&f)))
        });
        // Argument list: the tail string, the parameters, the tail.
        let mut args: Vec<(String, GType)> = Vec::new();
        let mut body = format!("static void test_{fi}(void) {{\n");
        if f.variadic {
            let code: String = tail.iter().map(|t| tail_code(*t)).collect();
            let _ = writeln!(body, "    const char *tail = \"{code}\";");
        }
        for (i, t) in f.params.iter().chain(&tail).enumerate() {
            let a = format!("a{i}");
            init(g, &mut body, *t, &a, f.seed, i + 1);
            args.push((a, *t));
        }
        let call_args: Vec<&str> = f
            .variadic
            .then_some("tail")
            .into_iter()
            .chain(args.iter().map(|(a, _)| a.as_str()))
            .collect();
        let ret_decl = f.ret.map(|t| t.c());
        let assign = |v: &str| {
            ret_decl
                .as_ref()
                .map_or(String::new(), |t| format!("{t} {v} = "))
        };
        let sig = g.prototype(&f).replace('"', "'");
        // 1. Direct.
        let _ = writeln!(
            body,
            "    {}{name}({});\n    uint64_t s0 = rs_sink;",
            assign("r0"),
            call_args.join(", ")
        );
        // 2. Through the stub.
        let n_slots = call_args.len().max(1);
        let _ = writeln!(
            body,
            "    uint64_t slots[{n_slots}]; memset(slots, 0, sizeof slots);\n    unsigned char rbuf[1024] __attribute__((aligned(16))); memset(rbuf, 0xab, sizeof rbuf);"
        );
        for (k, a) in call_args.iter().enumerate() {
            let rec = args
                .iter()
                .find(|(n, _)| n == a)
                .is_some_and(|(_, t)| matches!(t, GType::Rec(_)));
            if rec {
                let _ = writeln!(body, "    slots[{k}] = (uint64_t)(uintptr_t)&{a};");
            } else {
                let _ = writeln!(body, "    memcpy(&slots[{k}], &{a}, sizeof {a});");
            }
        }
        let _ = writeln!(
            body,
            "    rs_sink = 0;\n    rr_t rr = {name}_stub(slots, rbuf, (void (*)(void)){name});\n    uint64_t s1 = rs_sink;"
        );
        let stub_result = match f.ret {
            None => String::new(),
            Some(GType::Rec(_)) => "memcpy(&r1, rbuf, sizeof r1);".into(),
            Some(_) => "memcpy(&r1, &rr.bits, sizeof r1);".into(),
        };
        if let Some(t) = &ret_decl {
            let _ = writeln!(body, "    {t} r1; {stub_result}");
        }
        let _ = writeln!(
            body,
            "    if (rr.status != 0 || s1 != s0 || {}) {{ printf(\"FAIL stub {name}: status %llu hash %016llx vs %016llx, result %s  [{sig}]\\n\", (unsigned long long)rr.status, (unsigned long long)s1, (unsigned long long)s0, {} ? \"differs\" : \"equal\"); failures++; }}",
            differ(f.ret, "r1", "r0"),
            differ(f.ret, "r1", "r0"),
        );
        // 3. Through the callback thunk.
        if let Some(thunk) = thunk {
            asm.push((format!("{name}_thunk"), thunk));
            thunks += 1;
            // The dispatcher: arguments from the Values, the call, the result to `ret`.
            let mut disp = format!(
                "static void disp_{fi}(void **ctx, const unsigned char *v, void *ret) {{\n    (void)ctx; (void)ret;\n"
            );
            for (i, (a, t)) in args.iter().enumerate() {
                let _ = writeln!(disp, "    {} {a};", t.c());
                match t {
                    GType::Rec(_) => {
                        let _ = writeln!(
                            disp,
                            "    memcpy(&{a}, *(void *const *)(v + {i} * VS + SDATA), sizeof {a});"
                        );
                    }
                    _ => {
                        let _ = writeln!(
                            disp,
                            "    memcpy(&{a}, v + {i} * VS + PAYLOAD, sizeof {a});"
                        );
                    }
                }
            }
            let list: Vec<&str> = args.iter().map(|(a, _)| a.as_str()).collect();
            match &ret_decl {
                None => {
                    let _ = writeln!(disp, "    {name}({});", list.join(", "));
                }
                Some(t) => {
                    let _ = writeln!(
                        disp,
                        "    {t} r = {name}({});\n    memcpy(ret, &r, sizeof r);",
                        list.join(", ")
                    );
                }
            }
            disp.push_str("}\n");
            c.push_str(&disp);
            let params: Vec<String> = f.params.iter().map(|t| t.c()).collect();
            let ret = ret_decl.clone().unwrap_or_else(|| "void".into());
            let _ = writeln!(
                c,
                "{ret} {name}_thunk({}{}void **ctx);",
                params.join(", "),
                if params.is_empty() { "" } else { ", " }
            );
            let _ = writeln!(
                body,
                "    void *ctx[1] = {{ (void *)disp_{fi} }};\n    rs_sink = 0;\n    {}{name}_thunk({}{}ctx);\n    uint64_t s2 = rs_sink;",
                assign("r2"),
                list.join(", "),
                if list.is_empty() { "" } else { ", " }
            );
            let _ = writeln!(
                body,
                "    if (s2 != s0 || {}) {{ printf(\"FAIL thunk {name}: hash %016llx vs %016llx, result %s  [{sig}]\\n\", (unsigned long long)s2, (unsigned long long)s0, {} ? \"differs\" : \"equal\"); failures++; }}",
                differ(f.ret, "r2", "r0"),
                differ(f.ret, "r2", "r0"),
            );
        }
        body.push_str("}\n");
        let _ = writeln!(
            c,
            "rr_t {name}_stub(const uint64_t *slots, void *ret, void (*fn)(void));"
        );
        c.push_str(&body);
        let _ = writeln!(
            main,
            "    printf(\"begin {name}  [{sig}]\\n\");\n    test_{fi}();"
        );
    }
    let _ = writeln!(
        main,
        "    printf(\"done {stubs} stubs {thunks} thunks, %d failures\\n\", failures);\n    return failures != 0;\n}}"
    );
    c.push_str(&main);
    Harness {
        c,
        asm,
        stubs,
        thunks,
    }
}

#[test]
fn random_signatures_under_qemu_agree_with_gcc() {
    let seed = env_or("JITFFI_A64_SEED", 1);
    let n = env_or("JITFFI_A64_SIGS", 400) as usize;
    run(SigGen::new(seed, 12, n), seed, "aarch64");
}

/// The same with half the records HFAs and half the scalars floating-point: vector registers
/// run out, HFAs go to the stack while integer registers are left, 16-aligned HFAs.
#[test]
fn float_heavy_signatures_under_qemu_agree_with_gcc() {
    let seed = env_or("JITFFI_A64_SEED", 1);
    let n = env_or("JITFFI_A64_SIGS", 400) as usize;
    run(SigGen::floats(seed, 12, n), seed, "aarch64-floats");
}

fn run(mut g: SigGen, seed: u64, label: &str) {
    require("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu");
    require("qemu-aarch64", "qemu-user");
    let ffi = Ffi::with_target(Target::aarch64_linux());
    ffi.cdef(&g.declarations()).expect("declarations parse");
    let a64 = cross::Aarch64::new().expect("AArch64 backend");
    let h = harness(&mut g, &ffi, &a64);
    let dir = common::scratch_dir(label);
    let (c_file, s_file, exe) = (dir.join("h.c"), dir.join("stubs.s"), dir.join("h"));
    std::fs::write(&c_file, &h.c).expect("write C");
    let pairs: Vec<(&str, &[u8])> = h
        .asm
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    std::fs::write(&s_file, cross::assembly(&pairs)).expect("write assembly");
    let out = Command::new("aarch64-linux-gnu-gcc")
        .args(["-O1", "-static", "-w", "-o"])
        .arg(&exe)
        .arg(&c_file)
        .arg(&s_file)
        .output()
        .expect("run aarch64-linux-gnu-gcc");
    assert!(
        out.status.success(),
        "cross-compiling the harness failed ({}):\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new("qemu-aarch64")
        .arg(&exe)
        .output()
        .expect("run qemu-aarch64");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let fails: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    let expected = format!("done {} stubs {} thunks, 0 failures", h.stubs, h.thunks);
    if !fails.is_empty() || !run.status.success() || !stdout.contains(&expected) {
        let last = stdout.lines().rev().find(|l| l.starts_with("begin"));
        panic!(
            "{} of {} stubs and {} thunks disagree with gcc (seed {seed}; harness in {}); the \
             harness exited with {}{}:\n{}\n{}",
            fails.len(),
            h.stubs,
            h.thunks,
            dir.display(),
            run.status,
            if run.status.success() {
                String::new()
            } else {
                format!(", last {}", last.unwrap_or("before the first test"))
            },
            fails
                .iter()
                .take(30)
                .copied()
                .collect::<Vec<_>>()
                .join("\n"),
            String::from_utf8_lossy(&run.stderr)
        );
    }
    eprintln!("{label} under qemu: {expected} (seed {seed})");
}

/// AArch64 layouts (unsigned `char`, 16-byte IEEE `long double`, bit-fields, packing,
/// alignment attributes) against the cross gcc: the random records of `layout_vs_cc.rs`
/// under `Target::aarch64_linux`, probed by a program that runs under qemu.
#[test]
fn random_records_match_the_cross_gcc() {
    require("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu");
    require("qemu-aarch64", "qemu-user");
    let seed = env_or("JITFFI_A64_SEED", 1);
    let mut g = common::random::Gen::new(seed);
    for _ in 0..env_or("JITFFI_A64_STRUCTS", 1000) {
        g.record();
    }
    let text = g.text().to_string();
    let ffi = Ffi::with_target(Target::aarch64_linux());
    ffi.cdef(&text).expect("random records parse");
    let probe = jitffi::probe::Probe::new(&ffi.types(), ffi.target(), &text);
    let dir = common::scratch_dir("aarch64-layout");
    let m = probe
        .check_with(
            &dir,
            "aarch64-linux-gnu-gcc",
            &["-static"],
            Some("qemu-aarch64"),
        )
        .unwrap_or_else(|e| panic!("AArch64 probe failed ({}): {e}", dir.display()));
    common::assert_no_mismatch(&m, &format!("random records on AArch64 (seed {seed})"));
}
