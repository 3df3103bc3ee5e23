//! Per-function JSON Schemas, generated once and normalized for real clients.
//!
//! MCP clients reject much of what schemars emits by default (see the
//! README's schema section). Every schema the registry hands out is
//! self-contained and follows these rules:
//!
//! - no `$schema`, no root `title`;
//! - sub-schemas are inlined; only recursive types keep `$defs` (with `#/$defs/...` refs);
//! - the input schema's root is always `{"type": "object", "properties": {...}}`;
//! - an optional `Option<T>` argument or field is an optional plain `T` (no
//!   `"null"` in its type; `null` is still accepted on input);
//! - no type arrays anywhere: a value that may be `null` (an `Option<T>` in a
//!   result, say) is `{"anyOf": [T, {"type": "null"}]}`, a form every client
//!   family reads, and which every result validates against;
//! - only the JSON Schema standard `format`s survive, each one enforced;
//!   a Rust integer type becomes `"type": "integer"` with
//!   the `minimum` and `maximum` of its type (`uint8` is `0..=255`), and
//!   `"ip"` becomes `ipv4` or `ipv6`;
//! - an enum of unit variants is a plain `"enum": [...]`, each variant's doc
//!   comment kept in the description and in `x-enumDescriptions`;
//! - object properties are in declaration order;
//! - the MCP output schema is object-rooted: a function returning anything but
//!   a plain object has its value wrapped as `{"result": value}`.
//!
//! What an input schema declares, the registry enforces: a call's arguments
//! are checked against the very schema published here before the function
//! runs, and in debug builds its result against the output schema.

use schemars::generate::SchemaSettings;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::ApiFunction;
use crate::content::OutputKind;
use crate::validate::Checker;

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
    /// The check of the arguments against `input`, when it declares more
    /// than decoding checks (a range, a length, a pattern, a format ...).
    pub(crate) input_check: Option<Checker>,
    /// The check of results against `output`, in debug builds only.
    #[cfg(debug_assertions)]
    pub(crate) output_check: Option<Checker>,
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
    let needs_check = Checker::is_needed(&input, &implied);
    normalize_input(&mut input);
    let input_check = needs_check.then(|| Checker::for_input(input.clone()));
    #[cfg(debug_assertions)]
    check_examples(function, &input);

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
    #[cfg(debug_assertions)]
    let output_check = (output_kind == OutputKind::Json).then(|| Checker::for_output(output.clone()));
    Schemas {
        input,
        output,
        mcp_output,
        wraps_output,
        output_kind,
        input_check,
        #[cfg(debug_assertions)]
        output_check,
    }
}

/// In debug builds, an argument's declared example that its own schema
/// refuses is logged as an error: the docs page and the OpenAPI document
/// would offer a call the server refuses.
#[cfg(debug_assertions)]
fn check_examples(function: &ApiFunction, input: &Value) {
    for (name, example, reason) in bad_examples(input) {
        tracing::error!(
            function = function.name(),
            "the example {example} of argument `{name}` breaks its own schema: {reason}"
        );
    }
}

/// Each declared example of a top-level property that the property's schema
/// refuses: (property, example, why).
#[cfg(debug_assertions)]
fn bad_examples(input: &Value) -> Vec<(String, Value, String)> {
    let mut bad = Vec::new();
    let Some(Value::Object(properties)) = input.get("properties") else {
        return bad;
    };
    for (name, property) in properties {
        let Some(Value::Array(examples)) = property.get("examples") else {
            continue;
        };
        let mut alone = property.clone();
        if let (Value::Object(alone), Some(defs)) = (&mut alone, input.get("$defs")) {
            alone.insert("$defs".into(), defs.clone());
        }
        let check = Checker::for_output(alone);
        for example in examples {
            if let Some(violation) = check.check(example).into_iter().next() {
                bad.push((name.clone(), example.clone(), violation.reason));
            }
        }
    }
    bad
}

/// The bounds of each integer `format` schemars writes, as JSON numbers.
fn integer_bounds(format: &str) -> Option<(Value, Value)> {
    Some(match format {
        "int8" => (json!(i8::MIN), json!(i8::MAX)),
        "int16" => (json!(i16::MIN), json!(i16::MAX)),
        "int32" => (json!(i32::MIN), json!(i32::MAX)),
        "int64" | "int" => (json!(i64::MIN), json!(i64::MAX)),
        "uint8" => (json!(0), json!(u8::MAX)),
        "uint16" => (json!(0), json!(u16::MAX)),
        "uint32" => (json!(0), json!(u32::MAX)),
        "uint64" | "uint" => (json!(0), json!(u64::MAX)),
        _ => return None,
    })
}

