//! Authentication for REST and MCP alike: the [`Authorizer`] hook and
//! [`ApiKeys`], a bearer-token / API-key implementation.
//!
//! With an authorizer attached ([`ServerConfig::authorizer`](crate::ServerConfig::authorizer)),
//! every request to `/mcp` and to the REST routes must pass it before
//! anything else runs (`/docs`, `/openapi.json` and `/healthz` too when
//! [`ServerConfig::protect_docs`](crate::ServerConfig::protect_docs) is on).
//! A request it turns away gets
//!
//! - on REST: `401` with `WWW-Authenticate` and an `application/problem+json` body (`code: "unauthorized"`);
//! - on `/mcp`: HTTP `401` with `WWW-Authenticate` (what the MCP authorization
//!   specification asks of HTTP transports) and a JSON-RPC error body, code `-32001`;
//!
//! and `403` in both cases when the authorizer answers [`AuthError::Forbidden`].
//! The [`Principal`] it returns is put into the call's
//! [`Context`](registry_core::Context) (`ctx.principal()`), and the registry
//! checks each function's `scopes = [...]` against it: a missing scope is
//! `403` on REST and an `isError` result of kind `forbidden` on MCP.
//!
//! A credential in the query string (`?access_token=...`) is refused with a
//! 401 whatever the authorizer: it would end up in logs and caches.
//!
//! # OAuth
//!
//! The MCP authorization specification makes an HTTP MCP server an OAuth 2.1
//! resource server that advertises its authorization server through RFC 9728
//! protected resource metadata. With the `oauth` feature,
//! `ServerConfig::oauth` does all of it (JWT and introspection validation,
//! the metadata document, the challenges); API keys keep working beside it.
//! An authorizer of one's own takes part in the same challenges through
//! [`Authorizer::challenge_for`] (401) and [`Authorizer::insufficient_scope`]
//! (the 403 step-up challenge).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use axum::http::{HeaderMap, HeaderValue, header};
pub use registry_core::Principal;
use subtle::ConstantTimeEq as _;

/// A boxed future returned by [`Authorizer::authorize`].
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<Principal, AuthError>> + Send + 'a>>;

/// Decides who a request comes from, from its headers.
///
/// ```
/// use registry_server::auth::{AuthError, AuthFuture, Authorizer, Principal};
/// use axum::http::HeaderMap;
///
/// /// Lets in whoever names themselves in `x-user` (an example, not a scheme to use).
/// struct TrustHeader;
///
/// impl Authorizer for TrustHeader {
///     fn authorize<'a>(&'a self, headers: &'a HeaderMap) -> AuthFuture<'a> {
///         Box::pin(async move {
///             let user = headers.get("x-user").and_then(|v| v.to_str().ok());
///             match user {
///                 Some(user) => Ok(Principal::new(user, Vec::<String>::new())),
///                 None => Err(AuthError::Unauthorized("send x-user".into())),
///             }
///         })
///     }
/// }
/// ```
///
/// (`Any` lets the OAuth authorizer recognize [`ApiKeys`] beside it and check
/// them without a future; every `'static` type is `Any`.)
pub trait Authorizer: Any + Send + Sync + 'static {
    /// The principal behind a request, or why it is turned away.
    fn authorize<'a>(&'a self, headers: &'a HeaderMap) -> AuthFuture<'a>;

    /// The `WWW-Authenticate` value of a 401 (default `Bearer realm="api"`).
    /// An OAuth resource server adds `resource_metadata="..."` (RFC 9728) here.
    fn challenge(&self) -> HeaderValue {
        HeaderValue::from_static("Bearer realm=\"api\"")
    }

    /// The `WWW-Authenticate` value of a 401 answering a request with these
    /// `headers` that failed with `error` (default: [`Authorizer::challenge`]).
    /// An OAuth resource server adds `error="invalid_token"` here when a
    /// token was presented (RFC 6750 §3).
    fn challenge_for(&self, headers: &HeaderMap, error: &AuthError) -> HeaderValue {
        let _ = (headers, error);
        self.challenge()
    }

    /// The `WWW-Authenticate` value of the 403 answering an authenticated
    /// caller who lacks `missing`, one of the `required` scopes of the
    /// function called; `None` (the default) keeps the answer without a
    /// challenge (a `403` problem on REST, an `isError` result on MCP).
    /// With `Some`, REST answers `403` with this header and `/mcp` answers
    /// a `tools/call` with HTTP `403`, this header and a JSON-RPC error
    /// (code -32001), so the client can ask its authorization server for a
    /// token with more scopes (step-up authorization).
    fn insufficient_scope(&self, required: &[&str], missing: &str) -> Option<HeaderValue> {
        let _ = (required, missing);
        None
    }

    /// A short name for logs and `Debug`.
    fn name(&self) -> &'static str {
        "authorizer"
    }

    /// The credentials it reads, any one of which lets a request in: the
    /// OpenAPI document's `securitySchemes` and `security` (default: a
    /// bearer token).
    fn credentials(&self) -> &'static [Credential] {
        &[Credential::Bearer]
    }
}

