//! What the wrappers `jitffi f2rs -o` generates are made of: the opened library and its
//! lazily resolved typed handles ([`Loaded`], [`Slot`]), column-major matrix views ([`Mat`],
//! [`MatMut`]), the element types a routine family is generic over ([`Scalar`]), and the
//! checks and conversions every wrapper runs before and after its call, each a few
//! instructions on the success path with the error built out of line.
//!
//! Generated code is the intended user of this module: its items are public so that the
//! generated file compiles outside this crate, and stable so that it keeps compiling.

use std::fmt;
use std::sync::OnceLock;

use super::abi::{Abi, COMPLEX_TYPEDEFS};
use super::{Complex32, Complex64, Element, FortranError, OpenOptions, probe_abi};
use crate::{CRepr, Ffi, TypedArgs, TypedFunction};

/// A Fortran library opened for generated wrappers: routines are declared and resolved on
/// their first call.
pub struct Loaded {
    ffi: Ffi,
    lib: crate::Library,
    abi: Abi,
}

impl fmt::Debug for Loaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Loaded")
            .field("library", &self.lib.name())
            .field("abi", &self.abi)
            .finish()
    }
}

impl Loaded {
    /// Opens `name` (a path, a soname or a short name, as [`crate::Library::open`] finds it)
    /// for wrappers generated for `abi`. Where the library is a BLAS (it has `isamax_` and
    /// `zdotc_`), its ABI is probed ([`probe_abi`]) and must be `abi`'s: ILP64 wrappers on an
    /// LP64 build (or gfortran wrappers on an f2c build) are refused here rather than
    /// miscalled later. `opts.abi`, when given, replaces the probe.
    ///
    /// # Errors
    ///
    /// The library cannot be loaded, or its ABI is not the wrappers'.
    ///
    /// # Safety
    ///
    /// Loading runs the library's initialisers. The routines the wrappers call must be the
    /// ones they were generated from (the same arguments, and the documented array extents
    /// the wrappers check are the ones the routines use).
    pub unsafe fn open(name: &str, opts: &OpenOptions, abi: Abi) -> Result<Loaded, FortranError> {
        // SAFETY: forwarded from this function's contract.
        let lib = unsafe { crate::Library::open(name, &opts.load) }.map_err(FortranError::Load)?;
        let blas = lib
            .symbol(&format!("{}isamax{}", abi.prefix, abi.suffix))
            .is_ok()
            && lib
                .symbol(&format!("{}zdotc{}", abi.prefix, abi.suffix))
                .is_ok();
        let found = match &opts.abi {
            Some(a) => Some(a.clone()),
            None if blas => {
                // SAFETY: the library has isamax_ and zdotc_; the probe calls them with
                // arguments that are safe under every ABI it tells apart.
                unsafe { probe_abi(&lib, &abi.prefix, &abi.suffix) }.ok()
            }
            // Not a BLAS: taken to be built as the wrappers say.
            None => None,
        };
        if let Some(found) = found
            && (found.ilp64 != abi.ilp64 || found.convention != abi.convention)
        {
            return Err(FortranError::Probe(format!(
                "{name} is built {}, the wrappers were generated for {} \
                 (regenerate them with{} --ilp64{})",
                describe(&found),
                describe(&abi),
                if found.ilp64 { "" } else { "out" },
                if found.convention == super::Convention::F2c {
                    " and with --f2c"
                } else {
                    ""
                },
            )));
        }
        // Reference XERBLA ends the process: its callers' GOT slots are pointed at a handler
        // that returns (see `wrap::xerbla` and `wrap::info`).
        super::hook_xerbla(&format!("{}xerbla{}", abi.prefix, abi.suffix));
        let ffi = Ffi::new();
        ffi.cdef(COMPLEX_TYPEDEFS)
            .map_err(|e| FortranError::Cdef(Box::new(e)))?;
        Ok(Loaded { ffi, lib, abi })
    }

    /// The ABI the wrappers call with.
    pub fn abi(&self) -> &Abi {
        &self.abi
    }

    /// The loaded library.
    pub fn library(&self) -> &crate::Library {
        &self.lib
    }

