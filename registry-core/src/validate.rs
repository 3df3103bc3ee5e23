//! Checking a JSON value against the schemas the registry publishes.
//!
//! What a function's input schema declares is what the framework enforces:
//! before a function runs, its arguments are checked against the very schema
//! `tools/list` and the OpenAPI document show, so a constraint cannot be
//! shown and not checked, or checked and not shown. The same check runs on
//! results in debug builds, so a function that breaks its own output schema
//! fails its tests.
//!
//! This is a JSON Schema 2020-12 validator for every assertion keyword
//! (`type`, `enum`, `const`, the numeric, string, array and object bounds,
//! `pattern`, the standard `format`s, `required`, `dependentRequired`) and
//! applicator (`properties`, `patternProperties`, `additionalProperties`,
//! `items`, `prefixItems`, `contains`, `propertyNames`, `allOf`, `anyOf`,
//! `oneOf`, `not`, `if`/`then`/`else`, `dependentSchemas`, local `$ref`);
//! `unevaluated*` are not enforced (schemars emits them only for flattened
//! types, which serde already checks). Hand-written rather than the
//! `jsonschema` crate: that crate adds about 40 dependencies to every cold
//! build, while the registry's schemas are its own, self-contained and small.
//!
//! Regular expressions are compiled once, when the schema is built
//! ([`Checker::new`]).

use std::collections::HashMap;

use regex::Regex;
use serde_json::{Map, Value};

use crate::error::FieldError;

/// A schema ready to check values against: its root (for `$ref`s) and every
/// `pattern` in it, compiled.
#[derive(Clone, Debug)]
pub(crate) struct Checker {
    root: Value,
    patterns: HashMap<String, Result<Regex, String>>,
    /// Whether `null` for an optional property means "not given" (arguments:
    /// serde decodes it as `None`), rather than a value to check (results).
    null_is_absent: bool,
}

/// One way a value breaks the schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Violation {
    /// Dotted path to the value (`point.x`, `items.0`); empty for the root.
    pub(crate) field: String,
    /// Why, such as "must be at least 1, got 0".
    pub(crate) reason: String,
    /// Whether serde enforces the broken rule too (a type, a required or an
    /// unknown property, an enum value): decoding reports those in its own words.
    pub(crate) structural: bool,
}

impl From<Violation> for FieldError {
    fn from(violation: Violation) -> FieldError {
        FieldError {
            field: violation.field,
            reason: violation.reason,
        }
    }
}

/// Keywords whose presence makes a check worth running: every assertion
/// serde does not make by itself.
const CONSTRAINTS: &[&str] = &[
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minItems",
    "maxItems",
    "uniqueItems",
    "contains",
    "minProperties",
    "maxProperties",
    "propertyNames",
    "patternProperties",
    "dependentRequired",
    "dependentSchemas",
    "not",
    "if",
];

impl Checker {
    /// A check of arguments against the input schema `schema`.
    pub(crate) fn for_input(schema: Value) -> Checker {
        Checker::new(schema, true)
    }

    /// A check of results against the output schema `schema`.
    pub(crate) fn for_output(schema: Value) -> Checker {
        Checker::new(schema, false)
    }

    /// Compiles `schema`'s patterns.
    fn new(schema: Value, null_is_absent: bool) -> Checker {
        let mut patterns = HashMap::new();
        collect_patterns(&schema, &mut patterns);
        Checker {
            root: schema,
            patterns,
            null_is_absent,
        }
    }

    /// Whether `schema` declares anything beyond what decoding into the Rust
    /// types checks. `implied` says which numeric bounds come from a Rust
    /// integer type (serde checks those).
    pub(crate) fn is_needed(schema: &Value, implied: &dyn Fn(&Map<String, Value>, &str) -> bool) -> bool {
        let mut needed = false;
        let mut copy = schema.clone();
        crate::schema::visit(&mut copy, &mut |object| {
            needed |= object
                .keys()
                .any(|key| CONSTRAINTS.contains(&key.as_str()) && !implied(object, key));
        });
        needed
    }

    /// Every violation of the schema by `value`.
    pub(crate) fn check(&self, value: &Value) -> Vec<Violation> {
        let mut out = Vec::new();
        let mut path = Vec::new();
        self.validate(&self.root, value, &mut path, &mut out, 0);
        out
    }

