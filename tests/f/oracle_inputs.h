/* What the C oracles of tests/fortran share with the Rust side (tests/fortran/numerics.rs):
 * the inputs, made by a formula with exactly rounded operations (no libm) so that C and Rust
 * build the same bits, v(i, j) = ((i*31 + j*17) % 23) / 7 - 1.5 (+ d on the real part), and
 * the printing of every output element as its bit pattern. */
#include <complex.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define N 4
#define M 5

static double v(int i, int j) { return (double)((i * 31 + j * 17) % 23) / 7.0 - 1.5; }

/* Printing: reals as hex bits, complex as two. */
static void ps(float x) { uint32_t b; memcpy(&b, &x, 4); printf(" %08" PRIX32, b); }
static void pd(double x) { uint64_t b; memcpy(&b, &x, 8); printf(" %016" PRIX64, b); }
static void pc(float _Complex x) { ps(crealf(x)); ps(cimagf(x)); }
static void pz(double _Complex x) { pd(creal(x)); pd(cimag(x)); }

static float mks(int i, int j, int d) { return (float)(v(i, j) + d); }
static double mkd(int i, int j, int d) { return v(i, j) + d; }
static float _Complex mkc(int i, int j, int d) { return (float)(v(i, j) + d) + (float)v(j, i + 1) * I; }
static double _Complex mkz(int i, int j, int d) { return (v(i, j) + d) + v(j, i + 1) * I; }
