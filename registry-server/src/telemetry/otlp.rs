//! OTLP/HTTP (protobuf) span export: spans written straight into the bytes
//! of an `ExportTraceServiceRequest`
//! (`opentelemetry/proto/collector/trace/v1/trace_service.proto`), which
//! [`OtlpSpans`] POSTs to `/v1/traces`. A call span is written as its parts
//! become known ([`SpanBytes`]); a function's span (an SDK `SpanData`) when
//! it ends ([`put_sdk_span`]); [`super::batch`] keeps them.
//!
//! Hand-written because a measurement said so: `opentelemetry-otlp`'s
//! exporter first converts every span into the generated `prost` structs
//! (an owned `String` per attribute key and value, a `Vec` per id) and then
//! encodes them, re-measuring every nested message at each level; that was
//! 18 k instructions per exported span, more than a whole REST request
//! (BENCHMARKS.md, "OpenTelemetry"). Sizing each message arithmetically and
//! then writing it once costs about a tenth of that. `tests/tests/otel.rs`
//! decodes what this writes with the official `opentelemetry-proto` types.

use std::borrow::Cow;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{Event, Link, SpanContext, SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanData;

use super::TelemetryError;

/// Where and how spans are sent: the endpoint, headers and timeout of the
/// standard variables, as the SDK's own exporter reads them.
#[derive(Clone, Debug)]
pub(super) struct Target {
    /// The full `/v1/traces` URL.
    pub(super) url: String,
    /// Extra request headers.
    pub(super) headers: Vec<(String, String)>,
    /// The time one export may take.
    pub(super) timeout: Duration,
}

impl Target {
    /// The trace target: `url` (the programmatic endpoint with `/v1/traces`
    /// added, as the pipeline resolved it) wins, then
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is), then
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` added; headers from
    /// `headers` and `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (else
    /// `OTEL_EXPORTER_OTLP_HEADERS`); the timeout from
    /// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` (else `OTEL_EXPORTER_OTLP_TIMEOUT`),
    /// milliseconds, default 10 s.
    pub(super) fn from_env(url: Option<String>, headers: &[(String, String)]) -> Result<Target, TelemetryError> {
        let var = |name: &str| super::env(name);
        let url = match url.or_else(|| var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
            Some(url) => url,
            None => match var("OTEL_EXPORTER_OTLP_ENDPOINT") {
                Some(base) => format!("{}/v1/traces", base.trim_end_matches('/')),
                None => "http://localhost:4318/v1/traces".to_owned(),
            },
        };
        reqwest::Url::parse(&url).map_err(|err| TelemetryError(format!("the OTLP traces endpoint {url:?}: {err}")))?;
        for name in [
            "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
            "OTEL_EXPORTER_OTLP_COMPRESSION",
        ] {
            if let Some(compression) = var(name)
                && compression != "none"
            {
                return Err(TelemetryError(format!(
                    "{name}={compression}: only uncompressed export is built in"
                )));
            }
        }
        let mut all = headers.to_vec();
        if let Some(text) = var("OTEL_EXPORTER_OTLP_TRACES_HEADERS").or_else(|| var("OTEL_EXPORTER_OTLP_HEADERS")) {
            all.extend(parse_headers(&text));
        }
        let millis = var("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT")
            .or_else(|| var("OTEL_EXPORTER_OTLP_TIMEOUT"))
            .and_then(|text| text.trim().parse::<u64>().ok());
        Ok(Target {
            url,
            headers: all,
            timeout: Duration::from_millis(millis.unwrap_or(10_000)),
        })
    }
}

/// `key=value` pairs separated by commas, the values percent-encoded (the
/// OTLP exporter specification's format); malformed pairs are skipped.
fn parse_headers(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.split(',').filter_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        let key = key.trim();
        let value = percent_encoding::percent_decode_str(value.trim()).decode_utf8().ok()?;
        (!key.is_empty()).then(|| (key.to_owned(), value.into_owned()))
    })
}

/// The HTTP side of span export, used by the batch's thread.
#[derive(Debug)]
pub(super) struct OtlpSpans {
    client: reqwest::blocking::Client,
    target: Target,
    /// The `resource` field of every request, encoded once.
    resource: Vec<u8>,
}

