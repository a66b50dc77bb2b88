//! JSON values (as the client's SQLite stored them) -> the value bound for a MySQL or
//! MariaDB column. Values are checked here, so that a bad one is INVALID_DATA naming
//! its column before anything is sent, and bound typed (integers as integers, dates
//! as dates), never through a float unless the column is one. The session runs with
//! a strict `sql_mode` and `time_zone = '+00:00'`; what is left to the server is
//! said below.
//!
//! JSON null is SQL NULL for every column. By family (the column's `COLUMN_TYPE`):
//!
//! - **`TINYINT(1)`, `BOOL`, `BOOLEAN`**: `true`/`false`, the numbers `0`/`1`, the
//!   strings `"0"`, `"1"`, `"true"`, `"false"` (any case). Bound as 0 or 1; any other
//!   number is refused.
//! - **`TINYINT`, `SMALLINT`, `MEDIUMINT`, `INT`, `BIGINT`, signed or `UNSIGNED`**: a
//!   JSON integer, a number with no fraction (`3.0`, as SQLite may store a REAL), or a
//!   string of an integer (`"-12"`, `"+7"`, surrounding spaces ignored), within the
//!   exact range of the type (`BIGINT UNSIGNED` up to 18446744073709551615).
//! - **`YEAR`**: an integer (or its string) from 1901 to 2155.
//! - **`DECIMAL(p,s)`/`NUMERIC`**: a JSON number or a string `[+-]digits[.digits]
//!   [e[+-]digits]`. Exact: a string is never read into a float; a JSON number with a
//!   fraction was already read as an `f64` by the JSON parser (exact to ~17
//!   significant digits: send strings for more), and is taken as the shortest text
//!   that reads back as that `f64` (so `0.1` is `0.1`). More fraction digits than the
//!   scale `s` are rounded half away from zero, as MySQL rounds (done here, so MySQL
//!   and MariaDB store the same); more than `p - s` digits before the point, after
//!   rounding, is refused, as is a negative value for `UNSIGNED`. NaN and infinities
//!   are refused (DECIMAL has none).
//! - **`FLOAT`, `DOUBLE`/`REAL`**: a JSON number or a string of one; finite only;
//!   `FLOAT` within ±3.402823466e38; not negative when `UNSIGNED`.
//! - **`DATE`**: `"YYYY-MM-DD"`.
//! - **`DATETIME(n)`, `TIMESTAMP(n)`**: ISO 8601 text, the date alone (midnight) or
//!   `YYYY-MM-DD` then `T`, `t` or a space, then `hh:mm[:ss[.fraction]]` (`24:00:00`
//!   is the next midnight), then optionally `Z` or an offset `±hh`, `±hhmm` or
//!   `±hh:mm`. PowerSync's `YYYY-MM-DD hh:mm:ss.sssZ` is one of them. A value with an
//!   offset is an instant and is stored as its UTC time (also in a `DATETIME`, which
//!   has no zone: as the PostgreSQL persister does for `timestamp`); a value without
//!   one is stored as written (for `TIMESTAMP`, that is read as UTC, the session's
//!   zone). Fractional seconds are rounded half up to the column's `n` digits (the
//!   carry may reach the next day), as MySQL does (MariaDB would truncate). The year
//!   after conversion must be 1 to 9999; the narrower range of `TIMESTAMP`
//!   (1970-2038 on most servers) is checked by the server.
//! - **`TIME(n)`**: `[-]hh:mm[:ss[.fraction]]`, hours up to 838 (a MySQL TIME is a
//!   duration, -838:59:59 to 838:59:59); no offset; fraction rounded as above.
//! - **`JSON`** (MariaDB's too, a `LONGTEXT` with a `json_valid` check): a string must
//!   itself be JSON text and is stored as written (SQLite keeps JSON as text); any
//!   other value is stored as its JSON text (`{"a":1}`, `3`, `true`).
//! - **`ENUM`**: a string that is exactly one of the labels (MySQL's own matching would
//!   ignore case and trailing spaces, and take an index number; this does not).
//! - **`SET`**: a string of comma-separated labels, each exactly one of the column's,
//!   `""` for none; stored as MySQL stores it: in the column's label order, each once.
//! - **`BINARY(16)`**: a UUID as text (hyphenated, plain hex, braced or `urn:uuid:`),
//!   stored as its 16 bytes in RFC 4122 order. MariaDB's `UUID` type: the same text,
//!   stored by the server. `CHAR(36)` and other text columns take a UUID as text.
//! - **`BINARY(n)`, `VARBINARY`, `BLOB`s**: a string of bytes as `\x` followed by hex
//!   digits, or base64 (standard or URL-safe alphabet, padding optional), as the
//!   PostgreSQL persister takes `bytea`. A `BINARY(n)` shorter value is padded with
//!   zero bytes by the server; a longer one is refused by it (1406).
//! - **`CHAR`, `VARCHAR`, `TEXT`s**: a string as written; a number, boolean, array or
//!   object as its JSON text. The length is checked by the server, which counts
//!   characters (strict mode: 1406, data too long).
//! - **`BIT(n)`**: `true`/`false` or a non-negative integer (number or string) below
//!   2^n.
//! - **Anything else** (`GEOMETRY` and its kin, `INET4`/`INET6`, ...): the string as
//!   written, other values as their JSON text; the server converts or refuses it.

