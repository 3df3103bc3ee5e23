//! What a [`TaskStore`](super::TaskStore) keeps for one task: a
//! [`TaskRecord`], serializable so a shared store (Redis) holds it as JSON.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use registry_core::{ApiError, ErrorKind, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A task's status, as the MCP Tasks extension names them (`input_required`
/// is never used: no function asks for input mid-call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Running (or queued to run) on some replica, which renews its lease.
    Working,
    /// Finished with a result; for MCP this includes a tool error (`isError`).
    Completed,
    /// Finished with a protocol-level fault: an internal error, or the
    /// replica running it stopped (kind `unavailable`).
    Failed,
    /// Cancelled by its owner before it finished.
    Cancelled,
}

impl TaskStatus {
    /// `"working"`, `"completed"`, `"failed"` or `"cancelled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Working => "working",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the task can change no more.
    pub fn is_terminal(self) -> bool {
        self != TaskStatus::Working
    }
}

/// How far a running task has got, from its last `ctx.report_progress`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskProgress {
    /// Work done so far.
    pub progress: f64,
    /// The whole, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
}

/// A finished call's outcome, kept protocol-neutral so MCP and REST each
/// render it their own way: MCP as the `CallToolResult` (or JSON-RPC error),
/// REST as the function's JSON body (or its problem).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskOutcome {
    /// The function's result, as JSON.
    Value(Value),
    /// The call's error.
    Error(StoredError),
}

/// An [`ApiError`] as stored: its kind, the message shown to callers and
/// the invalid fields (never an internal error's detail, which is logged
/// by the replica that ran the call).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredError {
    /// [`ErrorKind::code`], such as `"timeout"`.
    pub kind: String,
    /// The caller-facing message.
    pub message: String,
    /// The invalid fields, for `invalid_arguments`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<StoredField>,
    /// When the caller may retry, for errors that say so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// One invalid field of a [`StoredError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredField {
    /// The field's path, as [`FieldError::field`].
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

impl StoredError {
    /// `error` as stored.
    pub fn from_api(error: &ApiError) -> Self {
        StoredError {
            kind: error.kind().code().to_owned(),
            message: error.message().to_owned(),
            fields: error
                .fields()
                .iter()
                .map(|f| StoredField {
                    field: f.field.clone(),
                    reason: f.reason.clone(),
                })
                .collect(),
            retry_after_ms: error
                .retry_after()
                .map(|after| u64::try_from(after.as_millis()).unwrap_or(u64::MAX)),
        }
    }

    /// The error again (an unknown kind, from a newer replica, reads as internal).
    pub fn to_api(&self) -> ApiError {
        let kind = ErrorKind::ALL
            .into_iter()
            .find(|kind| kind.code() == self.kind)
            .unwrap_or(ErrorKind::Internal);
        let fields = self
            .fields
            .iter()
            .map(|f| FieldError {
                field: f.field.clone(),
                reason: f.reason.clone(),
            })
            .collect();
        let mut error = ApiError::new(kind, self.message.clone()).with_fields(fields);
        if let Some(ms) = self.retry_after_ms {
            error = error.with_retry_after(Duration::from_millis(ms));
        }
        error
    }
}

/// Everything known about one task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// 32 lowercase hex digits: 128 random bits.
    pub id: String,
    /// The principal that created it (`None` when the server authenticates
    /// no one): only it may read or cancel the task.
    pub owner: Option<String>,
    /// The function called.
    pub function: String,
    /// Where it stands.
    pub status: TaskStatus,
    /// Said with the status: the last progress message, or why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// The last progress reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress: Option<TaskProgress>,
    /// Milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// Milliseconds since the Unix epoch.
    pub updated_at_ms: u64,
    /// How long after creation the record may be discarded.
    pub ttl_ms: u64,
    /// Until when the running replica's lease holds (epoch milliseconds); a
    /// working task past it has lost its runner.
    pub lease_until_ms: u64,
    /// The result or error, once finished (none for `cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<TaskOutcome>,
}

impl TaskRecord {
    /// When the record may be discarded (epoch milliseconds).
    pub fn expires_at_ms(&self) -> u64 {
        self.created_at_ms.saturating_add(self.ttl_ms)
    }

    /// Whether it is working with its lease run out at `now_ms`.
    pub fn lease_lost(&self, now_ms: u64) -> bool {
        self.status == TaskStatus::Working && self.lease_until_ms < now_ms
    }
}

/// The terminal state a task moves to ([`TaskStore::finish`](super::TaskStore::finish)).
#[derive(Clone, Debug, PartialEq)]
pub struct Finish {
    /// `completed`, `failed` or `cancelled`.
    pub status: TaskStatus,
    /// Said with it.
    pub status_message: Option<String>,
    /// The outcome (none for `cancelled`).
    pub outcome: Option<TaskOutcome>,
    /// When (epoch milliseconds).
    pub at_ms: u64,
}

/// A running task's heartbeat ([`TaskStore::heartbeat`](super::TaskStore::heartbeat)).
#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    /// The lease's new end (epoch milliseconds).
    pub lease_until_ms: u64,
    /// Progress since the last beat, if any.
    pub progress: Option<TaskProgress>,
    /// A progress message since the last beat, if any.
    pub status_message: Option<String>,
    /// When (epoch milliseconds).
    pub at_ms: u64,
}

/// What a heartbeat found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Beat {
    /// Still working: go on.
    Working,
    /// Cancelled, or finished by someone else (its lease was declared lost):
    /// stop the call.
    Stop,
    /// No such record (expired): stop the call.
    Gone,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `ms` as an RFC 3339 / ISO 8601 timestamp (UTC, milliseconds).
pub fn timestamp(ms: u64) -> String {
    humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms)).to_string()
}

/// A fresh task id: 128 bits from the operating system's generator, as 32
/// lowercase hex digits.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
    let mut id = String::with_capacity(32);
    for byte in bytes {
        id.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        id.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    id
}

/// Whether `id` has the form of a task id (32 lowercase hex digits).
pub fn is_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_hex() {
        let (a, b) = (new_id(), new_id());
        assert!(is_id(&a) && is_id(&b));
        assert_ne!(a, b);
        assert!(!is_id("ABCDEF0123456789abcdef0123456789"));
        assert!(!is_id("abc"));
    }

    #[test]
    fn errors_round_trip() {
        let error = ApiError::invalid_field("count", "must be at most 3");
        let stored = StoredError::from_api(&error);
        let json = serde_json::to_string(&stored).unwrap();
        let back: StoredError = serde_json::from_str(&json).unwrap();
        assert_eq!(back.to_api().kind(), ErrorKind::InvalidArguments);
        assert_eq!(back.to_api().fields(), error.fields());
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    }
}
