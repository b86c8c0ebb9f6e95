//! The data model of a target: sizes and alignments of the base types and the layout quirks that
//! differ between ABIs.
//!
//! x86-64 System V (Linux) is tested against `cc`; AArch64 (AAPCS64, Linux) against
//! `aarch64-linux-gnu-gcc`, its probes run under qemu (`tests/aarch64_qemu.rs`: random records
//! of every kind `tests/layout_vs_cc.rs` makes). Where AArch64 differs:
//! - plain `char` is unsigned;
//! - `long double` is IEEE binary128 (16 bytes, 16-byte aligned) instead of x87 80-bit padded
//!   to 16 bytes; the size and alignment are the same, the representation is not; gcc has no
//!   `__float128` there;
//! - bit-field placement follows the same "may not straddle an aligned unit of its declared
//!   type" rule as gcc's generic `PCC_BITFIELD_TYPE_MATTERS` code, but unnamed bit-fields
//!   (zero-width ones too) raise the struct's alignment as named ones do
//!   ([`Target::anon_bitfields_align`]; on x86-64 they do not);
//! - `va_list` is a 32-byte struct (`__stack`, `__gr_top`, `__vr_top`, `__gr_offs`, `__vr_offs`)
//!   passed by reference, not a one-element array of `struct __va_list_tag`.
#![forbid(unsafe_code)]

use crate::ctype::Prim;

/// A processor architecture jitffi knows the data model of.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum Arch {
    /// x86-64, System V ABI (Linux, BSD, macOS data model).
    X86_64,
    /// AArch64, AAPCS64 (Linux data model). Tested against the cross gcc under qemu
    /// (`tests/aarch64_qemu.rs`).
    Aarch64,
}

/// A target data model: what `layout` needs to know to reproduce the C compiler's layouts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The architecture.
    pub arch: Arch,
    /// Whether plain `char` is signed.
    pub char_signed: bool,
    /// `sizeof(void *)`, which is also `sizeof(long)` on the LP64 targets supported.
    pub pointer_size: u64,
    /// The alignment `__attribute__((aligned))` without an argument requests
    /// (`__BIGGEST_ALIGNMENT__`).
    pub biggest_align: u64,
}

impl Target {
    /// x86-64 System V (LP64, signed `char`).
    pub fn x86_64_sysv() -> Target {
        Target {
            arch: Arch::X86_64,
            char_signed: true,
            pointer_size: 8,
            biggest_align: 16,
        }
    }

    /// AArch64 Linux (LP64, unsigned `char`).
    pub fn aarch64_linux() -> Target {
        Target {
            arch: Arch::Aarch64,
            char_signed: false,
            pointer_size: 8,
            biggest_align: 16,
        }
    }

    /// The target this program runs on, when it is one jitffi knows; x86-64 System V otherwise
    /// (the only target tested).
    pub fn host() -> Target {
        if cfg!(target_arch = "aarch64") {
            Target::aarch64_linux()
        } else {
            Target::x86_64_sysv()
        }
    }

    /// Whether an unnamed bit-field (zero-width ones included) raises its record's alignment
    /// to its type's, as a named one does: on AArch64 (AAPCS64; gcc's
    /// `TARGET_ALIGN_ANON_BITFIELD`), not on x86-64 System V.
    pub fn anon_bitfields_align(&self) -> bool {
        self.arch == Arch::Aarch64
    }

    /// `(sizeof, _Alignof)` of a base type.
    pub fn prim(&self, p: Prim) -> (u64, u64) {
        match p {
            Prim::Bool | Prim::Char | Prim::SChar | Prim::UChar => (1, 1),
            Prim::Short | Prim::UShort => (2, 2),
            Prim::Int | Prim::UInt | Prim::Float => (4, 4),
            Prim::Long | Prim::ULong | Prim::LongLong | Prim::ULongLong | Prim::Double => (8, 8),
            Prim::Int128 | Prim::UInt128 | Prim::LongDouble | Prim::Float128 => (16, 16),
            Prim::FloatComplex => (8, 4),
            Prim::DoubleComplex => (16, 8),
            Prim::LongDoubleComplex => (32, 16),
        }
    }

