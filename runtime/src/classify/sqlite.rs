//! SQLite extended result codes -> class.

use super::Class;

/// The class of an SQLite error, or `None` when unknown.
pub fn classify(_code: &str, _message: &str) -> Option<Class> {
    None
}
