//! JSON values (as the client's SQLite stored them) -> the canonical text PostgreSQL
//! parses for the column's type. Every value travels as text and is cast in SQL
//! (`u.c0::type`), so this module's job is to validate and normalise, so that a bad
//! value is reported as INVALID_DATA naming its column before anything is sent.
//!
//! Numeric precision: a decimal sent as a JSON *string* is passed through exactly. A
//! decimal sent as a JSON *number* is exact when it is an integer; a number with a
//! fraction or exponent has already been parsed into an `f64` by serde_json (the
//! workspace does not enable `arbitrary_precision`), so it is exact only up to ~17
//! significant digits. Clients that need more send numerics as strings (SQLite stores
//! them as TEXT anyway when they do not fit a REAL).
//!
//! The TypeScript PostgreSQL module (`templates/typescript/support/postgres-values.ts`)
//! converts by the same rules, and both are held to the shared vectors of
//! `tests/postgres-vectors/values.json`. So that they can agree, a value is never
//! told apart by how its number was written: a number is written as JavaScript
//! writes it ([`js_json`]: `3.0` is `3`, `1e300` is `1e+300`, integers exactly), and
//! `1.0` is a boolean like `1`. JavaScript itself cannot hold integers beyond 2^53
//! exactly; the vectors list what it answers for them.

use base64::Engine;
use serde_json::Value;

use crate::persist::values::{
    civil_from_days, days_from_civil, is_integer_literal, js_json, js_number, parse_date,
    parse_time, show, split_offset,
};
use crate::schema::ColumnType;

/// Converts one value; `Ok(None)` is SQL NULL, `Err` a message naming what was expected.
pub fn to_text(ty: &ColumnType, value: &Value) -> Result<Option<String>, String> {
    if value.is_null() {
        return Ok(None);
    }
    convert(ty, value).map(Some)
}

fn convert(ty: &ColumnType, value: &Value) -> Result<String, String> {
    match ty {
        ColumnType::Bool => boolean(value),
        ColumnType::Int2 => integer(value, i16::MIN.into(), i16::MAX.into(), "smallint"),
        ColumnType::Int4 => integer(value, i32::MIN.into(), i32::MAX.into(), "integer"),
        ColumnType::Int8 => integer(value, i64::MIN, i64::MAX, "bigint"),
        ColumnType::Numeric => numeric(value),
        ColumnType::Float4 => float(value, true),
        ColumnType::Float8 => float(value, false),
        // `Set` is MySQL's; PostgreSQL never reports it.
        ColumnType::Text | ColumnType::Interval | ColumnType::Set { .. } | ColumnType::Other => {
            text(value)
        }
        ColumnType::Uuid => uuid(value),
        ColumnType::Json | ColumnType::Jsonb => json(value),
        ColumnType::Date => with_str(value, "a date (YYYY-MM-DD)", date),
        ColumnType::Time => with_str(value, "a time (hh:mm[:ss[.fff]])", |s| time(s, false)),
        ColumnType::TimeTz => with_str(
            value,
            "a time with offset (hh:mm[:ss[.fff]][Z|+hh:mm])",
            |s| time(s, true),
        ),
        ColumnType::Timestamp => with_str(value, "an ISO 8601 timestamp", |s| timestamp(s, false)),
        ColumnType::TimestampTz => with_str(value, "an ISO 8601 timestamp", |s| timestamp(s, true)),
        ColumnType::Bytea => with_str(value, "base64 or \\x hex bytes", bytea),
        ColumnType::Enum { labels } => match value {
            Value::String(s) if labels.iter().any(|label| label == s) => Ok(s.clone()),
            _ => Err(format!(
                "expected one of {}, got {}",
                list(labels),
                show(value)
            )),
        },
        ColumnType::Domain { base } => convert(base, value),
        ColumnType::Array(element) => array(element, value),
    }
}

fn boolean(value: &Value) -> Result<String, String> {
    let truth = match value {
        Value::Bool(b) => Some(*b),
        // By value: SQLite may hand a REAL 1.0, and JavaScript cannot tell 1.0 from 1.
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    };
    truth.map(|b| b.to_string()).ok_or_else(|| {
        format!(
            "expected a boolean (0, 1, true or false), got {}",
            show(value)
        )
    })
}