impl OtlpSpans {
    /// An exporter to `target`, every request naming `resource`.
    pub(super) fn new(target: Target, resource: &Resource) -> Result<OtlpSpans, TelemetryError> {
        // reqwest's blocking client starts (and, dropped, stops) a runtime
        // of its own, which must not happen on an async worker: build it on
        // a thread of its own, as the SDK's exporter does. (It is dropped on
        // the batch's thread.)
        let timeout = target.timeout;
        let client = std::thread::spawn(move || {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .user_agent(concat!("api-registry-otlp/", env!("CARGO_PKG_VERSION")))
                .build()
        })
        .join()
        .map_err(|_| TelemetryError("building the OTLP HTTP client panicked".to_owned()))?
        .map_err(|err| TelemetryError(format!("building the OTLP HTTP client: {err}")))?;
        Ok(OtlpSpans {
            client,
            target,
            resource: encode_resource(resource),
        })
    }

    /// POSTs one request holding `scopes` (each scope with its spans, as
    /// [`put_scope_span`] and [`put_sdk_span`] wrote them).
    pub(super) fn send(&self, scopes: &[(InstrumentationScope, Vec<u8>)]) -> Result<(), String> {
        let mut body = Vec::with_capacity(
            scopes.iter().map(|(_, spans)| spans.len() + 64).sum::<usize>() + self.resource.len() + 16,
        );
        encode_request(&self.resource, scopes, &mut body);
        let mut request = self
            .client
            .post(&self.target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/x-protobuf");
        for (name, value) in &self.target.headers {
            request = request.header(name, value);
        }
        let response = request
            .body(body)
            .send()
            .map_err(|err| format!("OTLP export to {}: {err}", self.target.url))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("OTLP export to {}: HTTP {status}", self.target.url))
        }
    }
}

// ---- protobuf writing ----------------------------------------------------
//
// Every message is sized first (`*_len`, plain arithmetic over the fields
// that will be written), so each one is written once, straight into the
// request body. Fields at their proto3 default are left out, as `prost`
// does, except inside `AnyValue`'s `oneof` (a `false` or `0` is a value).

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

fn varint_len(value: u64) -> usize {
    // 1 byte per 7 bits, at least one.
    (64 - (value | 1).leading_zeros() as usize).div_ceil(7)
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn tag_len(field: u32) -> usize {
    varint_len(u64::from(field << 3))
}

fn put_tag(out: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(out, u64::from((field << 3) | wire));
}

/// A length-delimited field of `len` bytes, with its tag and length.
fn len_field(field: u32, len: usize) -> usize {
    tag_len(field) + varint_len(len as u64) + len
}

fn put_len(out: &mut Vec<u8>, field: u32, len: usize) {
    put_tag(out, field, LEN);
    put_varint(out, len as u64);
}

fn bytes_field(field: u32, bytes: &[u8]) -> usize {
    if bytes.is_empty() {
        0
    } else {
        len_field(field, bytes.len())
    }
}

fn put_bytes(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    if !bytes.is_empty() {
        put_len(out, field, bytes.len());
        out.extend_from_slice(bytes);
    }
}

fn uint_field(field: u32, value: u64) -> usize {
    if value == 0 {
        0
    } else {
        tag_len(field) + varint_len(value)
    }
}

fn put_uint(out: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        put_tag(out, field, VARINT);
        put_varint(out, value);
    }
}

fn fixed64_field(field: u32, value: u64) -> usize {
    if value == 0 { 0 } else { tag_len(field) + 8 }
}

fn put_fixed64(out: &mut Vec<u8>, field: u32, value: u64) {
    if value != 0 {
        put_tag(out, field, FIXED64);
        out.extend_from_slice(&value.to_le_bytes());
    }
}

fn fixed32_field(field: u32, value: u32) -> usize {
    if value == 0 { 0 } else { tag_len(field) + 4 }
}

fn put_fixed32(out: &mut Vec<u8>, field: u32, value: u32) {
    if value != 0 {
        put_tag(out, field, FIXED32);
        out.extend_from_slice(&value.to_le_bytes());
    }
}

fn nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_nanos()).unwrap_or(u64::MAX))
}

// AnyValue { string string_value = 1; bool bool_value = 2; int64 int_value = 3;
//            double double_value = 4; ArrayValue array_value = 5; ... }
// ArrayValue { repeated AnyValue values = 1; }

/// The body of an `AnyValue`.
fn any_len(value: &Value) -> usize {
    match value {
        Value::Bool(_) => 2,
        Value::I64(int) => 1 + varint_len(*int as u64),
        Value::F64(_) => 9,
        Value::String(text) => len_field(1, text.as_str().len()),
        Value::Array(array) => len_field(5, array_len(array)),
        other => len_field(1, other.as_str().len()),
    }
}