    /// Declares `decl` (one C prototype, as [`Abi::prototype`] writes it), resolves `symbol`
    /// and checks that `A` and `R` are its Rust types.
    ///
    /// # Errors
    ///
    /// The library has no `symbol`, or the declaration and the Rust types differ (a bug of
    /// the generator: please report it).
    pub fn resolve<A: TypedArgs, R: CRepr>(
        &self,
        routine: &str,
        decl: &str,
        symbol: &str,
    ) -> Result<TypedFunction<A, R>, FortranError> {
        let sym = |e: crate::Error| FortranError::Symbol {
            routine: routine.to_string(),
            symbol: symbol.to_string(),
            source: Box::new(e),
        };
        // Declaring the same prototype twice (two threads racing on a first call) is allowed;
        // a routine sharing its symbol with another (a signature file's `fortranname`)
        // declares its own prototype in its place.
        self.ffi
            .cdef_with(
                decl,
                &crate::CdefOptions {
                    allow_redefinition: true,
                    ..Default::default()
                },
            )
            .map_err(|e| FortranError::Cdef(Box::new(e)))?;
        let f = self.ffi.function(&self.lib, symbol).map_err(sym)?;
        f.typed::<A, R>().map_err(|e| FortranError::Unsupported {
            routine: routine.to_string(),
            reason: format!("the generated Rust types do not match the prototype: {e}"),
        })
    }
}

fn describe(abi: &Abi) -> String {
    format!(
        "{}, {} results",
        if abi.ilp64 { "ILP64" } else { "LP64" },
        match abi.convention {
            super::Convention::Gfortran => "gfortran",
            super::Convention::F2c => "f2c",
        }
    )
}

/// A routine's typed handle, resolved on its first call and kept.
pub struct Slot<A, R>(OnceLock<TypedFunction<A, R>>);

impl<A, R> Default for Slot<A, R> {
    fn default() -> Self {
        Slot(OnceLock::new())
    }
}

impl<A, R> fmt::Debug for Slot<A, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Slot(resolved)"
        } else {
            "Slot(unresolved)"
        })
    }
}

impl<A: TypedArgs, R: CRepr> Slot<A, R> {
    /// The handle, resolved by [`Loaded::resolve`] on the first call.
    ///
    /// # Errors
    ///
    /// As [`Loaded::resolve`]; a failed resolution is tried again on the next call.
    #[inline]
    pub fn get(
        &self,
        lib: &Loaded,
        routine: &str,
        decl: &str,
        symbol: &str,
    ) -> Result<&TypedFunction<A, R>, FortranError> {
        match self.0.get() {
            Some(f) => Ok(f),
            None => self.init(lib, routine, decl, symbol),
        }
    }

    #[cold]
    fn init(
        &self,
        lib: &Loaded,
        routine: &str,
        decl: &str,
        symbol: &str,
    ) -> Result<&TypedFunction<A, R>, FortranError> {
        let f = lib.resolve::<A, R>(routine, decl, symbol)?;
        Ok(self.0.get_or_init(|| f))
    }
}

/// A column-major matrix borrowed read-only: `rows` × `cols` elements, column `j` starting
/// at `data[j * ld]`.
#[derive(Copy, Clone, Debug)]
pub struct Mat<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    ld: usize,
}

/// A column-major matrix the routine may update in place.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    ld: usize,
}

/// Checks `len ≥ ld·(cols−1) + rows` and `ld ≥ max(1, rows)`.
fn view_check(len: usize, rows: usize, cols: usize, ld: usize) -> Result<(), FortranError> {
    let bad = |message: String| {
        Err(FortranError::Argument {
            routine: "matrix view".into(),
            argument: String::new(),
            message,
        })
    };
    if ld < rows.max(1) {
        return bad(format!(
            "its leading dimension {ld} is less than max(1, rows = {rows})"
        ));
    }
    let need = match cols {
        0 => Some(0),
        c => ld.checked_mul(c - 1).and_then(|x| x.checked_add(rows)),
    };
    match need {
        Some(n) if n <= len => Ok(()),
        _ => bad(format!(
            "a {rows}x{cols} matrix with leading dimension {ld} needs {} elements, the slice has {len}",
            need.map_or_else(|| "more than usize::MAX".into(), |n| n.to_string())
        )),
    }
}

impl<'a, T: Element> Mat<'a, T> {
    /// A `rows` × `cols` matrix whose columns are contiguous (`ld = rows`).
    ///
    /// # Errors
    ///
    /// `data` is shorter than `rows * cols`.
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Result<Self, FortranError> {
        Mat::with_ld(data, rows, cols, rows.max(1))
    }

