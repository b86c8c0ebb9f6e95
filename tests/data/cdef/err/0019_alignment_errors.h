struct a3 { int x __attribute__((aligned(3))); };
struct a0 { char c; } __attribute__((aligned(0)));
struct alignas_bad { _Alignas(5) int y; };
