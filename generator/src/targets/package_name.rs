//! Package-name rules of the ecosystems targets publish into. Each target names the
//! rule it follows in [`super::Target::check_package_name`]; the error text is one
//! sentence saying which rule a name breaks.

/// Rust keywords (all editions), which cargo refuses as package names.
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names of the standard library's crates, which cargo refuses too.
const RUST_BUILTIN_CRATES: &[&str] = &["alloc", "core", "proc-macro", "proc_macro", "std", "test"];

/// A cargo package name: ASCII letters, digits, `-` and `_`, starting with a letter
/// or `_`, at most 64 characters, not a keyword or a standard crate.
pub fn rust_crate(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a Rust crate name cannot be empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(format!(
            "a Rust crate name has only ASCII letters, digits, `-` and `_`, and this one has `{c}`"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err("a Rust crate name starts with a letter or `_`".into());
    }
    if name.len() > 64 {
        return Err(format!(
            "a Rust crate name has at most 64 characters, and this one has {}",
            name.len()
        ));
    }
    if RUST_KEYWORDS.contains(&name) {
        return Err(format!(
            "`{name}` is a Rust keyword, which cargo refuses as a crate name"
        ));
    }
    if RUST_BUILTIN_CRATES.contains(&name) {
        return Err(format!("`{name}` is the name of a standard Rust crate"));
    }
    Ok(())
}

/// An npm package name: `name` or `@scope/name`, at most 214 characters, lower case,
/// each part made of URL-safe characters (letters, digits, `-`, `.`, `_`, `~`) and not
/// starting with `.` or `_`.
pub fn npm_package(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an npm package name cannot be empty".into());
    }
    if name.len() > 214 {
        return Err(format!(
            "an npm package name has at most 214 characters, and this one has {}",
            name.len()
        ));
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("an npm package name is all lower case".into());
    }
    let parts: Vec<&str> = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, package)) => vec![scope, package],
            None => {
                return Err(
                    "a scoped npm package name is `@scope/name`, and this one has no `/`".into(),
                );
            }
        },
        None => vec![name],
    };
    for part in parts {
        if part.is_empty() {
            return Err("the scope and the name of an npm package cannot be empty".into());
        }
        if let Some(c) = part
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            let what = if c == '/' {
                "`/` only after an `@scope`".to_owned()
            } else {
                format!("no `{c}`")
            };
            return Err(format!(
                "an npm package name has only lower-case letters, digits, `-`, `.`, `_` and `~` (and {what})"
            ));
        }
        if part.starts_with(['.', '_']) {
            return Err("an npm package name (and scope) cannot start with `.` or `_`".into());
        }
    }
    if matches!(name, "node_modules" | "favicon.ico") {
        return Err(format!("`{name}` is a name npm reserves"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_crate_names() {
        for ok in ["powersync-write-api", "a_b", "_x", "x1", "Foo"] {
            assert_eq!(rust_crate(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "a.b",
            "my api",
            "Foo/Bar",
            "1api",
            "-a",
            "fn",
            "std",
            &"a".repeat(65),
        ] {
            assert!(rust_crate(bad).is_err(), "{bad:?}");
        }
        assert!(rust_crate("a.b").unwrap_err().contains("`.`"));
    }

    #[test]
    fn npm_package_names() {
        for ok in ["powersync-write-api", "a.b", "@scope/pkg", "x~y", "1api"] {
            assert_eq!(npm_package(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "my api",
            "Foo/Bar",
            "foo/bar",
            "@scope",
            "@/x",
            ".hidden",
            "_x",
            "node_modules",
            "a!b",
            &"a".repeat(215),
        ] {
            assert!(npm_package(bad).is_err(), "{bad:?}");
        }
        assert!(npm_package("foo/bar").unwrap_err().contains("@scope"));
    }
}
