//! [`RequestId`]: the id that names one request in logs, responses and
//! [`Context::request_id`](crate::Context::request_id).
//!
//! A generated id is `{epoch:08x}-{n:06x}`: the low 32 bits of the process
//! start time in nanoseconds, then a process-wide counter. It is written out
//! only when read, and each thread takes counter values in blocks, because
//! every call makes one and most are never read (measured: BENCHMARKS.md,
//! "request ids without allocation" and "per-thread blocks of the shared
//! counter").

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// A request id: the caller's, or a generated one, written out when first read.
///
/// ```
/// use registry_core::RequestId;
///
/// let given = RequestId::from("req-1");
/// assert_eq!(given.as_str(), "req-1");
/// let (a, b) = (RequestId::generate(), RequestId::generate());
/// assert_ne!(a.as_str(), b.as_str());
/// ```
#[derive(Clone)]
pub struct RequestId(Repr);

#[derive(Clone)]
enum Repr {
    Given(Arc<str>),
    /// The counter value; its text, once written. Clones share the counter
    /// value, so they write the same text.
    Generated(u64, OnceLock<([u8; 25], u8)>),
}

impl RequestId {
    /// A fresh process-unique id.
    pub fn generate() -> Self {
        RequestId(Repr::Generated(next_counter(), OnceLock::new()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Given(id) => id,
            Repr::Generated(n, text) => {
                let (buf, len) = text.get_or_init(|| write_id(*n));
                std::str::from_utf8(&buf[..usize::from(*len)]).expect("a generated id is ASCII hex digits and a dash")
            }
        }
    }
}

impl From<Arc<str>> for RequestId {
    fn from(id: Arc<str>) -> Self {
        RequestId(Repr::Given(id))
    }
}

impl From<&str> for RequestId {
    fn from(id: &str) -> Self {
        RequestId(Repr::Given(Arc::from(id)))
    }
}

impl From<String> for RequestId {
    fn from(id: String) -> Self {
        RequestId(Repr::Given(Arc::from(id)))
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// A process-unique number. Each thread takes a block of numbers from the
/// shared counter at a time, so the worker threads do not contend for one
/// cache line on every request.
fn next_counter() -> u64 {
    const BLOCK: u64 = 1024;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        static NEXT: std::cell::Cell<(u64, u64)> = const { std::cell::Cell::new((0, 0)) };
    }
    NEXT.with(|next| {
        let (mut n, mut end) = next.get();
        if n == end {
            n = COUNTER.fetch_add(BLOCK, Ordering::Relaxed);
            end = n + BLOCK;
        }
        next.set((n + 1, end));
        n
    })
}

/// `{epoch:08x}-{n:06x}`: the low 32 bits of the start time in nanoseconds,
/// then the counter.
fn write_id(n: u64) -> ([u8; 25], u8) {
    static EPOCH: OnceLock<u32> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u32)
            .unwrap_or_default()
    });
    let mut buf = [0u8; 25];
    hex(u64::from(epoch), 8, &mut buf[..8]);
    buf[8] = b'-';
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(6) as usize;
    hex(n, digits, &mut buf[9..9 + digits]);
    (buf, (9 + digits) as u8)
}

/// Writes the low `digits` hex digits of `n` into `out`, most significant first.
fn hex(mut n: u64, digits: usize, out: &mut [u8]) {
    for slot in out[..digits].iter_mut().rev() {
        *slot = b"0123456789abcdef"[(n & 0xf) as usize];
        n >>= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_epoch_dash_counter() {
        let mut out = [0u8; 8];
        hex(0xdead_beef, 8, &mut out);
        assert_eq!(&out, b"deadbeef");
        let mut out = [0u8; 9];
        hex(0x1_0000_0000, 9, &mut out);
        assert_eq!(&out, b"100000000");
        let (a, b) = (RequestId::generate(), RequestId::generate());
        let a_clone = a.clone();
        let (a, b) = (a.as_str(), b.as_str());
        assert_ne!(a, b);
        assert_eq!(
            a,
            a_clone.as_str(),
            "a clone made before the id was read reads the same id"
        );
        let (epoch, counter) = a.split_once('-').unwrap();
        assert_eq!(epoch.len(), 8);
        assert!(counter.len() >= 6);
        assert!(a.bytes().all(|c| c == b'-' || c.is_ascii_hexdigit()));
        let later = u64::from_str_radix(b.split_once('-').unwrap().1, 16).unwrap();
        assert!(u64::from_str_radix(counter, 16).unwrap() < later);
    }
}
