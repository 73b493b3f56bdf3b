//! `must-release`: a resource acquired in a function that an error exit leaves open.
//!
//! # Design
//!
//! An abstract interpretation run directly over the model's structured statements, once per
//! function, in source order. No graph is built: `if`, `switch`, loops, `try` and `with` are
//! interpreted by their structure, and the few jumps are carried explicitly — `break` and
//! `continue` to their loop or switch, `goto L` forward to the label `L`, exceptions from the
//! statements of a `try` body to its `catch` blocks, exits through the `finally` blocks around
//! them. A loop body is interpreted once, its entry state standing for every iteration
//! (`entry ⊔ end of body ⊔ breaks` flows out). Each statement is visited a bounded number of
//! times, and at each visit the work is proportional to its size times the number of resources
//! open there: the cost grows linearly in the size of a function times its resources.
//!
//! The state holds, per resource (one per acquisition site), the set of what it may be here:
//! not held (not yet acquired, or the acquisition failed), open, or done with (released, in a
//! scope that releases it, or handed off). Merges take the union. An exit is reported only
//! where a resource is *certainly* open — open on every path that reaches that exit — so a
//! correlation the analysis cannot see makes it quiet, never noisy.
//!
//! - **Acquisitions** are rule data (`acquire`): a call, a method, a construction; bound to a
//!   local, written into an out-argument (`pipe(fds)`), or the receiver (`lock.lock()`).
//!   Acquisitions written straight into a field, a global or a collection are hand-offs. A
//!   Rust `mem::forget(file)` acquires the raw handles taken from `file` before it
//!   (`fd = file.as_raw_fd()`; rule data `views`): the owner that would have closed them is gone.
//! - **Failed acquisitions.** An `if` that tests a resource or its error companion (Go's `err`
//!   from the same call) is read by its operators: `err != nil`, `f == nil`, `fd < 0`,
//!   `fd == -1`, `!p`, `p.is_null()`, and `&&` / `||` of those say on which branch the
//!   acquisition failed, where the resource is not held. When they do not tell (`if (fd)` on a
//!   call, `ok`, an unknown predicate), the shape of the branches decides: the branch that does
//!   not touch the resource and ends by leaving (return, throw, goto, a call that never
//!   returns) is the failure branch. When neither tells, both branches mark it "maybe not held".
//! - **Releases**: a release method on the value or a path below it (`Close`, `Body.Close`, `()`
//!   for Go's cancel functions), a release function given it (`close(fd)`, `free(p)`), a
//!   function of the same file that releases its parameter, a method of the acquiring call's
//!   receiver named in the data (`cmd.Wait()` for a pipe of `cmd`; where `cmd.Start()` returned
//!   an error, the pipe is not held), a `defer`, a closure that releases
//!   it, a `with` / try-with-resources scope it enters, a `finally` around the exit.
//! - **Hand-offs** end the obligation without a finding: returned, stored in a field, global,
//!   element or out-parameter, put in a literal with named fields (`&stream{cancel: cancel}`),
//!   wrapped by a construction (`new BufferedReader(in)`: the wrapper becomes an alias), captured by
//!   a closure, or passed to any call that is not known to only borrow it (rule data
//!   `borrowing_calls`, and functions of the same file that neither keep nor pass on their
//!   parameter).
//! - **Error exits**: Go returns whose last result is a non-nil `error`; Java and Python
//!   `throw` / `raise` (not caught in the same function) and returns inside `catch` / `except`;
//!   Rust `?` and `return Err(…)`; C returns of `NULL`, `false`, a name in `error_values` or
//!   named for failure (`C_ERR`, `ST_FAILED`), `-E…`, a negative number, every return after a
//!   label named like an error label, and a non-zero number (or one whose value is unknown)
//!   returned from inside a branch (`if (…) return 1;`); `return 0;` is success. Rust's `?` is
//!   recovered from spans: the one pass-through operator one byte longer than its operand;
//!   `false` is the only five-byte boolean literal.
//! - **Exceptions** (Java and Python, where any call may throw): a resource certainly open at a
//!   call that works on it (its own method, or a function of the file it is lent to), with no
//!   `catch` / `except` of the function around the call and no `finally` that releases it, and
//!   released later without ever being handed off, leaks if that call throws. That is only
//!   possible, not certain, so the finding is demoted to a warning, and only made when the
//!   resource has no explicit error exit of its own.
//! - **Summaries** (same file only): functions that release a parameter; functions that return
//!   a fresh resource (the caller acquires it); functions that acquire into an out-parameter;
//!   and functions that store fresh resources into fields or globals and return success or
//!   failure, paired with the functions that release every one of those fields (Redis's
//!   `aofCreatePipes` / `aofClosePipes`): a call of the first is an acquisition that only a
//!   call of the second (or of a function that calls it) releases.

use super::Finding;
use crate::model::{
    last_segment, BinOp, Block, Call, Expr, ExprKind, FnKind, FuncId, Lang, Lit, Span, Stmt,
    StmtKind, TypeRef, Unit,
};
use crate::rules::{Acquire, ApiModel, ExitKind};
use std::collections::{BTreeSet, HashMap, HashSet};

/// What the check found for one acquisition: the kind of exit that leaks it, the resource as
/// shown (the rule's `{value}`), and the finding, whose message is what follows that text.
pub type Leak = (ExitKind, String, Finding);

/// Runs the analysis over every function of `unit`, reporting for each acquisition at most one
/// leak, of the first of these kinds that `kinds` selects and the resource has: an error exit,
/// a normal exit (`Normal`, `Loop`, `Discarded`, `DeferInLoop`, in source order), an exception.
pub fn check(
    model: &ApiModel,
    kinds: &[ExitKind],
    unit: &Unit,
    _ctx: &super::Ctx,
    out: &mut Vec<Leak>,
) {
    let api = Api {
        m: model,
        lang: unit.lang,
        names: model
            .acquire
            .iter()
            .filter_map(|a| a.call.as_deref().or(a.method.as_deref()))
            .map(last_segment)
            .collect(),
        listed: [
            &model.release_functions,
            &model.borrowing_calls,
            &model.passthrough_calls,
            &model.nothrow_calls,
            &model.noreturn_calls,
        ]
        .into_iter()
        .flatten()
        .map(|e| last_segment(e))
        .collect(),
    };
    // Nothing is acquired anywhere in the file: nothing can leak, and no summary is needed.
    if !acquires_anything(&api, unit) {
        return;
    }
    let sums = Summaries::build(&api, unit);
    for (id, f) in unit.functions.iter().enumerate() {
        // A Python module body runs like a function; other languages' top levels only declare.
        if f.kind == FnKind::TopLevel && unit.lang != Lang::Python {
            continue;
        }
        let mut fx = Fx::new(&api, &sums, unit, id);
        let end = fx.block(&f.body, Some(State::default()));
        if let Some(end) = end {
            // Falling off the end of a function is a normal exit.
            let at = Span::new(f.span.end.saturating_sub(1) as usize, f.span.end as usize);
            fx.normal_exit(&end, at, ExitKind::Normal, "the function ends here");
        }
        fx.report(kinds, out);
    }
}

/// Whether any expression of the file is an acquisition named in the rule data.
fn acquires_anything(api: &Api, unit: &Unit) -> bool {
    unit.functions.iter().any(|f| {
        let mut hit = false;
        crate::model::walk_stmts(&f.body, &mut |s| {
            if hit {
                return;
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    hit |= match &x.kind {
                        ExprKind::Call(c) => {
                            api.acquire_call(c, None).is_some() || api.acquire_call_typed(c)
                        }
                        ExprKind::Construct {
                            ty: Some(t),
                            fields,
                        } => api.acquire_new(t, fields).is_some(),
                        _ => false,
                    }
                });
            }
        });
        hit
    })
}

// ----- rule data -----

struct Api<'m> {
    m: &'m ApiModel,
    lang: Lang,
    /// Last segments of the acquiring calls and methods: a quick first test.
    names: HashSet<&'m str>,
    /// Last segments of every entry of the call lists (`release_functions`, …): the same.
    listed: HashSet<&'m str>,
}

/// Rust paths use `::`; everything is compared with `.`.
fn norm(p: String) -> String {
    if p.contains("::") {
        p.replace("::", ".")
    } else {
        p
    }
}

fn callee(c: &Call) -> Option<String> {
    path_of(&c.func)
}

/// Whether `entry` names the call: a dotted entry by its path (or a path ending in it), a bare
/// entry by the function's or method's name.
fn names_call(entry: &str, c: &Call, path: &mut Option<Option<String>>) -> bool {
    // Cheap test first: a call matches only an entry whose last segment is its name.
    if c.name() != Some(last_segment(entry)) {
        return false;
    }
    if !entry.contains(['.', ':']) {
        return true;
    }
    let Some(p) = path.get_or_insert_with(|| callee(c)) else {
        return false;
    };
    ends_with_norm(p, entry)
}

/// `path == entry`, or `path` ends with `.entry`, reading `::` in `entry` as `.`; no allocation.
fn ends_with_norm(path: &str, entry: &str) -> bool {
    let mut pi = path.len();
    let pb = path.as_bytes();
    let eb = entry.as_bytes();
    let mut ei = eb.len();
    while ei > 0 {
        if ei >= 2 && &eb[ei - 2..ei] == b"::" {
            if pi == 0 || pb[pi - 1] != b'.' {
                return false;
            }
            ei -= 2;
        } else {
            if pi == 0 || pb[pi - 1] != eb[ei - 1] {
                return false;
            }
            ei -= 1;
        }
        pi -= 1;
    }
    pi == 0 || pb[pi - 1] == b'.'
}

/// `path == entry`, reading `::` in `entry` as `.`.
fn eq_norm(path: &str, entry: &str) -> bool {
    path.len() == entry.len() - entry.matches("::").count() && ends_with_norm(path, entry)
}

/// What an acquisition makes: which results or argument hold the resource and how it is
/// released.
#[derive(Clone, Debug, Default)]
struct Spec {
    results: Vec<usize>,
    err_result: Option<usize>,
    out_arg: Option<usize>,
    receiver: bool,
    release: Vec<String>,
    owner: Option<Owner>,
    /// Methods whose earlier results on the first argument become the resource (`as_raw_fd`
    /// for `mem::forget(file)`).
    views: Vec<String>,
    /// Its methods cannot leave it open by throwing: see [`Acquire::throw_safe`].
    throw_safe: bool,
    traits: Traits,
    /// A wrapping construction around it that may throw (`new GZIPInputStream(…)`).
    wrapper_throws: Option<String>,
    /// The acquiring call as shown in messages: `os.Open`, `new FileInputStream`.
    callee: String,
}

/// How a kind of resource behaves, from its `acquire` row: see [`Acquire::drained_by`],
/// [`Acquire::fails_released`], [`Acquire::finished_if`], [`Acquire::lock`] and
/// [`Acquire::reclaimed`].
#[derive(Clone, Debug, Default)]
struct Traits {
    drained_by: Vec<String>,
    fails_released: Vec<String>,
    finished_if: Vec<String>,
    lock: bool,
    reclaimed: bool,
}

/// The receiver of an acquiring call whose own methods release the resource (`cmd` for
/// `cmd.StdoutPipe()`): `release` always, `release_on_error` when they fail.
#[derive(Clone, Debug)]
struct Owner {
    path: String,
    release: Vec<String>,
    release_on_error: Vec<String>,
}

impl Owner {
    fn calls(&self, c: &Call, methods: &[String]) -> bool {
        c.name().is_some_and(|m| methods.iter().any(|x| x == m))
            && c.receiver().and_then(path_of).as_deref() == Some(self.path.as_str())
    }
}

impl Spec {
    fn from_rule(a: &Acquire, c: Option<&Call>) -> Spec {
        let shown = match (&a.call, &a.method, &a.new) {
            (Some(p), _, _) => p.clone(),
            (_, Some(m), _) => c.and_then(|c| c.func.path()).unwrap_or_else(|| m.clone()),
            (_, _, Some(t)) => format!("new {t}"),
            _ if a.returns.is_some() => c.and_then(|c| c.func.path()).unwrap_or_default(),
            _ => String::new(),
        };
        Spec {
            results: if a.results.is_empty() {
                vec![0]
            } else {
                a.results.clone()
            },
            err_result: a.err_result,
            out_arg: a.out_arg,
            receiver: a.receiver,
            release: a.release.clone(),
            owner: c
                .filter(|_| !a.owner_release.is_empty())
                .and_then(Call::receiver)
                .and_then(path_of)
                .map(|path| Owner {
                    path,
                    release: a.owner_release.clone(),
                    release_on_error: a.owner_release_on_error.clone(),
                }),
            views: a.views.clone(),
            throw_safe: a.throw_safe,
            traits: Traits {
                drained_by: a.drained_by.clone(),
                fails_released: a.fails_released.clone(),
                finished_if: a.finished_if.clone(),
                lock: a.lock,
                reclaimed: a.reclaimed,
            },
            wrapper_throws: None,
            callee: shown,
        }
    }

    fn binds_result(&self) -> bool {
        self.out_arg.is_none() && !self.receiver && self.views.is_empty()
    }
}

