//! The span batch: every exported span is written as OTLP protobuf when it
//! ends, on the thread that ends it, into one bounded buffer, which a thread
//! of the batch's own POSTs (see [`super::otlp`]).
//!
//! It takes the place of the SDK's `BatchSpanProcessor` because a
//! measurement said so (BENCHMARKS.md, "OpenTelemetry"): that processor moves
//! each `SpanData` (some 400 bytes, and the attribute strings it owns)
//! through a channel to its thread, which frees it there, away from the
//! allocator cache of the worker that made it; the call spans also had to
//! build that `SpanData` first. Here a call span's attributes are written
//! into its bytes as they become known, and the functions' spans (the SDK
//! spans of `tracing-opentelemetry`) are written on `on_end`, so a span is
//! freed where it was made and the export thread only sends bytes.
//!
//! The buffer holds at most `OTEL_BSP_MAX_QUEUE_SIZE` spans (2048); more
//! are dropped and counted. It is sent when it holds
//! `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` spans (512), every
//! `OTEL_BSP_SCHEDULE_DELAY` milliseconds (5000) otherwise, and on flush.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanProcessor};

use super::otlp::{self, OtlpSpans};

/// The batch's limits, from the `OTEL_BSP_*` variables.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Spans held at most; more are dropped.
    pub(super) max_queue: usize,
    /// Spans that start an export without waiting for the delay.
    pub(super) batch_size: usize,
    /// The longest a span waits.
    pub(super) delay: Duration,
}

