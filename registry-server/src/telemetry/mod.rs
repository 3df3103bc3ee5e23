//! OpenTelemetry traces and metrics (feature `otel`).
//!
//! With the feature on, every call gets one `SERVER` span, on every
//! protocol, named and attributed as the semantic conventions say:
//!
//! | protocol | span name | attributes |
//! | --- | --- | --- |
//! | MCP (HTTP, stdio, Lambda) | `tools/call {tool}`, `prompts/get {prompt}`, `resources/read`, `tools/list`, ... | `mcp.method.name`, `gen_ai.tool.name`, `gen_ai.operation.name` (`execute_tool`), `gen_ai.prompt.name`, `mcp.resource.uri`, `jsonrpc.request.id`, `mcp.protocol.version`, `mcp.session.id` (when the client sent one), `network.transport` |
//! | REST | `POST /api/{name}` | `http.request.method`, `http.route`, `url.path`, `http.response.status_code` |
//!
//! Both carry `code.function.name` (the function called), `user.id` (the
//! principal, when authenticated) and `api_registry.request_id` (the
//! `x-request-id`). A failure sets `error.type` and the span status `ERROR`:
//! on MCP `tool_error` for an `isError` result and the error kind
//! (`internal`, ...) for a JSON-RPC error, with `rpc.response.status_code`;
//! on REST the error kind for 5xx answers (4xx leave the status unset, as
//! the HTTP conventions say). Every failure also records its kind as
//! `api_registry.error.kind`. The function's own `tracing` spans nest under
//! the call's span (sync functions too), and its events outside them are the
//! call span's events (an `ERROR` event sets its status to `ERROR`, unless
//! the outcome set it).
//!
//! The parent is the W3C `traceparent` (with `tracestate` and `baggage`) of
//! the MCP request's `params._meta` (the keys SEP-414 reserves), else of
//! the HTTP request's headers. Inside a function, [`ContextTelemetry`] (on
//! [`registry_core::Context`]) and [`inject`] carry the current context on
//! outbound `reqwest` requests.
//!
//! # Metrics
//!
//! | instrument | kind | attributes |
//! | --- | --- | --- |
//! | `mcp.server.operation.duration` (s) | histogram | `mcp.method.name`, `gen_ai.tool.name`, `error.type` |
//! | `http.server.request.duration` (s) | histogram | `http.request.method`, `http.route`, `http.response.status_code`, `error.type` |
//! | `api_registry.calls.active` | up-down counter | `api_registry.protocol` |
//! | `api_registry.calls.errors` | counter | `api_registry.protocol`, `api_registry.error.kind`, `code.function.name` |
//! | `api_registry.calls.rate_limited` | counter | `api_registry.protocol`, `code.function.name` |
//!
//! They are exported over OTLP with the traces, and served as Prometheus
//! text at `GET /metrics` when [`ServerConfig::metrics_endpoint`] is on
//! (behind the authorizer with [`ServerConfig::protect_docs`], like `/docs`).
//!
//! # Configuration
//!
//! OTLP/HTTP protobuf export is on when an endpoint is configured: the
//! standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, or the per-signal
//! `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `..._METRICS_ENDPOINT`;
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_SERVICE_NAME`, `OTEL_TRACES_SAMPLER`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_METRIC_EXPORT_INTERVAL`), or
//! [`ServerConfig::otlp_endpoint`]. `OTEL_SDK_DISABLED=true` turns it all
//! off, `OTEL_TRACES_EXPORTER=none` or `OTEL_METRICS_EXPORTER=none` one
//! signal. `service.name` defaults to the application's name. With no
//! endpoint nothing is sent and nothing is kept: no span is even created,
//! and metrics are recorded only for `/metrics`. Spans wait in a bounded
//! batch (`OTEL_BSP_MAX_QUEUE_SIZE`, 2048 spans; more are dropped), sent
//! every `OTEL_BSP_SCHEDULE_DELAY` (5 s) or when
//! `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` (512) are held.
//!
//! Not covered: requests turned away before a call starts (authentication,
//! the `Origin` and body checks of `/mcp`) and MCP notifications get no
//! call span; the HTTP edge's `request` span (the access log's) is never
//! exported.
//!
//! The command line ([`crate::Cli`]) installs all of this; an application
//! with its own `tracing` subscriber calls [`init`] and adds [`layer`],
//! before it builds the server (the routes are traced, or not, from then):
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt as _;
//! use tracing_subscriber::util::SubscriberInitExt as _;
//!
//! let config = registry_server::ServerConfig::default().metrics_endpoint(true);
//! registry_server::telemetry::init(&config).expect("a valid OTLP configuration");
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(registry_server::telemetry::layer())
//!     .init();
//! ```
//!
//! Spans and metrics are flushed when the server shuts down gracefully
//! and, on Lambda, after every invocation (before the runtime freezes).

