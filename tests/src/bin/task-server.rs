//! One replica of a task-running server on a shared Redis, for
//! `tests/interop/tasks_replicas.sh`: `REDIS_URL=redis://... REPLICA=r1
//! task-server serve --port N` (API keys from `API_KEYS`, as every CLI server).
//!
//! Every response carries `X-Replica: $REPLICA`, so the script sees which
//! replica answered each poll. Tasks have a 2-second lease, so a killed
//! replica's task fails within seconds.

use std::process::ExitCode;
use std::time::Duration;

use registry_core::{ApiError, Context, Registry, api_function};
use registry_server::axum::http::HeaderValue;
use registry_server::axum::response::Response;
use registry_server::tasks::{RedisTaskStore, TaskConfig};
use registry_server::{Cli, ServerConfig};

/// Count to `steps`, `step_ms` apart, reporting progress at each step; the count.
#[api_function(task = "optional")]
pub async fn slow_count(
    ctx: &Context,
    #[arg(range(min = 1, max = 50))] steps: u32,
    #[arg(range(max = 60000))] step_ms: u64,
) -> u32 {
    for step in 1..=steps {
        tokio::time::sleep(Duration::from_millis(step_ms)).await;
        ctx.report_progress(
            f64::from(step),
            Some(f64::from(steps)),
            Some(&format!("step {step} of {steps}")),
        );
    }
    steps
}

/// Prints `DROP GUARD ran for hold` to stderr if dropped before it finished.
struct Guard {
    finished: bool,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if !self.finished {
            eprintln!("DROP GUARD ran for hold");
        }
    }
}

/// Hold for `ms` milliseconds, then answer how long it held; always a task.
#[api_function(task = "required")]
pub async fn hold(#[arg(range(max = 600_000))] ms: u64) -> u64 {
    let mut guard = Guard { finished: false };
    eprintln!("hold started for {ms} ms");
    tokio::time::sleep(Duration::from_millis(ms)).await;
    guard.finished = true;
    ms
}

/// Spin (a sync function on the blocking pool) until cancelled, at most a
/// minute; how many 10 ms turns it made. Always a task.
#[api_function(task = "required")]
pub fn spin(ctx: &Context) -> Result<u64, ApiError> {
    let mut turns = 0u64;
    while !ctx.is_cancelled() {
        if turns >= 6000 {
            return Err(ApiError::timeout("spun for a minute without a cancel"));
        }
        std::thread::sleep(Duration::from_millis(10));
        turns += 1;
    }
    eprintln!("spin saw its cancel after {turns} turns");
    Ok(turns)
}

/// The sum of `a` and `b`: a plain function, never a task.
#[api_function(read_only)]
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("error: REDIS_URL must name the shared Redis");
        return ExitCode::FAILURE;
    };
    let store = match RedisTaskStore::connect(&url).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let store = match std::env::var("TASKS_KEY_PREFIX") {
        Ok(prefix) => store.key_prefix(prefix),
        Err(_) => store,
    };
    let registry = match Registry::builder().build() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let replica = std::env::var("REPLICA").unwrap_or_else(|_| "replica".to_owned());
    let replica = HeaderValue::from_str(&replica).unwrap_or_else(|_| HeaderValue::from_static("replica"));
    let config = ServerConfig::default()
        .info("task replicas", env!("CARGO_PKG_VERSION"))
        .tasks(
            TaskConfig::new(store)
                .lease(Duration::from_secs(2))
                .poll_interval(Duration::from_millis(200))
                .max_live(5_000, 2_000),
        )
        .extend_router(move |router| {
            let replica = replica.clone();
            router.layer(registry_server::axum::middleware::map_response(
                move |mut response: Response| {
                    let replica = replica.clone();
                    async move {
                        response.headers_mut().insert("x-replica", replica);
                        response
                    }
                },
            ))
        });
    Cli::parse_args().run(registry, config).await
}
