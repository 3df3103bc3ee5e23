//! `GET /healthz`: liveness and what is exposed.

use axum::Router;
use axum::routing::get;
use registry_core::{Protocol, Registry};
use serde_json::json;

pub(crate) fn router(registry: &Registry) -> Router {
    let body = json!({
        "status": "ok",
        "functions": registry.len(),
        "mcp": registry.exposed(Protocol::Mcp).count(),
        "rest": registry.exposed(Protocol::Rest).count(),
    });
    Router::new().route("/healthz", get(move || std::future::ready(axum::Json(body.clone()))))
}
