//! Protocol revisions this server speaks, and which era a request belongs to.
//!
//! - **Legacy** revisions open with `initialize`; the server keeps no session,
//!   so every later request stands on its own anyway.
//! - **Modern** revisions (2026-07-28) carry the version and the client's
//!   capabilities in every request's `_meta`.

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
