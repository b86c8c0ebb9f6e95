// C99 array parameters: variable length (`a[n]`, `a[*]`), `static`, qualified and `restrict`
// dimensions (glibc's `_Restrict_arr_`: tests/headers.rs) all decay to pointers, as C adjusts
// them. An inner variable dimension has no size, so `double m[n][n]` is `double (*)[]`
// (compatible with C's `double (*)[n]`, which the layout probe checks against cc).
double sum(size_t n, double a[n]);
double sum_static(double a[static 4]);
double sum_const(size_t n, double a[const n]);
void copy_restrict(size_t n, char *dst[restrict n], char *src[__restrict n]);
double trace(size_t n, double m[n][n]);
double trace_fixed(size_t n, double m[n][4]);
double trace_inner(size_t n, double m[4][n]);
double cube(size_t n, double c[2][n][3]);
int prototype_only(int n, int a[*]);
double by_product(size_t rows, size_t cols, double m[rows * cols]);
struct grid { int w; int h; };
double by_member(struct grid g, double cells[g.w]);
