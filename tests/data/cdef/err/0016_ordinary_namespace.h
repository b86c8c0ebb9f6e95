typedef int T;
int T(void);
enum { counter };
extern int counter;
