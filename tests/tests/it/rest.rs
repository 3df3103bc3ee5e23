//! REST routes end to end: the real server on a loopback port, called with reqwest.

use registry_core::Registry;
use registry_server::{Server, ServerConfig};
use registry_tests as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::SLEEPY;

/// Starts the fixture registry on 127.0.0.1:0 and returns its base URL.
async fn start(config: ServerConfig) -> String {
    let registry = Registry::from_inventory().expect("consistent registry");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let server = Server::new(registry, config);
    let _ = server.router().expect("every route builds");
    tokio::spawn(server.serve_on(listener));
    base
}

struct Reply {
    status: StatusCode,
    content_type: String,
    request_id: Option<String>,
    allow: Option<String>,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|err| panic!("not JSON ({err}): {:?}", self.text))
    }

    /// Asserts an RFC 9457 problem of `status` and returns it.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        let problem = self.json();
        assert_eq!(problem["status"], json!(status), "{problem}");
        for member in ["type", "title", "detail", "code"] {
            assert!(problem[member].is_string(), "`{member}` missing in {problem}");
        }
        assert_eq!(
            problem["request_id"].as_str(),
            self.request_id.as_deref(),
            "the problem and the header carry one request id"
        );
        problem
    }
}

async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("request sent");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    };
    Reply {
        status: response.status(),
        content_type: header("content-type").unwrap_or_default(),
        request_id: header("x-request-id"),
        allow: header("allow"),
        text: response.text().await.expect("body"),
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(base: &str, path: &str, body: Value) -> Reply {
    send(client().post(format!("{base}{path}")).json(&body)).await
}

async fn post_raw(base: &str, path: &str, content_type: Option<&str>, body: impl Into<reqwest::Body>) -> Reply {
    let mut request = client().post(format!("{base}{path}")).body(body);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    send(request).await
}

async fn get(base: &str, path_and_query: &str) -> Reply {
    send(client().get(format!("{base}{path_and_query}"))).await
}

/// The single field error of an invalid-arguments problem: `(field, pointer, reason)`.
fn field_error(problem: &Value) -> (String, String, String) {
    assert_eq!(problem["code"], "invalid_arguments", "{problem}");
    let errors = problem["errors"].as_array().expect("`errors` array");
    assert_eq!(errors.len(), 1, "{problem}");
    let s = |k: &str| errors[0][k].as_str().expect("string member").to_owned();
    (s("field"), s("pointer"), s("reason"))
}

#[tokio::test]
async fn post_routes_answer_json() {
    let base = start(ServerConfig::default()).await;

    let reply = post(&base, "/api/add", json!({"a": 2, "b": 40})).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(reply.json(), json!(42));
    assert!(reply.request_id.is_some_and(|id| !id.is_empty()));

    let reply = post(&base, "/api/divide", json!({"a": 1, "b": 4})).await;
    assert_eq!(reply.json(), json!(0.25));

    let reply = post(
        &base,
        "/api/measure",
        json!({
            "shape": {"kind": "rect", "min": {"x": 0, "y": 0}, "max": {"x": 2, "y": 3}},
            "color": "green"
        }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!({"area": 6.0, "color": "green"}));

    // A function without arguments takes an empty body, whatever its content type.
    let reply = post_raw(&base, "/api/rest_only", None, "").await;
    assert_eq!((reply.status, reply.json()), (StatusCode::OK, json!("rest")));
    let reply = post(&base, "/api/rest_only", json!({})).await;
    assert_eq!(reply.json(), json!("rest"));
}

#[tokio::test]
async fn request_ids_are_echoed_or_minted() {
    let base = start(ServerConfig::default()).await;
    let request = client()
        .post(format!("{base}/api/echo"))
        .header("x-request-id", "trace-abc-123")
        .json(&json!({"message": "hi", "times": 2}));
    let reply = send(request).await;
    assert_eq!(reply.request_id.as_deref(), Some("trace-abc-123"));
    assert_eq!(reply.json(), json!({"message": "hihi", "request_id": "trace-abc-123"}));

    // An id the server would not echo safely is replaced.
    let request = client()
        .post(format!("{base}/api/echo"))
        .header("x-request-id", "x".repeat(500))
        .json(&json!({"message": "hi"}));
    let reply = send(request).await;
    let minted = reply.request_id.clone().expect("a request id");
    assert_ne!(minted, "x".repeat(500));
    assert_eq!(reply.json()["request_id"], json!(minted));

    // Errors carry it too, in the header and the problem.
    let request = client()
        .post(format!("{base}/api/divide"))
        .header("x-request-id", "err-1")
        .json(&json!({"a": 1, "b": 0}));
    let problem = send(request).await.problem(422);
    assert_eq!(problem["request_id"], "err-1");
}

#[tokio::test]
async fn get_routes_take_typed_query_and_path_arguments() {
    let base = start(ServerConfig::default()).await;

    // Defaults fill what the query leaves out.
    let reply = get(&base, "/api/search?q=book").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json(), json!(["book-1", "book-2", "book-3"]));
    // Numbers are numbers, repeated keys are arrays, percent-encoding is decoded.
    let reply = get(&base, "/api/search?q=a%20b&limit=2&tags=x&tags=y%2Fz").await;
    assert_eq!(reply.json(), json!(["a b-1+x+y/z", "a b-2+x+y/z"]));
    let reply = get(&base, "/api/search?q=one&tags=solo&limit=1").await;
    assert_eq!(reply.json(), json!(["one-1+solo"]));

    // Path segments, with a typed boolean from the query.
    let reply = get(&base, "/api/items/7").await;
    assert_eq!(reply.json(), json!({"id": 7, "name": "item-7"}));
    let reply = get(&base, "/api/items/7?verbose=true").await;
    assert_eq!(
        reply.json(),
        json!({"id": 7, "name": "item-7", "description": "item number 7, described at length"})
    );
    let reply = get(&base, "/api/items/8?verbose=false").await;
    assert_eq!(reply.json(), json!({"id": 8, "name": "item-8"}));

    // HEAD follows GET.
    let head = client().head(format!("{base}/api/items/7")).send().await.expect("HEAD");
    assert_eq!(head.status(), StatusCode::OK);
}

#[tokio::test]
async fn query_errors_name_the_argument() {
    let base = start(ServerConfig::default()).await;

    let problem = get(&base, "/api/search?q=x&limit=many").await.problem(422);
    let (field, pointer, reason) = field_error(&problem);
    assert_eq!((field.as_str(), pointer.as_str()), ("limit", "/limit"));
    assert_eq!(reason, "expected an integer, found \"many\"");

    let problem = get(&base, "/api/search?q=x&limit=1&limit=2").await.problem(422);
    assert!(field_error(&problem).2.contains("more than once"), "{problem}");

    let problem = get(&base, "/api/search?limit=1").await.problem(422);
    assert_eq!(field_error(&problem).0, "q");
    assert_eq!(field_error(&problem).2, "required field is missing");

    let problem = get(&base, "/api/search?q=x&colour=red").await.problem(422);
    let (field, _, reason) = field_error(&problem);
    assert_eq!(field, "colour");
    assert!(reason.starts_with("unknown field"), "{reason}");

    // A negative number is a number, but not a u32.
    let problem = get(&base, "/api/search?q=x&limit=-1").await.problem(422);
    assert_eq!(field_error(&problem).0, "limit");

    let problem = get(&base, "/api/items/7?verbose=yes").await.problem(422);
    let (field, _, reason) = field_error(&problem);
    assert_eq!(field, "verbose");
    assert_eq!(reason, "expected `true` or `false`, found \"yes\"");

    let problem = get(&base, "/api/items/seven").await.problem(422);
    assert_eq!(field_error(&problem).1, "/id");

    // Two bad arguments, two entries.
    let problem = get(&base, "/api/items/x?verbose=maybe").await.problem(422);
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(2), "{problem}");
}

