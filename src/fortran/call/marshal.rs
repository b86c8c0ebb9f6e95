//! Marshalling: each argument's storage during a call ([`Slot`], [`Place`]), scalars and given
//! arguments into it, scalar outputs out of it, and the raw call through the routine's C
//! prototype (`VALUE` dummies, hidden lengths, the function result).

use std::ffi::c_void;
use std::marker::PhantomData;

use super::values::{Arg, Elem, Out, OutKind};
use super::{ByName, CallEnv, arg_err};
use crate::fortran::FortranError;
use crate::fortran::abi::{Abi, ParamRole as CRole, Prototype};
use crate::fortran::expr::Val;
use crate::fortran::model::{FType, Intent, Routine};
use crate::fortran::sig::{Sig, SigArg};
use crate::{Function, Value};

/// Storage of one argument during a call, 16-byte aligned; scalars (up to 16 bytes) inline.
/// Pointers into it are taken for one raw call at a time, while it stays in place.
pub(super) struct Slot {
    pub(super) buf: smallvec::SmallVec<[u128; 1]>,
    pub(super) bytes: usize,
}

impl Slot {
    pub(super) fn zeroed(bytes: usize) -> Slot {
        Slot {
            buf: smallvec::smallvec![0u128; bytes.div_ceil(16).max(1)],
            bytes,
        }
    }

    /// [`Slot::zeroed`] for a size a caller chose (an output sized by `LDZ`, a workspace
    /// the query asked for): what the allocator refuses is an error, not an abort.
    pub(super) fn try_zeroed(bytes: usize) -> Result<Slot, String> {
        let v = zeroed_words(bytes.div_ceil(16).max(1))
            .ok_or_else(|| format!("needs {bytes} bytes, which cannot be allocated"))?;
        Ok(Slot {
            buf: smallvec::SmallVec::from_vec(v),
            bytes,
        })
    }

    pub(super) fn ptr(&mut self) -> *mut u8 {
        self.buf.as_mut_ptr().cast()
    }

    pub(super) fn bytes(&self) -> &[u8] {
        // SAFETY: `buf` holds at least `bytes` bytes.
        unsafe { std::slice::from_raw_parts(self.buf.as_ptr().cast::<u8>(), self.bytes) }
    }

    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as above.
        unsafe { std::slice::from_raw_parts_mut(self.buf.as_mut_ptr().cast::<u8>(), self.bytes) }
    }
}

/// Where an argument's data is during a call.
/// `words` zeroed 16-byte words, or `None` where the allocator refuses them (zeroed by the
/// allocator, as `vec![0; n]` is: the pages of a large buffer are not touched here).
pub(super) fn zeroed_words(words: usize) -> Option<Vec<u128>> {
    let layout = std::alloc::Layout::array::<u128>(words).ok()?;
    if layout.size() == 0 {
        return Some(Vec::new());
    }
    // SAFETY: a layout of non-zero size.
    let p = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<u128>();
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is `words` zeroed `u128`s allocated by the global allocator with the
    // layout `Vec<u128>` of capacity `words` has.
    Some(unsafe { Vec::from_raw_parts(p, words, words) })
}

pub(super) enum Place<'a> {
    /// Owned by the call (scalars, copies, outputs).
    Owned(Slot),
    /// The caller's array, updated in place.
    Borrowed(*mut u8, PhantomData<&'a mut [u8]>),
    /// A callback's code.
    Code(Value<'static>),
}

/// A scalar output from the bytes the routine stored (`ty`: its type, for `LOGICAL`).
pub(super) fn scalar_out(elem: Elem, b: &[u8], ty: Option<&FType>) -> Out {
    match OutKind::of(elem, ty) {
        Ok(k) => {
            let mut w = [0u8; 16];
            let n = b.len().min(16);
            w[..n].copy_from_slice(&b[..n]);
            let word = |i: usize| u64::from_le_bytes(w[i..i + 8].try_into().unwrap_or_default());
            k.read(word(0), word(8))
        }
        // CHARACTER.
        Err(_) => Out::Str(String::from_utf8_lossy(b).into_owned()),
    }
}

/// A scalar argument's storage from a value.
/// An argument's type and its element type; `untyped` says why a dummy without one is refused.
fn typed<'s>(
    routine: &str,
    a: &'s SigArg,
    abi: &Abi,
    untyped: &str,
) -> Result<(&'s FType, Elem), FortranError> {
    let t =
        a.ty.as_ref()
            .ok_or_else(|| arg_err(routine, &a.name, untyped))?;
    let elem = Elem::of(t, abi).ok_or_else(|| {
        arg_err(
            routine,
            &a.name,
            format!("{} is not supported", t.fortran()),
        )
    })?;
    Ok((t, elem))
}

