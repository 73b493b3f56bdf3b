//! Lowering of the C tree-sitter grammar into the model.
//!
//! Conventions particular to C:
//!
//! * Declared types are rendered as C abstract declarators: the type specifier followed by the
//!   declarator with its name (and qualifiers, attributes, parameter names) cut out, so
//!   `const char *path` is `char*`, `int fds[2]` is `int[2]`, `int (*cb)(int x)` is
//!   `int(*)(int)`. `struct conn *c` is `conn*` (the `struct` keyword is dropped). A function's
//!   `results` holds its return type, rendered the same way; `void` functions have none.
//! * Assignments are bindings. An assignment that runs unconditionally inside a condition or a
//!   value — at its top, possibly parenthesized, cast, compared, negated, or on the left of
//!   `&&`/`||` — is hoisted: `if ((fd = open(p)) == -1)` becomes `Bind fd = open(p)` followed by
//!   `If (fd == -1)`. For a `while`/`for` condition the bind is placed once, before the loop; for
//!   `do … while` at the end of the body. Assignments anywhere else (call arguments, the right
//!   of `&&`, `?:`) stay in the expression as `Other([target, value])`.
//! * `switch`: each `case` is an arm; consecutive labels share one arm; the switch is
//!   exhaustive when it has a `default`. `break` inside an arm is kept as `Break` (it leaves the
//!   switch, as in Go and Java). Fall-through from a non-empty arm into the next is not modelled.
//! * Preprocessor: `#define`, `#include` and other directives are skipped. Code inside
//!   `#if`/`#ifdef` is lowered as if the condition held. When a conditional has an `#else` or
//!   `#elif` inside a function body, both branches are visited, as the two sides of an `If`
//!   whose condition is the preprocessor condition (so that `fd = open_a()` / `fd = open_b()`
//!   are alternatives, not a sequence); `#if 0` keeps only its alternative. At file level and in
//!   struct bodies every branch is lowered. Macros that look like calls are calls.
//! * Error regions are skipped (tree-sitter marks `ERROR` nodes as extras, which `kids`
//!   filters); the code around them is lowered. `MACRO(…) name(void) { … }`, which the grammar
//!   reads as an error followed by a type `name` and a declarator `(void)`, is recovered as the
//!   function `name`.
//! * `exit`, `abort` and other functions that do not return stay ordinary calls.
//! * GNU statement expressions `({ … })` and blocks passed to macros are flattened into
//!   `Other` with the expressions of their statements: the model has no statements inside
//!   expressions.

use super::ts::{self, kids, span, Lowerer};
use super::ParseError;
use crate::model::{
    BinOp, Block, Call, Catch, Expr, ExprKind, FnKind, Import, Lang, Lit, Param, Stmt, StmtKind,
    TypeKind, TypeRef, Unit,
};
use tree_sitter::Node;

ts::grammar!(
    tree_sitter_c::LANGUAGE;
    alternative, argument, arguments, body, condition, consequence, declarator, field, function,
    index, initializer, label, left, name, operator, parameters, path, right, r#type, update,
    value
);

pub fn lower(src: &str) -> Result<Unit, ParseError> {
    lower_with(src, false)
}

/// [`lower`], or only declarations: see [`super::lower_declarations`].
pub fn lower_with(src: &str, declarations_only: bool) -> Result<Unit, ParseError> {
    let tree = ts::parse(&tree_sitter_c::LANGUAGE.into(), src)?;
    let root = tree.root_node();
    let mut c = C(Lowerer::new(Lang::C, src, root));
    c.0.declarations_only = declarations_only;
    let mut top = Vec::new();
    c.items(root, &mut top);
    c.0.unit.functions[0].body = top;
    Ok(c.0.unit)
}

struct C<'s>(Lowerer<'s>);

/// What a declarator declares: the name, and the function declarator wrapping that name
/// directly when the declarator declares a function (not a pointer to one).
struct Core<'t> {
    name: Option<Node<'t>>,
    func: Option<Node<'t>>,
}

/// Branch-prediction hints around a condition: the call stands for its first argument.
const BRANCH_HINTS: &[&str] = &[
    "likely",
    "unlikely",
    "LIKELY",
    "UNLIKELY",
    "__builtin_expect",
    "__predict_true",
    "__predict_false",
    "G_LIKELY",
    "G_UNLIKELY",
];

/// Follows a declarator down to the name it declares. Iterative: declarators nest arbitrarily.
fn core(mut d: Node) -> Core {
    let mut wrapper: Option<Node> = None;
    loop {
        match kind_of(d) {
            "identifier" | "field_identifier" | "type_identifier" => {
                return Core {
                    name: Some(d),
                    func: wrapper.filter(|w| kind_of(w) == "function_declarator"),
                }
            }
            "pointer_declarator"
            | "array_declarator"
            | "function_declarator"
            | "abstract_pointer_declarator"
            | "abstract_array_declarator"
            | "abstract_function_declarator" => {
                wrapper = Some(d);
                match d.child_by_field_id(F.declarator) {
                    Some(inner) => d = inner,
                    None => break,
                }
            }
            "init_declarator" => match d.child_by_field_id(F.declarator) {
                Some(inner) => d = inner,
                None => break,
            },
            "parenthesized_declarator"
            | "attributed_declarator"
            | "abstract_parenthesized_declarator" => {
                match kids(d).into_iter().find(|c| {
                    !matches!(
                        kind_of(c),
                        "attribute_declaration" | "attribute_specifier" | "ms_call_modifier"
                    )
                }) {
                    Some(inner) => d = inner,
                    None => break,
                }
            }
            _ => break,
        }
    }
    Core {
        name: None,
        func: None,
    }
}

/// Whether a preprocessor conditional holds a `case` label, in any of its branches.
fn holds_case(n: Node) -> bool {
    preproc_kids(n).into_iter().any(|c| {
        kind_of(c) == "case_statement" || is_preproc_conditional(kind_of(c)) && holds_case(c)
    })
}

/// The code of a preprocessor conditional: every child but its condition or name. The
/// alternative (`#else`, `#elif`) is included, last.
fn preproc_kids(n: Node) -> Vec<Node> {
    let skip: Vec<usize> = [F.condition, F.name]
        .into_iter()
        .filter_map(|f| n.child_by_field_id(f))
        .map(|c| c.id())
        .collect();
    kids(n)
        .into_iter()
        .filter(|c| !skip.contains(&c.id()))
        .collect()
}

fn is_preproc_conditional(kind: &str) -> bool {
    matches!(
        kind,
        "preproc_if" | "preproc_ifdef" | "preproc_elif" | "preproc_elifdef" | "preproc_else"
    )
}

/// Directives with no code of their own; `#define` bodies are not lowered.
fn is_directive(kind: &str) -> bool {
    matches!(
        kind,
        "preproc_def" | "preproc_function_def" | "preproc_include" | "preproc_call"
    )
}

