extern int n;
int global_vla[n];
void bad_inner(int a[][]);
struct vla_member { int len; int items[len]; };
void member_in_param(struct inner { int k; int v[k]; } x);
