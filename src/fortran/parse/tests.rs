//! Tests of reading program units: LAPACK-style fixed form, function results and kinds,
//! free-form modules with `BIND(C)` and refusals, external dummies' signatures.

use super::*;
use crate::fortran::model::{CharLen, Dim, FType, Intent};
use crate::fortran::source::{Form, read_text};

fn read(src: &str, form: Form) -> Unit {
    let (stmts, errors) = read_text(src, form, "t.f");
    assert!(errors.is_empty(), "{errors:?}");
    read_units(&stmts, &mut Kinds::default())
}

#[test]
fn a_lapack_style_subroutine() {
    let u = read(
        "\
*> \\param[in] N
*> \\param[in,out] A
*>          A is DOUBLE PRECISION array, dimension (LDA,N)
*> \\param[out] INFO
      SUBROUTINE DGESV( N, NRHS, A, LDA, IPIV, B, LDB, INFO )
      INTEGER            INFO, LDA, LDB, N, NRHS
      INTEGER            IPIV( * )
      DOUBLE PRECISION   A( LDA, * ), B( LDB, * )
      EXTERNAL           DGETRF, XERBLA
      IF( N.LT.0 ) THEN
         INFO = -1
      END IF
      RETURN
      END
",
        Form::Fixed,
    );
    assert!(u.skipped.is_empty(), "{:?}", u.skipped);
    let r = &u.routines[0];
    assert_eq!(r.name, "DGESV");
    assert_eq!(r.result, None);
    let names: Vec<&str> = r.dummies.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["N", "NRHS", "A", "LDA", "IPIV", "B", "LDB", "INFO"]);
    let a = r.dummy("A").unwrap();
    assert_eq!(a.ty, Some(FType::Real { kind: Some(8) }));
    assert_eq!(
        a.dims,
        [
            Dim {
                lower: None,
                upper: Bound::Expr("LDA".into())
            },
            Dim {
                lower: None,
                upper: Bound::Star
            }
        ]
    );
    assert_eq!(a.intent, Some((Intent::InOut, IntentSource::Doc)));
    assert_eq!(r.dummy("INFO").unwrap().intent.unwrap().0, Intent::Out);
    assert_eq!(r.dummy("NRHS").unwrap().intent, None);
    assert_eq!(
        r.dummy("N").unwrap().ty,
        Some(FType::Integer { kind: None })
    );
}

#[test]
fn functions_kinds_and_implicit_types() {
    let u = read(
        "\
C     functions of every result type
      DOUBLE COMPLEX FUNCTION ZDOTC(N, ZX, INCX, ZY, INCY)
      INTEGER INCX,INCY,N
      COMPLEX*16 ZX(*),ZY(*)
      END
      COMPLEX*8 FUNCTION F1(X)
      END
      COMPLEX(8) FUNCTION F2(X)
      END
      LOGICAL FUNCTION LSAME(CA, CB)
      CHARACTER CA, CB
      END
      FUNCTION IMPL(I, X)
      END
      INTEGER*8 FUNCTION F3(S)
      CHARACTER*(*) S
      END
",
        Form::Fixed,
    );
    assert!(u.skipped.is_empty(), "{:?}", u.skipped);
    let res: Vec<(String, Option<FType>)> = u
        .routines
        .iter()
        .map(|r| (r.name.clone(), r.result.clone()))
        .collect();
    assert_eq!(
        res,
        [
            ("ZDOTC".into(), Some(FType::Complex { kind: Some(8) })),
            ("F1".into(), Some(FType::Complex { kind: Some(4) })),
            ("F2".into(), Some(FType::Complex { kind: Some(8) })),
            ("LSAME".into(), Some(FType::Logical { kind: None })),
            ("IMPL".into(), Some(FType::Integer { kind: None })),
            ("F3".into(), Some(FType::Integer { kind: Some(8) })),
        ]
    );
    assert_eq!(
        u.routines[4].dummy("I").unwrap().ty,
        Some(FType::Integer { kind: None })
    );
    assert_eq!(
        u.routines[4].dummy("X").unwrap().ty,
        Some(FType::Real { kind: None })
    );
    assert!(u.routines[4].dummy("X").unwrap().implicit);
    assert_eq!(
        u.routines[5].dummy("S").unwrap().ty,
        Some(FType::Character {
            len: CharLen::Assumed
        })
    );
    assert_eq!(
        u.routines[3].dummy("CA").unwrap().ty,
        Some(FType::Character {
            len: CharLen::Fixed(1)
        })
    );
}

#[test]
fn free_form_modules_kinds_bind_c_and_refusals() {
    let mut kinds = Kinds::default();
    let (stmts, _) = read_text(
        "\
module la_constants
   integer, parameter :: sp = kind(1.e0)
   integer, parameter :: dp = selected_real_kind(15, 307)
end module
",
        Form::Free,
        "c.f90",
    );
    read_units(&stmts, &mut kinds);
    let (stmts, _) = read_text(
        "\
subroutine dlartg( f, g, c, s, r )
   use la_constants, only: wp=>dp
   real(wp) :: c, f, g, r, s
end subroutine
subroutine cb(x, n) bind(c, name='cb_c')
   use, intrinsic :: iso_c_binding
   integer(c_int), value :: n
   real(c_double), intent(inout) :: x(n)
end subroutine
subroutine shaped(a)
   real :: a(:)
end subroutine
recursive subroutine rec(a, n)
   integer, intent(in) :: n
   real, allocatable :: a(:)
end subroutine rec
subroutine alt(a, *)
end
module m
contains
   subroutine inner(k)
      integer(8) :: k
   contains
      subroutine helper()
      end subroutine
   end subroutine
end module m
",
        Form::Free,
        "t.f90",
    );
    let u = read_units(&stmts, &mut kinds);
    let names: Vec<&str> = u.routines.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["DLARTG", "CB", "INNER"]);
    assert_eq!(
        u.routines[0].dummy("C").unwrap().ty,
        Some(FType::Real { kind: Some(8) })
    );
    let cb = &u.routines[1];
    assert_eq!(cb.bind_c, Some(Some("cb_c".into())));
    assert!(cb.dummy("N").unwrap().value);
    assert_eq!(
        cb.dummy("X").unwrap().intent,
        Some((Intent::InOut, IntentSource::Declared))
    );
    assert_eq!(u.routines[2].module.as_deref(), Some("M"));
    let skipped: Vec<String> = u.skipped.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        skipped,
        [
            "t.f90:10:1: SHAPED: dummy A is an assumed-shape array (it needs a descriptor)",
            "t.f90:13:1: REC: dummy A is allocatable",
            "t.f90:17:1: ALT: has an alternate return dummy (*)",
        ]
    );
}

