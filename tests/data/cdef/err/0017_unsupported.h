typedef int vec4 __attribute__((vector_size(16)));
int kr_style(a, b);
void (^block)(void);
