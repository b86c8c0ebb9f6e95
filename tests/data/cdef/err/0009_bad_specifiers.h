unsigned double a;
long long long b;
short char c;
signed _Bool d;
long float e;
