//! [`F80`]: a C `long double` of x86-64 (the x87 80-bit extended format), carried exactly.

use std::cmp::Ordering;
use std::fmt;

/// A C `long double` of x86-64 Linux: the x87 80-bit extended format (a sign, a 15-bit
/// exponent and a 64-bit significand with an explicit integer bit), kept bit for bit.
///
/// Calls take and return it as [`Value::F80`](crate::Value::F80): a value C returns comes back
/// exactly (an `f64` would lose the last 11 bits, `LDBL_EPSILON` among them), and one passed in
/// a variadic tail stays a `long double` as C's promotions keep it. It converts from `f64` and
/// 64-bit integers exactly and to `f64` rounded to nearest; it prints as C's `%.21Lg` does
/// (`Display`, 21 significant digits: enough to tell any two apart) and as `%La`
/// ([`F80::to_hex`]).
///
/// ```
/// use jitffi::F80;
///
/// let one = F80::from(1u64);
/// let eps = F80::from_bits(0x3FC0_8000_0000_0000_0000); // 2^-63, C's LDBL_EPSILON
/// assert_eq!(eps.to_hex(), "0x8p-66");
/// assert_eq!(F80::from_f64(0.1).to_string(), "0.100000000000000005551");
/// assert_eq!(one.to_f64(), 1.0);
/// assert!(eps < one && eps.to_f64() == 2f64.powi(-63));
/// ```
#[derive(Copy, Clone, Default)]
#[repr(C)]
pub struct F80 {
    /// The significand, integer bit included (bit 63).
    mant: u64,
    /// The sign (bit 15) and the biased exponent.
    se: u16,
    /// Zero: the 6 bytes that pad a `long double` to 16 (C leaves them as it likes).
    pad: [u16; 3],
}

const BIAS: i32 = 16383;

impl F80 {
    /// Zero.
    pub const ZERO: F80 = F80::from_parts(false, 0, 0);
    /// One.
    pub const ONE: F80 = F80::from_parts(false, 0x3FFF, 1 << 63);

    const fn from_parts(negative: bool, exp: u16, mant: u64) -> F80 {
        F80 {
            mant,
            se: ((negative as u16) << 15) | (exp & 0x7FFF),
            pad: [0; 3],
        }
    }

    /// The value of the 80 bits `bits` (sign, exponent, significand, from the top; the upper
    /// 48 bits of the `u128` are ignored).
    pub const fn from_bits(bits: u128) -> F80 {
        F80 {
            mant: bits as u64,
            se: (bits >> 64) as u16,
            pad: [0; 3],
        }
    }

    /// The 80 bits (see [`F80::from_bits`]).
    pub const fn to_bits(self) -> u128 {
        ((self.se as u128) << 64) | self.mant as u128
    }

    /// The value of the 10 bytes of a `long double` in memory (little-endian).
    pub fn from_le_bytes(b: [u8; 10]) -> F80 {
        let mut m = [0u8; 8];
        m.copy_from_slice(&b[..8]);
        F80::from_parts(false, 0, u64::from_le_bytes(m)).with_se(u16::from_le_bytes([b[8], b[9]]))
    }

    /// The 10 bytes of a `long double` in memory.
    pub fn to_le_bytes(self) -> [u8; 10] {
        let mut b = [0u8; 10];
        b[..8].copy_from_slice(&self.mant.to_le_bytes());
        b[8..].copy_from_slice(&self.se.to_le_bytes());
        b
    }

    fn with_se(mut self, se: u16) -> F80 {
        self.se = se;
        self
    }

    fn negative(self) -> bool {
        self.se >> 15 == 1
    }

    fn exp(self) -> i32 {
        i32::from(self.se & 0x7FFF)
    }