#[tokio::test]
async fn put_and_delete_routes() {
    let base = start(ServerConfig::default()).await;
    let reply = send(client().delete(format!("{base}/api/counter"))).await;
    assert_eq!(
        reply.status,
        StatusCode::NO_CONTENT,
        "a function returning () answers 204"
    );
    assert!(reply.text.is_empty());
    assert!(reply.request_id.is_some());

    let bump = |by: i64| send(client().put(format!("{base}/api/bump")).json(&json!({ "by": by })));
    assert_eq!(bump(5).await.json(), json!(5));
    assert_eq!(bump(-2).await.json(), json!(3));
    let reply = send(client().delete(format!("{base}/api/counter"))).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(bump(1).await.json(), json!(1));

    // DELETE reads the query string: this one takes nothing.
    let problem = send(client().delete(format!("{base}/api/counter?all=true")))
        .await
        .problem(422);
    assert_eq!(field_error(&problem).0, "all");
}

#[tokio::test]
async fn function_errors_map_to_statuses() {
    let base = start(ServerConfig::default()).await;

    let problem = post(&base, "/api/divide", json!({"a": 1, "b": 0})).await.problem(422);
    assert_eq!(problem["title"], "Invalid arguments");
    assert_eq!(problem["type"], "/docs#error-invalid_arguments");
    let (field, pointer, reason) = field_error(&problem);
    assert_eq!(
        (field.as_str(), pointer.as_str(), reason.as_str()),
        ("b", "/b", "must not be zero")
    );

    let problem = get(&base, "/api/items/0").await.problem(404);
    assert_eq!(problem["code"], "not_found");
    assert_eq!(problem["detail"], "no item with id 0");

    for path in ["/api/explode", "/api/explode_async"] {
        let reply = post(&base, path, json!({})).await;
        let problem = reply.problem(500);
        assert_eq!(problem["code"], "internal");
        assert!(!reply.text.contains("boom"), "the panic message leaked: {}", reply.text);
        // Not a bare "42": a random request id may contain it.
        assert!(
            !reply.text.contains("secret is 42"),
            "the panic message leaked: {}",
            reply.text
        );
    }
    // The server survived the panics.
    assert_eq!(post(&base, "/api/add", json!({"a": 1, "b": 1})).await.json(), json!(2));

    // A timed-out `sleepy` counts in `SLEEPY_DROPPED`, which an MCP test of this binary reads.
    let sleepy = SLEEPY.lock().await;
    let problem = post(&base, "/api/sleepy", json!({"ms": 1000})).await.problem(504);
    assert_eq!(problem["code"], "timeout");
    assert_eq!(post(&base, "/api/sleepy", json!({"ms": 1})).await.json(), json!(1));
    drop(sleepy);
}