    /// A `rows` × `cols` matrix inside a larger one of leading dimension `ld`.
    ///
    /// # Errors
    ///
    /// `ld < max(1, rows)`, or `data` is shorter than `ld * (cols - 1) + rows`.
    pub fn with_ld(
        data: &'a [T],
        rows: usize,
        cols: usize,
        ld: usize,
    ) -> Result<Self, FortranError> {
        view_check(data.len(), rows, cols, ld)?;
        Ok(Mat {
            data,
            rows,
            cols,
            ld,
        })
    }

    /// The elements, from the first.
    pub fn data(&self) -> &'a [T] {
        self.data
    }

    /// The length of the underlying slice.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The leading dimension.
    pub fn ld(&self) -> usize {
        self.ld
    }
}

impl<'a, T: Element> MatMut<'a, T> {
    /// A `rows` × `cols` matrix whose columns are contiguous (`ld = rows`).
    ///
    /// # Errors
    ///
    /// `data` is shorter than `rows * cols`.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Result<Self, FortranError> {
        MatMut::with_ld(data, rows, cols, rows.max(1))
    }

    /// A `rows` × `cols` matrix inside a larger one of leading dimension `ld`.
    ///
    /// # Errors
    ///
    /// `ld < max(1, rows)`, or `data` is shorter than `ld * (cols - 1) + rows`.
    pub fn with_ld(
        data: &'a mut [T],
        rows: usize,
        cols: usize,
        ld: usize,
    ) -> Result<Self, FortranError> {
        view_check(data.len(), rows, cols, ld)?;
        Ok(MatMut {
            data,
            rows,
            cols,
            ld,
        })
    }

    /// The elements, from the first.
    pub fn data(&mut self) -> &mut [T] {
        self.data
    }

    /// Rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The leading dimension.
    pub fn ld(&self) -> usize {
        self.ld
    }

    /// The same matrix, borrowed again for a shorter time.
    pub fn reborrow(&mut self) -> MatMut<'_, T> {
        MatMut {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            ld: self.ld,
        }
    }

    /// The length of the underlying slice.
    pub fn data_len(&self) -> usize {
        self.data.len()
    }

    /// The elements' start and count, for the call.
    #[doc(hidden)]
    pub fn raw(&mut self) -> (*mut T, usize) {
        (self.data.as_mut_ptr(), self.data.len())
    }
}

/// The element types of the routine families (`s`, `d`, `c`, `z`): `f32`, `f64`,
/// [`Complex32`], [`Complex64`], with their real counterparts.
pub trait Scalar: Element + CRepr + Default {
    /// The real type of the same precision (`f32` for `Complex32`).
    type Real: Element + CRepr + Default;
    /// The real part, as a workspace query returns a size in it.
    fn re(self) -> f64;
}

impl Scalar for f32 {
    type Real = f32;
    fn re(self) -> f64 {
        f64::from(self)
    }
}

impl Scalar for f64 {
    type Real = f64;
    fn re(self) -> f64 {
        self
    }
}

impl Scalar for Complex32 {
    type Real = f32;
    fn re(self) -> f64 {
        f64::from(self.re)
    }
}

impl Scalar for Complex64 {
    type Real = f64;
    fn re(self) -> f64 {
        self.re
    }
}

/// The error of an argument.
#[cold]
#[inline(never)]
pub fn arg_error(routine: &str, argument: &str, message: String) -> FortranError {
    FortranError::Argument {
        routine: routine.to_string(),
        argument: argument.to_string(),
        message,
    }
}

/// A computed value as the library's integer type (`i32` for LP64).
///
/// # Errors
///
/// The value does not fit.
#[inline]
pub fn int<I: TryFrom<i64>>(routine: &str, argument: &str, v: i64) -> Result<I, FortranError> {
    I::try_from(v).map_err(|_| {
        arg_error(
            routine,
            argument,
            format!(
                "is {v}, which does not fit in the library's {}-byte INTEGER",
                std::mem::size_of::<I>()
            ),
        )
    })
}

/// The element count of an array the wrapper allocates, from its extents.
///
/// # Errors
///
/// A negative extent, or more elements than memory can hold.
#[inline]
pub fn count(routine: &str, argument: &str, ext: &[i64]) -> Result<usize, FortranError> {
    let mut n: usize = 1;
    for &e in ext {
        let e = usize::try_from(e).map_err(|_| {
            arg_error(
                routine,
                argument,
                format!("its extents {ext:?} are negative"),
            )
        })?;
        n = n
            .checked_mul(e)
            .filter(|&n| n <= isize::MAX as usize / 16)
            .ok_or_else(|| {
                arg_error(
                    routine,
                    argument,
                    format!("its extents {ext:?} are too large to allocate"),
                )
            })?;
    }
    Ok(n)
}

