//! [`RequestId`]: the id [`Edge`](super::Edge) gives every request.

use std::sync::Arc;

use axum::http::Extensions;

/// The request's id: the caller's `x-request-id` when it is 1 to 128 visible
/// ASCII characters, else a fresh one; [`Edge`](super::Edge) puts it into the
/// request's extensions (and on the response).
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub(super) Arc<str>);

/// The id [`Edge`](super::Edge) gave the request (a fresh one if the request
/// did not pass the edge).
pub(crate) fn request_id_of(extensions: &Extensions) -> Arc<str> {
    match extensions.get::<RequestId>() {
        Some(RequestId(id)) => Arc::clone(id),
        None => Arc::from(registry_core::RequestId::generate().as_str()),
    }
}

/// Whether a caller's `x-request-id` is kept: 1 to 128 visible ASCII characters.
pub(super) fn is_sane_id(id: &[u8]) -> bool {
    (1..=128).contains(&id.len()) && id.iter().all(u8::is_ascii_graphic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids() {
        assert!(is_sane_id(b"trace-abc-123"));
        assert!(is_sane_id(&[b'x'; 128]));
        assert!(!is_sane_id(&[b'x'; 129]));
        assert!(!is_sane_id(b""));
        assert!(!is_sane_id(b"has space"));
        assert!(!is_sane_id("é".as_bytes()));
    }

    #[test]
    fn a_request_without_an_id_gets_a_fresh_one() {
        let mut extensions = Extensions::new();
        assert!(!request_id_of(&extensions).is_empty());
        extensions.insert(RequestId(Arc::from("given")));
        assert_eq!(&*request_id_of(&extensions), "given");
    }
}