impl<'m> Api<'m> {
    fn acquire_call(&self, c: &Call, declared: Option<&TypeRef>) -> Option<Spec> {
        let name = c.name()?;
        // Known by the declared type alone: `ResultSet rs = helper.query()`.
        let by_type = || {
            let d = declared?.simple();
            let a =
                self.m.acquire.iter().find(|a| {
                    a.returns.as_deref() == Some(d) && !a.except.iter().any(|x| x == name)
                })?;
            Some(Spec::from_rule(a, Some(c)))
        };
        if !self.names.contains(name) {
            return by_type();
        }
        let mut path: Option<Option<String>> = None;
        self.m
            .acquire
            .iter()
            .find_map(|a| {
                let hit = if let Some(p) = &a.call {
                    // Cheap test first: the last segment.
                    p.ends_with(name)
                        && path
                            .get_or_insert_with(|| callee(c))
                            .as_deref()
                            .is_some_and(|q| eq_norm(q, p))
                } else if let Some(m) = &a.method {
                    c.receiver().is_some() && name == m.as_str()
                } else {
                    false
                };
                // `on`: the receiver's name (or the method that made it) ends with one of these.
                let on = a.on.is_empty()
                    || c.receiver().and_then(Expr::hint_name).is_some_and(|h| {
                        let h = h.to_ascii_lowercase();
                        a.on.iter().any(|o| h.ends_with(&o.to_ascii_lowercase()))
                    });
                let not_on = !a.not_on.is_empty()
                    && c.receiver().and_then(Expr::hint_name).is_some_and(|h| {
                        let h = h.to_ascii_lowercase();
                        a.not_on
                            .iter()
                            .any(|o| h.ends_with(&o.to_ascii_lowercase()))
                    });
                let hit = hit && on && !not_on;
                let typed = match &a.declared {
                    None => true,
                    Some(t) => declared.is_some_and(|d| d.simple() == t),
                };
                (hit && typed).then(|| Spec::from_rule(a, Some(c)))
            })
            .or_else(by_type)
    }

    /// A call that acquires when bound to a variable of some declared type (`scan` → `Cursor`).
    fn acquire_call_typed(&self, c: &Call) -> bool {
        self.m.acquire.iter().any(|a| {
            a.returns.is_some()
                || a.declared.is_some()
                    && a.method
                        .as_deref()
                        .is_some_and(|m| c.receiver().is_some() && c.name() == Some(m))
        })
    }

    /// `new T(args)`: an acquisition unless an argument is something already open that the
    /// construction only wraps (`wraps`: `new Jedis(connection)`).
    fn acquire_new(&self, ty: &TypeRef, args: &[(Option<String>, Expr)]) -> Option<Spec> {
        let a = self
            .m
            .acquire
            .iter()
            .find(|a| a.new.as_deref() == Some(ty.simple()))?;
        // An argument built in place is what it wraps: `new PrintWriter(new StringWriter())`.
        let wraps = args.iter().any(|(_, v)| {
            !a.wraps.is_empty() && matches!(v.peel().kind, ExprKind::Construct { .. })
                || v.hint_name().is_some_and(|h| {
                    let h = h.to_ascii_lowercase();
                    a.wraps.iter().any(|w| h.ends_with(&w.to_ascii_lowercase()))
                })
        });
        (!wraps).then(|| Spec::from_rule(a, None))
    }

    /// A Java type that closes what it wraps (rule data `wrappers`).
    fn wrapper(&self, t: &TypeRef) -> bool {
        self.m
            .wrappers
            .iter()
            .any(|w| t.simple().ends_with(w.as_str()))
    }

    fn in_list(&self, list: &[String], c: &Call) -> bool {
        if !c.name().is_some_and(|n| self.listed.contains(n)) {
            return false;
        }
        let mut path = None;
        list.iter().any(|e| names_call(e, c, &mut path))
    }

    fn is_release_fn(&self, c: &Call) -> bool {
        self.in_list(&self.m.release_functions, c)
    }

    fn borrows(&self, c: &Call) -> bool {
        self.in_list(&self.m.borrowing_calls, c)
    }

    fn passthrough(&self, c: &Call) -> bool {
        self.in_list(&self.m.passthrough_calls, c)
    }

    /// Calls taken never to throw (logging, formatting), for the exception paths.
    fn nothrow(&self, c: &Call) -> bool {
        self.in_list(&self.m.nothrow_calls, c)
    }

    fn noreturn(&self, c: &Call) -> bool {
        self.in_list(&self.m.noreturn_calls, c)
    }

    fn error_label(&self, label: &str) -> bool {
        let l = label.to_ascii_lowercase();
        self.m
            .error_labels
            .iter()
            .any(|p| l.starts_with(p.as_str()))
    }
}

// ----- expression queries -----

/// The variable or field path an expression denotes, normalized (`this.lock` is `lock`).
fn path_of(e: &Expr) -> Option<String> {
    e.peel().path().map(|p| {
        let mut p = norm(p);
        if p.starts_with("this.") {
            p.drain(.."this.".len());
        }
        p
    })
}

fn under(path: &str, var: &str) -> bool {
    path == var
        || (path.len() > var.len() && path.starts_with(var) && path.as_bytes()[var.len()] == b'.')
}

/// Rust's `x?`: lowered as a pass-through operator whose span is the operand's plus the `?`.
fn is_rust_try(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary(inner) => {
            e.span.start == inner.span.start && e.span.end == inner.span.end + 1
        }
        _ => false,
    }
}

/// The variable an out-argument writes through: `fds`, `fds + 2`, `&fd`, `fds.as_mut_ptr()`.
fn out_var(e: &Expr) -> Option<String> {
    let e = e.peel();
    if let Some(p) = path_of(e) {
        return Some(p);
    }
    match &e.kind {
        ExprKind::Index(base, _) => out_var(base),
        ExprKind::Other(xs) => xs.iter().find_map(out_var),
        // `fds + 2`
        ExprKind::Binary(_, a, b) => out_var(a).or_else(|| out_var(b)),
        ExprKind::Call(c) if c.args.is_empty() => c.receiver().and_then(out_var),
        _ => None,
    }
}

/// The last statement of a block leaves it (return, throw, jump, or a call that never returns).
fn ends_with_exit(api: &Api, b: &Block) -> bool {
    let Some(last) = b.last() else {
        return false;
    };
    match &last.kind {
        StmtKind::Return(_)
        | StmtKind::Throw(_)
        | StmtKind::Goto(_)
        | StmtKind::Break
        | StmtKind::Continue => true,
        StmtKind::Expr(e) => matches!(&e.peel().kind, ExprKind::Call(c) if api.noreturn(c)),
        StmtKind::If {
            then, otherwise, ..
        } => ends_with_exit(api, then) && ends_with_exit(api, otherwise),
        StmtKind::Block(b) => ends_with_exit(api, b),
        _ => false,
    }
}

/// Calls `f` on every expression of `block`, nested statements and closures included.
fn each_expr<'u>(unit: &'u Unit, block: &'u Block, f: &mut impl FnMut(&'u Expr)) {
    let mut closures = Vec::new();
    crate::model::walk_stmts(block, &mut |s| {
        for e in s.exprs() {
            e.walk(&mut |x| {
                if let ExprKind::Closure(id) = x.kind {
                    closures.push(id);
                }
                f(x)
            });
        }
    });
    // Closures nest as deep as their source; each is visited once.
    let mut seen = HashSet::new();
    while let Some(id) = closures.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(func) = unit.functions.get(id) {
            crate::model::walk_stmts(&func.body, &mut |s| {
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Closure(id) = x.kind {
                            closures.push(id);
                        }
                        f(x)
                    });
                }
            });
        }
    }
}

// ----- error exits -----

/// Whether returning `values` from `func` reports failure, and how to say so.
/// `nested`: the return is inside a branch, not a top-level statement of the function.
fn error_return(
    api: &Api,
    func: &crate::model::Function,
    values: &[Expr],
    nested: bool,
) -> Option<String> {
    match api.lang {
        Lang::Go => {
            let last_is_error = func.results.last().is_some_and(|t| t.0 == "error");
            if !last_is_error || values.is_empty() || values.len() < func.results.len() {
                return None;
            }
            let last = values.last()?.peel();
            match &last.kind {
                // `return err` inside a branch; `return ErrClosed` anywhere.
                ExprKind::Name(n) if n != "nil" && (nested || n.starts_with("Err")) => {
                    Some("returns an error here".into())
                }
                ExprKind::Field(_, n) if n.starts_with("Err") => {
                    Some("returns an error here".into())
                }
                // `fmt.Errorf(…)`, `errors.New(…)`, `status.Error(…)`, `ctx.Err()`,
                // `errors.Wrap(err, …)`; not `return f.Sync()`, which may well be nil.
                ExprKind::Call(c) => {
                    let name = c.name().unwrap_or("");
                    let path = callee(c).unwrap_or_default();
                    let makes_error = name.contains("Err")
                        || name.contains("err")
                        || path.starts_with("errors.")
                        || matches!(
                            name,
                            "Wrap" | "Wrapf" | "WithStack" | "WithMessage" | "WithMessagef"
                        );
                    makes_error.then(|| "returns an error here".into())
                }
                _ => None,
            }
        }
        Lang::Rust => {
            let v = values.first()?.peel();
            match &v.kind {
                ExprKind::Call(c) if c.func.path().as_deref() == Some("Err") => {
                    Some("returns `Err` here".into())
                }
                _ => None,
            }
        }
        Lang::C => {
            let v = values.first()?;
            // `0` is success; a negative number an error (`c_error_value`); another number, or
            // one whose value is unknown (a character), an error code when returned from
            // inside a branch, success when returned by a top-level statement.
            match &v.peel().kind {
                ExprKind::Lit(Lit::Num(Some(0))) => None,
                ExprKind::Lit(Lit::Num(n)) if nested && n.is_none_or(|n| n > 0) => {
                    Some("returns an error code here".into())
                }
                _ => c_error_value(api, v),
            }
        }
        Lang::Java | Lang::Python => None,
    }
}

fn c_error_value(api: &Api, v: &Expr) -> Option<String> {
    let v = v.peel();
    match &v.kind {
        ExprKind::Lit(Lit::Num(Some(n))) if *n < 0 => Some("returns a negative value here".into()),
        // A unary minus on a number the frontend could not fold.
        ExprKind::Other(xs)
            if xs.len() == 1 && matches!(xs[0].peel().kind, ExprKind::Lit(Lit::Num(None))) =>
        {
            Some("returns a negative value here".into())
        }
        ExprKind::Other(xs) if xs.len() == 1 => match &xs[0].peel().kind {
            // `-ENOMEM`
            ExprKind::Name(n) if is_errno(n) => Some(format!("returns `-{n}` here")),
            _ => None,
        },
        ExprKind::Lit(Lit::Nil) => Some("returns `NULL` here".into()),
        // `false` is the only five-byte boolean literal.
        ExprKind::Lit(Lit::Bool) if v.span.end - v.span.start == 5 => {
            Some("returns `false` here".into())
        }
        ExprKind::Name(n) if api.m.error_values.iter().any(|e| e == n) || is_error_name(n) => {
            Some(format!("returns `{n}` here"))
        }
        _ => None,
    }
}

/// `C_ERR`, `ST_ERROR`, `IO_FAILED`: a constant named for failure.
fn is_error_name(n: &str) -> bool {
    let upper = n
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    upper
        && ["ERR", "ERROR", "FAIL", "FAILED", "FAILURE"]
            .iter()
            .any(|w| n == *w || n.ends_with(&format!("_{w}")))
}

