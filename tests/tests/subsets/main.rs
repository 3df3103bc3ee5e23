//! The workspace integration tests that define their own functions or serve
//! the examples', combined into one test binary (as dropshot does) so that a
//! change links one executable rather than one per file.
//!
//! Every test here builds its registry from a chosen subset of the inventory
//! (by tag, by name or from hand-built descriptors), never from all of it: the
//! route-conflict fixtures of `rest_startup` would make any whole-inventory
//! server refuse to start. This binary does not link `registry_tests`: its
//! `add` and `divide` would collide by name with the quickstart example's,
//! which `parity` selects by name (the registry refuses duplicate names).

#[path = "../support/schema_rules.rs"]
mod schema_rules;

mod builtin_hooks;
// `pub` as the types these two declare `pub` were at the root of their own binaries.
mod composition;
mod constraints;
mod fingerprint;
mod hooks;
pub mod openapi_collisions;
mod parity;
mod reexport;
mod renamed;
pub mod rest_startup;
mod rmcp_primitives;
mod tasks_mcp;
