//! [`ApiError`]: the one error type every function and protocol shares.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// What went wrong, in terms every protocol can map.
///
/// Each adapter turns a kind into its own status (an HTTP status, a JSON-RPC
/// code or an MCP `isError` result) from one table, so a kind means the same
/// thing everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The arguments did not match the function's input schema.
    InvalidArguments,
    /// No such function, or the thing the function looked for does not exist.
    NotFound,
    /// The caller is not authenticated.
    Unauthorized,
    /// The caller is authenticated but not allowed to do this.
    Forbidden,
    /// The request conflicts with the current state.
    Conflict,
    /// The request is larger than a configured limit.
    PayloadTooLarge,
    /// The caller made too many calls; retry after the delay the error carries.
    RateLimited,
    /// Too many calls are in flight; try again later.
    Unavailable,
    /// A service the function depends on failed or answered nonsense.
    Upstream,
    /// The call took longer than its timeout and was stopped.
    Timeout,
    /// The caller cancelled the call.
    Cancelled,
    /// A bug or an unexpected failure; details are kept out of responses.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order.
    pub const ALL: [ErrorKind; 12] = [
        ErrorKind::InvalidArguments,
        ErrorKind::NotFound,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::Conflict,
        ErrorKind::PayloadTooLarge,
        ErrorKind::RateLimited,
        ErrorKind::Unavailable,
        ErrorKind::Upstream,
        ErrorKind::Timeout,
        ErrorKind::Cancelled,
        ErrorKind::Internal,
    ];

    /// A stable snake_case code, used in problem `type`s and error data.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::InvalidArguments => "invalid_arguments",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Conflict => "conflict",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Upstream => "upstream",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Internal => "internal",
        }
    }

    /// Whether the kind is a fault of the server or of what it depends on
    /// (internal, upstream, unavailable, timeout) rather than of the caller;
    /// such failures are logged at `ERROR`.
    pub const fn is_fault(self) -> bool {
        matches!(
            self,
            ErrorKind::Internal | ErrorKind::Upstream | ErrorKind::Unavailable | ErrorKind::Timeout
        )
    }

    /// A short human title, such as "Invalid arguments".
    pub const fn title(self) -> &'static str {
        match self {
            ErrorKind::InvalidArguments => "Invalid arguments",
            ErrorKind::NotFound => "Not found",
            ErrorKind::Unauthorized => "Unauthorized",
            ErrorKind::Forbidden => "Forbidden",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::PayloadTooLarge => "Payload too large",
            ErrorKind::RateLimited => "Too many requests",
            ErrorKind::Unavailable => "Service unavailable",
            ErrorKind::Upstream => "Upstream failure",
            ErrorKind::Timeout => "Timed out",
            ErrorKind::Cancelled => "Cancelled",
            ErrorKind::Internal => "Internal error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One invalid field of the arguments.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Dotted path to the field (`point.x`, `items.0`); empty for the whole object.
    pub field: String,
    /// Why it was rejected, such as "expected i64, found string \"x\"".
    pub reason: String,
}

/// The error every API function returns and every protocol maps.
///
/// The `message` is shown to callers; `internal` detail (panic messages,
/// upstream URLs, source errors) is only logged.
///
/// ```
/// use registry_core::{ApiError, ErrorKind};
///
/// let err = ApiError::not_found("no block at height 900000");
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.to_string(), "not_found: no block at height 900000");
/// ```
#[derive(Clone, Debug)]
pub struct ApiError {
    kind: ErrorKind,
    message: Cow<'static, str>,
    fields: Vec<FieldError>,
    internal: Option<String>,
    retry: Option<Box<Retry>>,
}

/// When a refused call may be tried again, and the rate limit that refused it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Retry {
    after: Option<Duration>,
    rate_limit: Option<RateLimitStatus>,
}

