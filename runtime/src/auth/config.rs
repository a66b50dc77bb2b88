//! The `[auth]` table of the configuration and its checks.
//!
//! ```toml
//! [auth]
//! mode = "jwks"                      # "jwks", "hs256" or "dev"; see `AuthConfig::mode`
//! jwks_url = "https://example.com/.well-known/jwks.json"
//! issuers = ["https://example.com/"]
//! audiences = ["powersync"]
//! # algorithms = ["RS256", "ES256"]  # default: every asymmetric algorithm
//! leeway_seconds = 30
//!
//! [auth.jwks_refresh]
//! min_interval_seconds = 30
//! timeout_seconds = 5
//! cache_ttl_seconds = 300
//! ```
//!
//! Choices: outside dev mode, `issuers` and `audiences` must each name at least one
//! value (a token from any issuer or for any audience is never accepted silently), and
//! HS256 is accepted only in `mode = "hs256"` with an explicit secret.

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

use jsonwebtoken::Algorithm;
use serde::Deserialize;

/// The largest accepted `leeway_seconds`: clock skew, not a validity extension.
pub const MAX_LEEWAY_SECONDS: u64 = 300;
/// The shortest accepted `hs256_secret`, in bytes (RFC 7518 section 3.2: at least the hash size).
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// How tokens are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Public keys from a JWKS file or URL; asymmetric algorithms only.
    Jwks,
    /// One shared secret; HS256 only.
    Hs256,
    /// A keypair generated once under the data folder; tokens come from the `token`
    /// subcommand. For local development only.
    Dev,
}

/// `[auth]`: how bearer tokens are verified.
#[derive(Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// `jwks`, `hs256` or `dev`. When absent: `jwks` if `jwks_file` or `jwks_url` is
    /// set, `hs256` if `hs256_secret` is set, `dev` if no auth key is set at all.
    pub mode: Option<AuthMode>,
    /// A JWKS document on disk; read at start and again when a token names an unknown
    /// `kid` or the cache is older than `jwks_refresh.cache_ttl_seconds`.
    pub jwks_file: Option<PathBuf>,
    /// A JWKS document over HTTP(S); fetched at start (failure stops the start) and
    /// refreshed like `jwks_file`. Must be `https://` unless the host is a loopback
    /// address or `jwks_allow_http` is true.
    pub jwks_url: Option<String>,
    /// Allow a plain `http://` `jwks_url` on a non-loopback host (e.g. an identity
    /// provider inside the same private network). Default false.
    pub jwks_allow_http: bool,
    /// Accepted `iss` values; the token's `iss` must be one of them. Required (at least
    /// one) in `jwks` and `hs256` modes.
    pub issuers: Vec<String>,
    /// Accepted `aud` values; the token's `aud` (a string or a list) must contain one of
    /// them. Required (at least one) in `jwks` and `hs256` modes.
    pub audiences: Vec<String>,
    /// Accepted `alg` values. Default in `jwks` mode: RS256, RS384, RS512, PS256, PS384,
    /// PS512, ES256, ES384, EdDSA; HS* is refused there. In `hs256` mode only `["HS256"]`.
    /// `none` is never accepted.
    pub algorithms: Option<Vec<Algorithm>>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds. Default 30, at most 300.
    pub leeway_seconds: u64,
    /// The HS256 shared secret (its UTF-8 bytes, at least 32). Only with `mode = "hs256"`.
    pub hs256_secret: Option<String>,
    /// Limits on reloading the JWKS.
    pub jwks_refresh: JwksRefreshConfig,
}

/// `[auth.jwks_refresh]`: limits on reloading the JWKS.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JwksRefreshConfig {
    /// Least time between two reloads, in seconds (tokens with made-up `kid`s cannot
    /// make the server hammer the identity provider). Default 30.
    pub min_interval_seconds: u64,
    /// Time allowed for one fetch or file read, in seconds. Default 5.
    pub timeout_seconds: u64,
    /// Keys older than this are reloaded at the next verification (the old keys stay in
    /// use if that fails), in seconds. Default 300.
    pub cache_ttl_seconds: u64,
}

