//! The validation rules end to end: keys generated here (RSA, P-256,
//! Ed25519), a JWKS and RFC 8414 metadata served on loopback by a small
//! authorization-server stand-in that counts its fetches, and the server's
//! router answering REST and `/mcp` requests in process.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::routing::{get, post};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{EncodingKey, Header};
use registry_core::{Context, Registry, api_function, api_prompt, api_resource};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::{Algorithm, Introspection, OAuthConfig};
use crate::{ApiKeys, Server, ServerConfig};

const RESOURCE: &str = "https://api.test/mcp";

/// Anyone with a valid token may call this.
#[api_function]
fn oauth_public() -> &'static str {
    "hello"
}

/// Needs the `admin` scope.
#[api_function(scopes = ["admin"])]
fn oauth_admin() -> &'static str {
    "admin things"
}

/// A report only admins may read.
#[api_resource(uri = "oauth://admin/report", mime_type = "text/plain", scopes = ["admin"])]
fn oauth_admin_report() -> String {
    "the report".into()
}

/// A prompt only admins may get.
#[api_prompt(scopes = ["admin"])]
fn oauth_admin_prompt() -> registry_core::content::PromptMessage {
    registry_core::content::PromptMessage::user("Summarize the report.")
}

/// The caller as the function sees it.
#[api_function]
fn oauth_whoami(ctx: &Context) -> Value {
    let principal = ctx.principal().expect("authenticated");
    json!({
        "id": principal.id,
        "scopes": principal.scopes,
        "email": principal.claim("email"),
        "authorization": ctx.metadata("authorization"),
    })
}

/// A signing key and its public JWK.
struct Signer {
    key: EncodingKey,
    jwk: Value,
    kid: String,
}

/// The DER `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo` (what
/// jsonwebtoken's RSA signer reads).
fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
    fn header(der: &[u8]) -> (u8, usize, usize) {
        let tag = der[0];
        let first = der[1] as usize;
        if first < 0x80 {
            return (tag, 2, first);
        }
        let count = first & 0x7f;
        let length = der[2..2 + count].iter().fold(0usize, |acc, b| (acc << 8) | *b as usize);
        (tag, 2 + count, length)
    }
    let (_, outer, _) = header(pkcs8);
    let mut rest = &pkcs8[outer..];
    for _ in 0..2 {
        // The version INTEGER, then the algorithm SEQUENCE.
        let (_, head, length) = header(rest);
        rest = &rest[head + length..];
    }
    let (tag, head, length) = header(rest);
    assert_eq!(tag, 0x04, "the private key OCTET STRING");
    rest[head..head + length].to_vec()
}

fn signer(key: EncodingKey, alg: Algorithm, kid: &str) -> Signer {
    let mut jwk = Jwk::from_encoding_key(&key, alg).expect("a JWK of the key");
    jwk.common.key_id = Some(kid.to_owned());
    // RSA keys serve RS256 and PS256 alike.
    jwk.common.key_algorithm = None;
    Signer {
        key,
        jwk: serde_json::to_value(jwk).expect("a JWK serializes"),
        kid: kid.to_owned(),
    }
}

fn rsa(kid: &str) -> Signer {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("an RSA key");
    let pkcs8 = pair.as_der().expect("PKCS#8");
    signer(
        EncodingKey::from_rsa_der(&pkcs1_of(pkcs8.as_ref())),
        Algorithm::RS256,
        kid,
    )
}

fn p256(kid: &str) -> Signer {
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).expect("a key");
    signer(EncodingKey::from_ec_der(pkcs8.as_ref()), Algorithm::ES256, kid)
}

fn ed25519(kid: &str) -> Signer {
    use aws_lc_rs::signature::KeyPair as _;
    use base64::Engine as _;
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("a key");
    let public = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .expect("the key")
        .public_key()
        .as_ref()
        .to_vec();
    Signer {
        key: EncodingKey::from_ed_der(pkcs8.as_ref()),
        jwk: json!({
            "kty": "OKP", "crv": "Ed25519", "kid": kid,
            "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public),
        }),
        kid: kid.to_owned(),
    }
}

/// The authorization server stand-in: RFC 8414 metadata, a JWKS that can
/// be rotated or made to fail, an introspection endpoint; counts JWKS fetches.
#[derive(Default)]
struct Issuer {
    url: Mutex<String>,
    keys: Mutex<Vec<Value>>,
    jwks_fetches: AtomicUsize,
    down: AtomicBool,
}

async fn metadata(State(issuer): State<Arc<Issuer>>) -> axum::Json<Value> {
    let url = issuer.url.lock().unwrap().clone();
    axum::Json(
        json!({"issuer": url, "jwks_uri": format!("{url}/jwks"), "introspection_endpoint": format!("{url}/introspect")}),
    )
}