/// The state of the rate limit that refused a call, as the IETF httpapi
/// `RateLimit-Policy` and `RateLimit` header fields describe it: REST sends
/// them as those headers, MCP in the error's `_meta`.
///
/// ```
/// use std::time::Duration;
/// use registry_core::{ApiError, RateLimitStatus};
///
/// let status = RateLimitStatus::new("per-caller", 10, Duration::from_secs(1), 0, Duration::from_millis(300));
/// let err = ApiError::rate_limited("slow down").with_rate_limit(status.clone());
/// assert_eq!(err.retry_after(), Some(Duration::from_millis(300)));
/// assert_eq!(err.rate_limit(), Some(&status));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// The policy's name (the header's item key), such as `"per-caller"`.
    pub policy: Cow<'static, str>,
    /// Calls allowed per window (`q`).
    pub quota: u32,
    /// The window (`w`).
    pub window: Duration,
    /// Calls left in the current window (`r`).
    pub remaining: u32,
    /// Until the quota allows another call (`t`).
    pub reset: Duration,
}

impl RateLimitStatus {
    /// A status: `quota` calls per `window` under `policy`, `remaining` left, the next in `reset`.
    pub fn new(
        policy: impl Into<Cow<'static, str>>,
        quota: u32,
        window: Duration,
        remaining: u32,
        reset: Duration,
    ) -> Self {
        RateLimitStatus {
            policy: policy.into(),
            quota,
            window,
            remaining,
            reset,
        }
    }
}

impl ApiError {
    /// An error of `kind` with a message safe to show the caller.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            fields: Vec::new(),
            internal: None,
            retry: None,
        }
    }

    /// [`ErrorKind::InvalidArguments`].
    pub fn invalid_arguments(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidArguments, message)
    }

    /// [`ErrorKind::InvalidArguments`] for one field, with the message built from it.
    pub fn invalid_field(field: impl Into<String>, reason: impl Into<String>) -> Self {
        let error = FieldError {
            field: field.into(),
            reason: reason.into(),
        };
        let message = describe_fields(std::slice::from_ref(&error));
        ApiError {
            kind: ErrorKind::InvalidArguments,
            message: message.into(),
            fields: vec![error],
            internal: None,
            retry: None,
        }
    }

    /// [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// [`ErrorKind::Unauthorized`].
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    /// [`ErrorKind::Forbidden`].
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }

    /// [`ErrorKind::Conflict`].
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    /// [`ErrorKind::Upstream`].
    pub fn upstream(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Upstream, message)
    }

    /// [`ErrorKind::Timeout`].
    pub fn timeout(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }

    /// [`ErrorKind::Unavailable`].
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    /// [`ErrorKind::RateLimited`]; add when to retry with
    /// [`ApiError::with_retry_after`] or [`ApiError::with_rate_limit`].
    pub fn rate_limited(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::RateLimited, message)
    }

    /// Says when the call may be tried again: REST sends `Retry-After`, MCP
    /// `retryAfterMs` in the error's `_meta`. Meant for
    /// [`ErrorKind::RateLimited`] and [`ErrorKind::Unavailable`].
    #[must_use]
    pub fn with_retry_after(mut self, after: Duration) -> Self {
        self.retry.get_or_insert_with(Default::default).after = Some(after);
        self
    }

    /// Attaches the state of the rate limit that refused the call (and, unless
    /// already set, its `reset` as the retry delay).
    #[must_use]
    pub fn with_rate_limit(mut self, status: RateLimitStatus) -> Self {
        let retry = self.retry.get_or_insert_with(Default::default);
        retry.after.get_or_insert(status.reset);
        retry.rate_limit = Some(status);
        self
    }

    /// When the call may be tried again, if the error says.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry.as_ref()?.after
    }

    /// The rate limit that refused the call, if one did.
    pub fn rate_limit(&self) -> Option<&RateLimitStatus> {
        self.retry.as_ref()?.rate_limit.as_ref()
    }

    /// [`ErrorKind::Internal`] with a generic public message; `detail` is only logged.
    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Internal, "internal error").with_internal(detail)
    }

    /// Attaches detail for logs that is never sent to callers by default.
    #[must_use]
    pub fn with_internal(mut self, detail: impl fmt::Display) -> Self {
        self.internal = Some(detail.to_string());
        self
    }

    /// The kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message shown to callers.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The invalid fields, for [`ErrorKind::InvalidArguments`].
    pub fn fields(&self) -> &[FieldError] {
        &self.fields
    }

    pub(crate) fn set_fields(&mut self, fields: Vec<FieldError>) {
        self.fields = fields;
    }

    /// Replaces the invalid fields (an error rebuilt from a stored or
    /// forwarded one keeps them; the message is left as it is).
    ///
    /// ```
    /// use registry_core::{ApiError, FieldError};
    ///
    /// let field = FieldError { field: "count".into(), reason: "must be at most 3".into() };
    /// let err = ApiError::invalid_arguments("count: must be at most 3").with_fields(vec![field.clone()]);
    /// assert_eq!(err.fields(), [field]);
    /// ```
    #[must_use]
    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    /// Detail for logs only (panic messages, source errors).
    pub fn internal_detail(&self) -> Option<&str> {
        self.internal.as_deref()
    }
}

