//! AWS Lambda: the very same router, run under `lambda_http` (feature `lambda`).
//!
//! API Gateway REST (v1) and HTTP API (v2) events, Lambda Function URLs and
//! ALB are all served. Behind a named API Gateway stage the path arrives as
//! `/Prod/api/...`; [`service`] strips the stage before routing and records it
//! as a [`BasePath`], which the OpenAPI document (its `servers` entry) and the
//! docs page (its links) honour. MCP needs nothing special: the server keeps
//! no session state, so any instance answers any request, warm or cold.
//!
//! ```no_run
//! # async fn run() -> Result<(), lambda_http::Error> {
//! use registry_core::Registry;
//! use registry_server::{Server, ServerConfig};
//!
//! let server = Server::new(Registry::from_inventory()?, ServerConfig::default().bound_to_loopback(false));
//! registry_server::lambda::run(server).await
//! # }
//! ```

use std::net::IpAddr;

use axum::Router;
use axum::http::Request;
use axum::http::uri::{PathAndQuery, Uri};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use tower::ServiceExt as _;
use tower::util::MapRequest;

use crate::http::ClientAddr;
use crate::{BasePath, Server, ServerError};

/// The Lambda handler service: the server's router behind the stage stripper.
pub type LambdaService = MapRequest<Router, fn(Request<lambda_http::Body>) -> Request<lambda_http::Body>>;

/// The service `lambda_http` runs: [`Server::router`] with the API Gateway
/// stage moved from the path into a [`BasePath`] extension, and the event's
/// source IP recorded as the caller's address.
///
/// Tasks are off: a function declared `task = "optional"` or `"required"`
/// runs to completion inside the invocation and answers normally (the
/// runtime may freeze the process once a response is sent, so a task could
/// not go on running after it), and no task capability is advertised.
pub fn service(server: &Server) -> Result<LambdaService, ServerError> {
    let router = server.without_tasks().router()?;
    Ok(router.map_request(prepare as fn(_) -> _))
}

fn prepare(request: Request<lambda_http::Body>) -> Request<lambda_http::Body> {
    let mut request = strip_stage(request);
    if let Some(ip) = source_ip(&request) {
        request.extensions_mut().insert(ClientAddr(ip));
    }
    request
}

/// The caller's address API Gateway or a function URL reports.
fn source_ip(request: &Request<lambda_http::Body>) -> Option<IpAddr> {
    let ip = match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context.identity.source_ip.as_deref(),
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.as_deref(),
        _ => None,
    }?;
    ip.parse().ok()
}

/// Runs `server` as a Lambda function until the runtime stops it. With
/// feature `otel`, spans and metrics are flushed after each invocation
/// ([`crate::telemetry::FlushAfterEach`]).
pub async fn run(server: Server) -> Result<(), lambda_http::Error> {
    #[cfg(feature = "otel")]
    return lambda_http::run(crate::telemetry::FlushAfterEach(service(&server)?)).await;
    #[cfg(not(feature = "otel"))]
    lambda_http::run(service(&server)?).await
}

fn stage(request: &Request<lambda_http::Body>) -> Option<String> {
    let stage = match request.request_context_ref()? {
        RequestContext::ApiGatewayV1(context) => context.stage.clone(),
        RequestContext::ApiGatewayV2(context) => context.stage.clone(),
        _ => None,
    }?;
    (!stage.is_empty() && stage != "$default").then_some(stage)
}

fn strip_stage(mut request: Request<lambda_http::Body>) -> Request<lambda_http::Body> {
    let Some(stage) = stage(&request) else {
        return request;
    };
    let prefix = format!("/{stage}");
    let path = request.uri().path();
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return request,
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_owned(),
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = PathAndQuery::try_from(path_and_query).ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
        request.extensions_mut().insert(BasePath(prefix));
    }
    request
}
