//! The tools capability: `tools/list` (definitions serialized on first use)
//! and `tools/call` (through [`Registry::call`], the one call path).

use registry_core::{ApiError, Arguments, Call, Entry, ErrorKind, Protocol, Registry};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::ServerError;
use crate::errors::{self, MCP_ERROR_META, McpError};
use crate::render;

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Payload, Reply, RpcError, code, to_json};
use super::paged::PagedList;
use super::request::{Message, progress_notification};
use super::version::Era;

/// Tools per `tools/list` page. Every registry seen so far fits one page.
pub(crate) const PAGE_SIZE: usize = 100;

/// The tools capability of one registry.
#[derive(Debug)]
pub(crate) struct Tools {
    registry: Registry,
    list: PagedList,
    debug_errors: bool,
    /// Whether each definition carries `securitySchemes`.
    security_schemes: bool,
    /// The task runner, when some function is task-capable.
    tasks: Option<std::sync::Arc<crate::tasks::Tasks>>,
}

impl Tools {
    /// `registry`'s tools, `page_size` a `tools/list` page; `debug_errors`
    /// unmasks internal error messages.
    pub(crate) fn new(registry: &Registry, server_info: Value, page_size: usize, debug_errors: bool) -> Self {
        Tools {
            registry: registry.clone(),
            list: PagedList::new("tools", page_size, server_info),
            debug_errors,
            security_schemes: false,
            tasks: None,
        }
    }

    /// Runs task-capable tools as tasks when their callers ask (`crate::mcp::tasks`).
    #[must_use]
    pub(crate) fn with_tasks(mut self, tasks: Option<std::sync::Arc<crate::tasks::Tasks>>) -> Self {
        self.tasks = tasks;
        self
    }

    /// The task runner, if any.
    pub(crate) fn tasks(&self) -> Option<&std::sync::Arc<crate::tasks::Tasks>> {
        self.tasks.as_ref()
    }

    /// Gives each tool definition `securitySchemes:
    /// [{"type": "oauth2", "scopes": [...]}]` (the function's scopes), the
    /// convention hosted clients read to ask for the right scopes up front
    /// instead of looping through re-authorization. Every tool is `oauth2`,
    /// none `noauth`: with OAuth on, `/mcp` takes no request without a credential.
    #[must_use]
    pub(crate) fn security_schemes(mut self, on: bool) -> Self {
        self.security_schemes = on;
        self
    }

    /// The registry whose tools these are.
    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Its entry in `capabilities`.
    pub(crate) fn capability(&self) -> (&'static str, Value) {
        ("tools", json!({ "listChanged": false }))
    }

    /// `tools/list`: every function exposed on MCP, in registry (name) order;
    /// with visibility filters, those the caller may see (built for this
    /// request, `cacheScope: "private"`).
    pub(crate) fn list(&self, id: Option<Id>, message: &Message, env: RequestEnv, era: Era) -> Result<Reply, RpcError> {
        let page = if self.registry.filters_by_caller() {
            let ctx = env.call.context(Protocol::Mcp);
            let items = tools(self.registry.visible_to(&ctx), self.security_schemes);
            self.list.page_for_caller(era, &message.params, items)?
        } else {
            self.list.page(era, &message.params, || {
                tools(self.registry.exposed(Protocol::Mcp), self.security_schemes)
            })?
        };
        Ok(Reply {
            id,
            payload: Payload::Shared(page),
        })
    }

    /// `tools/call`: the function looked up once, called through
    /// [`Registry::call`]; its errors answered as `isError` results or, for
    /// internal ones, as a JSON-RPC error with a masked message.
    pub(crate) async fn call(
        &self,
        id: Option<Id>,
        mut message: Message,
        env: RequestEnv,
        era: Era,
    ) -> Result<Reply, RpcError> {
        let name = match message.params.remove("name") {
            Some(Value::String(name)) => name,
            _ => return Err(RpcError::invalid_params("`params.name` must be the tool's name")),
        };
        let mut ctx = env.call.context(Protocol::Mcp);
        let entry = match self.registry.lookup_for(&name, &ctx) {
            Some(entry) if entry.function().is_tool() => entry,
            _ => return Err(RpcError::invalid_params(format!("Unknown tool: {name}"))),
        };
        let wraps = entry.schemas().wraps_output;
        let args = match message.arguments.take() {
            None => Value::Object(Map::new()).into(),
            Some(text) => Arguments::Json(String::from(Box::<str>::from(text)).into_bytes()),
        };

        tracing::Span::current().record("tool", name.as_str());
        if let super::tasks::Mode::Task { ttl_ms } =
            super::tasks::mode(entry, &mut message, era, self.tasks.as_deref())?
            && let Some(tasks) = &self.tasks
        {
            return super::tasks::start(tasks, id, Call::new(entry, args, ctx), ttl_ms, era, self.debug_errors).await;
        }
        if let (Some(token), Some(sink)) = (message.meta.progress_token.take(), env.notifications) {
            ctx = ctx.with_progress(move |progress| sink(progress_notification(&token, &progress)));
        }
        let payload = match self.registry.call(Call::new(entry, args, ctx)).await {
            Ok(value) if entry.schemas().output_kind.is_content() => {
                Payload::Json(content_success(render::content_blocks(entry, value), era))
            }
            Ok(value) => Payload::Json(success(&value, wraps, era)),
            Err(err) => match errors::mcp_error(err.kind()) {
                McpError::ToolResult => Payload::Json(failure(&err, era)),
                McpError::Internal => Payload::Error(internal_error(&err, self.debug_errors)),
            },
        };
        Ok(Reply { id, payload })
    }
}

