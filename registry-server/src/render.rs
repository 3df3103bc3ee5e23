//! How a result that is not plain JSON is rendered, shared by MCP and REST
//! so both read one decision: a resource's contents ([`Body`]) and a tool's
//! MCP content blocks, from the entry's [`OutputKind`]
//! (`registry_core::content`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use registry_core::content::OutputKind;
use registry_core::{ApiError, Entry};
use serde_json::{Map, Value, json};

/// A resource's contents: text or bytes (kept as base64, as MCP sends
/// them), each with its MIME type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// Text contents.
    Text { mime_type: String, text: String },
    /// Binary contents, base64-encoded.
    Binary { mime_type: String, base64: String },
}

impl Body {
    /// The MIME type.
    pub(crate) fn mime_type(&self) -> &str {
        match self {
            Body::Text { mime_type, .. } | Body::Binary { mime_type, .. } => mime_type,
        }
    }

    /// The raw bytes (REST's response body).
    pub(crate) fn into_bytes(self) -> Result<Vec<u8>, ApiError> {
        match self {
            Body::Text { text, .. } => Ok(text.into_bytes()),
            Body::Binary { base64, .. } => BASE64
                .decode(base64)
                .map_err(|err| ApiError::internal(format_args!("a binary result is not base64: {err}"))),
        }
    }

    /// MCP `TextResourceContents` / `BlobResourceContents` for `uri`.
    pub(crate) fn into_contents(self, uri: &str) -> Value {
        match self {
            Body::Text { mime_type, text } => json!({"uri": uri, "mimeType": mime_type, "text": text}),
            Body::Binary { mime_type, base64 } => json!({"uri": uri, "mimeType": mime_type, "blob": base64}),
        }
    }
}

/// The contents of a resource read (or of a content result on REST) from
/// the function's value: see the table on `registry_core::api_resource`.
pub(crate) fn body(entry: &Entry, value: Value) -> Result<Body, ApiError> {
    let declared = entry.function().resource().and_then(|spec| spec.mime_type);
    let mime = |default: &str| declared.unwrap_or(default).to_owned();
    let malformed = || {
        ApiError::internal(format_args!(
            "`{}` returned a value that does not match its output type",
            entry.name()
        ))
    };
    let field = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    Ok(match entry.schemas().output_kind {
        OutputKind::Text => match value {
            Value::String(text) => Body::Text {
                mime_type: mime("text/plain"),
                text,
            },
            other => Body::Text {
                mime_type: mime("application/json"),
                text: other.to_string(),
            },
        },
        OutputKind::Bytes => {
            let bytes: Vec<u8> = serde_json::from_value(value).map_err(|_| malformed())?;
            Body::Binary {
                mime_type: mime("application/octet-stream"),
                base64: BASE64.encode(bytes),
            }
        }
        OutputKind::Blob => Body::Binary {
            mime_type: field(&value, "mimeType").ok_or_else(malformed)?,
            base64: field(&value, "blob").ok_or_else(malformed)?,
        },
        OutputKind::Image | OutputKind::Audio => Body::Binary {
            mime_type: field(&value, "mimeType").ok_or_else(malformed)?,
            base64: field(&value, "data").ok_or_else(malformed)?,
        },
        OutputKind::Resource => {
            let resource = value.get("resource").ok_or_else(malformed)?;
            let mime_type = field(resource, "mimeType").unwrap_or_else(|| mime("text/plain"));
            match (field(resource, "text"), field(resource, "blob")) {
                (Some(text), _) => Body::Text { mime_type, text },
                (None, Some(base64)) => Body::Binary { mime_type, base64 },
                (None, None) => return Err(malformed()),
            }
        }
        _ => Body::Text {
            mime_type: mime("application/json"),
            text: value.to_string(),
        },
    })
}

/// The MCP content blocks of a tool whose output is content
/// ([`OutputKind::is_content`]).
pub(crate) fn content_blocks(entry: &Entry, value: Value) -> Vec<Value> {
    match entry.schemas().output_kind {
        OutputKind::Mixed => match value {
            Value::Array(blocks) => blocks,
            other => vec![other],
        },
        OutputKind::Blob => {
            let mime = value
                .get("mimeType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let data = value.get("blob").cloned().unwrap_or(Value::Null);
            let kind = mime.split('/').next().unwrap_or_default();
            if kind == "image" || kind == "audio" {
                vec![json!({"type": kind, "data": data, "mimeType": mime})]
            } else {
                let uri = format!("urn:api-registry:result:{}", entry.name());
                vec![json!({"type": "resource", "resource": {"uri": uri, "mimeType": mime, "blob": data}})]
            }
        }
        _ => vec![value],
    }
}

/// MCP `icons` for an entry that declares one: `[{"src": data URI, "mimeType": ...}]`.
pub(crate) fn icons(entry: &Entry) -> Option<Value> {
    entry.function().icon().map(icon_list)
}

/// `[{"src": uri, "mimeType": ...}]`, the type read from a `data:` URI.
pub(crate) fn icon_list(src: &str) -> Value {
    let mut icon = Map::new();
    icon.insert("src".into(), json!(src));
    if let Some(mime) = src.strip_prefix("data:").and_then(|rest| rest.split([';', ',']).next()) {
        icon.insert("mimeType".into(), json!(mime));
    }
    json!([icon])
}

/// Inserts `icons` into an MCP definition when the entry has one.
pub(crate) fn insert_icons(entry: &Entry, definition: &mut Map<String, Value>) {
    if let Some(icons) = icons(entry) {
        definition.insert("icons".into(), icons);
    }
}