pub(crate) fn describe_fields(fields: &[FieldError]) -> String {
    let parts: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.field.is_empty() {
                f.reason.clone()
            } else {
                format!("`{}`: {}", f.field, f.reason)
            }
        })
        .collect();
    format!("invalid arguments: {}", parts.join("; "))
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// An error of `kind` from any error type: its `Display` text is the
    /// message for every kind but [`ErrorKind::Internal`], where it is only
    /// logged (the caller sees "internal error").
    ///
    /// ```
    /// use registry_core::{ApiError, ErrorKind};
    ///
    /// let parse = "x".parse::<u32>().unwrap_err();
    /// let err = ApiError::from_error(ErrorKind::InvalidArguments, parse);
    /// assert_eq!(err.message(), "invalid digit found in string");
    /// let io = std::io::Error::other("disk on fire");
    /// let err = ApiError::from_error(ErrorKind::Internal, io);
    /// assert_eq!((err.message(), err.internal_detail()), ("internal error", Some("disk on fire")));
    /// ```
    pub fn from_error(kind: ErrorKind, error: impl fmt::Display) -> Self {
        match kind {
            ErrorKind::Internal => ApiError::internal(error),
            kind => ApiError::new(kind, error.to_string()),
        }
    }
}

/// `?` on a `Result<_, String>`: an [`ErrorKind::Internal`] error, the text
/// logged, the caller shown "internal error". Return
/// [`ApiError::new`] (or [`ApiError::from_error`]) for a message callers should read.
impl From<String> for ApiError {
    fn from(detail: String) -> Self {
        ApiError::internal(detail)
    }
}

/// `?` on a `Result<_, &str>`: as for `String`.
impl From<&str> for ApiError {
    fn from(detail: &str) -> Self {
        ApiError::internal(detail)
    }
}

/// `?` on a `Result<_, Box<dyn Error + Send + Sync>>` (and so on any error
/// type after `.map_err(Into::into)`): internal, its text (with its source
/// chain) logged.
impl From<Box<dyn std::error::Error + Send + Sync>> for ApiError {
    fn from(error: Box<dyn std::error::Error + Send + Sync>) -> Self {
        ApiError::internal(Chain(&*error))
    }
}

/// `?` on the standard library's I/O errors: internal, the text logged.
impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        ApiError::internal(Chain(&error))
    }
}

/// `?` on `serde_json` errors (serializing a value by hand, parsing upstream
/// JSON): internal, the text logged.
impl From<serde_json::Error> for ApiError {
    fn from(error: serde_json::Error) -> Self {
        ApiError::internal(error)
    }
}

/// `?` on an `anyhow::Error` (feature `anyhow`): internal, the whole chain logged.
#[cfg(feature = "anyhow")]
impl From<anyhow::Error> for ApiError {
    fn from(error: anyhow::Error) -> Self {
        ApiError::internal(format_args!("{error:#}"))
    }
}

/// An error and its sources, `: `-separated, for the log.
struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(error) = source {
            write!(f, ": {error}")?;
            source = error.source();
        }
        Ok(())
    }
}

impl From<std::convert::Infallible> for ApiError {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}
