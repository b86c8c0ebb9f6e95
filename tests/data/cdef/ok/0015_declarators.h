int (*(*fp_returning_array_ptr)(int))[3];
void (*handlers[4])(int);
int *(*array_of_fp_returning_ptr[2])(void);
char *(*(*complex_fn)(void))[5];
typedef void (*const const_fp)(void);
extern const_fp callbacks[2];
int (*matrix_ptr)[3][4];
double **pp, *p, d;
