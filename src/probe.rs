//! Layout probes: C programs that make the C compiler print what jitffi computed, so the
//! compiler is the oracle.
//!
//! [`Probe::new`] walks a type table and writes a C program that prints, for every declared
//! struct, union, enum, typedef, constant, function and global: `sizeof` and `_Alignof`, each
//! member's `offsetof` (bit position and width for bit-fields, found by setting the field to all
//! ones and scanning the bytes), enumerator values and the enum's signedness, constant values and
//! their C types (`_Generic`), and whether jitffi's rendering of each function's, global's and
//! typedef's type is compatible with the compiler's (`__builtin_types_compatible_p`). Next to the
//! program it keeps the lines jitffi expects. [`Probe::check`] compiles and runs it and returns
//! every difference, worded CFFI-style ("'struct s' is 12 bytes in jitffi but 16 bytes in C").
//!
//! The program starts with a *prelude*: the cdef text itself (cdef syntax is C), or
//! `#include <header.h>` for declarations read by [`crate::Ffi::cdef_header`].

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use crate::ctype::{CType, ConstValue, Prim, TypeId, TypeTable};
use crate::layout::{self, Target};

/// Headers every probe includes so the builtin type names (`size_t`, `int8_t`, `FILE`,
/// `va_list`, `char16_t`, …) mean in C what they mean in a cdef.
pub const PROBE_INCLUDES: &str = "#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n\
#include <stdio.h>\n#include <string.h>\n#include <stdarg.h>\n#include <wchar.h>\n#include <uchar.h>\n\
#include <stdlib.h>\n#include <sys/types.h>\n";

/// A generated probe program and the output jitffi expects from it.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The C source.
    pub source: String,
    /// `(key, expected value)` per printed line, in order.
    pub expected: Vec<(String, String)>,
}

/// One difference between jitffi and the C compiler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// What was checked (`size struct point`, `offset struct s.a`, `const N`).
    pub key: String,
    /// What jitffi computed.
    pub ours: String,
    /// What the compiler printed (`<missing>` if it printed nothing for the key).
    pub theirs: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: jitffi says {}, the C compiler says {}",
            self.key, self.ours, self.theirs
        )
    }
}

/// Running a probe failed before any comparison could be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProbeError {
    /// Writing the source or running a program failed.
    Io(std::io::Error),
    /// The C compiler rejected the probe (the cdef is not valid C, or our rendering of a type
    /// is not).
    Compile {
        /// The compiler's messages.
        stderr: String,
    },
    /// The probe program failed.
    Run {
        /// What it printed on stderr.
        stderr: String,
    },
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Io(e) => write!(
                f,
                "probe I/O failed: {e} (is a C compiler installed? `apt-get install gcc`)"
            ),
            ProbeError::Compile { stderr } => {
                write!(f, "the C compiler rejected the probe:\n{stderr}")
            }
            ProbeError::Run { stderr } => write!(f, "the probe program failed:\n{stderr}"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl From<std::io::Error> for ProbeError {
    fn from(e: std::io::Error) -> Self {
        ProbeError::Io(e)
    }
}

struct Gen<'a> {
    t: &'a TypeTable,
    target: &'a Target,
    body: Vec<String>,
    expected: Vec<(String, String)>,
}

/// The C spelling of a type usable in the probe, if it has one. gcc's builtin `va_list`
/// structure (`struct __va_list_tag` on x86-64, `struct __va_list` on AArch64) cannot be
/// named in C; a parameter of that type adjusted to a pointer (x86-64's array type) is
/// spelled `__builtin_va_list`, which C adjusts the same way.
fn c_name(t: &TypeTable, id: TypeId) -> Option<String> {
    let s = t
        .display(id)
        .replace("struct __va_list_tag *", "__builtin_va_list");
    (!s.contains("<anonymous>") && !s.contains("struct __va_list")).then_some(s)
}

