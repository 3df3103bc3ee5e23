//! The fixture server the official MCP conformance suite runs against: the
//! `registry_tests` tools plus the resources, prompts and rich tool results
//! of `rich_fixtures.rs`. Same CLI as `fixture-server`.

use std::process::ExitCode;

use registry_core::Registry;
use registry_server::{AppInfo, Cli, Contact, ServerConfig};
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
    // License and contact for the OpenAPI `info` (the linters in tests/interop/openapi_lint.sh want them).
    let info = AppInfo::new("registry conformance fixtures", env!("CARGO_PKG_VERSION"))
        .license(env!("CARGO_PKG_LICENSE"))
        .contact(
            Contact::default()
                .name("api-registry tests")
                .url(env!("CARGO_PKG_REPOSITORY")),
        );
    let config = ServerConfig::default().app(info);
    Cli::parse_args().run(registry, config).await
}
