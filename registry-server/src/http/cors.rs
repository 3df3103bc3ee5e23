//! [`cors`]: `tower-http`'s CORS layer for the configured browser origins.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::ServerConfig;
use crate::problem::REQUEST_ID;

/// CORS for the configured origins, or `None` when CORS is off.
pub(crate) fn cors(config: &ServerConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let allow = [
        header::CONTENT_TYPE,
        header::AUTHORIZATION,
        header::ACCEPT,
        HeaderName::from_static("x-api-key"),
        REQUEST_ID,
        HeaderName::from_static("mcp-protocol-version"),
        HeaderName::from_static("mcp-method"),
        HeaderName::from_static("mcp-name"),
        HeaderName::from_static("mcp-session-id"),
        HeaderName::from_static("last-event-id"),
        // `Prefer: respond-async`: a task-capable call as a task.
        HeaderName::from_static("prefer"),
    ];
    let expose = [
        REQUEST_ID,
        header::WWW_AUTHENTICATE,
        header::RETRY_AFTER,
        HeaderName::from_static("mcp-session-id"),
        // A task's status resource, and what it says (`crate::rest::tasks`).
        header::LOCATION,
        HeaderName::from_static("task-status"),
        HeaderName::from_static("preference-applied"),
    ];
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers(allow)
            .expose_headers(expose)
            .max_age(Duration::from_secs(600)),
    )
}
