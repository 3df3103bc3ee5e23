//! Streamable HTTP at `/mcp`: `POST` only, JSON replies, SSE only when a
//! request asks for progress, and the checks the transport requires
//! (`Origin`, `Host` on loopback, protocol headers, body size).

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
use bytes::Bytes;
use futures_util::Stream;
use tokio::sync::mpsc;

use crate::ServerConfig;
use crate::call_env::CallEnv;
use crate::layers::{InFlight, OwnedSlot, Surface, request_id_of};
use crate::metadata::HeaderMetadata;

use super::dispatch::{Dispatcher, RequestEnv};
use super::jsonrpc::{Kind, Reply, RpcError, code};
use super::request::{self, Message, Method};
use super::version;

/// What every `/mcp` request shares.
struct Endpoint {
    mcp: Dispatcher,
    allowed_origins: Vec<String>,
    allowed_hosts: Vec<String>,
    loopback: bool,
    body_limit: usize,
    max_json_depth: usize,
    in_flight: Arc<InFlight>,
}

/// `POST /mcp`; `GET` and `DELETE` answer 405 (no standalone stream, no sessions).
pub(crate) fn router(mcp: Dispatcher, config: &ServerConfig, in_flight: Arc<InFlight>) -> Router {
    let allowed_origins: Vec<String> = config
        .allowed_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
        .collect();
    let allowed_hosts = allowed_origins.iter().filter_map(|o| origin_host(o)).collect();
    let endpoint = Arc::new(Endpoint {
        mcp,
        allowed_origins,
        allowed_hosts,
        loopback: config.bound_to_loopback,
        body_limit: config.body_limit(),
        max_json_depth: config.max_json_depth,
        in_flight,
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
    let slot = match endpoint.in_flight.enter(Surface::Mcp, &request_id) {
        Ok(slot) => slot,
        Err(response) => return response,
    };
    let principal = parts.extensions.remove::<registry_core::Principal>();
    let headers = &parts.headers;
    if let Err(response) = endpoint.check_host_and_origin(headers, parts.uri.host()) {
        return response;
    }
    if let Some(content_type) = headers.get(header::CONTENT_TYPE)
        && !is_json_type(content_type.as_bytes())
    {
        let error = RpcError::new(
            code::INVALID_REQUEST,
            "Invalid Request: send the JSON-RPC message with `Content-Type: application/json`",
        )
        .status(415);
        return json_reply(&Reply::error(None, error));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > endpoint.body_limit) {
        return too_large(endpoint.body_limit);
    }
    let bytes = match axum::body::to_bytes(body, endpoint.body_limit).await {
        Ok(bytes) => bytes,
        Err(_) => return too_large(endpoint.body_limit),
    };
    if crate::limits::json_too_deep(&bytes, endpoint.max_json_depth) {
        let error = RpcError::new(
            code::INVALID_REQUEST,
            format!(
                "Invalid Request: the message nests arrays and objects deeper than the limit of {} levels",
                endpoint.max_json_depth
            ),
        )
        .status(400);
        return json_reply(&Reply::error(None, error));
    }
    let message = match request::decode(&bytes) {
        Ok(message) => message,
        Err(rejection) => return json_reply(&Reply::error(rejection.id, rejection.error)),
    };
    if message.kind != Kind::Request {
        if let Err(error) = check_version_header(headers, &message) {
            return json_reply(&Reply::error(None, error));
        }
        // Notifications and client responses: accepted, never answered.
        let _ = endpoint.mcp.dispatch(message, RequestEnv::default()).await;
        return StatusCode::ACCEPTED.into_response();
    }
    if let Err(error) = check_version_header(headers, &message).and_then(|()| check_modern_headers(headers, &message)) {
        return json_reply(&Reply::error(message.id, error));
    }

    let streams = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|accept| accept.contains("text/event-stream") || accept.contains("*/*"));
    let env = RequestEnv {
        call: CallEnv {
            request_id: Some(request_id),
            metadata: Some(Arc::new(HeaderMetadata(std::mem::take(&mut parts.headers)))),
            principal,
            cancel: None,
        },
        notifications: None,
    };
    if message.meta.progress_token.is_some() && message.method == Method::ToolsCall && streams {
        let slot = slot.detach(&endpoint.in_flight);
        return sse_reply(endpoint, message, env, slot);
    }
    match endpoint.mcp.dispatch(message, env).await {
        Some(reply) => json_reply(&reply),
        None => StatusCode::ACCEPTED.into_response(),
    }
}

impl Endpoint {
    /// `Origin` (any server) and `Host` (loopback servers: DNS rebinding) checks; 403 on failure.
    #[allow(clippy::result_large_err)]
    fn check_host_and_origin(&self, headers: &HeaderMap, uri_host: Option<&str>) -> Result<(), Response> {
        if self.loopback {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .map(host_name)
                .or(uri_host.map(|h| h.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()));
            if let Some(host) = host
                && !is_loopback_host(&host)
                && !self.allowed_hosts.contains(&host)
            {
                return Err(forbidden(format!(
                    "Host `{host}` is not allowed: this server listens on loopback and answers only localhost names"
                )));
            }
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return Ok(());
        };
        let origin = origin.to_str().unwrap_or("").trim_end_matches('/').to_ascii_lowercase();
        let allowed = self.allowed_origins.contains(&origin)
            || (self.loopback && origin_host(&origin).is_some_and(|h| is_loopback_host(&h)));
        if allowed {
            Ok(())
        } else {
            Err(forbidden(format!(
                "Origin `{origin}` is not allowed; add it with ServerConfig::allow_origin"
            )))
        }
    }
}

/// `MCP-Protocol-Version`: a version we speak, equal to the body's `_meta` version on modern requests.
fn check_version_header(headers: &HeaderMap, message: &Message) -> Result<(), RpcError> {
    let header = match headers.get("mcp-protocol-version") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .map_err(|_| version::header_mismatch("MCP-Protocol-Version is not valid ASCII"))?,
        ),
    };
    match (message.meta.version.as_deref(), header) {
        (Some(body), Some(header)) if body == header => Ok(()),
        (Some(body), Some(header)) => Err(version::header_mismatch(format!(
            "Header mismatch: MCP-Protocol-Version header value '{header}' does not match body value '{body}'"
        ))),
        (Some(body), None) if version::is_legacy(body) => Ok(()),
        (Some(_), None) if message.kind != Kind::Request => Ok(()),
        (Some(_), None) => Err(version::header_mismatch(
            "Header mismatch: the MCP-Protocol-Version header is required",
        )),
        (None, None) => Ok(()),
        (None, Some(header)) if version::is_legacy(header) => Ok(()),
        (None, Some(header)) if version::is_modern(header) && message.method != Method::Initialize => {
            Err(version::header_mismatch(format!(
                "Header mismatch: MCP-Protocol-Version is '{header}' but the body has no `_meta.{}`",
                version::META_VERSION
            )))
        }
        (None, Some(header)) if version::is_modern(header) => Ok(()),
        (None, Some(header)) => Err(version::unsupported(header)),
    }
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

