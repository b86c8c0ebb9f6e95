struct c1 { int div[1 / 0]; };
struct c2 { int neg[2 - 5]; };
struct c3 { int unknown[UNDEFINED_NAME]; };
struct c4 { int floaty[2.5]; };
struct c5 { int shifted[1 << 70]; };
#define SELF SELF
struct c6 { int recursive[SELF]; };
