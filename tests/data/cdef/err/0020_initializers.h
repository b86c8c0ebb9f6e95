static const int LIMIT = 10;
static const double PI = 3.14;
int counter = 5;