fn integer(value: &Value, min: i64, max: i64, name: &str) -> Result<String, String> {
    let out_of_range = || format!("{} is out of range for {name}", show(value));
    let parsed: Option<i64> = match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i)
            } else if n.is_u64() {
                return Err(out_of_range());
            } else {
                // A REAL holding a whole number (SQLite may store 3 as 3.0).
                match n.as_f64() {
                    Some(f) if f.is_finite() && f.fract() == 0.0 => {
                        // `max as f64` rounds i64::MAX up to 2^63, itself out of
                        // range (`as` would saturate it to i64::MAX).
                        if f < min as f64 || f >= max as f64 + 1.0 {
                            return Err(out_of_range());
                        }
                        Some(f as i64)
                    }
                    _ => None,
                }
            }
        }
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i64>() {
                Ok(i) => Some(i),
                // All digits but too large for i64: a range error, not a syntax error.
                Err(_) if is_integer_literal(s) => return Err(out_of_range()),
                Err(_) => None,
            }
        }
        _ => None,
    };
    match parsed {
        Some(i) if i < min || i > max => Err(out_of_range()),
        Some(i) => Ok(i.to_string()),
        None => Err(format!("expected an integer ({name}), got {}", show(value))),
    }
}

fn numeric(value: &Value) -> Result<String, String> {
    match value {
        // Integers are exact; other numbers went through f64 (see the module docs).
        Value::Number(n) => Ok(js_number(n)),
        Value::String(s) => {
            let s = s.trim();
            match decimal(s) {
                Ok(()) => Ok(s.to_string()),
                Err(BadDecimal::Syntax) => {
                    Err(format!("expected a decimal number, got {}", show(value)))
                }
                Err(BadDecimal::TooLarge) => Err(format!(
                    "{} is out of range: PostgreSQL's numeric holds at most \
                     {MAX_WHOLE_DIGITS} digits before the decimal point",
                    show(value)
                )),
                Err(BadDecimal::TooPrecise) => Err(format!(
                    "{} is out of range: PostgreSQL's numeric holds at most \
                     {MAX_SCALE} digits after the decimal point",
                    show(value)
                )),
            }
        }
        _ => Err(format!("expected a decimal number, got {}", show(value))),
    }
}

/// PostgreSQL's numeric limits (its documentation, "Arbitrary Precision Numbers"):
/// beyond them it fails with "value overflows numeric format".
const MAX_WHOLE_DIGITS: i64 = 131_072;
const MAX_SCALE: i64 = 16_383;

/// Why text is not a numeric PostgreSQL accepts.
#[derive(Debug, PartialEq)]
enum BadDecimal {
    Syntax,
    /// More digits before the point than numeric holds (`1e131072`).
    TooLarge,
    /// More digits after the point than numeric holds (`1e-16384`).
    TooPrecise,
}

/// `[+-]digits[.digits][e[+-]digits]` (either side of the point may be empty, not
/// both), or NaN / Infinity, within numeric's range. The exponent is checked here,
/// with checked arithmetic, so that an absurd one (`1e9223372036854775807`) is this
/// column's INVALID_DATA rather than a database error or an overflow.
fn decimal(s: &str) -> Result<(), BadDecimal> {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.eq_ignore_ascii_case("nan") {
        // NaN has no sign.
        return if unsigned.len() == s.len() {
            Ok(())
        } else {
            Err(BadDecimal::Syntax)
        };
    }
    if unsigned.eq_ignore_ascii_case("infinity") || unsigned.eq_ignore_ascii_case("inf") {
        return Ok(());
    }
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return Err(BadDecimal::Syntax);
    }
    let exponent = match exponent {
        None => 0,
        Some(text) if !is_integer_literal(text) => return Err(BadDecimal::Syntax),
        // All digits but beyond i64: far beyond numeric either way.
        Some(text) => match text.parse::<i64>() {
            Ok(exponent) => exponent,
            Err(_) if text.starts_with('-') => return Err(BadDecimal::TooPrecise),
            Err(_) => return Err(BadDecimal::TooLarge),
        },
    };
    let length = |part: &str| i64::try_from(part.len()).unwrap_or(i64::MAX);
    // Digits after the point as written (PostgreSQL keeps trailing zeros: `1.50`).
    let scale = length(fraction).checked_sub(exponent);
    if scale.is_none_or(|scale| scale > MAX_SCALE) {
        return Err(BadDecimal::TooPrecise);
    }
    // Digits before the point, from the first significant one; zero has none.
    let significant = whole.trim_start_matches('0');
    let whole_digits = if significant.is_empty() {
        let leading_zeros = fraction.bytes().take_while(|&b| b == b'0').count();
        if leading_zeros == fraction.len() {
            return Ok(());
        }
        i64::try_from(leading_zeros).map_or(Some(i64::MIN), |zeros| exponent.checked_sub(zeros))
    } else {
        length(significant).checked_add(exponent)
    };
    if whole_digits.is_none_or(|digits| digits > MAX_WHOLE_DIGITS) {
        return Err(BadDecimal::TooLarge);
    }
    Ok(())
}

