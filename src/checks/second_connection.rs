//! `second-connection`: a function that holds a connection from a pool — a transaction begun on
//! it, a connection taken from it, a session bound to it — and takes another from the same pool
//! before giving the first back. With a pool of one (or a pool exhausted by callers doing the
//! same), the second acquisition waits for a connection that only this function can release.
//!
//! Each function is read in source order, keeping the handles it holds: a local bound to one of
//! the rule's `connection_calls` on a pool (`tx, err := db.BeginTx(…)`,
//! `Connection c = ds.getConnection()`), or the bindings of a scope (`with engine.begin() as
//! c:`, try-with-resources) for the scope's body. A handle is given back by one of
//! `connection_releases` called on it (`tx.Commit()`, `c.close()`; a deferred one only at
//! the end). A pool is a receiver of one of `pool_types`, or a name or field bound to one of
//! `pool_constructors`; pools are told apart by how they are written (`db`, `s.db`,
//! `self.engine`). Branches are merged conservatively: a handle is held after a branch only if
//! every branch that falls through still holds it, so an early `Rollback(); return` keeps it
//! held and a release on one path lets it go. Anything whose pool is not known is quiet.

use super::support::{call_matches, chain, render, type_matches, Patterns};
use super::Finding;
use crate::model::{Call, Expr, ExprKind, FuncId, Span, Stmt, StmtKind, Unit};
use crate::rules::{ApiModel, Rule};
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};

pub fn check(rule: &Rule, model: &ApiModel, unit: &Unit, ctx: &super::Ctx, out: &mut Vec<Finding>) {
    let conns = Patterns::new(&model.connection_calls);
    if !conns.any_in(unit) {
        return;
    }
    let cx = Cx {
        model,
        unit,
        ctx,
        conns,
        pool_calls: Patterns::new(&model.pool_calls),
        constructors: Patterns::new(&model.pool_constructors),
        factories: Patterns::new(&model.session_factories),
        bound_fields: [OnceCell::new(), OnceCell::new()],
    };
    let mut found: BTreeMap<Span, Finding> = BTreeMap::new();
    for id in 0..unit.functions.len() {
        if in_test(model, unit, id) {
            continue;
        }
        let mut held = Vec::new();
        cx.block(id, &unit.functions[id].body, &mut held, &mut found);
    }
    for f in found.values_mut() {
        f.message = rule.message.replace("{value}", &f.message);
    }
    out.extend(found.into_values());
}

/// Whether `id` or a function around it, or the type that owns one, is named in `run_once`
/// (`Test*`, `test_*`; `*Test` for a class): a test, which may exhaust a pool on purpose.
fn in_test(model: &ApiModel, unit: &Unit, id: FuncId) -> bool {
    let named = |name: &str| {
        !name.is_empty()
            && model.run_once.iter().any(|p| {
                if let Some(prefix) = p.strip_suffix('*') {
                    name.starts_with(prefix)
                } else if let Some(suffix) = p.strip_prefix('*') {
                    name.ends_with(suffix)
                } else {
                    name == p
                }
            })
    };
    chain(unit, id).any(|f| {
        let f = &unit.functions[f];
        named(&f.name) || f.owner.as_deref().is_some_and(named)
    })
}

/// A connection the function holds.
#[derive(Clone, Debug)]
struct Held {
    /// The local holding it (`tx`), or `""` for a scope's unnamed binding.
    var: String,
    /// The pool it came from, as written (`db`, `self.engine`).
    pool: String,
    /// The acquisition.
    span: Span,
    /// Held only once used: a session that takes its connection on first use, or a handle
    /// bound with an error (`tx, err := db.Begin()`: `tx` is nil when `err` is set).
    lazy: bool,
    /// A method of the handle was called, or its error tested in a condition.
    used: bool,
    /// The error bound with the handle (`err`).
    guard: Option<String>,
}

impl Held {
    fn holds(&self) -> bool {
        !self.lazy || self.used
    }
}

struct Cx<'u> {
    model: &'u ApiModel,
    unit: &'u Unit,
    ctx: &'u super::Ctx<'u>,
    conns: Patterns<'u>,
    pool_calls: Patterns<'u>,
    constructors: Patterns<'u>,
    factories: Patterns<'u>,
    /// The fields the file binds anywhere to a call of `constructors`, and of `factories`:
    /// found once, not at every question (a large file asks thousands).
    bound_fields: [OnceCell<BTreeSet<&'u str>>; 2],
}

