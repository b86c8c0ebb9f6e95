/* The fixture library's header, as the C compiler sees it.
 *
 * Its twin, cdefs/fixture.h, holds the same declarations as jitffi parses them (no #include,
 * no include guard); tests/fixture_layout.rs checks that the two agree and that jitffi's layout
 * of every type here equals the C compiler's. Keep both in step.
 */
#ifndef JITFFI_FIXTURE_H
#define JITFFI_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* -- Constants -- */
#define FX_VERSION 3
#define FX_NAME "jitffi fixture"
#define FX_SCALE 2.5
#define FX_MASK (0xf0u | FX_VERSION)
#define FX_NAME_LEN 24

/* -- Enums -- */
enum fx_color { FX_RED, FX_GREEN = 4, FX_BLUE };
enum fx_sign { FX_NEG = -100, FX_ZERO = 0, FX_POS = 100 };
typedef enum { FX_SMALL_A, FX_SMALL_B = 200 } __attribute__((packed)) fx_small_enum;

/* -- Plain records -- */
struct fx_point { double x, y; };
struct fx_rect { struct fx_point min, max; };
typedef struct fx_point fx_point_t;
struct fx_mixed {
    char c;
    short s;
    int i;
    long l;
    float f;
    double d;
    long double ld;
    void *p;
    unsigned char uc;
    int64_t i64;
    _Bool b;
};
struct fx_named {
    char name[FX_NAME_LEN];
    enum fx_color color;
    struct fx_point at;
    const char *label;
};
struct fx_list { int value; struct fx_list *next; };
struct fx_opaque;
typedef struct fx_opaque fx_handle;

/* -- Bit-fields -- */
struct fx_bits {
    unsigned int flag : 1;
    unsigned int mode : 3;
    signed int delta : 5;
    unsigned int : 0;
    unsigned int big : 20;
    _Bool on : 1;
    unsigned char low : 4;
    long long wide : 40;
    enum fx_color color : 3;
};

/* -- Attributes -- */
struct fx_packed { char c; int i; double d; } __attribute__((packed));
struct fx_aligned { char c; } __attribute__((aligned(32)));
struct fx_member_aligned { char c; _Alignas(16) int i; char tail; };
#pragma pack(push, 2)
struct fx_pack2 { char c; int i; long l; };
#pragma pack(pop)

/* -- Unions and anonymous members -- */
union fx_value { int i; double d; char bytes[16]; struct fx_point pt; };
struct fx_tagged {
    int kind;
    union { int i; double d; };
    struct { short lo, hi; } range;
};

/* -- Arrays and flexible members -- */
struct fx_matrix { double m[3][4]; int diag[3]; };
struct fx_buffer { size_t len; unsigned char data[]; };

/* -- C data: every member kind, read and written by C for the cdata tests -- */
struct fx_pkbits { unsigned int lo : 7; signed int hi : 9; unsigned long long top : 48; } __attribute__((packed));
struct fx_data {
    int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
    int64_t i64; uint64_t u64; float f32; double f64; _Bool b; char c; void *p;
    enum fx_color color;
    struct fx_bits bits;
    struct fx_packed packed[2];
    union fx_value val;
    struct fx_tagged tagged;
    struct fx_point pts[3];
    int grid[2][3];
    struct fx_pkbits pk;
    struct fx_list *next;
};

/* -- Function types -- */
typedef int (*fx_callback)(int, void *);
typedef double fx_unary(double);
struct fx_vtable { fx_callback on_event; fx_unary *transform; void (*destroy)(void *); };

/* -- Functions and globals -- */
int fx_add_i32(int a, int b);
double fx_norm2(struct fx_point p);
struct fx_point fx_make_point(double x, double y);
int fx_sum_var(int n, ...);
const char *fx_name(void);
void fx_apply(fx_callback cb, void *ctx);
extern int fx_counter;
extern const char fx_greeting[];

/* -- Calls: every argument class (tests/calls/) -- */

