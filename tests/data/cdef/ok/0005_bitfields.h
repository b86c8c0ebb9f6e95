struct flags {
    unsigned int a : 1, b : 3, c : 28;
    signed int neg : 5;
    _Bool yes : 1;
    unsigned char small : 7;
    unsigned char : 0;
    unsigned char after_zero : 2;
    int : 3;
    long long wide : 40;
    unsigned long long wider : 60;
    short s : 9;
    char ch : 4;
};
struct straddle { char c; int x : 30; int y : 4; };
struct zero_width { char a; int : 0; char b; long : 0; char c; };
union bits { unsigned a : 3; unsigned long long b : 33; };