/// What a call does to a pool: takes a connection it keeps (`held`) or one for its own
/// duration, from the pool written `pool`.
struct Take {
    pool: String,
    keeps: bool,
    lazy: bool,
}

type Found = BTreeMap<Span, Finding>;

impl<'u> Cx<'u> {
    fn block(&self, id: FuncId, block: &'u [Stmt], held: &mut Vec<Held>, found: &mut Found) {
        for s in block {
            self.stmt(id, s, held, found);
        }
    }

    fn stmt(&self, id: FuncId, s: &'u Stmt, held: &mut Vec<Held>, found: &mut Found) {
        match &s.kind {
            // Runs at the end of the function: neither a second acquisition nor a release
            // here, but `defer tx.Rollback()` says `tx` is live.
            StmtKind::Defer(e) => {
                e.walk(&mut |x| mark_used(x, held));
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                self.exprs(id, std::slice::from_ref(cond), held, found);
                // `if err != nil { … }`: past it, the handle bound with `err` is live.
                cond.walk(&mut |x| {
                    if let ExprKind::Name(n) = &x.kind {
                        for h in held.iter_mut() {
                            if h.guard.as_deref() == Some(n.as_str()) {
                                h.used = true;
                            }
                        }
                    }
                });
                let branches = [then, otherwise].map(|b| {
                    let mut h = held.clone();
                    self.block(id, b, &mut h, found);
                    (h, falls_through(b))
                });
                *held = merge(held, branches.into_iter().collect());
            }
            StmtKind::Switch {
                scrutinee,
                arms,
                exhaustive,
            } => {
                if let Some(e) = scrutinee {
                    self.exprs(id, std::slice::from_ref(e), held, found);
                }
                let mut branches: Vec<(Vec<Held>, bool)> = arms
                    .iter()
                    .map(|b| {
                        let mut h = held.clone();
                        self.block(id, b, &mut h, found);
                        (h, falls_through(b))
                    })
                    .collect();
                if !exhaustive {
                    branches.push((held.clone(), true));
                }
                *held = merge(held, branches);
            }
            StmtKind::Loop { head, body } => {
                self.exprs(id, head, held, found);
                let mut h = held.clone();
                self.block(id, body, &mut h, found);
                *held = merge(held, vec![(h, true), (held.clone(), true)]);
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => {
                self.block(id, body, held, found);
                for c in catches {
                    let mut h = held.clone();
                    self.block(id, &c.body, &mut h, found);
                }
                self.block(id, finally, held, found);
            }
            StmtKind::Scoped { bindings, body } => {
                let before = held.len();
                for b in bindings {
                    self.simple(id, b, held, found, true);
                }
                self.block(id, body, held, found);
                // The scope's own connections are given back when it ends.
                let scoped: Vec<Span> = held[before.min(held.len())..]
                    .iter()
                    .map(|h| h.span)
                    .collect();
                held.retain(|h| !scoped.contains(&h.span));
            }
            StmtKind::Block(b) => self.block(id, b, held, found),
            _ => self.simple(id, s, held, found, false),
        }
    }

    /// A statement without blocks of its own: its calls are judged against what is held, then
    /// it acquires (a binding, or any acquisition in a scope's header) or releases.
    fn simple(
        &self,
        id: FuncId,
        s: &'u Stmt,
        held: &mut Vec<Held>,
        found: &mut Found,
        scope: bool,
    ) {
        self.judge_and_release(id, s.exprs().collect(), held, found);
        self.acquire(id, s, held, scope);
    }

    fn judge_and_release(
        &self,
        id: FuncId,
        exprs: Vec<&Expr>,
        held: &mut Vec<Held>,
        found: &mut Found,
    ) {
        for e in &exprs {
            e.walk(&mut |x| {
                if let ExprKind::Call(c) = &x.kind {
                    self.judge(id, x.span, c, held, found);
                }
            });
        }
        // Releases, and the uses that make a lazy session hold its connection.
        for e in &exprs {
            e.walk(&mut |x| {
                mark_used(x, held);
                if let ExprKind::Call(c) = &x.kind {
                    if let Some(var) = c.receiver().and_then(|r| r.path()) {
                        let releases = c
                            .name()
                            .is_some_and(|n| self.model.connection_releases.iter().any(|r| r == n));
                        if releases {
                            held.retain(|h| h.var.is_empty() || h.var != var);
                        }
                    }
                    // Given to a helper named for closing or releasing it
                    // (`ConnectionUtils.attemptClose(con)`, `DbUtils.closeQuietly(c)`).
                    let named_release = c.name().is_some_and(|n| {
                        let n = n.to_ascii_lowercase();
                        n.contains("close") || n.contains("release")
                    });
                    if named_release {
                        for var in c.args.iter().filter_map(|a| a.peel().path()) {
                            held.retain(|h| h.var.is_empty() || h.var != var);
                        }
                    }
                }
            });
        }
    }

    /// Acquisitions that are kept: bound to a local, or in a scope's header.
    fn acquire(&self, id: FuncId, s: &Stmt, held: &mut Vec<Held>, scope: bool) {
        match &s.kind {
            StmtKind::Bind {
                targets, values, ..
            } if values.len() == 1 || values.len() == targets.len() => {
                // `tx, err := db.Begin()`: the last target is the error.
                let guard = (values.len() == 1 && targets.len() > 1)
                    .then(|| targets.last().and_then(|t| t.path()))
                    .flatten();
                for (t, v) in targets.iter().zip(values) {
                    let ExprKind::Call(c) = &v.peel().kind else {
                        continue;
                    };
                    let Some(take) = self.take(id, c).filter(|t| t.keeps) else {
                        continue;
                    };
                    let var = t.path().unwrap_or_default();
                    held.push(Held {
                        var,
                        pool: take.pool,
                        span: v.span,
                        lazy: take.lazy || guard.is_some(),
                        used: false,
                        guard: guard.clone(),
                    });
                }
            }
            StmtKind::Expr(v) if scope => {
                if let ExprKind::Call(c) = &v.peel().kind {
                    if let Some(take) = self.take(id, c).filter(|t| t.keeps) {
                        held.push(Held {
                            var: String::new(),
                            pool: take.pool,
                            span: v.span,
                            lazy: take.lazy,
                            used: true,
                            guard: None,
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// A branch's or loop's header: `if err := tx.Commit(); …` releases and is judged like a
    /// statement.
    fn exprs(&self, id: FuncId, es: &'u [Expr], held: &mut Vec<Held>, found: &mut Found) {
        self.judge_and_release(id, es.iter().collect(), held, found);
    }

    /// Reports `call` if it takes a connection from a pool the function already holds one of.
    fn judge(&self, id: FuncId, span: Span, call: &Call, held: &[Held], found: &mut Found) {
        let Some(take) = self.take(id, call) else {
            return;
        };
        let Some(h) = held
            .iter()
            .find(|h| h.holds() && h.pool == take.pool && !found.contains_key(&h.span))
        else {
            return;
        };
        let what = if take.keeps {
            "takes a second connection"
        } else {
            "runs on a second connection"
        };
        let message = format!(
            "`{}` {what} from `{}` while this function still holds one from it: with a small pool this waits for itself",
            render(&call.func),
            take.pool,
        );
        found.entry(span).or_insert(Finding {
            span,
            message,
            labels: vec![(
                h.span,
                format!("a connection from `{}` is held from here", take.pool),
            )],
            demoted: false,
        });
    }

    /// What a call does to a pool, when the pool is known.
    fn take(&self, id: FuncId, call: &Call) -> Option<Take> {
        // A session factory called: `Session()`.
        if self.is_bound_to(id, &call.func, FACTORIES) {
            return Some(Take {
                pool: render(&call.func),
                keeps: true,
                lazy: true,
            });
        }
        let keeps = self.conns.matches(call);
        if !keeps && !self.pool_calls.matches(call) {
            return None;
        }
        if let Some(recv) = call.receiver() {
            if !self.is_pool(id, recv) {
                return None;
            }
            return Some(Take {
                pool: render(recv),
                keeps,
                lazy: self.is_bound_to(id, recv, FACTORIES),
            });
        }
        // `Session(engine)`: a session of the pool named first.
        let by_path = self
            .model
            .connection_calls
            .iter()
            .any(|p| p.call.is_some() && call_matches(p, call));
        let pool = call
            .args
            .first()
            .filter(|a| by_path && self.is_pool(id, a))?;
        Some(Take {
            pool: render(pool),
            keeps,
            lazy: true,
        })
    }

    /// Whether `e` is a pool: a value of one of `pool_types`, or bound to a pool constructor
    /// or a session factory.
    fn is_pool(&self, id: FuncId, e: &Expr) -> bool {
        let e = e.peel();
        if !matches!(e.kind, ExprKind::Name(_) | ExprKind::Field(..)) {
            return false;
        }
        // What the file cannot tell stays unknown: the project could only add pools (a helper
        // of another file returning a `*sql.DB`), and asking it would judge the file again.
        let typed = super::support::type_of(self.unit, id, e)
            .cloned()
            .or_else(|| match &e.kind {
                ExprKind::Name(_) => {
                    let env = crate::types::TypeEnv::new(self.ctx, self.unit, id);
                    self.ctx.capture(|| env.type_of(e)).0
                }
                _ => None,
            });
        if typed.is_some_and(|t| type_matches(&self.model.pool_types, &t)) {
            return true;
        }
        self.is_bound_to(id, e, CONSTRUCTORS) || self.is_bound_to(id, e, FACTORIES)
    }

    /// Whether the name or field `e` is bound, in `id`, a function around it or at the top
    /// level (a field: anywhere in the file), to a call matching `pats`.
    fn is_bound_to(&self, id: FuncId, e: &Expr, which: usize) -> bool {
        let unit = self.unit;
        let pats = [&self.constructors, &self.factories][which];
        match &e.peel().kind {
            ExprKind::Name(n) => chain(unit, id)
                .chain(std::iter::once(0))
                .any(|f| bound_in(&unit.functions[f].body, pats, |t| t.is_path(n))),
            ExprKind::Field(_, name) => self.bound_fields[which]
                .get_or_init(|| bound_fields(unit, pats))
                .contains(name.as_str()),
            _ => false,
        }
    }
}

/// A method called on a held handle makes it used (`s.execute(…)`, `tx.Rollback()`).
fn mark_used(x: &Expr, held: &mut [Held]) {
    if let ExprKind::Call(c) = &x.kind {
        if let Some(var) = c.receiver().and_then(|r| r.path()) {
            for h in held
                .iter_mut()
                .filter(|h| !h.var.is_empty() && h.var == var)
            {
                h.used = true;
            }
        }
    }
}

/// Whether `body` binds a target that `is_target` accepts to a call matching `pats`, as its
/// first (or only) value.
fn bound_in(body: &[Stmt], pats: &Patterns, is_target: impl Fn(&Expr) -> bool) -> bool {
    let mut found = false;
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            if let (Some(t), Some(v)) = (targets.first(), values.first()) {
                if is_target(t) && matches!(&v.peel().kind, ExprKind::Call(c) if pats.matches(c)) {
                    found = true;
                }
            }
        }
    });
    found
}

/// The names of the fields that some function of the file binds to a call matching `pats`,
/// as its first (or only) value (`s.db = sql.Open(…)`).
fn bound_fields<'u>(unit: &'u Unit, pats: &Patterns) -> BTreeSet<&'u str> {
    let mut fields = BTreeSet::new();
    for f in &unit.functions {
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                if let (Some(t), Some(v)) = (targets.first(), values.first()) {
                    if let ExprKind::Field(_, n) = &t.peel().kind {
                        if matches!(&v.peel().kind, ExprKind::Call(c) if pats.matches(c)) {
                            fields.insert(n.as_str());
                        }
                    }
                }
            }
        });
    }
    fields
}

