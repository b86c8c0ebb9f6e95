//! Generated inputs of the `random` suite: random bytes and characters, token soups, valid
//! records, token-level mutations of the corpus, concatenations, type names; each input from
//! its own seeded generator.

use crate::cases::{Api, Case, CaseSource, cdef, env_usize, type_of};
use crate::common::random::Gen;
use crate::corpus::{ALPHABET, INTERESTING, SNIPPETS, TYPE_NAMES, cdefs_files};
use crate::{DEFAULT_ITERS, DEFAULT_SEED, ITERS_ENV, MAX_MUTANT, SEED_ENV};
use jitffi::CdefOptions;

pub(crate) struct RandomCases {
    iters: usize,
    seed: u64,
    /// Snippets, then the `cdefs/` files.
    corpus: Vec<String>,
}

impl RandomCases {
    pub(crate) fn new() -> RandomCases {
        let seed = std::env::var(SEED_ENV)
            .ok()
            .and_then(|s| {
                let s = s.trim();
                s.strip_prefix("0x")
                    .map_or_else(|| s.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
            })
            .unwrap_or(DEFAULT_SEED);
        let mut corpus: Vec<String> = SNIPPETS.iter().map(|s| (*s).to_string()).collect();
        corpus.extend(cdefs_files().into_iter().map(|(_, t)| t));
        RandomCases {
            iters: env_usize(ITERS_ENV).unwrap_or(DEFAULT_ITERS),
            seed,
            corpus,
        }
    }

    /// A piece of corpus entry `k`: a whole snippet, or a line-aligned window of a big file.
    fn corpus_text(&self, rng: &mut fastrand::Rng, k: usize) -> String {
        let t = &self.corpus[k];
        if t.len() <= 16 << 10 {
            return t.clone();
        }
        let mut from = rng.usize(..t.len() - (8 << 10));
        while !t.is_char_boundary(from) {
            from -= 1;
        }
        let from = t[..from].rfind('\n').map_or(0, |p| p + 1);
        let mut to = (from + (8 << 10)).min(t.len());
        while !t.is_char_boundary(to) {
            to -= 1;
        }
        t[from..to].to_string()
    }
}

impl CaseSource for RandomCases {
    fn len(&self) -> usize {
        self.iters
    }

