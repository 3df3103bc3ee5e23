//! The quickstart's functions answer the same through REST and MCP.

use registry_core::Registry;
use registry_server::testing::TestClient;
use serde_json::json;

fn client() -> TestClient {
    let builder = quickstart::FUNCTIONS
        .iter()
        .fold(Registry::builder(), |b, name| b.name(*name));
    TestClient::new(builder.build().unwrap())
}

#[tokio::test]
async fn both_protocols_agree() {
    let client = client();
    assert_eq!(
        client.assert_parity("add", json!({"a": 2, "b": 40})).await,
        Ok(json!(42))
    );
    assert_eq!(
        client.assert_parity("divide", json!({"a": 1, "b": 4})).await,
        Ok(json!(0.25))
    );
    assert_eq!(
        client
            .assert_parity("greet", json!({"name": "Ada", "excited": true}))
            .await,
        Ok(json!("Hello, Ada!"))
    );
    // Request ids differ per call, so compare what they share.
    for outcome in [
        client.rest("pause", json!({"ms": 1})).await,
        client.mcp("pause", json!({"ms": 1})).await,
    ] {
        let text = outcome.into_result().unwrap();
        assert!(text.as_str().unwrap().ends_with("waited 1 ms"), "{text}");
    }
}

#[tokio::test]
async fn both_protocols_fail_the_same_way() {
    let client = client();
    let invalid = Err("invalid_arguments".to_owned());
    assert_eq!(client.assert_parity("divide", json!({"a": 1, "b": 0})).await, invalid);
    assert_eq!(client.assert_parity("add", json!({"a": "two", "b": 1})).await, invalid);
    assert_eq!(client.assert_parity("greet", json!({})).await, invalid);
    assert_eq!(
        client.assert_parity("pause", json!({"ms": 5_000})).await,
        Err("timeout".to_owned())
    );
}
