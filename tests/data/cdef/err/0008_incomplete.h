struct fwd;
struct uses_incomplete { struct fwd member; };
struct fwd arr[3];
extern void nothing_var;
struct holder { int f(int); };
