//! `GET /metrics`: the SDK's metrics, collected on each request by a pull
//! reader and written in the Prometheus text format (0.0.4) here, by hand:
//! the format is a few lines per point, and the `opentelemetry-prometheus`
//! crate would bring the `prometheus` and `protobuf` crates for it.
//!
//! Names follow the OpenTelemetry-to-Prometheus rules: `.` becomes `_`, a
//! unit of seconds adds `_seconds`, a monotonic sum is a counter ending in
//! `_total`, a non-monotonic one a gauge.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, Metric, MetricData, ResourceMetrics};
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

/// The pull reader, shared between the meter provider and `/metrics`.
#[derive(Clone, Debug)]
pub(crate) struct Reader(Arc<ManualReader>);

impl Reader {
    pub(crate) fn new() -> Self {
        Reader(Arc::new(ManualReader::builder().build()))
    }

    /// Every metric now, as Prometheus text.
    pub(crate) fn render(&self) -> String {
        let mut metrics = ResourceMetrics::default();
        if let Err(err) = self.0.collect(&mut metrics) {
            tracing::debug!("collecting metrics failed: {err}");
        }
        render(&metrics)
    }
}

impl MetricReader for Reader {
    fn register_pipeline(&self, pipeline: std::sync::Weak<Pipeline>) {
        self.0.register_pipeline(pipeline);
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.0.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn temporality(&self, kind: InstrumentKind) -> Temporality {
        self.0.temporality(kind)
    }
}

/// The `/metrics` handler.
pub(super) async fn serve() -> Response {
    let text = super::pipeline()
        .and_then(|pipeline| pipeline.prometheus.as_ref())
        .map(Reader::render)
        .unwrap_or_default();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// The Prometheus text of `metrics`.
pub(crate) fn render(metrics: &ResourceMetrics) -> String {
    let mut out = String::new();
    for scope in metrics.scope_metrics() {
        for metric in scope.metrics() {
            match metric.data() {
                AggregatedMetrics::F64(data) => write_metric(&mut out, metric, data),
                AggregatedMetrics::U64(data) => write_metric(&mut out, metric, data),
                AggregatedMetrics::I64(data) => write_metric(&mut out, metric, data),
            }
        }
    }
    out
}

/// A number as Prometheus writes it.
trait Number: Copy {
    fn text(self) -> String;
}

impl Number for f64 {
    fn text(self) -> String {
        if self.is_nan() {
            "NaN".into()
        } else if self.is_infinite() {
            if self > 0.0 { "+Inf".into() } else { "-Inf".into() }
        } else {
            format!("{self}")
        }
    }
}

impl Number for u64 {
    fn text(self) -> String {
        self.to_string()
    }
}

impl Number for i64 {
    fn text(self) -> String {
        self.to_string()
    }
}

fn write_metric<T: Number>(out: &mut String, metric: &Metric, data: &MetricData<T>) {
    let mut name = sanitize(metric.name());
    if metric.unit() == "s" {
        name.push_str("_seconds");
    }
    let help = metric.description().replace('\\', "\\\\").replace('\n', "\\n");
    match data {
        MetricData::Sum(sum) => {
            let (kind, name) = if sum.is_monotonic() {
                ("counter", format!("{name}_total"))
            } else {
                ("gauge", name)
            };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for point in sum.data_points() {
                let _ = writeln!(
                    out,
                    "{name}{} {}",
                    labels(point.attributes(), None),
                    point.value().text()
                );
            }
        }
        MetricData::Gauge(gauge) => {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
            for point in gauge.data_points() {
                let _ = writeln!(
                    out,
                    "{name}{} {}",
                    labels(point.attributes(), None),
                    point.value().text()
                );
            }
        }
        MetricData::Histogram(histogram) => {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            for point in histogram.data_points() {
                let mut cumulative = 0u64;
                let counts: Vec<u64> = point.bucket_counts().collect();
                for (bound, count) in point.bounds().zip(&counts) {
                    cumulative += count;
                    let le = bound.text();
                    let _ = writeln!(
                        out,
                        "{name}_bucket{} {cumulative}",
                        labels(point.attributes(), Some(&le))
                    );
                }
                let _ = writeln!(
                    out,
                    "{name}_bucket{} {}",
                    labels(point.attributes(), Some("+Inf")),
                    point.count()
                );
                let plain = labels(point.attributes(), None);
                let _ = writeln!(out, "{name}_sum{plain} {}", point.sum().text());
                let _ = writeln!(out, "{name}_count{plain} {}", point.count());
            }
        }
        // Not recorded by the server.
        MetricData::ExponentialHistogram(_) => {}
    }
}

/// A metric or label name: every character outside `[a-zA-Z0-9_:]` becomes `_`.
fn sanitize(name: &str) -> String {
    let mut text: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        text.insert(0, '_');
    }
    text
}

/// `{a="1",b="2"}` (with `le` last for buckets), or nothing.
fn labels<'a>(attributes: impl Iterator<Item = &'a KeyValue>, le: Option<&str>) -> String {
    let mut pairs: Vec<(String, String)> = attributes
        .map(|kv| (sanitize(kv.key.as_str()), value_text(&kv.value)))
        .collect();
    pairs.sort();
    if let Some(le) = le {
        pairs.push(("le".into(), le.into()));
    }
    if pairs.is_empty() {
        return String::new();
    }
    let body: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| {
            let value = value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
            format!("{key}=\"{value}\"")
        })
        .collect();
    format!("{{{}}}", body.join(","))
}

fn value_text(value: &Value) -> String {
    value.as_str().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels() {
        assert_eq!(
            sanitize("mcp.server.operation.duration"),
            "mcp_server_operation_duration"
        );
        assert_eq!(sanitize("9lives"), "_9lives");
        let attrs = [KeyValue::new("b.x", "q\"uote"), KeyValue::new("a", 1)];
        assert_eq!(labels(attrs.iter(), Some("0.5")), r#"{a="1",b_x="q\"uote",le="0.5"}"#);
        assert_eq!(labels([].iter(), None), "");
        assert_eq!(0.25f64.text(), "0.25");
        assert_eq!(1.0f64.text(), "1");
    }
}
