int kr_style(a, b);
void (^block)(void);