    fn validate(&self, schema: &Value, value: &Value, path: &mut Vec<String>, out: &mut Vec<Violation>, depth: usize) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                push(out, path, true, "no value is allowed here".to_owned());
                return;
            }
            Value::Object(schema) => schema,
            _ => return,
        };
        // Recursion follows the value, which the body reader bounds in depth;
        // this guards against a schema that refers to itself without consuming any.
        if depth > 256 {
            push(out, path, false, "the schema nests too deeply to check".to_owned());
            return;
        }
        if let Some(Value::String(reference)) = schema.get("$ref") {
            match self.resolve(reference) {
                Some(target) => self.validate(target, value, path, out, depth + 1),
                None => push(
                    out,
                    path,
                    false,
                    format!("the schema refers to `{reference}`, which it does not define"),
                ),
            }
        }
        if let Some(expected) = schema.get("type")
            && !type_matches(expected, value)
        {
            push(
                out,
                path,
                true,
                format!("expected {}, found {}", describe_type(expected), found(value)),
            );
            // The other keywords would only repeat the mismatch.
            return;
        }
        if let Some(Value::Array(allowed)) = schema.get("enum")
            && !allowed.iter().any(|candidate| equal(candidate, value))
        {
            let list: Vec<String> = allowed.iter().map(Value::to_string).collect();
            push(
                out,
                path,
                true,
                format!("expected one of {}, found {value}", list.join(", ")),
            );
        }
        if let Some(constant) = schema.get("const")
            && !equal(constant, value)
        {
            push(out, path, true, format!("expected {constant}, found {value}"));
        }
        match value {
            Value::Number(_) => number(schema, value, path, out),
            Value::String(text) => self.string(schema, text, path, out),
            Value::Array(items) => self.array(schema, items, path, out, depth),
            Value::Object(object) => self.object(schema, object, path, out, depth),
            _ => {}
        }
        self.combinators(schema, value, path, out, depth);
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        let pointer = reference.strip_prefix('#')?;
        if pointer.is_empty() {
            return Some(&self.root);
        }
        self.root.pointer(pointer)
    }

    fn string(&self, schema: &Map<String, Value>, text: &str, path: &[String], out: &mut Vec<Violation>) {
        let length = text.chars().count() as u64;
        let min = schema.get("minLength").and_then(Value::as_u64);
        let max = schema.get("maxLength").and_then(Value::as_u64);
        let too_short = min.is_some_and(|min| length < min);
        let too_long = max.is_some_and(|max| length > max);
        if too_short || too_long {
            let bound = match (min, max) {
                (Some(min), Some(max)) if min == max => format!("exactly {min} characters long"),
                (Some(min), Some(max)) => format!("between {min} and {max} characters long"),
                (Some(min), None) => format!("at least {min} {} long", plural(min, "character")),
                (_, Some(max)) => format!("at most {max} {} long", plural(max, "character")),
                (None, None) => unreachable!("a bound was broken"),
            };
            push(out, path, false, format!("must be {bound}, got {length}"));
        }
        if let Some(Value::String(pattern)) = schema.get("pattern") {
            match self.patterns.get(pattern) {
                Some(Ok(regex)) if !regex.is_match(text) => {
                    push(out, path, false, format!("must match the pattern `{pattern}`"));
                }
                Some(Err(err)) => push(
                    out,
                    path,
                    false,
                    format!("the schema's pattern `{pattern}` is not a valid regular expression: {err}"),
                ),
                // Matched, or (never) a pattern `new` did not collect.
                _ => {}
            }
        }
        if let Some(Value::String(format)) = schema.get("format")
            && let Some(valid) = crate::format::check(format, text)
            && !valid
        {
            push(
                out,
                path,
                false,
                format!("must be a valid `{format}` ({})", crate::format::describe(format)),
            );
        }
    }

    fn array(
        &self,
        schema: &Map<String, Value>,
        items: &[Value],
        path: &mut Vec<String>,
        out: &mut Vec<Violation>,
        depth: usize,
    ) {
        let count = items.len() as u64;
        let min = schema.get("minItems").and_then(Value::as_u64);
        let max = schema.get("maxItems").and_then(Value::as_u64);
        // A tuple's or a fixed array's length is its type: serde checks it.
        let fixed = schema.contains_key("prefixItems") || (min.is_some() && min == max);
        if min.is_some_and(|min| count < min) || max.is_some_and(|max| count > max) {
            let bound = match (min, max) {
                (Some(min), Some(max)) if min == max => format!("exactly {min} {}", plural(min, "item")),
                (Some(min), Some(max)) => format!("between {min} and {max} items"),
                (Some(min), None) => format!("at least {min} {}", plural(min, "item")),
                (_, Some(max)) => format!("at most {max} {}", plural(max, "item")),
                (None, None) => unreachable!("a bound was broken"),
            };
            push(out, path, fixed, format!("must have {bound}, got {count}"));
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            'outer: for (i, a) in items.iter().enumerate() {
                for (j, b) in items.iter().enumerate().skip(i + 1) {
                    if equal(a, b) {
                        push(
                            out,
                            path,
                            false,
                            format!("must not repeat an item: items {i} and {j} are equal"),
                        );
                        break 'outer;
                    }
                }
            }
        }
        let prefix = match schema.get("prefixItems") {
            Some(Value::Array(prefix)) => prefix.as_slice(),
            _ => &[],
        };
        for (index, item) in items.iter().enumerate() {
            let item_schema = prefix.get(index).or_else(|| schema.get("items"));
            if let Some(item_schema) = item_schema {
                path.push(index.to_string());
                self.validate(item_schema, item, path, out, depth + 1);
                path.pop();
            }
        }
        if let Some(contains) = schema.get("contains") {
            let matching = items.iter().filter(|item| self.is_valid(contains, item, depth)).count() as u64;
            let min = schema.get("minContains").and_then(Value::as_u64).unwrap_or(1);
            let max = schema.get("maxContains").and_then(Value::as_u64);
            if matching < min || max.is_some_and(|max| matching > max) {
                push(
                    out,
                    path,
                    false,
                    format!(
                        "has {matching} matching items; the schema's `contains` wants at least {min}{}",
                        max.map(|m| format!(" and at most {m}")).unwrap_or_default()
                    ),
                );
            }
        }
    }

    fn object(
        &self,
        schema: &Map<String, Value>,
        object: &Map<String, Value>,
        path: &mut Vec<String>,
        out: &mut Vec<Violation>,
        depth: usize,
    ) {
        let required = match schema.get("required") {
            Some(Value::Array(required)) => required.as_slice(),
            _ => &[],
        };
        {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    path.push(name.to_owned());
                    push(out, path, true, "required field is missing".to_owned());
                    path.pop();
                }
            }
        }
        let count = object.len() as u64;
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            push(
                out,
                path,
                false,
                format!("must have at least {min} {}, got {count}", plural(min, "property")),
            );
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            push(
                out,
                path,
                false,
                format!("must have at most {max} {}, got {count}", plural(max, "property")),
            );
        }
        if let Some(Value::Object(dependent)) = schema.get("dependentRequired") {
            for (name, needs) in dependent {
                if !object.contains_key(name) {
                    continue;
                }
                for other in needs.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    if !object.contains_key(other) {
                        path.push(other.to_owned());
                        push(out, path, false, format!("required when `{name}` is given"));
                        path.pop();
                    }
                }
            }
        }
        if let Some(Value::Object(dependent)) = schema.get("dependentSchemas") {
            for (name, sub) in dependent {
                if object.contains_key(name) {
                    self.validate(sub, &Value::Object(object.clone()), path, out, depth + 1);
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let patterns = schema.get("patternProperties").and_then(Value::as_object);
        for (name, item) in object {
            if item.is_null() && self.null_is_absent && !required.iter().any(|r| r == name.as_str()) {
                continue;
            }
            path.push(name.clone());
            if let Some(names) = schema.get("propertyNames") {
                let mut inner = Vec::new();
                self.validate(
                    names,
                    &Value::String(name.clone()),
                    &mut Vec::new(),
                    &mut inner,
                    depth + 1,
                );
                for violation in inner {
                    push(
                        out,
                        path,
                        violation.structural,
                        format!("invalid property name: {}", violation.reason),
                    );
                }
            }
            let mut matched = false;
            if let Some(sub) = properties.and_then(|p| p.get(name)) {
                matched = true;
                self.validate(sub, item, path, out, depth + 1);
            }
            for (pattern, sub) in patterns.into_iter().flatten() {
                if let Some(Ok(regex)) = self.patterns.get(pattern)
                    && regex.is_match(name)
                {
                    matched = true;
                    self.validate(sub, item, path, out, depth + 1);
                }
            }
            if !matched && let Some(additional) = schema.get("additionalProperties") {
                if additional == &Value::Bool(false) {
                    push(out, path, true, "unknown field".to_owned());
                } else {
                    self.validate(additional, item, path, out, depth + 1);
                }
            }
            path.pop();
        }
    }

    fn combinators(
        &self,
        schema: &Map<String, Value>,
        value: &Value,
        path: &mut Vec<String>,
        out: &mut Vec<Violation>,
        depth: usize,
    ) {
        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                self.validate(sub, value, path, out, depth + 1);
            }
        }
        for (key, exactly_one) in [("anyOf", false), ("oneOf", true)] {
            let Some(Value::Array(branches)) = schema.get(key) else {
                continue;
            };
            let results: Vec<Vec<Violation>> = branches
                .iter()
                .map(|branch| {
                    let mut inner = Vec::new();
                    self.validate(branch, value, path, &mut inner, depth + 1);
                    inner
                })
                .collect();
            let passing = results.iter().filter(|r| r.is_empty()).count();
            if passing == 0 {
                // The branch the value has the shape of says what is wrong
                // inside it; with no such branch, the shape itself is wrong.
                let shaped: Vec<&Vec<Violation>> = results.iter().filter(|r| r.iter().all(|v| !v.structural)).collect();
                if let [only] = shaped.as_slice() {
                    out.extend(only.iter().cloned());
                } else {
                    push(
                        out,
                        path,
                        true,
                        format!(
                            "does not match {} of the allowed shapes",
                            if exactly_one { "exactly one" } else { "any" }
                        ),
                    );
                }
            } else if exactly_one && passing > 1 {
                push(
                    out,
                    path,
                    true,
                    format!("matches {passing} of the allowed shapes; exactly one must match"),
                );
            }
        }
        if let Some(not) = schema.get("not")
            && self.is_valid(not, value, depth)
        {
            push(
                out,
                path,
                false,
                "matches a shape the schema rules out (`not`)".to_owned(),
            );
        }
        if let Some(condition) = schema.get("if") {
            let branch = if self.is_valid(condition, value, depth) {
                "then"
            } else {
                "else"
            };
            if let Some(sub) = schema.get(branch) {
                self.validate(sub, value, path, out, depth + 1);
            }
        }
    }

    fn is_valid(&self, schema: &Value, value: &Value, depth: usize) -> bool {
        let mut inner = Vec::new();
        self.validate(schema, value, &mut Vec::new(), &mut inner, depth + 1);
        inner.is_empty()
    }
}

