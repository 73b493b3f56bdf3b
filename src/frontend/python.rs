//! Lowering of the Python tree-sitter grammar into the model.
//!
//! Conventions, beyond those of [`crate::model`]:
//!
//! * The module body is `functions[0]`. A class body's executable statements (class attributes,
//!   decorators) become a [`StmtKind::Block`] of the function the class is defined in; its
//!   `def`s become [`FnKind::Method`]s. Decorators and parameter defaults are evaluated where
//!   the definition stands, so they are expression statements of the enclosing function.
//! * The first parameter of an instance method (`self`) is typed with the enclosing class's
//!   name unless annotated; `@staticmethod` / `@classmethod` methods are left alone.
//! * [`crate::model::Unit::fields`] holds class attributes, `self.x = …` in `__init__` (and
//!   annotated `self.x: T = …` in any method), and module-level variables. The type comes from
//!   the annotation, else from a constructor call (`Foo(…)`, `mod.Foo(…)`: a callee whose last
//!   segment is capitalised), else it is `None`.
//! * Call arguments: positional arguments (and `*args`) first, then the values of keyword
//!   arguments (and `**kwargs`), each group in source order; `Call::keywords` names the second
//!   group.
//! * `del d[k]` is `Expr(Call { func: Name("del"), args: [Index(d, k)] })`, one statement per
//!   target, so checks treat it like a removal method.
//! * `for x in xs: body` is `Loop { head: [xs], body: [Bind { targets: [x], values: [] }, body…] }`;
//!   a loop's `else:` block follows the loop; a `try`'s `else:` block is appended to its body.
//! * Strings: f-strings are [`ExprKind::Format`] with no template; `"…" % x` and
//!   `"…".format(…)` with a literal template are `Format` with the template. Plain literals
//!   (concatenated ones joined) are `Lit::Str`, without quotes or prefix, escapes as written.

use super::ts::{self, expr_stmt, kids, span, Lowerer};
use super::ParseError;
use crate::format_string::{brace_placeholders, printf_verbs};
use crate::model::{
    BinOp, Block, Call, Catch, Expr, ExprKind, FnKind, Format, FormatArg, FuncId, Import, Lang,
    Lit, Method, Param, Span, Stmt, StmtKind, TypeKind, TypeRef, Unit,
};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

ts::grammar!(
    tree_sitter_python::LANGUAGE;
    alias, alternative, arguments, attribute, body, cause, condition, consequence, definition,
    expression, format_specifier, function, guard, key, left, module_name, name, object,
    operator, parameters, return_type, right, superclasses, r#type, type_conversion, value
);

pub fn lower(src: &str) -> Result<Unit, ParseError> {
    lower_with(src, false)
}

/// [`lower`], or only declarations: see [`super::lower_declarations`].
pub fn lower_with(src: &str, declarations_only: bool) -> Result<Unit, ParseError> {
    let (src, too_deep) = ts::limit_python_indentation(src);
    let src = &*src;
    let tree = ts::parse(&tree_sitter_python::LANGUAGE.into(), src)?;
    let root = tree.root_node();
    let mut py = Py {
        lo: {
            let mut lo = Lowerer::new(Lang::Python, src, root);
            lo.declarations_only = declarations_only;
            lo
        },
        scope: Scope::default(),
        field_index: HashMap::new(),
    };
    let top = py.block(root);
    py.lo.unit.functions[0].body = top;
    if too_deep.is_some_and(|s| py.lo.unit.truncated_at.is_none_or(|t| s.start < t.start)) {
        py.lo.unit.truncated_at = too_deep;
    }
    Ok(py.lo.unit)
}

struct Py<'s> {
    lo: Lowerer<'s>,
    scope: Scope,
    /// `(class name or "" for the module, field name)` → index in `unit.fields`.
    field_index: HashMap<(String, String), usize>,
}

/// Where the statements being lowered stand, for method kinds and field collection.
#[derive(Default)]
struct Scope {
    /// Set while lowering a class body (not the bodies of its methods): the class's name.
    class: Option<String>,
    /// Set while lowering the body of an instance method.
    receiver: Option<Receiver>,
}

struct Receiver {
    /// The first parameter's name, usually `self`.
    name: String,
    class: String,
    /// The method is `__init__`: every `self.x = …` declares a field.
    init: bool,
}

