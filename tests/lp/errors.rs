//! Errors: bad input rejected before GLPK, a GLPK error escaped as an `Err`, loading GLPK,
//! errors inside raw calls, duplicate names, I/O errors with their source.

use std::cell::RefCell;
use std::rc::Rc;

use crate::oracle::{check_against_glpsol, close, manual_example, scratch};
use jitffi::constraint;
use jitffi::lp::{Expr, LpError, McfInstance, Output, Problem, Row, Status, VarDef};

#[test]
fn bad_input_is_rejected_before_glpk_and_changes_nothing() {
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().name("x")).unwrap();
    let y = p.add_var(VarDef::continuous().name("y")).unwrap();
    let r = p.add_constraint(constraint!(x + y <= 4).name("c")).unwrap();
    let mut other = Problem::new().unwrap();
    let z = other.add_var(VarDef::continuous()).unwrap();
    let (rows, vars) = (p.num_rows(), p.num_vars());

    let check = |res: Result<Row, LpError>, want: &str| {
        assert_eq!(res.unwrap_err().to_string(), want);
    };
    check(
        p.add_constraint(constraint!(x + f64::NAN * y <= 1).name("nan")),
        "constraint 'nan': coefficient of variable 'y' is NaN",
    );
    check(
        p.add_constraint(constraint!(f64::INFINITY * x >= 1)),
        "constraint 2: coefficient of variable 'x' is inf",
    );
    check(
        p.add_constraint(Expr::from(x).between(3.0, 2.0)),
        "constraint 2: lower bound 3 is above upper bound 2",
    );
    check(
        p.add_constraint(Expr::from(x).le(f64::NAN)),
        "constraint 2: bound is NaN ([-inf, NaN])",
    );
    let foreign = p.add_constraint(constraint!(x + z <= 1)).unwrap_err();
    assert!(matches!(foreign, LpError::ForeignVar { .. }));
    assert!(
        foreign
            .to_string()
            .starts_with("constraint 2: variable 1 of problem "),
        "{foreign}"
    );
    check(
        p.add_constraint(constraint!(x <= 1).name("bad\nname")),
        "add_constraint: name 'bad\\nname' is not a GLPK name (1 to 255 bytes, no control characters)",
    );
    // GLPK aborts on duplicate indices in glp_set_mat_row; set_row refuses them.
    let dup = p.set_row(r, &[(x, 1.0), (y, 2.0), (x, 3.0)]).unwrap_err();
    assert_eq!(
        dup.to_string(),
        "set_row: row 'c': variable 'x' appears more than once"
    );
    assert!(matches!(dup, LpError::DuplicateTerm(_)));
    assert!(p.set_row(r, &[(z, 1.0)]).is_err());
    assert_eq!(
        p.add_var(VarDef::continuous().bounds(1.0, 0.0))
            .unwrap_err()
            .to_string(),
        "add_var: lower bound 1 is above upper bound 0"
    );
    // A failed batch adds nothing, even after its first columns went to GLPK.
    let err = p
        .add_vars(3000, |i| {
            if i == 2500 {
                VarDef::continuous().lower(f64::NAN)
            } else {
                VarDef::continuous()
            }
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "variable 2501 of add_vars: bound is NaN ([NaN, inf])"
    );
    assert!(p.set_bounds(z, 0.0, 1.0).is_err());
    assert!(p.minimize(x + z).is_err());
    assert!(p.value(x).is_err(), "not solved yet");
    assert_eq!(
        p.set_obj_coef(x, f64::NEG_INFINITY)
            .unwrap_err()
            .to_string(),
        "set_obj_coef: variable 'x': coefficient is -inf"
    );
    assert_eq!(
        p.set_rhs(r, f64::NAN).unwrap_err().to_string(),
        "set_rhs: row 'c': right-hand side is NaN"
    );
    assert_eq!(
        p.delete_vars(&[y, x, y]).unwrap_err().to_string(),
        "delete_vars: variable 'y' is listed twice"
    );
    let foreign = p.set_bounds(z, 0.0, 1.0).unwrap_err().to_string();
    assert!(
        foreign.starts_with("set_bounds: variable 1 of problem ")
            && foreign.ends_with(" belongs to another problem"),
        "{foreign}"
    );
    assert_eq!(
        (p.num_rows(), p.num_vars()),
        (rows, vars),
        "nothing was added"
    );
    assert_eq!(
        p.row_coefs(r).unwrap(),
        vec![(x, 1.0), (y, 1.0)],
        "the row is unchanged"
    );
    // The problem still works.
    p.maximize(x + 2.0 * y).unwrap();
    close(
        p.solve().unwrap().objective,
        8.0,
        "objective after the errors",
    );
}

