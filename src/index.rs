//! The project index: what every file declares, gathered in a first pass and read by the checks
//! of every file in the second.
//!
//! Pass 1 lowers each file, [`summarize`]s it into a small [`FileDecls`] (types with their fields,
//! methods, supertypes and text facts; functions with their result types and [`FnFacts`]), and
//! drops the parse tree and the model. After the barrier, [`Index::build`] joins the summaries,
//! keyed by package and name, in path order (so that the index, and every answer it gives, is
//! the same for any number of threads).
//!
//! Checks do not read the index directly: they ask their [`Ctx`], which resolves the names a
//! file writes (`http.Client`, `Closeable`, `Segment`) through the file's own declarations, its
//! package, and its imports, in that order, and answers `None` when nothing is declared: unknown
//! stays unknown. Each question the index could not answer is remembered in the context (see
//! [`Ctx::misses`]), so that the driver can tell whether a verdict given with one file's index
//! would change with the whole project's.

use crate::model::{
    walk_stmts, Expr, ExprKind, FnKind, FuncId, Lang, Lit, TypeKind, TypeRef, Unit,
};
use foldhash::HashMap;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Index of a file in [`Index`], in path order.
pub type FileId = usize;

/// A file's declarations, as pass 1 leaves them: no tree, no function bodies.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FileDecls {
    pub path: String,
    pub lang: Lang,
    /// The package key: Go's directory (`server/wal`), Java's declared package, Python's module
    /// from the path (`pkg.sub.mod`), Rust's module from the path (`a::b`), `""` for C.
    pub package: String,
    /// Go's declared package name (`wal`), which imports bind; the package key otherwise.
    pub package_name: String,
    pub imports: Box<[ImportInfo]>,
    pub types: Vec<TypeInfo>,
    pub functions: Vec<FnInfo>,
}

impl FileDecls {
    /// The same declarations found at `path`: the result cache keys them by content, and Go,
    /// Python and Rust packages follow the path.
    pub fn relocate(&mut self, path: &str) {
        if self.path == path {
            return;
        }
        let declared = match self.lang {
            Lang::Go => Some(self.package_name.as_str()),
            Lang::Java => Some(self.package.as_str()),
            _ => None,
        };
        let package = package_of(path, self.lang, declared);
        if self.lang != Lang::Go {
            self.package_name = package.clone();
        }
        self.package = package;
        self.path = path.to_string();
    }

    /// Joins facts the checks found ([`Ctx::export`]) to the functions they name; a function
    /// left out of the summary for want of facts is added.
    pub fn absorb_facts(&mut self, facts: Vec<Export>) {
        for (name, owner, facts) in facts {
            let known = self
                .functions
                .iter_mut()
                .find(|f| f.name == name && f.owner == owner);
            match known {
                Some(f) => {
                    let mut all = f.known.take().map(|b| *b).unwrap_or_default();
                    all.absorb(facts);
                    f.known = (!all.is_empty()).then(|| Box::new(all));
                }
                None => self.functions.push(FnInfo {
                    name,
                    owner,
                    results: Vec::new(),
                    known: (!facts.is_empty()).then(|| Box::new(facts)),
                    text: None,
                }),
            }
        }
    }

    /// Joins the declarations of a later piece of a large file (see
    /// [`crate::frontend::pieces`]): its types and functions. Its imports are the header every
    /// piece repeats, already here.
    pub fn absorb_piece(&mut self, piece: FileDecls) {
        self.types.extend(piece.types);
        self.functions.extend(piece.functions);
    }
}

/// An import, summarized: see [`crate::model::Import`].
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ImportInfo {
    pub path: Box<str>,
    pub alias: Option<Box<str>>,
    pub wildcard: bool,
}

impl ImportInfo {
    /// The name the import binds in the file.
    pub fn local_name(&self) -> &str {
        crate::model::import_local_name(&self.path, self.alias.as_deref())
    }
}

/// A declared type, summarized.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TypeInfo {
    pub name: Box<str>,
    pub kind: TypeKind,
    pub fields: Vec<(Box<str>, Option<TypeRef>)>,
    /// Methods declared inside the type (Java, Python, interfaces, traits); Go methods and Rust
    /// `impl` methods are [`FnInfo`]s with an owner, joined by [`Ctx::method`].
    pub methods: Vec<MethodInfo>,
    pub supertypes: Vec<TypeRef>,
    pub superclass: Option<TypeRef>,
    pub embedded: Vec<TypeRef>,
    pub annotations: Vec<Box<str>>,
    /// What the type's own text method (`String()`, `toString()`, `__str__` / `__repr__`, a
    /// Rust `impl Display`) prints; `None` when the type declares none.
    pub text: Option<TextFact>,
    /// What a Rust type's hand-written `impl Debug` prints; `None` without one (a derived
    /// `Debug` is in [`TypeInfo::annotations`], judged by its fields when asked).
    #[serde(default)]
    pub debug_text: Option<TextFact>,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct MethodInfo {
    pub name: Box<str>,
    pub results: Vec<TypeRef>,
}

/// A function or method (not a closure), summarized. Functions with no declared result and no
/// facts are left out: nothing asks about them.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FnInfo {
    pub name: Box<str>,
    /// The owner type's simple name, for a method.
    pub owner: Option<Box<str>>,
    pub results: Vec<TypeRef>,
    /// `None` when nothing is known (see [`FnInfo::facts`]).
    pub known: Option<Box<FnFacts>>,
    /// For a text method (`String()`, `toString()`, `__str__`, `__repr__`): what it prints.
    pub text: Option<TextFact>,
}

impl FnInfo {
    /// The function's facts; all empty (unknown) when none were found.
    pub fn facts(&self) -> &FnFacts {
        static NONE: FnFacts = FnFacts {
            returns_resource: None,
            releases: Vec::new(),
            keeps: Vec::new(),
            opens: false,
            nothrow: false,
            returns_field: false,
        };
        self.known.as_deref().unwrap_or(&NONE)
    }
}

/// Per-function facts other files may rely on, in the manner of go/analysis `Fact`s. The slots
/// are filled by the checks that know them ([`Ctx::export`]); a fact left empty means
/// "not known", never "known not to".
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FnFacts {
    /// The function returns a fresh resource, which the caller must release with this method
    /// (`Close`, `close`).
    pub returns_resource: Option<Box<str>>,
    /// Parameters (by index, receiver excluded) the function releases.
    pub releases: Vec<u8>,
    /// Parameters the function stores into a field or otherwise keeps.
    pub keeps: Vec<u8>,
    /// A constructor (Java's, Python's `__init__`) that stores a fresh resource in a field of
    /// the new object: the object holds it until closed.
    #[serde(default)]
    pub opens: bool,
    /// Java: the method cannot throw, its whole body inside a `try` that catches everything
    /// and throws nothing again (`closeQuietly`).
    #[serde(default)]
    pub nothrow: bool,
    /// Java: every `return` of the method gives a field of its object (`rs = stmt.executeQuery(q);
    /// return rs;` with `rs` a field): what it returns is the object's, which closes it, not
    /// the caller's.
    #[serde(default)]
    pub returns_field: bool,
}

impl FnFacts {
    pub fn is_empty(&self) -> bool {
        *self == FnFacts::default()
    }

    fn absorb(&mut self, other: FnFacts) {
        self.returns_resource = self.returns_resource.take().or(other.returns_resource);
        self.opens |= other.opens;
        self.nothrow |= other.nothrow;
        self.returns_field |= other.returns_field;
        for (mine, theirs) in [
            (&mut self.releases, other.releases),
            (&mut self.keeps, other.keeps),
        ] {
            mine.extend(theirs);
            mine.sort_unstable();
            mine.dedup();
        }
    }
}

/// Which text of a value is formatted: Rust tells `Display` (`{}`, `to_string()`) from `Debug`
/// (`{:?}`); other languages have one text, and ignore it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextForm {
    /// Either: unstable if one of them is.
    Any,
    Display,
    Debug,
}

/// What a type's text is, for map keys formatted from it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TextFact {
    Stable,
    /// Not a stable identity; why, for the message (`its toString() prints the time`).
    Unstable(Box<str>),
}

/// A project type whose instances must be released, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// The qualified name of the resource type (`org.a.Segment`, `server/wal.Segment`).
    pub name: String,
    /// The method that releases it (`close`, `Close`, `__exit__`).
    pub close_method: String,
    /// For a function returning it: the place of a Go `error` result beside it.
    pub error_result: Option<usize>,
}

/// A type of the index: the file that declares it and its place there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeKey {
    pub file: FileId,
    pub index: u32,
}

/// A function of the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnKey {
    pub file: FileId,
    pub index: u32,
}

