//! `jitffi::emit`: FFI operations inlined into a host's Cranelift function.
//!
//! Each test compiles a small host function, runs it against the fixture library (built by
//! gcc) or libc/libm, and checks both the result and the code: the CLIF jitffi emitted and the
//! x86-64 machine code Cranelift made of it, disassembled by binutils' `objdump` (the oracle
//! for "a field get is one instruction"). The differential corpus of random signatures called
//! from host IR is in `calls_random.rs`.

mod common;

use std::ffi::c_void;
use std::process::Command;

use jitffi::cranelift::codegen::ir::{self, InstBuilder, MemFlagsData, TrapCode, types};
use jitffi::cranelift::frontend::{FunctionBuilder, FunctionBuilderContext};
use jitffi::emit::{self, OnFail};
use jitffi::{EmitErrorKind, Ffi, Library, Value};

/// The disassembly of `code` (AT&T syntax, one instruction per line, addresses stripped).
fn disassemble(code: &[u8]) -> Vec<String> {
    let dir = common::scratch_dir("emit-disasm");
    // One file per disassembly: the tests run in parallel threads of one process.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("code-{}-{n}.bin", std::process::id()));
    std::fs::write(&file, code).expect("write code");
    let out = Command::new("objdump")
        .args(["-D", "-b", "binary", "-m", "i386:x86-64", "--no-show-raw-insn"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run objdump ({e}): install binutils (`apt-get install binutils`, or `bash .ci/deps`)"
            )
        });
    assert!(out.status.success(), "objdump failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (addr, insn) = l.split_once(":\t")?;
            addr.trim()
                .chars()
                .all(|c| c.is_ascii_hexdigit())
                .then(|| normalise(insn))
        })
        .collect()
}

/// One space between mnemonic and operands, and the SSE spelling of the AVX moves Cranelift
/// picks on machines with AVX (`vmovsd` is `movsd` with a VEX prefix): the tests hold on
/// either machine.
fn normalise(insn: &str) -> String {
    let insn = insn.trim();
    let (mnemonic, operands) = insn.split_once(char::is_whitespace).unwrap_or((insn, ""));
    let mnemonic = match mnemonic {
        "vmovsd" | "vmovss" | "vmovq" | "vmovd" | "vmovapd" | "vmovaps" | "vmovups" | "vmovupd" => {
            &mnemonic[1..]
        }
        m => m,
    };
    format!("{mnemonic} {}", operands.trim()).trim().to_string()
}

/// The instructions of a function other than its frame setup and teardown.
fn body(asm: &[String]) -> Vec<String> {
    asm.iter()
        .filter(|i| {
            !(i.starts_with("push")
                || i.starts_with("pop")
                || i.starts_with("ret")
                || i.starts_with("mov %rsp,%rbp")
                || i.starts_with("mov %rbp,%rsp")
                || i.starts_with("nop")
                || i.starts_with("int3")
                || i.starts_with("ud2")
                || i.starts_with("(bad)")
                || i.starts_with("add    %al,(%rax)"))
        })
        .cloned()
        .collect()
}

/// `len` bytes that end exactly where a `PROT_NONE` page begins.
struct GuardedBytes {
    map: *mut u8,
    len: usize,
}

impl GuardedBytes {
    const PAGE: usize = 4096;

    fn new(len: usize) -> GuardedBytes {
        assert!(len <= Self::PAGE);
        // SAFETY: a fresh private anonymous mapping of two pages; the second is made
        // inaccessible. Both calls are checked.
        unsafe {
            let map = libc::mmap(
                std::ptr::null_mut(),
                2 * Self::PAGE,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            );
            assert_ne!(map, libc::MAP_FAILED, "mmap");
            let map = map.cast::<u8>();
            let rc = libc::mprotect(map.add(Self::PAGE).cast(), Self::PAGE, libc::PROT_NONE);
            assert_eq!(rc, 0, "mprotect");
            GuardedBytes { map, len }
        }
    }

    #[allow(clippy::mut_from_ref, reason = "a test buffer used by one thread")]
    fn bytes(&self) -> &mut [u8] {
        // SAFETY: the last `len` bytes of the first, read-write page.
        unsafe { std::slice::from_raw_parts_mut(self.map.add(Self::PAGE - self.len), self.len) }
    }
}

impl Drop for GuardedBytes {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once.
        unsafe { libc::munmap(self.map.cast(), 2 * Self::PAGE) };
    }
}

fn cx() -> (Ffi, Library) {
    common::fixture()
}

