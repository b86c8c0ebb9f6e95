//! What the reader finds in Fortran sources: routines, their dummy arguments, types, shapes
//! and intents, independent of any ABI.

use std::collections::BTreeMap;

use super::source::Location;

/// A Fortran intrinsic type with its kind, as declared. `kind: None` is the default kind, whose
/// size the ABI decides (`INTEGER` is 4 bytes, or 8 with `-fdefault-integer-8`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FType {
    /// `INTEGER`, `INTEGER*8`, `INTEGER(KIND=8)`: the kind is the size in bytes.
    Integer {
        /// Bytes; `None` for the default kind.
        kind: Option<u8>,
    },
    /// `REAL` (4), `DOUBLE PRECISION` / `REAL*8` / `REAL(8)` (8), `REAL*16` (16).
    Real {
        /// Bytes; `None` for the default kind (4).
        kind: Option<u8>,
    },
    /// `COMPLEX` (2 × 4 bytes), `COMPLEX*16` / `DOUBLE COMPLEX` / `COMPLEX(KIND=8)` (2 × 8).
    Complex {
        /// Bytes of each part; `None` for the default kind (4).
        kind: Option<u8>,
    },
    /// `LOGICAL`: the kind is the size in bytes.
    Logical {
        /// Bytes; `None` for the default kind (4, or 8 with `-fdefault-integer-8`).
        kind: Option<u8>,
    },
    /// `CHARACTER*1`, `CHARACTER*(*)`, `CHARACTER(LEN=n)`.
    Character {
        /// The declared length.
        len: CharLen,
    },
}

impl FType {
    /// The type as Fortran spells it (`DOUBLE PRECISION` is `REAL(KIND=8)`).
    pub fn fortran(&self) -> String {
        let k = |name: &str, kind: &Option<u8>| match kind {
            None => name.to_string(),
            Some(k) => format!("{name}(KIND={k})"),
        };
        match self {
            FType::Integer { kind } => k("INTEGER", kind),
            FType::Real { kind } => k("REAL", kind),
            FType::Complex { kind } => k("COMPLEX", kind),
            FType::Logical { kind } => k("LOGICAL", kind),
            FType::Character { len } => match len {
                CharLen::Assumed => "CHARACTER(LEN=*)".into(),
                CharLen::Fixed(n) => format!("CHARACTER(LEN={n})"),
                CharLen::Expr(e) => format!("CHARACTER(LEN={e})"),
            },
        }
    }
}

/// The length of a `CHARACTER` entity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CharLen {
    /// `*(*)` / `LEN=*`: passed by the caller (the hidden length argument).
    Assumed,
    /// A constant length.
    Fixed(u64),
    /// A length that depends on other entities.
    Expr(String),
}

/// One dimension of an array declarator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dim {
    /// The lower bound, when not 1 (`0:N`).
    pub lower: Option<String>,
    /// The upper bound.
    pub upper: Bound,
}

/// The upper bound of a dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bound {
    /// An expression (`N`, `LDA`, `MAX(1,LWORK)`), as written (upper case, no blanks).
    Expr(String),
    /// `*`: assumed size (the last dimension of `A(LDA,*)`).
    Star,
    /// `:`: assumed shape (needs a descriptor; not callable from C).
    Colon,
}

/// An argument's direction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Read by the routine.
    In,
    /// Written by the routine.
    Out,
    /// Read and written.
    InOut,
}

impl Intent {
    /// As `intent(...)` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::In => "in",
            Intent::Out => "out",
            Intent::InOut => "inout",
        }
    }
}

/// Where an intent came from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum IntentSource {
    /// An `INTENT(...)` attribute.
    Declared,
    /// A doxygen `\param[in,out]` line.
    Doc,
    /// A `.pyf` signature or an `!f2py` directive.
    Pyf,
}

/// A dummy procedure's interface, where the sources say it (`SELECT is a LOGICAL FUNCTION of
/// two DOUBLE PRECISION arguments`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcSig {
    /// The result type; `None` for a subroutine.
    pub result: Option<FType>,
    /// The argument types (each passed by reference).
    pub args: Vec<FType>,
}

