//! OpenTelemetry (feature `otel`) through a real exporter: the server's OTLP/HTTP
//! protobuf requests go to a receiver on loopback, which decodes them with the
//! official protobuf types (`opentelemetry-proto`). One call span per call,
//! named and attributed as the MCP and HTTP conventions say, parented by the
//! caller's `traceparent` (HTTP header or MCP `_meta`), with the function's
//! own spans under it; and the metrics those calls recorded.
//!
//! The pipeline is process-wide, so every test shares one receiver and one
//! server and finds its own spans by the trace id it sent.
//!
//! Run with `cargo test -p registry-tests --features otel --test otel`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::{Span, span::SpanKind, status::StatusCode};
use prost::Message as _;
use registry_core::{ApiError, Context, Registry, api_function};
use registry_server::{Server, ServerConfig};
use serde_json::{Value, json};
use tower::ServiceExt as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// Adds two numbers, inside a span of its own.
#[api_function]
fn otel_add(a: i64, b: i64) -> i64 {
    {
        let _inner = tracing::info_span!("adding", a, b).entered();
        tracing::info!("added");
    }
    // Outside the function's own span: an event of the call's span.
    tracing::info!(sum = a + b, "summed");
    a + b
}

/// Succeeds, but logs an error on the way.
#[api_function]
async fn otel_logs_error() -> i64 {
    tokio::task::yield_now().await;
    tracing::error!(upstream = "pricing", "upstream lost");
    1
}

/// Always refuses, as a conflict.
#[api_function]
async fn otel_refuse() -> Result<i64, ApiError> {
    Err(ApiError::conflict("already done"))
}

/// Panics.
#[api_function]
async fn otel_panic() -> i64 {
    panic!("boom")
}

/// Sleeps past its timeout.
#[api_function(timeout = "50ms")]
async fn otel_slow() -> i64 {
    tokio::time::sleep(Duration::from_secs(5)).await;
    1
}

/// The trace context the function sees, as it would send it on.
#[api_function]
async fn otel_outbound(ctx: &Context) -> String {
    use registry_server::telemetry::ContextTelemetry as _;
    ctx.trace_headers().traceparent.unwrap_or_default()
}

/// Refused by a (pretend) rate limit.
#[api_function]
async fn otel_limited() -> Result<i64, ApiError> {
    Err(ApiError::rate_limited("slow down"))
}

/// What the receiver got.
#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    metrics: Vec<ExportMetricsServiceRequest>,
}

struct Fixture {
    received: Arc<Mutex<Received>>,
    router: axum::Router,
    server: Server,
}

/// Starts the receiver (on its own thread and runtime, so it outlives each
/// test's runtime), the pipeline pointed at it, and the server's router.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let received = Arc::new(Mutex::new(Received::default()));
        let store = Arc::clone(&received);
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let traces = Arc::clone(&store);
                let app = axum::Router::new()
                    .route(
                        "/v1/traces",
                        axum::routing::post(move |body: axum::body::Bytes| async move {
                            let request = ExportTraceServiceRequest::decode(body).expect("OTLP trace protobuf");
                            let mut received = traces.lock().unwrap();
                            for resource in request.resource_spans {
                                for scope in resource.scope_spans {
                                    received.spans.extend(scope.spans);
                                }
                            }
                        }),
                    )
                    .route(
                        "/v1/metrics",
                        axum::routing::post(move |body: axum::body::Bytes| async move {
                            let request = ExportMetricsServiceRequest::decode(body).expect("OTLP metrics protobuf");
                            store.lock().unwrap().metrics.push(request);
                        }),
                    );
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, app).await.unwrap();
            });
        });
        let address = address_rx.recv().unwrap();
        let config = ServerConfig::default()
            .info("otel-test", "1.0.0")
            .otlp_endpoint(format!("http://{address}"))
            .metrics_endpoint(true);
        registry_server::telemetry::init(&config).expect("a valid configuration");
        tracing_subscriber::registry()
            .with(registry_server::telemetry::layer())
            .init();
        let registry = [
            "otel_add",
            "otel_refuse",
            "otel_panic",
            "otel_slow",
            "otel_outbound",
            "otel_limited",
            "otel_logs_error",
        ]
        .into_iter()
        .fold(Registry::builder(), |builder, name| builder.name(name))
        .build()
        .unwrap();
        let server = Server::new(registry, config);
        let router = server.router().unwrap();
        Fixture {
            received,
            router,
            server,
        }
    })
}

