//! The OpenAPI 3.0.3 down-level document, served at `GET /openapi-3.0.json`
//! (and printed by `openapi --version 3.0`) for the client generators that
//! do not read 3.1 yet.
//!
//! [`convert`] rewrites the 3.1 document; what it changes:
//!
//! | 3.1 | 3.0.3 |
//! | --- | --- |
//! | `"openapi": "3.1.0"`, `jsonSchemaDialect`, `webhooks`, `components/pathItems` | `"openapi": "3.0.3"`, the rest dropped |
//! | `info.summary`; `license.identifier` | the description when there is none; the SPDX page as `license.url` for a single identifier |
//! | `"type": ["T", "null"]`, a `{"type": "null"}` branch of `anyOf`/`oneOf`, `null` in `enum` | `"type": "T"` with `"nullable": true` (a `$ref` left alone is wrapped in `allOf`) |
//! | `"type": ["T", "U"]` | `anyOf` of one schema per type |
//! | `const` | a one-value `enum` |
//! | `examples: [a, ...]` in a schema | `example: a` |
//! | numeric `exclusiveMinimum`/`exclusiveMaximum` | `minimum`/`maximum` with the boolean form |
//! | `prefixItems` | `items` as the `anyOf` of the positions, `maxItems` when closed |
//! | `$ref` with sibling keywords | `allOf: [{"$ref": ...}]` beside them |
//! | `$defs` / `definitions` inside a schema | hoisted into `components/schemas`, references rewritten |
//! | boolean schemas | `{}` for `true`, `{"not": {}}` for `false` |
//! | `contentEncoding: base64`; a media type without a schema that is not JSON | `format: byte`; `{"type": "string", "format": "binary"}` |
//! | role names in the security requirement of a non-OAuth scheme | `[]` (3.0 allows names for OAuth only) |
//! | `summary`/`description` beside a `$ref` outside schemas | dropped |
//! | an operation's `default` response | the same response as `4XX` and `5XX`: every status the server answers beyond those listed is an error, and generators such as progenitor take `default` for a possible success |
//! | any other keyword 3.0 does not know (`if`/`then`/`else`, `patternProperties`, `dependentRequired`, `unevaluatedProperties`, `contentMediaType`, `$id`, `$comment`, ...) | dropped: the 3.0 schema accepts more, never less |
//!
//! `x-` extensions are kept everywhere.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The keywords of a 3.0 Schema Object (besides `x-` extensions).
const SCHEMA_KEYWORDS: &[&str] = &[
    "$ref",
    "title",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
];

const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// The OpenAPI 3.0.3 form of the 3.1 `document` (see the [module](self)
/// table for what changes).
///
/// ```
/// use serde_json::json;
///
/// let document = json!({
///     "openapi": "3.1.0",
///     "info": {"title": "t", "version": "1"},
///     "paths": {},
///     "components": {"schemas": {"Pool": {"type": ["string", "null"], "examples": ["Foundry"]}}},
/// });
/// let down = registry_server::openapi::v30::convert(&document);
/// assert_eq!(down["openapi"], "3.0.3");
/// assert_eq!(
///     down["components"]["schemas"]["Pool"],
///     json!({"type": "string", "example": "Foundry", "nullable": true})
/// );
/// ```
pub fn convert(document: &Value) -> Value {
    let mut document = document.clone();
    let Value::Object(root) = &mut document else {
        return document;
    };
    root.insert("openapi".into(), json!("3.0.3"));
    root.remove("jsonSchemaDialect");
    root.remove("webhooks");
    if let Some(Value::Object(info)) = root.get_mut("info") {
        convert_info(info);
    }
    let schemes = security_schemes(root);
    if let Some(security) = root.get_mut("security") {
        convert_security(security, &schemes);
    }
    let mut hoist = Hoist::default();
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let base = format!("/paths/{}", escape(path));
            let Value::Object(item) = item else { continue };
            if let Some(parameters) = item.get_mut("parameters") {
                convert_parameters(parameters, &format!("{base}/parameters"), &mut hoist);
            }
            for method in METHODS {
                if let Some(Value::Object(op)) = item.get_mut(*method) {
                    convert_operation(op, &format!("{base}/{method}"), &schemes, &mut hoist);
                }
            }
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        components.remove("pathItems");
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            for (name, schema) in schemas.iter_mut() {
                convert_schema(schema, &format!("/components/schemas/{}", escape(name)), &mut hoist);
            }
        }
        for (kind, entries) in components.iter_mut() {
            let Value::Object(entries) = entries else { continue };
            for (name, entry) in entries.iter_mut() {
                let at = format!("/components/{kind}/{}", escape(name));
                match kind.as_str() {
                    "responses" => convert_response(entry, &at, &mut hoist),
                    "parameters" | "headers" => convert_parameter(entry, &at, &mut hoist),
                    "requestBodies" => convert_body(entry, &at, &mut hoist),
                    _ => {}
                }
            }
        }
    }
    hoist.finish(root);
    document
}

