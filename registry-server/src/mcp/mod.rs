//! MCP over Streamable HTTP (`/mcp`) and stdio. (Being built: issue 3.)

use axum::Router;
use registry_core::Registry;

use crate::{ServerConfig, ServerError};

pub(crate) fn router(_registry: &Registry, _config: &ServerConfig) -> Result<Router, ServerError> {
    Ok(Router::new())
}

/// Serves MCP over stdin/stdout until stdin closes. (Being built: issue 3.)
pub async fn serve_stdio(_registry: Registry, _config: ServerConfig) -> std::io::Result<()> {
    Err(std::io::Error::other("stdio transport not built yet"))
}
