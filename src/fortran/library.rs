//! [`Library`]: a Fortran library opened at run time with the routines its sources declare,
//! its ABI probed (LP64 or ILP64, gfortran or f2c results) unless given.

use rustc_hash::FxHashMap;
use std::ffi::c_void;
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::abi::{Abi, COMPLEX_TYPEDEFS, Convention, Prototype};
use super::call::{Compiled, Fast};
use super::sig::shifted;
use super::{Arg, FortranError, Outs, Routine, Sig, Signatures, Sources};
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
    /// Make every call through the interpreter. By default a routine gets its call compiled
    /// on first use (where its signature allows: [`Prepared::why_interpreted`]), with the
    /// same checks and results;
    /// this turns that off (to compare the two, or to save the compile time, about 0.1 ms
    /// per routine, of routines called once).
    pub interpret: bool,
    /// LU pivot indices (the `IPIV` of `getrf`, `getrs`, `gesv` …: "row i was interchanged
    /// with row IPIV(i)") 0-based, as Rust indexes, in the arguments and the outputs
    /// (f2py's and LAPACK's are 1-based). Calls of those routines are then interpreted.
    pub zero_based_pivots: bool,
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
    /// Routines by lower-case name (as callers write them: found without a conversion).
    names: FxHashMap<String, usize>,
    /// Each routine's call, made on its first call.
    prepared: Vec<OnceLock<Entry>>,
    /// Every call through the interpreter (`OpenOptions::interpret`).
    interpret: bool,
    /// `OpenOptions::zero_based_pivots`.
    zero_based: bool,
}

