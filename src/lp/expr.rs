//! Linear expressions and constraints: `10.0 * x + 6.0 * y + 4.0 * z`, `e.le(100)`,
//! [`constraint!`](crate::constraint).
//!
//! An [`Expr`] is a list of terms and a constant. `+` and `-` append (an owned left-hand side
//! is reused, so a long sum costs one push per term); like terms are merged when the
//! expression reaches a [`Problem`](super::Problem), which also rejects NaN and infinite
//! coefficients and variables of another problem. `f64 * Var` is a [`Term`] (a `Copy` pair), so
//! `Sum` over terms allocates once.

use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

use smallvec::SmallVec;

/// Terms an [`Expr`] holds without allocating.
const INLINE_TERMS: usize = 8;

/// A variable of a [`Problem`](super::Problem) (a column): a small `Copy` handle. Using it
/// with another problem is an error ([`LpError::ForeignVar`](super::LpError::ForeignVar)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    pub(crate) model: u32,
    pub(crate) id: u32,
}

impl Var {
    /// The variable's number in its problem: 0 for the first one made, in creation order
    /// (stable when other variables are deleted; a read problem numbers its columns). A
    /// subscript, so it counts from 0; messages name an unnamed variable by its ordinal,
    /// from 1: index 2 is `variable 3`.
    pub fn index(self) -> usize {
        self.id as usize
    }
}

/// A constraint of a [`Problem`](super::Problem) (a row), as [`Var`] is a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Row {
    pub(crate) model: u32,
    pub(crate) id: u32,
}

impl Row {
    /// The row's number in its problem, in creation order, from 0 as [`Var::index`]
    /// (messages say `row 1` for index 0).
    pub fn index(self) -> usize {
        self.id as usize
    }
}

/// `coef * var`: what `2.0 * x` makes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Term {
    /// The variable.
    pub var: Var,
    /// Its coefficient.
    pub coef: f64,
}

/// A linear expression: `Σ coef·var + constant`.
///
/// Terms are kept as written (`x + x` has two terms) until a problem merges them.
#[derive(Clone, Debug, Default)]
pub struct Expr {
    pub(crate) terms: SmallVec<[Term; INLINE_TERMS]>,
    pub(crate) constant: f64,
}

impl Expr {
    /// The empty expression, 0.
    pub fn new() -> Expr {
        Expr::default()
    }

    /// An empty expression with room for `n` terms.
    pub fn with_capacity(n: usize) -> Expr {
        Expr {
            terms: SmallVec::with_capacity(n),
            constant: 0.0,
        }
    }

    /// `Σ coef·var` from pairs.
    pub fn from_terms(terms: impl IntoIterator<Item = (Var, f64)>) -> Expr {
        Expr {
            terms: terms
                .into_iter()
                .map(|(var, coef)| Term { var, coef })
                .collect(),
            constant: 0.0,
        }
    }

    /// The terms, as written (not merged).
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// The constant term.
    pub fn constant(&self) -> f64 {
        self.constant
    }

    /// Appends `coef * var` (what `+=` does for a term, without building one).
    pub fn add_term(&mut self, var: Var, coef: f64) {
        self.terms.push(Term { var, coef });
    }

    /// `self ≤ rhs`.
    pub fn le(self, rhs: impl Into<Expr>) -> Constraint {
        self.compare(rhs.into(), |c| (f64::NEG_INFINITY, -c))
    }

    /// `self ≥ rhs`.
    pub fn ge(self, rhs: impl Into<Expr>) -> Constraint {
        self.compare(rhs.into(), |c| (-c, f64::INFINITY))
    }

    /// `self = rhs`. (Not `PartialEq`: this builds a constraint.)
    pub fn eq(self, rhs: impl Into<Expr>) -> Constraint {
        self.compare(rhs.into(), |c| (-c, -c))
    }

    /// `lower ≤ self ≤ upper`: one ranged row (`GLP_DB`, or `GLP_FX` when equal). Either bound
    /// may be infinite.
    pub fn between(self, lower: impl Into<f64>, upper: impl Into<f64>) -> Constraint {
        let (expr, c) = self.split_constant();
        Constraint::new(expr, lower.into() - c, upper.into() - c)
    }

