//! The document's root-level fields and the per-operation security: `info`
//! (license, contact), `servers`, `security`, `tags`, the security schemes
//! and the responses only a protected server has, and a last pass that drops
//! components nothing refers to.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::{SCHEMAS, Settings};
use crate::auth::Credential;

/// The name of `credential`'s entry in `components/securitySchemes`.
fn scheme_name(credential: Credential) -> &'static str {
    match credential {
        Credential::Bearer => "bearer",
        Credential::ApiKeyHeader(_) => "apiKey",
    }
}

/// `info`: title, version, description, and license and contact when known.
pub(super) fn info(settings: &Settings, description: String) -> Value {
    let mut info = json!({
        "title": settings.title,
        "version": settings.version,
        "description": description,
    });
    if let Some(license) = settings.license.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        // Cargo's legacy `MIT/Apache-2.0` means `MIT OR Apache-2.0`.
        let spdx = license.split('/').map(str::trim).collect::<Vec<_>>().join(" OR ");
        info["license"] = json!({ "name": license, "identifier": spdx });
    }
    let contact = settings.contact.clone().unwrap_or_default();
    let mut object = Map::new();
    for (key, value) in [
        ("name", contact.name),
        ("email", contact.email),
        ("url", contact.url.or_else(|| settings.website.clone())),
    ] {
        if let Some(value) = value {
            object.insert(key.into(), json!(value));
        }
    }
    if !object.is_empty() {
        info["contact"] = Value::Object(object);
    }
    info
}

/// `servers`: the public URL (else `/`, the host the document came from)
/// followed by `base`, the prefix the request came through (an API Gateway
/// stage and the configured path prefix), else by the configured path prefix.
pub(super) fn servers(settings: &Settings, base: Option<&str>) -> Value {
    let prefix = base.or(settings.path_prefix.as_deref()).unwrap_or_default();
    let url = format!("{}{prefix}", settings.public_url.as_deref().unwrap_or_default());
    let url = if url.is_empty() { "/".to_owned() } else { url };
    json!([{ "url": url }])
}

/// A security requirement: `[]` when the server is open, else one
/// alternative per credential the authorizer reads, each naming `scopes`
/// (the function's) as role names.
pub(super) fn security(settings: &Settings, scopes: &[&str]) -> Value {
    settings
        .credentials
        .iter()
        .map(|credential| json!({ scheme_name(*credential): scopes }))
        .collect()
}

/// Adds `security` (and, behind an authorizer, the `401` and `403`
/// responses) to an operation of a function needing `scopes`.
pub(super) fn secure(operation: &mut Value, scopes: &[&str], settings: &Settings) {
    let Value::Object(op) = operation else { return };
    // Before `responses`, where a reader looks for it.
    let responses = op.remove("responses");
    op.insert("security".into(), security(settings, scopes));
    if let Some(mut responses) = responses {
        if !settings.credentials.is_empty()
            && let Value::Object(responses) = &mut responses
        {
            let reference = |name: &str| json!({ "$ref": format!("#/components/responses/{name}") });
            responses.insert("401".into(), reference("Unauthorized"));
            responses.insert("403".into(), reference("Forbidden"));
            // By status, `default` last.
            let mut ordered: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
            ordered.sort_by(|a, b| (a.0 == "default", &a.0).cmp(&(b.0 == "default", &b.0)));
            *responses = ordered.into_iter().collect();
        }
        op.insert("responses".into(), responses);
    }
}

/// `tags`: those `used`, the ones [`ServerConfig::tag`](crate::ServerConfig::tag)
/// describes first (in its order), then the others by name, each with a
/// description.
pub(super) fn tags(settings: &Settings, used: &BTreeSet<&str>) -> Value {
    let described = settings
        .tags
        .iter()
        .filter(|(name, _)| used.contains(name.as_str()))
        .map(|(name, description)| json!({ "name": name, "description": description }));
    let generated = used
        .iter()
        .filter(|name| !settings.tags.iter().any(|(known, _)| known == *name))
        .map(|name| {
            let description = if *name == super::tasks::TAG {
                super::tasks::TAG_DESCRIPTION.to_owned()
            } else {
                format!("Functions tagged `{name}`.")
            };
            json!({ "name": name, "description": description })
        });
    described.chain(generated).collect()
}

/// Completes a built document: the security schemes and the `401`/`403`
/// responses of a protected server, media types whose schema is the boolean
/// `true` written as `{}` (linters and 3.0 readers want an object there), and
/// no component left that nothing refers to.
pub(super) fn finish(document: &mut Value, settings: &Settings, problem: &str) {
    if !settings.credentials.is_empty() {
        let mut schemes = Map::new();
        for credential in &settings.credentials {
            let scheme = match credential {
                Credential::Bearer => json!({
                    "type": "http",
                    "scheme": "bearer",
                    "description": "`Authorization: Bearer <credential>`.",
                }),
                Credential::ApiKeyHeader(header) => json!({
                    "type": "apiKey",
                    "in": "header",
                    "name": header,
                    "description": format!("`{header}: <key>`."),
                }),
            };
            schemes.insert(scheme_name(*credential).into(), scheme);
        }
        document["components"]["securitySchemes"] = Value::Object(schemes);
        let response = |description: &str| {
            json!({
                "description": description,
                "content": { "application/problem+json": { "schema": { "$ref": format!("{SCHEMAS}{problem}") } } },
            })
        };
        if let Some(Value::Object(responses)) = document["components"].get_mut("responses") {
            responses.insert(
                "Unauthorized".into(),
                response("No credentials, or credentials that are not valid; the `WWW-Authenticate` header says what to send."),
            );
            responses.insert(
                "Forbidden".into(),
                response("The credentials are valid but may not call this function (a scope is missing)."),
            );
        }
    }
    if let Some(Value::Object(paths)) = document.get_mut("paths") {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut() {
                for content in media_contents(op) {
                    for media in content.values_mut().filter_map(Value::as_object_mut) {
                        if media.get("schema") == Some(&Value::Bool(true)) {
                            media.insert("schema".into(), json!({}));
                        }
                    }
                }
            }
        }
    }
    prune(document);
}

