//! A routine's C-ABI prototype, as gfortran (or an f2c-convention compiler) calls it on
//! x86-64 and AArch64 Linux:
//!
//! - the symbol is the name in lower case plus `_` (configurable prefix and suffix, e.g.
//!   OpenBLAS's ILP64 `64_`); module procedures are `__module_MOD_name`; `BIND(C)` names are
//!   taken as written;
//! - every dummy is passed by reference (a pointer), except `VALUE` dummies of `BIND(C)`
//!   routines;
//! - each `CHARACTER` dummy adds a hidden `size_t` length, `CHARACTER*1` included, appended
//!   after the explicit arguments in the order of the dummies (leaving it out is undefined
//!   behaviour that broke R's and Julia's LAPACK calls in 2019);
//! - `REAL` and `DOUBLE PRECISION` results come back in `xmm0`; `COMPLEX` results as C
//!   `_Complex` values (gfortran) or through a hidden first pointer (f2c/g77, `-ff2c`, which
//!   also returns `REAL` functions as C `double`); `CHARACTER` results through a hidden first
//!   pointer and length;
//! - default `INTEGER` and `LOGICAL` are 4 bytes, 8 under ILP64 (`-fdefault-integer-8`).

use super::model::{CharLen, Dummy, FType, Intent, ProcSig, Routine};

/// The C types of Fortran's `COMPLEX` and `COMPLEX*16` scalars: structs of two parts, which
/// have the layout and the calling convention of C's `float _Complex` and `double _Complex` on
/// x86-64 (System V: one or two SSE eightbytes) and AArch64 (a homogeneous aggregate of two),
/// and which jitffi passes and returns by value like any struct. Every cdef of
/// [`Signatures::cdef`](super::Signatures::cdef) starts with them.
pub const COMPLEX_TYPEDEFS: &str = "\
typedef struct { float re, im; } fortran_complex8;    /* COMPLEX: C's float _Complex */
typedef struct { double re, im; } fortran_complex16;  /* COMPLEX*16: C's double _Complex */
";

/// How a library's routines are called.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Abi {
    /// Default `INTEGER` and `LOGICAL` are 8 bytes (`-fdefault-integer-8`, ILP64 BLAS).
    pub ilp64: bool,
    /// How `COMPLEX` (and `REAL`) function results are returned.
    pub convention: Convention,
    /// Put before every symbol (`scipy_`).
    pub prefix: String,
    /// Put after every symbol (`_`; OpenBLAS's ILP64 builds for other distributions use
    /// `_64_`).
    pub suffix: String,
    /// Names with an underscore inside get a second one (`la_foo__`): f2c and g77, and
    /// gfortran with `-ff2c` or `-fsecond-underscore`.
    pub second_underscore: bool,
}

impl Default for Abi {
    fn default() -> Abi {
        Abi {
            ilp64: false,
            convention: Convention::Gfortran,
            prefix: String::new(),
            suffix: "_".into(),
            second_underscore: false,
        }
    }
}

/// The result-passing convention of the compiler that built a library.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Convention {
    /// gfortran (and ifort, flang): `COMPLEX` results as C `_Complex` values.
    Gfortran,
    /// f2c / g77 / `gfortran -ff2c` / Apple Accelerate: `COMPLEX` results through a hidden
    /// first pointer, `REAL` results as C `double`.
    F2c,
}

/// A routine's C declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prototype {
    /// The symbol to resolve.
    pub symbol: String,
    /// The C declaration, ending in `;`.
    pub decl: String,
    /// The C parameters in order, hidden ones included.
    pub params: Vec<CParam>,
    /// The C result type (`void` for subroutines and hidden-result functions).
    pub ret: String,
}

/// One C parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CParam {
    /// The C parameter name.
    pub name: String,
    /// Its C type.
    pub ty: String,
    /// What it is.
    pub role: ParamRole,
}

/// What a C parameter carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamRole {
    /// The dummy with this index (by reference, or by value with `VALUE`).
    Dummy(usize),
    /// The hidden length of the `CHARACTER` dummy with this index.
    Length(usize),
    /// The hidden result pointer of a `COMPLEX` (f2c) or `CHARACTER` function.
    Result,
    /// The hidden length of a `CHARACTER` function result.
    ResultLength,
}

