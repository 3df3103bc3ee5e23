//! Long-running calls on REST against a real server on a loopback port:
//! `202 Accepted` with `Location` and `Preference-Applied`, polling to the
//! result (or the problem), progress in a poll, cancellation that drops an
//! async function's state and cancels a sync function's context, the
//! refusals (finished, unknown, malformed, another caller's task, bad
//! arguments before any task exists), functions that run directly, and the
//! OpenAPI document's task operations.
//!
//! No assertion depends on timing: a test polls with a generous bound on
//! the number of polls, never on durations.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use registry_core::{ApiError, Context, Registry, api_function};
use registry_server::tasks::{InMemoryTaskStore, TaskConfig};
use registry_server::{ApiKeys, Server, ServerConfig};
use serde_json::{Value, json};

const TAG: &str = "tasks_rest";
const KEYS: &str = "alice-key id=alice; bob-key id=bob";

/// Labels of `slow_steps` calls whose state was dropped before they finished.
static DROPPED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
/// Labels of `until_cancelled` calls that started.
static STARTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
/// Labels of `until_cancelled` calls that saw their context cancelled.
static SAW_CANCEL: Mutex<Option<HashSet<String>>> = Mutex::new(None);

fn record(set: &Mutex<Option<HashSet<String>>>, label: &str) {
    set.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get_or_insert_with(HashSet::new)
        .insert(label.to_owned());
}

fn recorded(set: &Mutex<Option<HashSet<String>>>, label: &str) -> bool {
    set.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .is_some_and(|labels| labels.contains(label))
}

/// Records its label in [`DROPPED`] if dropped before `done` is set.
struct Guard {
    label: String,
    done: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.done {
            record(&DROPPED, &self.label);
        }
    }
}

