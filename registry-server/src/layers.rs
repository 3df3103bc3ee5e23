//! The middleware every HTTP request passes, outermost first:
//!
//! 1. request id and header size: every response carries `x-request-id` (the
//!    caller's when it is 1 to 128 visible ASCII characters, else a fresh
//!    one, also written into the request for the handlers); a request whose
//!    headers exceed [`ServerConfig::max_header_bytes`] gets 431;
//! 2. a `tower-http` trace span per request (`method`, `route`, `tool`,
//!    `request_id`) and one access event with `status` and `latency_ms`;
//! 3. CORS, when origins are configured;
//! 4. on `/mcp` and the REST routes: authentication (see [`crate::auth`]),
//!    then the in-flight limit (503 + `Retry-After` once
//!    [`ServerConfig::max_in_flight`] requests are running).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use registry_core::ApiError;
use tokio::sync::Semaphore;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Span;

use crate::ServerConfig;
use crate::auth::{AuthError, Authorizer};
use crate::problem::{Problem, REQUEST_ID};

/// Settings read by the outermost layer.
#[derive(Debug)]
pub(crate) struct Edge {
    pub(crate) max_header_bytes: usize,
}

/// Ensures `x-request-id` on the request and the response; rejects oversized headers.
pub(crate) async fn edge(State(edge): State<Arc<Edge>>, mut request: Request, next: Next) -> Response {
    let header_bytes: usize = request
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    let id = match request.headers().get(&REQUEST_ID) {
        Some(value) if is_sane_id(value.as_bytes()) => value.clone(),
        _ => fresh_id(),
    };
    let mut response = if header_bytes > edge.max_header_bytes {
        let detail = format!(
            "the request headers total {header_bytes} bytes, more than the limit of {} bytes",
            edge.max_header_bytes
        );
        Problem::http(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", detail)
            .with_request_id(String::from_utf8_lossy(id.as_bytes()))
            .into_response()
    } else {
        request.headers_mut().insert(REQUEST_ID, id.clone());
        next.run(request).await
    };
    response.headers_mut().entry(REQUEST_ID).or_insert(id);
    response
}

fn is_sane_id(id: &[u8]) -> bool {
    (1..=128).contains(&id.len()) && id.iter().all(u8::is_ascii_graphic)
}

fn fresh_id() -> HeaderValue {
    HeaderValue::from_str(&registry_core::Context::new_request_id())
        .unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Which surface a guard protects; decides the shape of its error bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Surface {
    /// `/mcp`: JSON-RPC error bodies.
    Mcp,
    /// REST routes and the public pages: problem bodies.
    Http,
}

/// Authentication state of one surface.
#[derive(Debug)]
pub(crate) struct Auth {
    pub(crate) authorizer: Arc<dyn Authorizer>,
    pub(crate) surface: Surface,
}

/// Runs the authorizer; on success the [`Principal`](registry_core::Principal) goes into the request's extensions.
pub(crate) async fn authenticate(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let outcome = auth.authorizer.authorize(request.headers()).await;
    match outcome {
        Ok(principal) => {
            tracing::Span::current().record("principal", principal.id.as_str());
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => {
            let id = request_id(&request);
            let (status, kind) = match &error {
                AuthError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ApiError::unauthorized(error.to_string())),
                AuthError::Forbidden(_) => (StatusCode::FORBIDDEN, ApiError::forbidden(error.to_string())),
            };
            tracing::debug!(request_id = %id, status = status.as_u16(), "authentication failed: {error}");
            let mut response = match auth.surface {
                Surface::Http => Problem::from_api_error(&kind, false)
                    .with_request_id(id)
                    .into_response(),
                Surface::Mcp => rpc_error(status, MCP_UNAUTHORIZED, &error.to_string()),
            };
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, auth.authorizer.challenge());
            }
            response
        }
    }
}

/// The JSON-RPC code of an `/mcp` request turned away by authentication (HTTP 401/403).
pub const MCP_UNAUTHORIZED: i32 = -32001;
/// The JSON-RPC code of an `/mcp` request shed by the in-flight limit (HTTP 503).
pub const MCP_OVERLOADED: i32 = -32000;

