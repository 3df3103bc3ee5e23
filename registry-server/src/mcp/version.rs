//! Protocol revisions this server speaks, and which era a request belongs to:
//! every version rule in one place.
//!
//! - **Legacy** revisions open with `initialize`; the server keeps no session,
//!   so every later request stands on its own anyway.
//! - **Modern** revisions (2026-07-28) carry the version and the client's
//!   capabilities in every request's `_meta`.

use super::jsonrpc::{Kind, RpcError};
use super::request::{Message, Method};

/// MCP 2026-07-28: an `Mcp-*` header disagrees with the body (HTTP 400).
pub(crate) const HEADER_MISMATCH: i32 = -32020;

/// MCP 2026-07-28: the protocol version is not supported (HTTP 400).
pub(crate) const UNSUPPORTED_VERSION: i32 = -32022;

/// The modern revisions, newest first.
pub(crate) const MODERN: &[&str] = &["2026-07-28"];

/// The legacy (`initialize`) revisions, newest first.
pub(crate) const LEGACY: &[&str] = &["2025-11-25", "2025-06-18", "2025-03-26"];

/// Every revision, newest first: what `server/discover` and -32022 errors list.
pub(crate) const ALL: &[&str] = &["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"];

/// `_meta` key of the modern protocol version.
pub(crate) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";

/// `_meta` key of the modern client capabilities.
pub(crate) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";

/// `_meta` key of the server's identity on modern results.
pub(crate) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";

/// Which rules a request is served by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Era {
    /// 2025-03-26 to 2025-11-25: results without `resultType`, no cache hints.
    Legacy,
    /// 2026-07-28: `resultType` on results, `ttlMs`/`cacheScope` on cacheable ones.
    Modern,
}

/// Whether `version` is a modern revision we serve.
pub(crate) fn is_modern(version: &str) -> bool {
    MODERN.contains(&version)
}

/// Whether `version` is a legacy revision we serve.
pub(crate) fn is_legacy(version: &str) -> bool {
    LEGACY.contains(&version)
}

/// The version `initialize` answers: the client's when we speak it, else our newest legacy one.
pub(crate) fn negotiate_legacy(requested: Option<&str>) -> &'static str {
    requested
        .and_then(|v| LEGACY.iter().copied().find(|known| *known == v))
        .unwrap_or(LEGACY[0])
}

/// The era of a request, from its `_meta`; errors for versions we do not speak.
pub(crate) fn era(message: &Message) -> Result<Era, RpcError> {
    match message.meta.version.as_deref() {
        None => Ok(Era::Legacy),
        Some(v) if is_legacy(v) => Ok(Era::Legacy),
        Some(v) if is_modern(v) => {
            if message.meta.has_capabilities {
                Ok(Era::Modern)
            } else {
                Err(RpcError::invalid_params(format!(
                    "`_meta.{META_CAPABILITIES}` is required on {v} requests (an empty object declares no capabilities)"
                ))
                .status(400))
            }
        }
        Some(v) => Err(unsupported(v)),
    }
}

/// The `MCP-Protocol-Version` header (HTTP), when sent: a version we speak,
/// equal to the body's `_meta` version on modern requests, and required on
/// modern requests.
pub(crate) fn check_header(header: Option<&[u8]>, message: &Message) -> Result<(), RpcError> {
    let header = match header {
        None => None,
        Some(value) => Some(
            std::str::from_utf8(value)
                .ok()
                .filter(|v| v.is_ascii())
                .ok_or_else(|| header_mismatch("MCP-Protocol-Version is not valid ASCII"))?,
        ),
    };
    match (message.meta.version.as_deref(), header) {
        (Some(body), Some(header)) if body == header => Ok(()),
        (Some(body), Some(header)) => Err(header_mismatch(format!(
            "Header mismatch: MCP-Protocol-Version header value '{header}' does not match body value '{body}'"
        ))),
        (Some(body), None) if is_legacy(body) => Ok(()),
        (Some(_), None) if message.kind != Kind::Request => Ok(()),
        (Some(_), None) => Err(header_mismatch(
            "Header mismatch: the MCP-Protocol-Version header is required",
        )),
        (None, None) => Ok(()),
        (None, Some(header)) if is_legacy(header) => Ok(()),
        (None, Some(header)) if is_modern(header) && message.method != Method::Initialize => {
            Err(header_mismatch(format!(
                "Header mismatch: MCP-Protocol-Version is '{header}' but the body has no `_meta.{}`",
                META_VERSION
            )))
        }
        (None, Some(header)) if is_modern(header) => Ok(()),
        (None, Some(header)) => Err(unsupported(header)),
    }
}

/// -32022 naming the versions we speak (HTTP 400).
pub(crate) fn unsupported(requested: &str) -> RpcError {
    RpcError::new(
        UNSUPPORTED_VERSION,
        format!("Unsupported protocol version: {requested}"),
    )
    .status(400)
    .data(serde_json::json!({ "supported": ALL, "requested": requested }))
}

/// -32020 (HTTP 400).
pub(crate) fn header_mismatch(message: impl Into<std::borrow::Cow<'static, str>>) -> RpcError {
    RpcError::new(HEADER_MISMATCH, message).status(400)
}

/// `result` with the modern era's additions: `resultType: "complete"` on
/// every result; on cacheable ones (lists, `server/discover`) also `ttlMs`,
/// `cacheScope` and the server's identity.
pub(crate) fn modern_result(
    result: &mut serde_json::Map<String, serde_json::Value>,
    cache: Option<&serde_json::Value>,
) {
    use serde_json::{Value, json};
    if let Some(server_info) = cache {
        result.insert("ttlMs".into(), json!(TTL_MS));
        result.insert("cacheScope".into(), json!("public"));
        result.insert("resultType".into(), json!("complete"));
        result.insert("_meta".into(), json!({ META_SERVER_INFO: server_info }));
    } else {
        result.insert("resultType".into(), Value::String("complete".into()));
    }
}

/// How long a client may cache lists and `server/discover` (2026-07-28 `ttlMs`).
///
/// The registry is fixed for the life of the process; a deploy can change
/// it, so clients are told to re-fetch after five minutes.
pub(crate) const TTL_MS: u64 = 300_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_echoes_known_versions() {
        assert_eq!(negotiate_legacy(Some("2025-06-18")), "2025-06-18");
        assert_eq!(negotiate_legacy(Some("2025-03-26")), "2025-03-26");
        assert_eq!(negotiate_legacy(Some("2024-11-05")), "2025-11-25");
        assert_eq!(negotiate_legacy(Some("2026-07-28")), "2025-11-25");
        assert_eq!(negotiate_legacy(None), "2025-11-25");
    }

    #[test]
    fn every_version_is_in_all() {
        for v in MODERN.iter().chain(LEGACY) {
            assert!(ALL.contains(v));
        }
        assert_eq!(ALL.len(), MODERN.len() + LEGACY.len());
        assert!(is_modern("2026-07-28") && !is_modern("2025-11-25"));
    }
}
