//! `schema_diff::diff` golden tests: one mutation per change kind, on a tools
//! dump and on an OpenAPI document, each checked for its kind and severity;
//! then whole reports against the golden files in `tests/fixtures/schema_diff/`
//! (`UPDATE_GOLDEN=1` rewrites them).

use registry_server::schema_diff::{DumpError, Kind, Report, Severity, diff};
use serde_json::{Value, json};

/// Two tools as `tools/list` lists them.
fn tools() -> Value {
    json!([
        {
            "name": "halving_schedule",
            "title": "Halving schedule",
            "description": "The next halvings.",
            "inputSchema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "count": {"type": "integer", "minimum": 1, "maximum": 33, "description": "how many"},
                    "unit": {"type": "string", "enum": ["blocks", "days"]},
                    "note": {"type": "string", "maxLength": 100},
                    "ratio": {"type": "number", "exclusiveMinimum": 0}
                },
                "required": ["count"]
            },
            "outputSchema": {
                "type": "object",
                "properties": {
                    "height": {"type": "integer", "minimum": 0},
                    "pool": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}}
                },
                "required": ["height", "tags"]
            },
            "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true},
            "_meta": {"api-registry/fingerprint": "00000000000000aa"}
        },
        {
            "name": "estimate_fee",
            "title": "Estimate fee",
            "description": "A fee estimate.",
            "inputSchema": {
                "type": "object",
                "additionalProperties": false,
                "properties": {"vbytes": {"type": "integer", "minimum": 1}},
                "required": ["vbytes"]
            },
            "outputSchema": {
                "type": "object",
                "properties": {"result": {"type": "integer"}},
                "required": ["result"]
            },
            "annotations": {},
            "_meta": {"api-registry/fingerprint": "00000000000000bb"}
        }
    ])
}

/// A document as the `openapi` subcommand writes it: a body operation whose
/// schemas are components, and a query operation.
fn openapi() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/api/put_item": {
                "post": {
                    "operationId": "put_item",
                    "summary": "Store an item.",
                    "x-fingerprint": "00000000000000cc",
                    "requestBody": {
                        "required": true,
                        "content": {"application/json": {"schema": {
                            "type": "object",
                            "additionalProperties": false,
                            "properties": {"item": {"$ref": "#/components/schemas/Item"}},
                            "required": ["item"]
                        }}}
                    },
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stored"}}}},
                        "default": {"$ref": "#/components/responses/Error"}
                    }
                }
            },
            "/api/items/{id}": {
                "get": {
                    "operationId": "get_item",
                    "x-fingerprint": "00000000000000dd",
                    "parameters": [
                        {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0}},
                        {"name": "view", "in": "query", "required": false, "schema": {"type": "string", "enum": ["short", "full"]}}
                    ],
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
                    }
                }
            }
        },
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string", "maxLength": 40},
                        "size": {"type": "integer", "minimum": 0, "maximum": 100},
                        "parent": {"anyOf": [{"$ref": "#/components/schemas/Item"}, {"type": "null"}]}
                    },
                    "required": ["name", "size"]
                },
                "Stored": {
                    "type": "object",
                    "properties": {"id": {"type": "integer"}, "created": {"type": "string", "format": "date-time"}},
                    "required": ["id", "created"]
                }
            },
            "responses": {"Error": {"description": "error"}}
        }
    })
}

fn at<'v>(value: &'v mut Value, pointer: &str) -> &'v mut Value {
    value
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the fixture"))
}

fn object(value: &mut Value) -> &mut serde_json::Map<String, Value> {
    value.as_object_mut().expect("an object")
}

type Mutation = fn(&mut Value);

