//! PostgreSQL SQLSTATE -> class.

use super::Class;

/// The class of a SQLSTATE, or `None` when unknown.
pub fn classify(_sqlstate: &str) -> Option<Class> {
    None
}
