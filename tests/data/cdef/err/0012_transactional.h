struct kept { int a; };
//- cdef
struct added_then_dropped { int b; };
typedef int dropped_t;
int dropped_fn(void);
struct bad { unknown_t c; };
