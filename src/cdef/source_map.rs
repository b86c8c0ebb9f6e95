//! Offsets of the parsed source to `file:line:column`, through the linemarkers of the prelude and of `cc -E`.
#![forbid(unsafe_code)]

use super::{CdefError, Diagnostic};

/// Converts `(offset in the preprocessed text, message)` pairs into located diagnostics;
/// `base` is the length of the prelude in front of that text in `source`.
pub(super) fn finish(
    source: &str,
    default_file: &str,
    base: usize,
    mut diags: Vec<(usize, String)>,
) -> CdefError {
    for d in &mut diags {
        d.0 += base;
    }
    diags.sort_by_key(|d| d.0);
    diags.dedup();
    let map = SourceMap::new(source, default_file);
    CdefError {
        diagnostics: diags
            .into_iter()
            .map(|(off, message)| {
                let (file, line, column) = map.locate(off);
                Diagnostic {
                    file,
                    line,
                    column,
                    message,
                }
            })
            .collect(),
    }
}

/// Maps offsets of the parsed source to `(file, line, column)` through linemarkers.
pub(super) struct SourceMap<'a> {
    src: &'a str,
    line_starts: Vec<usize>,
    /// `(index of the line after the marker, file, line number of that line)`.
    markers: Vec<(usize, String, u32)>,
    default_file: String,
}

impl<'a> SourceMap<'a> {
    pub(super) fn new(src: &'a str, default_file: &str) -> Self {
        let mut line_starts = vec![0];
        for (i, c) in src.bytes().enumerate() {
            if c == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let mut markers = Vec::new();
        for (idx, &st) in line_starts.iter().enumerate() {
            let line = src[st..].split('\n').next().unwrap_or("");
            let t = line.trim_start();
            if let Some(rest) = t.strip_prefix('#') {
                let rest = rest.trim_start();
                let rest = rest.strip_prefix("line").map_or(rest, str::trim_start);
                let num: String = rest.chars().take_while(char::is_ascii_digit).collect();
                // Line 0 names no line (C's #line takes 1 and up): such a marker is ignored, so
                // that diagnostics keep pointing at real lines.
                if let (Ok(n @ 1..), Some(q1)) = (num.parse::<u32>(), rest.find('"'))
                    && let Some(q2) = rest[q1 + 1..].find('"')
                {
                    markers.push((idx + 1, rest[q1 + 1..q1 + 1 + q2].to_string(), n));
                }
            }
        }
        SourceMap {
            src,
            line_starts,
            markers,
            default_file: default_file.to_string(),
        }
    }

    pub(super) fn locate(&self, off: usize) -> (String, u32, u32) {
        let off = off.min(self.src.len());
        let idx = match self.line_starts.binary_search(&off) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let col = self.src[self.line_starts[idx]..off].chars().count() + 1;
        let marker = self.markers.iter().rev().find(|m| m.0 <= idx);
        let (file, line) = match marker {
            Some((mi, f, n)) => (f.clone(), *n as usize + (idx - mi)),
            None => (self.default_file.clone(), idx + 1),
        };
        (
            file,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}
