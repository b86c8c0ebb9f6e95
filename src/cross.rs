//! AArch64 Linux machine code compiled on any host: jitffi's prepared-call stubs and untyped
//! callback thunks for functions declared in a context made for
//! [`Target::aarch64_linux`](crate::Target::aarch64_linux).
//!
//! The code comes from the builders that make the host's own stubs and thunks, lowered by the
//! same [AAPCS64 call plans](https://github.com/ARM-software/abi-aa/blob/main/aapcs64/aapcs64.rst):
//! this is how those plans are proven without an AArch64 machine. `tests/aarch64_qemu.rs`
//! assembles the code of hundreds of random signatures with [`assembly`], links it with a C
//! harness built by `aarch64-linux-gnu-gcc`, runs it under `qemu-aarch64`, and compares every
//! call with the same call compiled by gcc, in both directions. On an AArch64 Linux host the
//! engine compiles the same stubs natively (callbacks go through libffi there: the callback
//! slots are x86-64 code); `.ci/aarch64-native` runs that under qemu-user.
//!
//! The code refers to nothing by address, so it runs wherever it is placed:
//!
//! - a **prepared-call stub** is `struct { uint64_t status, bits; } stub(const uint64_t *slots,
//!   void *ret, void (*fn)(void))`: argument `i` is in `slots[i]` (a scalar's bytes at the
//!   start of its 8, extended or not; a struct's slot holds the address of its bytes). A
//!   scalar result comes back in `bits` (integers extended to 64 bits, `float` in the low 32),
//!   a struct result is written to `ret`, which must have room for the struct rounded up to
//!   8 bytes and at least 16; `status` is 0.
//! - a **callback thunk** is a C function of the declared type with one more parameter, `void
//!   **ctx`. It writes its arguments as jitffi `Value`s (40 bytes each, [`VALUE_SIZE`]: a
//!   scalar's bits at [`VALUE_PAYLOAD`], extended to 64; a struct's address at
//!   [`VALUE_STRUCT_DATA`]), calls `((void (*)(void **, const void *, void *))ctx[0])(ctx,
//!   values, ret)` and returns what that left in `ret` (for results in memory, `ret` is the
//!   caller's result pointer).
//!
//! ```
//! use jitffi::{Ffi, Target, cross};
//!
//! let ffi = Ffi::with_target(Target::aarch64_linux());
//! ffi.cdef("struct hfa { float a, b, c; }; struct hfa scale(struct hfa, double);")?;
//! let a64 = cross::Aarch64::new()?;
//! let stub = a64.prepared_stub(&ffi, "scale", &[])?;
//! let thunk = a64.callback_thunk(&ffi, "scale")?;
//! // Every AArch64 instruction is 4 bytes; the stub ends in `ret` (0xd65f03c0).
//! assert_eq!(stub.len() % 4, 0);
//! assert!(stub.chunks(4).any(|i| i == 0xd65f03c0_u32.to_le_bytes()));
//! let asm = cross::assembly(&[("scale_stub", &stub), ("scale_thunk", &thunk)]);
//! assert!(asm.contains(".globl scale_stub"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use crate::ctype::TypeId;
use crate::ffi::Ffi;
use crate::jit::{EmitError, EmitErrorKind, JitError, cross};
use crate::layout::Arch;
use crate::plan::{self, CallPlan};
use crate::ty::Type;
use crate::value::{self, Conv};

/// Bytes of one `Value` in the array a callback thunk passes to its dispatcher.
pub const VALUE_SIZE: usize = std::mem::size_of::<value::Value<'static>>();
/// Offset of a scalar's bits in a `Value` (integers extended to 64 bits, `float` in the low
/// 32, `_Bool` 0 or 1).
pub const VALUE_PAYLOAD: usize = value::PAYLOAD as usize;
/// Offset of the address of a struct's bytes in a `Value`.
pub const VALUE_STRUCT_DATA: usize = value::STRUCT_DATA as usize;

/// A compiler of AArch64 Linux code (Cranelift's AArch64 backend).
pub struct Aarch64 {
    inner: cross::Aarch64,
}

impl std::fmt::Debug for Aarch64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cross::Aarch64")
    }
}

fn unsupported(what: &str, e: JitError) -> EmitError {
    EmitError::new(EmitErrorKind::Unsupported, format!("{what}: {}", e.0))
}