#[test]
fn a_field_get_is_one_load_with_the_offset_in_the_instruction() {
    let (ffi, _lib) = cx();
    ffi.cdef("struct em_rec { int tag; char pad[12]; double value; float f; };")
        .expect("cdef");
    let rec = ffi.type_of("struct em_rec").expect("type");
    for (member, ty, insn) in [
        ("value", types::F64, "movsd 0x10(%rdi),%xmm0"),
        ("tag", types::I32, "mov (%rdi),%eax"),
        ("f", types::F32, "movss 0x18(%rdi),%xmm0"),
    ] {
        let m = rec.member(member).expect("member");
        let code = emit::compile(&ffi, &[types::I64], &[ty], |b, p| {
            let v = emit::load(b, &m, p[0])?;
            b.ins().return_(&[v]);
            Ok(())
        })
        .expect("compile");
        let loads = code.clif().matches("load.").count();
        assert_eq!(loads, 1, "{member}: one load in\n{}", code.clif());
        let asm = body(&disassemble(code.machine_code()));
        assert_eq!(asm, vec![insn.to_string()], "{member}");
        // And it reads what C wrote (the fixture's layouts are checked against gcc elsewhere).
        let p = rec.alloc_zeroed().expect("alloc");
        p.set("value", 2.5f64).expect("set");
        p.set("tag", -7i32).expect("set");
        p.set("f", 0.25f32).expect("set");
        // SAFETY: compiled for `(pointer) -> T`; `p` is a struct em_rec.
        unsafe {
            match member {
                "value" => {
                    let f: extern "C" fn(*mut c_void) -> f64 = std::mem::transmute(code.as_ptr());
                    assert_eq!(f(p.addr()), 2.5);
                }
                "tag" => {
                    let f: extern "C" fn(*mut c_void) -> i32 = std::mem::transmute(code.as_ptr());
                    assert_eq!(f(p.addr()), -7);
                }
                _ => {
                    let f: extern "C" fn(*mut c_void) -> f32 = std::mem::transmute(code.as_ptr());
                    assert_eq!(f(p.addr()), 0.25);
                }
            }
        }
    }
}

#[test]
fn a_field_set_is_one_store() {
    let (ffi, _lib) = cx();
    let point = ffi.type_of("struct fx_point").expect("type");
    let y = point.member("y").expect("member");
    let code = emit::compile(&ffi, &[types::I64, types::F64], &[], |b, p| {
        emit::store(b, &y, p[0], p[1])?;
        b.ins().return_(&[]);
        Ok(())
    })
    .expect("compile");
    assert_eq!(
        body(&disassemble(code.machine_code())),
        vec!["movsd %xmm0,0x8(%rdi)".to_string()]
    );
    let p = point.alloc_zeroed().expect("alloc");
    // SAFETY: compiled for `(pointer, f64)`; `p` is a struct fx_point.
    unsafe {
        let f: extern "C" fn(*mut c_void, f64) = std::mem::transmute(code.as_ptr());
        f(p.addr(), -3.5);
    }
    assert_eq!(p.get("y").expect("get"), Value::F64(-3.5));
    assert_eq!(p.get("x").expect("get"), Value::F64(0.0));
}

