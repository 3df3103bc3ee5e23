//! The OAuth interop fixture (`tests/interop/oauth_resource_server.sh`): three
//! functions, one public, one needing `read`, one needing `admin`, served
//! by the full CLI. Built with `--features registry-server/oauth`, it takes
//! its OAuth settings from `OAUTH_*` (see `registry_server::oauth::OAuthConfig::from_env`);
//! `API_KEYS` works beside them.

use std::process::ExitCode;

use registry_core::{Context, Registry, api_function};
use registry_server::{Cli, ServerConfig};
use serde_json::{Value, json};

/// Answers `pong`; any authenticated caller may call it.
#[api_function(read_only)]
fn ping() -> &'static str {
    "pong"
}

/// The caller as the function sees it: id, scopes and two token claims.
#[api_function(read_only, scopes = ["read"])]
fn whoami(ctx: &Context) -> Value {
    match ctx.principal() {
        Some(p) => json!({
            "id": p.id,
            "scopes": p.scopes,
            "client_id": p.claim("client_id"),
            "aud": p.claim("aud"),
            "authorization_header_seen": ctx.metadata("authorization").is_some(),
        }),
        None => Value::Null,
    }
}

/// Something only an administrator may read.
#[api_function(read_only, scopes = ["admin"])]
fn admin_report() -> &'static str {
    "all systems nominal"
}

#[tokio::main]
async fn main() -> ExitCode {
    let registry = match Registry::from_inventory() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let config = ServerConfig::default().info("oauth fixture", env!("CARGO_PKG_VERSION"));
    Cli::parse_args().run(registry, config).await
}
