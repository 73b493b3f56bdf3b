//! Helpers shared by the tree-sitter frontends.

use crate::model::{
    BinOp, Block, Expr, ExprKind, FnKind, FuncId, Function, Lang, Span, Stmt, StmtKind, Unit,
    MAX_DEPTH,
};
use tree_sitter::{Language, Node, Parser, Tree};

/// Parses with a parser kept per thread: creating one per file would dominate small files.
pub fn parse(language: &Language, src: &str) -> Option<Tree> {
    thread_local! {
        static PARSER: std::cell::RefCell<Parser> = std::cell::RefCell::new(Parser::new());
    }
    PARSER.with(|p| {
        let mut p = p.borrow_mut();
        p.set_language(language).ok()?;
        p.parse(src, None)
    })
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

/// The outermost `ERROR` and `MISSING` nodes: the regions the grammar did not understand.
pub fn syntax_errors(root: Node) -> Vec<Span> {
    let mut out = Vec::new();
    if !root.has_error() {
        return out;
    }
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        if n.is_error() || n.is_missing() {
            out.push(span(n));
        } else if n.has_error() {
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
