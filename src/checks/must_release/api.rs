//! The rule data as the engine reads it: acquisitions, releases and hand-offs matched
//! against calls, and the expression queries built on them.

use super::*;

// ----- rule data -----

pub(super) struct Api<'m> {
    pub(super) m: &'m ApiModel,
    /// The project: its resource types and the functions of other files that return one.
    pub(super) ctx: &'m crate::index::Ctx<'m>,
    /// The file analyzed, for the declared types of receivers (`on_type`).
    pub(super) unit: &'m Unit,
    pub(super) lang: Lang,
    /// Last segments of the acquiring calls and methods: a quick first test.
    pub(super) names: HashSet<&'m str>,
    /// Last segments of every entry of the call lists (`release_functions`, …): the same.
    pub(super) listed: HashSet<&'m str>,
    /// The methods that release some kind of resource ([`Api::releases_some_kind`]).
    pub(super) kind_releases: HashSet<&'m str>,
    /// The names the file's imports bind (`http`, `fileutil`): the qualifiers of calls
    /// [`Api::project_call`] asks the project about.
    pub(super) imported: HashSet<&'m str>,
    /// What [`Api::project_call`] learnt of each path it asked the project about.
    pub(super) returned: std::cell::RefCell<HashMap<String, Option<crate::index::ResourceType>>>,
    /// What [`Api::project_releases_arg`] learnt of each path it asked the project about.
    pub(super) released: std::cell::RefCell<HashMap<String, Option<Vec<u8>>>>,
    /// Project functions asked whether they cannot throw, by path.
    pub(super) nothrow_paths: std::cell::RefCell<HashMap<String, bool>>,
    /// [`Fx::module_dirs_removed`](super::Fx), worked out once per file when first asked.
    pub(super) module_dirs: std::cell::OnceCell<Vec<String>>,
    /// Python: the names imports bind to another path (`rmtree` of `from shutil import
    /// rmtree`, `sh` of `import shutil as sh`), with that path: a call through one is matched
    /// against the rule data by the path it stands for ([`Api::resolved`]).
    pub(super) aliases: HashMap<&'m str, &'m str>,
    /// Python: the functions the module defines at its top level, which hide a builtin of
    /// the same name ([`Api::shadowed`]).
    pub(super) module_functions: HashSet<&'m str>,
    /// Python: a name of the data's calls that a function binds itself (`open = launcher.open`,
    /// a nested `def open`), with the span of that function, where the name is not the builtin.
    pub(super) local_shadows: Vec<(&'m str, Span)>,
}

/// Python: the names in `names` that a function binds itself, by a bare assignment or a
/// nested `def`, each with the span of the function that binds it ([`Api::local_shadows`]).
pub(super) fn local_shadows<'u>(unit: &'u Unit, names: &HashSet<&str>) -> Vec<(&'u str, Span)> {
    let mut out = Vec::new();
    if unit.lang != Lang::Python {
        return out;
    }
    for f in &unit.functions {
        if f.kind == FnKind::Nested && names.contains(f.name.as_str()) {
            if let Some(p) = f.parent {
                out.push((f.name.as_str(), unit.functions[p].span));
            }
        }
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Bind { targets, .. } = &s.kind {
                for t in targets {
                    if let ExprKind::Name(n) = &t.kind {
                        if names.contains(n.as_str()) {
                            out.push((n.as_str(), f.span));
                        }
                    }
                }
            }
        });
    }
    out
}

/// The names a Python file's imports bind to a path other than themselves: `from m import f`
/// binds `f` to `m.f`, `import m as x` binds `x` to `m`. (`import a.b` binds `a` to itself.)
pub(super) fn import_aliases(unit: &Unit) -> HashMap<&str, &str> {
    if unit.lang != Lang::Python {
        return HashMap::new();
    }
    unit.imports
        .iter()
        .filter(|i| !i.wildcard && !i.path.starts_with('.'))
        .filter(|i| {
            // `import a.b` (lowered with `a` as its alias) binds `a` to itself.
            !i.alias.as_deref().is_some_and(|a| {
                i.path
                    .strip_prefix(a)
                    .is_some_and(|rest| rest.starts_with('.'))
            })
        })
        .map(|i| (i.local_name(), i.path.as_str()))
        .filter(|(local, path)| path != local)
        .collect()
}

/// Whether `entry` of a call list names the call whose full path is `path`: a dotted entry by
/// the path's end, a bare one by its last segment.
fn names_path(entry: &str, path: &str) -> bool {
    if entry.contains(['.', ':']) {
        ends_with_norm(path, entry)
    } else {
        last_segment(path) == entry
    }
}

/// Rust paths use `::`; everything is compared with `.`.
pub(super) fn norm(p: String) -> String {
    if p.contains("::") {
        p.replace("::", ".")
    } else {
        p
    }
}

pub(super) fn callee(c: &Call) -> Option<String> {
    path_of(&c.func)
}

/// Whether a keyword argument of a call is named one of `settings` (`start_new_session=True`)
/// or given one (`preexec_fn=os.setsid`): see [`Spec::names_setting`].
fn detached(c: &Call, settings: &[String]) -> bool {
    if settings.is_empty() || c.keywords.is_empty() {
        return false;
    }
    let first = c.args.len().saturating_sub(c.keywords.len());
    c.keywords.iter().zip(&c.args[first..]).any(|(k, v)| {
        // A module's private copy of a flag counts (`_DETACHED_PROCESS = getattr(…)`).
        let named = |p: &str| {
            settings
                .iter()
                .any(|s| s == last_segment(p).trim_start_matches('_'))
        };
        settings.iter().any(|s| s == k) || path_of(v).is_some_and(|p| named(&p))
    })
}

/// Whether `entry` names the call: a dotted entry by its path (or a path ending in it), a bare
/// entry by the function's or method's name.
pub(super) fn names_call(entry: &str, c: &Call, path: &mut Option<Option<String>>) -> bool {
    // Cheap test first: a call matches only an entry whose last segment is its name (compared
    // from the end, without splitting: this runs for every call and list entry).
    let Some(name) = c.name() else {
        return false;
    };
    let sep = |b: &u8| matches!(b, b'.' | b':');
    let head = entry.len().wrapping_sub(name.len());
    if !entry.ends_with(name)
        || head > 0 && !sep(&entry.as_bytes()[head - 1])
        || name.as_bytes().iter().any(sep)
    {
        return false;
    }
    if !entry.as_bytes().iter().any(sep) {
        return true;
    }
    let Some(p) = path.get_or_insert_with(|| callee(c)) else {
        return false;
    };
    ends_with_norm(p, entry)
}

