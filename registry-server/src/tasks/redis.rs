//! [`RedisTaskStore`] (feature `redis`): task records in Redis, so every
//! replica of a server answers for every task.
//!
//! # Layout
//!
//! With the default prefix `api-registry:tasks:`:
//!
//! | key | type | holds |
//! | --- | --- | --- |
//! | `{prefix}task:{id}` | hash | one [`TaskRecord`], one field per record field; expires (`PEXPIREAT`) when the record does |
//! | `{prefix}live` | sorted set | the ids of working tasks, scored by the end of their lease (capped by their record's expiry) |
//! | `{prefix}live:{owner}` | sorted set | the same for one owner |
//! | `{prefix}owner:{owner}` | sorted set | every unexpired task of one owner, scored by creation time ([`TaskStore::list`]) |
//! | `{prefix}records` | sorted set | every unexpired task, scored by its expiry: at most ten times [`Limits::total`] records (finished ones with their results included) are kept, as in the in-memory store |
//!
//! `{owner}` is `-` for anonymous callers and `@` followed by the
//! principal's id otherwise, so no principal id can collide with the
//! anonymous count.
//!
//! The record is a hash rather than one JSON string so that the scripts
//! never decode or re-encode JSON: Redis's Lua `cjson` turns an empty array
//! into `{}` and writes numbers past 2^53 (or with 14 significant digits)
//! inexactly, which would corrupt a function's result in `outcome`. Here the
//! scripts move strings only: timestamps arrive as decimal strings from Rust
//! and are stored and compared as such (`tonumber` is used only to compare,
//! never written back), and the JSON fields (`progress`, `outcome`) are
//! written by serde on the replica and read back by serde, byte for byte.
//!
//! # Atomicity
//!
//! Each [`TaskStore`] method is one Lua script (or one command), which Redis
//! runs without interleaving: two replicas never both finish a task, and the
//! live counts `create` checks are exact. The scripts touch keys derived
//! from the prefix as well as those they are passed, which a single Redis
//! (or a primary with replicas, or Sentinel) allows; on Redis Cluster, put a
//! hash tag in the prefix (`{tasks}:`) so every key lands in one slot.

use std::collections::HashMap;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::record::{Beat, Finish, Heartbeat, TaskOutcome, TaskProgress, TaskRecord, TaskStatus};
use super::store::{Finished, Limits, StoreError, StoreFuture, TaskStore};

/// Task records in Redis, shared by every replica that connects to it.
///
/// The connection is redis-rs's [`ConnectionManager`]: one multiplexed
/// connection, re-established in the background when Redis restarts. While
/// Redis is away every method fails with [`StoreError::Unavailable`]
/// (within a few seconds: connection attempts and replies time out), so a
/// server refuses new tasks with 503 / `unavailable` and keeps serving
/// plain calls.
///
/// ```no_run
/// # async fn run() -> Result<(), registry_server::tasks::StoreError> {
/// use registry_server::tasks::{RedisTaskStore, TaskConfig};
///
/// let store = RedisTaskStore::connect("redis://127.0.0.1:6379/").await?.key_prefix("myapp:tasks:");
/// let config = registry_server::ServerConfig::default().tasks(TaskConfig::new(store));
/// # let _ = config;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisTaskStore {
    connection: ConnectionManager,
    prefix: String,
    scripts: &'static Scripts,
}

impl std::fmt::Debug for RedisTaskStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTaskStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

struct Scripts {
    create: Script,
    heartbeat: Script,
    finish: Script,
    list: Script,
}

fn scripts() -> &'static Scripts {
    static SCRIPTS: std::sync::OnceLock<Scripts> = std::sync::OnceLock::new();
    SCRIPTS.get_or_init(|| Scripts {
        create: Script::new(CREATE),
        heartbeat: Script::new(&format!("{OWNER_SEGMENT}{HEARTBEAT}")),
        finish: Script::new(&format!("{OWNER_SEGMENT}{FINISH}")),
        list: Script::new(LIST),
    })
}

