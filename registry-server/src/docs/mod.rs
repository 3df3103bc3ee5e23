//! `GET /docs`: one self-contained HTML page generated from the registry.
//!
//! The page (template, CSS and JS kept beside this file and embedded with
//! `include_str!`) lists every function with its description, a parameter
//! table, its input and output schemas, the REST call as a `curl` line, the
//! MCP `tools/call` request, and a form that calls the REST route and shows
//! the response. It is rendered on the first request (once per base URL)
//! and loads nothing from the network; its Content-Security-Policy forbids it
//! to, so an offline browser shows exactly what an online one does.

mod example;
mod render;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::get;
use axum::{Extension, Router};
use registry_core::Registry;

use crate::{BasePath, ServerConfig};

/// Only inline styles and scripts, and requests back to this server.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
    connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The most page variants kept (one per base URL seen); further ones are rendered per request.
const CACHED_VARIANTS: usize = 16;

/// Renders the page once per base URL (normally exactly once).
struct Pages {
    registry: Registry,
    config: ServerConfig,
    cache: Mutex<HashMap<String, Bytes>>,
}

impl Pages {
    fn get(&self, base: &str) -> Bytes {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(html) = cache.get(base) {
            return html.clone();
        }
        let html = Bytes::from(render::page(&self.registry, &self.config, base));
        if cache.len() < CACHED_VARIANTS {
            cache.insert(base.to_owned(), html.clone());
        }
        html
    }
}

/// The URL the caller reached the server at: the configured public URL, else
/// the request's `Host` (and `X-Forwarded-Proto`), plus any [`BasePath`].
fn base_url(config: &ServerConfig, headers: &HeaderMap, prefix: Option<&str>) -> String {
    let prefix = prefix.unwrap_or_default();
    if let Some(url) = &config.public_url {
        return format!("{url}{prefix}");
    }
    let valid = |v: &&str| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(valid)
        .unwrap_or("127.0.0.1:3000");
    let proto = match headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    };
    format!("{proto}://{host}{prefix}")
}

/// `GET /docs`.
pub(crate) fn router(registry: &Registry, config: &ServerConfig) -> Router {
    let pages = Arc::new(Pages {
        registry: registry.clone(),
        config: config.clone(),
        cache: Mutex::default(),
    });
    Router::new().route(
        "/docs",
        get(move |headers: HeaderMap, base: Option<Extension<BasePath>>| {
            let prefix = base.as_ref().map(|Extension(BasePath(prefix))| prefix.as_str());
            let html = pages.get(&base_url(&pages.config, &headers, prefix));
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
