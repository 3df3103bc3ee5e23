//! Tasks on MCP, in both eras, over the one task runner (`crate::tasks`):
//!
//! - **2026-07-28**, the Tasks extension (`io.modelcontextprotocol/tasks`):
//!   advertised in `capabilities.extensions`; a client that declares it in
//!   its per-request capabilities gets a `CreateTaskResult`
//!   (`resultType: "task"`) from `tools/call` of a task-capable tool, and
//!   polls `tasks/get` (the result or error inlined once terminal), sends
//!   `tasks/cancel` and `tasks/update`; a client that does not declare it gets
//!   -32021 for a `task = "required"` tool and for every `tasks/*` method.
//! - **2025-11-25**, tasks in the core protocol: `capabilities.tasks`, each
//!   tool's `execution.taskSupport`, `params.task` on `tools/call` (with an
//!   optional `ttl`), `{"task": {...}}` results, and `tasks/get`,
//!   `tasks/result` (waits until terminal), `tasks/list`, `tasks/cancel`.
//!
//! A task-capable tool called without a task (a client that asked for
//! none, of an `optional` tool) runs as an ordinary call.

use registry_core::{Call, Entry, ErrorKind, TaskSupport};
use serde_json::{Map, Value, json};

use crate::errors::MCP_ERROR_META;
use crate::tasks::{TaskError, TaskOutcome, TaskRecord, TaskStatus, Tasks, timestamp};

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Reply, RpcError, code};
use super::request::{Message, Method};
use super::tools;
use super::version::{self, Era};

/// The extension's identifier.
pub(crate) const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// The `_meta` key tying a 2025-11-25 `tasks/result` to its task.
const RELATED_TASK: &str = "io.modelcontextprotocol/related-task";

/// Missing Required Client Capability (2026-07-28).
pub(crate) const MISSING_CAPABILITY: i32 = -32021;

/// Tasks per `tasks/list` page (2025-11-25).
const LIST_PAGE: usize = 100;

/// How a `tools/call` runs.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As an ordinary call: the result in the response.
    Direct,
    /// As a task: a handle now, the result from `tasks/get`; with the
    /// client's wished-for TTL (2025-11-25 `task.ttl`).
    Task { ttl_ms: Option<u64> },
}

/// -32021 naming the extension a request needs.
fn missing_capability(what: &str) -> RpcError {
    RpcError::new(
        MISSING_CAPABILITY,
        format!(
            "Missing required client capability: {what} needs the `{EXTENSION}` extension in `_meta.{}`",
            version::META_CAPABILITIES
        ),
    )
    .data(json!({ "requiredCapabilities": { "extensions": { EXTENSION: {} } } }))
}

/// Whether `tools/call` of `entry` runs as a task, from what the client
/// sent and what the tool allows; `params.task` is taken out of `message`.
pub(crate) fn mode(entry: &Entry, message: &mut Message, era: Era, tasks: Option<&Tasks>) -> Result<Mode, RpcError> {
    // No runner (Lambda, or no task-capable function): every call is direct,
    // and `params.task` is ignored, as the 2025-11-25 revision says of a
    // server without the capability.
    if tasks.is_none() {
        return Ok(Mode::Direct);
    }
    let requested = message.params.remove("task");
    let support = entry.function().task_support();
    let name = entry.name();
    match era {
        Era::Legacy => match requested {
            None | Some(Value::Null) if support == TaskSupport::Required => Err(RpcError::new(
                code::METHOD_NOT_FOUND,
                format!(
                    "Tool {name} runs only as a task: call it with `params.task` (the server's capabilities include tasks.requests.tools.call)"
                ),
            )),
            None | Some(Value::Null) => Ok(Mode::Direct),
            Some(_) if support == TaskSupport::Forbidden => Err(RpcError::new(
                code::METHOD_NOT_FOUND,
                format!(
                    "Tool {name} does not run as a task (its execution.taskSupport is \"forbidden\"): call it without `params.task`"
                ),
            )),
            Some(Value::Object(task)) => {
                let ttl_ms = match task.get("ttl") {
                    None | Some(Value::Null) => None,
                    Some(ttl) => Some(ttl.as_u64().ok_or_else(|| {
                        RpcError::invalid_params("`params.task.ttl` must be a whole number of milliseconds")
                    })?),
                };
                Ok(Mode::Task { ttl_ms })
            }
            Some(_) => Err(RpcError::invalid_params(
                "`params.task` must be an object (optionally with `ttl`, in milliseconds)",
            )),
        },
        Era::Modern => match (support, message.meta.tasks_extension) {
            (TaskSupport::Forbidden, _) => Ok(Mode::Direct),
            (_, true) => Ok(Mode::Task { ttl_ms: None }),
            (TaskSupport::Required, false) => Err(missing_capability(&format!("tool {name}"))),
            (_, false) => Ok(Mode::Direct),
        },
    }
}

