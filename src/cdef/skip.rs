//! Reading a real header leniently: declarations jitffi cannot read are skipped, each reported
//! with its location, and the rest is declared ([`crate::HeaderOptions::skip_unreadable`]), or
//! only chosen names are declared ([`crate::HeaderOptions::only`]).
//!
//! A skipped declaration leaves nothing behind: each pass lowers the whole text from the table
//! as it was before the call; when some declarations fail, their text is blanked out (from the
//! end of the previous top-level declaration to the `;` that ends theirs, as syntax errors are
//! recovered), the table is rolled back, and the next pass lowers what is left. Declarations
//! that used a skipped one fail in the next pass and are skipped in turn, so every pass either
//! succeeds or removes at least one declaration.
#![forbid(unsafe_code)]

use std::collections::HashSet;

use super::{
    CdefError, CdefOptions, Diagnostic, Mode, TablePp, finish, parse_and_lower, pp, recovery_span,
    with_stack,
};
use crate::ctype::TypeTable;
use crate::layout::Target;

/// Lowering passes before giving up: each one removes at least one declaration, and chains of
/// declarations that depend on a skipped one are rarely longer than a few links.
const MAX_PASSES: usize = 64;

/// Declares the preprocessed header `text` into `table` (inside the caller's transaction),
/// skipping what cannot be read. Returns the problems of the skipped declarations, in the
/// order found. With `only`, the functions, globals and constants the header declares that are
/// not named there are left out afterwards, and each name there must be declared.
pub(crate) fn run(
    table: &mut TypeTable,
    target: &Target,
    text: &str,
    opts: &CdefOptions,
    file: &str,
    only: Option<&[String]>,
) -> Result<Vec<Diagnostic>, CdefError> {
    super::guarded(file, || run_inner(table, target, text, opts, file, only))
}

fn run_inner(
    table: &mut TypeTable,
    target: &Target,
    text: &str,
    opts: &CdefOptions,
    file: &str,
    only: Option<&[String]>,
) -> Result<Vec<Diagnostic>, CdefError> {
    if let Some(e) = super::too_large(text, "header text", file) {
        return Err(e);
    }
    let before = Names::of(table);
    let mut pp_out = pp::preprocess(text, Mode::Header, &TablePp { t: table, target }, opts.pack);
    if let Some(err) = &pp_out.nesting_error {
        return Err(super::nesting_failure(&pp_out, file, vec![err.clone()]));
    }
    let mut skipped = Vec::new();
    // Directive problems (a `#define` whose value does not evaluate, …) cost no declaration.
    let mut pp_errors = std::mem::take(&mut pp_out.errors);
    for pass in 0.. {
        let mut diags = Vec::new();
        let (source, base) = with_stack(pp_out.nesting, || {
            parse_and_lower(table, target, opts, Mode::Header, file, &pp_out, &mut diags)
        });
        diags.retain(|(_, m)| !m.is_empty());
        if !pp_errors.is_empty() {
            skipped.extend(finish(&source, file, base, std::mem::take(&mut pp_errors)).diagnostics);
        }
        if diags.is_empty() {
            break;
        }
        let mut text = pp_out.text.clone();
        let mut removed = 0;
        for &(off, _) in &diags {
            if let Some((from, to)) = recovery_span(&text, off, 0) {
                super::blank_range(&mut text, from, to);
                removed += 1;
            }
        }
        skipped.extend(finish(&source, file, base, diags).diagnostics);
        if removed == 0 || pass + 1 >= MAX_PASSES {
            // Nothing left to blank (a problem outside any declaration) or a chain too long:
            // report everything found as an error.
            return Err(CdefError {
                diagnostics: skipped,
            });
        }
        // Back to the table as it was before this header, then lower what is left.
        table.rollback();
        table.begin();
        pp_out.text = text;
    }
    if let Some(only) = only {
        keep_only(table, &before, only, &skipped, file)?;
    }
    Ok(skipped)
}

/// The function, global and constant names a table had before a header was declared.
struct Names {
    functions: HashSet<String>,
    globals: HashSet<String>,
    constants: HashSet<String>,
}

impl Names {
    fn of(t: &TypeTable) -> Names {
        let names = |it: &mut dyn Iterator<Item = &str>| it.map(str::to_string).collect();
        Names {
            functions: names(&mut t.functions.iter().map(|(k, _)| k)),
            globals: names(&mut t.globals.iter().map(|(k, _)| k)),
            constants: names(&mut t.constants.iter().map(|(k, _)| k)),
        }
    }
}

/// Leaves out the functions, globals and constants the header declared that are not in
/// `only`, and checks that every name in `only` is declared.
fn keep_only(
    table: &mut TypeTable,
    before: &Names,
    only: &[String],
    skipped: &[Diagnostic],
    file: &str,
) -> Result<(), CdefError> {
    let chosen: HashSet<&str> = only.iter().map(String::as_str).collect();
    let drop = |map: Vec<String>, had: &HashSet<String>| -> Vec<String> {
        map.into_iter()
            .filter(|n| !had.contains(n) && !chosen.contains(n.as_str()))
            .collect()
    };
    let functions = drop(
        table.functions.iter().map(|(k, _)| k.to_string()).collect(),
        &before.functions,
    );
    let globals = drop(
        table.globals.iter().map(|(k, _)| k.to_string()).collect(),
        &before.globals,
    );
    let constants = drop(
        table.constants.iter().map(|(k, _)| k.to_string()).collect(),
        &before.constants,
    );
    for n in &functions {
        table.functions.remove(n);
    }
    for n in &globals {
        table.globals.remove(n);
    }
    for n in &constants {
        table.constants.remove(n);
    }
    let mut missing = Vec::new();
    for name in only {
        let declared = table.functions.get(name).is_some()
            || table.globals.get(name).is_some()
            || table.constants.get(name).is_some()
            || table.typedef(name).is_some()
            || table.tag(name).is_some();
        if declared {
            continue;
        }
        let why = if let Some(m) = table.fn_macros.get(name) {
            format!(
                "'{name}' is a function-like macro ({}), not a declaration: declare the function it expands to",
                m.location
            )
        } else if let Some(d) = skipped.iter().find(|d| mentions(&d.message, name)) {
            format!("'{name}' was skipped: {d}")
        } else {
            format!("'{name}' is not declared in the header")
        };
        missing.push(Diagnostic {
            file: file.into(),
            line: 1,
            column: 1,
            message: why,
        });
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(CdefError {
            diagnostics: missing,
        })
    }
}

/// Whether a diagnostic is about the declaration `name` (messages start with the declared
/// name, or quote it).
fn mentions(message: &str, name: &str) -> bool {
    message
        .strip_prefix(name)
        .is_some_and(|rest| rest.starts_with(':'))
        || message.contains(&format!("'{name}'"))
}
