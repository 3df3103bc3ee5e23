//! The quickstart's functions: four tools (two sync, two async), a
//! resource, a resource template and a prompt.
//!
//! They live in a library so tests can link them too; `main.rs` names this
//! crate (`use quickstart as _;`), which is what makes `inventory` see them.

use std::time::Duration;

use registry_core::content::PromptMessage;
use registry_core::{ApiError, Context, api_function, api_prompt, api_resource};
use schemars::JsonSchema;
use serde::Deserialize;

/// The names of this crate's tools.
pub const FUNCTIONS: [&str; 4] = ["add", "divide", "greet", "pause"];

/// The names of its resources and prompt.
pub const PRIMITIVES: [&str; 3] = ["about", "greeting", "review"];

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

/// What this server is: a fixed resource (`resources/list`, `GET /api/resources/about`).
#[api_resource(uri = "quickstart://about", mime_type = "text/markdown")]
pub fn about() -> String {
    "# quickstart\n\nFour tools, two resources and a prompt, from one registry.\n".to_owned()
}

/// A greeting for `name`: a resource template (`resources/templates/list`,
/// `GET /api/resources/greetings/{name}`).
///
/// # Arguments
/// * `name` - who to greet
#[api_resource(uri = "quickstart://greetings/{name}", mime_type = "text/plain")]
pub async fn greeting(name: String) -> String {
    greet(name, Some(true)).await
}

/// How strict a review should be.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strictness {
    /// Point out only what is wrong.
    Gentle,
    /// Point out everything.
    Strict,
}

/// Ask for a code review (`prompts/get`, `POST /api/prompts/review`).
///
/// # Arguments
/// * `code` - the code to review
/// * `strictness` - how strict to be (completes: `gentle`, `strict`)
#[api_prompt]
pub fn review(code: String, strictness: Strictness) -> Vec<PromptMessage> {
    vec![
        PromptMessage::user(format!("Review this code, {strictness:?} mode:\n\n{code}")),
        PromptMessage::assistant("Here is my review:"),
    ]
}
