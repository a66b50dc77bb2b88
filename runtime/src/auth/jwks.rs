//! Public keys from a JWKS document (file or URL), cached and reloaded when a token
//! names an unknown `kid` or the cache is old, at most once per `min_interval`.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::config::{JwksRefreshConfig, JwksSource};
use crate::redact;

/// The largest JWKS document accepted (a real one is a few kilobytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;
/// Redirects followed when fetching a JWKS.
const MAX_REDIRECTS: usize = 5;

/// Why the key set could not be loaded. Never contains key material.
#[derive(Debug, thiserror::Error)]
pub enum JwksError {
    #[error("cannot read the JWKS file {path}: {message}")]
    File { path: String, message: String },
    #[error("cannot fetch the JWKS from {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("the JWKS from {origin} is invalid: {message}")]
    Invalid { origin: String, message: String },
    #[error("loading the JWKS from {origin} took longer than {seconds} s")]
    Timeout { origin: String, seconds: u64 },
}

/// One verification key from a JWKS.
pub(crate) struct VerificationKey {
    pub kid: Option<String>,
    /// The algorithms this key may verify (from its type and curve, narrowed by its `alg`).
    pub algorithms: Vec<Algorithm>,
    pub key: DecodingKey,
}

impl VerificationKey {
    pub fn accepts(&self, algorithm: Algorithm) -> bool {
        self.algorithms.contains(&algorithm)
    }
}

/// A loaded key set.
pub(crate) struct KeySet {
    pub keys: Vec<VerificationKey>,
    pub loaded_at: Instant,
    /// Increments with every successful load, so a waiter sees that someone else reloaded.
    pub generation: u64,
}

/// The outcome of looking a key up.
pub(crate) enum Lookup {
    Found(DecodingKey),
    /// A key with this `kid` exists but cannot verify the token's algorithm.
    WrongType,
    /// No key with this `kid` (or, without a `kid`, no single usable key).
    Missing,
}

impl KeySet {
    pub fn empty() -> KeySet {
        KeySet {
            keys: Vec::new(),
            loaded_at: Instant::now(),
            generation: 0,
        }
    }

    pub fn lookup(&self, kid: Option<&str>, algorithm: Algorithm) -> Lookup {
        match kid {
            Some(kid) => {
                let mut named = self
                    .keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .peekable();
                if named.peek().is_none() {
                    return Lookup::Missing;
                }
                match named.find(|k| k.accepts(algorithm)) {
                    Some(k) => Lookup::Found(k.key.clone()),
                    None => Lookup::WrongType,
                }
            }
            // Without a `kid` only an unambiguous set is usable.
            None => {
                let mut usable = self.keys.iter().filter(|k| k.accepts(algorithm));
                match (usable.next(), usable.next()) {
                    (Some(k), None) => Lookup::Found(k.key.clone()),
                    _ => Lookup::Missing,
                }
            }
        }
    }
}

/// Parses a JWKS document, keeping the keys this server can use for signatures.
/// Keys of unknown types, encryption keys and symmetric (`oct`) keys are skipped: a
/// JWKS never enables HMAC verification.
pub(crate) fn parse_jwks(bytes: &[u8], origin: &str) -> Result<Vec<VerificationKey>, JwksError> {
    let invalid = |message: String| JwksError::Invalid {
        origin: origin.to_string(),
        message,
    };
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON: {e}")))?;
    let Some(entries) = document.get("keys").and_then(Value::as_array) else {
        return Err(invalid("no `keys` array".to_string()));
    };
    let mut keys = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        // Each key on its own, so one exotic key does not hide the others.
        match serde_json::from_value::<Jwk>(entry.clone()) {
            Ok(jwk) => match verification_key(&jwk) {
                Ok(Some(key)) => keys.push(key),
                Ok(None) => {}
                Err(reason) => tracing::warn!(origin, index, reason, "skipped a JWKS key"),
            },
            Err(e) => tracing::warn!(origin, index, reason = %e, "skipped a JWKS key"),
        }
    }
    if keys.is_empty() {
        return Err(invalid(
            "no usable signature key (RSA, EC P-256/P-384 or Ed25519)".to_string(),
        ));
    }
    Ok(keys)
}

