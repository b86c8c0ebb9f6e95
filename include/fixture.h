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

#endif /* JITFFI_FIXTURE_H */
