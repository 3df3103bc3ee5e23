//! The floor: the same functions behind hand-written axum handlers, as a
//! careful user would write them without the framework. REST routes take a
//! typed `Json` body; `/mcp` is a minimal JSON-RPC handler that answers
//! `tools/call` with the same result shape the framework sends.
//!
//! Usage: `floor-server 127.0.0.1:PORT`

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AddArgs {
    a: i64,
    b: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

async fn add(Json(AddArgs { a, b }): Json<AddArgs>) -> Json<i64> {
    Json(a + b)
}

async fn sleep10(Json(NoArgs {}): Json<NoArgs>) -> Json<i64> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    Json(10)
}

async fn block10(Json(NoArgs {}): Json<NoArgs>) -> Result<Json<i64>, StatusCode> {
    tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(10)))
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    Ok(Json(10))
}

async fn probe(Json(NoArgs {}): Json<NoArgs>) -> Json<i64> {
    Json(1)
}

#[derive(Deserialize)]
struct RpcRequest {
    #[allow(dead_code)]
    jsonrpc: String,
    id: Value,
    method: String,
    #[serde(default)]
    params: CallParams,
}

#[derive(Deserialize, Default)]
struct CallParams {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: Value,
}

fn tool_result(value: i64) -> Value {
    json!({
        "content": [{"type": "text", "text": value.to_string()}],
        "structuredContent": {"result": value},
        "isError": false,
    })
}

async fn mcp(Json(request): Json<RpcRequest>) -> Json<Value> {
    let id = request.id;
    let result = match (request.method.as_str(), request.params.name.as_str()) {
        ("tools/call", "add") => match serde_json::from_value::<AddArgs>(request.params.arguments) {
            Ok(AddArgs { a, b }) => Ok(tool_result(a + b)),
            Err(err) => Err((-32602, err.to_string())),
        },
        ("tools/call", "sleep10") => {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok(tool_result(10))
        }
        ("tools/call", name) => Err((-32602, format!("Unknown tool: {name}"))),
        (method, _) => Err((-32601, format!("Method not found: {method}"))),
    };
    Json(match result {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}),
    })
}

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:3100".to_owned());
    let app = Router::new()
        .route("/api/add", post(add))
        .route("/api/add_sync", post(add))
        .route("/api/sleep10", post(sleep10))
        .route("/api/block10", post(block10))
        .route("/api/probe", post(probe))
        .route("/mcp", post(mcp));
    let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
    // Same socket setting as the framework's Server::serve_on.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await.expect("serve");
}
