//! Long-running calls: a function declared `#[api_function(task = "optional")]`
//! or `task = "required"` may answer with a task handle instead of its result,
//! on MCP (the Tasks extension, `io.modelcontextprotocol/tasks`, and the
//! 2025-11-25 era's tasks) and on REST (`202 Accepted` with
//! `Location: /api/tasks/{id}`), from one [`TaskStore`].
//!
//! The replica that accepts a call records the task (durably: any replica
//! answers for it once the response naming it is sent), runs the call
//! through [`Registry::call`] on its own tokio task, renews a lease while it
//! runs and writes the outcome when it ends. Any replica answers a poll or a
//! cancel: a cancel marks the record `cancelled`, and the runner, watching
//! its record at every heartbeat, drops the call's future (an async
//! function's guards run) and cancels its [`Context`] (a sync function sees
//! [`Context::is_cancelled`]). A task whose runner stopped (the replica was
//! killed) is `failed` with kind `unavailable` once its lease runs out.
//!
//! ```
//! use std::time::Duration;
//! use registry_server::ServerConfig;
//! use registry_server::tasks::{InMemoryTaskStore, TaskConfig};
//!
//! let config = ServerConfig::default().tasks(
//!     TaskConfig::new(InMemoryTaskStore::new())
//!         .ttl(Duration::from_secs(600))
//!         .max_live(100, 10),
//! );
//! # let _ = config;
//! ```

mod record;
mod store;

#[cfg(feature = "redis")]
mod redis;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use registry_core::{
    ApiError, Arguments, Call, CancellationToken, Context, ErrorKind, Progress, Registry, TaskSupport,
};

pub use record::{
    Beat, Finish, Heartbeat, StoredError, StoredField, TaskOutcome, TaskProgress, TaskRecord, TaskStatus, is_id,
    new_id, now_ms, timestamp,
};
#[cfg(feature = "redis")]
pub use redis::RedisTaskStore;
pub use store::{Finished, InMemoryTaskStore, Limits, StoreError, StoreFuture, TaskStore};

/// How a server runs tasks: the store and its bounds
/// ([`ServerConfig::tasks`](crate::ServerConfig::tasks)).
///
/// Without it, a server whose registry has task-capable functions uses an
/// [`InMemoryTaskStore`] with the defaults below.
#[derive(Clone)]
pub struct TaskConfig {
    store: Arc<dyn TaskStore>,
    ttl: Duration,
    lease: Duration,
    poll_interval: Duration,
    limits: Limits,
}

impl std::fmt::Debug for TaskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskConfig")
            .field("ttl", &self.ttl)
            .field("lease", &self.lease)
            .field("poll_interval", &self.poll_interval)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for TaskConfig {
    fn default() -> Self {
        TaskConfig::new(InMemoryTaskStore::new())
    }
}

impl TaskConfig {
    /// Tasks kept in `store`; a record lives an hour, a runner's lease is
    /// 15 seconds, clients are asked to poll every second, and at most
    /// 10,000 tasks run at once (1,000 per caller).
    pub fn new(store: impl TaskStore) -> Self {
        TaskConfig {
            store: Arc::new(store),
            ttl: Duration::from_secs(3600),
            lease: Duration::from_secs(15),
            poll_interval: Duration::from_secs(1),
            limits: Limits {
                total: 10_000,
                per_owner: 1_000,
            },
        }
    }

    /// Uses `store` (shared by every replica, such as a `RedisTaskStore`).
    #[must_use]
    pub fn store(mut self, store: impl TaskStore) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// How long a task's record (and its result) is kept after it is
    /// created; a client may ask for less (2025-11-25 `task.ttl`), never more.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// How long a runner's lease lasts without renewal: a task whose
    /// replica stopped is `failed` (kind `unavailable`) this long after its
    /// last heartbeat. Heartbeats, which also pick up cancels from other
    /// replicas, come every third of it, and at least every second.
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(300));
        self
    }

    /// The polling interval suggested to clients (`pollIntervalMs`, REST `Retry-After`).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(10));
        self
    }

    /// At most `total` live tasks, and `per_caller` for one principal
    /// (anonymous callers share one count); past either, new tasks are
    /// refused with `unavailable` (HTTP 503) and plain calls go on.
    #[must_use]
    pub fn max_live(mut self, total: usize, per_caller: usize) -> Self {
        self.limits = Limits {
            total: total.max(1),
            per_owner: per_caller.max(1),
        };
        self
    }

    fn heartbeat(&self) -> Duration {
        (self.lease / 3).min(Duration::from_secs(1))
    }
}

/// Why a task request was refused: precise for the caller, and the same on
/// both protocols.
#[derive(Debug)]
pub(crate) enum TaskError {
    /// The id is not 32 lowercase hex digits.
    Malformed,
    /// No such task for this caller (never created, expired, or another's).
    NotFound,
    /// Cancel of a finished task.
    Finished(Box<TaskRecord>),
    /// The store failed.
    Store(StoreError),
}

