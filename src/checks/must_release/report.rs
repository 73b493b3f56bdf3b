//! Where resources are lost, and the finding each acquisition gives: its exits, tagged by
//! kind, and the precedence between them.

use super::*;

impl<'a, 'u> Fx<'a, 'u> {
    /// An error exit: every resource certainly open here leaks, unless a `finally` around the
    /// exit releases it.
    pub(super) fn exit(&mut self, st: &State, at: Span, how: &str) {
        if self.ends_process() {
            return;
        }
        for r in 0..self.res.len() {
            let slot = st.get(r);
            if !leaks(slot.bits) || self.res[r].exits.len() >= 3 || self.res[r].traits.reclaimed {
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
    pub(super) fn normal_exit(&mut self, st: &State, at: Span, kind: ExitKind, how: &str) {
        // A module's names live until the process ends, and so does what a program's `main`
        // holds when it returns (see `ends_process`).
        if kind == ExitKind::Normal && (self.module || self.ends_process()) {
            return;
        }
        for r in 0..self.res.len() {
            let bits = st.get(r).bits;
            if kind == ExitKind::Normal && bits & RELEASED != 0 {
                self.res[r].released_on_success = true;
            }
            // Not acquired on some path, and released somewhere: the release is likely under
            // the condition that made the acquisition (`if didOpen { f.Close() }`).
            if !leaks_normally(bits) {
                continue;
            }
            if bits & NOT_HELD != 0 {
                let sites = match self.sites.get(&r) {
                    Some(&s) => s,
                    None => {
                        let s = self.release_sites(r);
                        self.sites.insert(r, s);
                        s
                    }
                };
                if sites.1 {
                    continue;
                }
            }
            self.lost(r, at, kind, how);
        }
    }

    /// Whether the function releases resource `r` somewhere before its acquisition, and
    /// somewhere after it (in source order).
    pub(super) fn release_sites(&self, r: usize) -> (bool, bool) {
        let res = &self.res[r];
        let (mut before, mut after) = (false, false);
        each_expr(self.unit, &self.func.body, &mut |e| {
            if matches!(e.kind, ExprKind::Call(_)) {
                let releases = self.release_call(e, r);
                if releases && e.span.start < res.acq.start {
                    before = true;
                } else if releases {
                    after = true;
                }
            }
        });
        (before, after)
    }

    /// Where the first call that puts resource `r` to work ends
    /// ([`crate::rules::Acquire::idle_until`]), or is given it, or `u32::MAX` if none does;
    /// `None` if it holds what it holds from its acquisition on.
    fn idle_until(&self, r: usize) -> Option<u32> {
        let res = &self.res[r];
        if res.traits.idle_until.is_empty() {
            return None;
        }
        let mut first = u32::MAX;
        each_expr(self.unit, &self.func.body, &mut |e| {
            let ExprKind::Call(c) = &e.kind else {
                return;
            };
            // Given to a helper, which may hand it work: `batch(pool, jobs)`.
            if c.args.iter().any(|a| refers_res(res, a)) {
                first = first.min(e.span.end);
            }
            if !c
                .name()
                .is_some_and(|n| res.traits.idle_until.iter().any(|m| m == n))
            {
                return;
            }
            match c.receiver().map(Expr::peel) {
                // Put to work as it is made: `Executors.newSingleThreadExecutor().submit(t)`.
                Some(x) if x.span == res.acq => first = first.min(res.acq.end),
                Some(x) if refers_res(res, x) => first = first.min(e.span.end),
                _ => {}
            }
        });
        Some(first)
    }

    /// Whether `e` is a call that releases resource `r`: its release method on it
    /// (`mu.Unlock()`), or another release ([`Fx::releases`]).
    fn release_call(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        // The acquisition is not its own release (`this.lock.lock()` of a field named `lock`).
        let ExprKind::Call(c) = &e.kind else {
            return false;
        };
        if e.span == res.acq {
            return false;
        }
        c.name().is_some_and(|n| res.release.iter().any(|m| m == n))
            && c.receiver().is_some_and(|x| refers_res(res, x))
            || self.releases(c, r)
    }

    /// Whether an exception escaping this function ends the run: one escaping a program's
    /// `main` ends the process, and one escaping a Python module's own code ends the script,
    /// or the import, whose names would have lived as long as the process (see
    /// `normal_exit`).
    pub(super) fn exception_ends_run(&self) -> bool {
        self.main || self.module
    }

    /// Whether returning from this function ends the process: a `main` of Go, C, Rust, or of a
    /// Python script. (A Java `main` may leave other threads running.)
    pub(super) fn ends_process(&self) -> bool {
        self.main && self.api.lang != Lang::Java
    }

    /// Records that resource `r` is lost at `at`.
    pub(super) fn lost(&mut self, r: usize, at: Span, kind: ExitKind, how: &str) {
        let res = &self.res[r];
        // What a helper stores in globals stays there by design (`job_open_pipes()`).
        if res.traits.reclaimed
            || res.storage.is_some()
            || res.caller_sees && kind == ExitKind::Normal
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
    pub(super) fn loop_exit(&mut self, st: &State, at: Span, first: usize, how: &str) {
        for r in first..self.res.len() {
            if !leaks_normally(st.get(r).bits) || self.res[r].storage.is_some() {
                continue;
            }
            if self.carried(r) || self.reacquisition_releases(r, first) {
                continue;
            }
            // Acquired under a test that rules this `continue` out in the same iteration.
            if exclusive_branches(&self.func.body, self.res[r].acq, at) {
                continue;
            }
            self.lost(r, at, ExitKind::Loop, how);
        }
    }

    /// Whether the call that acquired `r` also releases what its owner gave before (`rs =
    /// stmt.executeQuery(q)` in a loop: running the statement again closes its last result
    /// set), so that the next iteration's acquisition releases this one's.
    /// Not when the owner is itself this iteration's (`first` on): the next one's is another.
    fn reacquisition_releases(&self, r: usize, first: usize) -> bool {
        let Some(o) = &self.res[r].owner else {
            return false;
        };
        if self.res[first..].iter().any(|x| x.vars.contains(&o.path)) {
            return false;
        }
        let acq = self.res[r].acq;
        let mut hit = false;
        each_expr(self.unit, &self.func.body, &mut |e| {
            hit |= e.span == acq
                && matches!(&e.kind, ExprKind::Call(c) if self.owner_released_by(o, c));
        });
        hit
    }

    /// Whether a variable of resource `r` is read in this function before its acquisition, or
    /// by it (`stream = layer.wrap(stream)` in a loop: each iteration's resource takes over the
    /// last one's). Assigning it is not reading it, nor is reading the assignment's result (C's
    /// `(buf = read_line(f)) != NULL`, which spans the acquisition).
    pub(super) fn carried(&self, r: usize) -> bool {
        let res = &self.res[r];
        let mut hit = false;
        let mut read = |e: &Expr| {
            e.walk(&mut |x| {
                hit |= x.span.end <= res.acq.end
                    && !x.span.contains(res.acq)
                    && path_of(x).is_some_and(|p| res.vars.contains(&p))
            })
        };
        // A list prepend (`new->next = list; list = new`): the resource links to what its
        // other name held, so that name, kept across iterations, reaches every one of them.
        let links = |targets: &[Expr], values: &[Expr]| {
            let (Some(t), Some(v)) = (targets.first().and_then(path_of), values.first()) else {
                return false;
            };
            path_of(v).is_some_and(|v| {
                res.vars
                    .iter()
                    .any(|q| t != *q && under(&t, q) && !under(&v, q))
                    && res.vars.contains(&v)
            })
        };
        let mut linked = false;
        crate::model::walk_stmts(&self.func.body, &mut |s| match &s.kind {
            StmtKind::Bind {
                targets, values, ..
            } => {
                linked |= targets.len() == 1 && values.len() == 1 && links(targets, values);
                values.iter().for_each(&mut read)
            }
            _ => s.exprs().for_each(&mut read),
        });
        hit || linked
    }

    /// Go: `defer f.Close()` inside a loop, for what the loop acquired: it runs only when the
    /// function returns, so every iteration's resource stays open until then (unless it
    /// expires by itself before).
    pub(super) fn defer_in_loop(&mut self, e: &Expr, at: Span, first: usize, st: &State) {
        let ExprKind::Call(c) = &e.peel().kind else {
            return;
        };
        // `if !locked { mu.Lock(); defer mu.Unlock(); locked = true }`: taken once, and held
        // until the return on purpose.
        if once_guarded(&self.func.body, at) {
            return;
        }
        for r in first..self.res.len() {
            if is_open(st.get(r).bits) && !self.res[r].traits.expires && self.releases(c, r) {
                self.lost(
                    r,
                    at,
                    ExitKind::DeferInLoop,
                    "deferred inside the loop: it runs only when the function returns",
                );
            }
        }
    }

    /// C, Python: whether the function releases a standard descriptor before `at`: by number
    /// (`close(0)`, `xclose(2)`), in a loop over descriptors (`while (fd--) close(fd);`,
    /// `for fd in fds: os.close(fd)`), or by range (`os.closerange(0, maxfd)`). The next
    /// descriptor opened takes the lowest free number (`close(0); open(tty, O_RDWR)` makes the
    /// terminal stdin), and is kept by that number, not lost.
    fn std_fd_closed_before(&self, at: Span) -> bool {
        if !matches!(self.api.lang, Lang::C | Lang::Python) {
            return false;
        }
        let std_fd = |a: Option<&Expr>| {
            matches!(
                a.map(|a| &a.peel().kind),
                Some(ExprKind::Lit(Lit::Num(Some(0..=2))))
            )
        };
        let mut hit = false;
        each_expr(self.unit, &self.func.body, &mut |x| {
            let ExprKind::Call(c) = &x.kind else {
                return;
            };
            if hit || x.span.end > at.start {
                return;
            }
            hit = std_fd(c.args.first()) && self.releases_first_arg(c)
                || c.name() == Some("closerange") && std_fd(c.args.first());
        });
        crate::model::walk_stmts(&self.func.body, &mut |s| {
            hit = hit || s.span.end <= at.start && self.closes_by_counter(s);
        });
        hit
    }

    /// C: whether every descriptor is closed after `at`, by a loop over the numbers
    /// (`for (i = 3; i < FOPEN_MAX; i++) close(i);`) or by range (`closefrom(3)`): a child
    /// about to `exec` keeps only what it put on 0, 1 and 2 (`dup2(open("/dev/null", …), 0)`).
    fn all_fds_closed_after(&self, at: Span) -> bool {
        if self.api.lang != Lang::C {
            return false;
        }
        let mut hit = false;
        crate::model::walk_stmts(&self.func.body, &mut |s| {
            hit = hit
                || s.span.start >= at.end
                    && (self.closes_by_counter(s)
                        || s.exprs().any(|e| {
                            matches!(&e.peel().kind, ExprKind::Call(c)
                            if matches!(c.name(), Some("closefrom" | "close_range")))
                        }));
        });
        hit
    }

    /// Whether statement `s` is a loop over descriptors that releases each by its counter:
    /// the names its header reads, or the variable a `for … in` binds first thing
    /// (`while (fd--) close(fd);`, `for fd in fds: os.close(fd)`).
    fn closes_by_counter(&self, s: &Stmt) -> bool {
        let StmtKind::Loop { head, body } = &s.kind else {
            return false;
        };
        let mut counters: Vec<&str> = Vec::new();
        let bound = match body.first().map(|s| &s.kind) {
            Some(StmtKind::Bind { targets, .. }) => targets.as_slice(),
            _ => &[],
        };
        for e in head.iter().chain(bound) {
            e.walk(&mut |e| {
                if let ExprKind::Name(n) = &e.kind {
                    counters.push(n);
                }
            });
        }
        let mut hit = false;
        crate::model::walk_stmts(body, &mut |st| {
            for e in st.exprs() {
                e.walk(&mut |x| {
                    hit |= matches!(&x.kind, ExprKind::Call(c)
                        if matches!(c.args.first().map(|a| &a.peel().kind),
                            Some(ExprKind::Name(n)) if counters.contains(&n.as_str()))
                            && self.releases_first_arg(c));
                });
            }
        });
        hit
    }

    /// Whether call `c` releases its first argument: a release function of the data, or a
    /// function of the file or the project that releases its first parameter (`xclose(fd)`).
    pub(super) fn releases_first_arg(&self, c: &Call) -> bool {
        self.api.is_release_fn(c)
            || self.sums.call_releases_arg(self.unit, c, 0, None)
            || callee(c)
                .and_then(|p| self.api.ctx.released_args(&p))
                .is_some_and(|v| v.contains(&0))
    }

    /// Go, in a function whose only result is an error: whether every release of resource `r`
    /// in `block` is a statement of a block that then returns an error (`if err != nil {
    /// l.mu.Unlock(); return err }`), and there is one; or no path releases it and then
    /// succeeds (`for { mu.RLock(); if loaded { return nil }; mu.RUnlock(); load() }`). Java,
    /// in a method that returns a value: the same with `return null` (`lock.lock(); if
    /// (destroyed) { lock.unlock(); return null; } return data;`): the caller gets the lock
    /// with the value.
    fn released_only_failing(&self, block: &[Stmt], r: usize) -> bool {
        if !matches!(self.api.lang, Lang::Go | Lang::Java) || self.func.results.len() != 1 {
            return false;
        }
        if self.api.lang == Lang::Go
            && self.func.results[0].0 == "error"
            && !self.res[r].released_on_success
        {
            return true;
        }
        let mut any = false;
        let mut only = true;
        self.release_statements(block, r, &mut any, &mut only);
        any && only
    }

    fn release_statements(&self, block: &[Stmt], r: usize, any: &mut bool, only: &mut bool) {
        let failing = |vs: &[Expr]| match self.api.lang {
            Lang::Java => matches!(vs, [v] if matches!(v.peel().kind, ExprKind::Lit(Lit::Nil))),
            _ => error_return(self.api, self.func, vs, true).is_some(),
        };
        let fails =
            matches!(block.last().map(|s| &s.kind), Some(StmtKind::Return(vs)) if failing(vs));
        for s in block {
            let mut releases = false;
            for e in s.exprs() {
                e.walk(&mut |x| {
                    releases |= self.release_call(x, r);
                });
            }
            if releases {
                *any = true;
                *only &= fails && matches!(s.kind, StmtKind::Expr(_));
            }
            for b in s.blocks() {
                self.release_statements(b, r, any, only);
            }
        }
    }

    /// Whether resource `r` is stored (`files[n] = f`, `s.out = f`) or given to a call that
    /// may keep it (`pprof.StartCPUProfile(f)`): a use that may outlive the iteration.
    fn kept_beyond_iteration(&self, r: usize) -> bool {
        let res = &self.res[r];
        let named = |e: &Expr| path_of(e.peel()).is_some_and(|p| res.vars.contains(&p));
        // Also a value built around it: `jobs = append(jobs, job{reader: f})`.
        let names = |e: &Expr| {
            named(e)
                || matches!(&e.peel().kind, ExprKind::Construct { fields, .. }
                    if fields.iter().any(|(_, v)| named(v)))
        };
        let mut hit = false;
        crate::model::walk_stmts(&self.func.body, &mut |s| {
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                hit |= values.iter().any(names)
                    && targets
                        .iter()
                        .any(|t| !matches!(t.peel().kind, ExprKind::Name(_)));
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call(c) = &x.kind {
                        hit |= c.args.iter().any(names)
                            && !self.api.borrows(c)
                            && !self.releases(c, r);
                    }
                });
            }
        });
        hit
    }

    /// Whether the loop condition `head` drains resource `r` (`rows.Next()`).
    pub(super) fn drained(&self, head: &[Expr], r: usize) -> bool {
        // `for line in enumerate(r.iter_lines())`: through the call that wraps it, too.
        head.iter().any(|h| {
            self.drains(h, r)
                || matches!(&h.peel().kind, ExprKind::Call(c) if c.args.iter().any(|a| self.drains(a, r)))
        })
    }

    /// `e` is a call of one of the methods that drain resource `r` (`r.iter_content()`).
    pub(super) fn drains(&self, e: &Expr, r: usize) -> bool {
        let res = &self.res[r];
        matches!(&e.peel().kind, ExprKind::Call(c)
            if c.name().is_some_and(|n| res.traits.drained_by.iter().any(|d| d == n))
                && c.receiver().is_some_and(|x| refers_res(res, x)))
    }

    /// A fresh resource whose result is dropped: an expression statement that acquires
    /// (`os.Open(p)`, `http.Get(u)`), one made only to call a method on (`open(p).read()`;
    /// Python, and Java where the statement drops the result too or `plain` says it is plain
    /// data: `long n = Files.lines(p).count()`), or passed to a call that only borrows it
    /// (`json.load(open(p))`). `open(p).close()` is fine.
    pub(super) fn discards(&mut self, e: &'u Expr, statement: bool, plain: bool) {
        let fresh = |x: &Expr| acquisition(self.api, self.sums, self.unit, x, None);
        let mut found: Vec<(Span, Spec)> = Vec::new();
        if statement && !self.refill {
            if let Some(spec) = fresh(e).filter(|s| !self.drops_result_and_error(e, s)) {
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
        let in_closed = |s: Span| closed.iter().any(|c| c.contains(s));
        e.walk(&mut |x| {
            let ExprKind::Call(c) = &x.kind else {
                return;
            };
            if let Some(recv) = c.receiver().filter(|r| !in_closed(r.span)) {
                let top = (statement || plain) && std::ptr::eq(x, e.peel());
                let method = c.name().unwrap_or("");
                if (self.api.lang == Lang::Python || top && self.api.lang == Lang::Java)
                    && !self.api.m.release_methods.iter().any(|m| m == method)
                {
                    // A path made from a temporary one (`Path(mkdtemp()).resolve()`) names it.
                    if let Some(spec) = fresh(recv).filter(|s| {
                        let released = s.release.iter().any(|m| m == method);
                        !(released || s.traits.lent_to_calls && super::derives_path(method))
                    }) {
                        found.push((recv.peel().span, spec));
                    }
                }
            }
            // `cvt(open(…))` passes its argument through: what it returns is the resource.
            if self.api.passthrough(c) {
                return;
            }
            for (i, a) in c.args.iter().enumerate() {
                if self.sums.lends_arg(self.api, self.unit, c, i, None) {
                    // `json.load(urlopen(req))` reads the response to its end, which closes it.
                    if let Some(spec) = fresh(a).filter(|s| !s.traits.read_to_end_by(c)) {
                        found.push((a.peel().span, spec));
                    }
                }
            }
        });
        for (at, spec) in found {
            if self.res.len() >= MAX_RESOURCES {
                break;
            }
            if spec.traits.reclaimed
                || spec.traits.dropped_reclaimed
                || spec.traits.fills_slot
                || spec.traits.lock
                || spec.closed_with_owner
                || self.in_managed_dir(&spec)
                || self.std_fd_closed_before(at)
                || self.all_fds_closed_after(at)
                || spec
                    .owner
                    .as_ref()
                    .is_some_and(|o| self.owner_released_here(o))
            {
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

    /// Go: a method statement matched to an API that returns its resource with an error. No
    /// one calls such an API only to drop both, so it is another method of that name that
    /// returns nothing (`mark.Begin(index)` of a project type, not `(*sql.DB).Begin`). A
    /// package's function (`http.Get(url)`) is still what its name says.
    fn drops_result_and_error(&self, e: &Expr, spec: &Spec) -> bool {
        let ExprKind::Call(c) = &e.peel().kind else {
            return false;
        };
        self.api.lang == Lang::Go
            && spec.err_result.is_some()
            && c.receiver().is_some_and(|r| {
                !matches!(&r.peel().kind, ExprKind::Name(n) if self.api.imported.contains(n.as_str()))
            })
    }

    pub(super) fn protected(&mut self, r: usize) -> bool {
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
        // A `finally` that releases its owner releases it too (`conn.close()` its statements),
        // whether the owner is tracked here or not (`DbUtil.close(conn)` of a connection a
        // helper opened).
        let Some(owner) = self.res[r].owner.clone() else {
            return false;
        };
        let by_call = self.finally.iter().any(|b| {
            let mut hit = false;
            each_expr(self.unit, b, &mut |e| {
                hit |= matches!(&e.kind, ExprKind::Call(c) if self.owner_released_by(&owner, c));
            });
            hit
        });
        by_call || (0..r).any(|o| self.res[o].vars.contains(&owner.path) && self.protected(o))
    }

    /// One finding per acquisition, of the first kind `kinds` selects that it has: an error
    /// exit, then the other ways to lose it (first found first), then an exception.
    pub(super) fn report(self, kinds: &[ExitKind], out: &mut Vec<Leak>) {
        let lang = self.api.lang;
        // A lock taken here and released nowhere in this function is a lock helper's; one
        // released before it is taken was held by the caller, who gets it back
        // (`mu.Unlock(); slow(); mu.Lock()`). A Go function whose only result is an error and
        // that releases it only just before returning one is a lock helper too: it hands the
        // lock to its caller when it succeeds (`func (l *L) acquireSender() error`).
        let keep: Vec<bool> = (0..self.res.len())
            .map(|r| {
                !self.res[r].traits.lock || {
                    let (before, after) = self.release_sites(r);
                    after && !before && !self.released_only_failing(&self.func.body, r)
                }
            })
            .collect();
        // A `defer` in a loop for what the iteration also stores or hands on (`files[n] = f`,
        // `pprof.StartCPUProfile(f)`, `append(jobs, job{reader: f})`) keeps it open until the function returns on purpose: it
        // is still used after the loop.
        let kept: Vec<bool> = (0..self.res.len())
            .map(|r| {
                self.res[r]
                    .others
                    .iter()
                    .any(|o| o.0 == ExitKind::DeferInLoop)
                    && self.kept_beyond_iteration(r)
            })
            .collect();
        let idle: Vec<Option<u32>> = (0..self.res.len()).map(|r| self.idle_until(r)).collect();
        for (((mut res, keep), kept), idle) in self.res.into_iter().zip(keep).zip(kept).zip(idle) {
            if !keep {
                continue;
            }
            // Exits before it was put to work leave nothing open (`return list(ex.map(…))`
            // puts it to work first).
            if let Some(busy) = idle {
                res.exits.retain(|(at, _)| at.end >= busy);
                res.others.retain(|(_, at, _)| at.end >= busy);
                if res.throws.as_ref().is_some_and(|(at, _)| at.end < busy) {
                    res.throws = None;
                }
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
            let others: Vec<&(ExitKind, Span, String)> = res
                .others
                .iter()
                .filter(|o| kinds.contains(&o.0))
                .filter(|o| !(o.0 == ExitKind::DeferInLoop && kept))
                .collect();
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
                // Deferred in a loop and released at the return: what piles up until then is
                // a spike, not a leak, and is reported as a warning.
                let piles_only = others.iter().all(|o| o.0 == ExitKind::DeferInLoop);
                let finding = Finding {
                    span: res.acq,
                    message: if message.is_empty() {
                        message
                    } else {
                        format!(": {message}")
                    },
                    labels,
                    demoted: piles_only,
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

/// Whether `at` lies in the `then` branch of an `if !flag { … }` that sets `flag = true`
/// itself: the branch runs once however often its loop goes round.
fn once_guarded(body: &[Stmt], at: Span) -> bool {
    enclosing_thens(body, at)
        .into_iter()
        .any(|(_, cond, then)| {
            let ExprKind::Not(x) = &cond.peel().kind else {
                return false;
            };
            let flag = x.path();
            flag.is_some()
                && then.iter().any(|t| {
                    matches!(&t.kind, StmtKind::Bind { targets, values, .. }
                    if targets.first().and_then(|t| t.path()) == flag
                        && matches!(
                            values.first().map(|v| &v.peel().kind),
                            Some(ExprKind::Lit(Lit::Bool))
                        ))
                })
        })
}