/// The hash of a key of the index (deterministic: the same in every run).
fn key_hash(parts: &[&str], lang: Lang) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    lang.hash(&mut h);
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// Every file's declarations, joined.
#[derive(Default)]
pub struct Index {
    files: Vec<FileDecls>,
    /// Hashes of `(lang, package key, simple name)` with the type, sorted (by hash, then path
    /// order): the first that matches is the first by path. The strings stay in `files`.
    types: Vec<(u64, TypeKey)>,
    /// `(lang, last segment of the package key)` → package keys.
    packages: HashMap<(Lang, Box<str>), Vec<Box<str>>>,
    /// Hashes of `(lang, package key, owner or "", name)` with the function, sorted likewise.
    functions: Vec<(u64, FnKey)>,
    /// C types by simple name (C has no packages): the first by path.
    c_types: HashMap<Box<str>, Vec<TypeKey>>,
}

impl Index {
    /// The declarations joined, to join more with [`Index::build`].
    pub fn into_files(self) -> Vec<FileDecls> {
        self.files
    }

    /// Joins the files' declarations. `files` may come in any order; they are sorted by path.
    pub fn build(mut files: Vec<FileDecls>) -> Index {
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut ix = Index::default();
        for (fid, f) in files.iter().enumerate() {
            let pkg: Box<str> = f.package.as_str().into();
            let last: Box<str> = last_package_segment(f.lang, &f.package).into();
            // A Go package is imported by its module path and directory, and its last segment
            // is usually the declared name; a module's root directory, whose key is only where
            // the run found it (`gopg`, or ``), is found by that name (`go-pg/pg/v10` → `pg`).
            let declared = (f.lang == Lang::Go
                && *f.package_name != *last
                && f.package_name != "main"
                && !f.package_name.ends_with("_test"))
            .then(|| f.package_name.as_str().into());
            for key in std::iter::once(last).chain(declared) {
                let list = ix.packages.entry((f.lang, key)).or_default();
                if !list.contains(&pkg) {
                    list.push(pkg.clone());
                }
            }
            for (i, t) in f.types.iter().enumerate() {
                let key = TypeKey {
                    file: fid,
                    index: i as u32,
                };
                ix.types
                    .push((key_hash(&[&f.package, &t.name], f.lang), key));
                if f.lang == Lang::C {
                    ix.c_types.entry(t.name.clone()).or_default().push(key);
                }
            }
            for (i, func) in f.functions.iter().enumerate() {
                let owner = func.owner.as_deref().unwrap_or_default();
                let h = key_hash(&[&f.package, owner, &func.name], f.lang);
                ix.functions.push((
                    h,
                    FnKey {
                        file: fid,
                        index: i as u32,
                    },
                ));
            }
        }
        ix.types.sort_unstable();
        ix.functions.sort_unstable();
        ix.types.shrink_to_fit();
        ix.functions.shrink_to_fit();
        ix.files = files;
        ix
    }

    /// The index of one file alone: what a check may rely on without the rest of the project.
    pub fn of_file(decls: FileDecls) -> Index {
        Index::build(vec![decls])
    }

    pub fn files(&self) -> &[FileDecls] {
        &self.files
    }

    /// The file of this path, if the index holds it.
    pub fn file_of(&self, path: &str) -> Option<FileId> {
        self.files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
    }

    pub fn type_info(&self, key: TypeKey) -> &TypeInfo {
        &self.files[key.file].types[key.index as usize]
    }

    pub fn fn_info(&self, key: FnKey) -> &FnInfo {
        &self.files[key.file].functions[key.index as usize]
    }

    /// The qualified name of a type: its package key and name (`server/wal.Segment`).
    pub fn qualified_name(&self, key: TypeKey) -> String {
        let f = &self.files[key.file];
        let name = &self.type_info(key).name;
        match f.package.as_str() {
            "" => name.to_string(),
            p => format!("{p}{}{name}", sep(f.lang)),
        }
    }

    /// Whether this index answers a question that file `file` asked of its own index and
    /// could not get answered: the question is asked again, from that file.
    pub fn answers(&self, file: FileId, miss: &Miss) -> bool {
        let ctx = Ctx::new(self, Some(file));
        match miss {
            Miss::Type(text) => ctx.resolve_from(Some(file), text).is_some(),
            Miss::Function(path) => ctx.function_key(path).is_some(),
            Miss::Method { owner, name } => {
                let f = &self.files[file];
                self.fn_in(f.lang, &f.package, owner, name).is_some()
            }
            Miss::Resource(text) => ctx.project_resource(&TypeRef::new(text)).is_some(),
            Miss::Returns(path) => ctx.returned_resource(path).is_some(),
            Miss::Releases(path) => ctx.released_args(path).is_some(),
            Miss::NoThrow(path) => ctx.nothrow(path),
            Miss::Unstable(text) => matches!(
                ctx.text_fact(&TypeRef::new(text)),
                Some(TextFact::Unstable(_))
            ),
        }
    }

    /// The names by which code obtains a project resource: Java and Python classes that must
    /// be closed ([`Ctx::project_resource`], constructed by name), and plain functions that
    /// return a resource. A file
    /// that writes none of them followed by `(` cannot acquire one.
    pub fn resource_names(&self) -> BTreeSet<String> {
        let ctx = Ctx::new(self, None);
        let closes = |r: Option<ResourceType>| r.is_some_and(|r| r.close_method != "__exit__");
        let mut out = BTreeSet::new();
        for (file, f) in self.files.iter().enumerate() {
            if matches!(f.lang, Lang::Java | Lang::Python) {
                for (index, t) in f.types.iter().enumerate() {
                    let key = TypeKey {
                        file,
                        index: index as u32,
                    };
                    if t.kind == TypeKind::Class
                        && closes(ctx.resource_of(key))
                        && ctx.opens_when_built(key, 0)
                    {
                        out.insert(t.name.to_string());
                    }
                }
            }
            for info in f.functions.iter().filter(|i| i.owner.is_none()) {
                if info.facts().returns_resource.is_some() {
                    out.insert(info.name.to_string());
                }
            }
        }
        out
    }

    fn type_in(&self, lang: Lang, pkg: &str, name: &str) -> Option<TypeKey> {
        let h = key_hash(&[pkg, name], lang);
        let from = self.types.partition_point(|(x, _)| *x < h);
        self.types[from..]
            .iter()
            .take_while(|(x, _)| *x == h)
            .map(|(_, k)| *k)
            .find(|k| {
                let f = &self.files[k.file];
                f.lang == lang && f.package == pkg && &*self.type_info(*k).name == name
            })
    }

    fn fn_in(&self, lang: Lang, pkg: &str, owner: &str, name: &str) -> Option<FnKey> {
        let h = key_hash(&[pkg, owner, name], lang);
        let from = self.functions.partition_point(|(x, _)| *x < h);
        self.functions[from..]
            .iter()
            .take_while(|(x, _)| *x == h)
            .map(|(_, k)| *k)
            .find(|k| {
                let f = &self.files[k.file];
                let info = self.fn_info(*k);
                f.lang == lang
                    && f.package == pkg
                    && info.owner.as_deref().unwrap_or_default() == owner
                    && &*info.name == name
            })
    }

    /// The package keys an import path names: Java's exact package; Python's module by dotted
    /// suffix (the project root is unknown); Go's directory by the longest common suffix of
    /// path segments (module paths carry host names and major versions the tree lacks). Several
    /// equally good candidates give none.
    fn packages_for(&self, lang: Lang, import: &str) -> Vec<&str> {
        // Go's major version suffix is no part of the package's name (`go-pg/pg/v10` is `pg`).
        let import = match (lang, import.rsplit_once('/')) {
            (Lang::Go, Some((base, v))) if crate::model::is_major_version(v) => base,
            _ => import,
        };
        let last = last_package_segment(lang, import);
        let Some(cands) = self.packages.get(&(lang, last.into())) else {
            return Vec::new();
        };
        match lang {
            Lang::Java | Lang::C => cands
                .iter()
                .filter(|c| ***c == *import)
                .map(|c| &**c)
                .collect(),
            Lang::Python | Lang::Rust => {
                let s = sep(lang);
                cands
                    .iter()
                    .filter(|c| {
                        ***c == *import
                            || c.ends_with(import) && c[..c.len() - import.len()].ends_with(s)
                    })
                    .map(|c| &**c)
                    .collect()
            }
            Lang::Go => {
                let want: Vec<&str> = import.split('/').rev().collect();
                // A directory named otherwise, found by its declared name, matches by that name.
                let score = |c: &str| {
                    c.split('/')
                        .rev()
                        .zip(&want)
                        .take_while(|(a, b)| a == *b)
                        .count()
                        .max(usize::from(last_package_segment(lang, c) != last))
                };
                let best = cands.iter().map(|c| score(c)).max().unwrap_or(0);
                let top: Vec<&str> = cands
                    .iter()
                    .filter(|c| score(c) == best)
                    .map(|c| &**c)
                    .collect();
                if best == 0 || top.len() != 1 {
                    return Vec::new();
                }
                top
            }
        }
    }
}

