struct small { char c; int i; };
_Static_assert(sizeof(struct small) == 5, "struct small must be packed");
