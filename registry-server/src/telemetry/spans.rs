//! One `SERVER` span and one set of measurements per call: [`Call`] starts
//! them, [`Traced`] runs the call's future in the span's OpenTelemetry
//! context and ends both with the outcome.
//!
//! The span is not a `tracing` span and its data is not kept by
//! `tracing-opentelemetry` (a span builder, an SDK span and its `SpanData`
//! per call, about half of the call path's cost of a traced call, and a
//! `tracing` span in the registry: BENCHMARKS.md, "OpenTelemetry"). What is
//! known at the start is written into the span's OTLP bytes right away
//! ([`SpanBytes`]), what is recorded while it runs (through
//! [`CallSpanHandle`], the span of the call's context) at the end, and the
//! bytes go to the [`super::batch`].
//!
//! The call's context is current while its future is polled (and, through
//! `registry-core`'s feature `otel`, on the blocking thread of a sync
//! function), so the function's own spans take the call's span as parent:
//! `tracing-opentelemetry` parents a span none of its spans encloses on the
//! current context. Events outside the function's spans become the call
//! span's events ([`super::layer`]).

use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{Event, SpanContext, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceState};
use opentelemetry::{Context as OtelContext, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{IdGenerator as _, RandomIdGenerator, SamplingDecision, ShouldSample as _};
use pin_project_lite::pin_project;
use registry_core::{ErrorKind, MetadataSource, Principal};

use super::otlp::SpanBytes;
use super::{Traces, pipeline, propagation};

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
    if super::tracing_on() {
        OtelContext::current()
            .span()
            .set_attribute(KeyValue::new("code.function.name", name.to_owned()));
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

/// One REST route's fixed telemetry: its span name and attributes, and its
/// measurements' attributes, made once per route.
#[derive(Clone, Debug)]
pub(crate) struct RestRoute {
    name: Arc<str>,
    method: &'static str,
    route: StringValue,
    function: &'static str,
}

impl RestRoute {
    /// The route of `function` at `method` and `route` (the path template).
    pub(crate) fn new(method: &'static str, route: &str, function: &'static str) -> Self {
        RestRoute {
            name: Arc::from(format!("{method} {route}")),
            method,
            route: StringValue::from(Arc::<str>::from(route)),
            function,
        }
    }
}

/// Which protocol a call came through, and what its measurements are keyed by.
#[derive(Debug)]
enum Shape {
    Mcp {
        method: StringValue,
        tool: Option<StringValue>,
    },
    Rest {
        method: &'static str,
        route: StringValue,
    },
}

/// A started call: its span (when traces are exported) and its start time
/// (when metrics are recorded). `None` inside when neither is on.
#[derive(Debug)]
pub(crate) struct Call(Option<Box<Active>>);

#[derive(Debug)]
struct Active {
    span: Option<CallSpan>,
    started: Instant,
    shape: Shape,
    function: Option<StringValue>,
    /// Whether the call has ended (the in-flight count is decremented once).
    ended: bool,
}

impl Call {
    /// The span and measurements of one MCP request.
    pub(crate) fn mcp(request: &McpRequest<'_>) -> Call {
        let metrics = pipeline().is_some_and(|p| p.instruments.is_some());
        let traces = super::traces();
        if traces.is_none() && !metrics {
            return Call(None);
        }
        let method = request.method;
        // Shared (reference-counted) by the measurements' attributes.
        let function = match method {
            "tools/call" | "prompts/get" => request.target.map(|target| StringValue::from(Arc::<str>::from(target))),
            _ => None,
        };
        let tool = (method == "tools/call").then(|| function.clone().unwrap_or_else(|| StringValue::from("")));
        let span = traces.map(|traces| mcp_span(traces, request, function.as_ref().map(StringValue::as_str)));
        let active = Active {
            span,
            started: Instant::now(),
            shape: Shape::Mcp {
                method: StringValue::from(Arc::<str>::from(method)),
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
        let traces = super::traces();
        if traces.is_none() && !metrics {
            return Call(None);
        }
        let span = traces.map(|traces| {
            let extensions = request.extensions();
            let parent = propagation::from_header_map(request.headers());
            CallSpan::start(traces, parent, &[&*route.name], |span| {
                span.text("http.request.method", route.method);
                span.text("http.route", route.route.as_str());
                span.text("url.path", request.uri().path());
                span.text("code.function.name", route.function);
                if let Some(principal) = extensions.get::<Principal>() {
                    span.text("user.id", &principal.id);
                }
                span.text("api_registry.request_id", &crate::http::request_id_of(extensions));
            })
        });
        let active = Active {
            span,
            started: Instant::now(),
            shape: Shape::Rest {
                method: route.method,
                route: route.route.clone(),
            },
            function: Some(StringValue::from(route.function)),
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

fn mcp_span(traces: &'static Traces, request: &McpRequest<'_>, function: Option<&str>) -> CallSpan {
    let method = request.method;
    let target = |of: &str| if method == of { request.target } else { None };
    let tool = target("tools/call");
    let header = |name: &str| request.headers.and_then(|headers| headers.get(name));
    // `_meta` first, as the MCP conventions say; else the HTTP request's headers.
    let parent = request
        .meta_trace
        .and_then(propagation::from_trace_headers)
        .or_else(|| request.headers.and_then(propagation::from_metadata));
    // `tools/call {tool}`, `prompts/get {prompt}`: the function is the target.
    let name: &[&str] = match &function {
        Some(function) => &[method, " ", function],
        None => &[method],
    };
    CallSpan::start(traces, parent, name, |span| {
        let mut text = |key: &'static str, value: Option<&str>| {
            if let Some(value) = value {
                span.text(key, value);
            }
        };
        text("mcp.method.name", Some(method));
        text("gen_ai.tool.name", tool);
        text("gen_ai.prompt.name", target("prompts/get"));
        text("mcp.resource.uri", target("resources/read"));
        text("code.function.name", function);
        text("jsonrpc.request.id", request.id.as_deref());
        text(
            "mcp.protocol.version",
            request.version.or_else(|| header("mcp-protocol-version")),
        );
        text("mcp.session.id", header("mcp-session-id"));
        text("user.id", request.principal.map(|principal| principal.id.as_str()));
        text("api_registry.request_id", Some(request.request_id));
        if tool.is_some() {
            text("gen_ai.operation.name", Some("execute_tool"));
        }
        text(
            "network.transport",
            Some(if request.headers.is_some() { "tcp" } else { "pipe" }),
        );
        if request.headers.is_some() {
            text("network.protocol.name", Some("http"));
        }
    })
}

/// A call's span: the OpenTelemetry context the call runs in, its span
/// there (shared with the context while it runs), and its bytes so far
/// (`None` when the sampler dropped it, or once ended).
#[derive(Debug)]
struct CallSpan {
    traces: &'static Traces,
    cx: OtelContext,
    handle: CallSpanHandle,
    bytes: Option<SpanBytes>,
}

impl CallSpan {
    /// Starts a `SERVER` span named by `name`'s parts under `parent` (a
    /// remote context), as the pipeline's sampler decides; `attributes`
    /// writes the span's attributes when it is sampled.
    fn start(
        traces: &'static Traces,
        parent: Option<OtelContext>,
        name: &[&str],
        attributes: impl FnOnce(&mut SpanBytes),
    ) -> CallSpan {
        let parent = parent.unwrap_or_default();
        let parent_context = parent.span().span_context().clone();
        let ids = RandomIdGenerator::default();
        let trace_id = if parent_context.is_valid() {
            parent_context.trace_id()
        } else {
            ids.new_trace_id()
        };
        // The built-in samplers (the only ones `OTEL_TRACES_SAMPLER` names)
        // do not read the span's name: its first part stands for it.
        let decision = traces
            .sampler
            .should_sample(Some(&parent), trace_id, name[0], &SpanKind::Server, &[], &[]);
        let sampled = decision.decision == SamplingDecision::RecordAndSample;
        let trace_state = if parent_context.is_valid() {
            decision.trace_state
        } else {
            TraceState::default()
        };
        let flags = if sampled {
            TraceFlags::SAMPLED
        } else {
            TraceFlags::default()
        };
        let context = SpanContext::new(trace_id, ids.new_span_id(), flags, false, trace_state);
        let bytes = sampled.then(|| {
            let mut bytes = SpanBytes::start(&context, &parent_context, name, opentelemetry::time::now());
            bytes.attributes(&decision.attributes);
            attributes(&mut bytes);
            bytes
        });
        let handle = CallSpanHandle(Arc::new(Shared {
            context,
            recording: sampled,
            late: Mutex::new(Late::default()),
        }));
        CallSpan {
            traces,
            cx: parent.with_span(handle.clone()),
            handle,
            bytes,
        }
    }

    /// Ends the span at now with what `attributes` writes and `status`,
    /// and hands it to the batch when it was sampled.
    fn end(&mut self, attributes: impl FnOnce(&mut SpanBytes), status: Option<Status>) {
        let Some(mut bytes) = self.bytes.take() else {
            return;
        };
        let late = std::mem::take(&mut *self.handle.0.late.lock().unwrap_or_else(PoisonError::into_inner));
        bytes.attributes(&late.attributes);
        attributes(&mut bytes);
        if let Some(name) = &late.name {
            bytes.name(&[name]);
        }
        let status = status.or(late.status).unwrap_or(Status::Unset);
        bytes.end(opentelemetry::time::now(), &late.events, &late.links, &status);
        self.traces.batch.push_call_span(bytes.as_bytes());
    }
}

impl Drop for CallSpan {
    /// A call dropped before it completed (its client went away) still
    /// exports its span, as it stood.
    fn drop(&mut self) {
        if self.bytes.is_some() {
            self.end(|_| {}, None);
        }
    }
}

/// The OpenTelemetry span of a call while it runs: what its context holds,
/// so that spans opened inside take it as parent and what is recorded on the
/// "current span" (attributes, events, status) lands on the call's span.
#[derive(Clone, Debug)]
pub(crate) struct CallSpanHandle(Arc<Shared>);

#[derive(Debug)]
struct Shared {
    context: SpanContext,
    recording: bool,
    late: Mutex<Late>,
}

/// What was recorded on the span while it ran.
#[derive(Debug, Default)]
struct Late {
    attributes: Vec<KeyValue>,
    events: Vec<Event>,
    links: Vec<opentelemetry::trace::Link>,
    status: Option<Status>,
    name: Option<Cow<'static, str>>,
}

impl CallSpanHandle {
    fn with_late(&self, f: impl FnOnce(&mut Late)) {
        if self.0.recording {
            f(&mut self.0.late.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }
}

impl opentelemetry::trace::Span for CallSpanHandle {
    fn add_event_with_timestamp<T>(&mut self, name: T, timestamp: SystemTime, attributes: Vec<KeyValue>)
    where
        T: Into<Cow<'static, str>>,
    {
        self.with_late(|late| late.events.push(Event::new(name, timestamp, attributes, 0)));
    }

    fn span_context(&self) -> &SpanContext {
        &self.0.context
    }

    fn is_recording(&self) -> bool {
        self.0.recording
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        self.with_late(|late| late.attributes.push(attribute));
    }

    /// As the SDK's spans do: a status replaces the one set only if it
    /// ranks above it (`Ok` over `Error` over `Unset`).
    fn set_status(&mut self, status: Status) {
        self.with_late(|late| {
            if late.status.as_ref().is_none_or(|set| status > *set) {
                late.status = Some(status);
            }
        });
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        self.with_late(|late| late.name = Some(new_name.into()));
    }

    fn add_link(&mut self, span_context: SpanContext, attributes: Vec<KeyValue>) {
        self.with_late(|late| {
            late.links
                .push(opentelemetry::trace::Link::new(span_context, attributes, 0))
        });
    }

    /// The call ends its span itself, when it completes.
    fn end_with_timestamp(&mut self, _timestamp: SystemTime) {}
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
        let attached = active.span.as_ref().map(|span| span.cx.clone().attach());
        NOTED.with(|noted| noted.set(None));
        let output = std::task::ready!(this.inner.poll(cx));
        let noted = NOTED.with(Cell::take);
        drop(attached);
        active.end(&(this.outcome)(&output), noted);
        Poll::Ready(output)
    }
}

impl Active {
    fn protocol(&self) -> super::metrics::Protocol {
        match self.shape {
            Shape::Mcp { .. } => super::metrics::Protocol::Mcp,
            Shape::Rest { .. } => super::metrics::Protocol::Rest,
        }
    }

    fn count_in_flight(&self, delta: i64) {
        if let Some(instruments) = pipeline().and_then(|p| p.instruments.as_ref()) {
            instruments.in_flight(self.protocol(), delta);
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
        if let Some(span) = &mut self.span {
            let status = failure
                .as_ref()
                .map(|(_, description)| Status::error(description.clone()));
            span.end(
                |span| {
                    match outcome {
                        Outcome::Mcp(Some((code, _))) => span.text("rpc.response.status_code", &code.to_string()),
                        Outcome::Rest(status) => span.int("http.response.status_code", i64::from(*status)),
                        Outcome::Mcp(None) => {}
                    }
                    if let Some(kind) = kind {
                        span.text("api_registry.error.kind", kind);
                    }
                    if let Some((error_type, _)) = &failure {
                        span.text("error.type", error_type);
                    }
                },
                status,
            );
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
                attributes.push(KeyValue::new("http.route", Value::String(route.clone())));
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
                KeyValue::new("api_registry.protocol", self.protocol().as_str()),
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
