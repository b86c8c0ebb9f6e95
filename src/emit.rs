//! FFI operations as Cranelift IR in a host's own function: C calls with no stub in between,
//! member loads and stores as single instructions.
//!
//! For programs that JIT their own code with Cranelift (language runtimes, query engines,
//! simulators) and need to call C and touch C data from it, as PyPy's JIT does for cffi: the
//! host builds its function with a [`FunctionBuilder`] and asks this module for the IR of each
//! FFI operation, which jitffi lowers from the declaration the way a C compiler lowers it at a
//! call site or member access. Then the host compiles the function with its own
//! `JITModule` (the Cranelift jitffi uses is re-exported as [`crate::cranelift`], so the
//! versions match), or with [`compile`], on the engine of an [`Ffi`].
//!
//! # Values
//!
//! C values travel in their natural IR types: `_Bool`, `char`, `signed char` and `unsigned char`
//! are `i8`, `short` `i16`, `int` and 4-byte enums `i32`, `long`, `long long` and `size_t`
//! `i64`, `float` `f32`, `double` `f64`, pointers the pointer type (`i64`). A struct or union
//! passed by value is the **address** of its bytes, and a struct result is the address of a
//! stack slot of the host's function that holds it (valid until the function returns; the
//! same call site reuses its slot). [`arg_type`] says which IR type a C type travels as.
//!
//! # What is emitted
//!
//! - [`call`], [`call_variadic`], [`call_indirect`]: the call lowered by jitffi's call plan
//!   (the same plan the untyped stubs and libffi use): narrow integers extended, structs in
//!   registers loaded eightbyte by eightbyte straight from their bytes, structs on the stack
//!   copied, the hidden result pointer, `%al` for variadic calls, `errno` saved and restored
//!   around the call for [`Function::capture_errno`] handles.
//! - [`load`], [`store`]: one load or store with the member's offset in the instruction
//!   (bit-fields: the bytes that hold them, shifts and masks; stores read-modify-write).
//! - [`member_addr`], [`elem_addr`], [`bounds_check`] (trapping or branching to a host block),
//!   [`callback_ptr`].
//!
//! # Lifetimes and safety
//!
//! Emitting IR is safe; running the compiled code is `unsafe` in the host, which vouches that
//! the declarations match the libraries, that the pointers the code dereferences are valid,
//! and that every handle whose address the code embeds (the [`Library`](crate::Library) of a
//! [`Function`], a [`Callback`], the [`Ffi`] whose engine holds variadic entries) outlives the
//! code: [`Code::keep`] ties them to code compiled by [`compile`].
//!
//! # Example
//!
//! ```
//! use jitffi::cranelift::codegen::ir::{InstBuilder, types};
//! use jitffi::{Ffi, Library, emit};
//!
//! let ffi = Ffi::new();
//! ffi.cdef("struct point { double x, y; }; double hypot(double, double);")?;
//! // SAFETY: libm's initialisers are benign.
//! let libm = unsafe { Library::open("m", &Default::default())? };
//! let hypot = ffi.function(&libm, "hypot")?;
//! let point = ffi.type_of("struct point")?;
//! let (x, y) = (point.member("x")?, point.member("y")?);
//!
//! // double norm(struct point *p) { return hypot(p->x, p->y); }
//! let mut code = emit::compile(&ffi, &[types::I64], &[types::F64], |b, params| {
//!     let px = emit::load(b, &x, params[0])?;
//!     let py = emit::load(b, &y, params[0])?;
//!     let r = emit::call(b, &hypot, &[px, py])?.expect("a double");
//!     b.ins().return_(&[r]);
//!     Ok(())
//! })?;
//! code.keep(hypot.clone());
//! assert!(code.clif().contains("load.f64"));
//!
//! let p = point.alloc_values(&[jitffi::Value::F64(3.0), jitffi::Value::F64(4.0)])?;
//! // SAFETY: the code was compiled for this signature, and `p` points to a struct point.
//! let norm = unsafe { std::mem::transmute::<*const u8, extern "C" fn(*mut std::ffi::c_void) -> f64>(code.as_ptr()) };
//! assert_eq!(norm(p.addr()), 5.0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{self, AbiParam, BlockArg, InstBuilder, MemFlagsData, TrapCode};
use cranelift_frontend::FunctionBuilder;

