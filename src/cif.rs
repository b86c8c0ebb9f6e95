//! The libffi fallback: a prepared `ffi_cif` per call signature, built from the same
//! [`CallPlan`] as the JIT stubs, and the call itself.
//!
//! Structs are described to libffi by their register parts, not by their members: an
//! `ffi_type` whose elements are `uint64`/`double`/`float`/narrower integers per eightbyte, with
//! the real size and alignment preset (libffi only computes them when they are zero). libffi's
//! x86-64 classifier then reaches the same classes as our plan, whatever the struct holds
//! (bit-fields, unions, nested arrays). The one case libffi cannot express is a packed struct of
//! at most 16 bytes that is MEMORY class only because a member is unaligned; it is refused.
//! `long double` is libffi's `longdouble`, its bytes the `F80` payload of the `Value`.
//!
//! On AArch64 a struct returned in memory is described as the struct (libffi uses x8), and a
//! 16-aligned struct that starts at an odd `x` register gets a dummy `uint64` argument before
//! it: libffi 3.5's calls do not skip to the even register AAPCS64 asks for (C.12), its
//! `__int128` path does. Its closures would read such a signature wrongly: refused
//! ([`FfiCall::has_pads`]).

use std::ffi::c_void;

use libffi::low::{self, ffi_cif, ffi_type, types};
use libffi::raw;

use crate::errno::{restore_errno, save_errno};
use crate::plan::{ArgClass, CallPlan, Part, RegClass, RetClass};
use crate::value::{Conv, Value};

/// A prepared libffi call.
pub(crate) struct FfiCall {
    cif: Box<ffi_cif>,
    /// Owned struct types (pointed to by `arg_types` and the cif). Boxed so they do not move
    /// when the vector grows: libffi keeps pointers to them.
    #[allow(clippy::vec_box, reason = "the boxes give the types stable addresses")]
    _structs: Vec<Box<ffi_type>>,
    _elements: Vec<Vec<*mut ffi_type>>,
    arg_types: Vec<*mut ffi_type>,
    /// Bytes libffi may write for the result (at least 16).
    ret_buf: usize,
    /// The result is returned through a hidden pointer, passed as the first argument.
    sret: bool,
    /// Arguments (by index) before which a dummy `uint64` goes (AArch64, see the module
    /// documentation).
    pads: Vec<usize>,
}

/// What a dummy argument points to.
static ZERO: u64 = 0;

// SAFETY: a prepared cif and its types are immutable; libffi only reads them during calls, from
// any thread.
unsafe impl Send for FfiCall {}
// SAFETY: as for `Send`.
unsafe impl Sync for FfiCall {}

fn ptr(t: &'static ffi_type) -> *mut ffi_type {
    std::ptr::from_ref(t).cast_mut()
}

fn scalar_type(class: &ArgClass) -> Option<*mut ffi_type> {
    // SAFETY: libffi's predefined type objects are statics that live for the whole program;
    // taking their addresses does not read or write them.
    unsafe {
        Some(match class {
            ArgClass::Int {
                bytes: 1,
                signed: true,
            } => ptr(&*std::ptr::addr_of!(types::sint8)),
            ArgClass::Int {
                bytes: 1,
                signed: false,
            } => ptr(&*std::ptr::addr_of!(types::uint8)),
            ArgClass::Int {
                bytes: 2,
                signed: true,
            } => ptr(&*std::ptr::addr_of!(types::sint16)),
            ArgClass::Int {
                bytes: 2,
                signed: false,
            } => ptr(&*std::ptr::addr_of!(types::uint16)),
            ArgClass::Int {
                bytes: 4,
                signed: true,
            } => ptr(&*std::ptr::addr_of!(types::sint32)),
            ArgClass::Int {
                bytes: 4,
                signed: false,
            } => ptr(&*std::ptr::addr_of!(types::uint32)),
            ArgClass::Int { signed: true, .. } => ptr(&*std::ptr::addr_of!(types::sint64)),
            ArgClass::Int { signed: false, .. } => ptr(&*std::ptr::addr_of!(types::uint64)),
            ArgClass::F32 => ptr(&*std::ptr::addr_of!(types::float)),
            ArgClass::F64 => ptr(&*std::ptr::addr_of!(types::double)),
            ArgClass::Ptr => ptr(&*std::ptr::addr_of!(types::pointer)),
            _ => return None,
        })
    }
}

