//! What OAuth costs (feature `oauth`), in process through the server's
//! router (`Router::oneshot`), so the rows differ only in authentication:
//!
//! - `request/*`: `POST /api/add` authenticated with an API key (API keys
//!   alone), with a JWT on a warm token cache (OAuth alone), and with an API
//!   key beside OAuth; the issue's target is JWT ≤ 1.10 × API key;
//! - `build/*`: building those requests (included in `request/*`);
//! - `check/*`: the credential check alone (`ApiKeys::check`, `OAuth::validate` on a cached token);
//! - `cache_miss/*`: one token check with the token cache off (header,
//!   signature, claims) per algorithm: RS256 and PS256 (RSA 2048), ES256
//!   (P-256), EdDSA (Ed25519).
//!
//! Keys are generated here; the JWKS is served on loopback.

use std::hint::black_box;
use std::time::Duration;

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use registry_benches::timed;
use registry_core::Registry;
use registry_server::axum::body::Body;
use registry_server::axum::http::{Request, StatusCode, header};
use registry_server::oauth::{Issuer, OAuthConfig};
use registry_server::tower::ServiceExt as _;
use registry_server::{ApiKeys, Server, ServerConfig};
use serde_json::{Value, json};

const RESOURCE: &str = "https://api.bench/mcp";
const API_KEY: &str = "bench-key-0123456789abcdef";

/// The DER `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_of(pkcs8: &[u8]) -> Vec<u8> {
    fn header(der: &[u8]) -> (usize, usize) {
        let first = der[1] as usize;
        if first < 0x80 {
            return (2, first);
        }
        let count = first & 0x7f;
        (
            2 + count,
            der[2..2 + count].iter().fold(0, |acc, b| (acc << 8) | *b as usize),
        )
    }
    let (outer, _) = header(pkcs8);
    let mut rest = &pkcs8[outer..];
    for _ in 0..2 {
        let (head, length) = header(rest);
        rest = &rest[head + length..];
    }
    let (head, length) = header(rest);
    rest[head..head + length].to_vec()
}

fn keys() -> Vec<(Algorithm, EncodingKey, Value)> {
    let rng = SystemRandom::new();
    let jwk = |key: &EncodingKey, alg: Algorithm, kid: &str| {
        let mut jwk = Jwk::from_encoding_key(key, alg).expect("a JWK");
        jwk.common.key_id = Some(kid.to_owned());
        jwk.common.key_algorithm = None;
        serde_json::to_value(jwk).expect("a JWK serializes")
    };
    let rsa = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).expect("RSA");
    let rsa = EncodingKey::from_rsa_der(&pkcs1_of(rsa.as_der().expect("PKCS#8").as_ref()));
    let rsa_jwk = jwk(&rsa, Algorithm::RS256, "rsa");
    let ec = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("P-256");
    let ec = EncodingKey::from_ec_der(ec.as_ref());
    let ec_jwk = jwk(&ec, Algorithm::ES256, "ec");
    let ed = Ed25519KeyPair::generate_pkcs8(&rng).expect("Ed25519");
    let public = Ed25519KeyPair::from_pkcs8(ed.as_ref())
        .expect("Ed25519")
        .public_key()
        .as_ref()
        .to_vec();
    let ed_jwk = json!({
        "kty": "OKP", "crv": "Ed25519", "kid": "ed",
        "x": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public),
    });
    let ed = EncodingKey::from_ed_der(ed.as_ref());
    vec![
        (Algorithm::RS256, rsa.clone(), rsa_jwk.clone()),
        (Algorithm::PS256, rsa, rsa_jwk),
        (Algorithm::ES256, ec, ec_jwk),
        (Algorithm::EdDSA, ed, ed_jwk),
    ]
}

