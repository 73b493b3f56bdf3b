//! `client-per-call`: a pooled client built where it runs per request — in a request handler,
//! in a loop, in a callback run per request or element, or in a function of the file that one of
//! those calls — and then neither closed nor kept (returned, stored, handed to another call,
//! captured by a closure).

use super::support::{call_matches, render, resolve_function, type_matches};
use super::Finding;
use crate::model::{Expr, ExprKind, FnKind, FuncId, Lang, Span, Stmt, StmtKind, Unit};
use crate::rules::{ApiModel, CallPattern, Rule};
use std::collections::{BTreeMap, BTreeSet};

pub fn check(rule: &Rule, model: &ApiModel, unit: &Unit, out: &mut Vec<Finding>) {
    let mut sites = Vec::new();
    let mut calls = Vec::new();
    let mut looped_closures = BTreeMap::new();
    for id in 1..unit.functions.len() {
        let mut w = Walk {
            model,
            unit,
            id,
            sites: &mut sites,
            calls: &mut calls,
            looped_closures: &mut looped_closures,
            elements: Vec::new(),
        };
        w.block(&unit.functions[id].body, None, false);
    }
    if sites.is_empty() {
        return;
    }
    let why = per_call(model, unit, &calls, &looped_closures);
    for site in sites {
        if run_once(model, unit, site.id) {
            continue;
        }
        let reason = match site.in_loop {
            Some(l) => Why::Loop(l),
            None => match why.get(&site.id) {
                Some(w) => w.clone(),
                None => continue,
            },
        };
        if fate(model, unit, site.id, site.stmt, site.expr, site.scoped) != Fate::Dropped {
            continue;
        }
        let (context, labels) = explain(unit, &why, &reason);
        let shown = match &site.expr.kind {
            ExprKind::Construct { ty: Some(t), .. } if unit.lang == Lang::Java => {
                format!("new {}(…)", t.base())
            }
            _ => render(site.expr),
        };
        let value = format!("`{shown}` builds a pooled client {context}");
        out.push(Finding {
            span: site.expr.span,
            message: rule.message.replace("{value}", &value),
            labels,
            demoted: false,
        });
    }
}

/// The names a loop binds to each element, at the top of its body (a `Bind` without values).
fn element_names(body: &[Stmt]) -> impl Iterator<Item = &str> {
    body.iter()
        .take_while(|s| matches!(&s.kind, StmtKind::Bind { values, .. } if values.is_empty()))
        .flat_map(|s| match &s.kind {
            StmtKind::Bind { targets, .. } => targets.as_slice(),
            _ => &[],
        })
        .filter_map(|t| match &t.kind {
            ExprKind::Name(n) if n != "_" => Some(n.as_str()),
            _ => None,
        })
}

/// Why a function runs per request.
#[derive(Clone, Debug)]
enum Why {
    /// It takes a request: the parameter.
    Handler(Span, String),
    /// It is (defined, or called) inside this loop.
    Loop(Span),
    /// It is passed to a call that runs it per request or element.
    Registered(Span, String),
    /// It is called from this function, at this call.
    CalledFrom(FuncId, Span),
}

struct Site<'u> {
    id: FuncId,
    stmt: &'u Stmt,
    expr: &'u Expr,
    in_loop: Option<Span>,
    scoped: bool,
}

/// A call of a function of this file: caller, callee, the call, and the loop it is in.
struct Edge {
    from: FuncId,
    to: FuncId,
    span: Span,
    in_loop: Option<Span>,
}

struct Walk<'a, 'u> {
    model: &'u ApiModel,
    unit: &'u Unit,
    id: FuncId,
    sites: &'a mut Vec<Site<'u>>,
    calls: &'a mut Vec<Edge>,
    looped_closures: &'a mut BTreeMap<FuncId, Span>,
    /// The names the enclosing loops bind to each element (`server` of `for server in
    /// servers`).
    elements: Vec<&'u str>,
}