/// A routine's call signature, function and, where it qualifies, compiled call.
struct Entry {
    sig: Sig,
    f: Function,
    proto: Prototype,
    compiled: Option<Compiled>,
    /// Why the call was not compiled.
    interpreted: Option<String>,
    /// Calls the compiled code handed to the interpreter.
    fallbacks: AtomicU64,
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
        let names = sigs
            .routines
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.to_ascii_lowercase(), i))
            .collect();
        let prepared = (0..sigs.routines.len()).map(|_| OnceLock::new()).collect();
        Ok(Library {
            ffi,
            lib,
            abi,
            sigs,
            names,
            prepared,
            interpret: opts.interpret,
            zero_based: opts.zero_based_pivots,
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
        self.find(name).map(|i| &self.sigs.routines[i])
    }

    /// The index of the routine named `name` (any case).
    #[inline]
    fn find(&self, name: &str) -> Option<usize> {
        match self.names.get(name) {
            Some(&i) => Some(i),
            None => self.names.get(&name.to_ascii_lowercase()).copied(),
        }
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
    /// routine found illegal (`INFO < 0`), and for a routine with an argument no check can
    /// vouch for ([`Sig::unchecked`]: [`Prepared::call_unchecked`] calls those);
    /// [`FortranError::Failed`] when it ran and failed (`INFO > 0`, with what its
    /// documentation says that means).
    #[inline]
    pub fn call(&self, name: &str, args: &[Arg<'_>]) -> Result<Outs, FortranError> {
        match self.ready(name) {
            Some((r, e)) => Prepared { lib: self, r, e }.call(args),
            None => self.prepare_first(name)?.call(args),
        }
    }

    /// [`Library::call`] with the outputs written into `outs`: [`Prepared::call_into`] by
    /// name.
    ///
    /// # Errors
    ///
    /// As [`Library::call`]; `outs` is left empty.
    #[inline]
    pub fn call_into(
        &self,
        name: &str,
        args: &[Arg<'_>],
        outs: &mut Outs,
    ) -> Result<(), FortranError> {
        match self.ready(name) {
            Some((r, e)) => Prepared { lib: self, r, e }.call_into(args, outs),
            None => {
                outs.clear();
                self.prepare_first(name)?.call_into(args, outs)
            }
        }
    }

    /// A routine used before, by name: two pointers, returned in registers (a `Prepared`
    /// returned through memory was read back by wide loads right after its narrow stores,
    /// a store-forwarding stall of a fifth of a call by name).
    #[inline(always)]
    fn ready(&self, name: &str) -> Option<(&Routine, &Entry)> {
        let i = self.find(name)?;
        Some((&self.sigs.routines[i], self.prepared[i].get()?))
    }

    /// The routine `name` ready to call: [`Library::call`] without looking the name up
    /// (f2py's `get_lapack_funcs`). Its signature and C function are made on the first use
    /// of the routine, and its call compiled where it qualifies (see
    /// [`OpenOptions::interpret`]).
    ///
    /// # Errors
    ///
    /// A name the sources do not define, a routine whose types have no C counterpart, a
    /// symbol the library lacks.
    #[inline]
    pub fn prepare(&self, name: &str) -> Result<Prepared<'_>, FortranError> {
        // (A routine seen before costs the lookup; the first use of a routine, and an
        // unknown name, are out of line.)
        match self.ready(name) {
            Some((r, e)) => Ok(Prepared { lib: self, r, e }),
            None => self.prepare_first(name),
        }
    }

    /// [`Library::prepare`] of a routine not used before (or an unknown name).
    #[cold]
    #[inline(never)]
    fn prepare_first(&self, name: &str) -> Result<Prepared<'_>, FortranError> {
        let i = self
            .find(name)
            .ok_or_else(|| FortranError::NoRoutine(name.to_string()))?;
        let r = &self.sigs.routines[i];
        let e = match self.prepared[i].get() {
            Some(e) => e,
            None => {
                let proto = self.prototype(r)?;
                let f = self.resolve(r, &proto)?;
                let sig = Sig::of(r);
                // (The compiled code passes indices as they are.)
                let shifts = sig.result_zero_based
                    || sig.args.iter().any(|a| shifted(r, a, self.zero_based));
                let compiled = if self.interpret {
                    Err("OpenOptions::interpret is set".to_string())
                } else if shifts {
                    Err("its indices are shifted between 0- and 1-based around the call".into())
                } else {
                    super::call::compile(r, &sig, &self.abi, &proto, &f)
                };
                let (compiled, interpreted) = match compiled {
                    Ok(c) => (Some(c), None),
                    Err(why) => (None, Some(why)),
                };
                self.prepared[i].get_or_init(|| Entry {
                    sig,
                    f,
                    proto,
                    compiled,
                    interpreted,
                    fallbacks: AtomicU64::new(0),
                })
            }
        };
        Ok(Prepared { lib: self, r, e })
    }

    /// [`Library::call`] with the arguments named (any case, any order): `[("x",
    /// Arg::vec(&x)), ("incx", Arg::Int(1))]`. Arguments left out are optional ones' defaults.
    ///
    /// # Errors
    ///
    /// As [`Library::call`]; a name the routine does not take, or one it computes itself
    /// (an output, `INFO`, a workspace size), is an argument error.
    pub fn call_named(&self, name: &str, args: &[(&str, Arg<'_>)]) -> Result<Outs, FortranError> {
        self.prepare(name)?.call_named(args)
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
        let err = |e| FortranError::Symbol {
            routine: r.name.clone(),
            symbol: p.symbol.clone(),
            source: Box::new(e),
        };
        // XERBLA itself, called directly: Reference XERBLA would end the process (`STOP`),
        // so the call goes where `hook_xerbla` points the libraries' own calls.
        let xerbla = format!("{}xerbla{}", self.abi.prefix, self.abi.suffix);
        if p.symbol == xerbla && std::env::var_os("JITFFI_KEEP_XERBLA").is_none() {
            let params: Vec<&str> = p.params.iter().map(|x| x.ty.as_str()).collect();
            let ty = format!("{} (*)({})", p.ret, params.join(", "));
            // SAFETY: the handler has XERBLA's C prototype (name, INFO, the name's hidden
            // length) and lives as long as the process.
            return unsafe { self.ffi.function_at(super::xerbla::handler_address(), &ty) }
                .map_err(err);
        }
        self.ffi.function(&self.lib, &p.symbol).map_err(err)
    }
}

/// A routine of a [`Library`] ready to call ([`Library::prepare`]): [`Library::call`] without
/// the name lookup. A routine has its call compiled (copies, `intent(out)` arrays, workspace
/// queries and callbacks included), and calls of the kinds it was compiled for run that code
/// ([`Prepared::is_compiled`], [`Prepared::fallbacks`], [`Prepared::why_interpreted`]).
///
/// # Examples
///
/// ```
/// use jitffi::fortran::{Arg, Library, OpenOptions, Signatures, Form};
///
/// // DDOT as Reference BLAS documents it: the extents of DX and DY are what calls are
/// // checked against.
/// let sigs = Signatures::from_text(
///     "*> \\param[in] DX
/// *>          DX is DOUBLE PRECISION array, dimension ( 1 + ( N - 1 )*abs( INCX ) )
/// *> \\param[in] DY
/// *>          DY is DOUBLE PRECISION array, dimension ( 1 + ( N - 1 )*abs( INCY ) )
///       DOUBLE PRECISION FUNCTION DDOT(N, DX, INCX, DY, INCY)
///       INTEGER N, INCX, INCY
///       DOUBLE PRECISION DX(*), DY(*)
///       END
/// ",
///     Form::Fixed,
///     "ddot.f",
/// )?;
/// // SAFETY: loading a BLAS runs no initialisers that matter; the documented extents are
/// // DDOT's.
/// let blas = unsafe { Library::with_signatures("blas", sigs, &OpenOptions::default())? };
/// let ddot = blas.prepare("ddot")?;
/// let (x, y) = ([1.0f64, 2.0, 3.0], [4.0f64, 5.0, 6.0]);
/// for n in 1..=3 {
///     let r = ddot.call(&[Arg::Int(n), Arg::vec(&x), Arg::Int(1), Arg::vec(&y), Arg::Int(1)])?;
///     assert_eq!(r[0].real(), Some([4.0, 14.0, 32.0][n as usize - 1]));
/// }
/// // Four elements are more than x has: an error, before DDOT runs.
/// assert!(ddot.call(&[Arg::Int(4), Arg::vec(&x), Arg::Int(1), Arg::vec(&y), Arg::Int(1)]).is_err());
/// # #[cfg(target_arch = "x86_64")]
/// assert!(ddot.is_compiled());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy)]
pub struct Prepared<'l> {
    lib: &'l Library,
    r: &'l Routine,
    e: &'l Entry,
}

impl fmt::Debug for Prepared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("fortran::Prepared")
            .field("signature", &self.e.sig.to_string())
            .field("compiled", &self.is_compiled())
            .finish()
    }
}