/// Which patterns [`Cx::is_bound_to`] asks about.
const CONSTRUCTORS: usize = 0;
const FACTORIES: usize = 1;

/// Whether control can leave the end of a block (it does not end in a return, throw, break,
/// continue or goto).
fn falls_through(b: &[Stmt]) -> bool {
    !matches!(
        b.last().map(|s| &s.kind),
        Some(
            StmtKind::Return(_)
                | StmtKind::Throw(_)
                | StmtKind::Break
                | StmtKind::Continue
                | StmtKind::Goto(_)
        )
    )
}

/// What is held after branches: what every branch that falls through still holds (a handle
/// used in any of them is used). When none falls through, what was held before.
fn merge(before: &[Held], branches: Vec<(Vec<Held>, bool)>) -> Vec<Held> {
    let live: Vec<&Vec<Held>> = branches
        .iter()
        .filter(|(_, f)| *f)
        .map(|(h, _)| h)
        .collect();
    let Some((first, rest)) = live.split_first() else {
        return before.to_vec();
    };
    first
        .iter()
        .filter(|h| rest.iter().all(|o| o.iter().any(|x| x.span == h.span)))
        .map(|h| {
            let mut h = h.clone();
            h.used = live
                .iter()
                .any(|o| o.iter().any(|x| x.span == h.span && x.used));
            h
        })
        .collect()
}
