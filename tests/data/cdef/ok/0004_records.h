/* Named, anonymous, nested, opaque, self-referential and mutually referential records. */
struct opaque;
struct node { int value; struct node *next, *prev; };
struct a;
struct b { struct a *to_a; int x; };
struct a { struct b *to_b; double y; };
struct outer {
    char tag;
    struct inner { short s; long l; } in;
    struct { int x, y; } pos;
    union { float f; unsigned u; };
    struct { char c1; struct { char c2; long deep; }; };
    struct opaque *handle;
};
struct inner later_use;
typedef struct { double re, im; } complex_pair;
typedef struct named_by_typedef { int k; } named_t;
struct empty {};
