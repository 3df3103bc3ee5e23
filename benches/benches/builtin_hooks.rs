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

use criterion::{Criterion, criterion_group, criterion_main};
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

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Linked for its `add`.
    let _ = registry_benches::add;
    let plain = Registry::builder().name("add").build().unwrap();
    let quota = Quota::per_second(u32::MAX).unwrap();
    let limited = Registry::builder()
        .name("add")
        .hook(RateLimit::new(quota).max_keys(10_000))
        .build()
        .unwrap();

    // What any one hook costs, to tell the limiter's own work apart.
    let noop = Registry::builder()
        .name("add")
        .hook(registry_core::hook::before(|_: &mut registry_core::Call<'_>| Ok(())))
        .build()
        .unwrap();

    let mut group = c.benchmark_group("builtin_hooks");
    group.bench_function("no_hook/64_callers", |b| {
        b.iter_custom(|iters| contended(&rt, &plain, Keys::PerCaller, iters))
    });
    group.bench_function("noop_hook/64_callers", |b| {
        b.iter_custom(|iters| contended(&rt, &noop, Keys::PerCaller, iters))
    });
    group.bench_function("rate_limit/64_callers_one_key", |b| {
        b.iter_custom(|iters| contended(&rt, &limited, Keys::One, iters))
    });
    group.bench_function("rate_limit/64_callers_distinct_keys", |b| {
        b.iter_custom(|iters| contended(&rt, &limited, Keys::PerCaller, iters))
    });
    group.bench_function("rate_limit/churn", |b| {
        b.iter_custom(|iters| contended(&rt, &limited, Keys::Churn, iters))
    });
    group.finish();
}

criterion_group! {
    name = builtin_hooks;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(builtin_hooks);
