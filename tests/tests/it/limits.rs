//! The in-flight limit, CORS and protected pages on a real loopback server.

use std::time::Duration;

use registry_core::Registry;
use registry_server::{ApiKeys, Server, ServerConfig};
use registry_tests as _;
use serde_json::{Value, json};

use crate::progress_call::long_call;

async fn start(config: ServerConfig) -> String {
    let registry = Registry::from_inventory().expect("consistent registry");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_over_the_in_flight_limit_are_shed_with_503_and_retry_after() {
    let base = start(ServerConfig::default().max_in_flight(1).retry_after(2)).await;
    let client = reqwest::Client::new();
    let running = long_call(&client, &base, 1000).await;

    let rest = client
        .post(format!("{base}/api/add"))
        .json(&json!({"a": 1, "b": 2}))
        .send()
        .await
        .expect("sent");
    assert_eq!(rest.status(), 503);
    assert_eq!(rest.headers()["retry-after"], "2");
    assert_eq!(rest.headers()["content-type"], "application/problem+json");
    let problem: Value = rest.json().await.expect("JSON");
    assert_eq!(problem["code"], "unavailable");

    let mcp = client
        .post(format!("{base}/mcp"))
        .json(&json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(mcp.status(), 503);
    assert_eq!(mcp.headers()["retry-after"], "2");
    assert!(mcp.headers().contains_key("x-request-id"));
    let reply: Value = mcp.json().await.expect("JSON");
    assert_eq!(reply["error"]["code"], registry_server::MCP_OVERLOADED);

    // Pages are not counted.
    let health = client.get(format!("{base}/healthz")).send().await.expect("sent");
    assert_eq!(health.status(), 200);

    // Closing the stream drops the call and frees its slot.
    drop(running);
    let mut freed = false;
    for _ in 0..100 {
        let status = client
            .post(format!("{base}/api/add"))
            .json(&json!({"a": 1, "b": 2}))
            .send()
            .await
            .expect("sent")
            .status();
        if status == 200 {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(freed, "the slot of the dropped call was never freed");
}

#[tokio::test]
async fn cors_is_off_by_default_and_answers_configured_origins() {
    let client = reqwest::Client::new();
    let preflight = |base: &str, origin: &str| {
        client
            .request(reqwest::Method::OPTIONS, format!("{base}/mcp"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, mcp-protocol-version, authorization",
            )
            .send()
    };

    let closed = start(ServerConfig::default()).await;
    let answer = preflight(&closed, "https://app.example").await.expect("sent");
    assert!(!answer.headers().contains_key("access-control-allow-origin"));

    let open = start(ServerConfig::default().cors_origin("https://app.example")).await;
    let answer = preflight(&open, "https://app.example").await.expect("sent");
    assert!(answer.status().is_success(), "{}", answer.status());
    assert_eq!(answer.headers()["access-control-allow-origin"], "https://app.example");
    let allowed = answer.headers()["access-control-allow-headers"]
        .to_str()
        .expect("ASCII")
        .to_owned();
    assert!(
        allowed.contains("mcp-protocol-version") && allowed.contains("authorization"),
        "{allowed}"
    );

    let other = preflight(&open, "https://evil.example").await.expect("sent");
    assert!(!other.headers().contains_key("access-control-allow-origin"));

    // The CORS origin may also call /mcp (Origin validation lets it through).
    let call = client
        .post(format!("{open}/mcp"))
        .header("origin", "https://app.example")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(call.status(), 200);
    assert_eq!(call.headers()["access-control-allow-origin"], "https://app.example");
    assert!(
        call.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap_or("")
            .contains("x-request-id")
    );
}

#[tokio::test]
async fn protect_docs_puts_the_pages_behind_the_keys() {
    let keys = ApiKeys::parse("page-key").expect("keys");
    let base = start(ServerConfig::default().authorizer(keys).protect_docs(true)).await;
    let client = reqwest::Client::new();
    for path in ["/healthz", "/openapi.json", "/openapi-3.0.json", "/docs"] {
        let denied = client.get(format!("{base}{path}")).send().await.expect("sent");
        assert_eq!(denied.status(), 401, "{path}");
        assert!(
            denied.headers()["www-authenticate"]
                .to_str()
                .unwrap_or("")
                .starts_with("Bearer")
        );
        let allowed = client
            .get(format!("{base}{path}"))
            .bearer_auth("page-key")
            .send()
            .await
            .expect("sent");
        assert_eq!(allowed.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_caller_id_is_kept() {
    let base = start(ServerConfig::default()).await;
    let client = reqwest::Client::new();
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let fresh = client
        .post(format!("{base}/mcp"))
        .json(&ping)
        .send()
        .await
        .expect("sent");
    assert!(!fresh.headers()["x-request-id"].is_empty());
    let kept = client
        .post(format!("{base}/mcp"))
        .header("x-request-id", "trace-abc-123")
        .json(&ping)
        .send()
        .await
        .expect("sent");
    assert_eq!(kept.headers()["x-request-id"], "trace-abc-123");
    let replaced = client
        .get(format!("{base}/healthz"))
        .header("x-request-id", "x".repeat(200))
        .send()
        .await
        .expect("sent");
    let id = replaced.headers()["x-request-id"].to_str().expect("ASCII");
    assert!(!id.is_empty() && id.len() <= 128, "{id}");
    for path in ["/docs", "/openapi.json", "/nowhere"] {
        let answer = client.get(format!("{base}{path}")).send().await.expect("sent");
        assert!(answer.headers().contains_key("x-request-id"), "{path}");
    }
}