/// A Rust `use` path from the crate root, as package keys are written (`crate::a::B` →
/// `a::B`; `self::` and `super::` from the file's module); other paths as written.
fn rust_absolute_import(package: &str, path: &str) -> String {
    if let Some(rest) = path.strip_prefix("crate::") {
        return rest.to_string();
    }
    let mut base: Vec<&str> = package.split("::").filter(|s| !s.is_empty()).collect();
    let mut rest = path;
    let mut relative = false;
    loop {
        if let Some(r) = rest.strip_prefix("self::") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        } else {
            break;
        }
        relative = true;
    }
    if !relative {
        return path.to_string();
    }
    base.push(rest);
    base.join("::")
}

fn sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Rust => "::",
        Lang::Go | Lang::Java | Lang::Python | Lang::C => ".",
    }
}

fn last_package_segment(lang: Lang, pkg: &str) -> &str {
    match lang {
        Lang::Go => pkg.rsplit('/').next().unwrap_or(pkg),
        Lang::Rust => pkg.rsplit("::").next().unwrap_or(pkg),
        Lang::Java | Lang::Python | Lang::C => pkg.rsplit('.').next().unwrap_or(pkg),
    }
}

/// The package key of a file at `path` (as displayed, `/`-separated) declaring `unit`.
pub fn package_key(path: &str, unit: &Unit) -> String {
    package_of(path, unit.lang, unit.package.as_deref())
}

/// [`package_key`] from a file's path, language and declared package (Go, Java).
fn package_of(path: &str, lang: Lang, declared: Option<&str>) -> String {
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    match lang {
        Lang::Go => dir.to_string(),
        Lang::Java => declared.unwrap_or_default().to_string(),
        Lang::Python => {
            let stem = path
                .strip_suffix(".pyi")
                .or_else(|| path.strip_suffix(".py"))
                .unwrap_or(path);
            let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
            stem.trim_start_matches("./").replace('/', ".")
        }
        Lang::Rust => {
            let stem = path.strip_suffix(".rs").unwrap_or(path);
            let stem = ["/mod", "/lib", "/main"]
                .iter()
                .find_map(|s| stem.strip_suffix(s))
                .unwrap_or(stem);
            let stem = stem.strip_prefix("src/").unwrap_or(stem);
            let stem = stem.split_once("/src/").map_or(stem, |(_, s)| s);
            stem.replace('/', "::")
        }
        Lang::C => String::new(),
    }
}

// ------------------------------------------------------------------------------ pass 1

/// Pass 1 for one file: its declarations and the facts of its functions.
pub fn summarize(path: &str, unit: &Unit) -> FileDecls {
    let package = package_key(path, unit);
    let package_name = match unit.lang {
        Lang::Go => unit.package.clone().unwrap_or_default(),
        _ => package.clone(),
    };
    let types = unit
        .types
        .iter()
        .map(|t| TypeInfo {
            name: t.name.as_str().into(),
            kind: t.kind,
            fields: t
                .fields
                .iter()
                .map(|f| (f.name.as_str().into(), f.ty.clone()))
                .collect(),
            methods: t
                .methods
                .iter()
                .map(|m| MethodInfo {
                    name: m.name.as_str().into(),
                    results: m.results.clone(),
                })
                .collect(),
            supertypes: t.supertypes.clone(),
            superclass: t.superclass.clone(),
            embedded: t.embedded.clone(),
            annotations: t.annotations.iter().map(|a| a.as_str().into()).collect(),
            text: own_text(unit, t, TextForm::Display),
            debug_text: own_text(unit, t, TextForm::Debug),
        })
        .collect();
    let mut functions = Vec::new();
    for (id, f) in unit.functions.iter().enumerate() {
        if !matches!(f.kind, FnKind::Function | FnKind::Method) {
            continue;
        }
        // Facts come later, from the checks ([`FileDecls::absorb_facts`]).
        if f.results.is_empty() && own_text_method(unit.lang, &f.name).is_none() {
            continue;
        }
        let owner_decl = f
            .owner
            .as_deref()
            .and_then(|o| unit.type_named(o))
            .map(|t| &unit.types[t]);
        let text = own_text_method(unit.lang, &f.name)
            .filter(|_| f.owner.is_some())
            .map(|_| body_text(unit, id, owner_decl));
        functions.push(FnInfo {
            name: f.name.as_str().into(),
            owner: f.owner.as_deref().map(Into::into),
            results: f.results.clone(),
            known: None,
            text,
        });
    }
    FileDecls {
        path: path.to_string(),
        lang: unit.lang,
        package,
        package_name,
        imports: unit
            .imports
            .iter()
            .map(|i| ImportInfo {
                path: i.path.as_str().into(),
                alias: i.alias.as_deref().map(Into::into),
                wildcard: i.wildcard,
            })
            .collect(),
        types,
        functions,
    }
}

/// The method whose body decides a type's text, by language.
fn own_text_method(lang: Lang, name: &str) -> Option<()> {
    let names: &[&str] = match lang {
        Lang::Go => &["String"],
        Lang::Java => &["toString"],
        Lang::Python => &["__str__", "__repr__"],
        Lang::Rust | Lang::C => &[],
    };
    names.contains(&name).then_some(())
}

/// What the type's own text method prints, read from its body: the time, an address or
/// identity, a counter; else stable. `None` without such a method (or when only a Go method
/// declared apart has it: see [`go_method_text`]).
/// For Rust, the `fmt` of the type's own `impl Display` (`form` Display) or `impl Debug` (`form`
/// Debug) in the file; other languages have one text, which is `form` Display.
fn own_text(unit: &Unit, t: &crate::model::TypeDecl, form: TextForm) -> Option<TextFact> {
    let mut found = None;
    for m in &t.methods {
        let text_method = match unit.lang {
            Lang::Rust => {
                let implements = m
                    .func
                    .and_then(|id| unit.functions[id].implements.as_ref())
                    .map(TypeRef::simple);
                let want = match form {
                    TextForm::Debug => "Debug",
                    _ => "Display",
                };
                m.name == "fmt" && implements == Some(want)
            }
            _ => form == TextForm::Display && own_text_method(unit.lang, &m.name).is_some(),
        };
        if !text_method {
            continue;
        }
        let fact = match m.func {
            Some(id) => body_text(unit, id, Some(t)),
            // Abstract: whatever implements it decides.
            None => continue,
        };
        match (&found, fact) {
            (Some(TextFact::Unstable(_)), _) => {}
            (_, fact) => found = Some(fact),
        }
    }
    found
}

/// Calls whose value changes from one call to the next or names an identity.
const UNSTABLE_CALLS: &[(&str, &str)] = &[
    ("time.Now", "the time"),
    ("time.Since", "the time"),
    ("System.currentTimeMillis", "the time"),
    ("System.nanoTime", "the time"),
    ("Instant.now", "the time"),
    ("LocalDateTime.now", "the time"),
    ("ZonedDateTime.now", "the time"),
    ("System.identityHashCode", "the identity hash"),
    ("hashCode", "the identity hash"),
    ("time.time", "the time"),
    ("time.monotonic", "the time"),
    ("time.perf_counter", "the time"),
    ("datetime.now", "the time"),
    ("datetime.datetime.now", "the time"),
    ("datetime.utcnow", "the time"),
    ("id", "the object's id()"),
    ("SystemTime::now", "the time"),
    ("Instant::now", "the time"),
    ("Utc::now", "the time"),
    ("Local::now", "the time"),
    ("thread::current", "the current thread"),
];

/// Field types whose value is a time, a counter or a thread.
const UNSTABLE_FIELD_TYPES: &[&str] = &[
    "AtomicInteger",
    "AtomicLong",
    "LongAdder",
    "Instant",
    "Date",
    "LocalDateTime",
    "Thread",
];

/// Rust types whose `Debug` text changes while the value keeps its identity, or differs
/// between equal values, by simple name.
const RUST_UNSTABLE_TYPES: &[(&str, &str)] = &[
    ("Instant", "a time"),
    ("SystemTime", "a time"),
    ("DateTime", "a time"),
    ("NaiveDateTime", "a time"),
    ("Cell", "a cell, printed as its current value"),
    (
        "RefCell",
        "a RefCell, printed as `<borrowed>` while borrowed",
    ),
    ("Mutex", "a mutex, printed as `<locked>` while held"),
    ("RwLock", "a lock, printed as `<locked>` while held"),
    ("HashMap", "a HashMap, printed in a random order"),
    ("HashSet", "a HashSet, printed in a random order"),
    ("Thread", "a thread"),
    ("ThreadId", "a thread id"),
];

/// Wrappers whose `Debug` prints what they hold.
const RUST_TRANSPARENT: &[&str] = &["Option", "Box", "Arc", "Rc", "Vec", "VecDeque"];

/// Looks through references and [`RUST_TRANSPARENT`] wrappers: `Option<Arc<Job>>` → `Job`;
/// `None` for a type that holds none of them.
fn rust_inner(ty: &TypeRef) -> Option<TypeRef> {
    let text = ty.0.trim_start_matches('&');
    let text = text
        .strip_prefix('\'')
        .and_then(|t| t.split_once(' '))
        .map_or(text, |(_, t)| t);
    let text = text.strip_prefix("mut ").unwrap_or(text).trim();
    let t = TypeRef::new(text);
    if RUST_TRANSPARENT.contains(&t.simple()) {
        let (open, close) = (text.find('<')?, text.rfind('>')?);
        return (open < close).then(|| TypeRef::new(text[open + 1..close].trim()));
    }
    (text != ty.0).then_some(t)
}

