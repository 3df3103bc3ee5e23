//! OAuth 2.1 resource server (feature `oauth`): access tokens checked on
//! `/mcp` and the REST routes, RFC 9728 protected resource metadata, and the
//! `WWW-Authenticate` challenges clients act on. API keys keep working
//! beside it, each credential checked by its own rules.
//!
//! ```no_run
//! use registry_server::ServerConfig;
//! use registry_server::oauth::OAuthConfig;
//!
//! # fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let oauth = OAuthConfig::new("https://api.example.com/mcp")
//!     .issuer("https://auth.example.com")
//!     .build()?;
//! let config = ServerConfig::default().oauth(oauth);
//! # let _ = config; Ok(())
//! # }
//! ```
//!
//! # What a token must be
//!
//! A JWT access token ([`jwt`] rules) is accepted when
//!
//! - its `alg` is one of [`OAuthConfig::algorithms`] (by default every
//!   asymmetric one: `RS256/384/512`, `PS256/384/512`, `ES256/384`,
//!   `EdDSA`); `none` is always refused, and the HMAC algorithms only with a
//!   [`shared_secret`](OAuthConfig::shared_secret), never with a key of the
//!   issuer's JWKS;
//! - its signature verifies with a key of the issuer's JWKS (the `kid`
//!   named in the header, else every key of the algorithm's family);
//! - `iss` is exactly one of the trusted issuers; `aud` (a string or an
//!   array) contains the [resource URI](OAuthConfig::new); `exp` is in the
//!   future and `nbf` and `iat` (when present) are not, each with
//!   [`leeway`](OAuthConfig::leeway);
//! - it names its holder: `sub`, else `client_id`, becomes
//!   [`Principal::id`](registry_core::Principal::id); `scope` (space
//!   separated) or `scp` (an array) become its scopes, and the whole payload
//!   its [`claims`](registry_core::Principal::claims) (`ctx.principal()`).
//!
//! The header's `typ` is not required to be `at+jwt` (RFC 9068): many
//! issuers send `JWT`, and an ID token, whose `aud` is a client id, fails
//! the audience check anyway. Unknown `crit` header parameters are refused.
//!
//! A token that is not a JWT (or names an issuer this server does not
//! trust) goes to RFC 7662 [introspection](OAuthConfig::introspection) when
//! configured: `active: false` is a 401, and `aud`, `iss` and `exp`, when the
//! answer has them, are held to the same rules.
//!
//! # Keys and caches
//!
//! Each issuer's JWKS comes from [`Issuer::jwks_uri`] or, when not given, from
//! its RFC 8414 metadata (`/.well-known/oauth-authorization-server`), else its
//! OpenID configuration (`/.well-known/openid-configuration`), whose
//! `issuer` must be the configured one. Every fetch has a
//! [timeout](OAuthConfig::http_timeout) and a [size cap](OAuthConfig::max_document_bytes),
//! follows no redirect, ignores proxy variables and needs `https` (plain
//! `http` only to a loopback host, and only with
//! [`allow_http_loopback`](OAuthConfig::allow_http_loopback)).
//! Keys are cached; a `kid` not in the cache refetches the set at most once
//! per [`refresh_interval`](OAuthConfig::refresh_interval), so a flood of
//! bogus `kid`s is not a flood of fetches, and a failed fetch keeps the keys
//! already held (logged at `WARN`). Verified tokens are cached by a keyed
//! hash of the token (128-bit SipHash-1-3 under a random key of the process;
//! never the token itself) until their `exp` (introspected ones for at most
//! [`introspection_cache`](OAuthConfig::introspection_cache)).
//! Everything happens in the request path, with nothing in the background:
//! on Lambda the caches live as long as the warm instance.
//!
//! # Challenges and step-up
//!
//! - no credential: `401`, `WWW-Authenticate: Bearer resource_metadata="<url>", scope="<scopes>"`
//!   (`scope`: every scope a function declares);
//! - a token that is not valid: the same plus `error="invalid_token"` and an
//!   `error_description`; a malformed `Authorization` header or another
//!   scheme: `error="invalid_request"`; a token in the query string is
//!   refused the same way;
//! - a valid token without a function's scopes: `403`,
//!   `WWW-Authenticate: Bearer error="insufficient_scope", scope="<required>", resource_metadata="<url>", error_description="..."`.
//!   REST answers it with the `forbidden` problem; `/mcp` answers a
//!   `tools/call`, `prompts/get` or `resources/read` with HTTP `403`, the
//!   same header and a JSON-RPC error (-32001) rather than an `isError`
//!   result: the MCP authorization specification puts step-up in the HTTP
//!   layer ("403 Forbidden" with `error="insufficient_scope"`), and the
//!   function, and so its scopes, is known from the body before the call
//!   (the tool or prompt name, the resource URI; on 2026-07-28 also from
//!   `Mcp-Name`).
//!
//! `<url>` is the RFC 9728 metadata address of the resource URI
//! (`https://host/.well-known/oauth-protected-resource/mcp` for
//! `https://host/mcp`). The document (`resource`, `authorization_servers`,
//! `scopes_supported`, `bearer_methods_supported`) is served at
//! `/.well-known/oauth-protected-resource`, its path-aware
//! `/.well-known/oauth-protected-resource/mcp`, the resource URI's own path,
//! and under [`ServerConfig::path_prefix`](crate::ServerConfig::path_prefix)
//! both inside the prefix and at the root with the prefix appended.
//! Nothing of this applies to stdio, which takes its credentials from the
//! environment.
//!
//! # Where clients see the scopes
//!
//! - `tools/list`: each tool has `securitySchemes: [{"type": "oauth2", "scopes": [...]}]`
//!   (its own scopes; every tool needs a token, so none is `noauth`), which
//!   hosted clients read to ask for the right scopes at once;
//! - `/openapi.json` (and `/openapi-3.0.json`): an `oauth2` security scheme
//!   `oauth` whose `flows` (`clientCredentials`, `authorizationCode`) come
//!   from the first issuer's metadata (the one the JWKS discovery caches,
//!   fetched by the document's first request otherwise) or from
//!   [`Issuer::token_endpoint`] / [`Issuer::authorization_endpoint`], with
//!   every scope and the functions needing it; `openIdConnect`, naming the
//!   issuer's discovery document, while the metadata cannot be had (offline
//!   builds without configured endpoints, an unreachable issuer: retried on
//!   a later request). Beside it the `bearer` scheme when API keys are
//!   accepted too; the root `security` and each operation list `oauth` with
//!   its scopes;
//! - the RFC 9728 document's `scopes_supported` and the challenges above.
//!
//! # Crates
//!
//! Signatures are checked by [`jsonwebtoken`] (the most used JWT crate,
//! kept up to date, with JWK parsing and an RFC 7519 claims validator) on its
//! `aws_lc_rs` backend: aws-lc-rs is already the TLS provider of `reqwest`'s
//! `rustls` feature, which fetches the JWKS and calls introspection, so the
//! feature brings one crypto library rather than two (the `rust_crypto`
//! backend would add the `rsa` crate, whose verification path is fine but
//! which carries an open timing advisory for decryption).

