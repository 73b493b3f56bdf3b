//! Lowering of the Go tree-sitter grammar into the model.

use super::ts::{self, kids, span, Lowerer};
use super::ParseError;
use crate::model::{
    Block, Call, Expr, ExprKind, FnKind, Lang, Lit, Method, Param, Stmt, StmtKind, TypeId,
    TypeKind, TypeRef, Unit,
};
use tree_sitter::Node;

ts::grammar!(
    tree_sitter_go::LANGUAGE;
    alternative, arguments, body, condition, consequence, field, function, index, initializer,
    label, left, name, operand, operator, parameters, path, receiver, result, right, r#type,
    value
);

pub fn lower(src: &str) -> Result<Unit, ParseError> {
    lower_with(src, false)
}

/// [`lower`], or only declarations: see [`super::lower_declarations`].
pub fn lower_with(src: &str, declarations_only: bool) -> Result<Unit, ParseError> {
    let tree = ts::parse(&tree_sitter_go::LANGUAGE.into(), src)?;
    let root = tree.root_node();
    let mut go = Go(Lowerer::new(Lang::Go, src, root));
    go.0.declarations_only = declarations_only;
    let top = go.top_level(root);
    go.0.unit.functions[0].body = top;
    go.0.unit.attach_methods();
    Ok(go.0.unit)
}

struct Go<'s>(Lowerer<'s>);

/// The most cases of an expression `switch` read as an `if` chain.
const MAX_CHAINED_CASES: usize = 32;

