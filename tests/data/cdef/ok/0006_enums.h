enum color { RED, GREEN = 5, BLUE };
enum negative { MINUS_TWO = -2, MINUS_ONE, ZERO_AGAIN };
enum expr { SHIFT = 1 << 4, COMBO = SHIFT | 3, MUL = COMBO * 2 - 1, FROM_COLOR = BLUE + 10 };
enum big { BIG = 0x100000000 };
enum big_unsigned { HUGE_U = 0xffffffffffffffffUL };
enum big_negative { LOW = -0x80000000LL - 1 };
enum fits_unsigned { TOP = 0xffffffffu };
typedef enum { ANON_A, ANON_B } anon_enum;
struct with_enums { enum color c; anon_enum e; enum negative n : 4; enum color cb : 3; };
