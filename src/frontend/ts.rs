//! Helpers shared by the tree-sitter frontends.

use super::ParseError;
use crate::model::{
    BinOp, Block, Expr, ExprKind, FnKind, FuncId, Function, Lang, Span, Stmt, StmtKind, Unit,
    MAX_DEPTH,
};
use std::time::{Duration, Instant};
use tree_sitter::{Language, Node, ParseOptions, ParseState, Parser, Tree};

/// Parses with a parser kept per thread: creating one per file would dominate small files.
/// Parsing stops once it exceeds [`budget`] for the file's size: some broken syntax makes
/// tree-sitter's error recovery quadratic (a 30 KB Go `import ( x, x, … )` took 12 s).
pub fn parse(language: &Language, src: &str) -> Result<Tree, ParseError> {
    parse_within(language, src, budget(src.len()))
}

/// The time a file of `len` bytes may take to parse: two seconds, and one more per 100 KiB.
/// Tree-sitter parses well over 1 MiB a second even in a debug build, so only a pathological
/// file reaches it; a run on any tree ends in time proportional to its size.
pub fn budget(len: usize) -> Duration {
    Duration::from_secs(2) + Duration::from_secs_f64(len as f64 / (100 << 10) as f64)
}

thread_local! {
    /// The parts of the source the next parses on this thread look at: see [`with_ranges`].
    static RANGES: std::cell::RefCell<Vec<tree_sitter::Range>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// Runs `f` with every parse on this thread reading only `ranges` of its source (sorted and
/// disjoint): a piece of a large file, with offsets still those of the whole file.
pub fn with_ranges<T>(src: &str, ranges: &[std::ops::Range<usize>], f: impl FnOnce() -> T) -> T {
    let point = |at: usize| {
        let before = &src.as_bytes()[..at];
        let row = memchr::memchr_iter(b'\n', before).count();
        let column = at - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        tree_sitter::Point { row, column }
    };
    let ranges = ranges
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| tree_sitter::Range {
            start_byte: r.start,
            end_byte: r.end,
            start_point: point(r.start),
            end_point: point(r.end),
        })
        .collect();
    let outer = RANGES.with(|r| r.replace(ranges));
    let out = f();
    RANGES.with(|r| *r.borrow_mut() = outer);
    out
}