/* Narrow and wide scalars, at their extremes: echo and widen. */
int8_t fx_id_i8(int8_t v);
uint8_t fx_id_u8(uint8_t v);
int16_t fx_id_i16(int16_t v);
uint16_t fx_id_u16(uint16_t v);
int32_t fx_id_i32(int32_t v);
uint32_t fx_id_u32(uint32_t v);
int64_t fx_id_i64(int64_t v);
uint64_t fx_id_u64(uint64_t v);
_Bool fx_id_bool(_Bool v);
char fx_id_char(char v);
float fx_id_f32(float v);
double fx_id_f64(double v);
long double fx_id_ld(long double v);
void *fx_id_ptr(void *p);
enum fx_sign fx_id_enum(enum fx_sign v);
int64_t fx_widen_i8(int8_t v);
uint64_t fx_widen_u8(uint8_t v);
int64_t fx_widen_i16(int16_t v);
uint64_t fx_widen_u16(uint16_t v);
int64_t fx_widen_i32(int32_t v);
uint64_t fx_widen_u32(uint32_t v);
int64_t fx_widen_bool(_Bool v);

/* Many arguments, past the registers. */
void fx_nop(void);
int64_t fx_sum_ints16(int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5, int64_t a6, int64_t a7,
    int64_t a8, int64_t a9, int64_t a10, int64_t a11, int64_t a12, int64_t a13, int64_t a14, int64_t a15,
    int64_t a16);
double fx_sum_doubles16(double a1, double a2, double a3, double a4, double a5, double a6, double a7,
    double a8, double a9, double a10, double a11, double a12, double a13, double a14, double a15,
    double a16);
double fx_mix16(int8_t a1, double a2, uint16_t a3, float a4, int32_t a5, double a6, int64_t a7, float a8,
    uint8_t a9, double a10, int16_t a11, float a12, uint32_t a13, double a14, uint64_t a15, float a16);

/* Structs of every class: echo (result class) and hash between scalars (argument class). */
struct fx_s1 { char a; };
struct fx_s3 { char a, b, c; };
struct fx_s4f { float a; };
struct fx_s8i { int a, b; };
struct fx_s8f { float a, b; };
struct fx_s8m { float a; int b; };
struct fx_s12i { int a, b, c; };
struct fx_s12f { float a, b, c; };
struct fx_s16l { long a, b; };
struct fx_s16d { double a, b; };
struct fx_s16dl { double a; long b; };
struct fx_s16ld { long a; double b; };
struct fx_s16f { float a, b, c, d; };
struct fx_s24 { long a, b, c; };
/* A packed record at an odd offset of an unpacked one (16 bytes): gcc passes it in memory,
   its members aligned in their record but at odd bytes of the whole (found by the random
   corpus). */
struct fx_in { short s; short t; int i; } __attribute__((packed));
struct fx_odd { char c; struct fx_in v; char pad[7]; };
long fx_odd_sum(long k, struct fx_odd x, long j);
/* Over-aligned structs on the stack: each on a boundary of its alignment in the argument
   area (32 and 64). */
struct fx_a32 { _Alignas(32) long x; long y; };
struct fx_a64 { _Alignas(64) long x; };
long fx_a32_late(long a, long b, long c, long d, long e, long f, long g, struct fx_a32 s, long h);
long fx_a64_sum(long k, struct fx_a64 s, struct fx_a32 t, int j);
/* A struct whose one member is a long double: returned in st(0) (classes X87, X87UP), passed
   in memory. */
struct fx_ld1 { long double x; };
struct fx_ld1 fx_ld1_make(int k, long double v);
long double fx_ld1_get(struct fx_ld1 s, int k);



