/* The fixture library: the functions declared in include/fixture.h. Built by the tests with
 * `cc -O2 -shared -fPIC` into the cargo target's temp dir and called through jitffi; each function
 * is either an echo (the result class), a hash of its arguments (the argument class) or a small
 * computation with a known answer.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

int fx_counter = 7;
const char fx_greeting[] = "hello from the fixture";

int fx_add_i32(int a, int b) { return a + b; }
double fx_norm2(struct fx_point p) { return p.x * p.x + p.y * p.y; }
struct fx_point fx_make_point(double x, double y) { struct fx_point p = {x, y}; return p; }
const char *fx_name(void) { return FX_NAME; }
void fx_apply(fx_callback cb, void *ctx) { cb(1, ctx); }

int fx_sum_var(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

/* -- Scalars -- */
#define ID(name, T) T fx_id_##name(T v) { return v; }
ID(i8, int8_t) ID(u8, uint8_t) ID(i16, int16_t) ID(u16, uint16_t) ID(i32, int32_t) ID(u32, uint32_t)
ID(i64, int64_t) ID(u64, uint64_t) ID(bool, _Bool) ID(char, char) ID(f32, float) ID(f64, double)
ID(ld, long double)
void *fx_id_ptr(void *p) { return p; }
enum fx_sign fx_id_enum(enum fx_sign v) { return v; }
int64_t fx_widen_i8(int8_t v) { return v; }
uint64_t fx_widen_u8(uint8_t v) { return v; }
int64_t fx_widen_i16(int16_t v) { return v; }
uint64_t fx_widen_u16(uint16_t v) { return v; }
int64_t fx_widen_i32(int32_t v) { return v; }
uint64_t fx_widen_u32(uint32_t v) { return v; }
int64_t fx_widen_bool(_Bool v) { return v; }

/* -- Many arguments -- */
void fx_nop(void) {}
int64_t fx_sum_ints16(int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5, int64_t a6, int64_t a7,
                      int64_t a8, int64_t a9, int64_t a10, int64_t a11, int64_t a12, int64_t a13, int64_t a14,
                      int64_t a15, int64_t a16) {
    /* Weighted, so an argument in the wrong slot changes the result. */
    return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 + 9 * a9 + 10 * a10 + 11 * a11 +
           12 * a12 + 13 * a13 + 14 * a14 + 15 * a15 + 16 * a16;
}
double fx_sum_doubles16(double a1, double a2, double a3, double a4, double a5, double a6, double a7, double a8,
                        double a9, double a10, double a11, double a12, double a13, double a14, double a15,
                        double a16) {
    return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * a7 + 8 * a8 + 9 * a9 + 10 * a10 + 11 * a11 +
           12 * a12 + 13 * a13 + 14 * a14 + 15 * a15 + 16 * a16;
}
double fx_mix16(int8_t a1, double a2, uint16_t a3, float a4, int32_t a5, double a6, int64_t a7, float a8,
                uint8_t a9, double a10, int16_t a11, float a12, uint32_t a13, double a14, uint64_t a15, float a16) {
    return a1 + 2 * a2 + 3 * a3 + 4 * a4 + 5 * a5 + 6 * a6 + 7 * (double)a7 + 8 * a8 + 9 * a9 + 10 * a10 +
           11 * a11 + 12 * a12 + 13 * (double)a13 + 14 * a14 + 15 * (double)a15 + 16 * a16;
}

