//! Async functions that call the upstream with the shared client from
//! `Context` state. The framework awaits them on the request's own task.

use registry_core::{ApiError, Context, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::compute::{FeeRates, HashRate, RETARGET_INTERVAL};
use crate::upstream::Upstream;

/// The current network hash rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkHashRate {
    /// Latest estimate.
    pub current: HashRate,
    /// Average over the last three days.
    pub three_day_average: HashRate,
    /// Current difficulty.
    pub difficulty: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashrateResponse {
    hashrates: Vec<HashrateSample>,
    current_hashrate: f64,
    current_difficulty: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HashrateSample {
    avg_hashrate: f64,
}

/// Current network hash rate and difficulty from the upstream.
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn current_hashrate(ctx: &Context) -> Result<NetworkHashRate, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let response: HashrateResponse = upstream.get("/api/v1/mining/hashrate/3d").await?;
    let samples = response.hashrates.len().max(1) as f64;
    let average = response.hashrates.iter().map(|s| s.avg_hashrate).sum::<f64>() / samples;
    Ok(NetworkHashRate {
        current: HashRate::new(response.current_hashrate),
        three_day_average: HashRate::new(average),
        difficulty: response.current_difficulty,
    })
}

/// Progress of the current difficulty epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DifficultyAdjustment {
    /// Percent of the epoch's blocks already mined.
    pub progress_percent: f64,
    /// Estimated change at the next adjustment, in percent.
    pub difficulty_change: f64,
    /// Estimated time of the next adjustment, ms since the epoch.
    pub estimated_retarget_date: u64,
    /// Blocks left in the epoch.
    pub remaining_blocks: u32,
    /// Height of the next adjustment.
    pub next_retarget_height: u32,
    /// Change at the previous adjustment, in percent.
    pub previous_retarget: f64,
}

/// The upcoming difficulty adjustment, from the upstream.
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn difficulty_adjustment(ctx: &Context) -> Result<DifficultyAdjustment, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let adjustment: DifficultyAdjustment = upstream.get("/api/v1/difficulty-adjustment").await?;
    if !adjustment.next_retarget_height.is_multiple_of(RETARGET_INTERVAL) {
        return Err(
            ApiError::upstream("the upstream reported an impossible retarget height")
                .with_internal(format_args!("nextRetargetHeight = {}", adjustment.next_retarget_height)),
        );
    }
    Ok(adjustment)
}

/// A block, summarized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BlockSummary {
    /// Height.
    pub height: u32,
    /// Block hash.
    pub hash: String,
    /// Seconds since the epoch.
    pub timestamp: u64,
    /// Number of transactions.
    pub tx_count: u32,
    /// Size in bytes.
    pub size: u64,
    /// Mining pool, when known.
    pub pool: Option<String>,
    /// Total fees in satoshis, when known.
    pub total_fees_sats: Option<u64>,
}

#[derive(Deserialize)]
struct UpstreamBlock {
    id: String,
    height: u32,
    timestamp: u64,
    tx_count: u32,
    size: u64,
    #[serde(default)]
    extras: Option<BlockExtras>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BlockExtras {
    total_fees: Option<u64>,
    pool: Option<PoolName>,
}

#[derive(Deserialize)]
struct PoolName {
    name: String,
}

impl From<UpstreamBlock> for BlockSummary {
    fn from(block: UpstreamBlock) -> Self {
        let extras = block.extras;
        BlockSummary {
            height: block.height,
            hash: block.id,
            timestamp: block.timestamp,
            tx_count: block.tx_count,
            size: block.size,
            total_fees_sats: extras.as_ref().and_then(|e| e.total_fees),
            pool: extras.and_then(|e| e.pool).map(|p| p.name),
        }
    }
}

/// The most recent blocks, newest first.
///
/// # Arguments
/// * `limit` - how many blocks, 1 to 15 (default 10)
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn recent_blocks(
    ctx: &Context,
    #[arg(default = 10, range(min = 1, max = 15))] limit: u8,
) -> Result<Vec<BlockSummary>, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let blocks: Vec<UpstreamBlock> = upstream.get("/api/v1/blocks").await?;
    Ok(blocks
        .into_iter()
        .take(usize::from(limit))
        .map(BlockSummary::from)
        .collect())
}

/// One block by height.
///
/// # Arguments
/// * `height` - the block height
#[api_function(method = "GET", path = "/api/blocks/{height}", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn block_at(ctx: &Context, height: u32) -> Result<BlockSummary, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let hash: String = upstream.get(&format!("/api/block-height/{height}")).await?;
    let block: UpstreamBlock = upstream.get(&format!("/api/v1/block/{hash}")).await?;
    Ok(block.into())
}

/// Height of the newest block.
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn tip_height(ctx: &Context) -> Result<u32, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    Ok(upstream.get::<u32>("/api/blocks/tip/height").await?)
}