#[test]
fn a_glpk_error_becomes_an_err_and_the_process_lives() {
    let (mut survivor, _, _) = manual_example(false);
    let mut p = Problem::new().unwrap();
    p.add_var(VarDef::continuous()).unwrap();
    let lines = Rc::new(RefCell::new(String::new()));
    let sink = lines.clone();
    p.set_output(Output::Closure(Rc::new(move |s: &str| {
        sink.borrow_mut().push_str(s)
    })));
    // Column 999 does not exist: GLPK's error routine runs, and would abort without the hook.
    let set_col_bnds = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_set_col_bnds")
        .unwrap()
        .typed::<(*mut std::ffi::c_void, i32, i32, f64, f64), ()>()
        .unwrap();
    // SAFETY: a declared GLPK function on this problem; the closure holds nothing with a
    // destructor across the call.
    let err =
        unsafe { p.with_raw(|_, prob| set_col_bnds.call((prob, 999, 1, 0.0, 0.0))) }.unwrap_err();
    assert_eq!(
        err.to_string(),
        "with_raw: GLPK error: glp_set_col_bnds: j = 999; column number out of range \
         (api/prob1.c:646) (this thread's GLPK problems were freed)"
            .replace("(api/prob1.c:646)", &format!("({})", glpk_location(&err))),
    );
    assert!(
        lines.borrow().contains("column number out of range"),
        "the sink saw GLPK's message"
    );
    // Every problem of the thread is gone, and says so.
    assert!(matches!(
        p.add_var(VarDef::continuous()).unwrap_err(),
        LpError::EnvReset
    ));
    assert!(matches!(survivor.solve().unwrap_err(), LpError::EnvReset));
    drop(p);
    drop(survivor);
    // New problems work.
    let (mut fresh, _, _) = manual_example(false);
    close(
        fresh.solve().unwrap().objective,
        2200.0 / 3.0,
        "after the reset",
    );
}

/// The `file:line` GLPK reported (it depends on GLPK's build).
fn glpk_location(e: &LpError) -> String {
    let LpError::Glpk { message, .. } = e else {
        panic!("not a GLPK error: {e:?}")
    };
    let start = message.rfind('(').unwrap();
    message[start + 1..message.len() - 1].to_owned()
}

#[test]
fn glpk_is_found_or_the_error_says_what_was_tried() {
    let glpk = jitffi::lp::Glpk::get().unwrap();
    assert!(glpk.version().starts_with("5."), "{}", glpk.version());
    let missing = jitffi::lp::Glpk::load_from("/nonexistent/libglpk.so.40").unwrap_err();
    let text = missing.to_string();
    assert!(
        text.starts_with("cannot load GLPK: cannot open '/nonexistent/libglpk.so.40'"),
        "{text}"
    );
    assert!(text.contains("hint: install GLPK 5.0"), "{text}");
    // The jitffi error is the source, with what was tried; Display does not repeat it.
    let source = std::error::Error::source(&missing).expect("the load error is the source");
    assert!(
        source.downcast_ref::<jitffi::Error>().is_some(),
        "{source:?}"
    );
    let why = source.to_string();
    assert!(
        why.starts_with("cannot load library '/nonexistent/libglpk.so.40'"),
        "{why}"
    );
    assert!(!text.contains(&why), "{text}");
    let not_glpk = jitffi::lp::Glpk::load_from("libm.so.6")
        .unwrap_err()
        .to_string();
    assert!(not_glpk.contains("libm.so.6 is not GLPK"), "{not_glpk}");
    // A second copy of the binding (another path, same library) makes working problems.
    let path = glpk.library().path().map(|p| p.display().to_string());
    let other = std::sync::Arc::new(
        jitffi::lp::Glpk::load_from(path.as_deref().unwrap_or("libglpk.so.40")).unwrap(),
    );
    let mut p = Problem::with_glpk(&other).unwrap();
    let x = p.add_var(VarDef::continuous().upper(2.0)).unwrap();
    p.maximize(3.0 * x).unwrap();
    close(p.solve().unwrap().objective, 6.0, "second binding");
}

#[test]
fn raw_calls_may_use_the_modeler_and_errors_inside_still_come_back() {
    let (mut p, [x1, _, _], _) = manual_example(false);
    let mut q = Problem::new().unwrap();
    let get_num_cols = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_get_num_cols")
        .unwrap()
        .typed::<(*mut std::ffi::c_void,), i32>()
        .unwrap();
    // SAFETY: a declared GLPK function on this problem; the closure holds only borrows
    // across GLPK calls (q's methods run inside the outer guard).
    let n = unsafe {
        p.with_raw(|_, prob| {
            let y = q.add_var(VarDef::continuous().upper(3.0)).unwrap();
            q.maximize(y).unwrap();
            get_num_cols.call((prob,))
        })
    }
    .unwrap();
    assert_eq!(n, 3);
    close(
        q.solve().unwrap().objective,
        3.0,
        "problem made inside a raw closure",
    );
    // Rows added by raw calls get handles; the problem stays consistent.
    let add_rows = p
        .glpk()
        .ffi()
        .function(p.glpk().library(), "glp_add_rows")
        .unwrap()
        .typed::<(*mut std::ffi::c_void, i32), i32>()
        .unwrap();
    // SAFETY: as above.
    unsafe { p.with_raw(|_, prob| add_rows.call((prob, 1))) }.unwrap();
    assert_eq!(p.num_rows(), 4);
    let r = p.rows()[3];
    p.set_row(r, &[(x1, 1.0)]).unwrap();
    p.set_row_bounds(r, f64::NEG_INFINITY, 10.0).unwrap();
    // x1 = 10, x2 = 90: 100 + 540.
    close(p.solve().unwrap().objective, 640.0, "x1 ≤ 10");
    assert_eq!(check_against_glpsol(&mut p, "raw_rows"), Status::Optimal);
}

