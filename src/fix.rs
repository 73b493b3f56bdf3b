//! Mechanical fixes: edits, as byte ranges and replacement text, that the editor's code actions,
//! SARIF `fixes` and `leaklint --fix` / `--diff` apply.
//!
//! A fix is offered only where it is safe without judgement, and each kind is proven by a
//! fixture (`tests/fixes/`): applied, it leaves leaklint silent and changes nothing else.
//!
//! - **Go `defer`** (`must-release` rules): `defer x.Close()` (or the resource's own release:
//!   `defer resp.Body.Close()`, `defer tx.Rollback()`, `defer cancel()`, `defer t.Stop()`) on
//!   the line after the acquisition's error check — or after the acquisition itself when the
//!   call returns no error. It is offered only when nothing between the acquisition and that
//!   line can leave the function with the resource open (the only statement between them is
//!   `if err != nil { …; return … }`, where nothing was acquired), when the acquisition is not
//!   inside a loop (a deferred call there would pile up until the function returns; a function
//!   with `goto` is left alone, as a jump back makes a loop too), when the
//!   function never hands the resource on (returns, stores, sends or captures it, passes it to
//!   a call not known to only borrow it, or names it as a result or parameter), and when the
//!   acquisition is a call the rule data names itself, with a release of its own. The same
//!   `defer` written further down (after an early return that skips it) is moved up instead,
//!   when no other `defer` comes before it. A release already written on the normal path stays: `Close`, `Stop`, `Rollback` and cancel
//!   functions of the standard library may be called again, and the deferred call's error is
//!   dropped, so an explicit `return f.Close()` still reports the first close's error.
//! - **Suppression** (every rule, every language; editor only): `leaklint: ignore[rule]
//!   reason` in a comment on the line before the finding, with a placeholder reason; where that
//!   line already holds a suppression, the rule is added to it instead.

use crate::checks::Finding;
use crate::diagnostic::{LineIndex, Location};
use crate::model::{
    BinOp, Block, Call, Expr, ExprKind, FnKind, FuncId, Lang, Lit, Span, StmtKind, Unit,
};
use crate::rules::{Acquire, ApiModel, CheckKind, Rule};
use crate::suppress;

/// Replace the text at `location` (empty for an insertion) with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub location: Location,
    pub text: String,
}

/// A mechanical fix of one finding: what it does, and its edits (non-overlapping, in order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// The reason written by the suppression code action, for the user to replace.
pub const PLACEHOLDER_REASON: &str = "TODO: say why this is not a leak";

/// The safe fixes of `finding`, a finding of `rule` in `unit`, lowered from `text`.
pub fn for_finding(
    rule: &Rule,
    unit: &Unit,
    text: &str,
    index: &LineIndex,
    finding: &Finding,
) -> Vec<Fix> {
    let mut out = Vec::new();
    if rule.check == CheckKind::MustRelease && unit.lang == Lang::Go && !finding.demoted {
        if let Some(model) = rule.model(Lang::Go) {
            out.extend(go_defer(model, unit, text, index, finding.span));
        }
    }
    out
}

