//! Test keys (generated at test time, never committed), tokens and JWKS documents for
//! the auth tests.
#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub const ISSUER: &str = "https://issuer.test/";
pub const AUDIENCE: &str = "powersync-test";

/// A signing key with its public JWK.
#[derive(Clone)]
pub struct TestKey {
    pub algorithm: Algorithm,
    pub kid: String,
    pub encoding: EncodingKey,
    pub jwk: Jwk,
}

impl TestKey {
    fn new(algorithm: Algorithm, kid: &str, encoding: EncodingKey) -> TestKey {
        let mut jwk = Jwk::from_encoding_key(&encoding, algorithm).expect("public JWK");
        jwk.common.key_id = Some(kid.to_string());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        TestKey {
            algorithm,
            kid: kid.to_string(),
            encoding,
            jwk,
        }
    }

    /// The same private key under another `kid`.
    pub fn renamed(&self, kid: &str) -> TestKey {
        TestKey::new(self.algorithm, kid, self.encoding.clone())
    }

    /// Signs `claims` with this key, `kid` in the header.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("sign")
    }
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes).expect("randomness");
    bytes
}

/// A fresh Ed25519 key (PKCS#8 v1 DER around a random seed).
pub fn ed25519(kid: &str) -> TestKey {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(&random_bytes::<32>());
    TestKey::new(Algorithm::EdDSA, kid, EncodingKey::from_ed_der(&der))
}

/// A fresh P-256 key (PKCS#8 DER around a random scalar, which is below the group
/// order with overwhelming probability).
pub fn es256(kid: &str) -> TestKey {
    let mut der = vec![
        0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
        0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25,
        0x02, 0x01, 0x01, 0x04, 0x20,
    ];
    der.extend_from_slice(&random_bytes::<32>());
    TestKey::new(Algorithm::ES256, kid, EncodingKey::from_ec_der(&der))
}

/// An RSA key, generated once per test binary (RSA generation is slow in debug builds).
pub fn rsa(algorithm: Algorithm, kid: &str) -> TestKey {
    static DER: OnceLock<Vec<u8>> = OnceLock::new();
    let der = DER.get_or_init(|| {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA key");
        key.to_pkcs1_der().expect("PKCS#1").as_bytes().to_vec()
    });
    TestKey::new(algorithm, kid, EncodingKey::from_rsa_der(der))
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64
}

/// Valid claims for `sub`, expiring in five minutes.
pub fn claims(sub: &str) -> Value {
    json!({ "sub": sub, "iss": ISSUER, "aud": AUDIENCE, "iat": now(), "exp": now() + 300 })
}

/// `claims` with `key` set to `value` (or removed when `value` is null).
pub fn with(mut claims: Value, key: &str, value: Value) -> Value {
    let object = claims.as_object_mut().expect("object");
    if value.is_null() {
        object.remove(key);
    } else {
        object.insert(key.to_string(), value);
    }
    claims
}

pub fn jwks(keys: &[&TestKey]) -> String {
    serde_json::to_string(&JwkSet {
        keys: keys.iter().map(|k| k.jwk.clone()).collect(),
    })
    .expect("JWKS")
}

pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A token assembled by hand from raw header and payload JSON and a raw signature.
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes()),
        b64(signature)
    )
}
