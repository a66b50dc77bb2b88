//! Bearer-token authentication (DESIGN.md section 5, step 1): a JWT in, a verified
//! [`Principal`] out, or an [`AuthError`] that the service answers with 401.
//!
//! - `config`: the `[auth]` table and its checks;
//! - `jwks`: keys from a JWKS file or URL, cached and reloaded on an unknown `kid`;
//! - `verify`: header checks (algorithm allowlist, never `alg: none`) and claim checks;
//! - `dev`: the dev-mode keypair under the data folder and `mint_dev_token`.

mod config;
mod dev;
mod jwks;
mod verify;

use std::path::Path;
use std::time::Duration;

use jsonwebtoken::DecodingKey;

pub use self::config::{
    AuthConfig, AuthConfigError, AuthMode, DEFAULT_ASYMMETRIC_ALGORITHMS, JwksRefreshConfig,
    JwksSource, MAX_LEEWAY_SECONDS, MIN_HS256_SECRET_BYTES,
};
pub use self::dev::{DEV_AUDIENCE, DEV_ISSUER, DEV_KEYS_DIR, DevKey, DevKeyError, mint_dev_token};
pub use self::jwks::JwksError;
pub use jsonwebtoken::Algorithm;

use self::config::{Checked, ClaimRules};
use self::jwks::{KeyCache, Lookup, RefreshRefused};
use crate::vocab::Principal;

/// Why a token was refused. Every variant is answered with 401 but
/// [`AuthError::KeysUnavailable`] (503: the token may be good); the messages name the
/// failed check and never contain key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("the token's algorithm `{0}` is not accepted")]
    AlgorithmNotAllowed(String),
    #[error("no key with kid `{kid}` is known")]
    UnknownKey { kid: String },
    /// The token's key is not among the loaded ones and the JWKS could not be fetched
    /// to look for it: the key server is down, not the token wrong, so a client must
    /// not be logged out for it.
    #[error(
        "no key with kid `{kid}` is loaded and the JWKS could not be fetched to look for it; retry in {retry_after_seconds} s"
    )]
    KeysUnavailable {
        kid: String,
        retry_after_seconds: u32,
    },
    #[error("the token has no `kid` and no single key fits it")]
    MissingKeyId,
    #[error("the key `{kid}` cannot verify {algorithm} signatures")]
    KeyAlgorithmMismatch { kid: String, algorithm: String },
    #[error("the token's signature does not match")]
    InvalidSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet (nbf)")]
    NotYetValid,
    #[error("the token's issuer is not accepted")]
    WrongIssuer,
    #[error("the token's audience is not accepted")]
    WrongAudience,
    #[error("the token has no `sub` claim (or it is not a string)")]
    MissingSubject,
    #[error("the token's `sub` claim is empty")]
    EmptySubject,
    #[error("the token has no `{0}` claim")]
    MissingClaim(String),
    #[error("the token's `{0}` claim is malformed")]
    InvalidClaim(String),
}

