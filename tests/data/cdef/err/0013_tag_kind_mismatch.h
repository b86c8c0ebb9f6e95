struct thing { int a; };
union thing { int b; };
enum thing { THING_A };
