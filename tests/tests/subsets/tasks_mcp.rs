//! Long-running calls as MCP tasks, in both eras, through a real server on a
//! loopback port and a real HTTP client, with the default in-memory store:
//! the 2026-07-28 Tasks extension (`resultType: "task"`, `tasks/get`,
//! `tasks/cancel`, `tasks/update`, -32021 without the client capability)
//! and 2025-11-25 tasks (`params.task`, `tasks/get`, `tasks/result`,
//! `tasks/list`, `tasks/cancel`), with ownership by principal and bad input.
//! No timing asserts: every wait is a bounded poll.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use registry_core::{ApiError, Context, Registry, api_function};
use registry_server::tasks::TaskConfig;
use registry_server::{ApiKeys, Server, ServerConfig};
use serde_json::{Value, json};

const TAG: &str = "tasks_mcp";
const KEYS: &str = "key-alice id=alice; key-bob id=bob";

static GATE_OPEN: AtomicBool = AtomicBool::new(false);
static GATE_DROPPED: AtomicBool = AtomicBool::new(false);
static HOLD_DROPPED: AtomicBool = AtomicBool::new(false);
static SPIN_SAW_CANCEL: AtomicBool = AtomicBool::new(false);

/// Records that the future holding it was dropped before it finished.
struct DropGuard(&'static AtomicBool, bool);

impl Drop for DropGuard {
    fn drop(&mut self) {
        if !self.1 {
            self.0.store(true, Ordering::SeqCst);
        }
    }
}

/// Reports half its work, then waits for the test to open the gate.
///
/// # Arguments
/// * `steps` - how much work, 1 to 20
#[api_function(tags = ["tasks_mcp"], task = "optional", timeout = "60s")]
async fn mcp_gated(ctx: &Context, #[arg(range(min = 1, max = 20))] steps: u32) -> u32 {
    let mut guard = DropGuard(&GATE_DROPPED, false);
    ctx.report_progress(f64::from(steps) / 2.0, Some(f64::from(steps)), Some("halfway"));
    for _ in 0..6000 {
        if GATE_OPEN.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    guard.1 = true;
    steps * 2
}

/// Waits, holding a guard, until dropped (or a minute passes).
#[api_function(tags = ["tasks_mcp"], task = "required", timeout = "60s")]
async fn mcp_hold() -> u32 {
    let _guard = DropGuard(&HOLD_DROPPED, false);
    tokio::time::sleep(Duration::from_secs(60)).await;
    1
}

/// Spins on the blocking pool until its context is cancelled.
#[api_function(tags = ["tasks_mcp"], task = "required", timeout = "60s")]
fn mcp_spin(ctx: &Context) -> bool {
    for _ in 0..6000 {
        if ctx.is_cancelled() {
            SPIN_SAW_CANCEL.store(true, Ordering::SeqCst);
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// A task that fails inside the server.
#[api_function(tags = ["tasks_mcp"], task = "required")]
async fn mcp_broken() -> Result<u32, ApiError> {
    Err(ApiError::internal("the disk is gone"))
}

/// A task whose tool reports an error of its own.
#[api_function(tags = ["tasks_mcp"], task = "optional")]
async fn mcp_refuses() -> Result<u32, ApiError> {
    Err(ApiError::conflict("that block is already mined"))
}

/// Twice `n`, at once.
#[api_function(tags = ["tasks_mcp"], task = "optional")]
fn mcp_double(n: i64) -> i64 {
    n * 2
}

/// Not a task.
#[api_function(tags = ["tasks_mcp"])]
fn mcp_plain() -> u32 {
    7
}

async fn serve() -> String {
    let registry = Registry::builder().tag(TAG).build().unwrap();
    let config = ServerConfig::default()
        .authorizer(ApiKeys::parse(KEYS).unwrap())
        .tasks(TaskConfig::default().poll_interval(Duration::from_millis(50)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

/// A 2026-07-28 request; `tasks` says whether the client declares the extension.
async fn modern(base: &str, key: &str, method: &str, mut params: Value, tasks: bool) -> (u16, Value) {
    let extensions = if tasks {
        json!({"io.modelcontextprotocol/tasks": {}})
    } else {
        json!({})
    };
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": extensions},
    });
    let name = params
        .get("name")
        .or_else(|| params.get("taskId"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let mut request = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", method);
    if let Some(name) = name {
        request = request.header("mcp-name", name);
    }
    let response = request
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// A 2025-11-25 request.
async fn legacy(base: &str, key: &str, method: &str, params: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Polls `tasks/get` (2026-07-28) until `done` holds, at most ~30 s.
async fn poll_until(base: &str, key: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..1500 {
        let (_, reply) = modern(base, key, "tasks/get", json!({"taskId": id}), true).await;
        let result = reply["result"].clone();
        assert!(result.is_object(), "{reply}");
        if done(&result) {
            return result;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never reached the state asked for");
}

async fn wait_for(flag: &AtomicBool) {
    for _ in 0..1500 {
        if flag.load(Ordering::SeqCst) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the flag was never set");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_tasks_run_report_progress_and_inline_the_result() {
    let base = serve().await;
    let (status, discover) = modern(&base, "key-alice", "server/discover", json!({}), true).await;
    assert_eq!(status, 200);
    assert_eq!(
        discover["result"]["capabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );

    let (_, created) = modern(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_gated", "arguments": {"steps": 4}}),
        true,
    )
    .await;
    let task = &created["result"];
    assert_eq!(task["resultType"], "task", "{created}");
    assert_eq!(task["status"], "working");
    let id = task["taskId"].as_str().unwrap().to_owned();
    assert!(registry_server::tasks::is_id(&id), "{id}");
    assert_eq!(task["ttlMs"], 3_600_000);
    assert_eq!(task["pollIntervalMs"], 50);
    assert!(task["createdAt"].as_str().unwrap().ends_with('Z'));

    // Progress reported by the function shows in a poll while it runs.
    let working = poll_until(&base, "key-alice", &id, |t| t["statusMessage"] == "halfway").await;
    assert_eq!(working["status"], "working");
    assert_eq!(working["resultType"], "complete");
    assert_eq!(
        working["_meta"]["api-registry/progress"],
        json!({"progress": 2.0, "total": 4.0})
    );
    assert!(working.get("result").is_none());

    GATE_OPEN.store(true, Ordering::SeqCst);
    let done = poll_until(&base, "key-alice", &id, |t| t["status"] != "working").await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["structuredContent"], json!({"result": 8}));
    assert_eq!(done["result"]["isError"], false);

    // Another principal sees no such task; the owner still does.
    let (_, other) = modern(&base, "key-bob", "tasks/get", json!({"taskId": id}), true).await;
    assert_eq!(other["error"]["code"], -32602, "{other}");
    assert_eq!(other["error"]["message"], "Failed to retrieve task: Task not found");
    let (_, other) = modern(&base, "key-bob", "tasks/cancel", json!({"taskId": id}), true).await;
    assert_eq!(other["error"]["code"], -32602, "{other}");

    // tasks/update: acknowledged for a known task (nothing is outstanding).
    let (_, ack) = modern(
        &base,
        "key-alice",
        "tasks/update",
        json!({"taskId": id, "inputResponses": {}}),
        true,
    )
    .await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    // A cancel of a finished task is acknowledged; the outcome stays.
    let (_, ack) = modern(&base, "key-alice", "tasks/cancel", json!({"taskId": id}), true).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    let kept = poll_until(&base, "key-alice", &id, |_| true).await;
    assert_eq!(kept["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_cancel_stops_sync_and_async_runners() {
    let base = serve().await;
    let (_, created) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_spin"}), true).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let (_, ack) = modern(&base, "key-alice", "tasks/cancel", json!({"taskId": id}), true).await;
    assert_eq!(ack["result"], json!({"resultType": "complete"}), "{ack}");
    wait_for(&SPIN_SAW_CANCEL).await;
    let cancelled = poll_until(&base, "key-alice", &id, |_| true).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled.get("result").is_none() && cancelled.get("error").is_none());

    let (_, created) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_hold"}), true).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    modern(&base, "key-alice", "tasks/cancel", json!({"taskId": id}), true).await;
    wait_for(&HOLD_DROPPED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modern_failures_tool_errors_and_missing_capability() {
    let base = serve().await;
    // An internal error fails the task with the JSON-RPC error.
    let (_, created) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_broken"}), true).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let failed = poll_until(&base, "key-alice", &id, |t| t["status"] != "working").await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["error"]["code"], -32603);
    assert!(failed.get("result").is_none());
    // A tool error completes it with an `isError` result.
    let (_, created) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_refuses"}), true).await;
    let id = created["result"]["taskId"].as_str().unwrap().to_owned();
    let done = poll_until(&base, "key-alice", &id, |t| t["status"] != "working").await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["result"]["isError"], true);
    assert_eq!(done["result"]["_meta"]["api-registry/error"]["kind"], "conflict");

    // Without the extension: an optional tool answers directly, a required
    // one and every tasks/* method need the capability.
    let (_, direct) = modern(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_double", "arguments": {"n": 21}}),
        false,
    )
    .await;
    assert_eq!(direct["result"]["resultType"], "complete", "{direct}");
    assert_eq!(direct["result"]["structuredContent"], json!({"result": 42}));
    let (_, refused) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_spin"}), false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    assert_eq!(
        refused["error"]["data"]["requiredCapabilities"]["extensions"]["io.modelcontextprotocol/tasks"],
        json!({})
    );
    let (_, refused) = modern(&base, "key-alice", "tasks/get", json!({"taskId": id}), false).await;
    assert_eq!(refused["error"]["code"], -32021, "{refused}");

    // A tool without `task` runs directly even for a client with the extension.
    let (_, plain) = modern(&base, "key-alice", "tools/call", json!({"name": "mcp_plain"}), true).await;
    assert_eq!(plain["result"]["structuredContent"], json!({"result": 7}), "{plain}");

    // Bad arguments are refused at once, with the field; no task is made.
    let (_, bad) = modern(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_gated", "arguments": {"steps": 0}}),
        true,
    )
    .await;
    assert_eq!(bad["result"]["isError"], true, "{bad}");
    let fields = &bad["result"]["_meta"]["api-registry/error"]["fields"];
    assert_eq!(fields[0]["field"], "steps", "{bad}");
    let (_, bad) = modern(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_gated", "arguments": {"steps": "four"}}),
        true,
    )
    .await;
    assert_eq!(
        bad["result"]["_meta"]["api-registry/error"]["fields"][0]["field"], "steps",
        "{bad}"
    );

    // Unknown and malformed ids; Mcp-Name must be the task id.
    let unknown = "0123456789abcdef0123456789abcdef";
    let (_, missing) = modern(&base, "key-alice", "tasks/get", json!({"taskId": unknown}), true).await;
    assert_eq!(missing["error"]["code"], -32602);
    let (_, malformed) = modern(&base, "key-alice", "tasks/get", json!({"taskId": "x"}), true).await;
    assert_eq!(malformed["error"]["code"], -32602);
    assert!(
        malformed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("32 lowercase hex")
    );
    let (_, no_id) = modern(&base, "key-alice", "tasks/get", json!({}), true).await;
    assert_eq!(no_id["error"]["code"], -32020, "{no_id}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_tasks_create_wait_list_and_cancel() {
    let base = serve().await;
    let init = legacy(
        &base,
        "key-alice",
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    )
    .await;
    assert_eq!(
        init["result"]["capabilities"]["tasks"],
        json!({"list": {}, "cancel": {}, "requests": {"tools": {"call": {}}}})
    );
    let older = legacy(
        &base,
        "key-alice",
        "initialize",
        json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    )
    .await;
    assert!(older["result"]["capabilities"].get("tasks").is_none(), "{older}");

    let list = legacy(&base, "key-alice", "tools/list", json!({})).await;
    let tools = list["result"]["tools"].as_array().unwrap();
    let support = |name: &str| tools.iter().find(|t| t["name"] == name).unwrap()["execution"]["taskSupport"].clone();
    assert_eq!(support("mcp_double"), "optional");
    assert_eq!(support("mcp_spin"), "required");
    assert_eq!(support("mcp_plain"), Value::Null);

    let created = legacy(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_double", "arguments": {"n": 5}, "task": {"ttl": 60000}}),
    )
    .await;
    let task = &created["result"]["task"];
    assert_eq!(task["status"], "working", "{created}");
    assert_eq!(task["ttl"], 60000);
    assert_eq!(task["pollInterval"], 50);
    let id = task["taskId"].as_str().unwrap().to_owned();
    // tasks/result waits for the end and answers what the call would have.
    let result = legacy(&base, "key-alice", "tasks/result", json!({"taskId": id})).await;
    assert_eq!(result["result"]["structuredContent"], json!({"result": 10}), "{result}");
    assert_eq!(
        result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"],
        id
    );
    let got = legacy(&base, "key-alice", "tasks/get", json!({"taskId": id})).await;
    assert_eq!(got["result"]["status"], "completed", "{got}");
    let listed = legacy(&base, "key-alice", "tasks/list", json!({})).await;
    assert!(
        listed["result"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["taskId"] == id)
    );
    let bobs = legacy(&base, "key-bob", "tasks/list", json!({})).await;
    assert!(
        !bobs["result"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["taskId"] == id)
    );
    // Cancelling a finished task is refused (2025-11-25: -32602).
    let refused = legacy(&base, "key-alice", "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");

    // A running one is cancelled before the answer.
    let created = legacy(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_spin", "task": {}}),
    )
    .await;
    let id = created["result"]["task"]["taskId"].as_str().unwrap().to_owned();
    let cancelled = legacy(&base, "key-alice", "tasks/cancel", json!({"taskId": id})).await;
    assert_eq!(cancelled["result"]["status"], "cancelled", "{cancelled}");
    let result = legacy(&base, "key-alice", "tasks/result", json!({"taskId": id})).await;
    assert_eq!(result["result"]["isError"], true, "{result}");
    assert_eq!(result["result"]["_meta"]["api-registry/error"]["kind"], "cancelled");

    // A required tool without `params.task`, and `params.task` on a plain tool: -32601.
    let refused = legacy(&base, "key-alice", "tools/call", json!({"name": "mcp_spin"})).await;
    assert_eq!(refused["error"]["code"], -32601, "{refused}");
    let refused = legacy(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_plain", "task": {}}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32601, "{refused}");
    let refused = legacy(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_double", "arguments": {"n": 1}, "task": {"ttl": "soon"}}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32602, "{refused}");
    // An optional tool without `params.task` answers directly.
    let direct = legacy(
        &base,
        "key-alice",
        "tools/call",
        json!({"name": "mcp_double", "arguments": {"n": 2}}),
    )
    .await;
    assert_eq!(direct["result"]["structuredContent"], json!({"result": 4}), "{direct}");
    // A bad cursor.
    let bad = legacy(&base, "key-alice", "tasks/list", json!({"cursor": "page-9"})).await;
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
}

/// One MCP request (2026-07-28, the client declaring the Tasks extension)
/// as a Lambda Function URL event, through `lambda_http`'s own decoding.
async fn on_lambda(service: registry_server::lambda::LambdaService, method: &str, params: Value) -> Value {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context as LambdaContext, LambdaEvent};
    use tower::{Service, ServiceExt};

    let mut params = params;
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
    });
    let mut event: Value = serde_json::from_str(include_str!("../../fixtures/lambda/function_url.json")).unwrap();
    event["rawPath"] = json!("/mcp");
    event["requestContext"]["http"]["method"] = json!("POST");
    event["requestContext"]["http"]["path"] = json!("/mcp");
    event["headers"]["accept"] = json!("application/json, text/event-stream");
    event["headers"]["mcp-protocol-version"] = json!("2026-07-28");
    event["headers"]["mcp-method"] = json!(method);
    if let Some(name) = params.get("name").or_else(|| params.get("taskId")) {
        event["headers"]["mcp-name"] = name.clone();
    }
    event["body"] = json!(json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string());
    let request: LambdaRequest = serde_json::from_value(event).unwrap();
    let mut adapter = Adapter::from(service);
    let response = adapter
        .ready()
        .await
        .unwrap()
        .call(LambdaEvent::new(request, LambdaContext::default()))
        .await
        .unwrap();
    let response = serde_json::to_value(response).unwrap();
    serde_json::from_str(response["body"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn on_lambda_task_capable_tools_answer_within_the_invocation() {
    let registry = Registry::builder().tag(TAG).build().unwrap();
    let server = Server::new(registry, ServerConfig::default().bound_to_loopback(false));
    let service = registry_server::lambda::service(&server).unwrap();
    let discover = on_lambda(service.clone(), "server/discover", json!({})).await;
    assert!(
        discover["result"]["capabilities"].get("extensions").is_none(),
        "{discover}"
    );
    let direct = on_lambda(
        service.clone(),
        "tools/call",
        json!({"name": "mcp_double", "arguments": {"n": 4}}),
    )
    .await;
    assert_eq!(direct["result"]["resultType"], "complete", "{direct}");
    assert_eq!(direct["result"]["structuredContent"], json!({"result": 8}));
    // `task = "required"` too: run to completion, its error answered as any call's.
    let required = on_lambda(service.clone(), "tools/call", json!({"name": "mcp_refuses"})).await;
    assert_eq!(required["result"]["isError"], true, "{required}");
    let unknown = on_lambda(
        service,
        "tasks/get",
        json!({"taskId": "0123456789abcdef0123456789abcdef"}),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
}