fn long_double_type() -> *mut ffi_type {
    // SAFETY: as in `scalar_type`.
    unsafe { ptr(&*std::ptr::addr_of!(types::longdouble)) }
}

fn void_type() -> *mut ffi_type {
    // SAFETY: as in `scalar_type`.
    unsafe { ptr(&*std::ptr::addr_of!(types::void)) }
}

/// The element type standing for one register part.
fn part_element(p: Part) -> *mut ffi_type {
    let class = match (p.class, p.size) {
        (RegClass::Float, 4) => ArgClass::F32,
        (RegClass::Float, _) => ArgClass::F64,
        (RegClass::Int, 8) => ArgClass::Int {
            bytes: 8,
            signed: false,
        },
        (RegClass::Int, 4..=7) => ArgClass::Int {
            bytes: 4,
            signed: false,
        },
        (RegClass::Int, 2 | 3) => ArgClass::Int {
            bytes: 2,
            signed: false,
        },
        (RegClass::Int, _) => ArgClass::Int {
            bytes: 1,
            signed: false,
        },
    };
    scalar_type(&class).unwrap_or_else(void_type)
}

struct Builder {
    #[allow(
        clippy::vec_box,
        reason = "the boxes give the types stable addresses libffi keeps"
    )]
    structs: Vec<Box<ffi_type>>,
    elements: Vec<Vec<*mut ffi_type>>,
}

impl Builder {
    /// A struct type with the given elements and preset size and alignment.
    fn struct_type(
        &mut self,
        mut elems: Vec<*mut ffi_type>,
        size: u32,
        align: u32,
    ) -> *mut ffi_type {
        elems.push(std::ptr::null_mut());
        let mut t = Box::new(ffi_type {
            size: size as usize,
            alignment: u16::try_from(align).unwrap_or(16),
            type_: low::type_tag::STRUCT,
            elements: elems.as_mut_ptr(),
        });
        let p: *mut ffi_type = &mut *t;
        self.elements.push(elems);
        self.structs.push(t);
        p
    }

    /// `__int128`: libffi has no such type; System V classifies it as a struct of two
    /// integer eightbytes (two registers, or memory) that is 16-byte aligned in memory, which
    /// is what this struct type is, and returns it the same way (`rax:rdx`).
    fn int128(&mut self) -> *mut ffi_type {
        let word = || {
            part_element(Part {
                class: RegClass::Int,
                offset: 0,
                size: 8,
            })
        };
        self.struct_type(vec![word(), word()], 16, 16)
    }

    /// A struct of the register parts `parts`, of `size` bytes.
    /// A struct of `size` bytes described as whole `uint64` words (integer class; never an
    /// HFA), with its size and alignment preset.
    fn words_type(&mut self, size: u32, align: u32) -> *mut ffi_type {
        let elems = (0..size.div_ceil(8))
            .map(|_| {
                part_element(Part {
                    class: RegClass::Int,
                    offset: 0,
                    size: 8,
                })
            })
            .collect();
        self.struct_type(elems, size, align)
    }

    fn regs_type(&mut self, parts: &[Part], size: u32) -> *mut ffi_type {
        let align = parts
            .iter()
            .map(|p| p.size.next_power_of_two().min(8))
            .max()
            .unwrap_or(1);
        let elems = parts.iter().map(|p| part_element(*p)).collect();
        self.struct_type(elems, size, align)
    }