    fn split_constant(mut self) -> (Expr, f64) {
        let c = std::mem::take(&mut self.constant);
        (self, c)
    }

    /// `self - rhs` compared with 0: the bounds come from the difference's constant. Built in
    /// place (an `Expr` is 150 bytes; a row of a big model should not be copied around).
    #[inline]
    fn compare(mut self, rhs: Expr, bounds: impl FnOnce(f64) -> (f64, f64)) -> Constraint {
        (&rhs).add_to(&mut self, -1.0);
        let (lower, upper) = bounds(std::mem::take(&mut self.constant));
        Constraint {
            expr: self,
            lower,
            upper,
            name: None,
        }
    }
}

impl From<Var> for Expr {
    fn from(var: Var) -> Expr {
        Expr::from(Term { var, coef: 1.0 })
    }
}

impl From<&Var> for Expr {
    fn from(var: &Var) -> Expr {
        Expr::from(*var)
    }
}

impl From<Term> for Expr {
    fn from(t: Term) -> Expr {
        let mut terms = SmallVec::new();
        terms.push(t);
        Expr {
            terms,
            constant: 0.0,
        }
    }
}

impl From<f64> for Expr {
    fn from(c: f64) -> Expr {
        Expr {
            terms: SmallVec::new(),
            constant: c,
        }
    }
}

impl From<i32> for Expr {
    fn from(c: i32) -> Expr {
        Expr::from(f64::from(c))
    }
}

/// A linear constraint `lower ≤ expr ≤ upper` (the expression's constant already moved into
/// the bounds), ready for [`Problem::add_constraint`](super::Problem::add_constraint).
#[derive(Clone, Debug)]
pub struct Constraint {
    pub(crate) expr: Expr,
    pub(crate) lower: f64,
    pub(crate) upper: f64,
    pub(crate) name: Option<String>,
}

impl Constraint {
    fn new(expr: Expr, lower: f64, upper: f64) -> Constraint {
        Constraint {
            expr,
            lower,
            upper,
            name: None,
        }
    }

    /// Names the row (as GLPK and LP/MPS files show it).
    pub fn name(mut self, name: impl Into<String>) -> Constraint {
        self.name = Some(name.into());
        self
    }

    /// The left-hand side, constant-free.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The bounds `(lower, upper)`; `-inf`/`+inf` where there is none.
    pub fn bounds(&self) -> (f64, f64) {
        (self.lower, self.upper)
    }
}

/// `constraint!(x + y + z <= 100)`: a [`Constraint`] from a comparison. `<=`, `>=`, `==`
/// between expressions, and ranges `l <= e <= u` / `u >= e >= l` with constant bounds.
///
/// ```
/// use jitffi::constraint;
/// use jitffi::lp::{Problem, VarDef};
///
/// let mut p = Problem::new()?;
/// let x = p.add_var(VarDef::continuous())?;
/// let y = p.add_var(VarDef::continuous())?;
/// let c = constraint!(x + 2.0 * y <= 10);
/// assert_eq!(c.bounds(), (f64::NEG_INFINITY, 10.0));
/// let r = constraint!(1 <= x - y + 3.0 <= 5);
/// assert_eq!(r.bounds(), (-2.0, 2.0));
/// p.add_constraint(c)?;
/// # Ok::<(), jitffi::lp::LpError>(())
/// ```
#[macro_export]
macro_rules! constraint {
    (@munch [$($a:tt)*] <= $($rest:tt)+) => { $crate::constraint!(@le [$($a)*] [] $($rest)+) };
    (@munch [$($a:tt)*] >= $($rest:tt)+) => { $crate::constraint!(@ge [$($a)*] [] $($rest)+) };
    (@munch [$($a:tt)*] == $($rest:tt)+) => {
        $crate::lp::Expr::from($($a)*).eq($($rest)+)
    };
    (@munch [$($a:tt)*] $t:tt $($rest:tt)*) => { $crate::constraint!(@munch [$($a)* $t] $($rest)*) };
    (@munch [$($a:tt)*]) => {
        ::core::compile_error!("constraint!: expected `<=`, `>=` or `==`")
    };
    (@le [$($a:tt)*] [$($b:tt)*] <= $($c:tt)+) => {
        $crate::lp::Expr::from($($b)*).between($($a)*, $($c)+)
    };
    (@le [$($a:tt)*] [$($b:tt)*] $t:tt $($rest:tt)*) => {
        $crate::constraint!(@le [$($a)*] [$($b)* $t] $($rest)*)
    };
    (@le [$($a:tt)*] [$($b:tt)*]) => { $crate::lp::Expr::from($($a)*).le($($b)*) };
    (@ge [$($a:tt)*] [$($b:tt)*] >= $($c:tt)+) => {
        $crate::lp::Expr::from($($b)*).between($($c)+, $($a)*)
    };
    (@ge [$($a:tt)*] [$($b:tt)*] $t:tt $($rest:tt)*) => {
        $crate::constraint!(@ge [$($a)*] [$($b)* $t] $($rest)*)
    };
    (@ge [$($a:tt)*] [$($b:tt)*]) => { $crate::lp::Expr::from($($a)*).ge($($b)*) };
    ($($t:tt)+) => { $crate::constraint!(@munch [] $($t)+) };
}

