//! `GET /openapi.json`: a snapshot of the fixtures' document, its determinism,
//! and structural checks (one operation per route, every `$ref` resolves);
//! the root fields (servers, security, tags, license, contact); and the 3.0.3
//! down-level document at `GET /openapi-3.0.json`.

use std::collections::BTreeSet;

use registry_core::{Protocol, Registry};
use registry_server::{Server, ServerConfig, openapi};
use registry_tests as _;
use serde_json::{Value, json};

fn config() -> ServerConfig {
    ServerConfig::default().info("registry fixtures", "0.1.0")
}

fn registry() -> Registry {
    Registry::from_inventory().expect("consistent registry")
}

async fn fetch(config: ServerConfig) -> (String, String) {
    fetch_path(config, "/openapi.json").await
}

async fn fetch_path(config: ServerConfig, path: &str) -> (String, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry(), config).serve_on(listener));
    let response = reqwest::get(format!("{base}{path}")).await.expect("GET the document");
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().expect("ASCII").to_owned();
    (content_type, response.text().await.expect("body"))
}

#[tokio::test]
async fn served_document_matches_the_snapshot() {
    let (content_type, text) = fetch(config()).await;
    assert_eq!(content_type, "application/json");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    insta::assert_json_snapshot!("openapi", document);
}

#[tokio::test]
async fn document_is_deterministic() {
    let first = serde_json::to_vec_pretty(&openapi::document(&registry(), &config())).expect("serializes");
    for _ in 0..3 {
        let again = serde_json::to_vec_pretty(&openapi::document(&registry(), &config())).expect("serializes");
        assert!(first == again, "two builds of the document differ");
    }
    let (_, served) = fetch(config()).await;
    let (_, served_again) = fetch(config()).await;
    assert_eq!(served, served_again, "two servers serve different bytes");
    assert_eq!(
        served.as_bytes(),
        first.as_slice(),
        "the served document is the in-process one"
    );
}

#[test]
fn one_operation_per_rest_function() {
    let registry = registry();
    let document = openapi::document(&registry, &config());
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["info"]["title"], "registry fixtures");
    assert_eq!(
        document["servers"],
        json!([{"url": "/"}]),
        "without a public URL, the host the document came from"
    );
    assert_eq!(document["security"], json!([]), "an open server says so");

    let mut seen = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let name = operation["operationId"].as_str().expect("operationId");
            assert!(seen.insert(name.to_owned()), "`{name}` appears twice");
            let entry = registry.get(name).expect("a registered function");
            assert_eq!(entry.path(), path);
            assert_eq!(entry.function().method().as_str().to_ascii_lowercase(), *method);
            assert_eq!(operation["summary"], json!(entry.function().summary()));
            assert_eq!(operation["tags"], json!(entry.function().tags()));
            assert_eq!(operation["security"], json!([]), "{name}");
            assert!(
                operation["description"].as_str().is_some_and(|d| !d.is_empty()),
                "{name} has a description"
            );
            let responses = operation["responses"].as_object().expect("responses");
            assert!(responses.contains_key("200") || responses.contains_key("204"), "{name}");
            assert!(
                responses.contains_key("422") && responses.contains_key("default"),
                "{name}"
            );
        }
    }
    let exposed: BTreeSet<String> = registry.exposed(Protocol::Rest).map(|e| e.name().to_owned()).collect();
    assert_eq!(seen, exposed);
    assert!(!seen.contains("mcp_only") && seen.contains("rest_only"));
}

#[test]
fn operations_describe_their_arguments() {
    let document = openapi::document(&registry(), &config());
    let op = |path: &str, method: &str| document["paths"][path][method].clone();

    let search = op("/api/search", "get");
    assert!(search.get("requestBody").is_none());
    let params = search["parameters"].as_array().expect("parameters");
    let param = |name: &str| params.iter().find(|p| p["name"] == name).cloned().expect(name);
    assert_eq!(param("q")["required"], true);
    assert_eq!(param("q")["in"], "query");
    assert_eq!(param("limit")["required"], false);
    assert_eq!(param("limit")["schema"]["default"], 3);
    assert_eq!(param("tags")["schema"]["type"], "array");
    assert_eq!(param("tags")["explode"], true);
    assert_eq!(param("q")["description"], "text to look for");

    let item = op("/api/items/{id}", "get");
    let params = item["parameters"].as_array().expect("parameters");
    assert_eq!(params[0]["name"], "id");
    assert_eq!(params[0]["in"], "path");
    assert_eq!(params[0]["required"], true);
    // `Option<bool>`: the query can only omit it, never send null.
    assert_eq!(params[1]["schema"], json!({"type": "boolean"}));
    assert_eq!(
        item["responses"]["200"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/Item"})
    );
    assert!(item["responses"].get("404").is_some());

    let add = op("/api/add", "post");
    let body = &add["requestBody"];
    assert_eq!(body["required"], true);
    assert_eq!(
        body["content"]["application/json"]["schema"]["required"],
        json!(["a", "b"])
    );
    for status in ["400", "413", "415", "422"] {
        assert!(add["responses"].get(status).is_some(), "add lacks {status}");
    }

    let reset = op("/api/counter", "delete");
    assert!(reset["responses"].get("204").is_some());
    assert!(reset["responses"].get("200").is_none());

    let measure = op("/api/measure", "post");
    let shape = &measure["requestBody"]["content"]["application/json"]["schema"]["properties"]["shape"];
    assert_eq!(shape["$ref"], "#/components/schemas/Shape");

    let problem = &document["components"]["responses"]["InvalidArguments"]["content"]["application/problem+json"];
    assert_eq!(problem["schema"]["$ref"], "#/components/schemas/Problem");
}

/// Every `$ref` in `value`.
fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                if key == "$ref" {
                    found.push(value.as_str().expect("string $ref").to_owned());
                } else {
                    refs(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_no_defs_remain() {
    let document = openapi::document(&registry(), &config());
    let text = document.to_string();
    assert!(!text.contains("$defs"), "a `$defs` was not hoisted");
    assert!(!text.contains("\"$schema\""), "a `$schema` survived");
    let mut found = Vec::new();
    refs(&document, &mut found);
    assert!(!found.is_empty());
    for reference in found {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(
            pointer.starts_with("/components/"),
            "{reference} points outside components"
        );
        assert!(document.pointer(pointer).is_some(), "{reference} does not resolve");
    }
    let names: Vec<&String> = document["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    for name in names {
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c)),
            "bad component name {name}"
        );
    }
}

