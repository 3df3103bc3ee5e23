//! Call hooks: where they run (the call's own task), what they can do
//! (refuse, replace, attach data), order, panics, timeouts, and visibility
//! filters, each observed through a real server on a loopback socket.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use registry_core::hook::{Hook, Next, after, before};
use registry_core::{ApiError, Call, CallResult, Context, Entry, Protocol, Registry, api_function};
use registry_server::{ApiKeys, Server, ServerConfig};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Value, json};

/// Where a hook ran: the tokio task and the thread.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    task: Option<tokio::task::Id>,
    thread: std::thread::ThreadId,
}

impl Seen {
    fn here() -> Seen {
        Seen {
            task: tokio::task::try_id(),
            thread: std::thread::current().id(),
        }
    }
}

/// Records where it runs into the call's extensions, for the function to compare.
struct WhereHook;

impl Hook for WhereHook {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        call.context_mut().insert_extension(Seen::here());
        next.run(call).await
    }
}

/// What a function saw of its hook.
#[derive(Serialize, JsonSchema)]
struct Placement {
    /// The hook ran on this function's task.
    same_task: bool,
    /// The hook ran on this function's thread.
    same_thread: bool,
}

fn placement(ctx: &Context) -> Placement {
    let hook = ctx.extension::<Seen>().expect("the hook attached where it ran");
    let here = Seen::here();
    Placement {
        same_task: hook.task.is_some() && hook.task == here.task,
        same_thread: hook.thread == here.thread,
    }
}

/// Compare the hook's task and thread with this async function's.
#[api_function(tags = ["hooks"])]
async fn hook_where_async(ctx: &Context) -> Placement {
    tokio::task::yield_now().await;
    placement(ctx)
}

/// Compare the hook's task and thread with this sync function's (the blocking pool).
#[api_function(tags = ["hooks"])]
fn hook_where_sync(ctx: &Context) -> Placement {
    placement(ctx)
}

/// Return the tenant a hook attached, if any.
#[api_function(tags = ["hooks"])]
fn hook_tenant(ctx: &Context) -> Option<String> {
    ctx.extension::<Tenant>().map(|t| t.0.clone())
}

/// Sleep for `ms` milliseconds.
///
/// # Arguments
/// * `ms` - how long
#[api_function(tags = ["hooks"], timeout = "200ms")]
async fn hook_nap(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

/// Administrative: visible only to callers with the `admin` scope.
#[api_function(tags = ["hooks", "admin"])]
fn hook_admin_only() -> &'static str {
    "secret"
}

#[derive(Clone, Debug)]
struct Tenant(String);

async fn serve(registry: Registry, config: ServerConfig) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

fn hooks_registry() -> registry_core::RegistryBuilder {
    Registry::builder().tag("hooks")
}

/// `POST /api/{name}` with `args` and `headers`.
async fn rest(
    base: &str,
    name: &str,
    args: Value,
    headers: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = reqwest::Client::new().post(format!("{base}/api/{name}")).json(&args);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (status, headers, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A JSON-RPC request to `/mcp` (2025-11-25), answered as JSON.
async fn mcp(base: &str, method: &str, params: Value, headers: &[(&str, &str)]) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut request = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body);
    for (header, value) in headers {
        request = request.header(*header, *value);
    }
    request.send().await.unwrap().json().await.unwrap()
}