// -- Operators --

impl Neg for Var {
    type Output = Term;
    fn neg(self) -> Term {
        Term {
            var: self,
            coef: -1.0,
        }
    }
}

impl Neg for Term {
    type Output = Term;
    fn neg(self) -> Term {
        Term {
            var: self.var,
            coef: -self.coef,
        }
    }
}

impl Neg for Expr {
    type Output = Expr;
    fn neg(mut self) -> Expr {
        self *= -1.0;
        self
    }
}

/// Scalar products and quotients, with the scalar on either side.
macro_rules! scalar_ops {
    ($($s:ty),*) => {$(
        impl Mul<$s> for Var {
            type Output = Term;
            fn mul(self, k: $s) -> Term {
                Term { var: self, coef: f64::from(k) }
            }
        }
        impl Mul<Var> for $s {
            type Output = Term;
            fn mul(self, v: Var) -> Term {
                v * self
            }
        }
        impl Div<$s> for Var {
            type Output = Term;
            fn div(self, k: $s) -> Term {
                Term { var: self, coef: 1.0 / f64::from(k) }
            }
        }
        impl Mul<$s> for Term {
            type Output = Term;
            fn mul(self, k: $s) -> Term {
                Term { var: self.var, coef: self.coef * f64::from(k) }
            }
        }
        impl Mul<Term> for $s {
            type Output = Term;
            fn mul(self, t: Term) -> Term {
                t * self
            }
        }
        impl Div<$s> for Term {
            type Output = Term;
            fn div(self, k: $s) -> Term {
                Term { var: self.var, coef: self.coef / f64::from(k) }
            }
        }
        impl Mul<$s> for Expr {
            type Output = Expr;
            fn mul(mut self, k: $s) -> Expr {
                self *= k;
                self
            }
        }
        impl Mul<Expr> for $s {
            type Output = Expr;
            fn mul(self, e: Expr) -> Expr {
                e * self
            }
        }
        impl Div<$s> for Expr {
            type Output = Expr;
            fn div(self, k: $s) -> Expr {
                self * (1.0 / f64::from(k))
            }
        }
        impl MulAssign<$s> for Expr {
            fn mul_assign(&mut self, k: $s) {
                let k = f64::from(k);
                for t in &mut self.terms {
                    t.coef *= k;
                }
                self.constant *= k;
            }
        }
        impl Add<Var> for $s {
            type Output = Expr;
            fn add(self, v: Var) -> Expr {
                Expr::from(v) + self
            }
        }
        impl Add<Term> for $s {
            type Output = Expr;
            fn add(self, t: Term) -> Expr {
                Expr::from(t) + self
            }
        }
        impl Add<Expr> for $s {
            type Output = Expr;
            fn add(self, e: Expr) -> Expr {
                e + self
            }
        }
        impl Sub<Var> for $s {
            type Output = Expr;
            fn sub(self, v: Var) -> Expr {
                Expr::from(-v) + self
            }
        }
        impl Sub<Term> for $s {
            type Output = Expr;
            fn sub(self, t: Term) -> Expr {
                Expr::from(-t) + self
            }
        }
        impl Sub<Expr> for $s {
            type Output = Expr;
            fn sub(self, e: Expr) -> Expr {
                -e + self
            }
        }
    )*};
}

