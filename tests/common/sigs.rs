//! A seeded generator of random C function signatures for differential call tests.
//!
//! Each generated function folds every argument, member by member and bit-exactly, into a
//! 64-bit hash (the `mix` of `tests/c/fixture.c`) and returns it: as the result when the result
//! is a scalar, spread over every member when it is a struct. The Rust side knows the values it
//! passed and computes the same hash, so a wrong register, a wrong extension or a misplaced
//! stack slot shows up as a mismatch.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the common module"
)]

use std::fmt::Write as _;

use super::mix;

/// A C type the generator uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GType {
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    Bool,
    Char,
    F32,
    F64,
    Ptr,
    Enum,
    /// `long double`, `__int128`, `unsigned __int128`: only in a generator made with
    /// [`SigGen::wide`] (parameters, results, variadic tails; `long double` also as a record
    /// member).
    LongDouble,
    I128,
    U128,
    /// A struct or union of the pool.
    Rec(usize),
}

/// Whether plain `char` is signed on the host (unsigned on AArch64).
pub const CHAR_SIGNED: bool = !cfg!(target_arch = "aarch64");

/// The wide scalars of [`SigGen::wide`].
const WIDE: [GType; 3] = [GType::LongDouble, GType::I128, GType::U128];

const SCALARS: [GType; 14] = [
    GType::I8,
    GType::U8,
    GType::I16,
    GType::U16,
    GType::I32,
    GType::U32,
    GType::I64,
    GType::U64,
    GType::Bool,
    GType::Char,
    GType::F32,
    GType::F64,
    GType::Ptr,
    GType::Enum,
];

impl GType {
    pub fn c(self) -> String {
        match self {
            GType::I8 => "int8_t".into(),
            GType::U8 => "uint8_t".into(),
            GType::I16 => "int16_t".into(),
            GType::U16 => "uint16_t".into(),
            GType::I32 => "int32_t".into(),
            GType::U32 => "uint32_t".into(),
            GType::I64 => "int64_t".into(),
            GType::U64 => "uint64_t".into(),
            GType::Bool => "_Bool".into(),
            GType::Char => "char".into(),
            GType::F32 => "float".into(),
            GType::F64 => "double".into(),
            GType::Ptr => "void *".into(),
            GType::Enum => "enum rs_e".into(),
            GType::LongDouble => "long double".into(),
            GType::I128 => "__int128".into(),
            GType::U128 => "unsigned __int128".into(),
            GType::Rec(i) => format!("rs_t{i}"),
        }
    }

    /// The C expression that turns a value of this (scalar) type into the hashed word.
    fn word(self, expr: &str) -> String {
        match self {
            GType::I8 | GType::I16 | GType::I32 | GType::I64 | GType::Char | GType::Enum => {
                format!("(uint64_t)(int64_t){expr}")
            }
            GType::U8 | GType::U16 | GType::U32 | GType::U64 | GType::Bool => {
                format!("(uint64_t){expr}")
            }
            GType::F32 => format!("rs_fbits({expr})"),
            GType::F64 => format!("rs_dbits({expr})"),
            GType::Ptr => format!("(uint64_t)(uintptr_t){expr}"),
            GType::LongDouble => format!("rs_ldbits({expr})"),
            GType::I128 | GType::U128 => format!("rs_qbits((unsigned __int128){expr})"),
            GType::Rec(_) => unreachable!("records are hashed member by member"),
        }
    }

    /// The C expression that derives a value of this (scalar) type from the word `h`.
    pub fn c_from_word(self, h: &str) -> String {
        match self {
            GType::F32 => format!("(float)({h} % 1000003u) / 8.0f"),
            GType::F64 => format!("(double)({h} % 1000000007u) / 16.0"),
            GType::Bool => format!("({h} & 1)"),
            GType::Ptr => format!("(void *)(uintptr_t){h}"),
            GType::Enum => format!("(({h} & 1) ? RS_A : RS_B)"),
            GType::LongDouble => format!("(long double)({h} % 1000000007u) / 32.0L"),
            GType::I128 | GType::U128 => format!(
                "({})(((unsigned __int128){h} << 64) | ({h} ^ 0x5555555555555555ULL))",
                self.c()
            ),
            GType::Rec(_) => unreachable!("records are filled member by member"),
            other => format!("({}){h}", other.c()),
        }
    }

