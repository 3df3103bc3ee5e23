//! Parity: every function of both examples, called through REST and through
//! MCP Streamable HTTP on a real loopback socket with the same arguments,
//! gives the same value, and every error case the same error kind.

use std::collections::BTreeSet;

use registry_core::{Protocol, Registry};
use registry_server::testing::{Outcome, TestClient, rest_outcome};
use registry_server::{Server, ServerConfig};
use serde_json::{Value, json};

use crate::schema_rules;

/// Serves `registry` on 127.0.0.1 and returns its base URL.
async fn serve(registry: Registry) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = Server::new(registry, ServerConfig::default());
    tokio::spawn(async move { server.serve_on(listener).await });
    base
}

/// Sends a request built by [`TestClient`] over the socket with reqwest.
async fn send(http: &reqwest::Client, base: &str, request: axum::http::Request<axum::body::Body>) -> (u16, Value) {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
    let mut builder = http.request(method, format!("{base}{}", parts.uri));
    for (name, value) in &parts.headers {
        builder = builder.header(name.as_str(), value.to_str().unwrap());
    }
    let response = builder.body(bytes.to_vec()).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, value)
}

/// Calls every case through both protocols; returns the names covered.
async fn check(registry: Registry, cases: &[(&str, Value, Expect)]) -> BTreeSet<String> {
    let client = TestClient::new(registry.clone());
    let base = serve(registry).await;
    let http = reqwest::Client::new();
    // Every advertised tool follows the schema rules real MCP clients need.
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"});
    let request = axum::http::Request::post("/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(axum::body::Body::from(list.to_string()))
        .unwrap();
    let (_, tools) = send(&http, &base, request).await;
    for tool in tools["result"]["tools"].as_array().unwrap() {
        schema_rules::check_tool(tool["name"].as_str().unwrap(), tool);
    }
    let mut covered = BTreeSet::new();
    for (name, args, expect) in cases {
        let request = client
            .rest_request(name, args.clone())
            .expect("every example function has a REST route");
        let (status, body) = send(&http, &base, request).await;
        let rest = rest_outcome(axum::http::StatusCode::from_u16(status).unwrap(), body);
        let (_, body) = send(&http, &base, TestClient::mcp_request(name, args.clone())).await;
        let mcp = client.mcp_outcome(name, &body);
        assert_eq!(rest, mcp, "REST and MCP disagree on `{name}` with {args}");
        match (expect, &rest) {
            (Expect::Value, Outcome::Value(_)) => {}
            (Expect::Error(kind), Outcome::Error(code)) => assert_eq!(code, kind, "`{name}` with {args}"),
            _ => panic!("`{name}` with {args}: expected {expect:?}, got {rest:?}"),
        }
        covered.insert((*name).to_owned());
    }
    covered
}

#[derive(Debug)]
enum Expect {
    Value,
    Error(&'static str),
}

use Expect::{Error, Value as Ok};

/// The tools whose results are JSON (resources, prompts and content
/// results have their own parity test below).
fn names(registry: &Registry) -> BTreeSet<String> {
    registry
        .exposed(Protocol::Mcp)
        .filter(|e| e.function().is_tool() && !e.schemas().output_kind.is_content())
        .map(|e| e.name().to_owned())
        .collect()
}

#[tokio::test]
async fn quickstart_functions_agree_on_both_protocols() {
    let registry = quickstart::FUNCTIONS
        .iter()
        .fold(Registry::builder(), |b, n| b.name(*n))
        .build()
        .unwrap();
    let cases = [
        ("add", json!({"a": 1, "b": 2}), Ok),
        ("add", json!({"a": 1}), Error("invalid_arguments")),
        ("divide", json!({"a": 1, "b": 8}), Ok),
        ("divide", json!({"a": 1, "b": 0}), Error("invalid_arguments")),
        ("greet", json!({"name": "Ada"}), Ok),
        // A query string cannot tell 7 from "7", so a GET route's bad case is a missing argument.
        ("greet", json!({"excited": true}), Error("invalid_arguments")),
        ("pause", json!({"ms": "soon"}), Error("invalid_arguments")),
        ("pause", json!({"ms": 2_500}), Error("timeout")),
    ];
    let expected = names(&registry);
    assert_eq!(check(registry, &cases).await, expected, "every function is covered");
}

#[tokio::test]
async fn hashstats_functions_agree_on_both_protocols() {
    let upstream = hashstats::offline::spawn().await.unwrap();
    let registry = hashstats::registry(hashstats::Upstream::new(upstream)).unwrap();
    let rates = json!({"fastestFee": 6, "halfHourFee": 4, "hourFee": 3, "economyFee": 2, "minimumFee": 1});
    let cases = [
        ("bits_to_target", json!({"bits": "17053894"}), Ok),
        ("bits_to_target", json!({"bits": "nothex"}), Error("invalid_arguments")),
        ("block_at", json!({"height": 924_995}), Ok),
        ("block_at", json!({"height": 3}), Error("not_found")),
        ("block_subsidy", json!({"height": 840_000}), Ok),
        ("block_subsidy", json!({"height": -1}), Error("invalid_arguments")),
        ("btc_price", json!({}), Error("timeout")),
        (
            "convert_amount",
            json!({"amount": 2.5, "from": "btc", "to": "sats"}),
            Ok,
        ),
        (
            "convert_amount",
            json!({"amount": 1, "from": "btc", "to": "doge"}),
            Error("invalid_arguments"),
        ),
        (
            "convert_hashrate",
            json!({"value": 1, "from": "EH/s", "to": "TH/s"}),
            Ok,
        ),
        ("current_hashrate", json!({}), Ok),
        ("difficulty_adjustment", json!({}), Ok),
        (
            "difficulty_to_hashrate",
            json!({"difficulty": 1.5e14, "block_seconds": 590}),
            Ok,
        ),
        (
            "difficulty_to_hashrate",
            json!({"difficulty": 0}),
            Error("invalid_arguments"),
        ),
        ("difficulty_scan", json!({"pages": 2, "pause_ms": 0}), Ok),
        ("difficulty_scan", json!({"pages": 0}), Error("invalid_arguments")),
        (
            "estimate_fee",
            json!({"vbytes": 141, "priority": "half_hour", "rates": rates}),
            Ok,
        ),
        (
            "estimate_fee",
            json!({"vbytes": 141, "priority": "asap", "rates": rates}),
            Error("invalid_arguments"),
        ),
        ("halving_schedule", json!({"from_height": 925_000, "count": 3}), Ok),
        ("halving_schedule", json!({"count": 40}), Error("invalid_arguments")),
        ("hashrate_to_difficulty", json!({"hashes_per_second": 1.1e21}), Ok),
        ("lightning_capacity", json!({}), Error("upstream")),
        ("mempool_summary", json!({}), Ok),
        (
            "mining_revenue",
            json!({"miner_ths": 500, "network_ehs": 1090, "height": 925_000}),
            Ok,
        ),
        ("network_overview", json!({}), Ok),
        ("next_retarget", json!({"height": 925_000}), Ok),
        ("pool_shares", json!({"period": "3d"}), Ok),
        ("pool_shares", json!({"period": "1y"}), Error("invalid_arguments")),
        ("projected_blocks", json!({}), Error("upstream")),
        ("recent_blocks", json!({"limit": 5}), Ok),
        ("recent_blocks", json!({"limit": 99}), Error("invalid_arguments")),
        ("recommended_fees", json!({}), Ok),
        ("tip_height", json!({}), Ok),
    ];
    assert_eq!(registry.len(), hashstats::FUNCTION_COUNT);
    let expected = names(&registry);
    assert_eq!(check(registry, &cases).await, expected, "every function is covered");
}

/// An MCP request body over the socket; returns its `result`.
async fn mcp_result(http: &reqwest::Client, base: &str, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let response = http
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let answer: Value = response.json().await.unwrap();
    assert!(answer.get("error").is_none(), "{method} {body}: {answer}");
    answer["result"].clone()
}

/// Each hashstats resource read over REST is its MCP contents (bytes and
/// MIME type), each prompt's REST JSON its `prompts/get` messages, and the
/// image tool's REST body the MCP image block's bytes.
#[tokio::test]
async fn hashstats_resources_prompts_and_images_agree_on_both_protocols() {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let upstream = hashstats::offline::spawn().await.unwrap();
    let registry = hashstats::registry(hashstats::Upstream::new(upstream)).unwrap();
    let base = serve(registry.clone()).await;
    let http = reqwest::Client::new();
    let mut covered = BTreeSet::new();
    for entry in registry.entries() {
        let function = entry.function();
        let Some(spec) = function.resource() else { continue };
        let (uri, path) = if spec.is_template() {
            (
                spec.uri.replace("{height}", "924995"),
                entry.path().replace("{height}", "924995"),
            )
        } else {
            (spec.uri.to_owned(), entry.path().to_owned())
        };
        let read = mcp_result(&http, &base, "resources/read", json!({ "uri": uri })).await;
        let contents = &read["contents"][0];
        let rest = http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(rest.status(), 200, "{uri}");
        let mime = rest.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(contents["mimeType"].as_str().unwrap(), mime, "{uri}");
        let bytes = rest.bytes().await.unwrap().to_vec();
        let mcp_bytes = match (contents.get("text"), contents.get("blob")) {
            (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
            (None, Some(blob)) => b64.decode(blob.as_str().unwrap()).unwrap(),
            _ => panic!("{uri}: neither text nor blob"),
        };
        assert_eq!(mcp_bytes, bytes, "{uri}");
        covered.insert(function.name());
    }
    for (name, strings, typed) in [
        ("mining_report", json!({"period": "1w"}), json!({"period": "1w"})),
        ("explain_block", json!({"height": "924995"}), json!({"height": 924_995})),
    ] {
        let got = mcp_result(&http, &base, "prompts/get", json!({"name": name, "arguments": strings})).await;
        let rest = http
            .post(format!("{base}/api/prompts/{name}"))
            .json(&typed)
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 200, "{name}");
        assert_eq!(rest.json::<Value>().await.unwrap(), got["messages"], "{name}");
        covered.insert(name);
    }
    let call = mcp_result(
        &http,
        &base,
        "tools/call",
        json!({"name": "difficulty_chart", "arguments": {"limit": 4}}),
    )
    .await;
    let image = &call["content"][0];
    assert_eq!(image["type"], "image");
    let rest = http
        .post(format!("{base}/api/difficulty_chart"))
        .json(&json!({"limit": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.headers()["content-type"], "image/svg+xml");
    assert_eq!(
        rest.bytes().await.unwrap().to_vec(),
        b64.decode(image["data"].as_str().unwrap()).unwrap()
    );
    covered.insert("difficulty_chart");
    let everything_else: BTreeSet<&str> = registry
        .entries()
        .iter()
        .map(|e| e.name())
        .filter(|n| !names(&registry).contains(*n))
        .collect();
    assert_eq!(
        covered, everything_else,
        "every resource, prompt and content tool is covered"
    );

    // The enum argument completes from its schema, the height from its provider.
    let period = mcp_result(
        &http,
        &base,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "mining_report"}, "argument": {"name": "period", "value": "3"}}),
    )
    .await;
    assert_eq!(period["completion"]["values"], json!(["3d"]));
    let heights = mcp_result(
        &http,
        &base,
        "completion/complete",
        json!({"ref": {"type": "ref/resource", "uri": "hashstats://blocks/{height}"}, "argument": {"name": "height", "value": "92499"}}),
    )
    .await;
    let values = heights["completion"]["values"].as_array().unwrap();
    assert!(
        !values.is_empty() && values.iter().all(|v| v.as_str().unwrap().starts_with("92499")),
        "{heights}"
    );
}
