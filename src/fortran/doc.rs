//! The doxygen blocks Reference LAPACK documents every routine with: `\brief`, `\par Purpose`,
//! and per argument `\param[in|out|in,out] NAME` followed by `NAME is TYPE array, dimension
//! (LDA,N)`.

use super::model::{Doc, FType, Intent, ParamDoc, ProcSig};
use super::parse::{close_paren, compress, split_top};

/// Reads the comment lines before a routine.
pub fn parse(comments: &[(u32, String)]) -> Doc {
    let mut doc = Doc::default();
    let mut current: Option<String> = None;
    let mut in_purpose = false;
    let mut order: Vec<String> = Vec::new();
    let mut lines = comments.iter().map(|(_, l)| l.trim()).peekable();
    while let Some(l) = lines.next() {
        if let Some(b) = l.strip_prefix("\\brief") {
            let b = b.replace("<b>", "").replace("</b>", "");
            let b = b.trim();
            doc.brief = b.strip_prefix("\\b ").unwrap_or(b).trim().to_string();
            current = None;
            continue;
        }
        // A function's `\return` block (the norms' table of `NORM = 'M' or 'm'` …) is part
        // of its purpose.
        if l.starts_with("\\par Purpose") || l.starts_with("\\return") {
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
            order.push(name.clone());
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
        // A heading underlined on the next line (`Authors:` over `========`) ends the
        // parameter too.
        if lines.peek().is_some_and(|n| n.starts_with("====")) {
            current = None;
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
            && let Some(rest) =
                strip_is(l, name).or_else(|| p.text.is_empty().then(|| strip_role(l)).flatten())
        {
            // `A is DOUBLE PRECISION array, dimension (LDA,N)`, possibly continued.
            let mut is = rest.to_string();
            // `RWORK is REAL array,` with `dimension (LRWORK)` on the next line.
            if find_ci(&is, "dimension").is_none()
                && is.trim_end().to_ascii_lowercase().ends_with("array,")
                && lines
                    .peek()
                    .is_some_and(|n| strip_ci(n.trim_start(), "dimension").is_some())
            {
                is.push(' ');
                is.push_str(lines.next().unwrap_or_default().trim_start());
            }
            // `WORK is DOUBLE PRECISION array. The dimension of WORK is N*NB if SIDE = 'L',
            // or M*NB if SIDE = 'R'.` (?GEMQRT, ?TPMQRT …): the larger.
            if let Some(i) = find_ci(&is, "the dimension of") {
                let mut sentence = is[i + "the dimension of".len()..].to_string();
                while !sentence.trim_end().ends_with('.') && append_line(&mut lines, &mut sentence)
                {
                }
                p.dims = alternative_sizes(name, &sentence);
                is.truncate(i);
            } else if let Some(i) = find_ci(&is, "dimension") {
                let mut spec = is[i + "dimension".len()..].to_string();
                // `PARAMS is REAL array, dimension NPARAMS` (the single precision ?GERFSX
                // family), `dimension MAX(1,LRWORK)` (CUNCSD): one bare expression, the rest
                // of the line, is the extent.
                let bare = spec.trim().trim_end_matches('.');
                if bare.starts_with(|c: char| c.is_ascii_alphanumeric())
                    && !bare.contains(char::is_whitespace)
                    && paren_depth(bare) == 0
                {
                    spec = format!("({bare})");
                }
                // The first parenthesised group, then the rest of its sentence when it goes
                // on with a condition (`when TRANS = 'N' …`, `where ka is …`).
                loop {
                    let more = match spec.find('(') {
                        None => true,
                        Some(_) if paren_depth(&spec) > 0 => true,
                        Some(_) => continues(&spec, lines.peek().copied()),
                    };
                    if !more || !append_line(&mut lines, &mut spec) {
                        break;
                    }
                }
                // (A first group under a condition this cannot read is not the extent: the
                // other alternative may be larger. Unknown, the array is not checked by it.)
                p.dims = conditional_dims(&spec)
                    .or_else(|| (!conditional(&spec)).then(|| dims_of(&spec)).flatten());
                // Extents that go on in prose (`dimension (MAX(1,LWORK)), where LWORK >= M
                // when NORM = 'I'; otherwise, WORK is not referenced.`) begin the
                // parameter's text, which says what they mean.
                let first = spec.trim_start();
                let first = strip_ci(first, "at least").unwrap_or(first).trim_start();
                if let Some(end) = group_end(first) {
                    let rest = first[end..].trim_start_matches([',', ' ']).trim_end();
                    if !rest.is_empty() && rest != "." {
                        p.text = format!("dimension {}", spec.trim());
                    }
                }
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
    // A parameter documented together with the next one (DLAHQR's `ILO is INTEGER` with no
    // text, then `IHI is INTEGER` and what `1 <= ILO <= max(1,IHI); IHI <= N` means for
    // both): the next one's text, where it names this one.
    for w in order.windows(2).rev() {
        let (a, b) = (&w[0], &w[1]);
        let Some((text, is)) = doc.params.get(b).map(|p| (p.text.clone(), p.is.clone())) else {
            continue;
        };
        let names_a = text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|x| x == a);
        // (Scalars of one type: not an array whose `is` line says all, beside its
        // increment.)
        if let Some(p) = doc.params.get_mut(a)
            && p.text.is_empty()
            && p.is == is
            && !is.to_ascii_lowercase().contains("array")
            && names_a
        {
            p.text = text;
        }
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

/// `(workspace) DOUBLE PRECISION array, dimension (MAX(1,LWORK))`: the first line of some
/// parameters' text (the TSQR family: xGEQR, xGEMQR, xGETSLS …) says what `NAME is` says
/// elsewhere, after its role in parentheses. The rest when it starts with a type.
fn strip_role(l: &str) -> Option<&str> {
    let upper = l.to_ascii_uppercase();
    let role = ["(WORKSPACE) ", "(OUTPUT) ", "(INPUT) ", "(INPUT/OUTPUT) "]
        .iter()
        .find(|r| upper.starts_with(*r))?;
    let rest = &l[role.len()..];
    let typed = [
        "DOUBLE PRECISION",
        "REAL",
        "COMPLEX",
        "INTEGER",
        "LOGICAL",
        "CHARACTER",
    ]
    .iter()
    .any(|t| rest.to_ascii_uppercase().starts_with(t));
    typed.then_some(rest)
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

/// Whether a `dimension` phrase goes on past its first group: its sentence is not over and
/// it, or the next line, carries a condition.
/// The extents `cond ? first : second`, dimension by dimension (`(LDA,M)` or `(LDA,N)`: LDA,
/// then `cond ? M : N`); `None` when the groups have different ranks.
fn choose(cond: &str, first: &str, second: &str) -> Option<Vec<String>> {
    let (a, b) = (compress(first), compress(second));
    let (a, b) = (split_top(&a, ','), split_top(&b, ','));
    if a.len() != b.len() {
        return None;
    }
    Some(
        a.iter()
            .zip(&b)
            .map(|(x, y)| {
                if x == y {
                    (*x).to_string()
                } else {
                    format!("({cond})?({x}):({y})")
                }
            })
            .collect(),
    )
}

/// Whether the first parenthesised group of `spec` is followed by a condition on it (`(LDA,M)
/// if SIDE = 'L', …`, `(N) when …`).
fn conditional(spec: &str) -> bool {
    let s = spec.trim_start();
    let s = strip_ci(s, "at least").unwrap_or(s).trim_start();
    let Some(close) = group_end(s) else {
        return false;
    };
    let tail = s[close..]
        .trim_start_matches([',', ' '])
        .to_ascii_lowercase();
    tail.starts_with("if ") || tail.starts_with("when ")
}

fn continues(spec: &str, next: Option<&str>) -> bool {
    let close = match group_end(spec) {
        Some(c) => c,
        None => return true,
    };
    let tail = spec[close..].trim().to_ascii_lowercase();
    if tail.contains('.') {
        return false;
    }
    let next = next
        .map(|n| n.trim().to_ascii_lowercase())
        .unwrap_or_default();
    tail.ends_with(" is")
        || tail.ends_with(" and")
        || tail.ends_with("at least")
        || tail.ends_with(',')
        || tail.contains(" when ")
        || tail.starts_with("when")
        || tail.starts_with("if ")
        || tail.contains("where")
        || ["when", "where", "and", "(", "or ("]
            .iter()
            .any(|w| next.starts_with(w))
}

/// The byte just after the first balanced parenthesised group.
fn group_end(s: &str) -> Option<usize> {
    close_paren(s, s.find('(')?)
}

/// The dimensions of BLAS's conditional phrases, as f2py expressions:
/// `at least ( 1 + ( n - 1 )*abs( INCX ) ) when TRANS = 'N' or 'n' and at least
/// ( 1 + ( m - 1 )*abs( INCX ) ) otherwise` becomes `(TRANS=='N')?(…):(…)`, and
/// `( LDA, ka ), where ka is k when TRANSA = 'N' or 'n', and is m otherwise` puts
/// `(TRANSA=='N')?(K):(M)` for `ka`. `None` when there is no condition.
fn conditional_dims(spec: &str) -> Option<Vec<String>> {
    let s = spec.trim_start();
    let s = strip_ci(s, "at least").unwrap_or(s).trim_start();
    let close = group_end(s)?;
    let open = s.find('(')?;
    let first = &s[open + 1..close - 1];
    let tail = s[close..].trim_start();
    // `(G1) when X = 'c' [or 'c'] and at least (G2) otherwise`.
    if let Some(rest) = strip_ci(tail, "when") {
        let (cond, rest) = condition(rest)?;
        let rest = rest.trim_start().trim_start_matches(',').trim_start();
        let rest = strip_ci(rest, "and")?.trim_start();
        let rest = strip_ci(rest, "at least").unwrap_or(rest).trim_start();
        let c2 = group_end(rest)?;
        let o2 = rest.find('(')?;
        let second = &rest[o2 + 1..c2 - 1];
        if !rest[c2..]
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("otherwise")
        {
            return None;
        }
        return choose(&cond, first, second);
    }
    // `(N) if SIDE = 'L' or (M) if SIDE = 'R'`, or with a comma, on two lines: `(LDA,M) if
    // SIDE = 'L', (LDA,N) if SIDE = 'R'` (the option's other letters are checked).
    if let Some(rest) = strip_ci(tail, "if ") {
        let (cond, rest) = condition(rest)?;
        // Between the alternatives: a comma, `or`, nothing (one per line), and the second
        // may say `dimension` again (xDISNA).
        let rest = rest.trim_start();
        let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        let rest = strip_ci(rest, "or").unwrap_or(rest).trim_start();
        let rest = strip_ci(rest, "dimension").unwrap_or(rest).trim_start();
        if !rest.starts_with('(') {
            return None;
        }
        // The second alternative's own condition must be a single letter test too (not
        // `if STOREV = 'R' and SIDE = 'L'`, one of three), and nothing but text after it.
        let c2 = group_end(rest)?;
        let after = rest[c2..].trim_start();
        if let Some(r) = strip_ci(after, "if ") {
            let (_, r) = condition(r)?;
            let r = r.trim_start().to_ascii_lowercase();
            if r.starts_with("and") || r.starts_with('(') || r.starts_with("dimension") {
                return None;
            }
        }
        let c2 = group_end(rest)?;
        let o2 = rest.find('(')?;
        let second = &rest[o2 + 1..c2 - 1];
        return choose(&cond, first, second);
    }
    // `(LDA, ka), where ka is A when X = 'c' …, and is B otherwise` (or `and ka is B when …`).
    let rest = tail.trim_start_matches(',').trim_start();
    let rest = strip_ci(rest, "where")?.trim_start();
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..name_len];
    let rest = strip_ci(rest[name_len..].trim_start(), "is")?.trim_start();
    let when = find_ci(rest, "when")?;
    let a = rest[..when].trim();
    let (cond, rest) = condition(&rest[when + 4..])?;
    let rest = rest.trim_start().trim_start_matches(',').trim_start();
    let rest = strip_ci(rest, "and")?.trim_start();
    // `and is B otherwise` or `and NAME is B when …`.
    let rest = strip_ci(rest, name).map_or(rest, str::trim_start);
    let rest = strip_ci(rest, "is")?.trim_start();
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .unwrap_or(rest.len());
    let b = &rest[..end];
    if a.is_empty() || b.is_empty() || a.contains(' ') {
        return None;
    }
    let dims: Vec<String> = split_top(&compress(first), ',')
        .into_iter()
        .map(|d| {
            if d.eq_ignore_ascii_case(name) {
                compress(&format!("({cond})?({a}):({b})"))
            } else {
                d.to_string()
            }
        })
        .collect();
    dims.iter().any(|d| d.contains('?')).then_some(dims)
}

/// `X = 'c' [or 'c']`: `X=='C'` and the rest.
fn condition(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    let n = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    let name = &s[..n];
    let rest = s[n..].trim_start().strip_prefix('=')?.trim_start();
    let rest = rest.strip_prefix('\'')?;
    let letter = rest.chars().next()?;
    let mut rest = rest[letter.len_utf8()..].strip_prefix('\'')?;
    // `or 'n'`: the same letter in the other case.
    let t = rest.trim_start();
    if let Some(r) = strip_ci(t, "or") {
        let r = r.trim_start();
        if let Some(r) = r.strip_prefix('\'') {
            let c = r.chars().next()?;
            if c.eq_ignore_ascii_case(&letter) {
                rest = r[c.len_utf8()..].strip_prefix('\'')?;
            }
        }
    }
    (!name.is_empty()).then(|| {
        (
            format!(
                "{}=='{}'",
                name.to_ascii_uppercase(),
                letter.to_ascii_uppercase()
            ),
            rest,
        )
    })
}

/// `s` without a leading word (any case).
fn strip_ci<'a>(s: &'a str, w: &str) -> Option<&'a str> {
    (s.len() >= w.len() && s[..w.len()].eq_ignore_ascii_case(w)).then(|| &s[w.len()..])
}

/// Appends the next line of the parameter's text to `text` (after a blank), unless the
/// parameter ends there (a `\\` command); whether it did.
fn append_line<'a>(
    lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    text: &mut String,
) -> bool {
    match lines.peek() {
        Some(next) if !next.starts_with('\\') => {
            text.push(' ');
            text.push_str(next);
            lines.next();
            true
        }
        _ => false,
    }
}

/// The extent of `… The dimension of WORK is N*NB if SIDE = 'L', or M*NB if SIDE = 'R'.`
/// (`sentence` begins after `The dimension of`): the largest of the sizes, each under its
/// condition, as one extent (`max(N*NB,M*NB)`); `None` unless the sentence is of `name` and
/// every size has its condition.
fn alternative_sizes(name: &str, sentence: &str) -> Option<Vec<String>> {
    let rest = strip_ci(sentence.trim_start(), name)?;
    let rest = strip_ci(rest.trim_start(), "is")?;
    let rest = rest.trim().trim_end_matches('.');
    let sizes: Option<Vec<String>> = rest
        .split(", or ")
        .map(|alt| {
            let i = find_ci(alt, " if ")?;
            let size = compress(alt[..i].trim());
            (!size.is_empty()).then_some(size)
        })
        .collect();
    let sizes = sizes?;
    Some(vec![match sizes.len() {
        1 => sizes[0].clone(),
        _ => format!("max({})", sizes.join(",")),
    }])
}

/// `(LDA,N)` / ` (max(1,LWORK))`: the dimensions, compressed.
fn dims_of(spec: &str) -> Option<Vec<String>> {
    let s = spec.trim_start();
    let s = strip_ci(s, "at least").unwrap_or(s).trim_start();
    // `dimension NPARAMS`: one extent, unparenthesised.
    let word: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !word.is_empty()
        && !s.starts_with('(')
        && word.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && s[word.len()..].trim().trim_end_matches('.').is_empty()
    {
        return Some(vec![word.to_ascii_uppercase()]);
    }
    let open = s.find('(')?;
    if !s[..open].trim().is_empty() {
        return None;
    }
    let inner = compress(&s[open + 1..group_end(s)? - 1]);
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
    fn blas_conditional_dimensions() {
        let d = parse(&lines(
            "\
\\param[in] A
\\verbatim
         A is DOUBLE PRECISION array, dimension ( LDA, ka ), where ka is
          k  when  TRANSA = 'N' or 'n',  and is  m  otherwise.
          Before entry with  TRANSA = 'N' or 'n',  the leading  m by k
\\endverbatim
\\param[in] X
\\verbatim
         X is DOUBLE PRECISION array, dimension at least
          ( 1 + ( n - 1 )*abs( INCX ) ) when TRANS = 'N' or 'n'
          and at least
          ( 1 + ( m - 1 )*abs( INCX ) ) otherwise.
          Before entry, the incremented array X must contain the
\\endverbatim
\\param[in] T
\\verbatim
         T is DOUBLE PRECISION array, dimension ( LDA, k ),
          where k is m when SIDE = 'L' or 'l'
            and k is n when SIDE = 'R' or 'r'.
\\endverbatim
\\param[in] Y
\\verbatim
         Y is DOUBLE PRECISION array, dimension at least
          ( 1 + ( n - 1 )*abs( INCY ) ).
          Before entry, the incremented array Y must contain the n
\\endverbatim",
        ));
        assert_eq!(
            d.params["A"].dims,
            Some(vec!["LDA".into(), "(TRANSA=='N')?(K):(M)".into()])
        );
        assert_eq!(
            d.params["X"].dims,
            Some(vec![
                "(TRANS=='N')?(1+(N-1)*ABS(INCX)):(1+(M-1)*ABS(INCX))".into()
            ])
        );
        assert_eq!(
            d.params["T"].dims,
            Some(vec!["LDA".into(), "(SIDE=='L')?(M):(N)".into()])
        );
        assert_eq!(d.params["Y"].dims, Some(vec!["1+(N-1)*ABS(INCY)".into()]));
        // The extents' prose begins the text.
        assert_eq!(
            d.params["A"].text,
            "dimension ( LDA, ka ), where ka is k  when  TRANSA = 'N' or 'n',  and is  m  \
             otherwise.\nBefore entry with  TRANSA = 'N' or 'n',  the leading  m by k"
        );
    }

    #[test]
    fn extents_without_parentheses() {
        let d = parse(&lines(
            "\
\\param[in,out] PARAMS
\\verbatim
         PARAMS is REAL array, dimension NPARAMS
    Specifies algorithm parameters.  If an entry is < 0.0, then
\\endverbatim
\\param[out] RWORK
\\verbatim
         RWORK is REAL array, dimension MAX(1,LRWORK)
         On exit, if INFO = 0, RWORK(1) returns the optimal LRWORK.
\\endverbatim
\\param[in,out] RHS
\\verbatim
         RHS is COMPLEX array, dimension N.
\\endverbatim",
        ));
        assert_eq!(d.params["PARAMS"].dims, Some(vec!["NPARAMS".into()]));
        assert_eq!(d.params["RWORK"].dims, Some(vec!["MAX(1,LRWORK)".into()]));
        assert_eq!(d.params["RHS"].dims, Some(vec!["N".into()]));
    }

    #[test]
    fn alternatives_on_separate_lines() {
        let d = parse(&lines(
            "\
\\param[in] A
\\verbatim
         A is DOUBLE PRECISION array, dimension
                              (LDA,M) if SIDE = 'L',
                              (LDA,N) if SIDE = 'R'
         The i-th row must contain the vector which defines the
\\endverbatim
\\param[in] TAU
\\verbatim
         TAU is DOUBLE PRECISION array, dimension
                              (M-1) if SIDE = 'L'
                              (N-1) if SIDE = 'R'
         TAU(i) must contain the scalar factor of the elementary
\\endverbatim
\\param[in] D
\\verbatim
         D is DOUBLE PRECISION array, dimension (M) if JOB = 'E'
                             dimension (min(M,N)) if JOB = 'L' or 'R'
         The eigenvalues (if JOB = 'E') or singular values.
\\endverbatim
\\param[in] V
\\verbatim
         V is DOUBLE PRECISION array, dimension
                               (LDV,K) if STOREV = 'C'
                               (LDV,M) if STOREV = 'R' and SIDE = 'L'
                               (LDV,N) if STOREV = 'R' and SIDE = 'R'
         The matrix V.
\\endverbatim",
        ));
        assert_eq!(
            d.params["A"].dims,
            Some(vec!["LDA".into(), "(SIDE=='L')?(M):(N)".into()])
        );
        assert_eq!(
            d.params["TAU"].dims,
            Some(vec!["(SIDE=='L')?(M-1):(N-1)".into()])
        );
        assert_eq!(
            d.params["D"].dims,
            Some(vec!["(JOB=='E')?(M):(MIN(M,N))".into()])
        );
        // Three alternatives (one under two conditions): not the first one, unknown.
        assert_eq!(d.params["V"].dims, None);
    }

    #[test]
    fn prose_after_extents_and_underlined_headings() {
        let d = parse(&lines(
            "\\param[out] WORK
\\verbatim
         WORK is DOUBLE PRECISION array, dimension (MAX(1,LWORK)),
         where LWORK >= M when NORM = 'I'; otherwise, WORK is not
         referenced.
\\endverbatim

 Authors:
 ========

\\author Univ. of Tennessee",
        ));
        let w = &d.params["WORK"];
        assert_eq!(w.dims, Some(vec!["MAX(1,LWORK)".into()]));
        assert_eq!(
            w.text,
            "dimension (MAX(1,LWORK)), where LWORK >= M when NORM = 'I'; otherwise, WORK \
             is not referenced."
        );
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