/// Counts to `steps`, a tenth of a second a step, reporting progress.
///
/// # Arguments
/// * `steps` - how many steps
/// * `label` - names this call in the drop record
#[api_function(task = "optional", tags = ["tasks_rest"])]
async fn slow_steps(ctx: &Context, steps: u32, label: String) -> Value {
    let mut guard = Guard { label, done: false };
    for step in 0..steps {
        ctx.report_progress(f64::from(step), Some(f64::from(steps)), Some("counting"));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    guard.done = true;
    json!({ "counted": steps })
}

/// Works (synchronously) until cancelled, then records its label.
///
/// # Arguments
/// * `label` - names this call in the cancel record
#[api_function(task = "required", tags = ["tasks_rest"])]
fn until_cancelled(ctx: &Context, label: String) -> Result<u32, ApiError> {
    record(&STARTED, &label);
    // Bounded, so a broken cancel cannot keep a blocking thread for ever.
    for _ in 0..6000 {
        if ctx.is_cancelled() {
            record(&SAW_CANCEL, &label);
            return Err(ApiError::new(registry_core::ErrorKind::Cancelled, "stopped"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(0)
}

/// Always fails, as an upstream would.
#[api_function(task = "required", tags = ["tasks_rest"])]
async fn upstream_fails() -> Result<u32, ApiError> {
    Err(ApiError::upstream("the upstream said no"))
}

/// Doubles a small number.
///
/// # Arguments
/// * `n` - the number
#[api_function(task = "required", tags = ["tasks_rest"])]
async fn double_small(#[arg(range(min = 1, max = 5))] n: u8) -> u8 {
    n * 2
}

/// Returns nothing, as a task.
#[api_function(task = "required", tags = ["tasks_rest"])]
async fn task_unit() {}

/// Never a task.
///
/// # Arguments
/// * `text` - echoed
#[api_function(tags = ["tasks_rest"])]
async fn plain_echo(text: String) -> String {
    text
}

fn config() -> ServerConfig {
    ServerConfig::default()
        .authorizer(ApiKeys::parse(KEYS).expect("keys"))
        .tasks(
            TaskConfig::new(InMemoryTaskStore::new())
                .poll_interval(Duration::from_millis(50))
                .lease(Duration::from_millis(600)),
        )
}

/// Serves the test functions with `config` on 127.0.0.1; returns the base URL.
async fn serve_with(config: ServerConfig) -> String {
    let registry = Registry::builder().tag(TAG).build().expect("registry");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    base
}

async fn serve() -> String {
    serve_with(config()).await
}

struct Client {
    http: reqwest::Client,
    base: String,
    key: &'static str,
}

impl Client {
    fn new(base: &str, key: &'static str) -> Self {
        Client {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            key,
        }
    }

    async fn call(&self, name: &str, args: Value, prefer: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}/api/{name}", self.base))
            .bearer_auth(self.key)
            .json(&args);
        if let Some(prefer) = prefer {
            request = request.header("prefer", prefer);
        }
        request.send().await.expect("sent")
    }

    /// Starts `name` as a task; returns the `Location`.
    async fn start(&self, name: &str, args: Value, prefer: Option<&str>) -> String {
        let response = self.call(name, args, prefer).await;
        assert_eq!(response.status(), 202, "{:?}", response.text().await);
        let location = header(&response, "location").to_owned();
        assert_eq!(header(&response, "task-status"), "working");
        let body: Value = response.json().await.expect("status body");
        assert_eq!(body["status"], "working");
        assert_eq!(body["function"], name);
        assert!(
            location.ends_with(body["taskId"].as_str().expect("taskId")),
            "{location}"
        );
        location
    }

    async fn get(&self, location: &str) -> reqwest::Response {
        self.send(self.http.get(self.url(location))).await
    }

    async fn delete(&self, location: &str) -> reqwest::Response {
        self.send(self.http.delete(self.url(location))).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> reqwest::Response {
        request.bearer_auth(self.key).send().await.expect("sent")
    }

    fn url(&self, location: &str) -> String {
        if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{}{location}", self.base)
        }
    }

    /// Polls `location` until the task is no longer working.
    async fn finished(&self, location: &str) -> reqwest::Response {
        for _ in 0..2000 {
            let response = self.get(location).await;
            if header(&response, "task-status") != "working" {
                return response;
            }
            assert_eq!(response.status(), 202);
            assert!(response.headers().contains_key("retry-after"));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the task at {location} never finished");
    }
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header in {response:?}"))
        .to_str()
        .expect("ASCII")
}

async fn wait_for(what: &str, check: impl Fn() -> bool) {
    for _ in 0..1000 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} never happened");
}

#[tokio::test]
async fn an_optional_function_with_prefer_is_a_task_polled_to_its_result() {
    let alice = Client::new(&serve().await, "alice-key");
    let response = alice
        .call(
            "slow_steps",
            json!({"steps": 3, "label": "result"}),
            Some("wait=5, Respond-Async"),
        )
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(header(&response, "preference-applied"), "respond-async");
    assert!(header(&response, "retry-after").parse::<u64>().expect("seconds") >= 1);
    let location = header(&response, "location").to_owned();
    assert!(location.starts_with("/api/tasks/"), "{location}");
    let body: Value = response.json().await.expect("JSON");
    for key in ["taskId", "createdAt", "lastUpdatedAt", "ttlMs", "pollIntervalMs"] {
        assert!(body.get(key).is_some(), "{key} missing from {body}");
    }
    assert_eq!(body["pollIntervalMs"], 50);
    assert!(body["createdAt"].as_str().expect("timestamp").ends_with('Z'));

    let done = alice.finished(&location).await;
    assert_eq!(done.status(), 200);
    assert_eq!(header(&done, "task-status"), "completed");
    assert_eq!(header(&done, "content-type"), "application/json");
    assert_eq!(done.json::<Value>().await.expect("JSON"), json!({"counted": 3}));
    assert!(!recorded(&DROPPED, "result"));
}

#[tokio::test]
async fn progress_shows_in_a_poll_and_cancel_drops_the_async_call() {
    let alice = Client::new(&serve().await, "alice-key");
    let location = alice
        .start(
            "slow_steps",
            json!({"steps": 600, "label": "cancelled"}),
            Some("respond-async"),
        )
        .await;
    let mut seen = None;
    for _ in 0..2000 {
        let response = alice.get(&location).await;
        assert_eq!(response.status(), 202);
        let body: Value = response.json().await.expect("JSON");
        if body.get("progress").is_some() {
            seen = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let body = seen.expect("progress in some poll");
    assert_eq!(body["progress"]["total"], 600.0);
    assert_eq!(body["statusMessage"], "counting");

    let cancelled = alice.delete(&location).await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(header(&cancelled, "task-status"), "cancelled");
    let body: Value = cancelled.json().await.expect("JSON");
    assert_eq!(body["status"], "cancelled");
    wait_for("the dropped call's guard", || recorded(&DROPPED, "cancelled")).await;

    let after = alice.get(&location).await;
    assert_eq!(header(&after, "task-status"), "cancelled");
    assert_eq!(after.status(), 499);
    let problem: Value = after.json().await.expect("problem");
    assert_eq!(problem["code"], "cancelled");

    let again = alice.delete(&location).await;
    assert_eq!(again.status(), 409);
    assert_eq!(header(&again, "task-status"), "cancelled");
}

#[tokio::test]
async fn cancel_reaches_a_sync_function_and_a_finished_task_cannot_be_cancelled() {
    let alice = Client::new(&serve().await, "alice-key");
    // Required: a task without asking; no preference, none applied.
    let response = alice.call("until_cancelled", json!({"label": "sync"}), None).await;
    assert_eq!(response.status(), 202);
    assert!(!response.headers().contains_key("preference-applied"));
    let location = header(&response, "location").to_owned();
    // Cancelled before it starts, a call never runs at all.
    wait_for("the sync function starting", || recorded(&STARTED, "sync")).await;
    let cancelled = alice.delete(&location).await;
    assert_eq!(cancelled.status(), 200);
    wait_for("the sync function seeing its cancel", || recorded(&SAW_CANCEL, "sync")).await;

    let location = alice.start("double_small", json!({"n": 2}), None).await;
    let done = alice.finished(&location).await;
    assert_eq!(done.status(), 200);
    assert_eq!(done.json::<Value>().await.expect("JSON"), json!(4));
    let refused = alice.delete(&location).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(header(&refused, "task-status"), "completed");
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "conflict");
}

#[tokio::test]
async fn a_failed_call_answers_its_problem_and_a_unit_result_204() {
    let alice = Client::new(&serve().await, "alice-key");
    let location = alice.start("upstream_fails", json!({}), None).await;
    let done = alice.finished(&location).await;
    assert_eq!(done.status(), 502);
    assert_eq!(header(&done, "content-type"), "application/problem+json");
    let problem: Value = done.json().await.expect("problem");
    assert_eq!(problem["code"], "upstream");
    assert_eq!(problem["detail"], "the upstream said no");

    let location = alice.start("task_unit", json!({}), None).await;
    let done = alice.finished(&location).await;
    assert_eq!(done.status(), 204);
    assert_eq!(header(&done, "task-status"), "completed");
}

#[tokio::test]
async fn functions_that_need_no_task_answer_directly() {
    let alice = Client::new(&serve().await, "alice-key");
    let direct = alice
        .call("slow_steps", json!({"steps": 1, "label": "direct"}), None)
        .await;
    assert_eq!(direct.status(), 200);
    assert!(!direct.headers().contains_key("task-status"));
    assert_eq!(direct.json::<Value>().await.expect("JSON"), json!({"counted": 1}));
    let other = alice
        .call(
            "slow_steps",
            json!({"steps": 1, "label": "direct"}),
            Some("return=minimal"),
        )
        .await;
    assert_eq!(other.status(), 200);

    let plain = alice
        .call("plain_echo", json!({"text": "hi"}), Some("respond-async"))
        .await;
    assert_eq!(plain.status(), 200);
    assert!(!plain.headers().contains_key("preference-applied"));
    assert_eq!(plain.json::<Value>().await.expect("JSON"), json!("hi"));
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_task_exists() {
    let alice = Client::new(&serve().await, "alice-key");
    let refused = alice.call("double_small", json!({"n": 9}), None).await;
    assert_eq!(refused.status(), 422);
    assert!(!refused.headers().contains_key("location"));
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], "n", "{problem}");

    let missing = alice
        .call("slow_steps", json!({"steps": 1}), Some("respond-async"))
        .await;
    assert_eq!(missing.status(), 422);
    let problem: Value = missing.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], "label", "{problem}");

    let malformed = alice
        .http
        .post(format!("{}/api/double_small", alice.base))
        .bearer_auth("alice-key")
        .header("content-type", "application/json")
        .body("{\"n\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(malformed.status(), 400);
}

#[tokio::test]
async fn unknown_malformed_and_other_callers_tasks_are_refused() {
    let base = serve().await;
    let (alice, bob) = (Client::new(&base, "alice-key"), Client::new(&base, "bob-key"));
    let unknown = alice.get("/api/tasks/0123456789abcdef0123456789abcdef").await;
    assert_eq!(unknown.status(), 404);
    assert!(!unknown.headers().contains_key("task-status"));
    let unknown = alice.delete("/api/tasks/0123456789abcdef0123456789abcdef").await;
    assert_eq!(unknown.status(), 404);

    for malformed in ["/api/tasks/not-a-task", "/api/tasks/0123456789ABCDEF0123456789ABCDEF"] {
        for response in [alice.get(malformed).await, alice.delete(malformed).await] {
            assert_eq!(response.status(), 422);
            let problem: Value = response.json().await.expect("problem");
            assert_eq!(problem["errors"][0]["field"], "taskId", "{problem}");
        }
    }

    let location = alice.start("until_cancelled", json!({"label": "alice"}), None).await;
    assert_eq!(bob.get(&location).await.status(), 404);
    assert_eq!(bob.delete(&location).await.status(), 404);
    // Still alice's, still running.
    assert_eq!(alice.get(&location).await.status(), 202);
    assert_eq!(alice.delete(&location).await.status(), 200);

    let anonymous = reqwest::get(format!("{base}{location}")).await.expect("sent");
    assert_eq!(anonymous.status(), 401);
    let wrong_method = alice.send(alice.http.put(alice.url(&location))).await;
    assert_eq!(wrong_method.status(), 405);
}

#[tokio::test]
async fn location_follows_the_public_url_and_the_path_prefix() {
    let base = serve_with(config().path_prefix("/v1").public_url("https://api.example.com")).await;
    let alice = Client::new(&format!("{base}/v1"), "alice-key");
    let response = alice.call("double_small", json!({"n": 1}), None).await;
    assert_eq!(response.status(), 202);
    let location = header(&response, "location").to_owned();
    let path = location
        .strip_prefix("https://api.example.com/v1/api/tasks/")
        .unwrap_or_else(|| panic!("{location}"));
    let done = alice.finished(&format!("/api/tasks/{path}")).await;
    assert_eq!(done.json::<Value>().await.expect("JSON"), json!(2));
}

#[tokio::test]
async fn the_openapi_documents_describe_the_task_operations() {
    let base = serve().await;
    let alice = Client::new(&base, "alice-key");
    for path in ["/openapi.json", "/openapi-3.0.json"] {
        let document: Value = alice
            .send(alice.http.get(format!("{base}{path}")))
            .await
            .json()
            .await
            .expect("document");
        let optional = &document["paths"]["/api/slow_steps"]["post"];
        assert!(optional["responses"].get("202").is_some(), "{path}: {optional}");
        assert!(
            optional["parameters"]
                .as_array()
                .is_some_and(|params| params.iter().any(|p| p["name"] == "Prefer")),
            "{path}: {optional}"
        );
        let required = &document["paths"]["/api/double_small"]["post"];
        assert!(required["responses"].get("202").is_some(), "{path}");
        assert!(required.get("parameters").is_none(), "{path}: {required}");
        let plain = &document["paths"]["/api/plain_echo"]["post"];
        assert!(plain["responses"].get("202").is_none(), "{path}");
        let item = &document["paths"]["/api/tasks/{id}"];
        assert_eq!(item["get"]["operationId"], "getTask", "{path}");
        assert_eq!(item["delete"]["operationId"], "cancelTask", "{path}");
        for status in ["200", "202", "404", "422"] {
            assert!(item["get"]["responses"].get(status).is_some(), "{path}: GET {status}");
        }
        for status in ["200", "404", "409"] {
            assert!(
                item["delete"]["responses"].get(status).is_some(),
                "{path}: DELETE {status}"
            );
        }
        assert!(document["components"]["schemas"].get("TaskStatus").is_some(), "{path}");
        assert!(
            document["tags"]
                .as_array()
                .is_some_and(|tags| tags.iter().any(|t| t["name"] == "tasks")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn the_docs_page_follows_tasks() {
    let base = serve().await;
    let alice = Client::new(&base, "alice-key");
    let page = alice
        .send(alice.http.get(format!("{base}/docs")))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("data-name=\"slow_steps\" data-task=\"optional\""),
        "optional form"
    );
    assert!(
        page.contains("data-name=\"double_small\" data-task=\"required\""),
        "required form"
    );
    assert!(page.contains("class=\"run-task\""), "the run-as-a-task box");
    assert!(page.contains("class=\"cancel-task\""), "the Cancel button");
    assert!(
        !page.contains("data-name=\"plain_echo\" data-task"),
        "a plain function's form"
    );
    assert!(
        page.contains("respond-async") && page.contains("task-status"),
        "the script follows tasks"
    );
}