impl<'u> Walk<'_, 'u> {
    fn block(&mut self, block: &'u [Stmt], in_loop: Option<Span>, scoped: bool) {
        for s in block {
            for e in s.exprs() {
                self.expr(s, e, in_loop, scoped);
            }
            match &s.kind {
                StmtKind::Loop { body, .. } => {
                    let depth = self.elements.len();
                    self.elements.extend(element_names(body));
                    self.block(body, Some(s.span), false);
                    self.elements.truncate(depth);
                }
                StmtKind::Scoped { bindings, body } => {
                    self.block(bindings, in_loop, true);
                    self.block(body, in_loop, false);
                }
                _ => {
                    for b in s.blocks() {
                        self.block(b, in_loop, false);
                    }
                }
            }
        }
    }

    fn expr(&mut self, s: &'u Stmt, root: &'u Expr, in_loop: Option<Span>, scoped: bool) {
        root.walk(&mut |e| {
            // Only calls and constructions match a constructor pattern.
            if is_client(self.model, e) && !self.wraps(e) && !self.per_element(e) {
                self.sites.push(Site {
                    id: self.id,
                    stmt: s,
                    expr: e,
                    in_loop,
                    scoped,
                });
            }
            match &e.kind {
                ExprKind::Call(call) => {
                    if let Some(to) = callee(self.unit, self.id, &call.func) {
                        self.calls.push(Edge {
                            from: self.id,
                            to,
                            span: e.span,
                            in_loop,
                        });
                    }
                }
                ExprKind::Closure(c) => {
                    if let Some(l) = in_loop {
                        self.looped_closures.entry(*c).or_insert(l);
                    }
                }
                _ => {}
            }
        });
    }
}

impl Walk<'_, '_> {
    /// Whether the construction `e` is given the element a loop goes through (`Client::open(
    /// server.connection_info())` in `for server in servers`) and closes when dropped: one
    /// client per server, not one per request.
    fn per_element(&self, e: &Expr) -> bool {
        if !self.model.dropped_closes {
            return false;
        }
        let args: &[Expr] = match &e.kind {
            ExprKind::Call(c) => &c.args,
            ExprKind::Construct { fields, .. } => {
                return fields.iter().any(|(_, v)| self.refers_to_element(v))
            }
            _ => return false,
        };
        args.iter().any(|a| self.refers_to_element(a))
    }

    fn refers_to_element(&self, e: &Expr) -> bool {
        let mut hit = false;
        e.walk(&mut |x| {
            if let ExprKind::Name(n) = &x.kind {
                hit |= self.elements.contains(&n.as_str());
            }
        });
        hit
    }

    /// Whether the construction `e` only wraps a connection that is already open.
    fn wraps(&self, e: &Expr) -> bool {
        let Some(p) = self
            .model
            .client_constructors
            .iter()
            .find(|p| matches_ctor(p, e))
        else {
            return false;
        };
        let args: Vec<&Expr> = match &e.kind {
            ExprKind::Call(c) => c.args.iter().collect(),
            ExprKind::Construct { fields, .. } => fields.iter().map(|(_, v)| v).collect(),
            _ => Vec::new(),
        };
        args.iter().any(|a| {
            super::support::type_of(self.unit, self.id, a)
                .is_some_and(|t| type_matches(&p.wraps, t))
                || a.hint_name().is_some_and(|n| {
                    !matches!(a.peel().kind, ExprKind::Call(_))
                        && p.wraps.iter().any(|w| w.eq_ignore_ascii_case(n))
                })
        })
    }
}

/// Whether `e` builds a client named in `client_constructors`.
fn is_client(model: &ApiModel, e: &Expr) -> bool {
    model.client_constructors.iter().any(|p| matches_ctor(p, e))
}