use crate::call::Function;
use crate::callback::Callback;
use crate::cdata::Member;
use crate::ctype::{CType, Prim, TypeId, TypeTable};
use crate::ffi::Ffi;
use crate::jit::host::{self, Callee};
pub use crate::jit::host::{EmitError, EmitErrorKind};
use crate::jit::{JitEngine, JitError, MemberSpec, Scalar};
use crate::layout;
use crate::plan::{self, CallPlan};
use crate::ty::Type;
use crate::value::Conv;

/// The pointer type of host code.
const PTR: ir::Type = ir::types::I64;

fn unsupported_target() -> Option<EmitError> {
    cfg!(not(any(
        all(target_arch = "x86_64", not(windows)),
        all(target_arch = "aarch64", target_os = "linux")
    )))
    .then(|| {
        EmitError::new(
            EmitErrorKind::Unsupported,
            "jitffi::emit lowers calls for x86-64 System V and AArch64 Linux only",
        )
    })
}

/// The IR type values of C type `ty` travel as in host code (see the module documentation):
/// `i32` for `int`, `f64` for `double`, the pointer type for pointers and for structs and
/// unions (their address).
///
/// # Errors
///
/// [`EmitErrorKind::Type`] for `void`, function types, incomplete types, and
/// [`EmitErrorKind::Unsupported`] for `long double`, `__int128` and GCC vectors.
///
/// ```
/// use jitffi::cranelift::codegen::ir::types;
/// let ffi = jitffi::Ffi::new();
/// assert_eq!(jitffi::emit::arg_type(&ffi.type_of("unsigned short")?)?, types::I16);
/// assert_eq!(jitffi::emit::arg_type(&ffi.type_of("const char *")?)?, types::I64);
/// assert!(jitffi::emit::arg_type(&ffi.type_of("long double")?).is_err());
/// # Ok::<(), jitffi::Error>(())
/// ```
pub fn arg_type(ty: &Type) -> Result<ir::Type, EmitError> {
    let t = ty.table();
    let cx = ty.context();
    let conv = Conv::of(
        t,
        |id| layout::layout_of(t, cx.target(), id).ok().map(|l| l.size),
        ty.id(),
        cx.target().char_signed,
    );
    conv_type(&conv).ok_or_else(|| no_value(t, ty.id(), &conv))
}

/// The host IR type of a conversion class (`None`: no value of it travels in host code).
fn conv_type(conv: &Conv) -> Option<ir::Type> {
    Some(match conv {
        Conv::Bool => ir::types::I8,
        Conv::Int { bytes, .. } => int_type(*bytes),
        Conv::F32 => ir::types::F32,
        Conv::F64 => ir::types::F64,
        Conv::Ptr { .. } | Conv::Struct { .. } => PTR,
        Conv::Void | Conv::LongDouble | Conv::Int128 { .. } | Conv::Unsupported => return None,
    })
}

fn int_type(bytes: u8) -> ir::Type {
    match bytes {
        1 => ir::types::I8,
        2 => ir::types::I16,
        4 => ir::types::I32,
        _ => ir::types::I64,
    }
}

fn no_value(t: &TypeTable, id: TypeId, conv: &Conv) -> EmitError {
    let kind = match conv {
        Conv::LongDouble | Conv::Int128 { .. } | Conv::Unsupported => EmitErrorKind::Unsupported,
        _ => EmitErrorKind::Type,
    };
    let why = match conv {
        Conv::Void => "has no value",
        _ => "is not lowered by jitffi::emit (call it through Function::call, which uses libffi)",
    };
    EmitError::new(kind, format!("'{}' {why}", t.display(id)))
}

