//! A long-running function: a scan of recent difficulty, page by page, with
//! a pause between upstream pages (as a polite client of a public API
//! does). It takes tens of seconds, longer than many gateways and MCP
//! clients wait, so it is declared `task = "optional"`: a client that asks
//! gets a task handle at once and polls for the result.

use std::time::Duration;

use registry_core::{ApiError, Context, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::upstream::Upstream;

/// Blocks per upstream page (mempool.space's `/api/v1/blocks/{height}`).
const PAGE: u32 = 15;

/// One difficulty seen in the scan, at the lowest height it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DifficultyPoint {
    /// Block height.
    pub height: u32,
    /// Difficulty from that block on.
    pub difficulty: f64,
}

/// What a difficulty scan found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DifficultyScan {
    /// Pages read from the upstream.
    pub pages_read: u32,
    /// Blocks seen across them.
    pub blocks_seen: u32,
    /// Each distinct difficulty, newest first.
    pub difficulties: Vec<DifficultyPoint>,
}

#[derive(Deserialize)]
struct PageBlock {
    height: u32,
    difficulty: f64,
}

/// Scans recent blocks' difficulty, one upstream page of 15 blocks at a
/// time with a pause between pages; reports progress per page. With the
/// defaults it takes about half a minute: call it as a task (MCP Tasks
/// extension, or REST with `Prefer: respond-async`).
///
/// # Arguments
/// * `pages` - pages of 15 blocks to read, newest first (1 to 20)
/// * `pause_ms` - pause between pages, in milliseconds (0 to 10000)
#[api_function(
    method = "POST",
    tags = ["hashstats", "network"],
    read_only,
    open_world,
    task = "optional",
    timeout = "5m"
)]
pub async fn difficulty_scan(
    ctx: &Context,
    #[arg(range(min = 1, max = 20), default = 10, example = 2)] pages: u32,
    #[arg(range(min = 0, max = 10000), default = 3000, example = 100)] pause_ms: u32,
) -> Result<DifficultyScan, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let tip: u32 = upstream.get("/api/blocks/tip/height").await?;
    let mut scan = DifficultyScan {
        pages_read: 0,
        blocks_seen: 0,
        difficulties: Vec::new(),
    };
    for page in 0..pages {
        if page > 0 {
            tokio::time::sleep(Duration::from_millis(u64::from(pause_ms))).await;
        }
        let Some(start) = tip.checked_sub(page * PAGE) else {
            break;
        };
        let blocks: Vec<PageBlock> = upstream.get(&format!("/api/v1/blocks/{start}")).await?;
        scan.pages_read += 1;
        for block in blocks {
            scan.blocks_seen += 1;
            match scan.difficulties.last_mut() {
                Some(last) if last.difficulty == block.difficulty => last.height = last.height.min(block.height),
                _ => scan.difficulties.push(DifficultyPoint {
                    height: block.height,
                    difficulty: block.difficulty,
                }),
            }
        }
        ctx.report_progress(
            f64::from(page + 1),
            Some(f64::from(pages)),
            Some(&format!("read page {} of {pages}", page + 1)),
        );
    }
    Ok(scan)
}
