//! The one table that maps an [`ErrorKind`] onto each protocol.
//!
//! REST answers an HTTP status with an RFC 9457 problem body; MCP answers a
//! `tools/call` result with `isError: true`, except for internal errors, which
//! are JSON-RPC errors with a masked message. Both adapters read this table
//! and nothing else.

use axum::http::StatusCode;
use registry_core::ErrorKind;

/// How MCP reports an error of a given kind from `tools/call`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum McpError {
    /// A `tools/call` result with `isError: true` and the message, so a model can act on it.
    ToolResult,
    /// A JSON-RPC "Internal error" (-32603), its message masked unless debugging.
    Internal,
}

/// The `_meta` key of an MCP `isError` result that carries the error's kind
/// and invalid fields (`{"kind": "invalid_arguments", "fields": [...]}`), so
/// programs can branch on what a model reads as text.
pub(crate) const MCP_ERROR_META: &str = "api-registry/error";

/// The mapping of one kind: `(kind, HTTP status, MCP)`.
pub(crate) const TABLE: [(ErrorKind, u16, McpError); 12] = [
    (ErrorKind::InvalidArguments, 422, McpError::ToolResult),
    (ErrorKind::NotFound, 404, McpError::ToolResult),
    (ErrorKind::Unauthorized, 401, McpError::ToolResult),
    (ErrorKind::Forbidden, 403, McpError::ToolResult),
    (ErrorKind::Conflict, 409, McpError::ToolResult),
    (ErrorKind::PayloadTooLarge, 413, McpError::ToolResult),
    (ErrorKind::RateLimited, 429, McpError::ToolResult),
    (ErrorKind::Unavailable, 503, McpError::ToolResult),
    (ErrorKind::Upstream, 502, McpError::ToolResult),
    (ErrorKind::Timeout, 504, McpError::ToolResult),
    (ErrorKind::Cancelled, 499, McpError::ToolResult),
    (ErrorKind::Internal, 500, McpError::Internal),
];

fn row(kind: ErrorKind) -> (u16, McpError) {
    TABLE
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, status, mcp)| (*status, *mcp))
        .unwrap_or((500, McpError::Internal))
}

/// The HTTP status for `kind`.
pub(crate) fn http_status(kind: ErrorKind) -> StatusCode {
    StatusCode::from_u16(row(kind).0).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// How MCP reports `kind`.
pub(crate) fn mcp_error(kind: ErrorKind) -> McpError {
    let mcp = row(kind).1;
    #[cfg(feature = "otel")]
    crate::telemetry::note_error(kind, mcp == McpError::ToolResult);
    mcp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row() {
        for kind in ErrorKind::ALL {
            assert_eq!(TABLE.iter().filter(|(k, _, _)| *k == kind).count(), 1, "{kind:?}");
        }
    }
}
