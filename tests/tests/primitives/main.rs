//! Resources, resource templates, prompts, completions and rich tool
//! results, against a real server on 127.0.0.1:0 (raw MCP requests in both
//! eras, REST with reqwest) and over stdio (the `conformance-server`
//! binary): listing, reading, parity between the protocols, and every bad
//! input the issue names, each a precise error after which the server
//! keeps serving.
//!
//! This binary links only `rich_fixtures.rs` (not the `registry_tests`
//! tools), so `Registry::from_inventory()` is exactly those fixtures.

#[allow(dead_code)]
#[path = "../../src/rich_fixtures.rs"]
mod rich_fixtures;

use std::process::Stdio;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use registry_core::{Protocol, Registry};
use registry_server::{Server, ServerConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use rich_fixtures::{RED_PIXEL_PNG, RICH_FUNCTIONS};

const MODERN: &str = "2026-07-28";

/// The server's base URL (`http://127.0.0.1:port`).
async fn start() -> String {
    let registry = Registry::from_inventory().expect("consistent fixtures");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let server = Server::new(registry, ServerConfig::default().info("rich fixtures", "0.1.0"));
    tokio::spawn(server.serve_on(listener));
    format!("http://{addr}")
}

struct Answer {
    status: u16,
    content_type: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.bytes)))
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request sent");
    Answer {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        bytes: response.bytes().await.expect("body").to_vec(),
    }
}

/// A legacy-era MCP request.
async fn legacy(base: &str, method: &str, params: Value) -> Answer {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    send(
        reqwest::Client::new()
            .post(format!("{base}/mcp"))
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            .body(body.to_string()),
    )
    .await
}

/// A modern-era MCP request with the `Mcp-*` headers; `name` is `Mcp-Name`, when sent.
async fn modern(base: &str, method: &str, mut params: Value, name: Option<&str>) -> Answer {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN,
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut request = reqwest::Client::new()
        .post(format!("{base}/mcp"))
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .header("mcp-protocol-version", MODERN)
        .header("mcp-method", method)
        .body(body.to_string());
    if let Some(name) = name {
        request = request.header("mcp-name", name);
    }
    send(request).await
}

fn result(answer: &Answer) -> Value {
    let json = answer.json();
    assert!(json.get("error").is_none(), "unexpected error: {json}");
    json["result"].clone()
}

/// The JSON-RPC error `(code, message)` of an answer.
fn error(answer: &Answer) -> (i64, String) {
    let json = answer.json();
    let error = &json["error"];
    assert!(error.is_object(), "expected an error: {json}");
    (
        error["code"].as_i64().unwrap(),
        error["message"].as_str().unwrap().to_owned(),
    )
}

