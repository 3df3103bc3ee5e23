//! Sync functions that only calculate. They run on the blocking pool, like
//! every sync function, and need no upstream.

use registry_core::{ApiError, api_function};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Seconds between blocks the difficulty targets.
pub const TARGET_BLOCK_SECONDS: f64 = 600.0;
/// Blocks between halvings.
pub const HALVING_INTERVAL: u32 = 210_000;
/// Blocks between difficulty adjustments.
pub const RETARGET_INTERVAL: u32 = 2_016;
/// Satoshis in one bitcoin.
pub const SATS_PER_BTC: u64 = 100_000_000;
const TWO_POW_32: f64 = 4_294_967_296.0;

/// A hash rate with a readable rendering.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HashRate {
    /// Hashes per second.
    pub hashes_per_second: f64,
    /// The same, scaled to a unit, such as "1.09 ZH/s".
    pub display: String,
}

impl HashRate {
    /// Wraps a rate in hashes per second.
    pub fn new(hashes_per_second: f64) -> Self {
        HashRate {
            hashes_per_second,
            display: display_rate(hashes_per_second),
        }
    }
}

fn display_rate(rate: f64) -> String {
    let units = HashUnit::ALL;
    let mut unit = units[0];
    for candidate in units {
        if rate >= candidate.factor() {
            unit = candidate;
        }
    }
    format!("{:.2} {}", rate / unit.factor(), unit.symbol())
}

/// Hash-rate units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum HashUnit {
    /// Hashes per second.
    #[serde(rename = "H/s")]
    H,
    /// Thousand.
    #[serde(rename = "kH/s")]
    K,
    /// Million.
    #[serde(rename = "MH/s")]
    M,
    /// Billion.
    #[serde(rename = "GH/s")]
    G,
    /// 10^12.
    #[serde(rename = "TH/s")]
    T,
    /// 10^15.
    #[serde(rename = "PH/s")]
    P,
    /// 10^18.
    #[serde(rename = "EH/s")]
    E,
    /// 10^21.
    #[serde(rename = "ZH/s")]
    Z,
}

impl HashUnit {
    const ALL: [HashUnit; 8] = [
        HashUnit::H,
        HashUnit::K,
        HashUnit::M,
        HashUnit::G,
        HashUnit::T,
        HashUnit::P,
        HashUnit::E,
        HashUnit::Z,
    ];

    fn factor(self) -> f64 {
        let index = Self::ALL.iter().position(|u| *u == self).unwrap_or(0);
        1000f64.powi(index as i32)
    }

    fn symbol(self) -> &'static str {
        ["H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s", "ZH/s"]
            [Self::ALL.iter().position(|u| *u == self).unwrap_or(0)]
    }
}

/// Bitcoin amount units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BtcUnit {
    /// Bitcoin.
    Btc,
    /// Thousandths of a bitcoin.
    Mbtc,
    /// Millionths of a bitcoin (100 sats).
    Bits,
    /// Satoshis.
    Sats,
}

impl BtcUnit {
    fn sats(self) -> f64 {
        match self {
            BtcUnit::Btc => 1e8,
            BtcUnit::Mbtc => 1e5,
            BtcUnit::Bits => 1e2,
            BtcUnit::Sats => 1.0,
        }
    }
}

/// Network hash rate implied by a difficulty.
///
/// hash rate = difficulty × 2³² / block interval.
///
/// # Arguments
/// * `difficulty` - the network difficulty
/// * `block_seconds` - average seconds per block (default 600)
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn difficulty_to_hashrate(
    #[arg(range(exclusive_min = 0, max = 1e30), example = 102_289_407_543_323.8)] difficulty: f64,
    #[arg(range(min = 1, max = 86_400))] block_seconds: Option<f64>,
) -> Result<HashRate, ApiError> {
    let seconds = block_seconds.unwrap_or(TARGET_BLOCK_SECONDS);
    Ok(HashRate::new(difficulty * TWO_POW_32 / seconds))
}

/// Difficulty that a hash rate would settle at.
///
/// # Arguments
/// * `hashes_per_second` - the network hash rate in H/s
/// * `block_seconds` - average seconds per block (default 600)
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn hashrate_to_difficulty(
    #[arg(range(exclusive_min = 0, max = 1e40), example = 7.3e20)] hashes_per_second: f64,
    #[arg(range(min = 1, max = 86_400))] block_seconds: Option<f64>,
) -> Result<f64, ApiError> {
    let seconds = block_seconds.unwrap_or(TARGET_BLOCK_SECONDS);
    Ok(hashes_per_second * seconds / TWO_POW_32)
}

/// The block subsidy at a height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Subsidy {
    /// The height asked about.
    pub height: u32,
    /// Halving epoch (0 for the first 210,000 blocks).
    pub epoch: u32,
    /// Subsidy in satoshis.
    pub sats: u64,
    /// Subsidy in BTC.
    pub btc: f64,
}

