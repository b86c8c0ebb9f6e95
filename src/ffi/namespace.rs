//! [`Namespace`]: a library's declared functions by name, CFFI's `lib` object
//! (`lib.crc32(0, buf, 16)` becomes `z.call("crc32", args![0u32, buf, 16u32])`).
//!
//! The names declared when the namespace is made are indexed once ([`NameIndex`]); each has a
//! slot that holds its [`Function`] once resolved, so a call by name is two loads of the name,
//! a multiply, one probe and an acquire load before [`Function::call`]: no lock, no general
//! string hash. Names declared by later cdefs are resolved through [`Ffi::function`] and kept
//! under a mutex.

use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use rustc_hash::FxHashMap;

use super::Ffi;
use crate::call::{CallError, CallErrorKind, Function};
use crate::error::Error;
use crate::library::Library;
use crate::value::Value;

/// The functions a cdef declares, resolved in one library and looked up by name: CFFI's
/// `lib` object. Made by [`Ffi::bind`]; cheap to clone, `Send + Sync`.
///
/// Each function is resolved on its first use and cached; a call by name costs a hash lookup
/// over [`Function::call`] (see the README's `namespace` benchmark row). Keep the
/// [`Function`] of [`Namespace::func`] where even that matters.
///
/// # Examples
///
/// ```
/// use jitffi::{Ffi, Library, Value, args};
///
/// let ffi = Ffi::new();
/// ffi.cdef("int abs(int); double ldexp(double, int); size_t strlen(const char *);")?;
/// let libc = ffi.bind(&Library::process());
/// // SAFETY: the declarations match the C library, and the string is NUL-terminated.
/// unsafe {
///     assert_eq!(libc.call("abs", args![-3])?, Value::I32(3));
///     assert_eq!(libc.call("ldexp", args![1.5, 3])?, Value::F64(12.0));
///     assert_eq!(libc.call("strlen", args![c"four"])?, Value::U64(4));
/// }
/// let err = unsafe { libc.call("abs", args![1, 2]) }.unwrap_err();
/// assert_eq!(err.to_string(), "abs: expected 1 argument, got 2");
/// # Ok::<(), jitffi::Error>(())
/// ```
#[derive(Clone)]
pub struct Namespace {
    inner: Arc<Inner>,
}

struct Inner {
    ffi: Ffi,
    library: Library,
    /// The functions declared when the namespace was made, by name: an index into `slots`.
    index: NameIndex,
    /// The resolved functions (empty until first use).
    slots: Box<[OnceLock<Function>]>,
    /// Functions declared after the namespace was made, resolved on first use.
    later: Mutex<FxHashMap<String, Function>>,
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Namespace")
            .field("library", &self.inner.library.name())
            .field("functions", &self.inner.index.names.len())
            .finish()
    }
}

impl Namespace {
    pub(crate) fn new(ffi: &Ffi, library: &Library) -> Namespace {
        let table = ffi.types();
        let names: Vec<&str> = table.functions().map(|f| f.name.as_str()).collect();
        let index = NameIndex::new(&names);
        let slots = (0..names.len()).map(|_| OnceLock::new()).collect();
        Namespace {
            inner: Arc::new(Inner {
                ffi: ffi.clone(),
                library: library.clone(),
                index,
                slots,
                later: Mutex::new(FxHashMap::default()),
            }),
        }
    }

    /// The library the functions are resolved in.
    pub fn library(&self) -> &Library {
        &self.inner.library
    }

    /// The function `name`, resolved on first use and cached (a clone of the cached handle).
    ///
    /// # Errors
    ///
    /// As [`Ffi::function`]: not declared in any cdef, declared but not in the library, or a
    /// type that cannot be called.
    pub fn func(&self, name: &str) -> Result<Function, Error> {
        self.lookup(name, |f| f.clone())
    }