/// Emits a call of `f` with the host's `args` (one IR value per declared parameter, of the
/// type [`arg_type`] gives) and returns its result: `None` for `void`, the scalar, or the
/// address of a stack slot of the host's function holding a struct result. For variadic
/// functions, [`call_variadic`] passes a tail.
///
/// # Errors
///
/// [`EmitErrorKind::Arity`] and [`EmitErrorKind::Type`] naming the function, the argument's
/// position, its C type, the IR type expected and the one given;
/// [`EmitErrorKind::Unsupported`] for signatures the JIT does not lower (`long double`,
/// `__int128`). Nothing is emitted then.
pub fn call(
    b: &mut FunctionBuilder<'_>,
    f: &Function,
    args: &[ir::Value],
) -> Result<Option<ir::Value>, EmitError> {
    if f.is_variadic() && args.len() > f.param_count() {
        return Err(EmitError::new(
            EmitErrorKind::Arity,
            format!(
                "emit::call: {}: {} arguments for a variadic function of {} fixed parameters: \
                 pass the tail with emit::call_variadic, which takes its C types",
                f.name(),
                args.len(),
                f.param_count()
            ),
        ));
    }
    call_variadic(b, f, args, &[])
}

/// [`call`] with a variadic tail: `args` holds the fixed arguments then the tail's, and `tail`
/// the tail's C types, already promoted as C promotes them (`int`, `unsigned`, `long`,
/// `double`, pointers, structs; not `char`, `short`, `float`).
///
/// # Errors
///
/// As [`call`]; also [`EmitErrorKind::Type`] for a tail type C would have promoted, and
/// [`EmitErrorKind::Context`] for a tail type of another context.
pub fn call_variadic(
    b: &mut FunctionBuilder<'_>,
    f: &Function,
    args: &[ir::Value],
    tail: &[Type],
) -> Result<Option<ir::Value>, EmitError> {
    if let Some(e) = unsupported_target() {
        return Err(e);
    }
    let n_fixed = f.param_count();
    let name = f.name();
    if !tail.is_empty() && !f.is_variadic() {
        return Err(EmitError::new(
            EmitErrorKind::Arity,
            format!(
                "emit::call: {name}: not variadic, but a tail of {} was given",
                tail.len()
            ),
        ));
    }
    if args.len() != n_fixed + tail.len() {
        return Err(EmitError::new(
            EmitErrorKind::Arity,
            format!(
                "emit::call: {name}: expected {} argument{}, got {}",
                n_fixed + tail.len(),
                if n_fixed + tail.len() == 1 { "" } else { "s" },
                args.len()
            ),
        ));
    }
    // The table to plan in: the newest of the function's and the tail types' versions (the
    // table is append-only, so every id is valid in the newest).
    let mut table: &TypeTable = f.table();
    for t in tail {
        if !Arc::ptr_eq(f.engine_cell(), &t.context().shared_engine()) {
            return Err(EmitError::new(
                EmitErrorKind::Context,
                format!("emit::call: {name}: tail type '{t}' is of another Ffi context"),
            ));
        }
        if t.table().len() > table.len() {
            table = t.table();
        }
    }
    let tail_ids: Vec<TypeId> = tail.iter().map(Type::id).collect();
    for (i, &id) in tail_ids.iter().enumerate() {
        if let Some(promoted) = promoted(table, id) {
            return Err(EmitError::new(
                EmitErrorKind::Type,
                format!(
                    "emit::call: {name}: argument {}: '{}' in a variadic tail is promoted to \
                     '{promoted}' in C; pass a '{promoted}'",
                    n_fixed + i + 1,
                    table.display(id)
                ),
            ));
        }
    }
    let owned;
    let plan: &CallPlan = if tail.is_empty() {
        f.call_plan()
    } else {
        owned = plan::plan_call(table, f.target(), f.type_id(), &tail_ids).map_err(|e| {
            EmitError::new(
                EmitErrorKind::Unsupported,
                format!("emit::call: {name}: {e}"),
            )
        })?;
        &owned
    };
    let Some(func) = table.as_func(f.type_id()) else {
        return Err(EmitError::new(
            EmitErrorKind::Type,
            format!("emit::call: {name}: not a function type"),
        ));
    };
    let params: Vec<TypeId> = func.params.iter().copied().chain(tail_ids).collect();
    check_args(
        b,
        table,
        &format!("emit::call: {name}"),
        plan,
        &params,
        args,
    )?;
    let mut target = f.address() as usize;
    // (AAPCS64 passes variadic arguments as fixed ones: no `%al`.)
    if plan.variadic && cfg!(target_arch = "x86_64") {
        let engine = engine(f.engine_cell(), name)?;
        target = engine
            .variadic_entry(plan.vector_regs, target)
            .map_err(|e| compile_error(name, &e))?;
    }
    host::emit_call(b, plan, Callee::Addr(target), args, f.captures_errno())
        .map_err(|e| lowering_error(name, &e))
}

