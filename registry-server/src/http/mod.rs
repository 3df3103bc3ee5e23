//! The HTTP layer both protocols share, outermost first:
//!
//! 1. [`EdgeLayer`], wrapped once around the whole router ([`edge`]): the
//!    request id (every response carries `x-request-id`: the caller's when it
//!    is 1 to 128 visible ASCII characters, else a fresh one, handed to the
//!    handlers as a [`RequestId`](request_id::RequestId) extension), 431 for
//!    headers over [`ServerConfig::max_header_bytes`](crate::ServerConfig::max_header_bytes),
//!    a span per request (`method`, `path`, `request_id`, later `tool` and
//!    `principal`) and one access event with `status` and `latency_ms`;
//! 2. CORS, when origins are configured ([`cors`]);
//! 3. on `/mcp` and the REST routes: authentication ([`protect`], running
//!    the [`Authorizer`](crate::Authorizer));
//! 4. in the `/mcp` and REST handlers: [`InFlight`], 503 + `Retry-After` once
//!    [`ServerConfig::max_in_flight`](crate::ServerConfig::max_in_flight)
//!    requests are running; on `/mcp` the `Host`/`Origin` checks
//!    ([`OriginCheck`]); then the one body reader, [`read_json`] (size,
//!    content type, nesting depth), with one JSON type rule for both:
//!    `application/json` or `application/*+json` ([`body::is_json_type`]).
//!
//! A layer that turns a request away returns a [`Rejection`], and each
//! surface renders it: REST routes and the pages as an RFC 9457 problem
//! ([`Rejection::into_problem_response`]), `/mcp` as a JSON-RPC error
//! (`mcp::http::reject`). Nothing in this module writes JSON-RPC.

mod auth;
mod body;
mod cors;
mod edge;
mod headers;
mod in_flight;
mod origin;
mod rejection;
mod request_id;

#[cfg(test)]
pub(crate) use auth::Unauthenticated;
pub(crate) use auth::{StepUp, protect};
pub use body::json_too_deep;
pub(crate) use body::{BodyError, BodyRules, ContentTypes, read_json};
pub(crate) use cors::cors;
pub(crate) use edge::{Edge, EdgeLayer, MakeEdge, PeerAddr};
pub(crate) use headers::HeaderMetadata;
pub(crate) use in_flight::{InFlight, OwnedSlot};
pub(crate) use origin::OriginCheck;
pub(crate) use rejection::{Rejection, Render};
#[cfg(feature = "lambda")]
pub(crate) use request_id::ClientAddr;
pub(crate) use request_id::{client_addr_of, request_id_of};