fn names(list: &Value, key: &str) -> Vec<String> {
    list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_fixture_is_registered() {
    let registry = Registry::from_inventory().unwrap();
    assert_eq!(registry.len(), RICH_FUNCTIONS);
    let kinds =
        |f: fn(&registry_core::ApiFunction) -> bool| registry.entries().iter().filter(|e| f(e.function())).count();
    assert_eq!(kinds(|f| f.resource().is_some()), 5);
    assert_eq!(kinds(|f| f.prompt().is_some()), 5);
    assert_eq!(kinds(|f| f.is_tool()), 5);
    assert!(registry.resource_for_uri("test://blocks/7", Protocol::Mcp).is_some());
}

#[tokio::test]
async fn capabilities_lists_and_reads_in_the_legacy_era() {
    let base = start().await;
    let init = result(
        &legacy(
            &base,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await,
    );
    assert_eq!(
        init["capabilities"],
        json!({
            "tools": {"listChanged": false},
            "resources": {"listChanged": false, "subscribe": false},
            "prompts": {"listChanged": false},
            "completions": {}
        })
    );

    // tools/list holds tools only, and content tools advertise no outputSchema.
    let tools = result(&legacy(&base, "tools/list", json!({})).await);
    let tool_names = names(&tools, "tools");
    assert_eq!(
        tool_names,
        [
            "test_audio_content",
            "test_embedded_resource",
            "test_image_content",
            "test_multiple_content_types",
            "test_resource_link"
        ]
    );
    assert!(
        tools["tools"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("outputSchema").is_none())
    );

    let resources = result(&legacy(&base, "resources/list", json!({})).await);
    assert_eq!(
        names(&resources, "resources"),
        ["test_static_binary", "test_static_bytes", "test_static_text"]
    );
    let text = &resources["resources"][2];
    assert_eq!(text["uri"], "test://static-text");
    assert_eq!(text["mimeType"], "text/plain");
    assert_eq!(text["annotations"], json!({"audience": ["user"], "priority": 0.5}));
    assert_eq!(resources["resources"][0]["size"], 69);

    let templates = result(&legacy(&base, "resources/templates/list", json!({})).await);
    assert_eq!(
        names(&templates, "resourceTemplates"),
        ["test_block", "test_template_data"]
    );
    assert_eq!(
        templates["resourceTemplates"][1]["uriTemplate"],
        "test://template/{id}/data"
    );

    let read = result(&legacy(&base, "resources/read", json!({"uri": "test://static-text"})).await);
    assert_eq!(
        read,
        json!({"contents": [{"uri": "test://static-text", "mimeType": "text/plain",
            "text": "This is the content of the static text resource."}]})
    );
    let binary = result(&legacy(&base, "resources/read", json!({"uri": "test://static-binary"})).await);
    let blob = binary["contents"][0]["blob"].as_str().unwrap();
    assert_eq!(BASE64.decode(blob).unwrap(), RED_PIXEL_PNG);
    assert_eq!(binary["contents"][0]["mimeType"], "image/png");
    // `bytes::Bytes` reads exactly as `Vec<u8>` does.
    let bytes = result(&legacy(&base, "resources/read", json!({"uri": "test://static-bytes"})).await);
    assert_eq!(
        bytes["contents"][0],
        json!({"uri": "test://static-bytes", "mimeType": "image/png", "blob": blob})
    );

    let templated = result(&legacy(&base, "resources/read", json!({"uri": "test://template/123/data"})).await);
    let item = &templated["contents"][0];
    assert_eq!(item["uri"], "test://template/123/data");
    let data: Value = serde_json::from_str(item["text"].as_str().unwrap()).unwrap();
    assert_eq!(
        data,
        json!({"id": "123", "templateTest": true, "data": "Data for ID: 123"})
    );
    // A typed variable arrives as its type.
    let block = result(&legacy(&base, "resources/read", json!({"uri": "test://blocks/42"})).await);
    let block: Value = serde_json::from_str(block["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(block["height"], 42);
}

#[tokio::test]
async fn the_modern_era_checks_mcp_name_for_reads_and_gets() {
    let base = start().await;
    let discover = result(&modern(&base, "server/discover", json!({}), None).await);
    assert!(discover["capabilities"]["resources"].is_object());
    assert!(discover["capabilities"]["completions"].is_object());

    let uri = "test://template/7/data";
    let read = result(&modern(&base, "resources/read", json!({"uri": uri}), Some(uri)).await);
    assert_eq!(read["resultType"], "complete");
    assert_eq!(read["contents"][0]["uri"], uri);
    for header in [None, Some("test://template/8/data")] {
        let refused = modern(&base, "resources/read", json!({"uri": uri}), header).await;
        assert_eq!(refused.status, 400, "Mcp-Name {header:?}");
        assert_eq!(error(&refused).0, -32020);
    }

    let params = json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a", "arg2": "b"}});
    let got = result(&modern(&base, "prompts/get", params.clone(), Some("test_prompt_with_arguments")).await);
    assert_eq!(got["resultType"], "complete");
    assert_eq!(
        got["messages"][0]["content"]["text"],
        "Prompt with arguments: arg1='a', arg2='b'"
    );
    let refused = modern(&base, "prompts/get", params, Some("test_simple_prompt")).await;
    assert_eq!((refused.status, error(&refused).0), (400, -32020));

    let list = result(&modern(&base, "resources/list", json!({}), None).await);
    assert_eq!(list["cacheScope"], "public");
    let prompts = result(&modern(&base, "prompts/list", json!({}), None).await);
    assert_eq!(prompts["prompts"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn prompts_list_their_arguments_and_convert_strings() {
    let base = start().await;
    let list = result(&legacy(&base, "prompts/list", json!({})).await);
    let typed = list["prompts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "test_typed_prompt")
        .unwrap();
    assert_eq!(typed["title"], "Review a period");
    assert_eq!(
        typed["arguments"],
        json!([
            {"name": "period", "description": "the period to review", "required": true},
            {"name": "count", "description": "how many items to list", "required": true},
            {"name": "verbose", "description": "whether to explain each item", "required": false}
        ])
    );
    let got = result(
        &legacy(
            &base,
            "prompts/get",
            json!({"name": "test_typed_prompt", "arguments": {"period": "week", "count": "3", "verbose": "true"}}),
        )
        .await,
    );
    assert_eq!(
        got["messages"],
        json!([
            {"role": "user", "content": {"type": "text", "text": "List the top 3 items of the last Week in detail."}},
            {"role": "assistant", "content": {"type": "text", "text": "Here they are:"}}
        ])
    );
    let image = result(&legacy(&base, "prompts/get", json!({"name": "test_prompt_with_image"})).await);
    assert_eq!(image["messages"][0]["content"]["type"], "image");
    assert_eq!(
        BASE64
            .decode(image["messages"][0]["content"]["data"].as_str().unwrap())
            .unwrap(),
        RED_PIXEL_PNG
    );
}

#[tokio::test]
async fn completions_from_providers_enums_and_bools() {
    let base = start().await;
    let complete = |reference: Value, name: &str, value: &str| json!({"ref": reference, "argument": {"name": name, "value": value}});
    let prompt = |name: &str| json!({"type": "ref/prompt", "name": name});
    let template = json!({"type": "ref/resource", "uri": "test://blocks/{height}"});

    let sync = result(
        &legacy(
            &base,
            "completion/complete",
            complete(prompt("test_prompt_with_arguments"), "arg1", "par"),
        )
        .await,
    );
    assert_eq!(
        sync["completion"],
        json!({"values": ["paris", "park", "party"], "total": 3, "hasMore": false})
    );
    // An async provider with more than 100 values: capped, with the total.
    let many = result(&legacy(&base, "completion/complete", complete(template.clone(), "height", "")).await);
    assert_eq!(many["completion"]["values"].as_array().unwrap().len(), 100);
    assert_eq!(
        (&many["completion"]["total"], &many["completion"]["hasMore"]),
        (&json!(150), &json!(true))
    );
    let few = result(&legacy(&base, "completion/complete", complete(template, "height", "24")).await);
    assert_eq!(
        few["completion"]["values"],
        json!(["240", "241", "242", "243", "244", "245", "246", "247", "248", "249"])
    );
    // Enums and bools complete from their schema.
    let period = result(
        &legacy(
            &base,
            "completion/complete",
            complete(prompt("test_typed_prompt"), "period", "m"),
        )
        .await,
    );
    assert_eq!(period["completion"]["values"], json!(["month"]));
    let verbose = result(
        &legacy(
            &base,
            "completion/complete",
            complete(prompt("test_typed_prompt"), "verbose", ""),
        )
        .await,
    );
    assert_eq!(verbose["completion"]["values"], json!(["true", "false"]));
    // A free-text argument without a provider completes to nothing.
    let none = result(
        &legacy(
            &base,
            "completion/complete",
            complete(prompt("test_prompt_with_arguments"), "arg2", "x"),
        )
        .await,
    );
    assert_eq!(none["completion"], json!({"values": [], "total": 0, "hasMore": false}));
}

#[tokio::test]
async fn rich_tool_results_are_content_blocks() {
    let base = start().await;
    let call = |name: &str| json!({"name": name, "arguments": {}});
    let image = result(&legacy(&base, "tools/call", call("test_image_content")).await);
    assert_eq!(image["content"][0]["type"], "image");
    assert_eq!(image["content"][0]["mimeType"], "image/png");
    assert!(image.get("structuredContent").is_none());
    assert_eq!(image["isError"], false);
    let audio = result(&legacy(&base, "tools/call", call("test_audio_content")).await);
    assert_eq!(audio["content"][0]["mimeType"], "audio/wav");
    let embedded = result(&legacy(&base, "tools/call", call("test_embedded_resource")).await);
    assert_eq!(embedded["content"][0]["resource"]["uri"], "test://embedded-resource");
    let link = result(&legacy(&base, "tools/call", call("test_resource_link")).await);
    assert_eq!(
        link["content"][0],
        json!({"type": "resource_link", "uri": "test://static-text", "name": "test_static_text", "mimeType": "text/plain"})
    );
    let mixed = result(&legacy(&base, "tools/call", call("test_multiple_content_types")).await);
    let kinds: Vec<&str> = mixed["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["text", "image", "resource"]);
    // Resources and prompts are not tools.
    let (code, message) = error(&legacy(&base, "tools/call", call("test_static_text")).await);
    assert_eq!((code, message.as_str()), (-32602, "Unknown tool: test_static_text"));
}

#[tokio::test]
async fn bad_input_over_mcp_is_precise_and_the_server_keeps_serving() {
    let base = start().await;
    let read = |uri: &str| json!({ "uri": uri });
    let cases: Vec<(&str, Value, &str)> = vec![
        ("resources/read", read("test://nothing-here"), "test://nothing-here"),
        ("resources/read", read("test://blocks/5/extra"), "test://blocks/5/extra"),
        ("resources/read", read("test://blocks/five"), "`height`"),
        (
            "prompts/get",
            json!({"name": "test_prompt_with_arguments", "arguments": {"arg1": "a"}}),
            "`arg2`",
        ),
        (
            "prompts/get",
            json!({"name": "test_typed_prompt", "arguments": {"period": "week", "count": "many"}}),
            "`count`",
        ),
        (
            "prompts/get",
            json!({"name": "test_typed_prompt", "arguments": {"period": "year", "count": "1"}}),
            "`period`",
        ),
        ("prompts/get", json!({"name": "no_such_prompt"}), "no_such_prompt"),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "no_such_prompt"}, "argument": {"name": "a", "value": ""}}),
            "no_such_prompt",
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/resource", "uri": "test://nope/{x}"}, "argument": {"name": "x", "value": ""}}),
            "test://nope/{x}",
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "test_typed_prompt"}, "argument": {"name": "colour", "value": ""}}),
            "`colour`",
        ),
    ];
    for (method, params, needle) in cases {
        for answer in [
            legacy(&base, method, params.clone()).await,
            modern(
                &base,
                method,
                params.clone(),
                params.get("uri").or(params.get("name")).and_then(Value::as_str),
            )
            .await,
        ] {
            let (code, message) = error(&answer);
            assert_eq!(code, -32602, "{method} {params}: {message}");
            assert!(
                message.contains(needle),
                "{method} {params}: `{message}` should name {needle}"
            );
        }
    }
    // Still serving.
    let read = result(&legacy(&base, "resources/read", json!({"uri": "test://blocks/1"})).await);
    assert_eq!(read["contents"][0]["mimeType"], "application/json");
}

#[tokio::test]
async fn rest_routes_answer_their_own_types() {
    let base = start().await;
    let client = reqwest::Client::new();
    let text = send(client.get(format!("{base}/api/resources/static-text"))).await;
    assert_eq!((text.status, text.content_type.as_str()), (200, "text/plain"));
    assert_eq!(text.bytes, b"This is the content of the static text resource.");
    let png = send(client.get(format!("{base}/api/resources/static-binary"))).await;
    assert_eq!(
        (png.status, png.content_type.as_str(), png.bytes.as_slice()),
        (200, "image/png", &RED_PIXEL_PNG[..])
    );
    let block = send(client.get(format!("{base}/api/resources/blocks/9"))).await;
    assert_eq!(block.content_type, "application/json");
    assert_eq!(block.json()["height"], 9);

    let image = send(client.post(format!("{base}/api/test_image_content"))).await;
    assert_eq!(
        (image.content_type.as_str(), image.bytes.as_slice()),
        ("image/png", &RED_PIXEL_PNG[..])
    );
    let embedded = send(client.post(format!("{base}/api/test_embedded_resource"))).await;
    assert_eq!(embedded.content_type, "text/plain");
    assert_eq!(embedded.bytes, b"This is an embedded resource content.");
    let mixed = send(client.post(format!("{base}/api/test_multiple_content_types"))).await;
    assert_eq!(mixed.content_type, "application/json");
    assert_eq!(
        mixed.json()[0],
        json!({"type": "text", "text": "Multiple content types test:"})
    );

    let prompt = send(
        client
            .post(format!("{base}/api/prompts/test_typed_prompt"))
            .json(&json!({"period": "day", "count": 2})),
    )
    .await;
    assert_eq!(prompt.status, 200);
    assert_eq!(prompt.json()[1]["role"], "assistant");
}

#[tokio::test]
async fn bad_input_over_rest_is_precise_and_the_server_keeps_serving() {
    let base = start().await;
    let client = reqwest::Client::new();
    let unknown = send(client.get(format!("{base}/api/resources/nothing-here"))).await;
    assert_eq!(unknown.status, 404);
    let extra = send(client.get(format!("{base}/api/resources/blocks/5/extra"))).await;
    assert_eq!(extra.status, 404);
    let wrong = send(client.get(format!("{base}/api/resources/blocks/five"))).await;
    assert_eq!(wrong.status, 422);
    assert_eq!(wrong.content_type, "application/problem+json");
    assert_eq!(wrong.json()["errors"][0]["field"], "height");
    let missing = send(
        client
            .post(format!("{base}/api/prompts/test_prompt_with_arguments"))
            .json(&json!({"arg1": "a"})),
    )
    .await;
    assert_eq!(missing.status, 422);
    assert_eq!(missing.json()["errors"][0]["field"], "arg2");
    let bad = send(
        client
            .post(format!("{base}/api/prompts/test_typed_prompt"))
            .json(&json!({"period": "year", "count": 1})),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.json()["errors"][0]["field"], "period");
    let fine = send(client.get(format!("{base}/api/resources/blocks/5"))).await;
    assert_eq!(fine.status, 200);
}

/// Each resource read over REST is its MCP contents (bytes and MIME type),
/// and each prompt's REST JSON is its `prompts/get` messages.
#[tokio::test]
async fn rest_and_mcp_agree_on_every_resource_and_prompt() {
    let base = start().await;
    let client = reqwest::Client::new();
    let registry = Registry::from_inventory().unwrap();
    let mut checked = 0;
    for entry in registry.entries() {
        let function = entry.function();
        if let Some(spec) = function.resource() {
            let (uri, path) = match spec.uri {
                "test://blocks/{height}" => ("test://blocks/77".to_owned(), "/api/resources/blocks/77".to_owned()),
                "test://template/{id}/data" => (
                    "test://template/x1/data".to_owned(),
                    "/api/resources/template/x1/data".to_owned(),
                ),
                fixed => (fixed.to_owned(), entry.path().to_owned()),
            };
            let mcp = result(&legacy(&base, "resources/read", json!({ "uri": uri })).await);
            let contents = &mcp["contents"][0];
            let rest = send(client.get(format!("{base}{path}"))).await;
            assert_eq!(rest.status, 200, "{uri}");
            assert_eq!(contents["mimeType"].as_str().unwrap(), rest.content_type, "{uri}");
            let mcp_bytes = match (contents.get("text"), contents.get("blob")) {
                (Some(text), _) => text.as_str().unwrap().as_bytes().to_vec(),
                (None, Some(blob)) => BASE64.decode(blob.as_str().unwrap()).unwrap(),
                _ => panic!("{uri}: no text or blob"),
            };
            assert_eq!(mcp_bytes, rest.bytes, "{uri}");
            checked += 1;
        } else if function.prompt().is_some() {
            let strings = match function.name() {
                "test_prompt_with_arguments" => json!({"arg1": "x", "arg2": "y"}),
                "test_prompt_with_embedded_resource" => json!({"resourceUri": "test://r"}),
                "test_typed_prompt" => json!({"period": "month", "count": "4"}),
                _ => json!({}),
            };
            let typed = match function.name() {
                "test_typed_prompt" => json!({"period": "month", "count": 4}),
                _ => strings.clone(),
            };
            let mcp = result(
                &legacy(
                    &base,
                    "prompts/get",
                    json!({"name": function.name(), "arguments": strings}),
                )
                .await,
            );
            let rest = send(client.post(format!("{base}{}", entry.path())).json(&typed)).await;
            assert_eq!(rest.status, 200, "{}", function.name());
            assert_eq!(rest.json(), mcp["messages"], "{}", function.name());
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}

/// stdio serves the same capabilities: one line in, one line out.
#[tokio::test]
async fn stdio_reads_gets_and_completes() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_conformance-server"))
        .arg("stdio")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn conformance-server stdio");
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "resources/read", "params": {"uri": "test://static-text"}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "prompts/get", "params": {"name": "test_simple_prompt"}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "completion/complete", "params": {
            "ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"}, "argument": {"name": "arg1", "value": "lon"}}}),
        json!({"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "test://blocks/x"}}),
        json!({"jsonrpc": "2.0", "id": 5, "method": "resources/templates/list"}),
    ];
    let mut answers = Vec::new();
    for request in &requests {
        stdin.write_all(format!("{request}\n").as_bytes()).await.unwrap();
        let line = lines.next_line().await.unwrap().expect("an answer line");
        answers.push(serde_json::from_str::<Value>(&line).unwrap());
    }
    drop(stdin);
    assert_eq!(answers[0]["result"]["contents"][0]["mimeType"], "text/plain");
    assert_eq!(
        answers[1]["result"]["messages"][0]["content"]["text"],
        "This is a simple prompt for testing."
    );
    assert_eq!(answers[2]["result"]["completion"]["values"], json!(["london"]));
    assert_eq!(answers[3]["error"]["code"], -32602);
    assert_eq!(answers[4]["result"]["resourceTemplates"].as_array().unwrap().len(), 2);
    let _ = child.wait().await;
}

/// The OpenAPI document declares each resource's and media result's own
/// content type, and the docs page lists resources and prompts with their
/// MCP requests.
#[tokio::test]
async fn openapi_and_docs_describe_resources_and_prompts() {
    let base = start().await;
    let client = reqwest::Client::new();
    let document = send(client.get(format!("{base}/openapi.json"))).await.json();
    let ok = |path: &str, method: &str| document["paths"][path][method]["responses"]["200"]["content"].clone();
    assert_eq!(
        ok("/api/resources/static-text", "get"),
        json!({"text/plain": {"schema": {"type": "string"}}})
    );
    assert_eq!(ok("/api/resources/static-binary", "get"), json!({"image/png": {}}));
    assert!(ok("/api/resources/template/{id}/data", "get")["application/json"]["schema"].is_object());
    assert_eq!(ok("/api/test_image_content", "post"), json!({"image/*": {}}));
    assert_eq!(ok("/api/test_audio_content", "post"), json!({"audio/*": {}}));
    assert!(ok("/api/test_multiple_content_types", "post")["application/json"].is_object());
    let block = &document["paths"]["/api/resources/blocks/{height}"]["get"];
    assert_eq!(block["x-mcp-resource"], "test://blocks/{height}");
    assert_eq!(block["parameters"][0]["name"], "height");
    let prompt = &document["paths"]["/api/prompts/test_typed_prompt"]["post"];
    assert_eq!(prompt["x-mcp-prompt"], "test_typed_prompt");
    assert!(prompt["requestBody"]["content"]["application/json"]["schema"]["properties"]["period"].is_object());

    let page = String::from_utf8(send(client.get(format!("{base}/docs"))).await.bytes).unwrap();
    for needle in [
        "15 functions · 15 REST routes · 5 MCP tools · 5 MCP resources · 5 MCP prompts",
        "MCP resource template",
        "test://blocks/{height}",
        "MCP · POST /mcp · resources/read",
        "MCP · POST /mcp · prompts/get",
        "/api/resources/static-binary",
    ] {
        assert!(page.contains(needle), "the docs page should show {needle}");
    }
}

/// The same router on AWS Lambda (a Function URL event through
/// `lambda_http`'s own decoding and encoding): a binary resource route, and
/// `resources/read` and `prompts/get` over MCP.
#[tokio::test]
async fn lambda_serves_resources_and_prompts() {
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context as LambdaContext, LambdaEvent};
    use tower::{Service, ServiceExt};

    let registry = Registry::from_inventory().unwrap();
    let server = Server::new(registry, ServerConfig::default().bound_to_loopback(false));
    let service = registry_server::lambda::service(&server).unwrap();
    let invoke = |method: &str, path: &str, body: Option<Value>| {
        let mut event: Value = serde_json::from_str(include_str!("../../fixtures/lambda/function_url.json")).unwrap();
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["method"] = json!(method);
        event["requestContext"]["http"]["path"] = json!(path);
        event["body"] = body.map_or(Value::Null, |b| json!(b.to_string()));
        event["headers"]["accept"] = json!("application/json, text/event-stream");
        let service = service.clone();
        async move {
            let request: LambdaRequest = serde_json::from_value(event).unwrap();
            let mut adapter = Adapter::from(service);
            let response = adapter
                .ready()
                .await
                .unwrap()
                .call(LambdaEvent::new(request, LambdaContext::default()))
                .await
                .unwrap();
            serde_json::to_value(response).unwrap()
        }
    };
    let png = invoke("GET", "/api/resources/static-binary", None).await;
    assert_eq!(png["statusCode"], 200);
    assert_eq!(png["headers"]["content-type"], "image/png");
    assert_eq!(png["isBase64Encoded"], true);
    assert_eq!(BASE64.decode(png["body"].as_str().unwrap()).unwrap(), RED_PIXEL_PNG);

    let mcp = |method: &str, params: Value| json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let read = invoke(
        "POST",
        "/mcp",
        Some(mcp("resources/read", json!({"uri": "test://template/9/data"}))),
    )
    .await;
    let answer: Value = serde_json::from_str(read["body"].as_str().unwrap()).unwrap();
    assert_eq!(answer["result"]["contents"][0]["uri"], "test://template/9/data");
    let got = invoke(
        "POST",
        "/mcp",
        Some(mcp("prompts/get", json!({"name": "test_simple_prompt"}))),
    )
    .await;
    let answer: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        answer["result"]["messages"][0]["content"]["text"],
        "This is a simple prompt for testing."
    );
}