/// (what, mutation, expected kind, expected severity, the function it is about)
const TOOL_CASES: &[(&str, Mutation, Kind, Severity, &str)] = &[
    (
        "tool removed",
        |d| {
            d.as_array_mut().unwrap().remove(1);
        },
        Kind::FunctionRemoved,
        Severity::Breaking,
        "estimate_fee",
    ),
    (
        "new required argument",
        |d| {
            object(at(d, "/0/inputSchema/properties")).insert("window".into(), json!({"type": "integer"}));
            at(d, "/0/inputSchema/required")
                .as_array_mut()
                .unwrap()
                .push(json!("window"));
        },
        Kind::RequiredArgumentAdded,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "argument made required",
        |d| {
            at(d, "/0/inputSchema/required")
                .as_array_mut()
                .unwrap()
                .push(json!("unit"))
        },
        Kind::ArgumentMadeRequired,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "argument removed (unknown ones refused)",
        |d| {
            object(at(d, "/0/inputSchema/properties")).remove("unit");
        },
        Kind::ArgumentRemoved,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "minimum raised",
        |d| *at(d, "/0/inputSchema/properties/count/minimum") = json!(2),
        Kind::RangeNarrowed,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "maximum lowered",
        |d| *at(d, "/0/inputSchema/properties/count/maximum") = json!(20),
        Kind::RangeNarrowed,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "minimum made exclusive",
        |d| {
            let count = object(at(d, "/0/inputSchema/properties/count"));
            count.remove("minimum");
            count.insert("exclusiveMinimum".into(), json!(1));
        },
        Kind::RangeNarrowed,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "maxLength lowered",
        |d| *at(d, "/0/inputSchema/properties/note/maxLength") = json!(50),
        Kind::RangeNarrowed,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "multipleOf added",
        |d| {
            object(at(d, "/0/inputSchema/properties/count")).insert("multipleOf".into(), json!(2));
        },
        Kind::RangeNarrowed,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "enum value removed",
        |d| *at(d, "/0/inputSchema/properties/unit/enum") = json!(["blocks"]),
        Kind::EnumValueRemoved,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "input type narrowed",
        |d| *at(d, "/0/inputSchema/properties/ratio/type") = json!("integer"),
        Kind::TypeChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "input type changed",
        |d| *at(d, "/0/inputSchema/properties/count") = json!({"type": "string"}),
        Kind::TypeChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "pattern added",
        |d| {
            object(at(d, "/0/inputSchema/properties/note")).insert("pattern".into(), json!("^[a-z]+$"));
        },
        Kind::ConstraintAdded,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "output field removed",
        |d| {
            object(at(d, "/0/outputSchema/properties")).remove("height");
        },
        Kind::OutputFieldRemoved,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "output field made optional",
        |d| *at(d, "/0/outputSchema/required") = json!(["tags"]),
        Kind::OutputFieldMadeOptional,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "output type widened",
        |d| *at(d, "/0/outputSchema/properties/height/type") = json!("number"),
        Kind::TypeChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "output item range widened",
        |d| {
            object(at(d, "/0/outputSchema/properties/tags/items")).remove("maxLength");
        },
        Kind::RangeWidened,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "no longer read-only",
        |d| *at(d, "/0/annotations/readOnlyHint") = json!(false),
        Kind::AnnotationChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "now destructive",
        |d| *at(d, "/0/annotations/destructiveHint") = json!(true),
        Kind::AnnotationChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "no longer idempotent (unset means not)",
        |d| {
            object(at(d, "/0/annotations")).remove("idempotentHint");
        },
        Kind::AnnotationChanged,
        Severity::Breaking,
        "halving_schedule",
    ),
    (
        "declared not destructive (unset means destructive)",
        |d| *at(d, "/1/annotations") = json!({"destructiveHint": false}),
        Kind::AnnotationChanged,
        Severity::Info,
        "estimate_fee",
    ),
    // Compatible changes.
    (
        "new optional argument",
        |d| {
            object(at(d, "/0/inputSchema/properties")).insert("verbose".into(), json!({"type": "boolean"}));
        },
        Kind::OptionalArgumentAdded,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "new tool",
        |d| {
            let mut copy = d[1].clone();
            copy["name"] = json!("estimate_fee_v2");
            d.as_array_mut().unwrap().push(copy);
        },
        Kind::FunctionAdded,
        Severity::Info,
        "estimate_fee_v2",
    ),
    (
        "minimum lowered",
        |d| *at(d, "/0/inputSchema/properties/count/minimum") = json!(0),
        Kind::RangeWidened,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "maximum removed",
        |d| {
            object(at(d, "/0/inputSchema/properties/count")).remove("maximum");
        },
        Kind::RangeWidened,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "input type widened",
        |d| *at(d, "/1/inputSchema/properties/vbytes/type") = json!("number"),
        Kind::TypeChanged,
        Severity::Info,
        "estimate_fee",
    ),
    (
        "enum value added on input",
        |d| *at(d, "/0/inputSchema/properties/unit/enum") = json!(["blocks", "days", "years"]),
        Kind::EnumValueAdded,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "argument made optional",
        |d| *at(d, "/0/inputSchema/required") = json!([]),
        Kind::ArgumentMadeOptional,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "new output field",
        |d| {
            object(at(d, "/0/outputSchema/properties")).insert("miner".into(), json!({"type": "string"}));
        },
        Kind::OutputFieldAdded,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "optional output field removed",
        |d| {
            object(at(d, "/0/outputSchema/properties")).remove("pool");
        },
        Kind::OutputFieldRemoved,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "output range narrowed",
        |d| *at(d, "/0/outputSchema/properties/height/minimum") = json!(1),
        Kind::RangeNarrowed,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "description changed",
        |d| *at(d, "/0/inputSchema/properties/count/description") = json!("how many halvings"),
        Kind::DocChanged,
        Severity::Info,
        "halving_schedule",
    ),
    (
        "fingerprint changed",
        |d| *at(d, "/1/_meta/api-registry~1fingerprint") = json!("00000000000000ff"),
        Kind::FingerprintChanged,
        Severity::Info,
        "estimate_fee",
    ),
];