/// Bit-fields: a load, shifts (no call, no branch), and the same bits as `Member` (whose
/// bit layouts are proven against gcc by the probes), for every field of `struct fx_bits`
/// and of the packed `struct fx_pkbits`, over random values and random surrounding bytes,
/// reading and writing.
#[test]
fn bit_fields_are_loads_and_shifts_and_agree_with_c_layouts() {
    let (ffi, _lib) = cx();
    let mut rng = fastrand::Rng::with_seed(7);
    for record in ["struct fx_bits", "struct fx_pkbits"] {
        let rec = ffi.type_of(record).expect("type");
        let size = rec.size().expect("size") as usize;
        let fields: Vec<_> = rec
            .fields()
            .expect("fields")
            .iter()
            .filter(|f| f.is_bitfield() && f.name.is_some() && f.bit_width != Some(0))
            .cloned()
            .collect();
        assert!(fields.len() >= 3, "{record}");
        for f in fields {
            let name = f.name.clone().expect("named");
            let what = format!("{record}.{name}");
            let width = f.bit_width.expect("bit-field");
            let m = rec.member(&name).expect("member");
            let field_ty = ffi.type_of(&rec.table().display(f.ty)).expect("field type");
            let ty = emit::arg_type(&field_ty).expect("arg type");
            let get = emit::compile(&ffi, &[types::I64], &[ty], |b, p| {
                let v = emit::load(b, &m, p[0])?;
                b.ins().return_(&[v]);
                Ok(())
            })
            .expect("compile get");
            let set = emit::compile(&ffi, &[types::I64, ty], &[], |b, p| {
                emit::store(b, &m, p[0], p[1])?;
                b.ins().return_(&[]);
                Ok(())
            })
            .expect("compile set");
            let asm = disassemble(get.machine_code());
            assert!(
                asm.iter()
                    .all(|i| !i.starts_with("call") && !i.starts_with('j')),
                "{what}: {asm:#?}"
            );
            let (a, b) = (
                rec.alloc_zeroed().expect("alloc"),
                rec.alloc_zeroed().expect("alloc"),
            );
            // Signedness as C reads it: all bits set reads negative for a signed field.
            a.write_bytes(0, &vec![0xff; size]).expect("bytes");
            let signed = matches!(word_of(&m.get(&a).expect("get")), w if (w as i64) < 0);
            let as_bool = matches!(m.get(&a).expect("get"), Value::Bool(_));
            let ir_mask = if ty.bits() == 64 {
                u64::MAX
            } else {
                (1u64 << ty.bits()) - 1
            };
            for _ in 0..300 {
                let background: Vec<u8> = (0..size).map(|_| rng.u8(..)).collect();
                a.write_bytes(0, &background).expect("bytes");
                b.write_bytes(0, &background).expect("bytes");
                // SAFETY: compiled for `(pointer) -> T` / `(pointer, T)` with T an integer of
                // `ty`'s width (passed and returned in full registers); `a` is a struct of
                // the record type.
                let got = unsafe {
                    let g: extern "C" fn(*mut c_void) -> u64 = std::mem::transmute(get.as_ptr());
                    g(a.addr())
                };
                let expect = word_of(&m.get(&a).expect("get"));
                assert_eq!(
                    got & ir_mask,
                    expect & ir_mask,
                    "{what}: get over {background:x?}"
                );
                let value: i128 = if as_bool {
                    i128::from(rng.bool())
                } else if signed {
                    let half = 1i128 << (width - 1);
                    rng.i64(-(half as i64)..=((half - 1) as i64)).into()
                } else {
                    rng.u64(0..=(((1u128 << width) - 1) as u64)).into()
                };
                // SAFETY: as above.
                unsafe {
                    let s: extern "C" fn(*mut c_void, u64) = std::mem::transmute(set.as_ptr());
                    s(a.addr(), value as u64);
                }
                let v = if as_bool {
                    Value::Bool(value != 0)
                } else if signed {
                    Value::I64(value as i64)
                } else {
                    Value::U64(value as u64)
                };
                m.set(&b, &v).expect("member set");
                assert_eq!(
                    a.to_bytes(),
                    b.to_bytes(),
                    "{what}: set {value} over {background:x?}"
                );
            }
        }
    }
}

/// A `Value` integer as its two's complement word.
fn word_of(v: &Value<'_>) -> u64 {
    match *v {
        Value::Bool(b) => u64::from(b),
        Value::I8(v) => v as u64,
        Value::U8(v) => u64::from(v),
        Value::I16(v) => v as u64,
        Value::U16(v) => u64::from(v),
        Value::I32(v) => v as u64,
        Value::U32(v) => u64::from(v),
        Value::I64(v) => v as u64,
        Value::U64(v) => v,
        ref other => panic!("not an integer: {other:?}"),
    }
}

#[test]
fn a_call_of_cos_is_a_call_with_nothing_around_it() {
    let ffi = Ffi::new();
    ffi.cdef("double cos(double);").expect("cdef");
    // SAFETY: libm's initialisers are benign.
    let libm = unsafe { Library::open("m", &Default::default()) }.expect("libm");
    let cos = ffi.function(&libm, "cos").expect("cos");
    let mut code = emit::compile(&ffi, &[types::F64], &[types::F64], |b, p| {
        let r = emit::call(b, &cos, &[p[0]])?.expect("double");
        b.ins().return_(&[r]);
        Ok(())
    })
    .expect("compile");
    code.keep(cos.clone());
    assert!(code.clif().contains("call_indirect"), "{}", code.clif());
    let asm = body(&disassemble(code.machine_code()));
    // The callee's address, the call, nothing else: no stub, no argument array.
    assert_eq!(asm.len(), 2, "{asm:#?}");
    assert!(asm[0].starts_with("movabs $0x"), "{asm:#?}");
    assert!(asm[1].starts_with("call *%r"), "{asm:#?}");
    // SAFETY: compiled for `(f64) -> f64`.
    let f: extern "C" fn(f64) -> f64 = unsafe { std::mem::transmute(code.as_ptr()) };
    for x in [0.0, 0.5, -2.0, 1e10] {
        assert_eq!(f(x).to_bits(), x.cos().to_bits(), "cos({x})");
    }
}

