//! Model queries shared by `sticky-in-session`, `client-per-call` and `key-consistency`:
//! declared types, which function a value names, whether a call matches rule data, and a short
//! rendering of an expression for messages.

use crate::model::{
    last_segment, walk_stmts, Block, Call, Expr, ExprKind, FnKind, FuncId, StmtKind, TypeRef, Unit,
};
use crate::rules::{ApiCall, ApiModel, CallPattern, MapOp};
use foldhash::HashSet;

/// Whether `ty` matches one of `patterns`: `a.B` the qualified type, `B` its last segment,
/// `*B` any last segment ending in `B`.
pub fn type_matches(patterns: &[String], ty: &TypeRef) -> bool {
    let (base, simple) = (ty.base(), ty.simple());
    patterns.iter().any(|p| {
        if let Some(suffix) = p.strip_prefix('*').filter(|s| !s.is_empty()) {
            simple.ends_with(suffix)
        } else {
            p == simple
                || p == base
                || *p == ty.0
                || base.ends_with(&format!(".{p}"))
                || base.ends_with(&format!("::{p}"))
        }
    })
}

/// The functions enclosing `id`, innermost first, `id` included.
pub fn chain(unit: &Unit, id: FuncId) -> impl Iterator<Item = FuncId> + '_ {
    std::iter::successors(Some(id), move |&f| unit.functions[f].parent)
}

/// The declared type of a name or field: a parameter or typed local of `id` or a function
/// around it, else a field or global of the file.
pub fn type_of<'u>(unit: &'u Unit, id: FuncId, e: &Expr) -> Option<&'u TypeRef> {
    match &e.peel().kind {
        ExprKind::Name(n) => {
            for f in chain(unit, id) {
                let func = &unit.functions[f];
                if let Some(p) = func.params.iter().find(|p| &p.name == n) {
                    return p.ty.as_ref();
                }
                if let Some(ty) = declared_local(&func.body, n) {
                    return Some(ty);
                }
            }
            unit.field_type(n)
        }
        ExprKind::Field(base, n) => {
            // `self.x` / `this.x` / `s.x`: a field of the file.
            let _ = base;
            unit.field_type(n)
        }
        _ => None,
    }
}

fn declared_local<'u>(body: &'u Block, name: &str) -> Option<&'u TypeRef> {
    let mut found = None;
    walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets,
            declared: Some(ty),
            ..
        } = &s.kind
        {
            if found.is_none()
                && targets
                    .iter()
                    .any(|t| matches!(&t.kind, ExprKind::Name(n) if n == name))
            {
                found = Some(ty);
            }
        }
    });
    found
}

/// The function a value names: a closure literal, a local bound to one (in `id` or a function
/// around it), a function or nested function of that name, or `self.m` / `this::m` for a method.
pub fn resolve_function(unit: &Unit, id: FuncId, e: &Expr) -> Option<FuncId> {
    match &e.peel().kind {
        ExprKind::Closure(f) => Some(*f),
        ExprKind::Name(n) => {
            for f in chain(unit, id) {
                if let Some(c) = local_closure(&unit.functions[f].body, n) {
                    return Some(c);
                }
                // A function nested directly in `f`.
                if let Some(found) = unit
                    .functions
                    .iter()
                    .position(|g| g.kind == FnKind::Nested && g.parent == Some(f) && g.name == *n)
                {
                    return Some(found);
                }
            }
            unique(unit, |g| g.kind == FnKind::Function && g.name == *n)
        }
        ExprKind::Field(base, n) => {
            let recv = base.path()?;
            if !matches!(recv.as_str(), "self" | "this" | "cls") {
                return None;
            }
            unique(unit, |g| g.kind == FnKind::Method && g.name == *n)
        }
        _ => None,
    }
}

fn unique(unit: &Unit, pred: impl Fn(&crate::model::Function) -> bool) -> Option<FuncId> {
    let mut found = unit.functions.iter().enumerate().filter(|(_, g)| pred(g));
    let (first, _) = found.next()?;
    found.next().is_none().then_some(first)
}