const OPENAPI_CASES: &[(&str, Mutation, Kind, Severity, &str)] = &[
    (
        "route removed",
        |d| {
            object(at(d, "/paths")).remove("/api/items/{id}");
        },
        Kind::FunctionRemoved,
        Severity::Breaking,
        "get_item",
    ),
    (
        "method changed",
        |d| {
            let item = object(at(d, "/paths/~1api~1put_item"));
            let operation = item.remove("post").unwrap();
            item.insert("put".into(), operation);
        },
        Kind::MethodChanged,
        Severity::Breaking,
        "put_item",
    ),
    (
        "path changed",
        |d| {
            let paths = object(at(d, "/paths"));
            let item = paths.remove("/api/put_item").unwrap();
            paths.insert("/api/items".into(), item);
        },
        Kind::PathChanged,
        Severity::Breaking,
        "put_item",
    ),
    (
        "new required query parameter",
        |d| {
            at(d, "/paths/~1api~1items~1{id}/get/parameters")
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "lang", "in": "query", "required": true, "schema": {"type": "string"}}));
        },
        Kind::RequiredArgumentAdded,
        Severity::Breaking,
        "get_item",
    ),
    (
        "query parameter made required",
        |d| *at(d, "/paths/~1api~1items~1{id}/get/parameters/1/required") = json!(true),
        Kind::ArgumentMadeRequired,
        Severity::Breaking,
        "get_item",
    ),
    (
        "query enum value removed",
        |d| *at(d, "/paths/~1api~1items~1{id}/get/parameters/1/schema/enum") = json!(["full"]),
        Kind::EnumValueRemoved,
        Severity::Breaking,
        "get_item",
    ),
    (
        "path parameter minimum raised",
        |d| *at(d, "/paths/~1api~1items~1{id}/get/parameters/0/schema/minimum") = json!(1),
        Kind::RangeNarrowed,
        Severity::Breaking,
        "get_item",
    ),
    (
        "component maximum lowered (an input of put_item)",
        |d| *at(d, "/components/schemas/Item/properties/size/maximum") = json!(10),
        Kind::RangeNarrowed,
        Severity::Breaking,
        "put_item",
    ),
    (
        "component field made required (an input of put_item)",
        |d| {
            at(d, "/components/schemas/Item/required")
                .as_array_mut()
                .unwrap()
                .push(json!("parent"))
        },
        Kind::ArgumentMadeRequired,
        Severity::Breaking,
        "put_item",
    ),
    (
        "component output field removed",
        |d| {
            object(at(d, "/components/schemas/Stored/properties")).remove("created");
        },
        Kind::OutputFieldRemoved,
        Severity::Breaking,
        "put_item",
    ),
    (
        "output format changed",
        |d| *at(d, "/components/schemas/Stored/properties/created/format") = json!("date"),
        Kind::ConstraintAdded,
        Severity::Breaking,
        "put_item",
    ),
    (
        "response media type changed",
        |d| {
            let content = object(at(d, "/paths/~1api~1items~1{id}/get/responses/200/content"));
            let media = content.remove("application/json").unwrap();
            content.insert("text/plain".into(), media);
        },
        Kind::TypeChanged,
        Severity::Breaking,
        "get_item",
    ),
    (
        "result gone (204)",
        |d| *at(d, "/paths/~1api~1put_item/post/responses") = json!({"204": {"description": "done"}}),
        Kind::OutputFieldRemoved,
        Severity::Breaking,
        "put_item",
    ),
    // Compatible changes.
    (
        "new optional query parameter",
        |d| {
            at(d, "/paths/~1api~1items~1{id}/get/parameters")
                .as_array_mut()
                .unwrap()
                .push(json!({"name": "lang", "in": "query", "required": false, "schema": {"type": "string"}}));
        },
        Kind::OptionalArgumentAdded,
        Severity::Info,
        "get_item",
    ),
    (
        "new operation",
        |d| {
            let mut item = d["paths"]["/api/items/{id}"].clone();
            item["get"]["operationId"] = json!("get_item_v2");
            object(at(d, "/paths")).insert("/api/v2/items/{id}".into(), item);
        },
        Kind::FunctionAdded,
        Severity::Info,
        "get_item_v2",
    ),
    (
        // `Item` is also `get_item`'s result: a wider output breaks its callers.
        "component maximum raised (an output of get_item)",
        |d| *at(d, "/components/schemas/Item/properties/size/maximum") = json!(1000),
        Kind::RangeWidened,
        Severity::Breaking,
        "get_item",
    ),
    (
        "path parameter minimum removed",
        |d| {
            object(at(d, "/paths/~1api~1items~1{id}/get/parameters/0/schema")).remove("minimum");
        },
        Kind::RangeWidened,
        Severity::Info,
        "get_item",
    ),
    (
        "new optional body field",
        |d| {
            object(at(d, "/components/schemas/Item/properties")).insert("color".into(), json!({"type": "string"}));
        },
        Kind::OptionalArgumentAdded,
        Severity::Info,
        "put_item",
    ),
];