/// A period the upstream aggregates pool statistics over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Period {
    /// One day.
    #[serde(rename = "24h")]
    Day,
    /// Three days.
    #[serde(rename = "3d")]
    ThreeDays,
    /// One week.
    #[serde(rename = "1w")]
    Week,
}

impl Period {
    fn as_str(self) -> &'static str {
        match self {
            Period::Day => "24h",
            Period::ThreeDays => "3d",
            Period::Week => "1w",
        }
    }
}

/// One pool's share of the blocks found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PoolShare {
    /// Rank by blocks found.
    pub rank: u32,
    /// Pool name.
    pub name: String,
    /// Blocks found in the period.
    pub blocks: u32,
    /// Share of all blocks, in percent.
    pub share_percent: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PoolsResponse {
    pools: Vec<UpstreamPool>,
    block_count: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpstreamPool {
    name: String,
    block_count: u32,
    rank: u32,
}

/// Mining pools ranked by blocks found over a period.
///
/// # Arguments
/// * `period` - "24h", "3d" or "1w" (default "1w")
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn pool_shares(ctx: &Context, period: Option<Period>) -> Result<Vec<PoolShare>, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let period = period.unwrap_or(Period::Week);
    let response: PoolsResponse = upstream
        .get(&format!("/api/v1/mining/pools/{}", period.as_str()))
        .await?;
    let total = f64::from(response.block_count.max(1));
    Ok(response
        .pools
        .into_iter()
        .map(|p| PoolShare {
            rank: p.rank,
            share_percent: (f64::from(p.block_count) * 10_000.0 / total).round() / 100.0,
            name: p.name,
            blocks: p.block_count,
        })
        .collect())
}

/// Recommended fee rates (sat/vB) from the upstream.
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn recommended_fees(ctx: &Context) -> Result<FeeRates, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    Ok(upstream.get("/api/v1/fees/recommended").await?)
}

/// A one-call summary of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NetworkOverview {
    /// Newest block height.
    pub tip_height: u32,
    /// Hash rate and difficulty.
    pub hashrate: NetworkHashRate,
    /// The coming adjustment.
    pub adjustment: DifficultyAdjustment,
    /// Fee rates.
    pub fees: FeeRates,
}

/// Tip, hash rate, difficulty adjustment and fees, fetched concurrently.
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn network_overview(ctx: &Context) -> Result<NetworkOverview, ApiError> {
    let (tip_height, hashrate, adjustment, fees) = tokio::try_join!(
        tip_height(ctx),
        current_hashrate(ctx),
        difficulty_adjustment(ctx),
        recommended_fees(ctx)
    )?;
    Ok(NetworkOverview {
        tip_height,
        hashrate,
        adjustment,
        fees,
    })
}

/// Lightning network capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LightningCapacity {
    /// Public channels.
    pub channel_count: u64,
    /// Total capacity in satoshis.
    pub total_capacity_sats: u64,
}

#[derive(Deserialize)]
struct LightningResponse {
    latest: LightningLatest,
}

#[derive(Deserialize)]
struct LightningLatest {
    channel_count: u64,
    total_capacity: u64,
}

/// Public Lightning network capacity (the offline snapshot's upstream answers 503 here).
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn lightning_capacity(ctx: &Context) -> Result<LightningCapacity, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let response: LightningResponse = upstream.get("/api/v1/lightning/statistics/latest").await?;
    Ok(LightningCapacity {
        channel_count: response.latest.channel_count,
        total_capacity_sats: response.latest.total_capacity,
    })
}

/// Latest BTC prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Prices {
    /// Seconds since the epoch.
    pub time: u64,
    /// USD per BTC.
    pub usd: f64,
    /// EUR per BTC.
    pub eur: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "UPPERCASE")]
struct PricesResponse {
    #[serde(rename = "time")]
    time: u64,
    usd: f64,
    eur: f64,
}

/// The latest BTC price (the offline snapshot's upstream never answers here: a timeout).
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world, timeout = "5s")]
pub async fn btc_price(ctx: &Context) -> Result<Prices, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    let response: PricesResponse = upstream.get("/api/v1/prices").await?;
    Ok(Prices {
        time: response.time,
        usd: response.usd,
        eur: response.eur,
    })
}

/// A projected block of the mempool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectedBlock {
    /// Virtual size.
    pub block_v_size: f64,
    /// Transactions.
    pub n_tx: u32,
    /// Total fees in satoshis.
    pub total_fees: u64,
    /// Median fee rate.
    pub median_fee: f64,
}

/// The next blocks projected from the mempool (the offline snapshot's upstream sends malformed JSON here).
#[api_function(method = "GET", tags = ["hashstats", "network"], read_only, open_world)]
pub async fn projected_blocks(ctx: &Context) -> Result<Vec<ProjectedBlock>, ApiError> {
    let upstream = ctx.state::<Upstream>()?;
    Ok(upstream.get("/api/v1/fees/mempool-blocks").await?)
}
