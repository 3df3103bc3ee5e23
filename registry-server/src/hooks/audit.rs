//! [`Audit`]: one `tracing` event per call, sensitive arguments redacted.

use std::time::Instant;

use registry_core::hook::{Hook, Next};
use registry_core::{ApiFunction, Call, CallResult};

/// The `tracing` target of the audit events: route it to its own sink with a
/// filter such as `api_registry::audit=info`.
pub const AUDIT_TARGET: &str = "api_registry::audit";

/// A [hook](registry_core::hook) that emits one `INFO` event per call on
/// the target [`AUDIT_TARGET`], after the call, with the fields
///
/// | field | value |
/// | --- | --- |
/// | `function` | the function's name |
/// | `principal` | the principal's id, or empty |
/// | `protocol` | `rest`, `mcp` or `direct` |
/// | `outcome` | `ok`, or the error's kind code (`rate_limited`, `invalid_arguments`, ...); `cancelled` when the call was dropped (its timeout fired or its caller went away) |
/// | `duration_us` | microseconds the rest of the chain took |
/// | `request_id` | the call's request id |
/// | `arguments` | the arguments as JSON, each `#[arg(sensitive)]` one replaced by `"[redacted]"` (left out with [`Audit::without_arguments`]) |
///
/// Register it first so it sees the calls later hooks refuse.
///
/// ```
/// use registry_core::Registry;
/// use registry_server::hooks::Audit;
///
/// let registry = Registry::builder().hook(Audit::new()).build();
/// # let _ = registry;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Audit {
    arguments: bool,
}

impl Default for Audit {
    fn default() -> Self {
        Audit::new()
    }
}

impl Audit {
    /// An audit hook that records the (redacted) arguments.
    pub fn new() -> Self {
        Audit { arguments: true }
    }

    /// Leaves the arguments out of the events.
    #[must_use]
    pub fn without_arguments(mut self) -> Self {
        self.arguments = false;
        self
    }
}

impl Hook for Audit {
    async fn call(&self, call: Call<'_>, next: Next<'_>) -> CallResult {
        let function = call.entry().function();
        let ctx = call.context();
        let mut record = Record {
            function,
            principal: ctx.principal().map(|p| p.id.clone()).unwrap_or_default(),
            protocol: ctx.protocol().as_str(),
            request_id: ctx.request_id().to_owned(),
            arguments: if self.arguments {
                call.redacted_arguments()
            } else {
                String::new()
            },
            started: Instant::now(),
            outcome: None,
        };
        let outcome = next.run(call).await;
        record.outcome = Some(match &outcome {
            Ok(_) => "ok",
            Err(err) => err.kind().code(),
        });
        outcome
    }
}

/// One call's event, emitted when dropped: after the call, or when the call
/// is dropped half-way (timeout, cancellation), so no call goes unrecorded.
struct Record {
    function: &'static ApiFunction,
    principal: String,
    protocol: &'static str,
    request_id: String,
    arguments: String,
    started: Instant,
    outcome: Option<&'static str>,
}

impl Drop for Record {
    fn drop(&mut self) {
        let duration_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        tracing::info!(
            target: AUDIT_TARGET,
            function = self.function.name(),
            principal = self.principal.as_str(),
            protocol = self.protocol,
            outcome = self.outcome.unwrap_or("cancelled"),
            duration_us,
            request_id = self.request_id.as_str(),
            arguments = self.arguments.as_str(),
            "call"
        );
    }
}
