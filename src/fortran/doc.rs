//! The doxygen blocks Reference LAPACK documents every routine with: `\brief`, `\par Purpose`,
//! and per argument `\param[in|out|in,out] NAME` followed by `NAME is TYPE array, dimension
//! (LDA,N)`.

use super::model::{Doc, FType, Intent, ParamDoc, ProcSig};
use super::parse::{compress, split_top};

/// Reads the comment lines before a routine.
pub fn parse(comments: &[(u32, String)]) -> Doc {
    let mut doc = Doc::default();
    let mut current: Option<String> = None;
    let mut in_purpose = false;
    let mut lines = comments.iter().map(|(_, l)| l.trim()).peekable();
    while let Some(l) = lines.next() {
        if let Some(b) = l.strip_prefix("\\brief") {
            let b = b.replace("<b>", "").replace("</b>", "");
            let b = b.trim();
            doc.brief = b.strip_prefix("\\b ").unwrap_or(b).trim().to_string();
            current = None;
            continue;
        }
        if l.starts_with("\\par Purpose") {
            in_purpose = true;
            current = None;
            continue;
        }
        if let Some(rest) = l.strip_prefix("\\param[") {
            in_purpose = false;
            let Some((io, name)) = rest.split_once(']') else {
                continue;
            };
            let intent = match io.replace(' ', "").to_ascii_lowercase().as_str() {
                "in" => Some(Intent::In),
                "out" => Some(Intent::Out),
                "in,out" | "inout" => Some(Intent::InOut),
                _ => None,
            };
            let name = name.trim().to_ascii_uppercase();
            doc.params.insert(
                name.clone(),
                ParamDoc {
                    intent,
                    ..ParamDoc::default()
                },
            );
            current = Some(name);
            continue;
        }
        if l.starts_with("\\endverbatim") {
            if in_purpose && !doc.purpose.is_empty() {
                in_purpose = false;
            }
            continue;
        }
        if l.starts_with("\\verbatim") || l.starts_with("\\htmlonly") {
            continue;
        }
        if l.starts_with('\\') || l.starts_with("====") {
            // Another section (`\ingroup`, `\author`, …).
            if !l.starts_with("\\verbatim") {
                current = None;
                in_purpose = in_purpose && doc.purpose.is_empty();
            }
            continue;
        }
        if in_purpose {
            if !l.is_empty() || !doc.purpose.is_empty() {
                if !doc.purpose.is_empty() {
                    doc.purpose.push('\n');
                }
                doc.purpose.push_str(l);
            }
            continue;
        }
        let Some(name) = &current else { continue };
        let Some(p) = doc.params.get_mut(name) else {
            continue;
        };
        if p.is.is_empty()
            && let Some(rest) = strip_is(l, name)
        {
            // `A is DOUBLE PRECISION array, dimension (LDA,N)`, possibly continued.
            let mut is = rest.to_string();
            if let Some(i) = find_ci(&is, "dimension") {
                let mut spec = is[i + "dimension".len()..].to_string();
                while paren_depth(&spec) > 0 || spec.trim().is_empty() {
                    match lines.peek() {
                        Some(next) if !next.starts_with('\\') => {
                            spec.push_str(next);
                            lines.next();
                        }
                        _ => break,
                    }
                }
                p.dims = dims_of(&spec);
                is.truncate(i);
            }
            p.is = is.trim().trim_end_matches(',').trim().to_string();
            continue;
        }
        if l.is_empty() && p.text.is_empty() {
            continue;
        }
        if !p.text.is_empty() {
            p.text.push('\n');
        }
        p.text.push_str(l);
    }
    for p in doc.params.values_mut() {
        let t = p.text.trim_end().len();
        p.text.truncate(t);
    }
    doc
}

/// `NAME is …` (any case, `NAME` alone or in a list `M, N are …`): the rest.
fn strip_is<'a>(l: &'a str, name: &str) -> Option<&'a str> {
    let upper = l.to_ascii_uppercase();
    let head = format!("{name} IS ");
    if upper.starts_with(&head) {
        return Some(&l[head.len()..]);
    }
    None
}

fn find_ci(s: &str, w: &str) -> Option<usize> {
    s.to_ascii_lowercase().find(w)
}

fn paren_depth(s: &str) -> i32 {
    s.chars().fold(0, |d, c| match c {
        '(' => d + 1,
        ')' => d - 1,
        _ => d,
    })
}

