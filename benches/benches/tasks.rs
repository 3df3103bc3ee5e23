//! What a task costs against a plain call, in process through the server's
//! router (`Router::oneshot`):
//!
//! - `tasks/plain_call`: `POST /api/add_task` without `Prefer` (it runs and
//!   answers at once, as any call);
//! - `tasks/in_memory`: the same call with `Prefer: respond-async` (202, the
//!   task recorded in the `InMemoryTaskStore` and spawned), then
//!   `GET /api/tasks/{id}` until it answers 200 with the result: one task,
//!   created and polled to completion, per iteration;
//! - `tasks/redis` (feature `redis`, `REDIS_URL` set): the same with a
//!   `RedisTaskStore`, every step a round trip to that server.
//!
//! `cargo bench -p registry-benches --bench tasks` (add `--features redis`
//! and `REDIS_URL=redis://127.0.0.1:6379` for the Redis row).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registry_benches::timed;
use registry_core::{Registry, api_function};
use registry_server::axum::Router;
use registry_server::axum::body::{Body, to_bytes};
use registry_server::axum::http::{Request, StatusCode, header};
use registry_server::tasks::TaskConfig;
use registry_server::tower::ServiceExt as _;
use registry_server::{Server, ServerConfig};

/// Add two integers, as a task when asked.
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(task = "optional", read_only)]
async fn add_task(a: i64, b: i64) -> i64 {
    a + b
}

fn call(prefer: bool) -> Request<Body> {
    let mut request = Request::post("http://127.0.0.1/api/add_task").header(header::CONTENT_TYPE, "application/json");
    if prefer {
        request = request.header("prefer", "respond-async");
    }
    request.body(Body::from(r#"{"a":1,"b":2}"#)).expect("a request")
}

/// One task created and polled until it answers its result; the polls it took.
async fn task_round(router: &Router) -> u32 {
    let response = router.clone().oneshot(call(true)).await.expect("infallible");
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()[header::LOCATION].to_str().expect("ASCII").to_owned();
    let mut polls = 0;
    loop {
        polls += 1;
        let poll = Request::get(format!("http://127.0.0.1{location}"))
            .body(Body::empty())
            .expect("a request");
        let response = router.clone().oneshot(poll).await.expect("infallible");
        match response.status() {
            StatusCode::ACCEPTED => tokio::task::yield_now().await,
            StatusCode::OK => {
                let body = to_bytes(response.into_body(), 1024).await.expect("a body");
                assert_eq!(&body[..], b"3");
                return polls;
            }
            other => panic!("unexpected {other}"),
        }
    }
}

/// Records kept a second, so the hundreds of thousands of tasks a run makes
/// are swept as it goes instead of reaching the store's record bound.
fn config() -> TaskConfig {
    TaskConfig::default().ttl(Duration::from_secs(1))
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let registry = Registry::builder().name("add_task").build().expect("a registry");
    #[cfg_attr(not(feature = "redis"), allow(unused_mut))]
    let mut routers = vec![(
        "in_memory",
        Server::new(registry.clone(), ServerConfig::default().tasks(config()))
            .router()
            .expect("a router"),
    )];
    #[cfg(feature = "redis")]
    match std::env::var("REDIS_URL") {
        Ok(url) => {
            let store = rt
                .block_on(registry_server::tasks::RedisTaskStore::connect(&url))
                .expect("Redis at REDIS_URL");
            let config = ServerConfig::default().tasks(config().store(store));
            routers.push((
                "redis",
                Server::new(registry.clone(), config).router().expect("a router"),
            ));
        }
        Err(_) => eprintln!("REDIS_URL is not set: the Redis row is skipped"),
    }

    let mut group = c.benchmark_group("tasks");
    let plain = routers[0].1.clone();
    group.bench_function("plain_call", |b| {
        b.iter_custom(|iters| {
            timed(&rt, async {
                for _ in 0..iters {
                    let response = plain.clone().oneshot(call(false)).await.expect("infallible");
                    assert_eq!(response.status(), StatusCode::OK);
                    black_box(response);
                }
            })
        })
    });
    for (label, router) in &routers {
        let polls = rt.block_on(async {
            let mut polls = 0;
            for _ in 0..100 {
                polls += task_round(router).await;
            }
            polls
        });
        eprintln!(
            "tasks/{label}: {:.2} polls per task to completion",
            f64::from(polls) / 100.0
        );
        group.bench_function(*label, |b| {
            b.iter_custom(|iters| {
                timed(&rt, async {
                    for _ in 0..iters {
                        black_box(task_round(router).await);
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(tasks, benches);
criterion_main!(tasks);
