//! The token matrix at the Authenticator level, with keys from a JWKS file, plus HS256
//! mode and the configuration checks.

mod auth_support;

use auth_support::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use powersync_write_server::auth::{AuthConfig, AuthError, AuthMode, Authenticator};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A JWKS file holding `keys` and an Authenticator reading it.
async fn file_authenticator(
    keys: &[&TestKey],
    adjust: impl FnOnce(&mut AuthConfig),
) -> (TempDir, Authenticator) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, jwks(keys)).unwrap();
    let mut config = AuthConfig::jwks_file(&file, ISSUER, AUDIENCE);
    adjust(&mut config);
    let authenticator = Authenticator::new(&config, dir.path()).await.unwrap();
    (dir, authenticator)
}

async fn refused(authenticator: &Authenticator, token: &str) -> AuthError {
    match authenticator.verify(token).await {
        Ok(principal) => panic!("accepted a bad token as {principal:?}"),
        Err(error) => error,
    }
}

#[tokio::test]
async fn a_valid_token_gives_the_subject_and_every_claim() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let token = key.sign(&with(claims("user-1"), "role", json!("admin")));
    let principal = auth.verify(&token).await.unwrap();
    assert_eq!(principal.subject, "user-1");
    assert_eq!(principal.claims["role"], json!("admin"));
    assert_eq!(principal.claims["iss"], json!(ISSUER));
    assert_eq!(principal.claims["aud"], json!(AUDIENCE));
    assert_eq!(auth.mode(), AuthMode::Jwks);
}

#[tokio::test]
async fn rs256_ps256_es256_and_eddsa_keys_from_one_jwks_file() {
    let rs = rsa(Algorithm::RS256, "rsa-1");
    let ps = rsa(Algorithm::PS256, "rsa-pss-1");
    let es = es256("ec-1");
    let ed = ed25519("ed-1");
    let (_dir, auth) = file_authenticator(&[&rs, &ps, &es, &ed], |_| {}).await;
    for (key, sub) in [(&rs, "rs"), (&ps, "ps"), (&es, "es"), (&ed, "ed")] {
        let principal = auth.verify(&key.sign(&claims(sub))).await.unwrap();
        assert_eq!(principal.subject, sub);
    }
}

#[tokio::test]
async fn an_audience_list_containing_ours_is_accepted() {
    let key = es256("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let token = key.sign(&with(claims("u"), "aud", json!(["other", AUDIENCE])));
    assert_eq!(auth.verify(&token).await.unwrap().subject, "u");
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused_outside_the_leeway() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |c| c.leeway_seconds = 30).await;
    let expired = key.sign(&with(claims("u"), "exp", json!(now() - 120)));
    assert_eq!(refused(&auth, &expired).await, AuthError::Expired);
    let early = key.sign(&with(claims("u"), "nbf", json!(now() + 120)));
    assert_eq!(refused(&auth, &early).await, AuthError::NotYetValid);
}

#[tokio::test]
async fn tokens_within_the_leeway_are_accepted() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |c| c.leeway_seconds = 30).await;
    let just_expired = key.sign(&with(claims("u"), "exp", json!(now() - 10)));
    assert!(auth.verify(&just_expired).await.is_ok());
    let almost_valid = key.sign(&with(claims("u"), "nbf", json!(now() + 10)));
    assert!(auth.verify(&almost_valid).await.is_ok());
}

#[tokio::test]
async fn a_token_without_exp_is_refused() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let token = key.sign(&with(claims("u"), "exp", Value::Null));
    assert_eq!(
        refused(&auth, &token).await,
        AuthError::MissingClaim("exp".into())
    );
}

