//! The one call path: timeouts, cancellation, panics, and where code runs.
//!
//! - An `async fn` is polled right here, on the caller's task: no spawn, no
//!   runtime of its own, no thread hop.
//! - A plain `fn` runs on tokio's blocking pool, so it may block freely.
//! - A panic in either becomes an [`ErrorKind::Internal`](crate::ErrorKind::Internal)
//!   error for that call only.
//! - A timeout or a cancellation drops an async call's future; a sync call
//!   cannot be interrupted, so its [`Context`] is marked cancelled and its
//!   result, when it comes, is discarded.

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::Duration;

use crate::function::{CallResult, Handler};
use crate::{ApiError, ApiFunction, Arguments, Context, ErrorKind};

/// Runs `function` with `args` under `timeout`.
pub(crate) async fn call(function: &ApiFunction, args: Arguments, ctx: &Context, timeout: Duration) -> CallResult {
    let outcome = match function.handler() {
        Handler::Async(handler) => {
            let future = CatchUnwind {
                inner: handler(args, ctx),
            };
            race(function, ctx, timeout, future).await
        }
        Handler::Sync(handler) => {
            let call_ctx = ctx.clone();
            let join = tokio::task::spawn_blocking(move || handler(args, &call_ctx));
            let joined = async {
                match join.await {
                    Ok(result) => result,
                    Err(err) if err.is_panic() => Err(panicked(err.into_panic())),
                    Err(err) => Err(ApiError::internal(format_args!("blocking task failed: {err}"))),
                }
            };
            race(function, ctx, timeout, joined).await
        }
    };
    if let Err(err) = &outcome
        && matches!(err.kind(), ErrorKind::Timeout | ErrorKind::Cancelled)
    {
        ctx.cancel_token().cancel();
    }
    outcome
}

/// Polls `future` until it completes, the timeout fires or the context is cancelled.
async fn race(
    function: &ApiFunction,
    ctx: &Context,
    timeout: Duration,
    future: impl Future<Output = CallResult>,
) -> CallResult {
    // The deadline counts from here, but the timer is armed only if the call
    // is still running after its first poll: most calls finish in that poll,
    // and arming touches the runtime's shared timer state.
    let deadline = tokio::time::Instant::now() + timeout;
    let mut future = pin!(future);
    let mut cancelled = pin!(ctx.cancelled());
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
}

impl<F: Future<Output = CallResult> + Unpin> Future for CatchUnwind<F> {
    type Output = CallResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<CallResult> {
        let inner = &mut self.inner;
        match catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(poll) => poll,
            Err(payload) => Poll::Ready(Err(panicked(payload))),
        }
    }
}

fn panicked(payload: Box<dyn Any + Send>) -> ApiError {
    ApiError::internal(format_args!("the function panicked: {}", panic_message(&*payload)))
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
