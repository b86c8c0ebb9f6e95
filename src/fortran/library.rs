//! [`Library`]: a Fortran library opened at run time with the routines its sources declare,
//! its ABI probed (LP64 or ILP64, gfortran or f2c results) unless given.

use std::collections::HashMap;
use std::ffi::c_void;
use std::fmt;
use std::sync::OnceLock;

use super::abi::{Abi, COMPLEX_TYPEDEFS, Convention, Prototype};
use super::{Arg, FortranError, Out, Routine, Sig, Signatures, Sources};
use crate::{Ffi, Function, LoadOptions, Value};

/// How to open a Fortran library.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// The ABI; `None` probes it ([`probe_abi`]) with the prefix and suffix below.
    pub abi: Option<Abi>,
    /// Put before every symbol (`scipy_`), when probing.
    pub prefix: String,
    /// Put after every symbol, when probing (`None`: `_`).
    pub suffix: Option<String>,
    /// How to load the shared library.
    pub load: LoadOptions,
}

/// A Fortran library with the routines of its sources declared: CFFI's `ffi.dlopen` for
/// Fortran, with the prototypes derived as [`Signatures::cdef`] writes them.
///
/// # Examples
///
/// ```
/// use jitffi::fortran::{Library, OpenOptions, Signatures, Form};
/// use jitffi::Value;
///
/// let sigs = Signatures::from_text(
///     "      DOUBLE PRECISION FUNCTION DDOT(N, DX, INCX, DY, INCY)
///       INTEGER N, INCX, INCY
///       DOUBLE PRECISION DX(*), DY(*)
///       END
/// ",
///     Form::Fixed,
///     "ddot.f",
/// )?;
/// // SAFETY: loading a BLAS runs no initialisers that matter.
/// let blas = unsafe { Library::with_signatures("blas", sigs, &OpenOptions::default())? };
/// let ddot = blas.function("ddot")?;
/// let (n, inc) = (3i32, 1i32);
/// let (x, y) = ([1.0f64, 2.0, 3.0], [4.0f64, 5.0, 6.0]);
/// // SAFETY: the prototype is DDOT's; the pointers are to live buffers of 3 doubles.
/// let r = unsafe {
///     ddot.call(&[Value::ptr(&n), Value::ptr(x.as_ptr()), Value::ptr(&inc),
///                 Value::ptr(y.as_ptr()), Value::ptr(&inc)])?
/// };
/// assert_eq!(r, Value::F64(32.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Library {
    ffi: Ffi,
    lib: crate::Library,
    abi: Abi,
    sigs: Signatures,
    index: HashMap<String, usize>,
    /// Each routine's call signature and function, made on its first call.
    prepared: Vec<OnceLock<(Sig, Function, Prototype)>>,
}

impl fmt::Debug for Library {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("fortran::Library")
            .field("library", &self.lib.name())
            .field("abi", &self.abi)
            .field("routines", &self.sigs.routines.len())
            .finish()
    }
}

impl Library {
    /// Opens `name` (a path, a soname or a short name, as [`crate::Library::open`] finds it)
    /// and declares the routines of `sources`.
    ///
    /// # Errors
    ///
    /// The library cannot be loaded, a source directory cannot be listed, the ABI probe
    /// fails (see [`probe_abi`]).
    ///
    /// # Safety
    ///
    /// Loading runs the library's initialisers. The sources must be the library's: the same
    /// routines with the same arguments, whose documented array extents (the doxygen
    /// `dimension (…)` lines where the declarations say `*`) are the ones the routines use,
    /// since [`Library::call`] checks arrays against them. With `opts.abi` given, it must be
    /// the library's.
    pub unsafe fn open(
        name: &str,
        sources: &Sources,
        opts: &OpenOptions,
    ) -> Result<Library, FortranError> {
        let sigs = super::read(sources)?;
        // SAFETY: forwarded from this function's contract.
        unsafe { Library::with_signatures(name, sigs, opts) }
    }

