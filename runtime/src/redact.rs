//! Secrets out of log lines and messages: database URLs and connection strings, and
//! the JWKS URL (with the errors of fetching it).
//!
//! Forms handled, each with its password replaced by `***`:
//! - a URL's userinfo: `postgres://app:s3cret@db/x`, `http://user:secret@idp/jwks`;
//! - secret query parameters: `?password=...`, `&sslpassword=...` (any key naming a
//!   password, secret or token, see [`is_secret_key`]);
//! - key=value connection strings: `host=db user=app password=s3cret`, with quoted
//!   values (`password='a b'`) too.

/// What a redacted secret is replaced with.
const MASK: &str = "***";

/// `text` (a URL or a key=value connection string) without passwords, for logs and
/// messages. Text holding no secret comes back unchanged.
pub fn redact_url(text: &str) -> String {
    if text.contains("://") {
        match url::Url::parse(text) {
            Ok(url) => redact_parsed(&url).unwrap_or_else(|| text.to_string()),
            // Not a URL the parser accepts (e.g. a malformed host): never echo what
            // could be a password.
            Err(_) => redact_unparsed(text),
        }
    } else if text.contains('=') {
        redact_key_values(text)
    } else {
        text.to_string()
    }
}

/// A URL without its password and secret query parameters; the URL's own
/// serialization when anything was removed, `None` when there was nothing to remove
/// (so the caller keeps the text exactly as written).
pub fn redact_parsed(url: &url::Url) -> Option<String> {
    let mut redacted = url.clone();
    let mut changed = false;
    if url.password().is_some() {
        // Only fails for URLs that cannot have userinfo, which have no password.
        changed |= redacted.set_password(Some(MASK)).is_ok();
    }
    if let Some(query) = url.query() {
        let cleaned = redact_query(query);
        if cleaned != query {
            redacted.set_query(Some(&cleaned));
            changed = true;
        }
    }
    changed.then(|| redacted.to_string())
}

/// Whether a parameter with this name holds a secret: any name mentioning a password
/// (`password`, `sslpassword`, `db_password`), `pass`, `pwd`, a secret or a token.
fn is_secret_key(key: &str) -> bool {
    let key = key.trim().to_ascii_lowercase();
    key == "pass"
        || ["password", "passwd", "pwd", "secret", "token"]
            .iter()
            .any(|part| key.contains(part))
}

/// `a=1&password=x` -> `a=1&password=***`; other parameters untouched, byte for byte.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_secret_key(&percent_decode(key)) => format!("{key}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("k={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

/// The fallback for text with `://` that does not parse as a URL: everything between
/// `://` and the last `@` of the authority becomes `user:***` when it has a `:`, and the
/// query is cleaned as for a URL.
fn redact_unparsed(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let mut out = format!("{scheme}://");
    match before_query.rsplit_once('@') {
        Some((userinfo, host)) => {
            match userinfo.split_once(':') {
                Some((user, _)) => out.push_str(&format!("{user}:{MASK}")),
                None => out.push_str(userinfo),
            }
            out.push('@');
            out.push_str(host);
        }
        None => out.push_str(before_query),
    }
    if let Some(query) = query {
        out.push('?');
        out.push_str(&redact_query(query));
    }
    out
}

/// libpq-style `key=value` pairs separated by spaces; values may be single-quoted with
/// backslash escapes. Secret values become `***`, everything else is kept as written.
fn redact_key_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // Copy whitespace and anything up to the next `=` (the key) as it is.
        let Some(equals) = rest.find('=') else {
            out.push_str(rest);
            break;
        };
        let (head, tail) = rest.split_at(equals);
        let key = head
            .trim_end()
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default();
        out.push_str(head);
        out.push('=');
        let tail = &tail[1..];
        // Spaces are allowed around `=`.
        let value_start = tail.len() - tail.trim_start().len();
        out.push_str(&tail[..value_start]);
        let tail = &tail[value_start..];
        let value_len = value_length(tail);
        if is_secret_key(key) {
            out.push_str(MASK);
        } else {
            out.push_str(&tail[..value_len]);
        }
        rest = &tail[value_len..];
    }
    out
}

/// The length of the value at the start of `text`: a quoted value up to its closing
/// quote (backslash escapes the next character), else up to the next whitespace.
fn value_length(text: &str) -> usize {
    let mut chars = text.char_indices();
    if text.starts_with('\'') {
        chars.next();
        let mut escaped = false;
        for (index, c) in chars {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '\'' => return index + 1,
                _ => {}
            }
        }
        // Unterminated: the whole rest is the value.
        text.len()
    } else {
        text.find(char::is_whitespace).unwrap_or(text.len())
    }
}

/// A `reqwest` error as a message that never carries its URL (which can hold
/// credentials): the error without it, then its causes, e.g. `error sending request:
/// client error (Connect): tcp connect error: Connection refused`.
pub fn reqwest_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let text = cause.to_string();
        // hyper and reqwest repeat a cause's text in its wrapper now and then.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn userinfo_passwords_are_masked() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgresql://app:p%40ss@db/x?sslmode=require"),
            "postgresql://app:***@db/x?sslmode=require"
        );
        assert_eq!(
            redact_url("http://user:secret@127.0.0.1:9/jwks.json"),
            "http://user:***@127.0.0.1:9/jwks.json"
        );
        // A password with a raw `@` (the last `@` ends the userinfo).
        let redacted = redact_url("postgres://app:se@cret@db/x");
        assert!(
            !redacted.contains("se@cret") && !redacted.contains("cret"),
            "{redacted}"
        );
    }

    #[test]
    fn text_without_a_secret_is_unchanged() {
        for text in [
            "postgres://app@db/x",
            "sqlite://data/a.db",
            "sqlite:///var/lib/app/a.db",
            "postgres://db/x?sslmode=require&application_name=w",
            "host=db user=app dbname=x",
            "data/powersync-write.db",
        ] {
            assert_eq!(redact_url(text), text);
        }
    }

    #[test]
    fn password_query_parameters_are_masked() {
        assert_eq!(
            redact_url("postgres://app@db/x?password=s3cret"),
            "postgres://app@db/x?password=***"
        );
        assert_eq!(
            redact_url("postgres://db/x?sslmode=verify-full&sslpassword=k3y&user=app"),
            "postgres://db/x?sslmode=verify-full&sslpassword=***&user=app"
        );
        assert_eq!(
            redact_url("postgres://u:a@db/x?PASSWORD=b&pass=c"),
            "postgres://u:***@db/x?PASSWORD=***&pass=***"
        );
        assert_eq!(
            redact_url("https://idp.example/jwks?access_token=t0k"),
            "https://idp.example/jwks?access_token=***"
        );
    }

    #[test]
    fn key_value_connection_strings_are_masked() {
        assert_eq!(
            redact_url("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=*** dbname=x"
        );
        assert_eq!(
            redact_url("host=db password = 's3 cr\\'et' sslpassword=k3y dbname=x"),
            "host=db password = *** sslpassword=*** dbname=x"
        );
        assert_eq!(redact_url("password='unterminated"), "password=***");
    }

    #[test]
    fn unparsable_urls_never_echo_the_password() {
        let redacted = redact_url("postgres://app:s3cret@[not-a-host/x?password=p4ss");
        assert!(!redacted.contains("s3cret"), "{redacted}");
        assert!(!redacted.contains("p4ss"), "{redacted}");
        assert!(redacted.starts_with("postgres://app:***@"), "{redacted}");
    }
}