    fn arg(&mut self, class: &ArgClass, conv: Conv) -> Result<*mut ffi_type, String> {
        if conv == Conv::LongDouble {
            return Ok(long_double_type());
        }
        if let Conv::Int128 { .. } = conv {
            if cfg!(not(target_arch = "x86_64")) {
                return Err("'__int128' is passed by libffi on x86-64 only".into());
            }
            return Ok(self.int128());
        }
        if let Some(t) = scalar_type(class) {
            return Ok(t);
        }
        if let ArgClass::StructStack { align, .. } = class
            && *align > 16
        {
            // libffi aligns the argument's address in the buffer it copies the stack
            // arguments from, not its offset in the argument area: a 64-aligned struct lands
            // at the wrong offset (found by tests/calls/structs.rs); its closures read them
            // the same way.
            return Err(format!(
                "a struct aligned to {align} bytes on the stack: libffi places it at the wrong \
                 offset (the JIT's trampolines pass it; callbacks cannot take it)"
            ));
        }
        match class {
            ArgClass::StructRegs { parts, size, align } => {
                // Only the bytes the registers carry: a padding-only last eightbyte (System V's
                // NO_CLASS) is left out, because libffi's closures would take a register for
                // it (its calls do not). The value's other bytes are padding.
                let carried = parts.last().map_or(*size, |p| p.offset + 8).min(*size);
                let t = self.regs_type(parts, carried);
                if cfg!(target_arch = "aarch64") && *align >= 16 {
                    // AAPCS64 starts a 16-aligned composite at an even register.
                    // SAFETY: `t` points to a struct type this builder owns.
                    unsafe { (*t).alignment = 16 };
                }
                Ok(t)
            }
            ArgClass::StructStack { size, align, parts } if !parts.is_empty() => {
                // On the stack only because registers ran out: libffi counts registers too
                // (and the stack slot is the whole struct).
                Ok(self.regs_type(parts, *size)).inspect(|&t| {
                    // SAFETY: `t` points to a struct type this builder owns.
                    unsafe { (*t).alignment = u16::try_from(*align).unwrap_or(8) };
                })
            }
            ArgClass::StructStack { size, align, .. } if *size > 16 => {
                // More than 16 bytes of integers: libffi's classifier says MEMORY too.
                Ok(self.words_type(*size, *align))
            }
            ArgClass::StructStack { size, align, .. } => {
                // MEMORY class at most 16 bytes (an unaligned member): an x87 element makes
                // libffi classify it X87, which arguments pass in memory; the preset size keeps
                // the copy exact.
                Ok(self.struct_type(vec![long_double_type()], *size, *align))
            }
            ArgClass::StructRef { size } => {
                // AAPCS64's large composite: libffi makes the copy and passes its address
                // itself when the type is a struct of more than 16 bytes that is no HFA (whole
                // words; the preset size keeps the copy exact). Aligned to 8, not to the
                // struct's alignment: libffi 3.5 aligns the *pointer's* stack slot to it, which
                // put the address of a 16-aligned copy 8 bytes off (found under qemu).
                Ok(self.words_type(*size, 8))
            }
            ArgClass::Unsupported(why) => Err(why.clone()),
            _ => Err("internal: unexpected argument class".into()),
        }
    }
}