#[tokio::test]
async fn debug_errors_show_internal_detail() {
    let base = start(ServerConfig::default().debug_errors(true)).await;
    let reply = post(&base, "/api/explode", json!({})).await;
    let problem = reply.problem(500);
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("boom: the secret is 42"), "{detail}");
}

#[tokio::test]
async fn bad_bodies_are_rejected_with_problems() {
    let base = start(ServerConfig::default()).await;
    let json_type = Some("application/json");

    let problem = post_raw(&base, "/api/add", json_type, "{\"a\": 1,").await.problem(400);
    assert_eq!(problem["code"], "malformed_json");
    let problem = post_raw(&base, "/api/add", json_type, "not json").await.problem(400);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("not valid JSON")));

    let problem = post(&base, "/api/add", json!([1, 2])).await.problem(422);
    let (field, pointer, reason) = field_error(&problem);
    assert_eq!((field.as_str(), pointer.as_str()), ("", ""));
    assert!(reason.contains("must be a JSON object"), "{reason}");
    let problem = post(&base, "/api/add", json!(3)).await.problem(422);
    assert!(field_error(&problem).2.contains("found a number"));

    let problem = post(&base, "/api/add", json!({"a": "one", "b": 2})).await.problem(422);
    let (field, pointer, reason) = field_error(&problem);
    assert_eq!((field.as_str(), pointer.as_str()), ("a", "/a"));
    assert_eq!(reason, "expected i64, found string \"one\"");

    let problem = post(&base, "/api/add", json!({"a": 1})).await.problem(422);
    assert_eq!(
        field_error(&problem),
        ("b".into(), "/b".into(), "required field is missing".into())
    );
    // An empty body is an empty arguments object.
    let problem = post_raw(&base, "/api/add", json_type, "").await.problem(422);
    assert_eq!(field_error(&problem).2, "required field is missing");

    let problem = post(&base, "/api/add", json!({"a": 1, "b": 2, "c": 3}))
        .await
        .problem(422);
    let (field, _, reason) = field_error(&problem);
    assert_eq!(field, "c");
    assert!(reason.starts_with("unknown field"), "{reason}");

    // Nested: serde buffers an internally tagged enum, so the path stops at the
    // enum's field; the reason still says what was wrong.
    let body = json!({"shape": {"kind": "circle", "center": {"x": "left", "y": 0}, "radius": 1}, "color": "red"});
    let problem = post(&base, "/api/measure", body).await.problem(422);
    let (field, pointer, reason) = field_error(&problem);
    assert_eq!((field.as_str(), pointer.as_str()), ("shape", "/shape"));
    assert!(reason.contains("f64") && reason.contains("left"), "{reason}");
    let body = json!({"shape": {"kind": "hexagon"}, "color": "red"});
    let problem = post(&base, "/api/measure", body).await.problem(422);
    assert!(field_error(&problem).0.starts_with("shape"), "{problem}");
    let body = json!({"shape": {"kind": "circle", "center": {"x": 0, "y": 0}, "radius": 1}, "color": "mauve"});
    let problem = post(&base, "/api/measure", body).await.problem(422);
    assert_eq!(field_error(&problem).0, "color");

    // Wrong or missing content type.
    let problem = post_raw(&base, "/api/add", Some("text/plain"), "{\"a\":1,\"b\":2}")
        .await
        .problem(415);
    assert_eq!(problem["code"], "unsupported_media_type");
    post_raw(&base, "/api/add", None, "{\"a\":1,\"b\":2}")
        .await
        .problem(415);
    post_raw(&base, "/api/add", Some("application/x-www-form-urlencoded"), "a=1&b=2")
        .await
        .problem(415);
    let reply = post_raw(
        &base,
        "/api/add",
        Some("application/json; charset=utf-8"),
        "{\"a\":1,\"b\":2}",
    )
    .await;
    assert_eq!(reply.json(), json!(3));

    // 10 MB against the 1 MiB default limit, declared up front and streamed.
    let big = format!("{{\"a\": 1, \"b\": 2, \"pad\": \"{}\"}}", "x".repeat(10 * 1024 * 1024));
    let problem = post_raw(&base, "/api/add", json_type, big.clone()).await.problem(413);
    assert_eq!(problem["code"], "payload_too_large");
    // The same without a Content-Length (chunked): the limit stops the read.
    assert_eq!(chunked_post_status(&base, "/api/add", &big).await, 413);
    // The server still serves.
    assert_eq!(post(&base, "/api/add", json!({"a": 1, "b": 1})).await.json(), json!(2));
}

