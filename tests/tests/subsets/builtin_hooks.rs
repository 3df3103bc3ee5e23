//! The built-in hooks (`registry_server::hooks`) on a real server on a
//! loopback port: rate limits refused with 429 and the `RateLimit` headers
//! on REST and `isError` with the delay on MCP, then let in again once the
//! delay the server gave has passed; 10,000 distinct callers within the key
//! bound; a second concurrent call shed with 503 while the first is held;
//! one audit event per call with the sensitive argument redacted.
//!
//! Callers are told apart by API key (principal id), which does not depend
//! on the HTTP server filling in the client address. No assertion depends on
//! timing: a test waits what the server said, then retries.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use registry_core::{ApiError, Context, ErrorKind, Protocol, Quota, Registry, RegistryBuilder, api_function};
use registry_server::hooks::{AUDIT_TARGET, Audit, ConcurrencyLimit, RateLimit};
use registry_server::{ApiKeys, Server, ServerConfig};
use serde_json::{Value, json};
use tokio::sync::Notify;

const TAG: &str = "builtin_hooks";

/// Ping, at most twice a second per caller.
#[api_function(rate_limit = "2/s", tags = ["builtin_hooks"])]
async fn limited_ping() -> &'static str {
    "pong"
}

/// Ping, held to the hook's default quota.
#[api_function(tags = ["builtin_hooks"])]
async fn default_ping() -> &'static str {
    "pong"
}

/// Two gates a test opens and waits on, shared through the registry's state.
#[derive(Default)]
struct Hold {
    entered: Notify,
    release: Notify,
}

/// Runs one at a time; waits until the test releases it.
#[api_function(max_concurrency = 1, tags = ["builtin_hooks"])]
async fn held(ctx: &Context) -> Result<&'static str, ApiError> {
    let hold = ctx.state::<Arc<Hold>>()?;
    hold.entered.notify_one();
    hold.release.notified().await;
    Ok("released")
}

/// Runs one at a time, for at most 300 ms; waits until released.
#[api_function(max_concurrency = 1, timeout = "300ms", tags = ["builtin_hooks"])]
async fn held_briefly(ctx: &Context) -> Result<&'static str, ApiError> {
    held(ctx).await
}

/// Log in.
///
/// # Arguments
/// * `user` - who
/// * `password` - their password
#[api_function(tags = ["builtin_hooks"])]
async fn login(user: String, #[arg(sensitive)] password: String) -> bool {
    !user.is_empty() && password == "hunter2"
}

/// Unlock with a PIN.
#[api_function(tags = ["builtin_hooks"])]
fn unlock(#[arg(sensitive)] pin: u32) -> bool {
    pin == 1234
}

const KEYS: &str = "rest-key id=rest-caller; mcp-key id=mcp-caller; audit-key id=auditor";

fn builder() -> RegistryBuilder {
    Registry::builder().tag(TAG)
}

/// Serves `registry` behind the test keys on 127.0.0.1; returns its base URL.
async fn serve(registry: Registry) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let config = ServerConfig::default().authorizer(ApiKeys::parse(KEYS).expect("keys"));
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

async fn rest(http: &reqwest::Client, base: &str, key: &str, name: &str, args: Value) -> reqwest::Response {
    http.post(format!("{base}/api/{name}"))
        .bearer_auth(key)
        .json(&args)
        .send()
        .await
        .expect("sent")
}

async fn mcp(http: &reqwest::Client, base: &str, key: &str, name: &str) -> Value {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": name, "arguments": {}},
    });
    http.post(format!("{base}/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON-RPC reply")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .expect("ASCII")
}

