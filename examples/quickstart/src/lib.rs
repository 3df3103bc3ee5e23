//! The quickstart's functions: two sync, two async.
//!
//! They live in a library so tests can link them too; `main.rs` names this
//! crate (`use quickstart as _;`), which is what makes `inventory` see them.

use std::time::Duration;

use registry_core::{ApiError, Context, api_function};

/// The names of this crate's functions.
pub const FUNCTIONS: [&str; 4] = ["add", "divide", "greet", "pause"];

/// Add two integers.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(tags = ["math"], read_only)]
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Divide `a` by `b`.
#[api_function(tags = ["math"], read_only)]
pub fn divide(a: f64, b: f64) -> Result<f64, ApiError> {
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
pub async fn greet(name: String, excited: Option<bool>) -> String {
    format!("Hello, {name}{}", if excited.unwrap_or(false) { "!" } else { "." })
}

/// Wait `ms` milliseconds, then say which request this was.
#[api_function(tags = ["text"], timeout = "2s")]
pub async fn pause(ctx: &Context, ms: u64) -> String {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    format!("request {} waited {ms} ms", ctx.request_id())
}
