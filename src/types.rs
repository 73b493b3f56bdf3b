//! The type environment of one function: what each local holds, and the type of an expression.
//!
//! Built once per function from, in source order:
//! - parameters (Python's `self` is typed with its class by the frontend) and catch parameters;
//! - declared locals (`T x = …`, `var x T`, `let x: T`, `x: T = …`);
//! - the value bound: a constructor (`new T(…)`, `T{…}`, `&T{…}`, Python `T(…)` of a project
//!   class), or a call whose declared result is known: a function or method of the file, or of
//!   the project through the index (Go's `a, err := pkg.Open()` takes the first result);
//! - for closures, the environment of the functions around them.
//!
//! A name bound to two different types, or once to a value of unknown type, is unknown. An
//! expression's type is then read structurally: a name, `this` / `self` (the owner type), a
//! field of a typed value (project types through the index, fields of the file), a method call
//! on a typed value, a call of a known function. Unknown stays unknown: every question may be
//! answered `None`, and no answer is a guess from a name.

use crate::index::{Ctx, FileId, ResourceType, TextFact, TextForm, TypeKey};
use crate::model::{walk_stmts, Expr, ExprKind, FnKind, FuncId, Lang, StmtKind, TypeRef, Unit};
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;

/// A type as written, and where: `None` for the checked file, else the index file whose
/// declaration it was read from (a result or field type of another file), so that it resolves
/// through that file's imports.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ty {
    text: TypeRef,
    scope: Option<FileId>,
}

/// What a local holds: a type, or `None` once two bindings disagree or one is unknown.
type Slot = Option<Ty>;

