//! A seeded generator of random struct and union definitions for the layout cross-check.
//!
//! Every definition is valid C for gcc on x86-64 (the generator avoids what gcc rejects:
//! `aligned` on bit-fields, bit-fields wider than their type, arrays of over-aligned elements,
//! `_Alignas` below the natural alignment), so the same text goes to `Ffi::cdef` and to the C
//! compiler, and any difference is ours.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the common module"
)]

pub struct Gen {
    rng: fastrand::Rng,
    /// Records defined so far: `(C name, alignment unknown, embeddable)`.
    records: Vec<String>,
    out: String,
    counter: usize,
    packed_stack: usize,
    n_records: usize,
}

const SCALARS: &[(&str, u64)] = &[
    ("char", 1),
    ("signed char", 1),
    ("unsigned char", 1),
    ("short", 2),
    ("unsigned short", 2),
    ("int", 4),
    ("unsigned int", 4),
    ("long", 8),
    ("unsigned long", 8),
    ("long long", 8),
    ("unsigned long long", 8),
    ("float", 4),
    ("double", 8),
    ("long double", 16),
    ("_Bool", 1),
    ("void *", 8),
    ("int *", 8),
    ("int (*)(int)", 8),
    ("__int128", 16),
    ("float _Complex", 4),
    ("double _Complex", 8),
    ("int8_t", 1),
    ("uint16_t", 2),
    ("int32_t", 4),
    ("uint64_t", 8),
    ("size_t", 8),
    ("enum e_small", 4),
    ("enum e_neg", 4),
    ("enum e_big", 8),
    ("a8_int", 8),
    ("a2_long", 2),
];

/// Integer types usable for bit-fields, with their width in bits.
const BITFIELD_TYPES: &[(&str, u32)] = &[
    ("char", 8),
    ("signed char", 8),
    ("unsigned char", 8),
    ("short", 16),
    ("unsigned short", 16),
    ("int", 32),
    ("unsigned int", 32),
    ("signed int", 32),
    ("long", 64),
    ("unsigned long", 64),
    ("long long", 64),
    ("unsigned long long", 64),
    ("_Bool", 1),
    ("enum e_small", 32),
    ("uint8_t", 8),
    ("int64_t", 64),
];