    /// `(sizeof, _Alignof)` of a data pointer or function pointer.
    pub fn pointer(&self) -> (u64, u64) {
        (self.pointer_size, self.pointer_size)
    }

    /// The builtin declarations every `Ffi` starts with, as cdef text: the fixed-width and
    /// `stddef`/`wchar`/`uchar` typedefs, `FILE` (opaque) and `va_list`.
    pub fn builtin_cdef(&self) -> &'static str {
        match self.arch {
            Arch::X86_64 => BUILTINS_X86_64,
            Arch::Aarch64 => BUILTINS_AARCH64,
        }
    }
}

const COMMON_BUILTINS: &str = "
typedef _Bool bool;
typedef signed char int8_t; typedef unsigned char uint8_t;
typedef short int16_t; typedef unsigned short uint16_t;
typedef int int32_t; typedef unsigned int uint32_t;
typedef long int64_t; typedef unsigned long uint64_t;
typedef signed char int_least8_t; typedef unsigned char uint_least8_t;
typedef short int_least16_t; typedef unsigned short uint_least16_t;
typedef int int_least32_t; typedef unsigned int uint_least32_t;
typedef long int_least64_t; typedef unsigned long uint_least64_t;
typedef signed char int_fast8_t; typedef unsigned char uint_fast8_t;
typedef long int_fast16_t; typedef unsigned long uint_fast16_t;
typedef long int_fast32_t; typedef unsigned long uint_fast32_t;
typedef long int_fast64_t; typedef unsigned long uint_fast64_t;
typedef long intmax_t; typedef unsigned long uintmax_t;
typedef long intptr_t; typedef unsigned long uintptr_t;
typedef unsigned long size_t; typedef long ssize_t; typedef long ptrdiff_t;
typedef long off_t; typedef int pid_t; typedef long time_t;
typedef unsigned short char16_t; typedef unsigned int char32_t;
typedef unsigned int wint_t;
typedef __int128 __int128_t; typedef unsigned __int128 __uint128_t;
struct _IO_FILE;
typedef struct _IO_FILE FILE;
";

// GCC has `__float128` on x86-64 only (on AArch64, `long double` is the binary128 type).
const BUILTINS_X86_64: &str = "\ntypedef _Float128 __float128;\ntypedef int wchar_t;\nstruct __va_list_tag {\n    unsigned int gp_offset;\n    unsigned int fp_offset;\n    void *overflow_arg_area;\n    void *reg_save_area;\n};\ntypedef struct __va_list_tag __builtin_va_list[1];\ntypedef __builtin_va_list va_list;\n";

const BUILTINS_AARCH64: &str = "
typedef unsigned int wchar_t;
struct __va_list {
    void *__stack;
    void *__gr_top;
    void *__vr_top;
    int __gr_offs;
    int __vr_offs;
};
typedef struct __va_list __builtin_va_list;
typedef __builtin_va_list va_list;
";

/// The builtin cdef text for a target: the common part plus the architecture's part.
pub(crate) fn builtin_text(target: &Target) -> String {
    format!("{COMMON_BUILTINS}{}", target.builtin_cdef())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Ffi;

    /// Found by tests/aarch64_qemu.rs (the cross gcc's answers): unnamed and zero-width
    /// bit-fields raise a struct's alignment on AArch64, not on x86-64.
    #[test]
    fn unnamed_bit_fields_align_the_struct_on_aarch64_only() {
        let decls = "struct u { long long : 21; };\n\
                     struct z { char c; unsigned long long : 0; char d; };\n\
                     #pragma pack(push, 2)\nstruct p { short s; unsigned long long : 0; };\n#pragma pack(pop)\n";
        for (target, u, z, p) in [
            (Target::x86_64_sysv(), (3, 1), (9, 1), (8, 2)),
            (Target::aarch64_linux(), (8, 8), (16, 8), (8, 8)),
        ] {
            let ffi = Ffi::with_target(target);
            ffi.cdef(decls).expect("cdef");
            for (name, want) in [("struct u", u), ("struct z", z), ("struct p", p)] {
                let l = ffi.type_of(name).expect(name).layout().expect("layout");
                assert_eq!((l.size, l.align), want, "{name} on {:?}", ffi.target().arch);
            }
        }
    }
}
