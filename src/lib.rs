//! leaklint: finds leak-prone patterns in Rust, Java, Go, Python and C source.

pub mod baseline;
pub mod cache;
pub mod checks;
pub mod config;
pub mod diagnostic;
pub mod diffbase;
pub mod driver;
pub mod emit;
pub mod fix;
pub mod format_string;
pub mod frontend;
pub mod index;
pub mod model;
pub mod paths;
pub mod progress;
pub mod rules;
pub mod server;
pub mod suppress;
pub mod types;
