//! leaklint: finds leak-prone patterns in Rust, Java, Go, Python and C source.

pub mod format_string;
pub mod frontend;
pub mod model;
pub mod checks;
pub mod rules;
pub mod diagnostic;
pub mod driver;
pub mod emit;
pub mod config;
pub mod suppress;
pub mod baseline;
pub mod diffbase;
pub mod progress;