/// Icons: a function's `icon = "..."` and the server's `icon!` reach MCP
/// (`icons` on the definition and on `serverInfo`) and the docs page.
#[tokio::test]
async fn icons_reach_mcp_and_the_docs_page() {
    const ICON: &str = registry_core::icon!("../examples/hashstats/assets/chart.svg");
    assert!(ICON.starts_with("data:image/svg+xml;base64,"));
    let svg = BASE64
        .decode(ICON.trim_start_matches("data:image/svg+xml;base64,"))
        .unwrap();
    assert!(svg.starts_with(b"<svg"));

    let registry = Registry::from_inventory().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let config = ServerConfig::default().app(registry_server::AppInfo::new("with icon", "1.0.0").icon(ICON));
    tokio::spawn(Server::new(registry, config).serve_on(listener));
    let init = result(
        &legacy(
            &base,
            "initialize",
            json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
        )
        .await,
    );
    assert_eq!(
        init["serverInfo"]["icons"],
        json!([{"src": ICON, "mimeType": "image/svg+xml"}])
    );
    let discover = result(&modern(&base, "server/discover", json!({}), None).await);
    assert_eq!(
        discover["_meta"]["io.modelcontextprotocol/serverInfo"]["icons"][0]["src"],
        ICON
    );
    let tools = result(&legacy(&base, "tools/list", json!({})).await);
    let with_icon = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "test_image_content")
        .unwrap();
    assert_eq!(with_icon["icons"][0]["mimeType"], "image/png");
    let templates = result(&legacy(&base, "resources/templates/list", json!({})).await);
    assert_eq!(
        templates["resourceTemplates"][0]["icons"][0]["mimeType"],
        "image/svg+xml"
    );
    let page = String::from_utf8(send(reqwest::Client::new().get(format!("{base}/docs"))).await.bytes).unwrap();
    assert!(page.contains(&format!("<img class=\"brand-icon\" alt=\"\" src=\"{ICON}\">")));
    assert!(page.contains("<img class=\"fn-icon\""));
}

