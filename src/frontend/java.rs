//! Lowering of the Java tree-sitter grammar into the model.
//!
//! Choices worth knowing when writing a check:
//!
//! - Field initialisers, `static { … }` and instance `{ … }` blocks of named classes (member,
//!   top-level and local classes alike) are statements of `functions[0]`, in source order; the
//!   field initialiser `T f = e;` is `Bind { targets: [Name(f)], values: [e], declared: T }`.
//! - An anonymous class `new T(args) { … }` is `Construct { ty: T, fields }`: first the
//!   constructor arguments (unnamed), then each method as `(Some(name), Closure(id))`, each field
//!   initialiser as `(Some(field), value)`, each initializer block as `(None, Closure(id))`. Its
//!   methods are `FnKind::Closure` functions that keep their method name, with
//!   `implements = Some(T)` and, when the `new` expression is an argument of a call or of another
//!   constructor, `passed_to` set to that call. The object is not lowered to a bare `Closure`,
//!   which would hide the constructor arguments and pretend the object is one function.
//! - A lambda or anonymous class passed to a constructor (`new Thread(() -> …)`) gets
//!   `passed_to.callee` = the constructed type's base name (`Thread`).
//! - String concatenation with a string literal (or another concatenation) among its operands is
//!   a `Format` without template whose args are the non-literal operands, verb `""`.
//! - A switch expression used as a value is `Other([scrutinee, arm values…, yielded values…])`;
//!   the statements of its block arms are hoisted into a `Switch` right before the statement that
//!   contains it, each `yield` lowered as `Break`.

use super::ts::{self, kids, span, Lowerer};
use super::ParseError;
use crate::model::{
    Block, Call, Catch, Expr, ExprKind, FnKind, Format, FormatArg, FuncId, Import, Lang, Lit,
    Method, Param, PassedTo, Span, Stmt, StmtKind, TypeId, TypeKind, TypeRef, Unit,
};
use tree_sitter::Node;

ts::grammar!(
    tree_sitter_java::LANGUAGE;
    alternative, arguments, array, body, condition, consequence, constructor, dimensions, field,
    index, left, name, object, operator, parameters, resources, right, superclass,
    template_argument, r#type, value
);

pub fn lower(src: &str) -> Result<Unit, ParseError> {
    lower_with(src, false)
}

/// [`lower`], or only declarations: see [`super::lower_declarations`].
pub fn lower_with(src: &str, declarations_only: bool) -> Result<Unit, ParseError> {
    let tree = ts::parse(&tree_sitter_java::LANGUAGE.into(), src)?;
    let root = tree.root_node();
    let mut java = Java {
        l: {
            let mut l = Lowerer::new(Lang::Java, src, root);
            l.declarations_only = declarations_only;
            l
        },
        init: Vec::new(),
        pending: Vec::new(),
        yields: Vec::new(),
        class: None,
    };
    for n in kids(root) {
        java.top_item(n);
    }
    java.l.unit.functions[0].body = std::mem::take(&mut java.init);
    Ok(java.l.unit)
}

struct Java<'s> {
    l: Lowerer<'s>,
    /// The body of `functions[0]`: class initialisers and statements at the top of the file.
    init: Block,
    /// Statements hoisted out of the expressions of the statement being lowered (the block arms
    /// of a switch expression); they are emitted right before that statement.
    pending: Block,
    /// The values yielded inside the switch expressions being lowered, innermost last.
    yields: Vec<Vec<Expr>>,
    /// The named type whose members are being lowered; `None` in an anonymous class body.
    class: Option<TypeId>,
}

/// Declarations of named types.
fn is_type_decl(kind: &str) -> bool {
    matches!(
        kind,
        "class_declaration"
            | "interface_declaration"
            | "enum_declaration"
            | "record_declaration"
            | "annotation_type_declaration"
    )
}

/// Statement kinds worth salvaging from inside an `ERROR` node.
fn is_stmt(kind: &str) -> bool {
    matches!(
        kind,
        "assert_statement"
            | "block"
            | "break_statement"
            | "continue_statement"
            | "do_statement"
            | "enhanced_for_statement"
            | "expression_statement"
            | "for_statement"
            | "if_statement"
            | "labeled_statement"
            | "local_variable_declaration"
            | "return_statement"
            | "switch_expression"
            | "synchronized_statement"
            | "throw_statement"
            | "try_statement"
            | "try_with_resources_statement"
            | "while_statement"
            | "yield_statement"
            | "explicit_constructor_invocation"
            | "ERROR"
    ) || is_type_decl(kind)
}

/// Whether a declaration's modifiers include the keyword `word` (`static`, `abstract`).
fn has_modifier(n: Node, word: &str) -> bool {
    // Keywords are anonymous nodes, which `kids` leaves out.
    kids(n)
        .into_iter()
        .filter(|c| kind_of(c) == "modifiers")
        .any(|m| (0..m.child_count()).any(|i| m.child(i).is_some_and(|k| k.kind() == word)))
}

/// Type syntax, for the receivers of method references (`List<String>::size`, `int[]::new`).
fn is_type_node(kind: &str) -> bool {
    matches!(
        kind,
        "type_identifier"
            | "generic_type"
            | "scoped_type_identifier"
            | "array_type"
            | "integral_type"
            | "floating_point_type"
            | "boolean_type"
            | "void_type"
            | "annotated_type"
    )
}