#[tokio::test]
async fn the_call_past_the_quota_is_refused_on_rest_with_429_and_the_headers_then_let_in() {
    let base = serve(
        builder()
            .hook(RateLimit::per_function_only())
            .build()
            .expect("registry"),
    )
    .await;
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let ok = rest(&http, &base, "rest-key", "limited_ping", json!({})).await;
        assert_eq!(ok.status(), 200);
    }
    let refused = rest(&http, &base, "rest-key", "limited_ping", json!({})).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = header(&refused, "retry-after").parse().expect("whole seconds");
    assert!(retry_after >= 1);
    assert_eq!(header(&refused, "ratelimit-policy"), "\"per-caller\";q=2;w=1");
    let state = header(&refused, "ratelimit").to_owned();
    assert!(state.starts_with("\"per-caller\";r=0;t="), "{state}");
    let reset: u64 = state.rsplit("t=").next().and_then(|t| t.parse().ok()).expect("t=");
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "rate_limited");
    assert_eq!(problem["status"], 429);

    // Another caller has its own budget.
    let other = rest(&http, &base, "mcp-key", "limited_ping", json!({})).await;
    assert_eq!(other.status(), 200);

    // Wait what the server said, then the call goes through.
    tokio::time::sleep(Duration::from_secs(retry_after.max(reset))).await;
    let again = rest(&http, &base, "rest-key", "limited_ping", json!({})).await;
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn the_call_past_the_quota_is_an_mcp_tool_error_with_the_delay_then_let_in() {
    let base = serve(
        builder()
            .hook(RateLimit::per_function_only())
            .build()
            .expect("registry"),
    )
    .await;
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let ok = mcp(&http, &base, "mcp-key", "limited_ping").await;
        assert_eq!(ok["result"]["isError"], json!(false), "{ok}");
    }
    let refused = mcp(&http, &base, "mcp-key", "limited_ping").await;
    let result = &refused["result"];
    assert_eq!(result["isError"], json!(true), "{refused}");
    let meta = &result["_meta"]["api-registry/error"];
    assert_eq!(meta["kind"], "rate_limited", "{refused}");
    let delay = meta["retryAfterMs"].as_u64().expect("retryAfterMs");
    assert!(delay > 0 && delay <= 1_000, "{delay}");
    assert_eq!(meta["rateLimit"]["policy"], "\"per-caller\";q=2;w=1");

    tokio::time::sleep(Duration::from_millis(delay)).await;
    let again = mcp(&http, &base, "mcp-key", "limited_ping").await;
    assert_eq!(again["result"]["isError"], json!(false), "{again}");
}

#[tokio::test]
async fn the_default_quota_covers_functions_without_their_own_and_none_means_unlimited() {
    let limited = RateLimit::new(Quota::per_hour(1).expect("quota"));
    let registry = builder().hook(limited).build().expect("registry");
    let call = || registry.invoke("default_ping", json!({}), Context::new(Protocol::Direct));
    assert!(call().await.is_ok());
    let refused = call().await.expect_err("over the default");
    assert_eq!(refused.kind(), ErrorKind::RateLimited);
    assert_eq!(refused.rate_limit().map(|s| s.quota), Some(1));

    let unlimited = builder()
        .hook(RateLimit::per_function_only())
        .build()
        .expect("registry");
    for _ in 0..50 {
        let pong = unlimited.invoke("default_ping", json!({}), Context::new(Protocol::Direct));
        assert!(pong.await.is_ok());
    }
}

#[tokio::test]
async fn ten_thousand_distinct_callers_stay_within_the_key_bound() {
    let limit = RateLimit::per_function_only().max_keys(1_000);
    let registry = builder().hook(limit.clone()).build().expect("registry");
    for i in 0..10_000u32 {
        let addr = IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + i));
        let ctx = Context::new(Protocol::Rest).with_client_addr(addr);
        registry
            .invoke("limited_ping", json!({}), ctx)
            .await
            .expect("each new caller has a full quota");
        assert!(limit.tracked_keys() <= 1_000, "{} keys after {i}", limit.tracked_keys());
    }
    assert!(limit.tracked_keys() > 0);
    assert_eq!(limit.max_key_count(), 1_000);
}

