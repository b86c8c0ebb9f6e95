/* The second oracle of the generated wrappers (tests/fortran/wrappers.rs): BLAS levels 1-3
 * routines called from C through hand-written Fortran prototypes (hidden lengths for CHARACTER
 * arguments), and the eigenvalue and singular value drivers (gesvd, geev, gees with a SELECT
 * function) through LAPACKE, all linked against Reference LAPACK over Reference BLAS, on the
 * inputs of oracle_inputs.h; one "case values..." line per call, every element as its bits. */
#include <complex.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <lapacke.h>

#include "oracle_inputs.h"

static void pi(int x) { printf(" %d", x); }

#define PROTOS(T, R, P)                                                                      \
  void P##copy_(const int *, const T *, const int *, T *, const int *);                     \
  void P##swap_(const int *, T *, const int *, T *, const int *);                           \
  void P##trsv_(const char *, const char *, const char *, const int *, const T *, const int *, \
                T *, const int *, size_t, size_t, size_t);                                  \
  void P##symv_(const char *, const int *, const T *, const T *, const int *, const T *,     \
                const int *, const T *, T *, const int *, size_t);                          \
  void P##trsm_(const char *, const char *, const char *, const char *, const int *,          \
                const int *, const T *, const T *, const int *, T *, const int *, size_t,    \
                size_t, size_t, size_t);                                                     \
  void P##syrk_(const char *, const char *, const int *, const int *, const T *, const T *,   \
                const int *, const T *, T *, const int *, size_t, size_t);
PROTOS(float, float, s)
PROTOS(double, double, d)
PROTOS(float _Complex, float, c)
PROTOS(double _Complex, double, z)
float sasum_(const int *, const float *, const int *);
double dasum_(const int *, const double *, const int *);
float scasum_(const int *, const float _Complex *, const int *);
double dzasum_(const int *, const double _Complex *, const int *);
int isamax_(const int *, const float *, const int *);
int idamax_(const int *, const double *, const int *);
int icamax_(const int *, const float _Complex *, const int *);
int izamax_(const int *, const double _Complex *, const int *);
void srot_(const int *, float *, const int *, float *, const int *, const float *, const float *);
void drot_(const int *, double *, const int *, double *, const int *, const double *, const double *);
void csrot_(const int *, float _Complex *, const int *, float _Complex *, const int *, const float *,
            const float *);
void zdrot_(const int *, double _Complex *, const int *, double _Complex *, const int *,
            const double *, const double *);
void sger_(const int *, const int *, const float *, const float *, const int *, const float *,
           const int *, float *, const int *);
void dger_(const int *, const int *, const double *, const double *, const int *, const double *,
           const int *, double *, const int *);
void cgerc_(const int *, const int *, const float _Complex *, const float _Complex *, const int *,
            const float _Complex *, const int *, float _Complex *, const int *);
void zgerc_(const int *, const int *, const double _Complex *, const double _Complex *,
            const int *, const double _Complex *, const int *, double _Complex *, const int *);
void chemv_(const char *, const int *, const float _Complex *, const float _Complex *, const int *,
            const float _Complex *, const int *, const float _Complex *, float _Complex *,
            const int *, size_t);
void zhemv_(const char *, const int *, const double _Complex *, const double _Complex *,
            const int *, const double _Complex *, const int *, const double _Complex *,
            double _Complex *, const int *, size_t);
void cherk_(const char *, const char *, const int *, const int *, const float *,
            const float _Complex *, const int *, const float *, float _Complex *, const int *,
            size_t, size_t);
void zherk_(const char *, const char *, const int *, const int *, const double *,
            const double _Complex *, const int *, const double *, double _Complex *, const int *,
            size_t, size_t);

/* SELECT for gees: eigenvalues with a real part above N first. */
static lapack_logical sel_s(const float *re, const float *im) { (void)im; return *re > N; }
static lapack_logical sel_d(const double *re, const double *im) { (void)im; return *re > N; }
static lapack_logical sel_c(const lapack_complex_float *w) { return crealf(*w) > N; }
static lapack_logical sel_z(const lapack_complex_double *w) { return creal(*w) > N; }

/* The BLAS cases of one precision: T, its real type R, prefix P, printers PR/PRR, maker MK,
 * the asum and iamax names, the rot routine and ger (gerc for complex). */