use base64::Engine;
use mysql_async::Value as Sql;
use serde_json::Value;

use crate::persist::values::{
    civil_from_days, days_from_civil, is_integer_literal, js_json, js_number, parse_date,
    parse_time, show, split_offset,
};
use crate::schema::{ColumnSchema, ColumnType};

/// The value to bind for `value` in `column` (JSON null -> NULL). `Err` is a message
/// saying what was expected and what came; the caller adds table, column and
/// operation index.
pub fn to_value(column: &ColumnSchema, value: &Value) -> Result<Sql, String> {
    if value.is_null() {
        return Ok(Sql::NULL);
    }
    convert(&column.ty, &column.sql_type, value)
}

fn convert(ty: &ColumnType, sql_type: &str, value: &Value) -> Result<Sql, String> {
    // The server reports types in lower case: no copy per value then.
    let sql_type = sql_type.trim();
    let sql_type: std::borrow::Cow<'_, str> = if sql_type.bytes().any(|b| b.is_ascii_uppercase()) {
        sql_type.to_ascii_lowercase().into()
    } else {
        sql_type.into()
    };
    match ty {
        ColumnType::Bool => boolean(value),
        ColumnType::Int2 | ColumnType::Int4 | ColumnType::Int8 => {
            let (min, max) = integer_range(ty, &sql_type);
            integer(value, min, max, &sql_type)
        }
        ColumnType::Numeric => decimal(value, &sql_type),
        ColumnType::Float4 | ColumnType::Float8 => float(value, ty, &sql_type),
        ColumnType::Date => with_str(value, "a date (YYYY-MM-DD)", date),
        ColumnType::Timestamp | ColumnType::TimestampTz => with_str(
            value,
            "an ISO 8601 date-time (YYYY-MM-DD[Thh:mm[:ss[.fff]]][Z|+hh:mm])",
            |s| date_time(s, fraction_digits(&sql_type)),
        ),
        ColumnType::Time => with_str(value, "a time ([-]hh:mm[:ss[.fff]])", |s| {
            time(s, fraction_digits(&sql_type))
        }),
        ColumnType::Json | ColumnType::Jsonb => json(value),
        ColumnType::Enum { labels } => match value {
            Value::String(s) if labels.iter().any(|label| label == s) => {
                Ok(Sql::Bytes(s.clone().into_bytes()))
            }
            _ => Err(format!(
                "expected one of {}, got {}",
                list(labels),
                show(value)
            )),
        },
        ColumnType::Set { labels } => set(value, labels),
        ColumnType::Uuid => uuid(value, &sql_type),
        ColumnType::Bytea => with_str(value, "base64 or \\x hex bytes", bytes),
        ColumnType::Other if type_name(&sql_type) == "bit" => bit(value, &sql_type),
        // MySQL reports no domains, arrays, intervals or times with zone; should one
        // appear, it is handled as its base or as text.
        ColumnType::Domain { base } => convert(base, &sql_type, value),
        ColumnType::Text
        | ColumnType::Other
        | ColumnType::Interval
        | ColumnType::TimeTz
        | ColumnType::Array(_) => Ok(text(value)),
    }
}

/// `int(10) unsigned` -> `int`.
fn type_name(sql_type: &str) -> &str {
    let end = sql_type.find(['(', ' ']).unwrap_or(sql_type.len());
    &sql_type[..end]
}

fn is_unsigned(sql_type: &str) -> bool {
    sql_type.split_whitespace().any(|word| word == "unsigned")
}

/// The numbers inside the type's parentheses: `decimal(10,2)` -> [10, 2].
fn type_arguments(sql_type: &str) -> Vec<u32> {
    let Some((_, rest)) = sql_type.split_once('(') else {
        return Vec::new();
    };
    let Some((inside, _)) = rest.split_once(')') else {
        return Vec::new();
    };
    inside
        .split(',')
        .filter_map(|part| part.trim().parse().ok())
        .collect()
}

/// Digits of fractional seconds the column keeps: `datetime(6)` -> 6, `time` -> 0.
fn fraction_digits(sql_type: &str) -> u32 {
    type_arguments(sql_type)
        .first()
        .copied()
        .unwrap_or(0)
        .min(6)
}

