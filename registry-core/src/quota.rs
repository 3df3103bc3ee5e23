//! [`Quota`]: how many calls a rate limit allows per window, and the
//! per-function call policy (`rate_limit`, `max_concurrency`, sensitive
//! arguments) `#[api_function]` records for the built-in hooks.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A rate limit: `calls` calls per `per`, written `"10/s"`, `"100/min"` or
/// `"1000/h"` (the `rate_limit = "..."` option and configuration strings).
///
/// ```
/// use std::time::Duration;
/// use registry_core::Quota;
///
/// let quota: Quota = "100/min".parse().unwrap();
/// assert_eq!(quota, Quota::new(100, Duration::from_secs(60)).unwrap());
/// assert_eq!(quota.to_string(), "100/min");
/// assert!("0/s".parse::<Quota>().is_err());
/// assert!("10 per second".parse::<Quota>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Quota {
    calls: u32,
    per: Duration,
}

impl Quota {
    /// `calls` per `per`; `None` when either is zero.
    pub const fn new(calls: u32, per: Duration) -> Option<Quota> {
        if calls == 0 || per.is_zero() {
            return None;
        }
        Some(Quota { calls, per })
    }

    /// `calls` per second.
    pub const fn per_second(calls: u32) -> Option<Quota> {
        Quota::new(calls, Duration::from_secs(1))
    }

    /// `calls` per minute.
    pub const fn per_minute(calls: u32) -> Option<Quota> {
        Quota::new(calls, Duration::from_secs(60))
    }

    /// `calls` per hour.
    pub const fn per_hour(calls: u32) -> Option<Quota> {
        Quota::new(calls, Duration::from_secs(3600))
    }

    /// Used by generated code, which has checked both are positive.
    #[doc(hidden)]
    pub const fn __checked(calls: u32, per_secs: u64) -> Quota {
        Quota {
            calls,
            per: Duration::from_secs(per_secs),
        }
    }

    /// Calls allowed per window (at least 1).
    pub const fn calls(self) -> u32 {
        self.calls
    }

    /// The window (never zero).
    pub const fn per(self) -> Duration {
        self.per
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.per.as_secs();
        if self.per.subsec_nanos() == 0 {
            match secs {
                1 => return write!(f, "{}/s", self.calls),
                60 => return write!(f, "{}/min", self.calls),
                3600 => return write!(f, "{}/h", self.calls),
                _ => {}
            }
        }
        write!(f, "{} per {:?}", self.calls, self.per)
    }
}

/// Why a quota string did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid rate limit `{0}`; write a positive whole number of calls, `/` and `s`, `min` or `h`, such as \"10/s\" or \"100/min\""
)]
pub struct QuotaParseError(String);

impl FromStr for Quota {
    type Err = QuotaParseError;

    fn from_str(text: &str) -> Result<Quota, QuotaParseError> {
        crate::quota_grammar::parse(text)
            .and_then(|(calls, secs)| Quota::new(calls, Duration::from_secs(secs)))
            .ok_or_else(|| QuotaParseError(text.to_owned()))
    }
}

/// What `#[api_function]` records for the call-policy hooks of
/// `registry-server` (`rate_limit`, `max_concurrency`, `#[arg(sensitive)]`)
/// and its task runner (`task`).
///
/// Grouped so a plain function's descriptor fills one field with
/// [`Policy::NONE`].
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub rate_limit: Option<Quota>,
    pub max_concurrency: Option<u32>,
    pub sensitive: &'static [&'static str],
    pub task: TaskSupport,
}

/// Whether a function runs as a long-running task (`#[api_function(task = "...")]`):
/// the MCP Tasks extension's handle, or REST's `202 Accepted`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TaskSupport {
    /// Never a task (no `task` option): every call answers when it is done.
    #[default]
    Forbidden,
    /// A task when the client asks (MCP: the client declares the extension,
    /// or sends `params.task` in the 2025-11-25 era; REST: `Prefer: respond-async`),
    /// else an ordinary call.
    Optional,
    /// Always a task (`task = "required"`).
    Required,
}

impl TaskSupport {
    /// `"forbidden"`, `"optional"` or `"required"`: the 2025-11-25 tool
    /// definition's `execution.taskSupport` value.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskSupport::Forbidden => "forbidden",
            TaskSupport::Optional => "optional",
            TaskSupport::Required => "required",
        }
    }
}

impl Policy {
    /// No option set.
    pub const NONE: Policy = Policy {
        rate_limit: None,
        max_concurrency: None,
        sensitive: &[],
        task: TaskSupport::Forbidden,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas() {
        let q = |s: &str| s.parse::<Quota>().map(|q| (q.calls(), q.per().as_secs()));
        assert_eq!(q("10/s"), Ok((10, 1)));
        assert_eq!(q(" 100 / min "), Ok((100, 60)));
        assert_eq!(q("1/h"), Ok((1, 3600)));
        for bad in crate::quota_grammar::REFUSED {
            assert!(bad.parse::<Quota>().is_err(), "{bad}");
        }
        for text in ["2/s", "100/min", "7/h"] {
            assert_eq!(text.parse::<Quota>().unwrap().to_string(), text);
        }
    }
}