fn convert_info(info: &mut Map<String, Value>) {
    if let Some(summary) = info.remove("summary")
        && !info.contains_key("description")
    {
        info.insert("description".into(), summary);
    }
    if let Some(Value::Object(license)) = info.get_mut("license")
        && let Some(Value::String(identifier)) = license.remove("identifier")
        && !license.contains_key("url")
        && !identifier.is_empty()
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
    {
        let id = identifier.trim_end_matches('+');
        license.insert("url".into(), json!(format!("https://spdx.org/licenses/{id}.html")));
    }
}

/// Scheme name → whether it is OAuth 2 or OpenID Connect (the kinds that name scopes).
fn security_schemes(root: &Map<String, Value>) -> BTreeMap<String, bool> {
    root.get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .map(|(name, scheme)| {
                    let kind = scheme.get("type").and_then(Value::as_str).unwrap_or_default();
                    (name.clone(), matches!(kind, "oauth2" | "openIdConnect"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn convert_security(security: &mut Value, schemes: &BTreeMap<String, bool>) {
    let Value::Array(requirements) = security else { return };
    for requirement in requirements.iter_mut().filter_map(Value::as_object_mut) {
        for (name, roles) in requirement.iter_mut() {
            if !schemes.get(name).copied().unwrap_or(false) {
                *roles = json!([]);
            }
        }
    }
}

fn convert_operation(op: &mut Map<String, Value>, at: &str, schemes: &BTreeMap<String, bool>, hoist: &mut Hoist) {
    if let Some(security) = op.get_mut("security") {
        convert_security(security, schemes);
    }
    if let Some(parameters) = op.get_mut("parameters") {
        convert_parameters(parameters, &format!("{at}/parameters"), hoist);
    }
    if let Some(body) = op.get_mut("requestBody") {
        convert_body(body, &format!("{at}/requestBody"), hoist);
    }
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        if let Some(default) = responses.remove("default") {
            for range in ["4XX", "5XX"] {
                responses.entry(range).or_insert_with(|| default.clone());
            }
        }
        for (status, response) in responses.iter_mut() {
            convert_response(response, &format!("{at}/responses/{}", escape(status)), hoist);
        }
    }
    op.remove("callbacks");
}

fn convert_parameters(parameters: &mut Value, at: &str, hoist: &mut Hoist) {
    if let Value::Array(parameters) = parameters {
        for (i, parameter) in parameters.iter_mut().enumerate() {
            convert_parameter(parameter, &format!("{at}/{i}"), hoist);
        }
    }
}

/// A Parameter or Header Object (or a reference to one).
fn convert_parameter(parameter: &mut Value, at: &str, hoist: &mut Hoist) {
    if strip_reference(parameter) {
        return;
    }
    let Value::Object(parameter) = parameter else { return };
    if let Some(schema) = parameter.get_mut("schema") {
        convert_schema(schema, &format!("{at}/schema"), hoist);
    }
    if let Some(Value::Object(content)) = parameter.get_mut("content") {
        convert_content(content, &format!("{at}/content"), hoist);
    }
}

fn convert_body(body: &mut Value, at: &str, hoist: &mut Hoist) {
    if strip_reference(body) {
        return;
    }
    if let Some(Value::Object(content)) = body.get_mut("content") {
        convert_content(content, &format!("{at}/content"), hoist);
    }
}

fn convert_response(response: &mut Value, at: &str, hoist: &mut Hoist) {
    if strip_reference(response) {
        return;
    }
    let Value::Object(response) = response else { return };
    if let Some(Value::Object(headers)) = response.get_mut("headers") {
        for (name, header) in headers.iter_mut() {
            convert_parameter(header, &format!("{at}/headers/{}", escape(name)), hoist);
        }
    }
    if let Some(Value::Object(content)) = response.get_mut("content") {
        convert_content(content, &format!("{at}/content"), hoist);
    }
    response.remove("links");
}

/// A `content` map: each media type's schema; a non-JSON media type without
/// one is raw bytes, which 3.0 writes as a binary string.
fn convert_content(content: &mut Map<String, Value>, at: &str, hoist: &mut Hoist) {
    for (mime, media) in content.iter_mut() {
        let Value::Object(media) = media else { continue };
        match media.get_mut("schema") {
            Some(schema) => {
                if let Value::Object(object) = schema
                    && object.get("type").is_none_or(|t| t == "string")
                    && (object.contains_key("contentMediaType") || object.contains_key("contentEncoding"))
                {
                    let base64 = object.get("contentEncoding").is_some_and(|e| e == "base64");
                    object.insert("type".into(), json!("string"));
                    object
                        .entry("format")
                        .or_insert_with(|| json!(if base64 { "byte" } else { "binary" }));
                }
                convert_schema(schema, &format!("{at}/{}/schema", escape(mime)), hoist);
            }
            None if !mime.contains("json") => {
                media.insert("schema".into(), json!({"type": "string", "format": "binary"}));
            }
            None => {}
        }
    }
}

/// A Reference Object outside schemas loses the `summary`/`description`
/// siblings 3.1 allows; true if `value` was one.
fn strip_reference(value: &mut Value) -> bool {
    match value {
        Value::Object(object) if object.contains_key("$ref") => {
            object.retain(|key, _| key == "$ref");
            true
        }
        _ => false,
    }
}

/// Whether `schema` admits only `null`.
fn is_null_schema(schema: &Value) -> bool {
    let Some(object) = schema.as_object() else {
        return false;
    };
    let only = |key: &str| object.keys().all(|k| k == key || k == "description" || k == "title");
    (object.get("type") == Some(&json!("null")) && only("type"))
        || (object.get("const") == Some(&Value::Null) && only("const"))
        || (object.get("enum") == Some(&json!([null])) && only("enum"))
}

/// Converts the schema at `at` (a JSON Pointer into the document) in place.
fn convert_schema(schema: &mut Value, at: &str, hoist: &mut Hoist) {
    let object = match schema {
        Value::Bool(true) => {
            *schema = json!({});
            return;
        }
        Value::Bool(false) => {
            *schema = json!({"not": {}});
            return;
        }
        Value::Object(object) => object,
        _ => return,
    };
    for keyword in ["$defs", "definitions"] {
        if let Some(Value::Object(definitions)) = object.remove(keyword) {
            for (name, definition) in definitions {
                hoist
                    .pending
                    .push((format!("{at}/{keyword}/{}", escape(&name)), name, definition));
            }
        }
    }
    let mut nullable = object.get("nullable") == Some(&Value::Bool(true));

    // `type`: arrays become one type (+ nullable) or an `anyOf` of types.
    if let Some(Value::Array(types)) = object.get("type").cloned() {
        let mut kinds: Vec<Value> = types.into_iter().filter(|t| t != "null").collect();
        nullable |= kinds.len() < object["type"].as_array().map_or(0, Vec::len);
        match kinds.len() {
            0 => {
                object.remove("type");
                object.insert("enum".into(), json!([null]));
            }
            1 => {
                object.insert("type".into(), kinds.remove(0));
            }
            _ => {
                object.remove("type");
                let branches: Vec<Value> = kinds
                    .into_iter()
                    .map(|kind| {
                        let mut branch = json!({ "type": kind });
                        if kind == "array" {
                            branch["items"] = object.get("items").cloned().unwrap_or_else(|| json!({}));
                        }
                        branch
                    })
                    .collect();
                push_all(object, "anyOf", branches);
            }
        }
    } else if object.get("type") == Some(&json!("null")) {
        object.remove("type");
        object.insert("enum".into(), json!([null]));
        nullable = true;
    }

    if let Some(constant) = object.remove("const") {
        nullable |= constant.is_null();
        object.insert("enum".into(), json!([constant]));
    }
    if object
        .get("enum")
        .and_then(Value::as_array)
        .is_some_and(|values| values.iter().any(Value::is_null))
    {
        nullable = true;
    }

    // A `null` branch of `anyOf`/`oneOf` is `nullable`.
    for keyword in ["anyOf", "oneOf"] {
        let Some(Value::Array(branches)) = object.get_mut(keyword) else {
            continue;
        };
        let before = branches.len();
        branches.retain(|branch| !is_null_schema(branch));
        if branches.len() == before {
            continue;
        }
        nullable = true;
        if branches.len() == 1 {
            let Some(Value::Array(mut rest)) = object.remove(keyword) else {
                continue;
            };
            let branch = rest.remove(0);
            match branch {
                Value::Object(inline)
                    if !inline.contains_key("$ref") && inline.keys().all(|k| !object.contains_key(k)) =>
                {
                    object.extend(inline);
                }
                other => push_all(object, "allOf", vec![other]),
            }
        } else if branches.is_empty() {
            object.remove(keyword);
            object.insert("enum".into(), json!([null]));
        }
    }

    if let Some(Value::Array(examples)) = object.remove("examples")
        && let Some(first) = examples.into_iter().next()
    {
        object.entry("example").or_insert(first);
    }

    for (exclusive, inclusive, stricter) in [
        ("exclusiveMinimum", "minimum", std::cmp::Ordering::Greater),
        ("exclusiveMaximum", "maximum", std::cmp::Ordering::Less),
    ] {
        let Some(bound) = object.get(exclusive).and_then(Value::as_f64) else {
            continue;
        };
        let value = object.remove(exclusive).unwrap_or_default();
        let inclusive_wins = object
            .get(inclusive)
            .and_then(Value::as_f64)
            .is_some_and(|current| current.partial_cmp(&bound) == Some(stricter));
        if !inclusive_wins {
            object.insert(inclusive.into(), value);
            object.insert(exclusive.into(), json!(true));
        }
    }

    if let Some(Value::Array(positions)) = object.remove("prefixItems") {
        let closed = object.get("items") == Some(&Value::Bool(false));
        let mut branches = positions;
        let count = branches.len();
        match object.remove("items") {
            Some(Value::Bool(_)) | None => {}
            Some(rest) => branches.push(rest),
        }
        let items = if branches.len() == 1 {
            branches.remove(0)
        } else {
            json!({ "anyOf": branches })
        };
        object.insert("items".into(), items);
        if closed {
            let max = object
                .get("maxItems")
                .and_then(Value::as_u64)
                .map_or(count as u64, |m| m.min(count as u64));
            object.insert("maxItems".into(), json!(max));
        }
    }
    if object.get("items") == Some(&Value::Bool(false)) {
        object.insert("items".into(), json!({"not": {}}));
        object.insert("maxItems".into(), json!(0));
    }

    if object.get("contentEncoding").is_some_and(|e| e == "base64") && object.get("type") == Some(&json!("string")) {
        object.entry("format").or_insert_with(|| json!("byte"));
    }

    // A `$ref` ignores its siblings in 3.0: keep them beside an `allOf`.
    if object
        .keys()
        .any(|k| k != "$ref" && SCHEMA_KEYWORDS.contains(&k.as_str()))
        && let Some(reference) = object.remove("$ref")
    {
        let mut all = vec![json!({ "$ref": reference })];
        if let Some(Value::Array(existing)) = object.remove("allOf") {
            all.extend(existing);
        }
        object.insert("allOf".into(), Value::Array(all));
    }

    object.retain(|key, _| key.starts_with("x-") || SCHEMA_KEYWORDS.contains(&key.as_str()));
    if object
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        object.remove("required");
    }
    if object.get("type") == Some(&json!("array")) && !object.contains_key("items") {
        object.insert("items".into(), json!({}));
    }
    if nullable {
        object.insert("nullable".into(), json!(true));
    }

    // The sub-schemas.
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        for (name, property) in properties.iter_mut() {
            convert_schema(property, &format!("{at}/properties/{}", escape(name)), hoist);
        }
    }
    for keyword in ["items", "not"] {
        if let Some(sub) = object.get_mut(keyword) {
            convert_schema(sub, &format!("{at}/{keyword}"), hoist);
        }
    }
    if let Some(sub @ Value::Object(_)) = object.get_mut("additionalProperties") {
        convert_schema(sub, &format!("{at}/additionalProperties"), hoist);
    }
    for keyword in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(branches)) = object.get_mut(keyword) {
            for (i, branch) in branches.iter_mut().enumerate() {
                convert_schema(branch, &format!("{at}/{keyword}/{i}"), hoist);
            }
        }
    }
}