fn sign(alg: Algorithm, key: &EncodingKey, jwk: &Value, issuer: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let claims = json!({
        "iss": issuer, "aud": RESOURCE, "sub": "bench", "scope": "read",
        "iat": now, "exp": now + 3600,
    });
    let mut header = Header::new(alg);
    header.kid = jwk["kid"].as_str().map(str::to_owned);
    jsonwebtoken::encode(&header, &claims, key).expect("signed")
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let keys = keys();
    let mut set: Vec<Value> = keys.iter().map(|(_, _, jwk)| jwk.clone()).collect();
    set.dedup();
    let issuer = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let document = json!({ "keys": set });
        let app = registry_server::axum::Router::new().route(
            "/jwks",
            registry_server::axum::routing::get(move || {
                std::future::ready(registry_server::axum::Json(document.clone()))
            }),
        );
        tokio::spawn(async move { registry_server::axum::serve(listener, app).await });
        url
    });
    let oauth = |cache: usize| {
        OAuthConfig::new(RESOURCE)
            .issuer(Issuer::new(issuer.as_str()).jwks_uri(format!("{issuer}/jwks")))
            .allow_http_loopback(true)
            .token_cache_entries(cache)
            .build()
            .expect("a valid configuration")
    };
    let registry = Registry::builder().name("add").build().expect("a registry");
    let api_keys = || ApiKeys::parse(&format!("{API_KEY} id=bench scopes=read")).expect("keys");
    let routers = [
        (
            "api_key",
            Server::new(registry.clone(), ServerConfig::default().authorizer(api_keys())),
        ),
        (
            "jwt_warm_cache",
            Server::new(registry.clone(), ServerConfig::default().oauth(oauth(10_000))),
        ),
        (
            "api_key_beside_oauth",
            Server::new(
                registry.clone(),
                ServerConfig::default().oauth(oauth(10_000)).authorizer(api_keys()),
            ),
        ),
    ]
    .map(|(label, server)| (label, server.router().expect("a router")));
    let (alg, key, jwk) = &keys[0];
    let jwt = sign(*alg, key, jwk, &issuer);
    let request = |credential: &str| {
        Request::post("http://127.0.0.1/api/add")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {credential}"))
            .body(Body::from(r#"{"a":1,"b":2}"#))
            .expect("a request")
    };
    let mut group = c.benchmark_group("oauth/request");
    for (label, router) in &routers {
        let credential = if *label == "jwt_warm_cache" {
            jwt.as_str()
        } else {
            API_KEY
        };
        // Warm: the first JWT fetches the keys and fills the cache.
        let status = rt
            .block_on(router.clone().oneshot(request(credential)))
            .expect("infallible")
            .status();
        assert_eq!(status, StatusCode::OK, "{label}");
        group.bench_function(*label, |b| {
            b.iter_custom(|iters| {
                timed(&rt, async {
                    for _ in 0..iters {
                        let response = router.clone().oneshot(request(credential)).await.expect("infallible");
                        black_box(response.status());
                    }
                })
            })
        });
    }
    group.finish();

    // Building the requests, which the request rows include: a JWT makes a
    // longer header to copy and validate (as hyper parses it in a server).
    let mut group = c.benchmark_group("oauth/build");
    for (label, credential) in [("api_key", API_KEY), ("jwt", jwt.as_str())] {
        group.bench_function(label, |b| b.iter(|| black_box(request(black_box(credential)))));
    }
    group.finish();

    // The authorizers alone: what the request rows differ by.
    let warm = oauth(10_000);
    rt.block_on(warm.validate(&jwt)).expect("a valid token");
    let keys_only = api_keys();
    let mut group = c.benchmark_group("oauth/check");
    group.bench_function("api_key", |b| {
        b.iter(|| black_box(keys_only.check(black_box(API_KEY.as_bytes())).cloned()))
    });
    group.bench_function("jwt_warm_cache", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    black_box(warm.validate(black_box(&jwt)).await.expect("valid"));
                }
            })
        })
    });
    group.finish();

    let cold = oauth(0);
    let mut group = c.benchmark_group("oauth/cache_miss");
    for (alg, key, jwk) in &keys {
        let token = sign(*alg, key, jwk, &issuer);
        rt.block_on(cold.validate(&token)).expect("a valid token");
        group.bench_function(format!("{alg:?}"), |b| {
            b.iter_custom(|iters| {
                timed(&rt, async {
                    for _ in 0..iters {
                        black_box(cold.validate(black_box(&token)).await.expect("valid"));
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = oauth;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(oauth);