/// A credential an [`Authorizer`] reads, as the OpenAPI document declares it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credential {
    /// `Authorization: Bearer TOKEN`: an `http` scheme `bearer`, named `bearer`.
    Bearer,
    /// A key sent in the named request header: an `apiKey` scheme `in: header`, named `apiKey`.
    ApiKeyHeader(&'static str),
}

impl fmt::Debug for dyn Authorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an [`Authorizer`] turned a request away.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// No credentials, or credentials that are not valid: 401.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials that may not use this server: 403.
    #[error("{0}")]
    Forbidden(String),
}

/// One accepted key.
#[derive(Clone)]
struct Key {
    secret: Vec<u8>,
    principal: Principal,
}

/// Static API keys, accepted as `Authorization: Bearer KEY` or `X-API-Key: KEY`,
/// compared in constant time.
///
/// The key list is text: entries separated by newlines or `;`, each a key
/// followed by optional `id=NAME` and `scopes=a,b` words; `#` starts a
/// comment line. A key without `id=` is known as `key-N` (its position, from
/// 1), so logs never show a secret.
///
/// ```
/// use registry_server::auth::ApiKeys;
///
/// let keys = ApiKeys::parse("s3cret id=ci scopes=admin,read; other-key").unwrap();
/// assert_eq!(keys.len(), 2);
/// let ci = keys.check(b"s3cret").unwrap();
/// assert_eq!(ci.id, "ci");
/// assert!(ci.has_scope("admin"));
/// assert_eq!(keys.check(b"other-key").unwrap().id, "key-2");
/// assert!(keys.check(b"nope").is_none());
/// ```
#[derive(Clone)]
pub struct ApiKeys {
    keys: Vec<Key>,
}

impl fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeys")
            .field(
                "ids",
                &self.keys.iter().map(|k| k.principal.id.as_str()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// A key list that could not be read or parsed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeysError {
    /// The file could not be read.
    #[error("cannot read the API key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// An entry is malformed.
    #[error("API key entry {entry}: {reason}")]
    Syntax {
        /// Its position, from 1.
        entry: usize,
        /// What is wrong.
        reason: String,
    },
    /// The list holds no key.
    #[error("the API key list is empty")]
    Empty,
}

impl ApiKeys {
    /// Parses a key list (see the type's documentation).
    pub fn parse(text: &str) -> Result<ApiKeys, KeysError> {
        let mut keys = Vec::new();
        let entries = text
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|e| !e.is_empty() && !e.starts_with('#'));
        for (index, entry) in entries.enumerate() {
            let number = index + 1;
            let mut words = entry.split_whitespace();
            let secret = words.next().unwrap_or_default();
            if secret.contains('=') && (secret.starts_with("id=") || secret.starts_with("scopes=")) {
                return Err(KeysError::Syntax {
                    entry: number,
                    reason: "the key must come first".into(),
                });
            }
            let mut principal = Principal::new(format!("key-{number}"), Vec::<String>::new());
            for word in words {
                match word.split_once('=') {
                    Some(("id", id)) if !id.is_empty() => principal.id = id.to_owned(),
                    Some(("scopes", scopes)) => {
                        principal.scopes = scopes.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
                    }
                    _ => {
                        return Err(KeysError::Syntax {
                            entry: number,
                            reason: format!("unexpected `{word}`; write `KEY [id=NAME] [scopes=a,b]`"),
                        });
                    }
                }
            }
            keys.push(Key {
                secret: secret.as_bytes().to_vec(),
                principal,
            });
        }
        if keys.is_empty() {
            return Err(KeysError::Empty);
        }
        Ok(ApiKeys { keys })
    }

    /// Reads a key list from `path`.
    pub fn from_file(path: impl AsRef<Path>) -> Result<ApiKeys, KeysError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| KeysError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Reads the key list from the environment: `API_KEYS` (the list itself)
    /// or `API_KEYS_FILE` (a file holding it); `Ok(None)` when neither is set.
    pub fn from_env() -> Result<Option<ApiKeys>, KeysError> {
        if let Some(text) = std::env::var_os("API_KEYS").filter(|v| !v.is_empty()) {
            return Self::parse(&text.to_string_lossy()).map(Some);
        }
        match std::env::var_os("API_KEYS_FILE").filter(|v| !v.is_empty()) {
            Some(path) => Self::from_file(path).map(Some),
            None => Ok(None),
        }
    }

    /// How many keys are accepted.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is accepted (never true for a parsed list).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The principal of `presented`, comparing it with every key in constant
    /// time (the time depends only on the key lengths, never on where bytes differ).
    pub fn check(&self, presented: &[u8]) -> Option<&Principal> {
        let mut found = None;
        // Every key is compared (no early exit on a match); `subtle` compares
        // two slices of the same length without an early exit on a differing byte.
        for key in &self.keys {
            if bool::from(key.secret.as_slice().ct_eq(presented)) {
                found = Some(&key.principal);
            }
        }
        found
    }

    /// The principal of the key that `headers` present, as [`Authorizer::authorize`] reads it.
    #[cfg(feature = "oauth")]
    pub(crate) fn principal_of(&self, headers: &HeaderMap) -> Option<&Principal> {
        presented(headers).and_then(|token| self.check(token))
    }
}

