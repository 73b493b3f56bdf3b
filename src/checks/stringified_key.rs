//! `stringified-key`: a map key that is the string form of a value whose text is not a stable
//! identity, followed from where it is formatted, through locals and fields, to the map access.
//!
//! A value of a project type is judged by what its declaration says (see
//! [`crate::index::Ctx::text_fact`]): a Go struct printed with its fields holds a pointer, a time,
//! a context, a channel, a function or a mutex; a Java class has no `toString()` or prints time,
//! counters or the identity hash; a Python class falls back to the default repr or prints time
//! or `id()`; a Rust type's `Display` or `Debug` (by the verb) prints the time, or its derived
//! `Debug` prints a time, a pointer, an atomic, a cell or a lock. A project type whose text is
//! stable, or a Rust one whose text is not known, is not reported, whatever its name. Other
//! values are judged by the rule data: declared types, then names.

use super::support::{api_matches, map_access, type_matches, type_of};
use super::Finding;
use crate::format_string::printf_verbs;
use crate::index::{Miss, TextFact, TextForm};
use crate::model::{
    walk_stmts, Expr, ExprKind, FnKind, FuncId, Lang, Lit, Span, StmtKind, TypeRef, Unit,
};
use crate::rules::{ApiCall, ApiModel, MapOp, Rule};
use crate::types::TypeEnv;
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::collections::BTreeMap;

pub fn check<'u>(
    rule: &Rule,
    model: &'u ApiModel,
    unit: &'u Unit,
    ctx: &'u super::Ctx<'u>,
    out: &mut Vec<Finding>,
) {
    let mut cx = Cx {
        unit,
        model,
        origins: BTreeMap::new(),
        locals: HashMap::new(),
        fields: HashMap::new(),
        emptied: emptied_fields(unit),
        ctx,
        envs: RefCell::new(HashMap::new()),
        pending: RefCell::new(Vec::new()),
    };
    // Functions are numbered in source pre-order, so a closure comes after the function whose
    // variables it captures.
    for id in 0..unit.functions.len() {
        cx.taint_bindings(id);
    }
    let mut uses: BTreeMap<Span, Vec<(Span, String)>> = BTreeMap::new();
    for id in 0..unit.functions.len() {
        cx.find_uses(id, &mut uses);
    }
    for (span, labels) in uses {
        let origin = &cx.origins[&span];
        // A value the file's own index could not judge: whether it is unstable depends on the
        // project, so the questions it raised are what this file's verdict depends on.
        let Some(value) = &origin.value else {
            ctx.record(&origin.pending);
            continue;
        };
        let mut labels = labels;
        labels.sort();
        labels.dedup();
        out.push(Finding {
            span,
            message: rule.message.replace("{value}", value),
            labels,
            demoted: false,
        });
    }
}

/// A finding needs an unstable value: a name or type the data lists, an address or debug
/// conversion, or a project type (known only from the index) formatted by one of the rule's
/// stringifying calls. These are the literals such a value leaves in the text. A project type
/// formatted only by concatenation or an f-string, in a file with none of them, is not seen.
pub fn required_literals(model: &ApiModel) -> Vec<String> {
    let mut lits = Vec::new();
    for name in &model.unstable_names {
        // Names match by their last word, whatever its case: `ctx`, `parentCtx`, `CTX`.
        let mut cap = name.clone();
        // (`get_mut`: a name may start with a character of several bytes.)
        if let Some(first) = cap.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        lits.extend([name.to_lowercase(), cap, name.to_uppercase()]);
    }
    for ty in model.unstable_types.iter() {
        let simple = ty.trim_start_matches('*');
        let simple = crate::model::last_segment(simple);
        lits.push(simple.to_string());
    }
    for verb in model.address_verbs.iter().chain(&model.debug_verbs) {
        // printf `%p`, brace `:p}` / `:?}` / `:#?}`, Python's `!r}`.
        lits.extend([format!("%{verb}"), format!("{verb}}}")]);
    }
    match &model.typed_literals {
        Some(typed) => lits.extend(typed.iter().cloned()),
        None => {
            for api in &model.stringify {
                // `String.valueOf(`, `str(`, `.toString(`.
                if let Some(call) = &api.call {
                    lits.push(format!("{call}("));
                }
                if let Some(m) = &api.method {
                    lits.push(format!(".{m}("));
                }
            }
        }
    }
    lits.retain(|l| !l.is_empty());
    lits.sort();
    lits.dedup();
    lits
}

