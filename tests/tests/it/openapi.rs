//! `GET /openapi.json`: a snapshot of the fixtures' document, its determinism,
//! and structural checks (one operation per route, every `$ref` resolves).

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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry(), config).serve_on(listener));
    let response = reqwest::get(format!("{base}/openapi.json"))
        .await
        .expect("GET /openapi.json");
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
    assert!(document.get("servers").is_none(), "no servers without a public URL");

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
fn a_configured_authorizer_declares_bearer_security() {
    let open = openapi::document(&registry(), &config());
    assert!(open.get("security").is_none(), "no authorizer, no security requirement");
    let keys = registry_server::auth::ApiKeys::parse("s3cret").unwrap();
    let document = openapi::document(&registry(), &config().authorizer(keys));
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"],
        json!({"type": "http", "scheme": "bearer"})
    );
    assert_eq!(document["security"], json!([{"bearer": []}]));
}
