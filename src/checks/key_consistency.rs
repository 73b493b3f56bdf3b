//! `key-consistency`: a container written under a normalized key and read or deleted with the
//! raw one (or the other way round), and a key recomputed from a non-deterministic source for a
//! delete or lookup.
//!
//! Each function is read in source order, keeping for every local whether it holds a normalized
//! value (lower-cased, trimmed, a cleaned path, a resolved host), a raw one (a parameter, an
//! element, the result of a non-normalizing function of the file), or an unknown one. A key is
//! described by its builder (`get_node_name`, a format template, or the value itself) and, for
//! each argument, its name and state; fields remember the keys built into them (`self.name =
//! get_node_name(host, port)`). Two accesses of the same container disagree when one stores and
//! the other reads, deletes or tests, their keys have the same builder and argument names, and an
//! argument is normalized on one side and raw on the other.
//!
//! A container is known by its name and, for a field, by the type that owns it: `self._container`
//! in a method of `LRU` and in a method of `Headers` are two containers, and `other._container`
//! is the field of `other`'s type when the type environment knows it.

use super::support::{api_matches, call_matches, map_access, type_matches, Patterns};
use super::Finding;
use crate::model::TypeRef;
use crate::model::{
    BinOp, Expr, ExprKind, FnKind, FuncId, Lang, Lit, Param, Span, Stmt, StmtKind, Unit,
};
use crate::rules::{ApiModel, CanonicalContainer, KeyForm, MapOp, Rule};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};

pub fn check(rule: &Rule, model: &ApiModel, unit: &Unit, ctx: &super::Ctx, out: &mut Vec<Finding>) {
    let normalizing = Patterns::new(&model.normalizers);
    let nondeterministic = Patterns::new(&model.nondeterministic);
    // A finding needs a key normalized by the rule's normalizers (the file's own normalizers
    // are built on them) or computed by a non-deterministic call: without either in the file,
    // the three passes below cannot find anything.
    // A subscript of a canonicalizing container (`http.Header`) with a string literal needs
    // neither.
    let mime = model
        .canonical_containers
        .iter()
        .any(|c| c.keys == KeyForm::Mime)
        && has_literal_subscript(unit);
    if !mime && !normalizing.any_in(unit) && !nondeterministic.any_in(unit) {
        return;
    }
    let mut cx = Cx {
        model,
        normalizing,
        nondeterministic,
        unit,
        normalizers: BTreeMap::new(),
        case_insensitive: BTreeSet::new(),
        fields: HashMap::new(),
        accesses: Vec::new(),
        aliases: HashMap::new(),
        recording: false,
        walking_keys: false,
        walking_raw: false,
        round: 0,
        current: std::cell::Cell::new(0),
        dirty: vec![false; unit.functions.len()],
        field_readers: RefCell::new(HashMap::new()),
        ctx,
        envs: RefCell::new(HashMap::new()),
        types: RefCell::new(HashMap::new()),
        scopes: RefCell::new(HashMap::new()),
        fn_names: RefCell::new(HashMap::new()),
        raw_literals: Vec::new(),
        literal_writes: BTreeSet::new(),
        candidate_misses: Vec::new(),
        calls: HashMap::new(),
        next_calls: HashMap::new(),
        defined: unit.functions.iter().map(|f| f.name.as_str()).collect(),
        receiver: None,
        stored_carries: Vec::new(),
        relayed: OnceCell::new(),
    };
    // Project normalizers (a function that returns its argument rewritten), then field keys;
    // two rounds so that a normalizer calling a normalizer, and a field read by a later
    // constructor, are known.
    let before = out.len();
    // The second round reads again only the functions that read a field key before a later
    // function taught it (and, in turn, those that read what they teach anew): the others
    // would read and teach what they did in the first.
    let ((), misses) = ctx.capture(|| {
        for id in 1..cx.unit.functions.len() {
            cx.function(id);
        }
        cx.round = 1;
        cx.calls = std::mem::take(&mut cx.next_calls);
        if !cx.normalizers.is_empty() {
            cx.dirty.fill(true);
        }
        // A function some parameter of which every call passes normalized reads differently
        // now that the calls are known.
        for id in 1..cx.unit.functions.len() {
            cx.dirty[id] |= cx.starts_normalized(id);
        }
        let mut reread = Vec::new();
        for id in 1..cx.unit.functions.len() {
            if cx.dirty[id] {
                reread.push(id);
                cx.function(id);
            }
        }
        // The calls of a function read again replace those it made in the first round.
        for sites in cx.calls.values_mut() {
            sites.retain(|s| reread.binary_search(&s.caller).is_err());
        }
        for (callee, sites) in std::mem::take(&mut cx.next_calls) {
            cx.calls.entry(callee).or_default().extend(sites);
        }
        cx.recording = true;
        for id in 0..cx.unit.functions.len() {
            cx.function(id);
        }
        // The report judges parameters by the calls as this last reading saw them, when every
        // normalizer of the file is known.
        cx.calls = std::mem::take(&mut cx.next_calls);
        report(rule, &cx, out);
    });
    // Owner types only tell containers apart, so the project's index can take findings away
    // but never add one: a file with none does not depend on it. A literal subscript of a
    // container of unknown type is the exception: the index may tell it is an `http.Header`,
    // which only the questions about that container's type decide.
    if out.len() > before {
        ctx.record(&misses);
    } else {
        ctx.record(&cx.candidate_misses);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Norm,
    Raw,
    Unknown,
    /// A key read back from a collection (`for key in self._raw`): in whatever form it was
    /// stored. Unknown, except that a parameter every call passes normalized or so is not raw.
    Stored,
}

#[derive(Clone, Debug)]
struct Arg {
    name: String,
    state: State,
    /// Where the value was normalized.
    site: Option<Span>,
    /// Normalized only by folding its case, which a case-insensitive container ignores.
    case_only: bool,
}

#[derive(Clone, Debug)]
struct Shape {
    /// `""` for the value itself, else the builder call or format template.
    builder: String,
    args: Vec<Arg>,
}

#[derive(Clone, Debug)]
struct Val {
    arg: Arg,
    /// The key the local holds, when it was bound to a builder.
    shape: Option<Shape>,
    /// The normalized names the value was made with, beside a reference to the function's
    /// own object (`Listener(self, host)` after `host = host.lower()`).
    carries: Vec<String>,
}

struct Access {
    /// The function the access is in.
    func: FuncId,
    /// The container's name, for messages.
    container: String,
    /// The container's identity: its name, qualified by the owner type for a field.
    key: String,
    op: MapOp,
    span: Span,
    shapes: Vec<Shape>,
    /// The key is computed here from a non-deterministic call.
    random: Option<(Span, String)>,
    /// The container finds a key whatever its case.
    case_insensitive: bool,
    /// The function also compares the key whatever its case (`strings.EqualFold(k, key)`):
    /// this access is the exact-match fast path of a case-insensitive search.
    fallback_scan: bool,
    /// A store of a value made with the function's own object and these normalized names
    /// ([`Cx::carries`]).
    carries: Vec<String>,
}

/// A subscript of a container that canonicalizes its keys in its methods only (`http.Header`),
/// with a literal that is not in canonical form.
struct RawLiteral {
    span: Span,
    container: String,
    literal: String,
    canonical: String,
    op: MapOp,
}

struct Cx<'u> {
    model: &'u ApiModel,
    normalizing: Patterns<'u>,
    nondeterministic: Patterns<'u>,
    unit: &'u Unit,
    /// Functions of the file that return a normalized parameter, and whether they only fold
    /// its case.
    normalizers: BTreeMap<FuncId, bool>,
    /// Containers that find a key whatever its case (`CaseInsensitiveDict()`), by container
    /// key, from the constructions bound to them.
    case_insensitive: BTreeSet<String>,
    /// Keys and states assigned to fields, by field name.
    fields: HashMap<String, Vec<(Shape, Arg)>>,
    accesses: Vec<Access>,
    /// `a = b` between containers: `a` → `b` (container keys).
    aliases: HashMap<String, String>,
    recording: bool,
    /// The loop being entered walks a container's keys: its variable is bound `Stored`.
    walking_keys: bool,
    /// The loop being entered walks a collection known to be raw: its variable is bound raw.
    walking_raw: bool,
    /// The learning round (0 or 1), and the function being read.
    round: u8,
    current: std::cell::Cell<FuncId>,
    /// The functions the second learning round must read again.
    dirty: Vec<bool>,
    /// The functions that read each field's keys while learning, in the order read.
    field_readers: RefCell<HashMap<String, Vec<FuncId>>>,
    ctx: &'u super::Ctx<'u>,
    /// The types of the names that hold containers (`other` of `other._container`), by
    /// function, read from a type environment when first needed.
    envs: RefCell<HashMap<(FuncId, String), Option<String>>>,
    /// The declared or inferred types of names, by function, for canonicalizing containers.
    types: RefCell<HashMap<(FuncId, String), Option<TypeRef>>>,
    /// [`Cx::local_scope`] of each name asked, by function.
    scopes: RefCell<HashMap<(FuncId, String), Option<FuncId>>>,
    /// [`Cx::names`] of each function asked.
    fn_names: RefCell<HashMap<FuncId, Names>>,
    raw_literals: Vec<RawLiteral>,
    /// The string literals the file writes through a subscript (`h["ETag"] = …`).
    literal_writes: BTreeSet<String>,
    /// What the index could not answer about the containers of unknown type that a literal
    /// not in canonical form subscripts: the project may tell one is an `http.Header`.
    candidate_misses: Vec<crate::index::Miss>,
    /// The arguments the file's calls pass, by callee name, from the previous round: a
    /// parameter every call of the file passes normalized starts normalized.
    calls: HashMap<String, Vec<CallSite>>,
    /// The same, being gathered in this round.
    next_calls: HashMap<String, Vec<CallSite>>,
    /// The names of the file's functions: the calls worth gathering.
    defined: HashSet<&'u str>,
    /// [`Cx::relays`]: the pairs `(from, to)` of function names where some function passes
    /// what `from` returns to `to`, found in one pass over the file when first asked.
    relayed: OnceCell<HashSet<(&'u str, &'u str)>>,
    /// The receiver of the function being read (Go's `c` of `func (c *Conn)`).
    receiver: Option<String>,
    /// The subscripts the statement being read stores into, with what the stored value
    /// [`Cx::carries`].
    stored_carries: Vec<(Span, Vec<String>)>,
}