mod batch;
mod layer;
mod metrics;
mod otlp;
mod prometheus;
mod propagation;
pub(crate) mod spans;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

use crate::ServerConfig;

pub use propagation::{ContextTelemetry, TraceHeaders, current_trace_headers, inject};

pub(crate) use metrics::Instruments;
pub(crate) use spans::{RestRoute, note_error, record_function};

/// What [`ServerConfig`] says about telemetry (see the [module docs](self)).
#[derive(Clone, Debug, Default)]
pub(crate) struct Settings {
    /// The OTLP/HTTP base URL (`/v1/traces` and `/v1/metrics` are added),
    /// overriding `OTEL_EXPORTER_OTLP_ENDPOINT`.
    endpoint: Option<String>,
    /// Extra OTLP request headers.
    headers: Vec<(String, String)>,
    /// Serve `GET /metrics`.
    pub(crate) metrics_endpoint: bool,
}

impl ServerConfig {
    /// Serves the metrics as Prometheus text at `GET /metrics` (default
    /// off); with [`ServerConfig::protect_docs`] it is behind the
    /// authorizer like `/docs`. Feature `otel`.
    #[must_use]
    pub fn metrics_endpoint(mut self, on: bool) -> Self {
        self.telemetry.metrics_endpoint = on;
        self
    }

    /// Exports traces and metrics over OTLP/HTTP (protobuf) to `url` (such
    /// as `http://127.0.0.1:4318`; `/v1/traces` and `/v1/metrics` are
    /// added), whatever `OTEL_EXPORTER_OTLP_ENDPOINT` says. Read by
    /// [`init`] (the command line calls it). Feature `otel`.
    #[must_use]
    pub fn otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.telemetry.endpoint = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Adds a header to every OTLP request (beside `OTEL_EXPORTER_OTLP_HEADERS`),
    /// such as an API key of the collector. Feature `otel`.
    #[must_use]
    pub fn otlp_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.telemetry.headers.push((name.into(), value.into()));
        self
    }
}

/// Why the telemetry pipeline could not be built (an endpoint that is not a URL, say).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up OpenTelemetry export: {0}")]
pub struct TelemetryError(String);

/// The process's pipeline: built once, by [`init`] or by the first server.
#[derive(Debug)]
pub(crate) struct Pipeline {
    tracer: Option<SdkTracerProvider>,
    /// What the call spans need (with `tracer`).
    pub(crate) traces: Option<Traces>,
    meter: Option<SdkMeterProvider>,
    pub(crate) instruments: Option<Instruments>,
    pub(crate) prometheus: Option<prometheus::Reader>,
}

static PIPELINE: OnceLock<Pipeline> = OnceLock::new();

/// What call spans are made with: the provider's sampler, and the batch
/// they are handed to (the provider's span processor too).
#[derive(Debug)]
pub(crate) struct Traces {
    pub(crate) sampler: Sampler,
    pub(crate) batch: batch::Batch,
}

/// The sampler `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` name, as
/// the SDK reads them (default `parentbased_always_on`).
fn sampler() -> Sampler {
    let ratio = || {
        env("OTEL_TRACES_SAMPLER_ARG")
            .and_then(|arg| arg.trim().parse::<f64>().ok())
            .unwrap_or(1.0)
    };
    match env("OTEL_TRACES_SAMPLER").as_deref().map(str::trim) {
        Some("always_on") => Sampler::AlwaysOn,
        Some("always_off") => Sampler::AlwaysOff,
        Some("traceidratio") => Sampler::TraceIdRatioBased(ratio()),
        Some("parentbased_always_off") => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        Some("parentbased_traceidratio") => Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(ratio()))),
        Some("parentbased_always_on") | None => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
        Some(other) => {
            tracing::warn!("OTEL_TRACES_SAMPLER={other} is not supported; using parentbased_always_on");
            Sampler::ParentBased(Box::new(Sampler::AlwaysOn))
        }
    }
}

