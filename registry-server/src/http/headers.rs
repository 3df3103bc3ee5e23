//! The request headers a function sees as [`Context`](registry_core::Context)
//! metadata: handed over as they are, read only when a function asks.

use axum::http::HeaderMap;
use registry_core::MetadataSource;

/// A request's headers without the ones that carry credentials.
#[derive(Debug)]
pub(crate) struct HeaderMetadata(pub(crate) HeaderMap);

impl MetadataSource for HeaderMetadata {
    fn get(&self, name: &str) -> Option<&str> {
        if is_credential(name) {
            return None;
        }
        self.0.get(name)?.to_str().ok()
    }

    fn entries(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .filter(|(name, _)| !is_credential(name.as_str()))
            .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
            .collect()
    }
}

/// Whether `name` (any case) is a header that carries credentials, which
/// never reaches a function's metadata.
fn is_credential(name: &str) -> bool {
    ["authorization", "cookie", "x-api-key"]
        .iter()
        .any(|credential| credential.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, header};

    use super::*;

    #[test]
    fn credentials_stay_hidden_and_names_ignore_case() {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, HeaderValue::from_static("test"));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer secret"));
        headers.insert("x-api-key", HeaderValue::from_static("secret"));
        headers.insert(header::COOKIE, HeaderValue::from_static("a=secret"));
        let metadata = HeaderMetadata(headers);
        assert_eq!(metadata.get("User-Agent"), Some("test"));
        assert_eq!(metadata.get("authorization"), None);
        assert_eq!(metadata.get("X-Api-Key"), None);
        assert_eq!(metadata.get("not a header name"), None);
        assert_eq!(metadata.entries(), [("user-agent", "test")]);
    }
}