struct fx_s32d { double a[4]; };
struct fx_s64 { unsigned char a[64]; };
struct fx_arr { int a[3]; char c; };
struct fx_nest { struct fx_s8f in; double d; };
struct fx_p5 { char c; int i; } __attribute__((packed));
struct fx_p10 { char c; double d; char e; } __attribute__((packed));
union fx_u8 { int i; float f; };
union fx_u16 { double d; long l[2]; };
struct fx_s1 fx_echo_s1(struct fx_s1 v);
struct fx_s3 fx_echo_s3(struct fx_s3 v);
struct fx_s4f fx_echo_s4f(struct fx_s4f v);
struct fx_s8i fx_echo_s8i(struct fx_s8i v);
struct fx_s8f fx_echo_s8f(struct fx_s8f v);
struct fx_s8m fx_echo_s8m(struct fx_s8m v);
struct fx_s12i fx_echo_s12i(struct fx_s12i v);
struct fx_s12f fx_echo_s12f(struct fx_s12f v);
struct fx_s16l fx_echo_s16l(struct fx_s16l v);
struct fx_s16d fx_echo_s16d(struct fx_s16d v);
struct fx_s16dl fx_echo_s16dl(struct fx_s16dl v);
struct fx_s16ld fx_echo_s16ld(struct fx_s16ld v);
struct fx_s16f fx_echo_s16f(struct fx_s16f v);
struct fx_s24 fx_echo_s24(struct fx_s24 v);
struct fx_s32d fx_echo_s32d(struct fx_s32d v);
struct fx_s64 fx_echo_s64(struct fx_s64 v);
struct fx_arr fx_echo_arr(struct fx_arr v);
struct fx_nest fx_echo_nest(struct fx_nest v);
struct fx_p5 fx_echo_p5(struct fx_p5 v);
struct fx_p10 fx_echo_p10(struct fx_p10 v);
union fx_u8 fx_echo_u8(union fx_u8 v);
union fx_u16 fx_echo_u16(union fx_u16 v);
uint64_t fx_hash_s1(int pre, struct fx_s1 v, double post);
uint64_t fx_hash_s3(int pre, struct fx_s3 v, double post);
uint64_t fx_hash_s8m(int pre, struct fx_s8m v, double post);
uint64_t fx_hash_s12f(int pre, struct fx_s12f v, double post);
uint64_t fx_hash_s16dl(int pre, struct fx_s16dl v, double post);
uint64_t fx_hash_s16ld(int pre, struct fx_s16ld v, double post);
uint64_t fx_hash_s24(int pre, struct fx_s24 v, double post);
uint64_t fx_hash_p5(int pre, struct fx_p5 v, double post);
uint64_t fx_hash_late(long a, long b, long c, long d, long e, struct fx_s16l v, long f);
uint64_t fx_hash_late_sse(double a, double b, double c, double d, double e, double f, double g,
    struct fx_s16d v, double h);
double fx_point_norm2(struct fx_point p);
double fx_dot(const struct fx_point *a, const struct fx_point *b);

/* Variadic functions. */
double fx_sum_var_double(int n, ...);
int64_t fx_sum_var_mixed(const char *types, ...);
int fx_format(char *buf, size_t size, const char *fmt, ...);

/* errno, strings, function pointers. */
int fx_set_errno(int value);
/* Sets errno to value and returns the errno it found. */
int fx_swap_errno(int value);
size_t fx_strlen(const char *s);
int fx_add3(int a, int b, int c);
int (*fx_get_add3(void))(int, int, int);

/* Functions of one signature (stubs are compiled once per signature, then copied). */
int fx_sub_i32(int a, int b);
int fx_mul_i32(int a, int b);
struct fx_point fx_swap_point(struct fx_point p);
struct fx_point fx_scale_point(struct fx_point p);

/* C data: member k of struct fx_data (see FX_DATA_FIELDS in tests/cdata/kinds.rs) as raw bits:
 * integers sign- or zero-extended to 64 bits, floats as their IEEE bits, pointers as
 * addresses. fx_data_set stores the value the bits stand for. */
uint64_t fx_data_get(const struct fx_data *p, int k);
void fx_data_set(struct fx_data *p, int k, uint64_t bits);
/* Sums the x of n points; fills a buffer's data with its index; a static list of 3 nodes. */
double fx_sum_x(const struct fx_point *pts, size_t n);
void fx_fill_buffer(struct fx_buffer *b);
struct fx_list *fx_static_list(void);
int fx_list_sum(const struct fx_list *l);
extern struct fx_point fx_origin;

/* -- Callbacks (tests/callbacks/): C calls Rust -- */

