//! Calling a routine the f2py way: the caller gives the [`Sig`]'s visible arguments as
//! Rust values and slices; dimensions are computed from array shapes, every array is checked
//! to be long enough for the extents the routine will use, `intent(out)` arrays are allocated,
//! workspace sizes are queried (`LWORK = -1`), `INFO` becomes an error, and the outputs come
//! back as [`Out`] values.
//!
//! This module holds the call engine ([`call`]: arguments, checks, allocation, workspace
//! query, outputs), the expression environment of a call, and `INFO`'s meaning; [`values`]
//! has the public argument and result types, [`marshal`] the storage of arguments and the
//! raw call through the routine's C prototype.

mod compiled;
mod marshal;
mod values;

pub(crate) use compiled::{Compiled, Fast, compile};

use super::FortranError;
use super::abi::{Abi, Prototype};
use super::expr::{Env, Expr, Val};
use super::model::Intent;
use super::model::Routine;
use super::sig::{After, ArgRole as Role, Check, Sig, SigArg, shifted};
use crate::Function;
use marshal::{Place, Slot, given_place, raw_call, scalar_out, scalar_slot};

pub use values::{Arg, ArrayArg, Complex32, Complex64, Elem, Element, Out, OutArray, Outs};

/// Per-argument values of one call, found by the argument's name: a vector indexed like the
/// signature's arguments (names are compared in place; nothing is hashed or copied).
pub(super) struct ByName<'s, T> {
    sig: &'s Sig,
    v: Vec<Option<T>>,
}

impl<'s, T> ByName<'s, T> {
    fn new(sig: &'s Sig) -> ByName<'s, T> {
        ByName {
            sig,
            v: (0..sig.args.len()).map(|_| None).collect(),
        }
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.sig.args.iter().position(|a| a.name == name)
    }

    pub(super) fn get(&self, name: &str) -> Option<&T> {
        self.v[self.index(name)?].as_ref()
    }

    pub(super) fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let i = self.index(name)?;
        self.v[i].as_mut()
    }

    pub(super) fn insert(&mut self, name: &str, value: T) {
        if let Some(i) = self.index(name) {
            self.v[i] = Some(value);
        }
    }

    fn remove(&mut self, name: &str) -> Option<T> {
        let i = self.index(name)?;
        self.v[i].take()
    }

    fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// What the expression environment knows during a call.
pub(super) struct CallEnv<'s> {
    pub(super) scalars: ByName<'s, Val>,
    pub(super) shapes: ByName<'s, Vec<usize>>,
}

impl Env for CallEnv<'_> {
    fn value(&self, n: &str) -> Option<Val> {
        self.scalars.get(n).cloned()
    }
    fn shape(&self, n: &str, d: usize) -> Option<i64> {
        // Past an array's rank its extents are 1: a vector is an n × 1 matrix.
        let s = self.shapes.get(n)?;
        Some(s.get(d).map_or(1, |&x| x as i64))
    }
    fn size(&self, n: &str) -> Option<i64> {
        Some(self.shapes.get(n)?.iter().product::<usize>() as i64)
    }
    fn rank(&self, n: &str) -> Option<i64> {
        Some(self.shapes.get(n)?.len() as i64)
    }
}

/// Visits the optional and hidden arguments `pending` in dependency order (the interpreter and
/// the compiled calls alike): `step` computes one from its initialiser (`Ok(true)`) or says its
/// inputs are not known yet (`Ok(false)`); passes repeat while they make progress. Returns the
/// first argument no pass could compute, with its initialiser.
pub(super) fn in_dependency_order<'s, E>(
    mut pending: Vec<&'s SigArg>,
    mut step: impl FnMut(&'s SigArg, &'s Expr) -> Result<bool, E>,
) -> Result<Option<(&'s SigArg, &'s Expr)>, E> {
    while !pending.is_empty() {
        let before = pending.len();
        let mut rest = Vec::new();
        for a in pending {
            let (Role::Optional(init) | Role::Hidden(init)) = &a.role else {
                continue;
            };
            if !step(a, init)? {
                rest.push(a);
            }
        }
        if rest.len() == before {
            let a = rest[0];
            let (Role::Optional(init) | Role::Hidden(init)) = &a.role else {
                unreachable!("only optional and hidden arguments are pending")
            };
            return Ok(Some((a, init)));
        }
        pending = rest;
    }
    Ok(None)
}

