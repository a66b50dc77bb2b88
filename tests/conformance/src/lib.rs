//! The conformance driver: starts every language's server and client program
//! (`README.md`), runs the same cases against each, and reports every difference
//! from a case's expectation or between two languages.

pub mod cases;
pub mod fake_server;
pub mod languages;
pub mod process;
pub mod raw;
pub mod report;

use std::path::PathBuf;

/// The repository root (this crate lives in `tests/conformance`).
pub fn repo_root() -> PathBuf {
    conformance_rust::repo_root()
}