/// What call spans are made with, when they are created (see [`tracing_on`]).
#[inline]
pub(crate) fn traces() -> Option<&'static Traces> {
    pipeline().and_then(|p| p.traces.as_ref()).filter(|_| tracing_on())
}

/// Whether call spans are created: a pipeline exports traces and its
/// [`layer`] was handed out.
static TRACING: AtomicBool = AtomicBool::new(false);

/// Whether call spans are created (one load per call when they are not).
#[inline]
pub(crate) fn tracing_on() -> bool {
    TRACING.load(Ordering::Relaxed)
}

/// Whether calls are traced or measured at all; when not, the call path is
/// the one of the build without the feature (decided when a router is built).
#[inline]
pub(crate) fn active() -> bool {
    tracing_on() || pipeline().is_some_and(|p| p.instruments.is_some())
}

/// The pipeline, if built.
#[inline]
pub(crate) fn pipeline() -> Option<&'static Pipeline> {
    PIPELINE.get()
}

/// Builds the process's telemetry pipeline from `config` and the standard
/// environment variables (see the [module docs](self)); later calls, and
/// servers started later, keep the first one. The command line calls it.
pub fn init(config: &ServerConfig) -> Result<(), TelemetryError> {
    if PIPELINE.get().is_some() {
        return Ok(());
    }
    let pipeline = Pipeline::build(config)?;
    let _ = PIPELINE.set(pipeline);
    Ok(())
}

/// Makes sure a pipeline exists for a server built from `config` (one
/// without [`init`] still serves `/metrics` and exports metrics).
pub(crate) fn ensure(config: &ServerConfig) {
    if PIPELINE.get().is_none()
        && let Err(err) = init(config)
    {
        tracing::warn!("{err}; telemetry is off");
    }
}

/// The `tracing` layer that turns the functions' spans and events into
/// OpenTelemetry spans and span events under their call's span, at the
/// levels `RUST_LOG` enables (default `info`): `None` (which is a layer
/// that does nothing) when [`init`] found no trace exporter. Call spans are
/// made only once it has been handed out.
pub fn layer<S>() -> Option<impl Layer<S> + Send + Sync + 'static>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    let tracer = pipeline()?.tracer.as_ref()?.tracer("registry_server");
    // Directives only (no closure): every callsite's interest is decided
    // once, when it registers, as with a global filter. The HTTP edge's
    // `request` span (the access log's) is not exported: the call's span is
    // the server span.
    let levels = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
            .add_directive(directive("registry_server::http::edge=off"))
    };
    let functions = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_level(false)
        .with_filter(levels());
    let calls = layer::CallLayer.with_filter(levels());
    let layer = functions.and_then(calls);
    TRACING.store(true, Ordering::Relaxed);
    Some(layer)
}

fn directive(text: &str) -> tracing_subscriber::filter::Directive {
    text.parse().expect("a valid directive")
}

/// The command line's logging: `fmt` to stderr filtered by `filter`, as
/// without the feature; with a trace exporter, also [`layer`].
pub(crate) fn init_cli_logging(config: &ServerConfig, filter: tracing_subscriber::EnvFilter, ansi: bool) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let init_error = init(config).err();
    if pipeline().is_some_and(|p| p.tracer.is_some()) {
        let fmt = tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .with_filter(filter);
        let _ = tracing_subscriber::registry().with(fmt).with(layer()).try_init();
    } else {
        // No spans to export: the very subscriber of the build without the feature.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .try_init();
    }
    if let Some(err) = init_error {
        tracing::warn!("{err}; telemetry is off");
    }
}

/// Sends what the exporters hold (spans, metrics), waiting for them off
/// the async workers. Called on graceful shutdown and after each Lambda
/// invocation; cheap when nothing is exported.
pub async fn flush() {
    let Some(pipeline) = pipeline() else {
        return;
    };
    if pipeline.tracer.is_none() && pipeline.meter.is_none() {
        return;
    }
    let _ = tokio::task::spawn_blocking(|| pipeline.flush_now()).await;
}

