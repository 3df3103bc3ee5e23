//! The same router on AWS Lambda: real event JSON of each source kind
//! (API Gateway REST v1 and HTTP API v2 behind a `Prod` stage, a Function URL,
//! an ALB) through `lambda_http`'s own event decoding and response encoding.

use std::sync::OnceLock;

use base64::Engine as _;
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Context as LambdaContext, LambdaEvent};
use registry_core::Registry;
use registry_server::lambda::{LambdaService, service};
use registry_server::{Server, ServerConfig};
use registry_tests as _;
use serde_json::{Value, json};
use tower::{Service, ServiceExt};

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Source {
    RestV1,
    HttpV2,
    FunctionUrl,
    Alb,
}

pub(crate) const SOURCES: [Source; 4] = [Source::RestV1, Source::HttpV2, Source::FunctionUrl, Source::Alb];

impl Source {
    fn template(self) -> Value {
        let text = match self {
            Source::RestV1 => include_str!("../../fixtures/lambda/apigw_rest_v1.json"),
            Source::HttpV2 => include_str!("../../fixtures/lambda/apigw_http_v2.json"),
            Source::FunctionUrl => include_str!("../../fixtures/lambda/function_url.json"),
            Source::Alb => include_str!("../../fixtures/lambda/alb.json"),
        };
        serde_json::from_str(text).unwrap()
    }

    /// The stage prefix the source puts in front of paths.
    fn stage(self) -> &'static str {
        match self {
            Source::RestV1 | Source::HttpV2 => "/Prod",
            Source::FunctionUrl | Source::Alb => "",
        }
    }
}

/// An event of `source` for `method path?query` with an optional JSON body.
pub(crate) fn event(
    source: Source,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<&str>,
    base64: bool,
) -> Value {
    let mut event = source.template();
    let body = body.map(|b| {
        if base64 {
            base64::engine::general_purpose::STANDARD.encode(b)
        } else {
            b.to_owned()
        }
    });
    event["body"] = body.map(Value::String).unwrap_or(Value::Null);
    event["isBase64Encoded"] = json!(base64);
    let raw_query = query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let single: serde_json::Map<String, Value> = query.iter().map(|(k, v)| ((*k).into(), json!(v))).collect();
    match source {
        Source::RestV1 => {
            event["path"] = json!(path);
            event["httpMethod"] = json!(method);
            event["requestContext"]["httpMethod"] = json!(method);
            event["requestContext"]["path"] = json!(format!("/Prod{path}"));
            let multi: serde_json::Map<String, Value> = query.iter().map(|(k, v)| ((*k).into(), json!([v]))).collect();
            event["queryStringParameters"] = if query.is_empty() {
                Value::Null
            } else {
                Value::Object(single)
            };
            event["multiValueQueryStringParameters"] = if query.is_empty() {
                Value::Null
            } else {
                Value::Object(multi)
            };
        }
        Source::HttpV2 | Source::FunctionUrl => {
            let raw_path = format!("{}{path}", source.stage());
            event["rawPath"] = json!(raw_path);
            event["rawQueryString"] = json!(raw_query);
            event["requestContext"]["http"]["method"] = json!(method);
            event["requestContext"]["http"]["path"] = json!(raw_path);
            if !query.is_empty() {
                event["queryStringParameters"] = Value::Object(single);
            }
        }
        Source::Alb => {
            event["path"] = json!(path);
            event["httpMethod"] = json!(method);
            event["queryStringParameters"] = Value::Object(single);
        }
    }
    event
}

fn server() -> Server {
    let registry = Registry::from_inventory().unwrap();
    Server::new(registry, ServerConfig::default().bound_to_loopback(false))
}

fn warm_service() -> LambdaService {
    static SERVICE: OnceLock<LambdaService> = OnceLock::new();
    SERVICE.get_or_init(|| service(&server()).unwrap()).clone()
}

/// Runs one event through `lambda_http`'s adapter and returns the response event as JSON.
pub(crate) async fn invoke(service: LambdaService, event: Value) -> Value {
    let request: LambdaRequest = serde_json::from_value(event).expect("lambda_http decodes the event");
    let mut adapter = Adapter::from(service);
    let response = adapter
        .ready()
        .await
        .unwrap()
        .call(LambdaEvent::new(request, LambdaContext::default()))
        .await;
    serde_json::to_value(response.expect("the adapter answers")).unwrap()
}

/// A response header, from `headers` (v2, ALB) or `multiValueHeaders` (v1).
fn header<'a>(response: &'a Value, name: &str) -> &'a str {
    response["headers"][name]
        .as_str()
        .or_else(|| response["multiValueHeaders"][name][0].as_str())
        .unwrap_or_default()
}

pub(crate) fn json_body(response: &Value) -> Value {
    assert_eq!(
        response["isBase64Encoded"],
        json!(false),
        "JSON is sent as text: {response}"
    );
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
}