mod cache;
mod fetch;
mod introspect;
mod jwks;
pub mod jwt;
mod metadata;
mod openapi;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
pub use jsonwebtoken::Algorithm;
use registry_core::{Principal, Registry};

use crate::ServerConfig;
use crate::auth::{ApiKeys, AuthError, AuthFuture, Authorizer};

pub(crate) use metadata::{prefixed_routes, routes};
pub(crate) use openapi::{document_security, set_scheme};

/// One trusted authorization server: its issuer identifier and, optionally,
/// where its JWKS is (discovered from its metadata when not given) and its
/// token and authorization endpoints (for the OpenAPI document's OAuth
/// flows; taken from its metadata when not given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issuer {
    issuer: String,
    jwks_uri: Option<String>,
    token_endpoint: Option<String>,
    authorization_endpoint: Option<String>,
}

impl Issuer {
    /// The authorization server whose `iss` is `issuer` (compared exactly).
    pub fn new(issuer: impl Into<String>) -> Self {
        Issuer {
            issuer: issuer.into(),
            jwks_uri: None,
            token_endpoint: None,
            authorization_endpoint: None,
        }
    }

    /// Reads the keys from `uri` instead of discovering it.
    #[must_use]
    pub fn jwks_uri(mut self, uri: impl Into<String>) -> Self {
        self.jwks_uri = Some(uri.into());
        self
    }

    /// The issuer's token endpoint, for the OpenAPI document's
    /// `clientCredentials` (and, with
    /// [`authorization_endpoint`](Self::authorization_endpoint),
    /// `authorizationCode`) flow. When this issuer is the first one and an
    /// endpoint is given, the document uses the configured endpoints and
    /// never fetches the issuer's metadata for them: what an offline build
    /// (the CLI's `openapi`) needs to describe the flows.
    #[must_use]
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// The issuer's authorization endpoint, for the OpenAPI document's
    /// `authorizationCode` flow (which also needs the
    /// [`token_endpoint`](Self::token_endpoint)).
    #[must_use]
    pub fn authorization_endpoint(mut self, url: impl Into<String>) -> Self {
        self.authorization_endpoint = Some(url.into());
        self
    }

    /// The configured endpoints as a metadata document, when any is given.
    fn explicit_metadata(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        if self.token_endpoint.is_none() && self.authorization_endpoint.is_none() {
            return None;
        }
        let mut metadata = serde_json::Map::new();
        metadata.insert("issuer".into(), self.issuer.clone().into());
        if let Some(url) = &self.token_endpoint {
            metadata.insert("token_endpoint".into(), url.clone().into());
        }
        if let Some(url) = &self.authorization_endpoint {
            metadata.insert("authorization_endpoint".into(), url.clone().into());
        }
        Some(metadata)
    }
}

impl From<&str> for Issuer {
    fn from(issuer: &str) -> Self {
        Issuer::new(issuer)
    }
}

impl From<String> for Issuer {
    fn from(issuer: String) -> Self {
        Issuer::new(issuer)
    }
}

/// The RFC 7662 introspection endpoint and the client credentials this
/// server authenticates to it with (HTTP Basic, `client_secret_basic`).
#[derive(Clone)]
pub struct Introspection {
    endpoint: String,
    client_id: String,
    client_secret: String,
}

impl Introspection {
    /// Introspects at `endpoint` as `client_id` with `client_secret`.
    pub fn new(endpoint: impl Into<String>, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Introspection {
            endpoint: endpoint.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for Introspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Introspection")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// The settings of the OAuth resource server, checked by [`OAuthConfig::build`].
///
/// | setting | default |
/// | --- | --- |
/// | [`algorithms`](Self::algorithms) | every asymmetric one |
/// | [`leeway`](Self::leeway) | 30 s |
/// | [`http_timeout`](Self::http_timeout) | 5 s |
/// | [`max_document_bytes`](Self::max_document_bytes) | 256 KiB |
/// | [`refresh_interval`](Self::refresh_interval) | 60 s |
/// | [`jwks_max_age`](Self::jwks_max_age) | 1 h |
/// | [`token_cache_entries`](Self::token_cache_entries) | 10 000 |
/// | [`introspection_cache`](Self::introspection_cache) | 60 s |
#[derive(Clone)]
pub struct OAuthConfig {
    resource: String,
    issuers: Vec<Issuer>,
    algorithms: Vec<Algorithm>,
    shared_secret: Option<Vec<u8>>,
    leeway: Duration,
    allow_http_loopback: bool,
    http_timeout: Duration,
    max_document_bytes: usize,
    refresh_interval: Duration,
    jwks_max_age: Duration,
    token_cache_entries: usize,
    introspection: Option<Introspection>,
    introspection_cache: Duration,
}

impl fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("resource", &self.resource)
            .field("issuers", &self.issuers)
            .field("algorithms", &self.algorithms)
            .field("shared_secret", &self.shared_secret.as_ref().map(|_| "<set>"))
            .field("leeway", &self.leeway)
            .field("introspection", &self.introspection)
            .finish_non_exhaustive()
    }
}

/// The asymmetric algorithms accepted by default.
const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

impl OAuthConfig {
    /// A resource server whose canonical URI is `resource` (such as
    /// `https://api.example.com/mcp`): the audience every token must name
    /// (RFC 8707) and the `resource` of its RFC 9728 metadata.
    pub fn new(resource: impl Into<String>) -> Self {
        OAuthConfig {
            resource: resource.into(),
            issuers: Vec::new(),
            algorithms: ASYMMETRIC.to_vec(),
            shared_secret: None,
            leeway: Duration::from_secs(30),
            allow_http_loopback: false,
            http_timeout: Duration::from_secs(5),
            max_document_bytes: 256 * 1024,
            refresh_interval: Duration::from_secs(60),
            jwks_max_age: Duration::from_secs(3600),
            token_cache_entries: 10_000,
            introspection: None,
            introspection_cache: Duration::from_secs(60),
        }
    }