async fn jwks(State(issuer): State<Arc<Issuer>>) -> Result<axum::Json<Value>, StatusCode> {
    issuer.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    if issuer.down.load(Ordering::SeqCst) {
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    Ok(axum::Json(json!({"keys": *issuer.keys.lock().unwrap()})))
}

async fn introspect(headers: HeaderMap, body: String) -> Result<axum::Json<Value>, StatusCode> {
    // `rs:secret`, Basic.
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some("Basic cnM6c2VjcmV0") {
        return Err(StatusCode::UNAUTHORIZED);
    }
    let token = form_urlencoded::parse(body.as_bytes())
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    Ok(axum::Json(match token.as_deref() {
        Some("opaque-admin") => json!({
            "active": true, "sub": "svc", "scope": "admin", "aud": RESOURCE, "exp": now() + 600
        }),
        Some("opaque-other-audience") => json!({
            "active": true, "sub": "svc", "scope": "admin", "aud": "https://elsewhere", "exp": now() + 600
        }),
        _ => json!({"active": false}),
    }))
}

async fn start_issuer(signers: &[&Signer]) -> Arc<Issuer> {
    let issuer = Arc::new(Issuer::default());
    *issuer.keys.lock().unwrap() = signers.iter().map(|s| s.jwk.clone()).collect();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    *issuer.url.lock().unwrap() = format!("http://{}", listener.local_addr().expect("address"));
    let router = axum::Router::new()
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/jwks", get(jwks))
        .route("/introspect", post(introspect))
        .with_state(Arc::clone(&issuer));
    tokio::spawn(async move { axum::serve(listener, router).await });
    issuer
}

impl Issuer {
    fn url(&self) -> String {
        self.url.lock().unwrap().clone()
    }
}

fn now() -> u64 {
    super::jwt::now()
}

/// Claims valid for [`RESOURCE`] from `issuer` for ten minutes.
fn claims(issuer: &str, scope: &str) -> Value {
    json!({
        "iss": issuer, "aud": RESOURCE, "sub": "alice", "scope": scope,
        "iat": now(), "exp": now() + 600, "email": "alice@example.com"
    })
}

fn sign(signer: &Signer, alg: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(signer.kid.clone());
    jsonwebtoken::encode(&header, claims, &signer.key).expect("signed")
}

fn registry() -> Registry {
    Registry::builder()
        .name("oauth_public")
        .name("oauth_admin")
        .name("oauth_whoami")
        .name("oauth_admin_report")
        .name("oauth_admin_prompt")
        .build()
        .expect("a registry")
}

fn config(issuer: &Issuer, tune: impl FnOnce(OAuthConfig) -> OAuthConfig) -> ServerConfig {
    let oauth = tune(
        OAuthConfig::new(RESOURCE)
            .issuer(issuer.url().as_str())
            .allow_http_loopback(true),
    )
    .build()
    .expect("a valid configuration");
    ServerConfig::default().oauth(oauth)
}

struct Answer {
    status: StatusCode,
    challenge: Option<String>,
    body: Value,
}

async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|v| v.to_str().expect("ASCII").to_owned());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    Answer {
        status,
        challenge,
        body,
    }
}

fn rest(path: &str, authorization: Option<&str>) -> Request<Body> {
    let mut request = Request::post(format!("http://127.0.0.1{path}")).header(header::CONTENT_TYPE, "application/json");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    request.body(Body::from("{}")).expect("a request")
}

fn mcp_call(tool: &str, authorization: Option<&str>) -> Request<Body> {
    mcp_request("tools/call", json!({"name": tool, "arguments": {}}), authorization)
}

fn mcp_request(method: &str, params: Value, authorization: Option<&str>) -> Request<Body> {
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": method, "params": params});
    let mut request = Request::post("http://127.0.0.1/mcp")
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream");
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value);
    }
    request.body(Body::from(body.to_string())).expect("a request")
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

const METADATA_URL: &str = "https://api.test/.well-known/oauth-protected-resource/mcp";

