//! Example values built from a normalized JSON Schema, for prefilled forms,
//! `curl` lines and MCP requests.

use serde_json::{Map, Value, json};

/// An example value `schema` accepts. `root` resolves `#/$defs/...` references.
pub(crate) fn example(schema: &Value, root: &Value) -> Value {
    build(schema, root, 0)
}

/// The arguments object a caller would send: every required argument.
pub(crate) fn arguments(input: &Value) -> Map<String, Value> {
    let required = required(input);
    let mut args = Map::new();
    if let Some(Value::Object(properties)) = input.get("properties") {
        for (name, schema) in properties {
            if required.contains(&name.as_str()) {
                args.insert(name.clone(), example(schema, input));
            }
        }
    }
    args
}

/// The `required` list of an object schema.
pub(crate) fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn build(schema: &Value, root: &Value, depth: usize) -> Value {
    let Value::Object(object) = schema else {
        return Value::Null;
    };
    if depth > 8 {
        return Value::Null;
    }
    if let Some(value) = object.get("default") {
        return value.clone();
    }
    if let Some(Value::Array(examples)) = object.get("examples")
        && let Some(first) = examples.first()
    {
        return first.clone();
    }
    if let Some(value) = object.get("const") {
        return value.clone();
    }
    if let Some(Value::Array(values)) = object.get("enum")
        && let Some(first) = values.iter().find(|v| !v.is_null())
    {
        return first.clone();
    }
    if let Some(Value::String(reference)) = object.get("$ref") {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer))
            .unwrap_or(&Value::Null);
        return build(target, root, depth + 1);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = object.get(key)
            && let Some(branch) = branches
                .iter()
                .find(|b| b.get("type").and_then(Value::as_str) != Some("null"))
        {
            let mut value = build(branch, root, depth + 1);
            // Sibling properties (a tag next to the branches) still apply.
            if let (Value::Object(value), Some(Value::Object(properties))) = (&mut value, object.get("properties")) {
                for (name, schema) in properties {
                    value
                        .entry(name.clone())
                        .or_insert_with(|| build(schema, root, depth + 1));
                }
            }
            return value;
        }
    }
    if let Some(Value::Array(parts)) = object.get("allOf") {
        let mut merged = Map::new();
        for part in parts {
            match build(part, root, depth + 1) {
                Value::Object(fields) => merged.extend(fields),
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    match primary_type(object) {
        Some("integer") => {
            let min = object.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            json!(min.max(1))
        }
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        Some("string") => json!(match object.get("format").and_then(Value::as_str) {
            Some("date-time") => "2026-01-01T12:00:00Z",
            Some("date") => "2026-01-01",
            Some("time") => "12:00:00",
            Some("email") => "someone@example.com",
            Some("uuid") => "123e4567-e89b-12d3-a456-426614174000",
            Some("uri") => "https://example.com",
            _ => "example",
        }),
        Some("array") => match object.get("items") {
            Some(items) => json!([build(items, root, depth + 1)]),
            None => json!([]),
        },
        Some("object") | None => {
            let required = required(schema);
            let mut fields = Map::new();
            if let Some(Value::Object(properties)) = object.get("properties") {
                for (name, property) in properties {
                    if required.contains(&name.as_str()) {
                        fields.insert(name.clone(), build(property, root, depth + 1));
                    }
                }
            }
            Value::Object(fields)
        }
        Some(_) => Value::Null,
    }
}

/// The first non-null `type`.
pub(crate) fn primary_type(object: &Map<String, Value>) -> Option<&str> {
    match object.get("type")? {
        Value::String(name) => Some(name.as_str()),
        Value::Array(names) => names.iter().filter_map(Value::as_str).find(|n| *n != "null"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_the_schema() {
        let input = json!({
            "type": "object",
            "properties": {
                "a": {"type": "integer"},
                "shape": {"oneOf": [
                    {"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}}, "required": ["kind", "r"]},
                    {"type": "object", "properties": {"kind": {"const": "rect"}}, "required": ["kind"]}
                ]},
                "limit": {"type": "integer", "default": 3},
                "tags": {"type": "array", "items": {"type": "string"}},
                "tree": {"$ref": "#/$defs/Tree"}
            },
            "required": ["a", "shape", "tags", "tree"],
            "$defs": {"Tree": {"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}}
        });
        assert_eq!(
            Value::Object(arguments(&input)),
            json!({"a": 1, "shape": {"kind": "circle", "r": 1.5}, "tags": ["example"], "tree": {"label": "example"}})
        );
    }
}
