//! Resources an object acquires into its own fields and that its closing method leaves open
//! (`ExitKind::Field`): when `close()` (or `shutdown()`, `@PreDestroy`, `__exit__`) returns,
//! the object's life is over, and so is the only reference to what the field holds.
//!
//! Only a class that shows it manages its fields' lives is judged: one of its closing methods
//! releases another field (or drops this one, `zkClient = null`). A field is reported only when
//! nothing in its class releases it, passes it anywhere, or lets it out (returns it, copies
//! it): any of those may be its release, and an unknown is kept quiet.

use super::*;
use crate::model::{TypeDecl, TypeKind};

/// A field the class acquires a resource into.
struct Owned<'u> {
    field: &'u str,
    acq: Span,
    spec: Spec,
}

pub(super) fn field_leaks(api: &Api, sums: &Summaries, unit: &Unit, out: &mut Vec<Leak>) {
    if api.m.closing_methods.is_empty() && api.m.closing_annotations.is_empty() {
        return;
    }
    for t in &unit.types {
        // Two classes of one name in a file (nested ones) would share their methods here.
        if t.kind != TypeKind::Class || unit.types.iter().filter(|o| o.name == t.name).count() > 1 {
            continue;
        }
        let methods: Vec<FuncId> = (0..unit.functions.len())
            .filter(|&id| {
                let f = &unit.functions[id];
                f.kind == FnKind::Method && f.owner.as_deref() == Some(t.name.as_str())
            })
            .collect();
        let closers: Vec<FuncId> = methods
            .iter()
            .copied()
            .filter(|&id| is_closer(api, t, &unit.functions[id]))
            .collect();
        if closers.is_empty() || inherits_release(api, unit, t, &closers) {
            continue;
        }
        for owned in owned_fields(api, sums, unit, t, &methods) {
            if let Some(finding) = judge(api, unit, t, &owned, &closers) {
                let what = format!("field `{}` (from `{}`)", owned.field, owned.spec.callee);
                out.push((ExitKind::Field, what, finding));
            }
        }
    }
}

/// Whether method `f` of `t` ends its object's life: by name, or by an annotation that has a
/// framework call it last.
fn is_closer(api: &Api, t: &TypeDecl, f: &crate::model::Function) -> bool {
    // Java's `destroy(T item)` of a pool destroys what it is given, not itself.
    let params = f.params.len() - usize::from(f.receiver.is_some());
    (params == 0 || api.lang != Lang::Java) && api.m.closing_methods.contains(&f.name)
        || t.method_annotations
            .iter()
            .any(|(m, a)| *m == f.name && api.m.closing_annotations.contains(a))
}

/// Python: a closer that calls its base class's own (`super().close()`) with the base declared
/// in another file, which may release what the subclass put in a field it also knows.
/// (A Java field is declared by its class, which no superclass can see.)
fn inherits_release(api: &Api, unit: &Unit, t: &TypeDecl, closers: &[FuncId]) -> bool {
    if api.lang != Lang::Python
        || t.supertypes
            .iter()
            .all(|s| s.0 == "object" || unit.type_named(&s.0).is_some())
    {
        return false;
    }
    closers.iter().any(|&id| {
        let mut calls_super = false;
        each_expr(unit, &unit.functions[id].body, &mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                calls_super |= c.receiver().is_some_and(
                    |r| matches!(&r.peel().kind, ExprKind::Call(s) if s.name() == Some("super")),
                );
            }
        });
        calls_super
    })
}

