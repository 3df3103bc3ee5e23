//! Typed query-string and path arguments: each text value becomes the JSON
//! value the function's input schema asks for.
//!
//! A query argument is a scalar (`integer`, `number`, `boolean`, `string`,
//! an enum of those, or a union of them) or an array of scalars given as
//! repeated keys (`?tags=a&tags=b`). Anything else cannot travel in a query
//! string, and the server refuses to start rather than guess.

use serde_json::{Map, Number, Value};

use crate::problem::FieldProblem;

/// A JSON type a query or path value may be read as, in the order tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scalar {
    Integer,
    Number,
    Boolean,
    String,
    /// Any JSON (an untyped argument such as `serde_json::Value`): parsed as JSON, else a string.
    Any,
}

impl Scalar {
    fn describe(self) -> &'static str {
        match self {
            Scalar::Integer => "an integer",
            Scalar::Number => "a number",
            Scalar::Boolean => "`true` or `false`",
            Scalar::String => "a string",
            Scalar::Any => "a JSON value",
        }
    }
}

/// How one argument is read from text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// One value of one of these types.
    One(Vec<Scalar>),
    /// Zero or more values (repeated keys), each of one of these types.
    Many(Vec<Scalar>),
}

/// How the argument whose property schema is `schema` can come from a query
/// string, or `None` when it cannot (objects, nested arrays, recursive types).
pub(crate) fn classify(schema: &Value) -> Option<ArgKind> {
    if let Some(scalars) = scalars(schema) {
        return Some(ArgKind::One(scalars));
    }
    let object = schema.as_object()?;
    let types = type_names(object.get("type")?);
    if types.iter().filter(|t| **t != "null").copied().collect::<Vec<&str>>() != ["array"] {
        return None;
    }
    let items = object.get("items").map_or(Some(vec![Scalar::Any]), scalars)?;
    Some(ArgKind::Many(items))
}

fn type_names(value: &Value) -> Vec<&str> {
    match value {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The scalar types a schema accepts, or `None` if it accepts a non-scalar.
fn scalars(schema: &Value) -> Option<Vec<Scalar>> {
    let object = match schema {
        Value::Bool(true) => return Some(vec![Scalar::Any]),
        Value::Object(object) => object,
        _ => return None,
    };
    let mut found = Vec::new();
    if let Some(types) = object.get("type") {
        for name in type_names(types) {
            match name {
                "integer" => found.push(Scalar::Integer),
                "number" => found.push(Scalar::Number),
                "boolean" => found.push(Scalar::Boolean),
                "string" => found.push(Scalar::String),
                "null" => {}
                _ => return None,
            }
        }
    } else if let Some(values) = object.get("enum").and_then(Value::as_array) {
        for value in values {
            found.push(scalar_of(value)?);
        }
    } else if let Some(value) = object.get("const") {
        found.push(scalar_of(value)?);
    } else if let Some(branches) = ["anyOf", "oneOf", "allOf"]
        .iter()
        .find_map(|k| object.get(*k).and_then(Value::as_array))
    {
        for branch in branches {
            if branch.get("type").and_then(Value::as_str) == Some("null") {
                continue;
            }
            found.extend(scalars(branch)?);
        }
    } else if object.contains_key("$ref") || object.contains_key("properties") || object.contains_key("items") {
        return None;
    } else {
        found.push(Scalar::Any);
    }
    found.sort();
    found.dedup();
    (!found.is_empty()).then_some(found)
}

fn scalar_of(value: &Value) -> Option<Scalar> {
    match value {
        Value::Number(n) if n.is_f64() => Some(Scalar::Number),
        Value::Number(_) => Some(Scalar::Integer),
        Value::Bool(_) => Some(Scalar::Boolean),
        Value::String(_) => Some(Scalar::String),
        _ => None,
    }
}

/// Reads `text` as the first of `types` it parses as.
pub(crate) fn coerce(text: &str, types: &[Scalar]) -> Result<Value, String> {
    for scalar in types {
        let parsed = match scalar {
            Scalar::Integer => integer(text),
            Scalar::Number => text
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number)
                .filter(|_| !text.is_empty()),
            Scalar::Boolean => match text {
                "true" => Some(Value::Bool(true)),
                "false" => Some(Value::Bool(false)),
                _ => None,
            },
            Scalar::String => Some(Value::String(text.to_owned())),
            Scalar::Any => Some(serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))),
        };
        if let Some(value) = parsed {
            return Ok(value);
        }
    }
    let expected: Vec<&str> = types.iter().map(|s| s.describe()).collect();
    Err(format!("expected {}, found {text:?}", expected.join(" or ")))
}

