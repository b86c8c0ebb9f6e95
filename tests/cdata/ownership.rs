//! Ownership: memory freed with the last view and gc run once, owned data kept alive by the
//! pointer member it is stored in, aligned and zeroed allocations (with the checked fallback),
//! and reused small blocks (zeroed; each thread frees its cache).

use std::cell::Cell;
use std::rc::Rc;

use jitffi::cdata::Init;
use jitffi::{CData, Ffi, Value};

#[test]
fn memory_is_freed_with_the_last_view_and_gc_runs_once() {
    let ffi = Ffi::new();
    ffi.cdef("struct node { int v; struct node *next; };")
        .unwrap();
    let count = Rc::new(Cell::new(0));
    let n = ffi
        .alloc("struct node", Init::fields([("v", 1.into())]))
        .unwrap();
    let c2 = count.clone();
    let n = n.gc(move || c2.set(c2.get() + 1));
    let field = n.at("v").unwrap();
    drop(n);
    assert_eq!(count.get(), 0, "a member view keeps the object alive");
    assert_eq!(field.get("").unwrap(), Value::I32(1));
    drop(field);
    assert_eq!(count.get(), 1, "the destructor ran when the last view went");
}

#[test]
fn storing_owned_data_into_a_pointer_member_keeps_it_alive() {
    let ffi = Ffi::new();
    ffi.cdef("struct node { int v; struct node *next; };")
        .unwrap();
    let freed = Rc::new(Cell::new(0));
    let tail = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::fields([("v", 2.into())]))
            .unwrap()
            .gc(move || f.set(f.get() + 1))
    };
    let head = ffi
        .alloc(
            "struct node",
            Init::fields([("v", 1.into()), ("next", (&tail).into())]),
        )
        .unwrap();
    drop(tail);
    assert_eq!(freed.get(), 0, "head.next keeps tail alive");
    // SAFETY: head.next points to the node stored above, kept alive by head.
    let next = unsafe { head.deref("next", None) }.unwrap();
    assert_eq!(next.get("v").unwrap(), Value::I32(2));
    drop(next);
    assert_eq!(freed.get(), 0);
    // Overwriting the member releases it.
    head.set("next", Value::Ptr(jitffi::Pointer::null()))
        .unwrap();
    assert_eq!(freed.get(), 1, "setting next to NULL released tail");
    // A typed accessor store releases too; dropping the holder releases what it holds.
    let other = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::Zero)
            .unwrap()
            .gc(move || f.set(f.get() + 10))
    };
    head.set("next", &other).unwrap();
    drop(other);
    let node = ffi.type_of("struct node").unwrap();
    node.accessor::<*mut u8>("next")
        .unwrap()
        .set(&head, std::ptr::null_mut())
        .unwrap();
    assert_eq!(freed.get(), 11);
    let again = {
        let f = freed.clone();
        ffi.alloc("struct node", Init::Zero)
            .unwrap()
            .gc(move || f.set(f.get() + 100))
    };
    head.set("next", &again).unwrap();
    drop(again);
    drop(head);
    assert_eq!(freed.get(), 111, "dropping head released what it held");
    // Pointers must be compatible.
    let ints = ffi.alloc("int[2]", Init::Zero).unwrap();
    let h2 = ffi.alloc("struct node", Init::Zero).unwrap();
    let e = h2.set("next", &ints).unwrap_err();
    assert_eq!(
        e.to_string(),
        "struct node .next: cannot convert a pointer of type 'int *' to 'struct node *'"
    );
    // Arrays of pointers keep their elements' referents too.
    let strs = ffi.alloc("char *[2]", Init::Zero).unwrap();
    let hello = ffi.alloc("char[]", Value::str(c"hello")).unwrap();
    strs.set("[1]", &hello).unwrap();
    drop(hello);
    // SAFETY: strs[1] points to the string stored above, kept alive by strs.
    let s = unsafe { ffi.string(&strs.get("[1]").unwrap(), None) }.unwrap();
    assert_eq!(s, b"hello");
}