    /// Trusts the authorization server `issuer` (a URL, or an [`Issuer`]
    /// with its JWKS address); call once per trusted issuer.
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<Issuer>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// The JWS algorithms accepted (default: every asymmetric one). `HS256`,
    /// `HS384` and `HS512` are accepted only with a [`shared_secret`](Self::shared_secret).
    #[must_use]
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Accepts HMAC-signed tokens (`HS256`, `HS384`, `HS512`, when in
    /// [`algorithms`](Self::algorithms)) verified with `secret`, and with
    /// nothing else: an issuer's public key never serves as an HMAC secret.
    #[must_use]
    pub fn shared_secret(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.shared_secret = Some(secret.into());
        self
    }

    /// The clock skew allowed on `exp`, `nbf` and `iat` (default 30 s).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Allows `http://` issuer, JWKS and introspection URLs on a loopback
    /// host (`localhost`, `127.0.0.0/8`, `::1`); for tests and local
    /// authorization servers. Everything else needs `https`.
    #[must_use]
    pub fn allow_http_loopback(mut self, allow: bool) -> Self {
        self.allow_http_loopback = allow;
        self
    }

    /// How long one metadata, JWKS or introspection request may take (default 5 s).
    #[must_use]
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// The largest metadata, JWKS or introspection answer read (default 256 KiB).
    #[must_use]
    pub fn max_document_bytes(mut self, bytes: usize) -> Self {
        self.max_document_bytes = bytes;
        self
    }

    /// The least time between two JWKS fetches of one issuer prompted by an
    /// unknown `kid` or a failure (default 60 s).
    #[must_use]
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.refresh_interval = interval;
        self
    }

    /// How long a fetched JWKS is used before the next request refetches it
    /// (default 1 h; a failed refetch keeps the old keys).
    #[must_use]
    pub fn jwks_max_age(mut self, age: Duration) -> Self {
        self.jwks_max_age = age;
        self
    }

    /// How many verified tokens are cached (default 10 000; 0 turns the cache off).
    #[must_use]
    pub fn token_cache_entries(mut self, entries: usize) -> Self {
        self.token_cache_entries = entries;
        self
    }

    /// Validates opaque tokens (and JWTs from issuers not trusted for JWT
    /// validation) through RFC 7662 introspection.
    #[must_use]
    pub fn introspection(mut self, introspection: Introspection) -> Self {
        self.introspection = Some(introspection);
        self
    }

    /// How long an introspection answer is reused (default 60 s, never past the token's `exp`).
    #[must_use]
    pub fn introspection_cache(mut self, ttl: Duration) -> Self {
        self.introspection_cache = ttl;
        self
    }

    /// The configuration from the environment, `Ok(None)` when
    /// `OAUTH_RESOURCE` is unset:
    ///
    /// | variable | meaning |
    /// | --- | --- |
    /// | `OAUTH_RESOURCE` | the resource URI (required audience) |
    /// | `OAUTH_ISSUERS` | trusted issuers, comma-separated (required) |
    /// | `OAUTH_JWKS_URI` | the JWKS of the first issuer (else discovered) |
    /// | `OAUTH_TOKEN_ENDPOINT`, `OAUTH_AUTHORIZATION_ENDPOINT` | the first issuer's endpoints for the OpenAPI flows (else from its metadata) |
    /// | `OAUTH_ALGORITHMS` | accepted algorithms, comma-separated |
    /// | `OAUTH_LEEWAY` | clock skew in seconds |
    /// | `OAUTH_ALLOW_HTTP_LOOPBACK` | `true` to allow `http://` on loopback |
    /// | `OAUTH_SHARED_SECRET` | the HMAC secret (enables `HS*` when listed) |
    /// | `OAUTH_INTROSPECTION_URL`, `OAUTH_CLIENT_ID`, `OAUTH_CLIENT_SECRET` | introspection |
    ///
    /// Secrets come from the environment only, never from a flag.
    pub fn from_env() -> Result<Option<OAuthConfig>, OAuthConfigError> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// [`OAuthConfig::from_env`] over any variable source (testable).
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<OAuthConfig>, OAuthConfigError> {
        let Some(resource) = var("OAUTH_RESOURCE") else {
            return Ok(None);
        };
        let mut config = OAuthConfig::new(resource.trim());
        let issuers = var("OAUTH_ISSUERS").ok_or_else(|| invalid("OAUTH_RESOURCE is set but OAUTH_ISSUERS is not"))?;
        let mut jwks = var("OAUTH_JWKS_URI");
        let mut token = var("OAUTH_TOKEN_ENDPOINT");
        let mut authorization = var("OAUTH_AUTHORIZATION_ENDPOINT");
        for issuer in issuers.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let mut issuer = Issuer::new(issuer);
            if let Some(uri) = jwks.take() {
                issuer = issuer.jwks_uri(uri.trim());
            }
            if let Some(url) = token.take() {
                issuer = issuer.token_endpoint(url.trim());
            }
            if let Some(url) = authorization.take() {
                issuer = issuer.authorization_endpoint(url.trim());
            }
            config = config.issuer(issuer);
        }
        if let Some(list) = var("OAUTH_ALGORITHMS") {
            let algorithms = list
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse::<Algorithm>()
                        .map_err(|_| invalid(format!("OAUTH_ALGORITHMS: `{a}` is not a JWS algorithm such as RS256")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            config = config.algorithms(algorithms);
        }
        if let Some(leeway) = var("OAUTH_LEEWAY") {
            let seconds = leeway
                .trim()
                .parse::<u64>()
                .map_err(|_| invalid(format!("OAUTH_LEEWAY: `{leeway}` is not a number of seconds")))?;
            config = config.leeway(Duration::from_secs(seconds));
        }
        if let Some(allow) = var("OAUTH_ALLOW_HTTP_LOOPBACK") {
            let allow = match allow.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                other => {
                    return Err(invalid(format!(
                        "OAUTH_ALLOW_HTTP_LOOPBACK: `{other}` is not true or false"
                    )));
                }
            };
            config = config.allow_http_loopback(allow);
        }
        if let Some(secret) = var("OAUTH_SHARED_SECRET") {
            config = config.shared_secret(secret.into_bytes());
        }
        if let Some(endpoint) = var("OAUTH_INTROSPECTION_URL") {
            let (Some(id), Some(secret)) = (var("OAUTH_CLIENT_ID"), var("OAUTH_CLIENT_SECRET")) else {
                return Err(invalid(
                    "OAUTH_INTROSPECTION_URL needs OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET",
                ));
            };
            config = config.introspection(Introspection::new(endpoint.trim(), id.trim(), secret));
        }
        Ok(Some(config))
    }

