//! Declared constraints (`#[arg(range / length / pattern / format /
//! multiple_of)]`, schemars attributes on fields of argument types): shown in
//! the schema on both protocols, and enforced by the framework before the
//! function runs, with the same field errors on REST and MCP. Through a real
//! server on a loopback port and a real HTTP client.
//!
//! Also: a non-finite float in a result is an internal error, not `null`, and
//! (debug builds) a result that breaks its output schema is one too.

use registry_core::{ApiError, Registry, api_function};
use registry_server::{Server, ServerConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const TAG: &str = "constraints";

/// A point on the unit square: constraints on a field of an argument type
/// are schemars' attributes.
#[derive(Deserialize, JsonSchema)]
struct Point {
    #[schemars(range(min = 0, max = 1))]
    x: f64,
    #[schemars(length(min = 1, max = 4), regex(pattern = r"^[A-Z]+$"))]
    label: String,
}

/// Echo the arguments back; each carries one kind of constraint.
///
/// # Arguments
/// * `count` - 1 to 33
/// * `name` - lower-case, 1 to 3 letters
/// * `email` - an address, when given
/// * `step` - a multiple of 5
/// * `ratio` - above 0, at most 1
/// * `tags` - at most two
/// * `point` - a point with constrained fields
#[api_function(tags = ["constraints"])]
#[allow(clippy::too_many_arguments)]
fn constrained(
    #[arg(range(min = 1, max = 33), example = 4)] count: u8,
    #[arg(length(min = 1, max = 3), pattern = "^[a-z]+$", example = "abc")] name: String,
    #[arg(format = "email")] email: Option<String>,
    #[arg(multiple_of = 5, default = 5)] step: u32,
    #[arg(range(exclusive_min = 0, max = 1), default = 0.5)] ratio: f64,
    #[arg(length(max = 2), default)] tags: Vec<String>,
    point: Option<Point>,
) -> String {
    let point = point.map(|p| (p.x, p.label));
    format!("{count} {name} {email:?} {step} {ratio} {tags:?} {point:?}")
}

/// The measurement that overflows.
#[derive(Serialize, JsonSchema)]
struct Rate {
    hashes_per_second: f64,
    display: String,
}

/// A result holding infinity.
#[api_function(tags = ["constraints"])]
fn overflowing() -> Rate {
    Rate {
        hashes_per_second: f64::MAX * 2.0,
        display: "inf".into(),
    }
}

/// The shape the output schema promises.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Promised {
    total: u32,
}

/// A result whose `Serialize` breaks the schema its `JsonSchema` advertises.
struct Liar;

impl Serialize for Liar {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        json!({"total": "many"}).serialize(serializer)
    }
}

impl JsonSchema for Liar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Promised".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Promised::json_schema(generator)
    }
}

/// A function that breaks its own output schema.
#[api_function(tags = ["constraints"])]
fn breaks_its_contract() -> Result<Liar, ApiError> {
    Ok(Liar)
}

async fn serve() -> String {
    let registry = Registry::builder().tag(TAG).build().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry, ServerConfig::default()).serve_on(listener));
    base
}

/// The REST answer: status and problem body.
async fn rest(http: &reqwest::Client, base: &str, name: &str, args: &Value) -> (u16, Value) {
    let response = http.post(format!("{base}/api/{name}")).json(args).send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The MCP `tools/call` result.
async fn mcp(http: &reqwest::Client, base: &str, name: &str, args: &Value) -> Value {
    mcp_reply(http, base, name, args).await["result"].clone()
}

/// The whole JSON-RPC reply to a `tools/call`.
async fn mcp_reply(http: &reqwest::Client, base: &str, name: &str, args: &Value) -> Value {
    let body = json!({
        "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": name, "arguments": args},
    });
    let reply: Value = http
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply
}

/// `(field, reason)` pairs, the same on both protocols, for `args`.
async fn field_errors(http: &reqwest::Client, base: &str, args: Value) -> Vec<(String, String)> {
    let (status, problem) = rest(http, base, "constrained", &args).await;
    assert_eq!(status, 422, "{args}: {problem}");
    let result = mcp(http, base, "constrained", &args).await;
    assert_eq!(result["isError"], true, "{args}: {result}");
    let meta = &result["_meta"]["api-registry/error"];
    assert_eq!(meta["kind"], "invalid_arguments");
    let from_rest: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let field = e["field"].as_str().unwrap().to_owned();
            let pointer = e["pointer"].as_str().unwrap();
            assert_eq!(pointer, format!("/{}", field.replace('.', "/")), "{e}");
            (field, e["reason"].as_str().unwrap().to_owned())
        })
        .collect();
    let from_mcp: Vec<(String, String)> = meta["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(from_rest, from_mcp, "{args}");
    from_rest
}

fn valid() -> Value {
    json!({"count": 4, "name": "abc"})
}

fn with(change: Value) -> Value {
    let mut args = valid();
    for (key, value) in change.as_object().unwrap() {
        args[key] = value.clone();
    }
    args
}