fn boolean(value: &Value) -> Result<Sql, String> {
    let truth = match value {
        Value::Bool(b) => Some(*b),
        // By value: SQLite may hand a REAL 1.0.
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
    truth.map(|b| Sql::Int(i64::from(b))).ok_or_else(|| {
        format!(
            "expected a boolean (0, 1, true or false), got {}",
            show(value)
        )
    })
}

/// The exact range of an integer column, from its type name and `unsigned`.
fn integer_range(ty: &ColumnType, sql_type: &str) -> (i128, i128) {
    let unsigned = is_unsigned(sql_type);
    let bits = match type_name(sql_type) {
        "year" => return (1901, 2155),
        "tinyint" => 8,
        "smallint" => 16,
        "mediumint" => 24,
        "int" | "integer" => 32,
        "bigint" => 64,
        // Not a name MySQL reports for these families; the family's range.
        _ => match ty {
            ColumnType::Int2 => 16,
            ColumnType::Int4 => 32,
            _ => 64,
        },
    };
    if unsigned {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

fn integer(value: &Value, min: i128, max: i128, name: &str) -> Result<Sql, String> {
    let out_of_range = || {
        format!(
            "{} is out of range for {name} ({min} to {max})",
            show(value)
        )
    };
    let parsed: Option<i128> = match value {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i.into())
            } else if let Some(u) = n.as_u64() {
                Some(u.into())
            } else {
                // A REAL holding a whole number (SQLite may store 3 as 3.0).
                match n.as_f64() {
                    Some(f) if f.is_finite() && f.fract() == 0.0 => {
                        // Whole floats below 2^100 convert to i128 exactly.
                        if f.abs() >= 1e30 {
                            return Err(out_of_range());
                        }
                        Some(f as i128)
                    }
                    _ => None,
                }
            }
        }
        Value::String(s) => {
            let s = s.trim();
            match s.parse::<i128>() {
                Ok(i) => Some(i),
                // All digits but beyond i128: a range error, not a syntax error.
                Err(_) if is_integer_literal(s) => return Err(out_of_range()),
                Err(_) => None,
            }
        }
        _ => None,
    };
    match parsed {
        Some(i) if i < min || i > max => Err(out_of_range()),
        Some(i) => Ok(match i64::try_from(i) {
            Ok(signed) => Sql::Int(signed),
            // Only BIGINT UNSIGNED gets here, its range checked above.
            Err(_) => Sql::UInt(u64::try_from(i).map_err(|_| out_of_range())?),
        }),
        None => Err(format!("expected an integer ({name}), got {}", show(value))),
    }
}

fn decimal(value: &Value, sql_type: &str) -> Result<Sql, String> {
    let expected = || {
        format!(
            "expected a decimal number ({sql_type}), got {}",
            show(value)
        )
    };
    let literal = match value {
        // Integers are exact; other numbers went through f64 (see the module docs).
        Value::Number(n) => js_number(n),
        Value::String(s) => s.trim().to_string(),
        _ => return Err(expected()),
    };
    let arguments = type_arguments(sql_type);
    // MySQL always reports both (`decimal(10,0)`); DECIMAL alone is (10,0).
    // Within the servers' limits (MySQL 65 digits, scale 30; MariaDB scale 38): a
    // catalog cannot report more, and the rounding's output stays small if one did.
    let precision = arguments.first().copied().unwrap_or(10).min(65);
    let scale = arguments.get(1).copied().unwrap_or(0).min(38);
    let whole_limit = precision.saturating_sub(scale);
    match round_decimal(&literal, scale) {
        None => Err(expected()),
        Some(Rounded { negative: true, .. }) if is_unsigned(sql_type) => Err(format!(
            "{} is out of range for {sql_type}: it is negative",
            show(value)
        )),
        Some(Rounded { whole_digits, .. }) if whole_digits > whole_limit as usize => Err(format!(
            "{} is out of range for {sql_type}: at most {whole_limit} digits before the \
                 decimal point",
            show(value)
        )),
        Some(Rounded { text, .. }) => Ok(Sql::Bytes(text.into_bytes())),
    }
}

/// A decimal literal rounded to a scale, as plain text (`-12.30`).
#[derive(Debug, PartialEq)]
struct Rounded {
    text: String,
    /// Negative and not zero after rounding.
    negative: bool,
    /// Digits before the point, leading zeros not counted (`0.5` has none).
    whole_digits: usize,
}

