//! Paths through pointer members (`a->b`, `next->next->v`) against C, both ways, with their
//! null, type, path, bounds and untracked-memory errors.

use crate::common;
use jitffi::cdata::Init;
use jitffi::{CData, CDataErrorKind, Value};

/// Calls a fixture function whose arguments are C data the test owns.
fn c_call(f: &jitffi::Function, args: &[Value<'_>]) -> Value<'static> {
    // SAFETY: every fixture function is declared as tests/c/fixture.c defines it, and the
    // C data passed is alive and large enough for what the function touches.
    unsafe { f.call(args) }.unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn pointer_members_in_paths_agree_with_c_both_ways() {
    let (ffi, lib) = common::fixture();
    let f = |name: &str| ffi.function(&lib, name).unwrap();
    let (sum, set) = (f("fx_node_sum"), f("fx_node_set"));

    // A list of three owned nodes linked through `next` (each kept alive by its member).
    let nodes: Vec<CData<'static>> = (0..3)
        .map(|i| {
            ffi.alloc("struct fx_node", Init::fields([("v", Init::from(i + 1))]))
                .unwrap()
        })
        .collect();
    nodes[0].set("next", &nodes[1]).unwrap();
    nodes[1].set("next", &nodes[2]).unwrap();
    let head = nodes[0].clone();
    drop(nodes);
    // Written by C, read through the path.
    c_call(&set, &[head.ptr(), Value::I32(2), Value::I32(42)]);
    assert_eq!(head.get("next->next->v").unwrap(), Value::I32(42));
    assert_eq!(head.get("next -> v").unwrap(), Value::I32(2));
    // Written through the path, read by C.
    head.set("next->v", 20).unwrap();
    head.set("next->next->v", Init::from(300)).unwrap();
    assert_eq!(c_call(&sum, &[head.ptr()]), Value::I64(1 + 20 + 300));
    // A path ending in a pointer member is that member (`head->next->next`, a pointer), and
    // the address of a member through it is the pointee's.
    let link = head.at("next->next").unwrap();
    assert_eq!(link.type_name(), "struct fx_node *");
    assert_eq!(
        head.addressof("next->next->v").unwrap().as_ptr(),
        link.get("").unwrap().as_ptr()
    );
    // NULL names the step.
    let e = head.get("next->next->next->v").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Null);
    assert_eq!(
        e.to_string(),
        "struct fx_node .next->next->next->v: 'next->next->next' is NULL"
    );
    let e = head.get("v->x").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Type);
    assert_eq!(
        e.to_string(),
        "struct fx_node .v->x: 'v' is not a pointer ('int32_t')"
    );
    assert_eq!(
        head.get("next.v").unwrap_err().to_string(),
        "cannot take member 'v' of 'struct fx_node *', which is not a struct or union \
         (follow the pointer with '->v')"
    );
    let e = head.get("next->w").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Path);
    assert!(
        e.to_string().starts_with("struct fx_node .next->w: "),
        "{e}"
    );
    // A node pointing into its own allocation (an array of nodes) is checked against it.
    let ring = ffi.alloc_array("struct fx_node", 2).unwrap();
    ring.set("[0].next", &ring.index(1).unwrap()).unwrap();
    ring.set("[1].next", &ring.index(0).unwrap()).unwrap();
    ring.set("[1].v", 5).unwrap();
    assert_eq!(ring.get("[0].next->next->next->v").unwrap(), Value::I32(5));

    // Counted arrays: items points to an owned array of 4, n says how many.
    let list = ffi.alloc("struct fx_bag", Init::Zero).unwrap();
    let items = ffi.alloc_array("struct fx_item", 4).unwrap();
    list.set("n", 4).unwrap();
    list.set("items", &items).unwrap();
    drop(items);
    for i in 0..4 {
        list.set(&format!("items->[{i}].w"), 0.5 * f64::from(i))
            .unwrap();
        c_call(
            &f("fx_bag_set_x"),
            &[list.ptr(), Value::I32(i), Value::I32(10 + i)],
        );
    }
    assert_eq!(list.get("items->[3].x").unwrap(), Value::I32(13));
    assert_eq!(list.get("items->x").unwrap(), Value::I32(10));
    let dot: f64 = (0..4).map(|i| f64::from(10 + i) * 0.5 * f64::from(i)).sum();
    assert_eq!(c_call(&f("fx_bag_dot"), &[list.ptr()]), Value::F64(dot));
    assert_eq!(list.at("items->[0]").unwrap().type_name(), "struct fx_item");
    let e = list.get("items->[4].x").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::OutOfBounds);
    assert_eq!(
        e.to_string(),
        "struct fx_bag .items->[4].x: index 4 is out of bounds for 'struct fx_item[4]'"
    );
    // Pointing at element 2: two elements are left.
    list.set("items", &list.at("items->[2]").unwrap()).unwrap();
    assert_eq!(list.get("items->[1].x").unwrap(), Value::I32(13));
    assert_eq!(
        list.get("items->[2].x").unwrap_err().kind(),
        CDataErrorKind::OutOfBounds
    );

    // p->q->r over three owned objects, both ways.
    let (p, q, r) = (
        ffi.alloc("struct fx_p", Init::Zero).unwrap(),
        ffi.alloc("struct fx_q", Init::Zero).unwrap(),
        ffi.alloc("struct fx_r", Init::Zero).unwrap(),
    );
    q.set("r", &r).unwrap();
    p.set("q", &q).unwrap();
    c_call(&f("fx_pqr_set"), &[p.ptr(), Value::I64(-1 << 40)]);
    assert_eq!(p.get("q->r->r").unwrap(), Value::I64(-1 << 40));
    p.set("q->r->r", 77i64).unwrap();
    assert_eq!(c_call(&f("fx_pqr_get"), &[p.ptr()]), Value::I64(77));
    assert_eq!(r.get("r").unwrap(), Value::I64(77));
    q.set("r", Value::Ptr(jitffi::Pointer::null())).unwrap();
    assert_eq!(
        p.get("q->r->r").unwrap_err().to_string(),
        "struct fx_p .q->r->r: 'q->r' is NULL"
    );

    // Memory C allocated: the extent is unknown, so only the unsafe methods follow it.
    let new = f("fx_node_new");
    let c_tail = c_call(&new, &[Value::I32(9), Value::Ptr(jitffi::Pointer::null())]);
    let c_head = c_call(&new, &[Value::I32(8), c_tail.clone()]);
    let owned = ffi.alloc("struct fx_node", Init::Zero).unwrap();
    owned.set("next", c_head.clone()).unwrap();
    let e = owned.get("next->v").unwrap_err();
    assert_eq!(e.kind(), CDataErrorKind::Untracked);
    assert!(
        e.to_string().starts_with(
            "struct fx_node .next->v: 'next' points to memory jitffi did not allocate"
        ),
        "{e}"
    );
    // SAFETY: `next` and `next->next` point to nodes fx_node_new made, freed below.
    unsafe {
        assert_eq!(owned.get_unchecked("next->v").unwrap(), Value::I32(8));
        assert_eq!(owned.get_unchecked("next->next->v").unwrap(), Value::I32(9));
        owned.set_unchecked("next->next->v", 90).unwrap();
        assert_eq!(
            owned.at_unchecked("next->v").unwrap().get("").unwrap(),
            Value::I32(8)
        );
        assert_eq!(
            owned
                .get_unchecked("next->next->next->v")
                .unwrap_err()
                .kind(),
            CDataErrorKind::Null
        );
    }
    assert_eq!(
        c_call(&sum, std::slice::from_ref(&c_head)),
        Value::I64(8 + 90)
    );
    owned
        .set("next", Value::Ptr(jitffi::Pointer::null()))
        .unwrap();
    c_call(&f("fx_node_free"), &[c_head]);
    c_call(&f("fx_node_free"), &[c_tail]);
}