    /// The `f64`, exactly (every `double` is a `long double`).
    pub fn from_f64(v: f64) -> F80 {
        let bits = v.to_bits();
        let neg = bits >> 63 == 1;
        let exp = ((bits >> 52) & 0x7FF) as i32;
        let frac = bits & ((1 << 52) - 1);
        let (e, m) = match (exp, frac) {
            (0, 0) => (0, 0),
            (0x7FF, f) => (0x7FFF, (1 << 63) | (f << 11)),
            (0, f) => {
                // A subnormal double is a normal long double.
                let shift = f.leading_zeros();
                ((1 - 1023 + BIAS - (shift as i32 - 11)), f << shift)
            }
            (e, f) => (e - 1023 + BIAS, (1 << 63) | (f << 11)),
        };
        F80::from_parts(neg, e as u16, m)
    }

    /// The nearest `f64` (ties to even; out of range: infinity; NaN stays NaN).
    pub fn to_f64(self) -> f64 {
        let sign = if self.negative() { -1.0 } else { 1.0 };
        let (e, m) = (self.exp(), self.mant);
        if e == 0x7FFF {
            return if m << 1 == 0 {
                sign * f64::INFINITY
            } else {
                f64::NAN.copysign(sign)
            };
        }
        if m == 0 {
            return sign * 0.0;
        }
        // value = m · 2^(e' - 63), e' the unbiased exponent (denormals: 1 - BIAS).
        let e = e.max(1) - BIAS;
        let lz = m.leading_zeros() as i32;
        let (m, e) = (m << lz, e - lz); // normalised: bit 63 set, value = m · 2^(e - 63)
        // Bits to keep: 53, fewer below f64's normal range.
        let keep = if e >= -1022 { 53 } else { 53 - (-1022 - e) };
        if keep <= 0 {
            // Below half the smallest subnormal, or exactly half (ties to even: 0).
            let half = keep == 0 && m << 1 != 0;
            return sign * if half { 5e-324 } else { 0.0 };
        }
        let drop = 64 - keep as u32;
        let mut q = m >> drop;
        let rest = m << (64 - drop);
        if rest > 1 << 63 || (rest == 1 << 63 && q & 1 == 1) {
            q += 1;
        }
        // q · 2^(e - keep + 1), exact in f64 (q has at most 54 bits; 2^k in two steps so
        // that neither overflows nor underflows early).
        let k = e - keep + 1;
        let (a, b) = (k / 2, k - k / 2);
        sign * (q as f64) * 2f64.powi(a) * 2f64.powi(b)
    }

    /// True for a NaN.
    pub fn is_nan(self) -> bool {
        self.exp() == 0x7FFF && self.mant << 1 != 0
    }

    /// True for ±infinity.
    pub fn is_infinite(self) -> bool {
        self.exp() == 0x7FFF && self.mant << 1 == 0
    }

    /// True if the sign bit is set (−0 and negative NaNs included).
    pub fn is_sign_negative(self) -> bool {
        self.negative()
    }

    /// As C's `%La` prints it (glibc's form for x87: the first hex digit is the significand's
    /// top four bits): `0x8p-3` for 1, `0xc.ccccccccccccccdp-7` for `0.1L`.
    pub fn to_hex(self) -> String {
        let sign = if self.negative() { "-" } else { "" };
        if self.is_nan() {
            return format!("{sign}nan");
        }
        if self.is_infinite() {
            return format!("{sign}inf");
        }
        let m = self.mant;
        if m == 0 && self.exp() == 0 {
            return format!("{sign}0x0p+0");
        }
        let exp = self.exp().max(1) - BIAS - 3;
        let rest = format!("{:015x}", m & ((1 << 60) - 1));
        let rest = rest.trim_end_matches('0');
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{sign}0x{:x}{dot}{rest}p{exp:+}", m >> 60)
    }

