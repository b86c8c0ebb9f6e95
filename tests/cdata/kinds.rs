//! The member kinds of `struct fx_data` and the helpers of the tests that compare them with C:
//! random values of each kind and their raw bits, C's accessors (`fx_data_get`/`fx_data_set`),
//! the Rust type of each kind (`with_rust_type!`), and every read and write path.

use crate::common;
use jitffi::ctype::{CType, Prim, TypeTable};
use jitffi::{CData, Ffi, Value};

/// What a member holds, for making values and comparing with C's raw bits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum K {
    Int { bytes: u8, signed: bool },
    Bits { width: u32, signed: bool, bytes: u8 },
    Bool,
    F32,
    F64,
    Ptr,
}

/// Member k of `struct fx_data`, as `fx_data_get`/`fx_data_set` number them.
pub(crate) const FX_DATA_FIELDS: &[&str] = &[
    "i8",
    "u8",
    "i16",
    "u16",
    "i32",
    "u32",
    "i64",
    "u64",
    "f32",
    "f64",
    "b",
    "c",
    "p",
    "color",
    "bits.flag",
    "bits.mode",
    "bits.delta",
    "bits.big",
    "bits.on",
    "bits.low",
    "bits.wide",
    "bits.color",
    "packed[1].c",
    "packed[1].i",
    "packed[1].d",
    "val.i",
    "val.d",
    "val.bytes[5]",
    "val.pt.y",
    "tagged.kind",
    "tagged.d",
    "tagged.range.hi",
    "pts[2].x",
    "pts[1].y",
    "grid[1][2]",
    "pk.lo",
    "pk.hi",
    "pk.top",
    "next",
];

/// The kind of the member at `path` of `ty`, from the declarations (`None`: no `Value`).
pub(crate) fn kind_of(ffi: &Ffi, ty: &str, path: &str) -> Option<K> {
    let t = ffi.type_of(ty).unwrap();
    let target = t.resolve(path).unwrap();
    let table = t.table();
    let prim_kind = |table: &TypeTable, id| -> Option<(u8, bool, bool)> {
        // (bytes, signed, is_bool)
        match table.raw_type(id) {
            CType::Prim(Prim::Bool) => Some((1, false, true)),
            CType::Prim(p) if p.is_integer() && p.int_rank() <= 5 => {
                let bytes = jitffi::Target::host().prim(*p).0 as u8;
                Some((bytes, p.is_signed(true), false))
            }
            CType::Enum(e) => {
                let u = e.body.as_ref()?.underlying;
                Some((
                    jitffi::Target::host().prim(u).0 as u8,
                    u.is_signed(true),
                    false,
                ))
            }
            _ => None,
        }
    };
    if let Some((_, width)) = target.bitfield {
        let (bytes, signed, is_bool) = prim_kind(table, target.ty)?;
        return Some(if is_bool {
            K::Bool
        } else {
            K::Bits {
                width,
                signed,
                bytes,
            }
        });
    }
    Some(match table.raw_type(target.ty) {
        CType::Prim(Prim::Float) => K::F32,
        CType::Prim(Prim::Double) => K::F64,
        CType::Pointer(_) => K::Ptr,
        _ => {
            let (bytes, signed, is_bool) = prim_kind(table, target.ty)?;
            if is_bool {
                K::Bool
            } else {
                K::Int { bytes, signed }
            }
        }
    })
}

/// A random value of kind `k`: (the `Value`, C's raw bits of it).
pub(crate) fn random_value(rng: &mut fastrand::Rng, k: K) -> (Value<'static>, u64) {
    let sext = |v: u64, bits: u32| (((v << (64 - bits)) as i64) >> (64 - bits)) as u64;
    match k {
        K::Int { bytes, signed } => {
            let raw = rng.u64(..);
            let bits = u32::from(bytes) * 8;
            let v = if signed {
                sext(raw, bits)
            } else if bits == 64 {
                raw
            } else {
                raw & ((1 << bits) - 1)
            };
            let val = match (bytes, signed) {
                (1, true) => Value::I8(v as i8),
                (1, false) => Value::U8(v as u8),
                (2, true) => Value::I16(v as i16),
                (2, false) => Value::U16(v as u16),
                (4, true) => Value::I32(v as i32),
                (4, false) => Value::U32(v as u32),
                (_, true) => Value::I64(v as i64),
                (_, false) => Value::U64(v),
            };
            (val, v)
        }
        K::Bits {
            width,
            signed,
            bytes,
        } => {
            let raw = rng.u64(..);
            let v = if signed {
                sext(raw, width)
            } else if width == 64 {
                raw
            } else {
                raw & ((1 << width) - 1)
            };
            // Bit-field values travel as the declared type's variant.
            let val = match (bytes, signed) {
                (1, false) if width == 1 && rng.bool() => Value::Bool(v != 0),
                (_, true) if bytes <= 4 => Value::I32(v as i32),
                (_, true) => Value::I64(v as i64),
                (_, false) if bytes <= 4 => Value::U32(v as u32),
                (_, false) => Value::U64(v),
            };
            (val, v)
        }
        K::Bool => {
            let b = rng.bool();
            (Value::Bool(b), u64::from(b))
        }
        K::F32 => {
            let f = (rng.f32() - 0.5) * 1e6;
            (Value::F32(f), u64::from(f.to_bits()))
        }
        K::F64 => {
            let f = (rng.f64() - 0.5) * 1e12;
            (Value::F64(f), f.to_bits())
        }
        K::Ptr => {
            let a = rng.u64(..) & 0x7fff_ffff_fff8;
            (
                Value::Ptr(jitffi::Pointer::new(a as usize as *mut std::ffi::c_void)),
                a,
            )
        }
    }
}