/// The fields of `t` its methods (and, in Java, its field initialisers) bind to a fresh
/// resource: `this.pool = Executors…`, `self._sock = socket.socket()`.
fn owned_fields<'u>(
    api: &Api,
    sums: &Summaries,
    unit: &'u Unit,
    t: &'u TypeDecl,
    methods: &[FuncId],
) -> Vec<Owned<'u>> {
    let mut out: Vec<Owned> = Vec::new();
    let mut add = |field: &'u str, acq: Span, spec: Spec| {
        if !out.iter().any(|o| o.field == field) {
            out.push(Owned { field, acq, spec });
        }
    };
    // A lock is held for a moment, not for the object's life; what the runtime reclaims (a
    // timer, a child process) is not lost with the object.
    let owning = |s: &Spec| !s.traits.lock && !s.traits.reclaimed && !s.traits.expires;
    let is_field =
        |name: &str| t.field(name).is_some() && !t.static_fields.iter().any(|s| s == name);
    // Java field initialisers run in the top level, among those of every class of the file.
    let init: Option<(&Block, HashSet<&str>)> = (api.lang == Lang::Java)
        .then(|| unit.functions.first())
        .flatten()
        .filter(|f| f.kind == FnKind::TopLevel)
        .map(|f| (&f.body, HashSet::new()));
    let bodies = methods
        .iter()
        .map(|&id| {
            (
                &unit.functions[id].body,
                local_names(&unit.functions[id]),
                Some(id),
            )
        })
        .chain(init.map(|(b, l)| (b, l, None)));
    for (body, locals, id) in bodies {
        let receiver = id.and_then(|id| unit.functions[id].receiver.as_ref());
        let held = id.map(|id| sums.local_acquisitions(api, unit, id));
        crate::model::walk_stmts(body, &mut |s| {
            if id.is_none() && !t.span.contains(s.span) {
                return;
            }
            let StmtKind::Bind {
                targets,
                values,
                declared,
            } = &s.kind
            else {
                return;
            };
            for (target, v) in targets.iter().zip(values) {
                let Some(field) = own_field(api, receiver, &locals, target) else {
                    continue;
                };
                if !is_field(field) {
                    continue;
                }
                if let Some(spec) = acquisition(api, sums, unit, v, declared.as_ref()) {
                    if owning(&spec) {
                        add(field, v.span, spec);
                    }
                    continue;
                }
                // `Socket s = new Socket(); s.connect(a); this.socket = s;`
                let local = held
                    .as_ref()
                    .and_then(|h| h.iter().find(|(var, _)| passes_var(api, v, var)));
                if let Some((_, spec)) = local.filter(|(_, s)| owning(s)) {
                    add(field, s.span, spec.clone());
                }
            }
        });
    }
    out
}

