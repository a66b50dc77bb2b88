//! Naming rules more than one target shares: the PascalCase stems of the API's
//! and the operations' types, and making a name unique within a namespace.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;

/// The PascalCase stem of an operation's types, made an identifier: `2step` gives
/// `Op2step` (as its method is `op2step`), never `2stepRequest`.
pub fn operation_stem(id: &str) -> String {
    let stem = id.to_upper_camel_case();
    if stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stem
    } else {
        format!("Op{stem}")
    }
}

/// `name`, or `name2`, `name3`, ... if it is taken; records the result as taken.
pub fn unique(name: String, taken: &mut BTreeSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// PascalCase of an API title, for the handler and client names.
pub fn api_stem(title: &str) -> String {
    let stem = title.to_upper_camel_case();
    if stem.starts_with(|c: char| c.is_ascii_alphabetic()) {
        stem
    } else {
        format!("Api{stem}")
    }
}
