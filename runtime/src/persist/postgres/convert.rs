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

use base64::Engine;
use serde_json::Value;

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
        ColumnType::Text | ColumnType::Interval | ColumnType::Other => text(value),
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
        Value::Number(n) => match n.as_i64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
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

fn is_integer_literal(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn numeric(value: &Value) -> Result<String, String> {
    match value {
        // Integers are exact; other numbers went through f64 (see the module docs).
        Value::Number(n) => Ok(n.to_string()),
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
        Value::Number(n) => (n.to_string(), n.as_f64()),
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
        // Numbers, booleans and structured values as their JSON text: lossless.
        other => other.to_string(),
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
        // SQLite keeps JSON as text: the string must be a JSON document.
        Value::String(s) => match serde_json::from_str::<serde::de::IgnoredAny>(s) {
            Ok(_) => Ok(s.clone()),
            Err(error) => Err(format!("expected JSON text, got {} ({error})", show(value))),
        },
        other => Ok(other.to_string()),
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
                    item.to_string()
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

fn number(s: &str, digits: usize) -> Option<u32> {
    if s.len() != digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
    let mut parts = s.split('-');
    let year = number(parts.next()?, 4)?;
    let month = number(parts.next()?, 2)?;
    let day = number(parts.next()?, 2)?;
    if parts.next().is_some() || !(1..=12).contains(&month) || year == 0 {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days_in_month)
        .contains(&day)
        .then_some((i64::from(year), month, day))
}

/// `hh:mm[:ss[.fraction]]` -> (h, m, s, ".fraction" or "").
fn parse_time(s: &str) -> Option<(u32, u32, u32, &str)> {
    // `find` gives a char boundary, so `split_at` cannot panic.
    let (main, fraction) = s.find('.').map_or((s, ""), |at| s.split_at(at));
    if fraction.len() == 1 || !fraction.bytes().skip(1).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut parts = main.split(':');
    let hour = number(parts.next()?, 2)?;
    let minute = number(parts.next()?, 2)?;
    let second = match parts.next() {
        Some(part) => number(part, 2)?,
        None if fraction.is_empty() => 0,
        None => return None,
    };
    if parts.next().is_some() || minute > 59 || second > 59 {
        return None;
    }
    let end_of_day =
        hour == 24 && minute == 0 && second == 0 && fraction.bytes().skip(1).all(|b| b == b'0');
    (hour <= 23 || end_of_day).then_some((hour, minute, second, fraction))
}

/// Splits a trailing `Z` or `±hh[[:]mm]` off a time; the offset in minutes.
fn split_offset(s: &str) -> Option<(&str, Option<i32>)> {
    if let Some(clock) = s.strip_suffix(['Z', 'z']) {
        return Some((clock, Some(0)));
    }
    let Some(at) = s.rfind(['+', '-']) else {
        return Some((s, None));
    };
    // `at` is an ASCII sign, so a char boundary; the zone's own slices use `get`,
    // as it may hold any character (`+0é00`).
    let (clock, signed) = s.split_at(at);
    let sign = if signed.starts_with('-') { -1 } else { 1 };
    let zone = signed.get(1..)?;
    let two = |from: usize| number(zone.get(from..from + 2)?, 2);
    let (hours, minutes) = match zone.len() {
        2 => (two(0)?, 0),
        4 => (two(0)?, two(2)?),
        5 if zone.get(2..3) == Some(":") => (two(0)?, two(3)?),
        _ => return None,
    };
    if hours > 15 || minutes > 59 {
        return None;
    }
    Some((clock, Some(sign * (hours as i32 * 60 + minutes as i32))))
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A value for a message, cut short.
fn show(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
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

    fn ok(ty: &ColumnType, value: Value) -> String {
        match to_text(ty, &value) {
            Ok(Some(text)) => text,
            other => panic!("{value} as {ty:?}: {other:?}"),
        }
    }

    fn bad(ty: &ColumnType, value: Value) {
        assert!(
            to_text(ty, &value).is_err(),
            "{value} as {ty:?} should fail"
        );
    }

    #[test]
    fn booleans_integers_numerics() {
        assert_eq!(ok(&ColumnType::Bool, json!(1)), "true");
        assert_eq!(ok(&ColumnType::Bool, json!("0")), "false");
        assert_eq!(ok(&ColumnType::Bool, json!("TRUE")), "true");
        bad(&ColumnType::Bool, json!(2));
        assert_eq!(ok(&ColumnType::Int2, json!(-32768)), "-32768");
        bad(&ColumnType::Int2, json!(32768));
        assert_eq!(ok(&ColumnType::Int4, json!("42")), "42");
        assert_eq!(ok(&ColumnType::Int4, json!(3.0)), "3");
        bad(&ColumnType::Int4, json!(3.5));
        bad(&ColumnType::Int8, json!("99999999999999999999"));
        bad(&ColumnType::Int8, json!(18446744073709551615u64));
        bad(&ColumnType::Int8, json!(9223372036854775808.0));
        assert_eq!(
            ok(&ColumnType::Int8, json!(-9223372036854775808.0)),
            "-9223372036854775808"
        );
        assert_eq!(ok(&ColumnType::Int4, json!(2147483647.0)), "2147483647");
        bad(&ColumnType::Int4, json!(2147483648.0));
        assert_eq!(
            ok(
                &ColumnType::Numeric,
                json!("12345678901234567890.123456789")
            ),
            "12345678901234567890.123456789"
        );
        assert_eq!(ok(&ColumnType::Numeric, json!(0.1)), "0.1");
        assert_eq!(ok(&ColumnType::Numeric, json!("-1.5e3")), "-1.5e3");
        assert_eq!(ok(&ColumnType::Numeric, json!("NaN")), "NaN");
        bad(&ColumnType::Numeric, json!("1.2.3"));
        bad(&ColumnType::Numeric, json!("."));
        bad(&ColumnType::Numeric, json!("1e"));
        bad(&ColumnType::Numeric, json!("1eé"));
        assert_eq!(ok(&ColumnType::Numeric, json!("1e131071")), "1e131071");
        assert_eq!(
            ok(&ColumnType::Numeric, json!("0.001e131074")),
            "0.001e131074"
        );
        assert_eq!(ok(&ColumnType::Numeric, json!("1e-16383")), "1e-16383");
        assert_eq!(ok(&ColumnType::Numeric, json!("0e999999")), "0e999999");
        for absurd in [
            "1e131072",
            "1e-16384",
            "0.1e-16383",
            "1e9223372036854775807",
            "1e-9223372036854775808",
            "0.1e-9223372036854775808",
            "1e99999999999999999999",
        ] {
            let message = to_text(&ColumnType::Numeric, &json!(absurd)).unwrap_err();
            assert!(message.contains("out of range"), "{absurd}: {message}");
        }
        bad(&ColumnType::Float4, json!(1e300));
        assert_eq!(ok(&ColumnType::Float8, json!("Infinity")), "Infinity");
    }

    #[test]
    fn times() {
        let ts = ColumnType::Timestamp;
        assert_eq!(
            ok(&ts, json!("2024-02-29 23:30:00.123Z")),
            "2024-02-29 23:30:00.123"
        );
        assert_eq!(
            ok(&ts, json!("2024-02-29T23:30:00+01:00")),
            "2024-02-29 22:30:00"
        );
        assert_eq!(
            ok(&ts, json!("2024-12-31T23:30:00-01:00")),
            "2025-01-01 00:30:00"
        );
        assert_eq!(ok(&ts, json!("2024-03-01")), "2024-03-01");
        bad(&ts, json!("2023-02-29 00:00:00"));
        bad(&ts, json!("2024-01-01 25:00:00"));
        bad(&ts, json!("yesterday"));
        let tz = ColumnType::TimestampTz;
        assert_eq!(
            ok(&tz, json!("2024-01-02 03:04:05.678Z")),
            "2024-01-02 03:04:05.678Z"
        );
        assert_eq!(
            ok(&tz, json!("2024-01-02T03:04:05+0530")),
            "2024-01-02T03:04:05+0530"
        );
        assert_eq!(ok(&ColumnType::Time, json!("12:34")), "12:34");
        bad(&ColumnType::Time, json!("12:34Z"));
        assert_eq!(
            ok(&ColumnType::TimeTz, json!("12:34:56.5+02")),
            "12:34:56.5+02"
        );
        bad(&ColumnType::Date, json!("2024-1-2"));
        // A multi-byte character where the offset's digits go: refused, no panic.
        for zone in ["+0é00", "+0é0", "+é", "-0é:0", "+00:é"] {
            bad(&tz, json!(format!("2024-01-01T10:00:00{zone}")));
            bad(&ColumnType::TimeTz, json!(format!("10:00:00{zone}")));
        }
    }

    #[test]
    fn bytes_json_arrays() {
        assert_eq!(ok(&ColumnType::Bytea, json!("\\xDEADbeef")), "\\xdeadbeef");
        assert_eq!(ok(&ColumnType::Bytea, json!("3q2+7w==")), "\\xdeadbeef");
        bad(&ColumnType::Bytea, json!("\\xabc"));
        bad(&ColumnType::Bytea, json!("not base64!"));
        assert_eq!(ok(&ColumnType::Jsonb, json!("{\"a\": 1}")), "{\"a\": 1}");
        assert_eq!(ok(&ColumnType::Json, json!({"a": [1]})), "{\"a\":[1]}");
        bad(&ColumnType::Json, json!("{oops"));
        let texts = ColumnType::Array(Box::new(ColumnType::Text));
        assert_eq!(
            ok(&texts, json!(["a\"b", "c\\d", null])),
            r#"{"a\"b","c\\d",NULL}"#
        );
        assert_eq!(ok(&texts, json!("[\"x\"]")), r#"{"x"}"#);
        let ints = ColumnType::Array(Box::new(ColumnType::Int4));
        assert_eq!(
            ok(&ints, json!([[1, 2], [3, 4]])),
            r#"{{"1","2"},{"3","4"}}"#
        );
        bad(&ints, json!([1, "x"]));
        bad(&ints, json!("{1,2}"));
        let jsons = ColumnType::Array(Box::new(ColumnType::Jsonb));
        assert_eq!(ok(&jsons, json!([{"a": 1}, [1]])), r#"{"{\"a\":1}","[1]"}"#);
    }

    #[test]
    fn enums_domains_uuids() {
        let mood = ColumnType::Enum {
            labels: vec!["happy".into(), "sad".into()],
        };
        assert_eq!(ok(&mood, json!("sad")), "sad");
        bad(&mood, json!("angry"));
        let domain = ColumnType::Domain {
            base: Box::new(ColumnType::Int4),
        };
        assert_eq!(ok(&domain, json!("7")), "7");
        bad(&domain, json!("seven"));
        assert_eq!(
            ok(
                &ColumnType::Uuid,
                json!("6F9619FF-8B86-D011-B42D-00C04FC964FF")
            ),
            "6f9619ff-8b86-d011-b42d-00c04fc964ff"
        );
        bad(&ColumnType::Uuid, json!("6f9619ff"));
        bad(&ColumnType::Text, json!("a\u{0}b"));
        assert_eq!(to_text(&ColumnType::Text, &Value::Null), Ok(None));
    }
}
