//! REST routes, one per function. (Being built: issue 4.)

use axum::Router;
use registry_core::Registry;

use crate::{ServerConfig, ServerError};

pub(crate) fn router(_registry: &Registry, _config: &ServerConfig) -> Result<Router, ServerError> {
    Ok(Router::new())
}