async fn call_tool(base: &str, name: &str, args: Value, headers: &[(&str, &str)]) -> Value {
    mcp(base, "tools/call", json!({"name": name, "arguments": args}), headers).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_run_on_the_calls_own_task() {
    let registry = hooks_registry().hook(WhereHook).build().unwrap();
    let base = serve(registry.clone(), ServerConfig::default()).await;
    // Async: the hook and the function share the task (and so the thread at that point).
    let (status, _, body) = rest(&base, "hook_where_async", json!({}), &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["same_task"], true, "REST: {body}");
    let answer = call_tool(&base, "hook_where_async", json!({}), &[]).await;
    assert_eq!(
        answer["result"]["structuredContent"]["same_task"], true,
        "MCP: {answer}"
    );
    // Sync: the function runs on the blocking pool, the hook on the caller's task.
    let (_, _, body) = rest(&base, "hook_where_sync", json!({}), &[]).await;
    assert_eq!(body, json!({"same_task": false, "same_thread": false}), "REST sync");
    let answer = call_tool(&base, "hook_where_sync", json!({}), &[]).await;
    assert_eq!(
        answer["result"]["structuredContent"]["same_task"], false,
        "MCP sync: {answer}"
    );

    // In process: the hook's task is the task that awaits the call.
    let outer = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&outer);
    let registry = hooks_registry()
        .hook(before(move |_: &mut Call<'_>| {
            *seen.lock().unwrap() = Some(Seen::here());
            Ok(())
        }))
        .build()
        .unwrap();
    let task = tokio::spawn(async move {
        let caller = Seen::here();
        registry
            .invoke("hook_tenant", json!({}), Context::new(Protocol::Direct))
            .await
            .unwrap();
        caller
    });
    let caller = task.await.unwrap();
    assert_eq!(
        outer.lock().unwrap().clone(),
        Some(caller),
        "a sync hook runs inline on the caller's task"
    );
}

#[tokio::test]
async fn a_refusal_is_the_same_error_on_both_protocols() {
    let registry = hooks_registry()
        .hook(before(|call: &mut Call<'_>| {
            match call.context().metadata("x-tenant") {
                Some(tenant) => {
                    let tenant = Tenant(tenant.to_owned());
                    call.context_mut().insert_extension(tenant);
                    Ok(())
                }
                None => Err(ApiError::forbidden("no tenant: send x-tenant")),
            }
        }))
        .build()
        .unwrap();
    let base = serve(registry, ServerConfig::default()).await;
    let (status, _, problem) = rest(&base, "hook_tenant", json!({}), &[]).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("forbidden")),
        "{problem}"
    );
    assert_eq!(problem["detail"], "no tenant: send x-tenant");
    let answer = call_tool(&base, "hook_tenant", json!({}), &[]).await;
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    assert_eq!(answer["result"]["_meta"]["api-registry/error"]["kind"], "forbidden");
    // With a tenant the function reads what the hook attached.
    let (status, _, body) = rest(&base, "hook_tenant", json!({}), &[("x-tenant", "acme")]).await;
    assert_eq!((status, body), (200, json!("acme")));
    let answer = call_tool(&base, "hook_tenant", json!({}), &[("x-tenant", "acme")]).await;
    assert_eq!(answer["result"]["structuredContent"]["result"], "acme", "{answer}");
}

/// Panics on the way in when the call carries `x-panic`.
struct PanicHook;

impl Hook for PanicHook {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        if call.context().metadata("x-panic").is_some() {
            panic!("the hook fell over");
        }
        next.run(call).await
    }
}

#[tokio::test]
async fn a_panicking_hook_fails_only_its_call() {
    let registry = hooks_registry().hook(PanicHook).build().unwrap();
    let base = serve(registry, ServerConfig::default()).await;
    let (status, _, problem) = rest(&base, "hook_tenant", json!({}), &[("x-panic", "1")]).await;
    assert_eq!((status, problem["code"].as_str()), (500, Some("internal")), "{problem}");
    let answer = call_tool(&base, "hook_tenant", json!({}), &[("x-panic", "1")]).await;
    assert_eq!(answer["error"]["code"], -32603, "{answer}");
    // The server keeps serving, hooks included.
    let (status, _, _) = rest(&base, "hook_tenant", json!({}), &[]).await;
    assert_eq!(status, 200);
    let answer = call_tool(&base, "hook_tenant", json!({}), &[]).await;
    assert_eq!(answer["result"]["isError"], false, "{answer}");
}

/// Logs `NAME in` and `NAME out` around the call.
struct Logged {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Hook for Logged {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        self.log.lock().unwrap().push(format!("{} in", self.name));
        let outcome = next.run(call).await;
        self.log.lock().unwrap().push(format!("{} out", self.name));
        outcome
    }
}

