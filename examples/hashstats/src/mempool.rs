//! A sync function that blocks on I/O with `reqwest::blocking`. The framework
//! runs sync functions on tokio's blocking pool, so this cannot stall the
//! runtime that serves every other request.

use std::sync::OnceLock;

use registry_core::{ApiError, Context, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::upstream::{UPSTREAM_TIMEOUT, Upstream, UpstreamError};

/// The mempool right now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MempoolSummary {
    /// Unconfirmed transactions.
    pub count: u64,
    /// Their total virtual size.
    pub vsize: u64,
    /// Their total fees in BTC.
    pub total_fee_btc: f64,
    /// Blocks it would take to clear at 1 MvB each.
    pub blocks_to_clear: f64,
}

#[derive(Deserialize)]
struct MempoolResponse {
    count: u64,
    vsize: u64,
    total_fee: u64,
}

fn blocking_client() -> &'static reqwest::blocking::Client {
    // Built on first use, inside the blocking pool: a blocking client must not
    // be created or dropped on an async worker.
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .build()
            .expect("a client without TLS options always builds")
    })
}

/// Size and fees of the current mempool, fetched with a blocking HTTP client.
#[api_function(method = "GET", tags = ["hashstats", "mempool"], read_only, open_world)]
pub fn mempool_summary(ctx: &Context) -> Result<MempoolSummary, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let path = "/api/mempool";
    let response = blocking_client()
        .get(format!("{}{path}", upstream.base()))
        .send()
        .map_err(|e| UpstreamError::from_reqwest(path, e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(UpstreamError::Status {
            path: path.into(),
            status: status.as_u16(),
        }
        .into());
    }
    let body = response.bytes().map_err(|e| UpstreamError::from_reqwest(path, e))?;
    let mempool: MempoolResponse = serde_json::from_slice(&body).map_err(|e| UpstreamError::Malformed {
        path: path.into(),
        reason: e.to_string(),
    })?;
    Ok(MempoolSummary {
        count: mempool.count,
        vsize: mempool.vsize,
        total_fee_btc: mempool.total_fee as f64 / 1e8,
        blocks_to_clear: (mempool.vsize as f64 / 1_000_000.0).ceil(),
    })
}
