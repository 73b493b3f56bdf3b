//! The language-neutral model. Frontends lower a parse tree into it; checks read only it.
//! `docs/model.md` describes every node, how names resolve to project types through the index,
//! and what "unknown" does.
//!
//! No tree-sitter or syn type crosses this seam. Spans are byte offsets into the file's text;
//! lines and columns are computed once, by [`crate::source::LineIndex`], when a diagnostic is
//! rendered.

use std::fmt;

/// Byte range `[start, end)` in the source text.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// Whether `inner` lies within this span.
    pub fn contains(self, inner: Span) -> bool {
        self.start <= inner.start && inner.end <= self.end
    }
}

/// The languages leaklint reads. Every per-language table is an exhaustive `match` on this, so a
/// new language makes the compiler list each place to fill.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Lang {
    C,
    Go,
    Java,
    Python,
    Rust,
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::C, Lang::Go, Lang::Java, Lang::Python, Lang::Rust];

    pub fn from_path(path: &std::path::Path) -> Option<Lang> {
        match path.extension()?.to_str()? {
            "c" | "h" => Some(Lang::C),
            "go" => Some(Lang::Go),
            "java" => Some(Lang::Java),
            "py" | "pyi" => Some(Lang::Python),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }

    /// The key used for this language in rule files.
    pub fn key(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::Python => "python",
            Lang::Rust => "rust",
        }
    }

    pub fn from_key(key: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.key() == key)
    }

    /// The usual file extension, for writing examples out.
    pub fn extension(self) -> &'static str {
        match self {
            Lang::C => "c",
            Lang::Go => "go",
            Lang::Java => "java",
            Lang::Python => "py",
            Lang::Rust => "rs",
        }
    }

    /// Line-comment leader, for inline markers and suppressions.
    pub fn line_comment(self) -> &'static str {
        match self {
            Lang::Python => "#",
            Lang::C | Lang::Go | Lang::Java | Lang::Rust => "//",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Index of a function in [`Unit::functions`].
pub type FuncId = usize;

/// One source file, lowered.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Unit {
    pub lang: Lang,
    /// `functions[0]` is the file's top level (module body, package-level `var`s, static
    /// initialisers); every function, method, closure, lambda and nested function follows.
    pub functions: Vec<Function>,
    /// Declared fields of structs and classes, and package- or module-level variables.
    pub fields: Vec<Param>,
    /// Regions the parser could not understand; they were skipped, the rest was lowered.
    pub syntax_errors: Vec<Span>,
    /// Set when lowering stopped descending because the tree nests deeper than
    /// [`MAX_DEPTH`]; the deeper part of the file was not analyzed.
    pub truncated_at: Option<Span>,
    /// The file's package or module as the file declares it: Go's `package wal`, Java's
    /// `package org.a.b`. `None` where the language leaves it to the file's path (Python, Rust)
    /// or has none (C); the project index derives it from the path then.
    pub package: Option<String>,
    /// Imports, in source order: Go `import`, Java `import`, Python `import` / `from … import`,
    /// Rust `use`, C `#include`.
    pub imports: Vec<Import>,
    /// Type declarations (classes, structs, interfaces, records, enums, traits), nested ones
    /// included, in source order.
    pub types: Vec<TypeDecl>,
}

/// Lowering stops descending below this depth, so that a pathological file cannot overflow the
/// stack of a check that recurses over the model.
pub const MAX_DEPTH: usize = 256;

impl Unit {
    pub fn new(lang: Lang, span: Span) -> Unit {
        Unit {
            lang,
            functions: vec![Function::new(FnKind::TopLevel, String::new(), span)],
            fields: Vec::new(),
            syntax_errors: Vec::new(),
            truncated_at: None,
            package: None,
            imports: Vec::new(),
            types: Vec::new(),
        }
    }

    /// The model in a compact binary form, several times smaller than in memory: what the
    /// driver keeps of a file between its two passes instead of parsing it again.
    pub fn encode(&self) -> Option<Vec<u8>> {
        let plain = postcard::to_allocvec(self).ok()?;
        Some(lz4_flex::compress_prepend_size(&plain))
    }

    /// The model [`Unit::encode`] wrote; `None` if `bytes` are not one.
    pub fn decode(bytes: &[u8]) -> Option<Unit> {
        let plain = lz4_flex::decompress_size_prepended(bytes).ok()?;
        postcard::from_bytes(&plain).ok()
    }

