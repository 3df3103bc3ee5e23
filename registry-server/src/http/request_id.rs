//! [`RequestId`]: the id [`Edge`](super::Edge) gives every request.

use std::net::IpAddr;
use std::sync::Arc;

use axum::http::Extensions;

/// The request's id: the caller's `x-request-id` when it is 1 to 128 visible
/// ASCII characters, else a fresh one; [`Edge`](super::Edge) puts it into the
/// request's extensions (and on the response), with the connection's peer
/// address when the server knows it (one extension for both: it is inserted
/// on every request).
#[derive(Clone, Debug)]
pub(crate) struct RequestId(pub(super) Arc<str>, pub(super) Option<IpAddr>);

/// The address a request came from when no connection says it (a Lambda
/// event's source IP), inserted by whoever knows it before the edge.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

/// The id [`Edge`](super::Edge) gave the request (a fresh one if the request
/// did not pass the edge).
pub(crate) fn request_id_of(extensions: &Extensions) -> Arc<str> {
    match extensions.get::<RequestId>() {
        Some(RequestId(id, _)) => Arc::clone(id),
        None => Arc::from(registry_core::RequestId::generate().as_str()),
    }
}

/// The address the request came from: the connection's peer, else a
/// [`ClientAddr`] extension; `None` when neither is known (`TestClient`).
pub(crate) fn client_addr_of(extensions: &Extensions) -> Option<IpAddr> {
    match extensions.get::<RequestId>() {
        Some(RequestId(_, Some(peer))) => Some(*peer),
        _ => extensions.get::<ClientAddr>().map(|addr| addr.0),
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
        extensions.insert(RequestId(Arc::from("given"), None));
        assert_eq!(&*request_id_of(&extensions), "given");
    }
}
