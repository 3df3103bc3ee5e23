//! The MCP schema normalization rules (issue 3), checked on advertised tools.
//! Shared by the MCP tests and the examples' tests.

use serde_json::{Value, json};

/// Checks one `tools/list` entry: object roots, no top-level combinators, and
/// every rule of [`check_schema`] on its input and output schemas.
pub(crate) fn check_tool(name: &str, tool: &Value) {
    for (which, schema) in [
        ("inputSchema", &tool["inputSchema"]),
        ("outputSchema", &tool["outputSchema"]),
    ] {
        let at = format!("{name}.{which}");
        // A tool returning content (an image, a mixed list) advertises no output schema.
        if which == "outputSchema" && schema.is_null() {
            continue;
        }
        assert_eq!(schema["type"], "object", "{at}: object root");
        for combinator in ["oneOf", "anyOf", "allOf"] {
            assert!(schema.get(combinator).is_none(), "{at}: top-level {combinator}");
        }
        check_schema(schema, schema, &at, which == "inputSchema");
    }
}

const STANDARD_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// No `$schema`; `$ref` only into `$defs` (recursive types); no `null` in an
/// input type array; standard formats only.
fn check_schema(root: &Value, schema: &Value, at: &str, input: bool) {
    let Value::Object(object) = schema else { return };
    assert!(!object.contains_key("$schema"), "{at}: $schema");
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        // Only recursive types keep a reference, and it must resolve into $defs.
        let target = reference
            .strip_prefix("#/$defs/")
            .unwrap_or_else(|| panic!("{at}: $ref {reference} is not under #/$defs/"));
        assert!(root["$defs"].get(target).is_some(), "{at}: dangling $ref {reference}");
    }
    if input && let Some(Value::Array(types)) = object.get("type") {
        assert!(!types.contains(&json!("null")), "{at}: null in a type array");
    }
    if let Some(format) = object.get("format").and_then(Value::as_str) {
        assert!(STANDARD_FORMATS.contains(&format), "{at}: non-standard format {format}");
    }
    for (key, value) in object {
        match key.as_str() {
            "properties" | "$defs" | "patternProperties" => {
                for (name, sub) in value.as_object().into_iter().flatten() {
                    check_schema(root, sub, &format!("{at}.{name}"), input);
                }
            }
            "items" | "additionalProperties" | "not" => check_schema(root, value, &format!("{at}.{key}"), input),
            "anyOf" | "oneOf" | "allOf" | "prefixItems" => {
                for (i, sub) in value.as_array().into_iter().flatten().enumerate() {
                    check_schema(root, sub, &format!("{at}.{key}[{i}]"), input);
                }
            }
            _ => {}
        }
    }
}