    /// Adds a type declaration and returns its index in [`Unit::types`].
    pub fn add_type(&mut self, kind: TypeKind, name: String, span: Span) -> TypeId {
        self.types.push(TypeDecl {
            name,
            kind,
            span,
            fields: Vec::new(),
            methods: Vec::new(),
            supertypes: Vec::new(),
            superclass: None,
            embedded: Vec::new(),
            annotations: Vec::new(),
            field_annotations: Vec::new(),
            static_fields: Vec::new(),
            method_annotations: Vec::new(),
        });
        self.types.len() - 1
    }

    /// The type declared in this file under `name` (its simple name), when exactly one is.
    pub fn type_named(&self, name: &str) -> Option<TypeId> {
        let mut found = self
            .types
            .iter()
            .enumerate()
            .filter(|(_, t)| t.name == name);
        let (first, _) = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Attaches every function with an [`Function::owner`] to the type of that name declared in
    /// this file, as a method with a body, unless the type already lists it (Java, Python and
    /// Rust traits declare methods inside the type; Go methods and Rust `impl` blocks stand
    /// apart). Owners declared in another file are joined by the project index.
    pub fn attach_methods(&mut self) {
        for id in 0..self.functions.len() {
            let f = &self.functions[id];
            let Some(owner) = f.owner.as_deref() else {
                continue;
            };
            let Some(t) = self.type_named(owner) else {
                continue;
            };
            if self.types[t].methods.iter().any(|m| m.func == Some(id)) {
                continue;
            }
            let m = Method::of(f, id);
            self.types[t].methods.push(m);
        }
    }

    /// The innermost function whose span holds `span`.
    pub fn function_around(&self, span: Span) -> Option<FuncId> {
        self.functions
            .iter()
            .enumerate()
            .filter(|(_, f)| f.span.contains(span))
            .min_by_key(|(_, f)| f.span.end - f.span.start)
            .map(|(i, _)| i)
    }

    /// The import a file-local name stands for: `http` for `import "net/http"`, `np` for
    /// `import numpy as np`, `List` for `import java.util.List`.
    pub fn import_named(&self, local: &str) -> Option<&Import> {
        self.imports
            .iter()
            .find(|i| !i.wildcard && i.local_name() == local)
    }

    /// A dotted name as written in this file, its first segment replaced by the path of the
    /// import that binds it (`ZipFile` of `from zipfile import ZipFile`, `zf.ZipFile` of
    /// `import zipfile as zf`: both `zipfile.ZipFile`); `None` when no import binds it.
    fn through_import(&self, written: &str) -> Option<String> {
        let (first, rest) = written.split_once('.').unzip();
        let i = self.import_named(first.unwrap_or(written))?;
        Some(match rest {
            Some(r) => format!("{}.{r}", i.path),
            None => i.path.clone(),
        })
    }

    /// Python: a dotted name as written in this file, read through its imports.
    pub fn python_resolved(&self, written: &str) -> String {
        self.through_import(written)
            .unwrap_or_else(|| written.to_string())
    }

    /// Java: the qualified name of a type as written in this file (`Call` of `import
    /// okhttp3.Call;` → `okhttp3.Call`): through its single-type import, or else, when no
    /// wildcard import could supply it, a type of the file's own package. `None` where a
    /// wildcard import leaves it open.
    pub fn java_qualified(&self, written: &str) -> Option<String> {
        if let Some(q) = self.through_import(written) {
            return Some(q);
        }
        match written.split_once('.') {
            // Lower case first: a package name, the type already qualified.
            Some((first, _)) if first.starts_with(|c: char| c.is_ascii_lowercase()) => {
                Some(written.to_string())
            }
            _ if self.imports.iter().any(|i| i.wildcard) => None,
            _ => Some(match &self.package {
                Some(p) => format!("{p}.{written}"),
                None => written.to_string(),
            }),
        }
    }

    /// Java: whether the file is in the package of the qualified type `ty`, or imports from it.
    pub fn java_names_package_of(&self, ty: &str) -> bool {
        let Some((package, _)) = ty.rsplit_once('.') else {
            return true;
        };
        self.package.as_deref() == Some(package)
            || self.imports.iter().any(|i| {
                i.path
                    .strip_prefix(package)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
    }

    /// Adds a function nested in `parent` (the top level has none) and returns its id.
    pub fn add_function(
        &mut self,
        kind: FnKind,
        name: String,
        span: Span,
        parent: FuncId,
    ) -> FuncId {
        let mut f = Function::new(kind, name, span);
        if kind != FnKind::TopLevel {
            f.parent = Some(parent);
        }
        self.functions.push(f);
        self.functions.len() - 1
    }

    /// Records, for each closure among `args`, the call it is passed to.
    pub fn mark_passed(&mut self, callee: &Expr, args: &[Expr]) {
        let name = callee.path().unwrap_or_else(|| {
            callee
                .hint_name()
                .map(str::to_string)
                .unwrap_or_else(|| "<call>".to_string())
        });
        for (i, a) in args.iter().enumerate() {
            if let ExprKind::Closure(id) = a.peel().kind {
                self.functions[id].passed_to = Some(PassedTo {
                    callee: name.clone(),
                    arg: i,
                    span: callee.span,
                });
            }
        }
    }

    /// The declared type of a field or global named `name`, if the file declares exactly one.
    pub fn field_type(&self, name: &str) -> Option<&TypeRef> {
        let mut found = self.fields.iter().filter(|f| f.name == name);
        let first = found.next()?;
        match found.next() {
            Some(other) if other.ty != first.ty => None,
            _ => first.ty.as_ref(),
        }
    }
}

/// Index of a type in [`Unit::types`].
pub type TypeId = usize;

/// An import: what it names and under which local name.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Import {
    /// What is imported, in the language's own notation: `net/http` (Go), `java.util.List`,
    /// `os.path` (Python `import os.path`), `a.b.C` (Python `from a.b import C`, a leading `.`
    /// per relative level), `std::fs::File` (Rust), `stdio.h` (C).
    pub path: String,
    /// The local name given with `as` / a Go import name; `None` when the import binds its
    /// last segment (or, for Python `import a.b`, its first).
    pub alias: Option<String>,
    /// `import a.b.*`, `from m import *`, `use a::*`, Go's `import . "p"`.
    pub wildcard: bool,
    pub span: Span,
}

/// A Go module path's major version segment: `v2`, `v10`.
pub fn is_major_version(segment: &str) -> bool {
    segment
        .strip_prefix('v')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The name an import of `path` binds, under `alias` if it has one: the alias, else the last
/// segment of the path.
pub fn import_local_name<'a>(path: &'a str, alias: Option<&'a str>) -> &'a str {
    if let Some(a) = alias {
        return a;
    }
    // Go: a major version is no part of the name (`go-pg/pg/v10` binds `pg`, `gopkg.in/yaml.v3`
    // binds `yaml`).
    if let Some((base, last)) = path.rsplit_once('/') {
        if is_major_version(last) {
            return base.rsplit('/').next().unwrap_or(base);
        }
        if let Some((name, v)) = last.split_once('.') {
            if is_major_version(v) {
                return name;
            }
        }
    }
    let sep = |b: u8| matches!(b, b'/' | b'.' | b':');
    let end = path.bytes().rposition(|b| !sep(b)).map_or(0, |i| i + 1);
    if end == 0 {
        return path;
    }
    let trimmed = &path[..end];
    match trimmed.bytes().rposition(sep) {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

impl Import {
    /// The name the import binds in the file: the alias, else the last segment of the path
    /// (`http` of `net/http`, `List` of `java.util.List`, `File` of `std::fs::File`).
    pub fn local_name(&self) -> &str {
        import_local_name(&self.path, self.alias.as_deref())
    }
}

/// What kind of type a [`TypeDecl`] declares.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum TypeKind {
    Class,
    /// Go, Rust and C `struct` (C `union` too), Go named non-interface types.
    Struct,
    Interface,
    Record,
    Enum,
    Trait,
}

/// A declared type: its members and what it extends, as written.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TypeDecl {
    /// The simple name (`LRU`, `Segment`); qualified names come from the file's package.
    pub name: String,
    pub kind: TypeKind,
    pub span: Span,
    /// Fields with their declared types (Python: class attributes and `self.x = …` of its
    /// methods, typed by annotation or by the constructor called). Go embedded fields are in
    /// [`TypeDecl::embedded`], not here.
    pub fields: Vec<Param>,
    /// Methods: those declared inside the type (abstract ones included, with no body) and, after
    /// [`Unit::attach_methods`], those declared apart in the same file (Go, Rust `impl`).
    pub methods: Vec<Method>,
    /// Superclasses, implemented interfaces, Python bases, traits a Rust type implements in
    /// this file, interfaces a Go interface embeds: as written (`Closeable`, `io.Closer`).
    pub supertypes: Vec<TypeRef>,
    /// The class a Java class `extends` (also in `supertypes`); `None` for a Java class that
    /// extends `Object`, and wherever the language does not tell classes from interfaces.
    pub superclass: Option<TypeRef>,
    /// Go embedded struct fields (`*bufio.Reader`, `io.Closer`): their methods are promoted.
    pub embedded: Vec<TypeRef>,
    /// Annotations and decorators on the declaration, by name without arguments or `@`
    /// (`dataclass`, `attr.s`, `ToString`, `Data`): some generate methods the text lacks. For a
    /// Rust struct or enum, the traits it derives (`Debug`, `Clone`).
    pub annotations: Vec<String>,
    /// Java: the annotations of its fields, as `(field, annotation)` (`(dir, TempDir)` of
    /// `@TempDir Path dir;`, which JUnit creates and removes around each test).
    pub field_annotations: Vec<(String, String)>,
    /// Java: the fields declared `static`, which belong to the class, not to an instance.
    pub static_fields: Vec<String>,
    /// Java: the annotations of its methods, as `(method, annotation)` (`(destroy,
    /// PreDestroy)`), which tell a framework when to call them.
    pub method_annotations: Vec<(String, String)>,
}

impl TypeDecl {
    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.name == name)
    }

    pub fn field(&self, name: &str) -> Option<&Param> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A method signature of a type; `func` is its body's function when it has one.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Method {
    pub name: String,
    /// Parameters without the receiver (`self`, Go's receiver).
    pub params: Vec<Param>,
    pub results: Vec<TypeRef>,
    pub func: Option<FuncId>,
    pub span: Span,
}

impl Method {
    /// The signature of function `id` (`f`), its receiver dropped.
    pub fn of(f: &Function, id: FuncId) -> Method {
        let skip = usize::from(f.receiver.is_some() && !f.params.is_empty());
        Method {
            name: f.name.clone(),
            params: f.params[skip..].to_vec(),
            results: f.results.clone(),
            func: Some(id),
            span: f.span,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FnKind {
    TopLevel,
    Function,
    Method,
    /// A closure, lambda, function literal, or a method of an anonymous class.
    Closure,
    /// A function declared inside another function.
    Nested,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Function {
    pub kind: FnKind,
    /// Empty for closures and lambdas; the method's name for a method of an anonymous class.
    pub name: String,
    pub span: Span,
    /// The enclosing function, for closures and nested functions.
    pub parent: Option<FuncId>,
    /// For a closure, lambda or anonymous class: the call it is passed to.
    pub passed_to: Option<PassedTo>,
    /// For a method of an anonymous class, the type it instantiates (`SessionCallback<Object>`);
    /// for a method of a Rust trait `impl`, the trait (`fmt::Display`).
    pub implements: Option<TypeRef>,
    pub params: Vec<Param>,
    /// Declared result types, in order (Go's `(T, error)`, Java's return type, Rust's `-> T`).
    pub results: Vec<TypeRef>,
    /// Go's named results (`(n int, err error)`), in order; empty where they are unnamed. A bare
    /// `return` returns them.
    pub result_names: Vec<String>,
    pub body: Block,
    /// For a method: the simple name of the type it belongs to (the enclosing class, the Go
    /// receiver's base type, the Rust `impl` self type).
    pub owner: Option<String>,
    /// For a method with an explicit receiver: Go's `(s *Segment)`, Python's `self`, Rust's
    /// `self`. It is also `params[0]` (checks read parameters in order); Java's implicit
    /// `this` is not a parameter, so it is `None` there.
    pub receiver: Option<Param>,
    /// Python's `global` and `nonlocal` names: assigning one stores outside the function.
    pub globals: Vec<String>,
    /// Go: the spans of the calls a `go` statement runs on a goroutine of their own (`go
    /// s.Serve(lis)`), which hold what they are given after the function returns.
    pub goroutines: Vec<Span>,
}

impl Function {
    pub fn new(kind: FnKind, name: String, span: Span) -> Function {
        Function {
            kind,
            name,
            span,
            parent: None,
            passed_to: None,
            implements: None,
            params: Vec::new(),
            results: Vec::new(),
            result_names: Vec::new(),
            body: Vec::new(),
            owner: None,
            receiver: None,
            globals: Vec::new(),
            goroutines: Vec::new(),
        }
    }
}

/// Where a closure literal is passed: `callee(…, <closure>, …)`.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct PassedTo {
    /// The callee rendered as a path (`redisTemplate.execute`, `rdb.TxPipelined`).
    pub callee: String,
    pub arg: usize,
    pub span: Span,
}

/// A named, possibly typed, binding: a parameter, a field, a global.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Param {
    pub name: String,
    pub ty: Option<TypeRef>,
    pub span: Span,
}

/// A declared type as written, whitespace removed (`context.Context`, `*http.Request`,
/// `Map<String,Object>`, `&mut HashMap<String,Conn>`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeRef(pub String);

impl TypeRef {
    pub fn new(text: &str) -> TypeRef {
        TypeRef(text.chars().filter(|c| !c.is_whitespace()).collect())
    }

    /// The type with references, pointers and generic arguments removed: `*http.Request` →
    /// `http.Request`, `&mut HashMap<K,V>` → `HashMap`, `Optional[Request]` → `Optional`.
    pub fn base(&self) -> &str {
        let s = self.0.trim_start_matches(['*', '&']);
        let s = s
            .strip_prefix("mut")
            .filter(|_| self.0.starts_with('&'))
            .unwrap_or(s);
        let s = s.strip_prefix("dyn").unwrap_or(s);
        let end = s.find(['<', '[', '(']).unwrap_or(s.len());
        &s[..end]
    }

    /// The last path segment of [`TypeRef::base`]: `http.Request` → `Request`.
    pub fn simple(&self) -> &str {
        last_segment(self.base())
    }
}

/// The last segment of a dotted or `::` path: `Open` of `os.Open`, `open` of `libc::open`.
pub fn last_segment(path: &str) -> &str {
    // Bytes, not a `rsplit` on chars: this runs for most calls of a file.
    match path.bytes().rposition(|b| b == b':' || b == b'.') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

pub type Block = Vec<Stmt>;

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

/// Structured statements. [`crate::cfg`] derives the control-flow graph from them, once, in
/// language-neutral code, so frontends only need to say what each construct is.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum StmtKind {
    /// An expression evaluated for its effect (usually a call).
    Expr(Expr),
    /// `targets = values`, `x := f()`, `T x = e`, `let x: T = e`, `a, err := f()`. `declared`
    /// holds the declared type when the syntax gives one. `values` is empty for a bare declaration.
    Bind {
        targets: Vec<Expr>,
        values: Vec<Expr>,
        declared: Option<TypeRef>,
    },
    Return(Vec<Expr>),
    /// `throw e`, `raise e`, `panic(e)`.
    Throw(Option<Expr>),
    If {
        cond: Expr,
        then: Block,
        otherwise: Block,
    },
    /// A multi-way branch (`switch`, `match`, `select`). Each arm may be taken; if no arm is a
    /// default, the branch may also be skipped.
    Switch {
        scrutinee: Option<Expr>,
        arms: Vec<Block>,
        exhaustive: bool,
    },
    /// `for` / `while` / `loop`: the header is evaluated, the body runs zero or more times.
    Loop {
        head: Vec<Expr>,
        body: Block,
    },
    /// `try` / `catch` / `finally`, Python `try` / `except` / `finally`.
    Try {
        body: Block,
        catches: Vec<Catch>,
        finally: Block,
    },
    /// A scope that releases what it acquires when control leaves it: Python `with`,
    /// Java try-with-resources. `bindings` are evaluated in order on entry.
    Scoped {
        bindings: Vec<Stmt>,
        body: Block,
    },
    /// Go `defer f()`: the call runs when the function returns.
    Defer(Expr),
    Break,
    Continue,
    /// C `goto label`.
    Goto(String),
    /// C `label:`.
    Label(String),
    /// A nested block with no control flow of its own (Rust `{ … }`, `unsafe { … }`).
    Block(Block),
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Catch {
    /// The caught exception's binding and type, when named.
    pub param: Option<Param>,
    pub body: Block,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum ExprKind {
    /// A variable or a path (`ctx`, `os.Args`, `std::fs::File`, `self`, `this`).
    Name(String),
    /// `base.name` (Go selector, Java field access, Python attribute, Rust field).
    Field(Box<Expr>, String),
    Call(Box<Call>),
    Lit(Lit),
    /// A string built from values: `fmt`-style templates, f-strings, `format!`, `"" + x`,
    /// `"%s" % x`, `"{}".format(x)`. The frontend lowers the syntax; calls that format (Go's
    /// `fmt.Sprintf`) stay calls and are recognised from rule data.
    Format(Box<Format>),
    /// `base[key]`: map, slice, array or dict subscript.
    Index(Box<Expr>, Box<Expr>),
    /// Python `item in container` / `not in`.
    In(Box<Expr>, Box<Expr>),
    /// A closure, lambda, function literal, or anonymous class body, lowered as a function.
    Closure(FuncId),
    /// `new T(args)`, a Go composite literal `T{f: v}`, a Rust struct literal, a Python dict
    /// display. `fields` keeps field names where given.
    Construct {
        ty: Option<TypeRef>,
        fields: Vec<(Option<String>, Expr)>,
    },
    /// `&x`, `*x`, `x?`, `(x)`, casts, `await x`: operators that pass their operand through.
    Unary(Box<Expr>),
    /// A binary operator: `err != nil`, `fd < 0`, `a && b`, `a + b` (`BinOp::Other`).
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Logical negation: `!p`, `not x`.
    Not(Box<Expr>),
    /// Any other operator or construct; operands are kept so nothing hides from a check.
    Other(Vec<Expr>),
}

/// The binary operators the checks read; the rest are `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Other,
}

impl BinOp {
    /// The operator for its token in any of the languages (`==`, `is not`, `and`, `||`).
    pub fn from_token(op: &str) -> BinOp {
        match op {
            "==" | "is" => BinOp::Eq,
            "!=" | "is not" | "<>" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "&&" | "and" => BinOp::And,
            "||" | "or" => BinOp::Or,
            _ => BinOp::Other,
        }
    }
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Call {
    /// The callee expression: `Name("open")`, `Field(Name("fmt"), "Sprintf")`.
    pub func: Expr,
    pub args: Vec<Expr>,
    /// Python: the names of the keyword arguments (`**` for `**kwargs`), which are the last
    /// `keywords.len()` of `args`, in order. Empty elsewhere.
    pub keywords: Vec<String>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Lit {
    Str(String),
    /// A number; its value when it is an integer that fits (`-1` included, where the frontend
    /// folds the sign in).
    Num(Option<i64>),
    Bool,
    /// `nil`, `null`, `None`, `NULL`.
    Nil,
    Other,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Format {
    /// The literal template, when there is one.
    pub template: Option<String>,
    pub args: Vec<FormatArg>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FormatArg {
    /// The conversion applied, without its leader: `v`, `+v`, `p`, `s`, `d` for printf;
    /// `` (display), `?`, `#?`, `p` for Rust; `r`, `s`, `` for Python; `` for concatenation.
    pub verb: String,
    pub expr: Expr,
}

impl Expr {
    pub fn new(span: Span, kind: ExprKind) -> Expr {
        Expr { span, kind }
    }

    /// An integer literal's text as a value: decimal, `0x`, `0o`, `0b`, with `_` separators
    /// and type suffixes (`10u32`, `1L`) dropped; `None` for anything else.
    pub fn int_value(text: &str) -> Option<i64> {
        // C's grammar takes the sign into the literal.
        if let Some(rest) = text.strip_prefix('-') {
            return Expr::int_value(rest.trim_start()).map(|v| -v);
        }
        let t: String = text.chars().filter(|&c| c != '_').collect();
        let t = t.to_ascii_lowercase();
        let (digits, radix) = match t.get(..2) {
            Some("0x") => (&t[2..], 16),
            Some("0o") => (&t[2..], 8),
            Some("0b") => (&t[2..], 2),
            _ => (t.as_str(), 10),
        };
        let end = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        let (num, suffix) = digits.split_at(end);
        // `1.5`, `1e3`: not an integer.
        if num.is_empty() || suffix.starts_with(['.', 'e']) && radix == 10 {
            return None;
        }
        i64::from_str_radix(num, radix).ok()
    }

    /// Strips operators that pass their operand through (`&k`, `(k)`, `*k`).
    pub fn peel(&self) -> &Expr {
        let mut e = self;
        while let ExprKind::Unary(inner) = &e.kind {
            e = inner;
        }
        e
    }

    /// The expression as a dotted path, when it is one: `fmt.Sprintf`, `w.streams`,
    /// `std::fs::File::open`.
    pub fn path(&self) -> Option<String> {
        let mut out = String::new();
        self.push_path(&mut out).then_some(out)
    }

    /// Appends the dotted path to `out` (one buffer for every segment); false if the
    /// expression is not a path.
    fn push_path(&self, out: &mut String) -> bool {
        match &self.peel().kind {
            ExprKind::Name(n) => {
                out.push_str(n);
                true
            }
            ExprKind::Field(base, name) => {
                if !base.push_path(out) {
                    return false;
                }
                out.push('.');
                out.push_str(name);
                true
            }
            _ => false,
        }
    }

    /// Whether the expression is the dotted path `path` (`fmt.Sprintf`): [`Expr::path`] without
    /// building a string, for matching calls against rule data.
    pub fn is_path(&self, path: &str) -> bool {
        match &self.peel().kind {
            ExprKind::Name(n) => n == path,
            ExprKind::Field(base, name) => path
                .strip_suffix(name.as_str())
                .and_then(|p| p.strip_suffix('.'))
                .is_some_and(|p| base.is_path(p)),
            _ => false,
        }
    }

    /// The name that best describes the value: a variable's name, a field's name, or a called
    /// method's name (`r.Context()` → `Context`).
    pub fn hint_name(&self) -> Option<&str> {
        match &self.peel().kind {
            ExprKind::Name(n) => Some(last_segment(n)),
            ExprKind::Field(_, name) => Some(name),
            ExprKind::Call(call) => call.func.hint_name(),
            _ => None,
        }
    }

    /// Direct sub-expressions, in source order. Closures are not entered: their bodies are
    /// functions of their own.
    pub fn children(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.each_child(|c| out.push(c));
        out
    }

    /// Calls `f` on each direct sub-expression, in source order, without allocating.
    fn each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Name(_) | ExprKind::Lit(_) | ExprKind::Closure(_) => {}
            ExprKind::Field(base, _) | ExprKind::Unary(base) | ExprKind::Not(base) => f(base),
            ExprKind::Call(call) => {
                f(&call.func);
                call.args.iter().for_each(f);
            }
            ExprKind::Format(fmt) => fmt.args.iter().for_each(|a| f(&a.expr)),
            ExprKind::Index(a, b) | ExprKind::In(a, b) | ExprKind::Binary(_, a, b) => {
                f(a);
                f(b);
            }
            ExprKind::Construct { fields, .. } => fields.iter().for_each(|(_, e)| f(e)),
            ExprKind::Other(es) => es.iter().for_each(f),
        }
    }

    /// Calls `f` on this expression and every expression inside it, outermost first.
    /// Iterative, so a deep expression cannot overflow the stack.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            f(e);
            // Pushed in order, then reversed in place: the first child is visited next.
            let mark = stack.len();
            e.each_child(|c| stack.push(c));
            stack[mark..].reverse();
        }
    }
}

impl Call {
    /// The value of the keyword argument `name` (Python).
    pub fn keyword(&self, name: &str) -> Option<&Expr> {
        let first = self.args.len().checked_sub(self.keywords.len())?;
        let k = self.keywords.iter().position(|k| k == name)?;
        self.args.get(first + k)
    }

    /// The method or function name: `Sprintf` for `fmt.Sprintf`, `get` for `m.get`.
    pub fn name(&self) -> Option<&str> {
        match &self.func.peel().kind {
            ExprKind::Name(n) => Some(last_segment(n)),
            ExprKind::Field(_, name) => Some(name),
            _ => None,
        }
    }

    /// The receiver of a method call: `m` in `m.get(k)`.
    pub fn receiver(&self) -> Option<&Expr> {
        match &self.func.peel().kind {
            ExprKind::Field(base, _) => Some(base),
            _ => None,
        }
    }
}

impl Stmt {
    pub fn new(span: Span, kind: StmtKind) -> Stmt {
        Stmt { span, kind }
    }

    /// The expressions this statement evaluates itself (not those of nested blocks), without
    /// allocating: at most two slices, one after the other.
    pub fn exprs(
        &self,
    ) -> std::iter::Chain<std::slice::Iter<'_, Expr>, std::slice::Iter<'_, Expr>> {
        let (a, b): (&[Expr], &[Expr]) = match &self.kind {
            StmtKind::Expr(e) | StmtKind::Defer(e) => (std::slice::from_ref(e), &[]),
            StmtKind::Bind {
                targets, values, ..
            } => (targets, values),
            StmtKind::Return(es) | StmtKind::Loop { head: es, .. } => (es, &[]),
            StmtKind::Throw(e) => (e.as_slice(), &[]),
            StmtKind::If { cond, .. } => (std::slice::from_ref(cond), &[]),
            StmtKind::Switch { scrutinee, .. } => (scrutinee.as_slice(), &[]),
            StmtKind::Try { .. }
            | StmtKind::Scoped { .. }
            | StmtKind::Break
            | StmtKind::Continue
            | StmtKind::Goto(_)
            | StmtKind::Label(_)
            | StmtKind::Block(_) => (&[], &[]),
        };
        a.iter().chain(b)
    }

    /// Nested blocks, in source order.
    pub fn blocks(&self) -> Vec<&Block> {
        let mut out = Vec::new();
        self.each_block(|b| out.push(b));
        out
    }

    /// Calls `f` on each nested block, in source order, without allocating. The bindings of a
    /// `Scoped` are statements of their own: see [`walk_stmts`].
    pub fn each_block<'a>(&'a self, mut f: impl FnMut(&'a Block)) {
        match &self.kind {
            StmtKind::If {
                then, otherwise, ..
            } => {
                f(then);
                f(otherwise);
            }
            StmtKind::Switch { arms, .. } => arms.iter().for_each(f),
            StmtKind::Loop { body, .. } | StmtKind::Block(body) | StmtKind::Scoped { body, .. } => {
                f(body)
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                f(body);
                catches.iter().for_each(|c| f(&c.body));
                f(finally);
            }
            _ => {}
        }
    }
}

/// Calls `f` on every statement of `block`, nested ones included, in source order. Recursive
/// without allocating: the frontends bound nesting, so the depth is bounded too.
pub fn walk_stmts<'a>(block: &'a [Stmt], f: &mut impl FnMut(&'a Stmt)) {
    for s in block {
        f(s);
        if let StmtKind::Scoped { bindings, .. } = &s.kind {
            walk_stmts(bindings, f);
        }
        s.each_block(|b| walk_stmts(b, f));
    }
}

/// Moves out every expression of `block`, nested blocks included, in source order, for
/// constructs the model keeps as one expression (a GNU statement expression, a macro body).
pub fn into_exprs(block: Block, out: &mut Vec<Expr>) {
    for s in block {
        match s.kind {
            StmtKind::Expr(e) | StmtKind::Defer(e) => out.push(e),
            StmtKind::Bind {
                targets, values, ..
            } => out.push(Expr::new(
                s.span,
                ExprKind::Other(targets.into_iter().chain(values).collect()),
            )),
            StmtKind::Return(es) => out.extend(es),
            StmtKind::Throw(e) => out.extend(e),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                out.push(cond);
                into_exprs(then, out);
                into_exprs(otherwise, out);
            }
            StmtKind::Switch {
                scrutinee, arms, ..
            } => {
                out.extend(scrutinee);
                for arm in arms {
                    into_exprs(arm, out);
                }
            }
            StmtKind::Loop { head, body } => {
                out.extend(head);
                into_exprs(body, out);
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                into_exprs(body, out);
                for c in catches {
                    into_exprs(c.body, out);
                }
                into_exprs(finally, out);
            }
            StmtKind::Scoped { bindings, body } => {
                into_exprs(bindings, out);
                into_exprs(body, out);
            }
            StmtKind::Block(b) => into_exprs(b, out),
            StmtKind::Break | StmtKind::Continue | StmtKind::Goto(_) | StmtKind::Label(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_base_and_simple_strip_pointers_and_generics() {
        assert_eq!(TypeRef::new("*http.Request").base(), "http.Request");
        assert_eq!(TypeRef::new("*http.Request").simple(), "Request");
        assert_eq!(TypeRef::new("&mut HashMap<String, Conn>").base(), "HashMap");
        assert_eq!(TypeRef::new("Map<String, Object>").simple(), "Map");
        assert_eq!(TypeRef::new("context.Context").simple(), "Context");
        assert_eq!(TypeRef::new("std::time::Instant").simple(), "Instant");
    }

    #[test]
    fn an_import_binds_its_last_name_without_a_major_version() {
        assert_eq!(import_local_name("net/http", None), "http");
        assert_eq!(import_local_name("github.com/go-pg/pg/v10", None), "pg");
        assert_eq!(import_local_name("gopkg.in/yaml.v3", None), "yaml");
        assert_eq!(import_local_name("example.com/v2ray", None), "v2ray");
        assert_eq!(import_local_name("java.util.List", None), "List");
        assert_eq!(
            import_local_name("github.com/go-pg/pg/v10", Some("orm")),
            "orm"
        );
    }

    #[test]
    fn integer_literals() {
        assert_eq!(Expr::int_value("42"), Some(42));
        assert_eq!(Expr::int_value("-1"), Some(-1));
        assert_eq!(Expr::int_value("0x1F"), Some(31));
        assert_eq!(Expr::int_value("1_000u32"), Some(1000));
        assert_eq!(Expr::int_value("10UL"), Some(10));
        assert_eq!(Expr::int_value("0b101"), Some(5));
        assert_eq!(Expr::int_value("1.5"), None);
        assert_eq!(Expr::int_value("1e3"), None);
        assert_eq!(Expr::int_value("x"), None);
    }

    #[test]
    fn paths_and_hints() {
        let s = Span::default();
        let fmt_sprintf = Expr::new(
            s,
            ExprKind::Field(
                Box::new(Expr::new(s, ExprKind::Name("fmt".into()))),
                "Sprintf".into(),
            ),
        );
        assert_eq!(fmt_sprintf.path().as_deref(), Some("fmt.Sprintf"));
        assert!(fmt_sprintf.is_path("fmt.Sprintf"));
        assert!(!fmt_sprintf.is_path("Sprintf"));
        assert!(!fmt_sprintf.is_path("xfmt.Sprintf"));
        let call = Expr::new(
            s,
            ExprKind::Call(Box::new(Call {
                func: fmt_sprintf,
                args: vec![],
                keywords: vec![],
            })),
        );
        assert_eq!(call.hint_name(), Some("Sprintf"));
        assert_eq!(call.path(), None);
    }
}
