//! Control characters out of log lines and command output.
//!
//! Client text (a token's `kid`, table and column names, subjects, database messages
//! quoting values) reaches text logs and `dead-letters` output. Written raw, a `\n`
//! forges a log line and an ESC drives the reader's terminal. One rule for both:
//! [`escape_control`] writes every control character as an escape (`\n`, `\r`, `\t`,
//! otherwise `\u001b` style, which also keeps JSON valid), and the text log writer
//! ([`EscapingStderr`]) applies it to each whole log line, so no log call site has to
//! remember it. (tracing-subscriber 0.3.20+ escapes ESC and a few others in messages,
//! but not `\n` or `\r`, and not in every field.)

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

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

/// A `tracing-subscriber` writer to stderr that escapes control characters in each
/// log line (the formatter hands over one whole event per write), keeping only its
/// final newline. For the text format; JSON output escapes them itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct EscapingStderr;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for EscapingStderr {
    type Writer = EscapingWriter<io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter(io::stderr())
    }
}

/// Escapes control characters in what is written through it, except a final `\n`.
pub struct EscapingWriter<W>(pub W);

impl<W: io::Write> io::Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (body, newline) = match buf.strip_suffix(b"\n") {
            Some(body) => (body, true),
            None => (buf, false),
        };
        let text = String::from_utf8_lossy(body);
        let mut line = escape_control(&text).into_owned();
        if newline {
            line.push('\n');
        }
        self.0.write_all(line.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn control_characters_are_escaped_and_other_text_kept() {
        assert!(matches!(escape_control("todos é ✓"), Cow::Borrowed(_)));
        assert_eq!(
            escape_control("a\nb\r\tc\x1b[31md\x07\x7f\u{9b}e"),
            "a\\nb\\r\\tc\\u001b[31md\\u0007\\u007f\\u009be"
        );
    }

    #[test]
    fn the_log_writer_keeps_one_line_per_event() {
        let mut out = EscapingWriter(Vec::new());
        let event = b"INFO refused: no key with kid `x\n2026 INFO forged\x1b[2J`\n";
        assert_eq!(out.write(event).unwrap(), event.len());
        let written = String::from_utf8(out.0).unwrap();
        assert_eq!(
            written,
            "INFO refused: no key with kid `x\\n2026 INFO forged\\u001b[2J`\n"
        );
    }
}
