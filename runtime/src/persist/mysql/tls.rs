//! TLS to MySQL/MariaDB, chosen by the URL's `ssl-mode` as the `mysql` client's
//! `--ssl-mode` chooses it, with `ssl-ca` for the roots to trust (besides the
//! built-in public ones):
//!
//! | `ssl-mode` | encrypted | server certificate checked |
//! | --- | --- | --- |
//! | `DISABLED` (the default) | no | — |
//! | `REQUIRED` | yes, or no connection | no |
//! | `VERIFY_IDENTITY` | yes | signed by a trusted root and issued for the host |
//!
//! Two modes are refused with a message. `PREFERRED` (TLS when the server offers
//! it): the driver cannot fall back, so it would hide whether the connection is
//! encrypted. `VERIFY_CA` (the chain without the name): mysql_async 0.37 still checks
//! the name with rustls 0.23 (it matches the error's old wording), so it would act as
//! `VERIFY_IDENTITY` under another name.

use std::path::PathBuf;

use mysql_async::SslOpts;

/// Takes `ssl-mode` and `ssl-ca` (or `ssl_mode`, `ssl_ca`) off a `mysql://` URL:
/// the rest of the URL for the driver, and the TLS options if TLS is asked for.
pub fn split(url: &str) -> Result<(String, Option<SslOpts>), String> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut mode = None;
    let mut ca = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "ssl-mode" | "ssl_mode" => mode = Some(value.to_ascii_uppercase()),
            "ssl-ca" | "ssl_ca" => ca = Some(PathBuf::from(crate::persist::percent_decode(value)?)),
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let (verify_chain, verify_name) = match mode.as_deref() {
        None if ca.is_none() => return Ok((rest, None)),
        // A CA given without a mode: check what it is given for.
        None => (true, true),
        Some("DISABLED") => {
            if ca.is_some() {
                return Err("ssl-ca is given but ssl-mode is DISABLED: drop one".to_string());
            }
            return Ok((rest, None));
        }
        Some("REQUIRED") => (false, false),
        Some("VERIFY_IDENTITY") => (true, true),
        Some("VERIFY_CA") => {
            return Err(
                "ssl-mode VERIFY_CA is not supported (the MySQL driver checks the host name                  all the same): use VERIFY_IDENTITY with the host name the certificate is                  issued for, or REQUIRED"
                    .to_string(),
            );
        }
        Some("PREFERRED") => {
            return Err(
                "ssl-mode PREFERRED is not supported (a connection could not tell whether it \
                 is encrypted): use REQUIRED, VERIFY_CA or VERIFY_IDENTITY, or DISABLED"
                    .to_string(),
            );
        }
        Some(other) => {
            return Err(format!(
                "ssl-mode `{other}` is not one of DISABLED, REQUIRED, VERIFY_IDENTITY"
            ));
        }
    };
    if let Some(path) = &ca
        && !path.is_file()
    {
        return Err(format!("ssl-ca {}: no such file", path.display()));
    }
    let ssl = SslOpts::default()
        .with_root_certs(ca.into_iter().map(Into::into).collect())
        .with_danger_accept_invalid_certs(!verify_chain)
        .with_danger_skip_domain_validation(!verify_name);
    Ok((rest, Some(ssl)))
}

/// The driver builds its TLS configuration on rustls's process-wide crypto
/// provider, which this build cannot pick by itself (ring and aws-lc-rs are both
/// compiled in): install ring's unless the application installed one.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race: its provider serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str) -> (String, Option<SslOpts>) {
        split(url).unwrap_or_else(|error| panic!("{url}: {error}"))
    }

    #[test]
    fn the_tls_options_are_taken_off_the_url() {
        let ca = tempfile::NamedTempFile::new().expect("temp file");
        let path = ca.path().display().to_string();
        let (rest, ssl) = ok(&format!(
            "mysql://u:p@h:3306/db?ssl-mode=verify_identity&pool_max=4&ssl-ca={}",
            path.replace('/', "%2F")
        ));
        assert_eq!(rest, "mysql://u:p@h:3306/db?pool_max=4");
        let ssl = ssl.expect("TLS");
        assert!(!ssl.accept_invalid_certs() && !ssl.skip_domain_validation());
        assert_eq!(ssl.root_certs().len(), 1);
        let (rest, ssl) = ok("mysql://u@h/db?ssl_mode=REQUIRED");
        assert_eq!(rest, "mysql://u@h/db");
        let ssl = ssl.expect("TLS");
        assert!(ssl.accept_invalid_certs() && ssl.skip_domain_validation());
        for plain in ["mysql://u@h/db", "mysql://u@h/db?ssl-mode=DISABLED"] {
            assert!(ok(plain).1.is_none(), "{plain}");
        }
    }

    #[test]
    fn unsupported_or_contradictory_choices_are_refused_saying_why() {
        let error = split("mysql://u@h/db?ssl-mode=PREFERRED").unwrap_err();
        assert!(error.contains("REQUIRED"), "{error}");
        let error = split("mysql://u@h/db?ssl-mode=VERIFY_CA").unwrap_err();
        assert!(error.contains("VERIFY_IDENTITY"), "{error}");
        let error = split("mysql://u@h/db?ssl-mode=ALWAYS").unwrap_err();
        assert!(error.contains("`ALWAYS`"), "{error}");
        let error = split("mysql://u@h/db?ssl-mode=DISABLED&ssl-ca=/ca.pem").unwrap_err();
        assert!(error.contains("DISABLED"), "{error}");
        let error =
            split("mysql://u@h/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=/no/such.pem").unwrap_err();
        assert!(error.contains("/no/such.pem"), "{error}");
    }
}
