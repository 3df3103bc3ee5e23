//! Without feature `otel`: the telemetry hooks of the call path, doing
//! nothing (the real ones are in `mod.rs`).

/// Telemetry settings: none without the feature.
#[derive(Clone, Debug, Default)]
pub(crate) struct Settings;

/// The pages as they are: no `/metrics` without the feature.
#[inline]
pub(crate) fn routes(pages: axum::Router, config: &crate::ServerConfig) -> axum::Router {
    let Settings = &config.telemetry;
    pages
}

/// Nothing to flush.
#[inline]
pub(crate) async fn flush() {}