#[test]
fn structs_by_value_in_registers_on_the_stack_and_as_results() {
    let (ffi, lib) = cx();
    // double fx_norm2(struct fx_point): two SSE eightbytes loaded straight from the bytes.
    let norm2 = ffi.function(&lib, "fx_norm2").expect("fx_norm2");
    let code = emit::compile(&ffi, &[types::I64], &[types::F64], |b, p| {
        let r = emit::call(b, &norm2, &[p[0]])?.expect("double");
        b.ins().return_(&[r]);
        Ok(())
    })
    .expect("compile");
    let asm = body(&disassemble(code.machine_code()));
    assert!(
        asm.iter().any(|i| i == "movsd (%rdi),%xmm0")
            && asm.iter().any(|i| i == "movsd 0x8(%rdi),%xmm1"),
        "the eightbytes load straight into xmm0/xmm1: {asm:#?}"
    );
    let p = [3.0f64, 4.0];
    // SAFETY: compiled for `(pointer) -> f64`; `p` has a struct fx_point's layout.
    let f: extern "C" fn(*const f64) -> f64 = unsafe { std::mem::transmute(code.as_ptr()) };
    assert_eq!(f(p.as_ptr()), 25.0);

    // struct fx_point fx_make_point(double, double): a result in registers, stored to a slot.
    let make = ffi.function(&lib, "fx_make_point").expect("fx_make_point");
    let code = emit::compile(&ffi, &[types::F64, types::F64, types::I64], &[], |b, p| {
        let r = emit::call(b, &make, &[p[0], p[1]])?.expect("struct");
        for off in [0, 8] {
            let v = b.ins().load(types::F64, MemFlagsData::new(), r, off);
            b.ins().store(MemFlagsData::new(), v, p[2], off);
        }
        b.ins().return_(&[]);
        Ok(())
    })
    .expect("compile");
    let mut out = [0.0f64; 2];
    // SAFETY: compiled for `(f64, f64, pointer)`; `out` has room for a struct fx_point.
    unsafe {
        let f: extern "C" fn(f64, f64, *mut f64) = std::mem::transmute(code.as_ptr());
        f(1.5, -2.5, out.as_mut_ptr());
    }
    assert_eq!(out, [1.5, -2.5]);

    // Memory-class structs: struct fx_s64 on the stack, echoed back through the hidden
    // pointer; a 24-byte struct between an int and a double.
    for (name, size) in [
        ("fx_echo_s64", 64usize),
        ("fx_echo_s24", 24),
        ("fx_echo_s12i", 12),
        ("fx_echo_s3", 3),
        ("fx_echo_p10", 10),
    ] {
        let echo = ffi.function(&lib, name).expect(name);
        let code = emit::compile(&ffi, &[types::I64, types::I64], &[], |b, p| {
            let r = emit::call(b, &echo, &[p[0]])?.expect("struct");
            for at in 0..size as i32 {
                let v = b.ins().uload8(types::I32, MemFlagsData::new(), r, at);
                b.ins().istore8(MemFlagsData::new(), v, p[1], at);
            }
            b.ins().return_(&[]);
            Ok(())
        })
        .expect("compile");
        // The argument's `size` bytes end where an inaccessible page begins: a lowering that
        // read a whole eightbyte past the struct's end would fault here.
        let guard = GuardedBytes::new(size);
        let input: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        guard.bytes().copy_from_slice(&input);
        let mut out = vec![0u8; size];
        // SAFETY: compiled for `(pointer, pointer)`; both buffers have the struct's size.
        unsafe {
            let f: extern "C" fn(*const u8, *mut u8) = std::mem::transmute(code.as_ptr());
            f(guard.bytes().as_ptr(), out.as_mut_ptr());
        }
        assert_eq!(out, input, "{name}");
    }
    let hash = ffi.function(&lib, "fx_hash_s24").expect("fx_hash_s24");
    let code = emit::compile(&ffi, &[types::I64], &[types::I64], |b, p| {
        let pre = b.ins().iconst(types::I32, -3);
        let post = b.ins().f64const(2.5);
        let r = emit::call(b, &hash, &[pre, p[0], post])?.expect("u64");
        b.ins().return_(&[r]);
        Ok(())
    })
    .expect("compile");
    let s24 = [11i64, -22, 33];
    // SAFETY: compiled for `(pointer) -> u64`; `s24` has struct fx_s24's layout.
    let got = unsafe {
        let f: extern "C" fn(*const i64) -> u64 = std::mem::transmute(code.as_ptr());
        f(s24.as_ptr())
    };
    let expect = {
        let s = ffi.type_of("struct fx_s24").expect("type");
        let bytes: Vec<u8> = s24.iter().flat_map(|v| v.to_le_bytes()).collect();
        // SAFETY: the fixture's declaration matches its definition.
        unsafe {
            hash.call(&[
                Value::I32(-3),
                Value::Struct(jitffi::StructValue::borrowed(&s, &bytes)),
                Value::F64(2.5),
            ])
        }
        .expect("call")
    };
    assert_eq!(Value::U64(got), expect);
}

