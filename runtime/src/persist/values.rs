//! Value helpers shared by the persisters' conversions: JSON text as JavaScript
//! writes it (what a client's SQLite stored), date and time parsing, civil day
//! arithmetic, and a value cut short for a message.

use serde_json::Value;

pub fn is_integer_literal(s: &str) -> bool {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn number(s: &str, digits: usize) -> Option<u32> {
    if s.len() != digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub fn parse_date(s: &str) -> Option<(i64, u32, u32)> {
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
pub fn parse_time(s: &str) -> Option<(u32, u32, u32, &str)> {
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
pub fn split_offset(s: &str) -> Option<(&str, Option<i32>)> {
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
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
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
pub fn show(value: &Value) -> String {
    let text = js_json(value);
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text,
    }
}

/// A number as JavaScript writes it: integers exactly (JavaScript's own would be
/// rounded beyond 2^53), others the shortest text that reads back as the same
/// `f64` (`3`, `0.1`, `1e+300`, `1e-7`).
pub fn js_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        ryu_js::Buffer::new()
            .format(n.as_f64().unwrap_or_default())
            .to_string()
    } else {
        n.to_string()
    }
}

/// `value` as JSON text the way JavaScript's `JSON.stringify` writes what
/// `JSON.parse` read: numbers as [`js_number`]; object members whose key is an
/// array index (`"0"` to `"4294967294"`, no leading zeros) first, in ascending
/// order, then the others in their order. Strings are escaped alike by both.
pub fn js_json(value: &Value) -> String {
    let mut out = String::new();
    write_js_json(value, &mut out);
    out
}

fn write_js_json(value: &Value, out: &mut String) {
    match value {
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_js_json(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut indexed: Vec<(u32, &String, &Value)> = Vec::new();
            let mut named: Vec<(&String, &Value)> = Vec::new();
            for (key, member) in members {
                match array_index(key) {
                    Some(index) => indexed.push((index, key, member)),
                    None => named.push((key, member)),
                }
            }
            indexed.sort_by_key(|(index, _, _)| *index);
            out.push('{');
            let all = indexed
                .into_iter()
                .map(|(_, key, member)| (key, member))
                .chain(named);
            for (i, (key, member)) in all.enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_js_json(member, out);
            }
            out.push('}');
        }
        // null, booleans and strings: serde_json escapes strings as JSON.stringify
        // does (`\"`, `\\`, `\b\f\n\r\t`, other controls as lower-case `\u00xx`).
        other => out.push_str(&other.to_string()),
    }
}

/// The array index a key names (JavaScript orders such keys first).
fn array_index(key: &str) -> Option<u32> {
    if key != "0" && (key.is_empty() || key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|index| *index != u32::MAX)
}