/// A header value, decoding the `=?base64?...?=` sentinel form.
fn decode_header_value(value: &str) -> Option<String> {
    match value.strip_prefix("=?base64?").and_then(|v| v.strip_suffix("?=")) {
        Some(encoded) => String::from_utf8(base64_decode(encoded)?).ok(),
        None => Some(value.to_owned()),
    }
}

/// Standard-alphabet base64 with optional padding.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let input = input.trim_end_matches('=');
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in input.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// `application/json` (any parameters, any case): the only body type of `POST /mcp`.
fn is_json_type(content_type: &[u8]) -> bool {
    let essence = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    essence.eq_ignore_ascii_case(b"application/json")
}

/// The host name of a `Host` header value, lower-cased, without port or IPv6 brackets.
fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        })
    };
    name.to_ascii_lowercase()
}

/// The host name of an origin such as `http://localhost:3000`.
fn origin_host(origin: &str) -> Option<String> {
    let (_, rest) = origin.split_once("://")?;
    let authority = rest.split('/').next()?;
    Some(host_name(authority))
}

fn is_loopback_host(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host == "::1"
        || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

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

fn forbidden(message: String) -> Response {
    let reply = Reply::error(None, RpcError::new(code::INVALID_REQUEST, message));
    json_response(StatusCode::FORBIDDEN, reply.to_bytes())
}

fn too_large(limit: usize) -> Response {
    let error = RpcError::new(
        code::INVALID_REQUEST,
        format!("the request body is larger than the {limit}-byte limit"),
    );
    json_response(StatusCode::PAYLOAD_TOO_LARGE, Reply::error(None, error).to_bytes())
}

type ReplyFuture = Pin<Box<dyn Future<Output = Option<Reply>> + Send>>;

/// An SSE reply: progress notifications as they come, then the response.
///
/// The call runs inside the body stream, polled by the connection's own task:
/// no spawned task, and a client that disconnects drops the stream and with it
/// the call.
fn sse_reply(endpoint: Arc<Endpoint>, message: Message, mut env: RequestEnv, slot: OwnedSlot) -> Response {
    let (sender, receiver) = mpsc::unbounded_channel::<Vec<u8>>();
    env.notifications = Some(Arc::new(move |note| {
        let _ = sender.send(note);
    }));
    let call: ReplyFuture = Box::pin(async move { endpoint.mcp.dispatch(message, env).await });
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
    use super::*;

    #[test]
    fn host_names() {
        assert_eq!(host_name("localhost:3000"), "localhost");
        assert_eq!(host_name("[::1]:80"), "::1");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("Evil.Example.com:1"), "evil.example.com");
        assert_eq!(origin_host("http://[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(origin_host("null"), None);
        assert!(is_loopback_host("127.0.0.2") && is_loopback_host("localhost") && is_loopback_host("::1"));
        assert!(!is_loopback_host("evil.example.com") && !is_loopback_host("10.0.0.1"));
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
