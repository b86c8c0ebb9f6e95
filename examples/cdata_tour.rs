//! A tour of C data: owned memory filled from initializers, passed to libc, read back by
//! member path; bit-fields; keep-alive through pointer members and paths through them
//! (`next->value`); typed, untyped and compiled
//! member handles; errors.
//!
//! `cargo run --example cdata_tour`

use std::cell::Cell;
use std::rc::Rc;

use jitffi::cdata::Init;
use jitffi::{Ffi, Library, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ffi = Ffi::new();
    // glibc's `struct tm` on x86-64 Linux (jitffi probe checks it against <time.h>).
    ffi.cdef(
        "struct tm { int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday,
                     tm_isdst; long tm_gmtoff; const char *tm_zone; };
         typedef long time_t;
         struct tm *gmtime_r(const time_t *t, struct tm *out);
         size_t strftime(char *s, size_t max, const char *format, const struct tm *tm);
         struct flags { unsigned ready : 1; int level : 5; unsigned mode : 3; };
         struct node { int value; struct node *next; };
         struct point { double x, y; };",
    )?;
    let libc = Library::process();

    // Owned memory, passed to C as pointers, read back by member name.
    let t = ffi.alloc("time_t", Value::I64(1_000_000_000))?;
    let tm = ffi.alloc("struct tm", Init::Zero)?;
    let gmtime_r = ffi.function(&libc, "gmtime_r")?;
    // SAFETY: gmtime_r reads a time_t and fills a struct tm; both are valid owned objects.
    unsafe { gmtime_r.call(&[(&t).into(), (&tm).into()])? };
    println!(
        "gmtime_r(1e9): year {}, yday {}, hour {}",
        tm.get("tm_year")?,
        tm.get("tm_yday")?,
        tm.get("tm_hour")?
    );
    let buf = ffi.alloc_array("char", 64)?;
    let strftime = ffi.function(&libc, "strftime")?;
    // SAFETY: strftime writes at most 64 bytes into buf.
    unsafe {
        strftime.call(&[
            (&buf).into(),
            Value::U64(64),
            Value::str(c"%Y-%m-%d %H:%M:%S UTC"),
            (&tm).into(),
        ])?
    };
    println!("strftime: {}", String::from_utf8_lossy(&buf.string("")?));

    // Bit-fields: sign-extended reads, range-checked writes.
    let f = ffi.alloc(
        "struct flags",
        Init::fields([("ready", 1.into()), ("level", (-3).into())]),
    )?;
    println!(
        "flags: ready={} level={} bytes={:02x?}",
        f.get("ready")?,
        f.get("level")?,
        f.to_bytes()
    );
    println!("flags.level = 16: {}", f.set("level", 16).unwrap_err());

    // Keep-alive: a node stored into another's `next` lives as long as it is referenced.
    let freed = Rc::new(Cell::new(false));
    let tail = {
        let freed = freed.clone();
        ffi.alloc("struct node", Init::fields([("value", 2.into())]))?
            .gc(move || freed.set(true))
    };
    let head = ffi.alloc("struct node", Init::list([1.into(), (&tail).into()]))?;
    drop(tail);
    println!(
        "tail dropped by Rust, still alive through head.next: {}",
        !freed.get()
    );
    // Paths follow pointer members jitffi knows the extent of (here, the owned tail).
    head.set("next->value", 20)?;
    println!("head.next->value = {}", head.get("next->value")?);
    println!(
        "head.next->next->value: {}",
        head.get("next->next->value").unwrap_err()
    );
    head.set("next", Value::Ptr(jitffi::Pointer::null()))?;
    println!("head.next = NULL: tail freed: {}", freed.get());

    // Member handles over an array of structs.
    let point = ffi.type_of("struct point")?;
    let pts = point.alloc_array(1000)?;
    let x = point.accessor::<f64>("x")?;
    let xs = x.bind(&pts)?;
    for i in 0..xs.len() {
        xs.set(i, i as f64)?;
    }
    let y = point.compiled::<f64>("y")?;
    y.scatter(&pts, &vec![0.5; 1000])?;
    let mut out = vec![0.0; 1000];
    point.compiled::<f64>("x")?.gather(&pts, &mut out)?;
    println!(
        "sum of x = {}, pts[999] = {{{}, {}}}",
        out.iter().sum::<f64>(),
        pts.get("[999].x")?,
        point.member("y")?.get_in(&pts, 999)?
    );
    println!("pts[1000].x: {}", pts.get("[1000].x").unwrap_err());
    println!("x handle on a struct tm: {}", x.get(&tm).unwrap_err());
    Ok(())
}