fn arg_err(routine: &str, argument: &str, message: impl Into<String>) -> FortranError {
    FortranError::Argument {
        routine: routine.to_string(),
        argument: argument.to_ascii_lowercase(),
        message: message.into(),
    }
}

/// The extents of an array argument, evaluated.
fn extents(a: &SigArg, env: &CallEnv<'_>, routine: &str) -> Result<Vec<i64>, FortranError> {
    a.dims
        .iter()
        .map(|d| {
            let v = d
                .eval(env)
                .map_err(|e| arg_err(routine, &a.name, format!("its extent: {}", e.message)))?;
            v.as_int()
                .ok_or_else(|| arg_err(routine, &a.name, format!("its extent is {v}")))
        })
        .collect()
}

/// Elements a column-major array with these extents spans (the last extent counts fully).
fn span(ext: &[i64]) -> Option<usize> {
    ext.iter().try_fold(1usize, |acc, &e| {
        if e < 0 {
            None
        } else {
            acc.checked_mul(e as usize)
        }
    })
}

/// An array argument's extents, evaluated, and the elements they span.
fn spanned(
    a: &SigArg,
    env: &CallEnv<'_>,
    routine: &str,
) -> Result<(Vec<i64>, usize), FortranError> {
    if a.dims.contains(&Expr::Int(-1)) {
        return Err(arg_err(
            routine,
            &a.name,
            format!(
                "has extents ({}) that are neither declared nor documented: the call cannot \
                 check its length",
                a.dims.iter().map(show).collect::<Vec<_>>().join(",")
            ),
        ));
    }
    let ext = extents(a, env, routine)?;
    let n = span(&ext).ok_or_else(|| {
        arg_err(
            routine,
            &a.name,
            format!("its extents {ext:?} are negative"),
        )
    })?;
    Ok((ext, n))
}