/// Starts `entry` as a task: the `CreateTaskResult` of the era, or the
/// call's error (bad arguments, a missing scope, the store full or down)
/// answered as that call would answer it.
pub(crate) async fn start(
    tasks: &std::sync::Arc<Tasks>,
    id: Option<Id>,
    call: Call<'_>,
    ttl_ms: Option<u64>,
    era: Era,
    debug_errors: bool,
) -> Result<Reply, RpcError> {
    let name = call.entry().name();
    let (args, ctx) = call.into_parts();
    match tasks.start(name, args, ctx, ttl_ms).await {
        Ok(record) => {
            let poll = millis(tasks);
            let result = match era {
                Era::Legacy => json!({ "task": legacy_task(&record, poll) }),
                Era::Modern => {
                    let mut task = task_object(&record, poll, Era::Modern);
                    task.insert("resultType".into(), json!("task"));
                    Value::Object(task)
                }
            };
            Ok(Reply::result(id, &result))
        }
        Err(err) => match crate::errors::mcp_error(err.kind()) {
            crate::errors::McpError::ToolResult => Ok(Reply {
                id,
                payload: super::jsonrpc::Payload::Json(tools::failure(&err, era)),
            }),
            crate::errors::McpError::Internal => Err(tools::rpc_error(&err, debug_errors)),
        },
    }
}

fn millis(tasks: &Tasks) -> u64 {
    u64::try_from(tasks.poll_interval().as_millis()).unwrap_or(u64::MAX)
}

/// A task as the era's `Task` type has it: 2025-11-25 names the durations
/// `ttl` and `pollInterval`, the 2026-07-28 extension `ttlMs` and
/// `pollIntervalMs` (and carries the last progress in `_meta`).
fn task_object(record: &TaskRecord, poll_ms: u64, era: Era) -> Map<String, Value> {
    let (ttl, poll) = match era {
        Era::Legacy => ("ttl", "pollInterval"),
        Era::Modern => ("ttlMs", "pollIntervalMs"),
    };
    let mut task = Map::new();
    task.insert("taskId".into(), json!(record.id));
    task.insert("status".into(), json!(record.status.as_str()));
    if let Some(message) = &record.status_message {
        task.insert("statusMessage".into(), json!(message));
    }
    task.insert("createdAt".into(), json!(timestamp(record.created_at_ms)));
    task.insert("lastUpdatedAt".into(), json!(timestamp(record.updated_at_ms)));
    task.insert(ttl.into(), json!(record.ttl_ms));
    task.insert(poll.into(), json!(poll_ms));
    if let (Era::Modern, Some(progress)) = (era, &record.progress) {
        task.insert("_meta".into(), json!({ "api-registry/progress": progress }));
    }
    task
}

/// A 2025-11-25 task, as a value.
fn legacy_task(record: &TaskRecord, poll_ms: u64) -> Value {
    Value::Object(task_object(record, poll_ms, Era::Legacy))
}

