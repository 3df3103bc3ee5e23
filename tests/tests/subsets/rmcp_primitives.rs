//! The rmcp client (a real third-party MCP client) against the hashstats
//! example on a loopback socket, in both eras: list and read resources and
//! templates, list and get prompts, complete an argument.

use registry_server::{Server, ServerConfig};
use rmcp::model::{GetPromptRequestParams, ProtocolVersion, ReadResourceRequestParams, ResourceContents};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientLifecycleMode, ClientServiceExt};
use serde_json::json;

async fn serve_hashstats() -> String {
    let upstream = hashstats::offline::spawn().await.unwrap();
    let registry = hashstats::registry(hashstats::Upstream::new(upstream)).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let server = Server::new(registry, ServerConfig::default().info("hashstats", "0.1.0"));
    tokio::spawn(async move { server.serve_on(listener).await });
    url
}

async fn session(url: &str, lifecycle: ClientLifecycleMode, expected: ProtocolVersion) {
    let transport = StreamableHttpClientTransport::from_uri(url.to_owned());
    let client = ().serve_with_lifecycle(transport, lifecycle).await.expect("rmcp client connects");
    let info = client.peer_info().expect("peer info");
    assert_eq!(info.protocol_version, expected);
    assert!(info.capabilities.resources.is_some() && info.capabilities.prompts.is_some());
    assert!(info.capabilities.completions.is_some());

    let resources = client.list_all_resources().await.expect("resources/list");
    let mut uris: Vec<&str> = resources.iter().map(|r| r.uri.as_str()).collect();
    uris.sort_unstable();
    assert_eq!(
        uris,
        [
            "hashstats://charts/difficulty.svg",
            "hashstats://difficulty",
            "hashstats://fees"
        ]
    );
    let templates = client
        .list_all_resource_templates()
        .await
        .expect("resources/templates/list");
    assert_eq!(templates[0].uri_template, "hashstats://blocks/{height}");

    let read = client
        .read_resource(ReadResourceRequestParams::new("hashstats://blocks/924995"))
        .await
        .expect("resources/read");
    match &read.contents[0] {
        ResourceContents::TextResourceContents { mime_type, text, .. } => {
            assert_eq!(mime_type.as_deref(), Some("application/json"));
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(text).unwrap()["height"],
                924_995
            );
        }
        other => panic!("expected text contents, got {other:?}"),
    }
    let chart = client
        .read_resource(ReadResourceRequestParams::new("hashstats://charts/difficulty.svg"))
        .await
        .expect("binary resource");
    assert!(
        matches!(&chart.contents[0], ResourceContents::BlobResourceContents { mime_type, .. } if mime_type.as_deref() == Some("image/svg+xml"))
    );

    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let mut names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["explain_block", "mining_report"]);
    let arguments = json!({"period": "3d"}).as_object().cloned().unwrap();
    let report = client
        .get_prompt(GetPromptRequestParams::new("mining_report").with_arguments(arguments))
        .await
        .expect("prompts/get");
    let first = serde_json::to_value(&report.messages[0]).unwrap();
    assert!(
        first["content"]["text"].as_str().unwrap().contains("last 3d"),
        "{first}"
    );

    let period = client
        .complete_prompt_argument("mining_report", "period", "2", None)
        .await
        .expect("completion/complete");
    assert_eq!(period.values, ["24h"]);
    let heights = client
        .complete_resource_argument("hashstats://blocks/{height}", "height", "925", None)
        .await
        .expect("completion/complete for a template");
    assert!(!heights.values.is_empty() && heights.values.iter().all(|v| v.starts_with("925")));
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn rmcp_reads_resources_gets_prompts_and_completes_in_both_eras() {
    let url = serve_hashstats().await;
    session(&url, ClientLifecycleMode::Initialize, ProtocolVersion::V_2025_11_25).await;
    session(
        &url,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
        ProtocolVersion::V_2026_07_28,
    )
    .await;
}