fn matches_ctor(p: &CallPattern, e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call(call) => {
            if p.call.is_some() {
                return call_matches(p, call);
            }
            // `Client(…)` for a Python class named in `new`.
            p.new.as_deref().is_some_and(|t| call.func.is_path(t))
        }
        ExprKind::Construct {
            ty: Some(ty),
            fields,
        } => {
            let Some(t) = &p.new else {
                return false;
            };
            if !type_matches(std::slice::from_ref(t), ty) || ty.0.ends_with(']') {
                return false;
            }
            p.with_field.is_empty()
                || fields.iter().any(|(name, v)| {
                    name.as_deref()
                        .is_some_and(|n| p.with_field.iter().any(|w| w == n))
                        && matches!(
                            v.peel().kind,
                            ExprKind::Construct { .. } | ExprKind::Call(_)
                        )
                })
        }
        _ => false,
    }
}

/// A call of a function of this file, resolved strictly: a function by name, or a method on
/// `self` / `this` / the Go receiver.
fn callee(unit: &Unit, id: FuncId, func: &Expr) -> Option<FuncId> {
    match &func.peel().kind {
        ExprKind::Name(n) => {
            if let Some(f) = resolve_function(unit, id, func) {
                return Some(f);
            }
            if unit.lang == Lang::Java {
                return unique_method(unit, n);
            }
            None
        }
        ExprKind::Field(base, n) => {
            let recv = base.path()?;
            let own = &unit.functions[id];
            let go_receiver = unit.lang == Lang::Go
                && own.kind == FnKind::Method
                && own.params.first().is_some_and(|p| p.name == recv);
            if matches!(recv.as_str(), "self" | "this" | "cls") || go_receiver {
                return unique_method(unit, n);
            }
            None
        }
        _ => None,
    }
}

fn unique_method(unit: &Unit, name: &str) -> Option<FuncId> {
    let mut found = unit
        .functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FnKind::Method && f.name == name);
    let (first, _) = found.next()?;
    found.next().is_none().then_some(first)
}

/// Whether `id` (or the function it is nested in) runs once or only in tests.
fn run_once(model: &ApiModel, unit: &Unit, id: FuncId) -> bool {
    super::support::chain(unit, id).any(|f| {
        let name = &unit.functions[f].name;
        !name.is_empty()
            && model.run_once.iter().any(|p| match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == p,
            })
    })
}

