typedef int v3 __attribute__((vector_size(12)));
typedef int v6 __attribute__((vector_size(6)));
struct s { int a; };
typedef struct s vs __attribute__((vector_size(8)));
typedef _Bool vb __attribute__((vector_size(8)));
typedef float vz __attribute__((vector_size(0)));
typedef float vn __attribute__((vector_size));
typedef int ev __attribute__((ext_vector_type(4)));
typedef double v4d __attribute__((vector_size(32)));
