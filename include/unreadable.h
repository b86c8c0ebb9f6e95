/* A header gcc accepts that has declarations jitffi cannot read (decimal floating point
 * here) among ones it can: tests/headers.rs declares it with
 * HeaderOptions::skip_unreadable and HeaderOptions::only. */
#ifndef JITFFI_UNREADABLE_H
#define JITFFI_UNREADABLE_H

struct pair { int a; double b; };
_Decimal64 dec_scale(_Decimal64 x, int n);
struct money { _Decimal64 amount; int currency; };
int money_cmp(const struct money *x, const struct money *y);
extern _Decimal32 rate;
extern __thread int last_error;
int pair_sum(const struct pair *p);
typedef struct pair pair_t;
#define PAIR_MAX 16
#define pair_first(p) ((p)->a)

#endif