/// A fresh trace id and the `traceparent` of a sampled remote parent in it.
fn remote_parent(n: u8) -> (String, String, String) {
    let trace = format!("{:032x}", 0x4bf9_2f35_77b3_4da6_a3ce_0000_0000_0000u128 + u128::from(n));
    let parent = format!("{:016x}", 0x00f0_67aa_0ba9_0200u64 + u64::from(n));
    let traceparent = format!("00-{trace}-{parent}-01");
    (trace, parent, traceparent)
}

/// Calls `tool` over MCP with a `_meta.traceparent` of trace `n` (and no
/// `traceparent` header): the trace id and the reply.
async fn call_in_trace(n: u8, tool: &str) -> (String, Value) {
    let (trace, _, traceparent) = remote_parent(n);
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "_meta": {"traceparent": traceparent}}});
    let (_, reply) = send(mcp(body, None)).await;
    (trace, reply)
}

async fn send(request: Request<Body>) -> (u16, Value) {
    let response = fixture().router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn mcp(body: Value, traceparent: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/mcp")
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-06-18");
    if let Some(traceparent) = traceparent {
        request = request.header("traceparent", traceparent);
    }
    request.body(Body::from(body.to_string())).unwrap()
}

/// The spans of `trace` the receiver holds after a flush.
async fn spans_of(trace: &str) -> Vec<Span> {
    registry_server::telemetry::flush().await;
    let received = fixture().received.lock().unwrap();
    received
        .spans
        .iter()
        .filter(|span| hex(&span.trace_id) == trace)
        .cloned()
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(AnyValue::StringValue(text)) => text.clone(),
            Some(AnyValue::IntValue(n)) => n.to_string(),
            Some(AnyValue::BoolValue(b)) => b.to_string(),
            other => format!("{other:?}"),
        })
}

fn server_span<'a>(spans: &'a [Span], name: &str) -> &'a Span {
    spans.iter().find(|span| span.name == name).unwrap_or_else(|| {
        panic!(
            "no span {name:?} in {:?}",
            spans.iter().map(|s| &s.name).collect::<Vec<_>>()
        )
    })
}

#[tokio::test]
async fn rest_call_is_one_server_span_under_the_callers_traceparent() {
    let (trace, parent, traceparent) = remote_parent(1);
    let request = Request::post("/api/otel_add")
        .header("content-type", "application/json")
        .header("traceparent", &traceparent)
        .header("x-request-id", "rest-req-1")
        .body(Body::from(r#"{"a": 2, "b": 3}"#))
        .unwrap();
    let (status, body) = send(request).await;
    assert_eq!((status, body), (200, json!(5)));

    let spans = spans_of(&trace).await;
    let call = server_span(&spans, "POST /api/otel_add");
    assert_eq!(call.kind, SpanKind::Server as i32);
    assert_eq!(hex(&call.parent_span_id), parent);
    for (key, value) in [
        ("http.request.method", "POST"),
        ("http.route", "/api/otel_add"),
        ("http.response.status_code", "200"),
        ("code.function.name", "otel_add"),
        ("api_registry.request_id", "rest-req-1"),
    ] {
        assert_eq!(attribute(call, key).as_deref(), Some(value), "{key}");
    }
    assert_ne!(call.status.as_ref().map_or(0, |s| s.code), StatusCode::Error as i32);
    // The function's own span (a sync function, on the blocking pool) nests under it.
    let inner = server_span(&spans, "adding");
    assert_eq!(inner.parent_span_id, call.span_id);
    assert!(
        inner.events.iter().any(|event| event.name == "added"),
        "{:?}",
        inner.events
    );
    // An event outside it is the call span's, with its fields.
    let summed = call.events.iter().find(|event| event.name == "summed");
    let summed = summed.unwrap_or_else(|| panic!("no `summed` event in {:?}", call.events));
    let fields: Vec<_> = summed.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(fields, ["level", "sum"]);
    assert!(inner.events.iter().all(|event| event.name != "summed"));
}

#[tokio::test]
async fn an_error_event_in_a_call_makes_its_span_an_error() {
    let (trace, reply) = call_in_trace(20, "otel_logs_error").await;
    assert_eq!(reply["result"]["structuredContent"]["result"], 1, "{reply}");
    let spans = spans_of(&trace).await;
    let call = server_span(&spans, "tools/call otel_logs_error");
    let event = call.events.iter().find(|event| event.name == "upstream lost");
    let event = event.unwrap_or_else(|| panic!("no event in {:?}", call.events));
    assert!(event.attributes.iter().any(|kv| kv.key == "upstream"));
    // The call answered, so no `error.type`; the error event still marks the span.
    assert!(attribute(call, "error.type").is_none());
    assert_eq!(call.status.as_ref().map(|s| s.code), Some(StatusCode::Error as i32));
}

#[tokio::test]
async fn mcp_tool_call_takes_its_parent_from_meta_and_names_the_tool() {
    let (trace, parent, traceparent) = remote_parent(2);
    // A different trace in the HTTP header: `_meta` wins.
    let (_, _, header_parent) = remote_parent(3);
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "otel_add", "arguments": {"a": 1, "b": 1},
        "_meta": {"traceparent": traceparent, "tracestate": "rojo=00f067aa0ba902b7"},
    }});
    let (status, reply) = send(mcp(body, Some(&header_parent))).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["result"]["structuredContent"]["result"], 2);

    let spans = spans_of(&trace).await;
    let call = server_span(&spans, "tools/call otel_add");
    assert_eq!(call.kind, SpanKind::Server as i32);
    assert_eq!(hex(&call.parent_span_id), parent);
    assert_eq!(call.trace_state, "rojo=00f067aa0ba902b7");
    for (key, value) in [
        ("mcp.method.name", "tools/call"),
        ("gen_ai.tool.name", "otel_add"),
        ("gen_ai.operation.name", "execute_tool"),
        ("code.function.name", "otel_add"),
        ("jsonrpc.request.id", "7"),
        ("mcp.protocol.version", "2025-06-18"),
        ("network.transport", "tcp"),
    ] {
        assert_eq!(attribute(call, key).as_deref(), Some(value), "{key}");
    }
    assert!(attribute(call, "error.type").is_none());
    assert!(attribute(call, "api_registry.request_id").is_some());
    assert!(
        spans_of(&remote_parent(3).0).await.is_empty(),
        "the header's trace got a span"
    );
}

