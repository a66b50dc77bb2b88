//! Scripts: several statements sent as one text query (the protocol's multi-statement
//! `COM_QUERY`), so a whole upload transaction (`START TRANSACTION`, the ledger claim,
//! the writes, the checkpoint, `COMMIT`) costs one round trip instead of one per
//! statement. The server runs the statements in order and stops at the first error,
//! which [`Script::run`] reports with the failing statement's index.
//!
//! Values are written into the text as literals whose reading depends on no session
//! setting (`NO_BACKSLASH_ESCAPES` included): text as `_utf8mb4 X'hex'`, other bytes as
//! `X'hex'`, integers in decimal, floats in exponent form (read as DOUBLE, the
//! shortest form that reads back to the same value), dates and times as the driver
//! quotes them (digits only). Nothing a client sends can end a literal early.

use std::fmt::Write as _;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value as MyValue};

/// A script longer than this is sent in pieces, cut between statements; less when
/// the server's `max_allowed_packet` is smaller ([`piece_bytes`]).
pub const PIECE_BYTES: usize = 1 << 20;

/// The longest piece for a server whose `max_allowed_packet` is `max_packet`: 1 MiB,
/// or less, with room for the packet's header, on a server that takes less
/// (MariaDB's default is 16 MiB, MySQL 8's 64 MiB, MySQL 5.5's was 1 MiB).
pub fn piece_bytes(max_packet: u64) -> usize {
    usize::try_from(max_packet.saturating_sub(1024))
        .unwrap_or(usize::MAX)
        .clamp(4096, PIECE_BYTES)
}

/// Statements to send together, in order.
#[derive(Default)]
pub struct Script {
    statements: Vec<String>,
}

/// The statement of a script that failed (or at which the connection was lost), and
/// why. The statements after it did not run.
#[derive(Debug)]
pub struct Failed {
    pub index: usize,
    pub error: mysql_async::Error,
}

impl Script {
    /// Adds a statement without placeholders.
    pub fn push_text(&mut self, sql: &str) {
        self.statements.push(sql.to_string());
    }

    /// Adds `template` with its `?` placeholders replaced by `params`' literals; an
    /// error when their numbers differ (a bug of the caller, reported, not sent).
    pub fn push<'v>(
        &mut self,
        template: &str,
        params: impl IntoIterator<Item = &'v MyValue>,
    ) -> Result<(), String> {
        let mut sql = String::with_capacity(template.len() * 2);
        inline(template, params, &mut sql)?;
        self.statements.push(sql);
        Ok(())
    }

    /// Runs the statements on `conn`, in pieces of at most `piece_bytes` (a longer
    /// statement alone), and returns each one's rows (none but a `SELECT`'s), or the
    /// first that failed.
    pub async fn run(&self, conn: &mut Conn, piece_bytes: usize) -> Result<Vec<Vec<Row>>, Failed> {
        let mut outcomes = Vec::with_capacity(self.statements.len());
        let mut start = 0;
        while start < self.statements.len() {
            let mut end = start + 1;
            let mut bytes = self.statements[start].len();
            while end < self.statements.len()
                && bytes + 2 + self.statements[end].len() <= piece_bytes
            {
                bytes += 2 + self.statements[end].len();
                end += 1;
            }
            let sql = self.statements[start..end].join(";\n");
            run_piece(conn, sql, end - start, &mut outcomes)
                .await
                .map_err(|(index, error)| Failed {
                    index: start + index,
                    error,
                })?;
            start = end;
        }
        Ok(outcomes)
    }
}

/// Sends one piece of `count` statements and reads their results. The driver keeps
/// a later statement's error until its result is read, so an error belongs to the
/// statement being read (a lost connection, to the one being read or the next).
async fn run_piece(
    conn: &mut Conn,
    sql: String,
    count: usize,
    outcomes: &mut Vec<Vec<Row>>,
) -> Result<(), (usize, mysql_async::Error)> {
    let mut result = conn.query_iter(sql).await.map_err(|error| (0, error))?;
    for index in 0..count {
        let rows: Vec<Row> = result.collect().await.map_err(|error| (index, error))?;
        outcomes.push(rows);
    }
    if !result.is_empty() {
        return Err((
            count - 1,
            mysql_async::Error::Other(
                format!("the server answered more than the script's {count} statements").into(),
            ),
        ));
    }
    Ok(())
}