/// Applies `edits` to `text`. Edits are taken in order of position; one that overlaps an
/// edit already taken is skipped. Returns the new text and how many edits were applied.
pub fn apply<'e>(text: &str, edits: impl IntoIterator<Item = &'e Edit>) -> (String, usize) {
    let mut edits: Vec<&Edit> = edits.into_iter().collect();
    // Stable: insertions at the same point keep the order they were given in.
    edits.sort_by_key(|e| (e.location.span.start, e.location.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    let mut applied = 0;
    for e in edits {
        let r = e.location.span.range();
        if r.start < at || r.end > text.len() || r.start > r.end {
            continue;
        }
        out.push_str(&text[at..r.start]);
        out.push_str(&e.text);
        at = r.end;
        applied += 1;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// Applies whole fixes: a fix any of whose edits overlaps an edit of a fix taken before it is
/// left out entirely. Returns the new text, the edits taken, and how many fixes were applied.
pub fn apply_fixes<'f>(
    text: &str,
    fixes: impl IntoIterator<Item = &'f Fix>,
) -> (String, Vec<&'f Edit>, usize) {
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for f in fixes {
        let clashes = f.edits.iter().any(|e| {
            taken.iter().any(|t| {
                let (a, b) = (e.location.span, t.location.span);
                // Overlapping ranges; two insertions at one point clash too (order unknown).
                a.start < b.end && b.start < a.end || a.start == b.start
            })
        });
        if !clashes {
            taken.extend(&f.edits);
            applied += 1;
        }
    }
    let (out, _) = apply(text, taken.iter().copied());
    (out, taken, applied)
}

/// The edit that suppresses `rule` at the 1-based `line`: a comment on the line before, with a
/// placeholder reason, indented like the finding's line; or, when the line before already
/// holds a suppression comment, `rule` added to its list.
pub fn suppression(text: &str, lang: Lang, rule: &str, line: u32) -> Edit {
    let index = LineIndex::new(text);
    if line > 1 {
        let before = line - 1;
        if let Some(s) = suppress::parse(text, lang)
            .into_iter()
            .find(|s| s.line == before)
        {
            // `leaklint: ignore[a, b` + `, rule`
            let at = s.offset + s.len - 1;
            return Edit {
                location: index.locate(Span::new(at, at)),
                text: format!(", {rule}"),
            };
        }
    }
    let line_text = index.line_text(line);
    let indent: String = line_text
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let start = line_start(text, line);
    let newline = if text
        .get(start + line_text.len()..)
        .is_some_and(|rest| rest.starts_with("\r\n"))
    {
        "\r\n"
    } else {
        "\n"
    };
    Edit {
        location: index.locate(Span::new(start, start)),
        text: format!(
            "{indent}{} {}{rule}] {PLACEHOLDER_REASON}{newline}",
            lang.line_comment(),
            suppress::MARKER
        ),
    }
}

/// Byte offset of the start of the 1-based `line`.
fn line_start(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    memchr::memchr_iter(b'\n', text.as_bytes())
        .nth(line as usize - 2)
        .map_or(text.len(), |i| i + 1)
}

/// A unified diff (three lines of context) of `edits` applied to `text`, with `path` in the
/// headers; empty when nothing changes. Edits that overlap one before them are left out, as
/// [`apply`] leaves them out.
pub fn unified_diff(path: &str, text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort_by_key(|e| (e.location.span.start, e.location.span.end));
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .filter(|&s| s < text.len() || s == 0)
        .collect();
    let line_count = if text.is_empty() { 0 } else { starts.len() };
    let offset_of = |line: usize| starts.get(line).copied().unwrap_or(text.len());
    // Each edit's old lines, 0-based and half-open: an insertion of whole lines at the start of
    // a line touches none; anything else touches every line it starts, spans or ends in.
    let mut groups: Vec<(usize, usize, Vec<&Edit>)> = Vec::new();
    let mut last_end = 0;
    for e in sorted {
        let r = e.location.span.range();
        if r.start < last_end || r.end > text.len() {
            continue;
        }
        last_end = r.end;
        let first = e.location.start.line as usize - 1;
        let whole_lines =
            e.location.start.column == 1 && (e.text.is_empty() || e.text.ends_with('\n'));
        let last = if r.start == r.end && whole_lines {
            first
        } else if e.location.end.column == 1 && r.end > r.start {
            e.location.end.line as usize - 1
        } else {
            (e.location.end.line as usize).min(line_count)
        };
        match groups.last_mut() {
            // Edits that share a line are one change.
            Some(g) if first < g.1 => {
                g.1 = g.1.max(last);
                g.2.push(e);
            }
            _ => groups.push((first, last, vec![e])),
        }
    }
    if groups.is_empty() {
        return String::new();
    }
    let old_lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Each group's new lines: its old lines with its edits applied.
    let changes: Vec<(usize, usize, Vec<String>)> = groups
        .into_iter()
        .map(|(first, last, edits)| {
            let base = offset_of(first);
            let chunk = &text[base..offset_of(last)];
            let shifted: Vec<Edit> = edits
                .iter()
                .map(|e| {
                    let mut e = (*e).clone();
                    let sp = e.location.span;
                    e.location.span = Span::new(sp.start as usize - base, sp.end as usize - base);
                    e
                })
                .collect();
            let (new, _) = apply(chunk, &shifted);
            let lines = new.split_inclusive('\n').map(str::to_string).collect();
            (first, last, lines)
        })
        .collect();
    let (a, b) = if path.starts_with('/') {
        ("", "")
    } else {
        ("a/", "b/")
    };
    let mut out = format!("--- {a}{path}\n+++ {b}{path}\n");
    let ctx = 3usize;
    // Lines added minus lines removed by the changes before the current hunk.
    let mut shift: isize = 0;
    let mut i = 0;
    while i < changes.len() {
        // Changes whose context overlaps go into one hunk.
        let mut j = i;
        while j + 1 < changes.len() && changes[j + 1].0 <= changes[j].1 + 2 * ctx {
            j += 1;
        }
        let hs = changes[i].0.saturating_sub(ctx);
        let he = (changes[j].1 + ctx).min(old_lines.len());
        let mut body = String::new();
        let (mut old_n, mut new_n) = (0, 0);
        let mut o = hs;
        for (first, last, new) in &changes[i..=j] {
            for l in &old_lines[o..*first] {
                push_line(&mut body, ' ', l);
            }
            for l in &old_lines[*first..*last] {
                push_line(&mut body, '-', l);
            }
            for l in new {
                push_line(&mut body, '+', l);
            }
            old_n += first - o + (last - first);
            new_n += first - o + new.len();
            o = *last;
        }
        for l in &old_lines[o..he] {
            push_line(&mut body, ' ', l);
        }
        old_n += he - o;
        new_n += he - o;
        let new_start = (hs as isize + shift) as usize;
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range_header(hs, old_n),
            range_header(new_start, new_n)
        ));
        out.push_str(&body);
        shift += new_n as isize - old_n as isize;
        i = j + 1;
    }
    out
}

fn range_header(start: usize, len: usize) -> String {
    // A hunk that holds no line of one side names the line before it.
    let first = if len == 0 { start } else { start + 1 };
    if len == 1 {
        format!("{first}")
    } else {
        format!("{first},{len}")
    }
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

// ----- Go: `defer x.Close()` after the error check -----

fn go_defer(
    model: &ApiModel,
    unit: &Unit,
    text: &str,
    index: &LineIndex,
    acq: Span,
) -> Option<Fix> {
    let (fid, block, i) = unit
        .functions
        .iter()
        .enumerate()
        // Only the functions around it: a generated file may have thousands of findings.
        .filter(|(_, f)| f.kind != FnKind::TopLevel && f.span.contains(acq))
        .find_map(|(id, f)| find_bind(&f.body, acq, false).map(|(b, i)| (id, b, i)))?;
    let bind = &block[i];
    let StmtKind::Bind {
        targets, values, ..
    } = &bind.kind
    else {
        return None;
    };
    let ExprKind::Call(call) = &values.first()?.peel().kind else {
        return None;
    };
    let entry = acquire_entry(model, call)?;
    let result = match entry.results.as_slice() {
        [] => 0,
        [r] => *r,
        _ => return None,
    };
    let var = simple_name(targets.get(result)?)?;
    let release = match entry.release.first().map(String::as_str) {
        Some("()") => format!("{var}()"),
        Some(r) => format!("{var}.{r}()"),
        None if model.release_methods.iter().any(|m| m == "Close") => format!("{var}.Close()"),
        None => return None,
    };
    // Where the deferred release goes: after the error check, or after the acquisition.
    let (anchor, after, next) = match entry.err_result {
        Some(e) => {
            let err = simple_name(targets.get(e)?)?;
            let check = block.get(i + 1)?;
            // `if f, err := open(); err != nil {`: the names live in the `if` only.
            if check.span.start < bind.span.end
                || !is_error_check(model, &check.kind, err)
                || !line_ends_after(text, bind.span.end as usize)
            {
                return None;
            }
            (check.span.end as usize, "after the error check", i + 2)
        }
        None => (bind.span.end as usize, "after the acquisition", i + 1),
    };
    if !line_ends_after(text, anchor) {
        return None;
    }
    let f = &unit.functions[fid];
    if declared_in_signature(f, text, var)
        || has_jumps(&f.body)
        || escapes(model, unit, &f.body, var)
    {
        return None;
    }
    let nl = text[anchor..].find('\n')? + anchor;
    let newline = if text[..nl].ends_with('\r') {
        "\r\n"
    } else {
        "\n"
    };
    let at = nl + 1;
    let indent: String = index
        .line_text(index.position(bind.span.start as usize).line)
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let insert = Edit {
        location: index.locate(Span::new(at, at)),
        text: format!("{indent}defer {release}{newline}"),
    };
    // The same `defer` written later (after an early return that skips it): move it up
    // rather than write it twice, when no other deferred call would change places with it.
    if let Some(line) = later_defer(&block[next..], text, &release) {
        return Some(Fix {
            title: format!("Move `defer {release}` up to {after}"),
            edits: vec![
                insert,
                Edit {
                    location: index.locate(line),
                    text: String::new(),
                },
            ],
        });
    }
    Some(Fix {
        title: format!("Insert `defer {release}` {after}"),
        edits: vec![insert],
    })
}

/// The whole line of `defer <release>` among `stmts` (a block's statements after the new
/// `defer`), when it stands alone on its line and no other `defer` comes before it.
fn later_defer(stmts: &[crate::model::Stmt], text: &str, release: &str) -> Option<Span> {
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let wanted = squeeze(&format!("defer {release}"));
    for s in stmts {
        if let StmtKind::Defer(_) = s.kind {
            if squeeze(&text[s.span.range()]) != wanted {
                return None;
            }
            let start = text[..s.span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let end = text[s.span.end as usize..]
                .find('\n')
                .map_or(text.len(), |i| s.span.end as usize + i + 1);
            let alone = text[start..end].trim() == text[s.span.range()].trim();
            return alone.then(|| Span::new(start, end));
        }
        // A `defer` nested in a branch before it would change places with it too.
        let mut nested = false;
        for b in s.blocks() {
            crate::model::walk_stmts(b, &mut |x| {
                nested |= matches!(x.kind, StmtKind::Defer(_));
            });
        }
        if nested {
            return None;
        }
    }
    None
}

/// The block and index of the statement that binds the call at `acq`, when no loop encloses it.
fn find_bind(block: &Block, acq: Span, in_loop: bool) -> Option<(&Block, usize)> {
    for (i, s) in block.iter().enumerate() {
        if let StmtKind::Bind { values, .. } = &s.kind {
            if values.len() == 1 && values[0].peel().span == acq {
                return (!in_loop).then_some((block, i));
            }
        }
        let looping = in_loop || matches!(s.kind, StmtKind::Loop { .. });
        for b in s.blocks() {
            if let Some(hit) = find_bind(b, acq, looping) {
                return Some(hit);
            }
        }
    }
    None
}

/// Whether the function has `goto` or labels: a jump back over the acquisition is a loop the
/// block structure does not show.
fn has_jumps(body: &Block) -> bool {
    let mut found = false;
    crate::model::walk_stmts(body, &mut |s| {
        found |= matches!(s.kind, StmtKind::Goto(_) | StmtKind::Label(_));
    });
    found
}

/// The rule data's own entry for the call: a function by its exact path, or a method by name,
/// without constraints on the receiver, the declared type or other owners.
fn acquire_entry<'m>(model: &'m ApiModel, call: &Call) -> Option<&'m Acquire> {
    model.acquire.iter().find(|a| {
        let named = match (&a.call, &a.method) {
            (Some(path), _) => call.func.is_path(path),
            (None, Some(m)) => call.receiver().is_some() && call.name() == Some(m.as_str()),
            _ => false,
        };
        named
            && a.new.is_none()
            && a.declared.is_none()
            && a.out_arg.is_none()
            && !a.receiver
            && a.owner_release.is_empty()
            && a.views.is_empty()
    })
}

fn simple_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Name(n)
            if n != "_" && !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_') =>
        {
            Some(n)
        }
        _ => None,
    }
}

