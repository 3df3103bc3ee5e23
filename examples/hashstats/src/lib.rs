//! Bitcoin network and mining statistics, served as MCP tools and REST routes.
//!
//! Three kinds of function live here:
//!
//! - [`compute`]: sync functions that only calculate (difficulty and hash
//!   rate, block subsidy, halvings, unit conversions, fee estimates);
//! - [`network`]: async functions that call a mempool.space-shaped upstream
//!   with the shared [`reqwest::Client`] in [`Upstream`], including an
//!   aggregate that fetches several endpoints at once;
//! - [`mempool`]: a sync function using `reqwest::blocking`, which the
//!   framework runs on the blocking pool so it cannot stall the runtime.
//!
//! - [`history`]: a long-running scan, declared `task = "optional"`, that a
//!   client may run as a task (MCP Tasks, REST `202 Accepted`);
//! - [`primitives`]: MCP resources (fixed, a template, a rendered SVG
//!   chart), prompts and a tool returning an image, on REST as well.
//!
//! With no upstream configured, [`offline`] serves a bundled snapshot on a
//! loopback port, through the same HTTP code path.

pub mod compute;
pub mod history;
pub mod mempool;
pub mod network;
pub mod offline;
pub mod primitives;
mod upstream;

use std::time::Duration;

use registry_core::{Registry, RegistryError};

pub use upstream::{Upstream, UpstreamError};

/// How many functions this crate registers (checked by its tests).
pub const FUNCTION_COUNT: usize = 30;

/// The registry with every hashstats function, talking to `upstream`.
pub fn registry(upstream: Upstream) -> Result<Registry, RegistryError> {
    Registry::builder()
        .tag("hashstats")
        .state(upstream)
        .default_timeout(Duration::from_secs(10))
        .build()
}
