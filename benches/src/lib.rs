//! The functions the load benchmark serves through the framework, and their
//! hand-written twins for the floor server and the micro-benchmarks.
//!
//! `scripts/bench.sh` drives `bench-server` (these functions through
//! `#[api_function]`, served by `registry_server::Cli`) against
//! `floor-server` (the same bodies behind hand-written axum handlers).

use std::time::Duration;

use registry_core::api_function;

/// Add two integers (async: awaited on the request's task).
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(tags = ["bench"], read_only)]
pub async fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// Add two integers (sync: run on the blocking pool).
///
/// # Arguments
/// * `a` - the first addend
/// * `b` - the second addend
#[api_function(tags = ["bench"], read_only)]
pub fn add_sync(a: i64, b: i64) -> i64 {
    a + b
}

/// Sleep 10 ms without blocking, then answer 10.
#[api_function(tags = ["bench"])]
pub async fn sleep10() -> i64 {
    tokio::time::sleep(Duration::from_millis(10)).await;
    10
}

/// Block the calling thread for 10 ms, then answer 10.
#[api_function(tags = ["bench"])]
pub fn block10() -> i64 {
    std::thread::sleep(Duration::from_millis(10));
    10
}

/// Answer at once: the latency probe while `block10` saturates the blocking pool.
#[api_function(tags = ["bench"], read_only)]
pub async fn probe() -> i64 {
    1
}

/// Runs `body` inside one `block_on` of `rt` and returns how long it took:
/// the criterion `iter_custom` timer of the async rows, so runtime entry is
/// not counted per call.
pub fn timed<F: std::future::Future<Output = ()>>(rt: &tokio::runtime::Runtime, body: F) -> std::time::Duration {
    rt.block_on(async {
        let start = std::time::Instant::now();
        body.await;
        start.elapsed()
    })
}