fn verification_key(jwk: &Jwk) -> Result<Option<VerificationKey>, String> {
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Ok(None);
    }
    let by_type: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![
            Algorithm::RS256,
            Algorithm::RS384,
            Algorithm::RS512,
            Algorithm::PS256,
            Algorithm::PS384,
            Algorithm::PS512,
        ],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![Algorithm::ES256],
            EllipticCurve::P384 => vec![Algorithm::ES384],
            _ => return Err(format!("curve {:?} is not supported", p.curve)),
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => vec![Algorithm::EdDSA],
            _ => return Err(format!("curve {:?} is not supported", p.curve)),
        },
        AlgorithmParameters::OctetKey(_) => {
            return Err("symmetric keys are never taken from a JWKS".to_string());
        }
        _ => return Err("unsupported key type".to_string()),
    };
    let algorithms = match jwk.common.key_algorithm {
        None => by_type,
        Some(declared) => {
            let declared = Algorithm::try_from(declared)
                .map_err(|_| format!("algorithm {declared} is not supported"))?;
            if !by_type.contains(&declared) {
                return Err(format!("algorithm {declared:?} does not fit the key type"));
            }
            vec![declared]
        }
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("unreadable key: {e}"))?;
    Ok(Some(VerificationKey {
        kid: jwk.common.key_id.clone(),
        algorithms,
        key,
    }))
}

/// Why a reload did not happen.
pub(crate) enum RefreshRefused {
    /// The last attempt was less than `min_interval` ago; `last_failed` when that
    /// attempt could not load the keys. `retry_in`: until the next attempt may run.
    RateLimited {
        last_failed: bool,
        retry_in: Duration,
    },
    /// The reload failed (already logged); the old keys stay. The next attempt may
    /// run in `retry_in`.
    Failed { retry_in: Duration },
}

/// A reload attempt: when, and whether it could not load the keys.
#[derive(Clone, Copy)]
pub(crate) struct Attempt {
    at: Instant,
    failed: bool,
}

/// The cached keys of one JWKS source.
pub(crate) struct KeyCache {
    source: JwksSource,
    client: Option<reqwest::Client>,
    limits: JwksRefreshConfig,
    keys: RwLock<Arc<KeySet>>,
    /// Held while loading, so concurrent misses cause one fetch; holds the last
    /// attempt and whether it failed.
    loading: tokio::sync::Mutex<Option<Attempt>>,
}

impl KeyCache {
    /// Loads the keys once; a failure here stops the start.
    pub async fn open(
        source: JwksSource,
        limits: JwksRefreshConfig,
    ) -> Result<KeyCache, JwksError> {
        let client = match &source {
            JwksSource::Url(url) => Some(http_client(url, limits.timeout_seconds)?),
            JwksSource::File(_) => None,
        };
        let cache = KeyCache {
            source,
            client,
            limits,
            keys: RwLock::new(Arc::new(KeySet::empty())),
            // The first load does not count against the rate limit, so a key rotated
            // in right after the start is picked up at once.
            loading: tokio::sync::Mutex::new(None),
        };
        let keys = cache.load().await?;
        cache.install(keys);
        Ok(cache)
    }

    pub fn current(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads unless someone else did since `seen_generation` or the rate limit says
    /// no. `wait` = false gives up at once when a reload is already under way.
    pub async fn refresh(&self, seen_generation: u64, wait: bool) -> Result<(), RefreshRefused> {
        let mut last_attempt = if wait {
            self.loading.lock().await
        } else {
            match self.loading.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(()),
            }
        };
        if self.current().generation != seen_generation {
            return Ok(());
        }
        let min_interval = Duration::from_secs(self.limits.min_interval_seconds);
        if let Some(last) = *last_attempt
            && last.at.elapsed() < min_interval
        {
            return Err(RefreshRefused::RateLimited {
                last_failed: last.failed,
                retry_in: min_interval - last.at.elapsed(),
            });
        }
        let at = Instant::now();
        let result = self.load().await;
        *last_attempt = Some(Attempt {
            at,
            failed: result.is_err(),
        });
        match result {
            Ok(keys) => {
                tracing::info!(origin = %self.origin(), keys = keys.len(), "reloaded the JWKS");
                self.install(keys);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(%error, "could not reload the JWKS; keeping the keys loaded before");
                Err(RefreshRefused::Failed {
                    retry_in: min_interval.saturating_sub(at.elapsed()),
                })
            }
        }
    }