#[tokio::test]
async fn a_second_concurrent_call_is_shed_with_503_while_the_first_is_held() {
    let hold = Arc::new(Hold::default());
    let registry = builder()
        .state(Arc::clone(&hold))
        .hook(ConcurrencyLimit::new().queue(0).retry_after(Duration::from_secs(2)))
        .build()
        .expect("registry");
    let base = serve(registry).await;
    let http = reqwest::Client::new();

    let first = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move { rest(&http, &base, "rest-key", "held", json!({})).await.status() }
    });
    hold.entered.notified().await;

    let shed = rest(&http, &base, "mcp-key", "held", json!({})).await;
    assert_eq!(shed.status(), 503);
    assert_eq!(header(&shed, "retry-after"), "2");
    let problem: Value = shed.json().await.expect("problem");
    assert_eq!(problem["code"], "unavailable");
    let shed_mcp = mcp(&http, &base, "mcp-key", "held").await;
    assert_eq!(shed_mcp["result"]["_meta"]["api-registry/error"]["kind"], "unavailable");
    assert_eq!(shed_mcp["result"]["_meta"]["api-registry/error"]["retryAfterMs"], 2_000);

    hold.release.notify_one();
    assert_eq!(first.await.expect("joined"), 200);

    // The slot is free again.
    let next = tokio::spawn({
        let (http, base) = (http.clone(), base.clone());
        async move { rest(&http, &base, "rest-key", "held", json!({})).await.status() }
    });
    hold.entered.notified().await;
    hold.release.notify_one();
    assert_eq!(next.await.expect("joined"), 200);
}

#[tokio::test]
async fn a_queued_call_waits_for_the_slot_and_then_runs() {
    let hold = Arc::new(Hold::default());
    let registry = builder()
        .state(Arc::clone(&hold))
        .hook(ConcurrencyLimit::new().queue(1))
        .build()
        .expect("registry");
    let call =
        |registry: Registry| async move { registry.invoke("held", json!({}), Context::new(Protocol::Direct)).await };
    let first = tokio::spawn(call(registry.clone()));
    hold.entered.notified().await;
    let queued = tokio::spawn(call(registry.clone()));
    // Yield until the queued call has taken the one queue place: a third is shed.
    let third = loop {
        tokio::task::yield_now().await;
        let outcome = call(registry.clone());
        match tokio::time::timeout(Duration::from_millis(0), outcome).await {
            Ok(Err(err)) if err.kind() == ErrorKind::Unavailable => break err,
            // Still in the queue itself (the queued call had not got there yet).
            _ => continue,
        }
    };
    assert!(third.message().contains("queue is full"), "{}", third.message());
    hold.release.notify_one();
    assert_eq!(first.await.expect("joined").expect("first"), json!("released"));
    hold.entered.notified().await;
    hold.release.notify_one();
    assert_eq!(queued.await.expect("joined").expect("queued"), json!("released"));
}

#[tokio::test]
async fn a_queued_call_is_still_under_its_timeout() {
    let hold = Arc::new(Hold::default());
    let registry = builder()
        .state(Arc::clone(&hold))
        .hook(ConcurrencyLimit::new().queue(1))
        .build()
        .expect("registry");
    let call = |registry: Registry| async move {
        registry
            .invoke("held_briefly", json!({}), Context::new(Protocol::Direct))
            .await
    };
    let first = tokio::spawn(call(registry.clone()));
    hold.entered.notified().await;
    // Queued behind a call that is never released: the timeout, not the
    // queue, ends it (whether it got the slot before its own deadline or not).
    let queued = call(registry.clone()).await.expect_err("never released");
    assert_eq!(queued.kind(), ErrorKind::Timeout, "{queued:?}");
    assert_eq!(
        first.await.expect("joined").expect_err("never released").kind(),
        ErrorKind::Timeout
    );
    // Both left: the slot and the queue place are free again.
    let next = tokio::spawn(call(registry.clone()));
    hold.entered.notified().await;
    hold.release.notify_one();
    assert_eq!(next.await.expect("joined").expect("released"), json!("released"));
}