/// Appends `values` to the array at `key` (made if absent).
fn push_all(object: &mut Map<String, Value>, key: &str, values: Vec<Value>) {
    match object.get_mut(key) {
        Some(Value::Array(existing)) => existing.extend(values),
        _ => {
            object.insert(key.into(), Value::Array(values));
        }
    }
}

/// `$defs` found inside schemas, moved to `components/schemas`.
#[derive(Default)]
struct Hoist {
    /// (pointer of the definition, its name, its schema), not yet placed.
    pending: Vec<(String, String, Value)>,
}

impl Hoist {
    /// Places every pending definition (converting it, which may find more)
    /// and points the references to them at their new home.
    fn finish(mut self, root: &mut Map<String, Value>) {
        if self.pending.is_empty() {
            return;
        }
        let mut moved: BTreeMap<String, String> = BTreeMap::new();
        let components = root.entry("components").or_insert_with(|| json!({}));
        if !components.get("schemas").is_some_and(Value::is_object) {
            components["schemas"] = json!({});
        }
        while let Some((pointer, name, mut definition)) = self.pending.pop() {
            let schemas = components["schemas"].as_object().cloned().unwrap_or_default();
            let base: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let unique = std::iter::once(base.clone())
                .chain((2..).map(|n| format!("{base}{n}")))
                .find(|candidate| !schemas.contains_key(candidate))
                .unwrap_or(base);
            let home = format!("/components/schemas/{}", escape(&unique));
            convert_schema(&mut definition, &home, &mut self);
            components["schemas"][&unique] = definition;
            moved.insert(format!("#{pointer}"), format!("#{home}"));
        }
        let mut document = Value::Object(std::mem::take(root));
        rewrite_refs(&mut document, &moved);
        if let Value::Object(object) = document {
            *root = object;
        }
    }
}