/// Whether `key` of `object` (a schema before normalization) states only what
/// decoding into the Rust type checks anyway: the bounds of an integer type,
/// a non-standard `format` such as `uint8` or `double`.
fn implied(object: &Map<String, Value>, key: &str) -> bool {
    let format = object.get("format").and_then(Value::as_str).unwrap_or_default();
    match key {
        "format" => format != "ip" && !crate::format::STANDARD.contains(&format),
        "minimum" | "maximum" => integer_bounds(format).is_some_and(|(min, max)| {
            let bound = if key == "minimum" { min } else { max };
            object.get(key) == Some(&bound)
        }),
        _ => false,
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
    optional_without_null(schema);
}

/// Every optional property, at any depth, as a plain `T`: `null` is still
/// accepted for it (it means "not given"), but not advertised.
#[doc(hidden)]
pub fn optional_without_null(schema: &mut Value) {
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

/// Rules shared by input and output schemas, the OpenAPI document's
/// included: standard formats only, integer bounds, no type arrays, unit
/// enums as `"enum"`.
#[doc(hidden)]
pub fn normalize_common(schema: &mut Value) {
    if let Value::Object(root) = schema {
        root.remove("$schema");
        root.remove("title");
    }
    visit(schema, &mut |object| {
        formats(object);
        no_type_array(object);
        unit_enum(object);
    });
}

/// Standard formats only: integer formats become their type's bounds, `ip` a
/// choice of `ipv4` and `ipv6`, any other non-standard format is dropped.
fn formats(object: &mut Map<String, Value>) {
    let Some(Value::String(format)) = object.get("format") else {
        return;
    };
    if crate::format::STANDARD.contains(&format.as_str()) {
        return;
    }
    let format = format.clone();
    object.remove("format");
    if let Some((min, max)) = integer_bounds(&format) {
        object.entry("minimum").or_insert(min);
        object.entry("maximum").or_insert(max);
    } else if format == "ip" {
        let either = json!([{"format": "ipv4"}, {"format": "ipv6"}]);
        if object.contains_key("anyOf") {
            let existing = object.remove("anyOf").unwrap_or_default();
            object.insert("allOf".into(), json!([{"anyOf": existing}, {"anyOf": either}]));
        } else {
            object.insert("anyOf".into(), either);
        }
    }
}

/// Keywords that describe a schema rather than constrain its value: they stay
/// beside an `anyOf` made from a type array.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$comment",
];

/// `{"type": ["string", "null"], ...}` becomes `{"anyOf": [{"type": "string", ...}, {"type": "null"}]}`.
fn no_type_array(object: &mut Map<String, Value>) {
    let Some(Value::Array(types)) = object.get("type") else {
        return;
    };
    let has_null = types.iter().any(|t| t == "null");
    let others: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
    if !has_null {
        if let [only] = others.as_slice() {
            let only = only.clone();
            object.insert("type".into(), only);
        }
        return;
    }
    object.remove("type");
    let mut branch = Map::new();
    branch.insert(
        "type".into(),
        match others.as_slice() {
            [only] => only.clone(),
            _ => Value::Array(others.clone()),
        },
    );
    let moved: Vec<String> = object
        .keys()
        .filter(|k| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"))
        .cloned()
        .collect();
    for key in moved {
        if let Some(value) = object.remove(&key) {
            branch.insert(key, value);
        }
    }
    if let Some(Value::Array(values)) = branch.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    // `visit` goes on into the new branches, nested type arrays included.
    let mut branches = vec![Value::Object(branch)];
    if let Some(Value::Array(existing)) = object.remove("anyOf") {
        branches.extend(existing);
    }
    branches.push(json!({"type": "null"}));
    object.insert("anyOf".into(), Value::Array(branches));
}

/// A `oneOf` of string `const`s (schemars' form for documented unit
/// variants) becomes `"enum"`; the variants' descriptions are kept.
fn unit_enum(object: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = object.get("oneOf") else {
        return;
    };
    let mut values = Vec::new();
    let mut descriptions = Map::new();
    for branch in branches {
        let Value::Object(branch) = branch else { return };
        let Some(Value::String(value)) = branch.get("const") else {
            return;
        };
        let plain = branch
            .iter()
            .all(|(k, v)| k == "const" || k == "description" || (k == "type" && v == "string"));
        if !plain {
            return;
        }
        if let Some(Value::String(description)) = branch.get("description") {
            descriptions.insert(value.clone(), Value::String(description.clone()));
        }
        values.push(Value::String(value.clone()));
    }
    object.remove("oneOf");
    object.insert("type".into(), Value::String("string".into()));
    if !descriptions.is_empty() {
        let list: Vec<String> = descriptions
            .iter()
            .map(|(value, text)| format!("- `{value}`: {}", text.as_str().unwrap_or_default()))
            .collect();
        let text = match object.get("description").and_then(Value::as_str) {
            Some(own) => format!("{own}\n\n{}", list.join("\n")),
            None => list.join("\n"),
        };
        object.insert("description".into(), Value::String(text));
        object.insert("x-enumDescriptions".into(), Value::Object(descriptions));
    }
    object.insert("enum".into(), Value::Array(values));
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
        let Some(Value::Object(mut kept)) = branches.into_iter().find(|b| !is_null(b)) else {
            continue;
        };
        // The branch's keywords first (`type` leading), then the annotations beside it.
        for (k, v) in std::mem::take(object) {
            kept.entry(k).or_insert(v);
        }
        *object = kept;
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
                "c": {"type": ["string", "null"], "minLength": 1, "description": "c"},
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
                    "a": {"type": "integer", "minimum": i64::MIN, "maximum": i64::MAX},
                    "b": {"$ref": "#/$defs/T", "description": "d"},
                    "c": {"description": "c", "anyOf": [{"type": "string", "minLength": 1}, {"type": "null"}]},
                    "d": {"enum": ["x"], "type": "string"}
                },
                "required": ["c"]
            })
        );
    }

    #[test]
    fn no_type_arrays_in_results() {
        let mut schema = json!({"type": "object", "properties": {
            "pool": {"type": ["string", "null"]},
            "fees": {"type": ["integer", "null"], "format": "uint64", "minimum": 0, "description": "sats"},
            "either": {"type": ["string", "number"]}
        }});
        normalize_common(&mut schema);
        assert_eq!(
            schema["properties"],
            json!({
                "pool": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "fees": {"description": "sats", "anyOf": [{"type": "integer", "minimum": 0, "maximum": u64::MAX}, {"type": "null"}]},
                "either": {"type": ["string", "number"]}
            })
        );
    }

    #[test]
    fn unit_variants_are_an_enum() {
        let mut schema = json!({"description": "How fast.", "oneOf": [
            {"description": "Next block", "type": "string", "const": "high"},
            {"type": "string", "const": "low"}
        ]});
        normalize_common(&mut schema);
        assert_eq!(
            schema,
            json!({
                "description": "How fast.\n\n- `high`: Next block",
                "type": "string",
                "x-enumDescriptions": {"high": "Next block"},
                "enum": ["high", "low"]
            })
        );
        let mut mixed = json!({"oneOf": [{"type": "string", "const": "a"}, {"type": "object"}]});
        normalize_common(&mut mixed);
        assert!(mixed.get("oneOf").is_some());
    }

    #[test]
    fn examples_that_break_their_schema_are_found() {
        let input = json!({"type": "object", "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 33, "examples": [4, 40]},
            "bits": {"type": "string", "pattern": "^[0-9a-f]{8}$", "examples": ["17053894"]}
        }});
        assert_eq!(
            bad_examples(&input),
            [(
                "count".to_owned(),
                json!(40),
                "must be between 1 and 33, got 40".to_owned()
            )]
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
    fn standard_formats_only() {
        let mut schema = json!({
            "properties": {"format": {"type": "string", "format": "uuid"}, "ip": {"type": "string", "format": "ip"}, "x": {"type": "number", "format": "double"}},
            "default": {"format": "uint8"}, "type": "integer", "format": "uint8"
        });
        normalize_common(&mut schema);
        assert_eq!(
            schema,
            json!({
                "properties": {
                    "format": {"type": "string", "format": "uuid"},
                    "ip": {"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]},
                    "x": {"type": "number"}
                },
                "default": {"format": "uint8"}, "type": "integer", "minimum": 0, "maximum": 255
            })
        );
    }
}