impl Abi {
    /// The symbol of a routine.
    pub fn symbol(&self, r: &Routine) -> String {
        if let Some(bind) = &r.bind_c {
            return bind.clone().unwrap_or_else(|| r.name.to_ascii_lowercase());
        }
        if let Some(m) = &r.module {
            return format!(
                "__{}_MOD_{}",
                m.to_ascii_lowercase(),
                r.name.to_ascii_lowercase()
            );
        }
        let name = r.fortran_name.as_deref().unwrap_or(&r.name);
        let second = if self.second_underscore && name.contains('_') {
            "_"
        } else {
            ""
        };
        format!(
            "{}{}{}{second}",
            self.prefix,
            name.to_ascii_lowercase(),
            self.suffix
        )
    }

    /// The C type of a scalar of `t` (`char` for `CHARACTER`).
    ///
    /// # Errors
    ///
    /// Kinds with no C counterpart here (`INTEGER(16)`, `REAL(16)`).
    pub fn c_type(&self, t: &FType) -> Result<String, String> {
        let int = |k: Option<u8>| -> Result<String, String> {
            let bytes = k.unwrap_or(if self.ilp64 { 8 } else { 4 });
            match bytes {
                1 | 2 | 4 | 8 => Ok(format!("int{}_t", bytes * 8)),
                _ => Err(format!("kind {bytes} has no C integer type here")),
            }
        };
        Ok(match t {
            FType::Integer { kind } | FType::Logical { kind } => int(*kind)?,
            FType::Real { kind } => match kind.unwrap_or(4) {
                4 => "float".into(),
                8 => "double".into(),
                10 => "long double".into(),
                k => return Err(format!("REAL(KIND={k}) is not supported")),
            },
            FType::Complex { kind } => match kind.unwrap_or(4) {
                4 => "fortran_complex8".into(),
                8 => "fortran_complex16".into(),
                10 => "long double _Complex".into(),
                k => return Err(format!("COMPLEX(KIND={k}) is not supported")),
            },
            FType::Character { .. } => "char".into(),
        })
    }