/// The `content` maps of an operation's request body and responses.
fn media_contents(op: &mut Value) -> Vec<&mut Map<String, Value>> {
    let mut found = Vec::new();
    let Value::Object(op) = op else { return found };
    for (key, value) in op.iter_mut() {
        match key.as_str() {
            "requestBody" => {
                if let Some(Value::Object(content)) = value.get_mut("content") {
                    found.push(content);
                }
            }
            "responses" => {
                if let Value::Object(responses) = value {
                    for response in responses.values_mut() {
                        if let Some(Value::Object(content)) = response.get_mut("content") {
                            found.push(content);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// Drops the `components/schemas` and `components/responses` entries no
/// operation reaches, directly or through other components (such as the
/// schema of a byte result, whose route answers raw bytes).
fn prune(document: &mut Value) {
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut pending = Vec::new();
    let mut roots = document.clone();
    if let Some(Value::Object(components)) = roots.get_mut("components") {
        components.remove("schemas");
        components.remove("responses");
    }
    collect_refs(&roots, &mut pending);
    while let Some(reference) = pending.pop() {
        if !reached.insert(reference.clone()) {
            continue;
        }
        if let Some(target) = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
        {
            collect_refs(target, &mut pending);
        }
    }
    let Some(Value::Object(components)) = document.get_mut("components") else {
        return;
    };
    for kind in ["schemas", "responses"] {
        if let Some(Value::Object(entries)) = components.get_mut(kind) {
            entries.retain(|name, _| reached.contains(&format!("#/components/{kind}/{}", escape(name))));
        }
    }
}

/// A JSON Pointer token: `~` → `~0`, `/` → `~1`.
fn escape(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

/// Every `$ref` string in `value`.
fn collect_refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                match (key.as_str(), value) {
                    ("$ref", Value::String(reference)) => found.push(reference.clone()),
                    _ => collect_refs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::of(&crate::ServerConfig::default())
    }

    #[test]
    fn servers_follow_the_public_url_and_the_prefix() {
        let mut settings = settings();
        assert_eq!(servers(&settings, None), json!([{"url": "/"}]));
        assert_eq!(servers(&settings, Some("/Prod")), json!([{"url": "/Prod"}]));
        settings.path_prefix = Some("/v1".into());
        assert_eq!(servers(&settings, None), json!([{"url": "/v1"}]));
        assert_eq!(servers(&settings, Some("/Prod/v1")), json!([{"url": "/Prod/v1"}]));
        settings.public_url = Some("https://api.example.com".into());
        assert_eq!(servers(&settings, None), json!([{"url": "https://api.example.com/v1"}]));
    }

    #[test]
    fn licenses_and_contacts() {
        let mut settings = settings();
        let plain = info(&settings, "d".into());
        assert!(plain.get("license").is_none() && plain.get("contact").is_none());
        settings.license = Some("MIT/Apache-2.0".into());
        settings.website = Some("https://example.com".into());
        settings.contact = Some(crate::Contact::parse_author("Ada <ada@example.com>"));
        let info = info(&settings, "d".into());
        assert_eq!(
            info["license"],
            json!({"name": "MIT/Apache-2.0", "identifier": "MIT OR Apache-2.0"})
        );
        assert_eq!(
            info["contact"],
            json!({"name": "Ada", "email": "ada@example.com", "url": "https://example.com"})
        );
    }

    #[test]
    fn security_is_empty_when_open_and_lists_each_credential_otherwise() {
        let mut settings = settings();
        assert_eq!(security(&settings, &["admin"]), json!([]));
        settings.credentials = vec![Credential::Bearer, Credential::ApiKeyHeader("X-API-Key")];
        assert_eq!(
            security(&settings, &["admin"]),
            json!([{"bearer": ["admin"]}, {"apiKey": ["admin"]}])
        );
        let mut op = json!({"operationId": "f", "responses": {"200": {}, "422": {}, "default": {}}});
        secure(&mut op, &[], &settings);
        let keys: Vec<&String> = op.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["operationId", "security", "responses"]);
        let statuses: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
        assert_eq!(statuses, ["200", "401", "403", "422", "default"]);
    }

    #[test]
    fn configured_tags_come_first_and_unused_ones_are_left_out() {
        let mut settings = settings();
        settings.tags = vec![("b".into(), "Bee.".into()), ("unused".into(), "-".into())];
        let used = BTreeSet::from(["a", "b", "c"]);
        assert_eq!(
            tags(&settings, &used),
            json!([
                {"name": "b", "description": "Bee."},
                {"name": "a", "description": "Functions tagged `a`."},
                {"name": "c", "description": "Functions tagged `c`."},
            ])
        );
    }

    #[test]
    fn unreferenced_components_are_dropped() {
        let mut document = json!({
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Ok"}}}}},
            "components": {
                "schemas": {"Used": {"items": {"$ref": "#/components/schemas/Inner"}}, "Inner": {}, "Bytes": {}},
                "responses": {"Ok": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Used"}}}}, "Gone": {}},
            },
        });
        prune(&mut document);
        let names = |kind: &str| -> Vec<String> {
            document["components"][kind]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(names("schemas"), ["Used", "Inner"]);
        assert_eq!(names("responses"), ["Ok"]);
    }
}
