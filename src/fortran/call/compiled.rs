//! The compiled fast path of a call. For a routine, Cranelift compiles one function that does
//! what the interpreter in [`super::call`] does, for this routine's signature only: it reads
//! the [`Arg`]s in place (a callback's type checked as [`Function::call`] checks it, through
//! [`callback_code`]), computes the optional and hidden
//! scalars, checks the documented conditions and every array's extents, copies the read-only
//! arrays the routine may write and allocates its `intent(out)` arrays (through
//! [`alloc_array`], into a [`Heap`] the caller owns), stores the scalars, queries the
//! workspace sizes (`LWORK = -1`) and allocates the workspaces, calls the routine, and reads
//! `INFO`, the function result and the scalar outputs.
//!
//! The compiled code never decides an error. An argument of a kind it was not compiled for,
//! an arithmetic overflow, a failed check, an array too large to allocate: each returns
//! [`Fast::Slow`] before the routine runs (a workspace query aside: it changes nothing, and
//! the interpreter repeats it), and the interpreter then makes the call (or the error, with
//! its message) as it always does. Only `INFO` after a call is reported from here
//! ([`Fast::Info`]), since the routine has then run.

use std::collections::HashMap;
use std::sync::Arc;

use cranelift_codegen::entity::EntityRef;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, AbiParam, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};

use super::values::{Arg, ArrayArg, Elem, Out, OutArray, OutKind, Outs};
use crate::Function;
use crate::fortran::abi::{Abi, ParamRole as CRole, Prototype};
use crate::fortran::expr::Expr;
use crate::fortran::model::{FType, Intent, Routine};
use crate::fortran::sig::{ArgRole as Role, Check, Sig, SigArg};
use crate::fortran::wrap::PivotRule;
use crate::jit::JitEngine;
use crate::plan::{ArgClass, RetClass};

/// What the compiled code returns: the call was made and the outputs are written.
const DONE: u32 = 0;
/// The interpreter must make this call (nothing has run).
const SLOW: u32 = 1;
/// The routine ran and set `INFO` to a value other than 0 (written to the last entry).
const INFO: u32 = 2;

/// Values a compiled call returns at most (the function result and scalar outputs), each in
/// a 16-byte entry of the output buffer; one more entry holds `INFO`.
const MAX_OUTS: usize = 16;

type Code = unsafe extern "C" fn(*const Arg<'_>, usize, *mut u64, *mut Heap<'_>) -> u32;

/// How a compiled call ended.
pub(crate) enum Fast {
    /// The routine ran; its outputs are written.
    Done,
    /// The routine ran and returned this `INFO` (not 0).
    Info(i64),
    /// Nothing ran: the interpreter must make the call.
    Slow,
}

/// One output of a compiled call, in the interpreter's order.
#[derive(Clone, Copy, Debug)]
enum OutSpec {
    /// A scalar, from entry `entry` of the output buffer.
    Scalar { entry: usize, kind: OutKind },
    /// An array the call allocated in heap slot `slot` (skipped when it did not: an
    /// `in,out` array the caller lent mutably was updated in place).
    Array { slot: usize },
    /// A `CHARACTER` output of one byte, from entry `entry`.
    Char { entry: usize },
    /// A `CHARACTER` argument the routine may write, copied to heap slot `slot`.
    Str { slot: usize },
}

/// The arrays one compiled call allocates, slot by slot: the copies of read-only arrays the
/// routine may write, and the `intent(out)` arrays. Dropped with the call unless returned.
pub(crate) struct Heap<'c> {
    /// Each slot's element type.
    elems: &'c [Elem],
    /// The arrays allocated so far, by slot (grown as slots are allocated).
    arrays: smallvec::SmallVec<[Option<HeapArray>; 4]>,
}

struct HeapArray {
    buf: Vec<u128>,
    bytes: usize,
    shape: [usize; 2],
    rank: u8,
}

/// The pivot rules by number, as compiled code passes them to [`pivots_fit`].
const RULES: [PivotRule; 3] = [
    PivotRule::Rows,
    PivotRule::Tridiagonal,
    PivotRule::Symmetric,
];

/// Called by compiled code: whether the `n` pivots at `p` (8-byte integers when `wide`,
/// else 4-byte) keep rule `RULES[rule]` for a matrix of order `order` (1 when they do).
///
/// # Safety
///
/// `p` points to `n` integers of that width (the pivot array, its length checked).
unsafe extern "C" fn pivots_fit(p: *const u8, n: i64, wide: i64, order: i64, rule: i64) -> i64 {
    let (Ok(n), Some(&rule)) = (usize::try_from(n), RULES.get(rule as usize)) else {
        return 0;
    };
    let fits = if wide != 0 {
        // SAFETY: the caller's contract; the pivot array is aligned for its integers.
        let v = unsafe { std::slice::from_raw_parts(p.cast::<i64>(), n) };
        crate::fortran::wrap::pivots_ok(v, 0, order, rule)
    } else {
        // SAFETY: as above.
        let v = unsafe { std::slice::from_raw_parts(p.cast::<i32>(), n) };
        crate::fortran::wrap::pivots_ok(v, 0, order, rule)
    };
    i64::from(fits.is_ok())
}

