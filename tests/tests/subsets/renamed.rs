//! `#[arg(rename = "...")]`: the JSON property differs from the Rust name,
//! in the schema, on REST (body, query and path) and on MCP alike.

use registry_core::{Context, Protocol, Registry, api_function};
use registry_server::testing::TestClient;
use serde_json::json;

/// Describe a thing of a kind (`type` is a Rust keyword, so the argument is `kind`).
///
/// # Arguments
/// * `kind` - the thing's type
/// * `count` - how many
#[api_function(tags = ["renamed"])]
fn describe(#[arg(rename = "type")] kind: String, #[arg(rename = "n", default = 1)] count: u32) -> String {
    format!("{count} × {kind}")
}

/// Look a thing up by its id, in the path.
#[api_function(tags = ["renamed"], method = "GET", path = "/api/things/{thing_id}")]
fn thing(#[arg(rename = "thing_id")] id: u32, #[arg(rename = "with-name")] with_name: Option<bool>) -> String {
    if with_name.unwrap_or(false) {
        format!("thing {id} (named)")
    } else {
        format!("thing {id}")
    }
}

#[tokio::test]
async fn renamed_arguments_are_their_property_everywhere() {
    let registry = Registry::builder().tag("renamed").build().unwrap();
    let schema = &registry.get("describe").unwrap().schemas().input;
    assert_eq!(schema["required"], json!(["type"]), "{schema}");
    assert_eq!(
        schema["properties"]["type"]["description"], "the thing's type",
        "{schema}"
    );
    assert!(schema["properties"].get("kind").is_none());
    assert!(schema["properties"].get("n").is_some());

    let client = TestClient::new(registry.clone());
    assert_eq!(
        client.assert_parity("describe", json!({"type": "bolt", "n": 3})).await,
        Ok(json!("3 × bolt"))
    );
    // The Rust name is not a property: it is refused like any unknown field.
    assert_eq!(
        client.assert_parity("describe", json!({"kind": "bolt"})).await,
        Err("invalid_arguments".to_owned())
    );
    assert_eq!(
        client
            .assert_parity("thing", json!({"thing_id": 7, "with-name": true}))
            .await,
        Ok(json!("thing 7 (named)"))
    );
    let direct = registry
        .invoke("describe", json!({"type": "nut"}), Context::new(Protocol::Direct))
        .await;
    assert_eq!(direct.unwrap(), json!("1 × nut"));
}
