//! Summaries of the functions of the same file: which release, keep or return a resource,
//! and which acquire into fields paired with a function that releases them.

use super::*;

// ----- summaries -----

/// A same-file function that stores fresh resources into fields or globals and reports success.
pub(super) struct Storage {
    pub(super) acquirer: String,
    pub(super) fields: BTreeSet<String>,
    /// The parameter whose fields they are, when all are one's (`str->data` of `cstr_alloc(str,
    /// n)`).
    pub(super) object: Option<usize>,
    /// Functions that release every one of the fields, and functions that call those.
    pub(super) releasers: HashSet<String>,
}

#[derive(Default)]
pub(super) struct Summaries {
    pub(super) by_name: HashMap<String, Vec<FuncId>>,
    /// What a function does with each of its parameters.
    pub(super) effects: HashMap<FuncId, Vec<Effects>>,
    /// Functions that return a fresh resource.
    pub(super) returns: HashMap<FuncId, Spec>,
    /// Globals a function releases itself, not through a parameter (C's
    /// `pthread_mutex_unlock(&lru_locks[i])` in a helper given `i`).
    pub(super) releases_globals: HashMap<FuncId, BTreeSet<String>>,
    /// Parts of its own object a method releases (`mu` of Go's `s.mu.Unlock()`).
    pub(super) releases_own: HashMap<FuncId, BTreeSet<String>>,
    /// Functions that acquire into a parameter.
    pub(super) out_param: HashMap<FuncId, Spec>,
    /// Functions whose result, on some path, is an allocation they record in a structure
    /// they were given (an arena: `e->next = a->list; a->list = e; return e + 1;`), or what
    /// such a function returned: whose it is depends on the arguments, so it is not a fresh
    /// resource of the caller's.
    pub(super) owned_by_arg: HashSet<FuncId>,
    /// Java: functions that cannot throw, their whole body inside a `try` whose
    /// handler catches everything and does not raise again (`static void close(ResultSet rs)
    /// { try { rs.close(); } catch (Throwable e) {} }`).
    pub(super) nothrow: HashSet<FuncId>,
    /// Functions that never return: no `return` anywhere, and every path ends in a call that
    /// does not return (`static void die(const char *m) { perror(m); exit(1); }`).
    pub(super) noreturn: HashSet<FuncId>,
    pub(super) storage: Vec<Storage>,
    pub(super) storage_of: HashMap<String, usize>,
    /// [`Summaries::local_acquisitions`] of each function asked, while the summaries they
    /// depend on stay the same (emptied when a round of [`Summaries::build`] ends).
    held: std::cell::RefCell<HashMap<FuncId, std::rc::Rc<Held>>>,
}

/// What a function does with one of its parameters.
#[derive(Clone, Default, PartialEq)]
pub(super) struct Effects {
    pub(super) releases: bool,
    /// Kept, returned or passed on.
    pub(super) keeps: bool,
    /// Released only by these methods, which release some kinds alone (`read()` of an
    /// `urlopen` response).
    pub(super) only_by: Vec<String>,
}

/// The variables a function binds to what it acquires, with what each acquired.
type Held = Vec<(String, Spec)>;

impl Summaries {
    /// The file's functions by name, and nothing else known of them yet.
    pub(super) fn names(unit: &Unit) -> Summaries {
        let mut s = Summaries::default();
        for (id, f) in unit.functions.iter().enumerate() {
            if matches!(f.kind, FnKind::Function | FnKind::Method | FnKind::Nested)
                && !f.name.is_empty()
            {
                s.by_name.entry(f.name.clone()).or_default().push(id);
            }
        }
        s
    }

