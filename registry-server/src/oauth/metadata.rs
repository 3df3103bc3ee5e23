//! RFC 9728 protected resource metadata: the document, its address and the
//! routes serving it.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use registry_core::Registry;
use reqwest::Url;
use serde_json::json;

use crate::ServerConfig;

/// The well-known segment of RFC 9728 §3.
const WELL_KNOWN: &str = "/.well-known/oauth-protected-resource";

/// The metadata address of `resource`: the well-known segment between the
/// host and the resource's path (RFC 9728 §3.1).
pub(super) fn metadata_url(resource: &Url) -> String {
    let mut url = resource.clone();
    let path = resource.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{WELL_KNOWN}{path}"));
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// The document: `resource`, `authorization_servers`, `scopes_supported`
/// (every scope a function declares), `bearer_methods_supported`, `resource_name`.
fn document(config: &ServerConfig, registry: &Registry) -> Option<Arc<[u8]>> {
    let oauth = config.oauth.as_ref()?;
    let document = json!({
        "resource": oauth.resource(),
        "authorization_servers": oauth.issuers().collect::<Vec<_>>(),
        "scopes_supported": super::scopes_supported(registry),
        "bearer_methods_supported": ["header"],
        "resource_name": config.app.display_title(),
    });
    Some(
        serde_json::to_vec(&document)
            .expect("a JSON value always serializes")
            .into(),
    )
}

/// The metadata routes inside the server's router (under its path prefix,
/// if any): `/.well-known/oauth-protected-resource`, its `/mcp` variant and
/// the one for the resource URI's own path. Empty without OAuth.
pub(crate) fn routes(config: &ServerConfig, registry: &Registry) -> Router {
    let Some(document) = document(config, registry) else {
        return Router::new();
    };
    let mut suffixes = vec![String::new(), "/mcp".to_owned()];
    if let Some(oauth) = &config.oauth
        && let Ok(url) = Url::parse(oauth.resource())
    {
        suffixes.push(url.path().trim_end_matches('/').to_owned());
    }
    router(document, suffixes)
}

/// With a path prefix (`/v1`): the same document at the root, the prefix
/// appended as RFC 9728 builds the address (`/.well-known/oauth-protected-resource/v1/mcp`).
pub(crate) fn prefixed_routes(config: &ServerConfig, registry: &Registry, prefix: &str) -> Router {
    let Some(document) = document(config, registry) else {
        return Router::new();
    };
    let prefix = prefix.trim_end_matches('/');
    router(document, vec![prefix.to_owned(), format!("{prefix}/mcp")])
}

fn router(document: Arc<[u8]>, mut suffixes: Vec<String>) -> Router {
    suffixes.sort();
    suffixes.dedup();
    let mut router = Router::new();
    for suffix in suffixes {
        let document = Arc::clone(&document);
        router = router.route(
            &format!("{WELL_KNOWN}{suffix}"),
            get(move || {
                let document = Arc::clone(&document);
                async move { serve(&document) }
            }),
        );
    }
    router
}

fn serve(document: &[u8]) -> Response {
    let mut response = document.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    // Public data, fetched by browser-based clients before they hold a token.
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_follow_rfc_9728() {
        let url = |text: &str| metadata_url(&Url::parse(text).unwrap());
        assert_eq!(
            url("https://api.example.com"),
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
        assert_eq!(
            url("https://api.example.com/mcp"),
            "https://api.example.com/.well-known/oauth-protected-resource/mcp"
        );
        assert_eq!(
            url("https://api.example.com:8443/v1/mcp/"),
            "https://api.example.com:8443/.well-known/oauth-protected-resource/v1/mcp"
        );
    }
}