pub(super) fn scalar_slot(
    routine: &str,
    a: &SigArg,
    v: &Val,
    abi: &Abi,
) -> Result<Slot, FortranError> {
    let (_, elem) = typed(routine, a, abi, "is a procedure, not a value")?;
    let mut s = Slot::zeroed(elem.size().max(1));
    let b = s.bytes_mut();
    let int = || {
        v.as_int()
            .ok_or_else(|| arg_err(routine, &a.name, format!("{v} is not an integer")))
    };
    let real = || match v {
        Val::Int(i) => Ok(*i as f64),
        Val::Float(f) => Ok(*f),
        Val::Str(_) => Err(arg_err(routine, &a.name, format!("{v} is not a number"))),
    };
    match elem {
        Elem::I32 => {
            let i = int()?;
            let x = i32::try_from(i).map_err(|_| {
                arg_err(
                    routine,
                    &a.name,
                    format!("{i} does not fit a 4-byte INTEGER"),
                )
            })?;
            b.copy_from_slice(&x.to_le_bytes());
        }
        Elem::I64 => b.copy_from_slice(&int()?.to_le_bytes()),
        Elem::F32 => b.copy_from_slice(&single(routine, a, real()?)?.to_le_bytes()),
        Elem::F64 => b.copy_from_slice(&real()?.to_le_bytes()),
        Elem::C32 => b[..4].copy_from_slice(&single(routine, a, real()?)?.to_le_bytes()),
        Elem::C64 => b[..8].copy_from_slice(&real()?.to_le_bytes()),
        Elem::U8 => match v {
            Val::Str(s) if !s.is_empty() => b[0] = s.as_bytes()[0],
            _ => return Err(arg_err(routine, &a.name, format!("{v} is not a character"))),
        },
    }
    Ok(s)
}

/// `x` as a single-precision REAL: a finite value too large for one is an error (it would
/// become infinity, on which CSRSCL and SROTMG loop forever), as an integer too large for a
/// 4-byte INTEGER is.
fn single(routine: &str, a: &SigArg, x: f64) -> Result<f32, FortranError> {
    let y = x as f32;
    if y.is_infinite() && x.is_finite() {
        return Err(arg_err(
            routine,
            &a.name,
            format!("{x:e} does not fit a single-precision REAL"),
        ));
    }
    Ok(y)
}

