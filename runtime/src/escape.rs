//! Control characters out of log lines and command output.
//!
//! Client text (a token's `kid`, table and column names, subjects, database messages
//! quoting values) reaches text logs and `dead-letters` output. Written raw, a `\n`
//! forges a log line and an ESC drives the reader's terminal. One rule for both:
//! [`escape_control`] writes every control character as an escape (`\n`, `\r`, `\t`,
//! otherwise `\u001b` style, which also keeps JSON valid), and the text log's field
//! formatter ([`escaping_fields`]) applies it to every recorded value (the message and
//! each field, of events and spans), so no log call site has to remember it, while the
//! formatter's own colours around the level (on a terminal) stay intact.
//! (tracing-subscriber 0.3.20+ escapes ESC and a few others in messages, but not `\n`
//! or `\r`, and not in every field.)

use std::borrow::Cow;
use std::fmt::Write as _;

use tracing_subscriber::field::{MakeExt, RecordFields};
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::{Writer, debug_fn};

/// `text` with each control character escaped; borrowed when there is none.
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The field formatter of the text log: `message` as is, other fields `name=value`,
/// separated by spaces (the layout of tracing-subscriber's default), every value with
/// its control characters escaped. Field names are the code's, never a client's.
pub fn escaping_fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    EscapingFields
}

struct EscapingFields;

impl<'w> FormatFields<'w> for EscapingFields {
    fn format_fields<R: RecordFields>(&self, writer: Writer<'w>, fields: R) -> std::fmt::Result {
        debug_fn(
            |writer: &mut Writer<'_>,
             field: &tracing::field::Field,
             value: &dyn std::fmt::Debug| {
                let name = field.name();
                // Metadata of `log` records, which the formatter shows itself.
                if name.starts_with("log.") {
                    return Ok(());
                }
                let text = format!("{value:?}");
                let text = escape_control(&text);
                match name {
                    "message" => writer.write_str(&text),
                    _ if writer.has_ansi_escapes() => {
                        write!(
                            writer,
                            "\x1b[3m{}\x1b[0m={text}",
                            name.trim_start_matches("r#")
                        )
                    }
                    _ => write!(writer, "{}={text}", name.trim_start_matches("r#")),
                }
            },
        )
        .delimited(" ")
        .format_fields(writer, fields)
    }
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert!(matches!(escape_control("todos é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\nb\r\tc\x1b[31md\x07\x7f\u{9b}e"),
            "a\\nb\\r\\tc\\u001b[31md\\u0007\\u007f\\u009be"
        );
    }

    /// A log destination the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// What one event logs through the text formatter with these fields.
    fn text_log(ansi: bool, log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(ansi)
            .fmt_fields(escaping_fields())
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    const EVIL: &str = "x\n2026 INFO forged\x1b[2J\u{9b}31m";

    #[test]
    fn client_text_in_messages_and_fields_stays_on_one_escaped_line() {
        for ansi in [false, true] {
            let line = text_log(ansi, || {
                let span = tracing::info_span!("request", uri = %EVIL);
                let _entered = span.enter();
                tracing::info!(kid = %EVIL, debug = ?EVIL, text = EVIL, "refused: no key with kid `{EVIL}`");
            });
            assert_eq!(line.matches('\n').count(), 1, "{line:?}");
            assert!(line.ends_with('\n'), "{line:?}");
            assert!(!line.contains('\u{9b}'), "{line:?}");
            assert!(!line.contains('\r'), "{line:?}");
            let escaped = "x\\n2026 INFO forged\\u001b[2J\\u009b31m";
            assert!(
                line.contains(&format!("refused: no key with kid `{escaped}`")),
                "{line:?}"
            );
            // The span's field and the event's `%` field (bare `=` on a terminal, after
            // the name's italics).
            assert_eq!(line.matches(&format!("={escaped}")).count(), 2, "{line:?}");
            // `?` and plain strings go through Debug, which escapes them itself.
            assert!(line.contains("x\\n2026 INFO forged\\u{1b}[2J"), "{line:?}");
            if ansi {
                // The formatter's own colours survive; the client's ESC never appears raw.
                assert!(line.contains("\x1b["), "{line:?}");
                assert!(!line.contains("\x1b[2J"), "{line:?}");
            } else {
                assert!(!line.contains('\x1b'), "{line:?}");
            }
        }
    }
}