/* -- Structs -- */
#define ECHO(name, T) T fx_echo_##name(T v) { return v; }
ECHO(s1, struct fx_s1) ECHO(s3, struct fx_s3) ECHO(s4f, struct fx_s4f) ECHO(s8i, struct fx_s8i)
ECHO(s8f, struct fx_s8f) ECHO(s8m, struct fx_s8m) ECHO(s12i, struct fx_s12i) ECHO(s12f, struct fx_s12f)
ECHO(s16l, struct fx_s16l) ECHO(s16d, struct fx_s16d) ECHO(s16dl, struct fx_s16dl) ECHO(s16ld, struct fx_s16ld)
ECHO(s16f, struct fx_s16f) ECHO(s24, struct fx_s24) ECHO(s32d, struct fx_s32d) ECHO(s64, struct fx_s64)
ECHO(arr, struct fx_arr) ECHO(nest, struct fx_nest) ECHO(p5, struct fx_p5) ECHO(p10, struct fx_p10)
ECHO(u8, union fx_u8) ECHO(u16, union fx_u16)

/* The hash the tests compute too: mix 64-bit words (floats by their bits). */
static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); }
static uint64_t fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

uint64_t fx_hash_s1(int pre, struct fx_s1 v, double post) {
    return mix(mix(mix(0, (uint64_t)(int64_t)pre), (uint64_t)(int64_t)v.a), dbits(post));
}
uint64_t fx_hash_s3(int pre, struct fx_s3 v, double post) {
    uint64_t h = mix(0, (uint64_t)(int64_t)pre);
    h = mix(mix(mix(h, (uint64_t)(int64_t)v.a), (uint64_t)(int64_t)v.b), (uint64_t)(int64_t)v.c);
    return mix(h, dbits(post));
}
uint64_t fx_hash_s8m(int pre, struct fx_s8m v, double post) {
    uint64_t h = mix(mix(mix(0, (uint64_t)(int64_t)pre), fbits(v.a)), (uint64_t)(int64_t)v.b);
    return mix(h, dbits(post));
}
uint64_t fx_hash_s12f(int pre, struct fx_s12f v, double post) {
    uint64_t h = mix(mix(mix(mix(0, (uint64_t)(int64_t)pre), fbits(v.a)), fbits(v.b)), fbits(v.c));
    return mix(h, dbits(post));
}
uint64_t fx_hash_s16dl(int pre, struct fx_s16dl v, double post) {
    return mix(mix(mix(mix(0, (uint64_t)(int64_t)pre), dbits(v.a)), (uint64_t)v.b), dbits(post));
}
uint64_t fx_hash_s16ld(int pre, struct fx_s16ld v, double post) {
    return mix(mix(mix(mix(0, (uint64_t)(int64_t)pre), (uint64_t)v.a), dbits(v.b)), dbits(post));
}
uint64_t fx_hash_s24(int pre, struct fx_s24 v, double post) {
    uint64_t h = mix(mix(mix(mix(0, (uint64_t)(int64_t)pre), (uint64_t)v.a), (uint64_t)v.b), (uint64_t)v.c);
    return mix(h, dbits(post));
}
uint64_t fx_hash_p5(int pre, struct fx_p5 v, double post) {
    return mix(mix(mix(mix(0, (uint64_t)(int64_t)pre), (uint64_t)(int64_t)v.c), (uint64_t)(int64_t)v.i), dbits(post));
}
uint64_t fx_hash_late(long a, long b, long c, long d, long e, struct fx_s16l v, long f) {
    uint64_t h = 0;
    h = mix(h, (uint64_t)a); h = mix(h, (uint64_t)b); h = mix(h, (uint64_t)c); h = mix(h, (uint64_t)d);
    h = mix(h, (uint64_t)e); h = mix(h, (uint64_t)v.a); h = mix(h, (uint64_t)v.b); h = mix(h, (uint64_t)f);
    return h;
}
uint64_t fx_hash_late_sse(double a, double b, double c, double d, double e, double f, double g, struct fx_s16d v,
                          double h_) {
    uint64_t h = 0;
    h = mix(h, dbits(a)); h = mix(h, dbits(b)); h = mix(h, dbits(c)); h = mix(h, dbits(d));
    h = mix(h, dbits(e)); h = mix(h, dbits(f)); h = mix(h, dbits(g)); h = mix(h, dbits(v.a));
    h = mix(h, dbits(v.b)); h = mix(h, dbits(h_));
    return h;
}
double fx_point_norm2(struct fx_point p) { return p.x * p.x + p.y * p.y; }
double fx_dot(const struct fx_point *a, const struct fx_point *b) { return a->x * b->x + a->y * b->y; }