#[test]
fn public_url_becomes_the_server() {
    let config = config().public_url("https://api.example.com/");
    let document = openapi::document(&registry(), &config);
    assert_eq!(document["servers"], json!([{"url": "https://api.example.com"}]));
}

#[test]
fn a_configured_authorizer_declares_its_credentials() {
    let open = openapi::document(&registry(), &config());
    assert_eq!(open["security"], json!([]), "no authorizer: open, and said so");
    assert!(open["components"].get("securitySchemes").is_none());
    assert!(open["components"]["responses"].get("Unauthorized").is_none());
    assert!(open["paths"]["/api/add"]["post"]["responses"].get("401").is_none());

    let keys = registry_server::auth::ApiKeys::parse("s3cret").unwrap();
    let document = openapi::document(&registry(), &config().authorizer(keys));
    // `ApiKeys` reads `Authorization: Bearer` and `X-API-Key`: either lets a request in.
    assert_eq!(
        document["components"]["securitySchemes"],
        json!({
            "bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <credential>`."},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key", "description": "`X-API-Key: <key>`."},
        })
    );
    let either = json!([{"bearer": []}, {"apiKey": []}]);
    assert_eq!(document["security"], either);
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            assert_eq!(operation["security"], either, "{}", operation["operationId"]);
            assert_eq!(
                operation["responses"]["401"],
                json!({"$ref": "#/components/responses/Unauthorized"})
            );
            assert_eq!(
                operation["responses"]["403"],
                json!({"$ref": "#/components/responses/Forbidden"})
            );
            let statuses: Vec<&String> = operation["responses"].as_object().unwrap().keys().collect();
            let mut sorted = statuses.clone();
            sorted.sort_by_key(|s| (*s == "default", s.to_string()));
            assert_eq!(statuses, sorted, "responses by status, `default` last");
        }
    }
    let unauthorized = &document["components"]["responses"]["Unauthorized"]["content"]["application/problem+json"];
    assert_eq!(unauthorized["schema"]["$ref"], "#/components/schemas/Problem");

    /// An authorizer of bearer tokens only: the default credentials.
    struct BearerOnly;
    impl registry_server::Authorizer for BearerOnly {
        fn authorize<'a>(
            &'a self,
            _: &'a registry_server::axum::http::HeaderMap,
        ) -> registry_server::auth::AuthFuture<'a> {
            Box::pin(async { Err(registry_server::AuthError::Unauthorized("no".into())) })
        }
    }
    let document = openapi::document(&registry(), &config().authorizer(BearerOnly));
    assert_eq!(document["security"], json!([{"bearer": []}]));
    assert_eq!(
        document["components"]["securitySchemes"].as_object().unwrap().len(),
        1,
        "{}",
        document["components"]["securitySchemes"]
    );
}

#[test]
fn servers_follow_the_public_url_and_the_path_prefix() {
    let prefixed = openapi::document(&registry(), &config().path_prefix("/v1"));
    assert_eq!(prefixed["servers"], json!([{"url": "/v1"}]));
    let both = openapi::document(
        &registry(),
        &config().public_url("https://api.example.com").path_prefix("v1/"),
    );
    assert_eq!(both["servers"], json!([{"url": "https://api.example.com/v1"}]));
}