impl FfiCall {
    /// Prepares a call for `plan` (conversions of every argument and the result given).
    pub(crate) fn new(plan: &CallPlan, convs: &[Conv], ret: Conv) -> Result<FfiCall, String> {
        let mut b = Builder {
            structs: Vec::new(),
            elements: Vec::new(),
        };
        let mut arg_types = Vec::with_capacity(plan.args.len() + 1);
        // A struct returned in memory is, at the ABI level, a hidden pointer argument (and the
        // same pointer returned): on x86-64 pass it explicitly, whatever the struct holds. (On
        // AArch64 it travels in x8, which no argument reaches: libffi gets the struct type.)
        let sret = matches!(plan.ret, RetClass::Sret { .. }) && cfg!(target_arch = "x86_64");
        if sret {
            arg_types.push(scalar_type(&ArgClass::Ptr).unwrap_or_else(void_type));
        }
        let pads = if cfg!(target_arch = "aarch64") {
            even_register_pads(plan)
        } else {
            Vec::new()
        };
        for (i, (class, conv)) in plan.args.iter().zip(convs).enumerate() {
            if pads.contains(&i) {
                // SAFETY: a libffi static, only its address taken.
                arg_types.push(unsafe { ptr(&*std::ptr::addr_of!(types::uint64)) });
            }
            arg_types.push(
                b.arg(class, *conv)
                    .map_err(|e| format!("argument {}: {e}", i + 1))?,
            );
        }
        let (rtype, ret_buf) = if ret == Conv::LongDouble {
            (long_double_type(), 16)
        } else if let Conv::Int128 { .. } = ret {
            if cfg!(not(target_arch = "x86_64")) {
                return Err("result: '__int128' is returned by libffi on x86-64 only".into());
            }
            (b.int128(), 16)
        } else {
            match &plan.ret {
                RetClass::Void => (void_type(), 16),
                RetClass::Int { bytes, signed } => (
                    scalar_type(&ArgClass::Int {
                        bytes: *bytes,
                        signed: *signed,
                    })
                    .unwrap_or_else(void_type),
                    16,
                ),
                RetClass::F32 => (scalar_type(&ArgClass::F32).unwrap_or_else(void_type), 16),
                RetClass::F64 => (scalar_type(&ArgClass::F64).unwrap_or_else(void_type), 16),
                RetClass::Ptr => (scalar_type(&ArgClass::Ptr).unwrap_or_else(void_type), 16),
                RetClass::StructRegs { parts, size } => {
                    let t = b.arg(
                        &ArgClass::StructRegs {
                            parts: parts.clone(),
                            size: *size,
                            align: 8,
                        },
                        ret,
                    )?;
                    (t, 16.max(*size as usize))
                }
                RetClass::Sret { size } if !sret => {
                    (b.words_type(*size, 16), 16.max(*size as usize))
                }
                RetClass::Sret { size } => (
                    scalar_type(&ArgClass::Ptr).unwrap_or_else(void_type),
                    16.max(*size as usize),
                ),
                // libffi 3.4's x86-64 classifier has no register form for an X87 struct
                // result: described as a struct of one long double, it came back as garbage.
                RetClass::X87 { .. } => {
                    return Err(
                        "result: a struct holding a long double is returned in st(0), \
                         which libffi does not read (the JIT's trampolines do)"
                            .into(),
                    );
                }
                RetClass::Unsupported(why) => return Err(format!("result: {why}")),
            }
        };
        let mut cif: Box<ffi_cif> = Box::default();
        // SAFETY: every type pointer is either a libffi static or owned by `b`, which the
        // returned `FfiCall` keeps; `arg_types` has `plan.args.len()` entries.
        let res = unsafe {
            if plan.variadic {
                let n_fixed = plan.n_fixed
                    + usize::from(sret)
                    + pads.iter().filter(|&&i| i < plan.n_fixed).count();
                low::prep_cif_var(
                    &mut *cif,
                    low::ffi_abi_FFI_DEFAULT_ABI,
                    n_fixed,
                    arg_types.len(),
                    rtype,
                    arg_types.as_mut_ptr(),
                )
            } else {
                low::prep_cif(
                    &mut *cif,
                    low::ffi_abi_FFI_DEFAULT_ABI,
                    arg_types.len(),
                    rtype,
                    arg_types.as_mut_ptr(),
                )
            }
        };
        res.map_err(|e| format!("libffi rejected the signature: {e:?}"))?;
        Ok(FfiCall {
            cif,
            _structs: b.structs,
            _elements: b.elements,
            arg_types,
            ret_buf,
            sret,
            pads,
        })
    }

    /// Whether the cif has dummy arguments the plan does not (AArch64's even-register pads):
    /// a closure of it would misread its arguments.
    pub(crate) fn has_pads(&self) -> bool {
        !self.pads.is_empty()
    }