/// Measures the processor time of the current thread where the OS tells it, so that a busy
/// machine does not make a file run out of budget; the wall clock elsewhere.
struct Clock {
    start: Duration,
    wall: Instant,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            start: thread_cpu_time().unwrap_or_default(),
            wall: Instant::now(),
        }
    }

    fn elapsed(&self) -> Duration {
        match thread_cpu_time() {
            Some(now) => now.saturating_sub(self.start),
            None => self.wall.elapsed(),
        }
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid, writable timespec for the duration of the call.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0;
    ok.then(|| Duration::new(t.tv_sec as u64, t.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

/// [`parse`] with an explicit time budget.
pub fn parse_within(language: &Language, src: &str, budget: Duration) -> Result<Tree, ParseError> {
    thread_local! {
        static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(Parser::new());
    }
    let ranges = RANGES.with(|r| r.borrow().clone());
    // A piece gets the budget of its own size.
    let budget = if ranges.is_empty() {
        budget
    } else {
        budget.min(self::budget(
            ranges.iter().map(|r| r.end_byte - r.start_byte).sum(),
        ))
    };
    let clock = Clock::start();
    let mut reached = 0;
    let mut calls = 0u32;
    let mut over_budget = |state: &ParseState| {
        // Tree-sitter calls this every hundred operations or so; reading a thread's processor
        // time is a system call: look at it every 64th call, about every millisecond.
        calls = calls.wrapping_add(1);
        if calls % 64 != 0 {
            return false;
        }
        reached = state.current_byte_offset();
        clock.elapsed() > budget
    };
    let bytes = src.as_bytes();
    let tree = PARSER.with(|p| {
        let mut p = p.borrow_mut();
        p.set_language(language).ok()?;
        p.set_included_ranges(&ranges).ok()?;
        let tree = p.parse_with_options(
            &mut |i, _| bytes.get(i..).unwrap_or_default(),
            None,
            Some(ParseOptions::new().progress_callback(&mut over_budget)),
        );
        // A cancelled parse would otherwise resume where it stopped on the next file.
        p.reset();
        tree
    });
    tree.ok_or_else(|| {
        let at = reached.min(src.len());
        ParseError {
            span: Span::new(at, at),
            message: format!(
                "parsing took longer than its time budget ({:.1} s of processor time for a \
                 file of this size) and stopped here; the syntax around it makes the parser slow",
                budget.as_secs_f64()
            ),
        }
    })
}

/// The widest indentation, in the columns tree-sitter-python counts (a tab is 8), that a
/// statement may start at. The grammar's scanner saves its stack of indentation widths, two
/// bytes each after up to 257 bytes of string delimiters, into tree-sitter's 1,024-byte buffer,
/// and overruns it from about 383 levels; the runtime then aborts the whole process
/// (`Assertion 'length <= 1024'`). The widths on the stack strictly increase, so bounding the
/// width bounds the depth.
pub const PYTHON_MAX_INDENT: u32 = 360;

/// Blanks (with spaces, keeping line breaks and so every offset) each line whose indentation
/// exceeds [`PYTHON_MAX_INDENT`], measured as the grammar's scanner measures it: spaces, tabs
/// and backslash-continued lines add up, a line break, carriage return or form feed starts
/// again, and comment lines do not count. Returns the text to parse and where the first
/// blanked line starts; the rest of the file is analyzed as with other deep nesting.
pub fn limit_python_indentation(src: &str) -> (std::borrow::Cow<'_, str>, Option<Span>) {
    let b = src.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut first = None;
    // `Some(width)` while in the whitespace at the start of a line.
    let mut run = Some(0u32);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let continued = c == b'\\'
            && (b.get(i + 1) == Some(&b'\n')
                || (b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n')));
        if continued {
            // A continued line goes on with the same indentation, or with the same statement.
            i += if b[i + 1] == b'\r' { 3 } else { 2 };
            continue;
        }
        match (c, run) {
            (b'\n' | b'\r', _) | (0x0c, Some(_)) => run = Some(0),
            (b' ', Some(w)) => run = Some(w.saturating_add(1)),
            (b'\t', Some(w)) => run = Some(w.saturating_add(8)),
            (b'#', Some(_)) => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                continue;
            }
            (_, Some(w)) => {
                run = None;
                if w > PYTHON_MAX_INDENT {
                    let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                    let out = out.get_or_insert_with(|| b.to_vec());
                    for x in &mut out[i..end] {
                        if *x != b'\r' {
                            *x = b' ';
                        }
                    }
                    let text_end = if b[end - 1] == b'\r' { end - 1 } else { end };
                    first.get_or_insert(Span::new(i, text_end));
                    i = end;
                    continue;
                }
            }
            // Within a line only its end, or a continuation, matters.
            (_, None) => {
                i += 1;
                i = memchr::memchr3(b'\n', b'\r', b'\\', &b[i.min(b.len())..])
                    .map_or(b.len(), |n| i + n);
                continue;
            }
        }
        i += 1;
    }
    match out {
        // Only whole lines of text were replaced by spaces: still UTF-8.
        Some(out) => (
            std::borrow::Cow::Owned(String::from_utf8(out).unwrap_or_default()),
            first,
        ),
        None => (std::borrow::Cow::Borrowed(src), None),
    }
}

/// Declares, for one grammar, `F`: the ids of the named fields, looked up once
/// (`child_by_field_name` compares the name with every field of the grammar on each call),
/// and `kind_of`: a node's kind from a table (`Node::kind` measures and validates the C string
/// on each call).
macro_rules! grammar {
    ($language:expr; $($field:ident),* $(,)?) => {
        struct FieldIds {
            $($field: u16,)*
        }

        static F: std::sync::LazyLock<FieldIds> = std::sync::LazyLock::new(|| {
            let language: tree_sitter::Language = $language.into();
            let id = |name: &str| {
                let name = name.trim_start_matches("r#");
                language
                    .field_id_for_name(name)
                    .unwrap_or_else(|| panic!("the grammar has no field `{name}`"))
                    .get()
            };
            FieldIds {
                $($field: id(stringify!($field)),)*
            }
        });

        static KINDS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
            let language: tree_sitter::Language = $language.into();
            (0..language.node_kind_count() as u16)
                .map(|id| language.node_kind_for_id(id).unwrap_or(""))
                .collect()
        });

        fn kind_of<'t>(n: impl std::borrow::Borrow<tree_sitter::Node<'t>>) -> &'static str {
            let n = n.borrow();
            // `ERROR` has an id past the table.
            KINDS
                .get(n.kind_id() as usize)
                .copied()
                .unwrap_or_else(|| n.kind())
        }
    };
}
pub(crate) use grammar;

pub fn span(n: Node) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// Named children, skipping comments (which tree-sitter grammars mark as extras).
pub fn kids(n: Node) -> Vec<Node> {
    // tree-sitter's indexed access restarts from the first child each time, and a cursor step
    // costs several hundred instructions: index the usual few children, walk the long lists.
    const INDEXED: usize = 12;
    let count = n.named_child_count();
    let mut out = Vec::with_capacity(count);
    if count <= INDEXED {
        out.extend(
            (0..count)
                .filter_map(|i| n.named_child(i))
                .filter(|c| !c.is_extra()),
        );
        return out;
    }
    let mut cur = n.walk();
    if cur.goto_first_child() {
        loop {
            let c = cur.node();
            if c.is_named() && !c.is_extra() {
                out.push(c);
            }
            if !cur.goto_next_sibling() {
                break;
            }
        }
    }
    out
}

/// The `ERROR` and `MISSING` nodes, by position: the regions the grammar did not understand.
/// Those inside an `ERROR` are listed too: recovery can wrap a whole file in one (a `#ifdef`
/// inside an initializer) and still read the functions in it, and a check needs to know which
/// of those hold an error of their own.
pub fn syntax_errors(root: Node) -> Vec<Span> {
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            out.push(span(n));
        }
        if n.has_error() {
            let mut cur = n.walk();
            stack.extend(n.children(&mut cur));
        }
    }
    out.sort();
    out
}