/// C's raw bits of a value read back by jitffi.
pub(crate) fn bits_of(v: &Value<'_>) -> u64 {
    match *v {
        Value::F32(f) => u64::from(f.to_bits()),
        Value::F64(f) => f.to_bits(),
        Value::Ptr(p) => p.addr() as usize as u64,
        Value::Bool(b) => u64::from(b),
        _ => v.as_i64().map_or_else(|| v.as_u64().unwrap(), |x| x as u64),
    }
}

pub(crate) struct FxData {
    pub(crate) ffi: Ffi,
    get: jitffi::TypedFunction<(*const u8, i32), u64>,
    set: jitffi::TypedFunction<(*mut u8, i32, u64), ()>,
    _lib: jitffi::Library,
}

pub(crate) fn fx_data() -> FxData {
    let (ffi, lib) = common::fixture();
    let get = ffi
        .function(&lib, "fx_data_get")
        .unwrap()
        .typed::<(*const u8, i32), u64>()
        .unwrap();
    let set = ffi
        .function(&lib, "fx_data_set")
        .unwrap()
        .typed::<(*mut u8, i32, u64), ()>()
        .unwrap();
    FxData {
        ffi,
        get,
        set,
        _lib: lib,
    }
}

impl FxData {
    pub(crate) fn c_get(&self, d: &CData<'_>, k: usize) -> u64 {
        // SAFETY: `d` is a `struct fx_data` and `k` one of its member numbers.
        unsafe { self.get.call((d.addr().cast(), k as i32)) }
    }

    pub(crate) fn c_set(&self, d: &CData<'_>, k: usize, bits: u64) {
        // SAFETY: as above.
        unsafe { self.set.call((d.addr().cast(), k as i32, bits)) }
    }
}

/// Runs `$m!(T, from_bits, to_bits)` with the Rust type `T` of member `path` of kind `$k`
/// (as the typed handles take it) and the conversions from and to the member's bits
/// (`random_value`'s and `bits_of`'s form).
macro_rules! with_rust_type {
    ($k:expr, $ct:expr, $path:expr, $m:ident) => {
        match $k {
            K::Int {
                bytes: 1,
                signed: true,
            }
            | K::Bits {
                bytes: 1,
                signed: true,
                ..
            } => {
                $m!(i8, |b: u64| b as i8, |v: i8| v as i64 as u64)
            }
            K::Int {
                bytes: 1,
                signed: false,
            }
            | K::Bits {
                bytes: 1,
                signed: false,
                width: 2..,
            } => {
                $m!(u8, |b: u64| b as u8, u64::from)
            }
            K::Int {
                bytes: 2,
                signed: true,
            }
            | K::Bits {
                bytes: 2,
                signed: true,
                ..
            } => {
                $m!(i16, |b: u64| b as i16, |v: i16| v as i64 as u64)
            }
            K::Int {
                bytes: 2,
                signed: false,
            }
            | K::Bits {
                bytes: 2,
                signed: false,
                ..
            } => {
                $m!(u16, |b: u64| b as u16, u64::from)
            }
            K::Int {
                bytes: 4,
                signed: true,
            }
            | K::Bits {
                bytes: 4,
                signed: true,
                ..
            } => {
                $m!(i32, |b: u64| b as i32, |v: i32| v as i64 as u64)
            }
            K::Int {
                bytes: 4,
                signed: false,
            }
            | K::Bits {
                bytes: 4,
                signed: false,
                ..
            } => {
                $m!(u32, |b: u64| b as u32, u64::from)
            }
            K::Int { signed: true, .. } | K::Bits { signed: true, .. } => {
                $m!(i64, |b: u64| b as i64, |v: i64| v as u64)
            }
            K::Int { signed: false, .. } => $m!(u64, |b: u64| b, |v: u64| v),
            K::Bits {
                bytes: 1, width: 1, ..
            }
            | K::Bool => {
                // `_Bool` (and `_Bool x : 1`) read as bool; `unsigned char x : 1` as u8.
                match $ct.accessor::<bool>($path) {
                    Ok(_) => $m!(bool, |b: u64| b != 0, u64::from),
                    Err(_) => $m!(u8, |b: u64| b as u8, u64::from),
                }
            }
            K::Bits { .. } => $m!(u64, |b: u64| b, |v: u64| v),
            K::F32 => $m!(f32, |b: u64| f32::from_bits(b as u32), |v: f32| u64::from(
                v.to_bits()
            )),
            K::F64 => $m!(f64, f64::from_bits, f64::to_bits),
            K::Ptr => $m!(
                *mut u8,
                |b: u64| b as usize as *mut u8,
                |v: *mut u8| v as usize as u64
            ),
        }
    };
}

