//! JWT access tokens: the header and the issuer read first (unverified, to
//! pick the key), then the signature and the registered claims checked by
//! `jsonwebtoken`, then `iat`, the holder and the scopes.

use std::sync::Arc;

use base64::Engine as _;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use registry_core::Principal;
use serde_json::{Map, Value};

use super::Inner;

/// The longest token read (bytes); a JWT access token is usually under 2 KiB.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Why a bearer token was refused (each a 401 with `error="invalid_token"`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Neither a JWT nor an API key, and no introspection is configured.
    #[error("the bearer token is not a JWT access token (nor an API key this server knows)")]
    NotAJwt,
    /// Longer than [`MAX_TOKEN_BYTES`].
    #[error("the access token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    /// Not three base64url segments of JSON objects.
    #[error("the access token is not a well-formed JWT: {0}")]
    Malformed(String),
    /// `alg: none`.
    #[error("unsigned tokens (`alg: none`) are refused")]
    Unsigned,
    /// An algorithm the configuration does not accept.
    #[error("the token's algorithm `{0}` is not accepted here")]
    Algorithm(String),
    /// `iss` names no trusted issuer.
    #[error("the token's issuer `{0}` is not trusted here")]
    UntrustedIssuer(String),
    /// The header's `kid` is in none of the issuer's keys, even after a refresh.
    #[error("the issuer has no key `{0}` for this token's algorithm")]
    UnknownKey(String),
    /// The issuer's keys could not be fetched and none are held.
    #[error("the issuer's signing keys are unavailable: {0}")]
    KeysUnavailable(String),
    /// The signature does not verify with the issuer's key.
    #[error("the token's signature does not verify")]
    Signature,
    /// `exp` has passed (beyond the leeway).
    #[error("the token has expired")]
    Expired,
    /// `nbf` is still ahead (beyond the leeway).
    #[error("the token is not valid yet (`nbf` is in the future)")]
    NotYetValid,
    /// `iat` is ahead (beyond the leeway).
    #[error("the token was issued in the future (`iat`)")]
    IssuedInFuture,
    /// `aud` does not name this resource.
    #[error("the token's audience does not include `{0}`")]
    Audience(String),
    /// A claim that must be there is not.
    #[error("the token has no `{0}` claim")]
    MissingClaim(String),
    /// A claim of the wrong type.
    #[error("the token's `{0}` claim is malformed")]
    BadClaim(String),
    /// Introspection answered `active: false`.
    #[error("the token is not active (introspection)")]
    Inactive,
    /// The introspection endpoint could not be asked (the reason is logged,
    /// not sent: it names the endpoint).
    #[error("the token could not be checked with the authorization server")]
    Introspection,
}

/// A verified token: its principal, and until when (seconds) it may be reused.
#[derive(Debug)]
pub(super) struct Verified {
    pub(super) principal: Principal,
    pub(super) cache_until: u64,
}

/// Seconds since the Unix epoch.
pub(super) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Whether `token` has a JWS compact shape: `header.payload.signature`
/// with a header and a payload (an empty signature is an `alg: none` token).
pub(super) fn looks_like_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(h), Some(p), Some(_), None) if !h.is_empty() && !p.is_empty()
    )
}