    pub fn is_stale(&self, keys: &KeySet) -> bool {
        keys.loaded_at.elapsed() >= Duration::from_secs(self.limits.cache_ttl_seconds)
    }

    fn install(&self, keys: Vec<VerificationKey>) {
        let mut slot = match self.keys.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let generation = slot.generation + 1;
        *slot = Arc::new(KeySet {
            keys,
            loaded_at: Instant::now(),
            generation,
        });
    }

    fn origin(&self) -> String {
        match &self.source {
            JwksSource::File(path) => path.display().to_string(),
            JwksSource::Url(url) => shown(url),
        }
    }

    async fn load(&self) -> Result<Vec<VerificationKey>, JwksError> {
        let seconds = self.limits.timeout_seconds;
        let bytes = tokio::time::timeout(Duration::from_secs(seconds), self.read())
            .await
            .map_err(|_| JwksError::Timeout {
                origin: self.origin(),
                seconds,
            })??;
        parse_jwks(&bytes, &self.origin())
    }

    async fn read(&self) -> Result<Vec<u8>, JwksError> {
        match (&self.source, &self.client) {
            (JwksSource::File(path), _) => {
                let file_error = |message: String| JwksError::File {
                    path: path.display().to_string(),
                    message,
                };
                let bytes = tokio::fs::read(path)
                    .await
                    .map_err(|e| file_error(e.to_string()))?;
                if bytes.len() > MAX_JWKS_BYTES {
                    return Err(file_error(format!("larger than {MAX_JWKS_BYTES} bytes")));
                }
                Ok(bytes)
            }
            (JwksSource::Url(url), Some(client)) => fetch(client, url).await,
            (JwksSource::Url(url), None) => Err(JwksError::Fetch {
                url: shown(url),
                message: "no HTTP client".to_string(),
            }),
        }
    }
}

async fn fetch(client: &reqwest::Client, url: &reqwest::Url) -> Result<Vec<u8>, JwksError> {
    let fetch_error = |message: String| JwksError::Fetch {
        url: shown(url),
        message,
    };
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fetch_error(redact::reqwest_error(e)))?;
    if !response.status().is_success() {
        return Err(fetch_error(format!("status {}", response.status())));
    }
    // Read in chunks so an endless or huge body cannot exhaust memory.
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| fetch_error(redact::reqwest_error(e)))?
    {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(fetch_error(format!(
                "body larger than {MAX_JWKS_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The URL for messages and logs: its userinfo password and secret query parameters
/// masked (a JWKS URL may carry basic-auth credentials).
pub(crate) fn shown(url: &reqwest::Url) -> String {
    redact::redact_parsed(url).unwrap_or_else(|| url.to_string())
}

/// An HTTP client with rustls (ring provider, the platform's trusted roots) and the
/// configured timeout. Built with its own TLS configuration so the process-wide rustls
/// default is left alone for an embedding application.
fn http_client(url: &reqwest::Url, timeout_seconds: u64) -> Result<reqwest::Client, JwksError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let fetch_error = |message: String| JwksError::Fetch {
        url: shown(url),
        message,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| fetch_error(format!("TLS setup: {e}")))?
        .with_platform_verifier()
        .map_err(|e| fetch_error(format!("TLS setup: {e}")))?
        .with_no_client_auth();
    // A redirect must not downgrade an https URL to plain http (keys could then be
    // swapped in transit); an http URL was accepted by the configuration already.
    let http_accepted = url.scheme() == "http";
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            attempt.error("too many redirects")
        } else if attempt.url().scheme() == "https" || http_accepted {
            attempt.follow()
        } else {
            attempt.error("redirected from https to plain http")
        }
    });
    let timeout = Duration::from_secs(timeout_seconds);
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .redirect(redirects)
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!(
            "powersync-write-server/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| fetch_error(redact::reqwest_error(e)))
}