/// A local of `body` bound to a closure literal: `txf := func(tx *redis.Tx) error { … }`.
fn local_closure(body: &Block, name: &str) -> Option<FuncId> {
    let mut found = None;
    walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            for (t, v) in targets.iter().zip(values) {
                if matches!(&t.peel().kind, ExprKind::Name(n) if n == name) {
                    if let ExprKind::Closure(id) = v.peel().kind {
                        found.get_or_insert(id);
                    }
                }
            }
        }
    });
    found
}

/// Whether the receiver `recv` satisfies an `on` list: it is a call of one of those names, a
/// value of one of those types, or a variable or field of one of those names.
pub fn receiver_is(unit: &Unit, id: FuncId, on: &[String], recv: &Expr) -> bool {
    let recv = recv.peel();
    if let ExprKind::Call(c) = &recv.kind {
        if c.name().is_some_and(|n| on.iter().any(|o| o == n)) {
            return true;
        }
    }
    if let Some(ty) = type_of(unit, id, recv) {
        if type_matches(on, ty) {
            return true;
        }
    }
    if let Some(name) = recv.hint_name() {
        if !matches!(recv.kind, ExprKind::Call(_)) && on.iter().any(|o| o == name) {
            return true;
        }
    }
    // A local bound to such a call: `HashOperations<…> h = ops.opsForHash(); h.scan(…)`.
    if let ExprKind::Name(n) = &recv.kind {
        for f in chain(unit, id) {
            if let Some(v) = local_value(&unit.functions[f].body, n) {
                if let ExprKind::Call(c) = &v.peel().kind {
                    return c.name().is_some_and(|n| on.iter().any(|o| o == n));
                }
                return false;
            }
        }
    }
    false
}

/// The value a local is first bound to in `body`, when it is bound to exactly one value.
pub fn local_value<'u>(body: &'u Block, name: &str) -> Option<&'u Expr> {
    let mut found = None;
    walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            if targets.len() == values.len() {
                for (t, v) in targets.iter().zip(values) {
                    if matches!(&t.peel().kind, ExprKind::Name(n) if n == name) {
                        found.get_or_insert(v);
                    }
                }
            }
        }
    });
    found
}

/// Whether `call` matches `pat` by path or method name (the `on` constraint is checked
/// separately, with [`receiver_is`]).
pub fn call_matches(pat: &CallPattern, call: &Call) -> bool {
    if let Some(path) = &pat.call {
        // `Client::open` also matches `redis::Client::open`.
        let qualified = matches!(&call.func.peel().kind, ExprKind::Name(n)
            if n.strip_suffix(path.as_str()).is_some_and(|head| head.ends_with("::")));
        return qualified || call.func.is_path(path);
    }
    match &pat.method {
        Some(m) => call.receiver().is_some() && call.name() == Some(m.as_str()),
        None => false,
    }
}

/// Call patterns of rule data indexed by the name a matching call must have (the last segment
/// of `call`, or `method`), so that most calls are dismissed by one hash lookup.
pub struct Patterns<'m> {
    pats: &'m [CallPattern],
    names: HashSet<&'m str>,
}

impl<'m> Patterns<'m> {
    pub fn new(pats: &'m [CallPattern]) -> Patterns<'m> {
        let names = pats
            .iter()
            .filter_map(|p| p.call.as_deref().or(p.method.as_deref()))
            .map(last_segment)
            .collect();
        Patterns { pats, names }
    }

    pub fn matches(&self, call: &Call) -> bool {
        call.name().is_some_and(|name| self.names.contains(name))
            && self.pats.iter().any(|p| call_matches(p, call))
    }

    /// Whether any call in the unit matches.
    pub fn any_in(&self, unit: &Unit) -> bool {
        unit.functions.iter().any(|f| {
            let mut hit = false;
            walk_stmts(&f.body, &mut |s| {
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        hit = hit || matches!(&x.kind, ExprKind::Call(c) if self.matches(c));
                    });
                }
            });
            hit
        })
    }
}

