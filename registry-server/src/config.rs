//! [`ServerConfig`]: the settings every surface reads.

use std::time::Duration;

/// Settings for the HTTP surfaces; every field has a safe default.
///
/// ```
/// use registry_server::ServerConfig;
///
/// let config = ServerConfig::default()
///     .allow_origin("https://app.example.com")
///     .max_body_bytes(256 * 1024);
/// assert_eq!(config.body_limit(), 256 * 1024);
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub(crate) allowed_origins: Vec<String>,
    pub(crate) max_body_bytes: usize,
    pub(crate) debug_errors: bool,
    pub(crate) public_url: Option<String>,
    pub(crate) title: String,
    pub(crate) version: String,
    pub(crate) bound_to_loopback: bool,
    pub(crate) shutdown_grace: Duration,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            allowed_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            debug_errors: false,
            public_url: None,
            title: "API".to_owned(),
            version: "0.1.0".to_owned(),
            bound_to_loopback: true,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServerConfig {
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

    /// Title and version for the OpenAPI `info` object and the docs page.
    #[must_use]
    pub fn info(mut self, title: impl Into<String>, version: impl Into<String>) -> Self {
        self.title = title.into();
        self.version = version.into();
        self
    }

    /// Whether the server listens on loopback only (loopback origins are then allowed).
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

    /// The request body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }
}
