//! JSON values (as the client's SQLite stored them) -> SQLite storage values, by the
//! column's [`ColumnType`]. SQLite would store almost anything anywhere, so the
//! checks here are what keeps a typed column typed.

use base64::Engine as _;
use rusqlite::types::Value as SqlValue;
use serde_json::{Number, Value};

use super::datetime::{self, Kind};
use crate::schema::ColumnType;

/// Converts one value; the error explains what the column expected.
pub fn convert(value: &Value, ty: &ColumnType) -> Result<SqlValue, String> {
    if value.is_null() {
        return Ok(SqlValue::Null);
    }
    match ty {
        ColumnType::Bool => to_bool(value).map(|b| SqlValue::Integer(i64::from(b))),
        ColumnType::Int2 => to_int(value, i16::MIN.into(), i16::MAX.into(), "a 16-bit integer"),
        ColumnType::Int4 => to_int(value, i32::MIN.into(), i32::MAX.into(), "a 32-bit integer"),
        ColumnType::Int8 => to_int(value, i64::MIN, i64::MAX, "a 64-bit integer"),
        ColumnType::Float4 => to_float(value, f64::from(f32::MAX)),
        ColumnType::Float8 => to_float(value, f64::MAX),
        ColumnType::Numeric => to_numeric(value),
        // `Set` is MySQL's; SQLite introspection never reports it.
        ColumnType::Text | ColumnType::Set { .. } | ColumnType::Other => Ok(as_given(value)),
        ColumnType::Uuid => match value {
            Value::String(text) => uuid::Uuid::parse_str(text)
                .map(|uuid| SqlValue::Text(uuid.hyphenated().to_string()))
                .map_err(|_| expected("a UUID", value)),
            _ => Err(expected("a UUID", value)),
        },
        ColumnType::Json | ColumnType::Jsonb => to_json(value).map(SqlValue::Text),
        ColumnType::Date => to_datetime(value, Kind::Date),
        ColumnType::Time | ColumnType::TimeTz => to_datetime(value, Kind::Time),
        ColumnType::Timestamp | ColumnType::TimestampTz => to_datetime(value, Kind::Timestamp),
        ColumnType::Interval => match value {
            // SQLite has no interval type: kept as the text the client sent.
            Value::String(text) => Ok(SqlValue::Text(text.clone())),
            _ => Err(expected("an interval as text", value)),
        },
        ColumnType::Bytea => to_bytes(value).map(SqlValue::Blob),
        ColumnType::Enum { labels } => match value {
            Value::String(text) if labels.iter().any(|label| label == text) => {
                Ok(SqlValue::Text(text.clone()))
            }
            _ => Err(format!(
                "expected one of {}, got {}",
                labels.join(", "),
                show(value)
            )),
        },
        ColumnType::Domain { base } => convert(value, base),
        ColumnType::Array(element) => to_array(value, element).map(SqlValue::Text),
    }
}

/// What SQLite stores for a value of no declared type: text, numbers and JSON text.
fn as_given(value: &Value) -> SqlValue {
    match value {
        Value::Null => SqlValue::Null,
        Value::String(text) => SqlValue::Text(text.clone()),
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(number) => number_value(number),
        Value::Array(_) | Value::Object(_) => SqlValue::Text(value.to_string()),
    }
}

fn number_value(number: &Number) -> SqlValue {
    match (number.as_i64(), number.as_f64()) {
        (Some(int), _) => SqlValue::Integer(int),
        // A u64 beyond i64: exact as text rather than rounded.
        _ if number.is_u64() => SqlValue::Text(number.to_string()),
        (None, Some(float)) => SqlValue::Real(float),
        (None, None) => SqlValue::Text(number.to_string()),
    }
}

fn to_bool(value: &Value) -> Result<bool, String> {
    let parsed = match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => match n.as_f64() {
            Some(0.0) => Some(false),
            Some(1.0) => Some(true),
            _ => None,
        },
        Value::String(text) => match text.to_ascii_lowercase().as_str() {
            "0" | "false" => Some(false),
            "1" | "true" => Some(true),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| expected("a boolean (0, 1, true or false)", value))
}

fn to_int(value: &Value, min: i64, max: i64, what: &str) -> Result<SqlValue, String> {
    let parsed: Option<i128> = match value {
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
            .or_else(|| {
                // A float with no fraction (`5.0`), as some clients send integers.
                n.as_f64()
                    .filter(|x| x.fract() == 0.0 && x.abs() < 1e19)
                    .map(|x| x as i128)
            }),
        Value::String(text) => text.parse::<i128>().ok(),
        _ => None,
    };
    match parsed {
        Some(int) if int >= i128::from(min) && int <= i128::from(max) => {
            Ok(SqlValue::Integer(int as i64))
        }
        Some(_) => Err(format!("{} is out of range for {what}", show(value))),
        None => Err(expected(what, value)),
    }
}

