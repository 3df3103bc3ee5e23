//! Results keep their fields in declaration order on every protocol
//! (`Item` declares `id`, `name`, `description`: not alphabetical).

use registry_core::Registry;
use registry_server::{Server, ServerConfig};
use tokio::net::TcpListener;

/// The positions of `keys` in `text`, which must be increasing.
fn assert_in_order(text: &str, keys: &[&str], via: &str) {
    let positions: Vec<usize> = keys
        .iter()
        .map(|key| {
            text.find(&format!("\"{key}\""))
                .unwrap_or_else(|| panic!("{via}: no `{key}` in {text}"))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "{via}: keys out of order in {text}"
    );
}

#[tokio::test]
async fn result_fields_come_out_in_declaration_order() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(Registry::from_inventory().unwrap(), ServerConfig::default()).serve_on(listener));
    let keys = ["id", "name", "description"];

    let rest = reqwest::get(format!("{base}/api/items/3?verbose=true"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_in_order(&rest, &keys, "REST");

    let body = r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_item", "arguments": {"id": 3, "verbose": true}}}"#;
    let mcp = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .body(body)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let structured = &mcp[mcp.find("structuredContent").expect("structured content")..];
    assert_in_order(structured, &keys, "MCP structuredContent");
    // The text block is the same JSON, escaped.
    let text = &mcp[mcp.find("\"text\"").expect("a text block")..];
    assert_in_order(&text.replace("\\\"", "\""), &keys, "MCP text");

    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["call", "get_item", r#"{"id": 3, "verbose": true}"#])
        .output()
        .unwrap();
    assert_in_order(&String::from_utf8_lossy(&cli.stdout), &keys, "CLI call");
}