/// Runs one f2py-style call. `f` is the routine's function of `abi`'s prototype; with
/// `zero_based`, LU pivot indices are 0-based in the arguments and outputs, as the indices a
/// `.pyf` says are always ([`shifted`]).
pub(crate) fn call(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    proto: &Prototype,
    f: &Function,
    args: &[Arg<'_>],
    zero_based: bool,
) -> Result<Outs, FortranError> {
    let routine = r.name.to_ascii_lowercase();
    let routine = routine.as_str();
    let given: Vec<&SigArg> = sig.given().collect();
    if args.len() > given.len() {
        return Err(arg_err(
            routine,
            "",
            format!(
                "takes at most {} arguments ({}), got {}",
                given.len(),
                sig,
                args.len()
            ),
        ));
    }
    let mut env = CallEnv {
        scalars: ByName::new(sig),
        shapes: ByName::new(sig),
    };
    let mut places: ByName<'_, Place<'_>> = ByName::new(sig);
    let mut lens: ByName<'_, usize> = ByName::new(sig);
    // The caller's arguments.
    for (i, a) in given.iter().enumerate() {
        let arg = args.get(i).unwrap_or(&Arg::Default);
        if matches!(arg, Arg::Default) {
            if a.role == Role::Given {
                return Err(arg_err(routine, &a.name, format!("is required ({sig})")));
            }
            continue;
        }
        let place = given_place(routine, a, arg, abi, &mut env, &mut lens)?;
        places.insert(&a.name, place);
    }
    // Optional and hidden scalars, in dependency order.
    let pending: Vec<&SigArg> = sig
        .args
        .iter()
        .filter(|a| {
            matches!(a.role, Role::Optional(_) | Role::Hidden(_)) && !places.contains_key(&a.name)
        })
        .collect();
    let stuck = in_dependency_order(pending, |a, init| match init.eval(&env) {
        Ok(v) => {
            let slot = scalar_slot(routine, a, &v, abi)?;
            env.scalars.insert(&a.name, v);
            places.insert(&a.name, Place::Owned(slot));
            Ok(true)
        }
        Err(_) => Ok(false),
    })?;
    if let Some((a, init)) = stuck {
        let e = init.eval(&env).err().map(|e| e.message).unwrap_or_default();
        return Err(arg_err(
            routine,
            &a.name,
            format!("cannot be computed: {e}"),
        ));
    }
    // What the documentation says must hold (what would otherwise reach XERBLA, which ends
    // the process in Reference LAPACK).
    for a in &sig.args {
        // A `.pyf`'s conditions, on any argument given or computed before the call.
        for c in &a.checks {
            let Check::Expr(e) = c else { continue };
            if let Ok(v) = e.eval(&env)
                && !v.truthy()
            {
                return Err(arg_err(
                    routine,
                    &a.name,
                    format!("fails check({})", show(e)),
                ));
            }
        }
        if !matches!(a.role, Role::Given | Role::Optional(_) | Role::Hidden(_)) {
            continue;
        }
        let Some(v) = env.scalars.get(&a.name).cloned() else {
            continue;
        };
        for c in &a.checks {
            match c {
                Check::AtLeast(e) | Check::AtMost(e) => {
                    // A bound naming something unknown here is not checked.
                    let Ok(b) = e.eval(&env) else { continue };
                    let at_most = matches!(c, Check::AtMost(_));
                    if let (Some(x), Some(y)) = (v.as_int(), b.as_int())
                        && (if at_most { x > y } else { x < y })
                    {
                        let op = if at_most { "<=" } else { ">=" };
                        return Err(arg_err(
                            routine,
                            &a.name,
                            format!("is {x}; it must be {op} {} = {y}", show(e)),
                        ));
                    }
                }
                Check::Expr(_) | Check::Pivots { .. } => {}
                Check::NonZero => {
                    if v.as_int() == Some(0) {
                        return Err(arg_err(routine, &a.name, "is 0; it must not be zero"));
                    }
                }
                Check::OneOf(letters) => {
                    let Val::Str(s) = &v else { continue };
                    let c = s.chars().next().map(|c| c.to_ascii_uppercase());
                    if !c.is_some_and(|c| letters.contains(&c)) {
                        let list: Vec<String> = letters.iter().map(|l| format!("'{l}'")).collect();
                        return Err(arg_err(
                            routine,
                            &a.name,
                            format!("is '{s}'; it must be one of {}", list.join(", ")),
                        ));
                    }
                }
            }
        }
    }
    // Check given arrays against the extents the routine uses; allocate outputs.
    let ty_elem = |a: &SigArg| a.ty.as_ref().and_then(|t| Elem::of(t, abi));
    for a in &sig.args {
        match &a.role {
            Role::Given | Role::Optional(_) if !a.dims.is_empty() => {
                if !places.contains_key(&a.name) {
                    continue;
                }
                // A `.pyf`'s `dimension(*)`, or an extent that comes to -1 (f2py's "any":
                // fblas's `ly` for a `y` the caller gives): as f2py does, the file's
                // `check(…)`s bound what the routine uses (`Library::open`'s caller vouched
                // for the file).
                if r.pyf.is_some() && a.dims.contains(&Expr::Int(-1)) {
                    continue;
                }
                let (ext, need) = match spanned(a, &env, routine) {
                    // (Evaluated again only when negative.)
                    Err(_)
                        if r.pyf.is_some()
                            && extents(a, &env, routine).is_ok_and(|e| e.contains(&-1)) =>
                    {
                        continue;
                    }
                    s => s?,
                };
                let have = env.shapes.get(&a.name).map_or(0, |s| s.iter().product());
                if have < need {
                    let dims: Vec<String> = a
                        .dims
                        .iter()
                        .zip(&ext)
                        .map(|(d, e)| format!("{} = {e}", show(d)))
                        .collect();
                    return Err(arg_err(
                        routine,
                        &a.name,
                        format!(
                            "has {have} elements; the routine uses {need} ({})",
                            dims.join(", ")
                        ),
                    ));
                }
            }
            Role::Out => {
                let elem = ty_elem(a)
                    .ok_or_else(|| arg_err(routine, &a.name, "has a type with no element here"))?;
                let (ext, n) = spanned(a, &env, routine)?;
                let bytes = n
                    .checked_mul(elem.size())
                    .ok_or_else(|| arg_err(routine, &a.name, "is too large to allocate"))?;
                env.shapes
                    .insert(&a.name, ext.iter().map(|&e| e as usize).collect());
                let slot = Slot::try_zeroed(bytes).map_err(|e| arg_err(routine, &a.name, e))?;
                places.insert(&a.name, Place::Owned(slot));
            }
            Role::Info => {
                let elem = ty_elem(a).unwrap_or(Elem::I32);
                places.insert(&a.name, Place::Owned(Slot::zeroed(elem.size())));
            }
            _ => {}
        }
    }
    // Pivot arrays as the routine will read them, before it runs at all (the workspace
    // query included): 0-based ones are shifted just before the call.
    check_pivots(r, sig, &env, &places, abi, zero_based, routine)?;
    // Workspace: query the optimal sizes, then allocate.
    // (A workspace's size argument; none when the query reports a size no argument gives.)
    let work: Vec<(&SigArg, Option<&SigArg>)> = sig
        .args
        .iter()
        .filter_map(|a| match &a.role {
            Role::Workspace(size) => Some((a, sig.args.iter().find(|s| &s.name == size))),
            _ => None,
        })
        .collect();
    if !work.is_empty() {
        for (w, s) in &work {
            let elem = ty_elem(w).unwrap_or(Elem::F64);
            places.insert(&w.name, Place::Owned(Slot::zeroed(elem.size())));
            if let Some(s) = s {
                let slot = scalar_slot(routine, s, &Val::Int(-1), abi)?;
                places.insert(&s.name, Place::Owned(slot));
            }
        }
        raw_call(r, sig, abi, proto, f, &mut places, &lens, routine)?;
        check_info(r, sig, abi, &places, routine)?;
        for (w, s) in &work {
            let elem = ty_elem(w).unwrap_or(Elem::F64);
            let Some(Place::Owned(q)) = places.get(&w.name) else {
                continue;
            };
            let mut first = [0u8; 8];
            let k = q.bytes().len().min(8);
            first[..k].copy_from_slice(&q.bytes()[..k]);
            let n = workspace_len(elem, u64::from_le_bytes(first));
            let bytes = n.checked_mul(elem.size()).ok_or_else(|| {
                arg_err(routine, &w.name, "the workspace query asked for too much")
            })?;
            let work = Slot::try_zeroed(bytes).map_err(|e| arg_err(routine, &w.name, e))?;
            places.insert(&w.name, Place::Owned(work));
            if let Some(s) = s {
                let slot = scalar_slot(routine, s, &Val::Int(n as i64), abi)?;
                places.insert(&s.name, Place::Owned(slot));
            }
        }
    }
    // 0-based pivots: 1-based for the routine (inputs copied, so that the caller's stay as
    // they were), 0-based again after it (in place, and the outputs).
    // Each pivot array with its element type and its bytes (all the elements given).
    // (And the 0-based indices of a `.pyf`, scalars too.)
    let pivots: Vec<(&SigArg, Elem, usize)> = sig
        .args
        .iter()
        .filter(|a| shifted(r, a, zero_based))
        .filter_map(|a| {
            let elem = ty_elem(a)?;
            let n: usize = if a.dims.is_empty() {
                1
            } else {
                env.shapes.get(&a.name).map_or(0, |s| s.iter().product())
            };
            Some((a, elem, n * elem.size()))
        })
        .collect();
    for &(a, elem, len) in &pivots {
        match places.get_mut(&a.name) {
            Some(Place::Borrowed(p, _)) if a.intent == Intent::In => {
                let mut copy = Slot::zeroed(len);
                // SAFETY: a given array of `len` bytes, borrowed for the call.
                copy.bytes_mut()
                    .copy_from_slice(unsafe { std::slice::from_raw_parts(*p, len) });
                shift(copy.bytes_mut(), elem, 1);
                places.insert(&a.name, Place::Owned(copy));
            }
            // SAFETY: as above, lent mutably.
            Some(Place::Borrowed(p, _)) => shift(unsafe { bytes_at(*p, len) }, elem, 1),
            Some(Place::Owned(s)) if a.role != Role::Out => shift(s.bytes_mut(), elem, 1),
            _ => {}
        }
    }
    let result = raw_call(r, sig, abi, proto, f, &mut places, &lens, routine);
    for &(a, elem, len) in &pivots {
        match places.get_mut(&a.name) {
            // SAFETY: as above.
            Some(Place::Borrowed(p, _)) => shift(unsafe { bytes_at(*p, len) }, elem, -1),
            Some(Place::Owned(s)) if a.intent != Intent::In => shift(s.bytes_mut(), elem, -1),
            _ => {}
        }
    }
    let result = result?;
    // A signature file's operations after the call (before INFO is read, as its C code
    // runs them).
    for after in &sig.after {
        let After::ZeroTriangle { array, when, upper } = after;
        let flag = |e: &Expr| {
            e.eval(&env)
                .map(|v| v.truthy())
                .map_err(|e| arg_err(routine, array, format!("cannot be cleaned: {e}")))
        };
        if !flag(when)? {
            continue;
        }
        let upper = flag(upper)?;
        let Some(a) = sig.args.iter().find(|a| &a.name == array) else {
            continue;
        };
        let (Some(elem), Some(shape)) = (ty_elem(a), env.shapes.get(array)) else {
            continue;
        };
        let (rows, cols) = (shape[0], shape.get(1).copied().unwrap_or(1));
        let bytes = rows * cols * elem.size();
        let data = match places.get_mut(array.as_str()) {
            // SAFETY: a given array of its shape's elements, lent mutably for the call.
            Some(Place::Borrowed(p, _)) => unsafe { bytes_at(*p, bytes) },
            Some(Place::Owned(s)) => {
                let n = bytes.min(s.bytes);
                &mut s.bytes_mut()[..n]
            }
            _ => continue,
        };
        zero_triangle(data, elem.size(), rows, cols, upper);
    }
    check_info(r, sig, abi, &places, routine)?;
    // Outputs: the function result, then returned arguments.
    let mut outs = Outs::default();
    if let Some(v) = result {
        outs.0.push(match v {
            // A 0-based index (`sig.result_zero_based`).
            Out::Int(i) if sig.result_zero_based => Out::Int(i - 1),
            v => v,
        });
    }
    for a in sig.returns() {
        let Some(elem) = ty_elem(a) else { continue };
        match places.remove(&a.name) {
            Some(Place::Owned(slot)) => {
                if a.dims.is_empty() {
                    outs.0.push(scalar_out(elem, slot.bytes(), a.ty.as_ref()));
                } else {
                    let shape = env.shapes.get(&a.name).cloned().unwrap_or_default();
                    let n: usize = shape.iter().product();
                    let bytes = (n * elem.size()).min(slot.bytes);
                    outs.0.push(Out::Array(Box::new(OutArray {
                        elem,
                        shape,
                        buf: slot.buf.into_vec(),
                        bytes,
                    })));
                }
            }
            Some(Place::Borrowed(..)) | Some(Place::Code(_)) | None => {}
        }
    }
    Ok(outs)
}

/// Checks every [`Check::Pivots`] of `sig` on the array given, as the routine will read it
/// (0-based pivots plus one).
fn check_pivots(
    r: &Routine,
    sig: &Sig,
    env: &CallEnv<'_>,
    places: &ByName<'_, Place<'_>>,
    abi: &Abi,
    zero_based: bool,
    routine: &str,
) -> Result<(), FortranError> {
    for a in &sig.args {
        for c in &a.checks {
            let Check::Pivots { rule, order, fact } = c else {
                continue;
            };
            let given = fact.as_ref().is_none_or(|f| {
                matches!(env.scalars.get(f.as_str()), Some(Val::Str(s)) if s.starts_with(['F', 'f']))
            });
            if !given {
                continue;
            }
            let elem = a.ty.as_ref().and_then(|t| Elem::of(t, abi));
            let (Some(elem), Some(place)) = (elem, places.get(a.name.as_str())) else {
                continue;
            };
            let (_, n) = spanned(a, env, routine)?;
            let bytes = match place {
                // SAFETY: a given array, checked to hold the `n` elements its extents span,
                // borrowed for the call.
                Place::Borrowed(p, _) => unsafe {
                    std::slice::from_raw_parts(p.cast_const(), n * elem.size())
                },
                Place::Owned(s) => &s.bytes()[..(n * elem.size()).min(s.bytes)],
                Place::Code(_) => continue,
            };
            let values: Vec<i64> = match elem {
                Elem::I64 => bytes
                    .chunks_exact(8)
                    .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
                    .collect(),
                _ => bytes
                    .chunks_exact(4)
                    .map(|b| i64::from(i32::from_le_bytes(b.try_into().unwrap_or_default())))
                    .collect(),
            };
            let order = order
                .eval(env)
                .ok()
                .and_then(|v| v.as_int())
                .ok_or_else(|| arg_err(routine, &a.name, "its matrix's order is unknown"))?;
            let offset = i64::from(shifted(r, a, zero_based));
            crate::fortran::wrap::pivots_ok(&values, offset, order, *rule)
                .map_err(|m| arg_err(routine, &a.name, m))?;
        }
    }
    Ok(())
}

/// The elements to allocate for a workspace of `elem` whose query stored `first` (the first
/// 8 bytes of `WORK(1)`, little-endian): the optimal size rounded up, at least 1.
pub(crate) fn workspace_len(elem: Elem, first: u64) -> usize {
    let optimal = match elem {
        Elem::F32 | Elem::C32 => f64::from(f32::from_bits(first as u32)),
        Elem::F64 | Elem::C64 => f64::from_bits(first),
        Elem::I32 => f64::from(first as u32 as i32),
        Elem::I64 => first as i64 as f64,
        Elem::U8 => 1.0,
    };
    // A single-precision size above 2^24 may have been rounded down to a float (LAPACK
    // before 3.12 has no SROUNDUP_LWORK): take the next float up. Exact below.
    let optimal = if matches!(elem, Elem::F32 | Elem::C32) && optimal >= 16_777_216.0 {
        f64::from(f32::from_bits((optimal as f32).to_bits() + 1))
    } else {
        optimal
    };
    optimal.ceil().max(1.0) as usize
}

/// The `len` bytes at `p`, mutably.
///
/// # Safety
///
/// `p` points to `len` bytes the caller may write for the lifetime of the slice.
unsafe fn bytes_at<'a>(p: *mut u8, len: usize) -> &'a mut [u8] {
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(p, len) }
}