#[tokio::test]
async fn valid_tokens_of_every_algorithm_call_rest_and_mcp() {
    let (rsa, ec, ed) = (rsa("rsa-1"), p256("ec-1"), ed25519("ed-1"));
    let issuer = start_issuer(&[&rsa, &ec, &ed]).await;
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    let claims = claims(&issuer.url(), "read admin");
    for (signer, alg) in [
        (&rsa, Algorithm::RS256),
        (&rsa, Algorithm::PS256),
        (&ec, Algorithm::ES256),
        (&ed, Algorithm::EdDSA),
    ] {
        let token = bearer(&sign(signer, alg, &claims));
        let answer = send(&router, rest("/api/oauth_whoami", Some(&token))).await;
        assert_eq!(answer.status, StatusCode::OK, "{alg:?}: {}", answer.body);
        assert_eq!(answer.body["id"], "alice");
        assert_eq!(answer.body["scopes"], json!(["read", "admin"]));
        assert_eq!(
            answer.body["email"], "alice@example.com",
            "claims reach ctx.principal()"
        );
        assert_eq!(
            answer.body["authorization"],
            Value::Null,
            "the header never reaches metadata"
        );
        let answer = send(&router, mcp_call("oauth_admin", Some(&token))).await;
        assert_eq!(answer.status, StatusCode::OK, "{alg:?}: {}", answer.body);
        assert_eq!(answer.body["result"]["isError"], Value::Bool(false), "{}", answer.body);
    }
    // Discovery once, keys once: the rest came from the cache.
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn bad_tokens_get_401_with_the_challenge() {
    let (rsa, other) = (rsa("rsa-1"), rsa("rsa-1"));
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(registry(), config(&issuer, |c| c.leeway(Duration::from_secs(5))))
        .router()
        .expect("a router");
    let url = issuer.url();
    let good = claims(&url, "read");
    let with = |change: &dyn Fn(&mut Value)| {
        let mut claims = good.clone();
        change(&mut claims);
        sign(&rsa, Algorithm::RS256, &claims)
    };
    let unsigned = {
        let encode = |v: &Value| {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        format!("{}.{}.", encode(&json!({"alg": "none", "typ": "JWT"})), encode(&good))
    };
    // A critical header parameter this server does not understand (RFC 7515 §4.1.11).
    let critical = {
        use base64::Engine as _;
        let encode = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let header = json!({"alg": "RS256", "kid": "rsa-1", "crit": ["x-custom"], "x-custom": 1});
        let message = format!("{}.{}", encode(&header), encode(&good));
        let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &rsa.key, Algorithm::RS256).expect("signed");
        format!("{message}.{signature}")
    };
    // HS256 keyed with the issuer's public key (algorithm confusion).
    let confused = {
        let public = rsa.jwk.to_string();
        let key = EncodingKey::from_secret(public.as_bytes()).expect("a secret");
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        jsonwebtoken::encode(&header, &good, &key).expect("signed")
    };
    let cases: Vec<(&str, String, &str)> = vec![
        ("expired", with(&|c| c["exp"] = json!(now() - 60)), "expired"),
        (
            "not yet valid",
            with(&|c| c["nbf"] = json!(now() + 600)),
            "not valid yet",
        ),
        (
            "issued in the future",
            with(&|c| c["iat"] = json!(now() + 600)),
            "issued in the future",
        ),
        (
            "wrong audience",
            with(&|c| c["aud"] = json!("https://elsewhere")),
            "audience",
        ),
        (
            "no audience",
            with(&|c| {
                c.as_object_mut().unwrap().remove("aud");
            }),
            "`aud`",
        ),
        (
            "wrong issuer",
            with(&|c| c["iss"] = json!("https://evil.example")),
            "not trusted",
        ),
        ("issuer array", with(&|c| c["iss"] = json!([url.clone()])), "`iss`"),
        (
            "no sub",
            with(&|c| {
                c.as_object_mut().unwrap().remove("sub");
            }),
            "`sub`",
        ),
        ("bad signature", sign(&other, Algorithm::RS256, &good), "signature"),
        ("alg none", unsigned, "alg: none"),
        ("HS256 with the public key", confused, "`HS256` is not accepted"),
        (
            "unknown kid",
            {
                let mut header = Header::new(Algorithm::RS256);
                header.kid = Some("nope".into());
                jsonwebtoken::encode(&header, &good, &rsa.key).expect("signed")
            },
            "no key `nope`",
        ),
        ("unknown critical header", critical, "invalid_token"),
        ("not a JWT", "opaque-token".into(), "not a JWT"),
        ("garbage JWT", "a.b.c".into(), "well-formed"),
    ];
    for (name, token, description) in cases {
        for request in [
            rest("/api/oauth_public", Some(&bearer(&token))),
            mcp_call("oauth_public", Some(&bearer(&token))),
        ] {
            let answer = send(&router, request).await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{name}: {}", answer.body);
            let challenge = answer.challenge.expect("WWW-Authenticate");
            assert!(
                challenge.starts_with("Bearer error=\"invalid_token\""),
                "{name}: {challenge}"
            );
            assert!(challenge.contains(description), "{name}: {challenge}");
            assert!(
                challenge.contains(&format!("resource_metadata=\"{METADATA_URL}\"")),
                "{name}: {challenge}"
            );
            assert!(challenge.contains("scope=\"admin\""), "{name}: {challenge}");
        }
    }

    // No credential: the challenge without an error.
    let answer = send(&router, rest("/api/oauth_public", None)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        answer.challenge.as_deref(),
        Some(format!("Bearer resource_metadata=\"{METADATA_URL}\", scope=\"admin\"").as_str())
    );
    assert_eq!(answer.body["code"], "unauthorized");
    let answer = send(&router, mcp_call("oauth_public", None)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["error"]["code"], -32001);
    // Another scheme, a malformed header: invalid_request.
    for value in ["Basic dTpw", "Bearer", "Bearer a b"] {
        let answer = send(&router, rest("/api/oauth_public", Some(value))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{value}");
        assert!(
            answer
                .challenge
                .unwrap()
                .starts_with("Bearer error=\"invalid_request\""),
            "{value}"
        );
    }
    // A token in the query string, even a good one.
    let token = sign(&rsa, Algorithm::RS256, &good);
    let request = Request::get(format!("http://127.0.0.1/api/oauth_public?access_token={token}"))
        .body(Body::empty())
        .expect("a request");
    let answer = send(&router, request).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(
        answer.body["detail"].as_str().unwrap().contains("query string"),
        "{}",
        answer.body
    );
    // And the server keeps serving.
    let answer = send(&router, rest("/api/oauth_public", Some(&bearer(&token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn too_few_scopes_get_403_insufficient_scope_on_rest_and_mcp() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    let token = bearer(&sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "read")));
    let expected = format!(
        "Bearer error=\"insufficient_scope\", scope=\"admin\", resource_metadata=\"{METADATA_URL}\", \
         error_description=\"the access token lacks the scope `admin`\""
    );
    let answer = send(&router, rest("/api/oauth_admin", Some(&token))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()));
    assert_eq!(answer.body["code"], "forbidden");
    let answer = send(&router, mcp_call("oauth_admin", Some(&token))).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()));
    assert_eq!(answer.body["id"], 9);
    assert_eq!(answer.body["error"]["code"], -32001);
    assert!(answer.body["error"]["message"].as_str().unwrap().contains("`admin`"));
    // A public tool with the same token still works.
    let answer = send(&router, mcp_call("oauth_public", Some(&token))).await;
    assert_eq!(answer.status, StatusCode::OK);
    // A resource and a prompt with scopes step up the same way.
    for (method, params) in [
        ("resources/read", json!({"uri": "oauth://admin/report"})),
        ("prompts/get", json!({"name": "oauth_admin_prompt"})),
    ] {
        let answer = send(&router, mcp_request(method, params.clone(), Some(&token))).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{method}: {}", answer.body);
        assert_eq!(answer.challenge.as_deref(), Some(expected.as_str()), "{method}");
        assert_eq!(answer.body["error"]["code"], -32001, "{method}");
        let admin = bearer(&sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "read admin")));
        let answer = send(&router, mcp_request(method, params, Some(&admin))).await;
        assert_eq!(answer.status, StatusCode::OK, "{method}: {}", answer.body);
        assert!(answer.body.get("result").is_some(), "{method}: {}", answer.body);
    }
}

