//! The framework under load: `registry_benches`' functions served by the
//! framework's own CLI (`bench-server serve --port N`), exactly as an
//! application's `main` would.

use std::process::ExitCode;

use registry_benches as _;
use registry_core::Registry;
use registry_server::{Cli, ServerConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let registry = Registry::from_inventory().expect("unique names");
    Cli::parse_args()
        .run(registry, ServerConfig::default().info("bench-server", "0.1.0"))
        .await
}
