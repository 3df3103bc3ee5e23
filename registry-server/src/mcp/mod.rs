//! MCP over Streamable HTTP (`POST /mcp`) and stdio, from one dispatch function.
//!
//! The protocol layer is our own and deliberately small, in layers:
//!
//! - `jsonrpc`: JSON-RPC 2.0 and nothing of MCP (ids, the envelope, error
//!   codes, the reply writer);
//! - `request`: the MCP view of a message (the method parsed once into an
//!   enum, `params`, the `_meta` keys we act on);
//! - `version`: every era and version rule;
//! - `dispatch`: the one dispatch every transport calls, routing methods
//!   to one module per capability (`tools`, `resources`, `prompts`,
//!   `completion`; each contributes its part of `capabilities`, and only
//!   when the registry has something for it), with `paged` lists they share;
//! - thin transports (`http`, `stdio`).
//!
//! No session state is kept, no task is spawned per request, and every tool
//! call goes through [`Registry::call`](registry_core::Registry::call).
//!
//! # Eras
//!
//! One endpoint serves both eras of the specification:
//!
//! - **legacy** (2025-03-26, 2025-06-18, 2025-11-25): `initialize` echoes a
//!   supported client version (else answers 2025-11-25), no `Mcp-Session-Id`
//!   is minted, `ping` answers `{}`, `GET`/`DELETE /mcp` answer 405 and an
//!   unknown `MCP-Protocol-Version` header answers 400;
//! - **modern** (2026-07-28): a request whose `_meta` carries
//!   `io.modelcontextprotocol/protocolVersion` and `clientCapabilities` is
//!   served statelessly; `server/discover` lists every supported version;
//!   `Mcp-Method`/`Mcp-Name` must match the body (400, -32020); results carry
//!   `resultType`, `tools/list` and `server/discover` carry `ttlMs` (five
//!   minutes) and `cacheScope: "public"`; an unknown version answers -32022
//!   with the supported list.
//!
//! # Tools
//!
//! `tools/list` lists every function exposed on MCP in registry (name) order,
//! with `name`, `title` (declared, else derived from the name),
//! `description`, the normalized `inputSchema`, the object-rooted
//! `outputSchema` and `annotations`; it is serialized on the first
//! `tools/list` and paginated with opaque cursors (100 tools a page). `tools/call`
//! answers a `text` block (a string value as is, anything else as compact
//! JSON) plus `structuredContent` (wrapped as `{"result": ...}` when the
//! output schema is). Errors follow `crate::errors`: argument and function
//! errors are `isError` results; a panic is -32603 with a masked message
//! unless `ServerConfig::debug_errors` is on.
//!
//! # Resources, prompts and completions
//!
//! `#[api_resource]` and `#[api_prompt]` functions are entries like tools
//! and are called the same way; they never appear in `tools/list`.
//! `resources/list` and `resources/templates/list` list them (paginated
//! like tools); `resources/read` resolves the URI (a fixed URI first, then
//! the first matching template in name order), reads each template variable
//! as its argument's type and answers one `contents` item (see
//! `crate::render`). `prompts/get` reads the string arguments the same way.
//! A caller's mistake (unknown URI or prompt, a variable or argument that
//! does not read, a missing argument) is -32602 naming it.
//! `completion/complete` serves prompt arguments and template variables.
//! In the 2026-07-28 era `Mcp-Name` must equal the URI (`resources/read`)
//! or the name (`prompts/get`), as for `tools/call`.
//!
//! # Progress and cancellation
//!
//! A `tools/call` with `_meta.progressToken` over HTTP is answered as SSE
//! (`notifications/progress`, then the response) when the client accepts
//! `text/event-stream`; everything else is plain JSON. The call runs inside
//! the response, so a client that disconnects drops it; a sync function sees
//! its `Context` cancelled. Over stdio, `notifications/cancelled` cancels the
//! matching in-flight request, which then gets no response. Over HTTP in the
//! legacy era, `notifications/cancelled` cancels the named call when this
//! process holds it, found by its request id and its caller (the principal,
//! else the client's address), which then answers a `cancelled` `isError`
//! result; otherwise it is accepted and ignored (`cancel.rs`). In the
//! 2026-07-28 era, closing the response is the cancel signal.