    /// Checks the settings: an absolute resource URI, at least one issuer,
    /// `https` URLs (or loopback `http` when allowed), algorithms that can
    /// be checked with what is configured.
    pub fn build(self) -> Result<OAuth, OAuthConfigError> {
        let resource = fetch::parse_url(&self.resource, "the resource URI", true).map_err(OAuthConfigError::Invalid)?;
        if resource.fragment().is_some() {
            return Err(invalid(format!(
                "the resource URI `{}` must not have a fragment (RFC 8707)",
                self.resource
            )));
        }
        if self.issuers.is_empty() {
            return Err(invalid("trust at least one issuer (`OAuthConfig::issuer`)"));
        }
        if self.algorithms.is_empty() {
            return Err(invalid("accept at least one algorithm"));
        }
        let hmac = self.algorithms.iter().any(|a| is_hmac(*a));
        let hmac_key = match (&self.shared_secret, hmac) {
            (Some(secret), true) => Some(
                jsonwebtoken::DecodingKey::from_secret(secret)
                    .map_err(|err| invalid(format!("the shared secret cannot be used: {err}")))?,
            ),
            (None, true) => {
                return Err(invalid(
                    "HS256/HS384/HS512 are listed but no shared secret is configured (`OAuthConfig::shared_secret`)",
                ));
            }
            (_, false) => None,
        };
        let policy = fetch::Policy {
            allow_http_loopback: self.allow_http_loopback,
            timeout: self.http_timeout,
            max_bytes: self.max_document_bytes.max(1),
        };
        let client = fetch::Client::new(policy).map_err(OAuthConfigError::Invalid)?;
        let mut issuers = Vec::with_capacity(self.issuers.len());
        for issuer in &self.issuers {
            client
                .check(&issuer.issuer, "the issuer")
                .map_err(OAuthConfigError::Invalid)?;
            if let Some(uri) = &issuer.jwks_uri {
                client.check(uri, "the JWKS URI").map_err(OAuthConfigError::Invalid)?;
            }
            for (url, what) in [
                (&issuer.token_endpoint, "the token endpoint"),
                (&issuer.authorization_endpoint, "the authorization endpoint"),
            ] {
                if let Some(url) = url {
                    client.check(url, what).map_err(OAuthConfigError::Invalid)?;
                }
            }
            issuers.push(jwks::KeySource::new(
                issuer.clone(),
                self.refresh_interval,
                self.jwks_max_age,
            ));
        }
        let introspection = match &self.introspection {
            Some(settings) => {
                client
                    .check(&settings.endpoint, "the introspection endpoint")
                    .map_err(OAuthConfigError::Invalid)?;
                Some(settings.clone())
            }
            None => None,
        };
        let resource_metadata = metadata::metadata_url(&resource);
        Ok(OAuth {
            inner: Arc::new(Inner {
                resource: self.resource.clone(),
                resource_metadata,
                issuers,
                algorithms: self.algorithms.clone(),
                hmac_key,
                leeway: self.leeway.as_secs(),
                client,
                introspection,
                introspection_cache: self.introspection_cache,
                tokens: cache::TokenCache::new(self.token_cache_entries),
                no_flows_warned: std::sync::atomic::AtomicBool::new(false),
            }),
            beside: None,
        })
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(algorithm, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
}

fn invalid(message: impl Into<String>) -> OAuthConfigError {
    OAuthConfigError::Invalid(message.into())
}

/// An [`OAuthConfig`] that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthConfigError {
    /// A setting is missing or wrong; the message says which and how to fix it.
    #[error("OAuth configuration: {0}")]
    Invalid(String),
}

/// A checked OAuth configuration with its key and token caches, for
/// [`ServerConfig::oauth`]; cheap to clone (clones share the caches).
#[derive(Clone)]
pub struct OAuth {
    inner: Arc<Inner>,
    /// Set once attached to a server: whether another authorizer (API keys)
    /// runs beside it, for the OpenAPI document's schemes.
    beside: Option<bool>,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("resource", &self.inner.resource)
            .field(
                "issuers",
                &self.inner.issuers.iter().map(|i| i.issuer()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// What every check shares.
struct Inner {
    resource: String,
    resource_metadata: String,
    issuers: Vec<jwks::KeySource>,
    algorithms: Vec<Algorithm>,
    hmac_key: Option<jsonwebtoken::DecodingKey>,
    leeway: u64,
    client: fetch::Client,
    introspection: Option<Introspection>,
    introspection_cache: Duration,
    tokens: cache::TokenCache,
    /// Whether metadata without any usable flow was logged at `WARN` already.
    no_flows_warned: std::sync::atomic::AtomicBool,
}

impl OAuth {
    /// Whether the `bearer` scheme (API keys) stays in the OpenAPI document
    /// beside `oauth`: when another authorizer runs beside OAuth, or, for a
    /// configuration not attached to a server, when the document has one.
    pub(crate) fn api_keys_beside(&self, document_has_bearer: bool) -> bool {
        self.beside.unwrap_or(document_has_bearer)
    }

    /// The resource URI (the audience tokens must name).
    pub fn resource(&self) -> &str {
        &self.inner.resource
    }

    /// The address of the RFC 9728 metadata document, as challenges give it.
    pub fn resource_metadata_url(&self) -> &str {
        &self.inner.resource_metadata
    }

    /// The trusted issuers, in configuration order.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.inner.issuers.iter().map(jwks::KeySource::issuer)
    }

    /// The first issuer's metadata for the OpenAPI document's OAuth flows,
    /// without network access: its configured endpoints, else the metadata
    /// the JWKS discovery (or an earlier document) fetched, else `None`.
    pub(crate) fn flow_metadata_cached(&self) -> Option<Arc<serde_json::Map<String, serde_json::Value>>> {
        let source = self.inner.issuers.first()?;
        match source.config().explicit_metadata() {
            Some(explicit) => Some(Arc::new(explicit)),
            None => source.cached_metadata(),
        }
    }

    /// [`flow_metadata_cached`](Self::flow_metadata_cached), else the
    /// metadata fetched now (the fetch policy of the JWKS; at most once per
    /// [`refresh_interval`](OAuthConfig::refresh_interval) while it fails).
    pub(crate) async fn flow_metadata(&self) -> Option<Arc<serde_json::Map<String, serde_json::Value>>> {
        if let Some(metadata) = self.flow_metadata_cached() {
            return Some(metadata);
        }
        let source = self.inner.issuers.first()?;
        source.metadata(&self.inner.client).await
    }

    /// Logs, once, that `issuer`'s metadata gives no OAuth flow.
    fn warn_no_flows_once(&self, issuer: &str) {
        if !self
            .inner
            .no_flows_warned
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                issuer,
                "the issuer's metadata has no token endpoint for the client_credentials or authorization_code \
                 grant; the OpenAPI document names its OpenID discovery document instead"
            );
        }
    }