fn float(value: &Value, single: bool) -> Result<String, String> {
    let (text, parsed) = match value {
        // The number the column will hold, written as JavaScript writes it.
        Value::Number(n) => match n.as_f64() {
            Some(f) => (ryu_js::Buffer::new().format(f).to_string(), Some(f)),
            None => (String::new(), None),
        },
        Value::String(s) => (s.trim().to_string(), s.trim().parse::<f64>().ok()),
        _ => (String::new(), None),
    };
    match parsed {
        Some(f) if single && f.is_finite() && f.abs() > f64::from(f32::MAX) => {
            Err(format!("{} is out of range for real", show(value)))
        }
        Some(_) => Ok(text),
        None => Err(format!(
            "expected a floating-point number, got {}",
            show(value)
        )),
    }
}

fn text(value: &Value) -> Result<String, String> {
    let text = match value {
        Value::String(s) => s.clone(),
        // Numbers, booleans and structured values as their JSON text.
        other => js_json(other),
    };
    if text.contains('\0') {
        return Err("text cannot contain NUL characters".to_string());
    }
    Ok(text)
}

fn uuid(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => match uuid::Uuid::parse_str(s.trim()) {
            Ok(id) => Ok(id.hyphenated().to_string()),
            Err(_) => Err(format!("expected a UUID, got {}", show(value))),
        },
        _ => Err(format!("expected a UUID, got {}", show(value))),
    }
}

fn json(value: &Value) -> Result<String, String> {
    match value {
        // SQLite keeps JSON as text: the string must be a JSON document. (The parser's
        // own message is left out: it is not the same in every language.)
        Value::String(s) => match serde_json::from_str::<serde::de::IgnoredAny>(s) {
            Ok(_) => Ok(s.clone()),
            Err(_) => Err(format!("expected JSON text, got {}", show(value))),
        },
        other => Ok(js_json(other)),
    }
}

fn array(element: &ColumnType, value: &Value) -> Result<String, String> {
    let parsed;
    let items = match value {
        Value::Array(items) => items,
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok();
            match &parsed {
                Some(Value::Array(items)) => items,
                _ => return Err(format!("expected a JSON array, got {}", show(value))),
            }
        }
        _ => return Err(format!("expected a JSON array, got {}", show(value))),
    };
    let mut out = String::from("{");
    render_items(element, items, &mut out, &mut Vec::new())?;
    out.push('}');
    Ok(out)
}

/// Renders an array literal's items; nested JSON arrays are further dimensions
/// (except for JSON elements, where an array is one element's value).
fn render_items(
    element: &ColumnType,
    items: &[Value],
    out: &mut String,
    path: &mut Vec<usize>,
) -> Result<(), String> {
    let json_elements = matches!(base_type(element), ColumnType::Json | ColumnType::Jsonb);
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        path.push(index);
        match item {
            Value::Null => out.push_str("NULL"),
            Value::Array(inner) if !json_elements => {
                out.push('{');
                render_items(element, inner, out, path)?;
                out.push('}');
            }
            _ => {
                let text = if json_elements {
                    js_json(item)
                } else {
                    convert(element, item).map_err(|message| {
                        let at: Vec<String> = path.iter().map(|i| format!("[{i}]")).collect();
                        format!("element {}: {message}", at.concat())
                    })?
                };
                out.push('"');
                for c in text.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
        path.pop();
    }
    Ok(())
}

fn base_type(ty: &ColumnType) -> &ColumnType {
    match ty {
        ColumnType::Domain { base } => base_type(base),
        other => other,
    }
}

fn bytea(s: &str) -> Option<String> {
    let bytes = if let Some(hex) = s.strip_prefix("\\x") {
        if hex.len() % 2 != 0 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        return Some(format!("\\x{}", hex.to_ascii_lowercase()));
    } else {
        use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
        STANDARD_PAD_INDIFFERENT
            .decode(s.trim())
            .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(s.trim()))
            .ok()?
    };
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    Some(out)
}