/// A formatting expression whose result is unstable.
struct Origin {
    /// What was formatted, for the message: "`ctx` (context.Context)"; `None` for a value
    /// whose type the index could not resolve, followed in case it reaches a map key.
    value: Option<String>,
    /// The questions the index could not answer about the value.
    pending: Vec<Miss>,
}

/// Where a tainted string came from: the formatting expression, and the field store it
/// passed through, if any.
#[derive(Clone, Copy)]
struct Taint {
    origin: Span,
    field_store: Option<Span>,
}

struct Cx<'u> {
    unit: &'u Unit,
    model: &'u ApiModel,
    origins: BTreeMap<Span, Origin>,
    /// Local variables holding an unstable key, per function.
    locals: HashMap<(FuncId, &'u str), Taint>,
    /// Fields assigned an unstable key anywhere in the file.
    fields: HashMap<&'u str, Taint>,
    /// Fields holding a map that a method empties again ([`emptied_fields`]).
    emptied: foldhash::HashSet<&'u str>,
    ctx: &'u super::Ctx<'u>,
    /// Type environments, per function, built when a value's type is first asked.
    envs: RefCell<HashMap<FuncId, std::rc::Rc<TypeEnv<'u>>>>,
    /// The misses of the values judged since the last formatting expression began.
    pending: RefCell<Vec<Miss>>,
}

