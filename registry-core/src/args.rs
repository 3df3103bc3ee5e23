//! Decoding arguments and encoding results, with errors that name the field.
//!
//! These are the non-generic halves of what generated code calls; the generic
//! wrappers in `__private` stay one line each.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{FieldError, describe_fields};
use crate::{ApiError, ErrorKind};

/// The arguments of one call, as [`Registry::invoke`](crate::Registry::invoke) takes them.
///
/// ```
/// use registry_core::Arguments;
/// use serde_json::json;
///
/// let parsed = Arguments::from(json!({"a": 1, "b": 2}));
/// let as_sent = Arguments::Json(br#"{"a": 1, "b": 2}"#.to_vec());
/// # let _ = (parsed, as_sent);
/// ```
#[derive(Clone, Debug)]
pub enum Arguments {
    /// A JSON object with one property per argument; `null` stands for none.
    Value(Value),
    /// The text of that object as it arrived (a request body, say), decoded
    /// once, straight into the function's parameters. Text that is not valid
    /// JSON is reported as invalid arguments; an adapter that answers
    /// malformed JSON differently tells the two apart itself (REST parses a
    /// body again only when its call failed). Unlike a parsed [`Value`], text
    /// keeps duplicate keys, and a duplicated argument is an error.
    Json(Vec<u8>),
}

impl Arguments {
    /// The arguments as a JSON value, parsing text (for a hook that records
    /// or inspects them); `None` when the text is not JSON. `null` stands for
    /// an empty object.
    ///
    /// ```
    /// use registry_core::Arguments;
    /// use serde_json::json;
    ///
    /// assert_eq!(Arguments::Json(br#"{"a": 1}"#.to_vec()).to_value(), Some(json!({"a": 1})));
    /// assert_eq!(Arguments::from(json!(null)).to_value(), Some(json!({})));
    /// assert_eq!(Arguments::Json(b"{".to_vec()).to_value(), None);
    /// ```
    pub fn to_value(&self) -> Option<Value> {
        let value = match self {
            Arguments::Value(value) => value.clone(),
            Arguments::Json(text) => serde_json::from_slice(text).ok()?,
        };
        Some(match value {
            Value::Null => Value::Object(serde_json::Map::new()),
            other => other,
        })
    }
}

impl From<Value> for Arguments {
    fn from(value: Value) -> Self {
        Arguments::Value(value)
    }
}

/// What a sensitive argument's value is replaced with in logs and audit events.
pub(crate) const REDACTED: &str = "[redacted]";

/// `args` as compact JSON with the value of every top-level property named in
/// `sensitive` replaced by `"[redacted]"`. Text that is not a JSON object is
/// shown as it is only when nothing is sensitive (it cannot be redacted),
/// else replaced whole.
pub(crate) fn redacted(args: &Arguments, sensitive: &[&str]) -> String {
    let value = match args {
        Arguments::Value(value) if sensitive.is_empty() => return value.to_string(),
        Arguments::Value(value) => value.clone(),
        Arguments::Json(text) => match serde_json::from_slice::<Value>(text) {
            Ok(value) => value,
            Err(_) if sensitive.is_empty() => return String::from_utf8_lossy(text).into_owned(),
            Err(_) => return format!("\"{REDACTED}\""),
        },
    };
    match value {
        Value::Object(mut map) => {
            for name in sensitive {
                if let Some(slot) = map.get_mut(*name) {
                    *slot = Value::String(REDACTED.to_owned());
                }
            }
            Value::Object(map).to_string()
        }
        other if sensitive.is_empty() => other.to_string(),
        _ => format!("\"{REDACTED}\""),
    }
}

/// Decodes the arguments into the generated argument struct.
pub(crate) fn decode<T: DeserializeOwned>(args: Arguments) -> Result<T, ApiError> {
    match args {
        Arguments::Value(value) => decode_value(value),
        Arguments::Json(text) if text.trim_ascii_start().starts_with(b"{") => decode_text(&text),
        // `null`, arrays, scalars and broken text: parsed, for the same errors as values.
        Arguments::Json(text) => match serde_json::from_slice(&text) {
            Ok(value) => decode_value(value),
            Err(err) => Err(not_json(&err)),
        },
    }
}