/// The arguments of one call of a function of the file.
struct CallSite {
    /// The function that makes the call.
    caller: FuncId,
    positional: Vec<Arg>,
    keywords: Vec<(String, Arg)>,
    /// `**kwargs`: which parameter gets what is not known (a `*args` is an unknown value).
    opaque: bool,
}

impl CallSite {
    /// What the call passes parameter `i` named `name`: by position, else by keyword.
    fn arg_for(&self, i: usize, name: &str) -> Option<&Arg> {
        self.positional.get(i).or_else(|| {
            self.keywords
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, a)| a)
        })
    }
}

type Env = HashMap<String, Val>;

/// The names a function binds, and those it hands along ([`Cx::names`]).
type Names = std::rc::Rc<(HashSet<String>, HashSet<String>)>;

impl<'u> Cx<'u> {
    fn function(&mut self, id: FuncId) {
        let unit = self.unit;
        let f = &unit.functions[id];
        self.current.set(id);
        self.receiver = f.receiver.as_ref().map(|r| r.name.clone());
        let mut env: Env = HashMap::new();
        // A closure sees the state its enclosing function leaves (approximately: parameters).
        let sites = self.sites(id);
        for (i, (p, passed)) in self.params(id).enumerate() {
            // A parameter is raw, unless every call of the file passes it normalized (`host =
            // host.lower(); self._finish(host)`), or normalized or read back from a collection.
            let stored = || passed_stored(&sites, i, &p.name);
            env.insert(
                p.name.clone(),
                Val {
                    arg: Arg {
                        name: p.name.clone(),
                        state: if passed.is_some() {
                            State::Norm
                        } else if stored() {
                            State::Unknown
                        } else {
                            State::Raw
                        },
                        site: passed.and_then(|a| a.site),
                        case_only: passed.is_some_and(|a| a.case_only),
                    },
                    shape: None,
                    carries: Vec::new(),
                },
            );
        }
        let mut returns_norm = None;
        self.block(id, &f.body, &mut env, &mut returns_norm);
        if let Some(case_only) = returns_norm {
            if matches!(f.kind, FnKind::Function | FnKind::Method | FnKind::Nested) {
                // A file normalizer is matched by name wherever it is called: a new one in
                // the second round is seen by every function read after it.
                let new = self.normalizers.insert(id, case_only) != Some(case_only);
                if new && self.round == 1 && !self.recording {
                    self.dirty[id + 1..].fill(true);
                }
            }
        }
    }

    /// The parameters of function `id` a call passes, each with the argument every call of the
    /// file passes it normalized, if there is one.
    fn params(&self, id: FuncId) -> impl Iterator<Item = (&'u Param, Option<&Arg>)> {
        let f = &self.unit.functions[id];
        let sites = self.sites(id);
        // Go's receiver is also the first parameter; a call passes it before the dot.
        let params = f.params.iter().filter(|p| {
            !matches!(p.name.as_str(), "self" | "this" | "cls" | "")
                && f.receiver.as_ref().is_none_or(|r| r.span != p.span)
        });
        params
            .enumerate()
            .map(move |(i, p)| (p, passed_normalized(&sites, i, &p.name)))
    }

    /// The calls of the file that may call function `id`. Calls are gathered by name, so a
    /// call whose arguments cannot fill the function's parameters is another function's
    /// (`fv.Set(value)` of an interface is not `FlagSet.Set(name, value)`). Python's defaults
    /// and `*args` leave its counts open.
    fn sites(&self, id: FuncId) -> Vec<&CallSite> {
        let f = &self.unit.functions[id];
        if !matches!(f.kind, FnKind::Function | FnKind::Method | FnKind::Nested) {
            return Vec::new();
        }
        let declared = f
            .params
            .iter()
            .filter(|p| {
                !matches!(p.name.as_str(), "self" | "this")
                    && f.receiver.as_ref().is_none_or(|r| r.span != p.span)
            })
            .count();
        let last = f
            .params
            .last()
            .and_then(|p| p.ty.as_ref())
            .map(|t| t.0.as_str());
        let fits = |n: usize| match self.unit.lang {
            Lang::Python => true,
            Lang::C => n >= declared,
            Lang::Go if last.is_some_and(|t| t.starts_with("...")) => n + 1 >= declared,
            Lang::Java if last.is_some_and(|t| t.ends_with("[]")) => n + 1 >= declared,
            _ => n == declared,
        };
        self.calls.get(&f.name).map_or_else(Vec::new, |s| {
            s.iter().filter(|s| fits(s.positional.len())).collect()
        })
    }

    /// Whether `name` is a parameter of function `id` (or of a function around it) that no
    /// call of the file passes raw: its form is not known.
    fn param_of_unknown_form(&self, id: FuncId, name: &str) -> bool {
        self.unknown_param(id, name, 4)
    }

    /// [`Cx::param_of_unknown_form`], following a parameter passed on as a raw argument of
    /// the callee through at most `depth` callers.
    fn unknown_param(&self, id: FuncId, name: &str, depth: u8) -> bool {
        for f in crate::checks::support::chain(self.unit, id) {
            let func = &self.unit.functions[f];
            if !func.params.iter().any(|p| p.name == name) {
                continue;
            }
            let Some(i) = self.params(f).position(|(p, _)| p.name == name) else {
                return true;
            };
            // Raw because the caller's own parameter is: that one must be known raw.
            return depth == 0
                || !passed_raw(&self.sites(f), i, name).any(|(caller, a)| {
                    a.name.is_empty() || !self.unknown_param(caller, &a.name, depth - 1)
                });
        }
        false
    }

    /// Whether a container key names a local or parameter handed between functions: not a
    /// field (`Owner.f`), not one function's own local (`name@f`), not a global of the file.
    fn plain_local(&self, key: &str) -> bool {
        !key.contains(['.', '@'])
            && !self
                .unit
                .functions
                .iter()
                .enumerate()
                .any(|(f, func)| func.kind == FnKind::TopLevel && self.names(f).0.contains(key))
    }

    /// Whether function `from` calls function `to` with `container` as an argument.
    fn hands(&self, from: FuncId, to: FuncId, container: &str) -> bool {
        let callee = self.unit.functions[to].name.as_str();
        let mut found = false;
        crate::checks::support::each_expr(self.unit, from, &mut |_, x| {
            found |= matches!(&x.kind, ExprKind::Call(c) if c.name() == Some(callee)
                && c.args
                    .iter()
                    .any(|a| matches!(&a.peel().kind, ExprKind::Name(n) if n == container)));
        });
        found
    }