fn subsidy_sats(height: u32) -> u64 {
    let epoch = height / HALVING_INTERVAL;
    if epoch >= 64 { 0 } else { (50 * SATS_PER_BTC) >> epoch }
}

/// The new-coin subsidy of a block at `height`.
///
/// # Arguments
/// * `height` - block height
#[api_function(method = "GET", tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn block_subsidy(height: u32) -> Subsidy {
    let sats = subsidy_sats(height);
    Subsidy {
        height,
        epoch: height / HALVING_INTERVAL,
        sats,
        btc: sats as f64 / SATS_PER_BTC as f64,
    }
}

/// One halving.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Halving {
    /// Epoch that starts at this height.
    pub epoch: u32,
    /// First block of the epoch.
    pub height: u32,
    /// Subsidy from this height on, in BTC.
    pub subsidy_btc: f64,
}

/// The next halvings from a height.
///
/// # Arguments
/// * `from_height` - list halvings after this height (default 0)
/// * `count` - how many to list, 1 to 33 (default 4)
#[api_function(method = "GET", tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn halving_schedule(
    #[arg(example = 840_000)] from_height: Option<u32>,
    #[arg(default = 4, range(min = 1, max = 33))] count: u8,
) -> Result<Vec<Halving>, ApiError> {
    let first_epoch = from_height.unwrap_or(0) / HALVING_INTERVAL + 1;
    Ok((first_epoch..first_epoch + u32::from(count))
        .filter_map(|epoch| {
            let height = epoch.checked_mul(HALVING_INTERVAL)?;
            Some(Halving {
                epoch,
                height,
                subsidy_btc: subsidy_sats(height) as f64 / SATS_PER_BTC as f64,
            })
        })
        .collect())
}

/// Convert a hash rate between units.
///
/// # Arguments
/// * `value` - the rate in `from` units
/// * `from` - its unit, such as "EH/s"
/// * `to` - the unit wanted
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn convert_hashrate(
    #[arg(range(min = 0, max = 1e30), example = 750)] value: f64,
    from: HashUnit,
    to: HashUnit,
) -> f64 {
    value * from.factor() / to.factor()
}

/// Convert an amount between BTC, mBTC, bits and sats.
///
/// # Arguments
/// * `amount` - the amount in `from` units
/// * `from` - its unit
/// * `to` - the unit wanted
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn convert_amount(
    // At most every satoshi there will ever be, in any unit.
    #[arg(range(min = 0, max = 2.1e15), example = 0.5)] amount: f64,
    from: BtcUnit,
    to: BtcUnit,
) -> f64 {
    amount * from.sats() / to.sats()
}

/// Fee rates in sat/vB, as the upstream's `fees/recommended` reports them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeeRates {
    /// Next block.
    pub fastest_fee: f64,
    /// Within half an hour.
    pub half_hour_fee: f64,
    /// Within an hour.
    pub hour_fee: f64,
    /// Within a day or so.
    pub economy_fee: f64,
    /// The relay minimum.
    pub minimum_fee: f64,
}

/// How soon a transaction should confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Next block.
    Fastest,
    /// About 30 minutes.
    HalfHour,
    /// About an hour.
    Hour,
    /// No hurry.
    Economy,
}

/// A fee estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeeEstimate {
    /// The rate used, sat/vB.
    pub sat_per_vbyte: f64,
    /// Total fee in satoshis.
    pub fee_sats: u64,
    /// Total fee in BTC.
    pub fee_btc: f64,
}

/// Estimate a transaction's fee from given fee rates.
///
/// # Arguments
/// * `vbytes` - the transaction's virtual size
/// * `priority` - how soon it should confirm
/// * `rates` - current fee rates (from `recommended_fees`)
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn estimate_fee(
    #[arg(range(min = 1, max = 4_000_000), example = 141)] vbytes: u32,
    priority: Priority,
    rates: FeeRates,
) -> Result<FeeEstimate, ApiError> {
    let rate = match priority {
        Priority::Fastest => rates.fastest_fee,
        Priority::HalfHour => rates.half_hour_fee,
        Priority::Hour => rates.hour_fee,
        Priority::Economy => rates.economy_fee,
    }
    .max(rates.minimum_fee);
    let fee_sats = (rate * f64::from(vbytes)).ceil() as u64;
    Ok(FeeEstimate {
        sat_per_vbyte: rate,
        fee_sats,
        fee_btc: fee_sats as f64 / SATS_PER_BTC as f64,
    })
}

/// Expected mining income.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Revenue {
    /// The miner's share of the network hash rate.
    pub share: f64,
    /// Expected blocks found per day.
    pub blocks_per_day: f64,
    /// Expected BTC per day (subsidy plus fees).
    pub btc_per_day: f64,
}

