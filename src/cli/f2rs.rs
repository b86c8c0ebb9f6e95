//! `jitffi f2rs`: Fortran sources to a Rust module of safe wrappers (`-o`) and a cdef of
//! their routines' C-ABI prototypes (`--cdef`).

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use jitffi::Ffi;
use jitffi::fortran::{self, Abi, Convention, Sources};

#[derive(Args, Debug)]
pub struct F2rsArgs {
    /// Fortran files (`.f` fixed form, `.f90` free form) or directories of them.
    #[arg(required_unless_present = "pyf", value_name = "SOURCES")]
    sources: Vec<PathBuf>,
    /// An f2py signature file (`.pyf`, or a `.pyf.src` template): its routines' call
    /// signatures replace the ones derived from the sources (repeatable).
    #[arg(long, value_name = "FILE")]
    pyf: Vec<PathBuf>,
    /// Write a Rust module of safe wrappers here (`mod lapack;` in your crate, with jitffi as
    /// a dependency); `-` for standard output.
    #[arg(short = 'o', long = "out", value_name = "OUT.rs")]
    out: Option<PathBuf>,
    /// The library the module's `Library::open_default` opens (`lapack`, `openblas`, a path).
    #[arg(long, value_name = "NAME")]
    lib: Option<String>,
    /// Leave the Rust module unformatted (default: formatted with rustfmt when installed).
    #[arg(long)]
    no_rustfmt: bool,
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
    for p in &a.pyf {
        if !p.exists() {
            return Err(format!("{}: no such file", p.display()));
        }
        sources = sources.pyf(p);
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
    let generated = a.out.as_ref().map(|_| {
        sigs.rust(
            &abi,
            &fortran::RustOptions {
                lib: a.lib.clone(),
                source: source_line(a),
                rustfmt: !a.no_rustfmt,
            },
        )
    });
    if let (Some(p), Some(g)) = (a.out.as_deref(), &generated) {
        if let Err(e) = &g.formatted {
            eprintln!("f2rs: the module is not formatted: {e}");
        }
        if p.as_os_str() == "-" {
            std::io::stdout()
                .write_all(g.code.as_bytes())
                .map_err(|e| e.to_string())?;
        } else {
            std::fs::write(p, &g.code).map_err(|e| format!("{}: {e}", p.display()))?;
        }
    }
    // A routine the cdef has is wrapped unless the Rust module could not take it.
    let skipped: Vec<_> = match &generated {
        Some(g) => sigs.skipped.iter().chain(&g.skipped).collect(),
        None => sigs.skipped.iter().chain(&unmapped).collect(),
    };
    let wrapped = match &generated {
        Some(g) => g.wrapped.len(),
        None => sigs.routines.len() - unmapped.len(),
    };
    if let Some(g) = &generated {
        eprintln!(
            "f2rs: {} generic families; {} methods unsafe (extents the documentation does not \
             give in terms of the arguments, or indices nothing checks{})",
            g.families.len(),
            g.unchecked.len(),
            if a.verbose {
                format!(": {}", g.unchecked.join(" "))
            } else {
                String::new()
            }
        );
    }
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

/// The sources as the module's header names them: file names, not the machine's paths.
fn source_line(a: &F2rsArgs) -> String {
    let names: Vec<String> = a
        .sources
        .iter()
        .map(|p| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let mut s = names.join(" ");
    if a.ilp64 {
        s.push_str(" --ilp64");
    }
    if a.f2c {
        s.push_str(" --f2c");
    }
    s
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
