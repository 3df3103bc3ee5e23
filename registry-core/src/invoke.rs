//! The one call path: timeouts, cancellation, panics, and where code runs.
//!
//! - Before the function runs, its arguments are checked against the
//!   constraints its input schema declares ([`crate::validate`]); in debug
//!   builds its result is checked against its output schema after.
//! - An `async fn` is polled right here, on the caller's task: no spawn, no
//!   runtime of its own, no thread hop.
//! - A plain `fn` runs on tokio's blocking pool, so it may block freely,
//!   inside the caller's current `tracing` span.
//! - A panic in either, or in a [hook](crate::hook), becomes an
//!   [`ErrorKind::Internal`](crate::ErrorKind::Internal) error for that call only.
//! - A timeout or a cancellation drops an async call's future (and the
//!   hooks around it); a sync call
//!   cannot be interrupted, so its [`Context`] is marked cancelled and its
//!   result, when it comes, is discarded.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::function::{CallResult, Handler};
use crate::hook::{DynHook, Next};
use crate::validate::Checker;
use crate::{ApiError, ApiFunction, Arguments, Call, Context, Entry, ErrorKind, FieldError};

/// Runs `entry`'s function with `args` under `timeout`: the path of a registry without hooks.
pub(crate) async fn call(entry: &Entry, args: Arguments, ctx: &Context, timeout: Duration) -> CallResult {
    check_input(entry, &args)?;
    let function = entry.function();
    let outcome = race(function, ctx.cancel_token(), timeout, run_function(function, args, ctx)).await;
    cancel_on_expiry(&outcome, ctx.cancel_token());
    checked_output(entry, outcome)
}

/// Runs `hooks` around the call, the hooks and the function together under
/// `timeout`, and a panic in a hook contained like one in the function. The
/// call's token is cancelled if this future is dropped before it completes.
pub(crate) async fn call_with_hooks(hooks: &[Arc<dyn DynHook>], mut call: Call<'_>, timeout: Duration) -> CallResult {
    let function = call.entry().function();
    // The chain borrows the call; the race and the guard need the token beside it.
    let token = call.context().cancel_token().clone();
    let guard = token.drop_guard_ref();
    // Pinned here rather than boxed, and every hook's future holds the call by
    // reference: the chain allocates each hook's (small) future and copies
    // little (BENCHMARKS.md, "Call hooks").
    let mut chain = pin!(Next::new(hooks).run(&mut call));
    let chain = poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| chain.as_mut().poll(cx))) {
        Ok(poll) => poll,
        Err(payload) => Poll::Ready(Err(panicked("a hook", payload))),
    });
    let outcome = race(function, &token, timeout, chain).await;
    guard.disarm();
    cancel_on_expiry(&outcome, &token);
    outcome
}

/// The end of a hook chain: the function itself (its timeout is the chain's),
/// given the call's arguments once they pass the input schema's constraints.
pub(crate) async fn run(call: &mut Call<'_>) -> CallResult {
    let entry = call.entry();
    check_input(entry, call.args())?;
    let args = std::mem::replace(call.args_mut(), Arguments::Value(serde_json::Value::Null));
    let outcome = run_function(entry.function(), args, call.context()).await;
    checked_output(entry, outcome)
}

/// The declared constraints, checked before the function runs. Outside the
/// function's future on purpose: an extra `async` layer around every call
/// cost about 200 instructions (callgrind, `hook-cost none`).
#[inline]
fn check_input(entry: &Entry, args: &Arguments) -> Result<(), ApiError> {
    match &entry.schemas().input_check {
        Some(check) => check_arguments(check, args),
        None => Ok(()),
    }
}

/// In debug builds, a result that breaks the output schema becomes an
/// internal error; release builds return `outcome` as it is.
#[inline]
fn checked_output(entry: &Entry, outcome: CallResult) -> CallResult {
    #[cfg(debug_assertions)]
    if let (Some(check), Ok(value)) = (&entry.schemas().output_check, &outcome) {
        check_result(entry, check, value)?;
    }
    #[cfg(not(debug_assertions))]
    let _ = entry;
    outcome
}

/// The arguments against the input schema's constraints. A value of the
/// wrong shape (a type, a missing or unknown field) is left to decoding,
/// which names it in serde's words, unless a constraint is broken too.
fn check_arguments(check: &Checker, args: &Arguments) -> Result<(), ApiError> {
    let parsed;
    let value = match args {
        Arguments::Value(value) => value,
        Arguments::Json(text) => match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(value) => {
                parsed = value;
                &parsed
            }
            // Decoding reports text that is not JSON.
            Err(_) => return Ok(()),
        },
    };
    let empty = serde_json::Value::Object(serde_json::Map::new());
    let value = if value.is_null() { &empty } else { value };
    let broken: Vec<FieldError> = check
        .check(value)
        .into_iter()
        .filter(|violation| !violation.structural)
        .map(FieldError::from)
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(crate::args::invalid(broken))
    }
}

