//! MCP over stdio: the fixture server binary as a child process, driven by the
//! `rmcp` client in both eras and by raw newline-delimited JSON.

use std::process::Stdio;
use std::time::Duration;

use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientLifecycleMode, ClientServiceExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::rmcp_client::{Recorder, args};

fn fixture_server() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixture-server"));
    command.arg("stdio").env("RUST_LOG", "info");
    command
}

async fn rmcp_session(lifecycle: ClientLifecycleMode, expected: ProtocolVersion) {
    let recorder = Recorder::default();
    let transport = TokioChildProcess::new(fixture_server()).expect("spawn fixture-server stdio");
    let client = recorder
        .clone()
        .serve_with_lifecycle(transport, lifecycle)
        .await
        .expect("rmcp client connects over stdio");
    assert_eq!(client.peer_info().expect("peer info").protocol_version, expected);

    let tools = client.list_all_tools().await.expect("tools/list");
    let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
    assert!(names.contains(&"add") && names.contains(&"mcp_only") && !names.contains(&"rest_only"));

    let sum = client
        .call_tool(CallToolRequestParams::new("add").with_arguments(args(json!({"a": 2, "b": 3}))))
        .await
        .expect("sync tool");
    assert_eq!(sum.structured_content, Some(json!({"result": 5})));
    let echoed = client
        .call_tool(CallToolRequestParams::new("echo").with_arguments(args(json!({"message": "ab", "times": 2}))))
        .await
        .expect("async tool");
    assert_eq!(echoed.structured_content.as_ref().unwrap()["message"], "abab");
    let bad = client
        .call_tool(CallToolRequestParams::new("echo").with_arguments(args(json!({"times": 2}))))
        .await
        .expect("bad arguments are a result");
    assert_eq!(bad.is_error, Some(true));
    client.cancel().await.expect("close");
}

#[tokio::test]
async fn rmcp_client_over_child_process_stdio_both_eras() {
    rmcp_session(ClientLifecycleMode::Initialize, ProtocolVersion::V_2025_11_25).await;
    rmcp_session(
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
        ProtocolVersion::V_2026_07_28,
    )
    .await;
}

/// Writes `lines` to a fresh `fixture-server stdio`, closes stdin, and returns every stdout line.
async fn converse(lines: &[Value], raw_prefix: &[&str], pause_after: Option<usize>) -> (Vec<Value>, bool) {
    let mut child = fixture_server()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    for raw in raw_prefix {
        stdin.write_all(format!("{raw}\n").as_bytes()).await.unwrap();
    }
    for (i, line) in lines.iter().enumerate() {
        stdin.write_all(format!("{line}\n").as_bytes()).await.unwrap();
        stdin.flush().await.unwrap();
        if pause_after == Some(i) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    drop(stdin);
    let mut out = Vec::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(line) = reader.next_line().await.unwrap() {
        out.push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("stdout carries only JSON ({e}): {line}")));
    }
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits at stdin EOF")
        .unwrap();
    (out, status.success())
}

fn by_id(messages: &[Value], id: Value) -> Option<&Value> {
    messages.iter().find(|m| m.get("id") == Some(&id))
}

#[tokio::test]
async fn raw_stdio_errors_progress_and_exit_on_eof() {
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "ping"}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "nope"}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
            "params": {"name": "count_steps", "arguments": {"steps": 2}, "_meta": {"progressToken": "s"}}}),
        json!({"jsonrpc": "2.0", "id": "five", "method": "tools/call", "params": {"name": "no_such_tool"}}),
    ];
    let (out, ok) = converse(&lines, &["{oops", "", "[]"], None).await;
    assert!(ok, "clean exit at EOF");
    assert_eq!(out[0]["error"]["code"], -32700);
    assert_eq!(out[0]["id"], Value::Null);
    assert_eq!(out[1]["error"]["code"], -32600, "an array is not a request");
    assert_eq!(
        by_id(&out, json!(1)).unwrap()["result"]["protocolVersion"],
        "2025-06-18"
    );
    assert_eq!(by_id(&out, json!(2)).unwrap()["result"], json!({}));
    assert_eq!(by_id(&out, json!(3)).unwrap()["error"]["code"], -32601);
    assert_eq!(by_id(&out, json!("five")).unwrap()["error"]["code"], -32602);

    let progress: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, m)| m["method"] == "notifications/progress")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(progress.len(), 2);
    let result = out.iter().position(|m| m.get("id") == Some(&json!(4))).unwrap();
    assert!(
        progress.iter().all(|&i| i < result),
        "notifications come before the result"
    );
    assert_eq!(out[result]["result"]["structuredContent"], json!({"result": 2}));
    assert_eq!(out.len(), 2 + 5 + 2, "one reply per request, none for notifications");
}

#[tokio::test]
async fn stdio_cancellation_suppresses_the_response() {
    // `sleepy` 280 ms answers inside its 300 ms timeout unless cancelled; the
    // server drains in-flight calls at EOF, so an uncancelled call would answer.
    let lines = [
        json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "sleepy", "arguments": {"ms": 280}}}),
        json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 7, "reason": "user"}}),
        json!({"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": {"name": "sleepy", "arguments": {"ms": 1}}}),
    ];
    let (out, ok) = converse(&lines, &[], Some(0)).await;
    assert!(ok);
    assert!(
        by_id(&out, json!(7)).is_none(),
        "a cancelled request gets no response: {out:?}"
    );
    assert_eq!(
        by_id(&out, json!(8)).unwrap()["result"]["structuredContent"],
        json!({"result": 1})
    );
}

#[tokio::test]
async fn stdio_serves_modern_requests_without_initialize() {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "add", "arguments": {"a": 1, "b": 1}, "_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list",
            "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": "2030-01-01",
                "io.modelcontextprotocol/clientCapabilities": {}}}}),
    ];
    let (out, ok) = converse(&lines, &[], None).await;
    assert!(ok);
    assert_eq!(
        by_id(&out, json!(1)).unwrap()["result"]["supportedVersions"][0],
        "2026-07-28"
    );
    let call = &by_id(&out, json!(2)).unwrap()["result"];
    assert_eq!(
        (call["resultType"].clone(), call["structuredContent"].clone()),
        (json!("complete"), json!({"result": 2}))
    );
    let error = &by_id(&out, json!(3)).unwrap()["error"];
    assert_eq!(error["code"], -32022);
    assert_eq!(error["data"]["requested"], "2030-01-01");
}

#[tokio::test]
async fn stdio_bounds_line_size_and_nesting_then_keeps_serving() {
    // Over the 1 MiB default limit: read and discarded in bounded memory.
    let huge = format!(
        r#"{{"jsonrpc": "2.0", "id": 9, "method": "ping", "params": {{"pad": "{}"}}}}"#,
        "x".repeat(2 << 20)
    );
    let deep = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    let lines = [json!({"jsonrpc": "2.0", "id": 1, "method": "ping"})];
    let (out, ok) = converse(&lines, &[&huge, &deep], None).await;
    assert!(ok);
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0]["error"]["code"], -32600);
    assert!(
        out[0]["error"]["message"].as_str().unwrap().contains("larger than"),
        "{out:?}"
    );
    assert_eq!(out[1]["error"]["code"], -32600);
    assert!(
        out[1]["error"]["message"].as_str().unwrap().contains("nests deeper"),
        "{out:?}"
    );
    assert_eq!(
        by_id(&out, json!(1)).unwrap()["result"],
        json!({}),
        "the next request is served"
    );
}
