//! Emitters: the report as people, tools and CI systems read it.

pub mod human;
pub mod json;
pub mod sarif;
pub mod github;
pub mod gitlab;