    /// Calls `target` with canonical arguments (as `value::c_from_value` makes them) and writes
    /// the raw result into `ret` (at least [`FfiCall::ret_len`] bytes).
    ///
    /// # Safety
    ///
    /// - `target` is a function of the signature this call was prepared for;
    /// - `args` are canonical values for that signature (one per argument), so every pointer
    ///   libffi reads points to a value of the right size;
    /// - `ret` is writable for `ret_len()` bytes.
    pub(crate) unsafe fn call(
        &self,
        target: *const c_void,
        args: &[Value<'_>],
        ret: *mut u8,
        errno: bool,
    ) {
        debug_assert_eq!(
            args.len() + usize::from(self.sret) + self.pads.len(),
            self.arg_types.len()
        );
        // Argument pointers: on the stack for up to 16 arguments.
        let n = args.len() + usize::from(self.sret) + self.pads.len();
        let mut ptrs_stack = [std::ptr::null_mut::<c_void>(); 16];
        let mut ptrs_heap = Vec::new();
        let ptrs: &mut [*mut c_void] = if n <= ptrs_stack.len() {
            &mut ptrs_stack[..n]
        } else {
            ptrs_heap.resize(n, std::ptr::null_mut());
            &mut ptrs_heap
        };
        let mut sret_ptr: *mut u8 = ret;
        let mut sret_out: *mut u8 = std::ptr::null_mut();
        let mut slots = ptrs.iter_mut();
        if self.sret
            && let Some(slot) = slots.next()
        {
            *slot = (&raw mut sret_ptr).cast();
        }
        for (i, a) in args.iter().enumerate() {
            if self.pads.contains(&i)
                && let Some(slot) = slots.next()
            {
                *slot = std::ptr::from_ref(&ZERO).cast_mut().cast();
            }
            let Some(slot) = slots.next() else { break };
            *slot = match a {
                Value::Struct(s) => s.bytes().as_ptr() as *mut c_void,
                // Scalars, pointers, strings, `F80` and `Bits128`: the payload, 8 bytes into
                // the `Value` (an `F80`'s is the x87 value in memory, a `Bits128`'s the
                // `__int128`).
                _ => {
                    // SAFETY: `Value` is `repr(C, u64)` with its payload at offset 8 (see
                    // `value::PAYLOAD`); the pointer stays inside `*a`.
                    unsafe {
                        std::ptr::from_ref(a)
                            .cast::<u8>()
                            .add(crate::value::PAYLOAD as usize)
                            as *mut c_void
                    }
                }
            };
        }
        // A `long double` result lands in `ret` as C stores it (`value_from_c` reads its 10
        // bytes).
        let rptr: *mut u8 = if self.sret {
            // The function returns the hidden pointer; the struct itself lands in `ret`.
            (&raw mut sret_out).cast()
        } else {
            ret
        };
        if errno {
            restore_errno();
        }
        // SAFETY: the caller guarantees `target`'s signature and the arguments; `ptrs` holds
        // one pointer per argument to storage that outlives the call; `rptr` is writable for
        // `ret_len()` bytes (the caller's buffer, or `sret_out`).
        unsafe {
            let f: unsafe extern "C" fn() =
                std::mem::transmute::<*const c_void, unsafe extern "C" fn()>(target);
            raw::ffi_call(
                std::ptr::from_ref(&*self.cif).cast_mut(),
                Some(f),
                rptr.cast(),
                ptrs.as_mut_ptr(),
            );
        }
        if errno {
            save_errno();
        }
    }

    /// The prepared cif (for closures: libffi keeps the pointer).
    pub(crate) fn cif(&self) -> *mut ffi_cif {
        std::ptr::from_ref(&*self.cif).cast_mut()
    }

    /// Bytes libffi may write for the result.
    pub(crate) fn ret_len(&self) -> usize {
        self.ret_buf
    }
}

/// The arguments before which AAPCS64 skips an odd `x` register (a 16-aligned struct in
/// registers, C.12), as jitffi's own AArch64 lowering places them.
fn even_register_pads(plan: &CallPlan) -> Vec<usize> {
    use crate::jit::lower::{Arch, Fill, Form, lower_args};
    let Ok(lowered) = lower_args(plan, Arch::Aarch64) else {
        return Vec::new();
    };
    lowered
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            matches!(plan.args[*i], ArgClass::StructRegs { .. })
                && matches!(l.form, Form::Parts(_))
                && l.fill.contains(&Fill::Int)
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;
    use crate::layout::Target;

    /// Where the AArch64 cif gets its dummy arguments: before a 16-aligned struct in
    /// registers that AAPCS64 moves to an even register, nowhere else (libffi handles the
    /// stack, and HFAs use vector registers).
    #[test]
    fn aarch64_even_register_pads() {
        let pads = |decls: &str| {
            let ffi = Ffi::with_target(Target::aarch64_linux());
            ffi.cdef(decls).expect("cdef");
            let t = ffi.types();
            let f = t.function("f").expect("f").ty;
            even_register_pads(&crate::plan::plan_call(&t, ffi.target(), f, &[]).expect("plan"))
        };
        let a16 = "struct a { _Alignas(16) long x; long y; };";
        assert_eq!(pads(&format!("{a16} void f(int, struct a);")), [1]);
        assert!(pads(&format!("{a16} void f(int, int, struct a);")).is_empty());
        assert_eq!(
            pads(&format!(
                "{a16} void f(int, struct a, int, struct a, double);"
            )),
            [1, 3]
        );
        // Past the registers it goes to the stack: libffi aligns it there itself.
        assert!(
            pads(&format!(
                "{a16} void f(long, long, long, long, long, long, long, struct a);"
            ))
            .is_empty()
        );
        // An 8-aligned pair and an HFA take no pad.
        assert!(pads("struct b { long x, y; }; void f(int, struct b);").is_empty());
        assert!(pads("struct h { double x, y; }; void f(int, struct h);").is_empty());
    }
}