#[tokio::test]
async fn api_keys_work_beside_tokens() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let keys = ApiKeys::parse("key-0123456789 id=ci scopes=admin").expect("keys");
    let router = Server::new(registry(), config(&issuer, |c| c).authorizer(keys))
        .router()
        .expect("a router");
    let answer = send(&router, rest("/api/oauth_admin", Some("Bearer key-0123456789"))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut request = rest("/api/oauth_whoami", None);
    request
        .headers_mut()
        .insert("x-api-key", "key-0123456789".parse().unwrap());
    let answer = send(&router, request).await;
    assert_eq!(answer.body["id"], "ci");
    let token = bearer(&sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "admin")));
    let answer = send(&router, rest("/api/oauth_admin", Some(&token))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = send(&router, rest("/api/oauth_admin", Some("Bearer wrong-key"))).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_burst_of_unknown_kids_fetches_once_per_interval() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(
        registry(),
        config(&issuer, |c| c.refresh_interval(Duration::from_secs(3600))),
    )
    .router()
    .expect("a router");
    let good = claims(&issuer.url(), "read");
    let mut calls = Vec::new();
    for n in 0..1000 {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(format!("bogus-{n}"));
        let token = bearer(&jsonwebtoken::encode(&header, &good, &rsa.key).expect("signed"));
        let router = router.clone();
        calls.push(tokio::spawn(async move {
            send(&router, rest("/api/oauth_public", Some(&token))).await.status
        }));
    }
    for call in calls {
        assert_eq!(call.await.expect("joined"), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        issuer.jwks_fetches.load(Ordering::SeqCst),
        1,
        "one fetch for the whole burst"
    );
    // The known key still works, from the cache.
    let token = bearer(&sign(&rsa, Algorithm::RS256, &good));
    assert_eq!(
        send(&router, rest("/api/oauth_public", Some(&token))).await.status,
        StatusCode::OK
    );
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn rotation_refreshes_and_an_issuer_outage_keeps_cached_keys() {
    let (first, second, third) = (rsa("rsa-1"), p256("ec-2"), ed25519("ed-3"));
    let issuer = start_issuer(&[&first]).await;
    let router = Server::new(registry(), config(&issuer, |c| c.refresh_interval(Duration::ZERO)))
        .router()
        .expect("a router");
    let good = claims(&issuer.url(), "read");
    let call = |token: String| {
        let router = router.clone();
        async move {
            send(&router, rest("/api/oauth_public", Some(&bearer(&token))))
                .await
                .status
        }
    };
    assert_eq!(call(sign(&first, Algorithm::RS256, &good)).await, StatusCode::OK);
    // A new key appears: its unknown kid triggers one refresh.
    issuer.keys.lock().unwrap().push(second.jwk.clone());
    assert_eq!(call(sign(&second, Algorithm::ES256, &good)).await, StatusCode::OK);
    assert_eq!(issuer.jwks_fetches.load(Ordering::SeqCst), 2);
    // The issuer goes down: cached keys keep working, a new kid fails closed.
    issuer.down.store(true, Ordering::SeqCst);
    issuer.keys.lock().unwrap().push(third.jwk.clone());
    assert_eq!(
        call(sign(&third, Algorithm::EdDSA, &good)).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(call(sign(&first, Algorithm::RS256, &good)).await, StatusCode::OK);
    assert_eq!(call(sign(&second, Algorithm::ES256, &good)).await, StatusCode::OK);
    // Back up: the new key is found.
    issuer.down.store(false, Ordering::SeqCst);
    assert_eq!(call(sign(&third, Algorithm::EdDSA, &good)).await, StatusCode::OK);
}

#[tokio::test]
async fn shared_secrets_are_explicit() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(
        registry(),
        config(&issuer, |c| {
            c.algorithms([Algorithm::RS256, Algorithm::HS256])
                .shared_secret(b"0123456789abcdef0123456789abcdef".to_vec())
        }),
    )
    .router()
    .expect("a router");
    let good = claims(&issuer.url(), "read");
    let hs = |secret: &[u8]| {
        let key = EncodingKey::from_secret(secret).expect("a secret");
        bearer(&jsonwebtoken::encode(&Header::new(Algorithm::HS256), &good, &key).expect("signed"))
    };
    let answer = send(
        &router,
        rest("/api/oauth_public", Some(&hs(b"0123456789abcdef0123456789abcdef"))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = send(
        &router,
        rest("/api/oauth_public", Some(&hs(rsa.jwk.to_string().as_bytes()))),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(answer.challenge.unwrap().contains("signature"));
}

#[tokio::test]
async fn opaque_tokens_are_introspected() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let endpoint = format!("{}/introspect", issuer.url());
    let router = Server::new(
        registry(),
        config(&issuer, |c| {
            c.introspection(Introspection::new(endpoint, "rs", "secret"))
        }),
    )
    .router()
    .expect("a router");
    let answer = send(&router, rest("/api/oauth_admin", Some("Bearer opaque-admin"))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let answer = send(&router, rest("/api/oauth_whoami", Some("Bearer opaque-admin"))).await;
    assert_eq!(answer.body["id"], "svc");
    for (token, description) in [("opaque-revoked", "not active"), ("opaque-other-audience", "audience")] {
        let answer = send(&router, mcp_call("oauth_public", Some(&bearer(token)))).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token}");
        let challenge = answer.challenge.unwrap();
        assert!(
            challenge.contains("invalid_token") && challenge.contains(description),
            "{challenge}"
        );
    }
    // JWTs are still checked locally.
    let token = bearer(&sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "read")));
    assert_eq!(
        send(&router, rest("/api/oauth_public", Some(&token))).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn metadata_documents_are_served_where_rfc_9728_puts_them() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let expected = json!({
        "resource": RESOURCE,
        "authorization_servers": [issuer.url()],
        "scopes_supported": ["admin"],
        "bearer_methods_supported": ["header"],
        "resource_name": "API",
    });
    let get = |path: &str| {
        Request::get(format!("http://127.0.0.1{path}"))
            .body(Body::empty())
            .expect("a request")
    };
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    for path in [
        "/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp",
    ] {
        let answer = send(&router, get(path)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, expected, "{path}");
    }
    assert_eq!(
        send(&router, get("/.well-known/oauth-protected-resource/other"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let prefixed = Server::new(registry(), config(&issuer, |c| c).path_prefix("/v1"))
        .router()
        .expect("a router");
    for path in [
        "/v1/.well-known/oauth-protected-resource",
        "/v1/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-protected-resource/v1/mcp",
        "/.well-known/oauth-protected-resource/v1",
    ] {
        let answer = send(&prefixed, get(path)).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body["resource"], RESOURCE, "{path}");
    }
}

#[tokio::test]
async fn the_openapi_document_names_the_scheme_and_each_operations_scopes() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    let request = Request::get("http://127.0.0.1/openapi.json")
        .body(Body::empty())
        .expect("a request");
    let document = send(&router, request).await.body;
    let scheme = &document["components"]["securitySchemes"]["oauth"];
    assert_eq!(scheme["type"], "openIdConnect");
    assert_eq!(
        scheme["openIdConnectUrl"],
        format!("{}/.well-known/openid-configuration", issuer.url())
    );
    assert_eq!(document["security"], json!([{"oauth": []}]));
    assert_eq!(
        document["components"]["securitySchemes"].get("bearer"),
        None,
        "no API keys"
    );
    assert_eq!(
        document["paths"]["/api/oauth_admin"]["post"]["security"],
        json!([{"oauth": ["admin"]}])
    );
    // Every operation states its requirement (the root one is only a default).
    assert_eq!(
        document["paths"]["/api/oauth_public"]["post"]["security"],
        json!([{"oauth": []}])
    );
    // With API keys beside OAuth, the bearer scheme is the alternative.
    let keys = ApiKeys::parse("key-0123456789").expect("keys");
    let router = Server::new(registry(), config(&issuer, |c| c).authorizer(keys))
        .router()
        .expect("a router");
    let request = Request::get("http://127.0.0.1/openapi.json")
        .body(Body::empty())
        .expect("a request");
    let document = send(&router, request).await.body;
    assert_eq!(document["security"], json!([{"oauth": []}, {"bearer": []}]));
    assert_eq!(
        document["paths"]["/api/oauth_admin"]["post"]["security"],
        json!([{"oauth": ["admin"]}, {"bearer": []}])
    );
}

#[tokio::test]
async fn tools_list_gives_each_tool_its_security_schemes() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    let token = bearer(&sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "read")));
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}});
    let request = Request::post("http://127.0.0.1/mcp")
        .header(header::HOST, "127.0.0.1")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::AUTHORIZATION, token)
        .body(Body::from(body.to_string()))
        .expect("a request");
    let answer = send(&router, request).await;
    let tools = answer.body["result"]["tools"].as_array().expect("tools").clone();
    let schemes = |name: &str| {
        tools
            .iter()
            .find(|tool| tool["name"] == name)
            .map(|tool| tool["securitySchemes"].clone())
    };
    assert_eq!(
        schemes("oauth_admin"),
        Some(json!([{"type": "oauth2", "scopes": ["admin"]}]))
    );
    assert_eq!(schemes("oauth_public"), Some(json!([{"type": "oauth2", "scopes": []}])));
}