    /// Whether some function passes what function `from` returns to function `to`:
    /// `to(from(…))`, or `x = from(…)` then `to(x)`.
    fn relays(&self, from: FuncId, to: FuncId) -> bool {
        let relayed = self.relayed.get_or_init(|| {
            let unit = self.unit;
            let called = |e: &'u Expr| match &e.peel().kind {
                ExprKind::Call(c) => c.name(),
                _ => None,
            };
            let mut pairs = HashSet::new();
            for f in 0..unit.functions.len() {
                // Locals bound to what a call returns: `x = from(…)`.
                let mut made: Vec<(&'u str, &'u str)> = Vec::new();
                crate::model::walk_stmts(&unit.functions[f].body, &mut |s| {
                    if let StmtKind::Bind {
                        targets, values, ..
                    } = &s.kind
                    {
                        for (t, v) in targets.iter().zip(values) {
                            if let (ExprKind::Name(n), Some(g)) = (&t.kind, called(v)) {
                                made.push((n, g));
                            }
                        }
                    }
                });
                crate::checks::support::each_expr(unit, f, &mut |_, x| {
                    let ExprKind::Call(c) = &x.kind else {
                        return;
                    };
                    let Some(to) = c.name() else {
                        return;
                    };
                    for a in &c.args {
                        if let Some(g) = called(a) {
                            pairs.insert((g, to));
                        }
                        if let ExprKind::Name(n) = &a.peel().kind {
                            for &(_, g) in made.iter().filter(|(m, _)| m == n) {
                                pairs.insert((g, to));
                            }
                        }
                    }
                });
            }
            pairs
        });
        let name = |f: FuncId| self.unit.functions[f].name.as_str();
        relayed.contains(&(name(from), name(to)))
    }

    /// Whether a call in function `from` of function `to` passes `to`'s parameter `name` raw.
    /// A key that is not a parameter of `to` counts as passed raw.
    fn passes_raw_from(&self, from: FuncId, to: FuncId, name: &str) -> bool {
        let Some(i) = self.params(to).position(|(p, _)| p.name == name) else {
            return true;
        };
        passed_raw(&self.sites(to), i, name).any(|(caller, _)| caller == from)
    }

    /// Whether `arg`, read in function `id`, is raw and not a parameter of unknown form.
    fn known_raw(&self, id: FuncId, arg: &Arg) -> bool {
        arg.state == State::Raw
            && (arg.name.is_empty() || !self.param_of_unknown_form(id, &arg.name))
    }

    fn starts_normalized(&self, id: FuncId) -> bool {
        self.params(id).any(|(_, passed)| passed.is_some())
    }

    fn block(
        &mut self,
        id: FuncId,
        block: &'u [Stmt],
        env: &mut Env,
        returns_norm: &mut Option<bool>,
    ) {
        for s in block {
            self.stmt(id, s, env, returns_norm);
        }
    }

    fn stmt(&mut self, id: FuncId, s: &'u Stmt, env: &mut Env, returns_norm: &mut Option<bool>) {
        // Set by a loop for the first statement of its body, which binds its variable.
        let walking_keys = std::mem::take(&mut self.walking_keys);
        let walking_raw = std::mem::take(&mut self.walking_raw);
        let targets: Vec<Span> = match &s.kind {
            StmtKind::Bind { targets, .. } => targets.iter().map(|t| t.span).collect(),
            _ => Vec::new(),
        };
        let deleting = matches!(&s.kind, StmtKind::Expr(e) if matches!(&e.kind, ExprKind::Call(c) if c.func.is_path("del")));
        if self.recording {
            self.stored_carries.clear();
            if let StmtKind::Bind {
                targets, values, ..
            } = &s.kind
            {
                if targets.len() == values.len() {
                    for (t, v) in targets.iter().zip(values) {
                        if matches!(t.peel().kind, ExprKind::Index(..)) {
                            let carries = self.carries(v, env);
                            if !carries.is_empty() {
                                self.stored_carries.push((t.span, carries));
                            }
                        }
                    }
                }
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    self.access(id, x, &targets, deleting, env);
                    self.call_site(x, env);
                });
            }
        } else {
            for e in s.exprs() {
                e.walk(&mut |x| self.call_site(x, env));
            }
        }
        match &s.kind {
            StmtKind::Bind {
                targets, values, ..
            } => {
                if targets.len() == values.len() {
                    for (t, v) in targets.iter().zip(values) {
                        let val = self.val(v, env);
                        self.bind(id, t, v, val, env);
                    }
                } else if let Some(v) = values.first() {
                    let val = self.val(v, env);
                    // `real, err := filepath.EvalSymlinks(p)`: a normalizer of the rule gives
                    // one value, and an error.
                    if matches!(&v.peel().kind, ExprKind::Call(c) if self.normalizing.matches(c)) {
                        for (i, t) in targets.iter().enumerate() {
                            let mut val = val.clone();
                            if i > 0 {
                                val.arg.state = State::Unknown;
                                val.arg.name = String::new();
                                val.shape = None;
                            }
                            self.bind(id, t, v, val, env);
                        }
                    } else {
                        // `host, port = remap(host, port)`: each target gets the call's state.
                        for t in targets {
                            let mut val = val.clone();
                            val.arg.name = t.hint_name().unwrap_or_default().to_string();
                            val.shape = None;
                            self.bind(id, t, v, val, env);
                        }
                    }
                } else if values.is_empty() {
                    // `for host in hosts`: the element is not what an earlier loop left in
                    // the name, but what the collection holds.
                    for t in targets {
                        if let ExprKind::Name(n) = &t.peel().kind {
                            env.insert(
                                n.clone(),
                                Val {
                                    arg: Arg {
                                        name: n.clone(),
                                        state: if walking_keys {
                                            State::Stored
                                        } else if walking_raw {
                                            State::Raw
                                        } else {
                                            State::Unknown
                                        },
                                        site: None,
                                        case_only: false,
                                    },
                                    shape: None,
                                    carries: Vec::new(),
                                },
                            );
                        }
                    }
                }
            }
            StmtKind::Return(values) => {
                for v in values {
                    let arg = self.val(v, env).arg;
                    if arg.state == State::Norm {
                        *returns_norm = Some(returns_norm.unwrap_or(true) && arg.case_only);
                    }
                }
            }
            StmtKind::Scoped { bindings, body } => {
                self.block(id, bindings, env, returns_norm);
                self.block(id, body, env, returns_norm);
                return;
            }
            // A name bound in one branch is not bound so in the other (`if k == ID { k = ID }
            // else { k = k.lower() }`): each branch starts from the state before the `if`.
            StmtKind::If {
                then, otherwise, ..
            } => {
                // Without an `else`, the merge keeps what the `then` branch left: no copies
                // are needed (`if err != nil { return err }` is most `if`s).
                if otherwise.is_empty() {
                    self.block(id, then, env, returns_norm);
                    return;
                }
                let before = env.clone();
                self.block(id, then, env, returns_norm);
                let mut other = before.clone();
                self.block(id, otherwise, &mut other, returns_norm);
                merge_branches(env, &before, other);
                return;
            }
            StmtKind::Loop { head, body } => {
                self.walking_keys = matches!(head.as_slice(), [e] if self.walks_keys(id, e));
                // A collection named here, not a call's result (a generator of the file may
                // yield normalized keys).
                self.walking_raw = !self.walking_keys
                    && matches!(head.as_slice(), [e] if matches!(e.peel().kind, ExprKind::Name(_))
                        && self.known_raw(id, &self.arg(e, env)));
                self.block(id, body, env, returns_norm);
                return;
            }
            _ => {}
        }
        for b in s.blocks() {
            self.block(id, b, env, returns_norm);
        }
    }

    /// Whether a loop over `e` walks the keys of a container: `d.keys()`, `d.items()`, a field
    /// of the object (`self._raw`), or a local the function indexes (`sub[key] = value`), also
    /// through `list(…)` or `sorted(…)`. Not a parameter's elements (`for host in hosts`).
    fn walks_keys(&self, id: FuncId, e: &Expr) -> bool {
        match &e.peel().kind {
            ExprKind::Call(c) => match (c.name(), c.receiver(), c.args.as_slice()) {
                (Some("keys" | "items"), Some(_), []) => true,
                (Some("list" | "sorted" | "tuple" | "set"), None, [inner]) => {
                    self.walks_keys(id, inner)
                }
                _ => false,
            },
            ExprKind::Field(base, _) => ["self", "this"].iter().any(|r| base.is_path(r)),
            ExprKind::Name(n) => {
                let mut indexed = false;
                crate::model::walk_stmts(&self.unit.functions[id].body, &mut |s| {
                    for x in s.exprs() {
                        x.walk(&mut |y| {
                            indexed |= matches!(&y.kind, ExprKind::Index(b, _) if b.is_path(n))
                        });
                    }
                });
                indexed
            }
            _ => false,
        }
    }

    fn bind(&mut self, id: FuncId, target: &'u Expr, value: &'u Expr, val: Val, env: &mut Env) {
        if self
            .model
            .canonical_containers
            .iter()
            .any(|c| c.keys == KeyForm::CaseInsensitive && constructs(c, value))
        {
            if let Some(k) = self.container_key(id, target) {
                self.case_insensitive.insert(k);
            }
        }
        // Container aliases: `self.nodes_cache = tmp_nodes_cache` (only a name or a field can
        // be one, so the keys are not worked out for other values). Not a parameter: two
        // classes that keep what their constructors are given (`self.environ = environ`) keep
        // two containers.
        let param = matches!(&value.peel().kind, ExprKind::Name(n)
            if self.unit.functions[id].params.iter().any(|p| p.name == *n));
        if !param && matches!(value.peel().kind, ExprKind::Name(_) | ExprKind::Field(..)) {
            if let (Some(a), Some(b)) = (
                self.container_key(id, target),
                self.container_key(id, value),
            ) {
                if a != b {
                    self.aliases.insert(a, b);
                }
            }
        }
        match &target.peel().kind {
            ExprKind::Name(n) => {
                // The local stands for what it was computed from (`key := clean(path)` is
                // `path`), or for itself when that has no name (`host = entry[0]`).
                let mut val = val;
                if val.arg.name.is_empty() {
                    val.arg.name = n.clone();
                }
                env.insert(n.clone(), val);
            }
            ExprKind::Field(_, f) if !self.recording => {
                let mut val = val;
                // `self.name = name` in a constructor no call of the file is seen to make
                // (`self.userFactory(name)`): the field is in whatever form its makers give.
                if val.arg.state == State::Raw
                    && !val.arg.name.is_empty()
                    && self.param_of_unknown_form(id, &val.arg.name)
                {
                    val.arg.state = State::Unknown;
                }
                let shape = val.shape.clone().unwrap_or(Shape {
                    builder: String::new(),
                    args: vec![val.arg.clone()],
                });
                let entry = self.fields.entry(f.clone()).or_default();
                if !entry.iter().any(|(_, a)| {
                    a.site == val.arg.site && a.state == val.arg.state && a.name == val.arg.name
                }) {
                    entry.push((shape, val.arg));
                    // Who read the field before now (first round), or will read it after this
                    // function (second), reads it again.
                    if let Some(readers) = self.field_readers.borrow().get(f.as_str()) {
                        for &r in readers {
                            if self.round == 0 || r > id {
                                self.dirty[r] = true;
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Records the arguments of `e`, if it calls a function of the file by name.
    fn call_site(&mut self, e: &Expr, env: &Env) {
        let ExprKind::Call(call) = &e.kind else {
            return;
        };
        let Some(name) = call.name() else {
            return;
        };
        if !self.defined.contains(name) {
            return;
        }
        // `self._store.get(name)` in the file's own `get`: the container's method, not a
        // recursive call.
        let caller = &self.unit.functions[self.current.get()];
        if caller.name == name
            && call
                .receiver()
                .is_some_and(|r| !matches!(&r.peel().kind, ExprKind::Name(n) if matches!(n.as_str(), "self" | "this" | "cls")))
        {
            return;
        }
        // `natural.Less(a, b)` calls another package's function, not the file's `Less`.
        if let Some(ExprKind::Name(base)) = call.receiver().map(|r| &r.peel().kind) {
            if self.unit.import_named(base).is_some() {
                return;
            }
        }
        let npos = call.args.len() - call.keywords.len().min(call.args.len());
        let site = CallSite {
            caller: self.current.get(),
            positional: call.args[..npos].iter().map(|a| self.arg(a, env)).collect(),
            keywords: call
                .keywords
                .iter()
                .zip(&call.args[npos..])
                .map(|(k, a)| (k.clone(), self.arg(a, env)))
                .collect(),
            opaque: call.keywords.iter().any(|k| k == "**"),
        };
        self.next_calls
            .entry(name.to_string())
            .or_default()
            .push(site);
    }

    /// Records a map access in `e`, if it is one.
    fn access(&mut self, id: FuncId, e: &'u Expr, targets: &[Span], deleting: bool, env: &Env) {
        let Some((container, key, op)) = map_access(self.model, e) else {
            return;
        };
        let op = match op {
            MapOp::Lookup if targets.contains(&e.span) => MapOp::Insert,
            MapOp::Lookup if deleting => MapOp::Delete,
            op => op,
        };
        if let ExprKind::Lit(Lit::Str(lit)) = &key.peel().kind {
            let canonical = canonical_mime_key(lit);
            if op == MapOp::Insert {
                self.literal_writes.insert(lit.clone());
            }
            if canonical != *lit && !official_spelling(lit) {
                let (form, misses) = self.ctx.capture(|| self.container_form(id, container));
                if form.is_none() {
                    self.candidate_misses.extend(misses.iter().cloned());
                }
                self.ctx.record(&misses);
                match form {
                    Some(KeyForm::Mime) => self.raw_literals.push(RawLiteral {
                        span: e.span,
                        container: super::support::render(container),
                        literal: lit.clone(),
                        canonical,
                        op,
                    }),
                    Some(KeyForm::CaseInsensitive) => {}
                    None => {}
                }
            }
        }
        let Some(name) = last_segment(container) else {
            return;
        };
        let Some(container_key) = self.container_key(id, container) else {
            return;
        };
        let case_insensitive = self.container_form(id, container) == Some(KeyForm::CaseInsensitive)
            || self.case_insensitive.iter().any(|k| {
                same_owner(k, &container_key)
                    && crate::model::last_segment(k) == crate::model::last_segment(&container_key)
            });
        let container = name;
        let shapes = self.shapes(key, env);
        // Only a key computed right here is recomputed: a local holding one is the stored key
        // reused. A subscript may index a slice or an array, so only explicit map calls count
        // as reads.
        let random = self
            .random(key)
            .filter(|_| op == MapOp::Insert || !matches!(e.kind, ExprKind::Index(..)));
        self.accesses.push(Access {
            func: id,
            container,
            key: container_key,
            op,
            span: e.span,
            shapes,
            random,
            case_insensitive,
            fallback_scan: self.compares_ignoring_case(id, key),
            carries: self
                .stored_carries
                .iter()
                .filter(|(sp, _)| op == MapOp::Insert && *sp == e.span)
                .flat_map(|(_, c)| c.iter().cloned())
                .collect(),
        });
    }

    /// Whether function `id` passes `key` (a name or field) to a case-insensitive comparison.
    fn compares_ignoring_case(&self, id: FuncId, key: &Expr) -> bool {
        if self.model.case_insensitive_compare.is_empty() {
            return false;
        }
        let Some(path) = key.peel().path() else {
            return false;
        };
        let compare = Patterns::new(&self.model.case_insensitive_compare);
        let mut hit = false;
        crate::model::walk_stmts(&self.unit.functions[id].body, &mut |s| {
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call(c) = &x.kind {
                        if !hit && compare.matches(c) {
                            hit = c
                                .args
                                .iter()
                                .chain(c.receiver())
                                .any(|a| a.peel().path().as_deref() == Some(path.as_str()));
                        }
                    }
                });
            }
        });
        hit
    }

    /// How a container treats its keys, when rule data names it: by its type (declared,
    /// inferred, or the construction a local is bound to), or as a field or method result of a
    /// value of a named type (`r.Header`, `w.Header()`).
    fn container_form(&self, id: FuncId, c: &Expr) -> Option<KeyForm> {
        let c = c.peel();
        self.model.canonical_containers.iter().find_map(|cc| {
            let found = if let Some(ty) = &cc.ty {
                let declared = cc.with_arg.is_empty()
                    && self
                        .type_of(id, c)
                        .is_some_and(|t| type_matches(std::slice::from_ref(ty), &t));
                declared
                    || match &c.kind {
                        ExprKind::Name(n) => super::support::chain(self.unit, id).any(|f| {
                            super::support::local_value(&self.unit.functions[f].body, n)
                                .is_some_and(|v| constructs(cc, v))
                        }),
                        _ => false,
                    }
            } else if let Some(field) = &cc.field {
                matches!(&c.kind, ExprKind::Field(base, f) if f == field
                    && self.type_of(id, base).is_some_and(|t| type_matches(&cc.on, &t)))
            } else if let Some(method) = &cc.method {
                matches!(&c.kind, ExprKind::Call(call) if call.name() == Some(method.as_str())
                && call.args.is_empty()
                && call.receiver().is_some_and(|r| {
                    self.type_of(id, r).is_some_and(|t| type_matches(&cc.on, &t))
                }))
            } else {
                false
            };
            found.then_some(cc.keys)
        })
    }

    /// The type of a name or field in function `id`: declared in the file, else from the type
    /// environment (names only, cached).
    fn type_of(&self, id: FuncId, e: &Expr) -> Option<TypeRef> {
        if let Some(t) = super::support::type_of(self.unit, id, e) {
            return Some(t.clone());
        }
        let ExprKind::Name(n) = &e.peel().kind else {
            return None;
        };
        let key = (id, n.clone());
        if let Some(found) = self.types.borrow().get(&key) {
            return found.clone();
        }
        let found = crate::types::TypeEnv::new(self.ctx, self.unit, id).type_of(e);
        self.types.borrow_mut().insert(key, found.clone());
        found
    }

    /// A container's identity: a local or global by its name; a field by its owner type and
    /// name (`LRU._container`), the owner being the method's type for `self.f` / `this.f` / the
    /// Go receiver's `r.f`, else the type of the base when the type environment knows it.
    fn container_key(&self, id: FuncId, e: &Expr) -> Option<String> {
        let name = last_segment(e)?;
        let unit = self.unit;
        let method = super::support::chain(unit, id)
            .map(|f| &unit.functions[f])
            .find(|f| f.kind == FnKind::Method);
        let ExprKind::Field(base, _) = &e.peel().kind else {
            // Java's bare field name in a method of its class.
            let owner = method
                .and_then(|m| m.owner.as_deref())
                .filter(|_| unit.lang == Lang::Java)
                .and_then(|o| unit.type_named(o))
                .map(|t| &unit.types[t])
                .filter(|t| t.field(&name).is_some())
                .filter(|_| !method.is_some_and(|m| m.params.iter().any(|p| p.name == name)));
            return Some(match owner {
                Some(t) => format!("{}.{name}", t.name),
                None => match self.local_scope(id, &name) {
                    // Locals of two functions are two containers, whatever their names.
                    Some(f) => format!("{name}@{f}"),
                    None => name,
                },
            });
        };
        let own = match &base.peel().kind {
            ExprKind::Name(b) => {
                matches!(b.as_str(), "self" | "this")
                    || method
                        .and_then(|m| m.receiver.as_ref())
                        .is_some_and(|r| r.name == *b)
            }
            _ => false,
        };
        let owner = if own {
            method.and_then(|m| m.owner.clone())
        } else {
            self.base_type(id, base)
        };
        Some(match owner {
            Some(o) => format!("{o}.{name}"),
            None => name,
        })
    }

    /// The function, `id` or one around it, whose local `name` is, where the container is that
    /// function's own: made there, not returned and not passed on. `None` for a parameter or a
    /// local handed along (the container may be another function's of the same name) and for a name
    /// the file's top level binds (a global, whatever functions assign to it).
    fn local_scope(&self, id: FuncId, name: &str) -> Option<FuncId> {
        let key = (id, name.to_string());
        if let Some(&known) = self.scopes.borrow().get(&key) {
            return known;
        }
        let unit = self.unit;
        let global = unit
            .functions
            .iter()
            .enumerate()
            .any(|(f, func)| func.kind == FnKind::TopLevel && self.names(f).0.contains(name));
        let found = if global {
            None
        } else {
            super::support::chain(unit, id)
                .take_while(|&f| unit.functions[f].kind != FnKind::TopLevel)
                .find(|&f| {
                    unit.functions[f].params.iter().any(|p| p.name == name)
                        || self.names(f).0.contains(name)
                })
                .filter(|&f| {
                    !unit.functions[f].params.iter().any(|p| p.name == name)
                        && !self.names(f).1.contains(name)
                })
        };
        self.scopes.borrow_mut().insert(key, found);
        found
    }

    /// The names function `f` binds, and those it hands along: returns, or passes to a call
    /// (`self._fill(host, tmp_nodes_cache)`; `len(m)` only measures it).
    fn names(&self, f: FuncId) -> Names {
        if let Some(known) = self.fn_names.borrow().get(&f) {
            return known.clone();
        }
        let (mut bound, mut handed) = (HashSet::new(), HashSet::new());
        let name_of = |v: &Expr| match &v.peel().kind {
            ExprKind::Name(n) => Some(n.clone()),
            _ => None,
        };
        crate::model::walk_stmts(&self.unit.functions[f].body, &mut |s| {
            match &s.kind {
                StmtKind::Bind { targets, .. } => bound.extend(targets.iter().filter_map(|t| {
                    matches!(t.kind, ExprKind::Name(_))
                        .then(|| name_of(t))
                        .flatten()
                })),
                StmtKind::Return(vs) => handed.extend(vs.iter().filter_map(name_of)),
                _ => {}
            }
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call(c) = &x.kind {
                        if !matches!(c.name(), Some("len" | "cap")) {
                            handed.extend(c.args.iter().filter_map(name_of));
                        }
                    }
                });
            }
        });
        let names = std::rc::Rc::new((bound, handed));
        self.fn_names.borrow_mut().insert(f, names.clone());
        names
    }

    /// The simple name of the type of `base` in function `id`, from its type environment.
    fn base_type(&self, id: FuncId, base: &Expr) -> Option<String> {
        // Only a name is worth an environment: `a.b.c` chains are rare container bases.
        let ExprKind::Name(n) = &base.peel().kind else {
            return None;
        };
        let key = (id, n.clone());
        if let Some(found) = self.envs.borrow().get(&key) {
            return found.clone();
        }
        let env = crate::types::TypeEnv::new(self.ctx, self.unit, id);
        let found = env.type_of(base).map(|t| t.simple().to_string());
        self.envs.borrow_mut().insert(key, found.clone());
        found
    }

    /// The file's top level (module body, static initialisers) or a Go `init` function.
    fn fills_table_at_load(&self, id: FuncId) -> bool {
        let f = &self.unit.functions[id];
        f.kind == FnKind::TopLevel
            || (f.kind == FnKind::Function && f.name == "init" && f.params.is_empty())
    }

    /// The key shapes an expression can have.
    fn shapes(&self, key: &Expr, env: &Env) -> Vec<Shape> {
        let key = key.peel();
        match &key.kind {
            ExprKind::Name(n) => match env.get(n) {
                Some(Val { shape: Some(s), .. }) => vec![s.clone()],
                _ => vec![identity(self.arg(key, env))],
            },
            ExprKind::Field(_, f) => {
                let mut out: Vec<Shape> = self
                    .fields
                    .get(f)
                    .map(|v| v.iter().map(|(s, _)| s.clone()).collect())
                    .unwrap_or_default();
                out.push(identity(self.arg(key, env)));
                out
            }
            _ => self.shape(key, env).into_iter().collect(),
        }
    }

    /// The key built by a call, format or tuple; or the value itself.
    fn shape(&self, e: &Expr, env: &Env) -> Option<Shape> {
        let e = e.peel();
        match &e.kind {
            ExprKind::Call(call) if !self.is_normalizer(call) => {
                let builder = call.func.path().or_else(|| call.name().map(String::from))?;
                if self.model.map_ops.iter().any(|api| api_matches(api, call)) {
                    return None;
                }
                Some(Shape {
                    builder,
                    args: call.args.iter().map(|a| self.arg(a, env)).collect(),
                })
            }
            ExprKind::Format(f) => Some(Shape {
                builder: format!("format:{}", f.template.as_deref().unwrap_or("+")),
                args: f.args.iter().map(|a| self.arg(&a.expr, env)).collect(),
            }),
            ExprKind::Other(parts) if parts.len() > 1 => Some(Shape {
                builder: format!("tuple:{}", parts.len()),
                args: parts.iter().map(|a| self.arg(a, env)).collect(),
            }),
            // `prefix + key`: two parts, as a tuple would be.
            ExprKind::Binary(BinOp::Other, a, b) => Some(Shape {
                builder: "tuple:2".to_string(),
                args: vec![self.arg(a, env), self.arg(b, env)],
            }),
            _ => Some(identity(self.arg(e, env))),
        }
    }

    /// The value of `e` as a key argument: its name, whether it is normalized, and where.
    fn arg(&self, e: &Expr, env: &Env) -> Arg {
        let e = e.peel();
        let unknown = |name: &str| Arg {
            name: name.to_string(),
            state: State::Unknown,
            site: None,
            case_only: false,
        };
        match &e.kind {
            ExprKind::Call(call) if self.is_normalizer(call) => {
                // `key.lower()` normalizes its receiver; `filepath.Clean(p)` and the file's own
                // `normalize(k)` their first argument.
                let by_method = self
                    .model
                    .normalizers
                    .iter()
                    .any(|p| p.method.is_some() && call_matches(p, call));
                let inner = if by_method {
                    call.receiver()
                } else {
                    call.args.first()
                };
                let name = inner.map(|i| self.arg(i, env).name).unwrap_or_default();
                let inner_arg = inner.map(|i| self.arg(i, env));
                let case_only = self.folds_case(call)
                    && inner_arg
                        .as_ref()
                        .is_none_or(|a| a.state != State::Norm || a.case_only);
                Arg {
                    name,
                    state: State::Norm,
                    site: Some(e.span),
                    case_only,
                }
            }
            ExprKind::Call(call) => {
                let name = call.name().unwrap_or_default();
                // A function of this file that does not normalize: its result is raw.
                let local = self
                    .unit
                    .functions
                    .iter()
                    .any(|f| f.name == name && !f.body.is_empty());
                Arg {
                    name: String::new(),
                    state: if local { State::Raw } else { State::Unknown },
                    site: None,
                    case_only: false,
                }
            }
            ExprKind::Name(n) => match env.get(n) {
                Some(v) if !v.arg.name.is_empty() => v.arg.clone(),
                Some(v) => Arg {
                    name: n.clone(),
                    ..v.arg.clone()
                },
                None => unknown(n),
            },
            ExprKind::Field(_, f) => {
                if self.round == 0 && !self.recording {
                    let id = self.current.get();
                    let mut readers = self.field_readers.borrow_mut();
                    let readers = readers.entry(f.clone()).or_default();
                    if readers.last() != Some(&id) {
                        readers.push(id);
                    }
                }
                let assigned = self.fields.get(f);
                let states: BTreeSet<(bool, bool)> = assigned
                    .map(|v| {
                        v.iter()
                            .map(|(_, a)| (a.state == State::Norm, a.state == State::Raw))
                            .collect()
                    })
                    .unwrap_or_default();
                let state = match states.iter().next() {
                    Some((true, _)) if states.len() == 1 => State::Norm,
                    Some((_, true)) if states.len() == 1 => State::Raw,
                    _ => State::Unknown,
                };
                let site = assigned.and_then(|v| v.iter().find_map(|(_, a)| a.site));
                let case_only = assigned.is_some_and(|v| v.iter().all(|(_, a)| a.case_only));
                Arg {
                    name: f.clone(),
                    state,
                    site: if state == State::Norm { site } else { None },
                    case_only: state == State::Norm && case_only,
                }
            }
            // An element at a position (`entry[0]`) is raw; a value looked up by a key
            // (`byType[t]`) is whatever was stored there, which is not followed.
            ExprKind::Index(_, k) if !matches!(k.peel().kind, ExprKind::Lit(Lit::Num(_))) => {
                unknown("")
            }
            ExprKind::Index(..) => Arg {
                name: String::new(),
                state: State::Raw,
                site: None,
                case_only: false,
            },
            ExprKind::Lit(Lit::Str(_)) => unknown(""),
            _ => unknown(""),
        }
    }

    fn val(&self, v: &Expr, env: &Env) -> Val {
        let shape = match &v.peel().kind {
            ExprKind::Call(call) if !self.is_normalizer(call) => self.shape(v, env),
            ExprKind::Format(_) => self.shape(v, env),
            _ => None,
        };
        Val {
            arg: self.arg(v, env),
            shape,
            carries: self.carries(v, env),
        }
    }

    /// The normalized names `v` is made with, when it is also made with the function's own
    /// object: it can call back its owner with the key it was stored under.
    fn carries(&self, v: &Expr, env: &Env) -> Vec<String> {
        let args: Vec<&Expr> = match &v.peel().kind {
            ExprKind::Name(n) => return env.get(n).map(|v| v.carries.clone()).unwrap_or_default(),
            ExprKind::Call(call) if !self.is_normalizer(call) => call.args.iter().collect(),
            ExprKind::Construct { fields, .. } => fields.iter().map(|(_, e)| e).collect(),
            _ => return Vec::new(),
        };
        let owner = |e: &Expr| match &e.peel().kind {
            ExprKind::Name(n) => {
                matches!(n.as_str(), "self" | "this") || self.receiver.as_deref() == Some(n)
            }
            _ => false,
        };
        if !args.iter().any(|a| owner(a)) {
            return Vec::new();
        }
        args.iter()
            .map(|a| self.arg(a, env))
            .filter(|a| a.state == State::Norm && !a.name.is_empty())
            .map(|a| a.name)
            .collect()
    }

    /// A call that normalizes: named in the rule, or a function of this file that does.
    fn is_normalizer(&self, call: &crate::model::Call) -> bool {
        if self.normalizing.matches(call) {
            return true;
        }
        let Some(name) = call.name() else {
            return false;
        };
        let own = match &call.func.peel().kind {
            ExprKind::Name(_) => true,
            ExprKind::Field(base, _) => ["self", "this", "cls"].iter().any(|r| base.is_path(r)),
            _ => false,
        };
        own && self
            .normalizers
            .keys()
            .any(|&f| self.unit.functions[f].name == name)
    }

    /// Whether a normalizing call only folds case: a rule normalizer marked `folds_case`, or a
    /// function of the file that returns such a call's result.
    fn folds_case(&self, call: &crate::model::Call) -> bool {
        if self.normalizing.matches(call) {
            return self
                .model
                .normalizers
                .iter()
                .any(|p| p.folds_case && call_matches(p, call));
        }
        let name = call.name().unwrap_or_default();
        let mut own = self
            .normalizers
            .iter()
            .filter(|(&f, _)| self.unit.functions[f].name == name);
        own.next().is_some_and(|(_, &c)| c) && own.all(|(_, &c)| c)
    }

    /// A non-deterministic call evaluated in `e` itself, if any.
    fn random(&self, e: &Expr) -> Option<(Span, String)> {
        let mut found = None;
        e.walk(&mut |x| {
            if let ExprKind::Call(call) = &x.kind {
                if found.is_none() && self.nondeterministic.matches(call) {
                    found = Some((x.span, super::support::render(x)));
                }
            }
        });
        found
    }
}