scalar_ops!(f64, i32);

/// What `+`, `-`, `+=` and `-=` accept on the right of an [`Expr`] (and of a [`Var`] or
/// [`Term`]): variables, terms, expressions and scalars. Adding a variable or a term pushes
/// it, without an intermediate `Expr`.
pub trait Linear: sealed::Sealed {
    /// Appends `sign * self` to `e`.
    #[doc(hidden)]
    fn add_to(self, e: &mut Expr, sign: f64);
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Var {}
    impl Sealed for &super::Var {}
    impl Sealed for super::Term {}
    impl Sealed for super::Expr {}
    impl Sealed for &super::Expr {}
    impl Sealed for f64 {}
    impl Sealed for i32 {}
}

impl Linear for Var {
    fn add_to(self, e: &mut Expr, sign: f64) {
        e.terms.push(Term {
            var: self,
            coef: sign,
        });
    }
}

impl Linear for &Var {
    fn add_to(self, e: &mut Expr, sign: f64) {
        (*self).add_to(e, sign);
    }
}

impl Linear for Term {
    fn add_to(self, e: &mut Expr, sign: f64) {
        e.terms.push(Term {
            var: self.var,
            coef: sign * self.coef,
        });
    }
}

impl Linear for Expr {
    fn add_to(self, e: &mut Expr, sign: f64) {
        if sign == 1.0 && e.terms.is_empty() {
            // Reuse the right-hand side's allocation (`Sum` folds start from empty).
            let c = e.constant;
            *e = self;
            e.constant += c;
        } else {
            (&self).add_to(e, sign);
        }
    }
}

impl Linear for &Expr {
    fn add_to(self, e: &mut Expr, sign: f64) {
        e.terms.extend(self.terms.iter().map(|t| Term {
            var: t.var,
            coef: sign * t.coef,
        }));
        e.constant += sign * self.constant;
    }
}

impl Linear for f64 {
    fn add_to(self, e: &mut Expr, sign: f64) {
        e.constant += sign * self;
    }
}

impl Linear for i32 {
    fn add_to(self, e: &mut Expr, sign: f64) {
        e.constant += sign * f64::from(self);
    }
}

impl<R: Linear> AddAssign<R> for Expr {
    fn add_assign(&mut self, rhs: R) {
        rhs.add_to(self, 1.0);
    }
}

impl<R: Linear> SubAssign<R> for Expr {
    fn sub_assign(&mut self, rhs: R) {
        rhs.add_to(self, -1.0);
    }
}

impl<R: Linear> Add<R> for Expr {
    type Output = Expr;
    fn add(mut self, rhs: R) -> Expr {
        self += rhs;
        self
    }
}

impl<R: Linear> Sub<R> for Expr {
    type Output = Expr;
    fn sub(mut self, rhs: R) -> Expr {
        self -= rhs;
        self
    }
}

/// `Var`/`Term` on the left of `+`/`-`: the result is an `Expr`. Adding a term or a variable
/// pushes it.
macro_rules! linear_lhs {
    ($($t:ty),*) => {$(
        impl<R: Linear> Add<R> for $t {
            type Output = Expr;
            fn add(self, rhs: R) -> Expr {
                Expr::from(self) + rhs
            }
        }
        impl<R: Linear> Sub<R> for $t {
            type Output = Expr;
            fn sub(self, rhs: R) -> Expr {
                Expr::from(self) - rhs
            }
        }
    )*};
}

linear_lhs!(Var, Term);