fn macro_name(e: &Expr) -> bool {
    matches!(&e.peel().kind, ExprKind::Name(n) if n.len() > 1
        && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
}

fn is_errno(n: &str) -> bool {
    n.len() > 2
        && n.starts_with('E')
        && n.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

// ----- summaries -----

/// A same-file function that stores fresh resources into fields or globals and reports success.
struct Storage {
    acquirer: String,
    fields: BTreeSet<String>,
    /// Functions that release every one of the fields, and functions that call those.
    releasers: HashSet<String>,
}

#[derive(Default)]
struct Summaries {
    by_name: HashMap<String, Vec<FuncId>>,
    /// Parameters a function releases.
    releases: HashMap<FuncId, Vec<bool>>,
    /// Parameters a function keeps, returns or passes on.
    keeps: HashMap<FuncId, Vec<bool>>,
    /// Functions that return a fresh resource.
    returns: HashMap<FuncId, Spec>,
    /// Functions that acquire into a parameter.
    out_param: HashMap<FuncId, Spec>,
    storage: Vec<Storage>,
    storage_of: HashMap<String, usize>,
}

impl Summaries {
    fn build(api: &Api, unit: &Unit) -> Summaries {
        let mut s = Summaries::default();
        for (id, f) in unit.functions.iter().enumerate() {
            if matches!(f.kind, FnKind::Function | FnKind::Method | FnKind::Nested)
                && !f.name.is_empty()
            {
                s.by_name.entry(f.name.clone()).or_default().push(id);
            }
        }
        // Two rounds: the second sees helpers of helpers.
        for _ in 0..2 {
            let mut releases = HashMap::new();
            let mut keeps = HashMap::new();
            let mut returns = HashMap::new();
            let mut out_param = HashMap::new();
            for ids in s.by_name.values() {
                for &id in ids {
                    let f = &unit.functions[id];
                    let (rel, keep): (Vec<bool>, Vec<bool>) = f
                        .params
                        .iter()
                        .map(|p| s.param_effects(api, unit, id, &p.name))
                        .unzip();
                    releases.insert(id, rel);
                    keeps.insert(id, keep);
                    let (ret, out) = s.acquirer(api, unit, id);
                    if let Some(r) = ret {
                        returns.insert(id, r);
                    }
                    if let Some(o) = out {
                        out_param.insert(id, o);
                    }
                }
            }
            s.releases = releases;
            s.keeps = keeps;
            s.returns = returns;
            s.out_param = out_param;
        }
        s.build_storage(api, unit);
        s
    }

    /// The same-file functions a call may reach, each with the offset of its first argument
    /// among the parameters (a Go receiver or a Python `self` comes first).
    fn callees<'a>(
        &'a self,
        unit: &'a Unit,
        c: &'a Call,
    ) -> impl Iterator<Item = (FuncId, usize)> + 'a {
        let name = c.name().unwrap_or("");
        self.by_name
            .get(name)
            .into_iter()
            .flatten()
            // In Go and Python a same-file function is called unqualified: `s.connect()` is a
            // method, not the module's `connect`.
            .filter(move |&&id| {
                !(matches!(unit.lang, Lang::Go | Lang::Python)
                    && c.receiver().is_some()
                    && unit.functions[id].kind != FnKind::Method)
            })
            .map(move |&id| {
                let f = &unit.functions[id];
                let offset = match unit.lang {
                    Lang::Go | Lang::Python
                        if f.kind == FnKind::Method && c.receiver().is_some() =>
                    {
                        usize::from(
                            unit.lang == Lang::Go
                                || f.params
                                    .first()
                                    .is_some_and(|p| p.name == "self" || p.name == "cls"),
                        )
                    }
                    _ => 0,
                };
                (id, offset)
            })
    }

    /// Whether a same-file function releases its argument `i`.
    fn call_releases_arg(&self, unit: &Unit, c: &Call, i: usize) -> bool {
        self.callees(unit, c).any(|(id, off)| {
            self.releases
                .get(&id)
                .and_then(|r| r.get(i + off))
                .copied()
                .unwrap_or(false)
        })
    }

    /// Whether passing argument `i` to this call only lends it: the file defines the callee and
    /// no definition keeps or releases that parameter.
    fn call_borrows_arg(&self, unit: &Unit, c: &Call, i: usize) -> bool {
        let mut any = false;
        for (id, off) in self.callees(unit, c) {
            any = true;
            let kept = self.keeps.get(&id).and_then(|k| k.get(i + off)).copied();
            let released = self.releases.get(&id).and_then(|k| k.get(i + off)).copied();
            if kept != Some(false) || released != Some(false) {
                return false;
            }
        }
        any
    }

    /// Whether function `id` releases its parameter `p`, and whether it keeps or passes it on.
    fn param_effects(&self, api: &Api, unit: &Unit, id: FuncId, p: &str) -> (bool, bool) {
        if p.is_empty() || p == "self" || p == "cls" {
            return (false, true);
        }
        let f = &unit.functions[id];
        let mut releases = false;
        let mut keeps = false;
        let refers = |e: &Expr| refers_to(e, p);
        crate::model::walk_stmts(&f.body, &mut |s| {
            match &s.kind {
                StmtKind::Return(vs) => keeps |= vs.iter().any(|v| passes_var(api, v, p)),
                StmtKind::Bind { values, .. } => {
                    keeps |= values.iter().any(|v| passes_var(api, v, p))
                }
                StmtKind::Scoped { bindings, .. } => {
                    for b in bindings {
                        for e in b.exprs() {
                            releases |= refers(e);
                        }
                    }
                }
                _ => {}
            }
            for e in s.exprs() {
                e.walk(&mut |x| match &x.kind {
                    ExprKind::Call(c) => {
                        // `p.Close()`: the method is checked first, so that the receiver's path
                        // is only built for release methods.
                        if let ExprKind::Field(base, m) = &c.func.peel().kind {
                            // `p.Close()`, and `p.Body.Close()` for what `p` owns.
                            if api.m.release_methods.iter().any(|r| r == m)
                                && path_of(base).is_some_and(|b| under(&b, p))
                            {
                                releases = true;
                            }
                        }
                        for (i, a) in c.args.iter().enumerate() {
                            if !refers(a) {
                                continue;
                            }
                            if api.is_release_fn(c) || self.call_releases_arg(unit, c, i) {
                                releases = true;
                            } else if passes_var(api, a, p)
                                && !api.borrows(c)
                                && !self.call_borrows_arg(unit, c, i)
                            {
                                keeps = true;
                            }
                        }
                    }
                    ExprKind::Closure(cid) => {
                        let mut hit = false;
                        each_expr(unit, &unit.functions[*cid].body, &mut |y| {
                            hit |= path_of(y).is_some_and(|q| under(&q, p))
                        });
                        keeps |= hit;
                    }
                    ExprKind::Construct { fields, .. } => {
                        keeps |= fields.iter().any(|(_, v)| passes_var(api, v, p))
                    }
                    _ => {}
                });
            }
        });
        (releases, keeps)
    }

    /// An acquisition bound to a local in a Bind of function `id`: `(variable, spec)`.
    fn local_acquisitions(&self, api: &Api, unit: &Unit, id: FuncId) -> Vec<(String, Spec)> {
        let mut found = Vec::new();
        crate::model::walk_stmts(&unit.functions[id].body, &mut |s| {
            if let StmtKind::Bind {
                targets,
                values,
                declared,
            } = &s.kind
            {
                for (t, spec) in
                    bound_acquisitions(api, self, unit, targets, values, declared.as_ref())
                {
                    if let Some(v) = path_of(t) {
                        found.push((v, spec));
                    }
                }
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call(c) = &x.kind {
                        if let Some(spec) = api.acquire_call(c, None) {
                            if let Some(v) =
                                spec.out_arg.and_then(|i| c.args.get(i)).and_then(out_var)
                            {
                                found.push((v, spec));
                            }
                        }
                    }
                });
            }
        });
        found
    }

    /// Whether function `id` returns a fresh resource, or acquires one into a parameter.
    fn acquirer(&self, api: &Api, unit: &Unit, id: FuncId) -> (Option<Spec>, Option<Spec>) {
        let f = &unit.functions[id];
        let held = self.local_acquisitions(api, unit, id);
        if held.is_empty() {
            return (None, None);
        }
        let mut ret = None;
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Return(vs) = &s.kind {
                for (k, v) in vs.iter().enumerate() {
                    let v = unwrap_passthrough(api, v);
                    if let Some(p) = path_of(v) {
                        if let Some((_, spec)) = held.iter().find(|(h, _)| *h == p) {
                            if ret.is_none() {
                                let mut spec = spec.clone();
                                spec.results = vec![k];
                                spec.out_arg = None;
                                spec.receiver = false;
                                spec.err_result = (api.lang == Lang::Go
                                    && f.results.len() > 1
                                    && f.results.last().is_some_and(|t| t.0 == "error"))
                                .then(|| f.results.len() - 1);
                                spec.callee = f.name.clone();
                                ret = Some(spec);
                            }
                        }
                    }
                }
            }
        });
        let out = f.params.iter().enumerate().find_map(|(i, p)| {
            let (_, spec) = held.iter().find(|(h, _)| *h == p.name)?;
            let mut spec = spec.clone();
            spec.out_arg = Some(i);
            spec.results = Vec::new();
            spec.err_result = None;
            spec.callee = f.name.clone();
            Some(spec)
        });
        (ret, out)
    }

    /// Pairs functions that store fresh resources in fields or globals with the functions
    /// that release all of those fields.
    fn build_storage(&mut self, api: &Api, unit: &Unit) {
        // Fields each function releases.
        let mut released: HashMap<&str, BTreeSet<String>> = HashMap::new();
        for (name, ids) in &self.by_name {
            for &id in ids {
                let mut set = BTreeSet::new();
                each_expr(unit, &unit.functions[id].body, &mut |e| {
                    let ExprKind::Call(c) = &e.kind else {
                        return;
                    };
                    if api.is_release_fn(c) {
                        for a in &c.args {
                            if let ExprKind::Field(_, n) = &a.peel().kind {
                                set.insert(n.clone());
                            }
                        }
                    } else if let Some(ExprKind::Field(_, n)) = c.receiver().map(|r| &r.peel().kind)
                    {
                        if c.name()
                            .is_some_and(|m| api.m.release_methods.iter().any(|r| r == m))
                        {
                            set.insert(n.clone());
                        }
                    }
                });
                if !set.is_empty() {
                    released.entry(name).or_default().extend(set);
                }
            }
        }
        if released.is_empty() {
            return;
        }
        let mut storage = Vec::new();
        for (name, ids) in &self.by_name {
            let &[id] = ids.as_slice() else {
                continue;
            };
            let f = &unit.functions[id];
            let held: HashSet<String> = self
                .local_acquisitions(api, unit, id)
                .into_iter()
                .map(|(v, _)| v)
                .collect();
            let mut fields = BTreeSet::new();
            let (mut fails, mut succeeds) = (false, false);
            let top: HashSet<Span> = f.body.iter().map(|s| s.span).collect();
            crate::model::walk_stmts(&f.body, &mut |s| match &s.kind {
                StmtKind::Bind {
                    targets, values, ..
                } if targets.len() == values.len() => {
                    for (t, v) in targets.iter().zip(values) {
                        let ExprKind::Field(_, n) = &t.kind else {
                            continue;
                        };
                        let fresh = matches!(&v.peel().kind, ExprKind::Call(c) if api.acquire_call(c, None).is_some_and(|s| s.binds_result()))
                            || held.iter().any(|h| passes_var(api, v, h));
                        if fresh {
                            fields.insert(n.clone());
                        }
                    }
                }
                StmtKind::Return(vs) if !vs.is_empty() => {
                    if error_return(api, f, vs, !top.contains(&s.span)).is_some() {
                        fails = true;
                    } else {
                        succeeds = true;
                    }
                }
                _ => {}
            });
            if fields.is_empty() || !fails || !succeeds {
                continue;
            }
            let releasers: HashSet<String> = released
                .iter()
                .filter(|(r, set)| {
                    **r != name.as_str() && fields.is_subset(set) && paired_names(name, r)
                })
                .map(|(r, _)| r.to_string())
                .collect();
            if releasers.is_empty() {
                continue;
            }
            storage.push(Storage {
                acquirer: name.clone(),
                fields,
                releasers,
            });
        }
        // A function that calls a releaser releases too (two levels).
        for st in &mut storage {
            for _ in 0..2 {
                let mut more = Vec::new();
                for (name, ids) in &self.by_name {
                    if st.releasers.contains(name) || *name == st.acquirer {
                        continue;
                    }
                    let calls = ids.iter().any(|&id| {
                        let mut hit = false;
                        each_expr(unit, &unit.functions[id].body, &mut |e| {
                            if let ExprKind::Call(c) = &e.kind {
                                hit |= c.name().is_some_and(|n| st.releasers.contains(n));
                            }
                        });
                        hit
                    });
                    if calls {
                        more.push(name.clone());
                    }
                }
                st.releasers.extend(more);
            }
        }
        storage.sort_by(|a, b| a.acquirer.cmp(&b.acquirer));
        for (i, st) in storage.iter().enumerate() {
            self.storage_of.insert(st.acquirer.clone(), i);
        }
        self.storage = storage;
    }

    /// A call of a same-file function that returns a fresh resource.
    fn returned_resource(&self, unit: &Unit, c: &Call) -> Option<Spec> {
        self.callees(unit, c)
            .find_map(|(id, _)| self.returns.get(&id).cloned())
    }

    fn out_param_resource(&self, unit: &Unit, c: &Call) -> Option<Spec> {
        self.callees(unit, c).find_map(|(id, off)| {
            let mut s = self.out_param.get(&id)?.clone();
            s.out_arg = s.out_arg?.checked_sub(off);
            s.out_arg.map(|_| s)
        })
    }
}

/// Words of an identifier, lower-cased: `aofCreatePipes` → `aof create pipes`.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if (ch == '_' || (ch.is_uppercase() && prev_lower)) && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        if ch != '_' {
            cur.extend(ch.to_lowercase());
        }
        prev_lower = ch.is_lowercase() || ch.is_ascii_digit();
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

const ACQUIRE_VERBS: &[&str] = &[
    "create", "open", "init", "alloc", "new", "setup", "start", "make", "acquire", "get", "connect",
];
const RELEASE_VERBS: &[&str] = &[
    "close",
    "free",
    "destroy",
    "release",
    "cleanup",
    "clean",
    "stop",
    "delete",
    "teardown",
    "deinit",
    "put",
    "disconnect",
    "shutdown",
    "reset",
];

/// Whether two functions name an acquire / release pair of the same thing: `aofCreatePipes`
/// and `aofClosePipes`, `init_workers` and `free_workers`.
fn paired_names(acquirer: &str, releaser: &str) -> bool {
    let (a, r) = (words(acquirer), words(releaser));
    let has = |ws: &[String], verbs: &[&str]| ws.iter().any(|w| verbs.contains(&w.as_str()));
    if !has(&a, ACQUIRE_VERBS) || !has(&r, RELEASE_VERBS) {
        return false;
    }
    let rest = |ws: &[String]| -> Vec<String> {
        ws.iter()
            .filter(|w| {
                !ACQUIRE_VERBS.contains(&w.as_str()) && !RELEASE_VERBS.contains(&w.as_str())
            })
            .cloned()
            .collect()
    };
    let (ra, rr) = (rest(&a), rest(&r));
    !ra.is_empty() && ra == rr
}

/// `Ok(x)`, `cvt(x)`, `Some(x)` → `x`.
fn unwrap_passthrough<'e>(api: &Api, e: &'e Expr) -> &'e Expr {
    let mut e = e.peel();
    while let ExprKind::Call(c) = &e.kind {
        match c.args.first() {
            Some(a) if c.args.len() == 1 && api.passthrough(c) => e = a.peel(),
            _ => break,
        }
    }
    e
}

