//! `jitffi call`: declare, load, call one function with arguments written as C literals, print
//! the result.

use clap::{Args, ValueEnum};
use jitffi::literal::{self, Literal, Types};
use jitffi::{Backend, Ffi, Library, LoadOptions, Value};

#[derive(Copy, Clone, Debug, ValueEnum)]
enum BackendArg {
    /// The JIT stub, libffi where the JIT cannot compile the signature.
    Auto,
    /// The JIT stub only.
    Jit,
    /// libffi only.
    Libffi,
}

#[derive(Args, Debug)]
pub struct CallArgs {
    /// Which machinery performs the call.
    #[arg(long, value_enum, default_value = "auto")]
    backend: BackendArg,
    /// Print the result as one line of JSON (structs and unions as objects, arrays as arrays,
    /// pointers as hex strings, void as null).
    #[arg(long)]
    json: bool,
    /// The library: a path, a soname (libm.so.6) or a short name (m, c, glpk), found the way
    /// the dynamic linker would.
    #[arg(long, value_name = "LIB")]
    lib: String,
    /// C declarations that declare FUNC and the types it uses (repeatable).
    #[arg(long = "cdef", value_name = "DECLS", required = true)]
    cdefs: Vec<String>,
    /// The function to call.
    #[arg(value_name = "FUNC")]
    func: String,
    /// The arguments, each a C literal of its parameter's type: 42, -0x1f, 2.5, 'a',
    /// "text", NULL, {1, 2.5}, {.x = 1, .y = 2.5}; in a variadic tail, a cast gives the type:
    /// (long)5, (double)1.
    #[arg(value_name = "ARG", allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Runs `jitffi call`.
pub fn run(a: &CallArgs) -> Result<(), String> {
    let ffi = Ffi::new();
    for c in &a.cdefs {
        ffi.cdef(c).map_err(|e| e.to_string())?;
    }
    // SAFETY: loading a library runs its initialisers; the user names the library to call.
    let lib =
        unsafe { Library::open(&a.lib, &LoadOptions::default()) }.map_err(|e| e.to_string())?;
    let backend = match a.backend {
        BackendArg::Auto => Backend::Auto,
        BackendArg::Jit => Backend::Jit,
        BackendArg::Libffi => Backend::Libffi,
    };
    let f = ffi
        .function(&lib, &a.func)
        .map_err(|e| e.to_string())?
        .with_backend(backend);
    let (ret, params) = {
        let t = f.table();
        let ft = t
            .as_func(f.type_id())
            .ok_or_else(|| format!("{}: not a function", a.func))?;
        (ft.ret, ft.params.clone())
    };
    let lits = a
        .args
        .iter()
        .enumerate()
        .map(|(i, text)| {
            literal::parse(text)
                .map_err(|e| format!("{}: argument {} ({text}): {e}", a.func, i + 1))
        })
        .collect::<Result<Vec<Literal>, String>>()?;
    // Casts in the variadic tail name types, which may add (pointer, array) types to the
    // table: resolve them first, then take the table everything is read from.
    let mut types: Vec<Option<jitffi::ctype::TypeId>> = params.iter().copied().map(Some).collect();
    for (i, lit) in lits.iter().enumerate().skip(params.len()) {
        types.push(match lit {
            Literal::Cast { ty, .. } => Some(
                ffi.type_of(ty)
                    .map_err(|e| format!("{}: argument {}: {e}", a.func, i + 1))?
                    .id(),
            ),
            _ => None,
        });
    }
    let table = ffi.types();
    let cx = Types {
        table: &table,
        target: ffi.target(),
    };
    let mut values: Vec<Value<'_>> = Vec::with_capacity(lits.len());
    for (i, lit) in lits.iter().enumerate() {
        let v = match (types[i], lit) {
            // A cast in the variadic tail gives the type; the operand is the value.
            (Some(ty), Literal::Cast { value, .. }) if i >= params.len() => {
                literal::argument(cx, ty, value)
            }
            (Some(ty), _) => literal::argument(cx, ty, lit),
            (None, _) => literal::promoted_argument(cx, lit),
        };
        values.push(v.map_err(|e| format!("{}: argument {} ({}): {e}", a.func, i + 1, a.args[i]))?);
    }
    // SAFETY: the user vouches that the declaration matches the library's function and that
    // the arguments satisfy its preconditions; that is what the command does.
    let result = unsafe { f.call(&values) }.map_err(|e| e.to_string());
    // What the function printed through C's stdio comes before the result.
    // SAFETY: fflush(NULL) flushes every C output stream; always valid.
    unsafe { libc::fflush(std::ptr::null_mut()) };
    let result = result?;
    let shown =
        literal::result(cx, ret, &result).map_err(|e| format!("{}: result: {e}", a.func))?;
    if a.json {
        println!("{}", shown.to_json());
    } else if let Some(text) = char_pointer_text(&table, ret, &result) {
        println!("{text}");
    } else if result != Value::Void {
        println!("{shown}");
    }
    Ok(())
}

/// A `char *` result as a C string literal (text output only), when its memory is readable.
fn char_pointer_text(
    table: &jitffi::ctype::TypeTable,
    ret: jitffi::ctype::TypeId,
    v: &Value<'_>,
) -> Option<String> {
    use jitffi::ctype::{CType, Prim};
    let pointee = table.pointee(ret)?;
    if !matches!(
        table.raw_type(pointee),
        CType::Prim(Prim::Char | Prim::SChar | Prim::UChar)
    ) {
        return None;
    }
    let addr = v.as_ptr()? as usize;
    if addr == 0 {
        return None;
    }
    const MAX: usize = 1 << 16;
    let bytes = read_c_string(addr, MAX)?;
    let mut out = String::from("\"");
    for &b in &bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    if bytes.len() == MAX {
        out.push_str(" /* first 65536 bytes */");
    }
    Some(out)
}

/// Reads the NUL-terminated bytes at `addr` (at most `max`) without trusting the pointer:
/// `process_vm_readv` on our own process reports unmapped memory as an error instead of
/// faulting.
fn read_c_string(addr: usize, max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = addr;
    while out.len() < max {
        // Up to the end of the page, so a string that ends before an unmapped page is read.
        let chunk = (4096 - at % 4096).min(max - out.len());
        let mut buf = vec![0u8; chunk];
        let local = libc::iovec {
            iov_base: buf.as_mut_ptr().cast(),
            iov_len: chunk,
        };
        let remote = libc::iovec {
            iov_base: at as *mut libc::c_void,
            iov_len: chunk,
        };
        // SAFETY: `local` describes `buf`, writable for `chunk` bytes; the kernel checks
        // `remote` and fails with EFAULT instead of faulting.
        let n = unsafe { libc::process_vm_readv(libc::getpid(), &local, 1, &remote, 1, 0) };
        let n = usize::try_from(n).ok().filter(|&n| n > 0)?;
        if let Some(end) = buf[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&buf[..end]);
            return Some(out);
        }
        out.extend_from_slice(&buf[..n]);
        at += n;
    }
    Some(out)
}