/// A dummy argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dummy {
    /// The name, upper case.
    pub name: String,
    /// The type; `None` for a dummy procedure declared `EXTERNAL` without a type (a
    /// subroutine).
    pub ty: Option<FType>,
    /// Array dimensions; empty for a scalar.
    pub dims: Vec<Dim>,
    /// Its intent, if known, and where it was found.
    pub intent: Option<(Intent, IntentSource)>,
    /// `VALUE` (`bind(c)` routines): passed by value.
    pub value: bool,
    /// `OPTIONAL`.
    pub optional: bool,
    /// A dummy procedure (`EXTERNAL`, or a procedure interface).
    pub external: Option<Option<ProcSig>>,
    /// The type came from the implicit typing rules, not a declaration.
    pub implicit: bool,
    /// Why the dummy cannot be passed through the C ABI (assumed shape, `ALLOCATABLE`,
    /// `POINTER`, a derived type, an alternate return).
    pub refused: Option<String>,
}

/// A subroutine or function.
#[derive(Clone, Debug, PartialEq)]
pub struct Routine {
    /// The name, upper case.
    pub name: String,
    /// The module it is a procedure of.
    pub module: Option<String>,
    /// `BIND(C)`: `Some(None)`, or `Some(Some(name))` with `NAME=`.
    pub bind_c: Option<Option<String>>,
    /// The function result's type; `None` for a subroutine.
    pub result: Option<FType>,
    /// The dummies, in order.
    pub dummies: Vec<Dummy>,
    /// Where the `SUBROUTINE` / `FUNCTION` statement is.
    pub loc: Location,
    /// The doxygen documentation before it.
    pub doc: Doc,
    /// Its body calls `XERBLA` (the illegal-argument handler), which Reference LAPACK's
    /// version ends the process in.
    pub calls_xerbla: bool,
    /// The dummies its body assigns to (`NAME = …`, `NAME(I) = …`, also after a logical
    /// `IF (…)`), upper case: an argument documented as an input that the routine writes
    /// (SLAED9's `DLAMDA(I) = SLAMC3(DLAMDA(I), DLAMDA(I)) - DLAMDA(I)`) is not lent
    /// read-only. Writes through calls of other routines are not seen.
    pub assigned: Vec<String>,
    /// The routines its body `CALL`s, each with its actual arguments: the variable an
    /// argument is (or is an element of: `V(1,J)` is `V`), `None` for an expression. An
    /// array passed where a routine of the same sources writes (its `intent(out)` or
    /// `in,out` dummies, or what it writes in turn) is added to [`Routine::assigned`] when
    /// the sources are read: CLARZB conjugates its input `V` in place (and back) through
    /// CLACGV.
    pub calls: Vec<(String, Vec<Option<String>>)>,
    /// The letters its body compares each `CHARACTER` dummy with (`LSAME( TRANS, 'T' )`),
    /// upper case: what it accepts, where the documentation lists other letters (DGEMQRT
    /// documents `TRANS = 'C'` and accepts only `'T'`).
    pub letters: Vec<(String, char)>,
    /// The 1-based positions of the arguments its body rejects with an error code (`INFO =
    /// -k` before `CALL XERBLA`): what the routine itself checks.
    pub checked: Vec<usize>,
    /// The name its symbol is made from when that is not `name` (a signature file's
    /// `fortranname`: `dgehrd_lwork` calls `dgehrd_`).
    pub fortran_name: Option<String>,
    /// The call signature a `.pyf` file states for it (then [`Sig::of`](super::Sig::of)
    /// returns it instead of deriving one).
    pub pyf: Option<super::sig::Sig>,
}

impl Routine {
    /// `SUBROUTINE` or `FUNCTION`.
    pub fn kind_word(&self) -> &'static str {
        if self.result.is_some() {
            "FUNCTION"
        } else {
            "SUBROUTINE"
        }
    }

    /// The dummy named `name` (any case).
    pub fn dummy(&self, name: &str) -> Option<&Dummy> {
        self.dummies
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
    }
}

/// What a routine's doxygen block says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Doc {
    /// The `\brief` text.
    pub brief: String,
    /// The `\par Purpose` text.
    pub purpose: String,
    /// Per argument (upper case name).
    pub params: BTreeMap<String, ParamDoc>,
}

/// The documentation of one argument.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParamDoc {
    /// From `\param[in]`, `\param[out]`, `\param[in,out]`.
    pub intent: Option<Intent>,
    /// The `X is TYPE …` line's type words (`DOUBLE PRECISION array`).
    pub is: String,
    /// The dimensions of `dimension (LDA,N)`, upper case without blanks.
    pub dims: Option<Vec<String>>,
    /// The text.
    pub text: String,
}

/// A routine the reader could not wrap, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The routine name (upper case), or the file when no routine could be named.
    pub name: String,
    /// Where.
    pub loc: Location,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for Skipped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.loc, self.name, self.reason)
    }
}
