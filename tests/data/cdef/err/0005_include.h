#include <stdio.h>
int puts(const char *);