/// base64url, padded or not.
const BASE64URL: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// One segment of a JWT as a JSON object.
fn segment(text: &str, which: &str) -> Result<Map<String, Value>, TokenError> {
    let bytes = BASE64URL
        .decode(text)
        .map_err(|err| TokenError::Malformed(format!("the {which} is not base64url: {err}")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(TokenError::Malformed(format!("the {which} is not a JSON object"))),
        Err(err) => Err(TokenError::Malformed(format!("the {which} is not JSON: {err}"))),
    }
}

/// The header's algorithm, refused unless accepted.
fn algorithm(header: &Map<String, Value>, accepted: &[Algorithm]) -> Result<Algorithm, TokenError> {
    let Some(name) = header.get("alg").and_then(Value::as_str) else {
        return Err(TokenError::Malformed("the header has no `alg`".into()));
    };
    if name.eq_ignore_ascii_case("none") {
        return Err(TokenError::Unsigned);
    }
    match name.parse::<Algorithm>() {
        Ok(alg) if accepted.contains(&alg) => Ok(alg),
        _ => Err(TokenError::Algorithm(name.chars().take(32).collect())),
    }
}

/// Checks `token` against the configuration in `inner` at `now` (seconds).
pub(super) async fn verify(inner: &Inner, token: &str, now: u64) -> Result<Verified, TokenError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return Err(TokenError::Malformed("it does not have three segments".into()));
    };
    let header = segment(header, "header")?;
    let alg = algorithm(&header, &inner.algorithms)?;
    let unverified = segment(payload, "payload")?;
    let issuer = match unverified.get("iss") {
        Some(Value::String(iss)) => iss,
        Some(_) => return Err(TokenError::BadClaim("iss".into())),
        None => return Err(TokenError::MissingClaim("iss".into())),
    };
    let Some(source) = inner.issuers.iter().find(|source| source.issuer() == issuer) else {
        return Err(TokenError::UntrustedIssuer(issuer.chars().take(200).collect()));
    };
    let validation = validation(inner, source.issuer(), alg);
    let claims = if super::is_hmac(alg) {
        // `build` refuses HMAC algorithms without a shared secret.
        let key = inner
            .hmac_key
            .as_ref()
            .ok_or(TokenError::Algorithm(format!("{alg:?}")))?;
        decode(token, key, &validation, inner)?
    } else {
        let kid = header.get("kid").and_then(Value::as_str);
        let keys = source.keys_for(&inner.client, kid, alg).await?;
        let mut outcome = Err(TokenError::Signature);
        for key in keys {
            match decode(token, key.decoding(), &validation, inner) {
                Err(TokenError::Signature) => continue,
                other => {
                    outcome = other;
                    break;
                }
            }
        }
        outcome?
    };
    match claims.get("iat") {
        None => {}
        Some(Value::Number(iat)) if iat.as_f64().is_some_and(|iat| iat <= (now + inner.leeway) as f64) => {}
        Some(Value::Number(_)) => return Err(TokenError::IssuedInFuture),
        Some(_) => return Err(TokenError::BadClaim("iat".into())),
    }
    // `jsonwebtoken` has checked `exp`, which may be a fraction (NumericDate).
    let exp = claims
        .get("exp")
        .and_then(|exp| {
            exp.as_u64()
                .or_else(|| exp.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        })
        .ok_or_else(|| TokenError::BadClaim("exp".into()))?;
    let principal = principal(claims)?;
    Ok(Verified {
        principal,
        cache_until: exp,
    })
}

/// What `jsonwebtoken` checks: the signature, `exp`, `nbf`, `iss`, `aud`.
fn validation(inner: &Inner, issuer: &str, alg: Algorithm) -> Validation {
    let mut validation = Validation::new(alg);
    validation.set_required_spec_claims(&["exp", "iss", "aud"]);
    validation.leeway = inner.leeway;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[inner.resource.as_str()]);
    validation
}

/// `jsonwebtoken::decode`, its errors as [`TokenError`]s.
fn decode(
    token: &str,
    key: &jsonwebtoken::DecodingKey,
    validation: &Validation,
    inner: &Inner,
) -> Result<Map<String, Value>, TokenError> {
    match jsonwebtoken::decode::<Map<String, Value>>(token, key, validation) {
        Ok(data) => Ok(data.claims),
        Err(err) => Err(match err.kind() {
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidEddsaKey
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidKeyFormat => TokenError::Signature,
            ErrorKind::ExpiredSignature => TokenError::Expired,
            ErrorKind::ImmatureSignature => TokenError::NotYetValid,
            ErrorKind::InvalidAudience => TokenError::Audience(inner.resource.clone()),
            ErrorKind::InvalidIssuer => TokenError::BadClaim("iss".into()),
            ErrorKind::MissingRequiredClaim(claim) => TokenError::MissingClaim(claim.clone()),
            ErrorKind::InvalidClaimFormat(claim) => TokenError::BadClaim(claim.clone()),
            ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::UnsupportedAlgorithm => {
                TokenError::Algorithm(format!("{:?}", validation.algorithms.first()))
            }
            _ => TokenError::Malformed(err.to_string()),
        }),
    }
}

