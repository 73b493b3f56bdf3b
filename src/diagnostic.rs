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
    /// The human rendering, made by the worker that had the source at hand.
    pub rendered: Option<String>,
}

impl Diagnostic {
    pub fn sort_key(&self) -> (&str, Position, &str, &str) {
        (&self.path, self.location.start, &self.rule, &self.message)
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
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        Position {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
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
    }
}
