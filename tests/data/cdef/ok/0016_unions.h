union value { int i; double d; char bytes[12]; void *p; };
union nested { struct { char a; short b; } s; long l; union value v; };
union with_bits { unsigned a : 5; unsigned b : 31; char c; };
typedef union { float f; unsigned u; } float_bits;
