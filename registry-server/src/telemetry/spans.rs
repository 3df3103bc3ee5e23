//! One `SERVER` span and one set of measurements per call: [`Call`] starts
//! them, [`Traced`] runs the call's future inside the span and ends both
//! with the outcome.
//!
//! The span's data is kept here, not by `tracing-opentelemetry`: the
//! attributes known at the start, those the end adds, the events and
//! attributes recorded while it runs (through [`CallSpanHandle`], the span
//! of the call's OpenTelemetry context), and at the end one `SpanData` for
//! the batch processor. The `tracing` span it runs in has no fields; see
//! [`super::layer`] for why.

use std::borrow::Cow;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{
    Event, SpanContext, SpanId, SpanKind, Status, TraceContextExt as _, TraceFlags, TraceState,
};
use opentelemetry::{Context as OtelContext, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{
    IdGenerator as _, RandomIdGenerator, SamplingDecision, ShouldSample as _, SpanData, SpanEvents, SpanLinks,
};
use pin_project_lite::pin_project;
use registry_core::{ErrorKind, MetadataSource, Principal};

use super::{TARGET, Traces, layer, pipeline, propagation};
use opentelemetry_sdk::trace::SpanProcessor as _;

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
    Mcp { method: String, tool: Option<String> },
    Rest { method: &'static str, route: StringValue },
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
    function: Option<String>,
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
        let tool = (method == "tools/call").then(|| request.target.unwrap_or_default().to_owned());
        let function = match method {
            "tools/call" | "prompts/get" => request.target.map(str::to_owned),
            _ => None,
        };
        let span = traces.map(|traces| mcp_span(traces, request, function.as_deref()));
        let active = Active {
            span,
            started: Instant::now(),
            shape: Shape::Mcp {
                method: method.to_owned(),
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
            CallSpan::start(traces, parent, Cow::Owned(route.name.to_string()), |attributes| {
                attributes.extend([
                    KeyValue::new("http.request.method", route.method),
                    KeyValue::new("http.route", Value::String(route.route.clone())),
                    KeyValue::new("url.path", request.uri().path().to_owned()),
                    KeyValue::new("code.function.name", route.function),
                ]);
                if let Some(principal) = extensions.get::<Principal>() {
                    attributes.push(KeyValue::new("user.id", principal.id.clone()));
                }
                attributes.push(KeyValue::new(
                    "api_registry.request_id",
                    StringValue::from(crate::http::request_id_of(extensions)),
                ));
            })
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

fn mcp_span(traces: &'static Traces, request: &McpRequest<'_>, function: Option<&str>) -> CallSpan {
    let method = request.method;
    let name = match (method, request.target) {
        ("tools/call" | "prompts/get", Some(target)) => format!("{method} {target}"),
        _ => method.to_owned(),
    };
    let target = |of: &str| if method == of { request.target } else { None };
    let tool = target("tools/call");
    let header = |name: &str| request.headers.and_then(|headers| headers.get(name));
    // `_meta` first, as the MCP conventions say; else the HTTP request's headers.
    let parent = request
        .meta_trace
        .and_then(propagation::from_trace_headers)
        .or_else(|| request.headers.and_then(propagation::from_metadata));
    CallSpan::start(traces, parent, Cow::Owned(name), |attributes| {
        let mut text = |key: &'static str, value: Option<&str>| {
            if let Some(value) = value {
                attributes.push(KeyValue::new(key, value.to_owned()));
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
            attributes.push(KeyValue::new("gen_ai.operation.name", "execute_tool"));
        }
        attributes.push(KeyValue::new(
            "network.transport",
            if request.headers.is_some() { "tcp" } else { "pipe" },
        ));
        if request.headers.is_some() {
            attributes.push(KeyValue::new("network.protocol.name", "http"));
        }
    })
}

/// A call's span: the `tracing` span it runs in, its OpenTelemetry span
/// (shared with its context while it runs), and what is exported at the
/// end (`None` when the sampler dropped it).
#[derive(Debug)]
struct CallSpan {
    traces: &'static Traces,
    tracing: tracing::Span,
    handle: CallSpanHandle,
    record: Option<Box<Record>>,
}

/// What a sampled call span exports, beside what [`Shared`] collects.
#[derive(Debug)]
struct Record {
    name: Cow<'static, str>,
    start: SystemTime,
    attributes: Vec<KeyValue>,
    parent_span_id: SpanId,
    parent_is_remote: bool,
}

impl CallSpan {
    /// Starts a `SERVER` span named `name` under `parent` (a remote
    /// context), as the pipeline's sampler decides; `attributes` adds the
    /// span's attributes when it is sampled.
    fn start(
        traces: &'static Traces,
        parent: Option<OtelContext>,
        name: Cow<'static, str>,
        attributes: impl FnOnce(&mut Vec<KeyValue>),
    ) -> CallSpan {
        let parent = parent.unwrap_or_default();
        let parent_context = parent.span().span_context().clone();
        let ids = RandomIdGenerator::default();
        let trace_id = if parent_context.is_valid() {
            parent_context.trace_id()
        } else {
            ids.new_trace_id()
        };
        let decision = traces
            .sampler
            .should_sample(Some(&parent), trace_id, &name, &SpanKind::Server, &[], &[]);
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
        let record = sampled.then(|| {
            let mut list = Vec::with_capacity(16);
            list.extend(decision.attributes);
            attributes(&mut list);
            Box::new(Record {
                name,
                start: opentelemetry::time::now(),
                attributes: list,
                parent_span_id: if parent_context.is_valid() {
                    parent_context.span_id()
                } else {
                    SpanId::INVALID
                },
                parent_is_remote: parent_context.is_remote(),
            })
        });
        let handle = CallSpanHandle(Arc::new(Shared {
            context,
            recording: sampled,
            late: Mutex::new(Late::default()),
        }));
        let cx = parent.with_span(handle.clone());
        layer::set_pending(cx, handle.clone());
        let tracing = tracing::info_span!(target: TARGET, "call");
        layer::clear_pending();
        CallSpan {
            traces,
            tracing,
            handle,
            record,
        }
    }

    /// Ends the span at now with `attributes` and `status` added, and hands
    /// it to the batch processor when it was sampled.
    fn end(&mut self, attributes: impl FnOnce(&mut Vec<KeyValue>), status: Option<Status>) {
        let Some(record) = self.record.take() else {
            return;
        };
        let Record {
            name,
            start,
            attributes: mut list,
            parent_span_id,
            parent_is_remote,
        } = *record;
        let late = std::mem::take(&mut *self.handle.0.late.lock().unwrap_or_else(PoisonError::into_inner));
        list.extend(late.attributes);
        attributes(&mut list);
        let mut events = SpanEvents::default();
        events.events = late.events;
        let mut links = SpanLinks::default();
        links.links = late.links;
        let status = match (status, late.status) {
            (Some(status), _) | (None, Some(status)) => status,
            (None, None) if late.error_event => Status::error(""),
            (None, None) => Status::Unset,
        };
        self.traces.processor.on_end(SpanData {
            span_context: self.handle.0.context.clone(),
            parent_span_id,
            parent_span_is_remote: parent_is_remote,
            span_kind: SpanKind::Server,
            name: late.name.unwrap_or(name),
            start_time: start,
            end_time: opentelemetry::time::now(),
            attributes: list,
            dropped_attributes_count: 0,
            events,
            links,
            status,
            instrumentation_scope: self.traces.scope.clone(),
        });
    }
}

impl Drop for CallSpan {
    /// A call dropped before it completed (its client went away) still
    /// exports its span, as it stood.
    fn drop(&mut self) {
        if self.record.is_some() {
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
    /// An `ERROR` event was recorded (the span's status, unless set).
    error_event: bool,
}

impl CallSpanHandle {
    fn with_late(&self, f: impl FnOnce(&mut Late)) {
        if self.0.recording {
            f(&mut self.0.late.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }

    /// Records an event of a `tracing` event directly inside the call span.
    pub(super) fn record_event(&self, name: Cow<'static, str>, attributes: Vec<KeyValue>, error: bool) {
        self.with_late(|late| {
            late.events
                .push(Event::new(name, opentelemetry::time::now(), attributes, 0));
            late.error_event |= error;
        });
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

    fn set_status(&mut self, status: Status) {
        self.with_late(|late| late.status = Some(status));
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
        let _entered = active.span.as_ref().map(|span| span.tracing.enter());
        NOTED.with(|noted| noted.set(None));
        let output = std::task::ready!(this.inner.poll(cx));
        let noted = NOTED.with(Cell::take);
        drop(_entered);
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
                |attributes| {
                    match outcome {
                        Outcome::Mcp(Some((code, _))) => {
                            attributes.push(KeyValue::new("rpc.response.status_code", code.to_string()));
                        }
                        Outcome::Rest(status) => {
                            attributes.push(KeyValue::new("http.response.status_code", i64::from(*status)));
                        }
                        Outcome::Mcp(None) => {}
                    }
                    if let Some(kind) = kind {
                        attributes.push(KeyValue::new("api_registry.error.kind", kind));
                    }
                    if let Some((error_type, _)) = &failure {
                        attributes.push(KeyValue::new("error.type", error_type.clone()));
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