/// Adds `by` to every `elem` integer in `bytes` (pivot indices between 0- and 1-based).
fn shift(bytes: &mut [u8], elem: Elem, by: i64) {
    match elem {
        Elem::I32 => {
            for c in bytes.chunks_exact_mut(4) {
                let v = i32::from_le_bytes(c.try_into().unwrap_or_default());
                c.copy_from_slice(&v.wrapping_add(by as i32).to_le_bytes());
            }
        }
        Elem::I64 => {
            for c in bytes.chunks_exact_mut(8) {
                let v = i64::from_le_bytes(c.try_into().unwrap_or_default());
                c.copy_from_slice(&v.wrapping_add(by).to_le_bytes());
            }
        }
        _ => {}
    }
}

/// An expression as the sources wrote it (lower case, parenthesised where precedence needs
/// it).
pub(crate) fn show(e: &Expr) -> String {
    fn prec(e: &Expr) -> u8 {
        match e {
            Expr::Cond(..) => 0,
            Expr::Binary(op, ..) => match *op {
                "||" => 1,
                "&&" => 2,
                "==" | "!=" => 3,
                "<" | "<=" | ">" | ">=" => 4,
                "+" | "-" => 5,
                _ => 6,
            },
            Expr::Unary(..) => 7,
            _ => 8,
        }
    }
    let wrap = |x: &Expr, min: u8| {
        if prec(x) < min {
            format!("({})", show(x))
        } else {
            show(x)
        }
    };
    match e {
        Expr::Int(i) => i.to_string(),
        Expr::Float(f) => f.to_string(),
        Expr::Str(s) => format!("'{s}'"),
        Expr::Name(n) => n.to_ascii_lowercase(),
        Expr::Call(f, args) => format!(
            "{f}({})",
            args.iter().map(show).collect::<Vec<_>>().join(",")
        ),
        Expr::Unary(op, x) => format!("{op}{}", wrap(x, 7)),
        Expr::Binary(op, a, b) => {
            let p = prec(e);
            // Left-associative: the right operand needs parentheses at equal precedence.
            format!("{}{op}{}", wrap(a, p), wrap(b, p + 1))
        }
        Expr::Cond(c, a, b) => format!("{}?{}:{}", wrap(c, 1), show(a), show(b)),
    }
}

