//! `notifications/cancelled` over legacy-era HTTP: the calls of this process
//! that a client may name, by caller and JSON-RPC id.
//!
//! Without sessions a request id alone names nothing (every client counts
//! from 1), so a call is found by the caller too: the principal's id when
//! the request was authenticated, else the client's address. A cancellation
//! naming no call held here (finished already, another replica, another
//! caller) is ignored, as the specification allows. In the 2026-07-28 era a
//! client cancels by closing the request's connection.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use registry_core::CancellationToken;

/// Independent locks, so concurrent calls rarely wait for one another.
const SHARDS: usize = 8;

/// (caller, request id).
type Key = (String, String);

/// The cancellable calls in flight.
pub(crate) struct InFlightCalls {
    shards: [Mutex<HashMap<Key, (u64, CancellationToken)>>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
    serial: AtomicU64,
}

impl std::fmt::Debug for InFlightCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InFlightCalls").finish_non_exhaustive()
    }
}

/// Keeps a call cancellable while alive; dropping it forgets the call.
pub(crate) struct Registration {
    calls: Arc<InFlightCalls>,
    key: Key,
    serial: u64,
}

impl InFlightCalls {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(InFlightCalls {
            shards: Default::default(),
            hasher: Default::default(),
            serial: AtomicU64::new(0),
        })
    }

    fn shard(&self, key: &Key) -> &Mutex<HashMap<Key, (u64, CancellationToken)>> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    /// Records the call `id` of `caller`; its token is cancelled by a
    /// matching [`InFlightCalls::cancel`] while the registration lives.
    pub(crate) fn register(self: &Arc<Self>, caller: String, id: String) -> (CancellationToken, Registration) {
        let token = CancellationToken::new();
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let key = (caller, id);
        self.shard(&key)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), (serial, token.clone()));
        let registration = Registration {
            calls: Arc::clone(self),
            key,
            serial,
        };
        (token, registration)
    }

    /// Cancels the call `id` of `caller`, if one is held; whether one was.
    pub(crate) fn cancel(&self, caller: &str, id: &str) -> bool {
        let key = (caller.to_owned(), id.to_owned());
        let shard = self.shard(&key).lock().unwrap_or_else(|e| e.into_inner());
        match shard.get(&key) {
            Some((_, token)) => {
                token.cancel();
                true
            }
            None => false,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut shard = self.calls.shard(&self.key).lock().unwrap_or_else(|e| e.into_inner());
        // A later call that reused the id keeps its own entry.
        if shard.get(&self.key).is_some_and(|(serial, _)| *serial == self.serial) {
            shard.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_found_by_caller_and_id_while_registered() {
        let calls = InFlightCalls::new();
        let (token, registration) = calls.register("alice".into(), "1".into());
        assert!(!calls.cancel("bob", "1"), "another caller's id 1 is not alice's");
        assert!(!token.is_cancelled());
        assert!(calls.cancel("alice", "1"));
        assert!(token.is_cancelled());
        drop(registration);
        assert!(!calls.cancel("alice", "1"), "a finished call is forgotten");
    }

    #[test]
    fn a_reused_id_keeps_the_newer_call() {
        let calls = InFlightCalls::new();
        let (_, first) = calls.register("c".into(), "7".into());
        let (second_token, _second) = calls.register("c".into(), "7".into());
        drop(first);
        assert!(calls.cancel("c", "7"));
        assert!(second_token.is_cancelled());
    }
}