#[tokio::test]
async fn the_docs_page_shows_scopes_and_takes_a_token() {
    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let router = Server::new(registry(), config(&issuer, |c| c))
        .router()
        .expect("a router");
    let request = Request::get("http://127.0.0.1/docs")
        .body(Body::empty())
        .expect("a request");
    let answer = send(&router, request).await;
    assert_eq!(answer.status, StatusCode::OK);
    let page = answer.body.as_str().expect("HTML");
    assert!(page.contains("<span class=\"chip chip-warn\">scope admin</span>"));
    assert!(page.contains("class=\"filter token\""));
    assert!(page.contains("headers.Authorization = `Bearer ${token.trim()}`"));
}

/// On Lambda (API Gateway REST, stage `/Prod`): tokens checked per event
/// with the keys and tokens cached across the warm instance's events, and
/// the metadata reached under the stage.
#[cfg(feature = "lambda")]
#[tokio::test]
async fn lambda_events_share_the_warm_instances_caches() {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context as LambdaContext, LambdaEvent};
    use tower::Service as _;

    let rsa = rsa("rsa-1");
    let issuer = start_issuer(&[&rsa]).await;
    let server = Server::new(registry(), config(&issuer, |c| c).bound_to_loopback(false));
    let service = crate::lambda::service(&server).expect("a Lambda service");
    let token = sign(&rsa, Algorithm::RS256, &claims(&issuer.url(), "read admin"));
    let event = |method: &str, path: &str, authorization: Option<&str>| {
        let mut event: Value =
            serde_json::from_str(include_str!("../../../tests/fixtures/lambda/apigw_rest_v1.json")).expect("JSON");
        event["path"] = json!(path);
        event["httpMethod"] = json!(method);
        event["requestContext"]["httpMethod"] = json!(method);
        event["requestContext"]["path"] = json!(format!("/Prod{path}"));
        event["body"] = if method == "POST" { json!("{}") } else { Value::Null };
        event["isBase64Encoded"] = json!(false);
        event["queryStringParameters"] = Value::Null;
        event["multiValueQueryStringParameters"] = Value::Null;
        if let Some(value) = authorization {
            event["headers"]["Authorization"] = json!(value);
        }
        event
    };
    let invoke = |event: Value| {
        let service = service.clone();
        async move {
            let request: LambdaRequest = serde_json::from_value(event).expect("lambda_http decodes the event");
            let mut adapter = Adapter::from(service);
            let response = std::future::poll_fn(|cx| adapter.poll_ready(cx))
                .await
                .map(|()| adapter.call(LambdaEvent::new(request, LambdaContext::default())))
                .expect("ready")
                .await
                .expect("an answer");
            serde_json::to_value(response).expect("a response event")
        }
    };
    for _ in 0..3 {
        let answer = invoke(event("POST", "/api/oauth_admin", Some(&bearer(&token)))).await;
        assert_eq!(answer["statusCode"], 200, "{answer}");
    }
    assert_eq!(
        issuer.jwks_fetches.load(Ordering::SeqCst),
        1,
        "one fetch for the warm instance"
    );
    let answer = invoke(event("POST", "/api/oauth_admin", None)).await;
    assert_eq!(answer["statusCode"], 401, "{answer}");
    // API Gateway REST answers carry `headers` and `multiValueHeaders`.
    let challenge = ["headers", "multiValueHeaders"]
        .iter()
        .filter_map(|field| answer[*field].as_object())
        .flat_map(|headers| headers.iter())
        .find(|(name, _)| name.eq_ignore_ascii_case("www-authenticate"))
        .map(|(_, value)| match value {
            Value::Array(values) => values.first().and_then(Value::as_str).unwrap_or_default().to_owned(),
            other => other.as_str().unwrap_or_default().to_owned(),
        })
        .unwrap_or_else(|| panic!("a challenge in {answer}"));
    assert!(challenge.contains(METADATA_URL), "{challenge}");
    let answer = invoke(event("GET", "/.well-known/oauth-protected-resource/mcp", None)).await;
    assert_eq!(answer["statusCode"], 200, "{answer}");
}