impl<'u> Cx<'u> {
    /// Records which variables and fields are assigned an unstable string.
    fn taint_bindings(&mut self, id: FuncId) {
        let unit = self.unit;
        walk_stmts(&unit.functions[id].body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                if targets.len() == values.len() {
                    for (t, v) in targets.iter().zip(values) {
                        if let Some(taint) = self.taint_of(id, v) {
                            self.bind(id, t, taint);
                        }
                    }
                }
            }
            for e in s.exprs() {
                e.walk(&mut |e| {
                    if let ExprKind::Construct { fields, .. } = &e.kind {
                        for (name, value) in fields {
                            if let (Some(name), Some(taint)) = (name, self.taint_of(id, value)) {
                                let store = Some(value.span);
                                self.fields.insert(
                                    name,
                                    Taint {
                                        field_store: store,
                                        ..taint
                                    },
                                );
                            }
                        }
                    }
                });
            }
        });
    }

    fn bind(&mut self, id: FuncId, target: &'u Expr, taint: Taint) {
        match &target.peel().kind {
            ExprKind::Name(n) if n != "_" => {
                self.locals.insert((id, n), taint);
            }
            ExprKind::Field(_, n) => {
                let store = Some(target.span);
                self.fields.insert(
                    n,
                    Taint {
                        field_store: store,
                        ..taint
                    },
                );
            }
            _ => {}
        }
    }

    /// Finds map accesses keyed by an unstable string, grouped by the string's origin.
    fn find_uses(&mut self, id: FuncId, uses: &mut BTreeMap<Span, Vec<(Span, String)>>) {
        let unit = self.unit;
        // How each map local is bound, asked once per name: a function may index its maps
        // thousands of times.
        let mut bindings: HashMap<&str, (bool, bool)> = HashMap::new();
        walk_stmts(&unit.functions[id].body, &mut |s| {
            let targets: Vec<Span> = match &s.kind {
                StmtKind::Bind { targets, .. } => targets.iter().map(|t| t.span).collect(),
                _ => Vec::new(),
            };
            let deleting = matches!(&s.kind, StmtKind::Expr(e) if is_python_del(e));
            for e in s.exprs() {
                e.walk(&mut |e| {
                    let Some((map, key, op)) = map_access(self.model, e) else {
                        return;
                    };
                    let (bound, fresh) = match &map.peel().kind {
                        ExprKind::Name(name) => *bindings
                            .entry(name.as_str())
                            .or_insert_with(|| self.local_binding(id, name)),
                        _ => (false, false),
                    };
                    if fresh {
                        // A map made in this function dies with it: nothing accumulates.
                        return;
                    }
                    // Stored into a map the code empties again (per query, per run), under a
                    // key the code keeps to read it back: that map does not only grow.
                    let stored = targets.contains(&e.span);
                    if stored
                        && matches!(&map.peel().kind, ExprKind::Field(_, n) if self.emptied.contains(n.as_str()))
                    {
                        return;
                    }
                    // `f"context: {ctx}" in out_text`: `in` on a local of unknown type is as
                    // likely a substring test as a lookup.
                    if op == MapOp::Contains && bound {
                        return;
                    }
                    let op = match op {
                        MapOp::Lookup if stored => MapOp::Insert,
                        MapOp::Lookup if deleting => MapOp::Delete,
                        op => op,
                    };
                    if let Some(taint) = self.taint_of(id, key) {
                        let labels = uses.entry(taint.origin).or_default();
                        labels.push((e.span, use_label(op).to_string()));
                        if let Some(store) = taint.field_store.filter(|&s| s != taint.origin) {
                            labels.push((store, "the key is stored in a field here".into()));
                        }
                    }
                });
            }
        });
    }

    /// Whether the map local `name` is bound in the function, and whether to a map created in
    /// this function.
    fn local_binding(&self, id: FuncId, name: &str) -> (bool, bool) {
        let (mut bound, mut fresh) = (false, false);
        walk_stmts(&self.unit.functions[id].body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                let is_name = |t: &Expr| matches!(&t.kind, ExprKind::Name(n) if n == name);
                bound |= targets.iter().any(is_name);
                for (t, v) in targets.iter().zip(values) {
                    if is_name(t) {
                        fresh = is_new_container(v);
                    }
                }
            }
        });
        (bound, fresh)
    }

    /// Whether `e` evaluates to an unstable string: formatted here, or read from a tainted
    /// local or field.
    fn taint_of(&mut self, id: FuncId, e: &'u Expr) -> Option<Taint> {
        let e = e.peel();
        match &e.kind {
            ExprKind::Name(n) => self.local(id, n),
            ExprKind::Field(_, n) => self.fields.get(n.as_str()).copied(),
            ExprKind::Format(f) => {
                self.pending.borrow_mut().clear();
                if let Some(value) = f
                    .args
                    .iter()
                    .find_map(|a| self.unstable(id, &a.expr, &a.verb))
                {
                    return Some(self.origin(e.span, value));
                }
                let pending = std::mem::take(&mut *self.pending.borrow_mut());
                // `prefix + key`: concatenating a tainted string keeps it tainted.
                f.args
                    .iter()
                    .find_map(|a| self.taint_of(id, &a.expr))
                    .or_else(|| self.pending_origin(e.span, pending))
            }
            ExprKind::Call(call) => {
                let api = self
                    .model
                    .stringify
                    .iter()
                    .find(|api| api_matches(api, call))?;
                self.pending.borrow_mut().clear();
                match self.stringified_value(id, api, call) {
                    Some(value) => Some(self.origin(e.span, value)),
                    None => {
                        let pending = std::mem::take(&mut *self.pending.borrow_mut());
                        self.pending_origin(e.span, pending)
                    }
                }
            }
            _ => None,
        }
    }

    /// A value not judged unstable here, but only because the file's index lacked a type: it
    /// is followed like an unstable one, and reported never; reaching a map key, it makes the
    /// file's verdict depend on the project.
    fn pending_origin(&mut self, span: Span, pending: Vec<Miss>) -> Option<Taint> {
        if pending.is_empty() {
            return None;
        }
        self.origins.entry(span).or_insert(Origin {
            value: None,
            pending,
        });
        Some(Taint {
            origin: span,
            field_store: None,
        })
    }

    fn origin(&mut self, span: Span, value: String) -> Taint {
        self.origins.entry(span).or_insert(Origin {
            value: Some(value),
            pending: Vec::new(),
        });
        Taint {
            origin: span,
            field_store: None,
        }
    }

    fn local(&self, id: FuncId, name: &str) -> Option<Taint> {
        let mut f = Some(id);
        while let Some(id) = f {
            if let Some(t) = self.locals.get(&(id, name)) {
                return Some(*t);
            }
            f = self.unit.functions[id].parent;
        }
        None
    }

    /// For a call that stringifies, the description of the first unstable value it formats.
    fn stringified_value(
        &self,
        id: FuncId,
        api: &ApiCall,
        call: &'u crate::model::Call,
    ) -> Option<String> {
        if let Some(t) = api.template {
            let verbs = match call.args.get(t).map(|a| &a.peel().kind) {
                Some(ExprKind::Lit(Lit::Str(s))) => printf_verbs(s),
                _ => Vec::new(),
            };
            return call.args.iter().skip(t + 1).enumerate().find_map(|(i, a)| {
                let verb = verbs.get(i).map_or("v", String::as_str);
                self.unstable(id, a, verb)
            });
        }
        if api.method.is_some() && call.args.is_empty() {
            return self.unstable(id, call.receiver()?, &api.verb);
        }
        call.args
            .iter()
            .find_map(|a| self.unstable(id, a, &api.verb))
    }

    fn env(&self, id: FuncId) -> std::rc::Rc<TypeEnv<'u>> {
        self.envs
            .borrow_mut()
            .entry(id)
            .or_insert_with(|| std::rc::Rc::new(TypeEnv::new(self.ctx, self.unit, id)))
            .clone()
    }

    /// Whether formatting `e` with `verb` gives text that is not a stable identity; if so, a
    /// description of `e` for the message.
    fn unstable(&self, id: FuncId, e: &Expr, verb: &str) -> Option<String> {
        let m = self.model;
        let shown = describe(e);
        if m.address_verbs.iter().any(|v| v == verb) {
            return Some(format!("the address of `{shown}`"));
        }
        // A type the data calls stable (`string`, `int`) is not the project's.
        if type_of(self.unit, id, e)
            .is_some_and(|ty| type_matches(&m.stable_types, &unwrap_type(ty)))
        {
            return None;
        }
        // A project type: its declaration decides. What the index could not answer is held
        // back: it matters only if the value reaches a map key.
        let env = self.env(id);
        let debug = m.debug_verbs.iter().any(|v| v == verb);
        let form = if debug {
            TextForm::Debug
        } else {
            TextForm::Display
        };
        let ((fact, ty, project), mut misses) = self.ctx.capture(|| {
            let project = env.project_type(e).is_some();
            (env.text_fact_as(e, form), env.type_of(e), project)
        });
        // Judged below by the rule data, the verdict changes if the project declares the type
        // after all: that question is recorded with the finding.
        let asked = misses.clone();
        // Only the type of `e` itself was unresolved: the project changes the verdict only if
        // that type prints unstable text, so that is the question kept.
        if let ([Miss::Type(t)], Some(ty)) = (misses.as_slice(), ty) {
            if **t == *ty.base() {
                misses = vec![Miss::Unstable(t.clone())];
            }
        }
        self.pending.borrow_mut().extend(misses);
        if let Some(fact) = fact {
            return match fact {
                TextFact::Stable => None,
                TextFact::Unstable(why) => {
                    let ty = env.type_of(e).map(|t| t.0).unwrap_or_default();
                    Some(format!("`{shown}` ({ty}: {why})"))
                }
            };
        }
        if let Some(ty) = type_of(self.unit, id, e) {
            let ty = &unwrap_type(ty);
            if type_matches(&m.stable_types, ty) {
                return None;
            }
            let found = if type_matches(&m.unstable_types, ty) {
                Some(format!("`{shown}` ({})", ty.0))
            } else if debug && !project {
                // A project type whose debug text is not known (an `impl Debug` elsewhere, a
                // macro) stays quiet: unknown is not unstable.
                Some(format!("`{shown}` ({}, debug-formatted)", ty.0))
            } else {
                None
            };
            if found.is_some() {
                self.ctx.record(&asked);
            }
            return found;
        }
        // A Go package's member (`servicegraphs.Request`, a constant of the package) is
        // declared once for the program, whatever its name says: its type decides, and
        // unknown stays quiet.
        if self.unit.lang == Lang::Go && package_member(self.unit, e) {
            return None;
        }
        let word = last_word(e.hint_name()?);
        m.unstable_names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(&word))
            .then(|| format!("`{shown}`"))
    }
}

