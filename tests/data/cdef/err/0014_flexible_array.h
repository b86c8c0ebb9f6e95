struct middle { int n; char data[]; int after; };
struct only { char data[]; };
union u { int n; char data[]; };
