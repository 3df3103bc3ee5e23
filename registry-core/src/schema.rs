//! Per-function JSON Schemas, generated once and normalized for real clients.
//!
//! MCP clients reject much of what schemars emits by default (see the
//! README's schema section). Every schema the registry hands out is
//! self-contained and follows these rules:
//!
//! - no `$schema`, no root `title`;
//! - sub-schemas are inlined; only recursive types keep `$defs` (with `#/$defs/...` refs);
//! - the input schema's root is always `{"type": "object", "properties": {...}}`;
//! - an `Option<T>` field is an optional plain `T` (no `"null"` in its type;
//!   `null` is still accepted on input);
//! - only the JSON Schema standard `format`s survive (`uint8`, `double`, ... are dropped);
//! - the MCP output schema is object-rooted: a function returning anything but
//!   a plain object has its value wrapped as `{"result": value}`.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::ApiFunction;
use crate::content::OutputKind;

/// The standard `format` values of JSON Schema 2020-12.
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

/// The schemas of one function, computed once, the first time something asks
/// ([`Entry::schemas`](crate::Entry::schemas)).
#[derive(Clone, Debug)]
pub struct Schemas {
    /// The input schema: an object with one property per argument.
    pub input: Value,
    /// The output schema exactly as the function's value serializes.
    pub output: Value,
    /// The object-rooted output schema MCP tools advertise.
    pub mcp_output: Value,
    /// Whether [`Schemas::mcp_output`] wraps the value as `{"result": ...}`.
    pub wraps_output: bool,
    /// How adapters render a result: JSON, text, bytes or content
    /// ([`crate::content`]), read from the output schema before normalization.
    pub output_kind: OutputKind,
}

fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().with(|s| {
        s.inline_subschemas = true;
        s.meta_schema = None;
    })
}

pub(crate) fn build(function: &ApiFunction) -> Schemas {
    let mut input_gen = settings().for_deserialize().into_generator();
    let input = function.input_schema_with(&mut input_gen);
    let mut input = self_contained(input, &mut input_gen);
    normalize_input(&mut input);

    let mut output_gen = settings().for_serialize().into_generator();
    let output = function.output_schema_with(&mut output_gen);
    let mut output = self_contained(output, &mut output_gen);
    let output_kind = OutputKind::of_schema(&output);
    normalize_common(&mut output);
    let wraps_output = !is_plain_object(&output);
    let mcp_output = if wraps_output {
        wrap_result(output.clone())
    } else {
        output.clone()
    };
    Schemas {
        input,
        output,
        mcp_output,
        wraps_output,
        output_kind,
    }
}

/// The root schema with whatever definitions the generator collected as `$defs`.
fn self_contained(schema: Schema, generator: &mut SchemaGenerator) -> Value {
    let mut value = schema.to_value();
    let definitions = generator.take_definitions(true);
    if !definitions.is_empty() {
        if let Value::Object(root) = &mut value {
            root.insert("$defs".into(), Value::Object(definitions));
        } else {
            value = json!({ "allOf": [value], "$defs": definitions });
        }
    }
    value
}

/// Input-schema rules: object root, optional arguments as plain types.
#[doc(hidden)]
pub fn normalize_input(schema: &mut Value) {
    normalize_common(schema);
    let Value::Object(root) = schema else {
        *schema = json!({"type": "object", "properties": {}, "additionalProperties": false});
        return;
    };
    root.insert("type".into(), Value::String("object".into()));
    root.entry("properties").or_insert_with(|| Value::Object(Map::new()));
    visit(schema, &mut |object| {
        let required: Vec<String> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(Value::Object(properties)) = object.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                if !required.contains(name) {
                    strip_null(property);
                }
            }
        }
    });
}

/// Rules shared by input and output schemas.
pub(crate) fn normalize_common(schema: &mut Value) {
    if let Value::Object(root) = schema {
        root.remove("$schema");
        root.remove("title");
    }
    visit(schema, &mut |object| {
        if let Some(Value::String(format)) = object.get("format")
            && !STANDARD_FORMATS.contains(&format.as_str())
        {
            object.remove("format");
        }
    });
}

