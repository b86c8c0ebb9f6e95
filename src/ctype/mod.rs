//! C type descriptors: `TypeId`, `CType` and the pieces records, enums and functions are made of.
//!
//! Types live in one arena, [`TypeTable`], and are referred to by small integer ids. Derived types
//! (pointers, arrays, functions, qualified types) are interned structurally, so two spellings of
//! `const char *` are the same `TypeId`; structs, unions, enums and typedefs have nominal identity.
//! This module is pure data: it never sees `lang_c` and never computes a layout (the `layout`
//! module fills the offsets stored in [`Field`] and [`RecordBody`]).
#![forbid(unsafe_code)]

mod display;
mod table;

pub(crate) use table::FnMacro;
pub use table::{ConstValue, Constant, FunctionDecl, GlobalDecl, TypeTable};

/// A type in a [`TypeTable`]: a small integer index, cheap to copy and compare.
///
/// Ids are only meaningful for the table (or a later version of the table) that made them.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TypeId(pub(crate) u32);

impl TypeId {
    /// The index of this type in its table.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Arithmetic base types. `Char` is plain `char`, whose signedness the target decides.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
#[allow(missing_docs, reason = "each variant is the C type of the same name")]
pub enum Prim {
    Bool,
    Char,
    SChar,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    Int128,
    UInt128,
    Float,
    Double,
    LongDouble,
    Float128,
    FloatComplex,
    DoubleComplex,
    LongDoubleComplex,
}

impl Prim {
    /// Every primitive, in a fixed order (the table creates them in this order).
    pub const ALL: [Prim; 21] = [
        Prim::Bool,
        Prim::Char,
        Prim::SChar,
        Prim::UChar,
        Prim::Short,
        Prim::UShort,
        Prim::Int,
        Prim::UInt,
        Prim::Long,
        Prim::ULong,
        Prim::LongLong,
        Prim::ULongLong,
        Prim::Int128,
        Prim::UInt128,
        Prim::Float,
        Prim::Double,
        Prim::LongDouble,
        Prim::Float128,
        Prim::FloatComplex,
        Prim::DoubleComplex,
        Prim::LongDoubleComplex,
    ];

    /// The C spelling of the type.
    pub fn c_name(self) -> &'static str {
        match self {
            Prim::Bool => "_Bool",
            Prim::Char => "char",
            Prim::SChar => "signed char",
            Prim::UChar => "unsigned char",
            Prim::Short => "short",
            Prim::UShort => "unsigned short",
            Prim::Int => "int",
            Prim::UInt => "unsigned int",
            Prim::Long => "long",
            Prim::ULong => "unsigned long",
            Prim::LongLong => "long long",
            Prim::ULongLong => "unsigned long long",
            Prim::Int128 => "__int128",
            Prim::UInt128 => "unsigned __int128",
            Prim::Float => "float",
            Prim::Double => "double",
            Prim::LongDouble => "long double",
            Prim::Float128 => "_Float128",
            Prim::FloatComplex => "float _Complex",
            Prim::DoubleComplex => "double _Complex",
            Prim::LongDoubleComplex => "long double _Complex",
        }
    }

    /// True for `_Bool`, the character types and the standard and extended integer types.
    pub fn is_integer(self) -> bool {
        !self.is_floating()
    }

    /// True for real and complex floating types.
    pub fn is_floating(self) -> bool {
        matches!(
            self,
            Prim::Float
                | Prim::Double
                | Prim::LongDouble
                | Prim::Float128
                | Prim::FloatComplex
                | Prim::DoubleComplex
                | Prim::LongDoubleComplex
        )
    }

    /// True for the `_Complex` types.
    pub fn is_complex(self) -> bool {
        matches!(
            self,
            Prim::FloatComplex | Prim::DoubleComplex | Prim::LongDoubleComplex
        )
    }

    /// Whether an integer type is signed; `char_signed` is the target's choice for plain `char`.
    pub fn is_signed(self, char_signed: bool) -> bool {
        match self {
            Prim::Char => char_signed,
            Prim::SChar | Prim::Short | Prim::Int | Prim::Long | Prim::LongLong | Prim::Int128 => {
                true
            }
            Prim::Bool
            | Prim::UChar
            | Prim::UShort
            | Prim::UInt
            | Prim::ULong
            | Prim::ULongLong
            | Prim::UInt128 => false,
            _ => true,
        }
    }

    /// The integer conversion rank (C11 6.3.1.1), used by the constant evaluator.
    pub fn int_rank(self) -> u8 {
        match self {
            Prim::Bool => 0,
            Prim::Char | Prim::SChar | Prim::UChar => 1,
            Prim::Short | Prim::UShort => 2,
            Prim::Int | Prim::UInt => 3,
            Prim::Long | Prim::ULong => 4,
            Prim::LongLong | Prim::ULongLong => 5,
            Prim::Int128 | Prim::UInt128 => 6,
            _ => 7,
        }
    }
}

/// `const`, `volatile`, `restrict` and `_Atomic`, as a small bit set.
///
/// `_Atomic` is kept as a qualifier (C11 6.7.3) for both spellings, `_Atomic int` and
/// `_Atomic(int)`, which denote the same type; unlike the others it can change the layout: gcc
/// raises the alignment of an atomic type of 1, 2, 4, 8 or 16 bytes to its size.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Quals(u8);

impl Quals {
    /// No qualifier.
    pub const NONE: Quals = Quals(0);
    /// `const`.
    pub const CONST: Quals = Quals(1);
    /// `volatile`.
    pub const VOLATILE: Quals = Quals(2);
    /// `restrict`.
    pub const RESTRICT: Quals = Quals(4);
    /// `_Atomic`.
    pub const ATOMIC: Quals = Quals(8);