fn check_cases(base: fn() -> Value, cases: &[(&str, Mutation, Kind, Severity, &str)]) {
    for (what, mutate, kind, severity, function) in cases {
        let mut new = base();
        mutate(&mut new);
        let report = diff(&base(), &new).expect("comparable dumps");
        let found = report
            .changes
            .iter()
            .find(|c| c.kind == *kind && c.function == *function)
            .unwrap_or_else(|| panic!("{what}: no {kind} for `{function}` in\n{}", report.render()));
        assert_eq!(found.severity, *severity, "{what}: {found:?}");
        let breaking = *severity == Severity::Breaking;
        assert_eq!(
            report.has_breaking(),
            breaking,
            "{what}: only the one change should decide\n{}",
            report.render()
        );
    }
}

#[test]
fn each_tools_dump_change_is_found_and_rated() {
    check_cases(tools, TOOL_CASES);
}

#[test]
fn each_openapi_change_is_found_and_rated() {
    check_cases(openapi, OPENAPI_CASES);
}

#[test]
fn identical_dumps_have_no_changes() {
    for dump in [tools(), openapi()] {
        let report = diff(&dump, &dump).unwrap();
        assert_eq!(report, Report::default());
        assert_eq!(report.render(), "no changes\n");
    }
    // A `tools/list` result and a JSON-RPC response carrying one read as the array.
    let result = json!({"tools": tools(), "nextCursor": null});
    assert_eq!(diff(&tools(), &result).unwrap(), Report::default());
    assert_eq!(
        diff(&json!({"jsonrpc": "2.0", "id": 1, "result": result}), &tools()).unwrap(),
        Report::default()
    );
}

