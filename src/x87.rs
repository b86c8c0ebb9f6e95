//! `long double` on x86-64: conversions between `f64` and the x87 80-bit extended format in
//! its 16 bytes of storage (the libffi path, C data and callbacks carry `long double` as `f64`).

/// `f64` → x87 80-bit extended, little-endian in 16 bytes (exact: every double is an extended).
pub(crate) fn f64_to_x87(v: f64) -> [u8; 16] {
    let bits = v.to_bits();
    let sign = (bits >> 63) as u16;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (e, m): (u16, u64) = if exp == 0 && frac == 0 {
        (0, 0)
    } else if exp == 0x7ff {
        (0x7fff, (1u64 << 63) | (frac << 11))
    } else if exp == 0 {
        // Subnormal double: normalise.
        let shift = frac.leading_zeros() - 11;
        let m = frac << (shift + 11);
        (
            u16::try_from(1 - 1023 + 16383 - i32::try_from(shift).unwrap_or(0)).unwrap_or(0),
            m,
        )
    } else {
        (
            u16::try_from(exp - 1023 + 16383).unwrap_or(0),
            (1u64 << 63) | (frac << 11),
        )
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&m.to_le_bytes());
    out[8..10].copy_from_slice(&((sign << 15) | e).to_le_bytes());
    out
}

/// x87 80-bit extended → nearest `f64`.
pub(crate) fn x87_to_f64(b: &[u8; 16]) -> f64 {
    let m = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
    let se = u16::from_le_bytes([b[8], b[9]]);
    let sign = if se >> 15 == 1 { -1.0 } else { 1.0 };
    let e = i32::from(se & 0x7fff);
    if e == 0 && m == 0 {
        return sign * 0.0;
    }
    if e == 0x7fff {
        return if m << 1 == 0 {
            sign * f64::INFINITY
        } else {
            f64::NAN
        };
    }
    // The significand first (in [1, 2), rounded to 53 bits), then the exponent, so values in
    // the subnormal range do not underflow on the way.
    let frac = (m as f64) / 9_223_372_036_854_775_808.0;
    let exp = e - 16383;
    // 2^exp in two factors: `powi` computes negative powers as a reciprocal, which overflows
    // below 2^-1023 before the subnormal range is reached.
    let (a, b) = if exp < -1000 {
        (exp + 1000, -1000)
    } else {
        (exp, 0)
    };
    sign * frac * 2f64.powi(a) * 2f64.powi(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x87_round_trip() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            1e300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.1,
            f64::INFINITY,
        ] {
            let back = x87_to_f64(&f64_to_x87(v));
            assert!(
                back == v && back.is_sign_negative() == v.is_sign_negative(),
                "{v} -> {back}"
            );
        }
        // 1.0 is 0x3fff 8000000000000000.
        assert_eq!(
            &f64_to_x87(1.0)[..10],
            &[0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f]
        );
    }
}