impl TaskError {
    /// The error as an [`ApiError`] (for REST problems and MCP messages).
    pub(crate) fn to_api(&self) -> ApiError {
        match self {
            TaskError::Malformed => ApiError::invalid_field("taskId", "a task id is 32 lowercase hex digits"),
            TaskError::NotFound => ApiError::not_found("Task not found (unknown, expired, or not yours)"),
            TaskError::Finished(record) => ApiError::conflict(format!(
                "the task has finished already (status {}); a finished task cannot be cancelled",
                record.status.as_str()
            )),
            TaskError::Store(err) => unavailable(err),
        }
    }
}

fn unavailable(err: &StoreError) -> ApiError {
    match err {
        StoreError::Full { .. } => {
            ApiError::unavailable(format!("no new task can start now: {err}")).with_retry_after(Duration::from_secs(1))
        }
        StoreError::Unavailable(_) => {
            ApiError::unavailable("the task store is unavailable; new tasks cannot start").with_internal(err)
        }
    }
}

/// The running tasks of one server: started here, answered from the store.
pub(crate) struct Tasks {
    registry: Registry,
    config: TaskConfig,
    /// Runners on this replica, so a cancel that lands here stops the call at once.
    running: Mutex<HashMap<String, CancellationToken>>,
}

impl std::fmt::Debug for Tasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The owner of tasks a context creates or reads: its principal's id.
pub(crate) fn owner(ctx: &Context) -> Option<String> {
    ctx.principal().map(|p| p.id.clone())
}

impl Tasks {
    /// The tasks of `registry`'s functions, or `None` when none is task-capable.
    pub(crate) fn new(registry: &Registry, config: Option<TaskConfig>) -> Option<Arc<Tasks>> {
        let capable = registry
            .entries()
            .iter()
            .any(|entry| entry.function().task_support() != TaskSupport::Forbidden);
        capable.then(|| {
            Arc::new(Tasks {
                registry: registry.clone(),
                config: config.unwrap_or_default(),
                running: Mutex::new(HashMap::new()),
            })
        })
    }

    /// The suggested polling interval.
    pub(crate) fn poll_interval(&self) -> Duration {
        self.config.poll_interval
    }