/// Why an [`Authenticator`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error(transparent)]
    Config(#[from] AuthConfigError),
    #[error(transparent)]
    Jwks(#[from] JwksError),
    #[error(transparent)]
    DevKey(#[from] DevKeyError),
}

/// Where verification keys come from.
enum Keys {
    /// One fixed key: the HS256 secret, or the dev public key (named by its `kid`).
    Fixed {
        key: DecodingKey,
        kid: Option<String>,
    },
    Jwks(KeyCache),
}

/// Verifies bearer tokens as configured. Cheap to share behind an `Arc`.
pub struct Authenticator {
    mode: AuthMode,
    rules: ClaimRules,
    keys: Keys,
}

impl Authenticator {
    /// Checks `config` and loads the keys: the JWKS (file or URL; a failure stops the
    /// start), the HS256 secret, or in dev mode the keypair under `data_dir` (generated
    /// on first use).
    pub async fn new(
        config: &AuthConfig,
        data_dir: &Path,
    ) -> Result<Authenticator, AuthSetupError> {
        match config.checked()? {
            Checked::Dev => Authenticator::dev(data_dir, config.leeway_seconds),
            Checked::Hs256 { secret, claims } => Ok(Authenticator {
                mode: AuthMode::Hs256,
                rules: claims,
                keys: Keys::Fixed {
                    key: DecodingKey::from_secret(&secret),
                    kid: None,
                },
            }),
            Checked::Jwks {
                source,
                claims,
                refresh,
            } => Ok(Authenticator {
                mode: AuthMode::Jwks,
                rules: claims,
                keys: Keys::Jwks(KeyCache::open(source, refresh).await?),
            }),
        }
    }

    fn dev(data_dir: &Path, leeway_seconds: u64) -> Result<Authenticator, AuthSetupError> {
        let key = DevKey::load_or_create(data_dir)?;
        Ok(Authenticator {
            mode: AuthMode::Dev,
            rules: ClaimRules {
                algorithms: vec![Algorithm::EdDSA],
                issuers: vec![DEV_ISSUER.to_string()],
                audiences: vec![DEV_AUDIENCE.to_string()],
                leeway_seconds,
            },
            keys: Keys::Fixed {
                key: key.decoding_key()?,
                kid: Some(key.kid().to_string()),
            },
        })
    }

    /// The mode in force.
    pub fn mode(&self) -> AuthMode {
        self.mode
    }

    /// Verifies `token` (the bearer credential, without `Bearer `).
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let header = verify::read_header(token, &self.rules.algorithms)?;
        let key = match &self.keys {
            Keys::Fixed { key, kid: None } => key.clone(),
            Keys::Fixed {
                key,
                kid: Some(expected),
            } => match header.kid.as_deref() {
                Some(kid) if kid == expected => key.clone(),
                Some(kid) => {
                    return Err(AuthError::UnknownKey {
                        kid: verify::truncate(kid),
                    });
                }
                None => return Err(AuthError::MissingKeyId),
            },
            Keys::Jwks(cache) => jwks_key(cache, header.kid.as_deref(), header.algorithm).await?,
        };
        verify::verify_claims(token, header.algorithm, &key, &self.rules)
    }
}

/// Finds the key in the cache, reloading once (rate-limited) when the `kid` is unknown
/// and in passing when the cache is older than its TTL.
async fn jwks_key(
    cache: &KeyCache,
    kid: Option<&str>,
    algorithm: Algorithm,
) -> Result<DecodingKey, AuthError> {
    let mut keys = cache.current();
    if cache.is_stale(&keys) {
        // Best effort and never waiting on another reload: the old keys stay valid.
        let _ = cache.refresh(keys.generation, false).await;
        keys = cache.current();
    }
    let missing = || match kid {
        Some(kid) => AuthError::UnknownKey {
            kid: verify::truncate(kid),
        },
        None => AuthError::MissingKeyId,
    };
    match keys.lookup(kid, algorithm) {
        Lookup::Found(key) => return Ok(key),
        Lookup::WrongType => return Err(mismatch(kid, algorithm)),
        Lookup::Missing => {}
    }
    let unavailable = |retry_in: Duration| AuthError::KeysUnavailable {
        kid: verify::truncate(kid.unwrap_or("(none)")),
        // Whole seconds, rounded up, at least 1.
        retry_after_seconds: u32::try_from(retry_in.as_millis().div_ceil(1000))
            .unwrap_or(u32::MAX)
            .max(1),
    };
    match cache.refresh(keys.generation, true).await {
        Ok(()) => {}
        Err(RefreshRefused::RateLimited {
            last_failed: true,
            retry_in,
        }) => return Err(unavailable(retry_in)),
        Err(RefreshRefused::RateLimited { .. }) => {
            tracing::debug!(
                kid,
                "unknown kid; the JWKS was reloaded too recently to reload again"
            );
            return Err(missing());
        }
        Err(RefreshRefused::Failed { retry_in }) => return Err(unavailable(retry_in)),
    }
    match cache.current().lookup(kid, algorithm) {
        Lookup::Found(key) => Ok(key),
        Lookup::WrongType => Err(mismatch(kid, algorithm)),
        Lookup::Missing => Err(missing()),
    }
}

fn mismatch(kid: Option<&str>, algorithm: Algorithm) -> AuthError {
    AuthError::KeyAlgorithmMismatch {
        kid: verify::truncate(kid.unwrap_or_default()),
        algorithm: format!("{algorithm:?}"),
    }
}
