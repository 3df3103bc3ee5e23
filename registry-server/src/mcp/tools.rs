//! Tool definitions (serialized on the first `tools/list`) and `tools/call` results.

use std::sync::{Arc, OnceLock};

use registry_core::{ApiError, Entry, Protocol, Registry};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::errors::MCP_ERROR_META;
use crate::{ServerConfig, ServerError};

use super::version::{Era, META_SERVER_INFO};

/// Tools per `tools/list` page. Every registry seen so far fits one page.
pub(crate) const PAGE_SIZE: usize = 100;

/// How long a client may cache `tools/list` and `server/discover` (2026-07-28 `ttlMs`).
///
/// The registry is fixed for the life of the process; a deploy can change
/// it, so clients are told to re-fetch after five minutes.
pub(crate) const TTL_MS: u64 = 300_000;

/// Every page of `tools/list` for each era, serialized when first asked for
/// (a process that is only ever called, such as a Lambda, never pays for it).
#[derive(Debug)]
pub(crate) struct ToolPages {
    registry: Registry,
    server_info: Value,
    page_size: usize,
    pages: OnceLock<Pages>,
}

#[derive(Debug)]
struct Pages {
    legacy: Vec<Arc<str>>,
    modern: Vec<Arc<str>>,
}

impl ToolPages {
    /// The pages of `registry`'s exposed tools, `page_size` each, in registry
    /// (name) order.
    pub(crate) fn new(registry: &Registry, config: &ServerConfig, page_size: usize) -> Self {
        ToolPages {
            registry: registry.clone(),
            server_info: server_info(config),
            page_size,
            pages: OnceLock::new(),
        }
    }

    fn pages(&self) -> &Pages {
        self.pages.get_or_init(|| {
            let tools: Vec<Value> = self
                .registry
                .exposed(Protocol::Mcp)
                .filter_map(|entry| match check_roots(entry) {
                    Ok(()) => Some(tool(entry)),
                    Err(err) => {
                        tracing::error!("{err}; the tool is left out of tools/list");
                        None
                    }
                })
                .collect();
            let chunks: Vec<&[Value]> = if tools.is_empty() {
                vec![&[]]
            } else {
                tools.chunks(self.page_size.max(1)).collect()
            };
            let mut legacy = Vec::with_capacity(chunks.len());
            let mut modern = Vec::with_capacity(chunks.len());
            for (index, chunk) in chunks.iter().enumerate() {
                let mut page = Map::new();
                page.insert("tools".into(), Value::Array(chunk.to_vec()));
                if index + 1 < chunks.len() {
                    page.insert("nextCursor".into(), Value::String(cursor(index + 1)));
                }
                legacy.push(Arc::from(serde_json::to_string(&page).unwrap_or_default()));
                page.insert("ttlMs".into(), json!(TTL_MS));
                page.insert("cacheScope".into(), json!("public"));
                page.insert("resultType".into(), json!("complete"));
                page.insert("_meta".into(), json!({ META_SERVER_INFO: self.server_info }));
                modern.push(Arc::from(serde_json::to_string(&page).unwrap_or_default()));
            }
            Pages { legacy, modern }
        })
    }

    /// The page a cursor names (`None`: the first), or `None` for a cursor we never issued.
    pub(crate) fn page(&self, era: Era, cursor: Option<&str>) -> Option<Arc<str>> {
        let index = match cursor {
            None => 0,
            Some(cursor) => parse_cursor(cursor)?,
        };
        let pages = match era {
            Era::Legacy => &self.pages().legacy,
            Era::Modern => &self.pages().modern,
        };
        pages.get(index).cloned()
    }
}

/// An opaque-looking cursor for page `index`.
fn cursor(index: usize) -> String {
    format!("page-{index}")
}

fn parse_cursor(cursor: &str) -> Option<usize> {
    let index: usize = cursor.strip_prefix("page-")?.parse().ok()?;
    (index > 0 && cursor == self::cursor(index)).then_some(index)
}

/// `serverInfo`: the configured title and version.
pub(crate) fn server_info(config: &ServerConfig) -> Value {
    json!({ "name": config.title, "version": config.version })
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
    json!({
        "name": function.name(),
        "title": title,
        "description": description,
        "inputSchema": schemas.input,
        "outputSchema": schemas.mcp_output,
        "annotations": annotations,
    })
}

/// `get_item` → `Get item`: the display title of a tool that declares none.
fn humanize(name: &str) -> String {
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
            json = serde_json::to_string(other).unwrap_or_default();
            json.as_str()
        }
    };
    let structured = if wraps {
        Structured::Wrapped(Wrapped { result: value })
    } else {
        Structured::Plain(value)
    };
    serde_json::to_vec(&CallToolResult {
        content: [TextBlock { kind: "text", text }],
        structured_content: Some(structured),
        is_error: false,
        result_type: result_type(era),
        meta: None,
    })
    .unwrap_or_default()
}

/// A `tools/call` result with `isError: true`: the message as its text (what
/// a model reads), and the kind and invalid fields under
/// `_meta["api-registry/error"]` (what a program branches on).
pub(crate) fn failure(error: &ApiError, era: Era) -> Vec<u8> {
    let meta = json!({ MCP_ERROR_META: { "kind": error.kind().code(), "fields": error.fields() } });
    serde_json::to_vec(&CallToolResult {
        content: [TextBlock {
            kind: "text",
            text: error.message(),
        }],
        structured_content: None,
        is_error: true,
        result_type: result_type(era),
        meta: Some(meta),
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_forgeries() {
        assert_eq!(parse_cursor(&cursor(3)), Some(3));
        for bad in ["", "page-0", "page-01", "page-x", "3", "page--1", "PAGE-1"] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }

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