impl<'l> Prepared<'l> {
    /// The routine read from the sources.
    pub fn routine(&self) -> &'l Routine {
        self.r
    }

    /// Its f2py-style signature.
    pub fn signature(&self) -> &'l Sig {
        &self.e.sig
    }

    /// Whether its call was compiled (it qualifies and [`OpenOptions::interpret`] is off).
    /// Calls the compiled code does not handle (an argument of another kind, a failed check)
    /// still go through the interpreter.
    pub fn is_compiled(&self) -> bool {
        self.e.compiled.is_some()
    }

    /// Why its call was not compiled (`None` when it was): "OpenOptions::interpret is set",
    /// or what the compiled code cannot do for this routine ("U depends on something unknown
    /// before the call": an extent the documentation gives in prose, …).
    pub fn why_interpreted(&self) -> Option<&'l str> {
        self.e.interpreted.as_deref()
    }

    /// How many calls so far the compiled code handed to the interpreter (an argument of a
    /// kind it was not compiled for, a failed check, a size that overflows):
    /// to see whether a loop takes the compiled path.
    pub fn fallbacks(&self) -> u64 {
        self.e.fallbacks.load(Ordering::Relaxed)
    }

    /// [`Library::call`].
    ///
    /// # Errors
    ///
    /// As [`Library::call`].
    #[inline]
    pub fn call(&self, args: &[Arg<'_>]) -> Result<Outs, FortranError> {
        if !self.e.sig.unchecked.is_empty() {
            return Err(self.refused_unchecked());
        }
        // SAFETY: no argument of this routine is unchecked.
        unsafe { self.call_unchecked(args) }
    }

    /// [`Prepared::call`] with the outputs written into `outs` (its previous contents
    /// dropped first), for calls in a loop: no `Outs` is built and moved per call. (A
    /// returned `Outs` is copied out of the frame that built it; the copy's wide loads
    /// cannot forward from the narrow stores that just wrote it, a stall of about a
    /// quarter of a `ddot` call.) On an error `outs` is left empty.
    ///
    /// # Errors
    ///
    /// As [`Library::call`].
    ///
    /// # Examples
    ///
    /// ```
    /// use jitffi::fortran::{Arg, Form, Library, OpenOptions, Outs, Signatures};
    ///
    /// let sigs = Signatures::from_text(
    ///     "*> \\param[in] DX
    /// *>          DX is DOUBLE PRECISION array, dimension ( 1 + ( N - 1 )*abs( INCX ) )
    /// *> \\param[in] DY
    /// *>          DY is DOUBLE PRECISION array, dimension ( 1 + ( N - 1 )*abs( INCY ) )
    ///       DOUBLE PRECISION FUNCTION DDOT(N, DX, INCX, DY, INCY)
    ///       INTEGER N, INCX, INCY
    ///       DOUBLE PRECISION DX(*), DY(*)
    ///       END
    /// ",
    ///     Form::Fixed,
    ///     "ddot.f",
    /// )?;
    /// // SAFETY: loading a BLAS runs no initialisers that matter; the documented extents are
    /// // DDOT's.
    /// let blas = unsafe { Library::with_signatures("blas", sigs, &OpenOptions::default())? };
    /// let ddot = blas.prepare("ddot")?;
    /// let (x, y) = ([1.0f64, 2.0, 3.0], [4.0f64, 5.0, 6.0]);
    /// let mut outs = Outs::default();
    /// let mut total = 0.0;
    /// for n in 1..=3 {
    ///     let args = [Arg::Int(n), Arg::vec(&x), Arg::Int(1), Arg::vec(&y), Arg::Int(1)];
    ///     ddot.call_into(&args, &mut outs)?;
    ///     total += outs[0].real().unwrap_or(0.0);
    /// }
    /// assert_eq!(total, 4.0 + 14.0 + 32.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn call_into(&self, args: &[Arg<'_>], outs: &mut Outs) -> Result<(), FortranError> {
        outs.clear();
        if !self.e.sig.unchecked.is_empty() {
            return Err(self.refused_unchecked());
        }
        // (`call_unchecked`'s body, into `outs`: one function shared by both measured about
        // 1 ns slower on `Prepared::call`'s `ddot`.)
        if let Some(c) = &self.e.compiled {
            // (On `Info` and `Slow` the compiled code has added nothing to `outs`.)
            match c.run(args, outs) {
                Fast::Done => return Ok(()),
                Fast::Info(v) => return self.info_error(v).map(drop),
                Fast::Slow => {}
            }
        }
        *outs = self.interpret(args)?;
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn refused_unchecked(&self) -> FortranError {
        let (arg, what) = &self.e.sig.unchecked[0];
        FortranError::Argument {
            routine: self.r.name.to_ascii_lowercase(),
            argument: arg.to_ascii_lowercase(),
            message: format!(
                "is what no check can vouch for (\"{what}\": no documented bound, and {} \
                 does not check it); a wrong value reads or writes outside the \
                 arrays, so only `Prepared::call_unchecked` calls it",
                self.r.name.to_ascii_lowercase()
            ),
        }
    }

    /// [`Prepared::call`] for a routine with arguments no check can vouch for
    /// ([`Sig::unchecked`]: indices such as CHESWAPR's `I1`, `I2`, in routines that check
    /// none of their arguments), which `call` refuses. Everything else is checked as `call`
    /// checks it.
    ///
    /// # Errors
    ///
    /// As [`Library::call`].
    ///
    /// # Safety
    ///
    /// Each argument [`Sig::unchecked`] names has a value the routine's documentation allows
    /// for the other arguments given (a row index within the matrix …), since the routine
    /// reads and writes its arrays where that value says.
    // (Inlined into the caller: the outputs are then built where the caller keeps them,
    // instead of copied right after the compiled code's narrow stores, which a wide copy
    // cannot forward from.)
    #[inline]
    pub unsafe fn call_unchecked(&self, args: &[Arg<'_>]) -> Result<Outs, FortranError> {
        let e = self.e;
        if let Some(c) = &e.compiled {
            let mut outs = Outs::default();
            match c.run(args, &mut outs) {
                Fast::Done => return Ok(outs),
                Fast::Info(v) => return self.info_error(v),
                Fast::Slow => {}
            }
        }
        self.interpret(args)
    }

    #[cold]
    #[inline(never)]
    fn info_error(&self, v: i64) -> Result<Outs, FortranError> {
        let name = self.r.name.to_ascii_lowercase();
        super::call::info_error(self.r, &self.e.sig, v, &name).map(|()| Outs::default())
    }

    /// The call through the interpreter (counted as a fallback when the call was compiled).
    #[inline(never)]
    fn interpret(&self, args: &[Arg<'_>]) -> Result<Outs, FortranError> {
        let e = self.e;
        if e.compiled.is_some() {
            e.fallbacks.fetch_add(1, Ordering::Relaxed);
        }
        super::call::call(
            self.r,
            &e.sig,
            &self.lib.abi,
            &e.proto,
            &e.f,
            args,
            self.lib.zero_based,
        )
    }

    /// [`Library::call_named`].
    ///
    /// # Errors
    ///
    /// As [`Library::call_named`].
    pub fn call_named(&self, args: &[(&str, Arg<'_>)]) -> Result<Outs, FortranError> {
        let (r, sig) = (self.r, &self.e.sig);
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
        self.call(&ordered)
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
