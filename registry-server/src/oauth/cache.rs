//! Verified tokens, keyed by the SHA-256 of the token (never the token),
//! each kept until its `exp` (or a shorter time for introspected ones).

use std::collections::HashMap;
use std::sync::Mutex;

use registry_core::Principal;

/// The SHA-256 of a token.
pub(super) type Key = [u8; 32];

/// A bounded map from token hash to principal.
pub(super) struct TokenCache {
    capacity: usize,
    entries: Mutex<HashMap<Key, (Principal, u64)>>,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (0: none kept).
    pub(super) fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The cache key of `token`.
    pub(super) fn key(token: &str) -> Key {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes());
        let mut key = [0; 32];
        key.copy_from_slice(digest.as_ref());
        key
    }

    /// The principal of a token verified before and still unexpired at `now` (seconds).
    pub(super) fn get(&self, key: &Key, now: u64) -> Option<Principal> {
        if self.capacity == 0 {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match entries.get(key) {
            Some((principal, until)) if now < *until => Some(principal.clone()),
            _ => None,
        }
    }

    /// Keeps `principal` for `key` until `until` (seconds); when full, the
    /// expired entries go first, and if none had expired the token is not kept.
    pub(super) fn insert(&self, key: Key, principal: Principal, until: u64, now: u64) {
        if self.capacity == 0 || until <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, until)| now < *until);
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(key, (principal, until));
    }

    /// How many tokens are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tokens_until_they_expire_within_capacity() {
        let cache = TokenCache::new(2);
        let (a, b, c) = (TokenCache::key("a"), TokenCache::key("b"), TokenCache::key("c"));
        assert_ne!(a, b);
        let alice = Principal::new("alice", ["read"]);
        cache.insert(a, alice.clone(), 100, 10);
        assert_eq!(cache.get(&a, 99), Some(alice.clone()));
        assert_eq!(cache.get(&a, 100), None);
        cache.insert(b, alice.clone(), 50, 10);
        cache.insert(c, alice.clone(), 100, 10);
        assert_eq!(cache.len(), 2, "full and nothing expired: not kept");
        assert_eq!(cache.get(&c, 20), None);
        cache.insert(c, alice.clone(), 100, 60);
        assert_eq!(cache.get(&c, 60), Some(alice.clone()), "the expired entry made room");
        let off = TokenCache::new(0);
        off.insert(a, alice, 100, 10);
        assert_eq!(off.get(&a, 10), None);
    }
}