#define BLAS_CASES(T, R, P, PR, PRR, MK, ASUM, IAMAX, ROT, GER)                                 \
  {                                                                                           \
    int n = N, i1 = 1, i2 = 2, two = 2, k;                                                    \
    T x[N], y[N], y2[2 * N - 1], a[N * N], b[N * 2], c[N * N];                                \
    T alpha = MK(1, 2, 0), beta = MK(2, 1, 0);                                                \
    R rc = (R)0.6, rs = (R)0.8;                                                               \
    for (k = 0; k < N; k++) { x[k] = MK(k, 0, 0); y[k] = MK(0, k, 0); }                       \
    memset(y2, 0, sizeof y2);                                                                 \
    P##copy_(&n, x, &i1, y2, &i2);                                                            \
    printf(#P "copy"); for (k = 0; k < 2 * N - 1; k++) PR(y2[k]); printf("\n");               \
    P##swap_(&n, x, &i1, y, &i1);                                                             \
    printf(#P "swap"); for (k = 0; k < N; k++) PR(x[k]); for (k = 0; k < N; k++) PR(y[k]); printf("\n"); \
    printf(#ASUM); PRR(ASUM##_(&n, x, &i1)); printf("\n");                                    \
    printf(#IAMAX); pi(IAMAX##_(&n, x, &i1)); printf("\n");                                   \
    ROT##_(&n, x, &i1, y, &i1, &rc, &rs);                                                     \
    printf(#ROT); for (k = 0; k < N; k++) PR(x[k]); for (k = 0; k < N; k++) PR(y[k]); printf("\n"); \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, 0);      \
    GER##_(&n, &n, &alpha, x, &i1, y, &i1, a, &n);                                            \
    printf(#GER); for (k = 0; k < N * N; k++) PR(a[k]); printf("\n");                         \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    for (k = 0; k < N; k++) x[k] = MK(k, 0, 0);                                               \
    P##trsv_("L", "N", "N", &n, a, &n, x, &i1, 1, 1, 1);                                      \
    printf(#P "trsv"); for (k = 0; k < N; k++) PR(x[k]); printf("\n");                        \
    for (k = 0; k < N; k++) { x[k] = MK(k, 0, 0); y[k] = MK(0, k, 0); }                       \
    P##symv_("U", &n, &alpha, a, &n, x, &i1, &beta, y, &i1, 1);                               \
    printf(#P "symv"); for (k = 0; k < N; k++) PR(y[k]); printf("\n");                        \
    for (k = 0; k < 2 * N; k++) b[k] = MK(k % N, k / N + 1, 0);                               \
    P##trsm_("L", "U", "N", "U", &n, &two, &alpha, a, &n, b, &n, 1, 1, 1, 1);                 \
    printf(#P "trsm"); for (k = 0; k < 2 * N; k++) PR(b[k]); printf("\n");                    \
    for (k = 0; k < 2 * N; k++) b[k] = MK(k % N, k / N + 1, 0);                               \
    for (k = 0; k < N * N; k++) c[k] = MK(k / N, k % N, 0);                                   \
    P##syrk_("L", "N", &n, &two, &alpha, b, &n, &beta, c, &n, 1, 1);                          \
    printf(#P "syrk"); for (k = 0; k < N * N; k++) PR(c[k]); printf("\n");                    \
  }

/* The drivers of one precision through LAPACKE. */
#define DRIVERS_REAL(T, P, PR, MK, SEL)                                                       \
  {                                                                                           \
    T a[M * 3], s[3], u[M * M], vt[3 * 3], superb[3], g[N * N], wr[N], wi[N], vr[N * N], vs[N * N]; \
    lapack_int sdim = 0;                                                                      \
    int k;                                                                                    \
    for (int j = 0; j < 3; j++) for (int i = 0; i < M; i++) a[i + M * j] = MK(i, j, i == j ? 3 : 0); \
    LAPACKE_##P##gesvd(LAPACK_COL_MAJOR, 'A', 'A', M, 3, a, M, s, u, M, vt, 3, superb);        \
    printf(#P "gesvd"); for (k = 0; k < 3; k++) PR(s[k]); for (k = 0; k < M * M; k++) PR(u[k]); \
    for (k = 0; k < 9; k++) PR(vt[k]); printf("\n");                                          \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) g[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##geev(LAPACK_COL_MAJOR, 'N', 'V', N, g, N, wr, wi, NULL, 1, vr, N);          \
    printf(#P "geev"); for (k = 0; k < N; k++) PR(wr[k]); for (k = 0; k < N; k++) PR(wi[k]);  \
    for (k = 0; k < N * N; k++) PR(vr[k]); printf("\n");                                      \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) g[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##gees(LAPACK_COL_MAJOR, 'V', 'S', SEL, N, g, N, &sdim, wr, wi, vs, N);        \
    printf(#P "gees"); pi((int)sdim); for (k = 0; k < N * N; k++) PR(g[k]);                   \
    for (k = 0; k < N; k++) PR(wr[k]); for (k = 0; k < N; k++) PR(wi[k]);                    \
    for (k = 0; k < N * N; k++) PR(vs[k]); printf("\n");                                      \
  }

#define DRIVERS_COMPLEX(T, R, P, PR, PRR, MK, SEL)                                            \
  {                                                                                           \
    T a[M * 3], u[M * M], vt[3 * 3], g[N * N], w[N], vr[N * N], vs[N * N];                    \
    R s[3], superb[3];                                                                        \
    lapack_int sdim = 0;                                                                      \
    int k;                                                                                    \
    for (int j = 0; j < 3; j++) for (int i = 0; i < M; i++) a[i + M * j] = MK(i, j, i == j ? 3 : 0); \
    LAPACKE_##P##gesvd(LAPACK_COL_MAJOR, 'A', 'A', M, 3, a, M, s, u, M, vt, 3, superb);        \
    printf(#P "gesvd"); for (k = 0; k < 3; k++) PRR(s[k]); for (k = 0; k < M * M; k++) PR(u[k]); \
    for (k = 0; k < 9; k++) PR(vt[k]); printf("\n");                                          \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) g[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##geev(LAPACK_COL_MAJOR, 'N', 'V', N, g, N, w, NULL, 1, vr, N);                \
    printf(#P "geev"); for (k = 0; k < N; k++) PR(w[k]); for (k = 0; k < N * N; k++) PR(vr[k]); \
    printf("\n");                                                                             \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) g[i + N * j] = MK(i, j, i == j ? N : 0); \
    LAPACKE_##P##gees(LAPACK_COL_MAJOR, 'V', 'S', SEL, N, g, N, &sdim, w, vs, N);             \
    printf(#P "gees"); pi((int)sdim); for (k = 0; k < N * N; k++) PR(g[k]);                   \
    for (k = 0; k < N; k++) PR(w[k]); for (k = 0; k < N * N; k++) PR(vs[k]); printf("\n");    \
  }

/* hemv and herk, complex only (real alpha and beta for herk). */
#define HERMITIAN(T, R, P, PR, MK)                                                            \
  {                                                                                           \
    int n = N, i1 = 1, two = 2, k;                                                            \
    T x[N], y[N], a[N * N], b[N * 2], c[N * N], alpha = MK(1, 2, 0), beta = MK(2, 1, 0);      \
    R ra = (R)1.5, rb = (R)0.5;                                                               \
    for (int j = 0; j < N; j++) for (int i = 0; i < N; i++) a[i + N * j] = MK(i, j, i == j ? N : 0); \
    for (k = 0; k < N; k++) { x[k] = MK(k, 0, 0); y[k] = MK(0, k, 0); }                       \
    P##hemv_("U", &n, &alpha, a, &n, x, &i1, &beta, y, &i1, 1);                               \
    printf(#P "hemv"); for (k = 0; k < N; k++) PR(y[k]); printf("\n");                        \
    for (k = 0; k < 2 * N; k++) b[k] = MK(k % N, k / N + 1, 0);                               \
    for (k = 0; k < N * N; k++) c[k] = MK(k / N, k % N, 0);                                   \
    P##herk_("L", "N", &n, &two, &ra, b, &n, &rb, c, &n, 1, 1);                               \
    printf(#P "herk"); for (k = 0; k < N * N; k++) PR(c[k]); printf("\n");                    \
  }

int main(void) {
  BLAS_CASES(float, float, s, ps, ps, mks, sasum, isamax, srot, sger)
  BLAS_CASES(double, double, d, pd, pd, mkd, dasum, idamax, drot, dger)
  BLAS_CASES(float _Complex, float, c, pc, ps, mkc, scasum, icamax, csrot, cgerc)
  BLAS_CASES(double _Complex, double, z, pz, pd, mkz, dzasum, izamax, zdrot, zgerc)
  HERMITIAN(float _Complex, float, c, pc, mkc)
  HERMITIAN(double _Complex, double, z, pz, mkz)
  DRIVERS_REAL(float, s, ps, mks, sel_s)
  DRIVERS_REAL(double, d, pd, mkd, sel_d)
  DRIVERS_COMPLEX(float _Complex, float, c, pc, ps, mkc, sel_c)
  DRIVERS_COMPLEX(double _Complex, double, z, pz, pd, mkz, sel_z)
  return 0;
}
