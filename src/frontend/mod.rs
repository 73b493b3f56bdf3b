//! The seam between syntax and analysis: one module per language lowers its parse tree into
//! [`crate::model::Unit`]. Nothing outside this module sees a tree-sitter or syn type.

mod c;
mod go;
mod java;
mod python;
mod rust;
mod ts;

use crate::model::{Lang, Span, Unit};
pub use ts::PYTHON_MAX_INDENT;

/// A file that could not be parsed at all (syn stops at the first error).
#[derive(Debug)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

/// Parses `src` once and lowers it. Tree-sitter languages always produce a unit: regions that
/// do not parse are recorded in [`Unit::syntax_errors`] and skipped.
pub fn lower(lang: Lang, src: &str) -> Result<Unit, ParseError> {
    match lang {
        Lang::C => c::lower(src),
        Lang::Go => go::lower(src),
        Lang::Java => java::lower(src),
        Lang::Python => python::lower(src),
        Lang::Rust => rust::lower(src),
    }
}

/// Files of four pieces or more are parsed and analyzed in pieces of about this size, cut
/// between top-level items: the syntax tree and the model of a whole file take 30 to 50 times
/// its size, and one piece's tree is dropped before the next is parsed.
pub const PIECE: usize = 1 << 20;

/// The pieces of about `piece` bytes a file of four or more is analyzed in: each the byte
/// ranges a parse reads (a header of imports and declarations that every piece repeats, the
/// piece's items, and for Java the closing brace of the class), in order. Empty when the file
/// is small enough to analyze whole, or when no place to cut is found. Cuts are found by
/// layout, not parsing: after a line that is just `}` (C, Go, Rust; for Java also one indented
/// once, which closes a member), or before a line that starts a top-level `def`, `class` or
/// decorator (Python).
pub fn pieces(lang: Lang, src: &str, piece: usize) -> Vec<Vec<std::ops::Range<usize>>> {
    if src.len() < 4 * piece.max(1) {
        return Vec::new();
    }
    split(lang, src, piece)
}

/// [`pieces`] of about `piece` bytes.
fn split(lang: Lang, src: &str, piece: usize) -> Vec<Vec<std::ops::Range<usize>>> {
    let b = src.as_bytes();
    // The start of each line that may begin a new piece.
    let cut_before = |start: usize, prev: &[u8]| -> bool {
        let line = &b[start..];
        let prev = prev.trim_ascii_end();
        match lang {
            Lang::Python => {
                (line.starts_with(b"def ")
                    || line.starts_with(b"class ")
                    || line.starts_with(b"async def ")
                    || line.starts_with(b"@"))
                    && !prev.starts_with(b"@")
            }
            Lang::Java => prev == b"}" || prev == b"    }" || prev == b"\t}",
            _ => prev == b"}" || prev == b"};",
        }
    };
    // The first cut at or after `from`.
    let next_cut = |from: usize| -> Option<usize> {
        let mut start = memchr::memchr(b'\n', b.get(from..)?).map(|i| from + i + 1)?;
        loop {
            let prev_start = memchr::memrchr(b'\n', &b[..start - 1]).map_or(0, |i| i + 1);
            if start < b.len() && cut_before(start, &b[prev_start..start - 1]) {
                return Some(start);
            }
            start = memchr::memchr(b'\n', &b[start..]).map(|i| start + i + 1)?;
        }
    };
    let Some(first) = next_cut(0) else {
        return Vec::new();
    };
    // syn cannot read a header apart from the piece: Rust pieces have none.
    let header = if first <= piece / 4 && lang != Lang::Rust {
        0..first
    } else {
        0..0
    };
    // Java: the class's closing brace ends every piece.
    let end = match lang {
        Lang::Java => memchr::memrchr(b'}', b).unwrap_or(b.len()),
        _ => b.len(),
    };
    let mut out = Vec::new();
    let mut start = header.end;
    while start < end {
        let cut = next_cut(start + piece).filter(|&c| c < end).unwrap_or(end);
        out.push(vec![header.clone(), start..cut, end..b.len()]);
        start = cut;
    }
    out
}

/// Lowers the part of `src` in `ranges` (one of [`pieces`]); spans are offsets in `src`.
pub fn lower_part(
    lang: Lang,
    src: &str,
    ranges: &[std::ops::Range<usize>],
) -> Result<Unit, ParseError> {
    match lang {
        // syn cannot skip parts: the piece's items alone (Rust pieces have no header).
        Lang::Rust => rust::lower_range(src, ranges[1].clone()),
        _ => ts::with_ranges(src, ranges, || lower(lang, src)),
    }
}

