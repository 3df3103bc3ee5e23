//! Contract fingerprints: one short, stable hash per function of everything a
//! caller depends on, advertised in `tools/list` (`_meta["api-registry/fingerprint"]`)
//! and in the OpenAPI document (`x-fingerprint` on each operation).
//!
//! The hashed value ([`contract`]) is the function's name, its primitive
//! (tool, resource with its URI and MIME type, prompt), the protocols it is
//! exposed on, its REST method and path, its MCP annotation hints, the scopes
//! it requires, its input and output schemas ([`Entry::schemas`], the
//! protocol-neutral ones) and how its result is rendered. Documentation is
//! left out: `description`, `title`, `examples`, `example` and `$comment`
//! keywords are removed from the schemas, and the function's own doc comment,
//! title and tags are not part of it, so rewording a doc comment keeps the
//! fingerprint. Operational settings (timeout, rate limit, concurrency) are
//! not part of it either.
//!
//! The value is written as canonical JSON (object keys sorted by their bytes,
//! no whitespace, `required` lists sorted), hashed with SHA-256, and the
//! fingerprint is the first 16 hex digits (64 bits) of the digest: the same
//! contract gives the same fingerprint on every run and machine. Both
//! protocols advertise the same fingerprint for a function.

use registry_core::Entry;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The `_meta` key of a `tools/list` entry that holds its fingerprint
/// (the framework's `api-registry/` prefix, as in `api-registry/error`).
pub const MCP_META_KEY: &str = "api-registry/fingerprint";

/// The OpenAPI extension of an operation that holds its fingerprint.
pub const OPENAPI_EXTENSION: &str = "x-fingerprint";

/// Bumped when what [`contract`] covers changes, so fingerprints of two
/// framework versions never compare equal by accident.
const VERSION: u64 = 1;

/// Hex digits kept from the SHA-256 digest.
const HEX_DIGITS: usize = 16;

/// The fingerprint of `entry`'s contract: 16 lowercase hex digits.
pub fn of(entry: &Entry) -> String {
    hash(&contract(entry))
}

/// The `_meta` object of `entry`'s `tools/list` entry: `{"api-registry/fingerprint": "..."}`.
pub(crate) fn mcp_meta(entry: &Entry) -> Value {
    json!({ MCP_META_KEY: of(entry) })
}

/// Adds `x-fingerprint` to `operation`, the OpenAPI operation of `entry`.
pub(crate) fn insert_extension(operation: &mut Map<String, Value>, entry: &Entry) {
    operation.insert(OPENAPI_EXTENSION.into(), Value::String(of(entry)));
}

/// The value [`of`] hashes, for inspecting what a fingerprint covers.
pub fn contract(entry: &Entry) -> Value {
    let function = entry.function();
    let schemas = entry.schemas();
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
    let mut scopes: Vec<&str> = function.scopes().to_vec();
    scopes.sort_unstable();
    let rest = function
        .on_rest()
        .then(|| json!({ "method": function.method().as_str(), "path": entry.path() }));
    let resource = function
        .resource()
        .map(|spec| json!({ "uri": spec.uri, "mimeType": spec.mime_type }));
    json!({
        "fingerprint": VERSION,
        "name": function.name(),
        "primitive": function.primitive().as_str(),
        "resource": resource,
        "mcp": function.on_mcp(),
        "rest": rest,
        "annotations": annotations,
        "scopes": scopes,
        "input": without_docs(&schemas.input),
        "output": without_docs(&schemas.output),
        "outputKind": format!("{:?}", schemas.output_kind),
    })
}

/// The fingerprint of any contract value: SHA-256 of its [`canonical`] JSON,
/// the first 16 hex digits.
pub fn hash(contract: &Value) -> String {
    let digest = Sha256::digest(canonical(contract).as_bytes());
    let mut hex = String::with_capacity(HEX_DIGITS);
    for byte in digest.iter().take(HEX_DIGITS / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// `value` as canonical JSON: no whitespace, object keys sorted by their
/// bytes at every level, arrays in their order, strings and numbers as
/// `serde_json` writes them.
pub fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => {
            let mut keys: Vec<&String> = object.keys().collect();
            keys.sort_unstable();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&object[key.as_str()], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Documentation keywords, dropped from schemas before hashing.
const DOC_KEYWORDS: &[&str] = &["description", "title", "examples", "example", "$comment"];

/// `schema` without documentation keywords and with sorted `required`
/// lists, following only keywords that hold sub-schemas (so a property
/// *named* `description` stays).
fn without_docs(schema: &Value) -> Value {
    let mut schema = schema.clone();
    strip(&mut schema);
    schema
}

fn strip(schema: &mut Value) {
    let Value::Object(object) = schema else { return };
    object.retain(|key, _| !DOC_KEYWORDS.contains(&key.as_str()));
    if let Some(Value::Array(required)) = object.get_mut("required") {
        required.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(map) = value {
                    map.values_mut().for_each(strip);
                }
            }
            "items"
            | "additionalProperties"
            | "not"
            | "if"
            | "then"
            | "else"
            | "contains"
            | "propertyNames"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "additionalItems" => strip(value),
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(items) = value {
                    items.iter_mut().for_each(strip);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one test that pins hex values: a change here changes every
    /// fingerprint users have saved, so it must be deliberate (bump `VERSION`).
    #[test]
    fn stable_bytes_and_digest() {
        let contract = json!({"name": "f", "input": {"type": "object", "properties": {"n": {"type": "integer"}}}});
        assert_eq!(
            canonical(&contract),
            r#"{"input":{"properties":{"n":{"type":"integer"}},"type":"object"},"name":"f"}"#
        );
        // `printf %s '<the line above>' | sha256sum | cut -c1-16`
        assert_eq!(hash(&contract), "5dd6b9f28b1110fe");
    }

    #[test]
    fn key_order_does_not_matter_content_does() {
        let a = json!({"b": [1, {"y": "é\"", "x": null}], "a": 1.5});
        let b: Value = serde_json::from_str(r#"{"a": 1.5, "b": [1, {"x": null, "y": "é\""}]}"#).unwrap();
        assert_eq!(canonical(&a), canonical(&b));
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(hash(&a), hash(&json!({"a": 1.5, "b": [{"x": null, "y": "é\""}, 1]})));
        assert_eq!(hash(&a).len(), 16);
        assert!(
            hash(&a)
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }

    #[test]
    fn docs_are_dropped_from_schema_positions_only() {
        let schema = json!({
            "type": "object",
            "description": "the arguments",
            "required": ["b", "a"],
            "properties": {
                "description": {"type": "string", "title": "T", "examples": ["x"]},
                "a": {"type": "array", "items": {"$comment": "c", "type": "integer", "description": "d"}},
                "b": {"enum": [{"description": "kept: a value, not a schema"}]}
            }
        });
        assert_eq!(
            without_docs(&schema),
            json!({
                "type": "object",
                "required": ["a", "b"],
                "properties": {
                    "description": {"type": "string"},
                    "a": {"type": "array", "items": {"type": "integer"}},
                    "b": {"enum": [{"description": "kept: a value, not a schema"}]}
                }
            })
        );
    }
}
