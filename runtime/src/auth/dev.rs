//! Dev mode: an Ed25519 keypair generated once under `<data-dir>/dev-keys/` and reused
//! on later starts, and tokens signed with it (`powersync-write-server token`).
//!
//! Files: `private-key.pem` (PKCS#8, mode 0600, in a 0700 folder) and `jwks.json` (the
//! public key, e.g. for a PowerSync service that must accept the same dev tokens).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::json;

/// The `iss` of dev tokens.
pub const DEV_ISSUER: &str = "powersync-write-server-dev";
/// The `aud` of dev tokens.
pub const DEV_AUDIENCE: &str = "powersync-write-dev";
/// The folder under the data directory holding the dev keys.
pub const DEV_KEYS_DIR: &str = "dev-keys";

const PRIVATE_KEY_FILE: &str = "private-key.pem";
const JWKS_FILE: &str = "jwks.json";
/// PKCS#8 v1 header of an Ed25519 private key (RFC 8410), followed by the 32-byte seed.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

#[derive(Debug, thiserror::Error)]
pub enum DevKeyError {
    #[error("dev keys in {path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("the dev key {path} is unusable ({message}); delete the folder to generate a new one")]
    Unusable { path: PathBuf, message: String },
    #[error(
        "the dev key {} has mode {mode:04o}, so {who} can read or replace it and mint tokens; \
         run `chmod {fix:o} {}`, or delete it to generate a new key",
        path.display(),
        path.display()
    )]
    Loosened {
        path: PathBuf,
        mode: u32,
        who: &'static str,
        fix: u32,
    },
    #[error("a token needs a non-empty subject")]
    EmptySubject,
}

/// The dev keypair.
pub struct DevKey {
    kid: String,
    encoding: EncodingKey,
    public_jwk: Jwk,
}

impl DevKey {
    /// Loads the keypair under `data_dir`, generating it first if there is none.
    pub fn load_or_create(data_dir: &Path) -> Result<DevKey, DevKeyError> {
        let dir = data_dir.join(DEV_KEYS_DIR);
        create_private_dir(&dir)?;
        let private = dir.join(PRIVATE_KEY_FILE);
        if !private.exists() {
            generate(&dir, &private)?;
        }
        // At every load, not just at creation: a key whose permissions were loosened
        // since may have been read or swapped by someone else.
        check_private(&dir, 0o700)?;
        check_private(&private, 0o600)?;
        let pem = fs::read(&private).map_err(|e| io_error(&private, e))?;
        let key = from_pem(&pem, &private)?;
        key.write_jwks(&dir.join(JWKS_FILE))?;
        Ok(key)
    }

    /// The RFC 7638 thumbprint of the public key, used as `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key as a JWK (with `kid`, `alg` and `use`).
    pub fn public_jwk(&self) -> &Jwk {
        &self.public_jwk
    }

    pub(crate) fn decoding_key(&self) -> Result<DecodingKey, DevKeyError> {
        DecodingKey::from_jwk(&self.public_jwk).map_err(|e| DevKeyError::Unusable {
            path: PathBuf::from(&self.kid),
            message: e.to_string(),
        })
    }

    /// A token for `subject`, valid for `ttl` from now.
    pub fn mint(&self, subject: &str, ttl: Duration) -> Result<String, DevKeyError> {
        if subject.is_empty() {
            return Err(DevKeyError::EmptySubject);
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = json!({
            "sub": subject,
            "iss": DEV_ISSUER,
            "aud": DEV_AUDIENCE,
            "iat": now,
            "exp": now.saturating_add(ttl.as_secs()),
        });
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding).map_err(|e| DevKeyError::Unusable {
            path: PathBuf::from(PRIVATE_KEY_FILE),
            message: e.to_string(),
        })
    }

    fn write_jwks(&self, path: &Path) -> Result<(), DevKeyError> {
        let set = JwkSet {
            keys: vec![self.public_jwk.clone()],
        };
        let mut text = serde_json::to_string_pretty(&set).map_err(|e| io_error(path, e))?;
        text.push('\n');
        if fs::read_to_string(path).is_ok_and(|old| old == text) {
            return Ok(());
        }
        // Through a temporary file, so a reader never sees half a document.
        let temporary = path.with_extension(format!("json.{}.tmp", unique_suffix()));
        fs::write(&temporary, text).map_err(|e| io_error(&temporary, e))?;
        fs::rename(&temporary, path).map_err(|e| io_error(path, e))
    }
}

/// Mints a dev token for `subject` with the keypair under `data_dir` (created if absent).
pub fn mint_dev_token(
    data_dir: &Path,
    subject: &str,
    ttl: Duration,
) -> Result<String, DevKeyError> {
    DevKey::load_or_create(data_dir)?.mint(subject, ttl)
}

fn generate(dir: &Path, private: &Path) -> Result<(), DevKeyError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| io_error(private, e))?;
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(&seed);
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(&der)
    );
    // Written whole under a private name, then linked into place: two processes
    // starting at once both end up with the same key, and no one reads half a file.
    let temporary = dir.join(format!("{PRIVATE_KEY_FILE}.{}.tmp", unique_suffix()));
    let result = write_private(&temporary, pem.as_bytes()).and_then(|()| {
        match fs::hard_link(&temporary, private) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(io_error(private, e)),
        }
    });
    let _ = fs::remove_file(&temporary);
    if result.is_ok() {
        tracing::info!(path = %private.display(), "generated the dev-mode signing key");
    }
    result
}

fn from_pem(pem: &[u8], path: &Path) -> Result<DevKey, DevKeyError> {
    let unusable = |message: String| DevKeyError::Unusable {
        path: path.to_path_buf(),
        message,
    };
    let encoding = EncodingKey::from_ed_pem(pem).map_err(|e| unusable(e.to_string()))?;
    let mut public_jwk =
        Jwk::from_encoding_key(&encoding, Algorithm::EdDSA).map_err(|e| unusable(e.to_string()))?;
    let kid = public_jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| unusable(e.to_string()))?;
    public_jwk.common.key_id = Some(kid.clone());
    public_jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    Ok(DevKey {
        kid,
        encoding,
        public_jwk,
    })
}

/// A name part no other writer (process or thread) uses at the same time.
fn unique_suffix() -> String {
    let mut bytes = [0u8; 8];
    // Without randomness the process id still separates processes.
    let _ = getrandom::getrandom(&mut bytes);
    format!("{}-{}", std::process::id(), u64::from_le_bytes(bytes))
}

fn io_error(path: &Path, error: impl std::fmt::Display) -> DevKeyError {
    DevKeyError::Io {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<(), DevKeyError> {
    use std::os::unix::fs::DirBuilderExt;
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(io_error(dir, e)),
    }
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<(), DevKeyError> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, e))
}

/// Refuses a dev-key file or folder that others than its owner can read or write
/// (`fix` is the mode to restore). Only the other users' bits count: the owner's are
/// the owner's business.
#[cfg(unix)]
fn check_private(path: &Path, fix: u32) -> Result<(), DevKeyError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| io_error(path, e))?
        .permissions()
        .mode()
        & 0o7777;
    // The folder too (made 0700): with write rights on it, others could swap the key.
    if mode & 0o077 == 0 {
        return Ok(());
    }
    Err(DevKeyError::Loosened {
        path: path.to_path_buf(),
        mode,
        who: if mode & 0o007 != 0 {
            "every user"
        } else {
            "its group"
        },
        fix,
    })
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _fix: u32) -> Result<(), DevKeyError> {
    Ok(())
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DevKeyError> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, e))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), DevKeyError> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| io_error(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error(path, e))
}