/// Declarations every generated text starts with.
pub const GEN_PRELUDE: &str = "enum e_small { ES_A, ES_B, ES_C = 7 };
enum e_neg { EN_A = -3, EN_B = 100 };
enum e_big { EB_A = 1, EB_B = 0x100000000 };
typedef int a8_int __attribute__((aligned(8)));
typedef long a2_long __attribute__((aligned(2)));
";

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: fastrand::Rng::with_seed(seed),
            records: Vec::new(),
            out: String::from(GEN_PRELUDE),
            counter: 0,
            packed_stack: 0,
            n_records: 0,
        }
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.rng.usize(..v.len())]
    }

    fn member_name(&mut self) -> String {
        self.counter += 1;
        format!("m{}", self.counter)
    }

    /// A member type: scalar, earlier record, or an array of either.
    fn member_type(&mut self, allow_records: bool) -> (String, String, u64) {
        // (type prefix, declarator suffix, natural alignment; 0 if unknown)
        let use_record = allow_records && !self.records.is_empty() && self.rng.u8(..10) < 3;
        let (base, align) = if use_record {
            let r = self.records[self.rng.usize(..self.records.len())].clone();
            (r, 0)
        } else {
            let (n, a) = *self.pick(SCALARS);
            (n.to_string(), a)
        };
        let over_aligned = base == "a8_int" || base == "a2_long";
        let suffix = match self.rng.u8(..10) {
            0 | 1 if !over_aligned => format!("[{}]", self.rng.u32(1..5)),
            2 if !over_aligned => format!("[{}][{}]", self.rng.u32(1..3), self.rng.u32(1..4)),
            3 if !over_aligned && self.rng.u8(..4) == 0 => "[0]".to_string(),
            _ => String::new(),
        };
        (base, suffix, align)
    }

    fn declare(ty: &str, name: &str, suffix: &str) -> String {
        // Function pointer and pointer types need the declarator inside.
        if let Some(rest) = ty.strip_suffix("(*)(int)") {
            return format!("{rest}(*{name}{suffix})(int)");
        }
        format!("{ty} {name}{suffix}")
    }

    fn field(&mut self, depth: u32, in_union: bool) -> String {
        let kind = self.rng.u8(..20);
        match kind {
            // Bit-fields.
            0..=5 => {
                let (ty, bits) = *self.pick(BITFIELD_TYPES);
                let width = self.rng.u32(0..=bits);
                if width == 0 || self.rng.u8(..6) == 0 {
                    format!("{ty} : {width};")
                } else {
                    let name = self.member_name();
                    let packed = if self.rng.u8(..8) == 0 {
                        " __attribute__((packed))"
                    } else {
                        ""
                    };
                    format!("{ty} {name} : {width}{packed};")
                }
            }
            // Nested anonymous or named inline aggregates.
            6 if depth < 2 => {
                let kw = if self.rng.bool() { "struct" } else { "union" };
                let mut body = String::new();
                for _ in 0..self.rng.u32(1..4) {
                    body.push_str(&self.field(depth + 1, kw == "union"));
                    body.push(' ');
                }
                if self.rng.bool() {
                    format!("{kw} {{ {body}}};")
                } else {
                    let name = self.member_name();
                    format!("{kw} {{ {body}}} {name};")
                }
            }
            _ => {
                let (ty, suffix, align) = self.member_type(true);
                let name = self.member_name();
                let mut decl = Self::declare(&ty, &name, &suffix);
                match self.rng.u8(..12) {
                    0 => decl.push_str(&format!(
                        " __attribute__((aligned({})))",
                        1 << self.rng.u32(0..6)
                    )),
                    1 => decl.push_str(" __attribute__((packed))"),
                    2 if align > 0 && !in_union => {
                        let a = align.max(1 << self.rng.u32(0..6));
                        decl = format!("_Alignas({a}) {decl}");
                    }
                    _ => {}
                }
                format!("{decl};")
            }
        }
    }

    /// Appends one struct or union definition and returns its C name.
    pub fn record(&mut self) -> String {
        self.n_records += 1;
        let id = self.n_records;
        let is_union = self.rng.u8(..5) == 0;
        let kw = if is_union { "union" } else { "struct" };
        let name = format!("{kw} r{id}");
        let pragma = self.rng.u8(..10);
        if pragma == 0 {
            let n = 1 << self.rng.u32(0..5);
            self.out.push_str(&format!("#pragma pack(push, {n})\n"));
            self.packed_stack += 1;
        }
        let attr = match self.rng.u8(..10) {
            0 => " __attribute__((packed))".to_string(),
            1 => format!(" __attribute__((aligned({})))", 1 << self.rng.u32(0..6)),
            2 => format!(
                " __attribute__((packed, aligned({})))",
                1 << self.rng.u32(0..4)
            ),
            _ => String::new(),
        };
        let n_fields = self.rng.u32(0..9);
        let mut body = String::new();
        for _ in 0..n_fields {
            body.push_str("    ");
            body.push_str(&self.field(0, is_union));
            body.push('\n');
        }
        // Named members are always spelled " mN" (gcc rejects a flexible array without one).
        let has_named = body.contains(" m");
        let fam = !is_union && has_named && self.rng.u8(..8) == 0;
        if fam {
            let (ty, _, _) = self.member_type(false);
            if !ty.contains("(*)") && ty != "a8_int" && ty != "a2_long" {
                body.push_str(&format!("    {ty} tail[];\n"));
            }
        }
        let leading = if self.rng.u8(..4) == 0 && !attr.is_empty() {
            attr.clone()
        } else {
            String::new()
        };
        let trailing = if leading.is_empty() {
            attr
        } else {
            String::new()
        };
        self.out
            .push_str(&format!("{kw}{leading} r{id} {{\n{body}}}{trailing};\n"));
        if pragma == 0 {
            self.out.push_str("#pragma pack(pop)\n");
            self.packed_stack -= 1;
        }
        // Structs with a flexible array member are not used as members.
        if !body.contains("tail[]") {
            self.records.push(name.clone());
        }
        name
    }

    pub fn text(&self) -> &str {
        &self.out
    }
}
