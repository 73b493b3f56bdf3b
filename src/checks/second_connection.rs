//! `second-connection`: placeholder.
use super::Finding;
use crate::model::Unit;
use crate::rules::{ApiModel, Rule};

pub fn check(
    _rule: &Rule,
    _model: &ApiModel,
    _unit: &Unit,
    _ctx: &super::Ctx,
    _out: &mut Vec<Finding>,
) {
}