/// Parses `[+-]digits[.digits][e[+-]digits]` (either side of the point may be empty,
/// not both) and rounds it half away from zero to `scale` fraction digits. Digits
/// beyond the first one past the scale cannot change a half-away rounding, so an
/// absurd exponent costs nothing; `None` is a syntax error.
fn round_decimal(literal: &str, scale: u32) -> Option<Rounded> {
    let (negative, unsigned) = match literal.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, literal.strip_prefix('+').unwrap_or(literal)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return None;
    }
    // Beyond i64 an exponent puts every digit far past any column's precision or
    // scale: saturate.
    let exponent: i64 = match exponent {
        None => 0,
        Some(text) if !is_integer_literal(text) => return None,
        Some(text) => text.parse().unwrap_or(if text.starts_with('-') {
            i64::MIN / 4
        } else {
            i64::MAX / 4
        }),
    };
    // The significant digits, and where the point falls among them.
    let digits = format!("{whole}{fraction}");
    let leading_zeros = digits.bytes().take_while(|&b| b == b'0').count();
    let significant = &digits[leading_zeros..];
    let point = (whole.len() as i64 - leading_zeros as i64).saturating_add(exponent);
    let zero = Rounded {
        text: if scale == 0 {
            "0".to_string()
        } else {
            format!("0.{}", "0".repeat(scale as usize))
        },
        negative: false,
        whole_digits: 0,
    };
    if significant.is_empty() || point < -i64::from(scale) - 1 {
        // Zero, or so small that it rounds to zero.
        return Some(zero);
    }
    if point > 1000 {
        // Far more digits before the point than any DECIMAL holds (65).
        return Some(Rounded {
            whole_digits: usize::MAX,
            ..zero
        });
    }
    // The digits from the first whole one (or the first after the point) to one past
    // the scale, as numbers 0-9; positions before the first significant digit or
    // past the last are zeros.
    let from = point.min(0);
    let to = point + i64::from(scale) + 1;
    let mut out: Vec<u8> = (from..to)
        .map(|position| {
            usize::try_from(position)
                .ok()
                .and_then(|at| significant.as_bytes().get(at))
                .map_or(0, |b| b - b'0')
        })
        .collect();
    let mut whole_count = usize::try_from(point.max(0)).ok()?;
    // The digit past the scale decides, then goes.
    let decider = out.pop().unwrap_or(0);
    if decider >= 5 {
        let mut carry = true;
        for digit in out.iter_mut().rev() {
            if *digit == 9 {
                *digit = 0;
            } else {
                *digit += 1;
                carry = false;
                break;
            }
        }
        if carry {
            out.insert(0, 1);
            whole_count += 1;
        }
    }
    let (whole_part, fraction_part) = out.split_at(whole_count);
    let render = |part: &[u8]| {
        part.iter()
            .map(|d| char::from(b'0' + d))
            .collect::<String>()
    };
    let whole_text = render(whole_part);
    let whole_text = whole_text.trim_start_matches('0');
    let is_zero = out.iter().all(|&d| d == 0);
    let mut text = String::new();
    if negative && !is_zero {
        text.push('-');
    }
    text.push_str(if whole_text.is_empty() {
        "0"
    } else {
        whole_text
    });
    if scale > 0 {
        text.push('.');
        text.push_str(&render(fraction_part));
    }
    Some(Rounded {
        text,
        negative: negative && !is_zero,
        whole_digits: whole_text.len(),
    })
}

fn float(value: &Value, ty: &ColumnType, sql_type: &str) -> Result<Sql, String> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(f) if f.is_finite() => {
            if *ty == ColumnType::Float4 && f.abs() > f64::from(f32::MAX) {
                Err(format!("{} is out of range for {sql_type}", show(value)))
            } else if f < 0.0 && is_unsigned(sql_type) {
                Err(format!(
                    "{} is out of range for {sql_type}: it is negative",
                    show(value)
                ))
            } else {
                Ok(Sql::Double(f))
            }
        }
        _ => Err(format!(
            "expected a finite floating-point number ({sql_type}), got {}",
            show(value)
        )),
    }
}

fn text(value: &Value) -> Sql {
    match value {
        Value::String(s) => Sql::Bytes(s.clone().into_bytes()),
        // Numbers, booleans and structured values as their JSON text.
        other => Sql::Bytes(js_json(other).into_bytes()),
    }
}

fn json(value: &Value) -> Result<Sql, String> {
    match value {
        // SQLite keeps JSON as text: the string must be a JSON document.
        Value::String(s) => match serde_json::from_str::<serde::de::IgnoredAny>(s) {
            Ok(_) => Ok(Sql::Bytes(s.clone().into_bytes())),
            Err(_) => Err(format!("expected JSON text, got {}", show(value))),
        },
        other => Ok(Sql::Bytes(js_json(other).into_bytes())),
    }
}

