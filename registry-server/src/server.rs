//! [`Server`]: builds the router from a registry and runs it.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use axum::{Router, ServiceExt as _};
use registry_core::{Protocol, Registry, RegistryError};
use tokio::net::{TcpListener, ToSocketAddrs};
use tower::Layer as _;

use crate::http::{self, Edge, EdgeLayer, InFlight, Rejection, protect};
use crate::{ServerConfig, docs, health, mcp, openapi, rest};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The registry is inconsistent (duplicate names).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A function's route could not be built.
    #[error("cannot expose `{function}` over {protocol}: {reason}")]
    Route {
        /// The function.
        function: String,
        /// `"REST"` or `"MCP"`.
        protocol: &'static str,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// Binding or serving failed.
    #[error("server I/O failed: {0}")]
    Io(#[from] std::io::Error),
    /// After a shutdown signal, calls were still running when the grace
    /// period ended; they were cancelled (dropped). Sync functions still on
    /// the blocking pool keep their thread until they return, so a binary
    /// should exit now rather than wait for the runtime to drop (the CLI does).
    #[error("the shutdown grace period ended with calls still in flight; they were cancelled")]
    GraceExpired,
}

/// The path prefix the router is reached under (an API Gateway stage such as
/// `/Prod`), set as a request extension by whatever strips it. The OpenAPI
/// document and the docs page put it in front of every URL they show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasePath(pub String);

/// A registry plus settings; builds the one router every transport runs.
#[derive(Clone, Debug)]
pub struct Server {
    registry: Registry,
    config: ServerConfig,
}

impl Server {
    /// A server for `registry`.
    pub fn new(registry: Registry, config: ServerConfig) -> Self {
        Server { registry, config }
    }

    /// The registry served.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// The axum router with every surface; fails, naming the function, if any
    /// route cannot be built.
    pub fn router(&self) -> Result<Router, ServerError> {
        let (service, _) = self.service()?;
        Ok(Router::new().fallback_service(service))
    }

    /// [`Server::router`] and the REST description it was built from.
    pub(crate) fn router_and_routes(&self) -> Result<(Router, Arc<rest::Routes>), ServerError> {
        let (service, routes) = self.service()?;
        Ok((Router::new().fallback_service(service), routes))
    }

    /// What [`Server::router`] holds; served directly, it saves a second
    /// routing step per request. Each surface renders the rejections of the
    /// shared layers its own way: problems on REST and the pages, JSON-RPC
    /// errors on `/mcp`.
    fn service(&self) -> Result<(Edge<Router>, Arc<rest::Routes>), ServerError> {
        let config = &self.config;
        let in_flight = InFlight::new(config);
        // One description of the REST routes, read by the router and both pages.
        let routes = Arc::new(rest::Routes::new(&self.registry)?);
        let mut pages = Router::new()
            .merge(openapi::router(Arc::clone(&routes), openapi::Settings::of(config)))
            .merge(docs::router(
                Arc::clone(&routes),
                docs::Settings {
                    title: config.title.clone(),
                    version: config.version.clone(),
                    icon: config.icon.clone(),
                },
            ))
            .merge(health::router(&self.registry));
        if config.protect_docs {
            pages = protect(pages, config, Rejection::into_problem_response);
        }
        let origins = http::OriginCheck::new(config);
        let mcp = mcp::router(&self.registry, &config.mcp_settings(), origins, &in_flight);
        let rest = rest::router(&routes, config.rest_settings(), &in_flight)?;
        // `merge` re-inserts the routes it is given: the few go into the many.
        let mut router = protect(rest, config, Rejection::into_problem_response)
            .merge(protect(mcp, config, mcp::reject))
            .merge(pages)
            .fallback(rest::not_found);
        if let Some(cors) = http::cors(config) {
            router = router.layer(cors);
        }
        Ok((EdgeLayer::new(config).layer(router), routes))
    }

    /// Binds `addr` and serves until Ctrl-C or SIGTERM.
    pub async fn serve(self, addr: impl ToSocketAddrs) -> Result<(), ServerError> {
        let listener = TcpListener::bind(addr).await?;
        self.serve_on(listener).await
    }

    /// Serves on an already bound listener until Ctrl-C or SIGTERM.
    pub async fn serve_on(mut self, listener: TcpListener) -> Result<(), ServerError> {
        let local: SocketAddr = listener.local_addr()?;
        self.config.bound_to_loopback = local.ip().is_loopback();
        let (service, _) = self.service()?;
        for warning in self.registry.warnings() {
            tracing::warn!("{warning}");
        }
        let on_mcp = |f: fn(&registry_core::ApiFunction) -> bool| {
            self.registry.exposed(Protocol::Mcp).filter(|e| f(e.function())).count()
        };
        tracing::info!(
            address = %local,
            functions = self.registry.len(),
            mcp_tools = on_mcp(|f| f.is_tool()),
            mcp_resources = on_mcp(|f| f.resource().is_some()),
            mcp_prompts = on_mcp(|f| f.prompt().is_some()),
            rest_routes = self.registry.exposed(Protocol::Rest).count(),
            "serving on http://{local}"
        );
        // Nagle's algorithm delays small writes such as SSE events by ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
        let signal = async move {
            shutdown_signal().await;
            let _ = signalled.send(true);
        };
        let serve = axum::serve(listener, service.into_make_service())
            .with_graceful_shutdown(signal)
            .into_future();
        let grace = self.config.shutdown_grace;
        let deadline = async move {
            let _ = on_signal.wait_for(|s| *s).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            served = serve => served?,
            () = deadline => {
                tracing::warn!(
                    grace_ms = grace.as_millis() as u64,
                    "shutdown grace period over; cancelling the calls still in flight"
                );
                return Err(ServerError::GraceExpired);
            }
        }
        tracing::info!("every in-flight request finished; stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
