//! Serves a [`registry_core::Registry`] over MCP, REST, OpenAPI and a docs page.

pub use registry_core as core;
