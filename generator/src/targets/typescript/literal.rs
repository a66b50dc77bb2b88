//! Object and array literals of data (the schema table, the operation table, the
//! security schemes), printed for prettier to lay out: objects expanded, one
//! property per line (prettier keeps an object expanded when its source has a line
//! break after `{`), arrays on one line (prettier breaks them when too wide).

use super::names::{key, string};

/// A value in an object literal or array literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    /// Source text printed as is (`true`, `12`, `schemas.WriteBatch`).
    Raw(String),
    Str(String),
    Array(Vec<Lit>),
    /// Printed expanded, one property per line.
    Object(Vec<(String, Lit)>),
}

impl Lit {
    pub fn raw(text: impl Into<String>) -> Lit {
        Lit::Raw(text.into())
    }

    pub fn str(text: impl Into<String>) -> Lit {
        Lit::Str(text.into())
    }

    /// The literal, its lines after the first indented by `indent`.
    pub fn print(&self, indent: usize) -> String {
        match self {
            Lit::Raw(text) => text.clone(),
            Lit::Str(text) => string(text),
            Lit::Array(items) => {
                let items: Vec<String> = items.iter().map(|item| item.print(indent)).collect();
                format!("[{}]", items.join(", "))
            }
            Lit::Object(props) if props.is_empty() => "{}".to_string(),
            Lit::Object(props) => {
                let pad = " ".repeat(indent + 2);
                let mut out = String::from("{\n");
                for (name, value) in props {
                    out.push_str(&format!(
                        "{pad}{}: {},\n",
                        key(name),
                        value.print(indent + 2)
                    ));
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_expanded_and_arrays_flat() {
        let object = Lit::Object(vec![
            ("type".into(), Lit::str("string")),
            (
                "enum".into(),
                Lit::Array(vec![Lit::str("a"), Lit::str("b")]),
            ),
            (
                "X-Key".into(),
                Lit::Object(vec![("n".into(), Lit::raw("1"))]),
            ),
        ]);
        assert_eq!(
            object.print(0),
            "{\n  type: \"string\",\n  enum: [\"a\", \"b\"],\n  \"X-Key\": {\n    n: 1,\n  },\n}"
        );
        assert_eq!(Lit::Object(Vec::new()).print(4), "{}");
    }
}
