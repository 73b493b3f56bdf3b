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
//!   Acquisitions written straight into a field, a global or a collection are hand-offs (in C
//!   a name neither a parameter nor a local is a global, of this file or `extern`, and a
//!   `static` local is one too). Calls on a Mockito handle (`verify(m).createStatement()`,
//!   `when(m)`, `then(m).should()`) record a call and acquire nothing; a Java `lock()` whose
//!   receiver is declared of a type that is no `…Lock` locks nothing of this function's. A
//!   Rust `mem::forget(file)` acquires the raw handles taken from `file` before it
//!   (`fd = file.as_raw_fd()`; rule data `views`): the owner that would have closed them is gone.
//! - **Failed acquisitions.** An `if` that tests a resource or its error companion (Go's `err`
//!   from the same call) is read by its operators: `err != nil`, `f == nil`, `fd < 0`,
//!   `fd == -1`, `!p`, `p.is_null()`, and `&&` / `||` of those say on which branch the
//!   acquisition failed, where the resource is not held. When they do not tell (`if (fd)` on a
//!   call, `ok`, an unknown predicate, a flag the acquiring call returned beside the resource),
//!   the shape of the branches decides: the branch that does not touch the resource while the
//!   other does, or that alone ends by leaving (return, throw, goto, a call that never
//!   returns), is the failure branch. When neither tells, both branches mark it "maybe not
//!   held" (a returned flag then tells nothing, and changes nothing).
//!   C: the status a call that fills an out-argument returned, bound to a local (`ret =
//!   pipe2(fds, 0)`), is non-zero or negative where it failed; branch hints (`unlikely(!p)`)
//!   are lowered to the condition they wrap. Where an acquisition failed, nothing made from it
//!   (its statements, their result sets) is held either.
//! - **Releases**: a release method on the value or a path below it (`Close`, `Body.Close`, `()`
//!   for Go's cancel functions), a release function given it (`close(fd)`, `free(p)`), a
//!   function of the same file that releases its parameter, a method of the acquiring call's
//!   receiver named in the data (`cmd.Wait()` for a pipe of `cmd`; where `cmd.Start()` returned
//!   an error, the pipe is not held), a `defer`, a closure that releases
//!   it, a `with` / try-with-resources scope it enters, a `finally` around the exit.
//! - **Hand-offs** end the obligation without a finding: returned (C: also the struct that holds
//!   it in a field, `pipe(w->fds); return w`; `free(w)` frees the struct alone), stored in a
//!   field, global, element or out-parameter, put in a literal with named fields (`&stream{cancel: cancel}`),
//!   wrapped by a construction (`new BufferedReader(in)`: the wrapper becomes an alias), captured by
//!   a closure (C: also the struct holding it in a field, or the address of another of its
//!   fields, `LIST_APPEND(&list, &node->link)`), or passed to any call that is not known to
//!   only borrow it (rule data
//!   `borrowing_calls`, and functions of the same file that neither keep nor pass on their
//!   parameter). A path (a temporary directory, rule data `lent_to_calls`) is only lent to
//!   calls, except those named to keep it (`keeping_calls`: `setBaseDir`, `NewSpool`); the
//!   paths made from it (`filepath.Join(dir, …)`, `tmp.toFile()`) are other names for it.
//!   An acquisition made at the address of one held (rule data `fixed_at`: `q = mmap(p, …,
//!   MAP_FIXED, …)`) is another name for it.
//! - **Error exits**: Go returns whose last result is a non-nil `error` (a bare `return` where
//!   the named error result is known non-nil: under `if err != nil`); Java and Python
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
//!   a fresh resource (the caller acquires it: not one returned only where a test says it
//!   failed, `if (fd < 0) return fd;`); functions that acquire into an out-parameter;
//!   and functions that store fresh resources into fields or globals and return success or
//!   failure, paired with the functions that release every one of those fields (Redis's
//!   `aofCreatePipes` / `aofClosePipes`): a call of the first is an acquisition that only a
//!   call of the second (or of a function that calls it) releases. A function whose result is,
//!   on some path, an allocation it records in a structure it was given (an arena: `a->list =
//!   e; ret = e + 1`), or what such a function returned, returns no fresh resource. A Java
//!   helper whose whole body is a `try` catching `Throwable` / `Exception` without throwing
//!   again cannot throw. A resource that closes with its owner (`closed_with_owner`) goes where
//!   the owner is handed.

use super::Finding;
use crate::model::{
    last_segment, BinOp, Block, Call, Expr, ExprKind, FnKind, FuncId, Lang, Lit, Span, Stmt,
    StmtKind, TypeRef, Unit,
};
use crate::rules::{Acquire, ApiModel, ExitKind};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::collections::BTreeSet;

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
    ctx: &super::Ctx,
    out: &mut Vec<Leak>,
) {
    let names: HashSet<&str> = model
        .acquire
        .iter()
        .filter_map(|a| a.call.as_deref().or(a.method.as_deref()))
        .map(last_segment)
        .collect();
    let api = Api {
        m: model,
        ctx,
        unit,
        lang: unit.lang,
        local_shadows: local_shadows(unit, &names),
        names,
        listed: [
            &model.release_functions,
            &model.borrowing_calls,
            &model.passthrough_calls,
            &model.nothrow_calls,
            &model.noreturn_calls,
            &model.expect_failure_calls,
            &model.expect_raise_scopes,
            &model.expect_true_calls,
            &model.test_failure_calls,
        ]
        .into_iter()
        .flatten()
        .map(|e| last_segment(e))
        .collect(),
        returned: Default::default(),
        released: Default::default(),
        nothrow_paths: Default::default(),
        module_dirs: Default::default(),
        aliases: import_aliases(unit),
        module_functions: unit
            .functions
            .iter()
            .filter(|f| {
                unit.lang == Lang::Python && f.kind == FnKind::Function && f.owner.is_none()
            })
            .map(|f| f.name.as_str())
            .collect(),
        imported: unit
            .imports
            .iter()
            .map(crate::model::Import::local_name)
            .collect(),
        kind_releases: model
            .release_methods
            .iter()
            .map(String::as_str)
            .chain(
                model
                    .acquire
                    .iter()
                    .flat_map(|a| &a.release)
                    .filter(|r| *r != "()")
                    .map(|r| last_segment(r)),
            )
            .collect(),
    };
    // Nothing is acquired anywhere in the file: nothing can leak, and no summary is needed
    // but what its helpers release, for the other files.
    let names = Summaries::names(unit);
    let mut acquiring = acquiring(&api, unit, &names);
    export_nothrow_facts(unit, ctx);
    if !acquiring.contains(&true) {
        export_release_facts(&api, &names, unit, ctx);
        return;
    }
    let sums = Summaries::build(&api, unit, names, &acquiring);
    export_facts(&api, &sums, unit, ctx);
    export_release_facts(&api, &sums, unit, ctx);
    sums.add_helper_acquisitions(unit, &mut acquiring);
    if kinds.contains(&ExitKind::Field) {
        fields::field_leaks(&api, &sums, unit, out);
    }
    for (id, f) in unit.functions.iter().enumerate() {
        // Only a function that acquires something can leave it open.
        if !acquiring[id] {
            continue;
        }
        // A Python module body runs like a function; other languages' top levels only declare.
        if f.kind == FnKind::TopLevel && unit.lang != Lang::Python {
            continue;
        }
        // Syntax the parser could not read may hide a release or an exit: judge no path
        // through it.
        if unit
            .syntax_errors
            .iter()
            .any(|e| e.start >= f.span.start && e.end <= f.span.end)
        {
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

/// Offers the project the file's functions that return a fresh resource as their first
/// result, with what releases it, so that callers in other files see an acquisition; and its
/// constructors that open a resource into the new object.
fn export_facts(api: &Api, sums: &Summaries, unit: &Unit, ctx: &super::Ctx) {
    for (&id, spec) in &sums.returns {
        let f = &unit.functions[id];
        if !matches!(f.kind, FnKind::Function | FnKind::Method) || spec.results != [0] {
            continue;
        }
        let facts = crate::index::FnFacts {
            returns_resource: Some(spec.release.join(",").into()),
            ..Default::default()
        };
        ctx.export((
            f.name.as_str().into(),
            f.owner.as_deref().map(Into::into),
            facts,
        ));
    }
    // Constructors that open: Java's (named after the class), Python's `__init__`.
    for (id, f) in unit.functions.iter().enumerate() {
        let Some(owner) = f.owner.as_deref() else {
            continue;
        };
        let ctor = match unit.lang {
            Lang::Java => f.name == owner,
            Lang::Python => f.name == "__init__",
            _ => false,
        };
        if ctor && sums.opens_fields(api, unit, id) {
            let facts = crate::index::FnFacts {
                opens: true,
                ..Default::default()
            };
            ctx.export((f.name.as_str().into(), Some(owner.into()), facts));
        }
        if unit.lang == Lang::Java && f.kind == FnKind::Method && returns_field(unit, id) {
            let facts = crate::index::FnFacts {
                returns_field: true,
                ..Default::default()
            };
            ctx.export((f.name.as_str().into(), Some(owner.into()), facts));
        }
    }
}

/// Java: every `return` of method `id` gives a field of its object (`return rs;` where `rs`
/// is a field, `return this.rs;`), and there is one.
fn returns_field(unit: &Unit, id: FuncId) -> bool {
    let f = &unit.functions[id];
    let locals = local_names(f);
    let vars = var_locals(unit, id);
    let mut returns = 0;
    let mut all_fields = true;
    crate::model::walk_stmts(&f.body, &mut |s| {
        if let StmtKind::Return(vs) = &s.kind {
            returns += 1;
            all_fields &= matches!(vs.as_slice(), [v] if match &v.peel().kind {
                ExprKind::Name(n) => !locals.contains(n.as_str()) && !vars.contains(n.as_str()),
                ExprKind::Field(base, _) => matches!(&base.kind, ExprKind::Name(b) if b == "this"),
                _ => false,
            });
        }
    });
    returns > 0 && all_fields
}

/// Offers the project the file's plain functions that release a parameter (`func
/// removeDir(dir string) { os.RemoveAll(dir) }`), so that a call in another file of the
/// package releases what it is given. Only a function whose body makes a release call is
/// looked at.
fn export_release_facts(api: &Api, sums: &Summaries, unit: &Unit, ctx: &super::Ctx) {
    for (id, f) in unit.functions.iter().enumerate() {
        // Java's are methods of a class (`DbUtil.close(rs, st, conn)`).
        let java_method = unit.lang == Lang::Java && f.kind == FnKind::Method;
        if !java_method && (f.kind != FnKind::Function || f.owner.is_some()) || f.params.is_empty()
        {
            continue;
        }
        let mut releasing = false;
        crate::model::walk_stmts(&f.body, &mut |s| {
            // `try (InputStream in = given)`: a scope that releases what it binds.
            releasing |= matches!(s.kind, StmtKind::Scoped { .. });
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call(c) = &x.kind {
                        releasing |= api.is_release_fn(c)
                            || c.receiver().is_some()
                                && c.name().is_some_and(|m| api.releases_some_kind(m));
                    }
                });
            }
        });
        if !releasing {
            continue;
        }
        let releases: Vec<u8> = match sums.effects.get(&id) {
            Some(e) => e
                .iter()
                .enumerate()
                .filter(|(_, e)| e.releases)
                .filter_map(|(i, _)| u8::try_from(i).ok())
                .collect(),
            None => f
                .params
                .iter()
                .enumerate()
                .filter(|(_, p)| sums.param_effects(api, unit, id, &p.name).releases)
                .filter_map(|(i, _)| u8::try_from(i).ok())
                .collect(),
        };
        if releases.is_empty() {
            continue;
        }
        let facts = crate::index::FnFacts {
            releases,
            ..Default::default()
        };
        let owner = f.owner.as_deref().filter(|_| java_method).map(Into::into);
        ctx.export((f.name.as_str().into(), owner, facts));
    }
}

/// Offers the project the file's Java methods that cannot throw (a quiet close helper), so
/// that a release after a call of one in a `finally` of another file is known to run.
fn export_nothrow_facts(unit: &Unit, ctx: &super::Ctx) {
    if unit.lang != Lang::Java {
        return;
    }
    for f in &unit.functions {
        if f.kind == FnKind::Method && summaries::swallows_everything(&f.body) {
            let facts = crate::index::FnFacts {
                nothrow: true,
                ..Default::default()
            };
            ctx.export((
                f.name.as_str().into(),
                f.owner.as_deref().map(Into::into),
                facts,
            ));
        }
    }
}

/// Whether the statements after a `defer` in its block surely leave the loop around it
/// before it goes round: a `return` (or `panic`) or a `break` at their top, with no `continue`
/// or `break` before it. The deferred call then runs once, at the return; nothing piles up.
fn returns_before_looping(rest: &[Stmt]) -> bool {
    let Some(at) = rest.iter().position(|s| {
        matches!(
            s.kind,
            StmtKind::Return(_) | StmtKind::Throw(_) | StmtKind::Break
        )
    }) else {
        return false;
    };
    let mut jumps = false;
    crate::model::walk_stmts(&rest[..at], &mut |s| {
        jumps |= matches!(s.kind, StmtKind::Continue | StmtKind::Break);
    });
    !jumps
}

/// Which functions acquire something through the API or the project. The file's own
/// functions are summarized later ([`Summaries::add_helper_acquisitions`]); only their names
/// (`no_summaries`) are needed here.
fn acquiring(api: &Api, unit: &Unit, no_summaries: &Summaries) -> Vec<bool> {
    unit.functions
        .iter()
        .map(|f| {
            let mut hit = false;
            crate::model::walk_stmts(&f.body, &mut |s| {
                if hit {
                    return;
                }
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        hit |= match &x.kind {
                            ExprKind::Call(c) => {
                                api.acquire_call(c, None).is_some()
                                    || api.acquire_call_typed(c)
                                    || api.project_call(no_summaries, c).is_some()
                            }
                            ExprKind::Construct {
                                ty: Some(t),
                                fields,
                            } => {
                                api.acquire_new(t, fields).is_some() || api.project_new(t).is_some()
                            }
                            _ => false,
                        }
                    });
                }
            });
            hit
        })
        .collect()
}

mod api;
mod exits;
mod fields;
mod report;
mod state;
mod summaries;

