//! The command line every application gets: each subcommand's output and exit code.

use std::process::{Command, Output};

use registry_tests::EXPECTED_FUNCTIONS;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

#[test]
fn list_prints_a_table_of_every_function() {
    let output = run(&["list"]);
    assert!(output.status.success());
    let text = stdout(&output);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    for column in ["NAME", "KIND", "REST ROUTE", "DESCRIPTION"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(text.contains("add ") && text.contains("sync   POST /api/add"), "{text}");
    assert!(text.contains("GET /api/items/{id}"), "{text}");
    assert!(text.contains("mcp_only") && text.lines().any(|l| l.starts_with("mcp_only") && l.contains(" - ")));
    assert_eq!(text.lines().last().unwrap(), format!("{EXPECTED_FUNCTIONS} functions"));
}

#[test]
fn call_prints_the_json_result() {
    let output = run(&["call", "add", r#"{"a": 40, "b": 2}"#]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).trim(), "42");
    let output = run(&["call", "get_item", r#"{"id": 3}"#]);
    let item: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(item["name"], "item-3");
}

#[test]
fn call_fails_clearly() {
    let cases = [
        (vec!["call", "add", "{not json"], "the arguments are not valid JSON"),
        (
            vec!["call", "no_such_function", "{}"],
            "not_found: no function named `no_such_function`",
        ),
        (
            vec!["call", "add", r#"{"a": "x", "b": 1}"#],
            "invalid_arguments: invalid arguments: `a`: expected i64",
        ),
        (vec!["call", "divide", r#"{"a": 1, "b": 0}"#], "`b`: must not be zero"),
    ];
    for (args, message) in cases {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(stdout(&output).is_empty(), "{args:?}: nothing on stdout");
        assert!(stderr(&output).contains(message), "{args:?}: {}", stderr(&output));
    }
    let output = run(&["call"]);
    assert_eq!(output.status.code(), Some(2), "usage errors exit 2 (clap)");
    let output = run(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn openapi_prints_the_document() {
    let output = run(&["openapi"]);
    assert!(output.status.success());
    let document: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(document["info"]["title"], "registry fixtures");
    assert!(document["paths"]["/api/add"]["post"].is_object());

    let output = run(&["openapi", "--version", "3.0"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let down: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(down["openapi"], "3.0.3");
    assert_eq!(down, registry_server::openapi::v30::convert(&document));
    let output = run(&["openapi", "--version", "2.0"]);
    assert_eq!(output.status.code(), Some(2), "only 3.1 and 3.0");
    assert!(stderr(&output).contains("3.0"), "{}", stderr(&output));
}

#[test]
fn mcp_config_prints_a_client_configuration() {
    let output = run(&["mcp-config"]);
    assert!(output.status.success());
    let config: Value = serde_json::from_str(&stdout(&output)).unwrap();
    // Named as the application names itself (`ServerConfig::info`), not as its binary.
    let server = &config["mcpServers"]["registry fixtures"];
    assert!(server["command"].as_str().unwrap().ends_with("fixture-server"));
    assert_eq!(server["args"], serde_json::json!(["stdio"]));

    let output = run(&["mcp-config", "--url", "http://127.0.0.1:3000/mcp", "--name", "fixtures"]);
    let config: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        config["mcpServers"]["fixtures"],
        serde_json::json!({"type": "http", "url": "http://127.0.0.1:3000/mcp"})
    );
}

#[test]
fn help_lists_every_subcommand() {
    let output = run(&["--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for command in ["serve", "stdio", "list", "call", "openapi", "mcp-config"] {
        assert!(text.contains(command), "{text}");
    }
}

#[test]
fn logs_to_a_pipe_carry_no_colour_codes() {
    // `call explode` logs the panic through tracing, to stderr, which is a pipe here.
    let output = Command::new(env!("CARGO_BIN_EXE_fixture-server"))
        .args(["call", "explode"])
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = stderr(&output);
    assert!(text.contains("panic"), "{text}");
    assert!(!text.contains('\u{1b}'), "escape codes in {text:?}");
}
