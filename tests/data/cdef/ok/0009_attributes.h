struct packed_s { char c; int i; long l; } __attribute__((packed));
struct __attribute__((packed)) packed_front { char c; double d; };
struct aligned_s { char c; } __attribute__((aligned(16)));
struct __attribute__((aligned)) aligned_default { char c; };
struct member_attrs {
    char c;
    int i __attribute__((aligned(8)));
    char d;
    _Alignas(16) int j;
    char e;
    _Alignas(double) char k;
    long packed_member __attribute__((packed));
};
struct packed_with_aligned { char c; int i __attribute__((aligned(4))); } __attribute__((packed));
#pragma pack(push, 2)
struct pack2 { char c; int i; double d; };
#pragma pack(push, 1)
struct pack1 { char c; int i; };
#pragma pack(pop)
struct pack2_again { char c; long l; };
#pragma pack(pop)
struct natural { char c; long l; };
#pragma pack(4)
struct pack4 { char c; double d; };
#pragma pack()
enum __attribute__((packed)) small_enum { SMALL_A, SMALL_B = 200 };
enum packed_neg { PN_A = -1, PN_B = 100 } __attribute__((packed));
typedef int aligned_int __attribute__((aligned(8)));
typedef long underaligned_long __attribute__((aligned(2)));
struct uses_aligned_typedefs { char c; aligned_int a; char d; underaligned_long u; };
