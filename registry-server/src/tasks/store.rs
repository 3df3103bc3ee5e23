//! [`TaskStore`]: where task records live, so that any replica answers for
//! any task; and [`InMemoryTaskStore`], the one-process default.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use super::record::{Beat, Finish, Heartbeat, TaskRecord, TaskStatus};

/// The future a [`TaskStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Why a store could not do what was asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Too many live tasks, in all or for this owner: new tasks are refused
    /// until some finish (HTTP 503, MCP `unavailable`).
    #[error("too many tasks running {scope}: at most {limit}")]
    Full {
        /// `"in all"` or `"for this caller"`.
        scope: &'static str,
        /// The limit reached.
        limit: usize,
    },
    /// The store cannot be reached or answered wrongly (Redis down, say).
    #[error("task store unavailable: {0}")]
    Unavailable(String),
}

/// The bounds [`TaskStore::create`] enforces on live (working) tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Live tasks in all.
    pub total: usize,
    /// Live tasks of one owner (anonymous callers share one count).
    pub per_owner: usize,
}

/// What [`TaskStore::finish`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Finished {
    /// The task moved to the terminal state asked for: the record now.
    Moved(TaskRecord),
    /// It had finished already (terminal states never change): the record
    /// as it is.
    AlreadyTerminal(TaskRecord),
    /// No such task (never created, or expired).
    Missing,
}

/// Durable task records shared by every replica of a server.
///
/// Every method is one atomic step: a store shared by replicas (Redis) runs
/// each as one script or transaction, so two replicas never both move a task
/// to a terminal state, and counts of live tasks stay exact. A working task
/// is *live* until it finishes or its lease runs out.
///
/// Implement it for another backend (DynamoDB, PostgreSQL) and pass it to
/// [`TaskConfig::store`](super::TaskConfig::store).
pub trait TaskStore: Send + Sync + 'static {
    /// Records a new working task, durably (a [`get`](Self::get) on any
    /// replica finds it once this returns), unless `limits` are reached.
    fn create<'a>(&'a self, record: &'a TaskRecord, limits: Limits) -> StoreFuture<'a, ()>;

    /// The record of `id`, if it exists and has not expired.
    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>>;

    /// The running replica renews its lease and records progress; the
    /// answer says whether to go on.
    fn heartbeat<'a>(&'a self, id: &'a str, beat: &'a Heartbeat) -> StoreFuture<'a, Beat>;

    /// Moves `id` to a terminal state if it is still working.
    fn finish<'a>(&'a self, id: &'a str, finish: &'a Finish) -> StoreFuture<'a, Finished>;

    /// The records `owner` may see (for the 2025-11-25 `tasks/list`), newest first.
    fn list<'a>(&'a self, owner: Option<&'a str>) -> StoreFuture<'a, Vec<TaskRecord>>;
}

/// Task records in this process's memory: the default store, right for one
/// replica (a task started here is answered only here, and lost if the
/// process stops).
///
/// Expired records are dropped as new tasks are created.
#[derive(Debug, Default)]
pub struct InMemoryTaskStore {
    tasks: Mutex<HashMap<String, TaskRecord>>,
}

impl InMemoryTaskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TaskRecord>> {
        // A panic while holding the lock leaves the map consistent (every
        // change is one insert or field write), so a poisoned lock is used as is.
        self.tasks.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl TaskStore for InMemoryTaskStore {
    fn create<'a>(&'a self, record: &'a TaskRecord, limits: Limits) -> StoreFuture<'a, ()> {
        let now = record.created_at_ms;
        let mut tasks = self.lock();
        tasks.retain(|_, task| task.expires_at_ms() > now);
        let live = |task: &&TaskRecord| task.status == TaskStatus::Working && task.lease_until_ms >= now;
        let total = tasks.values().filter(live).count();
        let result = if total >= limits.total {
            Err(StoreError::Full {
                scope: "in all",
                limit: limits.total,
            })
        } else if tasks.values().filter(live).filter(|t| t.owner == record.owner).count() >= limits.per_owner {
            Err(StoreError::Full {
                scope: "for this caller",
                limit: limits.per_owner,
            })
        } else {
            tasks.insert(record.id.clone(), record.clone());
            Ok(())
        };
        ready(result)
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        let now = super::record::now_ms();
        let found = self.lock().get(id).filter(|task| task.expires_at_ms() > now).cloned();
        ready(Ok(found))
    }

    fn heartbeat<'a>(&'a self, id: &'a str, beat: &'a Heartbeat) -> StoreFuture<'a, Beat> {
        let mut tasks = self.lock();
        let answer = match tasks.get_mut(id) {
            None => Beat::Gone,
            Some(task) if task.status != TaskStatus::Working => Beat::Stop,
            Some(task) => {
                task.lease_until_ms = beat.lease_until_ms;
                if beat.progress.is_some() || beat.status_message.is_some() {
                    if beat.progress.is_some() {
                        task.progress.clone_from(&beat.progress);
                    }
                    if beat.status_message.is_some() {
                        task.status_message.clone_from(&beat.status_message);
                    }
                    task.updated_at_ms = beat.at_ms;
                }
                Beat::Working
            }
        };
        ready(Ok(answer))
    }

    fn finish<'a>(&'a self, id: &'a str, finish: &'a Finish) -> StoreFuture<'a, Finished> {
        let mut tasks = self.lock();
        let answer = match tasks.get_mut(id) {
            None => Finished::Missing,
            Some(task) if task.status.is_terminal() => Finished::AlreadyTerminal(task.clone()),
            Some(task) => {
                task.status = finish.status;
                if finish.status_message.is_some() {
                    task.status_message.clone_from(&finish.status_message);
                }
                task.outcome.clone_from(&finish.outcome);
                task.updated_at_ms = finish.at_ms;
                Finished::Moved(task.clone())
            }
        };
        ready(Ok(answer))
    }

    fn list<'a>(&'a self, owner: Option<&'a str>) -> StoreFuture<'a, Vec<TaskRecord>> {
        let now = super::record::now_ms();
        let mut found: Vec<TaskRecord> = self
            .lock()
            .values()
            .filter(|task| task.owner.as_deref() == owner && task.expires_at_ms() > now)
            .cloned()
            .collect();
        found.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then_with(|| a.id.cmp(&b.id)));
        ready(Ok(found))
    }
}
