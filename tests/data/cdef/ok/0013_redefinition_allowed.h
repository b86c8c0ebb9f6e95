//- no-probe (C does not allow the replacement)
struct replaced { int a; };
typedef int changing_t;
//- cdef
//- options: allow_redefinition
struct replaced { long a; long b; };
typedef double changing_t;
