//! `Registry::invoke` against calling the function directly: the dispatch
//! overhead (lookup, argument decoding, call, result encoding, timeout and
//! cancellation wrapper) for an async and a sync function.
//!
//! Every row runs `iters` calls inside one `block_on`, so runtime entry is
//! not counted. Rows that take a JSON arguments object clone it per call
//! (`invoke` consumes its arguments); `args/clone` is that clone alone.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_benches::{add, add_sync, timed};
use registry_core::{Context, Protocol, Registry};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct AddArgs {
    a: i64,
    b: i64,
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let registry = Registry::builder().name("add").name("add_sync").build().unwrap();
    let args = json!({"a": 1, "b": 2});
    let mut group = c.benchmark_group("invoke");

    group.bench_function("args/clone", |b| b.iter(|| black_box(args.clone())));
    group.bench_function("context/new", |b| b.iter(|| black_box(Context::new(Protocol::Direct))));

    group.bench_function("async/direct", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    black_box(add(black_box(1), black_box(2)).await);
                }
            })
        })
    });
    group.bench_function("async/hand_decode_encode", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    let AddArgs { a, b } = serde_json::from_value(black_box(args.clone())).unwrap();
                    let out: Value = serde_json::to_value(add(a, b).await).unwrap();
                    black_box(out);
                }
            })
        })
    });
    group.bench_function("async/invoke", |b| {
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

    group.bench_function("sync/direct", |b| {
        b.iter(|| black_box(add_sync(black_box(1), black_box(2))))
    });
    group.bench_function("sync/hand_spawn_blocking", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    let args = black_box(args.clone());
                    let out = tokio::task::spawn_blocking(move || {
                        let AddArgs { a, b } = serde_json::from_value(args).unwrap();
                        serde_json::to_value(add_sync(a, b)).unwrap()
                    })
                    .await
                    .unwrap();
                    black_box(out);
                }
            })
        })
    });
    group.bench_function("sync/invoke", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    let out = registry
                        .invoke("add_sync", black_box(args.clone()), Context::new(Protocol::Direct))
                        .await;
                    black_box(out.unwrap());
                }
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = invoke;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(invoke);
