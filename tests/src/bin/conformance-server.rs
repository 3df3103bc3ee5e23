//! The fixture server the official MCP conformance suite runs against: the
//! `registry_tests` tools plus the resources, prompts and rich tool results
//! of `rich_fixtures.rs`. Same CLI as `fixture-server`.

use std::process::ExitCode;

use registry_core::Registry;
use registry_server::{Cli, ServerConfig};
use registry_tests as _;

#[allow(dead_code)]
#[path = "../rich_fixtures.rs"]
mod rich_fixtures;

#[tokio::main]
async fn main() -> ExitCode {
    let registry = match Registry::from_inventory() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = ServerConfig::default().info("registry conformance fixtures", env!("CARGO_PKG_VERSION"));
    Cli::parse_args().run(registry, config).await
}
