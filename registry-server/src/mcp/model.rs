//! Our own small model of the JSON-RPC/MCP messages we receive and send.
//!
//! Incoming bytes are parsed once into a [`Message`]: the envelope is typed,
//! `params` stays a JSON object whose parts (such as a tool's `arguments`)
//! are moved out, never cloned. Outgoing messages are written straight to
//! bytes; precomputed results (the tool list) are spliced in as text.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::errors::code;

use super::version;

/// A JSON-RPC request id: a string or a number, kept as sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Id {
    /// A numeric id, kept exactly as written.
    Number(serde_json::Number),
    /// A string id.
    String(String),
}

impl Id {
    fn from_value(value: Value) -> Option<Id> {
        match value {
            Value::Number(n) => Some(Id::Number(n)),
            Value::String(s) => Some(Id::String(s)),
            _ => None,
        }
    }

    /// The id as compact JSON (`1`, `"a"`): distinct for `1` and `"1"`.
    pub(crate) fn key(&self) -> String {
        match self {
            Id::Number(n) => n.to_string(),
            Id::String(s) => serde_json::to_string(s).unwrap_or_default(),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
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
}

/// What one incoming JSON-RPC message is.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub(crate) enum Kind {
    /// Has an id and a method: answer it.
    Request,
    /// A method without id: never answered.
    Notification,
    /// A response from the client (we send no requests, so it is ignored).
    Response,
}

/// One decoded incoming message.
#[derive(Debug)]
pub(crate) struct Message {
    /// Request, notification or response.
    pub(crate) kind: Kind,
    /// The id (requests only).
    pub(crate) id: Option<Id>,
    /// The method (empty for responses).
    pub(crate) method: String,
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

/// A JSON-RPC error object plus the HTTP status it travels with.
#[derive(Debug, Clone)]
pub(crate) struct RpcError {
    /// JSON-RPC error code.
    pub(crate) code: i32,
    /// A one-sentence message.
    pub(crate) message: Cow<'static, str>,
    /// Extra data (`supported` versions, ...).
    pub(crate) data: Option<Value>,
    /// The HTTP status when the error answers a POST.
    pub(crate) status: u16,
}

impl RpcError {
    /// An error with HTTP status 200 (the JSON-RPC body carries the failure).
    pub(crate) fn new(code: i32, message: impl Into<Cow<'static, str>>) -> Self {
        RpcError {
            code,
            message: message.into(),
            data: None,
            status: 200,
        }
    }

    /// Sets the HTTP status.
    #[must_use]
    pub(crate) fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets `data`.
    #[must_use]
    pub(crate) fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// -32022 naming the versions we speak (HTTP 400).
    pub(crate) fn unsupported_version(requested: &str) -> Self {
        RpcError::new(
            code::UNSUPPORTED_VERSION,
            format!("Unsupported protocol version: {requested}"),
        )
        .status(400)
        .data(serde_json::json!({ "supported": version::ALL, "requested": requested }))
    }

    /// -32020 (HTTP 400).
    pub(crate) fn header_mismatch(message: impl Into<Cow<'static, str>>) -> Self {
        RpcError::new(code::HEADER_MISMATCH, message).status(400)
    }