fn number(schema: &Map<String, Value>, value: &Value, path: &[String], out: &mut Vec<Violation>) {
    let Some(x) = value.as_f64() else { return };
    let bound = |key: &str| schema.get(key).and_then(Value::as_f64);
    let (min, max) = (bound("minimum"), bound("maximum"));
    let (exclusive_min, exclusive_max) = (bound("exclusiveMinimum"), bound("exclusiveMaximum"));
    // Integers compare exactly: a u64 near its maximum is not exact as an f64.
    let below = |key: &str| match (value.as_u64(), value.as_i64(), schema.get(key)) {
        (Some(v), _, Some(b)) if b.as_u64().is_some() => b.as_u64().is_some_and(|b| v < b),
        (_, Some(v), Some(b)) if b.as_i64().is_some() => b.as_i64().is_some_and(|b| v < b),
        (_, _, Some(b)) => b.as_f64().is_some_and(|b| x < b),
        _ => false,
    };
    let above = |key: &str| match (value.as_u64(), value.as_i64(), schema.get(key)) {
        (Some(v), _, Some(b)) if b.as_u64().is_some() => b.as_u64().is_some_and(|b| v > b),
        (_, Some(v), Some(b)) if b.as_i64().is_some() => b.as_i64().is_some_and(|b| v > b),
        (_, _, Some(b)) => b.as_f64().is_some_and(|b| x > b),
        _ => false,
    };
    let shown = |key: &str| schema.get(key).map(Value::to_string).unwrap_or_default();
    if below("minimum") || above("maximum") {
        let reason = match (min, max) {
            (Some(_), Some(_)) => format!(
                "must be between {} and {}, got {value}",
                shown("minimum"),
                shown("maximum")
            ),
            (Some(_), None) => format!("must be at least {}, got {value}", shown("minimum")),
            _ => format!("must be at most {}, got {value}", shown("maximum")),
        };
        push(out, path, false, reason);
    }
    if exclusive_min.is_some_and(|b| x <= b) {
        push(
            out,
            path,
            false,
            format!("must be greater than {}, got {value}", shown("exclusiveMinimum")),
        );
    }
    if exclusive_max.is_some_and(|b| x >= b) {
        push(
            out,
            path,
            false,
            format!("must be less than {}, got {value}", shown("exclusiveMaximum")),
        );
    }
    if let Some(step) = schema.get("multipleOf") {
        let ok = match (value.as_u64(), value.as_i64(), step.as_u64()) {
            (Some(v), _, Some(s)) if s > 0 => v % s == 0,
            (_, Some(v), Some(s)) if s > 0 => v.rem_euclid(s as i64) == 0,
            _ => step.as_f64().is_some_and(|s| s > 0.0 && is_multiple(x, s)),
        };
        if !ok {
            push(out, path, false, format!("must be a multiple of {step}, got {value}"));
        }
    }
}