/// `INFO < 0`: the argument at that position was illegal; `INFO > 0`: the routine's failure.
fn check_info(
    r: &Routine,
    sig: &Sig,
    abi: &Abi,
    places: &ByName<'_, Place<'_>>,
    routine: &str,
) -> Result<(), FortranError> {
    let Some(info) = sig.args.iter().find(|a| a.role == Role::Info) else {
        return Ok(());
    };
    let Some(Place::Owned(s)) = places.get(&info.name) else {
        return Ok(());
    };
    let v = match info.ty.as_ref().and_then(|t| Elem::of(t, abi)) {
        Some(Elem::I64) => i64::from_le_bytes(s.bytes()[..8].try_into().unwrap_or_default()),
        _ => i64::from(i32::from_le_bytes(
            s.bytes()[..4].try_into().unwrap_or_default(),
        )),
    };
    info_error(r, sig, v, routine)
}

/// The error `INFO = v` of `r` means (`Ok` for 0).
pub(crate) fn info_error(
    r: &Routine,
    sig: &Sig,
    v: i64,
    routine: &str,
) -> Result<(), FortranError> {
    let Some(info) = sig.args.iter().find(|a| a.role == Role::Info) else {
        return Ok(());
    };
    if v < 0 {
        let pos = (-v) as usize;
        let name = r
            .dummies
            .get(pos - 1)
            .map_or_else(|| format!("#{pos}"), |d| d.name.to_ascii_lowercase());
        return Err(FortranError::Argument {
            routine: routine.to_string(),
            argument: name,
            message: format!("has an illegal value (INFO = {v})"),
        });
    }
    if v > 0 {
        let meaning = info_meaning(r, &info.name);
        return Err(FortranError::Failed {
            routine: routine.to_string(),
            info: v,
            meaning,
        });
    }
    Ok(())
}