/// `(LDA,N)` / ` (max(1,LWORK))`: the dimensions, compressed.
fn dims_of(spec: &str) -> Option<Vec<String>> {
    let s = spec.trim_start();
    let open = s.find('(')?;
    if !s[..open].trim().is_empty() {
        return None;
    }
    let mut depth = 0;
    let mut end = None;
    for (i, c) in s[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(open + i);
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = compress(&s[open + 1..end?]);
    Some(
        split_top(&inner, ',')
            .into_iter()
            .map(str::to_string)
            .collect(),
    )
}

/// A dummy procedure's interface from its doc line: `a LOGICAL FUNCTION of two DOUBLE
/// PRECISION arguments`, `a LOGICAL FUNCTION of one COMPLEX*16 argument`.
pub fn proc_sig(is: &str, declared: Option<&FType>) -> Option<ProcSig> {
    let c = compress(is);
    let at = c.find("FUNCTIONOF")?;
    let result = type_words(c[..at].trim_start_matches('A').trim_start_matches("AN"))
        .or_else(|| declared.cloned())?;
    let rest = &c[at + "FUNCTIONOF".len()..];
    let counts = [
        ("ONE", 1),
        ("TWO", 2),
        ("THREE", 3),
        ("FOUR", 4),
        ("FIVE", 5),
    ];
    let (word, n) = counts.iter().find(|(w, _)| rest.starts_with(w))?;
    let rest = &rest[word.len()..];
    let end = rest.find("ARGUMENT")?;
    let ty = type_words(&rest[..end])?;
    Some(ProcSig {
        result: Some(result),
        args: vec![ty; *n],
    })
}

/// `DOUBLEPRECISION`, `REAL`, `COMPLEX*16`, `LOGICAL` … (compressed) as a type.
fn type_words(w: &str) -> Option<FType> {
    Some(match w {
        "DOUBLEPRECISION" | "REAL*8" => FType::Real { kind: Some(8) },
        "REAL" => FType::Real { kind: None },
        "COMPLEX*16" | "DOUBLECOMPLEX" => FType::Complex { kind: Some(8) },
        "COMPLEX" => FType::Complex { kind: None },
        "INTEGER" => FType::Integer { kind: None },
        "LOGICAL" => FType::Logical { kind: None },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(s: &str) -> Vec<(u32, String)> {
        s.lines()
            .enumerate()
            .map(|(i, l)| (i as u32 + 1, l.to_string()))
            .collect()
    }

    #[test]
    fn lapack_blocks() {
        let d = parse(&lines(
            "\
\\brief <b> DGESV computes the solution to system of linear equations A * X = B for GE matrices</b>
\\par Purpose:
 =============

\\verbatim

DGESV computes the solution to a real system of linear equations
   A * X = B,
\\endverbatim
\\param[in] N
\\verbatim
         N is INTEGER
         The number of linear equations.
\\endverbatim

\\param[in,out] A
\\verbatim
         A is DOUBLE PRECISION array, dimension (LDA,N)
         On entry, the N-by-N coefficient matrix A.
\\endverbatim
\\param[out] WORK
\\verbatim
         WORK is DOUBLE PRECISION array, dimension
                                 (max(1,LWORK))
\\endverbatim",
        ));
        assert_eq!(
            d.brief,
            "DGESV computes the solution to system of linear equations A * X = B for GE matrices"
        );
        assert_eq!(
            d.purpose,
            "DGESV computes the solution to a real system of linear equations\nA * X = B,"
        );
        let n = &d.params["N"];
        assert_eq!((n.intent, n.is.as_str()), (Some(Intent::In), "INTEGER"));
        assert_eq!(n.text, "The number of linear equations.");
        let a = &d.params["A"];
        assert_eq!(a.intent, Some(Intent::InOut));
        assert_eq!(a.is, "DOUBLE PRECISION array");
        assert_eq!(a.dims, Some(vec!["LDA".into(), "N".into()]));
        assert_eq!(d.params["WORK"].dims, Some(vec!["MAX(1,LWORK)".into()]));
    }

    #[test]
    fn callback_signatures() {
        let sig = |s| proc_sig(s, None);
        assert_eq!(
            sig("a LOGICAL FUNCTION of two DOUBLE PRECISION arguments"),
            Some(ProcSig {
                result: Some(FType::Logical { kind: None }),
                args: vec![FType::Real { kind: Some(8) }; 2]
            })
        );
        assert_eq!(
            sig("a LOGICAL FUNCTION of one COMPLEX*16 argument"),
            Some(ProcSig {
                result: Some(FType::Logical { kind: None }),
                args: vec![FType::Complex { kind: Some(8) }]
            })
        );
        assert_eq!(sig("an INTEGER"), None);
    }
}
