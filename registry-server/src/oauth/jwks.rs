//! One issuer's signing keys: discovered (RFC 8414, else OpenID
//! configuration), fetched, cached, refreshed on an unknown `kid` at most
//! once per interval, kept when a refresh fails. The authorization server
//! metadata found on the way is kept too, for the OpenAPI document's OAuth
//! flows ([`KeySource::metadata`]), so it is fetched once for both.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde_json::{Map, Value};

use super::Issuer;
use super::fetch::Client;
use super::jwt::TokenError;

/// One usable verification key.
pub(super) struct Key {
    kid: Option<String>,
    /// The `alg` the JWK is restricted to, if any.
    alg: Option<Algorithm>,
    family: AlgorithmFamily,
    curve: Option<EllipticCurve>,
    decoding: DecodingKey,
}

impl Key {
    /// The key, for `jsonwebtoken::decode`.
    pub(super) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Whether this key may verify a token signed with `alg` and naming `kid`.
    fn fits(&self, kid: Option<&str>, alg: Algorithm) -> bool {
        let curve_fits = match (alg, &self.curve) {
            (Algorithm::ES256, Some(curve)) => *curve == EllipticCurve::P256,
            (Algorithm::ES384, Some(curve)) => *curve == EllipticCurve::P384,
            (Algorithm::EdDSA, Some(curve)) => *curve == EllipticCurve::Ed25519,
            _ => true,
        };
        (kid.is_none() || self.kid.as_deref() == kid)
            && self.family == alg.family()
            && self.alg.is_none_or(|own| own == alg)
            && curve_fits
    }
}

/// What is known of the issuer's keys.
#[derive(Default)]
struct State {
    keys: Arc<Vec<Arc<Key>>>,
    /// When the keys were last fetched successfully.
    fetched: Option<Instant>,
    /// When a fetch was last tried (successful or not).
    attempted: Option<Instant>,
    /// The JWKS address, configured or discovered.
    jwks_uri: Option<String>,
    /// Why the last fetch failed.
    failure: Option<String>,
    /// The issuer's metadata (RFC 8414 or OpenID), once fetched.
    metadata: Option<Arc<Map<String, Value>>>,
    /// When fetching the metadata was last tried.
    metadata_attempted: Option<Instant>,
    /// Whether a failure to fetch the metadata was logged at `WARN` already.
    metadata_warned: bool,
}

/// One trusted issuer and its keys.
pub(super) struct KeySource {
    config: Issuer,
    refresh_interval: Duration,
    max_age: Duration,
    state: RwLock<State>,
    /// Held while fetching, so concurrent misses wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
}