/// A slice length as a Fortran extent.
#[inline]
pub fn len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Checks that an array of `have` elements holds the extents `ext` (named by `shown`, for
/// the message) the routine uses.
///
/// # Errors
///
/// A negative extent, or too few elements.
#[inline]
pub fn need(
    routine: &str,
    argument: &str,
    have: usize,
    ext: &[i64],
    shown: &[&str],
) -> Result<(), FortranError> {
    // A negative extent uses nothing (`1+(n-1)*abs(incx)` for n = 0; the routine's own
    // checks reject a negative dimension).
    let mut n: u64 = 1;
    for &e in ext {
        n = n.saturating_mul(e.max(0) as u64);
    }
    if n > have as u64 {
        return Err(extent_error(routine, argument, have, ext, shown));
    }
    Ok(())
}

#[cold]
#[inline(never)]
fn extent_error(
    routine: &str,
    argument: &str,
    have: usize,
    ext: &[i64],
    shown: &[&str],
) -> FortranError {
    let need = ext
        .iter()
        .try_fold(1u64, |a, &e| a.checked_mul(e.max(0) as u64))
        .map_or_else(|| "more than u64::MAX".to_string(), |n| n.to_string());
    let dims: Vec<String> = shown
        .iter()
        .zip(ext)
        .map(|(d, e)| format!("{d} = {e}"))
        .collect();
    arg_error(
        routine,
        argument,
        format!(
            "has {have} elements; the routine uses {need} ({})",
            dims.join(", ")
        ),
    )
}

/// Checks `x >= bound` (`shown` is the bound as the documentation writes it).
///
/// # Errors
///
/// `x < bound`.
#[inline]
pub fn at_least(
    routine: &str,
    argument: &str,
    x: i64,
    bound: i64,
    shown: &str,
) -> Result<(), FortranError> {
    if x < bound {
        return Err(out_of_bound(routine, argument, x, ">=", shown, bound));
    }
    Ok(())
}

/// The error of [`at_least`] and [`at_most`], out of line.
#[cold]
fn out_of_bound(
    routine: &str,
    argument: &str,
    x: i64,
    op: &str,
    shown: &str,
    bound: i64,
) -> FortranError {
    arg_error(
        routine,
        argument,
        format!("is {x}; it must be {op} {shown} = {bound}"),
    )
}

/// Checks `x <= bound` (`shown` is the bound as the documentation writes it).
///
/// # Errors
///
/// `x > bound`.
#[inline]
pub fn at_most(
    routine: &str,
    argument: &str,
    x: i64,
    bound: i64,
    shown: &str,
) -> Result<(), FortranError> {
    if x > bound {
        return Err(out_of_bound(routine, argument, x, "<=", shown, bound));
    }
    Ok(())
}

/// A `.pyf`'s `check(…)` (`shown`), which must hold.
///
/// # Errors
///
/// `ok` is false.
#[inline]
pub fn check(routine: &str, argument: &str, ok: bool, shown: &str) -> Result<(), FortranError> {
    if ok {
        Ok(())
    } else {
        Err(arg_error(
            routine,
            argument,
            format!("fails check({shown})"),
        ))
    }
}

/// Checks `x != 0` (BLAS's increments).
///
/// # Errors
///
/// `x == 0`.
#[inline]
pub fn non_zero(routine: &str, argument: &str, x: i64) -> Result<(), FortranError> {
    if x == 0 {
        return Err(arg_error(
            routine,
            argument,
            "is 0; it must not be zero".into(),
        ));
    }
    Ok(())
}

/// Zeroes the strict upper (`upper`) or strict lower triangle of `a`, as a signature file's
/// callstatement does after the call (scipy's `?potrf` with `clean=1`: the factor alone).
pub fn zero_triangle<T: Element + Default>(a: &mut MatMut<'_, T>, upper: bool) {
    let (rows, cols, ld) = (a.rows(), a.cols(), a.ld());
    let data = a.data();
    for j in 0..cols {
        let (from, to) = if upper {
            (0, j.min(rows))
        } else {
            (j + 1, rows)
        };
        for i in from..to {
            if let Some(x) = data.get_mut(i + ld * j) {
                *x = T::default();
            }
        }
    }
}

/// The code address of a callback given for a dummy procedure whose C function pointer type
/// is `c_type` (as the routine's prototype spells it): the routine calls it with that
/// signature, so a callback of any other type is refused (its thunk would read arguments, or
/// write a result, where the routine puts none).
///
/// # Errors
///
/// A callback of another type: another result type, or another number of arguments, or an
/// argument that is not a pointer where the prototype has one (pointers of any type are
/// accepted for one another: `const void *` for `const fortran_complex8 *`).
#[inline]
pub fn callback(
    routine: &str,
    argument: &str,
    cb: &crate::Callback<'_>,
    c_type: &str,
) -> Result<*const std::ffi::c_void, FortranError> {
    let same = match (call_shape(cb.type_name()), call_shape(c_type)) {
        (Some(have), Some(want)) => have == want,
        _ => false,
    };
    if !same {
        return Err(callback_error(routine, argument, cb.type_name(), c_type));
    }
    Ok(cb.ptr())
}

/// What a C function pointer type `R (*)(A, …)` means to the machine code that calls it: the
/// result's type (integer spellings of one size are one) and, per argument, whether it is a
/// pointer (any pointer is one machine word) or else its type. `None` for another shape.
fn call_shape(c_type: &str) -> Option<(String, Vec<Option<String>>)> {
    let squeeze = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let canonical = |s: &str| {
        let s = squeeze(s);
        match s.as_str() {
            "int" | "signed int" | "signed" | "int32_t" => "int32_t".to_string(),
            "long" | "long int" | "long long" | "long long int" | "int64_t" => "int64_t".into(),
            _ => s,
        }
    };
    let (ret, rest) = c_type.split_once("(*)")?;
    let args = rest.trim().strip_prefix('(')?.strip_suffix(')')?;
    let args = match args.trim() {
        "" | "void" => Vec::new(),
        a => a
            .split(',')
            .map(|x| (!x.trim_end().ends_with('*')).then(|| canonical(x)))
            .collect(),
    };
    Some((canonical(ret), args))
}

#[cold]
#[inline(never)]
fn callback_error(routine: &str, argument: &str, have: &str, want: &str) -> FortranError {
    arg_error(
        routine,
        argument,
        format!("is a callback of type '{have}'; the routine calls a '{want}'"),
    )
}

/// Checks that an option letter is one of `letters` (upper case; either case is accepted, as
/// LAPACK's LSAME compares).
///
/// # Errors
///
/// Another letter.
#[inline]
pub fn one_of(routine: &str, argument: &str, c: u8, letters: &[u8]) -> Result<(), FortranError> {
    if letters.contains(&c.to_ascii_uppercase()) {
        return Ok(());
    }
    let list: Vec<String> = letters
        .iter()
        .map(|l| format!("'{}'", char::from(*l)))
        .collect();
    Err(arg_error(
        routine,
        argument,
        format!(
            "is '{}'; it must be one of {}",
            c.escape_ascii(),
            list.join(", ")
        ),
    ))
}

/// `INFO`: `< 0` names the illegal argument (`dummies` are the routine's, in order); `> 0`
/// is the routine's failure, with what its documentation says that means.
///
/// # Errors
///
/// `info != 0`.
#[inline]
pub fn info(routine: &str, info: i64, dummies: &[&str], meaning: &str) -> Result<(), FortranError> {
    if info == 0 {
        Ok(())
    } else {
        Err(info_error(routine, info, dummies, meaning))
    }
}

#[cold]
#[inline(never)]
fn info_error(routine: &str, info: i64, dummies: &[&str], meaning: &str) -> FortranError {
    if info < 0 {
        // The exported handler, if any, recorded this call: it is reported here.
        let _ = super::last_xerbla();
        let pos = info.unsigned_abs() as usize;
        let name = dummies
            .get(pos - 1)
            .map_or_else(|| format!("#{pos}"), |d| d.to_string());
        return arg_error(
            routine,
            &name,
            format!("has an illegal value (INFO = {info})"),
        );
    }
    FortranError::Failed {
        routine: routine.to_string(),
        info,
        meaning: meaning.to_string(),
    }
}

/// After a routine without `INFO` that calls `XERBLA`: whether the executable's exported
/// handler ([`crate::export_xerbla!`]) was called for it during the call, which then is an
/// argument error naming the illegal argument. (Without that handler, Reference LAPACK's
/// `XERBLA` ends the process; the checks before the call are what keeps it from being
/// reached.)
///
/// # Errors
///
/// XERBLA was called for `routine` on this thread.
#[inline]
pub fn xerbla(routine: &str, dummies: &[&str]) -> Result<(), FortranError> {
    match super::last_xerbla() {
        Some((name, pos)) if name.eq_ignore_ascii_case(routine) => {
            let arg = usize::try_from(pos)
                .ok()
                .and_then(|p| dummies.get(p.wrapping_sub(1)))
                .map_or_else(|| format!("#{pos}"), |d| d.to_string());
            Err(arg_error(
                routine,
                &arg,
                format!("has an illegal value (XERBLA was called with {pos})"),
            ))
        }
        _ => Ok(()),
    }
}

/// The workspace size a query (`LWORK = -1`) returned in the first element: rounded up, at
/// least 1, and past 2^24 one float further for single precision (LAPACK before 3.12 rounds
/// such sizes down to a float).
///
/// # Errors
///
/// A size that cannot be allocated.
pub fn work_size<T: Scalar>(routine: &str, argument: &str, q: T) -> Result<usize, FortranError> {
    let mut x = q.re();
    if std::mem::size_of::<T::Real>() == 4 && x >= 16_777_216.0 {
        x = f64::from(f32::from_bits((x as f32).to_bits() + 1));
    }
    if !x.is_finite() || x > (isize::MAX as usize / std::mem::size_of::<T>()) as f64 {
        return Err(arg_error(
            routine,
            argument,
            format!("the workspace query asked for {x} elements"),
        ));
    }
    Ok((x.ceil() as usize).max(1))
}

/// As [`work_size`] for an integer workspace (`IWORK` queried with `LIWORK = -1`).
///
/// # Errors
///
/// A negative size.
pub fn iwork_size(routine: &str, argument: &str, q: i64) -> Result<usize, FortranError> {
    usize::try_from(q.max(1))
        .map_err(|_| arg_error(routine, argument, format!("the query returned {q}")))
}

/// How a routine reads a pivot array it is given (the one its factorization returned), as
/// far as where it reads and writes depends on it: what [`pivots`] checks. (The rules are
/// read from Reference LAPACK's code: each is what keeps every routine of its family
/// inside its arrays, and what every factorization of the family returns.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PivotRule {
    /// Row interchanges of a general LU (GETRS, GETRI, GBTRS, GESC2, SYTRS_AA …): every
    /// pivot in `1..=order`.
    Rows,
    /// The tridiagonal LU (GTTRS, GTCON …): pivot `i` is `i` or `i + 1` (the last one is
    /// `order`).
    Tridiagonal,
    /// The symmetric and Hermitian factorizations with 1 × 1 and 2 × 2 blocks
    /// (Bunch–Kaufman, rook, `_rk`, packed): every pivot is in `1..=order` or its negative
    /// (a 2 × 2 block), and every run of consecutive negative pivots is of even length, so
    /// that routines scanning up and routines scanning down pair the same two rows.
    Symmetric,
}

