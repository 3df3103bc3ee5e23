//! `GET /docs`: one self-contained HTML page generated from the registry.

use axum::Router;
use registry_core::Registry;

use crate::ServerConfig;

/// `GET /docs`.
pub(crate) fn router(_registry: &Registry, _config: &ServerConfig) -> Router {
    Router::new()
}