fn put_any(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Bool(flag) => {
            put_tag(out, 2, VARINT);
            out.push(u8::from(*flag));
        }
        Value::I64(int) => {
            put_tag(out, 3, VARINT);
            put_varint(out, *int as u64);
        }
        Value::F64(float) => {
            put_tag(out, 4, FIXED64);
            out.extend_from_slice(&float.to_le_bytes());
        }
        Value::String(text) => put_string_value(out, text.as_str()),
        Value::Array(array) => {
            put_len(out, 5, array_len(array));
            put_array(out, array);
        }
        other => put_string_value(out, &other.as_str()),
    }
}

fn put_string_value(out: &mut Vec<u8>, text: &str) {
    put_len(out, 1, text.len());
    out.extend_from_slice(text.as_bytes());
}

/// Each element of an array as an `AnyValue` of the array's type.
fn array_items(array: &Array) -> impl Iterator<Item = Value> + '_ {
    let items: Box<dyn Iterator<Item = Value> + '_> = match array {
        Array::Bool(values) => Box::new(values.iter().map(|v| Value::Bool(*v))),
        Array::I64(values) => Box::new(values.iter().map(|v| Value::I64(*v))),
        Array::F64(values) => Box::new(values.iter().map(|v| Value::F64(*v))),
        Array::String(values) => Box::new(values.iter().map(|v| Value::String(v.clone()))),
        other => Box::new(std::iter::once(Value::String(other.to_string().into()))),
    };
    items
}

fn array_len(array: &Array) -> usize {
    array_items(array).map(|item| len_field(1, any_len(&item))).sum()
}

fn put_array(out: &mut Vec<u8>, array: &Array) {
    for item in array_items(array) {
        put_len(out, 1, any_len(&item));
        put_any(out, &item);
    }
}

// KeyValue { string key = 1; AnyValue value = 2; }

fn key_value_len(key: &str, value: &Value) -> usize {
    bytes_field(1, key.as_bytes()) + len_field(2, any_len(value))
}

fn put_key_value(out: &mut Vec<u8>, key: &str, value: &Value) {
    put_bytes(out, 1, key.as_bytes());
    put_len(out, 2, any_len(value));
    put_any(out, value);
}

/// A repeated `KeyValue` field.
fn attributes_len(field: u32, attributes: &[KeyValue]) -> usize {
    attributes
        .iter()
        .map(|kv| len_field(field, key_value_len(kv.key.as_str(), &kv.value)))
        .sum()
}

fn put_attributes(out: &mut Vec<u8>, field: u32, attributes: &[KeyValue]) {
    for kv in attributes {
        put_len(out, field, key_value_len(kv.key.as_str(), &kv.value));
        put_key_value(out, kv.key.as_str(), &kv.value);
    }
}

// Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }

/// The `resource` field (1) of a `ResourceSpans`, and its `schema_url` (3).
fn encode_resource(resource: &Resource) -> Vec<u8> {
    let attributes: Vec<KeyValue> = resource
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let body = attributes_len(1, &attributes);
    let schema = resource.schema_url().unwrap_or_default();
    let mut out = Vec::with_capacity(len_field(1, body) + bytes_field(3, schema.as_bytes()));
    put_len(&mut out, 1, body);
    put_attributes(&mut out, 1, &attributes);
    put_bytes(&mut out, 3, schema.as_bytes());
    out
}

// InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; ... }

fn scope_len(scope: &InstrumentationScope) -> usize {
    bytes_field(1, scope.name().as_bytes())
        + bytes_field(2, scope.version().unwrap_or_default().as_bytes())
        + scope
            .attributes()
            .map(|kv| len_field(3, key_value_len(kv.key.as_str(), &kv.value)))
            .sum::<usize>()
}

fn put_scope(out: &mut Vec<u8>, scope: &InstrumentationScope) {
    put_bytes(out, 1, scope.name().as_bytes());
    put_bytes(out, 2, scope.version().unwrap_or_default().as_bytes());
    for kv in scope.attributes() {
        put_len(out, 3, key_value_len(kv.key.as_str(), &kv.value));
        put_key_value(out, kv.key.as_str(), &kv.value);
    }
}

// Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3;
//        bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
//        fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
//        repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
//        repeated Event events = 11; uint32 dropped_events_count = 12;
//        repeated Link links = 13; uint32 dropped_links_count = 14;
//        Status status = 15; fixed32 flags = 16; }
// Event { fixed64 time_unix_nano = 1; string name = 2;
//         repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
// Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3;
//        repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5;
//        fixed32 flags = 6; }
// Status { string message = 2; StatusCode code = 3; }

/// `SpanFlags`: the W3C trace flags, and whether the parent (or the linked
/// span) is remote, with the bit that says that is known.
fn flags(context: &SpanContext, remote: bool) -> u32 {
    const HAS_IS_REMOTE: u32 = 0x100;
    const IS_REMOTE: u32 = 0x200;
    u32::from(context.trace_flags().to_u8()) | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
}

fn kind(kind: &SpanKind) -> u64 {
    match kind {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

fn status(status: &Status) -> (u64, &str) {
    match status {
        Status::Unset => (0, ""),
        Status::Ok => (1, ""),
        Status::Error { description } => (2, description),
    }
}

fn status_len(status: (u64, &str)) -> usize {
    bytes_field(2, status.1.as_bytes()) + uint_field(3, status.0)
}

fn parent_id(span: &SpanData) -> [u8; 8] {
    span.parent_span_id.to_bytes()
}

fn event_len(event: &Event) -> usize {
    fixed64_field(1, nanos(event.timestamp))
        + bytes_field(2, event.name.as_bytes())
        + attributes_len(3, &event.attributes)
        + uint_field(4, u64::from(event.dropped_attributes_count))
}

fn put_event(out: &mut Vec<u8>, event: &Event) {
    put_fixed64(out, 1, nanos(event.timestamp));
    put_bytes(out, 2, event.name.as_bytes());
    put_attributes(out, 3, &event.attributes);
    put_uint(out, 4, u64::from(event.dropped_attributes_count));
}

fn link_len(link: &Link, trace_state: &str) -> usize {
    let context = &link.span_context;
    bytes_field(1, &context.trace_id().to_bytes())
        + bytes_field(2, &context.span_id().to_bytes())
        + bytes_field(3, trace_state.as_bytes())
        + attributes_len(4, &link.attributes)
        + uint_field(5, u64::from(link.dropped_attributes_count))
        + fixed32_field(6, flags(context, context.is_remote()))
}

fn put_link(out: &mut Vec<u8>, link: &Link, trace_state: &str) {
    let context = &link.span_context;
    put_bytes(out, 1, &context.trace_id().to_bytes());
    put_bytes(out, 2, &context.span_id().to_bytes());
    put_bytes(out, 3, trace_state.as_bytes());
    put_attributes(out, 4, &link.attributes);
    put_uint(out, 5, u64::from(link.dropped_attributes_count));
    put_fixed32(out, 6, flags(context, context.is_remote()));
}

/// A span's `trace_state` header text (allocated only when there is one).
fn trace_state(context: &SpanContext) -> Cow<'static, str> {
    let header = context.trace_state().header();
    if header.is_empty() {
        Cow::Borrowed("")
    } else {
        Cow::Owned(header)
    }
}

fn span_len(span: &SpanData, state: &str) -> usize {
    let context = &span.span_context;
    let parent = parent_id(span);
    let status = status(&span.status);
    bytes_field(1, &context.trace_id().to_bytes())
        + bytes_field(2, &context.span_id().to_bytes())
        + bytes_field(3, state.as_bytes())
        + if parent == [0; 8] { 0 } else { bytes_field(4, &parent) }
        + bytes_field(5, span.name.as_bytes())
        + uint_field(6, kind(&span.span_kind))
        + fixed64_field(7, nanos(span.start_time))
        + fixed64_field(8, nanos(span.end_time))
        + attributes_len(9, &span.attributes)
        + uint_field(10, u64::from(span.dropped_attributes_count))
        + span
            .events
            .iter()
            .map(|event| len_field(11, event_len(event)))
            .sum::<usize>()
        + uint_field(12, u64::from(span.events.dropped_count))
        + span
            .links
            .iter()
            .map(|link| len_field(13, link_len(link, &trace_state(&link.span_context))))
            .sum::<usize>()
        + uint_field(14, u64::from(span.links.dropped_count))
        + len_field(15, status_len(status))
        + fixed32_field(16, flags(context, span.parent_span_is_remote))
}

fn put_span(out: &mut Vec<u8>, span: &SpanData, state: &str) {
    let context = &span.span_context;
    let parent = parent_id(span);
    let status = status(&span.status);
    put_bytes(out, 1, &context.trace_id().to_bytes());
    put_bytes(out, 2, &context.span_id().to_bytes());
    put_bytes(out, 3, state.as_bytes());
    if parent != [0; 8] {
        put_bytes(out, 4, &parent);
    }
    put_bytes(out, 5, span.name.as_bytes());
    put_uint(out, 6, kind(&span.span_kind));
    put_fixed64(out, 7, nanos(span.start_time));
    put_fixed64(out, 8, nanos(span.end_time));
    put_attributes(out, 9, &span.attributes);
    put_uint(out, 10, u64::from(span.dropped_attributes_count));
    put_events(out, &span.events.events);
    put_uint(out, 12, u64::from(span.events.dropped_count));
    put_links(out, &span.links.links);
    put_uint(out, 14, u64::from(span.links.dropped_count));
    put_status(out, status);
    put_fixed32(out, 16, flags(context, span.parent_span_is_remote));
}

/// A span's `events` fields (11).
fn put_events(out: &mut Vec<u8>, events: &[Event]) {
    for event in events {
        put_len(out, 11, event_len(event));
        put_event(out, event);
    }
}

/// A span's `links` fields (13).
fn put_links(out: &mut Vec<u8>, links: &[Link]) {
    for link in links {
        let state = trace_state(&link.span_context);
        put_len(out, 13, link_len(link, &state));
        put_link(out, link, &state);
    }
}

/// A span's `status` field (15).
fn put_status(out: &mut Vec<u8>, status: (u64, &str)) {
    put_len(out, 15, status_len(status));
    put_bytes(out, 2, status.1.as_bytes());
    put_uint(out, 3, status.0);
}

/// Adds a function's span to a scope's spans (a `ScopeSpans.spans` field).
pub(super) fn put_sdk_span(out: &mut Vec<u8>, span: &SpanData) {
    let state = trace_state(&span.span_context);
    put_len(out, 2, span_len(span, &state));
    put_span(out, span, &state);
}

/// Adds a call span's `Span` message to a scope's spans.
pub(super) fn put_scope_span(out: &mut Vec<u8>, span: &[u8]) {
    put_len(out, 2, span.len());
    out.extend_from_slice(span);
}

/// A call span's `Span` message, written as its parts become known: the
/// ids, name, kind, start and flags when it starts ([`SpanBytes::start`]),
/// attributes as they come, the rest when it ends ([`SpanBytes::end`]).
/// Protobuf lets the fields come in any order, the repeated ones
/// interleaved, and a singular field given twice (a renamed span's name)
/// takes the last value.
#[derive(Debug)]
pub(crate) struct SpanBytes(Vec<u8>);

impl SpanBytes {
    /// A `SERVER` span with `context` under `parent` (invalid for a root),
    /// named by `name`'s parts joined, started at `start`.
    pub(crate) fn start(context: &SpanContext, parent: &SpanContext, name: &[&str], start: SystemTime) -> SpanBytes {
        let mut out = Vec::with_capacity(512);
        put_bytes(&mut out, 1, &context.trace_id().to_bytes());
        put_bytes(&mut out, 2, &context.span_id().to_bytes());
        let state = trace_state(context);
        put_bytes(&mut out, 3, state.as_bytes());
        if parent.is_valid() {
            put_bytes(&mut out, 4, &parent.span_id().to_bytes());
        }
        let mut bytes = SpanBytes(out);
        bytes.name(name);
        put_uint(&mut bytes.0, 6, kind(&SpanKind::Server));
        put_fixed64(&mut bytes.0, 7, nanos(start));
        put_fixed32(
            &mut bytes.0,
            16,
            flags(context, parent.is_valid() && parent.is_remote()),
        );
        bytes
    }

    /// Names the span `name`'s parts joined (again, for a rename).
    pub(crate) fn name(&mut self, name: &[&str]) {
        put_len(&mut self.0, 5, name.iter().map(|part| part.len()).sum());
        for part in name {
            self.0.extend_from_slice(part.as_bytes());
        }
    }

    /// A string attribute.
    pub(crate) fn text(&mut self, key: &str, value: &str) {
        // KeyValue { key = 1; value = 2: AnyValue { string_value = 1 } }
        let any = len_field(1, value.len());
        let key_value = len_field(1, key.len()) + len_field(2, any);
        let out = &mut self.0;
        out.reserve(len_field(9, key_value));
        if key_value < 128 {
            // Every length fits in one byte: the tags and lengths are
            // written as they are (the common case, measured: a call span
            // writes some ten of these).
            out.extend_from_slice(&[9 << 3 | 2, key_value as u8, 1 << 3 | 2, key.len() as u8]);
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(&[2 << 3 | 2, any as u8, 1 << 3 | 2, value.len() as u8]);
            out.extend_from_slice(value.as_bytes());
        } else {
            put_len(out, 9, key_value);
            put_len(out, 1, key.len());
            out.extend_from_slice(key.as_bytes());
            put_len(out, 2, any);
            put_string_value(out, value);
        }
    }

    /// An integer attribute.
    pub(crate) fn int(&mut self, key: &str, value: i64) {
        self.attribute(key, &Value::I64(value));
    }

    /// An attribute of any value.
    pub(crate) fn attribute(&mut self, key: &str, value: &Value) {
        put_len(&mut self.0, 9, key_value_len(key, value));
        put_key_value(&mut self.0, key, value);
    }

    /// Attributes given as `KeyValue`s (the sampler's, those recorded on
    /// the span while it ran).
    pub(crate) fn attributes(&mut self, attributes: &[KeyValue]) {
        put_attributes(&mut self.0, 9, attributes);
    }

    /// Ends the span at `end` with its events, links and status.
    pub(crate) fn end(&mut self, end: SystemTime, events: &[Event], links: &[Link], status: &Status) {
        let out = &mut self.0;
        put_fixed64(out, 8, nanos(end));
        put_events(out, events);
        put_links(out, links);
        put_status(out, self::status(status));
    }

    /// The message written.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

// ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
// ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
// ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }

/// Writes one `ExportTraceServiceRequest` with one `ResourceSpans` (the
/// exporter's `resource`, already encoded) holding one `ScopeSpans` per
/// scope of `scopes`, each with its spans (already written as its
/// `spans` fields).
fn encode_request(resource: &[u8], scopes: &[(InstrumentationScope, Vec<u8>)], out: &mut Vec<u8>) {
    let scope_spans_len = |scope: &InstrumentationScope, spans: &[u8]| {
        len_field(1, scope_len(scope)) + spans.len() + bytes_field(3, scope.schema_url().unwrap_or_default().as_bytes())
    };
    let sizes: Vec<usize> = scopes
        .iter()
        .map(|(scope, spans)| scope_spans_len(scope, spans))
        .collect();
    let resource_spans = resource.len() + sizes.iter().map(|&size| len_field(2, size)).sum::<usize>();
    put_len(out, 1, resource_spans);
    out.extend_from_slice(resource);
    for ((scope, spans), size) in scopes.iter().zip(sizes) {
        put_len(out, 2, size);
        put_len(out, 1, scope_len(scope));
        put_scope(out, scope);
        out.extend_from_slice(spans);
        put_bytes(out, 3, scope.schema_url().unwrap_or_default().as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_are_sized_as_written() {
        for value in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
            (-1i64) as u64,
        ] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            assert_eq!(out.len(), varint_len(value), "{value}");
        }
        assert_eq!(tag_len(16), 2, "field 16 takes a two-byte tag");
    }

    #[test]
    fn a_text_attribute_is_written_as_any_attribute() {
        let long = "x".repeat(300);
        for (key, value) in [
            ("k", ""),
            ("url.path", "/api/add"),
            ("k", long.as_str()),
            (long.as_str(), "v"),
        ] {
            let context = SpanContext::empty_context();
            let mut text = SpanBytes::start(&context, &context, &["n"], UNIX_EPOCH);
            let mut any = SpanBytes::start(&context, &context, &["n"], UNIX_EPOCH);
            text.text(key, value);
            any.attribute(key, &Value::String(value.to_owned().into()));
            assert_eq!(text.as_bytes(), any.as_bytes(), "{key:?} = {value:?}");
        }
    }

    #[test]
    fn headers_are_percent_decoded_pairs() {
        let parsed: Vec<_> = parse_headers("api-key=a%20b, x=1,broken,=v").collect();
        assert_eq!(
            parsed,
            [
                ("api-key".to_owned(), "a b".to_owned()),
                ("x".to_owned(), "1".to_owned())
            ]
        );
    }
}
