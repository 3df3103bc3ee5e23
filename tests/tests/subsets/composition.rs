//! Composition without giving up the CLI: routes and tower layers added
//! through `ServerConfig::extend_router`, everything under a `/v1` prefix,
//! and a server on a Unix socket, each checked through real sockets.

use registry_core::Registry;
use registry_server::axum::http::HeaderValue;
use registry_server::axum::middleware::map_response;
use registry_server::axum::response::Response;
use registry_server::axum::routing::get;
use registry_server::{Server, ServerConfig};
use serde_json::{Value, json};

fn registry() -> Registry {
    Registry::builder().tag("hooks").build().unwrap()
}

async fn tag_response(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert("x-extended", HeaderValue::from_static("yes"));
    response
}

fn extended() -> ServerConfig {
    ServerConfig::default()
        .extend_router(|router| {
            router
                .route("/hello", get(|| async { "hello from the application" }))
                .layer(map_response(tag_response))
        })
        .path_prefix("/v1")
}

#[tokio::test]
async fn routes_layers_and_a_prefix_through_the_config() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry(), extended()).serve_on(listener));
    let http = reqwest::Client::new();

    let hello = http.get(format!("{base}/v1/hello")).send().await.unwrap();
    assert_eq!(hello.status(), 200);
    assert_eq!(hello.headers()["x-extended"], "yes");
    assert!(
        hello.headers().contains_key("x-request-id"),
        "the edge wraps added routes too"
    );
    assert_eq!(hello.text().await.unwrap(), "hello from the application");

    let call = http
        .post(format!("{base}/v1/api/hook_tenant"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 200);
    assert_eq!(call.headers()["x-extended"], "yes", "the layer wraps the REST routes");

    let list: Value = http
        .post(format!("{base}/v1/mcp"))
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", "2025-11-25")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list["result"]["tools"].as_array().is_some_and(|t| !t.is_empty()),
        "{list}"
    );

    let document: Value = http
        .get(format!("{base}/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["servers"][0]["url"], "/v1", "{}", document["servers"]);
    let down: Value = http
        .get(format!("{base}/v1/openapi-3.0.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(down["openapi"], "3.0.3");
    assert_eq!(down["servers"], document["servers"], "both documents name the prefix");
    assert!(document["paths"].get("/api/hook_tenant").is_some());
    let docs = http.get(format!("{base}/v1/docs")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.unwrap().contains("hook_tenant"));

    // Nothing answers outside the prefix but a 404 problem.
    let outside = http.get(format!("{base}/api/hook_tenant")).send().await.unwrap();
    assert_eq!(outside.status(), 404);
    assert_eq!(outside.headers()["content-type"], "application/problem+json");
}

/// One HTTP/1.1 request over the Unix socket at `path`; the status line and body.
#[cfg(unix)]
async fn over_unix(path: &std::path::Path, method: &str, uri: &str, body: &str, headers: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::UnixStream::connect(path).await.unwrap();
    let request = format!(
        "{method} {uri} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\n{headers}content-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

#[cfg(unix)]
#[tokio::test]
async fn a_unix_socket_server_answers_rest_and_mcp() {
    let path = std::env::temp_dir().join(format!("api-registry-{}.sock", std::process::id()));
    let server = Server::new(registry(), ServerConfig::default());
    tokio::spawn(server.serve_unix(path.clone()));
    for _ in 0..200 {
        if tokio::net::UnixStream::connect(&path).await.is_ok() {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let (status, body) = over_unix(&path, "POST", "/api/hook_tenant", "{}", "").await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {body}");
    let call =
        r#"{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "hook_tenant", "arguments": {}}}"#;
    let (status, body) = over_unix(
        &path,
        "POST",
        "/mcp",
        call,
        "accept: application/json, text/event-stream\r\nmcp-protocol-version: 2025-11-25\r\n",
    )
    .await;
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {body}");
    assert!(body.contains("\"isError\":false"), "{body}");
    let _ = std::fs::remove_file(&path);
}
