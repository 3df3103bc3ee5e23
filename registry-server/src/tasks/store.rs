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
/// Expired records are swept at most once a second as new tasks are created,
/// and at most ten times [`Limits::total`] records (finished ones with their
/// results included) are kept: past that, new tasks are refused until
/// records expire.
#[derive(Debug, Default)]
pub struct InMemoryTaskStore {
    state: Mutex<Memory>,
}

#[derive(Debug, Default)]
struct Memory {
    tasks: HashMap<String, TaskRecord>,
    /// The working tasks: owner and lease end, so counting them does not
    /// walk finished records.
    live: HashMap<String, (Option<String>, u64)>,
    /// When expired records are next swept (epoch milliseconds).
    next_sweep_ms: u64,
}

impl InMemoryTaskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panic while holding the lock leaves the maps consistent (every
        // change is one insert, removal or field write), so a poisoned lock
        // is used as is.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl TaskStore for InMemoryTaskStore {
    fn create<'a>(&'a self, record: &'a TaskRecord, limits: Limits) -> StoreFuture<'a, ()> {
        let now = record.created_at_ms;
        let mut memory = self.lock();
        if now >= memory.next_sweep_ms {
            memory.tasks.retain(|_, task| task.expires_at_ms() > now);
            memory.next_sweep_ms = now + 1000;
        }
        // A working task past its lease has lost its runner: no longer live.
        memory.live.retain(|_, (_, lease)| *lease >= now);
        let result = if memory.live.len() >= limits.total {
            Err(StoreError::Full {
                scope: "in all",
                limit: limits.total,
            })
        } else if memory.live.values().filter(|(owner, _)| *owner == record.owner).count() >= limits.per_owner {
            Err(StoreError::Full {
                scope: "for this caller",
                limit: limits.per_owner,
            })
        } else if memory.tasks.len() >= limits.total.saturating_mul(10) {
            Err(StoreError::Full {
                scope: "with finished results kept",
                limit: limits.total.saturating_mul(10),
            })
        } else {
            memory
                .live
                .insert(record.id.clone(), (record.owner.clone(), record.lease_until_ms));
            memory.tasks.insert(record.id.clone(), record.clone());
            Ok(())
        };
        ready(result)
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        let now = super::record::now_ms();
        let found = self
            .lock()
            .tasks
            .get(id)
            .filter(|task| task.expires_at_ms() > now)
            .cloned();
        ready(Ok(found))
    }

    fn heartbeat<'a>(&'a self, id: &'a str, beat: &'a Heartbeat) -> StoreFuture<'a, Beat> {
        let mut memory = self.lock();
        let Memory { tasks, live, .. } = &mut *memory;
        let answer = match tasks.get_mut(id) {
            None => Beat::Gone,
            Some(task) if task.status != TaskStatus::Working => Beat::Stop,
            Some(task) => {
                task.lease_until_ms = beat.lease_until_ms;
                live.insert(id.to_owned(), (task.owner.clone(), beat.lease_until_ms));
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
        let mut memory = self.lock();
        let Memory { tasks, live, .. } = &mut *memory;
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
                live.remove(id);
                Finished::Moved(task.clone())
            }
        };
        ready(Ok(answer))
    }

    fn list<'a>(&'a self, owner: Option<&'a str>) -> StoreFuture<'a, Vec<TaskRecord>> {
        let now = super::record::now_ms();
        let mut found: Vec<TaskRecord> = self
            .lock()
            .tasks
            .values()
            .filter(|task| task.owner.as_deref() == owner && task.expires_at_ms() > now)
            .cloned()
            .collect();
        found.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then_with(|| a.id.cmp(&b.id)));
        ready(Ok(found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tasks::record::{TaskOutcome, new_id, now_ms};

    fn record(owner: Option<&str>, lease_ms: u64) -> TaskRecord {
        let now = now_ms();
        TaskRecord {
            id: new_id(),
            owner: owner.map(str::to_owned),
            function: "f".into(),
            status: TaskStatus::Working,
            status_message: None,
            progress: None,
            created_at_ms: now,
            updated_at_ms: now,
            ttl_ms: 60_000,
            lease_until_ms: now + lease_ms,
            outcome: None,
        }
    }

    fn finish(status: TaskStatus) -> Finish {
        Finish {
            status,
            status_message: None,
            outcome: (status == TaskStatus::Completed).then(|| TaskOutcome::Value(serde_json::json!(1))),
            at_ms: now_ms(),
        }
    }

    #[tokio::test]
    async fn limits_count_live_tasks_only() {
        let store = InMemoryTaskStore::new();
        let limits = Limits { total: 3, per_owner: 2 };
        let a1 = record(Some("a"), 60_000);
        store.create(&a1, limits).await.unwrap();
        store.create(&record(Some("a"), 60_000), limits).await.unwrap();
        let refused = store.create(&record(Some("a"), 60_000), limits).await.unwrap_err();
        assert!(matches!(
            refused,
            StoreError::Full {
                scope: "for this caller",
                limit: 2
            }
        ));
        store.create(&record(Some("b"), 60_000), limits).await.unwrap();
        let refused = store.create(&record(Some("c"), 60_000), limits).await.unwrap_err();
        assert!(matches!(
            refused,
            StoreError::Full {
                scope: "in all",
                limit: 3
            }
        ));
        // A finished task frees its slot; finishing twice changes nothing.
        assert!(matches!(
            store.finish(&a1.id, &finish(TaskStatus::Completed)).await.unwrap(),
            Finished::Moved(_)
        ));
        let again = store.finish(&a1.id, &finish(TaskStatus::Cancelled)).await.unwrap();
        assert!(matches!(again, Finished::AlreadyTerminal(r) if r.status == TaskStatus::Completed));
        store.create(&record(Some("c"), 60_000), limits).await.unwrap();
        // A heartbeat after the end says stop; an unknown id is gone.
        let beat = Heartbeat {
            lease_until_ms: now_ms() + 1000,
            progress: None,
            status_message: None,
            at_ms: now_ms(),
        };
        assert_eq!(store.heartbeat(&a1.id, &beat).await.unwrap(), Beat::Stop);
        assert_eq!(store.heartbeat(&new_id(), &beat).await.unwrap(), Beat::Gone);
        assert!(matches!(
            store.finish(&new_id(), &finish(TaskStatus::Cancelled)).await.unwrap(),
            Finished::Missing
        ));
        assert_eq!(store.list(Some("a")).await.unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_lost_lease_frees_its_slot() {
        let store = InMemoryTaskStore::new();
        let limits = Limits { total: 1, per_owner: 1 };
        let mut stale = record(None, 0);
        stale.lease_until_ms = now_ms().saturating_sub(1);
        store.create(&stale, limits).await.unwrap();
        store.create(&record(None, 60_000), limits).await.unwrap();
        assert!(store.get(&stale.id).await.unwrap().unwrap().lease_lost(now_ms()));
    }
}