fn set(value: &Value, labels: &[String]) -> Result<Sql, String> {
    let expected = || {
        format!(
            "expected comma-separated labels of {}, got {}",
            list(labels),
            show(value)
        )
    };
    let Value::String(s) = value else {
        return Err(expected());
    };
    let mut chosen = vec![false; labels.len()];
    if !s.is_empty() {
        for item in s.split(',') {
            let at = labels
                .iter()
                .position(|label| label == item)
                .ok_or_else(expected)?;
            chosen[at] = true;
        }
    }
    // As MySQL stores a SET: in the column's order, each label once.
    let normalised: Vec<&str> = labels
        .iter()
        .zip(&chosen)
        .filter(|(_, chosen)| **chosen)
        .map(|(label, _)| label.as_str())
        .collect();
    Ok(Sql::Bytes(normalised.join(",").into_bytes()))
}

fn uuid(value: &Value, sql_type: &str) -> Result<Sql, String> {
    let parsed = match value {
        Value::String(s) => uuid::Uuid::parse_str(s.trim()).ok(),
        _ => None,
    };
    match parsed {
        Some(id) if sql_type.starts_with("binary") => Ok(Sql::Bytes(id.as_bytes().to_vec())),
        Some(id) => Ok(Sql::Bytes(id.hyphenated().to_string().into_bytes())),
        None => Err(format!("expected a UUID, got {}", show(value))),
    }
}

