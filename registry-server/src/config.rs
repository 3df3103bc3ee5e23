//! [`ServerConfig`]: the settings every surface reads.

use std::sync::Arc;
use std::time::Duration;

use crate::AppInfo;
use crate::auth::Authorizer;

/// Settings for the HTTP surfaces; every field has a safe default.
///
/// | limit | default | when hit |
/// | --- | --- | --- |
/// | [`max_body_bytes`](Self::max_body_bytes) | 1 MiB | 413 problem / HTTP 413 with a JSON-RPC error |
/// | [`max_json_depth`](Self::max_json_depth) | 64 | 400 problem `json_too_deep` / HTTP 400, JSON-RPC -32600 |
/// | [`max_in_flight`](Self::max_in_flight) | 512 | 503 + `Retry-After` (problem on REST, JSON-RPC -32000 on `/mcp`) |
/// | [`max_header_bytes`](Self::max_header_bytes) | 16 KiB | 431 problem `headers_too_large` |
/// | per-function `timeout` / registry default | 30 s | 504 problem / `isError` result of kind `timeout` |
/// | [`shutdown_grace`](Self::shutdown_grace) | 10 s | remaining calls are cancelled, the server returns |
///
/// ```
/// use registry_server::ServerConfig;
///
/// let config = ServerConfig::default()
///     .allow_origin("https://app.example.com")
///     .max_body_bytes(256 * 1024);
/// # let _ = config;
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) max_body_bytes: usize,
    pub(crate) debug_errors: bool,
    pub(crate) public_url: Option<String>,
    pub(crate) app: AppInfo,
    pub(crate) bound_to_loopback: bool,
    pub(crate) shutdown_grace: Duration,
    pub(crate) max_json_depth: usize,
    pub(crate) max_in_flight: usize,
    pub(crate) retry_after_secs: u32,
    pub(crate) max_header_bytes: usize,
    pub(crate) authorizer: Option<Arc<dyn Authorizer>>,
    pub(crate) protect_docs: bool,
    pub(crate) cors_origins: Vec<String>,
    pub(crate) access_log: bool,
    pub(crate) allow_empty: bool,
    pub(crate) extensions: Vec<RouterExtension>,
    pub(crate) path_prefix: Option<String>,
    pub(crate) tags: Vec<(String, String)>,
    /// The OAuth resource server, when configured ([`ServerConfig::oauth`]).
    #[cfg(feature = "oauth")]
    pub(crate) oauth: Option<crate::oauth::OAuth>,
    /// OpenTelemetry settings (`crate::telemetry`; empty without feature `otel`).
    pub(crate) telemetry: crate::telemetry::Settings,
    /// The task store and its bounds ([`ServerConfig::tasks`]); the default
    /// in-memory store when `None`.
    pub(crate) tasks: Option<crate::tasks::TaskConfig>,
    /// Whether task-capable functions answer every call directly (Lambda).
    pub(crate) tasks_off: bool,
}

/// A function that adds to the server's router (see [`ServerConfig::extend_router`]).
#[derive(Clone)]
pub(crate) struct RouterExtension(pub(crate) Arc<dyn Fn(axum::Router) -> axum::Router + Send + Sync>);

impl std::fmt::Debug for RouterExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RouterExtension")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            debug_errors: false,
            public_url: None,
            app: AppInfo::default(),
            bound_to_loopback: true,
            shutdown_grace: Duration::from_secs(10),
            max_json_depth: 64,
            max_in_flight: 512,
            retry_after_secs: 1,
            max_header_bytes: 16 * 1024,
            authorizer: None,
            protect_docs: false,
            cors_origins: Vec::new(),
            access_log: false,
            allow_empty: false,
            extensions: Vec::new(),
            path_prefix: None,
            tags: Vec::new(),
            #[cfg(feature = "oauth")]
            oauth: None,
            telemetry: Default::default(),
            tasks: None,
            tasks_off: false,
        }
    }
}