/// The holder (`sub`, else `client_id`) and scopes (`scope`, else `scp`) of
/// verified `claims`, which the principal keeps.
pub(super) fn principal(claims: Map<String, Value>) -> Result<Principal, TokenError> {
    let text = |name: &str| match claims.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Ok(Some(text.clone())),
        None | Some(Value::Null | Value::String(_)) => Ok(None),
        Some(_) => Err(TokenError::BadClaim(name.into())),
    };
    let id = match text("sub")? {
        Some(sub) => sub,
        None => text("client_id")?.ok_or_else(|| TokenError::MissingClaim("sub".into()))?,
    };
    let present = |name: &str| claims.get(name).filter(|value| !value.is_null());
    let scopes = match (present("scope"), present("scp")) {
        (Some(Value::String(scope)), _) => scope.split_whitespace().map(str::to_owned).collect(),
        (Some(_), _) => return Err(TokenError::BadClaim("scope".into())),
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| TokenError::BadClaim("scp".into()))?,
        (None, Some(Value::String(scp))) => scp.split_whitespace().map(str::to_owned).collect(),
        (None, Some(_)) => return Err(TokenError::BadClaim("scp".into())),
        (None, None) => Vec::new(),
    };
    Ok(Principal {
        id,
        scopes,
        claims: Some(Arc::new(claims)),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => unreachable!(),
        }
    }

    #[test]
    fn shapes_and_headers() {
        assert!(looks_like_jwt("a.b.c"));
        assert!(looks_like_jwt("a.b."));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt("opaque"));
        let accepted = [Algorithm::RS256];
        assert_eq!(
            algorithm(&object(json!({"alg": "none"})), &accepted),
            Err(TokenError::Unsigned)
        );
        assert_eq!(
            algorithm(&object(json!({"alg": "NONE"})), &accepted),
            Err(TokenError::Unsigned)
        );
        assert_eq!(
            algorithm(&object(json!({"alg": "HS256"})), &accepted),
            Err(TokenError::Algorithm("HS256".into()))
        );
        assert!(matches!(
            algorithm(&object(json!({})), &accepted),
            Err(TokenError::Malformed(_))
        ));
        assert_eq!(
            algorithm(&object(json!({"alg": "RS256"})), &accepted),
            Ok(Algorithm::RS256)
        );
        assert!(matches!(segment("!!", "header"), Err(TokenError::Malformed(_))));
        assert!(matches!(segment("WzFd", "header"), Err(TokenError::Malformed(m)) if m.contains("object")));
    }

    #[test]
    fn principals_from_claims() {
        let p = principal(object(json!({"sub": "alice", "scope": "read  write"}))).unwrap();
        assert_eq!(
            (p.id.as_str(), p.scopes.clone()),
            ("alice", vec!["read".into(), "write".into()])
        );
        assert_eq!(p.claim("sub"), Some(&json!("alice")));
        let p = principal(object(json!({"client_id": "ci", "scp": ["a", "b"]}))).unwrap();
        assert_eq!((p.id.as_str(), p.scopes.len()), ("ci", 2));
        assert_eq!(
            principal(object(json!({"scope": "a"}))),
            Err(TokenError::MissingClaim("sub".into()))
        );
        assert_eq!(
            principal(object(json!({"sub": 7}))),
            Err(TokenError::BadClaim("sub".into()))
        );
        assert_eq!(
            principal(object(json!({"sub": "a", "scp": [1]}))),
            Err(TokenError::BadClaim("scp".into()))
        );
        assert_eq!(
            principal(object(json!({"sub": "a", "scope": ["a"]}))),
            Err(TokenError::BadClaim("scope".into()))
        );
    }
}
