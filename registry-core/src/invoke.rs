//! The one call path: timeouts, cancellation, panics, and where code runs.
//!
//! - An `async fn` is polled right here, on the caller's task: no spawn, no
//!   runtime of its own, no thread hop.
//! - A plain `fn` runs on tokio's blocking pool, so it may block freely.
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
use crate::{ApiError, ApiFunction, Arguments, Call, Context, ErrorKind};

/// Runs `function` with `args` under `timeout`: the path of a registry without hooks.
pub(crate) async fn call(function: &ApiFunction, args: Arguments, ctx: &Context, timeout: Duration) -> CallResult {
    let outcome = race(function, ctx.cancel_token(), timeout, run_function(function, args, ctx)).await;
    cancel_on_expiry(&outcome, ctx.cancel_token());
    outcome
}

/// Runs `hooks` around the call, the hooks and the function together under
/// `timeout`, and a panic in a hook contained like one in the function. The
/// call's token is cancelled if this future is dropped before it completes.
pub(crate) async fn call_with_hooks(hooks: &[Arc<dyn DynHook>], call: Call<'_>, timeout: Duration) -> CallResult {
    let function = call.entry().function();
    // The chain owns the context; the race and the guard need the token beside it.
    let token = call.context().cancel_token().clone();
    let guard = token.drop_guard_ref();
    // Pinned here rather than boxed: the chain allocates only each hook's future.
    let mut chain = pin!(Next::new(hooks).run(call));
    let chain = poll_fn(|cx| match catch_unwind(AssertUnwindSafe(|| chain.as_mut().poll(cx))) {
        Ok(poll) => poll,
        Err(payload) => Poll::Ready(Err(panicked("a hook", payload))),
    });
    let outcome = race(function, &token, timeout, chain).await;
    guard.disarm();
    cancel_on_expiry(&outcome, &token);
    outcome
}

/// The end of a hook chain: the function itself (its timeout is the chain's).
pub(crate) async fn run(call: Call<'_>) -> CallResult {
    let function = call.entry().function();
    let (args, ctx) = call.into_parts();
    run_function(function, args, &ctx).await
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
            match tokio::task::spawn_blocking(move || handler(args, &call_ctx)).await {
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