/// Emits a call through a function pointer: `callee` (an IR pointer) is called as a function
/// of type `fn_type` (a function type, or a pointer to one: `int (*)(int)`).
///
/// # Errors
///
/// As [`call`]; [`EmitErrorKind::Type`] if `fn_type` is not a function (pointer) type;
/// [`EmitErrorKind::Unsupported`] for a variadic type on x86-64 (which passes the number of
/// vector registers in `%al`, which Cranelift cannot set before an indirect call; AArch64
/// Linux passes variadic arguments as fixed ones).
pub fn call_indirect(
    b: &mut FunctionBuilder<'_>,
    fn_type: &Type,
    callee: ir::Value,
    args: &[ir::Value],
) -> Result<Option<ir::Value>, EmitError> {
    if let Some(e) = unsupported_target() {
        return Err(e);
    }
    let t = fn_type.table();
    let what = format!("emit::call_indirect: '{fn_type}'");
    let id = match t.pointee(fn_type.id()) {
        Some(p) if t.as_func(p).is_some() => p,
        _ if t.as_func(fn_type.id()).is_some() => fn_type.id(),
        _ => {
            return Err(EmitError::new(
                EmitErrorKind::Type,
                format!("{what}: not a function or function pointer type"),
            ));
        }
    };
    let func = t.as_func(id).expect("checked above");
    if func.variadic && cfg!(target_arch = "x86_64") {
        return Err(EmitError::new(
            EmitErrorKind::Unsupported,
            format!(
                "{what}: variadic calls through function pointers need %al set, which \
                 Cranelift cannot do before an indirect call; declare the function and use \
                 emit::call_variadic"
            ),
        ));
    }
    if b.func.dfg.value_type(callee) != PTR {
        return Err(EmitError::new(
            EmitErrorKind::Type,
            format!(
                "{what}: the callee is {}, expected a pointer ({PTR})",
                b.func.dfg.value_type(callee)
            ),
        ));
    }
    let plan = plan::plan_call(t, fn_type.context().target(), id, &[])
        .map_err(|e| EmitError::new(EmitErrorKind::Unsupported, format!("{what}: {e}")))?;
    if args.len() != func.params.len() {
        return Err(EmitError::new(
            EmitErrorKind::Arity,
            format!(
                "{what}: expected {} arguments, got {}",
                func.params.len(),
                args.len()
            ),
        ));
    }
    check_args(b, t, &what, &plan, &func.params, args)?;
    host::emit_call(b, &plan, Callee::Value(callee), args, false)
        .map_err(|e| EmitError::new(EmitErrorKind::Unsupported, format!("{what}: {}", e.0)))
}

/// The type C promotes `id` to in a variadic tail, if it is not already promoted.
fn promoted(t: &TypeTable, id: TypeId) -> Option<&'static str> {
    match t.raw_type(id) {
        CType::Prim(Prim::Float) => Some("double"),
        CType::Prim(p) if p.is_integer() && p.int_rank() < 3 => Some("int"),
        _ => None,
    }
}

/// Checks each argument's IR type against its parameter's, in the plan's order.
fn check_args(
    b: &FunctionBuilder<'_>,
    t: &TypeTable,
    what: &str,
    plan: &CallPlan,
    params: &[TypeId],
    args: &[ir::Value],
) -> Result<(), EmitError> {
    for (i, ((class, &v), &p)) in plan.args.iter().zip(args).zip(params).enumerate() {
        let Some(want) = host::host_arg_type(class, PTR) else {
            return Err(EmitError::new(
                EmitErrorKind::Unsupported,
                format!(
                    "{what}: argument {}: '{}' is not lowered by jitffi::emit",
                    i + 1,
                    t.display(p)
                ),
            ));
        };
        let got = b.func.dfg.value_type(v);
        if got != want {
            return Err(EmitError::new(
                EmitErrorKind::Type,
                format!(
                    "{what}: argument {}: '{}' travels as {want}, got {got}",
                    i + 1,
                    t.display(p)
                ),
            ));
        }
    }
    Ok(())
}