    fn get(&self, i: usize) -> Case {
        // Every input has its own generator, so any one regenerates without the others.
        let mut rng =
            fastrand::Rng::with_seed(self.seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let shared = rng.u32(..100) < 30;
        let (kind, mut step) = match rng.u32(..100) {
            0..8 => ("bytes", cdef(random_bytes(&mut rng))),
            8..14 => ("chars", cdef(random_chars(&mut rng))),
            14..24 => ("soup", cdef(token_soup(&mut rng))),
            24..34 => {
                // Valid struct and union definitions (the layout test's generator), sometimes
                // mutated.
                let mut g = Gen::new(rng.u64(..));
                for _ in 0..1 + rng.usize(..6) {
                    g.record();
                }
                let n = rng.usize(..3);
                let text = if n == 0 {
                    g.text().to_string()
                } else {
                    mutate(&mut rng, g.text(), SNIPPETS[0], n)
                };
                ("records", cdef(text))
            }
            34..80 => {
                let k = rng.usize(..self.corpus.len());
                let base = self.corpus_text(&mut rng, k);
                let other = {
                    let k2 = rng.usize(..self.corpus.len());
                    self.corpus_text(&mut rng, k2)
                };
                let n = 1 + rng.usize(..4);
                ("mutant", cdef(mutate(&mut rng, &base, &other, n)))
            }
            80..88 => {
                let mut text = String::new();
                for _ in 0..1 + rng.usize(..3) {
                    let k = rng.usize(..self.corpus.len());
                    text.push_str(&self.corpus_text(&mut rng, k));
                    text.push('\n');
                }
                ("concat", cdef(text))
            }
            _ => {
                let base = TYPE_NAMES[rng.usize(..TYPE_NAMES.len())];
                let other = TYPE_NAMES[rng.usize(..TYPE_NAMES.len())];
                let n = 1 + rng.usize(..2);
                let text = if rng.bool() {
                    base.to_string()
                } else {
                    mutate(&mut rng, base, other, n)
                };
                ("type-name", type_of(text))
            }
        };
        if step.api == Api::Cdef {
            match rng.u32(..100) {
                0..8 => step.api = Api::TypeOf,
                8..18 => {
                    let pack = [None, Some(1), Some(2), Some(4), Some(8), Some(16)][rng.usize(..6)];
                    step.opts = Some(CdefOptions {
                        allow_redefinition: rng.bool(),
                        pack,
                    });
                }
                _ => {}
            }
        }
        step.snapshot = rng.bool();
        Case {
            name: format!("random#{i} ({kind})"),
            shared,
            steps: vec![step],
            limit: None,
        }
    }
}

fn random_bytes(rng: &mut fastrand::Rng) -> String {
    let n = rng.usize(..=160);
    let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Random characters from C's punctuation, a few letters and digits, and odd characters.
fn random_chars(rng: &mut fastrand::Rng) -> String {
    const CHARS: &[u8] = b"(){}[];,*&:?=+-~!<>.#\"'/\\%^| \n\tabstxi0189_";
    let n = rng.usize(..=300);
    let mut s = String::with_capacity(n);
    for _ in 0..n {
        if rng.u32(..50) == 0 {
            s.push(['\0', 'é', '\u{FEFF}', '\r', '\u{1F600}', '\u{7f}'][rng.usize(..6)]);
        } else {
            s.push(char::from(CHARS[rng.usize(..CHARS.len())]));
        }
    }
    s
}

/// A sequence of C tokens, biased towards openers so the parser gets deep.
fn token_soup(rng: &mut fastrand::Rng) -> String {
    let n = 1 + rng.usize(..120);
    let sep = [" ", "", "\n"][rng.usize(..3)];
    let deep = rng.bool();
    let mut s = String::new();
    for _ in 0..n {
        let t = if deep && rng.u32(..3) == 0 {
            ["(", "[", "{", "(*", "-", "sizeof ", "(int)"][rng.usize(..7)]
        } else {
            ALPHABET[rng.usize(..ALPHABET.len())]
        };
        s.push_str(t);
        s.push_str(sep);
    }
    s
}

/// Splits C text into tokens (identifiers and numbers, whitespace runs, literals, single
/// characters), so mutations move whole tokens.
fn tokenize(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let st = i;
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else if c.is_ascii_whitespace() {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
        } else if c == b'"' || c == b'\'' {
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(b.len());
            while !s.is_char_boundary(i) {
                i += 1;
            }
        } else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
        }
        out.push(s[st..i].to_string());
    }
    out
}

/// A random span `[from, to)` of `n` tokens (empty when `n` is 0).
fn span(rng: &mut fastrand::Rng, n: usize, max_len: usize) -> (usize, usize) {
    if n == 0 {
        return (0, 0);
    }
    let from = rng.usize(..n);
    let to = (from + 1 + rng.usize(..max_len)).min(n);
    (from, to)
}

/// Applies `n` random token-level mutations to `base` (`other` is the splice partner).
fn mutate(rng: &mut fastrand::Rng, base: &str, other: &str, n: usize) -> String {
    let mut toks = tokenize(base);
    for _ in 0..n {
        let len = toks.len();
        match rng.u32(..12) {
            0 => {
                let t = match rng.u32(..3) {
                    0 => ALPHABET[rng.usize(..ALPHABET.len())].to_string(),
                    1 => INTERESTING[rng.usize(..INTERESTING.len())].to_string(),
                    _ if len > 0 => toks[rng.usize(..len)].clone(),
                    _ => ";".to_string(),
                };
                toks.insert(rng.usize(..=len), t);
            }
            1 => {
                let (a, b) = span(rng, len, 8);
                toks.drain(a..b);
            }
            2 => {
                let (a, b) = span(rng, len, 16);
                let copy: Vec<String> = toks[a..b].to_vec();
                toks.splice(b..b, copy);
            }
            3 if len >= 2 => {
                let (a, b) = span(rng, len - 1, 6);
                let c = b + rng.usize(..len - b);
                let d = (c + 1 + rng.usize(..6)).min(len);
                // Swap [a, b) and [c, d) (c >= b, so they do not overlap).
                let second: Vec<String> = toks[c..d].to_vec();
                let first: Vec<String> = toks[a..b].to_vec();
                toks.splice(c..d, first);
                toks.splice(a..b, second);
            }
            4 if len > 0 => {
                let i = rng.usize(..len);
                toks[i] = INTERESTING[rng.usize(..INTERESTING.len())].to_string();
            }
            5 => {
                // Repeat a short span many times: deep nesting and long chains.
                let (a, b) = span(rng, len, 3);
                let copy: Vec<String> = toks[a..b].to_vec();
                let times = 2 + rng.usize(..400);
                let mut rep = Vec::with_capacity(copy.len() * times);
                for _ in 0..times {
                    rep.extend(copy.iter().cloned());
                }
                toks.splice(b..b, rep);
            }
            6 => {
                let o = tokenize(other);
                let cut = rng.usize(..=len);
                let from = rng.usize(..=o.len());
                toks.truncate(cut);
                toks.extend(o[from..].iter().cloned());
            }
            7 => {
                let c = match rng.u32(..4) {
                    0 => char::from(rng.u8(..0x80)),
                    1 => {
                        ['\0', 'é', '\u{FEFF}', '\u{1F600}', '\u{301}', '\u{2028}'][rng.usize(..6)]
                    }
                    _ => char::from(b"(){}[];,*#\"'/\\:"[rng.usize(..15)]),
                };
                toks.insert(rng.usize(..=len), c.to_string());
            }
            8 => {
                let (a, b) = span(rng, len, 10);
                let (open, close) = [
                    ("(", ")"),
                    ("[", "]"),
                    ("{", "}"),
                    ("(*", ")"),
                    ("__attribute__((", "))"),
                ][rng.usize(..5)];
                let times = 1 + rng.usize(..60);
                for _ in 0..times {
                    toks.insert(b.min(toks.len()), close.to_string());
                    toks.insert(a, open.to_string());
                }
            }
            9 => {
                let nl = rng.bool();
                for t in &mut toks {
                    if t.trim().is_empty() {
                        *t = if nl { "\n".into() } else { " ".into() };
                    }
                }
            }
            10 => {
                const LINES: &[&str] = &[
                    "\n#define X 1\n",
                    "\n#define X\n",
                    "\n#define X X\n",
                    "\n#undef X\n",
                    "\n#if 0\n",
                    "\n#if X\n",
                    "\n#ifdef X\n",
                    "\n#else\n",
                    "\n#elif 1\n",
                    "\n#endif\n",
                    "\n#pragma pack(1)\n",
                    "\n#pragma pack(push, 2)\n",
                    "\n#pragma pack(pop)\n",
                    "\n# 7 \"other.h\"\n",
                    "\n#line 3\n",
                    "\n#include <stdio.h>\n",
                    "\n#error stop\n",
                    "\n#warning careful\n",
                    "\n#bogus\n",
                    "\\\n",
                ];
                toks.insert(
                    rng.usize(..=len),
                    LINES[rng.usize(..LINES.len())].to_string(),
                );
            }
            _ => {
                // Truncate: unterminated everything.
                toks.truncate(rng.usize(..=len));
            }
        }
    }
    let mut s: String = toks.concat();
    if s.len() > MAX_MUTANT {
        let mut cut = MAX_MUTANT;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}
