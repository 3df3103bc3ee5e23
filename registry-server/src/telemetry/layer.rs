//! The `tracing` side of the call spans: [`CallLayer`] turns the events
//! recorded in a call outside any of the function's spans into events of
//! the call's span.
//!
//! A call's span is not a `tracing` span ([`super::spans`] says why): the
//! call runs in its OpenTelemetry context instead, and `tracing-opentelemetry`
//! keeps the events it sees inside its own spans only. Filtered like it, this
//! layer takes the others: an event with no enclosing span this filter
//! enables is an event of the current OpenTelemetry span, when there is one.

use std::borrow::Cow;

use opentelemetry::trace::{Status, TraceContextExt as _};
use opentelemetry::{Context as OtelContext, KeyValue};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The layer of the events directly inside a call (see the [module docs](self)).
pub(super) struct CallLayer;

impl<S> Layer<S> for CallLayer
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // Inside one of the function's spans: `tracing-opentelemetry`'s.
        let enclosed = match event.parent() {
            Some(id) => ctx.span(id).is_some(),
            None => event.is_contextual() && ctx.lookup_current().is_some(),
        };
        if enclosed {
            return;
        }
        OtelContext::map_current(|cx| {
            if !cx.has_active_span() {
                return;
            }
            let span = cx.span();
            if !span.is_recording() {
                return;
            }
            let mut visitor = EventFields::default();
            event.record(&mut visitor);
            let name = visitor
                .message
                .map_or(Cow::Borrowed(event.metadata().name()), Cow::Owned);
            let mut attributes = vec![KeyValue::new("level", event.metadata().level().as_str())];
            attributes.extend(visitor.attributes);
            span.add_event(name, attributes);
            // As `tracing-opentelemetry` does for its spans: an `ERROR`
            // event makes the status an error unless one is set.
            if *event.metadata().level() == tracing::Level::ERROR {
                span.set_status(Status::error(""));
            }
        });
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