/// `for i in 0..n { s += p[i].x * p[i].y }` in host IR: the loop body is two loads with their
/// offsets and arithmetic, no call.
#[test]
fn a_loop_over_a_struct_array_has_no_call() {
    let (ffi, _lib) = cx();
    let point = ffi.type_of("struct fx_point").expect("type");
    let (x, y) = (point.member("x").expect("x"), point.member("y").expect("y"));
    let code = emit::compile(&ffi, &[types::I64, types::I64], &[types::F64], |b, p| {
        let (base, n) = (p[0], p[1]);
        let head = b.create_block();
        let body = b.create_block();
        let exit = b.create_block();
        b.append_block_param(head, types::I64);
        b.append_block_param(head, types::F64);
        b.append_block_param(exit, types::F64);
        let zero = b.ins().iconst(types::I64, 0);
        let acc = b.ins().f64const(0.0);
        b.ins().jump(head, &[zero.into(), acc.into()]);
        b.switch_to_block(head);
        let (i, acc) = (b.block_params(head)[0], b.block_params(head)[1]);
        let more = b.ins().icmp(ir::condcodes::IntCC::SignedLessThan, i, n);
        b.ins().brif(more, body, &[], exit, &[acc.into()]);
        b.switch_to_block(body);
        let e = emit::elem_addr(b, &point, base, i)?;
        let px = emit::load(b, &x, e)?;
        let py = emit::load(b, &y, e)?;
        let prod = b.ins().fmul(px, py);
        let acc = b.ins().fadd(acc, prod);
        let next = b.ins().iadd_imm_s(i, 1);
        b.ins().jump(head, &[next.into(), acc.into()]);
        b.switch_to_block(exit);
        let r = b.block_params(exit)[0];
        b.ins().return_(&[r]);
        Ok(())
    })
    .expect("compile");
    let asm = disassemble(code.machine_code());
    assert!(asm.iter().all(|i| !i.starts_with("call")), "{asm:#?}");
    // `p[i].y` is an operand `0x8(%rdi,%rax,1)` of a move or of the multiplication itself,
    // with `i * 16` as a shift.
    assert!(asm.iter().any(|i| i.starts_with("shl $0x4,")), "{asm:#?}");
    assert!(
        asm.iter().any(|i| i.contains("sd 0x8(%rdi,")),
        "y is read with its offset in the instruction: {asm:#?}"
    );
    let pts: Vec<f64> = (0..200).map(|k| f64::from(k) * 0.5).collect();
    // SAFETY: compiled for `(pointer, i64) -> f64`; `pts` holds 100 struct fx_points.
    let f: extern "C" fn(*const f64, i64) -> f64 = unsafe { std::mem::transmute(code.as_ptr()) };
    let expect: f64 = pts.chunks(2).map(|c| c[0] * c[1]).sum();
    assert_eq!(f(pts.as_ptr(), 100), expect);
    assert_eq!(f(pts.as_ptr(), 0), 0.0);
}