fn engine(cell: &crate::call::SharedEngine, name: &str) -> Result<Arc<JitEngine>, EmitError> {
    crate::call::engine_of(cell).map_err(|e| {
        EmitError::new(
            EmitErrorKind::Unsupported,
            format!("emit::call: {name}: no JIT engine: {e}"),
        )
    })
}

fn compile_error(name: &str, e: &JitError) -> EmitError {
    EmitError::new(EmitErrorKind::Compile, format!("emit::call: {name}: {e}"))
}

fn lowering_error(name: &str, e: &JitError) -> EmitError {
    EmitError::new(
        EmitErrorKind::Unsupported,
        format!("emit::call: {name}: {}", e.0),
    )
}

/// The accessor spec of a member, or why it has no scalar value.
fn member_spec(m: &Member, op: &str) -> Result<(MemberSpec, ir::Type), EmitError> {
    let s = m.spec();
    let scalar = match s.conv {
        Conv::Bool => Scalar::Bool,
        Conv::Int { bytes, .. } => Scalar::Int(bytes),
        Conv::Ptr { .. } => Scalar::Int(8),
        Conv::F32 => Scalar::F32,
        Conv::F64 => Scalar::F64,
        Conv::Struct { .. } => {
            return Err(EmitError::new(
                EmitErrorKind::Type,
                format!(
                    "emit::{op}: {}: a struct or union member; take its address with \
                     emit::member_addr",
                    s.what
                ),
            ));
        }
        _ => {
            return Err(EmitError::new(
                EmitErrorKind::Unsupported,
                format!("emit::{op}: {}: not lowered by jitffi::emit", s.what),
            ));
        }
    };
    let spec = MemberSpec {
        offset: s.offset,
        stride: s.stride,
        bits: s.bits,
        signed: s.signed(),
        scalar,
    };
    Ok((spec, crate::jit::scalar_type(scalar)))
}

fn check_base(b: &FunctionBuilder<'_>, base: ir::Value, what: &str) -> Result<(), EmitError> {
    let got = b.func.dfg.value_type(base);
    if got != PTR {
        return Err(EmitError::new(
            EmitErrorKind::Type,
            format!("{what}: the base address is {got}, expected a pointer ({PTR})"),
        ));
    }
    Ok(())
}

/// Emits a load of member `m` of the struct at `base` (an IR pointer): one load with the
/// member's offset as the instruction's displacement; a bit-field is loaded from exactly the
/// bytes that hold it, shifted and sign- or zero-extended; a `_Bool` is normalised to 0 or 1.
/// The result has the member's [`arg_type`].
///
/// # Errors
///
/// [`EmitErrorKind::Type`] for a struct or union member (use [`member_addr`]) or a base that
/// is not a pointer; [`EmitErrorKind::Unsupported`] for `long double` and `__int128` members.
pub fn load(
    b: &mut FunctionBuilder<'_>,
    m: &Member,
    base: ir::Value,
) -> Result<ir::Value, EmitError> {
    let (spec, _) = member_spec(m, "load")?;
    check_base(b, base, &format!("emit::load: {}", m.spec().what))?;
    Ok(crate::jit::load_member(b, &spec, base, MemFlagsData::new()))
}