/// `path == entry`, or `path` ends with `.entry`, reading `::` in `entry` as `.`; no allocation.
pub(super) fn ends_with_norm(path: &str, entry: &str) -> bool {
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
pub(super) fn eq_norm(path: &str, entry: &str) -> bool {
    path.len() == entry.len() - entry.matches("::").count() && ends_with_norm(path, entry)
}

/// What an acquisition makes: which results or argument hold the resource and how it is
/// released.
#[derive(Clone, Debug, Default)]
pub(super) struct Spec {
    pub(super) results: Vec<usize>,
    pub(super) err_result: Option<usize>,
    pub(super) out_arg: Option<usize>,
    pub(super) receiver: bool,
    pub(super) release: Vec<String>,
    pub(super) owner: Option<Owner>,
    /// Methods whose earlier results on the first argument become the resource (`as_raw_fd`
    /// for `mem::forget(file)`).
    pub(super) views: Vec<String>,
    /// Its methods cannot leave it open by throwing: see [`Acquire::throw_safe`].
    pub(super) throw_safe: bool,
    /// See [`Acquire::closed_with_owner`].
    pub(super) closed_with_owner: bool,
    pub(super) traits: Traits,
    /// A wrapping construction around it that may throw (`new GZIPInputStream(…)`).
    pub(super) wrapper_throws: Option<String>,
    /// The acquiring call as shown in messages: `os.Open`, `new FileInputStream`.
    pub(super) callee: String,
    /// The directory it is made in, when the call names one of its own (rule data `in_dir`).
    pub(super) parent: Option<Expr>,
}

/// How a kind of resource behaves, from its `acquire` row: see [`Acquire::drained_by`],
/// [`Acquire::drained_by_attrs`], [`Acquire::read_to_end_by`], [`Acquire::fails_released`], [`Acquire::finished_if`],
/// [`Acquire::lent_to_calls`], [`Acquire::lock`], [`Acquire::reclaimed`], [`Acquire::expires`],
/// [`Acquire::detached_by`], [`Acquire::lives_on_with`], [`Acquire::idle_until`], [`Acquire::dropped_reclaimed_unless`] and [`Acquire::fills_slot`].
#[derive(Clone, Debug, Default)]
pub(super) struct Traits {
    pub(super) drained_by: Vec<String>,
    pub(super) drained_by_attrs: Vec<String>,
    pub(super) read_to_end_by: Vec<String>,
    pub(super) fails_released: Vec<String>,
    pub(super) finished_if: Vec<String>,
    pub(super) held_if: Vec<String>,
    pub(super) lock: bool,
    pub(super) reclaimed: bool,
    pub(super) expires: bool,
    /// See [`Acquire::dropped_reclaimed_unless`]: no argument names what would hold it.
    pub(super) dropped_reclaimed: bool,
    /// Started detached by its call's arguments (`start_new_session=True`).
    pub(super) detached: bool,
    pub(super) detached_by: Vec<String>,
    /// See [`Acquire::lives_on_with`].
    pub(super) lives_on_with: Vec<String>,
    /// See [`Acquire::idle_until`].
    pub(super) idle_until: Vec<String>,
    pub(super) fills_slot: bool,
    pub(super) lent_to_calls: bool,
    /// See [`Acquire::release_functions`].
    pub(super) release_functions: Vec<String>,
    /// See [`Acquire::moved_by`].
    pub(super) moved_by: Vec<String>,
    /// See [`Acquire::fixed_at`].
    pub(super) fixed_at: Option<crate::rules::FixedAt>,
    /// See [`Acquire::nothrow`].
    pub(super) nothrow: Vec<String>,
}

/// The receiver of an acquiring call whose own methods release the resource (`cmd` for
/// `cmd.StdoutPipe()`): `release` always, `release_on_error` when they fail.
#[derive(Clone, Debug)]
pub(super) struct Owner {
    pub(super) path: String,
    pub(super) release: Vec<String>,
    pub(super) release_on_error: Vec<String>,
    /// See [`Acquire::callers_with_owner`].
    pub(super) callers: bool,
}

impl Owner {
    pub(super) fn calls(&self, c: &Call, methods: &[String]) -> bool {
        c.name().is_some_and(|m| methods.iter().any(|x| x == m))
            && c.receiver().and_then(path_of).as_deref() == Some(self.path.as_str())
    }
}

impl Traits {
    /// Whether call `c` reads what it is given to the end (`json.load(r)`, `io.ReadAll(body)`),
    /// which releases a resource of this kind.
    pub(super) fn read_to_end_by(&self, c: &Call) -> bool {
        self.read_to_end_by.iter().any(|f| c.func.is_path(f))
    }
}

impl Spec {
    /// A project resource ([`crate::index::ResourceType`]) returned by `callee`: released by its
    /// close method, or for one a summary reports, by the methods or functions it names.
    pub(super) fn project(r: crate::index::ResourceType, callee: String) -> Spec {
        Spec {
            results: vec![0],
            err_result: r.error_result,
            out_arg: None,
            receiver: false,
            release: r
                .close_method
                .split(',')
                .filter(|m| !m.is_empty())
                .map(String::from)
                .collect(),
            owner: None,
            views: Vec::new(),
            throw_safe: false,
            closed_with_owner: false,
            traits: Traits::default(),
            wrapper_throws: None,
            callee,
            parent: None,
        }
    }

    pub(super) fn from_rule(a: &Acquire, c: Option<&Call>) -> Spec {
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
                    callers: a.callers_with_owner,
                }),
            views: a.views.clone(),
            throw_safe: a.throw_safe,
            closed_with_owner: a.closed_with_owner,
            traits: Traits {
                drained_by: a.drained_by.clone(),
                drained_by_attrs: a.drained_by_attrs.clone(),
                read_to_end_by: a.read_to_end_by.clone(),
                fails_released: a.fails_released.clone(),
                finished_if: a.finished_if.clone(),
                held_if: a.held_if.clone(),
                lock: a.lock,
                reclaimed: a.reclaimed,
                expires: a.expires,
                dropped_reclaimed: !a.dropped_reclaimed_unless.is_empty()
                    && c.is_some_and(|c| {
                        !c.args
                            .iter()
                            .any(|x| Spec::names_setting(x, &a.dropped_reclaimed_unless))
                    }),
                detached: c.is_some_and(|c| detached(c, &a.detached_by)),
                detached_by: a.detached_by.clone(),
                lives_on_with: a.lives_on_with.clone(),
                idle_until: a.idle_until.clone(),
                fills_slot: a.fills_slot,
                lent_to_calls: a.lent_to_calls,
                release_functions: a.release_functions.clone(),
                moved_by: a.moved_by.clone(),
                fixed_at: a.fixed_at.clone(),
                nothrow: a.nothrow.clone(),
            },
            wrapper_throws: None,
            callee: shown,
            parent: None,
        }
    }

    /// Whether `e` names one of `settings` (rule data `detached_by`, `dropped_reclaimed_unless`):
    /// a keyword of a call in it, a field set in a literal, a name or a path's last segment.
    pub(super) fn names_setting(e: &Expr, settings: &[String]) -> bool {
        let named = |n: &str| settings.iter().any(|s| s == n);
        let mut found = false;
        e.walk(&mut |x| {
            found |= match &x.kind {
                ExprKind::Call(c) => detached(c, settings),
                ExprKind::Construct { fields, .. } => {
                    fields.iter().any(|(f, _)| f.as_deref().is_some_and(named))
                }
                _ => path_of(x).is_some_and(|p| named(last_segment(&p))),
            };
        });
        found
    }

    pub(super) fn binds_result(&self) -> bool {
        self.out_arg.is_none() && !self.receiver && self.views.is_empty()
    }
}