/// `if err != nil { …; return … }` with no `else`: the branch where nothing was acquired,
/// which always leaves.
fn is_error_check(model: &ApiModel, s: &StmtKind, err: &str) -> bool {
    let StmtKind::If {
        cond,
        then,
        otherwise,
    } = s
    else {
        return false;
    };
    let is = |e: &Expr, name: &str| matches!(&e.peel().kind, ExprKind::Name(n) if n == name);
    let is_nil = |e: &Expr| matches!(e.peel().kind, ExprKind::Lit(Lit::Nil));
    let tests_err = match &cond.peel().kind {
        ExprKind::Binary(BinOp::Ne, a, b) => (is(a, err) && is_nil(b)) || (is_nil(a) && is(b, err)),
        _ => false,
    };
    let leaves = match then.last().map(|s| &s.kind) {
        Some(StmtKind::Return(_) | StmtKind::Throw(_)) => true,
        Some(StmtKind::Expr(e)) => match &e.peel().kind {
            ExprKind::Call(c) => {
                let path = c.func.path();
                model.noreturn_calls.iter().any(|n| {
                    path.as_deref() == Some(n.as_str())
                        || (!n.contains('.') && c.name() == Some(n.as_str()))
                })
            }
            _ => false,
        },
        _ => false,
    };
    tests_err && leaves && otherwise.is_empty()
}

