//! Dev mode: the keypair under the data folder, created once and reused, and the
//! tokens minted with it.

mod auth_support;

use std::time::Duration;

use auth_support::*;
use powersync_write_server::auth::{
    AuthConfig, AuthError, AuthMode, Authenticator, DEV_AUDIENCE, DEV_ISSUER, DEV_KEYS_DIR, DevKey,
    DevKeyError, mint_dev_token,
};
use serde_json::json;

const HOUR: Duration = Duration::from_secs(3600);

async fn dev_authenticator(data_dir: &std::path::Path) -> Authenticator {
    let auth = Authenticator::new(&AuthConfig::default(), data_dir)
        .await
        .unwrap();
    assert_eq!(auth.mode(), AuthMode::Dev);
    auth
}

#[tokio::test]
async fn a_minted_token_verifies_with_the_dev_claims() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("not-yet-created");
    let token = mint_dev_token(&data_dir, "dev-user", HOUR).unwrap();
    let principal = dev_authenticator(&data_dir)
        .await
        .verify(&token)
        .await
        .unwrap();
    assert_eq!(principal.subject, "dev-user");
    assert_eq!(principal.claims["iss"], json!(DEV_ISSUER));
    assert_eq!(principal.claims["aud"], json!(DEV_AUDIENCE));
    let exp = principal.claims["exp"].as_i64().unwrap();
    assert!((exp - now() - 3600).abs() <= 5, "exp {exp}");
}

#[tokio::test]
async fn the_keypair_is_created_once_and_reused_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let first = DevKey::load_or_create(dir.path()).unwrap();
    let token = first.mint("u", HOUR).unwrap();
    let pem_before = std::fs::read(dir.path().join(DEV_KEYS_DIR).join("private-key.pem")).unwrap();

    let again = DevKey::load_or_create(dir.path()).unwrap();
    assert_eq!(again.kid(), first.kid());
    let pem_after = std::fs::read(dir.path().join(DEV_KEYS_DIR).join("private-key.pem")).unwrap();
    assert_eq!(pem_before, pem_after);
    // A new authenticator over the same folder (a restart) accepts the earlier token.
    assert_eq!(
        dev_authenticator(dir.path())
            .await
            .verify(&token)
            .await
            .unwrap()
            .subject,
        "u"
    );
    let header = jsonwebtoken::decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(first.kid()));
}

#[test]
fn the_private_key_is_private_and_the_public_jwks_is_published() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let key = DevKey::load_or_create(dir.path()).unwrap();
    let keys = dir.path().join(DEV_KEYS_DIR);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&keys.join("private-key.pem")), 0o600);
    assert_eq!(mode(&keys), 0o700);
    let jwks: serde_json::Value =
        serde_json::from_slice(&std::fs::read(keys.join("jwks.json")).unwrap()).unwrap();
    let published = &jwks["keys"][0];
    assert_eq!(published["kid"], json!(key.kid()));
    assert_eq!(published["kty"], json!("OKP"));
    assert_eq!(published["crv"], json!("Ed25519"));
    assert!(published.get("d").is_none(), "no private part in the JWKS");
    let leftovers: Vec<_> = std::fs::read_dir(&keys)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
}

#[test]
fn processes_starting_at_once_end_up_with_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let kids: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    DevKey::load_or_create(dir.path())
                        .unwrap()
                        .kid()
                        .to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(kids.iter().all(|kid| kid == &kids[0]), "{kids:?}");
}