impl<'m> Api<'m> {
    pub(super) fn acquire_call(&self, c: &Call, declared: Option<&TypeRef>) -> Option<Spec> {
        let name = c.name()?;
        // A mock being verified or stubbed (`verify(conn).createStatement()`,
        // `doReturn(s).when(conn).createStatement()`) records a call; it opens nothing.
        if self.lang == Lang::Java && c.receiver().is_some_and(mock_verb) {
            return None;
        }
        // A mock made to stand for one (`mock(ResultSet.class)`) holds nothing.
        if self.lang == Lang::Java && name == "mock" && c.args.len() == 1 {
            return None;
        }
        // `Statement s = connection.createStatement(sql)` with r2dbc's `Statement`: a type of
        // another package than the JDK's, named like one the data's `returns` means, is that
        // library's, and so is the call that made it.
        if self.lang == Lang::Java
            && declared.is_some_and(|t| {
                self.m
                    .acquire
                    .iter()
                    .any(|a| a.returns.as_deref() == Some(t.simple()))
                    && self.foreign_java_type(t)
            })
        {
            return None;
        }
        // Known by the declared type alone: `ResultSet rs = helper.query()`. Not a getter or
        // a collection's accessor (`result.getResultSetRaw()`, `trace.get(i)`): what those
        // return belongs to the object asked.
        let by_type = || {
            // A pool's or a factory's getter hands out a new one (`pool.getRS()`).
            let factory = c.receiver().and_then(Expr::hint_name).is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                FACTORIES.iter().any(|f| h.ends_with(f))
            });
            if is_accessor(name) && !factory {
                return None;
            }
            // Another library's type of that name was turned away above.
            let d = declared?.simple();
            let a =
                self.m.acquire.iter().find(|a| {
                    a.returns.as_deref() == Some(d) && !a.except.iter().any(|x| x == name)
                })?;
            // `rs = dbw.query(q)` of a project class whose `query` returns a field of its own:
            // the object's, which closes it.
            if self.lang == Lang::Java && self.returns_owners_field(c, name) {
                return None;
            }
            Some(Spec::from_rule(a, Some(c)))
        };
        // A bare name an import binds (`urlopen` of `from urllib.request import urlopen as
        // _urlopen`, or of a project module) is the function it stands for: matched by that
        // path alone, against the data's dotted entries.
        let imported = match &c.func.peel().kind {
            ExprKind::Name(n) => self.aliases.get(n.as_str()).copied(),
            _ => None,
        };
        let called = imported.map_or(name, last_segment);
        if !self.names.contains(called) || self.shadowed(c, name) {
            return by_type();
        }
        let mut path: Option<Option<String>> = None;
        self.m
            .acquire
            .iter()
            .find_map(|a| {
                let hit = if let Some(p) = &a.call {
                    // Cheap test first: the last segment.
                    p.ends_with(called)
                        && match imported {
                            Some(full) => p.contains('.') && ends_with_norm(full, p),
                            None => {
                                path.get_or_insert_with(|| callee(c))
                                    .as_deref()
                                    .is_some_and(|q| eq_norm(q, p))
                                    || self.resolved(c).is_some_and(|q| eq_norm(&q, p))
                            }
                        }
                } else if let Some(m) = &a.method {
                    c.receiver().is_some() && name == m.as_str()
                } else {
                    false
                };
                if !hit {
                    return None;
                }
                // `on`: the receiver's name (or the method that made it) ends with one of these.
                let named = || {
                    a.on.is_empty()
                        || c.receiver().and_then(Expr::hint_name).is_some_and(|h| {
                            let h = h.to_ascii_lowercase();
                            a.on.iter().any(|o| h.ends_with(&o.to_ascii_lowercase()))
                        })
                };
                // A receiver's known type decides before its name does. Where the file alone
                // cannot tell the type, the project may, but that is asked (the misses kept)
                // only where the name would match: the type can then only take a finding away.
                let typed = |types: &[String]| {
                    if types.is_empty() {
                        return None;
                    }
                    let (known, misses) = self
                        .ctx
                        .capture(|| c.receiver().and_then(|r| self.receiver_typed(c, r, types)));
                    if known.is_none() && !a.on.is_empty() && named() {
                        self.ctx.record(&misses);
                    }
                    known
                };
                let on = match typed(&a.on_type) {
                    Some(fits) => fits,
                    None => (a.on_type.is_empty() || !a.on.is_empty()) && named(),
                };
                let on = on && typed(&a.not_on_type) != Some(true);
                let not_on = !a.not_on.is_empty()
                    && c.receiver().and_then(Expr::hint_name).is_some_and(|h| {
                        let h = h.to_ascii_lowercase();
                        a.not_on
                            .iter()
                            .any(|o| h.ends_with(&o.to_ascii_lowercase()))
                    });
                let hit = on
                    && !not_on
                    && a.args.is_none_or(|n| n == c.args.len())
                    && a.with_kwarg.as_deref().is_none_or(|k| with_kwarg(c, k))
                    && !with_literal(c, &a.not_with_literal)
                    && !self.over_object(c);
                let typed = match &a.declared {
                    None => true,
                    Some(t) => declared.is_some_and(|d| d.simple() == t),
                };
                (hit && typed).then(|| {
                    let mut spec = Spec::from_rule(a, Some(c));
                    spec.parent = a.in_dir.as_ref().and_then(|d| parent_dir(d, c)).cloned();
                    // `conn.createStatement().executeQuery(q)`: the statement has no name of
                    // its own; the result set stands for it, and goes with the connection,
                    // which closes both.
                    if spec.owner.is_none() && !a.owner_release.is_empty() {
                        spec.owner = c
                            .receiver()
                            .and_then(|r| match &r.peel().kind {
                                ExprKind::Call(inner) => self.acquire_call(inner, None),
                                _ => None,
                            })
                            .and_then(|made| made.owner)
                            .map(|o| Owner {
                                release_on_error: Vec::new(),
                                callers: false,
                                ..o
                            });
                        spec.closed_with_owner &= spec.owner.is_none();
                    }
                    spec
                })
            })
            .or_else(by_type)
    }

    /// Java: a declared type that is not the JDK's of its simple name, which the rule data's
    /// `returns` means (`java.sql.ResultSet`): an array of them (`ResultSet[]`), a type written
    /// with another package (`com.datastax.driver.core.ResultSet`), or one the file imports
    /// from another package (`import com.datastax.driver.core.ResultSet;`), or one only a
    /// wildcard import of another package can give (`import com.datastax.driver.core.*;`
    /// with no import from the JDK that could).
    fn foreign_java_type(&self, t: &TypeRef) -> bool {
        self.java_type_from_elsewhere(t, None)
    }

    /// Whether `t` as written or imported in this file comes from a package other than
    /// `package` (the JDK's when `None`): see [`Api::foreign_java_type`].
    fn java_type_from_elsewhere(&self, t: &TypeRef, package: Option<&str>) -> bool {
        let home = |p: &str| match package {
            Some(pkg) => p.strip_prefix(pkg).is_some_and(|r| r.starts_with('.')),
            None => p.starts_with("java.") || p.starts_with("javax."),
        };
        let base = t.base();
        if t.0.ends_with("[]") {
            return true;
        }
        // Written in full, the name says where it is from.
        if base.contains('.') {
            return !home(base);
        }
        let imports = &self.unit.imports;
        match self.unit.import_named(base) {
            Some(i) => !home(&i.path),
            None => {
                imports.iter().any(|i| i.wildcard && !home(&i.path))
                    && !imports.iter().any(|i| i.wildcard && home(&i.path))
            }
        }
    }

    /// A call of a function of another file whose summary says it returns a fresh resource,
    /// or a Python call of a project class whose constructor opens one (see
    /// [`crate::index::Ctx::returned_resource`]). Only calls the rule data and the file do not
    /// already explain, written as a plain or package-qualified function call, are asked about.
    pub(super) fn project_call(&self, sums: &Summaries, c: &Call) -> Option<Spec> {
        let name = c.name()?;
        if self.names.contains(name)
            || self.listed.contains(name)
            || sums.by_name.contains_key(name)
        {
            return None;
        }
        let path = self.project_path(c, name)?;
        // Asked once per file and path: `pkg.Helper` is called from many places.
        let known = self.returned.borrow().get(&path).cloned();
        let r = match known {
            Some(r) => r,
            None => {
                let r = self.ctx.returned_resource(&path);
                self.returned.borrow_mut().insert(path.clone(), r.clone());
                r
            }
        }?;
        Some(Spec::project(r, path))
    }

    /// The path by which the project is asked about a call: a plain function (`helper`), or
    /// one of a package the file imports (`pkg.Open`), not a method of a local (`t.Run(…)`).
    fn project_path(&self, c: &Call, name: &str) -> Option<String> {
        match c.receiver().map(|r| &r.peel().kind) {
            None => Some(name.to_string()),
            Some(ExprKind::Name(q))
                if matches!(self.lang, Lang::Go | Lang::Python)
                    && self.imported.contains(q.as_str()) =>
            {
                Some(format!("{q}.{name}"))
            }
            _ => None,
        }
    }

    /// Whether a call of a function of another file releases its argument `i`, as that file's
    /// summary says (`defer removeDir(dir)` of a test helper that calls `os.RemoveAll`). Only
    /// calls the rule data and the file do not already explain are asked about.
    pub(super) fn project_releases_arg(&self, sums: &Summaries, c: &Call, i: usize) -> bool {
        let Some(name) = c.name() else {
            return false;
        };
        // A plain Java call is a method of the class or of one it extends (a test base's
        // `forceDelete(path)`), never the data's `FileUtils.forceDelete`; a class's static
        // method the data does not name is the project's to tell (commons-io's own
        // `PathUtils.deleteIfExists(p)`, not `Files.deleteIfExists`).
        let own_method = self.lang == Lang::Java && c.receiver().is_none();
        let static_path = self.static_path(c, name);
        if self.names.contains(name)
            || self.listed.contains(name) && !own_method && static_path.is_none()
            || sums.by_name.contains_key(name)
        {
            return false;
        }
        let path = if own_method {
            self.inherited_path(c, name)
        } else {
            self.project_path(c, name).or(static_path)
        };
        let Some(path) = path else {
            return false;
        };
        let known = self.released.borrow().get(&path).cloned();
        let args = match known {
            Some(r) => r,
            None => {
                let r = self.ctx.released_args(&path);
                self.released.borrow_mut().insert(path, r.clone());
                r
            }
        };
        args.is_some_and(|a| a.iter().any(|&x| usize::from(x) == i))
    }

    /// Java's plain `forceDelete(p)`, not a method of its own class: the path of the method
    /// by the class around the call (`ArchiveTest.forceDelete`), which the project resolves
    /// through the classes it extends.
    fn inherited_path(&self, c: &Call, name: &str) -> Option<String> {
        let at = c.func.span;
        let class = self
            .unit
            .types
            .iter()
            .filter(|t| t.span.start <= at.start && at.end <= t.span.end && t.superclass.is_some())
            .min_by_key(|t| t.span.end - t.span.start)?;
        Some(format!("{}.{name}", class.name))
    }

    /// Java's `Util.close(c)`: the path of a static method of a class, by the class's name.
    fn static_path(&self, c: &Call, name: &str) -> Option<String> {
        class_receiver(self.lang, c).map(|q| format!("{q}.{name}"))
    }

    /// Java: whether a call of a method of another file cannot throw, as that file's summary
    /// says (`JdbcUtils.closeResultSet(rs)` whose body catches everything).
    pub(super) fn project_nothrow(&self, sums: &Summaries, c: &Call) -> bool {
        let Some(name) = c.name() else {
            return false;
        };
        if self.lang != Lang::Java || sums.by_name.contains_key(name) {
            return false;
        }
        let path = match c.receiver() {
            None => self
                .inherited_path(c, name)
                .unwrap_or_else(|| name.to_string()),
            Some(_) => match self.static_path(c, name) {
                Some(p) => p,
                None => return false,
            },
        };
        if let Some(&known) = self.nothrow_paths.borrow().get(&path) {
            return known;
        }
        let r = self.ctx.nothrow(&path);
        self.nothrow_paths.borrow_mut().insert(path, r);
        r
    }

    /// `new T(…)` of a project class that implements `Closeable` / `AutoCloseable` and whose
    /// constructor opens something ([`crate::index::Ctx::project_resource`]).
    pub(super) fn project_new(&self, ty: &TypeRef) -> Option<Spec> {
        // A Go or Rust composite literal runs no constructor: it opens nothing itself.
        if self.lang != Lang::Java {
            return None;
        }
        let r = self.ctx.project_resource(ty)?;
        Some(Spec::project(r, format!("new {}", ty.simple())))
    }

    /// Whether the receiver `r` of `c` is of a type ending with one of `types` (as written,
    /// without pointers: `http.Client`), or made by a method of that name (`openConnection`
    /// for `URLConnection`); `None` when its type is not known.
    fn receiver_typed(&self, c: &Call, r: &Expr, types: &[String]) -> Option<bool> {
        // A Java entry with its package (`okhttp3.Call`) is told from another `Call`
        // (retrofit's, zipkin's) by the file's imports and package.
        let qualified = |x: &str| self.lang == Lang::Java && x.contains('.');
        // By the end of the name as written: of a Java entry's simple name.
        let ends = |t: &str, x: &str| {
            let x = if qualified(x) { last_segment(x) } else { x };
            t.to_ascii_lowercase().ends_with(&x.to_ascii_lowercase())
        };
        // Java types of packages the file never names are not what it works with (zipkin's
        // own `http().newCall(…)` makes no OkHttp `Call`).
        if types
            .iter()
            .all(|x| qualified(x) && !self.unit.java_names_package_of(x))
        {
            return Some(false);
        }
        let fits = |t: &str| {
            types.iter().any(|x| {
                match qualified(x).then(|| self.unit.java_qualified(t)).flatten() {
                    Some(q) => q == *x,
                    None => ends(t, x),
                }
            })
        };
        let r = r.peel();
        let func = self.around(c.func.span);
        if let Some((id, _)) = func {
            let env = crate::types::TypeEnv::new(self.ctx, self.unit, id);
            if let Some(t) = env.type_of(r) {
                return Some(fits(t.base()));
            }
            if self.python_constructed(&env, r, types) {
                return Some(true);
            }
        }
        // Made by a method named for the type (`client.newCall(request)`).
        if let ExprKind::Call(m) = &r.kind {
            if m.name().is_some_and(|n| types.iter().any(|x| ends(n, x))) {
                return Some(true);
            }
        }
        let func = func.map(|(_, f)| f);
        let p = path_of(r)?;
        if p.contains('.') {
            return self
                .unit
                .field_type(last_segment(&p))
                .map(|t| fits(t.simple()));
        }
        let mut ty = func.and_then(|f| {
            f.params
                .iter()
                .find(|x| x.name == p)
                .and_then(|x| x.ty.as_ref())
        });
        if ty.is_none() {
            if let Some(f) = func {
                crate::model::walk_stmts(&f.body, &mut |s| {
                    if let StmtKind::Bind {
                        targets,
                        declared: Some(t),
                        ..
                    } = &s.kind
                    {
                        if ty.is_none() && targets.iter().any(|x| path_of(x).as_deref() == Some(&p))
                        {
                            ty = Some(t);
                        }
                    }
                });
            }
        }
        ty.or_else(|| self.unit.field_type(&p))
            .map(|t| fits(t.base()))
    }

    /// Python: whether local `r` is bound only to constructions of one of `types`, which the
    /// rule data names as classes (`z = zipfile.ZipFile(p)`, `with ZipFile(p) as z`): the
    /// call's path is read through the file's imports.
    fn python_constructed(&self, env: &crate::types::TypeEnv, r: &Expr, types: &[String]) -> bool {
        let ExprKind::Name(name) = &r.kind else {
            return false;
        };
        let constructs = |v: &&Expr| match &v.peel().kind {
            ExprKind::Call(c) => c
                .func
                .path()
                .is_some_and(|p| types.contains(&self.unit.python_resolved(&p))),
            _ => false,
        };
        self.lang == Lang::Python
            && env
                .values_of(name)
                .is_some_and(|vs| !vs.is_empty() && vs.iter().all(constructs))
    }

    /// A call that acquires when bound to a variable of some declared type (`scan` → `Cursor`).
    pub(super) fn acquire_call_typed(&self, c: &Call) -> bool {
        self.m.acquire.iter().any(|a| {
            a.returns.is_some()
                || a.declared.is_some()
                    && a.method
                        .as_deref()
                        .is_some_and(|m| c.receiver().is_some() && c.name() == Some(m))
        })
    }

    /// Python: a bare call of a name the module defines itself (`def open(file, flag)` of
    /// SCons's `dblite`) calls that function, not the builtin; its summary speaks for it.
    fn shadowed(&self, c: &Call, name: &str) -> bool {
        matches!(c.func.peel().kind, ExprKind::Name(_))
            && (self.module_functions.contains(name)
                || self
                    .local_shadows
                    .iter()
                    .any(|(n, at)| *n == name && at.contains(c.func.span)))
    }

    /// `new T(args)`: an acquisition unless an argument is something already open that the
    /// construction only wraps (`wraps`: `new Jedis(connection)`).
    pub(super) fn acquire_new(
        &self,
        ty: &TypeRef,
        args: &[(Option<String>, Expr)],
    ) -> Option<Spec> {
        let a = self.new_rule(ty)?;
        // An argument built in place is what it wraps: `new PrintWriter(new StringWriter())`.
        // So is a parameter declared as a stream: `new PrintWriter(output)` in `save(OutputStream
        // output)` writes to the caller's stream, which the caller closes.
        let wraps = args.iter().any(|(_, v)| self.wrapped(a, v));
        (!wraps).then(|| Spec::from_rule(a, None))
    }

    /// The data's row for constructing `ty` (`{ new = "FileInputStream" }`). In Java, not for a
    /// type of the same name from another package (zip4j's `ZipFile`, which holds only a path).
    pub(super) fn new_rule(&self, ty: &TypeRef) -> Option<&'m Acquire> {
        let name = Some(ty.simple());
        let a = self.m.acquire.iter().find(|a| a.new.as_deref() == name)?;
        let foreign =
            self.lang == Lang::Java && self.java_type_from_elsewhere(ty, a.package.as_deref());
        (!foreign).then_some(a)
    }

    /// Whether argument `v` of a construction by `a` is something already open that it only
    /// wraps (see [`Acquire::wraps`]).
    fn wrapped(&self, a: &Acquire, v: &Expr) -> bool {
        if a.wraps.is_empty() {
            return false;
        }
        match &v.peel().kind {
            ExprKind::Construct { .. } => return true,
            // `err != null ? err : System.err`: every branch (the test aside) is borrowed.
            ExprKind::Other(xs) if self.lang == Lang::Java && xs.len() == 3 => {
                return matches!(xs[0].peel().kind, ExprKind::Binary(..) | ExprKind::Not(_))
                    && xs[1..].iter().all(|x| self.wrapped(a, x));
            }
            _ => {}
        }
        self.stream_parameter(v)
            || self.in_memory_local(v)
            || v.hint_name().is_some_and(|h| {
                let h = h.to_ascii_lowercase();
                a.wraps.iter().any(|w| h.ends_with(&w.to_ascii_lowercase()))
            })
    }

    /// The innermost function of the file around `span`.
    fn around(&self, span: Span) -> Option<(FuncId, &'m crate::model::Function)> {
        let id = self.unit.function_around(span)?;
        Some((id, &self.unit.functions[id]))
    }

    /// Java: whether `c` calls a method of a project class, through a receiver of that type,
    /// that returns a field of its object ([`crate::index::FnFacts::returns_field`]).
    fn returns_owners_field(&self, c: &Call, name: &str) -> bool {
        let (Some(r), Some((id, _))) = (c.receiver(), self.around(c.func.span)) else {
            return false;
        };
        let env = crate::types::TypeEnv::new(self.ctx, self.unit, id);
        env.project_type(r)
            .is_some_and(|k| self.ctx.returns_field(k, name))
    }

    /// Java: a local declared as, or bound to a construction of, an in-memory target (rule data
    /// `in_memory`: `StringWriter`), which holds nothing to release.
    fn in_memory_local(&self, v: &Expr) -> bool {
        let ExprKind::Name(n) = &v.peel().kind else {
            return false;
        };
        if self.lang != Lang::Java || self.m.in_memory.is_empty() {
            return false;
        }
        let fits = |t: &TypeRef| self.m.in_memory.iter().any(|m| m == t.simple());
        let Some((_, f)) = self.around(v.span) else {
            return false;
        };
        let mut hit = false;
        crate::model::walk_stmts(&f.body, &mut |s| {
            if let StmtKind::Bind {
                targets,
                values,
                declared,
            } = &s.kind
            {
                if let ([t], [x]) = (targets.as_slice(), values.as_slice()) {
                    let named = matches!(&t.kind, ExprKind::Name(m) if m == n);
                    let built = matches!(&x.peel().kind, ExprKind::Construct { ty: Some(ty), .. } if fits(ty));
                    hit |= named && (built || declared.as_ref().is_some_and(fits));
                }
            }
        });
        hit
    }

    /// Java: a value of a stream type (`OutputStream out`, `Writer w`) that the method did not
    /// open: a parameter (what it holds is the caller's), or a field or getter of another
    /// object declared to give a stream (`terminal.output()`, which that object owns).
    fn stream_parameter(&self, v: &Expr) -> bool {
        if self.lang != Lang::Java {
            return false;
        }
        let is_stream = |t: &TypeRef| ["Stream", "Writer"].iter().any(|s| t.simple().ends_with(s));
        let around = self.around(v.span);
        match &v.peel().kind {
            ExprKind::Name(n) => around
                .and_then(|(_, f)| f.params.iter().find(|p| p.name == *n))
                .and_then(|p| p.ty.as_ref())
                .is_some_and(is_stream),
            // A method of a typed receiver whose declared result is a stream.
            ExprKind::Call(c) if c.receiver().is_some() => around.is_some_and(|(id, _)| {
                crate::types::TypeEnv::new(self.ctx, self.unit, id)
                    .type_of(v)
                    .is_some_and(|t| is_stream(&t))
            }),
            _ => false,
        }
    }

    /// A Java type that closes what it wraps (rule data `wrappers`).
    pub(super) fn wrapper(&self, t: &TypeRef) -> bool {
        let name = t.simple();
        self.m.wrappers.iter().any(|w| name.ends_with(w.as_str()))
    }

    /// Whether constructing wrapper `t` with `args` arguments may throw, leaving what it wraps
    /// open (rule data `throwing_wrappers`; `Name/N`: only with N arguments or more, as
    /// `JarOutputStream/2`, which writes its manifest; without one it writes nothing).
    pub(super) fn wrapper_throws(&self, t: &TypeRef, args: usize) -> bool {
        let name = t.simple();
        self.m
            .throwing_wrappers
            .iter()
            .any(|w| match w.split_once('/') {
                Some((w, min)) => w == name && min.parse().is_ok_and(|min: usize| args >= min),
                None => w == name,
            })
    }

    /// Whether some kind of the language is released by calling it (`cancel()`: rule data
    /// `release = ["()"]`).
    pub(super) fn releases_by_calling(&self) -> bool {
        self.m
            .acquire
            .iter()
            .any(|a| a.release.iter().any(|r| r == "()"))
    }

    /// A method that releases some kind of resource of the language: a release method of the
    /// data's (`close`), or the last name of a kind's own release (`wait` of a process,
    /// `Commit` of a transaction, `Close` of `Body.Close`). A helper calling it on a
    /// parameter releases what it is given.
    pub(super) fn releases_some_kind(&self, method: &str) -> bool {
        self.kind_releases.contains(method)
    }

    /// The `owning_methods` entry naming this call, if any.
    pub(super) fn owning_entry(&self, c: &Call) -> Option<&str> {
        let mut path = None;
        self.m
            .owning_methods
            .iter()
            .find(|m| names_call(m, c, &mut path))
            .map(String::as_str)
    }

    pub(super) fn owning(&self, c: &Call) -> bool {
        self.owning_entry(c).is_some()
    }

    /// Whether the call only lends its arguments to a result that owns them (a dotted
    /// `owning_methods` entry: `Class.forName(n, true, loader)`). A method named there
    /// (`loadClass`, `newInstance`) owns its receiver; what it is given goes as to any call
    /// (mybatis' `StatementLogger.newInstance(stmt, log)` wraps the statement it is given).
    pub(super) fn lends_args(&self, c: &Call) -> bool {
        self.owning_entry(c).is_some_and(|m| m.contains('.'))
    }

    pub(super) fn in_list(&self, list: &[String], c: &Call) -> bool {
        if c.name().is_some_and(|n| self.listed.contains(n)) {
            let mut path = None;
            if list.iter().any(|e| names_call(e, c, &mut path)) {
                return true;
            }
        }
        self.resolved(c).is_some_and(|p| {
            self.listed.contains(last_segment(&p)) && list.iter().any(|e| names_path(e, &p))
        })
    }

    /// Whether `entry` names the call, as written or by the path its import stands for.
    pub(super) fn names(&self, entry: &str, c: &Call) -> bool {
        names_call(entry, c, &mut None) || self.resolved(c).is_some_and(|p| names_path(entry, &p))
    }

    /// The full path of a Python call written through an import that binds another path:
    /// `shutil.rmtree` for `rmtree(d)` after `from shutil import rmtree`, or for `sh.rmtree(d)`
    /// after `import shutil as sh`. `None` for any other call.
    pub(super) fn resolved(&self, c: &Call) -> Option<String> {
        if self.aliases.is_empty() {
            return None;
        }
        self.resolve(&callee(c)?)
    }

    /// The full path a Python path written through an import alias stands for (`sh.rmtree`
    /// after `import shutil as sh`), or `None`.
    fn resolve(&self, p: &str) -> Option<String> {
        let (head, rest) = match p.split_once('.') {
            Some((h, r)) => (h, Some(r)),
            None => (p, None),
        };
        let full = self.aliases.get(head)?;
        Some(match rest {
            Some(r) => format!("{full}.{r}"),
            None => full.to_string(),
        })
    }

    /// How a test of what an acquisition returned against `other` reads (`p == NULL`,
    /// `fd < 0`, `fd == -1`, `p == MAP_FAILED`, and their opposites): `Some(true)` when it
    /// holds only where the acquisition failed, `Some(false)` only where it worked, `None`
    /// when it does not tell.
    pub(super) fn failed_if(&self, other: &Expr, op: BinOp) -> Option<bool> {
        match (&other.peel().kind, op) {
            (ExprKind::Lit(Lit::Nil), BinOp::Eq) => Some(true),
            (ExprKind::Lit(Lit::Nil), BinOp::Ne) => Some(false),
            (ExprKind::Name(n), BinOp::Eq | BinOp::Ne) if self.failure_value(n) => {
                Some(op == BinOp::Eq)
            }
            // A descriptor or a status: negative on failure.
            (ExprKind::Lit(Lit::Num(Some(n))), op) => match (op, n) {
                (BinOp::Lt, 0) | (BinOp::Le, -1) | (BinOp::Eq, -1) => Some(true),
                (BinOp::Ge, 0) | (BinOp::Gt, -1) | (BinOp::Ne, -1) => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    /// A name an acquisition returns when it fails (rule data `failure_values`, where `*`
    /// stands for any run of characters: `INVALID_*` covers a project's `INVALID_EPOLL_HANDLE`).
    pub(super) fn failure_value(&self, name: &str) -> bool {
        self.m
            .failure_values
            .iter()
            .any(|v| match v.split_once('*') {
                Some((head, tail)) => {
                    name.len() >= head.len() + tail.len()
                        && name.starts_with(head)
                        && name.ends_with(tail)
                }
                None => v == name,
            })
    }

    pub(super) fn is_release_fn(&self, c: &Call) -> bool {
        self.in_list(&self.m.release_functions, c)
    }

    /// Whether `e` names, without calling it, a release function of the data: `shutil.rmtree`
    /// of `self.addCleanup(shutil.rmtree, d)` or `atexit.register(os.remove, p)`.
    pub(super) fn names_release_fn(&self, e: &Expr) -> bool {
        let e = e.peel();
        if !matches!(e.kind, ExprKind::Name(_) | ExprKind::Field(..)) {
            return false;
        }
        let Some(p) = path_of(e) else {
            return false;
        };
        let full = self.resolve(&p);
        self.m.release_functions.iter().any(|entry| {
            names_path(entry, &p) || full.as_deref().is_some_and(|f| names_path(entry, f))
        })
    }

    /// An opener given an object its caller owns (`tarfile.open(fileobj=f)`): it reads
    /// through that object and holds nothing of its own.
    pub(super) fn over_object(&self, c: &Call) -> bool {
        self.m
            .borrowing_kwargs
            .iter()
            .any(|k| c.keyword(k).is_some())
    }

    /// An opener given an in-memory stream (`zipfile.ZipFile(io.BytesIO(data))`), directly or
    /// through one of `buffers`, the names bound to one: it holds nothing.
    pub(super) fn over_buffer(&self, c: &Call, buffers: &[String]) -> bool {
        !self.m.in_memory.is_empty()
            && c.args.iter().any(|a| match &a.peel().kind {
                ExprKind::Call(inner) => self.in_memory(inner),
                ExprKind::Name(n) => buffers.contains(n),
                _ => false,
            })
    }

    /// A call of an in-memory stream's constructor (`io.BytesIO()`).
    pub(super) fn in_memory(&self, c: &Call) -> bool {
        self.m.in_memory.iter().any(|p| c.func.is_path(p))
    }

    /// A call named to keep what it is given (rule data `keeping_calls`: `setBaseDir`; in C
    /// also the last word, `Hashtable_put`).
    pub(super) fn keeps(&self, c: &Call) -> bool {
        let Some(n) = c.name() else {
            return false;
        };
        self.m.keeping_calls.iter().any(|k| {
            // The name cut before a verb that ends it: `Hashtable_` and `put`.
            let split = n
                .len()
                .checked_sub(k.len())
                .filter(|&i| i > 0 && n.is_char_boundary(i))
                .map(|i| n.split_at(i))
                .filter(|(_, verb)| verb.eq_ignore_ascii_case(k));
            n.strip_prefix(k.as_str()).is_some_and(|rest| {
                rest.is_empty() || rest.starts_with(|ch: char| ch.is_ascii_uppercase() || ch == '_')
            })
            // C's `Hashtable_put`, `g_hash_table_insert`, `RB_INSERT`: the verb ends the name;
            // in a camel-case name, its last word (`cupsArrayAdd`, `listAppend`).
            || self.lang == Lang::C
                && split.is_some_and(|(head, verb)| {
                    head.ends_with('_')
                        || !k.contains('_')
                            && verb.starts_with(|ch: char| ch.is_ascii_uppercase())
                            && head.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                })
            // A project's own macro around a container macro names its kind after the verb
            // (`HASH_ADD_PEER` for uthash's `HASH_ADD`): in an all-capitals name, any word.
            || self.lang == Lang::C
                && !k.contains('_')
                && n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                && n.split('_').any(|w| w.eq_ignore_ascii_case(k))
        })
    }

    pub(super) fn borrows(&self, c: &Call) -> bool {
        self.in_list(&self.m.borrowing_calls, c)
    }

    pub(super) fn passthrough(&self, c: &Call) -> bool {
        self.in_list(&self.m.passthrough_calls, c)
    }

    /// Calls taken never to throw (logging, formatting), for the exception paths.
    pub(super) fn nothrow(&self, c: &Call) -> bool {
        self.in_list(&self.m.nothrow_calls, c)
    }

    pub(super) fn noreturn(&self, c: &Call) -> bool {
        self.in_list(&self.m.noreturn_calls, c) || failed_assert(c)
    }

    pub(super) fn error_label(&self, label: &str) -> bool {
        let l = label.to_ascii_lowercase();
        self.m
            .error_labels
            .iter()
            .any(|p| l.starts_with(p.as_str()))
    }
}

// ----- expression queries -----

/// Receivers, by the end of their name, whose getters hand out a new object each time.
const FACTORIES: &[&str] = &["pool", "factory", "dao", "source", "provider"];

/// An assertion that cannot hold, `assert(0)` or `assert(!"unreachable")`: the branch that
/// reaches it is not taken.
fn failed_assert(c: &Call) -> bool {
    c.name() == Some("assert")
        && c.args.first().is_some_and(|a| match &a.peel().kind {
            ExprKind::Lit(Lit::Num(Some(0))) => true,
            ExprKind::Not(x) => matches!(x.peel().kind, ExprKind::Lit(Lit::Str(_))),
            _ => false,
        })
}

/// A getter (`getStatement`, `get`) or a collection's accessor (`peek`, `next`, `first`):
/// what it returns is a reference to something the receiver holds.
pub(super) fn is_accessor(name: &str) -> bool {
    let getter = name
        .strip_prefix("get")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase()));
    getter
        || matches!(
            name,
            "peek" | "poll" | "element" | "next" | "first" | "last" | "remove" | "take"
            // A map's: the value returned is one the map already held.
                | "put" | "putIfAbsent" | "computeIfAbsent" | "replace"
        )
}

