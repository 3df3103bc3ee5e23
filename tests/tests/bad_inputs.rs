//! A catalogue of bad inputs over both protocols, on a real loopback server
//! with authentication and tight limits: each gets its documented status and
//! error code (problem `code` on REST, JSON-RPC `code` or `isError` kind on
//! MCP), and the server answers a valid call on both protocols right after.

use std::time::Duration;

use registry_core::{Context, Registry, api_function};
use registry_server::{ApiKeys, Server, ServerConfig};
use registry_tests as _;
use serde_json::{Value, json};

/// Only callers holding the `admin` scope may run this.
#[api_function(scopes = ["admin"])]
pub fn admin_only() -> &'static str {
    "secret admin things"
}

/// Who is calling: the authenticated principal's id and scopes.
#[api_function]
pub fn whoami(ctx: &Context) -> Value {
    match ctx.principal() {
        Some(p) => json!({ "id": p.id, "scopes": p.scopes }),
        None => Value::Null,
    }
}

const TOKEN: &str = "good-key-0123456789";
const BODY_LIMIT: usize = 64 * 1024;
const DEPTH: usize = 32;

async fn start() -> String {
    let registry = Registry::from_inventory().expect("consistent registry");
    let keys = ApiKeys::parse(&format!("{TOKEN} id=tester scopes=read")).expect("keys");
    let config = ServerConfig::default()
        .max_body_bytes(BODY_LIMIT)
        .max_json_depth(DEPTH)
        .max_header_bytes(8 * 1024)
        .authorizer(keys);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

/// What a case must answer.
#[derive(Debug, Clone)]
enum Expect {
    /// A problem+json with this status and `code`.
    Problem(u16, &'static str),
    /// An HTTP status and a JSON-RPC error with this code.
    Rpc(u16, i32),
    /// HTTP 200 and a `tools/call` result with `isError` of this kind.
    ToolError(&'static str),
    /// Only this status (no body contract).
    Status(u16),
}

struct Case {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    expect: Expect,
    /// A 401 must carry `WWW-Authenticate: Bearer ...`.
    challenge: bool,
}

fn auth() -> (&'static str, String) {
    ("authorization", format!("Bearer {TOKEN}"))
}

fn json_ct() -> (&'static str, String) {
    ("content-type", "application/json".to_owned())
}

/// A POST /mcp with token, JSON content type and both accept types.
fn mcp(name: &'static str, body: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name,
        method: "POST",
        path: "/mcp",
        headers: vec![
            auth(),
            json_ct(),
            ("accept", "application/json, text/event-stream".to_owned()),
        ],
        body: body.into(),
        expect,
        challenge: false,
    }
}

fn rest(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    body: impl Into<Vec<u8>>,
    expect: Expect,
) -> Case {
    Case {
        name,
        method,
        path,
        headers: vec![auth(), json_ct()],
        body: body.into(),
        expect,
        challenge: false,
    }
}

fn call(name: &str, arguments: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": name, "arguments": arguments}})
        .to_string()
        .into_bytes()
}

fn nested(depth: usize) -> String {
    format!("{{\"a\": {}1{}}}", "[".repeat(depth), "]".repeat(depth))
}

fn with(mut case: Case, header: (&'static str, String)) -> Case {
    case.headers.retain(|(n, _)| *n != header.0);
    case.headers.push(header);
    case
}

impl Case {
    fn header(self, name: &'static str, value: &str) -> Case {
        with(self, (name, value.to_owned()))
    }
}

fn without(mut case: Case, header: &str) -> Case {
    case.headers.retain(|(n, _)| *n != header);
    case
}

fn challenged(mut case: Case) -> Case {
    case.challenge = true;
    case
}

fn catalogue() -> Vec<Case> {
    use Expect::*;
    const PARSE: i32 = -32700;
    const INVALID_REQUEST: i32 = -32600;
    const METHOD: i32 = -32601;
    const PARAMS: i32 = -32602;
    const INTERNAL: i32 = -32603;
    const MISMATCH: i32 = -32020;
    const VERSION: i32 = -32022;
    let modern_meta = |version: &str, capabilities: bool| {
        let mut meta = json!({ "io.modelcontextprotocol/protocolVersion": version });
        if capabilities {
            meta["io.modelcontextprotocol/clientCapabilities"] = json!({});
        }
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}})
            .to_string()
            .into_bytes()
    };
    let huge = vec![b' '; 2 * BODY_LIMIT];
    let long_string = "x".repeat(BODY_LIMIT + 10);
    vec![
        // MCP: malformed JSON and wrong JSON-RPC shapes
        mcp("mcp: malformed JSON", "{not json", Rpc(400, PARSE)),
        mcp("mcp: empty body", "", Rpc(400, PARSE)),
        mcp(
            "mcp: truncated JSON",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "pi"#,
            Rpc(400, PARSE),
        ),
        mcp(
            "mcp: batch",
            r#"[{"jsonrpc": "2.0", "id": 1, "method": "ping"}]"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp("mcp: a bare number", "42", Rpc(400, INVALID_REQUEST)),
        mcp(
            "mcp: no jsonrpc member",
            r#"{"id": 1, "method": "ping"}"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: jsonrpc 1.0",
            r#"{"jsonrpc": "1.0", "id": 1, "method": "ping"}"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: object id",
            r#"{"jsonrpc": "2.0", "id": {}, "method": "ping"}"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: numeric method",
            r#"{"jsonrpc": "2.0", "id": 1, "method": 7}"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: no method",
            r#"{"jsonrpc": "2.0", "id": 1}"#,
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: params array",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": [1]}"#,
            Rpc(200, PARAMS),
        ),
        mcp(
            "mcp: invalid UTF-8",
            b"{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"\xff\xfe\"}".to_vec(),
            Rpc(400, PARSE),
        ),
        // MCP: unknown methods and tools, bad tool calls
        mcp(
            "mcp: unknown method",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/destroy"}"#,
            Rpc(200, METHOD),
        ),
        mcp("mcp: unknown tool", call("no_such_tool", json!({})), Rpc(200, PARAMS)),
        mcp(
            "mcp: tools/call without a name",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {}}"#,
            Rpc(200, PARAMS),
        ),
        mcp(
            "mcp: REST-only function as a tool",
            call("rest_only", json!({})),
            Rpc(200, PARAMS),
        ),
        mcp(
            "mcp: wrong argument type",
            call("add", json!({"a": "two", "b": 3})),
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: duplicate argument",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "a": 2, "b": 3}}}"#,
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: lone UTF-16 surrogate escape in the arguments",
            r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "\ud800"}}}"#,
            Rpc(400, PARSE),
        ),
        mcp(
            "mcp: missing argument",
            call("add", json!({"a": 2})),
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: unknown argument",
            call("add", json!({"a": 1, "b": 2, "c": 3})),
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: arguments not an object",
            call("add", json!([1, 2])),
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: integer overflow",
            call("add", json!({"a": 1e300, "b": 1})),
            ToolError("invalid_arguments"),
        ),
        mcp(
            "mcp: function error",
            call("divide", json!({"a": 1, "b": 0})),
            ToolError("invalid_arguments"),
        ),
        mcp("mcp: panicking tool", call("explode", json!({})), Rpc(200, INTERNAL)),
        mcp(
            "mcp: timed-out tool",
            call("sleepy", json!({"ms": 5000})),
            ToolError("timeout"),
        ),
        mcp(
            "mcp: missing scope",
            call("admin_only", json!({})),
            ToolError("forbidden"),
        ),
        // MCP: protocol versions and headers
        with(
            mcp(
                "mcp: unknown MCP-Protocol-Version header",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(400, VERSION),
            ),
            ("mcp-protocol-version", "1999-01-01".to_owned()),
        ),
        with(
            mcp(
                "mcp: unknown _meta version",
                modern_meta("2099-01-01", true),
                Rpc(400, VERSION),
            ),
            ("mcp-protocol-version", "2099-01-01".to_owned()),
        )
        .header("mcp-method", "tools/list"),
        with(
            mcp(
                "mcp: modern request without capabilities",
                modern_meta("2026-07-28", false),
                Rpc(400, PARAMS),
            ),
            ("mcp-protocol-version", "2026-07-28".to_owned()),
        )
        .header("mcp-method", "tools/list"),
        with(
            mcp(
                "mcp: modern request without Mcp-Method",
                modern_meta("2026-07-28", true),
                Rpc(400, MISMATCH),
            ),
            ("mcp-protocol-version", "2026-07-28".to_owned()),
        ),
        with(
            mcp(
                "mcp: version header differs from body",
                modern_meta("2026-07-28", true),
                Rpc(400, MISMATCH),
            ),
            ("mcp-protocol-version", "2025-06-18".to_owned()),
        ),
        // MCP: limits and transport security
        mcp("mcp: body over the limit", huge.clone(), Rpc(413, INVALID_REQUEST)),
        mcp(
            "mcp: oversized string argument",
            call("echo", json!({"message": long_string})),
            Rpc(413, INVALID_REQUEST),
        ),
        mcp(
            "mcp: nesting over the depth limit",
            call("add", serde_json::from_str(&nested(DEPTH + 1)).unwrap_or(Value::Null)),
            Rpc(400, INVALID_REQUEST),
        ),
        mcp(
            "mcp: nesting deeper than serde's recursion limit",
            format!(
                "{{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"ping\", \"params\": {}}}",
                nested(5000)
            ),
            Rpc(400, INVALID_REQUEST),
        ),
        with(
            mcp(
                "mcp: wrong content type",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(415, INVALID_REQUEST),
            ),
            ("content-type", "text/plain".to_owned()),
        ),
        with(
            mcp(
                "mcp: foreign Origin",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(403, INVALID_REQUEST),
            ),
            ("origin", "https://evil.example".to_owned()),
        ),
        with(
            mcp(
                "mcp: foreign Host (DNS rebinding)",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(403, INVALID_REQUEST),
            ),
            ("host", "evil.example".to_owned()),
        ),
        challenged(without(
            mcp(
                "mcp: missing token",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(401, -32001),
            ),
            "authorization",
        )),
        challenged(with(
            mcp(
                "mcp: wrong token",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(401, -32001),
            ),
            ("authorization", "Bearer good-key-0123456780".to_owned()),
        )),
        challenged(with(
            mcp(
                "mcp: Basic instead of Bearer",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Rpc(401, -32001),
            ),
            ("authorization", "Basic dXNlcjpwYXNz".to_owned()),
        )),
        with(
            mcp(
                "mcp: oversized headers",
                r#"{"jsonrpc": "2.0", "id": 1, "method": "ping"}"#,
                Problem(431, "headers_too_large"),
            ),
            ("x-padding", "p".repeat(9 * 1024)),
        ),
        Case {
            method: "GET",
            ..mcp("mcp: GET (no standalone stream)", "", Status(405))
        },
        // REST
        rest(
            "rest: malformed JSON",
            "POST",
            "/api/add",
            "{\"a\": 1,",
            Problem(400, "malformed_json"),
        ),
        rest(
            "rest: invalid UTF-8",
            "POST",
            "/api/add",
            b"{\"a\": \"\xff\"}".to_vec(),
            Problem(400, "malformed_json"),
        ),
        rest(
            "rest: lone UTF-16 surrogate escape",
            "POST",
            "/api/echo",
            r#"{"message": "\ud800"}"#,
            Problem(400, "malformed_json"),
        ),
        rest(
            "rest: duplicate argument",
            "POST",
            "/api/add",
            r#"{"a": 1, "a": 2, "b": 3}"#,
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: trailing text after the object",
            "POST",
            "/api/add",
            r#"{"a": 1, "b": 2} {}"#,
            Problem(400, "malformed_json"),
        ),
        rest(
            "rest: body is an array",
            "POST",
            "/api/add",
            "[1, 2]",
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: wrong argument type",
            "POST",
            "/api/add",
            r#"{"a": "two", "b": 3}"#,
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: missing argument",
            "POST",
            "/api/add",
            r#"{"a": 2}"#,
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: unknown argument",
            "POST",
            "/api/add",
            r#"{"a": 1, "b": 2, "z": 0}"#,
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: function error",
            "POST",
            "/api/divide",
            r#"{"a": 1, "b": 0}"#,
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: bad query type",
            "GET",
            "/api/search?q=x&limit=many",
            "",
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: bad path type",
            "GET",
            "/api/items/abc",
            "",
            Problem(422, "invalid_arguments"),
        ),
        rest(
            "rest: item not found",
            "GET",
            "/api/items/0",
            "",
            Problem(404, "not_found"),
        ),
        rest(
            "rest: unknown route",
            "POST",
            "/api/no_such_function",
            "{}",
            Problem(404, "no_route"),
        ),
        rest(
            "rest: MCP-only function",
            "POST",
            "/api/mcp_only",
            "{}",
            Problem(404, "no_route"),
        ),
        rest(
            "rest: wrong method",
            "GET",
            "/api/add",
            "",
            Problem(405, "method_not_allowed"),
        ),
        with(
            rest(
                "rest: text/plain body",
                "POST",
                "/api/add",
                r#"{"a": 1, "b": 2}"#,
                Problem(415, "unsupported_media_type"),
            ),
            ("content-type", "text/plain".to_owned()),
        ),
        with(
            rest(
                "rest: form body",
                "POST",
                "/api/add",
                "a=1&b=2",
                Problem(415, "unsupported_media_type"),
            ),
            ("content-type", "application/x-www-form-urlencoded".to_owned()),
        ),
        rest(
            "rest: body over the limit",
            "POST",
            "/api/add",
            huge,
            Problem(413, "payload_too_large"),
        ),
        rest(
            "rest: oversized string argument",
            "POST",
            "/api/echo",
            json!({"message": "y".repeat(BODY_LIMIT + 1)}).to_string(),
            Problem(413, "payload_too_large"),
        ),
        rest(
            "rest: nesting over the depth limit",
            "POST",
            "/api/add",
            nested(DEPTH + 1),
            Problem(400, "json_too_deep"),
        ),
        rest(
            "rest: nesting deeper than serde's recursion limit",
            "POST",
            "/api/add",
            nested(5000),
            Problem(400, "json_too_deep"),
        ),
        rest(
            "rest: panicking function",
            "POST",
            "/api/explode",
            "{}",
            Problem(500, "internal"),
        ),
        rest(
            "rest: panicking async function",
            "POST",
            "/api/explode_async",
            "{}",
            Problem(500, "internal"),
        ),
        rest(
            "rest: timed-out function",
            "POST",
            "/api/sleepy",
            r#"{"ms": 5000}"#,
            Problem(504, "timeout"),
        ),
        rest(
            "rest: missing scope",
            "POST",
            "/api/admin_only",
            "{}",
            Problem(403, "forbidden"),
        ),
        challenged(without(
            rest(
                "rest: missing token",
                "POST",
                "/api/add",
                r#"{"a": 1, "b": 2}"#,
                Problem(401, "unauthorized"),
            ),
            "authorization",
        )),
        challenged(with(
            rest(
                "rest: wrong token",
                "POST",
                "/api/add",
                r#"{"a": 1, "b": 2}"#,
                Problem(401, "unauthorized"),
            ),
            ("authorization", format!("Bearer {TOKEN}x")),
        )),
        challenged(with(
            rest(
                "rest: empty bearer token",
                "POST",
                "/api/add",
                r#"{"a": 1, "b": 2}"#,
                Problem(401, "unauthorized"),
            ),
            ("authorization", "Bearer ".to_owned()),
        )),
        with(
            rest(
                "rest: oversized headers",
                "POST",
                "/api/add",
                r#"{"a": 1, "b": 2}"#,
                Problem(431, "headers_too_large"),
            ),
            ("x-padding", "p".repeat(9 * 1024)),
        ),
    ]
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn send(client: &reqwest::Client, base: &str, case: &Case) -> Answer {
    let method = reqwest::Method::from_bytes(case.method.as_bytes()).expect("method");
    let mut request = client
        .request(method, format!("{base}{}", case.path))
        .timeout(Duration::from_secs(20));
    for (name, value) in &case.headers {
        request = request.header(*name, value);
    }
    if !case.body.is_empty() {
        request = request.body(case.body.clone());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|err| panic!("{}: not sent: {err}", case.name));
    Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.bytes().await.expect("body").to_vec(),
    }
}

