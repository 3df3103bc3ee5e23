//! [`EdgeLayer`]: the outermost service (request id, header size limit, span
//! and access event).
//!
//! The edge is a hand-written `Service` with its own future rather than
//! `from_fn` plus `tower-http`'s trace layer: it runs on every request, and
//! those cost a boxed clone of the inner service and a boxed future each
//! (BENCHMARKS.md, "How the gap was closed": callgrind 49.2k → 34.0k
//! instructions per REST request together with the other changes listed
//! there). The [`Layer`] is only the constructor.

use std::convert::Infallible;
use std::fmt;
use std::future::{Future, Ready, ready as ready_future};
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, ready};
use std::time::Instant;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::response::Response;
use axum::serve::{IncomingStream, Listener};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::Span;

use super::Rejection;
use super::request_id::{RequestId, is_sane_id};
use crate::ServerConfig;
use crate::problem::REQUEST_ID;

/// Wraps a service in [`Edge`]; apply it once, around the whole router.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EdgeLayer {
    max_header_bytes: usize,
    access_log: bool,
}

impl EdgeLayer {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        EdgeLayer {
            max_header_bytes: config.max_header_bytes,
            access_log: config.access_log,
        }
    }
}

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            layer: *self,
            peer: None,
        }
    }
}

/// The outermost service: request id, header size limit, span and access event.
#[derive(Clone, Debug)]
pub(crate) struct Edge<S> {
    inner: S,
    layer: EdgeLayer,
    /// The connection's peer, when served through [`MakeEdge`].
    peer: Option<IpAddr>,
}

/// Makes one [`Edge`] per accepted connection, knowing its peer's address
/// (the callers' address for the rate-limit hook and [`registry_core::Context::client_addr`]).
#[derive(Clone, Debug)]
pub(crate) struct MakeEdge<S>(pub(crate) Edge<S>);

/// A listener's peer address, as the IP the call came from (none for a Unix socket).
pub(crate) trait PeerAddr {
    fn peer_ip(&self) -> Option<IpAddr>;
}

impl PeerAddr for SocketAddr {
    fn peer_ip(&self) -> Option<IpAddr> {
        Some(self.ip())
    }
}

#[cfg(unix)]
impl PeerAddr for tokio::net::unix::SocketAddr {
    fn peer_ip(&self) -> Option<IpAddr> {
        None
    }
}

impl<'a, L, S> Service<IncomingStream<'a, L>> for MakeEdge<S>
where
    L: Listener,
    L::Addr: PeerAddr,
    S: Clone,
{
    type Response = Edge<S>;
    type Error = Infallible;
    type Future = Ready<Result<Edge<S>, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'a, L>) -> Self::Future {
        let mut edge = self.0.clone();
        edge.peer = stream.remote_addr().peer_ip();
        ready_future(Ok(edge))
    }
}

/// 431: the request headers total more than [`ServerConfig::max_header_bytes`].
#[derive(Debug)]
pub(crate) struct HeadersTooLarge {
    pub(super) total: usize,
    pub(super) limit: usize,
}

impl fmt::Display for HeadersTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the request headers total {} bytes, more than the limit of {} bytes",
            self.total, self.limit
        )
    }
}

impl EdgeLayer {
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
        let (id, header): (Arc<str>, HeaderValue) = match request.headers().get(&REQUEST_ID) {
            Some(value) if is_sane_id(value.as_bytes()) => {
                let text = value.to_str().expect("a sane id is visible ASCII");
                (Arc::from(text), value.clone())
            }
            _ => {
                let id = registry_core::RequestId::generate();
                let text = id.as_str();
                let header = HeaderValue::from_str(text).expect("a generated id is visible ASCII");
                (Arc::from(text), header)
            }
        };
        let limit = self.layer.max_header_bytes;
        if header_bytes > limit {
            let rejection = Rejection::from(HeadersTooLarge {
                total: header_bytes,
                limit,
            });
            // Before routing no surface is known: a problem for all of them.
            let mut response = rejection.into_problem_response(&id);
            response.headers_mut().insert(REQUEST_ID, header);
            return EdgeFuture::Done {
                response: Some(response),
            };
        }
        let span = self.layer.span(&request, &id);
        request.extensions_mut().insert(RequestId(id, self.peer));
        let started = self.layer.access_enabled().then(Instant::now);
        let future = span.in_scope(|| self.inner.call(request));
        EdgeFuture::Running {
            future,
            id: Some(header),
            span,
            started,
            access_log: self.layer.access_log,
        }
    }
}

pin_project! {
    /// The response future of [`Edge`]: the inner future plus the response
    /// id and the access event, with no box.
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