/// Errors are rare, so a value is decoded without tracking where the
/// decoder is; only a failed decode runs again with the path recorded
/// (`serde_path_to_error` copies every key it passes).
fn decode_value<T: DeserializeOwned>(args: Value) -> Result<T, ApiError> {
    let args = match args {
        Value::Object(_) => args,
        Value::Null => return decode_value(Value::Object(serde_json::Map::new())),
        other => return Err(not_an_object(&other)),
    };
    T::deserialize(&args).or_else(|_| {
        // JSON Schema's `integer` includes `2.0`; serde's integers do not.
        if let Some(whole) = integral_floats_as_integers(&args)
            && let Ok(decoded) = T::deserialize(&whole)
        {
            return Ok(decoded);
        }
        serde_path_to_error::deserialize(args).map_err(|err| {
            let path = dotted(err.path());
            field_error(&path, &err.into_inner().to_string())
        })
    })
}

fn decode_text<T: DeserializeOwned>(text: &[u8]) -> Result<T, ApiError> {
    if let Ok(args) = serde_json::from_slice(text) {
        return Ok(args);
    }
    // `2.0` for an integer: the value with whole numbers written as integers.
    if let Ok(value) = serde_json::from_slice::<Value>(text)
        && let Some(whole) = integral_floats_as_integers(&value)
        && let Ok(decoded) = T::deserialize(&whole)
    {
        return Ok(decoded);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let args = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        if err.inner().is_data() {
            field_error(&dotted(err.path()), &without_position(err.inner()))
        } else {
            not_json(err.inner())
        }
    })?;
    deserializer.end().map_err(|err| not_json(&err))?;
    Ok(args)
}

/// `value` with every float that is a whole number (`2.0`, `-3e2`) written
/// as an integer, or `None` when it has none. An argument of a float type
/// takes an integer as well, so only integer arguments see a difference.
fn integral_floats_as_integers(value: &Value) -> Option<Value> {
    fn convert(value: &Value, changed: &mut bool) -> Value {
        match value {
            Value::Number(n) if n.is_f64() => {
                let f = n.as_f64().unwrap_or(f64::NAN);
                if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                    *changed = true;
                    Value::from(f as i64)
                } else if f.fract() == 0.0 && f >= 0.0 && f < u64::MAX as f64 {
                    *changed = true;
                    Value::from(f as u64)
                } else {
                    value.clone()
                }
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| convert(v, changed)).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), convert(v, changed))).collect()),
            other => other.clone(),
        }
    }
    let mut changed = false;
    let converted = convert(value, &mut changed);
    changed.then_some(converted)
}

fn not_json(err: &serde_json::Error) -> ApiError {
    field_error("", &format!("not valid JSON: {}", without_position(err)))
}

/// serde_json's message without its ` at line 1 column 9` suffix, which
/// would differ between a parsed value and its text.
fn without_position(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    match message.strip_suffix(&suffix) {
        Some(bare) => bare.to_owned(),
        None => message,
    }
}

fn not_an_object(value: &Value) -> ApiError {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let fields = [FieldError {
        field: String::new(),
        reason: format!("arguments must be a JSON object with one property per argument, found {found}"),
    }];
    invalid(fields.to_vec())
}

pub(crate) fn invalid(fields: Vec<FieldError>) -> ApiError {
    let mut error = ApiError::new(ErrorKind::InvalidArguments, describe_fields(&fields));
    error.set_fields(fields);
    error
}

/// `point.x`, `items.0`; empty for the root.
fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    segments.join(".")
}

/// Turns serde's message at `path` into a field and a reason.
pub(crate) fn field_error(parent: &str, message: &str) -> ApiError {
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    let (field, reason) = if let Some(name) = between(message, "missing field `", "`") {
        (join(name), "required field is missing".to_owned())
    } else if let Some(name) = between(message, "unknown field `", "`") {
        let rest = message.split_once("`, ").map(|(_, rest)| rest).unwrap_or("");
        let reason = if rest.starts_with("there are no fields") {
            "unknown field; this function takes no arguments".to_owned()
        } else if rest.is_empty() {
            "unknown field".to_owned()
        } else {
            format!("unknown field; {rest}")
        };
        // The path already ends at the unknown key.
        let at_key = parent == name || parent.ends_with(&format!(".{name}"));
        (if at_key { parent.to_owned() } else { join(name) }, reason)
    } else if let Some(rest) = message.strip_prefix("invalid type: ") {
        (parent.to_owned(), swap_expected(rest))
    } else if let Some(rest) = message.strip_prefix("invalid value: ") {
        (parent.to_owned(), swap_expected(rest))
    } else if let Some(rest) = message.strip_prefix("invalid length ") {
        (parent.to_owned(), format!("invalid length {rest}"))
    } else {
        (parent.to_owned(), message.to_owned())
    };
    invalid(vec![FieldError { field, reason }])
}

