//! W3C trace context in (HTTP headers, MCP `params._meta`) and out (the
//! headers of a function's outbound requests).

use opentelemetry::Context as OtelContext;
use opentelemetry::propagation::{Extractor, Injector, TextMapCompositePropagator, TextMapPropagator as _};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use registry_core::MetadataSource;

/// The propagators the server reads and writes: W3C Trace Context and Baggage.
pub(super) fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// The W3C trace context of one request or of the current span:
/// `traceparent`, `tracestate` and `baggage`, as their header values.
///
/// In an MCP request they are the `params._meta` keys of the same names
/// (reserved unprefixed by the specification, SEP-414).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceHeaders {
    /// `00-{trace id}-{span id}-{flags}`.
    pub traceparent: Option<String>,
    /// Vendor entries.
    pub tracestate: Option<String>,
    /// W3C baggage.
    pub baggage: Option<String>,
}

impl TraceHeaders {
    /// The three keys of an MCP request's `_meta`, when `traceparent` is there.
    pub(crate) fn from_meta(meta: &mut serde_json::Map<String, serde_json::Value>) -> Option<Box<TraceHeaders>> {
        let mut take = |key: &str| match meta.remove(key) {
            Some(serde_json::Value::String(text)) => Some(text),
            _ => None,
        };
        let traceparent = take("traceparent")?;
        Some(Box::new(TraceHeaders {
            traceparent: Some(traceparent),
            tracestate: take("tracestate"),
            baggage: take("baggage"),
        }))
    }

    /// Each header that is set, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("traceparent", &self.traceparent),
            ("tracestate", &self.tracestate),
            ("baggage", &self.baggage),
        ]
        .into_iter()
        .filter_map(|(name, value)| Some((name, value.as_deref()?)))
    }
}

impl Extractor for TraceHeaders {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.traceparent.as_deref(),
            "tracestate" => self.tracestate.as_deref(),
            "baggage" => self.baggage.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.iter().map(|(name, _)| name).collect()
    }
}

impl Injector for TraceHeaders {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "traceparent" => self.traceparent = Some(value),
            "tracestate" => self.tracestate = Some(value),
            "baggage" => self.baggage = Some(value),
            _ => {}
        }
    }
}

/// A remote parent from `extractor`, if it holds a valid `traceparent`.
fn extract(extractor: &dyn Extractor) -> Option<OtelContext> {
    extractor.get("traceparent")?;
    let cx = propagator().extract(extractor);
    cx.span().span_context().is_valid().then_some(cx)
}

pub(super) fn from_trace_headers(headers: &TraceHeaders) -> Option<OtelContext> {
    extract(headers)
}

struct Metadata<'a>(&'a dyn MetadataSource);

impl Extractor for Metadata<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
    }

    fn keys(&self) -> Vec<&str> {
        self.0.entries().into_iter().map(|(name, _)| name).collect()
    }
}

pub(super) fn from_metadata(metadata: &dyn MetadataSource) -> Option<OtelContext> {
    extract(&Metadata(metadata))
}

pub(super) fn from_header_map(headers: &axum::http::HeaderMap) -> Option<OtelContext> {
    // Most requests carry none: asked by a parsed name, not by text (which
    // the map would parse and hash first).
    const TRACEPARENT: axum::http::HeaderName = axum::http::HeaderName::from_static("traceparent");
    if !headers.contains_key(TRACEPARENT) {
        return None;
    }
    extract(&opentelemetry_http_headers::HeaderExtractor(headers))
}

/// An `Extractor` over an `http::HeaderMap` (the `opentelemetry-http`
/// crate's, without its dependency).
mod opentelemetry_http_headers {
    pub(super) struct HeaderExtractor<'a>(pub(super) &'a axum::http::HeaderMap);

    impl opentelemetry::propagation::Extractor for HeaderExtractor<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).and_then(|value| value.to_str().ok())
        }

        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(|name| name.as_str()).collect()
        }
    }
}

/// The current trace context (inside a function: the call's span, or the
/// function's own `tracing` span under it); empty when no trace is being
/// exported.
pub fn current_trace_headers() -> TraceHeaders {
    let mut headers = TraceHeaders::default();
    if super::tracing_on() {
        // The call's context while it runs (attached by the call itself), or
        // the function's own span's under it (attached by its layer).
        let cx = OtelContext::current();
        if cx.span().span_context().is_valid() {
            propagator().inject_context(&cx, &mut headers);
        }
    }
    headers
}

/// `request` with the current trace context as `traceparent`, `tracestate`
/// and `baggage` headers, so the service it calls continues the trace.
///
/// ```no_run
/// # async fn run(client: reqwest::Client) -> Result<(), reqwest::Error> {
/// let response = registry_server::telemetry::inject(client.get("http://upstream.internal/v1/blocks"))
///     .send()
///     .await?;
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
pub fn inject(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    current_trace_headers()
        .iter()
        .fold(request, |request, (name, value)| request.header(name, value))
}

/// The call's trace context, from a function's [`Context`](registry_core::Context).
///
/// ```
/// use registry_core::Context;
/// use registry_server::telemetry::ContextTelemetry as _;
///
/// /// Asks the pricing service, continuing the caller's trace.
/// fn quote_request(ctx: &Context, client: &reqwest::Client) -> reqwest::RequestBuilder {
///     ctx.inject_trace(client.get("http://pricing.internal/quote"))
/// }
/// # let _ = quote_request;
/// ```
pub trait ContextTelemetry {
    /// The trace context of the call (see [`current_trace_headers`]).
    fn trace_headers(&self) -> TraceHeaders;

    /// `request` carrying the call's trace context (see [`inject`]).
    fn inject_trace(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
}

impl ContextTelemetry for registry_core::Context {
    fn trace_headers(&self) -> TraceHeaders {
        current_trace_headers()
    }

    fn inject_trace(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        inject(request)
    }
}