/// A given argument's storage, its value or shape recorded in `env`.
pub(super) fn given_place<'a>(
    routine: &str,
    a: &SigArg,
    arg: &Arg<'a>,
    abi: &Abi,
    env: &mut CallEnv<'_>,
    lens: &mut ByName<'_, usize>,
) -> Result<Place<'a>, FortranError> {
    if a.callback.is_some() {
        return match arg {
            Arg::Callback(cb) => Ok(Place::Code(cb.value())),
            _ => Err(arg_err(
                routine,
                &a.name,
                "is a procedure: pass Arg::Callback",
            )),
        };
    }
    let (t, elem) = typed(routine, a, abi, "has no type")?;
    if !a.dims.is_empty() {
        let Arg::Array(arr) = arg else {
            return Err(arg_err(
                routine,
                &a.name,
                format!("is an array of {}, got {}", elem.fortran(), describe(arg)),
            ));
        };
        if arr.elem != elem {
            return Err(arg_err(
                routine,
                &a.name,
                format!(
                    "is an array of {}, got one of {}",
                    elem.fortran(),
                    arr.elem.fortran()
                ),
            ));
        }
        env.shapes.insert(&a.name, arr.shape().to_vec());
        // (The elements its shape spans: what the extents are checked against, and what a
        // copy returns.)
        let bytes = arr.shape().iter().product::<usize>() * elem.size();
        if arr.writable {
            return Ok(Place::Borrowed(arr.ptr, PhantomData));
        }
        // An array the sources say the routine only reads is passed as it is (its prototype
        // parameter is `const`); `Library::open`'s caller vouched for the sources.
        if a.intent == Intent::In && a.intent_stated {
            return Ok(Place::Borrowed(arr.ptr, PhantomData));
        }
        // A copy: a read-only input the routine may write (f2py's default copy).
        let mut s = Slot::zeroed(bytes);
        // SAFETY: `arr.ptr` points to `arr.len` elements borrowed for 'a, at least the
        // `bytes` its shape spans.
        let src = unsafe { std::slice::from_raw_parts(arr.ptr, bytes) };
        s.bytes_mut().copy_from_slice(src);
        return Ok(Place::Owned(s));
    }
    let v = match (arg, t) {
        (Arg::Int(i), _) => Val::Int(*i),
        (Arg::Real(x), _) => Val::Float(*x),
        (Arg::Logical(l), FType::Logical { .. }) => Val::Int(i64::from(*l)),
        (Arg::Str(s), FType::Character { .. }) => {
            lens.insert(&a.name, s.len());
            env.scalars.insert(&a.name, Val::Str(s.to_string()));
            let mut slot = Slot::zeroed(s.len().max(1));
            slot.bytes_mut()[..s.len()].copy_from_slice(s.as_bytes());
            return Ok(Place::Owned(slot));
        }
        (Arg::Complex(re, im), FType::Complex { .. }) => {
            let mut slot = Slot::zeroed(elem.size());
            let b = slot.bytes_mut();
            if elem == Elem::C32 {
                b[..4].copy_from_slice(&single(routine, a, *re)?.to_le_bytes());
                b[4..8].copy_from_slice(&single(routine, a, *im)?.to_le_bytes());
            } else {
                b[..8].copy_from_slice(&re.to_le_bytes());
                b[8..16].copy_from_slice(&im.to_le_bytes());
            }
            return Ok(Place::Owned(slot));
        }
        _ => {
            return Err(arg_err(
                routine,
                &a.name,
                format!("is {} scalar, got {}", article(&t.fortran()), describe(arg)),
            ));
        }
    };
    let slot = scalar_slot(routine, a, &v, abi)?;
    env.scalars.insert(&a.name, v);
    Ok(Place::Owned(slot))
}