/// Whether only white space or a line comment follows `at` on its line.
fn line_ends_after(text: &str, at: usize) -> bool {
    let rest = &text[at.min(text.len())..];
    let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
    let line = line.trim();
    line.is_empty() || line.starts_with("//")
}

/// Whether `var` is a word of the function's signature: a parameter, or a named result that
/// a bare `return` hands back.
fn declared_in_signature(f: &crate::model::Function, text: &str, var: &str) -> bool {
    let end = f.body.first().map_or(f.span.end, |s| s.span.start) as usize;
    let sig = &text[f.span.start as usize..end.max(f.span.start as usize)];
    sig.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == var)
}

/// How a value is used where it appears.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Use {
    /// Read, compared, called, lent to a call known to only borrow it.
    Borrow,
    /// Returned, stored, sent, or passed where it may be kept.
    Escape,
}

/// Methods whose result keeps the receiver's underlying handle alive under another name.
const HANDLE_METHODS: &[&str] = &["Fd", "SyscallConn", "File"];

/// Whether the function hands `var` on anywhere, as far as the model shows.
fn escapes(model: &ApiModel, unit: &Unit, body: &Block, var: &str) -> bool {
    let mut bad = false;
    crate::model::walk_stmts(body, &mut |s| {
        if bad {
            return;
        }
        let ok = |e: &Expr, u: Use| uses_ok(model, unit, e, u, var);
        bad = match &s.kind {
            StmtKind::Expr(e) | StmtKind::Defer(e) => !ok(e, Use::Borrow),
            StmtKind::Bind {
                targets, values, ..
            } => {
                !targets
                    .iter()
                    .all(|t| simple_name(t) == Some(var) || ok(t, Use::Escape))
                    || !values.iter().all(|v| ok(v, Use::Escape))
            }
            StmtKind::Return(es) => !es.iter().all(|e| ok(e, Use::Escape)),
            StmtKind::Throw(e) => !e.iter().all(|e| ok(e, Use::Escape)),
            StmtKind::If { cond, .. } => !ok(cond, Use::Borrow),
            StmtKind::Switch { scrutinee, .. } => !scrutinee.iter().all(|e| ok(e, Use::Borrow)),
            StmtKind::Loop { head, .. } => !head.iter().all(|e| ok(e, Use::Borrow)),
            _ => false,
        };
    });
    bad
}