/* -- Variadic -- */
double fx_sum_var_double(int n, ...) {
    va_list ap;
    va_start(ap, n);
    double s = 0;
    for (int i = 0; i < n; i++) s += (i + 1) * va_arg(ap, double);
    va_end(ap);
    return s;
}
int64_t fx_sum_var_mixed(const char *types, ...) {
    /* i: int, u: unsigned, l: long, d: double, p: pointer (counts its first byte), s: struct fx_s16dl */
    va_list ap;
    va_start(ap, types);
    int64_t s = 0;
    for (int k = 1; *types; types++, k++) {
        switch (*types) {
        case 'i': s += k * (int64_t)va_arg(ap, int); break;
        case 'u': s += k * (int64_t)va_arg(ap, unsigned); break;
        case 'l': s += k * va_arg(ap, long); break;
        case 'd': s += k * (int64_t)(va_arg(ap, double) * 1000); break;
        case 'p': s += k * (int64_t)*(const unsigned char *)va_arg(ap, const void *); break;
        case 's': { struct fx_s16dl v = va_arg(ap, struct fx_s16dl); s += k * ((int64_t)(v.a * 1000) + v.b); break; }
        default: return -1;
        }
    }
    va_end(ap);
    return s;
}
int fx_format(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* -- errno, strings, function pointers -- */
int fx_set_errno(int value) {
    errno = value;
    return -1;
}
long fx_odd_sum(long k, struct fx_odd x, long j) {
    return k + 3 * x.c + 5 * x.v.s + 7 * (long)x.v.i + 11 * x.pad[0] + 13 * x.pad[6] + 17 * j
        + 19 * x.v.t;
}
long fx_a32_late(long a, long b, long c, long d, long e, long f, long g, struct fx_a32 s, long h) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 11 * s.x + 13 * s.y + 17 * h;
}
long fx_a64_sum(long k, struct fx_a64 s, struct fx_a32 t, int j) {
    return k + 3 * s.x + 5 * t.x + 7 * t.y + 11 * j;
}
struct fx_ld1 fx_ld1_make(int k, long double v) {
    struct fx_ld1 r = { k == 0 ? v : (long double)k };
    return r;
}
long double fx_ld1_get(struct fx_ld1 s, int k) { return k == 0 ? s.x : (long double)k; }
int fx_swap_errno(int value) {
    int old = errno;
    errno = value;
    return old;
}
size_t fx_strlen(const char *s) { return strlen(s); }
int fx_add3(int a, int b, int c) { return a + 10 * b + 100 * c; }
int (*fx_get_add3(void))(int, int, int) { return fx_add3; }
int fx_sub_i32(int a, int b) { return a - b; }
int fx_mul_i32(int a, int b) { return a * b; }
struct fx_point fx_swap_point(struct fx_point p) { struct fx_point r = { p.y, p.x }; return r; }
struct fx_point fx_scale_point(struct fx_point p) { struct fx_point r = { 2 * p.x, 3 * p.y }; return r; }