/// Every event on the audit target, as field → value, and every event of
/// any target and level as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<BTreeMap<String, String>>>>, Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Captured {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(BTreeMap<String, String>);
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name().to_owned(), format!("{value:?}"));
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.insert(field.name().to_owned(), value.to_owned());
            }
        }
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        self.1
            .lock()
            .expect("lock")
            .push(format!("{}: {:?}", event.metadata().target(), fields.0));
        if event.metadata().target() != AUDIT_TARGET {
            return;
        }
        fields.0.insert("level".into(), event.metadata().level().to_string());
        self.0.lock().expect("lock").push(fields.0);
    }
}

// The default flavor runs the server, the client and the calls on this one
// thread, so the thread's default subscriber sees every event.
#[tokio::test]
async fn the_audit_hook_records_one_event_per_call_with_the_sensitive_argument_redacted() {
    use tracing_subscriber::layer::SubscriberExt;
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(captured.clone()));

    let registry = builder()
        .hook(Audit::new())
        .hook(RateLimit::per_function_only())
        .build()
        .expect("registry");
    let base = serve(registry).await;
    let http = reqwest::Client::new();
    let login = rest(
        &http,
        &base,
        "audit-key",
        "login",
        json!({"user": "ada", "password": "hunter2"}),
    )
    .await;
    assert_eq!(login.status(), 200);
    let request_id = header(&login, "x-request-id").to_owned();
    for _ in 0..3 {
        mcp(&http, &base, "audit-key", "limited_ping").await;
    }
    // serde quotes the bad value in its message ("invalid type: string
    // \"9876\""): the caller sees it, no log line does.
    let wrong = rest(&http, &base, "audit-key", "unlock", json!({"pin": "9876"})).await;
    assert_eq!(wrong.status(), 422);

    let events = captured.0.lock().expect("lock").clone();
    assert_eq!(events.len(), 5, "{events:#?}");
    let first = &events[0];
    assert_eq!(first["function"], "login");
    assert_eq!(first["principal"], "auditor");
    assert_eq!(first["protocol"], "rest");
    assert_eq!(first["outcome"], "ok");
    assert_eq!(first["request_id"], request_id);
    assert_eq!(first["level"], "INFO");
    assert!(first["duration_us"].parse::<u64>().is_ok(), "{first:?}");
    let arguments: Value = serde_json::from_str(&first["arguments"]).expect("arguments as JSON");
    assert_eq!(arguments, json!({"user": "ada", "password": "[redacted]"}));

    let outcomes: Vec<(&str, &str)> = events[1..]
        .iter()
        .map(|e| (e["protocol"].as_str(), e["outcome"].as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("mcp", "ok"),
            ("mcp", "ok"),
            ("mcp", "rate_limited"),
            ("rest", "invalid_arguments")
        ]
    );
    assert_eq!(events[4]["function"], "unlock");
    assert_eq!(events[4]["arguments"], r#"{"pin":"[redacted]"}"#);
    let everything = captured.1.lock().expect("lock").clone();
    assert!(
        everything.len() > events.len(),
        "the framework's own events are captured too"
    );
    for line in &everything {
        assert!(!line.contains("hunter2") && !line.contains("9876"), "{line}");
    }
}

#[tokio::test]
async fn the_docs_page_and_openapi_show_the_limits_and_no_value_for_a_sensitive_argument() {
    let base = serve(builder().build().expect("registry")).await;
    let page = reqwest::Client::new()
        .get(format!("{base}/docs"))
        .bearer_auth("rest-key")
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("page");
    assert!(page.contains("rate limit 2/s per caller"), "no rate limit chip");
    assert!(page.contains("at most 1 concurrent"), "no concurrency chip");
    assert!(
        page.contains("&lt;password&gt;"),
        "no placeholder for the sensitive argument"
    );
    assert!(
        page.contains("type=\"password\""),
        "the sensitive field is not a password input"
    );

    let document: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .expect("sent")
        .json()
        .await
        .expect("document");
    let limited = &document["paths"]["/api/limited_ping"]["post"];
    assert_eq!(
        limited["x-rate-limit"],
        json!({"quota": 2, "window": 1, "per": "caller"})
    );
    assert!(
        document["paths"]["/api/default_ping"]["post"]
            .get("x-rate-limit")
            .is_none()
    );
}