    /// True when no qualifier is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// True when every qualifier of `other` is also in `self`.
    pub fn contains(self, other: Quals) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union of two sets.
    pub fn union(self, other: Quals) -> Quals {
        Quals(self.0 | other.0)
    }
    /// `self` without the qualifiers of `other`.
    pub fn without(self, other: Quals) -> Quals {
        Quals(self.0 & !other.0)
    }
}

/// `struct` or `union`.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum RecordKind {
    /// `struct`.
    Struct,
    /// `union`.
    Union,
}

impl RecordKind {
    /// The keyword.
    pub fn keyword(self) -> &'static str {
        match self {
            RecordKind::Struct => "struct",
            RecordKind::Union => "union",
        }
    }
}

/// One C type. Obtain them from a [`TypeTable`]; match on [`TypeTable::get`].
#[derive(Clone, Debug, PartialEq)]
pub enum CType {
    /// `void`.
    Void,
    /// An arithmetic base type.
    Prim(Prim),
    /// A pointer to the given type.
    Pointer(TypeId),
    /// An array; `len` is `None` for `T[]` (flexible array member or incomplete array).
    Array {
        /// The element type.
        elem: TypeId,
        /// The number of elements, if known.
        len: Option<u64>,
    },
    /// A GCC vector type, `ELEM __attribute__((vector_size(SIZE)))`: `size / sizeof(elem)`
    /// elements (a power of two) of an integer or floating base type. Interned structurally.
    Vector {
        /// The element type (an integer or real floating primitive, unqualified).
        elem: TypeId,
        /// `sizeof` of the vector, in bytes (the attribute's argument).
        size: u64,
    },
    /// A function type (never a value: functions are called through pointers or declarations).
    Func(FuncType),
    /// A qualified type (`const int`). Never wraps another `Qualified` nor an array.
    Qualified {
        /// The unqualified type.
        base: TypeId,
        /// The qualifiers.
        quals: Quals,
    },
    /// A struct or union, with nominal identity.
    Record(Record),
    /// An enum, with nominal identity.
    Enum(EnumType),
    /// A typedef name for another type.
    Typedef(Typedef),
}

/// The signature of a function type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncType {
    /// The return type.
    pub ret: TypeId,
    /// Parameter types after adjustment (arrays and functions become pointers).
    pub params: Vec<TypeId>,
    /// True for a `...` tail.
    pub variadic: bool,
}

/// A struct or union type; `body` is `None` while it is incomplete (forward-declared, opaque).
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// `struct` or `union`.
    pub kind: RecordKind,
    /// The tag, `None` for an anonymous record.
    pub tag: Option<String>,
    /// The members and layout, once defined.
    pub body: Option<RecordBody>,
}

/// Attributes that change a record's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RecordAttrs {
    /// `__attribute__((packed))`.
    pub packed: bool,
    /// `__attribute__((aligned(N)))` on the type, in bytes.
    pub align: Option<u64>,
    /// The `#pragma pack` value in effect at the definition, in bytes.
    pub pack: Option<u64>,
}

/// The definition of a record: members in declaration order and the layout computed by `layout`.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordBody {
    /// Members in declaration order; anonymous struct/union members are kept as one field with
    /// `name == None` whose members are reachable transparently.
    pub fields: Vec<Field>,
    /// Layout attributes.
    pub attrs: RecordAttrs,
    /// `sizeof`, in bytes.
    pub size: u64,
    /// `_Alignof`, in bytes.
    pub align: u64,
}

/// Attributes that change a member's placement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FieldAttrs {
    /// `__attribute__((packed))` on the member.
    pub packed: bool,
    /// `__attribute__((aligned(N)))` or `_Alignas(N)` on the member, in bytes.
    pub align: Option<u64>,
}

/// A member of a struct or union.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The member name; `None` for anonymous members (transparent structs/unions, unnamed
    /// bit-fields).
    pub name: Option<String>,
    /// The declared type.
    pub ty: TypeId,
    /// The width of a bit-field, `None` for ordinary members.
    pub bit_width: Option<u32>,
    /// Member attributes.
    pub attrs: FieldAttrs,
    /// Byte offset from the start of the record. For a bit-field: the byte holding its first bit.
    pub offset: u64,
    /// Bit offset of the first bit from the start of the record (`offset * 8` for ordinary
    /// members). Bits are numbered from the least significant bit of the first byte.
    pub bit_offset: u64,
}

impl Field {
    /// True for a bit-field member.
    pub fn is_bitfield(&self) -> bool {
        self.bit_width.is_some()
    }
}

/// An enum type; `body` is `None` for a forward declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    /// The tag, `None` for an anonymous enum.
    pub tag: Option<String>,
    /// The enumerators and underlying type, once defined.
    pub body: Option<EnumBody>,
}

/// The enumerators of an enum and the integer type the compiler picked for it.
#[derive(Clone, Debug, PartialEq)]
pub struct EnumBody {
    /// Enumerators in declaration order.
    pub values: Vec<(String, i128)>,
    /// The compatible integer type (gcc: `unsigned int` without negative values, else `int`,
    /// widened to `long`/`unsigned long` when a value does not fit; smallest type when packed).
    pub underlying: Prim,
    /// `__attribute__((packed))`.
    pub packed: bool,
}

/// A typedef: a name for another type, optionally with its own alignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Typedef {
    /// The typedef name.
    pub name: String,
    /// The aliased type.
    pub target: TypeId,
    /// `__attribute__((aligned(N)))` on the typedef, in bytes (gcc lets it lower the alignment).
    pub align: Option<u64>,
}