/* -- C data -- */
static uint64_t fx_data_access(struct fx_data *p, int k, int set, uint64_t bits) {
    float f; double d; uint32_t u;
    switch (k) {
    case 0: if (set) p->i8 = (int8_t)bits; else return (uint64_t)(int64_t)p->i8; break;
    case 1: if (set) p->u8 = (uint8_t)bits; else return p->u8; break;
    case 2: if (set) p->i16 = (int16_t)bits; else return (uint64_t)(int64_t)p->i16; break;
    case 3: if (set) p->u16 = (uint16_t)bits; else return p->u16; break;
    case 4: if (set) p->i32 = (int32_t)bits; else return (uint64_t)(int64_t)p->i32; break;
    case 5: if (set) p->u32 = (uint32_t)bits; else return p->u32; break;
    case 6: if (set) p->i64 = (int64_t)bits; else return (uint64_t)p->i64; break;
    case 7: if (set) p->u64 = bits; else return p->u64; break;
    case 8: if (set) { u = (uint32_t)bits; memcpy(&f, &u, 4); p->f32 = f; } else { memcpy(&u, &p->f32, 4); return u; } break;
    case 9: if (set) { memcpy(&d, &bits, 8); p->f64 = d; } else { memcpy(&bits, &p->f64, 8); return bits; } break;
    case 10: if (set) p->b = bits != 0; else return p->b; break;
    case 11: if (set) p->c = (char)bits; else return (uint64_t)(int64_t)p->c; break;
    case 12: if (set) p->p = (void *)(uintptr_t)bits; else return (uintptr_t)p->p; break;
    case 13: if (set) p->color = (enum fx_color)bits; else return (uint64_t)p->color; break;
    case 14: if (set) p->bits.flag = bits; else return p->bits.flag; break;
    case 15: if (set) p->bits.mode = bits; else return p->bits.mode; break;
    case 16: if (set) p->bits.delta = (int)bits; else return (uint64_t)(int64_t)p->bits.delta; break;
    case 17: if (set) p->bits.big = bits; else return p->bits.big; break;
    case 18: if (set) p->bits.on = bits != 0; else return p->bits.on; break;
    case 19: if (set) p->bits.low = bits; else return p->bits.low; break;
    case 20: if (set) p->bits.wide = (long long)bits; else return (uint64_t)(int64_t)p->bits.wide; break;
    case 21: if (set) p->bits.color = (enum fx_color)bits; else return (uint64_t)p->bits.color; break;
    case 22: if (set) p->packed[1].c = (char)bits; else return (uint64_t)(int64_t)p->packed[1].c; break;
    case 23: if (set) p->packed[1].i = (int)bits; else return (uint64_t)(int64_t)p->packed[1].i; break;
    case 24: if (set) { memcpy(&d, &bits, 8); p->packed[1].d = d; } else { d = p->packed[1].d; memcpy(&bits, &d, 8); return bits; } break;
    case 25: if (set) p->val.i = (int)bits; else return (uint64_t)(int64_t)p->val.i; break;
    case 26: if (set) { memcpy(&d, &bits, 8); p->val.d = d; } else { memcpy(&bits, &p->val.d, 8); return bits; } break;
    case 27: if (set) p->val.bytes[5] = (char)bits; else return (uint64_t)(int64_t)p->val.bytes[5]; break;
    case 28: if (set) { memcpy(&d, &bits, 8); p->val.pt.y = d; } else { memcpy(&bits, &p->val.pt.y, 8); return bits; } break;
    case 29: if (set) p->tagged.kind = (int)bits; else return (uint64_t)(int64_t)p->tagged.kind; break;
    case 30: if (set) { memcpy(&d, &bits, 8); p->tagged.d = d; } else { memcpy(&bits, &p->tagged.d, 8); return bits; } break;
    case 31: if (set) p->tagged.range.hi = (short)bits; else return (uint64_t)(int64_t)p->tagged.range.hi; break;
    case 32: if (set) { memcpy(&d, &bits, 8); p->pts[2].x = d; } else { memcpy(&bits, &p->pts[2].x, 8); return bits; } break;
    case 33: if (set) { memcpy(&d, &bits, 8); p->pts[1].y = d; } else { memcpy(&bits, &p->pts[1].y, 8); return bits; } break;
    case 34: if (set) p->grid[1][2] = (int)bits; else return (uint64_t)(int64_t)p->grid[1][2]; break;
    case 35: if (set) p->pk.lo = bits; else return p->pk.lo; break;
    case 36: if (set) p->pk.hi = (int)bits; else return (uint64_t)(int64_t)p->pk.hi; break;
    case 37: if (set) p->pk.top = bits; else return p->pk.top; break;
    case 38: if (set) p->next = (struct fx_list *)(uintptr_t)bits; else return (uintptr_t)p->next; break;
    default: abort();
    }
    return 0;
}
uint64_t fx_data_get(const struct fx_data *p, int k) { return fx_data_access((struct fx_data *)p, k, 0, 0); }
void fx_data_set(struct fx_data *p, int k, uint64_t bits) { fx_data_access(p, k, 1, bits); }
double fx_sum_x(const struct fx_point *pts, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += pts[i].x;
    return s;
}
void fx_fill_buffer(struct fx_buffer *b) {
    for (size_t i = 0; i < b->len; i++) b->data[i] = (unsigned char)i;
}
static struct fx_list fx_nodes[3] = { { 1, &fx_nodes[1] }, { 20, &fx_nodes[2] }, { 300, NULL } };
struct fx_list *fx_static_list(void) { return fx_nodes; }
int fx_list_sum(const struct fx_list *l) {
    int s = 0;
    for (; l; l = l->next) s += l->value;
    return s;
}
struct fx_point fx_origin = { 1.25, -2.5 };