mod cancel;
mod completion;
mod dispatch;
mod http;
mod jsonrpc;
mod paged;
mod prompts;
mod request;
mod resources;
mod stdio;
pub(crate) mod tasks;
#[cfg(feature = "otel")]
mod telemetry;
mod tools;
mod version;

use std::sync::Arc;

use axum::Router;
use registry_core::Registry;

use crate::ServerConfig;
use crate::http::{InFlight, OriginCheck};

#[doc(hidden)]
pub use jsonrpc::code::{OVERLOADED, UNAUTHORIZED};

/// What the MCP adapter takes from the server's configuration (built by
/// [`ServerConfig::mcp_settings`]; configuration flows down).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    /// `serverInfo` and `instructions`.
    pub(crate) info: crate::AppInfo,
    /// Whether internal error messages reach clients unmasked.
    pub(crate) debug_errors: bool,
    /// Items per list page.
    pub(crate) page_size: usize,
    /// The largest message (HTTP body, stdio line), in bytes.
    pub(crate) max_message_bytes: usize,
    /// The deepest nesting of arrays and objects in a message.
    pub(crate) max_json_depth: usize,
    /// How long stdio lets running calls finish once stdin closes.
    pub(crate) shutdown_grace: std::time::Duration,
    /// Whether each tool definition carries `securitySchemes` (HTTP with OAuth).
    pub(crate) security_schemes: bool,
    /// The task runner, when some function is task-capable (`crate::tasks`).
    pub(crate) tasks: Option<Arc<crate::tasks::Tasks>>,
}

impl Default for Settings {
    fn default() -> Self {
        ServerConfig::default().mcp_settings()
    }
}

pub(crate) use http::reject;
pub(crate) use tools::PAGE_SIZE as LIST_PAGE_SIZE;
pub(crate) use tools::tools as tool_definitions;

/// `POST /mcp` (and 405 for `GET`/`DELETE`), with every fixed result
/// serialized now, once, and the tool list on the first `tools/list`.
pub(crate) fn router(
    registry: &Registry,
    settings: &Settings,
    origins: OriginCheck,
    in_flight: &Arc<InFlight>,
) -> Router {
    let dispatcher = dispatch::Dispatcher::new(registry, settings);
    http::router(dispatcher, settings, origins, Arc::clone(in_flight))
}

/// Serves MCP over stdin/stdout until stdin closes.
///
/// One JSON-RPC message per line in each direction; only MCP goes to stdout
/// (logs go to stderr). Calls still running when stdin closes may finish
/// within the configured shutdown grace.
pub async fn serve_stdio(registry: Registry, config: ServerConfig) -> std::io::Result<()> {
    let settings = crate::mcp::Settings {
        tasks: config.task_runner(&registry),
        ..config.mcp_settings()
    };
    let served = stdio::serve(registry, &settings).await;
    crate::telemetry::flush().await;
    served
}

/// Decodes one JSON-RPC message exactly as `/mcp` and stdio do and writes
/// the error reply a rejected message would get; `Err` carries its JSON-RPC
/// code. For the fuzz targets and tests: it must never panic, and every
/// reply it writes must be valid JSON.
#[doc(hidden)]
pub fn decode_for_fuzzing(bytes: &[u8]) -> Result<(), (i32, Vec<u8>)> {
    match request::decode(bytes) {
        Ok(_) => Ok(()),
        Err(rejection) => {
            let code = rejection.error.code;
            Err((code, jsonrpc::Reply::error(rejection.id, rejection.error).to_bytes()))
        }
    }
}
