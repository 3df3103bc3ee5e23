//! [`ConcurrencyLimit`]: at most `max_concurrency` calls of a function at
//! once, a bounded queue behind them, and the rest shed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use registry_core::hook::{Hook, Next};
use registry_core::{ApiError, ApiFunction, Call, CallResult};
use tokio::sync::Semaphore;

/// A [hook](registry_core::hook) that lets at most `max_concurrency` calls of
/// a function run at once (the `max_concurrency = 4` option; functions
/// without it are not limited).
///
/// A call over the limit waits in a queue, first come first served, as long
/// as the queue has room; beyond that it is shed at once with
/// [`ErrorKind::Unavailable`](registry_core::ErrorKind::Unavailable) (REST
/// `503` with `Retry-After`, MCP `isError` with `retryAfterMs`). A waiting
/// call is still under its function's timeout and its caller's cancellation:
/// the registry's timeout covers the hooks, so a call that waits too long
/// answers `timeout` and leaves the queue.
///
/// The limit is per process (per Lambda instance).
///
/// ```
/// use registry_core::Registry;
/// use registry_server::hooks::ConcurrencyLimit;
/// use std::time::Duration;
///
/// let hook = ConcurrencyLimit::new().queue(0).retry_after(Duration::from_millis(200));
/// let registry = Registry::builder().hook(hook).build();
/// # let _ = registry;
/// ```
#[derive(Debug, Default)]
pub struct ConcurrencyLimit {
    /// `None`: each function's queue is as long as its `max_concurrency`.
    queue: Option<usize>,
    retry_after: Option<Duration>,
    /// One gate per limited function, made on its first call.
    gates: Mutex<HashMap<usize, Arc<Gate>>>,
}

/// The retry delay a shed call is given unless told.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug)]
struct Gate {
    permits: Semaphore,
    /// Calls waiting for a permit now.
    waiting: AtomicUsize,
    queue: usize,
}

impl ConcurrencyLimit {
    /// Each limited function's queue holds as many calls as may run (its `max_concurrency`).
    pub fn new() -> Self {
        ConcurrencyLimit::default()
    }

    /// Lets `len` calls of each limited function wait for a slot (`0`: shed
    /// every call over the limit at once).
    #[must_use]
    pub fn queue(mut self, len: usize) -> Self {
        self.queue = Some(len);
        self
    }

    /// The retry delay a shed call is told (default 1 s).
    #[must_use]
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    fn gate(&self, function: &'static ApiFunction, limit: u32) -> Arc<Gate> {
        let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
        let key = std::ptr::from_ref(function) as usize;
        let gate = gates.entry(key).or_insert_with(|| {
            let permits = usize::try_from(limit).unwrap_or(usize::MAX).min(Semaphore::MAX_PERMITS);
            Arc::new(Gate {
                permits: Semaphore::new(permits),
                waiting: AtomicUsize::new(0),
                queue: self.queue.unwrap_or(permits),
            })
        });
        Arc::clone(gate)
    }

    fn shed(&self, function: &ApiFunction, limit: u32) -> ApiError {
        ApiError::unavailable(format!(
            "`{}` is running its limit of {limit} concurrent call(s) and its queue is full; retry later",
            function.name()
        ))
        .with_retry_after(self.retry_after.unwrap_or(DEFAULT_RETRY_AFTER))
    }
}

impl Hook for ConcurrencyLimit {
    async fn call(&self, call: Call<'_>, next: Next<'_>) -> CallResult {
        let function = call.entry().function();
        let Some(limit) = function.max_concurrency() else {
            return next.run(call).await;
        };
        let gate = self.gate(function, limit);
        let _permit = match gate.permits.try_acquire() {
            Ok(permit) => permit,
            Err(_) => {
                if gate.waiting.fetch_add(1, Ordering::AcqRel) >= gate.queue {
                    gate.waiting.fetch_sub(1, Ordering::AcqRel);
                    return Err(self.shed(function, limit));
                }
                // Leaves the queue however the wait ends: a permit, or the
                // timeout or a cancellation dropping this future.
                let _waiting = Waiting(&gate.waiting);
                tokio::select! {
                    permit = gate.permits.acquire() => permit.map_err(|_| self.shed(function, limit))?,
                    () = call.context().cancelled() => {
                        return Err(ApiError::new(
                            registry_core::ErrorKind::Cancelled,
                            format!("the call to `{}` was cancelled while queued", function.name()),
                        ));
                    }
                }
            }
        };
        next.run(call).await
    }
}

/// Counts one queued call until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
