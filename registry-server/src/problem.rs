//! RFC 9457 problem details: the body of every REST error.
//!
//! ```json
//! {
//!   "type": "/docs#error-invalid_arguments",
//!   "title": "Invalid arguments",
//!   "status": 422,
//!   "detail": "invalid arguments: `b`: must not be zero",
//!   "code": "invalid_arguments",
//!   "request_id": "5f1c0a2e-000001",
//!   "errors": [{"field": "b", "pointer": "/b", "reason": "must not be zero"}]
//! }
//! ```
//!
//! `type` links to the docs page's section on the error kind; `code` is the
//! kind's stable name; `errors` lists each invalid argument with a JSON
//! Pointer into the arguments object. The status comes from
//! [`crate::errors::http_status`], the one table shared with MCP.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use registry_core::{ApiError, ErrorKind, RateLimitStatus};
use serde::Serialize;

use crate::errors::http_status;

/// The media type of problem bodies.
pub(crate) const CONTENT_TYPE: &str = "application/problem+json";

/// The response header carrying the request id.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An RFC 9457 problem details object.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Problem {
    /// A URI reference naming the problem type (a section of `/docs`).
    #[serde(rename = "type")]
    pub(crate) type_uri: String,
    /// A short summary of the problem type.
    pub(crate) title: String,
    /// The HTTP status.
    pub(crate) status: u16,
    /// What went wrong in this occurrence.
    pub(crate) detail: String,
    /// The error kind's stable code, such as `not_found`.
    pub(crate) code: &'static str,
    /// The request id, also sent as the `x-request-id` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) request_id: Option<String>,
    /// Each invalid argument (invalid-argument problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) errors: Vec<FieldProblem>,
    /// Headers the error asks for (`Retry-After`, `RateLimit-Policy`, `RateLimit`).
    #[serde(skip)]
    pub(crate) headers: HeaderMap,
}

/// One invalid argument of a request.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct FieldProblem {
    /// Dotted path to the argument (`shape.center.x`); empty for the whole arguments object.
    pub(crate) field: String,
    /// The same location as a JSON Pointer into the arguments object (`/shape/center/x`).
    pub(crate) pointer: String,
    /// Why it was rejected.
    pub(crate) reason: String,
}

/// The `type` URI of problems of `code`.
pub(crate) fn type_uri(code: &str) -> String {
    format!("/docs#error-{code}")
}

impl Problem {
    /// A problem of an arbitrary HTTP status that is not an [`ErrorKind`] (400, 404, 405, 415).
    pub(crate) fn http(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            type_uri: type_uri(code),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            code,
            request_id: None,
            errors: Vec::new(),
            headers: HeaderMap::new(),
        }
    }

    /// The problem for an error a function call returned. Internal errors are
    /// masked unless `debug` is set, in which case their log-only detail is appended.
    pub(crate) fn from_api_error(error: &ApiError, debug: bool) -> Self {
        let kind = error.kind();
        #[cfg(feature = "otel")]
        crate::telemetry::note_error(kind, false);
        let detail = if kind == ErrorKind::Internal {
            match (debug, error.internal_detail()) {
                (true, Some(internal)) => format!("{} ({internal})", error.message()),
                (true, None) => error.message().to_owned(),
                (false, _) => {
                    "the server failed to complete the call; the request id identifies it in the logs".to_owned()
                }
            }
        } else {
            error.message().to_owned()
        };
        Problem {
            type_uri: type_uri(kind.code()),
            title: kind.title().to_owned(),
            status: http_status(kind).as_u16(),
            detail,
            code: kind.code(),
            request_id: None,
            errors: error
                .fields()
                .iter()
                .map(|f| FieldProblem {
                    pointer: pointer(&f.field),
                    field: f.field.clone(),
                    reason: f.reason.clone(),
                })
                .collect(),
            headers: retry_headers(error),
        }
    }

    /// Sets the request id member.
    #[must_use]
    pub(crate) fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// The HTTP status.
    pub(crate) fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).expect("a problem always serializes");
        let mut response = (
            status,
            [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
            body,
        )
            .into_response();
        if let Some(id) = self.request_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
            response.headers_mut().insert(REQUEST_ID, id);
        }
        response.headers_mut().extend(self.headers);
        response
    }
}

/// `RateLimit-Policy` (IETF httpapi ratelimit headers).
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// `RateLimit` (IETF httpapi ratelimit headers).
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// `Retry-After` (whole seconds, rounded up) and the rate-limit fields an
/// error carries.
fn retry_headers(error: &ApiError) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(after) = error.retry_after() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(whole_seconds(after)));
    }
    if let Some(status) = error.rate_limit() {
        let (policy, state) = rate_limit_fields(status);
        if let (Ok(policy), Ok(state)) = (HeaderValue::from_str(&policy), HeaderValue::from_str(&state)) {
            headers.insert(RATELIMIT_POLICY, policy);
            headers.insert(RATELIMIT, state);
        }
    }
    headers
}

/// The `RateLimit-Policy` and `RateLimit` field values: `"name";q=10;w=1`
/// and `"name";r=0;t=1`.
pub(crate) fn rate_limit_fields(status: &RateLimitStatus) -> (String, String) {
    let name = status.policy.replace(['"', '\\'], "");
    (
        format!("\"{name}\";q={};w={}", status.quota, whole_seconds(status.window)),
        format!("\"{name}\";r={};t={}", status.remaining, whole_seconds(status.reset)),
    )
}

/// Seconds, rounded up: a client that waits that long is not refused again.
fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// `a.b.0` → `/a/b/0`; the empty path is the whole document (`""`).
pub(crate) fn pointer(dotted: &str) -> String {
    if dotted.is_empty() {
        return String::new();
    }
    let mut out = String::with_capacity(dotted.len() + 1);
    for segment in dotted.split('.') {
        out.push('/');
        for c in segment.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        assert_eq!(pointer(""), "");
        assert_eq!(pointer("b"), "/b");
        assert_eq!(pointer("shape.center.x"), "/shape/center/x");
        assert_eq!(pointer("a/b~c.0"), "/a~1b~0c/0");
    }

    #[test]
    fn internal_errors_are_masked() {
        let error = ApiError::internal("the secret is 42");
        let masked = Problem::from_api_error(&error, false);
        assert_eq!(masked.status, 500);
        assert!(!masked.detail.contains("42"));
        let shown = Problem::from_api_error(&error, true);
        assert!(shown.detail.contains("the secret is 42"));
    }

    #[test]
    fn field_errors_carry_pointers() {
        let problem = Problem::from_api_error(&ApiError::invalid_field("point.x", "expected f64"), false);
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].pointer, "/point/x");
        assert_eq!(problem.code, "invalid_arguments");
    }
}
