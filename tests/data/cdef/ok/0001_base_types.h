/* Every base type, in every legal spelling. */
struct base_types {
    char c; signed char sc; unsigned char uc;
    short s1; short int s2; signed short s3; signed short int s4; int short s5;
    unsigned short us1; unsigned short int us2; short unsigned us3;
    int i1; signed i2; signed int i3;
    unsigned u1; unsigned int u2;
    long l1; long int l2; signed long l3; signed long int l4; int long l5;
    unsigned long ul1; unsigned long int ul2; long unsigned int ul3; int long unsigned ul4;
    long long ll1; long long int ll2; signed long long ll3; long signed long int ll4;
    unsigned long long ull1; long long unsigned int ull2; unsigned long long int ull3;
    float f; double d; long double ld;
    float _Complex fc; double _Complex dc; long double _Complex ldc; _Complex double dc2;
    _Bool b; bool b2;
    __int128 i128; unsigned __int128 u128; __int128 unsigned u128b; signed __int128 i128b;
    void *p;
};
typedef unsigned long long int ull_t;
typedef long double _Complex ldc_t;
