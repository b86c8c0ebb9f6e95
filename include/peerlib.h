/* Copied from ../shared/bench/peers/peerlib.h so `jitffi bench` calls exactly the functions the peer
 * benchmarks call (LuaJIT, PyPy, CPython cffi/ctypes, koffi, Deno, libffi-rs). */
/* peerlib: the tiny C library every peer benchmark calls.
 * Built with: gcc -O2 -fPIC -shared -o build/libpeerlib.so peerlib.c */
#ifndef PEERLIB_H
#define PEERLIB_H
#include <stddef.h>
#include <stdint.h>

struct point { double x; double y; };

void     nop(void);
int32_t  add_i32(int32_t a, int32_t b);
double   add_f64(double a, double b);
int64_t  sum10_i64(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                   int64_t f, int64_t g, int64_t h, int64_t i, int64_t j);
double   mix6(int32_t a, double b, int64_t c, float d, uint8_t e, double f);
double   point_norm2(struct point p);
struct point point_make(double x, double y);
void    *ptr_id(void *p);
size_t   c_strlen(const char *s);
int32_t  apply_cb(int32_t (*cb)(int32_t), int32_t x);
/* helpers used by tests and by peers without struct-by-value support */
double   point_norm2_ptr(const struct point *p);
double   sum_x(const struct point *p, size_t n);

#endif