    /// The C prototype of a routine.
    ///
    /// # Errors
    ///
    /// A type with no C counterpart, naming the dummy.
    pub fn prototype(&self, r: &Routine) -> Result<Prototype, String> {
        let mut params = Vec::new();
        let mut ret = "void".to_string();
        if let Some(t) = &r.result {
            match t {
                FType::Character { .. } => {
                    params.push(CParam {
                        name: "ret".into(),
                        ty: "char *".into(),
                        role: ParamRole::Result,
                    });
                    params.push(CParam {
                        name: "ret_len".into(),
                        ty: "size_t".into(),
                        role: ParamRole::ResultLength,
                    });
                }
                FType::Complex { .. } if self.convention == Convention::F2c => {
                    params.push(CParam {
                        name: "ret".into(),
                        ty: format!("{} *", self.c_type(t)?),
                        role: ParamRole::Result,
                    });
                }
                FType::Real { kind }
                    if self.convention == Convention::F2c && kind.unwrap_or(4) == 4 =>
                {
                    ret = "double".into();
                }
                _ => ret = self.c_type(t).map_err(|e| format!("the result: {e}"))?,
            }
        }
        let mut names: Vec<String> = Vec::new();
        for (i, d) in r.dummies.iter().enumerate() {
            let name = c_name(&d.name, &names);
            names.push(name.clone());
            let ty = self
                .dummy_type(d)
                .map_err(|e| format!("dummy {}: {e}", d.name))?;
            params.push(CParam {
                name,
                ty,
                role: ParamRole::Dummy(i),
            });
        }
        for (i, d) in r.dummies.iter().enumerate() {
            if matches!(d.ty, Some(FType::Character { .. })) && d.external.is_none() && !d.value {
                let name = c_name(&format!("{}_len", d.name), &names);
                names.push(name.clone());
                params.push(CParam {
                    name,
                    ty: "size_t".into(),
                    role: ParamRole::Length(i),
                });
            }
        }
        let symbol = self.symbol(r);
        let list = if params.is_empty() {
            "void".to_string()
        } else {
            params
                .iter()
                .map(|p| declare(&p.ty, &p.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let decl = format!("{} {symbol}({list});", ret);
        Ok(Prototype {
            symbol,
            decl,
            params,
            ret,
        })
    }

    fn dummy_type(&self, d: &Dummy) -> Result<String, String> {
        if let Some(sig) = &d.external {
            return match sig {
                Some(sig) => self.proc_type(sig),
                None => Ok("void *".into()),
            };
        }
        let t = d.ty.as_ref().ok_or("has no type")?;
        let base = self.c_type(t)?;
        if d.value {
            if matches!(t, FType::Character { len } if *len != CharLen::Fixed(1)) {
                return Err("a CHARACTER VALUE dummy longer than 1 cannot be passed".into());
            }
            return Ok(base);
        }
        let constant = matches!(d.intent, Some((Intent::In, _)));
        Ok(if constant {
            format!("const {base} *")
        } else {
            format!("{base} *")
        })
    }

    /// A dummy procedure as a C function pointer type: arguments by reference.
    fn proc_type(&self, sig: &ProcSig) -> Result<String, String> {
        let ret = match &sig.result {
            None => "void".to_string(),
            Some(FType::Complex { .. } | FType::Character { .. }) => {
                return Ok("void *".into());
            }
            Some(t) => self.c_type(t)?,
        };
        let args = sig
            .args
            .iter()
            .map(|t| Ok(format!("const {} *", self.c_type(t)?)))
            .collect::<Result<Vec<_>, String>>()?;
        let args = if args.is_empty() {
            "void".to_string()
        } else {
            args.join(", ")
        };
        Ok(format!("{ret} (*)({args})"))
    }
}

/// `T name`, or `R (*name)(…)` for a function pointer type.
fn declare(ty: &str, name: &str) -> String {
    match ty.find("(*)") {
        Some(i) => format!("{}(*{name}){}", &ty[..i], &ty[i + 3..]),
        None if ty.ends_with('*') => format!("{ty}{name}"),
        None => format!("{ty} {name}"),
    }
}

/// A C parameter name for a Fortran name: lower case, not a C keyword, unique.
fn c_name(fortran: &str, taken: &[String]) -> String {
    const KEYWORDS: &[&str] = &[
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
        "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
        "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
        "union", "unsigned", "void", "volatile", "while", "bool", "ret", "ret_len",
    ];
    let mut n = fortran.to_ascii_lowercase();
    if KEYWORDS.contains(&n.as_str()) {
        n.push('_');
    }
    while taken.contains(&n) {
        n.push('_');
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fortran::parse::{Kinds, read_units};
    use crate::fortran::source::{Form, read_text};

    fn protos(src: &str, abi: &Abi) -> Vec<String> {
        let (stmts, _) = read_text(src, Form::Fixed, "t.f");
        let u = read_units(&stmts, &mut Kinds::default());
        assert!(u.skipped.is_empty(), "{:?}", u.skipped);
        u.routines
            .iter()
            .map(|r| abi.prototype(r).unwrap().decl)
            .collect()
    }

    const SRC: &str = "\
*> \\param[in] TRANS
*> \\param[in] N
*> \\param[in,out] A
      SUBROUTINE DFOO( TRANS, N, A, UPLO, INFO )
      CHARACTER          TRANS, UPLO
      INTEGER            N, INFO
      DOUBLE PRECISION   A( * )
      END
      DOUBLE COMPLEX FUNCTION ZDOTC( N, ZX, INCX, ZY, INCY )
      INTEGER INCX, INCY, N
      COMPLEX*16 ZX(*), ZY(*)
      END
      REAL FUNCTION SDOT( N, SX, INCX, SY, INCY )
      INTEGER INCX, INCY, N
      REAL SX(*), SY(*)
      END
      CHARACTER*(*) FUNCTION NAME( K )
      INTEGER K
      END
";

    #[test]
    fn gfortran_lp64() {
        assert_eq!(
            protos(SRC, &Abi::default()),
            [
                "void dfoo_(const char *trans, const int32_t *n, double *a, char *uplo, int32_t *info, size_t trans_len, size_t uplo_len);",
                "fortran_complex16 zdotc_(int32_t *n, fortran_complex16 *zx, int32_t *incx, fortran_complex16 *zy, int32_t *incy);",
                "float sdot_(int32_t *n, float *sx, int32_t *incx, float *sy, int32_t *incy);",
                "void name_(char *ret, size_t ret_len, int32_t *k);",
            ]
        );
    }

    #[test]
    fn f2c_ilp64_with_a_suffix() {
        let abi = Abi {
            ilp64: true,
            convention: Convention::F2c,
            prefix: String::new(),
            suffix: "_64_".into(),
            second_underscore: false,
        };
        let p = protos(SRC, &abi);
        assert_eq!(
            p[1],
            "void zdotc_64_(fortran_complex16 *ret, int64_t *n, fortran_complex16 *zx, int64_t *incx, fortran_complex16 *zy, int64_t *incy);"
        );
        assert_eq!(
            p[2],
            "double sdot_64_(int64_t *n, float *sx, int64_t *incx, float *sy, int64_t *incy);"
        );
    }
}
