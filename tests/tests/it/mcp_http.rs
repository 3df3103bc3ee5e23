//! MCP over Streamable HTTP against a real server on 127.0.0.1:0: raw
//! requests (reqwest) for every rule of both eras, the `rmcp` client in both
//! eras, golden JSON for every message shape we emit, and the schema rules
//! every advertised tool must follow.

use std::sync::atomic::Ordering;
use std::time::Duration;

use registry_core::Registry;
use registry_server::{Server, ServerConfig};
use registry_tests as _;
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientLifecycleMode, ClientServiceExt, ServiceExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::SLEEPY;
use crate::rmcp_client::{Recorder, args};
use crate::schema_rules;

const MODERN: &str = "2026-07-28";

/// Starts the fixture registry on a fresh loopback port and returns its `/mcp` URL.
async fn start(config: ServerConfig) -> String {
    let registry = Registry::from_inventory().expect("consistent fixture registry");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let server = Server::new(registry, config.info("registry fixtures", "0.1.0"));
    tokio::spawn(server.serve_on(listener));
    format!("http://{addr}/mcp")
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) text: String,
}

impl Answer {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

pub(crate) async fn post(url: &str, headers: &[(&str, &str)], body: impl Into<String>) -> Answer {
    let mut request = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(body.into());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("request sent");
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

/// A legacy request (no `_meta` version).
pub(crate) async fn legacy(url: &str, id: u64, method: &str, params: Value) -> Answer {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    post(url, &[("mcp-protocol-version", "2025-11-25")], body.to_string()).await
}

fn modern_body(id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// A modern request with correct headers.
pub(crate) async fn modern(url: &str, id: u64, method: &str, params: Value) -> Answer {
    let name = params.get("name").and_then(Value::as_str).unwrap_or("").to_owned();
    let body = modern_body(id, method, params);
    let mut headers = vec![("mcp-protocol-version", MODERN), ("mcp-method", method)];
    if method == "tools/call" {
        headers.push(("mcp-name", name.as_str()));
    }
    post(url, &headers, body.to_string()).await
}

// ---------------------------------------------------------------- golden files

/// Compares `actual` with `tests/fixtures/mcp/NAME.json`; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &Value) {
    let path = format!("{}/fixtures/mcp/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let pretty = format!("{}\n", serde_json::to_string_pretty(actual).expect("serializable"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &pretty).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {path}; run with UPDATE_GOLDEN=1 to create it"));
    let expected: Value = serde_json::from_str(&expected).expect("golden file is JSON");
    assert_eq!(
        &expected, actual,
        "{name} differs from {path} (UPDATE_GOLDEN=1 rewrites it)"
    );
}

/// Checks `actual` against a spec shape in `tests/fixtures/mcp/spec/NAME.json`:
/// every key the shape has must exist in `actual` with a value of the same JSON
/// type, recursively; strings that are not `"*"` must match exactly.
fn spec_shape(name: &str, actual: &Value) {
    let path = format!("{}/fixtures/mcp/spec/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let shape: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("spec shape file")).expect("spec shape is JSON");
    conforms(&shape, actual, name);
}

fn conforms(shape: &Value, actual: &Value, at: &str) {
    match (shape, actual) {
        (Value::Object(shape), Value::Object(actual)) => {
            for (key, sub) in shape {
                let found = actual
                    .get(key)
                    .unwrap_or_else(|| panic!("{at}: missing `{key}` in {actual:?}"));
                conforms(sub, found, &format!("{at}.{key}"));
            }
        }
        (Value::Array(shape), Value::Array(actual)) => {
            if let Some(item) = shape.first() {
                assert!(!actual.is_empty(), "{at}: expected a non-empty array");
                for element in actual {
                    conforms(item, element, at);
                }
            }
        }
        (Value::String(s), Value::String(a)) => assert!(s == "*" || s == a, "{at}: expected {s:?}, got {a:?}"),
        (Value::Number(_), Value::Number(_)) | (Value::Bool(_), Value::Bool(_)) | (Value::Null, Value::Null) => {}
        (shape, actual) => panic!("{at}: expected something like {shape}, got {actual}"),
    }
}

fn result_of(answer: &Answer) -> Value {
    let body = answer.json();
    assert!(body.get("error").is_none(), "unexpected error: {body}");
    body["result"].clone()
}

fn error_of(answer: &Answer) -> Value {
    let body = answer.json();
    assert!(body.get("result").is_none(), "expected an error: {body}");
    body["error"].clone()
}

// ---------------------------------------------------------------- legacy era

#[tokio::test]
async fn legacy_initialize_echoes_supported_versions() {
    let url = start(ServerConfig::default()).await;
    for (asked, answered) in [
        ("2025-03-26", "2025-03-26"),
        ("2025-06-18", "2025-06-18"),
        ("2025-11-25", "2025-11-25"),
        ("2024-11-05", "2025-11-25"),
    ] {
        let params = json!({"protocolVersion": asked, "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}});
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params});
        let answer = post(&url, &[], body.to_string()).await;
        assert_eq!(answer.status, 200);
        assert!(
            answer.headers.get("mcp-session-id").is_none(),
            "no session id is minted"
        );
        let result = result_of(&answer);
        assert_eq!(result["protocolVersion"], answered, "asked {asked}");
        if asked == "2025-11-25" {
            golden("initialize_result", &result);
            spec_shape("initialize_result", &result);
        }
    }
    let note = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    let answer = post(&url, &[("mcp-protocol-version", "2025-11-25")], note.to_string()).await;
    assert_eq!((answer.status, answer.text.as_str()), (202, ""));
}

#[tokio::test]
async fn legacy_ping_list_and_call() {
    let url = start(ServerConfig::default()).await;
    let ping = legacy(&url, 1, "ping", json!({})).await;
    assert_eq!(ping.json(), json!({"jsonrpc": "2.0", "id": 1, "result": {}}));

    let list = result_of(&legacy(&url, 2, "tools/list", json!({})).await);
    assert!(list.get("ttlMs").is_none() && list.get("resultType").is_none());
    golden("tools_list_legacy", &list);
    spec_shape("tools_list_result", &list);

    let call = legacy(
        &url,
        3,
        "tools/call",
        json!({"name": "add", "arguments": {"a": 2, "b": 40}}),
    )
    .await;
    assert_eq!(call.content_type(), "application/json");
    let call = result_of(&call);
    golden("tools_call_result_legacy", &call);
    spec_shape("call_tool_result", &call);
    assert_eq!(call["structuredContent"], json!({"result": 42}));

    let object = result_of(
        &legacy(
            &url,
            4,
            "tools/call",
            json!({"name": "get_item", "arguments": {"id": 7}}),
        )
        .await,
    );
    assert_eq!(
        object["structuredContent"],
        json!({"id": 7, "name": "item-7"}),
        "objects are not wrapped"
    );
    let text: Value = serde_json::from_str(object["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, object["structuredContent"]);
}

#[tokio::test]
async fn get_and_delete_are_405_and_bad_version_header_is_400() {
    let url = start(ServerConfig::default()).await;
    let client = reqwest::Client::new();
    for method in [reqwest::Method::GET, reqwest::Method::DELETE] {
        let response = client.request(method.clone(), &url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "POST");
    }
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let answer = post(&url, &[("mcp-protocol-version", "1999-01-01")], body.clone()).await;
    assert_eq!(answer.status, 400);
    let error = error_of(&answer);
    assert_eq!(error["code"], -32022);
    assert_eq!(error["data"]["supported"][0], MODERN);
    // A modern version in the header with a legacy body disagrees with the body.
    let answer = post(&url, &[("mcp-protocol-version", MODERN)], body).await;
    assert_eq!((answer.status, error_of(&answer)["code"].clone()), (400, json!(-32020)));
}

// ---------------------------------------------------------------- modern era

#[tokio::test]
async fn modern_discover_list_and_call() {
    let url = start(ServerConfig::default()).await;
    let discover = modern(&url, 1, "server/discover", json!({})).await;
    assert_eq!(discover.status, 200);
    let discover = result_of(&discover);
    golden("discover_result", &discover);
    spec_shape("discover_result", &discover);
    assert_eq!(discover["supportedVersions"][0], MODERN);
    assert!(
        discover["supportedVersions"]
            .as_array()
            .unwrap()
            .contains(&json!("2025-11-25"))
    );

    let list = result_of(&modern(&url, 2, "tools/list", json!({})).await);
    golden("tools_list_modern", &list);
    spec_shape("tools_list_result_modern", &list);

    let call = result_of(
        &modern(
            &url,
            3,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 2}}),
        )
        .await,
    );
    golden("tools_call_result_modern", &call);
    assert_eq!(call["resultType"], "complete");

    let ping = result_of(&modern(&url, 4, "ping", json!({})).await);
    assert_eq!(ping, json!({"resultType": "complete"}));
}

#[tokio::test]
async fn modern_header_validation() {
    let url = start(ServerConfig::default()).await;
    let call = modern_body(1, "tools/call", json!({"name": "add", "arguments": {"a": 1, "b": 2}})).to_string();
    let ok = [
        ("mcp-protocol-version", MODERN),
        ("mcp-method", "tools/call"),
        ("mcp-name", "add"),
    ];
    let answer = post(&url, &ok, call.clone()).await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    let cases: [(&str, Vec<(&str, &str)>); 5] = [
        ("missing Mcp-Method", vec![ok[0], ok[2]]),
        ("wrong Mcp-Method", vec![ok[0], ("mcp-method", "tools/list"), ok[2]]),
        ("missing Mcp-Name", vec![ok[0], ok[1]]),
        ("wrong Mcp-Name", vec![ok[0], ok[1], ("mcp-name", "divide")]),
        (
            "version header differs",
            vec![("mcp-protocol-version", "2025-11-25"), ok[1], ok[2]],
        ),
    ];
    for (case, headers) in cases {
        let answer = post(&url, &headers, call.clone()).await;
        assert_eq!(answer.status, 400, "{case}: {}", answer.text);
        let error = error_of(&answer);
        assert_eq!(error["code"], -32020, "{case}");
        if case == "wrong Mcp-Name" {
            golden("error_header_mismatch", &answer.json());
        }
    }
    // Base64 sentinel form of Mcp-Name ("add").
    let answer = post(&url, &[ok[0], ok[1], ("mcp-name", "=?base64?YWRk?=")], call).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn modern_versions_and_capabilities() {
    let url = start(ServerConfig::default()).await;
    let mut body = modern_body(1, "tools/list", json!({}));
    body["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = json!("2099-01-01");
    let answer = post(
        &url,
        &[("mcp-protocol-version", "2099-01-01"), ("mcp-method", "tools/list")],
        body.to_string(),
    )
    .await;
    assert_eq!(answer.status, 400);
    let error = answer.json();
    golden("error_unsupported_version", &error);
    spec_shape("error_unsupported_version", &error);

    let mut body = modern_body(2, "tools/list", json!({}));
    body["params"]["_meta"]
        .as_object_mut()
        .unwrap()
        .remove("io.modelcontextprotocol/clientCapabilities");
    let answer = post(
        &url,
        &[("mcp-protocol-version", MODERN), ("mcp-method", "tools/list")],
        body.to_string(),
    )
    .await;
    assert_eq!((answer.status, error_of(&answer)["code"].clone()), (400, json!(-32602)));

    let answer = modern(&url, 3, "resources/list", json!({})).await;
    assert_eq!(answer.status, 404, "modern unknown methods are 404");
    assert_eq!(error_of(&answer)["code"], -32601);
}

// ---------------------------------------------------------------- errors

#[tokio::test]
async fn json_rpc_errors() {
    let url = start(ServerConfig::default()).await;
    let answer = post(&url, &[], "{\"jsonrpc\": \"2.0\", ").await;
    assert_eq!(answer.status, 400);
    assert_eq!(error_of(&answer)["code"], -32700);
    assert_eq!(answer.json()["id"], Value::Null);
    golden(
        "error_parse",
        &json!({"code": error_of(&answer)["code"], "id": answer.json()["id"]}),
    );

    for body in [
        r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#,
        r#"{"id":1,"method":"ping"}"#,
        "7",
    ] {
        let answer = post(&url, &[], body).await;
        assert_eq!(
            (answer.status, error_of(&answer)["code"].clone()),
            (400, json!(-32600)),
            "{body}"
        );
    }

    let answer = legacy(&url, 5, "resources/list", json!({})).await;
    let error = answer.json();
    assert_eq!(error["error"]["code"], -32601);
    golden("error_method_not_found", &error);

    let answer = legacy(&url, 6, "tools/call", json!({"name": "rest_only"})).await;
    let error = answer.json();
    assert_eq!(error["error"]["code"], -32602, "a tool hidden from MCP is unknown");
    golden("error_unknown_tool", &error);
    spec_shape("error_unknown_tool", &error);

    let answer = legacy(&url, 7, "tools/list", json!({"cursor": "not-ours"})).await;
    assert_eq!(error_of(&answer)["code"], -32602);
}

#[tokio::test]
async fn tool_errors_are_results_and_panics_are_masked() {
    let url = start(ServerConfig::default()).await;
    let bad = result_of(
        &legacy(
            &url,
            1,
            "tools/call",
            json!({"name": "add", "arguments": {"a": "x", "b": 1}}),
        )
        .await,
    );
    assert_eq!(bad["isError"], true);
    golden("tools_call_error_arguments", &bad);
    spec_shape("call_tool_error", &bad);
    let text = bad["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("`a`") && text.contains("expected i64"), "{text}");

    let missing = result_of(&legacy(&url, 2, "tools/call", json!({"name": "add", "arguments": {"a": 1}})).await);
    assert!(missing["content"][0]["text"].as_str().unwrap().contains("`b`"));

    let not_found = result_of(
        &legacy(
            &url,
            3,
            "tools/call",
            json!({"name": "get_item", "arguments": {"id": 0}}),
        )
        .await,
    );
    assert_eq!(not_found["isError"], true);
    assert_eq!(not_found["content"][0]["text"], "no item with id 0");

    let sleepy = SLEEPY.lock().await;
    let timeout = result_of(
        &legacy(
            &url,
            4,
            "tools/call",
            json!({"name": "sleepy", "arguments": {"ms": 5000}}),
        )
        .await,
    );
    assert_eq!(timeout["isError"], true);
    assert!(timeout["content"][0]["text"].as_str().unwrap().contains("300ms"));
    drop(sleepy);

    for name in ["explode", "explode_async"] {
        let answer = legacy(&url, 5, "tools/call", json!({"name": name})).await;
        assert_eq!(answer.status, 200);
        let error = error_of(&answer);
        assert_eq!(error["code"], -32603);
        let message = error["message"].as_str().unwrap();
        assert!(!message.contains("boom") && !message.contains("42"), "{message}");
        if name == "explode" {
            golden("error_internal", &answer.json());
        }
    }
    // The server survived.
    let ok = result_of(
        &legacy(
            &url,
            6,
            "tools/call",
            json!({"name": "add", "arguments": {"a": 1, "b": 1}}),
        )
        .await,
    );
    assert_eq!(ok["structuredContent"]["result"], 2);

    let debug = start(ServerConfig::default().debug_errors(true)).await;
    let answer = legacy(&debug, 7, "tools/call", json!({"name": "explode"})).await;
    assert!(error_of(&answer)["message"].as_str().unwrap().contains("boom"));
}

// ---------------------------------------------------------------- transport checks

#[tokio::test]
async fn origin_host_and_body_limit() {
    let url = start(
        ServerConfig::default()
            .allow_origin("https://app.example.com")
            .max_body_bytes(2048),
    )
    .await;
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    for (origin, status) in [
        ("http://evil.example.com", 403),
        ("null", 403),
        ("https://app.example.com", 200),
        ("https://app.example.com/", 200),
        ("http://localhost:3000", 200),
        ("http://127.0.0.1:9", 200),
        ("http://[::1]:9", 200),
    ] {
        let answer = post(&url, &[("origin", origin)], ping.clone()).await;
        assert_eq!(answer.status, status, "Origin {origin}: {}", answer.text);
    }
    let answer = post(&url, &[("host", "evil.example.com")], ping.clone()).await;
    assert_eq!(
        answer.status, 403,
        "a non-localhost Host on a loopback server (DNS rebinding)"
    );
    let answer = post(&url, &[("host", "localhost:1234")], ping.clone()).await;
    assert_eq!(answer.status, 200);
    let answer = post(&url, &[("host", "app.example.com")], ping).await;
    assert_eq!(answer.status, 200, "hosts of allowed origins are allowed");

    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "echo", "arguments": {"message": "x".repeat(4096)}}});
    let answer = post(&url, &[], big.to_string()).await;
    assert_eq!(answer.status, 413);
}

#[tokio::test]
async fn foreign_origins_need_the_allow_list() {
    let url = start(ServerConfig::default()).await;
    // serve_on derives loopback from the listener: this one is loopback, so only loopback origins pass.
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"}).to_string();
    let answer = post(&url, &[("origin", "https://app.example.com")], ping).await;
    assert_eq!(answer.status, 403);
}

// ---------------------------------------------------------------- progress and disconnects

fn sse_messages(text: &str) -> Vec<Value> {
    text.split("\n\n")
        .filter_map(|event| event.lines().find_map(|line| line.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).expect("SSE data is JSON"))
        .collect()
}

#[tokio::test]
async fn progress_token_gives_sse_with_notifications_then_result() {
    let url = start(ServerConfig::default()).await;
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
        "params": {"name": "count_steps", "arguments": {"steps": 3}, "_meta": {"progressToken": "tok"}}});
    let answer = post(&url, &[], body.to_string()).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type(), "text/event-stream");
    assert_eq!(answer.headers["x-accel-buffering"], "no");
    let messages = sse_messages(&answer.text);
    assert_eq!(messages.len(), 4, "{}", answer.text);
    for (i, note) in messages[..3].iter().enumerate() {
        assert_eq!(note["method"], "notifications/progress");
        assert_eq!(note["params"]["progressToken"], "tok");
        assert_eq!(note["params"]["progress"], json!(i as f64 + 1.0));
        assert_eq!(note["params"]["total"], json!(3.0));
    }
    golden("progress_notification", &messages[0]);
    spec_shape("progress_notification", &messages[0]);
    assert_eq!(messages[3]["id"], 9);
    assert_eq!(messages[3]["result"]["structuredContent"], json!({"result": 3}));

    // Without a token: plain JSON.
    let answer = legacy(
        &url,
        10,
        "tools/call",
        json!({"name": "count_steps", "arguments": {"steps": 2}}),
    )
    .await;
    assert_eq!(answer.content_type(), "application/json");
    // A client that accepts only JSON gets JSON even with a token.
    let answer = reqwest::Client::new()
        .post(&url)
        .header("accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.headers()["content-type"], "application/json");
}

