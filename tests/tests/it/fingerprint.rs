//! Contract fingerprints through a real server: every `tools/list` entry
//! carries `_meta["api-registry/fingerprint"]`, every OpenAPI operation
//! `x-fingerprint`, and one function has one fingerprint on both protocols,
//! the same on every build of the registry.

use std::collections::BTreeMap;

use registry_core::{Protocol, Registry};
use registry_server::{Server, ServerConfig, fingerprint};
use registry_tests as _;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::mcp_http::legacy;

fn registry() -> Registry {
    Registry::from_inventory().expect("consistent fixture registry")
}

fn is_fingerprint(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[tokio::test]
async fn both_protocols_advertise_one_fingerprint_per_function() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(Server::new(registry(), ServerConfig::default()).serve_on(listener));

    let list = legacy(&format!("{base}/mcp"), 1, "tools/list", json!({})).await.json();
    let tools = list["result"]["tools"].as_array().expect("tools");
    let mut from_mcp = BTreeMap::new();
    for tool in tools {
        let name = tool["name"].as_str().expect("name");
        let print = tool["_meta"][fingerprint::MCP_META_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no fingerprint in {}", tool["_meta"]));
        assert!(is_fingerprint(print), "{name}: {print}");
        from_mcp.insert(name.to_owned(), print.to_owned());
    }
    assert_eq!(
        from_mcp.len(),
        registry()
            .exposed(Protocol::Mcp)
            .filter(|e| e.function().is_tool())
            .count()
    );

    let document: Value = reqwest::get(format!("{base}/openapi.json"))
        .await
        .expect("GET /openapi.json")
        .json()
        .await
        .expect("JSON");
    let registry = registry();
    let mut both = 0;
    for item in document["paths"].as_object().expect("paths").values() {
        for operation in item.as_object().expect("path item").values() {
            let name = operation["operationId"].as_str().expect("operationId");
            let print = operation[fingerprint::OPENAPI_EXTENSION]
                .as_str()
                .unwrap_or_else(|| panic!("{name}: no x-fingerprint"));
            assert!(is_fingerprint(print), "{name}: {print}");
            let entry = registry.get(name).expect("a registered function");
            assert_eq!(
                print,
                fingerprint::of(entry),
                "{name}: the document's is the function's"
            );
            if let Some(mcp) = from_mcp.get(name) {
                assert_eq!(mcp, print, "{name}: one fingerprint on both protocols");
                both += 1;
            }
        }
    }
    assert!(both >= 10, "most fixtures are on both protocols ({both})");
}

#[test]
fn fingerprints_are_the_same_on_every_build() {
    let first: Vec<String> = registry().entries().iter().map(fingerprint::of).collect();
    let again: Vec<String> = registry().entries().iter().map(fingerprint::of).collect();
    assert_eq!(first, again);
    let distinct: std::collections::BTreeSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), first.len(), "every function has its own");
}