/// Appends `template` to `out` with each `?` outside quoted identifiers and literals
/// replaced by the next parameter's literal.
pub fn inline<'v>(
    template: &str,
    params: impl IntoIterator<Item = &'v MyValue>,
    out: &mut String,
) -> Result<(), String> {
    let mut values = params.into_iter();
    let mut quote: Option<u8> = None;
    let mut copied = 0;
    // Byte-wise: the characters that matter are ASCII, and no byte of a multi-byte
    // UTF-8 character is.
    for (at, byte) in template.bytes().enumerate() {
        match (quote, byte) {
            (Some(open), _) if byte == open => quote = None,
            (Some(_), _) => {}
            (None, b'`' | b'\'' | b'"') => quote = Some(byte),
            (None, b'?') => {
                out.push_str(&template[copied..at]);
                copied = at + 1;
                let value = values
                    .next()
                    .ok_or_else(|| format!("more placeholders than values in `{template}`"))?;
                literal(value, out);
            }
            (None, _) => {}
        }
    }
    out.push_str(&template[copied..]);
    if values.next().is_some() {
        return Err(format!("more values than placeholders in `{template}`"));
    }
    Ok(())
}

/// Appends `value` as an SQL literal.
pub fn literal(value: &MyValue, out: &mut String) {
    // Writing to a String cannot fail.
    let _ = match value {
        MyValue::NULL => {
            out.push_str("NULL");
            Ok(())
        }
        MyValue::Int(i) => write!(out, "{i}"),
        MyValue::UInt(u) => write!(out, "{u}"),
        MyValue::Float(f) => write!(out, "{:e}", f64::from(*f)),
        MyValue::Double(d) => write!(out, "{d:e}"),
        MyValue::Bytes(bytes) => {
            // Text keeps its character set (so it converts to numbers, dates, JSON
            // as quoted text does); other bytes are a binary string.
            if std::str::from_utf8(bytes).is_ok() {
                out.push_str("_utf8mb4 ");
            }
            out.push_str("X'");
            hex(bytes, out);
            out.push('\'');
            Ok(())
        }
        MyValue::Date(..) | MyValue::Time(..) => {
            out.push_str(&value.as_sql(false));
            Ok(())
        }
    };
}

fn hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0F)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever bytes a value holds, its literal is hex digits between fixed
        /// delimiters, and reads back to the same bytes: nothing can end it early.
        #[test]
        fn a_bytes_literal_is_only_hex_and_reads_back(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut out = String::new();
            literal(&MyValue::Bytes(bytes.clone()), &mut out);
            let hex = out
                .strip_prefix("_utf8mb4 ")
                .unwrap_or(&out)
                .strip_prefix("X'")
                .and_then(|rest| rest.strip_suffix('\''))
                .expect("X'...'");
            prop_assert!(hex.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()));
            prop_assert_eq!(out.starts_with("_utf8mb4 "), std::str::from_utf8(&bytes).is_ok());
            let decoded: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            prop_assert_eq!(decoded, bytes);
        }

        /// A double's literal reads back as the same double.
        #[test]
        fn a_double_literal_reads_back_exactly(value in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            let mut out = String::new();
            literal(&MyValue::Double(value), &mut out);
            prop_assert_eq!(out.parse::<f64>().unwrap().to_bits(), value.to_bits());
        }
    }

    fn inlined(template: &str, params: &[MyValue]) -> Result<String, String> {
        let mut out = String::new();
        inline(template, params, &mut out).map(|()| out)
    }

    #[test]
    fn placeholders_inside_quoted_identifiers_and_literals_are_left_alone() {
        assert_eq!(
            inlined(
                "INSERT INTO `a?b` (`c``?`, d) VALUES (?, '?', \"?\", ?)",
                &[MyValue::Int(-7), MyValue::NULL]
            )
            .unwrap(),
            "INSERT INTO `a?b` (`c``?`, d) VALUES (-7, '?', \"?\", NULL)"
        );
    }

    #[test]
    fn pieces_fit_the_server_packet_limit() {
        assert_eq!(piece_bytes(16 << 20), PIECE_BYTES);
        assert_eq!(piece_bytes(1 << 20), (1 << 20) - 1024);
        assert_eq!(piece_bytes(1024), 4096);
    }

    #[test]
    fn a_count_mismatch_is_an_error_not_a_statement() {
        assert!(inlined("SELECT ?, ?", &[MyValue::Int(1)]).is_err());
        assert!(inlined("SELECT ?", &[MyValue::Int(1), MyValue::Int(2)]).is_err());
    }

    #[test]
    fn every_kind_of_value_has_its_literal() {
        let values = [
            MyValue::UInt(u64::MAX),
            MyValue::Double(0.1),
            MyValue::Double(-1e300),
            MyValue::Float(1.5),
            MyValue::Bytes("it's \\ é".as_bytes().to_vec()),
            MyValue::Bytes(vec![0xFF, 0x00]),
            MyValue::Bytes(Vec::new()),
            MyValue::Date(2024, 5, 1, 12, 0, 0, 250_000),
            MyValue::Time(true, 1, 2, 3, 4, 0),
        ];
        assert_eq!(
            inlined("?, ?, ?, ?, ?, ?, ?, ?, ?", &values).unwrap(),
            "18446744073709551615, 1e-1, -1e300, 1.5e0, _utf8mb4 X'69742773205C20C3A9', \
             X'FF00', _utf8mb4 X'', '2024-05-01 12:00:00.250000', '-026:03:04'"
        );
    }
}