/// Reads member `path` of `d` through the typed accessor, compiled accessor and untyped
/// member handle of the kind's Rust type, and checks they all agree with `want` (C's bits).
pub(crate) fn check_handles(ct: &jitffi::Type, d: &CData<'_>, path: &str, k: K, want: u64) {
    let m = ct.member(path).unwrap();
    assert_eq!(bits_of(&m.get(d).unwrap()), want, "{path}: Member");
    macro_rules! typed {
        ($t:ty, $from:expr, $to:expr) => {{
            let a = ct.accessor::<$t>(path).unwrap();
            let c = ct.compiled::<$t>(path).unwrap();
            let got_a = a.get(d).unwrap();
            let got_c = c.get(d).unwrap();
            assert_eq!(
                $to(got_a),
                $to(a.bind(d).unwrap().get(0).unwrap()),
                "{path}: bound accessor"
            );
            assert_eq!(
                $to(got_a),
                $to(got_c),
                "{path}: accessor and compiled accessor differ"
            );
            $to(got_a)
        }};
    }
    let got = with_rust_type!(k, ct, path, typed);
    assert_eq!(got, want, "{path}: typed accessors");
}

/// Writes `bits` into member `path` through one of the four write paths (chosen by `how`).
pub(crate) fn write_with(
    ct: &jitffi::Type,
    d: &CData<'_>,
    path: &str,
    k: K,
    v: &Value<'_>,
    how: u8,
) {
    if how == 0 {
        return d.set(path, v.clone()).unwrap();
    }
    if how == 1 {
        return ct.member(path).unwrap().set(d, v).unwrap();
    }
    let compiled = how == 3;
    macro_rules! typed {
        ($t:ty, $x:expr) => {{
            if compiled {
                ct.compiled::<$t>(path).unwrap().set(d, $x).unwrap()
            } else {
                ct.accessor::<$t>(path).unwrap().set(d, $x).unwrap()
            }
        }};
    }
    let b = bits_of(v);
    match (k, v) {
        (_, Value::Bool(x)) => match ct.accessor::<bool>(path) {
            Ok(_) => typed!(bool, *x),
            Err(_) => typed!(u8, u8::from(*x)),
        },
        (_, Value::I8(x)) => typed!(i8, *x),
        (_, Value::U8(x)) => typed!(u8, *x),
        (_, Value::I16(x)) => typed!(i16, *x),
        (_, Value::U16(x)) => typed!(u16, *x),
        (
            K::Bits {
                bytes: 1,
                signed: true,
                ..
            },
            Value::I32(x),
        ) => typed!(i8, *x as i8),
        (
            K::Bits {
                bytes: 2,
                signed: true,
                ..
            },
            Value::I32(x),
        ) => typed!(i16, *x as i16),
        (
            K::Bits {
                bytes: 1,
                signed: false,
                ..
            },
            Value::U32(x),
        ) => typed!(u8, *x as u8),
        (
            K::Bits {
                bytes: 2,
                signed: false,
                ..
            },
            Value::U32(x),
        ) => typed!(u16, *x as u16),
        (_, Value::I32(x)) => typed!(i32, *x),
        (_, Value::U32(x)) => typed!(u32, *x),
        (_, Value::I64(x)) => typed!(i64, *x),
        (_, Value::U64(x)) => typed!(u64, *x),
        (_, Value::F32(x)) => typed!(f32, *x),
        (_, Value::F64(x)) => typed!(f64, *x),
        (_, Value::Ptr(_)) => typed!(*mut u8, b as usize as *mut u8),
        other => panic!("no typed write for {other:?}"),
    }
}
