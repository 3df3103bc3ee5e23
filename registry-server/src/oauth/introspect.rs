//! RFC 7662 token introspection: the token posted to the authorization
//! server's endpoint with this server's client credentials; the answer held
//! to the same audience, issuer and expiry rules as a JWT.

use serde_json::Value;

use super::Inner;
use super::jwt::{self, TokenError, Verified};

/// Asks the introspection endpoint about `token` at `now` (seconds).
pub(super) async fn introspect(inner: &Inner, token: &str, now: u64) -> Result<Verified, TokenError> {
    let Some(settings) = &inner.introspection else {
        return Err(TokenError::NotAJwt);
    };
    if token.len() > jwt::MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge);
    }
    let answer = inner
        .client
        .post_form(
            &settings.endpoint,
            "the introspection endpoint",
            &[("token", token), ("token_type_hint", "access_token")],
            (&settings.client_id, &settings.client_secret),
        )
        .await
        .map_err(|err| {
            tracing::warn!("token introspection failed: {err}");
            TokenError::Introspection
        })?;
    if answer.get("active") != Some(&Value::Bool(true)) {
        return Err(TokenError::Inactive);
    }
    if let Some(iss) = answer.get("iss") {
        let trusted = iss
            .as_str()
            .is_some_and(|iss| inner.issuers.iter().any(|source| source.issuer() == iss));
        if !trusted {
            let shown = iss.as_str().map_or_else(|| iss.to_string(), str::to_owned);
            return Err(TokenError::UntrustedIssuer(shown.chars().take(200).collect()));
        }
    }
    match answer.get("aud") {
        None => {}
        Some(Value::String(aud)) if *aud == inner.resource => {}
        Some(Value::Array(auds)) if auds.iter().any(|aud| aud.as_str() == Some(inner.resource.as_str())) => {}
        Some(_) => return Err(TokenError::Audience(inner.resource.clone())),
    }
    let exp = match answer.get("exp") {
        None => None,
        Some(exp) => Some(exp.as_u64().ok_or_else(|| TokenError::BadClaim("exp".into()))?),
    };
    if exp.is_some_and(|exp| exp + inner.leeway < now) {
        return Err(TokenError::Expired);
    }
    if let Some(nbf) = answer.get("nbf").and_then(Value::as_u64)
        && nbf > now + inner.leeway
    {
        return Err(TokenError::NotYetValid);
    }
    let reuse = now + inner.introspection_cache.as_secs();
    let cache_until = exp.map_or(reuse, |exp| exp.min(reuse));
    let principal = jwt::principal(answer)?;
    Ok(Verified { principal, cache_until })
}