#[tokio::test]
async fn hooks_nest_in_registration_order_and_may_replace_the_outcome() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let registry = hooks_registry()
        .hook(Logged {
            name: "first",
            log: Arc::clone(&log),
        })
        .hook(Logged {
            name: "second",
            log: Arc::clone(&log),
        })
        // Innermost: turns the tenant-less `null` into a value.
        .hook(after(|entry: &Entry, _: &Context, outcome: &mut CallResult| {
            if entry.name() == "hook_tenant" && matches!(outcome, Ok(Value::Null)) {
                *outcome = Ok(json!("nobody"));
            }
        }))
        .build()
        .unwrap();
    let base = serve(registry, ServerConfig::default()).await;
    let (_, _, body) = rest(&base, "hook_tenant", json!({}), &[]).await;
    assert_eq!(body, json!("nobody"));
    assert_eq!(
        *log.lock().unwrap(),
        ["first in", "second in", "second out", "first out"]
    );
}

/// Waits `x-delay-ms` before going on.
struct SlowHook;

impl Hook for SlowHook {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        let delay = call
            .context()
            .metadata("x-delay-ms")
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        next.run(call).await
    }
}

#[tokio::test]
async fn the_timeout_covers_hooks_and_function_together() {
    let registry = hooks_registry().hook(SlowHook).build().unwrap();
    let base = serve(registry, ServerConfig::default()).await;
    // The function alone fits its 200 ms; a hook that waits longer does not.
    let (status, _, _) = rest(&base, "hook_nap", json!({"ms": 1}), &[]).await;
    assert_eq!(status, 200);
    let (status, _, problem) = rest(&base, "hook_nap", json!({"ms": 1}), &[("x-delay-ms", "5000")]).await;
    assert_eq!((status, problem["code"].as_str()), (504, Some("timeout")), "{problem}");
    let answer = call_tool(&base, "hook_nap", json!({"ms": 1}), &[("x-delay-ms", "5000")]).await;
    assert_eq!(
        answer["result"]["_meta"]["api-registry/error"]["kind"], "timeout",
        "{answer}"
    );
}