    /// Checks the call (access, the whole input schema), records a task for
    /// `name` and starts it on its own tokio task; the record (`working`)
    /// once it is durably stored. `ttl_ms` is the
    /// client's wish, capped by the configured TTL.
    pub(crate) async fn start(
        self: &Arc<Self>,
        name: &'static str,
        args: Arguments,
        ctx: Context,
        ttl_ms: Option<u64>,
    ) -> Result<TaskRecord, ApiError> {
        // Bad input and missing scopes are refused now, not reported by the task.
        let entry = self
            .registry
            .get(name)
            .ok_or_else(|| ApiError::not_found(format!("no function named `{name}`")))?;
        self.registry.check_call(entry, &args, &ctx)?;
        let now = now_ms();
        let max_ttl = u64::try_from(self.config.ttl.as_millis()).unwrap_or(u64::MAX);
        let record = TaskRecord {
            id: new_id(),
            owner: owner(&ctx),
            function: name.to_owned(),
            status: TaskStatus::Working,
            status_message: None,
            progress: None,
            created_at_ms: now,
            updated_at_ms: now,
            ttl_ms: ttl_ms.map_or(max_ttl, |ttl| ttl.clamp(1000, max_ttl)),
            lease_until_ms: now + millis(self.config.lease),
            outcome: None,
        };
        self.config
            .store
            .create(&record, self.config.limits)
            .await
            .map_err(|err| {
                tracing::warn!(function = name, "task refused: {err}");
                unavailable(&err)
            })?;
        let token = CancellationToken::new();
        self.lock_running().insert(record.id.clone(), token.clone());
        let latest = Arc::new(Mutex::new(None::<Progress>));
        let sink = Arc::clone(&latest);
        let ctx = ctx.with_cancel_token(token.clone()).with_progress(move |progress| {
            *sink.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(progress)
        });
        let tasks = Arc::clone(self);
        let id = record.id.clone();
        tokio::spawn(async move {
            tasks.run(&id, name, args, ctx, token, latest).await;
            tasks.lock_running().remove(&id);
        });
        tracing::debug!(function = name, task = %record.id, "task started");
        Ok(record)
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One task's runner: the call, raced against heartbeats that renew the
    /// lease, record progress and stop the call when the record says so.
    async fn run(
        &self,
        id: &str,
        name: &'static str,
        args: Arguments,
        ctx: Context,
        token: CancellationToken,
        latest: Arc<Mutex<Option<Progress>>>,
    ) {
        let Some(entry) = self.registry.get(name) else {
            return;
        };
        let call = self.registry.call(Call::new(entry, args, ctx));
        tokio::pin!(call);
        // The first beat one period from now: an interval's immediate first
        // tick still waits for the timer wheel's next millisecond, which an
        // instant function would pay in full.
        let every = self.config.heartbeat();
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let outcome = loop {
            tokio::select! {
                biased;
                outcome = &mut call => break Some(outcome),
                () = token.cancelled() => break None,
                _ = ticks.tick() => {
                    let progress = latest.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                    let now = now_ms();
                    let beat = Heartbeat {
                        lease_until_ms: now + millis(self.config.lease),
                        status_message: progress.as_ref().and_then(|p| p.message.clone()),
                        progress: progress.map(|p| TaskProgress { progress: p.progress, total: p.total }),
                        at_ms: now,
                    };
                    match self.config.store.heartbeat(id, &beat).await {
                        Ok(Beat::Working) => {}
                        Ok(Beat::Stop | Beat::Gone) => break None,
                        // The lease runs out if the store stays away; until
                        // then the call goes on.
                        Err(err) => tracing::warn!(task = id, function = name, "task heartbeat failed: {err}"),
                    }
                }
            }
        };
        let Some(outcome) = outcome else {
            // Dropping the call's future drops an async function's state (its
            // guards run); Registry::call's drop guard cancels the context a
            // sync function watches.
            tracing::info!(task = id, function = name, "task stopped: cancelled");
            return;
        };
        let finish = finish_of(&outcome);
        if let Err(err) = self.config.store.finish(id, &finish).await {
            tracing::error!(
                task = id,
                function = name,
                "the task's outcome could not be stored: {err}"
            );
        }
    }

    /// The task `id` as `caller` may see it; a working task whose lease ran
    /// out is failed (kind `unavailable`) first.
    pub(crate) async fn get(&self, id: &str, caller: Option<&str>) -> Result<TaskRecord, TaskError> {
        if !is_id(id) {
            return Err(TaskError::Malformed);
        }
        let record = self.config.store.get(id).await.map_err(TaskError::Store)?;
        let record = match record {
            Some(record) if record.owner.as_deref() == caller => record,
            _ => return Err(TaskError::NotFound),
        };
        if !record.lease_lost(now_ms()) {
            return Ok(record);
        }
        let error = ApiError::unavailable("the replica running this task stopped before it finished");
        let finish = Finish {
            status: TaskStatus::Failed,
            status_message: Some(error.message().to_owned()),
            outcome: Some(TaskOutcome::Error(StoredError::from_api(&error))),
            at_ms: now_ms(),
        };
        match self.config.store.finish(id, &finish).await.map_err(TaskError::Store)? {
            Finished::Moved(record) => {
                tracing::warn!(task = id, function = %record.function, "task failed: its runner's lease ran out");
                Ok(record)
            }
            Finished::AlreadyTerminal(record) => Ok(record),
            Finished::Missing => Err(TaskError::NotFound),
        }
    }

    /// Cancels `id` for `caller`: the record is `cancelled` when this
    /// returns; the runner, here or on another replica, stops the call.
    pub(crate) async fn cancel(&self, id: &str, caller: Option<&str>) -> Result<TaskRecord, TaskError> {
        let record = self.get(id, caller).await?;
        if record.status.is_terminal() {
            return Err(TaskError::Finished(Box::new(record)));
        }
        let finish = Finish {
            status: TaskStatus::Cancelled,
            status_message: Some("The task was cancelled by request.".to_owned()),
            outcome: None,
            at_ms: now_ms(),
        };
        let moved = match self.config.store.finish(id, &finish).await.map_err(TaskError::Store)? {
            Finished::Moved(record) => record,
            Finished::AlreadyTerminal(record) => return Err(TaskError::Finished(Box::new(record))),
            Finished::Missing => return Err(TaskError::NotFound),
        };
        if let Some(token) = self.lock_running().get(id) {
            token.cancel();
        }
        Ok(moved)
    }

    /// Waits until `id` is terminal (the 2025-11-25 `tasks/result`),
    /// polling the store; ends early if `stop` is cancelled.
    pub(crate) async fn wait(
        &self,
        id: &str,
        caller: Option<&str>,
        stop: &CancellationToken,
    ) -> Result<TaskRecord, TaskError> {
        let mut every = Duration::from_millis(20);
        loop {
            let record = self.get(id, caller).await?;
            if record.status.is_terminal() {
                return Ok(record);
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = stop.cancelled() => return Ok(record),
            }
            every = (every * 2).min(self.config.poll_interval);
        }
    }

    /// The tasks `caller` may see, newest first.
    pub(crate) async fn list(&self, caller: Option<&str>) -> Result<Vec<TaskRecord>, TaskError> {
        self.config.store.list(caller).await.map_err(TaskError::Store)
    }
}

/// The terminal state of a finished call: a result, or an error that MCP
/// reports as a tool result (`completed`, `isError`), or a protocol fault
/// (`failed`: an internal error).
fn finish_of(outcome: &Result<serde_json::Value, ApiError>) -> Finish {
    let at_ms = now_ms();
    match outcome {
        Ok(value) => Finish {
            status: TaskStatus::Completed,
            status_message: None,
            outcome: Some(TaskOutcome::Value(value.clone())),
            at_ms,
        },
        Err(err) => Finish {
            status: if err.kind() == ErrorKind::Internal {
                TaskStatus::Failed
            } else {
                TaskStatus::Completed
            },
            status_message: Some(err.message().to_owned()),
            outcome: Some(TaskOutcome::Error(StoredError::from_api(err))),
            at_ms,
        },
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
