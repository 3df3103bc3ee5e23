//! The task parts of the document (see [`crate::rest::tasks`]), present
//! only when the server runs tasks and some operation's function is
//! task-capable: the `TaskStatus` schema, a `202` response on each
//! task-capable operation (and the `Prefer` header on optional ones), and
//! the `getTask` / `cancelTask` operations of `/api/tasks/{id}`.

use registry_core::TaskSupport;
use serde_json::{Map, Value, json};

use super::{SCHEMAS, Settings, root};
use crate::rest::{Routes, tasks::PATH};

/// The tag of the task operations.
pub(super) const TAG: &str = "tasks";

/// The tag's description, unless the application describes it.
pub(super) const TAG_DESCRIPTION: &str = "Long-running calls: a task-capable operation answers `202 Accepted` with \
    a `Location` to poll here for its status, then its result; `DELETE` cancels it.";

/// Whether the document has task parts: tasks are on and some operation's
/// function is task-capable.
pub(super) fn documented(routes: &Routes, settings: &Settings) -> bool {
    settings.tasks
        && routes
            .iter()
            .any(|route| routes.entry(route).function().task_support() != TaskSupport::Forbidden)
}

/// The `TaskStatus` schema: the status body ([`crate::rest::tasks::StatusBody`]).
pub(super) fn status_schema() -> Value {
    let status = json!({
        "type": "string",
        "enum": ["working", "completed", "failed", "cancelled"],
        "description": "`working` until the call ends; `completed` (with its result or its error), `failed` (an internal error, or the server running it stopped) or `cancelled`.",
    });
    json!({
        "type": "object",
        "description": "A long-running call (a task) as the server tracks it.",
        "required": ["taskId", "function", "status", "createdAt", "lastUpdatedAt", "ttlMs", "pollIntervalMs"],
        "properties": {
            "taskId": { "type": "string", "pattern": "^[0-9a-f]{32}$", "description": "The task's id: 128 random bits as 32 lowercase hex digits." },
            "function": { "type": "string", "description": "The function called (its operation's `operationId`)." },
            "status": status,
            "statusMessage": { "type": "string", "description": "The last progress message, or why the task ended." },
            "progress": {
                "type": "object",
                "description": "How far the call has got, as it last reported.",
                "required": ["progress"],
                "properties": {
                    "progress": { "type": "number", "description": "Work done so far." },
                    "total": { "type": "number", "description": "The whole, when known." },
                },
            },
            "createdAt": { "type": "string", "format": "date-time", "description": "When the task was created." },
            "lastUpdatedAt": { "type": "string", "format": "date-time", "description": "When the task last changed." },
            "ttlMs": { "type": "integer", "minimum": 0, "description": "How long after creation the task and its result are kept, in milliseconds." },
            "pollIntervalMs": { "type": "integer", "minimum": 0, "description": "How often to poll, in milliseconds." },
        },
    })
}

fn task_status_header() -> Value {
    json!({
        "description": "The task's status, telling a status body from a result.",
        "schema": { "type": "string", "enum": ["working", "completed", "failed", "cancelled"] },
    })
}

fn retry_after_header() -> Value {
    json!({
        "description": "Seconds to wait before the next poll.",
        "schema": { "type": "integer", "minimum": 1 },
    })
}

fn status_content(status: &str) -> Value {
    json!({ "application/json": { "schema": { "$ref": format!("{SCHEMAS}{status}") } } })
}

/// Adds to the operation of a function with `support` its `202` response
/// (and, when the function is optional, the `Prefer` header parameter).
pub(super) fn amend(op: &mut Value, support: TaskSupport, status: &str) {
    let when = match support {
        TaskSupport::Forbidden => return,
        TaskSupport::Optional => "when the request sends `Prefer: respond-async`",
        TaskSupport::Required => "always (the function is a required task)",
    };
    let accepted = json!({
        "description": format!(
            "Accepted as a task, {when}: poll `Location` (`GET /api/tasks/{{id}}`) for the status, then the result."
        ),
        "headers": {
            "Location": {
                "description": "The task's status resource.",
                "schema": { "type": "string", "format": "uri-reference" },
            },
            "Retry-After": retry_after_header(),
            "Preference-Applied": {
                "description": "`respond-async` when the request asked for it.",
                "schema": { "type": "string" },
            },
            "Task-Status": task_status_header(),
        },
        "content": status_content(status),
    });
    let Value::Object(op) = op else { return };
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        responses.insert("202".into(), accepted);
    }
    if support == TaskSupport::Optional {
        let prefer = json!({
            "name": "Prefer",
            "in": "header",
            "required": false,
            "description": "`respond-async` runs the call as a task (RFC 7240): `202 Accepted` and a status resource to poll, instead of the result. Without it the call answers when done.",
            "schema": { "type": "string", "enum": ["respond-async"] },
        });
        match op.get_mut("parameters") {
            Some(Value::Array(parameters)) => parameters.push(prefer),
            _ => {
                op.insert("parameters".into(), json!([prefer]));
            }
        }
    }
}

/// The path item of `/api/tasks/{id}`: `getTask` and `cancelTask`.
pub(super) fn path_item(status: &str, problem: &str, settings: &Settings) -> (String, Map<String, Value>) {
    let reference = |name: &str| json!({ "$ref": format!("#/components/responses/{name}") });
    let id = json!([{
        "name": "id",
        "in": "path",
        "required": true,
        "description": "The task's id, from `Location` or `taskId`.",
        "schema": { "type": "string", "pattern": "^[0-9a-f]{32}$" },
    }]);
    let mut get = json!({
        "operationId": "getTask",
        "summary": "A task's status, then its result",
        "description": "While the task works: `202` with its status. Once it has finished: exactly what the synchronous call would have answered, its result (`200`, or `204` for a function returning nothing) or its problem (a cancelled task's is `cancelled`). `Task-Status` tells which. Only the caller that started a task sees it; another's, an unknown or an expired one is `404`.",
        "tags": [TAG],
        "parameters": id,
        "responses": {
            "200": {
                "description": "Finished: the function's result, as the synchronous call answers it.",
                "headers": { "Task-Status": task_status_header() },
                "content": { "application/json": { "schema": {} } },
            },
            "202": {
                "description": "Still working: the task's status; poll again after `Retry-After`.",
                "headers": { "Task-Status": task_status_header(), "Retry-After": retry_after_header() },
                "content": status_content(status),
            },
            "204": { "description": "Finished; the function returns nothing." },
            "404": reference("NotFound"),
            "422": reference("InvalidArguments"),
            "default": reference("Error"),
        },
    });
    let mut cancel = json!({
        "operationId": "cancelTask",
        "summary": "Cancels a task",
        "description": "Stops the call (an async function's state is dropped, a sync function sees its context cancelled) and answers the task's status, `cancelled`. A finished task cannot be cancelled (`409`).",
        "tags": [TAG],
        "parameters": id,
        "responses": {
            "200": {
                "description": "Cancelled: the task's status.",
                "headers": { "Task-Status": task_status_header() },
                "content": status_content(status),
            },
            "404": reference("NotFound"),
            "409": {
                "description": "The task has finished already.",
                "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}{problem}") } } },
            },
            "422": reference("InvalidArguments"),
            "default": reference("Error"),
        },
    });
    root::secure(&mut get, &[], settings);
    root::secure(&mut cancel, &[], settings);
    let mut item = Map::new();
    item.insert("get".into(), get);
    item.insert("delete".into(), cancel);
    (PATH.to_owned(), item)
}
