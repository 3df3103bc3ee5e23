//! The one dispatch function every transport calls: a decoded message and
//! its request context in, at most one response out.

use std::sync::Arc;

use registry_core::{
    Arguments, Call, CancellationToken, Context, ErrorKind, MetadataSource, Progress, Protocol, Registry,
};
use serde_json::{Value, json};

use crate::errors::{self, McpError, code};
use crate::{ServerConfig, ServerError};

use super::model::{Id, Kind, Message, Payload, Reply, RpcError, progress_notification};
use super::tools::{self, PAGE_SIZE, TTL_MS, ToolPages};
use super::version::{self, Era, META_SERVER_INFO};

/// Receives serialized notifications (progress) for the transport to send.
pub(crate) type NotificationSink = Arc<dyn Fn(Vec<u8>) + Send + Sync>;

/// What a transport knows about one request besides the message itself.
#[derive(Default)]
pub(crate) struct RequestEnv {
    /// The request id the HTTP edge assigned (the caller's `x-request-id` or
    /// a fresh one); `None` on stdio, where the call's `Context` makes one.
    pub(crate) request_id: Option<Arc<str>>,
    /// Transport metadata (HTTP headers), handed to the function's [`Context`].
    pub(crate) metadata: Option<Arc<dyn MetadataSource>>,
    /// Where progress notifications go; `None` when the transport cannot stream them.
    pub(crate) notifications: Option<NotificationSink>,
    /// Cancelled by the transport (stdio `notifications/cancelled`) or when the call is dropped.
    pub(crate) cancel: CancellationToken,
    /// Who is calling, when an authorizer let the request in.
    pub(crate) principal: Option<registry_core::Principal>,
}

/// The MCP server state, all of it computed once at router build.
pub(crate) struct Mcp {
    registry: Registry,
    debug_errors: bool,
    tools: ToolPages,
    initialize: Vec<(&'static str, Arc<str>)>,
    discover: Arc<str>,
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("registry", &self.registry)
            .finish_non_exhaustive()
    }
}

impl Mcp {
    /// Builds the tool list, `initialize` and `server/discover` results once.
    pub(crate) fn new(registry: &Registry, config: &ServerConfig) -> Result<Self, ServerError> {
        Self::with_page_size(registry, config, PAGE_SIZE)
    }

    /// As [`Mcp::new`] with `page_size` tools per `tools/list` page.
    pub(crate) fn with_page_size(
        registry: &Registry,
        config: &ServerConfig,
        page_size: usize,
    ) -> Result<Self, ServerError> {
        let capabilities = json!({ "tools": { "listChanged": false } });
        let info = tools::server_info(config);
        let initialize = version::LEGACY
            .iter()
            .map(|&v| {
                let result = json!({
                    "protocolVersion": v,
                    "capabilities": capabilities,
                    "serverInfo": info,
                });
                (v, Arc::from(result.to_string()))
            })
            .collect();
        let discover = json!({
            "supportedVersions": version::ALL,
            "capabilities": capabilities,
            "ttlMs": TTL_MS,
            "cacheScope": "public",
            "resultType": "complete",
            "_meta": { META_SERVER_INFO: info },
        });
        Ok(Mcp {
            registry: registry.clone(),
            debug_errors: config.debug_errors,
            tools: ToolPages::new(registry, config, page_size),
            initialize,
            discover: Arc::from(discover.to_string()),
        })
    }

    /// Answers one message: `None` for notifications and client responses.
    pub(crate) async fn dispatch(&self, message: Message, env: RequestEnv) -> Option<Reply> {
        match message.kind {
            Kind::Response => None,
            Kind::Notification => {
                // `notifications/initialized` needs nothing (no session); stdio handles
                // `notifications/cancelled` before dispatch; HTTP cancels by disconnect.
                tracing::debug!(method = %message.method, "notification accepted");
                None
            }
            Kind::Request => {
                let id = message.id.clone();
                Some(match self.request(message, env).await {
                    Ok(reply) => reply,
                    Err(error) => Reply::error(id, error),
                })
            }
        }
    }

