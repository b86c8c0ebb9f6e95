// GCC vector types on typedefs, declarations and members, sized and aligned as gcc does (the
// layout probe checks them against cc): the size in bytes, aligned to it (at most 16 bytes).
typedef float v2f __attribute__((vector_size(8)));
typedef int __attribute__((vector_size(16))) v4si;
typedef char v4c __attribute__((vector_size(4)));
typedef short v1s __attribute__((vector_size(2)));
typedef const float cv2f __attribute__((vector_size(8)));
typedef float *pv2f __attribute__((vector_size(8)));
typedef v4si v4si_pair[2];
struct holds_vectors {
    char a;
    v2f f2;
    char b;
    v4si i4;
    char c;
    char d;
    v4c c4;
    long long __attribute__((vector_size(16))) l2;
    v1s s1[3];
};
union vector_bits { v4si v; int i[4]; };