/// The `live:{owner}` segment of a key, as the scripts compute it from the
/// record's `owner` field (absent: anonymous).
const OWNER_SEGMENT: &str = r"
local function owner_segment(task_key)
  local owner = redis.call('HGET', task_key, 'owner')
  if owner then return '@' .. owner end
  return '-'
end
";

/// KEYS: task, live, live:{owner}, owner:{owner}, records.
/// ARGV: now, limit in all, limit per owner, id, live score, created_at_ms,
/// expires_at_ms, task key prefix, limit of records kept, then the record's
/// fields and values.
const CREATE: &str = r"
local now = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. now)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. now)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 'full:total' end
if redis.call('ZCARD', KEYS[3]) >= tonumber(ARGV[3]) then return 'full:owner' end
if redis.call('ZCARD', KEYS[5]) >= tonumber(ARGV[9]) then return 'full:records' end
if redis.call('EXISTS', KEYS[1]) == 1 then return 'exists' end
local id, score, expires_at = ARGV[4], ARGV[5], ARGV[7]
redis.call('HSET', KEYS[1], unpack(ARGV, 10))
redis.call('PEXPIREAT', KEYS[1], expires_at)
redis.call('ZADD', KEYS[2], score, id)
redis.call('ZADD', KEYS[3], score, id)
redis.call('ZADD', KEYS[4], ARGV[6], id)
redis.call('ZADD', KEYS[5], expires_at, id)
-- The owner's index loses a few of its oldest ids whose records expired
-- (list prunes the rest), so it stays near the number of live records.
for _, other in ipairs(redis.call('ZRANGE', KEYS[4], 0, 7)) do
  if redis.call('EXISTS', ARGV[8] .. other) == 0 then redis.call('ZREM', KEYS[4], other) end
end
-- No set outlives its newest member's record (PTTL rather than Redis 7's
-- PEXPIRETIME; the subtraction is only compared, never stored).
local left = tonumber(expires_at) - tonumber(now)
for i = 2, 5 do
  local pttl = redis.call('PTTL', KEYS[i])
  if pttl < 0 or pttl < left then redis.call('PEXPIREAT', KEYS[i], expires_at) end
end
return 'ok'
";

/// KEYS: task. ARGV: key prefix, id, lease_until_ms, at_ms, has progress,
/// progress JSON, has message, message.
const HEARTBEAT: &str = r"
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 'gone' end
if status ~= 'working' then return 'stop' end
redis.call('HSET', KEYS[1], 'lease_until_ms', ARGV[3])
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'progress', ARGV[6]) end
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'status_message', ARGV[8]) end
if ARGV[5] == '1' or ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'updated_at_ms', ARGV[4]) end
local score = ARGV[3]
local cap = redis.call('HGET', KEYS[1], 'live_cap_ms')
if cap and tonumber(cap) < tonumber(score) then score = cap end
local segment = owner_segment(KEYS[1])
redis.call('ZADD', ARGV[1] .. 'live', score, ARGV[2])
redis.call('ZADD', ARGV[1] .. 'live:' .. segment, score, ARGV[2])
return 'working'
";

/// KEYS: task. ARGV: key prefix, id, status, at_ms, has message, message,
/// has outcome, outcome JSON. Answers the verdict, then the record's fields
/// and values.
const FINISH: &str = r"
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'missing'} end
if status ~= 'working' then
  local answer = redis.call('HGETALL', KEYS[1])
  table.insert(answer, 1, 'terminal')
  return answer
end
redis.call('HSET', KEYS[1], 'status', ARGV[3], 'updated_at_ms', ARGV[4])
if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'status_message', ARGV[6]) end
if ARGV[7] == '1' then
  redis.call('HSET', KEYS[1], 'outcome', ARGV[8])
else
  redis.call('HDEL', KEYS[1], 'outcome')
end
local segment = owner_segment(KEYS[1])
redis.call('ZREM', ARGV[1] .. 'live', ARGV[2])
redis.call('ZREM', ARGV[1] .. 'live:' .. segment, ARGV[2])
local answer = redis.call('HGETALL', KEYS[1])
table.insert(answer, 1, 'moved')
return answer
";