fn names_var(n: &str, var: &str) -> bool {
    n == var || n.strip_prefix(var).is_some_and(|r| r.starts_with('.'))
}

fn uses_ok(model: &ApiModel, unit: &Unit, e: &Expr, u: Use, var: &str) -> bool {
    let ok = |e: &Expr, u: Use| uses_ok(model, unit, e, u, var);
    match &e.kind {
        ExprKind::Name(n) => !names_var(n, var) || u == Use::Borrow,
        // A field of the resource (`resp.Body`) is as much the resource.
        ExprKind::Field(base, _) | ExprKind::Unary(base) => ok(base, u),
        ExprKind::Lit(_) => true,
        ExprKind::Call(c) => {
            let callee_ok = match &c.func.peel().kind {
                // A method call lends its receiver; its result is a new value…
                ExprKind::Field(recv, name) => {
                    // …except for methods that hand out the underlying handle.
                    !(HANDLE_METHODS.contains(&name.as_str()) && mentions(recv, var))
                        && ok(recv, Use::Borrow)
                }
                _ => ok(&c.func, Use::Borrow),
            };
            let lends = {
                let path = c.func.path();
                let listed = |list: &[String]| {
                    list.iter().any(|n| {
                        path.as_deref() == Some(n.as_str())
                            || (!n.contains('.') && c.receiver().is_none() && c.name() == Some(n))
                    })
                };
                listed(&model.borrowing_calls) || listed(&model.release_functions)
            };
            let arg_use = if lends { Use::Borrow } else { Use::Escape };
            callee_ok && c.args.iter().all(|a| ok(a, arg_use))
        }
        ExprKind::Format(f) => f.args.iter().all(|a| ok(&a.expr, Use::Borrow)),
        ExprKind::Index(base, key) => ok(base, u) && ok(key, Use::Escape),
        ExprKind::In(a, b) => ok(a, Use::Borrow) && ok(b, Use::Borrow),
        ExprKind::Not(a) => ok(a, Use::Borrow),
        // Comparisons, logic, arithmetic and concatenation make new values (a Go send is a
        // statement, lowered as `Other`).
        ExprKind::Binary(_, a, b) => ok(a, Use::Borrow) && ok(b, Use::Borrow),
        ExprKind::Closure(id) => !function_mentions(unit, *id, var),
        ExprKind::Construct { fields, .. } => fields.iter().all(|(_, e)| ok(e, Use::Escape)),
        ExprKind::Other(es) => es.iter().all(|e| ok(e, Use::Escape)),
    }
}

