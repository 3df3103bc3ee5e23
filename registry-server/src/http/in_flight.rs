//! [`InFlight`]: the limit on requests in flight, shared by `/mcp` and the
//! REST routes.
//!
//! A counter, not `tower`'s `ConcurrencyLimit` plus `LoadShed`: nobody waits
//! for a slot, and taking or giving one back is one atomic instruction rather
//! than a semaphore both workers contend for (BENCHMARKS.md, "How the gap was
//! closed": the "in-flight limit an atomic counter" row).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{HeaderMap, HeaderValue, header};

use crate::ServerConfig;

/// The limit on requests in flight.
#[derive(Debug)]
pub(crate) struct InFlight {
    running: AtomicUsize,
    limit: usize,
    retry_after: u32,
}

/// One request's slot in [`InFlight`], given back on drop; borrowed, so
/// taking it touches only the counter.
#[derive(Debug)]
pub(crate) struct Slot<'a>(&'a Arc<InFlight>);

impl Slot<'_> {
    /// The same slot, owned: for a reply that outlives the handler (an SSE stream).
    pub(crate) fn detach(self) -> OwnedSlot {
        let owner = Arc::clone(self.0);
        // The count moves to the owned slot: this one must not give it back.
        std::mem::forget(self);
        OwnedSlot(owner)
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// A [`Slot`] held by a streaming reply.
#[derive(Debug)]
pub(crate) struct OwnedSlot(Arc<InFlight>);

impl Drop for OwnedSlot {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// 503 + `Retry-After`: every slot of [`InFlight`] is taken.
#[derive(Debug)]
pub(crate) struct Overloaded {
    limit: usize,
    retry_after: u32,
}

impl Overloaded {
    pub(super) fn set_headers(&self, headers: &mut HeaderMap) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after));
    }
}

impl fmt::Display for Overloaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the server is at its limit of {} requests in flight; retry after {} s",
            self.limit, self.retry_after
        )
    }
}

impl InFlight {
    pub(crate) fn new(config: &ServerConfig) -> Arc<Self> {
        Arc::new(InFlight {
            running: AtomicUsize::new(0),
            limit: config.max_in_flight,
            retry_after: config.retry_after_secs,
        })
    }

    /// A slot for one request, held until its response (an SSE stream: until
    /// the stream ends), or [`Overloaded`] when every slot is taken.
    pub(crate) fn enter(self: &Arc<Self>) -> Result<Slot<'_>, Overloaded> {
        let taken = self.running.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < self.limit).then_some(n + 1)
        });
        if taken.is_ok() {
            return Ok(Slot(self));
        }
        tracing::warn!(limit = self.limit, "request shed: too many in flight");
        Err(Overloaded {
            limit: self.limit,
            retry_after: self.retry_after,
        })
    }

    fn release(&self) {
        self.running.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_flight(limit: usize) -> Arc<InFlight> {
        InFlight::new(&ServerConfig::default().max_in_flight(limit).retry_after(3))
    }

    fn running(in_flight: &InFlight) -> usize {
        in_flight.running.load(Ordering::Acquire)
    }

    #[test]
    fn slots_are_given_back_on_drop() {
        let limit = in_flight(2);
        let first = limit.enter().expect("a free slot");
        let second = limit.enter().expect("a free slot");
        assert_eq!(running(&limit), 2);
        let shed = limit.enter().expect_err("every slot is taken");
        assert_eq!(
            shed.to_string(),
            "the server is at its limit of 2 requests in flight; retry after 3 s"
        );
        assert_eq!(running(&limit), 2, "a shed request takes no slot");
        drop(first);
        assert_eq!(running(&limit), 1);
        let third = limit.enter().expect("the freed slot");
        drop((second, third));
        assert_eq!(running(&limit), 0);
    }

    #[test]
    fn a_detached_slot_is_held_until_the_owned_one_drops() {
        let limit = in_flight(1);
        let owned = limit.enter().expect("a free slot").detach();
        assert_eq!(running(&limit), 1, "detaching neither takes nor gives back a slot");
        assert!(limit.enter().is_err());
        drop(owned);
        assert_eq!(running(&limit), 0);
        assert!(limit.enter().is_ok());
    }

    #[test]
    fn overloaded_sets_retry_after() {
        let limit = in_flight(1);
        let _slot = limit.enter().expect("a free slot");
        let mut headers = HeaderMap::new();
        limit.enter().expect_err("full").set_headers(&mut headers);
        assert_eq!(headers[header::RETRY_AFTER], "3");
    }
}