/// Sends `body` to `/mcp` over a raw connection, waits for the call to start, and hangs up.
async fn hang_up(url: &str, body: &str) {
    use tokio::io::AsyncWriteExt;
    let authority = url.trim_start_matches("http://").trim_end_matches("/mcp");
    let mut stream = tokio::net::TcpStream::connect(authority).await.expect("connect");
    let request = format!(
        "POST /mcp HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Accept: application/json, text/event-stream\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    tokio::time::sleep(Duration::from_millis(30)).await;
    drop(stream);
}

#[tokio::test]
async fn client_disconnect_drops_the_call() {
    let url = start(ServerConfig::default()).await;
    let _sleepy = SLEEPY.lock().await;
    // `sleepy` 250 ms finishes inside its 300 ms timeout unless it is dropped.
    for progress in [false, true] {
        let before = registry_tests::SLEEPY_DROPPED.load(Ordering::SeqCst);
        let mut params = json!({"name": "sleepy", "arguments": {"ms": 250}});
        if progress {
            params["_meta"] = json!({"progressToken": 1});
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params});
        hang_up(&url, &body.to_string()).await;
        let mut dropped = 0;
        for _ in 0..100 {
            dropped = registry_tests::SLEEPY_DROPPED.load(Ordering::SeqCst) - before;
            if dropped > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            dropped, 1,
            "progress {progress}: the call is dropped when its client goes away"
        );
    }
}

