//! `sticky-in-session`: inside a session or transaction callback, a call that takes a dedicated
//! (sticky) connection, a cursor or a subscription, or a call on the outer client instead of the
//! handle the callback was given.
//!
//! A function is a session callback when it implements, or takes a parameter of, a session type
//! (`SessionCallback`, `*redis.Tx`, `*sql.Tx`), or when it is passed to a session call
//! (`rdb.Watch`, `r.transaction`, `redis::transaction`) — as a closure literal, a local bound to
//! one, or a named function. Functions nested in a callback are inside the session too.

use super::support::{
    call_matches_on, callee_receiver, chain, each_expr, render, resolve_function, type_matches,
    type_of,
};
use super::Finding;
use crate::model::{Expr, ExprKind, FuncId, Span, Stmt, StmtKind, Unit};
use crate::rules::{ApiModel, Rule};
use std::collections::{BTreeMap, BTreeSet};

pub fn check(rule: &Rule, model: &ApiModel, unit: &Unit, out: &mut Vec<Finding>) {
    let sessions = find_sessions(model, unit);
    if sessions.is_empty() {
        return;
    }
    let mut found: BTreeMap<Span, Finding> = BTreeMap::new();
    for g in 0..unit.functions.len() {
        let in_chain: Vec<FuncId> = chain(unit, g)
            .filter(|f| sessions.contains_key(f))
            .collect();
        let Some(&innermost) = in_chain.first() else {
            continue;
        };
        let session = &sessions[&innermost];
        // The callbacks' own handles: their parameters.
        let handles: BTreeSet<&str> = in_chain
            .iter()
            .flat_map(|f| unit.functions[*f].params.iter().map(|p| p.name.as_str()))
            .filter(|n| !matches!(*n, "self" | "this" | "cls" | ""))
            .collect();
        let outer: BTreeSet<&str> = in_chain
            .iter()
            .filter_map(|f| sessions[f].outer.as_deref())
            .filter(|o| !handles.contains(root(o)))
            .collect();
        let handle = unit.functions[innermost].params.iter().find(|p| {
            !matches!(p.name.as_str(), "self" | "this" | "cls" | "" | "_")
                && p.ty.as_ref().is_none_or(|t| t.simple() != "Context")
        });
        // Where every session only queues commands, a call on the outer client whose result
        // the callback reads is a deliberate read-now, not a command meant for the batch.
        let queued = in_chain.iter().all(|f| sessions[f].queued);
        each_expr(unit, g, &mut |s, e| {
            let ExprKind::Call(call) = &e.kind else {
                return;
            };
            let value = if model
                .sticky_calls
                .iter()
                .any(|p| call_matches_on(unit, g, p, call))
            {
                format!("`{}` takes a dedicated connection", render(e))
            } else if let Some(client) = call
                .receiver()
                .and_then(|r| outer_client(model, unit, g, r, &outer, &handles))
                .filter(|_| !queued || discarded(s, e))
            {
                match handle {
                    Some(h) => format!(
                        "`{}` uses the outer client `{client}` instead of the callback's `{}`",
                        render(e),
                        h.name
                    ),
                    None => format!("`{}` uses the outer client `{client}`", render(e)),
                }
            } else {
                return;
            };
            let mut labels = vec![(
                session.call_span,
                "the callback runs inside the session opened here".to_string(),
            )];
            if let Some(h) = handle {
                labels.push((
                    h.span,
                    "the callback's own handle: send every command through it".into(),
                ));
            }
            let message = rule
                .message
                .replace("{value}", &value)
                .replace("{session}", &session.callee);
            found.entry(e.span).or_insert(Finding {
                span: e.span,
                message,
                labels,
                demoted: false,
            });
        });
    }
    out.extend(found.into_values());
}

/// A session callback: where it is passed, and the client the session was opened on.
struct Session {
    callee: String,
    call_span: Span,
    /// The receiver of the session call, when calls on it inside the callback bypass the
    /// session (`rdb` in `rdb.Watch(ctx, fn)`).
    outer: Option<String>,
    /// The session holds no connection while the callback runs; it only queues commands.
    queued: bool,
}