fn check(case: &Case, answer: &Answer) -> Result<(), String> {
    let text = String::from_utf8_lossy(&answer.body);
    let header = |name: &str| answer.headers.get(name).and_then(|v| v.to_str().ok());
    let json = || serde_json::from_slice::<Value>(&answer.body).map_err(|e| format!("not JSON ({e}): {text}"));
    let status = |want: u16| {
        if answer.status == want {
            Ok(())
        } else {
            Err(format!("status {} instead of {want}: {text}", answer.status))
        }
    };
    if header("x-request-id").is_none_or(str::is_empty) {
        return Err("no x-request-id header".into());
    }
    if text.contains("secret is 42") || text.contains("boom") || text.contains("panicked") {
        return Err(format!("internal detail leaked: {text}"));
    }
    if case.challenge && !header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")) {
        return Err("a 401 without `WWW-Authenticate: Bearer`".into());
    }
    match &case.expect {
        Expect::Status(want) => status(*want),
        Expect::Problem(want, code) => {
            status(*want)?;
            if header("content-type") != Some("application/problem+json") {
                return Err(format!("content type {:?}", header("content-type")));
            }
            let problem = json()?;
            if problem["code"] != json!(code) || problem["status"] != json!(want) {
                return Err(format!("problem {problem} instead of code {code}"));
            }
            if problem["request_id"].as_str() != header("x-request-id") {
                return Err("the problem's request id differs from the header".into());
            }
            Ok(())
        }
        Expect::Rpc(want, code) => {
            status(*want)?;
            let reply = json()?;
            if reply["jsonrpc"] != "2.0"
                || reply["error"]["code"] != json!(code)
                || !reply["error"]["message"].is_string()
            {
                return Err(format!("reply {reply} instead of JSON-RPC error {code}"));
            }
            Ok(())
        }
        Expect::ToolError(kind) => {
            status(200)?;
            let reply = json()?;
            let result = &reply["result"];
            if result["isError"] != json!(true) || result["_meta"]["api-registry/error"]["kind"] != json!(kind) {
                return Err(format!("reply {reply} instead of an isError result of kind {kind}"));
            }
            Ok(())
        }
    }
}

