//! A long MCP call held open: shared by the in-flight limit and shutdown tests.

use std::time::Duration;

use serde_json::json;

/// Starts a `count_steps` call of `steps` on `base` (`http://host:port`) as
/// SSE and returns the response once its first progress event arrived.
pub(crate) async fn long_call(client: &reqwest::Client, base: &str, steps: u32) -> reqwest::Response {
    let mut response = client
        .post(format!("{base}/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "count_steps", "arguments": {"steps": steps}, "_meta": {"progressToken": "p"}}}))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let first = tokio::time::timeout(Duration::from_secs(10), response.chunk())
        .await
        .expect("a progress event within 10 s")
        .expect("readable")
        .expect("a chunk");
    assert!(String::from_utf8_lossy(&first).contains("notifications/progress"));
    response
}
