#define ROWS 3
#define COLS (ROWS + 1)
enum { NAME_MAX_LEN = 16 };
struct matrix {
    double m[ROWS][COLS];
    char name[NAME_MAX_LEN];
    int by_sizeof[sizeof(double) * 2];
    int by_cond[ROWS > 2 ? 5 : 1];
    int zero[0];
    int one[1];
};
struct packet { unsigned short len; unsigned char payload[]; };
struct of_structs { struct matrix ms[2]; };
extern int table[];
extern const char *names[ROWS];