/* -- Callbacks -- */

int64_t fx_cb_narrow(int64_t (*cb)(int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, _Bool, char)) {
    return cb(-128, 255, -32768, 65535, INT32_MIN, UINT32_MAX, 1, 'z');
}
int32_t fx_cb_ret_i8(int8_t (*cb)(int32_t), int32_t v) { return cb(v); }
uint32_t fx_cb_ret_u16(uint16_t (*cb)(int32_t), int32_t v) { return cb(v); }
int32_t fx_cb_ret_bool(_Bool (*cb)(int32_t), int32_t v) { return cb(v); }
int32_t fx_cb_ret_i32(int32_t (*cb)(int32_t), int32_t v) { return cb(v); }
double fx_cb_floats(double (*cb)(float, double, float, double), float a, double b) { return cb(a, b, -a, -b); }
float fx_cb_ret_f32(float (*cb)(float), float v) { return cb(v); }
struct fx_s1 fx_cb_s1(struct fx_s1 (*cb)(int, struct fx_s1, double), struct fx_s1 v) { return cb(7, v, 2.5); }
struct fx_s3 fx_cb_s3(struct fx_s3 (*cb)(int, struct fx_s3, double), struct fx_s3 v) { return cb(7, v, 2.5); }
struct fx_s4f fx_cb_s4f(struct fx_s4f (*cb)(int, struct fx_s4f, double), struct fx_s4f v) { return cb(7, v, 2.5); }
struct fx_s8m fx_cb_s8m(struct fx_s8m (*cb)(int, struct fx_s8m, double), struct fx_s8m v) { return cb(7, v, 2.5); }
struct fx_s12f fx_cb_s12f(struct fx_s12f (*cb)(int, struct fx_s12f, double), struct fx_s12f v) { return cb(7, v, 2.5); }
struct fx_s16d fx_cb_s16d(struct fx_s16d (*cb)(int, struct fx_s16d, double), struct fx_s16d v) { return cb(7, v, 2.5); }
struct fx_s16dl fx_cb_s16dl(struct fx_s16dl (*cb)(int, struct fx_s16dl, double), struct fx_s16dl v) { return cb(7, v, 2.5); }
struct fx_s16ld fx_cb_s16ld(struct fx_s16ld (*cb)(int, struct fx_s16ld, double), struct fx_s16ld v) { return cb(7, v, 2.5); }
struct fx_s24 fx_cb_s24(struct fx_s24 (*cb)(int, struct fx_s24, double), struct fx_s24 v) { return cb(7, v, 2.5); }
struct fx_s64 fx_cb_s64(struct fx_s64 (*cb)(int, struct fx_s64, double), struct fx_s64 v) { return cb(7, v, 2.5); }
struct fx_arr fx_cb_arr(struct fx_arr (*cb)(int, struct fx_arr, double), struct fx_arr v) { return cb(7, v, 2.5); }
struct fx_nest fx_cb_nest(struct fx_nest (*cb)(int, struct fx_nest, double), struct fx_nest v) { return cb(7, v, 2.5); }
struct fx_p5 fx_cb_p5(struct fx_p5 (*cb)(int, struct fx_p5, double), struct fx_p5 v) { return cb(7, v, 2.5); }
struct fx_p10 fx_cb_p10(struct fx_p10 (*cb)(int, struct fx_p10, double), struct fx_p10 v) { return cb(7, v, 2.5); }
union fx_u16 fx_cb_u16(union fx_u16 (*cb)(int, union fx_u16, double), union fx_u16 v) { return cb(7, v, 2.5); }
int64_t fx_cb_ints16(int64_t (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
    int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t)) {
    return cb(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
}
double fx_cb_mix16(double (*cb)(int8_t, double, uint16_t, float, int32_t, double, int64_t, float, uint8_t,
    double, int16_t, float, uint32_t, double, uint64_t, float)) {
    return cb(-1, 2.5, 65535, 4.5f, -5, 6.5, -7, 8.5f, 255, 10.5, -11, 12.5f, 4000000000u, 14.5,
              18000000000000000000ull, 16.5f);
}
double fx_cb_full(double (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double,
    double, double, double, double, double, double, double, double)) {
    return cb(1, 2, 3, 4, 5, 6, 7, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5);
}
uint64_t fx_cb_late(uint64_t (*cb)(long, long, long, long, long, struct fx_s16l, long), struct fx_s16l v) {
    return cb(1, 2, 3, 4, 5, v, 6);
}

struct fx_cb_job { int32_t (*cb)(int32_t); int32_t x; int32_t calls; int64_t sum; };
static void *fx_cb_thread(void *p) {
    struct fx_cb_job *j = p;
    for (int32_t k = 0; k < j->calls; k++) j->sum += j->cb(j->x);
    return NULL;
}
int64_t fx_cb_threads(int32_t (*cb)(int32_t), int32_t x, int32_t n, int32_t calls) {
    pthread_t t[64];
    struct fx_cb_job jobs[64];
    if (n > 64) return -1;
    int32_t started = 0;
    for (int32_t i = 0; i < n; i++) {
        jobs[i].cb = cb; jobs[i].x = x + i; jobs[i].calls = calls; jobs[i].sum = 0;
        if (pthread_create(&t[i], NULL, fx_cb_thread, &jobs[i]) != 0) break;
        started++;
    }
    int64_t sum = 0;
    for (int32_t i = 0; i < started; i++) { pthread_join(t[i], NULL); sum += jobs[i].sum; }
    return started == n ? sum : -1;
}
long double fx_cb_ld(long double (*cb)(long double, int), long double x) { return cb(x, 3); }
__int128 fx_id_i128(__int128 v) { return v; }
unsigned __int128 fx_mul_u128(unsigned __int128 a, unsigned __int128 b) { return a * b; }
__int128 fx_i128_late(long a, long b, long c, long d, long e, __int128 x, long f) {
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 7 * x + 11 * (__int128)f;
}
__int128 fx_sum_var_i128(int n, ...) {
    va_list ap;
    va_start(ap, n);
    __int128 s = 0;
    for (int i = 0; i < n; i++) s = s * 3 + va_arg(ap, __int128);
    va_end(ap);
    return s;
}
__int128 fx_cb_i128(__int128 (*cb)(__int128, int), __int128 x) { return cb(x, 5) + 1; }
__int128 fx_i128_pick(int k, __int128 a, long b, __int128 c, __int128 d, long e) {
    switch (k) {
    case 0: return a;
    case 1: return c;
    case 2: return d;
    default: return b + 3 * (__int128)e;
    }
}
long double fx_ld_pick(int k, long double a, double b, long double c, int d, long double e) {
    switch (k) {
    case 0: return a;
    case 1: return c;
    case 2: return e;
    default: return (long double)b + d;
    }
}
double _Complex fx_cswap(double _Complex z) { return __builtin_complex(__imag__ z, __real__ z); }
float _Complex fx_caddf(float _Complex a, float _Complex b) {
    return __builtin_complex(__real__ a + __real__ b, __imag__ a + __imag__ b);
}
double _Complex fx_cmix(double a, double b, double c, double d, double e, double f, double g,
                        double _Complex z, long n) {
    return __builtin_complex(__real__ z + a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g,
                             __imag__ z * (double)n);
}
double _Complex fx_cb_cplx(double _Complex (*cb)(double _Complex, int), double _Complex z) {
    double _Complex r = cb(z, 2);
    return __builtin_complex(__real__ r + 1, __imag__ r);
}
int64_t fx_a16_late(int64_t r1, int64_t r2, int64_t r3, int64_t r4, int64_t r5, int64_t r6,
                    int64_t s1, struct fx_a16 v, int64_t s2) {
    return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5 + 6 * r6 + 7 * s1 + 11 * v.a + 13 * v.b + 17 * s2;
}
int64_t fx_a16big_late(int64_t r1, int64_t r2, int64_t r3, int64_t r4, int64_t r5, int64_t r6,
                       int64_t s1, struct fx_a16big v, int64_t s2) {
    return r1 + 2 * r2 + 3 * r3 + 4 * r4 + 5 * r5 + 6 * r6 + 7 * s1 + 11 * v.a + 13 * v.b + 19 * v.c +
           17 * s2;
}
typedef int64_t fx_v2i64 __attribute__((vector_size(16)));
struct fx_a16big fx_make_a16big(int64_t a, int64_t b, int64_t c) {
    struct fx_a16big r;
    /* An aligned vector store into the result object (the hidden pointer at -O2). */
    *(fx_v2i64 *)&r.a = (fx_v2i64){a, b};
    r.c = c;
    return r;
}
int64_t fx_cb_a16(int64_t (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                struct fx_a16, int64_t)) {
    struct fx_a16 v = {800, 900};
    return cb(1, 2, 3, 4, 5, 6, 7, v, 10);
}
int64_t fx_pad16(struct fx_pad16 v, int64_t x) { return v.m0 * 10 + x; }
int64_t fx_cb_pad16(int64_t (*cb)(struct fx_pad16, int64_t)) {
    struct fx_pad16 v = {7};
    return cb(v, 3);
}
int64_t fx_cb_each(int (*cb)(int, void *), void *ctx, int n) {
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += cb(i, ctx);
    return s;
}

int64_t fx_node_sum(const struct fx_node *n) {
    int64_t s = 0;
    for (; n; n = n->next) s += n->v;
    return s;
}
void fx_node_set(struct fx_node *n, int32_t hops, int32_t v) {
    while (hops-- > 0) n = n->next;
    n->v = v;
}
struct fx_node *fx_node_new(int32_t v, struct fx_node *next) {
    struct fx_node *n = malloc(sizeof *n);
    if (n) { n->v = v; n->next = next; }
    return n;
}
void fx_node_free(struct fx_node *n) { free(n); }
void fx_bag_set_x(struct fx_bag *l, int32_t i, int32_t x) { l->items[i].x = x; }
double fx_bag_dot(const struct fx_bag *l) {
    double s = 0;
    for (int32_t i = 0; i < l->n; i++) s += l->items[i].x * l->items[i].w;
    return s;
}
int64_t fx_pqr_get(const struct fx_p *p) { return p->q->r->r; }
void fx_pqr_set(struct fx_p *p, int64_t r) { p->q->r->r = r; }
