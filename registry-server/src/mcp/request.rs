//! One MCP message as the server sees it: the JSON-RPC envelope from
//! [`jsonrpc`], the method parsed once into [`Method`], `params` as an object
//! whose `arguments` stay JSON text (decoded once, straight into the tool's
//! parameters) and the request-scoped `_meta` keys the server acts on.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::jsonrpc::{self, Id, Kind, Rejection, RpcError};
use super::version;

/// The methods this server knows; anything else is [`Method::Other`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// `initialize` (legacy era).
    Initialize,
    /// `ping`.
    Ping,
    /// `server/discover` (modern era).
    ServerDiscover,
    /// `tools/list`.
    ToolsList,
    /// `tools/call`.
    ToolsCall,
    /// `resources/list`.
    ResourcesList,
    /// `resources/templates/list`.
    ResourceTemplatesList,
    /// `resources/read`.
    ResourcesRead,
    /// `prompts/list`.
    PromptsList,
    /// `prompts/get`.
    PromptsGet,
    /// `completion/complete`.
    Complete,
    /// `notifications/cancelled`.
    Cancelled,
    /// `tasks/get` (both eras' tasks).
    TasksGet,
    /// `tasks/update` (the 2026-07-28 Tasks extension).
    TasksUpdate,
    /// `tasks/cancel` (both eras' tasks).
    TasksCancel,
    /// `tasks/result` (2025-11-25 tasks).
    TasksResult,
    /// `tasks/list` (2025-11-25 tasks).
    TasksList,
    /// Any other method, as sent.
    Other(String),
}

impl Method {
    fn parse(method: String) -> Method {
        match method.as_str() {
            "initialize" => Method::Initialize,
            "ping" => Method::Ping,
            "server/discover" => Method::ServerDiscover,
            "tools/list" => Method::ToolsList,
            "tools/call" => Method::ToolsCall,
            "resources/list" => Method::ResourcesList,
            "resources/templates/list" => Method::ResourceTemplatesList,
            "resources/read" => Method::ResourcesRead,
            "prompts/list" => Method::PromptsList,
            "prompts/get" => Method::PromptsGet,
            "completion/complete" => Method::Complete,
            "notifications/cancelled" => Method::Cancelled,
            "tasks/get" => Method::TasksGet,
            "tasks/update" => Method::TasksUpdate,
            "tasks/cancel" => Method::TasksCancel,
            "tasks/result" => Method::TasksResult,
            "tasks/list" => Method::TasksList,
            _ => Method::Other(method),
        }
    }

