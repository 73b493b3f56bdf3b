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

/// Function bodies [`lower_declarations`] keeps: those the project index reads.
pub const DECLARATION_BODIES: &[&str] = &["String", "toString", "__init__", "__str__", "__repr__"];

/// Like [`lower`], but only declarations: types, fields, signatures, imports, and the bodies of
/// [`DECLARATION_BODIES`]; every other function body is left empty. Pass 1 of the driver uses it
/// for files no check wants, which only the project index reads.
pub fn lower_declarations(lang: Lang, src: &str) -> Result<Unit, ParseError> {
    match lang {
        Lang::C => c::lower_with(src, true),
        Lang::Go => go::lower_with(src, true),
        Lang::Java => java::lower_with(src, true),
        Lang::Python => python::lower_with(src, true),
        Lang::Rust => rust::lower_with(src, true),
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

    /// `(kind, name, fields, methods, supertypes, embedded)` of each declared type.
    fn decls(lang: Lang, src: &str) -> Vec<String> {
        let unit = lower(lang, src).expect("parses");
        unit.types
            .iter()
            .map(|t| {
                let fields: Vec<String> = t
                    .fields
                    .iter()
                    .map(|f| format!("{}:{}", f.name, f.ty.as_ref().map_or("?", |t| &t.0)))
                    .collect();
                let methods: Vec<String> = t
                    .methods
                    .iter()
                    .map(|m| {
                        let res: Vec<&str> = m.results.iter().map(|r| r.0.as_str()).collect();
                        let body = if m.func.is_some() { "" } else { "!" };
                        format!("{}{body}/{}->{}", m.name, m.params.len(), res.join(","))
                    })
                    .collect();
                let sup: Vec<&str> = t.supertypes.iter().map(|s| s.0.as_str()).collect();
                let emb: Vec<&str> = t.embedded.iter().map(|s| s.0.as_str()).collect();
                format!(
                    "{:?} {} [{}] [{}] [{}] [{}]",
                    t.kind,
                    t.name,
                    fields.join(" "),
                    methods.join(" "),
                    sup.join(" "),
                    emb.join(" ")
                )
            })
            .collect()
    }

    fn imports(lang: Lang, src: &str) -> Vec<String> {
        let unit = lower(lang, src).expect("parses");
        unit.imports
            .iter()
            .map(|i| {
                format!(
                    "{}={}{}",
                    i.local_name(),
                    i.path,
                    if i.wildcard { "*" } else { "" }
                )
            })
            .collect()
    }

    #[test]
    fn go_declarations() {
        let src = "package wal\nimport (\n\"io\"\nf \"fmt\"\n. \"strings\"\n)\n\
                   type Segment struct { io.Closer; *bufio.Reader; name string; at, n int }\n\
                   type Store interface { io.Closer; Open(p string) (*Segment, error) }\n\
                   type Names []string\n\
                   func (s *Segment) Close() error { return nil }\n\
                   func (w Other) Close() {}\n";
        let unit = lower(Lang::Go, src).unwrap();
        assert_eq!(unit.package.as_deref(), Some("wal"));
        assert_eq!(
            imports(Lang::Go, src),
            ["io=io", "f=fmt", "strings=strings*"]
        );
        assert_eq!(
            decls(Lang::Go, src),
            [
                "Struct Segment [name:string at:int n:int] [Close/0->error] [] [io.Closer *bufio.Reader]",
                "Interface Store [] [Open!/1->*Segment,error] [io.Closer] []",
                "Struct Names [] [] [[]string] []",
            ]
        );
        let close = unit.functions.iter().find(|f| f.name == "Close").unwrap();
        assert_eq!(close.owner.as_deref(), Some("Segment"));
        assert_eq!(close.receiver.as_ref().unwrap().name, "s");
        // A method of a type declared in another file keeps its owner.
        assert_eq!(
            unit.functions.last().unwrap().owner.as_deref(),
            Some("Other")
        );
    }

    #[test]
    fn java_declarations() {
        let src = "package org.a;\nimport java.io.Closeable;\nimport java.util.*;\nimport static x.Y.z;\n\
                   public class Seg extends Base implements Closeable, Iterable<String> {\n\
                     private final long opened = 0; Map<String, Conn> conns;\n\
                     public void close() {}\n  static class Inner { int n; }\n\
                     Object f() { return new Runnable() { public void run() {} }; }\n}\n\
                   interface Store extends AutoCloseable { Seg open(String p); }\n\
                   enum Kind { A, B }\nrecord Key(String host, int port) {}\n";
        let unit = lower(Lang::Java, src).unwrap();
        assert_eq!(unit.package.as_deref(), Some("org.a"));
        assert_eq!(
            imports(Lang::Java, src),
            ["Closeable=java.io.Closeable", "util=java.util*", "z=x.Y.z"]
        );
        assert_eq!(
            decls(Lang::Java, src),
            [
                "Class Seg [opened:long conns:Map<String,Conn>] [close/0-> f/0->Object] [Base Closeable Iterable<String>] []",
                "Class Inner [n:int] [] [] []",
                "Interface Store [] [open!/1->Seg] [AutoCloseable] []",
                "Enum Kind [] [] [] []",
                "Record Key [host:String port:int] [] [] []",
            ]
        );
        let run = unit.functions.iter().find(|f| f.name == "run").unwrap();
        assert_eq!(
            run.owner, None,
            "an anonymous class's method has no named owner"
        );
        let close = unit.functions.iter().find(|f| f.name == "close").unwrap();
        assert_eq!(close.owner.as_deref(), Some("Seg"));
    }

    #[test]
    fn python_declarations() {
        let src = "import os.path\nimport numpy as np\nfrom .pool import Pool as P, Conn\nfrom m import *\n\
                   class Job(Base, metaclass=Meta):\n    kind: str = 'x'\n\
                   \x20   def __init__(self, when):\n        self.when = datetime.now()\n        self.pool = Pool()\n\
                   \x20   def __repr__(self) -> str:\n        return f'{self.when}'\n\
                   \x20   def helper(self):\n        def inner(): pass\n";
        let unit = lower(Lang::Python, src).unwrap();
        assert_eq!(
            imports(Lang::Python, src),
            [
                "os=os.path",
                "np=numpy",
                "P=.pool.Pool",
                "Conn=.pool.Conn",
                "m=m*"
            ]
        );
        assert_eq!(
            decls(Lang::Python, src),
            ["Class Job [kind:str when:? pool:Pool] [__init__/1-> __repr__/0->str helper/0->] [Base] []"]
        );
        let inner = unit.functions.iter().find(|f| f.name == "inner").unwrap();
        assert_eq!(inner.owner, None);
        let repr = unit
            .functions
            .iter()
            .find(|f| f.name == "__repr__")
            .unwrap();
        assert_eq!(repr.receiver.as_ref().unwrap().name, "self");
    }

    #[test]
    fn rust_and_c_declarations() {
        let src = "use std::{fs::File, io::{self, Read as R}, collections::*};\n\
                   struct Conn { sock: TcpStream, opened: Instant }\n\
                   trait Pool: Send { fn get(&self, k: &str) -> Conn; fn n(&self) -> usize { 0 } }\n\
                   impl Drop for Conn { fn drop(&mut self) {} }\nimpl Conn { fn new() -> Conn { todo!() } }\n";
        assert_eq!(
            imports(Lang::Rust, src),
            [
                "File=std::fs::File",
                "io=std::io",
                "R=std::io::Read",
                "collections=std::collections*"
            ]
        );
        assert_eq!(
            decls(Lang::Rust, src),
            [
                "Struct Conn [sock:TcpStream opened:Instant] [drop/0-> new/0->Conn] [Drop] []",
                "Trait Pool [] [get!/1->Conn n/0->usize] [Send] []",
            ]
        );
        let c = "#include <stdio.h>\nstruct conn { int fd; char *name; };\ntypedef struct { FILE *f; } log_t;\n";
        assert_eq!(imports(Lang::C, c), ["h=stdio.h*"]);
        assert_eq!(
            decls(Lang::C, c),
            [
                "Struct conn [fd:int name:char*] [] [] []",
                "Struct log_t [f:FILE*] [] [] []"
            ]
        );
    }

    #[test]
    fn declarations_only_keeps_signatures_and_the_bodies_the_index_reads() {
        let cases = [
            (
                Lang::Go,
                "package p\ntype T struct{ n int }\nfunc (t T) String() string { return fmt.Sprint(t.n) }\nfunc Open() (*T, error) { x := 1; return nil, nil }\n",
            ),
            (
                Lang::Java,
                "class T { int n; public String toString() { return \"\" + n; } T open() { int x = 1; return this; } }",
            ),
            (
                Lang::Python,
                "class T:\n    def __init__(self):\n        self.n = Conn()\n    def open(self):\n        x = 1\n        return x\n",
            ),
        ];
        for (lang, src) in cases {
            let full = lower(lang, src).unwrap();
            let decl = lower_declarations(lang, src).unwrap();
            assert_eq!(full.types.len(), decl.types.len(), "{lang}");
            for (a, b) in full.functions.iter().zip(&decl.functions) {
                assert_eq!((&a.name, &a.results), (&b.name, &b.results), "{lang}");
                let kept = DECLARATION_BODIES.contains(&a.name.as_str()) || a.name.is_empty();
                assert_eq!(
                    b.body.is_empty(),
                    a.body.is_empty() || !kept,
                    "{lang}: {}",
                    a.name
                );
            }
            let fields = |u: &Unit| u.types.iter().map(|t| t.fields.len()).sum::<usize>();
            assert_eq!(fields(&full), fields(&decl), "{lang}");
        }
    }

    /// The driver keeps models between its passes encoded: decoding gives the same model back,
    /// for every fixture of every language.
    #[test]
    fn an_encoded_model_decodes_to_the_same_model() {
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        let mut seen = 0;
        for dir in std::fs::read_dir(fixtures).unwrap().flatten() {
            for file in std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                let path = file.path();
                let Some(lang) = Lang::from_path(&path) else {
                    continue;
                };
                let src = std::fs::read_to_string(&path).unwrap();
                let unit = lower(lang, &src).unwrap();
                let bytes = unit.encode().expect("encodes");
                let back = Unit::decode(&bytes).expect("decodes");
                assert_eq!(
                    format!("{back:?}"),
                    format!("{unit:?}"),
                    "{}",
                    path.display()
                );
                assert!(Unit::decode(&bytes[..bytes.len() / 2]).is_none());
                seen += 1;
            }
        }
        assert!(seen > 50, "only {seen} fixtures read");
    }
}