    /// Calls the function `name` with untyped arguments: [`Function::call`] after a lookup by
    /// name. [`args!`](crate::args) builds the argument slice from Rust values.
    ///
    /// # Errors
    ///
    /// [`CallError`] as [`Function::call`]; a name that cannot be resolved is a
    /// [`CallErrorKind::Lookup`] with the [`LoadError`](crate::LoadError) of
    /// [`Namespace::func`].
    ///
    /// # Safety
    ///
    /// As [`Function::call`]: the declaration matches the library's function, the arguments
    /// satisfy its preconditions, and it does not unwind or `longjmp` across the call.
    #[inline]
    pub unsafe fn call(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, CallError> {
        if let Some(i) = self.inner.index.get(name)
            && let Some(f) = self.inner.slots[i].get()
        {
            // SAFETY: forwarded from this function's contract.
            return unsafe { f.call(args) };
        }
        self.call_cold(name, args)
    }

    /// The first call of a name (or a name declared after the namespace was made).
    #[cold]
    fn call_cold(&self, name: &str, args: &[Value<'_>]) -> Result<Value<'static>, CallError> {
        let f = self.func(name).map_err(|e| match e {
            Error::Call(e) => e,
            Error::Load(source) => CallError::from(CallErrorKind::Lookup {
                function: name.to_string(),
                source,
            }),
            other => CallError::from(CallErrorKind::Unsupported {
                function: name.to_string(),
                reason: other.to_string(),
            }),
        })?;
        // SAFETY: forwarded from `call`'s contract, whose slow path this is.
        unsafe { f.call(args) }
    }

    fn lookup<T>(&self, name: &str, then: impl FnOnce(&Function) -> T) -> Result<T, Error> {
        let inner = &*self.inner;
        if let Some(i) = inner.index.get(name) {
            let slot = &inner.slots[i];
            if let Some(f) = slot.get() {
                return Ok(then(f));
            }
            let f = inner.ffi.function(&inner.library, name)?;
            // Two threads may resolve the same name at once: both get the same function from
            // `Ffi::function`'s cache, and the first one stored wins.
            return Ok(then(slot.get_or_init(|| f)));
        }
        let mut later = inner.later.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = later.get(name) {
            return Ok(then(f));
        }
        let f = inner.ffi.function(&inner.library, name)?;
        let res = then(&f);
        later.insert(name.to_string(), f);
        Ok(res)
    }
}

/// An open-addressing index from names to slots, for lookups that cost a few instructions.
///
/// A name is summarised by its length and its first and last 8 bytes (overlapping for short
/// names, zero-padded below 8 bytes): that summary identifies every name of at most 16 bytes
/// exactly, and longer names are compared in full after it matches. The table has at least
/// twice as many entries as names, probed linearly from a multiplicative hash of the summary.
struct NameIndex {
    /// `shift` for the multiplicative hash (64 − log2 of the table size).
    shift: u32,
    /// One entry per table position; `slot == u32::MAX` marks an empty one.
    entries: Box<[Entry]>,
    /// The full names, by slot (compared only for names longer than 16 bytes).
    names: Box<[Box<str>]>,
}

#[derive(Clone, Copy)]
struct Entry {
    len: usize,
    head: u64,
    tail: u64,
    slot: u32,
}

/// The length and two words that, with it, determine every name of at most 16 bytes: the
/// first and last 8 bytes (little-endian, overlapping below 16 bytes); below 8 bytes both
/// words are the first and last 4 bytes, below 4 the first, middle and last byte. No
/// variable-length copy: every load has a fixed width.
#[inline(always)]
fn summary(s: &[u8]) -> (usize, u64, u64) {
    let n = s.len();
    let word = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap_or([0; 8]));
    let half = |i: usize| u64::from(u32::from_le_bytes(s[i..i + 4].try_into().unwrap_or([0; 4])));
    if n >= 8 {
        (n, word(0), word(n - 8))
    } else if n >= 4 {
        let v = half(0) | half(n - 4) << 32;
        (n, v, v)
    } else if n > 0 {
        let v = u64::from(s[0]) | u64::from(s[n / 2]) << 8 | u64::from(s[n - 1]) << 16;
        (n, v, v)
    } else {
        (0, 0, 0)
    }
}

impl NameIndex {
    fn new(names: &[&str]) -> NameIndex {
        let size = (names.len() * 2).next_power_of_two().max(8);
        let empty = Entry {
            len: 0,
            head: 0,
            tail: 0,
            slot: u32::MAX,
        };
        let mut index = NameIndex {
            shift: 64 - size.trailing_zeros(),
            entries: vec![empty; size].into_boxed_slice(),
            names: names.iter().map(|&n| Box::from(n)).collect(),
        };
        for (slot, name) in names.iter().enumerate() {
            // Declaration names are unique in a table; keep the first if one repeats.
            if index.get(name).is_some() {
                continue;
            }
            let (len, head, tail) = summary(name.as_bytes());
            let mask = size - 1;
            let mut i = index.home(len, head, tail);
            while index.entries[i].slot != u32::MAX {
                i = (i + 1) & mask;
            }
            index.entries[i] = Entry {
                len,
                head,
                tail,
                slot: u32::try_from(slot).unwrap_or(u32::MAX - 1),
            };
        }
        index
    }

    #[inline(always)]
    fn home(&self, len: usize, head: u64, tail: u64) -> usize {
        let h = (head ^ tail.rotate_left(29) ^ len as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        // The shift leaves log2(size) bits: always a valid position.
        (h >> self.shift) as usize
    }

    /// The slot of `name`, if it was indexed.
    #[inline(always)]
    fn get(&self, name: &str) -> Option<usize> {
        let (len, head, tail) = summary(name.as_bytes());
        let mask = self.entries.len() - 1;
        let mut i = self.home(len, head, tail);
        loop {
            let e = self.entries[i];
            if e.slot == u32::MAX {
                return None;
            }
            if e.len == len
                && e.head == head
                && e.tail == tail
                && (len <= 16 || *self.names[e.slot as usize] == *name)
            {
                return Some(e.slot as usize);
            }
            i = (i + 1) & mask;
        }
    }
}

/// Builds the argument slice of an untyped call from Rust values, each converted with
/// `Value::from`: `args![0u32, c"text", ptr, 2.5]` is
/// `&[Value::from(0u32), Value::from(c"text"), Value::from(ptr), Value::from(2.5)]`.
///
/// Integer literals without a suffix are `i32` and float literals `f64`, as in Rust; calls
/// convert them to the parameter's C type when the value fits (an `i32` for a `size_t`
/// parameter, a `2` for a `double` is refused: write `2.0`).
///
/// # Examples
///
/// ```
/// use jitffi::{Value, args};
///
/// let a: &[Value] = args![1u8, -2, 3.5, c"s"];
/// assert_eq!(a[1], Value::I32(-2));
/// assert_eq!(a.len(), 4);
/// ```
#[macro_export]
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::Value::from($arg)),*][..]
    };
}

#[cfg(test)]
mod tests {
    use super::NameIndex;

    #[test]
    fn names_of_every_length_and_near_misses() {
        let names: Vec<String> = (0..40)
            .map(|n| "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"[..n].to_string())
            .chain(
                [
                    "crc32",
                    "crc33",
                    "deflateInit_",
                    "deflateInit2_",
                    "x_long_name_17_b",
                ]
                .map(String::from),
            )
            .chain([
                "x_long_name_17_a".to_string(),
                "a_very_long_function_name_that_differs_in_the_middle_1".into(),
            ])
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let index = NameIndex::new(&refs);
        for (i, n) in refs.iter().enumerate() {
            assert_eq!(index.get(n), Some(i), "{n}");
        }
        for miss in [
            "crc3",
            "crc34",
            "deflateInit",
            "x_long_name_17_c",
            "zzzzzzzzzzzzzzzzz",
            "a_very_long_function_name_that_differs_in_THE_middle_1",
        ] {
            assert_eq!(index.get(miss), None, "{miss}");
        }
        assert_eq!(NameIndex::new(&[]).get("x"), None);
    }
}