/// Applies a string parser; anything else or an unparsable string is an error.
fn with_str(
    value: &Value,
    expected: &str,
    parse: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    match value {
        Value::String(s) => {
            parse(s.trim()).ok_or_else(|| format!("expected {expected}, got {}", show(value)))
        }
        _ => Err(format!("expected {expected}, got {}", show(value))),
    }
}

fn is_infinity(s: &str) -> bool {
    s.eq_ignore_ascii_case("infinity") || s.eq_ignore_ascii_case("-infinity")
}

fn date(s: &str) -> Option<String> {
    if is_infinity(s) {
        return Some(s.to_string());
    }
    parse_date(s)?;
    Some(s.to_string())
}

fn time(s: &str, with_zone: bool) -> Option<String> {
    let (clock, offset) = split_offset(s)?;
    if offset.is_some() && !with_zone {
        return None;
    }
    parse_time(clock)?;
    Some(s.to_string())
}

/// ISO 8601 date-time with `T` or a space, optional fraction and offset; PowerSync's
/// `YYYY-MM-DD hh:mm:ss.sssZ` is one of them. A date alone is midnight.
fn timestamp(s: &str, with_zone: bool) -> Option<String> {
    if is_infinity(s) {
        return Some(s.to_string());
    }
    if s.len() == 10 {
        parse_date(s)?;
        return Some(s.to_string());
    }
    let date_part = s.get(..10)?;
    let separator = s.get(10..11)?;
    if !matches!(separator, "T" | "t" | " ") {
        return None;
    }
    let (year, month, day) = parse_date(date_part)?;
    let (clock, offset) = split_offset(s.get(11..)?)?;
    let (hour, minute, second, fraction) = parse_time(clock)?;
    match offset {
        None => Some(format!("{date_part} {clock}")),
        Some(_) if with_zone => Some(s.to_string()),
        // PostgreSQL ignores an offset given for `timestamp without time zone`; the
        // value is an instant, so store its UTC wall-clock time instead.
        Some(offset_minutes) => {
            let seconds =
                i64::from(hour * 3600 + minute * 60 + second) - i64::from(offset_minutes) * 60;
            let days = days_from_civil(year, month, day) + seconds.div_euclid(86_400);
            let seconds = seconds.rem_euclid(86_400);
            let (year, month, day) = civil_from_days(days);
            Some(format!(
                "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}{fraction}",
                seconds / 3600,
                seconds % 3600 / 60,
                seconds % 60
            ))
        }
    }
}