/// Checks the first `n` pivots of `ipiv` against `rule` for a matrix of order `order`, as
/// the routine will read them: 1-based, or 0-based and shifted before the call when
/// `zero_based`.
///
/// # Errors
///
/// The first pivot that breaks the rule, with what it should have been.
pub fn pivots<I: Copy + Into<i64>>(
    routine: &str,
    argument: &str,
    ipiv: &[I],
    n: i64,
    (order, rule): (i64, PivotRule),
    zero_based: bool,
) -> Result<(), FortranError> {
    let n = usize::try_from(n).unwrap_or(0).min(ipiv.len());
    pivots_ok(&ipiv[..n], i64::from(zero_based), order, rule)
        .map_err(|m| arg_error(routine, argument, m))
}

/// [`pivots`], each pivot read plus `offset`; the message of the error.
pub(crate) fn pivots_ok<I: Copy + Into<i64>>(
    ipiv: &[I],
    offset: i64,
    order: i64,
    rule: PivotRule,
) -> Result<(), String> {
    let at = |k: usize| ipiv[k].into().saturating_add(offset);
    let range = |k: usize, p: i64| {
        if (1..=order).contains(&p) {
            Ok(())
        } else {
            Err(format!(
                "has the pivot {p} at {}; a pivot of a matrix of order {order} is in 1..={order}",
                k + 1
            ))
        }
    };
    let n = ipiv.len();
    match rule {
        PivotRule::Rows => (0..n).try_for_each(|k| range(k, at(k))),
        PivotRule::Tridiagonal => (0..n).try_for_each(|k| {
            let (p, i) = (at(k), k as i64 + 1);
            if p == i || (p == i + 1 && i < order) {
                return Ok(());
            }
            let or = if i < order {
                format!(" or {}", i + 1)
            } else {
                String::new()
            };
            Err(format!(
                "has the pivot {p} at {i}; the tridiagonal LU's pivot {i} is {i}{or}"
            ))
        }),
        PivotRule::Symmetric => {
            let mut run = 0;
            for k in 0..n {
                let p = at(k);
                range(k, p.saturating_abs())?;
                if p < 0 {
                    run += 1;
                } else if run % 2 == 1 {
                    return Err(format!(
                        "has {run} negative pivots before {}: the 2 x 2 blocks pair them, so \
                         a run of them is of even length",
                        k + 1
                    ));
                } else {
                    run = 0;
                }
            }
            if run % 2 == 1 {
                return Err(format!(
                    "ends with {run} negative pivots: the 2 x 2 blocks pair them, so a run of \
                     them is of even length"
                ));
            }
            Ok(())
        }
    }
}

