//! `GET /docs`: one self-contained HTML page generated from the registry.
//!
//! The page (template, CSS and JS kept beside this file and embedded with
//! `include_str!`) lists every function with its description, a parameter
//! table, its input and output schemas, the REST call as a `curl` line, the
//! MCP `tools/call` request, and a form that calls the REST route and shows
//! the response. It is rendered once at startup and loads nothing from the
//! network; its Content-Security-Policy forbids it to, so an offline browser
//! shows exactly what an online one does.

mod example;
mod render;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use registry_core::Registry;

use crate::ServerConfig;

/// Only inline styles and scripts, and requests back to this server.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
    connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// `GET /docs`, rendered once.
pub(crate) fn router(registry: &Registry, config: &ServerConfig) -> Router {
    let html = Bytes::from(render::page(registry, config));
    Router::new().route(
        "/docs",
        get(move || {
            let html = html.clone();
            std::future::ready((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/html; charset=utf-8"),
                    ),
                    (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
                ],
                html,
            ))
        }),
    )
}