fn list(labels: &[String]) -> String {
    let shown: Vec<&str> = labels.iter().take(10).map(String::as_str).collect();
    let more = if labels.len() > 10 { ", ..." } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The shared vectors (tests/postgres-vectors/README.md): what the TypeScript
    /// module must answer too.
    const VECTORS: &str = include_str!("../../../../tests/postgres-vectors/values.json");

    /// A column type in the vectors' notation.
    fn column_type(notation: &Value) -> ColumnType {
        match notation {
            Value::String(name) => match name.as_str() {
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
                other => panic!("unknown column type {other:?} in the vectors"),
            },
            Value::Object(one) if one.len() == 1 => match one.iter().next() {
                Some((kind, Value::Array(labels))) if kind == "enum" => ColumnType::Enum {
                    labels: labels
                        .iter()
                        .map(|label| label.as_str().expect("enum labels are strings").to_string())
                        .collect(),
                },
                Some((kind, base)) if kind == "domain" => ColumnType::Domain {
                    base: Box::new(column_type(base)),
                },
                Some((kind, element)) if kind == "array" => {
                    ColumnType::Array(Box::new(column_type(element)))
                }
                _ => panic!("unknown column type {notation} in the vectors"),
            },
            other => panic!("unknown column type {other} in the vectors"),
        }
    }

    /// The variant's name, so the test can tell that every one is covered (a new
    /// variant does not compile until it is named here).
    fn kind(ty: &ColumnType) -> &'static str {
        match ty {
            ColumnType::Bool => "bool",
            ColumnType::Int2 => "int2",
            ColumnType::Int4 => "int4",
            ColumnType::Int8 => "int8",
            ColumnType::Numeric => "numeric",
            ColumnType::Float4 => "float4",
            ColumnType::Float8 => "float8",
            ColumnType::Text => "text",
            ColumnType::Uuid => "uuid",
            ColumnType::Json => "json",
            ColumnType::Jsonb => "jsonb",
            ColumnType::Date => "date",
            ColumnType::Time => "time",
            ColumnType::TimeTz => "timetz",
            ColumnType::Timestamp => "timestamp",
            ColumnType::TimestampTz => "timestamptz",
            ColumnType::Interval => "interval",
            ColumnType::Bytea => "bytea",
            ColumnType::Enum { .. } => "enum",
            ColumnType::Domain { .. } => "domain",
            ColumnType::Array(_) => "array",
            // MySQL's; not a PostgreSQL type, so not in these vectors.
            ColumnType::Set { .. } => "set",
            ColumnType::Other => "other",
        }
    }

    #[test]
    fn every_shared_vector() {
        let vectors: Value = serde_json::from_str(VECTORS).expect("values.json is JSON");
        let cases = vectors["cases"].as_array().expect("values.json has cases");
        let mut failures = Vec::new();
        let mut kinds = std::collections::BTreeMap::<&str, (usize, usize)>::new();
        for (index, case) in cases.iter().enumerate() {
            let ty = column_type(&case["type"]);
            let expected = match (case.get("text"), case.get("error")) {
                (Some(Value::Null), None) => Ok(None),
                (Some(Value::String(text)), None) => Ok(Some(text.clone())),
                (None, Some(Value::String(error))) => Err(error.clone()),
                _ => panic!("case {index}: give `text` (a string or null) or `error`"),
            };
            let counts = kinds.entry(kind(&ty)).or_default();
            if expected.is_ok() {
                counts.0 += 1;
            } else {
                counts.1 += 1;
            }
            let actual = to_text(&ty, &case["value"]);
            if actual != expected {
                failures.push(format!(
                    "case {index} ({} as {}): expected {expected:?}, got {actual:?}",
                    case["value"], case["type"]
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        // Every type is covered, each with a value it takes and one it refuses.
        for ty in [
            "bool",
            "int2",
            "int4",
            "int8",
            "numeric",
            "float4",
            "float8",
            "text",
            "uuid",
            "json",
            "jsonb",
            "date",
            "time",
            "timetz",
            "timestamp",
            "timestamptz",
            "bytea",
            "enum",
            "domain",
            "array",
        ] {
            let (taken, refused) = kinds.get(ty).copied().unwrap_or_default();
            assert!(
                taken > 0 && refused > 0,
                "{ty}: {taken} taken, {refused} refused"
            );
        }
        for ty in ["interval", "other"] {
            assert!(kinds.contains_key(ty), "{ty} has no case");
        }
    }

    /// What the vectors cannot say: a JSON number is written as JavaScript writes it.
    #[test]
    fn numbers_and_objects_are_written_as_javascript_writes_them() {
        for (value, text) in [
            (json!(3.0), "3"),
            (json!(-0.0), "0"),
            (json!(1e21), "1e+21"),
            (json!(1e-7), "1e-7"),
            (json!(0.000001), "0.000001"),
            (
                json!(123_456_789_012_345_680_000.0),
                "123456789012345680000",
            ),
            (json!(u64::MAX), "18446744073709551615"),
            (json!(i64::MIN), "-9223372036854775808"),
        ] {
            assert_eq!(js_json(&value), text, "{value:?}");
        }
        let object: Value =
            serde_json::from_str(r#"{"b":0,"4294967295":1,"7":2,"01":3,"0":4,"":5}"#).unwrap();
        assert_eq!(
            js_json(&object),
            r#"{"0":4,"7":2,"b":0,"4294967295":1,"01":3,"":5}"#
        );
    }
}
