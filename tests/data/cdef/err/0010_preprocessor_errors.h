#define SQUARE(x) ((x) * (x))
#else
#foo bar
#pragma pack(3)
#if 1 +
#endif
#error stop here
#ifdef NEVER_CLOSED
