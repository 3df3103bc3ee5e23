//! One `SERVER` span and one set of measurements per call: [`Call`] starts
//! them, [`Traced`] runs the call's future inside the span and ends both
//! with the outcome.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use opentelemetry::KeyValue;
use opentelemetry::trace::Status;
use pin_project_lite::pin_project;
use registry_core::{ErrorKind, MetadataSource, Principal};
use tracing::Span;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use super::{TARGET, pipeline, propagation, tracing_on};

thread_local! {
    /// The error kind of the call whose future is being polled on this
    /// thread, and whether MCP answered it as an `isError` result. Set
    /// where an adapter turns the error into its answer, in the same poll
    /// that completes the call; read by [`Traced`] right after it.
    static NOTED: Cell<Option<(ErrorKind, bool)>> = const { Cell::new(None) };
}

/// Records that the call being answered failed with `kind`, answered as an
/// MCP `isError` result when `tool_result`.
#[inline]
pub(crate) fn note_error(kind: ErrorKind, tool_result: bool) {
    NOTED.with(|noted| noted.set(Some((kind, tool_result))));
}

/// Records the function that serves the current call once an adapter has
/// resolved it (a resource URI's function).
pub(crate) fn record_function(name: &str) {
    if tracing_on() {
        Span::current().set_attribute("code.function.name", name.to_owned());
    }
}

/// What the MCP adapter knows about one request when it starts.
pub(crate) struct McpRequest<'a> {
    /// `tools/call`, `resources/read`, ...
    pub(crate) method: &'a str,
    /// The tool or prompt name, or the resource URI.
    pub(crate) target: Option<&'a str>,
    /// The JSON-RPC id, as text.
    pub(crate) id: Option<String>,
    /// The MCP version the request is made under, when known.
    pub(crate) version: Option<&'a str>,
    /// `params._meta`'s `traceparent`, `tracestate` and `baggage`.
    pub(crate) meta_trace: Option<&'a propagation::TraceHeaders>,
    /// The HTTP headers (none on stdio).
    pub(crate) headers: Option<&'a dyn MetadataSource>,
    /// The caller, when authenticated.
    pub(crate) principal: Option<&'a Principal>,
    /// The request id.
    pub(crate) request_id: &'a str,
}

/// One REST route's fixed telemetry: its span name and attributes.
#[derive(Clone, Debug)]
pub(crate) struct RestRoute {
    name: String,
    method: &'static str,
    route: String,
    function: &'static str,
}

impl RestRoute {
    /// The route of `function` at `method` and `route` (the path template).
    pub(crate) fn new(method: &'static str, route: &str, function: &'static str) -> Self {
        RestRoute {
            name: format!("{method} {route}"),
            method,
            route: route.to_owned(),
            function,
        }
    }
}

/// Which protocol a call came through, and what its measurements are keyed by.
#[derive(Debug)]
enum Shape {
    Mcp { method: String, tool: Option<String> },
    Rest { method: &'static str, route: String },
}

/// A started call: its span (when traces are exported) and its start time
/// (when metrics are recorded). `None` inside when neither is on.
#[derive(Debug)]
pub(crate) struct Call(Option<Box<Active>>);

#[derive(Debug)]
struct Active {
    span: Option<Span>,
    started: Instant,
    shape: Shape,
    function: Option<String>,
    /// Whether the call has ended (the in-flight count is decremented once).
    ended: bool,
}

impl Call {
    /// The span and measurements of one MCP request.
    pub(crate) fn mcp(request: &McpRequest<'_>) -> Call {
        let metrics = pipeline().is_some_and(|p| p.instruments.is_some());
        if !tracing_on() && !metrics {
            return Call(None);
        }
        let tool = (request.method == "tools/call").then(|| request.target.unwrap_or_default().to_owned());
        let function = match request.method {
            "tools/call" | "prompts/get" => request.target.map(str::to_owned),
            _ => None,
        };
        let span = tracing_on().then(|| mcp_span(request, function.as_deref()));
        let active = Active {
            span,
            started: Instant::now(),
            shape: Shape::Mcp {
                method: request.method.to_owned(),
                tool,
            },
            function,
            ended: false,
        };
        active.count_in_flight(1);
        Call(Some(Box::new(active)))
    }