/// Where a local's value comes from, kept until its type is asked.
#[derive(Clone, Copy)]
enum Source<'a> {
    Declared(&'a TypeRef),
    Value(&'a Expr),
    /// Result `i` of a call bound to several targets (`a, err := f()`).
    Result(&'a Expr, usize),
    Unknown,
}

pub struct TypeEnv<'a> {
    ctx: &'a Ctx<'a>,
    unit: &'a Unit,
    func: FuncId,
    /// Each local's bindings, in source order; a parameter replaces what enclosing functions
    /// bound under its name.
    sources: HashMap<&'a str, Vec<Source<'a>>>,
    /// Types worked out so far. A local being worked out is `None` meanwhile, so that a binding
    /// that refers to itself (`x = f(x)`) stays unknown instead of looping.
    memo: RefCell<HashMap<&'a str, Slot>>,
}

impl<'a> TypeEnv<'a> {
    /// The environment of function `func` of `unit`. Nothing is resolved until asked: the
    /// bindings are only collected, so that the index is asked only about what a check needs.
    pub fn new(ctx: &'a Ctx<'a>, unit: &'a Unit, func: FuncId) -> TypeEnv<'a> {
        let mut env = TypeEnv {
            ctx,
            unit,
            func,
            sources: HashMap::new(),
            memo: RefCell::new(HashMap::new()),
        };
        // Outermost first: a closure sees the locals of the functions around it.
        let mut chain: Vec<FuncId> =
            std::iter::successors(Some(func), |&f| unit.functions[f].parent).collect();
        chain.reverse();
        for f in chain {
            env.add_function(f);
        }
        env
    }

    fn add_function(&mut self, id: FuncId) {
        let unit = self.unit;
        let f = &unit.functions[id];
        for p in &f.params {
            if !p.name.is_empty() && p.name != "_" {
                let src = p.ty.as_ref().map_or(Source::Unknown, Source::Declared);
                self.sources.insert(&p.name, vec![src]);
            }
        }
        walk_stmts(&f.body, &mut |s| match &s.kind {
            StmtKind::Bind {
                targets,
                values,
                declared,
            } => {
                for (i, t) in targets.iter().enumerate() {
                    let src = if let Some(d) = declared {
                        Source::Declared(d)
                    } else if values.len() == targets.len() {
                        Source::Value(&values[i])
                    } else if let [v] = values.as_slice() {
                        Source::Result(v, i)
                    } else {
                        Source::Unknown
                    };
                    if let ExprKind::Name(n) = &t.peel().kind {
                        self.bind(n, src);
                    }
                }
            }
            StmtKind::Try { catches, .. } => {
                for c in catches {
                    if let Some(p) = &c.param {
                        let src = p.ty.as_ref().map_or(Source::Unknown, Source::Declared);
                        self.bind(&p.name, src);
                    }
                }
            }
            _ => {}
        });
    }

    fn bind(&mut self, name: &'a str, src: Source<'a>) {
        if name == "_" || name.is_empty() {
            return;
        }
        self.sources.entry(name).or_default().push(src);
    }

    /// A local's type: the type every one of its bindings gives it, else unknown.
    fn local_type(&self, name: &'a str, depth: usize) -> Slot {
        if let Some(t) = self.memo.borrow().get(name) {
            return t.clone();
        }
        let sources = self.sources.get(name)?;
        self.memo.borrow_mut().insert(name, None);
        let mut found: Option<Ty> = None;
        for src in sources {
            let t = match *src {
                Source::Declared(t) => Some(local(t.clone())),
                Source::Value(v) => self.ty(v, depth + 1),
                Source::Result(v, i) => self.results_of(v).and_then(|r| r.get(i).cloned()),
                Source::Unknown => None,
            };
            match (t, &found) {
                (None, _) => {
                    found = None;
                    break;
                }
                (Some(t), None) => found = Some(t),
                (Some(t), Some(f)) if t == *f => {}
                (Some(_), Some(_)) => {
                    found = None;
                    break;
                }
            }
        }
        self.memo.borrow_mut().insert(name, found.clone());
        found
    }

    /// The values local `name` is bound to, when each of its bindings is a plain value: not a
    /// parameter, a declared type, or one result of several.
    pub fn values_of(&self, name: &str) -> Option<Vec<&'a Expr>> {
        self.sources
            .get(name)?
            .iter()
            .map(|s| match *s {
                Source::Value(v) => Some(v),
                _ => None,
            })
            .collect()
    }

    /// The type of an expression as written where it is declared, when it is known.
    pub fn type_of(&self, e: &Expr) -> Option<TypeRef> {
        self.ty(e, 0).map(|t| t.text)
    }

    /// The project type of an expression's value.
    pub fn project_type(&self, e: &Expr) -> Option<TypeKey> {
        let t = self.ty(e, 0)?;
        self.resolve(&t)
    }

    /// Whether the expression's value is a project resource, and how it is released.
    pub fn resource_type(&self, e: &Expr) -> Option<ResourceType> {
        self.ctx.resource_of(self.project_type(e)?)
    }

    /// What the expression's value prints as, when it is a project type whose text is known.
    pub fn text_fact(&self, e: &Expr) -> Option<TextFact> {
        self.ctx.text_of(self.project_type(e)?)
    }

    /// [`TypeEnv::text_fact`] for one form of its text (Rust's `Display` or `Debug`).
    pub fn text_fact_as(&self, e: &Expr, form: TextForm) -> Option<TextFact> {
        self.ctx.text_of_as(self.project_type(e)?, form)
    }

    fn resolve(&self, t: &Ty) -> Option<TypeKey> {
        match t.scope {
            Some(f) => self.ctx.resolve_at(f, &t.text),
            None => self.ctx.resolve(&t.text),
        }
    }

    fn ty(&self, e: &Expr, depth: usize) -> Option<Ty> {
        if depth > 16 {
            return None;
        }
        match &e.kind {
            ExprKind::Unary(inner) => self.ty(inner, depth + 1),
            ExprKind::Name(n) => self.name_type(n),
            ExprKind::Field(base, name) => {
                if self.is_package(base) {
                    return None;
                }
                let bt = self.ty(base, depth + 1)?;
                self.field_of(&bt, name)
            }
            ExprKind::Construct { ty: Some(t), .. } => Some(local(t.clone())),
            ExprKind::Call(_) => self.results_of(e)?.into_iter().next(),
            _ => None,
        }
    }

    /// A name: a local, the receiver, a field of the owner (Java's bare field names), a global
    /// of the file.
    fn name_type(&self, n: &str) -> Option<Ty> {
        if let Some((&key, _)) = self.sources.get_key_value(n) {
            return self.local_type(key, 0);
        }
        if matches!(n, "this" | "self") {
            return self.method()?.owner.as_deref().map(TypeRef::new).map(local);
        }
        if self.unit.lang == Lang::Java {
            if let Some(t) = self.owner_decl() {
                if let Some(f) = t.field(n) {
                    return f.ty.clone().map(local);
                }
            }
        }
        if self.unit.import_named(n).is_some() {
            return None;
        }
        self.unit.field_type(n).cloned().map(local)
    }

    /// The method around the current function (closures see their enclosing method's owner).
    fn method(&self) -> Option<&'a crate::model::Function> {
        let unit = self.unit;
        std::iter::successors(Some(self.func), |&f| unit.functions[f].parent)
            .map(|f| &unit.functions[f])
            .find(|f| f.kind == FnKind::Method)
    }

    fn owner_decl(&self) -> Option<&'a crate::model::TypeDecl> {
        let owner = self.method()?.owner.as_deref()?;
        self.unit.type_named(owner).map(|t| &self.unit.types[t])
    }

    /// Whether `e` names an imported package or module (`fmt`, `os.path`), not a value.
    fn is_package(&self, e: &Expr) -> bool {
        match &e.peel().kind {
            ExprKind::Name(n) => {
                !self.sources.contains_key(n.as_str()) && self.unit.import_named(n).is_some()
            }
            _ => false,
        }
    }

    /// Whether `e` is the name of a class (Java, Python: `Util` of `Util.open()`), not a value.
    fn names_type(&self, e: &Expr) -> bool {
        let ExprKind::Name(n) = &e.peel().kind else {
            return false;
        };
        matches!(self.unit.lang, Lang::Java | Lang::Python)
            && !self.sources.contains_key(n.as_str())
            && n.starts_with(|c: char| c.is_ascii_uppercase())
            && (self.unit.type_named(n).is_some() || self.ctx.resolve(&TypeRef::new(n)).is_some())
    }

    /// A type of the checked file named by `t`, when `t` is written there unqualified.
    fn own_decl(&self, t: &Ty) -> Option<&'a crate::model::TypeDecl> {
        if t.scope.is_some() || t.text.base().contains(['.', ':']) {
            return None;
        }
        self.unit
            .type_named(t.text.simple())
            .map(|i| &self.unit.types[i])
    }

    /// The type of field `name` of a value of type `t`: a type of the file, else of the project.
    fn field_of(&self, t: &Ty, name: &str) -> Option<Ty> {
        if let Some(d) = self.own_decl(t) {
            if let Some(f) = d.field(name) {
                return f.ty.clone().map(local);
            }
        }
        let k = self.resolve(t)?;
        let (file, ty) = self.ctx.field(k, name)?;
        Some(self.scoped(file, ty))
    }

    /// A type read from index file `file`: local when that is the checked file.
    fn scoped(&self, file: FileId, text: TypeRef) -> Ty {
        Ty {
            text,
            scope: (Some(file) != self.ctx.file).then_some(file),
        }
    }

    /// The declared results of a call: a method of a typed receiver, a function of the file
    /// or the project, a project class constructed by a call (Python).
    fn results_of(&self, e: &Expr) -> Option<Vec<Ty>> {
        let ExprKind::Call(call) = &e.peel().kind else {
            return None;
        };
        let name = call.name()?;
        match call.receiver() {
            Some(recv) if !self.is_package(recv) || self.names_type(recv) => {
                // A static method of a class named by the receiver (`Util.open()`), else a
                // method of the receiver's type.
                let rt = match self.ty(recv, 1) {
                    Some(t) => t,
                    None if self.names_type(recv) => local(TypeRef::new(&recv.path()?)),
                    None => return None,
                };
                if let Some(m) = self.own_decl(&rt).and_then(|d| d.method(name)) {
                    return Some(m.results.iter().cloned().map(local).collect());
                }
                let k = self.resolve(&rt)?;
                let (file, results) = self.ctx.method(k, name)?;
                Some(results.into_iter().map(|r| self.scoped(file, r)).collect())
            }
            _ => {
                let path = call.func.path()?;
                // A function of this file.
                if call.receiver().is_none() {
                    let mut found = self.unit.functions.iter().filter(|f| {
                        f.kind == FnKind::Function && f.name == path && f.owner.is_none()
                    });
                    if let (Some(f), None) = (found.next(), found.next()) {
                        return Some(f.results.iter().cloned().map(local).collect());
                    }
                }
                if let Some(k) = self.ctx.function(&path) {
                    let results = self.ctx.index.fn_info(k).results.clone();
                    return Some(
                        results
                            .into_iter()
                            .map(|r| self.scoped(k.file, r))
                            .collect(),
                    );
                }
                // Python: `Foo(…)` constructs a class of the file or the project.
                if self.unit.lang == Lang::Python {
                    let ty = TypeRef::new(&path);
                    if self.unit.type_named(&path).is_some() || self.ctx.resolve(&ty).is_some() {
                        return Some(vec![local(ty)]);
                    }
                }
                None
            }
        }
    }
}

