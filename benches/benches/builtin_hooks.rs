//! The rate-limit hook's cost per `Registry::invoke` under contention: 64
//! concurrent callers on a 2-worker runtime, no hook against the hook with
//! every caller on one key and each caller on its own key, in one run.
//!
//! Every row spawns 64 tasks that share `iters` calls of the async `add`
//! between them and times them all; each call builds a fresh context (the
//! client address is the caller's key, which costs no allocation), the same
//! in every row. The quota is so large nothing is refused: the rows measure
//! the check, not the refusal. `rate_limit/churn` gives every call a new
//! caller from a space ten times the key bound, so the eviction path runs.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use registry_core::{Context, Protocol, Quota, Registry};
use registry_server::hooks::RateLimit;
use serde_json::json;

const CALLERS: u64 = 64;

/// How each call picks its caller's address.
#[derive(Clone, Copy)]
enum Keys {
    /// Every call the same address.
    One,
    /// Each of the 64 tasks its own address.
    PerCaller,
    /// Every call a new address out of 100,000.
    Churn,
}

fn addr(keys: Keys, task: u64, call: u64) -> IpAddr {
    let n = match keys {
        Keys::One => 0,
        Keys::PerCaller => task,
        Keys::Churn => (task * 1_000_003 + call * 7_919) % 100_000,
    };
    IpAddr::V4(Ipv4Addr::from(0x0A00_0000 + u32::try_from(n).unwrap_or(0)))
}

fn contended(rt: &tokio::runtime::Runtime, registry: &Registry, keys: Keys, iters: u64) -> Duration {
    rt.block_on(async {
        let per_task = iters.div_ceil(CALLERS);
        let start = Instant::now();
        let tasks: Vec<_> = (0..CALLERS)
            .map(|task| {
                let registry = registry.clone();
                tokio::spawn(async move {
                    for call in 0..per_task {
                        let ctx = Context::new(Protocol::Rest).with_client_addr(addr(keys, task, call));
                        let out = registry.invoke("add", json!({"a": 1, "b": 2}), ctx).await;
                        black_box(out.unwrap());
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        // Scaled to `iters` calls when they did not divide evenly.
        start.elapsed().mul_f64(iters as f64 / (per_task * CALLERS) as f64)
    })
}

/// The rows: no hook, a no-op hook (what any one hook costs), the rate
/// limit with one key, a key per caller, and a new key every call.
fn rows() -> Vec<(&'static str, Registry, Keys)> {
    // Linked for its `add`.
    let _ = registry_benches::add;
    let plain = Registry::builder().name("add").build().unwrap();
    let noop = Registry::builder()
        .name("add")
        .hook(registry_core::hook::before(|_: &mut registry_core::Call<'_>| Ok(())))
        .build()
        .unwrap();
    // So large nothing is refused: the rows measure the check.
    let quota = Quota::per_second(u32::MAX).unwrap();
    let limited = Registry::builder()
        .name("add")
        .hook(RateLimit::new(quota).max_keys(10_000))
        .build()
        .unwrap();
    vec![
        ("no_hook/64_callers", plain, Keys::PerCaller),
        ("noop_hook/64_callers", noop, Keys::PerCaller),
        ("rate_limit/64_callers_one_key", limited.clone(), Keys::One),
        ("rate_limit/64_callers_distinct_keys", limited.clone(), Keys::PerCaller),
        ("rate_limit/churn", limited, Keys::Churn),
    ]
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("builtin_hooks");
    for (name, registry, keys) in rows() {
        group.bench_function(name, |b| b.iter_custom(|iters| contended(&rt, &registry, keys, iters)));
    }
    group.finish();
}

criterion_group! {
    name = builtin_hooks;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = benches
}

/// The same rows measured in turns: 31 rounds, each row ~20,000 calls a
/// round, the order rotated each round, so load that comes and goes (this
/// machine is shared) falls on every row alike. Prints each row's median
/// ns per call and the median of its per-round difference to `no_hook` and
/// to `noop_hook` (the limiter's own work).
fn paired() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let rows = rows();
    const ROUNDS: usize = 31;
    const CALLS: u64 = 20_480;
    let mut samples = vec![Vec::with_capacity(ROUNDS); rows.len()];
    for round in 0..ROUNDS {
        for i in 0..rows.len() {
            let row = (i + round) % rows.len();
            let (_, registry, keys) = &rows[row];
            let elapsed = contended(&rt, registry, *keys, CALLS);
            samples[row].push(elapsed.as_nanos() as f64 / CALLS as f64);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let base = samples[0].clone();
    let noop = samples[1].clone();
    println!(
        "paired, {ROUNDS} rounds of {CALLS} calls a row (64 callers, 2 workers): median ns/call; median per-round difference"
    );
    println!(
        "{:<40} {:>9} {:>14} {:>16} {:>8}",
        "row", "ns/call", "- no_hook", "- noop_hook", "ratio"
    );
    for ((name, _, _), row) in rows.iter().zip(&samples) {
        let over_base = median(row.iter().zip(&base).map(|(r, b)| r - b).collect());
        let over_noop = median(row.iter().zip(&noop).map(|(r, b)| r - b).collect());
        let ratio = median(row.iter().zip(&base).map(|(r, b)| r / b).collect());
        println!(
            "{name:<40} {:>9.0} {over_base:>14.0} {over_noop:>16.0} {ratio:>8.2}",
            median(row.clone())
        );
    }
}

fn main() {
    builtin_hooks();
    Criterion::default().configure_from_args().final_summary();
    // Only when benchmarking, not under `cargo test --benches`.
    if std::env::args().any(|arg| arg == "--bench") {
        paired();
    }
}
