//! `GET /docs`: one self-contained HTML page generated from the registry.
//!
//! The page (template, CSS and JS kept beside this file and embedded with
//! `include_str!`) lists every function with its description, a parameter
//! table, its input and output schemas, the REST call as a `curl` line, the
//! MCP `tools/call` request, and a form that calls the REST route and shows
//! the response. It is rendered once, on the first request, with URLs
//! relative to the server: the script takes the origin (and any prefix before
//! `/docs`) from the address bar to build the `curl` line and the calls. Only a
//! [`BasePath`] varies it, spliced into the few links that need it; a
//! registry with visibility filters gets a page per request, listing what
//! that caller may see.
//!
//! It loads nothing from the network; its Content-Security-Policy forbids it
//! to, so an offline browser shows exactly what an online one does.

mod example;

/// The example call the docs page pre-fills for `entry` (declared examples,
/// defaults, values inside the declared bounds), when it passes the input
/// schema; the OpenAPI document shows the same one.
pub(crate) fn valid_example(entry: &registry_core::Entry) -> Option<serde_json::Map<String, serde_json::Value>> {
    let input = &entry.schemas().input;
    let args = example::arguments(input);
    let value = serde_json::Value::Object(args);
    registry_core::__private::schema_violations(input, &value)
        .is_empty()
        .then(|| match value {
            serde_json::Value::Object(args) => args,
            _ => unreachable!("built as an object"),
        })
}
mod render;

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use axum::{Extension, Router};

use crate::BasePath;
use crate::rest::Routes;

/// Only inline styles and scripts, and requests back to this server.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; \
    connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// What the page takes from the server's settings.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// The API's title.
    pub(crate) title: String,
    /// The API's version.
    pub(crate) version: String,
    /// The server's icon, a URI.
    pub(crate) icon: Option<String>,
    /// Whether the server runs tasks: task-capable functions' forms follow them.
    pub(crate) tasks: bool,
}

/// The page, rendered once: the pieces between the places a [`BasePath`]
/// goes, and the whole page without one.
struct Page {
    pieces: Vec<Bytes>,
    whole: Bytes,
}

impl Page {
    fn new(routes: &Routes, settings: &Settings) -> Page {
        let html = render::page(routes, settings);
        Page {
            pieces: html
                .split(render::BASE)
                .map(|piece| Bytes::copy_from_slice(piece.as_bytes()))
                .collect(),
            whole: Bytes::from(html.replace(render::BASE, "")),
        }
    }

    /// The page as seen under `prefix` (such as `/Prod`).
    fn under(&self, prefix: Option<&str>) -> Bytes {
        match prefix {
            None | Some("") => self.whole.clone(),
            Some(prefix) => {
                let prefix = render::esc(prefix);
                let mut html = Vec::with_capacity(self.whole.len() + prefix.len() * self.pieces.len());
                for (i, piece) in self.pieces.iter().enumerate() {
                    if i > 0 {
                        html.extend_from_slice(prefix.as_bytes());
                    }
                    html.extend_from_slice(piece);
                }
                Bytes::from(html)
            }
        }
    }
}

/// `GET /docs`.
pub(crate) fn router(routes: Arc<Routes>, settings: Settings) -> Router {
    let page: OnceLock<Page> = OnceLock::new();
    let page = Arc::new(page);
    Router::new().route(
        "/docs",
        get(
            move |base: Option<Extension<BasePath>>,
                  principal: Option<Extension<registry_core::Principal>>,
                  headers: axum::http::HeaderMap| {
                let prefix = base.as_ref().map(|Extension(BasePath(prefix))| prefix.as_str());
                // With visibility filters the page is the caller's own, rendered per request.
                let html = if routes.registry().filters_by_caller() {
                    let viewer = crate::call_env::viewer(headers, principal.map(|Extension(p)| p));
                    Page::new(&routes.visible_to(&viewer), &settings).under(prefix)
                } else {
                    page.get_or_init(|| Page::new(&routes, &settings)).under(prefix)
                };
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
            },
        ),
    )
}
