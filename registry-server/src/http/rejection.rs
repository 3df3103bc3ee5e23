//! [`Rejection`]: why a shared layer turned a request away, rendered by each
//! surface in its own shape.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use registry_core::{ApiError, ErrorKind};

use super::auth::Unauthenticated;
use super::body::BodyError;
use super::edge::HeadersTooLarge;
use super::in_flight::Overloaded;
use super::origin::OriginError;
use crate::problem::Problem;

/// A request turned away before its handler's work began, as typed data;
/// the surface that received it decides the body (like axum's
/// `extract::rejection`): a problem on REST and the pages
/// ([`Rejection::into_problem_response`]), a JSON-RPC error on `/mcp`
/// (`mcp::http::reject`). The headers the status requires are the same on
/// both ([`Rejection::set_headers`]).
#[derive(Debug)]
pub(crate) enum Rejection {
    /// 431: the request headers are over the limit (answered by the edge, before routing).
    HeadersTooLarge(HeadersTooLarge),
    /// 503 + `Retry-After`: every in-flight slot is taken.
    Overloaded(Overloaded),
    /// 401 + `WWW-Authenticate`, or 403: the authorizer said no.
    Unauthenticated(Unauthenticated),
    /// 403: a `Host` or `Origin` that may not call this server.
    Origin(OriginError),
    /// 413, 415 or 400: the body could not be taken as JSON.
    Body(BodyError),
}

/// How a surface turns a [`Rejection`] into its answer; the request id is
/// the one [`Edge`](super::Edge) gave the request.
pub(crate) type Render = fn(Rejection, &str) -> Response;

impl Rejection {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Rejection::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Rejection::Overloaded(_) => StatusCode::SERVICE_UNAVAILABLE,
            Rejection::Unauthenticated(rejection) => rejection.status(),
            Rejection::Origin(_) => StatusCode::FORBIDDEN,
            Rejection::Body(error) => error.status(),
        }
    }

    /// Adds the headers the status requires: `Retry-After` on a 503,
    /// `WWW-Authenticate` on a 401.
    pub(crate) fn set_headers(&self, headers: &mut HeaderMap) {
        match self {
            Rejection::Overloaded(overloaded) => overloaded.set_headers(headers),
            Rejection::Unauthenticated(rejection) => rejection.set_headers(headers),
            Rejection::HeadersTooLarge(_) | Rejection::Origin(_) | Rejection::Body(_) => {}
        }
    }

    /// The RFC 9457 problem (without headers and request id).
    pub(crate) fn problem(&self) -> Problem {
        match self {
            Rejection::HeadersTooLarge(error) => Problem::http(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                error.to_string(),
            ),
            Rejection::Overloaded(overloaded) => {
                Problem::from_api_error(&ApiError::unavailable(overloaded.to_string()), false)
            }
            Rejection::Unauthenticated(rejection) => Problem::from_api_error(&rejection.api_error(), false),
            Rejection::Origin(error) => Problem::from_api_error(&ApiError::forbidden(error.to_string()), false),
            Rejection::Body(error) => body_problem(error),
        }
    }

    /// The whole problem answer: status, problem body with `request_id`, and
    /// the headers of [`set_headers`](Self::set_headers). REST routes and the
    /// pages render with this.
    pub(crate) fn into_problem_response(self, request_id: &str) -> Response {
        let mut response = self.problem().with_request_id(request_id).into_response();
        self.set_headers(response.headers_mut());
        response
    }
}

/// REST's wording of a body error.
fn body_problem(error: &BodyError) -> Problem {
    match error {
        BodyError::TooLarge { limit } => Problem::from_api_error(
            &ApiError::new(
                ErrorKind::PayloadTooLarge,
                format!("the request body is larger than the limit of {limit} bytes"),
            ),
            false,
        ),
        BodyError::UnsupportedType { found } => {
            let found = found
                .as_deref()
                .map_or_else(|| "no Content-Type".to_owned(), |t| format!("`{t}`"));
            Problem::http(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("send the arguments as a JSON object with `Content-Type: application/json` (found {found})"),
            )
        }
        BodyError::TooDeep { limit } => Problem::http(
            StatusCode::BAD_REQUEST,
            "json_too_deep",
            format!("the request body nests arrays and objects deeper than the limit of {limit} levels"),
        ),
        BodyError::Unreadable { source, .. } => Problem::http(
            StatusCode::BAD_REQUEST,
            "unreadable_body",
            format!("the request body could not be read: {source}"),
        ),
    }
}

macro_rules! from {
    ($($variant:ident($ty:ty)),* $(,)?) => {$(
        impl From<$ty> for Rejection {
            fn from(value: $ty) -> Self {
                Rejection::$variant(value)
            }
        }
    )*};
}

from!(
    HeadersTooLarge(HeadersTooLarge),
    Overloaded(Overloaded),
    Unauthenticated(Unauthenticated),
    Origin(OriginError),
    Body(BodyError),
);

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, header};
    use futures_util::FutureExt as _;
    use serde_json::Value;

    use super::*;
    use crate::ServerConfig;
    use crate::auth::AuthError;
    use crate::http::InFlight;

    fn overloaded() -> Rejection {
        let in_flight = InFlight::new(&ServerConfig::default().max_in_flight(1).retry_after(2));
        let _slot = in_flight.enter().expect("a free slot");
        in_flight.enter().expect_err("full").into()
    }

    fn refused(error: AuthError) -> Rejection {
        Unauthenticated::new(error, || HeaderValue::from_static("Bearer realm=\"api\"")).into()
    }

    fn problem(response: Response) -> Value {
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .now_or_never()
            .expect("a buffered body")
            .expect("readable");
        serde_json::from_slice(&body).expect("a JSON problem")
    }

    #[test]
    fn problems_carry_status_code_request_id_and_headers() {
        let response = overloaded().into_problem_response("id-1");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(response.headers()["x-request-id"], "id-1");
        let body = problem(response);
        assert_eq!(body["code"], "unavailable");
        assert_eq!(body["request_id"], "id-1");
        assert_eq!(
            body["detail"],
            "the server is at its limit of 1 requests in flight; retry after 2 s"
        );

        let response = refused(AuthError::Unauthorized("send a key".into())).into_problem_response("id-2");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer realm=\"api\"");
        let body = problem(response);
        assert_eq!(body["code"], "unauthorized");
        assert_eq!(body["detail"], "send a key");

        let response = refused(AuthError::Forbidden("not you".into())).into_problem_response("id-3");
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(!response.headers().contains_key(header::WWW_AUTHENTICATE));
        assert_eq!(problem(response)["code"], "forbidden");
    }

    #[test]
    fn body_errors_read_as_rest_problems() {
        let cases = [
            (BodyError::TooLarge { limit: 8 }, 413, "payload_too_large"),
            (
                BodyError::UnsupportedType { found: None },
                415,
                "unsupported_media_type",
            ),
            (BodyError::TooDeep { limit: 2 }, 400, "json_too_deep"),
        ];
        for (error, status, code) in cases {
            let problem = Rejection::from(error).problem();
            assert_eq!((problem.status, problem.code), (status, code));
        }
        let headers = Rejection::from(HeadersTooLarge { total: 9, limit: 8 }).problem();
        assert_eq!((headers.status, headers.code), (431, "headers_too_large"));
        assert_eq!(
            headers.detail,
            "the request headers total 9 bytes, more than the limit of 8 bytes"
        );
    }
}
