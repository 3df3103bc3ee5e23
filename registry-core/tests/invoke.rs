//! The invocation semantics of `Registry::invoke`, observed rather than assumed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use registry_core::{ApiError, CancellationToken, Context, ErrorKind, Principal, Protocol, Registry, api_function};
use serde_json::{Value, json};

fn ctx() -> Context {
    Context::new(Protocol::Direct)
}

fn registry(tag: &str) -> Registry {
    Registry::builder().tag(tag).build().expect("registry builds")
}

/// Thread and task of the caller, to compare with the function's.
fn whereabouts() -> Value {
    json!({
        "thread": format!("{:?}", std::thread::current().id()),
        "task": format!("{:?}", tokio::task::try_id()),
    })
}

/// Records where it ran.
#[api_function(tags = ["where"])]
async fn where_async() -> Value {
    whereabouts()
}

/// Records where it ran, as a sync function.
#[api_function(tags = ["where"])]
fn where_sync() -> Value {
    json!({
        "thread": format!("{:?}", std::thread::current().id()),
        "thread_name": std::thread::current().name().unwrap_or_default(),
        "in_runtime_worker": tokio::runtime::Handle::try_current().is_ok(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_functions_run_on_the_callers_task_and_thread() {
    let registry = registry("where");
    // Inside a spawned task, so the caller has a task id to compare.
    let (caller, callee) = tokio::spawn(async move {
        let caller = whereabouts();
        let callee = registry.invoke("where_async", json!({}), ctx()).await.unwrap();
        (caller, callee)
    })
    .await
    .unwrap();
    assert_ne!(caller["task"], json!("None"), "the caller runs inside a task");
    assert_eq!(callee, caller, "no spawn, no thread hop");
}

#[tokio::test(flavor = "current_thread")]
async fn sync_functions_run_off_the_callers_thread() {
    let registry = registry("where");
    let caller = format!("{:?}", std::thread::current().id());
    let callee = registry.invoke("where_sync", json!({}), ctx()).await.unwrap();
    assert_ne!(
        callee["thread"],
        json!(caller),
        "sync functions run on the blocking pool"
    );
}

static BLOCKING_FINISHED: AtomicUsize = AtomicUsize::new(0);

/// Blocks its thread until `release` is set.
#[api_function(tags = ["blocking"])]
fn block_until_released() -> u32 {
    while !RELEASE.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(5));
    }
    BLOCKING_FINISHED.fetch_add(1, Ordering::SeqCst);
    1
}

static RELEASE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Answers at once.
#[api_function(tags = ["blocking"])]
async fn quick() -> u32 {
    tokio::task::yield_now().await;
    2
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_blocking_sync_calls_do_not_stall_async_calls() {
    let registry = registry("blocking");
    // Far more blocked calls than runtime workers: if sync functions ran on
    // the workers, `quick` could not be polled until they were released.
    let blocked: Vec<_> = (0..16)
        .map(|_| {
            let registry = registry.clone();
            tokio::spawn(async move { registry.invoke("block_until_released", json!({}), ctx()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    for _ in 0..10 {
        let answer = registry.invoke("quick", json!({}), ctx()).await.unwrap();
        assert_eq!(answer, json!(2));
    }
    assert_eq!(
        BLOCKING_FINISHED.load(Ordering::SeqCst),
        0,
        "every blocking call is still blocked"
    );
    RELEASE.store(true, Ordering::SeqCst);
    for call in blocked {
        assert_eq!(call.await.unwrap().unwrap(), json!(1));
    }
    assert_eq!(BLOCKING_FINISHED.load(Ordering::SeqCst), 16);
}

/// Panics in a sync function.
#[api_function(tags = ["panics"])]
fn panic_sync(fail: bool) -> u32 {
    if fail {
        panic!("sync secret");
    }
    1
}

/// Panics in an async function, after an await.
#[api_function(tags = ["panics"])]
async fn panic_async(fail: bool) -> u32 {
    tokio::task::yield_now().await;
    if fail {
        panic!("async secret");
    }
    2
}

#[tokio::test]
async fn a_panic_fails_only_its_own_call() {
    let registry = registry("panics");
    for (name, ok) in [("panic_sync", 1), ("panic_async", 2)] {
        let err = registry.invoke(name, json!({"fail": true}), ctx()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert_eq!(err.message(), "internal error", "the panic message is not public");
        assert!(
            err.internal_detail().unwrap().contains("secret"),
            "but it is kept for logs"
        );
        let next = registry.invoke(name, json!({"fail": false}), ctx()).await.unwrap();
        assert_eq!(next, json!(ok), "the next call works");
    }
}

static SLOW_DROPPED: AtomicUsize = AtomicUsize::new(0);
static SLOW_STARTED: AtomicUsize = AtomicUsize::new(0);

struct CountDrop;

impl Drop for CountDrop {
    fn drop(&mut self) {
        SLOW_DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// Never finishes on its own; counts how often it is dropped.
#[api_function(tags = ["slow"], timeout = "100ms")]
async fn forever() -> u32 {
    let _guard = CountDrop;
    SLOW_STARTED.fetch_add(1, Ordering::SeqCst);
    std::future::pending::<()>().await;
    unreachable!()
}

/// Sleeps, respecting the registry's default timeout.
#[api_function(tags = ["slow"])]
async fn nap(ms: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    ms
}

#[tokio::test]
async fn timeouts_drop_the_call_and_answer_timeout() {
    let registry = Registry::builder()
        .tag("slow")
        .default_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let before = SLOW_DROPPED.load(Ordering::SeqCst);
    let err = registry.invoke("forever", json!({}), ctx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.message(), "`forever` did not finish within 100ms");
    assert_eq!(
        SLOW_DROPPED.load(Ordering::SeqCst),
        before + 1,
        "the future was dropped"
    );

    let err = registry.invoke("nap", json!({"ms": 5_000}), ctx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "the registry default applies");
    assert_eq!(registry.invoke("nap", json!({"ms": 1}), ctx()).await.unwrap(), json!(1));
}

#[tokio::test]
async fn cancellation_drops_the_call() {
    let registry = Registry::builder()
        .tag("slow")
        .default_timeout(Duration::from_secs(60))
        .build()
        .unwrap();
    let token = CancellationToken::new();
    let before_started = SLOW_STARTED.load(Ordering::SeqCst);
    let before_dropped = SLOW_DROPPED.load(Ordering::SeqCst);
    let call = {
        let registry = registry.clone();
        let ctx = ctx().with_cancel_token(token.clone());
        tokio::spawn(async move { registry.invoke("forever", json!({}), ctx).await })
    };
    while SLOW_STARTED.load(Ordering::SeqCst) == before_started {
        tokio::task::yield_now().await;
    }
    token.cancel();
    let err = call.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled);
    assert!(SLOW_DROPPED.load(Ordering::SeqCst) > before_dropped);
}

/// Takes a bit of everything.
#[api_function(tags = ["args"])]
fn shapes(count: u32, label: Option<String>, items: Vec<i32>, #[arg(default = 7)] seven: u8) -> Value {
    json!({"count": count, "label": label, "items": items, "seven": seven})
}

#[tokio::test]
async fn arguments_are_decoded_with_precise_errors() {
    let registry = registry("args");
    let ok = registry
        .invoke("shapes", json!({"count": 1, "items": [1, 2]}), ctx())
        .await
        .unwrap();
    assert_eq!(ok, json!({"count": 1, "label": null, "items": [1, 2], "seven": 7}));
    let with_null = registry
        .invoke("shapes", json!({"count": 1, "items": [], "label": null}), ctx())
        .await;
    assert!(with_null.is_ok(), "null is accepted for an Option");

    let cases = [
        (json!({"items": []}), "count", "required field is missing"),
        (
            json!({"count": "one", "items": []}),
            "count",
            "expected u32, found string \"one\"",
        ),
        (
            json!({"count": -1, "items": []}),
            "count",
            "expected u32, found integer `-1`",
        ),
        (
            json!({"count": 1, "items": [1, "x"]}),
            "items.1",
            "expected i32, found string \"x\"",
        ),
        (
            json!({"count": 1, "items": [], "seven": 300}),
            "seven",
            "expected u8, found integer `300`",
        ),
        (
            json!({"count": 1, "items": [], "extra": true}),
            "extra",
            "unknown field; expected one of",
        ),
        (
            json!([1, 2]),
            "",
            "arguments must be a JSON object with one property per argument, found an array",
        ),
        (
            json!("text"),
            "",
            "arguments must be a JSON object with one property per argument, found a string",
        ),
    ];
    for (args, field, reason) in cases {
        let err = registry.invoke("shapes", args.clone(), ctx()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArguments, "{args}");
        assert_eq!(err.fields().len(), 1, "{args}");
        assert_eq!(err.fields()[0].field, field, "{args}");
        assert!(
            err.fields()[0].reason.starts_with(reason),
            "{args}: {:?}",
            err.fields()[0].reason
        );
        if !field.is_empty() {
            assert!(
                err.message().contains(&format!("`{field}`")),
                "the message names the field: {}",
                err.message()
            );
        }
    }
}

#[derive(Debug)]
struct Greeting(String);

/// Reads shared state.
#[api_function(tags = ["state"])]
fn greet(ctx: &Context, name: String) -> Result<String, ApiError> {
    let greeting = ctx.state::<Greeting>()?;
    Ok(format!("{} {name}", greeting.0))
}

/// Reads state nobody registered.
#[api_function(tags = ["state"])]
async fn missing_state(ctx: &Context) -> Result<u8, ApiError> {
    ctx.state::<Arc<u8>>().map(|v| **v)
}

#[tokio::test]
async fn shared_state_reaches_functions() {
    let registry = Registry::builder()
        .tag("state")
        .state(Greeting("hello".into()))
        .build()
        .unwrap();
    let answer = registry.invoke("greet", json!({"name": "ada"}), ctx()).await.unwrap();
    assert_eq!(answer, json!("hello ada"));
    let err = registry.invoke("missing_state", json!({}), ctx()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Internal);
    assert!(
        err.internal_detail().unwrap().contains("alloc::sync::Arc<u8>"),
        "{err:?}"
    );
}

/// Echoes request metadata.
#[api_function(tags = ["ctx"])]
async fn whoami(ctx: &Context) -> Value {
    json!({
        "request_id": ctx.request_id(),
        "protocol": ctx.protocol().as_str(),
        "agent": ctx.metadata("user-agent"),
        "principal": ctx.principal().map(|p| p.id.clone()),
    })
}

/// Needs the `admin` scope.
#[api_function(tags = ["ctx"], scopes = ["admin"])]
fn admin_only() -> u8 {
    1
}

/// Hidden from MCP.
#[api_function(tags = ["ctx"], hidden_from = ["mcp"])]
fn not_on_mcp() -> u8 {
    1
}

#[tokio::test]
async fn context_visibility_and_scopes() {
    let registry = registry("ctx");
    let ctx = Context::new(Protocol::Rest)
        .with_request_id("r-1")
        .with_metadata("User-Agent", "t");
    let answer = registry.invoke("whoami", json!({}), ctx).await.unwrap();
    assert_eq!(
        answer,
        json!({"request_id": "r-1", "protocol": "rest", "agent": "t", "principal": null})
    );

    let err = registry
        .invoke("not_on_mcp", json!({}), Context::new(Protocol::Mcp))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::NotFound,
        "hidden functions do not exist for that protocol"
    );
    assert!(
        registry
            .invoke("not_on_mcp", json!({}), Context::new(Protocol::Rest))
            .await
            .is_ok()
    );

    let err = registry
        .invoke("admin_only", json!({}), Context::new(Protocol::Rest))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    let user = Principal::new("u", ["read"]);
    let err = registry
        .invoke(
            "admin_only",
            json!({}),
            Context::new(Protocol::Mcp).with_principal(user),
        )
        .await;
    assert_eq!(err.unwrap_err().kind(), ErrorKind::Forbidden);
    let admin = Principal::new("a", ["admin"]);
    assert!(
        registry
            .invoke(
                "admin_only",
                json!({}),
                Context::new(Protocol::Rest).with_principal(admin)
            )
            .await
            .is_ok()
    );

    let err = registry
        .invoke("no_such_function", json!({}), Context::new(Protocol::Rest))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "no function named `no_such_function`");
}

/// One of two functions sharing a name.
#[api_function(name = "twin", tags = ["clash-name"])]
fn twin_a() -> u8 {
    1
}

/// The other function named `twin`.
#[api_function(name = "twin", tags = ["clash-name"])]
fn twin_b() -> u8 {
    2
}

/// One of two functions sharing a route.
#[api_function(path = "/api/same/{id}", tags = ["clash-route"])]
fn route_a(id: u32) -> u32 {
    id
}

/// The other function routed at `/api/same/{...}`.
#[api_function(path = "/api/same/{key}", tags = ["clash-route"])]
fn route_b(key: u32) -> u32 {
    key
}

#[test]
fn duplicates_are_rejected_naming_both_locations() {
    let error = Registry::builder().tag("clash-name").build().unwrap_err();
    let err = error.to_string();
    assert!(err.starts_with("two functions are named `twin`"), "{err}");
    assert_eq!(err.matches("registry-core/tests/invoke.rs:").count(), 2, "{err}");
    // `.expect(..)` in `main` prints the same paragraph, not the descriptors.
    assert_eq!(format!("{error:?}"), err);

    // Routes are the server's policy: the registry holds both, and the
    // server refuses to start on them (tests/tests/rest_startup.rs).
    assert!(Registry::builder().tag("clash-route").build().is_ok());

    let err = Registry::builder().name("nope").build().unwrap_err().to_string();
    assert!(err.contains("use that_crate as _;"), "{err}");
}

#[test]
fn the_registry_is_sorted_and_selective() {
    let registry = Registry::builder().tag("args").tag("ctx").build().unwrap();
    let names: Vec<_> = registry.entries().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["admin_only", "not_on_mcp", "shapes", "whoami"]);
    let one = Registry::builder().name("quick").build().unwrap();
    assert_eq!(one.len(), 1);
    assert!(one.get("quick").is_some());
}

/// An argument named like its function must not shadow it.
#[api_function(tags = ["shadow"])]
fn page(page: u32, ctx: &Context) -> String {
    format!("page {page} for {}", ctx.protocol().as_str())
}

#[tokio::test]
async fn an_argument_may_share_its_functions_name() {
    let registry = registry("shadow");
    assert_eq!(
        registry.invoke("page", json!({"page": 3}), ctx()).await.unwrap(),
        json!("page 3 for direct")
    );
}

#[tokio::test]
async fn only_a_trusted_context_skips_scopes() {
    let registry = registry("ctx");
    let err = registry
        .invoke("admin_only", json!({}), Context::new(Protocol::Direct))
        .await
        .unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::Unauthorized,
        "a direct call is checked like any other"
    );
    assert_eq!(
        registry
            .invoke("admin_only", json!({}), Context::trusted())
            .await
            .unwrap(),
        json!(1)
    );
}

/// Blocks its thread until its context is cancelled (at most ten seconds).
#[api_function(tags = ["dropped"])]
fn wait_for_cancel(ctx: &Context) -> bool {
    for _ in 0..1000 {
        if ctx.is_cancelled() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_call_cancels_its_context() {
    let registry = registry("dropped");
    let token = CancellationToken::new();
    let entry = registry.lookup("wait_for_cancel", Protocol::Rest).unwrap();
    let call = registry.call(registry_core::Call::new(
        entry,
        json!({}),
        Context::new(Protocol::Rest).with_cancel_token(token.clone()),
    ));
    // The call is still running when its future is dropped (the caller left).
    assert!(tokio::time::timeout(Duration::from_millis(50), call).await.is_err());
    assert!(token.is_cancelled(), "the dropped call cancelled its token");
}