/// The functions that run per request, and why.
fn per_call(
    model: &ApiModel,
    unit: &Unit,
    calls: &[Edge],
    looped: &BTreeMap<FuncId, Span>,
) -> BTreeMap<FuncId, Why> {
    let mut why: BTreeMap<FuncId, Why> = BTreeMap::new();
    for (id, f) in unit.functions.iter().enumerate().skip(1) {
        if run_once(model, unit, id) {
            continue;
        }
        let handler = f.params.iter().find(|p| match &p.ty {
            Some(t) => type_matches(&model.handler_types, t),
            None => model.handler_param_names.contains(&p.name),
        });
        if let Some(p) = handler {
            let shown = match &p.ty {
                Some(t) => format!("{} {}", p.name, t.0),
                None => p.name.clone(),
            };
            why.insert(id, Why::Handler(p.span, shown));
        } else if let Some(l) = looped.get(&id) {
            why.insert(id, Why::Loop(*l));
        }
    }
    // Functions passed to calls that run them per request or element.
    for id in 0..unit.functions.len() {
        super::support::each_expr(unit, id, &mut |_, e| {
            let ExprKind::Call(call) = &e.kind else {
                return;
            };
            if !model
                .handler_registrations
                .iter()
                .any(|p| super::support::call_matches_on(unit, id, p, call))
            {
                return;
            }
            for a in &call.args {
                if let Some(f) = resolve_function(unit, id, a) {
                    if f != id && !run_once(model, unit, f) {
                        why.entry(f)
                            .or_insert_with(|| Why::Registered(call.func.span, render(&call.func)));
                    }
                }
            }
        });
    }
    for edge in calls {
        if let Some(l) = edge.in_loop {
            if !run_once(model, unit, edge.to) {
                why.entry(edge.to).or_insert(Why::Loop(l));
            }
        }
    }
    // Whatever a per-request function calls runs per request too.
    loop {
        let mut changed = false;
        for edge in calls {
            if why.contains_key(&edge.from)
                && !why.contains_key(&edge.to)
                && !run_once(model, unit, edge.to)
            {
                why.insert(edge.to, Why::CalledFrom(edge.from, edge.span));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    why
}

/// The context for the message, and the related sites.
fn explain(
    unit: &Unit,
    why: &BTreeMap<FuncId, Why>,
    reason: &Why,
) -> (String, Vec<(Span, String)>) {
    let mut labels = Vec::new();
    let mut reason = reason.clone();
    let mut context = String::new();
    let mut seen = BTreeSet::new();
    loop {
        match reason {
            Why::Handler(span, shown) => {
                labels.push((span, format!("`{shown}`: this function handles a request")));
                if context.is_empty() {
                    context = "in a request handler".into();
                }
                break;
            }
            Why::Loop(span) => {
                labels.push((span, "runs on every iteration of this loop".into()));
                if context.is_empty() {
                    context = "on every iteration of a loop".into();
                }
                break;
            }
            Why::Registered(span, callee) => {
                labels.push((
                    span,
                    format!("`{callee}` runs this function per request or element"),
                ));
                if context.is_empty() {
                    context = format!("in a callback that `{callee}` runs per request or element");
                }
                break;
            }
            Why::CalledFrom(from, span) => {
                let name = &unit.functions[from].name;
                let shown = if name.is_empty() {
                    "a callback"
                } else {
                    name.as_str()
                };
                labels.push((
                    span,
                    format!("called from `{shown}`, which runs per request"),
                ));
                if context.is_empty() {
                    context = format!("in a function that `{shown}` calls per request");
                }
                if !seen.insert(from) || labels.len() >= 4 {
                    break;
                }
                match why.get(&from) {
                    Some(w) => reason = w.clone(),
                    None => break,
                }
            }
        }
    }
    (context, labels)
}

#[derive(Debug, PartialEq, Eq)]
enum Fate {
    /// Returned, stored, handed to another call or captured: kept for reuse (or not ours to judge).
    Kept,
    /// Closed before the function returns (a waste per call, but no leak).
    Closed,
    /// Neither: each call leaves a pool behind.
    Dropped,
}

/// Methods through which a value is still the client: builders and error unwrapping.
const CARRY: &[&str] = &[
    "build",
    "unwrap",
    "expect",
    "context",
    "with_context",
    "map_err",
];

/// What becomes of the client built by `ctor`, evaluated in statement `stmt` of `id`.
fn fate(model: &ApiModel, unit: &Unit, id: FuncId, stmt: &Stmt, ctor: &Expr, scoped: bool) -> Fate {
    // Find the root expression of the statement holding `ctor`, and the path down to it.
    let roots: Vec<(usize, &Expr)> = match &stmt.kind {
        StmtKind::Bind { values, .. } => values.iter().enumerate().collect(),
        _ => stmt.exprs().map(|e| (usize::MAX, e)).collect(),
    };
    for (index, root) in roots {
        let Some(path) = path_to(root, ctor) else {
            continue;
        };
        return match climb(model, &path) {
            Climb::Done(f) => f,
            Climb::Root => match &stmt.kind {
                _ if scoped => Fate::Closed,
                StmtKind::Bind {
                    targets, values, ..
                } => {
                    let target = if targets.len() == values.len() {
                        targets.get(index)
                    } else {
                        // `db, err := sql.Open(…)`: the client is the first result.
                        targets.first()
                    };
                    match target.map(|t| &t.peel().kind) {
                        Some(ExprKind::Name(n)) if n != "_" => local_fate(model, unit, id, n),
                        Some(ExprKind::Name(_)) => Fate::Dropped,
                        _ => Fate::Kept,
                    }
                }
                StmtKind::Expr(_) => Fate::Dropped,
                _ => Fate::Kept,
            },
        };
    }
    Fate::Kept
}

enum Climb {
    Done(Fate),
    /// The client is the statement's value itself.
    Root,
}

/// The expressions from `root` down to `target`, both included.
fn path_to<'u>(root: &'u Expr, target: &Expr) -> Option<Vec<&'u Expr>> {
    if std::ptr::eq(root, target) {
        return Some(vec![root]);
    }
    if !root.span.contains(target.span) {
        return None;
    }
    for kid in root.children() {
        if let Some(mut p) = path_to(kid, target) {
            p.insert(0, root);
            return Some(p);
        }
    }
    None
}

/// Follows the client up from where it is built (the last element of `path`) to what consumes
/// it.
fn climb(model: &ApiModel, path: &[&Expr]) -> Climb {
    let mut cur = *path.last().expect("non-empty path");
    for parent in path.iter().rev().skip(1) {
        match &parent.kind {
            ExprKind::Unary(_) => {}
            ExprKind::Field(..) => {}
            ExprKind::Call(call) => {
                if !std::ptr::eq(&call.func, cur) {
                    // Handed to another call.
                    return Climb::Done(Fate::Kept);
                }
                let name = call.name().unwrap_or_default();
                if model.close_methods.iter().any(|m| m == name) {
                    return Climb::Done(Fate::Closed);
                }
                if !CARRY.contains(&name) {
                    // A method of a client nobody keeps: used once, then dropped.
                    return Climb::Done(Fate::Dropped);
                }
            }
            _ => return Climb::Done(Fate::Kept),
        }
        cur = parent;
    }
    Climb::Root
}

/// What becomes of a client bound to the local `name` in `id`.
fn local_fate(model: &ApiModel, unit: &Unit, id: FuncId, name: &str) -> Fate {
    // Captured by a closure or nested function: kept (or closed) there; not judged.
    for (g, f) in unit.functions.iter().enumerate() {
        if g != id && super::support::chain(unit, g).any(|a| a == id) && mentions(&f.body, name) {
            return Fate::Kept;
        }
    }
    let mut fate = Fate::Dropped;
    let mut stmts = Vec::new();
    collect(&unit.functions[id].body, false, &mut stmts);
    for (s, scoped) in stmts {
        let roots: Vec<(&Expr, bool)> = match &s.kind {
            StmtKind::Bind {
                targets, values, ..
            } => values
                .iter()
                .map(|v| (v, true))
                .chain(
                    targets
                        .iter()
                        .filter(|t| !is_name(t, name))
                        .map(|t| (t, false)),
                )
                .collect(),
            _ => s.exprs().map(|e| (e, false)).collect(),
        };
        for (root, is_value) in roots {
            let mut uses = Vec::new();
            root.walk(&mut |e| {
                if is_name(e, name) {
                    uses.push(e);
                }
            });
            for u in uses {
                let path = path_to(root, u).unwrap_or_default();
                let f = match climb(model, &path) {
                    Climb::Done(Fate::Dropped) => continue,
                    Climb::Done(f) => f,
                    Climb::Root if scoped => Fate::Closed,
                    Climb::Root => match &s.kind {
                        StmtKind::Bind { .. } if is_value => Fate::Kept,
                        StmtKind::Return(_) | StmtKind::Throw(_) => Fate::Kept,
                        _ => continue,
                    },
                };
                if f == Fate::Kept {
                    return Fate::Kept;
                }
                fate = f;
            }
        }
    }
    fate
}

fn is_name(e: &Expr, name: &str) -> bool {
    matches!(&e.kind, ExprKind::Name(n) if n == name)
}

/// Every statement of `block`, nested ones included, with whether it is a scoped binding.
fn collect<'u>(block: &'u [Stmt], scoped: bool, out: &mut Vec<(&'u Stmt, bool)>) {
    for s in block {
        out.push((s, scoped));
        if let StmtKind::Scoped { bindings, .. } = &s.kind {
            collect(bindings, true, out);
        }
        for b in s.blocks() {
            collect(b, false, out);
        }
    }
}

fn mentions(body: &[Stmt], name: &str) -> bool {
    let mut found = false;
    let mut stmts = Vec::new();
    collect(body, false, &mut stmts);
    for (s, _) in stmts {
        for e in s.exprs() {
            e.walk(&mut |x| found |= is_name(x, name));
        }
    }
    found
}