/// Whether `e` is, or holds, the variable `var` itself or a part of it (not a value computed
/// from it).
fn passes_var(api: &Api, e: &Expr, var: &str) -> bool {
    passes_path(api, e, &|p| under(p, var))
}

/// Whether `e` is, or holds, a path that `accept` takes for the resource.
fn passes_path(api: &Api, e: &Expr, accept: &dyn Fn(&str) -> bool) -> bool {
    let e = e.peel();
    if let Some(p) = path_of(e) {
        return accept(&p);
    }
    let passes = |x: &Expr| passes_path(api, x, accept);
    match &e.kind {
        ExprKind::Index(base, _) => passes(base),
        ExprKind::Other(xs) => xs.iter().any(passes),
        ExprKind::Binary(BinOp::Other, a, b) => passes(a) || passes(b),
        ExprKind::Construct { fields, .. } => fields.iter().any(|(_, v)| passes(v)),
        ExprKind::Call(c) if api.passthrough(c) => c.args.iter().any(passes),
        _ => false,
    }
}

/// Like [`passes_var`], and through argument-less methods (`fds.as_mut_ptr()`, `f.fileno()`).
fn refers_to(e: &Expr, var: &str) -> bool {
    let e = e.peel();
    if let Some(p) = path_of(e) {
        return under(&p, var);
    }
    match &e.kind {
        ExprKind::Index(base, _) => refers_to(base, var),
        ExprKind::Other(xs) => xs.iter().any(|x| refers_to(x, var)),
        ExprKind::Binary(_, a, b) => refers_to(a, var) || refers_to(b, var),
        ExprKind::Not(x) => refers_to(x, var),
        ExprKind::Call(c) if c.args.is_empty() => c.receiver().is_some_and(|r| refers_to(r, var)),
        _ => false,
    }
}

/// Acquisitions whose result a Bind gives to a target: `(target, spec)`.
fn bound_acquisitions<'u>(
    api: &Api,
    sums: &Summaries,
    unit: &Unit,
    targets: &'u [Expr],
    values: &[Expr],
    declared: Option<&TypeRef>,
) -> Vec<(&'u Expr, Spec)> {
    let mut out = Vec::new();
    if values.len() == 1 && targets.len() > 1 {
        if let Some(spec) = acquisition(api, sums, unit, &values[0], declared) {
            // Go's results are exact: `values, warnings, err := api.Query(…)` is another `Query`.
            let arity = spec
                .results
                .iter()
                .chain(&spec.err_result)
                .max()
                .map_or(1, |m| m + 1);
            if spec.err_result.is_some() && arity != targets.len() {
                return out;
            }
            for &k in &spec.results {
                if let Some(t) = targets.get(k) {
                    out.push((t, spec.clone()));
                }
            }
        }
    } else if targets.len() == values.len() {
        for (t, v) in targets.iter().zip(values) {
            if let Some(spec) = acquisition(api, sums, unit, v, declared) {
                // Go's `rows, err := db.Query(…)`: a call of that name with fewer results
                // (`u.Query()`) is something else.
                let bare_go = api.lang == Lang::Go && spec.err_result.is_some();
                if spec.results.contains(&0) && !bare_go {
                    out.push((t, spec));
                }
            }
        }
    }
    out
}

/// The acquisition a bound value makes, looking through pass-through calls, wrapping
/// constructions and Rust block expressions.
fn acquisition(
    api: &Api,
    sums: &Summaries,
    unit: &Unit,
    e: &Expr,
    declared: Option<&TypeRef>,
) -> Option<Spec> {
    let e = e.peel();
    match &e.kind {
        ExprKind::Call(c) => {
            if let Some(s) = api.acquire_call(c, declared).filter(Spec::binds_result) {
                return Some(s);
            }
            if let Some(s) = sums.returned_resource(unit, c) {
                return Some(s);
            }
            if api.passthrough(c) {
                return c
                    .args
                    .iter()
                    .find_map(|a| acquisition(api, sums, unit, a, declared));
            }
            None
        }
        ExprKind::Construct { ty, fields } => {
            if let Some(s) = ty.as_ref().and_then(|t| api.acquire_new(t, fields)) {
                return Some(s);
            }
            // A wrapper built around a fresh resource owns it: `new BufferedReader(new FileReader(p))`.
            let t = ty.as_ref()?;
            if api.lang == Lang::Java && api.wrapper(t) {
                let mut inner = fields
                    .iter()
                    .find_map(|(_, v)| acquisition(api, sums, unit, v, None))?;
                inner.release.clear();
                inner.callee = format!("new {}", t.simple());
                if api.m.throwing_wrappers.iter().any(|w| w == t.simple()) {
                    inner.wrapper_throws = Some(t.simple().to_string());
                }
                return Some(inner);
            }
            None
        }
        // `unsafe { libc::open(…) }` lowers to its flattened contents.
        ExprKind::Other(xs) if api.lang == Lang::Rust => xs
            .last()
            .and_then(|x| acquisition(api, sums, unit, x, declared)),
        _ => None,
    }
}

// ----- the interpretation -----

const NOT_HELD: u8 = 1;
const OPEN: u8 = 2;
/// Released, or in a scope that releases it.
const RELEASED: u8 = 4;
/// Handed off: returned, stored, captured, or passed to a call that may keep it.
const HANDED: u8 = 16;
/// Open only on paths through a `catch` that a call's exception took: an error exit there is
/// a leak, a normal one is the exception's (reported as such, if at all).
const OPEN_CAUGHT: u8 = 32;
/// Reached a `catch` open from some statements that may throw and not yet acquired at others:
/// which statement threw is unknown, so an error exit there is not reported.
const CAUGHT_UNSURE: u8 = 64;
/// The analysis could not tell: a test it could not read, an iteration, an exception from an
/// unknown statement. Never reported.
const UNSURE: u8 = 8;

/// Open on some path here, and released or handed off on none of them: an error exit's test.
fn leaks(bits: u8) -> bool {
    is_open(bits) && bits & (RELEASED | HANDED | UNSURE | CAUGHT_UNSURE) == 0
}

/// Open here, on a path of normal flow or one that passed through a `catch`.
fn is_open(bits: u8) -> bool {
    bits & (OPEN | OPEN_CAUGHT) != 0
}

