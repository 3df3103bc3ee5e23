//! The smallest complete application: four functions, one `main`.
//!
//! `cargo run -p quickstart` serves them on http://127.0.0.1:3000 as MCP tools
//! (`/mcp`), REST routes (`/api/...`), OpenAPI (`/openapi.json`) and docs (`/docs`).

use std::process::ExitCode;
use std::time::Duration;

use registry_core::{ApiError, Context, Registry, api_function};
use registry_server::{Cli, ServerConfig};

/// Add two integers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(tags = ["math"], read_only)]
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Divide `a` by `b`.
#[api_function(tags = ["math"], read_only)]
fn divide(a: f64, b: f64) -> Result<f64, ApiError> {
    if b == 0.0 {
        return Err(ApiError::invalid_field("b", "must not be zero"));
    }
    Ok(a / b)
}

/// Greet someone.
///
/// # Arguments
/// * `name` - who to greet
/// * `excited` - end with "!" instead of "."
#[api_function(method = "GET", tags = ["text"], read_only)]
async fn greet(name: String, excited: Option<bool>) -> String {
    format!("Hello, {name}{}", if excited.unwrap_or(false) { "!" } else { "." })
}

/// Wait `ms` milliseconds, then say which request this was.
#[api_function(tags = ["text"], timeout = "2s")]
async fn pause(ctx: &Context, ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("request {} waited {ms} ms", ctx.request_id())
}

#[tokio::main]
async fn main() -> ExitCode {
    let registry = Registry::from_inventory().expect("function names and routes are unique");
    Cli::parse_args().run(registry, ServerConfig::default().info("quickstart", "0.1.0")).await
}