fn find_sessions(model: &ApiModel, unit: &Unit) -> BTreeMap<FuncId, Session> {
    let mut sessions = BTreeMap::new();
    // Callbacks known by their type or their parameters' types.
    for (id, f) in unit.functions.iter().enumerate() {
        let typed = f
            .implements
            .as_ref()
            .is_some_and(|t| type_matches(&model.session_types, t))
            || f.params.iter().any(|p| {
                p.ty.as_ref()
                    .is_some_and(|t| type_matches(&model.session_types, t))
            });
        if !typed || f.kind != crate::model::FnKind::Closure {
            continue;
        }
        let (callee, call_span) = match &f.passed_to {
            Some(p) => (p.callee.clone(), p.span),
            None => ("a session call".to_string(), f.span),
        };
        let outer = f.passed_to.as_ref().and_then(|p| {
            let recv = callee_receiver(&p.callee)?;
            let parent = f.parent?;
            let e = Expr::new(Span::default(), ExprKind::Name(recv.to_string()));
            let ty = if recv.contains('.') {
                let field = recv.rsplit('.').next().unwrap_or(recv);
                unit.field_type(field)
            } else {
                type_of(unit, parent, &e)
            };
            ty.filter(|t| type_matches(&model.client_types, t))
                .map(|_| recv.to_string())
        });
        sessions.insert(
            id,
            Session {
                callee,
                call_span,
                outer,
                queued: false,
            },
        );
    }
    // Callbacks known by the call they are passed to.
    for id in 0..unit.functions.len() {
        each_expr(unit, id, &mut |_, e| {
            let ExprKind::Call(call) = &e.kind else {
                return;
            };
            let Some(pat) = model
                .session_calls
                .iter()
                .find(|p| call_matches_on(unit, id, p, call))
            else {
                return;
            };
            let callee = call.func.path().unwrap_or_else(|| render(&call.func));
            for arg in &call.args {
                let Some(cb) = resolve_function(unit, id, arg) else {
                    continue;
                };
                if cb == id {
                    continue;
                }
                let outer = if pat.outer_client {
                    call.receiver().and_then(Expr::path)
                } else {
                    None
                };
                let s = sessions.entry(cb).or_insert(Session {
                    callee: callee.clone(),
                    call_span: call.func.span,
                    outer: None,
                    queued: false,
                });
                s.callee = callee.clone();
                s.call_span = call.func.span;
                s.queued = pat.queued;
                if outer.is_some() {
                    s.outer = outer;
                }
            }
        });
    }
    sessions
}

/// Whether `e` heads a statement that drops its result (`rdb.Expire(ctx, k, 0)`, with or
/// without `.Err()`), rather than one that reads it (`v, err = rdb.IncrBy(ctx, k, 1).Result()`).
fn discarded(s: &Stmt, e: &Expr) -> bool {
    matches!(&s.kind, StmtKind::Expr(top) if top.span.start == e.span.start)
}

/// The first segment of a path: `s.rdb` → `s`.
fn root(path: &str) -> &str {
    path.split(['.', ':']).next().unwrap_or(path)
}

/// When `recv` is the outer client (the session call's receiver, or a value of a client type
/// that is not one of the callbacks' handles), its rendering.
fn outer_client(
    model: &ApiModel,
    unit: &Unit,
    id: FuncId,
    recv: &Expr,
    outer: &BTreeSet<&str>,
    handles: &BTreeSet<&str>,
) -> Option<String> {
    let path = recv.path()?;
    if handles.contains(root(&path)) && !outer.contains(path.as_str()) {
        return None;
    }
    if outer.contains(path.as_str()) {
        return Some(path);
    }
    let ty = type_of(unit, id, recv)?;
    type_matches(&model.client_types, ty).then_some(path)
}