/// POSTs `body` with `Transfer-Encoding: chunked` over a raw socket; returns the status.
async fn chunked_post_status(base: &str, path: &str, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.as_bytes().chunks(64 * 1024) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        // The server may answer and close before it has read everything.
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok());
    status.unwrap_or_else(|| panic!("no HTTP status in {text:?}"))
}

#[tokio::test]
async fn a_smaller_body_limit_is_honoured() {
    let base = start(ServerConfig::default().max_body_bytes(64)).await;
    let reply = post(&base, "/api/echo", json!({"message": "short"})).await;
    assert_eq!(reply.status, StatusCode::OK);
    let problem = post(&base, "/api/echo", json!({"message": "y".repeat(100)}))
        .await
        .problem(413);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("64 bytes")));
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_are_problems() {
    let base = start(ServerConfig::default()).await;

    let problem = get(&base, "/api/nothing-here").await.problem(404);
    assert_eq!(problem["code"], "no_route");
    // Hidden from REST means no route at all.
    post(&base, "/api/mcp_only", json!({})).await.problem(404);
    post(&base, "/api/where_async", json!({})).await.problem(404);

    let reply = get(&base, "/api/add").await;
    let problem = reply.problem(405);
    assert_eq!(problem["code"], "method_not_allowed");
    assert_eq!(reply.allow.as_deref(), Some("POST"));

    let reply = post(&base, "/api/search", json!({"q": "x"})).await;
    reply.problem(405);
    assert_eq!(reply.allow.as_deref(), Some("GET,HEAD"));

    let reply = send(client().patch(format!("{base}/api/counter"))).await;
    reply.problem(405);
    assert_eq!(reply.allow.as_deref(), Some("DELETE"));
}

#[tokio::test]
async fn healthz_counts_functions_per_protocol() {
    let base = start(ServerConfig::default()).await;
    let registry = Registry::from_inventory().expect("registry");
    let reply = get(&base, "/healthz").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type, "application/json");
    let health = reply.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["functions"], json!(registry.len()));
    let rest = registry.exposed(registry_core::Protocol::Rest).count();
    let mcp = registry.exposed(registry_core::Protocol::Mcp).count();
    assert_eq!(health["rest"], json!(rest));
    assert_eq!(health["mcp"], json!(mcp));
    // mcp_only and where_async are hidden from REST, rest_only from MCP.
    assert_eq!(rest, registry.len() - 2);
    assert_eq!(mcp, registry.len() - 1);
}