    /// Validates one bearer token (cache first) into its principal.
    pub async fn validate(&self, token: &str) -> Result<Principal, jwt::TokenError> {
        match self.cached(token) {
            Ok(principal) => Ok(principal),
            Err(miss) => self.verify(token, miss).await,
        }
    }

    /// The principal of `token` when the token cache holds it, else what
    /// [`verify`](Self::verify) needs: synchronous, so that a warm token
    /// costs no verification future.
    fn cached(&self, token: &str) -> Result<Principal, Miss> {
        let now = jwt::now();
        let key = self.inner.tokens.key(token.as_bytes());
        self.inner.tokens.get(key, now, false).ok_or(Miss { key, now })
    }

    /// The principal of `token` when the cache holds it and it is a plain
    /// `b64token` (see [`plain_token`]): then the token is, but for a keyed
    /// 128-bit hash collision, one read from a header and verified before,
    /// so its syntax needs no second look.
    fn cached_plain(&self, token: &[u8]) -> Option<Principal> {
        self.inner.tokens.get(self.inner.tokens.key(token), jwt::now(), true)
    }

    /// Verifies `token`, which the cache does not hold, and caches its principal.
    async fn verify(&self, token: &str, Miss { key, now }: Miss) -> Result<Principal, jwt::TokenError> {
        let inner = &*self.inner;
        let verified = if jwt::looks_like_jwt(token) {
            match jwt::verify(inner, token, now).await {
                // A JWT from an issuer not trusted for JWT validation may
                // still be one the introspection endpoint knows.
                Err(jwt::TokenError::UntrustedIssuer(_)) if inner.introspection.is_some() => {
                    introspect::introspect(inner, token, now).await?
                }
                other => other?,
            }
        } else if inner.introspection.is_some() {
            introspect::introspect(inner, token, now).await?
        } else {
            return Err(jwt::TokenError::NotAJwt);
        };
        let plain = plain_token(token.as_bytes());
        inner
            .tokens
            .insert(key, verified.principal.clone(), plain, verified.cache_until, now);
        Ok(verified.principal)
    }
}

/// A token the cache does not hold: its cache key and the time it was looked up.
#[derive(Clone, Copy, Debug)]
struct Miss {
    key: cache::Key,
    now: u64,
}

impl ServerConfig {
    /// Makes the server an OAuth 2.1 resource server (see
    /// [`crate::oauth`]): `/mcp` and the REST routes accept bearer access
    /// tokens checked by `oauth`, beside the API keys of
    /// [`ServerConfig::authorizer`] if any, and the RFC 9728 metadata
    /// document is served.
    #[must_use]
    pub fn oauth(mut self, oauth: OAuth) -> Self {
        self.oauth = Some(oauth);
        self
    }
}

/// The configuration `config` serves with once OAuth is attached: its
/// authorizer becomes an [`OAuthAuthorizer`] over `registry`'s scopes, with
/// the configured authorizer (API keys) beside it. `None` without OAuth.
pub(crate) fn attach(config: &ServerConfig, registry: &Registry) -> Option<ServerConfig> {
    let mut oauth = config.oauth.clone()?;
    oauth.beside = Some(config.authorizer.is_some());
    let authorizer = OAuthAuthorizer {
        oauth: oauth.clone(),
        scopes: scopes_supported(registry).into(),
        fallback: config.authorizer.clone(),
        api_keys: config.authorizer.clone().and_then(|fallback| {
            let any: Arc<dyn std::any::Any + Send + Sync> = fallback;
            any.downcast::<ApiKeys>().ok()
        }),
    };
    let mut config = config.clone();
    config.authorizer = Some(Arc::new(authorizer));
    config.oauth = Some(oauth);
    Some(config)
}

/// `config` with the OAuth settings of the environment
/// ([`OAuthConfig::from_env`]) when `OAUTH_RESOURCE` is set: what the CLI's
/// `serve` and `lambda` run with.
pub(crate) fn from_env(config: ServerConfig) -> Result<ServerConfig, String> {
    match OAuthConfig::from_env().and_then(|found| found.map(OAuthConfig::build).transpose()) {
        Ok(Some(oauth)) => {
            tracing::info!(
                resource = oauth.resource(),
                issuers = oauth.inner.issuers.len(),
                "OAuth access tokens accepted on /mcp and the REST routes"
            );
            Ok(config.oauth(oauth))
        }
        Ok(None) => Ok(config),
        Err(err) => Err(err.to_string()),
    }
}

/// Every scope any function declares, sorted, each once.
pub(crate) fn scopes_supported(registry: &Registry) -> Vec<String> {
    let mut scopes: Vec<String> = registry
        .entries()
        .iter()
        .flat_map(|entry| entry.function().scopes().iter().map(|s| (*s).to_owned()))
        .collect();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// The credential a request presents.
#[derive(Debug, PartialEq, Eq)]
enum Credential<'a> {
    /// Nothing.
    Missing,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// `X-API-Key: <key>` (for the fallback authorizer).
    ApiKey,
    /// An `Authorization` header this server cannot read.
    Malformed(&'static str),
}

/// Reads the `Authorization` header (RFC 6750 §2.1: `Bearer` then a
/// `b64token`), else notes an `X-API-Key`.
fn credential(headers: &HeaderMap) -> Credential<'_> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return if headers.contains_key("x-api-key") {
            Credential::ApiKey
        } else {
            Credential::Missing
        };
    };
    if values.next().is_some() {
        return Credential::Malformed("send one Authorization header");
    }
    if let Some(token) = plain_bearer(value.as_bytes()) {
        return Credential::Bearer(token);
    }
    let Ok(value) = value.to_str() else {
        return Credential::Malformed("the Authorization header is not visible ASCII");
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return Credential::Malformed("send `Authorization: Bearer <token>`");
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Credential::Malformed("use the Bearer scheme: `Authorization: Bearer <token>`");
    }
    let token = token.trim();
    let body = token.trim_end_matches('=');
    if !is_b64token(body.as_bytes()) {
        return Credential::Malformed("the bearer token is empty or holds characters a token cannot have");
    }
    Credential::Bearer(token)
}