#[test]
fn equivalent_spellings_are_no_change() {
    // `oneOf` of `const`s is an `enum`; `anyOf [T, null]` is `type: [T, "null"]`;
    // an inline schema equals the component it was.
    let mut old = openapi();
    *at(&mut old, "/paths/~1api~1items~1{id}/get/parameters/1/schema") =
        json!({"oneOf": [{"type": "string", "const": "short"}, {"type": "string", "const": "full"}]});
    *at(&mut old, "/components/schemas/Stored/properties/created") =
        json!({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]});
    let mut new = openapi();
    *at(&mut new, "/components/schemas/Stored/properties/created") =
        json!({"type": ["null", "string"], "format": "date-time"});
    let item = new["components"]["schemas"]["Item"].clone();
    *at(
        &mut new,
        "/paths/~1api~1items~1{id}/get/responses/200/content/application~1json/schema",
    ) = json!({
        "allOf": [item],
    });
    let report = diff(&old, &new).unwrap();
    assert!(report.changes.is_empty(), "{}", report.render());
}

#[test]
fn non_standard_formats_are_no_change() {
    // `uint32`, `double`: the framework drops them; the bounds say the width.
    let mut new = tools();
    object(at(&mut new, "/1/inputSchema/properties/vbytes")).insert("format".into(), json!("uint32"));
    object(at(&mut new, "/1/outputSchema/properties/result")).insert("format".into(), json!("int64"));
    let report = diff(&tools(), &new).unwrap();
    assert!(report.changes.is_empty(), "{}", report.render());
    // A standard one is a constraint.
    object(at(&mut new, "/1/inputSchema/properties/vbytes")).insert("format".into(), json!("uuid"));
    let report = diff(&tools(), &new).unwrap();
    assert!(report.has(Kind::ConstraintAdded, "estimate_fee") && report.has_breaking());
}

#[test]
fn openapi_3_0_spellings_are_no_change() {
    // 3.1: `exclusiveMinimum: 0`, `type: [T, "null"]`; 3.0: a flag beside `minimum`, `nullable`.
    let mut old = openapi();
    *at(&mut old, "/components/schemas/Item/properties/size") =
        json!({"type": "integer", "exclusiveMinimum": 0, "maximum": 100});
    *at(&mut old, "/components/schemas/Item/properties/name") = json!({"type": ["string", "null"], "maxLength": 40});
    let mut new = openapi();
    new["openapi"] = json!("3.0.3");
    *at(&mut new, "/components/schemas/Item/properties/size") =
        json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 100});
    *at(&mut new, "/components/schemas/Item/properties/name") =
        json!({"type": "string", "nullable": true, "maxLength": 40});
    let report = diff(&old, &new).unwrap();
    assert!(report.changes.is_empty(), "{}", report.render());
    // Dropping the flag admits 0: wider on input, wider on `get_item`'s output.
    object(at(&mut new, "/components/schemas/Item/properties/size")).remove("exclusiveMinimum");
    let report = diff(&old, &new).unwrap();
    assert!(report.has(Kind::RangeWidened, "put_item") && report.has(Kind::RangeWidened, "get_item"));
    assert!(report.has_breaking(), "{}", report.render());
}