    async fn request(&self, mut message: Message, env: RequestEnv) -> Result<Reply, RpcError> {
        let era = era(&message)?;
        let id = message.id.take();
        let shared = |json: Arc<str>| Reply {
            id: id.clone(),
            payload: Payload::Shared(json),
        };
        match message.method.as_str() {
            "tools/call" => self.call(id, message, env, era).await,
            "tools/list" => {
                let cursor = match message.params.get("cursor") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(cursor)) => Some(cursor.as_str()),
                    Some(_) => return Err(RpcError::invalid_params("`cursor` must be a string")),
                };
                match self.tools.page(era, cursor) {
                    Some(page) => Ok(shared(page)),
                    None => Err(RpcError::invalid_params(
                        "Invalid cursor: it was not issued by this server",
                    )),
                }
            }
            "initialize" => {
                let requested = message.params.get("protocolVersion").and_then(Value::as_str);
                let chosen = version::negotiate_legacy(requested);
                let result = self
                    .initialize
                    .iter()
                    .find(|(v, _)| *v == chosen)
                    .map(|(_, json)| Arc::clone(json))
                    .unwrap_or_else(|| Arc::clone(&self.initialize[0].1));
                Ok(shared(result))
            }
            "server/discover" => match era {
                Era::Modern => Ok(shared(Arc::clone(&self.discover))),
                Era::Legacy => Err(RpcError::invalid_params(format!(
                    "server/discover needs `_meta` with `{}` and `{}`",
                    version::META_VERSION,
                    version::META_CAPABILITIES
                ))
                .status(400)),
            },
            "ping" => Ok(match era {
                Era::Legacy => Reply::result(id, &json!({})),
                Era::Modern => Reply::result(id, &json!({ "resultType": "complete" })),
            }),
            other => {
                let error = RpcError::new(code::METHOD_NOT_FOUND, format!("Method not found: {other}"));
                Err(match era {
                    Era::Modern => error.status(404),
                    Era::Legacy => error,
                })
            }
        }
    }

    async fn call(&self, id: Option<Id>, mut message: Message, env: RequestEnv, era: Era) -> Result<Reply, RpcError> {
        let name = match message.params.remove("name") {
            Some(Value::String(name)) => name,
            _ => return Err(RpcError::invalid_params("`params.name` must be the tool's name")),
        };
        let entry = self
            .registry
            .lookup(&name, Protocol::Mcp)
            .map_err(|_| RpcError::invalid_params(format!("Unknown tool: {name}")))?;
        let wraps = entry.schemas().wraps_output;
        let args = match message.arguments.take() {
            None => Value::Object(serde_json::Map::new()).into(),
            Some(text) => Arguments::Json(String::from(Box::<str>::from(text)).into_bytes()),
        };

        tracing::Span::current().record("tool", name.as_str());
        let mut ctx = Context::new(Protocol::Mcp).with_cancel_token(env.cancel);
        if let Some(principal) = env.principal {
            ctx = ctx.with_principal(principal);
        }
        if let Some(request_id) = env.request_id {
            ctx = ctx.with_request_id(request_id);
        }
        if let Some(metadata) = env.metadata {
            ctx = ctx.with_metadata_source(metadata);
        }
        if let (Some(token), Some(sink)) = (message.meta.progress_token.take(), env.notifications) {
            ctx = ctx.with_progress(move |progress: Progress| sink(progress_notification(&token, &progress)));
        }
        let outcome = self.registry.call(Call::new(entry, args, ctx)).await;

        let payload = match outcome {
            Ok(value) => Payload::Json(tools::success(&value, wraps, era)),
            Err(err) => match errors::mcp_error(err.kind()) {
                McpError::ToolResult => Payload::Json(tools::failure(&err, era)),
                McpError::Rpc(code) => {
                    let detail = err.internal_detail().unwrap_or(err.message());
                    let message = if self.debug_errors || err.kind() != ErrorKind::Internal {
                        format!("{}: {detail}", err.kind().title())
                    } else {
                        format!("{} (see the server log)", ErrorKind::Internal.title())
                    };
                    Payload::Error(RpcError::new(code, message))
                }
            },
        };
        Ok(Reply { id, payload })
    }
}

/// The era of a request, from its `_meta`; errors for versions we do not speak.
fn era(message: &Message) -> Result<Era, RpcError> {
    match message.meta.version.as_deref() {
        None => Ok(Era::Legacy),
        Some(v) if version::is_legacy(v) => Ok(Era::Legacy),
        Some(v) if version::is_modern(v) => {
            if message.meta.has_capabilities {
                Ok(Era::Modern)
            } else {
                Err(RpcError::invalid_params(format!(
                    "`_meta.{}` is required on {v} requests (an empty object declares no capabilities)",
                    version::META_CAPABILITIES
                ))
                .status(400))
            }
        }
        Some(v) => Err(RpcError::unsupported_version(v)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use registry_core::api_function;

    use super::*;
    use crate::mcp::model::decode;

    static SAW_CANCEL: AtomicBool = AtomicBool::new(false);

    /// Spins until its context is cancelled (at most five seconds).
    #[api_function]
    fn spin_until_cancelled(ctx: &Context) -> bool {
        for _ in 0..500 {
            if ctx.is_cancelled() {
                SAW_CANCEL.store(true, Ordering::SeqCst);
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    /// Does nothing.
    #[api_function]
    fn noop_a() {}

    /// Does nothing.
    #[api_function]
    fn noop_b() {}

    fn mcp(page_size: usize) -> Mcp {
        let registry = Registry::builder()
            .name("spin_until_cancelled")
            .name("noop_a")
            .name("noop_b")
            .build()
            .unwrap();
        Mcp::with_page_size(&registry, &ServerConfig::default(), page_size).unwrap()
    }

    async fn ask(mcp: &Mcp, body: Value) -> Value {
        let message = decode(body.to_string().as_bytes()).unwrap();
        let reply = mcp.dispatch(message, RequestEnv::default()).await.unwrap();
        serde_json::from_slice(&reply.to_bytes()).unwrap()
    }

    #[tokio::test]
    async fn pages_follow_cursors_in_name_order() {
        let mcp = mcp(2);
        let mut names = Vec::new();
        let mut cursor = Value::Null;
        for _ in 0..5 {
            let page = ask(
                &mcp,
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"cursor": cursor}}),
            )
            .await;
            let result = &page["result"];
            names.extend(result["tools"].as_array().unwrap().iter().map(|t| t["name"].clone()));
            cursor = result.get("nextCursor").cloned().unwrap_or(Value::Null);
            if cursor.is_null() {
                break;
            }
        }
        assert_eq!(names, [json!("noop_a"), json!("noop_b"), json!("spin_until_cancelled")]);
        let bad = ask(
            &mcp,
            json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"cursor": "page-9"}}),
        )
        .await;
        assert_eq!(bad["error"]["code"], code::INVALID_PARAMS);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dropping_a_call_cancels_a_sync_function() {
        let mcp = mcp(10);
        let body =
            json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "spin_until_cancelled"}});
        let message = decode(body.to_string().as_bytes()).unwrap();
        let call = mcp.dispatch(message, RequestEnv::default());
        assert!(tokio::time::timeout(Duration::from_millis(50), call).await.is_err());
        for _ in 0..200 {
            if SAW_CANCEL.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the sync function never saw its context cancelled");
    }
}