/// An authorization server stand-in for the OpenAPI flows: serves
/// `metadata` (503 while `None`) at RFC 8414's address and its JWKS,
/// counting the metadata fetches.
#[derive(Default)]
struct FlowIssuer {
    url: String,
    metadata: Mutex<Option<Value>>,
    keys: Mutex<Vec<Value>>,
    metadata_fetches: AtomicUsize,
}

async fn start_flow_issuer(metadata: impl FnOnce(&str) -> Option<Value>) -> Arc<FlowIssuer> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let issuer = Arc::new(FlowIssuer {
        metadata: Mutex::new(metadata(&url)),
        url,
        ..FlowIssuer::default()
    });
    async fn served(State(issuer): State<Arc<FlowIssuer>>) -> Result<axum::Json<Value>, StatusCode> {
        issuer.metadata_fetches.fetch_add(1, Ordering::SeqCst);
        let metadata = issuer.metadata.lock().unwrap().clone();
        metadata.map(axum::Json).ok_or(StatusCode::SERVICE_UNAVAILABLE)
    }
    async fn keys(State(issuer): State<Arc<FlowIssuer>>) -> axum::Json<Value> {
        axum::Json(json!({"keys": *issuer.keys.lock().unwrap()}))
    }
    let router = axum::Router::new()
        .route("/.well-known/oauth-authorization-server", get(served))
        .route("/jwks", get(keys))
        .with_state(Arc::clone(&issuer));
    tokio::spawn(async move { axum::serve(listener, router).await });
    issuer
}

