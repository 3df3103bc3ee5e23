//! What call hooks cost `Registry::invoke`: the same async call with no
//! hook, one no-op async hook (`Hook`), one no-op sync `before` closure, and
//! a chain of four no-op hooks, interleaved in one run so the ratios compare
//! like with like.
//!
//! A registry without hooks takes the same code path as before hooks
//! existed (one `is_empty` check); `no_hook` is that path.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_benches::timed;
use registry_core::hook::{Hook, Next, before};
use registry_core::{Call, CallResult, Context, Protocol, Registry};
use serde_json::json;

/// Does nothing but go on.
struct Noop;

impl Hook for Noop {
    async fn call(&self, call: &mut Call<'_>, next: Next<'_>) -> CallResult {
        next.run(call).await
    }
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let registries = [
        ("no_hook", Registry::builder().name("add").build().unwrap()),
        (
            "async_noop",
            Registry::builder().name("add").hook(Noop).build().unwrap(),
        ),
        (
            "sync_before",
            Registry::builder()
                .name("add")
                .hook(before(|_: &mut Call<'_>| Ok(())))
                .build()
                .unwrap(),
        ),
        (
            "four_async_noops",
            Registry::builder()
                .name("add")
                .hook(Noop)
                .hook(Noop)
                .hook(Noop)
                .hook(Noop)
                .build()
                .unwrap(),
        ),
    ];
    let args = json!({"a": 1, "b": 2});
    let mut group = c.benchmark_group("hooks");
    for (label, registry) in &registries {
        group.bench_function(*label, |b| {
            b.iter_custom(|iters| {
                timed(&rt, async {
                    for _ in 0..iters {
                        let out = registry
                            .invoke("add", black_box(args.clone()), Context::new(Protocol::Direct))
                            .await;
                        black_box(out.unwrap());
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = hooks;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(hooks);