/// The finding for `owned`, unless something in its class may release it, or no closer shows
/// that the class releases its fields.
fn judge(
    api: &Api,
    unit: &Unit,
    t: &TypeDecl,
    owned: &Owned,
    closers: &[FuncId],
) -> Option<Finding> {
    let field = owned.field;
    let is_ref = |e: &Expr| mentions_field(e, field);
    let releases =
        |name: &str| api.releases_some_kind(name) || owned.spec.release.iter().any(|r| r == name);
    // Every mention of the field in its class, and those that neither release it nor let it
    // out: the receiver of a call, an argument of a borrowing one, the target of an
    // assignment, a test against null.
    let mut mentions: Vec<Span> = Vec::new();
    let mut harmless: HashSet<Span> = HashSet::new();
    let mut released = false;
    // The class's own code: its methods, the lambdas and inner classes among them, and its
    // field initialisers (`Worker w = new Worker(pool)`), which the top level holds.
    let top = unit
        .functions
        .first()
        .filter(|f| f.kind == FnKind::TopLevel);
    let own = unit.functions.iter().filter(|f| t.span.contains(f.span));
    for f in top.into_iter().chain(own) {
        crate::model::walk_stmts(&f.body, &mut |s| {
            if !t.span.contains(s.span) {
                return;
            }
            match &s.kind {
                StmtKind::Bind { targets, .. } => {
                    harmless.extend(targets.iter().map(|t| t.peel().span))
                }
                StmtKind::If { cond, .. } if is_ref(cond) => {
                    harmless.insert(cond.peel().span);
                }
                _ => {}
            }
            for e in s.exprs() {
                e.walk(&mut |x| match &x.kind {
                    ExprKind::Call(c) => {
                        if let Some(r) = c.receiver().filter(|r| is_ref(r)) {
                            harmless.insert(r.peel().span);
                            released |= c.name().is_some_and(releases);
                        }
                        // Lent to a call that only uses it (`loop.run_in_executor(self._pool, f)`).
                        if api.borrows(c) {
                            let lent = c.args.iter().filter(|a| is_ref(a));
                            harmless.extend(lent.map(|a| a.peel().span));
                        }
                    }
                    ExprKind::Not(a) if is_ref(a) => {
                        harmless.insert(a.peel().span);
                    }
                    ExprKind::Binary(BinOp::Eq | BinOp::Ne, a, b) => {
                        for (x, y) in [(a, b), (b, a)] {
                            if is_ref(x) && matches!(y.peel().kind, ExprKind::Lit(Lit::Nil)) {
                                harmless.insert(x.peel().span);
                            }
                        }
                    }
                    _ if is_ref(x) => mentions.push(x.span),
                    _ => {}
                });
            }
        });
        if released {
            return None;
        }
    }
    if mentions.iter().any(|s| !harmless.contains(s)) {
        return None;
    }
    // What the closer does that shows it manages the object's resources.
    let evidence = closers
        .iter()
        .find_map(|&id| closer_evidence(api, unit, t, id, field))?;
    let closer = &unit.functions[evidence.0].name;
    Some(Finding {
        span: owned.acq,
        message: format!(": `{closer}()` ends the object's life without releasing it"),
        labels: vec![(evidence.1, evidence.2)],
        demoted: false,
    })
}

/// Where closer `id` (or a closure inside it) releases a field other than `field`, or drops
/// `field` (`zkClient = null`), with a label saying so.
fn closer_evidence(
    api: &Api,
    unit: &Unit,
    t: &TypeDecl,
    id: FuncId,
    field: &str,
) -> Option<(FuncId, Span, String)> {
    let f = &unit.functions[id];
    let name = &f.name;
    let locals = local_names(f);
    let other_field = |e: &Expr| {
        own_field(api, f.receiver.as_ref(), &locals, e)
            .filter(|n| *n != field && t.field(n).is_some())
            .cloned()
    };
    let mut found: Option<(Span, String)> = None;
    crate::model::walk_stmts(&unit.functions[id].body, &mut |s| {
        if found.is_some() {
            return;
        }
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            let drops = targets.iter().zip(values).any(|(t, v)| {
                mentions_field(t, field) && matches!(v.peel().kind, ExprKind::Lit(Lit::Nil))
            });
            if drops {
                found = Some((
                    s.span,
                    format!("`{name}()` drops `{field}` here without releasing it"),
                ));
                return;
            }
        }
        for e in s.exprs() {
            e.walk(&mut |x| {
                let ExprKind::Call(c) = &x.kind else { return };
                let other = match c.receiver() {
                    Some(r) if c.name().is_some_and(|m| api.releases_some_kind(m)) => other_field(r),
                    _ if api.is_release_fn(c) => c.args.iter().find_map(&other_field),
                    _ => None,
                };
                if let (Some(other), None) = (other, &found) {
                    found = Some((
                        x.span,
                        format!("`{name}()` releases `{other}` here, but never `{field}`: release it here too"),
                    ));
                }
            });
        }
    });
    found.map(|(span, label)| (id, span, label))
}

/// Whether `e` names `field`, of whatever object (`journal`, `this.journal`, `other.journal`):
/// the class's code is read wide, so that anything that may touch the field counts.
fn mentions_field(e: &Expr, field: &str) -> bool {
    matches!(&e.peel().kind, ExprKind::Name(n) | ExprKind::Field(_, n) if n == field)
}
