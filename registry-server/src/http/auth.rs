//! [`protect`]: runs the configured [`Authorizer`] before a router's handlers.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use registry_core::ApiError;

use super::{Rejection, Render, request_id_of};
use crate::ServerConfig;
use crate::auth::{AuthError, Authorizer};

/// Puts `router` behind the configured authorizer, if any; a request it
/// turns away is answered by `render` (the surface's shape).
pub(crate) fn protect(router: Router, config: &ServerConfig, render: Render) -> Router {
    match &config.authorizer {
        Some(authorizer) => {
            let auth = Arc::new(Auth {
                authorizer: Arc::clone(authorizer),
                render,
            });
            router.layer(from_fn_with_state(auth, authenticate))
        }
        None => router,
    }
}

/// Authentication state of one surface.
#[derive(Debug)]
struct Auth {
    authorizer: Arc<dyn Authorizer>,
    render: Render,
}

/// 401 + `WWW-Authenticate`, or 403: the authorizer turned the request away.
#[derive(Debug)]
pub(crate) struct Unauthenticated {
    error: AuthError,
    /// `WWW-Authenticate` (401 only).
    challenge: Option<HeaderValue>,
}

impl Unauthenticated {
    /// The rejection of `error`; `challenge` is the `WWW-Authenticate` value, sent on a 401 only.
    pub(crate) fn new(error: AuthError, challenge: impl FnOnce() -> HeaderValue) -> Self {
        let challenge = matches!(error, AuthError::Unauthorized(_)).then(challenge);
        Unauthenticated { error, challenge }
    }

    pub(super) fn status(&self) -> StatusCode {
        match self.error {
            AuthError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden(_) => StatusCode::FORBIDDEN,
        }
    }

    /// The authorizer's answer, as the error it is on every surface.
    pub(crate) fn error(&self) -> &AuthError {
        &self.error
    }

    pub(super) fn api_error(&self) -> ApiError {
        match &self.error {
            AuthError::Unauthorized(message) => ApiError::unauthorized(message.clone()),
            AuthError::Forbidden(message) => ApiError::forbidden(message.clone()),
        }
    }

    pub(super) fn set_headers(&self, headers: &mut HeaderMap) {
        if let Some(challenge) = &self.challenge {
            headers.insert(header::WWW_AUTHENTICATE, challenge.clone());
        }
    }
}

/// Runs the authorizer; on success the [`Principal`](registry_core::Principal)
/// goes into the request's extensions. Preflight (`OPTIONS`) requests pass.
async fn authenticate(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let outcome = auth.authorizer.authorize(request.headers()).await;
    match outcome {
        Ok(principal) => {
            tracing::Span::current().record("principal", principal.id.as_str());
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(error) => {
            let id = request_id_of(request.extensions());
            let rejection = Unauthenticated::new(error, || auth.authorizer.challenge());
            tracing::debug!(
                request_id = %id,
                status = rejection.status().as_u16(),
                "authentication failed: {}",
                rejection.error
            );
            (auth.render)(Rejection::from(rejection), &id)
        }
    }
}
