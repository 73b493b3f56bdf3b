//! The checks: a small closed set of analyses over the model, each configured by rule data.

mod client_per_call;
mod key_consistency;
mod must_release;
mod second_connection;
mod sticky_in_session;
mod stringified_key;
mod support;

pub use crate::index::Ctx;
use crate::model::{Span, Unit};
use crate::rules::{CheckKind, ExitKind, Rule, RuleSet};

/// What a check reports, in byte offsets; the driver turns it into a located diagnostic.
#[derive(Debug)]
pub struct Finding {
    /// The hazard itself: the primary label.
    pub span: Span,
    pub message: String,
    /// The related sites, each with what it is.
    pub labels: Vec<(Span, String)>,
    /// A weaker form of the rule's hazard (a leak only if a call throws): reported as at most
    /// a warning, so that a user's `[severity]` can still lower the rule further.
    pub demoted: bool,
}

/// Literals one of which a file must contain for a check configured by `model` to find
/// anything, derived from the data so that the pre-check can never hide a finding; `None`
/// where a check has no such literals beyond the rule's own `prefilter`.
pub fn required_literals(check: CheckKind, model: &crate::rules::ApiModel) -> Option<Vec<String>> {
    match check {
        CheckKind::StringifiedKey => Some(stringified_key::required_literals(model)),
        CheckKind::MustRelease
        | CheckKind::StickyInSession
        | CheckKind::ClientPerCall
        | CheckKind::KeyConsistency
        | CheckKind::SecondConnection
        | CheckKind::Suppressions => None,
    }
}

/// Runs the rules `wanted` (indices into `rules`) over `unit`, appending what each finds with
/// the index of the rule that reports it. `must-release` runs once for all the rules that share
/// its API facts; each of its findings goes to the first of them that reports its exit kind.
/// `ctx` gives every check the project index and the type environments (see [`crate::index`]).
pub fn run_all(
    rules: &RuleSet,
    wanted: &[usize],
    unit: &Unit,
    ctx: &Ctx,
    out: &mut Vec<(usize, Finding)>,
) {
    let mut done: Vec<&str> = Vec::new();
    for &i in wanted {
        let rule = &rules.rules[i];
        if rule.check != CheckKind::MustRelease {
            let mut found = Vec::new();
            run(rule, unit, ctx, &mut found);
            out.extend(found.into_iter().map(|f| (i, f)));
            continue;
        }
        let source = RuleSet::api_source(rule);
        if done.contains(&source) {
            continue;
        }
        done.push(source);
        let Some(model) = rule.model(unit.lang) else {
            continue;
        };
        let family: Vec<usize> = wanted
            .iter()
            .copied()
            .filter(|&j| {
                let r = &rules.rules[j];
                r.check == CheckKind::MustRelease && RuleSet::api_source(r) == source
            })
            .collect();
        let kinds: Vec<ExitKind> = family
            .iter()
            .flat_map(|&j| rules.rules[j].exits().iter().copied())
            .collect();
        let mut found = Vec::new();
        must_release::check(model, &kinds, unit, ctx, &mut found);
        for (kind, what, mut f) in found {
            let Some(&j) = family
                .iter()
                .find(|&&j| rules.rules[j].exits().contains(&kind))
            else {
                continue;
            };
            f.message = rules.rules[j].message.replace("{value}", &what) + &f.message;
            out.push((j, f));
        }
    }
}

/// Runs `rule` over `unit`, appending what it finds.
fn run(rule: &Rule, unit: &Unit, ctx: &Ctx, out: &mut Vec<Finding>) {
    let Some(model) = rule.model(unit.lang) else {
        return;
    };
    match rule.check {
        CheckKind::StringifiedKey => stringified_key::check(rule, model, unit, ctx, out),
        CheckKind::StickyInSession => sticky_in_session::check(rule, model, unit, out),
        CheckKind::ClientPerCall => client_per_call::check(rule, model, unit, out),
        CheckKind::KeyConsistency => key_consistency::check(rule, model, unit, ctx, out),
        CheckKind::SecondConnection => second_connection::check(rule, model, unit, ctx, out),
        // Run by `run_all`, once for every rule sharing its facts.
        CheckKind::MustRelease => {}
        // The driver reports suppressions: only it sees every finding of a file.
        CheckKind::Suppressions => {}
    }
}