    /// The span and measurements of one REST request to `route`.
    pub(crate) fn rest(route: &RestRoute, request: &axum::extract::Request) -> Call {
        let metrics = pipeline().is_some_and(|p| p.instruments.is_some());
        if !tracing_on() && !metrics {
            return Call(None);
        }
        let span = tracing_on().then(|| {
            let extensions = request.extensions();
            let span = tracing::info_span!(
                target: TARGET,
                "rest",
                otel.name = route.name.as_str(),
                otel.kind = "server",
                http.request.method = route.method,
                http.route = route.route.as_str(),
                url.path = request.uri().path(),
                code.function.name = route.function,
                user.id = extensions.get::<Principal>().map(|principal| principal.id.as_str()),
                api_registry.request_id = &*crate::http::request_id_of(extensions),
            );
            if let Some(parent) = propagation::from_header_map(request.headers()) {
                let _ = span.set_parent(parent);
            }
            span
        });
        let active = Active {
            span,
            started: Instant::now(),
            shape: Shape::Rest {
                method: route.method,
                route: route.route.clone(),
            },
            function: Some(route.function.to_owned()),
            ended: false,
        };
        active.count_in_flight(1);
        Call(Some(Box::new(active)))
    }

    /// Runs `future` inside the call's span; `outcome` reads its output
    /// when it completes.
    pub(crate) fn wrap<F: Future>(self, future: F, outcome: fn(&F::Output) -> Outcome) -> Traced<F> {
        Traced {
            inner: future,
            call: self.0,
            outcome,
        }
    }
}

fn mcp_span(request: &McpRequest<'_>, function: Option<&str>) -> Span {
    let method = request.method;
    let name = match (method, request.target) {
        ("tools/call" | "prompts/get", Some(target)) => format!("{method} {target}"),
        _ => method.to_owned(),
    };
    let target = |of: &str| if method == of { request.target } else { None };
    let tool = target("tools/call");
    let header = |name: &str| request.headers.and_then(|headers| headers.get(name));
    // Every attribute a field of the span as it is made (an absent one is
    // not recorded): one pass of the layer rather than a call per attribute.
    let span = tracing::info_span!(
        target: TARGET,
        "mcp",
        otel.name = name.as_str(),
        otel.kind = "server",
        mcp.method.name = method,
        gen_ai.tool.name = tool,
        gen_ai.operation.name = tool.map(|_| "execute_tool"),
        gen_ai.prompt.name = target("prompts/get"),
        mcp.resource.uri = target("resources/read"),
        code.function.name = function,
        jsonrpc.request.id = request.id.as_deref(),
        mcp.protocol.version = request.version.or_else(|| header("mcp-protocol-version")),
        mcp.session.id = header("mcp-session-id"),
        network.transport = if request.headers.is_some() { "tcp" } else { "pipe" },
        network.protocol.name = request.headers.map(|_| "http"),
        user.id = request.principal.map(|principal| principal.id.as_str()),
        api_registry.request_id = request.request_id,
    );
    // `_meta` first, as the MCP conventions say; else the HTTP request's headers.
    let parent = request
        .meta_trace
        .and_then(propagation::from_trace_headers)
        .or_else(|| request.headers.and_then(propagation::from_metadata));
    if let Some(parent) = parent {
        let _ = span.set_parent(parent);
    }
    span
}

/// How a call ended, as its protocol answered it.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// An MCP reply: `Some((code, message))` for a JSON-RPC error.
    Mcp(Option<(i32, String)>),
    /// A REST response's status.
    Rest(u16),
}

pin_project! {
    /// A call's future inside its span; ends the span and the
    /// measurements when it completes (or, uncounted, when dropped).
    #[derive(Debug)]
    pub(crate) struct Traced<F: Future> {
        #[pin]
        inner: F,
        call: Option<Box<Active>>,
        outcome: fn(&F::Output) -> Outcome,
    }

    impl<F: Future> PinnedDrop for Traced<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(active) = this.project().call.as_mut()
                && !active.ended
            {
                active.count_in_flight(-1);
            }
        }
    }
}

