//! The one handler every REST route runs: decode arguments, call
//! [`Registry::call`] with the route's function (looked up when the router
//! was built), answer JSON or a problem.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{ApiError, Arguments, Call, Entry, ErrorKind, Protocol, Registry};
use serde_json::{Map, Value};

use super::coerce::{self, ArgKind};
use super::plan::Route;
use super::tasks::{Dispatch, TaskRest};
use crate::BasePath;
use crate::call_env::CallEnv;
use crate::http::{
    BodyRules, ContentTypes, HeaderMetadata, InFlight, Rejection, StepUp, client_addr_of, read_json, request_id_of,
};
use crate::problem::{FieldProblem, Problem};

/// What a route's handler holds.
#[derive(Debug)]
pub(crate) struct RouteState {
    pub(crate) registry: Registry,
    pub(crate) plan: Arc<Route>,
    pub(crate) settings: super::Settings,
    pub(crate) in_flight: Arc<InFlight>,
    /// The server's tasks, when some function is task-capable.
    pub(crate) tasks: Option<Arc<TaskRest>>,
}

impl RouteState {
    /// The route's function: looked up once, when the router was built.
    fn entry(&self) -> &Entry {
        self.plan.entry(&self.registry)
    }
}

/// Serves one request to the route in `state`.
pub(crate) async fn handle(state: Arc<RouteState>, request: Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let request_id = request_id_of(&parts.extensions);
    let _slot = match state.in_flight.enter() {
        Ok(slot) => slot,
        Err(overloaded) => return Rejection::from(overloaded).into_problem_response(&request_id),
    };
    let entry = state.entry();
    let dispatch = super::tasks::dispatch(state.tasks.as_deref(), entry, &parts.headers);
    let parsed = arguments(&state, &mut parts, body).await;
    let ctx = CallEnv {
        request_id: Some(Arc::clone(&request_id)),
        metadata: Some(Arc::new(HeaderMetadata(std::mem::take(&mut parts.headers)))),
        principal: parts.extensions.remove::<registry_core::Principal>(),
        client_addr: client_addr_of(&parts.extensions),
        cancel: None,
    }
    .context(Protocol::Rest);
    // A function hidden from this caller answers exactly as a route never
    // registered, whatever its arguments.
    if state.registry.filters_by_caller() && !state.registry.visible(entry, &ctx) {
        return super::no_route(&parts.method, parts.uri.path())
            .with_request_id(&*request_id)
            .into_response();
    }
    // The step-up challenge of the 403 the scope check will answer.
    let step_up = parts
        .extensions
        .get::<StepUp>()
        .and_then(|step_up| step_up.challenge(entry.function().scopes(), ctx.principal()))
        .map(|(challenge, _)| challenge);
    let (args, text) = match parsed {
        Ok(args) => args,
        Err(problem) => return problem.with_request_id(&*request_id).into_response(),
    };
    if let (Dispatch::Task { applied }, Some(tasks)) = (dispatch, &state.tasks) {
        let base = parts.extensions.get::<BasePath>().map(|BasePath(base)| base.as_str());
        return match tasks.tasks.start(entry.name(), args, ctx, None).await {
            Ok(record) => tasks.accepted(&record, applied, base),
            Err(error) => {
                // A refused task (the store full or down) may be retried later.
                let error = if error.kind() == ErrorKind::Unavailable && error.retry_after().is_none() {
                    error.with_retry_after(tasks.retry_after())
                } else {
                    error
                };
                error_response(&state, &error, text, step_up, &request_id)
            }
        };
    }
    match state.registry.call(Call::new(entry, args, ctx)).await {
        Ok(value) => result_response(
            &state.registry,
            &state.plan,
            value,
            state.settings.debug_errors,
            &request_id,
        ),
        Err(error) => error_response(&state, &error, text, step_up, &request_id),
    }
}

/// The answer of a call to `route` that returned `value`: `204` for a
/// function returning `()`, the result's own bytes for one that
/// [renders as a body](renders_as_body), else JSON.
pub(crate) fn result_response(
    registry: &Registry,
    route: &Route,
    value: Value,
    debug_errors: bool,
    request_id: &str,
) -> Response {
    let entry = route.entry(registry);
    match value {
        Value::Null if route.no_content(registry) => StatusCode::NO_CONTENT.into_response(),
        value if renders_as_body(entry) => match crate::render::body(entry, value).and_then(body_response) {
            Ok(response) => response,
            Err(error) => Problem::from_api_error(&error, debug_errors)
                .with_request_id(request_id)
                .into_response(),
        },
        value => json_response(&value),
    }
}

/// The problem of a call that failed with `error`; `text`, the body as
/// sent, tells malformed JSON (400) from a bad argument (422).
fn error_response(
    state: &RouteState,
    error: &ApiError,
    text: Option<Bytes>,
    step_up: Option<HeaderValue>,
    request_id: &str,
) -> Response {
    if error.kind() == ErrorKind::InvalidArguments
        && let Some(Err(err)) = text.map(|text| serde_json::from_slice::<Value>(&text))
    {
        return malformed_json(&err).with_request_id(request_id).into_response();
    }
    let mut response = Problem::from_api_error(error, state.settings.debug_errors)
        .with_request_id(request_id)
        .into_response();
    if let Some(challenge) = step_up.filter(|_| error.kind() == ErrorKind::Forbidden) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge);
    }
    response
}

