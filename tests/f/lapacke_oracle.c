/* The oracle of tests/fortran/numerics.rs: the same LAPACK and BLAS routines, on the same
 * inputs, called from C through LAPACKE (its own prototypes, its own workspace queries) and
 * hand-written BLAS prototypes, linked against Reference LAPACK. Every output element is printed
 * as its bit pattern, one "case values..." line per routine call; the Rust test prints the same
 * lines from jitffi::fortran's f2py-style calls and the two must be identical.
 *
 * Inputs are made by a formula with exactly rounded operations (no libm), so that C and Rust
 * build the same bits: v(i, j) = ((i*31 + j*17) % 23) / 7 - 1.5 (+ n on the diagonal). */
#include <complex.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <lapacke.h>

#include "oracle_inputs.h"

static void pi(lapack_int x) { printf(" %d", (int)x); }

/* Hand-written Fortran BLAS prototypes (hidden lengths for CHARACTER arguments). */
#define BLAS(T, P) \
  void P##gemm_(const char *, const char *, const int *, const int *, const int *, const T *, \
                const T *, const int *, const T *, const int *, const T *, T *, const int *, \
                size_t, size_t); \
  void P##gemv_(const char *, const int *, const int *, const T *, const T *, const int *, \
                const T *, const int *, const T *, T *, const int *, size_t); \
  void P##axpy_(const int *, const T *, const T *, const int *, T *, const int *); \
  void P##scal_(const int *, const T *, T *, const int *);
BLAS(float, s)
BLAS(double, d)
BLAS(float _Complex, c)
BLAS(double _Complex, z)
float sdot_(const int *, const float *, const int *, const float *, const int *);
double ddot_(const int *, const double *, const int *, const double *, const int *);
float _Complex cdotc_(const int *, const float _Complex *, const int *, const float _Complex *,
                      const int *);
double _Complex zdotc_(const int *, const double _Complex *, const int *,
                       const double _Complex *, const int *);
float snrm2_(const int *, const float *, const int *);
double dnrm2_(const int *, const double *, const int *);
float scnrm2_(const int *, const float _Complex *, const int *);
double dznrm2_(const int *, const double _Complex *, const int *);

/* One precision: T the element, R its real type, P the LAPACK prefix, PR the printer of T,
 * PRR of R, MK(i, j, d) an element (d added to the real part), SY/OR the symmetric eigen and
 * orthogonal-Q routines' names (syev/heev, orgqr/ungqr), CPLX 1 for complex. */