/// Why a Rust field of this type prints unstable `Debug` text (a time, a raw pointer, an
/// atomic, a cell or a lock, as such or inside [`RUST_TRANSPARENT`] wrappers); `None` when it
/// is not one of them (a project type is judged apart).
fn rust_unstable_type(ty: &TypeRef) -> Option<String> {
    let mut ty = ty.clone();
    for _ in 0..MAX_CHAIN {
        let text = ty.0.trim();
        if text.starts_with("*const") || text.starts_with("*mut") {
            return Some("a raw pointer, printed as an address".into());
        }
        let simple = ty.simple();
        if simple.starts_with("Atomic") {
            return Some("an atomic, printed as its current value".into());
        }
        if let Some((_, why)) = RUST_UNSTABLE_TYPES.iter().find(|(n, _)| *n == simple) {
            return Some((*why).into());
        }
        ty = rust_inner(&ty)?;
    }
    None
}

/// What the body of text method `id` prints.
fn body_text(unit: &Unit, id: FuncId, owner: Option<&crate::model::TypeDecl>) -> TextFact {
    let f = &unit.functions[id];
    let mut why: Option<String> = None;
    let method = &f.name;
    let field_ty = |name: &str| {
        owner
            .and_then(|t| t.field(name))
            .and_then(|p| p.ty.as_ref())
    };
    let mut visit = |e: &Expr| {
        if why.is_some() {
            return;
        }
        match &e.kind {
            ExprKind::Call(call) => {
                let path = call.func.path();
                for (p, what) in UNSTABLE_CALLS {
                    let hit = match path.as_deref() {
                        Some(path) => {
                            path == *p
                                || (p.contains('.') && path.ends_with(&format!(".{p}")))
                                || (p.contains("::") && path.ends_with(&format!("::{p}")))
                        }
                        None => false,
                    };
                    // `hashCode()` of this object: the identity hash unless overridden.
                    let own = call.receiver().is_none_or(|r| {
                        matches!(&r.peel().kind, ExprKind::Name(n) if n == "this" || n == "super")
                    });
                    let hit = hit
                        || (*p == "hashCode"
                            && call.name() == Some("hashCode")
                            && call.args.is_empty()
                            && own);
                    if hit {
                        why = Some(format!("its {method}() prints {what}"));
                        return;
                    }
                }
                // `super.toString()` / `super().__repr__()` of a class with no base that
                // defines one: the default text, with its identity.
                let recv_super = call.receiver().is_some_and(|r| match &r.peel().kind {
                    ExprKind::Name(n) => n == "super",
                    ExprKind::Call(c) => c.func.is_path("super"),
                    _ => false,
                });
                if recv_super
                    && call.name() == Some(method.as_str())
                    && owner.is_some_and(|t| t.supertypes.is_empty())
                {
                    why = Some(format!(
                        "its {method}() prints the default text, with the identity"
                    ));
                }
            }
            ExprKind::Construct { ty: Some(t), .. } if t.simple() == "Date" => {
                why = Some(format!("its {method}() prints the time"));
            }
            ExprKind::Format(fmt) if fmt.args.iter().any(|a| a.verb == "p") => {
                why = Some(format!("its {method}() prints an address"));
            }
            ExprKind::Lit(Lit::Str(s)) if s.contains("%p") => {
                why = Some(format!("its {method}() prints an address"));
            }
            ExprKind::Field(base, name)
                if matches!(&base.peel().kind, ExprKind::Name(b) if matches!(b.as_str(), "this" | "self"))
                    || f.receiver.as_ref().is_some_and(|r| base.is_path(&r.name)) =>
            {
                if let Some(ty) = field_ty(name) {
                    let unstable = match unit.lang {
                        Lang::Rust => rust_unstable_type(ty).is_some(),
                        _ => UNSTABLE_FIELD_TYPES.contains(&ty.simple()),
                    };
                    if unstable {
                        why = Some(format!("its {method}() prints `{name}` ({})", ty.0));
                    }
                }
            }
            ExprKind::Name(name) if unit.lang == Lang::Java => {
                if let Some(ty) = field_ty(name) {
                    if UNSTABLE_FIELD_TYPES.contains(&ty.simple()) {
                        why = Some(format!("its {method}() prints `{name}` ({})", ty.0));
                    }
                }
            }
            _ => {}
        }
    };
    walk_stmts(&f.body, &mut |s| {
        for e in s.exprs() {
            e.walk(&mut |x| visit(x));
        }
    });
    match why {
        Some(w) => TextFact::Unstable(w.into()),
        None => TextFact::Stable,
    }
}

// ------------------------------------------------------------------------------ queries

/// What a check knows beyond its file: the index, and which file of it is being checked.
/// Questions the index cannot answer are recorded (see [`Ctx::misses`]).
pub struct Ctx<'a> {
    pub index: &'a Index,
    /// The checked file in the index; `None` when it is not in it (standard input), in which case
    /// only project-wide lookups answer.
    pub file: Option<FileId>,
    misses: RefCell<BTreeSet<Miss>>,
    /// Facts the checks found about the file's own functions ([`Ctx::export`]).
    exports: RefCell<Vec<Export>>,
}

/// A fact a check found about a function of the checked file, for the project index: the
/// function's name, its owner type's simple name for a method, and the facts.
pub type Export = (Box<str>, Option<Box<str>>, FnFacts);

/// A question the index could not answer, as asked from the checked file: replayed against
/// the project's index ([`Index::answers`]) to tell whether a verdict depends on it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum Miss {
    /// A type, as written (pointers and generics removed), resolved from the checked file.
    Type(Box<str>),
    /// A function, by the path a call writes.
    Function(Box<str>),
    /// A method of a type of the checked file's package, declared apart (Go).
    Method { owner: Box<str>, name: Box<str> },
    /// Whether a type, as written, is a project resource ([`Ctx::project_resource`]): unlike
    /// [`Miss::Type`], the project answers it only when the type is one.
    Resource(Box<str>),
    /// Whether a function, by the path a call writes, returns a fresh resource
    /// ([`Ctx::returned_resource`]): answered only when it does.
    Returns(Box<str>),
    /// Whether a type, as written, prints unstable text ([`Ctx::text_fact`]): answered only
    /// when it does.
    Unstable(Box<str>),
    /// Which arguments a function, by the path a call writes, releases
    /// ([`Ctx::released_args`]): answered only when it releases one.
    Releases(Box<str>),
    /// Whether a function, by the path a call writes, cannot throw ([`Ctx::nothrow`]):
    /// answered only when it cannot.
    NoThrow(Box<str>),
}

/// How deep supertype and field chains are followed.
const MAX_CHAIN: usize = 8;

impl<'a> Ctx<'a> {
    pub fn new(index: &'a Index, file: Option<FileId>) -> Ctx<'a> {
        Ctx {
            index,
            file,
            misses: RefCell::new(BTreeSet::new()),
            exports: RefCell::new(Vec::new()),
        }
    }

    /// An index with no files: every answer is `None`.
    pub fn empty() -> &'static Index {
        static EMPTY: std::sync::OnceLock<Index> = std::sync::OnceLock::new();
        EMPTY.get_or_init(Index::default)
    }

    /// The questions the checks asked that the index could not answer. With one file's index,
    /// a verdict can change with the whole project's only if the project's answers one of them
    /// ([`Index::answers`]).
    pub fn misses(&self) -> Vec<Miss> {
        self.misses.borrow().iter().cloned().collect()
    }

