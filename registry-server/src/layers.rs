//! What every HTTP request passes, outermost first:
//!
//! 1. [`Edge`], wrapped once around the whole router: the request id (every
//!    response carries `x-request-id`: the caller's when it is 1 to 128
//!    visible ASCII characters, else a fresh one, handed to the handlers as
//!    a [`RequestId`] extension), 431 for headers over
//!    [`ServerConfig::max_header_bytes`], a span per request (`method`,
//!    `path`, `request_id`, later `tool` and `principal`) and one access event
//!    with `status` and `latency_ms`;
//! 2. CORS, when origins are configured;
//! 3. on `/mcp` and the REST routes: authentication (see [`crate::auth`]);
//! 4. in the `/mcp` and REST handlers: [`InFlight`], 503 + `Retry-After` once
//!    [`ServerConfig::max_in_flight`] requests are running.
//!
//! The edge is a hand-written service rather than `from_fn` plus
//! `tower-http`'s trace layer: it runs on every request, and those cost a
//! boxed clone of the inner service and a boxed future each.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll, ready};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{Extensions, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use registry_core::ApiError;
use tower::Service;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tracing::Span;

use crate::ServerConfig;
use crate::auth::{AuthError, Authorizer};
use crate::problem::{Problem, REQUEST_ID};

/// The outermost service: request id, header size limit, span and access event.
#[derive(Clone, Debug)]
pub(crate) struct Edge<S> {
    inner: S,
    max_header_bytes: usize,
    access_log: bool,
}

impl<S> Edge<S> {
    pub(crate) fn new(inner: S, config: &ServerConfig) -> Self {
        Edge {
            inner,
            max_header_bytes: config.max_header_bytes,
            access_log: config.access_log,
        }
    }

    /// The request's span, when its level is enabled (else a no-op span).
    fn span(&self, request: &Request, id: &str) -> Span {
        macro_rules! request_span {
            ($level:expr) => {
                tracing::span!(
                    $level,
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = id,
                    tool = tracing::field::Empty,
                    principal = tracing::field::Empty,
                )
            };
        }
        if self.access_log {
            request_span!(tracing::Level::INFO)
        } else {
            request_span!(tracing::Level::DEBUG)
        }
    }

    fn access_enabled(&self) -> bool {
        if self.access_log {
            tracing::enabled!(target: ACCESS, tracing::Level::INFO)
        } else {
            tracing::enabled!(target: ACCESS, tracing::Level::DEBUG)
        }
    }
}

/// The target of the one event logged per response.
const ACCESS: &str = "registry_server::access";

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request) -> Self::Future {
        let header_bytes: usize = request
            .headers()
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        let (id, header) = match request.headers().get(&REQUEST_ID) {
            Some(value) if is_sane_id(value.as_bytes()) => {
                (Arc::from(value.to_str().unwrap_or_default()), value.clone())
            }
            _ => {
                let id = registry_core::RequestId::generate().to_string();
                let shared = Arc::from(id.as_str());
                (
                    shared,
                    HeaderValue::try_from(id).unwrap_or_else(|_| HeaderValue::from_static("unknown")),
                )
            }
        };
        if header_bytes > self.max_header_bytes {
            let detail = format!(
                "the request headers total {header_bytes} bytes, more than the limit of {} bytes",
                self.max_header_bytes
            );
            let mut response = Problem::http(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "headers_too_large", detail)
                .with_request_id(&*id)
                .into_response();
            response.headers_mut().insert(REQUEST_ID, header);
            return EdgeFuture::Done {
                response: Some(response),
            };
        }
        let span = self.span(&request, &id);
        request.extensions_mut().insert(RequestId(id));
        let started = self.access_enabled().then(Instant::now);
        let future = span.in_scope(|| self.inner.call(request));
        EdgeFuture::Running {
            future,
            id: Some(header),
            span,
            started,
            access_log: self.access_log,
        }
    }
}

pin_project! {
    /// The response future of [`Edge`].
    #[project = EdgeProjection]
    pub(crate) enum EdgeFuture<F> {
        Done { response: Option<Response> },
        Running {
            #[pin]
            future: F,
            id: Option<HeaderValue>,
            span: Span,
            started: Option<Instant>,
            access_log: bool,
        },
    }
}

