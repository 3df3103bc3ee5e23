//! The fixture tools the official MCP conformance suite
//! (`@modelcontextprotocol/conformance`) calls by name.
//!
//! Only the ones a plain function can honour live here: text results, a tool
//! error and progress. The suite's image, audio, embedded-resource, logging,
//! sampling and elicitation tools need content blocks or server-to-client
//! requests that `#[api_function]` does not produce (see the README's
//! testing section).

use std::time::Duration;

use registry_core::{ApiError, Context, api_function};

/// Return a fixed text, for the `tools-call-simple-text` scenario.
#[api_function(tags = ["conformance"], read_only)]
pub fn test_simple_text() -> &'static str {
    "This is a simple text response for testing."
}

/// Always fail with a tool error, for the `tools-call-error` scenario.
#[api_function(tags = ["conformance"], read_only)]
pub async fn test_error_handling() -> Result<String, ApiError> {
    Err(ApiError::upstream(
        "This tool intentionally returns an error for testing",
    ))
}

/// Report progress 0, 50 and 100 of 100, about 50 ms apart, for the `tools-call-with-progress` scenario.
#[api_function(tags = ["conformance"], read_only)]
pub async fn test_tool_with_progress(ctx: &Context) -> String {
    for (step, progress) in [0.0, 50.0, 100.0].into_iter().enumerate() {
        if step > 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        ctx.report_progress(progress, Some(100.0), Some(&format!("{progress}/100")));
    }
    "Progress reported: 0, 50 and 100 of 100".to_owned()
}
