//! Emitters: the report as people, tools and CI systems read it.

pub mod human;
pub mod json;
