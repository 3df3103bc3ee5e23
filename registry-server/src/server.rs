//! [`Server`]: builds the router from a registry and runs it.

use std::future::IntoFuture;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::serve::ListenerExt;
use registry_core::{Protocol, Registry, RegistryError};
use tokio::net::{TcpListener, ToSocketAddrs};
use tower::Layer as _;

use crate::http::{self, Edge, EdgeLayer, InFlight, Rejection, protect};
use crate::{ServerConfig, docs, health, mcp, openapi, rest};

/// Why the server did not start.
///
/// `Debug` prints what `Display` prints, so an `.expect(..)` or a `main`
/// returning `Result` shows the readable message.
#[derive(thiserror::Error)]
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
    /// No function is registered, and the configuration did not allow an
    /// empty registry ([`ServerConfig::allow_empty`]).
    #[error(
        "no functions are registered, so there is nothing to serve. `#[api_function]`s defined in a \
         library crate are linked only when the binary names that crate: add `use my_functions as _;` \
         (your crate's name) to main.rs, and to each integration test. To serve an empty registry on \
         purpose, set `ServerConfig::allow_empty(true)`."
    )]
    EmptyRegistry,
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

impl std::fmt::Debug for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
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

    /// The same server with every task-capable function answering its calls
    /// directly (Lambda: the process may freeze once the response is sent,
    /// so nothing may run after it).
    #[cfg(feature = "lambda")]
    pub(crate) fn without_tasks(&self) -> Server {
        let mut server = self.clone();
        server.config.tasks_off = true;
        server
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
        #[cfg(feature = "oauth")]
        let with_oauth = crate::oauth::attach(&self.config, &self.registry);
        #[cfg(feature = "oauth")]
        let config = with_oauth.as_ref().unwrap_or(&self.config);
        #[cfg(not(feature = "oauth"))]
        let config = &self.config;
        let in_flight = InFlight::new(config);
        // One description of the REST routes, read by the router and both pages.
        let routes = Arc::new(rest::Routes::new(&self.registry)?);
        let mut pages = Router::new()
            .merge(openapi::router(Arc::clone(&routes), openapi::Settings::of(config)))
            .merge(docs::router(
                Arc::clone(&routes),
                docs::Settings {
                    title: config.app.display_title().to_owned(),
                    version: config.app.version.clone(),
                    icon: config.app.icon.clone(),
                },
            ))
            .merge(health::router(&self.registry));
        pages = crate::telemetry::routes(pages, config);
        if config.protect_docs {
            pages = protect(pages, config, Rejection::into_problem_response);
        }
        // RFC 9728 metadata: public, read before a client holds a token.
        #[cfg(feature = "oauth")]
        let pages = pages.merge(crate::oauth::routes(config, &self.registry));
        let origins = http::OriginCheck::new(config);
        let tasks = config.task_runner(&self.registry);
        let mcp_settings = mcp::Settings {
            security_schemes: config.has_oauth(),
            tasks: tasks.clone(),
            ..config.mcp_settings()
        };
        let mcp = mcp::router(&self.registry, &mcp_settings, origins, &in_flight);
        let rest = rest::router(&routes, config.rest_settings(), &in_flight)?;
        // `merge` re-inserts the routes it is given: the few go into the many.
        let mut router = protect(rest, config, Rejection::into_problem_response)
            .merge(protect(mcp, config, mcp::reject))
            .merge(pages)
            .fallback(rest::not_found);
        for extension in &config.extensions {
            router = (extension.0)(router);
        }
        if let Some(cors) = http::cors(config) {
            router = router.layer(cors);
        }
        if let Some(prefix) = &config.path_prefix {
            router = under_prefix(prefix, router);
            #[cfg(feature = "oauth")]
            {
                router = router.merge(crate::oauth::prefixed_routes(config, &self.registry, prefix));
            }
        }
        Ok((EdgeLayer::new(config).layer(router), routes))
    }

    /// Binds `addr` and serves until Ctrl-C or SIGTERM.
    pub async fn serve(self, addr: impl ToSocketAddrs) -> Result<(), ServerError> {
        let listener = TcpListener::bind(addr).await?;
        self.serve_on(listener).await
    }

    /// [`ServerError::EmptyRegistry`] for a registry without functions,
    /// unless the configuration allows it: a forgotten `use my_functions as _;`
    /// must not start a server that answers nothing.
    pub fn check_not_empty(&self) -> Result<(), ServerError> {
        if self.registry.is_empty() && !self.config.allow_empty {
            return Err(ServerError::EmptyRegistry);
        }
        Ok(())
    }

    /// Serves on an already bound listener until Ctrl-C or SIGTERM; refuses
    /// an empty registry ([`Server::check_not_empty`]). `/mcp`'s `Host`
    /// check follows the listener's address (on for loopback only).
    pub async fn serve_on(mut self, listener: TcpListener) -> Result<(), ServerError> {
        self.check_not_empty()?;
        let local: SocketAddr = listener.local_addr()?;
        self.config.bound_to_loopback = local.ip().is_loopback();
        // Nagle's algorithm delays small writes such as SSE events by ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!("cannot set TCP_NODELAY: {err}");
            }
        });
        self.serve_listener(listener, format!("http://{local}")).await
    }

    /// Binds the Unix socket `path` (replacing a stale socket file there)
    /// and serves until Ctrl-C or SIGTERM, for a reverse proxy on the same
    /// machine. `/mcp` makes no `Host` check there: no browser reaches a
    /// Unix socket but through that proxy.
    #[cfg(unix)]
    pub async fn serve_unix(mut self, path: impl AsRef<std::path::Path>) -> Result<(), ServerError> {
        use std::os::unix::fs::FileTypeExt as _;
        self.check_not_empty()?;
        let path = path.as_ref();
        if std::fs::symlink_metadata(path).is_ok_and(|meta| meta.file_type().is_socket()) {
            std::fs::remove_file(path)?;
        }
        let listener = tokio::net::UnixListener::bind(path)?;
        self.config.bound_to_loopback = false;
        self.serve_listener(listener, format!("unix:{}", path.display())).await
    }

    async fn serve_listener<L>(self, listener: L, local: String) -> Result<(), ServerError>
    where
        L: axum::serve::Listener,
        L::Addr: http::PeerAddr + std::fmt::Debug,
    {
        let (service, _) = self.service()?;
        for warning in self.registry.warnings() {
            tracing::warn!("{warning}");
        }
        let prefix = self.config.path_prefix.as_deref().unwrap_or_default();
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
            "serving on {local}{prefix}"
        );
        let (signalled, mut on_signal) = tokio::sync::watch::channel(false);
        let signal = async move {
            shutdown_signal().await;
            let _ = signalled.send(true);
        };
        let serve = axum::serve(listener, http::MakeEdge(service))
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
                crate::telemetry::flush().await;
                return Err(ServerError::GraceExpired);
            }
        }
        tracing::info!("every in-flight request finished; stopped");
        crate::telemetry::flush().await;
        Ok(())
    }
}

/// `router` served under `prefix`, each request telling the pages (a
/// [`BasePath`]) so their links and `servers` entry follow.
fn under_prefix(prefix: &str, router: Router) -> Router {
    let base: Arc<str> = Arc::from(prefix);
    let record = tower::util::MapRequestLayer::new(move |mut request: axum::extract::Request| {
        let extensions = request.extensions_mut();
        let path = match extensions.remove::<BasePath>() {
            // Behind an API Gateway stage too: `/Prod/v1`.
            Some(BasePath(stage)) => format!("{stage}{base}"),
            None => base.to_string(),
        };
        extensions.insert(BasePath(path));
        request
    });
    Router::new()
        .nest(prefix, router)
        .fallback(rest::not_found)
        .layer(record)
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