/// Open on some path here and handed off on none: a normal exit's test. A release that only
/// some branches make (`if cond { cancel() }`) leaves the others leaking.
fn leaks_normally(bits: u8) -> bool {
    bits & OPEN != 0 && bits & (HANDED | UNSURE) == 0
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Slot {
    bits: u8,
    /// The first `goto` that carried the resource open toward an exit.
    via: Option<Span>,
}

const ABSENT: Slot = Slot {
    bits: NOT_HELD,
    via: None,
};

#[derive(Clone, Debug, Default)]
struct State {
    slots: Vec<Slot>,
}

impl State {
    fn get(&self, r: usize) -> Slot {
        self.slots.get(r).copied().unwrap_or(ABSENT)
    }

    fn set(&mut self, r: usize, bits: u8) {
        if self.slots.len() <= r {
            self.slots.resize(r + 1, ABSENT);
        }
        self.slots[r].bits = bits;
        if !is_open(bits) {
            self.slots[r].via = None;
        }
    }

    fn add(&mut self, r: usize, bits: u8) {
        let b = self.get(r).bits | bits;
        self.set(r, b);
    }
}

/// `None` is unreachable.
type Flow = Option<State>;

fn join(a: Flow, b: Flow) -> Flow {
    match (a, b) {
        (None, x) | (x, None) => x,
        (Some(mut a), Some(b)) => {
            let n = a.slots.len().max(b.slots.len());
            a.slots.resize(n, ABSENT);
            for (i, s) in a.slots.iter_mut().enumerate() {
                let o = b.get(i);
                s.bits |= o.bits;
                s.via = s.via.or(o.via);
            }
            Some(a)
        }
    }
}

struct Res {
    acq: Span,
    what: String,
    vars: Vec<String>,
    release: Vec<String>,
    owner: Option<Owner>,
    storage: Option<usize>,
    /// Error exits that leave it open.
    exits: Vec<(Span, String)>,
    context: Vec<(Span, String)>,
    /// Names for a part of it, with the path they stand for: `body` for `resp.Body`.
    aliases: Vec<(String, String)>,
    /// Normal exits, loops, drops and deferred releases that leave it open, in order found.
    others: Vec<(ExitKind, Span, String)>,
    traits: Traits,
    /// Java and Python: the first call that uses the resource while it is certainly open and
    /// may throw out of the function, with the call as shown.
    throws: Option<(Span, String)>,
    /// When `throws` is inside a `try` whose `catch` swallows the exception and carries on:
    /// that `try` body. Only a release inside it is skipped; one after the `try` still runs.
    throws_within: Option<Span>,
    /// The first release after `throws`, which an exception there skips.
    skipped: Option<Span>,
    /// Returned, stored, captured or passed on somewhere: not a plain acquire-use-release.
    handed_off: bool,
    /// Whether an exception may leak it: not for a receiver that merely has a `lock()` method
    /// (a `Lockable` mixin, a `StateDirectory`), only for one declared as a lock; not for a
    /// resource whose methods cannot leave it open (`throw_safe`).
    exceptions: bool,
}

impl Res {
    fn new(acq: Span, what: String, vars: Vec<String>) -> Res {
        Res {
            acq,
            what,
            vars,
            release: Vec::new(),
            owner: None,
            storage: None,
            exits: Vec::new(),
            context: Vec::new(),
            aliases: Vec::new(),
            others: Vec::new(),
            traits: Traits::default(),
            throws: None,
            throws_within: None,
            skipped: None,
            handed_off: false,
            exceptions: false,
        }
    }

    fn released(&mut self, at: Span) {
        if self.throws.is_some() && self.skipped.is_none() {
            if self.throws_within.is_some_and(|b| at.start >= b.end) {
                self.throws = None;
                self.throws_within = None;
            } else {
                self.skipped = Some(at);
            }
        }
    }
}

enum Pending {
    Vars(Span, Vec<String>, Box<Spec>),
    Storage(Span, usize),
}

struct Fx<'a, 'u> {
    api: &'a Api<'a>,
    sums: &'a Summaries,
    unit: &'u Unit,
    func: &'u crate::model::Function,
    res: Vec<Res>,
    /// Error companions: Go's `err` of the call that acquired the resource, or of a call on
    /// its owner that releases it when it fails (`cmd.Start()` for a pipe of `cmd`).
    companions: HashMap<String, Vec<usize>>,
    /// Raw views taken of a local owner, `(owner, view variable)`: `fd = file.as_raw_fd()`.
    views: Vec<(String, String)>,
    /// Break and continue targets: `(is_loop, breaks, continues)`.
    jumps: Vec<(bool, Flow, Flow)>,
    labels: HashMap<String, Flow>,
    /// States where a statement of an enclosing `try` body may throw.
    catch_acc: Vec<Flow>,
    finally: Vec<&'u Block>,
    in_catch: usize,
    /// Conditions of the enclosing branches, innermost last.
    conds: Vec<Span>,
    error_tail: bool,
    pending: Vec<Pending>,
    tries: Vec<Span>,
    stops: bool,
    finally_cache: HashMap<(usize, usize), bool>,
    /// Names declared with a type in this function: locals, whatever globals share the name.
    declared: HashMap<&'u str, &'u TypeRef>,
    /// For a closure or nested function: names bound or taken as parameters by the functions
    /// around it.
    outer: HashSet<&'u str>,
    /// Go: the package-level variables of the file.
    package_vars: HashSet<&'u str>,
    /// A Python module body: its names live as long as the program, so only overwrites, drops
    /// and loops leak there.
    module: bool,
    /// A program's `main`: an exception escaping it ends the process, which releases
    /// everything.
    main: bool,
    /// For each enclosing loop, the first resource acquired inside it.
    loops: Vec<usize>,
    /// For each `finally` block being interpreted, how many `try`s were around it.
    in_finally: Vec<usize>,
    /// The `catch` / `except` blocks of each enclosing `try`, with the span of its body,
    /// innermost last.
    catches: Vec<(&'u [crate::model::Catch], Span)>,
}

impl<'a, 'u> Fx<'a, 'u> {
    fn new(api: &'a Api<'a>, sums: &'a Summaries, unit: &'u Unit, id: FuncId) -> Fx<'a, 'u> {
        Fx {
            api,
            sums,
            unit,
            func: &unit.functions[id],
            res: Vec::new(),
            companions: HashMap::new(),
            views: Vec::new(),
            jumps: Vec::new(),
            labels: HashMap::new(),
            catch_acc: Vec::new(),
            finally: Vec::new(),
            in_catch: 0,
            conds: Vec::new(),
            error_tail: false,
            pending: Vec::new(),
            tries: Vec::new(),
            stops: false,
            finally_cache: HashMap::new(),
            declared: declared_names(&unit.functions[id].body),
            outer: outer_names(unit, id),
            package_vars: if unit.lang == Lang::Go {
                declared_or_bound(&unit.functions[0].body)
            } else {
                HashSet::new()
            },
            module: unit.functions[id].kind == FnKind::TopLevel,
            main: unit.functions[id].name == "main"
                && matches!(unit.functions[id].kind, FnKind::Function | FnKind::Method),
            loops: Vec::new(),
            in_finally: Vec::new(),
            catches: Vec::new(),
        }
    }

    fn block(&mut self, b: &'u Block, mut st: Flow) -> Flow {
        for s in b {
            st = self.stmt(s, st);
        }
        st
    }

    fn stmt(&mut self, s: &'u Stmt, mut st: Flow) -> Flow {
        if let (Some(acc), Some(cur)) = (self.catch_acc.last_mut(), &st) {
            if !matches!(
                s.kind,
                StmtKind::Label(_) | StmtKind::Break | StmtKind::Continue
            ) {
                *acc = join(acc.take(), Some(cur.clone()));
            }
        }
        match &s.kind {
            StmtKind::Expr(e) => {
                self.discards(e, true);
                self.effects(e, &mut st);
                self.finish(&mut st);
                st
            }
            StmtKind::Defer(e) => {
                if let (Some(&first), Some(cur)) = (self.loops.last(), &st) {
                    self.defer_in_loop(e, s.span, first, cur);
                }
                self.effects(e, &mut st);
                self.finish(&mut st);
                st
            }
            StmtKind::Bind {
                targets,
                values,
                declared,
            } => {
                self.bind(targets, values, declared.as_ref(), &mut st);
                st
            }
            StmtKind::Return(values) => {
                // Go's bare `return` in a function with results returns its named results,
                // which may be any of the resources.
                if values.is_empty() && self.api.lang == Lang::Go && !self.func.results.is_empty() {
                    if let Some(cur) = st.as_mut() {
                        for r in self.open(cur) {
                            cur.set(r, HANDED);
                            self.res[r].handed_off = true;
                        }
                    }
                }
                for v in values {
                    self.effects(v, &mut st);
                    // Whatever is returned is the caller's.
                    if let Some(cur) = st.as_mut() {
                        for r in self.open(cur) {
                            if self.passes(v, r) {
                                cur.set(r, HANDED);
                                self.res[r].handed_off = true;
                            }
                        }
                    }
                }
                self.finish(&mut st);
                if let Some(cur) = &st {
                    let nested =
                        !self.conds.is_empty() || !self.jumps.is_empty() || self.in_catch > 0;
                    let how = error_return(self.api, self.func, values, nested)
                        .or_else(|| (self.in_catch > 0).then(|| catch_return(self.api.lang)))
                        .or_else(|| {
                            self.error_tail
                                .then(|| "returns here, after the error label".into())
                        });
                    let cur = cur.clone();
                    match how {
                        Some(how) => self.exit(&cur, s.span, &how),
                        None => self.normal_exit(&cur, s.span, ExitKind::Normal, "returns here"),
                    }
                }
                None
            }
            StmtKind::Throw(e) => {
                if let Some(e) = e {
                    self.effects(e, &mut st);
                }
                self.finish(&mut st);
                // An exception escaping `main` ends the process.
                if self.catch_acc.is_empty() && !self.main {
                    if let (Some(cur), Lang::Java | Lang::Python) = (&st, self.api.lang) {
                        let cur = cur.clone();
                        let how = match self.api.lang {
                            Lang::Python => "raises here",
                            _ => "throws here",
                        };
                        self.exit(&cur, s.span, how);
                    }
                }
                None
            }
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => self.if_stmt(cond, then, otherwise, st),
            StmtKind::Switch {
                scrutinee,
                arms,
                exhaustive,
            } => {
                if let Some(e) = scrutinee {
                    self.effects(e, &mut st);
                    self.finish(&mut st);
                }
                self.jumps.push((false, None, None));
                let mut out = if *exhaustive && !arms.is_empty() {
                    None
                } else {
                    st.clone()
                };
                for arm in arms {
                    let end = self.block(arm, st.clone());
                    out = join(out, end);
                }
                let (_, breaks, conts) = self.jumps.pop().unwrap_or((false, None, None));
                if let Some(c) = conts {
                    self.continue_to_loop(Some(c));
                }
                join(out, breaks)
            }
            StmtKind::Loop { head, body } => {
                for e in head {
                    self.effects(e, &mut st);
                }
                self.finish(&mut st);
                self.jumps.push((true, None, None));
                let before = self.res.len();
                self.loops.push(before);
                let end = self.block(body, st.clone());
                self.loops.pop();
                if let (Some(cur), Some(last)) = (&end, body.last()) {
                    let cur = cur.clone();
                    self.loop_exit(&cur, last.span, before, "the loop goes round again here");
                }
                let (_, breaks, conts) = self.jumps.pop().unwrap_or((true, None, None));
                // A loop without a condition (`for {}`, `while (true)`) is left only by `break`,
                // which carries what this iteration holds.
                if endless(head) {
                    return breaks;
                }
                let mut done = join(join(st, end), conts);
                // Called in the condition until it returns false: `for rows.Next()` closes them.
                if let Some(cur) = done.as_mut() {
                    for r in self.open(cur) {
                        if self.drained(head, r) {
                            cur.set(r, RELEASED);
                        }
                    }
                }
                let mut out = join(done, breaks);
                // What an iteration acquired and kept may belong to any iteration.
                if let Some(cur) = out.as_mut() {
                    for r in before..self.res.len() {
                        if is_open(cur.get(r).bits) {
                            cur.add(r, UNSURE);
                        }
                    }
                }
                out
            }
            StmtKind::Try {
                body,
                catches,
                finally,
            } => self.try_stmt(body, catches, finally, st),
            StmtKind::Scoped { bindings, body } => {
                for b in bindings {
                    self.scoped_binding(b, &mut st);
                }
                self.block(body, st)
            }
            StmtKind::Break => {
                if let Some(t) = self.jumps.last_mut() {
                    t.1 = join(t.1.take(), st);
                }
                None
            }
            StmtKind::Continue => {
                if let (Some(&first), Some(cur)) = (self.loops.last(), &st) {
                    let cur = cur.clone();
                    self.loop_exit(&cur, s.span, first, "`continue`s here");
                }
                self.continue_to_loop(st);
                None
            }
            StmtKind::Goto(label) => {
                if let Some(cur) = st.as_mut() {
                    for slot in &mut cur.slots {
                        if is_open(slot.bits) && slot.via.is_none() {
                            slot.via = Some(s.span);
                        }
                    }
                }
                let prev = self.labels.remove(label).flatten();
                self.labels.insert(label.clone(), join(prev, st));
                None
            }
            StmtKind::Label(label) => {
                if self.api.error_label(label) {
                    self.error_tail = true;
                }
                let arrived = self.labels.remove(label).flatten();
                join(st, arrived)
            }
            StmtKind::Block(b) => self.block(b, st),
        }
    }

    fn continue_to_loop(&mut self, st: Flow) {
        if let Some(t) = self.jumps.iter_mut().rev().find(|t| t.0) {
            t.2 = join(t.2.take(), st);
        }
    }

    /// Resources that may be open in `st`.
    fn open(&self, st: &State) -> Vec<usize> {
        (0..self.res.len())
            .filter(|&r| is_open(st.get(r).bits))
            .collect()
    }

    // ----- statements -----

    fn bind(
        &mut self,
        targets: &'u [Expr],
        values: &'u [Expr],
        declared: Option<&TypeRef>,
        st: &mut Flow,
    ) {
        for t in targets {
            if let ExprKind::Name(n) = &t.kind {
                self.companions.remove(n);
            }
        }
        // `err := cmd.Start()`: where `err` is non-nil, the pipes of `cmd` were closed.
        let err = match targets.last().map(|t| &t.kind) {
            Some(ExprKind::Name(n)) if n != "_" => Some(n),
            _ => None,
        };
        if let (Some(err), [v], Some(cur)) = (err, values, st.as_ref()) {
            if let ExprKind::Call(c) = &v.peel().kind {
                let undone: Vec<usize> = self
                    .open(cur)
                    .into_iter()
                    .filter(|&r| {
                        let res = &self.res[r];
                        res.owner
                            .as_ref()
                            .is_some_and(|o| o.calls(c, &o.release_on_error))
                            // `rows.Columns()` fails only on rows already closed.
                            || c.name().is_some_and(|n| res.traits.fails_released.iter().any(|m| m == n))
                                && c.receiver().is_some_and(|x| refers_res(res, x))
                    })
                    .collect();
                if !undone.is_empty() {
                    self.companions.insert(err.clone(), undone);
                }
            }
        }
        if let ([t], [v]) = (targets, values) {
            if let (Some(view), ExprKind::Call(c)) = (self.local_target(t), &v.peel().kind) {
                self.views.retain(|(_, x)| *x != view);
                let is_view = c.name().is_some_and(|m| {
                    self.api
                        .m
                        .acquire
                        .iter()
                        .any(|a| a.views.iter().any(|x| x == m))
                });
                if let (true, Some(owner)) = (is_view, c.receiver().and_then(path_of)) {
                    self.views.push((owner, view));
                }
            }
        }
        for v in values {
            self.discards(v, false);
        }
        let pairs: Vec<(Option<&'u Expr>, &'u Expr)> = if targets.len() == values.len() {
            targets.iter().map(Some).zip(values).collect()
        } else {
            values.iter().map(|v| (None, v)).collect()
        };
        for (t, v) in pairs {
            let local = t.and_then(|t| self.local_target(t));
            if let (Some(cur), Some(name)) = (st.as_mut(), &local) {
                // `g := f`, `r = new BufferedReader(in)`: another name for the same resource.
                let inner = v.peel();
                // `new BufferedReader(in)` wraps `in`; a literal with named fields
                // (`&stream{cancel: cancel}`) is an object that now owns it: a hand-off.
                let wraps = match &inner.kind {
                    ExprKind::Construct { fields, ty } => {
                        fields.iter().all(|(n, _)| n.is_none())
                            && (self.api.lang != Lang::Java
                                || ty.as_ref().is_some_and(|t| self.api.wrapper(t)))
                    }
                    _ => path_of(inner).is_some(),
                };
                if wraps {
                    let mut aliased = false;
                    for r in self.open(cur) {
                        if !self.passes(inner, r) {
                            continue;
                        }
                        aliased = true;
                        if let Some(p) = path_of(inner).filter(|p| !self.res[r].vars.contains(p)) {
                            self.res[r].aliases.push((name.clone(), p));
                        }
                        // `gz = new GZIPInputStream(in)` may throw with `in` open.
                        if let ExprKind::Construct { ty: Some(t), .. } = &inner.kind {
                            let throws =
                                self.api.m.throwing_wrappers.iter().any(|w| w == t.simple())
                                    && !self.protected(r);
                            let res = &self.res[r];
                            if throws
                                && res.exceptions
                                && res.throws.is_none()
                                && leaks(cur.get(r).bits)
                                && !self.catch_releases(res, r)
                            {
                                self.res[r].throws =
                                    Some((inner.span, format!("new {}(…)", t.simple())));
                            }
                        }
                        self.res[r].vars.push(name.clone());
                    }
                    if aliased {
                        if let ExprKind::Construct { fields, .. } = &inner.kind {
                            for (_, f) in fields {
                                for c in f.peel().children() {
                                    self.effects(c, st);
                                }
                            }
                        }
                        continue;
                    }
                }
            }
            self.effects(v, st);
            if let (Some(cur), Some(name)) = (st.as_ref(), &local) {
                let cur = cur.clone();
                self.overwrite(&cur, name, v, t.map_or(v.span, |t| t.span), values);
            }
            if let (Some(cur), Some(t)) = (st.as_mut(), t) {
                if local.is_none() && !matches!(t.kind, ExprKind::Name(ref n) if n == "_") {
                    // Stored in a field, a global, an element or through a pointer.
                    for r in self.open(cur) {
                        if self.passes(v, r) {
                            cur.set(r, HANDED);
                            self.res[r].handed_off = true;
                        }
                    }
                }
            }
        }
        self.finish(st);
        let Some(cur) = st.as_mut() else {
            return;
        };
        // `conn = ds.getConnection()` after `Connection conn;`: the declaration gives the type.
        let declared = declared.or_else(|| match targets {
            [t] => match &t.kind {
                ExprKind::Name(n) => self.declared.get(n.as_str()).copied(),
                _ => None,
            },
            _ => None,
        });
        for (t, spec) in
            bound_acquisitions(self.api, self.sums, self.unit, targets, values, declared)
        {
            let span = match targets.iter().position(|x| std::ptr::eq(x, t)) {
                Some(i) if values.len() == targets.len() => values[i].span,
                _ => values.first().map_or(t.span, |v| v.span),
            };
            let Some(name) = self.local_target(t) else {
                // `_, _ = http.Get(u)`, `ctx, _ := context.WithCancel(ctx)`.
                if matches!(&t.kind, ExprKind::Name(n) if n == "_") && !spec.traits.lock {
                    let r = self.new_res(span, Vec::new(), &spec);
                    self.res[r].exceptions = false;
                    self.res[r].throws = None;
                    let how = "its result is dropped here with `_`, so nothing can release it";
                    self.lost(r, t.span, ExitKind::Discarded, how);
                }
                continue;
            };
            let r = self.new_res(span, vec![name], &spec);
            cur.set(r, OPEN);
            if let Some(e) = spec.err_result.and_then(|k| targets.get(k)) {
                if let ExprKind::Name(n) = &e.kind {
                    if n != "_" {
                        self.companions.entry(n.clone()).or_default().push(r);
                    }
                }
            }
        }
    }

    /// `name = value` where `name` holds a resource: unless `value` is that resource again
    /// (`in = new BufferedReader(in)`), the name no longer reaches it, and a resource no name
    /// reaches any more is lost. Go and Rust are left out: a `:=` or `let` of the same name may
    /// be a new variable shadowing the old. In C only a new acquisition or `NULL` counts as an
    /// overwrite, since `p = skip_spaces(p)` may well point into the same block.
    fn overwrite(&mut self, cur: &State, name: &str, v: &Expr, at: Span, values: &[Expr]) {
        if matches!(self.api.lang, Lang::Go | Lang::Rust) {
            return;
        }
        // `w = w.append(x)`: possibly the same object again.
        let mut again = false;
        v.walk(&mut |x| again |= path_of(x).is_some_and(|p| under(&p, name)));
        if again {
            return;
        }
        let fresh = || {
            matches!(v.peel().kind, ExprKind::Lit(Lit::Nil))
                || acquisition(self.api, self.sums, self.unit, v, None).is_some()
        };
        for r in self.open(cur) {
            let Some(i) = self.res[r].vars.iter().position(|x| x == name) else {
                continue;
            };
            if self.api.lang == Lang::C && !fresh() {
                continue;
            }
            self.res[r].vars.remove(i);
            if self.res[r].vars.is_empty() && values.len() == 1 {
                self.lost(r, at, ExitKind::Normal, "overwritten here");
            }
        }
    }

    /// A target that names a local variable (not a field, element, pointer or global).
    fn local_target(&self, t: &Expr) -> Option<String> {
        match &t.kind {
            ExprKind::Name(n) if n != "_" => {
                // In C and Java a bare name may be a global or a field; in Go, Python and Rust
                // assignments inside a function are (nearly always) to locals.
                let own = self.func.params.iter().any(|p| p.name == *n)
                    || self.declared.contains_key(n.as_str());
                let global = !own
                    && match self.api.lang {
                        Lang::C | Lang::Java => self.unit.fields.iter().any(|f| f.name == *n),
                        // A package-level `var` (not a struct's field of the same name).
                        Lang::Go => self.package_vars.contains(n.as_str()),
                        Lang::Python | Lang::Rust => false,
                    };
                // A closure assigning a variable of the function around it hands the value out.
                let captured = !own && self.outer.contains(n.as_str());
                (!global && !captured).then(|| n.clone())
            }
            _ => None,
        }
    }

    fn new_res(&mut self, acq: Span, vars: Vec<String>, spec: &Spec) -> usize {
        let exceptions = !spec.throw_safe
            && (!spec.receiver
                || vars
                    .first()
                    .and_then(|v| self.type_of(v))
                    .is_some_and(|t| t.simple().ends_with("Lock")));
        let what = match vars.first() {
            Some(v) if spec.callee.is_empty() => format!("`{v}`"),
            Some(v) => format!("`{v}` (from `{}`)", spec.callee),
            None => format!("what `{}` acquires", spec.callee),
        };
        let mut res = Res::new(acq, what, vars);
        res.release = spec.release.clone();
        res.owner = spec.owner.clone();
        res.exceptions = exceptions;
        res.traits = spec.traits.clone();
        // `new GZIPInputStream(new FileInputStream(p))`: the wrapper's constructor may throw
        // with the inner stream open.
        if let (Some(w), true) = (&spec.wrapper_throws, exceptions) {
            if !self.catch_releases(&res, self.res.len()) {
                res.throws = Some((acq, format!("new {w}(…)")));
            }
        }
        self.res.push(res);
        self.res.len() - 1
    }

    /// The declared type of a local, a parameter or a field of this file.
    fn type_of(&self, var: &str) -> Option<&'u TypeRef> {
        self.declared
            .get(var)
            .copied()
            .or_else(|| {
                self.func
                    .params
                    .iter()
                    .find(|p| p.name == var)
                    .and_then(|p| p.ty.as_ref())
            })
            .or_else(|| self.unit.field_type(var))
    }

    fn scoped_binding(&mut self, b: &'u Stmt, st: &mut Flow) {
        // The scope releases whatever its header names or makes.
        for e in b.exprs() {
            if let Some(cur) = st.as_mut() {
                for r in self.open(cur) {
                    if refers_res(&self.res[r], e) {
                        cur.set(r, RELEASED);
                        self.res[r].released(e.span);
                    }
                }
            }
        }
        match &b.kind {
            StmtKind::Bind { values, .. } => {
                for v in values {
                    self.effects(v, st);
                }
            }
            _ => {
                for e in b.exprs() {
                    self.effects(e, st);
                }
            }
        }
        // Acquisitions in the header belong to the scope.
        self.pending.clear();
        self.tries.clear();
        self.stops = false;
    }

    fn if_stmt(
        &mut self,
        cond: &'u Expr,
        then: &'u Block,
        otherwise: &'u Block,
        mut st: Flow,
    ) -> Flow {
        let before = self.res.len();
        self.effects(cond, &mut st);
        self.finish(&mut st);
        let Some(cur) = st else {
            // Unreachable: still walk the branches for labels.
            self.block(then, None);
            self.block(otherwise, None);
            return None;
        };
        let mut on_then = cur.clone();
        let mut on_else = cur;
        for r in 0..self.res.len() {
            if !is_open(on_then.get(r).bits) {
                continue;
            }
            let tested = r >= before || self.tests(cond, r);
            if !tested {
                continue;
            }
            // The operator tells which branch the acquisition failed on; the shape of the
            // branches is the fallback.
            if let Some(split) = self.split(cond, r, before) {
                for (state, held) in [(&mut on_then, split.0), (&mut on_else, split.1)] {
                    match held {
                        Held::Yes => {}
                        Held::No => state.set(r, NOT_HELD),
                        Held::Maybe => state.add(r, UNSURE),
                    }
                }
                continue;
            }
            let mt = self.mentions_block(then, r);
            let me = self.mentions_block(otherwise, r);
            let xt = ends_with_exit(self.api, then);
            let xe = ends_with_exit(self.api, otherwise);
            match (mt, me, xt, xe) {
                (false, true, _, _) | (false, false, true, false) => on_then.set(r, NOT_HELD),
                (true, false, _, _) | (false, false, false, true) => on_else.set(r, NOT_HELD),
                _ => {
                    on_then.add(r, UNSURE);
                    on_else.add(r, UNSURE);
                }
            }
        }
        // C's `#ifdef NAME` lowers to an `if` on the macro: no branch of the program's logic.
        let preprocessor = self.api.lang == Lang::C
            && match &cond.peel().kind {
                ExprKind::Other(xs) if xs.len() == 1 => macro_name(&xs[0]),
                _ => macro_name(cond),
            };
        if !preprocessor {
            self.conds.push(cond.span);
        }
        let a = self.block(then, Some(on_then));
        let b = self.block(otherwise, Some(on_else));
        if !preprocessor {
            self.conds.pop();
        }
        join(a, b)
    }

    fn try_stmt(
        &mut self,
        body: &'u Block,
        catches: &'u [crate::model::Catch],
        finally: &'u Block,
        st: Flow,
    ) -> Flow {
        if !finally.is_empty() {
            self.finally.push(finally);
        }
        let mut out;
        if catches.is_empty() {
            out = self.block(body, st);
        } else {
            self.catch_acc.push(None);
            let extent = match (body.first(), body.last()) {
                (Some(a), Some(b)) => Span {
                    start: a.span.start,
                    end: b.span.end,
                },
                _ => Span::default(),
            };
            self.catches.push((catches, extent));
            out = self.block(body, st);
            self.catches.pop();
            let mut thrown = self.catch_acc.pop().flatten();
            // Open at some statements that may throw and not yet acquired at others: which
            // statement threw is unknown.
            if let Some(cur) = thrown.as_mut() {
                for r in 0..self.res.len() {
                    let b = cur.get(r).bits;
                    if is_open(b) && b & NOT_HELD != 0 {
                        cur.add(r, CAUGHT_UNSURE);
                    }
                    if b & OPEN != 0 {
                        cur.set(r, (cur.get(r).bits & !OPEN) | OPEN_CAUGHT);
                    }
                }
            }
            self.in_catch += 1;
            for c in catches {
                let end = self.block(&c.body, thrown.clone());
                out = join(out, end);
            }
            self.in_catch -= 1;
        }
        if !finally.is_empty() {
            self.finally.pop();
            self.in_finally.push(self.catches.len());
            out = self.block(finally, out);
            self.in_finally.pop();
        }
        out
    }

    // ----- expressions -----

    /// Applies what evaluating `e` does to the resources: releases, hand-offs, captures; and
    /// notes acquisitions into arguments or storage, `?` exits and calls that never return.
    fn effects(&mut self, e: &'u Expr, st: &mut Flow) {
        match &e.kind {
            // The receiver and the arguments are evaluated before the call.
            ExprKind::Call(c) => {
                self.effects(&c.func, st);
                for a in &c.args {
                    self.effects(a, st);
                }
                self.call(c, e.span, st);
            }
            ExprKind::Closure(id) => {
                let id = *id;
                if let Some(cur) = st.as_mut() {
                    for r in self.open(cur) {
                        let mut hit = false;
                        let body = &self.unit.functions[id].body;
                        each_expr(self.unit, body, &mut |x| hit |= refers_res(&self.res[r], x));
                        if hit {
                            // Released or kept by the closure: either way, no longer ours.
                            cur.set(r, HANDED);
                            self.res[r].handed_off = true;
                        }
                    }
                }
            }
            ExprKind::Construct { fields, .. } => {
                if let Some(cur) = st.as_mut() {
                    for r in self.open(cur) {
                        if fields.iter().any(|(_, v)| self.passes(v, r)) {
                            cur.set(r, HANDED);
                            self.res[r].handed_off = true;
                        }
                    }
                }
                for (_, v) in fields {
                    self.effects(v, st);
                }
            }
            ExprKind::Unary(inner) => {
                if self.api.lang == Lang::Rust && is_rust_try(e) {
                    self.tries.push(e.span);
                }
                self.effects(inner, st);
            }
            _ => {
                for c in e.children() {
                    self.effects(c, st);
                }
            }
        }
    }

    fn call(&mut self, c: &'u Call, span: Span, st: &mut Flow) {
        let Some(cur) = st.as_mut() else {
            return;
        };
        for r in self.open(cur) {
            if self.releases(c, r) {
                cur.set(r, RELEASED);
                self.res[r].released(span);
                self.release_may_throw(c, span, r, cur);
                continue;
            }
            for (i, a) in c.args.iter().enumerate() {
                if self.passes(a, r)
                    && !self.api.borrows(c)
                    && !self.sums.call_borrows_arg(self.unit, c, i)
                {
                    cur.set(r, HANDED);
                    self.res[r].handed_off = true;
                }
            }
        }
        self.may_throw(c, span, cur);
        if self.api.noreturn(c) {
            self.stops = true;
        }
        if let Some(spec) = self.api.acquire_call(c, None) {
            if !spec.views.is_empty() {
                // `mem::forget(file)`: the fds taken from `file` are now ours to close.
                if let Some(owner) = c.args.first().and_then(path_of) {
                    let vars: Vec<String> = self
                        .views
                        .iter()
                        .filter(|(o, _)| *o == owner)
                        .map(|(_, v)| v.clone())
                        .collect();
                    for v in vars {
                        let mut spec = spec.clone();
                        spec.callee = format!("{}({owner})", spec.callee);
                        self.pending
                            .push(Pending::Vars(span, vec![v], Box::new(spec)));
                    }
                }
            } else if spec.receiver {
                if let Some(v) = c.receiver().and_then(path_of) {
                    self.pending
                        .push(Pending::Vars(span, vec![v], Box::new(spec)));
                }
            } else if let Some(v) = spec.out_arg.and_then(|i| c.args.get(i)).and_then(out_var) {
                // Written into the caller's array: the caller's to release.
                if !self.func.params.iter().any(|p| p.name == v) {
                    self.pending
                        .push(Pending::Vars(span, vec![v], Box::new(spec)));
                }
            }
        } else if let Some(spec) = self.sums.out_param_resource(self.unit, c) {
            if let Some(v) = spec.out_arg.and_then(|i| c.args.get(i)).and_then(out_var) {
                self.pending
                    .push(Pending::Vars(span, vec![v], Box::new(spec)));
            }
        }
        if let Some(&s) = c.name().and_then(|n| self.sums.storage_of.get(n)) {
            if c.name() != Some(self.func.name.as_str()) {
                self.pending.push(Pending::Storage(span, s));
            }
        }
    }

    /// Java and Python, where any call may throw: notes a call that works on a resource
    /// certainly open here — a method of it, or a function of this file it is lent to — when
    /// its exception would leave the function with the resource open: no `catch` / `except` of
    /// this function around it, no `finally` that releases it. Calls of other kinds are not
    /// taken to throw: a static helper may well return something lazy (`Flux`).
    fn may_throw(&mut self, c: &Call, span: Span, cur: &State) {
        if !matches!(self.api.lang, Lang::Java | Lang::Python) || self.api.nothrow(c) || self.main {
            return;
        }
        for r in 0..self.res.len() {
            let res = &self.res[r];
            if !res.exceptions || res.throws.is_some() || !leaks(cur.get(r).bits) {
                continue;
            }
            // Caught around here: leaks only if the handler neither releases nor uses it.
            if self.catch_releases(res, r) {
                continue;
            }
            let uses = c.receiver().is_some_and(|x| refers_res(res, x))
                || c.args.iter().enumerate().any(|(i, a)| {
                    refers_res(res, a) && self.sums.call_borrows_arg(self.unit, c, i)
                });
            if !uses || self.protected(r) {
                continue;
            }
            let shown = match callee(c) {
                Some(p) => format!("{p}()"),
                None => format!("{}()", c.name().unwrap_or("call")),
            };
            // A handler that carries on past the `try` reaches a release after it.
            let within = self
                .catches
                .last()
                .filter(|(cs, _)| !cs.iter().all(|c| ends_with_exit(self.api, &c.body)))
                .map(|(_, body)| *body);
            self.res[r].throws = Some((span, shown));
            self.res[r].throws_within = within;
        }
    }

    /// Java and Python: a release in a `finally` block, not inside a `try` of its own, may throw
    /// (`fis.close()`), skipping the releases after it in that block.
    fn release_may_throw(&mut self, c: &Call, span: Span, released: usize, cur: &State) {
        if !matches!(self.api.lang, Lang::Java | Lang::Python)
            || self.in_finally.last() != Some(&self.catches.len())
        {
            return;
        }
        let shown = format!("{}()", callee(c).unwrap_or_else(|| "close".into()));
        for r in 0..self.res.len() {
            let res = &self.res[r];
            let same_name = res.vars.iter().any(|v| self.res[released].vars.contains(v));
            if r != released
                && !same_name
                && res.exceptions
                && res.throws.is_none()
                && leaks(cur.get(r).bits)
                && !self.protected(r)
            {
                self.res[r].throws = Some((span, shown.clone()));
            }
        }
    }

    /// Ends a statement's evaluation: `?` exits see the state before its acquisitions; then the
    /// acquisitions are made; a call that never returns ends the path.
    fn finish(&mut self, st: &mut Flow) {
        let tries = std::mem::take(&mut self.tries);
        if let (Some(&at), Some(cur)) = (tries.first(), st.as_ref()) {
            let cur = cur.clone();
            self.exit(&cur, at, "`?` returns the error here");
        }
        for p in std::mem::take(&mut self.pending) {
            let r = match p {
                Pending::Vars(span, vars, spec) => self.new_res(span, vars, &spec),
                Pending::Storage(span, s) => {
                    let st = &self.sums.storage[s];
                    let fields: Vec<&str> = st.fields.iter().map(String::as_str).collect();
                    let shown = if fields.len() > 3 {
                        format!("{}, …", fields[..3].join(", "))
                    } else {
                        fields.join(", ")
                    };
                    let mut rel: Vec<&String> = st.releasers.iter().collect();
                    rel.sort();
                    let what = format!(
                        "what `{}()` stores in {shown} (released by `{}()`)",
                        st.acquirer, rel[0]
                    );
                    let mut res = Res::new(span, what, Vec::new());
                    res.storage = Some(s);
                    self.res.push(res);
                    self.res.len() - 1
                }
            };
            if let Some(cur) = st.as_mut() {
                cur.set(r, OPEN);
            }
        }
        if std::mem::take(&mut self.stops) {
            *st = None;
        }
    }

    fn releases(&self, c: &Call, r: usize) -> bool {
        let res = &self.res[r];
        if let Some(s) = res.storage {
            return c
                .name()
                .is_some_and(|n| self.sums.storage[s].releasers.contains(n));
        }
        if res.owner.as_ref().is_some_and(|o| o.calls(c, &o.release)) {
            return true;
        }
        let path = callee(c);
        let methods = if res.release.is_empty() {
            &self.api.m.release_methods
        } else {
            &res.release
        };
        let hit = |p: &str| {
            res.vars.iter().any(|v| {
                methods.iter().any(|m| {
                    if m == "()" {
                        p == v
                    } else {
                        p.len() == v.len() + 1 + m.len()
                            && p.starts_with(v.as_str())
                            && p.ends_with(m.as_str())
                            && p.as_bytes()[v.len()] == b'.'
                    }
                })
            })
        };
        if let Some(p) = &path {
            if hit(p) {
                return true;
            }
            // `body := resp.Body; body.Close()` is `resp.Body.Close()`.
            for (alias, orig) in &res.aliases {
                if under(p, alias) && hit(&format!("{orig}{}", &p[alias.len()..])) {
                    return true;
                }
            }
        }
        // `stream.get().close()`: a release method on what an argument-less call returns.
        if path.is_none()
            && c.name().is_some_and(|n| methods.iter().any(|m| m == n))
            && c.receiver().is_some_and(|x| refers_res(res, x))
        {
            return true;
        }
        c.args.iter().enumerate().any(|(i, a)| {
            res.vars.iter().any(|v| refers_to(a, v))
                && (self.api.is_release_fn(c) || self.sums.call_releases_arg(self.unit, c, i))
        })
    }

    /// Whether `e` is, or holds, resource `r`: one of its variables, or the part of it that its
    /// release names (`resp.Body` for `Body.Close`); not another field (`resp.StatusCode`).
    fn passes(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        passes_path(self.api, e, &|p| {
            res.vars.iter().any(|v| {
                p == v
                    || under(p, v) && {
                        let field = p[v.len() + 1..].split('.').next().unwrap_or("");
                        res.release
                            .iter()
                            .any(|m| m.strip_prefix(field).is_some_and(|t| t.starts_with('.')))
                    }
            })
        })
    }

    /// Whether a condition tests the resource itself or its error companion (`err != nil`,
    /// `fd < 0`, `!p`, `p.is_null()`), rather than the result of a call made with it.
    fn tests(&self, cond: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        let mut stack = vec![cond];
        while let Some(e) = stack.pop() {
            match &e.kind {
                ExprKind::Call(c) => {
                    let probe =
                        matches!(c.name(), Some("is_null" | "is_none" | "is_err" | "IsValid"))
                            || c.name()
                                .is_some_and(|n| res.traits.finished_if.iter().any(|m| m == n));
                    if probe
                        && c.receiver()
                            .is_some_and(|x| res.vars.iter().any(|v| refers_to(x, v)))
                    {
                        return true;
                    }
                    // `os.IsNotExist(err)`, `errors.Is(err, …)`: still a test of the error.
                    let mut hit = false;
                    for a in &c.args {
                        a.walk(&mut |x| {
                            if let Some(p) = path_of(x) {
                                hit |= self.is_companion(&p, r);
                            }
                        });
                    }
                    if hit {
                        return true;
                    }
                }
                ExprKind::Closure(_) => {}
                _ => {
                    if let Some(p) = path_of(e) {
                        if res.vars.contains(&p) || self.is_companion(&p, r) {
                            return true;
                        }
                        // `resp.StatusCode`: a field of the resource, not a test of whether
                        // it was acquired.
                        if matches!(e.peel().kind, ExprKind::Field(..)) {
                            continue;
                        }
                    }
                    stack.extend(e.children());
                }
            }
        }
        false
    }

    /// Whether resource `r` is held when `cond` holds and when it does not, read from its
    /// operators: `err != nil`, `f == nil`, `fd < 0`, `fd == -1`, `!p`, `p.is_null()`, and
    /// `&&` / `||` of those. `None` when the operators do not tell.
    fn split(&self, cond: &Expr, r: usize, before: usize) -> Option<(Held, Held)> {
        use Held::{Maybe, No, Yes};
        let e = cond.peel();
        let known = |h: (Held, Held)| (h != (Maybe, Maybe)).then_some(h);
        match &e.kind {
            ExprKind::Not(x) => self.split(x, r, before).map(|(t, f)| (f, t)),
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let (ta, fa) = self.split(a, r, before).unwrap_or((Maybe, Maybe));
                let (tb, fb) = self.split(b, r, before).unwrap_or((Maybe, Maybe));
                let either = |x: Held, y: Held| if x == Maybe { y } else { x };
                let both = |x: Held, y: Held| if x == y { x } else { Maybe };
                known(match op {
                    // True: both sides hold; false: at least one does not.
                    BinOp::And => (either(ta, tb), both(fa, fb)),
                    _ => (both(ta, tb), either(fa, fb)),
                })
            }
            // `proc.poll() is not None`: where it holds, the process has exited.
            ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b)
                if matches!(b.peel().kind, ExprKind::Lit(Lit::Nil)) && self.finished(a, r) =>
            {
                Some(if *op == BinOp::Ne {
                    (No, Yes)
                } else {
                    (Yes, No)
                })
            }
            ExprKind::Binary(op, a, b) => {
                let (subject, other, op) = if self.subject(a, r, before).is_some() {
                    (a, b, *op)
                } else {
                    (b, a, flip(*op))
                };
                let companion = self.subject(subject, r, before)?;
                let failed_if_true = match (&other.peel().kind, op) {
                    (ExprKind::Lit(Lit::Nil), BinOp::Eq) => !companion,
                    (ExprKind::Lit(Lit::Nil), BinOp::Ne) => companion,
                    // A descriptor or a status: negative on failure.
                    (ExprKind::Lit(Lit::Num(Some(n))), op) if !companion => match (op, n) {
                        (BinOp::Lt, 0) | (BinOp::Le, -1) | (BinOp::Eq, -1) => true,
                        (BinOp::Ge, 0) | (BinOp::Gt, -1) | (BinOp::Ne, -1) => false,
                        _ => return None,
                    },
                    _ => return None,
                };
                Some(if failed_if_true { (No, Yes) } else { (Yes, No) })
            }
            ExprKind::Call(c)
                if matches!(c.name(), Some("is_null" | "is_none" | "is_err"))
                    && c.receiver()
                        .is_some_and(|x| self.subject(x, r, before) == Some(false)) =>
            {
                Some((No, Yes))
            }
            // `if (p)`, `if (!p)`: a pointer or handle is null where the acquisition failed.
            _ if path_of(e).is_some() && self.subject(e, r, before) == Some(false) => {
                Some((Yes, No))
            }
            _ => None,
        }
    }

    /// Whether `e` stands for resource `r` (`Some(false)`) or for its error companion
    /// (`Some(true)`); an acquiring call made by the condition itself stands for what it made.
    fn subject(&self, e: &Expr, r: usize, before: usize) -> Option<bool> {
        let e = e.peel();
        if let Some(p) = path_of(e) {
            if self.res[r].vars.contains(&p) {
                return Some(false);
            }
            return self.is_companion(&p, r).then_some(true);
        }
        (r >= before && matches!(e.kind, ExprKind::Call(_))).then_some(false)
    }

    /// `x.poll()` on resource `r`, where the data says a result tells it is released.
    fn finished(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        matches!(&e.peel().kind, ExprKind::Call(c)
            if c.name().is_some_and(|n| res.traits.finished_if.iter().any(|m| m == n))
                && c.receiver().is_some_and(|x| refers_res(res, x)))
    }

    fn is_companion(&self, var: &str, r: usize) -> bool {
        self.companions.get(var).is_some_and(|rs| rs.contains(&r))
    }

    fn mentions_block(&self, b: &'u Block, r: usize) -> bool {
        self.mentions_res(b, &self.res[r], r)
    }

    /// Whether the innermost `catch` / `except` blocks around here mention the resource: they
    /// release or handle it, so an exception caught there does not leak it.
    fn catch_releases(&self, res: &Res, r: usize) -> bool {
        self.catches
            .last()
            .is_some_and(|(cs, _)| cs.iter().any(|c| self.mentions_res(&c.body, res, r)))
    }

    fn mentions_res(&self, b: &'u Block, res: &Res, r: usize) -> bool {
        let mut hit = false;
        each_expr(self.unit, b, &mut |e| {
            if hit {
                return;
            }
            hit = match res.storage {
                Some(_) => matches!(&e.kind, ExprKind::Call(c) if self.releases(c, r)),
                None => refers_res(res, e),
            };
        });
        hit
    }

    // ----- exits and reports -----

    /// An error exit: every resource certainly open here leaks, unless a `finally` around the
    /// exit releases it.
    fn exit(&mut self, st: &State, at: Span, how: &str) {
        for r in 0..self.res.len() {
            let slot = st.get(r);
            if !leaks(slot.bits) || self.res[r].exits.len() >= 3 {
                continue;
            }
            if self.protected(r) {
                continue;
            }
            let mut context = Vec::new();
            if let Some(via) = slot.via {
                context.push((via, "the error path jumps from here".to_string()));
            }
            if let Some(&c) = self.conds.last() {
                if c.start > self.res[r].acq.start && slot.via.is_none() {
                    context.push((c, "on the branch taken when this holds".to_string()));
                }
            }
            let label = format!("{how}, with it still open");
            let res = &mut self.res[r];
            if !res.exits.iter().any(|(s, _)| *s == at) {
                res.exits.push((at, label));
                res.context.extend(context);
            }
        }
    }

    /// A normal exit (`Normal`), or another way of losing a resource (`Loop`, `Discarded`,
    /// `DeferInLoop`): every resource open here on some path and handed off on none leaks,
    /// unless a `finally` around the exit releases it.
    fn normal_exit(&mut self, st: &State, at: Span, kind: ExitKind, how: &str) {
        // A module's names live until the process ends, and so does what Go's, C's or Rust's
        // `main` holds when it returns.
        let ends_process = self.main && matches!(self.api.lang, Lang::Go | Lang::C | Lang::Rust);
        if kind == ExitKind::Normal && (self.module || ends_process) {
            return;
        }
        for r in 0..self.res.len() {
            if leaks_normally(st.get(r).bits) {
                self.lost(r, at, kind, how);
            }
        }
    }

    /// Records that resource `r` is lost at `at`.
    fn lost(&mut self, r: usize, at: Span, kind: ExitKind, how: &str) {
        let res = &self.res[r];
        // What a helper stores in globals stays there by design (`job_open_pipes()`).
        if res.traits.reclaimed
            || res.storage.is_some()
            || res.others.len() >= 3
            || res.others.iter().any(|o| o.1 == at)
        {
            return;
        }
        if self.protected(r) {
            return;
        }
        let label = match kind {
            ExitKind::Loop => format!("{how} with it still open: the next iteration replaces it"),
            ExitKind::DeferInLoop | ExitKind::Discarded => how.to_string(),
            _ => format!("{how}, with it still open"),
        };
        self.res[r].others.push((kind, at, label));
    }

    /// The end of a loop's body, or a `continue`: what this iteration acquired (resources from
    /// `first` on) and still holds is replaced by the next one. Not when the body uses its
    /// variable before acquiring it: then an iteration takes over what the last one left
    /// (`prev.close(); prev = f`).
    fn loop_exit(&mut self, st: &State, at: Span, first: usize, how: &str) {
        for r in first..self.res.len() {
            if !leaks_normally(st.get(r).bits) || self.res[r].storage.is_some() {
                continue;
            }
            if self.carried(r) {
                continue;
            }
            self.lost(r, at, ExitKind::Loop, how);
        }
    }

    /// Whether a variable of resource `r` is read in this function before its acquisition
    /// (assigning it is not reading it).
    fn carried(&self, r: usize) -> bool {
        let res = &self.res[r];
        let mut hit = false;
        let mut read = |e: &Expr| {
            e.walk(&mut |x| {
                hit |=
                    x.span.end <= res.acq.start && path_of(x).is_some_and(|p| res.vars.contains(&p))
            })
        };
        crate::model::walk_stmts(&self.func.body, &mut |s| match &s.kind {
            StmtKind::Bind { values, .. } => values.iter().for_each(&mut read),
            _ => s.exprs().into_iter().for_each(&mut read),
        });
        hit
    }

    /// Go: `defer f.Close()` inside a loop, for what the loop acquired: it runs only when the
    /// function returns, so every iteration's resource stays open until then.
    fn defer_in_loop(&mut self, e: &Expr, at: Span, first: usize, st: &State) {
        let ExprKind::Call(c) = &e.peel().kind else {
            return;
        };
        for r in first..self.res.len() {
            if is_open(st.get(r).bits) && self.releases(c, r) {
                self.lost(
                    r,
                    at,
                    ExitKind::DeferInLoop,
                    "deferred inside the loop: it runs only when the function returns",
                );
            }
        }
    }

    /// Whether the loop condition `head` drains resource `r` (`rows.Next()`).
    fn drained(&self, head: &[Expr], r: usize) -> bool {
        let res = &self.res[r];
        head.iter().any(|h| {
            matches!(&h.peel().kind, ExprKind::Call(c)
                if c.name().is_some_and(|n| res.traits.drained_by.iter().any(|d| d == n))
                    && c.receiver().is_some_and(|x| refers_res(res, x)))
        })
    }

    /// A fresh resource whose result is dropped: an expression statement that acquires
    /// (`os.Open(p)`, `http.Get(u)`), one made only to call a method on (`open(p).read()`;
    /// Python, and Java where the statement drops the result too), or passed to a call that
    /// only borrows it (`json.load(open(p))`). `open(p).close()` is fine.
    fn discards(&mut self, e: &'u Expr, statement: bool) {
        let fresh = |x: &Expr| acquisition(self.api, self.sums, self.unit, x, None);
        let mut found: Vec<(Span, Spec)> = Vec::new();
        if statement {
            if let Some(spec) = fresh(e) {
                found.push((e.peel().span, spec));
            }
        }
        // `zipfile.ZipFile(p).open(n).close()`: a chain that ends in a release is closed.
        let mut closed: Vec<Span> = Vec::new();
        e.walk(&mut |x| {
            if let ExprKind::Call(c) = &x.kind {
                let method = c.name().unwrap_or("");
                if self.api.m.release_methods.iter().any(|m| m == method) {
                    closed.extend(c.receiver().map(|r| r.span));
                }
            }
        });
        let in_closed = |s: Span| closed.iter().any(|c| c.start <= s.start && s.end <= c.end);
        e.walk(&mut |x| {
            let ExprKind::Call(c) = &x.kind else {
                return;
            };
            if let Some(recv) = c.receiver().filter(|r| !in_closed(r.span)) {
                let top = statement && std::ptr::eq(x, e.peel());
                let method = c.name().unwrap_or("");
                if (self.api.lang == Lang::Python || top && self.api.lang == Lang::Java)
                    && !self.api.m.release_methods.iter().any(|m| m == method)
                {
                    if let Some(spec) =
                        fresh(recv).filter(|s| !s.release.iter().any(|m| m == method))
                    {
                        found.push((recv.peel().span, spec));
                    }
                }
            }
            // `cvt(open(…))` passes its argument through: what it returns is the resource.
            if self.api.passthrough(c) {
                return;
            }
            for (i, a) in c.args.iter().enumerate() {
                if self.api.borrows(c) || self.sums.call_borrows_arg(self.unit, c, i) {
                    if let Some(spec) = fresh(a) {
                        found.push((a.peel().span, spec));
                    }
                }
            }
        });
        for (at, spec) in found {
            if spec.traits.reclaimed || spec.traits.lock {
                continue;
            }
            let r = self.new_res(at, Vec::new(), &spec);
            self.res[r].exceptions = false;
            self.res[r].throws = None;
            self.lost(
                r,
                at,
                ExitKind::Discarded,
                "its result is dropped here, so nothing can release it",
            );
        }
    }

    fn protected(&mut self, r: usize) -> bool {
        for i in 0..self.finally.len() {
            let b = self.finally[i];
            let key = (b as *const Block as usize, r);
            let hit = match self.finally_cache.get(&key) {
                Some(&h) => h,
                None => {
                    let h = self.mentions_block(b, r);
                    self.finally_cache.insert(key, h);
                    h
                }
            };
            if hit {
                return true;
            }
        }
        false
    }

    /// One finding per acquisition, of the first kind `kinds` selects that it has: an error
    /// exit, then the other ways to lose it (first found first), then an exception.
    fn report(self, kinds: &[ExitKind], out: &mut Vec<Leak>) {
        let lang = self.api.lang;
        let locks_released = |res: &Res| {
            // A lock taken here and released nowhere in this function is a lock helper's.
            !res.traits.lock || {
                let mut hit = false;
                each_expr(self.unit, &self.func.body, &mut |e| {
                    if let ExprKind::Call(c) = &e.kind {
                        hit |= c.name().is_some_and(|n| res.release.iter().any(|m| m == n))
                            && c.receiver().is_some_and(|x| refers_res(res, x))
                            || self.api.is_release_fn(c)
                                && c.args.iter().any(|a| refers_res(res, a));
                    }
                });
                hit
            }
        };
        let keep: Vec<bool> = self.res.iter().map(locks_released).collect();
        for (res, keep) in self.res.into_iter().zip(keep) {
            if !keep {
                continue;
            }
            if !res.exits.is_empty() && kinds.contains(&ExitKind::Error) {
                let mut labels: Vec<(Span, String)> = res.exits;
                for c in res.context {
                    if !labels.iter().any(|(s, _)| *s == c.0) {
                        labels.push(c);
                    }
                }
                labels.sort();
                let finding = Finding {
                    span: res.acq,
                    message: String::new(),
                    labels,
                    demoted: false,
                };
                out.push((ExitKind::Error, res.what, finding));
                continue;
            }
            let others: Vec<&(ExitKind, Span, String)> =
                res.others.iter().filter(|o| kinds.contains(&o.0)).collect();
            if let Some(&&(kind, ..)) = others.first() {
                let mut labels: Vec<(Span, String)> = others
                    .iter()
                    .filter(|o| o.1 != res.acq)
                    .map(|o| (o.1, o.2.clone()))
                    .collect();
                labels.sort();
                let message = match kind {
                    ExitKind::Discarded => others[0].2.clone(),
                    _ => String::new(),
                };
                let finding = Finding {
                    span: res.acq,
                    message: if message.is_empty() {
                        message
                    } else {
                        format!(": {message}")
                    },
                    labels,
                    demoted: false,
                };
                out.push((kind, res.what, finding));
                continue;
            }
            if kinds.contains(&ExitKind::Exception) {
                if let Some(f) = throw_finding(lang, &res) {
                    out.push((ExitKind::Exception, res.what, f));
                }
            }
        }
    }
}

