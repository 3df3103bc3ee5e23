//! Long-running calls on REST (see [`crate::tasks`]): a task-capable
//! function's route answers `202 Accepted` with a status resource, which
//! `GET /api/tasks/{id}` polls and `DELETE /api/tasks/{id}` cancels.
//!
//! | request | answer |
//! | --- | --- |
//! | the route of a `task = "required"` function, or of a `task = "optional"` one with `Prefer: respond-async` | `202`, `Location: <base>/api/tasks/{id}`, `Retry-After`, the [status body](StatusBody) |
//! | `GET /api/tasks/{id}`, working | `202`, `Retry-After`, the status body |
//! | `GET /api/tasks/{id}`, finished | what the synchronous call would have answered: its result (`200`, `204`, the result's own bytes) or its problem |
//! | `GET /api/tasks/{id}`, cancelled | a `cancelled` problem |
//! | `DELETE /api/tasks/{id}` | `200` and the status body (`cancelled`); `409` when it had finished |
//!
//! Every answer about a task carries `Task-Status` (`working`, `completed`,
//! `failed` or `cancelled`), so a client tells a status body from a result
//! without reading it. A task belongs to the principal that started it:
//! another's, an unknown and an expired one are all `404`; an id that is not
//! 32 lowercase hex digits is `422` naming the field `taskId`.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{ApiError, Entry, ErrorKind, Protocol, TaskSupport};
use serde::Serialize;

use super::Routes;
use crate::call_env::CallEnv;
use crate::http::{InFlight, OwnedSlot, Rejection, client_addr_of, request_id_of};
use crate::problem::Problem;
use crate::tasks::{TaskProgress, TaskRecord, TaskStatus, Tasks, owner, timestamp};

/// The route of one task's status resource.
pub(crate) const PATH: &str = "/api/tasks/{id}";

/// `Task-Status`: the task's status, on every answer about a task.
pub(crate) const TASK_STATUS: HeaderName = HeaderName::from_static("task-status");

/// `Preference-Applied` (RFC 7240 §3).
pub(crate) const PREFERENCE_APPLIED: HeaderName = HeaderName::from_static("preference-applied");

/// `Prefer` (RFC 7240 §2).
pub(crate) const PREFER: HeaderName = HeaderName::from_static("prefer");

/// The preference that asks for a task.
const RESPOND_ASYNC: &str = "respond-async";

/// What the task routes and the task-capable function routes share.
#[derive(Debug)]
pub(crate) struct TaskRest {
    /// The server's tasks.
    pub(crate) tasks: Arc<Tasks>,
    /// The routes, to answer a finished task as its function's route would.
    pub(crate) routes: Arc<Routes>,
    /// The REST settings (internal error masking).
    pub(crate) settings: super::Settings,
    /// The server's in-flight bound, which polls count against too.
    pub(crate) in_flight: Arc<InFlight>,
    /// [`ServerConfig::public_url`](crate::ServerConfig::public_url), in
    /// front of every `Location`.
    pub(crate) public_url: Option<String>,
}

/// How one call to a function's route runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dispatch {
    /// An ordinary call, answered when it is done.
    Direct,
    /// A task; `applied`: the client asked (`Preference-Applied` is sent).
    Task {
        /// Whether the client sent `Prefer: respond-async`.
        applied: bool,
    },
}

/// How a call to `entry` with `headers` runs: a task when the function
/// requires it, or allows it and the client prefers `respond-async`.
/// Without tasks on the server, and for every other function, directly.
pub(crate) fn dispatch(tasks: Option<&TaskRest>, entry: &Entry, headers: &HeaderMap) -> Dispatch {
    if tasks.is_none() {
        return Dispatch::Direct;
    }
    match entry.function().task_support() {
        TaskSupport::Forbidden => Dispatch::Direct,
        TaskSupport::Required => Dispatch::Task {
            applied: prefers_async(headers),
        },
        TaskSupport::Optional if prefers_async(headers) => Dispatch::Task { applied: true },
        TaskSupport::Optional => Dispatch::Direct,
    }
}

/// Whether any `Prefer` header holds the preference `respond-async`
/// (RFC 7240: a comma-separated list of `token [= value] *(; parameter)`,
/// tokens compared case-insensitively, values possibly quoted strings).
pub(crate) fn prefers_async(headers: &HeaderMap) -> bool {
    headers
        .get_all(PREFER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(preferences)
        .any(|token| token.eq_ignore_ascii_case(RESPOND_ASYNC))
}

/// The preference tokens of one `Prefer` field value, in order.
fn preferences(value: &str) -> Vec<&str> {
    let mut elements = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                elements.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    elements.push(&value[start..]);
    elements
        .into_iter()
        // The token ends at `=` (its value) or `;` (its parameters).
        .map(|element| element.split(['=', ';']).next().unwrap_or_default().trim())
        .filter(|token| !token.is_empty())
        .collect()
}

/// A task as `GET`, `DELETE` and a `202` show it (JSON, camelCase).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusBody<'a> {
    /// The task's id.
    pub(crate) task_id: &'a str,
    /// The function it runs.
    pub(crate) function: &'a str,
    /// `working`, `completed`, `failed` or `cancelled`.
    pub(crate) status: &'static str,
    /// The last progress message, or why it ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) status_message: Option<&'a str>,
    /// The last progress reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) progress: Option<&'a TaskProgress>,
    /// When it was created (RFC 3339).
    pub(crate) created_at: String,
    /// When it last changed (RFC 3339).
    pub(crate) last_updated_at: String,
    /// How long after creation the task (and its result) is kept.
    pub(crate) ttl_ms: u64,
    /// How often to poll.
    pub(crate) poll_interval_ms: u64,
}