fn to_float(value: &Value, max: f64) -> Result<SqlValue, String> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text.parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        // SQLite cannot store NaN (it becomes NULL), and infinities are not numbers
        // a client can have meant.
        Some(x) if x.is_finite() && x.abs() <= max => Ok(SqlValue::Real(x)),
        Some(x) if x.is_finite() => Err(format!("{} is out of range for the column", show(value))),
        _ => Err(expected("a finite number", value)),
    }
}

/// An exact decimal is stored as a number when SQLite's number holds it exactly
/// (integers in i64; decimals whose REAL reads back as the same decimal). Any other
/// is refused: a NUMERIC column's affinity turns even text into a REAL, so storing
/// it would silently round it (a TEXT column keeps such decimals exactly).
fn to_numeric(value: &Value) -> Result<SqlValue, String> {
    let from_number;
    let text = match value {
        Value::Number(n) if n.is_i64() || n.is_f64() => return Ok(number_value(n)),
        // A u64 beyond i64: checked like its text.
        Value::Number(n) => {
            from_number = n.to_string();
            from_number.as_str()
        }
        Value::String(text) => text.trim(),
        _ => return Err(expected("a decimal number", value)),
    };
    let decimal = match Decimal::parse(text) {
        Ok(decimal) => decimal,
        Err(BadDecimal::Syntax) => return Err(expected("a decimal number", value)),
        Err(BadDecimal::Exponent) => {
            return Err(format!(
                "{} has an exponent too large for any number: {RANGE}",
                show(value)
            ));
        }
    };
    if let Some(int) = decimal.as_i64() {
        return Ok(SqlValue::Integer(int));
    }
    match text.parse::<f64>() {
        Ok(float) if float.is_infinite() => {
            Err(format!("{} is out of range: {RANGE}", show(value)))
        }
        // Also -0.0 (`0.0` matches both): the decimal is not zero, that was an i64.
        Ok(0.0) => Err(format!("{} is too close to zero: {RANGE}", show(value))),
        Ok(float)
            if float.is_finite()
                && Decimal::parse(&format!("{float:e}")).as_ref() == Ok(&decimal) =>
        {
            Ok(SqlValue::Real(float))
        }
        _ => Err(format!(
            "{} has more digits than SQLite's NUMERIC storage keeps exactly (a TEXT column would keep them)",
            show(value)
        )),
    }
}

/// What SQLite's NUMERIC storage (i64 or REAL) holds, for messages.
const RANGE: &str = "SQLite's NUMERIC storage holds magnitudes from about 4.9e-324 to 1.8e308 \
    (a TEXT column would keep the value as text)";

/// Why text is not a decimal.
#[derive(Debug, PartialEq)]
enum BadDecimal {
    /// Not `[+-]digits[.digits][e[+-]digits]`.
    Syntax,
    /// The exponent does not fit an i64 (nor, then, any number SQLite stores).
    Exponent,
}

/// A decimal as `digits × 10^exponent`, normalised (no leading or trailing zeros),
/// to compare values written differently (`1.50`, `15e-1`).
#[derive(Debug, PartialEq)]
struct Decimal {
    negative: bool,
    digits: String,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Result<Decimal, BadDecimal> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, &text[1..]),
            Some(b'+') => (false, &text[1..]),
            Some(_) => (false, text),
            None => return Err(BadDecimal::Syntax),
        };
        let (mantissa, exponent) = match rest.split_once(['e', 'E']) {
            Some((mantissa, exponent)) => (mantissa, parse_exponent(exponent)?),
            None => (rest, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return Err(BadDecimal::Syntax);
        }
        let all = format!("{whole}{fraction}");
        let trimmed = all.trim_start_matches('0');
        let digits = trimmed.trim_end_matches('0');
        if digits.is_empty() {
            return Ok(Decimal {
                negative: false,
                digits: String::new(),
                exponent: 0,
            });
        }
        // Checked: an exponent near i64's ends (`1e9223372036854775807`) must be
        // refused, not wrap around into a small one.
        let length = |part: &str| i64::try_from(part.len()).map_err(|_| BadDecimal::Exponent);
        let exponent = exponent
            .checked_sub(length(fraction)?)
            .and_then(|e| e.checked_add(trimmed.len() as i64 - digits.len() as i64))
            .ok_or(BadDecimal::Exponent)?;
        Ok(Decimal {
            negative,
            digits: digits.to_string(),
            exponent,
        })
    }

    fn as_i64(&self) -> Option<i64> {
        if self.digits.is_empty() {
            return Some(0);
        }
        let length = i64::try_from(self.digits.len()).ok()?;
        // At most 19 digits in all, so the zeros below stay few.
        if self.exponent < 0 || length.checked_add(self.exponent)? > 19 {
            return None;
        }
        let zeros = "0".repeat(usize::try_from(self.exponent).ok()?);
        let sign = if self.negative { "-" } else { "" };
        format!("{sign}{}{zeros}", self.digits).parse().ok()
    }
}

/// `[+-]digits`; all digits but beyond i64 is an absurd exponent, not a syntax error.
fn parse_exponent(text: &str) -> Result<i64, BadDecimal> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadDecimal::Syntax);
    }
    text.parse().map_err(|_| BadDecimal::Exponent)
}