/// The argument every call in `sites` passes for parameter `i` named `name`, when each of
/// them passes it normalized.
fn passed_normalized<'s>(sites: &[&'s CallSite], i: usize, name: &str) -> Option<&'s Arg> {
    let mut first = None;
    for site in sites {
        if site.opaque {
            return None;
        }
        let arg = site.arg_for(i, name)?;
        if arg.state != State::Norm {
            return None;
        }
        first.get_or_insert(arg);
    }
    first
}

/// The raw arguments the calls in `sites` pass parameter `i` named `name`, with their callers.
fn passed_raw<'s>(
    sites: &'s [&'s CallSite],
    i: usize,
    name: &'s str,
) -> impl Iterator<Item = (FuncId, &'s Arg)> + 's {
    sites
        .iter()
        .filter(|site| !site.opaque)
        .filter_map(move |site| {
            site.arg_for(i, name)
                .filter(|a| a.state == State::Raw)
                .map(|a| (site.caller, a))
        })
}

/// Whether every call passes parameter `i` normalized or read back from a collection.
fn passed_stored(sites: &[&CallSite], i: usize, name: &str) -> bool {
    !sites.is_empty()
        && sites.iter().all(|site| {
            !site.opaque
                && site
                    .arg_for(i, name)
                    .is_some_and(|a| matches!(a.state, State::Norm | State::Stored))
        })
}

/// Joins the state after the `else` branch (`other`) into the one after the `then` branch
/// (`env`): a name only one branch rebound keeps that binding (the other branch may well have
/// returned); one both rebound differently is unknown.
fn merge_branches(env: &mut Env, before: &Env, other: Env) {
    let same = |a: &Val, b: &Val| {
        a.arg.name == b.arg.name
            && a.arg.state == b.arg.state
            && a.arg.site == b.arg.site
            && a.arg.case_only == b.arg.case_only
            && a.shape.as_ref().map(|s| &s.builder) == b.shape.as_ref().map(|s| &s.builder)
    };
    for (name, val) in other {
        let old = before.get(&name);
        if old.is_some_and(|o| same(o, &val)) {
            // The `else` branch left it alone.
            continue;
        }
        match env.get_mut(&name) {
            Some(cur) if same(cur, &val) => {}
            Some(cur) if old.is_none_or(|o| !same(o, cur)) => {
                cur.arg.state = State::Unknown;
                cur.arg.site = None;
                cur.arg.case_only = false;
                cur.shape = None;
            }
            _ => {
                env.insert(name, val);
            }
        }
    }
}

/// Whether `v` constructs a container `cc` names: `new T(…)`, `T{…}`, `T(…)`, Go `make(T)`,
/// with one of its `with_arg` arguments when it names some.
fn constructs(cc: &CanonicalContainer, v: &Expr) -> bool {
    let Some(ty) = &cc.ty else {
        return false;
    };
    let pats = std::slice::from_ref(ty);
    let with_arg = |args: Vec<&Expr>| {
        cc.with_arg.is_empty()
            || args.iter().any(|a| {
                a.path()
                    .is_some_and(|p| cc.with_arg.iter().any(|w| p.ends_with(w.as_str())))
            })
    };
    match &v.peel().kind {
        ExprKind::Construct {
            ty: Some(t),
            fields,
        } => type_matches(pats, t) && with_arg(fields.iter().map(|(_, e)| e).collect()),
        ExprKind::Call(call) => {
            let Some(path) = call.func.path() else {
                return false;
            };
            if path == "make" {
                return call
                    .args
                    .first()
                    .and_then(type_path)
                    .is_some_and(|p| type_matches(pats, &TypeRef::new(&p)));
            }
            type_matches(pats, &TypeRef::new(&path)) && with_arg(call.args.iter().collect())
        }
        _ => false,
    }
}

/// A type written as an expression (`http.Header` of `make(http.Header)`) as a path.
fn type_path(e: &Expr) -> Option<String> {
    if let Some(p) = e.path() {
        return Some(p);
    }
    match &e.peel().kind {
        ExprKind::Other(parts) if !parts.is_empty() => {
            let names: Option<Vec<String>> = parts.iter().map(|p| p.path()).collect();
            names.map(|n| n.join("."))
        }
        _ => None,
    }
}

/// Whether any subscript in the unit has a string literal key.
fn has_literal_subscript(unit: &Unit) -> bool {
    unit.functions.iter().any(|f| {
        let mut hit = false;
        crate::model::walk_stmts(&f.body, &mut |s| {
            for e in s.exprs() {
                e.walk(&mut |x| {
                    hit = hit
                        || matches!(&x.kind, ExprKind::Index(_, k)
                            if matches!(k.peel().kind, ExprKind::Lit(Lit::Str(_))));
                });
            }
        });
        hit
    })
}

/// Whether a header name mixes case inside a word (`Sec-WebSocket-Accept`, `ETag`,
/// `WWW-Authenticate`): a spelling chosen on purpose, which code that renames headers to it
/// (for peers that match names exactly) also reads and deletes by.
fn official_spelling(s: &str) -> bool {
    s.bytes().any(|c| c.is_ascii_lowercase())
        && s.split('-')
            .any(|w| w.bytes().skip(1).any(|c| c.is_ascii_uppercase()))
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: the first letter and each letter after a hyphen
/// upper-case, the rest lower-case; a key with a byte that is not a header token character (a
/// space, `:`) is left as it is.
fn canonical_mime_key(s: &str) -> String {
    let token = |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c);
    if s.is_empty() || !s.bytes().all(token) {
        return s.to_string();
    }
    let mut upper = true;
    s.bytes()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == b'-';
            out as char
        })
        .collect()
}