fn request_id(request: &Request) -> String {
    request
        .headers()
        .get(&REQUEST_ID)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default()
}

fn rpc_error(status: StatusCode, code: i32, message: &str) -> Response {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    });
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The in-flight limit of one surface (the semaphore is shared by all).
#[derive(Debug)]
pub(crate) struct InFlight {
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) limit: usize,
    pub(crate) retry_after: u32,
    pub(crate) surface: Surface,
}

/// Sheds the request with 503 when every slot is taken; an SSE reply keeps its slot until the stream ends.
pub(crate) async fn limit_in_flight(State(limit): State<Arc<InFlight>>, request: Request, next: Next) -> Response {
    let Ok(permit) = Arc::clone(&limit.permits).try_acquire_owned() else {
        let message = format!(
            "the server is at its limit of {} requests in flight; retry after {} s",
            limit.limit, limit.retry_after
        );
        tracing::warn!(limit = limit.limit, "request shed: too many in flight");
        let mut response = match limit.surface {
            Surface::Http => Problem::from_api_error(&ApiError::unavailable(message), false)
                .with_request_id(request_id(&request))
                .into_response(),
            Surface::Mcp => rpc_error(StatusCode::SERVICE_UNAVAILABLE, MCP_OVERLOADED, &message),
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(limit.retry_after));
        return response;
    };
    let response = next.run(request).await;
    let streams = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    if !streams {
        return response;
    }
    let (parts, body) = response.into_parts();
    let stream = body.into_data_stream().map(move |chunk| {
        let _held = &permit;
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// CORS for the configured origins, or `None` when CORS is off.
pub(crate) fn cors(config: &ServerConfig) -> Option<CorsLayer> {
    if config.cors_origins.is_empty() {
        return None;
    }
    let origins: Vec<HeaderValue> = config
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    let allow = [
        header::CONTENT_TYPE,
        header::AUTHORIZATION,
        header::ACCEPT,
        HeaderName::from_static("x-api-key"),
        REQUEST_ID,
        HeaderName::from_static("mcp-protocol-version"),
        HeaderName::from_static("mcp-method"),
        HeaderName::from_static("mcp-name"),
        HeaderName::from_static("mcp-session-id"),
        HeaderName::from_static("last-event-id"),
    ];
    let expose = [
        REQUEST_ID,
        header::WWW_AUTHENTICATE,
        header::RETRY_AFTER,
        HeaderName::from_static("mcp-session-id"),
    ];
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers(allow)
            .expose_headers(expose)
            .max_age(Duration::from_secs(600)),
    )
}

/// The span of one request: method, route, request id; `tool` and
/// `principal` are filled in later. `INFO` with access logs on, else `DEBUG`
/// (a disabled span costs nothing, and error events carry the request id
/// themselves).
pub(crate) fn make_span(info: bool) -> impl Fn(&Request) -> Span + Clone {
    macro_rules! request_span {
        ($level:expr, $request:expr, $route:expr, $id:expr) => {
            tracing::span!(
                $level,
                "request",
                method = %$request.method(),
                route = %$route,
                request_id = %$id,
                tool = tracing::field::Empty,
                principal = tracing::field::Empty,
            )
        };
    }
    move |request: &Request| {
        let enabled = if info {
            tracing::enabled!(tracing::Level::INFO)
        } else {
            tracing::enabled!(tracing::Level::DEBUG)
        };
        if !enabled {
            return Span::none();
        }
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| request.uri().path(), MatchedPath::as_str);
        let id = request
            .headers()
            .get(&REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if info {
            request_span!(tracing::Level::INFO, request, route, id)
        } else {
            request_span!(tracing::Level::DEBUG, request, route, id)
        }
    }
}

/// The access event, at `INFO` when access logs are on, else `DEBUG`.
pub(crate) fn on_response(info: bool) -> impl Fn(&Response, Duration, &Span) + Clone {
    move |response: &Response, latency: Duration, _span: &Span| {
        let status = response.status().as_u16();
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if info {
            tracing::info!(target: "registry_server::access", status, latency_ms, "response");
        } else {
            tracing::debug!(target: "registry_server::access", status, latency_ms, "response");
        }
    }
}
