//! Checking one token: its header (before any key is looked up), then the signature and
//! the claims through jsonwebtoken, then `sub`.

use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

use super::AuthError;
use super::config::ClaimRules;
use crate::vocab::Principal;

/// Tokens longer than this are refused before any parsing.
const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// `kid`s longer than this are cut in error messages.
const MAX_KID_IN_MESSAGE: usize = 100;

/// What the header says, once it is known to be acceptable.
pub(crate) struct TokenHeader {
    pub algorithm: Algorithm,
    pub kid: Option<String>,
}

/// Reads the header and checks its algorithm against the allowlist. `alg: none` and
/// every algorithm outside the allowlist stop here, before any key is looked up.
pub(crate) fn read_header(token: &str, allowed: &[Algorithm]) -> Result<TokenHeader, AuthError> {
    let malformed = |message: &str| Err(AuthError::Malformed(message.to_string()));
    if token.len() > MAX_TOKEN_BYTES {
        return malformed("longer than 16 KiB");
    }
    let parts: Vec<&str> = token.split('.').collect();
    let header_part = match parts.as_slice() {
        [header, _, _] => *header,
        [_, _, _, _, _] => {
            return malformed("an encrypted token (JWE); only signed tokens (JWS) are accepted");
        }
        _ => return malformed("not three dot-separated parts"),
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header_part) else {
        return malformed("the header is not base64url");
    };
    let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(&bytes) else {
        return malformed("the header is not a JSON object");
    };
    let Some(name) = header.get("alg").and_then(Value::as_str) else {
        return malformed("the header has no `alg`");
    };
    let refused = || AuthError::AlgorithmNotAllowed(truncate(name));
    // `none` is not an `Algorithm`, so it can never be in the allowlist.
    let algorithm: Algorithm = name.parse().map_err(|_| refused())?;
    if !allowed.contains(&algorithm) {
        return Err(refused());
    }
    // RFC 7515 4.1.11: an extension we do not understand must not be ignored.
    if header.contains_key("crit") {
        return malformed("the header has `crit` extensions, none of which is supported");
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return malformed("the header's `kid` is not a string"),
    };
    Ok(TokenHeader { algorithm, kid })
}

/// Checks the signature with `key`, then `exp`/`nbf` (with leeway), `iss`, `aud` and `sub`.
pub(crate) fn verify_claims(
    token: &str,
    algorithm: Algorithm,
    key: &DecodingKey,
    rules: &ClaimRules,
) -> Result<Principal, AuthError> {
    let mut validation = Validation::new(algorithm);
    validation.leeway = rules.leeway_seconds;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
    validation.set_issuer(&rules.issuers);
    validation.set_audience(&rules.audiences);
    let data = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation)
        .map_err(from_jwt_error)?;
    let claims = data.claims;
    let subject = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        Some(Value::String(_)) => return Err(AuthError::EmptySubject),
        _ => return Err(AuthError::MissingSubject),
    };
    Ok(Principal { subject, claims })
}

fn from_jwt_error(error: jsonwebtoken::errors::Error) -> AuthError {
    match error.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::InvalidSignature => AuthError::InvalidSignature,
        ErrorKind::MissingRequiredClaim(claim) if claim == "sub" => AuthError::MissingSubject,
        ErrorKind::MissingRequiredClaim(claim) => AuthError::MissingClaim(claim.clone()),
        ErrorKind::InvalidClaimFormat(claim) => AuthError::InvalidClaim(claim.clone()),
        ErrorKind::InvalidAlgorithm => AuthError::AlgorithmNotAllowed("for this key".to_string()),
        ErrorKind::Base64(_) => AuthError::Malformed("a part is not base64url".to_string()),
        ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
            AuthError::Malformed("the claims are not a JSON object".to_string())
        }
        ErrorKind::InvalidToken => AuthError::Malformed("not a JWT".to_string()),
        // Key errors (a key that cannot be read for this algorithm) surface as a bad
        // signature; the detail goes to the log only.
        other => {
            tracing::warn!(error = ?other, "token verification failed on the key");
            AuthError::InvalidSignature
        }
    }
}

/// A caller-controlled value, cut to a size fit for a message.
pub(crate) fn truncate(value: &str) -> String {
    match value.char_indices().nth(MAX_KID_IN_MESSAGE) {
        Some((end, _)) => format!("{}...", &value[..end]),
        None => value.to_string(),
    }
}