fn local(text: TypeRef) -> Ty {
    Ty { text, scope: None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{summarize, Index};

    /// The type of the value bound last in function `func` (by name) of `files[0]`, with the
    /// whole `files` as the project.
    fn type_at(files: &[(&str, &str)], func: &str, expr_name: &str) -> Option<String> {
        let mut decls = Vec::new();
        let mut units = Vec::new();
        for (path, src) in files {
            let lang = Lang::from_path(std::path::Path::new(path)).unwrap();
            let unit = crate::frontend::lower(lang, src).unwrap();
            decls.push(summarize(path, &unit));
            units.push(unit);
        }
        let index = Index::build(decls);
        let unit = &units[0];
        let ctx = Ctx::new(&index, index.file_of(files[0].0));
        let id = unit.functions.iter().position(|f| f.name == func).unwrap();
        let env = TypeEnv::new(&ctx, unit, id);
        // The expression: the first `Return` value, or a name.
        let mut found = None;
        walk_stmts(&unit.functions[id].body, &mut |s| {
            if let StmtKind::Return(v) = &s.kind {
                if found.is_none() && expr_name == "return" {
                    found = v.first().and_then(|e| env.type_of(e));
                }
            }
        });
        if expr_name != "return" {
            found = env.name_type(expr_name).map(|t| t.text);
        }
        found.map(|t| t.0)
    }

    #[test]
    fn go_short_declarations_take_results_from_the_project() {
        let files = [
            (
                "app/main.go",
                "package main\nimport \"example.com/m/wal\"\nfunc run() {\n  seg, err := wal.OpenSegment(\"p\")\n  n := seg.Size()\n  t := seg.opened\n  _ = n; _ = t; _ = err\n}\n",
            ),
            (
                "wal/segment.go",
                "package wal\ntype Segment struct { opened time.Time }\nfunc OpenSegment(p string) (*Segment, error) { return nil, nil }\n",
            ),
            ("wal/size.go", "package wal\nfunc (s *Segment) Size() int64 { return 0 }\n"),
        ];
        assert_eq!(type_at(&files, "run", "seg").as_deref(), Some("*Segment"));
        assert_eq!(type_at(&files, "run", "err").as_deref(), Some("error"));
        assert_eq!(type_at(&files, "run", "n").as_deref(), Some("int64"));
        assert_eq!(type_at(&files, "run", "t").as_deref(), Some("time.Time"));
    }

    #[test]
    fn java_var_constructors_and_fields_of_this() {
        let files = [(
            "A.java",
            "class A { Conn conn; Map<String, Job> jobs;\n  Job f() { var x = new Job(); Job y = x; var z = this.conn; var u = unknown(); return jobs.get(\"k\"); }\n  Conn g() { return conn; } }\nclass Job {}\n",
        )];
        assert_eq!(type_at(&files, "f", "x").as_deref(), Some("Job"));
        assert_eq!(type_at(&files, "f", "y").as_deref(), Some("Job"));
        assert_eq!(type_at(&files, "f", "z").as_deref(), Some("Conn"));
        assert_eq!(type_at(&files, "f", "u"), None, "unknown stays unknown");
        assert_eq!(type_at(&files, "g", "return").as_deref(), Some("Conn"));
        // `jobs.get(…)` is a method of a type the project does not declare.
        assert_eq!(type_at(&files, "f", "return"), None);
    }

    #[test]
    fn java_static_methods_of_project_classes() {
        let files = [
            (
                "app/Use.java",
                "package app;\nimport lib.Conns;\nclass Use { void f() { var c = Conns.open(\"h\"); var d = Other.open(); } }\n",
            ),
            (
                "lib/Conns.java",
                "package lib;\npublic class Conns { public static Conn open(String h) { return null; } }\n",
            ),
        ];
        assert_eq!(type_at(&files, "f", "c").as_deref(), Some("Conn"));
        assert_eq!(type_at(&files, "f", "d"), None);
    }

    #[test]
    fn python_annotations_self_fields_and_imported_classes() {
        let files = [
            (
                "app/svc.py",
                "from .pool import Pool\nimport app.conn as c\nclass Svc:\n    def __init__(self):\n        self.pool = Pool()\n    def run(self, x: int):\n        p = self.pool\n        q = c.Conn()\n        r = p.acquire()\n        s = x\n        s = 'a'\n        return p\n",
            ),
            (
                "app/pool.py",
                "class Pool:\n    def acquire(self) -> 'Lease':\n        pass\n",
            ),
            ("app/conn.py", "class Conn:\n    pass\n"),
        ];
        assert_eq!(type_at(&files, "run", "p").as_deref(), Some("Pool"));
        assert_eq!(type_at(&files, "run", "q").as_deref(), Some("c.Conn"));
        assert_eq!(type_at(&files, "run", "r").as_deref(), Some("Lease"));
        assert_eq!(type_at(&files, "run", "s"), None, "two bindings disagree");
        assert_eq!(type_at(&files, "run", "self").as_deref(), Some("Svc"));
    }
}