/// A resource released on the normal path, which an exception from a call before that release
/// leaves open: a warning, since the leak needs the call to throw.
fn throw_finding(lang: Lang, res: &Res) -> Option<Finding> {
    let (at, call) = res.throws.as_ref()?;
    let skipped = res.skipped?;
    if res.handed_off {
        return None;
    }
    let var = res.vars.first()?;
    let (throws, fix) = match lang {
        Lang::Python => ("raise", "use `with` (or `try`/`finally`) instead"),
        _ => (
            "throw",
            "use try-with-resources (or release it in `finally`) instead",
        ),
    };
    Some(Finding {
        span: res.acq,
        message: format!(" if `{call}` {throws}s"),
        labels: vec![
            (
                *at,
                format!("`{call}` may {throws} here; `{var}` is then left open"),
            ),
            (
                skipped,
                format!("this release is skipped when it {throws}s: {fix}"),
            ),
        ],
        demoted: true,
    })
}

/// A loop with no condition (`for {}`, `loop {}`, `for (;;)`, `while True`, `while (1)`): it is
/// left only by `break`, `return` or `throw`.
fn endless(head: &[Expr]) -> bool {
    match head {
        [] => true,
        [e] => match &e.peel().kind {
            // `true` / `True`: the only four-byte boolean literals.
            ExprKind::Lit(Lit::Bool) => e.peel().span.end - e.peel().span.start == 4,
            ExprKind::Lit(Lit::Num(Some(n))) => *n != 0,
            _ => false,
        },
        _ => false,
    }
}

