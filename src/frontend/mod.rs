//! The seam between syntax and analysis: one module per language lowers its parse tree into
//! [`crate::model::Unit`]. Nothing outside this module sees a tree-sitter or syn type.

mod c;
mod go;
mod java;
mod python;
mod rust;
mod ts;

use crate::model::{Lang, Span, Unit};

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
        Lang::C => ts::parse(&tree_sitter_c::LANGUAGE.into(), src).is_some(),
        Lang::Go => ts::parse(&tree_sitter_go::LANGUAGE.into(), src).is_some(),
        Lang::Java => ts::parse(&tree_sitter_java::LANGUAGE.into(), src).is_some(),
        Lang::Python => ts::parse(&tree_sitter_python::LANGUAGE.into(), src).is_some(),
        Lang::Rust => rust::parse_only(src),
    }
}