#[test]
fn duplicate_names_are_refused_where_they_are_given() {
    let mut p = Problem::new().unwrap();
    let x = p.add_var(VarDef::continuous().name("x")).unwrap();
    let _unnamed = p.add_vars(2, |_| VarDef::continuous()).unwrap();
    let e = p.add_var(VarDef::continuous().name("x")).unwrap_err();
    assert!(
        matches!(&e, LpError::DuplicateName { name, .. } if name == "x"),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "add_var: name 'x' already names variable 1");
    // Within one call, the first holder is named by its place in the call; nothing is added.
    let e = p
        .add_vars(4, |i| VarDef::continuous().name(["a", "b", "c", "b"][i]))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "variable 4 of add_vars: name 'b' already names variable 2 of add_vars"
    );
    assert_eq!(p.num_vars(), 3);
    assert_eq!(p.var("b"), None, "the failed call's names are forgotten");
    let [a, b] = p
        .add_vars(2, |i| VarDef::continuous().upper(1.0).name(["a", "b"][i]))
        .unwrap()[..]
    else {
        unreachable!()
    };
    assert_eq!(p.var("b"), Some(b));
    let c1 = p
        .add_constraint(constraint!(x + a <= 4).name("cap"))
        .unwrap();
    let e = p
        .add_constraint(constraint!(x + b <= 3).name("cap"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "add_constraint: name 'cap' already names row 1"
    );
    assert_eq!(p.num_rows(), 1);
    // A variable and a row may share a name (LP files keep them apart); unnamed items any
    // number of times.
    p.add_constraint(constraint!(x - a >= -2).name("x"))
        .unwrap();
    p.add_constraint(constraint!(x + b <= 5)).unwrap();
    p.add_constraint(constraint!(a + b <= 5)).unwrap();
    // What write_lp writes, read_lp reads, names and all (glpsol agrees on the optimum).
    p.maximize(x + a + b).unwrap();
    let lp = scratch("names.lp");
    p.write_lp(&lp).unwrap();
    let mut q = Problem::read_lp(&lp).unwrap();
    assert_eq!((q.num_vars(), q.num_rows()), (p.num_vars(), p.num_rows()));
    let (qx, qcap) = (q.var("x").unwrap(), q.row("cap").unwrap());
    assert_eq!(q.var_name(qx), Some("x"));
    assert_eq!(q.row_name(qcap), Some("cap"));
    // A name read from a file is taken too.
    let e = q.add_var(VarDef::continuous().name("a")).unwrap_err();
    assert_eq!(e.to_string(), "add_var: name 'a' already names variable 4");
    assert_eq!(check_against_glpsol(&mut p, "names"), Status::Optimal);
    close(
        q.solve().unwrap().objective,
        p.objective().unwrap(),
        "read back",
    );
    // A deleted variable's name is free again; messages still name the deleted one.
    p.delete_vars(&[a]).unwrap();
    let e = p.bounds(a).unwrap_err();
    assert!(matches!(e, LpError::Deleted(_)), "{e:?}");
    assert_eq!(e.to_string(), "bounds: variable 'a' was deleted");
    let a2 = p.add_var(VarDef::continuous().name("a")).unwrap();
    assert_eq!(p.var("a"), Some(a2));
    assert_eq!(p.row("cap"), Some(c1));
    // Unnamed ones are described by position, counted from 1.
    let e = p.set_obj_coef(_unnamed[1], f64::NAN).unwrap_err();
    assert_eq!(
        e.to_string(),
        "set_obj_coef: variable 3: coefficient is NaN"
    );
    let r = p.rows()[2];
    assert_eq!(p.row_name(r), None);
    let e = p.set_row(r, &[(x, 1.0), (x, 1.0)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "set_row: row 3: variable 'x' appears more than once"
    );
}

#[test]
fn io_errors_keep_their_source() {
    let e = McfInstance::read("/nonexistent/dir/x.min").unwrap_err();
    assert!(matches!(e, LpError::Io { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "/nonexistent/dir/x.min: cannot read the file"
    );
    let source = std::error::Error::source(&e).expect("the io::Error is the source");
    let io = source.downcast_ref::<std::io::Error>().unwrap();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
    // GLPK's own readers: GLPK's message, no source.
    let e = Problem::read_lp("/nonexistent/dir/x.lp").unwrap_err();
    assert!(std::error::Error::source(&e).is_none());
}
