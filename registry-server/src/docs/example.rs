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
    // A declared example first (`#[arg(example = ...)]`): it is written to be valid.
    if let Some(Value::Array(examples)) = object.get("examples")
        && let Some(first) = examples.first()
    {
        return first.clone();
    }
    if let Some(value) = object.get("default") {
        return value.clone();
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
        Some("integer") => integer(object),
        Some("number") => number(object),
        Some("boolean") => json!(true),
        Some("null") => Value::Null,
        Some("string") => json!(match object.get("format").and_then(Value::as_str) {
            Some("date-time") => "2026-01-01T12:00:00Z",
            Some("date") => "2026-01-01",
            Some("time") => "12:00:00",
            Some("email") => "someone@example.com",
            Some("uuid") => "123e4567-e89b-12d3-a456-426614174000",
            Some("uri") => "https://example.com",
            _ => return string(object),
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

/// An integer inside the declared bounds, a multiple of `multipleOf`: 1 when allowed.
fn integer(object: &Map<String, Value>) -> Value {
    let bound = |key: &str| object.get(key).and_then(Value::as_f64);
    let mut low = bound("minimum")
        .unwrap_or(f64::MIN)
        .max(bound("exclusiveMinimum").map_or(f64::MIN, |b| b.floor() + 1.0));
    let high = bound("maximum")
        .unwrap_or(f64::MAX)
        .min(bound("exclusiveMaximum").map_or(f64::MAX, |b| b.ceil() - 1.0));
    if low <= 1.0 && 1.0 <= high {
        low = 1.0;
    }
    let step = bound("multipleOf").filter(|s| *s >= 1.0).unwrap_or(1.0);
    let value = (low / step).ceil() * step;
    match (value <= high, object.get("minimum")) {
        (false, Some(min)) => min.clone(),
        _ if value >= 0.0 && value < u64::MAX as f64 => json!(value as u64),
        _ => json!(value as i64),
    }
}

/// A number inside the declared bounds: 1.5 when allowed.
fn number(object: &Map<String, Value>) -> Value {
    let bound = |key: &str| object.get(key).and_then(Value::as_f64);
    if let Some(step) = bound("multipleOf") {
        let low = bound("minimum").or(bound("exclusiveMinimum")).unwrap_or(0.0);
        let mut value = (low / step).ceil() * step;
        if bound("exclusiveMinimum").is_some_and(|b| value <= b) {
            value += step;
        }
        return json!(value);
    }
    let low = bound("minimum").or(bound("exclusiveMinimum"));
    let high = bound("maximum").or(bound("exclusiveMaximum"));
    let allowed = |x: f64| {
        bound("minimum").is_none_or(|b| x >= b)
            && bound("maximum").is_none_or(|b| x <= b)
            && bound("exclusiveMinimum").is_none_or(|b| x > b)
            && bound("exclusiveMaximum").is_none_or(|b| x < b)
    };
    let value = match (low, high) {
        _ if allowed(1.5) => 1.5,
        (Some(low), Some(high)) => low + (high - low) / 2.0,
        (Some(low), None) => low.abs().max(1.0) + low,
        (None, Some(high)) => high - high.abs().max(1.0),
        (None, None) => 1.5,
    };
    json!(value)
}

/// `"example"`, padded or cut to the declared length.
fn string(object: &Map<String, Value>) -> Value {
    let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = object
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |m| m as usize);
    let mut text = String::from("example");
    while text.len() < min {
        text.push('x');
    }
    text.truncate(max.max(min));
    Value::String(text)
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

    #[test]
    fn examples_keep_the_declared_constraints() {
        let input = json!({
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 5, "maximum": 33},
                "step": {"type": "integer", "minimum": 1, "multipleOf": 5},
                "below": {"type": "integer", "maximum": -3},
                "ratio": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                "big": {"type": "number", "minimum": 10, "maximum": 20},
                "fine": {"type": "number", "minimum": 0.25, "multipleOf": 0.5},
                "code": {"type": "string", "minLength": 2, "maxLength": 3},
                "long": {"type": "string", "minLength": 10},
                "bits": {"type": "string", "pattern": "^[0-9a-f]{8}$", "examples": ["17053894"]}
            },
            "required": ["count", "step", "below", "ratio", "big", "fine", "code", "long", "bits"]
        });
        let args = Value::Object(arguments(&input));
        assert_eq!(registry_core::__private::schema_violations(&input, &args), [], "{args}");
        assert_eq!(args["bits"], "17053894");
    }
}