impl ServerConfig {
    /// Adds routes or tower layers to the server's router: `extend` gets the
    /// router (`/mcp`, the REST routes, the pages) and returns the one to
    /// serve, keeping the command line, the limits, graceful shutdown and
    /// the request ids and access log, which wrap whatever it returns. Calls
    /// compose, in order. `registry_server::axum` and `registry_server::tower`
    /// are the versions the router is built with.
    ///
    /// ```
    /// use registry_server::axum::routing::get;
    /// use registry_server::ServerConfig;
    ///
    /// let config = ServerConfig::default()
    ///     .extend_router(|router| router.route("/version", get(|| async { env!("CARGO_PKG_VERSION") })))
    ///     .path_prefix("/v1");
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn extend_router(mut self, extend: impl Fn(axum::Router) -> axum::Router + Send + Sync + 'static) -> Self {
        self.extensions.push(RouterExtension(Arc::new(extend)));
        self
    }

    /// Serves everything under `prefix` (such as `/v1`): `/v1/mcp`,
    /// `/v1/api/...`, `/v1/docs`, `/v1/openapi.json` (whose `servers` entry
    /// names the prefix) and the routes added with
    /// [`ServerConfig::extend_router`].
    #[must_use]
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let prefix = format!("/{}", prefix.trim_matches('/'));
        self.path_prefix = (prefix != "/").then_some(prefix);
        self
    }

    /// Lets the server start with no function registered (refused by
    /// default: it usually means the crate defining them is not linked).
    #[must_use]
    pub fn allow_empty(mut self, allow: bool) -> Self {
        self.allow_empty = allow;
        self
    }

    /// Allows browser requests to `/mcp` from `origin` (such as `https://app.example.com`).
    #[must_use]
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins
            .push(origin.into().trim_end_matches('/').to_owned());
        self
    }

    /// The largest request body accepted (default 1 MiB); larger ones get 413.
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Sends internal error details (panic messages) to clients. Development only.
    #[must_use]
    pub fn debug_errors(mut self, on: bool) -> Self {
        self.debug_errors = on;
        self
    }

    /// The URL clients reach the server at, used as the OpenAPI `servers` entry.
    #[must_use]
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_owned());
        self
    }

    /// Describes the tag `name` (`tags = ["mining"]` on functions) in the
    /// OpenAPI document's `tags` list, which names the tags described here
    /// first, in this order, then the others by name; a tag without a
    /// description gets a generated one. Tags no visible function carries are
    /// left out.
    ///
    /// ```
    /// use registry_server::ServerConfig;
    ///
    /// let config = ServerConfig::default()
    ///     .tag("network", "Live state of the Bitcoin network, read from the upstream.")
    ///     .tag("compute", "Pure conversions and estimates; no upstream call.");
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn tag(mut self, name: impl Into<String>, description: impl Into<String>) -> Self {
        let (name, description) = (name.into(), description.into());
        match self.tags.iter_mut().find(|(known, _)| *known == name) {
            Some(entry) => entry.1 = description,
            None => self.tags.push((name, description)),
        }
        self
    }

    /// The application's name and version, for MCP `serverInfo`, the
    /// OpenAPI `info` object and the docs page; [`ServerConfig::app`] says more
    /// (title, description, website, instructions), and
    /// [`app!`](crate::app!) reads it all from the application's `Cargo.toml`.
    #[must_use]
    pub fn info(mut self, name: impl Into<String>, version: impl Into<String>) -> Self {
        self.app.name = name.into();
        self.app.version = version.into();
        self
    }

    /// The application's identity (see [`AppInfo`]).
    #[must_use]
    pub fn app(mut self, info: AppInfo) -> Self {
        self.app = info;
        self
    }

    /// The application's identity.
    pub fn app_info(&self) -> &AppInfo {
        &self.app
    }

    /// Whether the server listens on loopback only: `/mcp` then answers only
    /// requests whose `Host` is a loopback name (DNS rebinding), and allows
    /// loopback `Origin`s. [`Server::serve`](crate::Server::serve) and
    /// `serve_on` set it from the address they listen on, overriding this
    /// value; it counts for [`Server::router`](crate::Server::router) and
    /// Lambda, where the server cannot see its listener (default `true`).
    #[must_use]
    pub fn bound_to_loopback(mut self, loopback: bool) -> Self {
        self.bound_to_loopback = loopback;
        self
    }

    /// How long in-flight calls may finish after a shutdown signal (default 10 s).
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.shutdown_grace = grace;
        self
    }

    /// The deepest nesting of arrays and objects accepted in a JSON body
    /// (default 64); deeper bodies are rejected before they are decoded.
    #[must_use]
    pub fn max_json_depth(mut self, depth: usize) -> Self {
        self.max_json_depth = depth.max(1);
        self
    }

    /// How many requests to `/mcp` and the REST routes may run at once
    /// (default 512); the excess is shed at once with 503 and `Retry-After`,
    /// never queued. SSE replies hold their slot until the stream ends.
    #[must_use]
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.max_in_flight = calls.max(1);
        self
    }

    /// The `Retry-After` seconds sent with a 503 when [`max_in_flight`](Self::max_in_flight) is hit (default 1).
    #[must_use]
    pub fn retry_after(mut self, seconds: u32) -> Self {
        self.retry_after_secs = seconds;
        self
    }

    /// The largest total size of request header names and values (default
    /// 16 KiB); larger requests get 431. hyper's own caps (100 headers, about
    /// 400 KiB of buffered head) apply before this and close the connection.
    #[must_use]
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// Requires every request to `/mcp` and the REST routes to pass
    /// `authorizer` (see [`crate::auth`]); its [`Principal`](registry_core::Principal)
    /// reaches functions as `ctx.principal()` and the registry's per-function
    /// `scopes` are checked against it.
    #[must_use]
    pub fn authorizer(mut self, authorizer: impl Authorizer) -> Self {
        self.authorizer = Some(Arc::new(authorizer));
        self
    }

    /// Also puts `/docs`, `/openapi.json` and `/healthz` behind the
    /// authorizer (default: they stay public).
    #[must_use]
    pub fn protect_docs(mut self, protect: bool) -> Self {
        self.protect_docs = protect;
        self
    }

    /// Answers CORS requests from the browser origin `origin` (CORS is off
    /// until one is added); the origin is also allowed to call `/mcp`.
    #[must_use]
    pub fn cors_origin(mut self, origin: impl Into<String>) -> Self {
        let origin = origin.into().trim_end_matches('/').to_owned();
        self.allowed_origins.push(origin.clone());
        self.cors_origins.push(origin);
        self
    }

    /// Logs one event per response at `INFO` on the
    /// `registry_server::access` target (off: at `DEBUG`), with `status` and
    /// `latency_ms`, inside the request's span, which carries `method`,
    /// `path`, `request_id`, and `tool` (MCP calls) and `principal` (when
    /// authenticated) once known.
    #[must_use]
    pub fn access_log(mut self, on: bool) -> Self {
        self.access_log = on;
        self
    }

    /// The configured authorizer, if any.
    pub fn authorizer_ref(&self) -> Option<&Arc<dyn Authorizer>> {
        self.authorizer.as_ref()
    }

    /// Whether OAuth access tokens are accepted (feature `oauth`, `ServerConfig::oauth`).
    pub fn has_oauth(&self) -> bool {
        #[cfg(feature = "oauth")]
        return self.oauth.is_some();
        #[cfg(not(feature = "oauth"))]
        false
    }

    /// The shutdown grace period.
    pub fn grace(&self) -> Duration {
        self.shutdown_grace
    }

    /// Where tasks live and how long (see [`crate::tasks`]); without it, a
    /// registry with task-capable functions keeps them in this process's
    /// memory ([`InMemoryTaskStore`](crate::tasks::InMemoryTaskStore)).
    #[must_use]
    pub fn tasks(mut self, tasks: crate::tasks::TaskConfig) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// The tasks of `registry` under this configuration: `None` when no
    /// function is task-capable, or on Lambda.
    pub(crate) fn task_runner(&self, registry: &registry_core::Registry) -> Option<Arc<crate::tasks::Tasks>> {
        if self.tasks_off {
            return None;
        }
        crate::tasks::Tasks::new(registry, self.tasks.clone())
    }

    /// What the MCP adapter needs.
    pub(crate) fn mcp_settings(&self) -> crate::mcp::Settings {
        crate::mcp::Settings {
            info: self.app.clone(),
            debug_errors: self.debug_errors,
            page_size: crate::mcp::LIST_PAGE_SIZE,
            max_message_bytes: self.max_body_bytes,
            max_json_depth: self.max_json_depth,
            shutdown_grace: self.shutdown_grace,
            security_schemes: false,
            tasks: None,
        }
    }

    /// What the REST adapter needs.
    pub(crate) fn rest_settings(&self) -> crate::rest::Settings {
        crate::rest::Settings {
            max_body_bytes: self.max_body_bytes,
            max_json_depth: self.max_json_depth,
            debug_errors: self.debug_errors,
        }
    }
}
