//! REST routes, one per function exposed on REST, all calling
//! [`Registry::invoke`](registry_core::Registry::invoke), described once by [`Routes`].
//!
//! | method | arguments from | success |
//! | --- | --- | --- |
//! | `POST` (default), `PUT`, `PATCH` | a JSON object body, plus `{segment}`s of the path | `200` JSON |
//! | `GET`, `DELETE` | typed query parameters (`?limit=3&tags=a&tags=b`), plus path segments | `200` JSON |
//!
//! A function whose output schema is `null` (it returns `()`) answers `204 No
//! Content`. A task-capable function's route may answer `202 Accepted` with
//! a task to poll at `GET /api/tasks/{id}` instead (see [`tasks`]). Every error is an RFC 9457 `application/problem+json` body (see
//! [`crate::problem`]) with the status from [`crate::errors::http_status`];
//! malformed JSON is `400`, a non-JSON body `415`, a body over
//! [`ServerConfig::max_body_bytes`] `413`, an unknown path `404` and a known path
//! with the wrong method `405` (with `Allow`). Every response carries
//! `x-request-id`: the caller's when it sent one, else a fresh id.

pub(crate) mod coerce;
mod handler;
mod plan;
pub(crate) mod tasks;

pub(crate) use handler::renders_as_body;
pub(crate) use plan::{Location, Route, Routes};

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, MethodRouter, on};
use registry_core::Method;

use crate::ServerError;
use crate::http::InFlight;
use crate::problem::Problem;

/// What the REST adapter takes from the server's configuration (built by
/// [`ServerConfig::rest_settings`](crate::ServerConfig::rest_settings); configuration flows down).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// The largest request body, in bytes.
    pub(crate) max_body_bytes: usize,
    /// The deepest nesting of arrays and objects in a body.
    pub(crate) max_json_depth: usize,
    /// Whether internal error messages reach clients unmasked.
    pub(crate) debug_errors: bool,
}

/// One axum route per entry of `routes`, and with `tasks` the task status
/// routes ([`tasks::PATH`]); fails naming the function whose path the
/// router still rejects (or that takes the task routes' place).
pub(crate) fn router(
    routes: &Arc<Routes>,
    settings: Settings,
    in_flight: &Arc<InFlight>,
    tasks: Option<Arc<crate::tasks::Tasks>>,
    public_url: Option<&str>,
) -> Result<Router, ServerError> {
    let task_rest = match tasks {
        Some(tasks) => {
            tasks::check_paths(routes)?;
            Some(Arc::new(tasks::TaskRest {
                tasks,
                routes: Arc::clone(routes),
                settings,
                in_flight: Arc::clone(in_flight),
                public_url: public_url.map(str::to_owned),
            }))
        }
        None => None,
    };
    let mut by_path: BTreeMap<String, (MethodRouter, Vec<&'static str>, &'static str)> = BTreeMap::new();
    for plan in routes.iter() {
        let path = plan.path.clone();
        let (method, filter) = filter(plan.method);
        let name = plan.name;
        let state = Arc::new(handler::RouteState {
            registry: routes.registry().clone(),
            plan: Arc::clone(plan),
            settings,
            in_flight: Arc::clone(in_flight),
            tasks: task_rest.clone(),
        });
        // The same, inside the call's span, when telemetry is on (`crate::telemetry`).
        #[cfg(feature = "otel")]
        let route = if crate::telemetry::active() {
            let traced = crate::telemetry::RestRoute::new(method, &plan.path, name);
            on(filter, move |request: Request| {
                let call = crate::telemetry::spans::Call::rest(&traced, &request);
                call.wrap(handler::handle(Arc::clone(&state), request), |response| {
                    crate::telemetry::spans::Outcome::Rest(response.status().as_u16())
                })
            })
        } else {
            on(filter, move |request: Request| {
                handler::handle(Arc::clone(&state), request)
            })
        };
        #[cfg(not(feature = "otel"))]
        let route = on(filter, move |request: Request| {
            handler::handle(Arc::clone(&state), request)
        });
        let slot = by_path
            .entry(path)
            .or_insert_with(|| (MethodRouter::new(), Vec::new(), name));
        slot.0 = std::mem::take(&mut slot.0).merge(route);
        slot.1.push(method);
    }
    if let Some(state) = task_rest {
        let on_get = Arc::clone(&state);
        let route = on(MethodFilter::GET, move |request: Request| {
            tasks::get(Arc::clone(&on_get), request)
        })
        .merge(on(MethodFilter::DELETE, move |request: Request| {
            tasks::cancel(Arc::clone(&state), request)
        }));
        // `check_paths` left at most other methods of the same path here.
        let slot = by_path
            .entry(tasks::PATH.to_owned())
            .or_insert_with(|| (MethodRouter::new(), Vec::new(), "(the task routes)"));
        slot.0 = std::mem::take(&mut slot.0).merge(route);
        slot.1.extend(["GET", "DELETE"]);
    }

    let mut router = Router::new();
    for (path, (methods, mut allowed, name)) in by_path {
        if allowed.contains(&"GET") {
            allowed.push("HEAD");
        }
        let allowed = allowed.join(", ");
        let shown = path.clone();
        let methods = methods.fallback(move |request: Request| {
            let detail = format!("`{shown}` answers {allowed}, not {}", request.method());
            std::future::ready(with_request_id(
                Problem::http(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", detail),
                &request,
            ))
        });
        // The router panics on paths it cannot hold; the route checks should
        // have caught every such path, so this is a last line of defence.
        router = catch_unwind(AssertUnwindSafe(move || router.route(&path, methods))).map_err(|panic| {
            ServerError::Route {
                function: name.to_owned(),
                protocol: "REST",
                reason: registry_core::__private::panic_message(&*panic).to_owned(),
            }
        })?;
    }
    Ok(router)
}

fn filter(method: Method) -> (&'static str, MethodFilter) {
    let filter = match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
        Method::Put => MethodFilter::PUT,
        Method::Patch => MethodFilter::PATCH,
        Method::Delete => MethodFilter::DELETE,
    };
    (method.as_str(), filter)
}

/// The answer for a path no route matches: a 404 problem.
pub(crate) async fn not_found(request: Request) -> Response {
    with_request_id(no_route(request.method(), request.uri().path()), &request)
}

/// The 404 of a path no route serves (or whose function is hidden from the caller).
pub(crate) fn no_route(method: &axum::http::Method, path: &str) -> Problem {
    let detail = format!("no route for {method} {path}; GET /docs or /openapi.json lists every route");
    Problem::http(StatusCode::NOT_FOUND, "no_route", detail)
}

/// `problem` as a response carrying the caller's request id, or a fresh one.
fn with_request_id(problem: Problem, request: &Request) -> Response {
    let id = crate::http::request_id_of(request.extensions());
    problem.with_request_id(&*id).into_response()
}