impl<'s> Go<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.0.text(n)
    }

    fn ty(&self, n: Option<Node>) -> Option<TypeRef> {
        n.map(|n| TypeRef::new(self.text(n)))
    }

    /// Package level: functions, methods, struct fields, package variables. Variable
    /// initialisers become the top-level function's body.
    fn top_level(&mut self, root: Node) -> Block {
        let mut body = Vec::new();
        for n in kids(root) {
            match kind_of(n) {
                "function_declaration" | "method_declaration" => self.func_decl(n),
                "type_declaration" => self.type_decl(n),
                "package_clause" => {
                    self.0.unit.package = kids(n).first().map(|p| self.text(*p).to_string());
                }
                "import_declaration" => self.imports(n),
                "var_declaration" | "const_declaration" => {
                    for spec in self.specs(n) {
                        self.global(spec);
                        body.push(self.var_spec(spec));
                    }
                }
                _ => {}
            }
        }
        body
    }

    fn func_decl(&mut self, n: Node) {
        let kind = if kind_of(n) == "method_declaration" {
            FnKind::Method
        } else {
            FnKind::Function
        };
        let name = n
            .child_by_field_id(F.name)
            .map(|c| self.text(c).to_string())
            .unwrap_or_default();
        self.function(kind, name, n);
    }

    /// Lowers a function declaration or literal as a function of its own.
    fn function(&mut self, kind: FnKind, name: String, n: Node) -> usize {
        let keep = self.0.keeps_body(&name);
        let scope = self.0.begin_function(kind, name, n);
        self.signature(n);
        let body = n
            .child_by_field_id(F.body)
            .filter(|_| keep)
            .map(|b| self.block(b))
            .unwrap_or_default();
        self.0.end_function(scope, body)
    }

    /// Receiver, parameters and results of a function declaration or literal.
    fn signature(&mut self, n: Node) {
        let mut params = Vec::new();
        if let Some(r) = n.child_by_field_id(F.receiver) {
            params.extend(self.params(r));
        }
        if let Some(p) = n.child_by_field_id(F.parameters) {
            params.extend(self.params(p));
        }
        let results = self.results(n);
        let receiver = n
            .child_by_field_id(F.receiver)
            .and_then(|_| params.first().cloned());
        let owner = receiver
            .as_ref()
            .and_then(|r| r.ty.as_ref())
            .map(|t| t.simple().to_string());
        // Named results, which a bare `return` returns.
        let result_names = match n.child_by_field_id(F.result) {
            Some(r) if kind_of(r) == "parameter_list" => self
                .params(r)
                .into_iter()
                .map(|p| p.name)
                .filter(|n| !n.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        let f = self.0.current();
        f.params = params;
        f.results = results;
        f.result_names = result_names;
        f.receiver = receiver;
        f.owner = owner;
    }

    /// The declared results of a function, method or interface method.
    fn results(&self, n: Node) -> Vec<TypeRef> {
        match n.child_by_field_id(F.result) {
            Some(r) if kind_of(r) == "parameter_list" => {
                self.params(r).into_iter().filter_map(|p| p.ty).collect()
            }
            Some(r) => vec![TypeRef::new(self.text(r))],
            None => Vec::new(),
        }
    }

    /// `import "net/http"`, `import ( f "fmt"; . "strings"; _ "embed" )`.
    fn imports(&mut self, n: Node) {
        let mut specs = Vec::new();
        for c in kids(n) {
            match kind_of(c) {
                "import_spec" => specs.push(c),
                "import_spec_list" => specs.extend(kids(c)),
                _ => {}
            }
        }
        for spec in specs {
            let Some(path) = spec.child_by_field_id(F.path) else {
                continue;
            };
            let name = spec.child_by_field_id(F.name).map(|c| self.text(c));
            self.0.unit.imports.push(crate::model::Import {
                path: unquote(self.text(path)),
                alias: name.filter(|&a| a != ".").map(str::to_string),
                wildcard: name == Some("."),
                span: span(spec),
            });
        }
    }

    fn params(&self, list: Node) -> Vec<Param> {
        let mut out = Vec::new();
        for decl in kids(list) {
            let ty = self.ty(decl.child_by_field_id(F.r#type));
            let mut cur = decl.walk();
            let names: Vec<Node> = decl.children_by_field_name("name", &mut cur).collect();
            if names.is_empty() {
                out.push(Param {
                    name: String::new(),
                    ty: ty.clone(),
                    span: span(decl),
                });
            }
            for name in names {
                out.push(Param {
                    name: self.text(name).to_string(),
                    ty: ty.clone(),
                    span: span(name),
                });
            }
        }
        out
    }

    fn type_decl(&mut self, n: Node) {
        for spec in kids(n) {
            if !matches!(kind_of(spec), "type_spec" | "type_alias") {
                continue;
            }
            let (Some(name), Some(ty)) = (
                spec.child_by_field_id(F.name),
                spec.child_by_field_id(F.r#type),
            ) else {
                continue;
            };
            let kind = match kind_of(ty) {
                "interface_type" => TypeKind::Interface,
                _ => TypeKind::Struct,
            };
            let name = self.text(name).to_string();
            let t = self.0.unit.add_type(kind, name, span(spec));
            match kind_of(ty) {
                "struct_type" => self.struct_fields(ty, t),
                "interface_type" => self.interface_elems(ty, t),
                // `type Names []string`, `type Handler func(…)`: what it is defined as.
                _ => {
                    let def = TypeRef::new(self.text(ty));
                    self.0.unit.types[t].supertypes.push(def);
                }
            }
        }
    }

    fn struct_fields(&mut self, ty: Node, t: TypeId) {
        let Some(list) = kids(ty)
            .into_iter()
            .find(|c| kind_of(c) == "field_declaration_list")
        else {
            return;
        };
        for field in kids(list) {
            let fty = self.ty(field.child_by_field_id(F.r#type));
            let mut cur = field.walk();
            let names: Vec<Node> = field.children_by_field_name("name", &mut cur).collect();
            if names.is_empty() {
                // An embedded field: `io.Closer`, `*bufio.Reader`, `sync.Mutex`.
                if let Some(fty) = fty {
                    let star = self.text(field).trim_start().starts_with('*');
                    let fty = match star && !fty.0.starts_with('*') {
                        true => TypeRef::new(&format!("*{}", fty.0)),
                        false => fty,
                    };
                    self.0.unit.types[t].embedded.push(fty);
                }
                continue;
            }
            for name in names {
                let p = Param {
                    name: self.text(name).to_string(),
                    ty: fty.clone(),
                    span: span(name),
                };
                self.0.unit.types[t].fields.push(p.clone());
                self.0.unit.fields.push(p);
            }
        }
    }

    fn interface_elems(&mut self, ty: Node, t: TypeId) {
        for el in kids(ty) {
            match kind_of(el) {
                "method_elem" => {
                    let name = el
                        .child_by_field_id(F.name)
                        .map(|c| self.text(c).to_string())
                        .unwrap_or_default();
                    let params = el
                        .child_by_field_id(F.parameters)
                        .map(|p| self.params(p))
                        .unwrap_or_default();
                    let results = self.results(el);
                    self.0.unit.types[t].methods.push(Method {
                        name,
                        params,
                        results,
                        func: None,
                        span: span(el),
                    });
                }
                // An embedded interface (`io.Closer`) or a type set (`~int | ~string`).
                "type_elem" => {
                    let parts = kids(el);
                    if let [one] = parts.as_slice() {
                        let sup = TypeRef::new(self.text(*one));
                        self.0.unit.types[t].supertypes.push(sup);
                    }
                }
                _ => {}
            }
        }
    }

    /// The `var_spec`s / `const_spec`s of a declaration, grouped or not.
    fn specs<'t>(&self, n: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        for c in kids(n) {
            match kind_of(c) {
                "var_spec" | "const_spec" => out.push(c),
                "var_spec_list" => out.extend(kids(c)),
                _ => {}
            }
        }
        out
    }

    fn global(&mut self, spec: Node) {
        let ty = self.ty(spec.child_by_field_id(F.r#type));
        let mut cur = spec.walk();
        for name in spec.children_by_field_name("name", &mut cur) {
            self.0.unit.fields.push(Param {
                name: self.text(name).to_string(),
                ty: ty.clone(),
                span: span(name),
            });
        }
    }

    fn var_spec(&mut self, spec: Node) -> Stmt {
        let declared = self.ty(spec.child_by_field_id(F.r#type));
        let mut cur = spec.walk();
        let targets = spec
            .children_by_field_name("name", &mut cur)
            .map(|n| self.name(n))
            .collect();
        let values = spec
            .child_by_field_id(F.value)
            .map(|v| self.expr_list(v))
            .unwrap_or_default();
        Stmt::new(
            span(spec),
            StmtKind::Bind {
                targets,
                values,
                declared,
            },
        )
    }

    fn name(&self, n: Node) -> Expr {
        Expr::new(span(n), ExprKind::Name(self.text(n).to_string()))
    }

    fn block(&mut self, n: Node) -> Block {
        let mut out = Vec::new();
        for c in kids(n) {
            // Go 0.25 wraps statements in a `statement_list`.
            if kind_of(c) == "statement_list" {
                for s in kids(c) {
                    self.stmt(s, &mut out);
                }
            } else {
                self.stmt(c, &mut out);
            }
        }
        out
    }

    /// Statements of a `case` clause: every named child except the case's values.
    fn clause(&mut self, n: Node) -> Block {
        let mut out = Vec::new();
        let mut cur = n.walk();
        let skip: Vec<usize> = n
            .children_by_field_name("value", &mut cur)
            .chain(n.children_by_field_name("type", &mut n.walk()))
            .chain(n.children_by_field_name("communication", &mut n.walk()))
            .map(|c| c.id())
            .collect();
        for c in kids(n) {
            if skip.contains(&c.id()) {
                continue;
            }
            if kind_of(c) == "statement_list" {
                for s in kids(c) {
                    self.stmt(s, &mut out);
                }
            } else {
                self.stmt(c, &mut out);
            }
        }
        out
    }

    /// An expression `switch` read as the `if` / `else if` chain it is (up to
    /// [`MAX_CHAINED_CASES`] cases): each case's condition
    /// holds in its body and the earlier ones do not, so `default` runs where all of them are
    /// false (`switch { case err == nil: …; default: return nil, err }` has `err != nil` in its
    /// `default`). A tag is compared with each value (`switch err { case nil: … }`), only when
    /// it is a plain name or field, which reading again changes nothing. `None` for a switch
    /// with `fallthrough` or a tag that is a call: those keep their arms.
    #[allow(clippy::type_complexity)]
    fn switch_chain<'t>(
        &mut self,
        n: Node<'t>,
    ) -> Option<(Vec<(Expr, Node<'t>)>, Option<Node<'t>>)> {
        if kind_of(n) != "expression_switch_statement" {
            return None;
        }
        let tag = match n.child_by_field_id(F.value) {
            Some(v) if matches!(kind_of(v), "identifier" | "selector_expression") => Some(v),
            Some(_) => return None,
            None => None,
        };
        let mut cases = Vec::new();
        let mut default = None;
        for c in kids(n) {
            let falls = |c: Node<'t>| {
                let mut hit = false;
                for k in kids(c) {
                    let ks = if kind_of(k) == "statement_list" {
                        kids(k)
                    } else {
                        vec![k]
                    };
                    hit |= ks.iter().any(|s| kind_of(*s) == "fallthrough_statement");
                }
                hit
            };
            match kind_of(c) {
                "expression_case" => {
                    if falls(c) {
                        return None;
                    }
                    let values: Vec<Node<'t>> = {
                        let mut cur = c.walk();
                        let vs: Vec<Node<'t>> =
                            c.children_by_field_name("value", &mut cur).collect();
                        vs.into_iter()
                            .flat_map(|v| {
                                if kind_of(v) == "expression_list" {
                                    kids(v)
                                } else {
                                    vec![v]
                                }
                            })
                            .collect()
                    };
                    let mut cond: Option<Expr> = None;
                    for v in values {
                        let one = match tag {
                            Some(t) => Expr::new(
                                span(v),
                                ExprKind::Binary(
                                    crate::model::BinOp::Eq,
                                    Box::new(self.expr(t)),
                                    Box::new(self.expr(v)),
                                ),
                            ),
                            None => self.expr(v),
                        };
                        cond = Some(match cond {
                            None => one,
                            Some(prev) => Expr::new(
                                crate::model::Span {
                                    start: prev.span.start,
                                    end: one.span.end,
                                },
                                ExprKind::Binary(
                                    crate::model::BinOp::Or,
                                    Box::new(prev),
                                    Box::new(one),
                                ),
                            ),
                        });
                    }
                    cases.push((cond?, c));
                }
                "default_case" => {
                    if falls(c) {
                        return None;
                    }
                    default = Some(c);
                }
                _ => {}
            }
        }
        // A long switch (a parser's, a generated table's) would nest as deep as it is long.
        (cases.len() <= MAX_CHAINED_CASES).then_some((cases, default))
    }

    /// Lowers [`Go::switch_chain`]'s chain into a one-arm `switch`, so that `break` still
    /// leaves it; exhaustive, as the chain's last `else` is the `default` or nothing.
    fn push_switch_chain(
        &mut self,
        n: Node,
        (cases, default): (Vec<(Expr, Node)>, Option<Node>),
        out: &mut Block,
    ) {
        let mut tail: Block = default.map(|d| self.clause(d)).unwrap_or_default();
        for (cond, c) in cases.into_iter().rev() {
            let then = self.clause(c);
            let sp = span(c);
            tail = vec![Stmt::new(
                sp,
                StmtKind::If {
                    cond,
                    then,
                    otherwise: tail,
                },
            )];
        }
        out.push(Stmt::new(
            span(n),
            StmtKind::Switch {
                scrutinee: None,
                arms: vec![tail],
                exhaustive: true,
            },
        ));
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
                let Some(e) = kids(n).into_iter().next() else {
                    return;
                };
                let e = self.expr(e);
                match e.kind {
                    // `panic(err)` ends the path like a throw.
                    ExprKind::Call(call) if call.func.path().as_deref() == Some("panic") => {
                        StmtKind::Throw(call.args.into_iter().next())
                    }
                    kind => StmtKind::Expr(Expr::new(e.span, kind)),
                }
            }
            "short_var_declaration" | "assignment_statement" => {
                let targets = n
                    .child_by_field_id(F.left)
                    .map(|l| self.expr_list(l))
                    .unwrap_or_default();
                let values = n
                    .child_by_field_id(F.right)
                    .map(|r| self.expr_list(r))
                    .unwrap_or_default();
                let op = n
                    .child_by_field_id(F.operator)
                    .map(|o| self.text(o))
                    .unwrap_or("=");
                if op != "=" && op != ":=" {
                    // `x += y`: an update, not a binding.
                    StmtKind::Expr(Expr::new(
                        sp,
                        ExprKind::Other(targets.into_iter().chain(values).collect()),
                    ))
                } else {
                    StmtKind::Bind {
                        targets,
                        values,
                        declared: None,
                    }
                }
            }
            "var_declaration" | "const_declaration" => {
                for spec in self.specs(n) {
                    let s = self.var_spec(spec);
                    out.push(s);
                }
                return;
            }
            "return_statement" => {
                let values = kids(n)
                    .into_iter()
                    .next()
                    .map(|l| self.expr_list(l))
                    .unwrap_or_default();
                StmtKind::Return(values)
            }
            "if_statement" => {
                if let Some(init) = n.child_by_field_id(F.initializer) {
                    self.stmt(init, out);
                }
                let cond = match n.child_by_field_id(F.condition) {
                    Some(c) => self.expr(c),
                    None => Lowerer::opaque(n),
                };
                let then = n
                    .child_by_field_id(F.consequence)
                    .map(|b| self.block(b))
                    .unwrap_or_default();
                let otherwise = match n.child_by_field_id(F.alternative) {
                    Some(a) if kind_of(a) == "block" => self.block(a),
                    Some(a) => {
                        let mut b = Vec::new();
                        self.stmt(a, &mut b);
                        b
                    }
                    None => Vec::new(),
                };
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                }
            }
            "for_statement" => self.for_stmt(n),
            "expression_switch_statement" | "type_switch_statement" | "select_statement" => {
                if let Some(init) = n.child_by_field_id(F.initializer) {
                    self.stmt(init, out);
                }
                if let Some(chain) = self.switch_chain(n) {
                    return self.push_switch_chain(n, chain, out);
                }
                let scrutinee = n.child_by_field_id(F.value).map(|v| self.expr(v));
                let mut arms = Vec::new();
                // A `select` blocks until one of its cases runs.
                let mut exhaustive = kind_of(n) == "select_statement";
                for c in kids(n) {
                    match kind_of(c) {
                        "expression_case" | "type_case" | "communication_case" => {
                            arms.push(self.clause(c))
                        }
                        "default_case" => {
                            exhaustive = true;
                            arms.push(self.clause(c));
                        }
                        _ => {}
                    }
                }
                StmtKind::Switch {
                    scrutinee,
                    arms,
                    exhaustive,
                }
            }
            "defer_statement" | "go_statement" => {
                let Some(e) = kids(n).into_iter().next() else {
                    return;
                };
                let e = self.expr(e);
                if kind_of(n) == "defer_statement" {
                    StmtKind::Defer(e)
                } else {
                    self.0.current().goroutines.push(e.span);
                    StmtKind::Expr(e)
                }
            }
            "block" => StmtKind::Block(self.block(n)),
            "labeled_statement" => {
                if let Some(l) = n.child_by_field_id(F.label) {
                    out.push(Stmt::new(
                        span(l),
                        StmtKind::Label(self.text(l).to_string()),
                    ));
                }
                for c in kids(n).into_iter().skip(1) {
                    self.stmt(c, out);
                }
                return;
            }
            "goto_statement" => StmtKind::Goto(
                kids(n)
                    .first()
                    .map(|l| self.text(*l).to_string())
                    .unwrap_or_default(),
            ),
            "break_statement" => StmtKind::Break,
            "continue_statement" => StmtKind::Continue,
            "empty_statement" | "fallthrough_statement" | "comment" => return,
            _ => {
                // inc/dec, send, and anything the grammar adds later: keep the expressions.
                let parts = kids(n).into_iter().map(|c| self.expr(c)).collect();
                StmtKind::Expr(Expr::new(sp, ExprKind::Other(parts)))
            }
        };
        out.push(Stmt::new(sp, kind));
    }

    fn for_stmt(&mut self, n: Node) -> StmtKind {
        let mut head = Vec::new();
        let mut pre = Vec::new();
        for c in kids(n) {
            match kind_of(c) {
                "for_clause" => {
                    if let Some(init) = c.child_by_field_id(F.initializer) {
                        self.stmt(init, &mut pre);
                    }
                    if let Some(cond) = c.child_by_field_id(F.condition) {
                        head.push(self.expr(cond));
                    }
                }
                "range_clause" => {
                    if let Some(r) = c.child_by_field_id(F.right) {
                        head.push(self.expr(r));
                    }
                }
                "block" => {}
                _ => head.push(self.expr(c)),
            }
        }
        let mut body = n
            .child_by_field_id(F.body)
            .map(|b| self.block(b))
            .unwrap_or_default();
        if !pre.is_empty() {
            // The initializer runs once, before the loop: keep it in front, scoped with it.
            pre.push(Stmt::new(
                span(n),
                StmtKind::Loop {
                    head,
                    body: std::mem::take(&mut body),
                },
            ));
            return StmtKind::Block(pre);
        }
        StmtKind::Loop { head, body }
    }

    fn expr_list(&mut self, n: Node) -> Vec<Expr> {
        if kind_of(n) == "expression_list" {
            kids(n).into_iter().map(|c| self.expr(c)).collect()
        } else {
            vec![self.expr(n)]
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
            "identifier" | "field_identifier" | "package_identifier" | "type_identifier" => {
                ExprKind::Name(self.text(n).to_string())
            }
            "nil" => ExprKind::Lit(Lit::Nil),
            "true" | "false" => ExprKind::Lit(Lit::Bool),
            "int_literal" => ExprKind::Lit(Lit::Num(Expr::int_value(self.text(n)))),
            "float_literal" | "imaginary_literal" | "rune_literal" => ExprKind::Lit(Lit::Num(None)),
            "binary_expression" => {
                match (n.child_by_field_id(F.left), n.child_by_field_id(F.right)) {
                    (Some(l), Some(r)) => {
                        let op = self.0.bin_op(n, F.operator);
                        ExprKind::Binary(op, Box::new(self.expr(l)), Box::new(self.expr(r)))
                    }
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                ExprKind::Lit(Lit::Str(unquote(self.text(n))))
            }
            "selector_expression" => {
                let operand = match n.child_by_field_id(F.operand) {
                    Some(o) => self.expr(o),
                    None => Lowerer::opaque(n),
                };
                let field = n
                    .child_by_field_id(F.field)
                    .map(|f| self.text(f).to_string())
                    .unwrap_or_default();
                ExprKind::Field(Box::new(operand), field)
            }
            "call_expression" => {
                let func = match n.child_by_field_id(F.function) {
                    Some(f) => self.expr(f),
                    None => Lowerer::opaque(n),
                };
                let args: Vec<Expr> = n
                    .child_by_field_id(F.arguments)
                    .map(|a| kids(a).into_iter().map(|c| self.expr(c)).collect())
                    .unwrap_or_default();
                self.0.mark_passed(&func, &args);
                ExprKind::Call(Box::new(Call {
                    func,
                    args,
                    keywords: Vec::new(),
                }))
            }
            "index_expression" => {
                let base = n.child_by_field_id(F.operand);
                let index = n.child_by_field_id(F.index);
                match (base, index) {
                    (Some(b), Some(i)) => {
                        ExprKind::Index(Box::new(self.expr(b)), Box::new(self.expr(i)))
                    }
                    _ => ExprKind::Other(self.all(n)),
                }
            }
            "unary_expression"
                if n.child_by_field_id(F.operator)
                    .is_some_and(|o| matches!(self.text(o), "!" | "-")) =>
            {
                let negate = n.child_by_field_id(F.operator).map(|o| self.text(o)) == Some("!");
                let operand = match n.child_by_field_id(F.operand) {
                    Some(o) => self.expr(o),
                    None => Lowerer::opaque(n),
                };
                match (negate, &operand.kind) {
                    (true, _) => ExprKind::Not(Box::new(operand)),
                    (false, ExprKind::Lit(Lit::Num(Some(v)))) => ExprKind::Lit(Lit::Num(Some(-v))),
                    _ => ExprKind::Other(vec![operand]),
                }
            }
            "parenthesized_expression" | "unary_expression" | "type_assertion_expression" => {
                match n
                    .child_by_field_id(F.operand)
                    .or_else(|| kids(n).into_iter().next())
                {
                    Some(o) => ExprKind::Unary(Box::new(self.expr(o))),
                    None => ExprKind::Other(Vec::new()),
                }
            }
            "func_literal" => ExprKind::Closure(self.function(FnKind::Closure, String::new(), n)),
            "composite_literal" => {
                let ty = self.ty(n.child_by_field_id(F.r#type));
                let fields = n
                    .child_by_field_id(F.body)
                    .map(|b| self.literal_value(b))
                    .unwrap_or_default();
                ExprKind::Construct { ty, fields }
            }
            "literal_value" => ExprKind::Construct {
                ty: None,
                fields: self.literal_value(n),
            },
            "literal_element" => match kids(n).into_iter().next() {
                Some(c) => return self.expr(c),
                None => ExprKind::Other(Vec::new()),
            },
            _ => ExprKind::Other(self.all(n)),
        };
        Expr::new(sp, kind)
    }

    fn all(&mut self, n: Node) -> Vec<Expr> {
        kids(n).into_iter().map(|c| self.expr(c)).collect()
    }

    fn literal_value(&mut self, n: Node) -> Vec<(Option<String>, Expr)> {
        let mut out = Vec::new();
        for el in kids(n) {
            if kind_of(el) == "keyed_element" {
                let parts = kids(el);
                let (Some(k), Some(v)) = (parts.first(), parts.get(1)) else {
                    continue;
                };
                let key = self.text(*k).trim().to_string();
                let value = self.expr(*v);
                out.push((Some(key), value));
            } else {
                out.push((None, self.expr(el)));
            }
        }
        out
    }
}

/// The value of a Go string literal, escapes left as written (templates only need the verbs).
fn unquote(text: &str) -> String {
    text.get(1..text.len().saturating_sub(1))
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::walk_stmts;

    fn unit(src: &str) -> Unit {
        lower(src).expect("lowers")
    }

    #[test]
    fn functions_params_and_fields() {
        let u = unit(
            "package p\ntype S struct { ctxKey string; n, m int }\n\
             func (w *W) Watch(ctx context.Context, k string) (Chan, error) { return nil, nil }\n",
        );
        let f = &u.functions[1];
        assert_eq!(f.name, "Watch");
        assert_eq!(f.kind, FnKind::Method);
        let params: Vec<_> = f
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.ty.clone().unwrap().0))
            .collect();
        assert_eq!(
            params,
            [
                ("w", "*W".into()),
                ("ctx", "context.Context".into()),
                ("k", "string".into())
            ]
        );
        assert_eq!(f.results.len(), 2);
        assert!(f.result_names.is_empty());
        let g = unit("package p\nfunc g() (n, m int, err error) { return }\n");
        assert_eq!(g.functions[1].result_names, ["n", "m", "err"]);
        assert_eq!(g.functions[1].results.len(), 3);
        assert_eq!(u.field_type("ctxKey").unwrap().0, "string");
        assert_eq!(u.fields.len(), 3);
    }

    #[test]
    fn closures_know_their_call() {
        let u = unit("package p\nfunc f() { rdb.Watch(ctx, func(tx *redis.Tx) error { return nil }, \"k\") }");
        let closure = u
            .functions
            .iter()
            .find(|f| f.kind == FnKind::Closure)
            .unwrap();
        let to = closure.passed_to.as_ref().unwrap();
        assert_eq!((to.callee.as_str(), to.arg), ("rdb.Watch", 1));
        assert_eq!(closure.parent, Some(1));
        assert_eq!(closure.params[0].ty.as_ref().unwrap().0, "*redis.Tx");
    }

    #[test]
    fn statements_lower_to_structure() {
        let u = unit(
            "package p\nfunc f() error {\n  f, err := os.Open(p)\n  if err != nil { return err }\n  defer f.Close()\n  m[k] = v\n  for _, x := range xs { delete(m, x) }\n  switch { case a: return nil; default: }\n  return nil\n}",
        );
        let mut kinds = Vec::new();
        walk_stmts(&u.functions[1].body, &mut |s| {
            kinds.push(match &s.kind {
                StmtKind::Bind { .. } => "bind",
                StmtKind::If { .. } => "if",
                StmtKind::Return(_) => "return",
                StmtKind::Defer(_) => "defer",
                StmtKind::Loop { .. } => "loop",
                StmtKind::Expr(_) => "expr",
                StmtKind::Switch {
                    exhaustive: true, ..
                } => "switch",
                _ => "other",
            })
        });
        assert_eq!(
            kinds,
            [
                "bind", "if", "return", "defer", "bind", "loop", "expr", "switch", "if", "return",
                "return"
            ]
        );
    }

    #[test]
    fn composite_literals_keep_field_names() {
        let u = unit("package p\nfunc f() { x := &S{ctxKey: fmt.Sprintf(\"%v\", ctx), n: 1} }");
        let StmtKind::Bind { values, .. } = &u.functions[1].body[0].kind else {
            panic!("bind")
        };
        let ExprKind::Construct { ty, fields } = &values[0].peel().kind else {
            panic!("construct: {:?}", values[0])
        };
        assert_eq!(ty.as_ref().unwrap().0, "S");
        assert_eq!(fields[0].0.as_deref(), Some("ctxKey"));
        assert!(matches!(fields[0].1.kind, ExprKind::Call(_)));
    }

    #[test]
    fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
        let u = unit("package p\nfunc f() { x := }\nfunc g() { m[k] = v }\n");
        assert!(!u.syntax_errors.is_empty());
        assert!(u.functions.iter().any(|f| f.name == "g"));
    }

    #[test]
    fn deep_nesting_is_truncated_not_overflowed() {
        let depth = 5000;
        let src = format!(
            "package p\nvar x = {}1{}\n",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let u = unit(&src);
        assert!(u.truncated_at.is_some());
    }
}