impl Default for JwksRefreshConfig {
    fn default() -> Self {
        JwksRefreshConfig {
            min_interval_seconds: 30,
            timeout_seconds: 5,
            cache_ttl_seconds: 300,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            mode: None,
            jwks_file: None,
            jwks_url: None,
            jwks_allow_http: false,
            issuers: Vec::new(),
            audiences: Vec::new(),
            algorithms: None,
            leeway_seconds: 30,
            hs256_secret: None,
            jwks_refresh: JwksRefreshConfig::default(),
        }
    }
}

// Hand-written so the secret never reaches a log line.
impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthConfig")
            .field("mode", &self.mode)
            .field("jwks_file", &self.jwks_file)
            .field(
                "jwks_url",
                &self.jwks_url.as_deref().map(crate::redact::redact_url),
            )
            .field("jwks_allow_http", &self.jwks_allow_http)
            .field("issuers", &self.issuers)
            .field("audiences", &self.audiences)
            .field("algorithms", &self.algorithms)
            .field("leeway_seconds", &self.leeway_seconds)
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks_refresh", &self.jwks_refresh)
            .finish()
    }
}

/// The asymmetric algorithms accepted by default in `jwks` mode.
pub const DEFAULT_ASYMMETRIC_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// A configuration that cannot work; the message names the key to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[auth] {0}")]
pub struct AuthConfigError(pub String);

/// Where a JWKS comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    File(PathBuf),
    Url(reqwest::Url),
}

/// A checked configuration, one variant per mode.
#[derive(Clone, PartialEq)]
pub(crate) enum Checked {
    Dev,
    Jwks {
        source: JwksSource,
        claims: ClaimRules,
        refresh: JwksRefreshConfig,
    },
    Hs256 {
        secret: Vec<u8>,
        claims: ClaimRules,
    },
}

/// What a token's claims must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClaimRules {
    pub algorithms: Vec<Algorithm>,
    pub issuers: Vec<String>,
    pub audiences: Vec<String>,
    pub leeway_seconds: u64,
}

impl AuthConfig {
    /// A `jwks` configuration reading keys from a file, with the given issuer and audience.
    pub fn jwks_file(path: impl Into<PathBuf>, issuer: &str, audience: &str) -> AuthConfig {
        AuthConfig {
            mode: Some(AuthMode::Jwks),
            jwks_file: Some(path.into()),
            issuers: vec![issuer.to_string()],
            audiences: vec![audience.to_string()],
            ..AuthConfig::default()
        }
    }

    /// The mode in force, after inference (see [`AuthConfig::mode`]).
    pub fn effective_mode(&self) -> AuthMode {
        if let Some(mode) = self.mode {
            mode
        } else if self.jwks_file.is_some() || self.jwks_url.is_some() {
            AuthMode::Jwks
        } else if self.hs256_secret.is_some() {
            AuthMode::Hs256
        } else {
            AuthMode::Dev
        }
    }

    /// Checks the configuration without touching the network or the disk.
    pub fn check(&self) -> Result<(), AuthConfigError> {
        self.checked().map(|_| ())
    }