/// The directory the call makes it in (see [`crate::rules::InDir`]), when it names one that is
/// not the system's temporary directory.
fn parent_dir<'c>(d: &crate::rules::InDir, c: &'c Call) -> Option<&'c Expr> {
    let positional = c.args.len() - c.keywords.len();
    if d.min_args.is_some_and(|n| c.args.len() < n) {
        return None;
    }
    let given = d.kwarg.as_deref().and_then(|k| c.keyword(k)).or_else(|| {
        d.arg
            .filter(|&i| i < positional)
            .and_then(|i| c.args.get(i))
    });
    let e = given?;
    let own = match &e.peel().kind {
        ExprKind::Lit(Lit::Str(s)) => !s.is_empty(),
        ExprKind::Lit(Lit::Nil) => false,
        ExprKind::Call(inner) => {
            let mut path = None;
            !d.system.iter().any(|s| names_call(s, inner, &mut path))
        }
        _ => true,
    };
    own.then_some(e)
}

/// `c` has the keyword argument `entry` (`stream=True`): a boolean literal, read by its length
/// (`True` is four bytes, `False` five).
fn with_kwarg(c: &Call, entry: &str) -> bool {
    let (name, value) = entry.split_once('=').unwrap_or((entry, "True"));
    c.keyword(name).is_some_and(|v| {
        let v = v.peel();
        matches!(v.kind, ExprKind::Lit(Lit::Bool))
            && (v.span.end - v.span.start) as usize == value.len()
    })
}

