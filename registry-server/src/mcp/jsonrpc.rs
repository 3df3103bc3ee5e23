//! JSON-RPC 2.0, and nothing of MCP: ids, the envelope, error codes and
//! objects, and the reply writer.
//!
//! [`decode`] parses a message once, with `params` decoded into whatever type
//! the protocol on top supplies (MCP keeps a tool's `arguments` as text).
//! Replies are written straight to bytes; precomputed results are spliced
//! in as text.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// JSON-RPC 2.0 error codes, and the server-defined ones this server uses.
pub(crate) mod code {
    /// Invalid JSON was received.
    pub(crate) const PARSE_ERROR: i32 = -32700;
    /// The JSON sent is not a valid request object.
    pub(crate) const INVALID_REQUEST: i32 = -32600;
    /// The method does not exist.
    pub(crate) const METHOD_NOT_FOUND: i32 = -32601;
    /// Invalid method parameters (also: unknown tool, invalid cursor).
    pub(crate) const INVALID_PARAMS: i32 = -32602;
    /// Internal JSON-RPC error.
    pub(crate) const INTERNAL_ERROR: i32 = -32603;
    /// Server-defined: the request was shed by the in-flight limit (HTTP 503).
    pub const OVERLOADED: i32 = -32000;
    /// Server-defined: the request was turned away by authentication (HTTP 401/403).
    pub const UNAUTHORIZED: i32 = -32001;
}

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
            Id::String(s) => serde_json::to_string(s).expect("a string always serializes"),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
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

/// One decoded incoming message, its `params` decoded as `P`.
#[derive(Debug)]
pub(crate) struct Message<P> {
    /// Request, notification or response.
    pub(crate) kind: Kind,
    /// The id (requests and responses).
    pub(crate) id: Option<Id>,
    /// The method (empty for responses).
    pub(crate) method: String,
    /// `params`, when present and not `null`.
    pub(crate) params: Option<P>,
}

/// A JSON-RPC error object plus the HTTP status it travels with.
#[derive(Debug, Clone)]
pub(crate) struct RpcError {
    /// JSON-RPC error code.
    pub(crate) code: i32,
    /// A one-sentence message.
    pub(crate) message: Cow<'static, str>,
    /// Extra data (`supported` versions, ...); boxed, as it is rare and a
    /// `Value` object is large.
    pub(crate) data: Option<Box<Value>>,
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
        self.data = Some(Box::new(data));
        self
    }

    /// -32602 with HTTP 200.
    pub(crate) fn invalid_params(message: impl Into<Cow<'static, str>>) -> Self {
        RpcError::new(code::INVALID_PARAMS, message)
    }

    /// -32600 `Invalid Request: {message}` with HTTP 400.
    pub(crate) fn invalid_request(message: impl fmt::Display) -> Self {
        RpcError::new(code::INVALID_REQUEST, format!("Invalid Request: {message}")).status(400)
    }

    /// -32700 naming the JSON error, with HTTP 400.
    pub(crate) fn parse_error(err: &serde_json::Error) -> Self {
        RpcError::new(code::PARSE_ERROR, format!("Parse error: {err}")).status(400)
    }
}

#[derive(Serialize)]
struct ErrorObject<'a> {
    code: i32,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a Value>,
}

/// A message that could not be decoded, with the id when one was readable.
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
#[serde(bound = "P: DeserializeOwned")]
struct Envelope<P> {
    #[serde(default, deserialize_with = "present")]
    jsonrpc: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    id: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    method: Option<Value>,
    #[serde(default = "none")]
    params: Option<P>,
    #[serde(default, deserialize_with = "present")]
    result: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    error: Option<Value>,
}

fn none<P>() -> Option<P> {
    None
}