impl Limits {
    /// The `OTEL_BSP_*` values, with the specification's defaults.
    pub(super) fn from_env() -> Limits {
        let number = |name: &str, default: u64| {
            super::env(name)
                .and_then(|text| text.trim().parse::<u64>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(default)
        };
        let max_queue = usize::try_from(number("OTEL_BSP_MAX_QUEUE_SIZE", 2048)).unwrap_or(2048);
        let batch_size = usize::try_from(number("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512))
            .unwrap_or(512)
            .min(max_queue);
        Limits {
            max_queue,
            batch_size,
            delay: Duration::from_millis(number("OTEL_BSP_SCHEDULE_DELAY", 5000)),
        }
    }
}

/// The batch: shared by the provider (as its span processor) and the call
/// spans. Cloning shares it.
#[derive(Clone, Debug)]
pub(crate) struct Batch(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    /// Wakes the export thread: a full batch, a flush, shutdown.
    wake: Condvar,
    /// Wakes those waiting for a flush or shutdown to be done.
    done: Condvar,
    limits: Limits,
    thread: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct State {
    /// Per instrumentation scope (the call spans' first), its spans: each a
    /// `ScopeSpans.spans` field (tag, length, `Span` message).
    scopes: Vec<(InstrumentationScope, Vec<u8>)>,
    /// Spans held.
    spans: usize,
    /// Spans dropped since the last export said so.
    dropped: u64,
    /// Flushes asked for and done, as generations.
    asked: u64,
    flushed: u64,
    shutdown: bool,
    stopped: bool,
}

impl Batch {
    /// A batch sending with `exporter`; the call spans' scope is `scope`.
    pub(super) fn start(exporter: OtlpSpans, scope: InstrumentationScope, limits: Limits) -> std::io::Result<Batch> {
        let batch = Batch(Arc::new(Inner {
            state: Mutex::new(State {
                scopes: vec![(scope, Vec::new())],
                ..State::default()
            }),
            wake: Condvar::new(),
            done: Condvar::new(),
            limits,
            thread: Mutex::new(None),
        }));
        let inner = batch.0.clone();
        let thread = std::thread::Builder::new()
            .name("otlp-spans".to_owned())
            .spawn(move || inner.run(&exporter))?;
        *batch.0.thread.lock().unwrap_or_else(PoisonError::into_inner) = Some(thread);
        Ok(batch)
    }

    /// Adds one call span, `span` being its `Span` message.
    pub(crate) fn push_call_span(&self, span: &[u8]) {
        let mut state = self.0.lock();
        if !self.0.has_room(&mut state) {
            return;
        }
        otlp::put_scope_span(&mut state.scopes[0].1, span);
        self.0.added(state);
    }

    /// Sends what is held and waits (at most `timeout`) until it is sent.
    fn flush(&self, timeout: Duration) -> OTelSdkResult {
        let mut state = self.0.lock();
        if state.stopped {
            return Ok(());
        }
        state.asked += 1;
        let generation = state.asked;
        self.0.wake.notify_one();
        let deadline = Instant::now() + timeout;
        while state.flushed < generation && !state.stopped {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(OTelSdkError::Timeout(timeout));
            }
            state = self
                .0
                .done
                .wait_timeout(state, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Ok(())
    }

    #[cfg(test)]
    fn held(&self) -> (usize, u64) {
        let state = self.0.lock();
        (state.spans, state.dropped)
    }
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether one more span can be held (else it is counted as dropped).
    fn has_room(&self, state: &mut State) -> bool {
        let room = state.spans < self.limits.max_queue && !state.shutdown;
        if !room {
            state.dropped += 1;
        }
        room
    }

    /// Counts a span just written; a full batch wakes the export thread
    /// (once: a wake is a system call).
    fn added(&self, mut state: MutexGuard<'_, State>) {
        state.spans += 1;
        let full = state.spans == self.limits.batch_size;
        drop(state);
        if full {
            self.wake.notify_one();
        }
    }

    /// The export thread: waits for a full batch, the delay, a flush or
    /// shutdown, then sends everything held in one request.
    fn run(&self, exporter: &OtlpSpans) {
        loop {
            let mut state = self.lock();
            let deadline = Instant::now() + self.limits.delay;
            while !state.shutdown && state.spans < self.limits.batch_size && state.flushed == state.asked {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                state = self
                    .wake
                    .wait_timeout(state, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let generation = state.asked;
            let shutdown = state.shutdown;
            let dropped = std::mem::take(&mut state.dropped);
            let held = state.spans;
            state.spans = 0;
            let scopes: Vec<(InstrumentationScope, Vec<u8>)> = state
                .scopes
                .iter_mut()
                .filter(|(_, spans)| !spans.is_empty())
                .map(|(scope, spans)| {
                    let capacity = spans.len();
                    (scope.clone(), std::mem::replace(spans, Vec::with_capacity(capacity)))
                })
                .collect();
            drop(state);
            if dropped > 0 {
                tracing::warn!(
                    dropped,
                    "the OTLP span queue was full (OTEL_BSP_MAX_QUEUE_SIZE); spans were dropped"
                );
            }
            if held > 0
                && let Err(err) = exporter.send(&scopes)
            {
                tracing::warn!("{err}; {held} spans were not exported");
            }
            let mut state = self.lock();
            state.flushed = state.flushed.max(generation);
            if shutdown {
                state.stopped = true;
            }
            drop(state);
            self.done.notify_all();
            if shutdown {
                return;
            }
        }
    }
}

impl SpanProcessor for Batch {
    fn on_start(&self, _span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {}

    /// A function's span (through `tracing-opentelemetry`): written now, on
    /// the thread that ends it.
    fn on_end(&self, span: SpanData) {
        let mut state = self.0.lock();
        if !self.0.has_room(&mut state) {
            return;
        }
        let index = match state
            .scopes
            .iter()
            .position(|(scope, _)| *scope == span.instrumentation_scope)
        {
            Some(index) => index,
            None => {
                state.scopes.push((span.instrumentation_scope.clone(), Vec::new()));
                state.scopes.len() - 1
            }
        };
        otlp::put_sdk_span(&mut state.scopes[index].1, &span);
        self.0.added(state);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.flush(Duration::from_secs(30))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let mut state = self.0.lock();
        if state.stopped {
            return Ok(());
        }
        state.shutdown = true;
        drop(state);
        self.0.wake.notify_one();
        let result = self.flush(timeout);
        if let Some(thread) = self.0.thread.lock().unwrap_or_else(PoisonError::into_inner).take()
            && result.is_ok()
        {
            let _ = thread.join();
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(max_queue: usize) -> Batch {
        // Nothing listens on port 9 of loopback: sending fails, quickly.
        let target = otlp::Target {
            url: "http://127.0.0.1:9/v1/traces".to_owned(),
            headers: Vec::new(),
            timeout: Duration::from_secs(1),
        };
        let exporter = OtlpSpans::new(target, &opentelemetry_sdk::Resource::builder_empty().build()).unwrap();
        let limits = Limits {
            max_queue,
            batch_size: 100,
            delay: Duration::from_secs(3600),
        };
        Batch::start(exporter, InstrumentationScope::builder("test").build(), limits).unwrap()
    }

    #[test]
    fn the_queue_is_bounded_and_a_flush_empties_it() {
        let batch = batch(4);
        for _ in 0..6 {
            batch.push_call_span(b"\x0a\x01\x00");
        }
        assert_eq!(batch.held(), (4, 2), "four spans held, two refused");
        // The export fails (nothing listens), but the flush is done: the
        // spans were taken, the drops reported.
        batch.flush(Duration::from_secs(10)).unwrap();
        assert_eq!(batch.held(), (0, 0));
        batch.shutdown_with_timeout(Duration::from_secs(10)).unwrap();
        batch.push_call_span(b"");
        assert_eq!(batch.held(), (0, 1), "a shut-down batch takes nothing");
        batch.flush(Duration::from_secs(1)).unwrap();
    }
}