fn identity(arg: Arg) -> Shape {
    Shape {
        builder: String::new(),
        args: vec![arg],
    }
}

/// The last segment of a container's path: `self.nodes_cache` → `nodes_cache`.
fn last_segment(e: &Expr) -> Option<String> {
    match &e.peel().kind {
        ExprKind::Name(n) => Some(crate::model::last_segment(n).to_string()),
        ExprKind::Field(_, f) => Some(f.clone()),
        _ => None,
    }
}

/// Whether two container keys may name the same container: the same key, or a field whose
/// owner is unknown on one side (`_container` and `LRU._container`).
fn same_owner(a: &str, b: &str) -> bool {
    a == b || !a.contains('.') || !b.contains('.')
}

/// A key's shape with its argument `i`, its names as [`same_name`] compares them: a store's
/// key and a read's key are built alike from the same names where their signatures are equal.
type Signature<'s> = (&'s str, Vec<String>, usize);

/// The signature of a stored key: `None` where a name is empty, which [`same_name`] matches
/// with nothing.
fn stored_signature(s: &Shape, i: usize) -> Option<Signature<'_>> {
    s.args
        .iter()
        .all(|a| !a.name.is_empty())
        .then(|| signature(s, i))
}

fn signature(s: &Shape, i: usize) -> Signature<'_> {
    let names = s.args.iter().map(|a| bare(&a.name).to_ascii_lowercase());
    (&s.builder, names.collect(), i)
}

