//! [`RateLimit`]: calls per caller and function, in memory, bounded.
//!
//! # Why not `governor`
//!
//! `governor` (0.10) was the first choice and does not fit two of the
//! requirements: its keyed limiter grows one entry per key until the
//! application calls `retain_recent()` (a full scan, from a task of its own,
//! which Lambda does not have), so it has no bound a flood of callers cannot
//! pass; and with its default features it brings `dashmap`, `quanta`,
//! `parking_lot`, `futures-timer`, `rand` and more into every build of the
//! server. The algorithm it implements, GCRA, is a few lines, so it is written
//! here over sharded `std` mutexes, with the bound enforced on insertion:
//! one key costs 16 bytes of map (plus hashbrown's control byte), and a key
//! whose theoretical arrival time has passed holds no information (it answers
//! exactly like a new key), so those are dropped first, then the ones
//! closest to it. Measured with `benches/benches/builtin_hooks.rs`
//! (BENCHMARKS.md, "Built-in hooks"), 64 callers contending on two workers:
//! the limiter's own work is 66–91 ns per call on one key or distinct keys
//! (146–172 ns when every call is a new caller), against 203–342 ns for a
//! no-op hook's place in the chain.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use registry_core::hook::{Hook, Next};
use registry_core::{ApiError, ApiFunction, Call, CallResult, Context, Quota, RateLimitStatus};

/// How many caller × function keys a [`RateLimit`] tracks unless told:
/// about 2 MiB of maps at most.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// Whom a call is counted against: the authenticated principal's id, else
/// the client's network address, else one key shared by every anonymous
/// caller without an address (stdio, in-process calls).
///
/// ```
/// use registry_core::{Context, Principal, Protocol};
/// use registry_server::hooks::CallerKey;
///
/// let ctx = Context::new(Protocol::Rest).with_client_addr([127, 0, 0, 1].into());
/// assert_eq!(CallerKey::of(&ctx), CallerKey::Address([127, 0, 0, 1].into()));
/// let ctx = ctx.with_principal(Principal::new("key-1", Vec::<String>::new()));
/// assert_eq!(CallerKey::of(&ctx), CallerKey::Principal("key-1"));
/// assert_eq!(CallerKey::of(&Context::new(Protocol::Direct)), CallerKey::Anonymous);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallerKey<'a> {
    /// [`Principal::id`](registry_core::Principal::id).
    Principal(&'a str),
    /// [`Context::client_addr`].
    Address(IpAddr),
    /// Neither is known.
    Anonymous,
}

impl<'a> CallerKey<'a> {
    /// The key `ctx`'s caller is counted under.
    pub fn of(ctx: &'a Context) -> Self {
        match (ctx.principal(), ctx.client_addr()) {
            (Some(principal), _) => CallerKey::Principal(&principal.id),
            (None, Some(addr)) => CallerKey::Address(addr),
            (None, None) => CallerKey::Anonymous,
        }
    }
}

/// A [hook](registry_core::hook) that limits how often each caller may call
/// each function: a function's `rate_limit = "10/s"`, else the hook's
/// default; a function with neither is not limited.
///
/// Callers are told apart by [`CallerKey`]. The limit is a GCRA (a token
/// bucket without a timer): `calls` per `per`, all of them usable at once,
/// then one every `per / calls`. A refused call answers
/// [`ErrorKind::RateLimited`](registry_core::ErrorKind::RateLimited) with a
/// [`RateLimitStatus`]: REST sends `429` with `Retry-After`,
/// `RateLimit-Policy` and `RateLimit`, MCP an `isError` result with
/// `retryAfterMs` and `rateLimit` in its `_meta`. Refused calls do not count.
///
/// State is in memory, per process, at most [`RateLimit::max_keys`] keys
/// (idle keys are dropped first; no background task, so it works on Lambda).
///
/// ```
/// use registry_core::{api_function, Context, ErrorKind, Protocol, Quota, Registry};
/// use registry_server::hooks::RateLimit;
/// use serde_json::json;
///
/// /// Ping, twice a second per caller.
/// #[api_function(rate_limit = "2/s")]
/// fn ping_twice() -> &'static str {
///     "pong"
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = Registry::builder()
///     .name("ping_twice")
///     .hook(RateLimit::new(Quota::per_second(100).unwrap()))
///     .build()
///     .unwrap();
/// let call = || registry.invoke("ping_twice", json!({}), Context::new(Protocol::Direct));
/// assert!(call().await.is_ok());
/// assert!(call().await.is_ok());
/// let refused = call().await.unwrap_err();
/// assert_eq!(refused.kind(), ErrorKind::RateLimited);
/// assert_eq!(refused.rate_limit().unwrap().quota, 2);
/// # }
/// ```
///
/// Clones share their state: keep one to read [`RateLimit::tracked_keys`]
/// after handing the other to the registry.
#[derive(Clone, Debug)]
pub struct RateLimit {
    inner: Arc<Limiter>,
}

