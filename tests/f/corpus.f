*> A fixed-form corpus of what a Fortran-to-C wrapper must get right, compiled by gfortran in
*> tests/fortran: CHARACTER*(*) and CHARACTER*1 dummies (hidden lengths), complex, real,
*> logical and character function results, EXTERNAL callbacks, implicit typing, a name with
*> an underscore (f2c's second underscore).
*
*> \param[in] S
*> \param[in] T
*> \param[out] OUT
      SUBROUTINE CHARS( K, S, T, U, OUT )
      INTEGER            K, OUT
      CHARACTER*(*)      S
      CHARACTER          T
      CHARACTER*1        U
      OUT = K*1000000 + LEN( S )*10000 + ICHAR( T )*100 +
     $      ICHAR( S( 1:1 ) ) - ICHAR( U ) + LEN( U )
      RETURN
      END
*
      DOUBLE COMPLEX FUNCTION ZMUL( A, B )
      COMPLEX*16         A, B
      ZMUL = A*B
      END
*
      COMPLEX FUNCTION CROT( X )
      COMPLEX            X
      CROT = X*( 0.0E0, 1.0E0 )
      END
*
      LOGICAL FUNCTION ISPOS( X )
      DOUBLE PRECISION   X
      ISPOS = X.GT.0.0D0
      END
*
      REAL FUNCTION SHALF( X )
      REAL               X
      SHALF = X / 3.0E0
      END
*
*> \param[in] N
*> \param[in] X
*>          X is INTEGER array, dimension (N)
      INTEGER FUNCTION ISUM( N, X )
      INTEGER            N, I
      INTEGER            X( * )
      ISUM = 0
      DO 10 I = 1, N
         ISUM = ISUM + X( I )*I
   10 CONTINUE
      END
*
*> \param[in] F
*>          F is a DOUBLE PRECISION FUNCTION of one DOUBLE PRECISION argument
      SUBROUTINE APPLY( F, N, X, Y )
      INTEGER            N, I
      DOUBLE PRECISION   F, X( N ), Y( N )
      EXTERNAL           F
      DO 20 I = 1, N
         Y( I ) = F( X( I ) )
   20 CONTINUE
      END
*
      CHARACTER*(*) FUNCTION GREET( K )
      INTEGER            K
      GREET = 'HI'
      IF( K.GT.1 ) GREET = 'HELLO'
      END
*
      SUBROUTINE LA_SCALE( N, A, X )
*     Implicit typing: N integer, A and X real.
      DIMENSION          X( N )
      DO 30 I = 1, N
         X( I ) = A*X( I )
   30 CONTINUE
      END
