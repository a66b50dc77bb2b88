//! The fuzz input format shared by the targets: readable text, so seeds can be
//! written by hand and a crash file shows the case at a glance.
//!
//! ```text
//! <column type>\n<value>
//! ```
//!
//! The value is JSON text parsed into a `serde_json::Value` (as a request body is),
//! or, when it is not JSON, the raw text as a JSON string: most mutated inputs are
//! strings, which is where the parsers are. Column types: `bool int2 int4 int8
//! numeric float4 float8 text uuid json jsonb date time timetz timestamp timestamptz
//! interval bytea other`, `enum a|b|c`, `domain <type>`, `<type>[]`.

use powersync_write_server::schema::ColumnType;
use serde_json::Value;

/// One conversion to run.
#[derive(Debug)]
pub struct Case {
    pub ty: ColumnType,
    pub value: Value,
    /// The input's length, to bound what a conversion may produce from it.
    pub input_len: usize,
}

/// Nesting of `domain`/`[]` beyond this is not a schema any database reports.
const MAX_TYPE_DEPTH: usize = 8;

impl Case {
    /// `None` for input that is not UTF-8 or whose type line is not a type.
    pub fn decode(data: &[u8]) -> Option<Case> {
        let text = std::str::from_utf8(data).ok()?;
        let (ty, value) = text.split_once('\n').unwrap_or((text, ""));
        let ty = parse_type(ty, 0)?;
        let value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        Some(Case {
            ty,
            value,
            input_len: data.len(),
        })
    }

    /// Checks what every conversion must do with any input, besides not panicking:
    /// an error says something, and neither it nor the output grows beyond a small
    /// multiple of the input (messages show values cut short).
    pub fn check(&self, output_len: Option<usize>, error: Option<&str>) {
        if let Some(len) = output_len {
            assert!(
                len <= 8 * self.input_len + 64,
                "{len} bytes of output from {} bytes of input",
                self.input_len
            );
        }
        if let Some(message) = error {
            assert!(!message.trim().is_empty(), "an empty error message");
            let limit = 2_000 + labels_len(&self.ty);
            assert!(
                message.len() <= limit,
                "a {}-byte error message: {message}",
                message.len()
            );
        }
    }
}

fn parse_type(text: &str, depth: usize) -> Option<ColumnType> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    if let Some(element) = text.strip_suffix("[]") {
        return Some(ColumnType::Array(Box::new(parse_type(element, depth + 1)?)));
    }
    if let Some(base) = text.strip_prefix("domain ") {
        return Some(ColumnType::Domain {
            base: Box::new(parse_type(base, depth + 1)?),
        });
    }
    if let Some(labels) = text.strip_prefix("enum ") {
        return Some(ColumnType::Enum {
            labels: labels.split('|').map(str::to_string).collect(),
        });
    }
    Some(match text {
        "bool" => ColumnType::Bool,
        "int2" => ColumnType::Int2,
        "int4" => ColumnType::Int4,
        "int8" => ColumnType::Int8,
        "numeric" => ColumnType::Numeric,
        "float4" => ColumnType::Float4,
        "float8" => ColumnType::Float8,
        "text" => ColumnType::Text,
        "uuid" => ColumnType::Uuid,
        "json" => ColumnType::Json,
        "jsonb" => ColumnType::Jsonb,
        "date" => ColumnType::Date,
        "time" => ColumnType::Time,
        "timetz" => ColumnType::TimeTz,
        "timestamp" => ColumnType::Timestamp,
        "timestamptz" => ColumnType::TimestampTz,
        "interval" => ColumnType::Interval,
        "bytea" => ColumnType::Bytea,
        "other" => ColumnType::Other,
        _ => return None,
    })
}

/// Enum labels appear in messages in full; they come from the schema, not the input.
fn labels_len(ty: &ColumnType) -> usize {
    match ty {
        ColumnType::Enum { labels } => labels.iter().map(|label| label.len() + 2).sum(),
        ColumnType::Domain { base } | ColumnType::Array(base) => labels_len(base),
        _ => 0,
    }
}