fn c_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Gen<'_> {
    fn line(&mut self, key: String, expected: String, c_expr_fmt: &str, c_args: &str) {
        let n = self.expected.len();
        self.body.push(format!(
            "printf(\"%d \" {c_expr_fmt} \"\\n\", {n}, {c_args});"
        ));
        self.expected.push((key, expected));
    }

    fn layout_lines(&mut self, label: &str, ty_expr: &str, id: TypeId) {
        if let Ok(l) = layout::layout_of(self.t, self.target, id) {
            self.line(
                format!("size {label}"),
                l.size.to_string(),
                "\"%zu\"",
                &format!("sizeof({ty_expr})"),
            );
            self.line(
                format!("align {label}"),
                l.align.to_string(),
                "\"%zu\"",
                &format!("_Alignof({ty_expr})"),
            );
        }
    }

    /// Members of the record `rec`, reached from `ty_expr` by `prefix` (`""`, `"in."`).
    fn fields(
        &mut self,
        label: &str,
        ty_expr: &str,
        outer: TypeId,
        rec: TypeId,
        prefix: &str,
        depth: u32,
    ) {
        if depth > 8 {
            return;
        }
        let Some(body) = self.t.as_record(rec).and_then(|r| r.body.as_ref()) else {
            return;
        };
        for f in &body.fields {
            let Some(name) = &f.name else {
                // A transparent anonymous member: its members are reached by name directly.
                if f.bit_width.is_none() && self.t.as_record(f.ty).is_some() {
                    self.fields(label, ty_expr, outer, f.ty, prefix, depth + 1);
                }
                continue;
            };
            let path = format!("{prefix}{name}");
            let Ok(target) = layout::resolve_path(self.t, self.target, outer, &path) else {
                continue;
            };
            match target.bitfield {
                Some((bit, width)) => {
                    let setter = if self.t.as_integer(f.ty) == Some(Prim::Bool) {
                        "1"
                    } else {
                        "-1"
                    };
                    let n = self.expected.len();
                    self.body.push(format!(
                        "{{ {ty_expr} v; memset(&v, 0, sizeof v); v.{path} = {setter}; probe_bits({n}, &v, sizeof v); }}"
                    ));
                    self.expected
                        .push((format!("bitfield {label}.{path}"), format!("{bit} {width}")));
                }
                None => {
                    self.line(
                        format!("offset {label}.{path}"),
                        target.offset.to_string(),
                        "\"%zu\"",
                        &format!("offsetof({ty_expr}, {path})"),
                    );
                    // Nested aggregates: anonymous ones have no name to be checked by, so
                    // check their members here; arrays of them through element 0.
                    let mut inner = f.ty;
                    let mut sub = format!("{path}.");
                    while let CType::Array { elem, .. } = self.t.raw_type(inner) {
                        inner = *elem;
                        sub = format!("{}[0].", sub.trim_end_matches('.'));
                    }
                    if self.t.as_record(inner).is_some() && c_name(self.t, inner).is_none() {
                        self.fields(label, ty_expr, outer, inner, &sub, depth + 1);
                    }
                }
            }
        }
    }
}

