/* Names from stdint/stddef/stdbool/wchar/uchar/stdio/stdarg, usable without #include. */
struct builtin_names {
    int8_t i8; uint8_t u8; int16_t i16; uint16_t u16; int32_t i32; uint32_t u32;
    int64_t i64; uint64_t u64;
    intptr_t ip; uintptr_t up; size_t sz; ssize_t ssz; ptrdiff_t pd;
    wchar_t wc; char16_t c16; char32_t c32; off_t off;
    FILE *file; va_list ap; bool flag;
    intmax_t im; uintmax_t um;
};
int vprintf_like(const char *fmt, va_list ap);
