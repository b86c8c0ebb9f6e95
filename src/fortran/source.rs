//! Fortran source text to statements: fixed form (column rules, continuation in column 6,
//! `C`/`c`/`*`/`!` comments, text past column 72 ignored, DEC tab form) and free form (`&`
//! continuation, `;` separators, `!` comments), with `INCLUDE` lines read in place and
//! `!f2py` / `Cf2py` directives kept as statements of their own.
//!
//! Every statement keeps the file, line and column where it starts, and the comment lines
//! just before it (the doxygen `*>` / `!>` blocks that document a routine).

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a statement starts: `file:line:col`, 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file, as given (or as found for an `INCLUDE`).
    pub file: Arc<str>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column of the statement's first character.
    pub col: u32,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// Fixed form (FORTRAN 77 layout) or free form (Fortran 90 and later).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// Columns 1–5 label, 6 continuation, 7–72 text; `C`, `c`, `*` or `!` in column 1 is a
    /// comment.
    Fixed,
    /// `&` continues a line, `!` starts a comment, `;` separates statements.
    Free,
}

impl Form {
    /// The form a file name implies: `.f`, `.for`, `.ftn`, `.f77` (and upper case) are fixed,
    /// everything else (`.f90`, `.F90`, `.f95`, `.f03`, `.f08`, `.pyf`) free.
    pub fn of_path(path: &Path) -> Form {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("f" | "for" | "ftn" | "f77") => Form::Fixed,
            _ => Form::Free,
        }
    }
}

/// One statement: continuation lines joined, comments removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    /// The statement text (original case; strings kept as written).
    pub text: String,
    /// Where it starts.
    pub loc: Location,
    /// An `!f2py` / `Cf2py` directive (f2py reads its text as a statement; compilers skip it).
    pub f2py: bool,
    /// The comment lines just before the statement (without their comment markers), as
    /// `(line, text)`.
    pub comments: Vec<(u32, String)>,
}

/// A problem reading a source: an unreadable file or an `INCLUDE` that cannot be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceError {
    /// Where.
    pub loc: Location,
    /// What.
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.loc, self.message)
    }
}

/// The deepest `INCLUDE` nesting followed.
const MAX_INCLUDE_DEPTH: usize = 16;

