//! Verified tokens, keyed by a keyed hash of the token (never the token),
//! each kept until its `exp` (or a shorter time for introspected ones).
//!
//! The key is the 128-bit SipHash-1-3 of the whole token under a random key
//! drawn for each cache from the operating system's generator. SipHash is a
//! pseudorandom function: without its key nobody can compute a token's
//! entry, let alone craft a second token landing on a cached one, and two
//! distinct tokens share an entry with probability about 2⁻¹²⁸ per pair. The
//! token itself is never stored, so a memory dump holds no usable credential.
//! (The SHA-256 this replaced is collision resistant without a key; a keyed
//! PRF needs none and is cheaper on a hot path that hashes ~700 bytes per
//! request.)

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use registry_core::Principal;
use siphasher::sip128::SipHasher13;

/// The keyed 128-bit hash of a token.
pub(super) type Key = u128;

/// A bounded map from token hash to principal.
pub(super) struct TokenCache {
    capacity: usize,
    hasher: SipHasher13,
    entries: Mutex<HashMap<Key, Entry, BuildHasherDefault<KeyHasher>>>,
}

/// One verified token.
struct Entry {
    principal: Principal,
    /// Kept until then (seconds).
    until: u64,
    /// Whether the token is a plain RFC 6750 `b64token`, as every token read
    /// from an `Authorization` header is (not always one given to `OAuth::validate`).
    plain: bool,
}

impl TokenCache {
    /// A cache of at most `capacity` tokens (0: none kept).
    pub(super) fn new(capacity: usize) -> Self {
        let mut key = [0; 16];
        getrandom::fill(&mut key).expect("the operating system's random generator is available");
        TokenCache {
            capacity,
            hasher: SipHasher13::new_with_key(&key),
            entries: Mutex::new(HashMap::default()),
        }
    }

    /// The cache key of `token`.
    pub(super) fn key(&self, token: &[u8]) -> Key {
        self.hasher.hash(token).as_u128()
    }

    /// The principal of a token verified before and still unexpired at `now`
    /// (seconds); with `plain_only`, only if that token was a plain `b64token`.
    pub(super) fn get(&self, key: Key, now: u64, plain_only: bool) -> Option<Principal> {
        if self.capacity == 0 {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match entries.get(&key) {
            Some(entry) if now < entry.until && (entry.plain || !plain_only) => Some(entry.principal.clone()),
            _ => None,
        }
    }

    /// Keeps `principal` for `key` until `until` (seconds), noting whether
    /// the token was `plain`; when full, the expired entries go first, and if
    /// none had expired the token is not kept.
    pub(super) fn insert(&self, key: Key, principal: Principal, plain: bool, until: u64, now: u64) {
        if self.capacity == 0 || until <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, entry| now < entry.until);
            if entries.len() >= self.capacity {
                return;
            }
        }
        entries.insert(
            key,
            Entry {
                principal,
                until,
                plain,
            },
        );
    }

    /// How many tokens are held.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or_default()
    }
}

/// The map's own hash of a [`Key`]: its low 64 bits. A key is already the
/// output of a secret-keyed PRF, uniformly spread and unknown to callers, so
/// hashing it again (the map's default, SipHash with another random key)
/// would add nothing but work.
#[derive(Default)]
pub(super) struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u128` is used; fold anything else in all the same.
        for chunk in bytes.chunks(8) {
            let mut word = [0; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, key: u128) {
        self.0 = key as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_tokens_until_they_expire_within_capacity() {
        let cache = TokenCache::new(2);
        let (a, b, c) = (cache.key(b"a"), cache.key(b"b"), cache.key(b"c"));
        assert_ne!(a, b);
        assert_eq!(a, cache.key(b"a"));
        let alice = Principal::new("alice", ["read"]);
        cache.insert(a, alice.clone(), true, 100, 10);
        assert_eq!(cache.get(a, 99, true), Some(alice.clone()));
        assert_eq!(cache.get(a, 100, false), None);
        cache.insert(b, alice.clone(), false, 50, 10);
        assert_eq!(cache.get(b, 20, false), Some(alice.clone()));
        assert_eq!(cache.get(b, 20, true), None, "not a plain token");
        cache.insert(c, alice.clone(), true, 100, 10);
        assert_eq!(cache.len(), 2, "full and nothing expired: not kept");
        assert_eq!(cache.get(c, 20, false), None);
        cache.insert(c, alice.clone(), true, 100, 60);
        assert_eq!(
            cache.get(c, 60, false),
            Some(alice.clone()),
            "the expired entry made room"
        );
        let off = TokenCache::new(0);
        off.insert(a, alice, true, 100, 10);
        assert_eq!(off.get(a, 10, false), None);
    }

    #[test]
    fn keys_are_per_cache() {
        let (one, two) = (TokenCache::new(1), TokenCache::new(1));
        assert_ne!(one.key(b"a.b.c"), two.key(b"a.b.c"), "each cache draws its own key");
    }
}
