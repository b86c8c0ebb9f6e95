//! Subcommands of the `jitffi` binary (not part of the library).

mod bench;
mod bench_data;
mod bench_floor;
mod bench_fortran;
mod call;
mod f2rs;
mod logger;
mod measure;
mod peerlib;

use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use jitffi::dump::{self, DumpOptions};
use jitffi::{Ffi, HeaderOptions};

/// Call C-ABI code declared at run time in C syntax.
#[derive(Parser, Debug)]
#[command(name = "jitffi", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print every type, function, global and constant of a cdef file or real header, with
    /// sizes, alignments, member offsets and bit positions.
    Layout(LayoutArgs),
    /// Check declarations against the C compiler: compile a probe that prints sizeof, _Alignof,
    /// offsetof, bit positions, enum and constant values, and compare with jitffi.
    Probe(LayoutArgs),
    /// Call a function of a shared library, declared in C, with arguments written as C
    /// literals; print the result (as C, or as JSON with --json).
    Call(call::CallArgs),
    /// Run benchmarks: calls (native, typed, untyped JIT, libffi; calls by name; callbacks;
    /// engine start and stub compile time), C data (accessors, gather/scatter, allocation),
    /// cdef parsing and Fortran (BLAS/LAPACK through jitffi::fortran).
    Bench(bench::BenchArgs),
    /// Read Fortran sources (fixed or free form) and write the C-ABI prototypes of their
    /// routines as a cdef, hidden CHARACTER lengths included; report what cannot be wrapped.
    F2rs(f2rs::F2rsArgs),
}

#[derive(Args, Debug)]
struct LayoutArgs {
    /// Print JSON (schema: see the `jitffi::dump` documentation).
    #[arg(long)]
    json: bool,
    /// Include jitffi's builtin typedefs (size_t, int64_t, ...).
    #[arg(long)]
    builtins: bool,
    /// A real header to read through the C preprocessor (repeatable), e.g. `zlib.h`.
    #[arg(long = "header", value_name = "NAME")]
    headers: Vec<String>,
    /// An include directory for --header (repeatable).
    #[arg(long = "include-dir", value_name = "DIR")]
    include_dirs: Vec<PathBuf>,
    /// A preprocessor definition for --header, `NAME` or `NAME=VALUE` (repeatable).
    #[arg(long = "define", value_name = "K=V")]
    defines: Vec<String>,
    /// A cdef file to declare (`-` for standard input).
    file: Option<PathBuf>,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), String> {
    logger::init()?;
    match cli.command {
        Command::Layout(a) => layout(&a),
        Command::Probe(a) => probe(&a),
        Command::Call(a) => call::run(&a),
        Command::Bench(a) => bench::run(&a),
        Command::F2rs(a) => f2rs::run(&a),
    }
}

/// Declares what the arguments name and returns the context plus the C text a probe needs.
fn declare(a: &LayoutArgs) -> Result<(Ffi, String), String> {
    if a.headers.is_empty() && a.file.is_none() {
        return Err(
            "nothing to declare: give a cdef FILE (or - for stdin) and/or --header NAME".into(),
        );
    }
    let ffi = Ffi::new();
    let mut prelude = String::new();
    let opts = HeaderOptions {
        include_dirs: a.include_dirs.clone(),
        defines: a
            .defines
            .iter()
            .map(|d| match d.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (d.clone(), None),
            })
            .collect(),
        ..HeaderOptions::default()
    };
    for d in &opts.defines {
        match &d.1 {
            Some(v) => prelude.push_str(&format!("#define {} {v}\n", d.0)),
            None => prelude.push_str(&format!("#define {}\n", d.0)),
        }
    }
    for h in &a.headers {
        ffi.cdef_header(h, &opts).map_err(|e| e.to_string())?;
        prelude.push_str(&format!("#include <{h}>\n"));
    }
    if let Some(f) = &a.file {
        let text = if f.as_os_str() == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            s
        } else {
            std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?
        };
        ffi.cdef(&text).map_err(|e| e.to_string())?;
        prelude.push_str(&text);
        prelude.push('\n');
    }
    Ok((ffi, prelude))
}

fn layout(a: &LayoutArgs) -> Result<(), String> {
    let (ffi, _) = declare(a)?;
    let opts = DumpOptions {
        builtins: a.builtins,
    };
    let t = ffi.types();
    if a.json {
        println!("{}", dump::to_json(&t, ffi.target(), opts));
    } else {
        print!("{}", dump::to_text(&t, ffi.target(), opts));
    }
    Ok(())
}

fn probe(a: &LayoutArgs) -> Result<(), String> {
    let (ffi, prelude) = declare(a)?;
    let p = jitffi::probe::Probe::new(&ffi.types(), ffi.target(), &prelude);
    let dir = std::env::temp_dir().join(format!("jitffi-probe-{}", std::process::id()));
    let mismatches = p.check(&dir, &[]).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    if mismatches.is_empty() {
        println!(
            "{} checks: every size, alignment, offset, bit position, value and type matches the C compiler",
            p.expected.len()
        );
        Ok(())
    } else {
        for m in &mismatches {
            println!("{m}");
        }
        Err(format!(
            "{} of {} checks differ from the C compiler",
            mismatches.len(),
            p.expected.len()
        ))
    }
}