#[tokio::test]
async fn mcp_failures_set_error_type_and_status() {
    let cases = [
        (4, "otel_refuse", "tool_error", "conflict"),
        (5, "otel_slow", "tool_error", "timeout"),
        (6, "otel_panic", "internal", "internal"),
    ];
    for (n, tool, error_type, kind) in cases {
        let (trace, _, traceparent) = remote_parent(n);
        let body = json!({"jsonrpc": "2.0", "id": n, "method": "tools/call", "params": {"name": tool}});
        let (_, reply) = send(mcp(body, Some(&traceparent))).await;
        let spans = spans_of(&trace).await;
        let call = server_span(&spans, &format!("tools/call {tool}"));
        assert_eq!(
            attribute(call, "error.type").as_deref(),
            Some(error_type),
            "{tool}: {reply}"
        );
        assert_eq!(
            attribute(call, "api_registry.error.kind").as_deref(),
            Some(kind),
            "{tool}"
        );
        assert_eq!(
            call.status.as_ref().map(|s| s.code),
            Some(StatusCode::Error as i32),
            "{tool}"
        );
        if error_type == "internal" {
            assert_eq!(attribute(call, "rpc.response.status_code").as_deref(), Some("-32603"));
        }
    }
}

#[tokio::test]
async fn a_function_sees_its_calls_trace_context() {
    let (trace, reply) = call_in_trace(8, "otel_outbound").await;
    let outbound = reply["result"]["structuredContent"]["result"]
        .as_str()
        .unwrap()
        .to_owned();
    let spans = spans_of(&trace).await;
    let call = server_span(&spans, "tools/call otel_outbound");
    // The outbound request's parent is the call's span, in the caller's trace.
    assert_eq!(outbound, format!("00-{trace}-{}-01", hex(&call.span_id)));
}

