//- no-probe (C rejects a second struct definition; cdef accepts an identical one)
struct config { int flags; struct config *next; };
enum mode { MODE_A, MODE_B };
typedef struct { int x; } anon_t;
int f(int);
#define LIMIT 10
//- cdef
struct config { int flags; struct config *next; };
enum mode { MODE_A, MODE_B };
typedef struct { int x; } anon_t;
int f(int);
#define LIMIT 10