/// Calls the routine with the arguments in `places`; the function result.
#[allow(clippy::too_many_arguments)]
pub(super) fn raw_call(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    proto: &Prototype,
    f: &Function,
    places: &mut ByName<'_, Place<'_>>,
    lens: &ByName<'_, usize>,
    routine: &str,
) -> Result<Option<Out>, FortranError> {
    let mut result = r.result.as_ref().map(|t| {
        let bytes = match t {
            FType::Character {
                len: crate::fortran::model::CharLen::Fixed(n),
            } => *n as usize,
            FType::Character { .. } => 256,
            t => Elem::of(t, abi).map_or(16, Elem::size),
        };
        Slot::zeroed(bytes.max(16))
    });
    let mut values = Vec::with_capacity(proto.params.len());
    for p in &proto.params {
        let v = match &p.role {
            CRole::Dummy(i) => {
                let a = &sig.args[*i];
                let d = &r.dummies[*i];
                match places.get_mut(&a.name) {
                    Some(Place::Owned(s)) if d.value => by_value(s, a, abi),
                    Some(Place::Owned(s)) => Value::ptr(s.ptr().cast::<c_void>()),
                    Some(Place::Borrowed(p, _)) => Value::ptr(p.cast::<c_void>()),
                    Some(Place::Code(v)) => v.clone(),
                    None => {
                        return Err(arg_err(routine, &a.name, format!("is required ({sig})")));
                    }
                }
            }
            CRole::Length(i) => {
                let a = &sig.args[*i];
                Value::U64(lens.get(&a.name).copied().unwrap_or(1) as u64)
            }
            CRole::Result => Value::ptr(
                result
                    .as_mut()
                    .map_or(std::ptr::null_mut(), Slot::ptr)
                    .cast::<c_void>(),
            ),
            CRole::ResultLength => Value::U64(result.as_ref().map_or(0, |s| s.bytes) as u64),
        };
        values.push(v);
    }
    // SAFETY: `Library::open`'s caller vouched that the sources are the library's; every
    // array holds at least the elements its extents span (checked above), every scalar and
    // output has storage of its type, hidden lengths are the buffers' lengths.
    let v = unsafe { f.call(&values) }.map_err(|e| arg_err(routine, "", e.to_string()))?;
    let Some(t) = &r.result else {
        return Ok(None);
    };
    let hidden = proto.params.iter().any(|p| p.role == CRole::Result);
    if hidden {
        let s = result.as_ref().map(Slot::bytes).unwrap_or_default();
        return Ok(Some(match t {
            FType::Character { .. } => Out::Str(String::from_utf8_lossy(s).into_owned()),
            _ => scalar_out(Elem::of(t, abi).unwrap_or(Elem::F64), s, Some(t)),
        }));
    }
    Ok(Some(match v {
        Value::I32(i) => Out::Int(if matches!(t, FType::Logical { .. }) {
            i64::from(i != 0)
        } else {
            i64::from(i)
        }),
        Value::I64(i) => Out::Int(if matches!(t, FType::Logical { .. }) {
            i64::from(i != 0)
        } else {
            i
        }),
        Value::F32(x) => Out::Real(f64::from(x)),
        Value::F64(x) => Out::Real(x),
        Value::Struct(s) => {
            let b = s.bytes();
            if b.len() == 8 {
                Out::Complex(
                    f64::from(f32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
                    f64::from(f32::from_le_bytes(b[4..8].try_into().unwrap_or_default())),
                )
            } else {
                Out::Complex(
                    f64::from_le_bytes(b[..8].try_into().unwrap_or_default()),
                    f64::from_le_bytes(b[8..16].try_into().unwrap_or_default()),
                )
            }
        }
        other => {
            return Err(arg_err(
                routine,
                "",
                format!("returned {other:?}, not a {}", t.fortran()),
            ));
        }
    }))
}

/// A `VALUE` dummy's value.
fn by_value(s: &Slot, a: &SigArg, abi: &Abi) -> Value<'static> {
    let b = s.bytes();
    match a.ty.as_ref().and_then(|t| Elem::of(t, abi)) {
        Some(Elem::I32) => Value::I32(i32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
        Some(Elem::I64) => Value::I64(i64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Some(Elem::F32) => Value::F32(f32::from_le_bytes(b[..4].try_into().unwrap_or_default())),
        Some(Elem::F64) => Value::F64(f64::from_le_bytes(b[..8].try_into().unwrap_or_default())),
        Some(Elem::U8) => Value::I8(b[0] as i8),
        _ => Value::Void,
    }
}

/// `name` after "a" or "an".
fn article(name: &str) -> String {
    let an = name
        .chars()
        .next()
        .is_some_and(|c| "AEIOUaeiou".contains(c));
    format!("{} {name}", if an { "an" } else { "a" })
}

/// What a caller gave, for messages.
fn describe(arg: &Arg<'_>) -> String {
    match arg {
        Arg::Int(i) => format!("the integer {i}"),
        Arg::Real(x) => format!("the real {x}"),
        Arg::Complex(re, im) => format!("the complex ({re}, {im})"),
        Arg::Logical(l) => format!("the logical {l}"),
        Arg::Str(s) => format!("the string '{s}'"),
        Arg::Array(a) => format!("an array of {}", a.elem.fortran()),
        Arg::Callback(_) => "a callback".into(),
        Arg::Default => "nothing".into(),
    }
}