/// Adds `by` to every pivot index (`1` before a call that takes 0-based pivots, `-1` after
/// one that returns them).
pub fn shift<I: Copy + Into<i64> + TryFrom<i64>>(v: &mut [I], by: i64) {
    for p in v {
        if let Ok(x) = I::try_from((*p).into() + by) {
            *p = x;
        }
    }
}

/// 0-based pivot indices as the 1-based ones a routine takes.
pub fn one_based<I: Copy + Into<i64> + TryFrom<i64>>(v: &[I]) -> Vec<I> {
    let mut out = v.to_vec();
    shift(&mut out, 1);
    out
}

/// Integer division as in C, except that dividing by zero gives 0 (an extent of zero, which
/// the length checks then accept and the routine's own checks reject).
#[inline]
pub fn div(a: i64, b: i64) -> i64 {
    a.checked_div(b).unwrap_or(0)
}

/// `a + b` in an extent, a default or a check: an error when it overflows (a wrapped value
/// could let a too-short slice through; arguments that large cannot be meant).
#[inline]
pub fn add(routine: &str, a: i64, b: i64) -> Result<i64, FortranError> {
    a.checked_add(b).ok_or_else(|| overflow(routine))
}

/// `a - b`, as [`add`].
#[inline]
pub fn sub(routine: &str, a: i64, b: i64) -> Result<i64, FortranError> {
    a.checked_sub(b).ok_or_else(|| overflow(routine))
}