/// KEYS: owner:{owner}. ARGV: task key prefix. Answers each record's
/// fields and values, newest first; ids whose record expired leave the index.
const LIST: &str = r"
local found = {}
for _, id in ipairs(redis.call('ZREVRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  if #fields == 0 then
    redis.call('ZREM', KEYS[1], id)
  else
    found[#found + 1] = fields
  end
end
return found
";

impl RedisTaskStore {
    /// The prefix of every key, unless [`key_prefix`](Self::key_prefix) says otherwise.
    pub const DEFAULT_PREFIX: &'static str = "api-registry:tasks:";

    /// Connects to the Redis at `url` (`redis://[user:password@]host:port[/db]`);
    /// fails with [`StoreError::Unavailable`] if it cannot be reached now.
    pub async fn connect(url: &str) -> Result<RedisTaskStore, StoreError> {
        let client = redis::Client::open(url).map_err(|err| unavailable("bad Redis URL", &err))?;
        // Fail fast while Redis is away, so a new task is refused in about a
        // second instead of waiting out a long reconnect.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(3)))
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|err| unavailable("cannot connect to Redis", &err))?;
        Ok(RedisTaskStore {
            connection,
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            scripts: scripts(),
        })
    }

    /// Puts every key under `prefix` instead of `api-registry:tasks:`
    /// (several servers sharing one Redis, or a Cluster hash tag).
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The prefix of every key.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn task_key(&self, id: &str) -> String {
        format!("{}task:{id}", self.prefix)
    }

    fn owner_segment(owner: Option<&str>) -> String {
        owner.map_or_else(|| "-".to_owned(), |owner| format!("@{owner}"))
    }

    fn script<'s>(script: &'s Script, keys: &[String]) -> redis::ScriptInvocation<'s> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(key);
        }
        invocation
    }
}

fn unavailable(what: &str, err: &redis::RedisError) -> StoreError {
    StoreError::Unavailable(format!("{what}: {err}"))
}

fn redis_error(err: &redis::RedisError) -> StoreError {
    tracing::warn!("task store (Redis): {err}");
    unavailable("Redis", err)
}

fn malformed(id: &str, why: &str) -> StoreError {
    tracing::error!(task = id, "task store (Redis): malformed record: {why}");
    StoreError::Unavailable(format!("malformed task record {id}: {why}"))
}

/// How many unexpired records (finished ones included) are kept at most.
fn records_limit(limits: Limits) -> usize {
    limits.total.saturating_mul(10)
}

fn flag(present: bool) -> &'static str {
    if present { "1" } else { "0" }
}

/// The hash fields of `record`, as `create` writes them.
fn fields_of(record: &TaskRecord) -> Result<Vec<(&'static str, String)>, StoreError> {
    let mut fields = vec![
        ("id", record.id.clone()),
        ("function", record.function.clone()),
        ("status", record.status.as_str().to_owned()),
        ("created_at_ms", record.created_at_ms.to_string()),
        ("updated_at_ms", record.updated_at_ms.to_string()),
        ("ttl_ms", record.ttl_ms.to_string()),
        ("lease_until_ms", record.lease_until_ms.to_string()),
        // Not a record field: the last millisecond the record exists, which
        // caps a working task's score in the live sets.
        ("live_cap_ms", live_cap(record).to_string()),
    ];
    if let Some(owner) = &record.owner {
        fields.push(("owner", owner.clone()));
    }
    if let Some(message) = &record.status_message {
        fields.push(("status_message", message.clone()));
    }
    if let Some(progress) = &record.progress {
        fields.push(("progress", to_json(&record.id, progress)?));
    }
    if let Some(outcome) = &record.outcome {
        fields.push(("outcome", to_json(&record.id, outcome)?));
    }
    Ok(fields)
}

