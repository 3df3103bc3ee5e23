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

#[tokio::test]
async fn resources_and_the_prompt() {
    let builder = quickstart::FUNCTIONS
        .iter()
        .chain(&quickstart::PRIMITIVES)
        .fold(Registry::builder(), |b, name| b.name(*name));
    let client = TestClient::new(builder.build().unwrap());
    let read = client
        .mcp_method("resources/read", json!({"uri": "quickstart://greetings/Ada"}))
        .await;
    assert_eq!(read["result"]["contents"][0]["text"], "Hello, Ada!");
    let about = client
        .mcp_method("resources/read", json!({"uri": "quickstart://about"}))
        .await;
    assert_eq!(about["result"]["contents"][0]["mimeType"], "text/markdown");
    let got = client
        .mcp_method(
            "prompts/get",
            json!({"name": "review", "arguments": {"code": "fn f() {}", "strictness": "strict"}}),
        )
        .await;
    assert_eq!(got["result"]["messages"][1]["role"], "assistant");
    let completed = client
        .mcp_method(
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "review"}, "argument": {"name": "strictness", "value": "g"}}),
        )
        .await;
    assert_eq!(completed["result"]["completion"]["values"], json!(["gentle"]));
}