#[test]
fn external_dummies_take_their_signature_from_the_doc_or_an_interface() {
    let u = read(
        "\
*> \\param[in] SELECT
*>          SELECT is a LOGICAL FUNCTION of two DOUBLE PRECISION arguments
      SUBROUTINE DGEES( JOBVS, SELECT, N )
      CHARACTER          JOBVS
      LOGICAL            SELECT
      EXTERNAL           SELECT
      INTEGER N
      END
      SUBROUTINE USEF(F, X)
      INTERFACE
         DOUBLE PRECISION FUNCTION F(T, K)
         DOUBLE PRECISION T
         INTEGER K
         END FUNCTION
      END INTERFACE
      DOUBLE PRECISION X
      END
",
        Form::Fixed,
    );
    assert!(u.skipped.is_empty(), "{:?}", u.skipped);
    let sel = u.routines[0].dummy("SELECT").unwrap();
    assert_eq!(
        sel.external,
        Some(Some(ProcSig {
            result: Some(FType::Logical { kind: None }),
            args: vec![FType::Real { kind: Some(8) }; 2],
        }))
    );
    let f = u.routines[1].dummy("F").unwrap();
    assert_eq!(
        f.external,
        Some(Some(ProcSig {
            result: Some(FType::Real { kind: Some(8) }),
            args: vec![FType::Real { kind: Some(8) }, FType::Integer { kind: None }],
        }))
    );
}

#[test]
fn assignments_and_the_arguments_a_routine_rejects() {
    let u = read(
        "\
*     (A routine that writes E and W, documented nowhere.)
      SUBROUTINE DLAXX( N, ILO, D, E, W, INFO )
      INTEGER            N, ILO, INFO
      DOUBLE PRECISION   D( * ), E( * ), W( * )
      INTEGER            I
      IF( N.LT.0 ) THEN
         INFO = -1
      ELSE IF( ILO.GT.N ) THEN
         INFO = -2
      END IF
      IF( INFO.NE.0 ) THEN
         CALL XERBLA( 'DLAXX', -INFO )
         RETURN
      END IF
      DO 10 I = 1, N
         IF( ABS( E( I ) ).LE.D( I ) ) E( I ) = 0.0D0
         W( I ) = D( I ) + E( I )
   10 CONTINUE
      IF( D( 1 ).EQ.W( 1 ) ) INFO = 3
      RETURN
      END
",
        Form::Fixed,
    );
    assert!(u.skipped.is_empty() && u.routines.len() == 1, "{u:?}");
    let r = &u.routines[0];
    // Dummies only (not the DO variable), behind a logical IF too; D is only read.
    assert_eq!(r.assigned, ["INFO", "E", "W"]);
    // INFO = -1, -2 before CALL XERBLA(…, -INFO); INFO = 3 is a result, not an argument.
    assert_eq!(r.checked, [1, 2]);
    assert_eq!(lex::assignment("IF(X.GT.0)A(I,J)(1:2)=B"), Some(("A", "B")));
    assert_eq!(
        lex::call_statement("IF(K.GT.0)CALLCLACGV(K,V(1,J),1)"),
        Some(("CLACGV", vec![Some("K"), Some("V"), None]))
    );
    assert_eq!(lex::call_statement("CALLED=1"), None);
    assert_eq!(lex::assignment("IF(A.EQ.B)THEN"), None);
    assert_eq!(lex::assignment("CALLF(A)"), None);
}

#[test]
fn the_letters_a_body_compares_its_characters_with() {
    let u = read(
        "\
*     (Which letters DLAYY tests TRANS and SIDE against.)
      SUBROUTINE DLAYY( TRANS, SIDE, N, INFO )
      CHARACTER          TRANS, SIDE
      INTEGER            N, INFO
      LOGICAL            LSAME, TRAN, LEFT
      EXTERNAL           LSAME
      TRAN = LSAME( TRANS, 't' )
      LEFT = LSAME( SIDE, 'L' ) .OR. LSAME(SIDE,'l')
      IF( .NOT.TRAN .AND. .NOT.LSAME( TRANS, 'N' ) ) INFO = -1
      IF( LSAME( 'X', TRANS ) ) INFO = 9
      END
",
        Form::Fixed,
    );
    assert!(u.skipped.is_empty() && u.routines.len() == 1, "{u:?}");
    let r = &u.routines[0];
    // Upper case, each once, in order; `LSAME( 'X', TRANS )` (a literal first) is not read.
    assert_eq!(
        r.letters,
        [
            ("TRANS".to_string(), 'T'),
            ("SIDE".to_string(), 'L'),
            ("TRANS".to_string(), 'N')
        ]
    );
}