/// Decodes one JSON-RPC message (an HTTP body or a stdio line), parsing it
/// once; `params` must deserialize as `P` (a `P` that accepts any JSON
/// value lets the caller give its own error for a wrong shape).
pub(crate) fn decode<P: DeserializeOwned>(bytes: &[u8]) -> Result<Message<P>, Rejection> {
    let reject = |id: Option<Id>, error: RpcError| Rejection { id, error };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let error = match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) if first == Some(b'[') => {
                RpcError::invalid_request("JSON-RPC batches are not supported; send one message")
            }
            Ok(_) => RpcError::invalid_request("a JSON-RPC message must be a JSON object"),
            Err(err) => RpcError::parse_error(&err),
        };
        return Err(reject(None, error));
    }
    let envelope: Envelope<P> = serde_json::from_slice(bytes).map_err(|err| {
        let error = match err.classify() {
            serde_json::error::Category::Data => RpcError::invalid_request("not a JSON-RPC 2.0 message"),
            _ => RpcError::parse_error(&err),
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
                    RpcError::invalid_request("the request id must be a string or a number"),
                ));
            }
        },
    };
    if envelope.jsonrpc.as_ref().and_then(Value::as_str) != Some("2.0") {
        return Err(reject(id, RpcError::invalid_request("`jsonrpc` must be \"2.0\"")));
    }
    let method = match envelope.method {
        Some(Value::String(method)) => method,
        Some(_) => return Err(reject(id, RpcError::invalid_request("`method` must be a string"))),
        None if id.is_some() && (envelope.result.is_some() || envelope.error.is_some()) => {
            return Ok(Message {
                kind: Kind::Response,
                id,
                method: String::new(),
                params: None,
            });
        }
        None => return Err(reject(id, RpcError::invalid_request("`method` is missing"))),
    };
    let kind = if id.is_some() {
        Kind::Request
    } else {
        Kind::Notification
    };
    Ok(Message {
        kind,
        id,
        method,
        params: envelope.params,
    })
}

/// The body of an outgoing response.
#[derive(Debug)]
pub(crate) enum Payload {
    /// A result already serialized as a JSON object.
    Json(Vec<u8>),
    /// A precomputed result (a list page), shared.
    Shared(Arc<str>),
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
        Reply {
            id,
            payload: Payload::Json(to_json(result)),
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
            Some(id) => serde_json::to_writer(&mut out, id).expect("an id always serializes"),
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
                    data: error.data.as_deref(),
                };
                serde_json::to_writer(&mut out, &object).expect("an error object always serializes");
            }
        }
        out.push(b'}');
        out
    }
}

#[derive(Serialize)]
struct Notification<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: P,
}

/// A notification (`method` with `params`, no id), serialized.
pub(crate) fn notification(method: &str, params: impl Serialize) -> Vec<u8> {
    to_json(&Notification {
        jsonrpc: "2.0",
        method,
        params,
    })
}

/// `value` as compact JSON. Only for values built by this server (string
/// keys, no failing `Serialize` impls), which always serialize.
pub(crate) fn to_json(value: &impl Serialize) -> Vec<u8> {
    serde_json::to_vec(value).expect("a value built by the server always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code_of(bytes: &[u8]) -> i32 {
        decode::<Value>(bytes).unwrap_err().error.code
    }

    #[test]
    fn classifies_bad_envelopes() {
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
    }

    #[test]
    fn decodes_kinds() {
        let m = decode::<Value>(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(m.kind, Kind::Notification);
        let m = decode::<Value>(br#"{"jsonrpc":"2.0","id":3,"result":{}}"#).unwrap();
        assert_eq!(m.kind, Kind::Response);
        let m = decode::<Value>(br#"{"jsonrpc":"2.0","id":"a","method":"x","params":{"k":1}}"#).unwrap();
        assert_eq!(
            (m.kind, m.id, m.params),
            (Kind::Request, Some(Id::String("a".into())), Some(json!({"k": 1})))
        );
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
        assert_eq!(
            notification("n", json!({"a": 1})),
            br#"{"jsonrpc":"2.0","method":"n","params":{"a":1}}"#
        );
    }
}
