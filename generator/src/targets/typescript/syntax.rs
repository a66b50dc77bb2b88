//! TypeScript source text laid out the way prettier (default options: 80 columns,
//! two-space indent, double quotes, trailing commas) prints it, so the generated
//! package passes `prettier --check` without running prettier at generation time.
//!
//! Only the few shapes the templates need are covered: string literals, object
//! literals (always expanded, which prettier keeps when the source has a line break
//! after `{`), arrays (on one line when they fit, else one element per line), union
//! types, and JSDoc comments.

/// prettier's default print width.
pub const WIDTH: usize = 80;

/// A string literal as prettier prints it: double quotes unless the text holds more
/// double than single quotes, and only the chosen quote escaped.
pub fn string(text: &str) -> String {
    let doubles = text.matches('"').count();
    let singles = text.matches('\'').count();
    let quote = if doubles > singles { '\'' } else { '"' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Whether `name` can be written unquoted as a property key or used as an identifier
/// (ASCII only: the generated code never needs more).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property key: bare when it can be, else a string literal.
pub fn key(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        string(name)
    }
}

/// A value in an object literal or array literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Source text printed as is (`true`, `12`, `schemas.WriteBatch`).
    Raw(String),
    Str(String),
    Array(Vec<Lit>),
    /// Always printed expanded, one property per line.
    Object(Vec<(String, Lit)>),
}

impl Lit {
    pub fn raw(text: impl Into<String>) -> Lit {
        Lit::Raw(text.into())
    }

    pub fn str(text: impl Into<String>) -> Lit {
        Lit::Str(text.into())
    }

    /// The literal on one line, if it has no forced line break (a non-empty object).
    fn flat(&self) -> Option<String> {
        match self {
            Lit::Raw(text) => Some(text.clone()),
            Lit::Str(text) => Some(string(text)),
            Lit::Array(items) => {
                let items: Option<Vec<String>> = items.iter().map(Lit::flat).collect();
                Some(format!("[{}]", items?.join(", ")))
            }
            Lit::Object(props) if props.is_empty() => Some("{}".to_string()),
            Lit::Object(_) => None,
        }
    }

    /// Prints the literal starting at column `start` (where the text before it on
    /// its line ends) with the line's indentation `indent`; `suffix` is what follows
    /// it on its last line (`,` or `;`), which counts towards the width.
    pub fn print(&self, indent: usize, start: usize, suffix: usize) -> String {
        if let Some(flat) = self.flat()
            && start + flat.len() + suffix <= WIDTH
        {
            return flat;
        }
        let pad = " ".repeat(indent + 2);
        let close = " ".repeat(indent);
        match self {
            Lit::Array(items) if !items.is_empty() => {
                let mut out = String::from("[\n");
                for item in items {
                    out.push_str(&pad);
                    out.push_str(&item.print(indent + 2, indent + 2, 1));
                    out.push_str(",\n");
                }
                out.push_str(&close);
                out.push(']');
                out
            }
            Lit::Object(props) if !props.is_empty() => {
                let mut out = String::from("{\n");
                for (name, value) in props {
                    let key = key(name);
                    out.push_str(&pad);
                    out.push_str(&key);
                    out.push_str(": ");
                    out.push_str(&value.print(indent + 2, indent + 2 + key.len() + 2, 1));
                    out.push_str(",\n");
                }
                out.push_str(&close);
                out.push('}');
                out
            }
            // A long raw text or string cannot be broken: prettier leaves it long.
            other => other.flat().unwrap_or_default(),
        }
    }
}

/// A union type alias: `export type Name = A | B;` on one line when it fits, else one
/// member per line after a leading `|`.
pub fn union_alias(name: &str, members: &[String]) -> String {
    let head = format!("export type {name} =");
    let flat = format!("{head} {};", members.join(" | "));
    if flat.len() <= WIDTH {
        return flat;
    }
    if let [only] = members {
        // One object type that does not fit: one property per line.
        if let Some(body) = only.strip_prefix("{ ").and_then(|m| m.strip_suffix(" }")) {
            let mut out = format!("{head} {{\n");
            for part in split_top_level(body) {
                out.push_str(&format!("  {part};\n"));
            }
            out.push_str("};");
            return out;
        }
        return flat;
    }
    // prettier's middle layout: the whole union on the next line, when it fits.
    let next_line = format!("  {};", members.join(" | "));
    if next_line.len() <= WIDTH {
        return format!("{head}\n{next_line}");
    }
    let mut out = head;
    for (i, member) in members.iter().enumerate() {
        let end = if i + 1 == members.len() { ";" } else { "" };
        out.push_str("\n  | ");
        if 4 + member.len() + end.len() > WIDTH
            && let Some(body) = member.strip_prefix("{ ").and_then(|m| m.strip_suffix(" }"))
        {
            // An object type that does not fit: one property per line.
            out.push_str("{\n");
            for part in split_top_level(body) {
                out.push_str(&format!("      {part};\n"));
            }
            out.push_str("    }");
        } else {
            out.push_str(member);
        }
        out.push_str(end);
    }
    out
}