/// What `r`'s documentation of its `INFO` argument `info` says `INFO > 0` means (empty when
/// it says nothing).
pub(crate) fn info_meaning(r: &Routine, info: &str) -> String {
    r.doc
        .params
        .get(info)
        .map(|p| meaning_in(&p.text))
        .unwrap_or_default()
}

/// What LAPACK's doc says `INFO > 0` means (the lines after `> 0:`).
fn meaning_in(text: &str) -> String {
    let mut out = Vec::new();
    let mut on = false;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with("> 0") || t.starts_with(">0") {
            on = true;
            let rest = t.trim_start_matches(['>', ' ', '0', ':']).trim();
            if !rest.is_empty() {
                out.push(rest.to_string());
            }
            continue;
        }
        if on {
            if t.starts_with('<') || t.starts_with('=') || t.is_empty() {
                break;
            }
            out.push(t.to_string());
        }
    }
    out.join(" ")
}

/// Zeroes the strictly upper (`upper`) or strictly lower triangle of a column-major `rows` ×
/// `cols` matrix of `size`-byte elements (all-zero bytes are 0 for every element type).
fn zero_triangle(data: &mut [u8], size: usize, rows: usize, cols: usize, upper: bool) {
    for j in 0..cols {
        for i in 0..rows {
            if (upper && i < j) || (!upper && i > j) {
                let at = (i + rows * j) * size;
                if let Some(e) = data.get_mut(at..at + size) {
                    e.fill(0);
                }
            }
        }
    }
}