/// JSON columns hold canonical JSON text: a string is the client's JSON text (how
/// SQLite stores JSON) and must parse; any other value is serialised.
fn to_json(value: &Value) -> Result<String, String> {
    match value {
        Value::String(text) => serde_json::from_str::<Value>(text)
            .map(|parsed| parsed.to_string())
            .map_err(|error| format!("not valid JSON text: {error}")),
        other => Ok(other.to_string()),
    }
}

/// Arrays are kept as JSON text, each element checked against the element type.
fn to_array(value: &Value, element: &ColumnType) -> Result<String, String> {
    let parsed;
    let items = match value {
        Value::Array(items) => items,
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text).ok();
            match &parsed {
                Some(Value::Array(items)) => items,
                _ => return Err(expected("a JSON array", value)),
            }
        }
        _ => return Err(expected("a JSON array", value)),
    };
    for (index, item) in items.iter().enumerate() {
        convert(item, element).map_err(|message| format!("element {index}: {message}"))?;
    }
    Ok(Value::Array(items.clone()).to_string())
}

fn to_datetime(value: &Value, kind: Kind) -> Result<SqlValue, String> {
    match value {
        Value::String(text) => datetime::check(kind, text)
            .map(|()| SqlValue::Text(text.clone()))
            .map_err(|message| format!("{message}, got {}", show(value))),
        _ => Err(format!("{}, got {}", datetime::expected(kind), show(value))),
    }
}

/// Bytes from `\x` hex (PostgreSQL's bytea text form) or base64.
fn to_bytes(value: &Value) -> Result<Vec<u8>, String> {
    let Value::String(text) = value else {
        return Err(expected("bytes as base64 or \\x hex text", value));
    };
    if let Some(hex) = text.strip_prefix("\\x") {
        return decode_hex(hex)
            .ok_or_else(|| expected("\\x followed by pairs of hex digits", value));
    }
    base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT
        .decode(text)
        .map_err(|_| expected("bytes as base64 or \\x hex text", value))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |b: u8| char::from(b).to_digit(16);
            u8::try_from(digit(pair[0])? * 16 + digit(pair[1])?).ok()
        })
        .collect()
}

fn expected(what: &str, value: &Value) -> String {
    format!("expected {what}, got {}", show(value))
}

/// The offending value, shortened: enough to recognise it in a message.
fn show(value: &Value) -> String {
    const LIMIT: usize = 40;
    let text = value.to_string();
    if text.chars().count() <= LIMIT {
        text
    } else {
        format!("{}...", text.chars().take(LIMIT).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decimals_compare_by_value() {
        assert_eq!(Decimal::parse("1.50"), Decimal::parse("15e-1"));
        assert_eq!(Decimal::parse("-0.0"), Decimal::parse("0"));
        let int = |text: &str| Decimal::parse(text).ok().and_then(|d| d.as_i64());
        assert_eq!(int("100"), Some(100));
        assert_eq!(int("0"), Some(0));
        assert_eq!(int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int("9223372036854775808"), None);
        assert_eq!(int("1e18"), Some(1_000_000_000_000_000_000));
        assert_eq!(int("1e19"), None);
        assert_eq!(int("1e9223372036854775807"), None);
        assert_eq!(int("10e9223372036854775807"), None);
        for bad in [
            "", ".", "-", "1..2", "1e", "1e+", "abc", "1,5", "NaN", "1eé",
        ] {
            assert_eq!(Decimal::parse(bad), Err(BadDecimal::Syntax), "{bad}");
        }
        for absurd in ["1e9223372036854775808", "1e-99999999999999999999"] {
            assert_eq!(
                Decimal::parse(absurd),
                Err(BadDecimal::Exponent),
                "{absurd}"
            );
        }
        // The exponent minus the fraction's length would pass i64::MIN.
        assert_eq!(
            Decimal::parse("0.1e-9223372036854775808"),
            Err(BadDecimal::Exponent)
        );
    }

    #[test]
    fn numeric_keeps_precision() {
        assert_eq!(to_numeric(&json!("12.5")), Ok(SqlValue::Real(12.5)));
        assert_eq!(to_numeric(&json!("0.1")), Ok(SqlValue::Real(0.1)));
        assert_eq!(to_numeric(&json!("42")), Ok(SqlValue::Integer(42)));
        assert!(to_numeric(&json!("12345678901234567890.123456789")).is_err());
        assert!(to_numeric(&json!("0.1000000000000000000001")).is_err());
        assert!(to_numeric(&json!(u64::MAX)).is_err());
        let message = to_numeric(&json!("1e9223372036854775807")).unwrap_err();
        assert!(message.contains("out of range"), "{message}");
        let message = to_numeric(&json!("1e-400")).unwrap_err();
        assert!(message.contains("too close to zero"), "{message}");
        assert_eq!(
            to_numeric(&json!("0e9223372036854775807")),
            Ok(SqlValue::Integer(0))
        );
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
