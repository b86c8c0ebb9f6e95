//! Lexical helpers on compressed statements: the compressed form itself, top-level splitting,
//! matching parentheses, spotting an assignment, and identifier lengths.

/// Compressed form: upper case, no blanks, outside strings.
pub(crate) fn compress(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c.is_whitespace() => {}
            None => out.push(c.to_ascii_uppercase()),
        }
    }
    out
}

/// Splits at top-level commas (outside parentheses and strings).
pub(crate) fn split_top(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                c if c == sep && depth == 0 => {
                    parts.push(&s[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            },
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The index just after the parenthesised group starting at `open` (which is `(`).
pub(crate) fn close_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for (i, c) in s[open..].char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(open + i + 1);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// A top-level `=` (not inside parentheses or strings, not part of `==`, `<=`, `>=`, `/=`,
/// `=>`): an assignment, a `DO` loop, a statement function.
pub(super) fn has_top_level_assign(s: &str) -> bool {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' => depth += 1,
                b')' => depth -= 1,
                b'=' if depth == 0 => {
                    let prev = if i > 0 { b[i - 1] } else { 0 };
                    let next = b.get(i + 1).copied().unwrap_or(0);
                    if !matches!(prev, b'=' | b'<' | b'>' | b'/') && next != b'=' && next != b'>' {
                        return true;
                    }
                }
                _ => {}
            },
        }
    }
    false
}

/// The variable an assignment statement assigns to and the value assigned (`A(I,J)=…`,
/// `X=…`, `A(I)(1:2)=…`, also behind logical `IF (…)` and `WHERE (…)` prefixes), from a
/// statement without blanks, upper case; `None` for any other statement.
pub(super) fn assignment(s: &str) -> Option<(&str, &str)> {
    let rest = statement_of(s)?;
    let n = ident_len(rest);
    if n == 0 || !rest.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    let mut after = &rest[n..];
    // Subscripts, then a substring range.
    while after.starts_with('(') {
        after = &after[close_paren(after, 0)?..];
    }
    let value = after.strip_prefix('=')?;
    (!value.starts_with(['=', '>'])).then_some((&rest[..n], value))
}

/// The statement a logical `IF (…)` or `WHERE (…)` guards (`s` itself when it has no such
/// prefix; `None` for a block `IF (…) THEN`).
fn statement_of(s: &str) -> Option<&str> {
    let mut rest = s;
    for prefix in ["IF", "WHERE"] {
        if rest.starts_with(prefix) && rest[prefix.len()..].starts_with('(') {
            rest = &rest[close_paren(rest, prefix.len())?..];
            if rest.is_empty() || rest == "THEN" {
                return None;
            }
        }
    }
    Some(rest)
}

/// A `CALL` statement's routine and, for each actual argument, the variable it is when it is
/// one or an element of one (`V(1,J)` is `V`; an expression is `None`), from a statement
/// without blanks, upper case (also behind a logical `IF (…)`).
pub(super) fn call_statement(s: &str) -> Option<(&str, Vec<Option<&str>>)> {
    let rest = statement_of(s)?.strip_prefix("CALL")?;
    if has_top_level_assign(s) {
        return None;
    }
    let n = ident_len(rest);
    if n == 0 {
        return None;
    }
    let callee = &rest[..n];
    let after = &rest[n..];
    if after.is_empty() {
        return Some((callee, Vec::new()));
    }
    let end = close_paren(after, 0)?;
    let actuals = split_top(&after[1..end - 1], ',')
        .into_iter()
        .map(|a| {
            let k = ident_len(a);
            let whole =
                k == a.len() || (a[k..].starts_with('(') && close_paren(a, k) == Some(a.len()));
            (k > 0 && a.as_bytes()[0].is_ascii_alphabetic() && whole).then_some(&a[..k])
        })
        .collect();
    Some((callee, actuals))
}

/// An identifier at the start of `s`: its length.
pub(super) fn ident_len(s: &str) -> usize {
    s.char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphanumeric() || c == '_' || (i > 0 && c == '$')))
        .map_or(s.len(), |(i, _)| i)
}