/// Emits a store of `v` (of the member's [`arg_type`]) into member `m` of the struct at
/// `base`: one store, or for a bit-field a read-modify-write of the bytes that hold it (the
/// value is truncated to the field's width, as C truncates).
///
/// # Errors
///
/// As [`load`], and [`EmitErrorKind::Type`] for a value of another IR type.
pub fn store(
    b: &mut FunctionBuilder<'_>,
    m: &Member,
    base: ir::Value,
    v: ir::Value,
) -> Result<(), EmitError> {
    let (spec, ty) = member_spec(m, "store")?;
    let what = format!("emit::store: {}", m.spec().what);
    check_base(b, base, &what)?;
    let got = b.func.dfg.value_type(v);
    if got != ty {
        return Err(EmitError::new(
            EmitErrorKind::Type,
            format!("{what}: the member travels as {ty}, got {got}"),
        ));
    }
    let v = if spec.scalar == Scalar::Bool {
        // Store 0 or 1, as C converts to `_Bool` (`icmp` makes an i8 of 0 or 1).
        b.ins().icmp_imm_s(IntCC::NotEqual, v, 0)
    } else {
        v
    };
    crate::jit::store_member(b, &spec, base, v, MemFlagsData::new());
    Ok(())
}

/// The address of member `m` (of any type, a nested struct or an array included) of the
/// struct at `base`: `base + offsetof`. For a bit-field, the address of the byte holding its
/// first bit.
pub fn member_addr(b: &mut FunctionBuilder<'_>, m: &Member, base: ir::Value) -> ir::Value {
    let off = i64::try_from(m.spec().offset).unwrap_or(i64::MAX);
    if off == 0 {
        base
    } else {
        b.ins().iadd_imm_s(base, off)
    }
}

/// The address of element `index` (an `i64`) of an array of `elem` at `base`:
/// `base + index * sizeof(elem)` (a shift for power-of-two sizes, after optimisation). No
/// bounds check: emit one with [`bounds_check`] where the length is known.
///
/// # Errors
///
/// [`EmitErrorKind::Type`] for an element type without a size (incomplete, `void`, function)
/// or an index or base of the wrong IR type.
pub fn elem_addr(
    b: &mut FunctionBuilder<'_>,
    elem: &Type,
    base: ir::Value,
    index: ir::Value,
) -> Result<ir::Value, EmitError> {
    let what = format!("emit::elem_addr: '{elem}'");
    let size = elem
        .size()
        .map_err(|e| EmitError::new(EmitErrorKind::Type, format!("{what}: {e}")))?;
    check_base(b, base, &what)?;
    let got = b.func.dfg.value_type(index);
    if got != ir::types::I64 {
        return Err(EmitError::new(
            EmitErrorKind::Type,
            format!("{what}: the index is {got}, expected i64"),
        ));
    }
    let size = i64::try_from(size)
        .map_err(|_| EmitError::new(EmitErrorKind::Type, format!("{what}: too large")))?;
    let off = b.ins().imul_imm_s(index, size);
    Ok(b.ins().iadd(base, off))
}

/// What a failed [`bounds_check`] does.
#[derive(Copy, Clone, Debug)]
pub enum OnFail {
    /// Trap with this code (the host's trap handler, or a crash with `SIGILL`).
    Trap(TrapCode),
    /// Branch to this block of the host's function (which takes no parameters).
    Branch(ir::Block),
}

/// Emits `if index >= len (unsigned) { on_fail }` and continues in a new block, in which
/// `index < len` holds. Both are `i64`.
///
/// # Errors
///
/// [`EmitErrorKind::Type`] if `index` or `len` is not an `i64`.
pub fn bounds_check(
    b: &mut FunctionBuilder<'_>,
    index: ir::Value,
    len: ir::Value,
    on_fail: OnFail,
) -> Result<(), EmitError> {
    for (what, v) in [("index", index), ("length", len)] {
        let got = b.func.dfg.value_type(v);
        if got != ir::types::I64 {
            return Err(EmitError::new(
                EmitErrorKind::Type,
                format!("emit::bounds_check: the {what} is {got}, expected i64"),
            ));
        }
    }
    let out = b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
    match on_fail {
        OnFail::Trap(code) => {
            b.ins().trapnz(out, code);
        }
        OnFail::Branch(fail) => {
            let ok = b.create_block();
            b.ins()
                .brif(out, fail, &[] as &[BlockArg], ok, &[] as &[BlockArg]);
            b.switch_to_block(ok);
        }
    }
    Ok(())
}