#[test]
fn variadic_calls_set_al_and_pass_promoted_tails() {
    let (ffi, lib) = cx();
    let sum = ffi
        .function(&lib, "fx_sum_var_double")
        .expect("fx_sum_var_double");
    let double = ffi.type_of("double").expect("double");
    let code = emit::compile(
        &ffi,
        &[types::F64, types::F64, types::F64],
        &[types::F64],
        |b, p| {
            let n = b.ins().iconst(types::I32, 3);
            let tail = [double.clone(), double.clone(), double.clone()];
            let r = emit::call_variadic(b, &sum, &[n, p[0], p[1], p[2]], &tail)?.expect("double");
            b.ins().return_(&[r]);
            Ok(())
        },
    )
    .expect("compile");
    // SAFETY: compiled for `(f64, f64, f64) -> f64`.
    let f: extern "C" fn(f64, f64, f64) -> f64 = unsafe { std::mem::transmute(code.as_ptr()) };
    // The fixture weighs the i-th double by i: 1.25 + 2 * 2.5 - 3 * 0.75.
    assert_eq!(f(1.25, 2.5, -0.75), 4.0);

    // snprintf with an int, a double and a string.
    ffi.cdef("int snprintf(char *, size_t, const char *, ...);")
        .expect("cdef");
    let snprintf = ffi
        .function(&Library::process(), "snprintf")
        .expect("snprintf");
    let tail = ["int", "double", "const char *"].map(|t| ffi.type_of(t).expect("type"));
    let fmt = c"%d|%.3f|%s";
    let word = c"ok";
    let code = emit::compile(
        &ffi,
        &[types::I64, types::I32, types::F64],
        &[types::I32],
        |b, p| {
            let size = b.ins().iconst(types::I64, 64);
            let f = b.ins().iconst(types::I64, fmt.as_ptr() as i64);
            let w = b.ins().iconst(types::I64, word.as_ptr() as i64);
            let r = emit::call_variadic(b, &snprintf, &[p[0], size, f, p[1], p[2], w], &tail)?
                .expect("int");
            b.ins().return_(&[r]);
            Ok(())
        },
    )
    .expect("compile");
    let mut buf = [0u8; 64];
    // SAFETY: compiled for `(pointer, i32, f64) -> i32`; `buf` has the 64 bytes passed.
    let n = unsafe {
        let f: extern "C" fn(*mut u8, i32, f64) -> i32 = std::mem::transmute(code.as_ptr());
        f(buf.as_mut_ptr(), -42, 1.23456)
    };
    assert_eq!(&buf[..n as usize], b"-42|1.235|ok");

    // Tail types C promotes are refused with the promoted type named.
    let float = ffi.type_of("float").expect("float");
    let e = emit::compile(&ffi, &[types::F32], &[], |b, p| {
        let n = b.ins().iconst(types::I32, 1);
        emit::call_variadic(b, &sum, &[n, p[0]], std::slice::from_ref(&float))?;
        b.ins().return_(&[]);
        Ok(())
    })
    .unwrap_err();
    assert_eq!(e.kind(), EmitErrorKind::Type);
    assert_eq!(
        e.to_string(),
        "emit::call: fx_sum_var_double: argument 2: 'float' in a variadic tail is promoted to 'double' in C; pass a 'double'"
    );
}

#[test]
fn errno_is_captured_around_a_call() {
    let ffi = Ffi::new();
    ffi.cdef("int close(int);").expect("cdef");
    let close = ffi
        .function(&Library::process(), "close")
        .expect("close")
        .capture_errno();
    let code = emit::compile(&ffi, &[types::I32], &[types::I32], |b, p| {
        let r = emit::call(b, &close, &[p[0]])?.expect("int");
        b.ins().return_(&[r]);
        Ok(())
    })
    .expect("compile");
    jitffi::set_errno(0);
    // SAFETY: compiled for `(i32) -> i32`; closing fd -1 fails without side effects.
    let r = unsafe {
        let f: extern "C" fn(i32) -> i32 = std::mem::transmute(code.as_ptr());
        f(-1)
    };
    assert_eq!(r, -1);
    assert_eq!(jitffi::errno(), 9, "EBADF");
}

/// A Rust closure passed to C's qsort from host IR, and a call through a function pointer.
#[test]
fn callbacks_and_function_pointers() {
    let ffi = Ffi::new();
    ffi.cdef(
        "void qsort(void *, size_t, size_t, int (*)(const void *, const void *));
         typedef int (*cmp_fn)(const void *, const void *);",
    )
    .expect("cdef");
    let qsort = ffi.function(&Library::process(), "qsort").expect("qsort");
    let cmp_t = ffi.type_of("cmp_fn").expect("type");
    let cmp = cmp_t
        .callback_typed(|a: *const c_void, b: *const c_void| -> i32 {
            // SAFETY: qsort passes pointers to elements of the i32 array below.
            let (a, b) = unsafe { (*a.cast::<i32>(), *b.cast::<i32>()) };
            a.cmp(&b) as i32
        })
        .expect("callback");
    let code = emit::compile(&ffi, &[types::I64, types::I64], &[], |b, p| {
        let size = b.ins().iconst(types::I64, 4);
        let f = emit::callback_ptr(b, &cmp);
        emit::call(b, &qsort, &[p[0], p[1], size, f])?;
        b.ins().return_(&[]);
        Ok(())
    })
    .expect("compile");
    let mut v = vec![5i32, -1, 9, 3, 3, 0];
    // SAFETY: compiled for `(pointer, i64)`; `cmp` outlives the call.
    unsafe {
        let f: extern "C" fn(*mut i32, i64) = std::mem::transmute(code.as_ptr());
        f(v.as_mut_ptr(), v.len() as i64);
    }
    assert_eq!(v, [-1, 0, 3, 3, 5, 9]);

    // Calling the comparison through a function pointer the host holds in a register.
    let code = emit::compile(
        &ffi,
        &[types::I64, types::I64, types::I64],
        &[types::I32],
        |b, p| {
            let r = emit::call_indirect(b, &cmp_t, p[0], &[p[1], p[2]])?.expect("int");
            b.ins().return_(&[r]);
            Ok(())
        },
    )
    .expect("compile");
    let (a, c) = (7i32, 2i32);
    // SAFETY: compiled for `(pointer, pointer, pointer) -> i32`; `cmp` is live.
    let r = unsafe {
        let f: extern "C" fn(*const c_void, *const i32, *const i32) -> i32 =
            std::mem::transmute(code.as_ptr());
        f(cmp.ptr(), &a, &c)
    };
    assert_eq!(r, 1);
}

