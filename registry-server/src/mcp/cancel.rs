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
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use registry_core::CancellationToken;

use super::jsonrpc::Id;

/// Independent locks, so concurrent calls rarely wait for one another.
const SHARDS: usize = 8;

/// Who sent a request, as far as a cancellation must match it.
#[derive(Clone, Copy, Debug, Hash)]
pub(crate) enum Caller<'a> {
    /// The authenticated principal's id.
    Principal(&'a str),
    /// The client's address, for an unauthenticated request.
    Addr(IpAddr),
    /// Neither is known (an in-process request).
    Unknown,
}

/// A keyed hash of (caller, request id), with a per-process random seed: no
/// string is built per call. Two calls in flight colliding is as likely as
/// a 64-bit random match, and would only let one cancellation reach both.
type Key = u64;

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

    fn key(&self, caller: Caller<'_>, id: &Id) -> Key {
        self.hasher.hash_one((caller, id))
    }

    fn shard(&self, key: Key) -> &Mutex<HashMap<Key, (u64, CancellationToken)>> {
        &self.shards[(key as usize) % SHARDS]
    }

    /// Records the call `id` of `caller`; its token is cancelled by a
    /// matching [`InFlightCalls::cancel`] while the registration lives.
    pub(crate) fn register(self: &Arc<Self>, caller: Caller<'_>, id: &Id) -> (CancellationToken, Registration) {
        let token = CancellationToken::new();
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let key = self.key(caller, id);
        self.shard(key)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, (serial, token.clone()));
        let registration = Registration {
            calls: Arc::clone(self),
            key,
            serial,
        };
        (token, registration)
    }

    /// Cancels the call `id` of `caller`, if one is held; whether one was.
    pub(crate) fn cancel(&self, caller: Caller<'_>, id: &Id) -> bool {
        let key = self.key(caller, id);
        let shard = self.shard(key).lock().unwrap_or_else(|e| e.into_inner());
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
        let mut shard = self.calls.shard(self.key).lock().unwrap_or_else(|e| e.into_inner());
        // A later call that reused the id keeps its own entry.
        if shard.get(&self.key).is_some_and(|(serial, _)| *serial == self.serial) {
            shard.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(text: &str) -> Id {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_call_is_found_by_caller_and_id_while_registered() {
        let calls = InFlightCalls::new();
        let (alice, bob) = (Caller::Principal("alice"), Caller::Principal("bob"));
        let (token, registration) = calls.register(alice, &id("1"));
        assert!(!calls.cancel(bob, &id("1")), "another caller's id 1 is not alice's");
        assert!(
            !calls.cancel(alice, &id("\"1\"")),
            "the string \"1\" is not the number 1"
        );
        assert!(!token.is_cancelled());
        assert!(calls.cancel(alice, &id("1")));
        assert!(token.is_cancelled());
        drop(registration);
        assert!(!calls.cancel(alice, &id("1")), "a finished call is forgotten");
    }

    #[test]
    fn a_reused_id_keeps_the_newer_call() {
        let calls = InFlightCalls::new();
        let caller = Caller::Addr("127.0.0.1".parse().unwrap());
        let (_, first) = calls.register(caller, &id("7"));
        let (second_token, _second) = calls.register(caller, &id("7"));
        drop(first);
        assert!(calls.cancel(caller, &id("7")));
        assert!(second_token.is_cancelled());
    }
}