    /// The 64-bit word a value hashes as, on the Rust side (mirror of `word`).
    pub fn hash_word(self, v: &GVal) -> u64 {
        match (self, v) {
            (GType::F32, GVal::F32(f)) => u64::from(f.to_bits()),
            (GType::F64, GVal::F64(f)) => f.to_bits(),
            (GType::LongDouble, GVal::F80(b)) => {
                // Mirror of rs_ldbits: the significand and the sign-exponent, 10 bytes.
                let (m, e) = (*b as u64, (*b >> 64) as u64 & 0xffff);
                m ^ (e << 47) ^ (e >> 3)
            }
            (GType::I128 | GType::U128, GVal::Int(i)) => {
                let q = *i as u128;
                (q as u64) ^ ((q >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
            }
            (_, GVal::Int(i)) => *i as u64,
            _ => panic!("hash of {v:?} as {self:?}"),
        }
    }

    /// The value derived from a word, on the Rust side (mirror of `from_word`).
    pub fn value_from_word(self, h: u64) -> GVal {
        match self {
            GType::F32 => GVal::F32((h % 1_000_003) as f32 / 8.0),
            GType::F64 => GVal::F64((h % 1_000_000_007) as f64 / 16.0),
            GType::Bool => GVal::Int(i128::from(h & 1)),
            GType::Ptr | GType::U64 => GVal::Int(i128::from(h)),
            GType::Enum => GVal::Int(if h & 1 == 1 { -5 } else { 70000 }),
            GType::Char if !CHAR_SIGNED => GVal::Int(i128::from(h as u8)),
            GType::I8 | GType::Char => GVal::Int(i128::from(h as i8)),
            GType::U8 => GVal::Int(i128::from(h as u8)),
            GType::I16 => GVal::Int(i128::from(h as i16)),
            GType::U16 => GVal::Int(i128::from(h as u16)),
            GType::I32 => GVal::Int(i128::from(h as i32)),
            GType::U32 => GVal::Int(i128::from(h as u32)),
            GType::I64 => GVal::Int(i128::from(h as i64)),
            GType::LongDouble => {
                GVal::F80(jitffi::F80::from_f64((h % 1_000_000_007) as f64 / 32.0).to_bits())
            }
            // The bits (an unsigned __int128 keeps them as they are in the i128).
            GType::I128 | GType::U128 => {
                GVal::Int(((u128::from(h) << 64) | u128::from(h ^ 0x5555_5555_5555_5555)) as i128)
            }
            GType::Rec(_) => unreachable!(),
        }
    }

    /// Bytes and alignment of a scalar.
    pub fn size(self) -> usize {
        match self {
            GType::I8 | GType::U8 | GType::Bool | GType::Char => 1,
            GType::I16 | GType::U16 => 2,
            GType::I32 | GType::U32 | GType::F32 | GType::Enum => 4,
            GType::LongDouble | GType::I128 | GType::U128 => 16,
            _ => 8,
        }
    }
}

/// A value of a scalar `GType`.
#[derive(Clone, Debug, PartialEq)]
pub enum GVal {
    Int(i128),
    F32(f32),
    F64(f64),
    /// A `long double`'s 80 bits.
    F80(u128),
}

/// A record of the pool: members `(name, type, array length)`.
#[derive(Clone, Debug)]
pub struct GRec {
    pub union: bool,
    pub packed: bool,
    /// The first member is `_Alignas(16)`: a 16-aligned record (on the stack, System V puts
    /// it on a 16-byte boundary of the argument area).
    pub aligned16: bool,
    pub fields: Vec<(String, GType, Option<usize>)>,
}

/// A generated function.
#[derive(Clone, Debug)]
pub struct GFunc {
    pub name: String,
    pub params: Vec<GType>,
    /// `None` for `void`.
    pub ret: Option<GType>,
    /// A variadic function takes a `const char *` naming the tail types first.
    pub variadic: bool,
    pub seed: u64,
}

/// The generator: a pool of records and functions over them.
pub struct SigGen {
    rng: fastrand::Rng,
    /// Functions also take and return `long double` and `__int128` ([`SigGen::wide`]).
    wide: bool,
    /// Half the records are homogeneous floating-point aggregates and half the scalars are
    /// `float` or `double` ([`SigGen::floats`]).
    floats: bool,
    pub recs: Vec<GRec>,
    pub funcs: Vec<GFunc>,
}

/// The variadic tail codes: `i` int, `u` unsigned, `l` long, `L` unsigned long, `d` double,
/// `p` pointer, `rN` record N of the pool.
pub fn tail_code(t: GType) -> String {
    match t {
        GType::I32 => "i".into(),
        GType::U32 => "u".into(),
        GType::I64 => "l".into(),
        GType::U64 => "L".into(),
        GType::F64 => "d".into(),
        GType::Ptr => "p".into(),
        GType::LongDouble => "D".into(),
        GType::I128 => "q".into(),
        GType::U128 => "Q".into(),
        GType::Rec(i) => format!("r{i};"),
        _ => panic!("not a promoted type: {t:?}"),
    }
}

impl SigGen {
    pub fn new(seed: u64, n_recs: usize, n_funcs: usize) -> SigGen {
        Self::make(seed, n_recs, n_funcs, false, false)
    }

    /// As [`SigGen::new`], with `long double`, `__int128` and `unsigned __int128` among the
    /// parameter, result and variadic tail types (about one in four).
    pub fn wide(seed: u64, n_recs: usize, n_funcs: usize) -> SigGen {
        Self::make(seed, n_recs, n_funcs, true, false)
    }

    /// As [`SigGen::new`], heavy on floating point: half the records are one to four `float`s
    /// or `double`s (AAPCS64's HFAs), half the scalars are `float` or `double`, so that vector
    /// registers run out and HFAs go to the stack while integer registers are left.
    pub fn floats(seed: u64, n_recs: usize, n_funcs: usize) -> SigGen {
        Self::make(seed, n_recs, n_funcs, false, true)
    }

    fn make(seed: u64, n_recs: usize, n_funcs: usize, wide: bool, floats: bool) -> SigGen {
        let mut g = SigGen {
            rng: fastrand::Rng::with_seed(seed),
            wide,
            floats,
            recs: Vec::new(),
            funcs: Vec::new(),
        };
        for _ in 0..n_recs {
            g.add_rec();
        }
        for i in 0..n_funcs {
            g.add_func(i);
        }
        g
    }

    fn scalar(&mut self) -> GType {
        if self.floats && self.rng.bool() {
            return if self.rng.bool() {
                GType::F32
            } else {
                GType::F64
            };
        }
        SCALARS[self.rng.usize(..SCALARS.len())]
    }

    fn add_rec(&mut self) {
        if self.floats && self.rng.bool() {
            // An HFA: up to four members of one floating type, some in an array, sometimes
            // 16-aligned.
            let ty = if self.rng.bool() {
                GType::F32
            } else {
                GType::F64
            };
            let mut fields = Vec::new();
            let mut left = self.rng.usize(1..=4);
            while left > 0 {
                let arr = (left > 1 && self.rng.u8(..3) == 0).then(|| self.rng.usize(2..=left));
                left -= arr.unwrap_or(1);
                fields.push((format!("m{}", fields.len()), ty, arr));
            }
            let aligned16 = self.rng.u8(..6) == 0;
            self.recs.push(GRec {
                union: false,
                packed: false,
                aligned16,
                fields,
            });
            return;
        }
        let n = self.rng.usize(1..6);
        let union = self.rng.u8(..8) == 0;
        let packed = !union && self.rng.u8(..8) == 0;
        let aligned16 = !packed && self.rng.u8(..6) == 0;
        let mut fields = Vec::new();
        for j in 0..n {
            let ty = if !self.recs.is_empty() && self.rng.u8(..6) == 0 {
                GType::Rec(self.rng.usize(..self.recs.len()))
            } else if self.wide && self.rng.u8(..6) == 0 {
                // Records of the wide generator may hold long doubles (MEMORY class; a record
                // of just one is returned in st(0)).
                GType::LongDouble
            } else {
                self.scalar()
            };
            let arr = (self.rng.u8(..6) == 0 && !matches!(ty, GType::Rec(_)))
                .then(|| self.rng.usize(1..4));
            fields.push((format!("m{j}"), ty, arr));
        }
        self.recs.push(GRec {
            union,
            packed,
            aligned16,
            fields,
        });
    }

    fn add_func(&mut self, i: usize) {
        let variadic = self.rng.u8(..6) == 0;
        let n = if self.rng.u8(..4) == 0 {
            self.rng.usize(8..=16)
        } else {
            self.rng.usize(0..8)
        };
        let any = |g: &mut SigGen| {
            if g.wide && g.rng.u8(..4) == 0 {
                WIDE[g.rng.usize(..WIDE.len())]
            } else if !g.recs.is_empty() && g.rng.u8(..4) == 0 {
                GType::Rec(g.rng.usize(..g.recs.len()))
            } else {
                g.scalar()
            }
        };
        let params = (0..n).map(|_| any(self)).collect();
        let ret = match self.rng.u8(..10) {
            0 => None,
            _ => Some(any(self)),
        };
        self.funcs.push(GFunc {
            name: format!("rs_f{i}"),
            params,
            ret,
            variadic,
            seed: self.rng.u64(..),
        });
    }

    /// The C declarations (valid as a cdef and as C).
    pub fn declarations(&self) -> String {
        let mut out = String::from("enum rs_e { RS_A = -5, RS_B = 70000 };\n");
        for (i, r) in self.recs.iter().enumerate() {
            let kw = if r.union { "union" } else { "struct" };
            let packed = if r.packed {
                " __attribute__((packed))"
            } else {
                ""
            };
            let _ = write!(out, "typedef {kw} rs_s{i} {{");
            for (k, (name, ty, arr)) in r.fields.iter().enumerate() {
                let dim = arr.map(|n| format!("[{n}]")).unwrap_or_default();
                let align = if r.aligned16 && k == 0 {
                    "_Alignas(16) "
                } else {
                    ""
                };
                let _ = write!(out, " {align}{} {name}{dim};", ty.c());
            }
            let _ = writeln!(out, " }}{packed} rs_t{i};");
        }
        for f in &self.funcs {
            let _ = writeln!(out, "{};", self.prototype(f));
        }
        out
    }

    pub fn prototype(&self, f: &GFunc) -> String {
        let ret = f.ret.map_or("void".into(), GType::c);
        let mut params: Vec<String> = Vec::new();
        if f.variadic {
            params.push("const char *tail".into());
        }
        params.extend(
            f.params
                .iter()
                .enumerate()
                .map(|(i, t)| format!("{} a{i}", t.c())),
        );
        if f.variadic {
            params.push("...".into());
        }
        if params.is_empty() {
            params.push("void".into());
        }
        format!("{ret} {}({})", f.name, params.join(", "))
    }

    /// The scalar members of the record value `expr` of type `rec`, as C lvalues with their
    /// types, in order (through nested records and array elements; a union's first member).
    fn leaves(&self, rec: usize, expr: &str, out: &mut Vec<(String, GType)>) {
        let r = &self.recs[rec];
        let fields = if r.union {
            &r.fields[..1]
        } else {
            &r.fields[..]
        };
        for (name, ty, arr) in fields {
            let elems: Vec<String> = match arr {
                Some(n) => (0..*n).map(|k| format!("{expr}.{name}[{k}]")).collect(),
                None => vec![format!("{expr}.{name}")],
            };
            for e in elems {
                match ty {
                    GType::Rec(j) => self.leaves(*j, &e, out),
                    t => out.push((e, *t)),
                }
            }
        }
    }

    /// C statements folding the record value `expr` of type `rec` into `h`.
    pub fn hash_rec(&self, out: &mut String, rec: usize, expr: &str) {
        let mut leaves = Vec::new();
        self.leaves(rec, expr, &mut leaves);
        for (e, t) in leaves {
            let _ = writeln!(out, "    h = rs_mix(h, {});", t.word(&e));
        }
    }

    /// C statements filling the record lvalue `expr` from `h` (member k gets `rs_mix(h, k)`).
    pub fn fill_rec(&self, out: &mut String, rec: usize, expr: &str, counter: &mut u64) {
        let mut leaves = Vec::new();
        self.leaves(rec, expr, &mut leaves);
        for (e, t) in leaves {
            *counter += 1;
            let _ = writeln!(
                out,
                "    {e} = {};",
                t.c_from_word(&format!("rs_mix(h, {counter}u)"))
            );
        }
    }

    /// The C source of every function. Each also leaves its hash of the arguments in the
    /// global `rs_sink` (for callers that check a `void` function's arguments, or more of a
    /// result's hash than a narrow result carries).
    pub fn definitions(&self) -> String {
        let mut out = String::from(
            "#include <stdint.h>\n#include <string.h>\n#include <stdarg.h>\n#include <stdlib.h>\n\
             static uint64_t rs_mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ULL + (h >> 29); }\n\
             static uint64_t rs_fbits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }\n\
             static uint64_t rs_dbits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }\n\
             static uint64_t rs_ldbits(long double x) { unsigned char b[16]; uint64_t m, e = 0; memcpy(b, &x, sizeof x); memcpy(&m, b, 8); memcpy(&e, b + 8, 2); return m ^ (e << 47) ^ (e >> 3); }\n\
             static uint64_t rs_qbits(unsigned __int128 q) { return (uint64_t)q ^ (uint64_t)(q >> 64) * 0x9E3779B97F4A7C15ULL; }\n\
             volatile uint64_t rs_sink;\n",
        );
        out.push_str(&self.declarations());
        for f in &self.funcs {
            let _ = writeln!(
                out,
                "{} {{\n    uint64_t h = {}u;",
                self.prototype(f),
                f.seed
            );
            for (i, t) in f.params.iter().enumerate() {
                match t {
                    GType::Rec(j) => self.hash_rec(&mut out, *j, &format!("a{i}")),
                    t => {
                        let _ = writeln!(out, "    h = rs_mix(h, {});", t.word(&format!("a{i}")));
                    }
                }
            }
            if f.variadic {
                out.push_str("    va_list ap;\n    va_start(ap, tail);\n    for (const char *c = tail; *c; c++) {\n        switch (*c) {\n");
                out.push_str(
                    "        case 'i': h = rs_mix(h, (uint64_t)(int64_t)va_arg(ap, int)); break;\n",
                );
                out.push_str(
                    "        case 'u': h = rs_mix(h, (uint64_t)va_arg(ap, unsigned)); break;\n",
                );
                out.push_str(
                    "        case 'l': h = rs_mix(h, (uint64_t)va_arg(ap, long)); break;\n",
                );
                out.push_str("        case 'L': h = rs_mix(h, (uint64_t)va_arg(ap, unsigned long)); break;\n");
                out.push_str(
                    "        case 'd': h = rs_mix(h, rs_dbits(va_arg(ap, double))); break;\n",
                );
                out.push_str("        case 'p': h = rs_mix(h, (uint64_t)(uintptr_t)va_arg(ap, void *)); break;\n");
                out.push_str(
                    "        case 'D': h = rs_mix(h, rs_ldbits(va_arg(ap, long double))); break;\n",
                );
                out.push_str("        case 'q': h = rs_mix(h, rs_qbits((unsigned __int128)va_arg(ap, __int128))); break;\n");
                out.push_str("        case 'Q': h = rs_mix(h, rs_qbits(va_arg(ap, unsigned __int128))); break;\n");
                out.push_str("        case 'r': { int n = atoi(c + 1); while (*c != ';') c++;\n            switch (n) {\n");
                for j in 0..self.recs.len() {
                    let _ = writeln!(
                        out,
                        "            case {j}: {{ rs_t{j} v = va_arg(ap, rs_t{j});"
                    );
                    self.hash_rec(&mut out, j, "v");
                    out.push_str("            break; }\n");
                }
                out.push_str("            } break; }\n        default: abort();\n        }\n    }\n    va_end(ap);\n");
            }
            out.push_str("    rs_sink = h;\n");
            match f.ret {
                None => {}
                Some(GType::Rec(j)) => {
                    let _ = writeln!(out, "    rs_t{j} r;\n    memset(&r, 0, sizeof r);");
                    let mut counter = 0;
                    self.fill_rec(&mut out, j, "r", &mut counter);
                    out.push_str("    return r;\n");
                }
                Some(t) => {
                    let _ = writeln!(out, "    return {};", t.c_from_word("h"));
                }
            }
            out.push_str("}\n");
        }
        out
    }

    /// A random value of a scalar type.
    pub fn value(&mut self, t: GType) -> GVal {
        let r = &mut self.rng;
        match t {
            GType::Char if !CHAR_SIGNED => GVal::Int(i128::from(r.u8(..))),
            GType::I8 | GType::Char => GVal::Int(i128::from(r.i8(..))),
            GType::U8 => GVal::Int(i128::from(r.u8(..))),
            GType::I16 => GVal::Int(i128::from(r.i16(..))),
            GType::U16 => GVal::Int(i128::from(r.u16(..))),
            GType::I32 => GVal::Int(i128::from(r.i32(..))),
            GType::U32 => GVal::Int(i128::from(r.u32(..))),
            GType::I64 => GVal::Int(i128::from(r.i64(..))),
            GType::U64 | GType::Ptr => GVal::Int(i128::from(r.u64(..))),
            GType::Bool => GVal::Int(i128::from(r.bool())),
            GType::Enum => GVal::Int(if r.bool() { -5 } else { 70000 }),
            GType::F32 => GVal::F32((r.f32() - 0.5) * 1e6),
            GType::F64 => GVal::F64((r.f64() - 0.5) * 1e12),
            // A normal number: any sign and exponent (not all ones), the integer bit set.
            GType::LongDouble => {
                let se = u128::from(r.u16(..0x7fff) | 1) | if r.bool() { 0x8000 } else { 0 };
                GVal::F80((se << 64) | u128::from(r.u64(..) | 1 << 63))
            }
            GType::I128 | GType::U128 => {
                GVal::Int(((u128::from(r.u64(..)) << 64) | u128::from(r.u64(..))) as i128)
            }
            GType::Rec(_) => unreachable!("records are built member by member"),
        }
    }

    /// A random promoted type for a variadic tail.
    pub fn tail_type(&mut self) -> GType {
        let choices = [
            GType::I32,
            GType::U32,
            GType::I64,
            GType::U64,
            GType::F64,
            GType::Ptr,
        ];
        if self.wide && self.rng.u8(..4) == 0 {
            WIDE[self.rng.usize(..WIDE.len())]
        } else if !self.recs.is_empty() && self.rng.u8(..5) == 0 {
            GType::Rec(self.rng.usize(..self.recs.len()))
        } else {
            choices[self.rng.usize(..choices.len())]
        }
    }

    pub fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.rng
    }
}

/// The hash the C function computes for `params` valued `words` (already flattened, in order).
pub fn fold(seed: u64, words: &[u64]) -> u64 {
    words.iter().fold(seed, |h, &w| mix(h, w))
}