impl Sum<Var> for Expr {
    fn sum<I: Iterator<Item = Var>>(iter: I) -> Expr {
        Expr {
            terms: iter.map(|var| Term { var, coef: 1.0 }).collect(),
            constant: 0.0,
        }
    }
}

impl<'a> Sum<&'a Var> for Expr {
    fn sum<I: Iterator<Item = &'a Var>>(iter: I) -> Expr {
        iter.copied().sum()
    }
}

impl Sum<Term> for Expr {
    fn sum<I: Iterator<Item = Term>>(iter: I) -> Expr {
        Expr {
            terms: iter.collect(),
            constant: 0.0,
        }
    }
}

impl Sum<Expr> for Expr {
    fn sum<I: Iterator<Item = Expr>>(iter: I) -> Expr {
        iter.fold(Expr::new(), |mut acc, e| {
            acc += e;
            acc
        })
    }
}

impl<'a> Sum<&'a Expr> for Expr {
    fn sum<I: Iterator<Item = &'a Expr>>(iter: I) -> Expr {
        let mut acc = Expr::new();
        for e in iter {
            acc.terms.extend_from_slice(&e.terms);
            acc.constant += e.constant;
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(id: u32) -> Var {
        Var { model: 1, id }
    }

    fn check(e: &Expr, terms: &[(u32, f64)], constant: f64) {
        let got: Vec<(u32, f64)> = e.terms.iter().map(|t| (t.var.id, t.coef)).collect();
        assert_eq!(got, terms);
        assert_eq!(e.constant, constant);
    }

    #[test]
    fn operators_build_the_terms_as_written() {
        let (x, y, z) = (v(0), v(1), v(2));
        check(
            &(10.0 * x + 6.0 * y + 4.0 * z),
            &[(0, 10.0), (1, 6.0), (2, 4.0)],
            0.0,
        );
        check(
            &(x + y - 2.0 * z + 3.0),
            &[(0, 1.0), (1, 1.0), (2, -2.0)],
            3.0,
        );
        check(&Expr::from(-x), &[(0, -1.0)], 0.0);
        check(&(-(x + 1.0)), &[(0, -1.0)], -1.0);
        check(
            &(2 * x - y * 3 + x / 2.0),
            &[(0, 2.0), (1, -3.0), (0, 0.5)],
            0.0,
        );
        check(&(5.0 - x), &[(0, -1.0)], 5.0);
        check(&(1 + (x + y) * 2.0), &[(0, 2.0), (1, 2.0)], 1.0);
        let mut e = Expr::new();
        e += x;
        e -= 2.0 * y;
        e += 7;
        e *= 2.0;
        check(&e, &[(0, 2.0), (1, -4.0)], 14.0);
        let s: Expr = [x, y, z].iter().sum();
        check(&s, &[(0, 1.0), (1, 1.0), (2, 1.0)], 0.0);
        let s: Expr = (0..3).map(|i| f64::from(i) * v(i as u32)).sum();
        check(&s, &[(0, 0.0), (1, 1.0), (2, 2.0)], 0.0);
        let s: Expr = [x + 1.0, y - 2.0].into_iter().sum();
        check(&s, &[(0, 1.0), (1, 1.0)], -1.0);
    }

    #[test]
    fn comparisons_move_constants_into_bounds() {
        let (x, y) = (v(0), v(1));
        let c = (x + y + 3.0).le(10);
        assert_eq!(c.bounds(), (f64::NEG_INFINITY, 7.0));
        let c = Expr::from(x).ge(y + 1.0);
        check(c.expr(), &[(0, 1.0), (1, -1.0)], 0.0);
        assert_eq!(c.bounds(), (1.0, f64::INFINITY));
        let c = crate::constraint!(2.0 * x == y - 4);
        assert_eq!(c.bounds(), (-4.0, -4.0));
        let c = crate::constraint!(10 >= x + y >= 2.5);
        assert_eq!(c.bounds(), (2.5, 10.0));
        let c = crate::constraint!(x >= 0.5);
        assert_eq!(c.bounds(), (0.5, f64::INFINITY));
    }
}