    /// As C's `%.{precision}Lg` prints it (correctly rounded, ties to even).
    pub fn to_string_g(self, precision: usize) -> String {
        let sign = if self.negative() { "-" } else { "" };
        if self.is_nan() {
            return format!("{sign}nan");
        }
        if self.is_infinite() {
            return format!("{sign}inf");
        }
        let p = precision.max(1);
        let (digits, x) = if self.mant == 0 {
            (vec![0u8; p], 0)
        } else {
            self.decimal(p)
        };
        let body = if x < -4 || x >= p as i64 {
            let mut s = String::new();
            s.push((b'0' + digits[0]) as char);
            let frac: String = digits[1..].iter().map(|d| (b'0' + d) as char).collect();
            let frac = frac.trim_end_matches('0');
            if !frac.is_empty() {
                s.push('.');
                s.push_str(frac);
            }
            format!("{s}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
        } else {
            // Fixed: the digits with the point after x+1 of them (zeros before when x < 0).
            let mut all = String::new();
            if x < 0 {
                all.push_str("0.");
                for _ in 0..(-x - 1) {
                    all.push('0');
                }
                all.extend(digits.iter().map(|d| (b'0' + d) as char));
            } else {
                let (int, frac) = digits.split_at((x + 1) as usize);
                all.extend(int.iter().map(|d| (b'0' + d) as char));
                all.push('.');
                all.extend(frac.iter().map(|d| (b'0' + d) as char));
            }
            let t = all.trim_end_matches('0');
            t.strip_suffix('.').unwrap_or(t).to_string()
        };
        format!("{sign}{body}")
    }

    /// The magnitude rounded to `p` significant decimal digits (ties to even): the digits
    /// and the decimal exponent of the first one. Exact arithmetic on the value
    /// `mant · 2^(e - 63)`.
    fn decimal(self, p: usize) -> (Vec<u8>, i64) {
        let e2 = i64::from(self.exp().max(1) - BIAS) - 63;
        let mut n = Big::from(self.mant);
        // value = n · 10^scale
        let scale = if e2 >= 0 {
            n.shl(e2 as u32);
            0
        } else {
            // · 5^-e2, thirteen fives at a time (5^13 fits a limb).
            let mut k = -e2;
            while k > 0 {
                let t = k.min(13);
                n.mul_small(5u32.pow(t as u32));
                k -= t;
            }
            e2
        };
        let all = n.into_decimal();
        let x = all.len() as i64 - 1 + scale;
        let mut d: Vec<u8> = all.iter().take(p).copied().collect();
        while d.len() < p {
            d.push(0);
        }
        let rest = &all[all.len().min(p)..];
        let up = match rest.first() {
            Some(&r) if r > 5 => true,
            Some(5) => rest[1..].iter().any(|&r| r != 0) || d.last().is_some_and(|l| l % 2 == 1),
            _ => false,
        };
        if up {
            let mut i = p;
            loop {
                if i == 0 {
                    // 9…9 rounded up: 10…0, one more digit before the point.
                    d.insert(0, 1);
                    d.truncate(p);
                    return (d, x + 1);
                }
                i -= 1;
                if d[i] == 9 {
                    d[i] = 0;
                } else {
                    d[i] += 1;
                    break;
                }
            }
        }
        (d, x)
    }
}

/// A little unsigned big integer (base 2^32 limbs, least significant first): enough for the
/// exact decimal expansion of a long double.
struct Big(Vec<u32>);

impl Big {
    fn from(v: u64) -> Big {
        Big(vec![v as u32, (v >> 32) as u32])
    }