/// State shared by every tree-sitter lowerer: the unit being built, the function being filled,
/// and the depth guard.
pub struct Lowerer<'s> {
    pub src: &'s str,
    pub unit: Unit,
    pub func: FuncId,
    depth: usize,
    /// Lower declarations only: function bodies are skipped except those
    /// [`Lowerer::keeps_body`] names (see [`super::lower_declarations`]).
    pub declarations_only: bool,
}

impl<'s> Lowerer<'s> {
    pub fn new(lang: Lang, src: &'s str, root: Node) -> Lowerer<'s> {
        let mut unit = Unit::new(lang, span(root));
        unit.syntax_errors = syntax_errors(root);
        Lowerer {
            src,
            unit,
            func: 0,
            depth: 0,
            declarations_only: false,
        }
    }

    pub fn text(&self, n: Node) -> &'s str {
        &self.src[n.byte_range()]
    }

    /// The operator of a binary node, read from its `operator` field (`field`: that field's
    /// id in the node's grammar).
    pub fn bin_op(&self, n: Node, field: u16) -> BinOp {
        n.child_by_field_id(field)
            .map_or(BinOp::Other, |o| BinOp::from_token(self.text(o)))
    }

    /// Enters one level of nesting. Returns false, and records where, once the tree is deeper
    /// than [`MAX_DEPTH`]; the caller then lowers the node as an opaque leaf.
    pub fn enter(&mut self, n: Node) -> bool {
        if self.depth >= MAX_DEPTH {
            self.unit.truncated_at.get_or_insert(span(n));
            return false;
        }
        self.depth += 1;
        true
    }

    /// Whether the body of function `name` is lowered: always, unless only declarations are
    /// wanted; then only the bodies the project index reads (text methods, Python's
    /// `__init__`, which declares fields).
    pub fn keeps_body(&self, name: &str) -> bool {
        !self.declarations_only || super::DECLARATION_BODIES.contains(&name)
    }

    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Starts a function nested in the current one and makes it current. The frontend then
    /// lowers its parameters and body and calls [`Lowerer::end_function`].
    pub fn begin_function(&mut self, kind: FnKind, name: String, n: Node) -> FnScope {
        let id = self.unit.add_function(kind, name, span(n), self.func);
        FnScope {
            id,
            outer: std::mem::replace(&mut self.func, id),
        }
    }

    /// Stores the body of the function `scope` began and restores the enclosing function.
    pub fn end_function(&mut self, scope: FnScope, body: Block) -> FuncId {
        self.unit.functions[scope.id].body = body;
        self.func = scope.outer;
        scope.id
    }

    pub fn current(&mut self) -> &mut Function {
        &mut self.unit.functions[self.func]
    }

    /// Records, for each closure among `args`, the call it is passed to.
    pub fn mark_passed(&mut self, callee: &Expr, args: &[Expr]) {
        self.unit.mark_passed(callee, args);
    }

    /// An opaque placeholder for a node the lowerer does not model (or is too deep).
    pub fn opaque(n: Node) -> Expr {
        Expr::new(span(n), ExprKind::Other(Vec::new()))
    }
}

/// A function being lowered: see [`Lowerer::begin_function`].
#[must_use]
pub struct FnScope {
    id: FuncId,
    outer: FuncId,
}

/// Wraps an expression as a statement.
pub fn expr_stmt(e: Expr) -> Stmt {
    Stmt::new(e.span, StmtKind::Expr(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lines_indented_too_far_are_blanked_and_nothing_else() {
        let ok = "def f():\n    if x:  # c\n        return \\\n            1\n";
        let (text, at) = limit_python_indentation(ok);
        assert!(matches!(text, std::borrow::Cow::Borrowed(_)) && at.is_none());
        let wide = PYTHON_MAX_INDENT as usize + 1;
        for (src, blanked) in [
            // Spaces; tabs count eight.
            (format!("a\n{}b = 1\nc\n", " ".repeat(wide)), "b = 1"),
            (format!("a\r\n{}b\r\nc\r\n", "\t".repeat(wide / 8 + 1)), "b"),
            // Backslash-continued whitespace adds up, as the grammar's scanner counts it.
            (format!("a\n{}b\nc\n", "   \\\n".repeat(wide / 3 + 1)), "b"),
        ] {
            let (text, at) = limit_python_indentation(&src);
            let at = at.expect("blanked").range();
            assert_eq!(&src[at.clone()], blanked);
            assert_eq!(text.len(), src.len());
            assert!(text[at].bytes().all(|c| c == b' '));
            assert!(
                text.starts_with("a") && text.trim_end().ends_with('c'),
                "{text:?}"
            );
        }
        // A comment line, or a wide gap inside a line, is not indentation.
        let gaps = format!(
            "{}# deep comment\nx = 1{}+ 2\n",
            " ".repeat(wide),
            " ".repeat(wide)
        );
        assert!(limit_python_indentation(&gaps).1.is_none());
    }
}