/// Whether `call` matches an [`ApiCall`] of rule data: a function by path, or a method by name.
pub fn api_matches(api: &ApiCall, call: &Call) -> bool {
    if let Some(path) = &api.call {
        return call.func.is_path(path);
    }
    match &api.method {
        Some(m) => call.receiver().is_some() && call.name() == Some(m.as_str()),
        None => false,
    }
}

/// A map access by the syntax or by the rule's `map_ops`: the map, the key, and what it does.
pub fn map_access<'u>(model: &ApiModel, e: &'u Expr) -> Option<(&'u Expr, &'u Expr, MapOp)> {
    match &e.kind {
        ExprKind::Index(map, key) => Some((map, key, MapOp::Lookup)),
        ExprKind::In(item, map) => Some((map, item, MapOp::Contains)),
        ExprKind::Call(call) => {
            let api = model.map_ops.iter().find(|api| api_matches(api, call))?;
            let key = call.args.get(api.key?)?;
            let map = match &api.call {
                // `delete(m, k)`: the map is the other argument.
                Some(_) => call.args.iter().find(|a| !std::ptr::eq(*a, key))?,
                None => call.receiver()?,
            };
            Some((map, key, api.op))
        }
        _ => None,
    }
}

/// Whether `call` matches `pat`, receiver constraint included.
pub fn call_matches_on(unit: &Unit, id: FuncId, pat: &CallPattern, call: &Call) -> bool {
    if !call_matches(pat, call) {
        return false;
    }
    if pat.on.is_empty() {
        return true;
    }
    call.receiver()
        .is_some_and(|r| receiver_is(unit, id, &pat.on, r))
}

/// A short rendering for messages: `operations.opsForHash().scan(…)`, `rdb.Get(…)`.
pub fn render(e: &Expr) -> String {
    let mut out = String::new();
    render_into(e, &mut out, 0);
    out
}

fn render_into(e: &Expr, out: &mut String, depth: usize) {
    if depth > 6 {
        out.push('…');
        return;
    }
    match &e.peel().kind {
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Field(base, n) => {
            render_into(base, out, depth + 1);
            out.push('.');
            out.push_str(n);
        }
        ExprKind::Call(c) => {
            render_into(&c.func, out, depth + 1);
            out.push_str(if c.args.is_empty() { "()" } else { "(…)" });
        }
        ExprKind::Construct { ty: Some(t), .. } => {
            out.push_str(&t.0);
            out.push_str("{…}");
        }
        _ => out.push('…'),
    }
}

/// The receiver path of a callee rendered as a path: `rdb.Watch` → `rdb`,
/// `self.r.transaction` → `self.r`; `None` for a plain function.
pub fn callee_receiver(callee: &str) -> Option<&str> {
    let (recv, _) = callee.rsplit_once('.')?;
    Some(recv)
}

/// All calls in `id`'s own body (closures excluded: they are functions of their own), with
/// the statement kind they occur in.
pub fn each_expr<'u>(
    unit: &'u Unit,
    id: FuncId,
    f: &mut impl FnMut(&'u crate::model::Stmt, &'u Expr),
) {
    walk_stmts(&unit.functions[id].body, &mut |s| {
        for e in s.exprs() {
            e.walk(&mut |x| f(s, x));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_receivers() {
        let pats: Vec<String> = ["redis.Tx", "*Template", "SessionCallback"]
            .map(String::from)
            .to_vec();
        assert!(type_matches(&pats, &TypeRef::new("*redis.Tx")));
        assert!(type_matches(
            &pats,
            &TypeRef::new("RedisTemplate<String,Object>")
        ));
        assert!(type_matches(
            &pats,
            &TypeRef::new("SessionCallback<Object>")
        ));
        assert!(!type_matches(&pats, &TypeRef::new("*sql.Tx")));
        assert_eq!(callee_receiver("self.r.transaction"), Some("self.r"));
        assert_eq!(callee_receiver("transaction"), None);
    }
}
