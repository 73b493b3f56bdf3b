//! Emitters: the report as people, tools and CI systems read it.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;