/// `args` against the whole input schema, shape included (types, required
/// and unknown fields as well as constraints): for work accepted now and
/// run later, which must refuse bad input before it is accepted.
pub(crate) fn check_whole_input(entry: &Entry, args: &Arguments) -> Result<(), ApiError> {
    let parsed;
    let value = match args {
        Arguments::Value(value) => value,
        Arguments::Json(text) => match serde_json::from_slice::<serde_json::Value>(text) {
            Ok(value) => {
                parsed = value;
                &parsed
            }
            Err(err) => {
                return Err(ApiError::invalid_field(
                    "",
                    format!("the arguments are not JSON: {err}"),
                ));
            }
        },
    };
    let empty = serde_json::Value::Object(serde_json::Map::new());
    let value = if value.is_null() { &empty } else { value };
    let broken: Vec<FieldError> = Checker::for_input(entry.schemas().input.clone())
        .check(value)
        .into_iter()
        .map(FieldError::from)
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(crate::args::invalid(broken))
    }
}

/// A result that breaks the function's output schema (debug builds): an
/// internal error that names the function and the field, logged.
#[cfg(debug_assertions)]
fn check_result(entry: &Entry, check: &Checker, value: &serde_json::Value) -> Result<(), ApiError> {
    let violations = check.check(value);
    if violations.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = violations
        .iter()
        .map(|v| {
            if v.field.is_empty() {
                v.reason.clone()
            } else {
                format!("`{}`: {}", v.field, v.reason)
            }
        })
        .collect();
    Err(ApiError::internal(format_args!(
        "`{}` returned a result that does not match its output schema (checked in debug builds): {}",
        entry.name(),
        list.join("; ")
    )))
}

/// The function's own future: polled here when async, joined from the
/// blocking pool when sync; a panic becomes an internal error.
async fn run_function(function: &ApiFunction, args: Arguments, ctx: &Context) -> CallResult {
    match function.handler() {
        Handler::Async(handler) => {
            CatchUnwind {
                inner: handler(args, ctx),
                what: "the function",
            }
            .await
        }
        Handler::Sync(handler) => {
            let call_ctx = ctx.clone();
            // The function's own spans and events nest under the call's, as an async function's do.
            let span = tracing::Span::current();
            #[cfg(feature = "otel")]
            let otel = opentelemetry::Context::current();
            let run = move || {
                #[cfg(feature = "otel")]
                let _otel = otel.attach();
                span.in_scope(|| handler(args, &call_ctx))
            };
            match tokio::task::spawn_blocking(run).await {
                Ok(result) => result,
                Err(err) if err.is_panic() => Err(panicked("the function", err.into_panic())),
                Err(err) => Err(ApiError::internal(format_args!("blocking task failed: {err}"))),
            }
        }
    }
}

/// A sync function cannot be interrupted: on a timeout or a cancellation its
/// context is marked cancelled, so it can see it and stop.
fn cancel_on_expiry(outcome: &CallResult, token: &CancellationToken) {
    if let Err(err) = outcome
        && matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Cancelled)
    {
        token.cancel();
    }
}

/// Polls `future` until it completes, the timeout fires or `token` is cancelled.
async fn race(
    function: &ApiFunction,
    token: &CancellationToken,
    timeout: Duration,
    future: impl Future<Output = CallResult>,
) -> CallResult {
    // The deadline counts from here, but the timer is armed only if the call
    // is still running after its first poll: most calls finish in that poll,
    // and arming touches the runtime's shared timer state.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut future = pin!(future);
    let mut cancelled = pin!(token.cancelled());
    let mut timer = pin!(None::<tokio::time::Sleep>);
    poll_fn(|cx| {
        if let Poll::Ready(result) = future.as_mut().poll(cx) {
            return Poll::Ready(result);
        }
        if cancelled.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(ApiError::new(
                ErrorKind::Cancelled,
                format!("the call to `{}` was cancelled", function.name()),
            )));
        }
        if timer.is_none() {
            timer.set(Some(tokio::time::sleep_until(deadline)));
        }
        match timer.as_mut().as_pin_mut().map(|sleep| sleep.poll(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(Err(ApiError::timeout(format!(
                "`{}` did not finish within {}",
                function.name(),
                DisplayDuration(timeout)
            )))),
            _ => Poll::Pending,
        }
    })
    .await
}

/// Turns a panic inside `poll` into an internal error.
struct CatchUnwind<F> {
    inner: F,
    /// Who panicked, for the log: "the function" or "a hook".
    what: &'static str,
}

impl<F: Future<Output = CallResult> + Unpin> Future for CatchUnwind<F> {
    type Output = CallResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<CallResult> {
        let what = self.what;
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => Poll::Ready(Err(panicked(what, payload))),
        }
    }
}

fn panicked(what: &str, payload: Box<dyn Any + Send>) -> ApiError {
    ApiError::internal(format_args!("{what} panicked: {}", panic_message(&*payload)))
}

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string panic payload")
}

/// `5s`, `250ms`.
pub(crate) struct DisplayDuration(pub(crate) Duration);

impl std::fmt::Display for DisplayDuration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = self.0.as_millis();
        if ms.is_multiple_of(1000) {
            write!(f, "{}s", ms / 1000)
        } else {
            write!(f, "{ms}ms")
        }
    }
}