/// The `CallToolResult` of a finished task, or the JSON-RPC error of a
/// failed one; a cancelled task reads as the cancelled call's `isError` result.
fn outcome(record: &TaskRecord, entry: Option<&Entry>, era: Era, debug_errors: bool) -> Result<Value, RpcError> {
    let bytes = match (&record.outcome, entry) {
        (Some(TaskOutcome::Value(value)), Some(entry)) if entry.schemas().output_kind.is_content() => {
            tools::content_success(crate::render::content_blocks(entry, value.clone()), era)
        }
        (Some(TaskOutcome::Value(value)), entry) => {
            tools::success(value, entry.is_some_and(|e| e.schemas().wraps_output), era)
        }
        (Some(TaskOutcome::Error(stored)), _) => {
            let err = stored.to_api();
            if record.status == TaskStatus::Failed {
                return Err(failed_error(&err, debug_errors));
            }
            tools::failure(&err, era)
        }
        (None, _) => tools::failure(
            &registry_core::ApiError::new(ErrorKind::Cancelled, "the task was cancelled"),
            era,
        ),
    };
    Ok(serde_json::from_slice(&bytes).expect("a result the server wrote is JSON"))
}

/// The JSON-RPC error of a `failed` task: -32603 with the kind in `data`.
fn failed_error(err: &registry_core::ApiError, debug_errors: bool) -> RpcError {
    let error = tools::rpc_error(err, debug_errors);
    if error.data.is_some() {
        return error;
    }
    error.data(json!({ MCP_ERROR_META: { "kind": err.kind().code(), "fields": err.fields() } }))
}

fn rpc_error_json(error: &RpcError) -> Value {
    let mut object = json!({ "code": error.code, "message": error.message });
    if let Some(data) = &error.data {
        object["data"] = (**data).clone();
    }
    object
}

/// A `tasks/*` request's refusal.
fn task_error(err: &TaskError) -> RpcError {
    match err {
        TaskError::Malformed => {
            RpcError::invalid_params("Failed to retrieve task: `taskId` is not a task id (32 lowercase hex digits)")
        }
        TaskError::NotFound => RpcError::invalid_params("Failed to retrieve task: Task not found"),
        TaskError::Finished(record) => RpcError::invalid_params(format!(
            "Cannot cancel task: it has finished already (status {})",
            record.status.as_str()
        )),
        TaskError::Store(_) => {
            let api = err.to_api();
            RpcError::new(
                code::INTERNAL_ERROR,
                format!("{}: {}", api.kind().title(), api.message()),
            )
            .data(json!({ MCP_ERROR_META: { "kind": api.kind().code(), "fields": [] } }))
        }
    }
}

/// `params.taskId`.
fn task_id(message: &Message) -> Result<&str, RpcError> {
    message
        .params
        .get("taskId")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_params("`params.taskId` must be the task's id (a string)"))
}