impl Probe {
    /// A probe for everything `t` declares beyond jitffi's builtins. `prelude` is C text that
    /// makes the same declarations for the compiler (the cdef itself, or `#include` lines).
    pub fn new(t: &TypeTable, target: &Target, prelude: &str) -> Probe {
        let mut g = Gen {
            t,
            target,
            body: Vec::new(),
            expected: Vec::new(),
        };
        for id in t.ids() {
            match t.get(id) {
                CType::Record(r) => {
                    let Some(tag) = &r.tag else { continue };
                    if tag.starts_with("__va_list") {
                        // gcc's own va_list structure cannot be named in C.
                        continue;
                    }
                    if t.tag(tag) != Some(id) || r.body.is_none() {
                        continue;
                    }
                    let expr = format!("{} {tag}", r.kind.keyword());
                    g.layout_lines(&expr, &expr, id);
                    g.fields(&expr, &expr, id, id, "", 0);
                }
                CType::Enum(e) => {
                    let Some(tag) = &e.tag else { continue };
                    let Some(body) = &e.body else { continue };
                    if t.tag(tag) != Some(id) {
                        continue;
                    }
                    let expr = format!("enum {tag}");
                    g.layout_lines(&expr, &expr, id);
                    let signed = body.underlying.is_signed(target.char_signed);
                    g.line(
                        format!("signed {expr}"),
                        u8::from(signed).to_string(),
                        "\"%d\"",
                        &format!("(({expr})-1 < 0)"),
                    );
                }
                CType::Typedef(td) => {
                    if t.typedef(&td.name) != Some(id) {
                        continue;
                    }
                    let name = td.name.clone();
                    g.layout_lines(&name, &name, id);
                    if t.as_record(id).is_some() && c_name(t, t.raw(id)).is_none() {
                        g.fields(&name, &name, id, t.raw(id), "", 0);
                    }
                    if let Some(target_name) = c_name(t, td.target) {
                        g.line(
                            format!("typedef {name}"),
                            "1".into(),
                            "\"%d\"",
                            &format!("__builtin_types_compatible_p({name}, {target_name})"),
                        );
                    }
                }
                _ => {}
            }
        }
        for c in t.constants() {
            let name = &c.name;
            match &c.value {
                ConstValue::Int { value, ty } => {
                    let (fmt, cast) = if *value < 0 {
                        ("\"%lld\"", "long long")
                    } else {
                        ("\"%llu\"", "unsigned long long")
                    };
                    g.line(
                        format!("const {name}"),
                        value.to_string(),
                        fmt,
                        &format!("({cast})({name})"),
                    );
                    if c.enum_type.is_none() {
                        g.line(
                            format!("type {name}"),
                            c_string(ty.c_name()),
                            "\"\\\"%s\\\"\"",
                            &format!("PROBE_TYPE_NAME({name})"),
                        );
                    }
                }
                ConstValue::Float { value, .. } => {
                    g.line(
                        format!("const {name}"),
                        format!("{value:e}"),
                        "\"%s\"",
                        &format!("probe_float((double)({name}))"),
                    );
                }
                ConstValue::Pointer { value, ty } => {
                    g.line(
                        format!("const {name}"),
                        value.to_string(),
                        "\"%llu\"",
                        &format!("(unsigned long long)(uintptr_t)({name})"),
                    );
                    if let Some(ty) = c_name(t, *ty) {
                        g.line(
                            format!("type {name}"),
                            "1".into(),
                            "\"%d\"",
                            &format!("__builtin_types_compatible_p(__typeof__({name}), {ty})"),
                        );
                    }
                }
                ConstValue::Str(s) => {
                    let hex: String = s.iter().map(|b| format!("{b:02x}")).collect();
                    let n = g.expected.len();
                    g.body
                        .push(format!("probe_hex({n}, {name}, sizeof({name}) - 1);"));
                    g.expected.push((format!("const {name}"), hex));
                }
            }
        }
        for f in t.functions() {
            let Some(ty) = c_name(t, f.ty) else { continue };
            g.line(
                format!("function {}", f.name),
                "1".into(),
                "\"%d\"",
                &format!("__builtin_types_compatible_p(__typeof__({}), {ty})", f.name),
            );
        }
        for gl in t.globals() {
            let Some(ty) = c_name(t, gl.ty) else { continue };
            g.line(
                format!("global {}", gl.name),
                "1".into(),
                "\"%d\"",
                &format!(
                    "__builtin_types_compatible_p(__typeof__({}), {ty})",
                    gl.name
                ),
            );
        }
        let mut src = String::new();
        src.push_str(PROBE_INCLUDES);
        src.push_str(prelude);
        src.push_str(PROBE_HELPERS);
        // Many small functions compile much faster than one huge `main`.
        let chunks: Vec<&[String]> = g.body.chunks(400).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            let _ = writeln!(src, "static void probe_part{i}(void) {{");
            for stmt in *chunk {
                let _ = writeln!(src, "  {stmt}");
            }
            src.push_str("}\n");
        }
        src.push_str("int main(void) {\n");
        for i in 0..chunks.len() {
            let _ = writeln!(src, "  probe_part{i}();");
        }
        src.push_str("  return 0;\n}\n");
        Probe {
            source: src,
            expected: g.expected,
        }
    }

    /// Compiles the probe with `cc` (or `$CC`) in `dir`, runs it, and returns every line where
    /// the compiler disagrees with jitffi (empty: everything matches).
    ///
    /// # Errors
    ///
    /// [`ProbeError`] if the probe does not compile or run.
    pub fn check(&self, dir: &Path, extra_cc_args: &[&str]) -> Result<Vec<Mismatch>, ProbeError> {
        let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
        self.check_with(dir, &cc, extra_cc_args, None)
    }

    /// [`Probe::check`] with compiler `cc` and, if given, a `runner` that runs the program:
    /// for a probe of another target, its cross compiler and an emulator
    /// (`aarch64-linux-gnu-gcc` with `-static`, run by `qemu-aarch64`).
    ///
    /// # Errors
    ///
    /// [`ProbeError`] if the probe does not compile or run.
    pub fn check_with(
        &self,
        dir: &Path,
        cc: &str,
        cc_args: &[&str],
        runner: Option<&str>,
    ) -> Result<Vec<Mismatch>, ProbeError> {
        std::fs::create_dir_all(dir)?;
        let c_file = dir.join("probe.c");
        let exe = dir.join("probe");
        std::fs::write(&c_file, &self.source)?;
        let out = Command::new(cc)
            .args(["-w", "-std=gnu11", "-O0", "-o"])
            .arg(&exe)
            .arg(&c_file)
            .args(cc_args)
            .output()?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first: String = stderr.lines().take(30).collect::<Vec<_>>().join("\n");
            return Err(ProbeError::Compile { stderr: first });
        }
        let run = match runner {
            Some(r) => Command::new(r).arg(&exe).output()?,
            None => Command::new(&exe).output()?,
        };
        if !run.status.success() {
            return Err(ProbeError::Run {
                stderr: String::from_utf8_lossy(&run.stderr).into_owned(),
            });
        }
        let stdout = String::from_utf8_lossy(&run.stdout);
        let mut got: Vec<Option<String>> = vec![None; self.expected.len()];
        for line in stdout.lines() {
            let (n, rest) = line.split_once(' ').unwrap_or((line, ""));
            if let Ok(n) = n.parse::<usize>()
                && n < got.len()
            {
                got[n] = Some(rest.to_string());
            }
        }
        let mut mismatches = Vec::new();
        for ((key, ours), theirs) in self.expected.iter().zip(got) {
            let theirs = theirs.unwrap_or_else(|| "<missing>".into());
            if *ours != theirs {
                mismatches.push(Mismatch {
                    key: key.clone(),
                    ours: ours.clone(),
                    theirs,
                });
            }
        }
        Ok(mismatches)
    }
}

