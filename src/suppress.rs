//! Inline suppressions: `leaklint: ignore[rule-id, …] reason` in a comment, on the finding's line
//! or on the line before it.

use crate::model::Lang;

pub const MARKER: &str = "leaklint: ignore[";

/// The rules that report suppressions themselves; the driver runs them, as only it sees every
/// finding of a file.
pub const UNUSED: &str = "unused-suppression";
pub const UNEXPLAINED: &str = "unexplained-suppression";

#[derive(Debug, PartialEq, Eq)]
pub struct Suppression {
    /// 1-based line of the comment.
    pub line: u32,
    /// 1-based column of `leaklint:`.
    pub column: u32,
    /// Byte offset of `leaklint:` in the file, for a diagnostic's span.
    pub offset: usize,
    pub len: usize,
    pub rules: Vec<String>,
    pub reason: String,
}

impl Suppression {
    /// Whether this suppression covers a finding of `rule` that starts on `line`.
    pub fn covers(&self, rule: &str, line: u32) -> bool {
        (line == self.line || line == self.line + 1) && self.rules.iter().any(|r| r == rule)
    }
}

/// Every suppression comment in `text`. Only comments count: the marker must follow the
/// language's comment leader (or `/*` in the C-family languages) on its line.
pub fn parse(text: &str, lang: Lang) -> Vec<Suppression> {
    let mut out = Vec::new();
    if memchr::memmem::find(text.as_bytes(), MARKER.as_bytes()).is_none() {
        return out;
    }
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let line_start = offset;
        offset += line.len();
        let Some(at) = line.find(MARKER) else {
            continue;
        };
        let before = &line[..at];
        let Some(comment) = comment_before(before, lang) else {
            continue;
        };
        // Quoted in a code span, the marker documents the syntax (`leaklint: ignore[…]`).
        if comment.matches('`').count() % 2 == 1 {
            continue;
        }
        let rest = &line[at + MARKER.len()..];
        let Some(close) = rest.find(']') else {
            continue;
        };
        let rules = rest[..close]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        // A block comment ends the reason: `/* leaklint: ignore[x] why */ code`.
        let after = &rest[close + 1..];
        let reason = after[..after.find("*/").unwrap_or(after.len())]
            .trim()
            .to_string();
        out.push(Suppression {
            line: i as u32 + 1,
            column: before.chars().count() as u32 + 1,
            offset: line_start + at,
            len: MARKER.len() + close + 1,
            rules,
            reason,
        });
    }
    out
}

/// The comment that `before` (the start of a line) ends inside, from its leader on: the first
/// comment leader (the language's, or `/*` outside Python) that no string literal before it on
/// the line holds.
fn comment_before(before: &str, lang: Lang) -> Option<&str> {
    let b = before.as_bytes();
    let leader = lang.line_comment().as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(_) if c == b'\\' => i += 1,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if b[i..].starts_with(leader)
                || lang != Lang::Python && b[i..].starts_with(b"/*") =>
            {
                return Some(&before[i..]);
            }
            None if c == b'"' || c == b'\'' && lang == Lang::Python => quote = Some(c),
            // A character literal (`'"'`, `'\''`), not a Rust lifetime (`'a`).
            None if c == b'\'' => {
                let len = if b.get(i + 1) == Some(&b'\\') { 4 } else { 3 };
                if b.get(i + len - 1) == Some(&b'\'') {
                    i += len - 1;
                }
            }
            None => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rules_and_reason() {
        let text = "x = 1\nkey = str(ctx)  # leaklint: ignore[stringified-map-key, other] ctx is a plain string here\n";
        let s = parse(text, Lang::Python);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].line, 2);
        assert_eq!(s[0].rules, ["stringified-map-key", "other"]);
        assert_eq!(s[0].reason, "ctx is a plain string here");
        assert!(s[0].covers("other", 2));
        assert!(s[0].covers("other", 3));
        assert!(!s[0].covers("other", 1));
        assert!(!s[0].covers("third", 2));
    }

    #[test]
    fn only_comments_count() {
        let text = "s := \"leaklint: ignore[x] y\"\n/* leaklint: ignore[x] */\n";
        let s = parse(text, Lang::Go);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].line, s[0].reason.as_str()), (2, ""));
        // In a string that looks like a comment, or quoted as code in a comment: a mention.
        let text = "s := \"// leaklint: ignore[x] y\"\n// Write `leaklint: ignore[x] why`.\nf() // \"a\" leaklint: ignore[x] why\n";
        let s = parse(text, Lang::Go);
        assert_eq!(s.iter().map(|s| s.line).collect::<Vec<_>>(), [3]);
        assert!(parse("x = 1  # see `leaklint: ignore[x]`\n", Lang::Python).is_empty());
        assert!(parse("x = '# leaklint: ignore[x] y'\n", Lang::Python).is_empty());
        // A character literal or a lifetime before the comment leaves it a comment.
        let text = "if c == '\"' { f() } // leaklint: ignore[x] why\nfn f<'a>(s: &'a str) {} // leaklint: ignore[x] why\n";
        assert_eq!(parse(text, Lang::Rust).len(), 2);
    }
}