    pub(crate) fn checked(&self) -> Result<Checked, AuthConfigError> {
        let fail = |message: &str| Err(AuthConfigError(message.to_string()));
        if self.leeway_seconds > MAX_LEEWAY_SECONDS {
            return Err(AuthConfigError(format!(
                "leeway_seconds is {}; at most {MAX_LEEWAY_SECONDS} is accepted (it covers clock skew only)",
                self.leeway_seconds
            )));
        }
        match self.effective_mode() {
            AuthMode::Dev => {
                let stray = [
                    ("jwks_file", self.jwks_file.is_some()),
                    ("jwks_url", self.jwks_url.is_some()),
                    ("hs256_secret", self.hs256_secret.is_some()),
                    ("issuers", !self.issuers.is_empty()),
                    ("audiences", !self.audiences.is_empty()),
                    ("algorithms", self.algorithms.is_some()),
                ];
                if let Some((key, _)) = stray.iter().find(|(_, set)| *set) {
                    return Err(AuthConfigError(format!(
                        "{key} is set, but dev mode uses its own key, issuer and audience; \
                         set mode = \"jwks\" or \"hs256\", or remove {key}"
                    )));
                }
                Ok(Checked::Dev)
            }
            AuthMode::Jwks => {
                if self.hs256_secret.is_some() {
                    return fail(
                        "hs256_secret is only used with mode = \"hs256\"; HS256 is never accepted in jwks mode",
                    );
                }
                let source = match (&self.jwks_file, &self.jwks_url) {
                    (Some(path), None) => JwksSource::File(path.clone()),
                    (None, Some(url)) => JwksSource::Url(self.check_url(url)?),
                    (Some(_), Some(_)) => return fail("set jwks_file or jwks_url, not both"),
                    (None, None) => return fail("mode = \"jwks\" needs jwks_file or jwks_url"),
                };
                let algorithms = match &self.algorithms {
                    None => DEFAULT_ASYMMETRIC_ALGORITHMS.to_vec(),
                    Some(list) if list.is_empty() => {
                        return fail(
                            "algorithms is empty; remove it to accept the asymmetric defaults",
                        );
                    }
                    Some(list) => {
                        if let Some(symmetric) = list.iter().find(|a| is_symmetric(**a)) {
                            return Err(AuthConfigError(format!(
                                "algorithms lists {symmetric:?}; symmetric algorithms are accepted only with \
                                 mode = \"hs256\" and hs256_secret"
                            )));
                        }
                        list.clone()
                    }
                };
                let refresh = self.jwks_refresh.clone();
                if refresh.timeout_seconds == 0 {
                    return fail("jwks_refresh.timeout_seconds must be at least 1");
                }
                Ok(Checked::Jwks {
                    source,
                    claims: self.claim_rules(algorithms)?,
                    refresh,
                })
            }
            AuthMode::Hs256 => {
                if self.jwks_file.is_some() || self.jwks_url.is_some() {
                    return fail("jwks_file and jwks_url are not used with mode = \"hs256\"");
                }
                let Some(secret) = &self.hs256_secret else {
                    return fail("mode = \"hs256\" needs hs256_secret");
                };
                if secret.len() < MIN_HS256_SECRET_BYTES {
                    return Err(AuthConfigError(format!(
                        "hs256_secret is too short: at least {MIN_HS256_SECRET_BYTES} bytes are required"
                    )));
                }
                if let Some(list) = &self.algorithms
                    && list.as_slice() != [Algorithm::HS256]
                {
                    return fail("with mode = \"hs256\" algorithms can only be [\"HS256\"]");
                }
                Ok(Checked::Hs256 {
                    secret: secret.as_bytes().to_vec(),
                    claims: self.claim_rules(vec![Algorithm::HS256])?,
                })
            }
        }
    }

    fn claim_rules(&self, algorithms: Vec<Algorithm>) -> Result<ClaimRules, AuthConfigError> {
        for (key, values) in [("issuers", &self.issuers), ("audiences", &self.audiences)] {
            if values.is_empty() {
                return Err(AuthConfigError(format!(
                    "{key} is empty; list at least one accepted value (tokens are never accepted from any {})",
                    if key == "issuers" {
                        "issuer"
                    } else {
                        "audience"
                    }
                )));
            }
            if values.iter().any(|v| v.is_empty()) {
                return Err(AuthConfigError(format!("{key} contains an empty string")));
            }
        }
        Ok(ClaimRules {
            algorithms,
            issuers: self.issuers.clone(),
            audiences: self.audiences.clone(),
            leeway_seconds: self.leeway_seconds,
        })
    }

    fn check_url(&self, raw: &str) -> Result<reqwest::Url, AuthConfigError> {
        // Messages show the URL without its password (it may carry basic-auth credentials).
        let text = crate::redact::redact_url(raw);
        let url = reqwest::Url::parse(raw)
            .map_err(|e| AuthConfigError(format!("jwks_url `{text}` is not a URL: {e}")))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" if self.jwks_allow_http || is_loopback(&url) => Ok(url),
            "http" => Err(AuthConfigError(format!(
                "jwks_url `{text}` is plain http on a non-loopback host, so keys could be swapped in transit; \
                 use https, or set jwks_allow_http = true if the network is trusted"
            ))),
            other => Err(AuthConfigError(format!(
                "jwks_url `{text}` has scheme `{other}`; use https"
            ))),
        }
    }
}

fn is_symmetric(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}