fn full_metadata(url: &str) -> Value {
    json!({
        "issuer": url,
        "jwks_uri": format!("{url}/jwks"),
        "token_endpoint": format!("{url}/token"),
        "authorization_endpoint": format!("{url}/authorize"),
    })
}

fn flow_server(oauth: OAuthConfig) -> axum::Router {
    let oauth = oauth.allow_http_loopback(true).build().expect("a valid configuration");
    Server::new(registry(), ServerConfig::default().oauth(oauth))
        .router()
        .expect("a router")
}

async fn documents(router: &axum::Router) -> [Value; 2] {
    let get = |path: &str| {
        Request::get(format!("http://127.0.0.1{path}"))
            .body(Body::empty())
            .expect("a request")
    };
    [
        send(router, get("/openapi.json")).await.body,
        send(router, get("/openapi-3.0.json")).await.body,
    ]
}

#[tokio::test]
async fn metadata_with_both_endpoints_gives_both_flows_in_both_documents() {
    let issuer = start_flow_issuer(|url| Some(full_metadata(url))).await;
    let router = flow_server(OAuthConfig::new(RESOURCE).issuer(issuer.url.as_str()));
    for document in documents(&router).await {
        let scheme = &document["components"]["securitySchemes"]["oauth"];
        assert_eq!(scheme["type"], "oauth2", "{scheme}");
        let scopes = json!({
            "admin": "Needed by: oauth_admin, oauth_admin_prompt, oauth_admin_report",
        });
        assert_eq!(
            scheme["flows"],
            json!({
                "clientCredentials": {"tokenUrl": format!("{}/token", issuer.url), "scopes": scopes},
                "authorizationCode": {
                    "authorizationUrl": format!("{}/authorize", issuer.url),
                    "tokenUrl": format!("{}/token", issuer.url),
                    "scopes": scopes,
                },
            })
        );
        let description = scheme["description"].as_str().expect("a description");
        assert!(
            description.contains(RESOURCE) && description.contains(METADATA_URL),
            "{description}"
        );
        assert_eq!(
            document["paths"]["/api/oauth_admin"]["post"]["security"],
            json!([{"oauth": ["admin"]}])
        );
    }
    assert_eq!(
        issuer.metadata_fetches.load(Ordering::SeqCst),
        1,
        "fetched once, then cached"
    );
}

#[tokio::test]
async fn client_credentials_only_metadata_gives_that_flow_only() {
    let issuer = start_flow_issuer(|url| {
        let mut metadata = full_metadata(url);
        metadata["grant_types_supported"] = json!(["client_credentials"]);
        Some(metadata)
    })
    .await;
    let router = flow_server(OAuthConfig::new(RESOURCE).issuer(issuer.url.as_str()));
    let [document, _] = documents(&router).await;
    let flows = &document["components"]["securitySchemes"]["oauth"]["flows"];
    assert_eq!(flows["clientCredentials"]["tokenUrl"], format!("{}/token", issuer.url));
    assert_eq!(flows.as_object().map(|flows| flows.len()), Some(1), "{flows}");
}