    /// Runs `f` and returns what it returns and the misses it caused, without recording them:
    /// a check that asks about many values but relies on few records only those it relied on
    /// ([`Ctx::record`]).
    pub fn capture<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<Miss>) {
        let outer = self.misses.take();
        let out = f();
        let caused = self.misses.replace(outer);
        (out, caused.into_iter().collect())
    }

    /// Offers facts about a function of the checked file to the project (pass 1 joins them to
    /// the file's summary with [`FileDecls::absorb_facts`]).
    pub fn export(&self, fact: Export) {
        self.exports.borrow_mut().push(fact);
    }

    /// The facts offered with [`Ctx::export`].
    pub fn exports(&self) -> Vec<Export> {
        self.exports.take()
    }

    /// Records misses [`Ctx::capture`] held back.
    pub fn record(&self, misses: &[Miss]) {
        self.misses.borrow_mut().extend(misses.iter().cloned());
    }

    /// Records a miss asked from the checked file (questions asked from another file's scope
    /// are only asked of a project index, where misses no longer matter).
    fn miss(&self, scope: Option<FileId>, miss: Miss) {
        if scope == self.file {
            self.misses.borrow_mut().insert(miss);
        }
    }

    /// The checked file's declarations.
    pub fn decls(&self) -> Option<&'a FileDecls> {
        self.file.map(|f| &self.index.files[f])
    }

    /// The project type a type, as written in the checked file, names: declared in the file,
    /// in its package, through an import (`http.Client`, `from m import C`, `import a.b.C`), or
    /// through a wildcard import. `None` when the project declares no such type (a standard or
    /// third-party type, or a name the file does not resolve).
    pub fn resolve(&self, ty: &TypeRef) -> Option<TypeKey> {
        let found = self.resolve_from(self.file, ty.base());
        if found.is_none() {
            self.miss(self.file, Miss::Type(ty.base().into()));
        }
        found
    }

    /// Resolves `base` (a type without pointers or generics) as written in `file`.
    fn resolve_from(&self, file: Option<FileId>, base: &str) -> Option<TypeKey> {
        let ix = self.index;
        let f = &ix.files[file?];
        let lang = f.lang;
        let s = sep(lang);
        let (qual, simple) = match base.rsplit_once(s) {
            Some((q, n)) => (Some(q), n),
            None => (None, base),
        };
        if simple.is_empty() {
            return None;
        }
        match qual {
            None => {
                // The file, then its package.
                if let Some(k) = ix.type_in(lang, &f.package, simple) {
                    return Some(k);
                }
                // An import of the type itself: `import a.b.C`, `from m import C as D`.
                if let Some(imp) = f
                    .imports
                    .iter()
                    .find(|i| !i.wildcard && i.local_name() == simple)
                {
                    let path = self.absolute_import(f, &imp.path);
                    if let Some((pkg, name)) = path.rsplit_once(s) {
                        for p in ix.packages_for(lang, pkg) {
                            if let Some(k) = ix.type_in(lang, p, name) {
                                return Some(k);
                            }
                        }
                    }
                    return None;
                }
                // Wildcard imports: `import a.b.*`, Go's `import . "p"`.
                for imp in f.imports.iter().filter(|i| i.wildcard) {
                    let path = self.absolute_import(f, &imp.path);
                    for p in ix.packages_for(lang, &path) {
                        if let Some(k) = ix.type_in(lang, p, simple) {
                            return Some(k);
                        }
                    }
                }
                if lang == Lang::C {
                    return ix.c_types.get(simple).and_then(|v| v.first()).copied();
                }
                None
            }
            Some(q) => {
                // `pkg.Type` through an import of the package (Go, Python `import a.b as x`),
                // or a qualifier whose first segment is an imported name.
                let (head, rest) = match q.split_once(s) {
                    Some((h, r)) => (h, Some(r)),
                    None => (q, None),
                };
                if let Some(imp) = f
                    .imports
                    .iter()
                    .find(|i| !i.wildcard && i.local_name() == head)
                {
                    let mut path = self.absolute_import(f, &imp.path);
                    // Python `import a.b` binds `a`: `a.b.C` is written in full.
                    if lang == Lang::Python
                        && imp.path.contains('.')
                        && imp.path.split('.').next() == Some(head)
                    {
                        path = head.to_string();
                    }
                    if let Some(r) = rest {
                        path = format!("{path}{s}{r}");
                    }
                    for p in ix.packages_for(lang, &path) {
                        if let Some(k) = ix.type_in(lang, p, simple) {
                            return Some(k);
                        }
                    }
                    // `Outer.Inner` with `Outer` imported: the nested type by its simple name.
                    if lang == Lang::Java {
                        if let Some((pkg, _)) = imp.path.rsplit_once('.') {
                            return ix.type_in(lang, pkg, simple);
                        }
                    }
                    return None;
                }
                // A fully qualified name (`org.a.Segment`, `crate::a::Segment`); in Go and
                // Python a qualifier must be imported to mean a package.
                if matches!(lang, Lang::Java | Lang::Rust) {
                    let q = q.strip_prefix("crate::").unwrap_or(q);
                    for p in ix.packages_for(lang, q) {
                        if let Some(k) = ix.type_in(lang, p, simple) {
                            return Some(k);
                        }
                    }
                }
                // `Outer.Inner` in the file.
                if lang != Lang::Go {
                    if let Some(k) = ix.type_in(lang, &f.package, simple) {
                        if ix.type_in(lang, &f.package, head).is_some() {
                            return Some(k);
                        }
                    }
                }
                None
            }
        }
    }

    /// A Python relative import (`.pool.Pool`) made absolute from the file's module.
    fn absolute_import(&self, f: &FileDecls, path: &str) -> String {
        if f.lang == Lang::Rust {
            return rust_absolute_import(&f.package, path);
        }
        if f.lang != Lang::Python || !path.starts_with('.') {
            return path.to_string();
        }
        let dots = path.chars().take_while(|&c| c == '.').count();
        let rest = &path[dots..];
        // `pkg/mod.py` is module `pkg.mod` in package `pkg`; `pkg/__init__.py` is `pkg` itself.
        let is_init = f.path.ends_with("__init__.py");
        let mut base: Vec<&str> = f.package.split('.').collect();
        let up = if is_init { dots - 1 } else { dots };
        for _ in 0..up {
            base.pop();
        }
        let mut out = base.join(".");
        if !rest.is_empty() {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(rest);
        }
        out
    }

    /// [`Ctx::resolve`] of a type as written in another file of the index (a field's or a
    /// result's type, read from the file that declares it).
    pub fn resolve_at(&self, file: FileId, ty: &TypeRef) -> Option<TypeKey> {
        let found = self.resolve_from(Some(file), ty.base());
        if found.is_none() {
            self.miss(Some(file), Miss::Type(ty.base().into()));
        }
        found
    }

    /// The declaration of a project type, as written in the checked file.
    pub fn type_decl(&self, ty: &TypeRef) -> Option<(TypeKey, &'a TypeInfo)> {
        let k = self.resolve(ty)?;
        Some((k, self.index.type_info(k)))
    }

    /// A supertype of `key`, as written in `key`'s own file.
    fn resolve_in(&self, key: TypeKey, ty: &TypeRef) -> Option<TypeKey> {
        self.resolve_at(key.file, ty)
    }

    /// A project function by the path a call writes: `helper` (same package, or imported),
    /// `pkg.Helper` (through an import). Methods are found with [`Ctx::method`].
    pub fn function(&self, path: &str) -> Option<FnKey> {
        let found = self.function_key(path);
        if found.is_none() {
            self.miss(self.file, Miss::Function(path.into()));
        }
        found
    }

    fn function_key(&self, path: &str) -> Option<FnKey> {
        let ix = self.index;
        let f = &ix.files[self.file?];
        let lang = f.lang;
        let s = sep(lang);
        let path = path.replace("::", s);
        let (qual, name) = match path.rsplit_once(s) {
            Some((q, n)) => (Some(q), n),
            None => (None, path.as_str()),
        };
        match qual {
            None => {
                if let Some(k) = ix.fn_in(lang, &f.package, "", name) {
                    return Some(k);
                }
                let imp = f
                    .imports
                    .iter()
                    .find(|i| !i.wildcard && i.local_name() == name)?;
                let full = self.absolute_import(f, &imp.path);
                let (pkg, n) = full.rsplit_once(s)?;
                ix.packages_for(lang, pkg)
                    .into_iter()
                    .find_map(|p| ix.fn_in(lang, p, "", n))
            }
            // Java's `Util.close(c)`: a static method of a project class, or one it inherits.
            Some(q) if lang == Lang::Java => {
                let t = self.resolve_from(self.file, q)?;
                self.inherited_fn(t, name, 0)
            }
            Some(q) => {
                let imp = f
                    .imports
                    .iter()
                    .find(|i| !i.wildcard && i.local_name() == q)?;
                let full = self.absolute_import(f, &imp.path);
                ix.packages_for(lang, &full)
                    .into_iter()
                    .find_map(|p| ix.fn_in(lang, p, "", name))
            }
        }
    }

    /// Java: the method `name` of class `t`, or of the project class it extends.
    fn inherited_fn(&self, t: TypeKey, name: &str, depth: usize) -> Option<FnKey> {
        let ix = self.index;
        let info = ix.type_info(t);
        if let Some(k) = ix.fn_in(Lang::Java, &ix.files[t.file].package, &info.name, name) {
            return Some(k);
        }
        let sup = info.superclass.as_ref().filter(|_| depth < MAX_CHAIN)?;
        self.inherited_fn(self.resolve_in(t, sup)?, name, depth + 1)
    }

    /// A method of a project type, its own or inherited (supertypes, Go embedded fields): the
    /// result types it declares, and the file they are written in (to resolve them with
    /// [`Ctx::resolve_at`]). Go methods declared in another file of the package count.
    pub fn method(&self, ty: TypeKey, name: &str) -> Option<(FileId, Vec<TypeRef>)> {
        self.method_depth(ty, name, 0)
    }

    fn method_depth(
        &self,
        ty: TypeKey,
        name: &str,
        depth: usize,
    ) -> Option<(FileId, Vec<TypeRef>)> {
        if depth > MAX_CHAIN {
            return None;
        }
        let ix = self.index;
        let info = ix.type_info(ty);
        if let Some(m) = info.methods.iter().find(|m| &*m.name == name) {
            return Some((ty.file, m.results.clone()));
        }
        if let Some(k) = self.method_apart(ty, name) {
            return Some((k.file, ix.fn_info(k).results.clone()));
        }
        for sup in info.supertypes.iter().chain(&info.embedded) {
            if let Some(k) = self.resolve_in(ty, sup) {
                if let Some(r) = self.method_depth(k, name, depth + 1) {
                    return Some(r);
                }
            }
        }
        None
    }

    /// A method of `ty` declared apart from it (Go, Rust `impl`), in any file of its package.
    fn method_apart(&self, ty: TypeKey, name: &str) -> Option<FnKey> {
        let ix = self.index;
        let f = &ix.files[ty.file];
        let owner = &ix.type_info(ty).name;
        let found = ix.fn_in(f.lang, &f.package, owner, name);
        if found.is_none() {
            let miss = Miss::Method {
                owner: owner.clone(),
                name: name.into(),
            };
            self.miss(Some(ty.file), miss);
        }
        found
    }

    /// Whether the method `name` that project type `ty` declares returns a field of its object
    /// (see [`FnFacts::returns_field`]).
    pub fn returns_field(&self, ty: TypeKey, name: &str) -> bool {
        self.method_apart(ty, name)
            .is_some_and(|k| self.index.fn_info(k).facts().returns_field)
    }

    /// Whether a method of that name exists on the type, with no parameters where the
    /// language lets the index tell (Go methods declared apart are summarized by result only).
    fn has_method(&self, ty: TypeKey, name: &str) -> bool {
        self.method(ty, name).is_some()
    }

    /// The declared type of a field of a project type, its own or inherited, and the file it
    /// is written in.
    pub fn field(&self, ty: TypeKey, name: &str) -> Option<(FileId, TypeRef)> {
        self.field_depth(ty, name, 0)
    }

    fn field_depth(&self, ty: TypeKey, name: &str, depth: usize) -> Option<(FileId, TypeRef)> {
        if depth > MAX_CHAIN {
            return None;
        }
        let info = self.index.type_info(ty);
        if let Some((_, t)) = info.fields.iter().find(|(n, _)| &**n == name) {
            return t.clone().map(|t| (ty.file, t));
        }
        for sup in info.supertypes.iter().chain(&info.embedded) {
            if let Some(k) = self.resolve_in(ty, sup) {
                if let Some(t) = self.field_depth(k, name, depth + 1) {
                    return Some(t);
                }
            }
        }
        None
    }

    /// Whether values of `ty` (as written in the checked file) are project resources: a Java
    /// class implementing `Closeable` / `AutoCloseable` directly or through project or standard
    /// supertypes; a Go type with a `Close()` method or embedding an `io.Closer`; a Python class
    /// with `close()` or `__exit__`.
    pub fn resource_type(&self, ty: &TypeRef) -> Option<ResourceType> {
        let key = self.resolve(ty)?;
        self.resource_of(key)
    }

    /// [`Ctx::resource_type`] of a resolved type.
    pub fn resource_of(&self, key: TypeKey) -> Option<ResourceType> {
        let close = self.close_method(key, 0)?;
        Some(ResourceType {
            name: self.index.qualified_name(key),
            close_method: close,
            error_result: None,
        })
    }

    fn close_method(&self, key: TypeKey, depth: usize) -> Option<String> {
        if depth > MAX_CHAIN {
            return None;
        }
        let ix = self.index;
        let lang = ix.files[key.file].lang;
        let info = ix.type_info(key);
        match lang {
            Lang::Java => {
                for sup in &info.supertypes {
                    if STD_CLOSEABLE_JAVA.contains(&sup.simple()) {
                        return Some("close".into());
                    }
                    if let Some(k) = self.resolve_in(key, sup) {
                        if let Some(c) = self.close_method(k, depth + 1) {
                            return Some(c);
                        }
                    }
                }
                None
            }
            Lang::Go => {
                if self.has_method(key, "Close") {
                    return Some("Close".into());
                }
                for e in info.embedded.iter().chain(&info.supertypes) {
                    if STD_CLOSER_GO.contains(&e.base()) {
                        return Some("Close".into());
                    }
                    if let Some(k) = self.resolve_in(key, e) {
                        if let Some(c) = self.close_method(k, depth + 1) {
                            return Some(c);
                        }
                    }
                }
                None
            }
            Lang::Python => {
                for m in ["close", "__exit__"] {
                    if info.methods.iter().any(|x| &*x.name == m) {
                        return Some(m.into());
                    }
                }
                for sup in &info.supertypes {
                    if STD_CLOSEABLE_PYTHON.contains(&sup.base()) {
                        return Some("close".into());
                    }
                    if let Some(k) = self.resolve_in(key, sup) {
                        if let Some(c) = self.close_method(k, depth + 1) {
                            return Some(c);
                        }
                    }
                }
                None
            }
            Lang::Rust | Lang::C => None,
        }
    }

    /// A Java or Python class whose instances must be closed because building one opens
    /// something: it is closeable ([`Ctx::resource_of`]), and its constructor, or a project
    /// superclass's, stores a fresh resource in a field ([`FnFacts::opens`]). A closeable class
    /// that opens lazily, or only wraps what it is given, holds nothing until used. The
    /// question is kept as [`Miss::Resource`], which the whole project answers only when the
    /// type is one. Types released only by `__exit__` (context managers) are left out: nothing
    /// but a `with` releases them.
    pub fn project_resource(&self, ty: &TypeRef) -> Option<ResourceType> {
        let (found, _) = self.capture(|| {
            let key = self.resolve(ty)?;
            self.resource_of(key)
                .filter(|r| r.close_method != "__exit__" && self.opens_when_built(key, 0))
        });
        if found.is_none() && self.file.is_some() {
            self.miss(self.file, Miss::Resource(ty.base().into()));
        }
        found
    }

    /// The resource a call of the project function at `path` (as a call in the checked file
    /// writes it) returns: one its summary says it returns (see [`FnFacts::returns_resource`]);
    /// a declared result type with a `Close` method is not enough, since constructors of such
    /// types often open nothing. A Python class called as a constructor counts as a function
    /// returning its instance ([`Ctx::project_resource`]). `None` when the project declares no
    /// such function, or nothing says it returns a resource.
    pub fn returned_resource(&self, path: &str) -> Option<ResourceType> {
        let (found, _) = self.capture(|| self.returned_resource_of(path));
        if found.is_none() && self.file.is_some() {
            self.miss(self.file, Miss::Returns(path.into()));
        }
        found
    }

    /// The arguments (by index) that a project function, by the path a call writes, releases
    /// (`removeDir(dir)` of a helper that calls `os.RemoveAll(dir)` in another file of the
    /// package). `None` when the project declares no such function, or nothing says it
    /// releases one.
    pub fn released_args(&self, path: &str) -> Option<Vec<u8>> {
        // What resolving the path asked (the class of `Util.close`, the classes it extends)
        // matters only if the answer is yes: that is the question kept.
        let (found, _) = self.capture(|| {
            self.function_key(path)
                .map(|k| self.index.fn_info(k).facts().releases.clone())
                .filter(|r| !r.is_empty())
        });
        if found.is_none() && self.file.is_some() {
            self.miss(self.file, Miss::Releases(path.into()));
        }
        found
    }

    /// Whether the project function a call names by `path` (Java's `Util.closeQuietly`)
    /// cannot throw.
    pub fn nothrow(&self, path: &str) -> bool {
        let (found, _) = self.capture(|| {
            self.function_key(path)
                .is_some_and(|k| self.index.fn_info(k).facts().nothrow)
        });
        if !found && self.file.is_some() {
            self.miss(self.file, Miss::NoThrow(path.into()));
        }
        found
    }

    /// Whether the constructor of `key` or of a project superclass opens a resource.
    fn opens_when_built(&self, key: TypeKey, depth: usize) -> bool {
        if depth > MAX_CHAIN {
            return false;
        }
        let ix = self.index;
        let f = &ix.files[key.file];
        let info = ix.type_info(key);
        let ctor: &str = match f.lang {
            Lang::Java => &info.name,
            Lang::Python => "__init__",
            _ => return false,
        };
        if ix
            .fn_in(f.lang, &f.package, &info.name, ctor)
            .is_some_and(|k| ix.fn_info(k).facts().opens)
        {
            return true;
        }
        info.superclass
            .iter()
            .chain(info.supertypes.iter().filter(|_| f.lang == Lang::Python))
            .filter_map(|sup| self.resolve_in(key, sup))
            .any(|k| self.opens_when_built(k, depth + 1))
    }

    fn returned_resource_of(&self, path: &str) -> Option<ResourceType> {
        let lang = self.decls()?.lang;
        let Some(k) = self.function_key(path) else {
            // `Reader(path)` in Python constructs the class.
            return (lang == Lang::Python)
                .then(|| self.project_resource(&TypeRef::new(path)))
                .flatten();
        };
        let info = self.index.fn_info(k);
        let error_result = (lang == Lang::Go
            && info.results.len() > 1
            && info.results.last().is_some_and(go_error_type))
        .then(|| info.results.len() - 1);
        let release = info.facts().returns_resource.as_ref()?;
        Some(ResourceType {
            name: info.name.to_string(),
            close_method: release.to_string(),
            error_result,
        })
    }

    /// What the text of a project type is when formatted with `verb` (`v`, `+v`, `s`, `r`, …):
    /// `Some(Unstable(why))` for a Go struct holding pointers, times, contexts, channels,
    /// functions or mutexes; a Java class with no `toString()` or one that prints time, counters
    /// or the identity hash; a Python class that falls back to the default repr or prints time
    /// or `id()`. `None` when the type is not the project's or its text is not known.
    pub fn text_fact(&self, ty: &TypeRef) -> Option<TextFact> {
        let key = self.resolve(ty)?;
        self.text_of(key)
    }

    /// [`Ctx::text_fact`] of a resolved type.
    pub fn text_of(&self, key: TypeKey) -> Option<TextFact> {
        self.text_depth(key, 0)
    }

    /// [`Ctx::text_of`] for one form of text: a Rust value formatted with `{:?}` prints its
    /// `Debug`, with `{}` its `Display`.
    pub fn text_of_as(&self, key: TypeKey, form: TextForm) -> Option<TextFact> {
        if self.index.files[key.file].lang == Lang::Rust {
            return self.rust_text(key, 0, form);
        }
        self.text_of(key)
    }

    fn text_depth(&self, key: TypeKey, depth: usize) -> Option<TextFact> {
        if depth > MAX_CHAIN {
            return None;
        }
        let ix = self.index;
        let f = &ix.files[key.file];
        let info = ix.type_info(key);
        if f.lang == Lang::Rust {
            return self.rust_text(key, depth, TextForm::Any);
        }
        if let Some(t) = &info.text {
            return Some(t.clone());
        }
        let has = |a: &[&str]| info.annotations.iter().any(|x| a.contains(&&**x));
        match f.lang {
            Lang::Go => {
                // A `String()` method declared apart from the type.
                if let Some(k) = self.method_apart(key, "String") {
                    return ix.fn_info(k).text.clone();
                }
                if info.kind != TypeKind::Struct {
                    return None;
                }
                if let Some(why) = self.go_unstable_field(key, depth) {
                    return Some(TextFact::Unstable(why.into()));
                }
                Some(TextFact::Stable)
            }
            Lang::Java => {
                match info.kind {
                    TypeKind::Record | TypeKind::Enum => return Some(TextFact::Stable),
                    TypeKind::Class => {}
                    _ => return None,
                }
                if has(&[
                    "ToString",
                    "Data",
                    "Value",
                    "lombok.ToString",
                    "lombok.Data",
                ]) {
                    return Some(TextFact::Stable);
                }
                match &info.superclass {
                    None => Some(TextFact::Unstable(
                        "it has no toString(), so it prints as ClassName@identity-hash".into(),
                    )),
                    Some(sup) => {
                        let k = self.resolve_in(key, sup)?;
                        self.text_depth(k, depth + 1)
                    }
                }
            }
            Lang::Python => {
                if has(&[
                    "dataclass",
                    "dataclasses.dataclass",
                    "attr.s",
                    "attrs",
                    "attr.attrs",
                    "attrs.define",
                    "attrs.frozen",
                    "define",
                    "frozen",
                ]) {
                    return Some(TextFact::Stable);
                }
                let bases: Vec<&TypeRef> = info
                    .supertypes
                    .iter()
                    .filter(|b| b.base() != "object")
                    .collect();
                // The first base (in order, depth first) that defines a text method decides;
                // one that only falls back to the default repr passes the question on.
                for b in bases {
                    let k = self.resolve_in(key, b)?;
                    match self.text_depth(k, depth + 1)? {
                        TextFact::Unstable(why) if &*why == PY_DEFAULT_REPR => {}
                        fact => return Some(fact),
                    }
                }
                Some(TextFact::Unstable(PY_DEFAULT_REPR.into()))
            }
            Lang::Rust | Lang::C => None,
        }
    }

    /// A Rust type's text: its hand-written `impl Display` / `impl Debug` in its file decides;
    /// a derived `Debug` prints the fields ([`Ctx::rust_unstable_field`]). `None` when neither
    /// is known: the text may come from an `impl` elsewhere or a macro.
    fn rust_text(&self, key: TypeKey, depth: usize, form: TextForm) -> Option<TextFact> {
        if depth > MAX_CHAIN {
            return None;
        }
        let info = self.index.type_info(key);
        let debug = || {
            if info.debug_text.is_some() {
                return info.debug_text.clone();
            }
            if !info.annotations.iter().any(|a| &**a == "Debug") {
                return None;
            }
            Some(match self.rust_unstable_field(key, depth) {
                Some(why) => TextFact::Unstable(why.into()),
                None => TextFact::Stable,
            })
        };
        match form {
            TextForm::Display => info.text.clone(),
            TextForm::Debug => debug(),
            TextForm::Any => match (info.text.clone(), debug()) {
                (Some(u @ TextFact::Unstable(_)), _) | (_, Some(u @ TextFact::Unstable(_))) => {
                    Some(u)
                }
                (a, b) => a.or(b),
            },
        }
    }

    /// The first field of a Rust struct or enum with a derived `Debug` whose text is not
    /// stable, described: one of [`rust_unstable_type`], or of a project type whose `Debug`
    /// is not stable.
    fn rust_unstable_field(&self, key: TypeKey, depth: usize) -> Option<String> {
        let info = self.index.type_info(key);
        for (name, ty) in info
            .fields
            .iter()
            .filter_map(|(n, t)| Some((n, t.as_ref()?)))
        {
            if let Some(why) = rust_unstable_type(ty) {
                return Some(format!(
                    "its derived Debug prints `{name}` ({}): {why}",
                    ty.0
                ));
            }
            // A project type inside: its own Debug is printed.
            let mut inner = ty.clone();
            for _ in 0..MAX_CHAIN {
                match rust_inner(&inner) {
                    Some(t) => inner = t,
                    None => break,
                }
            }
            let simple = inner.simple();
            if !simple.starts_with(|c: char| c.is_ascii_uppercase()) || simple == "String" {
                continue;
            }
            if let Some(k) = self.resolve_in(key, &inner) {
                if k != key {
                    if let Some(TextFact::Unstable(why)) =
                        self.rust_text(k, depth + 1, TextForm::Debug)
                    {
                        return Some(format!(
                            "its derived Debug prints `{name}` ({}), and {why}",
                            ty.0
                        ));
                    }
                }
            }
        }
        None
    }

    /// The first field of a Go struct whose `%v` text is not stable, described.
    fn go_unstable_field(&self, key: TypeKey, depth: usize) -> Option<String> {
        if depth > MAX_CHAIN {
            return None;
        }
        let info = self.index.type_info(key);
        let fields = info
            .fields
            .iter()
            .filter_map(|(n, t)| Some((n.to_string(), t.as_ref()?)))
            .chain(info.embedded.iter().map(|t| (t.simple().to_string(), t)));
        for (name, ty) in fields {
            let text = &ty.0;
            let unstable = if text.starts_with('*') || text.contains("]*") {
                // A pointer prints as an address, unless it points to a project type that
                // prints itself.
                let pointee = TypeRef::new(
                    text.trim_start_matches(|c| c != '*')
                        .trim_start_matches('*'),
                );
                match self.resolve_in(key, &pointee) {
                    Some(k) => !matches!(self.index.type_info(k).text, Some(TextFact::Stable)),
                    None => true,
                }
            } else if text.starts_with("chan")
                || text.starts_with("<-chan")
                || text.starts_with("func")
            {
                true
            } else {
                GO_UNSTABLE_FIELDS.contains(&ty.base())
            };
            if unstable {
                return Some(format!("its %v text holds `{name}` ({text})"));
            }
            // A struct field of a project struct type: its own fields are printed too.
            if let Some(k) = self.resolve_in(key, ty) {
                if k != key && self.index.type_info(k).kind == TypeKind::Struct {
                    if let Some(TextFact::Unstable(why)) = self.text_depth(k, depth + 1) {
                        return Some(format!("its %v text holds `{name}`, and {why}"));
                    }
                }
            }
        }
        None
    }
}