#[tokio::test]
async fn a_token_from_another_data_dir_is_refused() {
    let ours = tempfile::tempdir().unwrap();
    let theirs = tempfile::tempdir().unwrap();
    let auth = dev_authenticator(ours.path()).await;
    let foreign = mint_dev_token(theirs.path(), "u", HOUR).unwrap();
    assert!(matches!(
        auth.verify(&foreign).await,
        Err(AuthError::UnknownKey { .. })
    ));
    // Even when it claims our kid, the signature gives it away.
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(
        DevKey::load_or_create(ours.path())
            .unwrap()
            .kid()
            .to_string(),
    );
    let their_pem =
        std::fs::read(theirs.path().join(DEV_KEYS_DIR).join("private-key.pem")).unwrap();
    let their_key = jsonwebtoken::EncodingKey::from_ed_pem(&their_pem).unwrap();
    let dev_claims = json!({"sub": "u", "iss": DEV_ISSUER, "aud": DEV_AUDIENCE, "exp": now() + 60});
    let forged = jsonwebtoken::encode(&header, &dev_claims, &their_key).unwrap();
    assert_eq!(
        auth.verify(&forged).await.unwrap_err(),
        AuthError::InvalidSignature
    );
}

#[tokio::test]
async fn dev_mode_accepts_only_its_own_kind_of_token() {
    let dir = tempfile::tempdir().unwrap();
    let auth = dev_authenticator(dir.path()).await;
    let kid = DevKey::load_or_create(dir.path())
        .unwrap()
        .kid()
        .to_string();
    let es = es256(&kid);
    assert_eq!(
        auth.verify(&es.sign(&claims("u"))).await.unwrap_err(),
        AuthError::AlgorithmNotAllowed("ES256".into())
    );
    // A token expiring now is still within the default 30 s leeway.
    let expiring_now = DevKey::load_or_create(dir.path())
        .unwrap()
        .mint("u", Duration::ZERO)
        .unwrap();
    assert!(auth.verify(&expiring_now).await.is_ok());
    let none = raw_token(
        &json!({"alg": "none", "kid": kid}),
        &json!({"sub": "u"}),
        b"",
    );
    assert_eq!(
        auth.verify(&none).await.unwrap_err(),
        AuthError::AlgorithmNotAllowed("none".into())
    );
}

#[test]
fn an_empty_subject_cannot_be_minted() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        mint_dev_token(dir.path(), "", HOUR),
        Err(DevKeyError::EmptySubject)
    ));
}

#[test]
fn a_damaged_key_file_is_reported_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    DevKey::load_or_create(dir.path()).unwrap();
    let private = dir.path().join(DEV_KEYS_DIR).join("private-key.pem");
    std::fs::write(
        &private,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let error = DevKey::load_or_create(dir.path())
        .err()
        .expect("damaged key")
        .to_string();
    assert!(error.contains("delete the folder"), "{error}");
    assert!(!error.contains("AAAA"), "{error}");
}

#[test]
fn a_loosened_key_file_or_folder_is_refused_at_every_load() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    DevKey::load_or_create(dir.path()).unwrap();
    let keys = dir.path().join(DEV_KEYS_DIR);
    let private = keys.join("private-key.pem");
    let chmod = |path: &std::path::Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };

    chmod(&private, 0o644);
    for error in [
        DevKey::load_or_create(dir.path()).err().expect("refused"),
        mint_dev_token(dir.path(), "u", HOUR).expect_err("refused"),
    ] {
        let text = error.to_string();
        assert!(text.contains(&private.display().to_string()), "{text}");
        assert!(text.contains("mode 0644"), "{text}");
        assert!(
            text.contains(&format!("chmod 600 {}", private.display())),
            "{text}"
        );
        assert!(text.contains("delete it"), "{text}");
    }
    chmod(&private, 0o640);
    let text = DevKey::load_or_create(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        text.contains("mode 0640") && text.contains("its group"),
        "{text}"
    );

    chmod(&private, 0o600);
    chmod(&keys, 0o777);
    let text = DevKey::load_or_create(dir.path())
        .err()
        .expect("refused")
        .to_string();
    assert!(
        text.contains(&format!("chmod 700 {}", keys.display())),
        "{text}"
    );

    chmod(&keys, 0o700);
    DevKey::load_or_create(dir.path()).expect("0600 in 0700 is fine");
    // Tighter than needed is fine too.
    chmod(&private, 0o400);
    DevKey::load_or_create(dir.path()).expect("0400 is fine");
}