use api::*;
use exits::*;
use state::*;
use summaries::*;

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
    /// Names bound to a wrapper of it whose methods do not throw, with those methods (`out`
    /// of `out = new PrintStream(file)`: `out.println(…)` cannot leave `file` open).
    quiet_wrappers: Vec<(String, Vec<String>)>,
    /// Locals holding what an owning call made from it (`c = loader.loadClass(n)`): keeping
    /// one keeps it, but releasing one does not release it.
    holders: Vec<String>,
    /// Normal exits, loops, drops and deferred releases that leave it open, in order found.
    others: Vec<(ExitKind, Span, String)>,
    /// Acquired on a receiver the caller holds too (`cmd.Start()` on a parameter): a normal
    /// exit leaves it to the caller.
    caller_sees: bool,
    /// Released on some path to a normal `return` or the end of the function.
    released_on_success: bool,
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
    /// A test the acquisition was made under, as written (`out != NULL` of `if (out != NULL
    /// && pipe(fds) != 0)`): where a later test of it fails, nothing was acquired.
    guard: Option<String>,
    /// Closes with the object that made it (`closed_with_owner`), so goes where it goes.
    with_owner: bool,
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
            quiet_wrappers: Vec::new(),
            holders: Vec::new(),
            others: Vec::new(),
            caller_sees: false,
            released_on_success: false,
            traits: Traits::default(),
            throws: None,
            throws_within: None,
            skipped: None,
            handed_off: false,
            guard: None,
            with_owner: false,
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
    /// C: the status a call that acquires into an out-argument returned, bound to a local
    /// (`ret = pipe2(fds, 0)`): non-zero or negative where the acquisition failed.
    statuses: HashMap<String, Vec<usize>>,
    /// Statuses of acquisitions not made yet: `(call, variable)`.
    pending_statuses: Vec<(Span, String)>,
    /// C: a local the acquiring call was given by address besides what it made
    /// (`buf = mmap_file(path, &size)`): negative where the acquisition failed.
    sentinels: HashMap<String, Vec<usize>>,
    /// Raw views taken of a local owner, `(owner, view variable)`: `fd = file.as_raw_fd()`.
    views: Vec<(String, String)>,
    /// Nil tests that hold on the path being walked, from the `if`s around it: `(path, is
    /// nil)`. Only of paths the function never assigns (see [`nil_tests`]).
    nil_facts: Vec<(String, bool)>,
    /// Conjunctions of nil tests that fail on the rest of the block being walked: an earlier
    /// `if a == nil && b == nil { return }` leaves no path where both hold.
    nil_excluded: Vec<Vec<(String, bool)>>,
    /// The roots of the paths the function assigns, asked for on the first nil test.
    assigned: Option<HashSet<String>>,
    /// Break and continue targets: `(is_loop, breaks, continues, finally blocks around it)`.
    jumps: Vec<(bool, Flow, Flow, usize)>,
    labels: HashMap<String, Flow>,
    /// States where a statement of an enclosing `try` body may throw.
    catch_acc: Vec<Flow>,
    /// The statement being visited only releases (`f.close()`): if it throws, the release
    /// was made, so what reaches the `catch` is the state after it.
    releasing_stmt: bool,
    finally: Vec<&'u Block>,
    in_catch: usize,
    /// Whether the `defer` being visited is followed, in its block, by a sure return.
    defer_then_returns: bool,
    /// Go: the calls deferred so far, which run at the return also for what is acquired after.
    deferred: Vec<&'u Expr>,
    /// Conditions of the enclosing branches, innermost last.
    conds: Vec<Span>,
    /// Go: the named error result (`err` of `(n int, err error)`), and for each enclosing
    /// branch whether it is known non-nil there (`if err != nil`), until it is assigned again.
    named_err: Option<&'u str>,
    err_set: Vec<bool>,
    error_tail: bool,
    pending: Vec<Pending>,
    tries: Vec<Span>,
    stops: bool,
    finally_cache: HashMap<(usize, usize), bool>,
    /// Names declared with a type in this function: locals, whatever globals share the name.
    declared: HashMap<&'u str, &'u TypeRef>,
    /// Java: names declared with `var` in this function.
    var_locals: HashSet<&'u str>,
    /// For a closure or nested function: names bound or taken as parameters by the functions
    /// around it.
    outer: HashSet<&'u str>,
    /// Python: names bound to an in-memory stream (`buf = io.BytesIO()`).
    buffers: Vec<String>,
    /// Statements a test asserts failed: they acquire nothing ([`expected_failures`]).
    expected_failures: HashSet<Span>,
    /// Locals bound to a closure (`cleanup := func() { … }`): the closure goes where the name
    /// goes, and calling it runs its body.
    closure_vars: HashMap<&'u str, FuncId>,
    /// Locals the function sets to a boolean literal (`locked = true`): flags it may keep
    /// beside an acquisition.
    flags: HashSet<&'u str>,
    /// Other results of the call that acquired each resource (`ctx, applied, cancel :=
    /// withTimeout(ctx)`): a flag returned beside it may say whether it was acquired.
    beside: HashMap<String, Vec<usize>>,
    /// Locals bound to what a call returns, with that call's arguments (`unlock :=
    /// unlockOnce(&s.mu)`): calling the name may run code that releases what it was made from.
    made_funcs: HashMap<&'u str, Vec<&'u Expr>>,
    /// Whether the statement being interpreted may acquire.
    acquiring: bool,
    /// C: the statement follows a release call (`close(0); open("/dev/null", O_RDWR);`): a
    /// descriptor it opens and drops fills the slot just freed, the lowest, on purpose.
    refill: bool,
    /// Go: the package-level variables of the file.
    package_vars: HashSet<&'u str>,
    /// C: the `static` locals of this function, which outlive it like globals.
    statics: HashSet<&'u str>,
    /// A Python module body: its names live as long as the program, so only overwrites, drops
    /// and loops leak there.
    module: bool,
    /// A program's `main`: an exception escaping it ends the process, which releases
    /// everything.
    main: bool,
    /// [`Fx::release_sites`] of each resource asked about, computed once.
    sites: HashMap<usize, (bool, bool)>,
    /// The error variables of receiver acquisitions not made yet: `err := cmd.Start()`.
    pending_errs: Vec<(Span, String)>,
    /// For each enclosing loop, the first resource acquired inside it.
    loops: Vec<usize>,
    /// For each `finally` block being interpreted, how many `try`s were around it.
    in_finally: Vec<usize>,
    /// The `catch` / `except` blocks of each enclosing `try`, with the span of its body,
    /// innermost last.
    catches: Vec<(&'u [crate::model::Catch], Span)>,
    /// The names the headers of the enclosing scopes bind (try-with-resources, `with`): the
    /// scope releases them, and with them what they own.
    scoped: Vec<String>,
    /// The directories this function's caller or this function removes as a whole, worked out
    /// when first asked: see [`Fx::in_managed_dir`].
    managed_dirs: std::cell::OnceCell<HashSet<String>>,
    /// The values of `reaching_methods` calls the function assigns, by the local each is bound
    /// to, worked out when first asked: it is asked at each return, for each resource open
    /// there.
    reaching_binds: std::cell::OnceCell<HashMap<String, Vec<&'u Expr>>>,
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
            sentinels: HashMap::new(),
            statuses: HashMap::new(),
            pending_statuses: Vec::new(),
            views: Vec::new(),
            nil_facts: Vec::new(),
            nil_excluded: Vec::new(),
            assigned: None,
            jumps: Vec::new(),
            labels: HashMap::new(),
            catch_acc: Vec::new(),
            releasing_stmt: false,
            finally: Vec::new(),
            in_catch: 0,
            defer_then_returns: false,
            deferred: Vec::new(),
            conds: Vec::new(),
            named_err: named_error_result(&unit.functions[id]),
            err_set: Vec::new(),
            error_tail: false,
            pending: Vec::new(),
            tries: Vec::new(),
            stops: false,
            finally_cache: HashMap::new(),
            declared: declared_names(&unit.functions[id].body),
            var_locals: var_locals(unit, id),
            outer: outer_names(unit, id),
            buffers: Vec::new(),
            expected_failures: expected_failures(api, &unit.functions[id]),
            closure_vars: closure_vars(unit, id),
            flags: bool_flags(&unit.functions[id].body),
            beside: HashMap::new(),
            made_funcs: made_funcs(&unit.functions[id].body),
            acquiring: true,
            refill: false,
            package_vars: if unit.lang == Lang::Go {
                declared_or_bound(&unit.functions[0].body)
            } else {
                HashSet::new()
            },
            statics: static_locals(unit, id),
            module: unit.functions[id].kind == FnKind::TopLevel,
            main: unit.functions[id].name == "main"
                && matches!(unit.functions[id].kind, FnKind::Function | FnKind::Method),
            pending_errs: Vec::new(),
            sites: HashMap::new(),
            loops: Vec::new(),
            in_finally: Vec::new(),
            catches: Vec::new(),
            scoped: Vec::new(),
            managed_dirs: std::cell::OnceCell::new(),
            reaching_binds: std::cell::OnceCell::new(),
        }
    }

    fn block(&mut self, b: &'u Block, mut st: Flow) -> Flow {
        let excluded = self.nil_excluded.len();
        for (i, s) in b.iter().enumerate() {
            // Asked only inside a loop: outside one, a function's many defers would each walk
            // the rest of its body.
            if matches!(s.kind, StmtKind::Defer(_)) && !self.loops.is_empty() {
                self.defer_then_returns = returns_before_looping(&b[i + 1..]);
            }
            // `close(i); open("/dev/null", O_RDWR); dup(0);`: calls back to a release.
            self.refill = self.api.lang == Lang::C
                && b[..i]
                    .iter()
                    .rev()
                    .map_while(|p| match &p.kind {
                        StmtKind::Expr(e) => match &e.peel().kind {
                            ExprKind::Call(c) => Some(c),
                            _ => None,
                        },
                        _ => None,
                    })
                    .any(|c| self.releases_first_arg(c));
            self.releasing_stmt = !self.catch_acc.is_empty() && self.only_releases(s);
            st = self.stmt(s, st);
            if std::mem::take(&mut self.releasing_stmt) {
                if let (Some(acc), Some(cur)) = (self.catch_acc.last_mut(), &st) {
                    *acc = join(acc.take(), Some(cur.clone()));
                }
            }
            self.refill = false;
        }
        self.nil_excluded.truncate(excluded);
        st
    }

    /// The nil tests `cond` requires (`negated`: that its negation requires), if it is one or a
    /// conjunction of them, over paths the function never assigns.
    fn nil_tests(&mut self, cond: &Expr, negated: bool) -> Option<Vec<(String, bool)>> {
        let mut out = Vec::new();
        nil_tests(cond, negated, &mut out)?;
        let body = &self.func.body;
        let assigned = self.assigned.get_or_insert_with(|| assigned_roots(body));
        out.iter()
            .all(|(p, _)| !assigned.contains(root_of(p)))
            .then_some(out)
    }

    /// Whether no path can hold `tests` beside the nil facts of the path walked: one tests a
    /// path both ways, or all of an excluded conjunction would hold.
    fn nil_contradiction(&self, tests: &[(String, bool)]) -> bool {
        let holds = |t: &(String, bool)| self.nil_facts.contains(t) || tests.contains(t);
        tests.iter().any(|(p, nil)| holds(&(p.clone(), !nil)))
            || self.nil_excluded.iter().any(|e| e.iter().all(holds))
    }

    /// Whether `s` is a call that releases a resource and does nothing else (`f.close();`,
    /// `IOUtils.closeQuietly(f);`): its exception comes from the release itself, which
    /// releases it all the same. Not a move (`Files.move(tmp, dest)`), which fails in place.
    fn only_releases(&self, s: &Stmt) -> bool {
        let StmtKind::Expr(e) = &s.kind else {
            return false;
        };
        let ExprKind::Call(c) = &e.peel().kind else {
            return false;
        };
        let plain = |x: &Expr| matches!(x.peel().kind, ExprKind::Name(_) | ExprKind::Field(..));
        c.receiver().is_none_or(plain)
            && c.args.iter().all(plain)
            && (0..self.res.len()).any(|r| self.releases(c, r) && !self.moves(c, r))
    }

    /// Python `sockets += [a, b]` (an augmented assignment, lowered as its two operands):
    /// what the display on the right holds is kept in the collection on the left, as by
    /// `sockets.extend([a, b])`.
    fn extended(&mut self, e: &Expr, st: &mut Flow) {
        let ExprKind::Other(xs) = &e.kind else {
            return;
        };
        let ([target, added], Some(cur)) = (xs.as_slice(), st.as_mut()) else {
            return;
        };
        let display = matches!(&added.peel().kind, ExprKind::Other(_));
        if self.api.lang != Lang::Python || !display || path_of(target).is_none() {
            return;
        }
        for r in self.open(cur) {
            if self.passes(added, r) {
                self.hand_off(cur, r);
            }
        }
    }

    /// Whether call `c` moves resource `r` where it is kept (rule data `moved_by`).
    fn moves(&self, c: &Call, r: usize) -> bool {
        self.res[r]
            .traits
            .moved_by
            .iter()
            .any(|f| self.api.names(f, c))
    }

    fn stmt(&mut self, s: &'u Stmt, mut st: Flow) -> Flow {
        if let (Some(acc), Some(cur), false) = (self.catch_acc.last_mut(), &st, self.releasing_stmt)
        {
            if !matches!(
                s.kind,
                StmtKind::Label(_) | StmtKind::Break | StmtKind::Continue
            ) {
                *acc = join(acc.take(), Some(cur.clone()));
            }
        }
        self.acquiring = !self.expected_failures.contains(&s.span);
        match &s.kind {
            StmtKind::Expr(e) => {
                if self.acquiring {
                    self.discards(e, true, false);
                }
                self.effects(e, &mut st);
                self.extended(e, &mut st);
                self.finish(&mut st);
                st
            }
            StmtKind::Defer(e) => {
                if let (Some(&first), Some(cur), false) =
                    (self.loops.last(), &st, self.defer_then_returns)
                {
                    self.defer_in_loop(e, s.span, first, cur);
                }
                self.effects(e, &mut st);
                // Deferred before what the statement acquires is made, so that it applies to
                // that too (`defer l.Lock().Unlock()`).
                self.deferred.push(e);
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
                // Go's bare `return` in a function with results returns its named results: the
                // resources they hold are the caller's (all of them, where the names are
                // unknown).
                let bare =
                    values.is_empty() && self.api.lang == Lang::Go && !self.func.results.is_empty();
                if bare {
                    if let Some(cur) = st.as_mut() {
                        for r in self.open(cur) {
                            let named = &self.func.result_names;
                            if named.is_empty()
                                || self.res[r].vars.iter().any(|v| named.contains(v))
                            {
                                self.hand_off(cur, r);
                            }
                        }
                    }
                }
                let made_here = self.res.len();
                for v in values {
                    // `return check(Files.newBufferedReader(p))`: lent to a call that only
                    // reads it, it is returned by no one.
                    if self.acquiring {
                        let plain = matches!(self.func.results.as_slice(), [t] if plain_data(&t.0));
                        self.discards(v, false, plain && values.len() == 1);
                    }
                    self.effects(v, &mut st);
                    // Whatever is returned is the caller's, and so is a lock of an object
                    // returned with what it locked (`db.rwlock.Lock(); t.init(db); return t`:
                    // the transaction unlocks it when it ends), and in C what the struct
                    // returned holds in a field (`pipe(w->fds); return w`).
                    if let Some(cur) = st.as_mut() {
                        for r in self.open(cur) {
                            if self.passes(v, r)
                                || self.returned_with_owner(v, r)
                                || self.holder(v.peel(), r)
                                || self.reaches(v, r)
                            {
                                self.hand_off(cur, r);
                            }
                        }
                    }
                }
                self.finish(&mut st);
                // Made by the return itself and returned with it: `return out, cmd, cmd.Start()`.
                if let Some(cur) = st.as_mut() {
                    for r in made_here..self.res.len() {
                        if is_open(cur.get(r).bits) && values.iter().any(|v| self.passes(v, r)) {
                            self.hand_off(cur, r);
                        }
                    }
                }
                if let Some(cur) = &st {
                    let nested =
                        !self.conds.is_empty() || !self.jumps.is_empty() || self.in_catch > 0;
                    let how = error_return(self.api, self.func, values, nested)
                        .or_else(|| {
                            (bare && self.err_set.iter().any(|&b| b)).then(|| {
                                format!("returns a non-nil `{}` here", self.named_err.unwrap_or(""))
                            })
                        })
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
                // An exception escaping `main`, or a module's own code, ends the run.
                if self.catch_acc.is_empty() && !self.exception_ends_run() {
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
                self.jumps.push((false, None, None, self.finally.len()));
                let mut out = if *exhaustive && !arms.is_empty() {
                    None
                } else {
                    st.clone()
                };
                for arm in arms {
                    let end = self.block(arm, st.clone());
                    out = join(out, end);
                }
                let (_, breaks, conts, _) = self.jumps.pop().unwrap_or_default();
                if let Some(c) = conts {
                    self.continue_to_loop(Some(c));
                }
                join(out, breaks)
            }
            StmtKind::Loop { head, body } => {
                let in_head = self.res.len();
                for e in head {
                    self.effects(e, &mut st);
                }
                self.finish(&mut st);
                self.jumps.push((true, None, None, self.finally.len()));
                let before = self.res.len();
                // What the condition acquires, it acquires again each time round: C lowers the
                // assignment in `while ((buf = read_line(f)) != NULL)` just before the loop.
                let first = match head.as_slice() {
                    [cond] => (0..in_head)
                        .rev()
                        .take_while(|&r| cond.span.contains(self.res[r].acq))
                        .last()
                        .unwrap_or(before),
                    _ => before,
                };
                self.loops.push(first);
                // The body runs where the condition holds: `while ((fd = accept(s)) == -1)`
                // enters it with nothing acquired.
                let mut entry = st.clone();
                if let (Some(cur), [cond]) = (entry.as_mut(), head.as_slice()) {
                    for r in self.open(cur) {
                        if r < in_head && !self.tests(cond, r) {
                            continue;
                        }
                        if let Some((Held::No, _)) = self.split(cond, r, in_head) {
                            self.not_held(cur, r);
                        }
                    }
                }
                // `for s in (a, b, c): s.close()`: the loop's variable stands for each resource
                // listed, so what it releases they all are, once the loop is done.
                let listed = self.listed(head, body);
                for (r, var) in &listed {
                    self.res[*r].vars.push(var.clone());
                }
                let end = self.block(body, entry);
                let walked = !listed.is_empty();
                for (r, var) in listed {
                    if let Some(i) = self.res[r].vars.iter().rposition(|v| *v == var) {
                        self.res[r].vars.remove(i);
                    }
                }
                self.loops.pop();
                if let (Some(cur), Some(last)) = (&end, body.last()) {
                    let mut cur = cur.clone();
                    // The loop goes round only where its condition holds: `do { p = malloc(n); }
                    // while (p == NULL)` goes round with nothing held.
                    if let [cond] = head.as_slice() {
                        let n = self.res.len();
                        for r in before..n {
                            if let Some((Held::No, _)) = self.split(cond, r, n) {
                                cur.set(r, NOT_HELD);
                            }
                        }
                    }
                    self.loop_exit(&cur, last.span, first, "the loop goes round again here");
                }
                let (_, breaks, conts, _) = self.jumps.pop().unwrap_or_default();
                // A loop without a condition (`for {}`, `while (true)`) is left only by `break`,
                // which carries what this iteration holds.
                if endless(head) {
                    return breaks;
                }
                // A walk over a list of resources runs at least once.
                let mut done = if walked {
                    join(end, conts)
                } else {
                    join(join(st, end), conts)
                };
                // The loop is left only where its condition fails: `while ((line =
                // read_line(f)) != NULL)`, whose assignment C lowers before the loop, ends with
                // nothing held, whatever the last iteration did with it. Only a comparison is
                // such a condition: a bare head may be what the loop walks (`for line in f`).
                if let (
                    Some(cur),
                    [cond @ Expr {
                        kind: ExprKind::Binary(..) | ExprKind::Not(_),
                        ..
                    }],
                ) = (done.as_mut(), head.as_slice())
                {
                    for r in 0..before {
                        if (r >= in_head || self.tests(cond, r))
                            && matches!(self.split(cond, r, in_head), Some((_, Held::No)))
                        {
                            self.not_held(cur, r);
                        }
                    }
                }
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
                let depth = self.scoped.len();
                for b in bindings {
                    self.scoped_binding(b, &mut st);
                    let names: Vec<&Expr> = match &b.kind {
                        StmtKind::Bind { targets, .. } => targets.iter().collect(),
                        _ => b.exprs().collect(),
                    };
                    self.scoped.extend(names.into_iter().filter_map(path_of));
                }
                let out = self.block(body, st);
                self.scoped.truncate(depth);
                out
            }
            StmtKind::Break => {
                if let Some(depth) = self.jumps.last().map(|t| t.3) {
                    let st = self.through_finally(depth, st);
                    if let Some(t) = self.jumps.last_mut() {
                        t.1 = join(t.1.take(), st);
                    }
                }
                None
            }
            StmtKind::Continue => {
                let depth = self.jumps.iter().rev().find(|t| t.0).map_or(0, |t| t.3);
                let st = self.through_finally(depth, st);
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

    /// A `break` or `continue` runs the `finally` blocks between it and its target (those
    /// from `depth` on), innermost first.
    fn through_finally(&mut self, depth: usize, mut st: Flow) -> Flow {
        if depth >= self.finally.len() {
            return st;
        }
        let around: Vec<&'u Block> = self.finally.drain(depth..).collect();
        for b in around.iter().rev() {
            st = self.block(b, st);
        }
        self.finally.extend(around);
        st
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
        // `err` assigned again stops being the companion of what is open on this path; it
        // stays one for an acquisition made on another path, as after `if tls { l, err =
        // tls.Listen(…) } else { l, err = net.Listen(…) }`. So does C's status, after `#ifdef
        // HAVE_PIPE2 ret = pipe2(p, 0); #else ret = pipe(p); #endif`.
        for t in targets {
            if let (ExprKind::Name(n), Some(cur)) = (&t.kind, st.as_ref()) {
                if let Some(rs) = self.companions.get_mut(n) {
                    rs.retain(|&r| !is_open(cur.get(r).bits));
                }
                if let Some(rs) = self.statuses.get_mut(n) {
                    rs.retain(|&r| !is_open(cur.get(r).bits));
                }
            }
            if let ExprKind::Name(n) = &t.kind {
                self.sentinels.remove(n);
            }
            // The named error result assigned again (`err = nil`): no longer known non-nil.
            if matches!(&t.kind, ExprKind::Name(n) if Some(n.as_str()) == self.named_err) {
                self.err_set.iter_mut().for_each(|b| *b = false);
            }
        }
        // `err = respErr`: the copy tells what its source tells.
        if let ([t], [v]) = (targets, values) {
            if let (ExprKind::Name(to), ExprKind::Name(from)) = (&t.kind, &v.peel().kind) {
                if let Some(rs) = self.companions.get(from).cloned() {
                    self.companions.entry(to.clone()).or_default().extend(rs);
                }
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
        let plain = values.len() == 1 && declared.is_some_and(|t| plain_data(&t.0));
        for v in values {
            self.discards(v, false, plain);
        }
        let pairs: Vec<(Option<&'u Expr>, &'u Expr)> = if targets.len() == values.len() {
            targets.iter().map(Some).zip(values).collect()
        } else {
            values.iter().map(|v| (None, v)).collect()
        };
        // Targets that became another name for an open resource (`gz = GzipFile(fileobj=f)`).
        let mut wrappers: Vec<*const Expr> = Vec::new();
        for (t, v) in pairs {
            let local = t.and_then(|t| self.local_target(t));
            if let (Some(name), ExprKind::Call(c)) = (&local, &v.peel().kind) {
                if self.api.in_memory(c) {
                    self.buffers.push(name.clone());
                }
            }
            // `file = dir.toFile()`, `p := filepath.Join(dir, "x")`: a path made from a path
            // names the same thing (releasing, returning or storing it counts). Not what any
            // call returns: `err := os.MkdirAll(dir, 0o700)` is no path.
            if let (Some(cur), Some(name)) = (st.as_ref(), &local) {
                for r in self.open(cur) {
                    if self.res[r].traits.lent_to_calls
                        && !self.res[r].vars.contains(name)
                        && self.passes(v, r)
                    {
                        self.res[r].vars.push(name.clone());
                    }
                }
            }
            // `c = loader.loadClass(n)`: the class needs its loader; keeping it keeps the loader.
            if let (Some(cur), Some(name), ExprKind::Call(c)) =
                (st.as_ref(), &local, &v.peel().kind)
            {
                if self.api.owning(c) {
                    for r in self.open(cur) {
                        if !self.res[r].holders.contains(name) && self.passes(v, r) {
                            self.res[r].holders.push(name.clone());
                        }
                    }
                }
            }
            if let (Some(cur), Some(name)) = (st.as_mut(), &local) {
                // `g := f`, `r = new BufferedReader(in)`: another name for the same resource.
                let inner = v.peel();
                // `new BufferedReader(in)` wraps `in`; a literal with named fields
                // (`&stream{cancel: cancel}`) is an object that now owns it: a hand-off.
                let wraps = match &inner.kind {
                    // `zipfile.ZipFile(fileobj)` reads through an object already open.
                    ExprKind::Call(c) => {
                        self.api.lang == Lang::Python
                            && (self.api.acquire_call(c, None).is_some() || self.api.over_object(c))
                            || self.fixed_at(c).is_some()
                    }
                    ExprKind::Construct { fields, ty } => {
                        fields.iter().all(|(n, _)| n.is_none())
                            && (self.api.lang != Lang::Java
                                || ty.as_ref().is_some_and(|t| self.api.wrapper(t)))
                    }
                    // C pointer arithmetic points into the same block (`ret = (void *)(hdr +
                    // 1)`, `mem = &tmp[2]`): another name for it, as `return hdr + 1` is.
                    _ => path_of(inner).is_some() || !c_interior(self.api, v).is_empty(),
                };
                if wraps {
                    let mut aliased = false;
                    for r in self.open(cur) {
                        let moved = c_interior(self.api, v);
                        let through = match &inner.kind {
                            // `q = mmap(p, …, MAP_FIXED, …)`: `q` is `p`, or the call failed.
                            ExprKind::Call(c) => match self.fixed_at(c) {
                                Some(i) => c.args.get(i).is_some_and(|a| self.passes(a, r)),
                                None => c.args.iter().any(|a| self.passes(a, r)),
                            },
                            _ if !moved.is_empty() => moved.iter().any(|x| self.passes(x, r)),
                            _ => self.passes(inner, r),
                        };
                        if !through {
                            continue;
                        }
                        aliased = true;
                        if let Some(p) = path_of(inner).filter(|p| !self.res[r].vars.contains(p)) {
                            self.res[r].aliases.push((name.clone(), p));
                        }
                        // `gz = new GZIPInputStream(in)` may throw with `in` open.
                        if let ExprKind::Construct {
                            ty: Some(t),
                            fields,
                        } = &inner.kind
                        {
                            let throws =
                                self.api.wrapper_throws(t, fields.len()) && !self.protected(r);
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
                            // `out = new PrintStream(file)`: `out`'s own methods do not throw.
                            let quiet = self.api.new_rule(t).map(|a| a.nothrow.clone());
                            if let Some(q) = quiet.filter(|q| !q.is_empty()) {
                                self.res[r].quiet_wrappers.push((name.clone(), q));
                            }
                        }
                        self.res[r].vars.push(name.clone());
                    }
                    if aliased {
                        if let Some(t) = t {
                            wrappers.push(t as *const Expr);
                        }
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
            let pending = self.pending.len();
            self.effects(v, st);
            // A lock whose result is used (`err := storage.Lock(ctx)`, `ok = l.acquire(False)`)
            // may fail, which this model cannot tell: left alone.
            let mut i = pending;
            while i < self.pending.len() {
                match &self.pending[i] {
                    Pending::Vars(at, _, spec) if spec.traits.lock && *at == v.peel().span => {
                        self.pending.remove(i);
                    }
                    // `err := cmd.Start()`: where `err` is non-nil, nothing was started.
                    Pending::Vars(at, _, spec)
                        if spec.receiver && spec.err_result == Some(0) && *at == v.peel().span =>
                    {
                        if let Some(ExprKind::Name(err)) = t.map(|t| &t.kind) {
                            self.pending_errs.push((*at, err.clone()));
                        }
                        i += 1;
                    }
                    // `ret = pipe2(fds, 0)`: `ret` tells whether `fds` were made.
                    Pending::Vars(at, _, spec)
                        if self.api.lang == Lang::C
                            && spec.out_arg.is_some()
                            && *at == v.peel().span =>
                    {
                        if let Some(n) = t.and_then(|t| self.local_target(t)) {
                            self.pending_statuses.push((*at, n));
                        }
                        i += 1;
                    }
                    // `status = wg_init(cb)`: a helper that stores what it opens in its
                    // argument's fields says by its status whether it did.
                    Pending::Storage(at, _) if self.api.lang == Lang::C && *at == v.peel().span => {
                        if let Some(n) = t.and_then(|t| self.local_target(t)) {
                            self.pending_statuses.push((*at, n));
                        }
                        i += 1;
                    }
                    _ => i += 1,
                }
            }
            // A declaration (`RandomAccessFile f = …` in a sibling block) is a new variable.
            if let (Some(cur), Some(name), None) = (st.as_ref(), &local, declared) {
                let cur = cur.clone();
                self.overwrite(&cur, name, v, t.map_or(v.span, |t| t.span), values);
            }
            if let (Some(cur), Some(t)) = (st.as_mut(), t) {
                if local.is_none() && !matches!(t.kind, ExprKind::Name(ref n) if n == "_") {
                    // Stored in a field, a global, an element or through a pointer; or what a
                    // method of it returns, which may well hold on to it (`key =
                    // channel.register(selector)`).
                    let view = match &v.peel().kind {
                        ExprKind::Call(c) => c.receiver(),
                        _ => None,
                    };
                    for r in self.open(cur) {
                        if self.passes(v, r)
                            || self.holder(v, r)
                            || view.is_some_and(|x| self.passes(x, r))
                        {
                            self.hand_off(cur, r);
                        }
                    }
                }
            }
        }
        // `self.stdin, self.stdout, self.stderr = streams`: unpacked into fields, it is stored.
        if let ([_, _, ..], [v], Some(cur)) = (targets, values, st.as_mut()) {
            let stored = targets.iter().any(|t| {
                self.local_target(t).is_none() && !matches!(&t.kind, ExprKind::Name(n) if n == "_")
            });
            if stored && path_of(v.peel()).is_some() {
                for r in self.open(cur) {
                    if self.passes(v, r) {
                        self.hand_off(cur, r);
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
            // A wrapper of what is open already is another name for it, not a new resource.
            if wrappers.contains(&(t as *const Expr)) || !self.acquiring {
                continue;
            }
            let over_buffer = |v: &Expr| matches!(&v.peel().kind, ExprKind::Call(c) if self.api.over_buffer(c, &self.buffers));
            if values.iter().any(over_buffer) {
                continue;
            }
            let span = match targets.iter().position(|x| std::ptr::eq(x, t)) {
                Some(i) if values.len() == targets.len() => values[i].span,
                _ => values.first().map_or(t.span, |v| v.span),
            };
            let Some(name) = self.local_target(t) else {
                // `_, _ = http.Get(u)`, `ctx, _ := context.WithCancel(ctx)`; not a pipe of a
                // command this function waits for (`cmd.Run()` closes it).
                if matches!(&t.kind, ExprKind::Name(n) if n == "_")
                    && !spec.traits.lock
                    && !self.in_managed_dir(&spec)
                    && !spec
                        .owner
                        .as_ref()
                        .is_some_and(|o| self.owner_released_here(o))
                {
                    let r = self.new_res(span, Vec::new(), &spec);
                    self.res[r].exceptions = false;
                    self.res[r].throws = None;
                    let how = "its result is dropped here with `_`, so nothing can release it";
                    self.lost(r, t.span, ExitKind::Discarded, how);
                }
                continue;
            };
            if !self.owner_held(&spec, cur) || self.res.len() >= MAX_RESOURCES {
                continue;
            }
            let r = self.new_res(span, vec![name], &spec);
            cur.set(r, OPEN);
            if self.api.lang == Lang::C {
                let call = values.iter().find_map(|v| match &v.peel().kind {
                    ExprKind::Call(c) if v.peel().span == span => Some(c),
                    _ => None,
                });
                for a in call.iter().flat_map(|c| &c.args) {
                    if let ExprKind::Unary(x) = &a.kind {
                        if let ExprKind::Name(n) = &x.peel().kind {
                            self.sentinels.entry(n.clone()).or_default().push(r);
                        }
                    }
                }
            }
            if let Some(e) = spec.err_result.and_then(|k| targets.get(k)) {
                if let ExprKind::Name(n) = &e.kind {
                    if n != "_" {
                        self.companions.entry(n.clone()).or_default().push(r);
                    }
                }
            }
            if values.len() == 1 {
                for (k, x) in targets.iter().enumerate() {
                    match &x.kind {
                        ExprKind::Name(n)
                            if n != "_" && !std::ptr::eq(x, t) && spec.err_result != Some(k) =>
                        {
                            self.beside.entry(n.clone()).or_default().push(r);
                        }
                        _ => {}
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
        // Only a resource certainly open here: a branch that may not have acquired it, or a
        // preprocessor `#else` lowered in sequence, keeps it quiet.
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
            if !leaks(cur.get(r).bits) || self.api.lang == Lang::C && !fresh() {
                continue;
            }
            // `file = dir.toFile()` after `File file;`: the name was just made another for it.
            if self.res[r].traits.lent_to_calls && self.passes(v, r) {
                continue;
            }
            // `tmp = None` inside a `try` whose `finally` cleans up `if tmp is not None`, once
            // it was passed on (`os.rename(tmp, dst)`): the name is cleared so the `finally`
            // leaves alone what was handed on. The name still reaches it for every other exit
            // of that `try`, which the `finally` covers.
            if matches!(v.peel().kind, ExprKind::Lit(Lit::Nil))
                && self.passed_to_call(r)
                && self.protected(r)
            {
                continue;
            }
            // Acquired under a test that rules this statement out: the name still reaches it
            // wherever it was acquired.
            if exclusive_branches(&self.func.body, self.res[r].acq, at) {
                continue;
            }
            self.res[r].vars.remove(i);
            if self.res[r].vars.is_empty() && values.len() == 1 {
                self.lost(r, at, ExitKind::Normal, "overwritten here");
            }
        }
    }

    /// Java: a bare name the function neither takes nor declares (with a type or `var`), nor
    /// the functions around it: a field, maybe of a superclass, that the file does not declare.
    fn undeclared_java(&self, t: &Expr) -> bool {
        self.api.lang == Lang::Java
            && matches!(&t.kind, ExprKind::Name(n)
                if !self.func.params.iter().any(|p| p.name == *n)
                    && !self.declared.contains_key(n.as_str())
                    && !self.var_locals.contains(n.as_str())
                    && !self.outer.contains(n.as_str()))
    }

    /// A target that names a local variable (not a field, element, pointer or global).
    fn local_target(&self, t: &Expr) -> Option<String> {
        match &t.kind {
            // Go's and Rust's `_` discards; Python's is a variable like any other
            // (`_, path = mkstemp(); os.close(_)`).
            ExprKind::Name(n) if n != "_" || self.api.lang == Lang::Python => {
                // In C and Java a bare name may be a global or a field; in Go, Python and Rust
                // assignments inside a function are (nearly always) to locals.
                let own = (self.func.params.iter().any(|p| p.name == *n)
                    || self.declared.contains_key(n.as_str()))
                    && !self.statics.contains(n.as_str())
                    && !self.func.globals.contains(n);
                let global = !own
                    && match self.api.lang {
                        // Every C variable is declared: a name that is neither a parameter nor
                        // a local (a `static` local lives on) is a global, of this file or
                        // another (`extern`).
                        Lang::C => true,
                        // A field this file declares, or a name the function and those
                        // around it never declare: a field of a superclass
                        // (`reader = new BufferedReader(…)` in a reader's subclass).
                        Lang::Java => {
                            self.unit.fields.iter().any(|f| f.name == *n) || self.undeclared_java(t)
                        }
                        // A package-level `var` (not a struct's field of the same name).
                        Lang::Go => self.package_vars.contains(n.as_str()),
                        // One the function declares `global` or `nonlocal`.
                        Lang::Python => self.func.globals.contains(n),
                        Lang::Rust => false,
                    };
                // A closure assigning a variable of the function around it hands the value out.
                let captured = !own && self.outer.contains(n.as_str());
                (!global && !captured).then(|| n.clone())
            }
            _ => None,
        }
    }

    /// Resource `r` leaves the function's hands here: returned, stored, kept by a call.
    fn hand_off(&mut self, cur: &mut State, r: usize) {
        cur.set(r, HANDED);
        self.res[r].handed_off = true;
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
            // `lock.lock()` returns nothing: the receiver is what is held.
            Some(v) if spec.receiver && spec.traits.lock => {
                format!("`{v}` (locked by `{}()`)", spec.callee)
            }
            Some(v) => format!("`{v}` (from `{}`)", spec.callee),
            None => format!("what `{}` acquires", spec.callee),
        };
        let mut res = Res::new(acq, what, vars);
        res.release = spec.release.clone();
        res.owner = spec.owner.clone();
        res.with_owner = spec.closed_with_owner;
        res.exceptions = exceptions;
        res.traits = spec.traits.clone();
        // A child started detached (`start_new_session=True`, `cmd.SysProcAttr =
        // &syscall.SysProcAttr{Setsid: true}`) that the function never waits for is meant to
        // outlive it. One it waits for (or polls) on some path was only put in a group of its
        // own.
        if !spec.traits.detached_by.is_empty() {
            let var = res.vars.first().cloned();
            let prefix = var.as_ref().map(|v| format!("{v}."));
            let (mut detached, mut waited) = (spec.traits.detached, false);
            crate::model::walk_stmts(&self.func.body, &mut |s| {
                if let (
                    StmtKind::Bind {
                        targets, values, ..
                    },
                    Some(prefix),
                ) = (&s.kind, &prefix)
                {
                    detached |= targets
                        .iter()
                        .any(|t| path_of(t).is_some_and(|p| p.starts_with(prefix.as_str())))
                        && values
                            .iter()
                            .any(|x| Spec::names_setting(x, &spec.traits.detached_by));
                }
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        waited |= matches!(&x.kind, ExprKind::Call(c)
                        if var.is_some() && c.receiver().and_then(path_of) == var
                            && c.name().is_some_and(|n| {
                                spec.release.iter().chain(&spec.traits.finished_if).any(|r| r == n)
                            }));
                    });
                }
            });
            res.traits.reclaimed |= detached && !waited;
        }
        // Given work for the rest of its life (`ses.scheduleAtFixedRate(…)`, even on the
        // acquisition itself): it outlives the function on purpose.
        if !spec.traits.lives_on_with.is_empty() {
            let var = res.vars.first().cloned();
            each_expr(self.unit, &self.func.body, &mut |e| {
                if let ExprKind::Call(c) = &e.kind {
                    let on_it = c.receiver().is_some_and(|r| {
                        r.peel().span == acq || var.is_some() && path_of(r) == var
                    });
                    if on_it
                        && c.name()
                            .is_some_and(|n| spec.traits.lives_on_with.iter().any(|m| m == n))
                    {
                        res.traits.reclaimed = true;
                    }
                }
            });
        }
        // `cmd.Start()` on a parameter or a field: the caller still holds `cmd`, and may wait.
        res.caller_sees = spec.receiver
            && !spec.traits.lock
            && res
                .vars
                .first()
                .is_some_and(|v| v.contains('.') || self.func.params.iter().any(|p| p.name == *v))
            // C: `pipe2(dco->pipefd, 0)` fills an array of the caller's struct.
            || spec.out_arg.is_some()
                && self.api.lang == Lang::C
                && res.vars.first().is_some_and(|v| {
                    v.split_once('.')
                        .is_some_and(|(root, _)| self.func.params.iter().any(|p| p.name == root))
                });
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
    /// Java: whether the receiver of `lock()` may be a lock: its declared type (a local, a
    /// parameter, a field of the file) is unknown or a `Lock` (`ReentrantLock`, `ReadLock`,
    /// `StampedLock`, …), or the call is shaped like `Lock`'s (`lock()`,
    /// `lockInterruptibly()`, `tryLock()`, `tryLock(time, unit)`: a `LockFile`'s `lock()`).
    /// `client.lock(id, keys, time, unit)` on an `IpcClient` locks nothing that this function
    /// must unlock.
    fn may_be_lock(&self, c: &Call, path: &str) -> bool {
        if self.api.lang != Lang::Java {
            return true;
        }
        let var = path.strip_prefix("this.").unwrap_or(path);
        if var.contains('.') {
            return true;
        }
        let lock_api = match c.name() {
            Some("tryLock") => matches!(c.args.len(), 0 | 2),
            _ => c.args.is_empty(),
        };
        lock_api
            || self
                .type_of(var)
                .is_none_or(|t| t.simple().ends_with("Lock") || t.simple() == "var")
    }

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
        // `if (out != NULL && pipe(fds) != 0)`: the pipe is made only where `out` is set.
        if let ExprKind::Binary(BinOp::And, a, _) = &cond.peel().kind {
            for res in &mut self.res[before..] {
                if !a.span.contains(res.acq) {
                    res.guard = Some(crate::checks::support::render(a));
                }
            }
        }
        let shown = self.res[..before]
            .iter()
            .any(|r| r.guard.is_some())
            .then(|| crate::checks::support::render(cond));
        let mut on_then = cur.clone();
        let mut on_else = cur;
        for r in 0..self.res.len() {
            if !is_open(on_then.get(r).bits) {
                continue;
            }
            // Tested again (`if (out != NULL) close(fds[0])`): where the test fails, the
            // acquisition was never made.
            if r < before && shown.is_some() && self.res[r].guard == shown {
                self.not_held(&mut on_else, r);
                continue;
            }
            // A flag the acquiring call returned with it (`ctx, applied, cancel :=
            // withTimeout(ctx)`) may say whether it acquired: the shape of the branches tells
            // which way, if it tells.
            if self.returned_beside(cond, r) {
                match self.failure_branch(then, otherwise, r) {
                    Some(true) => self.not_held(&mut on_then, r),
                    Some(false) => self.not_held(&mut on_else, r),
                    None => {}
                }
                continue;
            }
            let tested = r >= before || self.tests(cond, r) || self.tests_sentinel(cond, r);
            if !tested {
                // `if (locked) lock.unlock()`: a flag set beside the acquisition, which this
                // analysis does not follow; which branch still holds it is not known.
                if self.flag(cond)
                    && self.mentions_block(then, r) != self.mentions_block(otherwise, r)
                {
                    on_then.add(r, UNSURE);
                    on_else.add(r, UNSURE);
                }
                continue;
            }
            // The operator tells which branch the acquisition failed on; the shape of the
            // branches is the fallback.
            if let Some(split) = self.split(cond, r, before) {
                for (state, held) in [(&mut on_then, split.0), (&mut on_else, split.1)] {
                    match held {
                        Held::Yes => {}
                        Held::No => self.not_held(state, r),
                        Held::Maybe => state.add(r, UNSURE),
                    }
                }
                continue;
            }
            match self.failure_branch(then, otherwise, r) {
                Some(true) => self.not_held(&mut on_then, r),
                Some(false) => self.not_held(&mut on_else, r),
                None => {
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
        let (err_then, err_else) = self
            .named_err
            .map_or((false, false), |n| non_nil_on(cond, n));
        // A branch no path can take (`if a != nil {…} else if b != nil {…}` after `if a == nil
        // && b == nil { return }`: the implicit `else`) is walked for labels only.
        let tests_then = self.nil_tests(cond, false);
        let tests_else = self.nil_tests(cond, true);
        let branch = |fx: &mut Self, b: &'u Block, st: State, tests: &Option<Vec<_>>, err| {
            let tests = tests.as_deref().unwrap_or_default();
            if fx.nil_contradiction(tests) {
                return fx.block(b, None);
            }
            let facts = fx.nil_facts.len();
            fx.nil_facts.extend(tests.iter().cloned());
            fx.err_set.push(err);
            let out = fx.block(b, Some(st));
            fx.err_set.pop();
            fx.nil_facts.truncate(facts);
            out
        };
        let a = branch(self, then, on_then, &tests_then, err_then);
        let b = branch(self, otherwise, on_else, &tests_else, err_else);
        if !preprocessor {
            self.conds.pop();
        }
        // `if a == nil && b == nil { return }`: the rest of the block has no path where both hold.
        if let (None, true, Some(tests)) = (&a, otherwise.is_empty(), tests_then) {
            self.nil_excluded.push(tests);
        }
        join(a, b)
    }

    /// The resources a loop walks by name, each with the loop's variable: the head lists two
    /// or more variables (`for s in (a, b):`, `for (Closeable c : new Closeable[] {a, b})`),
    /// and the body starts by binding the variable to each element in turn.
    fn listed(&self, head: &[Expr], body: &Block) -> Vec<(usize, String)> {
        let Some(StmtKind::Bind {
            targets, values, ..
        }) = body.first().map(|s| &s.kind)
        else {
            return Vec::new();
        };
        let ([target], []) = (targets.as_slice(), values.as_slice()) else {
            return Vec::new();
        };
        let Some(var) = path_of(target) else {
            return Vec::new();
        };
        let elems: Vec<&Expr> = match head {
            [one] => match &one.peel().kind {
                ExprKind::Other(xs) => xs.iter().collect(),
                ExprKind::Construct { fields, .. } => fields.iter().map(|(_, e)| e).collect(),
                _ => return Vec::new(),
            },
            many => many.iter().collect(),
        };
        let Some(paths) = elems.iter().map(|e| path_of(e)).collect::<Option<Vec<_>>>() else {
            return Vec::new();
        };
        if paths.len() < 2 {
            return Vec::new();
        }
        (0..self.res.len())
            .filter(|&r| paths.iter().any(|p| self.res[r].vars.contains(p)))
            .map(|r| (r, var.clone()))
            .collect()
    }

    /// Where the acquisition of `r` failed, nothing made from it was made either: a
    /// `Statement` of a connection that is null is not held.
    fn not_held(&self, state: &mut State, r: usize) {
        state.set(r, NOT_HELD);
        let mut gone = vec![r];
        while let Some(owner) = gone.pop() {
            for d in self.open(state) {
                if self.res[d]
                    .owner
                    .as_ref()
                    .is_some_and(|o| self.res[owner].vars.contains(&o.path))
                {
                    state.set(d, NOT_HELD);
                    gone.push(d);
                }
            }
        }
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
                // `cleanup()` of a local closure that releases it.
                if let (ExprKind::Name(n), Some(cur)) = (&c.func.peel().kind, st.as_mut()) {
                    if let Some(&id) = self.closure_vars.get(n.as_str()) {
                        for r in self.open(cur) {
                            if self.closure_releases(id, r) {
                                cur.set(r, RELEASED);
                                self.res[r].released(e.span);
                            }
                        }
                    } else if let Some(made) = self.made_funcs.get(n.as_str()) {
                        // `defer unlock()` of `unlock := unlockOnce(&s.mu)`: the function was
                        // made from the resource; what it does with it is not known here.
                        for r in self.open(cur) {
                            if made.iter().any(|a| refers_res(&self.res[r], a)) {
                                cur.set(r, RELEASED);
                                self.res[r].released(e.span);
                            }
                        }
                    }
                }
            }
            ExprKind::Closure(id) => {
                let id = *id;
                if let Some(cur) = st.as_mut() {
                    for r in self.open(cur) {
                        if self.closure_takes(id, r) {
                            // Released or kept by the closure: either way, no longer ours.
                            self.hand_off(cur, r);
                        }
                    }
                }
            }
            ExprKind::Construct { fields, .. } => {
                if let Some(cur) = st.as_mut() {
                    for r in self.open(cur) {
                        if fields.iter().any(|(_, v)| self.passes(v, r)) {
                            self.hand_off(cur, r);
                        }
                    }
                }
                for (_, v) in fields {
                    self.effects(v, st);
                }
            }
            // `r.content` reads a streamed response to the end, which releases it.
            ExprKind::Field(base, name) => {
                self.effects(base, st);
                let Some(cur) = st.as_mut() else {
                    return;
                };
                // Cheap test first: most resources have no such attribute.
                let drained: Vec<usize> = (0..self.res.len())
                    .filter(|&r| {
                        self.res[r].traits.drained_by_attrs.contains(name)
                            && is_open(cur.get(r).bits)
                    })
                    .collect();
                if let (false, Some(p)) = (drained.is_empty(), path_of(base)) {
                    for r in drained {
                        if self.res[r].vars.contains(&p) {
                            cur.set(r, RELEASED);
                            self.res[r].released(e.span);
                        }
                    }
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
                // A move that fails leaves it where it was (`Files.move(tmp, dest)`), for the
                // handler around it to see to.
                let res = &self.res[r];
                if !self.catches.is_empty()
                    && res.exceptions
                    && res.throws.is_none()
                    && self.moves(c, r)
                    && !self.catch_releases(res, r)
                    && !self.protected(r)
                {
                    self.throws_at(r, c, span);
                }
                cur.set(r, RELEASED);
                self.res[r].released(span);
                // What closes with it goes too: `conn.close()` closes its statements, and
                // those their result sets (before asking what the release, if it throws,
                // leaves open).
                let mut gone = vec![r];
                while let Some(owner) = gone.pop() {
                    for d in self.open(cur) {
                        let owned = self.res[d]
                            .owner
                            .as_ref()
                            .is_some_and(|o| self.res[owner].vars.contains(&o.path));
                        if owned {
                            cur.set(d, RELEASED);
                            self.res[d].released(span);
                            gone.push(d);
                        }
                    }
                }
                self.release_may_throw(c, span, r, cur);
                continue;
            }
            // `list(r.iter_lines())`, `b"".join(r.iter_content())`, `io.ReadAll(resp.Body)`:
            // read to the end.
            let reads_to_end = || {
                let res = &self.res[r];
                res.traits.read_to_end_by(c) && c.args.iter().any(|a| refers_res(res, a))
            };
            if (self.api.borrows(c) || c.name() == Some("join"))
                && c.args.iter().any(|a| self.drains(a, r))
                || reads_to_end()
            {
                cur.set(r, RELEASED);
                self.res[r].released(span);
                continue;
            }
            // A path is only lent to calls, unless the call keeps what it is given.
            // A function of this file may store it, as it may pass it on: that is not known.
            if self.res[r].traits.lent_to_calls {
                let of_file = self.sums.callees(self.unit, c).next().is_some();
                let kept = |i: usize| {
                    self.api.keeps(c)
                        || of_file
                            && !self
                                .sums
                                .call_borrows_arg(self.unit, c, i, Some(self.methods(r)))
                };
                if c.args
                    .iter()
                    .enumerate()
                    .any(|(i, a)| kept(i) && self.passes(a, r))
                {
                    self.hand_off(cur, r);
                }
                continue;
            }
            // `Class.forName(n, true, loader)` only lends the loader: its result, kept, keeps it.
            let lends = self.api.lends_args(c);
            for (i, a) in c.args.iter().enumerate() {
                // `free(w)` releases the struct, not what its fields hold.
                if (self.passes(a, r) || self.holder(a, r) && !self.api.is_release_fn(c))
                    && !lends
                    && !self
                        .sums
                        .lends_arg(self.api, self.unit, c, i, Some(self.methods(r)))
                {
                    self.hand_off(cur, r);
                    // A result set closes with its statement, wherever that goes
                    // (`Closer.close(ps)`).
                    for d in self.open(cur) {
                        let follows = self.res[d].with_owner
                            && self.res[d]
                                .owner
                                .as_ref()
                                .is_some_and(|o| self.res[r].vars.contains(&o.path));
                        if follows {
                            self.hand_off(cur, d);
                        }
                    }
                }
            }
        }
        self.may_throw(c, span, cur);
        if self.api.noreturn(c) || self.sums.call_noreturn(self.unit, c) {
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
                if let Some(v) = c
                    .receiver()
                    .and_then(path_of)
                    .filter(|v| !spec.traits.lock || self.may_be_lock(c, v))
                {
                    self.pending
                        .push(Pending::Vars(span, vec![v], Box::new(spec)));
                }
            } else {
                self.pend_out_arg(c, span, spec);
            }
        } else if let Some(spec) = self.sums.out_param_resource(self.unit, c) {
            self.pend_out_arg(c, span, spec);
        }
        if let Some(&s) = c.name().and_then(|n| self.sums.storage_of.get(n)) {
            let object = self.sums.storage[s].object.and_then(|i| c.args.get(i));
            if c.name() != Some(self.func.name.as_str())
                && !object
                    .and_then(out_var)
                    .is_some_and(|o| self.callers_object(&o))
            {
                self.pending.push(Pending::Storage(span, s));
            }
        }
    }

    /// An acquisition written into the out-argument `spec` names (`pipe(fds)`), pending its
    /// success check. Written into the caller's array, it is the caller's to release; into a
    /// C global (`pipe(req_pipefd)`), the program's, kept for later. A global lock taken is
    /// still this function's to give back.
    fn pend_out_arg(&mut self, c: &Call, span: Span, spec: Spec) {
        let Some(v) = spec.out_arg.and_then(|i| c.args.get(i)).and_then(out_var) else {
            return;
        };
        if !self.callers_object(&v) && (spec.traits.lock || !self.c_global(&v)) {
            self.pending
                .push(Pending::Vars(span, vec![v], Box::new(spec)));
        }
    }

    /// The argument an acquisition is told to make its resource at (rule data `fixed_at`:
    /// `mmap(p, n, prot, MAP_FIXED | flags, fd, 0)`), when its flag is given.
    fn fixed_at(&self, c: &Call) -> Option<usize> {
        let at = self.api.acquire_call(c, None)?.traits.fixed_at?;
        let mut flagged = false;
        for a in &c.args {
            a.walk(&mut |x| flagged |= matches!(&x.kind, ExprKind::Name(n) if *n == at.flag));
        }
        flagged.then_some(at.arg)
    }

    /// Whether path `p` is, or is in, an object of the caller's: a parameter (`fds`), a part of one
    /// (`td->pipes`), or of a local taken from one (`nd->pipes` after `nd = td->io_ops_data`).
    /// What is made into it is the caller's to release.
    fn callers_object(&self, p: &str) -> bool {
        let is_param = |n: &str| self.func.params.iter().any(|p| p.name == n);
        let root = p.split('.').next().unwrap_or(p);
        if is_param(root) {
            return root == p || self.api.lang == Lang::C;
        }
        self.api.lang == Lang::C
            && root != p
            && crate::checks::support::local_value(&self.func.body, root)
                .and_then(|v| path_of(v.peel()))
                .is_some_and(|v| v.contains('.') && is_param(v.split('.').next().unwrap_or(&v)))
    }

    /// C: a variable path whose root the function neither declares nor takes as a parameter
    /// names a global.
    fn c_global(&self, v: &str) -> bool {
        self.api.lang == Lang::C && {
            let root = v.split('.').next().unwrap_or(v);
            !local_names(self.func).contains(root)
        }
    }

    /// Java and Python, where any call may throw: notes a call that works on a resource
    /// certainly open here — a method of it, or a function of this file it is lent to — when
    /// its exception would leave the function with the resource open: no `catch` / `except` of
    /// this function around it, no `finally` that releases it. Calls of other kinds are not
    /// taken to throw: a static helper may well return something lazy (`Flux`).
    fn may_throw(&mut self, c: &Call, span: Span, cur: &State) {
        if !matches!(self.api.lang, Lang::Java | Lang::Python)
            || self.api.nothrow(c)
            || self.sums.call_nothrow(self.unit, c)
            || self.api.project_nothrow(self.sums, c)
            || self.exception_ends_run()
        {
            return;
        }
        for r in 0..self.res.len() {
            let res = &self.res[r];
            if !res.exceptions
                || res.throws.is_some()
                || res.traits.reclaimed
                || !leaks(cur.get(r).bits)
            {
                continue;
            }
            // Caught around here: leaks only if the handler neither releases nor uses it.
            if self.catch_releases(res, r) {
                continue;
            }
            // `p.getInputStream()` of a process only reads a field.
            let own_nothrow = c.name().is_some_and(|m| {
                res.traits.nothrow.iter().any(|x| x == m)
                    || c.receiver().and_then(path_of).is_some_and(|v| {
                        res.quiet_wrappers
                            .iter()
                            .any(|(w, ms)| *w == v && ms.iter().any(|x| x == m))
                    })
            });
            let uses = c.receiver().is_some_and(|x| refers_res(res, x)) && !own_nothrow
                || c.args.iter().enumerate().any(|(i, a)| {
                    refers_res(res, a)
                        && self
                            .sums
                            .call_borrows_arg(self.unit, c, i, Some(self.methods(r)))
                });
            if !uses || self.protected(r) {
                continue;
            }
            self.throws_at(r, c, span);
        }
    }

    /// Records that call `c` may throw with resource `r` open.
    fn throws_at(&mut self, r: usize, c: &Call, span: Span) {
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

    /// Java and Python: a release in a `finally` block, not inside a `try` of its own, may throw
    /// (`fis.close()`), skipping the releases after it in that block.
    fn release_may_throw(&mut self, c: &Call, span: Span, released: usize, cur: &State) {
        if !matches!(self.api.lang, Lang::Java | Lang::Python)
            || self.in_finally.last() != Some(&self.catches.len())
            || self.sums.call_nothrow(self.unit, c)
            || self.api.project_nothrow(self.sums, c)
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

    /// A resource that closes with the object that made it (`closed_with_owner`: a JDBC
    /// `ResultSet` with its `Statement`) is this function's only while that object is: one made
    /// by a parameter's, a field's or a try-with-resources' statement is released with it.
    /// A call's result as receiver (`getConnection().createStatement()`) has no owner to wait
    /// for: it is tracked.
    fn owner_held(&self, spec: &Spec, cur: &State) -> bool {
        if self.in_managed_dir(spec) {
            return false;
        }
        // Made by what a scope releases (`c.prepareStatement(q)` in `try (Connection c = …)`),
        // whose release releases it too: the scope's end releases it.
        if spec
            .owner
            .as_ref()
            .is_some_and(|o| !o.release.is_empty() && self.scoped.contains(&o.path))
        {
            return false;
        }
        // Made by a parameter whose release is the caller's (`connection.getInputStream()` in
        // a helper given the connection): the caller holds the owner, and releasing it releases
        // both (jedis' `readResponse(conn)`, whose callers `disconnect()` in a `finally`).
        let params = &self.func.params;
        if spec
            .owner
            .as_ref()
            .is_some_and(|o| o.callers && params.iter().any(|p| p.name == o.path))
        {
            return false;
        }
        !spec.closed_with_owner
            || spec.owner.as_ref().is_none_or(|o| {
                (0..self.res.len())
                    .any(|r| is_open(cur.get(r).bits) && self.res[r].vars.contains(&o.path))
            })
    }

    /// Whether a temporary directory or file is made inside a directory that goes as a whole,
    /// with it: a test's `t.TempDir()`, a parameter (the caller's directory), or a name this
    /// function removes (`defer
    /// os.RemoveAll(root)`) or binds to one of those or to a path built from one
    /// (`filepath.Join(root, "x")`), or to another temporary directory. A directory of the
    /// program's own (`filepath.Join(o.root, "snapshots")`) does not go: what is made there
    /// stays tracked.
    pub(super) fn in_managed_dir(&self, spec: &Spec) -> bool {
        let Some(parent) = &spec.parent else {
            return false;
        };
        if test_temp_dir(parent) {
            return true;
        }
        let managed = self.managed_dirs.get_or_init(|| self.find_managed_dirs());
        let mut hit = false;
        parent.walk(&mut |x| {
            if let Some(p) = path_of(x) {
                hit |= managed.contains(&p);
            }
        });
        hit
    }

    /// The managed directories of this function and, for a closure (`t.Run(name, func(t
    /// *testing.T) { … })`), of the functions around it.
    fn find_managed_dirs(&self) -> HashSet<String> {
        let mut managed = HashSet::new();
        let mut f = Some(self.func);
        while let Some(func) = f {
            managed.extend(self.managed_dirs_of(func));
            f = func.parent.map(|p| &self.unit.functions[p]);
        }
        managed
    }

    fn managed_dirs_of(&self, func: &'u crate::model::Function) -> HashSet<String> {
        // A directory the caller passes is the caller's to remove; the receiver's fields are
        // the program's own directories.
        let receiver = func.receiver.as_ref().map(|r| r.name.as_str());
        let mut managed: HashSet<String> = func
            .params
            .iter()
            .map(|p| p.name.as_str())
            .filter(|n| {
                !n.is_empty() && Some(*n) != receiver && !matches!(*n, "self" | "this" | "cls")
            })
            .map(String::from)
            .collect();
        // A field a test framework makes a temporary directory of (`@TempDir Path dir;`).
        let annotated = &self.api.m.managed_dir_annotations;
        if !annotated.is_empty() {
            managed.extend(
                self.unit
                    .types
                    .iter()
                    .flat_map(|t| &t.field_annotations)
                    .filter(|(_, a)| annotated.iter().any(|m| m == last_segment(a)))
                    .map(|(f, _)| f.clone()),
            );
        }
        // Removed as a whole somewhere in the function, closures included.
        managed.extend(self.removed_in(&func.body));
        // A directory of the module's own that some function of the file removes as a whole
        // (`shutil.rmtree(TMP_DIR)` in `teardown_module`).
        managed.extend(
            self.api
                .module_dirs
                .get_or_init(|| self.module_dirs_removed())
                .iter()
                .cloned(),
        );
        // Bound to a test's directory, a temporary directory, or a path built from a managed one.
        for _ in 0..3 {
            let before = managed.len();
            crate::model::walk_stmts(&func.body, &mut |s| {
                let StmtKind::Bind {
                    targets, values, ..
                } = &s.kind
                else {
                    return;
                };
                let Some(v) = values.first() else {
                    return;
                };
                let from = test_temp_dir(v)
                    || matches!(&v.peel().kind, ExprKind::Call(c)
                    if self.api.acquire_call(c, None).is_some_and(|sp| sp.traits.lent_to_calls)
                        || matches!(c.name(), Some("Join" | "join" | "resolve"))
                            && c.args.iter().chain(c.receiver()).any(|a| {
                                path_of(a).is_some_and(|p| managed.contains(&p))
                            }));
                if from {
                    if let Some(p) = targets.first().and_then(path_of) {
                        managed.insert(p);
                    }
                }
            });
            if managed.len() == before {
                break;
            }
        }
        managed
    }

    /// The names bound at the top level of the file that a function of it passes to a
    /// release function (`TMP_DIR = Path(mkdtemp())` … `shutil.rmtree(TMP_DIR)`).
    fn module_dirs_removed(&self) -> Vec<String> {
        let Some(top) = self
            .unit
            .functions
            .iter()
            .find(|f| f.kind == FnKind::TopLevel)
        else {
            return Vec::new();
        };
        let mut bound = HashSet::new();
        for s in &top.body {
            if let StmtKind::Bind { targets, .. } = &s.kind {
                bound.extend(targets.iter().filter_map(path_of));
            }
        }
        if bound.is_empty() {
            return Vec::new();
        }
        self.unit
            .functions
            .iter()
            .flat_map(|f| self.removed_in(&f.body))
            .filter(|p| bound.contains(p))
            .collect()
    }

    /// The paths `body` passes to a release function (`shutil.rmtree(d)`), closures included.
    fn removed_in(&self, body: &Block) -> Vec<String> {
        let mut removed = Vec::new();
        each_expr(self.unit, body, &mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                if self.api.is_release_fn(c) {
                    removed.extend(c.args.iter().filter_map(path_of));
                }
            }
        });
        removed
    }

    /// Whether the object that made a resource is released here: by a scope around (see
    /// [`Fx::owner_held`]) or by a call anywhere in the function (`conn.close()`), which
    /// releases what it made, even what was dropped (`conn.prepareCall(sql);`).
    fn owner_released_here(&self, o: &Owner) -> bool {
        if o.release.is_empty() {
            return false;
        }
        if self.scoped.contains(&o.path) {
            return true;
        }
        let mut hit = false;
        each_expr(self.unit, &self.func.body, &mut |e| {
            hit |= matches!(&e.kind, ExprKind::Call(c) if self.owner_released_by(o, c));
        });
        hit
    }

    /// Whether call `c` releases the owner of a resource: a release method of it
    /// (`conn.close()`), or a function that releases it as an argument
    /// (`DbUtil.closeAll(null, conn)`), whether or not the owner is itself tracked here.
    pub(super) fn owner_released_by(&self, o: &Owner, c: &Call) -> bool {
        if o.release.is_empty() {
            return false;
        }
        o.calls(c, &o.release)
            || c.args.iter().enumerate().any(|(i, a)| {
                path_of(a.peel()).as_deref() == Some(o.path.as_str())
                    && (self.api.is_release_fn(c)
                        || self
                            .sums
                            .call_releases_arg(self.unit, c, i, Some(&o.release))
                        || self.api.project_releases_arg(self.sums, c, i))
            })
    }

    /// Ends a statement's evaluation: `?` exits see the state before its acquisitions; then the
    /// acquisitions are made; a call that never returns ends the path.
    fn finish(&mut self, st: &mut Flow) {
        let first = self.res.len();
        let tries = std::mem::take(&mut self.tries);
        if let (Some(&at), Some(cur)) = (tries.first(), st.as_ref()) {
            let cur = cur.clone();
            self.exit(&cur, at, "`?` returns the error here");
        }
        for p in std::mem::take(&mut self.pending) {
            if self.res.len() >= MAX_RESOURCES {
                break;
            }
            let r = match p {
                Pending::Vars(_, _, ref spec)
                    if st.as_ref().is_some_and(|c| !self.owner_held(spec, c)) =>
                {
                    continue;
                }
                Pending::Vars(span, vars, spec) => {
                    let r = self.new_res(span, vars, &spec);
                    if let Some(i) = self.pending_errs.iter().position(|(at, _)| *at == span) {
                        let (_, err) = self.pending_errs.swap_remove(i);
                        self.companions.entry(err).or_default().push(r);
                    }
                    if let Some(i) = self.pending_statuses.iter().position(|(at, _)| *at == span) {
                        let (_, n) = self.pending_statuses.swap_remove(i);
                        self.statuses.entry(n).or_default().push(r);
                    }
                    r
                }
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
                    let r = self.res.len() - 1;
                    if let Some(i) = self.pending_statuses.iter().position(|(at, _)| *at == span) {
                        let (_, n) = self.pending_statuses.swap_remove(i);
                        self.statuses.entry(n).or_default().push(r);
                    }
                    r
                }
            };
            if let Some(cur) = st.as_mut() {
                cur.set(r, OPEN);
            }
        }
        if self.res.len() > first && !self.deferred.is_empty() {
            self.defer_late(st, first);
        }
        if std::mem::take(&mut self.stops) {
            *st = None;
        }
    }

    /// A call deferred before an acquisition runs at the return all the same: `defer func() {
    /// go func() { cmd.Wait() }() }()` then `return cmd.Start()`. Its effects on the resources
    /// from `first` on are applied now, as for one deferred after them.
    fn defer_late(&mut self, st: &mut Flow, first: usize) {
        let Some(cur) = st.as_mut() else {
            return;
        };
        let outer = (
            std::mem::take(&mut self.pending),
            std::mem::take(&mut self.tries),
            std::mem::take(&mut self.stops),
        );
        let mut after = Some(cur.clone());
        for e in self.deferred.clone() {
            self.effects(e, &mut after);
        }
        (self.pending, self.tries, self.stops) = outer;
        if let Some(after) = after {
            for r in first..self.res.len() {
                cur.set(r, after.get(r).bits);
            }
        }
    }

    /// The methods that release resource `r`: its kind's, or the data's general ones.
    fn methods(&self, r: usize) -> &[String] {
        let res = &self.res[r];
        if res.release.is_empty() {
            &self.api.m.release_methods
        } else {
            &res.release
        }
    }

    fn releases(&self, c: &Call, r: usize) -> bool {
        let res = &self.res[r];
        if let Some(s) = res.storage {
            return c
                .name()
                .is_some_and(|n| self.sums.storage[s].releasers.contains(n));
        }
        if res
            .owner
            .as_ref()
            .is_some_and(|o| self.owner_released_by(o, c))
        {
            return true;
        }
        // `defer l.Lock().Unlock()` of a lock whose `Lock` returns itself (zrepl's chainlock).
        let path = callee(c).or_else(|| {
            let ExprKind::Call(inner) = &c.receiver()?.peel().kind else {
                return None;
            };
            let locks = res.traits.lock
                && self
                    .api
                    .acquire_call(inner, None)
                    .is_some_and(|s| s.receiver);
            if !locks {
                return None;
            }
            Some(format!("{}.{}", path_of(inner.receiver()?)?, c.name()?))
        });
        let methods = self.methods(r);
        let hit = |p: &str| {
            res.vars.iter().any(|v| {
                methods
                    .iter()
                    .any(|m| if m == "()" { p == v } else { member(p, v, m) })
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
        // `s.cc.updateStateAndUnlock()` for a lock on `s.cc.mu`: a method of the lock's owner
        // named for its release releases it.
        if res.traits.lock {
            let owner_call = |p: &str| {
                p.rsplit_once('.').is_some_and(|(owner, _)| {
                    res.vars
                        .iter()
                        .any(|v| v.rsplit_once('.').is_some_and(|(o, _)| o == owner))
                })
            };
            let named = c.name().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                methods.iter().any(|m| {
                    n.strip_suffix(&m.to_ascii_lowercase())
                        .is_some_and(|head| head.len() > 3 && head.ends_with("and"))
                })
            });
            if named && path.as_deref().is_some_and(owner_call) {
                return true;
            }
        }
        // `stream.get().close()`: a release method on what an argument-less call returns, also
        // through a pass-through (`Objects.requireNonNull(response.body()).string()`).
        if path.is_none()
            && c.name().is_some_and(|n| methods.iter().any(|m| m == n))
            && c.receiver()
                .is_some_and(|x| refers_res(res, unwrap_passthrough(self.api, x)))
        {
            return true;
        }
        c.args.iter().enumerate().any(|(i, a)| {
            res.vars.iter().any(|v| refers_to(a, v))
                && (self.api.is_release_fn(c)
                    || res
                        .traits
                        .release_functions
                        .iter()
                        .chain(&res.traits.moved_by)
                        .any(|f| self.api.names(f, c))
                    || self.sums.call_releases_arg(self.unit, c, i, Some(methods))
                    || self.api.project_releases_arg(self.sums, c, i))
        }) || res
            .vars
            .iter()
            .any(|v| self.sums.call_releases_global(self.unit, c, v))
    }

    /// Whether `e` is, or holds, resource `r`: one of its variables or a part of it. Where its
    /// release names the part that holds it (`Body.Close` of an HTTP response), only that part
    /// (`resp.Body`), not another field (`resp.StatusCode`).
    fn passes(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        // A local closure that names it, or releases it, takes it along (`return cleanup`).
        if let ExprKind::Name(n) = &e.peel().kind {
            if let Some(&id) = self.closure_vars.get(n.as_str()) {
                if self.closure_takes(id, r) {
                    return true;
                }
            }
        }
        // A path is in the paths made from it (`filepath.Join(dir, "x")`).
        if res.traits.lent_to_calls {
            return path_from(self.api, e, &|p| res.vars.iter().any(|v| under(p, v)));
        }
        let parts: Vec<&str> = res
            .release
            .iter()
            .filter_map(|m| m.split_once('.').map(|(part, _)| part))
            .collect();
        passes_path(self.api, e, &|p| {
            res.vars.iter().any(|v| {
                p == v
                    || under(p, v)
                        && (parts.is_empty()
                            || parts.contains(&p[v.len() + 1..].split('.').next().unwrap_or("")))
            }) || res.holders.iter().any(|h| under(p, h))
        })
    }

    /// Whether the function passes resource `r` to some call as an argument, other than one
    /// releasing it.
    fn passed_to_call(&self, r: usize) -> bool {
        let mut hit = false;
        each_expr(self.unit, &self.func.body, &mut |e| {
            if let ExprKind::Call(c) = &e.kind {
                hit |= !self.releases(c, r) && c.args.iter().any(|a| self.passes(a, r));
            }
        });
        hit
    }

    /// Whether `v` is what a `reaching_methods` call of resource `r` made (`stmt.executeQuery(q)`),
    /// or a local ever bound to it, through which the caller reaches `r`.
    fn reaches(&self, v: &Expr, r: usize) -> bool {
        let made = |e: &Expr| match &e.peel().kind {
            ExprKind::Call(c) => {
                c.name()
                    .is_some_and(|m| self.api.m.reaching_methods.iter().any(|x| x == m))
                    && c.receiver().is_some_and(|x| refers_res(&self.res[r], x))
            }
            _ => false,
        };
        if made(v) {
            return true;
        }
        let Some(name) = path_of(v.peel()).filter(|p| !p.contains('.')) else {
            return false;
        };
        self.reaching_binds
            .get_or_init(|| {
                let reaching = |v: &Expr| match &v.peel().kind {
                    ExprKind::Call(c) => c
                        .name()
                        .is_some_and(|m| self.api.m.reaching_methods.iter().any(|x| x == m)),
                    _ => false,
                };
                let mut binds: HashMap<String, Vec<&'u Expr>> = HashMap::new();
                crate::model::walk_stmts(&self.func.body, &mut |s| {
                    if let StmtKind::Bind {
                        targets, values, ..
                    } = &s.kind
                    {
                        if targets.len() == values.len() {
                            for (t, v) in targets.iter().zip(values).filter(|(_, v)| reaching(v)) {
                                if let Some(t) = path_of(t) {
                                    binds.entry(t).or_default().push(v);
                                }
                            }
                        }
                    }
                });
                binds
            })
            .get(&name)
            .is_some_and(|vs| vs.iter().any(|v| made(v)))
    }

    /// Whether `v` is a local given the object that owns lock `r` (`db` of `db.rwlock`):
    /// built with it (`&Tx{db: db}`, `newTx(db)`) or handed it (`t.init(db)`).
    fn returned_with_owner(&self, v: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        if !res.traits.lock {
            return false;
        }
        let owners: Vec<&str> = res
            .vars
            .iter()
            .filter_map(|x| x.split_once('.').map(|(o, _)| o))
            .collect();
        let given = |e: &Expr| {
            let mut hit = false;
            e.walk(&mut |x| {
                hit |= matches!(&x.kind, ExprKind::Name(n) if owners.contains(&n.as_str()))
            });
            hit
        };
        let built_with = |v: &Expr| match &v.peel().kind {
            ExprKind::Call(c) => c.args.iter().any(given),
            ExprKind::Construct { fields, .. } => fields.iter().any(|(_, f)| given(f)),
            _ => false,
        };
        if built_with(v) {
            return true;
        }
        let Some(p) = path_of(v).filter(|p| !p.contains('.')) else {
            return false;
        };
        let mut hit = false;
        crate::model::walk_stmts(&self.func.body, &mut |s| match &s.kind {
            StmtKind::Bind {
                targets, values, ..
            } if targets.iter().any(|t| path_of(t).as_deref() == Some(&p)) => {
                hit |= values.iter().any(built_with);
            }
            _ => {
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Call(c) = &x.kind {
                            hit |= c.receiver().and_then(path_of).as_deref() == Some(&p)
                                && c.args.iter().any(given);
                        }
                    });
                }
            }
        });
        hit
    }

    /// Whether closure `id`, or one nested in it, names resource `r` or calls what releases it
    /// (`cmd.Wait()` for a pipe of `cmd`).
    fn closure_takes(&self, id: FuncId, r: usize) -> bool {
        let mut hit = false;
        each_expr(self.unit, &self.unit.functions[id].body, &mut |x| {
            hit |= refers_res(&self.res[r], x)
                || matches!(&x.kind, ExprKind::Call(c) if self.releases(c, r))
        });
        hit
    }

    /// Whether closure `id`, or one nested in it, calls what releases resource `r`.
    fn closure_releases(&self, id: FuncId, r: usize) -> bool {
        let mut hit = false;
        each_expr(self.unit, &self.unit.functions[id].body, &mut |x| {
            hit |= matches!(&x.kind, ExprKind::Call(c) if self.releases(c, r))
        });
        hit
    }

    /// C: whether `e` is the struct that holds the resource in one of its fields (`w` for
    /// `w->ipc`), or the address of another of its fields (`&w->list`): linking the node into a
    /// list or storing it hands over everything it holds.
    fn holder(&self, e: &Expr, r: usize) -> bool {
        if self.api.lang != Lang::C {
            return false;
        }
        let Some(p) = e.path().map(norm) else {
            return false;
        };
        let addressed = matches!(e.kind, ExprKind::Unary(_));
        self.res[r].vars.iter().any(|v| {
            v.split_once('.')
                .is_some_and(|(root, _)| p == root || addressed && under(&p, root))
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
                            || c.name().is_some_and(|n| {
                                res.traits.finished_if.iter().any(|m| m == n)
                                    || res.traits.held_if.iter().any(|m| m == n)
                            });
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
                // `p[0] != 'H'` reads what it holds; it does not test whether it was acquired.
                ExprKind::Closure(_) | ExprKind::Index(..) => {}
                _ => {
                    if let Some(p) = path_of(e) {
                        if res.vars.contains(&p)
                            || self.is_companion(&p, r)
                            || self.is_status(&p, r)
                            || self.holding_part(&p, r)
                        {
                            return true;
                        }
                        // `proc.returncode is None`: whether it has finished, by the data.
                        if self.finished(e, r) {
                            return true;
                        }
                        // `resp.StatusCode`: another field of the resource, not a test of
                        // whether it was acquired.
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

    /// Which branch of a test of whether `r` was acquired is the one where it was not, by
    /// their shape: the branch that does not touch it, when the other does, or when it alone
    /// ends by leaving (`Some(true)` for `then`). `None` when the shape does not tell.
    fn failure_branch(&self, then: &'u Block, otherwise: &'u Block, r: usize) -> Option<bool> {
        let mt = self.mentions_block(then, r);
        let me = self.mentions_block(otherwise, r);
        let xt = ends_with_exit(self.api, then);
        let xe = ends_with_exit(self.api, otherwise);
        match (mt, me, xt, xe) {
            (false, true, _, _) | (false, false, true, false) => Some(true),
            (true, false, _, _) | (false, false, false, true) => Some(false),
            _ => None,
        }
    }

    /// Whether `cond` is a result of the call that acquired `r` other than `r` (a flag it
    /// returned with it), or its negation.
    fn returned_beside(&self, cond: &Expr, r: usize) -> bool {
        match &cond.peel().kind {
            ExprKind::Not(x) => self.returned_beside(x, r),
            ExprKind::Name(n) => self.beside.get(n).is_some_and(|rs| rs.contains(&r)),
            _ => false,
        }
    }

    /// Whether `cond` is one of the function's boolean flags, or its negation.
    fn flag(&self, cond: &Expr) -> bool {
        match &cond.peel().kind {
            ExprKind::Not(x) => self.flag(x),
            ExprKind::Name(n) => self.flags.contains(n.as_str()),
            _ => false,
        }
    }

    /// Whether resource `r` is held when `cond` holds and when it does not, read from its
    /// operators: `err != nil`, `f == nil`, `fd < 0`, `fd == -1`, `p == MAP_FAILED` (the data's
    /// `failure_values`), `!p`, `p.is_null()`, and `&&` / `||` of those. `None` when the
    /// operators do not tell.
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
            // `lock.isHeldByCurrentThread()`: where it holds, the lock is still held.
            ExprKind::Call(c)
                if c.name()
                    .is_some_and(|n| self.res[r].traits.held_if.iter().any(|m| m == n))
                    && c.receiver().is_some_and(|x| refers_res(&self.res[r], x)) =>
            {
                Some((Yes, No))
            }
            ExprKind::Binary(op, a, b) => {
                if let Some(failed) = self.sentinel_failed(a, b, *op, r) {
                    return Some(if failed { (No, Yes) } else { (Yes, No) });
                }
                let (subject, other, op) = if self.subject(a, r, before).is_some() {
                    (a, b, *op)
                } else {
                    (b, a, flip(*op))
                };
                let companion = self.subject(subject, r, before)?;
                let status = path_of(subject.peel()).is_some_and(|p| self.is_status(&p, r));
                let failed_if_true = match (&other.peel().kind, op) {
                    // `ret != 0`, `ret < 0`, `ret == -1`: the status of an acquisition.
                    (ExprKind::Lit(Lit::Num(Some(n))), op) if status => match (op, n) {
                        (BinOp::Ne, 0) | (BinOp::Lt, 0) | (BinOp::Le, -1) | (BinOp::Eq, -1) => true,
                        (BinOp::Eq, 0) | (BinOp::Ge, 0) | (BinOp::Gt, -1) | (BinOp::Ne, -1) => {
                            false
                        }
                        _ => return None,
                    },
                    // An error companion: non-nil, or an errno non-zero, where the call failed.
                    (ExprKind::Lit(Lit::Nil), BinOp::Eq | BinOp::Ne) if companion => {
                        op == BinOp::Ne
                    }
                    (ExprKind::Lit(Lit::Num(Some(0))), BinOp::Ne) if companion => true,
                    (ExprKind::Lit(Lit::Num(Some(0))), BinOp::Eq) if companion => false,
                    // The resource itself: `p == NULL`, `fd < 0`, `p == MAP_FAILED`.
                    _ if !companion => self.api.failed_if(other, op)?,
                    _ => return None,
                };
                Some(if failed_if_true { (No, Yes) } else { (Yes, No) })
            }
            // `os.IsNotExist(err)`: true only of a non-nil error, so where the call failed.
            ExprKind::Call(c)
                if c.args
                    .first()
                    .is_some_and(|a| self.subject(a, r, before) == Some(true))
                    && self
                        .api
                        .m
                        .error_predicates
                        .iter()
                        .any(|p| self.api.names(p, c)) =>
            {
                Some((No, Maybe))
            }
            ExprKind::Call(c)
                if matches!(c.name(), Some("is_null" | "is_none" | "is_err"))
                    && c.receiver()
                        .is_some_and(|x| self.subject(x, r, before) == Some(false)) =>
            {
                Some((No, Yes))
            }
            // `if (ret)`: a status is non-zero where the acquisition failed.
            _ if path_of(e).is_some_and(|p| self.is_status(&p, r)) => Some((No, Yes)),
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
            if self.res[r].vars.contains(&p) || self.is_status(&p, r) || self.holding_part(&p, r) {
                return Some(false);
            }
            return self.is_companion(&p, r).then_some(true);
        }
        (r >= before && matches!(e.kind, ExprKind::Call(_))).then_some(false)
    }

    /// `resp.Body` for a response released by `Body.Close`: the part that holds it, which
    /// `if resp.Body != nil { resp.Body.Close() }` tests like the resource itself.
    fn holding_part(&self, p: &str, r: usize) -> bool {
        let res = &self.res[r];
        res.release.iter().any(|m| {
            m.split_once('.')
                .is_some_and(|(part, _)| res.vars.iter().any(|v| member(p, v, part)))
        })
    }

    /// `x.poll()` or `x.returncode` on resource `r`, where the data says a result tells it is
    /// released.
    fn finished(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        let finishing = |n: &str| res.traits.finished_if.iter().any(|m| m == n);
        match &e.peel().kind {
            ExprKind::Call(c) => {
                c.name().is_some_and(finishing) && c.receiver().is_some_and(|x| refers_res(res, x))
            }
            ExprKind::Field(x, n) => finishing(n) && refers_res(res, x),
            _ => false,
        }
    }

    fn tests_sentinel(&self, cond: &Expr, r: usize) -> bool {
        let mut hit = false;
        cond.walk(&mut |e| {
            hit |= matches!(&e.kind, ExprKind::Name(n) if self.is_sentinel(n, r));
        });
        hit
    }

    /// Whether `a op b` tests a sentinel of resource `r` (see [`Fx::sentinels`]) for a
    /// negative value: `Some(true)` where it holds that the acquisition failed.
    fn sentinel_failed(&self, a: &Expr, b: &Expr, op: BinOp, r: usize) -> Option<bool> {
        let is = |e: &Expr| matches!(&e.peel().kind, ExprKind::Name(n) if self.is_sentinel(n, r));
        let (other, op) = if is(a) {
            (b, op)
        } else if is(b) {
            (a, flip(op))
        } else {
            return None;
        };
        match (&other.peel().kind, op) {
            (ExprKind::Lit(Lit::Num(Some(n))), op) => match (op, n) {
                (BinOp::Lt, 0) | (BinOp::Le, -1) | (BinOp::Eq, -1) => Some(true),
                (BinOp::Ge, 0) | (BinOp::Gt, -1) | (BinOp::Ne, -1) => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn is_sentinel(&self, var: &str, r: usize) -> bool {
        self.sentinels.get(var).is_some_and(|rs| rs.contains(&r))
    }

    fn is_status(&self, var: &str, r: usize) -> bool {
        self.statuses.get(var).is_some_and(|rs| rs.contains(&r))
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
}

/// A test's temporary directory, which the test framework removes: `t.TempDir()`,
/// `b.TempDir()`.
fn test_temp_dir(e: &Expr) -> bool {
    matches!(&e.peel().kind, ExprKind::Call(c)
        if c.name() == Some("TempDir") && c.args.is_empty()
            && c.receiver().and_then(path_of).is_some_and(|r| r != "os" && r != "ioutil"))
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
        // Named results too: what the closure puts there, the function returns.
        out.extend(func.params.iter().map(|p| p.name.as_str()));
        out.extend(func.result_names.iter().map(String::as_str));
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

/// Each name `body` binds, paired with the value it is given there (`a, b = x, y` pairs `a`
/// with `x`), the value's parentheses and casts peeled.
fn named_values<'b>(body: &'b Block, f: &mut impl FnMut(&'b str, &'b Expr)) {
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            for (t, v) in targets.iter().zip(values) {
                if let ExprKind::Name(n) = &t.kind {
                    f(n, v.peel());
                }
            }
        }
    });
}

/// The names `body` sets to a boolean literal: `locked = true`, `ok := false`.
fn bool_flags(body: &Block) -> HashSet<&str> {
    let mut out = HashSet::new();
    named_values(body, &mut |n, v| {
        if matches!(v.kind, ExprKind::Lit(Lit::Bool)) {
            out.insert(n);
        }
    });
    out
}

/// The locals of function `id` bound to a closure: `cleanup := func() { … }`, and Python's
/// nested `def oracle(…)`, whose name is bound where it is defined. Those of the enclosing
/// functions too, which a closure may call (fzf's `exit(…)`, defined beside the loop whose
/// callback locks), unless a nearer one has the same name.
fn closure_vars(unit: &Unit, id: FuncId) -> HashMap<&str, FuncId> {
    let mut out: HashMap<&str, FuncId> = HashMap::new();
    for scope in crate::checks::support::chain(unit, id) {
        let mut own: HashMap<&str, FuncId> = unit
            .functions
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.kind == FnKind::Nested && f.parent == Some(scope) && !f.name.is_empty()
            })
            .map(|(n, f)| (f.name.as_str(), n))
            .collect();
        named_values(&unit.functions[scope].body, &mut |n, v| {
            if let ExprKind::Closure(id) = v.kind {
                own.insert(n, id);
            }
        });
        for (n, f) in own {
            out.entry(n).or_insert(f);
        }
    }
    out
}

/// The locals of `body` bound to what a call returns, with the call's arguments: `unlock :=
/// unlockOnce(&s.mu)`, a function value that a later `unlock()` may call.
fn made_funcs(body: &Block) -> HashMap<&str, Vec<&Expr>> {
    let mut out: HashMap<&str, Vec<&Expr>> = HashMap::new();
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            if let ([t], [v]) = (targets.as_slice(), values.as_slice()) {
                if let (ExprKind::Name(n), ExprKind::Call(c)) = (&t.kind, &v.peel().kind) {
                    out.entry(n.as_str()).or_default().extend(c.args.iter());
                }
            }
        }
    });
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

/// C: the names of `static` locals declared in function `id`, which the frontend lists with
/// the unit's fields (a declaration whose name is where a field of the unit is declared).
fn static_locals(unit: &Unit, id: FuncId) -> HashSet<&str> {
    let mut out = HashSet::new();
    if unit.lang != Lang::C {
        return out;
    }
    let f = &unit.functions[id];
    crate::model::walk_stmts(&f.body, &mut |s| {
        if let StmtKind::Bind {
            targets,
            declared: Some(_),
            ..
        } = &s.kind
        {
            for t in targets {
                if let ExprKind::Name(n) = &t.kind {
                    if unit.fields.iter().any(|p| p.name == *n && p.span == t.span) {
                        out.insert(n.as_str());
                    }
                }
            }
        }
    });
    out
}

/// Java: the names function `id` declares with `var`, which the model gives no type: the
/// statement of a declaration starts before its name, that of an assignment at its target.
fn var_locals(unit: &Unit, id: FuncId) -> HashSet<&str> {
    let mut out = HashSet::new();
    if unit.lang != Lang::Java {
        return out;
    }
    crate::model::walk_stmts(&unit.functions[id].body, &mut |s| {
        if let StmtKind::Bind {
            targets,
            declared: None,
            ..
        } = &s.kind
        {
            for t in targets {
                if let ExprKind::Name(n) = &t.kind {
                    if t.span.start > s.span.start {
                        out.insert(n.as_str());
                    }
                }
            }
        }
    });
    out
}

/// The field of its own object that `e` names inside a function with `receiver`: `this.x`,
/// `self.x`, the receiver's (`s.x`), or, in Java, a bare name not among the function's
/// `locals`.
fn own_field<'e>(
    api: &Api,
    receiver: Option<&crate::model::Param>,
    locals: &HashSet<&str>,
    e: &'e Expr,
) -> Option<&'e String> {
    match &e.peel().kind {
        ExprKind::Field(base, n) => matches!(&base.peel().kind, ExprKind::Name(b)
            if b == "this" || b == "self" || receiver.is_some_and(|r| r.name == *b))
        .then_some(n),
        ExprKind::Name(n) if api.lang == Lang::Java && !locals.contains(n.as_str()) => Some(n),
        _ => None,
    }
}

/// The names a function binds itself: its parameters and the locals it declares with a type.
fn local_names(f: &crate::model::Function) -> HashSet<&str> {
    declared_names(&f.body)
        .into_keys()
        .chain(f.params.iter().map(|p| p.name.as_str()))
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

/// Whether `e` is a path made from one that `accept` takes (`dir`, `filepath.Join(dir, "x")`,
/// `dir + "/x"`, `dir.resolve("x")`, `tmp.toFile()`), or a value holding one (a literal, what
/// a keeping call makes: `NewSpool(dir)`); not what other calls return (`os.MkdirAll(dir, …)`,
/// `len(os.listdir(d))`).
fn path_from(api: &Api, e: &Expr, accept: &dyn Fn(&str) -> bool) -> bool {
    let e = e.peel();
    if let Some(p) = path_of(e) {
        return accept(&p);
    }
    let from = |x: &Expr| path_from(api, x, accept);
    match &e.kind {
        ExprKind::Binary(BinOp::Other, a, b) => from(a) || from(b),
        ExprKind::Other(xs) => xs.iter().any(from),
        ExprKind::Construct { fields, .. } => fields.iter().any(|(_, v)| from(v)),
        ExprKind::Call(c) => {
            let n = c.name().unwrap_or("");
            if n.eq_ignore_ascii_case("join") || api.keeps(c) || api.passthrough(c) {
                return c.args.iter().any(from);
            }
            derives_path(n) && c.receiver().is_some_and(from)
        }
        _ => false,
    }
}

/// Whether a method of a path returns another name for it or a path under it (`toFile`,
/// `getParent`, `resolve`, `normalize`, `absolute`, `joinpath`).
pub(super) fn derives_path(method: &str) -> bool {
    ["to", "get", "resolve", "normalize", "absolute", "joinpath"]
        .iter()
        .any(|p| method.starts_with(p))
}

/// In C, the pointers that pointer arithmetic moves: `p` of `hdr + 1`, `(char *)p + off` and
/// `&tmp[2]`. None for an element read out of an array (`buf[i]`, `buf[0] + 1`).
fn c_interior<'e>(api: &Api, v: &'e Expr) -> Vec<&'e Expr> {
    if api.lang != Lang::C {
        return Vec::new();
    }
    match &v.peel().kind {
        ExprKind::Binary(BinOp::Other, a, b) => [a, b]
            .into_iter()
            .map(|x| x.peel())
            .filter(|x| path_of(x).is_some())
            .collect(),
        // `&tmp[2]` (under `&` or a cast); a bare `tmp[2]` reads an element.
        ExprKind::Index(base, _)
            if matches!(v.kind, ExprKind::Unary(_)) && path_of(base).is_some() =>
        {
            vec![&**base]
        }
        _ => Vec::new(),
    }
}

fn refers_res(res: &Res, e: &Expr) -> bool {
    res.vars.iter().any(|v| refers_to(e, v))
}

/// The statements of `body` that a test asserts failed: one followed by an assertion on the
/// error it bound (`_, err = db.Begin(); assert.Error(t, err)`, `test.Assert(t, err != nil, …)`
/// for rule data `expect_true_calls`, `if err == nil { t.Fatal(…) }`), or by a bare `fail()`
/// (`conn.createStatement(); fail();` inside a `try`). The last statement of a lambda given
/// to an assertion that it throws (`assertThrows(E.class, () -> new Foo(-1))`) fails too.
fn expected_failures(api: &Api, f: &crate::model::Function) -> HashSet<Span> {
    let body = &f.body;
    let mut out = HashSet::new();
    if api.m.expect_failure_calls.is_empty()
        && api.m.expect_raise_scopes.is_empty()
        && api.m.expect_true_calls.is_empty()
        && api.m.test_failure_calls.is_empty()
    {
        return out;
    }
    let asserts_throw = f.passed_to.as_ref().is_some_and(|p| {
        let callee = last_segment(&p.callee);
        api.m
            .expect_raise_scopes
            .iter()
            .any(|e| last_segment(e) == callee)
    });
    if let (true, Some(last)) = (asserts_throw, body.last()) {
        out.insert(last.span);
    }
    let mut stack = vec![body];
    while let Some(b) = stack.pop() {
        for (i, s) in b.iter().enumerate() {
            stack.extend(s.blocks());
            // `with pytest.raises(E): open(missing)`: the body's last statement raises.
            if let StmtKind::Scoped { bindings, body } = &s.kind {
                let expects = bindings.iter().any(|x| {
                    let v = match &x.kind {
                        StmtKind::Expr(e) => Some(e),
                        StmtKind::Bind { values, .. } => values.first(),
                        _ => None,
                    };
                    matches!(v.map(|v| &v.peel().kind), Some(ExprKind::Call(c))
                        if api.in_list(&api.m.expect_raise_scopes, c))
                });
                if let (true, Some(last)) = (expects, body.last()) {
                    out.insert(last.span);
                }
            }
            let Some(next) = b.get(i + 1).map(|n| &n.kind) else {
                continue;
            };
            let bound: Vec<&str> = match &s.kind {
                StmtKind::Bind { targets, .. } => targets
                    .iter()
                    .filter_map(|t| match &t.kind {
                        ExprKind::Name(n) if n != "_" => Some(n.as_str()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            // `err != nil` holds for a name the statement bound.
            let non_nil = |e: &Expr| bound.iter().any(|n| non_nil_on(e, n).0);
            let asserted = match next {
                // `if err == nil { t.Fatal(…) }`: the branch where it succeeded never returns;
                // nor does the one where it failed otherwise than expected, which holds that
                // success (`if !os.IsNotExist(err) { t.Fatalf(…) }`).
                StmtKind::If { cond, then, .. } => {
                    let fails_test = matches!(then.last().map(|s| &s.kind),
                        Some(StmtKind::Expr(e)) if matches!(&e.peel().kind, ExprKind::Call(c)
                            if api.in_list(&api.m.test_failure_calls, c)));
                    bound
                        .iter()
                        .any(|n| non_nil_on(cond, n).1 || negated_test_of(cond, n))
                        && (ends_in_noreturn_call(api, then) || fails_test)
                }
                StmtKind::Expr(next) => {
                    let ExprKind::Call(c) = &next.peel().kind else {
                        continue;
                    };
                    if api.in_list(&api.m.expect_true_calls, c) {
                        c.args.iter().any(non_nil)
                    } else if api.in_list(&api.m.expect_failure_calls, c) {
                        match &s.kind {
                            StmtKind::Bind { .. } => {
                                c.args.is_empty()
                                    || c.args.iter().any(|a| {
                                        matches!(&a.peel().kind, ExprKind::Name(n)
                                            if bound.contains(&n.as_str()))
                                    })
                            }
                            StmtKind::Expr(_) => c.args.is_empty(),
                            _ => false,
                        }
                    } else {
                        false
                    }
                }
                _ => false,
            };
            if asserted {
                out.insert(s.span);
            }
        }
    }
    out
}

/// Whether `cond` is a negated test of `name` (`!os.IsNotExist(err)`, `!errors.Is(err, x)`).
fn negated_test_of(cond: &Expr, name: &str) -> bool {
    matches!(&cond.peel().kind, ExprKind::Not(x) if matches!(&x.peel().kind, ExprKind::Call(c)
        if c.args.iter().any(|a| matches!(&a.peel().kind, ExprKind::Name(n) if n == name))))
}

fn catch_return(lang: Lang) -> String {
    match lang {
        Lang::Python => "returns from the `except` block here".into(),
        _ => "returns from the `catch` block here".into(),
    }
}

/// Whether `a` and `b` lie in the `then` branches of two different `if`s whose tests require
/// one path to equal two different constants (`family == AF_INET && …` and `family ==
/// AF_INET6`), or a C predicate macro of the same unassigned values to hold and not to hold
/// (`IN_MULTICAST(ntohl(mcast))` and `!IN_MULTICAST(ntohl(mcast)) && …`): no path runs
/// through both, so what the first acquired is not overwritten, or left by a `continue`, at
/// the second.
fn exclusive_branches(body: &[Stmt], a: Span, b: Span) -> bool {
    let (mut ga, mut gb) = (then_guards(body, a), then_guards(body, b));
    if ga
        .iter()
        .chain(&gb)
        .any(|(_, eqs)| eqs.iter().any(|(_, v)| v.ends_with(PREDICATE)))
    {
        // A predicate holds the same at both only if nothing it reads is assigned.
        let assigned = assigned_roots(body);
        for (_, eqs) in ga.iter_mut().chain(gb.iter_mut()) {
            eqs.retain(|(p, v)| !v.ends_with(PREDICATE) || !reads_any(p, &assigned));
        }
    }
    ga.iter().any(|(ia, ea)| {
        gb.iter().any(|(ib, eb)| {
            ia != ib
                && ea
                    .iter()
                    .any(|(p, x)| eb.iter().any(|(q, y)| p == q && x != y))
        })
    })
}

/// The `if`s whose `then` branch holds `at`, innermost last, each with the equalities of a
/// path to a constant its test requires.
fn then_guards(block: &[Stmt], at: Span) -> Vec<(Span, Vec<(String, String)>)> {
    enclosing_thens(block, at)
        .into_iter()
        .map(|(s, cond, _)| {
            let mut eqs = Vec::new();
            required_equalities(cond, &mut eqs);
            (s.span, eqs)
        })
        .collect()
}

/// The `if` statements whose `then` branch holds `at`, outermost first, with their test and
/// that branch.
fn enclosing_thens(block: &[Stmt], at: Span) -> Vec<(&Stmt, &Expr, &Block)> {
    let within = |s: &Stmt| s.span.start <= at.start && at.end <= s.span.end;
    let mut out = Vec::new();
    let mut block = block;
    while let Some(s) = block.iter().find(|s| within(s)) {
        block = match &s.kind {
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                if then.iter().any(within) {
                    out.push((s, cond, then));
                    then
                } else {
                    otherwise
                }
            }
            _ => match s.blocks().into_iter().find(|b| b.iter().any(within)) {
                Some(b) => b,
                None => break,
            },
        };
    }
    out
}

/// The value [`required_equalities`] gives a predicate macro's call that must hold; one that
/// must not hold gets the value `!` + this.
const PREDICATE: &str = "holds";

/// `x == C` conjuncts of a test (`&&`), where `C` is a number, a string or a constant's name
/// (`AF_INET`): `(path, constant)`; and C predicate macros that must or must not hold
/// (`IN_MULTICAST(ntohl(a))`): `(call as written, "holds" or "!holds")`.
fn required_equalities(cond: &Expr, out: &mut Vec<(String, String)>) {
    match &cond.peel().kind {
        ExprKind::Binary(BinOp::And, l, r) => {
            required_equalities(l, out);
            required_equalities(r, out);
        }
        ExprKind::Call(c) if macro_name(&c.func) => {
            out.extend(call_text(cond).map(|t| (t, PREDICATE.to_string())))
        }
        ExprKind::Not(x) => {
            if let ExprKind::Call(c) = &x.peel().kind {
                if macro_name(&c.func) {
                    out.extend(call_text(x).map(|t| (t, format!("!{PREDICATE}"))));
                }
            }
        }
        ExprKind::Binary(BinOp::Eq, l, r) => {
            let constant = |e: &Expr| match &e.peel().kind {
                ExprKind::Lit(Lit::Num(Some(n))) => Some(n.to_string()),
                ExprKind::Lit(Lit::Str(s)) => Some(format!("{s:?}")),
                ExprKind::Name(n) if macro_name(e) && n.bytes().any(|b| b.is_ascii_uppercase()) => {
                    Some(n.clone())
                }
                _ => None,
            };
            let pair = match (path_of(l), constant(r)) {
                (Some(p), Some(c)) => Some((p, c)),
                _ => path_of(r).zip(constant(l)),
            };
            out.extend(pair);
        }
        _ => {}
    }
}

/// Whether a Java value of declared type `t` cannot hold an open resource: a primitive, its
/// box, a string, or a collection, optional or array of those (`long`, `List<String>`).
fn plain_data(t: &str) -> bool {
    const PLAIN: &[&str] = &[
        "int",
        "long",
        "short",
        "byte",
        "char",
        "boolean",
        "double",
        "float",
        "Integer",
        "Long",
        "Short",
        "Byte",
        "Character",
        "Boolean",
        "Double",
        "Float",
        "String",
        "List",
        "Set",
        "Map",
        "Collection",
        "Optional",
        "ArrayList",
        "HashMap",
        "HashSet",
    ];
    let t = t.trim_end_matches("[]");
    let (base, args) = match t.split_once('<') {
        Some((b, rest)) => (b, rest.strip_suffix('>').unwrap_or(rest)),
        None => (t, ""),
    };
    if !PLAIN.contains(&last_segment(base)) {
        return false;
    }
    // The type arguments, split at the commas outside nested ones.
    let (mut depth, mut from) = (0, 0);
    for (i, ch) in args.char_indices() {
        match ch {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => {
                if !plain_data(&args[from..i]) {
                    return false;
                }
                from = i + 1;
            }
            _ => {}
        }
    }
    args[from..].is_empty() || plain_data(&args[from..])
}

/// The nil tests (`(path, is nil)`) that `cond` requires, or with `negated` that its negation
/// requires: `a == nil && b == nil` requires both, `!(a != nil)` requires `a == nil`. `None`
/// for any other test (a negated conjunction requires no one of its parts).
fn nil_tests(cond: &Expr, negated: bool, out: &mut Vec<(String, bool)>) -> Option<()> {
    match &cond.peel().kind {
        ExprKind::Binary(BinOp::And, l, r) if !negated => {
            nil_tests(l, false, out)?;
            nil_tests(r, false, out)
        }
        ExprKind::Binary(BinOp::Or, l, r) if negated => {
            nil_tests(l, true, out)?;
            nil_tests(r, true, out)
        }
        ExprKind::Not(x) => nil_tests(x, !negated, out),
        ExprKind::Binary(op @ (BinOp::Eq | BinOp::Ne), l, r) => {
            let is_nil = |e: &Expr| matches!(e.peel().kind, ExprKind::Lit(Lit::Nil));
            let path = if is_nil(r) {
                path_of(l)
            } else if is_nil(l) {
                path_of(r)
            } else {
                None
            }?;
            out.push((path, (*op == BinOp::Eq) != negated));
            Some(())
        }
        _ => None,
    }
}

/// A call of paths and calls, as written (`IN_MULTICAST(ntohl(mcast))`); `None` for anything
/// else.
fn call_text(e: &Expr) -> Option<String> {
    match &e.peel().kind {
        ExprKind::Call(c) => {
            let args: Option<Vec<String>> = c.args.iter().map(call_text).collect();
            Some(format!("{}({})", path_of(&c.func)?, args?.join(",")))
        }
        _ => path_of(e),
    }
}

/// The first segments of the paths a body assigns anywhere (`fd`, `addr` of `addr.port = p`).
fn assigned_roots(body: &[Stmt]) -> HashSet<String> {
    let mut out = HashSet::new();
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind { targets, .. } = &s.kind {
            out.extend(
                targets
                    .iter()
                    .filter_map(path_of)
                    .map(|p| root_of(&p).to_string()),
            );
        }
    });
    out
}

fn root_of(p: &str) -> &str {
    p.split('.').next().unwrap_or(p)
}

/// Whether the call text `text` reads a name among `names` (`mcast` of `IN_MULTICAST(ntohl(mcast))`).
fn reads_any(text: &str, names: &HashSet<String>) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .any(|w| names.contains(root_of(w)))
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
