typedef int arr3[3];
_Atomic arr3 atomic_array;
typedef _Atomic(const int) atomic_of_const;
typedef _Atomic(int[2]) atomic_of_array;
typedef int fn_t(int);
_Atomic fn_t atomic_function;
struct atomic_bits { _Atomic unsigned int bits : 3; };
