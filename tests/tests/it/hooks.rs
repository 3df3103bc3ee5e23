//! Call hooks run the same on every protocol: one recording hook, the same
//! calls through REST and MCP (both eras, JSON and SSE replies) on a loopback socket, `TestClient`,
//! Lambda events, MCP over stdio and the CLI's `call` (the last two in the
//! `fixture-server` binary, recording to a file), and the records agree.

use std::process::Stdio;

use registry_core::Registry;
use registry_server::testing::TestClient;
use registry_server::{Server, ServerConfig};
use registry_tests::recording::{Record, Recorder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::lambda::{SOURCES, mcp};
use crate::mcp_http::{legacy, modern};

/// The calls made through every protocol: successes, a function's own
/// error, a decoding error, a panic, a path argument.
fn cases() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        ("add", json!({"a": 2, "b": 3}), "ok"),
        ("echo", json!({"message": "hi", "times": 2}), "ok"),
        ("divide", json!({"a": 1.0, "b": 0.0}), "invalid_arguments"),
        ("add", json!({"a": "x", "b": 1}), "invalid_arguments"),
        ("get_item", json!({"id": 7}), "ok"),
        ("explode", json!({}), "internal"),
    ]
}

fn recorded_registry() -> (Registry, Recorder) {
    let recorder = Recorder::default();
    let registry = Registry::builder()
        .hook(recorder.clone())
        .build()
        .expect("consistent fixture registry");
    (registry, recorder)
}

/// The records of `cases`, protocol apart, after checking each says `protocol`.
fn agreed(records: Vec<Record>, protocol: &str, via: &str) -> Vec<(String, Value, Option<String>, String)> {
    for record in &records {
        assert_eq!(record.protocol, protocol, "{via}: {record:?}");
    }
    records.iter().map(Record::without_protocol).collect()
}

fn expected() -> Vec<(String, Value, Option<String>, String)> {
    cases()
        .into_iter()
        .map(|(name, args, outcome)| (name.to_owned(), args, None, outcome.to_owned()))
        .collect()
}

#[tokio::test]
async fn one_recording_hook_sees_the_same_calls_on_every_protocol() {
    let (registry, recorder) = recorded_registry();
    let client = TestClient::new(registry.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry.clone(), ServerConfig::default()).serve_on(listener));
    let http = reqwest::Client::new();

    // REST over the socket.
    for (name, args, _) in cases() {
        let request = client.rest_request(name, args).expect("a REST route");
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap();
        let mut builder = http.request(method, format!("{base}{}", parts.uri));
        for (header, value) in &parts.headers {
            builder = builder.header(header.as_str(), value.to_str().unwrap());
        }
        builder.body(bytes.to_vec()).send().await.unwrap();
    }
    assert_eq!(agreed(recorder.take(), "rest", "REST"), expected());

    // MCP over the socket, both eras.
    let url = format!("{base}/mcp");
    for (id, (name, args, _)) in (1..).zip(cases()) {
        legacy(&url, id, "tools/call", json!({"name": name, "arguments": args})).await;
    }
    assert_eq!(agreed(recorder.take(), "mcp", "MCP 2025-11-25"), expected());
    // With a progress token the reply is an SSE stream: the same hooks ran.
    for (id, (name, args, _)) in (1..).zip(cases()) {
        let params = json!({"name": name, "arguments": args, "_meta": {"progressToken": id}});
        let answer = legacy(&url, id, "tools/call", params).await;
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream"),
            "{name}: {}",
            answer.text
        );
    }
    assert_eq!(agreed(recorder.take(), "mcp", "MCP SSE"), expected());
    for (id, (name, args, _)) in (1..).zip(cases()) {
        let answer = modern(&url, id, "tools/call", json!({"name": name, "arguments": args})).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    assert_eq!(agreed(recorder.take(), "mcp", "MCP 2026-07-28"), expected());

    // In process, through the very router.
    for (name, args, _) in cases() {
        client.rest(name, args.clone()).await;
        client.mcp(name, args).await;
    }
    let records = recorder.take();
    let (rest, via_mcp): (Vec<Record>, Vec<Record>) = records.into_iter().partition(|r| r.protocol == "rest");
    assert_eq!(agreed(rest, "rest", "TestClient REST"), expected());
    assert_eq!(agreed(via_mcp, "mcp", "TestClient MCP"), expected());

    // Lambda events of every source kind.
    let lambda = registry_server::lambda::service(&Server::new(
        registry.clone(),
        ServerConfig::default().bound_to_loopback(false),
    ))
    .unwrap();
    for source in SOURCES {
        for (name, args, _) in cases() {
            let body =
                json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": args}});
            mcp(lambda.clone(), source, body).await;
        }
        assert_eq!(
            agreed(recorder.take(), "mcp", &format!("Lambda {source:?}")),
            expected()
        );
    }
}

/// A fresh file for a `fixture-server` to record into.
fn record_file(label: &str) -> String {
    let path = std::env::temp_dir().join(format!("hook-records-{label}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path.to_string_lossy().into_owned()
}

#[tokio::test]
async fn the_cli_and_stdio_run_the_same_hooks() {
    // The CLI's `call`: a trusted direct call.
    let path = record_file("cli");
    for (name, args, _) in cases() {
        std::process::Command::new(env!("CARGO_BIN_EXE_fixture-server"))
            .args(["call", name, &args.to_string()])
            .env("RECORD_CALLS", &path)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
    }
    assert_eq!(agreed(Recorder::read_file(&path), "direct", "CLI call"), expected());
    let _ = std::fs::remove_file(&path);

    // MCP over stdio: the calls in one session, then end of input.
    let path = record_file("stdio");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .arg("stdio")
        .env("RECORD_CALLS", &path)
        .env("RUST_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = String::new();
    for (id, (name, args, _)) in (1..).zip(cases()) {
        let request =
            json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args}});
        lines.push_str(&format!("{request}\n"));
    }
    stdin.write_all(lines.as_bytes()).await.unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut answers = String::new();
    // Read until every call has answered, then close the input.
    while answers.lines().count() < cases().len() {
        let mut buffer = [0u8; 4096];
        let read = stdout.read(&mut buffer).await.unwrap();
        assert!(read > 0, "stdio ended early: {answers}");
        answers.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    drop(stdin);
    child.wait().await.unwrap();
    let mut records = Recorder::read_file(&path);
    // Calls on stdio run concurrently: compare in the order they were sent.
    let order: Vec<_> = expected();
    records.sort_by_key(|r| order.iter().position(|e| *e == r.without_protocol()));
    assert_eq!(agreed(records, "mcp", "stdio"), expected());
    let _ = std::fs::remove_file(&path);
}
