//! [`Bits128`]: a 128-bit integer (`__int128`, `unsigned __int128`) as a `Value` carries it.

use std::fmt;

/// A 128-bit integer in a [`Value::I128`](crate::Value::I128) or
/// [`Value::U128`](crate::Value::U128): two 64-bit words, low first (the layout of an
/// `__int128` in memory on little-endian targets). Rust's `i128` is 16-byte aligned, which
/// would change `Value`'s layout that compiled stubs read; this keeps it at 8.
///
/// ```
/// use jitffi::{Bits128, Value};
///
/// let v = Value::from(-5i128);
/// assert_eq!(v, Value::I128(Bits128::from(-5i128)));
/// assert_eq!(Bits128::from(u128::MAX).as_u128(), u128::MAX);
/// assert_eq!(Bits128::from(-1i128).as_u128(), u128::MAX);
/// ```
#[derive(Copy, Clone, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Bits128 {
    lo: u64,
    hi: u64,
}

impl Bits128 {
    /// The bits as a signed integer.
    pub fn as_i128(self) -> i128 {
        self.as_u128() as i128
    }

    /// The bits as an unsigned integer.
    pub fn as_u128(self) -> u128 {
        (u128::from(self.hi) << 64) | u128::from(self.lo)
    }

    /// The 16 bytes in memory (little-endian).
    pub fn to_le_bytes(self) -> [u8; 16] {
        self.as_u128().to_le_bytes()
    }

    /// From 16 bytes in memory (little-endian).
    pub fn from_le_bytes(b: [u8; 16]) -> Bits128 {
        Bits128::from(u128::from_le_bytes(b))
    }
}

impl From<u128> for Bits128 {
    fn from(v: u128) -> Bits128 {
        Bits128 {
            lo: v as u64,
            hi: (v >> 64) as u64,
        }
    }
}

impl From<i128> for Bits128 {
    fn from(v: i128) -> Bits128 {
        Bits128::from(v as u128)
    }
}

impl fmt::Debug for Bits128 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#034x}", self.as_u128())
    }
}