    /// `names`: [`Summaries::names`] of the file. `acquiring`: the functions that acquire
    /// through the API or the project; only those and the functions that call one of the
    /// file's own can return or hand out a resource.
    pub(super) fn build(api: &Api, unit: &Unit, names: Summaries, acquiring: &[bool]) -> Summaries {
        let mut s = names;
        // What a function does with its parameters, whether it can throw or return, is only
        // asked by a call in this file (`callees`): the others are not worked out.
        let (called, own_calls) = called_names(unit, &s.by_name);
        let asked = |id: FuncId| called.contains(unit.functions[id].name.as_str());
        // A summary reads the others only through calls of the file's own functions, made by
        // the function or a closure in it (`reaches[id]`, their names).
        let mut reaches: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); unit.functions.len()];
        for (id, names) in own_calls.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
            for f in crate::checks::support::chain(unit, id) {
                reaches[f].extend(names.iter().copied());
            }
        }
        // The first round sees no helper's summary, the next ones (up to four in all) see
        // helpers of helpers (`jsonNewString` returns what `jsonNew` returned after `jsonAdd`
        // linked it into its parent). A round works out again only the functions that reach
        // one whose summary the last round changed (all that reach one, after the first): what
        // it does with its parameters, or whether it returns or fills a resource.
        let mut changed: Option<HashSet<&str>> = None;
        for round in 0..4 {
            let mut effects = HashMap::new();
            let mut returns = HashMap::new();
            let mut out_param = HashMap::new();
            let mut owned_by_arg = HashSet::new();
            let mut now_changed: HashSet<&str> = HashSet::new();
            for ids in s.by_name.values() {
                for &id in ids {
                    let again = match &changed {
                        _ if round == 0 => true,
                        None => !reaches[id].is_empty(),
                        Some(ch) => reaches[id].iter().any(|n| ch.contains(n)),
                    };
                    if !again {
                        if let Some(e) = s.effects.get(&id) {
                            effects.insert(id, e.clone());
                        }
                        if let Some(r) = s.returns.get(&id) {
                            returns.insert(id, r.clone());
                        }
                        if let Some(o) = s.out_param.get(&id) {
                            out_param.insert(id, o.clone());
                        }
                        if s.owned_by_arg.contains(&id) {
                            owned_by_arg.insert(id);
                        }
                        continue;
                    }
                    let f = &unit.functions[id];
                    if asked(id) {
                        let e = f.params.iter();
                        let e = e.map(|p| s.param_effects(api, unit, id, &p.name));
                        effects.insert(id, e.collect());
                    }
                    // A result may be exported as a fact, so it is worked out whether or not
                    // the file calls the function; only one that acquires, or calls one of the
                    // file's own, can return a resource.
                    let (ret, out) = if acquiring[id] || !own_calls[id].is_empty() {
                        s.acquirer(api, unit, id)
                    } else {
                        (None, None)
                    };
                    let owned = (ret.is_some() || asked(id)) && s.returns_kept(api, unit, id);
                    if owned {
                        owned_by_arg.insert(id);
                    }
                    if let (Some(r), false) = (ret, owned) {
                        returns.insert(id, r);
                    }
                    if let Some(o) = out {
                        out_param.insert(id, o);
                    }
                    if round > 0
                        && (s.effects.get(&id) != effects.get(&id)
                            || s.returns.contains_key(&id) != returns.contains_key(&id)
                            || s.out_param.contains_key(&id) != out_param.contains_key(&id)
                            || s.owned_by_arg.contains(&id) != owned_by_arg.contains(&id))
                    {
                        now_changed.insert(f.name.as_str());
                    }
                }
            }
            s.effects = effects;
            s.returns = returns;
            s.out_param = out_param;
            s.owned_by_arg = owned_by_arg;
            s.held.borrow_mut().clear();
            if round > 0 && now_changed.is_empty() {
                break;
            }
            changed = (round > 0).then_some(now_changed);
        }
        let named = |keep: &dyn Fn(&Block) -> bool| -> HashSet<FuncId> {
            s.by_name
                .values()
                .flatten()
                .copied()
                .filter(|&id| asked(id) && keep(&unit.functions[id].body))
                .collect()
        };
        let nothrow = named(&|b| api.lang == Lang::Java && swallows_everything(b));
        let noreturn = named(&|b| never_returns(api, b));
        s.nothrow = nothrow;
        s.noreturn = noreturn;
        s.build_storage(api, unit);
        s.build_global_releases(api, unit);
        s.held.borrow_mut().clear();
        s
    }

    /// Whether every function of the file this call may reach never returns.
    pub(super) fn call_noreturn(&self, unit: &Unit, c: &Call) -> bool {
        self.all_callees_in(unit, c, &self.noreturn)
    }

    /// Whether every function of the file this call may reach cannot throw.
    pub(super) fn call_nothrow(&self, unit: &Unit, c: &Call) -> bool {
        self.all_callees_in(unit, c, &self.nothrow)
    }

    /// Whether the file defines this call's callee and every definition is in `set`.
    fn all_callees_in(&self, unit: &Unit, c: &Call, set: &HashSet<FuncId>) -> bool {
        let mut any = false;
        for (id, _) in self.callees(unit, c) {
            if !set.contains(&id) {
                return false;
            }
            any = true;
        }
        any
    }

    /// [`Summaries::releases_globals`] and [`Summaries::releases_own`]: what each function's
    /// release calls and release methods release that is neither a parameter nor a local of
    /// it, or that is a part of its own object.
    fn build_global_releases(&mut self, api: &Api, unit: &Unit) {
        let release_methods: HashSet<&str> = api
            .m
            .release_methods
            .iter()
            .chain(api.m.acquire.iter().flat_map(|a| &a.release))
            .map(String::as_str)
            .collect();
        for ids in self.by_name.values() {
            for &id in ids {
                let f = &unit.functions[id];
                let own = local_names(f);
                // The function's own object: Go's receiver, Python's `self`.
                let me = f
                    .receiver
                    .as_ref()
                    .map(|r| r.name.as_str())
                    .or_else(|| f.params.first().map(|p| p.name.as_str()))
                    .filter(|n| f.receiver.is_some() || *n == "self");
                let mut set = BTreeSet::new();
                let mut mine = BTreeSet::new();
                each_expr(unit, &f.body, &mut |e| {
                    let ExprKind::Call(c) = &e.kind else {
                        return;
                    };
                    // `s.mu.Unlock()`, `self.lock.release()`, a Java field's `lock.unlock()`.
                    let method = c.name().is_some_and(|n| release_methods.contains(n));
                    if let (true, Some(p)) = (method, c.receiver().and_then(path_of)) {
                        let root = p.split('.').next().unwrap_or(&p);
                        match me.filter(|m| *m == root) {
                            Some(m) if p.len() > m.len() => {
                                mine.insert(p[m.len() + 1..].to_string());
                            }
                            Some(_) => {}
                            None if !own.contains(root) => {
                                set.insert(p);
                            }
                            None => {}
                        }
                        return;
                    }
                    if !api.is_release_fn(c) {
                        return;
                    }
                    for a in &c.args {
                        // `&lru_locks[i]`: the array, as the lock's holder names it.
                        let mut a = a.peel();
                        while let ExprKind::Index(base, _) = &a.kind {
                            a = base.peel();
                        }
                        if let Some(p) = path_of(a) {
                            let root = p.split('.').next().unwrap_or(&p);
                            if !own.contains(root) {
                                set.insert(p);
                            }
                        }
                    }
                });
                if !set.is_empty() {
                    self.releases_globals.insert(id, set);
                }
                if !mine.is_empty() {
                    self.releases_own.insert(id, mine);
                }
            }
        }
    }

    /// Whether a call of a same-file function releases `var` itself: a global (or a Java
    /// field) it names, or a part of the object it is called on (`s.grantAndUnlock()`
    /// unlocking `s.mu`).
    pub(super) fn call_releases_global(&self, unit: &Unit, c: &Call, var: &str) -> bool {
        let on = c.receiver().and_then(path_of);
        self.callees(unit, c).any(|(id, _)| {
            self.releases_globals
                .get(&id)
                .is_some_and(|set| set.iter().any(|p| p == var))
                || on.as_deref().is_some_and(|on| {
                    self.releases_own.get(&id).is_some_and(|set| {
                        set.iter().any(|part| {
                            var.len() == on.len() + 1 + part.len()
                                && var.starts_with(on)
                                && var[on.len()..].starts_with('.')
                                && var.ends_with(part.as_str())
                        })
                    })
                })
        })
    }

    /// The same-file functions a call may reach, each with the offset of its first argument
    /// among the parameters (a Go receiver or a Python `self` comes first).
    pub(super) fn callees<'a>(
        &'a self,
        unit: &'a Unit,
        c: &'a Call,
    ) -> impl Iterator<Item = (FuncId, usize)> + 'a {
        let name = c.name().unwrap_or("");
        // Java's `IOUtils.lineIterator(in, cs)` is a static method of that class, not the
        // file's own `lineIterator` of another class.
        let other_class =
            class_receiver(unit.lang, c).is_some_and(|q| unit.type_named(q).is_none());
        let defs = self.by_name.get(name).filter(|_| !other_class);
        // `self._kill_process(p)` in a class that defines `_kill_process` is that class's, not
        // another class's method of the same name.
        let own = defs
            .filter(|d| d.len() > 1)
            .and_then(|d| own_class_method(unit, c, d));
        defs.into_iter()
            .flatten()
            .filter(move |&&id| own.is_none_or(|o| o == id))
            // In Go and Python a same-file function is called unqualified: `s.connect()` is a
            // method, not the module's `connect`.
            .filter(move |&&id| {
                let f = &unit.functions[id];
                !(matches!(unit.lang, Lang::Go | Lang::Python)
                    && c.receiver().is_some()
                    && f.kind != FnKind::Method)
                    // Java overloads by arity: `socket.connect(addr, timeout)` is not the
                    // file's own `connect(int timeout)`. Varargs (`T...`, lowered as `T[]`)
                    // take any number.
                    && (unit.lang != Lang::Java
                        || f.params.len() == c.args.len()
                        || f.params.last().is_some_and(|p| {
                            p.ty.as_ref().is_some_and(|t| t.0.ends_with("[]"))
                        }))
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

    /// Whether a same-file function releases its argument `i`. `methods`: how the resource
    /// given is released, when known; a function that releases the parameter only by a method
    /// of another kind (`read()` of an `urlopen` response, given a file) does not release it.
    pub(super) fn call_releases_arg(
        &self,
        unit: &Unit,
        c: &Call,
        i: usize,
        methods: Option<&[String]>,
    ) -> bool {
        self.callees(unit, c)
            .any(|(id, off)| self.released(id, i + off, methods) == Some(true))
    }

    /// What function `id` does with its parameter `k`, if it was worked out.
    pub(super) fn effect(&self, id: FuncId, k: usize) -> Option<&Effects> {
        self.effects.get(&id)?.get(k)
    }

    /// Whether function `id` releases its parameter `k` (see [`Summaries::call_releases_arg`]).
    fn released(&self, id: FuncId, k: usize, methods: Option<&[String]>) -> Option<bool> {
        let e = self.effect(id, k)?;
        let other_kind = methods
            .is_some_and(|ms| !e.only_by.is_empty() && !e.only_by.iter().any(|m| ms.contains(m)));
        Some(e.releases && !other_kind)
    }

    /// Whether passing argument `i` to this call only lends it: the file defines the callee and
    /// no definition keeps or releases that parameter (`methods`: see
    /// [`Summaries::call_releases_arg`]).
    pub(super) fn call_borrows_arg(
        &self,
        unit: &Unit,
        c: &Call,
        i: usize,
        methods: Option<&[String]>,
    ) -> bool {
        let mut any = false;
        for (id, off) in self.callees(unit, c) {
            any = true;
            let kept = self.effect(id, i + off).map(|e| e.keeps);
            if kept != Some(false) || self.released(id, i + off, methods) != Some(false) {
                return false;
            }
        }
        any
    }

    /// Whether argument `i` of this call is only lent. For a function the file defines, its
    /// definitions tell (`methods`: see [`Summaries::call_releases_arg`]); for any other, the
    /// data's borrowing calls (`copy`, `write`) do, unless the project's summary of the callee
    /// says it releases the argument.
    pub(super) fn lends_arg(
        &self,
        api: &Api,
        unit: &Unit,
        c: &Call,
        i: usize,
        methods: Option<&[String]>,
    ) -> bool {
        if self.callees(unit, c).next().is_some() {
            // C: a pointer's address given to a keeping call (`vec_push(&strs, &str)`) has the
            // pointer itself copied into the container, whatever the callee does with the
            // bytes it points at.
            let address = || {
                c.args
                    .get(i)
                    .is_some_and(|a| matches!(a.kind, ExprKind::Unary(_)))
            };
            if api.lang == Lang::C && api.keeps(c) && address() {
                return false;
            }
            self.call_borrows_arg(unit, c, i, methods)
        } else {
            // A method of the file's own classes with no body here (`native`, abstract) is
            // not the data's call of its name; the project's own `Streams.copy` may close
            // what it is given, as the data's `copy` does not.
            let own_declared = api.lang == Lang::Java
                && c.receiver().is_none()
                && c.name()
                    .is_some_and(|n| unit.types.iter().any(|t| t.method(n).is_some()));
            !own_declared && api.borrows(c) && !api.project_releases_arg(self, c, i)
        }
    }

    /// What function `id` does with its parameter `p`.
    pub(super) fn param_effects(&self, api: &Api, unit: &Unit, id: FuncId, p: &str) -> Effects {
        if p.is_empty() || p == "self" || p == "cls" {
            return Effects {
                keeps: true,
                ..Effects::default()
            };
        }
        let f = &unit.functions[id];
        let mut releases = false;
        let mut keeps = false;
        let mut only_by: Vec<String> = Vec::new();
        let refers = |e: &Expr| refers_to(e, p);
        crate::model::walk_stmts(&f.body, &mut |s| {
            match &s.kind {
                StmtKind::Return(vs) => keeps |= vs.iter().any(|v| passes_var(api, v, p)),
                StmtKind::Bind {
                    targets, values, ..
                } => {
                    keeps |= values.iter().any(|v| passes_var(api, v, p));
                    // `this.key = p.register(selector)`: what a method of it returns, stored,
                    // holds on to it.
                    keeps |= targets.len() == values.len()
                        && targets.iter().zip(values).any(|(t, v)| {
                            !matches!(t.kind, ExprKind::Name(_))
                                && matches!(&v.peel().kind, ExprKind::Call(c)
                                    if c.receiver().is_some_and(|x| passes_var(api, x, p)))
                        });
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
                        // `p()`: a parameter called, where calling is a release (Go's
                        // `context.CancelFunc`).
                        if api.releases_by_calling()
                            && matches!(&c.func.peel().kind, ExprKind::Name(n) if n == p)
                        {
                            releases = true;
                        }
                        // `p.Close()`: the method is checked first, so that the receiver's path
                        // is only built for release methods.
                        if let ExprKind::Field(base, m) = &c.func.peel().kind {
                            // `p.Close()`, and `p.Body.Close()` for what `p` owns.
                            if api.releases_some_kind(m)
                                && path_of(base).is_some_and(|b| under(&b, p))
                            {
                                if api.m.release_methods.iter().any(|r| r == m) {
                                    releases = true;
                                } else if !only_by.iter().any(|r| r == m) {
                                    only_by.push(m.clone());
                                }
                            }
                        }
                        for (i, a) in c.args.iter().enumerate() {
                            if !refers(a) {
                                continue;
                            }
                            if api.is_release_fn(c)
                                || self.call_releases_arg(unit, c, i, None)
                                || api.project_releases_arg(self, c, i)
                            {
                                releases = true;
                            } else if passes_var(api, a, p)
                                && !api.lends_args(c)
                                && !self.lends_arg(api, unit, c, i, None)
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
        if releases {
            only_by.clear();
        }
        Effects {
            releases: releases || !only_by.is_empty(),
            keeps,
            only_by,
        }
    }

    /// An acquisition bound to a local in a Bind of function `id`: `(variable, spec)`.
    pub(super) fn local_acquisitions(
        &self,
        api: &Api,
        unit: &Unit,
        id: FuncId,
    ) -> std::rc::Rc<Held> {
        if let Some(h) = self.held.borrow().get(&id) {
            return h.clone();
        }
        let h = std::rc::Rc::new(self.find_local_acquisitions(api, unit, id));
        self.held.borrow_mut().insert(id, h.clone());
        h
    }

    fn find_local_acquisitions(&self, api: &Api, unit: &Unit, id: FuncId) -> Held {
        let mut found = Vec::new();
        let f = &unit.functions[id];
        let locals = local_names(f);
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
                    // In Java a bare name assigned without a declaration is a field (`archive =
                    // new JarFile(…)`) or a `var` local, in C it may be a global: a helper that
                    // returns it is not known to hand out a fresh resource.
                    let stored = match (&t.kind, api.lang) {
                        (ExprKind::Name(n), Lang::Java) => !locals.contains(n.as_str()),
                        (ExprKind::Name(n), Lang::C) => {
                            !locals.contains(n.as_str()) && unit.fields.iter().any(|f| f.name == *n)
                        }
                        (ExprKind::Name(_), _) => false,
                        // `g.db = connect(…)`: stored, and a helper that returns it hands out
                        // what it keeps, not a fresh resource.
                        _ => true,
                    };
                    if let (Some(v), false) = (path_of(t), stored) {
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
    pub(super) fn acquirer(
        &self,
        api: &Api,
        unit: &Unit,
        id: FuncId,
    ) -> (Option<Spec>, Option<Spec>) {
        let f = &unit.functions[id];
        let held = self.local_acquisitions(api, unit, id);
        let mut ret = None;
        // `if (fd < 0) return fd;` returns the error, not the resource: a function whose
        // other returns are statuses acquires nothing for its caller.
        let mut failed = HashSet::new();
        let names: Vec<&str> = held.iter().map(|(h, _)| h.as_str()).collect();
        failed_returns(api, &f.body, &names, &[], &mut failed);
        // C: an integer variable also given what another call returns (`res = close(res)`,
        // `res = mkdirat(…)`) holds a status on those paths: returning it hands out no
        // certain resource. (A pointer given another call's result, `p = realloc(p, n)`,
        // still points at memory.)
        let mut statuses = HashSet::new();
        if api.lang == Lang::C && !held.is_empty() {
            let mut pointers = HashSet::new();
            crate::model::walk_stmts(&f.body, &mut |s| {
                if let StmtKind::Bind {
                    targets,
                    values,
                    declared,
                } = &s.kind
                {
                    if declared.as_ref().is_some_and(|t| t.0.contains('*')) {
                        pointers.extend(targets.iter().filter_map(path_of));
                    }
                    if let ([t], [v]) = (targets.as_slice(), values.as_slice()) {
                        let call = matches!(v.peel().kind, ExprKind::Call(_));
                        if call && super::api::acquisition(api, self, unit, v, None).is_none() {
                            statuses.extend(path_of(t));
                        }
                    }
                }
            });
            statuses.retain(|p| !pointers.contains(p));
        }
        // Where the resource is returned: the variable, if any, and how many values.
        let mut how: Option<(Option<String>, usize)> = None;
        crate::model::walk_stmts(&f.body, &mut |s| {
            // `return socket.create_connection(addr)`: the helper's result is the resource,
            // as it would be through a variable.
            if let (StmtKind::Return(vs), None) = (&s.kind, &ret) {
                if let [v] = vs.as_slice() {
                    let v = v.peel();
                    if matches!(v.kind, ExprKind::Call(_)) {
                        if let Some(mut spec) = super::api::acquisition(api, self, unit, v, None)
                            .filter(|s| s.binds_result() && !s.traits.lock)
                        {
                            spec.out_arg = None;
                            spec.receiver = false;
                            spec.callee = f.name.clone();
                            ret = Some(spec);
                            how = Some((None, 1));
                            return;
                        }
                    }
                }
            }
            if held.is_empty() {
                return;
            }
            if let StmtKind::Return(vs) = &s.kind {
                // Go's bare `return` returns the named results.
                let returned: Vec<Option<String>> = if vs.is_empty() && api.lang == Lang::Go {
                    f.result_names.iter().cloned().map(Some).collect()
                } else {
                    vs.iter()
                        .map(|v| {
                            let v = unwrap_passthrough(api, v);
                            path_of(wrapped_in_own_type(api, unit, v, &held).unwrap_or(v))
                        })
                        .collect()
                };
                for (k, p) in returned.into_iter().enumerate() {
                    let p = p.filter(|p| {
                        !failed.contains(&(s.span.start, p.clone())) && !statuses.contains(p)
                    });
                    if let Some(p) = p {
                        if let Some((_, spec)) = held.iter().find(|(h, _)| *h == p) {
                            // One that the helper also keeps (a global table, a
                            // `t.Cleanup(func() { f.Close() })`) is not the caller's alone.
                            if ret.is_none()
                                && !self.kept_elsewhere(api, unit, f, &p)
                                && !released_first(api, f, &p, spec)
                            {
                                let mut spec = spec.clone();
                                spec.results = vec![k];
                                spec.out_arg = None;
                                spec.receiver = false;
                                spec.err_result = (api.lang == Lang::Go
                                    && f.results.len() > 1
                                    && f.results.last().is_some_and(crate::index::go_error_type))
                                .then(|| f.results.len() - 1);
                                spec.callee = f.name.clone();
                                ret = Some(spec);
                                how = Some((Some(p), vs.len().max(1)));
                            }
                        }
                    }
                }
            }
        });
        if let (Some(spec), Some((var, arity))) = (&ret, &how) {
            let k = spec.results.first().copied().unwrap_or(0);
            if api.lang != Lang::C && self.mixed_result(api, unit, id, var.as_deref(), k, *arity) {
                ret = None;
            }
            // C: a variable also given the caller's buffer (`output = dest;` where `dest` was
            // not NULL) returns that buffer on those paths, which the caller keeps.
            if api.lang == Lang::C && var.as_deref().is_some_and(|v| given_param(f, v)) {
                ret = None;
            }
        }
        // What the runtime reclaims unreleased (a Go 1.23 ticker) gives its caller nothing to
        // release either.
        if ret.as_ref().is_some_and(|s| s.traits.reclaimed) {
            ret = None;
        }
        // Only C and Rust write through a parameter; elsewhere assigning one is local.
        let writes_through = matches!(api.lang, Lang::C | Lang::Rust);
        let out = f.params.iter().enumerate().find_map(|(i, p)| {
            if !writes_through || held.is_empty() {
                return None;
            }
            let (_, spec) = held.iter().find(|(h, _)| *h == p.name)?;
            // `wc = xmalloc(…)` on the parameter itself rebinds a local copy; only `*p = …`
            // (or a call that fills `p`) reaches the caller.
            let mut rebound = false;
            crate::model::walk_stmts(&f.body, &mut |s| {
                if let StmtKind::Bind { targets, .. } = &s.kind {
                    rebound |= targets
                        .iter()
                        .any(|t| matches!(&t.kind, ExprKind::Name(n) if *n == p.name));
                }
            });
            if rebound {
                return None;
            }
            let mut spec = spec.clone();
            spec.out_arg = Some(i);
            spec.results = Vec::new();
            spec.err_result = None;
            spec.callee = f.name.clone();
            Some(spec)
        });
        (ret, out)
    }

    /// Whether the resource a helper returns (as result `k` of `arity`, through variable `var`
    /// if any) is only one of the values it can return: another return gives back something
    /// else in its place (`return proc` when asked not to block, `return out, err,
    /// proc.returncode` otherwise), or the variable is also given other values (IPython's
    /// `ipdir = tempfile.mkdtemp()` only where the home is not writable). Its caller cannot
    /// know it got the resource. (C is left to its status checks: `return -errno`.)
    fn mixed_result(
        &self,
        api: &Api,
        unit: &Unit,
        id: FuncId,
        var: Option<&str>,
        k: usize,
        arity: usize,
    ) -> bool {
        let f = &unit.functions[id];
        let held = self.local_acquisitions(api, unit, id);
        // The resource, another one, a wrapper of one, or a literal (`nil`, `None`, `-1`).
        let resourceful = |v: &Expr| {
            let v = v.peel();
            matches!(v.kind, ExprKind::Lit(_))
                || held.iter().any(|(h, _)| carries(v, h))
                || (matches!(v.kind, ExprKind::Call(_) | ExprKind::Construct { .. })
                    && super::api::acquisition(api, self, unit, v, None).is_some())
        };
        let mut mixed = false;
        crate::model::walk_stmts(&f.body, &mut |s| match &s.kind {
            StmtKind::Return(vs) if !vs.is_empty() => {
                mixed |= match vs.get(k) {
                    Some(v) if vs.len() == arity => !resourceful(v),
                    // `return out, err, code` where the resource is returned alone, or
                    // Go's `return other(…)` standing for all the results.
                    _ => !(vs.len() == 1 && resourceful(&vs[0])),
                };
            }
            StmtKind::Bind {
                targets, values, ..
            } => {
                for (i, t) in targets.iter().enumerate() {
                    if var.is_none() || path_of(t).as_deref() != var {
                        continue;
                    }
                    let v = match values.len() {
                        n if n == targets.len() => &values[i],
                        1 => &values[0],
                        _ => continue,
                    };
                    mixed |= !resourceful(v);
                }
            }
            _ => {}
        });
        mixed
    }

    /// Whether function `id` returns, on some path, a value made from an allocation it keeps
    /// elsewhere (`ret = (char *)e + sizeof(*e)` after `a->list = e`), or what a function of
    /// [`Summaries::owned_by_arg`] returned (`ret = gc_malloc(n, gc)`), or, in C, the allocation
    /// itself linked into a global (`dlist_add(&TT.sockets, fi); return fi;`).
    fn returns_kept(&self, api: &Api, unit: &Unit, id: FuncId) -> bool {
        let f = &unit.functions[id];
        let held = self.local_acquisitions(api, unit, id);
        let mut returned: HashSet<String> = HashSet::new();
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Return(vs) = &s.kind {
                returned.extend(
                    vs.iter()
                        .filter_map(|v| path_of(unwrap_passthrough(api, v))),
                );
            }
        });
        if returned.is_empty() {
            return false;
        }
        // C: an allocation linked into a global structure and returned as well
        // (`dlist_add(&TT.sockets, fi); return fi;`) stays the structure's.
        if api.lang == Lang::C
            && held
                .iter()
                .any(|(h, _)| returned.contains(h) && self.kept_elsewhere(api, unit, f, h))
        {
            return true;
        }
        let mut found = false;
        crate::model::walk_stmts(&f.body, &mut |s| {
            let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            else {
                return;
            };
            if found || targets.len() != values.len() {
                return;
            }
            for (t, v) in targets.iter().zip(values) {
                let Some(p) = path_of(t).filter(|p| returned.contains(p)) else {
                    continue;
                };
                let from_kept = held.iter().any(|(h, _)| {
                    *h != p && passes_var(api, v, h) && self.kept_elsewhere(api, unit, f, h)
                });
                let from_owned = matches!(&v.peel().kind, ExprKind::Call(c)
                    if self.callees(unit, c).any(|(cid, _)| self.owned_by_arg.contains(&cid)));
                found |= from_kept || from_owned;
            }
        });
        found
    }

    /// Whether function `f` keeps the variable `var` besides returning it: stores it in a
    /// field, a global or an element; captures it in a closure or hands it to a goroutine;
    /// registers one of its methods (`self.addCleanup(sock.close)`); or passes it to a call that
    /// keeps it, in C one the data names (`keeping_calls`: `pthread_setspecific`,
    /// `Hashtable_put`), or a same-file function that keeps or passes on that parameter
    /// (`logger_link_q(l)` linking it into a global list).
    fn kept_elsewhere(
        &self,
        api: &Api,
        unit: &Unit,
        f: &crate::model::Function,
        var: &str,
    ) -> bool {
        let mut kept = false;
        // C: a name neither declared in the function nor a parameter is a global
        // (`port_list_head = ret`), which keeps what it is given.
        let locals: HashSet<&str> = if api.lang == Lang::C {
            local_names(f)
        } else {
            HashSet::new()
        };
        let global = |t: &Expr| {
            api.lang == Lang::C
                && matches!(&t.kind, ExprKind::Name(n) if !locals.contains(n.as_str()))
        };
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                kept |= targets.len() == values.len()
                    && targets.iter().zip(values).any(|(t, v)| {
                        (!matches!(t.kind, ExprKind::Name(_)) || global(t))
                            && passes_var(api, v, var)
                    });
            }
            for e in s.exprs() {
                e.walk(&mut |x| match &x.kind {
                    ExprKind::Closure(id) => each_expr(unit, &unit.functions[*id].body, &mut |y| {
                        kept |= path_of(y).is_some_and(|p| under(&p, var))
                    }),
                    ExprKind::Call(c) => {
                        for (i, a) in c.args.iter().enumerate() {
                            if kept || !passes_var(api, a, var) {
                                continue;
                            }
                            // `self.addCleanup(sock.close)`, `atexit.register(f.close)`: a
                            // method of it handed on, not called, is a release registered.
                            if api.lang == Lang::Python
                                && matches!(&a.peel().kind, ExprKind::Field(base, _)
                                    if path_of(base).as_deref() == Some(var))
                            {
                                kept = true;
                                continue;
                            }
                            // `self.addCleanup(shutil.rmtree, d)`: a release function handed on
                            // with it is a release registered.
                            if api.lang == Lang::Python
                                && c.args.iter().any(|b| api.names_release_fn(b))
                            {
                                kept = true;
                                continue;
                            }
                            // Go's and Java's keepers (`New…`, `set…`) also name wrappers built
                            // around what the helper returns (`bufio.NewWriterSize(f, n)`):
                            // only C's are taken.
                            // `self._processes.append(proc)`: a container of the object's
                            // keeps it, as a field would.
                            let own_container = matches!(api.lang, Lang::Java | Lang::Python)
                                && c.receiver().and_then(path_of).is_some_and(|r| {
                                    r.starts_with("self.") || r.starts_with("this.")
                                });
                            // C: `list_add(&registry, node)` links it into a global.
                            let into_global = api.lang == Lang::C
                                && c.args.iter().enumerate().any(|(j, b)| {
                                    j != i
                                        && matches!(&b.kind, ExprKind::Unary(x)
                                        if x.path().is_some_and(|p| {
                                            !locals.contains(p.split('.').next().unwrap_or(&p))
                                        }))
                                });
                            // `go s.Serve(lis)`: the goroutine holds it after the return.
                            let on_goroutine = f.goroutines.contains(&x.span);
                            kept = into_global
                                || on_goroutine
                                || (api.lang == Lang::C || own_container) && api.keeps(c)
                                || self.callees(unit, c).any(|(id, off)| {
                                    self.effect(id, i + off).is_some_and(|e| e.keeps)
                                });
                        }
                    }
                    _ => {}
                });
            }
        });
        kept
    }

    /// Whether function `id` stores a fresh resource in a field of its own object
    /// (`self.f = open(p)`, `this.in = new FileInputStream(p)`, a Java field assigned by its
    /// bare name), directly or through a local that holds one, on every path: a store under a
    /// test (`if audit_log: self.logfile = open(audit_log)`) may not happen, and what the
    /// object then holds is not known.
    pub(super) fn opens_fields(&self, api: &Api, unit: &Unit, id: FuncId) -> bool {
        let f = &unit.functions[id];
        let held: HashSet<String> = self
            .local_acquisitions(api, unit, id)
            .iter()
            .map(|(v, _)| v.clone())
            .collect();
        let locals = local_names(f);
        let mut opens = false;
        let mut certain: Vec<&Stmt> = Vec::new();
        let mut blocks = vec![&f.body];
        while let Some(b) = blocks.pop() {
            for s in b {
                match &s.kind {
                    StmtKind::Try { body, .. } | StmtKind::Scoped { body, .. } => blocks.push(body),
                    _ => certain.push(s),
                }
            }
        }
        for s in certain {
            let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            else {
                continue;
            };
            for (t, v) in targets.iter().zip(values) {
                opens |= own_field(api, f.receiver.as_ref(), &locals, t).is_some()
                    && (acquisition(api, self, unit, v, None).is_some()
                        || held.iter().any(|h| passes_var(api, v, h)));
            }
        }
        opens
    }

    /// Pairs functions that store fresh resources in fields or globals with the functions
    /// that release all of those fields.
    pub(super) fn build_storage(&mut self, api: &Api, unit: &Unit) {
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
                .iter()
                .map(|(v, _)| v.clone())
                .collect();
            let mut fields = BTreeSet::new();
            let mut roots = HashSet::new();
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
                        // A field of what it has just allocated itself (`tm->super.ev_timer =
                        // tm`) is part of the new object, which it returns or frees: not a
                        // field or global the caller keeps.
                        let root = path_of(t);
                        let root = root.as_deref().and_then(|p| p.split('.').next());
                        if root.is_some_and(|r| held.contains(r)) {
                            continue;
                        }
                        let fresh = matches!(&v.peel().kind, ExprKind::Call(c) if api.acquire_call(c, None).is_some_and(|s| s.binds_result()))
                            || held.iter().any(|h| passes_var(api, v, h));
                        if fresh {
                            fields.insert(n.clone());
                            roots.insert(
                                root.and_then(|r| f.params.iter().position(|p| p.name == r)),
                            );
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
            let object = match roots.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(i)] => Some(*i),
                _ => None,
            };
            storage.push(Storage {
                acquirer: name.clone(),
                fields,
                object,
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
    /// Marks in `acquiring` the functions that acquire through a function of this file: one
    /// that returns a resource, acquires into an argument, or stores one.
    pub(super) fn add_helper_acquisitions(&self, unit: &Unit, acquiring: &mut [bool]) {
        for (id, f) in unit.functions.iter().enumerate() {
            if acquiring[id] {
                continue;
            }
            crate::model::walk_stmts(&f.body, &mut |s| {
                for e in s.exprs() {
                    e.walk(&mut |x| {
                        let ExprKind::Call(c) = &x.kind else {
                            return;
                        };
                        acquiring[id] |= c.name().is_some_and(|n| self.storage_of.contains_key(n))
                            || self.returned_resource(unit, c).is_some()
                            || self.out_param_resource(unit, c).is_some();
                    });
                }
            });
        }
    }

    /// Whether the call reaches only same-file functions that hand out what their object
    /// keeps: every value they return is a field, or a local they also store in one (a
    /// statement prepared on first use and cached, `if (ps == null) { ps = prepare(); this.ps
    /// = ps; } return ps;`). Its result is the object's, whatever its declared type says.
    pub(super) fn returns_stored(&self, api: &Api, unit: &Unit, c: &Call) -> bool {
        let mut any = false;
        for (id, _) in self.callees(unit, c) {
            any = true;
            if !returns_stored_fn(api, &unit.functions[id]) {
                return false;
            }
        }
        any
    }

    pub(super) fn returned_resource(&self, unit: &Unit, c: &Call) -> Option<Spec> {
        self.callees(unit, c)
            .filter(|&(id, _)| own_call(unit, id, c))
            .find_map(|(id, _)| self.returns.get(&id).cloned())
    }

    pub(super) fn out_param_resource(&self, unit: &Unit, c: &Call) -> Option<Spec> {
        self.callees(unit, c).find_map(|(id, off)| {
            let mut s = self.out_param.get(&id)?.clone();
            s.out_arg = s.out_arg?.checked_sub(off);
            s.out_arg.map(|_| s)
        })
    }
}

/// The returns of `block` that return one of `vars` where a test around them says it failed
/// (`if (fd < 0) return fd;`, the `else` of `if (p != NULL)`): `(return's start, variable)`.
/// `failed`: those known failed on entry.
fn failed_returns(
    api: &Api,
    block: &[Stmt],
    vars: &[&str],
    failed: &[String],
    out: &mut HashSet<(u32, String)>,
) {
    let mut failed = failed.to_vec();
    for s in block {
        match &s.kind {
            StmtKind::Return(vs) => out.extend(
                vs.iter()
                    .filter_map(|v| path_of(v.peel()))
                    .filter(|p| failed.contains(p))
                    .map(|p| (s.span.start, p)),
            ),
            StmtKind::If {
                cond,
                then,
                otherwise,
            } => {
                let mut on_then = failed.clone();
                let mut on_else = failed.clone();
                // Only a variable the condition names can be tested by it: a function with
                // thousands of acquisitions and branches is not asked about every pair.
                let mut named: Vec<String> = Vec::new();
                cond.walk(&mut |x| named.extend(path_of(x.peel())));
                for v in vars.iter().filter(|v| named.iter().any(|n| n == *v)) {
                    let (t, e) = fails_when(api, cond, v);
                    if t {
                        on_then.push(v.to_string());
                    }
                    if e {
                        on_else.push(v.to_string());
                    }
                }
                failed_returns(api, then, vars, &on_then, out);
                failed_returns(api, otherwise, vars, &on_else, out);
            }
            // Assigned again: whatever it holds now is not known to have failed.
            StmtKind::Bind { targets, .. } => {
                failed.retain(|f| !targets.iter().any(|t| path_of(t).as_ref() == Some(f)))
            }
            _ => {
                for b in s.blocks() {
                    failed_returns(api, b, vars, &failed, out);
                }
            }
        }
    }
}

/// Whether `cond` says that `var`, holding what an acquisition returned, failed where it
/// holds and where it does not: `fd < 0`, `fd == -1`, `p == NULL`, `p == MAP_FAILED`, `!p`,
/// and `&&` / `||` of those.
fn fails_when(api: &Api, cond: &Expr, var: &str) -> (bool, bool) {
    let is_var = |e: &Expr| path_of(e.peel()).is_some_and(|p| p == var);
    let e = cond.peel();
    match &e.kind {
        ExprKind::Not(x) => {
            let (t, f) = fails_when(api, x, var);
            (f, t)
        }
        ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
            let (ta, fa) = fails_when(api, a, var);
            let (tb, fb) = fails_when(api, b, var);
            match op {
                BinOp::And => (ta || tb, fa && fb),
                _ => (ta && tb, fa || fb),
            }
        }
        ExprKind::Binary(op, a, b) if is_var(a) || is_var(b) => {
            let (other, op) = if is_var(a) { (b, *op) } else { (a, flip(*op)) };
            match api.failed_if(other, op) {
                Some(failed) => (failed, !failed),
                None => (false, false),
            }
        }
        // `if (p)`: null where it failed.
        _ if is_var(e) => (false, true),
        _ => (false, false),
    }
}

/// Whether Java call `c` is certainly of function `id` of the file, for an acquisition: called
/// bare, on `this` or `super`, or on its class by name. On any other receiver the name may be
/// another type's method (`sc.socket().connect(addr, timeout)` beside the file's own static
/// `connect(addr, timeout)`), which acquires nothing known.
fn own_call(unit: &Unit, id: FuncId, c: &Call) -> bool {
    if unit.lang != Lang::Java {
        return true;
    }
    match c.receiver().map(|r| &r.peel().kind) {
        None => true,
        Some(ExprKind::Name(n)) => {
            matches!(n.as_str(), "this" | "super") || unit.functions[id].owner.as_deref() == Some(n)
        }
        Some(_) => false,
    }
}

/// Whether a body is one `try` with no `finally` whose handlers include one for every
/// exception (`Throwable` or `Exception`), or for what `close()` declares (`IOException`,
/// `SQLException`) around nothing but `close()` calls, and none of which throws; or such a
/// body under an `if` whose test calls nothing (`if (rs != null)`).
pub(super) fn swallows_everything(body: &Block) -> bool {
    // Guards that return at once come first: `if (rs == null) { return; }`.
    let guard = |s: &Stmt| {
        matches!(&s.kind, StmtKind::If { cond, then, otherwise }
            if calls_nothing(cond)
                && otherwise.is_empty()
                && matches!(then.as_slice(), [r] if matches!(&r.kind, StmtKind::Return(vs) if vs.is_empty())))
    };
    let start = body.iter().take_while(|s| guard(s)).count();
    let [stmt] = &body[start..] else {
        return false;
    };
    let (tried, catches, finally) = match &stmt.kind {
        StmtKind::Try {
            body,
            catches,
            finally,
        } => (body, catches, finally),
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => {
            return calls_nothing(cond)
                && swallows_everything(then)
                && (otherwise.is_empty() || swallows_everything(otherwise));
        }
        _ => return false,
    };
    let all = catches.iter().any(|c| match &c.param {
        None => false,
        Some(p) => p.ty.as_ref().is_some_and(|t| {
            t.0.split('|').any(|t| match last_segment(t) {
                "Throwable" | "Exception" => true,
                "IOException" | "SQLException" => only_closes(tried),
                _ => false,
            })
        }),
    });
    let mut raises = false;
    for c in catches {
        crate::model::walk_stmts(&c.body, &mut |s| {
            raises |= matches!(s.kind, StmtKind::Throw(_));
        });
    }
    finally.is_empty() && all && !raises
}

/// Whether a block does nothing but call `close()`, under tests that call nothing.
fn only_closes(block: &Block) -> bool {
    block.iter().all(|s| match &s.kind {
        StmtKind::Expr(e) => {
            matches!(&e.peel().kind, ExprKind::Call(c) if c.name() == Some("close") && c.args.is_empty())
        }
        StmtKind::If {
            cond,
            then,
            otherwise,
        } => calls_nothing(cond) && only_closes(then) && only_closes(otherwise),
        _ => false,
    })
}

/// Whether a test calls nothing (`rs != null`), so cannot throw.
fn calls_nothing(cond: &Expr) -> bool {
    let mut calls = false;
    cond.walk(&mut |x| calls |= matches!(x.kind, ExprKind::Call(_)));
    !calls
}

/// `&Segment{f: f}` returning a held `f` inside a value of a type this file declares with the
/// same release method (`Close`): the caller holds the resource through it. The field's value.
fn wrapped_in_own_type<'e>(
    api: &Api,
    unit: &Unit,
    v: &'e Expr,
    held: &[(String, Spec)],
) -> Option<&'e Expr> {
    let ExprKind::Construct {
        ty: Some(ty),
        fields,
    } = &v.peel().kind
    else {
        return None;
    };
    let decl = &unit.types[unit.type_named(ty.simple())?];
    fields.iter().map(|(_, x)| x).find(|x| {
        path_of(x).is_some_and(|p| {
            held.iter().any(|(h, spec)| {
                // A resource without release methods of its own takes the rule's (`Close`).
                let release = match spec.release.is_empty() {
                    true => &api.m.release_methods,
                    false => &spec.release,
                };
                *h == p
                    && release
                        .iter()
                        .any(|r| decl.methods.iter().any(|m| m.name == *r))
            })
        }) && api.lang == Lang::Go
    })
}

/// Words of an identifier, lower-cased: `aofCreatePipes` → `aof create pipes`.
pub(super) fn words(name: &str) -> Vec<String> {
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

pub(super) const ACQUIRE_VERBS: &[&str] = &[
    "create", "open", "init", "alloc", "new", "setup", "start", "make", "acquire", "get", "connect",
];
pub(super) const RELEASE_VERBS: &[&str] = &[
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
pub(super) fn paired_names(acquirer: &str, releaser: &str) -> bool {
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

/// A body with no `return` whose every path ends in a call that does not return (not in a
/// `throw`: an exception is an exit where what is held leaks).
fn never_returns(api: &Api, body: &Block) -> bool {
    let mut returns = false;
    crate::model::walk_stmts(body, &mut |s| {
        returns |= matches!(s.kind, StmtKind::Return(_) | StmtKind::Throw(_));
    });
    !returns && ends_in_noreturn_call(api, body)
}

pub(super) fn ends_in_noreturn_call(api: &Api, b: &Block) -> bool {
    match b.last().map(|s| &s.kind) {
        Some(StmtKind::Expr(e)) => {
            matches!(&e.peel().kind, ExprKind::Call(c) if api.noreturn(c))
        }
        Some(StmtKind::If {
            then, otherwise, ..
        }) => ends_in_noreturn_call(api, then) && ends_in_noreturn_call(api, otherwise),
        Some(StmtKind::Block(inner)) => ends_in_noreturn_call(api, inner),
        _ => false,
    }
}

/// The names the file's calls are made with (only functions so named are reached by a call
/// of this file), and, for each function, the names of the file's own it calls (`by_name`).
fn called_names<'u>(
    unit: &'u Unit,
    by_name: &HashMap<String, Vec<FuncId>>,
) -> (HashSet<&'u str>, Vec<BTreeSet<&'u str>>) {
    let mut names = HashSet::new();
    let mut own = vec![BTreeSet::new(); unit.functions.len()];
    for (id, f) in unit.functions.iter().enumerate() {
        crate::model::walk_stmts(&f.body, &mut |s| {
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let Some(n) = match &x.kind {
                        ExprKind::Call(c) => c.name(),
                        _ => None,
                    } {
                        if by_name.contains_key(n) {
                            own[id].insert(n);
                        }
                        names.insert(n);
                    }
                });
            }
        });
    }
    (names, own)
}

/// Whether `var` is released (or its release deferred) before any return: by a statement of
/// `f`'s own body run on every path (`process.communicate()`, `defer resp.Body.Close()`), or
/// after each acquisition into it by a statement of the block that acquires (meson's
/// `p = Popen(…); o, e = p.communicate(write)` in one branch of a `try`). What the function
/// returns then is spent, not the caller's to release.
fn released_first(api: &Api, f: &crate::model::Function, var: &str, spec: &Spec) -> bool {
    // Whether a statement of `rest`, before any exit, releases `var`.
    let releases_in = |rest: &[Stmt]| {
        rest.iter()
            .take_while(|s| {
                !matches!(
                    s.kind,
                    StmtKind::Return(_) | StmtKind::Label(_) | StmtKind::Goto(_)
                )
            })
            .any(|s| releases_stmt(api, s, var, spec))
    };
    if releases_in(&f.body) {
        return true;
    }
    let mut acquired = 0;
    let mut released = 0;
    let mut blocks = vec![&f.body];
    while let Some(b) = blocks.pop() {
        for (i, s) in b.iter().enumerate() {
            blocks.extend(s.blocks());
            let StmtKind::Bind { targets, .. } = &s.kind else {
                continue;
            };
            if targets.iter().any(|t| path_of(t).as_deref() == Some(var)) {
                acquired += 1;
                released += usize::from(releases_in(&b[i + 1..]));
            }
        }
    }
    acquired > 0 && released == acquired
}

/// Whether statement `s` is a call that releases `var`, its result kept or not (`o, e =
/// p.communicate()`): one of its release methods, or a release function given it first.
fn releases_stmt(api: &Api, s: &Stmt, var: &str, spec: &Spec) -> bool {
    let e = match &s.kind {
        StmtKind::Expr(e) | StmtKind::Defer(e) => e,
        StmtKind::Bind { values, .. } if values.len() == 1 => &values[0],
        _ => return false,
    };
    let ExprKind::Call(c) = &e.peel().kind else {
        return false;
    };
    let by_method = c.receiver().and_then(path_of).is_some_and(|r| {
        let called = format!("{r}.{}", c.name().unwrap_or(""));
        spec.release.iter().any(|m| called == format!("{var}.{m}"))
    });
    let by_function =
        api.is_release_fn(c) && c.args.first().and_then(path_of).is_some_and(|a| a == var);
    by_method || by_function
}

/// Whether `var` is bound to one of `f`'s parameters as it is (`output = dest;`).
fn given_param(f: &crate::model::Function, var: &str) -> bool {
    bound_to(
        &f.body,
        var,
        |v| matches!(&v.peel().kind, ExprKind::Name(n) if f.params.iter().any(|p| p.name == *n)),
    )
}

/// See [`Summaries::returns_stored`].
fn returns_stored_fn(api: &Api, f: &crate::model::Function) -> bool {
    let locals = local_names(f);
    // A field of the object: `this.ps`, `self.ps`, or in Java a bare name not declared here.
    let field = |t: &Expr| match &t.peel().kind {
        ExprKind::Name(n) => api.lang == Lang::Java && !locals.contains(n.as_str()),
        ExprKind::Field(base, _) => {
            matches!(&base.peel().kind, ExprKind::Name(b) if b == "this" || b == "self")
        }
        _ => false,
    };
    let mut returned = Vec::new();
    let mut plain = false;
    crate::model::walk_stmts(&f.body, &mut |s| {
        if let StmtKind::Return(vs) = &s.kind {
            match vs.as_slice() {
                [v] if matches!(v.peel().kind, ExprKind::Lit(Lit::Nil)) => {}
                [v] if field(v) => returned.push(None),
                [v] => match &v.peel().kind {
                    ExprKind::Name(n) => returned.push(Some(n.clone())),
                    _ => plain = true,
                },
                _ => plain = true,
            }
        }
    });
    if plain || returned.is_empty() {
        return false;
    }
    // Locals stored in a field, put in a container the object holds
    // (`cache.putIfAbsent(key, st)`), or read from one (`prev = cache.putIfAbsent(key, st)`).
    let name = |e: &Expr| match &e.peel().kind {
        ExprKind::Name(n) => Some(n.clone()),
        _ => None,
    };
    let mut stored: HashSet<String> = HashSet::new();
    crate::model::walk_stmts(&f.body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            if targets.len() == values.len() {
                for (t, v) in targets.iter().zip(values) {
                    let from_field = matches!(&v.peel().kind, ExprKind::Call(c)
                        if c.receiver().is_some_and(field) && c.name().is_some_and(is_accessor));
                    if field(t) {
                        stored.extend(name(v));
                    } else if from_field {
                        stored.extend(name(t));
                    }
                }
            }
        }
        for e in s.exprs() {
            e.walk(&mut |x| {
                if let ExprKind::Call(c) = &x.kind {
                    if c.receiver().is_some_and(field) && api.keeps(c) {
                        stored.extend(c.args.iter().filter_map(name));
                    }
                }
            });
        }
    });
    returned
        .iter()
        .all(|r| r.as_ref().is_none_or(|n| stored.contains(n)))
}