fn bit(value: &Value, sql_type: &str) -> Result<Sql, String> {
    let width = type_arguments(sql_type)
        .first()
        .copied()
        .unwrap_or(1)
        .min(64);
    let max = if width == 64 {
        u64::MAX
    } else {
        (1u64 << width) - 1
    };
    let parsed = match value {
        Value::Bool(b) => Some(u64::from(*b)),
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    match parsed {
        Some(bits) if bits <= max => Ok(Sql::UInt(bits)),
        _ => Err(format!(
            "expected a boolean or an integer from 0 to {max} ({sql_type}), got {}",
            show(value)
        )),
    }
}

fn bytes(s: &str) -> Option<Sql> {
    let bytes = if let Some(hex) = s.strip_prefix("\\x") {
        if hex.len() % 2 != 0 {
            return None;
        }
        (0..hex.len())
            .step_by(2)
            .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        use base64::engine::general_purpose::{STANDARD_PAD_INDIFFERENT, URL_SAFE_PAD_INDIFFERENT};
        STANDARD_PAD_INDIFFERENT
            .decode(s.trim())
            .or_else(|_| URL_SAFE_PAD_INDIFFERENT.decode(s.trim()))
            .ok()?
    };
    Some(Sql::Bytes(bytes))
}

/// Applies a string parser; anything else or an unparsable string is an error.
fn with_str(
    value: &Value,
    expected: &str,
    parse: impl Fn(&str) -> Option<Sql>,
) -> Result<Sql, String> {
    match value {
        Value::String(s) => {
            parse(s.trim()).ok_or_else(|| format!("expected {expected}, got {}", show(value)))
        }
        _ => Err(format!("expected {expected}, got {}", show(value))),
    }
}

fn date(s: &str) -> Option<Sql> {
    let (year, month, day) = parse_date(s)?;
    Some(Sql::Date(
        u16::try_from(year).ok()?,
        month as u8,
        day as u8,
        0,
        0,
        0,
        0,
    ))
}

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// `.fraction` (or "") as microseconds rounded half up to `digits` digits; may be a
/// whole second (`.9999995`).
fn micros(fraction: &str, digits: u32) -> i64 {
    let given = fraction.strip_prefix('.').unwrap_or(fraction).as_bytes();
    let digit = |at: usize| given.get(at).map_or(0, |b| i64::from(b - b'0'));
    let mut kept = 0;
    for at in 0..digits as usize {
        kept = kept * 10 + digit(at);
    }
    if digit(digits as usize) >= 5 {
        kept += 1;
    }
    kept * 10i64.pow(6 - digits)
}

/// A date-time with optional offset, in UTC when an offset is given (see the module
/// docs), fractional seconds rounded to `digits`.
fn date_time(s: &str, digits: u32) -> Option<Sql> {
    let (date_part, rest) = match s.len() {
        10 => (s, None),
        _ => {
            let separator = s.get(10..11)?;
            if !matches!(separator, "T" | "t" | " ") {
                return None;
            }
            (s.get(..10)?, Some(s.get(11..)?))
        }
    };
    let (year, month, day) = parse_date(date_part)?;
    let mut total = days_from_civil(year, month, day) * MICROS_PER_DAY;
    if let Some(rest) = rest {
        let (clock, offset) = split_offset(rest)?;
        let (hour, minute, second, fraction) = parse_time(clock)?;
        let seconds =
            i64::from(hour * 3600 + minute * 60 + second) - i64::from(offset.unwrap_or(0)) * 60;
        total += seconds * MICROS_PER_SECOND + micros(fraction, digits);
    }
    let (year, month, day) = civil_from_days(total.div_euclid(MICROS_PER_DAY));
    if !(1..=9999).contains(&year) {
        return None;
    }
    let in_day = total.rem_euclid(MICROS_PER_DAY);
    let seconds = in_day / MICROS_PER_SECOND;
    Some(Sql::Date(
        year as u16,
        month as u8,
        day as u8,
        (seconds / 3600) as u8,
        (seconds % 3600 / 60) as u8,
        (seconds % 60) as u8,
        (in_day % MICROS_PER_SECOND) as u32,
    ))
}

/// MySQL's TIME, a duration: `[-]h..hhh:mm[:ss[.fraction]]` up to 838:59:59.
fn time(s: &str, digits: u32) -> Option<Sql> {
    let (negative, unsigned) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    // `find` gives a char boundary, so `split_at` cannot panic.
    let (main, fraction) = unsigned
        .find('.')
        .map_or((unsigned, ""), |at| unsigned.split_at(at));
    if fraction.len() == 1 || !fraction.bytes().skip(1).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let number = |part: &str, min: usize, max: usize| -> Option<i64> {
        if !(min..=max).contains(&part.len()) || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        part.parse().ok()
    };
    let mut parts = main.split(':');
    let hours = number(parts.next()?, 2, 3)?;
    let minutes = number(parts.next()?, 2, 2)?;
    let seconds = match parts.next() {
        Some(part) => number(part, 2, 2)?,
        None if fraction.is_empty() => 0,
        None => return None,
    };
    if parts.next().is_some() || minutes > 59 || seconds > 59 {
        return None;
    }
    let total =
        (hours * 3600 + minutes * 60 + seconds) * MICROS_PER_SECOND + micros(fraction, digits);
    if total > (838 * 3600 + 59 * 60 + 59) * MICROS_PER_SECOND {
        return None;
    }
    let whole_seconds = total / MICROS_PER_SECOND;
    let hours = whole_seconds / 3600;
    Some(Sql::Time(
        negative && total > 0,
        (hours / 24) as u32,
        (hours % 24) as u8,
        (whole_seconds % 3600 / 60) as u8,
        (whole_seconds % 60) as u8,
        (total % MICROS_PER_SECOND) as u32,
    ))
}

fn list(labels: &[String]) -> String {
    let shown: Vec<String> = labels
        .iter()
        .take(10)
        .map(|label| format!("{label:?}"))
        .collect();
    let more = if labels.len() > 10 { ", ..." } else { "" };
    format!("[{}{more}]", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::persist::mysql::introspect::column_type;

    /// A column as introspection makes it from `DATA_TYPE` and `COLUMN_TYPE`.
    fn column(data_type: &str, sql_type: &str) -> ColumnSchema {
        ColumnSchema {
            name: "c".into(),
            ty: column_type(data_type, sql_type),
            nullable: true,
            sql_type: sql_type.into(),
        }
    }

    fn ok(data_type: &str, sql_type: &str, value: Value) -> Sql {
        to_value(&column(data_type, sql_type), &value)
            .unwrap_or_else(|e| panic!("{sql_type} {value}: {e}"))
    }

    fn refused(data_type: &str, sql_type: &str, value: Value) -> String {
        match to_value(&column(data_type, sql_type), &value) {
            Ok(bound) => panic!("{sql_type} {value} must be refused, got {bound:?}"),
            Err(message) => message,
        }
    }

    fn bytes(text: &str) -> Sql {
        Sql::Bytes(text.as_bytes().to_vec())
    }

    #[test]
    fn a_type_reported_in_upper_case_converts_as_in_lower_case() {
        let unsigned = |sql_type: &str| ColumnSchema {
            sql_type: sql_type.into(),
            ..column("int", "int(10) unsigned")
        };
        let value = json!(-1);
        assert_eq!(
            to_value(&unsigned(" INT(10) UNSIGNED "), &value),
            to_value(&unsigned("int(10) unsigned"), &value)
        );
        assert!(to_value(&unsigned("INT(10) UNSIGNED"), &value).is_err());
        let precise = ColumnSchema {
            sql_type: "DATETIME(6)".into(),
            ..column("datetime", "datetime(6)")
        };
        assert_eq!(
            to_value(&precise, &json!("2024-05-01T12:00:00.123456Z")),
            Ok(ok(
                "datetime",
                "datetime(6)",
                json!("2024-05-01T12:00:00.123456Z")
            ))
        );
    }

    #[test]
    fn null_is_null_for_every_family() {
        for (data_type, sql_type) in [("int", "int(11)"), ("date", "date"), ("json", "json")] {
            assert_eq!(ok(data_type, sql_type, Value::Null), Sql::NULL);
        }
    }

    #[test]
    fn booleans() {
        for (value, bound) in [
            (json!(true), 1),
            (json!(false), 0),
            (json!(1), 1),
            (json!(0), 0),
            (json!(1.0), 1),
            (json!("TRUE"), 1),
            (json!("0"), 0),
        ] {
            assert_eq!(ok("tinyint", "tinyint(1)", value), Sql::Int(bound));
        }
        for value in [json!(2), json!("yes"), json!([1])] {
            refused("tinyint", "tinyint(1)", value);
        }
    }

    #[test]
    fn integers_within_the_exact_range_of_their_type() {
        assert_eq!(ok("tinyint", "tinyint(4)", json!(-128)), Sql::Int(-128));
        refused("tinyint", "tinyint(4)", json!(128));
        assert_eq!(
            ok("tinyint", "tinyint(3) unsigned", json!(255)),
            Sql::Int(255)
        );
        refused("tinyint", "tinyint(3) unsigned", json!(-1));
        assert_eq!(ok("int", "int(11)", json!("+7")), Sql::Int(7));
        assert_eq!(ok("int", "int(11)", json!(3.0)), Sql::Int(3));
        refused("int", "int(11)", json!(3.5));
        refused("int", "int(11)", json!(2_147_483_648_i64));
        assert_eq!(
            ok(
                "bigint",
                "bigint(20) unsigned",
                json!(18_446_744_073_709_551_615_u64)
            ),
            Sql::UInt(u64::MAX)
        );
        assert_eq!(
            ok(
                "bigint",
                "bigint(20) unsigned",
                json!("18446744073709551615")
            ),
            Sql::UInt(u64::MAX)
        );
        let message = refused(
            "bigint",
            "bigint(20) unsigned",
            json!("18446744073709551616"),
        );
        assert!(message.contains("out of range"), "{message}");
        refused(
            "bigint",
            "bigint(20)",
            json!("99999999999999999999999999999999999999999"),
        );
        assert_eq!(ok("year", "year(4)", json!(2155)), Sql::Int(2155));
        refused("year", "year(4)", json!(1900));
        refused("int", "int(11)", json!("12abc"));
    }

    #[test]
    fn decimals_are_exact_and_rounded_half_away_from_zero() {
        let d = |value: Value| ok("decimal", "decimal(10,2)", value);
        assert_eq!(d(json!("12.345")), bytes("12.35"));
        assert_eq!(d(json!("-12.345")), bytes("-12.35"));
        assert_eq!(d(json!(0.1)), bytes("0.10"));
        assert_eq!(d(json!("1e3")), bytes("1000.00"));
        assert_eq!(d(json!("-0.001")), bytes("0.00"));
        assert_eq!(d(json!("99999999.994")), bytes("99999999.99"));
        refused("decimal", "decimal(10,2)", json!("99999999.995"));
        refused("decimal", "decimal(10,2)", json!("1e400"));
        refused("decimal", "decimal(10,2)", json!("abc"));
        refused("decimal", "decimal(10,2) unsigned", json!("-1"));
        // 30 significant digits: a float would lose them.
        assert_eq!(
            ok(
                "decimal",
                "decimal(65,30)",
                json!("0.123456789012345678901234567891")
            ),
            bytes("0.123456789012345678901234567891")
        );
        assert_eq!(
            ok(
                "decimal",
                "decimal(35,0)",
                json!("12345678901234567890123456789012345")
            ),
            bytes("12345678901234567890123456789012345")
        );
    }

    #[test]
    fn an_absurd_scale_in_the_type_text_is_capped() {
        // Found by the fuzzer (tests/fuzz-corpus/convert_mysql/decimal_absurd_scale).
        let Sql::Bytes(text) = ok("decimal", "decimal(65,1565,)", json!("1.5e-3")) else {
            panic!("decimal text expected");
        };
        assert_eq!(text.len(), "0.".len() + 38);
    }

    #[test]
    fn floats_are_finite_and_within_range() {
        assert_eq!(ok("double", "double", json!(1.5)), Sql::Double(1.5));
        assert_eq!(ok("double", "double", json!("-2.25")), Sql::Double(-2.25));
        refused("double", "double", json!("NaN"));
        refused("double", "double", json!("inf"));
        refused("float", "float", json!(1e39));
        refused("double", "double unsigned", json!(-1.0));
    }

    #[test]
    fn dates_and_date_times_in_every_form_clients_send() {
        assert_eq!(
            ok("date", "date", json!("2024-02-29")),
            Sql::Date(2024, 2, 29, 0, 0, 0, 0)
        );
        refused("date", "date", json!("2023-02-29"));
        let dt = |value: &str| ok("datetime", "datetime(6)", json!(value));
        // PowerSync's own form.
        assert_eq!(
            dt("2024-01-02 03:04:05.678Z"),
            Sql::Date(2024, 1, 2, 3, 4, 5, 678_000)
        );
        assert_eq!(
            dt("2024-01-02T03:04:05+02:00"),
            Sql::Date(2024, 1, 2, 1, 4, 5, 0)
        );
        assert_eq!(
            dt("2024-01-01T01:00:00+0130"),
            Sql::Date(2023, 12, 31, 23, 30, 0, 0)
        );
        assert_eq!(dt("2024-01-02"), Sql::Date(2024, 1, 2, 0, 0, 0, 0));
        assert_eq!(dt("2024-01-02 03:04"), Sql::Date(2024, 1, 2, 3, 4, 0, 0));
        // Fractions beyond the column's digits are rounded, and may carry a day.
        assert_eq!(
            ok("datetime", "datetime", json!("2024-12-31 23:59:59.5")),
            Sql::Date(2025, 1, 1, 0, 0, 0, 0)
        );
        assert_eq!(
            ok(
                "timestamp",
                "timestamp(3)",
                json!("2024-01-02T03:04:05.1234567Z")
            ),
            Sql::Date(2024, 1, 2, 3, 4, 5, 123_000)
        );
        for bad in [
            "yesterday",
            "2024-13-01 00:00:00",
            "2024-01-02X03:04:05",
            "0000-01-01",
        ] {
            refused("datetime", "datetime(6)", json!(bad));
        }
        refused("datetime", "datetime(6)", json!(1_700_000_000));
    }

    #[test]
    fn times_are_durations() {
        assert_eq!(
            ok("time", "time", json!("12:34:56")),
            Sql::Time(false, 0, 12, 34, 56, 0)
        );
        assert_eq!(
            ok("time", "time(6)", json!("-838:59:59")),
            Sql::Time(true, 34, 22, 59, 59, 0)
        );
        refused("time", "time", json!("839:00:00"));
        refused("time", "time", json!("12:60:00"));
    }

    #[test]
    fn json_text_and_values() {
        assert_eq!(ok("json", "json", json!("{\"a\":1}")), bytes("{\"a\":1}"));
        assert_eq!(
            ok("json", "json", json!({"a": [1, true]})),
            bytes("{\"a\":[1,true]}")
        );
        assert_eq!(ok("json", "json", json!(3)), bytes("3"));
        refused("json", "json", json!("{not json"));
    }

    #[test]
    fn enums_and_sets_by_their_exact_labels() {
        assert_eq!(ok("enum", "enum('a','b c')", json!("b c")), bytes("b c"));
        refused("enum", "enum('a','b c')", json!("A"));
        refused("enum", "enum('a','b c')", json!(1));
        assert_eq!(ok("set", "set('x','y','z')", json!("z,x,z")), bytes("x,z"));
        assert_eq!(ok("set", "set('x','y','z')", json!("")), bytes(""));
        let message = refused("set", "set('x','y','z')", json!("x,w"));
        assert!(message.contains("\"x\", \"y\", \"z\""), "{message}");
    }

    #[test]
    fn uuids_as_bytes_or_text() {
        let id = "0b9e6c2a-3f1e-4c7b-9a51-2d0f6c8e4a11";
        let Sql::Bytes(raw) = ok("binary", "binary(16)", json!(id)) else {
            panic!("bytes expected");
        };
        assert_eq!(raw.len(), 16);
        assert_eq!(raw[0], 0x0b);
        assert_eq!(raw[15], 0x11);
        assert_eq!(
            ok(
                "binary",
                "binary(16)",
                json!("0B9E6C2A3F1E4C7B9A512D0F6C8E4A11")
            ),
            Sql::Bytes(raw)
        );
        refused("binary", "binary(16)", json!("not-a-uuid"));
        // CHAR(36) is text: taken as written.
        assert_eq!(ok("char", "char(36)", json!(id)), bytes(id));
    }

    #[test]
    fn blobs_from_base64_or_hex_and_text_as_given() {
        assert_eq!(
            ok("blob", "blob", json!("\\x00ff")),
            Sql::Bytes(vec![0, 255])
        );
        assert_eq!(ok("blob", "blob", json!("AP8=")), Sql::Bytes(vec![0, 255]));
        assert_eq!(ok("blob", "blob", json!("AP8")), Sql::Bytes(vec![0, 255]));
        refused("blob", "blob", json!("\\x0"));
        refused("blob", "blob", json!("***"));
        assert_eq!(ok("text", "text", json!("héllo")), bytes("héllo"));
        assert_eq!(ok("varchar", "varchar(10)", json!(12)), bytes("12"));
        assert_eq!(ok("text", "text", json!({"a": 1})), bytes("{\"a\":1}"));
    }

    #[test]
    fn bits_within_their_width() {
        assert_eq!(ok("bit", "bit(8)", json!(255)), Sql::UInt(255));
        assert_eq!(ok("bit", "bit(1)", json!(true)), Sql::UInt(1));
        refused("bit", "bit(8)", json!(256));
    }
}