/// Whether two argument names are one: alike but for leading `_` and ASCII case. A name of a
/// key's [`signature`] is [`bare`] and lowercased, the same equivalence.
fn same_name(a: &str, b: &str) -> bool {
    !a.is_empty() && bare(a).eq_ignore_ascii_case(bare(b))
}

/// A name without its leading `_` (`_host` is `host`).
fn bare(name: &str) -> &str {
    name.trim_start_matches('_')
}

/// How two keys of one container disagree: the raw argument's index, if one side is
/// normalized where the other is raw and the keys are otherwise alike.
fn disagree(a: &Shape, b: &Shape) -> Option<usize> {
    if a.builder != b.builder || a.args.len() != b.args.len() {
        return None;
    }
    let mut found = None;
    for (i, (x, y)) in a.args.iter().zip(&b.args).enumerate() {
        if !same_name(&x.name, &y.name) {
            return None;
        }
        if matches!(
            (x.state, y.state),
            (State::Norm, State::Raw) | (State::Raw, State::Norm)
        ) {
            found.get_or_insert(i);
        }
    }
    found
}

fn report<'a>(rule: &Rule, cx: &'a Cx, out: &mut Vec<Finding>) {
    let root = |c: &str| {
        let mut c = c.to_string();
        for _ in 0..8 {
            match cx.aliases.get(&c) {
                Some(next) => c = next.clone(),
                None => break,
            }
        }
        c
    };
    let mut found: BTreeMap<Span, Finding> = BTreeMap::new();
    // Grouped by the container's name; within a group, accesses are compared only when their
    // owners agree or one of them is unknown.
    let mut by_container: BTreeMap<String, Vec<(&Access, String)>> = BTreeMap::new();
    for a in &cx.accesses {
        let key = root(&a.key);
        let name = crate::model::last_segment(&key).to_string();
        by_container.entry(name).or_default().push((a, key));
    }
    // The accesses of a group that may be the same container as the read under `read_key`.
    let mates = |group: &[(&'a Access, String)], read_key: &str| -> Vec<&'a Access> {
        group
            .iter()
            .filter(|(_, k)| same_owner(k, read_key))
            .map(|(a, _)| *a)
            .collect()
    };
    // Stores of one function under both the normalized and the raw form of one argument
    // (`byFold[lower] = f; if name != lower { byFold[name] = f }`): both keys on purpose.
    let mut stored_as: BTreeMap<(FuncId, String, String), (bool, bool)> = BTreeMap::new();
    for a in cx.accesses.iter().filter(|a| a.op == MapOp::Insert) {
        for shape in &a.shapes {
            for arg in shape.args.iter().filter(|g| !g.name.is_empty()) {
                let e = stored_as
                    .entry((a.func, root(&a.key), arg.name.to_ascii_lowercase()))
                    .or_default();
                e.0 |= arg.state == State::Norm;
                e.1 |= arg.state == State::Raw;
            }
        }
    }
    // Lookups of one function, by container and argument name, under one form of the argument.
    let read_as = |state: State| -> BTreeSet<(FuncId, String, String)> {
        cx.accesses
            .iter()
            .filter(|a| a.op == MapOp::Lookup)
            .flat_map(|a| {
                a.shapes.iter().flat_map(move |s| {
                    s.args
                        .iter()
                        .filter(move |g| !g.name.is_empty() && g.state == state)
                        .map(move |g| (a.func, root(&a.key), g.name.to_ascii_lowercase()))
                })
            })
            .collect()
    };
    // A function that looks up the raw key first, falls back to the normalized one and stores
    // under the raw one (`v = m.get(name); if v == null { v = m.get(lower(name)); m.put(name,
    // v) }`) remembers the spelling for its own first lookup, on purpose.
    let read_raw = read_as(State::Raw);
    // A raw lookup beside one under the normalized form is a fallback (`m.get(key)`, then
    // `m.get(key.toLowerCase())`), not a miss.
    let read_norm = read_as(State::Norm);
    let dual = |a: &Access, name: &str| {
        stored_as
            .get(&(a.func, root(&a.key), name.to_ascii_lowercase()))
            .is_some_and(|&(n, r)| n && r)
    };
    for group in by_container.values() {
        for (read, read_key) in group.iter().filter(|(a, _)| a.op != MapOp::Insert) {
            let read: &Access = read;
            let accesses = mates(group, read_key);
            // The keys stored raw into the container, worked out once per read: a class may
            // read and fill one cache in thousands of methods.
            let raw_stores: HashSet<Signature> = accesses
                .iter()
                .filter(|a| a.op == MapOp::Insert)
                .flat_map(|a| &a.shapes)
                .flat_map(|s| {
                    (0..s.args.len())
                        .filter(|&i| s.args[i].state == State::Raw)
                        .filter_map(move |i| stored_signature(s, i))
                })
                .collect();
            // Stores into the container under the read's own name come first.
            let mut stores: Vec<&Access> = accesses
                .iter()
                .copied()
                .filter(|a| a.op == MapOp::Insert)
                .collect();
            stores.sort_by_key(|s| (s.key != read.key, s.span));
            for store in stores {
                let pair = store.shapes.iter().find_map(|s| {
                    read.shapes
                        .iter()
                        .find_map(|r| disagree(s, r).map(|i| (s, r, i)))
                });
                let Some((s, r, i)) = pair else {
                    continue;
                };
                // A lookup table filled once, at load time, defines its keys: a read with a
                // parameter is expected to be canonical already (http2's `commonLowerHeader`,
                // filled in `init`).
                if store.func != read.func && cx.fills_table_at_load(store.func) {
                    continue;
                }
                let (raw, raw_shape, norm, norm_shape) = if r.args[i].state == State::Raw {
                    (read, r, store, s)
                } else {
                    (store, s, read, r)
                };
                // A case-insensitive container finds the key whatever its case.
                if norm_shape.args[i].case_only && (store.case_insensitive || read.case_insensitive)
                {
                    continue;
                }
                let name = &raw_shape.args[i].name;
                // A read with the raw key finds what another store put under that raw key
                // (`put(name, v)` in a setter beside a loader that trims what it parses).
                if raw.op != MapOp::Insert && raw_stores.contains(&signature(raw_shape, i)) {
                    continue;
                }
                // The value stored under the normalized key was made with its owner and that
                // key (`Listener(self, host)`): it can hand the key back to a method of its
                // owner (`conn.close_listener(self.host)`), so that method's parameter is not
                // known to be raw.
                if norm.op == MapOp::Insert
                    && raw.op != MapOp::Insert
                    && norm.func != raw.func
                    && norm.carries.iter().any(|c| same_name(c, name))
                    && cx.unit.functions[raw.func]
                        .params
                        .iter()
                        .any(|p| p.name == *name)
                {
                    continue;
                }
                // Two functions' containers of one plain name are one object only where one
                // of them hands it to the other (`self._fill(host, tmp_nodes_cache)`); each
                // may as well hold its own copy (`metadata = copy.copy(...)`). Handed from the
                // normalizing function, the raw key is raw only as that function passes it.
                if norm.func != raw.func && cx.plain_local(&raw.key) && cx.plain_local(&norm.key) {
                    let down = cx.hands(norm.func, raw.func, &raw.container);
                    if !down
                        && !cx.hands(raw.func, norm.func, &raw.container)
                        && !cx.relays(norm.func, raw.func)
                        && !cx.relays(raw.func, norm.func)
                    {
                        continue;
                    }
                    if down && !cx.passes_raw_from(norm.func, raw.func, name) {
                        continue;
                    }
                }
                // A parameter another function normalizes is raw only if a call of the file
                // passes it raw: who else calls, and with what, is not known. A function that
                // normalizes its own parameter for one access expects it raw in the others.
                if norm.func != raw.func && cx.param_of_unknown_form(raw.func, name)
                    || raw.op == MapOp::Lookup
                        && read_norm.contains(&(
                            raw.func,
                            root(&raw.key),
                            name.to_ascii_lowercase(),
                        ))
                {
                    continue;
                }
                // An exact lookup before a case-insensitive scan, and a table stored under both
                // forms of the key, mean the mismatch.
                if raw.op != MapOp::Insert && raw.fallback_scan
                    || dual(norm, name)
                    || dual(raw, name)
                    || raw.op == MapOp::Insert
                        && norm.func == raw.func
                        && read_raw.contains(&(raw.func, root(&raw.key), name.to_ascii_lowercase()))
                {
                    continue;
                }
                let what = match raw.op {
                    MapOp::Insert => "stored under",
                    MapOp::Lookup => "looked up with",
                    MapOp::Delete => "deleted with",
                    MapOp::Contains => "tested with",
                };
                let value = format!(
                    "`{}` is {what} a key built from the raw `{name}`, but {} with `{name}` normalized",
                    raw.container,
                    if norm.op == MapOp::Insert { "filled" } else { "read" }
                );
                let mut labels = vec![(
                    norm.span,
                    format!(
                        "{} under the normalized key here",
                        if norm.op == MapOp::Insert {
                            "stored"
                        } else {
                            "accessed"
                        }
                    ),
                )];
                if let Some(site) = norm_shape.args[i].site {
                    labels.push((site, format!("`{name}` is normalized here")));
                }
                found.entry(raw.span).or_insert(Finding {
                    span: raw.span,
                    message: rule.message.replace("{value}", &value),
                    labels,
                    demoted: false,
                });
            }
        }
        // A key recomputed from a non-deterministic source matches nothing stored.
        for (read, read_key) in group.iter().filter(|(a, _)| a.op != MapOp::Insert) {
            let read: &Access = read;
            let accesses = mates(group, read_key);
            let Some((site, shown)) = &read.random else {
                continue;
            };
            // Stored under a key computed the same way, from the same source.
            let Some(store) = accesses.iter().find(|a| {
                a.op == MapOp::Insert && a.random.as_ref().is_some_and(|(_, s)| s == shown)
            }) else {
                continue;
            };
            {
                let value = format!(
                    "`{}` is {} a key recomputed from `{shown}`, which differs on every call and matches nothing stored",
                    read.container,
                    match read.op {
                        MapOp::Delete => "deleted with",
                        MapOp::Contains => "tested with",
                        _ => "looked up with",
                    }
                );
                let labels = vec![
                    (
                        *site,
                        "computed anew here: store the key and reuse it".to_string(),
                    ),
                    (
                        store.span,
                        "stored under a key computed the same way here".into(),
                    ),
                ];
                found.entry(read.span).or_insert(Finding {
                    span: read.span,
                    message: rule.message.replace("{value}", &value),
                    labels,
                    demoted: false,
                });
            }
        }
    }
    for raw in &cx.raw_literals {
        // A write may spell a header for the wire on purpose (`h["ETag"]` for clients that
        // match it exactly), and a read of what the file itself writes that way finds it.
        if raw.op == MapOp::Insert || cx.literal_writes.contains(&raw.literal) {
            continue;
        }
        let what = if raw.op == MapOp::Delete {
            "deletes"
        } else {
            "reads"
        };
        let value = format!(
            "`{}` is a header map whose methods canonicalize keys to `{}`, but this subscript {what} the entry `{}`, which `Get`, `Set`, `Add`, `Del` and `Values` never see",
            raw.container, raw.canonical, raw.literal
        );
        found.entry(raw.span).or_insert(Finding {
            span: raw.span,
            message: rule.message.replace("{value}", &value),
            labels: Vec::new(),
            demoted: false,
        });
    }
    out.extend(found.into_values());
}
