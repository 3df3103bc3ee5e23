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
    for command in [
        "serve",
        "stdio",
        "list",
        "call",
        "openapi",
        "tools",
        "schema-diff",
        "mcp-config",
    ] {
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

#[test]
fn tools_prints_the_tools_list_array() {
    let output = run(&["tools"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let tools: Value = serde_json::from_str(&stdout(&output)).unwrap();
    let tools = tools.as_array().expect("an array");
    let add = tools.iter().find(|t| t["name"] == "add").expect("add");
    assert_eq!(add["inputSchema"]["required"], serde_json::json!(["a", "b"]));
    assert_eq!(add["annotations"]["readOnlyHint"], true);
    for tool in tools {
        let print = tool["_meta"][registry_server::fingerprint::MCP_META_KEY].as_str();
        assert!(print.is_some_and(|p| p.len() == 16), "{tool}");
    }
    assert!(tools.iter().all(|t| t["name"] != "rest_only"), "MCP tools only");
}

/// Saves `dump` under the test's temporary directory.
fn save(name: &str, dump: &Value) -> String {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schema-diff-{name}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(dump).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn schema_diff_fails_on_breaking_changes_between_saved_dumps() {
    // The `echo` tool's arguments: under `inputSchema`, or the JSON body of `POST /api/echo`.
    type Args = fn(&mut Value) -> &mut Value;
    let echo_args: [(&str, Args); 2] = [
        ("openapi", |d| {
            &mut d["paths"]["/api/echo"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        }),
        ("tools", |d| {
            let echo = d.as_array_mut().unwrap().iter_mut().find(|t| t["name"] == "echo");
            &mut echo.unwrap()["inputSchema"]
        }),
    ];
    for (command, echo) in echo_args {
        let output = run(&[command]);
        assert!(output.status.success(), "{}", stderr(&output));
        let old: Value = serde_json::from_str(&stdout(&output)).unwrap();
        let old_path = save(&format!("{command}-old"), &old);

        let same = run(&["schema-diff", &old_path, &old_path]);
        assert_eq!(same.status.code(), Some(0), "{command}: {}", stderr(&same));
        assert_eq!(stdout(&same), "no changes\n");

        // Compatible: a new optional argument.
        let mut new = old.clone();
        echo(&mut new)["properties"]["loud"] = serde_json::json!({"type": "boolean"});
        let compatible = run(&["schema-diff", &old_path, &save(&format!("{command}-compatible"), &new)]);
        assert_eq!(compatible.status.code(), Some(0), "{command}: {}", stdout(&compatible));
        let text = stdout(&compatible);
        assert!(
            text.contains("info      optional-argument-added  `echo` input.loud: new optional argument"),
            "{text}"
        );
        assert!(text.ends_with("0 breaking changes, 1 other change\n"), "{text}");

        // Breaking: `times` made required, `add` removed.
        echo(&mut new)["required"].as_array_mut().unwrap().push("times".into());
        match command {
            "openapi" => {
                new["paths"].as_object_mut().unwrap().remove("/api/add");
            }
            _ => new.as_array_mut().unwrap().retain(|t| t["name"] != "add"),
        }
        let breaking = run(&["schema-diff", &old_path, &save(&format!("{command}-breaking"), &new)]);
        assert_eq!(breaking.status.code(), Some(1), "{command}: {}", stdout(&breaking));
        let text = stdout(&breaking);
        assert!(text.contains("BREAKING  function-removed"), "{text}");
        assert!(text.contains("`add` removed"), "{text}");
        assert!(text.contains("`echo` input.times: argument is now required"), "{text}");
        assert!(text.ends_with("2 breaking changes, 1 other change\n"), "{text}");
    }
}

#[test]
fn schema_diff_refuses_what_it_cannot_compare() {
    let openapi: Value = serde_json::from_str(&stdout(&run(&["openapi"]))).unwrap();
    let tools: Value = serde_json::from_str(&stdout(&run(&["tools"]))).unwrap();
    let (openapi, tools) = (save("kinds-openapi", &openapi), save("kinds-tools", &tools));
    let output = run(&["schema-diff", &openapi, &tools]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("compare two dumps of the same kind"),
        "{}",
        stderr(&output)
    );
    let output = run(&["schema-diff", &openapi, "/nonexistent/new.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot read /nonexistent/new.json"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}