#define CASES(T, R, P, PR, PRR, MK, SY, OR, CPLX)                                               \
  {                                                                                           \
    T a[M * M], b[M * 2], w2[M * M];                                                          \
    R rw[M];                                                                                  \
    lapack_int ipiv[M], n = N, one = 1, two = 2;                                              \
    int k;                                                                                    \
    /* gesv: A x = B, B with two columns. */                                                  \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    for (int j = 0; j < 2; j++) for (int i = 0; i < N; i++) b[i + N * j] = MK(j, i, 0);     \
    LAPACKE_##P##gesv(LAPACK_COL_MAJOR, N, 2, a, N, ipiv, b, N);                              \
    printf(#P "gesv"); for (k = 0; k < N * N; k++) PR(a[k]); for (k = 0; k < N; k++) pi(ipiv[k]); \
    for (k = 0; k < 2 * N; k++) PR(b[k]); printf("\n");                                      \
    /* posv: a symmetric (Hermitian) diagonally dominant matrix. */                           \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) {                                 \
      int lo = i < j ? i : j, hi = i < j ? j : i;                                             \
      a[i + N * j] = MK(lo, hi, i == j ? 2 * N : 0);                                          \
      if (CPLX && i > j) a[i + N * j] = conj(a[i + N * j]);                                   \
      if (CPLX && i == j) a[i + N * j] = creal(a[i + N * j]);                                 \
    }                                                                                         \
    memcpy(w2, a, sizeof(T) * N * N);                                                         \
    for (k = 0; k < N; k++) b[k] = MK(k, 1, 0);                                               \
    LAPACKE_##P##posv(LAPACK_COL_MAJOR, 'U', N, 1, a, N, b, N);                               \
    printf(#P "posv"); for (k = 0; k < N * N; k++) PR(a[k]); for (k = 0; k < N; k++) PR(b[k]); printf("\n"); \
    /* potrf of the same matrix, lower. */                                                    \
    memcpy(a, w2, sizeof(T) * N * N);                                                         \
    LAPACKE_##P##potrf(LAPACK_COL_MAJOR, 'L', N, a, N);                                       \
    printf(#P "potrf"); for (k = 0; k < N * N; k++) PR(a[k]); printf("\n");                 \
    /* syev/heev of it: eigenvalues and vectors. */                                           \
    memcpy(a, w2, sizeof(T) * N * N);                                                         \
    LAPACKE_##P##SY(LAPACK_COL_MAJOR, 'V', 'U', N, a, N, rw);                                 \
    printf(#P #SY); for (k = 0; k < N * N; k++) PR(a[k]); for (k = 0; k < N; k++) PRR(rw[k]); printf("\n"); \
    /* gels: least squares, 5 x 3, one right-hand side. */                                    \
    for (int j = 0; j < 3; j++) for (int i = 0; i < M; i++) a[i + M * j] = MK(i, j, i == j ? 3 : 0); \
    for (k = 0; k < M; k++) b[k] = MK(k, 2, 0);                                               \
    LAPACKE_##P##gels(LAPACK_COL_MAJOR, 'N', M, 3, 1, a, M, b, M);                            \
    printf(#P "gels"); for (k = 0; k < M * 3; k++) PR(a[k]); for (k = 0; k < M; k++) PR(b[k]); printf("\n"); \
    /* getrf + getri: the inverse. */                                                         \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##getrf(LAPACK_COL_MAJOR, N, N, a, N, ipiv);                                   \
    printf(#P "getrf"); for (k = 0; k < N * N; k++) PR(a[k]); for (k = 0; k < N; k++) pi(ipiv[k]); printf("\n"); \
    LAPACKE_##P##getri(LAPACK_COL_MAJOR, N, a, N, ipiv);                                      \
    printf(#P "getri"); for (k = 0; k < N * N; k++) PR(a[k]); printf("\n");                 \
    /* geqrf + orgqr/ungqr on 5 x 3. */                                                       \
    for (int j = 0; j < 3; j++) for (int i = 0; i < M; i++) a[i + M * j] = MK(i, j, 0);      \
    LAPACKE_##P##geqrf(LAPACK_COL_MAJOR, M, 3, a, M, b);                                      \
    printf(#P "geqrf"); for (k = 0; k < M * 3; k++) PR(a[k]); for (k = 0; k < 3; k++) PR(b[k]); printf("\n"); \
    LAPACKE_##P##OR(LAPACK_COL_MAJOR, M, 3, 3, a, M, b);                                      \
    printf(#P #OR); for (k = 0; k < M * 3; k++) PR(a[k]); printf("\n");                      \
    /* trtrs: upper triangular, transposed, non-unit. */                                      \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    for (k = 0; k < N; k++) b[k] = MK(k, 3, 0);                                               \
    LAPACKE_##P##trtrs(LAPACK_COL_MAJOR, 'U', 'T', 'N', N, 1, a, N, b, N);                    \
    printf(#P "trtrs"); for (k = 0; k < N; k++) PR(b[k]); printf("\n");                     \
    /* getrs and trtri on the gesv matrix; potrs after potrf. */                           \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##getrf(LAPACK_COL_MAJOR, N, N, a, N, ipiv);                                   \
    for (k = 0; k < N; k++) b[k] = MK(2, k, 0);                                               \
    LAPACKE_##P##getrs(LAPACK_COL_MAJOR, 'N', N, 1, a, N, ipiv, b, N);                        \
    printf(#P "getrs"); for (k = 0; k < N; k++) PR(b[k]); printf("\n");                     \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##trtri(LAPACK_COL_MAJOR, 'U', 'N', N, a, N);                                  \
    printf(#P "trtri"); for (k = 0; k < N * N; k++) PR(a[k]); printf("\n");                 \
    memcpy(a, w2, sizeof(T) * N * N);                                                         \
    LAPACKE_##P##potrf(LAPACK_COL_MAJOR, 'L', N, a, N);                                       \
    for (k = 0; k < N; k++) b[k] = MK(k, 2, 0);                                               \
    LAPACKE_##P##potrs(LAPACK_COL_MAJOR, 'L', N, 1, a, N, b, N);                              \
    printf(#P "potrs"); for (k = 0; k < N; k++) PR(b[k]); printf("\n");                     \
    /* gelqf on 3 x 5. */                                                                     \
    for (int j = 0; j < M; j++) for (int i = 0; i < 3; i++) a[i + 3 * j] = MK(i, j, 0);      \
    LAPACKE_##P##gelqf(LAPACK_COL_MAJOR, 3, M, a, 3, b);                                      \
    printf(#P "gelqf"); for (k = 0; k < 3 * M; k++) PR(a[k]); for (k = 0; k < 3; k++) PR(b[k]); printf("\n"); \
    /* BLAS: gemm (A 4x4 times B^T, B 2x4, beta on C 4x2), gemv (transposed), axpy with     \
     * strides, scal. */                                                                      \
    {                                                                                         \
      T alpha = MK(1, 2, 0), beta = MK(2, 1, 0), x[N], y[N], c[N * 2];                        \
      int in = N, i2 = 2, i1 = 1;                                                             \
      for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, 0);    \
      for (k = 0; k < 2 * N; k++) { b[k] = MK(k % 2, k / 2 + 1, 0); c[k] = MK(k / N, k % N, 0); } \
      P##gemm_("N", "T", &in, &i2, &in, &alpha, a, &in, b, &i2, &beta, c, &in, 1, 1);        \
      printf(#P "gemm"); for (k = 0; k < 2 * N; k++) PR(c[k]); printf("\n");                \
      for (k = 0; k < N; k++) { x[k] = MK(k, 0, 0); y[k] = MK(0, k, 0); }                     \
      P##gemv_("T", &in, &in, &alpha, a, &in, x, &i1, &beta, y, &i1, 1);                      \
      printf(#P "gemv"); for (k = 0; k < N; k++) PR(y[k]); printf("\n");                    \
      for (k = 0; k < N; k++) { x[k] = MK(k, 0, 0); y[k] = MK(0, k, 0); }                     \
      P##axpy_(&i2, &alpha, x, &i2, y, &i2);                                                  \
      printf(#P "axpy"); for (k = 0; k < N; k++) PR(y[k]); printf("\n");                    \
      P##scal_(&in, &beta, y, &i1);                                                           \
      printf(#P "scal"); for (k = 0; k < N; k++) PR(y[k]); printf("\n");                    \
    }                                                                                         \
    (void)n; (void)one; (void)two;                                                            \
  }

int main(void) {
  CASES(float, float, s, ps, ps, mks, syev, orgqr, 0)
  CASES(double, double, d, pd, pd, mkd, syev, orgqr, 0)
  CASES(float _Complex, float, c, pc, ps, mkc, heev, ungqr, 1)
  CASES(double _Complex, double, z, pz, pd, mkz, heev, ungqr, 1)
  {
    /* Dot products and norms. */
    int n = N, i1 = 1;
    float xs[N], ys[N]; double xd[N], yd[N]; float _Complex xc[N], yc[N]; double _Complex xz[N], yz[N];
    for (int k = 0; k < N; k++) {
      xs[k] = mks(k, 0, 0); ys[k] = mks(0, k, 0); xd[k] = mkd(k, 0, 0); yd[k] = mkd(0, k, 0);
      xc[k] = mkc(k, 0, 0); yc[k] = mkc(0, k, 0); xz[k] = mkz(k, 0, 0); yz[k] = mkz(0, k, 0);
    }
    printf("sdot"); ps(sdot_(&n, xs, &i1, ys, &i1)); printf("\n");
    printf("ddot"); pd(ddot_(&n, xd, &i1, yd, &i1)); printf("\n");
    printf("cdotc"); pc(cdotc_(&n, xc, &i1, yc, &i1)); printf("\n");
    printf("zdotc"); pz(zdotc_(&n, xz, &i1, yz, &i1)); printf("\n");
    printf("snrm2"); ps(snrm2_(&n, xs, &i1)); printf("\n");
    printf("dnrm2"); pd(dnrm2_(&n, xd, &i1)); printf("\n");
    printf("scnrm2"); ps(scnrm2_(&n, xc, &i1)); printf("\n");
    printf("dznrm2"); pd(dznrm2_(&n, xz, &i1)); printf("\n");
  }
  return 0;
}