/// Called by compiled code: allocates slot `slot` of `heap` for `d0 * d1` elements, zeroed,
/// or copied from `src` when it is not null, with the shape `[d0, d1][..rank]`. Returns the
/// elements' address, or null (the call then goes to the interpreter) when the size
/// overflows. Never unwinds.
///
/// # Safety
///
/// `heap` is the live heap of the running call, `slot` one of its slots, and a non-null `src`
/// points to `d0 * d1` elements of the slot's type.
unsafe extern "C" fn alloc_array(
    heap: *mut Heap<'_>,
    slot: u64,
    src: *const u8,
    d0: u64,
    d1: u64,
    rank: u64,
) -> *mut u8 {
    let run = || {
        // SAFETY: the caller's contract: the heap is live and only this call touches it.
        let heap = unsafe { &mut *heap };
        let slot = slot as usize;
        let size = heap.elems.get(slot)?.size();
        let n = usize::try_from(d0)
            .ok()?
            .checked_mul(usize::try_from(d1).ok()?)?;
        let bytes = n
            .checked_mul(size)
            .filter(|&b| b <= isize::MAX as usize / 2)?;
        // (What the allocator refuses goes to the interpreter, which reports it.)
        let mut buf = super::marshal::zeroed_words(bytes.div_ceil(16).max(1))?;
        if !src.is_null() {
            // SAFETY: the caller's contract: `src` holds the `n` elements (`bytes` bytes),
            // and `buf` has room for them.
            unsafe { std::ptr::copy_nonoverlapping(src, buf.as_mut_ptr().cast(), bytes) };
        }
        let p = buf.as_mut_ptr().cast::<u8>();
        if heap.arrays.len() <= slot {
            heap.arrays.resize_with(slot + 1, || None);
        }
        heap.arrays[slot] = Some(HeapArray {
            buf,
            bytes,
            shape: [d0 as usize, d1 as usize],
            rank: rank.min(2) as u8,
        });
        Some(p)
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .ok()
        .flatten()
        .unwrap_or(std::ptr::null_mut())
}

/// Called by compiled code after a workspace query: the elements to allocate for a workspace
/// of `elem` (an [`Elem`] as `u8`) whose `WORK(1)` begins with `first`, as the interpreter
/// computes it ([`super::workspace_len`]). Never unwinds.
extern "C" fn work_len(elem: u64, first: u64) -> u64 {
    let elem = [
        Elem::I32,
        Elem::I64,
        Elem::F32,
        Elem::F64,
        Elem::C32,
        Elem::C64,
        Elem::U8,
    ]
    .into_iter()
    .find(|e| *e as u64 == elem)
    .unwrap_or(Elem::F64);
    super::workspace_len(elem, first) as u64
}

/// What [`callback_code`] checks a callback against: the routine's function and the
/// conversion of the parameter the callback is passed as.
pub(crate) struct CallbackCheck {
    f: Function,
    conv: crate::value::Conv,
}

/// Called by compiled code: the code address of callback `cb` when its value converts to the
/// parameter `check` describes (as [`Function::call`] converts the interpreter's arguments:
/// the callback's function pointer type must be compatible), null otherwise (the call then
/// goes to the interpreter, which says why). Never unwinds.
///
/// # Safety
///
/// `check` is a live [`CallbackCheck`] and `cb` a live callback.
unsafe extern "C" fn callback_code(
    check: *const CallbackCheck,
    cb: *const crate::Callback<'_>,
) -> *mut std::ffi::c_void {
    let run = || {
        // SAFETY: the caller's contract.
        let (check, cb) = unsafe { (&*check, &*cb) };
        let v = cb.value();
        match crate::value::c_from_value(check.f.table(), check.conv, &v) {
            Ok(crate::Value::Ptr(p)) => p.addr(),
            _ => std::ptr::null_mut(),
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or(std::ptr::null_mut())
}

/// A routine's call, compiled.
pub(crate) struct Compiled {
    code: Code,
    outs: Vec<OutSpec>,
    /// The element type of each heap slot.
    arrays: Vec<Elem>,
    /// Character constants the code points at (hidden `CHARACTER` scalars' defaults).
    _consts: Vec<Box<[u8]>>,
    /// What the code checks callbacks against (it points at them: boxed, so that their
    /// addresses stay put).
    #[allow(clippy::vec_box)]
    _callbacks: Vec<Box<CallbackCheck>>,
    /// Keeps the code memory mapped.
    _engine: Arc<JitEngine>,
}

// SAFETY: the code is immutable machine code and the constants are never written; running
// it from several threads at once is as safe as running the interpreter (each call has its
// own heap).
unsafe impl Send for Compiled {}
// SAFETY: as above.
unsafe impl Sync for Compiled {}

impl Compiled {
    /// Runs the compiled call; when it ran, its outputs are pushed to `outs`.
    #[inline]
    pub(crate) fn run(&self, args: &[Arg<'_>], outs: &mut Outs) -> Fast {
        let mut out = [std::mem::MaybeUninit::<u64>::uninit(); 2 * (MAX_OUTS + 1)];
        // (None when the code allocates nothing: no heap to drop.)
        let mut heap = (!self.arrays.is_empty()).then(|| Heap {
            elems: &self.arrays,
            arrays: smallvec::SmallVec::new(),
        });
        let heap_ptr = heap
            .as_mut()
            .map_or(std::ptr::null_mut(), |h| h as *mut Heap<'_>);
        // SAFETY: the code was compiled for this routine's signature: it reads at most
        // `args.len()` `Arg`s at their fixed (`repr(C, u8)`) layout, the payload of a variant
        // only after its tag, writes within `out`, allocates only slots of `heap` (through
        // `alloc_array`), and calls the routine only with arrays it checked or allocated to
        // hold the elements their extents span (`Library::open`'s caller vouched for the
        // sources).
        let status =
            unsafe { (self.code)(args.as_ptr(), args.len(), out.as_mut_ptr().cast(), heap_ptr) };
        match status {
            DONE => {
                for o in &self.outs {
                    match *o {
                        OutSpec::Scalar { entry: k, kind } => {
                            // SAFETY: on DONE the code wrote both words of every scalar
                            // output's entry.
                            let (lo, hi) =
                                unsafe { (out[2 * k].assume_init(), out[2 * k + 1].assume_init()) };
                            outs.0.push(kind.read(lo, hi));
                        }
                        OutSpec::Array { slot } => {
                            let a = heap.as_mut().and_then(|h| h.arrays.get_mut(slot)?.take());
                            if let Some(a) = a {
                                outs.0.push(Out::Array(Box::new(OutArray {
                                    elem: self.arrays[slot],
                                    shape: a.shape[..usize::from(a.rank)].to_vec(),
                                    buf: a.buf,
                                    bytes: a.bytes,
                                })));
                            }
                        }
                        OutSpec::Char { entry } => {
                            // SAFETY: on DONE the code wrote both words of the entry.
                            let b = unsafe { out[2 * entry].assume_init() } as u8;
                            outs.0
                                .push(Out::Str(String::from_utf8_lossy(&[b]).into_owned()));
                        }
                        OutSpec::Str { slot } => {
                            let a = heap.as_ref().and_then(|h| h.arrays.get(slot)?.as_ref());
                            if let Some(a) = a {
                                // SAFETY: the heap array holds `bytes` initialised bytes.
                                let b = unsafe {
                                    std::slice::from_raw_parts(a.buf.as_ptr().cast::<u8>(), a.bytes)
                                };
                                outs.0
                                    .push(Out::Str(String::from_utf8_lossy(b).into_owned()));
                            }
                        }
                    }
                }
                Fast::Done
            }
            // SAFETY: on INFO the code wrote the first word of the last entry.
            INFO => Fast::Info(unsafe { out[2 * MAX_OUTS].assume_init() } as i64),
            _ => Fast::Slow,
        }
    }
}

/// Where the parts of an [`Arg`] are, found from values (Rust does not let `offset_of!`
/// name an enum variant's field).
struct ArgLayout {
    size: i32,
    tag_int: u8,
    tag_real: u8,
    tag_complex: u8,
    tag_logical: u8,
    tag_str: u8,
    tag_array: u8,
    tag_default: u8,
    /// `Arg::Callback`'s: the variant declared just before `Default` (the tags of a
    /// `repr(C, u8)` enum are its variants' indices).
    tag_callback: u8,
    /// Offset of every variant's first field (`repr(C, u8)`: the same for all).
    payload: i32,
    /// Offset of the second `f64` of `Complex`.
    complex_im: i32,
    /// Offsets of a `&str`'s pointer and length within its payload.
    str_ptr: i32,
    str_len: i32,
}

fn tag_of(a: &Arg<'_>) -> u8 {
    // SAFETY: `Arg` is `repr(C, u8)`: its first byte is the tag.
    unsafe { *(a as *const Arg<'_>).cast::<u8>() }
}

fn arg_layout() -> ArgLayout {
    fn off<T>(base: &Arg<'_>, field: &T) -> i32 {
        (field as *const T as usize - base as *const Arg<'_> as usize) as i32
    }
    let int = Arg::Int(7);
    let payload = match &int {
        Arg::Int(v) => off(&int, v),
        _ => 8,
    };
    let cx = Arg::Complex(1.0, 2.0);
    let complex_im = match &cx {
        Arg::Complex(_, im) => off(&cx, im),
        _ => payload + 8,
    };
    let text = "xyz";
    let s = Arg::Str(text);
    let (mut str_ptr, mut str_len) = (0, 8);
    if let Arg::Str(r) = &s {
        let at = off(&s, r);
        // SAFETY: a `&str` is two words (pointer, length) in some order, at `at`.
        let words: [usize; 2] = unsafe {
            std::ptr::read_unaligned((&s as *const Arg<'_>).cast::<u8>().add(at as usize).cast())
        };
        if words[0] == text.len() && words[1] == text.as_ptr() as usize {
            (str_ptr, str_len) = (8, 0);
        }
        str_ptr += at - payload;
        str_len += at - payload;
    }
    let none: [f64; 0] = [];
    ArgLayout {
        size: std::mem::size_of::<Arg<'_>>() as i32,
        tag_int: tag_of(&int),
        tag_real: tag_of(&Arg::Real(0.0)),
        tag_complex: tag_of(&cx),
        tag_logical: tag_of(&Arg::Logical(true)),
        tag_str: tag_of(&s),
        tag_array: tag_of(&Arg::vec(&none)),
        tag_default: tag_of(&Arg::Default),
        tag_callback: tag_of(&Arg::Default) - 1,
        payload,
        complex_im,
        str_ptr,
        str_len,
    }
}

/// The values an integer may take (as `i128`, so that sums and products of two `i64` ranges
/// are exact).
type Range = (i128, i128);
/// Any `i64`.
const FULL: Range = (i64::MIN as i128, i64::MAX as i128);
/// A truth value.
const BOOL: Range = (0, 1);
/// An array's extent (a slice's length fits in `isize`).
const DIM: Range = (0, i64::MAX as i128);
/// A 4-byte `INTEGER`.
const I32: Range = (i32::MIN as i128, i32::MAX as i128);

/// Whether every value of `r` is an `i64`.
fn fits(r: Range) -> bool {
    r.0 >= i128::from(i64::MIN) && r.1 <= i128::from(i64::MAX)
}

/// What the code knows about a name.
#[derive(Clone, Copy)]
enum Known {
    /// An integer (or logical) scalar, as `i64`.
    Int(Variable),
    /// A real scalar, as `f64` (not usable in expressions).
    Real(Variable),
    /// A complex scalar, as two `f64`.
    Complex(Variable, Variable),
    /// A character scalar: its bytes and length.
    Str { ptr: Variable, len: Variable },
    /// An array given by the caller.
    Array {
        ptr: Variable,
        d0: Variable,
        d1: Variable,
        rank: Variable,
    },
    /// A callback's code address.
    Code(Variable),
}

/// Why an expression was not compiled.
enum Miss {
    /// It names something that has no value at this point of the call (as the interpreter
    /// would find at run time: a check on it is skipped).
    Unknown,
    /// It needs what the compiled code does not do (reals, strings): the routine stays
    /// interpreted.
    Unsupported(String),
}

fn unsupported<T>(why: impl Into<String>) -> Result<T, Miss> {
    Err(Miss::Unsupported(why.into()))
}

/// Compiles the call of `r` when it qualifies; the reason (also logged) when the interpreter
/// must make it.
pub(crate) fn compile(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    proto: &Prototype,
    f: &Function,
) -> Result<Compiled, String> {
    try_compile(r, sig, abi, proto, f).inspect_err(|why| {
        log::debug!("jitffi::fortran: {} is interpreted: {why}", r.name);
    })
}

fn try_compile(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    proto: &Prototype,
    f: &Function,
) -> Result<Compiled, String> {
    if cfg!(not(target_arch = "x86_64")) {
        return Err("compiled calls are x86-64 only".into());
    }
    if !sig.after.is_empty() {
        return Err("its signature file's callstatement works on an array after the call".into());
    }
    let plan = f.call_plan();
    if plan.variadic || plan.unsupported().is_some() {
        return Err("its C prototype is not plain".into());
    }
    for (p, class) in proto.params.iter().zip(&plan.args) {
        match (&p.role, class) {
            (CRole::Dummy(i), ArgClass::Ptr) if !r.dummies[*i].value => {}
            (CRole::Length(_), ArgClass::Int { bytes: 8, .. }) => {}
            _ => return Err(format!("parameter {} is not a pointer or a length", p.name)),
        }
    }
    let engine = f.engine()?;
    let ptr = engine.pointer_type();
    let mut fsig = Signature::new(engine.call_conv());
    fsig.params.extend([AbiParam::new(ptr); 4]);
    fsig.returns.push(AbiParam::new(types::I32));
    let callee = engine.callee_signature(plan).map_err(|e| e.0)?;
    let mut result = None;
    let code = engine
        .codegen_optimized(fsig, |func, fctx, config| {
            let mut b = FunctionBuilder::new(func, fctx);
            let mut c = Compiler::new(&mut b, r, sig, abi, ptr, f, proto);
            match c.build(proto, f.address() as i64, callee, plan.ret.clone()) {
                Ok(built) => {
                    result = Some(built);
                    b.seal_all_blocks();
                    b.finalize(config);
                    Ok(())
                }
                Err(why) => {
                    // The half-built function is abandoned; the builder context must be
                    // empty for the engine's next function.
                    *fctx = FunctionBuilderContext::new();
                    Err(crate::jit::JitError(why))
                }
            }
        })
        .map_err(|e| e.0)?;
    let (outs, arrays, consts, callbacks) = result.ok_or("no code")?;
    let addr = engine.install(&code).map_err(|e| e.0)?;
    // SAFETY: the code was compiled with exactly `Code`'s signature.
    let code = unsafe { std::mem::transmute::<*const u8, Code>(addr) };
    Ok(Compiled {
        code,
        outs,
        arrays,
        _consts: consts,
        _callbacks: callbacks,
        _engine: engine,
    })
}

/// Builds the IR of one compiled call.
struct Compiler<'a, 'b> {
    b: &'a mut FunctionBuilder<'b>,
    r: &'a Routine,
    sig: &'a Sig,
    abi: &'a Abi,
    ptr: ir::Type,
    lay: ArgLayout,
    args: ir::Value,
    nargs: ir::Value,
    out: ir::Value,
    heap: ir::Value,
    slow: ir::Block,
    known: HashMap<&'a str, Known>,
    /// Optional scalars whose default is not computed yet (their value is not known on the
    /// path where they were left out).
    unready: std::collections::HashSet<&'a str>,
    /// Offsets of the scalars' storage in `frame`.
    stored: HashMap<&'a str, i32>,
    frame: Option<ir::StackSlot>,
    consts: Vec<Box<[u8]>>,
    /// The heap slot of every array the call may allocate, and each slot's element type.
    slots: HashMap<&'a str, usize>,
    slot_elems: Vec<Elem>,
    /// Arrays the routine may write, with whether the caller lent them mutably (a `I8`);
    /// read-only ones are copied before the call.
    copies: Vec<(&'a SigArg, Variable)>,
    /// `CHARACTER` arguments the routine may write: always copied, as the interpreter does.
    str_copies: Vec<&'a SigArg>,
    /// Workspaces, with their size argument (none when the query reports a size no argument
    /// gives) and the stack slot their query writes to.
    work: Vec<(&'a SigArg, Option<&'a SigArg>, ir::StackSlot)>,
    /// The range of every integer variable over all its definitions ([`Compiler::widen`]).
    ranges: HashMap<usize, Range>,
    /// The routine's function and its parameters' conversions, for callback checks.
    f: &'a Function,
    proto: &'a Prototype,
    #[allow(clippy::vec_box)] // (boxed: the code points at them)
    callbacks: Vec<Box<CallbackCheck>>,
}

type Built = Result<
    (
        Vec<OutSpec>,
        Vec<Elem>,
        Vec<Box<[u8]>>,
        Vec<Box<CallbackCheck>>,
    ),
    String,
>;

impl<'a, 'b> Compiler<'a, 'b> {
    fn new(
        b: &'a mut FunctionBuilder<'b>,
        r: &'a Routine,
        sig: &'a Sig,
        abi: &'a Abi,
        ptr: ir::Type,
        f: &'a Function,
        proto: &'a Prototype,
    ) -> Self {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let slow = b.create_block();
        Compiler {
            b,
            r,
            sig,
            abi,
            ptr,
            lay: arg_layout(),
            args: p[0],
            nargs: p[1],
            out: p[2],
            heap: p[3],
            slow,
            known: HashMap::new(),
            unready: Default::default(),
            stored: HashMap::new(),
            frame: None,
            consts: Vec::new(),
            slots: HashMap::new(),
            slot_elems: Vec::new(),
            copies: Vec::new(),
            str_copies: Vec::new(),
            work: Vec::new(),
            ranges: HashMap::new(),
            f,
            proto,
            callbacks: Vec::new(),
        }
    }

    fn flags() -> MemFlagsData {
        MemFlagsData::trusted()
    }

    /// The range of integer variable `v` (every definition of it widens it).
    fn range_of(&self, v: Variable) -> Range {
        self.ranges.get(&v.index()).copied().unwrap_or(FULL)
    }

    /// Records that a definition of `v` holds a value in `r`.
    fn widen(&mut self, v: Variable, r: Range) {
        let e = self.ranges.entry(v.index()).or_insert(r);
        *e = (e.0.min(r.0), e.1.max(r.1));
    }

    fn var(&mut self, ty: ir::Type, v: ir::Value) -> Variable {
        let var = self.b.declare_var(ty);
        self.b.def_var(var, v);
        var
    }

    /// Continues only if `bad` is false; otherwise the interpreter makes the call.
    fn slow_if(&mut self, bad: ir::Value) {
        let next = self.b.create_block();
        self.b.ins().brif(bad, self.slow, &[], next, &[]);
        self.b.switch_to_block(next);
    }

    fn int(&mut self, v: i64) -> ir::Value {
        self.b.ins().iconst(types::I64, v)
    }

    fn elem(&self, a: &SigArg) -> Result<Elem, String> {
        a.ty.as_ref()
            .and_then(|t| Elem::of(t, self.abi))
            .ok_or_else(|| format!("{} has no element type", a.name))
    }

    fn build(&mut self, proto: &Prototype, addr: i64, callee: Signature, ret: RetClass) -> Built {
        let sig = self.sig;
        for a in &sig.args {
            if a.callback.is_some() && a.role != Role::Given {
                return Err(format!(
                    "{} is a procedure it does not take from the caller",
                    a.name
                ));
            }
            match &a.role {
                Role::Out if a.dims.len() > 2 => {
                    return Err(format!("{} is an array of rank {}", a.name, a.dims.len()));
                }
                Role::Hidden(_) if !a.dims.is_empty() => {
                    return Err(format!("{} is a hidden array", a.name));
                }
                _ => {}
            }
        }
        // Storage for every scalar passed by reference.
        let scalars = sig.args.iter().filter(|a| stored_scalar(a)).count();
        let frame = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            16 * scalars.max(1) as u32,
            4,
        ));
        self.frame = Some(frame);
        let mut at = 0;
        for a in sig.args.iter().filter(|a| stored_scalar(a)) {
            self.stored.insert(&a.name, at);
            at += 16;
        }
        // More arguments than the signature takes: the interpreter says so.
        let given: Vec<&SigArg> = sig.given().collect();
        // Fewer than the leading required ones: the interpreter says which is missing. Those
        // are then all there, and `read` sends a tag other than its kinds (`Default`
        // included) to the interpreter.
        let required = given.iter().take_while(|a| a.role == Role::Given).count();
        let cc = if required == given.len() {
            IntCC::NotEqual
        } else {
            IntCC::UnsignedGreaterThan
        };
        let too_many = self.b.ins().icmp_imm_s(cc, self.nargs, given.len() as i64);
        self.slow_if(too_many);
        if required > 0 && required < given.len() {
            let too_few =
                self.b
                    .ins()
                    .icmp_imm_s(IntCC::UnsignedLessThan, self.nargs, required as i64);
            self.slow_if(too_few);
        }
        // The caller's arguments; optional ones left out are computed below.
        let mut flags: HashMap<&str, Variable> = HashMap::new();
        for (i, a) in given.iter().enumerate() {
            if i < required {
                let at = i as i32 * self.lay.size;
                let tag = self.b.ins().load(types::I8, Self::flags(), self.args, at);
                self.read(a, tag, i)?;
                continue;
            }
            let tag = self.tag(i)?;
            let default =
                self.b
                    .ins()
                    .icmp_imm_s(IntCC::Equal, tag, i64::from(self.lay.tag_default));
            match &a.role {
                Role::Given => {
                    self.slow_if(default);
                    self.read(a, tag, i)?;
                }
                _ => {
                    if !a.dims.is_empty() {
                        return Err(format!("{} is an optional array", a.name));
                    }
                    let flag = self.var(types::I8, default);
                    flags.insert(&a.name, flag);
                    self.unready.insert(&a.name);
                    let (read, join) = (self.b.create_block(), self.b.create_block());
                    // Declared on both paths (the frontend then needs no value for a path
                    // that does not define it).
                    self.declare(a)?;
                    self.b.ins().brif(default, join, &[], read, &[]);
                    self.b.switch_to_block(read);
                    self.read(a, tag, i)?;
                    self.b.ins().jump(join, &[]);
                    self.b.switch_to_block(join);
                }
            }
        }
        // Optional scalars left out and hidden ones, in dependency order.
        let pending: Vec<&SigArg> = sig
            .args
            .iter()
            .filter(|a| matches!(a.role, Role::Optional(_) | Role::Hidden(_)))
            .collect();
        let stuck = super::in_dependency_order(pending, |a, init| -> Result<bool, String> {
            if !self.ready(init) {
                return Ok(false);
            }
            match flags.get(a.name.as_str()).copied() {
                Some(flag) => {
                    let (compute, join) = (self.b.create_block(), self.b.create_block());
                    let left_out = self.b.use_var(flag);
                    self.b.ins().brif(left_out, compute, &[], join, &[]);
                    self.b.switch_to_block(compute);
                    self.init(a, init)?;
                    self.b.ins().jump(join, &[]);
                    self.b.switch_to_block(join);
                    self.unready.remove(a.name.as_str());
                }
                None => {
                    self.declare(a)?;
                    self.init(a, init)?;
                }
            }
            Ok(true)
        })?;
        if let Some((a, _)) = stuck {
            return Err(format!("{} cannot be computed", a.name));
        }
        self.checks()?;
        self.extents()?;
        self.pivots()?;
        self.allocate()?;
        self.store_scalars()?;
        self.call(proto, addr, callee, ret)
    }

    /// Whether every name `e` needs is known now.
    fn ready(&self, e: &Expr) -> bool {
        match e {
            Expr::Name(n) => {
                self.known.contains_key(n.as_str()) && !self.unready.contains(n.as_str())
            }
            Expr::Call(_, args) => args.iter().all(|x| self.ready(x)),
            Expr::Unary(_, x) => self.ready(x),
            Expr::Binary(_, x, y) => self.ready(x) && self.ready(y),
            Expr::Cond(c, x, y) => self.ready(c) && self.ready(x) && self.ready(y),
            Expr::Int(_) | Expr::Float(_) | Expr::Str(_) => true,
        }
    }

    /// The tag of given argument `i`, or `Default`'s past the ones given.
    fn tag(&mut self, i: usize) -> Result<ir::Value, String> {
        let (load, join) = (self.b.create_block(), self.b.create_block());
        let t = self.b.append_block_param(join, types::I8);
        let present = self
            .b
            .ins()
            .icmp_imm_s(IntCC::UnsignedGreaterThan, self.nargs, i as i64);
        let default = self
            .b
            .ins()
            .iconst(types::I8, i64::from(self.lay.tag_default));
        self.b
            .ins()
            .brif(present, load, &[], join, &[ir::BlockArg::Value(default)]);
        self.b.switch_to_block(load);
        let at = i as i32 * self.lay.size;
        let v = self.b.ins().load(types::I8, Self::flags(), self.args, at);
        self.b.ins().jump(join, &[ir::BlockArg::Value(v)]);
        self.b.switch_to_block(join);
        Ok(t)
    }

    /// Declares the variables of a scalar (so that both paths of an optional one define
    /// them).
    fn declare(&mut self, a: &'a SigArg) -> Result<(), String> {
        let elem = self.elem(a)?;
        let k = match elem {
            Elem::I32 | Elem::I64 => Known::Int(self.b.declare_var(types::I64)),
            Elem::F32 | Elem::F64 => Known::Real(self.b.declare_var(types::F64)),
            Elem::C32 | Elem::C64 => Known::Complex(
                self.b.declare_var(types::F64),
                self.b.declare_var(types::F64),
            ),
            Elem::U8 => Known::Str {
                ptr: self.b.declare_var(self.ptr),
                len: self.b.declare_var(types::I64),
            },
        };
        self.known.insert(&a.name, k);
        Ok(())
    }

    /// Reads given argument `i` (`a`) into its variables; any other kind goes to the
    /// interpreter.
    fn read(&mut self, a: &'a SigArg, tag: ir::Value, i: usize) -> Result<(), String> {
        let base = i as i32 * self.lay.size;
        let pay = base + self.lay.payload;
        if a.callback.is_some() {
            return self.read_callback(a, tag, pay);
        }
        let elem = self.elem(a)?;
        let is = |c: &mut Self, t: u8| c.b.ins().icmp_imm_s(IntCC::Equal, tag, i64::from(t));
        let is_not = |c: &mut Self, t: u8| c.b.ins().icmp_imm_s(IntCC::NotEqual, tag, i64::from(t));
        let fl = Self::flags();
        let (t_array, t_int, t_logical, t_complex, t_str) = (
            self.lay.tag_array,
            self.lay.tag_int,
            self.lay.tag_logical,
            self.lay.tag_complex,
            self.lay.tag_str,
        );
        if !a.dims.is_empty() {
            let not_array = is_not(self, t_array);
            self.slow_if(not_array);
            let field = |o: usize| pay + o as i32;
            let e = self.b.ins().load(
                types::I8,
                fl,
                self.args,
                field(std::mem::offset_of!(ArrayArg<'_>, elem)),
            );
            let wrong = self
                .b
                .ins()
                .icmp_imm_s(IntCC::NotEqual, e, i64::from(elem as u8));
            self.slow_if(wrong);
            // An array the routine may write is passed as it is if the caller lent it
            // mutably, and copied before the call (`allocate`) if not, as the interpreter
            // does; one the sources say it only reads, as it is.
            if !(a.intent == Intent::In && a.intent_stated) {
                let w = self.b.ins().load(
                    types::I8,
                    fl,
                    self.args,
                    field(std::mem::offset_of!(ArrayArg<'_>, writable)),
                );
                let w = self.var(types::I8, w);
                self.slot(a, elem);
                self.copies.push((a, w));
            }
            let p = self.b.ins().load(
                self.ptr,
                fl,
                self.args,
                field(std::mem::offset_of!(ArrayArg<'_>, ptr)),
            );
            let dims = field(std::mem::offset_of!(ArrayArg<'_>, dims));
            let d0 = self.b.ins().load(types::I64, fl, self.args, dims);
            let d1 = self.b.ins().load(types::I64, fl, self.args, dims + 8);
            let rank = self.b.ins().load(
                types::I8,
                fl,
                self.args,
                field(std::mem::offset_of!(ArrayArg<'_>, rank)),
            );
            let rank = self.b.ins().uextend(types::I64, rank);
            let k = Known::Array {
                ptr: self.var(self.ptr, p),
                d0: self.var(types::I64, d0),
                d1: self.var(types::I64, d1),
                rank: self.var(types::I64, rank),
            };
            self.known.insert(&a.name, k);
            return Ok(());
        }
        if !self.known.contains_key(a.name.as_str()) {
            self.declare(a)?;
        }
        let k = self.known[a.name.as_str()];
        let logical = matches!(a.ty, Some(FType::Logical { .. }));
        match k {
            Known::Int(v) => {
                // An integer; a logical may also be given as one.
                let join = self.b.create_block();
                let x = self.b.append_block_param(join, types::I64);
                let int = is(self, t_int);
                let (take, other) = (self.b.create_block(), self.b.create_block());
                self.b.ins().brif(int, take, &[], other, &[]);
                self.b.switch_to_block(take);
                let i = self.b.ins().load(types::I64, fl, self.args, pay);
                self.b.ins().jump(join, &[ir::BlockArg::Value(i)]);
                self.b.switch_to_block(other);
                if logical {
                    let not = is_not(self, t_logical);
                    self.slow_if(not);
                    let b = self.b.ins().load(types::I8, fl, self.args, pay);
                    let b = self.b.ins().uextend(types::I64, b);
                    self.b.ins().jump(join, &[ir::BlockArg::Value(b)]);
                } else {
                    self.b.ins().jump(self.slow, &[]);
                }
                self.b.switch_to_block(join);
                self.b.def_var(v, x);
                // A value its INTEGER cannot hold goes to the interpreter here, so that
                // the arithmetic on it needs no overflow checks.
                if self.elem(a)? == Elem::I32 {
                    let t = self.b.ins().ireduce(types::I32, x);
                    let back = self.b.ins().sextend(types::I64, t);
                    let bad = self.b.ins().icmp(IntCC::NotEqual, back, x);
                    self.slow_if(bad);
                    self.widen(v, I32);
                } else {
                    self.widen(v, FULL);
                }
            }
            Known::Real(v) => {
                let x = self.real(tag, pay)?;
                self.b.def_var(v, x);
            }
            Known::Complex(re, im) => {
                let join = self.b.create_block();
                let xr = self.b.append_block_param(join, types::F64);
                let xi = self.b.append_block_param(join, types::F64);
                let c = is(self, t_complex);
                let (take, other) = (self.b.create_block(), self.b.create_block());
                self.b.ins().brif(c, take, &[], other, &[]);
                self.b.switch_to_block(take);
                let r = self.b.ins().load(types::F64, fl, self.args, pay);
                let i = self
                    .b
                    .ins()
                    .load(types::F64, fl, self.args, base + self.lay.complex_im);
                self.b
                    .ins()
                    .jump(join, &[ir::BlockArg::Value(r), ir::BlockArg::Value(i)]);
                self.b.switch_to_block(other);
                // A real or an integer is a complex with no imaginary part.
                let r = self.real(tag, pay)?;
                let zero = self.b.ins().f64const(0.0);
                self.b
                    .ins()
                    .jump(join, &[ir::BlockArg::Value(r), ir::BlockArg::Value(zero)]);
                self.b.switch_to_block(join);
                self.b.def_var(re, xr);
                self.b.def_var(im, xi);
            }
            Known::Str { ptr, len } => {
                if a.intent != Intent::In || !a.intent_stated {
                    self.slot(a, Elem::U8);
                    self.str_copies.push(a);
                }
                let not = is_not(self, t_str);
                self.slow_if(not);
                let p = self
                    .b
                    .ins()
                    .load(self.ptr, fl, self.args, pay + self.lay.str_ptr);
                let n = self
                    .b
                    .ins()
                    .load(types::I64, fl, self.args, pay + self.lay.str_len);
                let empty = self.b.ins().icmp_imm_s(IntCC::Equal, n, 0);
                self.slow_if(empty);
                self.b.def_var(ptr, p);
                self.b.def_var(len, n);
            }
            Known::Array { .. } | Known::Code(_) => unreachable!("scalars only"),
        }
        Ok(())
    }

    /// A callback: its code address, when its type is the parameter's ([`callback_code`]).
    fn read_callback(&mut self, a: &'a SigArg, tag: ir::Value, pay: i32) -> Result<(), String> {
        let i = self
            .sig
            .args
            .iter()
            .position(|x| std::ptr::eq(x, a))
            .ok_or("a callback not of the signature")?;
        let p = self
            .proto
            .params
            .iter()
            .position(|p| p.role == CRole::Dummy(i))
            .ok_or_else(|| format!("{} is not a parameter", a.name))?;
        let conv = *self
            .f
            .convs()
            .0
            .get(p)
            .ok_or_else(|| format!("{} has no conversion", a.name))?;
        let check = Box::new(CallbackCheck {
            f: self.f.clone(),
            conv,
        });
        let not = self
            .b
            .ins()
            .icmp_imm_s(IntCC::NotEqual, tag, i64::from(self.lay.tag_callback));
        self.slow_if(not);
        let cb = self.b.ins().load(self.ptr, Self::flags(), self.args, pay);
        let mut hsig = Signature::new(self.b.func.signature.call_conv);
        hsig.params.extend([AbiParam::new(self.ptr); 2]);
        hsig.returns.push(AbiParam::new(self.ptr));
        let href = self.b.import_signature(hsig);
        let h = self
            .b
            .ins()
            .iconst(self.ptr, callback_code as *const () as usize as i64);
        let c = self
            .b
            .ins()
            .iconst(self.ptr, &*check as *const CallbackCheck as usize as i64);
        self.callbacks.push(check);
        let call = self.b.ins().call_indirect(href, h, &[c, cb]);
        let code = self.b.inst_results(call)[0];
        let null = self.b.ins().icmp_imm_s(IntCC::Equal, code, 0);
        self.slow_if(null);
        let v = self.var(self.ptr, code);
        self.known.insert(&a.name, Known::Code(v));
        Ok(())
    }

    /// A real given as `Real` or `Int` (converted, as the interpreter does).
    fn real(&mut self, tag: ir::Value, pay: i32) -> Result<ir::Value, String> {
        let fl = Self::flags();
        let join = self.b.create_block();
        let x = self.b.append_block_param(join, types::F64);
        let real = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, tag, i64::from(self.lay.tag_real));
        let (take, other) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(real, take, &[], other, &[]);
        self.b.switch_to_block(take);
        let f = self.b.ins().load(types::F64, fl, self.args, pay);
        self.b.ins().jump(join, &[ir::BlockArg::Value(f)]);
        self.b.switch_to_block(other);
        let int = self
            .b
            .ins()
            .icmp_imm_s(IntCC::Equal, tag, i64::from(self.lay.tag_int));
        let not = self.b.ins().bxor_imm_s(int, 1);
        self.slow_if(not);
        let i = self.b.ins().load(types::I64, fl, self.args, pay);
        let f = self.b.ins().fcvt_from_sint(types::F64, i);
        self.b.ins().jump(join, &[ir::BlockArg::Value(f)]);
        self.b.switch_to_block(join);
        Ok(x)
    }

    /// Computes an optional or hidden scalar from its `init`.
    fn init(&mut self, a: &'a SigArg, init: &Expr) -> Result<(), String> {
        let k = self.known[a.name.as_str()];
        match (k, init) {
            (Known::Int(v), e) => {
                let (x, r) = self.expr_r(e).map_err(|m| miss(a, m))?;
                self.b.def_var(v, x);
                self.widen(v, r);
            }
            (Known::Str { ptr, len }, Expr::Str(s)) if !s.is_empty() => {
                // The interpreter stores the first character, with length 1.
                let c: Box<[u8]> = Box::new([s.as_bytes()[0]]);
                let p = self.b.ins().iconst(self.ptr, c.as_ptr() as i64);
                self.consts.push(c);
                let one = self.int(1);
                self.b.def_var(ptr, p);
                self.b.def_var(len, one);
            }
            _ => return Err(format!("{}'s default is not an integer", a.name)),
        }
        Ok(())
    }

    /// The documented conditions (what would reach XERBLA): any failure goes to the
    /// interpreter, which reports it.
    fn checks(&mut self) -> Result<(), String> {
        let sig = self.sig;
        for a in &sig.args {
            for c in &a.checks {
                if let Check::Expr(e) = c {
                    // A condition naming something not known here is not checked, as the
                    // interpreter does not check it; and it is left before any of its IR is
                    // emitted (an `||` half built would leave a block open).
                    if !self.ready(e) {
                        continue;
                    }
                    match self.expr(e) {
                        Ok(v) => {
                            let bad = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
                            self.slow_if(bad);
                        }
                        Err(Miss::Unknown) => {}
                        Err(m) => return Err(miss(a, m)),
                    }
                }
            }
            if !matches!(a.role, Role::Given | Role::Optional(_) | Role::Hidden(_))
                || !a.dims.is_empty()
            {
                continue;
            }
            let Some(k) = self.known.get(a.name.as_str()).copied() else {
                continue;
            };
            for c in &a.checks {
                match (c, k) {
                    (Check::Expr(_), _) => {}
                    (Check::AtLeast(e) | Check::AtMost(e), Known::Int(v)) => match self.expr(e) {
                        Ok(bound) => {
                            let x = self.b.use_var(v);
                            let bad = self.b.ins().icmp(Self::outside(c), x, bound);
                            self.slow_if(bad);
                        }
                        Err(Miss::Unknown) => {}
                        Err(m) => return Err(miss(a, m)),
                    },
                    (Check::NonZero, Known::Int(v)) => {
                        let x = self.b.use_var(v);
                        let bad = self.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                        self.slow_if(bad);
                    }
                    // A real is checked as the interpreter does: truncated to an integer,
                    // and not at all when it is not finite.
                    (Check::AtLeast(e) | Check::AtMost(e), Known::Real(v)) => match self.expr(e) {
                        Ok(bound) => {
                            let x = self.truncated(v);
                            let out = self.b.ins().icmp(Self::outside(c), x, bound);
                            let bad = self.finite_and(v, out);
                            self.slow_if(bad);
                        }
                        Err(Miss::Unknown) => {}
                        Err(m) => return Err(miss(a, m)),
                    },
                    (Check::NonZero, Known::Real(v)) => {
                        let x = self.truncated(v);
                        let zero = self.b.ins().icmp_imm_s(IntCC::Equal, x, 0);
                        let bad = self.finite_and(v, zero);
                        self.slow_if(bad);
                    }
                    (Check::OneOf(letters), Known::Str { ptr, .. }) => {
                        let p = self.b.use_var(ptr);
                        let c = self.b.ins().load(types::I8, Self::flags(), p, 0);
                        // ASCII upper case, as the interpreter compares.
                        let c = self.upper(c);
                        let mut ok = self.b.ins().iconst(types::I8, 0);
                        for l in letters {
                            if !l.is_ascii() {
                                continue;
                            }
                            let is = self.b.ins().icmp_imm_s(IntCC::Equal, c, *l as i64);
                            ok = self.b.ins().bor(ok, is);
                        }
                        let bad = self.b.ins().icmp_imm_s(IntCC::Equal, ok, 0);
                        self.slow_if(bad);
                    }
                    (c, _) => {
                        return Err(format!(
                            "{}: check {c:?} on a value of another kind",
                            a.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The real in `v` truncated to an integer, saturating (Rust's `as i64`).
    fn truncated(&mut self, v: Variable) -> ir::Value {
        let x = self.b.use_var(v);
        self.b.ins().fcvt_to_sint_sat(types::I64, x)
    }

    /// `cond` (an `I8`) and the real in `v` finite.
    fn finite_and(&mut self, v: Variable, cond: ir::Value) -> ir::Value {
        let x = self.b.use_var(v);
        // x - x is 0 for a finite x, NaN otherwise.
        let d = self.b.ins().fsub(x, x);
        let zero = self.b.ins().f64const(0.0);
        let finite = self.b.ins().fcmp(ir::condcodes::FloatCC::Equal, d, zero);
        self.b.ins().band(finite, cond)
    }

    /// `v` demoted to `f32`; a finite value that becomes infinite goes to the interpreter,
    /// which refuses it (`single` in `marshal.rs`).
    fn single(&mut self, v: Variable) -> ir::Value {
        let x = self.b.use_var(v);
        let y = self.b.ins().fdemote(types::F32, x);
        let abs = self.b.ins().fabs(y);
        let inf = self.b.ins().f32const(f32::INFINITY);
        let overflow = self.b.ins().fcmp(ir::condcodes::FloatCC::Equal, abs, inf);
        let bad = self.finite_and(v, overflow);
        self.slow_if(bad);
        y
    }

    /// The comparison of a value with its bound that fails an `AtLeast` or `AtMost` check.
    fn outside(c: &Check) -> IntCC {
        match c {
            Check::AtMost(_) => IntCC::SignedGreaterThan,
            _ => IntCC::SignedLessThan,
        }
    }

    /// Pivot arrays as the routine will read them: [`pivots_fit`] called out of line, after
    /// the lengths are checked; a pivot that breaks the rule goes to the interpreter, which
    /// says which.
    fn pivots(&mut self) -> Result<(), String> {
        let sig = self.sig;
        for a in &sig.args {
            for c in &a.checks {
                let Check::Pivots { rule, order, fact } = c else {
                    continue;
                };
                let Some(Known::Array { ptr, .. }) = self.known.get(a.name.as_str()).copied()
                else {
                    return Err(format!("the pivots {} are not a known array", a.name));
                };
                let n = a.dims.first().ok_or("pivots with no extent")?;
                let (n, _) = self.extent(a, n)?;
                let order = self.expr(order).map_err(|m| miss(a, m))?;
                // With FACT, checked only when it says 'F': otherwise a count of 0.
                let n = match fact {
                    None => n,
                    Some(f) => match self.known.get(f.as_str()).copied() {
                        Some(Known::Str { ptr, .. }) => {
                            let p = self.b.use_var(ptr);
                            let c = self.b.ins().load(types::I8, Self::flags(), p, 0);
                            let c = self.upper(c);
                            let is = self.b.ins().icmp_imm_s(IntCC::Equal, c, i64::from(b'F'));
                            let zero = self.int(0);
                            self.b.ins().select(is, n, zero)
                        }
                        _ => return Err(format!("the pivots {}: {f} is not known", a.name)),
                    },
                };
                let wide = self.int(i64::from(self.elem(a)? == Elem::I64));
                let rule = RULES.iter().position(|r| r == rule).ok_or("a pivot rule")?;
                let rule = self.int(rule as i64);
                let p = self.b.use_var(ptr);
                let mut sig = Signature::new(self.b.func.signature.call_conv);
                sig.params.extend([AbiParam::new(types::I64); 5]);
                sig.returns.push(AbiParam::new(types::I64));
                let sref = self.b.import_signature(sig);
                let f = self
                    .b
                    .ins()
                    .iconst(self.ptr, pivots_fit as *const () as usize as i64);
                let call = self
                    .b
                    .ins()
                    .call_indirect(sref, f, &[p, n, wide, order, rule]);
                let ok = self.b.inst_results(call)[0];
                let bad = self.b.ins().icmp_imm_s(IntCC::Equal, ok, 0);
                self.slow_if(bad);
            }
        }
        Ok(())
    }

    /// Every array holds the elements its extents span.
    fn extents(&mut self) -> Result<(), String> {
        let sig = self.sig;
        for a in &sig.args {
            if a.dims.is_empty() || !matches!(a.role, Role::Given | Role::Optional(_)) {
                continue;
            }
            let Some(Known::Array { d0, d1, .. }) = self.known.get(a.name.as_str()).copied() else {
                return Err(format!("{} is not a known array", a.name));
            };
            let mut need: Option<(ir::Value, Range)> = None;
            for d in &a.dims {
                let (e, r) = self.extent(a, d)?;
                need = Some(match need {
                    None => (e, r),
                    Some((n, rn)) => {
                        let p = (rn.0 * r.0, rn.1 * r.1);
                        if fits(p) {
                            (self.b.ins().imul(n, e), p)
                        } else {
                            let (p, of) = self.b.ins().smul_overflow(n, e);
                            self.slow_if(of);
                            (p, DIM)
                        }
                    }
                });
            }
            let need = match need {
                Some((n, _)) => n,
                None => self.int(1),
            };
            let (x, y) = (self.b.use_var(d0), self.b.use_var(d1));
            let have = self.b.ins().imul(x, y);
            let short = self.b.ins().icmp(IntCC::UnsignedLessThan, have, need);
            self.slow_if(short);
        }
        Ok(())
    }

    /// Gives `a` the next heap slot, for an array of `elem`.
    fn slot(&mut self, a: &'a SigArg, elem: Elem) {
        self.slots.insert(&a.name, self.slot_elems.len());
        self.slot_elems.push(elem);
    }

    /// Copies the read-only arrays the routine may write and allocates its `intent(out)`
    /// arrays (zeroed), as the interpreter does; a size that overflows goes to it.
    fn allocate(&mut self) -> Result<(), String> {
        for a in std::mem::take(&mut self.str_copies) {
            let Some(Known::Str { ptr, len }) = self.known.get(a.name.as_str()).copied() else {
                return Err(format!("{} is not a known CHARACTER", a.name));
            };
            let (src, n, one) = (self.b.use_var(ptr), self.b.use_var(len), self.int(1));
            let p = self.alloc(self.slots[a.name.as_str()], src, n, one, one);
            self.b.def_var(ptr, p);
        }
        for (a, writable) in std::mem::take(&mut self.copies) {
            let Some(Known::Array { ptr, d0, d1, rank }) = self.known.get(a.name.as_str()).copied()
            else {
                return Err(format!("{} is not a known array", a.name));
            };
            let slot = self.slots[a.name.as_str()];
            let (copy, join) = (self.b.create_block(), self.b.create_block());
            let w = self.b.use_var(writable);
            self.b.ins().brif(w, join, &[], copy, &[]);
            self.b.switch_to_block(copy);
            let (src, x, y, r) = (
                self.b.use_var(ptr),
                self.b.use_var(d0),
                self.b.use_var(d1),
                self.b.use_var(rank),
            );
            let p = self.alloc(slot, src, x, y, r);
            self.b.def_var(ptr, p);
            self.b.ins().jump(join, &[]);
            self.b.switch_to_block(join);
        }
        let sig = self.sig;
        for a in &sig.args {
            if a.role != Role::Out || a.dims.is_empty() {
                continue;
            }
            let elem = self.elem(a)?;
            let mut ext = [self.int(1), self.int(1)];
            for (e, d) in ext.iter_mut().zip(&a.dims) {
                *e = self.extent(a, d)?.0;
            }
            self.slot(a, elem);
            let null = self.b.ins().iconst(self.ptr, 0);
            let rank = self.int(a.dims.len() as i64);
            let p = self.alloc(self.slots[a.name.as_str()], null, ext[0], ext[1], rank);
            let k = Known::Array {
                ptr: self.var(self.ptr, p),
                d0: self.var(types::I64, ext[0]),
                d1: self.var(types::I64, ext[1]),
                rank: self.var(types::I64, rank),
            };
            self.known.insert(&a.name, k);
        }
        // Workspaces: pointed at a zeroed scratch element, their sizes at -1, for the query.
        for w in &sig.args {
            let Role::Workspace(size) = &w.role else {
                continue;
            };
            let s = sig.args.iter().find(|s| &s.name == size);
            if w.dims.len() != 1
                || s.is_some_and(|s| !matches!(self.elem(s), Ok(Elem::I32 | Elem::I64)))
            {
                return Err(format!("{} is not a workspace of an integer size", w.name));
            }
            let elem = self.elem(w)?;
            self.slot(w, elem);
            let scratch = self.b.create_sized_stack_slot(StackSlotData::new(
                StackSlotKind::ExplicitSlot,
                16,
                4,
            ));
            let z = self.int(0);
            self.b.ins().stack_store(self.ptr, z, scratch, 0);
            self.b.ins().stack_store(self.ptr, z, scratch, 8);
            let p = self.b.ins().stack_addr(self.ptr, scratch, 0);
            let (one, minus_one) = (self.int(1), self.int(-1));
            let k = Known::Array {
                ptr: self.var(self.ptr, p),
                d0: self.var(types::I64, one),
                d1: self.var(types::I64, one),
                rank: self.var(types::I64, one),
            };
            self.known.insert(&w.name, k);
            if let Some(s) = s {
                let n = self.var(types::I64, minus_one);
                self.widen(n, (-1, -1));
                self.known.insert(&s.name, Known::Int(n));
            }
            self.work.push((w, s, scratch));
        }
        Ok(())
    }

    /// The workspace query: the call with every size at -1, `INFO` checked, then each
    /// workspace allocated at the size its `WORK(1)` asks for and its size stored.
    fn query(&mut self, proto: &Prototype, addr: i64, sref: ir::SigRef) -> Result<(), String> {
        if self.work.is_empty() {
            return Ok(());
        }
        let frame = self.frame.ok_or("no frame")?;
        self.invoke(proto, addr, sref)?;
        self.info()?;
        for (w, s, scratch) in std::mem::take(&mut self.work) {
            let first = self.b.ins().stack_load(self.ptr, types::I64, scratch, 0);
            let elem = self.elem(w)?;
            let mut hsig = Signature::new(self.b.func.signature.call_conv);
            hsig.params.extend([AbiParam::new(types::I64); 2]);
            hsig.returns.push(AbiParam::new(types::I64));
            let href = self.b.import_signature(hsig);
            let f = self
                .b
                .ins()
                .iconst(self.ptr, work_len as *const () as usize as i64);
            let e = self.int(elem as i64);
            let call = self.b.ins().call_indirect(href, f, &[e, first]);
            let n = self.b.inst_results(call)[0];
            // A size its INTEGER cannot hold: the interpreter reports it.
            if let Some(s) = s {
                self.store_size(s, n, frame)?;
            }
            let (one, null) = (self.int(1), self.b.ins().iconst(self.ptr, 0));
            let p = self.alloc(self.slots[w.name.as_str()], null, n, one, one);
            if let Some(Known::Array { ptr, d0, .. }) = self.known.get(w.name.as_str()).copied() {
                self.b.def_var(ptr, p);
                self.b.def_var(d0, n);
            }
        }
        Ok(())
    }

    /// Stores the size `n` a workspace query asked for in the size argument `s` (a size its
    /// INTEGER cannot hold goes to the interpreter, which reports it).
    fn store_size(&mut self, s: &SigArg, n: ir::Value, frame: ir::StackSlot) -> Result<(), String> {
        let at = self.stored[s.name.as_str()];
        if self.elem(s)? == Elem::I32 {
            let big = self
                .b
                .ins()
                .icmp_imm_s(IntCC::UnsignedGreaterThan, n, i64::from(i32::MAX));
            self.slow_if(big);
            let t = self.b.ins().ireduce(types::I32, n);
            self.b.ins().stack_store(self.ptr, t, frame, at);
        } else {
            let big = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, n, 0);
            self.slow_if(big);
            self.b.ins().stack_store(self.ptr, n, frame, at);
        }
        Ok(())
    }

    /// Calls [`alloc_array`] for heap slot `slot`; a null result goes to the interpreter.
    fn alloc(
        &mut self,
        slot: usize,
        src: ir::Value,
        d0: ir::Value,
        d1: ir::Value,
        rank: ir::Value,
    ) -> ir::Value {
        let mut sig = Signature::new(self.b.func.signature.call_conv);
        sig.params.extend([AbiParam::new(self.ptr); 6]);
        sig.returns.push(AbiParam::new(self.ptr));
        let sref = self.b.import_signature(sig);
        let f = self
            .b
            .ins()
            .iconst(self.ptr, alloc_array as *const () as usize as i64);
        let slot = self.int(slot as i64);
        let call = self
            .b
            .ins()
            .call_indirect(sref, f, &[self.heap, slot, src, d0, d1, rank]);
        let p = self.b.inst_results(call)[0];
        let null = self.b.ins().icmp_imm_s(IntCC::Equal, p, 0);
        self.slow_if(null);
        p
    }

    /// An extent of `a`: a negative one goes to the interpreter.
    fn extent(&mut self, a: &SigArg, d: &Expr) -> Result<(ir::Value, Range), String> {
        let (e, r) = self.expr_r(d).map_err(|m| miss(a, m))?;
        if r.0 < 0 {
            let neg = self.b.ins().icmp_imm_s(IntCC::SignedLessThan, e, 0);
            self.slow_if(neg);
        }
        Ok((e, (r.0.max(0), r.1.max(0))))
    }

    /// Stores every scalar passed by reference (INFO and outputs zeroed).
    fn store_scalars(&mut self) -> Result<(), String> {
        let frame = self.frame.ok_or("no frame")?;
        let sig = self.sig;
        for a in &sig.args {
            let Some(&at) = self.stored.get(a.name.as_str()) else {
                continue;
            };
            let elem = self.elem(a)?;
            let k = self.known.get(a.name.as_str()).copied();
            match (elem, k) {
                (Elem::I32, Some(Known::Int(v))) => {
                    // A value that does not fit: the interpreter says so.
                    let x = self.b.use_var(v);
                    let t = self.b.ins().ireduce(types::I32, x);
                    let r = self.range_of(v);
                    if r.0 < I32.0 || r.1 > I32.1 {
                        let back = self.b.ins().sextend(types::I64, t);
                        let bad = self.b.ins().icmp(IntCC::NotEqual, back, x);
                        self.slow_if(bad);
                    }
                    self.b.ins().stack_store(self.ptr, t, frame, at);
                }
                (Elem::I64, Some(Known::Int(v))) => {
                    let x = self.b.use_var(v);
                    self.b.ins().stack_store(self.ptr, x, frame, at);
                }
                (Elem::F64, Some(Known::Real(v))) => {
                    let x = self.b.use_var(v);
                    self.b.ins().stack_store(self.ptr, x, frame, at);
                }
                (Elem::F32, Some(Known::Real(v))) => {
                    let x = self.single(v);
                    self.b.ins().stack_store(self.ptr, x, frame, at);
                }
                (Elem::C64, Some(Known::Complex(re, im))) => {
                    let (x, y) = (self.b.use_var(re), self.b.use_var(im));
                    self.b.ins().stack_store(self.ptr, x, frame, at);
                    self.b.ins().stack_store(self.ptr, y, frame, at + 8);
                }
                (Elem::C32, Some(Known::Complex(re, im))) => {
                    let (x, y) = (self.single(re), self.single(im));
                    self.b.ins().stack_store(self.ptr, x, frame, at);
                    self.b.ins().stack_store(self.ptr, y, frame, at + 4);
                }
                (_, None) if matches!(a.role, Role::Info | Role::Out) => {
                    let z = self.int(0);
                    self.b.ins().stack_store(self.ptr, z, frame, at);
                    self.b.ins().stack_store(self.ptr, z, frame, at + 8);
                }
                _ => return Err(format!("{} has no value of its type here", a.name)),
            }
        }
        Ok(())
    }

    /// The call, then `INFO` and the outputs.
    fn call(&mut self, proto: &Prototype, addr: i64, callee: Signature, ret: RetClass) -> Built {
        let sig = self.sig;
        let sref = self.b.import_signature(callee);
        self.query(proto, addr, sref)?;
        let results = self.invoke(proto, addr, sref)?;
        let frame = self.frame.ok_or("no frame")?;
        let fl = Self::flags();
        let mut outs = Vec::new();
        if let Some(t) = &self.r.result {
            // Both words of the entry are written (the result may fill fewer bytes).
            let z = self.int(0);
            self.b.ins().store(fl, z, self.out, 0);
            self.b.ins().store(fl, z, self.out, 8);
            let elem = Elem::of(t, self.abi).ok_or("a result of no element type")?;
            match (&ret, results.as_slice()) {
                (RetClass::Int { .. } | RetClass::F32 | RetClass::F64 | RetClass::Ptr, [v]) => {
                    self.b.ins().store(fl, *v, self.out, 0);
                }
                (RetClass::StructRegs { parts, .. }, vs) if parts.len() == vs.len() => {
                    for (p, v) in parts.iter().zip(vs) {
                        self.b.ins().store(fl, *v, self.out, p.offset as i32);
                    }
                }
                _ => return Err(format!("a result of class {ret:?}")),
            }
            outs.push(OutSpec::Scalar {
                entry: 0,
                kind: OutKind::of(elem, Some(t))?,
            });
        }
        self.info()?;
        // Outputs: scalars copied from their storage to the next entry, arrays from the heap
        // (none for an array updated in place).
        let mut entries = outs.len();
        for a in sig.returns() {
            if !a.dims.is_empty() {
                if let Some(&slot) = self.slots.get(a.name.as_str()) {
                    outs.push(OutSpec::Array { slot });
                }
                continue;
            }
            if let (Some(Known::Str { .. }), Some(&slot)) = (
                self.known.get(a.name.as_str()),
                self.slots.get(a.name.as_str()),
            ) {
                outs.push(OutSpec::Str { slot });
                continue;
            }
            let at = *self
                .stored
                .get(a.name.as_str())
                .ok_or_else(|| format!("{} is returned but not stored", a.name))?;
            let k = entries as i32;
            entries += 1;
            for half in [0, 8] {
                let v = self
                    .b
                    .ins()
                    .stack_load(self.ptr, types::I64, frame, at + half);
                self.b.ins().store(fl, v, self.out, 16 * k + half);
            }
            outs.push(if is_char(a) {
                OutSpec::Char { entry: k as usize }
            } else {
                OutSpec::Scalar {
                    entry: k as usize,
                    kind: OutKind::of(self.elem(a)?, a.ty.as_ref())?,
                }
            });
        }
        if entries > MAX_OUTS {
            return Err(format!("{entries} scalar outputs"));
        }
        let s = self.b.ins().iconst(types::I32, i64::from(DONE));
        self.b.ins().return_(&[s]);
        self.b.switch_to_block(self.slow);
        let s = self.b.ins().iconst(types::I32, i64::from(SLOW));
        self.b.ins().return_(&[s]);
        Ok((
            outs,
            std::mem::take(&mut self.slot_elems),
            std::mem::take(&mut self.consts),
            std::mem::take(&mut self.callbacks),
        ))
    }

    /// The routine's call, with every argument where it is now: its results.
    fn invoke(
        &mut self,
        proto: &Prototype,
        addr: i64,
        sref: ir::SigRef,
    ) -> Result<Vec<ir::Value>, String> {
        let frame = self.frame.ok_or("no frame")?;
        let sig = self.sig;
        let mut vals = Vec::with_capacity(proto.params.len());
        for p in &proto.params {
            let v = match &p.role {
                CRole::Dummy(i) => {
                    let a = &sig.args[*i];
                    match (
                        self.stored.get(a.name.as_str()),
                        self.known.get(a.name.as_str()),
                    ) {
                        (Some(&at), _) => self.b.ins().stack_addr(self.ptr, frame, at),
                        (
                            None,
                            Some(
                                Known::Array { ptr, .. }
                                | Known::Str { ptr, .. }
                                | Known::Code(ptr),
                            ),
                        ) => self.b.use_var(*ptr),
                        _ => return Err(format!("{} has no storage", a.name)),
                    }
                }
                CRole::Length(i) => match self.known.get(sig.args[*i].name.as_str()) {
                    Some(Known::Str { len, .. }) => self.b.use_var(*len),
                    _ => self.int(1),
                },
                CRole::Result | CRole::ResultLength => {
                    return Err("its result is returned through a pointer".into());
                }
            };
            vals.push(v);
        }
        let target = self.b.ins().iconst(self.ptr, addr);
        let call = self.b.ins().call_indirect(sref, target, &vals);
        Ok(self.b.inst_results(call).to_vec())
    }

    /// `INFO` after a call: not 0 returns [`INFO`] with the value in the last entry.
    fn info(&mut self) -> Result<(), String> {
        let sig = self.sig;
        let Some(info) = sig.args.iter().find(|a| a.role == Role::Info) else {
            return Ok(());
        };
        let frame = self.frame.ok_or("no frame")?;
        let at = self.stored[info.name.as_str()];
        let v = match self.elem(info)? {
            Elem::I64 => self.b.ins().stack_load(self.ptr, types::I64, frame, at),
            _ => {
                let v = self.b.ins().stack_load(self.ptr, types::I32, frame, at);
                self.b.ins().sextend(types::I64, v)
            }
        };
        let (failed, fine) = (self.b.create_block(), self.b.create_block());
        self.b.ins().brif(v, failed, &[], fine, &[]);
        self.b.switch_to_block(failed);
        self.b
            .ins()
            .store(Self::flags(), v, self.out, 16 * MAX_OUTS as i32);
        let s = self.b.ins().iconst(types::I32, i64::from(INFO));
        self.b.ins().return_(&[s]);
        self.b.switch_to_block(fine);
        Ok(())
    }

    /// An integer expression, in C's semantics; overflow and division by zero go to the
    /// interpreter (which reports them).
    fn expr(&mut self, e: &Expr) -> Result<ir::Value, Miss> {
        self.expr_r(e).map(|(v, _)| v)
    }

    /// [`Compiler::expr`] with the range of its value: arithmetic that cannot overflow on
    /// those ranges is emitted without the overflow check.
    fn expr_r(&mut self, e: &Expr) -> Result<(ir::Value, Range), Miss> {
        Ok(match e {
            Expr::Int(i) => (self.int(*i), (i128::from(*i), i128::from(*i))),
            Expr::Float(_) => return unsupported("a real constant"),
            Expr::Str(_) => return unsupported("a character constant"),
            Expr::Name(n) => match self.known.get(n.as_str()) {
                Some(Known::Int(v)) => (self.b.use_var(*v), self.range_of(*v)),
                Some(_) => return unsupported(format!("{n} is not an integer")),
                None => return Err(Miss::Unknown),
            },
            Expr::Unary(op, x) => {
                let (v, r) = self.expr_r(x)?;
                match op {
                    '+' => (v, r),
                    '-' => {
                        if r.0 <= i128::from(i64::MIN) {
                            let min = self.b.ins().icmp_imm_s(IntCC::Equal, v, i64::MIN);
                            self.slow_if(min);
                        }
                        let lo = r.0.max(-i128::from(i64::MAX));
                        (self.b.ins().ineg(v), (-r.1, -lo))
                    }
                    '!' => {
                        let z = self.b.ins().icmp_imm_s(IntCC::Equal, v, 0);
                        (self.b.ins().uextend(types::I64, z), BOOL)
                    }
                    _ => return unsupported(format!("operator {op}")),
                }
            }
            Expr::Binary(op @ ("==" | "!="), x, y)
                if matches!(**x, Expr::Str(_)) || matches!(**y, Expr::Str(_)) =>
            {
                let (name, lit) = match (&**x, &**y) {
                    (Expr::Name(n), Expr::Str(l)) | (Expr::Str(l), Expr::Name(n)) => (n, l),
                    _ => return unsupported("a comparison of two character values"),
                };
                let (ptr, len) = match self.known.get(name.as_str()) {
                    Some(Known::Str { ptr, len }) => (*ptr, *len),
                    Some(_) => return unsupported(format!("{name} compared with a character")),
                    None => return Err(Miss::Unknown),
                };
                let eq = self.str_eq(ptr, len, lit.as_bytes());
                let v = if *op == "==" {
                    eq
                } else {
                    self.b.ins().bxor_imm_s(eq, 1)
                };
                (self.b.ins().uextend(types::I64, v), BOOL)
            }
            Expr::Binary(op @ ("&&" | "||"), x, y) => {
                // Short-circuit, as in C.
                let join = self.b.create_block();
                let r = self.b.append_block_param(join, types::I64);
                let a = self.expr(x)?;
                let a = self.b.ins().icmp_imm_s(IntCC::NotEqual, a, 0);
                let a = self.b.ins().uextend(types::I64, a);
                let rhs = self.b.create_block();
                if *op == "&&" {
                    self.b
                        .ins()
                        .brif(a, rhs, &[], join, &[ir::BlockArg::Value(a)]);
                } else {
                    self.b
                        .ins()
                        .brif(a, join, &[ir::BlockArg::Value(a)], rhs, &[]);
                }
                self.b.switch_to_block(rhs);
                let v = self.expr(y)?;
                let v = self.b.ins().icmp_imm_s(IntCC::NotEqual, v, 0);
                let v = self.b.ins().uextend(types::I64, v);
                self.b.ins().jump(join, &[ir::BlockArg::Value(v)]);
                self.b.switch_to_block(join);
                (r, BOOL)
            }
            Expr::Binary(op, x, y) => {
                let ((a, ra), (b, rb)) = (self.expr_r(x)?, self.expr_r(y)?);
                let cmp = |c: &mut Self, cc: IntCC| {
                    let v = c.b.ins().icmp(cc, a, b);
                    (c.b.ins().uextend(types::I64, v), BOOL)
                };
                match *op {
                    "+" | "-" | "*" => {
                        let r = match *op {
                            "+" => (ra.0 + rb.0, ra.1 + rb.1),
                            "-" => (ra.0 - rb.1, ra.1 - rb.0),
                            _ => {
                                let p = [ra.0 * rb.0, ra.0 * rb.1, ra.1 * rb.0, ra.1 * rb.1];
                                (
                                    p.into_iter().min().unwrap_or(0),
                                    p.into_iter().max().unwrap_or(0),
                                )
                            }
                        };
                        if fits(r) {
                            let v = match *op {
                                "+" => self.b.ins().iadd(a, b),
                                "-" => self.b.ins().isub(a, b),
                                _ => self.b.ins().imul(a, b),
                            };
                            (v, r)
                        } else {
                            let (v, of) = match *op {
                                "+" => self.b.ins().sadd_overflow(a, b),
                                "-" => self.b.ins().ssub_overflow(a, b),
                                _ => self.b.ins().smul_overflow(a, b),
                            };
                            self.slow_if(of);
                            (v, FULL)
                        }
                    }
                    "/" | "%" => {
                        self.division_ok(a, ra, b, rb);
                        let m = ra.0.abs().max(ra.1.abs());
                        let v = if *op == "/" {
                            self.b.ins().sdiv(a, b)
                        } else {
                            self.b.ins().srem(a, b)
                        };
                        (v, (-m, m))
                    }
                    "<" => cmp(self, IntCC::SignedLessThan),
                    "<=" => cmp(self, IntCC::SignedLessThanOrEqual),
                    ">" => cmp(self, IntCC::SignedGreaterThan),
                    ">=" => cmp(self, IntCC::SignedGreaterThanOrEqual),
                    "==" => cmp(self, IntCC::Equal),
                    "!=" => cmp(self, IntCC::NotEqual),
                    _ => return unsupported(format!("operator {op}")),
                }
            }
            Expr::Cond(c, x, y) => {
                let join = self.b.create_block();
                let r = self.b.append_block_param(join, types::I64);
                let (then, other) = (self.b.create_block(), self.b.create_block());
                let c = self.expr(c)?;
                self.b.ins().brif(c, then, &[], other, &[]);
                self.b.switch_to_block(then);
                let (v, rx) = self.expr_r(x)?;
                self.b.ins().jump(join, &[ir::BlockArg::Value(v)]);
                self.b.switch_to_block(other);
                let (v, ry) = self.expr_r(y)?;
                self.b.ins().jump(join, &[ir::BlockArg::Value(v)]);
                self.b.switch_to_block(join);
                (r, (rx.0.min(ry.0), rx.1.max(ry.1)))
            }
            Expr::Call(f, args) => self.call_expr(f, args)?,
        })
    }

    /// Whether the character value `ptr`/`len` is `lit`, ignoring ASCII case (as the
    /// interpreter compares): an `I8`, 1 or 0.
    fn str_eq(&mut self, ptr: Variable, len: Variable, lit: &[u8]) -> ir::Value {
        let join = self.b.create_block();
        let r = self.b.append_block_param(join, types::I8);
        let bytes = self.b.create_block();
        let no = self.b.ins().iconst(types::I8, 0);
        let n = self.b.use_var(len);
        let same_len = self.b.ins().icmp_imm_s(IntCC::Equal, n, lit.len() as i64);
        self.b
            .ins()
            .brif(same_len, bytes, &[], join, &[ir::BlockArg::Value(no)]);
        self.b.switch_to_block(bytes);
        let p = self.b.use_var(ptr);
        let mut all = self.b.ins().iconst(types::I8, 1);
        for (i, l) in lit.iter().enumerate() {
            let c = self.b.ins().load(types::I8, Self::flags(), p, i as i32);
            let c = self.upper(c);
            let is = self
                .b
                .ins()
                .icmp_imm_s(IntCC::Equal, c, i64::from(l.to_ascii_uppercase()));
            all = self.b.ins().band(all, is);
        }
        self.b.ins().jump(join, &[ir::BlockArg::Value(all)]);
        self.b.switch_to_block(join);
        r
    }

    /// An ASCII byte in upper case.
    fn upper(&mut self, c: ir::Value) -> ir::Value {
        let off = self.b.ins().iadd_imm_s(c, -i64::from(b'a'));
        let lower =
            self.b
                .ins()
                .icmp_imm_s(IntCC::UnsignedLessThanOrEqual, off, i64::from(b'z' - b'a'));
        let up = self.b.ins().iadd_imm_s(c, -32);
        self.b.ins().select(lower, up, c)
    }

    /// Division by zero and `MIN / -1` go to the interpreter (checked where the ranges allow
    /// them).
    fn division_ok(&mut self, a: ir::Value, ra: Range, b: ir::Value, rb: Range) {
        if rb.0 <= 0 && rb.1 >= 0 {
            let zero = self.b.ins().icmp_imm_s(IntCC::Equal, b, 0);
            self.slow_if(zero);
        }
        if ra.0 <= i128::from(i64::MIN) && rb.0 <= -1 && rb.1 >= -1 {
            let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
            let neg1 = self.b.ins().icmp_imm_s(IntCC::Equal, b, -1);
            let both = self.b.ins().band(min, neg1);
            self.slow_if(both);
        }
    }

    fn call_expr(&mut self, f: &str, args: &[Expr]) -> Result<(ir::Value, Range), Miss> {
        let array = |c: &Self, i: usize| -> Result<Known, Miss> {
            match args.get(i) {
                Some(Expr::Name(n)) => match c.known.get(n.as_str()) {
                    Some(k @ Known::Array { .. }) => Ok(*k),
                    _ => Err(Miss::Unknown),
                },
                _ => unsupported(format!("{f}() of something other than a name")),
            }
        };
        let constant = |i: usize| -> Result<i64, Miss> {
            match args.get(i) {
                Some(Expr::Int(d)) => Ok(*d),
                _ => unsupported(format!("{f}() with a computed dimension")),
            }
        };
        let dim = |c: &mut Self, k: Known, d: i64| -> ir::Value {
            let Known::Array { d0, d1, .. } = k else {
                unreachable!("arrays only")
            };
            match d {
                0 => c.b.use_var(d0),
                1 => c.b.use_var(d1),
                _ => c.int(1),
            }
        };
        Ok(match f {
            "len" | "size" if args.len() == 1 => {
                let Known::Array { d0, d1, .. } = array(self, 0)? else {
                    unreachable!("arrays only")
                };
                let (x, y) = (self.b.use_var(d0), self.b.use_var(d1));
                (self.b.ins().imul(x, y), DIM)
            }
            "size" => {
                let k = array(self, 0)?;
                let d = constant(1)?;
                (dim(self, k, (d - 1).max(0)), DIM)
            }
            "shape" => {
                let k = array(self, 0)?;
                let d = constant(1)?;
                if d < 0 {
                    return unsupported("shape() of a negative dimension");
                }
                (dim(self, k, d), DIM)
            }
            "rank" => {
                let Known::Array { rank, .. } = array(self, 0)? else {
                    unreachable!("arrays only")
                };
                (self.b.use_var(rank), (0, 2))
            }
            "abs" | "int" if args.len() == 1 => {
                let (v, r) = self.expr_r(&args[0])?;
                if f == "int" {
                    (v, r)
                } else {
                    if r.0 <= i128::from(i64::MIN) {
                        let min = self.b.ins().icmp_imm_s(IntCC::Equal, v, i64::MIN);
                        self.slow_if(min);
                    }
                    let r = if r.0 >= 0 {
                        r
                    } else if r.1 <= 0 {
                        (-r.1, -r.0)
                    } else {
                        (0, r.1.max(-r.0))
                    };
                    (self.b.ins().iabs(v), (r.0, r.1.min(i128::from(i64::MAX))))
                }
            }
            "max" | "min" if !args.is_empty() => {
                let (mut best, mut r) = self.expr_r(&args[0])?;
                for a in &args[1..] {
                    let (v, rv) = self.expr_r(a)?;
                    (best, r) = if f == "max" {
                        (self.b.ins().smax(best, v), (r.0.max(rv.0), r.1.max(rv.1)))
                    } else {
                        (self.b.ins().smin(best, v), (r.0.min(rv.0), r.1.min(rv.1)))
                    };
                }
                (best, r)
            }
            "mod" if args.len() == 2 => {
                let ((a, ra), (b, rb)) = (self.expr_r(&args[0])?, self.expr_r(&args[1])?);
                self.division_ok(a, ra, b, rb);
                let m = ra.0.abs().max(ra.1.abs());
                (self.b.ins().srem(a, b), (-m, m))
            }
            "sign" if args.len() == 2 => {
                let ((a, ra), b) = (self.expr_r(&args[0])?, self.expr(&args[1])?);
                if ra.0 <= i128::from(i64::MIN) {
                    let min = self.b.ins().icmp_imm_s(IntCC::Equal, a, i64::MIN);
                    self.slow_if(min);
                }
                let m = self.b.ins().iabs(a);
                let n = self.b.ins().ineg(m);
                let pos = self
                    .b
                    .ins()
                    .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, b, 0);
                let top = ra.0.abs().max(ra.1.abs()).min(i128::from(i64::MAX));
                (self.b.ins().select(pos, m, n), (-top, top))
            }
            _ => return unsupported(format!("{f}()")),
        })
    }
}

fn is_char(a: &SigArg) -> bool {
    matches!(a.ty, Some(FType::Character { .. }))
}

/// Whether `a` is a scalar stored in the frame: every one but `CHARACTER` arguments (passed
/// where their bytes are); a `CHARACTER` output has one byte there, as the interpreter
/// gives it.
fn stored_scalar(a: &SigArg) -> bool {
    a.dims.is_empty() && a.callback.is_none() && (!is_char(a) || a.role == Role::Out)
}

fn miss(a: &SigArg, m: Miss) -> String {
    match m {
        Miss::Unknown => format!("{} depends on something unknown before the call", a.name),
        Miss::Unsupported(why) => format!("{}: {why}", a.name),
    }
}