#[derive(Debug)]
struct Limiter {
    default: Option<Quota>,
    max_keys: usize,
    policy: &'static str,
    /// Each shard holds at most `shard_capacity` keys, so all of them at
    /// most `max_keys`.
    shards: Box<[Mutex<Shard>]>,
    shard_capacity: usize,
    /// Keys are hashed once with a per-process random SipHash key; the maps
    /// store the 64-bit hash (see [`key_hash`]).
    hasher: RandomState,
    epoch: Instant,
}

/// Key hash → theoretical arrival time, in nanoseconds since the epoch.
type Shard = HashMap<u64, u64, BuildHasherDefault<Prehashed>>;

/// The shards' count: enough that 64 callers rarely meet on one lock.
const SHARDS: usize = 32;

impl RateLimit {
    /// Limits every function to `default`, unless its `rate_limit` says otherwise.
    pub fn new(default: Quota) -> Self {
        RateLimit::build(Some(default), DEFAULT_MAX_KEYS)
    }

    /// Limits only the functions that declare `rate_limit = "..."`.
    pub fn per_function_only() -> Self {
        RateLimit::build(None, DEFAULT_MAX_KEYS)
    }

    /// Tracks at most `max_keys` caller × function keys (default
    /// [`DEFAULT_MAX_KEYS`]); past it the idle keys, then the ones closest
    /// to idle, are forgotten (a forgotten caller starts with a full quota).
    /// (A new limiter: clones made before do not share its state.)
    #[must_use]
    pub fn max_keys(self, max_keys: usize) -> Self {
        RateLimit::build(self.inner.default, max_keys.max(1)).policy(self.inner.policy)
    }

    /// The policy's name in `RateLimit-Policy` and `RateLimit` (default
    /// `"per-caller"`). (A new limiter: clones made before do not share its state.)
    #[must_use]
    pub fn policy(self, name: &'static str) -> Self {
        let limiter = &self.inner;
        let mut fresh = RateLimit::build(limiter.default, limiter.max_keys);
        if let Some(inner) = Arc::get_mut(&mut fresh.inner) {
            inner.policy = name;
        }
        fresh
    }

    fn build(default: Option<Quota>, max_keys: usize) -> Self {
        // Fewer shards than keys would leave a shard with no room.
        let shards = SHARDS.min(max_keys);
        RateLimit {
            inner: Arc::new(Limiter {
                default,
                max_keys,
                policy: "per-caller",
                shards: (0..shards).map(|_| Mutex::new(Shard::default())).collect(),
                shard_capacity: max_keys / shards,
                hasher: RandomState::new(),
                epoch: Instant::now(),
            }),
        }
    }

    /// The quota `function` is held to: its own, else the default.
    pub fn quota_for(&self, function: &ApiFunction) -> Option<Quota> {
        function.rate_limit().or(self.inner.default)
    }

    /// The bound on [`RateLimit::tracked_keys`].
    pub fn max_key_count(&self) -> usize {
        self.inner.max_keys
    }

    /// How many caller × function keys are tracked now (at most [`RateLimit::max_key_count`]).
    pub fn tracked_keys(&self) -> usize {
        self.inner.shards.iter().map(|shard| lock(shard).len()).sum()
    }

    fn check(&self, function: &ApiFunction, caller: CallerKey<'_>, quota: Quota) -> Result<u32, ApiError> {
        self.inner.check(function, caller, quota)
    }
}

impl Limiter {
    /// Counts one call by `caller` to `function` against `quota`: `Ok` with
    /// the calls left, or the refusal.
    fn check(&self, function: &ApiFunction, caller: CallerKey<'_>, quota: Quota) -> Result<u32, ApiError> {
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.check_at(self.key_hash(function, caller), quota, now)
    }

    /// The GCRA step at `now` (nanoseconds since the epoch), apart from the clock for tests.
    fn check_at(&self, key: u64, quota: Quota, now: u64) -> Result<u32, ApiError> {
        let window = duration_nanos(quota.per());
        let interval = (window / u64::from(quota.calls())).max(1);
        // Shards by the high bits; the map's buckets use the low ones.
        let shard = &self.shards[usize::try_from(key >> 32).unwrap_or(0) % self.shards.len()];
        let horizon = now.saturating_add(window);
        let mut shard = lock(shard);
        // A known key is updated in place: one lookup on the common path.
        let slot = shard.get_mut(&key);
        let tat = slot.as_deref().copied().unwrap_or(0).max(now);
        let next = tat.saturating_add(interval);
        if next <= horizon {
            match slot {
                Some(slot) => *slot = next,
                None => {
                    if shard.len() >= self.shard_capacity {
                        make_room(&mut shard, self.shard_capacity, now);
                    }
                    shard.insert(key, next);
                }
            }
            drop(shard);
            return Ok(u32::try_from((horizon - next) / interval).unwrap_or(u32::MAX));
        }
        drop(shard);
        // Whole milliseconds, rounded up, so a caller who waits what
        // `retryAfterMs` says is let in.
        let wait = Duration::from_millis((next - horizon).div_ceil(1_000_000));
        let status = RateLimitStatus::new(self.policy, quota.calls(), quota.per(), 0, wait);
        Err(ApiError::rate_limited(format!(
            "rate limit of {quota} exceeded; retry in {} ms",
            wait.as_millis()
        ))
        .with_rate_limit(status))
    }