/// A visibility filter hides resources, templates and prompts from
/// `resources/list`, `resources/templates/list` and `prompts/list`, and
/// makes reading, getting or completing them an unknown target.
#[tokio::test]
async fn visibility_filters_hide_resources_and_prompts() {
    let hidden = ["test_static_text", "test_block", "test_typed_prompt"];
    let registry = Registry::builder()
        .visibility(move |entry: &registry_core::Entry, _ctx: &registry_core::Context| !hidden.contains(&entry.name()))
        .build()
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(Server::new(registry, ServerConfig::default()).serve_on(listener));

    let resources = result(&legacy(&base, "resources/list", json!({})).await);
    assert_eq!(
        names(&resources, "resources"),
        ["test_static_binary", "test_static_bytes"]
    );
    let templates = result(&legacy(&base, "resources/templates/list", json!({})).await);
    assert_eq!(names(&templates, "resourceTemplates"), ["test_template_data"]);
    let prompts = result(&legacy(&base, "prompts/list", json!({})).await);
    assert!(!names(&prompts, "prompts").contains(&"test_typed_prompt".to_owned()));
    for (method, params) in [
        ("resources/read", json!({"uri": "test://static-text"})),
        ("resources/read", json!({"uri": "test://blocks/1"})),
        (
            "prompts/get",
            json!({"name": "test_typed_prompt", "arguments": {"period": "day", "count": "1"}}),
        ),
        (
            "completion/complete",
            json!({"ref": {"type": "ref/prompt", "name": "test_typed_prompt"}, "argument": {"name": "period", "value": ""}}),
        ),
    ] {
        assert_eq!(
            error(&legacy(&base, method, params.clone()).await).0,
            -32602,
            "{method} {params}"
        );
    }
    let visible = result(&legacy(&base, "resources/read", json!({"uri": "test://template/1/data"})).await);
    assert_eq!(visible["contents"][0]["uri"], "test://template/1/data");
}
