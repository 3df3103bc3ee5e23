//! Beyond tools: MCP resources (a fixed one, a template, a rendered SVG
//! chart), prompts (one with an enum argument that completes) and a tool
//! returning an image. Each is an ordinary function called through the same
//! registry and call path as the tools, and each is a REST route too.

use std::fmt::Write as _;

use registry_core::content::{Blob, EmbeddedResource, Image, PromptMessage};
use registry_core::{ApiError, Context, api_function, api_prompt, api_resource};
use serde::Deserialize;

use crate::compute::FeeRates;
use crate::network::{self, BlockSummary, DifficultyAdjustment, Period};
use crate::upstream::Upstream;

/// The recommended fee rates, as a JSON document.
#[api_resource(
    uri = "hashstats://fees",
    mime_type = "application/json",
    tags = ["hashstats", "resources"],
    audience = ["user", "assistant"],
    priority = 0.7
)]
pub async fn fees_resource(ctx: &Context) -> Result<FeeRates, ApiError> {
    network::recommended_fees(ctx).await
}

/// Progress of the current difficulty epoch, as a JSON document.
#[api_resource(uri = "hashstats://difficulty", mime_type = "application/json", tags = ["hashstats", "resources"])]
pub async fn difficulty_resource(ctx: &Context) -> Result<DifficultyAdjustment, ApiError> {
    network::difficulty_adjustment(ctx).await
}

/// One block by height, as a JSON document.
///
/// # Arguments
/// * `height` - the block height; completes with the recent heights
#[api_resource(
    uri = "hashstats://blocks/{height}",
    mime_type = "application/json",
    tags = ["hashstats", "resources"],
    icon = "assets/chart.svg"
)]
pub async fn block_resource(
    ctx: &Context,
    #[arg(complete = recent_heights)] height: u32,
) -> Result<BlockSummary, ApiError> {
    network::block_at(ctx, height).await
}

/// The heights of the recent blocks that start with `prefix`, newest first.
pub async fn recent_heights(prefix: String, ctx: &Context) -> Vec<String> {
    match network::recent_blocks(ctx, 15).await {
        Ok(blocks) => blocks
            .into_iter()
            .map(|b| b.height.to_string())
            .filter(|h| h.starts_with(&prefix))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The difficulty of the recent blocks as an SVG line chart (a binary resource).
#[api_resource(
    uri = "hashstats://charts/difficulty.svg",
    mime_type = "image/svg+xml",
    tags = ["hashstats", "resources"],
    icon = "assets/chart.svg"
)]
pub async fn difficulty_chart_resource(ctx: &Context) -> Result<Blob, ApiError> {
    let svg = chart_svg(&recent_difficulty(ctx, 15).await?);
    Ok(Blob::new("image/svg+xml", svg.into_bytes()))
}

/// The difficulty of the most recent blocks as an SVG chart (an image result).
///
/// # Arguments
/// * `limit` - how many blocks, 2 to 15 (default 10)
#[api_function(tags = ["hashstats", "network"], read_only, open_world, icon = "assets/chart.svg")]
pub async fn difficulty_chart(
    ctx: &Context,
    #[arg(default = 10, range(min = 2, max = 15))] limit: u8,
) -> Result<Image, ApiError> {
    Ok(Image::svg(chart_svg(&recent_difficulty(ctx, limit).await?)))
}

#[derive(Deserialize)]
struct DifficultySample {
    height: u32,
    difficulty: f64,
}

/// `(height, difficulty)` of the newest `limit` blocks, oldest first.
async fn recent_difficulty(ctx: &Context, limit: u8) -> Result<Vec<(u32, f64)>, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let blocks: Vec<DifficultySample> = upstream.get("/api/v1/blocks").await?;
    let mut points: Vec<(u32, f64)> = blocks
        .into_iter()
        .take(usize::from(limit))
        .map(|b| (b.height, b.difficulty))
        .collect();
    points.reverse();
    Ok(points)
}

/// A small, self-contained SVG line chart of `points`.
pub fn chart_svg(points: &[(u32, f64)]) -> String {
    let (width, height, pad) = (320.0, 120.0, 10.0);
    let (min, max) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), (_, d)| (lo.min(*d), hi.max(*d)));
    let span = if max > min { max - min } else { 1.0 };
    let step = if points.len() > 1 {
        (width - 2.0 * pad) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let mut polyline = String::new();
    for (i, (_, d)) in points.iter().enumerate() {
        let x = pad + step * i as f64;
        let y = height - pad - (d - min) / span * (height - 2.0 * pad);
        let _ = write!(polyline, "{x:.1},{y:.1} ");
    }
    let first = points.first().map_or(0, |p| p.0);
    let last = points.last().map_or(0, |p| p.0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">\
<title>Difficulty, blocks {first} to {last}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
<polyline points=\"{}\" fill=\"none\" stroke=\"#f7931a\" stroke-width=\"2\"/></svg>",
        polyline.trim_end()
    )
}

/// Ask for a report on mining over a period: which pools found the blocks.
///
/// # Arguments
/// * `period` - the period to report on (completes: `24h`, `3d`, `1w`)
#[api_prompt(title = "Mining report", tags = ["hashstats", "prompts"])]
pub async fn mining_report(ctx: &Context, period: Period) -> Result<Vec<PromptMessage>, ApiError> {
    let shares = network::pool_shares(ctx, Some(period)).await?;
    let mut table = String::new();
    for share in shares.iter().take(10) {
        let _ = writeln!(
            table,
            "{}. {}: {} blocks ({:.1}%)",
            share.rank, share.name, share.blocks, share.share_percent
        );
    }
    Ok(vec![PromptMessage::user(format!(
        "Here are the mining pools' shares of the blocks found over the last {}:\n{table}\nWrite a short report: how concentrated is mining, and what stands out?",
        serde_json::to_value(period)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    ))])
}

/// Ask the model to explain one block, with the block embedded as a resource.
///
/// # Arguments
/// * `height` - the block height; completes with the recent heights
#[api_prompt(title = "Explain a block", tags = ["hashstats", "prompts"])]
pub async fn explain_block(
    ctx: &Context,
    #[arg(complete = recent_heights)] height: u32,
) -> Result<Vec<PromptMessage>, ApiError> {
    let block = network::block_at(ctx, height).await?;
    let json = serde_json::to_string_pretty(&block).map_err(ApiError::internal)?;
    Ok(vec![
        PromptMessage::user(EmbeddedResource::text(
            format!("hashstats://blocks/{height}"),
            "application/json",
            json,
        )),
        PromptMessage::user(
            "Explain this block to a newcomer: who mined it, how full it was, and what its fees say about demand.",
        ),
    ])
}