/// Java's `Util` of `Util.close(c)`: a receiver that names a class, by its capital letter.
pub(super) fn class_receiver(lang: Lang, c: &Call) -> Option<&str> {
    match c.receiver().map(|r| &r.peel().kind) {
        Some(ExprKind::Name(q))
            if lang == Lang::Java && q.starts_with(|ch: char| ch.is_ascii_uppercase()) =>
        {
            Some(q)
        }
        _ => None,
    }
}

/// An argument of `c` is a string literal that matches one of `patterns` (see [`glob`]).
fn with_literal(c: &Call, patterns: &[String]) -> bool {
    c.args.iter().any(|a| {
        matches!(&a.peel().kind, ExprKind::Lit(Lit::Str(s))
            if patterns.iter().any(|p| glob(s, p)))
    })
}

/// Whether all of `s` matches `pattern`, where `*` stands for any text.
fn glob(s: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return s == pattern;
    }
    if s.len() < first.len() + last.len() || !s.starts_with(first) || !s.ends_with(last) {
        return false;
    }
    let mut middle = &s[first.len()..s.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match middle.find(part) {
            Some(i) => middle = &middle[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether an assignment in `body` that pairs its targets with its values binds `var`, as a
/// whole, to a value `accept` takes (`output = dest;`, `rs = stmt.executeQuery(q)`).
pub(super) fn bound_to(body: &[Stmt], var: &str, accept: impl Fn(&Expr) -> bool) -> bool {
    let mut hit = false;
    crate::model::walk_stmts(body, &mut |s| {
        if let StmtKind::Bind {
            targets, values, ..
        } = &s.kind
        {
            hit |= targets.len() == values.len()
                && targets
                    .iter()
                    .zip(values)
                    .any(|(t, v)| path_of(t).as_deref() == Some(var) && accept(v));
        }
    });
    hit
}

/// The variable or field path an expression denotes, normalized (`this.lock` is `lock`).
pub(super) fn path_of(e: &Expr) -> Option<String> {
    e.peel().path().map(|p| {
        let mut p = norm(p);
        if p.starts_with("this.") {
            p.drain(.."this.".len());
        }
        p
    })
}

/// `path` is `base.rest` exactly (`resp.Body.Close` of `resp` and `Body.Close`).
pub(super) fn member(path: &str, base: &str, rest: &str) -> bool {
    path.strip_prefix(base)
        .and_then(|p| p.strip_prefix('.'))
        .is_some_and(|p| p == rest)
}

pub(super) fn under(path: &str, var: &str) -> bool {
    path == var
        || (path.len() > var.len() && path.starts_with(var) && path.as_bytes()[var.len()] == b'.')
}

/// Rust's `x?`: lowered as a pass-through operator whose span is the operand's plus the `?`.
pub(super) fn is_rust_try(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Unary(inner) => {
            e.span.start == inner.span.start && e.span.end == inner.span.end + 1
        }
        _ => false,
    }
}

/// The variable an out-argument writes through: `fds`, `fds + 2`, `&fd`, `fds.as_mut_ptr()`.
pub(super) fn out_var(e: &Expr) -> Option<String> {
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
pub(super) fn ends_with_exit(api: &Api, b: &Block) -> bool {
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
pub(super) fn each_expr<'u>(unit: &'u Unit, block: &'u Block, f: &mut impl FnMut(&'u Expr)) {
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

/// `Ok(x)`, `cvt(x)`, `Some(x)`, `x.cast()` → `x`.
pub(super) fn unwrap_passthrough<'e>(api: &Api, e: &'e Expr) -> &'e Expr {
    let mut e = e.peel();
    while let ExprKind::Call(c) = &e.kind {
        match (c.args.as_slice(), c.receiver()) {
            ([a], _) if api.passthrough(c) => e = a.peel(),
            ([], Some(x)) if api.passthrough(c) => e = x.peel(),
            _ => break,
        }
    }
    e
}

/// Whether `e` is, or holds, the variable `var` itself or a part of it (not a value computed
/// from it).
/// Java: whether `e` is Mockito's or BDDMockito's handle on a mock, on which a method call
/// is recorded or stubbed, not made: `verify(m)`, `inOrder.verify(m, times(2))`, `when(m)`
/// after `doReturn(…)`, `then(m).should()`.
fn mock_verb(e: &Expr) -> bool {
    matches!(&e.peel().kind, ExprKind::Call(c)
        if !c.args.is_empty() && matches!(c.name(), Some("verify" | "when" | "given" | "then"))
            || c.args.is_empty() && c.name() == Some("should")
                && c.receiver().is_some_and(mock_verb))
}

pub(super) fn passes_var(api: &Api, e: &Expr, var: &str) -> bool {
    passes_path(api, e, &|p| under(p, var))
}

/// Whether `e` is, or holds, a path that `accept` takes for the resource.
pub(super) fn passes_path(api: &Api, e: &Expr, accept: &dyn Fn(&str) -> bool) -> bool {
    let e = e.peel();
    // `this.` is Java's own object; elsewhere `this` is a variable like any other (C's
    // `return &this->super` hands `this` back).
    let path = match api.lang {
        Lang::Java => path_of(e),
        _ => e.path().map(norm),
    };
    if let Some(p) = path {
        return accept(&p);
    }
    let passes = |x: &Expr| passes_path(api, x, accept);
    match &e.kind {
        ExprKind::Index(base, _) => passes(base),
        ExprKind::Other(xs) => xs.iter().any(passes),
        ExprKind::Binary(BinOp::Other, a, b) => passes(a) || passes(b),
        ExprKind::Construct { fields, .. } => fields.iter().any(|(_, v)| passes(v)),
        // `cvt(fd)`, and a method that gives its receiver back retyped (`raw.cast()`).
        ExprKind::Call(c) if api.passthrough(c) => c.args.iter().chain(c.receiver()).any(passes),
        // `fis.getChannel()`: the channel owns the stream; `Class.forName(n, true, loader)`:
        // the class needs its loader.
        ExprKind::Call(c) => match api.owning_entry(c) {
            Some(m) if m.contains('.') => c.args.iter().any(passes),
            Some(_) => c.receiver().is_some_and(passes),
            None => false,
        },
        _ => false,
    }
}

/// Like [`passes_var`], and through argument-less methods (`fds.as_mut_ptr()`, `f.fileno()`).
pub(super) fn refers_to(e: &Expr, var: &str) -> bool {
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
pub(super) fn bound_acquisitions<'u>(
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
pub(super) fn acquisition(
    api: &Api,
    sums: &Summaries,
    unit: &Unit,
    e: &Expr,
    declared: Option<&TypeRef>,
) -> Option<Spec> {
    let e = e.peel();
    match &e.kind {
        // `zipfile.ZipFile(self)`: an opener reading through the object itself holds nothing.
        ExprKind::Call(c)
            if api.lang == Lang::Python
                && c.args
                    .iter()
                    .any(|a| matches!(&a.peel().kind, ExprKind::Name(n) if n == "self")) =>
        {
            None
        }
        ExprKind::Call(c) => {
            // A helper of the file handing out what its object keeps makes nothing new.
            if sums.returns_stored(api, unit, c) {
                return None;
            }
            if let Some(s) = api.acquire_call(c, declared).filter(Spec::binds_result) {
                return Some(s);
            }
            if let Some(s) = sums.returned_resource(unit, c) {
                return Some(s);
            }
            if let Some(s) = api.project_call(sums, c) {
                return Some(s);
            }
            if api.passthrough(c) {
                return c
                    .args
                    .iter()
                    .chain(c.receiver())
                    .find_map(|a| acquisition(api, sums, unit, a, declared));
            }
            None
        }
        ExprKind::Construct { ty, fields } => {
            if let Some(s) = ty.as_ref().and_then(|t| api.acquire_new(t, fields)) {
                return Some(s);
            }
            if let Some(s) = ty.as_ref().and_then(|t| api.project_new(t)) {
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
                // Its methods are the wrapper's: a `PrintWriter`'s do not throw.
                if let Some(a) = api.new_rule(t) {
                    inner.traits.nothrow.clone_from(&a.nothrow);
                }
                if api.wrapper_throws(t, fields.len()) {
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

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn glob_matches_the_whole_text_with_stars_for_any_run() {
        let p = "jdbc:derby:*;shutdown=true*";
        assert!(glob("jdbc:derby:;shutdown=true", p));
        assert!(glob("jdbc:derby:app;shutdown=true;deregister=false", p));
        assert!(!glob("jdbc:hsqldb:mem:app;shutdown=true", p));
        assert!(!glob("jdbc:derby:app;create=true", p));
        assert!(glob("exact", "exact"));
        assert!(!glob("exactly", "exact"));
        assert!(!glob("ab", "a*b*b"));
    }
}