    fn mul_small(&mut self, k: u32) {
        let mut carry = 0u64;
        for l in &mut self.0 {
            let t = u64::from(*l) * u64::from(k) + carry;
            *l = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn shl(&mut self, bits: u32) {
        let (words, bits) = ((bits / 32) as usize, bits % 32);
        if bits != 0 {
            let mut carry = 0u32;
            for l in &mut self.0 {
                let t = (*l << bits) | carry;
                carry = *l >> (32 - bits);
                *l = t;
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        self.0.splice(0..0, std::iter::repeat_n(0, words));
    }

    /// Decimal digits, most significant first.
    fn into_decimal(mut self) -> Vec<u8> {
        let mut chunks = Vec::new();
        while self.0.iter().any(|&l| l != 0) {
            let mut rem = 0u64;
            for l in self.0.iter_mut().rev() {
                let t = (rem << 32) | u64::from(*l);
                *l = (t / 1_000_000_000) as u32;
                rem = t % 1_000_000_000;
            }
            while self.0.last() == Some(&0) {
                self.0.pop();
            }
            chunks.push(rem as u32);
        }
        let mut out = Vec::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            let s = if i == 0 {
                c.to_string()
            } else {
                format!("{c:09}")
            };
            out.extend(s.bytes().map(|b| b - b'0'));
        }
        if out.is_empty() {
            out.push(0);
        }
        out
    }
}

impl From<f64> for F80 {
    fn from(v: f64) -> F80 {
        F80::from_f64(v)
    }
}

impl From<u64> for F80 {
    /// Exactly (the significand has 64 bits).
    fn from(v: u64) -> F80 {
        if v == 0 {
            return F80::ZERO;
        }
        let lz = v.leading_zeros();
        F80::from_parts(false, (BIAS + 63 - lz as i32) as u16, v << lz)
    }
}

impl From<i64> for F80 {
    /// Exactly.
    fn from(v: i64) -> F80 {
        let m = F80::from(v.unsigned_abs());
        if v < 0 { m.with_se(m.se | 0x8000) } else { m }
    }
}

impl PartialEq for F80 {
    /// As C compares: NaN equals nothing, −0 equals +0.
    fn eq(&self, other: &F80) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for F80 {
    fn partial_cmp(&self, other: &F80) -> Option<Ordering> {
        if self.is_nan() || other.is_nan() {
            return None;
        }
        // Denormals (exponent 0) have no integer bit; (exponent, significand) orders
        // magnitudes for every other encoding, and the pseudo-denormals C never makes.
        let mag = |v: &F80| (u128::from(v.exp() as u16) << 64) | u128::from(v.mant);
        let (a, b) = (mag(self), mag(other));
        if a == 0 && b == 0 {
            return Some(Ordering::Equal);
        }
        Some(match (self.negative(), other.negative()) {
            (false, false) => a.cmp(&b),
            (true, true) => b.cmp(&a),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        })
    }
}

impl fmt::Display for F80 {
    /// As C's `%.21Lg`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_g(21))
    }
}

impl fmt::Debug for F80 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "F80({} = {})", self.to_string_g(21), self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_are_exact_where_they_can_be() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -2.5,
            0.1,
            1e300,
            5e-324,
            2.2250738585072014e-308,
            f64::MAX,
        ] {
            let x = F80::from_f64(v);
            assert_eq!(x.to_f64().to_bits(), v.to_bits(), "{v}");
        }
        assert_eq!(F80::from_f64(1.0).to_bits(), 0x3FFF_8000_0000_0000_0000);
        assert_eq!(F80::from(u64::MAX).to_hex(), "0xf.fffffffffffffffp+60");
        assert_eq!(F80::from(-7i64).to_string(), "-7");
        // 1 + 2^-63 rounds to 1 in f64; 1 + 2^-52 + 2^-53 (a tie) to even, 1 + 2^-51.
        assert_eq!(F80::from_bits(0x3FFF_8000_0000_0000_0001).to_f64(), 1.0);
        assert_eq!(
            F80::from_bits(0x3FFF_8000_0000_0000_0C00).to_f64(),
            1.0 + 2f64.powi(-51)
        );
        // Below f64: the smallest subnormal, half of it (a tie: 0), and a bit more than half.
        let tiny = |e: i32| F80::from_parts(false, (BIAS + e) as u16, 1 << 63);
        assert_eq!(tiny(-1074).to_f64(), 5e-324);
        assert_eq!(tiny(-1075).to_f64(), 0.0);
        assert_eq!(
            F80::from_parts(false, (BIAS - 1075) as u16, (1 << 63) | 1).to_f64(),
            5e-324
        );
        assert!(F80::from_bits(0x7FFF_C000_0000_0000_0000).is_nan());
        assert!(
            F80::from_bits(0x7FFF_8000_0000_0000_0000)
                .to_f64()
                .is_infinite()
        );
    }

    #[test]
    fn comparisons_are_cs() {
        let (a, b) = (F80::from_f64(-1.5), F80::from_f64(2.0));
        assert!(a < b);
        assert!(b > a);
        assert_eq!(a.partial_cmp(&a), Some(Ordering::Equal));
        assert_eq!(F80::from_f64(0.0), F80::from_f64(-0.0));
        let nan = F80::from_bits(0x7FFF_C000_0000_0000_0000);
        assert!(nan != nan);
    }
}
