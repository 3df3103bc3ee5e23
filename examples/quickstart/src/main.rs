//! The smallest complete application: four functions, one `main`.
//!
//! `cargo run -p quickstart` serves them on http://127.0.0.1:3000 as MCP tools
//! (`/mcp`), REST routes (`/api/...`), OpenAPI (`/openapi.json`) and docs (`/docs`).

use std::process::ExitCode;

use quickstart as _; // link the functions: inventory only sees crates the binary names
use registry_core::Registry;

#[tokio::main]
async fn main() -> ExitCode {
    let registry = Registry::from_inventory().expect("function names are unique");
    // Name, version and description come from this crate's Cargo.toml.
    registry_server::app!().run(registry).await
}