fn mentions(e: &Expr, var: &str) -> bool {
    let mut hit = false;
    e.walk(&mut |x| {
        hit |= matches!(&x.kind, ExprKind::Name(n) if names_var(n, var));
    });
    hit
}

/// Whether the function (a closure) or one nested in it names `var`.
fn function_mentions(unit: &Unit, id: FuncId, var: &str) -> bool {
    let mut hit = false;
    crate::model::walk_stmts(&unit.functions[id].body, &mut |s| {
        for e in s.exprs() {
            e.walk(&mut |x| match &x.kind {
                ExprKind::Name(n) if names_var(n, var) => hit = true,
                ExprKind::Closure(inner) if *inner != id => {
                    hit |= function_mentions(unit, *inner, var)
                }
                _ => {}
            });
        }
    });
    hit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppression_goes_on_the_line_before_with_its_indent() {
        let text = "func f() {\n\tx := g()\n}\n";
        let e = suppression(text, Lang::Go, "r", 2);
        let (out, n) = apply(text, [&e]);
        assert_eq!(n, 1);
        assert_eq!(
            out,
            format!("func f() {{\n\t// leaklint: ignore[r] {PLACEHOLDER_REASON}\n\tx := g()\n}}\n")
        );
        let py = suppression("x = 1\n", Lang::Python, "r", 1);
        assert!(py.text.starts_with("# leaklint: ignore[r] "), "{}", py.text);
        assert_eq!(py.location.span, Span::new(0, 0));
    }

    #[test]
    fn suppression_joins_one_already_on_the_line_before() {
        let text = "a\n    # leaklint: ignore[x] why\n    y = open(p)\n";
        let e = suppression(text, Lang::Python, "r", 3);
        let (out, _) = apply(text, [&e]);
        assert_eq!(
            out,
            "a\n    # leaklint: ignore[x, r] why\n    y = open(p)\n"
        );
    }

    #[test]
    fn diff_shows_an_insertion_with_context() {
        let text = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let index = LineIndex::new(text);
        let e = Edit {
            location: index.locate(Span::new(4, 4)),
            text: "new\n".into(),
        };
        let d = unified_diff("a.go", text, &[&e]);
        assert_eq!(
            d,
            "--- a/a.go\n+++ b/a.go\n@@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n 4\n 5\n"
        );
    }

    fn edit(text: &str, start: usize, end: usize, new: &str) -> Edit {
        Edit {
            location: LineIndex::new(text).locate(Span::new(start, end)),
            text: new.into(),
        }
    }

    #[test]
    fn diff_of_changes_within_lines_deletions_and_far_apart_hunks() {
        let text = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\n";
        // Two edits on line 2, a deletion of line 3, and an insertion at the end.
        let edits = [
            edit(text, 2, 3, "B"),
            edit(text, 3, 3, "!"),
            edit(text, 4, 6, ""),
            edit(text, text.len(), text.len(), "m\n"),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        let d = unified_diff("x", text, &refs);
        assert_eq!(
            d,
            "--- a/x\n+++ b/x\n\
             @@ -1,6 +1,5 @@\n a\n-b\n+B!\n-c\n d\n e\n f\n\
             @@ -10,3 +9,4 @@\n j\n k\n l\n+m\n"
        );
        let (applied, _) = apply(text, refs.iter().copied());
        assert_eq!(applied, "a\nB!\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\n");
    }

    #[test]
    fn overlapping_edits_are_skipped() {
        let text = "abcdef";
        let index = LineIndex::new(text);
        let a = Edit {
            location: index.locate(Span::new(1, 3)),
            text: "X".into(),
        };
        let b = Edit {
            location: index.locate(Span::new(2, 4)),
            text: "Y".into(),
        };
        assert_eq!(apply(text, [&a, &b]), ("aXdef".to_string(), 1));
    }
}