/// Helpers every probe uses: bit-field scanning, hex strings, float formatting, type names.
const PROBE_HELPERS: &str = r#"
static void probe_bits(int n, const void *p, size_t size) {
    const unsigned char *b = (const unsigned char *)p;
    long first = -1, count = 0;
    for (size_t i = 0; i < size * 8; i++)
        if ((b[i / 8] >> (i % 8)) & 1) { if (first < 0) first = (long)i; count++; }
    printf("%d %ld %ld\n", n, first, count);
}
static void probe_hex(int n, const char *s, size_t len) {
    printf("%d ", n);
    for (size_t i = 0; i < len; i++) printf("%02x", (unsigned char)s[i]);
    printf("\n");
}
static const char *probe_float(double v) {
    static char buf[64];
    /* Match Rust's {:e}: shortest round-trip digits, exponent without padding. */
    for (int prec = 0; prec < 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec, v);
        if (strtod(buf, 0) == v) break;
    }
    char *e = strchr(buf, 'e');
    if (e) {
        char mant[48]; size_t ml = (size_t)(e - buf); memcpy(mant, buf, ml); mant[ml] = 0;
        int ex = atoi(e + 1);
        snprintf(buf, sizeof buf, "%se%d", mant, ex);
    }
    return buf;
}
#define PROBE_TYPE_NAME(x) _Generic((x), \
    _Bool: "_Bool", char: "char", signed char: "signed char", unsigned char: "unsigned char", \
    short: "short", unsigned short: "unsigned short", int: "int", unsigned int: "unsigned int", \
    long: "long", unsigned long: "unsigned long", long long: "long long", \
    unsigned long long: "unsigned long long", __int128: "__int128", \
    unsigned __int128: "unsigned __int128", default: "?")
"#;