/// The credential a request presents: `Authorization: Bearer X` or `X-API-Key: X`.
fn presented(headers: &HeaderMap) -> Option<&[u8]> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let bytes = value.as_bytes();
        let (scheme, rest) = bytes.split_at(bytes.len().min(7));
        if scheme.eq_ignore_ascii_case(b"bearer ") {
            let token = rest.trim_ascii();
            return (!token.is_empty()).then_some(token);
        }
        return None;
    }
    headers
        .get("x-api-key")
        .map(|v| v.as_bytes().trim_ascii())
        .filter(|v| !v.is_empty())
}

impl Authorizer for ApiKeys {
    fn authorize<'a>(&'a self, headers: &'a HeaderMap) -> AuthFuture<'a> {
        let outcome = match presented(headers) {
            None => Err(AuthError::Unauthorized(
                "authentication required: send `Authorization: Bearer <key>` or `X-API-Key: <key>`".into(),
            )),
            Some(token) => self
                .check(token)
                .cloned()
                .ok_or_else(|| AuthError::Unauthorized("the API key is not valid".into())),
        };
        Box::pin(std::future::ready(outcome))
    }

    fn name(&self) -> &'static str {
        "api-keys"
    }

    fn credentials(&self) -> &'static [Credential] {
        &[Credential::Bearer, Credential::ApiKeyHeader("X-API-Key")]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_whole_keys() {
        let keys = ApiKeys::parse("abc").unwrap();
        assert!(keys.check(b"abc").is_some());
        assert!(keys.check(b"abd").is_none());
        assert!(keys.check(b"abcd").is_none());
        assert!(keys.check(b"ab").is_none());
        assert!(keys.check(b"").is_none());
    }

    #[test]
    fn parses_lists() {
        let keys = ApiKeys::parse("# comment\nk1 id=alice scopes=a,b\n\nk2\n").unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.check(b"k1").unwrap().scopes, ["a", "b"]);
        assert_eq!(keys.check(b"k2").unwrap().id, "key-2");
        assert!(matches!(ApiKeys::parse(" ; \n"), Err(KeysError::Empty)));
        assert!(matches!(
            ApiKeys::parse("k1 role=x"),
            Err(KeysError::Syntax { entry: 1, .. })
        ));
        assert!(format!("{keys:?}").contains("alice") && !format!("{keys:?}").contains("k1"));
    }

    #[test]
    fn reads_credentials() {
        let mut headers = HeaderMap::new();
        assert_eq!(presented(&headers), None);
        headers.insert("x-api-key", HeaderValue::from_static(" k "));
        assert_eq!(presented(&headers), Some(&b"k"[..]));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer t0k"));
        assert_eq!(presented(&headers), Some(&b"t0k"[..]));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic dTpw"));
        assert_eq!(presented(&headers), None);
    }
}