/// A valid call on both protocols.
async fn still_serving(client: &reqwest::Client, base: &str) -> Result<(), String> {
    let rest = client
        .post(format!("{base}/api/add"))
        .bearer_auth(TOKEN)
        .json(&json!({"a": 20, "b": 22}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let rest_status = rest.status().as_u16();
    let rest_value: Value = rest.json().await.map_err(|e| e.to_string())?;
    let mcp: Value = client
        .post(format!("{base}/mcp"))
        .header("x-api-key", TOKEN)
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "add", "arguments": {"a": 1, "b": 1}}}))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    if rest_status != 200 || rest_value != json!(42) || mcp["result"]["structuredContent"]["result"] != json!(2) {
        return Err(format!("REST {rest_status} {rest_value}, MCP {mcp}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_gets_its_documented_answer_and_the_server_keeps_serving() {
    let base = start().await;
    // The valid calls use fresh connections: after a rejected oversized body the
    // server answers and closes that connection rather than reading the rest.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let cases = catalogue();
    assert!(cases.len() >= 40, "the catalogue has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let answer = send(&fresh, &base, case).await;
        if let Err(why) = check(case, &answer) {
            failures.push(format!("{}: {why}", case.name));
        }
        if let Err(why) = still_serving(&fresh, &base).await {
            failures.push(format!("after {}: no valid answer: {why}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_principal_reaches_the_function_on_both_protocols() {
    let base = start().await;
    let client = reqwest::Client::new();
    let rest: Value = client
        .post(format!("{base}/api/whoami"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(rest, json!({"id": "tester", "scopes": ["read"]}));
    let mcp: Value = client
        .post(format!("{base}/mcp"))
        .header("x-api-key", TOKEN)
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "whoami"}}))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        mcp["result"]["structuredContent"]["result"],
        json!({"id": "tester", "scopes": ["read"]})
    );
    // The pages stay public unless protect_docs is on.
    for path in ["/healthz", "/openapi.json", "/openapi-3.0.json", "/docs"] {
        let status = client.get(format!("{base}{path}")).send().await.expect("sent").status();
        assert_eq!(status, 200, "{path}");
    }
}

/// The served document says what the catalogue checks: every operation needs
/// the bearer token or the `X-API-Key` header, `admin_only` with the `admin`
/// scope as a role name (3.1) or no role (3.0, which names OAuth scopes only).
#[tokio::test]
async fn the_documents_declare_the_credentials_and_the_scopes() {
    let base = start().await;
    let get = |path: &'static str| {
        let base = base.clone();
        async move {
            reqwest::get(format!("{base}{path}"))
                .await
                .expect("GET")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    let full = get("/openapi.json").await;
    let admin = &full["paths"]["/api/admin_only"]["post"];
    assert_eq!(admin["security"], json!([{"bearer": ["admin"]}, {"apiKey": ["admin"]}]));
    assert_eq!(
        full["paths"]["/api/whoami"]["post"]["security"],
        json!([{"bearer": []}, {"apiKey": []}])
    );
    assert_eq!(admin["responses"]["403"]["$ref"], "#/components/responses/Forbidden");
    let down = get("/openapi-3.0.json").await;
    assert_eq!(
        down["paths"]["/api/admin_only"]["post"]["security"],
        json!([{"bearer": []}, {"apiKey": []}])
    );
    assert_eq!(
        down["components"]["securitySchemes"],
        full["components"]["securitySchemes"]
    );
}