    /// -32602 with HTTP 200.
    pub(crate) fn invalid_params(message: impl Into<Cow<'static, str>>) -> Self {
        RpcError::new(code::INVALID_PARAMS, message)
    }
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    code: i32,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
}

/// A message that could not be decoded into a [`Message`], with the id when one was readable.
#[derive(Debug)]
pub(crate) struct Rejection {
    /// The request id, if the envelope had a usable one.
    pub(crate) id: Option<Id>,
    /// Why.
    pub(crate) error: RpcError,
}

/// Deserializes a field that may be present as `null` (kept as `Some(Value::Null)`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default, deserialize_with = "present")]
    jsonrpc: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    method: Option<Value>,
    #[serde(default)]
    params: Option<Params>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

/// `params` as sent: an object whose `arguments` stay JSON text (decoded
/// once, straight into the tool's parameters), or something else (an error).
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

/// Decodes one JSON-RPC message (HTTP body or stdio line), parsing it once.
pub(crate) fn decode(bytes: &[u8]) -> Result<Message, Rejection> {
    let reject = |id: Option<Id>, error: RpcError| Rejection { id, error };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let error = match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) if first == Some(b'[') => invalid_request("JSON-RPC batches are not supported; send one message"),
            Ok(_) => invalid_request("a JSON-RPC message must be a JSON object"),
            Err(err) => parse_error(&err),
        };
        return Err(reject(None, error));
    }
    let envelope: Envelope = serde_json::from_slice(bytes).map_err(|err| {
        let error = match err.classify() {
            serde_json::error::Category::Data => invalid_request("not a JSON-RPC 2.0 message"),
            _ => parse_error(&err),
        };
        reject(None, error)
    })?;
    let id = match envelope.id {
        None => None,
        Some(value) => match Id::from_value(value) {
            Some(id) => Some(id),
            None => {
                return Err(reject(
                    None,
                    invalid_request("the request id must be a string or a number"),
                ));
            }
        },
    };
    if envelope.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
        return Err(reject(id, invalid_request("`jsonrpc` must be \"2.0\"")));
    }
    let method = match envelope.method {
        Some(Value::String(method)) => method,
        Some(_) => return Err(reject(id, invalid_request("`method` must be a string"))),
        None if id.is_some() && (envelope.result.is_some() || envelope.error.is_some()) => {
            return Ok(Message {
                kind: Kind::Response,
                id,
                method: String::new(),
                params: Map::new(),
                arguments: None,
                meta: Meta::default(),
            });
        }
        None => return Err(reject(id, invalid_request("`method` is missing"))),
    };
    let kind = if id.is_some() {
        Kind::Request
    } else {
        Kind::Notification
    };
    let (mut params, arguments) = match envelope.params {
        None => (Map::new(), None),
        Some(Params::Object(map, arguments)) => (map, arguments),
        Some(Params::NotAnObject) => {
            return Err(reject(id, RpcError::invalid_params("`params` must be an object")));
        }
    };
    // A surrogate escape is checked only by parsing: parse such arguments
    // (rare) so that a lone one is a parse error, as anywhere else in the message.
    let arguments = match arguments {
        Some(raw) if has_surrogate_escape(raw.get().as_bytes()) => match serde_json::from_str::<Value>(raw.get()) {
            Ok(_) => Some(raw),
            Err(err) => return Err(reject(id, parse_error(&err))),
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
                        id,
                        RpcError::invalid_params(format!("`_meta.{}` must be a string", version::META_VERSION))
                            .status(400),
                    ));
                }
            };
            Meta {
                version,
                has_capabilities: meta.get(version::META_CAPABILITIES).is_some_and(Value::is_object),
                progress_token: meta.remove("progressToken").filter(|t| t.is_string() || t.is_number()),
            }
        }
        _ => Meta::default(),
    };
    Ok(Message {
        kind,
        id,
        method,
        params,
        arguments,
        meta,
    })
}

fn invalid_request(message: &'static str) -> RpcError {
    RpcError::new(code::INVALID_REQUEST, format!("Invalid Request: {message}")).status(400)
}

fn parse_error(err: &serde_json::Error) -> RpcError {
    RpcError::new(code::PARSE_ERROR, format!("Parse error: {err}")).status(400)
}

/// The body of an outgoing response.
#[derive(Debug)]
pub(crate) enum Payload {
    /// A result already serialized as a JSON object.
    Json(Vec<u8>),
    /// A precomputed result (the tool list), shared.
    Shared(std::sync::Arc<str>),
    /// An error.
    Error(RpcError),
}

/// One outgoing response.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The id it answers (`null` when the request had none readable).
    pub(crate) id: Option<Id>,
    /// Result or error.
    pub(crate) payload: Payload,
}

impl Reply {
    /// An error reply.
    pub(crate) fn error(id: Option<Id>, error: RpcError) -> Self {
        Reply {
            id,
            payload: Payload::Error(error),
        }
    }

    /// A result reply from any serializable result object.
    pub(crate) fn result(id: Option<Id>, result: &impl Serialize) -> Self {
        let json = serde_json::to_vec(result).unwrap_or_else(|_| b"{}".to_vec());
        Reply {
            id,
            payload: Payload::Json(json),
        }
    }

