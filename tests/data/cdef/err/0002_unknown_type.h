foo_t x;
int f(int a, bar_t b);
struct s { baz_t *p; };