impl Aarch64 {
    /// The compiler.
    ///
    /// # Errors
    ///
    /// [`EmitErrorKind::Compile`] if Cranelift's AArch64 backend cannot be set up.
    pub fn new() -> Result<Aarch64, EmitError> {
        cross::Aarch64::new()
            .map(|inner| Aarch64 { inner })
            .map_err(|e| EmitError::new(EmitErrorKind::Compile, e.0))
    }

    /// The prepared-call stub (see the module documentation) of `function`, declared in
    /// `ffi`, with `tail` the types of the variadic arguments (already promoted: `int`,
    /// `double` …; empty for a function that is not variadic).
    ///
    /// # Errors
    ///
    /// [`EmitErrorKind::Context`] if `ffi` is not for AArch64 Linux or a tail type is from
    /// another context, [`EmitErrorKind::Type`] if `function` is not declared, and
    /// [`EmitErrorKind::Unsupported`] for what the AArch64 lowering refuses (`long double`,
    /// `__int128`).
    pub fn prepared_stub(
        &self,
        ffi: &Ffi,
        function: &str,
        tail: &[Type],
    ) -> Result<Vec<u8>, EmitError> {
        let (plan, convs, ret) = plan_of(ffi, function, tail)?;
        self.inner
            .prepared_stub(&plan, &convs, ret)
            .map_err(|e| unsupported(function, e))
    }

    /// The untyped callback thunk (see the module documentation) of a function of the type of
    /// `function`, declared in `ffi`.
    ///
    /// # Errors
    ///
    /// As [`Aarch64::prepared_stub`], and [`EmitErrorKind::Unsupported`] for a variadic type.
    pub fn callback_thunk(&self, ffi: &Ffi, function: &str) -> Result<Vec<u8>, EmitError> {
        let (plan, convs, _) = plan_of(ffi, function, &[])?;
        self.inner
            .callback_thunk(&plan, &convs)
            .map_err(|e| unsupported(function, e))
    }
}

/// The plan and conversions of a call of `function` with `tail`.
fn plan_of(
    ffi: &Ffi,
    function: &str,
    tail: &[Type],
) -> Result<(CallPlan, Vec<Conv>, Conv), EmitError> {
    let target = ffi.target();
    if target.arch != Arch::Aarch64 {
        return Err(EmitError::new(
            EmitErrorKind::Context,
            format!(
                "{function}: the context is not for AArch64 (make it with Ffi::with_target(Target::aarch64_linux()))"
            ),
        ));
    }
    let t = ffi.types();
    let func = t.function(function).map(|f| f.ty).ok_or_else(|| {
        EmitError::new(
            EmitErrorKind::Type,
            format!("'{function}' is not a declared function"),
        )
    })?;
    let mut tail_ids: Vec<TypeId> = Vec::with_capacity(tail.len());
    for ty in tail {
        if !std::sync::Arc::ptr_eq(&ty.context().shared, &ffi.cx.shared) {
            return Err(EmitError::new(
                EmitErrorKind::Context,
                format!("{function}: a variadic argument type of another context"),
            ));
        }
        tail_ids.push(ty.id());
    }
    let plan = plan::plan_call(&t, target, func, &tail_ids)
        .map_err(|e| EmitError::new(EmitErrorKind::Unsupported, format!("{function}: {e}")))?;
    let f = t.as_func(func).ok_or_else(|| {
        EmitError::new(
            EmitErrorKind::Type,
            format!("'{function}' is not a function"),
        )
    })?;
    let all: Vec<TypeId> = f.params.iter().chain(&tail_ids).copied().collect();
    let (convs, ret) = crate::call::convs_of(&t, target, &all, f.ret);
    Ok((plan, convs, ret))
}

/// GNU assembler text that defines each `(name, code)` as a global function in `.text`, for
/// `aarch64-linux-gnu-gcc` (or `as`) to assemble and link with C code.
pub fn assembly(functions: &[(&str, &[u8])]) -> String {
    let mut s = String::from("\t.text\n");
    for (name, code) in functions {
        let _ = writeln!(
            s,
            "\t.globl {name}\n\t.type {name}, %function\n\t.p2align 4\n{name}:"
        );
        for chunk in code.chunks(16) {
            let bytes: Vec<String> = chunk.iter().map(|b| format!("0x{b:02x}")).collect();
            let _ = writeln!(s, "\t.byte {}", bytes.join(","));
        }
        let _ = writeln!(s, "\t.size {name}, .-{name}");
    }
    s.push_str("\t.section .note.GNU-stack,\"\",%progbits\n");
    s
}