    /// [`Library::open`] with signatures already read.
    ///
    /// # Errors
    ///
    /// As [`Library::open`].
    ///
    /// # Safety
    ///
    /// As [`Library::open`].
    pub unsafe fn with_signatures(
        name: &str,
        sigs: Signatures,
        opts: &OpenOptions,
    ) -> Result<Library, FortranError> {
        // SAFETY: forwarded from this function's contract.
        let lib = unsafe { crate::Library::open(name, &opts.load) }.map_err(FortranError::Load)?;
        let abi = match &opts.abi {
            Some(a) => a.clone(),
            None => {
                let suffix = opts.suffix.clone().unwrap_or_else(|| "_".into());
                // SAFETY: the probe calls only BLAS routines with arguments that are safe under
                // every convention it distinguishes.
                unsafe { probe_abi(&lib, &opts.prefix, &suffix) }?
            }
        };
        // Reference XERBLA ends the process: its callers' GOT slots are pointed at a handler
        // that returns (the call then reports INFO < 0).
        super::hook_xerbla(&format!("{}xerbla{}", abi.prefix, abi.suffix));
        // The declarations `Signatures::cdef` writes (routines whose types have no C
        // counterpart are left out: `function` says why).
        let ffi = Ffi::new();
        ffi.cdef(&sigs.cdef(&abi).0)
            .map_err(|e| FortranError::Cdef(Box::new(e)))?;
        let index: HashMap<String, usize> = sigs
            .routines
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.clone(), i))
            .collect();
        let prepared = (0..sigs.routines.len()).map(|_| OnceLock::new()).collect();
        Ok(Library {
            ffi,
            lib,
            abi,
            sigs,
            index,
            prepared,
        })
    }

    /// The ABI the routines are called with.
    pub fn abi(&self) -> &Abi {
        &self.abi
    }

    /// The jitffi context the prototypes are declared in (for callbacks of their function
    /// pointer types, C data of their arguments).
    pub fn ffi(&self) -> &Ffi {
        &self.ffi
    }

    /// The routines read from the sources.
    pub fn signatures(&self) -> &Signatures {
        &self.sigs
    }

    /// The routine named `name` (any case).
    pub fn routine(&self, name: &str) -> Option<&Routine> {
        self.index
            .get(&name.to_ascii_uppercase())
            .map(|&i| &self.sigs.routines[i])
    }

    /// The f2py-style signature of `name`: `ipiv, x = dgesv(a, b, [n, nrhs, lda, ldb])`.
    ///
    /// # Errors
    ///
    /// A name the sources do not define.
    pub fn signature(&self, name: &str) -> Result<Sig, FortranError> {
        let r = self
            .routine(name)
            .ok_or_else(|| FortranError::NoRoutine(name.to_string()))?;
        Ok(Sig::of(r))
    }

    /// Calls `name` the f2py way: `args` are the signature's visible arguments in order
    /// ([`Library::signature`]; optional ones may be left out or [`Arg::Default`]); extents
    /// are computed from array shapes and every array is checked to hold the elements the
    /// routine will touch; `intent(out)` arrays are allocated, workspace sizes queried,
    /// `INFO` checked; the function result (if any) and the outputs come back in order.
    ///
    /// Arrays given read-only are copied when the routine writes them (f2py's default);
    /// [`Arg::vec_mut`] / [`Arg::matrix_mut`] are updated in place.
    ///
    /// # Errors
    ///
    /// [`FortranError::Argument`] for a missing, mistyped or too short argument, or one the
    /// routine found illegal (`INFO < 0`); [`FortranError::Failed`] when it ran and failed
    /// (`INFO > 0`, with what its documentation says that means).
    pub fn call(&self, name: &str, args: &[Arg<'_>]) -> Result<Vec<Out>, FortranError> {
        let (r, sig, f, proto) = self.prepared(name)?;
        super::call::call(r, sig, &self.abi, proto, f, args)
    }

    /// A routine with its signature and function, made once.
    fn prepared(
        &self,
        name: &str,
    ) -> Result<(&Routine, &Sig, &Function, &Prototype), FortranError> {
        let i = *self
            .index
            .get(&name.to_ascii_uppercase())
            .ok_or_else(|| FortranError::NoRoutine(name.to_string()))?;
        let r = &self.sigs.routines[i];
        let (sig, f, proto) = match self.prepared[i].get() {
            Some(p) => p,
            None => {
                let proto = self.prototype(r)?;
                let f = self.resolve(r, &proto)?;
                self.prepared[i].get_or_init(|| (Sig::of(r), f, proto))
            }
        };
        Ok((r, sig, f, proto))
    }

    /// [`Library::call`] with the arguments named (any case, any order): `[("x",
    /// Arg::vec(&x)), ("incx", Arg::Int(1))]`. Arguments left out are optional ones' defaults.
    ///
    /// # Errors
    ///
    /// As [`Library::call`]; a name the routine does not take, or one it computes itself
    /// (an output, `INFO`, a workspace size), is an argument error.
    pub fn call_named(
        &self,
        name: &str,
        args: &[(&str, Arg<'_>)],
    ) -> Result<Vec<Out>, FortranError> {
        let (r, sig, f, proto) = self.prepared(name)?;
        let given: Vec<&str> = sig.given().map(|a| a.name.as_str()).collect();
        let mut slots: Vec<Option<&Arg<'_>>> = vec![None; given.len()];
        for (n, a) in args {
            let up = n.to_ascii_uppercase();
            match given.iter().position(|g| *g == up) {
                Some(i) => slots[i] = Some(a),
                None => {
                    let why = if sig.args.iter().any(|x| x.name == up) {
                        format!("is computed by the call ({sig})")
                    } else {
                        format!(
                            "is not an argument of {} ({sig})",
                            r.name.to_ascii_lowercase()
                        )
                    };
                    return Err(FortranError::Argument {
                        routine: r.name.to_ascii_lowercase(),
                        argument: n.to_ascii_lowercase(),
                        message: why,
                    });
                }
            }
        }
        let ordered: Vec<Arg<'_>> = slots
            .into_iter()
            .map(|a| a.map_or(Arg::Default, Arg::reborrow))
            .collect();
        super::call::call(r, sig, &self.abi, proto, f, &ordered)
    }

    /// The routine `name` as a jitffi [`Function`] of its C prototype (every argument by
    /// reference, hidden lengths last): the raw call, for callers that marshal themselves.
    ///
    /// # Errors
    ///
    /// A name the sources do not define, a routine whose types have no C counterpart, a
    /// symbol the library lacks.
    pub fn function(&self, name: &str) -> Result<Function, FortranError> {
        let r = self
            .routine(name)
            .ok_or_else(|| FortranError::NoRoutine(name.to_string()))?;
        self.resolve(r, &self.prototype(r)?)
    }

    fn prototype(&self, r: &Routine) -> Result<Prototype, FortranError> {
        self.abi
            .prototype(r)
            .map_err(|reason| FortranError::Unsupported {
                routine: r.name.clone(),
                reason,
            })
    }

    /// The function of a routine's prototype, its symbol resolved in the library.
    fn resolve(&self, r: &Routine, p: &Prototype) -> Result<Function, FortranError> {
        self.ffi
            .function(&self.lib, &p.symbol)
            .map_err(|e| FortranError::Symbol {
                routine: r.name.clone(),
                symbol: p.symbol.clone(),
                source: Box::new(e),
            })
    }
}

/// Finds how a BLAS was built, with two calls that are harmless under every convention:
///
/// - LP64 or ILP64: `isamax_` on `{1, 5, 2}` with `n` and `incx` stored as 8-byte integers
///   whose high halves are all ones. An LP64 library reads `n = 3`, `incx = 1` and returns 2;
///   an ILP64 one reads a negative `n` and returns 0 without reading `x`.
/// - gfortran or f2c: `zdotc_` called the f2c way (a result pointer first) on a zeroed result
///   buffer. An f2c library writes `conj(1+2i)·(3+4i) = 11−2i` there; a gfortran one takes
///   the zeroed buffer for `n = 0` and returns without reading anything else.
///
/// # Errors
///
/// The library has no `isamax_` or `zdotc_` (with the given prefix and suffix), or answers
/// neither way.
///
/// # Safety
///
/// The library's `isamax_` and `zdotc_` are the BLAS routines of those names.
pub unsafe fn probe_abi(
    lib: &crate::Library,
    prefix: &str,
    suffix: &str,
) -> Result<Abi, FortranError> {
    let sym = |name: &str| format!("{prefix}{name}{suffix}");
    let ffi = Ffi::new();
    let isamax = sym("isamax");
    let zdotc = sym("zdotc");
    ffi.cdef(COMPLEX_TYPEDEFS)
        .map_err(|e| FortranError::Cdef(Box::new(e)))?;
    ffi.cdef(&format!(
        "int32_t {isamax}(const int64_t *n, const float *x, const int64_t *incx);\n\
         void {zdotc}(fortran_complex16 *ret, const int64_t *n, const fortran_complex16 *x, \
         const int64_t *incx, const fortran_complex16 *y, const int64_t *incy);"
    ))
    .map_err(|e| FortranError::Cdef(Box::new(e)))?;
    let get =
        |name: &str| {
            ffi.function(lib, name).map_err(|e| FortranError::Probe(format!(
            "the library has no {name} ({e}): the ABI cannot be probed; give OpenOptions::abi"
        )))
        };
    let (f_isamax, f_zdotc) = (get(&isamax)?, get(&zdotc)?);
    let n: i64 = (0xFFFF_FFFF_u64 << 32 | 3) as i64;
    let inc: i64 = (0xFFFF_FFFF_u64 << 32 | 1) as i64;
    let x = [1.0f32, 5.0, 2.0];
    // SAFETY: see the function's documentation: an LP64 isamax reads 3 floats of `x`, an ILP64
    // one none; the caller vouches the symbol is BLAS's isamax.
    let r = unsafe { f_isamax.call(&[Value::ptr(&n), Value::ptr(x.as_ptr()), Value::ptr(&inc)]) }
        .map_err(|e| FortranError::Probe(format!("{isamax}: {e}")))?;
    let ilp64 = match r {
        Value::I32(2) => false,
        Value::I32(0) => true,
        other => {
            return Err(FortranError::Probe(format!(
                "{isamax} returned {other:?}, neither 2 (LP64) nor 0 (ILP64)"
            )));
        }
    };
    let mut ret = [0f64; 2];
    let (one, x, y) = (1i64, [1.0f64, 2.0], [3.0f64, 4.0]);
    // SAFETY: see the function's documentation; every pointer is to a live buffer of at least
    // 16 bytes, which any reading of the arguments stays within.
    unsafe {
        f_zdotc.call(&[
            Value::ptr(ret.as_mut_ptr().cast::<c_void>()),
            Value::ptr(&one),
            Value::ptr(x.as_ptr()),
            Value::ptr(&one),
            Value::ptr(y.as_ptr()),
            Value::ptr(&one),
        ])
    }
    .map_err(|e| FortranError::Probe(format!("{zdotc}: {e}")))?;
    let convention = if ret == [11.0, -2.0] {
        Convention::F2c
    } else if ret == [0.0, 0.0] {
        Convention::Gfortran
    } else {
        return Err(FortranError::Probe(format!(
            "{zdotc} wrote {ret:?}, neither 11-2i (f2c) nor nothing (gfortran)"
        )));
    };
    Ok(Abi {
        ilp64,
        convention,
        prefix: prefix.into(),
        suffix: suffix.into(),
        second_underscore: false,
    })
}
