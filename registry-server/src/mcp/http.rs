//! Streamable HTTP at `/mcp`: `POST` only, JSON replies, SSE only when a
//! request asks for progress, and the checks the transport requires
//! (`Origin`, `Host` on loopback, protocol headers, body size), the shared
//! ones from [`crate::http`], whose rejections [`reject`] answers as JSON-RPC
//! errors.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::call_env::CallEnv;
use crate::http::{
    BodyError, BodyRules, ContentTypes, HeaderMetadata, InFlight, OriginCheck, OwnedSlot, Rejection, StepUp,
    client_addr_of, read_json, request_id_of,
};

use super::Settings;
use super::cancel::{Caller, InFlightCalls, Registration};
use super::dispatch::{Dispatcher, RequestEnv};
use super::jsonrpc::{Id, Kind, Reply, RpcError, code};
use super::request::{self, Message, Method};
use super::version;

/// What every `/mcp` request shares.
struct Endpoint {
    mcp: Dispatcher,
    origins: OriginCheck,
    body: BodyRules,
    in_flight: Arc<InFlight>,
    /// Legacy-era calls a `notifications/cancelled` may name.
    cancellable: Arc<InFlightCalls>,
}

/// `POST /mcp`; `GET` and `DELETE` answer 405 (no standalone stream, no sessions).
pub(crate) fn router(mcp: Dispatcher, settings: &Settings, origins: OriginCheck, in_flight: Arc<InFlight>) -> Router {
    let endpoint = Arc::new(Endpoint {
        mcp,
        origins,
        body: BodyRules {
            max_bytes: settings.max_message_bytes,
            max_depth: settings.max_json_depth,
            content_types: ContentTypes::WhenDeclared,
        },
        in_flight,
        cancellable: InFlightCalls::new(),
    });
    let route = post(handle).get(method_not_allowed).delete(method_not_allowed);
    Router::new().route("/mcp", route).with_state(endpoint)
}

