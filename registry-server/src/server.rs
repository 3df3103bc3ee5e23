//! [`Server`]: builds the router from a registry and runs it.

use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use registry_core::{Protocol, Registry, RegistryError};
use tokio::net::{TcpListener, ToSocketAddrs};

use crate::{ServerConfig, docs, health, mcp, openapi, rest};

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The registry is inconsistent (duplicate names or routes).
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
        let document = openapi::document(&self.registry, &self.config);
        let router = Router::new()
            .merge(mcp::router(&self.registry, &self.config)?)
            .merge(rest::router(&self.registry, &self.config)?)
            .merge(openapi::router(&document))
            .merge(docs::router(&self.registry, &self.config))
            .merge(health::router(&self.registry))
            .fallback(rest::not_found);
        Ok(router)
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
        let router = self.router()?;
        for warning in self.registry.warnings() {
            tracing::warn!("{warning}");
        }
        tracing::info!(
            address = %local,
            functions = self.registry.len(),
            mcp_tools = self.registry.exposed(Protocol::Mcp).count(),
            rest_routes = self.registry.exposed(Protocol::Rest).count(),
            "serving on http://{local}"
        );
        // Nagle's algorithm delays small writes such as SSE events by ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
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