/// `pkg.Name`, where `pkg` is a package the file imports.
fn package_member(unit: &Unit, e: &Expr) -> bool {
    let ExprKind::Field(base, _) = &e.peel().kind else {
        return false;
    };
    let ExprKind::Name(q) = &base.peel().kind else {
        return false;
    };
    unit.import_named(q).is_some()
}

/// A map display, a constructor, or a call that makes an empty map (`make`, `dict`,
/// `HashMap::new`).
fn is_new_container(e: &Expr) -> bool {
    const MAKERS: &[&str] = &[
        "make",
        "dict",
        "defaultdict",
        "OrderedDict",
        "Counter",
        "new",
        "with_capacity",
        "default",
    ];
    match &e.peel().kind {
        ExprKind::Construct { .. } => true,
        ExprKind::Call(call) => call.name().is_some_and(|n| MAKERS.contains(&n)),
        _ => false,
    }
}

/// The fields a method other than a constructor sets to a new, empty map (`e.exprs =
/// make(map[string]*Expr)` at the start of each query), or clears (`self._seen.clear()`, Go's
/// `clear(s.seen)`).
fn emptied_fields(unit: &Unit) -> foldhash::HashSet<&str> {
    let mut out = foldhash::HashSet::default();
    for f in &unit.functions {
        let constructor = f.name == "__init__" || f.owner.as_deref() == Some(f.name.as_str());
        if f.kind != FnKind::Method || constructor {
            continue;
        }
        walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                for (t, v) in targets.iter().zip(values) {
                    if let (ExprKind::Field(_, n), true) = (&t.peel().kind, is_new_container(v)) {
                        out.insert(n.as_str());
                    }
                }
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    let ExprKind::Call(c) = &x.kind else { return };
                    let cleared = match (c.name(), c.receiver(), c.args.as_slice()) {
                        (Some("clear"), Some(r), []) => Some(r),
                        (Some("clear"), None, [a]) => Some(a),
                        _ => None,
                    };
                    if let Some(ExprKind::Field(_, n)) = cleared.map(|e| &e.peel().kind) {
                        out.insert(n.as_str());
                    }
                });
            }
        });
    }
    out
}

