//! Built-in [call hooks](registry_core::hook), each a type an application
//! opts into with [`RegistryBuilder::hook`](registry_core::RegistryBuilder::hook).
//! They use only the public hook API, so they run on every protocol (REST,
//! MCP over HTTP and stdio, Lambda, the CLI's `call`, `TestClient`).
//!
//! | hook | reads | refuses with |
//! | --- | --- | --- |
//! | [`RateLimit`] | `rate_limit = "10/s"`, else the hook's default | `rate_limited` (REST `429` + `Retry-After`, `RateLimit-Policy`, `RateLimit`; MCP `isError` with `retryAfterMs`) |
//! | [`ConcurrencyLimit`] | `max_concurrency = 4` | `unavailable` (REST `503` + `Retry-After`) once its queue is full |
//! | [`Audit`] | `#[arg(sensitive)]` | nothing: one `tracing` event per call |
//!
//! Register the audit hook first (outermost) so it also records the calls the
//! limits refuse, then the rate limit (a refused call never waits in the
//! concurrency queue), then the concurrency limit:
//!
//! ```
//! use registry_core::{Quota, Registry};
//! use registry_server::hooks::{Audit, ConcurrencyLimit, RateLimit};
//!
//! let registry = Registry::builder()
//!     .hook(Audit::new())
//!     .hook(RateLimit::new(Quota::per_minute(600).unwrap()).max_keys(50_000))
//!     .hook(ConcurrencyLimit::new().queue(8))
//!     .build();
//! # let _ = registry;
//! ```

mod audit;
mod concurrency;
mod rate_limit;

pub use audit::{AUDIT_TARGET, Audit};
pub use concurrency::ConcurrencyLimit;
pub use rate_limit::{CallerKey, DEFAULT_MAX_KEYS, RateLimit};