/// Whether a resource is held on one side of a condition.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Held {
    Yes,
    No,
    Maybe,
}

/// `a < b` is `b > a`.
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    }
}

/// Variables of the functions around a Go or Rust closure, which it may assign. (Python and
/// Java closures cannot assign them; a file's top level is not "around" anything.)
fn outer_names(unit: &Unit, id: FuncId) -> HashSet<&str> {
    let mut out = HashSet::new();
    let me = &unit.functions[id];
    if me.kind != FnKind::Closure || !matches!(unit.lang, Lang::Go | Lang::Rust) {
        return out;
    }
    let mut f = me.parent;
    while let Some(p) = f {
        let func = &unit.functions[p];
        if func.kind == FnKind::TopLevel {
            break;
        }
        out.extend(func.params.iter().map(|p| p.name.as_str()));
        crate::model::walk_stmts(&func.body, &mut |s| {
            if let StmtKind::Bind { targets, .. } = &s.kind {
                for t in targets {
                    if let ExprKind::Name(n) = &t.kind {
                        out.insert(n.as_str());
                    }
                }
            }
        });
        f = func.parent;
    }
    out
}

/// Names a block binds at its own level (Go's package-level `var`s in the top level).
fn declared_or_bound(body: &Block) -> HashSet<&str> {
    body.iter()
        .filter_map(|s| match &s.kind {
            StmtKind::Bind { targets, .. } => Some(targets),
            _ => None,
        })
        .flatten()
        .filter_map(|t| match &t.kind {
            ExprKind::Name(n) => Some(n.as_str()),
            _ => None,
        })
        .collect()
}