/// Reads a file (and what it includes) into statements.
///
/// # Errors
///
/// The file (or an included one) cannot be read; an `INCLUDE` nests deeper than 16 levels.
pub fn read_file(path: &Path, include_dirs: &[PathBuf]) -> Result<Vec<Stmt>, SourceError> {
    let text = std::fs::read(path).map_err(|e| SourceError {
        loc: Location {
            file: path.display().to_string().into(),
            line: 1,
            col: 1,
        },
        message: format!("cannot read the file: {e}"),
    })?;
    let text = String::from_utf8_lossy(&text);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    split(
        &text,
        Form::of_path(path),
        &path.display().to_string(),
        Some(path),
        include_dirs,
        0,
        &mut out,
        &mut errors,
    );
    match errors.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Splits source text into statements. `INCLUDE` lines are reported as errors (there is no
/// file to resolve them against); use [`read_file`] for files.
pub fn read_text(text: &str, form: Form, file: &str) -> (Vec<Stmt>, Vec<SourceError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    split(text, form, file, None, &[], 0, &mut out, &mut errors);
    (out, errors)
}

/// The statement being assembled from its lines.
struct Pending {
    text: String,
    loc: Location,
    f2py: bool,
    comments: Vec<(u32, String)>,
}

/// A physical line's contribution to a statement.
struct Piece<'a> {
    text: &'a str,
    col: u32,
    /// This piece continues the previous statement.
    continues: bool,
    f2py: bool,
}

#[allow(clippy::too_many_arguments)]
fn split(
    text: &str,
    form: Form,
    file: &str,
    path: Option<&Path>,
    include_dirs: &[PathBuf],
    depth: usize,
    out: &mut Vec<Stmt>,
    errors: &mut Vec<SourceError>,
) {
    let file: Arc<str> = file.into();
    let mut comments: Vec<(u32, String)> = Vec::new();
    // The statement being built: text, location, f2py flag, comments before it.
    let mut cur: Option<Pending> = None;
    // Free form: the previous line ended with `&`.
    let mut open_amp = false;
    let flush = |cur: &mut Option<Pending>, out: &mut Vec<Stmt>| {
        if let Some(Pending {
            text,
            loc,
            f2py,
            comments,
        }) = cur.take()
        {
            for (i, part) in split_semicolons(&text).into_iter().enumerate() {
                let t = part.trim();
                if t.is_empty() {
                    continue;
                }
                out.push(Stmt {
                    text: t.to_string(),
                    loc: loc.clone(),
                    f2py,
                    comments: if i == 0 { comments.clone() } else { Vec::new() },
                });
            }
        }
    };
    for (n, raw) in text.lines().enumerate() {
        let line = n as u32 + 1;
        let piece = match form {
            Form::Fixed => fixed_piece(raw),
            Form::Free => free_piece(raw, open_amp),
        };
        let piece = match piece {
            Line::Blank => continue,
            Line::Comment(c) => {
                // A comment ends nothing in fixed form (continuations may follow it), but a
                // comment block documents what comes after.
                comments.push((line, c.to_string()));
                continue;
            }
            Line::Code(p) => p,
        };
        let mut body = piece.text;
        if form == Form::Free {
            let (b, amp) = strip_trailing_amp(body);
            body = b;
            open_amp = amp;
        }
        if piece.continues && cur.is_some() {
            if let Some(Pending { text: t, .. }) = &mut cur {
                if form == Form::Fixed {
                    t.push_str(body);
                } else {
                    t.push(' ');
                    t.push_str(body);
                }
            }
            continue;
        }
        flush(&mut cur, out);
        // INCLUDE 'file' (not a directive of f2py; a line of its own).
        if let Some(name) = include_name(body) {
            let loc = Location {
                file: file.clone(),
                line,
                col: piece.col,
            };
            if depth >= MAX_INCLUDE_DEPTH {
                errors.push(SourceError {
                    loc,
                    message: format!("INCLUDE '{name}' nests more than {MAX_INCLUDE_DEPTH} levels"),
                });
                continue;
            }
            match find_include(&name, path, include_dirs) {
                Some(p) => match std::fs::read(&p) {
                    Ok(bytes) => {
                        let inner = String::from_utf8_lossy(&bytes);
                        split(
                            &inner,
                            form,
                            &p.display().to_string(),
                            Some(&p),
                            include_dirs,
                            depth + 1,
                            out,
                            errors,
                        );
                    }
                    Err(e) => errors.push(SourceError {
                        loc,
                        message: format!("cannot read INCLUDE '{name}' ({}): {e}", p.display()),
                    }),
                },
                None => errors.push(SourceError {
                    loc,
                    message: format!(
                        "INCLUDE '{name}' not found (searched the including file's directory{})",
                        if include_dirs.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " and {}",
                                include_dirs
                                    .iter()
                                    .map(|d| d.display().to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                }),
            }
            comments.clear();
            continue;
        }
        cur = Some(Pending {
            text: body.to_string(),
            loc: Location {
                file: file.clone(),
                line,
                col: piece.col,
            },
            f2py: piece.f2py,
            comments: std::mem::take(&mut comments),
        });
    }
    flush(&mut cur, out);
}

enum Line<'a> {
    Blank,
    Comment(&'a str),
    Code(Piece<'a>),
}

/// A fixed-form line.
fn fixed_piece(raw: &str) -> Line<'_> {
    let raw = raw.trim_end_matches('\r');
    if raw.trim().is_empty() {
        return Line::Blank;
    }
    let first = raw.as_bytes()[0];
    if first == b'#' {
        // A C preprocessor line (`#if defined(_OPENMP)` in a `.F` file): every branch is read.
        return Line::Comment("");
    }
    if matches!(first, b'C' | b'c' | b'*' | b'!') {
        // `Cf2py` / `!f2py` (any case): a directive whose text starts in column 6.
        if raw.len() > 5 && raw[1..5].eq_ignore_ascii_case("f2py") {
            let text = &raw[5..];
            return Line::Code(Piece {
                text: strip_comment(text),
                col: 6,
                continues: false,
                f2py: true,
            });
        }
        return Line::Comment(comment_text(&raw[1..]));
    }
    // DEC tab form: a tab in the label field; a digit after it continues the statement.
    if let Some(tab) = raw[..raw.len().min(6)].find('\t') {
        let rest = &raw[tab + 1..];
        let (continues, text, col) = match rest.as_bytes().first() {
            Some(b'1'..=b'9') => (true, &rest[1..], tab + 3),
            _ => (false, rest, tab + 2),
        };
        let text = strip_comment(text);
        if !continues && text.trim_start().starts_with('!') || text.trim().is_empty() {
            return Line::Blank;
        }
        return Line::Code(Piece {
            text,
            col: col as u32,
            continues,
            f2py: false,
        });
    }
    // Columns: 1-5 label, 6 continuation, 7-72 text.
    let chars: Vec<(usize, char)> = raw.char_indices().collect();
    let byte_at = |col: usize| chars.get(col).map_or(raw.len(), |&(b, _)| b);
    let label = &raw[..byte_at(5)];
    if label.trim_start().starts_with('!') {
        return Line::Comment(comment_text(label.trim_start()[1..].trim_start()));
    }
    let cont = chars.get(5).map(|&(_, c)| c);
    let continues = matches!(cont, Some(c) if c != ' ' && c != '0');
    let text = &raw[byte_at(6)..byte_at(72)];
    let text = strip_comment(text);
    if text.trim().is_empty() {
        // Nothing after the label and continuation fields (a label alone declares nothing).
        return Line::Blank;
    }
    let lead = text.len() - text.trim_start().len();
    Line::Code(Piece {
        text,
        col: (7 + lead) as u32,
        continues,
        f2py: false,
    })
}

/// A free-form line. `after_amp`: the previous code line ended with `&`.
fn free_piece(raw: &str, after_amp: bool) -> Line<'_> {
    let raw = raw.trim_end_matches('\r');
    let t = raw.trim_start();
    if t.is_empty() {
        return Line::Blank;
    }
    if let Some(rest) = t.strip_prefix('!') {
        if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case("f2py") {
            let col = raw.len() - t.len() + 6;
            return Line::Code(Piece {
                text: strip_comment(&rest[4..]),
                col: col as u32,
                continues: false,
                f2py: true,
            });
        }
        return Line::Comment(comment_text(rest));
    }
    // A leading `#` line (a C preprocessor directive left in a `.F90` file): not Fortran.
    if t.starts_with('#') && !after_amp {
        return Line::Comment("");
    }
    let mut text = strip_comment(raw);
    let mut col = raw.len() - t.len() + 1;
    if after_amp {
        let tt = text.trim_start();
        if let Some(r) = tt.strip_prefix('&') {
            col += text.len() - tt.len() + 1;
            text = r;
        }
    }
    if text.trim().is_empty() {
        return Line::Blank;
    }
    Line::Code(Piece {
        text,
        col: col as u32,
        continues: after_amp,
        f2py: false,
    })
}

/// The text of a comment line without its marker and the doxygen `>` after it.
fn comment_text(s: &str) -> &str {
    let s = s
        .strip_prefix('>')
        .map_or(s, |r| r.strip_prefix(' ').unwrap_or(r));
    s.trim_end()
}

/// The code part of a line: up to a `!` outside a string.
fn strip_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == '!' => return &s[..i],
            None => {}
        }
    }
    s
}