#[tokio::test]
async fn rest_routes_on_every_source() {
    for source in SOURCES {
        let response = invoke(
            warm_service(),
            event(source, "POST", "/api/add", &[], Some(r#"{"a": 2, "b": 40}"#), false),
        )
        .await;
        assert_eq!(response["statusCode"], json!(200), "{source:?}: {response}");
        assert_eq!(header(&response, "content-type"), "application/json", "{source:?}");
        assert_eq!(json_body(&response), json!(42), "{source:?}");

        let query = [("q", "sat"), ("limit", "2"), ("tags", "x")];
        let response = invoke(warm_service(), event(source, "GET", "/api/search", &query, None, false)).await;
        assert_eq!(response["statusCode"], json!(200), "{source:?}: {response}");
        assert_eq!(json_body(&response), json!(["sat-1+x", "sat-2+x"]), "{source:?}");

        let response = invoke(warm_service(), event(source, "GET", "/api/items/7", &[], None, false)).await;
        assert_eq!(json_body(&response)["name"], json!("item-7"), "{source:?}");

        let response = invoke(
            warm_service(),
            event(source, "POST", "/api/divide", &[], Some(r#"{"a": 1, "b": 0}"#), false),
        )
        .await;
        assert_eq!(response["statusCode"], json!(422), "{source:?}");
        assert_eq!(
            header(&response, "content-type"),
            "application/problem+json",
            "{source:?}"
        );
        assert_eq!(json_body(&response)["errors"][0]["field"], json!("b"), "{source:?}");
    }
}

#[tokio::test]
async fn base64_request_bodies_are_decoded() {
    for source in SOURCES {
        let response = invoke(
            warm_service(),
            event(source, "POST", "/api/add", &[], Some(r#"{"a": 1, "b": 1}"#), true),
        )
        .await;
        assert_eq!(json_body(&response), json!(2), "{source:?}: {response}");
    }
}

#[tokio::test]
async fn openapi_and_docs_behind_the_stage() {
    for source in SOURCES {
        let response = invoke(warm_service(), event(source, "GET", "/openapi.json", &[], None, false)).await;
        assert_eq!(response["statusCode"], json!(200), "{source:?}: {response}");
        let document = json_body(&response);
        assert!(document["paths"]["/api/add"].is_object(), "{source:?}");
        let server = if source.stage().is_empty() { "/" } else { "/Prod" };
        assert_eq!(document["servers"], json!([{"url": server}]), "{source:?}");
        let response = invoke(
            warm_service(),
            event(source, "GET", "/openapi-3.0.json", &[], None, false),
        )
        .await;
        assert_eq!(response["statusCode"], json!(200), "{source:?}: {response}");
        let down = json_body(&response);
        assert_eq!(down["openapi"], "3.0.3", "{source:?}");
        assert_eq!(
            down["servers"],
            json!([{"url": server}]),
            "{source:?}: the 3.0 document follows the stage"
        );

        let response = invoke(warm_service(), event(source, "GET", "/docs", &[], None, false)).await;
        assert_eq!(response["statusCode"], json!(200), "{source:?}");
        assert!(header(&response, "content-type").starts_with("text/html"), "{source:?}");
        let page = response["body"].as_str().unwrap();
        assert!(page.contains("get_item"), "{source:?}");
        if !source.stage().is_empty() {
            assert!(
                page.contains("/Prod/api/add"),
                "{source:?}: the page links through the stage"
            );
        }
    }
}

pub(crate) async fn mcp(service: LambdaService, source: Source, body: Value) -> Value {
    let mut event = event(source, "POST", "/mcp", &[], Some(&body.to_string()), false);
    event["headers"]["accept"] = json!("application/json, text/event-stream");
    event["headers"]["mcp-protocol-version"] = json!("2025-11-25");
    let response = invoke(service, event).await;
    assert_eq!(response["statusCode"], json!(200), "{source:?}: {response}");
    json_body(&response)
}

async fn mcp_sequence(service: LambdaService, source: Source) -> Vec<Value> {
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "lambda-test", "version": "1"}
    }});
    let list = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"});
    let sync_call = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 20, "b": 22}}});
    let async_call = json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
        "params": {"name": "divide", "arguments": {"a": 1, "b": 4}}});
    let mut out = Vec::new();
    for body in [init, list, sync_call, async_call] {
        out.push(mcp(service.clone(), source, body).await);
    }
    out
}

#[tokio::test]
async fn a_full_mcp_sequence_on_every_source() {
    for source in SOURCES {
        let answers = mcp_sequence(warm_service(), source).await;
        assert_eq!(
            answers[0]["result"]["protocolVersion"],
            json!("2025-11-25"),
            "{source:?}"
        );
        let tools = answers[1]["result"]["tools"].as_array().unwrap();
        assert!(tools.iter().any(|t| t["name"] == "add"), "{source:?}");
        assert_eq!(
            answers[2]["result"]["structuredContent"],
            json!({"result": 42}),
            "{source:?}"
        );
        assert_eq!(
            answers[3]["result"]["structuredContent"],
            json!({"result": 0.25}),
            "{source:?}"
        );
    }
}

#[tokio::test]
async fn warm_invocations_reuse_one_service_and_agree() {
    let first = mcp_sequence(warm_service(), Source::HttpV2).await;
    for _ in 0..25 {
        assert_eq!(mcp_sequence(warm_service(), Source::HttpV2).await, first);
    }
}

#[test]
fn cold_starts_in_fresh_runtimes_agree_with_warm_ones() {
    let warm = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(mcp_sequence(warm_service(), Source::RestV1));
    for _ in 0..3 {
        // A cold start: a new thread, a new runtime, a new registry and router.
        let cold = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async { mcp_sequence(service(&server()).unwrap(), Source::RestV1).await })
        })
        .join()
        .unwrap();
        assert_eq!(cold, warm);
    }
}
