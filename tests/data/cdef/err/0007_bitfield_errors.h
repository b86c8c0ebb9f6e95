struct bad_bits {
    int too_wide : 33;
    double not_int : 3;
    unsigned named_zero : 0;
    _Bool wide_bool : 2;
    int negative : -1;
};