impl<'s> Py<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.lo.text(n)
    }

    /// A type annotation as written; a string annotation (`"Foo"`, a forward reference) is
    /// unquoted.
    fn ty(&self, n: Option<Node>) -> Option<TypeRef> {
        let n = n?;
        let inner = kids(n);
        match inner.as_slice() {
            [s] if matches!(kind_of(s), "string" | "concatenated_string") => {
                self.literal(*s).map(|t| TypeRef::new(&t))
            }
            _ => Some(TypeRef::new(self.text(n))),
        }
    }

    fn block(&mut self, n: Node) -> Block {
        let mut out = Vec::new();
        for c in kids(n) {
            self.stmt(c, &mut out);
        }
        out
    }

    fn stmt(&mut self, n: Node, out: &mut Block) {
        if !self.lo.enter(n) {
            return;
        }
        self.stmt_inner(n, out);
        self.lo.leave();
    }

    fn stmt_inner(&mut self, n: Node, out: &mut Block) {
        let sp = span(n);
        let kind = match kind_of(n) {
            "expression_statement" => {
                let parts = kids(n);
                match parts.as_slice() {
                    [a] if kind_of(a) == "assignment" => return self.assignment(*a, out),
                    [a] if kind_of(a) == "augmented_assignment" => {
                        // `x += y`: an update, not a binding.
                        let parts = [a.child_by_field_id(F.left), a.child_by_field_id(F.right)]
                            .into_iter()
                            .flatten()
                            .map(|c| self.expr(c))
                            .collect();
                        StmtKind::Expr(Expr::new(span(*a), ExprKind::Other(parts)))
                    }
                    // A docstring or other bare string does nothing; an f-string may call.
                    [e] if kind_of(e) == "string" && !self.is_fstring(*e) => return,
                    [e] => StmtKind::Expr(self.expr(*e)),
                    _ => {
                        let parts = parts.into_iter().map(|c| self.expr(c)).collect();
                        StmtKind::Expr(Expr::new(sp, ExprKind::Other(parts)))
                    }
                }
            }
            "return_statement" => StmtKind::Return(
                kids(n)
                    .into_iter()
                    .next()
                    .map(|v| self.expr_list(v))
                    .unwrap_or_default(),
            ),
            "raise_statement" => {
                let cause = n.child_by_field_id(F.cause);
                let exc = kids(n)
                    .into_iter()
                    .find(|c| Some(c.id()) != cause.map(|c| c.id()))
                    .map(|e| self.expr(e));
                StmtKind::Throw(match (exc, cause) {
                    (Some(e), Some(c)) => {
                        // `raise E from err`: keep the cause as an operand.
                        let c = self.expr(c);
                        Some(Expr::new(sp, ExprKind::Other(vec![e, c])))
                    }
                    (e, _) => e,
                })
            }
            "if_statement" => {
                let cond = self.cond(n);
                let then = self.field_block(n, F.consequence);
                let mut cur = n.walk();
                let alts: Vec<Node> = n.children_by_field_name("alternative", &mut cur).collect();
                let otherwise = self.alternatives(&alts);
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                }
            }
            "for_statement" => {
                let head = n
                    .child_by_field_id(F.right)
                    .map(|r| self.expr_list(r))
                    .unwrap_or_default();
                let mut body = Vec::new();
                if let Some(l) = n.child_by_field_id(F.left) {
                    let targets = self.targets(l);
                    body.push(Stmt::new(
                        span(l),
                        StmtKind::Bind {
                            targets,
                            values: Vec::new(),
                            declared: None,
                        },
                    ));
                }
                body.extend(self.field_block(n, F.body));
                out.push(Stmt::new(sp, StmtKind::Loop { head, body }));
                self.loop_else(n, out);
                return;
            }
            "while_statement" => {
                let head = vec![self.cond(n)];
                let body = self.field_block(n, F.body);
                out.push(Stmt::new(sp, StmtKind::Loop { head, body }));
                self.loop_else(n, out);
                return;
            }
            "try_statement" => self.try_stmt(n),
            "with_statement" => self.with_stmt(n),
            "match_statement" => self.match_stmt(n),
            "function_definition" => return self.def(n, &[], out),
            "class_definition" => return self.class(n, &[], out),
            "decorated_definition" => {
                let decorators: Vec<Node> = kids(n)
                    .into_iter()
                    .filter(|c| kind_of(c) == "decorator")
                    .collect();
                match n.child_by_field_id(F.definition) {
                    Some(d) if kind_of(d) == "class_definition" => self.class(d, &decorators, out),
                    Some(d) => self.def(d, &decorators, out),
                    None => self.prelude(&decorators, None, out),
                }
                return;
            }
            "delete_statement" => {
                // `del d[k], x`: one `del(target)` call per target.
                let keyword = n.child(0).map_or(sp, span);
                let targets = kids(n)
                    .into_iter()
                    .next()
                    .map(|t| self.expr_list(t))
                    .unwrap_or_default();
                for t in targets {
                    let call = Call {
                        func: Expr::new(keyword, ExprKind::Name("del".into())),
                        args: vec![t],
                        keywords: Vec::new(),
                    };
                    out.push(expr_stmt(Expr::new(sp, ExprKind::Call(Box::new(call)))));
                }
                return;
            }
            "break_statement" => StmtKind::Break,
            "continue_statement" => StmtKind::Continue,
            "import_statement" | "import_from_statement" => return self.import(n),
            "global_statement" | "nonlocal_statement" => return self.outer_names(n),
            // Nothing is evaluated.
            "pass_statement" | "future_import_statement" | "type_alias_statement" | "comment" => {
                return
            }
            _ => {
                // `assert`, Python 2 `print` / `exec`, and anything the grammar adds later: keep
                // the expressions.
                StmtKind::Expr(Expr::new(sp, ExprKind::Other(self.all(n))))
            }
        };
        out.push(Stmt::new(sp, kind));
    }

    fn cond(&mut self, n: Node) -> Expr {
        match n.child_by_field_id(F.condition) {
            Some(c) => self.expr(c),
            None => Lowerer::opaque(n),
        }
    }

    fn field_block(&mut self, n: Node, field: u16) -> Block {
        n.child_by_field_id(field)
            .map(|b| self.block(b))
            .unwrap_or_default()
    }

    /// The `elif` / `else` clauses of an `if`, as nested `If`s.
    fn alternatives(&mut self, alts: &[Node]) -> Block {
        let Some((first, rest)) = alts.split_first() else {
            return Vec::new();
        };
        if kind_of(first) != "elif_clause" {
            return self.field_block(*first, F.body);
        }
        if !self.lo.enter(*first) {
            return Vec::new();
        }
        let cond = self.cond(*first);
        let then = self.field_block(*first, F.consequence);
        let otherwise = self.alternatives(rest);
        self.lo.leave();
        vec![Stmt::new(
            span(*first),
            StmtKind::If {
                cond,
                then,
                otherwise,
            },
        )]
    }

    /// A loop's `else:` block runs after the loop: it follows it.
    fn loop_else(&mut self, n: Node, out: &mut Block) {
        if let Some(alt) = n.child_by_field_id(F.alternative) {
            let stmts = self.field_block(alt, F.body);
            out.extend(stmts);
        }
    }

    fn try_stmt(&mut self, n: Node) -> StmtKind {
        let mut body = self.field_block(n, F.body);
        let mut catches = Vec::new();
        let mut finally = Vec::new();
        for c in kids(n) {
            match kind_of(c) {
                "except_clause" => catches.push(self.except(c)),
                // Runs when the body completes normally, before `finally`.
                "else_clause" => {
                    let stmts = self.field_block(c, F.body);
                    body.extend(stmts);
                }
                "finally_clause" => {
                    if let Some(b) = kids(c).into_iter().find(|b| kind_of(b) == "block") {
                        finally = self.block(b);
                    }
                }
                _ => {}
            }
        }
        StmtKind::Try {
            body,
            catches,
            finally,
        }
    }

    fn except(&mut self, c: Node) -> Catch {
        let mut ty = c.child_by_field_id(F.value);
        let mut alias = c.child_by_field_id(F.alias);
        if let Some(v) = ty.filter(|v| kind_of(v) == "as_pattern") {
            alias = v.child_by_field_id(F.alias);
            ty = kids(v)
                .into_iter()
                .find(|k| kind_of(k) != "as_pattern_target");
        }
        let param = ty.map(|t| Param {
            name: alias
                .map(|a| self.text(a).trim().to_string())
                .unwrap_or_default(),
            ty: Some(TypeRef::new(self.text(t))),
            span: span(alias.unwrap_or(t)),
        });
        let body = kids(c)
            .into_iter()
            .find(|b| kind_of(b) == "block")
            .map(|b| self.block(b))
            .unwrap_or_default();
        Catch { param, body }
    }

    /// `with a as x, b:` → `Scoped { bindings: [x = a, b], body }`.
    fn with_stmt(&mut self, n: Node) -> StmtKind {
        let mut bindings = Vec::new();
        for clause in kids(n).into_iter().filter(|c| kind_of(c) == "with_clause") {
            for item in kids(clause) {
                let Some(v) = item.child_by_field_id(F.value) else {
                    continue;
                };
                if kind_of(v) != "as_pattern" {
                    let e = self.expr(v);
                    bindings.push(Stmt::new(span(item), StmtKind::Expr(e)));
                    continue;
                }
                let value = kids(v)
                    .into_iter()
                    .find(|k| kind_of(k) != "as_pattern_target")
                    .map(|k| self.expr(k));
                let targets = v
                    .child_by_field_id(F.alias)
                    .and_then(|a| kids(a).into_iter().next())
                    .map(|t| self.targets(t))
                    .unwrap_or_default();
                bindings.push(Stmt::new(
                    span(item),
                    StmtKind::Bind {
                        targets,
                        values: value.into_iter().collect(),
                        declared: None,
                    },
                ));
            }
        }
        let body = self.field_block(n, F.body);
        StmtKind::Scoped { bindings, body }
    }

    fn match_stmt(&mut self, n: Node) -> StmtKind {
        let mut cur = n.walk();
        let subjects: Vec<Node> = n.children_by_field_name("subject", &mut cur).collect();
        let scrutinee = match subjects.as_slice() {
            [] => None,
            [s] => Some(self.expr(*s)),
            many => Some(Expr::new(
                span(n),
                ExprKind::Other(many.iter().map(|s| self.expr(*s)).collect()),
            )),
        };
        let mut arms = Vec::new();
        let mut exhaustive = false;
        let cases = n.child_by_field_id(F.body).map(kids).unwrap_or_default();
        for case in cases.into_iter().filter(|c| kind_of(c) == "case_clause") {
            let mut arm = Vec::new();
            let guard = case.child_by_field_id(F.guard);
            if let Some(g) = guard.and_then(|g| kids(g).into_iter().next()) {
                let e = self.expr(g);
                arm.push(expr_stmt(e));
            }
            let patterns: Vec<Node> = kids(case)
                .into_iter()
                .filter(|p| kind_of(p) == "case_pattern")
                .collect();
            if guard.is_none() && patterns.len() == 1 && self.irrefutable(patterns[0]) {
                exhaustive = true;
            }
            arm.extend(self.field_block(case, F.consequence));
            arms.push(arm);
        }
        StmtKind::Switch {
            scrutinee,
            arms,
            exhaustive,
        }
    }

    /// `case _:` and a bare capture `case x:` match anything.
    fn irrefutable(&self, pattern: Node) -> bool {
        match kids(pattern).as_slice() {
            [] => self.text(pattern).trim() == "_",
            [d] if kind_of(d) == "dotted_name" => kids(*d).len() == 1,
            _ => false,
        }
    }

    /// `targets = value`, chains (`a = b = v`), tuple targets, annotated assignments.
    fn assignment(&mut self, n: Node, out: &mut Block) {
        let sp = span(n);
        let declared = self.ty(n.child_by_field_id(F.r#type));
        let mut lefts = Vec::new();
        let mut cur = n;
        let value = loop {
            if let Some(l) = cur.child_by_field_id(F.left) {
                lefts.push(l);
            }
            match cur.child_by_field_id(F.right) {
                Some(r) if kind_of(r) == "assignment" => cur = r,
                other => break other,
            }
        };
        let Some(last) = lefts.pop() else {
            let e = Expr::new(sp, ExprKind::Other(self.all(n)));
            out.push(expr_stmt(e));
            return;
        };
        // The rightmost target receives the value; the others, in a chain, the rightmost target.
        let targets = self.targets(last);
        let values = match value {
            Some(v) if targets.len() > 1 => self.expr_list(v),
            Some(v) => vec![self.expr(v)],
            None => Vec::new(),
        };
        self.record_fields(&targets, &values, declared.as_ref());
        out.push(Stmt::new(
            sp,
            StmtKind::Bind {
                targets,
                values,
                declared,
            },
        ));
        for l in lefts.into_iter().rev() {
            let targets = self.targets(l);
            let values = vec![self.expr(last)];
            self.record_fields(&targets, &values, None);
            out.push(Stmt::new(
                sp,
                StmtKind::Bind {
                    targets,
                    values,
                    declared: None,
                },
            ));
        }
    }

    /// `global a, b` / `nonlocal a`: the names the function assigns outside itself. Kept out of
    /// the statement walker, whose frame every level of nesting pays for.
    #[inline(never)]
    fn outer_names(&mut self, n: Node) {
        let names: Vec<String> = kids(n)
            .into_iter()
            .filter(|k| kind_of(*k) == "identifier")
            .map(|k| self.text(k).to_string())
            .collect();
        self.lo.current().globals.extend(names);
    }

    /// `import a.b as c`, `from .m import X as Y`, `from m import *`; the path of a `from`
    /// import is the module and the name (`m.X`), with a leading `.` per relative level.
    fn import(&mut self, n: Node) {
        let module = n.child_by_field_id(F.module_name).map(|m| self.text(m));
        let mut cur = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut cur).collect();
        let join = |name: &str| match module {
            Some(m) if m.ends_with('.') => format!("{m}{name}"),
            Some(m) => format!("{m}.{name}"),
            None => name.to_string(),
        };
        if names.is_empty() {
            if let Some(m) = module {
                self.lo.unit.imports.push(Import {
                    path: m.to_string(),
                    alias: None,
                    wildcard: true,
                    span: span(n),
                });
            }
            return;
        }
        for c in names {
            let (path, alias) = match kind_of(c) {
                "aliased_import" => (
                    c.child_by_field_id(F.name).map(|d| join(self.text(d))),
                    c.child_by_field_id(F.alias)
                        .map(|a| self.text(a).to_string()),
                ),
                _ => {
                    let text = self.text(c);
                    // `import a.b` binds `a`.
                    let first = text.split('.').next().filter(|f| *f != text);
                    let alias = module.is_none().then_some(first).flatten();
                    (Some(join(text)), alias.map(str::to_string))
                }
            };
            if let Some(path) = path {
                self.lo.unit.imports.push(Import {
                    path,
                    alias,
                    wildcard: false,
                    span: span(c),
                });
            }
        }
    }

    /// The targets of an assignment, `for` or `with … as`: a tuple of targets is spread.
    fn targets(&mut self, n: Node) -> Vec<Expr> {
        match kind_of(n) {
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                kids(n).into_iter().map(|c| self.expr(c)).collect()
            }
            _ => vec![self.expr(n)],
        }
    }

    /// Records the fields an assignment declares: class attributes, `self.x` in `__init__`
    /// (or annotated in any method), module-level variables.
    fn record_fields(&mut self, targets: &[Expr], values: &[Expr], declared: Option<&TypeRef>) {
        for (i, t) in targets.iter().enumerate() {
            let value = values.get(i).filter(|_| targets.len() == values.len());
            let ty = declared
                .filter(|_| targets.len() == 1)
                .cloned()
                .or_else(|| value.and_then(constructed_type));
            let (owner, name) = match (&t.kind, &self.scope.class, &self.scope.receiver) {
                (ExprKind::Name(n), Some(class), _) => (class.clone(), n.clone()),
                (ExprKind::Name(n), None, None) if self.lo.func == 0 => (String::new(), n.clone()),
                (ExprKind::Field(base, attr), None, Some(r)) if r.init || declared.is_some() => {
                    match &base.kind {
                        ExprKind::Name(b) if *b == r.name => (r.class.clone(), attr.clone()),
                        _ => continue,
                    }
                }
                _ => continue,
            };
            self.add_field(owner, name, ty, t.span);
        }
    }

    /// Adds a field once per owner: a later assignment only fills in a missing type, or adds a
    /// second entry when it contradicts the first (so that `Unit::field_type` stays unsure).
    fn add_field(&mut self, owner: String, name: String, ty: Option<TypeRef>, sp: Span) {
        let class = (!owner.is_empty())
            .then(|| self.lo.unit.type_named(&owner))
            .flatten();
        let key = (owner, name);
        if let Some(&i) = self.field_index.get(&key) {
            let f = &mut self.lo.unit.fields[i];
            let added = match (&f.ty, ty) {
                (None, ty) => {
                    f.ty = ty.clone();
                    if let Some(t) = class {
                        let decl = &mut self.lo.unit.types[t];
                        if let Some(df) = decl.fields.iter_mut().find(|d| d.name == key.1) {
                            df.ty = ty;
                        }
                    }
                    None
                }
                (Some(old), Some(new)) if *old != new => Some(Param {
                    name: key.1,
                    ty: Some(new),
                    span: sp,
                }),
                _ => None,
            };
            if let Some(p) = added {
                if let Some(t) = class {
                    self.lo.unit.types[t].fields.push(p.clone());
                }
                self.lo.unit.fields.push(p);
            }
            return;
        }
        self.field_index
            .insert(key.clone(), self.lo.unit.fields.len());
        let p = Param {
            name: key.1,
            ty,
            span: sp,
        };
        if let Some(t) = class {
            self.lo.unit.types[t].fields.push(p.clone());
        }
        self.lo.unit.fields.push(p);
    }

    /// Decorators and parameter defaults: evaluated where the definition stands.
    fn prelude(&mut self, decorators: &[Node], params: Option<Node>, out: &mut Block) {
        for d in decorators {
            if let Some(e) = kids(*d).into_iter().next() {
                let e = self.expr(e);
                out.push(expr_stmt(e));
            }
        }
        for p in params.map(kids).unwrap_or_default() {
            if matches!(kind_of(p), "default_parameter" | "typed_default_parameter") {
                if let Some(v) = p.child_by_field_id(F.value) {
                    let e = self.expr(v);
                    out.push(expr_stmt(e));
                }
            }
        }
    }

    fn def(&mut self, n: Node, decorators: &[Node], out: &mut Block) {
        let name = n
            .child_by_field_id(F.name)
            .map(|c| self.text(c).to_string())
            .unwrap_or_default();
        let param_list = n.child_by_field_id(F.parameters);
        self.prelude(decorators, param_list, out);
        let class = self.scope.class.clone();
        let kind = if class.is_some() {
            FnKind::Method
        } else if self.lo.func != 0 {
            FnKind::Nested
        } else {
            FnKind::Function
        };
        let unbound = decorators.iter().any(|d| {
            kids(*d)
                .first()
                .is_some_and(|e| matches!(self.text(*e), "staticmethod" | "classmethod"))
        });
        // The receiver is the first parameter, when it is a plain positional one.
        let has_receiver = !unbound
            && param_list
                .and_then(|p| kids(p).into_iter().next())
                .is_some_and(|p| {
                    matches!(
                        kind_of(p),
                        "identifier"
                            | "typed_parameter"
                            | "default_parameter"
                            | "typed_default_parameter"
                    ) && kids(p).first().is_none_or(|c| kind_of(c) == "identifier")
                });
        let scope = self.lo.begin_function(kind, name.clone(), n);
        let mut params = param_list.map(|p| self.params(p)).unwrap_or_default();
        let mut receiver = None;
        let mut receiver_param = None;
        if let (Some(class), Some(first), true) = (class.clone(), params.first_mut(), has_receiver)
        {
            first.ty.get_or_insert_with(|| TypeRef::new(&class));
            receiver_param = Some(first.clone());
            receiver = Some(Receiver {
                name: first.name.clone(),
                class,
                init: name == "__init__",
            });
        }
        let results = self.ty(n.child_by_field_id(F.return_type));
        let f = self.lo.current();
        f.params = params;
        f.results = results.into_iter().collect();
        f.receiver = receiver_param;
        f.owner = class.clone();
        let outer = std::mem::replace(
            &mut self.scope,
            Scope {
                class: None,
                receiver,
            },
        );
        let body = match self.lo.keeps_body(&name) {
            true => self.field_block(n, F.body),
            false => Vec::new(),
        };
        self.scope = outer;
        let id = self.lo.end_function(scope, body);
        if let Some(t) = class.and_then(|c| self.lo.unit.type_named(&c)) {
            let m = Method::of(&self.lo.unit.functions[id], id);
            self.lo.unit.types[t].methods.push(m);
        }
    }

    fn params(&self, list: Node) -> Vec<Param> {
        let mut out: Vec<Param> = Vec::new();
        let mut cur = list.walk();
        for p in list.named_children(&mut cur) {
            if p.is_extra() {
                // PEP 484's comment for the parameter before it, on its line: `ctx,  # type: str`.
                let ty = self.text(p).strip_prefix('#').map(str::trim_start);
                let ty = ty.and_then(|t| t.strip_prefix("type:")).map(str::trim);
                if let (Some(ty), Some(last)) = (ty, out.last_mut()) {
                    let between = &self.lo.src[last.span.end as usize..p.start_byte()];
                    if last.ty.is_none() && !ty.starts_with("ignore") && !between.contains('\n') {
                        last.ty = Some(TypeRef::new(ty));
                    }
                }
                continue;
            }
            let (name, ty) = match kind_of(p) {
                "identifier"
                | "list_splat_pattern"
                | "dictionary_splat_pattern"
                | "tuple_pattern" => (Some(p), None),
                "typed_parameter" => (
                    kids(p).into_iter().find(|c| kind_of(c) != "type"),
                    self.ty(p.child_by_field_id(F.r#type)),
                ),
                "default_parameter" | "typed_default_parameter" => (
                    p.child_by_field_id(F.name),
                    self.ty(p.child_by_field_id(F.r#type)),
                ),
                // `*` and `/` separators.
                _ => continue,
            };
            let Some(name) = name else { continue };
            out.push(Param {
                name: self.text(name).trim_start_matches('*').to_string(),
                ty,
                span: span(name),
            });
        }
        out
    }

    /// A class: its methods become functions, its other statements run where it is defined.
    fn class(&mut self, n: Node, decorators: &[Node], out: &mut Block) {
        self.prelude(decorators, None, out);
        let name = n
            .child_by_field_id(F.name)
            .map(|c| self.text(c).to_string())
            .unwrap_or_default();
        let t = self
            .lo
            .unit
            .add_type(TypeKind::Class, name.clone(), span(n));
        for d in decorators {
            if let Some(e) = kids(*d).into_iter().next() {
                // `@dataclass(frozen=True)` → `dataclass`.
                let e = match kind_of(e) {
                    "call" => e.child_by_field_id(F.function).unwrap_or(e),
                    _ => e,
                };
                let name = self.text(e).to_string();
                self.lo.unit.types[t].annotations.push(name);
            }
        }
        // Bases, not `metaclass=…` and other keywords.
        for b in n
            .child_by_field_id(F.superclasses)
            .map(kids)
            .unwrap_or_default()
        {
            if matches!(kind_of(b), "identifier" | "attribute" | "subscript") {
                let base = TypeRef::new(self.text(b));
                self.lo.unit.types[t].supertypes.push(base);
            }
        }
        let outer = std::mem::replace(
            &mut self.scope,
            Scope {
                class: Some(name),
                receiver: None,
            },
        );
        let body = self.field_block(n, F.body);
        self.scope = outer;
        if !body.is_empty() {
            out.push(Stmt::new(span(n), StmtKind::Block(body)));
        }
    }

    fn lambda(&mut self, n: Node) -> FuncId {
        let scope = self.lo.begin_function(FnKind::Closure, String::new(), n);
        let params = n
            .child_by_field_id(F.parameters)
            .map(|p| self.params(p))
            .unwrap_or_default();
        self.lo.current().params = params;
        let outer = std::mem::take(&mut self.scope);
        let body = match n.child_by_field_id(F.body) {
            Some(b) => {
                let e = self.expr(b);
                vec![Stmt::new(span(b), StmtKind::Return(vec![e]))]
            }
            None => Vec::new(),
        };
        self.scope = outer;
        self.lo.end_function(scope, body)
    }

    /// An `expression_list` spread into its elements, or a single expression.
    fn expr_list(&mut self, n: Node) -> Vec<Expr> {
        if kind_of(n) == "expression_list" {
            kids(n).into_iter().map(|c| self.expr(c)).collect()
        } else {
            vec![self.expr(n)]
        }
    }

    fn expr(&mut self, n: Node) -> Expr {
        if !self.lo.enter(n) {
            return Lowerer::opaque(n);
        }
        let e = self.expr_inner(n);
        self.lo.leave();
        e
    }

    fn expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let kind = match kind_of(n) {
            "identifier" => ExprKind::Name(self.text(n).to_string()),
            "none" => ExprKind::Lit(Lit::Nil),
            "true" | "false" => ExprKind::Lit(Lit::Bool),
            "integer" => ExprKind::Lit(Lit::Num(Expr::int_value(self.text(n)))),
            "float" => ExprKind::Lit(Lit::Num(None)),
            "not_operator" => match kids(n).into_iter().last() {
                Some(a) => ExprKind::Not(Box::new(self.expr(a))),
                None => ExprKind::Other(Vec::new()),
            },
            "unary_operator" => match kids(n).into_iter().last() {
                Some(a) => {
                    let arg = self.expr(a);
                    let minus = n.child_by_field_id(F.operator).map(|o| self.text(o)) == Some("-");
                    match (minus, &arg.kind) {
                        (true, ExprKind::Lit(Lit::Num(Some(v)))) => {
                            ExprKind::Lit(Lit::Num(Some(-v)))
                        }
                        _ => ExprKind::Other(vec![arg]),
                    }
                }
                None => ExprKind::Other(Vec::new()),
            },
            "boolean_operator" => match (n.child_by_field_id(F.left), n.child_by_field_id(F.right))
            {
                (Some(l), Some(r)) => {
                    let op = self.lo.bin_op(n, F.operator);
                    ExprKind::Binary(op, Box::new(self.expr(l)), Box::new(self.expr(r)))
                }
                _ => ExprKind::Other(self.all(n)),
            },
            "ellipsis" => ExprKind::Lit(Lit::Other),
            "string" | "concatenated_string" => self.string(n),
            "attribute" => {
                let object = match n.child_by_field_id(F.object) {
                    Some(o) => self.expr(o),
                    None => Lowerer::opaque(n),
                };
                let attr = n
                    .child_by_field_id(F.attribute)
                    .map(|a| self.text(a).to_string())
                    .unwrap_or_default();
                ExprKind::Field(Box::new(object), attr)
            }
            "call" => self.call(n),
            "subscript" => {
                let mut cur = n.walk();
                let subs: Vec<Node> = n.children_by_field_name("subscript", &mut cur).collect();
                match (n.child_by_field_id(F.value), subs.as_slice()) {
                    (Some(v), [s]) => {
                        ExprKind::Index(Box::new(self.expr(v)), Box::new(self.expr(*s)))
                    }
                    (Some(v), [first, .., last]) => {
                        let base = self.expr(v);
                        let key = subs.iter().map(|s| self.expr(*s)).collect();
                        let key_span = Span::new(first.start_byte(), last.end_byte());
                        ExprKind::Index(
                            Box::new(base),
                            Box::new(Expr::new(key_span, ExprKind::Other(key))),
                        )
                    }
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "comparison_operator" => {
                let mut cur = n.walk();
                let ops: Vec<&str> = n
                    .children_by_field_name("operators", &mut cur)
                    .map(|o| kind_of(o))
                    .collect();
                let operands = kids(n);
                match (operands.as_slice(), ops.as_slice()) {
                    ([item, container], ["in" | "not in"]) => {
                        ExprKind::In(Box::new(self.expr(*item)), Box::new(self.expr(*container)))
                    }
                    ([a, b], [op]) => ExprKind::Binary(
                        BinOp::from_token(op),
                        Box::new(self.expr(*a)),
                        Box::new(self.expr(*b)),
                    ),
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "binary_operator" => self.binary(n),
            "parenthesized_expression" | "await" => match kids(n).into_iter().next() {
                Some(inner) => ExprKind::Unary(Box::new(self.expr(inner))),
                None => ExprKind::Other(Vec::new()),
            },
            "lambda" => ExprKind::Closure(self.lambda(n)),
            "dictionary" => {
                let mut fields = Vec::new();
                for c in kids(n) {
                    if kind_of(c) != "pair" {
                        // `**other`
                        fields.push((None, self.expr(c)));
                        continue;
                    }
                    let key = c
                        .child_by_field_id(F.key)
                        .filter(|k| matches!(kind_of(k), "string" | "concatenated_string"))
                        .and_then(|k| self.literal(k));
                    let value = match c.child_by_field_id(F.value) {
                        Some(v) => self.expr(v),
                        None => Lowerer::opaque(c),
                    };
                    fields.push((key, value));
                }
                ExprKind::Construct { ty: None, fields }
            }
            // Comprehensions, generators, operators, conditional expressions, tuples, lists,
            // sets, splats, walrus, `yield`, keyword arguments out of place: operands only.
            _ => ExprKind::Other(self.all(n)),
        };
        Expr::new(sp, kind)
    }

    fn all(&mut self, n: Node) -> Vec<Expr> {
        kids(n).into_iter().map(|c| self.expr(c)).collect()
    }

    fn call(&mut self, n: Node) -> ExprKind {
        let func = n.child_by_field_id(F.function);
        let arguments = n.child_by_field_id(F.arguments);
        if let (Some(f), Some(a)) = (func, arguments) {
            if let Some(template) = self.format_method_template(f) {
                if kind_of(a) == "argument_list" {
                    return self.str_format(template, a);
                }
            }
        }
        let func = match func {
            Some(f) => self.expr(f),
            None => Lowerer::opaque(n),
        };
        let mut keywords = Vec::new();
        let args = match arguments {
            Some(a) if kind_of(a) == "argument_list" => {
                let (keyword, positional): (Vec<Node>, Vec<Node>) = kids(a)
                    .into_iter()
                    .partition(|c| matches!(kind_of(c), "keyword_argument" | "dictionary_splat"));
                let mut args: Vec<Expr> = positional.into_iter().map(|c| self.expr(c)).collect();
                for k in keyword {
                    let v = match k.child_by_field_id(F.value) {
                        Some(v) if kind_of(k) == "keyword_argument" => {
                            let name = k.child_by_field_id(F.name).map_or("", |n| self.text(n));
                            keywords.push(name.to_string());
                            self.expr(v)
                        }
                        _ => {
                            keywords.push("**".into());
                            self.expr(k)
                        }
                    };
                    args.push(v);
                }
                args
            }
            // `f(x for x in xs)`
            Some(a) => vec![self.expr(a)],
            None => Vec::new(),
        };
        self.lo.mark_passed(&func, &args);
        ExprKind::Call(Box::new(Call {
            func,
            args,
            keywords,
        }))
    }

    /// The template of `"…".format`, when the callee is that.
    fn format_method_template(&self, f: Node) -> Option<String> {
        if kind_of(f) != "attribute" {
            return None;
        }
        let attr = f.child_by_field_id(F.attribute)?;
        if self.text(attr) != "format" {
            return None;
        }
        self.literal(f.child_by_field_id(F.object)?)
    }

    /// `"{} {name}".format(a, name=b)`: each placeholder takes its argument (auto-numbered,
    /// numbered or named); arguments no placeholder names (and `*args`, `**kwargs`) follow
    /// with an empty verb.
    fn str_format(&mut self, template: String, list: Node) -> ExprKind {
        let mut positional = Vec::new();
        let mut named = Vec::new();
        let all = kids(list);
        for c in &all {
            match kind_of(c) {
                "keyword_argument" => {
                    if let (Some(k), Some(v)) =
                        (c.child_by_field_id(F.name), c.child_by_field_id(F.value))
                    {
                        named.push((self.text(k), v));
                    }
                }
                "list_splat" | "dictionary_splat" => {}
                _ => positional.push(*c),
            }
        }
        let mut picks: Vec<(Node, String)> = Vec::new();
        let mut next = 0;
        for p in brace_placeholders(&template) {
            let arg = match &p.name {
                None => {
                    next += 1;
                    positional.get(next - 1).copied()
                }
                Some(name) => {
                    let head = name.split(['.', '[']).next().unwrap_or(name).trim();
                    match head.parse::<usize>() {
                        Ok(i) => positional.get(i).copied(),
                        Err(_) => named.iter().find(|(k, _)| *k == head).map(|(_, v)| *v),
                    }
                }
            };
            if let Some(arg) = arg {
                picks.push((arg, p.verb));
            }
        }
        let used: HashSet<usize> = picks.iter().map(|(n, _)| n.id()).collect();
        for c in all {
            let value = match kind_of(c) {
                "keyword_argument" => c.child_by_field_id(F.value).unwrap_or(c),
                _ => c,
            };
            if !used.contains(&value.id()) {
                picks.push((value, String::new()));
            }
        }
        let args = picks
            .into_iter()
            .map(|(n, verb)| FormatArg {
                verb,
                expr: self.expr(n),
            })
            .collect();
        ExprKind::Format(Box::new(Format {
            template: Some(template),
            args,
        }))
    }

    fn binary(&mut self, n: Node) -> ExprKind {
        let op = n.child_by_field_id(F.operator).map(|o| kind_of(o));
        if let (Some("%"), Some(l), Some(r)) = (
            op,
            n.child_by_field_id(F.left),
            n.child_by_field_id(F.right),
        ) {
            if let Some(template) = self.literal(l) {
                return self.printf(template, r);
            }
        }
        ExprKind::Other(self.all(n))
    }

    /// `"…" % x`, `"…" % (a, b)`, `"%(k)s" % {"k": v}`.
    fn printf(&mut self, template: String, r: Node) -> ExprKind {
        let verbs = printf_verbs(&template);
        let args = match kind_of(r) {
            "tuple" => kids(r)
                .into_iter()
                .enumerate()
                .map(|(i, c)| FormatArg {
                    verb: verbs.get(i).cloned().unwrap_or_default(),
                    expr: self.expr(c),
                })
                .collect(),
            "dictionary" => kids(r)
                .into_iter()
                .map(|c| {
                    let key = c
                        .child_by_field_id(F.key)
                        .filter(|k| matches!(kind_of(k), "string" | "concatenated_string"))
                        .and_then(|k| self.literal(k));
                    match (key, c.child_by_field_id(F.value)) {
                        (Some(key), Some(v)) => FormatArg {
                            verb: named_verb(&template, &key),
                            expr: self.expr(v),
                        },
                        _ => FormatArg {
                            verb: String::new(),
                            expr: self.expr(c),
                        },
                    }
                })
                .collect(),
            _ => vec![FormatArg {
                verb: verbs.first().cloned().unwrap_or_default(),
                expr: self.expr(r),
            }],
        };
        ExprKind::Format(Box::new(Format {
            template: Some(template),
            args,
        }))
    }

    /// The parts of a string or an implicit concatenation of strings.
    fn string_parts<'t>(&self, n: Node<'t>) -> Vec<Node<'t>> {
        if kind_of(n) == "concatenated_string" {
            kids(n)
                .into_iter()
                .filter(|c| kind_of(c) == "string")
                .collect()
        } else {
            vec![n]
        }
    }

    /// The text between a string's quotes.
    fn string_value(&self, s: Node) -> &'s str {
        let parts = kids(s);
        let start = parts
            .iter()
            .find(|c| kind_of(*c) == "string_start")
            .map_or(s.start_byte(), |c| c.end_byte());
        let end = parts
            .iter()
            .rfind(|c| kind_of(*c) == "string_end")
            .map_or(s.end_byte(), |c| c.start_byte());
        self.lo.src.get(start..end).unwrap_or_default()
    }

    /// The value of a string literal with no interpolation.
    /// Whether a string literal has an `f` prefix, and so may have interpolations.
    fn is_fstring(&self, n: Node) -> bool {
        self.text(n)
            .bytes()
            .take_while(|b| !matches!(b, b'"' | b'\''))
            .any(|b| b == b'f' || b == b'F')
    }

    fn literal(&self, n: Node) -> Option<String> {
        if !matches!(kind_of(n), "string" | "concatenated_string") {
            return None;
        }
        let mut value = String::new();
        for p in self.string_parts(n) {
            if kids(p).iter().any(|c| kind_of(c) == "interpolation") {
                return None;
            }
            value.push_str(self.string_value(p));
        }
        Some(value)
    }

    fn string(&mut self, n: Node) -> ExprKind {
        if let Some(value) = self.literal(n) {
            return ExprKind::Lit(Lit::Str(value));
        }
        let mut args = Vec::new();
        for p in self.string_parts(n) {
            for c in kids(p) {
                if kind_of(c) == "interpolation" {
                    self.interpolation(c, &mut args);
                }
            }
        }
        ExprKind::Format(Box::new(Format {
            template: None,
            args,
        }))
    }

    /// `{x}`, `{x!r}`, `{x:>8s}`, `{x=}`; values nested in the spec (`{x:{width}}`) follow.
    fn interpolation(&mut self, n: Node, args: &mut Vec<FormatArg>) {
        if !self.lo.enter(n) {
            return;
        }
        self.interpolation_inner(n, args);
        self.lo.leave();
    }

    fn interpolation_inner(&mut self, n: Node, args: &mut Vec<FormatArg>) {
        let conversion = n
            .child_by_field_id(F.type_conversion)
            .map(|t| self.text(t).trim_start_matches('!').to_string());
        let spec = n.child_by_field_id(F.format_specifier);
        let mut cur = n.walk();
        let self_documenting = n.children(&mut cur).any(|c| kind_of(c) == "=");
        let verb = conversion
            .or_else(|| spec.and_then(|s| spec_type(self.text(s))))
            .unwrap_or_else(|| {
                // `f"{x=}"` shows `repr(x)` unless a spec is given.
                if self_documenting && spec.is_none() {
                    "r".into()
                } else {
                    String::new()
                }
            });
        if let Some(e) = n.child_by_field_id(F.expression) {
            let expr = self.expr(e);
            args.push(FormatArg { verb, expr });
        }
        for nested in spec.map(kids).unwrap_or_default() {
            if kind_of(nested) == "format_expression" {
                self.interpolation(nested, args);
            }
        }
    }
}

/// The presentation type of a format spec (`:>8s` → `s`, `:.2f` → `f`), if it names one.
fn spec_type(spec: &str) -> Option<String> {
    let spec = spec.strip_prefix(':').unwrap_or(spec);
    spec.chars()
        .last()
        .filter(|c| c.is_ascii_alphabetic() || *c == '%')
        .map(String::from)
}

/// The conversion of `%(name)…` in a printf template.
fn named_verb(template: &str, name: &str) -> String {
    template
        .find(&format!("%({name})"))
        .and_then(|i| printf_verbs(&template[i..]).into_iter().next())
        .unwrap_or_default()
}

/// `Foo(…)` / `mod.Foo(…)`: a call of a capitalised name, taken as a constructor.
fn constructed_type(e: &Expr) -> Option<TypeRef> {
    let ExprKind::Call(call) = &e.peel().kind else {
        return None;
    };
    let path = call.func.path()?;
    let last = path.rsplit('.').next()?;
    last.starts_with(|c: char| c.is_ascii_uppercase())
        .then(|| TypeRef::new(&path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::walk_stmts;

    fn unit(src: &str) -> Unit {
        lower(src).expect("lowers")
    }

    /// The value of the first statement of the top level: a `Bind`'s first value or an
    /// expression statement's expression.
    fn first_value(u: &Unit) -> &Expr {
        match &u.functions[0].body[0].kind {
            StmtKind::Bind { values, .. } => &values[0],
            StmtKind::Expr(e) => e,
            other => panic!("not a value: {other:?}"),
        }
    }

    fn format_of(e: &Expr) -> &Format {
        match &e.peel().kind {
            ExprKind::Format(f) => f,
            other => panic!("not a format: {other:?}"),
        }
    }

    fn verbs(f: &Format) -> Vec<(&str, String)> {
        f.args
            .iter()
            .map(|a| (a.verb.as_str(), a.expr.path().unwrap_or_default()))
            .collect()
    }

    fn ty(p: &Param) -> Option<&str> {
        p.ty.as_ref().map(|t| t.0.as_str())
    }

    #[test]
    fn parameter_type_comments() {
        let u = unit(
            "def f(a,  # type: str\n      b=1,  # type: int\n      c,  # type: ignore\n      d):\n    \
             # type: Foo\n    pass\n",
        );
        let p = &u.functions[1].params;
        let types: Vec<_> = p.iter().map(ty).collect();
        assert_eq!(types, [Some("str"), Some("int"), None, None]);
    }

    #[test]
    fn functions_methods_and_params() {
        let u = unit(
            "def top(ctx: Context, n=1, *args, key: str = 'k', **kw) -> Dict[str, int]:\n    \
             def helper(x): pass\n\
             class Watcher(Base):\n    \
             @staticmethod\n    \
             def make(a): pass\n    \
             async def watch(self, req: 'Request'): pass\n    \
             @classmethod\n    \
             def build(cls): pass\n",
        );
        let names: Vec<_> = u
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.kind, f.parent))
            .collect();
        assert_eq!(
            names,
            [
                ("", FnKind::TopLevel, None),
                ("top", FnKind::Function, Some(0)),
                ("helper", FnKind::Nested, Some(1)),
                ("make", FnKind::Method, Some(0)),
                ("watch", FnKind::Method, Some(0)),
                ("build", FnKind::Method, Some(0)),
            ]
        );
        let top = &u.functions[1];
        let params: Vec<_> = top
            .params
            .iter()
            .map(|p| (p.name.as_str(), ty(p)))
            .collect();
        assert_eq!(
            params,
            [
                ("ctx", Some("Context")),
                ("n", None),
                ("args", None),
                ("key", Some("str")),
                ("kw", None)
            ]
        );
        assert_eq!(top.results, [TypeRef::new("Dict[str, int]")]);
        assert_eq!(ty(&u.functions[3].params[0]), None, "static: no receiver");
        let watch: Vec<_> = u.functions[4]
            .params
            .iter()
            .map(|p| (p.name.as_str(), ty(p)))
            .collect();
        assert_eq!(watch, [("self", Some("Watcher")), ("req", Some("Request"))]);
        assert_eq!(u.functions[5].params[0].name, "cls");
        assert_eq!(ty(&u.functions[5].params[0]), None);
        // Decorators and defaults are evaluated at the definition site.
        assert!(u.functions[0]
            .body
            .iter()
            .any(|s| matches!(s.kind, StmtKind::Expr(_))));
    }

    #[test]
    fn fields_from_class_body_init_and_module() {
        let u = unit(
            "registry: Dict[str, Conn] = {}\n\
             app = Flask(__name__)\n\
             class Session:\n    \
             timeout: int = 3\n    \
             label: 'Label'\n    \
             def __init__(self, ctx):\n        \
             self.ctx: Context = ctx\n        \
             self.lock = threading.Lock()\n        \
             self.key = str(ctx)\n        \
             self.peer = None\n        \
             if ctx:\n            \
             self.peer = Peer(ctx)\n        \
             other.x = Foo()\n    \
             def later(self):\n        \
             self.late = Late()\n        \
             self.noted: Note = make()\n",
        );
        let fields: Vec<_> = u.fields.iter().map(|f| (f.name.as_str(), ty(f))).collect();
        assert_eq!(
            fields,
            [
                ("registry", Some("Dict[str,Conn]")),
                ("app", Some("Flask")),
                ("timeout", Some("int")),
                ("label", Some("Label")),
                ("ctx", Some("Context")),
                ("lock", Some("threading.Lock")),
                ("key", None),
                ("peer", Some("Peer")),
                ("noted", Some("Note")),
            ]
        );
        assert_eq!(u.field_type("ctx").unwrap().simple(), "Context");
        // The class body runs where the class is defined.
        assert!(matches!(
            u.functions[0].body.last().unwrap().kind,
            StmtKind::Block(_)
        ));
    }

    #[test]
    fn lambdas_are_closures_passed_to_their_call() {
        let u = unit(
            "def f(xs):\n    \
             pool.submit(lambda: work(ctx))\n    \
             sorted(xs, reverse=True, key=lambda x: x.n)\n",
        );
        let closures: Vec<_> = u
            .functions
            .iter()
            .filter(|f| f.kind == FnKind::Closure)
            .collect();
        assert_eq!(closures.len(), 2);
        let to = closures[0].passed_to.as_ref().unwrap();
        assert_eq!((to.callee.as_str(), to.arg), ("pool.submit", 0));
        assert_eq!(closures[0].parent, Some(1));
        assert!(matches!(closures[0].body[0].kind, StmtKind::Return(_)));
        // Keyword arguments follow the positional ones, in order.
        let to = closures[1].passed_to.as_ref().unwrap();
        assert_eq!((to.callee.as_str(), to.arg), ("sorted", 2));
        assert_eq!(closures[1].params[0].name, "x");
    }

    #[test]
    fn assignments() {
        let u = unit("a = b\nx, y = f()\nn: int = 3\nn += 1\np = q = r\nt = 1, 2\n");
        let body = &u.functions[0].body;
        let binds: Vec<_> = body
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Bind {
                    targets,
                    values,
                    declared,
                } => (
                    targets
                        .iter()
                        .map(|t| t.path().unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join(","),
                    values.len(),
                    declared.as_ref().map(|d| d.0.clone()),
                ),
                StmtKind::Expr(Expr {
                    kind: ExprKind::Other(parts),
                    ..
                }) => ("other".into(), parts.len(), None),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            binds,
            [
                ("a".into(), 1, None),
                ("x,y".into(), 1, None),
                ("n".into(), 1, Some("int".into())),
                ("other".into(), 2, None),
                ("q".into(), 1, None),
                ("p".into(), 1, None),
                ("t".into(), 1, None),
            ]
        );
    }

    #[test]
    fn statements_lower_to_structure() {
        let u = unit(
            "def f(d, k):\n    \
             if a:\n        return 1\n    elif b:\n        raise E() from err\n    else:\n        pass\n    \
             for x in xs:\n        break\n    else:\n        g()\n    \
             while c:\n        continue\n    \
             try:\n        h()\n    except (E1, E2) as e:\n        i()\n    except:\n        raise\n    \
             else:\n        j()\n    finally:\n        k()\n    \
             with open(p) as fh, lock:\n        fh.read()\n    \
             match v:\n        case 1:\n            pass\n        case _:\n            pass\n    \
             del d[k], other\n    \
             assert d, 'm'\n",
        );
        let mut kinds = Vec::new();
        walk_stmts(&u.functions[1].body, &mut |s| {
            kinds.push(match &s.kind {
                StmtKind::If { .. } => "if",
                StmtKind::Return(_) => "return",
                StmtKind::Throw(Some(_)) => "throw",
                StmtKind::Throw(None) => "rethrow",
                StmtKind::Loop { .. } => "loop",
                StmtKind::Bind { .. } => "bind",
                StmtKind::Break => "break",
                StmtKind::Continue => "continue",
                StmtKind::Try { .. } => "try",
                StmtKind::Scoped { .. } => "scoped",
                StmtKind::Switch {
                    exhaustive: true, ..
                } => "switch",
                StmtKind::Expr(_) => "expr",
                _ => "other",
            })
        });
        assert_eq!(
            kinds,
            [
                "if", "return", "if", "throw", // if / elif / else(pass)
                "loop", "bind", "break", "expr", // for, else block after it
                "loop", "continue", // while
                "try", "expr", "expr", "expr", "rethrow",
                "expr", // try+else, 2 excepts, finally
                "scoped", "bind", "expr", "expr",   // with: 2 bindings, body
                "switch", // match
                "expr", "expr", // del ×2
                "expr", // assert
            ]
        );
        let body = &u.functions[1].body;
        let StmtKind::Try { catches, .. } = &body[4].kind else {
            panic!("try")
        };
        let p = catches[0].param.as_ref().unwrap();
        assert_eq!((p.name.as_str(), ty(p)), ("e", Some("(E1,E2)")));
        assert!(catches[1].param.is_none());
        let StmtKind::Scoped { bindings, .. } = &body[5].kind else {
            panic!("scoped")
        };
        let StmtKind::Bind {
            targets, values, ..
        } = &bindings[0].kind
        else {
            panic!("bind")
        };
        assert_eq!(targets[0].path().as_deref(), Some("fh"));
        assert!(matches!(&values[0].kind, ExprKind::Call(c) if c.name() == Some("open")));
        let StmtKind::Expr(del) = &body[7].kind else {
            panic!("del")
        };
        let ExprKind::Call(call) = &del.kind else {
            panic!("del call")
        };
        assert_eq!(call.func.path().as_deref(), Some("del"));
        assert!(matches!(call.args[0].kind, ExprKind::Index(..)));
    }

    #[test]
    fn calls_fields_subscripts_and_membership() {
        let u = unit("self._streams.get(key, default=None)[k]\n");
        let ExprKind::Index(base, key) = &first_value(&u).kind else {
            panic!("index")
        };
        assert_eq!(key.path().as_deref(), Some("k"));
        let ExprKind::Call(call) = &base.kind else {
            panic!("call")
        };
        assert_eq!(call.func.path().as_deref(), Some("self._streams.get"));
        assert_eq!(
            call.receiver().and_then(|r| r.path()).as_deref(),
            Some("self._streams")
        );
        assert_eq!(call.args.len(), 2);
        assert!(matches!(call.args[1].kind, ExprKind::Lit(Lit::Nil)));
        assert_eq!(call.keywords, ["default"]);
        assert!(call.keyword("default").is_some() && call.keyword("key").is_none());

        for src in ["k in d\n", "k not in d\n"] {
            let u = unit(src);
            let ExprKind::In(item, container) = &first_value(&u).kind else {
                panic!("in: {src}")
            };
            assert_eq!(item.path().as_deref(), Some("k"));
            assert_eq!(container.path().as_deref(), Some("d"));
        }
        assert!(matches!(
            first_value(&unit("await conn.close()\n")).kind,
            ExprKind::Unary(_)
        ));
    }

    #[test]
    fn f_strings() {
        let u = unit("f\"{a!r}:{b:>8s}-{c}\" f'{d=}' f\"{e:{w}}\"\n");
        let f = format_of(first_value(&u));
        assert_eq!(f.template, None);
        assert_eq!(
            verbs(f),
            [
                ("r", "a".into()),
                ("s", "b".into()),
                ("", "c".into()),
                ("r", "d".into()),
                ("", "e".into()),
                ("", "w".into())
            ]
        );
    }

    #[test]
    fn percent_formatting() {
        let f = format_of(first_value(&unit("'%s-%d' % (a, b)\n")))
            .args
            .len();
        assert_eq!(f, 2);
        let u = unit("'%s:%r' % (a, b)\n");
        assert_eq!(
            verbs(format_of(first_value(&u))),
            [("s", "a".into()), ("r", "b".into())]
        );
        let u = unit("\"k:%r\" % conn\n");
        let f = format_of(first_value(&u));
        assert_eq!(f.template.as_deref(), Some("k:%r"));
        assert_eq!(verbs(f), [("r", "conn".into())]);
        let u = unit("'%(b)d %(a)s' % {'a': x, 'b': y}\n");
        assert_eq!(
            verbs(format_of(first_value(&u))),
            [("s", "x".into()), ("d", "y".into())]
        );
        // A non-literal left side is arithmetic.
        assert!(matches!(
            first_value(&unit("n % m\n")).kind,
            ExprKind::Other(_)
        ));
    }

    #[test]
    fn str_format_maps_placeholders() {
        let u = unit("'{} {1!r} {name} {0.id}'.format(a, b, name=c, extra=d)\n");
        let f = format_of(first_value(&u));
        assert_eq!(f.template.as_deref(), Some("{} {1!r} {name} {0.id}"));
        assert_eq!(
            verbs(f),
            [
                ("", "a".into()),
                ("r", "b".into()),
                ("", "c".into()),
                ("", "a".into()),
                ("", "d".into())
            ]
        );
        // A template held in a variable is an ordinary call.
        assert!(matches!(
            first_value(&unit("t.format(a)\n")).kind,
            ExprKind::Call(_)
        ));
    }

    #[test]
    fn literals() {
        let u = unit("x = rb'ab\\n' \"cd\"\n");
        assert!(matches!(&first_value(&u).kind, ExprKind::Lit(Lit::Str(s)) if s == "ab\\ncd"));
        assert!(
            matches!(first_value(&unit("x = '''doc'''\n")).kind, ExprKind::Lit(Lit::Str(ref s)) if s == "doc")
        );
        // A bare string (a docstring) is no statement at all; a bare f-string may call.
        assert!(unit("'''doc'''\n").functions[0].body.is_empty());
        assert_eq!(unit("f'{open(p)}'\n").functions[0].body.len(), 1);
        assert!(matches!(
            first_value(&unit("3.5\n")).kind,
            ExprKind::Lit(Lit::Num(None))
        ));
        assert!(matches!(
            first_value(&unit("True\n")).kind,
            ExprKind::Lit(Lit::Bool)
        ));
        assert!(matches!(
            first_value(&unit("None\n")).kind,
            ExprKind::Lit(Lit::Nil)
        ));
        assert!(matches!(
            first_value(&unit("f'plain'\n")).kind,
            ExprKind::Lit(Lit::Str(_))
        ));
    }

    #[test]
    fn dicts_and_comprehensions() {
        let u = unit("{'k': v, key: w, **rest}\n");
        let ExprKind::Construct { ty, fields } = &first_value(&u).kind else {
            panic!("construct")
        };
        assert!(ty.is_none());
        let names: Vec<_> = fields.iter().map(|(n, _)| n.as_deref()).collect();
        assert_eq!(names, [Some("k"), None, None]);
        assert_eq!(fields[1].1.path().as_deref(), Some("w"));

        let u = unit("[str(x) for x in xs if x]\n");
        assert!(matches!(first_value(&u).kind, ExprKind::Other(_)));
        assert_eq!(u.functions.len(), 1, "comprehensions are not functions");
        let mut calls = 0;
        first_value(&u).walk(&mut |e| calls += matches!(e.kind, ExprKind::Call(_)) as usize);
        assert_eq!(calls, 1);
    }

    #[test]
    fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
        let u = unit(
            "class A:\n    def f(self):\n        self.x = )\n    def g(self):\n        m[k] = v\n",
        );
        assert!(!u.syntax_errors.is_empty());
        let g = u.functions.iter().find(|f| f.name == "g").unwrap();
        assert!(matches!(g.body[0].kind, StmtKind::Bind { .. }));
    }

    #[test]
    fn deep_nesting_is_truncated_not_overflowed() {
        let depth = 5000;
        let src = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        assert!(unit(&src).truncated_at.is_some());
        let mut src = String::new();
        for i in 0..400 {
            src.push_str(&" ".repeat(i));
            src.push_str("if x:\n");
        }
        src.push_str(&" ".repeat(400));
        src.push_str("pass\n");
        assert!(unit(&src).truncated_at.is_some());
    }
}