#[test]
fn map_values_and_doc_additions_are_compared() {
    let mut old = tools();
    object(at(&mut old, "/1/outputSchema/properties")).insert(
        "by_pool".into(),
        json!({"type": "object", "additionalProperties": {"type": "integer", "maximum": 10}}),
    );
    let mut new = old.clone();
    *at(
        &mut new,
        "/1/outputSchema/properties/by_pool/additionalProperties/maximum",
    ) = json!(20);
    object(at(&mut new, "/1")).remove("title");
    let report = diff(&old, &new).unwrap();
    let widened = report
        .changes
        .iter()
        .find(|c| c.kind == Kind::RangeWidened)
        .expect("widened");
    assert_eq!(widened.at, "output.by_pool{}");
    assert!(widened.is_breaking(), "a map's values are results too");
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.kind == Kind::DocChanged && c.detail == "title changed")
    );
    // A doc that appears is a change too.
    let report = diff(&new, &old).unwrap();
    assert!(
        report
            .changes
            .iter()
            .any(|c| c.kind == Kind::DocChanged && c.detail == "title changed")
    );
}

#[test]
fn recursive_types_end() {
    let mut new = openapi();
    // `parent` is an `Item`: the change shows once, under the root type.
    *at(&mut new, "/components/schemas/Item/properties/name/maxLength") = json!(20);
    let report = diff(&openapi(), &new).unwrap();
    assert!(report.has(Kind::RangeNarrowed, "put_item"));
    assert!(
        report.changes.iter().any(|c| c.at == "input.item.name"),
        "{}",
        report.render()
    );
}

#[test]
fn dumps_of_two_kinds_are_refused() {
    assert_eq!(
        diff(&openapi(), &tools()),
        Err(DumpError::Mismatch {
            old: "an OpenAPI document",
            new: "a tools dump"
        })
    );
    assert_eq!(diff(&json!({"x": 1}), &tools()), Err(DumpError::Unrecognized("old")));
    assert_eq!(diff(&tools(), &json!("text")), Err(DumpError::Unrecognized("new")));
}

/// Several changes at once, rendered, against a golden report.
fn golden(name: &str, report: &Report) {
    let path = format!("{}/tests/fixtures/schema_diff/{name}.txt", env!("CARGO_MANIFEST_DIR"));
    let actual = report.render();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {path}; UPDATE_GOLDEN=1 writes it"));
    assert_eq!(
        expected, actual,
        "{name} differs from {path} (UPDATE_GOLDEN=1 rewrites it)"
    );
}

/// Applies the cases named in `names`, in order, to one dump.
fn apply(mut dump: Value, cases: &[(&str, Mutation, Kind, Severity, &str)], names: &[&str]) -> Value {
    for name in names {
        let (_, mutate, ..) = cases
            .iter()
            .find(|(what, ..)| what == name)
            .unwrap_or_else(|| panic!("no case {name}"));
        mutate(&mut dump);
    }
    dump
}

#[test]
fn golden_reports() {
    let new = apply(
        tools(),
        TOOL_CASES,
        &[
            "new required argument",
            "maximum lowered",
            "maxLength lowered",
            "enum value removed",
            "output field made optional",
            "no longer read-only",
            "new optional argument",
            "input type widened",
            "new output field",
            "description changed",
            "fingerprint changed",
            "new tool",
        ],
    );
    golden("tools", &diff(&tools(), &new).unwrap());

    let new = apply(
        openapi(),
        OPENAPI_CASES,
        &[
            "new required query parameter",
            "query enum value removed",
            "component maximum lowered (an input of put_item)",
            "component output field removed",
            "new operation",
            "new optional body field",
        ],
    );
    golden("openapi", &diff(&openapi(), &new).unwrap());
    let moved = apply(openapi(), OPENAPI_CASES, &["method changed", "route removed"]);
    golden("openapi_routes", &diff(&openapi(), &moved).unwrap());
}