fn is_python_del(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call(c) if c.func.is_path("del"))
}

fn use_label(op: MapOp) -> &'static str {
    match op {
        MapOp::Lookup => "looked up with this key",
        MapOp::Insert => "stored under this key",
        MapOp::Delete => "deleted with this key, which matches nothing stored",
        MapOp::Contains => "tested with this key",
    }
}

/// A short rendering of the formatted value for the message.
fn describe(e: &Expr) -> String {
    let e = e.peel();
    if let Some(p) = e.path() {
        return p;
    }
    if let ExprKind::Call(call) = &e.kind {
        let recv = call.receiver().and_then(Expr::path);
        let name = call.name().unwrap_or("…");
        return match recv {
            Some(r) => format!("{r}.{name}()"),
            None => format!("{name}()"),
        };
    }
    "the value".to_string()
}

/// Looks through wrappers that print their contents: `Arc<Request>` → `Request`,
/// `Optional[Request]` → `Request`.
fn unwrap_type(ty: &TypeRef) -> TypeRef {
    const WRAPPERS: &[&str] = &["Arc", "Rc", "Box", "Option", "Optional", "Mutex", "RefCell"];
    let text = &ty.0;
    if WRAPPERS.contains(&ty.simple()) {
        if let (Some(open), Some(close)) = (text.find(['<', '[']), text.rfind(['>', ']'])) {
            if open < close {
                return unwrap_type(&TypeRef::new(&text[open + 1..close]));
            }
        }
    }
    ty.clone()
}

/// The last word of an identifier, lower-cased: `parentCtx` → `ctx`, `http_request` →
/// `request`, `getContext` → `context`.
fn last_word(name: &str) -> String {
    let name = name.trim_end_matches(|c: char| c == '_' || c.is_ascii_digit());
    let tail = name.rsplit('_').next().unwrap_or(name);
    let start = tail
        .char_indices()
        .filter(|(_, c)| c.is_uppercase())
        .map(|(i, _)| i)
        .next_back()
        .unwrap_or(0);
    tail[start..].to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(last_word("parentCtx"), "ctx");
        assert_eq!(last_word("http_request"), "request");
        assert_eq!(last_word("getContext"), "context");
        assert_eq!(last_word("ctxKey"), "key");
        assert_eq!(last_word("inctx"), "inctx");
        assert_eq!(last_word("req2"), "req");
    }

    #[test]
    fn type_patterns() {
        let pats: Vec<String> = ["context.Context", "*Request", "Object"]
            .map(String::from)
            .to_vec();
        assert!(type_matches(&pats, &TypeRef::new("context.Context")));
        assert!(type_matches(&pats, &TypeRef::new("*http.Request")));
        assert!(type_matches(&pats, &TypeRef::new("HttpServletRequest")));
        assert!(type_matches(&pats, &TypeRef::new("Object")));
        assert!(!type_matches(&pats, &TypeRef::new("string")));
        assert!(!type_matches(&pats, &TypeRef::new("RequestId")));
        assert_eq!(
            unwrap_type(&TypeRef::new("Arc<Mutex<Request>>")).0,
            "Request"
        );
        assert_eq!(unwrap_type(&TypeRef::new("Optional[Session]")).0, "Session");
    }
}