/// The token of the common shape, `Bearer <b64token>` (the scheme in any
/// case, one space, nothing around), read in one pass; `None` for anything
/// else, which [`credential`]'s general reading then decides (it reads this
/// shape the same way).
fn plain_bearer(value: &[u8]) -> Option<&str> {
    let (scheme, token) = value.split_at_checked(7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    if !plain_token(token) {
        return None;
    }
    std::str::from_utf8(token).ok()
}

/// Whether `token` is a `b64token` with its `=` padding: what
/// [`credential`] accepts after the scheme.
fn plain_token(token: &[u8]) -> bool {
    let padding = token.iter().rev().take_while(|&&b| b == b'=').count();
    is_b64token(&token[..token.len() - padding])
}

/// After `Bearer ` in the one `Authorization` header: what a token is when
/// the header has the common shape (see [`plain_bearer`]).
fn after_bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    let (scheme, token) = value.as_bytes().split_at_checked(7)?;
    scheme.eq_ignore_ascii_case(b"bearer ").then_some(token)
}

/// Whether `body` is a non-empty RFC 6750 `b64token` before its `=`
/// padding: `ALPHA`, `DIGIT`, `-`, `.`, `_`, `~`, `+`, `/`. Every byte is
/// looked at (no early exit), a loop the compiler vectorizes: a token is
/// read on every request.
fn is_b64token(body: &[u8]) -> bool {
    !body.is_empty() && body.iter().fold(true, |all, &b| all & is_b64(b))
}

/// One byte of a `b64token` (see [`is_b64token`]), in comparisons rather
/// than a table so that [`is_b64token`] vectorizes.
const fn is_b64(b: u8) -> bool {
    // `- . / 0-9` are 0x2D..=0x39; `| 0x20` folds `A-Z` onto `a-z`.
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'-') < 13) | (b == b'+') | (b == b'_') | (b == b'~')
}

/// The authorizer a server with OAuth runs: bearer tokens through
/// [`OAuth::validate`], API keys through the configured authorizer.
#[derive(Clone)]
pub(crate) struct OAuthAuthorizer {
    oauth: OAuth,
    /// Every scope a function declares, for the 401 challenge.
    scopes: Arc<[String]>,
    fallback: Option<Arc<dyn Authorizer>>,
    /// The fallback when it is [`ApiKeys`]: checked in place, without its future.
    api_keys: Option<Arc<ApiKeys>>,
}

impl OAuthAuthorizer {
    /// What the general path below would answer, when it is a principal
    /// found without verifying anything: an API key presented as a bearer
    /// token, or a plain token in the cache. `None`: ask the general path.
    fn warm(&self, headers: &HeaderMap) -> Option<Principal> {
        if let Some(principal) = self.api_keys.as_deref().and_then(|keys| keys.principal_of(headers)) {
            // A key counts only in a header read as `Bearer <token>` (else it is refused as malformed).
            return matches!(credential(headers), Credential::Bearer(_)).then(|| principal.clone());
        }
        // No key: a cached plain token right after `Bearer ` is exactly what
        // `credential` would have read (the header has its common shape).
        self.oauth.cached_plain(after_bearer(headers)?)
    }

    /// `Bearer` then the parameters, each value quoted (RFC 6750 §3), in order.
    fn challenge_with(&self, params: &[(&str, &str)]) -> HeaderValue {
        let mut value = String::from("Bearer ");
        let mut first = true;
        for (name, text) in params {
            if !first {
                value.push_str(", ");
            }
            first = false;
            value.push_str(name);
            value.push_str("=\"");
            // RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E inside the quotes.
            value.extend(text.chars().map(|c| {
                if matches!(c, ' '..='~') && c != '"' && c != '\\' {
                    c
                } else {
                    '\''
                }
            }));
            value.push('"');
        }
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Bearer"))
    }
}

impl Authorizer for OAuthAuthorizer {
    fn authorize<'a>(&'a self, headers: &'a HeaderMap) -> AuthFuture<'a> {
        // With no fallback or API keys as the fallback, everything but a
        // verification is answered in place, without a future: first what
        // needs no look at the token's syntax (`warm`), then a token read by
        // `credential` that the cache holds. The general path below answers
        // the same.
        if (self.fallback.is_none() || self.api_keys.is_some())
            && let Some(principal) = self.warm(headers)
        {
            return Box::pin(std::future::ready(Ok(principal)));
        }
        let credential = credential(headers);
        if let Credential::Bearer(token) = credential
            && (self.fallback.is_none() || self.api_keys.is_some())
        {
            // Not a key (`warm` checked): the token, from the cache or verified.
            return match self.oauth.cached(token) {
                Ok(principal) => Box::pin(std::future::ready(Ok(principal))),
                Err(miss) => Box::pin(async move {
                    self.oauth
                        .verify(token, miss)
                        .await
                        .map_err(|err| AuthError::Unauthorized(err.to_string()))
                }),
            };
        }
        Box::pin(async move {
            match credential {
                Credential::Missing => Err(AuthError::Unauthorized(
                    "authentication required: send `Authorization: Bearer <access token>`".into(),
                )),
                Credential::Malformed(reason) => Err(AuthError::Unauthorized(reason.into())),
                Credential::ApiKey => match &self.fallback {
                    Some(fallback) => fallback.authorize(headers).await,
                    None => Err(AuthError::Unauthorized(
                        "API keys are not accepted here: send `Authorization: Bearer <access token>`".into(),
                    )),
                },
                Credential::Bearer(token) => {
                    // An API key sent as a bearer token is checked as one first.
                    if let Some(fallback) = &self.fallback
                        && let Ok(principal) = fallback.authorize(headers).await
                    {
                        return Ok(principal);
                    }
                    self.oauth
                        .validate(token)
                        .await
                        .map_err(|err| AuthError::Unauthorized(err.to_string()))
                }
            }
        })
    }

    fn challenge(&self) -> HeaderValue {
        self.challenge_for(&HeaderMap::new(), &AuthError::Unauthorized(String::new()))
    }

