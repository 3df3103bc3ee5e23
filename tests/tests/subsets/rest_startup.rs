//! The server refuses to start when a REST route cannot be built, naming the
//! function; and path segments combine with JSON bodies.
//!
//! The broken functions live in this test binary only, each under its own tag,
//! so every test builds a registry of exactly the functions it means.

use registry_core::__private::{Annotations, Handler, Location, Method, Policy, Spec, Surfaces};
use registry_core::{ApiFunction, Arguments, Context, Registry, api_function};
use registry_server::{Server, ServerConfig, ServerError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

/// A filter that cannot travel in a query string.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct Filter {
    /// Lower bound.
    pub min: u32,
}

/// A GET function whose argument is an object.
#[api_function(method = "GET", tags = ["startup_object_query"])]
fn object_in_query(filter: Filter) -> u32 {
    filter.min
}

/// A DELETE function with a nested array.
#[api_function(method = "DELETE", tags = ["startup_nested_array"])]
fn nested_array(grid: Vec<Vec<u8>>) -> usize {
    grid.len()
}

/// A path segment that names an array.
#[api_function(path = "/api/sets/{ids}", tags = ["startup_array_segment"])]
fn array_segment(ids: Vec<u32>) -> usize {
    ids.len()
}

/// One of two routes that name the same position differently.
#[api_function(method = "GET", path = "/api/things/{id}", tags = ["startup_conflict"])]
fn thing_by_id(id: u32) -> u32 {
    id
}

/// The other of the two.
#[api_function(method = "PUT", path = "/api/things/{name}/rename", tags = ["startup_conflict"])]
fn rename_thing(name: String, to: String) -> String {
    format!("{name} -> {to}")
}

/// One of two functions sharing a route.
#[api_function(path = "/api/same/{id}", tags = ["startup_duplicate"])]
fn route_a(id: u32) -> u32 {
    id
}

/// The other function routed at `/api/same/{...}`.
#[api_function(path = "/api/same/{key}", tags = ["startup_duplicate"])]
fn route_b(key: u32) -> u32 {
    key
}

/// A POST route with a path segment: the rest of the arguments come from the body.
#[api_function(path = "/api/notes/{topic}", tags = ["startup_ok"])]
fn add_note(topic: String, text: String, pinned: Option<bool>) -> Value {
    json!({ "topic": topic, "text": text, "pinned": pinned.unwrap_or(false) })
}

/// A GET route with an enum and an untyped argument in the query.
#[api_function(method = "GET", tags = ["startup_ok"])]
fn query_kinds(mode: Mode, extra: Option<Value>, ratio: Option<f32>) -> Value {
    json!({ "mode": mode, "extra": extra, "ratio": ratio })
}

/// A mode.
#[derive(Debug, Deserialize, serde::Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Fast.
    Fast,
    /// Careful.
    Careful,
}

fn route_error(tag: &str) -> (String, String) {
    let registry = Registry::builder().tag(tag).build().expect("registry builds");
    match Server::new(registry, ServerConfig::default()).router() {
        Err(ServerError::Route {
            function,
            protocol,
            reason,
        }) => {
            assert_eq!(protocol, "REST");
            (function, reason)
        }
        Err(other) => panic!("expected a route error, got {other}"),
        Ok(_) => panic!("the router for `{tag}` should not build"),
    }
}

#[test]
fn object_arguments_cannot_come_from_a_query_string() {
    let (function, reason) = route_error("startup_object_query");
    assert_eq!(function, "object_in_query");
    assert!(reason.contains("`filter`") && reason.contains("POST"), "{reason}");
    let (function, reason) = route_error("startup_nested_array");
    assert_eq!(function, "nested_array");
    assert!(reason.contains("`grid`"), "{reason}");
}

#[test]
fn path_segments_must_be_scalars() {
    let (function, reason) = route_error("startup_array_segment");
    assert_eq!(function, "array_segment");
    assert!(reason.contains("{ids}"), "{reason}");
}

#[test]
fn conflicting_segment_names_are_refused() {
    let (function, reason) = route_error("startup_conflict");
    assert!(
        ["thing_by_id", "rename_thing"].contains(&function.as_str()),
        "{function}"
    );
    assert!(reason.contains("{id}") && reason.contains("{name}"), "{reason}");
    // The message a user sees names the function.
    let registry = Registry::builder().tag("startup_conflict").build().expect("registry");
    let err = Server::new(registry, ServerConfig::default()).router().unwrap_err();
    assert!(err.to_string().starts_with("cannot expose `"), "{err}");
}

