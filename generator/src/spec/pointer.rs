//! JSON pointers in URI fragment form (`#/paths/~1api~1data/post`), RFC 6901.
//!
//! Pointers are kept unencoded for display (`{id}` stays `{id}`); `$ref` values read
//! from a spec may be percent-encoded and are decoded by [`parse_ref`].

/// The pointer of the document root.
pub const ROOT: &str = "#";

/// Escapes one reference token: `~` -> `~0`, `/` -> `~1`.
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Reverses [`escape`].
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// `parent` + one more (unescaped) token.
pub fn join(parent: &str, token: &str) -> String {
    format!("{parent}/{}", escape(token))
}

/// `parent` + an array index.
pub fn join_index(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

/// The pointer one level up, or `None` for the root.
pub fn parent(pointer: &str) -> Option<&str> {
    if pointer == ROOT {
        return None;
    }
    pointer.rfind('/').map(|i| &pointer[..i])
}

/// The unescaped tokens of a pointer (`#/a/b~1c` -> `["a", "b/c"]`).
pub fn tokens(pointer: &str) -> Vec<String> {
    match pointer.strip_prefix('#') {
        Some(rest) if !rest.is_empty() => rest.split('/').skip(1).map(unescape).collect(),
        _ => Vec::new(),
    }
}

/// The node at `pointer` inside `root`.
pub fn resolve<'a>(root: &'a serde_json::Value, pointer: &str) -> Option<&'a serde_json::Value> {
    let mut node = root;
    for token in tokens(pointer) {
        node = match node {
            serde_json::Value::Object(map) => map.get(&token)?,
            serde_json::Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// A local `$ref` value (`#/components/schemas/Foo%20Bar`) as a display pointer
/// (percent-decoded), or `None` when it is not a local reference.
pub fn parse_ref(reference: &str) -> Option<String> {
    if reference != ROOT && !reference.starts_with("#/") {
        return None;
    }
    Some(percent_decode(reference))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b, hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_splits() {
        let p = join(&join(ROOT, "paths"), "/api/data");
        assert_eq!(p, "#/paths/~1api~1data");
        assert_eq!(tokens(&p), ["paths", "/api/data"]);
        assert_eq!(parent(&p), Some("#/paths"));
        assert_eq!(parent("#/paths"), Some("#"));
        assert_eq!(parent("#"), None);
        assert_eq!(unescape("a~01~1"), "a~1/");
    }

    #[test]
    fn parses_local_refs_only() {
        assert_eq!(
            parse_ref("#/components/schemas/A%20B").as_deref(),
            Some("#/components/schemas/A B")
        );
        assert_eq!(parse_ref("other.yaml#/x"), None);
        assert_eq!(parse_ref("#/bad%zz").as_deref(), Some("#/bad%zz"));
        assert_eq!(parse_ref("#/%ff").as_deref(), Some("#/%ff"));
    }
}
