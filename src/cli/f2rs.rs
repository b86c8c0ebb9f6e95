//! `jitffi f2rs`: Fortran sources to a cdef of their routines' C-ABI prototypes.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use jitffi::Ffi;
use jitffi::fortran::{self, Abi, Convention, Sources};

#[derive(Args, Debug)]
pub struct F2rsArgs {
    /// Fortran files (`.f` fixed form, `.f90` free form) or directories of them.
    #[arg(required = true, value_name = "SOURCES")]
    sources: Vec<PathBuf>,
    /// Write the C prototypes (a cdef for `Ffi::cdef`) here; `-` for standard output.
    #[arg(long, value_name = "OUT.h")]
    cdef: Option<PathBuf>,
    /// Default INTEGER and LOGICAL are 8 bytes (`-fdefault-integer-8`, ILP64 BLAS/LAPACK).
    #[arg(long)]
    ilp64: bool,
    /// The library returns COMPLEX results through a hidden pointer and REAL as double (f2c,
    /// g77, `gfortran -ff2c`, Accelerate).
    #[arg(long)]
    f2c: bool,
    /// Put before every symbol.
    #[arg(long, default_value = "")]
    prefix: String,
    /// Put after every symbol (OpenBLAS's ILP64 build: `_64_`).
    #[arg(long, default_value = "_")]
    suffix: String,
    /// Names with an underscore inside get a second one (`la_foo__`): f2c, g77, and gfortran
    /// with -ff2c.
    #[arg(long)]
    second_underscore: bool,
    /// A kind parameter the sources use but do not define, `NAME=BYTES` (repeatable).
    #[arg(long = "kind", value_name = "NAME=BYTES")]
    kinds: Vec<String>,
    /// A directory searched for INCLUDE files (repeatable).
    #[arg(short = 'I', value_name = "DIR")]
    include_dirs: Vec<PathBuf>,
    /// List every skipped routine (default: a count per reason).
    #[arg(long)]
    verbose: bool,
}

pub fn run(a: &F2rsArgs) -> Result<(), String> {
    let mut sources = Sources::new();
    for p in &a.sources {
        if p.is_dir() {
            sources = sources.dir(p);
        } else if p.exists() {
            sources = sources.file(p);
        } else {
            return Err(format!("{}: no such file or directory", p.display()));
        }
    }
    for d in &a.include_dirs {
        sources = sources.include_dir(d);
    }
    for k in &a.kinds {
        let (name, bytes) = k
            .split_once('=')
            .and_then(|(n, b)| Some((n, b.parse::<i64>().ok()?)))
            .ok_or_else(|| format!("--kind {k}: expected NAME=BYTES, e.g. wp=8"))?;
        sources = sources.kind(name, bytes);
    }
    let abi = Abi {
        ilp64: a.ilp64,
        convention: if a.f2c {
            Convention::F2c
        } else {
            Convention::Gfortran
        },
        prefix: a.prefix.clone(),
        suffix: a.suffix.clone(),
        second_underscore: a.second_underscore,
    };
    let start = std::time::Instant::now();
    let bar = std::io::stderr().is_terminal();
    let sigs = fortran::read_with_progress(&sources, &mut |done, total| {
        if bar && (done % 25 == 0 || done == total) {
            let width = 40;
            let filled = done * width / total.max(1);
            eprint!(
                "\r[{}{}] {done}/{total} files",
                "#".repeat(filled),
                " ".repeat(width - filled)
            );
            if done == total {
                eprintln!();
            }
        }
    })
    .map_err(|e| e.to_string())?;
    let (cdef, unmapped) = sigs.cdef(&abi);
    // The declarations must be what jitffi's own parser accepts.
    Ffi::new()
        .cdef(&cdef)
        .map_err(|e| format!("the generated cdef does not parse (a bug in f2rs): {e}"))?;
    match a.cdef.as_deref() {
        Some(p) if p.as_os_str() == "-" => {
            std::io::stdout()
                .write_all(cdef.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        Some(p) => std::fs::write(p, &cdef).map_err(|e| format!("{}: {e}", p.display()))?,
        None => {}
    }
    let skipped: Vec<_> = sigs.skipped.iter().chain(&unmapped).collect();
    let wrapped = sigs.routines.len() - unmapped.len();
    if a.verbose {
        for s in &skipped {
            eprintln!("skipped {s}");
        }
    } else {
        let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
        for s in &skipped {
            *by_reason.entry(reason_class(&s.reason)).or_default() += 1;
        }
        for (reason, n) in by_reason {
            eprintln!("skipped {n}: {reason}");
        }
    }
    eprintln!(
        "f2rs: {} files, {} routines read, {wrapped} wrapped, {} skipped ({:.2} s)",
        sigs.files,
        sigs.routines.len() + sigs.skipped.len(),
        skipped.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A reason without the names in it, to count alike ones together.
fn reason_class(r: &str) -> String {
    let mut out = String::new();
    let mut words = r.split(' ').peekable();
    while let Some(w) = words.next() {
        if w == "dummy" {
            out.push_str("dummy X ");
            words.next();
            continue;
        }
        out.push_str(w);
        out.push(' ');
    }
    out.trim_end().to_string()
}