impl<'s> C<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.0.text(n)
    }

    fn name(&self, n: Node) -> Expr {
        Expr::new(span(n), ExprKind::Name(self.text(n).to_string()))
    }

    fn op<'t>(&self, n: Node<'t>) -> &'s str {
        n.child_by_field_id(F.operator)
            .map(|o| self.text(o))
            .unwrap_or("")
    }

    // ---- types ------------------------------------------------------------------------------

    /// The type specifier as written, `struct`/`union`/`enum` keywords dropped.
    fn base_type(&self, t: Node) -> String {
        match kind_of(t) {
            "struct_specifier" | "union_specifier" | "enum_specifier" => {
                match t.child_by_field_id(F.name) {
                    Some(name) => self.text(name).to_string(),
                    None => kind_of(t).trim_end_matches("_specifier").to_string(),
                }
            }
            _ => self.text(t).to_string(),
        }
    }

    /// The declared type of `decl` (a declarator, possibly abstract) over the specifier `base`,
    /// with `cut` — the declared name, or a function definition's own declarator — removed.
    fn type_ref(
        &self,
        base: Option<Node>,
        decl: Option<Node>,
        cut: Option<Node>,
    ) -> Option<TypeRef> {
        let mut out = self.base_type(base?);
        if let Some(decl) = decl {
            out.push_str(&self.declarator_text(decl, cut));
        }
        Some(TypeRef::new(&out))
    }

    /// The text of a declarator without `cut`, qualifiers, attributes and parameter names.
    fn declarator_text(&self, decl: Node, cut: Option<Node>) -> String {
        let mut removed: Vec<(usize, usize)> = Vec::new();
        if let Some(c) = cut {
            removed.push((c.start_byte(), c.end_byte()));
        }
        let mut stack = vec![decl];
        while let Some(n) = stack.pop() {
            if cut.is_some_and(|c| c.id() == n.id()) {
                continue;
            }
            match kind_of(n) {
                "type_qualifier"
                | "attribute_specifier"
                | "attribute_declaration"
                | "ms_call_modifier"
                | "ms_pointer_modifier"
                | "ms_based_modifier"
                | "gnu_asm_expression" => {
                    removed.push((n.start_byte(), n.end_byte()));
                    continue;
                }
                "parameter_declaration" => {
                    if let Some(name) = n.child_by_field_id(F.declarator).and_then(|d| core(d).name)
                    {
                        removed.push((name.start_byte(), name.end_byte()));
                    }
                }
                _ => {}
            }
            let mut cur = n.walk();
            stack.extend(n.named_children(&mut cur));
        }
        removed.sort_unstable();
        let mut out = String::new();
        let mut at = decl.start_byte();
        for (start, end) in removed {
            if start > at {
                out.push_str(&self.src_range(at, start));
            }
            at = at.max(end);
        }
        if decl.end_byte() > at {
            out.push_str(&self.src_range(at, decl.end_byte()));
        }
        out
    }

    fn src_range(&self, start: usize, end: usize) -> String {
        self.0.src.get(start..end).unwrap_or_default().to_string()
    }

    // ---- file level -------------------------------------------------------------------------

    /// File-level items of `n` (the translation unit, a linkage block, a preprocessor
    /// conditional, an error region). Global initialisers become the top-level body.
    fn items(&mut self, n: Node, out: &mut Block) {
        let children = if is_preproc_conditional(kind_of(n)) {
            preproc_kids(n)
        } else {
            kids(n)
        };
        for c in children {
            self.item(c, out);
        }
    }

    fn item(&mut self, n: Node, out: &mut Block) {
        if !self.0.enter(n) {
            return;
        }
        match kind_of(n) {
            "function_definition" => self.func_def(n, FnKind::Function),
            "declaration" => self.declaration(n, true, out),
            "type_definition" => {
                // `typedef struct { … } Name;`: the struct is known by the typedef's name.
                let mut cur = n.walk();
                let alias = n
                    .children_by_field_name("declarator", &mut cur)
                    .find(|d| kind_of(d) == "type_identifier")
                    .map(|d| self.text(d).to_string());
                self.declare_struct(n.child_by_field_id(F.r#type), alias);
            }
            "struct_specifier" | "union_specifier" => self.declare_struct(Some(n), None),
            "preproc_include" => {
                if let Some(p) = n.child_by_field_id(F.path) {
                    let text = self.text(p);
                    self.0.unit.imports.push(Import {
                        path: text.trim_matches(['"', '<', '>']).to_string(),
                        alias: None,
                        wildcard: true,
                        span: span(n),
                    });
                }
            }
            "enum_specifier" | "primitive_type" | "type_identifier" | "sized_type_specifier" => {}
            "linkage_specification" => {
                if let Some(body) = n.child_by_field_id(F.body) {
                    if kind_of(body) == "declaration_list" {
                        self.items(body, out);
                    } else {
                        self.item(body, out);
                    }
                }
            }
            "declaration_list" => self.items(n, out),
            k if is_preproc_conditional(k) => {
                if !is_if_zero(self, n) {
                    self.items(n, out);
                } else if let Some(alt) = n.child_by_field_id(F.alternative) {
                    self.item(alt, out);
                }
            }
            k if is_directive(k) => {}
            // Statements the grammar accepts at file level (fragments, misparsed macros).
            _ => self.stmt(n, out),
        }
        self.0.leave();
    }

    fn func_def(&mut self, n: Node, kind: FnKind) {
        let decl = n.child_by_field_id(F.declarator);
        let c = decl.map(core).unwrap_or(Core {
            name: None,
            func: None,
        });
        let ty = n.child_by_field_id(F.r#type);
        let mut name = c.name.map(|n| self.text(n).to_string()).unwrap_or_default();
        let mut params = c
            .func
            .and_then(|f| f.child_by_field_id(F.parameters))
            .map(|p| self.params(p, n))
            .unwrap_or_default();
        if let (None, Some(t), Some(d)) = (c.func, ty, decl) {
            // `MACRO(…) name(void) { … }`: the grammar skips the macro as an error and reads
            // `name(void)` as a type and a parenthesized declarator.
            if kind_of(t) == "type_identifier" && kind_of(d) == "parenthesized_declarator" {
                name = self.text(t).to_string();
                params = kids(d)
                    .into_iter()
                    .filter(|p| kind_of(p) == "identifier" && self.text(*p) != "void")
                    .map(|p| Param {
                        name: self.text(p).to_string(),
                        ty: None,
                        span: span(p),
                    })
                    .collect();
            }
        }
        let scope = self.0.begin_function(kind, name, n);
        let results = match c.func {
            Some(f) => self
                .type_ref(ty, decl, Some(f))
                .filter(|t| t.0 != "void")
                .into_iter()
                .collect(),
            None => Vec::new(),
        };
        let f = self.0.current();
        f.params = params;
        f.results = results;
        let body = n
            .child_by_field_id(F.body)
            .filter(|_| !self.0.declarations_only)
            .map(|b| self.block(b))
            .unwrap_or_default();
        self.0.end_function(scope, body);
    }

    /// Parameters of a prototype-style or K&R-style parameter list. A lone `void` and `...`
    /// declare none.
    fn params(&self, list: Node, def: Node) -> Vec<Param> {
        let mut out = Vec::new();
        let all = kids(list);
        for p in &all {
            match kind_of(p) {
                "parameter_declaration" => {
                    let base = p.child_by_field_id(F.r#type);
                    let decl = p.child_by_field_id(F.declarator);
                    let name = decl.and_then(|d| core(d).name);
                    if decl.is_none()
                        && all.len() == 1
                        && base.is_some_and(|b| self.text(b) == "void")
                    {
                        continue;
                    }
                    out.push(Param {
                        name: name.map(|n| self.text(n).to_string()).unwrap_or_default(),
                        ty: self.type_ref(base, decl, name),
                        span: span(name.unwrap_or(*p)),
                    });
                }
                "identifier" => {
                    // K&R: `int f(a, b) int a; char *b; { … }`.
                    let wanted = self.text(*p);
                    let ty = kids(def)
                        .into_iter()
                        .filter(|d| kind_of(d) == "declaration")
                        .find_map(|d| {
                            let mut cur = d.walk();
                            let found =
                                d.children_by_field_name("declarator", &mut cur)
                                    .find_map(|x| {
                                        core(x)
                                            .name
                                            .filter(|n| self.text(*n) == wanted)
                                            .map(|n| (x, n))
                                    });
                            found.map(|(x, n)| {
                                self.type_ref(d.child_by_field_id(F.r#type), Some(x), Some(n))
                            })
                        })
                        .flatten();
                    out.push(Param {
                        name: wanted.to_string(),
                        ty,
                        span: span(*p),
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// A struct or union with a body at file level: a type of the unit (named by its tag, else
    /// by `alias`) with its fields, and its fields as fields of the unit.
    fn declare_struct(&mut self, t: Option<Node>, alias: Option<String>) {
        let Some(t) = t else { return };
        let tag = t
            .child_by_field_id(F.name)
            .map(|n| self.text(n).to_string());
        let has_body = t.child_by_field_id(F.body).is_some();
        let name = tag.or(alias).filter(|_| has_body);
        let Some(name) =
            name.filter(|_| matches!(kind_of(t), "struct_specifier" | "union_specifier"))
        else {
            return self.type_fields(Some(t));
        };
        let decl = self.0.unit.add_type(TypeKind::Struct, name, span(t));
        let before = self.0.unit.fields.len();
        self.type_fields(Some(t));
        let fields = self.0.unit.fields[before..].to_vec();
        self.0.unit.types[decl].fields = fields;
    }

    /// Fields of a struct or union specifier with a body, nested ones included.
    fn type_fields(&mut self, t: Option<Node>) {
        let Some(t) = t else { return };
        if !matches!(kind_of(t), "struct_specifier" | "union_specifier") {
            return;
        }
        let Some(body) = t.child_by_field_id(F.body) else {
            return;
        };
        self.field_list(body);
    }

    fn field_list(&mut self, list: Node) {
        if !self.0.enter(list) {
            return;
        }
        for f in kids(list) {
            match kind_of(f) {
                "field_declaration" => {
                    let base = f.child_by_field_id(F.r#type);
                    self.type_fields(base);
                    let mut cur = f.walk();
                    let decls: Vec<Node> =
                        f.children_by_field_name("declarator", &mut cur).collect();
                    for d in decls {
                        let Some(name) = core(d).name else { continue };
                        let ty = self.type_ref(base, Some(d), Some(name));
                        self.0.unit.fields.push(Param {
                            name: self.text(name).to_string(),
                            ty,
                            span: span(name),
                        });
                    }
                }
                k if is_preproc_conditional(k) => self.field_list(f),
                _ => {}
            }
        }
        self.0.leave();
    }

    /// A declaration: each declarator becomes a `Bind` (with no values when there is no
    /// initialiser); at file level also a field. Prototypes declare nothing.
    fn declaration(&mut self, n: Node, global: bool, out: &mut Block) {
        let base = n.child_by_field_id(F.r#type);
        if global {
            self.declare_struct(base, None);
        } else {
            self.type_fields(base);
        }
        // A `static` local lives as long as the program, like a global: it is listed with the
        // unit's fields too, and its binding declares no local (what it holds outlives the
        // call, as `static char *user; … user = strdup(name); return user;` caches it).
        let static_local = !global
            && kids(n)
                .into_iter()
                .any(|k| kind_of(k) == "storage_class_specifier" && self.text(k) == "static");
        let global = global || static_local;
        let mut cur = n.walk();
        let decls: Vec<Node> = n.children_by_field_name("declarator", &mut cur).collect();
        for d in decls {
            let (inner, value) = if kind_of(d) == "init_declarator" {
                (
                    d.child_by_field_id(F.declarator),
                    d.child_by_field_id(F.value),
                )
            } else {
                (Some(d), None)
            };
            let Some(inner) = inner else { continue };
            let c = core(inner);
            let Some(name) = c.name else { continue };
            if c.func.is_some() {
                continue;
            }
            let declared = self.type_ref(base, Some(inner), Some(name));
            if global {
                self.0.unit.fields.push(Param {
                    name: self.text(name).to_string(),
                    ty: declared.clone(),
                    span: span(name),
                });
            }
            let values = value.map(|v| vec![self.value(v, out)]).unwrap_or_default();
            out.push(Stmt::new(
                span(d),
                StmtKind::Bind {
                    targets: vec![self.name(name)],
                    values,
                    declared: declared.filter(|_| !static_local),
                },
            ));
        }
    }

    // ---- statements -------------------------------------------------------------------------

    fn block(&mut self, n: Node) -> Block {
        let mut out = Vec::new();
        for c in kids(n) {
            self.stmt(c, &mut out);
        }
        out
    }

    /// The body of an `if`, loop or `else`: a compound statement's statements, or the single
    /// statement.
    fn body(&mut self, n: Option<Node>) -> Block {
        match n {
            Some(b) if kind_of(b) == "compound_statement" => self.block(b),
            Some(s) => {
                let mut out = Vec::new();
                self.stmt(s, &mut out);
                out
            }
            None => Vec::new(),
        }
    }

    fn stmt(&mut self, n: Node, out: &mut Block) {
        if !self.0.enter(n) {
            return;
        }
        self.stmt_inner(n, out);
        self.0.leave();
    }

    fn stmt_inner(&mut self, n: Node, out: &mut Block) {
        let sp = span(n);
        let kind = match kind_of(n) {
            "expression_statement" => {
                if let Some(e) = kids(n).into_iter().next() {
                    self.expr_stmt(e, out);
                }
                return;
            }
            "declaration" => {
                self.declaration(n, false, out);
                return;
            }
            "type_definition" => {
                self.type_fields(n.child_by_field_id(F.r#type));
                return;
            }
            "struct_specifier" | "union_specifier" => {
                self.type_fields(Some(n));
                return;
            }
            "function_definition" => {
                self.func_def(n, FnKind::Nested);
                return;
            }
            "return_statement" => {
                let values = match kids(n).into_iter().next() {
                    Some(v) => vec![self.value(v, out)],
                    None => Vec::new(),
                };
                StmtKind::Return(values)
            }
            "if_statement" => {
                let cond = self.condition(n, out);
                let then = self.body(n.child_by_field_id(F.consequence));
                let otherwise = self.body(
                    n.child_by_field_id(F.alternative)
                        .and_then(|a| kids(a).into_iter().next()),
                );
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                }
            }
            "switch_statement" => self.switch(n, out),
            "while_statement" => {
                let cond = self.condition(n, out);
                let body = self.body(n.child_by_field_id(F.body));
                StmtKind::Loop {
                    head: vec![cond],
                    body,
                }
            }
            "do_statement" => {
                let mut body = self.body(n.child_by_field_id(F.body));
                let cond = self.condition(n, &mut body);
                StmtKind::Loop {
                    head: vec![cond],
                    body,
                }
            }
            "for_statement" => self.for_stmt(n),
            "goto_statement" => StmtKind::Goto(
                n.child_by_field_id(F.label)
                    .map(|l| self.text(l).to_string())
                    .unwrap_or_default(),
            ),
            "labeled_statement" => {
                let label = n.child_by_field_id(F.label);
                if let Some(l) = label {
                    out.push(Stmt::new(sp, StmtKind::Label(self.text(l).to_string())));
                }
                for c in kids(n) {
                    if Some(c.id()) != label.map(|l| l.id()) {
                        self.stmt(c, out);
                    }
                }
                return;
            }
            "break_statement" => StmtKind::Break,
            "continue_statement" => StmtKind::Continue,
            "compound_statement" => StmtKind::Block(self.block(n)),
            "attributed_statement" | "else_clause" => {
                for c in kids(n) {
                    if kind_of(c) != "attribute_declaration" {
                        self.stmt(c, out);
                    }
                }
                return;
            }
            // A `case` label outside the switch body's top level (Duff's device): its
            // statements, inline.
            "case_statement" => {
                for s in self.case_body(n) {
                    out.push(s);
                }
                return;
            }
            "seh_try_statement" => {
                let body = self.body(n.child_by_field_id(F.body));
                let mut catches = Vec::new();
                let mut finally = Vec::new();
                for c in kids(n) {
                    match kind_of(c) {
                        "seh_except_clause" => catches.push(Catch {
                            param: None,
                            body: self.body(c.child_by_field_id(F.body)),
                        }),
                        "seh_finally_clause" => finally = self.body(c.child_by_field_id(F.body)),
                        _ => {}
                    }
                }
                StmtKind::Try {
                    body,
                    catches,
                    finally,
                }
            }
            k if is_preproc_conditional(k) => {
                self.preproc_stmt(n, out);
                return;
            }
            k if is_directive(k) => return,
            "seh_leave_statement" | "enum_specifier" | "linkage_specification" => return,
            // Anything else (an expression the grammar left bare, a new construct): keep it.
            _ => StmtKind::Expr(self.expr(n)),
        };
        out.push(Stmt::new(sp, kind));
    }

    /// An expression in statement position: assignments bind, comma operators sequence.
    fn expr_stmt(&mut self, n: Node, out: &mut Block) {
        if !self.0.enter(n) {
            return;
        }
        match kind_of(n) {
            "comma_expression" => {
                for side in [F.left, F.right] {
                    if let Some(s) = n.child_by_field_id(side) {
                        self.expr_stmt(s, out);
                    }
                }
            }
            "assignment_expression" if self.op(n) == "=" => {
                // `value` pushes the Bind; the target it returns is not evaluated again.
                self.value(n, out);
            }
            _ => {
                let e = self.expr(n);
                out.push(ts::expr_stmt(e));
            }
        }
        self.0.leave();
    }

    /// The condition of an `if`/`while`/`do`/`switch`, its syntactic parentheses removed;
    /// assignments in it are pushed to `pre` as binds.
    fn condition(&mut self, n: Node, pre: &mut Block) -> Expr {
        let Some(c) = n.child_by_field_id(F.condition) else {
            return Lowerer::opaque(n);
        };
        let inner = match kind_of(c) {
            "parenthesized_expression" => kids(c)
                .into_iter()
                .next()
                .filter(|k| kind_of(k) != "compound_statement"),
            _ => None,
        };
        self.value(inner.unwrap_or(c), pre)
    }

    fn for_stmt(&mut self, n: Node) -> StmtKind {
        let mut pre = Vec::new();
        if let Some(init) = n.child_by_field_id(F.initializer) {
            if kind_of(init) == "declaration" {
                self.declaration(init, false, &mut pre);
            } else {
                self.expr_stmt(init, &mut pre);
            }
        }
        let mut head = Vec::new();
        if let Some(c) = n.child_by_field_id(F.condition) {
            let c = self.value(c, &mut pre);
            head.push(c);
        }
        if let Some(u) = n.child_by_field_id(F.update) {
            head.push(self.expr(u));
        }
        let body = self.body(n.child_by_field_id(F.body));
        if pre.is_empty() {
            return StmtKind::Loop { head, body };
        }
        // The initializer runs once, before the loop: keep it in front, scoped with it.
        pre.push(Stmt::new(span(n), StmtKind::Loop { head, body }));
        StmtKind::Block(pre)
    }

    fn switch(&mut self, n: Node, out: &mut Block) -> StmtKind {
        let scrutinee = Some(self.condition(n, out));
        let mut items = Vec::new();
        match n.child_by_field_id(F.body) {
            Some(b) if kind_of(b) == "compound_statement" => self.switch_items(b, &mut items),
            Some(b) => items.push(b),
            None => {}
        }
        let mut arms: Vec<Block> = Vec::new();
        let mut current: Option<Block> = None;
        let mut exhaustive = false;
        for item in items {
            if kind_of(item) == "case_statement" {
                exhaustive |= item.child_by_field_id(F.value).is_none();
                let body = self.case_body(item);
                match current.as_mut() {
                    // `case 1: case 2: …`: consecutive labels share one arm.
                    Some(arm) if arm.is_empty() => arm.extend(body),
                    _ => {
                        arms.extend(current.take());
                        current = Some(body);
                    }
                }
            } else {
                // Statements before the first label, or after a preprocessor line that ended
                // the grammar's `case` node, belong to the arm in progress.
                let arm = current.get_or_insert_with(Vec::new);
                self.stmt(item, arm);
            }
        }
        arms.extend(current);
        StmtKind::Switch {
            scrutinee,
            arms,
            exhaustive,
        }
    }

    /// The statements and `case` labels of a switch body, preprocessor conditionals that hold
    /// a label flattened (every branch, since a label may sit in either); one that holds only
    /// statements stays whole, so that its `#else` is an alternative, not a sequel.
    fn switch_items<'t>(&mut self, n: Node<'t>, out: &mut Vec<Node<'t>>) {
        if !self.0.enter(n) {
            return;
        }
        let children = if is_preproc_conditional(kind_of(n)) {
            preproc_kids(n)
        } else {
            kids(n)
        };
        for c in children {
            if is_preproc_conditional(kind_of(c)) && holds_case(c) {
                self.switch_items(c, out);
            } else if !is_directive(kind_of(c)) {
                out.push(c);
            }
        }
        self.0.leave();
    }

    /// The statements of a `case` label (without its value).
    fn case_body(&mut self, n: Node) -> Block {
        let value = n.child_by_field_id(F.value).map(|v| v.id());
        let mut out = Vec::new();
        for c in kids(n) {
            if Some(c.id()) != value {
                self.stmt(c, &mut out);
            }
        }
        out
    }

    /// A preprocessor conditional among statements. With an `#else`/`#elif`, both branches
    /// become the two sides of an `If`; without, the code is lowered as if the condition held.
    fn preproc_stmt(&mut self, n: Node, out: &mut Block) {
        let alt = n.child_by_field_id(F.alternative);
        if is_if_zero(self, n) {
            if let Some(a) = alt {
                self.stmt(a, out);
            }
            return;
        }
        let mut then = Vec::new();
        for c in preproc_kids(n) {
            if Some(c.id()) != alt.map(|a| a.id()) {
                self.stmt(c, &mut then);
            }
        }
        let Some(a) = alt else {
            out.extend(then);
            return;
        };
        let mut otherwise = Vec::new();
        self.stmt(a, &mut otherwise);
        let cond = n
            .child_by_field_id(F.condition)
            .or_else(|| n.child_by_field_id(F.name))
            .map(|c| self.expr(c));
        let cond = Expr::new(
            cond.as_ref().map(|c| c.span).unwrap_or(span(n)),
            ExprKind::Other(cond.into_iter().collect()),
        );
        out.push(Stmt::new(
            span(n),
            StmtKind::If {
                cond,
                then,
                otherwise,
            },
        ));
    }

    // ---- expressions ------------------------------------------------------------------------

    /// Lowers an expression whose assignments at the top — possibly parenthesized, cast,
    /// compared, negated, or on the left of `&&`/`||` — run unconditionally: each becomes a
    /// `Bind` pushed to `pre`, and the expression reads the assigned target in its place.
    fn value(&mut self, n: Node, pre: &mut Block) -> Expr {
        if !self.0.enter(n) {
            return Lowerer::opaque(n);
        }
        let e = self.value_inner(n, pre);
        self.0.leave();
        e
    }

    fn value_inner(&mut self, n: Node, pre: &mut Block) -> Expr {
        let sp = span(n);
        match kind_of(n) {
            "assignment_expression" if self.op(n) == "=" => {
                let (Some(l), Some(r)) =
                    (n.child_by_field_id(F.left), n.child_by_field_id(F.right))
                else {
                    return self.expr(n);
                };
                let value = self.value(r, pre);
                let target = self.expr(l);
                pre.push(Stmt::new(
                    sp,
                    StmtKind::Bind {
                        targets: vec![target],
                        values: vec![value],
                        declared: None,
                    },
                ));
                // The expression reads the target once assigned: spanning the assignment, the
                // read comes after the value it reads, not before it.
                let mut read = self.expr(l);
                read.span = sp;
                read
            }
            "parenthesized_expression" => match kids(n).into_iter().next() {
                Some(k) if kind_of(k) != "compound_statement" => {
                    Expr::new(sp, ExprKind::Unary(Box::new(self.value(k, pre))))
                }
                _ => self.expr(n),
            },
            "cast_expression" => match n.child_by_field_id(F.value) {
                Some(v) => Expr::new(sp, ExprKind::Unary(Box::new(self.value(v, pre)))),
                None => self.expr(n),
            },
            "unary_expression" => match n.child_by_field_id(F.argument) {
                Some(a) => {
                    let arg = self.value(a, pre);
                    Expr::new(sp, unary_op(self.op(n), arg))
                }
                None => self.expr(n),
            },
            "binary_expression" => {
                let (Some(l), Some(r)) =
                    (n.child_by_field_id(F.left), n.child_by_field_id(F.right))
                else {
                    return self.expr(n);
                };
                let left = self.value(l, pre);
                // The right of `&&`/`||` runs only sometimes: its assignments stay put.
                let right = if matches!(self.op(n), "&&" | "||") {
                    self.expr(r)
                } else {
                    self.value(r, pre)
                };
                let op = BinOp::from_token(self.op(n));
                Expr::new(sp, ExprKind::Binary(op, Box::new(left), Box::new(right)))
            }
            _ => self.expr(n),
        }
    }

    fn expr(&mut self, n: Node) -> Expr {
        if !self.0.enter(n) {
            return Lowerer::opaque(n);
        }
        let e = self.expr_inner(n);
        self.0.leave();
        e
    }

    fn expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let kind = match kind_of(n) {
            "identifier" if self.text(n) == "NULL" => ExprKind::Lit(Lit::Nil),
            "identifier" | "field_identifier" | "statement_identifier" | "type_identifier" => {
                ExprKind::Name(self.text(n).to_string())
            }
            "null" => ExprKind::Lit(Lit::Nil),
            "true" | "false" => ExprKind::Lit(Lit::Bool),
            "number_literal" => ExprKind::Lit(Lit::Num(Expr::int_value(self.text(n)))),
            "char_literal" => ExprKind::Lit(Lit::Num(None)),
            "unary_expression" => match n.child_by_field_id(F.argument) {
                Some(a) => {
                    let arg = self.expr(a);
                    unary_op(self.op(n), arg)
                }
                None => ExprKind::Other(Vec::new()),
            },
            "binary_expression" => {
                match (n.child_by_field_id(F.left), n.child_by_field_id(F.right)) {
                    (Some(l), Some(r)) => ExprKind::Binary(
                        BinOp::from_token(self.op(n)),
                        Box::new(self.expr(l)),
                        Box::new(self.expr(r)),
                    ),
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "string_literal" | "concatenated_string" => ExprKind::Lit(Lit::Str(self.string(n))),
            "field_expression" => {
                let base = match n.child_by_field_id(F.argument) {
                    Some(a) => self.expr(a),
                    None => Lowerer::opaque(n),
                };
                let field = n
                    .child_by_field_id(F.field)
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                ExprKind::Field(Box::new(base), field)
            }
            "call_expression" => {
                let func = match n.child_by_field_id(F.function) {
                    Some(f) => self.expr(f),
                    None => Lowerer::opaque(n),
                };
                let mut args = n
                    .child_by_field_id(F.arguments)
                    .map(|a| self.all(a))
                    .unwrap_or_default();
                // Branch hints (`unlikely(!p)`, `__builtin_expect(fd < 0, 0)`) are the
                // condition they wrap.
                if let (ExprKind::Name(f), false) = (&func.kind, args.is_empty()) {
                    if BRANCH_HINTS.contains(&f.as_str()) {
                        return args.swap_remove(0);
                    }
                }
                ExprKind::Call(Box::new(Call {
                    func,
                    args,
                    keywords: Vec::new(),
                }))
            }
            "subscript_expression" => {
                match (
                    n.child_by_field_id(F.argument),
                    n.child_by_field_id(F.index),
                ) {
                    (Some(b), Some(i)) => {
                        ExprKind::Index(Box::new(self.expr(b)), Box::new(self.expr(i)))
                    }
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "pointer_expression" => self.unary(n.child_by_field_id(F.argument)),
            "cast_expression" => match n.child_by_field_id(F.value) {
                Some(v) => ExprKind::Unary(Box::new(self.expr(v))),
                None => ExprKind::Lit(Lit::Num(None)),
            },
            // A constant: `sizeof(*p)` does not evaluate `p` (`p = malloc(sizeof(*p))` reads
            // nothing before the acquisition).
            "sizeof_expression" | "alignof_expression" | "offsetof_expression" => {
                ExprKind::Lit(Lit::Num(None))
            }
            "parenthesized_expression" => match kids(n).into_iter().next() {
                Some(c) if kind_of(c) == "compound_statement" => self.statement_expr(c),
                inner => self.unary(inner),
            },
            "compound_statement" => self.statement_expr(n),
            "compound_literal_expression" => ExprKind::Construct {
                ty: n.child_by_field_id(F.r#type).and_then(|t| {
                    self.type_ref(
                        t.child_by_field_id(F.r#type),
                        t.child_by_field_id(F.declarator),
                        None,
                    )
                }),
                fields: n
                    .child_by_field_id(F.value)
                    .map(|v| self.initializer(v))
                    .unwrap_or_default(),
            },
            "initializer_list" => ExprKind::Construct {
                ty: None,
                fields: self.initializer(n),
            },
            // Assignments inside expressions (`f(x = g())`) and everything else: operands kept.
            _ => ExprKind::Other(self.all(n)),
        };
        Expr::new(sp, kind)
    }

    fn unary(&mut self, operand: Option<Node>) -> ExprKind {
        match operand {
            Some(o) => ExprKind::Unary(Box::new(self.expr(o))),
            None => ExprKind::Other(Vec::new()),
        }
    }

    fn all(&mut self, n: Node) -> Vec<Expr> {
        kids(n).into_iter().map(|c| self.expr(c)).collect()
    }

    /// `({ … })` or a block passed to a macro: the expressions of its statements.
    fn statement_expr(&mut self, n: Node) -> ExprKind {
        let block = self.block(n);
        let mut out = Vec::new();
        crate::model::into_exprs(block, &mut out);
        ExprKind::Other(out)
    }

    /// Elements of an initializer list, with designated field names (`.fd = -1` → `fd`).
    fn initializer(&mut self, n: Node) -> Vec<(Option<String>, Expr)> {
        let mut out = Vec::new();
        for el in kids(n) {
            if kind_of(el) != "initializer_pair" {
                out.push((None, self.expr(el)));
                continue;
            }
            let mut cur = el.walk();
            let names: Vec<String> = el
                .children_by_field_name("designator", &mut cur)
                .filter(|d| matches!(kind_of(d), "field_designator" | "field_identifier"))
                .map(|d| self.text(d).trim_start_matches('.').trim().to_string())
                .collect();
            let name = (!names.is_empty()).then(|| names.join("."));
            let value = match el.child_by_field_id(F.value) {
                Some(v) => self.expr(v),
                None => Lowerer::opaque(el),
            };
            out.push((name, value));
        }
        out
    }

    /// The value of a string literal, or of adjacent literals concatenated; escapes are left as
    /// written. `<inttypes.h>` macros between the pieces (`"%" PRIu64`) contribute their
    /// conversion letter, so the template keeps its verbs.
    fn string(&self, n: Node) -> String {
        if kind_of(n) == "string_literal" {
            return unquote(self.text(n));
        }
        let mut out = String::new();
        for part in kids(n) {
            match kind_of(part) {
                "string_literal" => out.push_str(&unquote(self.text(part))),
                "identifier" => {
                    if let Some(conv) = self.text(part).strip_prefix("PRI") {
                        out.extend(conv.chars().next());
                    }
                }
                _ => {}
            }
        }
        out
    }
}

/// `#if 0`: code that is never compiled.
fn is_if_zero(c: &C, n: Node) -> bool {
    kind_of(n) == "preproc_if"
        && n.child_by_field_id(F.condition)
            .is_some_and(|cond| c.text(cond).trim() == "0")
}

/// The text between the quotes of a C string literal (`"…"`, `L"…"`, `u8"…"`).
fn unquote(text: &str) -> String {
    let start = text.find('"').map(|i| i + 1).unwrap_or(0);
    let end = text
        .rfind('"')
        .filter(|&e| e >= start)
        .unwrap_or(text.len());
    text.get(start..end).unwrap_or_default().to_string()
}

/// `!x` is a negation, `-1` a negative literal; other unary operators keep their operand.
fn unary_op(op: &str, arg: Expr) -> ExprKind {
    match (op, &arg.kind) {
        ("!", _) => ExprKind::Not(Box::new(arg)),
        ("-", ExprKind::Lit(Lit::Num(Some(v)))) => ExprKind::Lit(Lit::Num(Some(-v))),
        _ => ExprKind::Other(vec![arg]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Block;

    fn unit(src: &str) -> Unit {
        lower(src).expect("lowers")
    }

    /// A compact rendering of an expression, for asserting shapes.
    fn e(x: &Expr) -> String {
        match &x.kind {
            ExprKind::Name(n) => n.clone(),
            ExprKind::Field(b, f) => format!("{}.{f}", e(b)),
            ExprKind::Call(c) => format!("{}({})", e(&c.func), es(&c.args)),
            ExprKind::Lit(Lit::Str(s)) => format!("{s:?}"),
            ExprKind::Lit(Lit::Num(_)) => "#".into(),
            ExprKind::Lit(Lit::Bool) => "bool".into(),
            ExprKind::Lit(Lit::Nil) => "nil".into(),
            ExprKind::Lit(Lit::Other) => "lit".into(),
            ExprKind::Format(_) => "fmt".into(),
            ExprKind::Index(a, b) => format!("{}[{}]", e(a), e(b)),
            ExprKind::In(a, b) => format!("{} in {}", e(a), e(b)),
            ExprKind::Closure(id) => format!("closure{id}"),
            ExprKind::Construct { ty, fields } => format!(
                "{}{{{}}}",
                ty.as_ref().map(|t| t.0.as_str()).unwrap_or(""),
                fields
                    .iter()
                    .map(|(n, v)| match n {
                        Some(n) => format!("{n}: {}", e(v)),
                        None => e(v),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Unary(x) => format!("u({})", e(x)),
            ExprKind::Not(x) => format!("!({})", e(x)),
            ExprKind::Binary(_, a, b) => format!("o({}, {})", e(a), e(b)),
            ExprKind::Other(xs) => format!("o({})", es(xs)),
        }
    }

    fn es(xs: &[Expr]) -> String {
        xs.iter().map(e).collect::<Vec<_>>().join(", ")
    }

    /// A compact rendering of a block: one string per statement.
    fn b(block: &Block) -> Vec<String> {
        block.iter().map(st).collect()
    }

    fn bs(block: &Block) -> String {
        format!("{{{}}}", b(block).join("; "))
    }

    fn st(s: &Stmt) -> String {
        match &s.kind {
            StmtKind::Expr(x) => e(x),
            StmtKind::Bind {
                targets,
                values,
                declared,
            } => {
                let ty = declared
                    .as_ref()
                    .map(|t| format!("{} ", t.0))
                    .unwrap_or_default();
                if values.is_empty() {
                    format!("{ty}{}", es(targets))
                } else {
                    format!("{ty}{} = {}", es(targets), es(values))
                }
            }
            StmtKind::Return(xs) => format!("return {}", es(xs)).trim_end().to_string(),
            StmtKind::Throw(x) => format!("throw {}", x.as_ref().map(e).unwrap_or_default()),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                if otherwise.is_empty() {
                    format!("if {} {}", e(cond), bs(then))
                } else {
                    format!("if {} {} else {}", e(cond), bs(then), bs(otherwise))
                }
            }
            StmtKind::Switch {
                scrutinee,
                arms,
                exhaustive,
            } => format!(
                "switch{} {} [{}]",
                if *exhaustive { "!" } else { "" },
                scrutinee.as_ref().map(e).unwrap_or_default(),
                arms.iter().map(bs).collect::<Vec<_>>().join(" ")
            ),
            StmtKind::Loop { head, body } => format!("loop({}) {}", es(head), bs(body)),
            StmtKind::Try {
                body,
                catches,
                finally,
            } => format!(
                "try {} catch [{}] finally {}",
                bs(body),
                catches
                    .iter()
                    .map(|c| bs(&c.body))
                    .collect::<Vec<_>>()
                    .join(" "),
                bs(finally)
            ),
            StmtKind::Scoped { bindings, body } => {
                format!("scoped {} {}", bs(bindings), bs(body))
            }
            StmtKind::Defer(x) => format!("defer {}", e(x)),
            StmtKind::Break => "break".into(),
            StmtKind::Continue => "continue".into(),
            StmtKind::Goto(l) => format!("goto {l}"),
            StmtKind::Label(l) => format!("{l}:"),
            StmtKind::Block(body) => bs(body),
        }
    }

    /// The body of the function named `name`, rendered.
    fn body_of(u: &Unit, name: &str) -> Vec<String> {
        let f = u
            .functions
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function {name}"));
        b(&f.body)
    }

    fn params(u: &Unit, name: &str) -> Vec<(String, String)> {
        let f = u.functions.iter().find(|f| f.name == name).unwrap();
        f.params
            .iter()
            .map(|p| {
                let ty = p.ty.as_ref().map(|t| t.0.clone()).unwrap_or_default();
                (p.name.clone(), ty)
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn aof_like_function_shows_the_error_paths() {
        let u = unit(
            "int spawnWriter(const char *tmpfile) {\n\
             \x20   int fds[2];\n\
             \x20   pid_t childpid;\n\
             \x20   if (pipe(fds) == -1) goto werr;\n\
             \x20   if (anetNonBlock(NULL, fds[0]) != ANET_OK) goto werr;\n\
             \x20   if ((childpid = fork()) == -1) {\n\
             \x20       serverLog(LL_WARNING, \"fork: %s\", strerror(errno));\n\
             \x20       return C_ERR;\n\
             \x20   }\n\
             \x20   server.writer_pipe = fds[1];\n\
             \x20   return C_OK;\n\
             werr:\n\
             \x20   close(fds[0]);\n\
             \x20   return C_ERR;\n\
             }\n",
        );
        let f = &u.functions[1];
        assert_eq!((f.kind, f.name.as_str()), (FnKind::Function, "spawnWriter"));
        assert_eq!(f.results, [TypeRef::new("int")]);
        assert_eq!(
            b(&f.body),
            [
                "int[2] fds",
                "pid_t childpid",
                "if o(pipe(fds), #) {goto werr}",
                "if o(anetNonBlock(nil, fds[#]), ANET_OK) {goto werr}",
                "childpid = fork()",
                "if o(u(childpid), #) {serverLog(LL_WARNING, \"fork: %s\", strerror(errno)); return C_ERR}",
                "server.writer_pipe = fds[#]",
                "return C_OK",
                "werr:",
                "close(fds[#])",
                "return C_ERR",
            ]
        );
        // The hoisted bind sits right before the `If`, and the return is `Name("C_ERR")`.
        let StmtKind::If { then, .. } = &f.body[5].kind else {
            panic!("if")
        };
        let StmtKind::Return(values) = &then[1].kind else {
            panic!("return")
        };
        assert!(matches!(&values[0].kind, ExprKind::Name(n) if n == "C_ERR"));
        let StmtKind::Bind { values, .. } = &f.body[4].kind else {
            panic!("bind")
        };
        let ExprKind::Call(call) = &values[0].kind else {
            panic!("call")
        };
        assert_eq!(call.name(), Some("fork"));
    }

    #[test]
    fn functions_params_and_results() {
        let u = unit(
            "static int rewrite(const char *path, int *fds, char **out, int n[2], ...) { return 0; }\n\
             void nothing(void) {}\n\
             char **names(int) { return 0; }\n\
             void (*handler(int sig, void (*cb)(int code)))(int) { return 0; }\n\
             struct conn *connect_to(struct addr *a, unsigned long flags) { return NULL; }\n\
             int kr(a, b) int a; char *b; { return a; }\n\
             int prototype(int x);\n",
        );
        let names: Vec<_> = u
            .functions
            .iter()
            .map(|f| (f.kind, f.name.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                (FnKind::TopLevel, ""),
                (FnKind::Function, "rewrite"),
                (FnKind::Function, "nothing"),
                (FnKind::Function, "names"),
                (FnKind::Function, "handler"),
                (FnKind::Function, "connect_to"),
                (FnKind::Function, "kr"),
            ]
        );
        assert_eq!(
            params(&u, "rewrite"),
            pairs(&[
                ("path", "char*"),
                ("fds", "int*"),
                ("out", "char**"),
                ("n", "int[2]")
            ])
        );
        assert_eq!(u.functions[1].results, [TypeRef::new("int")]);
        assert!(params(&u, "nothing").is_empty());
        assert!(u.functions[2].results.is_empty());
        assert_eq!(params(&u, "names"), pairs(&[("", "int")]));
        assert_eq!(u.functions[3].results, [TypeRef::new("char**")]);
        assert_eq!(
            params(&u, "handler"),
            pairs(&[("sig", "int"), ("cb", "void(*)(int)")])
        );
        assert_eq!(u.functions[4].results, [TypeRef::new("void(*)(int)")]);
        assert_eq!(
            params(&u, "connect_to"),
            pairs(&[("a", "addr*"), ("flags", "unsignedlong")])
        );
        assert_eq!(u.functions[5].results, [TypeRef::new("conn*")]);
        assert_eq!(params(&u, "kr"), pairs(&[("a", "int"), ("b", "char*")]));
        // A prototype is neither a function nor a global.
        assert!(u.fields.is_empty());
    }

    #[test]
    fn nested_functions_know_their_parent() {
        let u = unit("void outer(void) { int inner(int a) { return a; } inner(1); }\n");
        let inner = u.functions.iter().find(|f| f.name == "inner").unwrap();
        assert_eq!((inner.kind, inner.parent), (FnKind::Nested, Some(1)));
        assert_eq!(body_of(&u, "outer"), ["inner(#)"]);
    }

    #[test]
    fn globals_and_struct_fields() {
        let u = unit(
            "static int counter = 0, *ptr;\n\
             FILE *logfp;\n\
             struct conn { int fd; char *name; struct conn *next; int (*cb)(int);\n\
             \x20 union { long l; void *p; } u;\n\
             #ifdef HAVE_TLS\n\
             \x20 SSL *ssl;\n\
             #endif\n\
             };\n\
             typedef struct { redisContext *ctx; } Wrapper;\n",
        );
        let fields: Vec<_> = u
            .fields
            .iter()
            .map(|p| (p.name.clone(), p.ty.as_ref().unwrap().0.clone()))
            .collect();
        assert_eq!(
            fields,
            pairs(&[
                ("counter", "int"),
                ("ptr", "int*"),
                ("logfp", "FILE*"),
                ("fd", "int"),
                ("name", "char*"),
                ("next", "conn*"),
                ("cb", "int(*)(int)"),
                ("l", "long"),
                ("p", "void*"),
                ("u", "union"),
                ("ssl", "SSL*"),
                ("ctx", "redisContext*"),
            ])
        );
        // Initialisers of globals are the top level's body.
        assert_eq!(
            b(&u.functions[0].body),
            ["int counter = #", "int* ptr", "FILE* logfp"]
        );
    }

    #[test]
    fn declarations_bind_each_declarator() {
        let u = unit(
            "void f(const char *p) {\n\
             \x20 int fd = open(p, O_RDONLY), fds[2], n;\n\
             \x20 FILE *fp = fopen(p, \"r\");\n\
             \x20 struct stat st = {0};\n\
             \x20 struct sockaddr_in sa = { .sin_family = AF_INET };\n\
             \x20 static char *buf = NULL;\n\
             \x20 int local_proto(int);\n\
             \x20 struct inner { int x; } in;\n\
             }\n",
        );
        assert_eq!(
            body_of(&u, "f"),
            [
                "int fd = open(p, O_RDONLY)",
                "int[2] fds",
                "int n",
                "FILE* fp = fopen(p, \"r\")",
                "stat st = {#}",
                "sockaddr_in sa = {sin_family: AF_INET}",
                // A static local declares no local of the call.
                "buf = nil",
                "inner in",
            ]
        );
        // A struct declared in a function still declares fields.
        assert_eq!(u.field_type("x").unwrap().0, "int");
    }

    #[test]
    fn assignments_bind_and_conditions_hoist_them() {
        let u = unit(
            "void f(void) {\n\
             \x20 x = f();\n\
             \x20 a = b = malloc(10);\n\
             \x20 x += 2;\n\
             \x20 *out = fp;\n\
             \x20 i = 0, j = g();\n\
             \x20 if ((fd = open(p, 0)) == -1) return;\n\
             \x20 if (!(fp = fopen(p, \"r\"))) return;\n\
             \x20 if (fd = dup(0)) {}\n\
             \x20 if (ok && (c = connect()) != NULL) {}\n\
             \x20 while ((n = read(fd, buf, 10)) > 0) use(n);\n\
             \x20 do { step(); } while ((more = next()));\n\
             \x20 call(y = 1);\n\
             }\n",
        );
        assert_eq!(
            body_of(&u, "f"),
            [
                "x = f()",
                "b = malloc(#)",
                "a = b",
                "o(x, #)",
                "u(out) = fp",
                "i = #",
                "j = g()",
                "fd = open(p, #)",
                "if o(u(fd), #) {return}",
                "fp = fopen(p, \"r\")",
                "if !(u(fp)) {return}",
                "fd = dup(#)",
                "if fd {}",
                "if o(ok, o(u(o(c, connect())), nil)) {}",
                "n = read(fd, buf, #)",
                "loop(o(u(n), #)) {use(n)}",
                "loop(u(more)) {step(); more = next()}",
                "call(o(y, #))",
            ]
        );
    }

    #[test]
    fn control_flow_statements() {
        let u = unit(
            "int f(int n) {\n\
             \x20 if (n) { a(); } else if (n > 1) b(); else { c(); }\n\
             \x20 switch (n) { case 1: case 2: one(); break; case 3: { three(); } default: dflt(); }\n\
             \x20 switch (n) { case 1: return 1; }\n\
             \x20 for (int i = 0; i < n; i++) { if (i) continue; else break; }\n\
             \x20 for (;;) {}\n\
             again:\n\
             \x20 if (n--) goto again;\n\
             \x20 { inner(); }\n\
             \x20 return n;\n\
             }\n",
        );
        assert_eq!(
            body_of(&u, "f"),
            [
                "if n {a()} else {if o(n, #) {b()} else {c()}}",
                "switch! n [{one(); break} {{three()}} {dflt()}]",
                "switch n [{return #}]",
                "{int i = #; loop(o(i, n), o(i)) {if i {continue} else {break}}}",
                "loop() {}",
                "again:",
                "if o(n) {goto again}",
                "{inner()}",
                "return n",
            ]
        );
    }

    #[test]
    fn expressions() {
        let u = unit(
            "void f(void) {\n\
             \x20 server.aof_pipe_write_data_to_child = fds[1];\n\
             \x20 c->conn->type->close(c->conn);\n\
             \x20 x = (int)sizeof(*p) + sizeof(int);\n\
             \x20 y = &arr[i];\n\
             \x20 s = \"a\" \"b\" L\"c\";\n\
             \x20 t = \"%\" PRIu64 \" items\";\n\
             \x20 z = TRUE ? true : false;\n\
             \x20 w = (struct pair){ .a = 1, .b = NULL };\n\
             \x20 v = -n;\n\
             \x20 MACRO_CALL(a, b);\n\
             }\n",
        );
        assert_eq!(
            body_of(&u, "f"),
            [
                "server.aof_pipe_write_data_to_child = fds[#]",
                "c.conn.type.close(c.conn)",
                "x = o(u(#), #)",
                "y = u(arr[i])",
                "s = \"abc\"",
                "t = \"%u items\"",
                "z = o(bool, bool, bool)",
                "w = pair{a: #, b: nil}",
                "v = o(n)",
                "MACRO_CALL(a, b)",
            ]
        );
    }

    #[test]
    fn preprocessor_conditionals() {
        let u = unit(
            "#define CLOSE(fd) do { close(fd); } while (0)\n\
             #include <stdio.h>\n\
             #ifdef HAVE_EPOLL\n\
             int poll_create(void) { return epoll_create(1); }\n\
             #else\n\
             int poll_create(void) { return kqueue(); }\n\
             #endif\n\
             void f(void) {\n\
             #ifdef USE_LOG\n\
             \x20 log_open();\n\
             #endif\n\
             #if defined(__linux__)\n\
             \x20 fd = open_linux();\n\
             #elif defined(__APPLE__)\n\
             \x20 fd = open_mac();\n\
             #else\n\
             \x20 fd = open_other();\n\
             #endif\n\
             #if 0\n\
             \x20 dead();\n\
             #endif\n\
             \x20 switch (fd) {\n\
             \x20 case 0: zero(); break;\n\
             #ifdef EXTRA\n\
             \x20 case 1: one(); break;\n\
             #endif\n\
             \x20 }\n\
             }\n",
        );
        // Both branches of a file-level `#if/#else` are lowered.
        let polls = u
            .functions
            .iter()
            .filter(|f| f.name == "poll_create")
            .count();
        assert_eq!(polls, 2);
        assert!(!u.functions.iter().any(|f| f.name == "CLOSE"));
        assert_eq!(
            body_of(&u, "f"),
            [
                "log_open()",
                "if o(o(__linux__)) {fd = open_linux()} else \
                 {if o(o(__APPLE__)) {fd = open_mac()} else {fd = open_other()}}",
                "switch fd [{zero(); break} {one(); break}]",
            ]
        );
    }

    #[test]
    fn macro_before_a_function_name() {
        let u =
            unit("static void REDIS_NO_SANITIZE(\"bounds\") scan(void) { int fd = open(p, 0); }\n");
        assert!(!u.syntax_errors.is_empty());
        assert_eq!(body_of(&u, "scan"), ["int fd = open(p, #)"]);
    }

    #[test]
    fn statement_expressions_and_macro_blocks_are_flattened() {
        let u = unit(
            "void f(void) {\n\
             \x20 int x = ({ int y = g(); y + 1; });\n\
             \x20 LOCKED(m, { close(fd); });\n\
             \x20 listForEach(l, node) { free(node); }\n\
             }\n",
        );
        assert_eq!(
            body_of(&u, "f"),
            [
                "int x = o(o(y, g()), o(y, #))",
                "LOCKED(m, o(close(fd)))",
                "listForEach(l, node)",
                "{free(node)}",
            ]
        );
    }

    #[test]
    fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
        let u = unit(
            "void f(void) { int x = ; }\nint g(void) { FILE *fp = fopen(p, \"r\"); return 0; }\n",
        );
        assert!(!u.syntax_errors.is_empty());
        assert_eq!(body_of(&u, "g"), ["FILE* fp = fopen(p, \"r\")", "return #"]);
    }

    #[test]
    fn deep_nesting_is_truncated_not_overflowed() {
        let depth = 5000;
        let parens = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
        let u = unit(&format!("int x = {parens};\n"));
        assert!(u.truncated_at.is_some());
        let u = unit(&format!(
            "void f(void) {{ if ({parens} == (x = 1)) return; }}\n"
        ));
        assert!(u.truncated_at.is_some());
        let blocks = format!(
            "void f(void) {{ {}g();{} }}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        );
        assert!(unit(&blocks).truncated_at.is_some());
        let ifs = format!("void f(void) {{ {} g(); }}\n", "if (a) ".repeat(depth));
        assert!(unit(&ifs).truncated_at.is_some());
        let pre = format!(
            "{}int x;\n{}",
            "#ifdef A\n".repeat(depth),
            "#endif\n".repeat(depth)
        );
        assert!(unit(&pre).truncated_at.is_some());
        let ptrs = format!("int {}x;\n", "*".repeat(depth));
        assert_eq!(unit(&ptrs).fields.len(), 1);
    }
}
