struct a { int x : 40; };
struct b { void v; };
int arr[-1];
typedef unsigned double bad_t;
struct c { int ok; };