#[test]
fn allocations_are_aligned_zeroed_and_fall_back_to_checked_initialization() {
    let ffi = Ffi::new();
    ffi.cdef(
        "struct wide { char c; double d; } __attribute__((aligned(64)));
         struct odd { char a[3]; };
         struct point { double x, y; };
         struct fwd;",
    )
    .unwrap();
    // Over-aligned objects and arrays (posix_memalign), alive together.
    let mut wides: Vec<CData<'static>> = (0..50)
        .map(|i| {
            let w = ffi.alloc("struct wide", Init::Zero).unwrap();
            w.set("d", f64::from(i)).unwrap();
            w
        })
        .collect();
    for (i, w) in wides.iter_mut().enumerate() {
        let at = w.addr() as usize;
        assert_eq!(at % 64, 0, "struct wide #{i} at {at:#x}");
        assert_eq!(w.get("d").unwrap(), Value::F64(i as f64));
        assert_eq!(w.buffer().unwrap().len(), 64);
    }
    let mut arr = ffi.alloc_array("struct wide", 3).unwrap();
    assert_eq!(arr.addr() as usize % 64, 0);
    assert!(arr.buffer().unwrap().iter().all(|&b| b == 0));
    // Sizes that are not a multiple of a word, and empty arrays.
    let mut odd = ffi.alloc("struct odd", Init::Zero).unwrap();
    assert_eq!(odd.buffer().unwrap(), &[0, 0, 0]);
    let none = ffi.alloc_array("int", 0).unwrap();
    assert_eq!(none.len(), Some(0));
    assert!(none.get("[0]").is_err());
    let mut big = ffi.alloc_array("double", 1000).unwrap();
    assert!(big.buffer().unwrap().iter().all(|&b| b == 0));

    // `alloc_values`: the positional fast path, and the checked path for the rest.
    let point = ffi.type_of("struct point").unwrap();
    let p = point
        .alloc_values(&[Value::F64(1.5), Value::F64(2.5)])
        .unwrap();
    assert_eq!(
        (p.get("x").unwrap(), p.get("y").unwrap()),
        (Value::F64(1.5), Value::F64(2.5))
    );
    let p = point.alloc_values(&[Value::F64(1.5)]).unwrap();
    assert_eq!(
        p.get("y").unwrap(),
        Value::F64(0.0),
        "missing members are zero"
    );
    let p = point
        .alloc_values(&[Value::I32(3), Value::F64(2.5)])
        .unwrap();
    assert_eq!(
        p.get("x").unwrap(),
        Value::F64(3.0),
        "converted as a call would"
    );
    let e = |r: Result<CData<'static>, jitffi::CDataError>| r.unwrap_err().to_string();
    assert_eq!(
        e(point.alloc_values(&[Value::F64(1.0), Value::F64(2.0), Value::F64(3.0)])),
        "3 initializers for 'struct point', which has 2 members"
    );
    assert_eq!(
        e(point.alloc_values(&[Value::str(c"x")])),
        "member 1: cannot convert string to 'double'"
    );
    assert_eq!(
        e(ffi.type_of("struct fwd").unwrap().alloc_values(&[])),
        "cannot allocate 'struct fwd': incomplete type"
    );
    let wide = ffi.type_of("struct wide").unwrap();
    let w = wide.alloc_values(&[Value::I8(7), Value::F64(0.5)]).unwrap();
    assert_eq!(w.addr() as usize % 64, 0);
    assert_eq!(w.get("c").unwrap(), Value::I8(7));

    // A compiled member bound to a view: the index is checked, the type once.
    let y = point.compiled::<f64>("y").unwrap();
    let pts = point.alloc_array(4).unwrap();
    let ys = y.bind(&pts).unwrap();
    for i in 0..ys.len() {
        ys.set(i, i as f64 * 2.0).unwrap();
    }
    assert_eq!(pts.get("[3].y").unwrap(), Value::F64(6.0));
    assert_eq!(ys.get(2).unwrap(), 4.0);
    assert_eq!(
        ys.get(4).unwrap_err().to_string(),
        "struct point .y: index 4 is out of bounds for 'struct point[4]'"
    );
    assert_eq!(
        y.bind(&w).unwrap_err().to_string(),
        "struct point .y: used on 'struct wide'"
    );
}

#[test]
fn reused_small_blocks_come_back_zeroed_and_threads_free_their_cache() {
    // Small objects are made from blocks the thread keeps after their last view goes. A block
    // must come back as new memory: zeroed, or fully written by the values given.
    let ffi = Ffi::new();
    ffi.cdef("struct point { double x, y; }; struct pad { char c; double d; };")
        .unwrap();
    let point = ffi.type_of("struct point").unwrap();
    let pad = ffi.type_of("struct pad").unwrap();
    for round in 0..200 {
        let full = point
            .alloc_values(&[Value::F64(f64::from(round)), Value::F64(-1.0)])
            .unwrap();
        assert_eq!(full.get("y").unwrap(), Value::F64(-1.0));
        drop(full);
        let mut bytes = ffi.alloc_array("char", 16).unwrap();
        assert!(
            bytes.buffer().unwrap().iter().all(|&b| b == 0),
            "round {round}"
        );
        bytes.buffer().unwrap().fill(0xAB);
        drop(bytes);
        let half = point.alloc_values(&[Value::F64(1.0)]).unwrap();
        assert_eq!(half.get("y").unwrap(), Value::F64(0.0), "round {round}");
        // Padding is zeroed too (the values do not cover it).
        let mut p = pad.alloc_values(&[Value::I8(1), Value::F64(2.0)]).unwrap();
        assert_eq!(&p.buffer().unwrap()[1..8], &[0; 7], "round {round}");
        // Every size class, several alive at once.
        let many: Vec<CData<'static>> = (1..=130)
            .map(|n| ffi.alloc_array("char", n).unwrap())
            .collect();
        for mut m in many {
            assert!(m.buffer().unwrap().iter().all(|&b| b == 0));
            m.buffer().unwrap().fill(0xCD);
        }
    }
    // A thread that fills its cache and ends frees it (valgrind checks this in CI).
    std::thread::spawn(|| {
        let ffi = Ffi::new();
        ffi.cdef("struct point { double x, y; };").unwrap();
        let point = ffi.type_of("struct point").unwrap();
        let keep: Vec<CData<'static>> = (0..500)
            .map(|i| point.alloc_values(&[Value::F64(f64::from(i))]).unwrap())
            .collect();
        assert_eq!(keep[499].get("x").unwrap(), Value::F64(499.0));
    })
    .join()
    .unwrap();
}