/// Whether `v` is `name` or a value built around it: `bufio.NewReader(f)`, `&conn{f}`,
/// `io.TextIOWrapper(f)`; not a field of it (`proc.returncode`).
fn carries(v: &Expr, name: &str) -> bool {
    let v = v.peel();
    match &v.kind {
        ExprKind::Name(n) => n == name,
        ExprKind::Unary(x) => carries(x, name),
        ExprKind::Call(c) => c.args.iter().any(|a| carries(a, name)),
        ExprKind::Construct { fields, .. } => fields.iter().any(|(_, x)| carries(x, name)),
        _ => false,
    }
}

/// Of the file's functions `defs` named like call `c` on `self` / `this`, the one the class
/// around the call defines, if it defines one.
fn own_class_method(unit: &Unit, c: &Call, defs: &[FuncId]) -> Option<FuncId> {
    let on_self =
        matches!(&c.receiver()?.peel().kind, ExprKind::Name(n) if n == "self" || n == "this");
    if !on_self {
        return None;
    }
    let mut f = unit.function_around(c.func.span);
    let class = loop {
        let func = &unit.functions[f?];
        if let Some(o) = &func.owner {
            break o;
        }
        f = func.parent;
    };
    defs.iter()
        .copied()
        .find(|&id| unit.functions[id].owner.as_ref() == Some(class))
}