impl KeySource {
    /// The source of `config`'s keys.
    pub(super) fn new(config: Issuer, refresh_interval: Duration, max_age: Duration) -> Self {
        let state = State {
            jwks_uri: config.jwks_uri.clone(),
            ..State::default()
        };
        KeySource {
            config,
            refresh_interval,
            max_age,
            state: RwLock::new(state),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The issuer as configured.
    pub(super) fn config(&self) -> &Issuer {
        &self.config
    }

    /// The issuer identifier.
    pub(super) fn issuer(&self) -> &str {
        &self.config.issuer
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The keys that may verify a token signed with `alg` naming `kid`:
    /// from the cache, else after one fetch if the last one is at least the
    /// refresh interval old (or the cache is past its maximum age).
    pub(super) async fn keys_for(
        &self,
        client: &Client,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Vec<Arc<Key>>, TokenError> {
        let (fitting, fetch, attempted_before) = {
            let state = self.read();
            let fitting = fits(&state.keys, kid, alg);
            let stale = state.fetched.is_none_or(|at| at.elapsed() >= self.max_age);
            let may = state.attempted.is_none_or(|at| at.elapsed() >= self.refresh_interval);
            let needed = fitting.is_empty() || stale;
            (fitting, needed && may, state.attempted)
        };
        if !fetch {
            return self.answer(fitting, kid);
        }
        let _fetching = self.fetching.lock().await;
        // Another request may have fetched while this one waited.
        if self.read().attempted == attempted_before {
            self.refresh(client).await;
        }
        let fitting = fits(&self.read().keys, kid, alg);
        self.answer(fitting, kid)
    }

    fn answer(&self, fitting: Vec<Arc<Key>>, kid: Option<&str>) -> Result<Vec<Arc<Key>>, TokenError> {
        if !fitting.is_empty() {
            return Ok(fitting);
        }
        let state = self.read();
        match (&state.failure, state.keys.is_empty()) {
            (Some(failure), true) => Err(TokenError::KeysUnavailable(failure.clone())),
            _ => Err(TokenError::UnknownKey(kid.map_or_else(
                || "(no kid)".to_owned(),
                |kid| kid.chars().take(100).collect(),
            ))),
        }
    }

    /// Fetches the key set (discovering its address first if needed); a
    /// failure keeps the keys held and is logged.
    async fn refresh(&self, client: &Client) {
        let outcome = self.fetch(client).await;
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.attempted = Some(Instant::now());
        match outcome {
            Ok((uri, keys)) => {
                tracing::debug!(issuer = %self.config.issuer, keys = keys.len(), "fetched the JWKS");
                state.jwks_uri = Some(uri);
                state.keys = Arc::new(keys);
                state.fetched = Some(Instant::now());
                state.failure = None;
            }
            Err(failure) => {
                tracing::warn!(
                    issuer = %self.config.issuer,
                    keys_kept = state.keys.len(),
                    "cannot fetch the issuer's JWKS: {failure}; keeping the keys already held"
                );
                state.failure = Some(failure);
            }
        }
    }

    async fn fetch(&self, client: &Client) -> Result<(String, Vec<Arc<Key>>), String> {
        let known = self.read().jwks_uri.clone();
        let uri = match known {
            Some(uri) => uri,
            None => {
                let (metadata, url) = self.load_metadata(client).await?;
                jwks_uri_in(&metadata, &url)?
            }
        };
        let document = client.get_json(&uri, "the JWKS").await?;
        let keys = parse_jwks(&document).map_err(|reason| format!("the JWKS {uri} {reason}"))?;
        Ok((uri, keys))
    }
}

impl KeySource {
    /// The issuer's metadata: the cached document, else one fetch when
    /// none was tried within the refresh interval (`None` until then, and
    /// when the fetch fails: a later call tries again). Concurrent callers
    /// wait for one fetch, shared with the JWKS discovery.
    pub(super) async fn metadata(&self, client: &Client) -> Option<Arc<Map<String, Value>>> {
        let attempted_before = {
            let state = self.read();
            if let Some(metadata) = &state.metadata {
                return Some(Arc::clone(metadata));
            }
            if state
                .metadata_attempted
                .is_some_and(|at| at.elapsed() < self.refresh_interval)
            {
                return None;
            }
            state.metadata_attempted
        };
        let _fetching = self.fetching.lock().await;
        {
            let state = self.read();
            if state.metadata.is_some() || state.metadata_attempted != attempted_before {
                return state.metadata.clone();
            }
        }
        match self.load_metadata(client).await {
            Ok((metadata, _)) => Some(Arc::new(metadata)),
            Err(failure) => {
                let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
                if state.metadata_warned {
                    tracing::debug!(issuer = %self.config.issuer, "cannot fetch the issuer's metadata: {failure}");
                } else {
                    state.metadata_warned = true;
                    tracing::warn!(
                        issuer = %self.config.issuer,
                        "cannot fetch the issuer's metadata for the OpenAPI document's OAuth flows: {failure}; \
                         the document names its OpenID discovery document instead until a later request succeeds"
                    );
                }
                None
            }
        }
    }

    /// The metadata already held, without fetching.
    pub(super) fn cached_metadata(&self) -> Option<Arc<Map<String, Value>>> {
        self.read().metadata.clone()
    }

    /// Fetches the metadata (the caller holds `fetching`) and keeps it, with
    /// the `jwks_uri` it names when none is known; notes the attempt either way.
    async fn load_metadata(&self, client: &Client) -> Result<(Map<String, Value>, String), String> {
        let outcome = discover(client, &self.config.issuer).await;
        let mut state = self.state.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.metadata_attempted = Some(Instant::now());
        if let Ok((metadata, url)) = &outcome {
            tracing::debug!(issuer = %self.config.issuer, %url, "fetched the issuer's metadata");
            state.metadata = Some(Arc::new(metadata.clone()));
            if state.jwks_uri.is_none()
                && let Ok(uri) = jwks_uri_in(metadata, url)
            {
                state.jwks_uri = Some(uri);
            }
        }
        outcome
    }
}

fn fits(keys: &[Arc<Key>], kid: Option<&str>, alg: Algorithm) -> Vec<Arc<Key>> {
    keys.iter().filter(|key| key.fits(kid, alg)).cloned().collect()
}

/// The RFC 8414 metadata address of `issuer`: the well-known segment goes
/// between the host and the issuer's path.
fn rfc8414_url(issuer: &str) -> Option<String> {
    let url = reqwest::Url::parse(issuer).ok()?;
    let path = url.path().trim_end_matches('/');
    let mut origin = url.clone();
    origin.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    origin.set_query(None);
    Some(origin.to_string())
}

/// `issuer`'s metadata and where it was found: RFC 8414 first, then the
/// OpenID configuration; the document's `issuer` must be `issuer` exactly.
async fn discover(client: &Client, issuer: &str) -> Result<(Map<String, Value>, String), String> {
    let openid = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
    let mut failures = Vec::new();
    for url in rfc8414_url(issuer).into_iter().chain([openid]) {
        match client.get_json(&url, "the authorization server metadata").await {
            Ok(metadata) => {
                check_issuer(&metadata, issuer, &url)?;
                return Ok((metadata, url));
            }
            Err(err) => failures.push(err),
        }
    }
    Err(failures.join("; "))
}

fn check_issuer(metadata: &Map<String, Value>, issuer: &str, url: &str) -> Result<(), String> {
    match metadata.get("issuer").and_then(Value::as_str) {
        Some(found) if found == issuer => Ok(()),
        found => Err(format!(
            "the metadata at {url} names the issuer {found:?}, not `{issuer}` (RFC 8414 §3.3)"
        )),
    }
}

#[cfg(test)]
fn jwks_uri_of(metadata: &Map<String, Value>, issuer: &str, url: &str) -> Result<String, String> {
    check_issuer(metadata, issuer, url)?;
    jwks_uri_in(metadata, url)
}

fn jwks_uri_in(metadata: &Map<String, Value>, url: &str) -> Result<String, String> {
    metadata
        .get("jwks_uri")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("the metadata at {url} has no `jwks_uri`"))
}

/// The signature keys of a JWKS document; keys for encryption, of unknown
/// types or that do not parse are left out.
fn parse_jwks(document: &Map<String, Value>) -> Result<Vec<Arc<Key>>, String> {
    let Some(Value::Array(items)) = document.get("keys") else {
        return Err("has no `keys` array".into());
    };
    let mut keys = Vec::new();
    for item in items {
        let Ok(jwk) = serde_json::from_value::<Jwk>(item.clone()) else {
            continue;
        };
        if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
            continue;
        }
        let (family, curve) = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => (AlgorithmFamily::Rsa, None),
            AlgorithmParameters::EllipticCurve(params) => (AlgorithmFamily::Ec, Some(params.curve.clone())),
            AlgorithmParameters::OctetKeyPair(params) => (AlgorithmFamily::Ed, Some(params.curve.clone())),
            // A symmetric key in a JWKS is never a verification key here.
            _ => continue,
        };
        let alg = match jwk.common.key_algorithm {
            Some(key_alg) => match Algorithm::try_from(key_alg) {
                Ok(alg) => Some(alg),
                Err(_) => continue,
            },
            None => None,
        };
        let Ok(decoding) = DecodingKey::from_jwk(&jwk) else {
            continue;
        };
        keys.push(Arc::new(Key {
            kid: jwk.common.key_id.clone(),
            alg,
            family,
            curve,
            decoding,
        }));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn well_known_addresses() {
        assert_eq!(
            rfc8414_url("https://a.example.com").as_deref(),
            Some("https://a.example.com/.well-known/oauth-authorization-server")
        );
        assert_eq!(
            rfc8414_url("https://a.example.com/tenant/1/").as_deref(),
            Some("https://a.example.com/.well-known/oauth-authorization-server/tenant/1")
        );
    }

    #[test]
    fn metadata_must_name_the_issuer() {
        let metadata = |value: Value| match value {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        let good = metadata(json!({"issuer": "https://a", "jwks_uri": "https://a/jwks"}));
        assert_eq!(jwks_uri_of(&good, "https://a", "u").unwrap(), "https://a/jwks");
        let other = metadata(json!({"issuer": "https://b", "jwks_uri": "https://a/jwks"}));
        assert!(jwks_uri_of(&other, "https://a", "u").unwrap_err().contains("RFC 8414"));
        let none = metadata(json!({"issuer": "https://a"}));
        assert!(jwks_uri_of(&none, "https://a", "u").unwrap_err().contains("jwks_uri"));
    }

    #[test]
    fn jwks_keeps_signature_keys_only() {
        let document = match json!({"keys": [
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac"},
            {"kty": "EC", "crv": "P-256", "use": "enc", "kid": "enc",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "EC", "crv": "P-256", "kid": "sig",
             "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "weird"},
            "not a key"
        ]}) {
            Value::Object(object) => object,
            _ => unreachable!(),
        };
        let keys = parse_jwks(&document).unwrap();
        assert_eq!(keys.len(), 1);
        assert!(keys[0].fits(Some("sig"), Algorithm::ES256));
        assert!(!keys[0].fits(Some("sig"), Algorithm::ES384));
        assert!(!keys[0].fits(Some("sig"), Algorithm::RS256));
        assert!(!keys[0].fits(Some("other"), Algorithm::ES256));
        assert!(keys[0].fits(None, Algorithm::ES256));
        assert!(parse_jwks(&Map::new()).is_err());
    }
}
