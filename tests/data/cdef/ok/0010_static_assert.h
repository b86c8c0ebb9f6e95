struct point { double x, y; };
_Static_assert(sizeof(struct point) == 16, "point is two doubles");
_Static_assert(_Alignof(struct point) == 8, "aligned like double");
_Static_assert(__builtin_offsetof(struct point, y) == 8, "y follows x");
struct checked {
    int a;
    _Static_assert(sizeof(int) == 4, "int is 32 bits");
    char b;
};
_Static_assert(sizeof(struct checked) == 8, "padded");