    fn challenge_for(&self, headers: &HeaderMap, error: &AuthError) -> HeaderValue {
        let scopes = self.scopes.join(" ");
        let metadata = ("resource_metadata", self.oauth.resource_metadata_url());
        let description = error.to_string();
        let code = match credential(headers) {
            Credential::Missing | Credential::ApiKey => None,
            Credential::Bearer(_) => Some("invalid_token"),
            Credential::Malformed(_) => Some("invalid_request"),
        };
        let mut params = Vec::with_capacity(4);
        if let Some(code) = code {
            params.push(("error", code));
            params.push(("error_description", description.as_str()));
        }
        params.push(metadata);
        if !scopes.is_empty() {
            params.push(("scope", scopes.as_str()));
        }
        self.challenge_with(&params)
    }

    fn insufficient_scope(&self, required: &[&str], missing: &str) -> Option<HeaderValue> {
        let scope = required.join(" ");
        let description = format!("the access token lacks the scope `{missing}`");
        Some(self.challenge_with(&[
            ("error", "insufficient_scope"),
            ("scope", &scope),
            ("resource_metadata", self.oauth.resource_metadata_url()),
            ("error_description", &description),
        ]))
    }

    fn name(&self) -> &'static str {
        "oauth"
    }
}

/// For the fuzz target (`fuzz/`, `authorization`): `value` read as an
/// `Authorization` header and checked as the server checks it, with a fixed
/// configuration (HS256 with a known secret, so every JWT shape reaches the
/// signature and claims checks without a network; an unreachable issuer
/// for the other algorithms, tried once). Never panics; the 401 challenge
/// of a refusal is returned and must be a valid header value.
#[doc(hidden)]
pub async fn authorize_for_fuzzing(value: &[u8]) -> Result<Principal, (AuthError, HeaderValue)> {
    static AUTHORIZER: std::sync::OnceLock<OAuthAuthorizer> = std::sync::OnceLock::new();
    let authorizer = AUTHORIZER.get_or_init(|| {
        let oauth = OAuthConfig::new("https://api.test/mcp")
            .issuer(Issuer::new("https://issuer.test").jwks_uri("http://127.0.0.1:9/jwks"))
            .allow_http_loopback(true)
            .http_timeout(Duration::from_millis(200))
            .refresh_interval(Duration::from_secs(3600))
            .algorithms([Algorithm::HS256, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA])
            .shared_secret(FUZZ_SECRET.to_vec())
            .build()
            .expect("a valid fuzzing configuration");
        OAuthAuthorizer {
            oauth,
            scopes: vec!["read".to_owned()].into(),
            fallback: None,
            api_keys: None,
        }
    });
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(value) {
        headers.insert(header::AUTHORIZATION, value);
    }
    authorizer.authorize(&headers).await.map_err(|error| {
        let challenge = authorizer.challenge_for(&headers, &error);
        (error, challenge)
    })
}

/// The HS256 secret of [`authorize_for_fuzzing`], for seeds that get past the signature.
#[doc(hidden)]
pub const FUZZ_SECRET: &[u8] = b"registry-fuzz-secret-0123456789ab";

