//! The offline upstream: a bundled snapshot of mempool.space-shaped responses,
//! served on a loopback port so the example runs with no network through the
//! very same HTTP code path as a real upstream.
//!
//! Three endpoints fail on purpose, the way real upstreams fail:
//! Lightning statistics answer 503, prices never answer (a timeout), and the
//! projected mempool blocks are malformed JSON.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const BLOCKS: &str = include_str!("../snapshot/blocks.json");
const HASHRATE: &str = include_str!("../snapshot/hashrate-3d.json");
const ADJUSTMENT: &str = include_str!("../snapshot/difficulty-adjustment.json");
const POOLS: &str = include_str!("../snapshot/pools-1w.json");
const FEES: &str = include_str!("../snapshot/fees-recommended.json");
const MEMPOOL: &str = include_str!("../snapshot/mempool.json");

/// How long the prices endpoint stalls before it gives up (past every client timeout).
const STALL: Duration = Duration::from_secs(30);

fn json(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn blocks() -> Vec<serde_json::Value> {
    serde_json::from_str(BLOCKS).expect("the bundled snapshot is valid JSON")
}

/// The snapshot upstream as a router.
pub fn router() -> Router {
    Router::new()
        .route("/api/v1/blocks", get(|| async { json(BLOCKS) }))
        .route(
            "/api/v1/blocks/{height}",
            get(|Path(height): Path<u64>| async move {
                let page: Vec<serde_json::Value> = blocks()
                    .into_iter()
                    .filter(|b| b["height"].as_u64().is_some_and(|h| h <= height))
                    .take(15)
                    .collect();
                axum::Json(page)
            }),
        )
        .route("/api/v1/mining/hashrate/3d", get(|| async { json(HASHRATE) }))
        .route("/api/v1/difficulty-adjustment", get(|| async { json(ADJUSTMENT) }))
        .route(
            "/api/v1/mining/pools/{period}",
            get(|_: Path<String>| async { json(POOLS) }),
        )
        .route("/api/v1/fees/recommended", get(|| async { json(FEES) }))
        .route("/api/mempool", get(|| async { json(MEMPOOL) }))
        .route(
            "/api/blocks/tip/height",
            get(|| async {
                let tip = blocks().first().and_then(|b| b["height"].as_u64()).unwrap_or_default();
                tip.to_string()
            }),
        )
        .route(
            "/api/block-height/{height}",
            get(|Path(height): Path<u64>| async move {
                match blocks().into_iter().find(|b| b["height"].as_u64() == Some(height)) {
                    Some(block) => format!("\"{}\"", block["id"].as_str().unwrap_or_default()).into_response(),
                    None => (StatusCode::NOT_FOUND, "Block not found").into_response(),
                }
            }),
        )
        .route(
            "/api/v1/block/{hash}",
            get(|Path(hash): Path<String>| async move {
                match blocks().into_iter().find(|b| b["id"].as_str() == Some(hash.as_str())) {
                    Some(block) => axum::Json(block).into_response(),
                    None => (StatusCode::NOT_FOUND, "Block not found").into_response(),
                }
            }),
        )
        .route(
            "/api/v1/lightning/statistics/latest",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "lightning backend offline").into_response() }),
        )
        .route(
            "/api/v1/prices",
            get(|| async {
                tokio::time::sleep(STALL).await;
                json(r#"{"time": 0, "USD": 0, "EUR": 0}"#)
            }),
        )
        .route(
            "/api/v1/fees/mempool-blocks",
            get(|| async { json(r#"[{"blockSize": 1.5e6, "blockVSize": 99"#) }),
        )
}

/// Serves the snapshot on `127.0.0.1` with an OS-chosen port; returns its base URL.
///
/// The server runs on a background task for the life of the runtime.
pub async fn spawn() -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router()).await {
            tracing::error!("offline upstream stopped: {err}");
        }
    });
    Ok(format!("http://{address}"))
}