#[tokio::test]
async fn an_unreachable_issuer_falls_back_to_openid_connect_then_gets_the_flows() {
    let issuer = start_flow_issuer(|_| None).await;
    let router = flow_server(
        OAuthConfig::new(RESOURCE)
            .issuer(issuer.url.as_str())
            .refresh_interval(Duration::ZERO),
    );
    let [document, down_level] = documents(&router).await;
    for document in [&document, &down_level] {
        let scheme = &document["components"]["securitySchemes"]["oauth"];
        assert_eq!(scheme["type"], "openIdConnect");
        assert_eq!(
            scheme["openIdConnectUrl"],
            format!("{}/.well-known/openid-configuration", issuer.url)
        );
    }
    // The issuer comes back: the next request fetches and gets the flows,
    // and the one after uses the cache.
    *issuer.metadata.lock().unwrap() = Some(full_metadata(&issuer.url));
    let fetches = issuer.metadata_fetches.load(Ordering::SeqCst);
    let [document, down_level] = documents(&router).await;
    for document in [&document, &down_level] {
        let scheme = &document["components"]["securitySchemes"]["oauth"];
        assert_eq!(scheme["type"], "oauth2");
        assert_eq!(
            scheme["flows"]["clientCredentials"]["tokenUrl"],
            format!("{}/token", issuer.url)
        );
    }
    assert_eq!(issuer.metadata_fetches.load(Ordering::SeqCst), fetches + 1);
    documents(&router).await;
    assert_eq!(issuer.metadata_fetches.load(Ordering::SeqCst), fetches + 1);
}

#[tokio::test]
async fn a_long_refresh_interval_keeps_the_fallback_without_refetching() {
    let issuer = start_flow_issuer(|_| None).await;
    let router = flow_server(OAuthConfig::new(RESOURCE).issuer(issuer.url.as_str()));
    documents(&router).await;
    let fetches = issuer.metadata_fetches.load(Ordering::SeqCst);
    *issuer.metadata.lock().unwrap() = Some(full_metadata(&issuer.url));
    let [document, _] = documents(&router).await;
    assert_eq!(
        document["components"]["securitySchemes"]["oauth"]["type"],
        "openIdConnect"
    );
    assert_eq!(
        issuer.metadata_fetches.load(Ordering::SeqCst),
        fetches,
        "no retry within the interval"
    );
}

#[tokio::test]
async fn the_jwks_discovery_and_the_document_share_one_metadata_fetch() {
    let rsa = rsa("rsa-1");
    let issuer = start_flow_issuer(|url| Some(full_metadata(url))).await;
    *issuer.keys.lock().unwrap() = vec![rsa.jwk.clone()];
    let router = flow_server(OAuthConfig::new(RESOURCE).issuer(issuer.url.as_str()));
    let token = sign(&rsa, Algorithm::RS256, &claims(&issuer.url, "admin"));
    let answer = send(&router, rest("/api/oauth_admin", Some(&bearer(&token)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let [document, _] = documents(&router).await;
    assert_eq!(document["components"]["securitySchemes"]["oauth"]["type"], "oauth2");
    assert_eq!(issuer.metadata_fetches.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn explicit_endpoints_give_the_flows_without_a_fetch() {
    // Nothing listens at the issuer: any fetch would fail.
    let oauth = || {
        OAuthConfig::new(RESOURCE).issuer(
            super::Issuer::new("http://127.0.0.1:9")
                .token_endpoint("http://127.0.0.1:9/token")
                .authorization_endpoint("http://127.0.0.1:9/authorize"),
        )
    };
    let router = flow_server(oauth());
    for document in documents(&router).await {
        let flows = &document["components"]["securitySchemes"]["oauth"]["flows"];
        assert_eq!(flows["clientCredentials"]["tokenUrl"], "http://127.0.0.1:9/token");
        assert_eq!(
            flows["authorizationCode"]["authorizationUrl"],
            "http://127.0.0.1:9/authorize"
        );
    }
    // The offline document (the CLI's `openapi`) too, and without the
    // endpoints it names the discovery document.
    let offline = |oauth: OAuthConfig| {
        let oauth = oauth.allow_http_loopback(true).build().expect("a valid configuration");
        crate::openapi::document(&registry(), &ServerConfig::default().oauth(oauth))
    };
    let document = offline(oauth());
    assert_eq!(document["components"]["securitySchemes"]["oauth"]["type"], "oauth2");
    let document = offline(OAuthConfig::new(RESOURCE).issuer("http://127.0.0.1:9"));
    assert_eq!(
        document["components"]["securitySchemes"]["oauth"]["type"],
        "openIdConnect"
    );
}