#[tokio::test]
async fn wrong_or_missing_issuer_and_audience_are_refused() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let cases = [
        (
            with(claims("u"), "iss", json!("https://evil.test/")),
            AuthError::WrongIssuer,
        ),
        (
            with(claims("u"), "aud", json!("someone-else")),
            AuthError::WrongAudience,
        ),
        (
            with(claims("u"), "aud", json!(["a", "b"])),
            AuthError::WrongAudience,
        ),
        (
            with(claims("u"), "iss", Value::Null),
            AuthError::MissingClaim("iss".into()),
        ),
        (
            with(claims("u"), "aud", Value::Null),
            AuthError::MissingClaim("aud".into()),
        ),
    ];
    for (claims, expected) in cases {
        assert_eq!(
            refused(&auth, &key.sign(&claims)).await,
            expected,
            "{claims}"
        );
    }
}

#[tokio::test]
async fn a_token_signed_by_another_key_with_the_same_kid_is_refused() {
    let trusted = ed25519("shared-kid");
    let attacker = ed25519("shared-kid");
    let (_dir, auth) = file_authenticator(&[&trusted], |_| {}).await;
    assert_eq!(
        refused(&auth, &attacker.sign(&claims("u"))).await,
        AuthError::InvalidSignature
    );
    let attacker_rsa = rsa(Algorithm::RS256, "rsa-kid");
    let trusted_rsa = es256("rsa-kid");
    let (_dir, auth) = file_authenticator(&[&trusted_rsa], |_| {}).await;
    // Same kid, different key type: the key cannot verify the token's algorithm.
    assert!(matches!(
        refused(&auth, &attacker_rsa.sign(&claims("u"))).await,
        AuthError::KeyAlgorithmMismatch { .. }
    ));
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let key = es256("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let token = key.sign(&claims("alice"));
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64(claims("mallory").to_string().as_bytes()),
        parts[2]
    );
    assert_eq!(refused(&auth, &forged).await, AuthError::InvalidSignature);
}

#[tokio::test]
async fn an_unknown_kid_is_refused_after_rereading_the_file() {
    let known = ed25519("known");
    let unknown = ed25519("unknown");
    let (_dir, auth) =
        file_authenticator(&[&known], |c| c.jwks_refresh.min_interval_seconds = 0).await;
    assert_eq!(
        refused(&auth, &unknown.sign(&claims("u"))).await,
        AuthError::UnknownKey {
            kid: "unknown".into()
        }
    );
}

#[tokio::test]
async fn a_key_added_to_the_file_is_picked_up_without_restart() {
    let old = ed25519("old");
    let new = es256("new");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jwks.json");
    std::fs::write(&file, jwks(&[&old])).unwrap();
    let mut config = AuthConfig::jwks_file(&file, ISSUER, AUDIENCE);
    config.jwks_refresh.min_interval_seconds = 0;
    let auth = Authenticator::new(&config, dir.path()).await.unwrap();
    assert!(matches!(
        refused(&auth, &new.sign(&claims("u"))).await,
        AuthError::UnknownKey { .. }
    ));
    std::fs::write(&file, jwks(&[&old, &new])).unwrap();
    assert_eq!(
        auth.verify(&new.sign(&claims("u"))).await.unwrap().subject,
        "u"
    );
    assert_eq!(
        auth.verify(&old.sign(&claims("u"))).await.unwrap().subject,
        "u"
    );
}

#[tokio::test]
async fn a_token_without_kid_uses_the_only_fitting_key() {
    let key = ed25519("k1");
    let other_type = es256("k2");
    let (_dir, auth) = file_authenticator(&[&key, &other_type], |_| {}).await;
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &claims("u"), &key.encoding).unwrap();
    assert_eq!(auth.verify(&token).await.unwrap().subject, "u");
    let second = ed25519("k3");
    let (_dir, auth) = file_authenticator(&[&key, &second], |_| {}).await;
    assert_eq!(refused(&auth, &token).await, AuthError::MissingKeyId);
}

#[tokio::test]
async fn missing_empty_or_non_string_sub_is_refused() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let cases = [
        (
            with(claims("u"), "sub", Value::Null),
            AuthError::MissingSubject,
        ),
        (with(claims("u"), "sub", json!("")), AuthError::EmptySubject),
        (
            with(claims("u"), "sub", json!(42)),
            AuthError::MissingSubject,
        ),
    ];
    for (claims, expected) in cases {
        assert_eq!(
            refused(&auth, &key.sign(&claims)).await,
            expected,
            "{claims}"
        );
    }
}

