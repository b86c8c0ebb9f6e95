//! Nesting limits: what makes lang-c's recursive parser go deeper, counted before it runs.
#![forbid(unsafe_code)]

use super::recover::{Lexeme, lexemes};
use super::{MAX_LINKS, MAX_NESTING, MAX_PAREN_NESTING, MAX_SIGN_RUN};

/// How deep an input nests: the most brackets open at once and the most recursion-inducing
/// tokens in one declaration or expression.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Nesting {
    pub(crate) brackets: usize,
    pub(crate) links: usize,
}

/// Counts what makes lang-c's recursive parser go deeper, token by token (shared by the
/// preprocessor's fixups pass and `type_of`), and records the first limit exceeded.
#[derive(Debug, Default)]
pub(crate) struct NestCounter {
    depth: usize,
    parens: usize,
    run: usize,
    /// Adjacent `+`/`-` characters so far, and where the next one would be adjacent.
    signs: usize,
    signs_end: usize,
    pub(crate) seen: Nesting,
    pub(crate) error: Option<(usize, String)>,
}

impl NestCounter {
    /// An opening bracket at `at`.
    pub(crate) fn open(&mut self, at: usize) {
        self.depth += 1;
        self.seen.brackets = self.seen.brackets.max(self.depth);
        if self.depth > MAX_NESTING && self.error.is_none() {
            self.error = Some((
                at,
                format!("nesting deeper than {MAX_NESTING} levels of (, [ and {{"),
            ));
        }
        self.link(at);
    }

    /// A closing bracket.
    pub(crate) fn close(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// An opening parenthesis at `at` (also counted by [`NestCounter::open`]).
    fn open_paren(&mut self, at: usize) {
        self.parens += 1;
        if self.parens > MAX_PAREN_NESTING && self.error.is_none() {
            self.error = Some((
                at,
                format!(
                    "parentheses nested deeper than {MAX_PAREN_NESTING} levels (jitffi's limit; real headers nest at most 4)"
                ),
            ));
        }
        self.open(at);
    }

    /// A token that adds a level of recursion (operator, `sizeof`, bracket).
    pub(crate) fn link(&mut self, at: usize) {
        self.run += 1;
        self.seen.links = self.seen.links.max(self.run);
        if self.run > MAX_LINKS && self.error.is_none() {
            self.error = Some((
                at,
                format!(
                    "more than {MAX_LINKS} operators, casts and brackets in one declaration or expression"
                ),
            ));
        }
    }

    /// A delimiter of declarations and expressions (`;`, `,`, `{`, `}`).
    pub(crate) fn delimiter(&mut self) {
        self.run = 0;
    }

    /// Feeds one punctuation byte.
    pub(crate) fn punct(&mut self, c: u8, at: usize) {
        if matches!(c, b'+' | b'-') {
            self.signs = if at == self.signs_end && at > 0 {
                self.signs + 1
            } else {
                1
            };
            self.signs_end = at + 1;
            if self.signs > MAX_SIGN_RUN && self.error.is_none() {
                self.error = Some((
                    at,
                    format!(
                        "more than {MAX_SIGN_RUN} '+' and '-' in a row (jitffi's limit: the parser's time doubles with each)"
                    ),
                ));
            }
        }
        match c {
            b'(' => self.open_paren(at),
            b'[' => self.open(at),
            b'{' => {
                self.open(at);
                self.delimiter();
            }
            b')' => {
                self.parens = self.parens.saturating_sub(1);
                self.close();
            }
            b']' => self.close(),
            b'}' => {
                self.close();
                self.delimiter();
            }
            b';' | b',' => self.delimiter(),
            b'-' | b'+' | b'!' | b'~' | b'*' | b'&' => self.link(at),
            _ => {}
        }
    }

    /// Feeds one word (identifier or keyword).
    pub(crate) fn word(&mut self, w: &[u8], at: usize) {
        if matches!(
            w,
            b"sizeof" | b"_Alignof" | b"alignof" | b"__alignof__" | b"__alignof"
        ) {
            self.link(at);
        }
    }
}

/// Rejects input nested deeper than [`MAX_NESTING`] or with more than [`MAX_LINKS`]
/// recursion-inducing tokens in one declaration, before the recursive parser sees it; returns
/// how deep it nests.
pub(super) fn check_nesting(src: &str, from: usize) -> Result<Nesting, (usize, String)> {
    let b = src.as_bytes();
    let mut n = NestCounter::default();
    for lx in lexemes(b, from) {
        match lx {
            Lexeme::Word(start, end) => n.word(&b[start..end], start),
            Lexeme::Punct(at, c) => n.punct(c, at),
        }
        if let Some(e) = n.error {
            return Err(e);
        }
    }
    Ok(n.seen)
}