#[test]
fn duplicate_routes_are_refused_naming_both_locations() {
    let (function, reason) = route_error("startup_duplicate");
    assert_eq!(function, "route_b");
    assert!(
        reason.contains("`route_a`") && reason.contains("`route_b`") && reason.contains("POST /api/same/"),
        "{reason}"
    );
    assert_eq!(
        reason.matches("tests/tests/subsets/rest_startup.rs:").count(),
        2,
        "{reason}"
    );
}

fn no_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    generator.subschema_for::<()>()
}

fn args_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct Args {
        name: String,
    }
    Args::json_schema(generator)
}

fn never(_: Arguments, _: &Context) -> Result<Value, registry_core::ApiError> {
    Ok(Value::Null)
}

const fn descriptor(name: &'static str, method: Method, path: &'static str) -> ApiFunction {
    ApiFunction::__new(Spec {
        name,
        title: None,
        description: "Built by hand, past the macro's checks.",
        params: &[],
        tags: &[],
        method,
        path: Some(path),
        timeout: None,
        annotations: Annotations {
            read_only: None,
            destructive: None,
            idempotent: None,
            open_world: None,
        },
        surfaces: Surfaces::ALL,
        scopes: &[],
        policy: Policy::NONE,
        location: Location::new(file!(), line!(), module_path!()),
        input_schema: args_schema,
        output_schema: no_schema,
        handler: Handler::Sync(never),
        primitive: registry_core::Primitive::Tool,
        icon: None,
    })
}

static MISSING_SEGMENT: ApiFunction = descriptor("missing_segment", Method::Get, "/api/widgets/{id}");
static RESERVED: ApiFunction = descriptor("reserved", Method::Get, "/openapi.json");
static BAD_SEGMENT: ApiFunction = descriptor("bad_segment", Method::Get, "/api/files/{name}.txt");

#[test]
fn descriptors_past_the_macro_are_still_checked() {
    for (function, expected, needle) in [
        (&MISSING_SEGMENT, "missing_segment", "no argument `id`"),
        (&RESERVED, "reserved", "server's own"),
        (&BAD_SEGMENT, "bad_segment", "whole segment"),
    ] {
        let registry = Registry::builder().function(function).build().expect("registry");
        match Server::new(registry, ServerConfig::default()).router() {
            Err(ServerError::Route { function, reason, .. }) => {
                assert_eq!(function, expected);
                assert!(reason.contains(needle), "{reason}");
            }
            other => panic!("`{expected}` should be refused, got {:?}", other.map(|_| ())),
        }
    }
}

async fn start(tag: &str) -> String {
    let registry = Registry::builder().tag(tag).build().expect("registry");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry, ServerConfig::default()).serve_on(listener));
    base
}

#[tokio::test]
async fn path_segments_join_the_body() {
    let base = start("startup_ok").await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/api/notes/rust%20tips"))
        .json(&json!({"text": "use clippy", "pinned": true}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        json!({"topic": "rust tips", "text": "use clippy", "pinned": true})
    );

    // The same argument in the path and the body is refused, not silently overwritten.
    let response = client
        .post(format!("{base}/api/notes/a"))
        .json(&json!({"topic": "b", "text": "t"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["pointer"], "/topic");
}

#[tokio::test]
async fn enums_and_untyped_arguments_read_from_the_query() {
    let base = start("startup_ok").await;
    let get = |query: &'static str| {
        let url = format!("{base}/api/query_kinds?{query}");
        async move {
            let response = reqwest::get(url).await.expect("sent");
            (
                response.status().as_u16(),
                response.json::<Value>().await.expect("json"),
            )
        }
    };
    assert_eq!(
        get("mode=fast&extra=%7B%22k%22%3A1%7D&ratio=0.5").await,
        (200, json!({"mode": "fast", "extra": {"k": 1}, "ratio": 0.5}))
    );
    assert_eq!(
        get("mode=careful&extra=plain").await,
        (200, json!({"mode": "careful", "extra": "plain", "ratio": null}))
    );
    let (status, problem) = get("mode=reckless").await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "mode");
}
