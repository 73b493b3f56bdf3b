//! The checks: a small closed set of analyses over the model, each configured by rule data.

mod client_per_call;
mod key_consistency;
mod must_release;
mod sticky_in_session;
mod stringified_key;
mod support;

use crate::model::{Span, Unit};
use crate::rules::{CheckKind, Rule};

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
        _ => None,
    }
}

/// Runs `rule` over `unit`, appending what it finds.
pub fn run(rule: &Rule, unit: &Unit, out: &mut Vec<Finding>) {
    let Some(model) = rule.model(unit.lang) else {
        return;
    };
    match rule.check {
        CheckKind::StringifiedKey => stringified_key::check(rule, model, unit, out),
        CheckKind::MustRelease => must_release::check(rule, model, unit, out),
        CheckKind::StickyInSession => sticky_in_session::check(rule, model, unit, out),
        CheckKind::ClientPerCall => client_per_call::check(rule, model, unit, out),
        CheckKind::KeyConsistency => key_consistency::check(rule, model, unit, out),
        // The driver reports suppressions: only it sees every finding of a file.
        CheckKind::Suppressions => {}
    }
}
