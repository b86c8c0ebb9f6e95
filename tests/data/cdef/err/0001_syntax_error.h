struct ok { int a; };
struct broken { int a double b; };
int fine(void);
int also broken here;