#[tokio::test]
async fn hs256_is_refused_when_asymmetric_keys_are_configured() {
    let key = rsa(Algorithm::RS256, "rsa-1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some("rsa-1".into());
    let secret = EncodingKey::from_secret(b"a guessable secret of enough length!");
    let token = jsonwebtoken::encode(&header, &claims("u"), &secret).unwrap();
    assert_eq!(
        refused(&auth, &token).await,
        AuthError::AlgorithmNotAllowed("HS256".into())
    );
}

#[tokio::test]
async fn alg_none_is_refused_in_every_spelling() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = json!({ "alg": alg, "typ": "JWT", "kid": "k1" });
        for token in [
            raw_token(&header, &claims("u"), b""),
            raw_token(&header, &claims("u"), b"sig"),
        ] {
            assert_eq!(
                refused(&auth, &token).await,
                AuthError::AlgorithmNotAllowed(alg.into())
            );
        }
    }
}

#[tokio::test]
async fn algorithms_outside_the_configured_allowlist_are_refused() {
    let rs = rsa(Algorithm::RS256, "rsa-1");
    let es = es256("ec-1");
    let (_dir, auth) =
        file_authenticator(&[&rs, &es], |c| c.algorithms = Some(vec![Algorithm::ES256])).await;
    assert!(auth.verify(&es.sign(&claims("u"))).await.is_ok());
    assert_eq!(
        refused(&auth, &rs.sign(&claims("u"))).await,
        AuthError::AlgorithmNotAllowed("RS256".into())
    );
}

#[tokio::test]
async fn malformed_tokens_are_refused_with_the_reason() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let good_header = json!({ "alg": "EdDSA", "kid": "k1" });
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "three"),
        ("abc".into(), "three"),
        ("a.b".into(), "three"),
        ("a.b.c.d".into(), "three"),
        ("a.b.c.d.e".into(), "JWE"),
        ("!!!.e30.sig".into(), "base64url"),
        (format!("{}.e30.sig", b64(b"not json")), "JSON object"),
        (format!("{}.e30.sig", b64(b"[1,2]")), "JSON object"),
        (format!("{}.e30.sig", b64(b"{\"typ\":\"JWT\"}")), "`alg`"),
        (
            format!("{}.e30.sig", b64(br#"{"alg":"EdDSA","kid":7}"#)),
            "`kid`",
        ),
        (
            format!(
                "{}.e30.sig",
                b64(br#"{"alg":"EdDSA","kid":"k1","crit":["exp"]}"#)
            ),
            "crit",
        ),
        ("x".repeat(20_000), "16 KiB"),
    ];
    for (token, reason) in cases {
        match refused(&auth, &token).await {
            AuthError::Malformed(message) => {
                assert!(message.contains(reason), "{token:.40}: {message}")
            }
            other => panic!("{token:.40}: expected Malformed({reason}), got {other:?}"),
        }
    }
    // A correctly signed token whose payload is not JSON.
    let header = b64(good_header.to_string().as_bytes());
    let payload = b64(b"not json");
    let message = format!("{header}.{payload}");
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &key.encoding, Algorithm::EdDSA).unwrap();
    let token = format!("{message}.{signature}");
    assert!(matches!(
        refused(&auth, &token).await,
        AuthError::Malformed(_)
    ));
}

#[tokio::test]
async fn error_messages_name_the_check_and_no_key_material() {
    let key = ed25519("k1");
    let (_dir, auth) = file_authenticator(&[&key], |_| {}).await;
    let error = refused(&auth, &ed25519("k1").sign(&claims("u"))).await;
    let text = error.to_string();
    assert_eq!(text, "the token's signature does not match");
    let x = match &key.jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => p.x.clone(),
        _ => unreachable!(),
    };
    assert!(!text.contains(&x));
}