#[test]
fn bounds_checks_branch_or_trap() {
    let (ffi, _lib) = cx();
    let point = ffi.type_of("struct fx_point").expect("type");
    let x = point.member("x").expect("x");
    // double get_x(struct fx_point *p, i64 n, i64 i) { return i < n ? p[i].x : -1.0; }
    let code = emit::compile(
        &ffi,
        &[types::I64, types::I64, types::I64],
        &[types::F64],
        |b, p| {
            let fail = b.create_block();
            emit::bounds_check(b, p[2], p[1], OnFail::Branch(fail))?;
            let e = emit::elem_addr(b, &point, p[0], p[2])?;
            let v = emit::load(b, &x, e)?;
            b.ins().return_(&[v]);
            b.switch_to_block(fail);
            let m = b.ins().f64const(-1.0);
            b.ins().return_(&[m]);
            Ok(())
        },
    )
    .expect("compile");
    let pts = [1.0f64, 2.0, 3.0, 4.0];
    // SAFETY: compiled for `(pointer, i64, i64) -> f64`; `pts` holds two points.
    let f: extern "C" fn(*const f64, i64, i64) -> f64 =
        unsafe { std::mem::transmute(code.as_ptr()) };
    assert_eq!(f(pts.as_ptr(), 2, 1), 3.0);
    assert_eq!(f(pts.as_ptr(), 2, 2), -1.0);
    assert_eq!(
        f(pts.as_ptr(), 2, -1),
        -1.0,
        "negative indices are out of bounds (unsigned)"
    );
    // The trapping variant compiles to a compare and a conditional trap (`ud2` behind a jump).
    let code = emit::compile(&ffi, &[types::I64, types::I64], &[], |b, p| {
        emit::bounds_check(b, p[0], p[1], OnFail::Trap(TrapCode::HEAP_OUT_OF_BOUNDS))?;
        b.ins().return_(&[]);
        Ok(())
    })
    .expect("compile");
    assert!(code.clif().contains("trapnz"), "{}", code.clif());
    // SAFETY: compiled for `(i64, i64)`; in bounds, so it does not trap.
    unsafe {
        let f: extern "C" fn(i64, i64) = std::mem::transmute(code.as_ptr());
        f(1, 2);
    }
}

