//! The upstream client and how its failures become [`ApiError`]s.

use std::time::Duration;

use registry_core::{ApiError, ErrorKind};
use serde::de::DeserializeOwned;

/// How long one upstream request may take.
pub(crate) const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(2);

/// The upstream's base URL and the shared async client; registered as state.
#[derive(Clone, Debug)]
pub struct Upstream {
    base: String,
    client: reqwest::Client,
}

impl Upstream {
    /// An upstream at `base` (such as `https://mempool.space`).
    pub fn new(base: impl Into<String>) -> Self {
        let client = reqwest::Client::builder()
            .timeout(UPSTREAM_TIMEOUT)
            .user_agent(concat!("hashstats/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("a client without TLS options always builds");
        Upstream {
            base: base.into().trim_end_matches('/').to_owned(),
            client,
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET {base}{path}`, decoded as JSON.
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, UpstreamError> {
        let url = format!("{}{path}", self.base);
        let request = self.client.get(&url);
        // The call's trace goes on to the upstream (`traceparent`, `tracestate`, `baggage`).
        #[cfg(feature = "otel")]
        let request = registry_server::telemetry::inject(request);
        let response = request.send().await.map_err(|e| UpstreamError::from_reqwest(path, e))?;
        let status = response.status();
        if !status.is_success() {
            return Err(UpstreamError::Status {
                path: path.to_owned(),
                status: status.as_u16(),
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| UpstreamError::from_reqwest(path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| UpstreamError::Malformed {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }
}

/// Ways an upstream fails.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// No answer within [`UPSTREAM_TIMEOUT`].
    #[error("the upstream did not answer {path} within {}s", UPSTREAM_TIMEOUT.as_secs())]
    Timeout {
        /// The request path.
        path: String,
    },
    /// Connection refused, reset, DNS failure.
    #[error("the upstream could not be reached for {path}: {reason}")]
    Unreachable {
        /// The request path.
        path: String,
        /// The transport error.
        reason: String,
    },
    /// A non-success status.
    #[error("the upstream answered {path} with HTTP {status}")]
    Status {
        /// The request path.
        path: String,
        /// The status code.
        status: u16,
    },
    /// A body that is not the JSON we expect.
    #[error("the upstream sent malformed JSON for {path}: {reason}")]
    Malformed {
        /// The request path.
        path: String,
        /// The parse error.
        reason: String,
    },
}

impl UpstreamError {
    pub(crate) fn from_reqwest(path: &str, error: reqwest::Error) -> Self {
        if error.is_timeout() {
            UpstreamError::Timeout { path: path.to_owned() }
        } else {
            UpstreamError::Unreachable {
                path: path.to_owned(),
                reason: error.to_string(),
            }
        }
    }
}

/// The caller sees what failed, never the upstream's URL; logs get the detail.
impl From<UpstreamError> for ApiError {
    fn from(error: UpstreamError) -> Self {
        let (kind, message) = match &error {
            UpstreamError::Timeout { .. } => (ErrorKind::Timeout, "the upstream data source did not answer in time"),
            UpstreamError::Unreachable { .. } => (ErrorKind::Upstream, "the upstream data source cannot be reached"),
            UpstreamError::Status { status: 404, .. } => {
                (ErrorKind::NotFound, "the upstream data source has no such record")
            }
            UpstreamError::Status { status: 500..=599, .. } => {
                (ErrorKind::Upstream, "the upstream data source failed (server error)")
            }
            UpstreamError::Status { .. } => (ErrorKind::Upstream, "the upstream data source refused the request"),
            UpstreamError::Malformed { .. } => (ErrorKind::Upstream, "the upstream data source sent malformed data"),
        };
        ApiError::new(kind, message).with_internal(error)
    }
}