impl<F: Future<Output = Result<Response, Infallible>>> Future for EdgeFuture<F> {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match self.project() {
            EdgeProjection::Done { response } => {
                Poll::Ready(Ok(response.take().expect("EdgeFuture polled after completion")))
            }
            EdgeProjection::Running {
                future,
                id,
                span,
                started,
                access_log,
            } => {
                let _entered = span.enter();
                let Ok(mut response) = ready!(future.poll(cx));
                if let Some(id) = id.take() {
                    // Problem bodies have set the same id already.
                    response.headers_mut().insert(REQUEST_ID, id);
                }
                if let Some(started) = started {
                    let status = response.status().as_u16();
                    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
                    if *access_log {
                        tracing::info!(target: ACCESS, status, latency_ms, "response");
                    } else {
                        tracing::debug!(target: ACCESS, status, latency_ms, "response");
                    }
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

/// The request's id: the caller's `x-request-id` when it is 1 to 128 visible
/// ASCII characters, else a fresh one; [`Edge`] puts it into the request's
/// extensions (and on the response).
#[derive(Clone, Debug)]
pub(crate) struct RequestId(Arc<str>);

/// The id [`Edge`] gave the request (a fresh one if the request did not pass it).
pub(crate) fn request_id_of(extensions: &Extensions) -> Arc<str> {
    match extensions.get::<RequestId>() {
        Some(RequestId(id)) => Arc::clone(id),
        None => Arc::from(registry_core::RequestId::generate().to_string()),
    }
}

fn is_sane_id(id: &[u8]) -> bool {
    (1..=128).contains(&id.len()) && id.iter().all(u8::is_ascii_graphic)
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
            let id = request_id_of(request.extensions());
            let (status, kind) = match &error {
                AuthError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ApiError::unauthorized(error.to_string())),
                AuthError::Forbidden(_) => (StatusCode::FORBIDDEN, ApiError::forbidden(error.to_string())),
            };
            tracing::debug!(request_id = %id, status = status.as_u16(), "authentication failed: {error}");
            let mut response = match auth.surface {
                Surface::Http => Problem::from_api_error(&kind, false)
                    .with_request_id(&*id)
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

use crate::mcp::{OVERLOADED as MCP_OVERLOADED, UNAUTHORIZED as MCP_UNAUTHORIZED};

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

/// The limit on requests in flight, shared by `/mcp` and the REST routes.
#[derive(Debug)]
pub(crate) struct InFlight {
    running: AtomicUsize,
    limit: usize,
    retry_after: u32,
}

/// One request's slot in [`InFlight`], given back on drop; borrowed, so
/// taking it touches only the counter.
#[derive(Debug)]
pub(crate) struct Slot<'a>(&'a InFlight);

impl Slot<'_> {
    /// The same slot, owned: for a reply that outlives the handler (an SSE stream).
    pub(crate) fn detach(self, owner: &Arc<InFlight>) -> OwnedSlot {
        debug_assert!(std::ptr::eq(self.0, Arc::as_ptr(owner)));
        std::mem::forget(self);
        OwnedSlot(Arc::clone(owner))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A [`Slot`] held by a streaming reply.
#[derive(Debug)]
pub(crate) struct OwnedSlot(Arc<InFlight>);

impl Drop for OwnedSlot {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl InFlight {
    pub(crate) fn new(config: &ServerConfig) -> Arc<Self> {
        Arc::new(InFlight {
            running: AtomicUsize::new(0),
            limit: config.max_in_flight,
            retry_after: config.retry_after_secs,
        })
    }

    /// A slot for one request, held until its response (an SSE stream: until
    /// the stream ends); when every slot is taken, the 503 answer with
    /// `Retry-After`, shaped for `surface`.
    #[allow(clippy::result_large_err)]
    pub(crate) fn enter(&self, surface: Surface, request_id: &str) -> Result<Slot<'_>, Response> {
        // A counter, not a semaphore: nobody waits for a slot, and a release
        // is one atomic instruction rather than a lock both workers contend for.
        let taken = self.running.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < self.limit).then_some(n + 1)
        });
        if taken.is_ok() {
            return Ok(Slot(self));
        }
        let message = format!(
            "the server is at its limit of {} requests in flight; retry after {} s",
            self.limit, self.retry_after
        );
        tracing::warn!(limit = self.limit, "request shed: too many in flight");
        let mut response = match surface {
            Surface::Http => Problem::from_api_error(&ApiError::unavailable(message), false)
                .with_request_id(request_id)
                .into_response(),
            Surface::Mcp => rpc_error(StatusCode::SERVICE_UNAVAILABLE, MCP_OVERLOADED, &message),
        };
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after));
        Err(response)
    }
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
