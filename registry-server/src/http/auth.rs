//! [`protect`]: runs the configured [`Authorizer`] before a router's handlers.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::Response;
use registry_core::{ApiError, Principal};

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

/// The authorizer of an authenticated request, in its extensions: the REST
/// and MCP handlers ask it for the step-up challenge of a function whose
/// scopes the principal lacks ([`Authorizer::insufficient_scope`]).
#[derive(Clone, Debug)]
pub(crate) struct StepUp(Arc<dyn Authorizer>);

impl StepUp {
    /// The 403 `WWW-Authenticate` value for `principal` calling a function
    /// that declares `required`, and the first scope it lacks, when it lacks
    /// one and the authorizer challenges for scopes.
    pub(crate) fn challenge(
        &self,
        required: &[&'static str],
        principal: Option<&Principal>,
    ) -> Option<(HeaderValue, &'static str)> {
        let missing = required.iter().find(|s| !principal.is_some_and(|p| p.has_scope(s)))?;
        Some((self.0.insufficient_scope(required, missing)?, missing))
    }
}

/// Whether the query string carries an OAuth access token (RFC 6750 §2.3),
/// which this server refuses.
fn token_in_query(request: &Request) -> bool {
    request.uri().query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes()).any(|(name, _)| name.eq_ignore_ascii_case("access_token"))
    })
}

/// Runs the authorizer; on success the [`Principal`](registry_core::Principal)
/// goes into the request's extensions. Preflight (`OPTIONS`) requests pass.
async fn authenticate(State(auth): State<Arc<Auth>>, mut request: Request, next: Next) -> Response {
    if request.method() == Method::OPTIONS {
        return next.run(request).await;
    }
    let outcome = if token_in_query(&request) {
        Err(AuthError::Unauthorized(
            "access tokens in the query string are refused: send `Authorization: Bearer <token>`".into(),
        ))
    } else {
        auth.authorizer.authorize(request.headers()).await
    };
    match outcome {
        Ok(principal) => {
            tracing::Span::current().record("principal", principal.id.as_str());
            let extensions = request.extensions_mut();
            extensions.insert(principal);
            extensions.insert(StepUp(Arc::clone(&auth.authorizer)));
            next.run(request).await
        }
        Err(error) => {
            let id = request_id_of(request.extensions());
            let challenge = auth.authorizer.challenge_for(request.headers(), &error);
            let rejection = Unauthenticated::new(error, || challenge);
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
