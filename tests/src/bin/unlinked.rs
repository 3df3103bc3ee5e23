//! A binary that never names `registry_tests`: `inventory` sees none of its
//! functions. `tests/linking.rs` runs it to show why `use crate as _;` matters,
//! and that the CLI refuses to serve nothing.

use std::process::ExitCode;

use registry_core::Registry;
use registry_server::{Cli, ServerConfig};

#[tokio::main]
async fn main() -> ExitCode {
    let registry = Registry::from_inventory().expect("an empty registry is consistent");
    Cli::parse_args().run(registry, ServerConfig::default()).await
}
