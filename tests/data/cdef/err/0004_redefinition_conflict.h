struct point { double x, y; };
typedef int count_t;
int area(int);
#define N 1
//- cdef
struct point { float x, y; };
typedef long count_t;
long area(int);
#define N 2
