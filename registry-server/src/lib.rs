//! Serves a [`registry_core::Registry`] as MCP tools, REST routes, an OpenAPI
//! 3.1 document and a docs page, from one router and one call path.
//!
//! ```no_run
//! use registry_core::Registry;
//! use registry_server::{Server, ServerConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let registry = Registry::from_inventory()?;
//! Server::new(registry, ServerConfig::default()).serve("127.0.0.1:3000").await?;
//! # Ok(())
//! # }
//! ```
//!
//! | path | what |
//! | --- | --- |
//! | `POST /mcp` | MCP Streamable HTTP (legacy 2025 revisions and 2026-07-28) |
//! | `/api/{name}` | one REST route per function |
//! | `GET /openapi.json` | the OpenAPI 3.1 document |
//! | `GET /openapi-3.0.json` | the same as OpenAPI 3.0.3, for generators that do not read 3.1 ([`openapi::v30`]) |
//! | `GET /docs` | a self-contained docs page with a form per function |
//! | `GET`/`DELETE /api/tasks/{id}` | a long-running call's status, result or cancellation ([`tasks`]) |
//! | `GET /healthz` | liveness and function counts |
//! | `GET /.well-known/oauth-protected-resource` | RFC 9728 metadata (feature `oauth`, see `oauth`) |

mod app;
pub mod auth;
mod call_env;
mod cli;
mod config;
mod docs;
mod errors;
pub mod fingerprint;
mod health;
pub mod hooks;
mod http;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod mcp;
#[cfg(feature = "oauth")]
pub mod oauth;
pub mod openapi;
mod problem;
mod render;
mod rest;
pub mod schema_diff;
mod server;
pub mod tasks;
#[cfg(feature = "otel")]
pub mod telemetry;
#[cfg(not(feature = "otel"))]
#[path = "telemetry/off.rs"]
mod telemetry;
pub mod testing;

pub use app::{App, AppInfo, Contact};
pub use auth::{ApiKeys, AuthError, Authorizer};
/// The `axum` the router is built with, for [`ServerConfig::extend_router`].
pub use axum;
pub use cli::Cli;
pub use config::ServerConfig;
/// The JSON-RPC codes of `/mcp` requests turned away before dispatch: shed by
/// the in-flight limit (HTTP 503) and refused by authentication (HTTP 401/403).
#[doc(hidden)]
pub use mcp::{OVERLOADED as MCP_OVERLOADED, UNAUTHORIZED as MCP_UNAUTHORIZED};
pub use registry_core as core;
pub use server::{BasePath, Server, ServerError};
/// The `tower` the router is built with, for layers added through
/// [`ServerConfig::extend_router`].
pub use tower;

/// The depth check of the body reader, for the fuzz targets (`fuzz/src/lib.rs`).
#[doc(hidden)]
pub mod limits {
    pub use crate::http::json_too_deep;
}