/// `x / step` is a whole number, allowing for binary rounding (`0.3` is a multiple of `0.1`).
fn is_multiple(x: f64, step: f64) -> bool {
    let quotient = x / step;
    (quotient - quotient.round()).abs() <= 1e-9 * quotient.abs().max(1.0)
}

fn push(out: &mut Vec<Violation>, path: &[String], structural: bool, reason: String) {
    out.push(Violation {
        field: path.join("."),
        reason,
        structural,
    });
}

fn plural(n: u64, word: &str) -> String {
    match (n, word) {
        (1, _) => word.to_owned(),
        (_, "property") => "properties".to_owned(),
        _ => format!("{word}s"),
    }
}

fn type_matches(expected: &Value, value: &Value) -> bool {
    match expected {
        Value::String(name) => is_type(name, value),
        Value::Array(names) => names.iter().filter_map(Value::as_str).any(|name| is_type(name, value)),
        _ => true,
    }
}

fn is_type(name: &str, value: &Value) -> bool {
    match (name, value) {
        ("null", Value::Null) | ("boolean", Value::Bool(_)) | ("string", Value::String(_)) => true,
        ("array", Value::Array(_)) | ("object", Value::Object(_)) | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn describe_type(expected: &Value) -> String {
    let article = |name: &str| match name {
        "integer" | "array" | "object" => format!("an {name}"),
        "null" => "null".to_owned(),
        other => format!("a {other}"),
    };
    match expected {
        Value::String(name) => article(name),
        Value::Array(names) => names
            .iter()
            .filter_map(Value::as_str)
            .map(article)
            .collect::<Vec<_>>()
            .join(" or "),
        other => other.to_string(),
    }
}

/// What a value is, as type errors name it.
pub(crate) fn found(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) => format!("number `{n}`"),
        Value::String(s) => format!("string {}", Value::String(s.clone())),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// JSON equality, numbers by value (`1` equals `1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(x), Some(y), _, _) => x == y,
            (_, _, Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

fn collect_patterns(schema: &Value, patterns: &mut HashMap<String, Result<Regex, String>>) {
    let mut copy = schema.clone();
    crate::schema::visit(&mut copy, &mut |object| {
        let mut add = |pattern: &str| {
            patterns
                .entry(pattern.to_owned())
                .or_insert_with(|| Regex::new(pattern).map_err(|err| err.to_string()));
        };
        if let Some(Value::String(pattern)) = object.get("pattern") {
            add(pattern);
        }
        if let Some(Value::Object(by_pattern)) = object.get("patternProperties") {
            for pattern in by_pattern.keys() {
                add(pattern);
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reasons(schema: Value, value: Value) -> Vec<(String, String)> {
        Checker::for_input(schema)
            .check(&value)
            .into_iter()
            .map(|v| (v.field, v.reason))
            .collect()
    }

    #[test]
    fn numbers() {
        let schema = json!({"type": "object", "properties": {
            "count": {"type": "integer", "minimum": 1, "maximum": 33},
            "step": {"type": "number", "multipleOf": 0.1},
            "big": {"type": "integer", "minimum": 0, "maximum": 18446744073709551615u64},
            "pos": {"type": "number", "exclusiveMinimum": 0}
        }});
        assert_eq!(
            reasons(schema.clone(), json!({"count": 0})),
            [("count".into(), "must be between 1 and 33, got 0".into())]
        );
        assert!(
            reasons(
                schema.clone(),
                json!({"count": 33, "step": 0.3, "big": 18446744073709551615u64})
            )
            .is_empty()
        );
        assert_eq!(
            reasons(schema.clone(), json!({"step": 0.35})),
            [("step".into(), "must be a multiple of 0.1, got 0.35".into())]
        );
        assert_eq!(
            reasons(schema.clone(), json!({"pos": 0})),
            [("pos".into(), "must be greater than 0, got 0".into())]
        );
        assert_eq!(
            reasons(schema, json!({"count": "x"})),
            [("count".into(), "expected an integer, found string \"x\"".into())]
        );
    }

    #[test]
    fn strings_arrays_objects() {
        let schema = json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 3, "pattern": "^[a-z]+$"},
            "tags": {"type": "array", "items": {"type": "string", "format": "email"}, "uniqueItems": true, "maxItems": 2},
            "point": {"$ref": "#/$defs/Point"}
        }, "$defs": {"Point": {"type": "object", "properties": {"x": {"type": "number", "maximum": 1}}}}});
        assert_eq!(
            reasons(schema.clone(), json!({"name": "ABCD"})),
            [
                ("name".into(), "must be between 1 and 3 characters long, got 4".into()),
                ("name".into(), "must match the pattern `^[a-z]+$`".into())
            ]
        );
        assert_eq!(
            reasons(schema.clone(), json!({"name": "a", "tags": ["a@b.c", "a@b.c", "x"]})),
            [
                ("tags".into(), "must have at most 2 items, got 3".into()),
                ("tags".into(), "must not repeat an item: items 0 and 1 are equal".into()),
                (
                    "tags.2".into(),
                    "must be a valid `email` (an email address such as `name@example.com`)".into()
                )
            ]
        );
        assert_eq!(
            reasons(schema.clone(), json!({"name": "a", "point": {"x": 2}})),
            [("point.x".into(), "must be at most 1, got 2".into())]
        );
        assert_eq!(
            reasons(schema.clone(), json!({})),
            [("name".into(), "required field is missing".into())]
        );
        assert_eq!(
            reasons(schema, json!({"name": "a", "b": 1})),
            [("b".into(), "unknown field".into())]
        );
    }

    #[test]
    fn branches_report_the_matching_shape() {
        let schema = json!({"oneOf": [
            {"type": "object", "properties": {"circle": {"type": "number", "minimum": 0}}, "required": ["circle"], "additionalProperties": false},
            {"type": "object", "properties": {"square": {"type": "number"}}, "required": ["square"], "additionalProperties": false}
        ]});
        assert_eq!(
            reasons(schema.clone(), json!({"circle": -1})),
            [("circle".into(), "must be at least 0, got -1".into())]
        );
        assert!(reasons(schema.clone(), json!({"square": -1})).is_empty());
        assert_eq!(
            reasons(schema, json!({"x": 1})),
            [("".into(), "does not match exactly one of the allowed shapes".into())]
        );
        let nullable = json!({"anyOf": [{"type": "string", "minLength": 2}, {"type": "null"}]});
        assert!(reasons(nullable.clone(), json!(null)).is_empty());
        assert_eq!(
            reasons(nullable, json!("a")),
            [("".into(), "must be at least 2 characters long, got 1".into())]
        );
    }

    #[test]
    fn needs_a_check_only_for_declared_constraints() {
        let never = |_: &Map<String, Value>, _: &str| false;
        assert!(!Checker::is_needed(
            &json!({"type": "object", "properties": {"a": {"type": "string"}}}),
            &never
        ));
        assert!(Checker::is_needed(
            &json!({"properties": {"a": {"type": "string", "pattern": "x"}}}),
            &never
        ));
        let all = |_: &Map<String, Value>, _: &str| true;
        assert!(!Checker::is_needed(&json!({"properties": {"a": {"minimum": 0}}}), &all));
    }
}