/// Free form: removes a trailing `&` (continuation) and says whether there was one.
fn strip_trailing_amp(s: &str) -> (&str, bool) {
    let t = s.trim_end();
    match t.strip_suffix('&') {
        Some(r) => (r, true),
        None => (s, false),
    }
}

/// Splits at `;` outside strings and parentheses.
fn split_semicolons(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';' => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// `INCLUDE 'name'` (or `"name"`): the name.
fn include_name(s: &str) -> Option<String> {
    let t = s.trim();
    if t.len() < 8 || !t[..7].eq_ignore_ascii_case("include") {
        return None;
    }
    let rest = t[7..].trim_start();
    let q = rest.chars().next()?;
    if q != '\'' && q != '"' {
        return None;
    }
    let end = rest[1..].find(q)?;
    rest[1 + end + 1..]
        .trim()
        .is_empty()
        .then(|| rest[1..1 + end].to_string())
}

fn find_include(name: &str, from: Option<&Path>, dirs: &[PathBuf]) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.exists().then(|| p.to_path_buf());
    }
    from.and_then(Path::parent)
        .into_iter()
        .chain(dirs.iter().map(PathBuf::as_path))
        .map(|d| d.join(name))
        .find(|c| c.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str, form: Form) -> Vec<(String, u32, u32)> {
        let (stmts, errors) = read_text(src, form, "t.f");
        assert!(errors.is_empty(), "{errors:?}");
        stmts
            .into_iter()
            .map(|s| (s.text, s.loc.line, s.loc.col))
            .collect()
    }

    #[test]
    fn fixed_form_columns_continuations_and_comments() {
        let src = "\
*> \\brief doc
C     a comment
      SUBROUTINE DGESV( N, NRHS, A, LDA, IPIV, B, LDB,
     $                  INFO )
      INTEGER            INFO, LDA   ! trailing comment
   10 CONTINUE
      X = 'it''s ! not a comment'
      DOUBLE PRECISION   A( LDA, * )                                    IGNORED
\tY = 1
\t1+ 2
";
        let t = texts(src, Form::Fixed);
        assert_eq!(
            t,
            vec![
                (
                    "SUBROUTINE DGESV( N, NRHS, A, LDA, IPIV, B, LDB,                  INFO )"
                        .to_string(),
                    3,
                    7
                ),
                ("INTEGER            INFO, LDA".into(), 5, 7),
                ("CONTINUE".into(), 6, 7),
                ("X = 'it''s ! not a comment'".into(), 7, 7),
                ("DOUBLE PRECISION   A( LDA, * )".into(), 8, 7),
                ("Y = 1+ 2".into(), 9, 2),
            ]
        );
        let (stmts, _) = read_text(src, Form::Fixed, "t.f");
        assert_eq!(
            stmts[0].comments,
            vec![
                (1, "\\brief doc".to_string()),
                (2, "     a comment".to_string())
            ]
        );
    }

    #[test]
    fn free_form_ampersands_semicolons_and_directives() {
        let src = "\
!> doc line
subroutine s(a, &   ! comment after &
    & b) bind(c)
  integer :: a; real :: b
  !f2py intent(out) b
  x = \"a;b\" ! c
#if defined(X)
end subroutine
";
        let (stmts, errors) = read_text(src, Form::Free, "t.f90");
        assert!(errors.is_empty());
        let t: Vec<(&str, u32, u32, bool)> = stmts
            .iter()
            .map(|s| (s.text.as_str(), s.loc.line, s.loc.col, s.f2py))
            .collect();
        assert_eq!(
            t,
            vec![
                ("subroutine s(a,   b) bind(c)", 2, 1, false),
                ("integer :: a", 4, 3, false),
                ("real :: b", 4, 3, false),
                ("intent(out) b", 5, 8, true),
                ("x = \"a;b\"", 6, 3, false),
                ("end subroutine", 8, 1, false),
            ]
        );
        assert_eq!(stmts[0].comments, vec![(1, "doc line".to_string())]);
    }

    #[test]
    fn includes_are_read_in_place_or_reported() {
        let dir = std::env::temp_dir().join(format!("jitffi-finc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("decl.inc"), "      INTEGER N\n").unwrap();
        std::fs::write(
            dir.join("main.f"),
            "      SUBROUTINE S(N)\n      INCLUDE 'decl.inc'\n      END\n",
        )
        .unwrap();
        let stmts = read_file(&dir.join("main.f"), &[]).unwrap();
        let t: Vec<&str> = stmts.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(t, ["SUBROUTINE S(N)", "INTEGER N", "END"]);
        assert!(stmts[1].loc.file.ends_with("decl.inc"));
        std::fs::write(dir.join("bad.f"), "      INCLUDE 'nope.inc'\n").unwrap();
        let e = read_file(&dir.join("bad.f"), &[]).unwrap_err();
        assert!(
            e.to_string()
                .contains("bad.f:1:7: INCLUDE 'nope.inc' not found"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
