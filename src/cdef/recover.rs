//! Recovery from syntax errors: the lexemes of C text, the declaration around an error and the likely cause (an unknown type name, most often).
#![forbid(unsafe_code)]

use crate::ctype::TypeTable;

/// A word (identifier, keyword, number) at `start..end`, or a punctuation byte at its offset.
pub(super) enum Lexeme {
    Word(usize, usize),
    Punct(usize, u8),
}

/// The lexemes of C text from `from` on, skipping white space, `#` directive lines and string
/// and character literals: what the nesting check and error recovery look at.
pub(super) fn lexemes(b: &[u8], from: usize) -> impl Iterator<Item = Lexeme> + '_ {
    let mut i = from;
    let mut line_start = true;
    std::iter::from_fn(move || {
        while i < b.len() {
            let c = b[i];
            if c == b'\n' {
                line_start = true;
                i += 1;
                continue;
            }
            if c == b'#' && line_start {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            line_start = false;
            if c == b'"' || c == b'\'' {
                i += 1;
                while i < b.len() && b[i] != c && b[i] != b'\n' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                continue;
            }
            let start = i;
            if c.is_ascii_alphanumeric() || c == b'_' {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                return Some(Lexeme::Word(start, i));
            }
            i += 1;
            return Some(Lexeme::Punct(start, c));
        }
        None
    })
}

pub(super) fn blank_range(s: &mut String, from: usize, to: usize) {
    let mut bytes = std::mem::take(s).into_bytes();
    for c in &mut bytes[from..to] {
        if *c != b'\n' {
            *c = b' ';
        }
    }
    *s = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

/// The top-level declaration around a syntax error: from the end of the previous one to the
/// `;` that ends it (or the end of the text).
pub(super) fn recovery_span(src: &str, err: usize, base: usize) -> Option<(usize, usize)> {
    let b = src.as_bytes();
    let mut depth = 0i64;
    let mut last_end = base;
    let mut end = None;
    for lx in lexemes(b, base) {
        let Lexeme::Punct(i, c) = lx else { continue };
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b';' if depth <= 0 => {
                if i < err {
                    last_end = i + 1;
                } else {
                    end = Some(i + 1);
                    break;
                }
                depth = 0;
            }
            _ => {}
        }
    }
    let end = end.unwrap_or(b.len());
    if end <= last_end || last_end > err {
        return None;
    }
    if src[last_end..end].trim().is_empty() {
        return None;
    }
    Some((last_end, end))
}

pub(super) fn token_at(src: &str, off: usize) -> String {
    let rest = src.get(off..).unwrap_or("");
    let rest = rest.trim_start();
    if rest.is_empty() {
        // Not an identifier, so no caller takes it for a type name.
        return "<end of input>".into();
    }
    let first = rest.chars().next().unwrap_or(' ');
    if first.is_ascii_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    } else {
        first.to_string()
    }
}

pub(super) fn word_before(src: &str, off: usize) -> Option<&str> {
    let head = src.get(..off)?.trim_end();
    // `rfind` gives the byte index of the character before the word, which may be multi-byte.
    let start = head
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(0, |(p, c)| p + c.len_utf8());
    let w = &head[start..];
    (!w.is_empty() && !w.as_bytes()[0].is_ascii_digit()).then_some(w)
}

pub(super) const KEYWORDS: [&str; 40] = [
    "auto",
    "break",
    "case",
    "char",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extern",
    "float",
    "for",
    "goto",
    "if",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "typedef",
    "union",
    "unsigned",
    "void",
    "volatile",
    "while",
    "_Bool",
    "_Complex",
    "_Alignof",
    "_Static_assert",
    "__attribute__",
    "__extension__",
];

/// Keywords that name or qualify a type: a word after one is a declarator name.
pub(super) const TYPE_KEYWORDS: [&str; 15] = [
    "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned", "_Bool",
    "_Complex", "struct", "union", "enum", "__int128",
];

/// What a syntax error most likely is.
pub(super) enum SyntaxError {
    /// An identifier used as a type name that no declaration made one.
    UnknownType(String),
    /// Anything else, with its message.
    Other(String),
}

/// Names the likely cause of a syntax error: an unknown type name is the common case.
pub(super) fn classify_syntax_error(
    src: &str,
    off: usize,
    expected: &std::collections::HashSet<&'static str>,
    table: &TypeTable,
    assumed: &[String],
) -> SyntaxError {
    let tok = token_at(src, off);
    let is_ident = |w: &str| {
        w.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && !KEYWORDS.contains(&w)
            && table.typedef(w).is_none()
            && !assumed.iter().any(|a| a == w)
    };
    // A word right after a type specifier is a declarator name, not an unknown type
    // (`int also broken;`).
    let is_type_word = |w: &str| {
        TYPE_KEYWORDS.contains(&w) || table.typedef(w).is_some() || assumed.iter().any(|a| a == w)
    };
    let after_type = |at: usize| word_before(src, at).is_some_and(is_type_word);
    // `foo_t x;`: the error is reported at `x`, after the unknown name.
    if let Some(prev) = word_before(src, off)
        && is_ident(prev)
        && (is_ident(&tok) || tok == "*")
    {
        let prev_at = src[..off].trim_end().len() - prev.len();
        if !after_type(prev_at) {
            return SyntaxError::UnknownType(prev.to_string());
        }
    }
    // `int f(foo_t x)`: reported at `foo_t`, where a declaration or parameter starts.
    let starts_declaration = {
        let head = src[..off].trim_end();
        let last_line = head.rsplit('\n').next().unwrap_or("");
        head.is_empty()
            || last_line.trim_start().starts_with('#')
            || head.ends_with(['(', ',', ';', '{', '}'])
            || word_before(src, off).is_some_and(|w| {
                matches!(
                    w,
                    "const" | "volatile" | "static" | "extern" | "register" | "typedef" | "inline"
                )
            })
    };
    if is_ident(&tok) && starts_declaration {
        let rest = src.get(off..).unwrap_or("").trim_start();
        let after = rest.get(tok.len()..).unwrap_or("").trim_start();
        if after.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_' || c == '*') {
            return SyntaxError::UnknownType(tok);
        }
    }
    // lang-c lists character classes ('[_a-zA-Z0-9]') and rule names among the expected
    // tokens; only literal tokens help the reader.
    let mut exp: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|e| !e.is_empty() && !e.starts_with('[') && !e.starts_with('<'))
        .collect();
    exp.sort_unstable();
    let list = exp
        .iter()
        .take(8)
        .map(|e| format!("'{e}'"))
        .collect::<Vec<_>>()
        .join(", ");
    SyntaxError::Other(if list.is_empty() {
        format!("syntax error near '{tok}'")
    } else {
        format!("syntax error near '{tok}' (expected {list})")
    })
}
