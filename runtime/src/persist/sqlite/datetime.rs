//! Validation of ISO 8601 date and time text (what clients store in SQLite,
//! including PowerSync's `YYYY-MM-DD hh:mm:ss.sssZ`). SQLite keeps such values as
//! text, so they are checked here and stored as sent.

/// What a date/time column accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `YYYY-MM-DD`.
    Date,
    /// `hh:mm[:ss[.fff]]`, optional zone offset.
    Time,
    /// A date, optionally followed by `T` or a space and a time, optional zone offset.
    Timestamp,
}

/// Checks `text`; the error says what was expected.
pub fn check(kind: Kind, text: &str) -> Result<(), String> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let valid = match kind {
        Kind::Date => cursor.date(),
        Kind::Time => cursor.time() && cursor.offset(),
        Kind::Timestamp => {
            cursor.date()
                && (cursor.done()
                    || ((cursor.eat(b'T') || cursor.eat(b't') || cursor.eat(b' '))
                        && cursor.time()
                        && cursor.offset()))
        }
    };
    if valid && cursor.done() {
        Ok(())
    } else {
        Err(expected(kind).to_string())
    }
}

/// What a column of this kind expects, for messages.
pub fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Date => "expected an ISO 8601 date (YYYY-MM-DD)",
        Kind::Time => "expected an ISO 8601 time (hh:mm[:ss[.fff]], optional offset)",
        Kind::Timestamp => {
            "expected an ISO 8601 timestamp (YYYY-MM-DD[Thh:mm[:ss[.fff]]], optional offset)"
        }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.at == self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// Exactly `count` digits as a number.
    fn digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..count {
            let digit = self.peek().filter(u8::is_ascii_digit)?;
            value = value * 10 + u32::from(digit - b'0');
            self.at += 1;
        }
        Some(value)
    }

    fn date(&mut self) -> bool {
        let Some(year) = self.digits(4) else {
            return false;
        };
        if !self.eat(b'-') {
            return false;
        }
        let Some(month) = self.digits(2) else {
            return false;
        };
        if !self.eat(b'-') {
            return false;
        }
        let Some(day) = self.digits(2) else {
            return false;
        };
        (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
    }

    fn time(&mut self) -> bool {
        let Some(hour) = self.digits(2) else {
            return false;
        };
        if !self.eat(b':') {
            return false;
        }
        let Some(minute) = self.digits(2) else {
            return false;
        };
        let mut second = 0;
        if self.eat(b':') {
            let Some(s) = self.digits(2) else {
                return false;
            };
            second = s;
            if self.eat(b'.') {
                let start = self.at;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.at += 1;
                }
                if !(1..=9).contains(&(self.at - start)) {
                    return false;
                }
            }
        }
        hour <= 23 && minute <= 59 && second <= 59
    }

    /// An optional `Z` or `+hh`, `+hh:mm`, `+hhmm` (or `-`).
    fn offset(&mut self) -> bool {
        if self.eat(b'Z') || self.eat(b'z') {
            return true;
        }
        if !(self.eat(b'+') || self.eat(b'-')) {
            return true;
        }
        let Some(hours) = self.digits(2) else {
            return false;
        };
        let minutes = if self.eat(b':') || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.digits(2)
        } else {
            Some(0)
        };
        matches!(minutes, Some(m) if m <= 59) && hours <= 15
    }
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_iso_forms() {
        for text in ["2024-02-29", "0001-01-01"] {
            assert_eq!(check(Kind::Date, text), Ok(()), "{text}");
        }
        for text in [
            "10:20",
            "10:20:30",
            "10:20:30.123456",
            "23:59:59Z",
            "10:20:30+05:30",
            "10:20-0800",
        ] {
            assert_eq!(check(Kind::Time, text), Ok(()), "{text}");
        }
        for text in [
            "2024-01-02",
            "2024-01-02 03:04:05.678Z",
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05.123456789+01:00",
            "2024-01-02 03:04",
        ] {
            assert_eq!(check(Kind::Timestamp, text), Ok(()), "{text}");
        }
    }

    #[test]
    fn rejects_others() {
        for text in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-02 ",
            "",
        ] {
            assert!(check(Kind::Date, text).is_err(), "{text}");
        }
        for text in [
            "24:00",
            "10:60",
            "10:20:61",
            "10:20:30.",
            "10:20:30.1234567890",
            "10:20+5",
        ] {
            assert!(check(Kind::Time, text).is_err(), "{text}");
        }
        for text in [
            "2024-01-02X03:04",
            "2024-01-02T",
            "yesterday",
            "2024-01-02T03:04:05ZZ",
        ] {
            assert!(check(Kind::Timestamp, text).is_err(), "{text}");
        }
    }
}