/// A piece of host IR that may fail to emit.
type Emitter<'a> =
    dyn Fn(&mut FunctionBuilder<'_>, &[ir::Value]) -> Result<(), jitffi::EmitError> + 'a;

/// Wrong input is an error naming the operation, the function, the position and both types;
/// nothing is emitted and the host's function is still usable.
#[test]
fn errors_name_the_function_the_argument_and_both_types() {
    let (ffi, lib) = cx();
    let add = ffi.function(&lib, "fx_add_i32").expect("fx_add_i32");
    let ld = ffi.function(&lib, "fx_id_ld").expect("fx_id_ld");
    let point = ffi.type_of("struct fx_rect").expect("type");
    let min = point.member("min").expect("min");
    let cases: Vec<(&str, EmitErrorKind, Box<Emitter<'_>>)> = vec![
        (
            "emit::call: fx_add_i32: expected 2 arguments, got 1",
            EmitErrorKind::Arity,
            Box::new(|b, _| {
                let a = b.ins().iconst(types::I32, 1);
                emit::call(b, &add, &[a]).map(drop)
            }),
        ),
        (
            "emit::call: fx_add_i32: argument 2: 'int' travels as i32, got i64",
            EmitErrorKind::Type,
            Box::new(|b, p| emit::call(b, &add, &[p[1], p[0]]).map(drop)),
        ),
        (
            "emit::call: fx_id_ld: argument 1: 'long double' is not lowered by jitffi::emit",
            EmitErrorKind::Unsupported,
            Box::new(|b, p| emit::call(b, &ld, &[p[0]]).map(drop)),
        ),
        (
            "emit::load: struct fx_rect .min: a struct or union member; take its address with emit::member_addr",
            EmitErrorKind::Type,
            Box::new(|b, p| emit::load(b, &min, p[0]).map(drop)),
        ),
        (
            "emit::load: struct fx_point .x: the base address is i32, expected a pointer (i64)",
            EmitErrorKind::Type,
            Box::new(|b, p| {
                let x = ffi
                    .type_of("struct fx_point")
                    .expect("t")
                    .member("x")
                    .expect("x");
                emit::load(b, &x, p[1]).map(drop)
            }),
        ),
    ];
    for (msg, kind, f) in cases {
        let e = emit::compile(&ffi, &[types::I64, types::I32], &[], |b, p| {
            f(b, p)?;
            b.ins().return_(&[]);
            Ok(())
        })
        .unwrap_err();
        assert_eq!(e.to_string(), msg);
        assert_eq!(e.kind(), kind, "{e}");
        // Into the crate's one error type, message kept.
        let top: jitffi::Error = e.clone().into();
        assert_eq!(top.to_string(), e.to_string());
    }
    // IR that does not verify is a Compile error with Cranelift's message.
    let e = emit::compile(&ffi, &[types::I64], &[types::F64], |b, p| {
        b.ins().return_(&[p[0]]);
        Ok(())
    })
    .unwrap_err();
    assert_eq!(e.kind(), EmitErrorKind::Compile);
    assert!(e.to_string().contains("does not verify"), "{e}");
    let fp = ffi.type_of("int (*)(int, ...)").expect("type");
    let e = emit::compile(&ffi, &[types::I64], &[], |b, p| {
        emit::call_indirect(b, &fp, p[0], &[])?;
        b.ins().return_(&[]);
        Ok(())
    })
    .unwrap_err();
    assert_eq!(e.kind(), EmitErrorKind::Unsupported);
    assert!(e.to_string().contains("%al"), "{e}");
}

/// The host's own `JITModule` (through `jitffi::cranelift`): emitted IR refers to nothing but
/// absolute addresses and `memcpy`, which cranelift-jit resolves itself.
#[test]
fn a_hosts_own_jit_module_works() {
    use jitffi::cranelift::codegen::settings::{self, Configurable};
    use jitffi::cranelift::jit::{JITBuilder, JITModule};
    use jitffi::cranelift::module::{Linkage, Module, default_libcall_names};

    let (ffi, lib) = cx();
    let echo = ffi.function(&lib, "fx_echo_s64").expect("fx_echo_s64");
    let norm2 = ffi.function(&lib, "fx_norm2").expect("fx_norm2");
    let mut flags = settings::builder();
    flags.set("opt_level", "speed").expect("flag");
    let isa = jitffi::cranelift::native::builder()
        .expect("host isa")
        .finish(settings::Flags::new(flags))
        .expect("isa");
    let mut module = JITModule::new(JITBuilder::with_isa(isa, default_libcall_names()));
    let mut ctx = module.make_context();
    let ptr = module.target_config().pointer_type();
    ctx.func
        .signature
        .params
        .extend([ir::AbiParam::new(ptr), ir::AbiParam::new(ptr)]);
    ctx.func
        .signature
        .returns
        .push(ir::AbiParam::new(types::F64));
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fctx);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let (src, dst) = (b.block_params(entry)[0], b.block_params(entry)[1]);
        // Echo a 64-byte struct (memory class: copied to the stack with memcpy), then the
        // norm of its first 16 bytes as a point.
        let r = emit::call(&mut b, &echo, &[src])
            .expect("emit")
            .expect("struct");
        for at in (0..64).step_by(8) {
            let v = b.ins().load(types::I64, MemFlagsData::new(), r, at);
            b.ins().store(MemFlagsData::new(), v, dst, at);
        }
        let n = emit::call(&mut b, &norm2, &[dst])
            .expect("emit")
            .expect("double");
        b.ins().return_(&[n]);
        b.seal_all_blocks();
        b.finalize(module.isa().frontend_config());
    }
    let id = module
        .declare_function("host", Linkage::Local, &ctx.func.signature)
        .expect("declare");
    module.define_function(id, &mut ctx).expect("define");
    module.finalize_definitions().expect("finalize");
    let code = module.get_finalized_function(id);
    let mut src = [0u8; 64];
    src[..8].copy_from_slice(&3.0f64.to_le_bytes());
    src[8..16].copy_from_slice(&4.0f64.to_le_bytes());
    src[16..]
        .iter_mut()
        .enumerate()
        .for_each(|(i, b)| *b = i as u8);
    let mut dst = [0u8; 64];
    // SAFETY: compiled for `(pointer, pointer) -> f64`; both buffers hold 64 bytes.
    let r = unsafe {
        let f: extern "C" fn(*const u8, *mut u8) -> f64 = std::mem::transmute(code);
        f(src.as_ptr(), dst.as_mut_ptr())
    };
    assert_eq!(dst, src);
    assert_eq!(r, 25.0);
    // SAFETY: nothing runs the module's code any more.
    unsafe { module.free_memory() };
}