fn integer(text: &str) -> Option<Value> {
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    if let Ok(n) = text.parse::<u64>() {
        return Some(Value::from(n));
    }
    // `2.0` and `1e3` are integers to JSON Schema, as in a body.
    let float = text.parse::<f64>().ok().filter(|f| f.is_finite() && f.fract() == 0.0)?;
    if float >= i64::MIN as f64 && float < i64::MAX as f64 {
        Some(Value::from(float as i64))
    } else if float >= 0.0 && float < u64::MAX as f64 {
        Some(Value::from(float as u64))
    } else {
        None
    }
}

/// Decodes a query string into an arguments object.
///
/// Known arguments are coerced with `kind_of`; unknown keys are passed on as
/// strings so the call reports them as unknown fields, exactly as a JSON body would.
pub(crate) fn decode_query<'a>(
    query: &str,
    kind_of: impl Fn(&str) -> Option<&'a ArgKind>,
    args: &mut Map<String, Value>,
    errors: &mut Vec<FieldProblem>,
) {
    for (key, text) in form_urlencoded::parse(query.as_bytes()) {
        let key = key.as_ref();
        match kind_of(key) {
            Some(ArgKind::Many(types)) => {
                let value = coerce(&text, types);
                let slot = args.entry(key.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
                let Value::Array(items) = slot else { continue };
                match value {
                    Ok(value) => items.push(value),
                    Err(reason) => errors.push(field(&format!("{key}.{}", items.len()), reason)),
                }
            }
            Some(ArgKind::One(types)) => {
                if args.contains_key(key) {
                    errors.push(field(
                        key,
                        "given more than once; this argument takes one value".to_owned(),
                    ));
                    continue;
                }
                match coerce(&text, types) {
                    Ok(value) => {
                        args.insert(key.to_owned(), value);
                    }
                    Err(reason) => errors.push(field(key, reason)),
                }
            }
            None => {
                args.insert(key.to_owned(), Value::String(text.into_owned()));
            }
        }
    }
}

/// A field problem for `dotted`.
pub(crate) fn field(dotted: &str, reason: String) -> FieldProblem {
    FieldProblem {
        field: dotted.to_owned(),
        pointer: crate::problem::pointer(dotted),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_schemas() {
        use Scalar::*;
        assert_eq!(classify(&json!({"type": "integer"})), Some(ArgKind::One(vec![Integer])));
        assert_eq!(
            classify(&json!({"type": ["boolean", "null"]})),
            Some(ArgKind::One(vec![Boolean]))
        );
        assert_eq!(classify(&json!({"enum": ["a", "b"]})), Some(ArgKind::One(vec![String])));
        assert_eq!(
            classify(&json!({"type": "array", "items": {"type": "string"}})),
            Some(ArgKind::Many(vec![String]))
        );
        assert_eq!(
            classify(&json!({"anyOf": [{"type": "integer"}, {"type": "string"}]})),
            Some(ArgKind::One(vec![Integer, String]))
        );
        assert_eq!(classify(&json!({})), Some(ArgKind::One(vec![Any])));
        assert_eq!(classify(&json!({"type": "object", "properties": {}})), None);
        assert_eq!(classify(&json!({"type": "array", "items": {"type": "array"}})), None);
        assert_eq!(classify(&json!({"oneOf": [{"type": "object"}]})), None);
    }

    #[test]
    fn coerces_text() {
        use Scalar::*;
        assert_eq!(coerce("42", &[Integer]), Ok(json!(42)));
        assert_eq!(coerce("18446744073709551615", &[Integer]), Ok(json!(u64::MAX)));
        assert_eq!(coerce("2.0", &[Integer]), Ok(json!(2)));
        assert!(coerce("2.5", &[Integer]).is_err());
        assert_eq!(coerce("1.5", &[Number]), Ok(json!(1.5)));
        assert_eq!(coerce("true", &[Boolean]), Ok(json!(true)));
        assert_eq!(coerce("7", &[Integer, String]), Ok(json!(7)));
        assert_eq!(coerce("x", &[Integer, String]), Ok(json!("x")));
        assert_eq!(
            coerce("x", &[Integer]),
            Err("expected an integer, found \"x\"".to_owned())
        );
        assert!(coerce("", &[Number]).is_err());
        assert!(coerce("NaN", &[Number]).is_err());
        assert!(coerce("yes", &[Boolean]).is_err());
    }

    #[test]
    fn decodes_queries() {
        let kinds = [
            ("limit", ArgKind::One(vec![Scalar::Integer])),
            ("tags", ArgKind::Many(vec![Scalar::String])),
        ];
        let kind_of = |k: &str| kinds.iter().find(|(n, _)| *n == k).map(|(_, kind)| kind);
        let mut args = Map::new();
        let mut errors = Vec::new();
        decode_query("limit=2&tags=a&tags=b%20c&other=x", kind_of, &mut args, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            Value::Object(args),
            json!({"limit": 2, "tags": ["a", "b c"], "other": "x"})
        );
        let mut args = Map::new();
        decode_query("limit=x&tags=a&limit=3&limit=4", kind_of, &mut args, &mut errors);
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].pointer, "/limit");
    }
}
