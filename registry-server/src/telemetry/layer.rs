//! The `tracing` side of the call spans: [`CallLayer`] takes the call
//! spans (target [`TARGET`]), which `tracing-opentelemetry`'s layer is
//! filtered not to see.
//!
//! A call span is a `tracing` span without fields: it is what the call's
//! future, and a sync function on the blocking pool, run inside, so the
//! function's own spans and events nest under it. Its OpenTelemetry span is
//! not built by `tracing-opentelemetry` (a span builder from the fields, an
//! SDK span, its `SpanData`, which was about half of the call path's cost
//! of a traced call: BENCHMARKS.md, "OpenTelemetry"): [`super::spans`]
//! writes the span's data as OTLP bytes for the batch itself. Here, on entering a call span its OpenTelemetry
//! context is made current (so spans opened inside take it as parent, as
//! `tracing-opentelemetry` does with context activation), and events
//! directly inside it become its span events.

use std::borrow::Cow;
use std::cell::RefCell;

use opentelemetry::{Context as OtelContext, ContextGuard, KeyValue};
use tracing::span::{Attributes, Id};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use super::TARGET;
use super::spans::CallSpanHandle;

thread_local! {
    /// The context of the call span being created on this thread: set by
    /// [`super::spans`] right before it makes the `tracing` span, taken by
    /// [`CallLayer::on_new_span`].
    static PENDING: RefCell<Option<(OtelContext, CallSpanHandle)>> = const { RefCell::new(None) };

    /// The contexts attached by entered call spans, innermost last.
    static ATTACHED: RefCell<Vec<(Id, ContextGuard)>> = const { RefCell::new(Vec::new()) };
}

/// Makes `cx` (whose span is `handle`) the context of the next call span
/// created on this thread.
pub(super) fn set_pending(cx: OtelContext, handle: CallSpanHandle) {
    PENDING.with(|pending| *pending.borrow_mut() = Some((cx, handle)));
}

/// Clears what [`set_pending`] left when no layer took it (no subscriber
/// with [`CallLayer`] is installed).
pub(super) fn clear_pending() {
    PENDING.with(|pending| pending.borrow_mut().take());
}

/// A call span's OpenTelemetry context and span, in its `tracing` extensions.
struct CallContext(OtelContext, CallSpanHandle);

fn is_call(metadata: &Metadata<'_>) -> bool {
    metadata.target() == TARGET
}

/// The layer of the call spans. Filtered like `tracing-opentelemetry`'s
/// (the function's spans and events reach it too), it acts only on call
/// spans and on events directly inside one.
pub(super) struct CallLayer;

impl<S> Layer<S> for CallLayer
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !is_call(attrs.metadata()) {
            return;
        }
        if let Some((cx, handle)) = PENDING.with(|pending| pending.borrow_mut().take())
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(CallContext(cx, handle));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The innermost span this layer's filter enables: a function's own
        // span (left to `tracing-opentelemetry`) or the call's.
        let current = event
            .parent()
            .and_then(|id| ctx.span(id))
            .or_else(|| event.is_contextual().then(|| ctx.lookup_current()).flatten());
        let Some(span) = current.filter(|span| is_call(span.metadata())) else {
            return;
        };
        let extensions = span.extensions();
        let Some(CallContext(_, handle)) = extensions.get::<CallContext>() else {
            return;
        };
        let mut visitor = EventFields::default();
        event.record(&mut visitor);
        let name = visitor
            .message
            .map_or(Cow::Borrowed(event.metadata().name()), Cow::Owned);
        let mut attributes = vec![KeyValue::new("level", event.metadata().level().as_str())];
        attributes.extend(visitor.attributes);
        handle.record_event(name, attributes, *event.metadata().level() == tracing::Level::ERROR);
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        if !is_call(span.metadata()) {
            return;
        }
        let cx = span
            .extensions()
            .get::<CallContext>()
            .map(|CallContext(cx, _)| cx.clone());
        if let Some(cx) = cx {
            let guard = cx.attach();
            ATTACHED.with(|attached| attached.borrow_mut().push((id.clone(), guard)));
        }
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        if !ctx.metadata(id).is_some_and(is_call) {
            return;
        }
        let guard = ATTACHED.with(|attached| {
            let mut attached = attached.borrow_mut();
            let at = attached.iter().rposition(|(entered, _)| entered == id)?;
            Some(attached.remove(at))
        });
        drop(guard);
    }
}

/// An event's `message` (its name) and other fields (attributes).
#[derive(Default)]
struct EventFields {
    message: Option<String>,
    attributes: Vec<KeyValue>,
}

impl tracing::field::Visit for EventFields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.message = Some(value.to_owned());
        } else {
            self.attributes.push(KeyValue::new(field.name(), value.to_owned()));
        }
    }

    fn record_i64(&mut self, field: &tracing::field::Field, value: i64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }

    fn record_u64(&mut self, field: &tracing::field::Field, value: u64) {
        match i64::try_from(value) {
            Ok(value) => self.attributes.push(KeyValue::new(field.name(), value)),
            Err(_) => self.attributes.push(KeyValue::new(field.name(), value.to_string())),
        }
    }

    fn record_f64(&mut self, field: &tracing::field::Field, value: f64) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }

    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        self.attributes.push(KeyValue::new(field.name(), value));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}
