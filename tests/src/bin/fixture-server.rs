//! The test fixtures behind the full CLI: `fixture-server serve --port N`, `fixture-server stdio`, ...

use std::process::ExitCode;

use registry_core::Registry;
use registry_server::{Cli, ServerConfig};
use registry_tests as _;

#[tokio::main]
async fn main() -> ExitCode {
    let registry = match Registry::from_inventory() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = ServerConfig::default().info("registry fixtures", env!("CARGO_PKG_VERSION"));
    Cli::parse_args().run(registry, config).await
}