impl<F: Future> Future for Traced<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(active) = this.call.as_mut() else {
            return this.inner.poll(cx);
        };
        let _entered = active.span.as_ref().map(Span::enter);
        NOTED.with(|noted| noted.set(None));
        let output = std::task::ready!(this.inner.poll(cx));
        let noted = NOTED.with(Cell::take);
        drop(_entered);
        active.end(&(this.outcome)(&output), noted);
        Poll::Ready(output)
    }
}

impl Active {
    fn protocol(&self) -> &'static str {
        match self.shape {
            Shape::Mcp { .. } => "mcp",
            Shape::Rest { .. } => "rest",
        }
    }

    fn count_in_flight(&self, delta: i64) {
        if let Some(instruments) = pipeline().and_then(|p| p.instruments.as_ref()) {
            instruments
                .active
                .add(delta, &[KeyValue::new("api_registry.protocol", self.protocol())]);
        }
    }

    /// Ends the span with the outcome's attributes and status, and records
    /// the measurements.
    fn end(&mut self, outcome: &Outcome, noted: Option<(ErrorKind, bool)>) {
        self.ended = true;
        self.count_in_flight(-1);
        let kind = noted.map(|(kind, _)| kind.code());
        // error.type, and the span status's description.
        let failure: Option<(String, String)> = match outcome {
            Outcome::Mcp(Some((code, message))) => {
                Some((kind.map_or_else(|| code.to_string(), str::to_owned), message.clone()))
            }
            Outcome::Mcp(None) => match noted {
                Some((kind, true)) => Some(("tool_error".to_owned(), kind.title().to_owned())),
                _ => None,
            },
            Outcome::Rest(status) if *status >= 500 => Some((
                kind.map_or_else(|| status.to_string(), str::to_owned),
                kind.map_or("", |_| noted.map_or("", |(k, _)| k.title())).to_owned(),
            )),
            Outcome::Rest(_) => None,
        };
        if let Some(span) = &self.span {
            match outcome {
                Outcome::Mcp(Some((code, _))) => span.set_attribute("rpc.response.status_code", code.to_string()),
                Outcome::Rest(status) => span.set_attribute("http.response.status_code", i64::from(*status)),
                Outcome::Mcp(None) => {}
            }
            if let Some(kind) = kind {
                span.set_attribute("api_registry.error.kind", kind);
            }
            if let Some((error_type, description)) = &failure {
                span.set_attribute("error.type", error_type.clone());
                span.set_status(Status::error(description.clone()));
            }
        }
        let Some(instruments) = pipeline().and_then(|p| p.instruments.as_ref()) else {
            return;
        };
        let seconds = self.started.elapsed().as_secs_f64();
        let mut attributes = Vec::with_capacity(4);
        match (&self.shape, outcome) {
            (Shape::Mcp { method, tool }, _) => {
                attributes.push(KeyValue::new("mcp.method.name", method.clone()));
                if let Some(tool) = tool {
                    attributes.push(KeyValue::new("gen_ai.tool.name", tool.clone()));
                }
                if let Some((error_type, _)) = &failure {
                    attributes.push(KeyValue::new("error.type", error_type.clone()));
                }
                instruments.mcp_duration.record(seconds, &attributes);
            }
            (Shape::Rest { method, route }, outcome) => {
                attributes.push(KeyValue::new("http.request.method", *method));
                attributes.push(KeyValue::new("http.route", route.clone()));
                if let Outcome::Rest(status) = outcome {
                    attributes.push(KeyValue::new("http.response.status_code", i64::from(*status)));
                }
                if let Some((error_type, _)) = &failure {
                    attributes.push(KeyValue::new("error.type", error_type.clone()));
                }
                instruments.http_duration.record(seconds, &attributes);
            }
        }
        if let Some((kind, _)) = noted {
            let mut attributes = vec![
                KeyValue::new("api_registry.protocol", self.protocol()),
                KeyValue::new("api_registry.error.kind", kind.code()),
            ];
            if let Some(function) = &self.function {
                attributes.push(KeyValue::new("code.function.name", function.clone()));
            }
            instruments.errors.add(1, &attributes);
            if kind == ErrorKind::RateLimited {
                attributes.remove(1);
                instruments.rate_limited.add(1, &attributes);
            }
        }
    }
}