    /// The HTTP status this reply travels with.
    pub(crate) fn status(&self) -> u16 {
        match &self.payload {
            Payload::Error(error) => error.status,
            _ => 200,
        }
    }

    /// The complete JSON-RPC response, compact (no newline inside).
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(br#"{"jsonrpc":"2.0","id":"#);
        match &self.id {
            Some(id) => {
                let _ = serde_json::to_writer(&mut out, id);
            }
            None => out.extend_from_slice(b"null"),
        }
        match &self.payload {
            Payload::Json(json) => {
                out.extend_from_slice(br#","result":"#);
                out.extend_from_slice(json);
            }
            Payload::Shared(json) => {
                out.extend_from_slice(br#","result":"#);
                out.extend_from_slice(json.as_bytes());
            }
            Payload::Error(error) => {
                out.extend_from_slice(br#","error":"#);
                let object = ErrorObject {
                    code: error.code,
                    message: &error.message,
                    data: error.data.as_ref(),
                };
                let _ = serde_json::to_writer(&mut out, &object);
            }
        }
        out.push(b'}');
        out
    }
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

#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: P,
}

/// A `notifications/progress` message for `token`.
pub(crate) fn progress_notification(token: &Value, progress: &registry_core::Progress) -> Vec<u8> {
    serde_json::to_vec(&Notification {
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: ProgressParams {
            progress_token: token,
            progress: progress.progress,
            total: progress.total,
            message: progress.message.as_deref(),
        },
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code_of(bytes: &[u8]) -> i32 {
        decode(bytes).unwrap_err().error.code
    }

    #[test]
    fn classifies_bad_input() {
        assert_eq!(code_of(b"{not json"), code::PARSE_ERROR);
        assert_eq!(code_of(b""), code::PARSE_ERROR);
        assert_eq!(code_of(b"[1, 2]"), code::INVALID_REQUEST);
        assert_eq!(code_of(b"42"), code::INVALID_REQUEST);
        assert_eq!(code_of(br#"{"jsonrpc":"2.0","id":1}"#), code::INVALID_REQUEST);
        assert_eq!(
            code_of(br#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(br#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(br#"{"jsonrpc":"2.0","id":1,"method":7}"#),
            code::INVALID_REQUEST
        );
        assert_eq!(
            code_of(br#"{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}"#),
            code::INVALID_PARAMS
        );
        let rejected = decode(br#"{"jsonrpc":"2.0","id":"a","method":"x","params":[1]}"#).unwrap_err();
        assert_eq!(rejected.id, Some(Id::String("a".into())));
    }

    #[test]
    fn decodes_kinds_and_meta() {
        let m = decode(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(m.kind, Kind::Notification);
        let m = decode(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#).unwrap();
        assert_eq!(m.kind, Kind::Response);
        let m = decode(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1},
            "_meta":{"progressToken":"t","io.modelcontextprotocol/protocolVersion":"2026-07-28",
            "io.modelcontextprotocol/clientCapabilities":{}}}}"#,
        )
        .unwrap();
        assert_eq!(m.kind, Kind::Request);
        assert_eq!(m.name(), Some("add"));
        assert_eq!(m.meta.version.as_deref(), Some("2026-07-28"));
        assert!(m.meta.has_capabilities);
        assert_eq!(m.meta.progress_token, Some(json!("t")));
        assert!(!m.params.contains_key("_meta"));
        assert_eq!(m.arguments.as_ref().map(|a| a.get()), Some(r#"{"a":1}"#));
        assert!(!m.params.contains_key("arguments"));
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

    #[test]
    fn writes_replies() {
        let reply = Reply::result(Some(Id::Number(7.into())), &json!({}));
        assert_eq!(reply.to_bytes(), br#"{"jsonrpc":"2.0","id":7,"result":{}}"#);
        let reply = Reply::error(None, RpcError::new(-32700, "Parse error"));
        assert_eq!(
            String::from_utf8(reply.to_bytes()).unwrap(),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#
        );
        assert_eq!(Id::String("1".into()).key(), "\"1\"");
        assert_eq!(Id::Number(1.into()).key(), "1");
    }
}
