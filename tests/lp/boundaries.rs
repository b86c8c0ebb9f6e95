//! What crosses the modeler's boundaries: files (LP and MPS round trips), GLPK's output (to the
//! chosen sink), threads (independent problems), and the crate's API (lp uses only the public
//! one).

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;

use crate::oracle::{build_mcf, close, manual_example, read_raw_solution, scratch};
use jitffi::lp::{
    Basis, Kind, LpError, McfInstance, McfSpec, MpsFormat, Output, Problem, Simplex, Status,
};

#[test]
fn files_round_trip_through_lp_and_mps() {
    let (mut p, _, _) = manual_example(true);
    let want = p.solve().unwrap().objective;
    let lp = scratch("rt.lp");
    p.write_lp(&lp).unwrap();
    let mut q = Problem::read_lp(&lp).unwrap();
    assert_eq!((q.num_rows(), q.num_vars()), (3, 3));
    let x2 = q.var("x2").unwrap();
    assert_eq!(q.kind(x2).unwrap(), Kind::Integer);
    close(q.solve().unwrap().objective, want, "read_lp");
    for (format, name) in [
        (MpsFormat::Free, "rt.mps"),
        (MpsFormat::Fixed, "rt_fixed.mps"),
    ] {
        let mps = scratch(name);
        q.write_mps(&mps, format).unwrap();
        let mut r = Problem::read_mps(&mps, format).unwrap();
        // MPS has no objective sense: GLPK reads it as minimization of the same row.
        r.maximize(
            10.0 * r.var("x1").unwrap() + 6.0 * r.var("x2").unwrap() + 4.0 * r.var("x3").unwrap(),
        )
        .unwrap();
        close(r.solve().unwrap().objective, want, name);
    }
    let report = scratch("rt.txt");
    q.write_report(&report).unwrap();
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("INTEGER OPTIMAL")
    );
    let raw = scratch("rt.sol");
    q.write_solution(&raw).unwrap();
    let s = read_raw_solution(&raw);
    close(s.objective, want, "raw solution");

    let missing = Problem::read_lp("/nonexistent/dir/x.lp").unwrap_err();
    assert!(matches!(missing, LpError::Io { .. }));
    assert!(
        missing
            .to_string()
            .starts_with("/nonexistent/dir/x.lp: glp_read_lp failed: "),
        "{missing}"
    );
    assert!(missing.to_string().contains("No such file"), "{missing}");
    let bad = scratch("bad.lp");
    std::fs::write(&bad, "Maximize\n obj: x +\nSubject To\n c: x <= 1 1\nEnd\n").unwrap();
    let e = Problem::read_lp(&bad).unwrap_err();
    assert!(
        e.to_string().contains("bad.lp:3: missing variable name"),
        "GLPK's file:line in {e}"
    );
    assert!(p.write_lp("/nonexistent/dir/y.lp").is_err());
}

#[test]
fn output_goes_to_the_chosen_sink() {
    let (mut p, _, _) = manual_example(false);
    p.solve().unwrap();
    let seen = Rc::new(RefCell::new(String::new()));
    let sink = seen.clone();
    p.set_output(Output::Closure(Rc::new(move |s: &str| {
        sink.borrow_mut().push_str(s)
    })));
    p.simplex(&Simplex {
        basis: Basis::Standard,
        ..Simplex::default()
    })
    .unwrap();
    let text = seen.borrow().clone();
    assert!(text.contains("obj =   7.333333333e+02"), "{text}");
    seen.borrow_mut().clear();
    p.set_output(Output::Silent);
    p.solve().unwrap();
    assert!(seen.borrow().is_empty());
}

#[test]
fn problems_on_threads_are_independent() {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for k in 0..5 {
                    let inst = McfInstance::generate(&McfSpec {
                        seed: 100 + t * 10 + k,
                        ..McfSpec::small(200, 800)
                    })
                    .unwrap();
                    let (mut p, _) = build_mcf(&inst, false);
                    assert_eq!(p.solve().unwrap().status, Status::Optimal);
                }
                // A GLPK error on this thread does not touch the others.
                let (mut p, _, _) = manual_example(false);
                let f = p
                    .glpk()
                    .ffi()
                    .function(p.glpk().library(), "glp_set_row_bnds")
                    .unwrap()
                    .typed::<(*mut std::ffi::c_void, i32, i32, f64, f64), ()>()
                    .unwrap();
                // SAFETY: as in a_glpk_error_becomes_an_err_and_the_process_lives.
                let e = unsafe { p.with_raw(|_, prob| f.call((prob, 0, 1, 0.0, 0.0))) };
                assert!(matches!(e, Err(LpError::Glpk { .. })));
            })
        })
        .collect();
    let (mut mine, _, _) = manual_example(false);
    for h in handles {
        h.join().unwrap();
    }
    close(
        mine.solve().unwrap().objective,
        2200.0 / 3.0,
        "main thread's problem",
    );
}

/// `lp` uses only the crate's public API (DESIGN: frontends sit on top): every `crate::` path
/// in src/lp names a root re-export or a public item of a public module.
#[test]
fn lp_uses_only_the_public_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).unwrap();
    let own_macros = std::fs::read_to_string(root.join("src/lp/expr.rs")).unwrap();
    let mut bad = Vec::new();
    for entry in std::fs::read_dir(root.join("src/lp")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            if line.trim_start().starts_with("//") {
                continue;
            }
            while let Some(at) = rest.find("crate::") {
                if rest[..at].ends_with('$') {
                    rest = &rest[at + 7..];
                    continue;
                }
                let path_text: String = rest[at + 7..]
                    .chars()
                    .take_while(|c| {
                        c.is_alphanumeric()
                            || *c == '_'
                            || *c == ':'
                            || *c == '{'
                            || *c == ','
                            || *c == ' '
                            || *c == '}'
                    })
                    .collect();
                rest = &rest[at + 7..];
                let names: Vec<&str> = path_text
                    .split(['{', '}', ',', ' '])
                    .filter(|s| !s.is_empty())
                    .collect();
                for name in names {
                    let segs: Vec<&str> = name.split("::").filter(|s| !s.is_empty()).collect();
                    let ok = match segs.as_slice() {
                        [item] => {
                            lib.contains(&format!("{item},"))
                                || lib.contains(&format!("{item}}}"))
                                || lib.contains(&format!(" {item};"))
                                || lib.contains(&format!("::{item};"))
                                || own_macros.contains(&format!("macro_rules! {item} "))
                        }
                        [module, ..] => lib.contains(&format!("pub mod {module};")),
                        [] => true,
                    };
                    if !ok {
                        bad.push(format!("{}:{}: crate::{name}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "src/lp reaches past the public API:\n{}",
        bad.join("\n")
    );
}