/// Expected revenue of a miner with a given hash rate.
///
/// # Arguments
/// * `miner_ths` - the miner's hash rate in TH/s, up to 1,000,000 (1 EH/s)
/// * `network_ehs` - the network hash rate in EH/s, at least 1
/// * `height` - current height, for the subsidy
/// * `fees_btc_per_block` - average fees per block (default 0.02)
#[api_function(tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn mining_revenue(
    // The bounds keep the miner within the network (1 EH/s = 1,000,000 TH/s).
    #[arg(range(exclusive_min = 0, max = 1_000_000), example = 200)] miner_ths: f64,
    #[arg(range(min = 1, max = 1_000_000), example = 750)] network_ehs: f64,
    #[arg(example = 925_000)] height: u32,
    #[arg(default = 0.02, range(min = 0, max = 100))] fees_btc_per_block: f64,
) -> Result<Revenue, ApiError> {
    let miner = miner_ths * 1e12;
    let network = network_ehs * 1e18;
    let share = miner / network;
    let blocks_per_day = 86_400.0 / TARGET_BLOCK_SECONDS * share;
    let reward = subsidy_sats(height) as f64 / SATS_PER_BTC as f64 + fees_btc_per_block;
    Ok(Revenue {
        share,
        blocks_per_day,
        btc_per_day: blocks_per_day * reward,
    })
}

/// A decoded compact target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// The target as 64 hex digits.
    pub target_hex: String,
    /// The difficulty it implies.
    pub difficulty: f64,
}

/// Decode a block header's compact `bits` into its target and difficulty.
///
/// # Arguments
/// * `bits` - compact target as hex, such as "17053894"
#[api_function(method = "GET", tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn bits_to_target(
    // Every value the pattern allows encodes a valid positive target: an
    // exponent byte of 0x03 to 0x20 and a mantissa of 0x000001 to 0x7fffff.
    #[arg(
        pattern = "^(0x)?(0[3-9a-fA-F]|1[0-9a-fA-F]|20)([1-7][0-9a-fA-F]{5}|0[1-9a-fA-F][0-9a-fA-F]{4}|00[1-9a-fA-F][0-9a-fA-F]{3}|000[1-9a-fA-F][0-9a-fA-F]{2}|0000[1-9a-fA-F][0-9a-fA-F]|00000[1-9a-fA-F])$",
        example = "17053894"
    )]
    bits: String,
) -> Result<Target, ApiError> {
    let trimmed = bits.trim_start_matches("0x");
    let compact = u32::from_str_radix(trimmed, 16)
        .map_err(|_| ApiError::invalid_field("bits", format!("`{bits}` is not 8 hex digits such as \"17053894\"")))?;
    let exponent = (compact >> 24) as usize;
    let mantissa = compact & 0x00ff_ffff;
    if mantissa == 0 || mantissa > 0x7f_ffff || !(3..=32).contains(&exponent) {
        return Err(ApiError::invalid_field(
            "bits",
            "does not encode a valid positive target",
        ));
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in mantissa.to_be_bytes()[1..].iter().enumerate() {
        bytes[32 - exponent + i] = *byte;
    }
    let target_hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let max = f64::from(0xffff) * 256f64.powi(0x1d - 3);
    let difficulty = max / (f64::from(mantissa) * 256f64.powi(exponent as i32 - 3));
    Ok(Target { target_hex, difficulty })
}

/// Where the next difficulty adjustment falls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Retarget {
    /// Height of the next adjustment.
    pub height: u32,
    /// Blocks until then.
    pub blocks_remaining: u32,
    /// Seconds until then at 10 minutes a block.
    pub estimated_seconds: u64,
}

/// The next difficulty adjustment after a height.
///
/// # Arguments
/// * `height` - the current height
#[api_function(method = "GET", tags = ["hashstats", "compute"], read_only, idempotent, open_world = false)]
pub fn next_retarget(
    // Far beyond any real height, and below where the next retarget overflows a u32.
    #[arg(range(max = 1_000_000_000), example = 925_000)] height: u32,
) -> Retarget {
    let next = (height / RETARGET_INTERVAL + 1) * RETARGET_INTERVAL;
    let remaining = next - height;
    Retarget {
        height: next,
        blocks_remaining: remaining,
        estimated_seconds: u64::from(remaining) * 600,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsidy_halves() {
        assert_eq!(block_subsidy(0).sats, 5_000_000_000);
        assert_eq!(block_subsidy(840_000).sats, 312_500_000);
        assert_eq!(block_subsidy(13_440_000).sats, 0);
    }

    #[test]
    fn genesis_bits() {
        let target = bits_to_target("1d00ffff".into()).unwrap();
        assert_eq!(target.difficulty, 1.0);
        assert_eq!(target.target_hex, format!("00000000ffff{}", "0".repeat(52)));
    }

    #[test]
    fn hashrate_roundtrip() {
        let rate = difficulty_to_hashrate(1e14, None).unwrap();
        let back = hashrate_to_difficulty(rate.hashes_per_second, None).unwrap();
        assert!((back - 1e14).abs() < 1.0);
        assert_eq!(convert_hashrate(1.0, HashUnit::E, HashUnit::T), 1e6);
    }
}