async fn method_not_allowed() -> Response {
    let mut response = (
        StatusCode::METHOD_NOT_ALLOWED,
        "this MCP endpoint accepts POST only (no standalone SSE stream, no sessions)\n",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST"));
    response
}

async fn handle(State(endpoint): State<Arc<Endpoint>>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let request_id = request_id_of(&parts.extensions);
    let slot = match endpoint.in_flight.enter() {
        Ok(slot) => slot,
        Err(overloaded) => return reject(overloaded.into(), &request_id),
    };
    let principal = parts.extensions.remove::<registry_core::Principal>();
    let client_addr = client_addr_of(&parts.extensions);
    let headers = &parts.headers;
    if let Err(error) = endpoint.origins.check(headers, parts.uri.host()) {
        return reject(error.into(), &request_id);
    }
    let bytes = match read_json(&endpoint.body, headers, body).await {
        Ok(bytes) => bytes,
        Err(error) => return reject(error.into(), &request_id),
    };
    let message = match request::decode(&bytes) {
        Ok(message) => message,
        Err(rejection) => return json_reply(&Reply::error(rejection.id, rejection.error)),
    };
    if message.kind != Kind::Request {
        if let Err(error) =
            version::check_header(headers.get("mcp-protocol-version").map(HeaderValue::as_bytes), &message)
        {
            return json_reply(&Reply::error(None, error));
        }
        if message.method == Method::Cancelled
            && let Some(id) = message
                .params
                .get("requestId")
                .and_then(|id| serde_json::from_value::<Id>(id.clone()).ok())
        {
            let found = endpoint
                .cancellable
                .cancel(caller(principal.as_ref(), client_addr), &id);
            tracing::debug!(request = %id, found, "notifications/cancelled");
        }
        // Notifications and client responses: accepted, never answered.
        let _ = endpoint.mcp.dispatch(message, RequestEnv::default()).await;
        return StatusCode::ACCEPTED.into_response();
    }
    if let Err(error) = version::check_header(headers.get("mcp-protocol-version").map(HeaderValue::as_bytes), &message)
        .and_then(|()| check_modern_headers(headers, &message))
    {
        return json_reply(&Reply::error(message.id, error));
    }
    if let Some(refused) = step_up(&endpoint, &parts, &message, principal.as_ref()) {
        return refused;
    }

    let streams = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|accept| accept.contains("text/event-stream") || accept.contains("*/*"));
    // A legacy-era call can be cancelled by `notifications/cancelled` naming its id.
    let legacy_call =
        message.method == Method::ToolsCall && message.meta.version.as_deref().is_none_or(version::is_legacy);
    let (cancel, registration) = match (&message.id, legacy_call) {
        (Some(id), true) => {
            let (token, registration) = endpoint
                .cancellable
                .register(caller(principal.as_ref(), client_addr), id);
            (Some(token), Some(registration))
        }
        _ => (None, None),
    };
    let env = RequestEnv {
        call: CallEnv {
            request_id: Some(request_id),
            metadata: Some(Arc::new(HeaderMetadata(std::mem::take(&mut parts.headers)))),
            principal,
            client_addr,
            cancel,
        },
        notifications: None,
    };
    if message.meta.progress_token.is_some() && message.method == Method::ToolsCall && streams {
        let slot = slot.detach();
        return sse_reply(endpoint, message, env, slot, registration);
    }
    let _registration = registration;
    match endpoint.mcp.dispatch(message, env).await {
        Some(reply) => json_reply(&reply),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

/// HTTP 403 with the authorizer's step-up challenge (`WWW-Authenticate:
/// Bearer error="insufficient_scope", scope="..."`) and a JSON-RPC error
/// answering a `tools/call`, `prompts/get` or `resources/read` of a
/// function the caller may see but lacks a scope of, when the authorizer
/// challenges for scopes
/// ([`Authorizer::insufficient_scope`](crate::Authorizer::insufficient_scope)):
/// the function is known from the body (and, on 2026-07-28, the `Mcp-Name`
/// header checked against it), so the HTTP answer can carry what the client
/// needs to step up. Other authorizers keep the `isError` result (or the
/// JSON-RPC error of `prompts/get` and `resources/read`).
fn step_up(
    endpoint: &Endpoint,
    parts: &axum::http::request::Parts,
    message: &Message,
    principal: Option<&registry_core::Principal>,
) -> Option<Response> {
    let step_up = parts.extensions.get::<StepUp>()?;
    let registry = endpoint.mcp.registry();
    let (name, entry) = match message.method {
        Method::ToolsCall | Method::PromptsGet => {
            let name = message.name()?;
            let entry = registry.lookup(name, registry_core::Protocol::Mcp).ok()?;
            let kind_matches = if message.method == Method::ToolsCall {
                entry.function().is_tool()
            } else {
                entry.function().prompt().is_some()
            };
            (name, kind_matches.then_some(entry)?)
        }
        // The resource or template the URI names, as `resources/read` resolves it.
        Method::ResourcesRead => {
            let uri = message.params.get("uri").and_then(serde_json::Value::as_str)?;
            let (entry, _) = registry.resource_for_uri(uri, registry_core::Protocol::Mcp)?;
            (uri, entry)
        }
        _ => return None,
    };
    let (challenge, missing) = step_up.challenge(entry.function().scopes(), principal)?;
    if registry.filters_by_caller() {
        let ctx = CallEnv {
            metadata: Some(Arc::new(HeaderMetadata(parts.headers.clone()))),
            principal: principal.cloned(),
            client_addr: client_addr_of(&parts.extensions),
            ..CallEnv::default()
        }
        .context(registry_core::Protocol::Mcp);
        if !registry.visible(entry, &ctx) {
            return None;
        }
    }
    let error = RpcError::new(code::UNAUTHORIZED, format!("`{name}` requires the scope `{missing}`"));
    let mut response = json_response(
        StatusCode::FORBIDDEN,
        Reply::error(message.id.clone(), error).to_bytes(),
    );
    response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    Some(response)
}

/// Who a legacy `notifications/cancelled` must come from to name a call: the
/// principal, else the client's address.
fn caller(principal: Option<&registry_core::Principal>, addr: Option<std::net::IpAddr>) -> Caller<'_> {
    match (principal, addr) {
        (Some(principal), _) => Caller::Principal(&principal.id),
        (None, Some(addr)) => Caller::Addr(addr),
        (None, None) => Caller::Unknown,
    }
}

/// `/mcp`'s answer to a request a shared layer turned away: a JSON-RPC error
/// with a `null` id, the rejection's HTTP status and headers.
pub(crate) fn reject(rejection: Rejection, request_id: &str) -> Response {
    let error = match &rejection {
        Rejection::Overloaded(overloaded) => RpcError::new(code::OVERLOADED, overloaded.to_string()),
        Rejection::Unauthenticated(refused) => RpcError::new(code::UNAUTHORIZED, refused.error().to_string()),
        Rejection::Origin(error) => RpcError::new(code::INVALID_REQUEST, error.to_string()),
        Rejection::Body(error) => body_error(error),
        // Answered by the edge before routing, as a problem on every surface.
        Rejection::HeadersTooLarge(_) => return rejection.into_problem_response(request_id),
    };
    let status = match &rejection {
        // `/mcp` has always answered a body it could not read as too large.
        Rejection::Body(BodyError::Unreadable { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        _ => rejection.status(),
    };
    let mut response = json_response(status, Reply::error(None, error).to_bytes());
    rejection.set_headers(response.headers_mut());
    response
}

/// `/mcp`'s wording of a body error (JSON-RPC -32600).
fn body_error(error: &BodyError) -> RpcError {
    let message = match error {
        BodyError::TooLarge { limit } | BodyError::Unreadable { limit, .. } => {
            format!("the request body is larger than the {limit}-byte limit")
        }
        BodyError::UnsupportedType { .. } => {
            "Invalid Request: send the JSON-RPC message with `Content-Type: application/json`".to_owned()
        }
        BodyError::TooDeep { limit } => {
            format!("Invalid Request: the message nests arrays and objects deeper than the limit of {limit} levels")
        }
    };
    RpcError::new(code::INVALID_REQUEST, message)
}

/// `Mcp-Method` and `Mcp-Name` on modern requests: present and equal to the body.
fn check_modern_headers(headers: &HeaderMap, message: &Message) -> Result<(), RpcError> {
    let Some(body_version) = message.meta.version.as_deref() else {
        return Ok(());
    };
    if version::is_legacy(body_version) {
        return Ok(());
    }
    let method = headers
        .get("mcp-method")
        .ok_or_else(|| version::header_mismatch("Header mismatch: the Mcp-Method header is required"))?;
    if method.as_bytes() != message.method.as_str().as_bytes() {
        return Err(version::header_mismatch(format!(
            "Header mismatch: Mcp-Method header value '{}' does not match body value '{}'",
            String::from_utf8_lossy(method.as_bytes()),
            message.method
        )));
    }
    if message.method.names_a_target() {
        let body_name = message
            .name()
            .or_else(|| message.params.get("uri").and_then(|v| v.as_str()))
            .or_else(|| message.params.get("taskId").and_then(|v| v.as_str()))
            .unwrap_or("");
        let header = headers
            .get("mcp-name")
            .ok_or_else(|| version::header_mismatch("Header mismatch: the Mcp-Name header is required"))?;
        let header = header
            .to_str()
            .ok()
            .and_then(decode_header_value)
            .ok_or_else(|| version::header_mismatch("Header mismatch: the Mcp-Name header is malformed"))?;
        if header != body_name {
            return Err(version::header_mismatch(format!(
                "Header mismatch: Mcp-Name header value '{header}' does not match body value '{body_name}'"
            )));
        }
    }
    Ok(())
}

/// A header value, decoding the `=?base64?...?=` sentinel form
/// (standard alphabet, padding optional).
fn decode_header_value(value: &str) -> Option<String> {
    match value.strip_prefix("=?base64?").and_then(|v| v.strip_suffix("?=")) {
        Some(encoded) => String::from_utf8(BASE64.decode(encoded).ok()?).ok(),
        None => Some(value.to_owned()),
    }
}

/// Standard-alphabet base64 that takes padding or none, and ignores the
/// unused bits of a final partial byte (as the decoder it replaced did).
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn json_reply(reply: &Reply) -> Response {
    let status = StatusCode::from_u16(reply.status()).unwrap_or(StatusCode::OK);
    json_response(status, reply.to_bytes())
}

fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

type ReplyFuture = Pin<Box<dyn Future<Output = Option<Reply>> + Send>>;

/// An SSE reply: progress notifications as they come, then the response.
///
/// The call runs inside the body stream, polled by the connection's own task:
/// no spawned task, and a client that disconnects drops the stream and with it
/// the call.
fn sse_reply(
    endpoint: Arc<Endpoint>,
    message: Message,
    mut env: RequestEnv,
    slot: OwnedSlot,
    registration: Option<Registration>,
) -> Response {
    let (sender, receiver) = mpsc::unbounded_channel::<Vec<u8>>();
    env.notifications = Some(Arc::new(move |note| {
        let _ = sender.send(note);
    }));
    let call: ReplyFuture = Box::pin(async move {
        let _registration = registration;
        endpoint.mcp.dispatch(message, env).await
    });
    let stream = SseStream {
        notifications: receiver,
        call: Some(call),
        last: None,
        _slot: slot,
    };
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

struct SseStream {
    notifications: mpsc::UnboundedReceiver<Vec<u8>>,
    call: Option<ReplyFuture>,
    last: Option<Bytes>,
    /// The request's in-flight slot, held until the stream ends.
    _slot: OwnedSlot,
}

fn sse_event(json: &[u8]) -> Bytes {
    let mut event = Vec::with_capacity(json.len() + 24);
    event.extend_from_slice(b"event: message\ndata: ");
    event.extend_from_slice(json);
    event.extend_from_slice(b"\n\n");
    Bytes::from(event)
}

impl Stream for SseStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Poll::Ready(Some(note)) = self.notifications.poll_recv(cx) {
                return Poll::Ready(Some(Ok(sse_event(&note))));
            }
            let Some(call) = self.call.as_mut() else {
                return Poll::Ready(self.last.take().map(Ok));
            };
            match call.as_mut().poll(cx) {
                Poll::Ready(reply) => {
                    self.call = None;
                    self.last = reply.map(|reply| sse_event(&reply.to_bytes()));
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::FutureExt as _;

    use super::*;
    use crate::auth::AuthError;
    use crate::http::Unauthenticated;

    /// Status, one header and the exact body of `reject(rejection)`.
    fn rejected(rejection: Rejection, header: header::HeaderName) -> (u16, Option<String>, String) {
        let response = reject(rejection, "id");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        let status = response.status().as_u16();
        let value = response
            .headers()
            .get(header)
            .map(|v| v.to_str().expect("ASCII").to_owned());
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .now_or_never()
            .expect("a buffered body")
            .expect("readable");
        (status, value, String::from_utf8(body.to_vec()).expect("UTF-8"))
    }

    #[test]
    fn shared_rejections_are_json_rpc_errors() {
        let in_flight = InFlight::new(&crate::ServerConfig::default().max_in_flight(1));
        let _slot = in_flight.enter().expect("a free slot");
        let overloaded = in_flight.enter().expect_err("full").into();
        assert_eq!(
            rejected(overloaded, header::RETRY_AFTER),
            (
                503,
                Some("1".to_owned()),
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"the server is at its limit of 1 requests in flight; retry after 1 s"}}"#.to_owned()
            )
        );

        let challenge = || HeaderValue::from_static("Bearer realm=\"api\"");
        let unauthorized = Unauthenticated::new(AuthError::Unauthorized("send a key".into()), challenge);
        assert_eq!(
            rejected(unauthorized.into(), header::WWW_AUTHENTICATE),
            (
                401,
                Some("Bearer realm=\"api\"".to_owned()),
                r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"send a key"}}"#.to_owned()
            )
        );
        let forbidden = Unauthenticated::new(AuthError::Forbidden("not you".into()), challenge);
        let (status, header, body) = rejected(forbidden.into(), header::WWW_AUTHENTICATE);
        assert_eq!((status, header), (403, None));
        assert!(body.contains("-32001"), "{body}");
    }

    #[test]
    fn body_errors_keep_their_mcp_wording() {
        let cases = [
            (
                BodyError::TooLarge { limit: 8 },
                413,
                "the request body is larger than the 8-byte limit",
            ),
            (
                BodyError::Unreadable {
                    limit: 8,
                    source: axum::Error::new(std::io::Error::other("reset")),
                },
                413,
                "the request body is larger than the 8-byte limit",
            ),
            (
                BodyError::UnsupportedType { found: None },
                415,
                "Invalid Request: send the JSON-RPC message with `Content-Type: application/json`",
            ),
            (
                BodyError::TooDeep { limit: 2 },
                400,
                "Invalid Request: the message nests arrays and objects deeper than the limit of 2 levels",
            ),
        ];
        for (error, status, message) in cases {
            let (got, _, body) = rejected(error.into(), header::RETRY_AFTER);
            let expected = format!(r#"{{"jsonrpc":"2.0","id":null,"error":{{"code":-32600,"message":"{message}"}}}}"#);
            assert_eq!((got, body), (status, expected));
        }
    }

    #[test]
    fn base64_sentinels() {
        assert_eq!(decode_header_value("plain").as_deref(), Some("plain"));
        assert_eq!(
            decode_header_value("=?base64?SGVsbG8sIOS4lueVjA==?=").as_deref(),
            Some("Hello, 世界")
        );
        assert_eq!(decode_header_value("=?base64?!!?="), None);
    }
}