/// Hides functions tagged `admin` from callers without the `admin` scope.
fn admins_only(entry: &Entry, ctx: &Context) -> bool {
    !entry.function().tags().contains(&"admin") || ctx.principal().is_some_and(|p| p.has_scope("admin"))
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("a tool list: {list}"))
        .iter()
        .map(|tool| tool["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_hidden_function_is_absent_for_that_caller_everywhere() {
    let registry = hooks_registry().visibility(admins_only).build().unwrap();
    let keys = ApiKeys::parse("root-key id=root scopes=admin; user-key id=user").unwrap();
    let base = serve(registry, ServerConfig::default().authorizer(keys).protect_docs(true)).await;
    let root = [("authorization", "Bearer root-key")];
    let user = [("authorization", "Bearer user-key")];

    // tools/list differs per caller.
    let root_tools = tool_names(&mcp(&base, "tools/list", json!({}), &root).await);
    let user_tools = tool_names(&mcp(&base, "tools/list", json!({}), &user).await);
    assert!(root_tools.contains(&"hook_admin_only".to_owned()), "{root_tools:?}");
    assert!(!user_tools.contains(&"hook_admin_only".to_owned()), "{user_tools:?}");
    assert_eq!(root_tools.len(), user_tools.len() + 1);

    // 2026-07-28: the list says it is private to the caller.
    let modern = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "test", "version": "1"},
    }}});
    let answer: Value = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("authorization", "Bearer user-key")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/list")
        .json(&modern)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["result"]["cacheScope"], "private", "{answer}");
    assert_eq!(tool_names(&answer), user_tools);

    // Calling it: unknown tool and 404 for the user, as if never registered.
    let answer = call_tool(&base, "hook_admin_only", json!({}), &user).await;
    assert_eq!(answer["error"]["code"], -32602, "{answer}");
    assert_eq!(answer["error"]["message"], "Unknown tool: hook_admin_only");
    let unknown = call_tool(&base, "no_such_tool", json!({}), &user).await;
    assert_eq!(unknown["error"]["code"], answer["error"]["code"]);
    let (status, _, hidden) = rest(&base, "hook_admin_only", json!({"junk": 1}), &user).await;
    let (_, _, absent) = rest(&base, "no_such_route", json!({}), &user).await;
    assert_eq!((status, hidden["code"].as_str()), (404, Some("no_route")), "{hidden}");
    assert_eq!(hidden["title"], absent["title"]);
    // ...and the function itself for the admin.
    let (status, _, body) = rest(&base, "hook_admin_only", json!({}), &root).await;
    assert_eq!((status, body), (200, json!("secret")));

    // The pages served to each caller list what that caller may see.
    let page = |key: &'static str, path: &'static str| {
        let base = base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}{path}"))
                .header("authorization", format!("Bearer {key}"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let root_doc: Value = serde_json::from_str(&page("root-key", "/openapi.json").await).unwrap();
    let user_doc: Value = serde_json::from_str(&page("user-key", "/openapi.json").await).unwrap();
    assert!(root_doc["paths"].get("/api/hook_admin_only").is_some());
    assert!(
        user_doc["paths"].get("/api/hook_admin_only").is_none(),
        "{}",
        user_doc["paths"]
    );
    assert!(user_doc["paths"].get("/api/hook_tenant").is_some());
    assert!(page("root-key", "/docs").await.contains("hook_admin_only"));
    assert!(!page("user-key", "/docs").await.contains("hook_admin_only"));
}

#[tokio::test]
async fn hooks_and_filters_run_for_direct_calls_too() {
    let registry = hooks_registry()
        .visibility(admins_only)
        .hook(WhereHook)
        .build()
        .unwrap();
    let err = registry
        .invoke("hook_admin_only", json!({}), Context::new(Protocol::Direct))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), registry_core::ErrorKind::NotFound);
    let admin = registry_core::Principal::new("root", ["admin"]);
    let ok = registry
        .invoke(
            "hook_admin_only",
            json!({}),
            Context::new(Protocol::Direct).with_principal(admin),
        )
        .await;
    assert_eq!(ok.unwrap(), json!("secret"));
    // On a task of its own (the test's main future is not a tokio task).
    let seen = tokio::spawn(async move {
        registry
            .invoke("hook_where_async", json!({}), Context::new(Protocol::Direct))
            .await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(seen["same_task"], true);
}

/// Sets its flag when dropped.
struct DropFlag(Arc<std::sync::atomic::AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Never lets a call through; holds a [`DropFlag`] while it waits.
struct StuckHook(Arc<std::sync::atomic::AtomicBool>, Arc<tokio::sync::Notify>);

impl Hook for StuckHook {
    async fn call(&self, _call: &mut Call<'_>, _next: Next<'_>) -> CallResult {
        let _flag = DropFlag(Arc::clone(&self.0));
        self.1.notify_one();
        std::future::pending().await
    }
}

#[tokio::test]
async fn cancelling_a_call_drops_its_hooks() {
    let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let entered = Arc::new(tokio::sync::Notify::new());
    let registry = hooks_registry()
        .hook(StuckHook(Arc::clone(&dropped), Arc::clone(&entered)))
        .build()
        .unwrap();
    let token = registry_core::CancellationToken::new();
    let ctx = Context::new(Protocol::Direct).with_cancel_token(token.clone());
    let call = tokio::spawn(async move { registry.invoke("hook_tenant", json!({}), ctx).await });
    entered.notified().await;
    assert!(!dropped.load(std::sync::atomic::Ordering::SeqCst));
    token.cancel();
    let err = call.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), registry_core::ErrorKind::Cancelled);
    assert!(
        dropped.load(std::sync::atomic::Ordering::SeqCst),
        "the hook's future was dropped"
    );
}