/* Narrow integers at their extremes: cb(-128, 255, -32768, 65535, INT32_MIN, UINT32_MAX, 1, 'z'). */
int64_t fx_cb_narrow(int64_t (*cb)(int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, _Bool, char));
/* Narrow results, widened by C (code built by clang relies on the callee extending them). */
int32_t fx_cb_ret_i8(int8_t (*cb)(int32_t), int32_t v);
uint32_t fx_cb_ret_u16(uint16_t (*cb)(int32_t), int32_t v);
int32_t fx_cb_ret_bool(_Bool (*cb)(int32_t), int32_t v);
int32_t fx_cb_ret_i32(int32_t (*cb)(int32_t), int32_t v);
/* Floats: cb(a, b, -a, -b); a float result. */
double fx_cb_floats(double (*cb)(float, double, float, double), float a, double b);
float fx_cb_ret_f32(float (*cb)(float), float v);
/* Structs by value both ways, one per class: returns cb(7, v, 2.5). */
struct fx_s1 fx_cb_s1(struct fx_s1 (*cb)(int, struct fx_s1, double), struct fx_s1 v);
struct fx_s3 fx_cb_s3(struct fx_s3 (*cb)(int, struct fx_s3, double), struct fx_s3 v);
struct fx_s4f fx_cb_s4f(struct fx_s4f (*cb)(int, struct fx_s4f, double), struct fx_s4f v);
struct fx_s8m fx_cb_s8m(struct fx_s8m (*cb)(int, struct fx_s8m, double), struct fx_s8m v);
struct fx_s12f fx_cb_s12f(struct fx_s12f (*cb)(int, struct fx_s12f, double), struct fx_s12f v);
struct fx_s16d fx_cb_s16d(struct fx_s16d (*cb)(int, struct fx_s16d, double), struct fx_s16d v);
struct fx_s16dl fx_cb_s16dl(struct fx_s16dl (*cb)(int, struct fx_s16dl, double), struct fx_s16dl v);
struct fx_s16ld fx_cb_s16ld(struct fx_s16ld (*cb)(int, struct fx_s16ld, double), struct fx_s16ld v);
struct fx_s24 fx_cb_s24(struct fx_s24 (*cb)(int, struct fx_s24, double), struct fx_s24 v);
struct fx_s64 fx_cb_s64(struct fx_s64 (*cb)(int, struct fx_s64, double), struct fx_s64 v);
struct fx_arr fx_cb_arr(struct fx_arr (*cb)(int, struct fx_arr, double), struct fx_arr v);
struct fx_nest fx_cb_nest(struct fx_nest (*cb)(int, struct fx_nest, double), struct fx_nest v);
struct fx_p5 fx_cb_p5(struct fx_p5 (*cb)(int, struct fx_p5, double), struct fx_p5 v);
struct fx_p10 fx_cb_p10(struct fx_p10 (*cb)(int, struct fx_p10, double), struct fx_p10 v);
union fx_u16 fx_cb_u16(union fx_u16 (*cb)(int, union fx_u16, double), union fx_u16 v);
/* Past the registers: 16 integers cb(1, …, 16) (the integer registers are full); the 16
 * arguments of fx_mix16 (fx_cb_mix16 passes 1, 2.5, 3, …); 7 integers and 9 doubles (every
 * argument register full); a struct on the stack because the registers ran out. */
int64_t fx_cb_ints16(int64_t (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
    int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t));
double fx_cb_mix16(double (*cb)(int8_t, double, uint16_t, float, int32_t, double, int64_t, float, uint8_t,
    double, int16_t, float, uint32_t, double, uint64_t, float));
double fx_cb_full(double (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, double,
    double, double, double, double, double, double, double, double));
uint64_t fx_cb_late(uint64_t (*cb)(long, long, long, long, long, struct fx_s16l, long), struct fx_s16l v);
/* Threads: n pthreads, thread i calls cb(x + i) `calls` times; returns the sum of the results,
 * or -1 if a thread could not be created. */
int64_t fx_cb_threads(int32_t (*cb)(int32_t), int32_t x, int32_t n, int32_t calls);
/* long double (libffi closures): cb(x, 3). */
long double fx_cb_ld(long double (*cb)(long double, int), long double x);
/* __int128 (libffi): identity, a product, one past the registers (16-aligned on the stack,
 * the next long still in the sixth register), a variadic sum, a callback. */