/// Why a Python class with no text method of its own or its bases' prints unstably.
const PY_DEFAULT_REPR: &str =
    "it has no __repr__ or __str__, so it prints as <Class object at 0x…>";

/// Standard Java types that are `Closeable` or `AutoCloseable`, by simple name.
const STD_CLOSEABLE_JAVA: &[&str] = &[
    "Closeable",
    "AutoCloseable",
    "InputStream",
    "OutputStream",
    "Reader",
    "Writer",
    "FilterInputStream",
    "FilterOutputStream",
    "BufferedReader",
    "BufferedWriter",
    "Channel",
    "Socket",
    "ServerSocket",
    "Connection",
    "Statement",
    "ResultSet",
];

/// Standard Go types whose method set has `Close`, by qualified name.
const STD_CLOSER_GO: &[&str] = &[
    "io.Closer",
    "io.ReadCloser",
    "io.WriteCloser",
    "io.ReadWriteCloser",
    "os.File",
    "net.Conn",
    "net.Listener",
    "sql.DB",
    "sql.Rows",
    "sql.Stmt",
    "sql.Conn",
];

/// Standard Python bases that make a class closeable.
const STD_CLOSEABLE_PYTHON: &[&str] = &[
    "io.IOBase",
    "io.RawIOBase",
    "io.BufferedIOBase",
    "io.TextIOBase",
    "IOBase",
    "socket.socket",
    "contextlib.AbstractContextManager",
    "AbstractContextManager",
];