impl Pipeline {
    fn build(config: &ServerConfig) -> Result<Pipeline, TelemetryError> {
        let settings = &config.telemetry;
        let disabled = env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let base = settings.endpoint.clone().or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"));
        let endpoint = |signal: &str, var: &str| -> Option<Option<String>> {
            if disabled || env(&format!("OTEL_{signal}_EXPORTER")).is_some_and(|v| v == "none") {
                return None;
            }
            match (&settings.endpoint, env(var), &base) {
                // The programmatic endpoint wins, as for the SDK's own builders.
                (Some(url), _, _) => Some(Some(format!("{url}/v1/{}", signal.to_ascii_lowercase()))),
                // Left to the exporter, which reads the variables itself.
                (None, Some(_), _) | (None, None, Some(_)) => Some(None),
                (None, None, None) => None,
            }
        };
        let resource = resource(config);
        let headers: std::collections::HashMap<String, String> = settings.headers.iter().cloned().collect();
        let (tracer, traces) = match endpoint("TRACES", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            None => (None, None),
            Some(url) => {
                let target = otlp::Target::from_env(url, &settings.headers)?;
                let batch = batch::Batch::start(
                    otlp::OtlpSpans::new(target, &resource)?,
                    opentelemetry::InstrumentationScope::builder("registry_server").build(),
                    batch::Limits::from_env(),
                )
                .map_err(|err| TelemetryError(format!("starting the span export thread: {err}")))?;
                let sampler = sampler();
                let provider = SdkTracerProvider::builder()
                    .with_span_processor(batch.clone())
                    .with_sampler(sampler.clone())
                    .with_resource(resource.clone())
                    .build();
                let traces = Traces { sampler, batch };
                (Some(provider), Some(traces))
            }
        };
        let metrics_url = endpoint("METRICS", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");
        let prometheus = settings.metrics_endpoint.then(prometheus::Reader::new);
        let meter = if metrics_url.is_none() && prometheus.is_none() {
            None
        } else {
            let mut builder = SdkMeterProvider::builder().with_resource(resource);
            if let Some(url) = metrics_url {
                let mut exporter = opentelemetry_otlp::MetricExporter::builder()
                    .with_http()
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
                    .with_headers(headers);
                if let Some(url) = url {
                    exporter = exporter.with_endpoint(url);
                }
                let exporter = exporter.build().map_err(|e| TelemetryError(e.to_string()))?;
                builder = builder.with_periodic_exporter(exporter);
            }
            if let Some(reader) = &prometheus {
                builder = builder.with_reader(reader.clone());
            }
            Some(builder.build())
        };
        if tracer.is_some() {
            opentelemetry::global::set_text_map_propagator(propagation::propagator());
        }
        let instruments = meter.as_ref().map(Instruments::new);
        Ok(Pipeline {
            tracer,
            traces,
            meter,
            instruments,
            prometheus,
        })
    }

    fn flush_now(&self) {
        if let Some(tracer) = &self.tracer
            && let Err(err) = tracer.force_flush()
        {
            tracing::debug!("flushing spans failed: {err}");
        }
        if let Some(meter) = &self.meter
            && let Err(err) = meter.force_flush()
        {
            tracing::debug!("flushing metrics failed: {err}");
        }
    }
}

/// `service.name` is the application's unless the environment says one.
fn resource(config: &ServerConfig) -> Resource {
    let builder = Resource::builder();
    let named_by_env = env("OTEL_SERVICE_NAME").is_some()
        || env("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|attrs| attrs.contains("service.name="));
    let builder = if named_by_env {
        builder
    } else {
        builder.with_service_name(config.app.name.clone())
    };
    builder
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            config.app.version.clone(),
        ))
        .build()
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Adds `GET /metrics` to the pages when configured.
pub(crate) fn routes(pages: axum::Router, config: &ServerConfig) -> axum::Router {
    ensure(config);
    if config.telemetry.metrics_endpoint {
        pages.route("/metrics", axum::routing::get(prometheus::serve))
    } else {
        pages
    }
}

/// A service that [`flush`]es the exporters after each call, before
/// answering: what `lambda::run` (feature `lambda`) serves with feature `otel`, so
/// the spans and metrics of an invocation leave before the runtime freezes
/// the process (none are lost between invocations). Wrap your own Lambda
/// service in it if you run `lambda_http` yourself.
#[derive(Clone, Debug)]
pub struct FlushAfterEach<S>(pub S);

impl<S, R> tower::Service<R> for FlushAfterEach<S>
where
    S: tower::Service<R>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::pin::Pin<Box<dyn std::future::Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let call = self.0.call(request);
        Box::pin(async move {
            let answer = call.await;
            flush().await;
            answer
        })
    }
}