/// The C function pointer of `cb` as an IR constant, for passing Rust closures to C from host
/// code. The callback must outlive the code ([`Code::keep`] does not apply: a [`Callback`]
/// borrows its closure; keep it alive in the host).
pub fn callback_ptr(b: &mut FunctionBuilder<'_>, cb: &Callback<'_>) -> ir::Value {
    b.ins().iconst(PTR, cb.ptr() as i64)
}

/// A host function compiled by [`compile`], installed in the engine of an [`Ffi`]. The code
/// lives as long as this handle (and the engine, which it keeps).
pub struct Code {
    addr: *const u8,
    bytes: Vec<u8>,
    clif: String,
    _engine: Arc<JitEngine>,
    keep: Vec<Box<dyn Any + Send + Sync>>,
}

// SAFETY: the code is immutable once installed and the handle only reads it; the kept handles
// are `Send + Sync`.
unsafe impl Send for Code {}
// SAFETY: as for `Send`.
unsafe impl Sync for Code {}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("addr", &self.addr)
            .field("bytes", &self.bytes.len())
            .field("kept", &self.keep.len())
            .finish()
    }
}

impl Code {
    /// The entry of the compiled function (transmute it to the `extern "C" fn` type of the
    /// signature it was compiled with).
    pub fn as_ptr(&self) -> *const u8 {
        self.addr
    }

    /// The machine code, as installed.
    pub fn machine_code(&self) -> &[u8] {
        &self.bytes
    }

    /// The function's Cranelift IR (CLIF text), as compiled.
    pub fn clif(&self) -> &str {
        &self.clif
    }

    /// Keeps `handle` (a [`Function`], a [`crate::Library`], a [`crate::CData`] owning memory
    /// the code points to …) alive as long as the code.
    pub fn keep<T: Any + Send + Sync>(&mut self, handle: T) {
        self.keep.push(Box::new(handle));
    }
}

/// Compiles a host function with the JIT engine of `ffi`: `build` gets the builder,
/// positioned in the entry block, and the entry block's parameters (one per `params` type),
/// and must end every block (with `return_` or a branch). The function has the host's C
/// calling convention, so [`Code::as_ptr`] can be called as an `extern "C" fn`. Cranelift
/// optimises it (`opt_level = speed`).
///
/// # Errors
///
/// Whatever `build` returns, and [`EmitErrorKind::Compile`] with Cranelift's message when the
/// IR does not verify or cannot be compiled.
pub fn compile(
    ffi: &Ffi,
    params: &[ir::Type],
    returns: &[ir::Type],
    build: impl FnOnce(&mut FunctionBuilder<'_>, &[ir::Value]) -> Result<(), EmitError>,
) -> Result<Code, EmitError> {
    let engine = ffi.cx.engine().map_err(|e| {
        EmitError::new(
            EmitErrorKind::Unsupported,
            format!("emit::compile: no JIT engine: {e}"),
        )
    })?;
    let mut sig = ir::Signature::new(host::call_conv());
    sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
    sig.returns
        .extend(returns.iter().map(|&t| AbiParam::new(t)));
    let mut failed = None;
    let res = engine.compile_host(sig, |b| {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let ps = b.block_params(entry).to_vec();
        build(b, &ps).map_err(|e| {
            let msg = e.to_string();
            failed = Some(e);
            JitError(msg)
        })
    });
    match (res, failed) {
        (_, Some(e)) => Err(e),
        (Ok(code), None) => Ok(Code {
            addr: code.addr,
            bytes: code.bytes,
            clif: code.clif,
            _engine: engine,
            keep: Vec::new(),
        }),
        (Err(e), None) => Err(EmitError::new(
            EmitErrorKind::Compile,
            format!("emit::compile: {}", e.0),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotions_are_refused_in_tails() {
        let ffi = Ffi::new();
        let t = ffi.types();
        for (name, p) in [
            ("char", Some("int")),
            ("short", Some("int")),
            ("_Bool", Some("int")),
            ("float", Some("double")),
            ("int", None),
            ("double", None),
            ("long", None),
        ] {
            let ty = ffi.type_of(name).expect("type");
            assert_eq!(promoted(&t, ty.id()), p, "{name}");
        }
    }
}