/// The members of a union type written `A | B | C`, split outside nested brackets
/// (`Record<string, T | null>` is one member).
pub fn union_members(text: &str) -> Vec<String> {
    let mut members = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'<' | b'(' | b'[' => depth += 1,
            b'}' | b'>' | b')' | b']' => depth = depth.saturating_sub(1),
            b'"' | b'\'' => {
                // Skip a string literal type, which may hold brackets or bars.
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b' ' if depth == 0 && text[i..].starts_with(" | ") => {
                members.push(text[start..i].to_string());
                start = i + 3;
                i += 3;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    members.push(text[start..].to_string());
    members
}

/// A type annotation after `head` (`  name?:`), ended by `;`, laid out as prettier
/// does at `indent`: on one line when it fits, else a union one member per line, a
/// generic type one argument per line, or left long.
pub fn annotated(head: &str, type_text: &str, indent: usize) -> String {
    let line = format!("{head} {type_text};");
    if line.len() <= WIDTH {
        return line;
    }
    let members = union_members(type_text);
    let pad = " ".repeat(indent);
    if members.len() > 1 {
        let mut out = head.to_string();
        for member in &members {
            out.push_str(&format!("\n{pad}  | {member}"));
        }
        out.push(';');
        return out;
    }
    if let Some((name, args)) = type_text
        .strip_suffix('>')
        .and_then(|t| t.split_once('<'))
        .filter(|(name, _)| is_identifier(name))
    {
        // prettier puts no trailing comma after type arguments.
        let args: Vec<String> = split_top_level_by(args, ',')
            .iter()
            .map(|arg| format!("{pad}  {arg}"))
            .collect();
        return format!("{head} {name}<\n{}\n{pad}>;", args.join(",\n"));
    }
    line
}

/// The `; `-separated parts of an object type's body, outside nested braces.
fn split_top_level(body: &str) -> Vec<String> {
    split_top_level_by(body, ';')
}

/// The `separator`-separated parts of `body`, outside nested brackets.
fn split_top_level_by(body: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' | '<' | '(' | '[' => depth += 1,
            '}' | '>' | ')' | ']' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                parts.push(current.trim().to_string());
                current.clear();
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_string());
    }
    parts
}

/// The lines of a JSDoc comment's text, without the ` * ` prefixes; none for an
/// empty text. `*/` in the text is broken up so it cannot end the comment early.
pub fn doc_lines(text: &str) -> Vec<String> {
    text.trim()
        .lines()
        .map(|line| line.trim_end().replace("*/", "*\\/"))
        .filter(|_| !text.trim().is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_use_prettiers_quotes() {
        assert_eq!(string("plain"), "\"plain\"");
        assert_eq!(string("it's"), "\"it's\"");
        assert_eq!(string("say \"hi\""), "'say \"hi\"'");
        assert_eq!(string("a\\b\n"), "\"a\\\\b\\n\"");
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(key("client_id"), "client_id");
        assert_eq!(key("X-Shards"), "\"X-Shards\"");
        assert_eq!(key("2fa"), "\"2fa\"");
    }

    #[test]
    fn arrays_break_only_when_too_wide() {
        let short = Lit::Array(vec![Lit::str("a"), Lit::str("b")]);
        assert_eq!(short.print(0, 10, 1), "[\"a\", \"b\"]");
        let long = Lit::Array((0..12).map(|i| Lit::str(format!("value{i}"))).collect());
        let printed = long.print(2, 10, 1);
        assert!(printed.starts_with("[\n    \"value0\",\n"), "{printed}");
        assert!(printed.ends_with("\n  ]"), "{printed}");
    }

    #[test]
    fn objects_are_always_expanded() {
        let object = Lit::Object(vec![("type".into(), Lit::str("string"))]);
        assert_eq!(object.print(0, 0, 0), "{\n  type: \"string\",\n}");
    }

    #[test]
    fn a_long_map_of_a_nullable_type_breaks_its_arguments_not_the_union() {
        assert_eq!(
            union_members("Record<string, Measurement | null> | null"),
            ["Record<string, Measurement | null>", "null"]
        );
        assert_eq!(union_members("\"a | b\" | B"), ["\"a | b\"", "B"]);
        assert_eq!(
            annotated(
                "  latestMeasurementsByInstrumentSerialNumber?:",
                "Record<string, Measurement | null>",
                2
            ),
            "  latestMeasurementsByInstrumentSerialNumber?: Record<\n    string,\n    Measurement | null\n  >;"
        );
    }

    #[test]
    fn doc_lines_are_trimmed_and_cannot_close_the_comment() {
        assert!(doc_lines("  \n ").is_empty());
        assert_eq!(
            doc_lines("\nFirst */ line  \n\nlast\n"),
            ["First *\\/ line", "", "last"]
        );
    }

    #[test]
    fn a_long_single_object_alias_is_expanded() {
        assert_eq!(
            union_alias(
                "GetLatestMeasurementSummaryResponse",
                &["{ status: 200; body: models.MeasurementSummaryOfAllInstruments }".into()]
            ),
            "export type GetLatestMeasurementSummaryResponse = {\n  status: 200;\n  body: models.MeasurementSummaryOfAllInstruments;\n};"
        );
    }

    #[test]
    fn unions_break_after_the_equals_sign() {
        assert_eq!(
            union_alias("T", &["\"a\"".into(), "\"b\"".into()]),
            "export type T = \"a\" | \"b\";"
        );
        let members: Vec<String> = (0..8).map(|i| format!("VariantNumber{i}")).collect();
        assert!(
            union_alias("Result", &members)
                .starts_with("export type Result =\n  | VariantNumber0\n")
        );
    }
}
