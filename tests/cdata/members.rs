//! Every member kind of `struct fx_data` against C, bit for bit, through every read and write
//! path, interleaved with C's writes, and through the compiled gather and scatter loops.

use crate::kinds::{
    FX_DATA_FIELDS, K, bits_of, check_handles, fx_data, kind_of, random_value, write_with,
};

#[test]
fn every_member_kind_agrees_with_c_bit_for_bit() {
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let mut rng = fastrand::Rng::with_seed(41);
    for (k, path) in FX_DATA_FIELDS.iter().enumerate() {
        let kind = kind_of(&fx.ffi, "struct fx_data", path).expect(path);
        for round in 0..16u8 {
            // jitffi writes, C reads; the bytes equal those C writes for the same value.
            let (v, bits) = random_value(&mut rng, kind);
            let ours = ct.alloc_zeroed().unwrap();
            let theirs = ct.alloc_zeroed().unwrap();
            write_with(&ct, &ours, path, kind, &v, round % 4);
            fx.c_set(&theirs, k, bits);
            assert_eq!(
                fx.c_get(&ours, k),
                bits,
                "{path}: C reads what jitffi wrote ({v:?})"
            );
            assert_eq!(
                ours.to_bytes(),
                theirs.to_bytes(),
                "{path}: jitffi and C wrote {v:?} differently"
            );
            // C writes, jitffi reads (every access path).
            let (v2, bits2) = random_value(&mut rng, kind);
            fx.c_set(&ours, k, bits2);
            assert_eq!(
                bits_of(&ours.get(path).unwrap()),
                bits2,
                "{path}: get after C wrote {v2:?}"
            );
            check_handles(&ct, &ours, path, kind, bits2);
        }
    }
}

#[test]
fn interleaved_writes_from_both_sides_leave_the_same_bytes() {
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let kinds: Vec<K> = FX_DATA_FIELDS
        .iter()
        .map(|p| kind_of(&fx.ffi, "struct fx_data", p).unwrap())
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..50 {
        let mixed = ct.alloc_zeroed().unwrap();
        let c_only = ct.alloc_zeroed().unwrap();
        for _ in 0..60 {
            let k = rng.usize(..FX_DATA_FIELDS.len());
            let (v, bits) = random_value(&mut rng, kinds[k]);
            match rng.u8(..5) {
                4 => fx.c_set(&mixed, k, bits),
                how => write_with(&ct, &mixed, FX_DATA_FIELDS[k], kinds[k], &v, how),
            }
            fx.c_set(&c_only, k, bits);
        }
        assert_eq!(mixed.to_bytes(), c_only.to_bytes());
    }
}

#[test]
fn compiled_gather_and_scatter_agree_with_the_checked_accessors() {
    // Every member kind of the fixture, over arrays of lengths around the compiled loops'
    // unrolling (four elements per iteration, then one at a time), filled with random bytes.
    // The typed accessors are checked against C above; the batch loops must read what they
    // read and write exactly the bytes a loop of their `set_in` writes, neighbours included.
    let fx = fx_data();
    let ct = fx.ffi.type_of("struct fx_data").unwrap();
    let mut rng = fastrand::Rng::with_seed(5);
    for path in FX_DATA_FIELDS {
        let kind = kind_of(&fx.ffi, "struct fx_data", path).expect(path);
        for n in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 13] {
            let mut arr = ct.alloc_array(n).unwrap();
            arr.buffer()
                .unwrap()
                .iter_mut()
                .for_each(|b| *b = rng.u8(..));
            let mut twin = ct.alloc_array(n).unwrap();
            let bytes = arr.to_bytes();
            twin.buffer().unwrap().copy_from_slice(&bytes);
            let values: Vec<u64> = (0..n).map(|_| random_value(&mut rng, kind).1).collect();
            macro_rules! batch {
                ($t:ty, $from:expr, $key:expr) => {{
                    let a = ct.accessor::<$t>(path).unwrap();
                    let c = ct.compiled::<$t>(path).unwrap();
                    let mut got: Vec<$t> = (0..n).map(|_| $from(0)).collect();
                    c.gather(&arr, &mut got).unwrap();
                    for (i, g) in got.iter().enumerate() {
                        assert_eq!(
                            $key(*g),
                            $key(a.get_in(&arr, i).unwrap()),
                            "{path}[{i}] of {n}: gather"
                        );
                    }
                    let src: Vec<$t> = values.iter().map(|&b| $from(b)).collect();
                    c.scatter(&arr, &src).unwrap();
                    for (i, &v) in src.iter().enumerate() {
                        a.set_in(&twin, i, v).unwrap();
                    }
                    assert_eq!(arr.to_bytes(), twin.to_bytes(), "{path} of {n}: scatter");
                    if n > 0 {
                        assert!(c.gather(&arr, &mut vec![$from(0); n + 1]).is_err());
                    }
                }};
            }
            with_rust_type!(kind, ct, path, batch);
        }
    }
}