/// Points each `$ref` that names (or reaches into) a moved definition at its new place.
fn rewrite_refs(value: &mut Value, moved: &BTreeMap<String, String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                if key == "$ref"
                    && let Value::String(reference) = value
                {
                    // Longest match first: a definition nested in a moved one moved too.
                    if let Some((from, to)) = moved
                        .iter()
                        .filter(|(from, _)| reference == *from || reference.starts_with(&format!("{from}/")))
                        .max_by_key(|(from, _)| from.len())
                    {
                        *reference = format!("{to}{}", &reference[from.len()..]);
                    }
                } else {
                    rewrite_refs(value, moved);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rewrite_refs(item, moved)),
        _ => {}
    }
}

/// A JSON Pointer token: `~` → `~0`, `/` → `~1`.
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 3.0 form of one schema, placed as a component.
    fn down(schema: Value) -> Value {
        let document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {},
            "components": {"schemas": {"S": schema}},
        });
        convert(&document)["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn root_fields() {
        let document = json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": {"title": "t", "version": "1", "summary": "s", "license": {"name": "MIT", "identifier": "MIT"}},
            "webhooks": {},
            "paths": {},
            "components": {"pathItems": {}},
        });
        let down = convert(&document);
        assert_eq!(down["openapi"], "3.0.3");
        assert!(down.get("jsonSchemaDialect").is_none() && down.get("webhooks").is_none());
        assert!(down["components"].get("pathItems").is_none());
        assert_eq!(down["info"]["description"], "s");
        assert!(down["info"].get("summary").is_none());
        assert_eq!(
            down["info"]["license"],
            json!({"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"})
        );
        let expression = json!({"openapi": "3.1.0", "info": {"license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"}}});
        assert_eq!(
            convert(&expression)["info"]["license"],
            json!({"name": "MIT OR Apache-2.0"})
        );
    }

    #[test]
    fn nullable_forms() {
        assert_eq!(
            down(json!({"type": ["string", "null"]})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            down(json!({"anyOf": [{"$ref": "#/components/schemas/S"}, {"type": "null"}], "description": "d"})),
            json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/S"}], "nullable": true})
        );
        assert_eq!(
            down(json!({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]})),
            json!({"type": "integer", "minimum": 0, "nullable": true})
        );
        assert_eq!(
            down(json!({"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]})),
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": true})
        );
        assert_eq!(down(json!({"type": "null"})), json!({"enum": [null], "nullable": true}));
        assert_eq!(
            down(json!({"enum": ["a", null], "type": ["string", "null"]})),
            json!({"enum": ["a", null], "type": "string", "nullable": true})
        );
    }

    #[test]
    fn several_types_become_any_of() {
        assert_eq!(
            down(json!({"type": ["integer", "array"], "items": {"type": "integer"}})),
            json!({
                "items": {"type": "integer"},
                "anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}],
            })
        );
    }

    #[test]
    fn const_examples_and_bounds() {
        assert_eq!(down(json!({"const": "btc"})), json!({"enum": ["btc"]}));
        assert_eq!(
            down(json!({"type": "string", "examples": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        assert_eq!(
            down(json!({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 10.5})),
            json!({"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10.5, "exclusiveMaximum": true})
        );
        // The stricter inclusive bound wins and the exclusive one goes.
        assert_eq!(
            down(json!({"type": "integer", "minimum": 5, "exclusiveMinimum": 1})),
            json!({"type": "integer", "minimum": 5})
        );
        assert_eq!(
            down(json!({"type": "integer", "minimum": 1, "exclusiveMinimum": 5})),
            json!({"type": "integer", "minimum": 5, "exclusiveMinimum": true})
        );
    }

    #[test]
    fn tuples_booleans_and_unknown_keywords() {
        assert_eq!(
            down(
                json!({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false, "minItems": 2})
            ),
            json!({"type": "array", "minItems": 2, "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}, "maxItems": 2})
        );
        assert_eq!(down(json!(true)), json!({}));
        assert_eq!(down(json!(false)), json!({"not": {}}));
        assert_eq!(
            down(json!({"type": "object", "properties": {"a": true}, "additionalProperties": false, "required": []})),
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false})
        );
        assert_eq!(
            down(json!({
                "type": "string", "$comment": "c", "$id": "x", "contentMediaType": "text/html",
                "if": {}, "then": {}, "patternProperties": {}, "x-enumDescriptions": {"a": "b"},
            })),
            json!({"type": "string", "x-enumDescriptions": {"a": "b"}})
        );
        assert_eq!(
            down(json!({"type": "string", "contentEncoding": "base64"})),
            json!({"type": "string", "format": "byte"})
        );
        assert_eq!(down(json!({"type": "array"})), json!({"type": "array", "items": {}}));
    }

    #[test]
    fn references_with_siblings_are_wrapped() {
        assert_eq!(
            down(json!({"$ref": "#/components/schemas/T", "description": "d", "default": 1})),
            json!({"description": "d", "default": 1, "allOf": [{"$ref": "#/components/schemas/T"}]})
        );
        assert_eq!(
            down(json!({"$ref": "#/components/schemas/T"})),
            json!({"$ref": "#/components/schemas/T"})
        );
    }

    #[test]
    fn nested_defs_are_hoisted_and_references_follow() {
        let document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "$defs": {"Node": {"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Node"}, {"type": "null"}]}}}},
                "$ref": "#/paths/~1a/get/responses/200/content/application~1json/schema/$defs/Node",
            }}}}}}}},
            "components": {"schemas": {"Node": {"type": "string"}}},
        });
        let down = convert(&document);
        let schema = &down["paths"]["/a"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(schema, &json!({"$ref": "#/components/schemas/Node2"}));
        assert_eq!(
            down["components"]["schemas"]["Node2"]["properties"]["next"],
            json!({"allOf": [{"$ref": "#/components/schemas/Node2"}], "nullable": true})
        );
        assert_eq!(down["components"]["schemas"]["Node"], json!({"type": "string"}));
    }

    #[test]
    fn operations_media_and_security() {
        let document = json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "security": [{"bearer": ["admin"]}, {"oauth": ["read"]}],
            "paths": {"/a/{id}": {"get": {
                "security": [{"bearer": ["admin"]}],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": ["integer", "null"]}}],
                "responses": {
                    "200": {"description": "bytes", "content": {"application/octet-stream": {}, "image/*": {}, "application/json": {}}},
                    "404": {"$ref": "#/components/responses/NotFound", "description": "3.1 allows this"},
                    "default": {"$ref": "#/components/responses/NotFound"},
                },
            }}},
            "components": {
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}, "oauth": {"type": "oauth2", "flows": {}}},
                "responses": {"NotFound": {"description": "n", "content": {"application/problem+json": {"schema": {"type": "object", "examples": [{}]}}}}},
            },
        });
        let down = convert(&document);
        assert_eq!(down["security"], json!([{"bearer": []}, {"oauth": ["read"]}]));
        let op = &down["paths"]["/a/{id}"]["get"];
        assert_eq!(op["security"], json!([{"bearer": []}]));
        assert_eq!(
            op["parameters"][0]["schema"],
            json!({"type": "integer", "nullable": true})
        );
        let binary = json!({"schema": {"type": "string", "format": "binary"}});
        assert_eq!(op["responses"]["200"]["content"]["application/octet-stream"], binary);
        assert_eq!(op["responses"]["200"]["content"]["image/*"], binary);
        assert_eq!(op["responses"]["200"]["content"]["application/json"], json!({}));
        assert_eq!(
            op["responses"]["404"],
            json!({"$ref": "#/components/responses/NotFound"})
        );
        let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(
            statuses,
            ["200", "404", "4XX", "5XX"],
            "`default` is an error range in 3.0"
        );
        assert_eq!(
            down["components"]["responses"]["NotFound"]["content"]["application/problem+json"]["schema"],
            json!({"type": "object", "example": {}})
        );
    }
}