    /// One 64-bit key for caller × function. Two keys that collide would
    /// share a budget; with a random 64-bit SipHash key that takes about
    /// 2^32 tracked keys, far past any bound this hook is given.
    fn key_hash(&self, function: &ApiFunction, caller: CallerKey<'_>) -> u64 {
        let mut hasher = self.hasher.build_hasher();
        // Descriptors are `'static` and unique per function: the address is
        // its identity, cheaper to hash than the name.
        std::ptr::from_ref(function).hash(&mut hasher);
        caller.hash(&mut hasher);
        hasher.finish()
    }
}

impl Hook for RateLimit {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        let function = call.entry().function();
        if let Some(quota) = self.quota_for(function) {
            self.check(function, CallerKey::of(call.context()), quota)?;
        }
        next.run(call).await
    }
}

/// Frees at least one slot in a full shard: first every idle key (its
/// arrival time has passed, so it answers like a new key), then, when all
/// are busy, the eighth closest to idle, so a flood of new callers pays
/// for the scan once per eighth of the shard.
fn make_room(shard: &mut Shard, capacity: usize, now: u64) {
    shard.retain(|_, tat| *tat > now);
    if shard.len() < capacity {
        return;
    }
    let mut tats: Vec<u64> = shard.values().copied().collect();
    let evict = (tats.len() / 8).max(1);
    let (_, &mut cutoff, _) = tats.select_nth_unstable(evict - 1);
    let mut left = evict;
    shard.retain(|_, tat| {
        if left > 0 && *tat <= cutoff {
            left -= 1;
            return false;
        }
        true
    });
}

fn lock(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    // The critical sections cannot panic half-way; a poisoned map is still whole.
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

fn duration_nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// The maps' keys are already SipHash outputs: hashing them again is waste.
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; this is the generic fallback.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    #[test]
    fn gcra_allows_the_quota_then_one_per_interval() {
        let limit = RateLimit::per_function_only();
        let quota = Quota::per_second(2).unwrap();
        assert_eq!(limit.inner.check_at(7, quota, SECOND).unwrap(), 1);
        assert_eq!(limit.inner.check_at(7, quota, SECOND).unwrap(), 0);
        let refused = limit.inner.check_at(7, quota, SECOND).unwrap_err();
        assert_eq!(refused.retry_after(), Some(Duration::from_millis(500)));
        let status = refused.rate_limit().unwrap();
        assert_eq!(
            (status.quota, status.remaining, status.window),
            (2, 0, Duration::from_secs(1))
        );
        // Another key has its own budget.
        assert!(limit.inner.check_at(8, quota, SECOND).is_ok());
        // Half a second later one call is allowed again, and no more.
        assert_eq!(limit.inner.check_at(7, quota, SECOND + SECOND / 2).unwrap(), 0);
        assert!(limit.inner.check_at(7, quota, SECOND + SECOND / 2).is_err());
        // A whole window later the full quota is back.
        assert_eq!(limit.inner.check_at(7, quota, 3 * SECOND).unwrap(), 1);
    }

    #[test]
    fn the_bound_holds_and_idle_keys_go_first() {
        let limit = RateLimit::per_function_only().max_keys(1_000);
        let quota = Quota::per_minute(10).unwrap();
        for key in 0..10_000u64 {
            // Spread over the shards as real hashes are.
            let key = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            assert!(limit.inner.check_at(key, quota, SECOND).is_ok());
            assert!(limit.tracked_keys() <= 1_000);
        }
        assert!(limit.tracked_keys() > 800, "{}", limit.tracked_keys());
        // Two minutes on every key is idle: a busy key evicts them, not itself.
        let busy = 42u64.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for _ in 0..10 {
            limit.inner.check_at(busy, quota, 120 * SECOND).unwrap();
        }
        assert!(limit.inner.check_at(busy, quota, 120 * SECOND).is_err());
    }

    #[test]
    fn a_tiny_bound_still_limits() {
        let limit = RateLimit::per_function_only().max_keys(1);
        let quota = Quota::per_hour(1).unwrap();
        assert!(limit.inner.check_at(1, quota, SECOND).is_ok());
        assert!(limit.inner.check_at(1, quota, SECOND).is_err());
        assert!(limit.inner.check_at(2, quota, SECOND).is_ok());
        assert_eq!(limit.tracked_keys(), 1);
    }
}