/// Parses `src` and discards the tree: the baseline the benchmark compares a full run against.
pub fn parse_only(lang: Lang, src: &str) -> bool {
    match lang {
        Lang::C => ts::parse(&tree_sitter_c::LANGUAGE.into(), src).is_ok(),
        Lang::Go => ts::parse(&tree_sitter_go::LANGUAGE.into(), src).is_ok(),
        Lang::Java => ts::parse(&tree_sitter_java::LANGUAGE.into(), src).is_ok(),
        Lang::Python => {
            let (src, _) = ts::limit_python_indentation(src);
            ts::parse(&tree_sitter_python::LANGUAGE.into(), &src).is_ok()
        }
        Lang::Rust => rust::parse_only(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BinOp, ExprKind, Lit};

    /// The operators, negations and signed integers every frontend keeps.
    fn operators(lang: Lang, src: &str) -> (Vec<BinOp>, usize, Vec<i64>) {
        let unit = lower(lang, src).expect("parses");
        let (mut ops, mut nots, mut ints) = (Vec::new(), 0, Vec::new());
        for f in &unit.functions {
            crate::model::walk_stmts(&f.body, &mut |s| {
                for e in s.exprs() {
                    e.walk(&mut |x| match &x.kind {
                        ExprKind::Binary(op, ..) => ops.push(*op),
                        ExprKind::Not(_) => nots += 1,
                        ExprKind::Lit(Lit::Num(Some(n))) => ints.push(*n),
                        _ => {}
                    });
                }
            });
        }
        (ops, nots, ints)
    }

    #[test]
    fn large_files_are_cut_between_top_level_items() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let seeds = [
            (Lang::C, "unclosed-on-error-path/c.c"),
            (Lang::Go, "unclosed-on-error-path/go.go"),
            (Lang::Java, "unclosed-on-error-path/Java.java"),
            (Lang::Python, "unclosed-on-error-path/python.py"),
            (Lang::Rust, "unclosed-on-error-path/rust.rs"),
        ];
        for (lang, file) in seeds {
            let one = std::fs::read_to_string(root.join(file)).unwrap();
            // Several copies in one file (Java: the first class's members, repeated).
            let src = match lang {
                Lang::Java => {
                    let open = one.find("{\n").unwrap() + 2;
                    let close = one.rfind('}').unwrap();
                    format!("{}{}}}\n", &one[..open], one[open..close].repeat(4))
                }
                _ => one.repeat(4),
            };
            let whole = lower(lang, &src).unwrap();
            let parts = split(lang, &src, one.len() / 3);
            assert!(parts.len() > 3, "{lang}: {} pieces", parts.len());
            let mut names = Vec::new();
            let mut end = parts[0][1].start;
            for ranges in &parts {
                assert_eq!(ranges[1].start, end, "{lang}: the pieces follow each other");
                end = ranges[1].end;
                let unit = lower_part(lang, &src, ranges).unwrap();
                assert_eq!(unit.syntax_errors, [], "{lang}: cut inside an item");
                names.extend(
                    unit.functions
                        .iter()
                        .filter(|f| f.span.start as usize >= ranges[1].start || ranges == &parts[0])
                        .map(|f| (f.span, f.name.clone())),
                );
            }
            names.sort();
            names.dedup();
            let mut want: Vec<_> = whole
                .functions
                .iter()
                .map(|f| (f.span, f.name.clone()))
                .collect();
            want.sort();
            // The top level of each piece is a function of its own.
            names.retain(|(_, n)| !n.is_empty());
            want.retain(|(_, n)| !n.is_empty());
            assert_eq!(names, want, "{lang}");
        }
    }

    #[test]
    fn every_frontend_keeps_comparisons_negation_and_signed_integers() {
        use BinOp::*;
        let cases = [
            (
                Lang::C,
                "int f(int fd, char *p) { if (fd == -1 || !p) return 0x10; return fd < 0 && p != NULL; }",
            ),
            (
                Lang::Go,
                "package p\nfunc f(err error, ok bool) int { if err != nil || !ok { return -1 }; if 16 <= 0 && err == nil { return 0x10 }; return 0 }\n",
            ),
            (
                Lang::Java,
                "class A { int f(Object p, boolean ok) { if (p == null || !ok) return -1; if (16 <= 0 && p != null) return 0x10; return 0; } }",
            ),
            (
                Lang::Python,
                "def f(p, ok):\n    if p is None or not ok:\n        return -1\n    if 16 <= 0 and p is not None:\n        return 0x10\n    return 0 if p == 1 else 2\n",
            ),
            (
                Lang::Rust,
                "fn f(p: *mut u8, ok: bool) -> i32 { if p.is_null() || !ok { return -1; } if 16 <= 0 && p != q { return 0x10; } 0 }",
            ),
        ];
        for (lang, src) in cases {
            let (ops, nots, ints) = operators(lang, src);
            assert!(ops.contains(&Or) && ops.contains(&And), "{lang}: {ops:?}");
            assert!(ops.contains(&Ne), "{lang}: {ops:?}");
            assert_eq!(nots, 1, "{lang}");
            assert!(ints.contains(&16), "{lang}: {ints:?}");
            assert!(ints.contains(&-1) || lang == Lang::C, "{lang}: {ints:?}");
            if lang == Lang::C {
                assert!(
                    ints.contains(&-1) && ops.contains(&Eq) && ops.contains(&Lt),
                    "{ops:?} {ints:?}"
                );
            }
        }
    }
}