/// `string "x", expected i64` becomes `expected i64, found string "x"`.
fn swap_expected(rest: &str) -> String {
    match rest.rsplit_once(", expected ") {
        Some((found, expected)) => format!("expected {expected}, found {found}"),
        None => rest.to_owned(),
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = text.find(start)? + start.len();
    let len = text[from..].find(end)?;
    Some(&text[from..from + len])
}

/// Serializes a result value; a non-finite float in it is an internal
/// error naming where it was, not a `null` that breaks the output schema.
pub(crate) fn encode<T: serde::Serialize + ?Sized>(value: &T) -> Result<Value, ApiError> {
    crate::finite::to_value(value)
        .map_err(|err| ApiError::internal(format_args!("the function's result could not be serialized: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Args {
        a: i64,
        point: Point,
        list: Vec<u8>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Point {
        x: f64,
    }

    /// The field errors for `value`, the same whether it arrives parsed or as text.
    fn fields(value: Value) -> Vec<(String, String)> {
        let [parsed, text] = [
            Arguments::Value(value.clone()),
            Arguments::Json(value.to_string().into_bytes()),
        ]
        .map(|args| {
            let err = decode::<Args>(args).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArguments);
            err.fields()
                .iter()
                .map(|f| (f.field.clone(), f.reason.clone()))
                .collect::<Vec<_>>()
        });
        assert_eq!(parsed, text, "{value}");
        parsed
    }

    #[test]
    fn names_the_field() {
        let ok = json!({"a": 1, "point": {"x": 1.0}, "list": [1]});
        assert!(decode::<Args>(ok.clone().into()).is_ok());
        assert!(decode::<Args>(Arguments::Json(ok.to_string().into_bytes())).is_ok());
        assert_eq!(
            fields(json!({"a": "x", "point": {"x": 1.0}, "list": []})),
            [("a".into(), "expected i64, found string \"x\"".into())]
        );
        assert_eq!(
            fields(json!({"a": 1, "list": []})),
            [("point".into(), "required field is missing".into())]
        );
        assert_eq!(
            fields(json!({"a": 1, "point": {}, "list": []})),
            [("point.x".into(), "required field is missing".into())]
        );
        assert_eq!(
            fields(json!({"a": 1, "point": {"x": 1}, "list": [300]})),
            [("list.0".into(), "expected u8, found integer `300`".into())]
        );
        // A whole number written with a fraction is an integer, as JSON Schema says.
        let whole = json!({"a": 2.0, "point": {"x": 1.5}, "list": [1e2]});
        assert!(decode::<Args>(whole.clone().into()).is_ok());
        assert!(decode::<Args>(Arguments::Json(whole.to_string().into_bytes())).is_ok());
        assert_eq!(
            fields(json!({"a": 2.5, "point": {"x": 1}, "list": []})),
            [("a".into(), "expected i64, found floating point `2.5`".into())]
        );
        let unknown = fields(json!({"a": 1, "point": {"x": 1}, "list": [], "b": 2}));
        assert_eq!(unknown[0].0, "b");
        assert!(
            unknown[0].1.starts_with("unknown field; expected one of"),
            "{unknown:?}"
        );
    }

    #[test]
    fn rejects_non_objects() {
        for args in [json!([1, 2]).into(), Arguments::Json(b" [1, 2]".to_vec())] {
            let err = decode::<Args>(args).unwrap_err();
            assert_eq!(err.fields()[0].field, "");
            assert!(err.message().contains("must be a JSON object"), "{}", err.message());
        }
    }

    #[test]
    fn text_is_checked_to_the_end() {
        for text in [
            &b"{\"a\": 1"[..],
            b"{\"a\": 1, \"point\": {\"x\": 1}, \"list\": []} x",
            b"nonsense",
        ] {
            let err = decode::<Args>(Arguments::Json(text.to_vec())).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArguments);
            assert!(err.message().contains("not valid JSON"), "{}", err.message());
            assert!(!err.message().contains(" at line "), "{}", err.message());
        }
        let twice = decode::<Args>(Arguments::Json(
            br#"{"a": 1, "a": 2, "point": {"x": 1}, "list": []}"#.to_vec(),
        ));
        assert_eq!(twice.unwrap_err().fields()[0].reason, "duplicate field `a`");
    }
}