/// `a * b`, as [`add`].
#[inline]
pub fn mul(routine: &str, a: i64, b: i64) -> Result<i64, FortranError> {
    a.checked_mul(b).ok_or_else(|| overflow(routine))
}

/// `-a`, as [`add`].
#[inline]
pub fn neg(routine: &str, a: i64) -> Result<i64, FortranError> {
    a.checked_neg().ok_or_else(|| overflow(routine))
}

/// `|a|`, as [`add`].
#[inline]
pub fn abs(routine: &str, a: i64) -> Result<i64, FortranError> {
    a.checked_abs().ok_or_else(|| overflow(routine))
}

#[cold]
#[inline(never)]
fn overflow(routine: &str) -> FortranError {
    arg_error(
        routine,
        "",
        "an extent, default or check computed from the arguments overflows a 64-bit integer".into(),
    )
}

/// Remainder as in C (0 for a zero divisor, as [`div`]).
#[inline]
pub fn rem(a: i64, b: i64) -> i64 {
    a.checked_rem(b).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn call_backs_match_by_what_the_machine_passes() {
        let want = "int32_t (*)(const fortran_complex8 *)";
        assert_eq!(call_shape(want), call_shape("int (*)(const void *)"));
        assert_eq!(
            call_shape(want),
            call_shape("int32_t (*)(fortran_complex8*)")
        );
        assert_ne!(call_shape(want), call_shape("double (*)(const void *)"));
        assert_ne!(
            call_shape(want),
            call_shape("int32_t (*)(const void *, const void *)")
        );
        assert_ne!(call_shape(want), call_shape("int32_t (*)(int32_t)"));
        assert_eq!(call_shape("void (*)(void)"), call_shape("void (*)()"));
        assert_eq!(call_shape("select_fn"), None);
    }

    use super::*;

    #[test]
    fn views_check_lengths() {
        let v = [0.0f64; 10];
        assert!(Mat::new(&v, 2, 5).is_ok());
        assert!(Mat::new(&v, 3, 4).is_err());
        // A 2x2 block at the end of a 4x3 matrix: 4 * 1 + 2 elements.
        assert!(Mat::with_ld(&v[4..], 2, 2, 4).is_ok());
        assert!(Mat::with_ld(&v[5..], 2, 2, 4).is_err());
        let e = Mat::with_ld(&v, 3, 2, 2).unwrap_err().to_string();
        assert!(
            e.contains("leading dimension 2 is less than max(1, rows = 3)"),
            "{e}"
        );
        assert!(Mat::<f64>::new(&[], 0, 0).is_ok());
    }

    #[test]
    fn pivot_rules() {
        use PivotRule::*;
        let ok = |v: &[i32], rule| pivots_ok(v, 0, 4, rule).is_ok();
        assert!(ok(&[2, 2, 3, 4], Rows) && !ok(&[2, 5, 3, 4], Rows) && !ok(&[0, 2], Rows));
        assert!(ok(&[2, 2, 4, 4], Tridiagonal) && ok(&[1, 3, 3, 4], Tridiagonal));
        assert!(!ok(&[3, 2, 3, 4], Tridiagonal) && !ok(&[1, 2, 3, 5], Tridiagonal));
        // Runs of negative pivots are of even length (2 x 2 blocks), anywhere.
        assert!(ok(&[-3, -3, 1, 4], Symmetric) && ok(&[-1, -2, -4, -3], Symmetric));
        assert!(ok(&[1, -4, -2, 4], Symmetric));
        assert!(!ok(&[-3, 1, 2, 4], Symmetric) && !ok(&[1, 2, 3, -4], Symmetric));
        assert!(!ok(&[1, -2, 3, 4], Symmetric) && !ok(&[-5, -5, 1, 2], Symmetric));
        assert!(!ok(&[0, 1, 2, 3], Symmetric));
        // 0-based pivots are checked as the routine reads them, shifted.
        assert!(pivots_ok(&[1i64, 1, 2, 3], 1, 4, Rows).is_ok());
        assert!(pivots_ok(&[1i64, 1, 2, 4], 1, 4, Rows).is_err());
        assert_eq!(
            pivots_ok(&[1, -2, 3], 0, 3, Symmetric).unwrap_err(),
            "has 1 negative pivots before 3: the 2 x 2 blocks pair them, so a run of them is \
             of even length"
        );
    }

    #[test]
    fn checks_say_what_is_wrong() {
        assert!(need("dgemv", "a", 12, &[4, 3], &["lda", "n"]).is_ok());
        let e = need("dgemv", "a", 11, &[4, 3], &["lda", "n"]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "dgemv: argument a has 11 elements; the routine uses 12 (lda = 4, n = 3)"
        );
        assert!(need("x", "y", 0, &[-1], &["1+(n-1)*abs(incx)"]).is_ok());
        assert!(one_of("dgemv", "trans", b'c', b"NTC").is_ok());
        let e = one_of("dgemv", "trans", b'x', b"NTC").unwrap_err();
        assert!(
            e.to_string()
                .contains("is 'x'; it must be one of 'N', 'T', 'C'"),
            "{e}"
        );
        let e = info("dgesv", -4, &["n", "nrhs", "a", "lda"], "").unwrap_err();
        assert!(
            e.to_string()
                .contains("argument lda has an illegal value (INFO = -4)"),
            "{e}"
        );
        assert!(matches!(
            info("dgesv", 2, &[], "U(i,i) is exactly zero"),
            Err(FortranError::Failed { info: 2, .. })
        ));
        assert!(int::<i32>("r", "n", 1 << 40).is_err());
        assert_eq!(work_size("r", "work", 7.2f64).unwrap(), 8);
        assert_eq!(work_size("r", "work", 0.0f32).unwrap(), 1);
        assert_eq!(work_size("r", "work", 16_777_216.0f32).unwrap(), 16_777_218);
        assert_eq!(div(7, 0), 0);
    }
}