// ---------------------------------------------------------------- schemas

/// The normalization rules of issue 3, checked on every advertised tool.
#[tokio::test]
async fn a_legacy_cancellation_notification_cancels_the_named_call() {
    let url = start(ServerConfig::default()).await;
    // 3,000 steps of 10 ms: the call would run for 30 s.
    let call = {
        let url = url.clone();
        tokio::spawn(async move {
            legacy(
                &url,
                77,
                "tools/call",
                json!({"name": "count_steps", "arguments": {"steps": 3000}}),
            )
            .await
        })
    };
    // Until the call answers, name it in `notifications/cancelled` (it may not be registered yet).
    let cancel =
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 77, "reason": "user"}});
    let mut sent = 0;
    while !call.is_finished() {
        let accepted = post(&url, &[("mcp-protocol-version", "2025-11-25")], cancel.to_string()).await;
        assert_eq!(accepted.status, 202, "{}", accepted.text);
        sent += 1;
        assert!(sent < 1000, "the call was never cancelled");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let answer = call.await.unwrap().json();
    assert_eq!(answer["id"], 77);
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    assert_eq!(
        answer["result"]["_meta"]["api-registry/error"]["kind"], "cancelled",
        "{answer}"
    );
    // A cancellation naming nothing held here is accepted and ignored.
    let stray = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "nope"}});
    assert_eq!(
        post(&url, &[("mcp-protocol-version", "2025-11-25")], stray.to_string())
            .await
            .status,
        202
    );
}