/// -32603 for an internal error, its message masked unless `debug_errors`.
fn internal_error(err: &ApiError, debug_errors: bool) -> RpcError {
    let detail = err.internal_detail().unwrap_or(err.message());
    let message = if debug_errors || err.kind() != ErrorKind::Internal {
        format!("{}: {detail}", err.kind().title())
    } else {
        format!("{} (see the server log)", ErrorKind::Internal.title())
    };
    RpcError::new(code::INTERNAL_ERROR, message)
}

/// The JSON-RPC error of a failed call from a method without `isError`
/// results (`resources/read`, `prompts/get`, `completion/complete`): the
/// caller's mistakes (invalid arguments, an unknown target) are -32602
/// with the message and the invalid fields as `data`; an internal error is
/// -32603, masked as for tools; any other kind is -32603 with its message.
pub(crate) fn rpc_error(err: &ApiError, debug_errors: bool) -> RpcError {
    #[cfg(feature = "otel")]
    crate::telemetry::note_error(err.kind(), false);
    match err.kind() {
        ErrorKind::InvalidArguments | ErrorKind::NotFound => RpcError::invalid_params(err.message().to_owned())
            .data(json!({ MCP_ERROR_META: { "kind": err.kind().code(), "fields": err.fields() } })),
        ErrorKind::Internal => internal_error(err, debug_errors),
        _ => RpcError::new(
            code::INTERNAL_ERROR,
            format!("{}: {}", err.kind().title(), err.message()),
        )
        .data(json!({ MCP_ERROR_META: { "kind": err.kind().code(), "fields": [] } })),
    }
}

/// The definitions of `entries`, leaving out (and logging) those MCP cannot describe.
pub(crate) fn tools<'a>(entries: impl Iterator<Item = &'a Entry>, security_schemes: bool) -> Vec<Value> {
    entries
        .filter(|entry| entry.function().is_tool())
        .filter_map(|entry| match check_roots(entry) {
            Ok(()) => {
                let mut definition = tool(entry);
                if security_schemes {
                    let scopes = entry.function().scopes();
                    definition["securitySchemes"] = json!([{ "type": "oauth2", "scopes": scopes }]);
                }
                Some(definition)
            }
            Err(err) => {
                tracing::error!("{err}; the tool is left out of tools/list");
                None
            }
        })
        .collect()
}

/// MCP requires both schemas of a tool to be rooted at an object.
fn check_roots(entry: &Entry) -> Result<(), ServerError> {
    let function = entry.function();
    let schemas = entry.schemas();
    for (which, schema) in [("input", &schemas.input), ("output", &schemas.mcp_output)] {
        if schema.get("type").and_then(Value::as_str) != Some("object") {
            return Err(ServerError::Route {
                function: function.name().to_owned(),
                protocol: "MCP",
                reason: format!("its {which} schema is not rooted at {{\"type\": \"object\"}}"),
            });
        }
    }
    Ok(())
}

/// One tool definition.
fn tool(entry: &Entry) -> Value {
    let function = entry.function();
    let schemas = entry.schemas();
    let title = function
        .title()
        .map(str::to_owned)
        .unwrap_or_else(|| humanize(function.name()));
    let description = match function.description().trim() {
        "" => title.clone(),
        text => text.to_owned(),
    };
    let hints = function.annotations();
    let mut annotations = Map::new();
    for (key, hint) in [
        ("readOnlyHint", hints.read_only),
        ("destructiveHint", hints.destructive),
        ("idempotentHint", hints.idempotent),
        ("openWorldHint", hints.open_world),
    ] {
        if let Some(hint) = hint {
            annotations.insert(key.into(), Value::Bool(hint));
        }
    }
    let mut definition = Map::new();
    definition.insert("name".into(), json!(function.name()));
    definition.insert("title".into(), json!(title));
    definition.insert("description".into(), json!(description));
    definition.insert("inputSchema".into(), schemas.input.clone());
    // Content results carry no `structuredContent`, so no schema for it.
    if !schemas.output_kind.is_content() {
        definition.insert("outputSchema".into(), schemas.mcp_output.clone());
    }
    definition.insert("annotations".into(), Value::Object(annotations));
    let support = function.task_support();
    if support != registry_core::TaskSupport::Forbidden {
        definition.insert("execution".into(), json!({ "taskSupport": support.as_str() }));
    }
    render::insert_icons(entry, &mut definition);
    definition.insert("_meta".into(), crate::fingerprint::mcp_meta(entry));
    Value::Object(definition)
}

