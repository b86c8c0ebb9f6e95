/* Copied from ../shared/bench/peers/peerlib.c: the library `jitffi bench` builds and calls, the
 * same one the peer benchmarks measure. */
/* peerlib: the tiny C library every peer benchmark calls.
 * Built with: gcc -O2 -fPIC -shared -o build/libpeerlib.so peerlib.c
 * Every function is exported with default visibility, so calls from another
 * object go through the PLT / a dlsym'd pointer, never inlined. */
#include <string.h>
#include "peerlib.h"

void nop(void) {}

int32_t add_i32(int32_t a, int32_t b) { return a + b; }

double add_f64(double a, double b) { return a + b; }

/* 10 integer args: 6 go in registers (rdi..r9), 4 spill to the stack. */
int64_t sum10_i64(int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                  int64_t f, int64_t g, int64_t h, int64_t i, int64_t j) {
    return a + b + c + d + e + f + g + h + i + j;
}

/* mixed int/float classes, including float and uint8_t narrowing. */
double mix6(int32_t a, double b, int64_t c, float d, uint8_t e, double f) {
    return (double)a + b + (double)c + (double)d + (double)e + f;
}

/* struct point is 16 bytes of two doubles: SysV passes it in xmm0/xmm1. */
double point_norm2(struct point p) { return p.x * p.x + p.y * p.y; }

struct point point_make(double x, double y) {
    struct point p = { x, y };
    return p;
}

void *ptr_id(void *p) { return p; }

size_t c_strlen(const char *s) { return strlen(s); }

int32_t apply_cb(int32_t (*cb)(int32_t), int32_t x) { return cb(x); }

double point_norm2_ptr(const struct point *p) { return p->x * p->x + p->y * p->y; }

double sum_x(const struct point *p, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += p[i].x;
    return s;
}