impl<'a> StatusBody<'a> {
    /// The body of `record`, polled every `poll`.
    pub(crate) fn of(record: &'a TaskRecord, poll: Duration) -> Self {
        StatusBody {
            task_id: &record.id,
            function: &record.function,
            status: record.status.as_str(),
            status_message: record.status_message.as_deref(),
            progress: record.progress.as_ref(),
            created_at: timestamp(record.created_at_ms),
            last_updated_at: timestamp(record.updated_at_ms),
            ttl_ms: record.ttl_ms,
            poll_interval_ms: u64::try_from(poll.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl TaskRest {
    /// The `202 Accepted` of a task just started: `Location` under `base`
    /// (the [`BasePath`](crate::BasePath) the request came through),
    /// `Retry-After`, `Preference-Applied` when the client asked.
    pub(crate) fn accepted(&self, record: &TaskRecord, applied: bool, base: Option<&str>) -> Response {
        let location = format!(
            "{}{}/api/tasks/{}",
            self.public_url.as_deref().unwrap_or_default(),
            base.unwrap_or_default(),
            record.id
        );
        let mut response = self.status_response(StatusCode::ACCEPTED, record);
        let headers = response.headers_mut();
        if let Ok(location) = HeaderValue::from_str(&location) {
            headers.insert(header::LOCATION, location);
        }
        if applied {
            headers.insert(PREFERENCE_APPLIED, HeaderValue::from_static(RESPOND_ASYNC));
        }
        response
    }

    /// The status body of `record` with `status`, `Task-Status`, and
    /// `Retry-After` while it works.
    fn status_response(&self, status: StatusCode, record: &TaskRecord) -> Response {
        let poll = self.tasks.poll_interval();
        let body = serde_json::to_vec(&StatusBody::of(record, poll)).expect("a status body always serializes");
        let mut response = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response();
        if record.status == TaskStatus::Working {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_seconds(poll)));
        }
        with_task_status(response, record.status)
    }

    /// The polling interval as `Retry-After` seconds: whole, at least 1.
    pub(crate) fn retry_after(&self) -> Duration {
        Duration::from_secs(retry_seconds(self.tasks.poll_interval()))
    }

    /// A finished task's answer: what its function's route would have
    /// answered the synchronous call.
    fn outcome_response(&self, record: &TaskRecord, request_id: &str) -> Response {
        use crate::tasks::TaskOutcome;
        let debug = self.settings.debug_errors;
        let response = match (&record.status, &record.outcome) {
            (TaskStatus::Cancelled, _) => {
                let message = record
                    .status_message
                    .clone()
                    .unwrap_or_else(|| "The task was cancelled.".to_owned());
                Problem::from_api_error(&ApiError::new(ErrorKind::Cancelled, message), debug)
                    .with_request_id(request_id)
                    .into_response()
            }
            (_, Some(TaskOutcome::Error(stored))) => Problem::from_api_error(&stored.to_api(), debug)
                .with_request_id(request_id)
                .into_response(),
            (_, Some(TaskOutcome::Value(value))) => match self.routes.get(&record.function) {
                Some(route) => {
                    let registry = self.routes.registry();
                    super::handler::result_response(registry, route, value.clone(), debug, request_id)
                }
                None => Problem::from_api_error(
                    &ApiError::internal(format_args!(
                        "the task's function `{}` has no REST route on this replica",
                        record.function
                    )),
                    debug,
                )
                .with_request_id(request_id)
                .into_response(),
            },
            (_, None) => Problem::from_api_error(
                &ApiError::internal(format_args!("the finished task {} has no outcome", record.id)),
                debug,
            )
            .with_request_id(request_id)
            .into_response(),
        };
        with_task_status(response, record.status)
    }
}

fn with_task_status(mut response: Response, status: TaskStatus) -> Response {
    response
        .headers_mut()
        .insert(TASK_STATUS, HeaderValue::from_static(status.as_str()));
    response
}

fn retry_seconds(poll: Duration) -> u64 {
    (poll.as_secs() + u64::from(poll.subsec_nanos() > 0)).max(1)
}

/// What a `GET` or `DELETE` of a task is about: its id and the caller.
struct Asked {
    id: String,
    caller: Option<String>,
    request_id: Arc<str>,
}

async fn asked(request: Request) -> Result<Asked, Problem> {
    let (mut parts, _) = request.into_parts();
    let request_id = request_id_of(&parts.extensions);
    let params = RawPathParams::from_request_parts(&mut parts, &())
        .await
        .map_err(|err| Problem::http(StatusCode::BAD_REQUEST, "bad_path", err.body_text()))?;
    let id = params
        .iter()
        .find(|(key, _)| *key == "id")
        .map(|(_, id)| id.to_owned())
        .unwrap_or_default();
    let ctx = CallEnv {
        request_id: Some(Arc::clone(&request_id)),
        metadata: None,
        principal: parts.extensions.remove::<registry_core::Principal>(),
        client_addr: client_addr_of(&parts.extensions),
        cancel: None,
    }
    .context(Protocol::Rest);
    Ok(Asked {
        id,
        caller: owner(&ctx),
        request_id,
    })
}

/// A slot of the in-flight limit and what a `GET` or `DELETE` of a task
/// asks, or the answer refusing it (overloaded, a malformed path).
async fn admit(state: &TaskRest, request: Request) -> Result<(OwnedSlot, Asked), Response> {
    let request_id = request_id_of(request.extensions());
    let slot = state
        .in_flight
        .enter()
        .map_err(|overloaded| Rejection::from(overloaded).into_problem_response(&request_id))?
        .detach();
    let asked = asked(request)
        .await
        .map_err(|problem| problem.with_request_id(&*request_id).into_response())?;
    Ok((slot, asked))
}

/// `GET /api/tasks/{id}`.
pub(crate) async fn get(state: Arc<TaskRest>, request: Request) -> Response {
    let (_slot, asked) = match admit(&state, request).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    match state.tasks.get(&asked.id, asked.caller.as_deref()).await {
        Ok(record) if record.status == TaskStatus::Working => state.status_response(StatusCode::ACCEPTED, &record),
        Ok(record) => state.outcome_response(&record, &asked.request_id),
        Err(error) => task_problem(&state, &error, &asked.request_id),
    }
}

/// `DELETE /api/tasks/{id}`.
pub(crate) async fn cancel(state: Arc<TaskRest>, request: Request) -> Response {
    let (_slot, asked) = match admit(&state, request).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    match state.tasks.cancel(&asked.id, asked.caller.as_deref()).await {
        Ok(record) => state.status_response(StatusCode::OK, &record),
        Err(error) => task_problem(&state, &error, &asked.request_id),
    }
}

/// The problem of a refused task request; a finished task's says its status.
fn task_problem(state: &TaskRest, error: &crate::tasks::TaskError, request_id: &str) -> Response {
    let response = Problem::from_api_error(&error.to_api(), state.settings.debug_errors)
        .with_request_id(request_id)
        .into_response();
    match error {
        crate::tasks::TaskError::Finished(record) => with_task_status(response, record.status),
        _ => response,
    }
}

/// Fails when a function's route would take the task routes' place: a
/// `GET` or `DELETE` of `/api/tasks/{...}`, or a route under `/api/tasks/`
/// naming its segment other than `{id}` (the router cannot hold both).
pub(crate) fn check_paths(routes: &Routes) -> Result<(), crate::ServerError> {
    use super::plan::Segment;
    for route in routes.iter() {
        let [
            Segment::Literal(api),
            Segment::Literal(tasks),
            Segment::Param(param),
            rest @ ..,
        ] = &route.segments[..]
        else {
            continue;
        };
        if api != "api" || tasks != "tasks" {
            continue;
        }
        let takes_status =
            rest.is_empty() && matches!(route.method, registry_core::Method::Get | registry_core::Method::Delete);
        if takes_status || param != "id" {
            return Err(crate::ServerError::Route {
                function: route.name.to_owned(),
                protocol: "REST",
                reason: format!(
                    "its route {} {} collides with the task status routes (GET and DELETE {PATH}) this server \
                     serves because some function is task-capable; declare another `path`",
                    route.method, route.path
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefer(values: &[&str]) -> bool {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(PREFER, HeaderValue::from_str(value).unwrap());
        }
        prefers_async(&headers)
    }

    #[test]
    fn reads_rfc_7240_preferences() {
        assert!(prefer(&["respond-async"]));
        assert!(prefer(&["Respond-Async"]));
        assert!(prefer(&["wait=10, respond-async"]));
        assert!(prefer(&["respond-async; foo=bar, wait=5"]));
        assert!(prefer(&["return=minimal", " respond-async "]));
        assert!(prefer(&["handling=lenient,respond-async"]));
        assert!(!prefer(&[]));
        assert!(!prefer(&["return=minimal"]));
        assert!(!prefer(&["respond-asynchronously"]));
        assert!(!prefer(&["x=\"a, respond-async\""]));
        assert!(!prefer(&["x=\"a\\\", respond-async\""]));
        assert!(!prefer(&["foo; respond-async"]));
        assert_eq!(preferences("a=1;b, c ,\"d,e\"=x"), ["a", "c", "\"d,e\""]);
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_seconds(Duration::from_millis(10)), 1);
        assert_eq!(retry_seconds(Duration::from_secs(1)), 1);
        assert_eq!(retry_seconds(Duration::from_millis(1500)), 2);
    }
}
