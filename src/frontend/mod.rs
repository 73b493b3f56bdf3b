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