#[tokio::test]
async fn every_tool_schema_follows_the_rules() {
    let url = start(ServerConfig::default()).await;
    let list = result_of(&legacy(&url, 1, "tools/list", json!({})).await);
    let tools = list["tools"].as_array().unwrap();
    let registry = Registry::from_inventory().unwrap();
    assert_eq!(tools.len(), registry.exposed(registry_core::Protocol::Mcp).count());
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "deterministic order: by name");

    for tool in tools {
        let name = tool["name"].as_str().unwrap();
        for key in [
            "name",
            "title",
            "description",
            "inputSchema",
            "outputSchema",
            "annotations",
        ] {
            assert!(tool.get(key).is_some(), "{name}: missing {key}");
        }
        assert!(
            !tool["description"].as_str().unwrap().is_empty(),
            "{name}: empty description"
        );
        schema_rules::check_tool(name, tool);
        let input = &tool["inputSchema"];
        if input["properties"].as_object().unwrap().is_empty() {
            assert_eq!(
                input,
                &json!({"type": "object", "properties": {}, "additionalProperties": false}),
                "{name}: a tool without arguments"
            );
        }
    }
}

// ---------------------------------------------------------------- rmcp client

/// The rmcp client in one lifecycle: list, a sync and an async call, bad arguments, an unknown tool.
async fn rmcp_session(url: &str, lifecycle: ClientLifecycleMode, expected: ProtocolVersion) {
    let recorder = Recorder::default();
    let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
    let client = recorder
        .clone()
        .serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("rmcp client connects");
    let info = client.peer_info().expect("peer info");
    assert_eq!(info.protocol_version, expected);

    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.iter().any(|t| t.name == "add") && !tools.iter().any(|t| t.name == "rest_only"));
    let add = tools.iter().find(|t| t.name == "add").unwrap();
    assert_eq!(add.annotations.as_ref().and_then(|a| a.read_only_hint), Some(true));

    let sum = client
        .call_tool(CallToolRequestParams::new("add").with_arguments(args(json!({"a": 20, "b": 22}))))
        .await
        .expect("tools/call add");
    assert_eq!(sum.structured_content, Some(json!({"result": 42})));
    assert_ne!(sum.is_error, Some(true));

    let divided = client
        .call_tool(CallToolRequestParams::new("divide").with_arguments(args(json!({"a": 1, "b": 4}))))
        .await
        .expect("tools/call divide");
    assert_eq!(divided.structured_content, Some(json!({"result": 0.25})));

    let bad = client
        .call_tool(CallToolRequestParams::new("divide").with_arguments(args(json!({"a": 1}))))
        .await
        .expect("bad arguments are a result");
    assert_eq!(bad.is_error, Some(true));

    let unknown = client
        .call_tool(CallToolRequestParams::new("nope"))
        .await
        .expect_err("unknown tool is a protocol error");
    assert!(
        unknown.to_string().contains("-32602") || unknown.to_string().contains("Unknown tool"),
        "{unknown}"
    );

    let steps = client
        .call_tool(CallToolRequestParams::new("count_steps").with_arguments(args(json!({"steps": 2}))))
        .await
        .expect("count_steps");
    assert_eq!(steps.structured_content, Some(json!({"result": 2})));
    client.cancel().await.expect("close the client");
}

#[tokio::test]
async fn rmcp_client_legacy_and_modern_over_http() {
    let url = start(ServerConfig::default()).await;
    rmcp_session(&url, ClientLifecycleMode::Initialize, ProtocolVersion::V_2025_11_25).await;
    rmcp_session(
        &url,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
        ProtocolVersion::V_2026_07_28,
    )
    .await;
    // `serve` without a lifecycle is rmcp's default (legacy initialize).
    let client = ().serve(StreamableHttpClientTransport::from_uri(url.clone())).await.expect("default lifecycle");
    assert_eq!(
        client.peer_info().unwrap().protocol_version,
        ProtocolVersion::V_2025_11_25
    );
    client.cancel().await.unwrap();
}
