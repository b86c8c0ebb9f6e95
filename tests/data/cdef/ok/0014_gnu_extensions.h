__extension__ typedef long long gnu_ll;
extern int renamed_fn(int) __asm__("real_symbol");
extern int renamed_var __asm__("real_var");
static __inline int inline_helper(int x) { return x + 1; }
static inline int another(void) { int y = 2; return y * 2; }
__attribute__((deprecated)) int old_api(void);
int nonnull_fn(const char *s) __attribute__((nonnull(1))) __attribute__((pure));
typedef __typeof__(sizeof(int)) my_size_t;
typedef int word_mode_t __attribute__((__mode__(__word__)));
typedef unsigned int byte_mode_t __attribute__((mode(QI)));
struct __attribute__((__packed__)) gnu_packed { char c; int i; };
typedef __builtin_va_list gnu_va_list;
int __restrict_test(char *__restrict a, const char *__restrict b);
__signed__ char gnu_signed;
