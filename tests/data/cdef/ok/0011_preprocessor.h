// Line comment.
/* Block comment
   over two lines. */
#define VERSION 3
#define RATIO 1.5
#define HALF 0.5f
#define GREETING "hello, " "world\n"
#define MASK (0xff << 8)
#define NEG (-VERSION)
#define BIG_U 4000000000u
#define EMPTY_FLAG
#define LONG_DEF (VERSION + \
                  VERSION)
#ifdef EMPTY_FLAG
struct with_flag { int flagged; };
#else
struct with_flag { int not_flagged; };
#endif
#ifndef MISSING
#  if VERSION > 2 && defined(EMPTY_FLAG)
struct versioned { char v3[VERSION]; };
#  elif VERSION == 2
struct versioned { char v2; };
#  else
struct versioned { char old; };
#  endif
#endif
#if 0
this is not C and is never parsed
#endif
#define TEMP 1
#undef TEMP
#ifdef TEMP
struct never { int x; };
#endif
struct sized { char by_macro[LONG_DEF]; }; /* trailing comment */
