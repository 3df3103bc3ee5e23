//! The MCP side of [`crate::telemetry`] (feature `otel`): one request's
//! span and measurements, from its decoded message.

use std::sync::Arc;

use serde_json::Value;

use crate::telemetry::spans::{Call, McpRequest, Outcome};

use super::dispatch::RequestEnv;
use super::jsonrpc::{Id, Payload, Reply};
use super::request::{Message, Method};

/// Starts the span of `message` (a request); on stdio, where no edge gave
/// the request an id, the id the call's context will carry is made here.
pub(crate) fn start(message: &Message, env: &mut RequestEnv) -> Call {
    if crate::telemetry::tracing_on() && env.call.request_id.is_none() {
        env.call.request_id = Some(Arc::from(registry_core::RequestId::generate().as_str()));
    }
    let target = match message.method {
        Method::ToolsCall | Method::PromptsGet => message.name(),
        Method::ResourcesRead => message.params.get("uri").and_then(Value::as_str),
        _ => None,
    };
    let version = message.meta.version.as_deref().or_else(|| match message.method {
        Method::Initialize => message.params.get("protocolVersion").and_then(Value::as_str),
        _ => None,
    });
    Call::mcp(&McpRequest {
        method: message.method.as_str(),
        target,
        id: message.id.as_ref().map(|id| match id {
            Id::String(text) => text.clone(),
            Id::Number(number) => number.to_string(),
        }),
        version,
        meta_trace: message.meta.trace.as_deref(),
        headers: env.call.metadata.as_deref(),
        principal: env.call.principal.as_ref(),
        request_id: env.call.request_id.as_deref().unwrap_or_default(),
    })
}

/// How the reply answered the request.
pub(crate) fn outcome(reply: &Reply) -> Outcome {
    match &reply.payload {
        Payload::Error(error) => Outcome::Mcp(Some((error.code, error.message.to_string()))),
        Payload::Json(_) | Payload::Shared(_) => Outcome::Mcp(None),
    }
}