/// A record is live while working, its lease holding (`lease_until_ms >= now`)
/// and unexpired (`expires_at_ms > now`): while the smaller of
/// `lease_until_ms` and `expires_at_ms - 1` is at least now.
fn live_cap(record: &TaskRecord) -> u64 {
    record.expires_at_ms().saturating_sub(1)
}

fn to_json(id: &str, value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| malformed(id, &err.to_string()))
}

/// A record from its hash fields (`HGETALL`, flattened).
fn record_of(id: &str, flat: Vec<String>) -> Result<TaskRecord, StoreError> {
    if !flat.len().is_multiple_of(2) {
        return Err(malformed(id, "odd number of hash elements"));
    }
    let mut fields: HashMap<String, String> = HashMap::with_capacity(flat.len() / 2);
    let mut items = flat.into_iter();
    while let (Some(key), Some(value)) = (items.next(), items.next()) {
        fields.insert(key, value);
    }
    let id = fields.get("id").map_or(id, String::as_str).to_owned();
    let text = |name: &str| {
        fields
            .get(name)
            .cloned()
            .ok_or_else(|| malformed(&id, &format!("no `{name}`")))
    };
    let number = |name: &str| -> Result<u64, StoreError> {
        text(name)?
            .parse::<u64>()
            .map_err(|err| malformed(&id, &format!("`{name}`: {err}")))
    };
    let status = match text("status")?.as_str() {
        "working" => TaskStatus::Working,
        "completed" => TaskStatus::Completed,
        "failed" => TaskStatus::Failed,
        "cancelled" => TaskStatus::Cancelled,
        other => return Err(malformed(&id, &format!("unknown status `{other}`"))),
    };
    let progress = match fields.get("progress") {
        None => None,
        Some(json) => Some(
            serde_json::from_str::<TaskProgress>(json).map_err(|err| malformed(&id, &format!("`progress`: {err}")))?,
        ),
    };
    let outcome = match fields.get("outcome") {
        None => None,
        Some(json) => Some(
            serde_json::from_str::<TaskOutcome>(json).map_err(|err| malformed(&id, &format!("`outcome`: {err}")))?,
        ),
    };
    Ok(TaskRecord {
        function: text("function")?,
        status,
        created_at_ms: number("created_at_ms")?,
        updated_at_ms: number("updated_at_ms")?,
        ttl_ms: number("ttl_ms")?,
        lease_until_ms: number("lease_until_ms")?,
        owner: fields.get("owner").cloned(),
        status_message: fields.get("status_message").cloned(),
        progress,
        outcome,
        id,
    })
}

/// Drops a record the caller's clock says has expired (Redis's own clock
/// may lag it by a little).
fn unexpired(record: TaskRecord) -> Option<TaskRecord> {
    (record.expires_at_ms() > super::record::now_ms()).then_some(record)
}