#[tokio::test]
async fn a_jwks_file_that_is_missing_or_has_no_usable_key_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let missing = AuthConfig::jwks_file(dir.path().join("nope.json"), ISSUER, AUDIENCE);
    let error = Authenticator::new(&missing, dir.path())
        .await
        .err()
        .expect("missing file");
    assert!(error.to_string().contains("nope.json"), "{error}");
    let file = dir.path().join("oct.json");
    std::fs::write(
        &file,
        r#"{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"h"}]}"#,
    )
    .unwrap();
    let error = Authenticator::new(&AuthConfig::jwks_file(&file, ISSUER, AUDIENCE), dir.path())
        .await
        .err()
        .expect("oct only");
    assert!(
        error.to_string().contains("no usable signature key"),
        "{error}"
    );
}

// ---- HS256 mode -------------------------------------------------------------

const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

fn hs256_config() -> AuthConfig {
    AuthConfig {
        mode: Some(AuthMode::Hs256),
        hs256_secret: Some(SECRET.into()),
        issuers: vec![ISSUER.into()],
        audiences: vec![AUDIENCE.into()],
        ..AuthConfig::default()
    }
}

fn hs256_token(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

#[tokio::test]
async fn hs256_mode_accepts_tokens_signed_with_the_secret_only() {
    let dir = tempfile::tempdir().unwrap();
    let auth = Authenticator::new(&hs256_config(), dir.path())
        .await
        .unwrap();
    assert_eq!(auth.mode(), AuthMode::Hs256);
    let principal = auth
        .verify(&hs256_token(SECRET.as_bytes(), &claims("h")))
        .await
        .unwrap();
    assert_eq!(principal.subject, "h");
    let other = hs256_token(b"another-secret-of-sufficient-length!!", &claims("h"));
    assert_eq!(refused(&auth, &other).await, AuthError::InvalidSignature);
    let expired = hs256_token(
        SECRET.as_bytes(),
        &with(claims("h"), "exp", json!(now() - 3600)),
    );
    assert_eq!(refused(&auth, &expired).await, AuthError::Expired);
    let asymmetric = ed25519("k1").sign(&claims("h"));
    assert_eq!(
        refused(&auth, &asymmetric).await,
        AuthError::AlgorithmNotAllowed("EdDSA".into())
    );
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims("h"),
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap();
    assert_eq!(
        refused(&auth, &hs512).await,
        AuthError::AlgorithmNotAllowed("HS512".into())
    );
}

// ---- configuration ----------------------------------------------------------

fn parse(text: &str) -> Result<AuthConfig, String> {
    toml::from_str::<AuthConfig>(text).map_err(|e| e.to_string())
}

fn check_error(text: &str) -> String {
    let config = parse(text).unwrap();
    config
        .check()
        .expect_err("config should be refused")
        .to_string()
}

#[test]
fn nothing_configured_means_dev_mode_with_the_defaults() {
    let config = parse("").unwrap();
    assert_eq!(config, AuthConfig::default());
    assert_eq!(config.effective_mode(), AuthMode::Dev);
    assert_eq!(config.leeway_seconds, 30);
    assert_eq!(config.jwks_refresh.min_interval_seconds, 30);
    assert_eq!(config.jwks_refresh.timeout_seconds, 5);
    assert_eq!(config.jwks_refresh.cache_ttl_seconds, 300);
    config.check().unwrap();
}

#[test]
fn a_key_source_without_mode_implies_its_mode() {
    let jwks = parse("jwks_url = \"https://id.test/jwks\"\nissuers = [\"i\"]\naudiences = [\"a\"]")
        .unwrap();
    assert_eq!(jwks.effective_mode(), AuthMode::Jwks);
    jwks.check().unwrap();
    let hs = parse(&format!(
        "hs256_secret = \"{SECRET}\"\nissuers = [\"i\"]\naudiences = [\"a\"]"
    ))
    .unwrap();
    assert_eq!(hs.effective_mode(), AuthMode::Hs256);
    hs.check().unwrap();
}

#[test]
fn unknown_keys_and_unknown_algorithms_are_parse_errors() {
    assert!(parse("jwks_uri = \"x\"").unwrap_err().contains("jwks_uri"));
    assert!(parse("algorithms = [\"none\"]").is_err());
    assert!(
        parse("[jwks_refresh]\nmin_interval = 3")
            .unwrap_err()
            .contains("min_interval")
    );
}

#[test]
fn configurations_that_would_weaken_verification_are_refused() {
    let base = "jwks_file = \"k.json\"\n";
    let cases = [
        (format!("{base}audiences = [\"a\"]"), "issuers is empty"),
        (format!("{base}issuers = [\"i\"]"), "audiences is empty"),
        (
            format!("{base}issuers = [\"\"]\naudiences = [\"a\"]"),
            "empty string",
        ),
        (
            format!("{base}issuers = [\"i\"]\naudiences = [\"a\"]\nalgorithms = [\"HS256\"]"),
            "HS256",
        ),
        (
            format!("{base}issuers = [\"i\"]\naudiences = [\"a\"]\nalgorithms = []"),
            "algorithms is empty",
        ),
        (
            format!("{base}issuers = [\"i\"]\naudiences = [\"a\"]\nhs256_secret = \"{SECRET}\""),
            "hs256_secret",
        ),
        (
            format!("{base}jwks_url = \"https://x.test/\"\nissuers = [\"i\"]\naudiences = [\"a\"]"),
            "not both",
        ),
        (
            format!("{base}issuers = [\"i\"]\naudiences = [\"a\"]\nleeway_seconds = 3600"),
            "leeway_seconds",
        ),
        (
            "mode = \"jwks\"\nissuers = [\"i\"]\naudiences = [\"a\"]".to_string(),
            "needs jwks_file or jwks_url",
        ),
        (
            "mode = \"hs256\"\nissuers = [\"i\"]\naudiences = [\"a\"]".to_string(),
            "needs hs256_secret",
        ),
        (
            "hs256_secret = \"short\"\nissuers = [\"i\"]\naudiences = [\"a\"]".to_string(),
            "too short",
        ),
        (
            format!(
                "hs256_secret = \"{SECRET}\"\nissuers = [\"i\"]\naudiences = [\"a\"]\nalgorithms = [\"RS256\"]"
            ),
            "HS256",
        ),
        ("issuers = [\"i\"]".to_string(), "dev mode"),
        (
            "mode = \"dev\"\njwks_file = \"k.json\"".to_string(),
            "dev mode",
        ),
    ];
    for (text, expected) in cases {
        let error = check_error(&text);
        assert!(error.contains(expected), "{text:?}: {error}");
        assert!(error.starts_with("[auth] "), "{error}");
    }
}

#[test]
fn plain_http_jwks_urls_are_accepted_only_on_loopback_or_when_allowed() {
    let with_url = |url: &str, extra: &str| {
        parse(&format!(
            "jwks_url = \"{url}\"\nissuers = [\"i\"]\naudiences = [\"a\"]\n{extra}"
        ))
        .unwrap()
    };
    assert!(with_url("http://127.0.0.1:8080/jwks", "").check().is_ok());
    assert!(with_url("http://localhost/jwks", "").check().is_ok());
    assert!(with_url("http://[::1]:9/jwks", "").check().is_ok());
    let error = with_url("http://idp.internal/jwks", "")
        .check()
        .unwrap_err()
        .to_string();
    assert!(error.contains("jwks_allow_http"), "{error}");
    assert!(
        with_url("http://idp.internal/jwks", "jwks_allow_http = true")
            .check()
            .is_ok()
    );
    assert!(with_url("ftp://idp.internal/jwks", "").check().is_err());
    assert!(with_url("not a url", "").check().is_err());
}

#[test]
fn the_secret_never_appears_in_debug_output() {
    let text = format!("{:?}", hs256_config());
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains("<redacted>"));
}