/// Go field types whose `%v` text changes, by qualified name.
const GO_UNSTABLE_FIELDS: &[&str] = &[
    "time.Time",
    "time.Timer",
    "context.Context",
    "sync.Mutex",
    "sync.RWMutex",
    "sync.WaitGroup",
    "sync.Once",
    "atomic.Int64",
    "atomic.Int32",
    "atomic.Uint64",
    "atomic.Value",
    "unsafe.Pointer",
];

/// A Go result that reports failure: `error`, or an errno value (`syscall.Errno`, a project's
/// `sys.Errno`), which is non-zero where the call failed.
pub fn go_error_type(t: &TypeRef) -> bool {
    t.0 == "error" || t.simple() == "Errno"
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index of `files` (path, source) and a context for the first.
    fn project(files: &[(&str, &str)]) -> Index {
        let decls = files
            .iter()
            .map(|(path, src)| {
                let lang = Lang::from_path(std::path::Path::new(path)).unwrap();
                summarize(path, &crate::frontend::lower(lang, src).unwrap())
            })
            .collect();
        Index::build(decls)
    }

    fn resource(ix: &Index, file: &str, ty: &str) -> Option<String> {
        let ctx = Ctx::new(ix, ix.file_of(file));
        ctx.resource_type(&TypeRef::new(ty))
            .map(|r| format!("{} {}", r.name, r.close_method))
    }

    #[test]
    fn java_resource_types_through_project_and_standard_supertypes() {
        let ix = project(&[
            ("src/a/Use.java", "package a;\nimport b.Segment;\nimport b.*;\nclass Use {}\n"),
            (
                "src/b/Segment.java",
                "package b;\npublic class Segment extends Base {}\nclass Base implements java.io.Closeable { public void close() {} }\n\
                 interface KeyValueIterator<K, V> extends Iterator<K>, AutoCloseable {}\nclass Plain {}\n",
            ),
        ]);
        assert_eq!(
            resource(&ix, "src/a/Use.java", "Segment").as_deref(),
            Some("b.Segment close")
        );
        // Through the wildcard import.
        assert_eq!(
            resource(&ix, "src/a/Use.java", "KeyValueIterator<String,byte[]>").as_deref(),
            Some("b.KeyValueIterator close")
        );
        assert_eq!(resource(&ix, "src/a/Use.java", "Plain"), None);
        assert_eq!(resource(&ix, "src/a/Use.java", "Unknown"), None);
    }

    #[test]
    fn go_resource_types_by_close_method_or_embedded_closer() {
        let ix = project(&[
            (
                "cmd/main.go",
                "package main\nimport (\n\"example.com/m/server/v3/wal\"\nst \"example.com/m/store\"\n)\n",
            ),
            ("server/wal/segment.go", "package wal\ntype Segment struct{ f *os.File }\ntype Meta struct{ n int }\n"),
            ("server/wal/close.go", "package wal\nfunc (s *Segment) Close() error { return nil }\n"),
            ("server/wal/wrap.go", "package wal\ntype Wrapped struct{ *Segment; n int }\n"),
            (
                "store/store.go",
                "package store\ntype Reader struct{ io.ReadCloser }\ntype Wrapped struct{ *wal.Segment }\n",
            ),
        ]);
        let m = "cmd/main.go";
        assert_eq!(
            resource(&ix, m, "*wal.Segment").as_deref(),
            Some("server/wal.Segment Close")
        );
        assert_eq!(resource(&ix, m, "wal.Meta"), None);
        assert_eq!(
            resource(&ix, m, "st.Reader").as_deref(),
            Some("store.Reader Close")
        );
        assert_eq!(
            resource(&ix, m, "wal.Wrapped").as_deref(),
            Some("server/wal.Wrapped Close")
        );
        // Embedding a project resource promotes its Close.
        let ctx = Ctx::new(&ix, ix.file_of("store/store.go"));
        assert!(
            ctx.resource_type(&TypeRef::new("Wrapped")).is_none(),
            "wal is not imported there"
        );
    }

    #[test]
    fn python_resource_types_by_close_or_exit() {
        let ix = project(&[
            ("pkg/use.py", "from .conn import Conn, Pool\nfrom pkg import conn as c\n"),
            (
                "pkg/conn.py",
                "class Conn:\n    def close(self):\n        pass\nclass Pool:\n    def __exit__(self, *a):\n        pass\n\
                 class Sub(Conn):\n    pass\nclass Plain:\n    pass\n",
            ),
        ]);
        let u = "pkg/use.py";
        assert_eq!(
            resource(&ix, u, "Conn").as_deref(),
            Some("pkg.conn.Conn close")
        );
        assert_eq!(
            resource(&ix, u, "Pool").as_deref(),
            Some("pkg.conn.Pool __exit__")
        );
        assert_eq!(
            resource(&ix, u, "c.Sub").as_deref(),
            Some("pkg.conn.Sub close")
        );
        assert_eq!(resource(&ix, u, "c.Plain"), None);
    }

    #[test]
    fn misses_name_what_the_index_could_not_resolve() {
        let ix = project(&[("a.go", "package a\ntype T struct{}\n")]);
        let ctx = Ctx::new(&ix, Some(0));
        assert!(ctx.resolve(&TypeRef::new("T")).is_some());
        assert!(ctx.resolve(&TypeRef::new("*other.Segment")).is_none());
        assert_eq!(ctx.misses(), [Miss::Type("other.Segment".into())]);
        assert!(!ix.answers(0, &ctx.misses()[0]));
        // The same question asked of a project that declares it, through the file's import.
        let whole = project(&[
            (
                "a/a.go",
                "package a
import \"example.com/m/other\"\ntype T struct{}\n",
            ),
            ("other/s.go", "package other\ntype Segment struct{}\n"),
            ("third/s.go", "package third\ntype String struct{}\n"),
        ]);
        let a = whole.file_of("a/a.go").unwrap();
        assert!(whole.answers(a, &Miss::Type("other.Segment".into())));
        // A name the project declares, but not where this file looks: no dependence.
        assert!(!whole.answers(a, &Miss::Type("String".into())));
        // Whether a type prints unstable text is answered only when it does.
        let text = project(&[
            (
                "a/a.go",
                "package a\nimport \"example.com/m/other\"\ntype T struct{}\n",
            ),
            (
                "other/s.go",
                "package other\nimport \"time\"\ntype Stamp struct{ at time.Time }\ntype Name struct{ s string }\n",
            ),
        ]);
        let a = text.file_of("a/a.go").unwrap();
        assert!(text.answers(a, &Miss::Unstable("other.Stamp".into())));
        assert!(!text.answers(a, &Miss::Unstable("other.Name".into())));
        assert!(text.answers(a, &Miss::Type("other.Name".into())));
    }

    #[test]
    fn the_index_is_the_same_whatever_the_order_of_files() {
        let a = ("x/a.java", "package x;\nclass A extends B {}\n");
        let b = ("y/b.java", "package x;\nclass B {}\nclass A {}\n");
        let one = project(&[a, b]);
        let two = project(&[b, a]);
        let key = |ix: &Index| {
            let ctx = Ctx::new(ix, ix.file_of("y/b.java"));
            ctx.resolve(&TypeRef::new("A"))
                .map(|k| ix.qualified_name(k) + &k.file.to_string())
        };
        assert_eq!(key(&one), key(&two));
    }

    #[test]
    fn rust_use_paths_from_the_crate_root() {
        assert_eq!(
            rust_absolute_import("registry", "crate::lease::Lease"),
            "lease::Lease"
        );
        assert_eq!(
            rust_absolute_import("net::conn", "super::pool::Pool"),
            "net::pool::Pool"
        );
        assert_eq!(
            rust_absolute_import("net", "self::conn::Conn"),
            "net::conn::Conn"
        );
        assert_eq!(rust_absolute_import("a::b", "super::super::C"), "C");
        assert_eq!(
            rust_absolute_import("a", "std::time::Instant"),
            "std::time::Instant"
        );
    }
}