/// `{"type": "object", ...}` with no combinator or reference at the root.
fn is_plain_object(schema: &Value) -> bool {
    let Value::Object(root) = schema else { return false };
    root.get("type").and_then(Value::as_str) == Some("object")
        && !["oneOf", "anyOf", "allOf", "$ref", "not", "if"]
            .iter()
            .any(|k| root.contains_key(*k))
}

fn wrap_result(mut inner: Value) -> Value {
    let defs = inner.as_object_mut().and_then(|o| o.remove("$defs"));
    let mut wrapper = json!({
        "type": "object",
        "properties": { "result": inner },
        "required": ["result"],
    });
    if let (Some(defs), Value::Object(root)) = (defs, &mut wrapper) {
        root.insert("$defs".into(), defs);
    }
    wrapper
}

/// Makes an optional property's schema a plain `T`: drops `"null"` from
/// `type`, `enum` and two-branch `anyOf`/`oneOf` (also used for query
/// parameters, which cannot express `null`).
#[doc(hidden)]
pub fn strip_null(schema: &mut Value) {
    let Value::Object(object) = schema else { return };
    if let Some(Value::Array(types)) = object.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            object.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = object.get(key) else {
            continue;
        };
        let is_null = |b: &Value| {
            b.get("type").and_then(Value::as_str) == Some("null") && b.as_object().is_some_and(|o| o.len() == 1)
        };
        if branches.len() != 2 || !branches.iter().any(is_null) {
            continue;
        }
        let Some(Value::Array(branches)) = object.remove(key) else {
            continue;
        };
        let Some(Value::Object(kept)) = branches.into_iter().find(|b| !is_null(b)) else {
            continue;
        };
        for (k, v) in kept {
            object.entry(k).or_insert(v);
        }
    }
}

/// Calls `f` on every schema object inside `schema`, the root included,
/// following only keywords that hold sub-schemas (never `default`, `enum`, ...).
pub(crate) fn visit(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Value::Object(object) = schema else { return };
    f(object);
    for (key, value) in object.iter_mut() {
        match key.as_str() {
            "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
                if let Value::Object(map) = value {
                    for sub in map.values_mut() {
                        visit(sub, f);
                    }
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
            | "additionalItems" => visit(value, f),
            "allOf" | "anyOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(items) = value {
                    for sub in items {
                        visit(sub, f);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_properties_lose_null() {
        let mut schema = json!({
            "$schema": "x", "title": "Args", "type": "object",
            "properties": {
                "a": {"type": ["integer", "null"], "format": "int64"},
                "b": {"anyOf": [{"$ref": "#/$defs/T"}, {"type": "null"}], "description": "d"},
                "c": {"type": ["string", "null"]},
                "d": {"enum": ["x", null], "type": ["string", "null"]}
            },
            "required": ["c"]
        });
        normalize_input(&mut schema);
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": "integer"},
                    "b": {"$ref": "#/$defs/T", "description": "d"},
                    "c": {"type": ["string", "null"]},
                    "d": {"enum": ["x"], "type": "string"}
                },
                "required": ["c"]
            })
        );
    }

    #[test]
    fn wraps_non_objects() {
        assert!(is_plain_object(&json!({"type": "object"})));
        assert!(!is_plain_object(&json!({"type": ["object", "null"]})));
        assert!(!is_plain_object(&json!({"oneOf": [], "type": "object"})));
        let wrapped = wrap_result(json!({"type": "array", "$defs": {"T": {}}}));
        assert_eq!(wrapped["properties"]["result"], json!({"type": "array"}));
        assert_eq!(wrapped["$defs"], json!({"T": {}}));
    }

    #[test]
    fn format_keyword_only() {
        let mut schema = json!({"properties": {"format": {"type": "string", "format": "uuid"}}, "default": {"format": "uint8"}, "format": "uint8"});
        normalize_common(&mut schema);
        assert_eq!(
            schema,
            json!({"properties": {"format": {"type": "string", "format": "uuid"}}, "default": {"format": "uint8"}})
        );
    }
}
