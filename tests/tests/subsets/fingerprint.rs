//! Contract fingerprints across versions of one function: `fp_lookup` as
//! first written, with reworded docs, and with changed contracts, each
//! selected by its own tag. Docs and tags keep the fingerprint; an argument,
//! a result type, a method or a hint changes it. The two versions' real
//! OpenAPI documents and tools dumps then go through `schema_diff`.

use registry_core::{Registry, api_function};
use registry_server::schema_diff::{self, Kind};
use registry_server::{ServerConfig, fingerprint, openapi};

mod first {
    use super::*;

    /// Look up a block.
    #[api_function(name = "fp_lookup", tags = ["fp-first"], read_only)]
    pub(crate) fn lookup(height: u32) -> u32 {
        height
    }
}

mod reworded {
    use super::*;

    /// Find one block by its height.
    ///
    /// # Arguments
    /// * `height` - the block's height
    #[api_function(name = "fp_lookup", tags = ["fp-reworded"], read_only)]
    pub(crate) fn lookup(height: u32) -> u32 {
        height
    }
}

mod new_argument {
    use super::*;

    /// Look up a block.
    #[api_function(name = "fp_lookup", tags = ["fp-new-argument"], read_only)]
    pub(crate) fn lookup(height: u32, verbose: Option<bool>) -> u32 {
        if verbose.unwrap_or(false) { height } else { 0 }
    }
}

mod new_output {
    use super::*;

    /// Look up a block.
    #[api_function(name = "fp_lookup", tags = ["fp-new-output"], read_only)]
    pub(crate) fn lookup(height: u32) -> String {
        height.to_string()
    }
}

mod new_method {
    use super::*;

    /// Look up a block.
    #[api_function(name = "fp_lookup", tags = ["fp-new-method"], method = "GET", read_only)]
    pub(crate) fn lookup(height: u32) -> u32 {
        height
    }
}

mod not_read_only {
    use super::*;

    /// Look up a block.
    #[api_function(name = "fp_lookup", tags = ["fp-not-read-only"])]
    pub(crate) fn lookup(height: u32) -> u32 {
        height
    }
}

fn registry(tag: &str) -> Registry {
    Registry::builder().tag(tag).build().expect("one function")
}

fn print(tag: &str) -> String {
    let registry = registry(tag);
    assert_eq!(registry.len(), 1, "{tag}");
    fingerprint::of(&registry.entries()[0])
}

#[test]
fn docs_keep_the_fingerprint_contracts_change_it() {
    let first = print("fp-first");
    assert_eq!(first, print("fp-first"), "two builds of one registry");
    assert_eq!(first, print("fp-reworded"), "docs and tags are not the contract");
    let mut seen = vec![first];
    for tag in ["fp-new-argument", "fp-new-output", "fp-new-method", "fp-not-read-only"] {
        let changed = print(tag);
        assert!(!seen.contains(&changed), "{tag}: {changed} already seen in {seen:?}");
        seen.push(changed);
    }
}

#[test]
fn the_documents_of_two_versions_diff_as_expected() {
    let document = |tag: &str| openapi::document(&registry(tag), &ServerConfig::default());
    let tools = |tag: &str| {
        let registry = registry(tag);
        serde_json::json!([{
            "name": "fp_lookup",
            "inputSchema": registry.entries()[0].schemas().input,
            "outputSchema": registry.entries()[0].schemas().mcp_output,
            "_meta": { fingerprint::MCP_META_KEY: fingerprint::of(&registry.entries()[0]) },
        }])
    };

    let same = schema_diff::diff(&document("fp-first"), &document("fp-reworded")).unwrap();
    assert!(!same.has_breaking(), "{}", same.render());
    assert!(!same.has(Kind::FingerprintChanged, "fp_lookup"), "{}", same.render());
    assert!(same.has(Kind::DocChanged, "fp_lookup"), "{}", same.render());

    let added = schema_diff::diff(&document("fp-first"), &document("fp-new-argument")).unwrap();
    assert!(!added.has_breaking(), "{}", added.render());
    assert!(
        added.has(Kind::OptionalArgumentAdded, "fp_lookup"),
        "{}",
        added.render()
    );
    assert!(added.has(Kind::FingerprintChanged, "fp_lookup"), "{}", added.render());

    for (tag, kind) in [
        ("fp-new-output", Kind::TypeChanged),
        ("fp-new-method", Kind::MethodChanged),
    ] {
        let report = schema_diff::diff(&document("fp-first"), &document(tag)).unwrap();
        assert!(report.has_breaking(), "{tag}: {}", report.render());
        assert!(report.has(kind, "fp_lookup"), "{tag}: {}", report.render());
    }

    let report = schema_diff::diff(&tools("fp-first"), &tools("fp-new-output")).unwrap();
    assert!(report.has(Kind::TypeChanged, "fp_lookup"), "{}", report.render());
    assert!(report.has_breaking());
    let report = schema_diff::diff(&tools("fp-new-argument"), &tools("fp-first")).unwrap();
    assert!(report.has(Kind::ArgumentRemoved, "fp_lookup"), "{}", report.render());
    assert!(report.has_breaking(), "the input schema refuses unknown arguments");
}