    /// The method as sent.
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Method::Initialize => "initialize",
            Method::Ping => "ping",
            Method::ServerDiscover => "server/discover",
            Method::ToolsList => "tools/list",
            Method::ToolsCall => "tools/call",
            Method::ResourcesList => "resources/list",
            Method::ResourceTemplatesList => "resources/templates/list",
            Method::ResourcesRead => "resources/read",
            Method::PromptsList => "prompts/list",
            Method::PromptsGet => "prompts/get",
            Method::Complete => "completion/complete",
            Method::Cancelled => "notifications/cancelled",
            Method::TasksGet => "tasks/get",
            Method::TasksUpdate => "tasks/update",
            Method::TasksCancel => "tasks/cancel",
            Method::TasksResult => "tasks/result",
            Method::TasksList => "tasks/list",
            Method::Other(method) => method,
        }
    }

    /// Whether requests of this method name one thing in `Mcp-Name`
    /// (`tools/call`, `resources/read`, `prompts/get`, and the task id of
    /// `tasks/get`, `tasks/update`, `tasks/cancel`).
    pub(crate) fn names_a_target(&self) -> bool {
        matches!(
            self,
            Method::ToolsCall
                | Method::ResourcesRead
                | Method::PromptsGet
                | Method::TasksGet
                | Method::TasksUpdate
                | Method::TasksCancel
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The request-scoped parts of `params._meta` that we act on.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    /// `io.modelcontextprotocol/protocolVersion`: present only on modern requests.
    pub(crate) version: Option<String>,
    /// Whether `io.modelcontextprotocol/clientCapabilities` is an object.
    pub(crate) has_capabilities: bool,
    /// `progressToken`, when the caller asked for progress.
    pub(crate) progress_token: Option<Value>,
    /// Whether the client capabilities declare the Tasks extension
    /// (`extensions["io.modelcontextprotocol/tasks"]`).
    pub(crate) tasks_extension: bool,
    /// `traceparent`, `tracestate` and `baggage` (feature `otel`).
    #[cfg(feature = "otel")]
    pub(crate) trace: Option<Box<crate::telemetry::TraceHeaders>>,
}

/// One decoded incoming MCP message.
#[derive(Debug)]
pub(crate) struct Message {
    /// Request, notification or response.
    pub(crate) kind: Kind,
    /// The id (requests only).
    pub(crate) id: Option<Id>,
    /// The method (`Other("")` for responses).
    pub(crate) method: Method,
    /// `params` without `_meta` and `arguments`.
    pub(crate) params: Map<String, Value>,
    /// `params.arguments`, as the JSON text it was sent as.
    pub(crate) arguments: Option<Box<RawValue>>,
    /// What `_meta` said.
    pub(crate) meta: Meta,
}

impl Message {
    /// `params.name` as a string, when it is one.
    pub(crate) fn name(&self) -> Option<&str> {
        self.params.get("name").and_then(Value::as_str)
    }
}

/// `params` as sent: an object whose `arguments` stay JSON text, or
/// something else (an error).
enum Params {
    Object(Map<String, Value>, Option<Box<RawValue>>),
    NotAnObject,
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamsVisitor;

        impl<'de> Visitor<'de> for ParamsVisitor {
            type Value = Params;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON-RPC params")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Params, A::Error> {
                let mut params = Map::new();
                let mut arguments = None;
                while let Some(key) = access.next_key::<String>()? {
                    if key == "arguments" {
                        arguments = Some(access.next_value::<Box<RawValue>>()?);
                    } else {
                        let value = access.next_value::<Value>()?;
                        params.insert(key, value);
                    }
                }
                Ok(Params::Object(params, arguments))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut access: A) -> Result<Params, A::Error> {
                while access.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Params::NotAnObject)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Params, E> {
                Ok(Params::NotAnObject)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Params, E> {
                Ok(Params::NotAnObject)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Params, E> {
                Ok(Params::NotAnObject)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Params, E> {
                Ok(Params::NotAnObject)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Params, E> {
                Ok(Params::NotAnObject)
            }
        }

        deserializer.deserialize_any(ParamsVisitor)
    }
}

/// Whether `text` holds a `\u` escape of a UTF-16 surrogate: the one thing
/// that skipping over JSON text (as [`RawValue`] does) does not check.
fn has_surrogate_escape(text: &[u8]) -> bool {
    text.windows(4).any(|w| {
        w[0] == b'\\'
            && w[1] == b'u'
            && matches!(w[2], b'd' | b'D')
            && matches!(w[3], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
    })
}

/// Decodes one MCP message (HTTP body or stdio line), parsing it once.
pub(crate) fn decode(bytes: &[u8]) -> Result<Message, Rejection> {
    let message = jsonrpc::decode::<Params>(bytes)?;
    let id = message.id;
    let reject = |error: RpcError| Rejection { id: id.clone(), error };
    let (mut params, arguments) = match message.params {
        None => (Map::new(), None),
        Some(Params::Object(map, arguments)) => (map, arguments),
        Some(Params::NotAnObject) => return Err(reject(RpcError::invalid_params("`params` must be an object"))),
    };
    // A surrogate escape is checked only by parsing: parse such arguments
    // (rare) so that a lone one is a parse error, as anywhere else in the message.
    let arguments = match arguments {
        Some(raw) if has_surrogate_escape(raw.get().as_bytes()) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(_) => Some(raw),
            Err(err) => return Err(reject(RpcError::parse_error(&err))),
        },
        other => other,
    };
    let meta = match params.remove("_meta") {
        Some(Value::Object(mut meta)) => {
            let version = match meta.remove(version::META_VERSION) {
                None => None,
                Some(Value::String(v)) => Some(v),
                Some(_) => {
                    return Err(reject(
                        RpcError::invalid_params(format!("`_meta.{}` must be a string", version::META_VERSION))
                            .status(400),
                    ));
                }
            };
            Meta {
                version,
                has_capabilities: meta.get(version::META_CAPABILITIES).is_some_and(Value::is_object),
                tasks_extension: meta
                    .get(version::META_CAPABILITIES)
                    .and_then(|caps| caps.get("extensions"))
                    .and_then(|extensions| extensions.get(crate::mcp::tasks::EXTENSION))
                    .is_some_and(Value::is_object),
                progress_token: meta.remove("progressToken").filter(|t| t.is_string() || t.is_number()),
                #[cfg(feature = "otel")]
                trace: crate::telemetry::TraceHeaders::from_meta(&mut meta),
            }
        }
        _ => Meta::default(),
    };
    Ok(Message {
        kind: message.kind,
        id,
        method: Method::parse(message.method),
        params,
        arguments,
        meta,
    })
}

#[derive(Serialize)]
struct ProgressParams<'a> {
    #[serde(rename = "progressToken")]
    progress_token: &'a Value,
    progress: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    total: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

/// A `notifications/progress` message for `token`.
pub(crate) fn progress_notification(token: &Value, progress: &registry_core::Progress) -> Vec<u8> {
    jsonrpc::notification(
        "notifications/progress",
        ProgressParams {
            progress_token: token,
            progress: progress.progress,
            total: progress.total,
            message: progress.message.as_deref(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mcp::jsonrpc::code;
    use serde_json::json;

    fn code_of(bytes: &[u8]) -> i32 {
        decode(bytes).unwrap_err().error.code
    }

    #[test]
    fn classifies_bad_params() {
        assert_eq!(code_of(b"{not json"), code::PARSE_ERROR);
        assert_eq!(
            code_of(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#),
            code::INVALID_PARAMS
        );
        let rejected = decode(br#"{"jsonrpc":"2.0","id":"a","method":"x","params":[1]}"#).unwrap_err();
        assert_eq!(rejected.id, Some(Id::String("a".into())));
    }

    #[test]
    fn decodes_methods_and_meta() {
        let m = decode(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(m.kind, Kind::Notification);
        assert_eq!(m.method, Method::Other("notifications/initialized".into()));
        let m = decode(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#).unwrap();
        assert_eq!(m.kind, Kind::Response);
        let m = decode(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1},
            "_meta":{"progressToken":"t","io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        )
        .unwrap();
        assert_eq!(m.kind, Kind::Request);
        assert_eq!(m.method, Method::ToolsCall);
        assert!(m.method.names_a_target());
        assert_eq!(m.name(), Some("add"));
        assert_eq!(m.meta.version.as_deref(), Some("2026-07-28"));
        assert!(m.meta.has_capabilities);
        assert_eq!(m.meta.progress_token, Some(json!("t")));
        assert!(!m.params.contains_key("_meta"));
        assert_eq!(m.arguments.as_ref().map(|a| a.get()), Some(r#"{"a":1}"#));
        assert!(!m.params.contains_key("arguments"));
        for known in [
            "initialize",
            "ping",
            "server/discover",
            "tools/list",
            "tools/call",
            "resources/list",
            "resources/templates/list",
            "resources/read",
            "prompts/list",
            "prompts/get",
            "completion/complete",
            "notifications/cancelled",
        ] {
            assert_eq!(Method::parse(known.to_owned()).as_str(), known);
            assert_ne!(Method::parse(known.to_owned()), Method::Other(known.to_owned()));
        }
    }

    #[test]
    fn params_of_every_shape() {
        let message = |params: &str| format!(r#"{{"jsonrpc":"2.0","id":1,"method":"x","params":{params}}}"#);
        for not_an_object in ["1", "true", "\"s\"", "[1, [2]]", "1.5"] {
            assert_eq!(
                code_of(message(not_an_object).as_bytes()),
                code::INVALID_PARAMS,
                "{not_an_object}"
            );
        }
        let empty = decode(message("null").as_bytes()).unwrap();
        assert!(empty.params.is_empty() && empty.arguments.is_none());
        // A lone surrogate escape in the arguments is a parse error, as anywhere else;
        // a proper pair is fine.
        let lone = message(r#"{"name":"echo","arguments":{"message":"\ud800"}}"#);
        assert_eq!(code_of(lone.as_bytes()), code::PARSE_ERROR);
        let pair = message(r#"{"name":"echo","arguments":{"message":"\ud83d\ude00"}}"#);
        assert!(decode(pair.as_bytes()).is_ok());
        assert!(has_surrogate_escape(br#""\uDC00""#) && !has_surrogate_escape(br#""\u00e9""#));
    }
}
