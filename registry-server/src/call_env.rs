//! [`CallEnv`]: what a transport knows about one call besides its
//! arguments, turned into the call's [`Context`] the same way for every
//! protocol.

use std::net::IpAddr;
use std::sync::Arc;

use registry_core::{CancellationToken, Context, MetadataSource, Principal, Protocol};

/// The request id, metadata, caller and cancellation of one call, as a
/// transport found them.
#[derive(Default)]
pub(crate) struct CallEnv {
    /// The id the HTTP edge assigned (the caller's `x-request-id` or a fresh
    /// one); `None` where there is no edge (stdio), so the context makes one.
    pub(crate) request_id: Option<Arc<str>>,
    /// Transport metadata (HTTP headers).
    pub(crate) metadata: Option<Arc<dyn MetadataSource>>,
    /// Who is calling, when an authorizer let the request in.
    pub(crate) principal: Option<Principal>,
    /// Where the call came from (the HTTP peer, a Lambda event's source IP).
    pub(crate) client_addr: Option<IpAddr>,
    /// Cancelled by the transport (stdio `notifications/cancelled`); `None`
    /// when only dropping the call cancels it.
    pub(crate) cancel: Option<CancellationToken>,
}

impl CallEnv {
    /// The call's context for `protocol`.
    pub(crate) fn context(self, protocol: Protocol) -> Context {
        let mut ctx = Context::new(protocol);
        if let Some(id) = self.request_id {
            ctx = ctx.with_request_id(id);
        }
        if let Some(metadata) = self.metadata {
            ctx = ctx.with_metadata_source(metadata);
        }
        if let Some(principal) = self.principal {
            ctx = ctx.with_principal(principal);
        }
        if let Some(addr) = self.client_addr {
            ctx = ctx.with_client_addr(addr);
        }
        if let Some(cancel) = self.cancel {
            ctx = ctx.with_cancel_token(cancel);
        }
        ctx
    }
}

/// The context of a caller asking for a page (`/openapi.json`, `/docs`):
/// what the registry's visibility filters judge when the pages are built
/// per caller.
pub(crate) fn viewer(headers: axum::http::HeaderMap, principal: Option<Principal>) -> Context {
    CallEnv {
        metadata: Some(Arc::new(crate::http::HeaderMetadata(headers))),
        principal,
        ..CallEnv::default()
    }
    .context(Protocol::Rest)
}
