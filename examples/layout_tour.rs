//! A tour of declaring C at run time: cdef, type names, layouts, constants, errors, and a real
//! header read through the C preprocessor.
//!
//! `cargo run --example layout_tour`

use jitffi::ctype::CType;
use jitffi::{Ffi, HeaderOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ffi = Ffi::new();

    // Declarations accumulate; later cdefs see earlier types and constants.
    ffi.cdef(
        r#"
        #define NAME_LEN 16
        struct point { double x, y; };
        typedef struct {
            char name[NAME_LEN];
            struct point at;
            unsigned visible : 1, layer : 4;
            union { int id; const char *key; };
        } item_t;
        enum shape { CIRCLE, SQUARE = 4, TRIANGLE };
        double distance(const struct point *a, const struct point *b);
        "#,
    )?;
    ffi.cdef("_Static_assert(sizeof(item_t) == 48, \"item_t is 48 bytes\");")?;

    println!("sizeof(item_t) = {}", ffi.sizeof("item_t")?);
    println!(
        "offsetof(item_t, at.y) = {}",
        ffi.offsetof("item_t", "at.y")?
    );
    let layer = ffi.type_of("item_t")?.resolve("layer")?;
    println!(
        "item_t.layer: bit {} of width {}",
        layer.bitfield.map_or(0, |b| b.0),
        layer.bitfield.map_or(0, |b| b.1)
    );

    // Type names render back to C.
    let fp = ffi.type_of("double (*)(const struct point *, const struct point *)")?;
    println!("type_of(...) = '{fp}', size {}", fp.size()?);

    // Everything declared is introspectable.
    let t = ffi.types();
    let f = t.function("distance").ok_or("distance not declared")?;
    println!("function: {}", t.declare_function(f));
    if let Some(CType::Enum(e)) = t.tag("shape").map(|id| t.get(id)) {
        let body = e.body.as_ref().ok_or("enum shape is incomplete")?;
        println!(
            "enum shape: {:?} (as '{}')",
            body.values,
            body.underlying.c_name()
        );
    }

    // Errors point into the text, name the declaration, and change nothing.
    let before = ffi.types().len();
    let err = ffi
        .cdef("struct ok { int a; };\nstruct bad { int w : 40; unknown_t *p; };")
        .unwrap_err();
    println!("a bad cdef reports every problem:\n{err}");
    assert_eq!(
        ffi.types().len(),
        before,
        "a failed cdef leaves the table unchanged"
    );
    assert!(ffi.types().tag("ok").is_none());

    // Real headers go through the system C preprocessor.
    let zlib = Ffi::new();
    zlib.cdef_header("zlib.h", &HeaderOptions::default())?;
    println!(
        "zlib.h: sizeof(z_stream) = {}, offsetof(z_stream, total_out) = {}, ZLIB_VERSION = {:?}",
        zlib.sizeof("z_stream")?,
        zlib.offsetof("z_stream", "total_out")?,
        zlib.types()
            .constant("ZLIB_VERSION")
            .map(|c| c.value.clone()),
    );
    Ok(())
}
