//! Located diagnostics, and the line index that locates them.

use crate::model::Span;
use crate::rules::Severity;

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub start: Position,
    pub end: Position,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    /// The path as the user named it, with `/` separators.
    pub path: String,
    pub location: Location,
    pub message: String,
    /// Related sites: where the key is stored, where the resource leaks, …
    pub labels: Vec<Label>,
    pub help: String,
    /// Identifies the finding across edits that move it: see [`fingerprint`]. The driver
    /// leaves the finding's context here until [`assign_fingerprints`] replaces it.
    pub fingerprint: String,
    /// The human rendering, made by the worker that had the source at hand.
    pub rendered: Option<String>,
    /// Mechanical fixes that are safe to apply (see [`crate::fix`]).
    pub fixes: Vec<crate::fix::Fix>,
}

impl Diagnostic {
    pub fn sort_key(&self) -> (&str, Position, &str, &str) {
        (&self.path, self.location.start, &self.rule, &self.message)
    }
}

/// A fingerprint that survives unrelated edits and does not depend on where leaklint runs or
/// how the path was spelled: the rule and the finding's context (the text of its first line with
/// white space removed, and the name of the function it is in) — not its line number, nor its
/// path (a baseline pairs a fingerprint with a path of its own). `occurrence` tells apart
/// findings with the same context in one file, in source order.
pub fn fingerprint(rule: &str, context: &str, occurrence: usize) -> String {
    // FNV-1a: stable across Rust versions and platforms, unlike `DefaultHasher`.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let squeezed = context.bytes().filter(|b| !b.is_ascii_whitespace());
    for b in rule.bytes().chain([0]).chain(squeezed) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}:{occurrence}")
}

/// The context [`fingerprint`] hashes: the line's text and the enclosing function's name.
pub fn fingerprint_context(line_text: &str, function: &str) -> String {
    format!("{line_text}\u{0}{function}")
}

/// Replaces each diagnostic's context (as the driver leaves it in `fingerprint`) by its
/// fingerprint, numbering findings of one file with the same rule and context in the order
/// given (the report's sorted order).
pub fn assign_fingerprints(diagnostics: &mut [Diagnostic]) {
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for d in diagnostics {
        let base = fingerprint(&d.rule, &d.fingerprint, 0);
        let n = seen.entry((d.path.clone(), base)).or_default();
        d.fingerprint = fingerprint(&d.rule, &d.fingerprint, *n);
        *n += 1;
    }
}

/// Byte offsets of line starts, computed once per file that has something to report.
pub struct LineIndex<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    pub fn new(text: &'s str) -> LineIndex<'s> {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        // A span never splits a character, but guard anyway: count whole characters only.
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The text of the 1-based line `line`, without its newline.
    pub fn line_text(&self, line: u32) -> &'s str {
        let i = (line as usize).saturating_sub(1).min(self.starts.len() - 1);
        let end = self.starts.get(i + 1).map_or(self.text.len(), |&e| e);
        self.text[self.starts[i]..end].trim_end_matches(['\n', '\r'])
    }

    pub fn locate(&self, span: Span) -> Location {
        Location {
            start: self.position(span.start as usize),
            end: self.position(span.end as usize),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let idx = LineIndex::new("ab\nçd\n");
        assert_eq!(idx.position(0), Position { line: 1, column: 1 });
        assert_eq!(idx.position(3), Position { line: 2, column: 1 });
        // `ç` is two bytes: `d` is the second character.
        assert_eq!(idx.position(5), Position { line: 2, column: 2 });
        assert_eq!(idx.position(7), Position { line: 3, column: 1 });
        assert_eq!(idx.line_text(2), "çd");
    }

    #[test]
    fn fingerprints_ignore_line_numbers_indentation_and_paths() {
        let a = fingerprint("r", "\tkey := f(ctx)", 0);
        assert_eq!(a, fingerprint("r", "    key := f(ctx)", 0));
        assert_ne!(a, fingerprint("r", "key := f(ctx)", 1));
        assert_ne!(a, fingerprint("q", "key := f(ctx)", 0));
        assert_ne!(
            fingerprint("r", &fingerprint_context("key := f(ctx)", "f"), 0),
            fingerprint("r", &fingerprint_context("key := f(ctx)", "g"), 0)
        );
    }
}