/// `get_item` → `Get item`: the display title of a tool that declares none.
pub(crate) fn humanize(name: &str) -> String {
    let spaced: String = name
        .chars()
        .map(|c| if c == '_' || c == '-' || c == '.' { ' ' } else { c })
        .collect();
    let mut chars = spaced.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_owned(),
    }
}

#[derive(Serialize)]
struct TextBlock<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct Wrapped<'a> {
    result: &'a Value,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Structured<'a> {
    Plain(&'a Value),
    Wrapped(Wrapped<'a>),
}

#[derive(Serialize)]
struct CallToolResult<'a> {
    content: [TextBlock<'a>; 1],
    #[serde(rename = "structuredContent", skip_serializing_if = "Option::is_none")]
    structured_content: Option<Structured<'a>>,
    #[serde(rename = "isError")]
    is_error: bool,
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
    #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
    meta: Option<Value>,
}

#[derive(Serialize)]
struct ContentResult {
    content: Vec<Value>,
    #[serde(rename = "isError")]
    is_error: bool,
    #[serde(rename = "resultType", skip_serializing_if = "Option::is_none")]
    result_type: Option<&'static str>,
}

/// A successful `tools/call` result of content blocks (images, audio,
/// resources, links, mixed lists): the blocks, no `structuredContent`.
pub(crate) fn content_success(content: Vec<Value>, era: Era) -> Vec<u8> {
    to_json(&ContentResult {
        content,
        is_error: false,
        result_type: result_type(era),
    })
}

fn result_type(era: Era) -> Option<&'static str> {
    (era == Era::Modern).then_some("complete")
}

/// A successful `tools/call` result: the value as text, and as `structuredContent`
/// (wrapped as `{"result": ...}` when the tool's output schema is).
///
/// A string value is its own text; anything else is its compact JSON.
pub(crate) fn success(value: &Value, wraps: bool, era: Era) -> Vec<u8> {
    let json;
    let text = match value {
        Value::String(text) => text.as_str(),
        other => {
            json = serde_json::to_string(other).expect("a JSON value always serializes");
            json.as_str()
        }
    };
    let structured = if wraps {
        Structured::Wrapped(Wrapped { result: value })
    } else {
        Structured::Plain(value)
    };
    to_json(&CallToolResult {
        content: [TextBlock { kind: "text", text }],
        structured_content: Some(structured),
        is_error: false,
        result_type: result_type(era),
        meta: None,
    })
}

/// A `tools/call` result with `isError: true`: the message as its text (what
/// a model reads), and the kind and invalid fields under
/// `_meta["api-registry/error"]` (what a program branches on), with
/// `retryAfterMs` and the `rateLimit` header field values (`policy`, `state`)
/// when the error says when to retry.
pub(crate) fn failure(error: &ApiError, era: Era) -> Vec<u8> {
    let mut detail = json!({ "kind": error.kind().code(), "fields": error.fields() });
    if let Some(after) = error.retry_after() {
        detail["retryAfterMs"] = json!(u64::try_from(after.as_millis()).unwrap_or(u64::MAX));
    }
    if let Some(status) = error.rate_limit() {
        let (policy, state) = crate::problem::rate_limit_fields(status);
        detail["rateLimit"] = json!({ "policy": policy, "state": state });
    }
    let meta = json!({ MCP_ERROR_META: detail });
    to_json(&CallToolResult {
        content: [TextBlock {
            kind: "text",
            text: error.message(),
        }],
        structured_content: None,
        is_error: true,
        result_type: result_type(era),
        meta: Some(meta),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_from_names() {
        assert_eq!(humanize("get_item"), "Get item");
        assert_eq!(humanize("add"), "Add");
        assert_eq!(humanize("a.b-c"), "A b c");
    }

    #[test]
    fn results_wrap_and_flag_errors() {
        let out: Value = serde_json::from_slice(&success(&json!(3), true, Era::Legacy)).unwrap();
        assert_eq!(
            out,
            json!({"content": [{"type": "text", "text": "3"}], "structuredContent": {"result": 3}, "isError": false})
        );
        let out: Value = serde_json::from_slice(&success(&json!("hi"), true, Era::Modern)).unwrap();
        assert_eq!(out["content"][0]["text"], "hi");
        assert_eq!(out["resultType"], "complete");
        let out: Value = serde_json::from_slice(&failure(&ApiError::not_found("nope"), Era::Legacy)).unwrap();
        assert_eq!(
            out,
            json!({
                "content": [{"type": "text", "text": "nope"}],
                "isError": true,
                "_meta": {"api-registry/error": {"kind": "not_found", "fields": []}}
            })
        );
    }
}