#[cfg(test)]
mod tests_served;

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(authorization: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(authorization).unwrap());
        headers
    }

    #[test]
    fn reads_bearer_credentials() {
        assert_eq!(credential(&HeaderMap::new()), Credential::Missing);
        assert_eq!(
            credential(&headers("Bearer abc.def-_~+/==")),
            Credential::Bearer("abc.def-_~+/==")
        );
        assert_eq!(credential(&headers("bearer   t")), Credential::Bearer("t"));
        assert!(matches!(credential(&headers("Basic dTpw")), Credential::Malformed(_)));
        assert!(matches!(credential(&headers("Bearer")), Credential::Malformed(_)));
        assert!(matches!(credential(&headers("Bearer a b")), Credential::Malformed(_)));
        assert!(matches!(credential(&headers("Bearer ===")), Credential::Malformed(_)));
        let mut two = headers("Bearer a");
        two.append(header::AUTHORIZATION, HeaderValue::from_static("Bearer b"));
        assert!(matches!(credential(&two), Credential::Malformed(_)));
        let mut key = HeaderMap::new();
        key.insert("x-api-key", HeaderValue::from_static("k"));
        assert_eq!(credential(&key), Credential::ApiKey);
    }

    #[test]
    fn b64token_bytes_are_the_rfc_6750_set() {
        for b in 0..=u8::MAX {
            let expected = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
            assert_eq!(is_b64(b), expected, "byte {b:#04x}");
        }
        assert!(!is_b64token(b""));
        assert!(is_b64token(b"eyJhbGciOiJSUzI1NiJ9.e30.sig-_~+/"));
        assert!(!is_b64token(b"a=b"));
    }

    #[test]
    fn the_common_shape_reads_as_the_general_reading_does() {
        for value in [
            "Bearer abc.def-_~+/==",
            "bearer t",
            "BEARER t=",
            "Bearer ==",
            "Bearer a=b",
            "Bearer  t",
            "Bearer t ",
            "Bearer a b",
            "Bearer",
            "Bearer ",
            "Basic dTpw",
            "Bearerx t",
            "Bearer t\u{7f}",
        ] {
            let Ok(header) = HeaderValue::from_str(value) else {
                continue;
            };
            let map = headers(value);
            let general = credential(&map);
            if let Some(token) = plain_bearer(header.as_bytes()) {
                assert_eq!(general, Credential::Bearer(token), "{value:?}");
            }
            let after = after_bearer(&map);
            if after.is_some_and(plain_token) {
                assert_eq!(
                    general,
                    Credential::Bearer(std::str::from_utf8(after.unwrap()).unwrap()),
                    "{value:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn the_warm_path_answers_as_the_general_one() {
        let oauth = OAuthConfig::new("https://api.example.com/mcp")
            .issuer("http://127.0.0.1:9")
            .allow_http_loopback(true)
            .http_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let keys = Arc::new(ApiKeys::parse("key!not-b64 id=odd; plain-key id=plain").unwrap());
        let authorizer = OAuthAuthorizer {
            oauth: oauth.clone(),
            scopes: vec!["read".to_owned()].into(),
            fallback: Some(keys.clone()),
            api_keys: Some(keys),
        };
        let now = jwt::now();
        let cache = &oauth.inner.tokens;
        let alice = Principal::new("alice", ["read"]);
        // Cached by `OAuth::validate` without ever being read from a header.
        cache.insert(cache.key(b"not plain"), alice.clone(), false, now + 60, now);
        cache.insert(cache.key(b"plain.token"), alice.clone(), true, now + 60, now);
        let id = |value: &str| {
            let headers = headers(value);
            let authorizer = authorizer.clone();
            async move { authorizer.authorize(&headers).await.map(|p| p.id) }
        };
        assert_eq!(id("Bearer plain.token").await, Ok("alice".to_owned()));
        assert_eq!(id("bearer plain.token").await, Ok("alice".to_owned()));
        assert_eq!(
            id("Bearer  plain.token").await,
            Ok("alice".to_owned()),
            "the general reading"
        );
        assert_eq!(id("Bearer plain-key").await, Ok("plain".to_owned()));
        assert!(
            matches!(id("Bearer not plain").await, Err(AuthError::Unauthorized(m)) if m.contains("characters")),
            "a cached token that is no b64token is still refused in a header"
        );
        assert!(
            matches!(id("Bearer key!not-b64").await, Err(AuthError::Unauthorized(m)) if m.contains("characters")),
            "a key that is no b64token is refused as a bearer token, as before"
        );
        let mut by_header = HeaderMap::new();
        by_header.insert("x-api-key", HeaderValue::from_static("key!not-b64"));
        assert_eq!(
            authorizer.authorize(&by_header).await.map(|p| p.id),
            Ok("odd".to_owned())
        );
    }

    #[test]
    fn api_keys_beside_oauth_are_recognized() {
        let oauth = OAuthConfig::new("https://api.example.com/mcp")
            .issuer("https://a.example.com")
            .build()
            .unwrap();
        let registry = Registry::builder().build().unwrap();
        let keys = ApiKeys::parse("k1").unwrap();
        let config = attach(
            &ServerConfig::default().oauth(oauth.clone()).authorizer(keys),
            &registry,
        )
        .unwrap();
        let attached = config.authorizer_ref().unwrap();
        let attached = (&**attached as &dyn std::any::Any)
            .downcast_ref::<OAuthAuthorizer>()
            .unwrap();
        assert!(attached.api_keys.is_some());
        let config = attach(&ServerConfig::default().oauth(oauth), &registry).unwrap();
        let attached = config.authorizer_ref().unwrap();
        let attached = (&**attached as &dyn std::any::Any)
            .downcast_ref::<OAuthAuthorizer>()
            .unwrap();
        assert!(attached.api_keys.is_none() && attached.fallback.is_none());
    }

    #[test]
    fn configuration_is_checked() {
        let err = |config: OAuthConfig| config.build().unwrap_err().to_string();
        assert!(err(OAuthConfig::new("https://api.example.com")).contains("at least one issuer"));
        assert!(err(OAuthConfig::new("api.example.com").issuer("https://a.example.com")).contains("resource URI"));
        assert!(err(OAuthConfig::new("https://api.example.com").issuer("http://a.example.com")).contains("https"));
        assert!(
            err(OAuthConfig::new("https://api.example.com")
                .issuer("http://127.0.0.1:9")
                .allow_http_loopback(false))
            .contains("https")
        );
        assert!(
            OAuthConfig::new("https://api.example.com")
                .issuer("http://127.0.0.1:9")
                .allow_http_loopback(true)
                .build()
                .is_ok()
        );
        assert!(
            err(OAuthConfig::new("https://api.example.com")
                .issuer("https://a.example.com")
                .algorithms([Algorithm::HS256]))
            .contains("shared secret")
        );
        assert!(
            err(OAuthConfig::new("https://api.example.com")
                .issuer(Issuer::new("https://a.example.com").token_endpoint("http://a.example.com/token")))
            .contains("token endpoint")
        );
        assert!(
            err(OAuthConfig::new("https://api.example.com#x").issuer("https://a.example.com")).contains("fragment")
        );
    }

    #[test]
    fn reads_the_environment() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        assert!(OAuthConfig::from_vars(vars(&[])).unwrap().is_none());
        let config = OAuthConfig::from_vars(vars(&[
            ("OAUTH_RESOURCE", "https://api.example.com/mcp"),
            ("OAUTH_ISSUERS", "https://a.example.com, https://b.example.com"),
            ("OAUTH_JWKS_URI", "https://a.example.com/jwks"),
            ("OAUTH_TOKEN_ENDPOINT", "https://a.example.com/token"),
            ("OAUTH_AUTHORIZATION_ENDPOINT", "https://a.example.com/authorize"),
            ("OAUTH_ALGORITHMS", "RS256,EdDSA"),
            ("OAUTH_LEEWAY", "5"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(config.issuers.len(), 2);
        assert_eq!(
            config.issuers[0].jwks_uri.as_deref(),
            Some("https://a.example.com/jwks")
        );
        assert_eq!(config.issuers[1].jwks_uri, None);
        assert_eq!(
            config.issuers[0].token_endpoint.as_deref(),
            Some("https://a.example.com/token")
        );
        assert_eq!(
            config.issuers[0].authorization_endpoint.as_deref(),
            Some("https://a.example.com/authorize")
        );
        assert_eq!(config.issuers[1].token_endpoint, None);
        assert_eq!(config.algorithms, [Algorithm::RS256, Algorithm::EdDSA]);
        assert_eq!(config.leeway, Duration::from_secs(5));
        let bad = OAuthConfig::from_vars(vars(&[
            ("OAUTH_RESOURCE", "https://api.example.com"),
            ("OAUTH_ISSUERS", "https://a.example.com"),
            ("OAUTH_ALGORITHMS", "RS257"),
        ]));
        assert!(bad.unwrap_err().to_string().contains("RS257"));
        let missing = OAuthConfig::from_vars(vars(&[("OAUTH_RESOURCE", "https://api.example.com")]));
        assert!(missing.unwrap_err().to_string().contains("OAUTH_ISSUERS"));
    }

    #[test]
    fn challenges_quote_safely() {
        let oauth = OAuthConfig::new("https://api.example.com/mcp")
            .issuer("https://a.example.com")
            .build()
            .unwrap();
        let authorizer = OAuthAuthorizer {
            oauth,
            scopes: vec!["read".to_owned(), "write".to_owned()].into(),
            fallback: None,
            api_keys: None,
        };
        assert_eq!(
            authorizer.challenge(),
            "Bearer resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"read write\""
        );
        let error = AuthError::Unauthorized("bad \"token\"\n".into());
        assert_eq!(
            authorizer.challenge_for(&headers("Bearer x"), &error),
            "Bearer error=\"invalid_token\", error_description=\"bad 'token''\", resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/mcp\", scope=\"read write\""
        );
        assert_eq!(
            authorizer.insufficient_scope(&["write"], "write").unwrap(),
            "Bearer error=\"insufficient_scope\", scope=\"write\", resource_metadata=\"https://api.example.com/.well-known/oauth-protected-resource/mcp\", error_description=\"the access token lacks the scope `write`\""
        );
    }
}