#[tokio::test]
async fn metrics_reach_the_receiver_and_the_prometheus_page() {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "otel_refuse"}});
    send(mcp(body, None)).await;
    let limited = Request::post("/api/otel_limited")
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(send(limited).await.0, 429);
    let request = Request::post("/api/otel_add")
        .header("content-type", "application/json")
        .body(Body::from(r#"{"a": 1, "b": 2}"#))
        .unwrap();
    send(request).await;
    registry_server::telemetry::flush().await;
    let names: Vec<String> = {
        let received = fixture().received.lock().unwrap();
        received
            .metrics
            .iter()
            .flat_map(|request| &request.resource_metrics)
            .flat_map(|resource| &resource.scope_metrics)
            .flat_map(|scope| &scope.metrics)
            .filter(|metric| metric.data.is_some())
            .map(|metric| {
                if let Some(Data::Histogram(_)) = &metric.data {
                    format!("{} histogram", metric.name)
                } else {
                    metric.name.clone()
                }
            })
            .collect()
    };
    for expected in [
        "mcp.server.operation.duration histogram",
        "http.server.request.duration histogram",
        "api_registry.calls.active",
        "api_registry.calls.errors",
    ] {
        assert!(names.iter().any(|name| name == expected), "{expected} not in {names:?}");
    }

    let response = fixture()
        .router
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("# TYPE mcp_server_operation_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE api_registry_calls_errors_total counter"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("api_registry_calls_errors_total{")
                && line.contains(r#"api_registry_error_kind="conflict""#)),
        "{text}"
    );
    assert!(
        text.lines().any(|line| line.starts_with(
            r#"api_registry_calls_rate_limited_total{api_registry_protocol="rest",code_function_name="otel_limited"}"#
        )),
        "{text}"
    );
    assert!(
        text.contains(r#"http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/api/otel_add"}"#),
        "{text}"
    );
}

#[tokio::test]
async fn each_lambda_invocation_flushes_its_spans() {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context as LambdaContext, LambdaEvent};
    use tower::Service as _;

    let service = registry_server::lambda::service(&fixture().server).unwrap();
    let mut adapter = Adapter::from(registry_server::telemetry::FlushAfterEach(service));
    for n in [9, 10] {
        let (trace, parent, traceparent) = remote_parent(n);
        let mut event: Value = serde_json::from_str(include_str!("../fixtures/lambda/apigw_http_v2.json")).unwrap();
        event["body"] = json!(r#"{"a": 4, "b": 5}"#);
        event["rawPath"] = json!("/Prod/api/otel_add");
        event["requestContext"]["http"]["path"] = json!("/Prod/api/otel_add");
        event["headers"]["traceparent"] = json!(traceparent);
        let request: LambdaRequest = serde_json::from_value(event).unwrap();
        let response = adapter
            .ready()
            .await
            .unwrap()
            .call(LambdaEvent::new(request, LambdaContext::default()))
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(response).unwrap()["statusCode"], 200);
        // No flush here: the invocation's own flush sent the span before it answered.
        let received = fixture().received.lock().unwrap();
        let call = received
            .spans
            .iter()
            .find(|span| hex(&span.trace_id) == trace && span.name == "POST /api/otel_add")
            .unwrap_or_else(|| panic!("invocation {n}: its span did not arrive"));
        assert_eq!(hex(&call.parent_span_id), parent);
    }
}

#[tokio::test]
async fn metrics_page_is_behind_the_authorizer_with_protect_docs_and_spans_name_the_principal() {
    let keys = registry_server::ApiKeys::parse("metrics-key id=scraper").unwrap();
    let config = ServerConfig::default()
        .authorizer(keys)
        .protect_docs(true)
        .metrics_endpoint(true);
    let registry = Registry::builder().name("otel_add").build().unwrap();
    let router = Server::new(registry, config).router().unwrap();
    let get = |key: Option<&str>| {
        let mut request = Request::get("/metrics");
        if let Some(key) = key {
            request = request.header("authorization", format!("Bearer {key}"));
        }
        router.clone().oneshot(request.body(Body::empty()).unwrap())
    };
    assert_eq!(get(None).await.unwrap().status(), 401);
    assert_eq!(get(Some("metrics-key")).await.unwrap().status(), 200);

    let (trace, _, traceparent) = remote_parent(12);
    let request = Request::post("/api/otel_add")
        .header("content-type", "application/json")
        .header("authorization", "Bearer metrics-key")
        .header("traceparent", traceparent)
        .body(Body::from(r#"{"a": 1, "b": 1}"#))
        .unwrap();
    assert_eq!(router.clone().oneshot(request).await.unwrap().status(), 200);
    let spans = spans_of(&trace).await;
    let call = server_span(&spans, "POST /api/otel_add");
    assert_eq!(attribute(call, "user.id").as_deref(), Some("scraper"));
}
