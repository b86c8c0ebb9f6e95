struct dup { int a; double a; };
struct dup_anon { int x; struct { int x; }; };