impl<'s> Java<'s> {
    fn text(&self, n: Node) -> &'s str {
        self.l.text(n)
    }

    /// A declared type, annotations dropped, with the extra `[]` of `int a[]` appended. `var`
    /// declares no type.
    fn ty(&self, n: Option<Node>, dims: Option<Node>) -> Option<TypeRef> {
        let mut n = n?;
        if kind_of(n) == "annotated_type" {
            n = *kids(n).last()?;
        }
        let text = self.text(n);
        if text == "var" {
            return None;
        }
        Some(match dims {
            Some(d) => TypeRef::new(&format!("{text}{}", self.text(d))),
            None => TypeRef::new(text),
        })
    }

    fn name(&self, n: Node) -> Expr {
        Expr::new(span(n), ExprKind::Name(self.text(n).to_string()))
    }

    fn field_name(&self, n: Node, field: u16) -> String {
        n.child_by_field_id(field)
            .map(|c| self.text(c).to_string())
            .unwrap_or_default()
    }

    // ---------------------------------------------------------------- declarations

    fn top_item(&mut self, n: Node) {
        match kind_of(n) {
            "package_declaration" => {
                let name = kids(n)
                    .into_iter()
                    .find(|c| matches!(kind_of(c), "identifier" | "scoped_identifier"));
                self.l.unit.package = name.map(|c| self.text(c).to_string());
            }
            "import_declaration" => self.import(n),
            "module_declaration" => {}
            "method_declaration" => {
                self.method(n, None);
            }
            k if is_type_decl(k) => self.type_decl(n),
            "ERROR" if self.l.enter(n) => {
                for c in kids(n) {
                    if is_stmt(kind_of(c)) || kind_of(c) == "method_declaration" {
                        self.top_item(c);
                    }
                }
                self.l.leave();
            }
            "ERROR" => {}
            _ => self.class_init(|j, out| j.stmt(n, out)),
        }
    }

    /// `import a.b.C;`, `import static a.b.C.m;`, `import a.b.*;`.
    fn import(&mut self, n: Node) {
        let parts = kids(n);
        let Some(name) = parts
            .iter()
            .find(|c| matches!(kind_of(*c), "identifier" | "scoped_identifier"))
        else {
            return;
        };
        self.l.unit.imports.push(Import {
            path: self.text(*name).to_string(),
            alias: None,
            wildcard: parts.iter().any(|c| kind_of(c) == "asterisk"),
            span: span(n),
        });
    }

    /// A class, interface, enum, record or annotation type, at any nesting.
    fn type_decl(&mut self, n: Node) {
        if !self.l.enter(n) {
            return;
        }
        let name = self.field_name(n, F.name);
        let kind = match kind_of(n) {
            "interface_declaration" | "annotation_type_declaration" => TypeKind::Interface,
            "enum_declaration" => TypeKind::Enum,
            "record_declaration" => TypeKind::Record,
            _ => TypeKind::Class,
        };
        let t = self.l.unit.add_type(kind, name.clone(), span(n));
        // `extends A`, `implements B, C`, an interface's `extends B, C`.
        let mut supers = Vec::new();
        if let Some(sc) = n.child_by_field_id(F.superclass) {
            let sup = kids(sc).into_iter().find(|c| is_type_node(kind_of(c)));
            self.l.unit.types[t].superclass = self.ty(sup, None);
            supers.extend(sup);
        }
        let annotations = self.annotations(n);
        self.l.unit.types[t].annotations.extend(annotations);
        for c in kids(n) {
            if matches!(kind_of(c), "super_interfaces" | "extends_interfaces") {
                for list in kids(c) {
                    supers.extend(kids(list).into_iter().filter(|c| is_type_node(kind_of(c))));
                }
            }
        }
        for sup in supers {
            if let Some(ty) = self.ty(Some(sup), None) {
                self.l.unit.types[t].supertypes.push(ty);
            }
        }
        let outer = self.class.replace(t);
        let record_params = (kind_of(n) == "record_declaration")
            .then(|| n.child_by_field_id(F.parameters))
            .flatten();
        if let Some(p) = record_params {
            let components = self.params(p);
            self.l.unit.types[t]
                .fields
                .extend(components.iter().cloned());
            self.l.unit.fields.extend(components);
        }
        if let Some(body) = n.child_by_field_id(F.body) {
            self.members(body, &name, record_params);
        }
        self.class = outer;
        self.l.leave();
    }

    fn members(&mut self, body: Node, class: &str, record_params: Option<Node>) {
        for m in kids(body) {
            match kind_of(m) {
                "field_declaration" | "constant_declaration" => {
                    let inits = self.field_decl(m);
                    self.class_init(|j, out| {
                        for (d, name, ty) in inits {
                            if let Some(v) = d.child_by_field_id(F.value) {
                                let value = j.expr(v);
                                out.push(Stmt::new(
                                    span(d),
                                    StmtKind::Bind {
                                        targets: vec![name],
                                        values: vec![value],
                                        declared: ty,
                                    },
                                ));
                            }
                        }
                    });
                }
                "method_declaration" | "constructor_declaration" => {
                    self.method(m, None);
                }
                "compact_constructor_declaration" => {
                    self.method(m, record_params);
                }
                "static_initializer" | "block" => self.class_init(|j, out| {
                    let block = match kind_of(m) {
                        "block" => j.block(m),
                        _ => kids(m).first().map(|b| j.block(*b)).unwrap_or_default(),
                    };
                    out.push(Stmt::new(span(m), StmtKind::Block(block)));
                }),
                "enum_body_declarations" | "ERROR" if self.l.enter(m) => {
                    self.members(m, class, record_params);
                    self.l.leave();
                }
                "enum_constant" => self.enum_constant(m, class),
                k if is_type_decl(k) => self.type_decl(m),
                _ => {}
            }
        }
    }

    /// The annotations among a declaration's modifiers, by name (`TempDir`, `Data`).
    fn annotations(&self, n: Node) -> Vec<String> {
        let mut out = Vec::new();
        for m in kids(n).into_iter().filter(|c| kind_of(c) == "modifiers") {
            for a in kids(m) {
                if matches!(kind_of(a), "marker_annotation" | "annotation") {
                    if let Some(name) = a.child_by_field_id(F.name) {
                        out.push(self.text(name).to_string());
                    }
                }
            }
        }
        out
    }

    /// Records the fields a declaration declares; returns each declarator with its name and
    /// type, for the caller to lower the initialisers where they run.
    fn field_decl<'t>(&mut self, n: Node<'t>) -> Vec<(Node<'t>, Expr, Option<TypeRef>)> {
        let ty_node = n.child_by_field_id(F.r#type);
        let annotations = self.annotations(n);
        let is_static = has_modifier(n, "static");
        let mut out = Vec::new();
        let mut cur = n.walk();
        for d in n.children_by_field_name("declarator", &mut cur) {
            let Some(name) = d.child_by_field_id(F.name) else {
                continue;
            };
            let ty = self.ty(ty_node, d.child_by_field_id(F.dimensions));
            let p = Param {
                name: self.text(name).to_string(),
                ty: ty.clone(),
                span: span(name),
            };
            if let Some(t) = self.class {
                let decl = &mut self.l.unit.types[t];
                decl.field_annotations
                    .extend(annotations.iter().map(|a| (p.name.clone(), a.clone())));
                if is_static {
                    decl.static_fields.push(p.name.clone());
                }
                decl.fields.push(p.clone());
            }
            self.l.unit.fields.push(p);
            out.push((d, self.name(name), ty));
        }
        out
    }

    /// `X`, `Y(1)`, `Z { void f() {} }`: a field of the enum's type; its construction, when it
    /// has arguments or a body, is a statement of the top level.
    fn enum_constant(&mut self, n: Node, class: &str) {
        let Some(name) = n.child_by_field_id(F.name) else {
            return;
        };
        let ty = (!class.is_empty()).then(|| TypeRef::new(class));
        self.l.unit.fields.push(Param {
            name: self.text(name).to_string(),
            ty: ty.clone(),
            span: span(name),
        });
        let args = n.child_by_field_id(F.arguments);
        let body = n.child_by_field_id(F.body);
        if args.is_none() && body.is_none() {
            return;
        }
        self.class_init(|j, out| {
            let args = args.map(|a| j.args(a)).unwrap_or_default();
            let mut fields: Vec<(Option<String>, Expr)> =
                args.into_iter().map(|a| (None, a)).collect();
            if let Some(b) = body {
                fields.extend(j.anonymous_body(b, ty.clone()));
            }
            let target = j.name(name);
            out.push(Stmt::new(
                span(n),
                StmtKind::Bind {
                    targets: vec![target],
                    values: vec![Expr::new(
                        span(n),
                        ExprKind::Construct {
                            ty: ty.clone(),
                            fields,
                        },
                    )],
                    declared: ty,
                },
            ));
        });
    }

    /// Lowers `f` as part of the top-level function: class initialisers run outside any method.
    fn class_init(&mut self, f: impl FnOnce(&mut Self, &mut Block)) {
        let func = std::mem::replace(&mut self.l.func, 0);
        let pending = std::mem::take(&mut self.pending);
        let yields = std::mem::take(&mut self.yields);
        let mut out = Vec::new();
        f(self, &mut out);
        self.init.append(&mut self.pending);
        self.init.append(&mut out);
        self.pending = pending;
        self.yields = yields;
        self.l.func = func;
    }

    /// A method or constructor of a named type. Abstract and native methods (no body) are not
    /// functions of the model.
    fn method(&mut self, n: Node, record_params: Option<Node>) -> Option<FuncId> {
        let name = self.field_name(n, F.name);
        let class = self.class;
        if n.child_by_field_id(F.body).is_none() {
            // An abstract or interface method: a signature of its type, not a function.
            if let Some(t) = class {
                let params = n
                    .child_by_field_id(F.parameters)
                    .map(|p| self.params(p))
                    .unwrap_or_default();
                let results = self.result_type(n).into_iter().collect();
                self.l.unit.types[t].methods.push(Method {
                    name,
                    params,
                    results,
                    func: None,
                    span: span(n),
                });
            }
            return None;
        }
        let annotations = self.annotations(n);
        let id = self.function(FnKind::Method, name, n, None, record_params);
        if let Some(t) = class {
            let decl = &mut self.l.unit.types[t];
            let method = &self.l.unit.functions[id].name;
            decl.method_annotations
                .extend(annotations.into_iter().map(|a| (method.clone(), a)));
            let owner = self.l.unit.types[t].name.clone();
            self.l.unit.functions[id].owner = Some(owner);
            let m = Method::of(&self.l.unit.functions[id], id);
            self.l.unit.types[t].methods.push(m);
        }
        Some(id)
    }

    /// A method's declared result type; `None` for `void` and constructors.
    fn result_type(&self, n: Node) -> Option<TypeRef> {
        match n.child_by_field_id(F.r#type) {
            Some(t) if kind_of(t) != "void_type" && kind_of(n) == "method_declaration" => {
                self.ty(Some(t), n.child_by_field_id(F.dimensions))
            }
            _ => None,
        }
    }

    /// Lowers a method, constructor, lambda or initializer block as a function of its own.
    fn function(
        &mut self,
        kind: FnKind,
        name: String,
        n: Node,
        implements: Option<TypeRef>,
        record_params: Option<Node>,
    ) -> FuncId {
        let scope = self.l.begin_function(kind, name, n);
        let pending = std::mem::take(&mut self.pending);
        let yields = std::mem::take(&mut self.yields);
        let params = n
            .child_by_field_id(F.parameters)
            .or(record_params)
            .map(|p| self.params(p))
            .unwrap_or_default();
        let results = self.result_type(n).into_iter().collect();
        {
            let f = self.l.current();
            f.params = params;
            f.results = results;
            f.implements = implements;
        }
        let keep = self.l.keeps_body(&self.l.unit.functions[self.l.func].name);
        let body = if !keep {
            Vec::new()
        } else if kind_of(n) == "block" {
            self.block(n)
        } else {
            match n.child_by_field_id(F.body) {
                Some(b) if matches!(kind_of(b), "block" | "constructor_body") => self.block(b),
                // A lambda's expression body: its value is the lambda's result.
                Some(b) => {
                    let e = self.expr(b);
                    let mut out = std::mem::take(&mut self.pending);
                    out.push(Stmt::new(e.span, StmtKind::Return(vec![e])));
                    out
                }
                None => Vec::new(),
            }
        };
        self.pending = pending;
        self.yields = yields;
        self.l.end_function(scope, body)
    }

    /// Formal parameters (`T x`, `T... xs`, `T this`), a lambda's bare `x` or inferred `(a, b)`.
    fn params(&self, list: Node) -> Vec<Param> {
        let untyped = |n: Node| Param {
            name: self.text(n).to_string(),
            ty: None,
            span: span(n),
        };
        match kind_of(list) {
            "identifier" => return vec![untyped(list)],
            "inferred_parameters" => return kids(list).into_iter().map(untyped).collect(),
            _ => {}
        }
        let mut out = Vec::new();
        for p in kids(list) {
            match kind_of(p) {
                "formal_parameter" => {
                    let Some(name) = p.child_by_field_id(F.name) else {
                        continue;
                    };
                    out.push(Param {
                        name: self.text(name).to_string(),
                        ty: self.ty(
                            p.child_by_field_id(F.r#type),
                            p.child_by_field_id(F.dimensions),
                        ),
                        span: span(name),
                    });
                }
                "spread_parameter" => {
                    let parts = kids(p);
                    let ty = parts.iter().find(|c| is_type_node(kind_of(*c))).copied();
                    let Some(name) = parts
                        .iter()
                        .find(|c| kind_of(*c) == "variable_declarator")
                        .and_then(|d| d.child_by_field_id(F.name))
                    else {
                        continue;
                    };
                    // `T... xs` is a `T[]` inside the method.
                    let ty = self
                        .ty(ty, None)
                        .map(|t| TypeRef::new(&format!("{}[]", t.0)));
                    out.push(Param {
                        name: self.text(name).to_string(),
                        ty,
                        span: span(name),
                    });
                }
                "receiver_parameter" => {
                    let ty = kids(p).into_iter().find(|c| is_type_node(kind_of(c)));
                    out.push(Param {
                        name: "this".to_string(),
                        ty: self.ty(ty, None),
                        span: span(p),
                    });
                }
                _ => {}
            }
        }
        out
    }

    /// The members of an anonymous class body (or of an enum constant's body), as the named
    /// fields of the object: methods and initializer blocks become closures implementing `ty`.
    fn anonymous_body(&mut self, body: Node, ty: Option<TypeRef>) -> Vec<(Option<String>, Expr)> {
        let mut out = Vec::new();
        if !self.l.enter(body) {
            return out;
        }
        let class = self.class.take();
        for m in kids(body) {
            match kind_of(m) {
                "method_declaration" => {
                    if m.child_by_field_id(F.body).is_none() {
                        continue;
                    }
                    let name = self.field_name(m, F.name);
                    let id = self.function(FnKind::Closure, name.clone(), m, ty.clone(), None);
                    out.push((Some(name), Expr::new(span(m), ExprKind::Closure(id))));
                }
                "block" => {
                    let id = self.function(FnKind::Closure, String::new(), m, ty.clone(), None);
                    out.push((None, Expr::new(span(m), ExprKind::Closure(id))));
                }
                "field_declaration" => {
                    for (d, name, _) in self.field_decl(m) {
                        if let Some(v) = d.child_by_field_id(F.value) {
                            let value = self.expr(v);
                            out.push((name.path(), value));
                        }
                    }
                }
                k if is_type_decl(k) => self.type_decl(m),
                _ => {}
            }
        }
        self.class = class;
        self.l.leave();
        out
    }

    // ---------------------------------------------------------------- statements

    fn block(&mut self, n: Node) -> Block {
        self.stmts(&kids(n))
    }

    /// A block's statements. A local declared with Lombok's `@Cleanup` is closed at the end of
    /// the block: the statements after it are its scope, as in try-with-resources.
    fn stmts(&mut self, ns: &[Node]) -> Block {
        let mut out = Vec::new();
        for (i, &c) in ns.iter().enumerate() {
            if self.lombok_cleanup(c) {
                let mut bindings = Vec::new();
                self.stmt(c, &mut bindings);
                let body = self.stmts(&ns[i + 1..]);
                let end = ns.last().map_or(span(c).end, |l| span(*l).end);
                let sp = Span {
                    start: span(c).start,
                    end,
                };
                out.push(Stmt::new(sp, StmtKind::Scoped { bindings, body }));
                break;
            }
            self.stmt(c, &mut out);
        }
        out
    }

    /// Whether a local declaration carries Lombok's `@Cleanup`.
    fn lombok_cleanup(&self, n: Node) -> bool {
        kind_of(n) == "local_variable_declaration"
            && n.named_child(0).is_some_and(|m| kind_of(m) == "modifiers")
            && self
                .annotations(n)
                .iter()
                .any(|a| a == "Cleanup" || a == "lombok.Cleanup")
    }

    /// The body of an `if`, loop or arm: a block's statements, or the single statement.
    fn body(&mut self, n: Option<Node>) -> Block {
        match n {
            Some(b) if kind_of(b) == "block" => self.block(b),
            Some(s) => {
                let mut out = Vec::new();
                self.stmt(s, &mut out);
                out
            }
            None => Vec::new(),
        }
    }

    fn stmt(&mut self, n: Node, out: &mut Block) {
        if !self.l.enter(n) {
            return;
        }
        let outer = std::mem::take(&mut self.pending);
        let mut own = Vec::new();
        self.stmt_inner(n, &mut own);
        out.append(&mut self.pending);
        out.append(&mut own);
        self.pending = outer;
        self.l.leave();
    }

    fn stmt_inner(&mut self, n: Node, out: &mut Block) {
        let sp = span(n);
        let kind = match kind_of(n) {
            "expression_statement" => {
                let Some(e) = kids(n).into_iter().next() else {
                    return;
                };
                match kind_of(e) {
                    "switch_expression" => self.switch_stmt(e),
                    "assignment_expression" => return self.assignment(e, out),
                    _ => StmtKind::Expr(self.expr(e)),
                }
            }
            "local_variable_declaration" => {
                let ty_node = n.child_by_field_id(F.r#type);
                let mut cur = n.walk();
                let decls: Vec<Node> = n.children_by_field_name("declarator", &mut cur).collect();
                let single = decls.len() == 1;
                for d in decls {
                    let Some(name) = d.child_by_field_id(F.name) else {
                        continue;
                    };
                    let declared = self.ty(ty_node, d.child_by_field_id(F.dimensions));
                    let values = d
                        .child_by_field_id(F.value)
                        .map(|v| vec![self.expr(v)])
                        .unwrap_or_default();
                    out.push(Stmt::new(
                        if single { sp } else { span(d) },
                        StmtKind::Bind {
                            targets: vec![self.name(name)],
                            values,
                            declared,
                        },
                    ));
                }
                return;
            }
            "return_statement" => StmtKind::Return(
                kids(n)
                    .first()
                    .map(|e| vec![self.expr(*e)])
                    .unwrap_or_default(),
            ),
            "throw_statement" => StmtKind::Throw(kids(n).first().map(|e| self.expr(*e))),
            "if_statement" => {
                let cond = self.cond(n, F.condition);
                let then = self.body(n.child_by_field_id(F.consequence));
                let otherwise = self.body(n.child_by_field_id(F.alternative));
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                }
            }
            // `do … while` is lowered as a loop too: the model has no "at least once" loop.
            "while_statement" | "do_statement" => {
                let head = vec![self.cond(n, F.condition)];
                let body = self.body(n.child_by_field_id(F.body));
                StmtKind::Loop { head, body }
            }
            "for_statement" => self.for_stmt(n),
            "enhanced_for_statement" => {
                let head = n
                    .child_by_field_id(F.value)
                    .map(|v| vec![self.expr(v)])
                    .unwrap_or_default();
                let mut body = Vec::new();
                if let Some(name) = n.child_by_field_id(F.name) {
                    // Bound to each element in turn: declared, with no value of its own.
                    let declared = self.ty(
                        n.child_by_field_id(F.r#type),
                        n.child_by_field_id(F.dimensions),
                    );
                    body.push(Stmt::new(
                        span(name),
                        StmtKind::Bind {
                            targets: vec![self.name(name)],
                            values: Vec::new(),
                            declared,
                        },
                    ));
                }
                body.extend(self.body(n.child_by_field_id(F.body)));
                StmtKind::Loop { head, body }
            }
            "switch_expression" => self.switch_stmt(n),
            "try_statement" => self.try_stmt(n),
            "try_with_resources_statement" => {
                let mut bindings = Vec::new();
                if let Some(spec) = n.child_by_field_id(F.resources) {
                    for r in kids(spec) {
                        if let Some(b) = self.resource(r) {
                            bindings.push(b);
                        }
                    }
                }
                let has_handlers = kids(n)
                    .iter()
                    .any(|c| matches!(kind_of(c), "catch_clause" | "finally_clause"));
                let body = if has_handlers {
                    vec![Stmt::new(sp, self.try_stmt(n))]
                } else {
                    self.body(n.child_by_field_id(F.body))
                };
                StmtKind::Scoped { bindings, body }
            }
            "synchronized_statement" => {
                let mut block = Vec::new();
                if let Some(lock) = kids(n)
                    .into_iter()
                    .find(|c| kind_of(c) == "parenthesized_expression")
                {
                    let e = self.unparen(lock);
                    block.push(Stmt::new(e.span, StmtKind::Expr(e)));
                }
                block.extend(self.body(n.child_by_field_id(F.body)));
                StmtKind::Block(block)
            }
            "block" => StmtKind::Block(self.block(n)),
            // Java labels only name loops for `break`/`continue`; the model's labels are goto
            // targets, so only the statement is kept.
            "labeled_statement" => {
                for c in kids(n).into_iter().skip(1) {
                    self.stmt(c, out);
                }
                return;
            }
            "break_statement" => StmtKind::Break,
            "continue_statement" => StmtKind::Continue,
            "yield_statement" => {
                let value = kids(n).first().map(|e| self.expr(*e));
                match (value, self.yields.last_mut()) {
                    // The value goes to the switch expression; the arm ends here.
                    (Some(v), Some(frame)) => {
                        frame.push(v);
                        StmtKind::Break
                    }
                    (Some(v), None) => StmtKind::Expr(v),
                    (None, _) => StmtKind::Break,
                }
            }
            "explicit_constructor_invocation" => {
                let callee = match n.child_by_field_id(F.constructor) {
                    Some(c) => self.name(c),
                    None => Lowerer::opaque(n),
                };
                let func = match n.child_by_field_id(F.object) {
                    Some(o) => {
                        let base = self.expr(o);
                        let name = match &callee.kind {
                            ExprKind::Name(s) => s.clone(),
                            _ => String::new(),
                        };
                        Expr::new(
                            Span::new(o.start_byte(), callee.span.end as usize),
                            ExprKind::Field(Box::new(base), name),
                        )
                    }
                    None => callee,
                };
                let args = n
                    .child_by_field_id(F.arguments)
                    .map(|a| self.args(a))
                    .unwrap_or_default();
                self.mark_args(&func, &args);
                StmtKind::Expr(Expr::new(
                    sp,
                    ExprKind::Call(Box::new(Call {
                        func,
                        args,
                        keywords: Vec::new(),
                    })),
                ))
            }
            k if is_type_decl(k) => {
                self.type_decl(n);
                return;
            }
            "ERROR" => {
                for c in kids(n) {
                    if is_stmt(kind_of(c)) {
                        self.stmt(c, out);
                    }
                }
                return;
            }
            "empty_statement" | "line_comment" | "block_comment" => return,
            _ => {
                // `assert`, and anything the grammar adds later: keep the expressions.
                let parts = self.all(n);
                StmtKind::Expr(Expr::new(sp, ExprKind::Other(parts)))
            }
        };
        out.push(Stmt::new(sp, kind));
    }

    /// `x = e` binds; `x += e` updates; `a = b = e` binds `b` then `a`.
    fn assignment(&mut self, n: Node, out: &mut Block) {
        let sp = span(n);
        let op = n
            .child_by_field_id(F.operator)
            .map(|o| self.text(o))
            .unwrap_or("=");
        let (Some(left), Some(right)) = (n.child_by_field_id(F.left), n.child_by_field_id(F.right))
        else {
            let parts = self.all(n);
            out.push(Stmt::new(
                sp,
                StmtKind::Expr(Expr::new(sp, ExprKind::Other(parts))),
            ));
            return;
        };
        if op != "=" {
            let parts = vec![self.expr(left), self.expr(right)];
            out.push(Stmt::new(
                sp,
                StmtKind::Expr(Expr::new(sp, ExprKind::Other(parts))),
            ));
            return;
        }
        let chained = (kind_of(right) == "assignment_expression")
            .then(|| right.child_by_field_id(F.left))
            .flatten()
            .filter(|l| matches!(kind_of(l), "identifier" | "field_access"))
            .filter(|_| {
                right
                    .child_by_field_id(F.operator)
                    .is_some_and(|o| self.text(o) == "=")
            });
        let value = match chained {
            Some(inner_left) if self.l.enter(right) => {
                self.assignment(right, out);
                self.l.leave();
                self.expr(inner_left)
            }
            _ => self.expr(right),
        };
        let target = self.expr(left);
        out.push(Stmt::new(
            sp,
            StmtKind::Bind {
                targets: vec![target],
                values: vec![value],
                declared: None,
            },
        ));
    }

    /// The condition of `if`/`while`/`do`, without its mandatory parentheses.
    fn cond(&mut self, n: Node, field: u16) -> Expr {
        match n.child_by_field_id(field) {
            Some(c) => self.unparen(c),
            None => Lowerer::opaque(n),
        }
    }

    fn unparen(&mut self, n: Node) -> Expr {
        match (kind_of(n), kids(n).first()) {
            ("parenthesized_expression", Some(inner)) => self.expr(*inner),
            _ => self.expr(n),
        }
    }

    fn for_stmt(&mut self, n: Node) -> StmtKind {
        let mut pre = Vec::new();
        let mut head = Vec::new();
        let mut cur = n.walk();
        let inits: Vec<Node> = n.children_by_field_name("init", &mut cur).collect();
        let updates: Vec<Node> = n.children_by_field_name("update", &mut cur).collect();
        for init in inits {
            if kind_of(init) == "local_variable_declaration" {
                self.stmt(init, &mut pre);
            } else if kind_of(init) == "assignment_expression" {
                self.assignment(init, &mut pre);
            } else {
                let e = self.expr(init);
                pre.push(Stmt::new(e.span, StmtKind::Expr(e)));
            }
        }
        if let Some(c) = n.child_by_field_id(F.condition) {
            head.push(self.expr(c));
        }
        // The updates run once per iteration, like the condition.
        for u in updates {
            head.push(self.expr(u));
        }
        let body = self.body(n.child_by_field_id(F.body));
        let lp = StmtKind::Loop { head, body };
        if pre.is_empty() {
            return lp;
        }
        // The initializer runs once, before the loop: keep it in front, scoped with it.
        pre.push(Stmt::new(span(n), lp));
        StmtKind::Block(pre)
    }

    fn try_stmt(&mut self, n: Node) -> StmtKind {
        let body = self.body(n.child_by_field_id(F.body));
        let mut catches = Vec::new();
        let mut finally = Vec::new();
        for c in kids(n) {
            match kind_of(c) {
                "catch_clause" => {
                    let param = kids(c)
                        .into_iter()
                        .find(|p| kind_of(p) == "catch_formal_parameter")
                        .and_then(|p| {
                            let name = p.child_by_field_id(F.name)?;
                            let ty = kids(p).into_iter().find(|t| kind_of(t) == "catch_type");
                            Some(Param {
                                name: self.text(name).to_string(),
                                ty: self.ty(ty, p.child_by_field_id(F.dimensions)),
                                span: span(name),
                            })
                        });
                    let body = self.body(c.child_by_field_id(F.body));
                    catches.push(Catch { param, body });
                }
                "finally_clause" => {
                    if let Some(b) = kids(c).first() {
                        finally = self.body(Some(*b));
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

    /// One resource of a try-with-resources: `T x = e`, or an existing variable (`try (conn)`)
    /// which is bound to itself so that it shows as a binding of the scope.
    fn resource(&mut self, r: Node) -> Option<Stmt> {
        let sp = span(r);
        if kind_of(r) != "resource" {
            return None;
        }
        if let Some(name) = r.child_by_field_id(F.name) {
            let declared = self.ty(
                r.child_by_field_id(F.r#type),
                r.child_by_field_id(F.dimensions),
            );
            let values = r
                .child_by_field_id(F.value)
                .map(|v| vec![self.expr(v)])
                .unwrap_or_default();
            return Some(Stmt::new(
                sp,
                StmtKind::Bind {
                    targets: vec![self.name(name)],
                    values,
                    declared,
                },
            ));
        }
        let var = kids(r)
            .into_iter()
            .find(|c| matches!(kind_of(c), "identifier" | "field_access"))?;
        Some(Stmt::new(
            sp,
            StmtKind::Bind {
                targets: vec![self.expr(var)],
                values: vec![self.expr(var)],
                declared: None,
            },
        ))
    }

    /// A `switch` used as a statement, in either the `case X:` or the `case X ->` form.
    fn switch_stmt(&mut self, n: Node) -> StmtKind {
        let scrutinee = n.child_by_field_id(F.condition).map(|c| self.unparen(c));
        let (arms, _, has_default) = self.switch_arms(n, false);
        StmtKind::Switch {
            scrutinee,
            arms,
            exhaustive: has_default,
        }
    }

    /// A switch expression used as a value; see the module documentation.
    fn switch_expr(&mut self, n: Node) -> ExprKind {
        let mut parts = Vec::new();
        if let Some(c) = n.child_by_field_id(F.condition) {
            parts.push(self.unparen(c));
        }
        self.yields.push(Vec::new());
        let (arms, values, _) = self.switch_arms(n, true);
        let yielded = self.yields.pop().unwrap_or_default();
        if arms.iter().any(|a| !a.is_empty()) {
            // A switch expression always takes one of its arms.
            self.pending.push(Stmt::new(
                span(n),
                StmtKind::Switch {
                    scrutinee: None,
                    arms,
                    exhaustive: true,
                },
            ));
        }
        parts.extend(values);
        parts.extend(yielded);
        ExprKind::Other(parts)
    }

    /// The arms of a switch block; for a switch expression (`as_value`), the values of its
    /// expression arms are returned apart and their arms left empty. Also says whether a label
    /// is `default`.
    fn switch_arms(&mut self, n: Node, as_value: bool) -> (Vec<Block>, Vec<Expr>, bool) {
        let mut arms = Vec::new();
        let mut values = Vec::new();
        let mut has_default = false;
        let Some(block) = n.child_by_field_id(F.body) else {
            return (arms, values, has_default);
        };
        // Statements of `case a:` groups with no statements of their own: they fall into the
        // next group, which is one arm with them.
        let mut carry: Option<Block> = None;
        for c in kids(block) {
            let mut arm = carry.take().unwrap_or_default();
            match kind_of(c) {
                "switch_block_statement_group" => {
                    let mut has_stmts = false;
                    for k in kids(c) {
                        if kind_of(k) == "switch_label" {
                            has_default |= self.label(k, &mut arm);
                        } else {
                            has_stmts = true;
                            self.stmt(k, &mut arm);
                        }
                    }
                    if !has_stmts {
                        carry = Some(arm);
                        continue;
                    }
                }
                "switch_rule" => {
                    for k in kids(c) {
                        match kind_of(k) {
                            "switch_label" => has_default |= self.label(k, &mut arm),
                            "expression_statement" if as_value => {
                                if let Some(e) = kids(k).first() {
                                    values.push(self.expr(*e));
                                }
                            }
                            "block" => arm.extend(self.block(k)),
                            _ => self.stmt(k, &mut arm),
                        }
                    }
                }
                _ => continue,
            }
            arms.push(arm);
        }
        if let Some(arm) = carry {
            arms.push(arm);
        }
        (arms, values, has_default)
    }

    /// Lowers what a `case` label binds or tests (`case Session s when s.isOpen()`) into `arm`;
    /// returns whether the label is `default`.
    fn label(&mut self, label: Node, arm: &mut Block) -> bool {
        let mut is_default = false;
        let mut cur = label.walk();
        for c in label.children(&mut cur) {
            match kind_of(c) {
                "default" => is_default = true,
                // `case null, default ->`
                "identifier" if self.text(c) == "default" => is_default = true,
                "pattern" => {
                    for p in kids(c) {
                        if kind_of(p) != "type_pattern" {
                            continue;
                        }
                        let parts = kids(p);
                        let (Some(ty), Some(name)) = (parts.first(), parts.get(1)) else {
                            continue;
                        };
                        arm.push(Stmt::new(
                            span(p),
                            StmtKind::Bind {
                                targets: vec![self.name(*name)],
                                values: Vec::new(),
                                declared: self.ty(Some(*ty), None),
                            },
                        ));
                    }
                }
                "guard" => {
                    if let Some(g) = kids(c).first() {
                        let e = self.expr(*g);
                        arm.push(Stmt::new(e.span, StmtKind::Expr(e)));
                    }
                }
                _ => {}
            }
        }
        is_default
    }

    // ---------------------------------------------------------------- expressions

    fn expr(&mut self, n: Node) -> Expr {
        if !self.l.enter(n) {
            return Lowerer::opaque(n);
        }
        let e = self.expr_inner(n);
        self.l.leave();
        e
    }

    fn expr_inner(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let kind = match kind_of(n) {
            "identifier" | "type_identifier" | "scoped_identifier" | "scoped_type_identifier" => {
                ExprKind::Name(self.text(n).to_string())
            }
            "this" => ExprKind::Name("this".to_string()),
            "super" => ExprKind::Name("super".to_string()),
            "null_literal" => ExprKind::Lit(Lit::Nil),
            "true" | "false" => ExprKind::Lit(Lit::Bool),
            "decimal_integer_literal" | "hex_integer_literal" | "binary_integer_literal" => {
                ExprKind::Lit(Lit::Num(Expr::int_value(self.text(n))))
            }
            "octal_integer_literal"
            | "decimal_floating_point_literal"
            | "hex_floating_point_literal"
            | "character_literal" => ExprKind::Lit(Lit::Num(None)),
            "unary_expression" => {
                let op = n.child_by_field_id(F.operator).map(|o| self.text(o));
                let Some(operand) = kids(n).into_iter().last() else {
                    return Lowerer::opaque(n);
                };
                let operand = self.expr(operand);
                match (op, &operand.kind) {
                    (Some("!"), _) => ExprKind::Not(Box::new(operand)),
                    (Some("-"), ExprKind::Lit(Lit::Num(Some(v)))) => {
                        ExprKind::Lit(Lit::Num(Some(-v)))
                    }
                    _ => ExprKind::Other(vec![operand]),
                }
            }
            "class_literal" => ExprKind::Lit(Lit::Other),
            "string_literal" => self.string(n),
            "template_expression" => match n.child_by_field_id(F.template_argument) {
                Some(s) => self.string(s),
                None => ExprKind::Other(self.all(n)),
            },
            "field_access" => {
                let base = match n.child_by_field_id(F.object) {
                    Some(o) => self.expr(o),
                    None => Lowerer::opaque(n),
                };
                ExprKind::Field(Box::new(base), self.field_name(n, F.field))
            }
            "method_invocation" => self.call(n),
            "object_creation_expression" => self.construct(n),
            "array_access" => match (n.child_by_field_id(F.array), n.child_by_field_id(F.index)) {
                (Some(a), Some(i)) => {
                    ExprKind::Index(Box::new(self.expr(a)), Box::new(self.expr(i)))
                }
                _ => ExprKind::Other(self.all(n)),
            },
            "parenthesized_expression" => match kids(n).first() {
                Some(inner) => ExprKind::Unary(Box::new(self.expr(*inner))),
                None => ExprKind::Other(Vec::new()),
            },
            "cast_expression" => match n.child_by_field_id(F.value) {
                Some(v) => ExprKind::Unary(Box::new(self.expr(v))),
                None => ExprKind::Other(Vec::new()),
            },
            "binary_expression" => return self.binary(n),
            // The pattern variable of `x instanceof T t` is not modelled.
            "instanceof_expression" => ExprKind::Other(
                n.child_by_field_id(F.left)
                    .map(|l| vec![self.expr(l)])
                    .unwrap_or_default(),
            ),
            "lambda_expression" => {
                ExprKind::Closure(self.function(FnKind::Closure, String::new(), n, None, None))
            }
            "method_reference" => self.method_reference(n),
            "switch_expression" => self.switch_expr(n),
            "array_creation_expression" => {
                let elem = n.child_by_field_id(F.r#type);
                match n.child_by_field_id(F.value) {
                    Some(init) => {
                        let dims = {
                            let mut cur = n.walk();
                            let d: String = n
                                .children_by_field_name("dimensions", &mut cur)
                                .map(|d| self.text(d))
                                .collect();
                            d
                        };
                        let ty = elem.map(|t| TypeRef::new(&format!("{}{dims}", self.text(t))));
                        ExprKind::Construct {
                            ty,
                            fields: self.elements(init),
                        }
                    }
                    // `new T[n][m]`: sizes, not elements.
                    None => {
                        let mut cur = n.walk();
                        let dims: Vec<Node> = n
                            .children_by_field_name("dimensions", &mut cur)
                            .filter(|d| kind_of(d) == "dimensions_expr")
                            .collect();
                        ExprKind::Other(dims.into_iter().flat_map(|d| self.all(d)).collect())
                    }
                }
            }
            "array_initializer" => ExprKind::Construct {
                ty: None,
                fields: self.elements(n),
            },
            // Assignments, `?:`, `!x`, `-x`, `i++`, and anything else: keep the operands.
            _ => ExprKind::Other(self.all(n)),
        };
        Expr::new(sp, kind)
    }

    fn all(&mut self, n: Node) -> Vec<Expr> {
        kids(n).into_iter().map(|c| self.expr(c)).collect()
    }

    fn args(&mut self, list: Node) -> Vec<Expr> {
        self.all(list)
    }

    fn elements(&mut self, init: Node) -> Vec<(Option<String>, Expr)> {
        kids(init)
            .into_iter()
            .map(|c| (None, self.expr(c)))
            .collect()
    }

    /// A string literal or text block; with `\{x}` interpolations (string templates) a
    /// `Format`.
    fn string(&mut self, n: Node) -> ExprKind {
        let text = self.text(n);
        let quote = if text.starts_with("\"\"\"") { 3 } else { 1 };
        let inner = text
            .get(quote..text.len().saturating_sub(quote))
            .unwrap_or_default()
            .to_string();
        let holes: Vec<Node> = kids(n)
            .into_iter()
            .filter(|c| kind_of(c) == "string_interpolation")
            .collect();
        if holes.is_empty() {
            return ExprKind::Lit(Lit::Str(inner));
        }
        let args = holes
            .into_iter()
            .filter_map(|h| kids(h).first().copied())
            .map(|e| FormatArg {
                verb: String::new(),
                expr: self.expr(e),
            })
            .collect();
        ExprKind::Format(Box::new(Format {
            template: Some(inner),
            args,
        }))
    }

    /// `a.b(args)` → `Call { Field(a, "b") }`; `b(args)` → `Call { Name("b") }`;
    /// `Outer.super.b()` → `Call { Field(Field(Outer, "super"), "b") }`.
    fn call(&mut self, n: Node) -> ExprKind {
        let name_node = n.child_by_field_id(F.name);
        let name = name_node
            .map(|c| self.text(c).to_string())
            .unwrap_or_default();
        let object = n.child_by_field_id(F.object);
        let qualified_super = kids(n)
            .into_iter()
            .find(|c| kind_of(c) == "super" && Some(*c) != object);
        let end = name_node.map_or(n.end_byte(), |c| c.end_byte());
        let func = match object {
            Some(o) => {
                let mut base = self.expr(o);
                if let Some(s) = qualified_super {
                    base = Expr::new(
                        Span::new(o.start_byte(), s.end_byte()),
                        ExprKind::Field(Box::new(base), "super".to_string()),
                    );
                }
                Expr::new(
                    Span::new(o.start_byte(), end),
                    ExprKind::Field(Box::new(base), name),
                )
            }
            None => match name_node {
                Some(c) => self.name(c),
                None => Lowerer::opaque(n),
            },
        };
        let args = n
            .child_by_field_id(F.arguments)
            .map(|a| self.args(a))
            .unwrap_or_default();
        self.mark_args(&func, &args);
        ExprKind::Call(Box::new(Call {
            func,
            args,
            keywords: Vec::new(),
        }))
    }

    /// `new T(args)` and `new T(args) { … }`; see the module documentation.
    fn construct(&mut self, n: Node) -> ExprKind {
        let ty_node = n.child_by_field_id(F.r#type);
        let ty = self.ty(ty_node, None);
        let args = n
            .child_by_field_id(F.arguments)
            .map(|a| self.args(a))
            .unwrap_or_default();
        if let (Some(t), Some(tn)) = (&ty, ty_node) {
            let callee = Expr::new(span(tn), ExprKind::Name(t.base().to_string()));
            self.mark_args(&callee, &args);
        }
        let mut fields: Vec<(Option<String>, Expr)> = args.into_iter().map(|a| (None, a)).collect();
        let mut outer = None;
        for c in kids(n) {
            match kind_of(c) {
                "class_body" => fields.extend(self.anonymous_body(c, ty.clone())),
                "argument_list" | "type_arguments" | "annotation" | "marker_annotation" => {}
                _ if Some(c) == ty_node => {}
                // `outer.new Inner()`: the enclosing instance.
                _ => outer = Some(self.expr(c)),
            }
        }
        if let Some(o) = outer {
            fields.push((Some("this".to_string()), o));
        }
        ExprKind::Construct { ty, fields }
    }

    /// `recv::name` is the method as a value, like `recv.name`: `Field(recv, name)`;
    /// `T::new` is `Field(T, "new")`.
    fn method_reference(&mut self, n: Node) -> ExprKind {
        let parts = kids(n);
        let Some(recv) = parts.first() else {
            return ExprKind::Other(Vec::new());
        };
        let name = parts
            .iter()
            .skip(1)
            .rev()
            .find(|c| kind_of(*c) == "identifier")
            .map_or("new", |c| self.text(*c))
            .to_string();
        let base = if is_type_node(kind_of(recv)) {
            Expr::new(
                span(*recv),
                ExprKind::Name(TypeRef::new(self.text(*recv)).0),
            )
        } else {
            self.expr(*recv)
        };
        ExprKind::Field(Box::new(base), name)
    }

    /// `+` chains with a string among their operands are string building: `"a" + x + "b" + y`
    /// → `Format { args: [x, y] }`. Other binary operators keep their operands.
    fn binary(&mut self, n: Node) -> Expr {
        let sp = span(n);
        let is_plus = |j: &Self, b: Node| {
            kind_of(b) == "binary_expression"
                && b.child_by_field_id(F.operator)
                    .is_some_and(|o| j.text(o) == "+")
        };
        if !is_plus(self, n) {
            let (Some(l), Some(r)) = (n.child_by_field_id(F.left), n.child_by_field_id(F.right))
            else {
                return Expr::new(sp, ExprKind::Other(self.all(n)));
            };
            let op = self.l.bin_op(n, F.operator);
            let (l, r) = (self.expr(l), self.expr(r));
            return Expr::new(sp, ExprKind::Binary(op, Box::new(l), Box::new(r)));
        }
        // The left spine, walked without recursion so a long concatenation is not truncated.
        let mut operands = Vec::new();
        let mut cur = n;
        while is_plus(self, cur) {
            let (Some(l), Some(r)) = (
                cur.child_by_field_id(F.left),
                cur.child_by_field_id(F.right),
            ) else {
                break;
            };
            operands.push(r);
            cur = l;
        }
        operands.push(cur);
        operands.reverse();
        let parts: Vec<Expr> = operands.into_iter().map(|o| self.expr(o)).collect();
        let is_string = parts.iter().any(|p| {
            matches!(
                p.peel().kind,
                ExprKind::Lit(Lit::Str(_)) | ExprKind::Format(_)
            )
        });
        if !is_string {
            return Expr::new(sp, ExprKind::Other(parts));
        }
        let mut args = Vec::new();
        for p in parts {
            splice(p, &mut args);
        }
        Expr::new(
            sp,
            ExprKind::Format(Box::new(Format {
                template: None,
                args,
            })),
        )
    }

    /// Records, for each lambda and each anonymous class among `args`, the call it is passed to.
    fn mark_args(&mut self, callee: &Expr, args: &[Expr]) {
        self.l.mark_passed(callee, args);
        let name = callee.path().unwrap_or_else(|| {
            callee
                .hint_name()
                .map_or_else(|| "<call>".to_string(), str::to_string)
        });
        for (i, a) in args.iter().enumerate() {
            let ExprKind::Construct { fields, .. } = &a.peel().kind else {
                continue;
            };
            for (_, f) in fields {
                let ExprKind::Closure(id) = f.kind else {
                    continue;
                };
                let func = &mut self.l.unit.functions[id];
                if func.implements.is_some() {
                    func.passed_to = Some(PassedTo {
                        callee: name.clone(),
                        arg: i,
                        span: callee.span,
                    });
                }
            }
        }
    }
}

/// Adds an operand of a string concatenation to `args`: literals are template text, a nested
/// concatenation contributes its own operands.
fn splice(e: Expr, args: &mut Vec<FormatArg>) {
    let (is_lit, is_concat) = match &e.peel().kind {
        ExprKind::Lit(_) => (true, false),
        ExprKind::Format(f) => (false, f.template.is_none()),
        _ => (false, false),
    };
    if is_lit {
        return;
    }
    if !is_concat {
        args.push(FormatArg {
            verb: String::new(),
            expr: e,
        });
        return;
    }
    let mut e = e;
    loop {
        let sp = e.span;
        match e.kind {
            ExprKind::Unary(inner) => e = *inner,
            ExprKind::Format(f) => {
                args.extend(f.args);
                return;
            }
            kind => {
                args.push(FormatArg {
                    verb: String::new(),
                    expr: Expr::new(sp, kind),
                });
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Function;

    fn unit(src: &str) -> Unit {
        lower(src).expect("lowers")
    }

    fn func<'u>(u: &'u Unit, name: &str) -> &'u Function {
        u.functions
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no function {name}"))
    }

    /// A compact rendering of an expression, to assert shapes in one line.
    fn show(e: &Expr) -> String {
        let list =
            |es: &mut dyn Iterator<Item = &Expr>| es.map(show).collect::<Vec<_>>().join(", ");
        match &e.kind {
            ExprKind::Name(n) => n.clone(),
            ExprKind::Field(b, n) => format!("{}.{n}", show(b)),
            ExprKind::Call(c) => format!("{}({})", show(&c.func), list(&mut c.args.iter())),
            ExprKind::Lit(Lit::Str(s)) => format!("{s:?}"),
            ExprKind::Lit(Lit::Num(_)) => "Num".into(),
            ExprKind::Lit(l) => format!("{l:?}"),
            ExprKind::Format(f) => format!(
                "fmt[{}]",
                f.args
                    .iter()
                    .map(|a| format!("{}{}", a.verb, show(&a.expr)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Index(a, b) => format!("{}[{}]", show(a), show(b)),
            ExprKind::In(a, b) => format!("{} in {}", show(a), show(b)),
            ExprKind::Closure(id) => format!("closure#{id}"),
            ExprKind::Construct { ty, fields } => format!(
                "new {}{{{}}}",
                ty.as_ref().map_or("?", |t| t.0.as_str()),
                fields
                    .iter()
                    .map(|(n, e)| match n {
                        Some(n) => format!("{n}: {}", show(e)),
                        None => show(e),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ExprKind::Unary(e) => format!("({})", show(e)),
            ExprKind::Not(e) => format!("!{}", show(e)),
            ExprKind::Binary(_, a, b) => format!("other({}, {})", show(a), show(b)),
            ExprKind::Other(es) => format!("other({})", list(&mut es.iter())),
        }
    }

    /// One line per statement, nested blocks indented by their nesting.
    fn lines(block: &Block) -> Vec<String> {
        let mut out = Vec::new();
        render(block, 0, &mut out);
        out
    }

    fn render(block: &Block, depth: usize, out: &mut Vec<String>) {
        let pad = "  ".repeat(depth);
        let exprs = |es: &[Expr]| es.iter().map(show).collect::<Vec<_>>().join(", ");
        for s in block {
            match &s.kind {
                StmtKind::Expr(e) => out.push(format!("{pad}{}", show(e))),
                StmtKind::Bind {
                    targets,
                    values,
                    declared,
                } => out.push(format!(
                    "{pad}{}{} = {}",
                    exprs(targets),
                    declared
                        .as_ref()
                        .map_or(String::new(), |t| format!(": {}", t.0)),
                    exprs(values)
                )),
                StmtKind::Return(es) => out.push(format!("{pad}return {}", exprs(es))),
                StmtKind::Throw(e) => out.push(format!(
                    "{pad}throw {}",
                    e.as_ref().map(show).unwrap_or_default()
                )),
                StmtKind::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    out.push(format!("{pad}if {}", show(cond)));
                    render(then, depth + 1, out);
                    out.push(format!("{pad}else"));
                    render(otherwise, depth + 1, out);
                }
                StmtKind::Switch {
                    scrutinee,
                    arms,
                    exhaustive,
                } => {
                    out.push(format!(
                        "{pad}switch {} exhaustive={exhaustive}",
                        scrutinee.as_ref().map(show).unwrap_or_default()
                    ));
                    for arm in arms {
                        out.push(format!("{pad}arm"));
                        render(arm, depth + 1, out);
                    }
                }
                StmtKind::Loop { head, body } => {
                    out.push(format!("{pad}loop {}", exprs(head)));
                    render(body, depth + 1, out);
                }
                StmtKind::Try {
                    body,
                    catches,
                    finally,
                } => {
                    out.push(format!("{pad}try"));
                    render(body, depth + 1, out);
                    for c in catches {
                        let p = c.param.as_ref().map_or(String::new(), |p| {
                            format!(
                                "{}: {}",
                                p.name,
                                p.ty.as_ref().map_or("?", |t| t.0.as_str())
                            )
                        });
                        out.push(format!("{pad}catch {p}"));
                        render(&c.body, depth + 1, out);
                    }
                    out.push(format!("{pad}finally"));
                    render(finally, depth + 1, out);
                }
                StmtKind::Scoped { bindings, body } => {
                    out.push(format!("{pad}scoped"));
                    render(bindings, depth + 1, out);
                    out.push(format!("{pad}in"));
                    render(body, depth + 1, out);
                }
                StmtKind::Defer(e) => out.push(format!("{pad}defer {}", show(e))),
                StmtKind::Break => out.push(format!("{pad}break")),
                StmtKind::Continue => out.push(format!("{pad}continue")),
                StmtKind::Goto(l) => out.push(format!("{pad}goto {l}")),
                StmtKind::Label(l) => out.push(format!("{pad}{l}:")),
                StmtKind::Block(b) => {
                    out.push(format!("{pad}block"));
                    render(b, depth + 1, out);
                }
            }
        }
    }

    fn method_body(src: &str) -> Vec<String> {
        let u = unit(&format!("class T {{ void m() {{\n{src}\n}} }}"));
        lines(&func(&u, "m").body)
    }

    fn types(params: &[Param]) -> Vec<(String, String)> {
        params
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.ty.as_ref().map_or("?".to_string(), |t| t.0.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn types_members_fields_and_signatures() {
        let u = unit(
            "package p;\nimport java.util.*;\n\
             public class Outer<T> {\n\
               private final Map<String, Session> streams = new HashMap<>(), spare;\n\
               int counts[];\n\
               static { init(); }\n\
               Outer(Connection conn, @Nonnull final String name) { super(); }\n\
               public static <K> List<K> find(HttpServletRequest req, int... ids) throws IOException { return null; }\n\
               abstract void hook(Context ctx);\n\
               static class Inner { Thread worker; void run() {} }\n\
               interface Api { int LIMIT = 10; void call(); default String id() { return \"\"; } }\n\
               enum Kind { PLAIN, NAMED(\"n\") { int arity() { return 1; } }; String label; Kind() {} }\n\
               record Key(String host, int port) { Key { check(host); } }\n\
             }",
        );
        let fields = types(&u.fields);
        assert_eq!(
            fields,
            [
                ("streams", "Map<String,Session>"),
                ("spare", "Map<String,Session>"),
                ("counts", "int[]"),
                ("worker", "Thread"),
                ("LIMIT", "int"),
                ("PLAIN", "Kind"),
                ("NAMED", "Kind"),
                ("label", "String"),
                ("host", "String"),
                ("port", "int"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        let ctor = func(&u, "Outer");
        assert_eq!(ctor.kind, FnKind::Method);
        assert!(ctor.results.is_empty());
        assert_eq!(
            types(&ctor.params),
            [("conn", "Connection"), ("name", "String")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(lines(&ctor.body), ["super()"]);
        let find = func(&u, "find");
        assert_eq!(
            types(&find.params),
            [("req", "HttpServletRequest"), ("ids", "int[]")]
                .map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(find.results, [TypeRef::new("List<K>")]);
        assert!(func(&u, "run").results.is_empty(), "void has no result");
        assert_eq!(func(&u, "id").results, [TypeRef::new("String")]);
        // Bodiless methods are not functions.
        assert!(!u
            .functions
            .iter()
            .any(|f| f.name == "hook" || f.name == "call"));
        // The compact constructor takes the record's components.
        assert_eq!(types(&func(&u, "Key").params).len(), 2);
        // The enum constant's body is an anonymous class of the enum.
        let arity = func(&u, "arity");
        assert_eq!(arity.kind, FnKind::Closure);
        assert_eq!(arity.implements, Some(TypeRef::new("Kind")));
        // Field initialisers and static blocks run at the top level.
        assert_eq!(
            lines(&u.functions[0].body),
            [
                "streams: Map<String,Session> = new HashMap<>{}",
                "block",
                "  init()",
                "LIMIT: int = Num",
                &format!(
                    "NAMED: Kind = new Kind{{\"n\", arity: closure#{}}}",
                    u.functions.iter().position(|f| f.name == "arity").unwrap()
                ),
            ]
        );
    }

    #[test]
    fn lambdas_know_their_call() {
        let u = unit(
            "class T { void m() {\n\
               cache.computeIfAbsent(key, k -> load(k));\n\
               pool.submit((String s, int n) -> { return s; });\n\
               Runnable r = () -> go();\n\
               new Thread((a, b) -> a);\n\
             } }",
        );
        let closures: Vec<&Function> = u
            .functions
            .iter()
            .filter(|f| f.kind == FnKind::Closure)
            .collect();
        assert_eq!(closures.len(), 4);
        let to = |f: &Function| f.passed_to.as_ref().map(|p| (p.callee.clone(), p.arg));
        assert_eq!(
            to(closures[0]),
            Some(("cache.computeIfAbsent".to_string(), 1))
        );
        assert_eq!(lines(&closures[0].body), ["return load(k)"]);
        assert_eq!(
            types(&closures[0].params),
            [("k".to_string(), "?".to_string())]
        );
        assert_eq!(to(closures[1]), Some(("pool.submit".to_string(), 0)));
        assert_eq!(
            types(&closures[1].params),
            [("s", "String"), ("n", "int")].map(|(a, b)| (a.to_string(), b.to_string()))
        );
        assert_eq!(to(closures[2]), None);
        assert_eq!(to(closures[3]), Some(("Thread".to_string(), 0)));
        assert_eq!(types(&closures[3].params).len(), 2);
        let m = func(&u, "m");
        assert!(closures.iter().all(|c| c.parent == Some(1)));
        assert_eq!(lines(&m.body)[2], "r: Runnable = closure#4");
    }

    #[test]
    fn anonymous_classes_are_closures_passed_to_the_call() {
        let u = unit(
            "class T { Object m(String key) {\n\
               return template.execute(new SessionCallback<Object>() {\n\
                 private int tries = 3;\n\
                 @Override public Object execute(RedisOperations ops) throws DataAccessException {\n\
                   ops.multi(); return ops.exec();\n\
                 }\n\
                 void helper() { new Timer(new TimerTask() { public void run() {} }); }\n\
               });\n\
             } }",
        );
        let execute = func(&u, "execute");
        assert_eq!(execute.kind, FnKind::Closure);
        assert_eq!(
            execute.implements,
            Some(TypeRef::new("SessionCallback<Object>"))
        );
        let to = execute.passed_to.as_ref().expect("passed");
        assert_eq!((to.callee.as_str(), to.arg), ("template.execute", 0));
        assert_eq!(execute.parent, Some(1));
        assert_eq!(
            types(&execute.params),
            [("ops".to_string(), "RedisOperations".to_string())]
        );
        assert_eq!(execute.results, [TypeRef::new("Object")]);
        assert_eq!(lines(&execute.body), ["ops.multi()", "return ops.exec()"]);
        let helper = func(&u, "helper");
        assert_eq!(
            helper.passed_to.as_ref().unwrap().callee,
            "template.execute"
        );
        // Nested: an anonymous class passed to a constructor.
        let run = func(&u, "run");
        assert_eq!(run.implements, Some(TypeRef::new("TimerTask")));
        assert_eq!(run.passed_to.as_ref().unwrap().callee, "Timer");
        let helper_id = u.functions.iter().position(|f| f.name == "helper");
        assert_eq!(run.parent, helper_id);
        let ids: Vec<usize> = ["execute", "helper"]
            .iter()
            .map(|n| u.functions.iter().position(|f| f.name == *n).unwrap())
            .collect();
        assert_eq!(
            lines(&func(&u, "m").body),
            [format!(
                "return template.execute(new SessionCallback<Object>{{tries: Num, execute: closure#{}, helper: closure#{}}})",
                ids[0], ids[1]
            )]
        );
        assert_eq!(u.field_type("tries"), Some(&TypeRef::new("int")));
    }

    #[test]
    fn locals_and_assignments_bind() {
        assert_eq!(
            method_body(
                "String key = ctx.toString(), other;\n\
                 var v = load();\n\
                 int[] xs = {1, n};\n\
                 byte buf[] = new byte[size];\n\
                 key = other;\n\
                 this.key = key;\n\
                 a = b = c;\n\
                 total += n;\n\
                 i++;"
            ),
            [
                "key: String = ctx.toString()",
                "other: String = ",
                "v = load()",
                "xs: int[] = new ?{Num, n}",
                "buf: byte[] = other(size)",
                "key = other",
                "this.key = key",
                "b = c",
                "a = b",
                "other(total, n)",
                "other(i)",
            ]
        );
    }

    #[test]
    fn branches_and_loops() {
        assert_eq!(
            method_body(
                "if (a) go(); else if (b) { stop(); } else { }\n\
                 while (more()) { if (x) break; else continue; }\n\
                 do { step(); } while (again);\n\
                 for (int i = 0, j = 1; i < n; i++, j--) use(i);\n\
                 for (;;) {}\n\
                 for (Session s : sessions) close(s);\n\
                 outer: for (var x : xs) break outer;\n\
                 synchronized (lock) { count++; }"
            ),
            [
                "if a",
                "  go()",
                "else",
                "  if b",
                "    stop()",
                "  else",
                "loop more()",
                "  if x",
                "    break",
                "  else",
                "    continue",
                "loop again",
                "  step()",
                "block",
                "  i: int = Num",
                "  j: int = Num",
                "  loop other(i, n), other(i), other(j)",
                "    use(i)",
                "loop ",
                "loop sessions",
                "  s: Session = ",
                "  close(s)",
                "loop xs",
                "  x = ",
                "  break",
                "block",
                "  lock",
                "  other(count)",
            ]
        );
    }

    #[test]
    fn switches_old_and_arrow() {
        assert_eq!(
            method_body(
                "switch (k) { case 1: case 2: one(); break; case 3: three(); default: other(); }\n\
                 switch (kind) { case A -> a(); case B -> { b(); } }\n\
                 switch (o) { case Session s when s.isOpen() -> use(s); case null, default -> throw new X(); }"
            ),
            [
                "switch k exhaustive=true",
                "arm",
                "  one()",
                "  break",
                "arm",
                "  three()",
                "arm",
                "  other()",
                "switch kind exhaustive=false",
                "arm",
                "  a()",
                "arm",
                "  b()",
                "switch o exhaustive=true",
                "arm",
                "  s: Session = ",
                "  s.isOpen()",
                "  use(s)",
                "arm",
                "  throw new X{}",
            ]
        );
    }

    #[test]
    fn switch_expressions_hoist_their_block_arms() {
        assert_eq!(
            method_body(
                "String key = switch (t) {\n\
                   case A -> \"a\" + ctx;\n\
                   default -> { log(); yield name; }\n\
                 };"
            ),
            [
                "switch  exhaustive=true",
                "arm",
                "arm",
                "  log()",
                "  break",
                "key: String = other(t, fmt[ctx], name)",
            ]
        );
        // A lambda's expression body keeps its own hoisted statements.
        let u = unit("class T { void m() { f(x -> switch (x) { default -> { yield g(); } }); } }");
        let lambda = u
            .functions
            .iter()
            .find(|f| f.kind == FnKind::Closure)
            .unwrap();
        assert_eq!(
            lines(&lambda.body),
            [
                "switch  exhaustive=true",
                "arm",
                "  break",
                "return other(x, g())"
            ]
        );
        assert_eq!(lines(&func(&u, "m").body), ["f(closure#2)"]);
    }

    #[test]
    fn try_catch_finally_and_resources() {
        assert_eq!(
            method_body(
                "try { a(); } catch (IOException | SQLException e) { throw e; } catch (Exception e) { } finally { done(); }\n\
                 try (Jedis j = pool.getResource(); var c = open()) { j.get(k); }\n\
                 try (conn; this.stream) { use(); } catch (Exception e) { return; }"
            ),
            [
                "try",
                "  a()",
                "catch e: IOException|SQLException",
                "  throw e",
                "catch e: Exception",
                "finally",
                "  done()",
                "scoped",
                "  j: Jedis = pool.getResource()",
                "  c = open()",
                "in",
                "  j.get(k)",
                "scoped",
                "  conn = conn",
                "  this.stream = this.stream",
                "in",
                "  try",
                "    use()",
                "  catch e: Exception",
                "    return ",
                "  finally",
            ]
        );
    }

    #[test]
    fn calls_fields_indexes_and_names() {
        assert_eq!(
            method_body(
                "streams.get(key);\n\
                 register(this);\n\
                 String.valueOf(x);\n\
                 java.util.Objects.toString(conn);\n\
                 this.registry.remove(this.key);\n\
                 super.close();\n\
                 Outer.super.close();\n\
                 return arr[i].name + cache.get(k)[0];"
            ),
            [
                "streams.get(key)",
                "register(this)",
                "String.valueOf(x)",
                "java.util.Objects.toString(conn)",
                "this.registry.remove(this.key)",
                "super.close()",
                "Outer.super.close()",
                "return other(arr[i].name, cache.get(k)[Num])",
            ]
        );
        let u = unit("class T { void m() { this.map.get(k); } }");
        let StmtKind::Expr(e) = &func(&u, "m").body[0].kind else {
            panic!("expr")
        };
        let ExprKind::Call(call) = &e.kind else {
            panic!("call")
        };
        assert_eq!(call.func.path().as_deref(), Some("this.map.get"));
        assert_eq!(call.name(), Some("get"));
        assert_eq!(
            call.receiver().and_then(Expr::path).as_deref(),
            Some("this.map")
        );
    }

    #[test]
    fn string_building_is_a_format() {
        assert_eq!(
            method_body(
                "a = \"k:\" + ctx + \"/\" + id;\n\
                 b = \"\" + session;\n\
                 c = x + \"\";\n\
                 d = \"p\" + (q + \"r\" + s);\n\
                 e = host + port;\n\
                 f = 1 + 2;\n\
                 g = \"\"\"\n    text block\n    \"\"\";\n\
                 h = \"plain\";\n\
                 i = STR.\"id \\{user} at \\{ctx}\";"
            ),
            [
                "a = fmt[ctx, id]",
                "b = fmt[session]",
                "c = fmt[x]",
                "d = fmt[q, s]",
                "e = other(host, port)",
                "f = other(Num, Num)",
                "g = \"\\n    text block\\n    \"",
                "h = \"plain\"",
                "i = fmt[user, ctx]",
            ]
        );
        // The format spans the whole concatenation.
        let src = "class T { void m() { k = \"a\" + ctx + \"b\"; } }";
        let u = unit(src);
        let StmtKind::Bind { values, .. } = &func(&u, "m").body[0].kind else {
            panic!("bind")
        };
        assert_eq!(&src[values[0].span.range()], "\"a\" + ctx + \"b\"");
    }

    #[test]
    fn object_creation_and_references() {
        assert_eq!(
            method_body(
                "m = new HashMap<String, Conn>();\n\
                 p = new Pair(a, \"b\");\n\
                 i = outer.new Inner(1);\n\
                 f = String::valueOf;\n\
                 g = Conn::new;\n\
                 h = this::close;\n\
                 c = (String) o;\n\
                 b = o instanceof Session s && !done;\n\
                 t = ok ? x : y;\n\
                 k = Foo.class;"
            ),
            [
                "m = new HashMap<String,Conn>{}",
                "p = new Pair{a, \"b\"}",
                "i = new Inner{Num, this: outer}",
                "f = String.valueOf",
                "g = Conn.new",
                "h = this.close",
                "c = (o)",
                "b = other(other(o), !done)",
                "t = other(ok, x, y)",
                "k = Other",
            ]
        );
    }

    #[test]
    fn local_classes_and_top_level_statements() {
        let u = unit(
            "class T { void m() { class Local { String k = \"\" + ctx; void run() { go(); } } } }",
        );
        let run = func(&u, "run");
        assert_eq!(run.kind, FnKind::Method);
        assert_eq!(run.parent, Some(1));
        assert!(func(&u, "m").body.is_empty());
        assert_eq!(lines(&u.functions[0].body), ["k: String = fmt[ctx]"]);
    }

    #[test]
    fn syntax_errors_are_recorded_and_the_rest_is_lowered() {
        let u = unit(
            "class A {\n  void f() { int x = ; foo(; }\n  void g() { m.put(k, v); }\n  int h( { return 1; }\n  void i() { n.get(q); }\n}",
        );
        assert!(!u.syntax_errors.is_empty());
        assert_eq!(lines(&func(&u, "g").body), ["m.put(k, v)"]);
        assert_eq!(lines(&func(&u, "i").body), ["n.get(q)"]);
        // Garbage never panics.
        for src in [
            "class",
            "class A { void",
            "}}}{{{",
            "new X() {",
            "a -> ;",
            "switch (",
        ] {
            let _ = unit(src);
        }
    }

    #[test]
    fn deep_nesting_is_truncated_not_overflowed() {
        let depth = 5000;
        let src = format!(
            "class T {{ int x = {}1{}; }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        assert!(unit(&src).truncated_at.is_some());
        let classes = format!("{}{}", "class C { ".repeat(depth), "}".repeat(depth));
        assert!(unit(&classes).truncated_at.is_some());
        // A long concatenation is flattened, not truncated.
        let concat = format!("class T {{ String s = \"a\"{}; }}", " + x".repeat(depth));
        let u = unit(&concat);
        assert!(u.truncated_at.is_none());
        let StmtKind::Bind { values, .. } = &u.functions[0].body[0].kind else {
            panic!("bind")
        };
        let ExprKind::Format(f) = &values[0].kind else {
            panic!("format")
        };
        assert_eq!(f.args.len(), depth);
    }
}