#[test]
fn tags_are_declared_once_each_with_a_description() {
    let config = config().tag("math", "Arithmetic.").tag("unused", "No function has it.");
    let document = openapi::document(&registry(), &config);
    let tags = document["tags"].as_array().expect("tags");
    assert_eq!(
        tags[0],
        json!({"name": "math", "description": "Arithmetic."}),
        "described tags first"
    );
    assert!(
        tags.iter().all(|t| t["name"] != "unused"),
        "a tag no function carries is left out"
    );
    assert!(tags.contains(&json!({"name": "items", "description": "Functions tagged `items`."})));
    let declared: Vec<&str> = tags.iter().map(|t| t["name"].as_str().unwrap()).collect();
    let rest = &declared[1..];
    assert!(rest.windows(2).all(|w| w[0] < w[1]), "then by name: {declared:?}");
    let mut used = BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            for tag in operation["tags"].as_array().into_iter().flatten() {
                used.insert(tag.as_str().unwrap());
            }
        }
    }
    assert_eq!(used, declared.iter().copied().collect::<BTreeSet<_>>());
}

#[test]
fn info_names_the_license_and_a_contact() {
    let plain = openapi::document(&registry(), &config());
    assert!(plain["info"].get("license").is_none() && plain["info"].get("contact").is_none());

    // `app!()` reads this crate's Cargo.toml: `license` and `repository` (the website).
    let app = registry_server::app!();
    let document = openapi::document(&registry(), app.server_config());
    assert_eq!(document["info"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        document["info"]["license"],
        json!({"name": env!("CARGO_PKG_LICENSE"), "identifier": env!("CARGO_PKG_LICENSE")})
    );
    assert_eq!(
        document["info"]["contact"],
        json!({"url": env!("CARGO_PKG_REPOSITORY")})
    );

    let info = registry_server::AppInfo::new("t", "2.0.0")
        .license("MIT")
        .website("https://example.com")
        .contact(registry_server::Contact::parse_author("Ada <ada@example.com>"));
    let document = openapi::document(&registry(), &ServerConfig::default().app(info));
    assert_eq!(document["info"]["version"], "2.0.0");
    assert_eq!(
        document["info"]["contact"],
        json!({"name": "Ada", "email": "ada@example.com", "url": "https://example.com"})
    );
    let down = openapi::document_v30(
        &registry(),
        &ServerConfig::default().app(registry_server::AppInfo::new("t", "2.0.0").license("MIT")),
    );
    assert_eq!(
        down["info"]["license"],
        json!({"name": "MIT", "url": "https://spdx.org/licenses/MIT.html"})
    );
}

#[test]
fn every_component_is_referred_to() {
    let document = openapi::document(&registry(), &config());
    let mut found = Vec::new();
    refs(&document, &mut found);
    for kind in ["schemas", "responses"] {
        for name in document["components"][kind].as_object().expect(kind).keys() {
            let reference = format!("#/components/{kind}/{name}");
            assert!(found.contains(&reference), "{reference} is never used");
        }
    }
}

/// Every key of every object in `value`, and every string it holds.
fn walk<'a>(value: &'a Value, visit: &mut impl FnMut(&'a str, &'a Value)) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                visit(key, value);
                walk(value, visit);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

#[tokio::test]
async fn the_down_level_document_is_openapi_3_0() {
    let (content_type, text) = fetch_path(config(), "/openapi-3.0.json").await;
    assert_eq!(content_type, "application/json");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        text.as_bytes(),
        serde_json::to_vec_pretty(&openapi::document_v30(&registry(), &config()))
            .unwrap()
            .as_slice(),
        "the served document is the in-process one"
    );
    assert_eq!(document["openapi"], "3.0.3");
    assert!(document.get("jsonSchemaDialect").is_none());
    walk(&document, &mut |key, value| {
        // Property names are not keywords: only look at schema-shaped places.
        if key == "type" {
            assert!(value.is_string() || value.is_object(), "a type array survived: {value}");
            assert_ne!(value, "null", "a null type survived");
        }
        for keyword in ["const", "examples", "$defs", "prefixItems", "contentMediaType"] {
            if key == keyword && !value.is_object() {
                panic!("`{keyword}` survived: {value}");
            }
        }
        if key == "exclusiveMinimum" || key == "exclusiveMaximum" {
            assert!(value.is_boolean(), "{key} is numeric: {value}");
        }
    });
    let mut found = Vec::new();
    refs(&document, &mut found);
    for reference in found {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        assert!(document.pointer(pointer).is_some(), "{reference} does not resolve");
    }
    // Same operations as the 3.1 document; `default` is the error ranges.
    let full = openapi::document(&registry(), &config());
    for (path, item) in full["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let down = &document["paths"][path][method];
            assert_eq!(down["operationId"], operation["operationId"]);
            assert!(down["responses"].get("default").is_none());
            assert_eq!(down["responses"]["4XX"], operation["responses"]["default"]);
            assert_eq!(down["responses"]["5XX"], operation["responses"]["default"]);
        }
    }
    // An `Option<String>` output field, in 3.0 form: nullable exactly when the 3.1 one admits `null`.
    let field = |document: &Value| document["components"]["schemas"]["Item"]["properties"]["description"].clone();
    assert_eq!(field(&document)["type"], "string", "{}", field(&document));
    assert_eq!(
        field(&document)["nullable"] == true,
        field(&full).to_string().contains("null"),
        "{} from {}",
        field(&document),
        field(&full)
    );
    insta::assert_json_snapshot!("openapi-3.0", document);
}
