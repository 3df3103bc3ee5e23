//! The workspace integration tests that serve the `registry_tests` fixture
//! functions, combined into one test binary (as dropshot does) so that a
//! change links one executable rather than one per file.
//!
//! Every module here either builds its registry from the whole inventory,
//! which in this binary is exactly the fixture functions of `registry_tests`
//! ([`registry_tests::EXPECTED_FUNCTIONS`] of them), or spawns the
//! `fixture-server` binary. So no module here may define an `#[api_function]`
//! or name another crate that does (the examples): every other module's
//! `Registry::from_inventory()` would see it. Tests that need other functions
//! live in `tests/subsets/`, `tests/bad_inputs.rs` and `tests/linking.rs`.

use registry_tests as _;

#[path = "../support/progress_call.rs"]
mod progress_call;
#[path = "../support/rmcp_client.rs"]
mod rmcp_client;
#[path = "../support/schema_rules.rs"]
mod schema_rules;

mod cli;
mod fingerprint;
mod hooks;
mod key_order;
mod lambda;
mod limits;
mod mcp_http;
mod mcp_stdio;
mod openapi;
mod rest;
mod rest_docs;
mod shutdown;

/// Tests that call `sleepy` hold this, so [`registry_tests::SLEEPY_DROPPED`]
/// counts one test's calls: in this binary the REST and the MCP tests share
/// the counter.
static SLEEPY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