__int128 fx_id_i128(__int128 v);
unsigned __int128 fx_mul_u128(unsigned __int128 a, unsigned __int128 b);
__int128 fx_i128_late(long a, long b, long c, long d, long e, __int128 x, long f);
/* Placement: k picks a, c or d (d has no register pair left: 16-aligned on the stack), else
   b + 3e (e after d on the stack). */
__int128 fx_i128_pick(int k, __int128 a, long b, __int128 c, __int128 d, long e);
/* Placement: k picks a, c or e (each 16 bytes on a 16-byte boundary of the stack area), else
   b + d (in registers between them). */
long double fx_ld_pick(int k, long double a, double b, long double c, int d, long double e);
__int128 fx_sum_var_i128(int n, ...);
__int128 fx_cb_i128(__int128 (*cb)(__int128, int), __int128 x);
/* _Complex (SSE classes: the JIT and libffi): a swap, a float sum, one pushed to the stack
 * when one vector register is left, a callback. */
double _Complex fx_cswap(double _Complex z);
float _Complex fx_caddf(float _Complex a, float _Complex b);
double _Complex fx_cmix(double a, double b, double c, double d, double e, double f, double g,
                        double _Complex z, long n);
double _Complex fx_cb_cplx(double _Complex (*cb)(double _Complex, int), double _Complex z);
/* Structs aligned to 16 on the stack (after an odd number of stack words: 8 bytes of padding
 * in the argument area), in calls and in a callback. */
struct fx_a16 { _Alignas(16) int64_t a; int64_t b; };
struct fx_a16big { _Alignas(16) int64_t a; int64_t b, c; };
int64_t fx_a16_late(int64_t r1, int64_t r2, int64_t r3, int64_t r4, int64_t r5, int64_t r6,
                    int64_t s1, struct fx_a16 v, int64_t s2);
int64_t fx_a16big_late(int64_t r1, int64_t r2, int64_t r3, int64_t r4, int64_t r5, int64_t r6,
                       int64_t s1, struct fx_a16big v, int64_t s2);
/* Returns through the hidden pointer with an aligned 16-byte store (movaps): the caller's
 * result buffer must be 16-aligned, as System V requires. */
struct fx_a16big fx_make_a16big(int64_t a, int64_t b, int64_t c);
int64_t fx_cb_a16(int64_t (*cb)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                struct fx_a16, int64_t));
/* 16 bytes whose second eightbyte is all padding (System V's NO_CLASS: one register), then
 * an integer that must come in the next register. */
struct fx_pad16 { _Alignas(16) uint8_t m0; };
int64_t fx_pad16(struct fx_pad16 v, int64_t x);
int64_t fx_cb_pad16(int64_t (*cb)(struct fx_pad16, int64_t));
/* qsort-like use of a context: calls cb(i, ctx) for i in 0..n, returns the sum of results. */
int64_t fx_cb_each(int (*cb)(int, void *), void *ctx, int n);

/* Pointer members followed by C data paths ("next->v", "items->[3].x", "p->q->r"). */
struct fx_node { int32_t v; struct fx_node *next; };
struct fx_item { int32_t x; double w; };
struct fx_bag { int32_t n; struct fx_item *items; struct fx_node *head; };
struct fx_r { int64_t r; };
struct fx_q { int32_t pad; struct fx_r *r; };
struct fx_p { struct fx_q *q; };
/* The sum of v along the list from n; sets v of the node `hops` links after n. */
int64_t fx_node_sum(const struct fx_node *n);
void fx_node_set(struct fx_node *n, int32_t hops, int32_t v);
/* A node C allocates (malloc) and frees. */
struct fx_node *fx_node_new(int32_t v, struct fx_node *next);
void fx_node_free(struct fx_node *n);
/* items[i].x of a bag, and the sum of items[i].x * items[i].w for i < n. */
void fx_bag_set_x(struct fx_bag *l, int32_t i, int32_t x);
double fx_bag_dot(const struct fx_bag *l);
/* p->q->r->r. */
int64_t fx_pqr_get(const struct fx_p *p);
void fx_pqr_set(struct fx_p *p, int64_t r);

#endif /* JITFFI_FIXTURE_H */