fn declared_names(body: &Block) -> HashMap<&str, &TypeRef> {
    let mut out = HashMap::new();
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets,
            declared: Some(ty),
            ..
        } = &s.kind
        {
            for t in targets {
                if let ExprKind::Name(n) = &t.kind {
                    out.entry(n.as_str()).or_insert(ty);
                }
            }
        }
    });
    out
}

fn refers_res(res: &Res, e: &Expr) -> bool {
    res.vars.iter().any(|v| refers_to(e, v))
}

fn catch_return(lang: Lang) -> String {
    match lang {
        Lang::Python => "returns from the `except` block here".into(),
        _ => "returns from the `catch` block here".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names() {
        assert!(is_errno("ENOMEM"));
        assert!(is_errno("EINVAL"));
        assert!(!is_errno("E"));
        assert!(!is_errno("Error"));
    }

    #[test]
    fn acquire_release_pairs_by_name() {
        assert!(paired_names("aofCreatePipes", "aofClosePipes"));
        assert!(paired_names("init_workers", "free_workers"));
        assert!(paired_names("job_open_pipes", "job_close_pipes"));
        assert!(!paired_names(
            "openNewIncrAofForAppend",
            "applyAppendOnlyConfig"
        ));
        assert!(!paired_names("aofCreatePipes", "aofRemoveTempFile"));
    }

    #[test]
    fn normalized_path_matching() {
        assert!(eq_norm("libc.open", "libc::open"));
        assert!(eq_norm("os.Open", "os.Open"));
        assert!(!eq_norm("xos.Open", "os.Open"));
        assert!(ends_with_norm("std.fs.File.open", "File::open"));
        assert!(!ends_with_norm("MyFile.open", "File::open"));
        assert!(ends_with_norm("open", "open"));
    }

    #[test]
    fn paths_under_a_variable() {
        assert!(under("resp.Body", "resp"));
        assert!(under("resp", "resp"));
        assert!(!under("response", "resp"));
    }

    #[test]
    fn joins_are_unions() {
        let mut a = State::default();
        a.set(0, OPEN);
        let mut b = State::default();
        b.set(1, RELEASED);
        let j = join(Some(a), Some(b)).unwrap();
        assert_eq!(j.get(0).bits, OPEN | NOT_HELD);
        assert_eq!(j.get(1).bits, RELEASED | NOT_HELD);
        assert_eq!(join(None, None).map(|s| s.slots.len()), None);
    }
}