#[tokio::test]
async fn each_constraint_kind_is_shown_in_the_schema_on_both_protocols() {
    let registry = Registry::builder().tag(TAG).build().unwrap();
    let input = &registry.get("constrained").unwrap().schemas().input;
    let p = &input["properties"];
    assert_eq!(
        (p["count"]["minimum"].clone(), p["count"]["maximum"].clone()),
        (json!(1), json!(33))
    );
    assert_eq!(p["count"]["examples"], json!([4]));
    assert_eq!(
        (p["name"]["minLength"].clone(), p["name"]["maxLength"].clone()),
        (json!(1), json!(3))
    );
    assert_eq!(p["name"]["pattern"], "^[a-z]+$");
    assert_eq!(p["email"]["format"], "email");
    assert_eq!(p["step"]["multipleOf"], 5);
    assert_eq!(p["ratio"]["exclusiveMinimum"], 0);
    assert_eq!(p["tags"]["maxItems"], 2);
    assert_eq!(p["point"]["properties"]["x"]["maximum"], 1);

    let base = serve().await;
    let http = reqwest::Client::new();
    let listed: Value = http
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tool = listed["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "constrained")
        .unwrap();
    assert_eq!(&tool["inputSchema"], input);
    let document: Value = http
        .get(format!("{base}/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let body = &document["paths"]["/api/constrained"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    for (name, keyword, value) in [
        ("count", "maximum", json!(33)),
        ("name", "pattern", json!("^[a-z]+$")),
        ("email", "format", json!("email")),
        ("step", "multipleOf", json!(5)),
        ("ratio", "exclusiveMinimum", json!(0)),
        ("tags", "maxItems", json!(2)),
    ] {
        assert_eq!(body["properties"][name][keyword], value, "{name}.{keyword}: {body}");
    }
}

#[tokio::test]
async fn each_constraint_kind_violated_gives_the_same_field_error_on_rest_and_mcp() {
    let base = serve().await;
    let http = reqwest::Client::new();
    let cases = [
        (json!({"count": 0}), "count", "must be between 1 and 33, got 0"),
        (json!({"count": 34}), "count", "must be between 1 and 33, got 34"),
        (
            json!({"name": "abcd"}),
            "name",
            "must be between 1 and 3 characters long, got 4",
        ),
        (json!({"name": "Abc"}), "name", "must match the pattern `^[a-z]+$`"),
        (
            json!({"email": "not an address"}),
            "email",
            "must be a valid `email` (an email address such as `name@example.com`)",
        ),
        (json!({"step": 7}), "step", "must be a multiple of 5, got 7"),
        (json!({"ratio": 0}), "ratio", "must be greater than 0, got 0"),
        (json!({"ratio": 1.5}), "ratio", "must be at most 1, got 1.5"),
        (
            json!({"tags": ["a", "b", "c"]}),
            "tags",
            "must have at most 2 items, got 3",
        ),
        (
            json!({"point": {"x": 2, "label": "A"}}),
            "point.x",
            "must be between 0 and 1, got 2",
        ),
        (
            json!({"point": {"x": 0, "label": "abc"}}),
            "point.label",
            "must match the pattern `^[A-Z]+$`",
        ),
    ];
    for (change, field, reason) in cases {
        let args = with(change);
        assert_eq!(
            field_errors(&http, &base, args.clone()).await,
            [(field.to_owned(), reason.to_owned())],
            "{args}"
        );
    }
    // Every broken constraint at once, each named.
    let all = field_errors(&http, &base, json!({"count": 0, "name": "ABCD", "step": 1})).await;
    let fields: Vec<&str> = all.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(fields, ["count", "name", "name", "step"], "{all:?}");
    // A type error is still serde's, in the same shape.
    assert_eq!(
        field_errors(&http, &base, with(json!({"count": "many"}))).await,
        [("count".to_owned(), "expected u8, found string \"many\"".to_owned())]
    );
    // `null` for an optional argument means "not given", as before.
    let (status, _) = rest(
        &http,
        &base,
        "constrained",
        &with(json!({"email": null, "point": null})),
    )
    .await;
    assert_eq!(status, 200);
    // Valid values at the edges run the function on both protocols.
    let edges = json!({"count": 33, "name": "z", "email": "a@example.com", "step": 0, "ratio": 1, "tags": ["a", "b"], "point": {"x": 1, "label": "ABCD"}});
    let (status, body) = rest(&http, &base, "constrained", &edges).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(mcp(&http, &base, "constrained", &edges).await["isError"], false);
}

#[tokio::test]
async fn a_non_finite_result_is_an_internal_error_not_null() {
    let base = serve().await;
    let http = reqwest::Client::new();
    let (status, problem) = rest(&http, &base, "overflowing", &json!({})).await;
    assert_eq!(status, 500, "{problem}");
    assert!(!problem.to_string().contains("null"), "{problem}");
    // An internal error is a JSON-RPC error on MCP, as for a panic.
    let reply = mcp_reply(&http, &base, "overflowing", &json!({})).await;
    assert_eq!(reply["error"]["code"], -32603, "{reply}");
    assert!(reply.get("result").is_none(), "{reply}");
    // The log names the function and the field.
    let err = Registry::builder()
        .tag(TAG)
        .build()
        .unwrap()
        .invoke(
            "overflowing",
            json!({}),
            registry_core::Context::new(registry_core::Protocol::Direct),
        )
        .await
        .unwrap_err();
    let detail = err.internal_detail().unwrap_or_default();
    assert!(detail.contains("(inf) at `hashes_per_second`"), "{detail}");
}

#[cfg(debug_assertions)]
#[tokio::test]
async fn in_debug_builds_a_result_that_breaks_its_output_schema_fails() {
    let registry = Registry::builder().tag(TAG).build().unwrap();
    let err = registry
        .invoke(
            "breaks_its_contract",
            json!({}),
            registry_core::Context::new(registry_core::Protocol::Direct),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), registry_core::ErrorKind::Internal);
    let detail = err.internal_detail().unwrap_or_default();
    assert!(
        detail.contains("`breaks_its_contract` returned a result that does not match its output schema")
            && detail.contains("`total`: expected an integer, found string \"many\""),
        "{detail}"
    );
}