/// Answers `tasks/get`, `tasks/update`, `tasks/cancel`, `tasks/result` and `tasks/list`.
pub(crate) async fn answer(
    tasks: &Tasks,
    registry: &registry_core::Registry,
    id: Option<Id>,
    message: Message,
    env: RequestEnv,
    era: Era,
    debug_errors: bool,
) -> Result<Reply, RpcError> {
    if era == Era::Modern && !message.meta.tasks_extension {
        return Err(missing_capability(message.method.as_str()));
    }
    let caller = env.call.principal.as_ref().map(|p| p.id.clone());
    let caller = caller.as_deref();
    let poll = millis(tasks);
    let method = message.method.clone();
    match (method, era) {
        (Method::TasksGet, Era::Modern) => {
            let record = tasks
                .get(task_id(&message)?, caller)
                .await
                .map_err(|e| task_error(&e))?;
            let mut result = task_object(&record, poll, Era::Modern);
            match record.status {
                TaskStatus::Working | TaskStatus::Cancelled => {}
                TaskStatus::Completed | TaskStatus::Failed => {
                    match outcome(&record, registry.get(&record.function), era, debug_errors) {
                        Ok(value) => {
                            result.insert("result".into(), value);
                        }
                        Err(error) => {
                            result.insert("error".into(), rpc_error_json(&error));
                        }
                    }
                }
            }
            result.insert("resultType".into(), json!("complete"));
            Ok(Reply::result(id, &result))
        }
        (Method::TasksGet, Era::Legacy) => {
            let record = tasks
                .get(task_id(&message)?, caller)
                .await
                .map_err(|e| task_error(&e))?;
            Ok(Reply::result(id, &legacy_task(&record, poll)))
        }
        (Method::TasksCancel, Era::Modern) => {
            match tasks.cancel(task_id(&message)?, caller).await {
                // Finished already: the cancel is acknowledged; the task keeps its outcome.
                Ok(_) | Err(TaskError::Finished(_)) => Ok(Reply::result(id, &json!({ "resultType": "complete" }))),
                Err(err) => Err(task_error(&err)),
            }
        }
        (Method::TasksCancel, Era::Legacy) => {
            let record = tasks
                .cancel(task_id(&message)?, caller)
                .await
                .map_err(|e| task_error(&e))?;
            Ok(Reply::result(id, &legacy_task(&record, poll)))
        }
        (Method::TasksUpdate, Era::Modern) => {
            let task = task_id(&message)?;
            if !message.params.get("inputResponses").is_some_and(Value::is_object) {
                return Err(RpcError::invalid_params("`params.inputResponses` must be an object"));
            }
            // No task of this server asks for input: every response is for a
            // key that is not outstanding, and is ignored, as the extension says.
            tasks.get(task, caller).await.map_err(|e| task_error(&e))?;
            Ok(Reply::result(id, &json!({ "resultType": "complete" })))
        }
        (Method::TasksResult, Era::Legacy) => {
            let task = task_id(&message)?.to_owned();
            let stop = env.call.cancel.clone().unwrap_or_default();
            let record = tasks.wait(&task, caller, &stop).await.map_err(|e| task_error(&e))?;
            if !record.status.is_terminal() {
                return Err(RpcError::new(
                    code::INTERNAL_ERROR,
                    "the wait for the task's result was cancelled",
                ));
            }
            let mut result = outcome(&record, registry.get(&record.function), era, debug_errors)?;
            result["_meta"][RELATED_TASK] = json!({ "taskId": record.id });
            Ok(Reply::result(id, &result))
        }
        (Method::TasksList, Era::Legacy) => {
            let start = match message.params.get("cursor") {
                None | Some(Value::Null) => 0,
                Some(Value::String(cursor)) => cursor
                    .parse::<usize>()
                    .map_err(|_| RpcError::invalid_params("`params.cursor` is not a cursor this server gave"))?,
                Some(_) => return Err(RpcError::invalid_params("`params.cursor` must be a string")),
            };
            let records = tasks.list(caller).await.map_err(|e| task_error(&e))?;
            let page: Vec<Value> = records
                .iter()
                .skip(start)
                .take(LIST_PAGE)
                .map(|record| legacy_task(record, poll))
                .collect();
            let mut result = json!({ "tasks": page });
            if records.len() > start + LIST_PAGE {
                result["nextCursor"] = json!((start + LIST_PAGE).to_string());
            }
            Ok(Reply::result(id, &result))
        }
        (method, _) => Err(RpcError::new(
            code::METHOD_NOT_FOUND,
            format!("Method not found: {method} (not a method of this era's tasks)"),
        )),
    }
}

/// The capability entries: `extensions` for 2026-07-28, `tasks` for 2025-11-25.
pub(crate) fn modern_capability() -> (&'static str, Value) {
    ("extensions", json!({ EXTENSION: {} }))
}

/// The 2025-11-25 `tasks` capability.
pub(crate) fn legacy_capability() -> Value {
    json!({ "list": {}, "cancel": {}, "requests": { "tools": { "call": {} } } })
}