impl TaskStore for RedisTaskStore {
    fn create<'a>(&'a self, record: &'a TaskRecord, limits: Limits) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let segment = Self::owner_segment(record.owner.as_deref());
            let keys = [
                self.task_key(&record.id),
                format!("{}live", self.prefix),
                format!("{}live:{segment}", self.prefix),
                format!("{}owner:{segment}", self.prefix),
                format!("{}records", self.prefix),
            ];
            let score = record.lease_until_ms.min(live_cap(record));
            let mut invocation = Self::script(&self.scripts.create, &keys);
            invocation
                .arg(record.created_at_ms)
                .arg(limits.total)
                .arg(limits.per_owner)
                .arg(&record.id)
                .arg(score)
                .arg(record.created_at_ms)
                .arg(record.expires_at_ms())
                .arg(format!("{}task:", self.prefix))
                .arg(records_limit(limits));
            for (field, value) in fields_of(record)? {
                invocation.arg(field).arg(value);
            }
            let mut connection = self.connection.clone();
            let verdict: String = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|err| redis_error(&err))?;
            match verdict.as_str() {
                "ok" => Ok(()),
                "full:total" => Err(StoreError::Full {
                    scope: "in all",
                    limit: limits.total,
                }),
                "full:owner" => Err(StoreError::Full {
                    scope: "for this caller",
                    limit: limits.per_owner,
                }),
                "full:records" => Err(StoreError::Full {
                    scope: "with finished results kept",
                    limit: records_limit(limits),
                }),
                "exists" => Err(StoreError::Unavailable(format!("task id {} exists already", record.id))),
                other => Err(malformed(&record.id, &format!("create answered `{other}`"))),
            }
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Option<TaskRecord>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let flat: Vec<String> = connection
                .hgetall(self.task_key(id))
                .await
                .map_err(|err| redis_error(&err))?;
            if flat.is_empty() {
                return Ok(None);
            }
            Ok(unexpired(record_of(id, flat)?))
        })
    }

    fn heartbeat<'a>(&'a self, id: &'a str, beat: &'a Heartbeat) -> StoreFuture<'a, Beat> {
        Box::pin(async move {
            let progress = match &beat.progress {
                Some(progress) => to_json(id, progress)?,
                None => String::new(),
            };
            let mut invocation = Self::script(&self.scripts.heartbeat, &[self.task_key(id)]);
            invocation
                .arg(&self.prefix)
                .arg(id)
                .arg(beat.lease_until_ms)
                .arg(beat.at_ms)
                .arg(flag(beat.progress.is_some()))
                .arg(progress)
                .arg(flag(beat.status_message.is_some()))
                .arg(beat.status_message.as_deref().unwrap_or_default());
            let mut connection = self.connection.clone();
            let verdict: String = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|err| redis_error(&err))?;
            match verdict.as_str() {
                "working" => Ok(Beat::Working),
                "stop" => Ok(Beat::Stop),
                "gone" => Ok(Beat::Gone),
                other => Err(malformed(id, &format!("heartbeat answered `{other}`"))),
            }
        })
    }

    fn finish<'a>(&'a self, id: &'a str, finish: &'a Finish) -> StoreFuture<'a, Finished> {
        Box::pin(async move {
            let outcome = match &finish.outcome {
                Some(outcome) => to_json(id, outcome)?,
                None => String::new(),
            };
            let mut invocation = Self::script(&self.scripts.finish, &[self.task_key(id)]);
            invocation
                .arg(&self.prefix)
                .arg(id)
                .arg(finish.status.as_str())
                .arg(finish.at_ms)
                .arg(flag(finish.status_message.is_some()))
                .arg(finish.status_message.as_deref().unwrap_or_default())
                .arg(flag(finish.outcome.is_some()))
                .arg(outcome);
            let mut connection = self.connection.clone();
            let mut answer: Vec<String> = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|err| redis_error(&err))?;
            if answer.is_empty() {
                return Err(malformed(id, "finish answered nothing"));
            }
            let verdict = answer.remove(0);
            match verdict.as_str() {
                "missing" => Ok(Finished::Missing),
                "moved" => Ok(Finished::Moved(record_of(id, answer)?)),
                "terminal" => Ok(Finished::AlreadyTerminal(record_of(id, answer)?)),
                other => Err(malformed(id, &format!("finish answered `{other}`"))),
            }
        })
    }

    fn list<'a>(&'a self, owner: Option<&'a str>) -> StoreFuture<'a, Vec<TaskRecord>> {
        Box::pin(async move {
            let key = format!("{}owner:{}", self.prefix, Self::owner_segment(owner));
            let mut invocation = Self::script(&self.scripts.list, &[key]);
            invocation.arg(format!("{}task:", self.prefix));
            let mut connection = self.connection.clone();
            let found: Vec<Vec<String>> = invocation
                .invoke_async(&mut connection)
                .await
                .map_err(|err| redis_error(&err))?;
            let mut records = Vec::with_capacity(found.len());
            for flat in found {
                if let Some(record) = unexpired(record_of("?", flat)?) {
                    records.push(record);
                }
            }
            // The index orders ties by id descending; the in-memory store by id ascending.
            records.sort_by(|a, b| b.created_at_ms.cmp(&a.created_at_ms).then_with(|| a.id.cmp(&b.id)));
            Ok(records)
        })
    }
}