/// Whether the route answers the result's own bytes and MIME type rather
/// than JSON: every resource, and a function returning an image, audio, a
/// blob or an embedded resource. A mixed list or a resource link stays JSON
/// (the MCP blocks as they are).
pub(crate) fn renders_as_body(entry: &Entry) -> bool {
    use registry_core::content::OutputKind;
    entry.function().resource().is_some()
        || matches!(
            entry.schemas().output_kind,
            OutputKind::Image | OutputKind::Audio | OutputKind::Blob | OutputKind::Resource
        )
}

fn body_response(body: crate::render::Body) -> Result<Response, registry_core::ApiError> {
    let mime = HeaderValue::from_str(body.mime_type())
        .map_err(|_| registry_core::ApiError::internal(format_args!("bad MIME type `{}`", body.mime_type())))?;
    let mut response = Response::new(Body::from(body.into_bytes()?));
    response.headers_mut().insert(header::CONTENT_TYPE, mime);
    Ok(response)
}

fn json_response(value: &Value) -> Response {
    let body = serde_json::to_vec(value).expect("a JSON value always serializes");
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The arguments object: path segments plus the query string or the JSON body.
///
/// A body that alone holds every argument is handed over as text, decoded
/// once into the function's parameters and not checked beforehand (its copy
/// is returned beside it, to tell malformed JSON from bad arguments should
/// the call fail).
async fn arguments(state: &RouteState, parts: &mut Parts, body: Body) -> Result<(Arguments, Option<Bytes>), Problem> {
    let plan = &state.plan;
    let mut errors: Vec<FieldProblem> = Vec::new();
    let mut from_path = Map::new();
    if plan.has_path_params() {
        let params = RawPathParams::from_request_parts(parts, &())
            .await
            .map_err(|err| Problem::http(StatusCode::BAD_REQUEST, "bad_path", err.body_text()))?;
        for (key, text) in &params {
            match plan.kind_of(key) {
                Some(ArgKind::One(types)) => match coerce::coerce(text, types) {
                    Ok(value) => {
                        from_path.insert(key.to_owned(), value);
                    }
                    Err(reason) => errors.push(coerce::field(key, reason)),
                },
                _ => {
                    from_path.insert(key.to_owned(), Value::String(text.to_owned()));
                }
            }
        }
    }

    if !plan.body {
        let mut args = from_path;
        if let Some(query) = parts.uri.query() {
            coerce::decode_query(query, |k| plan.kind_of(k), &mut args, &mut errors);
        }
        return if errors.is_empty() {
            Ok((Value::Object(args).into(), None))
        } else {
            Err(invalid(errors))
        };
    }

    let bytes = read_body(state, &parts.headers, body).await?;
    if bytes.is_empty() {
        return if errors.is_empty() {
            Ok((Value::Object(from_path).into(), None))
        } else {
            Err(invalid(errors))
        };
    }
    if from_path.is_empty() && errors.is_empty() {
        return Ok((Arguments::Json(bytes.to_vec()), Some(bytes)));
    }
    let mut args = serde_json::from_slice::<Value>(&bytes).map_err(|err| malformed_json(&err))?;
    if let Value::Object(object) = &mut args {
        for (key, value) in from_path {
            if object.contains_key(&key) {
                errors.push(coerce::field(
                    &key,
                    "given in the path already; leave it out of the body".to_owned(),
                ));
            } else {
                object.insert(key, value);
            }
        }
    }
    if errors.is_empty() {
        Ok((args.into(), None))
    } else {
        Err(invalid(errors))
    }
}

fn malformed_json(err: &serde_json::Error) -> Problem {
    Problem::http(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        format!("the request body is not valid JSON: {err}"),
    )
}

/// The whole body, at most `max_body_bytes` bytes and `max_json_depth` levels
/// deep; an empty body is allowed whatever its content type (a call without
/// arguments), a non-empty one must be JSON ([`ContentTypes::ForAnyBody`]).
async fn read_body(state: &RouteState, headers: &HeaderMap, body: Body) -> Result<Bytes, Problem> {
    let rules = BodyRules {
        max_bytes: state.settings.max_body_bytes,
        max_depth: state.settings.max_json_depth,
        content_types: ContentTypes::ForAnyBody,
    };
    read_json(&rules, headers, body)
        .await
        .map_err(|error| Rejection::from(error).problem())
}

/// A 422 problem listing `errors`.
fn invalid(errors: Vec<FieldProblem>) -> Problem {
    let kind = ErrorKind::InvalidArguments;
    let described: Vec<String> = errors.iter().map(|e| format!("`{}`: {}", e.field, e.reason)).collect();
    let mut problem = Problem::from_api_error(
        &registry_core::ApiError::new(kind, format!("invalid arguments: {}", described.join("; "))),
        false,
    );
    problem.errors = errors;
    problem
}
