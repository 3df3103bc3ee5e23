//! The instruments, created once per pipeline.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _, ObservableUpDownCounter};
use opentelemetry_sdk::metrics::SdkMeterProvider;

/// The protocol a call came through (`api_registry.protocol`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Protocol {
    Mcp,
    Rest,
}

impl Protocol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Mcp => "mcp",
            Protocol::Rest => "rest",
        }
    }
}

/// Every instrument the server records (see the [module docs](super)).
#[derive(Debug)]
pub(crate) struct Instruments {
    /// `mcp.server.operation.duration`, seconds.
    pub(crate) mcp_duration: Histogram<f64>,
    /// `http.server.request.duration`, seconds.
    pub(crate) http_duration: Histogram<f64>,
    /// `api_registry.calls.active`, observed from `in_flight` when read.
    _active: ObservableUpDownCounter<i64>,
    /// The calls in flight, MCP and REST: two atomic adds per call rather
    /// than two recordings with an attribute set each.
    in_flight: Arc<[AtomicI64; 2]>,
    /// `api_registry.calls.errors`.
    pub(crate) errors: Counter<u64>,
    /// `api_registry.calls.rate_limited`.
    pub(crate) rate_limited: Counter<u64>,
}

impl Instruments {
    pub(crate) fn new(provider: &SdkMeterProvider) -> Self {
        let meter: Meter = provider.meter("registry_server");
        let in_flight: Arc<[AtomicI64; 2]> = Arc::new([AtomicI64::new(0), AtomicI64::new(0)]);
        let observed = Arc::clone(&in_flight);
        Instruments {
            // The bucket boundaries each convention recommends.
            mcp_duration: meter
                .f64_histogram("mcp.server.operation.duration")
                .with_unit("s")
                .with_description("The duration of the MCP request or notification as observed on the receiver.")
                .with_boundaries(vec![
                    0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
                ])
                .build(),
            http_duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of HTTP server requests.")
                .with_boundaries(vec![
                    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                ])
                .build(),
            _active: meter
                .i64_observable_up_down_counter("api_registry.calls.active")
                .with_unit("{call}")
                .with_description("Calls in flight (MCP requests and REST calls).")
                .with_callback(move |observer| {
                    for protocol in [Protocol::Mcp, Protocol::Rest] {
                        observer.observe(
                            observed[protocol as usize].load(Ordering::Relaxed),
                            &[KeyValue::new("api_registry.protocol", protocol.as_str())],
                        );
                    }
                })
                .build(),
            in_flight,
            errors: meter
                .u64_counter("api_registry.calls.errors")
                .with_unit("{call}")
                .with_description("Calls that failed, by error kind.")
                .build(),
            rate_limited: meter
                .u64_counter("api_registry.calls.rate_limited")
                .with_unit("{call}")
                .with_description("Calls refused by a rate limit.")
                .build(),
        }
    }
}

impl Instruments {
    /// Counts a call of `protocol` in (`1`) or out (`-1`).
    #[inline]
    pub(crate) fn in_flight(&self, protocol: Protocol, delta: i64) {
        self.in_flight[protocol as usize].fetch_add(delta, Ordering::Relaxed);
    }
}
